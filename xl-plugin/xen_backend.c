/*
 * xen_backend.c: the Xen backend, through libxl (see xen_backend.h).
 *
 * Three conversions live here and nowhere else:
 *  - libxl's ERROR_* codes to negative errno values: xen_error();
 *  - libxl_bitmap (a size in bytes) to and from np_cpumap (a size in
 *    bits): bitmap_to_cpumap() and cpumap_to_bitmap();
 *  - libxl's log messages to our error sentence: the xtl adapter.
 *
 * Worked example, run A of the test bed (2 sockets x 2 cores, 2 nodes):
 *   libxl_get_physinfo      nr_cpus 4, max_cpu_id 3, total_pages 524158
 *   libxl_get_cpu_topology  cpu 2: core 0, socket 1, node 1
 *   libxl_get_numainfo      node 1: size 1072693248, free 633339904,
 *                           dists {20, 10}
 * becomes nr_cpu_ids 4, cpus[2] = {core 0, socket 1, node 1},
 * nodes[1] = {mem_total_kib 1047552, mem_free_kib 618496}, distance(1, 0)
 * 20, and `xl info -n` and `numapin info -n` print the same tables.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

/* ---- libxl's log, through one adapter -------------------------------- */

/*
 * libxl prefixes its messages with where they come from,
 * "libxl_sched.c:84:libxl__set_vcpuaffinity: Domain 1:All cpus...":
 * a user needs the part after it.  Returns msg past "FILE.c:LINE:FUNC: ",
 * or msg itself when it does not start so.
 */
static const char *skip_location(const char *msg)
{
    const char *p = strstr(msg, ".c:");
    size_t i;

    if (!p || strchr(msg, ' ') < p)
        return msg;
    p += 3;
    for (i = 0; p[i] >= '0' && p[i] <= '9'; i++)
        ;
    if (!i || p[i] != ':')
        return msg;
    p = strstr(p + i + 1, ": ");
    return p ? p + 2 : msg;
}

static void np_xtl_vmessage(xentoollog_logger *logger, xentoollog_level level,
                            int errnoval, const char *context,
                            const char *format, va_list al)
    __attribute__((format(printf, 5, 0)));

static void np_xtl_vmessage(xentoollog_logger *logger, xentoollog_level level,
                            int errnoval, const char *context,
                            const char *format, va_list al)
{
    struct np_xtl *lg = (struct np_xtl *)logger;
    char msg[NP_ERR_MAX];
    size_t len;

    vsnprintf(msg, sizeof(msg), format, al);
    len = strlen(msg);
    if (errnoval > 0 && len < sizeof(msg))
        snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(errnoval));
    if (level >= XTL_ERROR) {
        snprintf(lg->last_error, sizeof(lg->last_error), "%s",
                 skip_location(msg));
        lg->last_errno = errnoval > 0 ? errnoval : 0;
    }
    if (lg->debug)
        fprintf(stderr, "%s: %s: %s\n", context ? context : "libxl",
                xtl_level_to_string(level), msg);
    else if (level == XTL_WARN)
        fprintf(stderr, "warning: %s\n", skip_location(msg));
}

static void np_xtl_progress(xentoollog_logger *logger, const char *context,
                            const char *doing_what, int percent,
                            unsigned long done, unsigned long total)
{
}

static void np_xtl_destroy(xentoollog_logger *logger)
{
}

static void np_xtl_init(struct np_xtl *lg)
{
    memset(lg, 0, sizeof(*lg));
    lg->vtable.vmessage = np_xtl_vmessage;
    lg->vtable.progress = np_xtl_progress;
    lg->vtable.destroy = np_xtl_destroy;
    lg->debug = getenv("NUMAPIN_XEN_DEBUG") != NULL;
}

struct xen_priv *xen_priv_of(struct np_backend *be)
{
    return be->priv;
}

/*
 * The one place where libxl's errors become ours.  rc is a libxl ERROR_*
 * code, or ERROR_FAIL for a call that returned NULL.  The errno libxl
 * logged with its error, when there is one, says more than the code
 * (EACCES when not root, ESRCH for a domain that went away).  Fills err
 * with "what: libxl's message" and returns the negative errno.
 */
int xen_error(struct xen_priv *p, int rc, struct np_err *err, const char *what)
{
    int e;

    switch (rc) {
    case ERROR_NOMEM:
        e = ENOMEM;
        break;
    case ERROR_INVAL:
        e = EINVAL;
        break;
    case ERROR_NI:
    case ERROR_NOPARAVIRT:
    case ERROR_FEATURE_REMOVED:
        e = EOPNOTSUPP;
        break;
    case ERROR_DOMAIN_NOTFOUND:
    case ERROR_DOMAIN_DESTROYED:
        e = ESRCH;
        break;
    case ERROR_NOTFOUND:
        e = ENOENT;
        break;
    case ERROR_TIMEDOUT:
    case ERROR_GUEST_TIMEDOUT:
        e = ETIMEDOUT;
        break;
    case ERROR_LOCK_FAIL:
        e = EBUSY;
        break;
    case ERROR_ABORTED:
        e = ECANCELED;
        break;
    case ERROR_VERSION:
        e = EPROTO;
        break;
    default:
        /* ERROR_FAIL and the rest: the logged errno, if any. */
        e = p && p->logger.last_errno ? p->logger.last_errno : EIO;
        break;
    }
    if (p && p->logger.last_error[0])
        np_err_set(err, -e, "%s: %s", what, p->logger.last_error);
    else
        np_err_set(err, -e, "%s failed (libxl error %d)", what, rc);
    return -e;
}

/*
 * Copy a libxl_bitmap (bm->size bytes) into out, sized to nr_bits bits.
 * Bits at nr_bits and above name CPUs (or nodes) the host does not have:
 * Xen keeps "all" as every bit of its cpumask, so they are dropped, not
 * refused.  0 or -ENOMEM.
 */
int xen_bitmap_to_cpumap(const libxl_bitmap *bm, unsigned int nr_bits,
                         struct np_cpumap *out)
{
    size_t nr_bytes = (nr_bits + 7) / 8;
    uint8_t *bytes;
    int rc;

    bytes = calloc(nr_bytes ? nr_bytes : 1, 1);
    if (!bytes)
        return -ENOMEM;
    if (bm->map)
        memcpy(bytes, bm->map, bm->size < nr_bytes ? bm->size : nr_bytes);
    if (nr_bits % 8 && nr_bytes)
        bytes[nr_bytes - 1] &= (uint8_t)((1U << (nr_bits % 8)) - 1);
    rc = np_cpumap_from_bytes(out, nr_bits, bytes, nr_bytes);
    free(bytes);
    return rc;
}

/*
 * Fill bm (allocated by the caller with libxl_cpu_bitmap_alloc) from map.
 * -ERANGE when map names a CPU beyond what libxl can hold.
 */
int xen_cpumap_to_bitmap(const struct np_cpumap *map, libxl_bitmap *bm)
{
    if (np_cpumap_last(map) >= (int)(bm->size * 8))
        return -ERANGE;
    np_cpumap_to_bytes(map, bm->map, bm->size);
    return 0;
}

static int xen_open(struct np_backend *be, const char *arg, struct np_err *err)
{
    struct xen_priv *p;
    int rc;

    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    np_xtl_init(&p->logger);
    rc = libxl_ctx_alloc(&p->ctx, LIBXL_VERSION, 0,
                         (xentoollog_logger *)&p->logger);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot talk to xen");
        if (err && strlen(err->msg) + 40 < sizeof(err->msg))
            strcat(err->msg, " (the xen backend needs root in dom0)");
        free(p);
        return rc;
    }
    be->priv = p;
    be->read_only = false;
    return 0;
}

static void xen_close(struct np_backend *be)
{
    struct xen_priv *p = xen_priv_of(be);

    if (!p)
        return;
    xen_forget(p);
    libxl_ctx_free(p->ctx);
    free(p);
    be->priv = NULL;
}

const struct np_backend_ops np_xen_ops = {
    .name = "xen",
    .soft_affinity = true,
    .writes = true,
    .fixed_dom0 = true,
    .open = xen_open,
    .close = xen_close,
    .read_host = xen_read_host,
    .read_guests = xen_read_guests,
    .read_guest = xen_read_guest,
    .check_vcpu = xen_check_vcpu,
    .set_vcpu_affinity = xen_set_vcpu_affinity,
    .set_node_affinity = xen_set_node_affinity,
    .set_sched = xen_set_sched,
    .measure_memory = np_xen_measure_memory,
    .relocate = np_xen_relocate,
};
