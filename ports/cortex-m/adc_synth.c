/*
 * adc_synth.c — ADC front end of the test images: the integer synthesiser
 * (ports/common/synth.h) produces each sample set in the sample interrupt,
 * so the full interrupt path runs as on a board. The image configures
 * board_synth before board_adc_start().
 */
#include "board.h"

#include "synth.h"

struct synth board_synth;

void board_adc_read(int32_t s[METER_CHANNELS])
{
    synth_next(&board_synth, s);
}
