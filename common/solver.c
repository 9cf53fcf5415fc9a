/*
 * solver.c: placement, the whole request: the solver's state set up from
 * a snapshot, the guests placed largest first, the plan's figures.  One
 * guest is placed in solver_place.c, the improvement pass is in
 * solver_improve.c, the reasons in solver_explain.c; the shared state is
 * in solver_int.h.  The contract is in solver.h, the reasoning in
 * docs/placement.md.  Pure: no I/O, no clock, no randomness.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "numastat.h"
#include "solver_int.h"

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
    free(s->whole_cap);
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

/* The pin that holds a vCPU of a guest that stays where it is: its hard
 * map unless that covers every online CPU, else its soft map under the
 * same rule; NULL when it floats. */
const struct np_cpumap *solver_vcpu_pin(const struct solver *s,
                                        const struct np_vcpu *v)
{
    return np_vcpu_pin(s->topo, v);
}

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
    s->whole_cap = calloc(n + 1, sizeof(*s->whole_cap));
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
        !s->whole_cap || !s->node_core_first)
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

/* Smallest first: share, then memory, vCPUs, the plan's order. */
static int cmp_job_small(const void *a, const void *b)
{
    const struct job *x = a, *y = b;

    if (x->share != y->share)
        return x->share < y->share ? -1 : 1;
    if (x->mem_kib != y->mem_kib)
        return x->mem_kib < y->mem_kib ? -1 : 1;
    if (x->nr_vcpus != y->nr_vcpus)
        return x->nr_vcpus < y->nr_vcpus ? -1 : 1;
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

/* Place jobs[from..to-1] in order; the first failure into err. */
static int place_jobs(struct solver *s, struct job *jobs, unsigned int from,
                      unsigned int to, unsigned int *nr_failed,
                      struct np_err *err)
{
    unsigned int i;
    int rc;

    for (i = from; i < to; i++) {
        struct np_err one = {""};
        bool placed;

        if (jobs[i].placed)
            continue;
        solver_hw_begin(s, &jobs[i]);
        rc = solver_place_one(s, &jobs[i], &placed, &one);
        if (!rc)
            rc = solver_hw_end(s, &jobs[i], placed);
        if (rc)
            return rc;
        if (!placed && !s->single_only && !(*nr_failed)++)
            np_err_set(err, -ENOSPC, "%s", one.msg);
    }
    return 0;
}

int solver_solve_once(const struct np_snapshot *snap,
                      const struct np_solve_req *req,
                      const struct solver_strategy *st, struct np_plan *plan,
                      unsigned int *nr_jobs_out, struct np_err *err)
{
    struct solver s;
    struct job *jobs = NULL;
    bool *replaced = NULL;
    uint64_t *est = NULL;
    unsigned int i, v, nr_jobs = 0, nr_failed = 0, nr_kept = 0;
    uint64_t score_num = 0, score_den = 0;
    int rc = 0, n;

    np_plan_init(plan);
    memset(&s, 0, sizeof(s));
    s.snap = snap;
    s.topo = &snap->topo;
    s.req = req;
    s.plan = plan;
    s.limit = (req->overcommit > 1 ? req->overcommit : 1) * MILLI;
    s.pack = st->pack;
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
    if (np_ident_set(&plan->host_id, snap->ident.host_id) ||
        np_ident_set(&plan->hostname, snap->ident.hostname))
        return -ENOMEM;
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
    if (!rc)
        rc = solver_hw_init(&s, err);
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
            const struct np_cpumap *pin = solver_vcpu_pin(&s, &g->vcpus[v]);

            if (pin)
                add_pin_load(&s, pin);
        }
    }
    if (req->explain) {
        rc = solver_plan_reasons(&s, replaced);
        if (rc)
            goto out;
    }

    {
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
    }
    qsort(jobs, nr_jobs, sizeof(*jobs),
          st->order == SOLVER_BY_SHARE   ? cmp_job_share
          : st->order == SOLVER_SMALLEST ? cmp_job_small
                                         : cmp_job);
    /* guests already there and well placed stay where they are first, in
     * the snapshot's order (the first of two that overlap stays) */
    {
        unsigned int *by_plan = calloc(nr_jobs + 1, sizeof(*by_plan));

        if (!by_plan) {
            rc = -ENOMEM;
            goto out;
        }
        for (i = 0; i < nr_jobs; i++)
            by_plan[jobs[i].plan_idx] = i;
        for (v = 0; v < nr_jobs && st->keep; v++) {
            struct job *jk = &jobs[by_plan[v]];
            struct np_plan_guest *pg = &plan->guests[jk->plan_idx];
            char mem[32];

            if (!jk->g || !solver_keep(&s, jk))
                continue;
            rc = solver_fill_entry(&s, jk);
            if (!rc && req->explain) {
                solver_format_mem(jk->mem_kib, mem, sizeof(mem));
                rc = np_plan_reason(
                    plan, pg, "needs %u vCPUs and %s; policy %s, overcommit %u",
                    jk->nr_vcpus, mem, np_policy_name(req->policy),
                    s.limit / MILLI);
            }
            if (rc) {
                free(by_plan);
                goto out;
            }
            nr_kept++;
        }
        free(by_plan);
    }
    for (i = 0; i < nr_jobs; i++) {
        if (!jobs[i].g)
            continue;
        if (!st->keep) {
            jobs[i].unkept = req->rebalance ? "--rebalance asks for the best "
                                              "layout"
                                            : "a full re-plan of the host";
            continue;
        }
    }
    if (st->order == SOLVER_WHOLE_FIRST) {
        s.single_only = true;
        rc = place_jobs(&s, jobs, 0, nr_jobs, &nr_failed, err);
        s.single_only = false;
        s.pack = st->rest_pack;
        if (rc)
            goto out;
        if (st->rest_order != SOLVER_BY_MEMORY)
            qsort(jobs, nr_jobs, sizeof(*jobs),
                  st->rest_order == SOLVER_BY_SHARE ? cmp_job_share
                                                    : cmp_job_small);
    }
    rc = place_jobs(&s, jobs, 0, nr_jobs, &nr_failed, err);
    if (rc)
        goto out;
    if (st->order == SOLVER_WHOLE_FIRST && st->rest_order != SOLVER_BY_MEMORY)
        qsort(jobs, nr_jobs, sizeof(*jobs), cmp_job); /* largest first */
    if (nr_jobs > 1 && !req->greedy_only && !solver_hw_constrained(&s)) {
        rc = solver_improve_and_refill(&s, jobs, nr_jobs);
        if (rc)
            goto out;
    }
    for (i = 0; req->explain && i < nr_jobs; i++) {
        if (!jobs[i].g)
            continue;
        rc = solver_churn_reason(&s, &jobs[i]);
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
        static const char *const orders[] = {
            "largest first (memory, then vCPUs)",
            "largest share of the host first (the larger of their shares of "
            "its CPUs and of its memory)",
            "smallest share of the host first",
            "largest memory first, each on the fullest single node that "
            "holds it, then the others",
        };

        rc = np_plan_reason(plan, NULL, "placed %u of %u guests, %s",
                            nr_jobs - nr_failed, nr_jobs, orders[st->order]);
        if (!rc && nr_kept)
            rc = np_plan_reason(
                plan, NULL, "%u guest%s already well placed stay%s where %s",
                nr_kept, nr_kept == 1 ? "" : "s", nr_kept == 1 ? "s" : "",
                nr_kept == 1 ? "it is" : "they are");
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
            solver_where_dispose(&jobs[i].at);
    free(jobs);
    free(replaced);
    free(est);
    solver_hw_dispose(&s);
    solver_free(&s);
    return rc;
}
