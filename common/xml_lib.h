/*
 * xml_lib.h: libxml2, loaded when an XML format is first used.
 *
 * libxml2 brings ICU and the C++ runtime with it: linked into numapin,
 * loading and relocating them cost every command 120 ms of its start in
 * the Xen test bed's dom0 (an empty program with -lxml2 against one
 * without), more than a whole `xl vcpu-list` spends on its work.  Only the
 * XML formats need it, so they reach it through this table, filled by
 * np_xml_lib_load() with dlopen(3) on first use.
 *
 * Include this header, not <libxml/...>, in the files that call libxml2
 * (fmt_xml_*.c): after libxml2's own declarations it defines each
 * function numapin calls as the matching entry of the table, so that the
 * code reads as plain libxml2.  Every entry point of those files calls
 * np_xml_lib_load() before its first libxml2 call; it fails, with one
 * line in err, only when libxml2 is not installed.
 */
#ifndef NP_XML_LIB_H
#define NP_XML_LIB_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include "np_err.h"

/* X(name) for each libxml2 function numapin calls. */
#define NP_XML_FUNCS(X)                                                        \
    X(xmlAddChild)                                                             \
    X(xmlAddNextSibling)                                                       \
    X(xmlAddPrevSibling)                                                       \
    X(xmlCleanupParser)                                                        \
    X(xmlCtxtGetLastError)                                                     \
    X(xmlCtxtReadMemory)                                                       \
    X(xmlDocDumpMemory)                                                        \
    X(xmlDocGetRootElement)                                                    \
    X(xmlFree)                                                                 \
    X(xmlFreeDoc)                                                              \
    X(xmlFreeNode)                                                             \
    X(xmlFreeParserCtxt)                                                       \
    X(xmlGetLineNo)                                                            \
    X(xmlGetNoNsProp)                                                          \
    X(xmlGetNsProp)                                                            \
    X(xmlHasProp)                                                              \
    X(xmlInitParser)                                                           \
    X(xmlIsBlankNode)                                                          \
    X(xmlNewNode)                                                              \
    X(xmlNewParserCtxt)                                                        \
    X(xmlNewText)                                                              \
    X(xmlNodeGetContent)                                                       \
    X(xmlNodeSetContent)                                                       \
    X(xmlSetGenericErrorFunc)                                                  \
    X(xmlSetProp)                                                              \
    X(xmlStopParser)                                                           \
    X(xmlStrEqual)                                                             \
    X(xmlUnlinkNode)                                                           \
    X(xmlUnsetProp)                                                            \
    X(__xmlGenericError)                                                       \
    X(__xmlGenericErrorContext)

struct np_xml_lib {
#define NP_XML_MEMBER(name) __typeof__(name) *name;
    NP_XML_FUNCS(NP_XML_MEMBER)
#undef NP_XML_MEMBER
};

extern struct np_xml_lib np_xml_lib;

/* 0, or -ENOENT with err ("XML needs libxml2 (libxml2.so.2): ...").
 * Cheap once loaded; loads once per process. */
int np_xml_lib_load(struct np_err *err);

#ifndef NP_XML_LIB_IMPL
/* From here on, each call goes through the table: for a function the
 * entry is its address, for xmlFree (a variable that holds a function)
 * the variable's; xmlGenericError and its context are libxml2's macros
 * over __xmlGenericError() and __xmlGenericErrorContext(). */
#define xmlAddChild (*np_xml_lib.xmlAddChild)
#define xmlAddNextSibling (*np_xml_lib.xmlAddNextSibling)
#define xmlAddPrevSibling (*np_xml_lib.xmlAddPrevSibling)
#define xmlCleanupParser (*np_xml_lib.xmlCleanupParser)
#define xmlCtxtGetLastError (*np_xml_lib.xmlCtxtGetLastError)
#define xmlCtxtReadMemory (*np_xml_lib.xmlCtxtReadMemory)
#define xmlDocDumpMemory (*np_xml_lib.xmlDocDumpMemory)
#define xmlDocGetRootElement (*np_xml_lib.xmlDocGetRootElement)
#define xmlFree (*np_xml_lib.xmlFree)
#define xmlFreeDoc (*np_xml_lib.xmlFreeDoc)
#define xmlFreeNode (*np_xml_lib.xmlFreeNode)
#define xmlFreeParserCtxt (*np_xml_lib.xmlFreeParserCtxt)
#define xmlGetLineNo (*np_xml_lib.xmlGetLineNo)
#define xmlGetNoNsProp (*np_xml_lib.xmlGetNoNsProp)
#define xmlGetNsProp (*np_xml_lib.xmlGetNsProp)
#define xmlHasProp (*np_xml_lib.xmlHasProp)
#define xmlInitParser (*np_xml_lib.xmlInitParser)
#define xmlIsBlankNode (*np_xml_lib.xmlIsBlankNode)
#define xmlNewNode (*np_xml_lib.xmlNewNode)
#define xmlNewParserCtxt (*np_xml_lib.xmlNewParserCtxt)
#define xmlNewText (*np_xml_lib.xmlNewText)
#define xmlNodeGetContent (*np_xml_lib.xmlNodeGetContent)
#define xmlNodeSetContent (*np_xml_lib.xmlNodeSetContent)
#define xmlSetGenericErrorFunc (*np_xml_lib.xmlSetGenericErrorFunc)
#define xmlSetProp (*np_xml_lib.xmlSetProp)
#define xmlStopParser (*np_xml_lib.xmlStopParser)
#define xmlStrEqual (*np_xml_lib.xmlStrEqual)
#define xmlUnlinkNode (*np_xml_lib.xmlUnlinkNode)
#define xmlUnsetProp (*np_xml_lib.xmlUnsetProp)
#define __xmlGenericError (*np_xml_lib.__xmlGenericError)
#define __xmlGenericErrorContext (*np_xml_lib.__xmlGenericErrorContext)
#endif

#endif
