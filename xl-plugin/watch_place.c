/*
 * watch_place.c: one pass of `numapin watch`: under the writer lock, read
 * the host, forget the guests that are gone, and place each guest that
 * appeared, one after the other, each on the snapshot that already holds
 * the decisions made before it, with the solver of `plan GUEST` and
 * np_plan_apply() (journal, rollback, undo record).
 *
 * What a new guest gets, in order (the first that applies):
 *  1. Xen's dom0: nothing, ever;
 *  2. a guest rule `leave`: nothing;
 *  3. not whole yet (KVM: its vCPU threads do not all exist; Xen: libxl
 *     has not introduced it to xenstore, so its configured affinities
 *     may not be set): pending, looked at again on the next pass (for at
 *     most PENDING_MAX_S);
 *  4. pinned by its own configuration (a hard affinity narrower than the
 *     host) and the policy says `pinned leave`: nothing;
 *  5. a plan for it alone, around every other guest's pins: on the nodes
 *     of its rule when it has nodes=, else, when its memory is already
 *     allocated and will not move (Xen; move-memory no), on the nodes
 *     that hold its memory, else where the solver puts it; a guest that
 *     fits nowhere is logged with the solver's reason and left.
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
#ifdef CONFIG_KVM
#include "qemu_guests.h"
#endif
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
/* Looking at one guest                                                */
/* ------------------------------------------------------------------ */

const char *np_watch_kvm_root(const struct np_ctx *ctx)
{
    if (ctx->backend && !strncmp(ctx->backend, "kvm:", 4) && ctx->backend[4])
        return ctx->backend + 4;
    return ctx->root;
}

static bool is_backend(const struct np_ctx *ctx, const char *name)
{
    return ctx->snap.backend && !strcmp(ctx->snap.backend, name);
}

/* Does a vCPU of g have a hard affinity narrower than the host's CPUs?
 * The union of those pins goes to pins (allocated). */
static bool pinned_by_config(const struct np_snapshot *snap,
                             const struct np_guest *g, struct np_cpumap *pins)
{
    struct np_cpumap all;
    unsigned int v;
    bool pinned = false;

    np_cpumap_init(&all);
    if (np_topo_all_cpus(&snap->topo, &all) ||
        np_cpumap_alloc(pins, snap->topo.nr_cpu_ids))
        goto out;
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_cpumap *h = &g->vcpus[v].hard;

        if (!g->vcpus[v].online || !h->nr_bits || np_cpumap_subset(&all, h))
            continue;
        pinned = true;
        np_cpumap_or(pins, h);
    }
out:
    np_cpumap_dispose(&all);
    return pinned;
}

#ifdef CONFIG_KVM
/*
 * KVM: do all of g's vCPU threads exist?  The -smp count of its command
 * line against the threads named "CPU n/...".  *want_out: the count.
 */
static bool kvm_threads_complete(const struct np_ctx *ctx,
                                 const struct np_guest *g,
                                 unsigned int *want_out)
{
    struct np_qemu_cmdline cl;
    char path[64], buf[16384];
    const char *root = np_watch_kvm_root(ctx) ? np_watch_kvm_root(ctx) : "/";
    unsigned int v;
    ssize_t n;
    int rootfd, fd;
    bool ok = true;

    *want_out = g->nr_vcpus;
    rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return true; /* the backend will say */
    snprintf(path, sizeof(path), "proc/%d/cmdline", g->id);
    fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC);
    close(rootfd);
    if (fd < 0)
        return true;
    n = read(fd, buf, sizeof(buf));
    close(fd);
    np_qemu_cmdline_init(&cl);
    if (n > 0 && !np_qemu_cmdline_parse(buf, (size_t)n, &cl) && cl.is_qemu) {
        *want_out = cl.nr_vcpus;
        if (g->nr_vcpus < cl.nr_vcpus)
            ok = false;
    }
    np_qemu_cmdline_dispose(&cl);
    for (v = 0; v < g->nr_vcpus; v++)
        if (!g->vcpus[v].tid)
            ok = false;
    return ok;
}
#else
static bool kvm_threads_complete(const struct np_ctx *ctx,
                                 const struct np_guest *g,
                                 unsigned int *want_out)
{
    *want_out = g->nr_vcpus;
    return true; /* no KVM backend, no QEMU threads */
}
#endif

/*
 * Where g's memory is, when it is there to stay: the nodes holding more
 * than 5% of it.  Measured (mem_per_node_kib) when the backend knows,
 * else libxl's node affinity when it names some nodes only (then the
 * snapshot's guest gets that as its memory, split evenly, so that the
 * solver frees it from those nodes).  false when unknown.
 */
static bool memory_nodes(struct np_snapshot *snap, struct np_guest *g,
                         struct np_cpumap *nodes, const char **how)
{
    unsigned int nn = snap->topo.nr_node_ids, k;
    uint64_t sum = 0;
    int n;

    if (np_cpumap_alloc(nodes, nn))
        return false;
    if (g->mem_per_node_kib) {
        for (n = 0; n < (int)nn; n++)
            sum += g->mem_per_node_kib[n];
        if (!sum || sum < g->mem_kib / 2)
            return false;
        for (n = 0; n < (int)nn; n++)
            if (g->mem_per_node_kib[n] * 20 > sum)
                np_cpumap_set(nodes, n);
        *how = "measured";
        /* on every node: that restricts nothing */
        return np_cpumap_weight(nodes) < np_topo_nr_nodes(&snap->topo);
    }
    if (!g->node_affinity.nr_bits || !g->mem_kib)
        return false;
    k = 0;
    for (n = 0; n < (int)nn; n++)
        if (np_cpumap_test(&g->node_affinity, n) &&
            np_topo_node_has_memory(&snap->topo, n)) {
            np_cpumap_set(nodes, n);
            k++;
        }
    if (!k || k == np_topo_nr_nodes(&snap->topo))
        return false;
    g->mem_per_node_kib = calloc(nn, sizeof(*g->mem_per_node_kib));
    if (!g->mem_per_node_kib)
        return false;
    for (n = 0; n < (int)nn; n++)
        if (np_cpumap_test(nodes, n))
            g->mem_per_node_kib[n] = g->mem_kib / k;
    *how = "from its node affinity";
    return true;
}

/* reserved |= the CPUs of the nodes not in allowed. */
static void reserve_outside(const struct np_topo *topo,
                            const struct np_cpumap *allowed,
                            struct np_cpumap *reserved)
{
    int n;

    for (n = 0; n < (int)topo->nr_node_ids; n++)
        if (np_topo_node_exists(topo, n) && !np_cpumap_test(allowed, n))
            np_cpumap_or(reserved, np_topo_node_cpus(topo, n));
}

static char *list(const struct np_cpumap *m)
{
    char *s = np_cpulist_format_ranges(m);

    if (s && !*s) {
        free(s);
        s = strdup("none");
    }
    return s;
}

/* "node 1, vcpu 0 -> cpu 2, vcpu 1 -> cpu 3 (hard)" and the union of the
 * CPUs into cpus_out. */
static char *describe(const struct np_plan *plan,
                      const struct np_plan_guest *pg, char **cpus_out)
{
    struct np_cpumap all;
    char *buf = NULL, *s;
    size_t size = 0;
    unsigned int v;
    FILE *f;

    *cpus_out = NULL;
    np_cpumap_init(&all);
    if (np_cpumap_alloc(&all, plan->nr_cpu_ids))
        return NULL;
    f = open_memstream(&buf, &size);
    if (!f) {
        np_cpumap_dispose(&all);
        return NULL;
    }
    s = list(&pg->nodes);
    fprintf(f, "%s %s", np_cpumap_weight(&pg->nodes) > 1 ? "nodes" : "node",
            s ? s : "?");
    free(s);
    for (v = 0; v < pg->nr_vcpus; v++) {
        const struct np_cpumap *m =
            plan->pin == NP_PIN_SOFT ? &pg->soft[v] : &pg->hard[v];

        if (!m->nr_bits)
            continue;
        np_cpumap_or(&all, m);
        s = list(m);
        fprintf(f, ", vcpu %u -> cpu %s", v, s ? s : "?");
        free(s);
    }
    fprintf(f, " (%s)", plan->pin == NP_PIN_SOFT ? "soft" : "hard");
    fclose(f);
    *cpus_out = list(&all);
    np_cpumap_dispose(&all);
    return buf;
}

/* The snapshot's guest takes the plan's maps, so that the next guest of
 * the pass sees them. */
static int take_plan(struct np_guest *g, const struct np_plan_guest *pg)
{
    unsigned int v;
    int rc = 0;

    for (v = 0; v < pg->nr_vcpus && v < g->nr_vcpus && !rc; v++) {
        if (pg->hard[v].nr_bits)
            rc = np_cpumap_copy(&g->vcpus[v].hard, &pg->hard[v]);
        if (!rc && pg->soft[v].nr_bits)
            rc = np_cpumap_copy(&g->vcpus[v].soft, &pg->soft[v]);
    }
    if (!rc && pg->node_affinity.nr_bits)
        rc = np_cpumap_copy(&g->node_affinity, &pg->node_affinity);
    return rc;
}

/* The last reason the solver gave for g, or the error. */
static const char *solver_reason(const struct np_plan *plan,
                                 const struct np_err *err)
{
    if (plan->nr_guests && plan->guests[0].nr_reasons) {
        const char *r = plan->guests[0].reasons[plan->guests[0].nr_reasons - 1];

        return strncmp(r, "not placed: ", 12) ? r : r + 12;
    }
    return err->msg[0] ? err->msg : "the solver found no place";
}

/*
 * Plan g alone; restrict: the nodes it must stay on, or NULL.  0 with
 * *placed set, or -errno (err).
 */
static int solve_one(struct np_watch *w, const struct np_guest *g,
                     const struct np_policy_decision *d,
                     const struct np_cpumap *reserved,
                     const struct np_cpumap *restrict_nodes,
                     struct np_plan *plan, bool *placed, struct np_err *err)
{
    struct np_snapshot *snap = &w->ctx->snap;
    struct np_solve_req req;
    struct np_cpumap res;
    int rc;

    *placed = false;
    np_cpumap_init(&res);
    rc = np_cpumap_alloc(&res, snap->topo.nr_cpu_ids);
    if (rc)
        return rc;
    if (reserved)
        np_cpumap_or(&res, reserved);
    if (restrict_nodes)
        reserve_outside(&snap->topo, restrict_nodes, &res);
    np_solve_req_init(&req);
    req.policy = w->pol.policy;
    req.overcommit = w->pol.overcommit;
    req.pin = d->pin;
    req.reserved = &res;
    req.ids = &g->id;
    req.nr_ids = 1;
    np_plan_dispose(plan);
    rc = np_solve(snap, &req, plan, err);
    np_cpumap_dispose(&res);
    if (rc == -ENOSPC)
        return 0;
    if (rc)
        return rc;
    *placed = plan->nr_guests == 1 && plan->guests[0].placed;
    if (*placed && restrict_nodes &&
        !np_cpumap_subset(&plan->guests[0].nodes, restrict_nodes))
        *placed = false;
    return 0;
}

/* Decide for one new guest and act. */
static int place_guest(struct np_watch *w, struct np_guest *g,
                       struct np_watch_seen *s,
                       const struct np_cpumap *reserved)
{
    struct np_ctx *ctx = w->ctx;
    struct np_snapshot *snap = &ctx->snap;
    struct np_policy_decision d;
    struct np_cpumap pins, nodes, memnodes;
    struct np_plan plan;
    struct np_err err = {""};
    struct np_apply_opts aopts;
    char cmdline[160];
    struct np_apply_report rep;
    const char *memhow = NULL;
    char note[256] = "", *what = NULL, *cpus = NULL, *l = NULL;
    bool placed = false, memory_stays, have_mem = false;
    unsigned int v;
    int rc = 0;

    np_cpumap_init(&pins);
    np_cpumap_init(&nodes);
    np_cpumap_init(&memnodes);
    np_plan_init(&plan);
    np_policy_file_decide(&w->pol, g->name, &d);
    if (d.leave) {
        np_watch_log(w, "left", g->name, g->id,
                     "the policy's rule at line %u says leave", d.rule->line);
        w->nr_left++;
        goto out;
    }
    if (pinned_by_config(snap, g, &pins) && !d.replace_pinned) {
        l = list(&pins);
        np_watch_log(w, "left", g->name, g->id,
                     "pinned by its own configuration (cpus %s); `pinned "
                     "replace` in the policy places such guests too",
                     l ? l : "?");
        w->nr_left++;
        goto out;
    }
    if (d.pin == NP_PIN_SOFT && !ctx->be.ops->soft_affinity) {
        np_watch_log(w, "not-placed", g->name, g->id,
                     "the policy asks for soft pins and the %s backend has "
                     "no soft affinity",
                     ctx->be.ops->name);
        w->nr_failed++;
        goto out;
    }
    memory_stays =
        !np_backend_can(&ctx->be, NP_OP_MOVE_MEMORY) || !d.move_memory;
    if (d.nodes) {
        rc = np_nodelist_parse(&snap->topo, d.nodes, &nodes, &err);
        if (rc) {
            np_watch_log(w, "not-placed", g->name, g->id, "policy line %u: %s",
                         d.nodes_line, err.msg);
            w->nr_failed++;
            rc = 0;
            goto out;
        }
    }
    if (memory_stays)
        have_mem = memory_nodes(snap, g, &memnodes, &memhow);
    rc = solve_one(w, g, &d, reserved,
                   d.nodes    ? &nodes
                   : have_mem ? &memnodes
                              : NULL,
                   &plan, &placed, &err);
    if (!rc && !placed && have_mem && !d.nodes) {
        l = list(&memnodes);
        snprintf(note, sizeof(note),
                 "; its memory is on node%s %s (%s), which has no room: its "
                 "vCPUs run away from it",
                 np_cpumap_weight(&memnodes) > 1 ? "s" : "", l ? l : "?",
                 memhow);
        np_err_clear(&err);
        rc = solve_one(w, g, &d, reserved, NULL, &plan, &placed, &err);
    } else if (placed && have_mem && !d.nodes) {
        l = list(&memnodes);
        snprintf(note, sizeof(note), "; with its memory on node%s %s (%s)",
                 np_cpumap_weight(&memnodes) > 1 ? "s" : "", l ? l : "?",
                 memhow);
    }
    if (rc) {
        np_watch_log(w, "not-placed", g->name, g->id, "%s",
                     err.msg[0] ? err.msg : strerror(-rc));
        w->nr_failed++;
        rc = 0;
        goto out;
    }
    if (!placed) {
        if (d.nodes)
            np_watch_log(w, "not-placed", g->name, g->id,
                         "no room on nodes %s (policy line %u): %s", d.nodes,
                         d.nodes_line, solver_reason(&plan, &err));
        else
            np_watch_log(w, "not-placed", g->name, g->id, "%s",
                         solver_reason(&plan, &err));
        w->nr_failed++;
        goto out;
    }
    /* Hard pins: a soft placement (libxl's) would point elsewhere. */
    if (d.pin == NP_PIN_HARD && ctx->be.ops->soft_affinity) {
        struct np_cpumap soft;
        bool replaced = false;

        np_cpumap_init(&soft);
        for (v = 0; v < g->nr_vcpus && v < plan.guests[0].nr_vcpus; v++) {
            const struct np_cpumap *cur = &g->vcpus[v].soft;
            struct np_cpumap *ps = &plan.guests[0].soft[v];

            if (!cur->nr_bits ||
                np_cpumap_weight(cur) >= np_topo_nr_online_cpus(&snap->topo))
                continue;
            if (!soft.nr_bits && np_cpumap_copy(&soft, cur))
                break;
            if (np_cpumap_alloc(ps, snap->topo.nr_cpu_ids))
                break;
            np_cpumap_set_all(ps);
            replaced = true;
        }
        if (replaced) {
            char *sl = list(&soft);
            size_t n = strlen(note);

            snprintf(note + n, sizeof(note) - n,
                     "; replaces the soft affinity %s (libxl's placement)",
                     sl ? sl : "?");
            free(sl);
        }
        np_cpumap_dispose(&soft);
    }
    what = describe(&plan, &plan.guests[0], &cpus);
    if (w->dry_run) {
        np_watch_log(w, "would-place", g->name, g->id, "%s%s (dry run)",
                     what ? what : "", note);
    } else {
        memset(&aopts, 0, sizeof(aopts));
        aopts.state_dir = w->state_dir;
        aopts.move_memory = d.move_memory;
        snprintf(cmdline, sizeof(cmdline), "watch: place %s", g->name);
        aopts.command = cmdline; /* the history's record of the decision */
        rc = np_plan_apply(&ctx->be, snap, &plan, &aopts, &rep, &err);
        /* each decision reaches the host before the next is made */
        if (!rc)
            rc = np_backend_commit(&ctx->be, &err);
        if (rc) {
            np_watch_log(w, "failed", g->name, g->id, "%s%s",
                         err.msg[0] ? err.msg : strerror(-rc),
                         rep.rolled_back ? " (every change put back)" : "");
            w->nr_failed++;
            rc = 0;
            goto out;
        }
        np_watch_log(w, "placed", g->name, g->id, "%s%s%s", what ? what : "",
                     note, rep.nr_moved ? "; memory moved" : "");
    }
    w->nr_placed++;
    s->cpus = cpus;
    cpus = NULL;
    rc = take_plan(g, &plan.guests[0]);
out:
    free(what);
    free(cpus);
    free(l);
    np_plan_dispose(&plan);
    np_cpumap_dispose(&pins);
    np_cpumap_dispose(&nodes);
    np_cpumap_dispose(&memnodes);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The pass                                                            */
/* ------------------------------------------------------------------ */

/*
 * Whether g is whole enough to be judged: a KVM guest has all its vCPU
 * threads (*want: how many it should have), a Xen domain is introduced
 * (*want 0).
 */
static bool guest_whole(struct np_watch *w, const struct np_guest *g,
                        unsigned int *want)
{
    *want = 0;
    if (is_backend(w->ctx, "kvm"))
        return kvm_threads_complete(w->ctx, g, want);
    if (w->src && w->src->ready)
        return w->src->ready(w->src, g->id);
    return true;
}

/*
 * When some guest is to be decided in this pass: measure where every
 * guest's memory is, as `numastat` does (on Xen the hypervisor's own
 * count), so that a new guest's vCPUs go where libxl put its memory.  A
 * backend that cannot measure leaves the estimate of memory_nodes(); a
 * failure is logged and the pass goes on with it.
 */
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

        if (!(is_backend(ctx, "xen") && g->id == 0) && (!s || s->pending))
            any = true;
    }
    if (!any || !ctx->be_open)
        return;
    rc = np_backend_measure_memory(&ctx->be, &ctx->snap, &err);
    if (rc && rc != -EOPNOTSUPP)
        np_watch_log(w, "warning", NULL, 0,
                     "memory per node not measured (%s): new guests are "
                     "placed by their node affinity",
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

        if ((s && !s->pending) || (is_backend(w->ctx, "xen") && g->id == 0) ||
            !g->nr_vcpus)
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
        if (is_backend(ctx, "xen") && g->id == 0)
            continue; /* dom0 stays where it is */
        if (!guest_whole(w, g, &want)) {
            struct timespec now;

            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - s->first.tv_sec < PENDING_MAX_S) {
                s->pending = true;
                nr_pending++;
                continue;
            }
            s->pending = false;
            if (is_backend(ctx, "kvm"))
                np_watch_log(w, "left", g->name, g->id,
                             "only %u of its %u vCPU threads are known after "
                             "%d s (start QEMU with -name ...,debug-threads=on)",
                             g->nr_vcpus, want, PENDING_MAX_S);
            else
                np_watch_log(w, "left", g->name, g->id,
                             "not introduced to xenstore after %d s: libxl "
                             "did not finish building it",
                             PENDING_MAX_S);
            w->nr_left++;
            continue;
        }
        s->pending = false;
        soft_restore(&ctx->snap, stash, g);
        rc = place_guest(w, g, s, w->pol.reserve ? &reserved : NULL);
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
