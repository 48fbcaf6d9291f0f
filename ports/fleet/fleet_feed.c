/*
 * fleet_feed.c — what each meter measures: the template's segment in force
 * for this meter (time shift, tagged segments), scaled by its variation,
 * opened by its disconnector, lowered by a sag; then one second of exact
 * blocks (blocks.c, the simulator's blocks feed) or, for the chosen few,
 * of samples through the ADC model and the DSP.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

struct fleet_samples {
    struct adc_model adc;
    struct wave_gen gen;
    struct blocks ref; /* exact energies of what the generator produced (fed_uwh) */
};

size_t fleet_segment_at(const struct fleet *f, const struct fleet_meter *fm, int64_t sec, int64_t *end)
{
    /* the meter's load pattern runs shift_s later than the template's */
    int64_t sh = fm->var.shift_s;
    int64_t tp = sec - sh, off = 0, e = 0;
    int64_t period = f->sc.period_s;
    if (tp < 0) {
        off = (-tp + period - 1) / period * period;
        tp += off;
    }
    size_t k = scenario_segment_at(&f->sc, tp, &e);
    *end = e - off + sh;
    return k;
}

/* The segment's waveforms as this meter sees them, into ws. */
static void meter_waves(const struct fleet *f, const struct fleet_meter *fm, size_t src, struct wave_set *ws)
{
    const struct wave_set *t = f->sc.seg[src].ws;
    double g = (fm->flags & FM_F_SAG) ? fm->sag_pct / 100.0 : 1.0; /* constant-impedance load */
    bool closed = fm->relay[METER_RELAY_MAIN];
    for (int k = 0; k < 3; k++) {
        const struct wave_phase *a = &t->ph[k];
        struct wave_phase *b = &ws->ph[k];
        double s = closed ? (double)fm->var.scale[k] * g : 0.0;
        b->ncomp = a->ncomp;
        memcpy(b->c, a->c, a->ncomp * sizeof a->c[0]);
        for (unsigned c = 0; c < b->ncomp; c++) {
            b->c[c].u_rms *= g;
            b->c[c].i_rms *= s;
        }
        b->u_dc = a->u_dc * g;
        b->i_dc = a->i_dc * s;
    }
}

void fleet_load_segment(struct fleet *f, struct fleet_meter *fm, int64_t sec)
{
    int64_t end;
    size_t k = fleet_segment_at(f, fm, sec, &end);
    size_t src = k;
    if (f->seg_tag[k] != 0 && !(fm->var.tags & (1u << (f->seg_tag[k] - 1u))))
        src = f->seg_fallback[k]; /* this meter has no PV / EV: the untagged load before it */
    struct wave_set *ws = f->ws_scratch;
    meter_waves(f, fm, src, ws);
    double hz = f->sc.seg[k].frequency;
    blocks_prepare(&fm->bs, ws, hz);
    if (fm->smp != NULL)
        wave_gen_load(&fm->smp->gen, ws, hz, 0.0); /* the fundamental's phase runs on */
    fm->seg = (uint16_t)k;
    fm->seg_end = end;
    fm->flags |= FM_F_SEG_VALID;
    if (fm->relay[METER_RELAY_MAIN])
        fm->flags |= FM_F_LOADED_CLOSED;
    else
        fm->flags &= (uint8_t)~FM_F_LOADED_CLOSED;
}

static void add_fed(struct fleet_meter *fm, const struct meas_block *b)
{
    for (int q = 0; q < MEAS_QTY; q++)
        fm->fed_uwh[q] += b->e[q];
}

static void feed_samples(struct fleet *f, struct fleet_meter *fm, int64_t sec)
{
    enum { PER_TICK = METER_SAMPLE_RATE * FLEET_POLL_MS / 1000 };
    struct fleet_samples *sp = fm->smp;
    double phys[METER_CHANNELS];
    int32_t cnt[METER_CHANNELS];
    struct meas_block ref;
    int64_t saved = f->t_ms;
    /* the second ends at the slice's due time: the meter's ms clock runs on */
    int64_t base = saved - 1000;
    (void)sec;
    for (int ms = FLEET_POLL_MS; ms <= 1000; ms += FLEET_POLL_MS) {
        for (int k = 0; k < PER_TICK; k++) {
            wave_gen_next(&sp->gen, phys);
            adc_quantise(&sp->adc, phys, cnt);
            meter_sample(&fm->m, cnt);
            if (fm->m.block_pending) {
                f->t_ms = base + ms;
                meter_poll(&fm->m);
            }
        }
        f->t_ms = base + ms;
        meter_poll(&fm->m);
    }
    f->t_ms = saved;
    blocks_next(&sp->ref, &fm->bs, &ref);
    add_fed(fm, &ref);
}

void fleet_feed_second(struct fleet *f, struct fleet_meter *fm, int64_t sec)
{
    bool closed = fm->relay[METER_RELAY_MAIN];
    if (!(fm->flags & FM_F_SEG_VALID) || sec >= fm->seg_end || closed != ((fm->flags & FM_F_LOADED_CLOSED) != 0))
        fleet_load_segment(f, fm, sec);
    if (fm->smp != NULL) {
        feed_samples(f, fm, sec);
    } else {
        struct meas_block b;
        blocks_next(&fm->rem, &fm->bs, &b);
        add_fed(fm, &b);
        meter_feed_block(&fm->m, &b);
        meter_poll(&fm->m);
    }
    f->stats.blocks++;
}

int fleet_samples_attach(struct fleet *f, struct fleet_meter *fm)
{
    struct fleet_samples *sp = calloc(1, sizeof *sp);
    if (sp == NULL)
        return -1;
    adc_init_default(&sp->adc, f->o.vary_seed ^ (0x5a3b1e5ull * (fm->idx + 1u)));
    wave_gen_init(&sp->gen, METER_SAMPLE_RATE, &sp->adc);
    fm->smp = sp;
    fm->flags &= (uint8_t)~FM_F_SEG_VALID;
    return 0;
}

void fleet_samples_free(struct fleet_meter *fm)
{
    free(fm->smp);
    fm->smp = NULL;
}
