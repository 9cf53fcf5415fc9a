/*
 * xen_backend.h: the Xen backend, on libxl.  Built only when libxenlight
 * is found (CONFIG_XEN).
 *
 *  - open(arg): arg is ignored (NULL); opens a libxl context.  Needs dom0
 *    and root: otherwise it fails with -EACCES / -EIO and a sentence that
 *    says so.
 *  - read_host: physinfo, CPU topology and NUMA information, read once.
 *    CPU ids run to physinfo's max_cpu_id; a row the hypervisor marks
 *    invalid (LIBXL_CPUTOPOLOGY_INVALID_ENTRY) is an offline CPU with
 *    unknown placement, as `xl info -n` treats it.  A node row marked
 *    invalid (LIBXL_NUMAINFO_INVALID_ENTRY) is an absent node id.
 *    Memory is converted from libxl's bytes and pages to KiB.
 *  - read_guests: every domain (dom0 included), every vCPU up to the
 *    domain's highest id, online or not, with hard and soft affinity, and
 *    the domain's node affinity.  Memory per node is not known (NULL).
 *    A domain that disappears while it is read is left out.
 *  - set_vcpu_affinity: libxl_set_vcpuaffinity(); a NULL map is kept.
 *  - set_node_affinity, move_memory: -EOPNOTSUPP.
 *
 * libxl's log goes through one adapter: errors become the np_err sentence
 * of the failing operation, warnings are printed as "warning: ..." on
 * stderr (as xl shows them), the rest is dropped.  With NUMAPIN_XEN_DEBUG
 * set in the environment, every message is printed.
 */
#ifndef NP_XEN_BACKEND_H
#define NP_XEN_BACKEND_H

#include "backend.h"

extern const struct np_backend_ops np_xen_ops;

#endif /* NP_XEN_BACKEND_H */
