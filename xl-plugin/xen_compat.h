/*
 * xen_compat.h: the one place that includes libxl, with the API version
 * numapin is written against and the LIBXL_HAVE_* probes it relies on.
 *
 * numapin uses the libxl API of Xen 4.13 (LIBXL_API_VERSION 0x041300):
 * libxl_ctx_alloc() with a logger, the list functions that return arrays
 * freed by their _list_free(), libxl_set_vcpuaffinity() with hard and soft
 * maps.  Headers older than 4.13 refuse that version, and the build says
 * so.  Include this header, never <libxl.h> directly.
 */
#ifndef NP_XEN_COMPAT_H
#define NP_XEN_COMPAT_H

#define LIBXL_API_VERSION 0x041300

#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

/* Soft affinity (Xen 4.5): the vCPU lists carry cpumap_soft. */
#ifndef LIBXL_HAVE_VCPUINFO_SOFT_AFFINITY
#error "libxl without LIBXL_HAVE_VCPUINFO_SOFT_AFFINITY: Xen 4.5 or newer needed"
#endif

/* Node affinity (Xen 4.4).  Without it a guest's node affinity is
 * unknown: the stub fails with ERROR_NI and the backend leaves the map
 * empty. */
#ifndef LIBXL_HAVE_DOMAIN_NODEAFFINITY
static inline int np_libxl_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                            libxl_bitmap *nodemap)
{
    (void)ctx;
    (void)domid;
    (void)nodemap;
    return ERROR_NI;
}
#else
#define np_libxl_get_nodeaffinity libxl_domain_get_nodeaffinity
#endif

/* vcpu-pin -f (Xen 4.8): clear a guest kernel's temporary pin override.
 * Without it, -f fails with ERROR_NI ("not supported"). */
#ifndef LIBXL_HAVE_SET_VCPUAFFINITY_FORCE
static inline int np_libxl_set_vcpuaffinity_force(libxl_ctx *ctx,
                                                  uint32_t domid,
                                                  uint32_t vcpuid,
                                                  const libxl_bitmap *hard,
                                                  const libxl_bitmap *soft)
{
    (void)ctx;
    (void)domid;
    (void)vcpuid;
    (void)hard;
    (void)soft;
    return ERROR_NI;
}
#else
#define np_libxl_set_vcpuaffinity_force libxl_set_vcpuaffinity_force
#endif

#endif /* NP_XEN_COMPAT_H */
