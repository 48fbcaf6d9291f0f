/*
 * replay.c — see replay.h.
 */
#include "replay.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define UWH_PER_WS (1e6 / 3600.0)
#define REF_U_MIN 40.0 /* V rms: enough voltage to measure the frequency on */

struct replay {
    SNDFILE *sf;
    SF_INFO info;
    double fs;
    double vfs, afs;     /* full-scale values */
    uint64_t pos;        /* next frame of the file */
    double *rd;          /* read buffer, frames x file channels */
    size_t rd_frames;
    /* the second in progress (physical values) for its reference */
    double (*sec)[METER_CHANNELS];
    size_t per_sec, nsec;
    double (*cs)[2];     /* e^{-j 2 pi f n / fs} scratch */
    /* time alignment with the simulator (adapter) */
    int64_t sim_sec_t;
    int started;
};

struct replay *replay_new(void)
{
    struct replay *r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->vfs = REPLAY_SCALE_V;
        r->afs = REPLAY_SCALE_A;
    }
    return r;
}

int replay_open(struct replay *r, const char *path, double fs, char *err, size_t n)
{
    if (r->sf != NULL) {
        snprintf(err, n, "only one replay file");
        return -1;
    }
    memset(&r->info, 0, sizeof r->info);
    r->sf = sf_open(path, SFM_READ, &r->info);
    if (r->sf == NULL) {
        snprintf(err, n, "%s: %s", path, sf_strerror(NULL));
        return -1;
    }
    if (r->info.channels != 6 && r->info.channels != 7) {
        snprintf(err, n, "%s: %d channels, expected 6 (V1 I1 V2 I2 V3 I3) or 7 (with IN)", path, r->info.channels);
        goto fail;
    }
    if (fabs((double)r->info.samplerate - fs) > 1e-9) {
        snprintf(err, n, "%s: sample rate %d Hz, the ADC model runs at %.0f Hz (resample it, e.g. sox in.wav -r %.0f out.wav)",
                 path, r->info.samplerate, fs, fs);
        goto fail;
    }
    r->fs = fs;
    r->per_sec = (size_t)llround(fs);
    r->rd_frames = 256;
    r->rd = malloc(sizeof(double) * r->rd_frames * (size_t)r->info.channels);
    r->sec = malloc(sizeof *r->sec * r->per_sec);
    r->cs = malloc(sizeof *r->cs * r->per_sec);
    if (r->rd == NULL || r->sec == NULL || r->cs == NULL) {
        snprintf(err, n, "out of memory");
        goto fail;
    }
    return 0;
fail:
    sf_close(r->sf);
    r->sf = NULL;
    return -1;
}

int replay_set_scale(struct replay *r, double volts, double amps)
{
    if (!(volts > 0) || !(amps > 0) || !isfinite(volts) || !isfinite(amps))
        return -1;
    r->vfs = volts;
    r->afs = amps;
    return 0;
}

uint64_t replay_frames(const struct replay *r)
{
    return r->sf != NULL && r->info.frames > 0 ? (uint64_t)r->info.frames : 0;
}

void replay_skip(struct replay *r, uint64_t frames)
{
    uint64_t end = replay_frames(r);
    r->pos = frames > end - r->pos ? end : r->pos + frames;
    if (r->sf != NULL)
        sf_seek(r->sf, (sf_count_t)r->pos, SEEK_SET);
    r->nsec = 0;
}

/* Frequency from the rising zero crossings (with hysteresis) of channel c
 * over the second; 0 when there are fewer than three. */
static double sec_frequency(const struct replay *r, unsigned c, double peak)
{
    double h = 0.1 * peak, first = 0, last = 0;
    unsigned count = 0;
    int armed = 0;
    for (size_t k = 1; k < r->nsec; k++) {
        double a = r->sec[k - 1][c], b = r->sec[k][c];
        if (a < -h)
            armed = 1;
        if (armed && a < 0 && b >= 0) {
            double t = (double)(k - 1) + (-a) / (b - a);
            if (count == 0)
                first = t;
            last = t;
            count++;
            armed = 0;
        }
    }
    if (count < 3 || last <= first)
        return 0;
    return (count - 1) * r->fs / (last - first);
}

/* The reference energies of the completed second. */
static void sec_reference(struct replay *r, double ref_uwh[MEAS_QTY])
{
    size_t N = r->nsec;
    double dt = 1.0 / r->fs, p = 0, q = 0;
    for (unsigned ph = 0; ph < 3; ph++) {
        double s = 0;
        for (size_t k = 0; k < N; k++)
            s += r->sec[k][2 * ph] * r->sec[k][2 * ph + 1];
        p += s * dt;
    }
    /* the fundamental: frequency from the first phase with voltage */
    double f = 0;
    for (unsigned ph = 0; ph < 3 && f == 0; ph++) {
        double uu = 0, peak = 0;
        for (size_t k = 0; k < N; k++) {
            double u = r->sec[k][2 * ph];
            uu += u * u;
            if (fabs(u) > peak)
                peak = fabs(u);
        }
        if (sqrt(uu / (double)N) >= REF_U_MIN)
            f = sec_frequency(r, 2 * ph, peak);
    }
    if (f > 0) {
        /* window (x(1-x))^2: sidelobes fall as 1/k^3, so DC, harmonics and
         * the -f image do not leak into the bin */
        double w0 = 0;
        for (size_t k = 0; k < N; k++) {
            double x = ((double)k + 0.5) / (double)N, w = x * (1 - x);
            w *= w;
            double a = 2 * M_PI * f * (double)k / r->fs;
            r->cs[k][0] = w * cos(a);
            r->cs[k][1] = -w * sin(a);
            w0 += w;
        }
        for (unsigned ph = 0; ph < 3; ph++) {
            double ur = 0, ui = 0, ir = 0, ii = 0;
            for (size_t k = 0; k < N; k++) {
                double u = r->sec[k][2 * ph], i = r->sec[k][2 * ph + 1];
                ur += r->cs[k][0] * u;
                ui += r->cs[k][1] * u;
                ir += r->cs[k][0] * i;
                ii += r->cs[k][1] * i;
            }
            /* Q1 = 2 Im(U1 conj(I1)) with U1 = sum / w0 (half peak) */
            q += 2.0 * (ui * ir - ur * ii) / (w0 * w0) * (double)N * dt;
        }
    }
    ref_uwh[MEAS_AP] += p > 0 ? p * UWH_PER_WS : 0;
    ref_uwh[MEAS_AN] += p < 0 ? -p * UWH_PER_WS : 0;
    ref_uwh[MEAS_RP] += q > 0 ? q * UWH_PER_WS : 0;
    ref_uwh[MEAS_RN] += q < 0 ? -q * UWH_PER_WS : 0;
}

void replay_read(struct replay *r, double (*out)[METER_CHANNELS], size_t n, double ref_uwh[MEAS_QTY])
{
    unsigned nch = r->sf != NULL ? (unsigned)r->info.channels : 6;
    size_t done = 0;
    while (done < n) {
        size_t want = n - done;
        if (want > r->rd_frames)
            want = r->rd_frames;
        sf_count_t got = 0;
        if (r->sf != NULL && r->pos < replay_frames(r))
            got = sf_readf_double(r->sf, r->rd, (sf_count_t)want);
        if (got <= 0) {
            /* past the end: no mains */
            got = (sf_count_t)want;
            memset(r->rd, 0, sizeof(double) * want * nch);
        } else {
            r->pos += (uint64_t)got;
        }
        for (sf_count_t k = 0; k < got; k++) {
            const double *x = &r->rd[(size_t)k * nch];
            double *y = out[done + (size_t)k];
            for (unsigned c = 0; c < 6; c++)
                y[c] = x[c] * (c % 2 == 0 ? r->vfs : r->afs);
            y[6] = nch == 7 ? x[6] * r->afs : -(y[1] + y[3] + y[5]);
            if (r->sec != NULL) {
                memcpy(r->sec[r->nsec++], y, sizeof r->sec[0]);
                if (r->nsec == r->per_sec) {
                    sec_reference(r, ref_uwh);
                    r->nsec = 0;
                }
            }
        }
        done += (size_t)got;
    }
}

void replay_free(struct replay *r)
{
    if (r == NULL)
        return;
    if (r->sf != NULL)
        sf_close(r->sf);
    free(r->rd);
    free(r->sec);
    free(r->cs);
    free(r);
}

/* ---- trimeter-sim adapter ------------------------------------------------ */

/* File time follows simulated time: a second the sim skipped (no supply)
 * skips its part of the file. */
static int source_fill(struct sim *s, void *ctx, double (*out)[METER_CHANNELS], size_t n, double ref_uwh[MEAS_QTY])
{
    struct replay *r = ctx;
    if (!r->started) {
        r->started = 1;
        r->sim_sec_t = s->t;
    } else if (s->t != r->sim_sec_t) {
        if (s->t > r->sim_sec_t + 1000)
            replay_skip(r, (uint64_t)((s->t - r->sim_sec_t - 1000) / 1000) * r->per_sec);
        r->sim_sec_t = s->t;
    }
    replay_read(r, out, n, ref_uwh);
    return 0;
}

static void source_close(void *ctx)
{
    replay_free(ctx);
}

/* The replay of these options (created by whichever option comes first). */
static struct replay *opt_replay(struct sim_opts *o, char *err, size_t n)
{
    if (o->source.ctx == NULL) {
        struct replay *r = replay_new();
        if (r == NULL) {
            snprintf(err, n, "out of memory");
            return NULL;
        }
        o->source.ctx = r;
        o->source.close = source_close;
    }
    if (o->source.close != source_close) {
        snprintf(err, n, "another sample source is installed");
        return NULL;
    }
    return o->source.ctx;
}

int replay_option(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    struct replay *r = opt_replay(o, err, n);
    if (r == NULL || replay_open(r, arg, METER_SAMPLE_RATE, err, n) != 0)
        return -1;
    o->source.fill = source_fill;
    o->source.duration_ms = (int64_t)(replay_frames(r) * 1000 / (uint64_t)METER_SAMPLE_RATE);
    return 0;
}

int replay_scale_option(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    char *end;
    double v = strtod(arg, &end), a = 0;
    if (end != arg && *end == ',') {
        const char *p = end + 1;
        a = strtod(p, &end);
        if (end == p || *end != '\0')
            a = 0;
    }
    struct replay *r = opt_replay(o, err, n);
    if (r == NULL)
        return -1;
    if (replay_set_scale(r, v, a) != 0) {
        snprintf(err, n, "expected VOLTS,AMPS (full-scale values, both > 0), got \"%s\"", arg);
        return -1;
    }
    return 0;
}
