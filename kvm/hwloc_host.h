/*
 * hwloc_host.h: lay what hwloc reads (packages, dies, cores, clusters,
 * last-level caches, CPU kinds, memory kinds, PCI devices) over a topology
 * that linux_host.c read from the kernel's files under the same root.
 */
#ifndef NP_HWLOC_HOST_H
#define NP_HWLOC_HOST_H

#include "np_err.h"
#include "topo.h"

/*
 * root: the host's root directory (NULL or "/" is the running host).
 * topo: finished (np_topo_finish()); its CPUs and nodes are the kernel's,
 * hwloc only adds to them and fills topo->hw.  A tree hwloc cannot read
 * gets a note in topo->hw, not an error.  0 or -ENOMEM.
 */
int np_hwloc_read(const char *root, struct np_topo *topo, struct np_err *err);

#endif /* NP_HWLOC_HOST_H */
