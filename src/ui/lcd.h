/*
 * lcd.h — the LCD model (SPEC S-4.1): every field and symbol of the 382M
 * display as plain state, so that the Cortex-M segment driver, the
 * simulator's terminal drawing and its JSON all show the same thing.
 *
 * This module only describes and names what is shown; src/ui/display.c
 * decides what to show (lists, symbols from the meter's state). It never
 * touches the meter or the HAL.
 */
#ifndef TRIMETER_LCD_H
#define TRIMETER_LCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digit positions of the value and identifier fields. A '.' or ':' sits
 * between two positions (decimal point / colon segments) and takes none. */
#define LCD_VALUE_DIGITS 9
#define LCD_ID_DIGITS 7
#define LCD_TEXT_CHARS 8

/* On/off symbols (struct lcd_state.sym). */
enum lcd_sym {
    LCD_SYM_ERROR = 1u << 0,      /* critical fault, magnetic tamper, cover opened */
    LCD_SYM_COVER = 1u << 1,      /* terminal cover open now */
    LCD_SYM_PREPAY = 1u << 2,     /* prepayment active */
    LCD_SYM_PREPAY_LOW = 1u << 3, /* prepayment symbol flashing: credit low or used up */
    LCD_SYM_MODULE = 1u << 4,     /* communication module active */
    LCD_SYM_RADIO = 1u << 5       /* radio link active */
};

/* Disconnector symbol. */
enum lcd_disc {
    LCD_DISC_NONE = 0,   /* meter without disconnector: symbol not shown */
    LCD_DISC_CLOSED = 1,
    LCD_DISC_OPEN = 2,
    LCD_DISC_READY = 3   /* open, flashing: the button reconnects */
};

/* Per-phase current direction arrow (2 bits per phase in i_dir). */
enum lcd_dir { LCD_DIR_NONE = 0, LCD_DIR_IMPORT = 1, LCD_DIR_EXPORT = 2 };

enum lcd_seq {
    LCD_SEQ_NONE = 0,    /* not all three phases present: indicator off */
    LCD_SEQ_OK = 1,      /* L1-L2-L3 */
    LCD_SEQ_REVERSED = 2 /* L1-L3-L2 */
};

/* Which display list the reading comes from. */
enum lcd_mode {
    LCD_MODE_AUTO = 0,    /* automatic scroll */
    LCD_MODE_MANUAL = 1,  /* advanced by the display button */
    LCD_MODE_BATTERY = 2, /* without mains, advanced by the button */
    LCD_MODE_OFF = 3      /* without mains, blank until a press */
};

struct lcd_state {
    char value[20];   /* value field: digits, '-', ' ', '.' and ':' ("12345.67") */
    char unit[6];     /* unit field ("kWh", "kvarh", "V", "") */
    char id[12];      /* identifier field, OBIS C.D.E ("1.8.0"; "1.8.0*1" historic) */
    char text[LCD_TEXT_CHARS + 1]; /* text field ("LIMIT", "NO CRED", ...) */
    uint8_t quadrant; /* 0 none, 1..4 */
    uint8_t tariff;   /* active tariff 1..8, 0 none */
    uint8_t u_on;     /* bit p: phase p+1 above 160 V */
    uint8_t i_dir;    /* enum lcd_dir of phase p in bits 2p..2p+1 */
    uint8_t disc;     /* enum lcd_disc */
    uint8_t seq;      /* enum lcd_seq */
    uint8_t sym;      /* enum lcd_sym */
    uint8_t mode;     /* enum lcd_mode */
    uint8_t item;     /* position in the list shown, 0-based */
};

void lcd_clear(struct lcd_state *l);

static inline enum lcd_dir lcd_dir_of(const struct lcd_state *l, unsigned phase)
{
    return (enum lcd_dir)((l->i_dir >> (2u * phase)) & 3u);
}

/* Digit positions a text takes on a 7-segment field ('.' and ':' take
 * none). */
size_t lcd_positions(const char *s);

/* Fit a formatted number into `digits` positions: drops decimals first,
 * then shows all dashes (overflow). Returns the positions used. */
size_t lcd_fit_number(char *s, size_t digits);

/* Names of the lit symbols, in a fixed order, for the simulator's JSON and
 * tests: "T1".."T8", "Q1".."Q4", "L1".."L3" (voltage present), "IMP1"/"EXP1"
 * .. (current arrows), "SEQ_REV", "DISC_CLOSED"/"DISC_OPEN"/"DISC_READY",
 * "ERROR", "COVER", "PREPAY", "PREPAY_LOW", "MODULE", "RADIO".
 * Returns the number written (at most max). */
size_t lcd_symbol_names(const struct lcd_state *l, const char **names, size_t max);

/* "auto", "manual", "battery", "off". */
const char *lcd_mode_name(enum lcd_mode mode);

/* Segments a..g (bit 0 = a ... bit 6 = g) of a character on a 7-segment
 * digit; 0 for a blank or a character the digit cannot show. */
uint8_t lcd_segments(char c);

#endif
