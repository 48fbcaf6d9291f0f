/*
 * tamper.h — cover switch and magnetic-field sensor (SPEC S-5.7). Each
 * start and end is logged with its time stamp (tamper log), mirrored in the
 * status bits METER_ST_COVER_OPEN / METER_ST_MAGNET (live), and latched as
 * an alarm (error symbol) until the utility clears it through the object
 * table (tamper_alarm <- 0). Changes during an outage are found at
 * power-up by comparing the inputs with the persisted ones.
 *
 * Reads hal->inputs_read; touches only status bits, its own state, events.
 */
#ifndef TRIMETER_TAMPER_H
#define TRIMETER_TAMPER_H

#include <stdbool.h>
#include <stdint.h>

struct meter;

/* Bits of the tamper status object (0-0:96.130.80). */
enum tamper_bit {
    TAMPER_COVER = 1u << 0,        /* cover open now */
    TAMPER_MAGNET = 1u << 1,       /* magnetic field now */
    TAMPER_COVER_ALARM = 1u << 2,  /* cover was opened since the alarm was cleared */
    TAMPER_MAGNET_ALARM = 1u << 3  /* magnet was seen since the alarm was cleared */
};

/* Persisted in the legal snapshot. */
struct tamper_nv {
    uint8_t bits; /* enum tamper_bit */
};

void tamper_init(struct meter *m);
/* Every main-loop pass with the inputs (enum meter_input): logs edges. */
void tamper_poll(struct meter *m, uint32_t inputs);
uint8_t tamper_bits(const struct meter *m);
/* Clear the latched alarms (the live bits stay). */
void tamper_clear_alarms(struct meter *m);

#endif
