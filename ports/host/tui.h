/*
 * tui.h — the interactive simulator's terminal: raw keyboard input and the
 * screen. The screen draws the meter's LCD (struct lcd_state, src/ui/lcd.h)
 * the way the glass looks: the 9-digit value field in large 7-segment
 * digits, the 7-digit identifier field in small ones, the unit and text
 * fields and every symbol (SPEC S-4.1); below it the outputs (relay, load
 * relays, LED/S0 pulses, pulse input), the inputs and a few registers.
 * Keys are interpreted by sim_key() (sim.c); this module only reads them.
 * Layout and key list: docs/DISPLAY.md (tests/tmux decodes the segments).
 *
 * The terminal is restored on tui_close(), at exit(), and after a fatal
 * signal handled by the caller (SIGINT/SIGTERM stop the run loop, which
 * then closes the terminal normally).
 */
#ifndef TRIMETER_TUI_H
#define TRIMETER_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "ui/lcd.h"

#define TUI_ROWS_MAX 16

struct tui_row {
    char id[16];    /* OBIS C.D.E */
    char value[24];
    char unit[8];
    char name[48];
};

/* What the screen shows; filled by sim.c from the meter. */
struct tui_view {
    char time[40];          /* meter local time */
    char disp_id[16], disp_value[24], disp_unit[8]; /* the display's reading */
    char disp_text[16];     /* its text field */
    struct tui_row rows[TUI_ROWS_MAX];
    unsigned nrows;
    bool power_on;
    bool relay_closed;
    uint64_t pulses;
    bool cover_open, magnet, neutral_lost;
    char segment[48];       /* scenario segment label */
    char feed[16];
    char note[160];         /* last message (refused command ...) */
    struct lcd_state lcd;   /* what the LCD shows (display_state()) */
    bool led;               /* LED/S0 output on now */
    bool aux[2];            /* load-control relays closed */
    uint32_t pulse_in;      /* pulse-input register (0-0:96.130.70) */
};

struct tui {
    int in_fd, out_fd;
    bool raw;
    struct termios saved;
};

/* Raw mode, alternate screen, hidden cursor. 0 or -1 (not a terminal). */
int tui_open(struct tui *t);
void tui_close(struct tui *t);
void tui_draw(struct tui *t, const struct tui_view *v);
/* The LCD alone as text lines (UTF-8, no escape sequences), one '\n'
 * after each: what tui_draw() puts in its frame. Returns the length (or
 * the length needed when it does not fit, as snprintf). */
size_t tui_lcd_text(const struct lcd_state *l, char *buf, size_t n);
/* Wait up to timeout_ms for a key; the key (byte) or -1. */
int tui_wait_key(struct tui *t, int timeout_ms);

#endif
