#include "registers/energy.h"

#include <string.h>

void energy_init(struct energy *e)
{
    memset(e, 0, sizeof *e);
}

uint64_t energy_step_uwh(int res)
{
    uint64_t s = 1;
    for (int i = -6; i < res; i++)
        s *= 10u;
    return s;
}

static bool add(uint64_t *reg, int64_t e, uint64_t step)
{
    if (e <= 0)
        return false;
    uint64_t before = *reg / step;
    *reg += (uint64_t)e;
    return *reg / step != before;
}

bool energy_add_block(struct energy *e, const struct meas_block *b, int res)
{
    uint64_t step = energy_step_uwh(res);
    bool changed = false;
    for (int q = 0; q < MEAS_QTY; q++)
        changed |= add(&e->total[q], b->e[q], step);
    changed |= add(&e->tariff_ap[e->tariff], b->e[MEAS_AP], step);
    changed |= add(&e->tariff_rp[e->tariff], b->e[MEAS_RP], step);
    return changed;
}
