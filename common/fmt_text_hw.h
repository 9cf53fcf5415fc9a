/*
 * fmt_text_hw.h: the hardware model in the text layouts (fmt_text.c).
 */
#ifndef NP_FMT_TEXT_HW_H
#define NP_FMT_TEXT_HW_H

#include <stdio.h>

#include "topo.h"

/* xl info -n's "device topology" block: the PCI devices with a node, or
 * "No device topology data available". */
void np_text_xl_device_topology(FILE *f, const struct np_topo *topo);
/* numapin's cache_topology block (nothing when no cache is known). */
void np_text_cache_topology(FILE *f, const struct np_topo *topo);
/* map: a node's L3 groups, core kinds, memory kind, huge pages and
 * devices, one line each (nothing when unknown). */
void np_text_map_node_hw(FILE *f, const struct np_topo *topo, int node);
/* "Ethernet", "NVMe", ... for a PCI class id; "PCI" when unknown. */
const char *np_text_pci_class(unsigned int class_id);

#endif /* NP_FMT_TEXT_HW_H */
