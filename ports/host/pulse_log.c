/*
 * pulse_log.c — LED/S0 pulse log of the simulator (see pulse_log.h).
 * Lines: "<ms since the run start> <width ms> <count>" after a '#' header.
 */
#include "pulse_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct pulse_log {
    char path[1024];
    FILE *f;
    uint64_t logged; /* pulses written */
};

static int pl_start(struct sim *s, void *ctx, char *err, size_t n)
{
    struct pulse_log *p = ctx;
    p->f = fopen(p->path, "w");
    if (p->f == NULL) {
        snprintf(err, n, "--pulse-log: cannot write %s", p->path);
        return -1;
    }
    p->logged = s->v->hw.pulses;
    fprintf(p->f, "# trimeter LED/S0 pulses (%d imp/kWh): rising edge ms, width ms, count\n", METER_IMP_PER_KWH);
    return 0;
}

/* Every 10 ms of simulated time: a pulse is written once it has ended
 * (its width known). A pulse is 30 ms, so no edge is missed. */
static void pl_tick(struct sim *s, void *ctx)
{
    struct pulse_log *p = ctx;
    const struct host_hw *hw = &s->v->hw;
    if (p->f == NULL || hw->pulses == p->logged)
        return;
    if (hw->pulse_on && hw->pulses == p->logged + 1)
        return; /* still on: wait for its end */
    uint64_t width = hw->pulse_off_ms >= hw->pulse_on_ms ? hw->pulse_off_ms - hw->pulse_on_ms : 0;
    /* More than one pulse since the last tick cannot happen at 10 ms ticks
     * and 30 ms pulses; if it did (coarse polls), the count stays right. */
    p->logged = hw->pulses - (hw->pulse_on ? 1u : 0u);
    fprintf(p->f, "%llu %llu %llu\n", (unsigned long long)hw->pulse_on_ms, (unsigned long long)width,
            (unsigned long long)p->logged);
}

/* The end of the run (as port_serve's attachments: stop frees). */
static void pl_stop(struct sim *s, void *ctx)
{
    struct pulse_log *p = ctx;
    (void)s;
    if (p->f != NULL)
        fclose(p->f);
    free(p);
}

int pulse_log_option(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    struct pulse_log *p = calloc(1, sizeof *p);
    if (p == NULL || strlen(arg) >= sizeof p->path || arg[0] == '\0') {
        free(p);
        snprintf(err, n, "--pulse-log: bad file name");
        return -1;
    }
    memcpy(p->path, arg, strlen(arg) + 1);
    struct sim_attach at = {.name = "pulse-log", .ctx = p, .start = pl_start, .tick = pl_tick, .stop = pl_stop};
    if (sim_attach_add(o, &at) < 0) {
        free(p);
        snprintf(err, n, "--pulse-log: too many attachments");
        return -1;
    }
    return 0;
}
