/*
 * backend_kvm.h: the KVM backend's operations table.
 *
 * open()'s arg is the root directory that the Linux host is read under
 * (NULL for "/", the live host; a captured tree in tests).  The topology
 * comes from np_linux_read_host(), the guests (QEMU processes, their vCPU
 * threads, memory per node) from np_qemu_read_guests(); be->qmp and
 * be->pid are honoured there.
 *
 * Writes act on the live host only (root "/"; any other root gives
 * -EROFS): set_vcpu_affinity is sched_setaffinity on the vCPU's thread
 * (soft maps: -EOPNOTSUPP, KVM has none), set_emulator_affinity sets every
 * thread that is not a vCPU, set_node_affinity pins every thread to the
 * nodes' CPUs (NULL: all online CPUs), move_memory is migrate_pages(2).
 * Each re-checks the pid's start time first, and writes a note into
 * the note when the kernel kept fewer CPUs than asked, or with the pages
 * moved.
 */
#ifndef NP_BACKEND_KVM_H
#define NP_BACKEND_KVM_H

#include <stdint.h>

#include "backend.h"
#include "topo.h"

extern const struct np_backend_ops np_kvm_ops;

/* kvm_hw.c: KiB of QEMU process pid's memory in huge pages (the
 * "huge" mappings of ROOT/proc/PID/numa_maps), which migrate_pages(2)
 * does not move.  0 or -errno. */
int np_kvm_guest_huge_kib(const char *root, long pid, uint64_t *kib_out);
uint64_t np_numa_maps_huge_kib(const char *text);
/* kvm_hw.c: mark the vfio-pci devices on QEMU pid's command line as its
 * own (domid = pid) in topo->hw.  0 or -ENOMEM. */
int np_kvm_guest_devices(int rootfd, long pid, struct np_topo *topo);

#endif /* NP_BACKEND_KVM_H */
