/*
 * xen_int.h: what the files of the Xen backend share: xen_backend.c (the
 * state, libxl's log and error codes, bitmaps, open/close and the ops
 * table), xen_read.c (read_host, read_guests) and xen_write.c (the
 * writes).  Not an interface: only xl-plugin/xen_*.c include it.
 */
#ifndef NP_XEN_INT_H
#define NP_XEN_INT_H

#include <stdbool.h>

#include "xen_compat.h"

#include "backend.h"
#include "cpumap.h"
#include "np_err.h"
#include "xen_backend.h"

/*
 * libxl reports the cause of a failure only through its logger.  This
 * logger keeps the last error (and its errno) so that the failing
 * operation can put it into its np_err sentence; warnings are printed,
 * as xl prints them; everything else is dropped unless NUMAPIN_XEN_DEBUG
 * is set.
 */
struct np_xtl {
    xentoollog_logger vtable; /* first: libxl sees only this */
    char last_error[NP_ERR_MAX];
    int last_errno; /* errno of the last error, 0 when none */
    bool debug;
};

/* Forget the last error, before an operation. */
static inline void np_xtl_clear(struct np_xtl *lg)
{
    lg->last_error[0] = '\0';
    lg->last_errno = 0;
}

/* A domain's cpupool, read at its first write of a command (xen_write.c):
 * one libxl_domain_info and one libxl_cpupool_info per domain, not per
 * vCPU. */
struct xen_pool {
    int domid;
    uint32_t poolid; /* Xen's id of the pool */
    struct np_cpumap cpus;
    char name[64];
};

/* A vCPU write made with NP_WRITE_DEFER_CHECK: what was asked (an empty
 * map: that map was left as it was), checked against what Xen kept when
 * the domain is read back (xen_read_guest). */
struct xen_pending {
    int domid, vcpu;
    struct np_cpumap hard, soft;
};

/* The backend's state (be->priv). */
struct xen_priv {
    libxl_ctx *ctx;
    struct np_xtl logger;
    /* Valid from one read of the guests to the next (xen_read_guests
     * forgets them: a new command, or a new pass of the daemon). */
    struct xen_pool *pools;
    unsigned int nr_pools;
    struct xen_pending *pending;
    unsigned int nr_pending;
};

/* Forget the pools and the pending checks (xen_write.c). */
void xen_forget(struct xen_priv *p);
/* check_vcpu: note what Xen kept of the pending write to vCPU vcpu of g
 * (as read back into g), and forget it (xen_write.c). */
void xen_check_vcpu(struct np_backend *be, const struct np_guest *g, int vcpu,
                    struct np_note *note);
int xen_read_guest(struct np_backend *be, int id, struct np_snapshot *snap,
                   unsigned int flags, struct np_err *err);

struct xen_priv *xen_priv_of(struct np_backend *be);
int xen_error(struct xen_priv *p, int rc, struct np_err *err, const char *what);
int xen_bitmap_to_cpumap(const libxl_bitmap *bm, unsigned int nr_bits,
                         struct np_cpumap *out);
int xen_cpumap_to_bitmap(const struct np_cpumap *map, libxl_bitmap *bm);
int xen_read_host(struct np_backend *be, struct np_snapshot *snap,
                  unsigned int flags, struct np_err *err);
bool xen_sched_has_cap(libxl_scheduler sched);
int xen_read_guests(struct np_backend *be, struct np_snapshot *snap,
                    unsigned int flags, struct np_err *err);
int xen_set_vcpu_affinity(struct np_backend *be, const struct np_guest *g,
                          int vcpu, const struct np_cpumap *hard,
                          const struct np_cpumap *soft, unsigned int flags,
                          struct np_note *note, struct np_err *err);
int xen_set_node_affinity(struct np_backend *be, const struct np_guest *g,
                          const struct np_cpumap *nodes, struct np_note *note,
                          struct np_err *err);
int xen_set_sched(struct np_backend *be, const struct np_guest *g, int cap,
                  int weight, struct np_note *note, struct np_err *err);

/* Xen's page size on x86 and Arm, for counts in pages. */
#define NP_XEN_PAGE_KIB 4

/* xen_memory.c: measure_memory, from debug key 'u'. */
int np_xen_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                          struct np_err *err);
/* xen_migrate.c: relocate, a live migration to the same host. */
int np_xen_relocate(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *nodes, const struct np_cpumap *hard,
                    const struct np_cpumap *soft, uint64_t free_kib,
                    struct np_relocation *out, struct np_note *note,
                    struct np_err *err);

/* xen_hw.c: PCI devices and cpupools into topo->hw (after the topology
 * is finished), and one domain's pool and assigned devices.  0 or
 * -ENOMEM. */
int xen_read_hw(struct xen_priv *p, struct np_topo *topo);
int xen_read_guest_hw(struct xen_priv *p, struct np_topo *topo,
                      const libxl_dominfo *dom);

#endif /* NP_XEN_INT_H */
