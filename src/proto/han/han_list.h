/*
 * han_list.h — the HAN list format: how each quantity of a pushed list is
 * sent (A-XDR type and decimal scaler), shared by the meter's push
 * (han_push.c) and the HAN -> MQTT bridge (tools/han), so the two can never
 * disagree.
 *
 * The format is the one Kamstrup meters push on their HAN port (list
 * "Kamstrup_V0001", vectors/han.md): a structure whose first element is the
 * list version identifier (a visible-string), followed by pairs of a logical
 * name (octet-string of 6) and the value of that object, without scaler or
 * unit: the receiver knows them from the OBIS code. Powers in W and var,
 * voltages in V (long-unsigned), currents in 0.01 A, energies in 10 Wh /
 * 10 varh (all double-long-unsigned). Kamstrup CT meters (type number
 * starting "685") send currents in mA; han_quantity_scaler() applies that.
 */
#ifndef TRIMETER_HAN_LIST_H
#define TRIMETER_HAN_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/axdr.h"

/* What a quantity is (the bridge names sensors and Home Assistant device
 * classes by it). */
enum han_kind {
    HAN_K_LIST_ID = 1, /* list version identifier */
    HAN_K_METER_ID,    /* serial / GS1 number */
    HAN_K_METER_TYPE,  /* type / model */
    HAN_K_FIRMWARE,    /* firmware identification */
    HAN_K_CLOCK,       /* date-time (octet-string of 12) */
    HAN_K_POWER,       /* W */
    HAN_K_RPOWER,      /* var */
    HAN_K_CURRENT,     /* A */
    HAN_K_VOLTAGE,     /* V */
    HAN_K_ENERGY,      /* Wh */
    HAN_K_RENERGY,     /* varh */
    HAN_K_FREQUENCY,   /* Hz */
    HAN_K_PF           /* power factor */
};

struct han_quantity {
    uint8_t c, d, e;   /* OBIS C.D.E (A, B and F are not looked at) */
    uint8_t kind;      /* enum han_kind */
    uint8_t tag;       /* enum axdr_tag the list format sends it as */
    int8_t scaler;     /* quantity = raw * 10^scaler (numbers) */
    const char *key;   /* machine name: MQTT topic, sensor id */
    const char *name;  /* human name */
};

/* The quantity of an OBIS code, NULL when the list format has none. */
const struct han_quantity *han_quantity_find(uint8_t c, uint8_t d, uint8_t e);
/* Table access (docs, tests). */
size_t han_quantity_count(void);
const struct han_quantity *han_quantity_at(size_t i);
/* Scaler of q as a meter of this type sends it (Kamstrup CT meters: mA). */
int8_t han_quantity_scaler(const struct han_quantity *q, const char *meter_type, size_t type_len);

/* List version identifiers: the lists this meter pushes by default and the
 * Kamstrup lists (same layout). */
#define HAN_LIST_ID_TRIMETER "trimeter_V0001"
#define HAN_LIST_ID_KAMSTRUP "Kamstrup_V0001"

#endif
