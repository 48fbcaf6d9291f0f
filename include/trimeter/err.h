/*
 * err.h — error codes of the trimeter core.
 *
 * Every core function that can fail returns an int: 0 (METER_OK) on success,
 * a negative enum meter_err on failure (the littlefs convention). Bad input
 * from a port is an error return and a protocol-level refusal, never an
 * assert or a crash.
 */
#ifndef TRIMETER_ERR_H
#define TRIMETER_ERR_H

enum meter_err {
    METER_OK = 0,
    METER_EINVAL = -1,   /* malformed argument or input */
    METER_ERANGE = -2,   /* value outside its allowed range */
    METER_ENOENT = -3,   /* no such object, register or record */
    METER_EACCES = -4,   /* access right missing (legal object, wrong client) */
    METER_EIO = -5,      /* HAL / NVM operation failed */
    METER_ECORRUPT = -6, /* checksum mismatch, inconsistent record */
    METER_ENOSPC = -7,   /* buffer or area too small */
    METER_EBUSY = -8,    /* resource held by another session */
    METER_ESTATE = -9,   /* not allowed in the current state */
    METER_ETIMEOUT = -10,
    METER_ENOTSUP = -11  /* valid request the meter does not implement */
};

/* Short English name of an error code, for logs and the simulator. */
const char *meter_strerror(int err);

#endif
