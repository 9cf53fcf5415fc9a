/*
 * numastat.h: where each guest's memory is, per node, and how much of it
 * is local to its vCPUs; the layouts of `numapin numastat` (text like
 * `numastat -p`, and JSON).  Plain data in; nothing here reads a host:
 * a backend's measure_memory (np_backend_measure_memory()) fills each
 * guest's mem_per_node_kib and mem_source first.
 *
 * Local share: the guest's memory on the nodes where its vCPUs may run,
 * over all of its measured memory.  Those nodes are the nodes of the CPUs
 * of every vCPU's hard affinity; when every hard map holds every CPU of
 * the host and the guest has soft maps (Xen), the soft maps' nodes.
 *
 * Worked example (test bed two-node: CPUs 0-1 node 0, 2-3 node 1): domu1
 * with vCPUs hard-pinned to CPUs 2-3 and 98304 KiB on node 0, 32768 KiB on
 * node 1: its vCPUs run on node 1, local share 25.0 %, and the text says
 * that its memory is mostly remote.
 */
#ifndef NP_NUMASTAT_H
#define NP_NUMASTAT_H

#include <stdio.h>

#include "backend.h"
#include "np_err.h"
#include "snapshot.h"

/*
 * Measure where every guest's memory is, through the backend's
 * measure_memory operation: fills each guest's mem_per_node_kib (NULL when
 * unknown) and mem_source.  -EOPNOTSUPP (err says so) when the backend
 * cannot; other errors as the backend returns them.  This is the one entry
 * point for "measure memory" (numastat, plan, apply, map, the daemon).
 */
int np_backend_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                              struct np_err *err);

/* The nodes where g's vCPUs may run (nodes allocated here to nr_node_ids
 * bits).  0 or -ENOMEM. */
int np_guest_run_nodes(const struct np_topo *t, const struct np_guest *g,
                       struct np_cpumap *nodes);

/* g's measured memory: the sum of mem_per_node_kib (0 when unknown). */
uint64_t np_guest_mem_measured(const struct np_topo *t,
                               const struct np_guest *g);

/* g's local share in percent, or -1 when its memory position or its
 * vCPUs' nodes are unknown, or it has no memory. */
double np_guest_local_pct(const struct np_topo *t, const struct np_guest *g);

/* The mem_source of an estimate. */
#define NP_MEM_ESTIMATED "estimated from node affinity"

/* np_guest_estimate_memory()'s numbers into kib (nr_node_ids entries),
 * g unchanged. */
void np_guest_estimate_kib(const struct np_topo *t, const struct np_guest *g,
                           uint64_t *kib);

/*
 * Estimate g's memory per node from its node affinity (the nodes with
 * memory in it, or every node with memory when it has none), its mem_kib
 * shared evenly; mem_source becomes "estimated from node affinity".
 * 0 or -ENOMEM.
 */
int np_guest_estimate_memory(const struct np_topo *t, struct np_guest *g);

/*
 * `numastat -p`'s layout: a header naming the source, one row per guest
 * ("ID (NAME)"), one column per node with memory, then Total in MiB with
 * two decimals, then Local; a Total row; then one "note:" line per guest
 * whose memory is mostly (over half) on nodes where its vCPUs do not run.
 * guests NULL: every guest of snap.
 */
int np_numastat_text(FILE *f, const struct np_snapshot *snap,
                     const struct np_guest *const *guests,
                     unsigned int nr_guests);

struct json_object;
/* The "guests" array of np_numastat_json(); NULL when out of memory. */
struct json_object *
np_numastat_json_guests(const struct np_snapshot *snap,
                        const struct np_guest *const *guests,
                        unsigned int nr_guests);

/*
 * JSON: {"guests": [{"name", "id", "memory_per_node_kib"
 * (node id as a string -> KiB, every node with memory), "total_kib",
 * "local_pct" (one decimal), "source"}]}; the last four are null for a
 * guest whose memory position is unknown.  *out is malloc'd.
 */
int np_numastat_json(const struct np_snapshot *snap,
                     const struct np_guest *const *guests,
                     unsigned int nr_guests, char **out, struct np_err *err);

#endif /* NP_NUMASTAT_H */
