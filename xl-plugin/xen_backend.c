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

#include "cpulist.h"
#include "xen_backend.h"
#include "xen_internal.h"

/* ---- libxl's log, through one adapter -------------------------------- */

/*
 * libxl reports the cause of a failure only through its logger.  This
 * logger keeps the last error (and its errno) so that the failing
 * operation can put it into its np_err sentence; warnings are printed,
 * as xl prints them; everything else is dropped unless NUMAPIN_XEN_DEBUG
 * is set.
 */
struct np_xtl {
    xentoollog_logger vtable; /* first: libxl sees only this */
    char last_error[NP_ERR_MAX];
    int last_errno; /* errno of the last error, 0 when none */
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

/* For the backend's other files (xen_internal.h). */
libxl_ctx *np_xen_ctx(struct np_backend *be)
{
    return priv_of(be)->ctx;
}

void np_xen_log_clear(struct np_backend *be)
{
    np_xtl_clear(&priv_of(be)->logger);
}

int np_xen_error(struct np_backend *be, int rc, struct np_err *err,
                 const char *what)
{
    return xen_error(priv_of(be), rc, err, what);
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
    if (ver) {
        char version[64];

        snprintf(version, sizeof(version), "%d.%d%s", ver->xen_version_major,
                 ver->xen_version_minor,
                 ver->xen_version_extra ? ver->xen_version_extra : "");
        if (np_ident_set(&snap->ident.hypervisor, "xen") ||
            (np_ident_valid(version) &&
             np_ident_set(&snap->ident.hypervisor_version, version))) {
            rc = np_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    }

    nr_cpu_ids = info.max_cpu_id + 1;
    if ((unsigned int)nr_cputopo > nr_cpu_ids)
        nr_cpu_ids = (unsigned int)nr_cputopo;
    nr_node_ids = nr_numa > 0 ? (unsigned int)nr_numa : 1;
    rc = np_topo_alloc(topo, nr_cpu_ids, nr_node_ids);
    if (rc) {
        np_err_set(err, rc,
                   "xen reports %u cpu ids and %u node ids: "
                   "more than numapin can hold",
                   nr_cpu_ids, nr_node_ids);
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
        c->socket =
            t->socket == LIBXL_CPUTOPOLOGY_INVALID_ENTRY ? -1 : (int)t->socket;
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

/* credit and credit2 have a cap and a weight; the others have not. */
static bool sched_has_cap(libxl_scheduler sched)
{
    return sched == LIBXL_SCHEDULER_CREDIT || sched == LIBXL_SCHEDULER_CREDIT2;
}

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
    libxl_domain_sched_params sched;
    struct np_guest *g;
    char *name = NULL;
    char what[64];
    int nr_vcpus = 0, nr_cpus = 0, i, rc;

    libxl_bitmap_init(&nodemap);
    libxl_dominfo_init(&check);
    libxl_domain_sched_params_init(&sched);

    vcpus = libxl_list_vcpu(p->ctx, domid, &nr_vcpus, &nr_cpus);
    if (!vcpus) {
        /* Gone meanwhile?  Then it is simply not there any more. */
        if (libxl_domain_info(p->ctx, &check, domid) == ERROR_DOMAIN_NOTFOUND) {
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
        rc = 1; /* no name in xenstore: destroyed meanwhile */
        goto out;
    }

    rc = np_snapshot_add_guest(snap, (int)domid, name, (unsigned int)nr_vcpus,
                               true, &g);
    if (rc)
        goto out;
    g->mem_kib = dom->current_memkb;
    for (i = 0; i < nr_vcpus; i++) {
        const libxl_vcpuinfo *vi = &vcpus[i];
        struct np_vcpu *v;

        if (vi->vcpuid >= (uint32_t)nr_vcpus) {
            rc = np_err_set(err, -EPROTO,
                            "domain %u: vcpu %u is past the %d listed", domid,
                            vi->vcpuid, nr_vcpus);
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

    /* credit and credit2's cap and weight; left unknown (-1) under the
     * other schedulers, or when the domain goes away meanwhile. */
    if (!libxl_domain_sched_params_get(p->ctx, domid, &sched) &&
        sched_has_cap(sched.sched)) {
        g->sched_cap = sched.cap;
        g->sched_weight = sched.weight;
    }
    np_xtl_clear(&p->logger);

    rc = libxl_node_bitmap_alloc(p->ctx, &nodemap, 0);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot allocate a node map");
        goto out;
    }
    rc = np_libxl_get_nodeaffinity(p->ctx, domid, &nodemap);
    if (rc == ERROR_NI) {
        np_cpumap_dispose(&g->node_affinity); /* unknown */
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
    libxl_domain_sched_params_dispose(&sched);
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

/*
 * What the write side checks and reports, worked on run A of the test
 * bed, CPU 3 moved to a cpupool "np-pool" of its own and domu1 migrated
 * there:
 *   vcpu-pin domu1 all 0-1    refused before any call: no CPU of 0-1 is
 *                             in np-pool, domu1's vCPUs would have
 *                             nowhere to run (xl gets EINVAL from Xen
 *                             for vCPU 0 only after trying);
 *   vcpu-pin domu1 all 2-3    done; the read-back shows hard 2-3, and
 *                             the note says the vCPUs run only on 3:
 *                             CPU 2 is not in np-pool.
 * A domain's pool and the pool's CPUs are read at the moment of each
 * write (libxl_domain_info, libxl_cpupool_info), not from the snapshot:
 * they decide whether the write can succeed.
 */

/* The CPUs of the cpupool domain domid runs in, sized nr_bits, and the
 * pool's name.  -ESRCH when the domain is gone. */
static int domain_pool(struct xen_priv *p, const struct np_guest *g,
                       unsigned int nr_bits, struct np_cpumap *cpus_out,
                       char *name_out, size_t name_size, struct np_err *err)
{
    libxl_dominfo info;
    libxl_cpupoolinfo pool;
    char what[96];
    int rc;

    libxl_dominfo_init(&info);
    libxl_cpupoolinfo_init(&pool);
    rc = libxl_domain_info(p->ctx, &info, (uint32_t)g->id);
    if (rc == ERROR_DOMAIN_NOTFOUND) {
        rc = np_err_set(err, -ESRCH, "domain '%s' (id %d) no longer exists",
                        g->name, g->id);
        goto out;
    }
    if (rc) {
        snprintf(what, sizeof(what), "cannot read domain '%s'", g->name);
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    if (info.dying) {
        rc = np_err_set(err, -ESRCH,
                        "domain '%s' (id %d) no longer exists (it is being "
                        "destroyed)",
                        g->name, g->id);
        goto out;
    }
    rc = libxl_cpupool_info(p->ctx, &pool, info.cpupool);
    if (rc) {
        snprintf(what, sizeof(what), "cannot read cpupool %u of domain '%s'",
                 info.cpupool, g->name);
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    rc = bitmap_to_cpumap(&pool.cpumap, nr_bits, cpus_out);
    if (rc)
        goto out;
    snprintf(name_out, name_size, "%s", pool.pool_name ? pool.pool_name : "?");
out:
    libxl_cpupoolinfo_dispose(&pool);
    libxl_dominfo_dispose(&info);
    return rc;
}

/* Read vCPU vcpu of g back: its hard and soft maps, sized nr_bits. */
static int read_vcpu(struct xen_priv *p, const struct np_guest *g, int vcpu,
                     unsigned int nr_bits, struct np_cpumap *hard_out,
                     struct np_cpumap *soft_out)
{
    libxl_vcpuinfo *vcpus;
    int nr_vcpus = 0, nr_cpus = 0, i, rc = -ENOENT;

    vcpus = libxl_list_vcpu(p->ctx, (uint32_t)g->id, &nr_vcpus, &nr_cpus);
    if (!vcpus)
        return -ESRCH;
    for (i = 0; i < nr_vcpus; i++) {
        if (vcpus[i].vcpuid != (uint32_t)vcpu)
            continue;
        rc = bitmap_to_cpumap(&vcpus[i].cpumap, nr_bits, hard_out);
        if (!rc)
            rc = bitmap_to_cpumap(&vcpus[i].cpumap_soft, nr_bits, soft_out);
        break;
    }
    libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    return rc;
}

/* Append "; " and a formatted sentence to be->note. */
static void add_note(struct np_backend *be, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_note(struct np_backend *be, const char *fmt, ...)
{
    size_t len = strlen(be->note);
    va_list ap;

    if (len && len + 2 < sizeof(be->note)) {
        memcpy(be->note + len, "; ", 3);
        len += 2;
    }
    va_start(ap, fmt);
    vsnprintf(be->note + len, sizeof(be->note) - len, fmt, ap);
    va_end(ap);
}

/* A cpu-list for messages; "?" when out of memory.  free() it. */
static char *list_of(const struct np_cpumap *map)
{
    char *s = np_cpulist_format_ranges(map);

    return s ? s : strdup("?");
}

/*
 * After a write: what Xen keeps, and what the vCPU can really use.  Xen
 * stores the hard map as given but runs the vCPU only on the CPUs of its
 * cpupool (offline CPUs are in no pool), and uses the soft map only
 * within the hard one: say so when the pool narrows a map, or when the
 * soft map is left nothing.
 */
static void note_effective(struct np_backend *be, const struct np_guest *g,
                           int vcpu, const struct np_cpumap *hard,
                           const struct np_cpumap *soft,
                           const struct np_cpumap *got_hard,
                           const struct np_cpumap *got_soft,
                           const struct np_cpumap *pool, const char *pool_name)
{
    struct np_cpumap eff_hard, eff_soft, lost;
    char *a = NULL, *b = NULL;

    np_cpumap_init(&eff_hard);
    np_cpumap_init(&eff_soft);
    np_cpumap_init(&lost);
    if (np_cpumap_copy(&eff_hard, got_hard) ||
        np_cpumap_copy(&eff_soft, got_soft) || np_cpumap_copy(&lost, got_hard))
        goto out;
    if (hard && !np_cpumap_equal(hard, got_hard)) {
        a = list_of(hard);
        b = list_of(got_hard);
        add_note(be, "xen keeps hard affinity %s for vcpu %d of %s, not %s", b,
                 vcpu, g->name, a);
        free(a);
        free(b);
        a = b = NULL;
    }
    np_cpumap_and(&eff_hard, pool);
    np_cpumap_andnot(&lost, pool);
    if (hard && !np_cpumap_is_empty(&lost)) {
        a = list_of(&eff_hard);
        b = list_of(&lost);
        add_note(be,
                 "vcpu %d of %s runs only on cpus %s: cpus %s of its "
                 "hard affinity are not in its cpupool '%s' (offline, or in "
                 "another pool)",
                 vcpu, g->name, a, b, pool_name);
        free(a);
        free(b);
        a = b = NULL;
    }
    if (!soft || np_cpumap_is_empty(got_soft))
        goto out;
    np_cpumap_and(&eff_soft, &eff_hard);
    if (np_cpumap_is_empty(&eff_soft)) {
        a = list_of(got_soft);
        b = list_of(&eff_hard);
        add_note(be,
                 "the soft affinity %s of vcpu %d of %s is unreachable: "
                 "none of it is in the cpus the vcpu may run on (%s), so "
                 "only the hard affinity counts",
                 a, vcpu, g->name, b);
    } else if (!np_cpumap_subset(pool, got_soft) &&
               !np_cpumap_subset(got_soft, pool)) {
        /* Part of a real preference (not "all") lost to the pool; a soft
         * map wider than the hard one is normal, and not noted. */
        np_cpumap_zero(&lost);
        np_cpumap_or(&lost, got_soft);
        np_cpumap_andnot(&lost, pool);
        a = list_of(&lost);
        add_note(be,
                 "cpus %s of the soft affinity of vcpu %d of %s are "
                 "not in its cpupool '%s' (offline, or in another pool)",
                 a, vcpu, g->name, pool_name);
    }
out:
    free(a);
    free(b);
    np_cpumap_dispose(&lost);
    np_cpumap_dispose(&eff_soft);
    np_cpumap_dispose(&eff_hard);
}

/*
 * Test only: NUMAPIN_TEST_XEN_DESTROY_AFTER_VCPU=NAME:VCPU destroys domain
 * NAME right after its vCPU VCPU was pinned, so that the test bed can
 * check what a pin of `all` does when the domain goes away half-way.
 */
static void test_destroy_hook(struct xen_priv *p, const struct np_guest *g,
                              int vcpu)
{
    const char *spec = getenv("NUMAPIN_TEST_XEN_DESTROY_AFTER_VCPU");
    const char *colon;
    char *end;
    long v;

    if (!spec || !(colon = strrchr(spec, ':')))
        return;
    if ((size_t)(colon - spec) != strlen(g->name) ||
        strncmp(spec, g->name, (size_t)(colon - spec)))
        return;
    v = strtol(colon + 1, &end, 10);
    if (*end || v != vcpu)
        return;
    fprintf(stderr,
            "numapin: test hook: destroying domain '%s' after "
            "vcpu %d\n",
            g->name, vcpu);
    libxl_domain_destroy(p->ctx, (uint32_t)g->id, NULL);
}

static int alloc_cpu_bitmap(struct xen_priv *p, const struct np_cpumap *map,
                            libxl_bitmap *bm, const char *which,
                            struct np_err *err)
{
    int rc = libxl_cpu_bitmap_alloc(p->ctx, bm, 0);

    if (rc)
        return xen_error(p, rc, err, "cannot allocate a cpu map");
    rc = cpumap_to_bitmap(map, bm);
    if (rc)
        return np_err_set(err, rc, "the %s affinity names a cpu past %u", which,
                          bm->size * 8 - 1);
    return 0;
}

static int xen_set_vcpu_affinity(struct np_backend *be,
                                 const struct np_guest *g, int vcpu,
                                 const struct np_cpumap *hard,
                                 const struct np_cpumap *soft,
                                 struct np_err *err)
{
    struct xen_priv *p = priv_of(be);
    libxl_bitmap hard_bm, soft_bm;
    struct np_cpumap pool, got_hard, got_soft;
    char pool_name[64] = "", what[96], *s = NULL, *t = NULL;
    unsigned int nr_bits;
    int rc;

    libxl_bitmap_init(&hard_bm);
    libxl_bitmap_init(&soft_bm);
    np_cpumap_init(&pool);
    np_cpumap_init(&got_hard);
    np_cpumap_init(&got_soft);
    np_xtl_clear(&p->logger);
    if (!hard && !soft && !be->force)
        return 0;
    if (vcpu < 0 || (unsigned int)vcpu >= g->nr_vcpus)
        return np_err_set(err, -EINVAL, "domain '%s' has no vcpu %d", g->name,
                          vcpu);
    if ((hard && np_cpumap_is_empty(hard)) ||
        (soft && np_cpumap_is_empty(soft)))
        return np_err_set(err, -EINVAL,
                          "an affinity must name at least one cpu");
    nr_bits = hard   ? hard->nr_bits
              : soft ? soft->nr_bits
                     : g->vcpus[vcpu].hard.nr_bits;

    /* Before any change: the domain, its pool, and a hard map that
     * leaves the vCPU somewhere to run. */
    rc = domain_pool(p, g, nr_bits, &pool, pool_name, sizeof(pool_name), err);
    if (rc)
        goto out;
    if (hard && !np_cpumap_intersects(hard, &pool)) {
        s = list_of(hard);
        t = list_of(&pool);
        rc = np_err_set(err, -EINVAL,
                        "no cpu of %s is in cpupool '%s' of domain '%s' "
                        "(its cpus: %s): vcpu %d would have nowhere to run",
                        s, pool_name, g->name, t, vcpu);
        goto out;
    }

    if (hard) {
        rc = alloc_cpu_bitmap(p, hard, &hard_bm, "hard", err);
        if (rc)
            goto out;
    }
    if (soft) {
        rc = alloc_cpu_bitmap(p, soft, &soft_bm, "soft", err);
        if (rc)
            goto out;
    }
    if (be->force)
        rc = np_libxl_set_vcpuaffinity_force(
            p->ctx, (uint32_t)g->id, (uint32_t)vcpu, hard ? &hard_bm : NULL,
            soft ? &soft_bm : NULL);
    else
        rc = libxl_set_vcpuaffinity(p->ctx, (uint32_t)g->id, (uint32_t)vcpu,
                                    hard ? &hard_bm : NULL,
                                    soft ? &soft_bm : NULL);
    if (rc) {
        snprintf(what, sizeof(what),
                 "cannot set the affinity of vcpu %d of domain '%s'", vcpu,
                 g->name);
        rc = xen_error(p, rc, err, what);
        if (rc == -ESRCH) {
            np_err_clear(err);
            rc = np_err_set(err, -ESRCH, "domain '%s' (id %d) no longer exists",
                            g->name, g->id);
        }
        goto out;
    }
    test_destroy_hook(p, g, vcpu);

    /* What Xen keeps, and what the vCPU can use of it.  A read-back that
     * fails (the domain just went away) is no error: the write was made. */
    if (!read_vcpu(p, g, vcpu, nr_bits, &got_hard, &got_soft))
        note_effective(be, g, vcpu, hard, soft, &got_hard, &got_soft, &pool,
                       pool_name);
    np_xtl_clear(&p->logger);
    rc = 0;

out:
    free(s);
    free(t);
    np_cpumap_dispose(&got_soft);
    np_cpumap_dispose(&got_hard);
    np_cpumap_dispose(&pool);
    libxl_bitmap_dispose(&soft_bm);
    libxl_bitmap_dispose(&hard_bm);
    return rc;
}

/*
 * nodes == NULL: back to Xen's automatic node affinity.  Xen takes a node
 * map with every bit set, over all the node ids it can hold (libxl's
 * node bitmap of libxl_get_max_nodes() bits), as "reset": it then derives
 * the node affinity from the vCPUs' affinities again.  A map listing the
 * host's nodes only is an explicit affinity, not automatic.
 */
static int xen_set_node_affinity(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *nodes,
                                 struct np_err *err)
{
    struct xen_priv *p = priv_of(be);
    libxl_bitmap bm;
    char what[96];
    int rc;

    libxl_bitmap_init(&bm);
    np_xtl_clear(&p->logger);
    if (nodes && np_cpumap_is_empty(nodes))
        return np_err_set(err, -EINVAL,
                          "a node affinity must name at least one node");
    rc = libxl_node_bitmap_alloc(p->ctx, &bm, 0);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot allocate a node map");
        goto out;
    }
    if (!nodes) {
        libxl_bitmap_set_any(&bm);
    } else if (np_cpumap_last(nodes) >= (int)(bm.size * 8)) {
        rc = np_err_set(err, -ERANGE, "node %d is past what xen can hold",
                        np_cpumap_last(nodes));
        goto out;
    } else {
        np_cpumap_to_bytes(nodes, bm.map, bm.size);
    }
    rc = libxl_domain_set_nodeaffinity(p->ctx, (uint32_t)g->id, &bm);
    if (rc) {
        snprintf(what, sizeof(what),
                 "cannot set the node affinity of domain '%s'", g->name);
        rc = xen_error(p, rc, err, what);
    }
out:
    libxl_bitmap_dispose(&bm);
    return rc;
}

static int xen_set_sched(struct np_backend *be, const struct np_guest *g,
                         int cap, int weight, struct np_err *err)
{
    struct xen_priv *p = priv_of(be);
    libxl_domain_sched_params cur, want;
    char what[96];
    int rc;

    libxl_domain_sched_params_init(&cur);
    libxl_domain_sched_params_init(&want);
    np_xtl_clear(&p->logger);
    snprintf(what, sizeof(what),
             "cannot set the scheduler parameters of domain '%s'", g->name);
    rc = libxl_domain_sched_params_get(p->ctx, (uint32_t)g->id, &cur);
    if (rc) {
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    if (!sched_has_cap(cur.sched)) {
        rc = np_err_set(err, -EOPNOTSUPP,
                        "domain '%s' runs under the %s scheduler, which has "
                        "no cap or weight (credit and credit2 have)",
                        g->name, libxl_scheduler_to_string(cur.sched));
        goto out;
    }
    want.sched = cur.sched;
    if (cap >= 0)
        want.cap = cap;
    if (weight >= 0)
        want.weight = weight;
    rc = libxl_domain_sched_params_set(p->ctx, (uint32_t)g->id, &want);
    if (rc)
        rc = xen_error(p, rc, err, what);
out:
    libxl_domain_sched_params_dispose(&want);
    libxl_domain_sched_params_dispose(&cur);
    return rc;
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
    .caps = NP_CAP_GUESTS | NP_CAP_SOFT_AFFINITY | NP_CAP_WRITE |
            NP_CAP_NODE_AFFINITY | NP_CAP_SCHED,
    .open = xen_open,
    .close = xen_close,
    .read_host = xen_read_host,
    .read_guests = xen_read_guests,
    .set_vcpu_affinity = xen_set_vcpu_affinity,
    .set_node_affinity = xen_set_node_affinity,
    .move_memory = xen_move_memory,
    .set_sched = xen_set_sched,
    .measure_memory = np_xen_measure_memory,
    .relocate = np_xen_relocate,
};
