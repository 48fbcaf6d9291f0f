/* Prepares a simulator state for the activation test: the meter of the
 * state file STATE (and its slots, sim_slots_path()) takes IMAGE through class 18 up
 * to image_activate, and is switched off before it restarts. The simulator
 * started on STATE afterwards must boot the activated image.
 * Usage: fw_sim_prep STATE IMAGE */
#include <stdio.h>

#include "sim.h"
#include "state_file.h"
#include "unit/fw_util.h"

static uint8_t im[HOST_FW_SLOT];

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    char err[256], fwp[4200];
    FILE *fp = fopen(argv[2], "rb");
    if (fp == NULL)
        return 1;
    size_t len = fread(im, 1, sizeof im, fp);
    fclose(fp);
    struct state_file sf, ff;
    sim_slots_path(argv[1], fwp, sizeof fwp);
    remove(argv[1]);
    remove(fwp);
    if (state_file_open(&sf, argv[1], VMETER_NVM_SIZE, false, err, sizeof err) < 0 ||
        state_file_open(&ff, fwp, HOST_FW_BYTES, false, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct fwm *f = calloc(1, sizeof *f);
    f->nvm = sf.mem;
    f->fw = ff.mem;
    fwm_boot(f, FWM_START);
    int r = fw_initiate(&f->v.m, "sim", (uint32_t)len, METER_ACC_MANAGER);
    if (r == 0)
        r = fw_send(&f->v.m, im, (uint32_t)len);
    if (r == 0)
        r = fw_verify(f, NULL);
    if (r == 0)
        r = fw_simple(&f->v.m, 4, METER_ACC_MANAGER);
    printf("image of %zu bytes: activate answered %d, status %u\n", len, r, f->v.m.fw.status);
    free(f);
    state_file_close(&ff);
    state_file_close(&sf);
    return r == 0 ? 0 : 1;
}
