/*
 * solver.c: placement.  The contract is in solver.h, the reasoning in
 * docs/placement.md.  Pure: no I/O, no clock, no randomness.
 *
 * The state the solver keeps while it places guests one at a time:
 *  - per node (by index into the present nodes): the memory still free
 *    (KiB) and whether the node can hold memory at all;
 *  - per CPU (by id): its load in milli-vCPUs (a vCPU pinned to k CPUs
 *    adds 1000/k, rounded up, to each) and its core;
 *  - per core: whether a guest placed with isolate/require owns it.
 * A CPU can take one more vCPU when load + 1000 <= overcommit * 1000 and
 * its core is not owned: with overcommit 1, a CPU in anyone's pin is
 * never used again, so pins never overlap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "numastat.h"
#include "solver.h"

#define MILLI 1000u
/* Reasons list at most this many refused single nodes. */
#define MAX_REFUSED_LISTED 8

struct core {
    int node;             /* node index */
    unsigned int first;   /* into core_cpus */
    unsigned int nr_cpus; /* online, unreserved threads */
};

/* One candidate node set: sorted node indices and its figures. */
struct cand {
    unsigned int nr;
    unsigned int *members; /* into the shared members pool */
    bool fits;
    uint64_t total_distance;
    uint64_t cpu_load; /* milli-vCPUs pinned on its CPUs */
    uint64_t nr_cpus;  /* usable CPUs of its nodes */
    uint64_t mem_used; /* KiB in use on its memory nodes */
    uint64_t mem_total;
};

/* Where a placed guest is: the nodes of its candidate (by index), the
 * vCPUs and KiB on each, its CPUs. */
struct where {
    unsigned int nr;
    unsigned int *node;
    unsigned int *vcpus;
    uint64_t *mem;
    unsigned int nr_vcpus;
    int *cpus;   /* ascending */
    double cost; /* vCPU-to-memory distance x KiB, per vCPU */
};

/* One guest to place. */
struct job {
    unsigned int plan_idx;    /* its entry in the plan */
    const struct np_guest *g; /* NULL for a new guest */
    unsigned int nr_vcpus;
    uint64_t mem_kib;
    bool placed;
    struct where at;         /* once placed */
    struct where was;        /* the improvement pass: before a trial */
    bool moved;              /* by the improvement pass */
    unsigned __int128 share; /* dominant share, scaled: the larger of
                                vCPUs x host memory, memory x host CPUs */
};

struct solver {
    const struct np_snapshot *snap;
    const struct np_topo *topo;
    const struct np_solve_req *req;
    struct np_plan *plan;
    uint32_t limit; /* overcommit * MILLI */
    bool pack;      /* rule 4 reversed: most loaded first */

    unsigned int nr_nodes;
    int *node_ids;      /* index -> id */
    unsigned int *dist; /* nr_nodes^2, by index */
    bool *has_mem;
    int64_t *mem_avail; /* KiB */
    uint64_t *mem_total;
    unsigned int *node_cpus; /* usable CPUs per node */

    unsigned int nr_cores;
    struct core *cores; /* grouped by node, in CPU id order */
    int *core_cpus;
    unsigned int *node_core_first; /* nr_nodes + 1: cores of node i are
                                      node_core_first[i] .. [i+1]-1 */
    int *core_of;                  /* by CPU id; -1 unusable */
    bool *owned;                   /* per core */
    uint32_t *load;                /* by CPU id */
    unsigned int max_node_cpus;
    uint64_t max_node_mem;

    /* Scratch, sized once. */
    unsigned int *cap; /* per node: vCPUs it can take now */
    uint64_t *mem;     /* per node: memory it can take now */
    uint64_t *dsum;
    unsigned int *stamp; /* per node: the grow() that took it */
    unsigned int gen;    /* the current grow() */
    struct cand *cands;
    unsigned int *pool;     /* nr_nodes * nr_nodes members */
    unsigned int *take;     /* vCPUs per node of the winner */
    uint64_t *mem_take;     /* KiB per node of the winner */
    int *chosen;            /* CPUs chosen, nr_vcpus */
    bool *picked;           /* by CPU id: chosen for this guest */
    unsigned int local_pct; /* of the guest just committed */
};

void np_solve_req_init(struct np_solve_req *req)
{
    memset(req, 0, sizeof(*req));
    req->policy = NP_POLICY_PREFER;
    req->overcommit = 1;
    req->pin = NP_PIN_HARD;
    req->explain = true;
}

static void solver_free(struct solver *s)
{
    free(s->node_ids);
    free(s->dist);
    free(s->has_mem);
    free(s->mem_avail);
    free(s->mem_total);
    free(s->node_cpus);
    free(s->cores);
    free(s->core_cpus);
    free(s->node_core_first);
    free(s->core_of);
    free(s->owned);
    free(s->load);
    free(s->cap);
    free(s->mem);
    free(s->dsum);
    free(s->stamp);
    free(s->cands);
    free(s->pool);
    free(s->take);
    free(s->mem_take);
    free(s->chosen);
    free(s->picked);
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static unsigned int dist(const struct solver *s, unsigned int a, unsigned int b)
{
    return s->dist[a * s->nr_nodes + b];
}

/* "1" or "0-1,3": the node ids of a list of node indices, into buf. */
static void format_set(const struct solver *s, const unsigned int *members,
                       unsigned int nr, char *buf, size_t size)
{
    size_t len = 0;
    unsigned int i = 0, j;

    buf[0] = '\0';
    while (i < nr && len < size) {
        j = i;
        while (j + 1 < nr &&
               s->node_ids[members[j + 1]] == s->node_ids[members[j]] + 1)
            j++;
        if (j == i)
            len += (size_t)snprintf(buf + len, size - len, "%s%d",
                                    len ? "," : "", s->node_ids[members[i]]);
        else
            len += (size_t)snprintf(buf + len, size - len, "%s%d-%d",
                                    len ? "," : "", s->node_ids[members[i]],
                                    s->node_ids[members[j]]);
        i = j + 1;
    }
}

/* Memory in the unit a person reads: "3.0 GiB", "512 MiB", "900 KiB". */
static void format_mem(uint64_t kib, char *buf, size_t size)
{
    if (kib >= 1024 * 1024)
        snprintf(buf, size, "%.1f GiB", (double)kib / (1024.0 * 1024.0));
    else if (kib >= 1024)
        snprintf(buf, size, "%" PRIu64 " MiB", kib / 1024);
    else
        snprintf(buf, size, "%" PRIu64 " KiB", kib);
}

/* The pin that holds a vCPU of a guest that stays where it is: its hard
 * map unless that covers every online CPU, else its soft map under the
 * same rule; NULL when it floats. */
static const struct np_cpumap *vcpu_pin(const struct solver *s,
                                        const struct np_vcpu *v)
{
    const struct np_cpumap *m[2] = {&v->hard, &v->soft};
    unsigned int i;
    int cpu;

    for (i = 0; i < 2; i++) {
        if (!m[i]->nr_bits || np_cpumap_is_empty(m[i]))
            continue;
        for (cpu = 0; cpu < (int)s->topo->nr_cpu_ids; cpu++)
            if (s->topo->cpus[cpu].present && s->topo->cpus[cpu].online &&
                !np_cpumap_test(m[i], cpu))
                return m[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Setting up the state                                                */
/* ------------------------------------------------------------------ */

static int setup_nodes(struct solver *s)
{
    const struct np_topo *t = s->topo;
    unsigned int n = 0, a, b;
    int id;

    for (id = 0; id < (int)t->nr_node_ids; id++)
        if (t->nodes[id].present)
            n++;
    s->nr_nodes = n;
    s->node_ids = calloc(n ? n : 1, sizeof(*s->node_ids));
    s->dist = calloc((size_t)n * n + 1, sizeof(*s->dist));
    s->has_mem = calloc(n + 1, sizeof(*s->has_mem));
    s->mem_avail = calloc(n + 1, sizeof(*s->mem_avail));
    s->mem_total = calloc(n + 1, sizeof(*s->mem_total));
    s->node_cpus = calloc(n + 1, sizeof(*s->node_cpus));
    s->cap = calloc(n + 1, sizeof(*s->cap));
    s->mem = calloc(n + 1, sizeof(*s->mem));
    s->dsum = calloc(n + 1, sizeof(*s->dsum));
    s->stamp = calloc(n + 1, sizeof(*s->stamp));
    s->cands = calloc(n + 1, sizeof(*s->cands));
    s->pool = calloc((size_t)n * n + 1, sizeof(*s->pool));
    s->take = calloc(n + 1, sizeof(*s->take));
    s->mem_take = calloc(n + 1, sizeof(*s->mem_take));
    s->node_core_first = calloc(n + 2, sizeof(*s->node_core_first));
    if (!s->node_ids || !s->dist || !s->has_mem || !s->mem_avail ||
        !s->mem_total || !s->node_cpus || !s->cap || !s->mem || !s->dsum ||
        !s->stamp || !s->cands || !s->pool || !s->take || !s->mem_take ||
        !s->node_core_first)
        return -ENOMEM;
    n = 0;
    for (id = 0; id < (int)t->nr_node_ids; id++)
        if (t->nodes[id].present)
            s->node_ids[n++] = id;
    for (a = 0; a < n; a++) {
        const struct np_node *nd = &t->nodes[s->node_ids[a]];

        for (b = 0; b < n; b++) {
            unsigned int d =
                np_topo_distance(t, s->node_ids[a], s->node_ids[b]);

            /* unknown: what a SLIT would say for a 2-socket host */
            s->dist[a * n + b] = d ? d : a == b ? 10 : 20;
        }
        s->has_mem[a] = np_topo_node_has_memory(t, s->node_ids[a]);
        s->mem_total[a] = nd->mem_total_kib;
        if (!s->has_mem[a])
            s->mem_avail[a] = 0;
        else if (nd->mem_free_known)
            s->mem_avail[a] = (int64_t)nd->mem_free_kib;
        else
            s->mem_avail[a] = (int64_t)nd->mem_total_kib;
        if (s->has_mem[a] && nd->mem_total_kib > s->max_node_mem)
            s->max_node_mem = nd->mem_total_kib;
    }
    return 0;
}

/* The index of node id, or -1. */
static int node_index(const struct solver *s, int id)
{
    unsigned int lo = 0, hi = s->nr_nodes;

    while (lo < hi) {
        unsigned int mid = (lo + hi) / 2;

        if (s->node_ids[mid] == id)
            return (int)mid;
        if (s->node_ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Usable CPUs, grouped into cores (SMT siblings; a CPU whose siblings are
 * unknown is a core of its own), cores grouped by node. */
static int setup_cpus(struct solver *s)
{
    const struct np_topo *t = s->topo;
    unsigned int nr_ids = t->nr_cpu_ids, c, n = 0, pos = 0;
    int cpu, sib, *node_of;
    int rc = 0;

    s->core_of = malloc((nr_ids + 1) * sizeof(*s->core_of));
    s->load = calloc(nr_ids + 1, sizeof(*s->load));
    s->core_cpus = calloc(nr_ids + 1, sizeof(*s->core_cpus));
    s->cores = calloc(nr_ids + 1, sizeof(*s->cores));
    s->owned = calloc(nr_ids + 1, sizeof(*s->owned));
    node_of = malloc((nr_ids + 1) * sizeof(*node_of));
    if (!s->core_of || !s->load || !s->core_cpus || !s->cores || !s->owned ||
        !node_of) {
        rc = -ENOMEM;
        goto out;
    }
    for (cpu = 0; cpu < (int)nr_ids; cpu++) {
        const struct np_cpu *c0 = &t->cpus[cpu];

        s->core_of[cpu] = -1;
        node_of[cpu] = -1;
        if (!c0->present || !c0->online || c0->node < 0)
            continue;
        if (s->req->reserved && np_cpumap_test(s->req->reserved, cpu))
            continue;
        node_of[cpu] = node_index(s, c0->node);
    }
    /* node by node, so that a node's cores are contiguous */
    for (n = 0; n < s->nr_nodes; n++) {
        s->node_core_first[n] = s->nr_cores;
        for (cpu = 0; cpu < (int)nr_ids; cpu++) {
            if (node_of[cpu] != (int)n || s->core_of[cpu] >= 0)
                continue;
            c = s->nr_cores++;
            s->cores[c].node = (int)n;
            s->cores[c].first = pos;
            s->core_of[cpu] = (int)c;
            s->core_cpus[pos++] = cpu;
            /* siblings after cpu on the same node join its core */
            if (t->cpus[cpu].siblings.nr_bits) {
                np_cpumap_for_each(sib, &t->cpus[cpu].siblings)
                {
                    if (sib <= cpu || sib >= (int)nr_ids ||
                        node_of[sib] != (int)n || s->core_of[sib] >= 0)
                        continue;
                    s->core_of[sib] = (int)c;
                    s->core_cpus[pos++] = sib;
                }
            }
            s->cores[c].nr_cpus = pos - s->cores[c].first;
            s->node_cpus[n] += s->cores[c].nr_cpus;
        }
        if (s->node_cpus[n] > s->max_node_cpus)
            s->max_node_cpus = s->node_cpus[n];
    }
    s->node_core_first[s->nr_nodes] = s->nr_cores;
out:
    free(node_of);
    return rc;
}

/* Add a pinned vCPU's load: 1000/k (rounded up) on each of its k CPUs. */
static void add_pin_load(struct solver *s, const struct np_cpumap *pin)
{
    unsigned int k = 0;
    uint32_t share;
    int cpu;

    np_cpumap_for_each(cpu, pin) if (cpu < (int)s->topo->nr_cpu_ids &&
                                     s->core_of[cpu] >= 0) k++;
    if (!k)
        return;
    share = (MILLI + k - 1) / k;
    np_cpumap_for_each(cpu, pin) if (cpu < (int)s->topo->nr_cpu_ids &&
                                     s->core_of[cpu] >= 0) s->load[cpu] +=
        share;
}

/* ------------------------------------------------------------------ */
/* One guest                                                           */
/* ------------------------------------------------------------------ */

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
static void node_caps(struct solver *s, unsigned int n)
{
    unsigned int cap = 0, c, i;

    for (c = s->node_core_first[n]; c < s->node_core_first[n + 1]; c++) {
        const struct core *co = &s->cores[c];

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
    s->mem[n] =
        s->has_mem[n] && s->mem_avail[n] > 0 ? (uint64_t)s->mem_avail[n] : 0;
}

/* What each node can take now, under the policy. */
static void compute_caps(struct solver *s)
{
    unsigned int n;

    for (n = 0; n < s->nr_nodes; n++)
        node_caps(s, n);
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
static bool grow(struct solver *s, unsigned int seed, unsigned int vcpus,
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

static void cand_figures(const struct solver *s, struct cand *c)
{
    unsigned int i, k, n;

    c->cpu_load = c->nr_cpus = c->mem_used = c->mem_total = 0;
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
            c->mem_used +=
                s->mem_total[n] > avail ? s->mem_total[n] - avail : 0;
        }
    }
}

/* Which rule tells a and b apart (both fit): 0 none, else the rule
 * number of solver.h (2 fewer nodes, 3 distance, 4 CPU load, 5 memory
 * load, 6 ids); *better_out: a wins. */
static int cand_decide(const struct cand *a, const struct cand *b, bool pack,
                       bool *better_out)
{
    unsigned __int128 x, y;
    unsigned int i;

    if (a->nr != b->nr) {
        *better_out = a->nr < b->nr;
        return 2;
    }
    if (a->total_distance != b->total_distance) {
        *better_out = a->total_distance < b->total_distance;
        return 3;
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

static bool cand_same(const struct cand *a, const struct cand *b)
{
    return a->nr == b->nr && a->members[0] == b->members[0] &&
           !memcmp(a->members, b->members, a->nr * sizeof(*a->members));
}

static const char *rule_text(int rule)
{
    switch (rule) {
    case 2:
        return "fewer nodes";
    case 3:
        return "smaller total distance between its nodes";
    case 4:
        return "fewer vCPUs already pinned per CPU";
    case 5:
        return "less memory in use";
    case 14:
        return "more vCPUs already pinned per CPU (packing)";
    case 15:
        return "more memory in use (packing)";
    case 6:
        return "lower node ids";
    default:
        return "equal";
    }
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
static void where_dispose(struct where *w)
{
    free(w->node);
    free(w->vcpus);
    free(w->mem);
    free(w->cpus);
    memset(w, 0, sizeof(*w));
}

/* Take w's CPUs and memory (occupy) or give them back (vacate): exact
 * inverses, so a trial of the improvement pass can be undone. */
static void occupy(struct solver *s, const struct where *w)
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

static void vacate(struct solver *s, const struct where *w)
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
static unsigned int where_nodes_used(const struct where *w)
{
    unsigned int i, k = 0;

    for (i = 0; i < w->nr; i++)
        k += w->vcpus[i] || w->mem[i];
    return k;
}

/*
 * Decide where job j goes in the winning candidate c: its vCPUs on c's
 * nodes (nodes with memory first, then the most room, then id; CPUs by the
 * policy), its memory by each node's share of the vCPUs, the rest nearest
 * to the vCPUs.  Fills w (disposed first) and occupies it.  s->cap and
 * s->mem must be current for c's nodes.
 */
static int choose(struct solver *s, const struct job *j, const struct cand *c,
                  struct where *w)
{
    unsigned int i, n, left = j->nr_vcpus, nr = 0;
    unsigned int *ord = NULL;
    uint64_t mleft = j->mem_kib;
    double num = 0;

    where_dispose(w);
    ord = malloc((c->nr + 1) * sizeof(*ord));
    w->node = malloc((c->nr + 1) * sizeof(*w->node));
    w->vcpus = calloc(c->nr + 1, sizeof(*w->vcpus));
    w->mem = calloc(c->nr + 1, sizeof(*w->mem));
    w->cpus = calloc(j->nr_vcpus + 1, sizeof(*w->cpus));
    if (!ord || !w->node || !w->vcpus || !w->mem || !w->cpus) {
        free(ord);
        where_dispose(w);
        return -ENOMEM;
    }
    for (i = 0; i < c->nr; i++) {
        s->take[c->members[i]] = 0;
        s->mem_take[c->members[i]] = 0;
    }
    /* vCPUs: nodes with memory first, then the most room, then id */
    memcpy(ord, c->members, c->nr * sizeof(*ord));
    for (i = 1; i < c->nr; i++) {
        unsigned int x = ord[i], k = i;

        while (k > 0) {
            unsigned int y = ord[k - 1];
            bool before = s->has_mem[x] != s->has_mem[y] ? s->has_mem[x]
                          : s->cap[x] != s->cap[y]       ? s->cap[x] > s->cap[y]
                                                         : x < y;

            if (!before)
                break;
            ord[k] = y;
            k--;
        }
        ord[k] = x;
    }
    for (i = 0; i < c->nr && left; i++) {
        n = ord[i];
        s->take[n] = s->cap[n] < left ? s->cap[n] : left;
        left -= s->take[n];
        pick_cpus(s, n, s->take[n], &nr);
    }
    free(ord);
    for (i = 0; i < nr; i++)
        s->picked[s->chosen[i]] = false;
    qsort(s->chosen, nr, sizeof(*s->chosen), cmp_int);
    /* memory: each node's share of the vCPUs, as far as it has room */
    for (i = 0; i < c->nr; i++) {
        uint64_t share;

        n = c->members[i];
        if (!s->has_mem[n] || !j->nr_vcpus)
            continue;
        share = j->mem_kib / j->nr_vcpus * s->take[n];
        if (share > s->mem[n])
            share = s->mem[n];
        if (share > mleft)
            share = mleft;
        s->mem_take[n] = share;
        mleft -= share;
    }
    /* the rest: nearest to the vCPUs first, then the lowest id */
    while (mleft) {
        unsigned int best = s->nr_nodes;
        uint64_t best_d = 0;

        for (i = 0; i < c->nr; i++) {
            uint64_t d = 0;
            unsigned int k;

            n = c->members[i];
            if (!s->has_mem[n] || s->mem_take[n] >= s->mem[n])
                continue;
            for (k = 0; k < c->nr; k++)
                d += (uint64_t)s->take[c->members[k]] *
                     dist(s, c->members[k], n);
            if (best == s->nr_nodes || d < best_d) {
                best = n;
                best_d = d;
            }
        }
        if (best == s->nr_nodes)
            break; /* cannot happen: the candidate fits */
        {
            uint64_t room = s->mem[best] - s->mem_take[best];
            uint64_t add = room < mleft ? room : mleft;

            s->mem_take[best] += add;
            mleft -= add;
        }
    }
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
    occupy(s, w);
    return 0;
}

/* Fill the plan entry of job j from where it is (j->at). */
static int fill_entry(struct solver *s, const struct job *j)
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

/* The most vCPUs node n could ever take under the policy (no other guest
 * there): one per core for isolate, every thread otherwise, times the
 * overcommit for prefer. */
static unsigned int node_max_vcpus(const struct solver *s, unsigned int n)
{
    unsigned int nr_cores = s->node_core_first[n + 1] - s->node_core_first[n];

    switch (s->req->policy) {
    case NP_POLICY_ISOLATE:
        return nr_cores;
    case NP_POLICY_REQUIRE:
        return s->node_cpus[n];
    default:
        return s->node_cpus[n] * (s->limit / MILLI);
    }
}

/*
 * Advice, only where it applies (docs/placement.md): for a guest larger
 * than any node (by the policy's count of what a node takes), or spread
 * over several nodes.  Virtual NUMA nodes are advised only when at least
 * two nodes would hold both vCPUs and memory of the guest (a guest whose
 * vCPUs are on a CPU-only node and its memory on a memory-only one gains
 * nothing from them); `numapin plan --all` only when the request was not
 * already a whole-host plan and some node could hold the guest alone on
 * an empty host.
 */
static int advise(struct solver *s, const struct job *j,
                  struct np_plan_guest *pg, unsigned int nr_nodes_used)
{
    char mem[32], node_mem[32], vnuma[160];
    unsigned int parts, per, n, vnodes = 0, max_cap = 0, i;
    bool could_fit_one = false;

    for (i = 0; i < j->at.nr; i++)
        vnodes += j->at.vcpus[i] && j->at.mem[i];
    for (n = 0; n < s->nr_nodes; n++) {
        unsigned int cap = node_max_vcpus(s, n);

        if (cap > max_cap)
            max_cap = cap;
        if (cap >= j->nr_vcpus && s->has_mem[n] &&
            s->mem_total[n] >= j->mem_kib)
            could_fit_one = true;
    }
    vnuma[0] = '\0';
    if (vnodes >= 2)
        snprintf(vnuma, sizeof(vnuma),
                 "give it %u virtual NUMA nodes matching this plan (xl.cfg "
                 "vnuma, libvirt <cpu><numa>) so that its OS keeps its memory "
                 "local",
                 vnodes);
    if (max_cap && j->nr_vcpus > max_cap) {
        parts = (j->nr_vcpus + max_cap - 1) / max_cap;
        per = (j->nr_vcpus + parts - 1) / parts;
        if (s->req->policy == NP_POLICY_ISOLATE)
            return np_plan_advice(pg,
                                  "it needs %u vCPUs and under policy "
                                  "isolate the largest node takes %u (one "
                                  "per core): run %u guests of %u vCPUs, or "
                                  "use policy prefer%s%s",
                                  j->nr_vcpus, max_cap, parts, per,
                                  vnuma[0] ? ", or " : "", vnuma);
        return np_plan_advice(pg,
                              "it needs %u vCPUs and the largest node has "
                              "%u CPUs: run %u guests of %u vCPUs and split "
                              "the work between them%s%s",
                              j->nr_vcpus, max_cap, parts, per,
                              vnuma[0] ? ", or " : "", vnuma);
    }
    if (s->max_node_mem && j->mem_kib > s->max_node_mem) {
        parts = (unsigned int)((j->mem_kib + s->max_node_mem - 1) /
                               s->max_node_mem);
        format_mem(j->mem_kib, mem, sizeof(mem));
        format_mem(s->max_node_mem, node_mem, sizeof(node_mem));
        return np_plan_advice(pg,
                              "its memory (%s) is more than the largest "
                              "node holds (%s): split it into %u guests%s%s",
                              mem, node_mem, parts, vnuma[0] ? ", or " : "",
                              vnuma);
    }
    if (nr_nodes_used < 2 || !could_fit_one)
        return 0;
    if (!s->req->all && vnuma[0])
        return np_plan_advice(pg,
                              "no single node has room for it next to the "
                              "other guests: it spans %u nodes; %s, or make "
                              "room with `numapin plan --all`",
                              nr_nodes_used, vnuma);
    if (!s->req->all)
        return np_plan_advice(pg,
                              "no single node has room for it next to the "
                              "other guests: it spans %u nodes; make room "
                              "with `numapin plan --all`",
                              nr_nodes_used);
    if (vnuma[0])
        return np_plan_advice(pg,
                              "no single node has room for it next to the "
                              "other guests of this plan: it spans %u nodes; "
                              "%s, or give the host more room",
                              nr_nodes_used, vnuma);
    return 0;
}

/* Why a node cannot hold the guest alone, into buf. */
static void refusal(const struct solver *s, unsigned int n, const struct job *j,
                    char *buf, size_t size)
{
    char have[32], need[32];
    size_t len = 0;

    buf[0] = '\0';
    if (s->mem[n] < j->mem_kib) {
        format_mem(j->mem_kib, need, sizeof(need));
        if (!s->has_mem[n]) {
            len += (size_t)snprintf(buf, size, "has no memory");
        } else {
            format_mem(s->mem[n], have, sizeof(have));
            len += (size_t)snprintf(buf, size, "has %s free, it needs %s", have,
                                    need);
        }
    }
    if (s->cap[n] < j->nr_vcpus && len < size) {
        if (!s->node_cpus[n])
            snprintf(buf + len, size - len, "%shas no CPUs", len ? "; " : "");
        else
            snprintf(buf + len, size - len,
                     "%shas %u usable CPUs (of %u) under policy %s, it "
                     "needs %u",
                     len ? "; " : "", s->cap[n], s->node_cpus[n],
                     np_policy_name(s->req->policy), j->nr_vcpus);
    }
}

/*
 * The candidates for job j on the host as it is now (s->cap and s->mem
 * current): the single nodes that hold it alone when there is one (rule
 * 2), else a set grown from every seed node, deduplicated.  Sets *win_out
 * and *second_out to the best two that fit (nr_nodes: none) and returns
 * the number of candidates; *nr_fit_out and *single_out say how many fit
 * and whether they are single nodes.
 */
static unsigned int find_cands(struct solver *s, const struct job *j,
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
            cand_figures(s, c);
            nr_cands++;
            continue;
        }
        if (!grow(s, i, j->nr_vcpus, j->mem_kib, c))
            continue;
        for (k = 0; k < nr_cands && !dup; k++)
            dup = cand_same(&s->cands[k], c);
        if (dup)
            continue;
        cand_figures(s, c);
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
        cand_decide(&s->cands[i], &s->cands[win], s->pack, &better);
        if (better) {
            second = win;
            win = i;
        } else if (second == n || (cand_decide(&s->cands[i], &s->cands[second],
                                               s->pack, &better),
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

static int place_one(struct solver *s, struct job *j, bool *placed_out,
                     struct np_err *err)
{
    struct np_plan_guest *pg = &s->plan->guests[j->plan_idx];
    const bool explain = s->req->explain;
    unsigned int n = s->nr_nodes, i, nr_cands = 0, nr_fit = 0, listed = 0;
    unsigned int usable_cpus = 0, win = n, second = n;
    uint64_t free_mem = 0;
    char set[256], mem[32];
    int rc, rule = 0;
    bool better, single = false;

    *placed_out = false;
    compute_caps(s);
    for (i = 0; i < n; i++) {
        usable_cpus += s->cap[i];
        free_mem += s->mem[i];
    }
    if (explain) {
        format_mem(j->mem_kib, mem, sizeof(mem));
        rc = np_plan_reason(s->plan, pg,
                            "needs %u vCPUs and %s; policy %s, overcommit "
                            "%u",
                            j->nr_vcpus, mem, np_policy_name(s->req->policy),
                            s->limit / MILLI);
        if (rc)
            return rc;
    }
    nr_cands = find_cands(s, j, &win, &second, &nr_fit, &single);
    if (explain) {
        /* which nodes cannot take it alone, and why */
        for (i = 0; i < n; i++) {
            char why[200];

            if (s->cap[i] >= j->nr_vcpus && s->mem[i] >= j->mem_kib)
                continue;
            if (listed++ >= MAX_REFUSED_LISTED)
                continue;
            refusal(s, i, j, why, sizeof(why));
            rc = np_plan_reason(s->plan, pg,
                                "node %d cannot hold it "
                                "alone: it %s",
                                s->node_ids[i], why);
            if (rc)
                return rc;
        }
        if (listed > MAX_REFUSED_LISTED) {
            rc = np_plan_reason(s->plan, pg,
                                "%u more nodes cannot hold it alone",
                                listed - MAX_REFUSED_LISTED);
            if (rc)
                return rc;
        }
        if (single)
            rc = np_plan_reason(s->plan, pg,
                                "considered the %u node%s of %u that hold "
                                "it alone",
                                nr_cands, nr_cands == 1 ? "" : "s", n);
        else
            rc = np_plan_reason(s->plan, pg,
                                "considered %u candidate node set%s grown "
                                "from %u seed node%s by distance; %u fit%s",
                                nr_cands, nr_cands == 1 ? "" : "s", n,
                                n == 1 ? "" : "s", nr_fit,
                                nr_fit == 1 ? "s" : "");
        if (rc)
            return rc;
    }
    if (win == n) {
        char need[32], have[32], why[256];

        format_mem(j->mem_kib, need, sizeof(need));
        format_mem(free_mem, have, sizeof(have));
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
    rc = choose(s, j, &s->cands[win], &j->at);
    if (!rc)
        rc = fill_entry(s, j);
    if (rc)
        return rc;
    j->placed = true;
    *placed_out = true;
    if (explain) {
        char cpus[256], *cl;
        const struct np_cpumap *pin0;

        format_set(s, s->cands[win].members, s->cands[win].nr, set,
                   sizeof(set));
        cl = NULL;
        {
            struct np_cpumap all;

            np_cpumap_init(&all);
            if (!np_cpumap_alloc(&all, s->topo->nr_cpu_ids)) {
                for (i = 0; i < j->nr_vcpus; i++) {
                    pin0 = s->req->pin == NP_PIN_SOFT ? &pg->soft[i]
                                                      : &pg->hard[i];
                    np_cpumap_or(&all, pin0);
                }
                cl = np_cpulist_format_ranges(&all);
            }
            np_cpumap_dispose(&all);
        }
        snprintf(cpus, sizeof(cpus), "%s", cl ? cl : "?");
        free(cl);
        rc = np_plan_reason(s->plan, pg,
                            "chose node%s %s: vCPUs on CPUs %s, %u%% of "
                            "its memory local to its vCPUs (score %u.%02u: "
                            "the mean vCPU-to-memory distance)",
                            s->cands[win].nr > 1 ? "s" : "", set, cpus,
                            s->local_pct, pg->score / 100, pg->score % 100);
        if (rc)
            return rc;
        if (second != n) {
            char other[256];

            rule = cand_decide(&s->cands[win], &s->cands[second], s->pack,
                               &better);
            format_set(s, s->cands[second].members, s->cands[second].nr, other,
                       sizeof(other));
            rc = np_plan_reason(
                s->plan, pg, "node%s %s won over the runner-up %s: %s",
                s->cands[win].nr > 1 ? "s" : "", set, other,
                rule_text(s->pack && (rule == 4 || rule == 5) ? rule + 10
                                                              : rule));
        } else {
            rc = np_plan_reason(s->plan, pg,
                                "node%s %s: the only candidate that fits",
                                s->cands[win].nr > 1 ? "s" : "", set);
        }
        if (rc)
            return rc;
    }
    return advise(s, j, pg, np_cpumap_weight(&pg->nodes));
}

/* ------------------------------------------------------------------ */
/* The improvement pass                                                */
/* ------------------------------------------------------------------ */

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
 *    moved guest placed again by the rules, in largest-first order.
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
        node_caps(s, w->node[i]);
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

/* Is (cost, nodes) better than (old_cost, old_nodes)? */
static bool improves(double cost, unsigned int nodes, double old_cost,
                     unsigned int old_nodes)
{
    double eps = 1e-9 * (old_cost + 1.0);

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
        cand_figures(s, c);
        if (best != s->nr_nodes &&
            (cand_decide(c, &bc, s->pack, &better), !better))
            continue;
        best = n;
        best_member = n;
        bc.nr = 1;
        bc.cpu_load = c->cpu_load;
        bc.nr_cpus = c->nr_cpus;
        bc.mem_used = c->mem_used;
        bc.mem_total = c->mem_total;
    }
    if (best != s->nr_nodes) {
        *member = best;
        c->members = member;
        cand_figures(s, c);
    }
    return best;
}

/*
 * Where a guest moved out of a node goes: the best single node that holds
 * it, else the best set grown (as in find_cands()) from the nodes that
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
        if (!grow(s, seeds->node[i], j->nr_vcpus, j->mem_kib, t))
            continue;
        cand_figures(s, t);
        if (win == s->nr_nodes ||
            (cand_decide(t, &s->cands[win], s->pack, &better), better))
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
    vacate(s, &g->at);
    refresh(s, &g->at);
    if (best_single(s, g, &c, &member) == s->nr_nodes) {
        occupy(s, &g->at);
        refresh(s, &g->at);
        return 0;
    }
    rc = choose(s, g, &c, nw);
    if (rc)
        return rc;
    refresh(s, nw);
    if (!improves(nw->cost, 1, g->at.cost, where_nodes_used(&g->at))) {
        vacate(s, nw);
        refresh(s, nw);
        where_dispose(nw);
        occupy(s, &g->at);
        refresh(s, &g->at);
        return 0;
    }
    where_dispose(&g->at);
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
    unsigned int old_nodes = where_nodes_used(&g->at), new_nodes, i, k;
    unsigned int member;
    struct cand c;
    bool ok = true;
    int rc = 0;

    *moved_out = false;
    im->trials++;
    vacate(s, &g->at);
    refresh(s, &g->at);
    for (i = 0; i < nr; i++) {
        old_cost += out[i]->at.cost;
        old_nodes += 1;
        vacate(s, &out[i]->at);
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
    cand_figures(s, &c);
    rc = choose(s, g, &c, &im->fresh[0]);
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
        rc = choose(s, out[k], &c, &im->fresh[k + 1]);
        if (rc)
            return rc;
        refresh(s, &im->fresh[k + 1]);
        new_cost += im->fresh[k + 1].cost;
        new_nodes += where_nodes_used(&im->fresh[k + 1]);
    }
    if (ok && improves(new_cost, new_nodes, old_cost, old_nodes)) {
        where_dispose(&g->at);
        g->at = im->fresh[0];
        g->moved = true;
        for (i = 0; i < nr; i++) {
            where_dispose(&out[i]->at);
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
        vacate(s, &im->fresh[k]);
        refresh(s, &im->fresh[k]);
        where_dispose(&im->fresh[k]);
    }
    for (i = nr; i-- > 0;) {
        occupy(s, &out[i]->at);
        refresh(s, &out[i]->at);
    }
    occupy(s, &g->at);
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
    compute_caps(s);
    for (round = 0; round < IMPROVE_ROUNDS && changed; round++) {
        changed = false;
        for (i = 0; i < nr_jobs && im.trials < im.budget; i++) {
            struct job *g = &jobs[i];

            if (!g->placed || alone_on(s, g) < s->nr_nodes)
                continue;
            rc = try_relocate(s, &im, g, &moved);
            if (!rc && !moved)
                rc = try_eject(s, &im, g, &moved);
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
            where_dispose(&im.fresh[i]);
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
static int improve_and_refill(struct solver *s, struct job *jobs,
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
        rc = fill_entry(s, j);
        if (rc)
            return rc;
        free(pg->advice);
        pg->advice = NULL;
        rc = advise(s, j, pg, np_cpumap_weight(&pg->nodes));
        if (rc)
            return rc;
        if (!s->req->explain)
            continue;
        format_nodes(&pg->nodes, to, sizeof(to));
        rc = np_plan_reason(s->plan, pg,
                            "then the improvement pass moved it from %s "
                            "(score %u.%02u) to %s (score %u.%02u), to keep "
                            "more guests' memory local",
                            from, old_score / 100, old_score % 100, to,
                            pg->score / 100, pg->score % 100);
        if (rc)
            return rc;
    }
    if (s->req->explain)
        rc = np_plan_reason(s->plan, NULL,
                            "the improvement pass made %u move%s (%u guest%s "
                            "moved): guests on more than one node %u -> %u",
                            moves, moves == 1 ? "" : "s", moved,
                            moved == 1 ? "" : "s", split_before, split_after);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The whole request                                                   */
/* ------------------------------------------------------------------ */

static const struct np_guest *find_guest_id(const struct np_snapshot *snap,
                                            int id)
{
    unsigned int i;

    for (i = 0; i < snap->nr_guests; i++)
        if (snap->guests[i].id == id)
            return &snap->guests[i];
    return NULL;
}

static bool id_in(const int *ids, unsigned int nr, int id)
{
    unsigned int i;

    for (i = 0; i < nr; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Largest first: memory, then vCPUs, then the plan's order. */
static int cmp_job_share(const void *a, const void *b)
{
    const struct job *x = a, *y = b;

    if (x->share != y->share)
        return x->share > y->share ? -1 : 1;
    if (x->mem_kib != y->mem_kib)
        return x->mem_kib > y->mem_kib ? -1 : 1;
    if (x->nr_vcpus != y->nr_vcpus)
        return x->nr_vcpus > y->nr_vcpus ? -1 : 1;
    return x->plan_idx < y->plan_idx ? -1 : x->plan_idx > y->plan_idx;
}

static int cmp_job(const void *a, const void *b)
{
    const struct job *x = a, *y = b;

    if (x->mem_kib != y->mem_kib)
        return x->mem_kib > y->mem_kib ? -1 : 1;
    if (x->nr_vcpus != y->nr_vcpus)
        return x->nr_vcpus > y->nr_vcpus ? -1 : 1;
    return x->plan_idx < y->plan_idx ? -1 : x->plan_idx > y->plan_idx;
}

static int plan_reasons(struct solver *s, const bool *replaced)
{
    const struct np_snapshot *snap = s->snap;
    unsigned int i, n;
    int rc = 0;

    for (n = 0; n < s->nr_nodes && !rc; n++) {
        const struct np_node *nd = &s->topo->nodes[s->node_ids[n]];

        if (s->has_mem[n] && !nd->mem_free_known)
            rc = np_plan_reason(s->plan, NULL,
                                "the free memory of node %d is unknown: its "
                                "total is counted",
                                s->node_ids[n]);
        else if (!s->has_mem[n])
            rc = np_plan_reason(s->plan, NULL,
                                "node %d has no memory: no guest's memory "
                                "goes there",
                                s->node_ids[n]);
        else if (!s->node_cpus[n])
            rc = np_plan_reason(s->plan, NULL,
                                "node %d has memory and no usable CPUs: "
                                "guests' vCPUs run on nearby nodes",
                                s->node_ids[n]);
    }
    if (!rc && s->req->reserved && !np_cpumap_is_empty(s->req->reserved)) {
        char *l = np_cpulist_format_ranges(s->req->reserved);

        rc = l ? np_plan_reason(s->plan, NULL,
                                "CPUs %s are reserved for the host", l)
               : -ENOMEM;
        free(l);
    }
    for (i = 0; i < snap->nr_guests && !rc; i++) {
        const struct np_guest *g = &snap->guests[i];
        unsigned int v, floating = 0;

        if (replaced[i]) {
            if (!g->mem_per_node_kib && g->mem_kib)
                rc = np_plan_reason(s->plan, NULL,
                                    "where the memory of '%s' is now is "
                                    "not measured: estimated from its node "
                                    "affinity (given back there before it "
                                    "is placed again)",
                                    g->name);
            else if (g->mem_source && !strcmp(g->mem_source, NP_MEM_ESTIMATED))
                rc = np_plan_reason(s->plan, NULL,
                                    "the memory of '%s' is estimated from "
                                    "its node affinity, not measured",
                                    g->name);
            continue;
        }
        for (v = 0; v < g->nr_vcpus; v++)
            if (!vcpu_pin(s, &g->vcpus[v]))
                floating++;
        if (floating)
            rc = np_plan_reason(s->plan, NULL,
                                "'%s' has %u of %u vCPUs floating (no pin): "
                                "they may run on the CPUs planned here and "
                                "its memory may grow anywhere; `numapin "
                                "plan --all` gives every guest a place",
                                g->name, floating, g->nr_vcpus);
    }
    return rc;
}

static int solve_once(const struct np_snapshot *snap,
                      const struct np_solve_req *req, bool pack, bool by_share,
                      struct np_plan *plan, unsigned int *nr_jobs_out,
                      struct np_err *err)
{
    struct solver s;
    struct job *jobs = NULL;
    bool *replaced = NULL;
    uint64_t *est = NULL;
    unsigned int i, v, nr_jobs = 0, nr_failed = 0;
    uint64_t score_num = 0, score_den = 0;
    int rc = 0, n;

    np_plan_init(plan);
    memset(&s, 0, sizeof(s));
    s.snap = snap;
    s.topo = &snap->topo;
    s.req = req;
    s.plan = plan;
    s.limit = (req->overcommit > 1 ? req->overcommit : 1) * MILLI;
    s.pack = pack;
    plan->nr_cpu_ids = snap->topo.nr_cpu_ids;
    plan->nr_node_ids = snap->topo.nr_node_ids;
    plan->policy = req->policy;
    plan->overcommit = req->overcommit > 1 ? req->overcommit : 1;
    plan->pin = req->pin;
    if (!snap->topo.nr_cpu_ids || !np_topo_nr_online_cpus(&snap->topo))
        return np_err_set(err, -EINVAL, "the host has no online cpu");
    if (snap->backend) {
        plan->backend = strdup(snap->backend);
        if (!plan->backend)
            return -ENOMEM;
    }
    for (i = 0; i < req->nr_ids; i++)
        if (!find_guest_id(snap, req->ids[i]))
            return np_err_set(err, -EINVAL, "guest %d does not exist",
                              req->ids[i]);
    for (i = 0; i < req->nr_new; i++)
        if (!req->new_guests[i].nr_vcpus)
            return np_err_set(err, -EINVAL, "a guest needs at least one vcpu");

    rc = setup_nodes(&s);
    if (!rc)
        rc = setup_cpus(&s);
    if (rc)
        goto out;
    s.chosen = calloc(snap->topo.nr_cpu_ids + 1, sizeof(*s.chosen));
    s.picked = calloc(snap->topo.nr_cpu_ids + 1, sizeof(*s.picked));
    replaced = calloc(snap->nr_guests + 1, sizeof(*replaced));
    jobs = calloc(req->nr_new + snap->nr_guests + 1, sizeof(*jobs));
    est = calloc(snap->topo.nr_node_ids + 1, sizeof(*est));
    if (!s.chosen || !s.picked || !replaced || !jobs || !est) {
        rc = -ENOMEM;
        goto out;
    }

    /* the plan's guests: new ones, then existing ones in snapshot order */
    for (i = 0; i < req->nr_new; i++) {
        const struct np_new_guest *ng = &req->new_guests[i];
        struct np_plan_guest *pg;

        rc = np_plan_add_guest(plan, -1, ng->name ? ng->name : "new",
                               ng->nr_vcpus, &pg);
        if (rc)
            goto out;
        pg->is_new = true;
        pg->mem_kib = ng->mem_kib;
        jobs[nr_jobs].plan_idx = plan->nr_guests - 1;
        jobs[nr_jobs].nr_vcpus = ng->nr_vcpus;
        jobs[nr_jobs].mem_kib = ng->mem_kib;
        nr_jobs++;
    }
    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];
        struct np_plan_guest *pg;

        if (req->all)
            replaced[i] = !id_in(req->fixed_ids, req->nr_fixed_ids, g->id);
        else
            replaced[i] = id_in(req->ids, req->nr_ids, g->id);
        if (!replaced[i] || !g->nr_vcpus) {
            replaced[i] = false;
            continue;
        }
        rc = np_plan_add_guest(plan, g->id, g->name, g->nr_vcpus, &pg);
        if (rc)
            goto out;
        pg->mem_kib = g->mem_kib;
        jobs[nr_jobs].plan_idx = plan->nr_guests - 1;
        jobs[nr_jobs].g = g;
        jobs[nr_jobs].nr_vcpus = g->nr_vcpus;
        jobs[nr_jobs].mem_kib = g->mem_kib;
        nr_jobs++;
    }

    /* what stays: pins of the others; memory of the re-placed is freed */
    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];

        if (replaced[i]) {
            /* given back where it is; never counted twice: a position
             * not measured is estimated from the node affinity */
            const uint64_t *mem = g->mem_per_node_kib;

            if (!mem) {
                np_guest_estimate_kib(&snap->topo, g, est);
                mem = est;
            }
            for (n = 0; n < (int)snap->topo.nr_node_ids; n++) {
                int idx = node_index(&s, n);

                if (idx >= 0 && s.has_mem[idx])
                    s.mem_avail[idx] += (int64_t)mem[n];
            }
            continue;
        }
        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_cpumap *pin = vcpu_pin(&s, &g->vcpus[v]);

            if (pin)
                add_pin_load(&s, pin);
        }
    }
    if (req->explain) {
        rc = plan_reasons(&s, replaced);
        if (rc)
            goto out;
    }

    if (by_share) {
        uint64_t tc = 0, tm = 0;

        for (i = 0; i < s.nr_nodes; i++) {
            tc += s.node_cpus[i];
            tm += s.mem_avail[i] > 0 ? (uint64_t)s.mem_avail[i] : 0;
        }
        for (i = 0; i < nr_jobs; i++) {
            unsigned __int128 a = (unsigned __int128)jobs[i].nr_vcpus * tm;
            unsigned __int128 b = (unsigned __int128)jobs[i].mem_kib * tc;

            jobs[i].share = a > b ? a : b;
        }
        qsort(jobs, nr_jobs, sizeof(*jobs), cmp_job_share);
    } else {
        qsort(jobs, nr_jobs, sizeof(*jobs), cmp_job);
    }
    for (i = 0; i < nr_jobs; i++) {
        struct np_err one = {""};
        bool placed;

        rc = place_one(&s, &jobs[i], &placed, &one);
        if (rc)
            goto out;
        if (!placed) {
            if (!nr_failed++)
                np_err_set(err, -ENOSPC, "%s", one.msg);
            continue;
        }
    }
    if (nr_jobs > 1 && !req->greedy_only) {
        rc = improve_and_refill(&s, jobs, nr_jobs);
        if (rc)
            goto out;
    }
    for (i = 0; i < nr_jobs; i++) {
        if (!jobs[i].placed)
            continue;
        score_num += (uint64_t)plan->guests[jobs[i].plan_idx].score *
                     (jobs[i].mem_kib ? jobs[i].mem_kib : 1);
        score_den += jobs[i].mem_kib ? jobs[i].mem_kib : 1;
    }
    plan->score =
        score_den ? (unsigned int)((score_num + score_den / 2) / score_den) : 0;
    if (req->explain && nr_jobs > 1) {
        rc = np_plan_reason(plan, NULL,
                            by_share ? "placed %u of %u guests, largest "
                                       "share of the host first (the larger "
                                       "of their shares of its CPUs and of "
                                       "its memory)"
                                     : "placed %u of %u guests, largest first "
                                       "(memory, then vCPUs)",
                            nr_jobs - nr_failed, nr_jobs);
        if (rc)
            goto out;
    }
    rc = nr_failed ? -ENOSPC : 0;
    *nr_jobs_out = nr_jobs;
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while planning");
    if (jobs)
        for (i = 0; i < nr_jobs; i++)
            where_dispose(&jobs[i].at);
    free(jobs);
    free(replaced);
    free(est);
    solver_free(&s);
    return rc;
}

/* A plan's figures for choosing between two: guests and memory placed,
 * then the memory-weighted distance (lower is better). */
static void plan_figures(const struct np_plan *plan, unsigned int *placed,
                         uint64_t *mem, uint64_t *weighted)
{
    unsigned int i;

    *placed = 0;
    *mem = 0;
    *weighted = 0;
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *g = &plan->guests[i];

        if (!g->placed)
            continue;
        (*placed)++;
        *mem += g->mem_kib;
        *weighted += (uint64_t)g->score * (g->mem_kib / 1024 + 1);
    }
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
 * Several guests at once (the whole host): the rules as written spread
 * guests (least loaded first), which keeps room for guests to grow but
 * may leave no single node for a large one; packing (most loaded first)
 * is tried too.  When neither places every guest on one node, both are
 * tried again with another order, the largest share of the host first
 * (a guest with 8 vCPUs and 2 GiB is large on a host short of CPUs), which
 * packs two-dimensional loads better.  Each is followed by the
 * improvement pass.  The plan kept is the one that places the most
 * guests, then the most memory, then with the least remote memory, the
 * first in this order on a tie.  All deterministic.
 */
int np_solve(const struct np_snapshot *snap, const struct np_solve_req *req,
             struct np_plan *plan, struct np_err *err)
{
    static const struct {
        bool pack, by_share;
        const char *why;
    } variants[] = {
        {false, false, NULL},
        {true, false,
         "packing (the most loaded nodes first) placed these "
         "guests better than spreading them"},
        {false, true,
         "placing the largest share of the host first placed "
         "these guests better than the largest memory first"},
        {true, true,
         "placing the largest share of the host first, packing "
         "(the most loaded nodes first), placed these guests "
         "better than the largest memory first, spreading"},
    };
    struct np_plan other;
    struct np_err oerr = {""};
    unsigned int nr_jobs = 0, oj = 0, a_placed, b_placed, v, best = 0;
    uint64_t a_mem, b_mem, a_w, b_w;
    int rc, orc;

    rc = solve_once(snap, req, false, false, plan, &nr_jobs, err);
    if ((rc && rc != -ENOSPC) || nr_jobs < 2)
        return rc;
    for (v = 1; v < sizeof(variants) / sizeof(variants[0]); v++) {
        if (v == 2 && (req->greedy_only || plan_perfect(plan)))
            break;
        np_err_clear(&oerr);
        orc = solve_once(snap, req, variants[v].pack, variants[v].by_share,
                         &other, &oj, &oerr);
        if (orc && orc != -ENOSPC) {
            np_plan_dispose(&other);
            if (orc == -ENOMEM)
                return np_err_set(err, orc, "%s", oerr.msg);
            continue;
        }
        plan_figures(plan, &a_placed, &a_mem, &a_w);
        plan_figures(&other, &b_placed, &b_mem, &b_w);
        if (!(b_placed > a_placed || (b_placed == a_placed && b_mem > a_mem) ||
              (b_placed == a_placed && b_mem == a_mem && b_w < a_w))) {
            np_plan_dispose(&other);
            continue;
        }
        np_plan_dispose(plan);
        *plan = other;
        best = v;
        rc = orc;
        if (err) {
            np_err_clear(err);
            if (orc)
                np_err_set(err, orc, "%s", oerr.msg);
        }
    }
    if (best && req->explain &&
        np_plan_reason(plan, NULL, "%s", variants[best].why) < 0)
        return np_err_set(err, -ENOMEM, "out of memory while planning");
    return rc;
}
