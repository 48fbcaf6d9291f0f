/*
 * replay.h — waveform replay for trimeter-sim (`--replay FILE.wav`,
 * `--replay-scale VOLTS,AMPS`; ../shared/SIMULATOR.md).
 *
 * A WAV file (anything libsndfile reads: PCM 16/24/32 or float) with six
 * channels V1 I1 V2 I2 V3 I3, or seven with the neutral current, replaces
 * the scenario's waveforms in the samples feed. A sample value of 1.0
 * (PCM: full scale) is VOLTS volts / AMPS amperes (default: the ADC's own
 * full scale, 600 V and 200 A peak). The sample rate must be the ADC
 * model's. The samples go through the same ADC model (adc_convert: both
 * stages in the time domain) and the same DSP as the synthesiser's, so a
 * field capture is reproduced and other metering code can be compared on
 * identical samples.
 *
 * Reference energies: per simulated second, in double precision from the
 * file's own samples: active = sum of u*i/fs per phase, summed across the
 * phases (net) and split by sign into A+/A-; reactive = the fundamental
 * reactive power of that second (windowed DFT of u and i at the frequency
 * measured from the zero crossings of the first phase with voltage), split
 * into R+/R-. File time follows simulated time: an outage skips the part of
 * the file it covers. After the end of the file the meter gets silence.
 * It touches nothing but its own state and what it is handed.
 */
#ifndef TRIMETER_REPLAY_H
#define TRIMETER_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "trimeter/meas.h"
#include "trimeter/meter_opts.h"

struct replay;
struct sim_opts;

#define REPLAY_SCALE_V 600.0 /* default full scale: the ADC's (meter_opts.h) */
#define REPLAY_SCALE_A 200.0

/* An unopened replay with the default scale. NULL when out of memory. */
struct replay *replay_new(void);
/* Open path and check it (6 or 7 channels, sample rate = fs). 0, or -1 with
 * one line in err. */
int replay_open(struct replay *r, const char *path, double fs, char *err, size_t n);
/* Full-scale values (a sample of 1.0). 0, or -1 unless both are > 0. */
int replay_set_scale(struct replay *r, double volts, double amps);
/* Length of the file in sample sets. */
uint64_t replay_frames(const struct replay *r);
/* Skip sample sets (time without supply); drops the unfinished second. */
void replay_skip(struct replay *r, uint64_t frames);
/* The next n sample sets in volts and amperes (V1 I1 V2 I2 V3 I3 IN); the
 * reference energy (uWh) of every second completed is added to ref_uwh. */
void replay_read(struct replay *r, double (*out)[METER_CHANNELS], size_t n, double ref_uwh[MEAS_QTY]);
void replay_free(struct replay *r);

/* trimeter-sim option rows (sim.c): --replay FILE.wav, --replay-scale V,A.
 * They install the replay as the run's sample source (struct sim_source). */
int replay_option(void *opts, const char *arg, char *err, size_t n);
int replay_scale_option(void *opts, const char *arg, char *err, size_t n);

#endif
