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
#include <sys/utsname.h>

#include "xen_compat.h"

#include "xen_backend.h"

/* ---- libxl's log, through one adapter -------------------------------- */

/*
 * libxl reports the cause of a failure only through its logger.  This
 * logger keeps the last error (and its errno) so that the failing
 * operation can put it into its np_err sentence; warnings are printed,
 * as xl prints them; everything else is dropped unless NUMAPIN_XEN_DEBUG
 * is set.
 */
struct np_xtl {
    xentoollog_logger vtable;   /* first: libxl sees only this */
    char last_error[NP_ERR_MAX];
    int last_errno;             /* errno of the last error, 0 when none */
    bool debug;
};

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

static void np_xtl_vmessage(xentoollog_logger *logger,
                            xentoollog_level level, int errnoval,
                            const char *context, const char *format,
                            va_list al) __attribute__((format(printf, 5, 0)));

static void np_xtl_vmessage(xentoollog_logger *logger,
                            xentoollog_level level, int errnoval,
                            const char *context, const char *format,
                            va_list al)
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

static void np_xtl_clear(struct np_xtl *lg)
{
    lg->last_error[0] = '\0';
    lg->last_errno = 0;
}

/* ---- the backend's state ---------------------------------------------- */

struct xen_priv {
    libxl_ctx *ctx;
    struct np_xtl logger;
};

static struct xen_priv *priv_of(struct np_backend *be)
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
static int xen_error(struct xen_priv *p, int rc, struct np_err *err,
                     const char *what)
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

/* ---- bitmaps: libxl's bytes, our bits ------------------------------- */

/*
 * Copy a libxl_bitmap (bm->size bytes) into out, sized to nr_bits bits.
 * Bits at nr_bits and above name CPUs (or nodes) the host does not have:
 * Xen keeps "all" as every bit of its cpumask, so they are dropped, not
 * refused.  0 or -ENOMEM.
 */
static int bitmap_to_cpumap(const libxl_bitmap *bm, unsigned int nr_bits,
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
static int cpumap_to_bitmap(const struct np_cpumap *map, libxl_bitmap *bm)
{
    if (np_cpumap_last(map) >= (int)(bm->size * 8))
        return -ERANGE;
    np_cpumap_to_bytes(map, bm->map, bm->size);
    return 0;
}

/* ---- open / close ----------------------------------------------------- */

static int xen_open(struct np_backend *be, const char *arg,
                    struct np_err *err)
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
    return 0;
}

static void xen_close(struct np_backend *be)
{
    struct xen_priv *p = priv_of(be);

    if (!p)
        return;
    libxl_ctx_free(p->ctx);
    free(p);
    be->priv = NULL;
}

/* ---- read_host -------------------------------------------------------- */

static int xen_read_host(struct np_backend *be, struct np_snapshot *snap,
                         struct np_err *err)
{
    struct xen_priv *p = priv_of(be);
    struct np_topo *topo = &snap->topo;
    libxl_physinfo info;
    libxl_cputopology *cputopo = NULL;
    libxl_numainfo *numa = NULL;
    const libxl_version_info *ver;
    int nr_cputopo = 0, nr_numa = 0, i, j, rc;
    unsigned int nr_cpu_ids, nr_node_ids, pagesize = 4096;
    struct utsname uts;

    libxl_physinfo_init(&info);
    np_xtl_clear(&p->logger);

    rc = libxl_get_physinfo(p->ctx, &info);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot read the host's physinfo");
        goto out;
    }
    cputopo = libxl_get_cpu_topology(p->ctx, &nr_cputopo);
    if (!cputopo) {
        rc = xen_error(p, ERROR_FAIL, err, "cannot read the cpu topology");
        goto out;
    }
    numa = libxl_get_numainfo(p->ctx, &nr_numa);
    if (!numa) {
        rc = xen_error(p, ERROR_FAIL, err, "cannot read the numa information");
        goto out;
    }
    ver = libxl_get_version_info(p->ctx);
    if (ver && ver->pagesize)
        pagesize = (unsigned int)ver->pagesize;

    nr_cpu_ids = info.max_cpu_id + 1;
    if ((unsigned int)nr_cputopo > nr_cpu_ids)
        nr_cpu_ids = (unsigned int)nr_cputopo;
    nr_node_ids = nr_numa > 0 ? (unsigned int)nr_numa : 1;
    rc = np_topo_alloc(topo, nr_cpu_ids, nr_node_ids);
    if (rc) {
        np_err_set(err, rc, "xen reports %u cpu ids and %u node ids: "
                   "more than numapin can hold", nr_cpu_ids, nr_node_ids);
        goto out;
    }

    for (i = 0; i < nr_numa; i++) {
        const libxl_numainfo *n = &numa[i];

        if (n->size == LIBXL_NUMAINFO_INVALID_ENTRY)
            continue;
        np_topo_add_node(topo, i);
        topo->nodes[i].mem_total_kib = n->size >> 10;
        topo->nodes[i].mem_free_kib = n->free >> 10;
        topo->nodes[i].mem_free_known = true;
    }
    /* Distances once the present nodes are known, by node ids. */
    for (i = 0; i < nr_numa; i++) {
        const libxl_numainfo *n = &numa[i];

        if (!np_topo_node_exists(topo, i))
            continue;
        for (j = 0; j < n->num_dists && j < nr_numa; j++)
            if (np_topo_node_exists(topo, j) &&
                n->dists[j] != LIBXL_NUMAINFO_INVALID_ENTRY)
                np_topo_set_distance(topo, i, j, n->dists[j]);
    }
    if (nr_numa <= 0) {
        /* No NUMA information at all: one node holding everything. */
        np_topo_add_node(topo, 0);
        topo->nodes[0].mem_total_kib = info.total_pages * (pagesize >> 10);
        topo->nodes[0].mem_free_kib = info.free_pages * (pagesize >> 10);
        topo->nodes[0].mem_free_known = true;
    }

    for (i = 0; (unsigned int)i < nr_cpu_ids; i++) {
        struct np_cpu *c = &topo->cpus[i];
        const libxl_cputopology *t = i < nr_cputopo ? &cputopo[i] : NULL;

        np_topo_add_cpu(topo, i);
        if (!t || t->core == LIBXL_CPUTOPOLOGY_INVALID_ENTRY) {
            /* Offline, or a possible CPU that is not there. */
            c->online = false;
            continue;
        }
        c->core = (int)t->core;
        c->socket = t->socket == LIBXL_CPUTOPOLOGY_INVALID_ENTRY
                        ? -1 : (int)t->socket;
        c->node = t->node == LIBXL_CPUTOPOLOGY_INVALID_ENTRY ||
                          !np_topo_node_exists(topo, (int)t->node)
                      ? (nr_numa <= 0 ? 0 : -1)
                      : (int)t->node;
    }

    topo->cpu_mhz = (info.cpu_khz + 500) / 1000;
    topo->mem_total_kib = info.total_pages * (pagesize >> 10);
    if (!uname(&uts)) {
        topo->cpu_model = strdup(uts.machine);
        if (!topo->cpu_model) {
            rc = -ENOMEM;
            goto out;
        }
    }
    rc = np_topo_set_source(topo, "xen (libxl)");
    if (rc)
        goto out;
    rc = np_topo_finish(topo, err);

out:
    if (numa)
        libxl_numainfo_list_free(numa, nr_numa);
    if (cputopo)
        libxl_cputopology_list_free(cputopo, nr_cputopo);
    libxl_physinfo_dispose(&info);
    return rc;
}

/* ---- read_guests ------------------------------------------------------ */

/*
 * Add one domain to snap.  Returns 0, 1 when the domain went away while
 * it was read (left out), or a negative errno.
 */
static int read_domain(struct xen_priv *p, struct np_snapshot *snap,
                       const libxl_dominfo *dom, struct np_err *err)
{
    uint32_t domid = dom->domid;
    libxl_vcpuinfo *vcpus = NULL;
    libxl_bitmap nodemap;
    libxl_dominfo check;
    struct np_guest *g;
    char *name = NULL;
    char what[64];
    int nr_vcpus = 0, nr_cpus = 0, i, rc;

    libxl_bitmap_init(&nodemap);
    libxl_dominfo_init(&check);

    vcpus = libxl_list_vcpu(p->ctx, domid, &nr_vcpus, &nr_cpus);
    if (!vcpus) {
        /* Gone meanwhile?  Then it is simply not there any more. */
        if (libxl_domain_info(p->ctx, &check, domid) ==
            ERROR_DOMAIN_NOTFOUND) {
            rc = 1;
            goto out;
        }
        snprintf(what, sizeof(what), "cannot list the vcpus of domain %u",
                 domid);
        rc = xen_error(p, ERROR_FAIL, err, what);
        goto out;
    }
    name = libxl_domid_to_name(p->ctx, domid);
    if (!name) {
        rc = 1;     /* no name in xenstore: destroyed meanwhile */
        goto out;
    }

    rc = np_snapshot_add_guest(snap, (int)domid, name,
                               (unsigned int)nr_vcpus, true, &g);
    if (rc)
        goto out;
    g->mem_kib = dom->current_memkb;
    for (i = 0; i < nr_vcpus; i++) {
        const libxl_vcpuinfo *vi = &vcpus[i];
        struct np_vcpu *v;

        if (vi->vcpuid >= (uint32_t)nr_vcpus) {
            rc = np_err_set(err, -EPROTO,
                            "domain %u: vcpu %u is past the %d listed",
                            domid, vi->vcpuid, nr_vcpus);
            goto out;
        }
        v = &g->vcpus[vi->vcpuid];
        v->online = vi->online;
        v->running = vi->online && vi->running;
        v->blocked = vi->online && vi->blocked;
        v->cpu = vi->online ? (int)vi->cpu : -1;
        v->time_ns = vi->vcpu_time;
        rc = bitmap_to_cpumap(&vi->cpumap, snap->topo.nr_cpu_ids, &v->hard);
        if (!rc)
            rc = bitmap_to_cpumap(&vi->cpumap_soft, snap->topo.nr_cpu_ids,
                                  &v->soft);
        if (rc)
            goto out;
    }

    rc = libxl_node_bitmap_alloc(p->ctx, &nodemap, 0);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot allocate a node map");
        goto out;
    }
    rc = np_libxl_get_nodeaffinity(p->ctx, domid, &nodemap);
    if (rc == ERROR_NI) {
        np_cpumap_dispose(&g->node_affinity);   /* unknown */
        rc = 0;
    } else if (rc) {
        snprintf(what, sizeof(what),
                 "cannot read the node affinity of domain %u", domid);
        rc = xen_error(p, rc, err, what);
        goto out;
    } else {
        rc = bitmap_to_cpumap(&nodemap, snap->topo.nr_node_ids,
                              &g->node_affinity);
    }

out:
    libxl_dominfo_dispose(&check);
    libxl_bitmap_dispose(&nodemap);
    if (vcpus)
        libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    free(name);
    return rc;
}

static int xen_read_guests(struct np_backend *be, struct np_snapshot *snap,
                           struct np_err *err)
{
    struct xen_priv *p = priv_of(be);
    libxl_dominfo *doms = NULL;
    int nr_doms = 0, i, rc;

    if (!snap->topo.nr_cpu_ids)
        return np_err_set(err, -EINVAL,
                          "the host must be read before its guests");
    np_xtl_clear(&p->logger);
    doms = libxl_list_domain(p->ctx, &nr_doms);
    if (!doms) {
        rc = xen_error(p, ERROR_FAIL, err, "cannot list the domains");
        goto out;
    }
    for (i = 0; i < nr_doms; i++) {
        rc = read_domain(p, snap, &doms[i], err);
        if (rc < 0)
            goto out;
    }
    snap->has_guests = true;
    snap->backend = "xen";
    rc = 0;

out:
    if (doms)
        libxl_dominfo_list_free(doms, nr_doms);
    return rc;
}

/* ---- writes ------------------------------------------------------------ */

static int xen_set_vcpu_affinity(struct np_backend *be,
                                 const struct np_guest *g, int vcpu,
                                 const struct np_cpumap *hard,
                                 const struct np_cpumap *soft,
                                 struct np_err *err)
{
    struct xen_priv *p = priv_of(be);
    libxl_bitmap hard_bm, soft_bm;
    char what[96];
    int rc;

    libxl_bitmap_init(&hard_bm);
    libxl_bitmap_init(&soft_bm);
    np_xtl_clear(&p->logger);
    if (!hard && !soft)
        return 0;
    if (vcpu < 0 || (unsigned int)vcpu >= g->nr_vcpus)
        return np_err_set(err, -EINVAL, "domain '%s' has no vcpu %d",
                          g->name, vcpu);
    if ((hard && np_cpumap_is_empty(hard)) ||
        (soft && np_cpumap_is_empty(soft)))
        return np_err_set(err, -EINVAL,
                          "an affinity must name at least one cpu");

    if (hard) {
        rc = libxl_cpu_bitmap_alloc(p->ctx, &hard_bm, 0);
        if (rc) {
            rc = xen_error(p, rc, err, "cannot allocate a cpu map");
            goto out;
        }
        rc = cpumap_to_bitmap(hard, &hard_bm);
        if (rc) {
            np_err_set(err, rc, "the hard affinity names a cpu past %u",
                       hard_bm.size * 8 - 1);
            goto out;
        }
    }
    if (soft) {
        rc = libxl_cpu_bitmap_alloc(p->ctx, &soft_bm, 0);
        if (rc) {
            rc = xen_error(p, rc, err, "cannot allocate a cpu map");
            goto out;
        }
        rc = cpumap_to_bitmap(soft, &soft_bm);
        if (rc) {
            np_err_set(err, rc, "the soft affinity names a cpu past %u",
                       soft_bm.size * 8 - 1);
            goto out;
        }
    }
    rc = libxl_set_vcpuaffinity(p->ctx, (uint32_t)g->id, (uint32_t)vcpu,
                                hard ? &hard_bm : NULL,
                                soft ? &soft_bm : NULL);
    if (rc) {
        snprintf(what, sizeof(what),
                 "cannot set the affinity of vcpu %d of domain '%s'", vcpu,
                 g->name);
        rc = xen_error(p, rc, err, what);
    }

out:
    libxl_bitmap_dispose(&soft_bm);
    libxl_bitmap_dispose(&hard_bm);
    return rc;
}

static int xen_set_node_affinity(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *nodes,
                                 struct np_err *err)
{
    return np_err_set(err, -EOPNOTSUPP,
                      "setting node affinity on xen is not supported yet");
}

static int xen_move_memory(struct np_backend *be, const struct np_guest *g,
                           const struct np_cpumap *from,
                           const struct np_cpumap *to, struct np_err *err)
{
    return np_err_set(err, -EOPNOTSUPP,
                      "xen cannot move a running guest's memory between "
                      "nodes");
}

const struct np_backend_ops np_xen_ops = {
    .name = "xen",
    .caps = NP_CAP_GUESTS | NP_CAP_SOFT_AFFINITY | NP_CAP_WRITE,
    .open = xen_open,
    .close = xen_close,
    .read_host = xen_read_host,
    .read_guests = xen_read_guests,
    .set_vcpu_affinity = xen_set_vcpu_affinity,
    .set_node_affinity = xen_set_node_affinity,
    .move_memory = xen_move_memory,
};
