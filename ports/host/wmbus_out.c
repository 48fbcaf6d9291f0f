/*
 * wmbus_out.c — the simulator's wireless M-Bus receiver model: the frames
 * the core transmits on METER_LINE_WMBUS are checked and stripped of their
 * data-link CRCs (frame format A or B, whichever verifies) and written as
 * one line of upper-case hex each, flushed per line: the form wmbusmeters
 * reads with `stdin:hex` (`--wmbus FILE`, `--wmbus -` for stdout).
 */
#include "wmbus_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wmbus/wmbus.h"
#include "sim.h"

struct wmbus_out {
    char path[1024];
    FILE *f;
    bool own;                /* f was opened here (not stdout) */
    size_t n;                /* bytes of the frame gathered */
    uint8_t buf[2 * WMBUS_FRAME_MAX];
    unsigned long lines, bad;
};

/* The frame in buf is complete once format B's or format A's length is
 * there and its CRCs verify; then it is written and dropped. Bytes that
 * make no frame (never, unless the core is wrong) are reported and
 * dropped once more than a frame's worth is gathered. */
static void wo_frames(struct wmbus_out *w)
{
    for (;;) {
        uint8_t tel[WMBUS_TEL_MAX + 2];
        if (w->n < 12)
            return;
        size_t lb = (size_t)w->buf[0] + 1u; /* format B: L counts the CRC */
        size_t tl = (size_t)w->buf[0] + 1u; /* format A: L does not */
        size_t la = tl >= 10 ? tl + 2u * (1u + (tl - 10u + 15u) / 16u) : 0;
        int r = -1;
        size_t used = 0;
        if (w->n >= lb && (r = wmbus_unframe_b(w->buf, lb, tel, sizeof tel)) > 0)
            used = lb;
        else if (la != 0 && w->n >= la && (r = wmbus_unframe_a(w->buf, la, tel, sizeof tel)) > 0)
            used = la;
        if (used == 0) {
            if (w->n < (la > lb ? la : lb))
                return; /* wait for the rest */
            fprintf(stderr, "trimeter-sim: --wmbus: a frame failed its CRCs, dropped\n");
            w->bad++;
            w->n = 0;
            return;
        }
        for (int i = 0; i < r; i++)
            fprintf(w->f, "%02X", tel[i]);
        fputc('\n', w->f);
        fflush(w->f);
        w->lines++;
        memmove(w->buf, w->buf + used, w->n - used);
        w->n -= used;
    }
}

static size_t wo_write(void *ctx, unsigned line, const uint8_t *b, size_t len)
{
    struct wmbus_out *w = ctx;
    (void)line;
    for (size_t i = 0; i < len; i++) {
        if (w->n == sizeof w->buf) {
            w->n = 0;
            w->bad++;
        }
        w->buf[w->n++] = b[i];
        wo_frames(w);
    }
    return len;
}

static int wo_start(struct sim *s, void *ctx, char *err, size_t n)
{
    struct wmbus_out *w = ctx;
    if (strcmp(w->path, "-") == 0) {
        w->f = stdout;
    } else {
        w->f = fopen(w->path, "w");
        w->own = true;
    }
    if (w->f == NULL) {
        snprintf(err, n, "--wmbus: cannot write %s", w->path);
        return -1;
    }
    s->v->hw.port[METER_LINE_WMBUS].ctx = w;
    s->v->hw.port[METER_LINE_WMBUS].write = wo_write;
    return 0;
}

static void wo_stop(struct sim *s, void *ctx)
{
    struct wmbus_out *w = ctx;
    s->v->hw.port[METER_LINE_WMBUS].write = NULL;
    if (w->own && w->f != NULL)
        fclose(w->f);
    free(w);
}

int wmbus_out_option(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    struct wmbus_out *w = calloc(1, sizeof *w);
    if (w == NULL || arg[0] == '\0' || strlen(arg) >= sizeof w->path) {
        free(w);
        snprintf(err, n, "--wmbus: bad file name");
        return -1;
    }
    memcpy(w->path, arg, strlen(arg) + 1);
    struct sim_attach at = {.name = "wmbus", .ctx = w, .start = wo_start, .stop = wo_stop};
    if (sim_attach_add(o, &at) < 0) {
        free(w);
        snprintf(err, n, "--wmbus: too many attachments");
        return -1;
    }
    return 0;
}
