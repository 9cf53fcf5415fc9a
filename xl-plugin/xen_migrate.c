/*
 * xen_migrate.c: memory that follows the pin on Xen, by a live migration
 * of a domain to the same host (the backend's relocate, see
 * xen_backend.h).  Xen cannot move a running domain's pages; a new domain
 * restored from the old one's live save stream gets its memory allocated
 * afresh, from its node affinity.
 *
 * The protocol, all inside numapin (no ssh, no xl):
 *  1. refusals, before anything changes: dom0; devices that cannot be
 *     migrated (PCI, USB host and device-tree passthrough, vTPM, 9pfs),
 *     a configuration that forbids migration, vNUMA; too little free
 *     memory on the target nodes for a second copy of the guest;
 *  2. the configuration, from libxl_retrieve_domain_configuration(), with
 *     the node affinity, the vCPU maps and no automatic placement;
 *  3. the old domain is renamed NAME--migratedaway, so that the new one is
 *     created under NAME (its console log keeps its file);
 *  4. a socket pair: this thread runs libxl_domain_suspend(LIVE) into one
 *     end (stop-and-copy instead when the live save cannot work:
 *     live_possible()), a second thread libxl_domain_create_restore()
 *     from the other (a third watches for the moment the old domain
 *     stops, for the downtime);
 *  5. the new domain (created paused) is unpaused, the old destroyed.
 * On a failure before 5: the new domain is destroyed, the old one renamed
 * back and resumed (cooperatively, as xl does after a failed migration).
 *
 * The move is bounded (move_bound_s(): 120 s and 30 s per GiB of the
 * guest, far above what a copy through a local socket takes): past the
 * bound the watching thread shuts the stream down, both sides fail, and
 * the failure path above puts the guest back.  A migration that stalls
 * (seen once in the test bed: the save never ended) then costs the bound,
 * not the host's lock for ever.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cpulist.h"
#include "xen_int.h"

#define AWAY_SUFFIX "--migratedaway"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct restore_job {
    libxl_ctx *ctx;
    libxl_domain_config *cfg;
    int fd;
    uint32_t domid;
    int rc;
};

static void *restore_main(void *arg)
{
    struct restore_job *j = arg;
    libxl_domain_restore_params params;

    libxl_domain_restore_params_init(&params);
    params.checkpointed_stream = LIBXL_CHECKPOINTED_STREAM_NONE;
    params.stream_version = 2;
    j->domid = INVALID_DOMID;
    j->rc = libxl_domain_create_restore(j->ctx, j->cfg, &j->domid, j->fd, -1,
                                        &params, NULL, NULL);
    libxl_domain_restore_params_dispose(&params);
    /* the stream is over for this side: a suspend still writing fails */
    close(j->fd);
    return NULL;
}

struct watch_job {
    libxl_ctx *ctx;
    uint32_t domid;
    int fd;          /* the save side of the stream: shut down past the
                        deadline (the main thread closes it, after this
                        thread is joined) */
    double deadline; /* now_s() past which the move is given up */
    volatile int stop;
    double stopped_at; /* when the old domain stopped running; 0 never */
    volatile int timed_out;
};

/* Poll the old domain until it is paused or shut down (suspended), for
 * the downtime; then wait for the end, or for the deadline. */
static void *watch_main(void *arg)
{
    struct watch_job *w = arg;
    struct timespec pause = {0, 5 * 1000 * 1000};

    while (!w->stop) {
        libxl_dominfo info;

        if (!w->stopped_at) {
            libxl_dominfo_init(&info);
            if (!libxl_domain_info(w->ctx, &info, w->domid) &&
                (info.paused || info.shutdown))
                w->stopped_at = now_s();
            libxl_dominfo_dispose(&info);
        }
        if (now_s() > w->deadline) {
            /* both ends fail: the save on EPIPE, the restore on EOF */
            w->timed_out = 1;
            shutdown(w->fd, SHUT_RDWR);
            break;
        }
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* Seconds a move of a guest of mem_kib may take: 120 s and 30 s per GiB.
 * Test builds (CONFIG_TEST_HOOKS) take NUMAPIN_TEST_XEN_MIGRATE_BOUND_MS
 * instead, so that the test bed can see a stalled move given up. */
static double move_bound_s(uint64_t mem_kib)
{
#ifdef CONFIG_TEST_HOOKS
    const char *env = getenv("NUMAPIN_TEST_XEN_MIGRATE_BOUND_MS");

    if (env && *env)
        return strtod(env, NULL) / 1000.0;
#endif
    return 120.0 + 30.0 * (double)mem_kib / (1024.0 * 1024.0);
}

/* Whether a live save can work: a PV guest's needs log-dirty mode, which
 * Xen has only with shadow paging (Debian's 4.17 is built without: the
 * live attempt fails with "Failed to enable logdirty", and once, in the
 * test bed, it hung instead, past the bound, its restore side waiting
 * with no memory).  When Xen says it has no shadow paging, a PV guest is
 * stopped and copied at once. */
static bool live_possible(libxl_ctx *ctx, const libxl_domain_config *cfg)
{
#ifdef LIBXL_HAVE_PHYSINFO_CAP_HAP_SHADOW
    libxl_physinfo pi;
    bool shadow = true;

    if (cfg->c_info.type != LIBXL_DOMAIN_TYPE_PV)
        return true;
    libxl_physinfo_init(&pi);
    if (!libxl_get_physinfo(ctx, &pi))
        shadow = pi.cap_shadow;
    libxl_physinfo_dispose(&pi);
    return shadow;
#else
    (void)ctx;
    (void)cfg;
    return true;
#endif
}

/* Whether the domain stopped (shut down to suspend). */
static bool stopped(libxl_ctx *ctx, uint32_t domid)
{
    libxl_dominfo info;
    bool r;

    libxl_dominfo_init(&info);
    r = !libxl_domain_info(ctx, &info, domid) && info.shutdown;
    libxl_dominfo_dispose(&info);
    return r;
}

/* Refusals that need the configuration: one sentence each. */
static int check_config(const libxl_domain_config *c, const char *name,
                        struct np_err *err)
{
    const char *what = NULL;

    if (c->num_pcidevs)
        what = "PCI passthrough devices";
    else if (c->num_usbdevs)
        what = "USB passthrough devices";
    else if (c->num_dtdevs)
        what = "device-tree passthrough devices";
    else if (c->num_vtpms)
        what = "a vTPM";
    else if (c->num_p9s)
        what = "9pfs shares";
    else if (c->b_info.num_vnuma_nodes)
        what = "virtual NUMA nodes";
    if (what)
        return np_err_set(
            err, -EOPNOTSUPP,
            "'%s' has %s, which cannot be migrated: its memory cannot be moved",
            name, what);
    if (!libxl_defbool_is_default(c->b_info.disable_migrate) &&
        libxl_defbool_val(c->b_info.disable_migrate))
        return np_err_set(
            err, -EOPNOTSUPP,
            "'%s' is configured with disable_migrate: its memory cannot be moved",
            name);
    return 0;
}

static int set_bits(libxl_bitmap *bm, const struct np_cpumap *map)
{
    int b;

    libxl_bitmap_set_none(bm);
    np_cpumap_for_each(b, map)
    {
        if ((unsigned int)b >= bm->size * 8)
            return -EINVAL;
        libxl_bitmap_set(bm, b);
    }
    return 0;
}

/* The new domain's configuration: node affinity nodes, vCPU v on hard[v]
 * (soft[v] when given and not empty), no automatic placement. */
static int set_placement(libxl_ctx *ctx, libxl_domain_config *c,
                         const char *name, const struct np_cpumap *nodes,
                         const struct np_cpumap *hard,
                         const struct np_cpumap *soft, unsigned int nr_vcpus)
{
    libxl_domain_build_info *b = &c->b_info;
    unsigned int v;
    int i, rc;

    free(c->c_info.name);
    c->c_info.name = strdup(name);
    if (!c->c_info.name)
        return -ENOMEM;
    libxl_bitmap_dispose(&b->nodemap);
    libxl_bitmap_init(&b->nodemap);
    if (libxl_node_bitmap_alloc(ctx, &b->nodemap, 0))
        return -ENOMEM;
    rc = set_bits(&b->nodemap, nodes);
    if (rc)
        return rc;
    libxl_defbool_set(&b->numa_placement, false);
    /* the domain-wide cpus= gives way to the per-vCPU maps */
    libxl_bitmap_dispose(&b->cpumap);
    libxl_bitmap_init(&b->cpumap);
    for (i = 0; i < b->num_vcpu_hard_affinity; i++)
        libxl_bitmap_dispose(&b->vcpu_hard_affinity[i]);
    for (i = 0; i < b->num_vcpu_soft_affinity; i++)
        libxl_bitmap_dispose(&b->vcpu_soft_affinity[i]);
    free(b->vcpu_hard_affinity);
    free(b->vcpu_soft_affinity);
    b->vcpu_hard_affinity = NULL;
    b->vcpu_soft_affinity = NULL;
    b->num_vcpu_hard_affinity = 0;
    b->num_vcpu_soft_affinity = 0;
    if (nr_vcpus < (unsigned int)b->max_vcpus)
        return -EINVAL;
    b->vcpu_hard_affinity = calloc(nr_vcpus, sizeof(*b->vcpu_hard_affinity));
    b->vcpu_soft_affinity = calloc(nr_vcpus, sizeof(*b->vcpu_soft_affinity));
    if (!b->vcpu_hard_affinity || !b->vcpu_soft_affinity)
        return -ENOMEM;
    for (v = 0; v < (unsigned int)b->max_vcpus; v++) {
        libxl_bitmap_init(&b->vcpu_hard_affinity[v]);
        libxl_bitmap_init(&b->vcpu_soft_affinity[v]);
        b->num_vcpu_hard_affinity = b->num_vcpu_soft_affinity = (int)v + 1;
        if (libxl_cpu_bitmap_alloc(ctx, &b->vcpu_hard_affinity[v], 0) ||
            libxl_cpu_bitmap_alloc(ctx, &b->vcpu_soft_affinity[v], 0))
            return -ENOMEM;
        rc = set_bits(&b->vcpu_hard_affinity[v], &hard[v]);
        if (!rc && soft && soft[v].nr_bits && !np_cpumap_is_empty(&soft[v]))
            rc = set_bits(&b->vcpu_soft_affinity[v], &soft[v]);
        else
            libxl_bitmap_set_any(&b->vcpu_soft_affinity[v]);
        if (rc)
            return rc;
    }
    return 0;
}

int np_xen_relocate(struct np_backend *be, const struct np_guest *g,
                    const struct np_cpumap *nodes, const struct np_cpumap *hard,
                    const struct np_cpumap *soft, uint64_t free_kib,
                    struct np_relocation *out, struct np_note *note,
                    struct np_err *err)
{
    libxl_ctx *ctx = xen_priv_of(be)->ctx;
    libxl_domain_config cfg;
    struct restore_job rj;
    struct watch_job wj;
    pthread_t rt, wt;
    bool renamed = false, restore_started = false, watch_started = false;
    struct sigaction ign, old_pipe;
    char *away = NULL, what[160];
    uint64_t need_kib;
    uint32_t domid = (uint32_t)g->id;
    int fds[2] = {-1, -1}, rc, src, attempt;
    double t0 = now_s(), t_unpaused, bound;

    memset(out, 0, sizeof(*out));
    out->new_id = -1;
    libxl_domain_config_init(&cfg);
    memset(&wj, 0, sizeof(wj));
    if (g->id == 0)
        return np_err_set(
            err, -EINVAL,
            "domain 0 cannot be migrated: its memory cannot be moved");
    np_xtl_clear(&xen_priv_of(be)->logger);
    rc = libxl_retrieve_domain_configuration(ctx, domid, &cfg, NULL);
    if (rc) {
        snprintf(what, sizeof(what),
                 "cannot read the configuration of '%s' (id %d)", g->name,
                 g->id);
        rc = xen_error(xen_priv_of(be), rc, err, what);
        goto out;
    }
    rc = check_config(&cfg, g->name, err);
    if (rc)
        goto out;
    need_kib =
        cfg.b_info.max_memkb > g->mem_kib ? cfg.b_info.max_memkb : g->mem_kib;
    if (free_kib < need_kib) {
        char *l = np_cpulist_format_ranges(nodes);

        rc = np_err_set(
            err, -ENOSPC,
            "'%s' needs %.1f MiB on node(s) %s for its copy, they have %.1f MiB free: nothing was changed",
            g->name, (double)need_kib / 1024.0, l ? l : "?",
            (double)free_kib / 1024.0);
        free(l);
        goto out;
    }
    rc = set_placement(ctx, &cfg, g->name, nodes, hard, soft, g->nr_vcpus);
    if (rc) {
        rc = np_err_set(
            err, rc, "cannot build the configuration of '%s''s copy", g->name);
        goto out;
    }
    if (asprintf(&away, "%s" AWAY_SUFFIX, g->name) < 0) {
        away = NULL;
        rc = -ENOMEM;
        goto out;
    }
    np_xtl_clear(&xen_priv_of(be)->logger);
    rc = libxl_domain_rename(ctx, domid, g->name, away);
    if (rc) {
        snprintf(what, sizeof(what), "cannot rename '%s' to '%s'", g->name,
                 away);
        rc = xen_error(xen_priv_of(be), rc, err, what);
        goto out;
    }
    renamed = true;
    bound = move_bound_s(need_kib);

    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    for (attempt = live_possible(ctx, &cfg) ? 0 : 1;; attempt++) {
        /* live first where it can work (live_possible()); a live save
         * that fails before the guest stops is tried again stopped */
        int flags = attempt ? 0 : LIBXL_SUSPEND_LIVE;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)) {
            rc = np_err_set(err, -errno, "cannot make a socket pair: %s",
                            strerror(errno));
            goto out;
        }
        sigaction(SIGPIPE, &ign, &old_pipe);
        rj.ctx = ctx;
        rj.cfg = &cfg;
        rj.fd = fds[1];
        rj.domid = INVALID_DOMID;
        rj.rc = ERROR_FAIL;
        if (pthread_create(&rt, NULL, restore_main, &rj)) {
            sigaction(SIGPIPE, &old_pipe, NULL);
            rc = np_err_set(err, -EAGAIN, "cannot start the restore thread");
            goto out;
        }
        fds[1] = -1; /* the thread closes it */
        restore_started = true;
        wj.ctx = ctx;
        wj.domid = domid;
        wj.fd = fds[0];
        wj.deadline = t0 + bound;
        wj.stop = 0;
        wj.stopped_at = 0;
        wj.timed_out = 0;
        watch_started = !pthread_create(&wt, NULL, watch_main, &wj);

        np_xtl_clear(&xen_priv_of(be)->logger);
        src = libxl_domain_suspend(ctx, domid, fds[0], flags, NULL);
        /* the stream ends here (EOF for the restore); the restore stays
         * under the deadline, the fd open until the watch is joined */
        shutdown(fds[0], SHUT_WR);
        pthread_join(rt, NULL);
        restore_started = false;
        wj.stop = 1;
        if (watch_started)
            pthread_join(wt, NULL);
        watch_started = false;
        if (!src && wj.timed_out)
            src = ERROR_FAIL; /* the restore saw the stream cut */
        if (src && wj.timed_out)
            rc = np_err_set(
                err, -ETIMEDOUT,
                "the move of '%s' did not finish in %.0f s: it was given up and '%s' runs where it was",
                g->name, bound, g->name);
        else if (src) {
            snprintf(what, sizeof(what), "the %s of '%s' failed",
                     flags ? "live save" : "save", g->name);
            rc = xen_error(xen_priv_of(be), src, err, what);
        }
        close(fds[0]);
        fds[0] = -1;
        sigaction(SIGPIPE, &old_pipe, NULL);
        out->new_id = rj.domid == (uint32_t)INVALID_DOMID ? -1 : (int)rj.domid;
        out->live = !attempt;
        if (!src)
            break;
        if (attempt == 0 && !wj.timed_out && !stopped(ctx, domid)) {
            /* the live save failed before the guest stopped: again */
            if (out->new_id >= 0)
                libxl_domain_destroy(ctx, (uint32_t)out->new_id, NULL);
            out->new_id = -1;
            np_err_clear(err);
            continue;
        }
        goto out;
    }
    if (rj.rc) {
        snprintf(what, sizeof(what), "the restore of '%s' failed", g->name);
        rc = xen_error(xen_priv_of(be), rj.rc, err, what);
        goto out;
    }
    np_xtl_clear(&xen_priv_of(be)->logger);
    rc = libxl_domain_unpause(ctx, rj.domid, NULL);
    if (rc) {
        snprintf(what, sizeof(what), "cannot unpause the new '%s' (id %u)",
                 g->name, rj.domid);
        rc = xen_error(xen_priv_of(be), rc, err, what);
        goto out;
    }
    t_unpaused = now_s();
    out->total_s = t_unpaused - t0;
    out->downtime_s = wj.stopped_at ? t_unpaused - wj.stopped_at : -1;
    renamed = false; /* the old domain goes: its name no longer matters */
    np_xtl_clear(&xen_priv_of(be)->logger);
    if (libxl_domain_destroy(ctx, domid, NULL))
        np_note_add(note,
                    "the old domain %u (%s) could not be destroyed: destroy "
                    "it with xl destroy",
                    domid, away);
    rc = 0;
out:
    if (restore_started) {
        if (fds[0] >= 0)
            close(fds[0]);
        fds[0] = -1;
        pthread_join(rt, NULL);
    }
    if (watch_started) {
        wj.stop = 1;
        pthread_join(wt, NULL);
    }
    if (rc && out->new_id >= 0) {
        /* the copy goes, the original comes back */
        libxl_domain_destroy(ctx, (uint32_t)out->new_id, NULL);
        out->new_id = -1;
    }
    if (rc && renamed) {
        libxl_dominfo info;

        libxl_domain_rename(ctx, domid, away, g->name);
        libxl_dominfo_init(&info);
        if (!libxl_domain_info(ctx, &info, domid) && info.shutdown)
            libxl_domain_resume(ctx, domid, 1, NULL);
        libxl_dominfo_dispose(&info);
    }
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    free(away);
    libxl_domain_config_dispose(&cfg);
    return rc;
}
