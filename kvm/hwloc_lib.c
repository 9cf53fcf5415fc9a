/*
 * hwloc_lib.c: the table of hwloc_lib.h, filled from hwloc's library
 * with dlopen(3) the first time a host's hardware is read.
 */
#define NP_HWLOC_LIB_IMPL
#include "hwloc_lib.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "dl.h"

struct np_hwloc_lib np_hwloc_lib;

int np_hwloc_lib_load(const char **why)
{
#define NP_HWLOC_SYM(name) {#name, NP_DL_SLOT(np_hwloc_lib.name)},
    static const struct np_dl_sym syms[] = {NP_HWLOC_FUNCS(NP_HWLOC_SYM)};
#undef NP_HWLOC_SYM
    static bool loaded;
    int rc;

    if (loaded)
        return 0;
    /* RTLD_GLOBAL: hwloc's plugins, when it has any, find its core by
     * name in the global scope */
    rc = np_dl_load(NP_HWLOC_SONAME, RTLD_GLOBAL, syms,
                    sizeof(syms) / sizeof(syms[0]), why);
    loaded = !rc;
    return rc;
}
