/*
 * backend_kvm.c: the KVM backend: the Linux host through a root directory,
 * QEMU guests as processes, vCPUs as threads.
 *
 * Reads go through the root directory (linux_host.c, qemu_guests.c), so a
 * captured tree can be read; writes (sched_setaffinity, migrate_pages) act
 * on the live host only, and refuse when the root is not "/".  This file
 * holds the CPU side (threads, vCPUs, the emulator) and is the one place
 * where an np_cpumap becomes a cpu_set_t; the memory side (node affinity,
 * migrate_pages and its kernel node masks, measures) is kvm_nodes.c's,
 * and kvm_int.h what the two share.
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
#include "kvm_int.h"
#include "kvm_memory.h"
#include "cpulist.h"
#include "linux_host.h"
#include "qemu_guests.h"

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

/* flags: the sysfs read is one pass; nothing in it is left out */
static int kvm_read_host(struct np_backend *be, struct np_snapshot *snap,
                         unsigned int flags, struct np_err *err)
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
                           unsigned int flags, struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    unsigned int i;
    int rc;

    rc = np_qemu_read_guests(priv->rootfd, priv->root, be->qmp, be->pid, snap,
                             err);
    /* the PCI devices passed through: plan keeps a guest near them */
    for (i = 0; !rc && !(flags & NP_READ_NO_HW) && i < snap->nr_guests; i++)
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
int kvm_check_live(const struct kvm_priv *priv, struct np_err *err)
{
    if (!priv->have_topo)
        return np_err_set(err, -EINVAL, "the host was not read first");
    return 0;
}

static int no_vcpu_threads(const struct np_guest *g, struct np_err *err)
{
    return np_err_set(
        err, -EOPNOTSUPP,
        "cannot tell the vcpu threads of guest %s (qemu pid %d): start QEMU with -name guest=%s,debug-threads=on (as libvirt does), or give its QMP socket with --qmp",
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
int kvm_online_cpus(const struct np_topo *topo, struct np_cpumap *map)
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
int kvm_check_usable(const struct np_topo *topo, const struct np_cpumap *cpus,
                     struct np_err *err)
{
    struct np_cpumap online;
    char *want = NULL, *have = NULL;
    int rc;

    np_cpumap_init(&online);
    rc = kvm_online_cpus(topo, &online);
    if (rc)
        goto out;
    if (np_cpumap_intersects(cpus, &online))
        goto out;
    want = np_cpulist_format_ranges(cpus);
    have = np_cpulist_format_ranges(&online);
    rc = np_err_set(err, -EINVAL,
                    "no cpu of '%s' is online: the host's online cpus are %s",
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
int kvm_set_failed(const struct kvm_priv *priv, const struct np_guest *g,
                   long tid, const char *what, int rc, struct np_err *err)
{
    struct stat st;
    char rel[64];

    if (rc == -EPERM) {
        snprintf(rel, sizeof(rel), "proc/%d", g->id);
        if (fstatat(priv->rootfd, rel, &st, 0))
            st.st_uid = (uid_t)-1;
        return np_err_set(
            err, -EPERM,
            "permission denied: guest %s (qemu pid %d) belongs to uid %ld and numapin runs as uid %ld; run it as root (CAP_SYS_NICE) or as that user",
            g->name, g->id, (long)st.st_uid, (long)getuid());
    }
    if (rc == -ESRCH)
        return np_err_set(err, -ESRCH,
                          "%s (thread %ld of qemu pid %d) has exited", what,
                          tid, g->id);
    if (rc == -EINVAL)
        return np_err_set(
            err, -EINVAL,
            "the kernel refused the cpus for %s (thread %ld): none is usable by it (offline, or outside its cpuset cgroup)",
            what, tid);
    return np_err_set(err, rc, "cannot set the affinity of %s (thread %ld): %s",
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
    rc = kvm_check_live(priv, err);
    if (rc)
        return rc;
    vc = &g->vcpus[vcpu];
    if (!vc->tid)
        return no_vcpu_threads(g, err);
    if (shared_thread(g, (unsigned int)vcpu)) {
        /* only a map of every online CPU (a reset) is the same for all */
        rc = kvm_online_cpus(&priv->topo, &online);
        if (rc)
            return rc;
        if (!np_cpumap_subset(&online, hard)) {
            np_cpumap_dispose(&online);
            return np_err_set(
                err, -EOPNOTSUPP,
                "guest %s runs all its %u vcpus in one thread (%ld, QEMU's single-threaded TCG): one vcpu cannot be pinned apart; use numatune for the whole guest, or start QEMU with -accel tcg,thread=multi or KVM",
                g->name, g->nr_vcpus, vc->tid);
        }
        np_cpumap_dispose(&online);
    }
    rc = kvm_check_usable(&priv->topo, hard, err);
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
        return kvm_set_failed(priv, g, vc->tid, what, rc, err);
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

/* Put back the maps kvm_pin_threads() saved, and free them. */
void kvm_restore_threads(struct kvm_saved_thread *saved, unsigned int nr)
{
    unsigned int i;

    for (i = 0; i < nr; i++) {
        thread_set(saved[i].tid, &saved[i].cpus); /* best effort */
        np_cpumap_dispose(&saved[i].cpus);
    }
    free(saved);
}

int kvm_pin_threads(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *cpus, bool emulator_only,
                    bool keep_inside, char *moved, size_t moved_len,
                    unsigned int *nr_moved, struct kvm_saved_thread **saved_out,
                    unsigned int *nr_saved_out, struct np_note *note,
                    struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    struct kvm_saved_thread *saved = NULL;
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
        struct kvm_saved_thread *s = &saved[nr_saved];

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
            kvm_set_failed(priv, g, tids[i], what, rc, err);
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

    rc = kvm_check_live(priv, err);
    if (rc)
        return rc;
    for (v = 0; v < g->nr_vcpus; v++)
        if (!g->vcpus[v].tid)
            return no_vcpu_threads(g, err);
    rc = kvm_check_usable(&priv->topo, cpus, err);
    if (rc)
        return rc;
    rc = np_qemu_check_alive(priv->rootfd, g->name, g->id, g->start_time, 0,
                             err);
    if (rc)
        return rc;
    return kvm_pin_threads(be, g, cpus, true, false, NULL, 0, NULL, NULL, NULL,
                           note, err);
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
