/*
 * hwloc_lib.h: hwloc, loaded when the KVM backend first reads a host's
 * hardware (hwloc_host.c), the way xml_lib.h loads libxml2.
 *
 * libhwloc brings libudev and libm with it: linked into numapin, they
 * were a quarter of what the dynamic loader did at the start of every
 * command, on Xen's dom0 too, where hwloc is never used (an empty
 * program linked with numapin's libraries, with and without -lhwloc:
 * 12.9 against 10.5 ms here, 4.4 ms for one with none).
 *
 * Include this header, not <hwloc.h>, in hwloc_host.c: after hwloc's own
 * declarations it defines each function numapin calls as the matching
 * entry of the table.  hwloc.h's inline helpers (hwloc_get_next_obj_by_
 * type(), hwloc_bitmap_foreach_begin(), ...) call hwloc by its own names,
 * so they are not used: the link fails if one is, since numapin is not
 * linked with -lhwloc.  np_hwloc_lib_load() fails, with *why, only when
 * hwloc is not installed.
 */
#ifndef NP_HWLOC_LIB_H
#define NP_HWLOC_LIB_H

#include <hwloc.h>

/* hwloc's soname, from the library numapin was built against (Config.mk
 * reads it), so that a build against another hwloc ABI loads that one */
#ifndef NP_HWLOC_SONAME
#define NP_HWLOC_SONAME "libhwloc.so.15"
#endif

/* X(name) for each hwloc function numapin calls. */
#define NP_HWLOC_FUNCS(X)                                                      \
    X(hwloc_bitmap_alloc)                                                      \
    X(hwloc_bitmap_first)                                                      \
    X(hwloc_bitmap_free)                                                       \
    X(hwloc_bitmap_isfull)                                                     \
    X(hwloc_bitmap_iszero)                                                     \
    X(hwloc_bitmap_next)                                                       \
    X(hwloc_bitmap_weight)                                                     \
    X(hwloc_cpukinds_get_info)                                                 \
    X(hwloc_cpukinds_get_nr)                                                   \
    X(hwloc_get_obj_by_depth)                                                  \
    X(hwloc_get_type_depth)                                                    \
    X(hwloc_obj_type_is_dcache)                                                \
    X(hwloc_topology_destroy)                                                  \
    X(hwloc_topology_init)                                                     \
    X(hwloc_topology_load)                                                     \
    X(hwloc_topology_set_components)                                           \
    X(hwloc_topology_set_flags)                                                \
    X(hwloc_topology_set_io_types_filter)                                      \
    X(hwloc_topology_set_type_filter)

struct np_hwloc_lib {
#define NP_HWLOC_MEMBER(name) __typeof__(name) *name;
    NP_HWLOC_FUNCS(NP_HWLOC_MEMBER)
#undef NP_HWLOC_MEMBER
};

extern struct np_hwloc_lib np_hwloc_lib;

/* 0, or -ENOENT with *why (dlerror()'s text, or the function it lacks).
 * Cheap once loaded; loads once per process. */
int np_hwloc_lib_load(const char **why);

#ifndef NP_HWLOC_LIB_IMPL
/* From here on, each call goes through the table. */
#define hwloc_bitmap_alloc (*np_hwloc_lib.hwloc_bitmap_alloc)
#define hwloc_bitmap_first (*np_hwloc_lib.hwloc_bitmap_first)
#define hwloc_bitmap_free (*np_hwloc_lib.hwloc_bitmap_free)
#define hwloc_bitmap_isfull (*np_hwloc_lib.hwloc_bitmap_isfull)
#define hwloc_bitmap_iszero (*np_hwloc_lib.hwloc_bitmap_iszero)
#define hwloc_bitmap_next (*np_hwloc_lib.hwloc_bitmap_next)
#define hwloc_bitmap_weight (*np_hwloc_lib.hwloc_bitmap_weight)
#define hwloc_cpukinds_get_info (*np_hwloc_lib.hwloc_cpukinds_get_info)
#define hwloc_cpukinds_get_nr (*np_hwloc_lib.hwloc_cpukinds_get_nr)
#define hwloc_get_obj_by_depth (*np_hwloc_lib.hwloc_get_obj_by_depth)
#define hwloc_get_type_depth (*np_hwloc_lib.hwloc_get_type_depth)
#define hwloc_obj_type_is_dcache (*np_hwloc_lib.hwloc_obj_type_is_dcache)
#define hwloc_topology_destroy (*np_hwloc_lib.hwloc_topology_destroy)
#define hwloc_topology_init (*np_hwloc_lib.hwloc_topology_init)
#define hwloc_topology_load (*np_hwloc_lib.hwloc_topology_load)
#define hwloc_topology_set_components                                          \
    (*np_hwloc_lib.hwloc_topology_set_components)
#define hwloc_topology_set_flags (*np_hwloc_lib.hwloc_topology_set_flags)
#define hwloc_topology_set_io_types_filter                                     \
    (*np_hwloc_lib.hwloc_topology_set_io_types_filter)
#define hwloc_topology_set_type_filter                                         \
    (*np_hwloc_lib.hwloc_topology_set_type_filter)
#endif

#endif /* NP_HWLOC_LIB_H */
