/*
 * aes_soft.h — compact software AES-128 for boards without an AES
 * peripheral (the QEMU MPS2 board): the HAL's aes128_encrypt/decrypt.
 *
 * Plain C, no board dependencies, so the host unit test compiles the same
 * file and checks it against FIPS-197 and mbed TLS (tests/unit/test_aes.c).
 */
#ifndef TRIMETER_CM_AES_SOFT_H
#define TRIMETER_CM_AES_SOFT_H

#include <stdint.h>

/* One block; in and out may alias; ctx unused. Always returns 0. */
int aes_soft_encrypt(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
int aes_soft_decrypt(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

#endif
