/*
 * han_aes.h — the bridge's AES-128 block engine (mbed TLS) and its HAN key
 * file, so han_rx can read encrypted pushes (security suite 0).
 */
#ifndef TRIMETER_HAN_AES_H
#define TRIMETER_HAN_AES_H

#include <stddef.h>

#include "han_rx.h"
#include "trimeter/hal.h"

/* A struct meter_hal with only the AES engine (what src/util/aes needs). */
void han_aes_hal(struct meter_hal *hal);

/* Read a key file: the encryption key as 32 hex digits, optionally the
 * authentication key as 32 more (default: the meter's factory value
 * 00112233445566778899AABBCCDDEEFF), separated by white space; '#' starts a
 * comment line. 0, or -1 with a one-line reason in err. */
int han_key_file(const char *path, struct han_key *k, char *err, size_t n);

#endif
