/*
 * backend_kvm.h: the KVM backend's operations table.
 *
 * open()'s arg is the root directory that the Linux host is read under
 * (NULL for "/", the live host; a captured tree in tests).  The topology
 * comes from np_linux_read_host().  For now read_guests() lists nothing
 * (has_guests = false) and every set_* operation returns -EOPNOTSUPP:
 * QEMU guest discovery and pinning come later.
 */
#ifndef NP_BACKEND_KVM_H
#define NP_BACKEND_KVM_H

#include "backend.h"

extern const struct np_backend_ops np_kvm_ops;

#endif /* NP_BACKEND_KVM_H */
