/*
 * dlms.h — the DLMS/COSEM server's application layer (IEC 62056-5-3, LN
 * referencing): associations (ACSE), xDLMS GET with lists, block transfer
 * and selective access, the three clients of SIMULATOR.md, security suite
 * 0 (HLS-GMAC, ciphered APDUs, invocation counters), and the COSEM objects
 * the server itself provides (association, SAP assignment, security setup,
 * invocation counter, communication setups).
 *
 * The link layers (HDLC and the IEC 62056-47 wrapper, src/proto/hdlc and src/proto/wrapper)
 * call it like this:
 *
 *     c = dlms_open(m, client_sap, server_logical, src);   // link session starts
 *     buf = dlms_req_buf(c, &cap);          // reassemble one APDU there
 *     dlms_serve(m, c, n, &rsp, &rsp_len);  // answer (rsp points into c)
 *     ...
 *     dlms_close(m, c);                     // line drop, DISC, timeout
 *
 * APDUs are handed over without link headers (no LLC bytes E6 E6 00 for
 * HDLC, no wrapper header). The answer stays valid until the next call of
 * dlms_serve or dlms_close for the same context. Every association ends
 * with its link session: nothing an association was granted survives it.
 *
 * Memory: a pool of METER_DLMS_ASSOCIATIONS contexts per meter, each with
 * a request and a response buffer of METER_DLMS_PDU_MAX (meter_opts.h).
 */
#ifndef TRIMETER_DLMS_H
#define TRIMETER_DLMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cosem/cosem.h"
#include "proto/dlms/apdu.h"
#include "trimeter/meter_opts.h"
#include "trimeter/types.h"

struct meter;

/* Client SAPs of the three associations (SIMULATOR.md). */
enum dlms_client {
    DLMS_CLIENT_MANAGEMENT = 1,  /* HLS-GMAC, security suite 0 */
    DLMS_CLIENT_PUBLIC = 16,     /* no security */
    DLMS_CLIENT_READER = 17      /* LLS password */
};
#define DLMS_SERVER_LOGICAL 1u   /* the one logical device (management) */

/* Bytes of a response buffer beyond the PDU: room to cipher in place. */
#define DLMS_RSP_SLACK 32u

/* Association states. */
enum dlms_assoc_state {
    DLMS_IDLE = 0,        /* link open, no association */
    DLMS_PENDING = 1,     /* HLS: AARE sent, waiting for reply_to_HLS_authentication */
    DLMS_ASSOCIATED = 2
};

/* One GET item kept for block transfer. */
struct dlms_item {
    struct dlms_ref ref;
    struct cosem_sel sel;
    uint8_t dar;          /* enum dlms_dar found when the request arrived */
};

/* A GET whose answer goes out in blocks (regenerated per block). */
struct dlms_long {
    uint8_t active;
    uint8_t invoke;       /* invoke-id-and-priority of the request */
    uint8_t list;         /* GET-Request-With-List */
    uint8_t n;            /* items */
    uint8_t cur;          /* item being encoded */
    uint32_t block;       /* number of the last block sent */
    uint32_t sent;        /* raw-data bytes sent (virtual position of the next block) */
    uint32_t item_at;     /* virtual position where item `cur` starts */
    struct cosem_pos pos; /* checkpoint inside item `cur` */
    struct dlms_item items[METER_DLMS_LIST_MAX];
};

/* A SET or ACTION whose value arrives in blocks (DataBlock-SA): the
 * references are kept here, the raw data gathered in the association's
 * response buffer behind the few bytes a block's answer takes (dlms.c
 * LONG_OFF), so that a long SET costs no buffer of its own. */
struct dlms_lset {
    uint8_t active;       /* 0, or the request tag (DLMS_SET_REQ, DLMS_ACTION_REQ) */
    uint8_t invoke;
    uint8_t list;         /* with list: the raw data is a count and the values */
    uint8_t n;            /* references */
    uint8_t refused;      /* an access selection came with a reference: refused at the end */
    uint32_t block;       /* number of the last block received */
    uint32_t len;         /* raw data gathered */
    struct dlms_ref refs[METER_DLMS_LIST_MAX];
};

struct dlms_ctx {
    uint8_t used;
    uint8_t client_sap;
    uint8_t src;            /* enum meter_src of audit records */
    uint8_t state;          /* enum dlms_assoc_state */
    uint8_t acc;            /* enum meter_access granted */
    uint8_t context;        /* enum dlms_context of the association */
    uint8_t mech;           /* enum dlms_mech */
    uint8_t cipher;         /* APDUs must be ciphered (security policy) */
    uint8_t rsp_tag;        /* the ciphered request's key kind: glo or ded */
    uint8_t has_ded;
    uint8_t ctos_len;
    uint16_t server_logical;
    uint16_t max_rsp;       /* negotiated: the client's max receive PDU (capped) */
    uint32_t conformance;   /* negotiated */
    uint8_t client_title[DLMS_TITLE_LEN];
    uint8_t ctos[DLMS_CHALLENGE_MAX];
    uint8_t stoc[16];
    uint8_t ded_key[16];
    struct dlms_long lg;
    struct dlms_lset ls;
    uint8_t req[METER_DLMS_PDU_MAX];
    uint8_t rsp[METER_DLMS_PDU_MAX + DLMS_RSP_SLACK];
};

/* Security material of the management client (factory values in
 * SIMULATOR.md; changed by key_transfer in DLMS part 2). */
struct dlms_keys {
    uint8_t ek[16];         /* global unicast encryption key */
    uint8_t ak[16];         /* authentication key */
    uint8_t kek[16];        /* master key (key wrap) */
    uint8_t lls[16];        /* reading client's password */
    uint8_t lls_len;
};

/* The application's entry in the driver table: its configuration section
 * (struct dlms_keys) and rows (dlms_drv.c); on no port's list. */
struct proto_driver;
extern const struct proto_driver dlms_app_driver;

/* Per-meter server state. */
struct dlms_server {
    struct dlms_keys keys;  /* configuration section CFG_ID_DLMS (loaded by config_load) */
    uint8_t ready;          /* dlms_init ran (at the first dlms_open after power-up) */
    uint32_t ic_tx;         /* the meter's next frame counter */
    uint32_t ic_tx_limit;   /* reserved in the store up to (excluded) */
    uint32_t ic_rx_next;    /* next expected counter of the management client */
    uint32_t ic_rx_limit;   /* reserved: after a power cut ic_rx_next starts here */
    uint32_t refusals;      /* refused requests since power-up (all sessions) */
    uint16_t serial_seq;    /* challenges made (with ic_tx: never repeats) */
    uint8_t key_transfers;  /* key transfers stored since power-up (dlms_keyx.c bounds them) */
    struct dlms_ctx pool[METER_DLMS_ASSOCIATIONS];
};

/* Keys and counters from the store; dlms_open does it once after power-up
 * (the server has no state to restore before its first session). */
void dlms_init(struct meter *m);

/* A link session for client_sap at server_logical: NULL when the pool is
 * full or the addresses name no association of this meter. */
struct dlms_ctx *dlms_open(struct meter *m, uint8_t client_sap, uint16_t server_logical, enum meter_src src);
void dlms_close(struct meter *m, struct dlms_ctx *c);
uint8_t *dlms_req_buf(struct dlms_ctx *c, size_t *cap);
/* Serve the n-byte APDU in the request buffer (n > cap: the request was
 * longer than the buffer and cut; it is refused). On return *rsp and *rsp_len
 * hold the answer; *rsp_len = 0: nothing to send. Returns 0, or a negative
 * meter_err for an internal failure (the answer then is an exception). */
int dlms_serve(struct meter *m, struct dlms_ctx *c, size_t n, const uint8_t **rsp, size_t *rsp_len);
/* Largest APDU the client accepts in this association (before one: the
 * buffer size). Segmentation below it is the link layer's business. */
size_t dlms_max_pdu(const struct dlms_ctx *c);

/* METER_ST_UNPERSONALISED from the keys in force (dlms_keyx.c). */
void dlms_keys_personalised(struct meter *m);

/* The meter's system title: "TRM" + serial as 5 bytes. */
void dlms_system_title(const struct meter *m, uint8_t out[DLMS_TITLE_LEN]);
/* The next expected invocation counter of the management client (the
 * value of 0-0:43.1.1.255). */
uint32_t dlms_ic_expected(const struct meter *m);

#endif
