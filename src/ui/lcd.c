#include "ui/lcd.h"

#include <string.h>

void lcd_clear(struct lcd_state *l)
{
    memset(l, 0, sizeof *l);
}

static bool lcd_is_separator(char c)
{
    return c == '.' || c == ':';
}

size_t lcd_positions(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        if (!lcd_is_separator(*s))
            n++;
    return n;
}

size_t lcd_fit_number(char *s, size_t digits)
{
    size_t len = strlen(s);
    char *dot = strchr(s, '.');
    /* Dropping decimals truncates, as registers never round up. */
    while (dot != NULL && lcd_positions(s) > digits) {
        s[--len] = '\0';
        if (&s[len] == dot)
            dot = NULL;
    }
    if (len > 0 && s[len - 1] == '.')
        s[--len] = '\0';
    if (lcd_positions(s) > digits) {
        memset(s, '-', digits);
        s[digits] = '\0';
    }
    return lcd_positions(s);
}

static const char *const tariff_names[] = {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"};
static const char *const quadrant_names[] = {"Q1", "Q2", "Q3", "Q4"};
static const char *const u_names[] = {"L1", "L2", "L3"};
static const char *const imp_names[] = {"IMP1", "IMP2", "IMP3"};
static const char *const exp_names[] = {"EXP1", "EXP2", "EXP3"};
static const char *const disc_names[] = {NULL, "DISC_CLOSED", "DISC_OPEN", "DISC_READY"};
static const struct {
    uint8_t bit;
    const char *name;
} sym_names[] = {
    {LCD_SYM_ERROR, "ERROR"},   {LCD_SYM_COVER, "COVER"},   {LCD_SYM_PREPAY, "PREPAY"},
    {LCD_SYM_PREPAY_LOW, "PREPAY_LOW"}, {LCD_SYM_MODULE, "MODULE"}, {LCD_SYM_RADIO, "RADIO"},
};

size_t lcd_symbol_names(const struct lcd_state *l, const char **names, size_t max)
{
    size_t n = 0;
#define PUT(s)                \
    do {                      \
        if (n < max)          \
            names[n++] = (s); \
    } while (0)
    if (l->tariff >= 1 && l->tariff <= 8)
        PUT(tariff_names[l->tariff - 1]);
    if (l->quadrant >= 1 && l->quadrant <= 4)
        PUT(quadrant_names[l->quadrant - 1]);
    for (unsigned p = 0; p < 3; p++)
        if (l->u_on & (1u << p))
            PUT(u_names[p]);
    for (unsigned p = 0; p < 3; p++) {
        enum lcd_dir d = lcd_dir_of(l, p);
        if (d == LCD_DIR_IMPORT)
            PUT(imp_names[p]);
        else if (d == LCD_DIR_EXPORT)
            PUT(exp_names[p]);
    }
    if (l->seq == LCD_SEQ_REVERSED)
        PUT("SEQ_REV");
    if (l->disc < 4 && disc_names[l->disc] != NULL)
        PUT(disc_names[l->disc]);
    for (size_t k = 0; k < sizeof sym_names / sizeof sym_names[0]; k++)
        if (l->sym & sym_names[k].bit)
            PUT(sym_names[k].name);
#undef PUT
    return n;
}

const char *lcd_mode_name(enum lcd_mode mode)
{
    switch (mode) {
    case LCD_MODE_AUTO: return "auto";
    case LCD_MODE_MANUAL: return "manual";
    case LCD_MODE_BATTERY: return "battery";
    case LCD_MODE_OFF: return "off";
    default: return "unknown";
    }
}

/* Segment bits: a=0 (top), b=1 (top right), c=2 (bottom right), d=3
 * (bottom), e=4 (bottom left), f=5 (top left), g=6 (middle). */
uint8_t lcd_segments(char c)
{
    static const uint8_t digits[10] = {0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f};
    if (c >= '0' && c <= '9')
        return digits[c - '0'];
    switch (c) {
    case '-': return 0x40;
    case '_': return 0x08;
    case 'A': case 'a': return 0x77;
    case 'b': case 'B': return 0x7c;
    case 'C': return 0x39;
    case 'c': return 0x58;
    case 'd': case 'D': return 0x5e;
    case 'E': case 'e': return 0x79;
    case 'F': case 'f': return 0x71;
    case 'H': return 0x76;
    case 'h': return 0x74;
    case 'L': case 'l': return 0x38;
    case 'n': case 'N': return 0x54;
    case 'o': return 0x5c;
    case 'O': return 0x3f;
    case 'P': case 'p': return 0x73;
    case 'r': case 'R': return 0x50;
    case 't': case 'T': return 0x78;
    case 'U': return 0x3e;
    case 'u': return 0x1c;
    case 'y': case 'Y': return 0x6e;
    case '*': return 0x63; /* degree-like mark for the F group separator */
    default: return 0;
    }
}
