/*
 * snapshot.h: one reading of a host and its guests (plain data, no I/O).
 *
 * A backend fills a snapshot once per command; everything after that
 * (formats, solver, plans) works on this data.  Invariants:
 *  - topo obeys topo.h's invariants (np_topo_finish() has succeeded);
 *  - has_guests is false when the source knows nothing about guests (a
 *    topology file), true when it listed them (possibly none);
 *  - every vCPU map is allocated to topo.nr_cpu_ids bits; soft is left
 *    with nr_bits == 0 when the backend has no soft affinity;
 *  - node_affinity is allocated to topo.nr_node_ids bits, or has
 *    nr_bits == 0 when unknown;
 *  - mem_per_node_kib is NULL when unknown, else topo.nr_node_ids entries;
 *  - ident says whose snapshot it is (ident.h); its fields may be NULL.
 *
 * Lifecycle: np_snapshot_init() / np_snapshot_dispose(); guests are added
 * with np_snapshot_add_guest() and owned by the snapshot.
 */
#ifndef NP_SNAPSHOT_H
#define NP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumap.h"
#include "ident.h"
#include "np_err.h"
#include "topo.h"

struct np_vcpu {
    int id;
    bool online; /* offline vCPUs are listed too */
    bool running;
    bool blocked;
    int cpu;               /* where it runs or last ran; -1 unknown */
    uint64_t time_ns;      /* CPU time used */
    struct np_cpumap hard; /* hard affinity (KVM: thread affinity) */
    struct np_cpumap soft; /* soft affinity; nr_bits 0 when none */
    long tid;              /* KVM: host thread id; 0 elsewhere */
};

/* KVM: the memory nodes the kernel holds for a QEMU process, as read
 * back (kvm/kvm_cgroup.h).  Strings are malloc'd id lists as the kernel
 * writes them ("" when empty), NULL when unreadable. */
struct np_membind {
    char *mems_allowed; /* proc/PID/status Mems_allowed_list */
    char *policy;       /* numa_maps policy of the largest mapping */
    char *cgroup;       /* the cpuset cgroup ("/np/a"); NULL none */
    int cgroup_version; /* 1 or 2; 0 without a cpuset cgroup */
    char *cpuset_mems;  /* its cpuset.mems ("": the parent's) */
    char *cpuset_mems_effective;
    bool cgroup_shared; /* it holds other processes too */
};

struct np_guest {
    int id; /* Xen domid; KVM: QEMU pid */
    char *name;
    uint64_t mem_kib; /* current memory */
    unsigned int nr_vcpus;
    struct np_vcpu *vcpus; /* indexed by vCPU id */
    struct np_cpumap node_affinity;
    uint64_t *mem_per_node_kib;
    const char *mem_source;     /* where mem_per_node_kib came from, static
                                   ("xen debug key u", "numa_maps",
                                   "memory.numa_stat", "estimated from node
                                   affinity"); NULL when not said */
    int sched_cap;              /* percent of one CPU, 0 none; -1 unknown */
    int sched_weight;           /* -1 unknown */
    struct np_cpumap emulator;  /* KVM: QEMU's non-vCPU threads' affinity;
                                   nr_bits 0 when none or unknown */
    bool vcpus_unknown;         /* KVM: the vCPU threads could not be told
                                   apart (no debug-threads=on, no QMP):
                                   each vCPU's hard map is the union of
                                   all the threads' maps, not its own */
    uint64_t start_time;        /* KVM: the pid's start time (clock ticks
                                   since boot), to detect a reused pid */
    struct np_membind *membind; /* KVM: what the kernel holds; NULL
                                  elsewhere or unknown */
};

/* Free a membind and its strings (NULL-safe). */
void np_membind_free(struct np_membind *mb);
/* A deep copy of mb (NULL for NULL); -ENOMEM as NULL with *oom set. */
struct np_membind *np_membind_dup(const struct np_membind *mb, bool *oom);

struct np_snapshot {
    struct np_topo topo;
    bool has_guests;
    unsigned int nr_guests;
    struct np_guest *guests;    /* grown by np_snapshot_add_guest() only: room
                                   for the power of two at or above nr_guests */
    const char *backend;        /* "xen", "kvm", "test", "file": static */
    struct np_host_ident ident; /* hostname, backend, hypervisor, time */
    unsigned int nr_refused;    /* KVM: QEMU-like processes that are not */
    struct np_refused *refused; /* guests (another owner, another binary) */
};

/* A process that looks like a guest and is not taken for one. */
struct np_refused {
    long pid;
    long uid;
    char *name; /* its -name (hostile: escape to print) */
    char *why;  /* "owned by alice (uid 1000)" */
};

/* Append a refused process (copies name and why).  0 or -ENOMEM. */
int np_snapshot_add_refused(struct np_snapshot *snap, long pid, long uid,
                            const char *name, const char *why);

void np_snapshot_init(struct np_snapshot *snap);
void np_snapshot_dispose(struct np_snapshot *snap);

/*
 * Append a guest with nr_vcpus vCPUs (ids 0..nr_vcpus-1, offline, maps
 * allocated to the topology's sizes and empty; soft allocated only when
 * with_soft).  Sets *guest_out to the new guest, owned by snap; the pointer
 * is valid until the next add.  0 or -ENOMEM.
 */
int np_snapshot_add_guest(struct np_snapshot *snap, int id, const char *name,
                          unsigned int nr_vcpus, bool with_soft,
                          struct np_guest **guest_out);

/*
 * Append a deep copy of guest s (from a snapshot whose topology has the
 * same sizes as dst's) to dst.  0 or -ENOMEM; on failure the partial copy
 * stays in dst, to be freed with it.
 */
int np_snapshot_copy_guest(struct np_snapshot *dst, const struct np_guest *s);

/* Free snap's guests and keep its topology. */
void np_snapshot_clear_guests(struct np_snapshot *snap);

/* dst (initialised) becomes a deep copy of src.  0 or -ENOMEM (dst then
 * empty). */
int np_snapshot_copy(struct np_snapshot *dst, const struct np_snapshot *src);

/* Find a guest by name, or by id when s is a number.  NULL when none. */
struct np_guest *np_snapshot_find_guest(const struct np_snapshot *snap,
                                        const char *s);

/* A vCPU's pin: its hard map unless that covers every online CPU of t,
 * else its soft map under the same rule; NULL when it floats.  The rule
 * of the solver and of the fleet's ordering. */
const struct np_cpumap *np_vcpu_pin(const struct np_topo *t,
                                    const struct np_vcpu *v);

/* The guest with that id, or NULL. */
struct np_guest *np_snapshot_guest_by_id(const struct np_snapshot *snap,
                                         int id);

/* The same, looked up from *cursor on and *cursor moved past it: guests
 * looked up in snapshot order (those of a plan) are a linear walk. */
struct np_guest *np_snapshot_guest_next(const struct np_snapshot *snap, int id,
                                        unsigned int *cursor);

#endif /* NP_SNAPSHOT_H */
