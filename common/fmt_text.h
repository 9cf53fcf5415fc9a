/*
 * fmt_text.h: the text layouts administrators already read.
 *
 *  - xl:    `xl info -n` (the physinfo lines, cpu_topology, numa_info) and
 *           `xl vcpu-list`, column for column as xl 4.17 prints them;
 *  - virsh: `virsh nodeinfo`, `virsh freecell`, `virsh vcpuinfo`, as
 *           current libvirt prints them;
 *  - numapin's own `map`: every pCPU with the vCPUs pinned to it;
 *  - the xl.cfg and libvirt lines that give a planned new guest its place.
 *
 * Each writer prints to the stream it is given and returns 0, or a negative
 * errno with err filled (for example free memory that the source does not
 * know).  Nothing here reads a host.
 */
#ifndef NP_FMT_TEXT_H
#define NP_FMT_TEXT_H

#include <stdio.h>

#include "np_err.h"
#include "plan.h"
#include "snapshot.h"
#include "topo.h"

/* Write s (NULL: nothing) as XML text or a quoted attribute value:
 * & < > ' " as entities, and the control characters XML 1.0 forbids
 * (all below 0x20 but tab, newline and return, and 0x7f) dropped.  The
 * capabilities XML and the SVG picture share it. */
void np_xml_text(FILE *f, const char *s);

/* `xl info -n`: the host lines numapin knows, then cpu_topology and
 * numa_info exactly as xl prints them. */
int np_text_xl_info(FILE *f, const struct np_topo *topo, bool numa);

/* `virsh nodeinfo`, with libvirt's rules for sockets per cell. */
int np_text_nodeinfo(FILE *f, const struct np_topo *topo);

/* The numbers virsh nodeinfo shows: nodes counts cells with CPUs, sockets
 * is per cell; an uneven host reports 1 cell, 1 socket, cpus cores, 1
 * thread, as libvirt does. */
void np_nodeinfo_shape(const struct np_topo *topo, unsigned int *nodes,
                       unsigned int *sockets, unsigned int *cores,
                       unsigned int *threads);

/* `virsh freecell`: node >= 0 one cell; NP_FREECELL_TOTAL the total line;
 * NP_FREECELL_ALL every cell and the total.  -ENODATA when the source
 * does not know free memory; -EINVAL for a node the host does not have. */
#define NP_FREECELL_TOTAL (-1)
#define NP_FREECELL_ALL (-2)
int np_text_freecell(FILE *f, const struct np_topo *topo, int node,
                     struct np_err *err);

/* `xl vcpu-list`: the header, then the vCPUs of the given guests (all of
 * them when guests is NULL). */
int np_text_vcpu_list(FILE *f, const struct np_snapshot *snap,
                      const struct np_guest *const *guests,
                      unsigned int nr_guests);

/* `virsh vcpuinfo DOM`; then, when the backend knows them (>= 0), the
 * scheduler's "CPU cap:" ("none" or "50%") and "Weight:" lines. */
int np_text_vcpuinfo(FILE *f, const struct np_snapshot *snap,
                     const struct np_guest *guest);

/* numapin's map: every pCPU by node and core, the vCPUs pinned to it alone
 * and how many others may float onto it, then the overlap warnings. */
int np_text_map(FILE *f, const struct np_snapshot *snap);

/*
 * Print one "warning: ..." line per pCPU that pinned vCPUs of two or more
 * different guests share.  A vCPU is pinned when its hard affinity is not
 * every CPU of the host.  Returns the number of such pCPUs.
 */
unsigned int np_text_overlap_warnings(FILE *f, const struct np_snapshot *snap);

/*
 * The xl.cfg lines (cpus= or cpus_soft=, and one pCPU per vCPU) and the
 * libvirt domain XML elements (<vcpu>, <cputune>, <numatune>) that give
 * the new guest g of plan its place.
 */
void np_text_plan_config(FILE *f, const struct np_plan *plan,
                         const struct np_plan_guest *g);

#endif /* NP_FMT_TEXT_H */
