/*
 * kvm_cgroup.c: a QEMU guest's cpuset cgroup and the memory nodes the
 * kernel holds for it (see kvm_cgroup.h).
 *
 * Worked example: a guest pid 812 whose threads all say "0::/np/web" in
 * proc/812/task/TID/cgroup, on a host with cgroup v2 at sys/fs/cgroup
 * whose np/web has cpuset.mems: np_kvm_cpuset_find() gives version 2,
 * path "/np/web", dir "sys/fs/cgroup/np/web".  np_kvm_cpuset_others()
 * reads np/web/cgroup.procs and every cgroup.procs below it: "812" alone
 * is 0 others.  With vCPU threads in "/np/web/vcpu0" and the main thread
 * in "/np/web/emulator" (libvirt's layout) the cgroup is still "/np/web",
 * the lowest that holds them all.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpulist.h"
#include "kvm_cgroup.h"
#include "qemu_guests.h"
#include "rootfs.h"

/* Cgroups below the guest's that are looked into, at most. */
#define MAX_CGROUPS_WALKED 4096

static int read_text(int rootfd, const char *rel, char **text_out)
{
    int rc = np_rootfs_read(rootfd, rel, text_out, NULL);

    if (!rc)
        np_rootfs_chomp(*text_out);
    return rc;
}

static bool exists(int rootfd, const char *rel)
{
    int fd = np_rootfs_openat(rootfd, rel, O_RDONLY);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* A cgroup path the kernel wrote: absolute, no "." or ".." element (a
 * captured tree is hostile input). */
static bool path_ok(const char *p, size_t len)
{
    size_t i = 0, seg;

    if (!len || p[0] != '/' || len >= NP_CGROUP_PATH_MAX)
        return false;
    while (i < len) {
        i++; /* the '/' */
        seg = i;
        while (i < len && p[i] != '/')
            i++;
        if ((i - seg == 1 && p[seg] == '.') ||
            (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.'))
            return false;
    }
    return true;
}

/* Does a v1 controller list ("cpu,cpuacct", "cpuset") name cpuset? */
static bool names_cpuset(const char *list, size_t len)
{
    size_t i = 0, start;

    while (i <= len) {
        start = i;
        while (i < len && list[i] != ',')
            i++;
        if (i - start == 6 && !memcmp(list + start, "cpuset", 6))
            return true;
        i++;
    }
    return false;
}

/* The v2 path and the v1 cpuset path of one proc cgroup text, into
 * v2/v1 (empty when absent). */
static void parse_cgroup(const char *text, char *v2, char *v1)
{
    const char *p, *eol, *c1, *c2;

    v2[0] = v1[0] = '\0';
    for (p = text; *p; p = *eol ? eol + 1 : eol) {
        eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        c1 = memchr(p, ':', (size_t)(eol - p));
        c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
        if (!c2 || !path_ok(c2 + 1, (size_t)(eol - c2 - 1)))
            continue;
        if (c1 - p == 1 && p[0] == '0' && c2 == c1 + 1)
            snprintf(v2, NP_CGROUP_PATH_MAX, "%.*s", (int)(eol - c2 - 1),
                     c2 + 1);
        else if (names_cpuset(c1 + 1, (size_t)(c2 - c1 - 1)))
            snprintf(v1, NP_CGROUP_PATH_MAX, "%.*s", (int)(eol - c2 - 1),
                     c2 + 1);
    }
}

/* Cut path to the longest ancestor it shares with other ("" other: path
 * stays; "" path: becomes other). */
static void common_ancestor(char *path, const char *other)
{
    size_t i = 0, last = 0;

    if (!other[0])
        return;
    if (!path[0]) {
        snprintf(path, NP_CGROUP_PATH_MAX, "%s", other);
        return;
    }
    while (path[i] && path[i] == other[i]) {
        if (path[i] == '/')
            last = i;
        i++;
    }
    if ((!path[i] && (other[i] == '/' || !other[i])) ||
        (!other[i] && path[i] == '/'))
        last = i; /* one is the other's ancestor, or they are equal */
    path[last ? last : 1] = '\0';
}

/* The v2 mount under the root: sys/fs/cgroup, or sys/fs/cgroup/unified
 * on a hybrid host; NULL when neither is cgroup v2. */
static const char *v2_mount(int rootfd)
{
    if (exists(rootfd, "sys/fs/cgroup/cgroup.controllers"))
        return "sys/fs/cgroup";
    if (exists(rootfd, "sys/fs/cgroup/unified/cgroup.controllers"))
        return "sys/fs/cgroup/unified";
    return NULL;
}

/* Does cgroup v2 dir's cgroup.controllers list "cpuset"? */
static bool v2_has_cpuset(int rootfd, const char *dir)
{
    char rel[NP_CGROUP_PATH_MAX + 64], *text = NULL, *tok, *save = NULL;
    bool found = false;

    snprintf(rel, sizeof(rel), "%s/cgroup.controllers", dir);
    if (read_text(rootfd, rel, &text))
        return false;
    for (tok = strtok_r(text, " \n", &save); tok && !found;
         tok = strtok_r(NULL, " \n", &save))
        found = !strcmp(tok, "cpuset");
    free(text);
    return found;
}

static void join(char *dir, size_t size, const char *mount, const char *path)
{
    snprintf(dir, size, "%s%s", mount, strcmp(path, "/") ? path : "");
}

int np_kvm_cpuset_find(int rootfd, long pid, struct np_kvm_cpuset *cs)
{
    char rel[96], v2[NP_CGROUP_PATH_MAX], v1[NP_CGROUP_PATH_MAX];
    char lca2[NP_CGROUP_PATH_MAX] = "", lca1[NP_CGROUP_PATH_MAX] = "";
    char probe[NP_CGROUP_PATH_MAX + 64], *text = NULL;
    const char *mount;
    long *tids = NULL;
    unsigned int nr = 0, i;
    int rc;

    memset(cs, 0, sizeof(*cs));
    rc = np_qemu_list_tids(rootfd, pid, &tids, &nr);
    if (rc == -ENOMEM)
        return rc;
    if (rc || !nr) {
        /* a captured tree may hold the process's file only */
        free(tids);
        tids = NULL;
        nr = 0;
    }
    for (i = 0; i <= nr; i++) {
        if (i < nr)
            snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/cgroup", pid,
                     tids[i]);
        else if (!lca2[0] && !lca1[0])
            snprintf(rel, sizeof(rel), "proc/%ld/cgroup", pid);
        else
            break;
        rc = np_rootfs_read(rootfd, rel, &text, NULL);
        if (rc == -ENOMEM)
            goto out;
        if (rc)
            continue; /* a thread that has gone */
        parse_cgroup(text, v2, v1);
        free(text);
        text = NULL;
        common_ancestor(lca2, v2);
        common_ancestor(lca1, v1);
    }
    rc = 0;
    if (!lca2[0] && !lca1[0]) {
        if (!exists(rootfd, rel)) {
            rc = -ESRCH;
            goto out;
        }
        snprintf(cs->why, sizeof(cs->why),
                 "no cgroup is named in proc/%ld/cgroup", pid);
        goto out;
    }
    mount = v2_mount(rootfd);
    if (mount && lca2[0]) {
        join(cs->dir, sizeof(cs->dir), mount, lca2);
        snprintf(probe, sizeof(probe), "%s/cpuset.mems", cs->dir);
        if (exists(rootfd, probe) ||
            (!strcmp(lca2, "/") && v2_has_cpuset(rootfd, cs->dir))) {
            cs->version = 2;
            snprintf(cs->path, sizeof(cs->path), "%s", lca2);
            goto out;
        }
    }
    if (lca1[0]) {
        join(cs->dir, sizeof(cs->dir), "sys/fs/cgroup/cpuset", lca1);
        snprintf(probe, sizeof(probe), "%s/cpuset.mems", cs->dir);
        if (exists(rootfd, probe)) {
            cs->version = 1;
            snprintf(cs->path, sizeof(cs->path), "%s", lca1);
            goto out;
        }
    }
    cs->dir[0] = '\0';
    if (mount && lca2[0])
        snprintf(cs->why, sizeof(cs->why),
                 "its cgroup %.160s has no cpuset controller (cgroup v2: "
                 "enable it with +cpuset in the parent's "
                 "cgroup.subtree_control)",
                 lca2);
    else
        snprintf(cs->why, sizeof(cs->why),
                 "no cpuset cgroup is mounted (sys/fs/cgroup)");
out:
    free(text);
    free(tids);
    return rc;
}

/* Count the pids other than pid in dir/cgroup.procs. */
static int count_procs(int rootfd, const char *dir, long pid, long *others,
                       unsigned int max, unsigned int *nr)
{
    char rel[NP_CGROUP_PATH_MAX + 64], *text = NULL, *p, *end;
    long v;
    int rc;

    snprintf(rel, sizeof(rel), "%s/cgroup.procs", dir);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    if (rc)
        return rc == -ENOENT ? 0 : rc;
    for (p = text; *p;) {
        while (*p && !isdigit((unsigned char)*p))
            p++;
        if (!*p)
            break;
        errno = 0;
        v = strtol(p, &end, 10);
        p = end;
        if (errno || v == pid)
            continue;
        if (*nr < max)
            others[*nr] = v;
        (*nr)++;
    }
    free(text);
    return 0;
}

/* Walk dir and the cgroups below it (directories), counting others. */
static int walk(int rootfd, const char *dir, long pid, long *others,
                unsigned int max, unsigned int *nr, unsigned int *budget)
{
    char sub[NP_CGROUP_PATH_MAX + 32];
    struct dirent *de;
    DIR *d;
    int fd, rc;

    if (!(*budget)--)
        return -E2BIG;
    rc = count_procs(rootfd, dir, pid, others, max, nr);
    if (rc)
        return rc;
    fd = np_rootfs_openat(rootfd, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return fd == -ENOENT ? 0 : fd;
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    rc = 0;
    while (!rc && (de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >=
            (int)sizeof(sub))
            continue;
        rc = walk(rootfd, sub, pid, others, max, nr, budget);
    }
    closedir(d);
    return rc;
}

int np_kvm_cpuset_others(int rootfd, const struct np_kvm_cpuset *cs, long pid,
                         long *others, unsigned int max, unsigned int *nr_out)
{
    unsigned int budget = MAX_CGROUPS_WALKED;

    *nr_out = 0;
    if (!strcmp(cs->path, "/")) {
        *nr_out = 1; /* every process of the host */
        return 0;
    }
    return walk(rootfd, cs->dir, pid, others, max, nr_out, &budget);
}

static void parent_of(const struct np_kvm_cpuset *cs, char *buf, size_t size)
{
    char *slash;

    snprintf(buf, size, "%s", cs->dir);
    slash = strrchr(buf, '/');
    if (slash && strcmp(cs->path, "/"))
        *slash = '\0';
}

int np_kvm_cpuset_read(int rootfd, const struct np_kvm_cpuset *cs,
                       bool effective, bool parent, char **text_out)
{
    char rel[NP_CGROUP_PATH_MAX + 64], dir[NP_CGROUP_PATH_MAX + 32];
    const char *file = "cpuset.mems";

    *text_out = NULL;
    if (!cs->version)
        return -ENOENT;
    if (effective)
        file = cs->version == 2 ? "cpuset.mems.effective"
                                : "cpuset.effective_mems";
    if (parent)
        parent_of(cs, dir, sizeof(dir));
    else
        snprintf(dir, sizeof(dir), "%s", cs->dir);
    snprintf(rel, sizeof(rel), "%s/%s", dir, file);
    return read_text(rootfd, rel, text_out);
}

int np_kvm_cpuset_write(int rootfd, const struct np_kvm_cpuset *cs,
                        const char *text)
{
    char rel[NP_CGROUP_PATH_MAX + 64], *line = NULL;
    ssize_t len;
    int fd, rc = 0;

    if (!cs->version)
        return -ENOENT;
    snprintf(rel, sizeof(rel), "%s/cpuset.mems", cs->dir);
    fd = np_rootfs_openat(rootfd, rel, O_WRONLY);
    if (fd < 0)
        return fd;
    len = (ssize_t)strlen(text) + 1;
    line = malloc((size_t)len + 1);
    if (!line) {
        close(fd);
        return -ENOMEM;
    }
    snprintf(line, (size_t)len + 1, "%s\n", text);
    if (write(fd, line, (size_t)len) != len)
        rc = errno ? -errno : -EIO;
    if (close(fd) && !rc)
        rc = -errno;
    free(line);
    return rc;
}

int np_numa_maps_main_policy(const char *text, char *buf, size_t size)
{
    const char *p, *eol, *f, *pol = NULL;
    unsigned long long pages, best = 0;
    size_t pol_len = 0, len;
    char *end;

    for (p = text; *p; p = *eol ? eol + 1 : eol) {
        const char *sp = strchr(p, ' ');

        eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        if (!sp || sp >= eol)
            continue;
        pages = 0;
        for (f = sp; f && f < eol;
             f = memchr(f + 1, ' ', (size_t)(eol - f - 1))) {
            if (f[1] == 'N' && isdigit((unsigned char)f[2])) {
                const char *eq = memchr(f + 2, '=', (size_t)(eol - f - 2));

                if (eq)
                    pages += strtoull(eq + 1, &end, 10);
            }
        }
        if (pages > best) {
            best = pages;
            pol = sp + 1;
            len = 0;
            while (pol + len < eol && pol[len] != ' ')
                len++;
            pol_len = len;
        }
    }
    if (!pol)
        return -ENOENT;
    snprintf(buf, size, "%.*s", (int)pol_len, pol);
    return 0;
}

/* Parse a kernel id list ("0-1,3") into map of nr_bits bits, ids past it
 * dropped. */
static int parse_ids(const char *s, unsigned int nr_bits, struct np_cpumap *map)
{
    return np_idlist_parse(s, nr_bits, NP_IDLIST_SYSFS | NP_IDLIST_CLIP, map,
                           NULL);
}

int np_proc_parse_mems_allowed(const char *status, unsigned int nr_node_ids,
                               struct np_cpumap *nodes)
{
    const char *key = "\nMems_allowed_list:", *p = strstr(status, key);
    char list[512];
    size_t len = 0;

    if (!p)
        return -ENOENT;
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    while (p[len] && p[len] != '\n' && len < sizeof(list) - 1) {
        list[len] = p[len];
        len++;
    }
    list[len] = '\0';
    return parse_ids(list, nr_node_ids, nodes);
}

/* "bind:0-1", "bind=static:1": the nodes of a bind policy into nodes;
 * false for any other policy. */
static bool bind_nodes(const char *policy, unsigned int nr_node_ids,
                       struct np_cpumap *nodes)
{
    const char *colon;

    if (strncmp(policy, "bind", 4) || (policy[4] != ':' && policy[4] != '='))
        return false;
    colon = strchr(policy, ':');
    return colon && !parse_ids(colon + 1, nr_node_ids, nodes);
}

static char *mems_line(const char *status)
{
    const char *key = "\nMems_allowed_list:", *p = strstr(status, key);
    size_t len = 0;
    char *s;

    if (!p)
        return NULL;
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    while (p[len] && p[len] != '\n')
        len++;
    s = malloc(len + 1);
    if (s) {
        memcpy(s, p, len);
        s[len] = '\0';
    }
    return s;
}

/* Does nodes hold every node of topo that has memory? */
static bool all_memory_nodes(const struct np_topo *topo,
                             const struct np_cpumap *nodes)
{
    unsigned int n;

    for (n = 0; n < topo->nr_node_ids; n++)
        if (np_topo_node_exists(topo, (int)n) &&
            np_topo_node_has_memory(topo, (int)n) &&
            !np_cpumap_test(nodes, (int)n))
            return false;
    return true;
}

int np_kvm_read_membind(int rootfd, const struct np_topo *topo,
                        struct np_guest *g)
{
    struct np_membind *mb = NULL;
    struct np_kvm_cpuset cs;
    struct np_cpumap nodes, bound;
    char rel[64], *status = NULL, *maps = NULL, policy[128];
    unsigned int others = 0;
    int rc;

    np_cpumap_init(&nodes);
    np_cpumap_init(&bound);
    snprintf(rel, sizeof(rel), "proc/%d/status", g->id);
    rc = np_rootfs_read(rootfd, rel, &status, NULL);
    if (rc) {
        rc = rc == -ENOMEM ? rc : 0;
        goto out;
    }
    rc = np_proc_parse_mems_allowed(status, topo->nr_node_ids, &nodes);
    if (rc) {
        rc = rc == -ENOMEM ? rc : 0; /* a kernel without cpusets */
        goto out;
    }
    mb = calloc(1, sizeof(*mb));
    if (!mb || !(mb->mems_allowed = mems_line(status))) {
        rc = -ENOMEM;
        goto out;
    }
    snprintf(rel, sizeof(rel), "proc/%d/numa_maps", g->id);
    if (!np_rootfs_read(rootfd, rel, &maps, NULL) &&
        !np_numa_maps_main_policy(maps, policy, sizeof(policy))) {
        mb->policy = strdup(policy);
        if (!mb->policy) {
            rc = -ENOMEM;
            goto out;
        }
        if (bind_nodes(policy, topo->nr_node_ids, &bound) &&
            np_cpumap_intersects(&bound, &nodes))
            np_cpumap_and(&nodes, &bound);
    }
    rc = np_kvm_cpuset_find(rootfd, g->id, &cs);
    if (rc == -ENOMEM)
        goto out;
    if (!rc && cs.version) {
        mb->cgroup = strdup(cs.path);
        if (!mb->cgroup) {
            rc = -ENOMEM;
            goto out;
        }
        mb->cgroup_version = cs.version;
        np_kvm_cpuset_read(rootfd, &cs, false, false, &mb->cpuset_mems);
        np_kvm_cpuset_read(rootfd, &cs, true, false,
                           &mb->cpuset_mems_effective);
        if (!np_kvm_cpuset_others(rootfd, &cs, g->id, NULL, 0, &others))
            mb->cgroup_shared = others > 0;
    }
    /* every node with memory is every node: one without memory can
     * hold none, and "all" is what undo puts back as automatic */
    if (all_memory_nodes(topo, &nodes))
        np_topo_all_nodes(topo, &nodes);
    rc = 0;
    np_cpumap_dispose(&g->node_affinity);
    g->node_affinity = nodes;
    np_cpumap_init(&nodes);
    np_membind_free(g->membind);
    g->membind = mb;
    mb = NULL;
out:
    np_membind_free(mb);
    np_cpumap_dispose(&nodes);
    np_cpumap_dispose(&bound);
    free(status);
    free(maps);
    return rc;
}
