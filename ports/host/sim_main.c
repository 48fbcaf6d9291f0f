/*
 * sim_main.c — entry point of trimeter-sim: parse, check everything, then
 * touch state, run, report. See sim.h and ../shared/SIMULATOR.md.
 */
#include <stdio.h>

#include "json_out.h"
#include "sim.h"

static void on_signal(int sig)
{
    (void)sig;
    sim_request_quit();
}

int main(int argc, char **argv)
{
    static struct sim s; /* large (waveforms): keep it off the stack */
    struct sim_opts o;
    char err[1024];

    if (sim_parse_args(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "trimeter-sim: %s\n", err);
        return SIM_EXIT_BAD_INPUT;
    }
    if (o.help || o.list_config) {
        if (o.help)
            sim_usage(stdout);
        else
            sim_list_config(stdout);
        sim_opts_free(&o);
        return SIM_EXIT_OK;
    }
    int r = sim_prepare(&s, &o, err, sizeof err);
    if (r != SIM_EXIT_OK) {
        fprintf(stderr, "trimeter-sim: %s\n", err);
        sim_free(&s);
        return r;
    }

    cli_quit_on_signals(on_signal);

    r = sim_run(&s, err, sizeof err);
    if (r != SIM_EXIT_OK) {
        fprintf(stderr, "trimeter-sim: %s\n", err);
        sim_free(&s);
        return r;
    }
    if (o.json && json_out_report(stdout, &s) != 0) {
        fprintf(stderr, "trimeter-sim: cannot write the JSON report\n");
        r = SIM_EXIT_FAIL;
    }
    sim_free(&s); /* graceful power-down: the store saves, the state file is flushed */
    return r;
}
