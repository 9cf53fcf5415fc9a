/*
 * cpulist.h: the cpu-list syntax users type, and the forms they read.
 *
 * Grammar (one semantics for Xen and KVM hosts):
 *
 *     list  := token ( "," token )*
 *     token := [ "^" ] [ "node:" | "nodes:" ] ( "all" | N | N "-" M )
 *
 * Tokens apply left to right to a map that starts empty: a plain token adds
 * CPUs, a "^" token removes them.  "node:N" / "nodes:N-M" stand for every
 * online CPU of those nodes, resolved through the topology (never by asking
 * a hypervisor).  This is xl's syntax ("all", "0-3,^2", "node:1",
 * "nodes:0-1") and includes libvirt's ("1-3,5,6-8", "^2").
 *
 * Stricter than xl, on purpose: a CPU or node the host does not have is an
 * error naming the token and the host's ids; so are "^all", "3-1", "1-",
 * empty entries (",,"), hex ("0x3"), signs, spaces and numbers that
 * overflow.  Every error quotes the bad token.
 *
 * Worked example, 8 CPUs on nodes 0 (0-3) and 1 (4-7):
 *     "0-3,^2"          -> 0,1,3
 *     "nodes:all,^5"    -> 0-4,6,7
 *     "node:1,^node:1"  -> none
 *     "^2,0-3"          -> 0-3      (left to right)
 *     "8"               -> error: cpu '8' does not exist ...
 */
#ifndef NP_CPULIST_H
#define NP_CPULIST_H

#include "cpumap.h"
#include "np_err.h"
#include "topo.h"

/*
 * Parse a cpu-list against topo into cpus_out, which is (re)allocated to
 * topo->nr_cpu_ids bits.  Returns 0, -EINVAL (bad syntax or an id the host
 * does not have; err says which token) or -ENOMEM.  On failure cpus_out is
 * left empty.
 */
int np_cpulist_parse(const struct np_topo *topo, const char *s,
                     struct np_cpumap *cpus_out, struct np_err *err);

/*
 * Parse a node list ("0-1", "all", "^1", "nodes:0-1" accepted too) into
 * nodes_out (topo->nr_node_ids bits).  Same errors as np_cpulist_parse().
 */
int np_nodelist_parse(const struct np_topo *topo, const char *s,
                      struct np_cpumap *nodes_out, struct np_err *err);

/*
 * Print a map the way xl's print_bitmap does, over bits 0..nr_bits-1:
 * comma-separated ranges ("0-5,7-15"), "all" when bits 0..nr_bits-1 are all
 * set, "none" when none is.  Returns a malloc'd string (free() it), or NULL
 * when out of memory.
 */
char *np_cpulist_format_bits(const struct np_cpumap *map,
                             unsigned int nr_bits);

/*
 * The same, for a host: "all" when the map holds every CPU the host has
 * (np_topo_all_cpus()), otherwise the ranges of what is set; a dense host
 * prints exactly as xl does.
 */
char *np_cpulist_format(const struct np_topo *topo,
                        const struct np_cpumap *map);

/* Plain ranges, never "all"/"none" (empty string when empty): the form of
 * libvirt's XML attributes and sysfs cpulist files. */
char *np_cpulist_format_ranges(const struct np_cpumap *map);

/* libvirt's affinity string: one 'y' or '-' per CPU id 0..nr_bits-1
 * ("yyyy----"). */
char *np_cpumap_format_yn(const struct np_cpumap *map, unsigned int nr_bits);

/* A hex mask as libxl prints it: "0x" then nr_bits/8 bytes (at least one),
 * most significant first ("0x0f", "0x0100"). */
char *np_cpumap_format_hex(const struct np_cpumap *map, unsigned int nr_bits);

#endif /* NP_CPULIST_H */
