/*
 * solver_improve.c: the improvement pass over a greedy plan.  See
 * solver_int.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "solver_int.h"

/*
 * Placing guests one at a time, largest first, can split a guest that a
 * different order would have kept on one node: on 4 nodes of 3-7 GiB, a
 * 1-vCPU 5 GiB guest takes the roomiest node, and a 3-vCPU 3 GiB guest
 * placed later finds no node with both 3 CPUs and 3 GiB and spans two,
 * while the 5 GiB guest would have fitted on another node.  After the
 * greedy plan this pass tries, for each guest on more than one node
 * (largest first, IMPROVE_ROUNDS rounds at most, IMPROVE_TRIALS_PER_GUEST
 * trials per guest of the request at most):
 *  - relocate: the guest alone on the single node that holds it (rules
 *    4-5 choose among several);
 *  - eject: the guest alone on node X after moving out of X one guest
 *    that is on X alone (and, if that is not room enough, up to
 *    IMPROVE_EJECT - 1 more, the next in largest-first order), each
 *    moved guest placed again by the rules, in largest-first order;
 *  - swap: two guests, each alone on a node of the guest, trade nodes and
 *    the guest is placed again near where it was (its vCPUs gather where
 *    its memory can be), IMPROVE_SWAPS_PER_GUEST pairs at most.
 * A trial is kept when every guest it moved is placed and the sum of
 * their vCPU-to-memory distances (per KiB, per vCPU) falls, or stays the
 * same with fewer nodes used; otherwise it is undone exactly.  The rules
 * of placement are never relaxed: memory fits, never on a node without
 * memory, CPUs usable under the policy and the overcommit limit.  The
 * order of everything is fixed, so the pass is as deterministic as the
 * greedy plan.
 */
#define IMPROVE_ROUNDS 4
#define IMPROVE_EJECT 3
#define IMPROVE_TRIALS_PER_GUEST 8
#define IMPROVE_MAX_TRIALS 1024
#define IMPROVE_SWAPS_PER_GUEST 16

/* One way to make room for a guest on node x: out[0] leaves x first. */
struct eject_try {
    unsigned int x;
    unsigned int h;    /* into the bucket */
    unsigned int rank; /* 0: h alone makes room and has a node to
                          go to; 1: h alone makes room; 2: more
                          must leave */
    uint64_t size;     /* h's memory: the smaller, the easier */
};

struct improver {
    struct job *jobs; /* largest first */
    unsigned int nr_jobs;
    unsigned int *bucket;       /* jobs alone on a node, grouped by node */
    unsigned int *bucket_first; /* nr_nodes + 1 */
    struct where *fresh;        /* new places, IMPROVE_EJECT + 1 */
    struct eject_try *tries;    /* nr_jobs */
    unsigned long trials, budget;
    unsigned int moves;
};

/* The node a placed job is alone on, or nr_nodes when it spans several. */
static unsigned int alone_on(const struct solver *s, const struct job *j)
{
    unsigned int i, n = s->nr_nodes;

    for (i = 0; i < j->at.nr; i++) {
        if (!j->at.vcpus[i] && !j->at.mem[i])
            continue;
        if (n != s->nr_nodes)
            return s->nr_nodes;
        n = j->at.node[i];
    }
    return n;
}

static void refresh(struct solver *s, const struct where *w)
{
    unsigned int i;

    for (i = 0; i < w->nr; i++)
        solver_node_caps(s, w->node[i]);
}

/* Jobs alone on a node, by node, in largest-first order. */
static void fill_buckets(struct solver *s, struct improver *im)
{
    unsigned int i, n, *pos = s->take; /* scratch: nr_nodes */

    memset(im->bucket_first, 0, (s->nr_nodes + 1) * sizeof(unsigned int));
    for (i = 0; i < im->nr_jobs; i++)
        if (im->jobs[i].placed && (n = alone_on(s, &im->jobs[i])) < s->nr_nodes)
            im->bucket_first[n + 1]++;
    for (n = 0; n < s->nr_nodes; n++) {
        im->bucket_first[n + 1] += im->bucket_first[n];
        pos[n] = im->bucket_first[n];
    }
    for (i = 0; i < im->nr_jobs; i++)
        if (im->jobs[i].placed && (n = alone_on(s, &im->jobs[i])) < s->nr_nodes)
            im->bucket[pos[n]++] = i;
}

/* Is (whole, cost, nodes) better than (old_whole, old_cost, old_nodes)?
 * More guests whole on one node first (the objective's second rule),
 * then less remote memory, then fewer nodes. */
static bool improves(unsigned int whole, double cost, unsigned int nodes,
                     unsigned int old_whole, double old_cost,
                     unsigned int old_nodes)
{
    double eps = 1e-9 * (old_cost + 1.0);

    if (whole != old_whole)
        return whole > old_whole;
    return cost < old_cost - eps ||
           (cost <= old_cost + eps && nodes < old_nodes);
}

/* The best single node that holds j now, by rules 4-5, or nr_nodes. */
static unsigned int best_single(struct solver *s, const struct job *j,
                                struct cand *c, unsigned int *member)
{
    unsigned int n, best = s->nr_nodes, best_member = 0;
    struct cand bc;
    bool better;

    memset(&bc, 0, sizeof(bc));
    bc.members = &best_member;
    for (n = 0; n < s->nr_nodes; n++) {
        if (s->cap[n] < j->nr_vcpus || s->mem[n] < j->mem_kib)
            continue;
        *member = n;
        c->members = member;
        c->nr = 1;
        c->total_distance = 0;
        c->fits = true;
        solver_cand_figures(s, c);
        solver_cand_score(s, j, c);
        if (best != s->nr_nodes &&
            (solver_cand_decide(c, &bc, s->pack, &better), !better))
            continue;
        best = n;
        best_member = n;
        bc = *c;
        bc.members = &best_member;
    }
    if (best != s->nr_nodes) {
        *member = best;
        c->members = member;
        solver_cand_figures(s, c);
        solver_cand_score(s, j, c);
    }
    return best;
}

/*
 * Where a guest moved out of a node goes: the best single node that holds
 * it, else the best set grown (as in solver_find_cands()) from the nodes that
 * the guest it made room for has left (seeds), the place a swap gives
 * it.  Fills *c (members in member or the pool); false when none fits.
 */
static bool place_near(struct solver *s, const struct job *j,
                       const struct where *seeds, struct cand *c,
                       unsigned int *member)
{
    unsigned int i, win = s->nr_nodes, nr = 0;
    bool better;

    if (best_single(s, j, c, member) < s->nr_nodes)
        return true;
    for (i = 0; i < seeds->nr; i++) {
        struct cand *t = &s->cands[nr];

        if (!s->cap[seeds->node[i]] && !s->mem[seeds->node[i]])
            continue;
        t->members = s->pool + (size_t)nr * s->nr_nodes;
        if (!solver_grow(s, seeds->node[i], j->nr_vcpus, j->mem_kib, t))
            continue;
        solver_cand_figures(s, t);
        solver_cand_score(s, j, t);
        if (win == s->nr_nodes ||
            (solver_cand_decide(t, &s->cands[win], s->pack, &better), better))
            win = nr;
        nr++;
    }
    if (win == s->nr_nodes)
        return false;
    *c = s->cands[win];
    return true;
}

/* The guest alone on the best single node that holds it. */
static int try_relocate(struct solver *s, struct improver *im, struct job *g,
                        bool *moved_out)
{
    struct where *nw = &im->fresh[0];
    struct cand c;
    unsigned int member;
    int rc;

    *moved_out = false;
    im->trials++;
    solver_vacate(s, &g->at);
    refresh(s, &g->at);
    if (best_single(s, g, &c, &member) == s->nr_nodes) {
        solver_occupy(s, &g->at);
        refresh(s, &g->at);
        return 0;
    }
    rc = solver_choose(s, g, &c, nw);
    if (rc)
        return rc;
    refresh(s, nw);
    if (!improves(1, nw->cost, 1, solver_where_nodes_used(&g->at) == 1,
                  g->at.cost, solver_where_nodes_used(&g->at))) {
        solver_vacate(s, nw);
        refresh(s, nw);
        solver_where_dispose(nw);
        solver_occupy(s, &g->at);
        refresh(s, &g->at);
        return 0;
    }
    solver_where_dispose(&g->at);
    g->at = *nw;
    memset(nw, 0, sizeof(*nw));
    g->moved = true;
    *moved_out = true;
    return 0;
}

/*
 * One ejection trial: g alone on node x after the guests out[0..nr-1]
 * (alone on x) leave it, each placed again.  Keeps it when it improves.
 */
static int try_eject_set(struct solver *s, struct improver *im, struct job *g,
                         unsigned int x, struct job **out, unsigned int nr,
                         bool *moved_out)
{
    double old_cost = g->at.cost, new_cost;
    unsigned int old_nodes = solver_where_nodes_used(&g->at), new_nodes, i, k;
    unsigned int old_whole = old_nodes == 1, new_whole = 1;
    bool moves_kept = false; /* a guest left where it was would move */
    unsigned int member;
    struct cand c;
    bool ok = true;
    int rc = 0;

    *moved_out = false;
    im->trials++;
    solver_vacate(s, &g->at);
    refresh(s, &g->at);
    for (i = 0; i < nr; i++) {
        old_cost += out[i]->at.cost;
        old_nodes += 1;
        old_whole += 1;
        moves_kept |= out[i]->kept;
        solver_vacate(s, &out[i]->at);
        refresh(s, &out[i]->at);
    }
    /* g first, alone on x */
    if (s->cap[x] < g->nr_vcpus || s->mem[x] < g->mem_kib) {
        ok = false;
        k = 0;
        goto undo;
    }
    member = x;
    c.members = &member;
    c.nr = 1;
    c.total_distance = 0;
    c.fits = true;
    solver_cand_figures(s, &c);
    solver_cand_score(s, g, &c);
    rc = solver_choose(s, g, &c, &im->fresh[0]);
    if (rc)
        return rc;
    refresh(s, &im->fresh[0]);
    new_cost = im->fresh[0].cost;
    new_nodes = 1;
    /* then the ones moved out, largest first, by the rules */
    for (k = 0; k < nr; k++) {
        if (!place_near(s, out[k], &g->at, &c, &member)) {
            ok = false;
            break;
        }
        rc = solver_choose(s, out[k], &c, &im->fresh[k + 1]);
        if (rc)
            return rc;
        refresh(s, &im->fresh[k + 1]);
        new_cost += im->fresh[k + 1].cost;
        new_nodes += solver_where_nodes_used(&im->fresh[k + 1]);
        new_whole += solver_where_nodes_used(&im->fresh[k + 1]) == 1;
    }
    /* a well-placed guest moves only to keep more guests whole */
    if (ok && (moves_kept ? new_whole > old_whole
                          : improves(new_whole, new_cost, new_nodes, old_whole,
                                     old_cost, old_nodes))) {
        solver_where_dispose(&g->at);
        g->at = im->fresh[0];
        g->moved = true;
        for (i = 0; i < nr; i++) {
            solver_where_dispose(&out[i]->at);
            out[i]->at = im->fresh[i + 1];
            out[i]->moved = true;
        }
        memset(im->fresh, 0, (IMPROVE_EJECT + 1) * sizeof(*im->fresh));
        *moved_out = true;
        return 0;
    }
    k++; /* fresh[0..k] hold what was chosen */
undo:
    while (k-- > 0) {
        solver_vacate(s, &im->fresh[k]);
        refresh(s, &im->fresh[k]);
        solver_where_dispose(&im->fresh[k]);
    }
    for (i = nr; i-- > 0;) {
        solver_occupy(s, &out[i]->at);
        refresh(s, &out[i]->at);
    }
    solver_occupy(s, &g->at);
    refresh(s, &g->at);
    return 0;
}

static int cmp_eject_try(const void *a, const void *b)
{
    const struct eject_try *p = a, *q = b;

    if (p->rank != q->rank)
        return p->rank < q->rank ? -1 : 1;
    if (p->size != q->size)
        return p->size < q->size ? -1 : 1;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->h < q->h ? -1 : p->h > q->h;
}

/* What g's leaving gives back on node n: *cpu_out vCPUs, *mem_out KiB. */
static void left_by(const struct job *g, unsigned int n, unsigned int *cpu_out,
                    uint64_t *mem_out)
{
    unsigned int i;

    *cpu_out = 0;
    *mem_out = 0;
    for (i = 0; i < g->at.nr; i++)
        if (g->at.node[i] == n) {
            *cpu_out += g->at.vcpus[i];
            *mem_out += g->at.mem[i];
        }
}

/*
 * g alone on some node x after moving out guests alone on x.  The ways to
 * do it are ranked (see struct eject_try) and the first
 * IMPROVE_TRIALS_PER_GUEST tried; the first that improves is kept.
 */
static int try_eject(struct solver *s, struct improver *im, struct job *g,
                     bool *moved_out)
{
    struct job *out[IMPROVE_EJECT];
    unsigned int x, h, i, y, nr, nr_tries = 0, t;
    unsigned int gi = (unsigned int)(g - im->jobs);
    const bool prefer = s->req->policy == NP_POLICY_PREFER;
    int rc;

    *moved_out = false;
    fill_buckets(s, im);
    for (x = 0; x < s->nr_nodes; x++) {
        unsigned int gcpu, room_cpu;
        uint64_t gmem, room_mem;

        if (s->node_cpus[x] < g->nr_vcpus || !s->has_mem[x])
            continue;
        left_by(g, x, &gcpu, &gmem);
        room_cpu = s->cap[x] + gcpu;
        room_mem = s->mem[x] + gmem;
        for (h = im->bucket_first[x]; h < im->bucket_first[x + 1]; h++) {
            const struct job *hj = &im->jobs[im->bucket[h]];
            struct eject_try *et = &im->tries[nr_tries];

            if (im->bucket[h] == gi)
                continue;
            et->x = x;
            et->h = h;
            et->size = hj->mem_kib;
            if (room_mem + hj->mem_kib < g->mem_kib ||
                (prefer && room_cpu + hj->nr_vcpus < g->nr_vcpus)) {
                et->rank = 2;
            } else {
                et->rank = 1;
                for (y = 0; y < s->nr_nodes && et->rank; y++) {
                    unsigned int c;
                    uint64_t m;

                    if (y == x)
                        continue;
                    left_by(g, y, &c, &m);
                    if (s->cap[y] + c >= hj->nr_vcpus &&
                        s->mem[y] + m >= hj->mem_kib)
                        et->rank = 0;
                }
            }
            nr_tries++;
        }
    }
    qsort(im->tries, nr_tries, sizeof(*im->tries), cmp_eject_try);
    for (t = 0; t < nr_tries && t < IMPROVE_TRIALS_PER_GUEST; t++) {
        const struct eject_try *et = &im->tries[t];
        unsigned int gcpu, cpu;
        uint64_t gmem, mem;

        if (im->trials >= im->budget)
            return 0;
        x = et->x;
        left_by(g, x, &gcpu, &gmem);
        cpu = s->cap[x] + gcpu;
        mem = s->mem[x] + gmem;
        /* h first, then the next ones on x until g has room */
        nr = 0;
        for (i = et->h; i < im->bucket_first[x + 1] && nr < IMPROVE_EJECT;
             i++) {
            if (im->bucket[i] == gi)
                continue;
            out[nr++] = &im->jobs[im->bucket[i]];
            mem += out[nr - 1]->mem_kib;
            cpu += out[nr - 1]->nr_vcpus;
            if (mem >= g->mem_kib && (!prefer || cpu >= g->nr_vcpus))
                break;
        }
        if (mem < g->mem_kib || (prefer && cpu < g->nr_vcpus))
            continue;
        rc = try_eject_set(s, im, g, x, out, nr, moved_out);
        if (rc || *moved_out)
            return rc;
    }
    return 0;
}

/* Put h alone on node x as the rules pick its CPUs there, into w; false
 * (nothing taken) when x cannot hold it. */
static int put_alone(struct solver *s, struct job *h, unsigned int x,
                     struct where *w, bool *ok)
{
    unsigned int member = x;
    struct cand c;
    int rc;

    *ok = s->cap[x] >= h->nr_vcpus && s->mem[x] >= h->mem_kib;
    if (!*ok)
        return 0;
    memset(&c, 0, sizeof(c));
    c.members = &member;
    c.nr = 1;
    c.fits = true;
    solver_cand_figures(s, &c);
    solver_cand_score(s, h, &c);
    rc = solver_choose(s, h, &c, w);
    if (!rc)
        refresh(s, w);
    return rc;
}

/*
 * One swap trial: a and b, each alone on a node of split guest g, trade
 * nodes and g is placed again near where it was.  Kept when a and b stay
 * whole and g's memory comes nearer to its vCPUs (or g becomes whole);
 * a guest kept where it was moves only when g becomes whole.
 */
static int try_swap_pair(struct solver *s, struct improver *im, struct job *g,
                         struct job *a, struct job *b, bool *moved_out)
{
    struct job *who[2] = {a, b};
    unsigned int to[2] = {alone_on(s, b), alone_on(s, a)};
    double old_cost = g->at.cost + a->at.cost + b->at.cost, new_cost;
    unsigned int old_nodes = solver_where_nodes_used(&g->at) + 2, new_nodes;
    unsigned int k, i, member;
    struct cand c;
    bool ok = true;
    int rc;

    *moved_out = false;
    im->trials++;
    solver_vacate(s, &g->at);
    refresh(s, &g->at);
    for (i = 0; i < 2; i++) {
        solver_vacate(s, &who[i]->at);
        refresh(s, &who[i]->at);
    }
    for (k = 0; k < 2 && ok; k++) {
        rc = put_alone(s, who[k], to[k], &im->fresh[k], &ok);
        if (rc)
            return rc;
    }
    if (!ok)
        k--;
    if (ok && place_near(s, g, &g->at, &c, &member)) {
        rc = solver_choose(s, g, &c, &im->fresh[2]);
        if (rc)
            return rc;
        refresh(s, &im->fresh[2]);
        k = 3;
        new_cost = im->fresh[0].cost + im->fresh[1].cost + im->fresh[2].cost;
        new_nodes = solver_where_nodes_used(&im->fresh[2]) + 2;
        if ((a->kept || b->kept)
                ? new_nodes == 3
                : improves(2 + (new_nodes == 3), new_cost, new_nodes, 2,
                           old_cost, old_nodes)) {
            solver_where_dispose(&a->at);
            solver_where_dispose(&b->at);
            solver_where_dispose(&g->at);
            a->at = im->fresh[0];
            b->at = im->fresh[1];
            g->at = im->fresh[2];
            a->moved = b->moved = g->moved = true;
            memset(im->fresh, 0, (IMPROVE_EJECT + 1) * sizeof(*im->fresh));
            *moved_out = true;
            return 0;
        }
    }
    while (k-- > 0) {
        solver_vacate(s, &im->fresh[k]);
        refresh(s, &im->fresh[k]);
        solver_where_dispose(&im->fresh[k]);
    }
    for (i = 2; i-- > 0;) {
        solver_occupy(s, &who[i]->at);
        refresh(s, &who[i]->at);
    }
    solver_occupy(s, &g->at);
    refresh(s, &g->at);
    return 0;
}

/*
 * g spans several nodes and no move makes it whole: two guests alone on
 * nodes of g trade places, so that g's vCPUs can gather where its memory
 * is.  The pairs in node and guest order, IMPROVE_SWAPS_PER_GUEST at most;
 * the first that improves is kept.
 */
static int try_swap(struct solver *s, struct improver *im, struct job *g,
                    bool *moved_out)
{
    unsigned int p, q, h1, h2, x, y, tries = 0;
    unsigned int gi = (unsigned int)(g - im->jobs);
    int rc;

    *moved_out = false;
    fill_buckets(s, im);
    for (p = 0; p < g->at.nr; p++) {
        x = g->at.node[p];
        for (q = p + 1; q < g->at.nr; q++) {
            y = g->at.node[q];
            for (h1 = im->bucket_first[x]; h1 < im->bucket_first[x + 1]; h1++)
                for (h2 = im->bucket_first[y]; h2 < im->bucket_first[y + 1];
                     h2++) {
                    struct job *a = &im->jobs[im->bucket[h1]];
                    struct job *b = &im->jobs[im->bucket[h2]];

                    if (im->bucket[h1] == gi || im->bucket[h2] == gi ||
                        (a->nr_vcpus == b->nr_vcpus &&
                         a->mem_kib == b->mem_kib) ||
                        s->mem[y] + g->at.mem[q] + b->mem_kib < a->mem_kib ||
                        s->mem[x] + g->at.mem[p] + a->mem_kib < b->mem_kib)
                        continue;
                    if (tries++ >= IMPROVE_SWAPS_PER_GUEST ||
                        im->trials >= im->budget)
                        return 0;
                    rc = try_swap_pair(s, im, g, a, b, moved_out);
                    if (rc || *moved_out)
                        return rc;
                }
        }
    }
    return 0;
}

/* The pass: see the comment above IMPROVE_ROUNDS.  Returns 0 or -ENOMEM;
 * *moves_out: the trials kept. */
static int improve(struct solver *s, struct job *jobs, unsigned int nr_jobs,
                   unsigned int *moves_out)
{
    struct improver im;
    unsigned int round, i;
    bool changed = true, moved;
    int rc = 0;

    *moves_out = 0;
    memset(&im, 0, sizeof(im));
    im.jobs = jobs;
    im.nr_jobs = nr_jobs;
    im.budget = (unsigned long)IMPROVE_TRIALS_PER_GUEST * nr_jobs;
    if (im.budget > IMPROVE_MAX_TRIALS)
        im.budget = IMPROVE_MAX_TRIALS;
    im.bucket = calloc(nr_jobs + 1, sizeof(*im.bucket));
    im.bucket_first = calloc(s->nr_nodes + 1, sizeof(*im.bucket_first));
    im.fresh = calloc(IMPROVE_EJECT + 1, sizeof(*im.fresh));
    im.tries = calloc(nr_jobs + 1, sizeof(*im.tries));
    if (!im.bucket || !im.bucket_first || !im.fresh || !im.tries) {
        rc = -ENOMEM;
        goto out;
    }
    solver_compute_caps(s);
    for (round = 0; round < IMPROVE_ROUNDS && changed; round++) {
        changed = false;
        for (i = 0; i < nr_jobs && im.trials < im.budget; i++) {
            struct job *g = &jobs[i];

            if (!g->placed || alone_on(s, g) < s->nr_nodes)
                continue;
            rc = try_relocate(s, &im, g, &moved);
            if (!rc && !moved)
                rc = try_eject(s, &im, g, &moved);
            if (!rc && !moved)
                rc = try_swap(s, &im, g, &moved);
            if (rc)
                goto out;
            if (moved) {
                im.moves++;
                changed = true;
            }
        }
    }
    *moves_out = im.moves;
out:
    if (im.fresh)
        for (i = 0; i <= IMPROVE_EJECT; i++)
            solver_where_dispose(&im.fresh[i]);
    free(im.fresh);
    free(im.tries);
    free(im.bucket);
    free(im.bucket_first);
    return rc;
}

/* "node 1" or "nodes 0-1": a plan guest's node set, into buf. */
static void format_nodes(const struct np_cpumap *nodes, char *buf, size_t size)
{
    char *l = np_cpulist_format_ranges(nodes);

    snprintf(buf, size, "node%s %s", np_cpumap_weight(nodes) > 1 ? "s" : "",
             l ? l : "?");
    free(l);
}

/* The improvement pass, then the plan entries of the guests it moved,
 * with their reasons and advice made again. */
int solver_improve_and_refill(struct solver *s, struct job *jobs,
                              unsigned int nr_jobs)
{
    unsigned int i, moves = 0, split_before = 0, split_after = 0, moved = 0;
    int rc;

    for (i = 0; i < nr_jobs; i++)
        if (jobs[i].placed && alone_on(s, &jobs[i]) == s->nr_nodes)
            split_before++;
    if (!split_before)
        return 0;
    rc = improve(s, jobs, nr_jobs, &moves);
    if (rc || !moves)
        return rc;
    for (i = 0; i < nr_jobs; i++) {
        struct job *j = &jobs[i];
        struct np_plan_guest *pg = &s->plan->guests[j->plan_idx];
        char from[256], to[256];
        unsigned int old_score = pg->score;

        if (!j->placed)
            continue;
        if (alone_on(s, j) == s->nr_nodes)
            split_after++;
        if (!j->moved)
            continue;
        moved++;
        format_nodes(&pg->nodes, from, sizeof(from));
        rc = solver_fill_entry(s, j);
        if (rc)
            return rc;
        free(pg->advice);
        pg->advice = NULL;
        rc = solver_advise(s, j, pg, np_cpumap_weight(&pg->nodes));
        if (rc)
            return rc;
        if (!s->req->explain)
            continue;
        format_nodes(&pg->nodes, to, sizeof(to));
        rc = np_plan_reason(
            s->plan, pg,
            "then the improvement pass moved it from %s (score %u.%02u) to %s (score %u.%02u), to keep more guests' memory local",
            from, old_score / 100, old_score % 100, to, pg->score / 100,
            pg->score % 100);
        if (rc)
            return rc;
    }
    if (s->req->explain)
        rc = np_plan_reason(
            s->plan, NULL,
            "the improvement pass made %u move%s (%u guest%s moved): guests on more than one node %u -> %u",
            moves, moves == 1 ? "" : "s", moved, moved == 1 ? "" : "s",
            split_before, split_after);
    return rc;
}
