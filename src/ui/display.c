/*
 * display.c — display lists, their rules, and the LCD contents.
 */
#include "ui/display.h"

#include <string.h>

#include "registers/billing.h"
#include "registers/clock.h"
#include "cosem/objtab.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

static const uint8_t list_off[DISPLAY_LISTS] = {0, DISPLAY_AUTO_MAX, DISPLAY_AUTO_MAX + DISPLAY_MANUAL_MAX};
static const uint8_t list_max[DISPLAY_LISTS] = {DISPLAY_AUTO_MAX, DISPLAY_MANUAL_MAX, DISPLAY_BATTERY_MAX};
static const char *const list_keys[DISPLAY_LISTS] = {"display_auto", "display_manual", "display_battery"};

unsigned display_list_max(enum display_list_id which)
{
    return (unsigned)which < DISPLAY_LISTS ? list_max[which] : 0;
}

const uint16_t *display_list_items(const struct display_cfg *c, enum display_list_id which)
{
    return &c->item[list_off[which]];
}

/* ---- rules ---------------------------------------------------------------- */

static bool row_historic(const struct obj_def *o)
{
    return (o->flags & OBJ_F_HISTORIC) || o->ln.v[5] != 255;
}

enum display_reject display_row_allowed(const struct obj_def *o, unsigned f, enum display_list_id which)
{
    if (o == NULL || (f != 0 && (o->bill == 0 || f > BILLING_DEPTH)))
        return DISPLAY_REJ_UNKNOWN;
    /* The display is public; parameters and commands are not readings. */
    if (o->get == NULL || o->rd > METER_ACC_PUBLIC || (o->flags & OBJ_F_PARAM))
        return DISPLAY_REJ_NOT_SHOWN;
    if (which == DISPLAY_AUTO && (f != 0 || row_historic(o)))
        return DISPLAY_REJ_HISTORIC;
    /* Without mains there is nothing instantaneous to show. */
    if (which == DISPLAY_BATTERY && (o->flags & OBJ_F_INSTANT))
        return DISPLAY_REJ_INSTANT;
    return DISPLAY_REJ_NONE;
}

bool display_row_mandatory(const struct obj_def *o)
{
    return o != NULL && (o->flags & OBJ_F_LEGAL) && (o->flags & OBJ_F_ENERGY) && !row_historic(o) &&
           o->get != NULL;
}

static uint16_t row_index(const struct obj_def *o)
{
    return (uint16_t)(o - objtab_at(0));
}

/* Is the item among the first n of the list? */
static bool list_has(const uint16_t *items, unsigned n, size_t item)
{
    for (unsigned k = 0; k < n; k++)
        if (items[k] == item)
            return true;
    return false;
}

static int verdict(struct display_verdict *v, enum display_reject r, unsigned pos, uint16_t row)
{
    v->rej = (uint8_t)r;
    v->pos = (uint8_t)pos;
    v->row = row;
    switch (r) {
    case DISPLAY_REJ_NONE: return METER_OK;
    case DISPLAY_REJ_UNKNOWN: return METER_ENOENT;
    case DISPLAY_REJ_TOO_MANY: return METER_ENOSPC;
    case DISPLAY_REJ_LEGAL: return METER_EACCES;
    default: return METER_EINVAL;
    }
}

int display_list_check(enum display_list_id which, const uint16_t *idx, unsigned n,
                       struct display_verdict *v)
{
    if ((unsigned)which >= DISPLAY_LISTS)
        return verdict(v, DISPLAY_REJ_UNKNOWN, 0, 0);
    if (n > list_max[which])
        return verdict(v, DISPLAY_REJ_TOO_MANY, list_max[which] + 1u, 0);
    for (unsigned k = 0; k < n; k++) {
        const struct obj_def *o = objtab_at(display_item_row(idx[k]));
        enum display_reject r = display_row_allowed(o, display_item_f(idx[k]), which);
        if (r != DISPLAY_REJ_NONE)
            return verdict(v, r, k + 1, (uint16_t)display_item_row(idx[k]));
        if (list_has(idx, k, idx[k]))
            return verdict(v, DISPLAY_REJ_DUPLICATE, k + 1, (uint16_t)display_item_row(idx[k]));
    }
    if (which == DISPLAY_MANUAL) {
        for (size_t i = 0, nrows = objtab_count(); i < nrows; i++)
            if (display_row_mandatory(objtab_at(i)) && !list_has(idx, n, i))
                return verdict(v, DISPLAY_REJ_LEGAL, 0, (uint16_t)i);
    }
    return verdict(v, DISPLAY_REJ_NONE, 0, 0);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int display_list_parse(const char *text, size_t len, enum display_list_id which, uint16_t *idx,
                       unsigned *n, struct display_verdict *v)
{
    unsigned count = 0;
    size_t i = 0;
    *n = 0;
    if ((unsigned)which >= DISPLAY_LISTS)
        return verdict(v, DISPLAY_REJ_UNKNOWN, 0, 0);
    while (i < len && is_space(text[i]))
        i++;
    if (i == len)
        return verdict(v, DISPLAY_REJ_NONE, 0, 0); /* empty list */
    for (;;) {
        char tok[24];
        size_t t = 0;
        while (i < len && is_space(text[i]))
            i++;
        while (i < len && text[i] != ',' && !is_space(text[i])) {
            if (t + 1 >= sizeof tok)
                return verdict(v, DISPLAY_REJ_SYNTAX, count + 1, 0);
            tok[t++] = text[i++];
        }
        tok[t] = '\0';
        while (i < len && is_space(text[i]))
            i++;
        if (count >= list_max[which])
            return verdict(v, DISPLAY_REJ_TOO_MANY, count + 1, 0);
        struct obis ln;
        if (t == 0 || obis_parse(tok, &ln) != METER_OK)
            return verdict(v, DISPLAY_REJ_SYNTAX, count + 1, 0);
        /* The row is the current value's; F picks a billing period. */
        unsigned f = ln.v[5] == 255 ? 0u : ln.v[5];
        char *star = strchr(tok, '*');
        if (star != NULL)
            *star = '\0';
        const struct obj_def *o = objtab_find_str(tok);
        if (o == NULL || f > BILLING_DEPTH || row_index(o) >= (1u << DISPLAY_ROW_BITS))
            return verdict(v, DISPLAY_REJ_UNKNOWN, count + 1, 0);
        idx[count++] = DISPLAY_ITEM(row_index(o), f);
        if (i == len)
            break;
        if (text[i] != ',')
            return verdict(v, DISPLAY_REJ_SYNTAX, count, 0);
        i++;
    }
    *n = count;
    return display_list_check(which, idx, count, v);
}

/* ---- factory lists -------------------------------------------------------- */

static const char *const default_auto[] = {"1.8.0", "2.8.0", "1.7.0", "2.7.0", "0.9.1", "0.9.2"};
static const char *const default_manual[] = {
    "1.8.0", "1.8.1", "1.8.2", "1.8.3", "1.8.4", "2.8.0", "3.8.0", "3.8.1", "3.8.2", "3.8.3",
    "3.8.4", "4.8.0", "1.6.0", "1.6.1", "1.6.2", "1.2.0", "0.1.0", "0.9.2", "0.9.1", "96.130.20",
    "96.130.30", "96.130.70", "32.7.0", "52.7.0", "72.7.0", "0.0.0", "0.2.0", "0.2.8"};
static const char *const default_battery[] = {"1.8.0", "2.8.0", "1.8.1", "1.8.2", "0.9.2", "0.9.1"};

static void build_list(struct display_cfg *c, enum display_list_id which, const char *const *codes,
                       size_t ncodes)
{
    uint16_t *items = &c->item[list_off[which]];
    unsigned n = 0;
    for (size_t k = 0; k < ncodes && n < list_max[which]; k++) {
        const struct obj_def *o = objtab_find_str(codes[k]);
        if (o == NULL || display_row_allowed(o, 0, which) != DISPLAY_REJ_NONE)
            continue; /* a row this firmware does not have (yet) */
        if (!list_has(items, n, row_index(o)))
            items[n++] = row_index(o);
    }
    if (which == DISPLAY_MANUAL) {
        /* Every legal register, even ones the code list does not name. */
        for (size_t i = 0, nrows = objtab_count(); i < nrows; i++) {
            if (!display_row_mandatory(objtab_at(i)) || list_has(items, n, i))
                continue;
            if (n < list_max[which]) {
                items[n++] = (uint16_t)i;
            } else {
                unsigned last = n;
                while (last > 0 && display_row_mandatory(objtab_at(items[last - 1])))
                    last--;
                if (last > 0)
                    items[last - 1] = (uint16_t)i;
            }
        }
    }
    c->n[which] = (uint8_t)n;
}

void display_cfg_default(struct display_cfg *c)
{
    memset(c, 0, sizeof *c);
    build_list(c, DISPLAY_AUTO, default_auto, sizeof default_auto / sizeof default_auto[0]);
    build_list(c, DISPLAY_MANUAL, default_manual, sizeof default_manual / sizeof default_manual[0]);
    build_list(c, DISPLAY_BATTERY, default_battery, sizeof default_battery / sizeof default_battery[0]);
}

void display_cfg_validate(struct display_cfg *c)
{
    /* A configuration written by a firmware with another table, or damaged:
     * the factory lists rather than a wrong reading. */
    for (unsigned w = 0; w < DISPLAY_LISTS; w++) {
        struct display_verdict v;
        if (display_list_check((enum display_list_id)w, &c->item[list_off[w]], c->n[w], &v) != METER_OK) {
            struct display_cfg def;
            display_cfg_default(&def);
            memcpy(&c->item[list_off[w]], &def.item[list_off[w]], list_max[w] * sizeof c->item[0]);
            c->n[w] = def.n[w];
        }
    }
}

/* ---- text interface ------------------------------------------------------- */

int display_list_set(struct meter *m, enum display_list_id which, const char *text, size_t len)
{
    struct display *d = &m->ui.display;
    uint16_t idx[DISPLAY_MANUAL_MAX];
    unsigned n;
    struct display_verdict v;
    if ((unsigned)which >= DISPLAY_LISTS)
        return METER_EINVAL;
    int r = display_list_parse(text, len, which, idx, &n, &v);
    d->rej = v.rej;
    d->rej_list = (uint8_t)which;
    d->rej_pos = v.pos;
    d->rej_row = v.row;
    if (r < 0)
        return r;
    struct display_cfg *c = &m->ui.cfg;
    memcpy(&c->item[list_off[which]], idx, n * sizeof idx[0]);
    c->n[which] = (uint8_t)n;
    /* The list on show changed: start it again. */
    if ((which == DISPLAY_AUTO && d->mode == LCD_MODE_AUTO) ||
        (which == DISPLAY_MANUAL && d->mode == LCD_MODE_MANUAL) ||
        (which == DISPLAY_BATTERY && d->mode == LCD_MODE_BATTERY)) {
        d->pos = 0;
        d->t_item_ms = meter_ms(m);
    }
    d->dirty = true;
    return METER_OK;
}

/* "C.D.E" of an item, "*F" appended for a billing period. */
static int item_code(uint16_t item, char *buf, size_t n)
{
    const struct obj_def *o = objtab_at(display_item_row(item));
    if (o == NULL)
        return METER_ENOENT;
    struct obis ln = o->ln;
    if (display_item_f(item) != 0)
        ln.v[5] = (uint8_t)display_item_f(item);
    return obis_format_short(&ln, buf, n);
}

int display_list_get(const struct meter *m, enum display_list_id which, char *buf, size_t n)
{
    struct fmt_buf f;
    if ((unsigned)which >= DISPLAY_LISTS)
        return METER_EINVAL;
    const struct display_cfg *c = &m->ui.cfg;
    fmt_init(&f, buf, n);
    for (unsigned k = 0; k < c->n[which]; k++) {
        char code[20];
        if (item_code(c->item[list_off[which] + k], code, sizeof code) < 0)
            return METER_ECORRUPT;
        if (k > 0)
            fmt_char(&f, ',');
        fmt_str(&f, code);
    }
    return fmt_end(&f);
}

const char *display_reject_name(enum display_reject r)
{
    switch (r) {
    case DISPLAY_REJ_NONE: return "accepted";
    case DISPLAY_REJ_SYNTAX: return "not an OBIS code";
    case DISPLAY_REJ_UNKNOWN: return "unknown OBIS code";
    case DISPLAY_REJ_TOO_MANY: return "too many readings";
    case DISPLAY_REJ_NOT_SHOWN: return "not a public reading";
    case DISPLAY_REJ_HISTORIC: return "historic value not allowed in the automatic list";
    case DISPLAY_REJ_INSTANT: return "instantaneous value not allowed in the battery list";
    case DISPLAY_REJ_DUPLICATE: return "reading listed twice";
    case DISPLAY_REJ_LEGAL: return "legal register cannot be removed";
    default: return "refused";
    }
}

int display_reject_text(const struct meter *m, char *buf, size_t n)
{
    const struct display *d = &m->ui.display;
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    if (d->rej != DISPLAY_REJ_NONE) {
        fmt_str(&f, list_keys[d->rej_list < DISPLAY_LISTS ? d->rej_list : 0]);
        if (d->rej_pos > 0) {
            fmt_str(&f, " item ");
            fmt_uint(&f, d->rej_pos, 1);
        }
        fmt_str(&f, ": ");
        fmt_str(&f, display_reject_name((enum display_reject)d->rej));
        const struct obj_def *o = objtab_at(d->rej_row);
        if (o != NULL && d->rej != DISPLAY_REJ_TOO_MANY && d->rej != DISPLAY_REJ_SYNTAX &&
            d->rej != DISPLAY_REJ_UNKNOWN) {
            char code[20];
            if (obis_format_short(&o->ln, code, sizeof code) >= 0) {
                fmt_str(&f, " (");
                fmt_str(&f, code);
                fmt_char(&f, ')');
            }
        }
    }
    return fmt_end(&f);
}

/* ---- runtime -------------------------------------------------------------- */

void display_init(struct meter *m)
{
    struct display *d = &m->ui.display;
    memset(d, 0, sizeof *d);
    d->mode = LCD_MODE_AUTO;
    d->t_item_ms = meter_ms(m);
    d->dirty = true;
    lcd_clear(&d->lcd);
}

void display_touch(struct meter *m)
{
    m->ui.display.dirty = true;
}

void display_note_link(struct meter *m, unsigned which)
{
    struct display *d = &m->ui.display;
    if (which > 1)
        return;
    d->t_link_ms[which] = meter_ms(m);
    d->links |= (uint8_t)(1u << which);
    d->dirty = true;
}

static unsigned list_len(const struct meter *m, enum display_list_id w)
{
    return m->ui.cfg.n[w];
}

/* The long press: end of the billing period, only with the terminal cover
 * open (the utility's button is behind the seal). */
static void display_long_press(struct meter *m)
{
    if (!(tamper_bits(m) & TAMPER_COVER))
        return;
    const struct obj_def *o = objtab_find_key("end_of_billing");
    if (o != NULL)
        obj_action(m, o, METER_ACC_MANAGER, 1, NULL, METER_SRC_BUTTON);
}

void display_button(struct meter *m, uint32_t hold_ms)
{
    struct display *d = &m->ui.display;
    d->t_press_ms = meter_ms(m);
    d->dirty = true;
    if (hold_ms >= DISPLAY_LONG_PRESS_MS && !meter_mains_lost(m)) {
        display_long_press(m);
        return;
    }
    if (meter_mains_lost(m)) {
        if (d->mode != LCD_MODE_BATTERY) {
            d->mode = LCD_MODE_BATTERY;
            d->pos = 0;
        } else if (list_len(m, DISPLAY_BATTERY) > 0) {
            d->pos = (uint8_t)((d->pos + 1u) % list_len(m, DISPLAY_BATTERY));
        }
        return;
    }
    if (d->mode != LCD_MODE_MANUAL) {
        d->mode = LCD_MODE_MANUAL;
        d->pos = 0;
    } else if (list_len(m, DISPLAY_MANUAL) > 0) {
        d->pos = (uint8_t)((d->pos + 1u) % list_len(m, DISPLAY_MANUAL));
    }
}

/* ---- LCD contents --------------------------------------------------------- */

static void put_2(struct fmt_buf *f, unsigned v, char sep)
{
    fmt_uint(f, v, 2);
    if (sep != '\0')
        fmt_char(f, sep);
}

static void format_value(const struct meter *m, const struct obj_def *o, unsigned period, struct lcd_state *l)
{
    struct obj_value v;
    struct fmt_buf f;
    struct clock_dt dt;
    fmt_init(&f, l->value, sizeof l->value);
    if (obj_read_at(m, o, period, METER_ACC_PUBLIC, &v) < 0) {
        fmt_str(&f, "--------");
        fmt_end(&f);
        return;
    }
    switch (v.type) {
    case OBJ_T_TIME: {
        int64_t s = v.i % 86400;
        put_2(&f, (unsigned)(s / 3600), ':');
        put_2(&f, (unsigned)(s / 60 % 60), ':');
        put_2(&f, (unsigned)(s % 60), '\0');
        break;
    }
    case OBJ_T_DATE:
        clock_split(clock_civil_of(m, v.i, false), &dt);
        put_2(&f, dt.day, '.');
        put_2(&f, dt.mon, '.');
        fmt_uint(&f, (uint64_t)dt.year, 4);
        break;
    case OBJ_T_DATETIME:
        clock_split(clock_civil_of(m, v.i, false), &dt);
        put_2(&f, dt.day, '.');
        put_2(&f, dt.mon, ' ');
        put_2(&f, dt.hour, ':');
        put_2(&f, dt.min, '\0');
        break;
    case OBJ_T_STRING: {
        /* As much of the text as the field holds. */
        for (unsigned k = 0; k < v.len && lcd_positions(l->value) < LCD_VALUE_DIGITS; k++)
            fmt_char(&f, v.s[k]);
        break;
    }
    default: {
        char tmp[32];
        if (obj_format_value(o, &v, tmp, sizeof tmp) < 0) {
            fmt_str(&f, "--------");
            break;
        }
        lcd_fit_number(tmp, LCD_VALUE_DIGITS);
        fmt_str(&f, tmp);
        /* A reading with a unit gets it; counts and texts have none. */
        const char *u = obj_unit_text(o);
        size_t ul = strlen(u);
        if (ul < sizeof l->unit)
            memcpy(l->unit, u, ul + 1);
        break;
    }
    }
    fmt_end(&f);
}

static void set_text(struct lcd_state *l, const char *s)
{
    size_t n = strlen(s);
    if (n > LCD_TEXT_CHARS)
        n = LCD_TEXT_CHARS;
    memcpy(l->text, s, n);
    l->text[n] = '\0';
}

/* The text field tells the most important thing going on. */
static const char *status_text(const struct meter *m, uint8_t mode)
{
    if (neutral_fault(m))
        return "NEUTRAL";
    if (limiter_tripped(m))
        return "LIMIT";
    if (prepay_empty(m))
        return "NO CRED";
    if (prepay_low(m))
        return "LO CRED";
    if (relay_state_of(m) == RELAY_READY)
        return "READY";
    if (tamper_bits(m) & TAMPER_MAGNET)
        return "MAGNET";
    if (mode == LCD_MODE_BATTERY)
        return "BATT";
    return "";
}

static void render(const struct meter *m, struct lcd_state *l)
{
    const struct display *d = &m->ui.display;
    const struct display_cfg *c = &m->ui.cfg;
    uint32_t now = meter_ms(m);
    lcd_clear(l);
    l->mode = d->mode;
    l->item = d->pos;
    if (d->mode == LCD_MODE_OFF)
        return;

    enum display_list_id w = d->mode == LCD_MODE_MANUAL ? DISPLAY_MANUAL
                             : d->mode == LCD_MODE_BATTERY ? DISPLAY_BATTERY
                                                           : DISPLAY_AUTO;
    /* An empty automatic list shows the first manual reading. */
    if (w == DISPLAY_AUTO && c->n[w] == 0)
        w = DISPLAY_MANUAL;
    if (c->n[w] > 0) {
        uint16_t item = c->item[list_off[w] + d->pos % c->n[w]];
        const struct obj_def *o = objtab_at(display_item_row(item));
        if (o != NULL) {
            format_value(m, o, display_item_f(item), l);
            if (item_code(item, l->id, sizeof l->id) < 0)
                l->id[0] = '\0';
        }
    }

    if (!meter_mains_lost(m)) {
        const struct meas_block *b = &m->block;
        for (unsigned p = 0; p < METER_PHASES && p < 3; p++) {
            /* the lines present: above 160 V and not flagged absent (an Aron
             * meter judges a line by the two line voltages it belongs to) */
            if (b->ph[p].u_mv > 160000 && !(b->flags & ((uint32_t)MEAS_F_NO_VOLTAGE_L1 << p)))
                l->u_on |= (uint8_t)(1u << p);
            /* The arrows follow the load above 2.3 W per phase. */
            if (b->ph[p].p_mw > 2300)
                l->i_dir |= (uint8_t)(LCD_DIR_IMPORT << (2u * p));
            else if (b->ph[p].p_mw < -2300)
                l->i_dir |= (uint8_t)(LCD_DIR_EXPORT << (2u * p));
        }
        if (l->u_on == 7u)
            l->seq = (b->flags & MEAS_F_REVERSE_SEQ) ? LCD_SEQ_REVERSED : LCD_SEQ_OK;
        l->quadrant = b->quadrant <= 4 ? b->quadrant : 0;
        l->tariff = (uint8_t)(m->energy.tariff + 1u);
        for (unsigned k = 0; k < 2; k++)
            if ((d->links & (1u << k)) && now - d->t_link_ms[k] < DISPLAY_LINK_MS)
                l->sym |= k == 0 ? LCD_SYM_MODULE : LCD_SYM_RADIO;
    }

    /* The symbol shows where the relay is (an opening may wait for the
     * current to drop below the breaking capacity). */
    if (relay_state_of(m) == RELAY_READY)
        l->disc = LCD_DISC_READY;
    else
        l->disc = relay_is_closed(m) ? LCD_DISC_CLOSED : LCD_DISC_OPEN;
    uint8_t tb = tamper_bits(m);
    if ((m->status & (METER_ST_NVM_CORRUPT | METER_ST_NVM_FAIL | METER_ST_SELFTEST_FAIL |
                      METER_ST_CLOCK_INVALID | METER_ST_RESTORED)) ||
        (tb & (TAMPER_MAGNET | TAMPER_COVER_ALARM | TAMPER_MAGNET_ALARM)))
        l->sym |= LCD_SYM_ERROR;
    if (tb & TAMPER_COVER)
        l->sym |= LCD_SYM_COVER;
    if (m->control.cfg.prepay.enable) {
        l->sym |= LCD_SYM_PREPAY;
        if (prepay_low(m) || prepay_empty(m))
            l->sym |= LCD_SYM_PREPAY_LOW;
    }
    set_text(l, status_text(m, d->mode));
}

void display_poll(struct meter *m)
{
    struct display *d = &m->ui.display;
    uint32_t now = meter_ms(m);
    bool lost = meter_mains_lost(m);

    if (lost && (d->mode == LCD_MODE_AUTO || d->mode == LCD_MODE_MANUAL)) {
        d->mode = LCD_MODE_OFF;
        d->dirty = true;
    } else if (!lost && (d->mode == LCD_MODE_OFF || d->mode == LCD_MODE_BATTERY)) {
        d->mode = LCD_MODE_AUTO;
        d->pos = 0;
        d->t_item_ms = now;
        d->dirty = true;
    }
    switch (d->mode) {
    case LCD_MODE_AUTO:
        if (now - d->t_item_ms >= DISPLAY_SCROLL_MS) {
            unsigned n = list_len(m, DISPLAY_AUTO);
            d->pos = (uint8_t)(n > 0 ? (d->pos + 1u) % n : 0);
            /* Keep the 10 s rhythm unless the loop stalled for long. */
            d->t_item_ms = now - d->t_item_ms < 2 * DISPLAY_SCROLL_MS ? d->t_item_ms + DISPLAY_SCROLL_MS : now;
            d->dirty = true;
        }
        break;
    case LCD_MODE_MANUAL:
        if (now - d->t_press_ms >= DISPLAY_MANUAL_TIMEOUT_MS) {
            d->mode = LCD_MODE_AUTO;
            d->pos = 0;
            d->t_item_ms = now;
            d->dirty = true;
        }
        break;
    case LCD_MODE_BATTERY:
        if (now - d->t_press_ms >= DISPLAY_BATTERY_TIMEOUT_MS) {
            d->mode = LCD_MODE_OFF;
            d->dirty = true;
        }
        break;
    default:
        break;
    }
    /* The module/radio symbol goes out on its own. */
    for (unsigned k = 0; k < 2; k++)
        if ((d->lcd.sym & (k == 0 ? LCD_SYM_MODULE : LCD_SYM_RADIO)) && now - d->t_link_ms[k] >= DISPLAY_LINK_MS)
            d->dirty = true;
    if (!d->dirty)
        return;
    d->dirty = false;
    struct lcd_state l;
    render(m, &l);
    if (memcmp(&l, &d->lcd, sizeof l) != 0) {
        d->lcd = l;
        if (m->hal->lcd_show != NULL)
            m->hal->lcd_show(m->hal->ctx, &d->lcd);
    }
}

const struct lcd_state *display_state(const struct meter *m)
{
    return &m->ui.display.lcd;
}
