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
 *    domain's highest id, online or not, with hard and soft affinity, the
 *    domain's node affinity, and its credit/credit2 cap and weight (-1
 *    under other schedulers).  Memory per node is not known (NULL)
 *    until measure_memory fills it.
 *  - measure_memory (xen_memory.c): sends debug key 'u'
 *    (libxl_send_debug_keys) and reads Xen's console ring
 *    (libxl_xen_console_read_start/line/finish) before and after, parses
 *    the dump the key produced (memdump.h) and gives each domain of the
 *    snapshot its pages per node, in KiB (mem_source "xen debug key u").
 *    A domain the dump does not name keeps NULL.  Costs: Xen walks every
 *    domain's page list under its lock, and the dump goes into the
 *    console ring, pushing older messages out.
 *    A domain that disappears while it is read is left out.
 *  - set_vcpu_affinity: libxl_set_vcpuaffinity(), or
 *    libxl_set_vcpuaffinity_force() with NP_WRITE_FORCE; a NULL map is kept.
 *    Before the call, the domain's cpupool is read (libxl_domain_info,
 *    libxl_cpupool_info): a hard map with no CPU of that pool is refused
 *    with -EINVAL, and a domain that is gone gives -ESRCH.  After it, the
 *    vCPU is read back (libxl_list_vcpu) and the note says when Xen keeps
 *    another hard map, when the pool narrows the hard map, and when the
 *    soft map is narrowed or left without a CPU by the hard map and pool.
 *    Test only: NUMAPIN_TEST_XEN_DESTROY_AFTER_VCPU=NAME:VCPU destroys
 *    domain NAME right after its vCPU VCPU was set.
 *  - set_node_affinity: libxl_domain_set_nodeaffinity(); NULL restores
 *    Xen's automatic node affinity (a full node map, which Xen takes as
 *    "reset").
 *  - set_sched: libxl_domain_sched_params_set() for credit and credit2;
 *    -EOPNOTSUPP under other schedulers.
 *  - move_memory: none (Xen cannot move a live guest's memory).
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

/*
 * The CPUs of the cpupool named pool (libxl_list_cpupool), sized
 * nr_bits, into cpus_out; be is an open Xen backend.  0, -ENOENT (no such
 * pool: err lists the pools) or -errno.
 */
int np_xen_pool_cpus(struct np_backend *be, const char *pool,
                     unsigned int nr_bits, struct np_cpumap *cpus_out,
                     struct np_err *err);

#endif /* NP_XEN_BACKEND_H */
