/*
 * han_rx.h — the HAN decoder of the bridge (trimeter-han): HDLC frames
 * found in a byte stream (resynchronising on garbage, truncated or
 * corrupted frames), the DLMS data-notification inside, and the lists of
 * the HAN list format (src/proto/han/han_list.h: Kamstrup "Kamstrup_V0001"
 * lists and this meter's "trimeter_V0001" lists).
 *
 * Pure: no I/O, no heap, no globals; everything a frame yields goes to
 * the caller's callbacks. The fuzz harness fuzz/fuzz_han.c drives it.
 * A value is reported only when it is certain: a frame with a bad HCS or
 * FCS, an APDU that does not parse to its end, or a list the decoder does
 * not know yields a problem report and no value at all.
 */
#ifndef TRIMETER_HAN_RX_H
#define TRIMETER_HAN_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/han/han_list.h"

#define HAN_RX_FRAME_MAX 2050u /* flag + 2047 (11-bit length) + flag */
#define HAN_RX_VALUES 64u
#define HAN_RX_TEXT 64u

enum han_problem {
    HAN_P_GARBAGE = 1,  /* bytes outside any frame */
    HAN_P_HCS,          /* header check sequence wrong */
    HAN_P_FCS,          /* frame check sequence wrong */
    HAN_P_FORMAT,       /* not an HDLC type-3 frame, or no closing flag where the length says */
    HAN_P_SEGMENTED,    /* segmented frame (not used by HAN lists) */
    HAN_P_APDU,         /* information field is not a data-notification that parses */
    HAN_P_ENCRYPTED,    /* ciphered APDU that cannot be read: no key, or a security it does not know */
    HAN_P_KEY,          /* ciphered APDU whose tag does not verify (wrong key) */
    HAN_P_REPLAY,       /* ciphered APDU with an invocation counter not above the last one */
    HAN_P_LIST_FORMAT,  /* a notification body of another layout */
    HAN_P_LIST_UNKNOWN, /* a list version identifier the decoder does not know */
    HAN_P_OBIS_UNKNOWN, /* an object of a known list without a known quantity: skipped */
    HAN_P_VALUE_TYPE    /* a value of another type than the list format's: skipped */
};

struct han_value {
    const struct han_quantity *q; /* what it is */
    uint8_t ln[6];                /* logical name as sent */
    int64_t raw;                  /* numbers: quantity = raw * 10^scaler */
    int8_t scaler;
    int64_t time;                 /* clock: local civil seconds since 1970 */
    int16_t deviation;            /* clock: minutes (local = UTC - deviation), 0x8000 = unknown */
    uint8_t clock_status;
    uint8_t len;                  /* strings */
    char text[HAN_RX_TEXT];
};

struct han_list {
    bool ciphered;                 /* it came in general-glo-ciphering */
    uint32_t ic;                   /* ... with this invocation counter */
    uint8_t system_title[8];       /* ... from this sender */
    char id[HAN_RX_TEXT];          /* list version identifier */
    uint8_t id_len;
    bool known;                    /* a list format this decoder knows */
    uint32_t invoke_id;
    bool has_time;                 /* the notification's date-time */
    struct han_value time;
    unsigned n;
    struct han_value v[HAN_RX_VALUES];
};

/* Keys of a meter's encrypted push (security suite 0: AES-128-GCM,
 * general-glo-ciphering, SC 0x30) and the AES block engine to use them
 * with (a struct meter_hal with aes128_encrypt; the bridge: han_aes.c). */
struct meter_hal;
struct han_key {
    const struct meter_hal *hal;
    uint8_t ek[16];                /* encryption key */
    uint8_t ak[16];                /* authentication key (in the AAD) */
};

struct han_rx_ops {
    void *ctx;
    /* A decoded list of a good frame (values all certain). */
    void (*list)(void *ctx, const struct han_list *l);
    /* One problem; detail is a short text (may be NULL). */
    void (*problem)(void *ctx, enum han_problem p, const char *detail);
};

struct han_rx {
    struct han_rx_ops ops;
    const struct han_key *key;     /* NULL: encrypted frames are reported, not read */
    bool have_ic;                  /* an encrypted frame was accepted ... */
    uint32_t last_ic;              /* ... with this counter (replays are refused) */
    size_t len;                    /* bytes in buf */
    uint32_t frames, bad_frames, lists, garbage_bytes;
    uint8_t buf[HAN_RX_FRAME_MAX];
    struct han_list list;          /* scratch for the list being decoded */
};

void han_rx_init(struct han_rx *rx, const struct han_rx_ops *ops);
/* Read encrypted frames with key (kept by pointer; NULL: none). */
void han_rx_set_key(struct han_rx *rx, const struct han_key *key);
/* Feed received bytes (any chunking). */
void han_rx_feed(struct han_rx *rx, const uint8_t *p, size_t n);
/* Forget a partial frame (the input was reconnected). */
void han_rx_reset(struct han_rx *rx);

/* Decode one information field (LLC + APDU, as vectors/han.md section 2
 * gives them; a general-glo-ciphering APDU is deciphered with key, which
 * may be NULL) into l. Returns 0, or the problem. detail (may be NULL)
 * receives a short explanation. No replay check (han_rx_feed does it). */
int han_rx_decode_info(const uint8_t *p, size_t n, const struct han_key *key, struct han_list *l, char *detail,
                       size_t detail_n);

const char *han_problem_text(enum han_problem p);

/* A value as decimal text in its base unit (W, V, A, kWh for energy as
 * Home Assistant expects it), exact (no binary floating point). */
int han_value_format(const struct han_value *v, char *buf, size_t n);
/* The clock as ISO 8601 with offset ("2022-01-24T18:58:50+01:00", or
 * without offset when the meter does not say). */
int han_time_format(const struct han_value *v, char *buf, size_t n);

#endif
