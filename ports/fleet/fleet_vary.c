/*
 * fleet_vary.c — seeded per-meter variation. Every draw is a hash of
 * (seed, meter, what), not a stream, so meter i gets the same load, shift,
 * tags and clock whatever the fleet's size, and a restarted fleet gets the
 * same meters again.
 */
#include <math.h>
#include <string.h>

#include "fleet.h"

static uint64_t mix(uint64_t x)
{
    /* splitmix64 finaliser */
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

double fleet_rand01(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t h = mix(seed ^ mix(a ^ mix(b)));
    return (double)(h >> 11) * 0x1.0p-53;
}

/* What each draw is for (the b of fleet_rand01). */
enum { R_SCALE = 1, R_PHASE = 2, R_SHIFT = 5, R_DRIFT = 6, R_NET = 7, R_TAG = 16 };

void fleet_vary(const struct fleet_plan *p, bool vary, uint64_t seed, uint32_t i, struct fleet_var *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < 3; k++)
        out->scale[k] = 1.0f;
    out->tags = 0xff; /* without --vary a meter runs every segment, as trimeter-sim does */
    if (vary) {
        double s = p->scale_lo + (p->scale_hi - p->scale_lo) * fleet_rand01(seed, i, R_SCALE);
        for (int k = 0; k < 3; k++) {
            double imb = 1.0 + p->imbalance * (2.0 * fleet_rand01(seed, i, R_PHASE + (uint64_t)k) - 1.0);
            out->scale[k] = (float)(s * imb);
        }
        out->shift_s = (int32_t)llround((2.0 * fleet_rand01(seed, i, R_SHIFT) - 1.0) * (double)p->shift_s);
        out->drift_ppb = (int32_t)llround((2.0 * fleet_rand01(seed, i, R_DRIFT) - 1.0) * p->drift_ppm * 1000.0);
        out->tags = 0;
        for (unsigned t = 0; t < p->ntags; t++)
            if (fleet_rand01(seed, i, R_TAG + t) < p->tag_share[t])
                out->tags |= (uint8_t)(1u << t);
    }
    /* the network shares hold with or without --vary */
    double u = fleet_rand01(seed, i, R_NET);
    if (u < p->unreachable)
        out->net = FNET_UNREACHABLE;
    else if (u < p->unreachable + p->slow)
        out->net = FNET_SLOW;
}
