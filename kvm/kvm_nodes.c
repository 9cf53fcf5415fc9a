/*
 * kvm_nodes.c: the memory side of the KVM backend: a guest's node
 * affinity (its threads on the nodes' CPUs, numad's order, then its
 * cpuset cgroup's cpuset.mems, put back on failure), move_memory
 * (migrate_pages(2) with the kernel's node masks) and the memory each
 * guest has on each node.  The CPU side (threads, vCPUs, the emulator)
 * is backend_kvm.c's; kvm_int.h is what the two share.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend_kvm.h"
#include "kvm_cgroup.h"
#include "kvm_int.h"
#include "kvm_memory.h"
#include "cpulist.h"
#include "qemu_guests.h"
#include "rootfs.h"

/* Node masks for migrate_pages: as libnuma, 1024 bits at least and
 * maxnode one more than the bits (numad: "because of kernel bug"). */
#define NODEMASK_MIN_BITS 1024

/*
 * The CPUs for a set of nodes: theirs, or, for nodes without CPUs (memory
 * only), those of the nearest nodes that have CPUs.  *nearest_out says
 * which case.
 */
static int nodes_cpus(const struct np_topo *topo, const struct np_cpumap *nodes,
                      struct np_cpumap *cpus, bool *nearest_out)
{
    unsigned int best = UINT_MAX, d;
    int n, m, rc;

    *nearest_out = false;
    rc = np_cpumap_alloc(cpus, topo->nr_cpu_ids);
    if (rc)
        return rc;
    np_cpumap_for_each(n, nodes) if (np_topo_node_exists(topo, n))
        np_cpumap_or(cpus, np_topo_node_cpus(topo, n));
    if (!np_cpumap_is_empty(cpus))
        return 0;
    *nearest_out = true;
    np_cpumap_for_each(
        n, nodes) for (m = 0; m < (int)topo->nr_node_ids;
                       m++) if (np_topo_node_has_cpus(topo, m) &&
                                (d = np_topo_distance(topo, n, m)) && d < best)
        best = d;
    np_cpumap_for_each(
        n, nodes) for (m = 0; m < (int)topo->nr_node_ids;
                       m++) if (np_topo_node_has_cpus(topo, m) &&
                                (best == UINT_MAX ||
                                 np_topo_distance(topo, n, m) == best))
        np_cpumap_or(cpus, np_topo_node_cpus(topo, m));
    return 0;
}

/* ---- memory nodes: the guest's cpuset cgroup ----------------------- */

/* What set_node_affinity does to the memory nodes (kvm_cgroup.h). */
struct mems_change {
    struct np_kvm_cpuset cs;
    bool write; /* cs's cpuset.mems gets want */
    char *want; /* "1"; for auto the parent's nodes */
    char *old;  /* cpuset.mems before, to put back */
};

static void mems_change_dispose(struct mems_change *mc)
{
    free(mc->want);
    free(mc->old);
    mc->want = mc->old = NULL;
}

/* Parse a kernel id list into a node map of the host's size. */
static int node_map(const struct kvm_priv *priv, const char *text,
                    struct np_cpumap *map)
{
    return np_idlist_parse(text, priv->topo.nr_node_ids,
                           NP_IDLIST_SYSFS | NP_IDLIST_CLIP, map, NULL);
}

/* Does the id list text name exactly nodes? */
static bool same_nodes(const struct kvm_priv *priv, const char *text,
                       const struct np_cpumap *nodes)
{
    struct np_cpumap m;
    bool same;

    np_cpumap_init(&m);
    same = text && !node_map(priv, text, &m) && np_cpumap_equal(&m, nodes);
    np_cpumap_dispose(&m);
    return same;
}

/* Mems_allowed_list of the guest's process, as text (free() it). */
static int mems_allowed(const struct kvm_priv *priv, const struct np_guest *g,
                        char **text_out)
{
    const char *key = "\nMems_allowed_list:";
    char rel[64], *status = NULL, *p, *e;
    int rc;

    *text_out = NULL;
    snprintf(rel, sizeof(rel), "proc/%d/status", g->id);
    rc = np_rootfs_read(priv->rootfd, rel, &status, NULL);
    if (rc)
        return rc;
    p = strstr(status, key);
    if (!p) {
        free(status);
        return -ENOENT;
    }
    p += strlen(key);
    p += strspn(p, " \t");
    e = p + strcspn(p, "\n");
    *text_out = strndup(p, (size_t)(e - p));
    free(status);
    return *text_out ? 0 : -ENOMEM;
}

/*
 * Decide what happens to g's memory nodes for nodes (NULL: automatic,
 * the cgroup's restriction lifted), before anything is changed.  A guest
 * whose cgroup holds other processes too, or that has no cpuset cgroup,
 * is refused unless its memory already is on exactly those nodes.
 */
static int plan_mems(const struct kvm_priv *priv, const struct np_guest *g,
                     const struct np_cpumap *nodes, struct mems_change *mc,
                     struct np_err *err)
{
    char *allowed = NULL, *eff = NULL, *nl = NULL;
    long others[4];
    unsigned int nr_others = 0, i;
    char pids[96] = "";
    int rc;

    rc = np_kvm_cpuset_find(priv->rootfd, g->id, &mc->cs);
    if (rc == -ESRCH)
        return np_err_set(err, rc, "guest %s (qemu pid %d) has gone", g->name,
                          g->id);
    if (rc)
        return rc;
    if (mc->cs.version) {
        rc = np_kvm_cpuset_read(priv->rootfd, &mc->cs, false, false, &mc->old);
        if (rc == -ENOENT && !strcmp(mc->cs.path, "/")) {
            /* the v2 root has only the effective nodes */
            mc->old = strdup("");
            rc = mc->old ? 0 : -ENOMEM;
        }
        if (!rc)
            rc = np_kvm_cpuset_read(priv->rootfd, &mc->cs, true, false, &eff);
        if (!rc)
            rc = np_kvm_cpuset_others(priv->rootfd, &mc->cs, g->id, others, 4,
                                      &nr_others);
        if (rc) {
            rc = np_err_set(err, rc,
                            "cannot read the cpuset cgroup %s of guest %s: %s",
                            mc->cs.path, g->name, strerror(-rc));
            goto out;
        }
    }
    if (!nodes) {
        /* automatic: lift what numapin could have set, nothing else */
        if (!mc->cs.version || nr_others || !mc->old[0])
            goto out;
        /*
         * The parent's nodes.  Not "" on v2: the kernel refuses to empty
         * the cpuset.mems of a cgroup that has processes (ENOSPC, seen on
         * Linux 6.1), so the parent's effective nodes, which "" gives,
         * are written instead; v1 takes the parent's cpuset.mems.
         */
        rc = np_kvm_cpuset_read(priv->rootfd, &mc->cs, mc->cs.version == 2,
                                true, &mc->want);
        if (rc == -ENOMEM)
            goto out;
        rc = 0;
        mc->write = mc->want && mc->want[0] && strcmp(mc->want, mc->old);
        goto out;
    }
    nl = np_cpulist_format_ranges(nodes);
    if (!nl) {
        rc = -ENOMEM;
        goto out;
    }
    if (mc->cs.version && !nr_others) {
        /* the guest's own cgroup: set it, explicitly, unless it is */
        mc->write = !(mc->old[0] && same_nodes(priv, mc->old, nodes) &&
                      same_nodes(priv, eff, nodes));
        if (mc->write) {
            mc->want = nl;
            nl = NULL;
        }
        goto out;
    }
    /* no cgroup of its own: only a request already true is accepted */
    if (mc->cs.version ? same_nodes(priv, eff, nodes)
                       : (!mems_allowed(priv, g, &allowed) &&
                          same_nodes(priv, allowed, nodes)))
        goto out;
    if (!mc->cs.version) {
        rc = np_err_set(
            err, -EOPNOTSUPP,
            "cannot bind the memory of %s (qemu pid %d) to node(s) %s: %s, and a running process's memory policy can only be set through its cgroup's cpuset.mems; run the guest in a cgroup of its own (systemd-run --scope, libvirt)",
            g->name, g->id, nl, mc->cs.why);
        goto out;
    }
    for (i = 0; i < nr_others && i < 4 && strcmp(mc->cs.path, "/"); i++)
        snprintf(pids + strlen(pids), sizeof(pids) - strlen(pids), "%s%ld",
                 i ? ", " : " (pids ", others[i]);
    if (pids[0])
        snprintf(pids + strlen(pids), sizeof(pids) - strlen(pids), "%s)",
                 nr_others > 4 ? ", ..." : "");
    if (!strcmp(mc->cs.path, "/"))
        rc = np_err_set(
            err, -EBUSY,
            "guest %s (qemu pid %d) is in the root cpuset cgroup (v%d) with every other process: setting its cpuset.mems would bind theirs too; run the guest in a cgroup of its own (systemd-run --scope, libvirt)",
            g->name, g->id, mc->cs.version);
    else
        rc = np_err_set(
            err, -EBUSY,
            "guest %s (qemu pid %d) shares its cpuset cgroup %s (v%d) with %u other process%s%s: setting its cpuset.mems would bind theirs too; run the guest in a cgroup of its own (systemd-run --scope, libvirt)",
            g->name, g->id, mc->cs.path, mc->cs.version, nr_others,
            nr_others == 1 ? "" : "es", pids);
out:
    free(allowed);
    free(eff);
    free(nl);
    return rc;
}

/* Write mc->want into the cgroup, read back what the kernel holds, and
 * put the old value back when it is not what was asked. */
static int write_mems(const struct kvm_priv *priv, const struct np_guest *g,
                      const struct np_cpumap *nodes, struct mems_change *mc,
                      struct np_note *note, struct np_err *err)
{
    char *eff = NULL, *parent = NULL, *allowed = NULL;
    int rc;

    rc = np_kvm_cpuset_write(priv->rootfd, &mc->cs, mc->want);
    if (rc == -EACCES || rc == -EPERM) {
        rc = np_err_set(
            err, rc,
            "permission denied writing cpuset.mems of cgroup %s (v%d): run numapin as root",
            mc->cs.path, mc->cs.version);
        goto out;
    }
    if (rc) {
        np_kvm_cpuset_read(priv->rootfd, &mc->cs, mc->cs.version == 2, true,
                           &parent);
        rc = np_err_set(
            err, rc,
            "the kernel refused cpuset.mems '%s' for cgroup %s (v%d): %s%s%s%s",
            mc->want, mc->cs.path, mc->cs.version, strerror(-rc),
            parent ? " (the parent cgroup has nodes " : "",
            parent ? parent : "", parent ? ")" : "");
        goto out;
    }
    rc = np_kvm_cpuset_read(priv->rootfd, &mc->cs, true, false, &eff);
    if (!rc && nodes && !same_nodes(priv, eff, nodes)) {
        np_kvm_cpuset_write(priv->rootfd, &mc->cs, mc->old);
        rc = np_err_set(
            err, -EINVAL,
            "the kernel gives cgroup %s nodes %s, not %s: its parent does not allow them (cpuset.mems put back to '%s')",
            mc->cs.path, eff, mc->want, mc->old);
        goto out;
    }
    rc = 0;
    np_note_add(note, "cpuset.mems of cgroup %s (v%d) set to '%s' (was '%s')",
                mc->cs.path, mc->cs.version, mc->want, mc->old);
    /* threads in cgroups below with nodes of their own (libvirt's vcpuN)
     * keep those: say so when the process does not have what was asked */
    if (nodes && !mems_allowed(priv, g, &allowed) &&
        !same_nodes(priv, allowed, nodes))
        np_note_add(note,
                    "qemu pid %d's Mems_allowed_list is %s: a cgroup below "
                    "%s narrows it",
                    g->id, allowed, mc->cs.path);
out:
    free(eff);
    free(parent);
    free(allowed);
    return rc;
}

/* KiB per node of the guest now; NULL when numa_maps cannot be read. */
static uint64_t *guest_numa(const struct kvm_priv *priv,
                            const struct np_guest *g);

int kvm_set_node_affinity(struct np_backend *be, const struct np_guest *g,
                          const struct np_cpumap *nodes, struct np_note *note,
                          struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    struct np_cpumap cpus;
    struct mems_change mc = {.write = false};
    struct kvm_saved_thread *saved = NULL;
    char moved[NP_ERR_MAX - 64], *list = NULL, *nl = NULL;
    unsigned int nr_moved = 0, nr_saved = 0;
    uint64_t *before = NULL, *after = NULL;
    bool nearest = false;
    int n, rc;

    np_cpumap_init(&cpus);
    rc = kvm_check_live(priv, err);
    if (rc)
        return rc;
    if (nodes) {
        np_cpumap_for_each(n, nodes) if (
            !np_topo_node_exists(
                &priv->topo, n)) return np_err_set(err, -EINVAL,
                                                   "node %d does not exist", n);
        rc = nodes_cpus(&priv->topo, nodes, &cpus, &nearest);
    } else {
        rc = kvm_online_cpus(&priv->topo, &cpus);
    }
    if (rc)
        goto out;
    rc = kvm_check_usable(&priv->topo, &cpus, err);
    if (rc)
        goto out;
    rc = np_qemu_check_alive(priv->rootfd, g->name, g->id, g->start_time, 0,
                             err);
    if (rc)
        goto out;
    /* every refusal before the first change */
    rc = plan_mems(priv, g, nodes, &mc, err);
    if (rc)
        goto out;
    moved[0] = '\0';
    rc = kvm_pin_threads(be, g, &cpus, false, true, moved, sizeof(moved),
                         &nr_moved, &saved, &nr_saved, note, err);
    if (rc)
        goto out;
    if (mc.write) {
        before = guest_numa(priv, g);
        rc = write_mems(priv, g, nodes, &mc, note, err);
        if (rc) {
            kvm_restore_threads(saved, nr_saved);
            saved = NULL;
            nr_saved = 0;
            goto out;
        }
        after = guest_numa(priv, g);
        if (nodes && before && after) {
            uint64_t was = 0, still = 0;

            for (n = 0; n < (int)priv->topo.nr_node_ids; n++)
                if (!np_cpumap_test(nodes, n)) {
                    was += before[n];
                    still += after[n];
                }
            if (was)
                np_note_add(note,
                            "the kernel moved %llu KiB of %s into them "
                            "(%llu KiB still outside)",
                            (unsigned long long)(was > still ? was - still : 0),
                            g->name, (unsigned long long)still);
        }
    }
    if (nr_moved) {
        list = np_cpulist_format_ranges(&cpus);
        np_note_add(note, "moved %u thread%s of %s into cpus %s: %s", nr_moved,
                    nr_moved == 1 ? "" : "s", g->name, list ? list : "?",
                    moved);
        free(list);
        list = NULL;
    }
    if (nearest) {
        list = np_cpulist_format_ranges(&cpus);
        nl = np_cpulist_format_ranges(nodes);
        np_note_add(note,
                    "%s %s %s no cpus: the threads of %s run on the nearest "
                    "cpus, %s",
                    np_cpumap_weight(nodes) > 1 ? "nodes" : "node",
                    nl ? nl : "?", np_cpumap_weight(nodes) > 1 ? "have" : "has",
                    g->name, list ? list : "?");
    }
out:
    for (n = 0; n < (int)nr_saved; n++)
        np_cpumap_dispose(&saved[n].cpus);
    free(saved);
    free(before);
    free(after);
    free(list);
    free(nl);
    mems_change_dispose(&mc);
    np_cpumap_dispose(&cpus);
    return rc;
}

/* KiB per node of the guest now; NULL when numa_maps cannot be read. */
static uint64_t *guest_numa(const struct kvm_priv *priv,
                            const struct np_guest *g)
{
    uint64_t *kib = NULL;

    if (np_qemu_read_numa(priv->rootfd, g->id, priv->topo.nr_node_ids, &kib))
        return NULL;
    return kib;
}

static uint64_t sum_nodes(const uint64_t *kib, const struct np_cpumap *nodes)
{
    uint64_t s = 0;
    int n;

    np_cpumap_for_each(n, nodes) s += kib[n];
    return s;
}

int kvm_move_memory(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *from, const struct np_cpumap *to,
                    struct np_note *note, struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    const struct np_topo *topo = &priv->topo;
    struct np_cpumap src, dst;
    uint64_t *before = NULL, *after = NULL;
    unsigned long *src_mask = NULL, *dst_mask = NULL;
    unsigned int bits;
    size_t words;
    char *sl = NULL, *dl = NULL;
    long left;
    long page_kib = sysconf(_SC_PAGESIZE) / 1024;
    int n, rc;

    np_cpumap_init(&src);
    np_cpumap_init(&dst);
    rc = kvm_check_live(priv, err);
    if (rc)
        return rc;
    if (page_kib <= 0)
        page_kib = 4;
    rc = np_cpumap_alloc(&src, topo->nr_node_ids);
    if (!rc)
        rc = np_cpumap_alloc(&dst, topo->nr_node_ids);
    if (rc)
        goto out;
    np_cpumap_for_each(n, to)
    {
        if (!np_topo_node_exists(topo, n)) {
            rc = np_err_set(err, -EINVAL, "node %d does not exist", n);
            goto out;
        }
        if (!np_topo_node_has_memory(topo, n)) {
            rc = np_err_set(
                err, -EINVAL,
                "node %d has no memory: %s's memory cannot move there", n,
                g->name);
            goto out;
        }
        np_cpumap_set(&dst, n);
    }
    if (np_cpumap_is_empty(&dst)) {
        rc = np_err_set(err, -EINVAL, "no node to move the memory to");
        goto out;
    }
    /* a node without memory holds no pages to move */
    np_cpumap_for_each(n, from) if (np_topo_node_has_memory(topo, n) &&
                                    !np_cpumap_test(&dst, n))
        np_cpumap_set(&src, n);
    sl = np_cpulist_format_ranges(&src);
    dl = np_cpulist_format_ranges(&dst);
    if (np_cpumap_is_empty(&src)) {
        np_note_add(note,
                    "the memory of %s is already on node(s) %s: nothing to "
                    "move",
                    g->name, dl ? dl : "?");
        goto out;
    }
    rc = np_qemu_check_alive(priv->rootfd, g->name, g->id, g->start_time, 0,
                             err);
    if (rc)
        goto out;
    bits = topo->nr_node_ids;
    if (bits < NODEMASK_MIN_BITS)
        bits = NODEMASK_MIN_BITS;
    words = (bits + NP_CPUMAP_WORD_BITS - 1) / NP_CPUMAP_WORD_BITS;
    bits = (unsigned int)(words * NP_CPUMAP_WORD_BITS);
    src_mask = calloc(words, sizeof(*src_mask));
    dst_mask = calloc(words, sizeof(*dst_mask));
    if (!src_mask || !dst_mask) {
        rc = -ENOMEM;
        goto out;
    }
    np_cpumap_for_each(n, &src) src_mask[n / NP_CPUMAP_WORD_BITS] |=
        1ul << (n % NP_CPUMAP_WORD_BITS);
    np_cpumap_for_each(n, &dst) dst_mask[n / NP_CPUMAP_WORD_BITS] |=
        1ul << (n % NP_CPUMAP_WORD_BITS);
    before = guest_numa(priv, g);
    left = syscall(SYS_migrate_pages, (pid_t)g->id, (unsigned long)bits + 1,
                   src_mask, dst_mask);
    if (left < 0) {
        rc = -errno;
        if (rc == -EPERM)
            rc = kvm_set_failed(priv, g, g->id, "memory", rc, err);
        else if (rc == -ESRCH)
            rc = np_err_set(err, rc, "guest %s (qemu pid %d) has gone", g->name,
                            g->id);
        else
            rc = np_err_set(
                err, rc, "migrate_pages from nodes %s to nodes %s failed: %s",
                sl ? sl : "?", dl ? dl : "?", strerror(-rc));
        goto out;
    }
    after = guest_numa(priv, g);
    if (before && after) {
        uint64_t was = sum_nodes(before, &src), still = sum_nodes(after, &src);
        uint64_t moved = was > still ? was - still : 0;

        np_note_add(note,
                    "moved %llu pages (%llu KiB) of %s from node(s) %s to "
                    "node(s) %s; %llu pages not moved%s",
                    (unsigned long long)(moved / (uint64_t)page_kib),
                    (unsigned long long)moved, g->name, sl ? sl : "?",
                    dl ? dl : "?",
                    (unsigned long long)(still / (uint64_t)page_kib),
                    left ? " (the kernel could not move some)" : "");
    } else {
        np_note_add(note,
                    "moved the memory of %s from nodes %s to nodes %s; %ld "
                    "pages not moved (numa_maps unreadable: no count of the "
                    "pages moved)",
                    g->name, sl ? sl : "?", dl ? dl : "?", left);
    }
    rc = 0;
out:
    free(before);
    free(after);
    free(src_mask);
    free(dst_mask);
    free(sl);
    free(dl);
    np_cpumap_dispose(&src);
    np_cpumap_dispose(&dst);
    return rc;
}

/* Each guest's memory per node now (kvm_memory.h); a guest whose memory
 * cannot be read now (gone, another user's) keeps what read_guests saw. */
int kvm_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                       struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    unsigned int i;
    int rc;

    for (i = 0; i < snap->nr_guests; i++) {
        struct np_guest *g = &snap->guests[i];
        uint64_t *kib = NULL;
        const char *src = NULL;

        rc = np_kvm_guest_memory(priv->rootfd, g->id, snap->topo.nr_node_ids,
                                 &kib, &src);
        if (rc == -ENOMEM)
            return np_err_set(err, rc, "out of memory");
        if (rc)
            continue; /* gone, or not ours: what was read stays */
        free(g->mem_per_node_kib);
        g->mem_per_node_kib = kib;
        g->mem_source = src;
    }
    return 0;
}
