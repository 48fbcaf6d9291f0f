/* quality.c — sags and swells per phase (see quality.h). */
#include "registers/quality.h"

#include "trimeter/meter.h"

/* Count seconds beyond a limit; open the event after more than 1 s, close
 * it on the first second back inside. */
static void track(struct meter *m, unsigned ph, bool beyond, uint8_t *secs, uint8_t *open,
                  enum evlog_code start, enum evlog_code end, int32_t u_mv)
{
    uint8_t bit = (uint8_t)(1u << ph);
    if (beyond) {
        if (*secs < 255)
            (*secs)++;
        if (*secs == 2 && !(*open & bit)) {
            *open |= bit;
            evlog_add(m, start, METER_SRC_INTERNAL, (int32_t)ph + 1, u_mv);
        }
    } else {
        *secs = 0;
        if (*open & bit) {
            *open &= (uint8_t)~bit;
            evlog_add(m, end, METER_SRC_INTERNAL, (int32_t)ph + 1, u_mv);
        }
    }
}

void quality_tick(struct meter *m)
{
    struct quality *q = &m->quality;
    for (unsigned ph = 0; ph < METER_PHASES; ph++) {
        int32_t u = m->block.ph[ph].u_mv;
        if (u >= QUALITY_SAG_MV)
            q->seen |= (uint8_t)(1u << ph);
        if (q->seen & (1u << ph))
            track(m, ph, u < QUALITY_SAG_MV, &q->low_s[ph], &q->sag, EV_SAG_START, EV_SAG_END, u);
        track(m, ph, u > QUALITY_SWELL_MV, &q->high_s[ph], &q->swell, EV_SWELL_START, EV_SWELL_END, u);
    }
}
