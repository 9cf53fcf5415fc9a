/*
 * fileio.c: atomic file replacement.
 */
#include <errno.h>
#include <fcntl.h>
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
