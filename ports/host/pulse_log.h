/*
 * pulse_log.h — the simulator's optional LED/S0 pulse log (--pulse-log
 * FILE): one line per pulse of the meter's test LED and S0 output (1000
 * imp/kWh, 30 ms, SPEC S-5.1) with the simulated time of its rising edge,
 * its width and the running count, so a pulse counter or a reference meter
 * can be checked against the registers. A simulator attachment (sim.h).
 */
#ifndef TRIMETER_PULSE_LOG_H
#define TRIMETER_PULSE_LOG_H

#include <stddef.h>

struct sim_opts;

/* The --pulse-log option: attach the log. 0, or -1 with the reason. */
int pulse_log_option(void *opts, const char *arg, char *err, size_t n);

#endif
