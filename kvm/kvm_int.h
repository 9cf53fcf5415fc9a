/*
 * kvm_int.h: what the two halves of the KVM backend share:
 * backend_kvm.c (open, reads, the threads and vCPUs of a guest) and
 * kvm_nodes.c (node affinity, memory moves and measures).  Not a public
 * header: the rest of numapin sees np_kvm_ops only (backend_kvm.h).
 *
 * Invariants: priv->live is true only for the root "/", and every write
 * checks it (kvm_check_live()); priv->topo is the host as read_host read
 * it, the map size of every write.
 */
#ifndef NP_KVM_INT_H
#define NP_KVM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "cpumap.h"
#include "np_err.h"
#include "topo.h"

struct kvm_priv {
    char *root; /* "/" for the live host */
    int rootfd;
    bool live;           /* root is "/": writes allowed */
    struct np_topo topo; /* from read_host, for the writes */
    bool have_topo;
};

/* A thread's map before kvm_pin_threads() changed it. */
struct kvm_saved_thread {
    long tid;
    struct np_cpumap cpus;
};

/* 0 when priv can be written (the host was read); the dispatch layer
 * (backend.c) has refused writes to a captured tree already. */
int kvm_check_live(const struct kvm_priv *priv, struct np_err *err);

/* cpus must hold an online CPU: -EINVAL with a sentence otherwise. */
int kvm_check_usable(const struct np_topo *topo, const struct np_cpumap *cpus,
                     struct np_err *err);

/* The online CPUs of the host, in map (allocated): 0 or -ENOMEM. */
int kvm_online_cpus(const struct np_topo *topo, struct np_cpumap *map);

/* A sentence for a failed sched_setaffinity on tid of g (what: "vcpu 1"),
 * returned as rc. */
int kvm_set_failed(const struct kvm_priv *priv, const struct np_guest *g,
                   long tid, const char *what, int rc, struct np_err *err);

/*
 * Set cpus on every thread of g (only the non-vCPU ones when
 * emulator_only; with keep_inside, a thread already inside cpus keeps its
 * map), remembering the old maps in *saved_out (*nr_saved_out of them:
 * give them to kvm_restore_threads() to put back); on a failure they are
 * put back at once.  The threads moved are named in moved (NULL: not
 * named; moved_len bytes, *nr_moved of them) for a note.  Threads that exit
 * meanwhile (ESRCH) are skipped: QEMU's worker threads come and go.
 */
int kvm_pin_threads(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *cpus, bool emulator_only,
                    bool keep_inside, char *moved, size_t moved_len,
                    unsigned int *nr_moved, struct kvm_saved_thread **saved_out,
                    unsigned int *nr_saved_out, struct np_note *note,
                    struct np_err *err);

/* Put back the maps kvm_pin_threads() saved, and free them. */
void kvm_restore_threads(struct kvm_saved_thread *saved, unsigned int nr);

/* The ops of kvm_nodes.c (backend.h says what each does). */
int kvm_set_node_affinity(struct np_backend *be, const struct np_guest *g,
                          const struct np_cpumap *nodes, struct np_note *note,
                          struct np_err *err);
int kvm_move_memory(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *from, const struct np_cpumap *to,
                    struct np_note *note, struct np_err *err);
int kvm_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                       struct np_err *err);

#endif /* NP_KVM_INT_H */
