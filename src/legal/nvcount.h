/*
 * nvcount.h — counters that must never repeat across power cuts (the DLMS
 * frame counters of security suite 0: a repeated counter would repeat a
 * GCM nonce), kept by write-ahead reservation: the owner persists a limit
 * before it uses values below it, and after a power cut starts at the
 * last persisted limit. One reservation = one small record in a ring of
 * its own (wear-levelled; the owner reserves in blocks, so the EEPROM
 * writes stay bounded: one per block of counts).
 *
 * The protocols may not touch the store (include rules), so they reserve
 * through here.
 */
#ifndef TRIMETER_NVCOUNT_H
#define TRIMETER_NVCOUNT_H

#include <stdint.h>

/* Counters kept: the meter's DLMS frame counter, the next expected frame
 * counter of the DLMS management client, the wM-Bus security counter
 * (SN/ACC/MCR under one key). One ring serves them all. */
#define NVCOUNT_N 3u
enum nvcount_id { NVCOUNT_DLMS_TX = 0, NVCOUNT_DLMS_RX = 1, NVCOUNT_WMBUS = 2 };

/* Records the ring keeps (12 bytes each + CRC: 32 to a 512-byte page). */
#define NVCOUNT_DEPTH 64u
#define NVCOUNT_REC_SIZE (4u * NVCOUNT_N)

struct meter;

/* The newest persisted limits (zeros on a factory-fresh meter). Returns 0,
 * METER_ENOENT when nothing was ever reserved, or a store error. */
int nvcount_load(const struct meter *m, uint32_t v[NVCOUNT_N]);
/* Persist new limits (every counter at once). 0 or a store error: the
 * caller must not use values beyond the old limits then. */
int nvcount_save(struct meter *m, const uint32_t v[NVCOUNT_N]);
/* Persist one counter's new limit, the others as they are. */
int nvcount_reserve(struct meter *m, enum nvcount_id id, uint32_t limit);

#endif
