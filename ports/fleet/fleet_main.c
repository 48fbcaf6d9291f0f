/*
 * fleet_main.c — entry point of trimeter-fleet: parse, check everything,
 * then touch state, run, report (fleet.h, docs/FLEET.md).
 */
#include <stdio.h>

#include "fleet.h"

static void on_signal(int sig)
{
    (void)sig;
    fleet_request_quit();
}

int main(int argc, char **argv)
{
    static struct fleet f;
    struct fleet_opts o;
    char err[1024];

    if (fleet_parse_args(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "trimeter-fleet: %s\n", err);
        return FLEET_EXIT_BAD_INPUT;
    }
    if (o.help) {
        fleet_usage(stdout);
        return FLEET_EXIT_OK;
    }
    int r = fleet_prepare(&f, &o, err, sizeof err);
    if (r != FLEET_EXIT_OK) {
        fprintf(stderr, "trimeter-fleet: %s\n", err);
        fleet_free(&f);
        return r;
    }
    cli_quit_on_signals(on_signal);

    r = fleet_run(&f, err, sizeof err);
    if (r != FLEET_EXIT_OK) {
        fprintf(stderr, "trimeter-fleet: %s\n", err);
        fleet_free(&f);
        return r;
    }
    if (o.summary_every > 0)
        fleet_summary_line(&f, stderr);
    if (o.json_summary && fleet_json_summary(&f, stdout) != 0) {
        fprintf(stderr, "trimeter-fleet: cannot write the JSON summary\n");
        r = FLEET_EXIT_FAIL;
    }
    if (o.registers_out != NULL && fleet_registers_out(&f, o.registers_out) != 0) {
        fprintf(stderr, "trimeter-fleet: %s: cannot write the register lines\n", o.registers_out);
        r = FLEET_EXIT_FAIL;
    }
    fleet_free(&f);
    return r;
}
