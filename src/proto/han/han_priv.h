/*
 * han_priv.h — what the HAN push's two files share (not for other modules:
 * they use han.h).
 */
#ifndef TRIMETER_HAN_PRIV_H
#define TRIMETER_HAN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/han/han.h"

struct obj_def;

/* han_obj.c: the row of a capture object, if the public HAN channel may
 * carry it (in the table, readable by anyone, a single value). */
const struct obj_def *han_item_row(const struct han_item *it);

/* han_push.c: the driver's functions (the descriptor is in han_obj.c, next
 * to its rows and configuration section). */
void han_tick(struct meter *m, struct session *s);
bool han_tx_more(struct meter *m, struct session *s);
size_t han_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n);

#endif
