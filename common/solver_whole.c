/*
 * solver_whole.c: the whole request.  Several ways of planning it (orders
 * and tie-breaks, struct solver_strategy) are tried and the best plan is
 * kept by the objective of docs/placement.md, in this order:
 *   1. the most guests placed;
 *   2. the most guests whole on one node (vCPUs and memory);
 *   3. the least distance-weighted remote memory;
 *   4. the least churn: memory to move, then vCPUs re-pinned (guests
 *      already there).
 * A whole-host plan is incremental unless asked otherwise (rebalance):
 * well-placed guests stay; a full re-plan is used instead only when it
 * places more guests or keeps more whole, and within max_move_kib.
 * Deterministic: the strategies are tried in a fixed order and the first
 * wins a tie.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

struct figures {
    unsigned int placed, whole;
    double remote;      /* KiB x (mean distance - 10) / 10 */
    uint64_t moved_kib; /* memory to move, guests already there */
    unsigned int repinned, moved;
};

static void figures(const struct np_snapshot *snap, const struct np_plan *plan,
                    struct figures *f)
{
    unsigned int i, v, cursor = 0;
    int n;

    memset(f, 0, sizeof(*f));
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];
        const struct np_guest *g;
        bool moved = false;

        if (!pg->placed)
            continue;
        f->placed++;
        f->whole += np_cpumap_weight(&pg->nodes) == 1;
        if (pg->score > 1000)
            f->remote += (double)pg->mem_kib * (pg->score - 1000) / 1000.0;
        if (pg->is_new || !(g = np_snapshot_guest_next(snap, pg->id, &cursor)))
            continue;
        for (v = 0; v < pg->nr_vcpus && v < g->nr_vcpus; v++) {
            const struct np_cpumap *now =
                plan->pin == NP_PIN_SOFT ? &pg->soft[v] : &pg->hard[v];
            const struct np_cpumap *was = plan->pin == NP_PIN_SOFT
                                              ? &g->vcpus[v].soft
                                              : &g->vcpus[v].hard;

            if (!now->nr_bits || !was->nr_bits || np_cpumap_equal(now, was))
                continue;
            f->repinned++;
            moved = true;
        }
        for (n = 0; g->mem_per_node_kib && pg->mem_per_node_kib &&
                    n < (int)plan->nr_node_ids;
             n++)
            if (pg->mem_per_node_kib[n] > g->mem_per_node_kib[n]) {
                f->moved_kib +=
                    pg->mem_per_node_kib[n] - g->mem_per_node_kib[n];
                moved = true;
            }
        f->moved += moved;
    }
}

/* Is a better than b by the objective? */
static bool better(const struct figures *a, const struct figures *b)
{
    double eps = 1e-9 * (a->remote + b->remote) + 1.0;

    if (a->placed != b->placed)
        return a->placed > b->placed;
    if (a->whole != b->whole)
        return a->whole > b->whole;
    if (a->remote < b->remote - eps || a->remote > b->remote + eps)
        return a->remote < b->remote;
    if (a->moved_kib != b->moved_kib)
        return a->moved_kib < b->moved_kib;
    return a->repinned < b->repinned;
}

/* Every guest placed, each on one node: nothing to try. */
static bool plan_perfect(const struct np_plan *plan)
{
    unsigned int i;

    for (i = 0; i < plan->nr_guests; i++)
        if (!plan->guests[i].placed ||
            np_cpumap_weight(&plan->guests[i].nodes) > 1)
            return false;
    return true;
}

/*
 * The ways of planning, in the order they are tried.  The rules as
 * written spread guests (least loaded first), which keeps room for guests
 * to grow but may leave no single node for a large one; packing (most
 * loaded first) is tried too.  When neither places every guest on one
 * node: the largest share of the host first (a guest with 8 vCPUs and 2
 * GiB is large on a host short of CPUs), the smallest first (the most
 * guests when not all fit), and best fit (largest memory first, each
 * guest whole on the fullest node that holds it, the others after), also
 * as a plain best fit does it (the fullest node before the SMT rule) with
 * the others spread, or packed smallest first: which nodes the whole
 * guests leave room on decides how near its memory a guest that no node
 * holds can be.
 */
static const struct solver_strategy strategies[] = {
    {.pack = SOLVER_SPREAD, .order = SOLVER_BY_MEMORY},
    {.pack = SOLVER_PACK,
     .order = SOLVER_BY_MEMORY,
     .why = "packing (the most loaded nodes first) placed these guests better "
            "than spreading them"},
    {.pack = SOLVER_SPREAD,
     .order = SOLVER_BY_SHARE,
     .why = "placing the largest share of the host first placed these guests "
            "better than the largest memory first"},
    {.pack = SOLVER_PACK,
     .order = SOLVER_BY_SHARE,
     .why = "placing the largest share of the host first, packing (the most "
            "loaded nodes first), placed these guests better than the largest "
            "memory first, spreading"},
    {.pack = SOLVER_SPREAD,
     .order = SOLVER_SMALLEST,
     .why = "placing the smallest first placed more of these guests"},
    {.pack = SOLVER_PACK,
     .order = SOLVER_SMALLEST,
     .why = "placing the smallest first, packing, placed more of these guests"},
    {.pack = SOLVER_BESTFIT,
     .order = SOLVER_WHOLE_FIRST,
     .rest_pack = SOLVER_BESTFIT,
     .why = "best fit (each guest whole on the fullest node that holds it, the "
            "others after) kept more of these guests whole"},
    {.pack = SOLVER_BESTFIT,
     .order = SOLVER_WHOLE_FIRST,
     .rest_pack = SOLVER_SPREAD,
     .why =
         "best fit (each guest whole on the fullest node that holds it), the "
         "others spread after, kept more of these guests whole"},
    {.pack = SOLVER_BESTFIT,
     .order = SOLVER_WHOLE_FIRST,
     .rest_pack = SOLVER_PACK,
     .why =
         "best fit (each guest whole on the fullest node that holds it), the "
         "others packed after, kept more of these guests whole"},
    {.pack = SOLVER_FITFIRST,
     .order = SOLVER_WHOLE_FIRST,
     .rest_pack = SOLVER_SPREAD,
     .why = "best fit (each guest whole on the fullest node that holds "
            "it, before sparing SMT siblings), the others spread after, "
            "placed these guests better"},
    {.pack = SOLVER_FITFIRST,
     .order = SOLVER_WHOLE_FIRST,
     .rest_pack = SOLVER_PACK,
     .rest_order = SOLVER_SMALLEST,
     .why = "best fit (each guest whole on the fullest node that holds "
            "it, before sparing SMT siblings), the others packed after, "
            "the smallest first, placed these guests better"},
};

#define NR_STRATEGIES (sizeof(strategies) / sizeof(strategies[0]))

/* The best plan over the strategies, keeping well-placed guests or not. */
static int best_plan(const struct np_snapshot *snap,
                     const struct np_solve_req *req, bool keep,
                     struct np_plan *plan, struct np_err *err)
{
    struct solver_strategy st;
    struct np_plan other;
    struct np_err oerr = {""};
    struct figures a, b;
    unsigned int nr_jobs = 0, oj = 0, v, best = 0;
    int rc, orc;

    st = strategies[0];
    st.keep = keep;
    rc = solver_solve_once(snap, req, &st, plan, &nr_jobs, err);
    if ((rc && rc != -ENOSPC) || nr_jobs < 2)
        return rc;
    figures(snap, plan, &a);
    /* every guest placed and whole, nothing local made remote, nothing
     * moved: no other way can be better by the objective */
    if (plan_perfect(plan) && a.remote <= 0 && !a.moved_kib && !a.repinned)
        return rc;
    for (v = 1; v < NR_STRATEGIES; v++) {
        if (v == 2 && (req->greedy_only || plan_perfect(plan)))
            break;
        np_err_clear(&oerr);
        st = strategies[v];
        st.keep = keep;
        orc = solver_solve_once(snap, req, &st, &other, &oj, &oerr);
        if (orc && orc != -ENOSPC) {
            np_plan_dispose(&other);
            if (orc == -ENOMEM)
                return np_err_set(err, orc, "%s", oerr.msg);
            continue;
        }
        figures(snap, &other, &b);
        if (!better(&b, &a)) {
            np_plan_dispose(&other);
            continue;
        }
        np_plan_dispose(plan);
        *plan = other;
        a = b;
        best = v;
        rc = orc;
        if (err) {
            np_err_clear(err);
            if (orc)
                np_err_set(err, orc, "%s", oerr.msg);
        }
    }
    if (best && req->explain &&
        np_plan_reason(plan, NULL, "%s", strategies[best].why) < 0)
        return np_err_set(err, -ENOMEM, "out of memory while planning");
    return rc;
}

/* Does the request re-place guests already there? */
static bool replaces_guests(const struct np_snapshot *snap,
                            const struct np_solve_req *req)
{
    unsigned int i, k;

    if (req->nr_ids)
        return true;
    if (!req->all)
        return false;
    for (i = 0; i < snap->nr_guests; i++) {
        bool fixed = false;

        for (k = 0; k < req->nr_fixed_ids; k++)
            fixed |= req->fixed_ids[k] == snap->guests[i].id;
        if (!fixed && snap->guests[i].nr_vcpus)
            return true;
    }
    return false;
}

static void gib(uint64_t kib, char *buf, size_t size)
{
    solver_format_mem(kib, buf, size);
}

/* The plan's own line on what it moves. */
static int churn_summary(const struct np_snapshot *snap, struct np_plan *plan)
{
    struct figures f;
    unsigned int i, old = 0;
    char mem[32];

    figures(snap, plan, &f);
    for (i = 0; i < plan->nr_guests; i++)
        old += !plan->guests[i].is_new;
    if (!old)
        return 0;
    if (!f.moved)
        return np_plan_reason(
            plan, NULL,
            "moves nothing: each of the %u guests already there keeps its place",
            old);
    gib(f.moved_kib, mem, sizeof(mem));
    return np_plan_reason(
        plan, NULL,
        "moves %u of the %u guests already there: %u vCPUs re-pinned, %s of memory to move (each says why)",
        f.moved, old, f.repinned, mem);
}

/*
 * Can apply order the memory moves of plan?  As apply does: repeatedly a
 * guest whose new memory fits what is free after the moves before it.
 * When none can go first, the plan says so: it needs room it lacks.
 */
static int move_order_reason(const struct np_snapshot *snap,
                             struct np_plan *plan)
{
    uint64_t lack = 0;
    char mem[32];
    int node = -1, rc;

    rc = np_plan_move_order(snap, plan, true, NULL, &node, &lack);
    if (rc != -ENOSPC)
        return rc;
    gib(lack, mem, sizeof(mem));
    return np_plan_reason(
        plan, NULL,
        "apply cannot order the memory moves of this plan: each guest left to move needs room another holds (node %d lacks %s first); apply it with --no-move, or free that memory",
        node, mem);
}

/*
 * Keep the other plan instead of plan: plan is disposed and takes other's
 * place, and err says what other's solve said (nothing when it placed
 * everything).  Returns other's result.
 */
static int take_plan(struct np_plan *plan, struct np_plan *other, int orc,
                     const struct np_err *oerr, struct np_err *err)
{
    np_plan_dispose(plan);
    *plan = *other;
    if (err) {
        np_err_clear(err);
        if (orc)
            np_err_set(err, orc, "%s", oerr->msg);
    }
    return orc;
}

int np_solve(const struct np_snapshot *snap, const struct np_solve_req *req,
             struct np_plan *plan, struct np_err *err)
{
    struct np_plan other;
    struct np_err oerr = {""};
    struct figures a, b;
    char mem[32], bound[32];
    bool old = replaces_guests(snap, req);
    int rc, orc;

    rc = best_plan(snap, req, !req->rebalance, plan, err);
    if ((rc && rc != -ENOSPC) || !old)
        return rc;
    figures(snap, plan, &a);
    if (!req->rebalance && !req->greedy_only && !plan_perfect(plan)) {
        /* would a full re-plan place more guests, or keep more whole? */
        orc = best_plan(snap, req, false, &other, &oerr);
        if (orc && orc != -ENOSPC) {
            np_plan_dispose(&other);
            if (orc == -ENOMEM)
                return np_err_set(err, orc, "%s", oerr.msg);
        } else {
            figures(snap, &other, &b);
            /* more guests placed; or more whole, at no more than two
             * guests moved for each guest more made whole */
            if ((b.placed > a.placed ||
                 (b.placed == a.placed && b.whole > a.whole &&
                  b.moved <= a.moved + 2 * (b.whole - a.whole))) &&
                (!req->max_move_kib || b.moved_kib <= req->max_move_kib)) {
                rc = take_plan(plan, &other, orc, &oerr, err);
                if (req->explain &&
                    np_plan_reason(
                        plan, NULL,
                        "re-planned the whole host: that places %u guests (%u whole), keeping the well-placed guests where they are places %u (%u whole)",
                        b.placed, b.whole, a.placed, a.whole) < 0)
                    return np_err_set(err, -ENOMEM,
                                      "out of memory while planning");
            } else {
                np_plan_dispose(&other);
            }
        }
    } else if (req->rebalance && req->max_move_kib &&
               a.moved_kib > req->max_move_kib) {
        /* the best layout moves too much: the incremental plan */
        orc = best_plan(snap, req, true, &other, &oerr);
        if (orc && orc != -ENOSPC) {
            np_plan_dispose(&other);
            return np_err_set(err, orc, "%s", oerr.msg);
        }
        rc = take_plan(plan, &other, orc, &oerr, err);
        gib(a.moved_kib, mem, sizeof(mem));
        gib(req->max_move_kib, bound, sizeof(bound));
        if (req->explain &&
            np_plan_reason(
                plan, NULL,
                "the best layout would move %s of memory, more than --max-move %s: the well-placed guests stay where they are instead",
                mem, bound) < 0)
            return np_err_set(err, -ENOMEM, "out of memory while planning");
    }
    if (req->explain &&
        (churn_summary(snap, plan) < 0 || move_order_reason(snap, plan) < 0))
        return np_err_set(err, -ENOMEM, "out of memory while planning");
    return rc;
}
