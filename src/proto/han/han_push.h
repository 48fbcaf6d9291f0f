/*
 * han_push.h — the HAN / consumer channel (S-6.2): the meter pushes DLMS
 * data-notifications in HDLC UI frames on the HAN line, the way Kamstrup
 * meters feed home displays and adapters (amshan, AmsToMqttBridge).
 *
 * Two Push setup objects (interface class 40, 0-1:25.9.0 and 0-2:25.9.0)
 * decide what goes out and when: the push object list (capture objects:
 * an object's logical name and/or its value), the send destination (the
 * HDLC client address), the communication window and the randomisation
 * start interval; the push schedule (0-b:15.0.4 in a full DLMS model) is
 * kept with the setup as a period aligned to the local clock. Factory
 * setups: the 10-second list (instantaneous values) and the hourly list
 * that adds the clock and the energy registers, in the layout of
 * vectors/han.md (Kamstrup list 1 and 2 of a three-phase meter).
 *
 * Values are read through the object table (obj_read, public access) and
 * sent in the HAN list format (han_list.h). The configuration lives in the
 * configuration image and changes only through obj_write (audited); DLMS
 * (class 40 attributes 2..5) reaches it through han_setup_list_get/set and
 * han_setup_attr_get/set below. The push never reads anything the public
 * client could not read, and nothing it does writes to the store.
 *
 * Encryption with the HAN key (security suite 0, general-glo-ciphering) is
 * off by default and refused (METER_ENOTSUP) until the AES-GCM module is in
 * the core.
 */
#ifndef TRIMETER_HAN_PUSH_H
#define TRIMETER_HAN_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;
struct obj_def;
struct obj_value;

/* The HAN line (enum meter_line METER_LINE_HAN when the port model is in). */
#define HAN_PORT 3u
/* The HAN port's M-Bus physical layer (EN 13757-2 slave side): 2400 Bd 8N1. */
#define HAN_BAUD 2400u

#define HAN_SETUPS 2u
#define HAN_ITEMS 20u   /* capture objects per list (the hourly list uses 18) */
#define HAN_ID_MAX 16u  /* list version identifier */
/* One frame: the hourly list of 18 objects is ~300 bytes; a reconfigured
 * list that does not fit is not sent (han.errors counts it). */
#define HAN_FRAME_MAX 512u

/* One capture object: an object of the table by OBIS A, C, D, E (B = 0,
 * F = 255 for every row), sent as its logical name and value (the Kamstrup
 * pair) or its value alone. The meter has one measuring channel; its
 * logical name may name it (B = 1), as Kamstrup's lists do and as decoders
 * built for them expect (amshan scales 1-1:31.7.0 and 1-1:1.8.0, not 1-0). */
enum han_item_flag { HAN_ITEM_VALUE = 1u, HAN_ITEM_LN = 2u, HAN_ITEM_B1 = 4u };
struct han_item {
    uint8_t a, c, d, e;
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

struct han_cfg {
    struct han_setup_cfg setup[HAN_SETUPS];
    char list_id[HAN_ID_MAX]; /* sent as the first element of every list */
    uint8_t list_id_len;
    uint8_t encrypt;          /* 0: plain (default) */
};

/* Run-time state (not saved). */
struct han {
    struct han_cfg cfg;
    int64_t last_second;           /* meter time of the last poll */
    int64_t due[HAN_SETUPS];       /* UTC second the next push of a setup goes out; 0 = none */
    uint32_t invoke_id;            /* long-invoke-id of the next notification */
    uint8_t queue;                 /* bit s: setup s waits to be sent */
    uint16_t tx_pos, tx_len;       /* frame in buf: [tx_pos, tx_len) not yet handed to the line */
    uint32_t frames;               /* frames pushed since boot */
    uint32_t errors;               /* pushes dropped: the list did not fit a frame */
    uint8_t buf[HAN_FRAME_MAX];
};

/* Factory configuration: 10-s list and hourly list, destination client 16. */
void han_cfg_factory(struct han_cfg *c);
bool han_cfg_valid(const struct han_cfg *c);

/* Boot: configuration checked (factory values when invalid), line set to
 * 2400 Bd 8N1, nothing queued. */
void han_init(struct meter *m);
/* Every main-loop pass: schedule pushes on new seconds, hand queued frame
 * bytes to the line as it has room. */
void han_poll(struct meter *m);
/* Push setup method 1 (push): send the list of setup s now. */
int han_push_now(struct meter *m, unsigned s);

/* Build the HDLC frame of setup s at meter time m->now into buf. Returns
 * its length or a negative meter_err. */
int han_frame_build(const struct meter *m, unsigned s, uint32_t invoke_id, uint8_t *buf, size_t n);

/* DLMS class 40 access. */
int han_setup_list_get(const struct meter *m, unsigned s, struct han_item *out, unsigned max);
int han_setup_list_set(struct meter *m, unsigned s, const struct han_item *in, unsigned n);

/* Object table rows (src/cosem/objtab.c): arg = setup << 8 | enum han_attr. */
enum han_attr {
    HAN_A_LIST = 2,     /* push_object_list, text "0.2.129,96.1.0+,1-1:1.7.0+" ('+': with logical name;
                           B = 1 written out) */
    HAN_A_DEST = 3,     /* send_destination: HDLC client address */
    HAN_A_WINDOW = 4,   /* communication_window "HH:MM-HH:MM" local ("" or "always") */
    HAN_A_RANDOM = 5,   /* randomisation_start_interval (s) */
    HAN_A_PERIOD = 128, /* push schedule period (s), 0 = off */
    HAN_A_LIST_ID = 129, /* list version identifier (both setups) */
    HAN_A_ENCRYPT = 130  /* 0 plain, 1 encrypted with the HAN key */
};
int han_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int han_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);
int han_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                enum meter_src src);

#endif
