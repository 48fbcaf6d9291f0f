/*
 * tui.c — plain-text screen and raw keyboard of the interactive simulator.
 */
#include "tui.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* For the atexit() restore: the one terminal this process put in raw mode. */
static struct tui *tui_active;

static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

static void tui_restore_at_exit(void)
{
    if (tui_active != NULL)
        tui_close(tui_active);
}

int tui_open(struct tui *t)
{
    static bool registered;
    memset(t, 0, sizeof *t);
    t->in_fd = STDIN_FILENO;
    t->out_fd = STDOUT_FILENO;
    if (!isatty(t->in_fd) || !isatty(t->out_fd) || tcgetattr(t->in_fd, &t->saved) != 0)
        return -1;
    struct termios raw = t->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(t->in_fd, TCSANOW, &raw) != 0)
        return -1;
    t->raw = true;
    tui_active = t;
    if (!registered) {
        atexit(tui_restore_at_exit);
        registered = true;
    }
    static const char enter[] = "\033[?1049h\033[?25l\033[2J";
    write_all(t->out_fd, enter, sizeof enter - 1);
    return 0;
}

void tui_close(struct tui *t)
{
    if (!t->raw)
        return;
    static const char leave[] = "\033[?25h\033[?1049l";
    write_all(t->out_fd, leave, sizeof leave - 1);
    tcsetattr(t->in_fd, TCSAFLUSH, &t->saved);
    t->raw = false;
    if (tui_active == t)
        tui_active = NULL;
}

int tui_wait_key(struct tui *t, int timeout_ms)
{
    struct pollfd p = {.fd = t->in_fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms) <= 0)
        return -1;
    unsigned char c;
    if (read(t->in_fd, &c, 1) != 1)
        return -1;
    return c;
}

/* ---- the LCD ---------------------------------------------------------- */

/* A 7-segment cell: segments, and the point/colon after it. */
struct cell {
    uint8_t seg;
    char sep; /* '.', ':' or 0 */
};

/* Split a field's text into cells, aligned in `cells` positions (the value
 * to the right, the identifier to the left, as on the glass). */
static unsigned field_cells(const char *text, struct cell *out, unsigned cells, bool right)
{
    struct cell tmp[24];
    unsigned n = 0;
    for (const char *p = text; *p != '\0' && n < sizeof tmp / sizeof tmp[0]; p++) {
        if (*p == '.' || *p == ':') {
            if (n == 0)
                tmp[n++] = (struct cell){0, 0};
            tmp[n - 1].sep = *p;
            continue;
        }
        tmp[n++] = (struct cell){lcd_segments(*p), 0};
    }
    if (n > cells) { /* the model never sends more; keep the right end */
        memmove(tmp, tmp + (n - cells), cells * sizeof tmp[0]);
        n = cells;
    }
    memset(out, 0, cells * sizeof out[0]);
    memcpy(out + (right ? cells - n : 0), tmp, n * sizeof tmp[0]);
    return cells;
}

struct txt {
    char *p;
    size_t n, len;
};

static void put(struct txt *t, const char *s)
{
    size_t k = strlen(s);
    if (t->len + k < t->n)
        memcpy(t->p + t->len, s, k + 1);
    else if (t->len < t->n)
        t->p[t->len] = '\0';
    t->len += k;
}

static void putf(struct txt *t, const char *fmt, const char *arg, int width)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, fmt, width, arg);
    put(t, tmp);
}

enum { SEG_A = 1, SEG_B = 2, SEG_C = 4, SEG_D = 8, SEG_E = 16, SEG_F = 32, SEG_G = 64 };

/* Large digits: 4 columns and 5 rows a cell, then one column for the
 * point (bottom) or colon (rows 1 and 3). */
static void big_row(struct txt *t, const struct cell *c, unsigned cells, unsigned row)
{
    for (unsigned k = 0; k < cells; k++) {
        uint8_t s = c[k].seg;
        switch (row) {
        case 0: put(t, s & SEG_A ? " ━━ " : "    "); break;
        case 1: put(t, s & SEG_F ? "┃" : " "); put(t, "  "); put(t, s & SEG_B ? "┃" : " "); break;
        case 2: put(t, s & SEG_G ? " ━━ " : "    "); break;
        case 3: put(t, s & SEG_E ? "┃" : " "); put(t, "  "); put(t, s & SEG_C ? "┃" : " "); break;
        default: put(t, s & SEG_D ? " ━━ " : "    "); break;
        }
        bool dot = c[k].sep == '.' && row == 4, colon = c[k].sep == ':' && (row == 1 || row == 3);
        put(t, dot || colon ? "▪" : " ");
    }
}

/* Small digits: 3 columns and 3 rows a cell, one column for the point. */
static void small_row(struct txt *t, const struct cell *c, unsigned cells, unsigned row)
{
    for (unsigned k = 0; k < cells; k++) {
        uint8_t s = c[k].seg;
        switch (row) {
        case 0: put(t, " "); put(t, s & SEG_A ? "_" : " "); put(t, " "); break;
        case 1: put(t, s & SEG_F ? "|" : " "); put(t, s & SEG_G ? "_" : " "); put(t, s & SEG_B ? "|" : " "); break;
        default: put(t, s & SEG_E ? "|" : " "); put(t, s & SEG_D ? "_" : " "); put(t, s & SEG_C ? "|" : " "); break;
        }
        put(t, row == 2 && c[k].sep != 0 ? "." : " ");
    }
}

static bool has(const struct lcd_state *l, uint8_t sym)
{
    return (l->sym & sym) != 0;
}

size_t tui_lcd_text(const struct lcd_state *l, char *buf, size_t n)
{
    struct txt t = {buf, n, 0};
    struct cell val[LCD_VALUE_DIGITS], id[LCD_ID_DIGITS];
    char tmp[16];
    if (n > 0)
        buf[0] = '\0';
    field_cells(l->value, val, LCD_VALUE_DIGITS, true);
    field_cells(l->id, id, LCD_ID_DIGITS, false);

    /* Annunciators: quadrant, tariff, phase voltages and current
     * directions, phase sequence. Unlit symbols are blank. */
    snprintf(tmp, sizeof tmp, "Q%u", l->quadrant);
    put(&t, l->quadrant ? tmp : "  ");
    put(&t, "  ");
    snprintf(tmp, sizeof tmp, "T%u", l->tariff);
    put(&t, l->tariff ? tmp : "  ");
    put(&t, "   ");
    for (unsigned p = 0; p < 3; p++) {
        snprintf(tmp, sizeof tmp, "L%u ", p + 1);
        put(&t, l->u_on & (1u << p) ? tmp : "   ");
    }
    put(&t, "  ");
    for (unsigned p = 0; p < 3; p++) {
        enum lcd_dir d = lcd_dir_of(l, p);
        snprintf(tmp, sizeof tmp, d == LCD_DIR_IMPORT ? "%u> " : "<%u ", p + 1);
        put(&t, d == LCD_DIR_NONE ? "   " : tmp);
    }
    put(&t, "  ");
    put(&t, l->seq == LCD_SEQ_OK ? "123" : l->seq == LCD_SEQ_REVERSED ? "132" : "   ");
    put(&t, "\n");

    /* The value field, the unit beside its last row. */
    for (unsigned row = 0; row < 5; row++) {
        big_row(&t, val, LCD_VALUE_DIGITS, row);
        if (row == 4)
            putf(&t, " %-*s", l->unit, 6);
        else
            put(&t, "       ");
        put(&t, "\n");
    }
    put(&t, "\n");

    /* The identifier field and the text field. */
    for (unsigned row = 0; row < 3; row++) {
        small_row(&t, id, LCD_ID_DIGITS, row);
        if (row == 1)
            putf(&t, "    %-*s", l->text, LCD_TEXT_CHARS);
        put(&t, "\n");
    }

    /* Disconnector, error, cover, prepayment, module, radio. */
    switch (l->disc) {
    case LCD_DISC_CLOSED: put(&t, "─o━━o─ "); break;
    case LCD_DISC_OPEN: put(&t, "─o╱ o─ "); break;
    case LCD_DISC_READY: put(&t, "─o╱ o─?"); break;
    default: put(&t, "       "); break;
    }
    put(&t, "   ");
    put(&t, has(l, LCD_SYM_ERROR) ? "ERR" : "   ");
    put(&t, "  ");
    put(&t, has(l, LCD_SYM_COVER) ? "COVER" : "     ");
    put(&t, "  ");
    put(&t, has(l, LCD_SYM_PREPAY) ? (has(l, LCD_SYM_PREPAY_LOW) ? "PREPAY!" : "PREPAY ") : "       ");
    put(&t, "  ");
    put(&t, has(l, LCD_SYM_MODULE) ? "MOD" : "   ");
    put(&t, " ");
    put(&t, has(l, LCD_SYM_RADIO) ? "RF" : "  ");
    put(&t, "\n");
    return t.len;
}

/* Columns a UTF-8 text takes (every character here is one column wide). */
static size_t columns(const char *s, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0u) != 0x80u)
            c++;
    return c;
}

#define LCD_INNER 58 /* columns inside the frame */

#define LINE(...)                                                              \
    do {                                                                       \
        if (len < sizeof buf)                                                  \
            len += (size_t)snprintf(buf + len, sizeof buf - len, __VA_ARGS__); \
    } while (0)

void tui_draw(struct tui *t, const struct tui_view *v)
{
    char buf[16384], lcdtxt[4096], bar[3 * (LCD_INNER + 2) + 1];
    size_t len = 0;
    tui_lcd_text(&v->lcd, lcdtxt, sizeof lcdtxt);
    bar[0] = '\0';
    for (unsigned k = 0; k < LCD_INNER + 2; k++)
        strcat(bar, "═");
    LINE("\033[H");
    LINE(" trimeter virtual meter   %s\033[K\r\n", v->time);
    LINE(" display: %s, reading %u%s\033[K\r\n", lcd_mode_name((enum lcd_mode)v->lcd.mode), v->lcd.item + 1u,
         v->power_on ? "" : "   (no mains: battery)");
    LINE(" ╔%s╗\033[K\r\n", bar);
    for (const char *p = lcdtxt; *p != '\0';) {
        const char *e = strchr(p, '\n');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        size_t cols = columns(p, n);
        LINE(" ║ %.*s%*s ║\033[K\r\n", (int)n, p, (int)(cols < LCD_INNER ? LCD_INNER - cols : 0), "");
        p += n + (e != NULL);
    }
    LINE(" ╚%s╝\033[K\r\n", bar);
    LINE("   relay %-6s  load relays %s %s   LED %s  S0 pulses %-10llu pulse in %u\033[K\r\n",
         v->relay_closed ? "closed" : "OPEN", v->aux[0] ? "1:on" : "1:off", v->aux[1] ? "2:on" : "2:off",
         v->led ? "(*)" : "( )", (unsigned long long)v->pulses, v->pulse_in);
    LINE("   inputs:%s%s%s%s   load: %s   feed: %s\033[K\r\n", v->cover_open ? " COVER-OPEN" : "",
         v->magnet ? " MAGNET" : "", v->neutral_lost ? " NEUTRAL-LOST" : "",
         !v->cover_open && !v->magnet && !v->neutral_lost ? " -" : "", v->segment, v->feed);
    LINE("\033[K\r\n");
    for (unsigned k = 0; k < v->nrows && k < TUI_ROWS_MAX; k++)
        LINE("   %-8s %14s %-5s %s\033[K\r\n", v->rows[k].id, v->rows[k].value, v->rows[k].unit, v->rows[k].name);
    LINE("\033[K\r\n");
    LINE(" keys: d display button  D long press  b disconnector button  B long press\033[K\r\n");
    LINE("       c cover open/close  m magnet on/off  p pulse-input edge  q quit (state saved)\033[K\r\n");
    LINE(" %s\033[K\r\n", v->note);
    LINE("\033[J");
    write_all(t->out_fd, buf, len < sizeof buf ? len : sizeof buf - 1);
}
