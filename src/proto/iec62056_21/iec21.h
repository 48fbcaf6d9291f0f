/*
 * iec21.h — IEC 62056-21 (the "IEC 1107" optical protocol), the meter's
 * side: modes A, B and C; sign-on, identification, acknowledgement/option
 * select with baud switch, the data readout of the configured readout list
 * with BCC, and programming mode (passwords P1/P2, R1/W1 of objects by
 * OBIS, break B0), errors in the standard's "(ERnn)" data-set form, and a
 * lockout after repeated wrong passwords.
 *
 * A repeat request (NAK) from the master is answered with the last message
 * again (the readout regenerated), at most IEC21_REPEAT_MAX times.
 *
 * Values are read and written only through the object table; the readout
 * list is a configurable object (key `readout_list`), by default built from
 * the table itself, generated a line at a time as the port takes it (no
 * buffer of the whole telegram). The configuration persists in the
 * configuration image (src/legal/config.c). This module never touches
 * hardware: it answers through the dispatcher (src/proto/dispatch.h), which
 * owns the port.
 */
#ifndef TRIMETER_IEC21_H
#define TRIMETER_IEC21_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;
struct session;
struct obj_def;
struct obj_value;
struct proto_driver;
struct cfg_section;

/* Control characters. */
#define IEC21_SOH 0x01u
#define IEC21_STX 0x02u
#define IEC21_ETX 0x03u
#define IEC21_EOT 0x04u
#define IEC21_ACK 0x06u
#define IEC21_NAK 0x15u

/* Manufacturer id (FLAG three letters) and identification shown after
 * the baud character in the identification message (<= 16 characters). */
#define IEC21_FLAG_ID "TRM"
#define IEC21_IDENT "trimeter382"

/* Entries of a configured readout list. */
#define IEC21_LIST_MAX 32u
#define IEC21_PW_MAX 16u

/* The driver that takes the line after a mode E option select
 * (ACK 2 Z 2: HDLC, IEC 62056-46) when the port has it. */
#define IEC21_MODE_E_DRIVER "hdlc"

/* Inactivity timeouts (ms): programming mode (standard: 60..120 s), and
 * every other state between sign-on and the end of the session. */
#define IEC21_PROG_TIMEOUT_MS 120000u
#define IEC21_SESSION_TIMEOUT_MS 5000u
/* After the readout: how long the master may take to ask for a repeat
 * (the standard's longest reaction time t_r, 1500 ms) once the last byte
 * is on the line; then the session ends and the line returns to 300 Bd. */
#define IEC21_REPEAT_WAIT_MS 1500u
/* Repeat requests (NAK) answered for one message. */
#define IEC21_REPEAT_MAX 3u

enum iec21_state {
    IEC21_IDLE = 0,
    IEC21_WAIT_ACK,  /* mode C: identification sent, waiting for option select */
    IEC21_PROG,      /* programming mode */
    IEC21_READOUT,   /* the data message (readout) is being sent */
    IEC21_DONE       /* readout sent: a repeat request may follow */
};

/* What iec21_tx_more() does when the port took everything queued. */
enum iec21_step {
    IEC21_STEP_NONE = 0,
    IEC21_STEP_SWITCH, /* switch to the session's baud rate, then the readout */
    IEC21_STEP_LINES,  /* next readout line, then "!" ETX BCC */
    IEC21_STEP_END,    /* the readout is handed over */
    IEC21_STEP_MODE_E  /* the mode E switch confirm is handed over: 8N1, HDLC */
};

/* Configuration (objects of the table, keys in docs/PROTOCOLS.md). */
struct iec21_cfg {
    char pw[2][IEC21_PW_MAX + 1];   /* P1, P2 */
    uint8_t mode;                   /* 'A', 'B' or 'C' */
    uint8_t lock_tries;             /* wrong passwords before lockout */
    uint16_t lock_min;              /* lockout duration, minutes */
    uint8_t history;                /* billing periods in the default readout */
    uint8_t nlist;                  /* 0 = default list built from the table */
    uint8_t list[IEC21_LIST_MAX][4]; /* C, D, E, F of each entry */
};

/* The message being received and the answer being sent: a command with
 * its data, or one readout line (a data set with a full-length text value
 * fits). Longer input is dropped up to the next message boundary. */
#define IEC21_BUF 288u
/* Inter-character timeout: a half message older than this is dropped
 * (IEC 62056-21 t_a 1500 ms). */
#define IEC21_CHAR_TIMEOUT_MS 1500u

/* One session (union session_state, src/proto/drivers.h). Its access
 * level is the session's (struct session.access), granted by P1/P2. */
struct iec21_session {
    uint8_t state;       /* enum iec21_state */
    uint8_t baud_char;   /* '0'..'6' of the session (after the option select) */
    uint8_t repeats;     /* repeat requests answered for the last message */
    /* receiver */
    uint8_t rx;          /* 0 between messages, 1 in one, 2 dropping to skip_end */
    uint8_t skip_end;
    bool bcc_next;       /* the next byte is the BCC */
    uint16_t len;        /* bytes of the message being received */
    uint16_t kept;       /* bytes of the last answer still in buf (repeat request) */
    uint32_t last_rx_ms;
    /* readout generator */
    uint8_t step;        /* enum iec21_step */
    uint8_t period;      /* default list: billing period being listed (0 = now) */
    uint8_t bcc;         /* BCC of the lines sent so far */
    bool any;            /* a line of this period was sent */
    uint16_t row;        /* next object-table row or readout-list entry */
    uint8_t buf[IEC21_BUF];
};

/* Per meter (struct proto_state): the configuration and the lockout,
 * which outlive sessions. */
struct iec21_meter {
    struct iec21_cfg cfg;
    uint8_t bad_pw;      /* consecutive wrong passwords (across sessions) */
    bool locked;
    uint32_t lock_until; /* ms_now() at which a lockout ends */
};

/* ---- codec (pure) ---------------------------------------------------------- */

/* XOR of buf[0..n): callers pass the bytes after SOH/STX up to ETX/EOT. */
uint8_t iec21_bcc(const uint8_t *buf, size_t n);
/* Check a block "SOH|STX ... ETX|EOT BCC". 0 or METER_ECORRUPT / EINVAL. */
int iec21_block_check(const uint8_t *buf, size_t n);
/* Baud rate of a mode C baud character ('0' = 300 .. '6' = 19200), 0 if
 * invalid; mode B letters 'A' .. 'F' likewise. */
uint32_t iec21_baud(uint8_t c);

/* One data set "address(value*unit)" of a message: address and value
 * are copied NUL-terminated; unit may be empty. Returns the characters
 * consumed or METER_EINVAL (no parentheses, too long, stray characters). */
struct iec21_dataset {
    char addr[24];
    char value[96];
    char unit[12];
};
int iec21_dataset_parse(const char *s, size_t n, struct iec21_dataset *out);

/* ---- the meter's side -------------------------------------------------------- */

extern const struct proto_driver iec21_driver;
/* The optical port's configuration section (src/legal/config.h). */
extern const struct cfg_section iec21_cfg_section;

void iec21_cfg_default(struct iec21_cfg *c);
bool iec21_cfg_valid(const struct iec21_cfg *c);

/* Getters/setters of the configuration rows (object table). */
int iec21_get_cfg(const struct meter *m, const struct obj_def *o, struct obj_value *out);
int iec21_set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);

/* Row arguments of the configuration rows (obj_def.arg). */
enum iec21_cfg_arg {
    IEC21_CFG_LIST = 0,
    IEC21_CFG_MODE,
    IEC21_CFG_PW1,
    IEC21_CFG_PW2,
    IEC21_CFG_LOCK_TRIES,
    IEC21_CFG_LOCK_MIN,
    IEC21_CFG_HISTORY
};

#endif
