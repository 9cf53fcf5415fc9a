/*
 * lock.c: the writer lock, an flock(2) on STATE_DIR/lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

/* mkdir -p for the state directory; each component made 0700. */
static int make_dir(const char *dir, struct np_err *err)
{
    char *p, *s;
    int rc = 0;

    s = strdup(dir);
    if (!s)
        return -ENOMEM;
    for (p = s + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(s, 0700) < 0 && errno != EEXIST) {
            rc = np_err_set(err, -errno,
                            "cannot create state directory '%s': %s", s,
                            strerror(errno));
            break;
        }
        *p = c;
        if (!c)
            break;
    }
    free(s);
    return rc;
}

/* The holder's pid and command, as it wrote them, for the message.  A
 * holder writes its line just after it takes the lock: an empty file
 * (the lock was just taken, or never held before) is read again for up
 * to 50 ms before it counts as unknown. */
static void read_holder(int fd, char *buf, size_t size)
{
    ssize_t n = 0;
    size_t i;
    int tries;

    for (tries = 0; tries < 10; tries++) {
        n = pread(fd, buf, size - 1, 0);
        if (n > 0 && memchr(buf, '\n', (size_t)n))
            break;
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    if (n <= 0) {
        snprintf(buf, size, "unknown");
        return;
    }
    buf[n] = '\0';
    /* One line of printable characters only: the file is ours, but a
     * message must stay one line whatever is in it. */
    for (i = 0; buf[i]; i++) {
        if (buf[i] == '\n') {
            buf[i] = '\0';
            break;
        }
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
            buf[i] = '?';
    }
}

int np_lock_take(struct np_lock *lk, const char *state_dir, int wait_ms,
                 const char *what, struct np_err *err)
{
    char *path = NULL;
    struct stat st;
    char line[128];
    int fd = -1, rc, waited = 0;

    lk->fd = -1;
    rc = make_dir(state_dir, err);
    if (rc)
        return rc;
    if (asprintf(&path, "%s/%s", state_dir, NP_LOCK_FILE) < 0)
        return -ENOMEM;
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
              0600);
    if (fd < 0) {
        rc = np_err_set(err, -errno, "cannot open lock file '%s': %s", path,
                        errno == ELOOP ? "it is a symbolic link"
                                       : strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = np_err_set(err, -EINVAL, "lock file '%s' is not a regular file",
                        path);
        goto out;
    }
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            rc = np_err_set(err, -errno, "cannot lock '%s': %s", path,
                            strerror(errno));
            goto out;
        }
        if (wait_ms >= 0 && waited >= wait_ms) {
            read_holder(fd, line, sizeof(line));
            rc = np_err_set(
                err, -EBUSY,
                "another numapin (%s) is changing this host: gave up after %d ms waiting for '%s'",
                line, waited, path);
            goto out;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
        waited += 20;
    }
    /* We hold it: say who we are. */
    snprintf(line, sizeof(line), "pid %ld, %s\n", (long)getpid(),
             what ? what : "numapin");
    /* The line first, then the length: a waiting writer never reads an
     * empty file between the two (the old holder's line, at worst). */
    if (pwrite(fd, line, strlen(line), 0) < 0 ||
        ftruncate(fd, (off_t)strlen(line)) < 0) {
        /* Only the waiting writer's message suffers. */
    }
    lk->fd = fd;
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

void np_lock_release(struct np_lock *lk)
{
    if (lk->fd < 0)
        return;
    close(lk->fd); /* drops the flock */
    lk->fd = -1;
}
