/* Placeholder store: accepts everything, keeps nothing (see store.h). */
#include "store/store.h"

#include <string.h>

#include "trimeter/err.h"

int store_mount(struct store *s, const struct meter_hal *hal, const struct store_layout *layout)
{
    memset(s, 0, sizeof *s);
    s->hal = hal;
    s->layout = *layout;
    s->flags = STORE_F_MOUNTED;
    return METER_OK;
}

int store_legal_write(struct store *s, const void *data)
{
    (void)s;
    (void)data;
    return METER_OK;
}

int store_legal_read(struct store *s, void *data)
{
    (void)s;
    (void)data;
    return METER_ENOENT;
}

int store_config_write(struct store *s, const void *data)
{
    (void)s;
    (void)data;
    return METER_OK;
}

int store_config_read(struct store *s, void *data)
{
    (void)s;
    (void)data;
    return METER_ENOENT;
}

int store_log_append(struct store *s, unsigned log, const void *rec)
{
    (void)rec;
    return log < s->layout.nlogs ? METER_OK : METER_EINVAL;
}

uint32_t store_log_count(const struct store *s, unsigned log)
{
    (void)s;
    (void)log;
    return 0;
}

int store_log_read(const struct store *s, unsigned log, uint32_t i, void *rec)
{
    (void)s;
    (void)log;
    (void)i;
    (void)rec;
    return METER_ENOENT;
}

int store_log_clear(struct store *s, unsigned log)
{
    return log < s->layout.nlogs ? METER_OK : METER_EINVAL;
}
