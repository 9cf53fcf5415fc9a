/*
 * dl.c: fill a table of a library's functions with dlopen(3) (dl.h).
 */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int np_dl_load(const char *soname, int flags, const struct np_dl_sym *syms,
               size_t n, const char **why)
{
    static char lacks[128];
    void *h = dlopen(soname, RTLD_NOW | flags);
    size_t i;

    if (!h) {
        *why = dlerror();
        if (!*why)
            *why = "cannot load it";
        return -ENOENT;
    }
    for (i = 0; i < n; i++) {
        *syms[i].slot = dlsym(h, syms[i].name);
        if (!*syms[i].slot) {
            snprintf(lacks, sizeof(lacks), "it has no %s", syms[i].name);
            *why = lacks;
            return -ENOENT;
        }
    }
    return 0;
}
