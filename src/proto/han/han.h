/*
 * han.h — the HAN / consumer channel (S-6.2): a push driver on
 * METER_LINE_HAN. The meter pushes DLMS data-notifications in HDLC UI
 * frames, the way Kamstrup meters feed home displays and HAN adapters
 * (amshan, AmsToMqttBridge); docs/HAN.md.
 *
 * Two Push setup objects (interface class 40, 0-1:25.9.0 and 0-2:25.9.0)
 * decide what goes out and when: the push object list (capture objects: an
 * object's logical name and/or its value), the send destination (the HDLC
 * client address), the communication window and the randomisation start
 * interval; the push schedule (0-b:15.0.4 in a full DLMS model) is kept
 * with the setup as a period aligned to the local clock. Factory setups:
 * the 10-second list (instantaneous values) and the hourly list that adds
 * the clock and the energy registers, in the layout of vectors/han.md
 * (Kamstrup lists 1 and 2 of a three-phase meter).
 *
 * Frames are made a piece at a time as the line takes them (session_send
 * and tx_more: the header, one list element, the trailer), encoded with the
 * project's A-XDR codec (src/util/axdr) and checksummed as they go: no
 * frame buffer. Values are read through the object table (obj_read, public
 * access) when their piece is made. The frame's length is counted first;
 * a value whose encoding changes length before its piece goes out (it
 * became unreadable) spoils that frame on purpose (filler, wrong FCS): a
 * receiver drops it, never reads a wrong value.
 *
 * Optional encryption with the HAN key (security suite 0: AES-128-GCM,
 * general-glo-ciphering, security control 0x30 = authenticated and
 * encrypted, 12-byte tag; IV = system title || invocation counter; AAD =
 * SC || authentication key), off by default. The invocation counter never
 * repeats: counters are reserved ahead in the configuration section
 * (HAN_IC_RESERVE at a time, one store write per reservation).
 *
 * The configuration (configuration section CFG_ID_HAN) changes only
 * through the object-table rows the driver brings (obj_write: audited,
 * saved). The push reads nothing the public client could not read, grants
 * no access and hears nothing: bytes received on the HAN line are dropped.
 */
#ifndef TRIMETER_HAN_H
#define TRIMETER_HAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/aes.h"

struct meter;
struct session;

/* The HAN port's M-Bus physical layer (EN 13757-2 slave side): 2400 Bd 8N1. */
#define HAN_BAUD 2400u

#define HAN_SETUPS 2u
#define HAN_ITEMS 20u   /* capture objects per list (the hourly list uses 18) */
#define HAN_ID_MAX 16u  /* list version identifier */
/* One piece of a frame: the header, one list element (logical name and
 * value), or the trailer. A string value longer than a piece allows
 * (HAN_STR_MAX) goes out as null-data. */
#define HAN_PIECE 64u
#define HAN_STR_MAX (HAN_PIECE - 8u - 2u)
/* Invocation counters reserved in the store at a time (encrypted push):
 * 8640 = one day of 10-second pushes, so about one store write a day. */
#define HAN_IC_RESERVE 8640u
#define HAN_SYSTITLE_LEN 8u
#define HAN_TAG_LEN 12u

/* One capture object: an object of the table by OBIS A (0 or 1), C, D, E
 * (B = 0, F = 255 for every row), sent as its logical name and value (the
 * Kamstrup pair) or its value alone. The meter has one measuring channel;
 * its logical name may name it (B = 1), as Kamstrup's lists do and as
 * decoders built for them expect (amshan scales 1-1:31.7.0, not 1-0). */
enum han_item_flag {
    HAN_ITEM_VALUE = 1u, /* its value */
    HAN_ITEM_LN = 2u,    /* its logical name before the value */
    HAN_ITEM_B1 = 4u,    /* B = 1 in the logical name sent */
    HAN_ITEM_A1 = 8u     /* A = 1 (electricity); else A = 0 (abstract) */
};
struct han_item {
    uint8_t c, d, e;
    uint8_t flags; /* enum han_item_flag */
};

struct han_setup_cfg {
    struct han_item item[HAN_ITEMS];
    uint8_t n;           /* items used */
    uint8_t dest;        /* HDLC client address (send_destination), 1..127 */
    uint16_t period_s;   /* push every period_s seconds of local time; 0 = off */
    uint16_t random_s;   /* randomisation_start_interval, s (< period) */
    uint16_t win_start;  /* communication window: local minutes of the day */
    uint16_t win_end;    /* start == end: always open; start > end: over midnight */
};

/* Configuration section CFG_ID_HAN (the only copy, in RAM). */
struct han_cfg {
    struct han_setup_cfg setup[HAN_SETUPS];
    char list_id[HAN_ID_MAX]; /* sent as the first element of every list */
    uint8_t list_id_len;
    uint8_t encrypt;          /* 0: plain (factory), 1: security suite 0 with the HAN keys */
    uint8_t ek[AES_KEY_LEN];  /* HAN encryption key (write-only) */
    uint8_t ak[AES_KEY_LEN];  /* HAN authentication key (write-only) */
    uint32_t ic_limit;        /* invocation counters below it may have been used */
};

/* Per meter (struct proto_state): configuration and schedule, which
 * outlive the line's session. */
struct han_meter {
    struct han_cfg cfg;
    int64_t last_second;      /* meter time of the last schedule step */
    int64_t due[HAN_SETUPS];  /* UTC second the next push of a setup goes out; 0 = none */
    uint32_t invoke_id;       /* long-invoke-id of the next notification */
    uint32_t ic_next;         /* invocation counter of the next encrypted frame */
    uint32_t frames;          /* frames pushed since power-up */
    uint32_t errors;          /* pushes not made or spoilt (see han_push.c) */
    uint8_t queue;            /* bit s: setup s waits to be sent */
    bool ic_ready;            /* ic_next taken from the stored limit since power-up */
};

/* One frame on its way out (struct session_state). */
struct han_session {
    uint8_t setup;            /* list being sent */
    uint8_t step;             /* enum han_step (han_push.c) */
    uint8_t item;             /* next capture object */
    bool cipher;              /* the frame is encrypted */
    bool spoilt;              /* an element changed length: filler and a wrong FCS */
    uint16_t len;             /* frame length field: format .. FCS */
    uint16_t done;            /* bytes of the frame made, after the opening flag */
    uint16_t fcs;             /* CRC-16/X-25 so far */
    uint32_t invoke;          /* long-invoke-id of this frame */
    int64_t stamp;            /* meter time of the push (the notification's date-time) */
    struct aes_gcm gcm;       /* encrypted frames: the running GCM */
    uint8_t piece[HAN_PIECE];
};

extern const struct proto_driver han_driver;

/* ---- for tests, the bridge's tests and docs --------------------------------- */

void han_cfg_factory(struct han_cfg *c);
bool han_cfg_valid(const struct han_cfg *c);
/* Push setup method 1 (push): send the list of setup s now. */
int han_push_now(struct meter *m, unsigned s);
/* The system title of the meter's ciphered frames: "TRM" and the serial
 * number as 5 bytes, big-endian (SIMULATOR.md, as the DLMS server's). */
void han_system_title(const struct meter *m, uint8_t out[HAN_SYSTITLE_LEN]);

/* DLMS class 40 attribute 2 (push_object_list) for the DLMS server. */
int han_setup_list_get(const struct meter *m, unsigned s, struct han_item *out, unsigned max);
int han_setup_list_set(struct meter *m, unsigned s, const struct han_item *in, unsigned n);

#endif
