/*
 * cli.c — the command-line loop of the host programs (cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int cli_parse(const struct cli_option *table, int argc, char **argv, void *opts, char *err, size_t n)
{
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *eq = strchr(a, '=');
        size_t nl = eq != NULL ? (size_t)(eq - a) : strlen(a);
        const struct cli_option *p;
        for (p = table; p->name != NULL; p++)
            if (strlen(p->name) == nl && strncmp(p->name, a, nl) == 0)
                break;
        if (p->name == NULL) {
            if (a[0] == '-')
                snprintf(err, n, "command line: unknown option \"%.*s\" (see --help)", (int)nl, a);
            else
                snprintf(err, n, "command line: unexpected argument \"%s\" (see --help)", a);
            return -1;
        }
        const char *val = NULL;
        if (p->arg != NULL) {
            if (eq != NULL)
                val = eq + 1;
            else if (k + 1 < argc && strncmp(argv[k + 1], "--", 2) != 0)
                val = argv[++k];
            else {
                snprintf(err, n, "command line: %s needs a value (%s)", p->name, p->arg);
                return -1;
            }
        } else if (eq != NULL) {
            snprintf(err, n, "command line: %s takes no value", p->name);
            return -1;
        }
        char why[256] = "";
        if (p->apply(opts, val, why, sizeof why) != 0) {
            snprintf(err, n, "command line: %s: %s", p->name, why);
            return -1;
        }
    }
    return 0;
}

void cli_usage(const struct cli_option *table, FILE *f, int width)
{
    for (const struct cli_option *p = table; p->name != NULL; p++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", p->name, p->arg ? " " : "", p->arg ? p->arg : "");
        fprintf(f, "  %-*s %s\n", width, left, p->help);
    }
}

int cli_u64(const char *a, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t n)
{
    char *end;
    errno = 0;
    if (a[0] < '0' || a[0] > '9') {
        snprintf(err, n, "not an unsigned integer: \"%s\"", a);
        return -1;
    }
    unsigned long long v = strtoull(a, &end, 10);
    if (*end != '\0' || errno != 0) {
        snprintf(err, n, "not an unsigned integer: \"%s\"", a);
        return -1;
    }
    if (v < lo || v > hi) {
        snprintf(err, n, "%llu is out of range %llu..%llu", v, (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_until(const char *a, int64_t *until, bool *abs, char *err, size_t n)
{
    const char *why;
    int off;
    *abs = strchr(a, 'T') != NULL || strchr(a, '-') != NULL || strchr(a, ':') != NULL;
    if (*abs) {
        if (scenario_parse_time(a, until, &off, &why) < 0) {
            snprintf(err, n, "bad time \"%s\": %s", a, why);
            return -1;
        }
        return 0;
    }
    if (scenario_parse_duration(a, until, &why) < 0) {
        snprintf(err, n, "bad duration \"%s\": %s (or an ISO time with offset)", a, why);
        return -1;
    }
    return 0;
}

void cli_quit_on_signals(void (*on_quit)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
