/*
 * watch_place.c: what `numapin watch` does with one guest that appeared
 * (the pass around it is watch_pass.c's): whether it is whole yet, and
 * its place, decided with the solver of `plan GUEST` on the snapshot that
 * holds the pass's earlier decisions and applied by np_plan_apply()
 * (journal, rollback, undo record).
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
#include "rootfs.h"
#endif
#include "solver.h"
#include "watch.h"

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
    char path[64], *buf = NULL;
    const char *root = np_watch_kvm_root(ctx) ? np_watch_kvm_root(ctx) : "/";
    unsigned int v;
    size_t n = 0;
    int rootfd, rc;
    bool ok = true;

    *want_out = g->nr_vcpus;
    rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return true; /* the backend will say */
    snprintf(path, sizeof(path), "proc/%d/cmdline", g->id);
    /* the root-relative reader of kvm/ (rootfs.h), as the backend reads it */
    rc = np_rootfs_read(rootfd, path, &buf, &n);
    close(rootfd);
    if (rc)
        return true;
    np_qemu_cmdline_init(&cl);
    if (n > 0 && !np_qemu_cmdline_parse(buf, n, &cl) && cl.is_qemu) {
        *want_out = cl.nr_vcpus;
        if (g->nr_vcpus < cl.nr_vcpus)
            ok = false;
    }
    np_qemu_cmdline_dispose(&cl);
    free(buf);
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

int np_watch_place_guest(struct np_watch *w, struct np_guest *g,
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
        np_watch_log(
            w, "left", g->name, g->id,
            "pinned by its own configuration (cpus %s); `pinned replace` in the policy places such guests too",
            l ? l : "?");
        w->nr_left++;
        goto out;
    }
    if (d.pin == NP_PIN_SOFT && !ctx->be.ops->soft_affinity) {
        np_watch_log(
            w, "not-placed", g->name, g->id,
            "the policy asks for soft pins and the %s backend has no soft affinity",
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

/*
 * Whether g is whole enough to be judged: a KVM guest has all its vCPU
 * threads (*want: how many it should have), a Xen domain is introduced
 * (*want 0).
 */
bool np_watch_guest_whole(struct np_watch *w, const struct np_guest *g,
                          unsigned int *want)
{
    *want = 0;
    if (is_backend(w->ctx, "kvm"))
        return kvm_threads_complete(w->ctx, g, want);
    if (w->src && w->src->ready)
        return w->src->ready(w->src, g->id);
    return true;
}
