/*
 * fmt_xml_links.h: libvirt's <interconnects> (HMAT latency and bandwidth
 * between initiator and target nodes) in capabilities XML, kept in
 * hw->links so that a dump read is written back whole.  The reader's
 * half (libxml2); the writer's is in fmt_xml_hw.h.
 */
#ifndef NP_FMT_XML_LINKS_H
#define NP_FMT_XML_LINKS_H

#include <stdio.h>

#include <libxml/tree.h>

#include "np_err.h"
#include "topo.h"

/* Read <topology><interconnects> (NULL: none) into topo->hw, which must
 * exist and whose nodes must be known.  0, -ENOMEM or -EINVAL with err set
 * ("NAME:LINE: ..."). */
int np_xml_read_links(const xmlNode *interconnects, const char *name,
                      struct np_topo *topo, struct np_err *err);

#endif /* NP_FMT_XML_LINKS_H */
