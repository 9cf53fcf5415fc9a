/*
 * xen_internal.h: what the Xen backend's own files share (xen_backend.c
 * owns the libxl context and its logger; the other xen_*.c files use them
 * through these).  Not for the rest of numapin.
 */
#ifndef NP_XEN_INTERNAL_H
#define NP_XEN_INTERNAL_H

#include "xen_compat.h"

#include "backend.h"

/* Xen's page size on x86 and Arm, for counts in pages. */
#define NP_XEN_PAGE_KIB 4

/* The backend's libxl context. */
libxl_ctx *np_xen_ctx(struct np_backend *be);

/* Forget libxl's last logged error (before a call whose error we report). */
void np_xen_log_clear(struct np_backend *be);

/* libxl's rc (ERROR_*) as a negative errno, with err = "what: libxl's
 * last message". */
int np_xen_error(struct np_backend *be, int rc, struct np_err *err,
                 const char *what);

/* xen_memory.c: the backend's measure_memory (debug key 'u'). */
int np_xen_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                          struct np_err *err);

/* xen_migrate.c: the backend's relocate (a local live migration). */
int np_xen_relocate(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *nodes, const struct np_cpumap *hard,
                    const struct np_cpumap *soft, uint64_t free_kib,
                    struct np_relocation *out, struct np_err *err);

#endif /* NP_XEN_INTERNAL_H */
