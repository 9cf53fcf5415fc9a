/*
 * kvm_memory.c: a QEMU guest's memory per node (see kvm_memory.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_memory.h"
#include "qemu_guests.h"

#define MAX_SMALL_FILE (1u << 20)

/* rel under rootfd, NUL-terminated; 0 or -errno. */
static int slurp(int rootfd, const char *rel, char **out)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap), *g;
    ssize_t got;
    int fd;

    *out = NULL;
    if (!buf)
        return -ENOMEM;
    fd = openat(rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        free(buf);
        return -errno;
    }
    for (;;) {
        if (cap - len < 2) {
            if (cap >= MAX_SMALL_FILE) {
                close(fd);
                free(buf);
                return -EFBIG;
            }
            g = realloc(buf, cap * 2);
            if (!g) {
                close(fd);
                free(buf);
                return -ENOMEM;
            }
            buf = g;
            cap *= 2;
        }
        got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;

            close(fd);
            free(buf);
            return -e;
        }
        if (!got)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    return 0;
}

int np_numa_stat_parse(const char *text, unsigned int nr_node_ids,
                       uint64_t *kib_per_node)
{
    const char *line = text, *eol, *p;
    unsigned long long node, bytes;
    char *end;
    bool found = false;

    memset(kib_per_node, 0, nr_node_ids * sizeof(*kib_per_node));
    for (; *line; line = *eol ? eol + 1 : eol) {
        eol = line + strcspn(line, "\n");
        if (strncmp(line, "anon ", 5) && strncmp(line, "file ", 5))
            continue;
        found = true;
        for (p = line + 5; p < eol;) {
            while (p < eol && *p == ' ')
                p++;
            if (p >= eol)
                break;
            if (*p != 'N' || !isdigit((unsigned char)p[1]))
                return -EINVAL;
            errno = 0;
            node = strtoull(p + 1, &end, 10);
            if (errno || *end != '=' || !isdigit((unsigned char)end[1]))
                return -EINVAL;
            bytes = strtoull(end + 1, &end, 10);
            if (errno || (end < eol && *end != ' '))
                return -EINVAL;
            if (node < nr_node_ids)
                kib_per_node[node] += bytes / 1024;
            p = end;
        }
    }
    return found ? 0 : -ENOENT;
}

/* The cgroup v2 path of pid, relative ("sys/fs/cgroup/..."), in buf; or
 * -ENOENT (no v2 line, the root cgroup, a path with ".."). */
static int cgroup_dir(int rootfd, long pid, char *buf, size_t size)
{
    char rel[64], *text, *p, *eol;
    int rc;

    snprintf(rel, sizeof(rel), "proc/%ld/cgroup", pid);
    rc = slurp(rootfd, rel, &text);
    if (rc)
        return rc;
    rc = -ENOENT;
    for (p = text; *p; p = eol + 1) {
        eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        if (!strncmp(p, "0::/", 4)) {
            size_t len = (size_t)(eol - p - 4);

            if (len && !memchr(p + 4, '.', len) &&
                snprintf(buf, size, "sys/fs/cgroup/%.*s", (int)len, p + 4) <
                    (int)size)
                rc = 0;
            /* a path with '.' may hide "..": not followed */
            break;
        }
        if (!*eol)
            break;
    }
    free(text);
    return rc;
}

/* 0 when the cgroup's cgroup.procs is exactly pid. */
static int alone_in(int rootfd, const char *dir, long pid)
{
    char rel[4200], *text, *end;
    long first;
    int rc;

    snprintf(rel, sizeof(rel), "%s/cgroup.procs", dir);
    rc = slurp(rootfd, rel, &text);
    if (rc)
        return rc;
    errno = 0;
    first = strtol(text, &end, 10);
    rc = !errno && first == pid && end != text &&
                 (*end == '\0' || (*end == '\n' && end[1] == '\0'))
             ? 0
             : -EBUSY;
    free(text);
    return rc;
}

int np_kvm_guest_memory(int rootfd, long pid, unsigned int nr_node_ids,
                        uint64_t **kib_out, const char **source_out)
{
    char dir[4096], rel[4200], *text = NULL;
    uint64_t *kib;
    int rc;

    *kib_out = NULL;
    *source_out = NULL;
    if (!cgroup_dir(rootfd, pid, dir, sizeof(dir)) &&
        !alone_in(rootfd, dir, pid)) {
        snprintf(rel, sizeof(rel), "%s/memory.numa_stat", dir);
        if (!slurp(rootfd, rel, &text)) {
            kib = calloc(nr_node_ids + 1, sizeof(*kib));
            if (!kib) {
                free(text);
                return -ENOMEM;
            }
            rc = np_numa_stat_parse(text, nr_node_ids, kib);
            free(text);
            if (!rc) {
                *kib_out = kib;
                *source_out = "memory.numa_stat";
                return 0;
            }
            free(kib);
        }
    }
    rc = np_qemu_read_numa(rootfd, pid, nr_node_ids, kib_out);
    if (!rc)
        *source_out = "numa_maps";
    return rc;
}
