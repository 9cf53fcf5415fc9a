/*
 * rootfs.c: files of a Linux host read relative to its root directory
 * (see rootfs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "rootfs.h"

int np_rootfs_read(int rootfd, const char *rel, char **text_out,
                   size_t *len_out)
{
    char *buf = NULL, *grown;
    size_t len = 0, cap = 0;
    ssize_t got;
    int fd, rc;

    *text_out = NULL;
    fd = openat(rootfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    for (;;) {
        if (cap - len < 2) {
            cap = cap ? 2 * cap : 4096;
            grown = realloc(buf, cap);
            if (!grown) {
                rc = -ENOMEM;
                goto out;
            }
            buf = grown;
        }
        got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            goto out;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > NP_ROOTFS_MAX_FILE) {
            rc = -EFBIG;
            goto out;
        }
    }
    if (!buf) {
        buf = malloc(1);
        if (!buf) {
            rc = -ENOMEM;
            goto out;
        }
    }
    buf[len] = '\0';
    *text_out = buf;
    if (len_out)
        *len_out = len;
    buf = NULL;
    rc = 0;
out:
    close(fd);
    free(buf);
    return rc;
}
