/*
 * nvcount.c — write-ahead counter reservations in the store's nvcount ring.
 */
#include "legal/nvcount.h"

#include "trimeter/meter.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int nvcount_load(const struct meter *m, uint32_t v[NVCOUNT_N])
{
    uint8_t rec[NVCOUNT_REC_SIZE];
    for (unsigned k = 0; k < NVCOUNT_N; k++)
        v[k] = 0;
    uint32_t n = store_log_count(&m->store, RING_NVCOUNT);
    /* The newest readable record; a damaged newest one (CRC) is skipped by
     * the store at mount, and an older limit is still a limit reserved
     * before any later one: start from the largest seen. */
    for (uint32_t i = n; i-- > 0;) {
        if (store_log_read(&m->store, RING_NVCOUNT, i, rec) < 0)
            continue;
        for (unsigned k = 0; k < NVCOUNT_N; k++) {
            const uint8_t *p = rec + 4 * k;
            uint32_t x = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            if (x > v[k])
                v[k] = x;
        }
        return METER_OK;
    }
    return METER_ENOENT;
}

int nvcount_save(struct meter *m, const uint32_t v[NVCOUNT_N])
{
    uint8_t rec[NVCOUNT_REC_SIZE];
    for (unsigned k = 0; k < NVCOUNT_N; k++)
        put32(rec + 4 * k, v[k]);
    return store_log_append(&m->store, RING_NVCOUNT, rec);
}

int nvcount_reserve(struct meter *m, enum nvcount_id id, uint32_t limit)
{
    uint32_t v[NVCOUNT_N];
    (void)nvcount_load(m, v); /* zeros on a new meter */
    if ((unsigned)id >= NVCOUNT_N)
        return METER_EINVAL;
    v[id] = limit;
    return nvcount_save(m, v);
}
