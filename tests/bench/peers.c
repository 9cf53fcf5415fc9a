/*
 * peers.c: the benchmark's peers written from their source or definition
 * (Nova is not here: it runs itself, tests/bench/nova_fit.py).
 *
 * libxl    A port of Xen's automatic NUMA placement as written in
 *          tools/libs/light/libxl_numa.c (libxl__get_numa_candidate) and
 *          libxl_dom.c (numa_place_domain, numa_cmpf), Xen 4.17: only
 *          nodes with CPUs in the cpupool are suitable; the smallest size
 *          first (ceil(vCPUs / CPUs per node) when every node has the
 *          same number of CPUs, else 1), combinations of that size in
 *          lexicographic order over the suitable nodes, a candidate needs
 *          free memory >= the guest's and CPUs >= its vCPUs (all CPUs of
 *          its nodes, busy or not); numa_cmpf: fewer vCPUs able to run on
 *          the candidate, then more free memory (the difference returned
 *          as an int, as written); the first candidate of the first size
 *          that has any wins ties.  Above 16 nodes it does nothing (the
 *          guest floats).  The guest gets node affinity to the set and
 *          soft affinity to its CPUs (hard: all); each of its vCPUs then
 *          counts on every node of the set; Xen allocates its memory
 *          round-robin over the set's nodes (as far as each has room).
 *          The guest's memory is taken as it is (libxl adds its own
 *          overhead: none here).
 * BFD      Best-fit decreasing: the largest memory first (then vCPUs),
 *          each guest on the fullest single node (least free memory) that
 *          holds it under the policy, whole free cores first, never split,
 *          never a CPU shared; a guest no node holds is rejected.
 * exhaustive  (small instances) every vCPU split over the nodes for each
 *          guest (every node set, every count per node, within free
 *          CPUs), the memory of each split placed where it is nearest to
 *          those vCPUs (the optimum for that guest), and "not placed":
 *          the best by the benchmark's objective (most guests placed,
 *          then whole, then the least remote memory), by branch and
 *          bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* ------------------------------------------------------------------ */
/* libxl                                                               */
/* ------------------------------------------------------------------ */

struct lx_cand {
    uint32_t nodemask_idx[16]; /* suitable indices */
    int nr_vcpus;
    uint64_t free_memkb;
    int nr_nodes, nr_cpus;
};

/* numa_cmpf as written: the uint64_t difference returned as an int. */
static int lx_cmpf(const struct lx_cand *c1, const struct lx_cand *c2)
{
    if (c1->nr_vcpus != c2->nr_vcpus)
        return c1->nr_vcpus - c2->nr_vcpus;
    return (int)(c2->free_memkb - c1->free_memkb);
}

/* comb_next of libxl_numa.c, in our words: the next k-combination of
 * 0..n-1 in lexicographic order; 0 after the last. */
static int lx_comb_next(int *it, int n, int k)
{
    int i;

    for (i = k - 1; it[i] == n - k + i; i--)
        if (i <= 0)
            return 0;
    for (it[i]++, i++; i < k; i++)
        it[i] = it[i - 1] + 1;
    return 1;
}

void run_libxl(const struct instance *in, struct result *r)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int nn = in->nr_nodes, i, v, a;
    int suit[16], nr_suit = 0, k, cpn = 0, id;
    uint64_t *free_kib = calloc(nn, sizeof(*free_kib));
    int *vcpus_on = calloc(nn, sizeof(*vcpus_on));
    double t0 = now_ms();

    if (t->nr_node_ids > 16) {
        r->ran = false;
        snprintf(r->note, sizeof(r->note), "off above 16 nodes: all float");
        free(free_kib);
        free(vcpus_on);
        return;
    }
    for (a = 0; a < nn; a++) {
        free_kib[a] = t->nodes[in->node_id[a]].mem_free_kib;
        if (!np_cpumap_is_empty(&t->nodes[in->node_id[a]].cpus))
            suit[nr_suit++] = (int)a;
    }
    /* count_cpus_per_node: over every node id, 0 when they differ */
    for (id = 0; id < (int)t->nr_node_ids; id++) {
        int c = t->nodes[id].present ? (int)np_cpumap_weight(&t->nodes[id].cpus)
                                     : 0;

        if (!cpn)
            cpn = c;
        if (cpn != c) {
            cpn = 0;
            break;
        }
    }
    /* vCPUs already able to run on each node: the pinned guests' */
    for (i = 0; i < in->nr_old; i++)
        for (a = 0; a < nn; a++)
            vcpus_on[a] += (int)(in->old[i].vcpu_on[a] + 0.5);
    for (i = in->nr_old; i < instance_nr(in); i++) {
        const struct guest_spec *g = &in->guests[i];
        struct gplace *p = &r->g[i];
        struct lx_cand best, c;
        int min_nodes, found = 0, it[16];

        memset(&best, 0, sizeof(best));
        min_nodes = cpn ? ((int)g->vcpus + cpn - 1) / cpn : 1;
        if (min_nodes > nr_suit)
            min_nodes = nr_suit;
        for (k = min_nodes; k <= nr_suit && !found; k++) {
            int ok = 1, j;

            for (j = 0; j < k; j++)
                it[j] = j;
            for (; ok; ok = lx_comb_next(it, nr_suit, k)) {
                uint32_t fm = 0; /* nodemap_to_free_memkb: a uint32_t */
                int cpus = 0;

                memset(&c, 0, sizeof(c));
                for (j = 0; j < k; j++) {
                    a = (unsigned int)suit[it[j]];
                    fm += (uint32_t)free_kib[a];
                    cpus +=
                        (int)np_cpumap_weight(&t->nodes[in->node_id[a]].cpus);
                    c.nr_vcpus += vcpus_on[a];
                    c.nodemask_idx[j] = a;
                }
                if (g->mem_kib && fm < g->mem_kib)
                    continue;
                if (cpus < (int)g->vcpus)
                    continue;
                c.free_memkb = fm;
                c.nr_nodes = k;
                c.nr_cpus = cpus;
                if (!found || lx_cmpf(&c, &best) < 0) {
                    found = 1;
                    best = c;
                }
            }
        }
        if (!found)
            continue; /* floats: no place */
        {
            uint64_t left = g->mem_kib;
            unsigned int pass;

            p->placed = true;
            for (k = 0; k < best.nr_nodes; k++) {
                a = best.nodemask_idx[k];
                np_cpumap_or(&p->aff, &t->nodes[in->node_id[a]].cpus);
            }
            for (k = 0; k < best.nr_nodes; k++) {
                a = best.nodemask_idx[k];
                p->vcpu_on[a] =
                    (double)g->vcpus *
                    np_cpumap_weight(&t->nodes[in->node_id[a]].cpus) /
                    best.nr_cpus;
                vcpus_on[a] += (int)g->vcpus;
            }
            /* round-robin over the set, as far as each node has room */
            for (pass = 0; pass < 2 && left; pass++)
                for (k = 0; k < best.nr_nodes && left; k++) {
                    uint64_t want = pass ? left : g->mem_kib / best.nr_nodes;
                    uint64_t room;

                    a = best.nodemask_idx[k];
                    room = free_kib[a] - p->mem_on[a];
                    if (want > room)
                        want = room;
                    if (want > left)
                        want = left;
                    p->mem_on[a] += want;
                    left -= want;
                }
            for (k = 0; k < best.nr_nodes; k++) {
                a = best.nodemask_idx[k];
                free_kib[a] -= p->mem_on[a];
            }
        }
    }
    (void)v;
    r->ms = now_ms() - t0;
    free(free_kib);
    free(vcpus_on);
}

/* ------------------------------------------------------------------ */
/* BFD                                                                 */
/* ------------------------------------------------------------------ */

/* CPUs in use, by id (the guests already there first). */
static bool *cpus_in_use(const struct instance *in, const struct result *r)
{
    const struct np_topo *t = &in->snap.topo;
    bool *used = calloc(t->nr_cpu_ids + 1, sizeof(*used));
    unsigned int i;
    int cpu;

    for (i = 0; i < instance_nr(in); i++)
        if (r->g[i].placed)
            np_cpumap_for_each(cpu, &r->g[i].aff) used[cpu] = true;
    return used;
}

static bool core_idle(const struct np_topo *t, const bool *used, int cpu)
{
    int sib;

    np_cpumap_for_each(sib, &t->cpus[cpu].siblings) if (used[sib]) return false;
    return true;
}

/* What node id can take under the policy: vCPUs. */
static unsigned int bfd_cap(const struct instance *in, const bool *used, int id)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int cap = 0;
    int cpu;

    np_cpumap_for_each(cpu, &t->nodes[id].cpus)
    {
        bool first = np_cpumap_next(&t->cpus[cpu].siblings, -1) == cpu;

        switch (in->policy) {
        case NP_POLICY_ISOLATE:
            cap += first && core_idle(t, used, cpu);
            break;
        case NP_POLICY_REQUIRE:
            cap += core_idle(t, used, cpu);
            break;
        default:
            cap += !used[cpu];
        }
    }
    return cap;
}

static int cmp_bfd(const void *x, const void *y, void *arg)
{
    const struct guest_spec *gs = arg;
    unsigned int a = *(const unsigned int *)x, b = *(const unsigned int *)y;

    if (gs[a].mem_kib != gs[b].mem_kib)
        return gs[a].mem_kib > gs[b].mem_kib ? -1 : 1;
    if (gs[a].vcpus != gs[b].vcpus)
        return gs[a].vcpus > gs[b].vcpus ? -1 : 1;
    return a < b ? -1 : a > b;
}

void run_bfd(const struct instance *in, struct result *r)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int nr = instance_nr(in), k, i, a;
    unsigned int *order = calloc(nr + 1, sizeof(*order));
    uint64_t *free_kib = calloc(in->nr_nodes, sizeof(*free_kib));
    bool *used = cpus_in_use(in, r);
    double t0 = now_ms();

    for (a = 0; a < in->nr_nodes; a++)
        free_kib[a] = t->nodes[in->node_id[a]].mem_free_kib;
    for (k = 0, i = in->nr_old; i < nr; i++)
        order[k++] = i;
    qsort_r(order, k, sizeof(*order), cmp_bfd, in->guests);
    for (i = 0; i < k; i++) {
        const struct guest_spec *g = &in->guests[order[i]];
        struct gplace *p = &r->g[order[i]];
        int best = -1, id, cpu, sib;
        unsigned int best_cap = 0, got = 0, pass;

        for (a = 0; a < in->nr_nodes; a++) {
            unsigned int cap;

            id = in->node_id[a];
            if (free_kib[a] < g->mem_kib || !np_topo_node_has_memory(t, id))
                continue;
            cap = bfd_cap(in, used, id);
            if (cap < g->vcpus)
                continue;
            if (best < 0 || free_kib[a] < free_kib[best] ||
                (free_kib[a] == free_kib[best] && cap < best_cap)) {
                best = (int)a;
                best_cap = cap;
            }
        }
        if (best < 0)
            continue;
        id = in->node_id[best];
        /* whole idle cores first, then idle threads */
        for (pass = 0; pass < 2 && got < g->vcpus; pass++) {
            np_cpumap_for_each(cpu, &t->nodes[id].cpus)
            {
                if (got >= g->vcpus)
                    break;
                if (np_cpumap_next(&t->cpus[cpu].siblings, -1) != cpu)
                    continue;
                if (pass == 0 && !core_idle(t, used, cpu))
                    continue;
                if (in->policy == NP_POLICY_ISOLATE) {
                    if (pass)
                        break;
                    np_cpumap_for_each(sib, &t->cpus[cpu].siblings) used[sib] =
                        true;
                    np_cpumap_set(&p->aff, cpu);
                    got++;
                    continue;
                }
                np_cpumap_for_each(sib, &t->cpus[cpu].siblings)
                {
                    if (got >= g->vcpus || used[sib])
                        continue;
                    used[sib] = true;
                    np_cpumap_set(&p->aff, sib);
                    got++;
                }
                if (in->policy == NP_POLICY_REQUIRE)
                    np_cpumap_for_each(sib, &t->cpus[cpu].siblings) used[sib] =
                        true;
            }
            if (in->policy != NP_POLICY_PREFER)
                break;
        }
        p->placed = true;
        p->pinned = true;
        p->vcpu_on[best] = g->vcpus;
        p->mem_on[best] = g->mem_kib;
        free_kib[best] -= g->mem_kib;
    }
    r->ms = now_ms() - t0;
    free(order);
    free(free_kib);
    free(used);
}

/* ------------------------------------------------------------------ */
/* Exhaustive                                                          */
/* ------------------------------------------------------------------ */

#define EX_MAXN 8

struct ex {
    const struct instance *in;
    unsigned int nn, nr;
    unsigned int dist[EX_MAXN][EX_MAXN];
    unsigned int cpus_free[EX_MAXN];
    uint64_t mem_free[EX_MAXN];
    /* the current partial solution and the best */
    unsigned int placed, whole;
    double remote;
    unsigned int best_placed, best_whole;
    double best_remote;
    unsigned int (*take)[EX_MAXN];  /* per guest: vCPUs per node */
    uint64_t (*mtake)[EX_MAXN];     /* per guest: KiB per node */
    unsigned int (*btake)[EX_MAXN]; /* the best's */
    uint64_t (*bmtake)[EX_MAXN];
    bool *bplaced, *cplaced;
    uint64_t *rest_mem;
    unsigned long nodes_visited;
};

/* The memory of guest i for vCPU split v: nearest to the vCPUs first
 * (the average distance from its vCPUs), lower index on a tie.  Returns
 * the remote GiB (distance-weighted), or -1 when the memory does not fit. */
static double ex_memory(struct ex *e, unsigned int i, const unsigned int *v,
                        uint64_t *mt)
{
    const struct guest_spec *g = &e->in->guests[e->in->nr_old + i];
    double cost[EX_MAXN], remote = 0;
    bool done[EX_MAXN] = {false};
    uint64_t left = g->mem_kib;
    unsigned int n, k;

    for (k = 0; k < e->nn; k++) {
        cost[k] = 0;
        for (n = 0; n < e->nn; n++)
            cost[k] += (double)v[n] * ((double)e->dist[n][k] - 10.0) / 10.0;
        mt[k] = 0;
    }
    while (left) {
        int b = -1;

        for (k = 0; k < e->nn; k++)
            if (!done[k] && e->mem_free[k] &&
                (b < 0 || cost[k] < cost[b] - 1e-12))
                b = (int)k;
        if (b < 0)
            return -1;
        done[b] = true;
        mt[b] = e->mem_free[b] < left ? e->mem_free[b] : left;
        left -= mt[b];
    }
    for (k = 0; k < e->nn; k++)
        remote += cost[k] * (double)mt[k] / GIB / g->vcpus;
    return remote;
}

static bool ex_better(unsigned int p, unsigned int w, double r, unsigned int bp,
                      unsigned int bw, double br)
{
    if (p != bp)
        return p > bp;
    if (w != bw)
        return w > bw;
    return r < br - 1e-9;
}

static void ex_dfs(struct ex *e, unsigned int i);

/* Try guest i with vCPU split v (complete), then go on. */
static void ex_try(struct ex *e, unsigned int i, const unsigned int *v)
{
    uint64_t mt[EX_MAXN];
    unsigned int n, used = 0;
    double rem = ex_memory(e, i, v, mt);

    if (rem < 0)
        return;
    for (n = 0; n < e->nn; n++) {
        used += v[n] || mt[n];
        e->cpus_free[n] -= v[n];
        e->mem_free[n] -= mt[n];
        e->take[i][n] = v[n];
        e->mtake[i][n] = mt[n];
    }
    e->cplaced[i] = true;
    e->placed++;
    e->whole += used == 1;
    e->remote += rem;
    ex_dfs(e, i + 1);
    e->placed--;
    e->whole -= used == 1;
    e->remote -= rem;
    e->cplaced[i] = false;
    for (n = 0; n < e->nn; n++) {
        e->cpus_free[n] += v[n];
        e->mem_free[n] += mt[n];
    }
}

/* Every split of left vCPUs over nodes from..nn-1 (v filled before). */
static void ex_splits(struct ex *e, unsigned int i, unsigned int *v,
                      unsigned int from, unsigned int left, bool single)
{
    unsigned int c, max;

    if (from == e->nn) {
        unsigned int n, k = 0;

        if (left)
            return;
        for (n = 0; n < e->nn; n++)
            k += v[n] > 0;
        if ((k == 1) == single)
            ex_try(e, i, v);
        return;
    }
    max = e->cpus_free[from] < left ? e->cpus_free[from] : left;
    for (c = max + 1; c-- > 0;) {
        v[from] = c;
        ex_splits(e, i, v, from + 1, left - c, single);
    }
    v[from] = 0;
}

static void ex_dfs(struct ex *e, unsigned int i)
{
    unsigned int rest = e->nr - i, v[EX_MAXN] = {0}, n;

    e->nodes_visited++;
    /* bound: even if every guest left is placed whole and local */
    if (!ex_better(e->placed + rest, e->whole + rest, e->remote, e->best_placed,
                   e->best_whole, e->best_remote))
        return;
    if (i == e->nr) {
        e->best_placed = e->placed;
        e->best_whole = e->whole;
        e->best_remote = e->remote;
        memcpy(e->bplaced, e->cplaced, e->nr * sizeof(*e->bplaced));
        memcpy(e->btake, e->take, e->nr * sizeof(*e->take));
        memcpy(e->bmtake, e->mtake, e->nr * sizeof(*e->mtake));
        return;
    }
    /* whole first (the bound prunes more), then split, then not placed */
    ex_splits(e, i, v, 0, e->in->guests[e->in->nr_old + i].vcpus, true);
    for (n = 0; n < EX_MAXN; n++)
        v[n] = 0;
    ex_splits(e, i, v, 0, e->in->guests[e->in->nr_old + i].vcpus, false);
    ex_dfs(e, i + 1);
}

void run_exhaustive(const struct instance *in, struct result *r)
{
    const struct np_topo *t = &in->snap.topo;
    struct ex e;
    unsigned int i, n, k;
    double t0 = now_ms();

    if (!in->small || in->nr_nodes > EX_MAXN || in->nr_old) {
        r->ran = false;
        snprintf(r->note, sizeof(r->note), "small instances only");
        return;
    }
    memset(&e, 0, sizeof(e));
    e.in = in;
    e.nn = in->nr_nodes;
    e.nr = in->nr_new;
    for (n = 0; n < e.nn; n++) {
        e.cpus_free[n] = np_cpumap_weight(&t->nodes[in->node_id[n]].cpus);
        e.mem_free[n] = np_topo_node_has_memory(t, in->node_id[n])
                            ? t->nodes[in->node_id[n]].mem_free_kib
                            : 0;
        for (k = 0; k < e.nn; k++)
            e.dist[n][k] = np_topo_distance(t, in->node_id[n], in->node_id[k]);
    }
    e.take = calloc(e.nr + 1, sizeof(*e.take));
    e.mtake = calloc(e.nr + 1, sizeof(*e.mtake));
    e.btake = calloc(e.nr + 1, sizeof(*e.btake));
    e.bmtake = calloc(e.nr + 1, sizeof(*e.bmtake));
    e.bplaced = calloc(e.nr + 1, sizeof(*e.bplaced));
    e.cplaced = calloc(e.nr + 1, sizeof(*e.cplaced));
    e.best_remote = 1e300;
    e.best_placed = 0;
    e.best_whole = 0;
    /* a first solution (nothing placed) so that the bound has a base */
    ex_dfs(&e, 0);
    for (i = 0; i < e.nr; i++) {
        struct gplace *p = &r->g[in->nr_old + i];

        if (!e.bplaced[i])
            continue;
        p->placed = true;
        for (n = 0; n < e.nn; n++) {
            p->vcpu_on[n] = e.btake[i][n];
            p->mem_on[n] = e.bmtake[i][n];
        }
    }
    r->ms = now_ms() - t0;
    free(e.take);
    free(e.mtake);
    free(e.btake);
    free(e.bmtake);
    free(e.bplaced);
    free(e.cplaced);
}
