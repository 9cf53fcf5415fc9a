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
 * empty entries (",,"), hex ("0x3"), signs, spaces and numbers of ten
 * digits or more.  Every error quotes the bad token.
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
 * The same grammar without a host: lists of ids that files and formats
 * hold.  One token scanner serves these and np_cpulist_parse() above, so a
 * list means the same wherever it is read; flags say which parts of the
 * grammar a format has:
 *
 *     list   := entry ( "," entry )*
 *     entry  := [ "^" ] ( N | N "-" M | "all" )       N, M: decimal ids
 *
 *     (none)              "N" and "N-M" only, no blanks: strict
 *     NP_IDLIST_EMPTY     "" is the empty set (sysfs files: "0-3,8" or "")
 *     NP_IDLIST_WORDS     "all" (ids 0..limit-1) and a whole list "none"
 *     NP_IDLIST_NEGATE    "^N", "^N-M" remove ids, left to right (libvirt's
 *                         "0-3,^2")
 *     NP_IDLIST_BLANKS    spaces and tabs around entries (XML attributes)
 *     NP_IDLIST_CLIP      ids at or above limit are dropped, not an error
 *                         (a kernel that lists CPUs the host has not read)
 *
 * Always errors: an empty entry (",,", "1,"), "3-1", "1-", "-1", hex,
 * signs, "^all", and ids of ten digits or more.
 */
#define NP_IDLIST_EMPTY (1u << 0)
#define NP_IDLIST_WORDS (1u << 1)
#define NP_IDLIST_NEGATE (1u << 2)
#define NP_IDLIST_BLANKS (1u << 3)
#define NP_IDLIST_CLIP (1u << 4)
/* The kernel's cpulist/nodelist files, and /proc's *_allowed_list. */
#define NP_IDLIST_SYSFS NP_IDLIST_EMPTY
/* libvirt's cpuset attributes. */
#define NP_IDLIST_LIBVIRT                                                      \
    (NP_IDLIST_EMPTY | NP_IDLIST_NEGATE | NP_IDLIST_BLANKS)

/*
 * Parse s into map_out, (re)allocated to limit bits.  Returns 0, -EINVAL
 * (bad syntax), -ERANGE (an id at or above limit: *bad_out, when not NULL,
 * is the first such id) or -ENOMEM.  On failure map_out is left empty.
 *
 *     np_idlist_parse("0-3,^2", 8, NP_IDLIST_LIBVIRT, &m, NULL) -> 0,1,3
 *     np_idlist_parse("0-9", 8, 0, &m, &bad)     -> -ERANGE, bad = 8
 *     np_idlist_parse("0-9", 8, NP_IDLIST_CLIP, &m, NULL) -> 0-7
 */
int np_idlist_parse(const char *s, unsigned int limit, unsigned int flags,
                    struct np_cpumap *map_out, long *bad_out);

/*
 * Print a map the way xl's print_bitmap does, over bits 0..nr_bits-1:
 * comma-separated ranges ("0-5,7-15"), "all" when bits 0..nr_bits-1 are all
 * set, "none" when none is.  Returns a malloc'd string (free() it), or NULL
 * when out of memory.
 */
char *np_cpulist_format_bits(const struct np_cpumap *map, unsigned int nr_bits);

/*
 * The same, for a host: "all" when the map holds every CPU the host has
 * (np_topo_all_cpus()), otherwise the ranges of what is set; a dense host
 * prints exactly as xl does.
 */
char *np_cpulist_format(const struct np_topo *topo,
                        const struct np_cpumap *map);

/* Plain ranges, never "all"/"none" (empty string when empty): the form of
 * libvirt's XML attributes and sysfs cpulist files, the one that
 * np_idlist_parse() reads back with flags 0 (NP_IDLIST_EMPTY for ""). */
char *np_cpulist_format_ranges(const struct np_cpumap *map);

/* libvirt's affinity string: one 'y' or '-' per CPU id 0..nr_bits-1
 * ("yyyy----"). */
char *np_cpumap_format_yn(const struct np_cpumap *map, unsigned int nr_bits);

/* A hex mask as libxl prints it: "0x" then nr_bits/8 bytes (at least one),
 * most significant first ("0x0f", "0x0100"). */
char *np_cpumap_format_hex(const struct np_cpumap *map, unsigned int nr_bits);

#endif /* NP_CPULIST_H */
