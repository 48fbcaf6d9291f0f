/*
 * fixmath.h — integer helpers of the metrology: 64x64-bit products with a
 * 128-bit intermediate, integer square root, binary-angle atan2 (CORDIC) and
 * the shared sine table.
 *
 * Portable C11 (no __int128, no floating point), so the block arithmetic is
 * bit-identical on the host and on Cortex-M. Used once per second per phase,
 * never in the per-sample path except fix_sin_tab.
 * May not touch anything outside its arguments.
 */
#ifndef TRIMETER_FIXMATH_H
#define TRIMETER_FIXMATH_H

#include <stdint.h>

/* sin(2*pi*k/1024) in Q15 (amplitude 32767). */
extern const int16_t fix_sin_tab[1024];

/* round(a * b / 2^sh), saturated to int64; sh <= 126. */
int64_t fix_mul_shr(int64_t a, int64_t b, unsigned sh);

/* round(a * b / d) for d > 0, saturated to int64. */
int64_t fix_mul_div(int64_t a, int64_t b, int64_t d);

/* cos and sin of a binary angle (2^32 per turn), Q30, linearly interpolated
 * in fix_sin_tab (error < 5e-6). */
void fix_sincos(uint32_t a, int64_t *c, int64_t *s);

/* floor(sqrt(v)). */
uint32_t fix_isqrt64(uint64_t v);

/* Angle of (x, y) in binary angle units (2^32 = one turn), as atan2(y, x). */
int32_t fix_atan2(int64_t y, int64_t x);

/* Binary angle (2^32 per turn) to milli-degrees in (-180000, 180000]. */
int32_t fix_bam_to_mdeg(int32_t a);

#endif
