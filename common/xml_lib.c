/*
 * xml_lib.c: the table of xml_lib.h, filled from libxml2.so.2 with
 * dlopen(3) the first time an XML format is used (see xml_lib.h for why).
 */
#define NP_XML_LIB_IMPL
#include "xml_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

#include "dl.h"

/* libxml2's soname: the same since libxml2 2.0. */
#define NP_LIBXML2_SONAME "libxml2.so.2"

struct np_xml_lib np_xml_lib;
static bool loaded;

int np_xml_lib_load(struct np_err *err)
{
#define NP_XML_SYM(name) {#name, NP_DL_SLOT(np_xml_lib.name)},
    static const struct np_dl_sym syms[] = {NP_XML_FUNCS(NP_XML_SYM)};
#undef NP_XML_SYM
    const char *why;

    if (loaded)
        return 0;
    if (np_dl_load(NP_LIBXML2_SONAME, RTLD_LOCAL, syms,
                   sizeof(syms) / sizeof(syms[0]), &why))
        return np_err_set(err, -ENOENT, "XML needs libxml2 (%s): %s",
                          NP_LIBXML2_SONAME, why);
    loaded = true;
    return 0;
}
