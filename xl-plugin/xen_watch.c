/*
 * xen_watch.c: the event source of `numapin watch` on Xen: xenstore's
 * special watches @introduceDomain (a domain was built: libxl has already
 * allocated its memory and set its affinities) and @releaseDomain (a
 * domain died), through libxenstore.  No polling: the loop waits on the
 * xenstore connection's file descriptor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "watch.h"

static int xs_drain(struct np_watch_source *src)
{
    struct xs_handle *h = src->priv;
    char **vec;
    int n = 0;

    /* Every event queued so far: guests that arrive together are placed
     * in one pass. */
    while ((vec = xs_check_watch(h))) {
        free(vec);
        n++;
    }
    if (!n && errno != EAGAIN)
        return -errno;
    return n ? 1 : 0;
}

/* libxl introduces a domain to xenstore in its build's last step, after
 * it has set the vCPU affinities of the domain's configuration. */
static bool xs_ready(struct np_watch_source *src, int id)
{
    return id == 0 || xs_is_domain_introduced(src->priv, (unsigned int)id);
}

static void xs_src_close(struct np_watch_source *src)
{
    if (src->priv)
        xs_close(src->priv);
    src->priv = NULL;
    src->fd = -1;
}

int np_xen_watch_open(struct np_watch_source *src, struct np_err *err)
{
    struct xs_handle *h = xs_open(0);

    if (!h)
        return np_err_set(
            err, -errno,
            "cannot connect to xenstore: %s (is xenstored running?)",
            strerror(errno));
    if (!xs_watch(h, "@introduceDomain", "introduce") ||
        !xs_watch(h, "@releaseDomain", "release")) {
        int e = errno;

        xs_close(h);
        return np_err_set(err, -e, "cannot watch xenstore's domain events: %s",
                          strerror(e));
    }
    src->priv = h;
    src->fd = xs_fileno(h);
    src->name = "xenstore";
    src->drain = xs_drain;
    src->close = xs_src_close;
    src->ready = xs_ready;
    snprintf(src->desc, sizeof(src->desc),
             "xenstore watches @introduceDomain, @releaseDomain");
    return 0;
}
