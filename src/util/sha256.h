/*
 * sha256.h — SHA-256 (FIPS 180-4), incremental, for the firmware image
 * hash (src/legal/fwimage). In the core rather than behind the HAL: it is
 * small, portable, and lets the image be hashed a bounded piece per main-
 * loop pass on every port; only the ECDSA check needs the HAL.
 */
#ifndef TRIMETER_SHA256_H
#define TRIMETER_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len;      /* bytes hashed so far */
    uint8_t buf[64];   /* partial block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* One call over one buffer. */
void sha256(const void *p, size_t n, uint8_t out[32]);

#endif
