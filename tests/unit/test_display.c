/* Display lists (rules, object-table configuration) and the display's
 * behaviour: automatic scroll, manual list, battery list, symbols. */
#include "ui_rig.h"

#include "ui/display.h"

static const struct lcd_state *lcd(struct rig *r)
{
    return display_state(&r->v.m);
}

/* The manual list that holds every legal register, then extra readings. */
static void legal_list(char *buf, size_t n, const char *skip, const char *extra)
{
    buf[0] = '\0';
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *o = objtab_at(i);
        char code[20];
        if (!display_row_mandatory(o))
            continue;
        obis_format_short(&o->ln, code, sizeof code);
        if (skip != NULL && strcmp(code, skip) == 0)
            continue;
        if (buf[0] != '\0')
            strncat(buf, ",", n - strlen(buf) - 1);
        strncat(buf, code, n - strlen(buf) - 1);
    }
    if (extra != NULL) {
        strncat(buf, ",", n - strlen(buf) - 1);
        strncat(buf, extra, n - strlen(buf) - 1);
    }
}

static void reject_text(struct rig *r, char *buf, size_t n)
{
    assert_true(display_reject_text(&r->v.m, buf, n) >= 0);
}

/* ---- rules ------------------------------------------------------------------ */

static void factory_lists_obey_the_rules(void **state)
{
    (void)state;
    struct display_cfg c;
    struct display_verdict v;
    display_cfg_default(&c);
    for (unsigned w = 0; w < DISPLAY_LISTS; w++) {
        assert_true(c.n[w] > 0);
        assert_true(c.n[w] <= display_list_max((enum display_list_id)w));
        assert_int_equal(display_list_check((enum display_list_id)w, display_list_items(&c, (enum display_list_id)w),
                                            c.n[w], &v),
                         METER_OK);
    }
    /* The legal registers are in the manual list; 1.8.0 comes first. */
    const uint16_t *man = display_list_items(&c, DISPLAY_MANUAL);
    assert_ptr_equal(objtab_at(display_item_row(man[0])), objtab_find_str("1.8.0"));
    assert_int_equal(display_list_max(DISPLAY_AUTO), 16);
    assert_int_equal(display_list_max(DISPLAY_MANUAL), 30);
    assert_int_equal(display_list_max(DISPLAY_BATTERY), 8);
}

static void legal_registers_are_the_energy_registers(void **state)
{
    (void)state;
    assert_true(display_row_mandatory(objtab_find_str("1.8.0")));
    assert_true(display_row_mandatory(objtab_find_str("2.8.0")));
    assert_true(display_row_mandatory(objtab_find_str("1.8.1")));
    assert_false(display_row_mandatory(objtab_find_str("1.7.0")));
    assert_false(display_row_mandatory(objtab_find_str("0.9.1")));
    /* A parameter is not a reading; a historic value not in the auto list;
     * an instantaneous value not in the battery list. */
    assert_int_equal(display_row_allowed(objtab_find_key("prepay_enable"), 0, DISPLAY_MANUAL), DISPLAY_REJ_NOT_SHOWN);
    assert_int_equal(display_row_allowed(objtab_find_str("1.8.0"), 1, DISPLAY_AUTO), DISPLAY_REJ_HISTORIC);
    assert_int_equal(display_row_allowed(objtab_find_str("1.8.0"), 1, DISPLAY_MANUAL), DISPLAY_REJ_NONE);
    assert_int_equal(display_row_allowed(objtab_find_str("1.7.0"), 0, DISPLAY_BATTERY), DISPLAY_REJ_INSTANT);
    assert_int_equal(display_row_allowed(objtab_find_str("1.7.0"), 0, DISPLAY_AUTO), DISPLAY_REJ_NONE);
    /* Billing periods exist only for billed rows. */
    assert_int_equal(display_row_allowed(objtab_find_str("1.7.0"), 1, DISPLAY_MANUAL), DISPLAY_REJ_UNKNOWN);
}

static void lists_set_and_read_back(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    char buf[300];
    assert_int_equal(rig_set_text(r, "display_auto", "2.8.0, 1.8.0 ,1.7.0"), METER_OK);
    assert_int_equal(display_list_get(&r->v.m, DISPLAY_AUTO, buf, sizeof buf), 17);
    assert_string_equal(buf, "2.8.0,1.8.0,1.7.0");
    /* Through the object table as every protocol reads it. */
    struct obj_value v;
    assert_int_equal(obj_read(&r->v.m, objtab_find_key("display_auto"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.type, OBJ_T_STRING);
    assert_int_equal(v.len, 17);
    assert_memory_equal(v.s, "2.8.0,1.8.0,1.7.0", 17);
    /* Manual: any order, historic values, the legal ones all there. */
    legal_list(buf, sizeof buf, NULL, "1.8.0*1,0.9.1");
    assert_int_equal(rig_set_text(r, "display_manual", buf), METER_OK);
    char back[300];
    display_list_get(&r->v.m, DISPLAY_MANUAL, back, sizeof back);
    assert_string_equal(back, buf);
    /* Battery: empty is allowed (no battery display). */
    assert_int_equal(rig_set_text(r, "display_battery", ""), METER_OK);
    assert_int_equal(display_list_get(&r->v.m, DISPLAY_BATTERY, back, sizeof back), 0);
    reject_text(r, buf, sizeof buf);
    assert_string_equal(buf, "");
    rig_free(r);
}

/* Every refusal keeps the old list and says why. */
static void refuse(struct rig *r, const char *key, const char *text, int err, const char *why)
{
    char before[300], after[300], reason[200];
    enum display_list_id w = strcmp(key, "display_auto") == 0     ? DISPLAY_AUTO
                             : strcmp(key, "display_manual") == 0 ? DISPLAY_MANUAL
                                                                  : DISPLAY_BATTERY;
    display_list_get(&r->v.m, w, before, sizeof before);
    assert_int_equal(rig_set_text(r, key, text), err);
    display_list_get(&r->v.m, w, after, sizeof after);
    assert_string_equal(before, after);
    reject_text(r, reason, sizeof reason);
    assert_string_equal(reason, why);
    /* The reason is an object too. */
    struct obj_value v;
    assert_int_equal(obj_read(&r->v.m, objtab_find_str("96.130.53"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.len, strlen(why));
    assert_memory_equal(v.s, why, v.len);
}

static void invalid_lists_are_refused_with_a_reason(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    char buf[400];
    refuse(r, "display_auto", "1.8.0,9.9.9", METER_ENOENT, "display_auto item 2: unknown OBIS code");
    refuse(r, "display_auto", "1.8.0,,2.8.0", METER_EINVAL, "display_auto item 2: not an OBIS code");
    refuse(r, "display_auto", "1.8.0;2.8.0", METER_EINVAL, "display_auto item 1: not an OBIS code");
    refuse(r, "display_auto", "1.8.0*1", METER_EINVAL,
           "display_auto item 1: historic value not allowed in the automatic list (1.8.0)");
    refuse(r, "display_battery", "1.8.0,1.7.0", METER_EINVAL,
           "display_battery item 2: instantaneous value not allowed in the battery list (1.7.0)");
    refuse(r, "display_auto", "1.8.0,2.8.0,1.8.0", METER_EINVAL, "display_auto item 3: reading listed twice (1.8.0)");
    refuse(r, "display_auto", "1.8.0,96.130.31", METER_EINVAL,
           "display_auto item 2: not a public reading (96.130.31)");
    /* 17 readings in the automatic list, 9 in the battery list. */
    refuse(r, "display_auto",
           "1.8.0,2.8.0,3.8.0,4.8.0,1.8.1,1.8.2,1.8.3,1.8.4,3.8.1,3.8.2,3.8.3,3.8.4,1.7.0,2.7.0,3.7.0,4.7.0,0.9.1",
           METER_ENOSPC, "display_auto item 17: too many readings");
    refuse(r, "display_battery", "1.8.0,2.8.0,3.8.0,4.8.0,1.8.1,1.8.2,1.8.3,1.8.4,0.9.1", METER_ENOSPC,
           "display_battery item 9: too many readings");
    /* 16 are fine. */
    assert_int_equal(rig_set_text(r, "display_auto",
                                  "1.8.0,2.8.0,3.8.0,4.8.0,1.8.1,1.8.2,1.8.3,1.8.4,3.8.1,3.8.2,3.8.3,3.8.4,1.7.0,"
                                  "2.7.0,3.7.0,4.7.0"),
                     METER_OK);
    /* Manual: a legal register cannot be left out; 31 readings are too many. */
    legal_list(buf, sizeof buf, "2.8.0", NULL);
    refuse(r, "display_manual", buf, METER_EACCES, "display_manual: legal register cannot be removed (2.8.0)");
    legal_list(buf, sizeof buf, NULL,
               "1.7.0,2.7.0,3.7.0,4.7.0,0.9.1,0.9.2,32.7.0,52.7.0,72.7.0,31.7.0,51.7.0,71.7.0,14.7.0,13.7.0,"
               "21.7.0,41.7.0,61.7.0,22.7.0,42.7.0");
    refuse(r, "display_manual", buf, METER_ENOSPC, "display_manual item 31: too many readings");
    /* Not a text at all. */
    assert_int_equal(rig_set_num(r, "display_auto", 5), METER_EINVAL);
    /* A refused write is audited as refused: no parameter-change event. */
    rig_free(r);
}

/* ---- behaviour ------------------------------------------------------------- */

static void automatic_list_scrolls_every_10_s(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 0);
    assert_int_equal(rig_set_text(r, "display_auto", "1.8.0,2.8.0,0.9.1"), METER_OK);
    rig_run(r, &b, 1);
    assert_int_equal(lcd(r)->mode, LCD_MODE_AUTO);
    assert_string_equal(lcd(r)->id, "1.8.0");
    static const char *const want[] = {"1.8.0", "2.8.0", "0.9.1", "1.8.0", "2.8.0"};
    for (unsigned k = 0; k < 5; k++) {
        /* Seconds 1..9 of each reading keep it. */
        assert_string_equal(lcd(r)->id, want[k]);
        rig_run(r, &b, 9 - (k == 0 ? 1 : 0));
        assert_string_equal(lcd(r)->id, want[k]);
        rig_run(r, &b, 1);
    }
    /* Time of day as hh:mm:ss, no unit. */
    assert_string_equal(lcd(r)->id, "0.9.1");
    assert_int_equal(strlen(lcd(r)->value), 8);
    assert_int_equal(lcd(r)->value[2], ':');
    assert_string_equal(lcd(r)->unit, "");
    /* The value is the register as the public reads it, with its unit. */
    rig_run(r, &b, 10);
    assert_string_equal(lcd(r)->id, "1.8.0");
    assert_string_equal(lcd(r)->value, "0.00");
    assert_string_equal(lcd(r)->unit, "kWh");
    rig_free(r);
}

static void manual_list_by_button_and_back_after_2_min(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 0);
    char man[300];
    legal_list(man, sizeof man, NULL, "0.9.2");
    assert_int_equal(rig_set_text(r, "display_manual", man), METER_OK);
    rig_run(r, &b, 3);
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_int_equal(lcd(r)->mode, LCD_MODE_MANUAL);
    assert_int_equal(lcd(r)->item, 0);
    assert_string_equal(lcd(r)->id, "1.8.0");
    /* The manual list in its order, wrapping around. */
    unsigned n = r->v.m.ui.cfg.n[DISPLAY_MANUAL];
    for (unsigned k = 1; k < n; k++) {
        meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
        assert_int_equal(lcd(r)->item, k);
    }
    assert_string_equal(lcd(r)->id, "0.9.2");
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_int_equal(lcd(r)->item, 0);
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_int_equal(lcd(r)->item, 1);
    /* No scrolling in manual; still there 119 s after the last press ... */
    rig_run(r, &b, 119);
    assert_int_equal(lcd(r)->mode, LCD_MODE_MANUAL);
    assert_int_equal(lcd(r)->item, 1);
    /* ... a press restarts the 2 minutes ... */
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    rig_run(r, &b, 119);
    assert_int_equal(lcd(r)->mode, LCD_MODE_MANUAL);
    assert_int_equal(lcd(r)->item, 2);
    /* ... and 2 minutes after the last press: automatic, first reading. */
    rig_run(r, &b, 1);
    assert_int_equal(lcd(r)->mode, LCD_MODE_AUTO);
    assert_int_equal(lcd(r)->item, 0);
    rig_free(r);
}

static void battery_list_without_mains(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block mains = rig_block(230, 1), none = rig_block(0, 0);
    assert_int_equal(rig_set_text(r, "display_battery", "1.8.0,2.8.0,0.9.2"), METER_OK);
    rig_run(r, &mains, 30);
    rig_run(r, &none, 1);
    /* Without mains the display is blank until a press. */
    assert_int_equal(lcd(r)->mode, LCD_MODE_OFF);
    assert_string_equal(lcd(r)->value, "");
    assert_string_equal(lcd(r)->id, "");
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_int_equal(lcd(r)->mode, LCD_MODE_BATTERY);
    assert_string_equal(lcd(r)->id, "1.8.0");
    assert_string_equal(lcd(r)->text, "BATT");
    assert_false(rig_has_symbol(lcd(r), "L1")); /* nothing measured */
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_string_equal(lcd(r)->id, "2.8.0");
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_string_equal(lcd(r)->id, "0.9.2");
    assert_int_equal(lcd(r)->value[2], '.'); /* dd.mm.yyyy */
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_string_equal(lcd(r)->id, "1.8.0");
    /* Blank again 30 s after the last press (the battery lasts). */
    rig_idle_ms(r, 29000);
    assert_int_equal(lcd(r)->mode, LCD_MODE_BATTERY);
    rig_idle_ms(r, 1000);
    assert_int_equal(lcd(r)->mode, LCD_MODE_OFF);
    /* The supply monitor's warning counts as no mains as well. */
    rig_run(r, &mains, 2);
    assert_int_equal(lcd(r)->mode, LCD_MODE_AUTO);
    meter_power_fail(&r->v.m);
    meter_poll(&r->v.m);
    assert_int_equal(lcd(r)->mode, LCD_MODE_OFF);
    rig_free(r);
}

static void symbols_follow_the_measurement(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 5);
    rig_run(r, &b, 2);
    const struct lcd_state *l = lcd(r);
    assert_int_equal(l->u_on, 7);
    assert_true(rig_has_symbol(l, "L1") && rig_has_symbol(l, "L2") && rig_has_symbol(l, "L3"));
    assert_true(rig_has_symbol(l, "IMP1") && rig_has_symbol(l, "IMP2") && rig_has_symbol(l, "IMP3"));
    assert_true(rig_has_symbol(l, "Q1"));
    assert_int_equal(l->seq, LCD_SEQ_OK);
    assert_true(rig_has_symbol(l, "DISC_CLOSED"));
    assert_true(l->tariff >= 1 && l->tariff <= 4);
    assert_false(rig_has_symbol(l, "ERROR"));
    /* 160 V is the presence limit; 2.3 W the arrow limit. */
    b = rig_block3(230, 0.011, 0.009, -0.011); /* 2.53 W, 2.07 W, -2.53 W */
    b.ph[1].u_mv = 160000;
    b.ph[2].u_mv = 161000;
    rig_run(r, &b, 1);
    assert_int_equal(l->u_on, 5);
    assert_int_equal(lcd_dir_of(l, 0), LCD_DIR_IMPORT);
    assert_int_equal(lcd_dir_of(l, 1), LCD_DIR_NONE);
    assert_int_equal(lcd_dir_of(l, 2), LCD_DIR_EXPORT);
    assert_int_equal(l->seq, LCD_SEQ_NONE); /* not all phases there */
    b = rig_block(230, 1);
    b.flags |= MEAS_F_REVERSE_SEQ;
    rig_run(r, &b, 1);
    assert_true(rig_has_symbol(l, "SEQ_REV"));
    /* The module symbol is lit for a minute after traffic. */
    display_note_link(&r->v.m, 0);
    meter_poll(&r->v.m);
    assert_true(rig_has_symbol(l, "MODULE"));
    assert_false(rig_has_symbol(l, "RADIO"));
    rig_run(r, &b, 59);
    assert_true(rig_has_symbol(l, "MODULE"));
    rig_run(r, &b, 1);
    assert_false(rig_has_symbol(l, "MODULE"));
    rig_free(r);
}

static void lcd_shown_only_on_change(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 0);
    rig_run(r, &b, 1);
    assert_true(r->lcd_calls > 0);
    assert_memory_equal(&r->lcd, lcd(r), sizeof r->lcd);
    unsigned calls = r->lcd_calls;
    rig_run(r, &b, 7); /* no load: 1.8.0 does not change within its 10 s */
    assert_int_equal(r->lcd_calls, calls);
    rig_run(r, &b, 2);
    assert_int_equal(r->lcd_calls, calls + 1); /* the next reading */
    assert_string_equal(r->lcd.id, "2.8.0");
    rig_free(r);
}

static void long_press_ends_billing_only_with_cover_open(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 2);
    int64_t periods = rig_read(r, "0.1.0");
    meter_button(&r->v.m, METER_BTN_DISPLAY, 3000);
    assert_int_equal(rig_read(r, "0.1.0"), periods);
    r->v.hw.inputs |= METER_IN_COVER_OPEN;
    rig_run(r, &b, 1);
    meter_button(&r->v.m, METER_BTN_DISPLAY, 3000);
    assert_int_equal(rig_read(r, "0.1.0"), periods + 1);
    /* A long press is no step through the list. */
    assert_int_equal(lcd(r)->mode, LCD_MODE_AUTO);
    rig_free(r);
}

static void lists_survive_an_outage_display_restarts_automatic(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    char man[300];
    legal_list(man, sizeof man, NULL, "0.9.1,0.9.2");
    assert_int_equal(rig_set_text(r, "display_auto", "2.8.0,1.8.0"), METER_OK);
    assert_int_equal(rig_set_text(r, "display_manual", man), METER_OK);
    rig_run(r, &b, 5);
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    meter_button(&r->v.m, METER_BTN_DISPLAY, 200);
    assert_int_equal(lcd(r)->mode, LCD_MODE_MANUAL);
    rig_outage(r, 3600);
    rig_run(r, &b, 1);
    char back[300];
    display_list_get(&r->v.m, DISPLAY_AUTO, back, sizeof back);
    assert_string_equal(back, "2.8.0,1.8.0");
    display_list_get(&r->v.m, DISPLAY_MANUAL, back, sizeof back);
    assert_string_equal(back, man);
    assert_int_equal(lcd(r)->mode, LCD_MODE_AUTO);
    assert_string_equal(lcd(r)->id, "2.8.0");
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(factory_lists_obey_the_rules),
        cmocka_unit_test(legal_registers_are_the_energy_registers),
        cmocka_unit_test(lists_set_and_read_back),
        cmocka_unit_test(invalid_lists_are_refused_with_a_reason),
        cmocka_unit_test(automatic_list_scrolls_every_10_s),
        cmocka_unit_test(manual_list_by_button_and_back_after_2_min),
        cmocka_unit_test(battery_list_without_mains),
        cmocka_unit_test(symbols_follow_the_measurement),
        cmocka_unit_test(lcd_shown_only_on_change),
        cmocka_unit_test(long_press_ends_billing_only_with_cover_open),
        cmocka_unit_test(lists_survive_an_outage_display_restarts_automatic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
