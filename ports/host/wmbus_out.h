/*
 * wmbus_out.h — the simulator's wireless M-Bus receiver: `--wmbus FILE`
 * (or `-` for stdout) writes every telegram the meter transmits as one
 * line of hex, checked and stripped of its data-link CRCs as a receiver
 * hands it over (the form wmbusmeters reads with `stdin:hex`). A simulator
 * attachment (sim.h).
 */
#ifndef TRIMETER_WMBUS_OUT_H
#define TRIMETER_WMBUS_OUT_H

#include <stddef.h>

struct sim_opts;

/* The --wmbus option: attach the receiver. 0, or -1 with the reason. */
int wmbus_out_option(void *opts, const char *arg, char *err, size_t n);

#endif
