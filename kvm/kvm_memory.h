/*
 * kvm_memory.h: where a QEMU guest's memory is, per host node.
 *
 *  - the guest's cgroup's memory.numa_stat (cgroup v2), when the cgroup
 *    holds that QEMU process alone (libvirt's machine scope): "anon" and
 *    "file" per node, in bytes (file includes shmem, where memfd and
 *    shared memory backends live); source "memory.numa_stat";
 *  - else /proc/PID/numa_maps summed over the process (np_qemu_read_numa,
 *    what `numastat -p PID` sums); source "numa_maps".
 * A cgroup that holds other processes too would count their memory as the
 * guest's, so it is not used.
 */
#ifndef NP_KVM_MEMORY_H
#define NP_KVM_MEMORY_H

#include <stdint.h>

/*
 * Sum "anon" and "file" of a memory.numa_stat text into kib_per_node
 * (nr_node_ids entries, zeroed first; nodes past it are dropped).  0, or
 * -EINVAL for a malformed "anon"/"file" line, or -ENOENT when neither is
 * there.
 */
int np_numa_stat_parse(const char *text, unsigned int nr_node_ids,
                       uint64_t *kib_per_node);

/*
 * Measure guest pid under rootfd: *kib_out (malloc'd, nr_node_ids
 * entries) and *source_out (static).  0 or -errno (the numa_maps error
 * when neither source can be read).
 */
int np_kvm_guest_memory(int rootfd, long pid, unsigned int nr_node_ids,
                        uint64_t **kib_out, const char **source_out);

#endif /* NP_KVM_MEMORY_H */
