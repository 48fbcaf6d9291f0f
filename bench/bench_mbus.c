/* M-Bus readout on the line: bytes each way and the time a full readout
 * (SND_NKE/E5, then REQ_UD2/RSP_UD until no "more records follow") takes
 * at each baud rate, from the character count alone (11 bits a character:
 * start, 8 data, even parity, stop) plus the slave's response delay that
 * EN 13757-2 allows (11 .. 330 bit times + 50 ms). No timing of the host:
 * the figures follow from the telegrams, which are printed in hex.
 * The meter: factory configuration, serial 12345678, 1 h at 3 x 230 V x
 * 10 A (6.9 kW) then a power-up readout at 2026-03-29 01:00 UTC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mbus/mbus.h"
#include "vmeter.h"

static uint8_t nvm[VMETER_NVM_SIZE];

int main(void)
{
    static struct vmeter v;
    memset(nvm, 0xff, sizeof nvm);
    vmeter_boot(&v, nvm, sizeof nvm, 1774742400LL);
    v.m.serial = 12345678;
    struct meas_block b = vmeter_block_kw(6.9);
    for (int i = 0; i < 3600; i++)
        vmeter_step_block(&v, &b);
    struct mbus_meter mm;
    memset(&mm, 0, sizeof mm);
    struct mbus_cfg *c = &mm.cfg;
    struct mbus_sess s;
    mbus_cfg_factory(c);
    mbus_sess_reset(&s);
    const uint8_t nke[5] = {0x10, 0x40, 0x01, 0x41, 0x16};
    const uint8_t *ans = NULL;
    size_t up = 5, down = mbus_serve(&v.m, &mm, &s, nke, 5, &ans);
    unsigned exchanges = 1, tel = 0;
    bool fcb = true;
    for (;;) {
        uint8_t c5 = (uint8_t)(0x5B | (fcb ? 0x20 : 0));
        uint8_t req[5] = {0x10, c5, 0x01, (uint8_t)(c5 + 1), 0x16};
        fcb = !fcb;
        size_t n = mbus_serve(&v.m, &mm, &s, req, 5, &ans);
        if (n < 9) {
            fprintf(stderr, "bench_mbus: no RSP_UD\n");
            return 1;
        }
        up += 5;
        down += n;
        exchanges++;
        tel++;
        printf("RSP_UD %u (%zu bytes):", tel, n);
        for (size_t i = 0; i < n; i++)
            printf(" %02X", ans[i]);
        printf("\n");
        if (ans[n - 3] != 0x1F) /* last byte before CS 16 */
            break;
        if (tel > 8)
            return 1;
    }
    printf("\nfull readout: %u exchanges, %zu bytes master->meter, %zu bytes meter->master, %u telegram(s)\n\n",
           exchanges, up, down, tel);
    printf("| baud | characters (ms) | + min response delay 11 bit (ms) | + max response delay 330 bit + 50 ms (ms) |\n");
    printf("|---|---|---|---|\n");
    const unsigned rates[] = {300, 600, 1200, 2400, 4800, 9600};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        double bit = 1000.0 / rates[i];
        double chars = (double)(up + down) * 11.0 * bit;
        printf("| %u | %.0f | %.0f | %.0f |\n", rates[i], chars, chars + exchanges * 11.0 * bit,
               chars + exchanges * (330.0 * bit + 50.0));
    }
    return 0;
}
