#include "eeprom.h"

#include <string.h>

#include "trimeter/err.h"

/* DS12179 Rev 2: 4 Mbit, 512-byte page, byte/page write within 5 ms,
 * 10 MHz at VCC >= 2.5 V, > 4 million cycles (25 degC) per 4-byte ECC
 * group, 1.2 million at 85 degC, > 40 years retention. */
const struct eeprom_part eeprom_m95m04 = {
    .name = "ST M95M04-DR",
    .size = 512u * 1024u,
    .page = 512u,
    .t_write_us = 5000u,
    .spi_hz = 10000000u,
    .endurance = 4000000u,
    .endurance_hot = 1200000u,
    .retention_y = 40u,
    .ecc_word = 4u,
};

/* Instruction + 24-bit address in front of every SPI transfer. */
#define EEPROM_CMD_BYTES 4u

static uint64_t bus_us(const struct eeprom_part *p, size_t len)
{
    return ((uint64_t)(len + EEPROM_CMD_BYTES) * 8u * 1000000u + p->spi_hz - 1u) / p->spi_hz;
}

uint64_t eeprom_program_us(const struct eeprom_part *p, size_t len)
{
    return bus_us(p, len) + p->t_write_us;
}

int eeprom_init(struct eeprom *e, const struct eeprom_part *part, uint8_t *img)
{
    memset(e, 0, sizeof *e);
    if (part == NULL || img == NULL || part->page == 0 || part->size % part->page != 0 ||
        part->size / part->page > EEPROM_MAX_PAGES || part->spi_hz == 0)
        return METER_EINVAL;
    e->part = *part;
    e->img = img;
    e->cut_at = EEPROM_NEVER;
    e->rng = 0x9e3779b9u;
    return METER_OK;
}

static bool in_range(const struct eeprom *e, uint32_t addr, size_t len)
{
    return e->img != NULL && addr <= e->part.size && len <= e->part.size - addr;
}

int eeprom_read(struct eeprom *e, uint32_t addr, void *buf, size_t len)
{
    if (!in_range(e, addr, len))
        return METER_EINVAL;
    if (e->off)
        return METER_EIO;
    memcpy(buf, e->img + addr, len);
    e->reads++;
    e->bytes_read += len;
    e->busy_us += bus_us(&e->part, len);
    return METER_OK;
}

static uint8_t undefined_byte(struct eeprom *e)
{
    /* xorshift32: repeatable garbage for a given seed */
    uint32_t x = e->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    e->rng = x;
    return (uint8_t)(x >> 24);
}

/* Garbage over the ECC words covering [from, to) of the image. */
static void scramble_words(struct eeprom *e, uint32_t from, uint32_t to)
{
    uint32_t w = e->part.ecc_word ? e->part.ecc_word : 1u;
    uint32_t a = from - from % w;
    uint32_t b = to % w ? to + (w - to % w) : to;
    if (b > e->part.size)
        b = e->part.size;
    for (uint32_t i = a; i < b; i++)
        e->img[i] = undefined_byte(e);
}

int eeprom_program(struct eeprom *e, uint32_t addr, const void *buf, size_t len)
{
    if (!in_range(e, addr, len))
        return METER_EINVAL;
    const uint32_t pg = e->part.page;
    if (len > 0 && addr / pg != (addr + (uint32_t)len - 1u) / pg)
        return METER_EINVAL; /* the page buffer wraps; the store must never ask */
    if (e->before_program != NULL)
        e->before_program(e->hook_ctx, e, addr, buf, len);
    if (e->off)
        return METER_EIO;
    if (len == 0)
        return METER_OK;
    uint32_t w = e->part.ecc_word;
    if (w > 1u && (addr % w != 0 || len % w != 0))
        e->partial_words++;
    e->ops++;
    e->wear[addr / pg]++;
    e->busy_us += eeprom_program_us(&e->part, len);
    if (e->cut_at != EEPROM_NEVER && e->bytes_prog + len > e->cut_at) {
        size_t n = (size_t)(e->cut_at - e->bytes_prog);
        e->bytes_prog = e->cut_at;
        e->off = true;
        switch (e->tear) {
        case EEPROM_TEAR_PREFIX:
            memcpy(e->img + addr, buf, n);
            break;
        case EEPROM_TEAR_CYCLE:
            scramble_words(e, addr, addr + (uint32_t)len);
            break;
        case EEPROM_TEAR_WORD:
        default:
            memcpy(e->img + addr, buf, n);
            scramble_words(e, addr + (uint32_t)n, addr + (uint32_t)n + 1u);
            break;
        }
        return METER_EIO;
    }
    memcpy(e->img + addr, buf, len);
    e->bytes_prog += len;
    return METER_OK;
}

void eeprom_cut_after(struct eeprom *e, uint64_t bytes, enum eeprom_tear tear, uint32_t seed)
{
    e->cut_at = bytes == EEPROM_NEVER ? EEPROM_NEVER : e->bytes_prog + bytes;
    e->tear = tear;
    e->rng = seed ? seed : 0x9e3779b9u;
}

void eeprom_power_on(struct eeprom *e)
{
    e->off = false;
    e->cut_at = EEPROM_NEVER;
}

void eeprom_flip(struct eeprom *e, uint32_t addr, uint8_t mask)
{
    if (e->img != NULL && addr < e->part.size)
        e->img[addr] ^= mask;
}

uint32_t eeprom_max_wear(const struct eeprom *e, uint32_t *page)
{
    uint32_t best = 0, at = 0, n = e->part.page ? e->part.size / e->part.page : 0;
    for (uint32_t i = 0; i < n; i++)
        if (e->wear[i] > best) {
            best = e->wear[i];
            at = i;
        }
    if (page != NULL)
        *page = at;
    return best;
}
