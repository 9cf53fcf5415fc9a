/*
 * solver_place.c: placing one guest: what each node can take, the
 * candidate node sets, the choice between them and the CPUs picked.
 * See solver_int.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "solver_int.h"

static bool cpu_usable(const struct solver *s, int cpu)
{
    return s->core_of[cpu] >= 0 && !s->owned[s->core_of[cpu]] &&
           s->load[cpu] + MILLI <= s->limit;
}

static bool core_free(const struct solver *s, unsigned int c)
{
    const struct core *co = &s->cores[c];
    unsigned int i;

    if (s->owned[c])
        return false;
    for (i = 0; i < co->nr_cpus; i++)
        if (s->load[s->core_cpus[co->first + i]])
            return false;
    return true;
}

/* What node n can take now, under the policy: s->cap[n], s->mem[n]. */
void solver_node_caps(struct solver *s, unsigned int n)
{
    unsigned int cap = 0, whole = 0, c, i;

    for (c = s->node_core_first[n]; c < s->node_core_first[n + 1]; c++) {
        const struct core *co = &s->cores[c];

        if (core_free(s, c))
            whole += co->nr_cpus;
        switch (s->req->policy) {
        case NP_POLICY_ISOLATE:
            cap += core_free(s, c) ? 1 : 0;
            break;
        case NP_POLICY_REQUIRE:
            cap += core_free(s, c) ? co->nr_cpus : 0;
            break;
        default:
            for (i = 0; i < co->nr_cpus; i++)
                cap += cpu_usable(s, s->core_cpus[co->first + i]);
            break;
        }
    }
    s->cap[n] = cap;
    s->whole_cap[n] = whole;
    s->mem[n] =
        s->has_mem[n] && s->mem_avail[n] > 0 ? (uint64_t)s->mem_avail[n] : 0;
}

/* What each node can take now, under the policy. */
void solver_compute_caps(struct solver *s)
{
    unsigned int n;

    for (n = 0; n < s->nr_nodes; n++)
        solver_node_caps(s, n);
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

    return x < y ? -1 : x > y;
}

/*
 * Grow a candidate from seed: while vCPUs or memory are short, add the
 * node that supplies what is short at the smallest distance to the set
 * (sum over its members), preferring one that closes the whole gap, then
 * the lowest id.  Fills c; returns whether it fits.
 */
bool solver_grow(struct solver *s, unsigned int seed, unsigned int vcpus,
                 uint64_t mem_kib, struct cand *c)
{
    unsigned int n = s->nr_nodes, j, best;
    uint64_t have_mem = s->mem[seed];
    unsigned int have_cpu = s->cap[seed];
    unsigned int mark;

    /* a fresh mark for each grow: a node taken by an earlier one (another
     * seed, or another guest) is free to take again */
    if (++s->gen == 0) {
        memset(s->stamp, 0, s->nr_nodes * sizeof(*s->stamp));
        s->gen = 1;
    }
    mark = s->gen;
    c->nr = 0;
    c->total_distance = 0;
    c->members[c->nr++] = seed;
    s->stamp[seed] = mark;
    for (j = 0; j < n; j++)
        s->dsum[j] = dist(s, seed, j);
    while (have_cpu < vcpus || have_mem < mem_kib) {
        bool best_closes = false;

        best = n;
        for (j = 0; j < n; j++) {
            bool want_cpu, want_mem, closes;

            if (s->stamp[j] == mark)
                continue;
            want_cpu = have_cpu < vcpus && s->cap[j] > 0;
            want_mem = have_mem < mem_kib && s->mem[j] > 0;
            if (!want_cpu && !want_mem)
                continue;
            closes = have_cpu + s->cap[j] >= vcpus &&
                     have_mem + s->mem[j] >= mem_kib;
            if (best == n || s->dsum[j] < s->dsum[best] ||
                (s->dsum[j] == s->dsum[best] && closes && !best_closes)) {
                best = j;
                best_closes = closes;
            }
        }
        if (best == n)
            break;
        s->stamp[best] = mark;
        c->members[c->nr++] = best;
        c->total_distance += s->dsum[best];
        have_cpu += s->cap[best];
        have_mem += s->mem[best];
        for (j = 0; j < n; j++)
            s->dsum[j] += dist(s, best, j);
    }
    qsort(c->members, c->nr, sizeof(*c->members), cmp_uint);
    c->fits = have_cpu >= vcpus && have_mem >= mem_kib;
    return c->fits;
}

void solver_cand_figures(const struct solver *s, struct cand *c)
{
    unsigned int i, k, n;

    c->cpu_load = c->nr_cpus = c->mem_used = c->mem_total = c->mem_free = 0;
    for (i = 0; i < c->nr; i++) {
        n = c->members[i];
        for (k = s->node_core_first[n]; k < s->node_core_first[n + 1]; k++) {
            const struct core *co = &s->cores[k];
            unsigned int t;

            for (t = 0; t < co->nr_cpus; t++)
                c->cpu_load += s->load[s->core_cpus[co->first + t]];
            c->nr_cpus += co->nr_cpus;
        }
        if (s->has_mem[n]) {
            uint64_t avail =
                s->mem_avail[n] > 0 ? (uint64_t)s->mem_avail[n] : 0;

            c->mem_total += s->mem_total[n];
            c->mem_free += avail;
            c->mem_used +=
                s->mem_total[n] > avail ? s->mem_total[n] - avail : 0;
        }
    }
}

/* Which rule tells a and b apart (both fit): 0 none, else the rule
 * number of solver.h (2 fewer nodes, 7 less remote memory with the best
 * split, 8 fewer vCPUs beside another guest's on a core, 3 distance, 9
 * less free memory (best fit only), 4 CPU load, 5 memory load, 6 ids);
 * *better_out: a wins.  Both must have been scored
 * (solver_cand_score()). */
int solver_cand_decide(const struct cand *a, const struct cand *b, int pack,
                       bool *better_out)
{
    unsigned __int128 x, y;
    double eps = 1e-9 * (a->cost + b->cost + 1.0);
    unsigned int i;

    if (a->nr != b->nr) {
        *better_out = a->nr < b->nr;
        return 2;
    }
    if (a->cost < b->cost - eps || a->cost > b->cost + eps) {
        *better_out = a->cost < b->cost;
        return 7;
    }
    if (pack == SOLVER_FITFIRST && a->mem_free != b->mem_free) {
        *better_out = a->mem_free < b->mem_free;
        return 9;
    }
    if (a->smt != b->smt) {
        *better_out = a->smt < b->smt;
        return 8;
    }
    if (a->total_distance != b->total_distance) {
        *better_out = a->total_distance < b->total_distance;
        return 3;
    }
    if (pack == SOLVER_BESTFIT && a->mem_free != b->mem_free) {
        *better_out = a->mem_free < b->mem_free;
        return 9;
    }
    x = (unsigned __int128)a->cpu_load * (b->nr_cpus ? b->nr_cpus : 1);
    y = (unsigned __int128)b->cpu_load * (a->nr_cpus ? a->nr_cpus : 1);
    if (x != y) {
        *better_out = pack ? x > y : x < y;
        return 4;
    }
    x = (unsigned __int128)a->mem_used * (b->mem_total ? b->mem_total : 1);
    y = (unsigned __int128)b->mem_used * (a->mem_total ? a->mem_total : 1);
    if (x != y) {
        *better_out = pack ? x > y : x < y;
        return 5;
    }
    for (i = 0; i < a->nr; i++) {
        if (a->members[i] != b->members[i]) {
            *better_out = a->members[i] < b->members[i];
            return 6;
        }
    }
    *better_out = false;
    return 0;
}

/* Rules 7 and 8 for candidate c of j: its best split's cost and the vCPUs
 * it would put on a core beside another guest's (prefer). */
void solver_cand_score(struct solver *s, const struct job *j, struct cand *c)
{
    unsigned int i, n;

    c->cost = solver_split(s, j, c);
    c->smt = 0;
    if (s->req->policy != NP_POLICY_PREFER)
        return;
    for (i = 0; i < c->nr; i++) {
        n = c->members[i];
        if (s->take[n] > s->whole_cap[n])
            c->smt += s->take[n] - s->whole_cap[n];
    }
}

static bool cand_same(const struct cand *a, const struct cand *b)
{
    return a->nr == b->nr && a->members[0] == b->members[0] &&
           !memcmp(a->members, b->members, a->nr * sizeof(*a->members));
}

/* Pick the CPUs of node n for want vCPUs of this guest, appending to
 * s->chosen from *nr; marks cores owned under isolate/require. */
static void pick_cpus(struct solver *s, unsigned int n, unsigned int want,
                      unsigned int *nr)
{
    unsigned int c, i, got = 0, pass;
    enum np_policy pol = s->req->policy;

    /* whole free cores first (the only choice for isolate/require) */
    for (c = s->node_core_first[n]; c < s->node_core_first[n + 1] && got < want;
         c++) {
        const struct core *co = &s->cores[c];

        if (!core_free(s, c))
            continue;
        if (pol == NP_POLICY_ISOLATE) {
            s->picked[s->core_cpus[co->first]] = true;
            s->chosen[(*nr)++] = s->core_cpus[co->first];
            got++;
            s->owned[c] = true;
            continue;
        }
        for (i = 0; i < co->nr_cpus && got < want; i++) {
            s->picked[s->core_cpus[co->first + i]] = true;
            s->chosen[(*nr)++] = s->core_cpus[co->first + i];
            got++;
        }
        /* prefer: the rest of a split core stays usable by others */
        if (pol == NP_POLICY_REQUIRE)
            s->owned[c] = true;
    }
    if (pol != NP_POLICY_PREFER)
        return;
    /* then idle CPUs of busy cores, then the least loaded */
    for (pass = 0; pass < 2 && got < want; pass++) {
        for (c = s->node_core_first[n];
             c < s->node_core_first[n + 1] && got < want; c++) {
            const struct core *co = &s->cores[c];

            for (i = 0; i < co->nr_cpus && got < want; i++) {
                int cpu = s->core_cpus[co->first + i];

                if (!cpu_usable(s, cpu) || s->picked[cpu] ||
                    (pass == 0 && s->load[cpu]))
                    continue;
                s->picked[cpu] = true;
                s->chosen[(*nr)++] = cpu;
                got++;
            }
        }
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return x < y ? -1 : x > y;
}

/* Where a placed guest is: what the improvement pass moves around. */
void solver_where_dispose(struct where *w)
{
    free(w->node);
    free(w->vcpus);
    free(w->mem);
    free(w->cpus);
    memset(w, 0, sizeof(*w));
}

/* Take w's CPUs and memory (solver_occupy) or give them back (solver_vacate):
 * exact inverses, so a trial of the improvement pass can be undone. */
void solver_occupy(struct solver *s, const struct where *w)
{
    unsigned int i;

    for (i = 0; i < w->nr_vcpus; i++) {
        s->load[w->cpus[i]] += MILLI;
        if (s->req->policy != NP_POLICY_PREFER)
            s->owned[s->core_of[w->cpus[i]]] = true;
    }
    for (i = 0; i < w->nr; i++)
        s->mem_avail[w->node[i]] -= (int64_t)w->mem[i];
}

void solver_vacate(struct solver *s, const struct where *w)
{
    unsigned int i;

    for (i = 0; i < w->nr_vcpus; i++) {
        s->load[w->cpus[i]] -= MILLI;
        if (s->req->policy != NP_POLICY_PREFER)
            s->owned[s->core_of[w->cpus[i]]] = false;
    }
    for (i = 0; i < w->nr; i++)
        s->mem_avail[w->node[i]] += (int64_t)w->mem[i];
}

/* The nodes w uses (vCPUs or memory there). */
unsigned int solver_where_nodes_used(const struct where *w)
{
    unsigned int i, k = 0;

    for (i = 0; i < w->nr; i++)
        k += w->vcpus[i] || w->mem[i];
    return k;
}

/*
 * Decide where job j goes in the winning candidate c: its vCPUs and memory
 * split over c's nodes by solver_split() (CPUs by the policy).  Fills w
 * (disposed first) and occupies it.  s->cap and s->mem must be current for
 * c's nodes.
 */
int solver_choose(struct solver *s, const struct job *j, const struct cand *c,
                  struct where *w)
{
    unsigned int i, n, nr = 0;
    double num = 0;

    solver_where_dispose(w);
    w->node = malloc((c->nr + 1) * sizeof(*w->node));
    w->vcpus = calloc(c->nr + 1, sizeof(*w->vcpus));
    w->mem = calloc(c->nr + 1, sizeof(*w->mem));
    w->cpus = calloc(j->nr_vcpus + 1, sizeof(*w->cpus));
    if (!w->node || !w->vcpus || !w->mem || !w->cpus) {
        solver_where_dispose(w);
        return -ENOMEM;
    }
    /* the split that keeps the memory nearest to the vCPUs (rule 7) */
    solver_split(s, j, c);
    for (i = 0; i < c->nr; i++)
        pick_cpus(s, c->members[i], s->take[c->members[i]], &nr);
    for (i = 0; i < nr; i++)
        s->picked[s->chosen[i]] = false;
    qsort(s->chosen, nr, sizeof(*s->chosen), cmp_int);
    w->nr = c->nr;
    w->nr_vcpus = nr;
    for (i = 0; i < c->nr; i++) {
        n = c->members[i];
        w->node[i] = n;
        w->vcpus[i] = s->take[n];
        w->mem[i] = s->mem_take[n];
    }
    memcpy(w->cpus, s->chosen, nr * sizeof(*w->cpus));
    /* cost: the vCPU-to-memory distance summed over KiB, per vCPU */
    if (j->nr_vcpus) {
        unsigned int k;

        for (i = 0; i < w->nr; i++)
            for (k = 0; k < w->nr; k++)
                num += (double)w->vcpus[i] * (double)w->mem[k] *
                       dist(s, w->node[i], w->node[k]);
        num /= (double)j->nr_vcpus;
    }
    w->cost = num;
    solver_occupy(s, w);
    return 0;
}

/* Fill the plan entry of job j from where it is (j->at). */
int solver_fill_entry(struct solver *s, const struct job *j)
{
    struct np_plan_guest *pg = &s->plan->guests[j->plan_idx];
    const struct where *w = &j->at;
    unsigned int i, k, n;
    double num = 0;
    int rc = 0;

    pg->placed = true;
    rc = np_cpumap_alloc(&pg->nodes, s->topo->nr_node_ids);
    if (rc)
        return rc;
    rc = np_cpumap_alloc(&pg->node_affinity, s->topo->nr_node_ids);
    if (rc)
        return rc;
    free(pg->mem_per_node_kib);
    pg->mem_per_node_kib =
        calloc(s->topo->nr_node_ids, sizeof(*pg->mem_per_node_kib));
    if (!pg->mem_per_node_kib)
        return -ENOMEM;
    for (i = 0; i < w->nr; i++) {
        n = w->node[i];
        if (w->vcpus[i] || w->mem[i])
            np_cpumap_set(&pg->nodes, s->node_ids[n]);
        if (s->has_mem[n] && (w->mem[i] || !j->mem_kib))
            np_cpumap_set(&pg->node_affinity, s->node_ids[n]);
        pg->mem_per_node_kib[s->node_ids[n]] = w->mem[i];
    }
    if (np_cpumap_is_empty(&pg->node_affinity))
        np_cpumap_dispose(&pg->node_affinity); /* keep */
    for (i = 0; i < j->nr_vcpus; i++) {
        struct np_cpumap *pin;

        if (s->req->pin == NP_PIN_SOFT) {
            rc = np_topo_all_cpus(s->topo, &pg->hard[i]);
            if (rc)
                return rc;
            pin = &pg->soft[i];
        } else {
            pin = &pg->hard[i];
        }
        rc = np_cpumap_alloc(pin, s->topo->nr_cpu_ids);
        if (rc)
            return rc;
        np_cpumap_set(pin, w->cpus[i]);
    }
    /* score: the mean distance from a vCPU to a KiB of its memory */
    if (j->mem_kib) {
        for (i = 0; i < w->nr; i++)
            for (k = 0; k < w->nr; k++)
                num += (double)w->vcpus[i] * (double)w->mem[k] *
                       dist(s, w->node[i], w->node[k]);
        num /= (double)j->nr_vcpus * (double)j->mem_kib;
    } else {
        for (i = 0; i < w->nr; i++)
            num += (double)w->vcpus[i] * dist(s, w->node[i], w->node[i]);
        num /= (double)j->nr_vcpus;
    }
    pg->score = (unsigned int)(num * 100.0 + 0.5);
    /* the share of vCPU-memory pairs on the same node, in percent */
    if (j->mem_kib) {
        double local = 0;

        for (i = 0; i < w->nr; i++)
            local += (double)w->vcpus[i] * (double)w->mem[i];
        s->local_pct =
            (unsigned int)(100.0 * local /
                               ((double)j->nr_vcpus * (double)j->mem_kib) +
                           0.5);
    } else {
        s->local_pct = 100;
    }
    return 0;
}

/*
 * The candidates for job j on the host as it is now (s->cap and s->mem
 * current): the single nodes that hold it alone when there is one (rule
 * 2), else a set grown from every seed node, deduplicated.  Sets *win_out
 * and *second_out to the best two that fit (nr_nodes: none) and returns
 * the number of candidates; *nr_fit_out and *single_out say how many fit
 * and whether they are single nodes.
 */
unsigned int solver_find_cands(struct solver *s, const struct job *j,
                               unsigned int *win_out, unsigned int *second_out,
                               unsigned int *nr_fit_out, bool *single_out)
{
    unsigned int n = s->nr_nodes, i, nr_cands = 0, nr_fit = 0;
    unsigned int win = n, second = n;
    bool better, single = false;

    /* a node that holds it alone beats every set (rule 2): when there is
     * one, the candidates are the single nodes that fit */
    for (i = 0; i < n && !single; i++)
        single = s->cap[i] >= j->nr_vcpus && s->mem[i] >= j->mem_kib;
    /* candidates, one per seed that supplies anything, deduplicated */
    for (i = 0; i < n; i++) {
        struct cand *c = &s->cands[nr_cands];
        unsigned int k;
        bool dup = false;

        if (!s->cap[i] && !s->mem[i])
            continue;
        c->members = s->pool + (size_t)nr_cands * n;
        if (single) {
            if (s->cap[i] < j->nr_vcpus || s->mem[i] < j->mem_kib)
                continue;
            c->nr = 1;
            c->members[0] = i;
            c->total_distance = 0;
            c->fits = true;
            solver_cand_figures(s, c);
            solver_cand_score(s, j, c);
            nr_cands++;
            continue;
        }
        if (!solver_grow(s, i, j->nr_vcpus, j->mem_kib, c))
            continue;
        for (k = 0; k < nr_cands && !dup; k++)
            dup = cand_same(&s->cands[k], c);
        if (dup)
            continue;
        solver_cand_figures(s, c);
        solver_cand_score(s, j, c);
        nr_cands++;
    }
    for (i = 0; i < nr_cands; i++) {
        if (!s->cands[i].fits)
            continue;
        nr_fit++;
        if (win == n) {
            win = i;
            continue;
        }
        solver_cand_decide(&s->cands[i], &s->cands[win], s->pack, &better);
        if (better) {
            second = win;
            win = i;
        } else if (second == n ||
                   (solver_cand_decide(&s->cands[i], &s->cands[second], s->pack,
                                       &better),
                    better)) {
            second = i;
        }
    }
    *win_out = win;
    *second_out = second;
    *nr_fit_out = nr_fit;
    *single_out = single;
    return nr_cands;
}

int solver_place_one(struct solver *s, struct job *j, bool *placed_out,
                     struct np_err *err)
{
    struct np_plan_guest *pg = &s->plan->guests[j->plan_idx];
    const bool explain = s->req->explain;
    unsigned int n = s->nr_nodes, i, nr_cands = 0, nr_fit = 0;
    unsigned int usable_cpus = 0, win = n, second = n;
    uint64_t free_mem = 0;
    char mem[32];
    int rc;
    bool single = false;

    *placed_out = false;
    solver_compute_caps(s);
    for (i = 0; i < n; i++) {
        usable_cpus += s->cap[i];
        free_mem += s->mem[i];
        if (s->cap[i] >= j->nr_vcpus && s->mem[i] >= j->mem_kib)
            single = true;
    }
    /* the first pass of best fit places only guests a node holds alone;
     * the others wait for the second, without a word */
    if (s->single_only && !single)
        return 0;
    single = false;
    if (explain) {
        solver_format_mem(j->mem_kib, mem, sizeof(mem));
        rc = np_plan_reason(
            s->plan, pg, "needs %u vCPUs and %s; policy %s, overcommit %u",
            j->nr_vcpus, mem, np_policy_name(s->req->policy), s->limit / MILLI);
        if (rc)
            return rc;
    }
    nr_cands = solver_find_cands(s, j, &win, &second, &nr_fit, &single);
    if (win == n && solver_hw_relax(s, j)) {
        /* the device's node cannot take it: the other nodes */
        solver_compute_caps(s);
        nr_cands = solver_find_cands(s, j, &win, &second, &nr_fit, &single);
    }
    if (explain) {
        rc = solver_explain_candidates(s, j, pg, nr_cands, nr_fit, single);
        if (rc)
            return rc;
    }
    if (win == n) {
        char need[32], have[32], why[256];

        solver_format_mem(j->mem_kib, need, sizeof(need));
        solver_format_mem(free_mem, have, sizeof(have));
        if (usable_cpus < j->nr_vcpus)
            snprintf(why, sizeof(why),
                     "it needs %u vCPUs, %u CPUs are usable under policy %s "
                     "and overcommit %u",
                     j->nr_vcpus, usable_cpus, np_policy_name(s->req->policy),
                     s->limit / MILLI);
        else if (free_mem < j->mem_kib)
            snprintf(why, sizeof(why), "it needs %s, the nodes have %s free",
                     need, have);
        else
            snprintf(why, sizeof(why),
                     "no set of nodes has both %u usable CPUs and %s free",
                     j->nr_vcpus, need);
        np_err_set(err, -ENOSPC, "guest '%s' does not fit: %s", pg->name, why);
        return np_plan_reason(s->plan, pg, "not placed: %s", why);
    }
    solver_hw_pick(s, j, &s->cands[win]);
    rc = solver_choose(s, j, &s->cands[win], &j->at);
    if (!rc)
        rc = solver_fill_entry(s, j);
    if (rc)
        return rc;
    j->placed = true;
    *placed_out = true;
    if (explain) {
        rc = solver_explain_choice(s, j, pg, win, second);
        if (rc)
            return rc;
    }
    return solver_advise(s, j, pg, np_cpumap_weight(&pg->nodes));
}
