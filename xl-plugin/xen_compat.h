/*
 * xen_compat.h: the one place that includes libxl, with the API version
 * numapin is written against.
 *
 * numapin uses the libxl API of Xen 4.13 (LIBXL_API_VERSION 0x041300):
 * libxl_ctx_alloc() with a logger, the list functions that return arrays
 * freed by their _list_free(), libxl_set_vcpuaffinity() with hard and soft
 * maps.  Headers older than 4.13 refuse that version, and the build says
 * so.  Every feature numapin uses is older than that (soft affinity in
 * the vCPU list: 4.5; libxl_domain_get_nodeaffinity(): 4.4;
 * libxl_set_vcpuaffinity_force(): 4.8), so no LIBXL_HAVE_* probe is
 * needed: a fallback for one could never be built.  Include this header,
 * never <libxl.h> directly.
 */
#ifndef NP_XEN_COMPAT_H
#define NP_XEN_COMPAT_H

#define LIBXL_API_VERSION 0x041300

#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#endif /* NP_XEN_COMPAT_H */
