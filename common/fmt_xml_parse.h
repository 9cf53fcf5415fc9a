/*
 * fmt_xml_parse.h: the one XML parse of numapin (fmt_xml_parse.c).  Only
 * the XML files include it: libxml2 (through xml_lib.h) stays behind
 * fmt_xml.h for the rest.
 */
#ifndef NP_FMT_XML_PARSE_H
#define NP_FMT_XML_PARSE_H

#include <stddef.h>

#include "xml_lib.h"

#include "np_err.h"

/*
 * Parse buf (len bytes) as a document named name in messages, of kind
 * ("capabilities XML": what the document is, for "KIND has no entities"):
 * no network, no entities (a declaration is refused), no DTD.  Returns 0
 * with the document in *doc_out (xmlFreeDoc() it), or -EINVAL with
 * "NAME:LINE: what is wrong" in err, -EFBIG (larger than INT_MAX) or
 * -ENOMEM, or an error of np_xml_lib_load() (libxml2 missing), *doc_out
 * NULL.
 */
int np_xml_parse(const char *buf, size_t len, const char *name,
                 const char *kind, struct np_err *err, xmlDocPtr *doc_out);

#endif /* NP_FMT_XML_PARSE_H */
