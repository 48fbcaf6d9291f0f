#include "app/energy.h"

#include <string.h>

void energy_init(struct energy *e)
{
    memset(e, 0, sizeof *e);
    e->res_scaler = 1; /* 0.01 kWh, the 382M default */
}

void energy_add_block(struct energy *e, const struct meas_block *b)
{
    for (int q = 0; q < MEAS_QTY; q++)
        e->total[q] += (uint64_t)b->e[q];
    e->tariff_ap[e->tariff] += (uint64_t)b->e[MEAS_AP];
    e->tariff_rp[e->tariff] += (uint64_t)b->e[MEAS_RP];
}
