/*
 * linux_host.h: read a Linux host's CPU/NUMA topology from sysfs and procfs
 * under a root directory.
 *
 * Everything is read relative to one directory file descriptor opened on
 * root with openat(): "/" reads the live host, any other directory reads a
 * captured tree laid out the same way (tests/fixtures/sysfs/<name>/).  This
 * is the only code in numapin that reads /sys or /proc for the topology.
 *
 * What is read, under root:
 *   sys/devices/system/cpu/present      the CPU ids (may be sparse)
 *   sys/devices/system/cpu/online       online CPUs without a cpuN/online
 *   sys/devices/system/cpu/cpuN/online  "0" or "1"; absent for cpu0 on x86
 *   sys/devices/system/cpu/cpuN/topology/{physical_package_id,die_id,
 *       core_id,thread_siblings_list}   absent for offline CPUs: unknown
 *   sys/devices/system/cpu/cpuN/nodeM   link to the CPU's node; only used
 *                                       when no cpulist names the CPU
 *                                       (offline CPUs)
 *   sys/devices/system/node/online      the node ids (may be sparse)
 *   sys/devices/system/node/possible    checked: online must be within it
 *   sys/devices/system/node/nodeN/{cpulist,meminfo,distance}
 *   proc/meminfo                        MemTotal: the host's memory
 *   proc/cpuinfo                        the first "cpu MHz"; the
 *                                       architecture for a root other
 *                                       than "/"
 *
 * Traps handled (tests/fixtures/sysfs/README.md shows them in real trees):
 *  - nodeN/distance has one column per ONLINE node, in id order: column i
 *    is the i-th id of node/online, not node i;
 *  - CPU and node ids may be sparse: the topology is indexed by id;
 *  - an offline CPU has no topology/ and is in no cpulist: its socket, die
 *    and core are -1, its siblings empty, its node comes from the
 *    cpuN/nodeM link when there is one, else -1;
 *  - a kernel without CONFIG_NUMA has no sys/devices/system/node: the host
 *    is read as one node 0 holding every CPU and proc/meminfo's memory,
 *    distance 10 (what a NUMA kernel shows on a flat host).
 *
 * cpu_model is the architecture ("x86_64"): uname(2)'s machine when root
 * is "/", otherwise inferred from proc/cpuinfo ("x86_64" for an x86 CPU
 * with the "lm" flag, "i686" without it, "aarch64" for an ARMv8 CPU), and
 * NULL when it cannot be told.  cpu_mhz is the integer part of the first
 * "cpu MHz" line, 0 when there is none.  Missing proc files leave these
 * unknown; missing sys files are errors, except those listed as optional
 * above.
 */
#ifndef NP_LINUX_HOST_H
#define NP_LINUX_HOST_H

#include "np_err.h"
#include "topo.h"

/*
 * Read the host under root (NULL means "/") into topo, which must have
 * been initialised with np_topo_init(); what it held is freed.  Sets
 * topo->source to "linux host at ROOT" and calls np_topo_finish().
 *
 * Returns 0, or a negative errno with a sentence in err (when not NULL):
 *   -ENOENT  root or a required file does not exist (the path is named);
 *   -EACCES  and other open/read errors, as the kernel returned them;
 *   -EINVAL  a file does not parse, or the files contradict each other
 *            (the file and its content are named);
 *   -ENOMEM.
 * On failure topo is left empty, as after np_topo_init().
 */
int np_linux_read_host(const char *root, struct np_topo *topo,
                       struct np_err *err);

/* The same without hwloc: the kernel's files only (no caches, kinds or
 * devices in topo->hw).  For the benchmark and for comparison. */
int np_linux_read_sysfs(const char *root, struct np_topo *topo,
                        struct np_err *err);

#endif /* NP_LINUX_HOST_H */
