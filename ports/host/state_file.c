/*
 * state_file.c — the EEPROM image file, mapped shared (see state_file.h).
 */
#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void dir_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == NULL)
        snprintf(out, n, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

int state_file_check(const char *path, size_t size, bool make_dirs, char *err, size_t n)
{
    struct stat st;
    if (path[0] == '\0') {
        snprintf(err, n, "command line: --state: empty file name");
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, n, "%s: not a regular file", path);
            return -1;
        }
        if ((size_t)st.st_size != size) {
            snprintf(err, n, "%s: wrong size for an EEPROM image: %lld bytes, expected %zu", path,
                     (long long)st.st_size, size);
            return -1;
        }
        if (access(path, R_OK | W_OK) != 0) {
            snprintf(err, n, "%s: not readable and writable: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (make_dirs)
        return 0;
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, n, "%s: directory %s does not exist", path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, n, "%s: cannot create the file in %s: %s", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int mkdirs(const char *dir)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* Create an erased image under a temporary name and move it in place, so
 * the path only ever holds a whole image. */
static int create_erased(const char *path, size_t size, char *err, size_t n)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp) {
        snprintf(err, n, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, n, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    uint8_t page[4096];
    memset(page, 0xff, sizeof page);
    for (size_t done = 0; done < size;) {
        size_t k = size - done < sizeof page ? size - done : sizeof page;
        ssize_t w = write(fd, page, k);
        if (w <= 0) {
            snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* link() does not replace a file another simulator created meanwhile */
    if (link(tmp, path) != 0 && errno != EEXIST) {
        snprintf(err, n, "%s: cannot create: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    unlink(tmp);
    return 0;
}

int state_file_open(struct state_file *sf, const char *path, size_t size, bool make_dirs, char *err, size_t n)
{
    memset(sf, 0, sizeof *sf);
    sf->fd = -1;
    if (make_dirs) {
        char dir[PATH_MAX];
        dir_of(path, dir, sizeof dir);
        if (mkdirs(dir) != 0) {
            snprintf(err, n, "%s: cannot create directory %s: %s", path, dir, strerror(errno));
            return -1;
        }
    }
    if (access(path, F_OK) != 0) {
        if (create_erased(path, size, err, n) != 0)
            return -1;
        sf->created = true;
    }
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, n, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, n, "%s: in use by another simulator", path);
        close(fd);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size != size) {
        snprintf(err, n, "%s: wrong size for an EEPROM image (expected %zu bytes)", path, size);
        close(fd);
        return -1;
    }
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) {
        snprintf(err, n, "%s: cannot map: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    sf->fd = fd;
    sf->mem = mem;
    sf->size = size;
    return 0;
}

void state_file_close(struct state_file *sf)
{
    if (sf->mem != NULL) {
        msync(sf->mem, sf->size, MS_SYNC);
        munmap(sf->mem, sf->size);
    }
    if (sf->fd >= 0)
        close(sf->fd); /* releases the lock */
    sf->mem = NULL;
    sf->fd = -1;
}

const char *state_file_default_path(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int w;
    if (xdg != NULL && xdg[0] == '/')
        w = snprintf(buf, n, "%s/trimeter/meter.eeprom", xdg);
    else if (home != NULL && home[0] != '\0')
        w = snprintf(buf, n, "%s/.local/state/trimeter/meter.eeprom", home);
    else
        return NULL;
    return w > 0 && (size_t)w < n ? buf : NULL;
}
