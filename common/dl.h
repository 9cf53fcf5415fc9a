/*
 * dl.h: a library loaded with dlopen(3) when it is first needed, into a
 * table of its functions (xml_lib.h for libxml2, kvm/hwloc_lib.h for
 * hwloc): libraries that only some commands use, kept out of every
 * command's start (see xml_lib.h for what linking them cost).
 */
#ifndef NP_DL_H
#define NP_DL_H

#include <stddef.h>

/* One function of the table: its name in the library and its entry. */
struct np_dl_sym {
    const char *name;
    void **slot; /* the entry, written as POSIX's dlsym(3) shows */
};

/* The entry of table member m of the function f, for a struct np_dl_sym
 * list: {"f", NP_DL_SLOT(table.f)}. */
#define NP_DL_SLOT(entry) ((void **)&(entry))

/*
 * Open soname (RTLD_NOW, with flags: RTLD_LOCAL or RTLD_GLOBAL) and fill
 * every slot; the library is never closed (the table points into it).
 * 0, or -ENOENT with *why: dlerror()'s text, or the name of the first
 * function it lacks (static storage, until the next call).
 */
int np_dl_load(const char *soname, int flags, const struct np_dl_sym *syms,
               size_t n, const char **why);

#endif /* NP_DL_H */
