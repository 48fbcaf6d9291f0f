/*
 * xcheck_host.c — host half of the host/target cross-check: prints the
 * cross-check stream's blocks (xcheck.h) on stdout.
 * Usage: xcheck-host [--perturb SAMPLE COUNTS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xcheck.h"

static void emit_stdout(const char *line)
{
    fputs(line, stdout);
}

int main(int argc, char **argv)
{
    static struct xcheck x;
    static uint8_t nvm[XCHECK_NVM_SIZE];
    if (argc == 4 && strcmp(argv[1], "--perturb") == 0) {
        x.perturb_at = (uint32_t)strtoul(argv[2], NULL, 10);
        x.perturb_counts = (int32_t)strtol(argv[3], NULL, 10);
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--perturb SAMPLE COUNTS]\n", argv[0]);
        return 2;
    }
    int r = xcheck_run(&x, nvm, emit_stdout);
    if (r < 0) {
        fprintf(stderr, "xcheck: meter_init failed (%d)\n", r);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
