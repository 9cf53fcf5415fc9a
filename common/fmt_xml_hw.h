/*
 * fmt_xml_hw.h: the hardware model's part of capabilities XML (for
 * fmt_xml.c): <pages> per cell, <cache><bank>, cluster_id.
 */
#ifndef NP_FMT_XML_HW_H
#define NP_FMT_XML_HW_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpulist.h"
#include "topo.h"

/* Whether the hardware part writes numapin: attributes. */
bool np_xml_hw_needs_ns(const struct np_topo *topo);
/* The <pages> lines of a <cell>. */
void np_xml_hw_put_pages(FILE *f, const struct np_topo *topo, int node);
/* Extra attributes of a <cpu> (cluster_id). */
void np_xml_hw_put_cpu_attrs(FILE *f, const struct np_topo *topo,
                             unsigned int cpu);
/* The <cache> element of <host>, after <topology>. */
void np_xml_hw_put_cache(FILE *f, const struct np_topo *topo);

/* The <interconnects> element inside <topology>, when there are links
 * (fmt_xml_links.c). */
void np_xml_put_links(FILE *f, const struct np_topo *topo);

#endif /* NP_FMT_XML_HW_H */
