/*
 * fmt_svg.h: the map as a picture: `numapin map --svg FILE` and `--html
 * FILE`.
 *
 * One box per node, side by side, with its CPUs grouped by socket, L3
 * group (when the topology knows them: topo->hw) and core, one cell per
 * CPU; each guest has a colour (the legend names it).  In a CPU's cell:
 * a filled chip "guest/vcpu" for each vCPU pinned to that CPU alone, an
 * outlined (dashed) chip for each vCPU bound to a set that holds it, and
 * "~N" for the vCPUs that float over it.  A CPU where two guests' pins
 * meet has a red frame (#d62728, a colour no guest gets).  Under each node
 * a bar shows its memory: one segment per guest (its colour), the rest
 * in use (dark grey) and the free part (light grey).  The legend gives
 * each guest's vCPUs: pinned, bound, floating.
 *
 * Elements carry classes for tools and tests: node, socket, llc, core, cpu
 * (and overlap), pin, bound, float, mem, memseg, legend; llc is a
 * last-level cache group (an L3 on most x86, labelled with its level).  Every
 * name is escaped: guest names are hostile input.  Pure: prints to f only.
 */
#ifndef NP_FMT_SVG_H
#define NP_FMT_SVG_H

#include <stdio.h>

#include "mapview.h"
#include "snapshot.h"

/* The colour ("#rrggbb") of guest index i; never the overlap red. */
const char *np_svg_guest_colour(unsigned int i, char buf[8]);

/* A standalone SVG document.  0, or -EIO when f fails. */
int np_svg_write_map(FILE *f, const struct np_snapshot *snap,
                     const struct np_mapview *mv);

/* An HTML page: a title, the SVG inline and a table of the guests. */
int np_html_write_map(FILE *f, const struct np_snapshot *snap,
                      const struct np_mapview *mv);

#endif /* NP_FMT_SVG_H */
