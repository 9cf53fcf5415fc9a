/*
 * backend.h: the one operations table through which numapin talks to a
 * hypervisor, and the dispatch layer over it.  Xen (libxl), KVM (the
 * Linux host and QEMU) and the test backend (a file) each provide one
 * table; nothing else touches a hypervisor.
 *
 * What a backend cannot do is one rule: its op is NULL.  What it is (has
 * soft affinity, writes to a live host, is a demo, ...) is data of its
 * table, never a comparison of its name.
 *
 * Callers go through the np_backend_*() functions below, not through the
 * table: they check once that the backend can write and that the op
 * exists ("the kvm backend cannot move memory that is already
 * allocated"), pass options such as vcpu-pin's force as arguments, and
 * return what a write did not quite do as a note (data), never printed.
 *
 * Every operation returns 0 or a negative errno and may fill err:
 * -EOPNOTSUPP the backend cannot do this at all, -EROFS it cannot write
 * (a captured tree, a read-only backend).
 *
 * Worked example: vcpu-pin -f web 0 2 on Xen is
 *     np_backend_set_vcpu_affinity(be, web, 0, {2}, NULL, NP_WRITE_FORCE,
 *                                  &note, &err)
 * which checks that the op exists, be->read_only and ops->writes, calls
 * ops->set_vcpu_affinity(); if Xen kept another map, note.text says so
 * ("xen keeps hard affinity ...") and the command prints it.
 */
#ifndef NP_BACKEND_H
#define NP_BACKEND_H

#include <stdbool.h>

#include "cpumap.h"
#include "np_err.h"
#include "snapshot.h"

/* What a write succeeded in, but not quite as asked (a map the hypervisor
 * or kernel narrowed, a soft map left unreachable): sentences joined by
 * "; ", empty when none.  Filled by the ops, printed by the command. */
struct np_note {
    char text[NP_ERR_MAX];
};

/* Append a sentence to note (NULL: dropped). */
void np_note_add(struct np_note *note, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Options of set_vcpu_affinity. */
enum {
    /* vcpu-pin -f: also clear an override the guest kernel made (Xen:
     * SCHEDOP_pin_override, libxl_set_vcpuaffinity_force()); both maps
     * may then be NULL to clear only that.  For one vCPU at a time, as
     * xl allows; a backend without such overrides ignores it. */
    NP_WRITE_FORCE = 1u << 0,
    /* The caller reads the guest back with np_backend_read_guest() after
     * its last write of it (the plan code does): a backend may then check
     * what the host kept of its vCPU writes once per guest, there, and
     * note it then, instead of reading every vCPU back after each write
     * (Xen: one libxl_list_vcpu per domain instead of one per vCPU). */
    NP_WRITE_DEFER_CHECK = 1u << 1,
};

/*
 * What a read may leave out (read_host, read_guests, read_guest and
 * their np_backend_read_*() below; 0 reads everything).  A command asks
 * only for what it prints or changes: each part costs hypercalls and
 * xenstore round trips per domain on Xen, where `xl vcpu-pin` reads one
 * domain.  What is left out stays unknown in the snapshot, as for a
 * backend that cannot read it.  A backend may read more than asked.
 */
enum {
    /* host: no hardware model (topo->hw: PCI devices, cpupools);
     * guests: no assigned devices */
    NP_READ_NO_HW = 1u << 0,
    /* guests: scheduler cap and weight left unknown (-1) */
    NP_READ_NO_SCHED = 1u << 1,
    /* guests: node affinity left unknown (nr_bits 0) */
    NP_READ_NO_NODES = 1u << 2,
};

struct np_backend;

/* What a relocation did (relocate, below). */
struct np_relocation {
    int new_id;        /* the guest's id afterwards; -1 */
    double downtime_s; /* the guest not running; -1 unknown */
    double total_s;    /* the whole operation */
    bool live;         /* live (else stopped for the copy) */
};

struct np_backend_ops {
    const char *name; /* "xen", "kvm", "test" */

    /* What the backend is: data, so that no command compares names. */
    bool soft_affinity; /* vCPUs have a soft affinity */
    bool writes;        /* writes reach a host (test: its file) */
    bool demo;          /* not a live host: text outputs name
                           it in a banner */
    bool arg_is_root;   /* its ARG (-c NAME:ARG, else --root)
                           is the root of a Linux host */
    bool linux_host;    /* the host's Linux kernel is the
                           hypervisor (its release, its
                           version) */
    bool fixed_dom0;    /* guest 0 is the host's own domain:
                           whole-host plans leave it be */

    /* arg: backend-specific (root directory, file); may be NULL. */
    int (*open)(struct np_backend *be, const char *arg, struct np_err *err);
    void (*close)(struct np_backend *be);

    /* Fill snap->topo (and call np_topo_finish()). */
    int (*read_host)(struct np_backend *be, struct np_snapshot *snap,
                     unsigned int flags, struct np_err *err);
    /* Fill snap's guests and set has_guests.  NULL: no guests. */
    int (*read_guests)(struct np_backend *be, struct np_snapshot *snap,
                       unsigned int flags, struct np_err *err);
    /* Add guest id to snap (its vCPUs, memory, scheduler and node
     * affinity, as read_guests lists it; not its devices), or nothing when
     * it is gone.  NULL: np_backend_read_guest() reads every guest. */
    int (*read_guest)(struct np_backend *be, int id, struct np_snapshot *snap,
                      unsigned int flags, struct np_err *err);
    /* g as just read back: note what the host kept of the write to its
     * vCPU vcpu made with NP_WRITE_DEFER_CHECK (nothing when there was
     * none).  NULL: the backend holds no check back. */
    void (*check_vcpu)(struct np_backend *be, const struct np_guest *g,
                       int vcpu, struct np_note *note);

    /* The writes; NULL when the backend cannot.  note may be NULL. */
    /* hard or soft may be NULL: that map is kept as it is. */
    int (*set_vcpu_affinity)(struct np_backend *be, const struct np_guest *g,
                             int vcpu, const struct np_cpumap *hard,
                             const struct np_cpumap *soft, unsigned int flags,
                             struct np_note *note, struct np_err *err);
    /* nodes == NULL: back to automatic. */
    int (*set_node_affinity)(struct np_backend *be, const struct np_guest *g,
                             const struct np_cpumap *nodes,
                             struct np_note *note, struct np_err *err);
    /* Move memory already allocated (KVM: migrate_pages). */
    int (*move_memory)(struct np_backend *be, const struct np_guest *g,
                       const struct np_cpumap *from, const struct np_cpumap *to,
                       struct np_note *note, struct np_err *err);
    /* KVM: the affinity of QEMU's threads that are not vCPUs. */
    int (*set_emulator_affinity)(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *cpus,
                                 struct np_note *note, struct np_err *err);
    /* Scheduler cap (percent of one CPU, 0 = none) and weight; -1 keeps
     * a value. */
    int (*set_sched)(struct np_backend *be, const struct np_guest *g, int cap,
                     int weight, struct np_note *note, struct np_err *err);
    /* With be->batch: make the writes held so far reach the host (the
     * test backend rewrites its file once).  NULL when every write
     * reaches the host at once. */
    int (*commit)(struct np_backend *be, struct np_err *err);
    /* Measure where each guest of snap (read by read_guests) has its
     * memory: fill mem_per_node_kib (NULL when unknown) and mem_source.
     * Call it through np_backend_measure_memory() (numastat.h).  May be
     * NULL: the backend cannot measure. */
    int (*measure_memory)(struct np_backend *be, struct np_snapshot *snap,
                          struct np_err *err);
    /* Move g's memory to nodes by a fresh copy of the running guest whose
     * memory comes from there (Xen: a live migration to the same host):
     * the copy keeps g's name, its vCPU v gets hard[v] (and soft[v] when
     * soft and it are given); free_kib is what nodes have free (the copy
     * is refused when it cannot fit).  The guest's id changes: out->new_id.
     * Nothing changes when it fails.  May be NULL. */
    int (*relocate)(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *nodes, const struct np_cpumap *hard,
                    const struct np_cpumap *soft, uint64_t free_kib,
                    struct np_relocation *out, struct np_note *note,
                    struct np_err *err);
};

struct np_backend {
    const struct np_backend_ops *ops;
    void *priv; /* the backend's own state */
    /* Options from the command line, set before open; NULL / 0 when not
     * given.  A backend ignores those that do not concern it. */
    const char *qmp; /* kvm: a QMP socket (vCPU threads) */
    long pid;        /* kvm: the one QEMU process to use */
    /* Set by open when the backend reads a captured tree (kvm under a
     * root other than /): nothing may be written, neither to the host
     * nor to the state directory. */
    bool read_only;
    /* Set before open by a caller that calls np_backend_commit() once at
     * the end (the command line does): a backend may then hold its writes
     * in memory, so that a command of a thousand writes costs one file
     * rewrite, not a thousand. */
    bool batch;
};

/* ---- the dispatch layer (backend.c) ---------------------------------- */

/* The ops a backend may lack. */
enum np_op {
    NP_OP_READ_GUESTS,
    NP_OP_SET_VCPU_AFFINITY,
    NP_OP_SET_NODE_AFFINITY,
    NP_OP_MOVE_MEMORY,
    NP_OP_SET_EMULATOR_AFFINITY,
    NP_OP_SET_SCHED,
};

/* Whether the backend has op. */
bool np_backend_can(const struct np_backend *be, enum np_op op);

/*
 * 0 when be can change its host; -EROFS (a captured tree) or -EOPNOTSUPP
 * (a backend that never writes) with a sentence.  Every write below
 * checks it first.
 */
int np_backend_check_write(const struct np_backend *be, struct np_err *err);

/* 0, or -EOPNOTSUPP with "the NAME backend cannot WHAT" when be lacks
 * op. */
int np_backend_check_op(const struct np_backend *be, enum np_op op,
                        struct np_err *err);

int np_backend_read_host(struct np_backend *be, struct np_snapshot *snap,
                         unsigned int flags, struct np_err *err);
/* -EOPNOTSUPP when the backend lists no guests. */
int np_backend_read_guests(struct np_backend *be, struct np_snapshot *snap,
                           unsigned int flags, struct np_err *err);

/*
 * Read one guest back into snap (whose topo is read): ops->read_guest, or
 * read_guests when the backend has no such op.  0 with no guest id in
 * snap when it is gone.
 */
int np_backend_read_guest(struct np_backend *be, int id,
                          struct np_snapshot *snap, unsigned int flags,
                          struct np_err *err);

/* After np_backend_read_guest(): what vCPU vcpu of g (as read) did not
 * quite get of its NP_WRITE_DEFER_CHECK write, in note (cleared first),
 * one vCPU at a time as the writes themselves would have said it. */
void np_backend_check_vcpu(struct np_backend *be, const struct np_guest *g,
                           int vcpu, struct np_note *note);

/*
 * The writes: the op check (and, for set_vcpu_affinity, a soft map on a
 * backend without soft affinity: -EOPNOTSUPP), the write check, then the
 * op.  note (may be NULL) is cleared first and holds what the write did
 * not quite do.
 */
int np_backend_set_vcpu_affinity(struct np_backend *be,
                                 const struct np_guest *g, int vcpu,
                                 const struct np_cpumap *hard,
                                 const struct np_cpumap *soft,
                                 unsigned int flags, struct np_note *note,
                                 struct np_err *err);
int np_backend_set_node_affinity(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *nodes,
                                 struct np_note *note, struct np_err *err);
int np_backend_move_memory(struct np_backend *be, const struct np_guest *g,
                           const struct np_cpumap *from,
                           const struct np_cpumap *to, struct np_note *note,
                           struct np_err *err);
int np_backend_set_emulator_affinity(struct np_backend *be,
                                     const struct np_guest *g,
                                     const struct np_cpumap *cpus,
                                     struct np_note *note, struct np_err *err);
int np_backend_set_sched(struct np_backend *be, const struct np_guest *g,
                         int cap, int weight, struct np_note *note,
                         struct np_err *err);

/* With be->batch: make the writes held so far reach the host (ops->commit;
 * 0 when the backend has none). */
int np_backend_commit(struct np_backend *be, struct np_err *err);

#endif /* NP_BACKEND_H */
