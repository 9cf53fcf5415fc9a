/*
 * backend_kvm.c: the KVM backend: the Linux host through a root directory,
 * QEMU guests as processes, vCPUs as threads.
 *
 * Reads go through the root directory (linux_host.c, qemu_guests.c), so a
 * captured tree can be read; writes (sched_setaffinity, migrate_pages) act
 * on the live host only, and refuse when the root is not "/".  This file is
 * the one place where an np_cpumap becomes a cpu_set_t or a kernel node
 * mask.
 *
 * Worked example: `numapin numatune web 1 --migrate` on a host with nodes
 * 0 (cpus 0-3) and 1 (cpus 4-7) calls set_node_affinity(web, {1}): every
 * thread of web's QEMU gets cpus 4-7 (numad's order: pin first, so that
 * new pages follow), then move_memory(web, {0}, {1}): one
 * migrate_pages(pid, 1025, {0}, {1}), and a note with the pages that
 * numa_maps shows moved.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend_kvm.h"
#include "kvm_cgroup.h"
#include "kvm_memory.h"
#include "cpulist.h"
#include "linux_host.h"
#include "qemu_guests.h"
#include "rootfs.h"

/* Node masks for migrate_pages: as libnuma, 1024 bits at least and
 * maxnode one more than the bits (numad: "because of kernel bug"). */
#define NODEMASK_MIN_BITS 1024

struct kvm_priv {
    char *root; /* "/" for the live host */
    int rootfd;
    bool live;           /* root is "/": writes allowed */
    struct np_topo topo; /* from read_host, for the writes */
    bool have_topo;
};

static int kvm_open(struct np_backend *be, const char *arg, struct np_err *err)
{
    struct kvm_priv *priv = NULL;
    const char *root = arg ? arg : "/";
    char *real = NULL;
    int rc;

    priv = calloc(1, sizeof(*priv));
    if (!priv)
        return -ENOMEM;
    priv->rootfd = -1;
    np_topo_init(&priv->topo);
    priv->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (priv->rootfd < 0) {
        rc = -errno;
        np_err_set(err, rc, "cannot open the host root directory '%s': %s",
                   root, strerror(-rc));
        goto out;
    }
    priv->root = strdup(root);
    if (!priv->root) {
        rc = -ENOMEM;
        goto out;
    }
    real = realpath(root, NULL);
    priv->live = real && !strcmp(real, "/");
    be->read_only = !priv->live;
    be->priv = priv;
    priv = NULL;
    rc = 0;
out:
    free(real);
    if (priv) {
        if (priv->rootfd >= 0)
            close(priv->rootfd);
        free(priv->root);
        free(priv);
    }
    return rc;
}

static void kvm_close(struct np_backend *be)
{
    struct kvm_priv *priv = be->priv;

    if (priv) {
        if (priv->rootfd >= 0)
            close(priv->rootfd);
        np_topo_dispose(&priv->topo);
        free(priv->root);
    }
    free(priv);
    be->priv = NULL;
}

static int kvm_read_host(struct np_backend *be, struct np_snapshot *snap,
                         struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    int rc;

    rc = np_linux_read_host(priv->root, &snap->topo, err);
    if (rc)
        return rc;
    snap->backend = "kvm";
    rc = np_topo_copy(&priv->topo, &snap->topo);
    if (rc)
        return rc;
    priv->have_topo = true;
    return 0;
}

static int kvm_read_guests(struct np_backend *be, struct np_snapshot *snap,
                           struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    unsigned int i;
    int rc;

    rc = np_qemu_read_guests(priv->rootfd, priv->root, be->qmp, be->pid, snap,
                             err);
    /* the PCI devices passed through: plan keeps a guest near them */
    for (i = 0; !rc && i < snap->nr_guests; i++)
        rc =
            np_kvm_guest_devices(priv->rootfd, snap->guests[i].id, &snap->topo);
    snap->backend = "kvm";
    return rc;
}

/* ---- cpu_set_t at the edge ------------------------------------------ */

/* sched_setaffinity(tid, map).  0 or -errno. */
static int thread_set(long tid, const struct np_cpumap *map)
{
    unsigned int nr = map->nr_bits ? map->nr_bits : 1;
    size_t size = CPU_ALLOC_SIZE(nr);
    cpu_set_t *set = CPU_ALLOC(nr);
    int cpu, rc = 0;

    if (!set)
        return -ENOMEM;
    CPU_ZERO_S(size, set);
    np_cpumap_for_each(cpu, map) CPU_SET_S((size_t)cpu, size, set);
    if (sched_setaffinity((pid_t)tid, size, set))
        rc = -errno;
    CPU_FREE(set);
    return rc;
}

/* sched_getaffinity(tid) into map (nr_bits bits; CPUs above left out).
 * 0 or -errno. */
static int thread_get(long tid, unsigned int nr_bits, struct np_cpumap *map)
{
    unsigned int nr = 1024, cpu;
    cpu_set_t *set;
    size_t size;
    int rc;

    rc = np_cpumap_alloc(map, nr_bits);
    if (rc)
        return rc;
    for (;;) {
        set = CPU_ALLOC(nr);
        if (!set)
            return -ENOMEM;
        size = CPU_ALLOC_SIZE(nr);
        if (!sched_getaffinity((pid_t)tid, size, set))
            break;
        rc = -errno;
        CPU_FREE(set);
        if (rc != -EINVAL || nr >= (1u << 22))
            return rc;
        nr *= 2; /* the kernel has more possible CPUs */
    }
    for (cpu = 0; cpu < nr_bits && cpu < nr; cpu++)
        if (CPU_ISSET_S(cpu, size, set))
            np_cpumap_set(map, (int)cpu);
    CPU_FREE(set);
    return 0;
}

/* ---- checks before a write ------------------------------------------ */

/* The dispatch layer (backend.c) has refused writes to a captured tree
 * (be->read_only) already. */
static int check_live(const struct kvm_priv *priv, struct np_err *err)
{
    if (!priv->have_topo)
        return np_err_set(err, -EINVAL, "the host was not read first");
    return 0;
}

static int no_vcpu_threads(const struct np_guest *g, struct np_err *err)
{
    return np_err_set(err, -EOPNOTSUPP,
                      "cannot tell the vcpu threads of guest %s (qemu pid "
                      "%d): start QEMU with -name guest=%s,debug-threads=on "
                      "(as libvirt does), or give its QMP socket with --qmp",
                      g->name, g->id, g->name);
}

/* Does another vCPU of g run in vCPU v's thread? */
static bool shared_thread(const struct np_guest *g, unsigned int v)
{
    unsigned int i;

    for (i = 0; i < g->nr_vcpus; i++)
        if (i != v && g->vcpus[i].tid && g->vcpus[i].tid == g->vcpus[v].tid)
            return true;
    return false;
}

static bool is_vcpu_tid(const struct np_guest *g, long tid)
{
    unsigned int i;

    for (i = 0; i < g->nr_vcpus; i++)
        if (g->vcpus[i].tid == tid)
            return true;
    return false;
}

/* The online CPUs of the host. */
static int online_cpus(const struct np_topo *topo, struct np_cpumap *map)
{
    unsigned int cpu;
    int rc;

    rc = np_cpumap_alloc(map, topo->nr_cpu_ids);
    if (rc)
        return rc;
    for (cpu = 0; cpu < topo->nr_cpu_ids; cpu++)
        if (topo->cpus[cpu].present && topo->cpus[cpu].online)
            np_cpumap_set(map, (int)cpu);
    return 0;
}

/* cpus must hold an online CPU: -EINVAL with a sentence otherwise. */
static int check_usable(const struct np_topo *topo,
                        const struct np_cpumap *cpus, struct np_err *err)
{
    struct np_cpumap online;
    char *want = NULL, *have = NULL;
    int rc;

    np_cpumap_init(&online);
    rc = online_cpus(topo, &online);
    if (rc)
        goto out;
    if (np_cpumap_intersects(cpus, &online))
        goto out;
    want = np_cpulist_format_ranges(cpus);
    have = np_cpulist_format_ranges(&online);
    rc = np_err_set(err, -EINVAL,
                    "no cpu of '%s' is online: the host's online cpus are "
                    "%s",
                    want && *want ? want : "(none)", have ? have : "?");
out:
    free(want);
    free(have);
    np_cpumap_dispose(&online);
    return rc;
}

struct kvm_priv;
static int thread_set_guarded(struct kvm_priv *priv, const struct np_guest *g,
                              long tid, const struct np_cpumap *map,
                              struct np_err *err);

/* A sentence for a failed sched_setaffinity on tid of g. */
static int set_failed(const struct kvm_priv *priv, const struct np_guest *g,
                      long tid, const char *what, int rc, struct np_err *err)
{
    struct stat st;
    char rel[64];

    if (rc == -EPERM) {
        snprintf(rel, sizeof(rel), "proc/%d", g->id);
        if (fstatat(priv->rootfd, rel, &st, 0))
            st.st_uid = (uid_t)-1;
        return np_err_set(err, -EPERM,
                          "permission denied: guest %s (qemu pid %d) "
                          "belongs to uid %ld and numapin runs as uid %ld; "
                          "run it as root (CAP_SYS_NICE) or as that user",
                          g->name, g->id, (long)st.st_uid, (long)getuid());
    }
    if (rc == -ESRCH)
        return np_err_set(err, -ESRCH,
                          "%s (thread %ld of qemu pid %d) has exited", what,
                          tid, g->id);
    if (rc == -EINVAL)
        return np_err_set(err, -EINVAL,
                          "the kernel refused the cpus for %s (thread %ld): "
                          "none is usable by it (offline, or outside its "
                          "cpuset cgroup)",
                          what, tid);
    return np_err_set(err, rc,
                      "cannot set the affinity of %s (thread %ld): "
                      "%s",
                      what, tid, strerror(-rc));
}

/* After a set: say in note when the kernel kept fewer CPUs. */
static void note_trimmed(struct np_note *note, const struct kvm_priv *priv,
                         long tid, const char *what,
                         const struct np_cpumap *asked)
{
    struct np_cpumap got;
    char *a = NULL, *b = NULL;

    np_cpumap_init(&got);
    if (thread_get(tid, priv->topo.nr_cpu_ids, &got) ||
        np_cpumap_equal(&got, asked))
        goto out;
    a = np_cpulist_format_ranges(asked);
    b = np_cpulist_format_ranges(&got);
    np_note_add(note,
                "the kernel narrowed %s to cpus %s (asked %s: the others are "
                "offline or outside its cpuset)",
                what, b ? b : "?", a ? a : "?");
out:
    free(a);
    free(b);
    np_cpumap_dispose(&got);
}

/* ---- writes ---------------------------------------------------------- */

static int kvm_set_vcpu_affinity(struct np_backend *be,
                                 const struct np_guest *g, int vcpu,
                                 const struct np_cpumap *hard,
                                 const struct np_cpumap *soft,
                                 unsigned int flags, struct np_note *note,
                                 struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    struct np_cpumap online;
    const struct np_vcpu *vc;
    char what[64];
    int rc;

    np_cpumap_init(&online);
    /* soft: refused by the dispatch layer (no soft_affinity) */
    if (!hard)
        return 0;
    if (vcpu < 0 || (unsigned int)vcpu >= g->nr_vcpus)
        return np_err_set(err, -EINVAL, "guest %s has no vcpu %d", g->name,
                          vcpu);
    rc = check_live(priv, err);
    if (rc)
        return rc;
    vc = &g->vcpus[vcpu];
    if (!vc->tid)
        return no_vcpu_threads(g, err);
    if (shared_thread(g, (unsigned int)vcpu)) {
        /* only a map of every online CPU (a reset) is the same for all */
        rc = online_cpus(&priv->topo, &online);
        if (rc)
            return rc;
        if (!np_cpumap_subset(&online, hard)) {
            np_cpumap_dispose(&online);
            return np_err_set(err, -EOPNOTSUPP,
                              "guest %s runs all its %u vcpus in one thread "
                              "(%ld, QEMU's single-threaded TCG): one vcpu "
                              "cannot be pinned apart; use numatune for the "
                              "whole guest, or start QEMU with -accel "
                              "tcg,thread=multi or KVM",
                              g->name, g->nr_vcpus, vc->tid);
        }
        np_cpumap_dispose(&online);
    }
    rc = check_usable(&priv->topo, hard, err);
    if (rc)
        return rc;
    rc = np_qemu_check_alive(priv->rootfd, g->name, g->id, g->start_time,
                             vc->tid, err);
    if (rc)
        return rc;
    snprintf(what, sizeof(what), "vcpu %d of %s", vcpu, g->name);
    rc = thread_set_guarded(priv, g, vc->tid, hard, err);
    if (rc == -ESRCH)
        return rc;
    if (rc)
        return set_failed(priv, g, vc->tid, what, rc, err);
    note_trimmed(note, priv, vc->tid, what, hard);
    return 0;
}

/*
 * thread_set() on a vCPU thread of g, race-free against a reused thread
 * id: the map the thread has is kept, the write made, then the thread is
 * checked again (still under g's pid, g still the process that started
 * at g->start_time).  When it is not, the write reached whatever thread
 * took the id in between: its map is put back and -ESRCH returned.
 * (Linux has no pidfd form of sched_setaffinity; this re-check closes
 * the window the check before the write leaves.)
 */
static int thread_set_guarded(struct kvm_priv *priv, const struct np_guest *g,
                              long tid, const struct np_cpumap *map,
                              struct np_err *err)
{
    struct np_cpumap old;
    int rc;

    np_cpumap_init(&old);
    rc = thread_get(tid, priv->topo.nr_cpu_ids, &old);
    if (!rc)
        rc = thread_set(tid, map);
    if (!rc && np_qemu_check_alive(priv->rootfd, g->name, g->id, g->start_time,
                                   tid, err)) {
        thread_set(tid, &old); /* not ours: as it was */
        rc = -ESRCH;
    }
    np_cpumap_dispose(&old);
    return rc;
}

struct saved_thread {
    long tid;
    struct np_cpumap cpus;
};

/*
 * Set cpus on every thread of g (only the non-vCPU ones when
 * emulator_only), remembering the old maps; on a failure put them back.
 * Threads that exit meanwhile (ESRCH) are skipped: QEMU's worker threads
 * come and go.
 */
/* "vcpu 1 (tid 2134)" or "thread 2130 (emulator)" for a note. */
static void thread_name(const struct np_guest *g, long tid, char *buf,
                        size_t len)
{
    unsigned int v;

    for (v = 0; v < g->nr_vcpus; v++)
        if (g->vcpus[v].tid == tid) {
            snprintf(buf, len, "vcpu %u (tid %ld)", v, tid);
            return;
        }
    snprintf(buf, len, "thread %ld", tid);
}

/* Append "NAME from OLD" to the list of moved threads in buf. */
static void note_moved(const struct np_guest *g, long tid,
                       const struct np_cpumap *old, char *buf, size_t len,
                       unsigned int *nr)
{
    size_t used = strlen(buf);
    char name[64], *was = np_cpulist_format_ranges(old);

    thread_name(g, tid, name, sizeof(name));
    if (used + strlen(name) + 40 < len)
        snprintf(buf + used, len - used, "%s%s from %s", *nr ? ", " : "", name,
                 was ? was : "?");
    else if (used + 12 < len && !strstr(buf, "..."))
        snprintf(buf + used, len - used, ", ...");
    (*nr)++;
    free(was);
}

/* Put back the maps pin_threads() saved, and free them. */
static void restore_threads(struct saved_thread *saved, unsigned int nr)
{
    unsigned int i;

    for (i = 0; i < nr; i++) {
        thread_set(saved[i].tid, &saved[i].cpus); /* best effort */
        np_cpumap_dispose(&saved[i].cpus);
    }
    free(saved);
}

static int pin_threads(struct np_backend *be, const struct np_guest *g,
                       const struct np_cpumap *cpus, bool emulator_only,
                       bool keep_inside, char *moved, size_t moved_len,
                       unsigned int *nr_moved, struct saved_thread **saved_out,
                       unsigned int *nr_saved_out, struct np_note *note,
                       struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    struct saved_thread *saved = NULL;
    unsigned int nr_tids = 0, nr_saved = 0, i;
    long *tids = NULL, first = 0;
    char what[64];
    int rc;

    rc = np_qemu_list_tids(priv->rootfd, g->id, &tids, &nr_tids);
    if (rc) {
        rc = np_err_set(err, -ESRCH, "guest %s (qemu pid %d) has gone", g->name,
                        g->id);
        goto out;
    }
    saved = calloc(nr_tids ? nr_tids : 1, sizeof(*saved));
    if (!saved) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < nr_tids; i++) {
        struct saved_thread *s = &saved[nr_saved];

        if (emulator_only && is_vcpu_tid(g, tids[i]))
            continue;
        np_cpumap_init(&s->cpus);
        rc = thread_get(tids[i], priv->topo.nr_cpu_ids, &s->cpus);
        if (rc == -ESRCH) {
            np_cpumap_dispose(&s->cpus);
            continue;
        }
        /* a pin already inside the new CPUs stays as it is */
        if (!rc && keep_inside && !np_cpumap_is_empty(&s->cpus) &&
            np_cpumap_subset(&s->cpus, cpus)) {
            np_cpumap_dispose(&s->cpus);
            continue;
        }
        if (!rc && moved)
            note_moved(g, tids[i], &s->cpus, moved, moved_len, nr_moved);
        s->tid = tids[i];
        nr_saved++;
        if (!rc)
            rc = thread_set(tids[i], cpus);
        if (rc == -ESRCH) {
            np_cpumap_dispose(&s->cpus);
            nr_saved--;
            continue;
        }
        if (rc) {
            snprintf(what, sizeof(what), "a thread of %s", g->name);
            set_failed(priv, g, tids[i], what, rc, err);
            nr_saved--;
            np_cpumap_dispose(&s->cpus);
            goto out;
        }
        if (!first)
            first = tids[i];
    }
    if (first) {
        snprintf(what, sizeof(what), "the threads of %s", g->name);
        note_trimmed(note, priv, first, what, cpus);
    }
    rc = 0;
    if (saved_out) {
        /* the caller puts them back if a later step fails */
        *saved_out = saved;
        *nr_saved_out = nr_saved;
        saved = NULL;
        nr_saved = 0;
    }
out:
    for (i = 0; i < nr_saved; i++) {
        if (rc)
            thread_set(saved[i].tid, &saved[i].cpus); /* best effort */
        np_cpumap_dispose(&saved[i].cpus);
    }
    free(saved);
    free(tids);
    return rc;
}

static int kvm_set_emulator_affinity(struct np_backend *be,
                                     const struct np_guest *g,
                                     const struct np_cpumap *cpus,
                                     struct np_note *note, struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    unsigned int v;
    int rc;

    rc = check_live(priv, err);
    if (rc)
        return rc;
    for (v = 0; v < g->nr_vcpus; v++)
        if (!g->vcpus[v].tid)
            return no_vcpu_threads(g, err);
    rc = check_usable(&priv->topo, cpus, err);
    if (rc)
        return rc;
    rc = np_qemu_check_alive(priv->rootfd, g->name, g->id, g->start_time, 0,
                             err);
    if (rc)
        return rc;
    return pin_threads(be, g, cpus, true, false, NULL, 0, NULL, NULL, NULL,
                       note, err);
}

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
        rc = np_err_set(err, -EOPNOTSUPP,
                        "cannot bind the memory of %s (qemu pid %d) to "
                        "node(s) %s: %s, and a running process's memory "
                        "policy can only be set through its cgroup's "
                        "cpuset.mems; run the guest in a cgroup of its own "
                        "(systemd-run --scope, libvirt)",
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
        rc = np_err_set(err, -EBUSY,
                        "guest %s (qemu pid %d) is in the root cpuset cgroup "
                        "(v%d) with every other process: setting its "
                        "cpuset.mems would bind theirs too; run the guest "
                        "in a cgroup of its own (systemd-run --scope, "
                        "libvirt)",
                        g->name, g->id, mc->cs.version);
    else
        rc = np_err_set(err, -EBUSY,
                        "guest %s (qemu pid %d) shares its cpuset cgroup %s "
                        "(v%d) with %u other process%s%s: setting its "
                        "cpuset.mems would bind theirs too; run the guest "
                        "in a cgroup of its own (systemd-run --scope, "
                        "libvirt)",
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
        rc = np_err_set(err, rc,
                        "permission denied writing cpuset.mems of cgroup %s "
                        "(v%d): run numapin as root",
                        mc->cs.path, mc->cs.version);
        goto out;
    }
    if (rc) {
        np_kvm_cpuset_read(priv->rootfd, &mc->cs, mc->cs.version == 2, true,
                           &parent);
        rc = np_err_set(err, rc,
                        "the kernel refused cpuset.mems '%s' for cgroup %s "
                        "(v%d): %s%s%s%s",
                        mc->want, mc->cs.path, mc->cs.version, strerror(-rc),
                        parent ? " (the parent cgroup has nodes " : "",
                        parent ? parent : "", parent ? ")" : "");
        goto out;
    }
    rc = np_kvm_cpuset_read(priv->rootfd, &mc->cs, true, false, &eff);
    if (!rc && nodes && !same_nodes(priv, eff, nodes)) {
        np_kvm_cpuset_write(priv->rootfd, &mc->cs, mc->old);
        rc = np_err_set(err, -EINVAL,
                        "the kernel gives cgroup %s nodes %s, not %s: its "
                        "parent does not allow them (cpuset.mems put back "
                        "to '%s')",
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

static int kvm_set_node_affinity(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *nodes,
                                 struct np_note *note, struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    struct np_cpumap cpus;
    struct mems_change mc = {.write = false};
    struct saved_thread *saved = NULL;
    char moved[NP_ERR_MAX - 64], *list = NULL, *nl = NULL;
    unsigned int nr_moved = 0, nr_saved = 0;
    uint64_t *before = NULL, *after = NULL;
    bool nearest = false;
    int n, rc;

    np_cpumap_init(&cpus);
    rc = check_live(priv, err);
    if (rc)
        return rc;
    if (nodes) {
        np_cpumap_for_each(n, nodes) if (
            !np_topo_node_exists(
                &priv->topo, n)) return np_err_set(err, -EINVAL,
                                                   "node %d does not exist", n);
        rc = nodes_cpus(&priv->topo, nodes, &cpus, &nearest);
    } else {
        rc = online_cpus(&priv->topo, &cpus);
    }
    if (rc)
        goto out;
    rc = check_usable(&priv->topo, &cpus, err);
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
    rc = pin_threads(be, g, &cpus, false, true, moved, sizeof(moved), &nr_moved,
                     &saved, &nr_saved, note, err);
    if (rc)
        goto out;
    if (mc.write) {
        before = guest_numa(priv, g);
        rc = write_mems(priv, g, nodes, &mc, note, err);
        if (rc) {
            restore_threads(saved, nr_saved);
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

static int kvm_move_memory(struct np_backend *be, const struct np_guest *g,
                           const struct np_cpumap *from,
                           const struct np_cpumap *to, struct np_note *note,
                           struct np_err *err)
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
    rc = check_live(priv, err);
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
            rc = np_err_set(err, -EINVAL,
                            "node %d has no memory: %s's memory cannot move "
                            "there",
                            n, g->name);
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
            rc = set_failed(priv, g, g->id, "memory", rc, err);
        else if (rc == -ESRCH)
            rc = np_err_set(err, rc, "guest %s (qemu pid %d) has gone", g->name,
                            g->id);
        else
            rc = np_err_set(err, rc,
                            "migrate_pages from nodes %s to nodes %s "
                            "failed: %s",
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
static int kvm_measure_memory(struct np_backend *be, struct np_snapshot *snap,
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

const struct np_backend_ops np_kvm_ops = {
    .name = "kvm",
    .writes = true,
    .arg_is_root = true,
    .linux_host = true,
    .open = kvm_open,
    .close = kvm_close,
    .read_host = kvm_read_host,
    .read_guests = kvm_read_guests,
    .set_vcpu_affinity = kvm_set_vcpu_affinity,
    .set_node_affinity = kvm_set_node_affinity,
    .move_memory = kvm_move_memory,
    .set_emulator_affinity = kvm_set_emulator_affinity,
    .measure_memory = kvm_measure_memory,
};
