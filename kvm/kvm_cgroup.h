/*
 * kvm_cgroup.h: the memory nodes the kernel lets a QEMU guest use, read
 * and set through its cpuset cgroup.
 *
 * Nothing from outside can set another process's memory policy
 * (set_mempolicy(2) and mbind(2) act on the caller), so a running guest's
 * memory is bound the way libvirt binds it for <numatune mode='strict'>:
 * by cpuset.mems of the cgroup that holds the guest's threads.  Read
 * through the root directory (so that captured trees are test fixtures):
 *
 *   proc/PID/task/TID/cgroup        "0::/path" (v2), "N:cpuset:/path" (v1)
 *   sys/fs/cgroup/PATH              cgroup v2 (sys/fs/cgroup/unified on a
 *                                   hybrid host): cpuset.mems,
 *                                   cpuset.mems.effective, cgroup.procs
 *   sys/fs/cgroup/cpuset/PATH       cgroup v1 cpuset: cpuset.mems,
 *                                   cpuset.effective_mems, cgroup.procs
 *   proc/PID/status                 Mems_allowed_list: what the kernel
 *                                   enforces for the process
 *   proc/PID/numa_maps              the policy of each mapping ("default",
 *                                   "bind:1", QEMU's host-nodes=)
 *
 * The guest's cgroup is the lowest one that holds all its threads
 * (libvirt puts vCPU threads in child cgroups of the machine's).  v2 is
 * used when that cgroup has the cpuset controller, else v1's cpuset
 * hierarchy.  The parsers are exported for the unit tests; nothing here
 * prints.
 */
#ifndef NP_KVM_CGROUP_H
#define NP_KVM_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "topo.h"

#define NP_CGROUP_PATH_MAX 1024

struct np_kvm_cpuset {
    int version;                       /* 2, 1, or 0: none (why says) */
    char path[NP_CGROUP_PATH_MAX];     /* as proc names it: "/np/a" */
    char dir[NP_CGROUP_PATH_MAX + 32]; /* under the root:
                                          "sys/fs/cgroup/np/a" */
    char why[400];                     /* version 0: the reason */
};

/*
 * Find the cpuset cgroup of process pid under rootfd.  0 (cs->version 0
 * when there is none, cs->why saying why), -ESRCH when the process has
 * gone, -ENOMEM.
 */
int np_kvm_cpuset_find(int rootfd, long pid, struct np_kvm_cpuset *cs);

/*
 * The processes other than pid in cs's cgroup or below it: their count in
 * *nr_out, the first max of them in others (may be NULL with max 0).  The
 * root cgroup ("/") always counts as shared (*nr_out at least 1, others
 * not filled).  0 or -errno.
 */
int np_kvm_cpuset_others(int rootfd, const struct np_kvm_cpuset *cs, long pid,
                         long *others, unsigned int max, unsigned int *nr_out);

/*
 * cs's cpuset.mems (effective: cpuset.mems.effective, v1's
 * cpuset.effective_mems; parent: the parent cgroup's cpuset.mems), one
 * line without its newline, in *text_out (free() it).  0 or -errno.
 */
int np_kvm_cpuset_read(int rootfd, const struct np_kvm_cpuset *cs,
                       bool effective, bool parent, char **text_out);

/* Write text ("" clears a v2 cpuset.mems: the parent's nodes) to cs's
 * cpuset.mems.  0 or the -errno of open/write. */
int np_kvm_cpuset_write(int rootfd, const struct np_kvm_cpuset *cs,
                        const char *text);

/*
 * The policy of the mapping with the most resident pages in a numa_maps
 * text (QEMU's guest RAM): its second field ("default", "bind:1",
 * "interleave:0-1", "bind=static:1"), copied into buf.  0, or -ENOENT
 * when no line has pages.
 */
int np_numa_maps_main_policy(const char *text, char *buf, size_t size);

/*
 * Mems_allowed_list of a proc status text, parsed into nodes (allocated
 * to nr_node_ids bits; nodes past it dropped).  0, -ENOENT (no such
 * line), -EINVAL.
 */
int np_proc_parse_mems_allowed(const char *status, unsigned int nr_node_ids,
                               struct np_cpumap *nodes);

/*
 * What the kernel holds for guest g (QEMU pid g->id): g->membind (every
 * field read that can be) and g->node_affinity = Mems_allowed_list,
 * narrowed to the nodes of a "bind" policy on the guest's largest
 * mapping.  Leaves both unknown when the status cannot be read.
 * 0 or -ENOMEM.
 */
int np_kvm_read_membind(int rootfd, const struct np_topo *topo,
                        struct np_guest *g);

#endif /* NP_KVM_CGROUP_H */
