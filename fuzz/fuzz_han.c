/* libFuzzer harness: the HAN decoder of the bridge (tools/han/han_rx).
 * The input is fed as a byte stream in chunks the first byte chooses,
 * decoded as an information field (LLC + APDU), and — wrapped in an HDLC
 * UI frame with a good HCS and FCS so the framer hands it on — fed again.
 * Every value reported must be one the list format knows, and format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "han_rx.h"
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
    int p = han_rx_decode_info(data, size, &l, d, sizeof d);
    if (p == 0 && l.known)
        fz_list(NULL, &l);
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
