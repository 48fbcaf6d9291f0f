/*
 * semihost.h — output and exit for the QEMU test images (never linked into
 * the production image): newlib's rdimon carries the text to the host's
 * stdout, SYS_EXIT_EXTENDED carries the exit status to QEMU's.
 */
#ifndef TRIMETER_CM_SEMIHOST_H
#define TRIMETER_CM_SEMIHOST_H

#include <stdbool.h>
#include <stdint.h>

void semi_puts(const char *s);              /* no newline added */
/* "name value\n" with value as a signed decimal. */
void semi_put_int(const char *name, int64_t value);
_Noreturn void semi_exit(int status);
/* The watchdog warning (NMI) is what the image waits for: exit 0 on it
 * instead of reporting a failure. */
void semi_expect_watchdog(bool yes);

#endif
