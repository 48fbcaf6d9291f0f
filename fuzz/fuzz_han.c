/* libFuzzer harness: the HAN decoder of the bridge (tools/han/han_rx).
 * The input is fed as a byte stream in chunks the first byte chooses,
 * decoded as an information field (LLC + APDU), and — wrapped in an HDLC
 * UI frame with a good HCS and FCS so the framer hands it on — fed again.
 * Every value reported must be one the list format knows, and format.
 * The input is also encrypted under a fixed HAN key as a general-glo-
 * ciphering APDU: deciphered, it must decode exactly as in clear. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "han_aes.h"
#include "han_rx.h"
#include "trimeter/hal.h"
#include "util/aes.h"
#include "util/crc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_list(void *ctx, const struct han_list *l)
{
    (void)ctx;
    char buf[80];
    if (!l->known || l->n > HAN_RX_VALUES || l->id[sizeof l->id - 1] != '\0')
        abort();
    for (unsigned i = 0; i < l->n; i++) {
        const struct han_value *v = &l->v[i];
        if (v->q == NULL || v->len >= HAN_RX_TEXT || v->text[v->len] != '\0')
            abort();
        int r = v->q->kind == HAN_K_CLOCK ? han_time_format(v, buf, sizeof buf) : han_value_format(v, buf, sizeof buf);
        if (r >= (int)sizeof buf)
            abort();
    }
}

static void fz_problem(void *ctx, enum han_problem p, const char *detail)
{
    (void)ctx;
    if (han_problem_text(p) == NULL || (detail != NULL && strlen(detail) > 200))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct han_rx rx;
    static struct han_list l;
    static uint8_t frame[HAN_RX_FRAME_MAX + 16];
    struct han_rx_ops ops = {.list = fz_list, .problem = fz_problem};
    if (size == 0)
        return 0;
    size_t chunk = (size_t)(data[0] % 64u) + 1u;
    data++;
    size--;
    han_rx_init(&rx, &ops);
    for (size_t at = 0; at < size; at += chunk)
        han_rx_feed(&rx, data + at, size - at < chunk ? size - at : chunk);
    char d[96];
    int p = han_rx_decode_info(data, size, NULL, &l, d, sizeof d);
    if (p == 0 && l.known)
        fz_list(NULL, &l);
    /* the same APDU encrypted: DB 08 title len 30 IC ciphertext tag */
    static struct meter_hal hal;
    static struct han_key key = {.ek = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76,
                                        0x54, 0x32, 0x10},
                                 .ak = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC,
                                        0xAD, 0xAE, 0xAF}};
    static uint8_t ct[HAN_RX_FRAME_MAX + 64];
    static struct han_list l2;
    han_aes_hal(&hal);
    key.hal = &hal;
    if (size <= HAN_RX_FRAME_MAX - 40 && size > 0 && data[0] == 0x0F) { /* a data-notification without LLC */
        static const uint8_t title[8] = {'T', 'R', 'M', 0, 1, 2, 3, 4};
        uint8_t iv[12], aad[17];
        size_t cl = 1 + 4 + size + 12, k = 0;
        memcpy(iv, title, 8);
        iv[8] = 0, iv[9] = 0, iv[10] = 1, iv[11] = 0x23;
        aad[0] = 0x30;
        memcpy(aad + 1, key.ak, 16);
        ct[k++] = 0xDB;
        ct[k++] = 8;
        memcpy(ct + k, title, 8);
        k += 8;
        if (cl > 255) {
            ct[k++] = 0x82;
            ct[k++] = (uint8_t)(cl >> 8);
        } else if (cl > 127) {
            ct[k++] = 0x81;
        }
        ct[k++] = (uint8_t)cl;
        ct[k++] = 0x30;
        memcpy(ct + k, iv + 8, 4);
        k += 4;
        if (aes_gcm_encrypt(&hal, key.ek, iv, aad, sizeof aad, data, ct + k, size, ct + k + size, 12) != 0)
            abort();
        k += size + 12;
        char d2[96];
        int p2 = han_rx_decode_info(ct, k, &key, &l2, d2, sizeof d2);
        if (p2 != p || !l2.ciphered || l2.ic != 0x123 || l2.n != l.n || l2.known != l.known)
            abort(); /* deciphered, the APDU decodes as in clear */
        /* a wrong key never yields values */
        ct[k - 1] ^= 1;
        if (han_rx_decode_info(ct, k, &key, &l2, d2, sizeof d2) != HAN_P_KEY || l2.n != 0)
            abort();
    }
    /* framed: 7E A0 LL 21 03 13 HCS info FCS 7E */
    if (size + 12 <= HAN_RX_FRAME_MAX) {
        size_t L = 2 + 1 + 1 + 1 + 2 + size + 2;
        frame[0] = 0x7E;
        frame[1] = (uint8_t)(0xA0 | (L >> 8));
        frame[2] = (uint8_t)L;
        frame[3] = 0x21;
        frame[4] = 0x03;
        frame[5] = 0x13;
        uint16_t hcs = crc16_x25(0, frame + 1, 5);
        frame[6] = (uint8_t)hcs;
        frame[7] = (uint8_t)(hcs >> 8);
        memcpy(frame + 8, data, size);
        uint16_t fcs = crc16_x25(0, frame + 1, L - 2);
        frame[8 + size] = (uint8_t)fcs;
        frame[9 + size] = (uint8_t)(fcs >> 8);
        frame[10 + size] = 0x7E;
        han_rx_init(&rx, &ops);
        han_rx_feed(&rx, frame, L + 2);
        if (L <= 0x7FF && rx.frames != 1)
            abort(); /* a well-formed frame always reaches the APDU decoder */
    }
    return 0;
}
