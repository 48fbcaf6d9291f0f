/*
 * metro_loop — the subject bench_metro hands to callgrind: LOOP_BLOCKS
 * blocks of the sample sets in FILE (int32 V1 I1 V2 I2 V3 I3 IN, one block)
 * through metro_sample (and metro_poll at each block end), with nothing else linked (built at -O2).
 */
#include <stdio.h>
#include <stdlib.h>

#include "metrology/metro.h"

#define LOOP_BLOCKS 20

int main(int argc, char **argv)
{
    static int32_t buf[METRO_N][METER_CHANNELS];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (f == NULL || fread(buf, sizeof buf, 1, f) != 1) {
        fprintf(stderr, "usage: metro_loop SAMPLES (one block of int32 sample sets)\n");
        return 2;
    }
    fclose(f);
    struct metro *mt = malloc(sizeof *mt);
    if (mt == NULL)
        return 1;
    metro_init(mt);
    unsigned acc = 0;
    for (int b = 0; b < LOOP_BLOCKS; b++)
        for (int n = 0; n < METRO_N; n++) {
            unsigned ev = metro_sample(mt, buf[n]);
            acc += ev;
            if (ev & METRO_EV_BLOCK)
                metro_poll(mt); /* the main loop's part */
        }
    printf("%u %d\n", acc, mt->out.p_mw);
    free(mt);
    return 0;
}
