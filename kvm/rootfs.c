/*
 * rootfs.c: files of a Linux host read relative to its root directory
 * (see rootfs.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <sys/syscall.h>

#include "cpulist.h"
#include "rootfs.h"

int np_rootfs_openat(int rootfd, const char *rel, int flags)
{
    struct open_how how;
    struct stat st;
    int fd;

    memset(&how, 0, sizeof(how));
    how.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOCTTY);
    if (!(flags & O_DIRECTORY))
        how.flags |= O_NONBLOCK; /* a FIFO in a captured tree never blocks */
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
#ifdef SYS_openat2
    fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    if (fd < 0 && errno != ENOSYS && errno != EPERM)
        return -errno; /* EXDEV: the path or a link leads out of the root */
    if (fd < 0)
#endif
    {
        /* a kernel before 5.6: refuse what could climb out, then openat */
        if (rel[0] == '/' || strstr(rel, ".."))
            return -EXDEV;
        fd = openat(rootfd, rel, (int)how.flags);
        if (fd < 0)
            return -errno;
    }
    if (!(flags & O_DIRECTORY) && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
        close(fd);
        return -EINVAL; /* a FIFO, device or socket: not a file to read */
    }
    return fd;
}

/* Open rel under rootfd for reading: a regular file only, never through
 * a link out of the root (np_rootfs_openat()). */
static int open_regular(int rootfd, const char *rel)
{
    return np_rootfs_openat(rootfd, rel, O_RDONLY);
}

/* Read fd to its end, at most max bytes, into a NUL-terminated heap
 * buffer.  0, -EFBIG, -ENOMEM or the -errno of read. */
static int read_fd(int fd, size_t max, char **text_out, size_t *len_out)
{
    char *buf = NULL, *grown;
    size_t len = 0, cap = 0;
    ssize_t got;
    int rc;

    *text_out = NULL;
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
        if (len > max) {
            rc = -EFBIG;
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
    free(buf);
    return rc;
}

int np_rootfs_read(int rootfd, const char *rel, char **text_out,
                   size_t *len_out)
{
    int fd = open_regular(rootfd, rel), rc;

    *text_out = NULL;
    if (fd < 0)
        return fd;
    rc = read_fd(fd, NP_ROOTFS_MAX_FILE, text_out, len_out);
    close(fd);
    return rc;
}

/* ---- files with sentences: the family linux_host.c reads with ------- */

/* "ROOT/rel", as the user would type it, in buf. */
const char *np_rootfs_where(const struct np_rootfs *r, const char *rel,
                            char *buf, size_t size)
{
    size_t n = strlen(r->root);
    bool slash = n && r->root[n - 1] == '/';

    snprintf(buf, size, "%s%s%s", r->root, slash ? "" : "/", rel);
    return buf;
}

/* A short printable copy of text for a message: newlines shown as "\n",
 * cut after 40 characters. */
const char *np_rootfs_show(const char *text, char *buf, size_t size)
{
    size_t i, o = 0;

    for (i = 0; text[i] && o + 6 < size; i++) {
        if (i == 40) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (text[i] == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else if (isprint((unsigned char)text[i])) {
            buf[o++] = text[i];
        } else {
            buf[o++] = '?';
        }
    }
    buf[o] = '\0';
    return buf;
}

/*
 * Read root/rel into a NUL-terminated heap buffer in *text_out (the caller
 * frees it).  Returns 0 or -errno with a sentence naming the file; when
 * optional, a missing file gives -ENOENT and no sentence.
 */
int np_rootfs_read_text(const struct np_rootfs *r, const char *rel,
                        bool optional, char **text_out)
{
    char path[PATH_MAX];
    char *buf = NULL;
    size_t len = 0;
    int fd, rc;

    *text_out = NULL;
    fd = open_regular(r->rootfd, rel);
    if (fd < 0) {
        if (fd == -EINVAL)
            return np_err_set(r->err, fd,
                              "cannot open '%s': not a regular file",
                              np_rootfs_where(r, rel, path, sizeof(path)));
        if (fd != -ENOENT || !optional)
            np_err_set(r->err, fd, "cannot open '%s': %s",
                       np_rootfs_where(r, rel, path, sizeof(path)),
                       fd == -EXDEV ? "it leads out of the root directory"
                                    : strerror(-fd));
        return fd;
    }
    rc = read_fd(fd, NP_ROOTFS_MAX_FILE, &buf, &len);
    close(fd);
    if (rc == -EFBIG)
        return np_err_set(
            r->err, -EINVAL, "'%s' is larger than %u bytes: not a kernel file",
            np_rootfs_where(r, rel, path, sizeof(path)), NP_ROOTFS_MAX_FILE);
    if (rc && rc != -ENOMEM)
        return np_err_set(r->err, rc, "cannot read '%s': %s",
                          np_rootfs_where(r, rel, path, sizeof(path)),
                          strerror(-rc));
    if (rc)
        return rc;
    /* Some capture tools pad a file with NUL bytes after its text: the
     * text is what counts, but a NUL inside it is not a kernel file. */
    while (len && buf[len - 1] == '\0')
        len--;
    if (strlen(buf) != len) {
        free(buf);
        return np_err_set(r->err, -EINVAL, "'%s' contains a NUL byte",
                          np_rootfs_where(r, rel, path, sizeof(path)));
    }
    *text_out = buf;
    return 0;
}

/* Drop the one trailing newline that sysfs values end with. */
void np_rootfs_chomp(char *text)
{
    size_t n = strlen(text);

    if (n && text[n - 1] == '\n')
        text[n - 1] = '\0';
}

/* Parse a decimal number at *p, advancing *p.  0, -EINVAL (no digit) or
 * -ERANGE. */
int np_rootfs_parse_num(const char **p, unsigned long *value_out)
{
    const char *s = *p;
    unsigned long v = 0, digit;

    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    for (; isdigit((unsigned char)*s); s++) {
        digit = (unsigned long)(*s - '0');
        if (v > (ULONG_MAX - digit) / 10)
            return -ERANGE;
        v = v * 10 + digit;
    }
    *p = s;
    *value_out = v;
    return 0;
}

/* Read and parse an id list.  optional as for np_rootfs_read_text(). */
int np_rootfs_read_list(const struct np_rootfs *r, const char *rel,
                        unsigned int limit, bool optional,
                        struct np_cpumap *map)
{
    char path[PATH_MAX], text_buf[64];
    char *text = NULL;
    int rc;

    rc = np_rootfs_read_text(r, rel, optional, &text);
    if (rc)
        goto out;
    np_rootfs_chomp(text);
    rc = np_idlist_parse(text, limit, NP_IDLIST_SYSFS, map, NULL);
    if (rc == -ERANGE)
        rc = np_err_set(
            r->err, -EINVAL, "'%s' holds '%s', which has an id of %u or more",
            np_rootfs_where(r, rel, path, sizeof(path)),
            np_rootfs_show(text, text_buf, sizeof(text_buf)), limit);
    else if (rc == -EINVAL)
        rc = np_err_set(r->err, -EINVAL,
                        "'%s' holds '%s', not a list of ids like '0-3,8'",
                        np_rootfs_where(r, rel, path, sizeof(path)),
                        np_rootfs_show(text, text_buf, sizeof(text_buf)));
out:
    if (rc)
        np_cpumap_dispose(map);
    free(text);
    return rc;
}

/* Read a file holding one integer, -1 or more.  optional as for
 * np_rootfs_read_text(). */
int np_rootfs_read_int(const struct np_rootfs *r, const char *rel,
                       bool optional, int *value_out)
{
    char path[PATH_MAX], text_buf[64];
    char *text = NULL;
    const char *p;
    unsigned long v;
    int rc;

    rc = np_rootfs_read_text(r, rel, optional, &text);
    if (rc)
        goto out;
    np_rootfs_chomp(text);
    p = text;
    if (!*text && optional) {
        rc = -ENOENT; /* an empty file says nothing: as if absent */
        goto out;
    }
    if (!strcmp(text, "-1")) {
        *value_out = -1;
        goto out;
    }
    if (np_rootfs_parse_num(&p, &v) || *p || v > INT_MAX) {
        rc = np_err_set(r->err, -EINVAL, "'%s' holds '%s', not a number",
                        np_rootfs_where(r, rel, path, sizeof(path)),
                        np_rootfs_show(text, text_buf, sizeof(text_buf)));
        goto out;
    }
    *value_out = (int)v;
out:
    free(text);
    return rc;
}

/* What np_rootfs_check_links() walks at most: entries, directory depth. */
#define LINKS_MAX_ENTRIES 500000u
#define LINKS_MAX_DEPTH 48

struct link_walk {
    const struct np_rootfs *r;
    unsigned int nr_seen;
};

/* Does the link rel resolve beneath the root?  0, or -EXDEV (out, or a
 * loop or magic link: hwloc would follow it), -ENOSYS (no openat2). */
static int link_beneath(int rootfd, const char *rel)
{
#ifdef SYS_openat2
    struct open_how how;
    int fd;

    memset(&how, 0, sizeof(how));
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == ENOSYS || errno == EPERM)
        return -ENOSYS;
    return errno == EXDEV || errno == ELOOP ? -EXDEV : 0; /* dangling: ok */
#else
    (void)rootfd;
    (void)rel;
    return -ENOSYS;
#endif
}

static int walk_links(struct link_walk *w, const char *rel, int depth)
{
    char path[2 * PATH_MAX], child[PATH_MAX];
    struct dirent *de;
    DIR *d;
    int fd, rc = 0;

    if (depth > LINKS_MAX_DEPTH)
        return np_err_set(
            w->r->err, -ELOOP,
            "'%s' is nested more than %d directories deep: not a captured tree",
            np_rootfs_where(w->r, rel, path, sizeof(path)), LINKS_MAX_DEPTH);
    fd = openat(w->r->rootfd, rel,
                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0; /* gone or unreadable: nothing hwloc reads either */
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -ENOMEM;
    }
    while (!rc && (de = readdir(d))) {
        struct stat st;

        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (++w->nr_seen > LINKS_MAX_ENTRIES) {
            rc = np_err_set(
                w->r->err, -EFBIG,
                "'%s' holds more than %u files: too large a tree to check its links",
                w->r->root, LINKS_MAX_ENTRIES);
            break;
        }
        if ((size_t)snprintf(child, sizeof(child), "%s/%s", rel, de->d_name) >=
            sizeof(child))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
            continue;
        if (S_ISLNK(st.st_mode)) {
            rc = link_beneath(w->r->rootfd, child);
            if (rc == -EXDEV)
                rc = np_err_set(
                    w->r->err, rc,
                    "cannot read '%s': it is a link that leads out of the root directory",
                    np_rootfs_where(w->r, child, path, sizeof(path)));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk_links(w, child, depth + 1);
        }
    }
    closedir(d);
    return rc;
}

int np_rootfs_check_links(const struct np_rootfs *r)
{
    static const char *const tops[] = {"sys", "proc", "run", "var"};
    struct link_walk w = {r, 0};
    char path[PATH_MAX];
    unsigned int i;
    int rc = 0;

    for (i = 0; !rc && i < sizeof(tops) / sizeof(tops[0]); i++) {
        struct stat st;

        if (fstatat(r->rootfd, tops[i], &st, AT_SYMLINK_NOFOLLOW))
            continue;
        if (S_ISLNK(st.st_mode)) {
            rc = link_beneath(r->rootfd, tops[i]);
            if (rc == -EXDEV)
                rc = np_err_set(
                    r->err, rc,
                    "cannot read '%s': it is a link that leads out of the root directory",
                    np_rootfs_where(r, tops[i], path, sizeof(path)));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk_links(&w, tops[i], 1);
        }
    }
    return rc;
}
