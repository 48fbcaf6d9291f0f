/*
 * calib.h — the factory calibration of the virtual meter, run as a meter
 * factory runs it: reference signals from the synthesiser through the unit's
 * ADC model into the metrology, the raw results compared with the known
 * references, the constants computed and written through the object table
 * with the sealed calibration switch closed (they are legally relevant).
 *
 * Steps (all three phases at once, METER_CAL_HZ):
 *   1. U = Un, I = 0         -> current rms offsets (noise floor; the
 *                               voltage's is negligible: u_rmsos stays 0)
 *   2. U = Un, I = Ib, PF 1  -> voltage and current gains
 *   3. U = Un, I = Ib, PF 0.5 ind. -> current-channel lead (phase), twice
 *   4. U = Un, I = Ib, PF 1 at 1.2 x METER_CAL_HZ -> the front end's droop
 */
#ifndef TRIMETER_CALIB_H
#define TRIMETER_CALIB_H

#include <stdint.h>

#include "adc.h"
#include "metrology/metro.h"

struct vmeter;
struct meter;

/* Calibrate a unit with front end adc (its noise reseeded from seed);
 * the constants go to cal. Returns 0, or -1 when the unit is out of range. */
int calib_measure(const struct adc_model *adc, uint64_t seed, struct metro_cal *cal);
/* The same and the extended calibration (metro_cal_ext): (5) the harmonic
 * response, ... */
int calib_measure_ext(const struct adc_model *adc, uint64_t seed, struct metro_cal *cal, struct metro_cal_ext *calx);

/* Write cal into a meter through the object table rows cal_* as the
 * factory tool does (switch closed for the duration). Returns 0 or a
 * negative meter_err. */
int calib_write(struct vmeter *v, const struct metro_cal *cal);
/* The same on a meter whose input levels the caller keeps in *inputs (the
 * calibration switch is closed there for the duration). */
int calib_write_meter(struct meter *m, uint32_t *inputs, const struct metro_cal *cal);
/* The same for the extended calibration (rows cal_t_ref_mdeg ... metro_wiring). */
int calib_write_ext(struct vmeter *v, const struct metro_cal_ext *calx);

/* The factory serial number of the virtual meter (SIMULATOR.md: scenario
 * config key `serial`, default CALIB_SERIAL_DEFAULT). */
#define CALIB_SERIAL_DEFAULT 12345678u

/* Write the serial number (row 0.0.0, key `serial`) as the factory does:
 * sealed like the calibration, so the switch is closed for the write.
 * Returns 0 or a negative meter_err. */
int calib_write_serial(struct vmeter *v, uint32_t serial);

#endif
