/*
 * eeprom.h — model of the meter's serial EEPROM (ST M95M04-DR, 4 Mbit SPI;
 * figures in docs/STORE.md) behind the host HAL's nvm_read/nvm_program.
 *
 * It works on an image the caller owns (the simulator mmaps its --state
 * file, tests pass a heap buffer) and adds what the real part does and a
 * RAM buffer does not: program operations confined to one page, a write
 * cycle count per page, page-write and SPI time, and the faults the store
 * must survive: power cut after any byte of a program operation (the bytes
 * before the cut programmed, the ECC word being programmed undefined, the
 * rest old — or every word of the operation undefined when the cut hits the
 * internal write cycle), and flipped bits. It knows nothing about the store.
 */
#ifndef TRIMETER_EEPROM_H
#define TRIMETER_EEPROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Datasheet figures of a part. */
struct eeprom_part {
    const char *name;
    uint32_t size;          /* bytes */
    uint32_t page;          /* page-write buffer, bytes (operations never cross it) */
    uint32_t t_write_us;    /* max byte/page write cycle time */
    uint32_t spi_hz;        /* max SPI clock used for bus-time accounting */
    uint32_t endurance;     /* write cycles at 25 degC */
    uint32_t endurance_hot; /* write cycles at 85 degC */
    uint32_t retention_y;   /* data retention, years */
    uint8_t ecc_word;       /* bytes per internal ECC word; writing a byte cycles its word */
};

/* ST M95M04-DR: 512 KiB, 512-byte pages, 5 ms, 10 MHz, 4 M / 1.2 M cycles, 40 years. */
extern const struct eeprom_part eeprom_m95m04;

/* Largest page count whose wear the model keeps (4 Mbit / 256 B pages). */
#define EEPROM_MAX_PAGES 2048u
#define EEPROM_NEVER UINT64_MAX

/* What a program operation cut by power loss leaves behind. */
enum eeprom_tear {
    EEPROM_TEAR_WORD = 0, /* bytes before the cut new, the cut byte's ECC word undefined, rest old */
    EEPROM_TEAR_PREFIX,   /* bytes before the cut new, the rest old */
    EEPROM_TEAR_CYCLE     /* power lost in the internal write cycle: every touched word undefined */
};

struct eeprom {
    struct eeprom_part part;   /* geometry in use (tests may shrink the part) */
    uint8_t *img;              /* part.size bytes, owned by the caller */
    uint32_t wear[EEPROM_MAX_PAGES]; /* program operations per page */
    uint64_t ops;              /* program operations */
    uint64_t bytes_prog;       /* bytes programmed */
    uint64_t reads, bytes_read;
    uint64_t busy_us;          /* device time: SPI transfers + write cycles */
    uint64_t partial_words;    /* operations that covered an ECC word only partly */
    /* power-cut injection: when bytes_prog would pass cut_at, the operation
     * is torn there and the part is off until eeprom_power_on() */
    uint64_t cut_at;
    enum eeprom_tear tear;
    uint32_t rng;              /* source of the undefined bytes */
    bool off;
    /* called before every program operation (tests raise the supply
     * monitor's warning or fork a torn copy of the image here); may arm a cut */
    void (*before_program)(void *ctx, struct eeprom *e, uint32_t addr, const void *buf, size_t len);
    void *hook_ctx;
};

/* Attach the model to img (part->size bytes). Counters start at zero. */
int eeprom_init(struct eeprom *e, const struct eeprom_part *part, uint8_t *img);

/* HAL semantics: 0 or a negative meter_err (METER_EIO once power is off). */
int eeprom_read(struct eeprom *e, uint32_t addr, void *buf, size_t len);
int eeprom_program(struct eeprom *e, uint32_t addr, const void *buf, size_t len);

/* Arm a power cut after `bytes` more programmed bytes (0: the next
 * operation programs nothing); seed makes the undefined bytes repeatable. */
void eeprom_cut_after(struct eeprom *e, uint64_t bytes, enum eeprom_tear tear, uint32_t seed);
/* Power back: disarm the cut, accept operations again. */
void eeprom_power_on(struct eeprom *e);
/* Flip the bits of mask at addr (retention loss, radiation). */
void eeprom_flip(struct eeprom *e, uint32_t addr, uint8_t mask);

/* Most program operations any page has seen, and which page. */
uint32_t eeprom_max_wear(const struct eeprom *e, uint32_t *page);
/* Microseconds one program operation of len bytes takes (bus + cycle). */
uint64_t eeprom_program_us(const struct eeprom_part *p, size_t len);

#endif
