/*
 * backend.h: the one operations table through which numapin talks to a
 * hypervisor.  Xen (libxl), KVM (the Linux host and QEMU) and the test
 * backend (a file) each provide one; nothing else touches a hypervisor.
 *
 * Every operation returns 0 or a negative errno and may fill err.
 * -EOPNOTSUPP means the backend cannot do this at all; check caps first to
 * say so plainly.
 */
#ifndef NP_BACKEND_H
#define NP_BACKEND_H

#include <stdbool.h>

#include "cpumap.h"
#include "np_err.h"
#include "snapshot.h"

enum {
    NP_CAP_GUESTS = 1 << 0,          /* read_guests lists guests */
    NP_CAP_SOFT_AFFINITY = 1 << 1,   /* soft affinity exists */
    NP_CAP_NODE_AFFINITY = 1 << 2,   /* set_node_affinity works */
    NP_CAP_MOVE_MEMORY = 1 << 3,     /* move_memory works */
    NP_CAP_WRITE = 1 << 4,           /* changes reach a live host */
    NP_CAP_EMULATOR = 1 << 5,        /* set_emulator_affinity works */
    NP_CAP_SCHED = 1 << 6,           /* set_sched works */
};

struct np_backend;

/* What a relocation did (relocate, below). */
struct np_relocation {
    int new_id;                      /* the guest's id afterwards; -1 */
    double downtime_s;               /* the guest not running; -1 unknown */
    double total_s;                  /* the whole operation */
};

struct np_backend_ops {
    const char *name;                /* "xen", "kvm", "test" */
    unsigned int caps;

    /* arg: backend-specific (root directory, file); may be NULL. */
    int (*open)(struct np_backend *be, const char *arg, struct np_err *err);
    void (*close)(struct np_backend *be);

    /* Fill snap->topo (and call np_topo_finish()). */
    int (*read_host)(struct np_backend *be, struct np_snapshot *snap,
                     struct np_err *err);
    /* Fill snap's guests and set has_guests. */
    int (*read_guests)(struct np_backend *be, struct np_snapshot *snap,
                       struct np_err *err);
    /* hard or soft may be NULL: that map is kept as it is. */
    int (*set_vcpu_affinity)(struct np_backend *be, const struct np_guest *g,
                             int vcpu, const struct np_cpumap *hard,
                             const struct np_cpumap *soft,
                             struct np_err *err);
    /* nodes == NULL: back to automatic. */
    int (*set_node_affinity)(struct np_backend *be, const struct np_guest *g,
                             const struct np_cpumap *nodes,
                             struct np_err *err);
    int (*move_memory)(struct np_backend *be, const struct np_guest *g,
                       const struct np_cpumap *from,
                       const struct np_cpumap *to, struct np_err *err);
    /* KVM: the affinity of QEMU's threads that are not vCPUs.  May be
     * NULL when the backend has no such threads. */
    int (*set_emulator_affinity)(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *cpus,
                                 struct np_err *err);
    /* Scheduler cap (percent of one CPU, 0 = none) and weight; -1 keeps
     * a value.  May be NULL when the backend has no such parameters. */
    int (*set_sched)(struct np_backend *be, const struct np_guest *g,
                     int cap, int weight, struct np_err *err);
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
                    struct np_relocation *out, struct np_err *err);
    /* With be->batch: make the writes held so far reach the host (the
     * test backend rewrites its file once).  NULL when every write
     * reaches the host at once. */
    int (*commit)(struct np_backend *be, struct np_err *err);
};

struct np_backend {
    const struct np_backend_ops *ops;
    void *priv;                      /* the backend's own state */
    /* Options from the command line, set before open; NULL / 0 when not
     * given.  A backend ignores those that do not concern it. */
    const char *root;                /* kvm: the host's root directory */
    const char *qmp;                 /* kvm: a QMP socket (vCPU threads) */
    long pid;                        /* kvm: the one QEMU process to use */
    /* vcpu-pin -f: set_vcpu_affinity also clears an override the guest
     * kernel made (Xen: SCHEDOP_pin_override, through
     * libxl_set_vcpuaffinity_force()), and may then be called with both
     * maps NULL to clear only that.  Set by the command for one vCPU at a
     * time, as xl allows; a backend without such overrides ignores it. */
    bool force;
    /* Set by open when the backend reads a captured tree (kvm under a
     * root other than /): nothing may be written, neither to the host
     * nor to the state directory. */
    bool read_only;
    /* Set before open by a caller that calls ops->commit once at the end
     * (the command line does): a backend may then hold its writes in
     * memory, so that a command of a thousand writes costs one file
     * rewrite, not a thousand. */
    bool batch;
    /* A write that succeeded but not quite as asked (a map the hypervisor
     * or kernel narrowed, a soft map left unreachable) says so here, in one
     * sentence; the command prints it as a note and clears it. */
    char note[NP_ERR_MAX];
};

#endif /* NP_BACKEND_H */
