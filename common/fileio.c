/*
 * fileio.c: atomic file replacement.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
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

int np_file_write_fd(int fd, const char *buf, size_t len)
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

int np_file_mktemp(const char *base, const char *tag, char **tmp_out)
{
    char *tmp;
    int fd, rc;

    *tmp_out = NULL;
    if (asprintf(&tmp, "%s%s%ld.XXXXXX", base, tag, (long)getpid()) < 0)
        return -ENOMEM;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        free(tmp);
        return rc;
    }
    *tmp_out = tmp;
    return fd;
}

/* The directory and the base name of path (malloc'd). */
static int split_path(const char *path, char **dir_out, const char **base_out)
{
    const char *slash = strrchr(path, '/');

    *base_out = slash ? slash + 1 : path;
    if (!slash)
        *dir_out = strdup(".");
    else if (slash == path)
        *dir_out = strdup("/");
    else
        *dir_out = strndup(path, (size_t)(slash - path));
    return *dir_out ? 0 : -ENOMEM;
}

/*
 * Remove the temporary files of writers of path that died before their
 * rename (BASE.np-tmp.PID.XXXXXX whose PID is gone): only ours, by name,
 * and only regular files.
 */
static void remove_stale_temps(const char *path)
{
    const char *base;
    char *dir = NULL, prefix[NAME_MAX + 16];
    struct dirent *de;
    DIR *d;

    if (split_path(path, &dir, &base))
        return;
    snprintf(prefix, sizeof(prefix), "%s" NP_FILE_TMP_TAG, base);
    d = opendir(dir);
    free(dir);
    if (!d)
        return;
    while ((de = readdir(d))) {
        struct stat st;
        char *end;
        long pid;

        if (strncmp(de->d_name, prefix, strlen(prefix)))
            continue;
        pid = strtol(de->d_name + strlen(prefix), &end, 10);
        if (pid <= 0 || *end != '.')
            continue;
        if (!kill((pid_t)pid, 0) || errno != ESRCH)
            continue; /* its writer may still be at work */
        if (!fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
            S_ISREG(st.st_mode))
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

int np_file_write_atomic(const char *path, const char *data, size_t len,
                         mode_t mode, struct np_err *err)
{
    char *tmp = NULL;
    struct stat st;
    bool exists;
    int fd = -1, rc;

    /* only numapin's own files are replaced: a regular file (or none),
     * never through a symlink, never one with other names */
    exists = !lstat(path, &st);
    if (!exists && errno != ENOENT)
        return np_err_set(err, -errno, "cannot write '%s': %s", path,
                          strerror(errno));
    if (exists && S_ISLNK(st.st_mode))
        return np_err_set(
            err, -ELOOP,
            "cannot write '%s': it is a symbolic link, and numapin does not replace what a link points to",
            path);
    if (exists && !S_ISREG(st.st_mode))
        return np_err_set(
            err, -EINVAL,
            "cannot write '%s': not a regular file (a device, FIFO, socket or directory is never replaced)",
            path);
    if (exists && st.st_nlink > 1)
        return np_err_set(
            err, -EMLINK,
            "cannot write '%s': it has %lu hard links, which replacing it would break",
            path, (unsigned long)st.st_nlink);
    if (exists)
        mode = st.st_mode & 07777; /* the file keeps its mode */
    else if (mode == NP_FILE_KEEP_MODE)
        mode = 0644;
    remove_stale_temps(path);
    fd = np_file_mktemp(path, NP_FILE_TMP_TAG, &tmp);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    /* ... and its owner: as root, another user's file stays theirs */
    if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
        fchown(fd, st.st_uid, st.st_gid)) {
        rc = -errno;
        np_err_set(
            err, rc,
            "cannot write '%s': its owner (uid %ld) could not be kept: %s",
            path, (long)st.st_uid, strerror(-rc));
        goto out;
    }
    if (fchmod(fd, mode)) {
        rc = -errno;
        goto out;
    }
    rc = np_file_write_fd(fd, data, len);
    if (rc)
        goto out;
    rc = np_file_commit(&fd, &tmp, path, false);
out:
    np_file_discard(fd, tmp);
    if (rc)
        np_err_set(err, rc, "cannot write '%s': %s", path, strerror(-rc));
    return rc;
}

int np_file_commit(int *fd, char **tmp, const char *path, bool no_replace)
{
    int rc = fsync(*fd) ? -errno : 0;

    if (close(*fd) && !rc)
        rc = -errno;
    *fd = -1;
    if (rc)
        return rc;
    if (no_replace ? link(*tmp, path) : rename(*tmp, path))
        return -errno;
    if (no_replace)
        unlink(*tmp);
    free(*tmp);
    *tmp = NULL;
    np_file_sync_dir(path);
    return 0;
}

void np_file_discard(int fd, char *tmp)
{
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
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
        rc = np_err_set(err, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
                        "cannot read '%s': not a regular file", path);
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
