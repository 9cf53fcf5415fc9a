/*
 * plan_undo.c: undo, from the history (history.h), as an apply.
 *
 * Worked example: the history holds
 *
 *   4 done  vcpu-pin web 0 2      before: web/0 all   after: web/0 2
 *   5 done  vcpu-pin web all 3    before: web/0 2, web/1 all
 *                                 after:  web/0 3, web/1 3
 *
 * `undo 2` checks change 5 against the host (web/0 and web/1 must read 3),
 * reverts it in a simulated copy of the host (web/0 2, web/1 all), checks
 * change 4 against that (web/0 must be 2), reverts it (web/0 all), and
 * then applies one journal: web/0 all (from 4, the older "before" wins),
 * web/1 all (from 5), recorded as change 6, "reverts": [5, 4].  Had
 * someone pinned web/1 to 7 after change 5, `undo` would refuse before
 * writing anything: "web vcpu 1 was changed since change 5 (vcpu-pin web
 * all 3): its hard affinity is 7, the change left 3".
 *
 * Only what a change set is checked and put back: a vCPU the change left
 * as it was is neither checked nor written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "history.h"
#include "plan_apply.h"

static struct np_guest *sim_guest(struct np_snapshot *s, int id)
{
    unsigned int i;

    for (i = 0; i < s->nr_guests; i++)
        if (s->guests[i].id == id)
            return &s->guests[i];
    return NULL;
}

static const struct np_plan_guest *plan_guest(const struct np_plan *p, int id)
{
    unsigned int i;

    for (i = 0; i < p->nr_guests; i++)
        if (p->guests[i].id == id)
            return &p->guests[i];
    return NULL;
}

/* a and b name the same set on t (bits t lacks do not count). */
static bool same_map(const struct np_topo *t, const struct np_cpumap *a,
                     const struct np_cpumap *b, bool nodes)
{
    struct np_cpumap x, y;
    bool same = false;

    np_cpumap_init(&x);
    np_cpumap_init(&y);
    if (!(nodes ? np_topo_all_nodes(t, &x) : np_topo_all_cpus(t, &x)) &&
        !np_cpumap_copy(&y, &x)) {
        np_cpumap_and(&x, a);
        np_cpumap_and(&y, b);
        same = np_cpumap_equal(&x, &y);
    }
    np_cpumap_dispose(&x);
    np_cpumap_dispose(&y);
    return same;
}

/* The node affinity a journal guest names, as a map ("auto": every
 * node); nr_bits 0 when it names none. */
static int nodes_of(const struct np_topo *t, const struct np_plan_guest *g,
                    struct np_cpumap *out)
{
    np_cpumap_init(out);
    if (g->node_affinity_auto)
        return np_topo_all_nodes(t, out);
    if (g->node_affinity.nr_bits)
        return np_cpumap_copy(out, &g->node_affinity);
    return 0;
}

/* The elements a record set: in after, and for a done record different
 * from before (a pending one may have set any of them). */
struct touched {
    bool nodes, emulator, sched, memory;
};

static bool vcpu_touched(const struct np_topo *t, bool done,
                         const struct np_plan_guest *b,
                         const struct np_plan_guest *a, unsigned int v,
                         bool soft)
{
    const struct np_cpumap *am = soft ? &a->soft[v] : &a->hard[v];
    const struct np_cpumap *bm = soft ? &b->soft[v] : &b->hard[v];

    if (v >= a->nr_vcpus || v >= b->nr_vcpus || !am->nr_bits || !bm->nr_bits)
        return false;
    return !done || !same_map(t, am, bm, false);
}

static int touched_of(const struct np_topo *t, bool done,
                      const struct np_plan_guest *b,
                      const struct np_plan_guest *a, struct touched *tc)
{
    struct np_cpumap an, bn;
    int rc;

    memset(tc, 0, sizeof(*tc));
    rc = nodes_of(t, a, &an);
    if (!rc)
        rc = nodes_of(t, b, &bn);
    if (!rc && an.nr_bits && bn.nr_bits)
        tc->nodes = !done || !same_map(t, &an, &bn, true);
    np_cpumap_dispose(&an);
    np_cpumap_dispose(&bn);
    if (a->emulator.nr_bits && b->emulator.nr_bits)
        tc->emulator = !done || !same_map(t, &a->emulator, &b->emulator, false);
    if ((a->sched_cap >= 0 && b->sched_cap >= 0 &&
         (!done || a->sched_cap != b->sched_cap)) ||
        (a->sched_weight >= 0 && b->sched_weight >= 0 &&
         (!done || a->sched_weight != b->sched_weight)))
        tc->sched = true;
    if (a->mem_per_node_kib && b->mem_per_node_kib) {
        int n;

        for (n = 0; n < (int)t->nr_node_ids; n++)
            if ((a->mem_per_node_kib[n] != 0) != (b->mem_per_node_kib[n] != 0))
                tc->memory = true;
    }
    return rc;
}

static int conflict(struct np_err *err, const struct np_hist_rec *r,
                    const char *guest, const char *what,
                    const struct np_cpumap *now, const struct np_cpumap *left,
                    bool nodes)
{
    char *a = now && now->nr_bits ? np_cpulist_format_ranges(now) : NULL;
    char *b = left && left->nr_bits ? np_cpulist_format_ranges(left) : NULL;
    int rc;

    (void)nodes;
    rc = np_err_set(
        err, -ESTALE,
        "cannot undo change %u (%s): %s %s was changed since (it is %s, the change left %s); nothing was changed",
        r->id, r->command, guest, what, a ? a : "unknown", b ? b : "unknown");
    free(a);
    free(b);
    return rc;
}

/*
 * The id that guest id of record r has now: a relocation after r (on Xen
 * a migration to this host, numatune --migrate, or its undo) gave the
 * guest a new id; follow them, oldest first.
 */
static int now_id(const struct np_history *h, const struct np_hist_rec *r,
                  int id)
{
    unsigned int n = np_history_count(h), i;

    for (i = 0; i < n; i++) {
        const struct np_hist_rec *q = np_history_get(h, i);

        if (q->id > r->id && np_hist_rec_is_relocation(q) &&
            q->before.guests[0].id == id)
            id = q->after.guests[0].id;
    }
    return id;
}

/* Check that sim still reads what record r set. */
static int check_rec(const struct np_history *h, const struct np_snapshot *sim,
                     const struct np_hist_rec *r, struct np_err *err)
{
    const struct np_topo *t = &sim->topo;
    bool done = r->state == NP_HIST_DONE;
    unsigned int i, v;
    char what[64];
    int rc = 0;

    for (i = 0; i < r->after.nr_guests && !rc; i++) {
        const struct np_plan_guest *a = &r->after.guests[i];
        const struct np_plan_guest *b = plan_guest(&r->before, a->id);
        int id = now_id(h, r, a->id);
        const struct np_guest *g = sim_guest((struct np_snapshot *)sim, id);
        struct touched tc;

        if (!b)
            continue;
        if (!done && (!g || (b->start_time && g->start_time &&
                             b->start_time != g->start_time)))
            continue; /* gone: nothing of it to put back */
        if (!g)
            return np_err_set(
                err, -ESTALE,
                "cannot undo change %u (%s): guest '%s' (id %d) no longer exists",
                r->id, r->command, a->name, id);
        if (b->start_time && g->start_time && b->start_time != g->start_time)
            return np_err_set(
                err, -ESTALE,
                "cannot undo change %u (%s): guest '%s' (pid %d) is another process now (started at %llu, the change's at %llu)",
                r->id, r->command, a->name, a->id,
                (unsigned long long)g->start_time,
                (unsigned long long)b->start_time);
        if (!done)
            continue; /* unknown how far it got: put it all back */
        for (v = 0; v < a->nr_vcpus && v < g->nr_vcpus && !rc; v++) {
            if (vcpu_touched(t, done, b, a, v, false) &&
                !same_map(t, &g->vcpus[v].hard, &a->hard[v], false)) {
                snprintf(what, sizeof(what), "vcpu %u's hard affinity", v);
                rc = conflict(err, r, a->name, what, &g->vcpus[v].hard,
                              &a->hard[v], false);
            } else if (vcpu_touched(t, done, b, a, v, true) &&
                       g->vcpus[v].soft.nr_bits &&
                       !same_map(t, &g->vcpus[v].soft, &a->soft[v], false)) {
                snprintf(what, sizeof(what), "vcpu %u's soft affinity", v);
                rc = conflict(err, r, a->name, what, &g->vcpus[v].soft,
                              &a->soft[v], false);
            }
        }
        if (rc)
            return rc;
        rc = touched_of(t, done, b, a, &tc);
        if (rc)
            return rc;
        if (tc.nodes && g->node_affinity.nr_bits) {
            struct np_cpumap an;

            rc = nodes_of(t, a, &an);
            if (!rc && !same_map(t, &g->node_affinity, &an, true))
                rc = conflict(err, r, a->name, "node affinity",
                              &g->node_affinity, &an, true);
            np_cpumap_dispose(&an);
        }
        if (!rc && tc.emulator && g->emulator.nr_bits &&
            !same_map(t, &g->emulator, &a->emulator, false))
            rc = conflict(err, r, a->name, "emulator threads' affinity",
                          &g->emulator, &a->emulator, false);
        if (!rc && tc.sched &&
            ((a->sched_cap >= 0 && g->sched_cap >= 0 &&
              a->sched_cap != g->sched_cap) ||
             (a->sched_weight >= 0 && g->sched_weight >= 0 &&
              a->sched_weight != g->sched_weight)))
            rc = np_err_set(
                err, -ESTALE,
                "cannot undo change %u (%s): the scheduler parameters of %s were changed since; nothing was changed",
                r->id, r->command, a->name);
    }
    return rc;
}

/* Revert r in sim, and add what it set to merged (older records come
 * later and overwrite: their "before" is the one that stays). */
static int revert_rec(const struct np_history *h, struct np_snapshot *sim,
                      const struct np_hist_rec *r, struct np_plan *merged)
{
    const struct np_topo *t = &sim->topo;
    bool done = r->state == NP_HIST_DONE;
    unsigned int i, v;
    int rc = 0;

    for (i = 0; i < r->after.nr_guests && !rc; i++) {
        const struct np_plan_guest *a = &r->after.guests[i];
        const struct np_plan_guest *b = plan_guest(&r->before, a->id);
        int id = now_id(h, r, a->id);
        struct np_guest *g = sim_guest(sim, id);
        struct np_plan_guest *m = NULL;
        struct touched tc;
        unsigned int k;

        if (!b || !g ||
            (b->start_time && g->start_time && b->start_time != g->start_time))
            continue;
        for (k = 0; k < merged->nr_guests; k++)
            if (merged->guests[k].id == id)
                m = &merged->guests[k];
        if (!m) {
            rc = np_plan_add_guest(merged, id, b->name, b->nr_vcpus, &m);
            if (rc)
                return rc;
            m->placed = true;
            m->mem_kib = b->mem_kib;
            m->start_time = b->start_time;
        }
        for (v = 0; v < b->nr_vcpus && v < m->nr_vcpus && !rc; v++) {
            if (vcpu_touched(t, done, b, a, v, false)) {
                rc = np_cpumap_copy(&m->hard[v], &b->hard[v]);
                if (!rc && v < g->nr_vcpus)
                    rc = np_cpumap_copy(&g->vcpus[v].hard, &b->hard[v]);
            }
            if (!rc && vcpu_touched(t, done, b, a, v, true)) {
                rc = np_cpumap_copy(&m->soft[v], &b->soft[v]);
                if (!rc && v < g->nr_vcpus && g->vcpus[v].soft.nr_bits)
                    rc = np_cpumap_copy(&g->vcpus[v].soft, &b->soft[v]);
            }
        }
        if (!rc)
            rc = touched_of(t, done, b, a, &tc);
        if (rc)
            return rc;
        if (tc.nodes) {
            np_cpumap_dispose(&m->node_affinity);
            m->node_affinity_auto = b->node_affinity_auto;
            if (!b->node_affinity_auto)
                rc = np_cpumap_copy(&m->node_affinity, &b->node_affinity);
            if (!rc && g->node_affinity.nr_bits) {
                struct np_cpumap bn;

                rc = nodes_of(t, b, &bn);
                if (!rc)
                    rc = np_cpumap_copy(&g->node_affinity, &bn);
                np_cpumap_dispose(&bn);
            }
        }
        if (!rc && tc.emulator) {
            rc = np_cpumap_copy(&m->emulator, &b->emulator);
            if (!rc && g->emulator.nr_bits)
                rc = np_cpumap_copy(&g->emulator, &b->emulator);
        }
        if (!rc && tc.sched) {
            m->sched_cap = b->sched_cap;
            m->sched_weight = b->sched_weight;
            g->sched_cap = b->sched_cap >= 0 ? b->sched_cap : g->sched_cap;
            g->sched_weight =
                b->sched_weight >= 0 ? b->sched_weight : g->sched_weight;
        }
        if (!rc && tc.memory && b->mem_per_node_kib) {
            size_t sz = merged->nr_node_ids * sizeof(*m->mem_per_node_kib);

            if (!m->mem_per_node_kib)
                m->mem_per_node_kib = calloc(merged->nr_node_ids + 1,
                                             sizeof(*m->mem_per_node_kib));
            if (!m->mem_per_node_kib)
                return -ENOMEM;
            memcpy(m->mem_per_node_kib, b->mem_per_node_kib, sz);
        }
    }
    return rc;
}

int np_plan_undo_prepare(const struct np_history *h,
                         const struct np_snapshot *snap, unsigned int count,
                         unsigned int to_id, struct np_plan *merged_out,
                         unsigned int **ids_out, unsigned int *nr_out,
                         bool *unfinished_out, struct np_err *err)
{
    const struct np_hist_rec *u = np_history_unfinished(h);
    struct np_snapshot sim;
    unsigned int *stack = NULL, nr = 0, i, take;
    int rc;

    np_plan_init(merged_out);
    np_snapshot_init(&sim);
    *ids_out = NULL;
    *nr_out = 0;
    *unfinished_out = false;
    merged_out->is_journal = true;
    merged_out->nr_cpu_ids = snap->topo.nr_cpu_ids;
    merged_out->nr_node_ids = snap->topo.nr_node_ids;
    if (u) {
        stack = calloc(1, sizeof(*stack));
        if (!stack)
            return -ENOMEM;
        stack[0] = u->id;
        take = nr = 1;
        *unfinished_out = true;
    } else {
        rc = np_history_stack(h, &stack, &nr);
        if (rc)
            return rc;
        if (!nr) {
            free(stack);
            return np_err_set(
                err, -ENOENT,
                "there is nothing to undo: no change in the history is left to undo");
        }
        take = count ? count : 1;
        if (to_id) {
            for (take = 0; take < nr && stack[take] != to_id; take++)
                ;
            if (take == nr) {
                free(stack);
                return np_err_set(
                    err, -ENOENT,
                    np_history_find(h, to_id)
                        ? "change %u cannot be undone: it is an undo, or undone already"
                        : "there is no change %u in the history",
                    to_id);
            }
            take++;
        }
        if (take > nr) {
            free(stack);
            return np_err_set(err, -ENOENT,
                              "cannot undo %u changes: only %u can be undone",
                              take, nr);
        }
    }
    rc = np_snapshot_copy(&sim, snap);
    if (!rc && snap->backend) {
        merged_out->backend = strdup(snap->backend);
        if (!merged_out->backend)
            rc = -ENOMEM;
    }
    for (i = 0; !rc && i < take; i++) {
        const struct np_hist_rec *r = np_history_find(h, stack[i]);

        rc = np_hist_rec_check_host(r, snap->ident.host_id, err);
        if (!rc && np_hist_rec_is_relocation(r))
            /* a migration is undone by another (np_undo_relocation in
             * the command), never inside a merged plan of pins */
            rc = np_err_set(
                err, -EINVAL,
                "change %u (%s) moved '%s' to a new domain: undo it alone, with `numapin undo` once the changes after it are undone",
                r->id, r->command, r->after.guests[0].name);
        if (!rc)
            rc = check_rec(h, &sim, r, err);
        if (!rc)
            rc = revert_rec(h, &sim, r, merged_out);
    }
    np_snapshot_dispose(&sim);
    if (rc) {
        if (rc == -ENOMEM)
            np_err_set(err, rc, "out of memory while preparing the undo");
        free(stack);
        np_plan_dispose(merged_out);
        return rc;
    }
    *ids_out = stack;
    *nr_out = take;
    return 0;
}

int np_plan_undo(struct np_backend *be, const struct np_snapshot *snap,
                 unsigned int count, unsigned int to_id,
                 const struct np_apply_opts *opts,
                 struct np_apply_report *report, struct np_err *err)
{
    struct np_apply_opts o = *opts;
    struct np_plan merged;
    unsigned int *ids = NULL, nr = 0;
    bool unfinished;
    int rc;

    rc = np_plan_undo_prepare(opts->history, snap, count, to_id, &merged, &ids,
                              &nr, &unfinished, err);
    if (rc)
        return rc;
    if (unfinished) {
        o.no_journal = true;
        rc = np_plan_apply(be, snap, &merged, &o, report, err);
        if (!rc)
            rc = np_history_end(opts->history, ids[0], NP_HIST_ROLLED_BACK,
                                NULL, err);
        if (!rc && report)
            report->rolled_back_id = ids[0];
    } else {
        o.reverts = ids;
        o.nr_reverts = nr;
        o.always_record = true;
        rc = np_plan_apply(be, snap, &merged, &o, report, err);
    }
    free(ids);
    np_plan_dispose(&merged);
    return rc;
}
