/*
 * linux_host.c: the Linux host's topology, read from sysfs and procfs under
 * a root directory (see linux_host.h for the files and the traps).
 *
 * Worked example: a host whose node 1 was hot-removed (node ids 0 and 2):
 *
 *     sys/devices/system/node/online          "0,2\n"
 *     sys/devices/system/node/node0/distance  "10 28\n"
 *     sys/devices/system/node/node2/distance  "28 10\n"
 *
 * node/online gives the columns: column 0 is node 0, column 1 is node 2.
 * The topology gets nr_node_ids 3, node 1 absent, distance(0, 2) = 28 and
 * distance(0, 1) = 0 (unknown: node 1 does not exist).  Reading column 1
 * as node 1 would be the classic mistake.
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
#include <sys/utsname.h>
#include <unistd.h>

#include "hw.h"
#include "hwloc_host.h"
#include "linux_host.h"
#include "linux_int.h"
#include "rootfs.h"

/*
 * The node of an offline CPU, from its cpuN/nodeM entry (a symlink to
 * ../../node/nodeM on a real kernel): M, or -1 when there is none or it
 * leads nowhere.
 */
static int read_cpu_node_link(const struct np_rootfs *r, int cpu, int *node_out)
{
    char rel[64], path[PATH_MAX];
    DIR *dir = NULL;
    struct dirent *de;
    struct stat st;
    const char *p;
    unsigned long id;
    int dfd = -1, found = -1, rc = 0;

    snprintf(rel, sizeof(rel), SYS_CPU "/cpu%d", cpu);
    dfd = np_rootfs_openat(r->rootfd, rel, O_RDONLY | O_DIRECTORY);
    if (dfd < 0) {
        rc = dfd;
        np_err_set(r->err, rc, "cannot open '%s': %s",
                   np_rootfs_where(r, rel, path, sizeof(path)), strerror(-rc));
        goto out;
    }
    dir = fdopendir(dfd);
    if (!dir) {
        rc = -errno;
        goto out;
    }
    dfd = -1; /* owned by dir now */
    while ((de = readdir(dir))) {
        p = de->d_name;
        if (strncmp(p, "node", 4))
            continue;
        p += 4;
        if (np_rootfs_parse_num(&p, &id) || *p || id >= NP_MAX_NODE_IDS)
            continue;
        if (fstatat(dirfd(dir), de->d_name, &st, 0) || !S_ISDIR(st.st_mode))
            continue;
        if (found >= 0 && found != (int)id) {
            rc = np_err_set(
                r->err, -EINVAL, "'%s' links to node %d and to node %lu",
                np_rootfs_where(r, rel, path, sizeof(path)), found, id);
            goto out;
        }
        found = (int)id;
    }
    *node_out = found;
out:
    if (dir)
        closedir(dir);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* One topology attribute of a CPU, -1 when the file is absent. */
static int read_cpu_attr(const struct np_rootfs *r, int cpu, const char *name,
                         int *value_out)
{
    char rel[96];
    int rc;

    snprintf(rel, sizeof(rel), SYS_CPU "/cpu%d/topology/%s", cpu, name);
    rc = np_rootfs_read_int(r, rel, true, value_out);
    if (rc == -ENOENT) {
        *value_out = -1;
        rc = 0;
    }
    return rc;
}

/* One present CPU: online state, placement, siblings, and the node of an
 * offline CPU that no cpulist names. */
static int read_cpu(const struct np_rootfs *r, struct np_topo *topo, int cpu,
                    const struct np_cpumap *online)
{
    char rel[96], path[PATH_MAX];
    struct np_cpu *c = &topo->cpus[cpu];
    struct stat st;
    int rc, value, sibling;

    /* Every present CPU has its directory, online or not. */
    snprintf(rel, sizeof(rel), SYS_CPU "/cpu%d", cpu);
    if (fstatat(r->rootfd, rel, &st, 0)) {
        rc = -errno;
        np_err_set(r->err, rc, "cannot open '%s' (cpu %d is present): %s",
                   np_rootfs_where(r, rel, path, sizeof(path)), cpu,
                   strerror(-rc));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = np_err_set(r->err, -ENOTDIR, "'%s' is not a directory",
                        np_rootfs_where(r, rel, path, sizeof(path)));
        goto out;
    }

    snprintf(rel, sizeof(rel), SYS_CPU "/cpu%d/online", cpu);
    rc = np_rootfs_read_int(r, rel, true, &value);
    if (rc == -ENOENT) {
        /* cpu0 on x86, or a kernel without CPU hotplug */
        c->online = np_cpumap_test(online, cpu);
        rc = 0;
    } else if (rc) {
        goto out;
    } else if (value != 0 && value != 1) {
        rc = np_err_set(r->err, -EINVAL, "'%s' holds '%d', not 0 or 1",
                        np_rootfs_where(r, rel, path, sizeof(path)), value);
        goto out;
    } else {
        c->online = value == 1;
    }

    rc = read_cpu_attr(r, cpu, "physical_package_id", &c->socket);
    if (rc)
        goto out;
    rc = read_cpu_attr(r, cpu, "die_id", &c->die);
    if (rc)
        goto out;
    rc = read_cpu_attr(r, cpu, "core_id", &c->core);
    if (rc)
        goto out;

    snprintf(rel, sizeof(rel), SYS_CPU "/cpu%d/topology/thread_siblings_list",
             cpu);
    rc = np_rootfs_read_list(r, rel, NP_MAX_CPU_IDS, true, &c->siblings);
    if (rc == -ENOENT) {
        rc = 0; /* offline: no topology/, siblings unknown */
    } else if (rc) {
        goto out;
    } else {
        np_cpumap_for_each(sibling, &c->siblings)
        {
            if (!np_topo_cpu_exists(topo, sibling)) {
                rc = np_err_set(
                    r->err, -EINVAL,
                    "'%s' lists cpu %d, which '%s/present' does not list",
                    np_rootfs_where(r, rel, path, sizeof(path)), sibling,
                    SYS_CPU);
                goto out;
            }
        }
        rc = np_cpumap_resize(&c->siblings, topo->nr_cpu_ids);
        if (rc)
            goto out;
    }

    if (c->node < 0) {
        rc = read_cpu_node_link(r, cpu, &value);
        if (rc)
            goto out;
        if (np_topo_node_exists(topo, value))
            c->node = value;
    }
out:
    return rc;
}

/*
 * The architecture, from /proc/cpuinfo: "x86_64" when an x86 CPU has the
 * long-mode flag "lm" (what lscpu's "64-bit" op-mode means), "i686"
 * without it; "aarch64" / "armv7l" from "CPU architecture: 8" / "7".
 * NULL when it cannot be told.
 */
static const char *arch_from_cpuinfo(const char *key, size_t key_len,
                                     const char *value, bool *x86)
{
    const char *p;
    size_t n;

    if (np_linux_key_is(key, key_len, "vendor_id"))
        *x86 = true;
    if (*x86 && np_linux_key_is(key, key_len, "flags")) {
        for (p = value; *p; p += n) {
            while (*p == ' ')
                p++;
            n = strcspn(p, " ");
            if (n == 2 && !strncmp(p, "lm", 2))
                return "x86_64";
        }
        return "i686";
    }
    if (np_linux_key_is(key, key_len, "CPU architecture")) {
        if (!strcmp(value, "8"))
            return "aarch64";
        if (!strcmp(value, "7"))
            return "armv7l";
    }
    return NULL;
}

/* proc/cpuinfo: the first "cpu MHz" and, when wanted, the architecture. */
static int read_cpuinfo(const struct np_rootfs *r, struct np_topo *topo,
                        bool want_arch)
{
    const char *rel = "proc/cpuinfo";
    char path[PATH_MAX], text_buf[64];
    char *text = NULL, *cursor, *line;
    const char *key, *value, *arch = NULL, *p;
    size_t key_len;
    unsigned long mhz;
    bool x86 = false, have_mhz = false;
    int rc;

    rc = np_rootfs_read_text(r, rel, true, &text);
    if (rc == -ENOENT) {
        rc = 0;
        goto out;
    }
    if (rc)
        goto out;
    cursor = text;
    while ((line = np_linux_next_line(&cursor))) {
        if (!np_linux_split_line(line, &key, &key_len, &value))
            continue;
        if (!have_mhz && np_linux_key_is(key, key_len, "cpu MHz")) {
            p = value;
            if (np_rootfs_parse_num(&p, &mhz) || mhz > UINT_MAX ||
                (*p && (*p != '.' || !isdigit((unsigned char)p[1])))) {
                rc = np_err_set(
                    r->err, -EINVAL,
                    "'%s' has a line '%s', expected like 'cpu MHz : 2096.064'",
                    np_rootfs_where(r, rel, path, sizeof(path)),
                    np_rootfs_show(line, text_buf, sizeof(text_buf)));
                goto out;
            }
            topo->cpu_mhz = (unsigned int)mhz;
            have_mhz = true;
        }
        if (want_arch && !arch)
            arch = arch_from_cpuinfo(key, key_len, value, &x86);
    }
    if (arch) {
        topo->cpu_model = strdup(arch);
        if (!topo->cpu_model)
            rc = -ENOMEM;
    }
out:
    free(text);
    return rc;
}

/* The live host's architecture, as uname -m prints it. */
static int read_uname(struct np_topo *topo)
{
    struct utsname u;

    if (uname(&u))
        return 0; /* leave it unknown */
    topo->cpu_model = strdup(u.machine);
    return topo->cpu_model ? 0 : -ENOMEM;
}

/* A kernel without CONFIG_NUMA: one node 0 with every CPU. */
static void make_flat(struct np_topo *topo, const struct np_cpumap *present)
{
    int cpu;

    np_topo_add_node(topo, 0);
    np_topo_set_distance(topo, 0, 0, LOCAL_DISTANCE);
    np_cpumap_for_each(cpu, present) topo->cpus[cpu].node = 0;
}

/* Is there a node directory at all? */
static int has_node_dir(const struct np_rootfs *r, bool *has_out)
{
    char path[PATH_MAX];
    struct stat st;
    int rc = 0;

    *has_out = true;
    if (!fstatat(r->rootfd, SYS_NODE, &st, 0))
        return 0;
    rc = -errno;
    if (rc == -ENOENT) {
        *has_out = false;
        return 0;
    }
    return np_err_set(r->err, rc, "cannot look at '%s': %s",
                      np_rootfs_where(r, SYS_NODE, path, sizeof(path)),
                      strerror(-rc));
}

/* The ids of the directories PREFIX<id> in rel (cpuN, nodeN), for kernels
 * that do not write the id lists.  map is allocated to limit bits. */
static int list_dirs(const struct np_rootfs *r, const char *rel,
                     const char *prefix, unsigned int limit,
                     struct np_cpumap *map)
{
    char path[PATH_MAX];
    size_t n = strlen(prefix);
    DIR *dir;
    struct dirent *de;
    struct stat st;
    const char *p;
    unsigned long id;
    int dfd, rc;

    rc = np_cpumap_alloc(map, limit);
    if (rc)
        return rc;
    dfd = np_rootfs_openat(r->rootfd, rel, O_RDONLY | O_DIRECTORY);
    if (dfd < 0) {
        rc = dfd;
        np_cpumap_dispose(map);
        return np_err_set(r->err, rc, "cannot open '%s': %s",
                          np_rootfs_where(r, rel, path, sizeof(path)),
                          strerror(-rc));
    }
    dir = fdopendir(dfd);
    if (!dir) {
        rc = -errno;
        close(dfd);
        np_cpumap_dispose(map);
        return rc;
    }
    while ((de = readdir(dir))) {
        p = de->d_name;
        if (strncmp(p, prefix, n))
            continue;
        p += n;
        if (np_rootfs_parse_num(&p, &id) || *p || id >= limit)
            continue;
        if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
            !S_ISDIR(st.st_mode))
            continue;
        rc = np_cpumap_set(map, (int)id);
        if (rc)
            break;
    }
    closedir(dir);
    if (rc)
        np_cpumap_dispose(map);
    return rc;
}

/* An id list that older kernels do not write: the file, else the
 * directories. */
static int read_list_or_dirs(const struct np_rootfs *r, const char *rel,
                             const char *dir, const char *prefix,
                             unsigned int limit, struct np_cpumap *map)
{
    int rc = np_rootfs_read_list(r, rel, limit, true, map);

    if (rc == -ENOENT)
        rc = list_dirs(r, dir, prefix, limit, map);
    return rc;
}

/* The ids of map in order, in a new array.  NULL when out of memory. */
static int *ids_of(const struct np_cpumap *map, unsigned int *nr_out)
{
    unsigned int n = 0;
    int *ids, id;

    ids = calloc(np_cpumap_weight(map) + 1, sizeof(*ids));
    if (!ids)
        return NULL;
    np_cpumap_for_each(id, map) ids[n++] = id;
    *nr_out = n;
    return ids;
}

/* The kernel's node of each PCI device hwloc could not tie to one node
 * (sys/bus/pci/devices/BDF/numa_node: the firmware's proximity domain). */
static int read_pci_nodes(const struct np_rootfs *r, struct np_topo *topo)
{
    char rel[96];
    unsigned int i;
    int node, rc;

    for (i = 0; topo->hw && i < topo->hw->nr_pci; i++) {
        struct np_hw_pci *d = &topo->hw->pci[i];

        if (d->node >= 0)
            continue;
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/numa_node", d->bdf);
        rc = np_rootfs_read_int(r, rel, true, &node);
        if (rc == -ENOENT || rc == -EINVAL) {
            np_err_clear(r->err);
            continue;
        }
        if (rc)
            return rc;
        if (np_topo_node_exists(topo, node)) {
            d->node = node;
            if (np_cpumap_is_empty(&d->cpus))
                np_cpumap_or(&d->cpus, &topo->nodes[node].cpus);
        }
    }
    return 0;
}

static int read_host(const char *root, struct np_topo *topo, struct np_err *err,
                     bool with_hwloc)
{
    struct np_rootfs r = {.rootfd = -1, .root = root ? root : "/", .err = err};
    char path[PATH_MAX], *source = NULL;
    struct np_cpumap present, online, nodes, possible;
    struct meminfo mi;
    struct columns cols = {0};
    int *online_ids = NULL, *possible_ids = NULL;
    unsigned int nr_cpu_ids, nr_node_ids;
    bool numa = true;
    int rc, cpu, node;

    np_cpumap_init(&present);
    np_cpumap_init(&online);
    np_cpumap_init(&nodes);
    np_cpumap_init(&possible);
    np_topo_dispose(topo);

    r.rootfd = open(r.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r.rootfd < 0) {
        rc = -errno;
        np_err_set(err, rc, "cannot open the host root directory '%s': %s",
                   r.root, strerror(-rc));
        goto out;
    }

    /* Kernels before 2.6.26 have no cpu/present nor cpu/online: the cpuN
     * directories are the CPUs, each online unless its cpuN/online says
     * otherwise. */
    rc = read_list_or_dirs(&r, SYS_CPU "/present", SYS_CPU, "cpu",
                           NP_MAX_CPU_IDS, &present);
    if (rc)
        goto out;
    if (np_cpumap_is_empty(&present)) {
        rc = np_err_set(err, -EINVAL, "'%s' lists no cpu and has no cpuN",
                        np_rootfs_where(&r, SYS_CPU, path, sizeof(path)));
        goto out;
    }
    rc = np_rootfs_read_list(&r, SYS_CPU "/online", NP_MAX_CPU_IDS, true,
                             &online);
    if (rc == -ENOENT)
        rc = np_cpumap_copy(&online, &present);
    if (rc)
        goto out;

    rc = has_node_dir(&r, &numa);
    if (rc)
        goto out;
    if (numa) {
        rc = read_list_or_dirs(&r, SYS_NODE "/online", SYS_NODE, "node",
                               NP_MAX_NODE_IDS, &nodes);
        if (rc)
            goto out;
        if (np_cpumap_is_empty(&nodes) &&
            !faccessat(r.rootfd, SYS_NODE "/online", F_OK, 0)) {
            rc = np_err_set(
                err, -EINVAL, "'%s' lists no node",
                np_rootfs_where(&r, SYS_NODE "/online", path, sizeof(path)));
            goto out;
        }
        /* A node directory with no node in it: a kernel without NUMA. */
        numa = !np_cpumap_is_empty(&nodes);
    }
    if (numa) {
        rc = np_rootfs_read_list(&r, SYS_NODE "/possible", NP_MAX_NODE_IDS,
                                 true, &possible);
        if (rc && rc != -ENOENT)
            goto out;
        if (rc == -ENOENT) {
            np_cpumap_dispose(&possible);
        } else if (!np_cpumap_subset(&nodes, &possible)) {
            np_cpumap_or(&possible, &nodes);
        }
        rc = 0;
    }

    nr_cpu_ids = (unsigned int)np_cpumap_last(&present) + 1;
    nr_node_ids = numa ? (unsigned int)np_cpumap_last(&nodes) + 1 : 1;
    rc = np_topo_alloc(topo, nr_cpu_ids, nr_node_ids);
    if (rc)
        goto out;
    topo->hw = np_hw_new(nr_cpu_ids, nr_node_ids);
    if (!topo->hw) {
        rc = -ENOMEM;
        goto out;
    }
    np_cpumap_for_each(cpu, &present) np_topo_add_cpu(topo, cpu);

    if (numa) {
        online_ids = ids_of(&nodes, &cols.nr_online);
        if (!online_ids) {
            rc = -ENOMEM;
            goto out;
        }
        cols.online = online_ids;
        cols.nodes = &nodes;
        if (possible.nr_bits) {
            possible_ids = ids_of(&possible, &cols.nr_possible);
            if (!possible_ids) {
                rc = -ENOMEM;
                goto out;
            }
            cols.possible = possible_ids;
        }
        np_cpumap_for_each(node, &nodes)
        {
            rc = np_linux_read_node(&r, topo, node, &cols);
            if (rc)
                goto out;
        }
    } else {
        make_flat(topo, &present);
        rc = np_linux_read_hugepages(&r, topo, -1);
        if (rc)
            goto out;
    }
    np_cpumap_for_each(cpu, &present)
    {
        rc = read_cpu(&r, topo, cpu, &online);
        if (rc)
            goto out;
    }

    rc = np_linux_read_meminfo(&r, "proc/meminfo", -1, true, &mi);
    if (rc == -ENOENT) {
        rc = 0;
        memset(&mi, 0, sizeof(mi));
    }
    if (rc)
        goto out;
    topo->mem_total_kib = mi.total_kib;
    if (!numa) {
        topo->nodes[0].mem_total_kib = mi.total_kib;
        topo->nodes[0].mem_free_kib = mi.free_kib;
        topo->nodes[0].mem_free_known = mi.has_free;
    }

    /* The architecture: the running kernel's own for the live host; a
     * captured tree only has its cpuinfo to tell. */
    if (!strcmp(r.root, "/")) {
        rc = read_uname(topo);
        if (rc)
            goto out;
    }
    rc = read_cpuinfo(&r, topo, !topo->cpu_model);
    if (rc)
        goto out;

    if (asprintf(&source, "linux host at %s", r.root) < 0) {
        source = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = np_topo_set_source(topo, source);
    if (rc)
        goto out;
    rc = np_topo_finish(topo, err);
    if (rc)
        goto out;
    /* hwloc reads the tree by path: a tree whose links lead out of it is
     * refused first (numapin's own reads above never leave it) */
    if (with_hwloc && strcmp(r.root, "/")) {
        rc = np_rootfs_check_links(&r);
        if (rc == -ENOSYS)
            with_hwloc = false; /* no openat2 to check with: no hwloc */
        if (rc == -ENOSYS)
            rc = 0;
        if (rc)
            goto out;
    }
    if (with_hwloc)
        rc = np_hwloc_read(r.root, topo, err);
    if (!rc && with_hwloc)
        rc = read_pci_nodes(&r, topo);
out:
    if (rc)
        np_topo_dispose(topo);
    if (r.rootfd >= 0)
        close(r.rootfd);
    free(source);
    free(online_ids);
    free(possible_ids);
    np_cpumap_dispose(&present);
    np_cpumap_dispose(&online);
    np_cpumap_dispose(&nodes);
    np_cpumap_dispose(&possible);
    return rc;
}

int np_linux_read_host(const char *root, struct np_topo *topo,
                       struct np_err *err)
{
    return read_host(root, topo, err, true);
}

int np_linux_read_sysfs(const char *root, struct np_topo *topo,
                        struct np_err *err)
{
    return read_host(root, topo, err, false);
}
