/*
 * watch_pass.c: one pass of `numapin watch`: under the writer lock, read
 * the host, forget the guests that are gone (the seen list), and give
 * each guest that appeared, one after the other, to np_watch_place_guest()
 * (watch_place.c), each on the snapshot that already holds the decisions
 * made before it.  A guest not whole yet is pending for at most
 * PENDING_MAX_S; Xen's dom0 is never looked at.  Also the log of every
 * decision (np_watch_log()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpulist.h"
#include "lock.h"
#include "numastat.h"
#include "plan.h"
#include "plan_apply.h"
#include "solver.h"
#include "watch.h"

/* How long a guest may take to become whole (guest_whole()). */
#define PENDING_MAX_S 30

void np_watch_log(const struct np_watch *w, const char *event,
                  const char *guest, int id, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (w->json) {
        json_object *o = json_object_new_object();
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        json_object_object_add(
            o, "time",
            json_object_new_double((double)ts.tv_sec + ts.tv_nsec / 1e9));
        json_object_object_add(o, "event", json_object_new_string(event));
        if (guest) {
            json_object_object_add(o, "guest", json_object_new_string(guest));
            json_object_object_add(o, "id", json_object_new_int(id));
        }
        json_object_object_add(o, "message", json_object_new_string(msg));
        fprintf(stderr, "%s\n",
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
    } else if (guest) {
        fprintf(stderr, "numapin watch: %s %s (id %d): %s\n", event, guest, id,
                msg);
    } else {
        fprintf(stderr, "numapin watch: %s: %s\n", event, msg);
    }
    fflush(stderr);
}

/* ------------------------------------------------------------------ */
/* The seen list                                                       */
/* ------------------------------------------------------------------ */

static void seen_free(struct np_watch_seen *s)
{
    free(s->name);
    free(s->cpus);
}

void np_watch_dispose(struct np_watch *w)
{
    unsigned int i;

    for (i = 0; i < w->nr_seen; i++)
        seen_free(&w->seen[i]);
    free(w->seen);
    w->seen = NULL;
    w->nr_seen = 0;
    np_policy_file_dispose(&w->pol);
}

static struct np_watch_seen *seen_find(struct np_watch *w,
                                       const struct np_guest *g)
{
    unsigned int i;

    for (i = 0; i < w->nr_seen; i++)
        if (w->seen[i].id == g->id && w->seen[i].start_time == g->start_time &&
            !strcmp(w->seen[i].name, g->name))
            return &w->seen[i];
    return NULL;
}

static struct np_watch_seen *seen_add(struct np_watch *w,
                                      const struct np_guest *g)
{
    struct np_watch_seen *s;

    s = realloc(w->seen, (w->nr_seen + 1) * sizeof(*s));
    if (!s)
        return NULL;
    w->seen = s;
    s = &w->seen[w->nr_seen];
    memset(s, 0, sizeof(*s));
    s->name = strdup(g->name);
    if (!s->name)
        return NULL;
    s->id = g->id;
    s->start_time = g->start_time;
    clock_gettime(CLOCK_MONOTONIC, &s->first);
    w->nr_seen++;
    return s;
}

/* Forget the guests that are no longer in snap. */
static void seen_sweep(struct np_watch *w, const struct np_snapshot *snap)
{
    unsigned int i = 0, j;

    while (i < w->nr_seen) {
        struct np_watch_seen *s = &w->seen[i];
        bool alive = false;

        for (j = 0; j < snap->nr_guests && !alive; j++)
            alive = snap->guests[j].id == s->id &&
                    snap->guests[j].start_time == s->start_time &&
                    !strcmp(snap->guests[j].name, s->name);
        if (alive) {
            i++;
            continue;
        }
        if (s->cpus)
            np_watch_log(w, "gone", s->name, s->id,
                         "its CPU%s %s %s free for the next guest",
                         strpbrk(s->cpus, ",-") ? "s" : "", s->cpus,
                         strpbrk(s->cpus, ",-") ? "are" : "is");
        else if (!s->pending)
            np_watch_log(w, "gone", s->name, s->id, "it no longer exists");
        seen_free(s);
        memmove(s, s + 1, (w->nr_seen - i - 1) * sizeof(*s));
        w->nr_seen--;
    }
}

/* ------------------------------------------------------------------ */
/* The pass                                                            */
/* ------------------------------------------------------------------ */

/*
 * When some guest is to be decided in this pass: measure where every
 * guest's memory is, as `numastat` does (on Xen the hypervisor's own
 * count), so that a new guest's vCPUs go where libxl put its memory.  A
 * backend that cannot measure leaves the estimate of memory_nodes(); a
 * failure is logged and the pass goes on with it.
 */
/* Xen's dom0, which a pass never moves (the backend's fixed_dom0). */
static bool fixed_dom0(const struct np_ctx *ctx, const struct np_guest *g)
{
    return ctx->be_open && ctx->be.ops->fixed_dom0 && g->id == 0;
}

static void measure_if_new(struct np_watch *w)
{
    struct np_ctx *ctx = w->ctx;
    struct np_err err = {""};
    unsigned int i;
    bool any = false;
    int rc;

    for (i = 0; i < ctx->snap.nr_guests && !any; i++) {
        const struct np_guest *g = &ctx->snap.guests[i];
        const struct np_watch_seen *s = seen_find(w, g);

        if (!fixed_dom0(ctx, g) && (!s || s->pending))
            any = true;
    }
    if (!any || !ctx->be_open)
        return;
    rc = np_backend_measure_memory(&ctx->be, &ctx->snap, &err);
    if (rc && rc != -EOPNOTSUPP)
        np_watch_log(
            w, "warning", NULL, 0,
            "memory per node not measured (%s): new guests are placed by their node affinity",
            err.msg[0] ? err.msg : strerror(-rc));
}

/*
 * Guests this pass has still to decide float for the solver: the soft
 * affinity libxl gave each (its own placement) would otherwise hold CPUs
 * against the guest decided before it, and a guest decided later would
 * win the CPUs near the memory.  stash[i] keeps the soft maps of
 * snapshot guest i while it floats; soft_restore() puts them back before
 * the guest is decided, and for every guest at the end of the pass.
 */
static int soft_float(struct np_watch *w, struct np_cpumap **stash)
{
    struct np_snapshot *snap = &w->ctx->snap;
    unsigned int i, v;

    for (i = 0; i < snap->nr_guests; i++) {
        struct np_guest *g = &snap->guests[i];
        const struct np_watch_seen *s = seen_find(w, g);

        if ((s && !s->pending) || fixed_dom0(w->ctx, g) || !g->nr_vcpus)
            continue;
        stash[i] = calloc(g->nr_vcpus, sizeof(**stash));
        if (!stash[i])
            return -ENOMEM;
        for (v = 0; v < g->nr_vcpus; v++) {
            stash[i][v] = g->vcpus[v].soft;
            np_cpumap_init(&g->vcpus[v].soft);
        }
    }
    return 0;
}

static void soft_restore(struct np_snapshot *snap, struct np_cpumap **stash,
                         const struct np_guest *g)
{
    unsigned int i = (unsigned int)(g - snap->guests), v;

    if (!stash || !stash[i])
        return;
    for (v = 0; v < snap->guests[i].nr_vcpus; v++) {
        np_cpumap_dispose(&snap->guests[i].vcpus[v].soft);
        snap->guests[i].vcpus[v].soft = stash[i][v];
    }
    free(stash[i]);
    stash[i] = NULL;
}

static int cmp_id(const void *a, const void *b)
{
    const struct np_guest *const *x = a, *const *y = b;

    return (*x)->id < (*y)->id ? -1 : (*x)->id > (*y)->id;
}

static void reread(struct np_ctx *ctx)
{
    if (ctx->be_open && ctx->be.ops->close)
        ctx->be.ops->close(&ctx->be);
    ctx->be_open = false;
    np_snapshot_dispose(&ctx->snap);
    np_snapshot_init(&ctx->snap);
    ctx->loaded = false;
}

int np_watch_pass(struct np_watch *w)
{
    struct np_ctx *ctx = w->ctx;
    struct np_lock lk = NP_LOCK_INIT;
    struct np_cpumap reserved;
    struct np_err err = {""};
    struct np_guest **order = NULL;
    struct np_cpumap **stash = NULL;
    unsigned int i, nr_pending = 0;
    int rc;

    np_cpumap_init(&reserved);
    if (!w->dry_run) {
        rc = np_lock_take(&lk,
                          np_plan_state_dir(&(struct np_apply_opts){
                              .state_dir = w->state_dir}),
                          w->lock_wait_ms, "watch", &err);
        if (rc) {
            np_watch_log(w, "waiting", NULL, 0, "%s; trying again", err.msg);
            return rc;
        }
    }
    reread(ctx);
    if (np_ctx_load(ctx, NP_WANT_GUESTS)) {
        rc = -EIO;
        goto out;
    }
    if (w->pol.reserve) {
        rc = np_cpulist_parse(&ctx->snap.topo, w->pol.reserve, &reserved, &err);
        if (rc) {
            np_watch_log(w, "error", NULL, 0, "%s:%u: reserve: %s", w->pol.name,
                         w->pol.reserve_line, err.msg);
            goto out;
        }
    }
    seen_sweep(w, &ctx->snap);
    measure_if_new(w);
    order = calloc(ctx->snap.nr_guests + 1, sizeof(*order));
    stash = calloc(ctx->snap.nr_guests + 1, sizeof(*stash));
    if (!order || !stash || soft_float(w, stash)) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < ctx->snap.nr_guests; i++)
        order[i] = &ctx->snap.guests[i];
    qsort(order, ctx->snap.nr_guests, sizeof(*order), cmp_id);
    for (i = 0; i < ctx->snap.nr_guests; i++) {
        struct np_guest *g = order[i];
        struct np_watch_seen *s = seen_find(w, g);
        unsigned int want;

        if (s && !s->pending)
            continue;
        np_watch_signals(w);
        if (w->stop)
            break; /* SIGTERM: the guest before this one was the last */
        if (!s && !(s = seen_add(w, g))) {
            rc = -ENOMEM;
            goto out;
        }
        if (fixed_dom0(ctx, g))
            continue; /* dom0 stays where it is */
        if (!np_watch_guest_whole(w, g, &want)) {
            struct timespec now;

            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - s->first.tv_sec < PENDING_MAX_S) {
                s->pending = true;
                nr_pending++;
                continue;
            }
            s->pending = false;
            if (want) /* KVM: threads; Xen: xenstore */
                np_watch_log(
                    w, "left", g->name, g->id,
                    "only %u of its %u vCPU threads are known after %d s (start QEMU with -name ...,debug-threads=on)",
                    g->nr_vcpus, want, PENDING_MAX_S);
            else
                np_watch_log(
                    w, "left", g->name, g->id,
                    "not introduced to xenstore after %d s: libxl did not finish building it",
                    PENDING_MAX_S);
            w->nr_left++;
            continue;
        }
        s->pending = false;
        soft_restore(&ctx->snap, stash, g);
        rc = np_watch_place_guest(w, g, s, w->pol.reserve ? &reserved : NULL);
        if (rc)
            goto out;
    }
    rc = nr_pending ? 1 : 0;
out:
    if (stash) {
        for (i = 0; i < ctx->snap.nr_guests; i++)
            soft_restore(&ctx->snap, stash, &ctx->snap.guests[i]);
        free(stash);
    }
    free(order);
    np_cpumap_dispose(&reserved);
    /* a batching backend's writes reach the host before the lock goes */
    if (!w->dry_run && np_ctx_commit(w->ctx) && rc >= 0)
        rc = -EIO;
    np_lock_release(&lk);
    w->first_pass = false;
    return rc;
}
