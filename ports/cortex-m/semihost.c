/*
 * semihost.c — the test images' fault/exit flavour (see semihost.h).
 * board_pre_main opens the semihosting stdio handles: the images have their
 * own reset handler because newlib's rdimon crt0 hangs under QEMU.
 */
#include "semihost.h"

#include <string.h>

#include "board.h"
#include "util/fmt.h"

void initialise_monitor_handles(void); /* librdimon */
int _write(int fd, const char *buf, int len);

#define SEMI_SYS_EXIT_EXTENDED 0x20u
#define SEMI_ADP_STOPPED_APPLICATION_EXIT 0x20026u

static volatile bool semi_watchdog_expected;

void board_pre_main(void)
{
    initialise_monitor_handles();
}

void semi_puts(const char *s)
{
    (void)_write(1, s, (int)strlen(s));
}

void semi_put_int(const char *name, int64_t value)
{
    char line[96];
    struct fmt_buf f;
    fmt_init(&f, line, sizeof line);
    fmt_str(&f, name);
    fmt_char(&f, ' ');
    fmt_int(&f, value);
    fmt_char(&f, '\n');
    if (fmt_end(&f) > 0)
        semi_puts(line);
}

_Noreturn void semi_exit(int status)
{
    uint32_t block[2] = {SEMI_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    register uint32_t r0 __asm__("r0") = SEMI_SYS_EXIT_EXTENDED;
    register uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    for (;;) {
    }
}

void semi_expect_watchdog(bool yes)
{
    semi_watchdog_expected = yes;
}

void board_fault(const char *what, uint32_t info)
{
    semi_puts("FAULT: ");
    semi_puts(what);
    semi_put_int(" info", (int64_t)info);
    semi_exit(3);
}

void board_wdt_warning(void)
{
    semi_puts("watchdog: early warning (NMI)\n");
    semi_exit(semi_watchdog_expected ? 0 : 4);
}
