/*
 * xml_lib.c: the table of xml_lib.h, filled from libxml2.so.2 with
 * dlopen(3) the first time an XML format is used (see xml_lib.h for why).
 */
#define NP_XML_LIB_IMPL
#include "xml_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

/* libxml2's soname: the same since libxml2 2.0. */
#define NP_LIBXML2_SONAME "libxml2.so.2"

struct np_xml_lib np_xml_lib;
static bool loaded;

int np_xml_lib_load(struct np_err *err)
{
    void *h;
    const char *missing = NULL;

    if (loaded)
        return 0;
    /* never closed: the table points into it for the rest of the run */
    h = dlopen(NP_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();

        return np_err_set(err, -ENOENT, "XML needs libxml2 (%s): %s",
                          NP_LIBXML2_SONAME, why ? why : "cannot load it");
    }
#define NP_XML_LOOKUP(name)                                                    \
    if (!missing && !(np_xml_lib.name = (__typeof__(name) *)dlsym(h, #name)))  \
        missing = #name;
    NP_XML_FUNCS(NP_XML_LOOKUP)
#undef NP_XML_LOOKUP
    if (missing)
        return np_err_set(err, -ENOENT, "XML needs libxml2 (%s): it has no %s",
                          NP_LIBXML2_SONAME, missing);
    loaded = true;
    return 0;
}
