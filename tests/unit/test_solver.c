/*
 * test_solver.c: the pure placement solver (common/solver.h).
 *
 * The write-up's case first (its host, its two guests), then properties
 * that every plan must have, checked over many generated topologies
 * (1 to 64 nodes, SMT, uneven nodes, memory-only and CPU-only nodes,
 * ring distances, reserved CPUs) and over every captured sysfs fixture:
 *  - no two guests' pins share a CPU (overcommit 1), nor a pin that stays;
 *  - a guest's memory adds up and fits each node's free memory;
 *  - no memory on a node without memory;
 *  - every vCPU on a usable CPU of the guest's nodes;
 *  - isolate/require: no two guests on sibling threads;
 *  - the same input gives the same plan, byte for byte;
 *  - every guest has its reasons.
 * Then the improvement pass: a tight mix the greedy order splits and the
 * whole plan keeps on one node each, and the rules it must keep.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_json.h"
#ifdef CONFIG_KVM
#include "linux_host.h"
#endif
#include "np_test.h"
#include "plan.h"
#include "solver.h"

#define ORIGIN NP_SRCDIR "/examples/origin-2010.json"
#define SYSFS NP_SRCDIR "/tests/fixtures/sysfs"
#define GIB (1024ull * 1024)

/* ------------------------------------------------------------------ */
/* Building hosts                                                      */
/* ------------------------------------------------------------------ */

struct shape {
    const char *name;
    unsigned int nodes;
    unsigned int cores; /* per node with CPUs */
    unsigned int threads;
    unsigned int memonly;  /* the last N nodes have no CPUs */
    unsigned int cpuonly;  /* the first N nodes have no memory */
    bool ring;             /* ring distances, else two levels */
    bool uneven;           /* node i has cores + i % 3 cores */
    unsigned int reserved; /* CPUs 0..N-1 reserved */
};

static const struct shape shapes[] = {
    {"flat", 1, 8, 1, 0, 0, false, false, 0},
    {"2n", 2, 4, 1, 0, 0, false, false, 0},
    {"2n-smt", 2, 4, 2, 0, 0, false, false, 0},
    {"4n-ring", 4, 4, 1, 0, 0, true, false, 0},
    {"4n-memonly", 4, 4, 2, 1, 0, false, false, 0},
    {"4n-cpuonly", 4, 4, 1, 0, 1, false, false, 0},
    {"8n-uneven", 8, 3, 2, 0, 0, true, true, 2},
    {"16n", 16, 8, 2, 2, 1, false, true, 0},
    {"64n", 64, 8, 2, 0, 0, false, false, 4},
};

#define NR_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

static unsigned int shape_cores(const struct shape *sh, unsigned int n)
{
    if (n >= sh->nodes - sh->memonly)
        return 0;
    return sh->cores + (sh->uneven ? n % 3 : 0);
}

static void build(struct np_topo *t, const struct shape *sh)
{
    unsigned int n, m, c, k, nr = 0, cpu = 0;

    for (n = 0; n < sh->nodes; n++)
        nr += shape_cores(sh, n) * sh->threads;
    np_topo_init(t);
    ck_assert_int_eq(np_topo_alloc(t, nr, sh->nodes), 0);
    for (n = 0; n < sh->nodes; n++) {
        np_topo_add_node(t, (int)n);
        if (n >= sh->cpuonly) {
            t->nodes[n].mem_total_kib = 16 * GIB;
            t->nodes[n].mem_free_kib = 12 * GIB - (n % 4) * GIB;
            t->nodes[n].mem_free_known = true;
        } else {
            t->nodes[n].mem_free_known = true;
        }
        for (m = 0; m < sh->nodes; m++) {
            unsigned int d, gap = n > m ? n - m : m - n;

            if (sh->ring)
                d = n == m ? 10
                           : 10 + 6 * (gap < sh->nodes - gap ? gap
                                                             : sh->nodes - gap);
            else
                d = n == m ? 10 : n / 4 == m / 4 ? 16 : 22;
            np_topo_set_distance(t, (int)n, (int)m, d);
        }
        for (c = 0; c < shape_cores(sh, n); c++) {
            unsigned int first = cpu;

            for (k = 0; k < sh->threads; k++, cpu++) {
                struct np_cpu *p = &t->cpus[cpu];

                np_topo_add_cpu(t, (int)cpu);
                p->socket = (int)n;
                p->die = 0;
                p->core = (int)c;
                p->node = (int)n;
                ck_assert_int_eq(np_cpumap_alloc(&p->siblings, nr), 0);
                np_cpumap_set_range(&p->siblings, (int)first,
                                    (int)(first + sh->threads - 1));
            }
        }
    }
    ck_assert_int_eq(np_topo_finish(t, NULL), 0);
}

/* A deterministic generator for the test's guest mixes (not the
 * solver's: the solver has no randomness). */
static unsigned int lcg(unsigned int *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

/* ------------------------------------------------------------------ */
/* Properties                                                          */
/* ------------------------------------------------------------------ */

static bool has_reason(const struct np_plan_guest *g, const char *sub)
{
    unsigned int i;

    for (i = 0; i < g->nr_reasons; i++)
        if (strstr(g->reasons[i], sub))
            return true;
    return false;
}

/*
 * Check every property of plan, made from snap and req.  Guests of snap
 * that the plan does not re-place keep their pins: the plan must avoid
 * them when overcommit is 1.
 */
static void check_plan(const struct np_snapshot *snap,
                       const struct np_solve_req *req,
                       const struct np_plan *plan)
{
    const struct np_topo *t = &snap->topo;
    unsigned int nr_ids = t->nr_cpu_ids, i, v;
    int *owner = calloc(nr_ids, sizeof(*owner));
    uint64_t *avail = calloc(t->nr_node_ids, sizeof(*avail));
    uint64_t *used = calloc(t->nr_node_ids, sizeof(*used));
    unsigned int *count = calloc(nr_ids, sizeof(*count));
    int cpu, n;

    ck_assert(owner && avail && used && count);
    for (n = 0; n < (int)t->nr_node_ids; n++)
        if (t->nodes[n].present && np_topo_node_has_memory(t, n))
            avail[n] = t->nodes[n].mem_free_known ? t->nodes[n].mem_free_kib
                                                  : t->nodes[n].mem_total_kib;
    for (cpu = 0; cpu < (int)nr_ids; cpu++)
        owner[cpu] = -2;
    /* guests that stay: their pins; guests re-placed: their memory */
    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];

        if (np_plan_find_guest(plan, g->id)) {
            if (g->mem_per_node_kib)
                for (n = 0; n < (int)t->nr_node_ids; n++)
                    avail[n] += g->mem_per_node_kib[n];
            continue;
        }
        for (v = 0; v < g->nr_vcpus; v++) {
            if (np_cpumap_weight(&g->vcpus[v].hard) >=
                np_topo_nr_online_cpus(t))
                continue;
            np_cpumap_for_each(cpu, &g->vcpus[v].hard) owner[cpu] = g->id;
        }
    }
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *g = &plan->guests[i];
        uint64_t total = 0;

        ck_assert_msg(g->nr_reasons >= 1, "%s has no reasons", g->name);
        ck_assert_msg(has_reason(g, "needs "), "%s: no 'needs' reason",
                      g->name);
        if (!g->placed) {
            ck_assert_msg(has_reason(g, "not placed"), "%s: no why", g->name);
            continue;
        }
        /* a guest kept where it is considered no candidates */
        ck_assert_msg(has_reason(g, "stays where it is: well placed") ||
                          (has_reason(g, "considered ") &&
                           has_reason(g, "chose ") &&
                           (has_reason(g, "won over") ||
                            has_reason(g, "the only candidate"))),
                      "%s", g->name);
        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_cpumap *pin =
                req->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v];

            ck_assert_uint_eq(np_cpumap_weight(pin), 1);
            cpu = np_cpumap_next(pin, -1);
            ck_assert(np_topo_cpu_exists(t, cpu));
            ck_assert(t->cpus[cpu].online);
            ck_assert_msg(!req->reserved || !np_cpumap_test(req->reserved, cpu),
                          "%s vcpu %u on reserved cpu %d", g->name, v, cpu);
            ck_assert_msg(np_cpumap_test(&g->nodes, t->cpus[cpu].node),
                          "%s: cpu %d is outside its nodes", g->name, cpu);
            count[cpu]++;
            if (req->overcommit <= 1) {
                ck_assert_msg(owner[cpu] == -2,
                              "%s vcpu %u on cpu %d, already pinned by "
                              "guest %d",
                              g->name, v, cpu, owner[cpu]);
                owner[cpu] = (int)i;
            }
            ck_assert_uint_le(count[cpu],
                              req->overcommit ? req->overcommit : 1);
        }
        ck_assert_ptr_nonnull(g->mem_per_node_kib);
        for (n = 0; n < (int)t->nr_node_ids; n++) {
            if (!g->mem_per_node_kib[n])
                continue;
            ck_assert_msg(np_topo_node_has_memory(t, n),
                          "%s: memory on node %d, which has none", g->name, n);
            ck_assert(np_cpumap_test(&g->nodes, n));
            ck_assert(np_cpumap_test(&g->node_affinity, n));
            used[n] += g->mem_per_node_kib[n];
            total += g->mem_per_node_kib[n];
        }
        ck_assert_uint_eq(total, g->mem_kib);
        if (g->node_affinity.nr_bits)
            np_cpumap_for_each(n, &g->node_affinity)
                ck_assert(np_topo_node_has_memory(t, n));
    }
    for (n = 0; n < (int)t->nr_node_ids; n++)
        ck_assert_msg(used[n] <= avail[n],
                      "node %d: %llu KiB planned, %llu "
                      "free",
                      n, (unsigned long long)used[n],
                      (unsigned long long)avail[n]);
    /* isolate / require: no two guests on sibling threads */
    if (req->policy != NP_POLICY_PREFER) {
        for (i = 0; i < plan->nr_guests; i++) {
            const struct np_plan_guest *g = &plan->guests[i];

            for (v = 0; g->placed && v < g->nr_vcpus; v++) {
                int sib;

                cpu = np_cpumap_next(&g->hard[v], -1);
                np_cpumap_for_each(sib, &t->cpus[cpu].siblings)
                    ck_assert_msg(owner[sib] == -2 || owner[sib] == (int)i,
                                  "%s shares core of cpu %d with guest %d",
                                  g->name, cpu, owner[sib]);
                if (req->policy == NP_POLICY_ISOLATE) {
                    unsigned int w;

                    for (w = 0; w < g->nr_vcpus; w++)
                        if (w != v)
                            ck_assert(!np_cpumap_intersects(
                                &g->hard[w], &t->cpus[cpu].siblings));
                }
            }
        }
    }
    free(owner);
    free(avail);
    free(used);
    free(count);
}

/* Solve twice, check both are the same, byte for byte, and check it. */
static int solve_checked(const struct np_snapshot *snap,
                         const struct np_solve_req *req, struct np_plan *plan)
{
    struct np_plan again;
    struct np_err err = {""}, err2 = {""};
    char *a = NULL, *b = NULL;
    int rc, rc2;

    rc = np_solve(snap, req, plan, &err);
    ck_assert_msg(rc == 0 || rc == -ENOSPC, "np_solve: %d %s", rc, err.msg);
    if (rc)
        ck_assert_msg(err.msg[0], "-ENOSPC without a sentence");
    rc2 = np_solve(snap, req, &again, &err2);
    ck_assert_int_eq(rc, rc2);
    ck_assert_str_eq(err.msg, err2.msg);
    ck_assert_int_eq(np_plan_write_json(plan, &a, NULL), 0);
    ck_assert_int_eq(np_plan_write_json(&again, &b, NULL), 0);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    np_plan_dispose(&again);
    check_plan(snap, req, plan);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The write-up's case                                                 */
/* ------------------------------------------------------------------ */

static void origin_host(struct np_snapshot *snap)
{
    struct np_err err = {""};

    np_snapshot_init(snap);
    ck_assert_msg(np_json_read_snapshot_file(ORIGIN, snap, &err) == 0, "%s",
                  err.msg);
    np_snapshot_clear_guests(snap); /* the host alone, as in the write-up */
}

START_TEST(origin_4vcpu_3g)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"rhel5xen", 4, 3 * GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;
    unsigned int v;

    origin_host(&snap);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert_uint_eq(plan.nr_guests, 1);
    g = &plan.guests[0];
    ck_assert(g->placed && g->is_new);
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 1);
    ck_assert(np_cpumap_test(&g->nodes, 1));
    for (v = 0; v < 4; v++) {
        ck_assert_uint_eq(np_cpumap_weight(&g->hard[v]), 1);
        ck_assert(np_cpumap_test(&g->hard[v], 4 + (int)v));
    }
    ck_assert_uint_eq(g->mem_per_node_kib[1], 3 * GIB);
    ck_assert_uint_eq(g->mem_per_node_kib[0], 0);
    ck_assert_uint_eq(g->score, 1000);
    ck_assert_ptr_null(g->advice);
    /* the reason node 0 was refused names its free memory */
    ck_assert(has_reason(g, "node 0 cannot hold it alone: it has 2.1 GiB "
                            "free, it needs 3.0 GiB"));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

START_TEST(origin_8vcpu_advice)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"big", 8, 2 * GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;

    origin_host(&snap);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    g = &plan.guests[0];
    ck_assert(g->placed);
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 2);
    ck_assert_ptr_nonnull(g->advice);
    ck_assert_msg(strstr(g->advice, "run 2 guests of 4 vCPUs"), "%s",
                  g->advice);
    ck_assert_msg(strstr(g->advice, "2 virtual NUMA nodes"), "%s", g->advice);
    np_plan_dispose(&plan);
    /* a 4-vCPU guest too large for any node's memory: multi-node too */
    ng.nr_vcpus = 4;
    ng.mem_kib = 5 * GIB;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    g = &plan.guests[0];
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 2);
    ck_assert_ptr_nonnull(g->advice);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* With its guests: web1 pinned to 4 and 5, db1 to 5; rhel5xen floats. */
START_TEST(origin_with_guests)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"new", 2, GIB};
    struct np_plan plan;
    struct np_err err = {""};
    unsigned int i;

    np_snapshot_init(&snap);
    ck_assert_int_eq(np_json_read_snapshot_file(ORIGIN, &snap, &err), 0);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    /* the pins of web1 and db1 are avoided; rhel5xen's floating noted */
    for (i = 0; i < 2; i++) {
        ck_assert(!np_cpumap_test(&plan.guests[0].hard[i], 4));
        ck_assert(!np_cpumap_test(&plan.guests[0].hard[i], 5));
    }
    {
        bool floating = false;

        for (i = 0; i < plan.nr_reasons; i++)
            floating |= strstr(plan.reasons[i], "'rhel5xen' has 4 of 4 "
                                                "vCPUs floating") != NULL;
        ck_assert(floating);
    }
    np_plan_dispose(&plan);

    /* 4 vCPUs and 3 GiB no longer fit without overlap ... */
    ng.nr_vcpus = 4;
    ng.mem_kib = 3 * GIB;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert_uint_eq(np_cpumap_weight(&plan.guests[0].nodes), 2);
    np_plan_dispose(&plan);
    /* ... 10 vCPUs do not fit at all */
    ng.nr_vcpus = 10;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, &err), -ENOSPC);
    ck_assert_msg(strstr(err.msg, "guest 'new' does not fit: it needs 10 "
                                  "vCPUs, 6 CPUs are usable"),
                  "%s", err.msg);
    ck_assert(!plan.guests[0].placed);
    np_plan_dispose(&plan);

    /* the whole host: every guest gets a place, none overlaps */
    np_solve_req_init(&req);
    req.all = true;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert_uint_eq(plan.nr_guests, 3);
    for (i = 0; i < 3; i++) {
        ck_assert(plan.guests[i].placed);
        ck_assert_uint_eq(np_cpumap_weight(&plan.guests[i].nodes), 1);
    }
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

START_TEST(bad_requests)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"zero", 0, GIB};
    struct np_plan plan;
    struct np_err err = {""};
    int id = 42;

    origin_host(&snap);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, &err), -EINVAL);
    ck_assert_str_eq(err.msg, "a guest needs at least one vcpu");
    np_plan_dispose(&plan);
    np_solve_req_init(&req);
    req.ids = &id;
    req.nr_ids = 1;
    np_err_clear(&err);
    ck_assert_int_eq(np_solve(&snap, &req, &plan, &err), -EINVAL);
    ck_assert_str_eq(err.msg, "guest 42 does not exist");
    np_plan_dispose(&plan);
    /* too much memory for the host */
    np_solve_req_init(&req);
    ng.nr_vcpus = 1;
    ng.mem_kib = 64 * GIB;
    req.new_guests = &ng;
    req.nr_new = 1;
    np_err_clear(&err);
    ck_assert_int_eq(np_solve(&snap, &req, &plan, &err), -ENOSPC);
    ck_assert_msg(strstr(err.msg, "it needs 64.0 GiB, the nodes have 5.3 "
                                  "GiB free"),
                  "%s", err.msg);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Rules                                                               */
/* ------------------------------------------------------------------ */

/* On a ring, a guest that needs two nodes gets neighbours (16), never
 * opposite nodes (22). */
START_TEST(distance_rule)
{
    static const struct shape ring = {"ring", 4, 4, 1, 0, 0, true, false, 0};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"wide", 6, GIB};
    struct np_plan plan;
    int a, b;

    np_snapshot_init(&snap);
    build(&snap.topo, &ring);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert_uint_eq(np_cpumap_weight(&plan.guests[0].nodes), 2);
    a = np_cpumap_next(&plan.guests[0].nodes, -1);
    b = np_cpumap_next(&plan.guests[0].nodes, a);
    ck_assert_uint_eq(np_topo_distance(&snap.topo, a, b), 16);
    /* ties among the four neighbour pairs: the lowest ids */
    ck_assert_int_eq(a, 0);
    ck_assert_int_eq(b, 1);
    ck_assert(has_reason(&plan.guests[0], "won over the runner-up"));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* Least loaded: two equal nodes, the second guest goes to the other. */
START_TEST(load_rule)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng[2] = {{"a", 2, GIB}, {"b", 2, GIB}};
    struct np_plan plan;

    np_snapshot_init(&snap);
    np_test_topo_dense(&snap.topo, 2, 4, 1, 2);
    snap.topo.nodes[0].mem_free_kib = snap.topo.nodes[1].mem_free_kib = 4 * GIB;
    snap.topo.nodes[0].mem_total_kib = snap.topo.nodes[1].mem_total_kib =
        8 * GIB;
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 2;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert(np_cpumap_test(&plan.guests[0].nodes, 0));
    ck_assert(np_cpumap_test(&plan.guests[1].nodes, 1));
    ck_assert(has_reason(&plan.guests[0], "lower node ids"));
    ck_assert(has_reason(&plan.guests[1], "fewer vCPUs already pinned"));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* SMT: prefer takes whole cores; isolate one thread per core; require
 * whole cores no one else shares. */
START_TEST(smt_policies)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng[2] = {{"a", 3, GIB / 4}, {"b", 2, GIB / 4}};
    struct np_plan plan;
    const struct np_plan_guest *a, *b;

    np_snapshot_init(&snap);
    /* 1 socket x 4 cores x 2 threads: cores {0,1} {2,3} {4,5} {6,7} */
    np_test_topo_dense(&snap.topo, 1, 4, 2, 1);
    ck_assert_uint_eq(np_cpumap_weight(&snap.topo.cpus[0].siblings), 2);
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 2;

    req.policy = NP_POLICY_PREFER;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    a = &plan.guests[0];
    b = &plan.guests[1];
    /* a (3 vCPUs, placed first): core 0 whole, then cpu 2 */
    ck_assert(np_cpumap_test(&a->hard[0], 0));
    ck_assert(np_cpumap_test(&a->hard[1], 1));
    ck_assert(np_cpumap_test(&a->hard[2], 2));
    /* b takes a whole free core, not the idle thread 3 */
    ck_assert(np_cpumap_test(&b->hard[0], 4));
    ck_assert(np_cpumap_test(&b->hard[1], 5));
    np_plan_dispose(&plan);

    req.policy = NP_POLICY_ISOLATE;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), -ENOSPC);
    /* 3 + 2 vCPUs need 5 cores; the host has 4 */
    ck_assert(plan.guests[0].placed);
    ck_assert(!plan.guests[1].placed);
    np_plan_dispose(&plan);
    ng[1].nr_vcpus = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert(np_cpumap_test(&plan.guests[0].hard[0], 0));
    ck_assert(np_cpumap_test(&plan.guests[0].hard[1], 2));
    ck_assert(np_cpumap_test(&plan.guests[0].hard[2], 4));
    ck_assert(np_cpumap_test(&plan.guests[1].hard[0], 6));
    np_plan_dispose(&plan);

    req.policy = NP_POLICY_REQUIRE;
    ng[1].nr_vcpus = 2;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    /* a owns cores 0 and 1 (cpu 3 idle), b core 2 */
    ck_assert(np_cpumap_test(&plan.guests[1].hard[0], 4));
    ck_assert(np_cpumap_test(&plan.guests[1].hard[1], 5));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* Overcommit 2 lets two guests share CPUs; 1 does not. */
START_TEST(overcommit)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng[2] = {{"a", 4, GIB / 4}, {"b", 4, GIB / 4}};
    struct np_plan plan;

    np_snapshot_init(&snap);
    np_test_topo_dense(&snap.topo, 1, 4, 1, 1);
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 2;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), -ENOSPC);
    np_plan_dispose(&plan);
    req.overcommit = 2;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert(
        np_cpumap_equal(&plan.guests[0].hard[0], &plan.guests[1].hard[0]));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* Soft pins: hard all, soft the CPU. */
START_TEST(soft_pins)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"s", 2, GIB / 4};
    struct np_plan plan;

    origin_host(&snap);
    np_solve_req_init(&req);
    req.pin = NP_PIN_SOFT;
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    ck_assert_uint_eq(np_cpumap_weight(&plan.guests[0].hard[0]), 8);
    ck_assert_uint_eq(np_cpumap_weight(&plan.guests[0].soft[0]), 1);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* A node without CPUs holds memory for guests on its neighbours; a node
 * without memory holds none. */
START_TEST(memory_only_and_cpu_only)
{
    static const struct shape sh = {"mix", 3, 2, 1, 1, 1, false, false, 0};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"g", 2, 4 * GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;

    /* node 0: CPUs 0-1, no memory; node 1: CPUs 2-3, 11 GiB free; node 2:
     * no CPUs, 10 GiB free */
    np_snapshot_init(&snap);
    build(&snap.topo, &sh);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    g = &plan.guests[0];
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 1);
    ck_assert(np_cpumap_test(&g->nodes, 1));
    np_plan_dispose(&plan);
    /* 4 vCPUs and 14 GiB: CPUs of nodes 0 and 1, memory on 1 and 2 */
    ng.nr_vcpus = 4;
    ng.mem_kib = 14 * GIB;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    g = &plan.guests[0];
    ck_assert_uint_eq(g->mem_per_node_kib[0], 0);
    ck_assert_uint_eq(g->mem_per_node_kib[1] + g->mem_per_node_kib[2],
                      14 * GIB);
    ck_assert(!np_cpumap_test(&g->node_affinity, 0));
    {
        bool said = false;
        unsigned int i;

        for (i = 0; i < plan.nr_reasons; i++)
            said |= !strcmp(plan.reasons[i], "node 0 has no memory: no "
                                             "guest's memory goes there");
        ck_assert(said);
    }
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Properties over many hosts                                          */
/* ------------------------------------------------------------------ */

/* Place a mix of new guests, then re-plan the whole host with them as
 * existing guests, under each policy. */
/* ------------------------------------------------------------------ */
/* The improvement pass                                                */
/* ------------------------------------------------------------------ */

/* Nodes with cpus[n] CPUs (one thread per core) and half_gib[n] / 2 GiB
 * free, 16 between any two. */
static void uneven_host(struct np_snapshot *snap, const unsigned int *cpus,
                        const unsigned int *half_gib, unsigned int nr_nodes)
{
    struct np_topo *t = &snap->topo;
    unsigned int n, m, c, nr = 0, cpu = 0;

    np_snapshot_init(snap);
    for (n = 0; n < nr_nodes; n++)
        nr += cpus[n];
    ck_assert_int_eq(np_topo_alloc(t, nr, nr_nodes), 0);
    for (n = 0; n < nr_nodes; n++) {
        np_topo_add_node(t, (int)n);
        t->nodes[n].mem_free_kib = half_gib[n] * GIB / 2;
        t->nodes[n].mem_total_kib = t->nodes[n].mem_free_kib + GIB;
        t->nodes[n].mem_free_known = true;
        for (m = 0; m < nr_nodes; m++)
            np_topo_set_distance(t, (int)n, (int)m, n == m ? 10 : 16);
        for (c = 0; c < cpus[n]; c++, cpu++) {
            struct np_cpu *p = &t->cpus[cpu];

            np_topo_add_cpu(t, (int)cpu);
            p->socket = (int)n;
            p->die = 0;
            p->core = (int)c;
            p->node = (int)n;
            ck_assert_int_eq(np_cpumap_alloc(&p->siblings, nr), 0);
            np_cpumap_set(&p->siblings, (int)cpu);
        }
    }
    ck_assert_int_eq(np_topo_finish(t, NULL), 0);
}

/*
 * A tight mix (the benchmark's 4-node host, mix 9): 11 vCPUs on 11 CPUs.
 * Largest memory first puts the 3-vCPU and 2-vCPU guests on nodes 1 and
 * 2 and leaves no node with 4 CPUs for the 4-vCPU guest, which is split;
 * the whole plan keeps every guest on one node (4 vCPUs and a 1-vCPU
 * guest on node 2, 2 vCPUs on node 3, 3 on node 1, 1 on node 0).
 */
START_TEST(improve_tight_mix)
{
    static const unsigned int cpus[] = {1, 3, 5, 2};
    static const unsigned int half_gib[] = {6, 15, 12, 9};
    static const struct np_new_guest ng[] = {
        {"a", 1, GIB / 2},     {"b", 4, 5 * GIB / 2}, {"c", 1, 5 * GIB / 2},
        {"d", 2, 7 * GIB / 2}, {"e", 3, 4 * GIB},
    };
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int i, split = 0;
    bool said = false;

    uneven_host(&snap, cpus, half_gib, 4);
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 5;
    /* the greedy plan alone splits a guest */
    req.greedy_only = true;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    for (i = 0; i < plan.nr_guests; i++)
        split += np_cpumap_weight(&plan.guests[i].nodes) > 1;
    ck_assert_uint_ge(split, 1);
    np_plan_dispose(&plan);
    /* the whole plan keeps every guest on one node, all memory local */
    req.greedy_only = false;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    for (i = 0; i < plan.nr_guests; i++) {
        ck_assert_msg(np_cpumap_weight(&plan.guests[i].nodes) == 1,
                      "%s is on more than one node", plan.guests[i].name);
        ck_assert_uint_eq(plan.guests[i].score, 1000);
        ck_assert_ptr_null(plan.guests[i].advice);
    }
    ck_assert_uint_eq(plan.score, 1000);
    for (i = 0; i < plan.nr_reasons; i++)
        said |= strstr(plan.reasons[i], "better than the largest memory "
                                        "first") != NULL ||
                strstr(plan.reasons[i], "the improvement pass made") != NULL;
    ck_assert_msg(said, "the plan does not say how it got there");
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/*
 * 8 vCPUs on 2 nodes of 4 CPUs and 4 GiB: 'big' (3 vCPUs, 3 GiB), 'mid'
 * (3 vCPUs, 1 GiB), 'small' (2 vCPUs, 2 GiB).  One guest must span both
 * nodes.  Largest memory first splits 'small'; splitting 'mid' puts less
 * memory away from its vCPUs, and that is the plan.  Under every policy
 * and overcommit the plan keeps the rules (solve_checked); with
 * overcommit 2 nobody is split.
 */
START_TEST(improve_keeps_rules)
{
    static const unsigned int cpus[] = {4, 4};
    static const unsigned int half_gib[] = {8, 8};
    static const struct np_new_guest ng[] = {
        {"big", 3, 3 * GIB},
        {"mid", 3, GIB},
        {"small", 2, 2 * GIB},
    };
    static const enum np_policy pols[] = {NP_POLICY_PREFER, NP_POLICY_ISOLATE,
                                          NP_POLICY_REQUIRE};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int p, oc, i;

    uneven_host(&snap, cpus, half_gib, 2);
    for (p = 0; p < 3; p++) {
        for (oc = 1; oc <= 2; oc++) {
            np_solve_req_init(&req);
            req.policy = pols[p];
            req.overcommit = oc;
            req.new_guests = ng;
            req.nr_new = 3;
            solve_checked(&snap, &req, &plan);
            if (p == 0 && oc == 1) {
                ck_assert(plan.guests[0].placed && plan.guests[1].placed &&
                          plan.guests[2].placed);
                ck_assert_uint_eq(np_cpumap_weight(&plan.guests[0].nodes), 1);
                ck_assert_uint_eq(np_cpumap_weight(&plan.guests[1].nodes), 2);
                ck_assert_uint_eq(np_cpumap_weight(&plan.guests[2].nodes), 1);
            }
            if (p == 0 && oc == 2)
                for (i = 0; i < 3; i++)
                    ck_assert_uint_eq(np_cpumap_weight(&plan.guests[i].nodes),
                                      1);
            np_plan_dispose(&plan);
        }
    }
    np_snapshot_dispose(&snap);
}
END_TEST

static void mix_on(const struct np_topo *topo, const struct np_cpumap *rsv,
                   unsigned int seed, bool quiet)
{
    static const enum np_policy pols[] = {NP_POLICY_PREFER, NP_POLICY_ISOLATE,
                                          NP_POLICY_REQUIRE};
    unsigned int nr_cpus = np_topo_nr_online_cpus(topo);
    unsigned int nr = 1 + nr_cpus / 3, i, p, state = seed, v;
    struct np_new_guest *ng = calloc(nr, sizeof(*ng));
    char(*names)[16] = calloc(nr, sizeof(*names));
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;

    ck_assert(ng && names);
    for (i = 0; i < nr; i++) {
        snprintf(names[i], sizeof(names[i]), "g%u", i);
        ng[i].name = names[i];
        ng[i].nr_vcpus = 1 + lcg(&state) % 4;
        ng[i].mem_kib = (1 + lcg(&state) % 8) * GIB / 4;
    }
    np_snapshot_init(&snap);
    ck_assert_int_eq(np_topo_copy(&snap.topo, topo), 0);
    for (p = 0; p < 3; p++) {
        np_solve_req_init(&req);
        req.policy = pols[p];
        req.reserved = rsv;
        req.explain = !quiet;
        req.new_guests = ng;
        req.nr_new = nr;
        if (quiet) {
            np_solve(&snap, &req, &plan, NULL);
        } else {
            solve_checked(&snap, &req, &plan);
        }
        /* the placed ones become guests of the host, then --all */
        if (p == 0) {
            struct np_snapshot host;

            np_snapshot_init(&host);
            ck_assert_int_eq(np_topo_copy(&host.topo, topo), 0);
            host.has_guests = true;
            for (i = 0; i < plan.nr_guests; i++) {
                const struct np_plan_guest *pg = &plan.guests[i];
                struct np_guest *g;

                if (!pg->placed)
                    continue;
                ck_assert_int_eq(np_snapshot_add_guest(&host, (int)i + 1,
                                                       pg->name, pg->nr_vcpus,
                                                       false, &g),
                                 0);
                g->mem_kib = pg->mem_kib;
                /* half of them float, half keep their pins */
                for (v = 0; v < g->nr_vcpus; v++) {
                    if (i % 2)
                        np_topo_all_cpus(&host.topo, &g->vcpus[v].hard);
                    else
                        np_cpumap_copy(&g->vcpus[v].hard, &pg->hard[v]);
                }
                g->mem_per_node_kib =
                    calloc(host.topo.nr_node_ids, sizeof(uint64_t));
                ck_assert_ptr_nonnull(g->mem_per_node_kib);
                memcpy(g->mem_per_node_kib, pg->mem_per_node_kib,
                       host.topo.nr_node_ids * sizeof(uint64_t));
            }
            /* the free memory already counts what they use */
            for (i = 0; i < host.topo.nr_node_ids; i++) {
                unsigned int k;

                for (k = 0; k < host.nr_guests; k++) {
                    uint64_t m = host.guests[k].mem_per_node_kib[i];
                    struct np_node *nd = &host.topo.nodes[i];

                    nd->mem_free_kib =
                        nd->mem_free_kib > m ? nd->mem_free_kib - m : 0;
                }
            }
            np_plan_dispose(&plan);
            np_solve_req_init(&req);
            req.reserved = rsv;
            req.all = true;
            solve_checked(&host, &req, &plan);
            np_plan_dispose(&plan);
            /* re-place only the floating ones around the pinned ones */
            {
                int *ids = calloc(host.nr_guests + 1, sizeof(*ids));
                unsigned int nr_ids = 0;

                ck_assert_ptr_nonnull(ids);
                for (i = 0; i < host.nr_guests; i++)
                    if ((unsigned int)(host.guests[i].id - 1) % 2)
                        ids[nr_ids++] = host.guests[i].id;
                np_solve_req_init(&req);
                req.reserved = rsv;
                req.ids = ids;
                req.nr_ids = nr_ids;
                if (nr_ids)
                    solve_checked(&host, &req, &plan);
                else
                    np_plan_init(&plan);
                free(ids);
            }
            np_snapshot_dispose(&host);
        }
        np_plan_dispose(&plan);
    }
    np_snapshot_dispose(&snap);
    free(ng);
    free(names);
}

START_TEST(properties_generated)
{
    const struct shape *sh = &shapes[_i];
    struct np_topo topo;
    struct np_cpumap rsv;
    unsigned int seed;

    build(&topo, sh);
    np_cpumap_init(&rsv);
    ck_assert_int_eq(np_cpumap_alloc(&rsv, topo.nr_cpu_ids), 0);
    if (sh->reserved)
        np_cpumap_set_range(&rsv, 0, (int)sh->reserved - 1);
    for (seed = 1; seed <= (sh->nodes >= 64 ? 1 : 3); seed++)
        mix_on(&topo, &rsv, seed, false);
    np_cpumap_dispose(&rsv);
    np_topo_dispose(&topo);
}
END_TEST

#ifdef CONFIG_KVM
/* Every captured sysfs tree: place guests until the host is full. */
START_TEST(properties_fixtures)
{
    DIR *d = opendir(SYSFS);
    struct dirent *e;
    unsigned int nr = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        char root[512];
        struct np_topo topo;
        struct np_err err = {""};

        if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md"))
            continue;
        snprintf(root, sizeof(root), "%s/%s", SYSFS, e->d_name);
        np_topo_init(&topo);
        ck_assert_msg(np_linux_read_host(root, &topo, &err) == 0, "%s: %s",
                      e->d_name, err.msg);
        mix_on(&topo, NULL, 7, false);
        np_topo_dispose(&topo);
        nr++;
    }
    closedir(d);
    ck_assert_uint_ge(nr, 8);
}
END_TEST
#endif

/* 1,000 guests on 64 nodes and 1,024 CPUs: every one placed, no
 * overlap (no timing here: tests/bench measures). */
START_TEST(scale_64_nodes)
{
    static const struct shape big = {"big", 64, 8, 2, 0, 0, false, false, 0};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest *ng = calloc(1000, sizeof(*ng));
    struct np_plan plan;
    unsigned int i, placed = 0, one_node = 0;

    ck_assert_ptr_nonnull(ng);
    np_snapshot_init(&snap);
    build(&snap.topo, &big);
    ck_assert_uint_eq(np_topo_nr_cpus(&snap.topo), 1024);
    for (i = 0; i < 1000; i++) {
        ng[i].name = "g";
        ng[i].nr_vcpus = 1;
        ng[i].mem_kib = GIB / 2;
    }
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 1000;
    ck_assert_int_eq(solve_checked(&snap, &req, &plan), 0);
    for (i = 0; i < plan.nr_guests; i++) {
        placed += plan.guests[i].placed;
        one_node += np_cpumap_weight(&plan.guests[i].nodes) == 1;
    }
    ck_assert_uint_eq(placed, 1000);
    ck_assert_uint_eq(one_node, 1000);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    free(ng);
}
END_TEST

Suite *suite_test_solver(void);
Suite *suite_test_solver(void)
{
    Suite *s = suite_create("solver");
    TCase *tc = tcase_create("solver");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, origin_4vcpu_3g);
    tcase_add_test(tc, origin_8vcpu_advice);
    tcase_add_test(tc, origin_with_guests);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, distance_rule);
    tcase_add_test(tc, load_rule);
    tcase_add_test(tc, smt_policies);
    tcase_add_test(tc, overcommit);
    tcase_add_test(tc, soft_pins);
    tcase_add_test(tc, memory_only_and_cpu_only);
    tcase_add_test(tc, improve_tight_mix);
    tcase_add_test(tc, improve_keeps_rules);
    tcase_add_loop_test(tc, properties_generated, 0, (int)NR_SHAPES);
#ifdef CONFIG_KVM
    tcase_add_test(tc, properties_fixtures);
#endif
    tcase_add_test(tc, scale_64_nodes);
    suite_add_tcase(s, tc);
    return s;
}
