/*
 * xcheck.h — the host/target cross-check: one deterministic sample stream
 * (ports/common/synth) through a fresh meter, printing every field of every
 * measurement block and the energy registers as text lines. The host
 * program (xcheck_host.c) and the Cortex-M image (ports/cortex-m/
 * xcheck_main.c under QEMU) run this same code; a script compares the two
 * outputs byte for byte (ports/cortex-m/test/check_xcheck.sh).
 *
 * Everything the meter sees comes from here: the HAL is a RAM EEPROM and a
 * clock counted in samples, so the platforms cannot differ in anything but
 * arithmetic — which is what the check is for.
 */
#ifndef TRIMETER_XCHECK_H
#define TRIMETER_XCHECK_H

#include <stdint.h>

#include "nvm_ram.h"
#include "synth.h"
#include "trimeter/meter.h"

#define XCHECK_SECONDS 6u
#define XCHECK_START_UTC 1774735200
#define XCHECK_NVM_SIZE (512u * 1024u)
#define XCHECK_NVM_PAGE 512u

struct xcheck {
    struct meter m;
    struct meter_hal hal;
    struct nvm_ram nvm;
    struct synth syn;
    uint32_t samples;
    /* Test of the test: add perturb_counts to I1 of sample perturb_at
     * (perturb_counts 0 = off). Only the host program sets it. */
    uint32_t perturb_at;
    int32_t perturb_counts;
};

typedef void (*xcheck_emit_fn)(const char *line);

/* Run the stream; emit() gets each line (with '\n'). Returns 0, or a
 * negative meter_err if the meter could not be started. */
int xcheck_run(struct xcheck *x, uint8_t *nvm_mem, xcheck_emit_fn emit);

#endif
