#include "vmeter.h"

#include <string.h>

void vmeter_wire(struct vmeter *v, uint8_t *nvm, uint32_t nvm_size, int64_t start_utc)
{
    memset(&v->hw, 0, sizeof v->hw);
    v->hw.nvm = nvm;
    v->hw.nvm_size = nvm_size;
    v->hw.nvm_page = VMETER_NVM_PAGE;
    v->hw.rtc_utc = start_utc;
    v->hw.rtc_valid = true;
    v->hw.rtc_backup_s = 4u * 86400u; /* supercap, S-2.5 */
    v->hw.supply_ok = true;
    v->hw.relay[METER_RELAY_MAIN] = true;
    host_hal_bind(&v->hal, &v->hw);
}

int vmeter_boot(struct vmeter *v, uint8_t *nvm, uint32_t nvm_size, int64_t start_utc)
{
    vmeter_wire(v, nvm, nvm_size, start_utc);
    return meter_init(&v->m, &v->hal);
}

int vmeter_step_block(struct vmeter *v, const struct meas_block *b)
{
    v->hw.sim_ms += 1000u;
    meter_feed_block(&v->m, b);
    return meter_poll(&v->m);
}

int vmeter_step_sample(struct vmeter *v, const int32_t s[METER_CHANNELS])
{
    /* 1 ms of simulated time per METER_SAMPLE_RATE/1000 sample sets. */
    static const unsigned per_ms = METER_SAMPLE_RATE / 1000u;
    meter_sample(&v->m, s);
    if (v->m.metro.n % per_ms == 0)
        v->hw.sim_ms++;
    return v->m.block_pending ? meter_poll(&v->m) : METER_OK;
}

struct meas_block vmeter_block_kw(double kw)
{
    struct meas_block b;
    memset(&b, 0, sizeof b);
    double pw = kw * 1000.0 / 3.0;
    for (int p = 0; p < 3; p++) {
        b.ph[p].u_mv = 230000;
        b.ph[p].i_ua = (int32_t)(pw / 230.0 * 1e6);
        b.ph[p].p_mw = (int32_t)(pw * 1000.0);
        b.ph[p].s_mva = b.ph[p].p_mw;
        b.ph[p].u_angle_mdeg = p == 0 ? 0 : p == 1 ? -120000 : 120000;
        b.ph[p].e[MEAS_AP] = (int64_t)(pw * 1e6 / 3600.0);
        b.e[MEAS_AP] += b.ph[p].e[MEAS_AP];
        b.p_mw += b.ph[p].p_mw;
        b.s_mva += b.ph[p].s_mva;
    }
    b.f_mhz = 50000;
    b.quadrant = 1;
    return b;
}
