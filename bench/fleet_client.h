/*
 * fleet_client.h — what bench_fleet's head-end says to one meter: a small
 * non-blocking state machine (bytes out, bytes in, done) that reads the
 * meter's serial and 1-0:1.8.0.255.
 *
 * Until the meters serve DLMS on their TCP lines this is the optical
 * protocol's IEC 62056-21 mode C readout (sign-on, ACK 050, the data
 * readout up to ETX and BCC), which carries 0.0.0 and 1.8.0.
 */
#ifndef BENCH_FLEET_CLIENT_H
#define BENCH_FLEET_CLIENT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fleet_client {
    int step;              /* 0 sign-on, 1 readout, 2 done */
    const uint8_t *out;
    size_t olen;
    uint8_t in[8192];
    size_t ilen;
    uint32_t serial;
    double kwh;
};

static inline const char *fleet_client_name(void)
{
    return "IEC 62056-21 readout";
}

static inline void fleet_client_start(struct fleet_client *c)
{
    static const uint8_t signon[] = "/?!\r\n";
    memset(c, 0, sizeof *c);
    c->out = signon;
    c->olen = sizeof signon - 1;
}

static inline size_t fleet_client_output(struct fleet_client *c, const uint8_t **p)
{
    *p = c->out;
    return c->olen;
}

static inline void fleet_client_sent(struct fleet_client *c, size_t n)
{
    c->out += n;
    c->olen -= n;
}

/* 0: more to come, 1: done (serial and kwh set), -1: not what a meter says. */
static inline int fleet_client_input(struct fleet_client *c, const uint8_t *buf, size_t n)
{
    static const uint8_t ack[] = "\x06" "050\r\n";
    if (n > sizeof c->in - 1 - c->ilen)
        return -1;
    memcpy(c->in + c->ilen, buf, n);
    c->ilen += n;
    c->in[c->ilen] = '\0';
    if (c->step == 0) {
        if (memchr(c->in, '\n', c->ilen) == NULL)
            return 0;
        if (c->in[0] != '/')
            return -1;
        c->step = 1;
        c->ilen = 0;
        c->out = ack;
        c->olen = sizeof ack - 1;
        return 0;
    }
    uint8_t *etx = memchr(c->in, 0x03, c->ilen);
    if (etx == NULL || etx + 1 >= c->in + c->ilen)
        return 0; /* up to ETX and its BCC */
    const char *s = strstr((const char *)c->in, "\n0.0.0(");
    const char *e = strstr((const char *)c->in, "1.8.0(");
    if (s == NULL || e == NULL)
        return -1;
    c->serial = (uint32_t)strtoul(s + 7, NULL, 10);
    c->kwh = strtod(e + 6, NULL);
    c->step = 2;
    return 1;
}

#endif
