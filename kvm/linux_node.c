/*
 * linux_node.c: the Linux host reader's text helpers and a NUMA node's
 * files under sys/devices/system/node/nodeN (cpulist or cpumap, meminfo,
 * distance, hugepages); linux_host.c reads the CPUs and puts the host
 * together (see linux_host.h for the files and the traps).
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
#include <unistd.h>

#include "hw.h"
#include "linux_int.h"
#include "rootfs.h"

/*
 * Split a "Key:   value" line (meminfo) or "key\t\t: value" line (cpuinfo)
 * without changing it: key is key_len characters long, value points past
 * the colon and the blanks after it.  false when there is no colon.
 */
bool np_linux_split_line(const char *line, const char **key_out,
                         size_t *key_len_out, const char **value_out)
{
    const char *colon = strchr(line, ':');
    size_t n;

    if (!colon)
        return false;
    n = (size_t)(colon - line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    colon++;
    while (*colon == ' ' || *colon == '\t')
        colon++;
    *key_out = line;
    *key_len_out = n;
    *value_out = colon;
    return true;
}

bool np_linux_key_is(const char *key, size_t key_len, const char *name)
{
    return strlen(name) == key_len && !strncmp(key, name, key_len);
}

/* Next line of text (split in place at the newline), NULL at the end. */
char *np_linux_next_line(char **cursor)
{
    char *line = *cursor, *nl;

    if (!line || !*line)
        return NULL;
    nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = NULL;
    }
    return line;
}

/*
 * Parse a meminfo file: /proc/meminfo (node < 0, "MemTotal:  984360 kB")
 * or nodeN/meminfo ("Node 0 MemTotal:  469116 kB", the node id on every
 * line).  Only MemTotal and MemFree are used; their values must parse.
 */
static int parse_meminfo(const struct np_rootfs *r, const char *rel, char *text,
                         int node, struct meminfo *mi)
{
    char path[PATH_MAX], prefix[32], text_buf[64];
    char *cursor = text, *line;
    const char *p, *key, *value;
    size_t key_len, prefix_len = 0;
    unsigned long v;

    memset(mi, 0, sizeof(*mi));
    if (node >= 0)
        prefix_len = (size_t)snprintf(prefix, sizeof(prefix), "Node %d ", node);
    while ((line = np_linux_next_line(&cursor))) {
        p = line;
        if (!*p)
            continue; /* old kernels begin nodeN/meminfo with an empty line */
        if (node >= 0) {
            if (strncmp(p, prefix, prefix_len))
                goto bad;
            p += prefix_len;
        }
        if (!np_linux_split_line(p, &key, &key_len, &value))
            goto bad;
        if (!np_linux_key_is(key, key_len, "MemTotal") &&
            !np_linux_key_is(key, key_len, "MemFree"))
            continue;
        p = value;
        if (np_rootfs_parse_num(&p, &v) || (*p && strcmp(p, " kB")) ||
            v > UINT64_MAX / 1024)
            goto bad;
        if (np_linux_key_is(key, key_len, "MemTotal")) {
            mi->total_kib = v;
            mi->has_total = true;
        } else {
            mi->free_kib = v;
            mi->has_free = true;
        }
    }
    return 0;
bad:
    np_rootfs_where(r, rel, path, sizeof(path));
    np_rootfs_show(line, text_buf, sizeof(text_buf));
    if (node >= 0)
        return np_err_set(
            r->err, -EINVAL,
            "'%s' has a line '%s', expected like 'Node %d MemTotal:  515740 kB'",
            path, text_buf, node);
    return np_err_set(
        r->err, -EINVAL,
        "'%s' has a line '%s', expected like 'MemTotal:  984360 kB'", path,
        text_buf);
}

/* Read and parse a meminfo file.  optional as for np_rootfs_read_text(). */
int np_linux_read_meminfo(const struct np_rootfs *r, const char *rel, int node,
                          bool optional, struct meminfo *mi)
{
    char *text = NULL;
    int rc;

    rc = np_rootfs_read_text(r, rel, optional, &text);
    if (rc)
        goto out;
    rc = parse_meminfo(r, rel, text, node, mi);
out:
    free(text);
    return rc;
}

/*
 * nodeN/distance: one distance per online node, in id order; columns[i]
 * is the id of the i-th online node.  A kernel that printed one column
 * per possible node (a node taken offline after boot) is read by
 * node/possible; any other count is read as far as both go, with a note.
 */
static int read_distance(const struct np_rootfs *r, struct np_topo *topo,
                         int node, const struct columns *cols)
{
    char rel[64], path[PATH_MAX], text_buf[64];
    char *text = NULL;
    const char *p;
    unsigned long v;
    unsigned int *values = NULL;
    unsigned int i = 0, n, cap = cols->nr_online + 1;
    const int *ids = cols->online;
    int rc;

    snprintf(rel, sizeof(rel), SYS_NODE "/node%d/distance", node);
    rc = np_rootfs_read_text(r, rel, false, &text);
    if (rc)
        goto out;
    np_rootfs_chomp(text);
    values = calloc(cap, sizeof(*values));
    if (!values) {
        rc = -ENOMEM;
        goto out;
    }
    for (p = text; *p; i++) {
        if (i && *p++ != ' ')
            goto bad;
        if (np_rootfs_parse_num(&p, &v) || v == 0 || v > UINT_MAX)
            goto bad;
        if (i == cap) {
            unsigned int *grown = realloc(values, 2 * cap * sizeof(*values));

            if (!grown) {
                rc = -ENOMEM;
                goto out;
            }
            values = grown;
            cap *= 2;
        }
        values[i] = (unsigned int)v;
    }
    n = i;
    if (n != cols->nr_online) {
        if (cols->possible && n == cols->nr_possible) {
            ids = cols->possible;
        } else {
            rc = np_hw_note(
                topo->hw,
                "'%s' has %u distances for %u online nodes: the first %u are used",
                np_rootfs_where(r, rel, path, sizeof(path)), n, cols->nr_online,
                n < cols->nr_online ? n : cols->nr_online);
            if (rc)
                goto out;
            if (n > cols->nr_online)
                n = cols->nr_online;
        }
    }
    for (i = 0; i < n; i++)
        if (np_cpumap_test(cols->nodes, ids[i]))
            np_topo_set_distance(topo, node, ids[i], values[i]);
    goto out;
bad:
    rc = np_err_set(r->err, -EINVAL,
                    "'%s' holds '%s', not distances like '10 20'",
                    np_rootfs_where(r, rel, path, sizeof(path)),
                    np_rootfs_show(text, text_buf, sizeof(text_buf)));
out:
    free(values);
    free(text);
    return rc;
}

/*
 * Parse the kernel's mask format ("0000,00000000,00000003": 32-bit hex
 * words, the most significant first), into map allocated to limit bits.
 * A set bit at limit or above is -ERANGE.  0, -EINVAL, -ERANGE, -ENOMEM.
 */
static int parse_mask(const char *s, unsigned int limit, struct np_cpumap *map)
{
    size_t len = strlen(s), i;
    unsigned int bit = 0, digit;
    int rc;

    rc = np_cpumap_alloc(map, limit);
    if (rc)
        return rc;
    if (!len || !isxdigit((unsigned char)s[0]))
        return -EINVAL;
    for (i = len; i-- > 0;) {
        if (s[i] == ',') {
            if (bit % 32 || !i)
                return -EINVAL;
            continue;
        }
        if (!isxdigit((unsigned char)s[i]))
            return -EINVAL;
        digit = (unsigned int)(isdigit((unsigned char)s[i])
                                   ? s[i] - '0'
                                   : tolower((unsigned char)s[i]) - 'a' + 10);
        for (unsigned int b = 0; b < 4; b++, bit++) {
            if (!(digit & (1u << b)))
                continue;
            if (bit >= limit)
                return -ERANGE;
            rc = np_cpumap_set(map, (int)bit);
            if (rc)
                return rc;
        }
        if (bit > 65536u * 4)
            return -ERANGE;
    }
    return 0;
}

/* nodeN/cpulist, or nodeN/cpumap on kernels that have only the mask. */
static int read_node_cpus(const struct np_rootfs *r, int node,
                          struct np_cpumap *cpus)
{
    char rel[64], path[PATH_MAX], text_buf[64];
    char *text = NULL;
    int rc;

    snprintf(rel, sizeof(rel), SYS_NODE "/node%d/cpulist", node);
    rc = np_rootfs_read_list(r, rel, NP_MAX_CPU_IDS, true, cpus);
    if (rc != -ENOENT)
        return rc;
    snprintf(rel, sizeof(rel), SYS_NODE "/node%d/cpumap", node);
    rc = np_rootfs_read_text(r, rel, true, &text);
    if (rc == -ENOENT) {
        /* Neither: a node without CPUs on a kernel that writes none. */
        free(text);
        return np_cpumap_alloc(cpus, NP_MAX_CPU_IDS);
    }
    if (rc)
        return rc;
    np_rootfs_chomp(text);
    rc = parse_mask(text, NP_MAX_CPU_IDS, cpus);
    if (rc == -EINVAL || rc == -ERANGE)
        rc = np_err_set(r->err, -EINVAL,
                        "'%s' holds '%s', not a cpu mask like '0000000f'",
                        np_rootfs_where(r, rel, path, sizeof(path)),
                        np_rootfs_show(text, text_buf, sizeof(text_buf)));
    if (rc)
        np_cpumap_dispose(cpus);
    free(text);
    return rc;
}

/* nodeN/hugepages/hugepages-SIZEkB/{nr,free}_hugepages, or the host's
 * sys/kernel/mm/hugepages for a kernel without nodes (node < 0, read into
 * node 0).  Absent directories: no huge pages known. */
int np_linux_read_hugepages(const struct np_rootfs *r, struct np_topo *topo,
                            int node)
{
    char rel[128], file[448];
    DIR *dir = NULL;
    struct dirent *de;
    const char *p;
    unsigned long size;
    int dfd, rc = 0, total, free_pages;

    if (node >= 0)
        snprintf(rel, sizeof(rel), SYS_NODE "/node%d/hugepages", node);
    else
        snprintf(rel, sizeof(rel), "sys/kernel/mm/hugepages");
    dfd = np_rootfs_openat(r->rootfd, rel, O_RDONLY | O_DIRECTORY);
    if (dfd < 0)
        return 0;
    dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return 0;
    }
    while ((de = readdir(dir))) {
        p = de->d_name;
        if (strncmp(p, "hugepages-", 10))
            continue;
        p += 10;
        if (np_rootfs_parse_num(&p, &size) || strcmp(p, "kB") || !size)
            continue;
        snprintf(file, sizeof(file), "%s/%s/nr_hugepages", rel, de->d_name);
        rc = np_rootfs_read_int(r, file, true, &total);
        if (rc == -ENOENT) {
            rc = 0; /* a size without its count: unknown, not an error */
            continue;
        }
        if (rc)
            break;
        snprintf(file, sizeof(file), "%s/%s/free_hugepages", rel, de->d_name);
        rc = np_rootfs_read_int(r, file, true, &free_pages);
        if (rc == -ENOENT) {
            free_pages = 0;
            rc = 0;
        }
        if (rc)
            break;
        if (total < 0 || free_pages < 0 || free_pages > total) {
            rc = np_hw_note(
                topo->hw,
                "'%s/%s' has %d free of %d huge pages: read as none free", rel,
                de->d_name, free_pages, total);
            if (rc)
                break;
            free_pages = 0;
            if (total < 0)
                total = 0;
        }
        if (np_hw_set_pages(topo->hw, node < 0 ? 0 : node, size,
                            (uint64_t)total, (uint64_t)free_pages) == -ENOSPC)
            continue;
    }
    closedir(dir);
    return rc;
}

/* One online node: its CPUs, memory, huge pages and distances.  A CPU a
 * node lists that the host does not have (a GPU-memory node's, a
 * possible-but-absent CPU's) is left out with a note. */
int np_linux_read_node(const struct np_rootfs *r, struct np_topo *topo,
                       int node, const struct columns *cols)
{
    char rel[64], path[PATH_MAX];
    struct np_cpumap cpus;
    struct meminfo mi;
    /* the cpus left out, [0] another node's, [1] not the host's */
    struct {
        int nr, first;
    } left[2] = {{0, -1}, {0, -1}};
    int rc, cpu, k;

    np_cpumap_init(&cpus);
    np_topo_add_node(topo, node);
    rc = read_node_cpus(r, node, &cpus);
    if (rc)
        goto out;
    np_cpumap_for_each(cpu, &cpus)
    {
        k = !np_topo_cpu_exists(topo, cpu) ? 1
            : topo->cpus[cpu].node >= 0    ? 0
                                           : -1;
        if (k < 0) {
            topo->cpus[cpu].node = node;
            continue;
        }
        if (!left[k].nr++)
            left[k].first = cpu;
    }
    for (k = 0; k < 2; k++) {
        if (!left[k].nr)
            continue;
        rc = np_hw_note(
            topo->hw,
            k ? "node %d lists %d cpus that the host does not have (the first is cpu %d): they are left out"
              : "node %d lists %d cpus that a node of a lower id lists too (the first is cpu %d): they stay that node's",
            node, left[k].nr, left[k].first);
        if (rc)
            goto out;
    }

    snprintf(rel, sizeof(rel), SYS_NODE "/node%d/meminfo", node);
    rc = np_linux_read_meminfo(r, rel, node, false, &mi);
    if (rc)
        goto out;
    if (!mi.has_total) {
        rc = np_err_set(r->err, -EINVAL, "'%s' has no MemTotal line",
                        np_rootfs_where(r, rel, path, sizeof(path)));
        goto out;
    }
    topo->nodes[node].mem_total_kib = mi.total_kib;
    topo->nodes[node].mem_free_kib = mi.free_kib;
    topo->nodes[node].mem_free_known = mi.has_free;

    rc = np_linux_read_hugepages(r, topo, node);
    if (rc)
        goto out;
    rc = read_distance(r, topo, node, cols);
out:
    np_cpumap_dispose(&cpus);
    return rc;
}
