/*
 * xen_memory.c: where each domain's memory is, from Xen's own count
 * (debug key 'u'), read through libxl's console reader.  See
 * xen_backend.h (measure_memory) and memdump.h (the dump's text).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memdump.h"
#include "xen_int.h"

/* The whole console ring, oldest first, as one NUL-terminated text. */
static int read_ring(struct np_backend *be, char **text_out, struct np_err *err)
{
    libxl_ctx *ctx = xen_priv_of(be)->ctx;
    libxl_xen_console_reader *cr;
    char *line = NULL, *text = NULL, *t;
    size_t len = 0, n;
    int rc;

    *text_out = NULL;
    np_xtl_clear(&xen_priv_of(be)->logger);
    cr = libxl_xen_console_read_start(ctx, 0);
    if (!cr)
        return xen_error(xen_priv_of(be), ERROR_FAIL, err,
                         "cannot read xen's console ring");
    text = calloc(1, 1);
    if (!text) {
        rc = -ENOMEM;
        goto out;
    }
    /* libxl returns chunks of the ring (not lines), NUL-terminated */
    while ((rc = libxl_xen_console_read_line(ctx, cr, &line)) > 0) {
        if (!line)
            break;
        n = strlen(line);
        t = realloc(text, len + n + 1);
        if (!t) {
            rc = -ENOMEM;
            goto out;
        }
        text = t;
        memcpy(text + len, line, n + 1);
        len += n;
    }
    if (rc < 0) {
        rc = xen_error(xen_priv_of(be), rc, err,
                       "cannot read xen's console ring");
        goto out;
    }
    *text_out = text;
    text = NULL;
    rc = 0;
out:
    libxl_xen_console_read_finish(ctx, cr);
    free(text);
    return rc;
}

int np_xen_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                          struct np_err *err)
{
    struct np_memdump dump;
    char prev[NP_MEMDUMP_HEADER_MAX], key[] = "u";
    char *text = NULL;
    unsigned int i, n;
    int rc;

    np_memdump_init(&dump);
    rc = read_ring(be, &text, err);
    if (rc)
        return rc;
    np_memdump_last_header(text, prev, sizeof(prev));
    free(text);
    text = NULL;

    np_xtl_clear(&xen_priv_of(be)->logger);
    rc = libxl_send_debug_keys(xen_priv_of(be)->ctx, key);
    if (rc)
        return xen_error(xen_priv_of(be), rc, err,
                         "cannot send xen debug key 'u'");
    rc = read_ring(be, &text, err);
    if (rc)
        return rc;
    rc = np_memdump_parse(text, snap->topo.nr_node_ids, prev, &dump, err);
    free(text);
    if (rc)
        goto out;
    for (i = 0; i < snap->nr_guests; i++) {
        struct np_guest *g = &snap->guests[i];
        const struct np_memdump_dom *d = np_memdump_find(&dump, g->id);
        uint64_t *kib;

        free(g->mem_per_node_kib);
        g->mem_per_node_kib = NULL;
        g->mem_source = NULL;
        if (!d)
            continue;
        kib = calloc(snap->topo.nr_node_ids + 1, sizeof(*kib));
        if (!kib) {
            rc = -ENOMEM;
            goto out;
        }
        for (n = 0; n < snap->topo.nr_node_ids; n++)
            kib[n] = d->pages[n] * NP_XEN_PAGE_KIB;
        g->mem_per_node_kib = kib;
        g->mem_source = "xen debug key u";
    }
out:
    np_memdump_dispose(&dump);
    return rc;
}
