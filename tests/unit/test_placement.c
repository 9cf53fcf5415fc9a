/*
 * test_placement.c: the solver's objective (docs/placement.md), case by
 * case: partial plans, whole-host plans that keep well-placed guests
 * (churn), the split of vCPUs and memory inside a node set, the SMT tie,
 * the order that places the most guests, and advice that applies.
 * test_solver.c holds the write-up's cases and the properties every plan
 * has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_json.h"
#include "np_test.h"
#include "plan.h"
#include "solver.h"

#define ORIGIN NP_SRCDIR "/examples/origin-2010.json"
#define GIB (1024ull * 1024)

/* A host: node n has cores[n] cores of `threads` threads and free[n] GiB
 * free (0: no memory); distances from dist[] (nodes x nodes; NULL: 10 / 20). */
static void host(struct np_snapshot *snap, unsigned int nodes,
                 const unsigned int *cores, unsigned int threads,
                 const unsigned int *free_gib, const unsigned int *dist)
{
    struct np_topo *t = &snap->topo;
    unsigned int n, m, c, k, nr = 0, cpu = 0;

    np_snapshot_init(snap);
    for (n = 0; n < nodes; n++)
        nr += cores[n] * threads;
    ck_assert_int_eq(np_topo_alloc(t, nr, nodes), 0);
    for (n = 0; n < nodes; n++) {
        np_topo_add_node(t, (int)n);
        t->nodes[n].mem_total_kib = free_gib[n] * GIB;
        t->nodes[n].mem_free_kib = free_gib[n] * GIB;
        t->nodes[n].mem_free_known = true;
        for (m = 0; m < nodes; m++)
            np_topo_set_distance(t, (int)n, (int)m,
                                 dist     ? dist[n * nodes + m]
                                 : n == m ? 10
                                          : 20);
        for (c = 0; c < cores[n]; c++) {
            unsigned int first = cpu;

            for (k = 0; k < threads; k++, cpu++) {
                struct np_cpu *p = &t->cpus[cpu];

                np_topo_add_cpu(t, (int)cpu);
                p->socket = (int)n;
                p->die = 0;
                p->core = (int)c;
                p->node = (int)n;
                ck_assert_int_eq(np_cpumap_alloc(&p->siblings, nr), 0);
                np_cpumap_set_range(&p->siblings, (int)first,
                                    (int)(first + threads - 1));
            }
        }
    }
    ck_assert_int_eq(np_topo_finish(t, NULL), 0);
    snap->has_guests = true;
    snap->backend = "test";
}

/*
 * A guest of nr vCPUs: vCPU v pinned to cpus[v] (cpus NULL: floating),
 * mem_gib[n] GiB on node n (NULL: where unknown).  Takes its memory from
 * the nodes' free memory, as a running guest does.
 */
static struct np_guest *guest(struct np_snapshot *snap, int id,
                              const char *name, unsigned int nr,
                              const int *cpus, const double *mem_gib)
{
    struct np_topo *t = &snap->topo;
    struct np_guest *g;
    unsigned int v, n;

    ck_assert_int_eq(np_snapshot_add_guest(snap, id, name, nr, false, &g), 0);
    for (v = 0; v < nr; v++) {
        if (!g->vcpus[v].hard.nr_bits)
            ck_assert_int_eq(np_cpumap_alloc(&g->vcpus[v].hard, t->nr_cpu_ids),
                             0);
        np_cpumap_zero(&g->vcpus[v].hard);
        if (cpus)
            np_cpumap_set(&g->vcpus[v].hard, cpus[v]);
        else
            np_cpumap_set_range(&g->vcpus[v].hard, 0, (int)t->nr_cpu_ids - 1);
    }
    g->mem_kib = 0;
    if (mem_gib) {
        g->mem_per_node_kib = calloc(t->nr_node_ids, sizeof(uint64_t));
        ck_assert_ptr_nonnull(g->mem_per_node_kib);
        for (n = 0; n < t->nr_node_ids; n++) {
            uint64_t kib = (uint64_t)(mem_gib[n] * (double)GIB);

            g->mem_per_node_kib[n] = kib;
            g->mem_kib += kib;
            t->nodes[n].mem_free_kib -= kib;
        }
    }
    return g;
}

static const struct np_plan_guest *find(const struct np_plan *plan,
                                        const char *name)
{
    unsigned int i;

    for (i = 0; i < plan->nr_guests; i++)
        if (!strcmp(plan->guests[i].name, name))
            return &plan->guests[i];
    ck_abort_msg("no guest '%s' in the plan", name);
    return NULL;
}

static bool has_text(char *const *v, unsigned int nr, const char *sub)
{
    unsigned int i;

    for (i = 0; i < nr; i++)
        if (strstr(v[i], sub))
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Partial plans                                                       */
/* ------------------------------------------------------------------ */

/* One guest fits nowhere: the others are still placed, the plan says why
 * that one is not, and the error names it. */
START_TEST(partial_plan)
{
    static const unsigned int cores[] = {4, 4}, mem[] = {4, 4};
    static const double one[] = {0.5, 0.5};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    struct np_err err = {""};
    const struct np_plan_guest *g;
    unsigned int i, placed = 0;

    host(&snap, 2, cores, 1, mem, NULL);
    guest(&snap, 1, "a", 4, NULL, one);
    guest(&snap, 2, "huge", 10, NULL, one);
    guest(&snap, 3, "b", 2, NULL, one);
    guest(&snap, 4, "c", 2, NULL, one);
    np_solve_req_init(&req);
    req.all = true;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, &err), -ENOSPC);
    ck_assert_msg(strstr(err.msg, "guest 'huge' does not fit: it needs 10 "
                                  "vCPUs, 8 CPUs are usable"),
                  "%s", err.msg);
    ck_assert_uint_eq(plan.nr_guests, 4);
    g = find(&plan, "huge");
    ck_assert(!g->placed);
    ck_assert(has_text(g->reasons, g->nr_reasons,
                       "not placed: it needs 10 vCPUs, 8 CPUs are usable"));
    for (i = 0; i < plan.nr_guests; i++)
        placed += plan.guests[i].placed;
    ck_assert_uint_eq(placed, 3);
    /* ... and it round-trips through JSON with the guest left out */
    {
        struct np_plan back;
        char *json = NULL;

        ck_assert_int_eq(np_plan_write_json(&plan, &json, NULL), 0);
        np_plan_init(&back);
        ck_assert_int_eq(
            np_plan_read_json(json, strlen(json), "p", &back, NULL), 0);
        ck_assert(!find(&back, "huge")->placed);
        ck_assert(find(&back, "a")->placed);
        free(json);
        np_plan_dispose(&back);
    }
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Advice                                                              */
/* ------------------------------------------------------------------ */

/* A whole-host plan never advises `numapin plan --all`, the command that
 * was just run; placing a new guest around pinned ones does. */
START_TEST(advice_never_the_command_just_run)
{
    static const unsigned int cores[] = {4, 4}, mem[] = {4, 4};
    static const int a_cpus[] = {0, 1, 2}, b_cpus[] = {4, 5, 6};
    static const double a_mem[] = {1, 0}, b_mem[] = {0, 1};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"new", 2, GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;

    host(&snap, 2, cores, 1, mem, NULL);
    guest(&snap, 1, "a", 3, a_cpus, a_mem);
    guest(&snap, 2, "b", 3, b_cpus, b_mem);
    guest(&snap, 3, "c", 2, NULL, NULL)->mem_kib = GIB;
    np_solve_req_init(&req);
    req.all = true;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    /* 3 + 3 + 2 vCPUs on two nodes of 4 CPUs: one of them spans both */
    g = find(&plan, "c");
    if (np_cpumap_weight(&g->nodes) == 1)
        g = find(&plan, "a");
    if (np_cpumap_weight(&g->nodes) == 1)
        g = find(&plan, "b");
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 2);
    ck_assert_msg(!g->advice || !strstr(g->advice, "plan --all"), "%s",
                  g->advice);
    ck_assert_msg(g->advice && strstr(g->advice, "2 virtual NUMA nodes"), "%s",
                  g->advice ? g->advice : "(none)");
    np_plan_dispose(&plan);
    /* a new guest next to a and b: re-planning the host may make room */
    np_snapshot_clear_guests(&snap);
    snap.topo.nodes[0].mem_free_kib = 3 * GIB;
    snap.topo.nodes[1].mem_free_kib = 3 * GIB;
    guest(&snap, 1, "a", 3, a_cpus, NULL);
    guest(&snap, 2, "b", 3, b_cpus, NULL);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    g = &plan.guests[0];
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 2);
    ck_assert_msg(g->advice && strstr(g->advice, "numapin plan --all"), "%s",
                  g->advice ? g->advice : "(none)");
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* Under isolate a node takes one vCPU per core: a guest with more vCPUs
 * than any node has cores can never be on one node, and is not told that
 * no node has room "now". */
START_TEST(advice_isolate_never_fits_one_node)
{
    static const unsigned int cores[] = {4, 4}, mem[] = {8, 8};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"wide", 6, GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;

    host(&snap, 2, cores, 2, mem, NULL);
    np_solve_req_init(&req);
    req.policy = NP_POLICY_ISOLATE;
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    g = &plan.guests[0];
    ck_assert(g->placed);
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 2);
    ck_assert_ptr_nonnull(g->advice);
    ck_assert_msg(!strstr(g->advice, "now") && !strstr(g->advice, "plan --all"),
                  "%s", g->advice);
    ck_assert_msg(strstr(g->advice, "under policy isolate the largest node "
                                    "takes 4 (one per core)"),
                  "%s", g->advice);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* vCPUs on a CPU-only node, memory on a memory-only one: virtual NUMA
 * nodes would not help (no node holds both), and nothing else does. */
START_TEST(advice_cpu_only_memory_only_pair)
{
    static const unsigned int cores[] = {4, 0}, mem[] = {0, 8};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"pair", 2, GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;

    host(&snap, 2, cores, 1, mem, NULL);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    g = &plan.guests[0];
    ck_assert(g->placed);
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 2);
    ck_assert_msg(!g->advice, "%s", g->advice);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The objective                                                       */
/* ------------------------------------------------------------------ */

/* When not every guest fits, the plan places as many as can be: the
 * largest first would place the 6-vCPU guest and then only one more. */
START_TEST(most_guests_placed)
{
    static const unsigned int cores[] = {4, 4}, mem[] = {4, 4};
    static const double half[] = {0.25, 0.25};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int i, placed = 0;

    host(&snap, 2, cores, 1, mem, NULL);
    guest(&snap, 1, "big", 6, NULL, half);
    guest(&snap, 2, "a", 4, NULL, half);
    guest(&snap, 3, "b", 2, NULL, half);
    guest(&snap, 4, "c", 2, NULL, half);
    np_solve_req_init(&req);
    req.all = true;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), -ENOSPC);
    for (i = 0; i < plan.nr_guests; i++)
        placed += plan.guests[i].placed;
    ck_assert_uint_eq(placed, 3);
    ck_assert(!find(&plan, "big")->placed);
    for (i = 0; i < plan.nr_guests; i++)
        if (plan.guests[i].placed)
            ck_assert_uint_eq(np_cpumap_weight(&plan.guests[i].nodes), 1);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* The ring: one 4-vCPU / 30 GiB guest, 10 GiB free on each of 4
 * nodes at 10/16/22.  Its memory needs three nodes; its vCPUs go to the
 * node in the middle of them: 14.00, where vCPUs on an end node give
 * (10 x 10 + 10 x 16 + 10 x 22) / 30 = 16.00. */
START_TEST(split_inside_a_set)
{
    static const unsigned int cores[] = {4, 4, 4, 4}, mem[] = {10, 10, 10, 10};
    static const unsigned int ring[] = {10, 16, 22, 16, 16, 10, 16, 22,
                                        22, 16, 10, 16, 16, 22, 16, 10};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"wide", 4, 30 * GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;
    unsigned int v;
    int hub = -1, n;

    host(&snap, 4, cores, 1, mem, ring);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    g = &plan.guests[0];
    ck_assert(g->placed);
    ck_assert_uint_eq(g->score, 1400);
    /* every vCPU on one node, the two nodes next to it hold the rest */
    for (v = 0; v < 4; v++) {
        int node = snap.topo.cpus[np_cpumap_next(&g->hard[v], -1)].node;

        ck_assert(hub < 0 || hub == node);
        hub = node;
    }
    ck_assert_uint_eq(g->mem_per_node_kib[hub], 10 * GIB);
    for (n = 0; n < 4; n++)
        if (ring[hub * 4 + n] == 22)
            ck_assert_uint_eq(g->mem_per_node_kib[n], 0);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* SMT: node 0 has four free threads, each beside another guest's vCPU;
 * node 1 has two whole free cores.  A 4-vCPU guest takes the whole cores,
 * though node 0 has the lower id and the same load. */
START_TEST(smt_whole_cores_first)
{
    static const unsigned int cores[] = {4, 4}, mem[] = {8, 8};
    static const int other0[] = {0, 2, 4, 6}, other1[] = {8, 9, 10, 11};
    static const double m0[] = {1, 0}, m1[] = {0, 1};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_new_guest ng = {"new", 4, GIB};
    struct np_plan plan;
    const struct np_plan_guest *g;
    unsigned int v;

    host(&snap, 2, cores, 2, mem, NULL);
    guest(&snap, 1, "one-thread-each", 4, other0, m0);
    guest(&snap, 2, "two-cores", 4, other1, m1);
    np_solve_req_init(&req);
    req.new_guests = &ng;
    req.nr_new = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    g = &plan.guests[0];
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 1);
    ck_assert(np_cpumap_test(&g->nodes, 1));
    for (v = 0; v < 4; v++)
        ck_assert(np_cpumap_test(&g->hard[v], 12 + (int)v));
    ck_assert(has_text(g->reasons, g->nr_reasons, "whole free cores"));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Churn                                                               */
/* ------------------------------------------------------------------ */

/* A host filled by numapin one guest at a time: each guest as `place`
 * put it, pinned, its memory taken from its node. */
static void prefilled(struct np_snapshot *snap, unsigned int nr)
{
    static const unsigned int cores[] = {4, 4, 4, 4}, mem[] = {16, 16, 16, 16};
    unsigned int i, v;
    int n;

    host(snap, 4, cores, 2, mem, NULL);
    for (i = 0; i < nr; i++) {
        struct np_new_guest ng = {"g", 1 + i % 4, (1 + i % 3) * GIB};
        struct np_solve_req req;
        struct np_plan plan;
        struct np_guest *g;
        char name[16];

        np_solve_req_init(&req);
        req.explain = false;
        req.new_guests = &ng;
        req.nr_new = 1;
        ck_assert_int_eq(np_solve(snap, &req, &plan, NULL), 0);
        snprintf(name, sizeof(name), "g%u", i);
        ck_assert_int_eq(np_snapshot_add_guest(snap, (int)i + 1, name,
                                               ng.nr_vcpus, false, &g),
                         0);
        g->mem_kib = ng.mem_kib;
        g->mem_per_node_kib = calloc(snap->topo.nr_node_ids, sizeof(uint64_t));
        for (v = 0; v < ng.nr_vcpus; v++)
            np_cpumap_copy(&g->vcpus[v].hard, &plan.guests[0].hard[v]);
        for (n = 0; n < (int)snap->topo.nr_node_ids; n++) {
            g->mem_per_node_kib[n] = plan.guests[0].mem_per_node_kib[n];
            snap->topo.nodes[n].mem_free_kib -= g->mem_per_node_kib[n];
        }
        np_plan_dispose(&plan);
    }
}

/* A well-placed host plans to zero moves; one guest whose pins overlap
 * another's moves, and only it, saying why and what it costs. */
START_TEST(churn_well_placed_host)
{
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int i, v;

    prefilled(&snap, 9);
    np_solve_req_init(&req);
    req.all = true;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    ck_assert_uint_eq(plan.nr_guests, 9);
    for (i = 0; i < plan.nr_guests; i++) {
        const struct np_plan_guest *pg = &plan.guests[i];

        ck_assert_msg(
            has_text(pg->reasons, pg->nr_reasons, "stays where it is"),
            "%s moved: %s", pg->name,
            pg->nr_reasons ? pg->reasons[pg->nr_reasons - 1] : "");
        for (v = 0; v < pg->nr_vcpus; v++)
            ck_assert(
                np_cpumap_equal(&pg->hard[v], &snap.guests[i].vcpus[v].hard));
    }
    ck_assert(has_text(plan.reasons, plan.nr_reasons, "moves nothing"));
    np_plan_dispose(&plan);
    /* g5 pinned onto g0's CPU: it moves, the others stay */
    np_cpumap_zero(&snap.guests[5].vcpus[0].hard);
    np_cpumap_set(&snap.guests[5].vcpus[0].hard,
                  np_cpumap_next(&snap.guests[0].vcpus[0].hard, -1));
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    for (i = 0; i < plan.nr_guests; i++) {
        const struct np_plan_guest *pg = &plan.guests[i];

        if (i == 5)
            ck_assert_msg(has_text(pg->reasons, pg->nr_reasons,
                                   "because its vCPUs and memory are not all "
                                   "on one node") ||
                              has_text(pg->reasons, pg->nr_reasons,
                                       "because its pins overlap another "
                                       "guest's"),
                          "g5 did not say why it moves");
        else
            ck_assert_msg(
                has_text(pg->reasons, pg->nr_reasons, "stays where it is"),
                "%s moved", pg->name);
    }
    ck_assert(has_text(plan.reasons, plan.nr_reasons,
                       "moves 1 of the 9 guests already there"));
    np_plan_dispose(&plan);
    /* --rebalance may move any guest, within --max-move */
    req.rebalance = true;
    req.max_move_kib = 1;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    if (has_text(plan.reasons, plan.nr_reasons, "more than --max-move"))
        ck_assert(has_text(plan.reasons, plan.nr_reasons,
                           "moves 1 of the 9 guests already there"));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* Two guests trade nodes so that a guest no node can hold gathers its
 * vCPUs where its memory is (the benchmark's "4n-smt small #12"): a 4-node
 * ring (10/16/22) of two 2-thread cores and 6 GiB per node, five guests;
 * four fit whole and the fifth (4 vCPUs, 1 GiB) spans three nodes.  With
 * its vCPUs one, two and one on three neighbouring nodes, all its memory
 * goes on the middle one: score 13.00, where the order it was placed in
 * left it 1, 1 and 2 vCPUs and 14.50. */
START_TEST(swap_gathers_a_split_guest)
{
    static const unsigned int cores[] = {2, 2, 2, 2}, mem[] = {6, 6, 6, 6};
    static const unsigned int ring[] = {10, 16, 22, 16, 16, 10, 16, 22,
                                        22, 16, 10, 16, 16, 22, 16, 10};
    struct np_new_guest ng[] = {{"a", 4, 5 * GIB},
                                {"b", 3, 5 * GIB / 2},
                                {"c", 2, 2 * GIB},
                                {"d", 3, 4 * GIB},
                                {"wide", 4, GIB}};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    const struct np_plan_guest *g;
    unsigned int i, whole = 0, held = 0;
    int n;

    host(&snap, 4, cores, 2, mem, ring);
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 5;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), 0);
    for (i = 0; i < plan.nr_guests; i++) {
        ck_assert(plan.guests[i].placed);
        whole += np_cpumap_weight(&plan.guests[i].nodes) == 1;
    }
    ck_assert_uint_eq(whole, 4);
    g = find(&plan, "wide");
    ck_assert_uint_eq(np_cpumap_weight(&g->nodes), 3);
    for (n = 0; n < 4; n++)
        held += g->mem_per_node_kib[n] != 0;
    ck_assert_uint_eq(held, 1);
    ck_assert_uint_eq(g->score, 1300);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* Best fit as a plain best fit does it (the fullest node first, before
 * sparing SMT siblings), then the rest: 3 nodes (all 16 apart) of two
 * 2-thread cores and 6 GiB, seven guests, 15 vCPUs for 12 CPUs.  Six fit,
 * five whole; the split one (4 vCPUs, 0.5 GiB) has two vCPUs on the node
 * of its memory and two on another: score 13.00.  Sparing the SMT
 * siblings first leaves it 1 of 4 vCPUs beside its memory. */
START_TEST(best_fit_before_siblings)
{
    static const unsigned int cores[] = {2, 2, 2}, mem[] = {6, 6, 6};
    static const unsigned int d[] = {10, 16, 16, 16, 10, 16, 16, 16, 10};
    struct np_new_guest ng[] = {{"a", 1, 2 * GIB},     {"b", 4, 2 * GIB},
                                {"c", 1, 5 * GIB / 2}, {"d", 1, 5 * GIB / 2},
                                {"e", 1, 4 * GIB},     {"f", 3, 5 * GIB},
                                {"wide", 4, GIB / 2}};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int i, placed = 0, whole = 0;
    const struct np_plan_guest *g;

    host(&snap, 3, cores, 2, mem, d);
    np_solve_req_init(&req);
    req.new_guests = ng;
    req.nr_new = 7;
    ck_assert_int_eq(np_solve(&snap, &req, &plan, NULL), -ENOSPC);
    for (i = 0; i < plan.nr_guests; i++) {
        placed += plan.guests[i].placed;
        whole += plan.guests[i].placed &&
                 np_cpumap_weight(&plan.guests[i].nodes) == 1;
    }
    ck_assert_uint_eq(placed, 6);
    ck_assert_uint_eq(whole, 5);
    g = find(&plan, "wide");
    ck_assert(g->placed);
    ck_assert_uint_eq(g->score, 1300);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

Suite *suite_test_placement(void);
Suite *suite_test_placement(void)
{
    Suite *s = suite_create("placement");
    TCase *tc = tcase_create("placement");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, partial_plan);
    tcase_add_test(tc, most_guests_placed);
    tcase_add_test(tc, split_inside_a_set);
    tcase_add_test(tc, smt_whole_cores_first);
    tcase_add_test(tc, swap_gathers_a_split_guest);
    tcase_add_test(tc, best_fit_before_siblings);
    tcase_add_test(tc, churn_well_placed_host);
    tcase_add_test(tc, advice_never_the_command_just_run);
    tcase_add_test(tc, advice_isolate_never_fits_one_node);
    tcase_add_test(tc, advice_cpu_only_memory_only_pair);
    suite_add_tcase(s, tc);
    return s;
}
