/*
 * mapview.h: the host as `numapin map` shows it, as data: every present
 * CPU in map order (node, socket, core, id; CPUs of no known node last)
 * with the vCPUs that can run on it, split the way the map splits them.
 *
 * For a CPU c and a vCPU v of guest g:
 *  - v is *pinned* to c when v's hard affinity is c alone;
 *  - v is *bound* to c when its hard affinity holds c and is neither one
 *    CPU nor every CPU of the host (a pin to a set: a node, a core);
 *  - v *floats* over c when its hard affinity is every CPU (or unknown).
 * c is an *overlap* when the pins or bindings of two different guests
 * hold it: the map's and vcpu-list's warning.  The vCPUs of a guest whose
 * vCPU threads are unknown (vcpus_unknown) are left out: never a guess.
 *
 * The text map, `map --json`, the SVG/HTML picture and the warnings of
 * vcpu-list --json all read this one computation.  Pure: no I/O.
 *
 *   struct np_mapview mv;
 *   np_mapview_init(&mv);
 *   if (!np_mapview_build(snap, &mv))
 *       for (i = 0; i < mv.nr_cpus; i++) ... mv.cpus[i].nr_pinned ...
 *   np_mapview_dispose(&mv);
 */
#ifndef NP_MAPVIEW_H
#define NP_MAPVIEW_H

#include <stdbool.h>

#include "snapshot.h"

struct np_mapview_ref {
    unsigned int guest; /* index into snap->guests */
    int vcpu;
};

struct np_mapview_cpu {
    int cpu, node, socket, core;
    bool online;
    struct np_mapview_ref *pinned; /* hard affinity is this CPU alone */
    unsigned int nr_pinned;
    struct np_mapview_ref *bound; /* hard affinity is a set holding it */
    unsigned int nr_bound;
    unsigned int nr_floating; /* online vCPUs free to run here */
    bool overlap;             /* two guests' pins/bindings meet */
};

struct np_mapview {
    struct np_mapview_cpu *cpus; /* map order */
    unsigned int nr_cpus;
    unsigned int nr_overlaps;
};

void np_mapview_init(struct np_mapview *mv);
void np_mapview_dispose(struct np_mapview *mv);

/* Fill mv from snap (what mv held is freed).  0 or -ENOMEM. */
int np_mapview_build(const struct np_snapshot *snap, struct np_mapview *mv);

/* True when a vCPU's hard affinity limits it (neither unknown, empty nor
 * every CPU of the host). */
bool np_mapview_vcpu_limited(const struct np_topo *topo,
                             const struct np_vcpu *vc);

#endif /* NP_MAPVIEW_H */
