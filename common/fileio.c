/*
 * fileio.c: atomic file replacement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

void np_file_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    if (!slash)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* best effort: the data itself is already synced */
        close(fd);
    }
    free(dir);
}

static int write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len) {
        n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int np_file_write_atomic(const char *path, const char *data, size_t len,
                         mode_t mode, struct np_err *err)
{
    char *tmp = NULL;
    struct stat st;
    int fd = -1, rc;

    if (mode == NP_FILE_KEEP_MODE)
        mode = stat(path, &st) ? 0644 : (st.st_mode & 07777);
    if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0) {
        tmp = NULL;
        rc = -ENOMEM;
        goto out;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (fchmod(fd, mode)) {
        rc = -errno;
        goto out;
    }
    rc = write_all(fd, data, len);
    if (rc)
        goto out;
    if (fsync(fd)) {
        rc = -errno;
        goto out;
    }
    rc = close(fd) ? -errno : 0;
    fd = -1;
    if (rc)
        goto out;
    if (rename(tmp, path)) {
        rc = -errno;
        goto out;
    }
    free(tmp);
    tmp = NULL;
    np_file_sync_dir(path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (rc)
        np_err_set(err, rc, "cannot write '%s': %s", path, strerror(-rc));
    return rc;
}

int np_file_read_all(const char *path, size_t max, char **buf_out,
                     size_t *len_out, struct np_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap;
    int fd, rc = 0;

    *buf_out = NULL;
    *len_out = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return np_err_set(err, -errno, "cannot open '%s': %s", path,
                          strerror(errno));
    if (fstat(fd, &st)) {
        rc = np_err_set(err, -errno, "cannot read '%s': %s", path,
                        strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = np_err_set(err, -EISDIR, "cannot read '%s': %s", path,
                        strerror(EISDIR));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = np_err_set(err, -EINVAL, "cannot read '%s': not a regular file",
                        path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = np_err_set(err, -EFBIG, "cannot read '%s': larger than %zu bytes",
                        path, max);
        goto out;
    }
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n;

        if (len + 1 >= cap) {
            char *nb;

            if (cap > max) {
                rc = np_err_set(err, -EFBIG,
                                "cannot read '%s': larger than %zu bytes", path,
                                max);
                goto out;
            }
            cap = cap * 2 > max + 1 ? max + 2 : cap * 2;
            nb = realloc(buf, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = np_err_set(err, -errno, "cannot read '%s': %s", path,
                            strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max) {
        rc = np_err_set(err, -EFBIG, "cannot read '%s': larger than %zu bytes",
                        path, max);
        goto out;
    }
    buf[len] = '\0';
    *buf_out = buf;
    *len_out = len;
    buf = NULL;
out:
    close(fd);
    free(buf);
    return rc;
}
