/*
 * state_file.h — the virtual meter's EEPROM as a file (`--state FILE`).
 *
 * The file IS the EEPROM: it is mapped MAP_SHARED, so every program
 * operation of the store reaches the file as it happens and killing the
 * simulator models a power cut. A missing file is created erased (0xFF) at
 * the EEPROM's size, atomically (a half-created file never appears); a file
 * of another size is refused. The file is locked while a simulator uses it.
 */
#ifndef TRIMETER_STATE_FILE_H
#define TRIMETER_STATE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state_file {
    int fd;
    uint8_t *mem;
    size_t size;
    bool created; /* the file did not exist before this run */
};

/* Check a path before anything is touched. Returns 0 when it can be used
 * (present with the right size, or absent in an existing directory; with
 * make_dirs the directory may be missing too), -1 with one line in err. */
int state_file_check(const char *path, size_t size, bool make_dirs, char *err, size_t n);

/* Map the file, creating it (and with make_dirs its directories) when
 * missing. Returns 0 or -1 with one line in err. */
int state_file_open(struct state_file *sf, const char *path, size_t size, bool make_dirs, char *err, size_t n);

/* Flush and unmap. */
void state_file_close(struct state_file *sf);

/* $XDG_STATE_HOME/trimeter/meter.eeprom (default ~/.local/state/...).
 * Returns buf, or NULL when neither variable gives a place. */
const char *state_file_default_path(char *buf, size_t n);

#endif
