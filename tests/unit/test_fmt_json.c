/*
 * test_fmt_json.c: the JSON snapshot reader and writer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt_json.h"
#include "np_test.h"
#include "snapshot.h"

#define FIXTURES NP_SRCDIR "/tests/fixtures/json/"

/* ------------------------------------------------------------------ */
/* Model equality                                                      */
/* ------------------------------------------------------------------ */

static void assert_map_eq(const struct np_cpumap *a, const struct np_cpumap *b,
                          const char *what)
{
    ck_assert_msg(np_cpumap_equal(a, b), "%s differs", what);
}

static void assert_topo_eq(const struct np_topo *a, const struct np_topo *b)
{
    unsigned int i, j;

    ck_assert_uint_eq(a->nr_cpu_ids, b->nr_cpu_ids);
    ck_assert_uint_eq(a->nr_node_ids, b->nr_node_ids);
    ck_assert_uint_eq(a->cpu_mhz, b->cpu_mhz);
    ck_assert_uint_eq(a->mem_total_kib, b->mem_total_kib);
    ck_assert(!a->cpu_model == !b->cpu_model);
    if (a->cpu_model)
        ck_assert_str_eq(a->cpu_model, b->cpu_model);
    for (i = 0; i < a->nr_cpu_ids; i++) {
        const struct np_cpu *x = &a->cpus[i], *y = &b->cpus[i];

        ck_assert_msg(x->present == y->present, "cpu %u present", i);
        if (!x->present)
            continue;
        ck_assert_msg(x->online == y->online, "cpu %u online", i);
        ck_assert_int_eq(x->socket, y->socket);
        ck_assert_int_eq(x->die, y->die);
        ck_assert_int_eq(x->core, y->core);
        ck_assert_int_eq(x->node, y->node);
        assert_map_eq(&x->siblings, &y->siblings, "siblings");
    }
    for (i = 0; i < a->nr_node_ids; i++) {
        const struct np_node *x = &a->nodes[i], *y = &b->nodes[i];

        ck_assert_msg(x->present == y->present, "node %u present", i);
        if (!x->present)
            continue;
        ck_assert_uint_eq(x->mem_total_kib, y->mem_total_kib);
        ck_assert(x->mem_free_known == y->mem_free_known);
        if (x->mem_free_known)
            ck_assert_uint_eq(x->mem_free_kib, y->mem_free_kib);
        assert_map_eq(&x->cpus, &y->cpus, "node cpus");
        for (j = 0; j < a->nr_node_ids; j++)
            ck_assert_uint_eq(np_topo_distance(a, (int)i, (int)j),
                              np_topo_distance(b, (int)i, (int)j));
    }
}

static void assert_snap_eq(const struct np_snapshot *a,
                           const struct np_snapshot *b)
{
    unsigned int i, j;

    assert_topo_eq(&a->topo, &b->topo);
    ck_assert(a->has_guests == b->has_guests);
    ck_assert_uint_eq(a->nr_guests, b->nr_guests);
    for (i = 0; i < a->nr_guests; i++) {
        const struct np_guest *g = &a->guests[i], *h = &b->guests[i];

        ck_assert_int_eq(g->id, h->id);
        ck_assert_str_eq(g->name, h->name);
        ck_assert_uint_eq(g->mem_kib, h->mem_kib);
        ck_assert_uint_eq(g->nr_vcpus, h->nr_vcpus);
        ck_assert(!g->node_affinity.nr_bits == !h->node_affinity.nr_bits);
        assert_map_eq(&g->node_affinity, &h->node_affinity, "node affinity");
        ck_assert(!g->mem_per_node_kib == !h->mem_per_node_kib);
        for (j = 0; g->mem_per_node_kib && j < a->topo.nr_node_ids; j++)
            ck_assert_uint_eq(g->mem_per_node_kib[j], h->mem_per_node_kib[j]);
        for (j = 0; j < g->nr_vcpus; j++) {
            const struct np_vcpu *v = &g->vcpus[j], *w = &h->vcpus[j];

            ck_assert_int_eq(v->id, w->id);
            ck_assert(v->online == w->online);
            ck_assert(v->running == w->running);
            ck_assert(v->blocked == w->blocked);
            ck_assert_int_eq(v->cpu, w->cpu);
            ck_assert_uint_eq(v->time_ns, w->time_ns);
            ck_assert_int_eq(v->tid, w->tid);
            assert_map_eq(&v->hard, &w->hard, "hard");
            ck_assert(!v->soft.nr_bits == !w->soft.nr_bits);
            assert_map_eq(&v->soft, &w->soft, "soft");
        }
    }
}

/* write -> read -> model equal -> write -> same text. */
static void assert_round_trip(const struct np_snapshot *snap)
{
    struct np_snapshot back;
    struct np_err err = {""};
    char *one = NULL, *two = NULL;

    np_snapshot_init(&back);
    ck_assert_int_eq(np_json_write_snapshot(snap, &one, &err), 0);
    ck_assert_msg(
        np_json_read_snapshot(one, strlen(one), "rt.json", &back, &err) == 0,
        "%s\n%s", err.msg, one);
    ck_assert_str_eq(back.backend, "file");
    ck_assert_str_eq(back.topo.source, "rt.json");
    assert_snap_eq(snap, &back);
    ck_assert_int_eq(np_json_write_snapshot(&back, &two, &err), 0);
    ck_assert_str_eq(one, two);
    free(one);
    free(two);
    np_snapshot_dispose(&back);
}

/* ------------------------------------------------------------------ */
/* Snapshots built in code                                             */
/* ------------------------------------------------------------------ */

static void set_vcpu(struct np_vcpu *v, bool running, int cpu, uint64_t time_ns)
{
    v->online = true;
    v->running = running;
    v->blocked = !running;
    v->cpu = cpu;
    v->time_ns = time_ns;
}

/*
 * The golden snapshot: 1 socket x 2 cores x 2 threads on node 0, node 1
 * with memory and no CPU, one guest with every optional field.
 */
static void build_small(struct np_snapshot *s)
{
    struct np_guest *g;

    np_snapshot_init(s);
    np_test_topo_dense(&s->topo, 1, 2, 2, 2);
    s->topo.cpu_model = strdup("x86_64");
    s->topo.cpu_mhz = 2400;
    s->has_guests = true;
    ck_assert_int_eq(np_snapshot_add_guest(s, 7, "small", 2, true, &g), 0);
    g->mem_kib = 1048576;
    np_cpumap_set(&g->node_affinity, 0);
    g->mem_per_node_kib = calloc(2, sizeof(uint64_t));
    g->mem_per_node_kib[0] = 1048576;
    set_vcpu(&g->vcpus[0], true, 1, 1500000000);
    np_cpumap_set_range(&g->vcpus[0].hard, 0, 1);
    np_cpumap_set_all(&g->vcpus[0].soft);
    set_vcpu(&g->vcpus[1], false, 3, 250);
    np_cpumap_set_all(&g->vcpus[1].hard);
    np_cpumap_set_range(&g->vcpus[1].soft, 2, 3);
    g->vcpus[1].tid = 4242;
}

static void add_guest_on(struct np_snapshot *s, int id, const char *name,
                         unsigned int nr, bool soft, int first_cpu)
{
    struct np_guest *g;
    unsigned int i;

    s->has_guests = true;
    ck_assert_int_eq(np_snapshot_add_guest(s, id, name, nr, soft, &g), 0);
    g->mem_kib = 524288u * nr;
    for (i = 0; i < nr; i++) {
        set_vcpu(&g->vcpus[i], i % 2 == 0, first_cpu + (int)i,
                 1000000ull * (i + 1));
        np_cpumap_set(&g->vcpus[i].hard, first_cpu + (int)i);
        if (soft)
            ck_assert_int_eq(np_topo_all_cpus(&s->topo, &g->vcpus[i].soft), 0);
    }
}

/*
 * Sparse ids: CPUs 0-3 and 8-11, nodes 0, 2 and 5.  Node 0 has CPUs 0-3
 * and memory, node 2 CPUs 8-11 and no memory, node 5 memory and no CPU.
 * CPU 11 is offline with its socket and core unknown; CPU 10 has no node.
 */
static void build_sparse(struct np_snapshot *s)
{
    struct np_topo *t = &s->topo;
    struct np_guest *g;
    int cpu, a, b;
    static const int nodes[] = {0, 2, 5};

    np_snapshot_init(s);
    ck_assert_int_eq(np_topo_alloc(t, 12, 6), 0);
    for (a = 0; a < 3; a++) {
        np_topo_add_node(t, nodes[a]);
        for (b = 0; b < 3; b++)
            np_topo_set_distance(t, nodes[a], nodes[b],
                                 a == b ? 10 : 10 + 6 * (a + b));
    }
    t->nodes[0].mem_total_kib = 8388608;
    t->nodes[0].mem_free_kib = 4194304;
    t->nodes[0].mem_free_known = true;
    t->nodes[5].mem_total_kib = 16777216; /* free unknown */
    for (cpu = 0; cpu < 12; cpu++) {
        if (cpu >= 4 && cpu < 8)
            continue;
        np_topo_add_cpu(t, cpu);
        t->cpus[cpu].socket = cpu / 8;
        t->cpus[cpu].core = cpu % 4;
        t->cpus[cpu].node = cpu < 4 ? 0 : 2;
    }
    t->cpus[11].online = false;
    t->cpus[11].socket = t->cpus[11].core = -1;
    t->cpus[10].node = -1;
    t->mem_total_kib = 25165824;
    ck_assert_int_eq(np_topo_finish(t, NULL), 0);

    add_guest_on(s, 0, "Domain-0", 2, true, 0);
    add_guest_on(s, 12, "sparse guest \"quoted\"/x", 3, false, 8);
    g = &s->guests[1];
    g->vcpus[2].online = false;
    g->vcpus[2].running = g->vcpus[2].blocked = false;
    g->vcpus[2].cpu = -1;
    np_cpumap_set(&g->node_affinity, 2);
    np_cpumap_set(&g->node_affinity, 5);
    g->mem_per_node_kib = calloc(6, sizeof(uint64_t));
    g->mem_per_node_kib[5] = 1536000;
    g->vcpus[0].tid = 31337;
    /* a soft map present but empty is not the same as no soft map */
    ck_assert_int_eq(np_cpumap_alloc(&g->vcpus[1].soft, 12), 0);
    np_cpumap_dispose(&s->guests[0].node_affinity); /* unknown */
}

/*
 * "all" is every CPU the host has: a map with bits for absent CPU ids too
 * (Xen's "any") is written "all" and reads back without them.
 */
START_TEST(all_drops_absent_ids)
{
    struct np_snapshot s, back;
    struct np_err err = {""};
    struct np_guest *g;
    char *json = NULL;

    build_sparse(&s);
    g = &s.guests[0];
    np_cpumap_set_all(&g->vcpus[0].hard);
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[0].hard), 12);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    np_snapshot_init(&back);
    ck_assert_int_eq(
        np_json_read_snapshot(json, strlen(json), NULL, &back, &err), 0);
    g = &back.guests[0];
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[0].hard), 8);
    ck_assert(!np_cpumap_test(&g->vcpus[0].hard, 4));
    ck_assert(np_cpumap_test(&g->vcpus[0].hard, 11)); /* offline, present */
    free(json);
    np_snapshot_dispose(&back);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(golden_small)
{
    struct np_snapshot s;
    struct np_err err = {""};
    char *json = NULL, *want;

    build_small(&s);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    want = np_test_slurp(FIXTURES "small.json", NULL);
    ck_assert_str_eq(json, want);
    assert_round_trip(&s);
    free(want);
    free(json);
    np_snapshot_dispose(&s);
}
END_TEST

/* Topologies for the round trip loop. */
static void build_topology(struct np_snapshot *s, int which)
{
    switch (which) {
    case 0: /* the blog's host */
        np_snapshot_init(s);
        np_test_topo_dense(&s->topo, 2, 4, 1, 2);
        add_guest_on(s, 1, "rhel5xen", 4, true, 0);
        add_guest_on(s, 2, "web1", 2, false, 4);
        break;
    case 1: /* SMT, 4 nodes */
        np_snapshot_init(s);
        np_test_topo_dense(&s->topo, 4, 2, 2, 4);
        add_guest_on(s, 5, "smt", 4, true, 4);
        break;
    case 2:
        build_sparse(s);
        break;
    case 3: /* a topology file: nothing about guests */
        np_snapshot_init(s);
        np_test_topo_dense(&s->topo, 1, 1, 1, 1);
        break;
    case 4: /* guests listed, none there */
        np_snapshot_init(s);
        np_test_topo_dense(&s->topo, 2, 2, 1, 1);
        s->has_guests = true;
        break;
    case 5:
        build_small(s);
        break;
    default: /* unknown everything: no model, free memory, distances */
        np_snapshot_init(s);
        ck_assert_int_eq(np_topo_alloc(&s->topo, 2, 1), 0);
        np_topo_add_node(&s->topo, 0);
        np_topo_add_cpu(&s->topo, 0);
        np_topo_add_cpu(&s->topo, 1);
        ck_assert_int_eq(np_topo_finish(&s->topo, NULL), 0);
        add_guest_on(s, 3, "bare", 1, false, 1);
        s->guests[0].vcpus[0].cpu = -1;
        break;
    }
}

START_TEST(round_trip)
{
    struct np_snapshot s;

    build_topology(&s, _i);
    assert_round_trip(&s);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(round_trip_has_guests)
{
    struct np_snapshot s, back;
    struct np_err err = {""};
    char *json = NULL;

    build_topology(&s, 3);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    ck_assert_ptr_null(strstr(json, "guests"));
    free(json);
    s.has_guests = true;
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"guests\": [\n  ]"));
    np_snapshot_init(&back);
    ck_assert_int_eq(
        np_json_read_snapshot(json, strlen(json), NULL, &back, &err), 0);
    ck_assert(back.has_guests);
    ck_assert_ptr_null(back.topo.source);
    free(json);
    np_snapshot_dispose(&back);
    np_snapshot_dispose(&s);
}
END_TEST

/* What the writer omits when it does not know. */
START_TEST(unknowns_omitted)
{
    struct np_snapshot s;
    struct np_err err = {""};
    char *json = NULL;

    build_sparse(&s);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    ck_assert_ptr_null(strstr(json, "-1"));
    /* offline CPU 11: no socket, no core, no siblings */
    ck_assert_ptr_nonnull(strstr(json, "\"id\": 11,\n        \"online\": "
                                       "false,\n        \"node\": 2\n"));
    /* CPU 10: no node */
    ck_assert_ptr_nonnull(strstr(json, "\"core\": 2,\n        \"siblings\": "
                                       "\"10\"\n"));
    /* node 5: no free_kib, no cpus, distances by id */
    ck_assert_ptr_nonnull(strstr(json, "\"id\": 5,\n        \"memory_kib\": "
                                       "16777216,\n        \"cpus\": "
                                       "\"none\",\n        \"distances\": {\n"
                                       "          \"0\": 22,\n          "
                                       "\"2\": 28,\n          \"5\": 10\n"));
    ck_assert_ptr_nonnull(strstr(json, "\"node_affinity\": \"2,5\""));
    ck_assert_ptr_nonnull(strstr(json, "\"soft\": \"none\""));
    ck_assert_ptr_nonnull(strstr(json, "\"hard\": \"9\""));
    ck_assert_ptr_nonnull(strstr(json, "sparse guest \\\"quoted\\\"/x"));
    free(json);
    np_snapshot_dispose(&s);
}
END_TEST

/* Every fixture file is in the writer's form: read and write give it back. */
static const char *const fixture_files[] = {
    FIXTURES "small.json",
    FIXTURES "sparse.json",
    FIXTURES "topology-only.json",
    NP_SRCDIR "/examples/origin-2010.json",
};

START_TEST(fixtures_stable)
{
    struct np_snapshot s;
    struct np_err err = {""};
    char *json = NULL, *want;

    np_snapshot_init(&s);
    ck_assert_msg(np_json_read_snapshot_file(fixture_files[_i], &s, &err) == 0,
                  "%s", err.msg);
    ck_assert_str_eq(s.topo.source, fixture_files[_i]);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    want = np_test_slurp(fixture_files[_i], NULL);
    ck_assert_str_eq(json, want);
    assert_round_trip(&s);
    free(want);
    free(json);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(origin_2010)
{
    struct np_snapshot s;
    struct np_err err = {""};
    const struct np_guest *g;
    unsigned int sockets, cores, threads;
    uint64_t free_kib;

    np_snapshot_init(&s);
    ck_assert_int_eq(np_json_read_snapshot_file(
                         NP_SRCDIR "/examples/origin-2010.json", &s, &err),
                     0);
    ck_assert_uint_eq(np_topo_nr_cpus(&s.topo), 8);
    ck_assert_uint_eq(np_topo_nr_nodes(&s.topo), 2);
    np_topo_shape(&s.topo, &sockets, &cores, &threads);
    ck_assert_uint_eq(sockets, 2);
    ck_assert_uint_eq(cores, 4);
    ck_assert_uint_eq(threads, 1);
    ck_assert_str_eq(s.topo.cpu_model, "x86_64");
    ck_assert_uint_eq(s.topo.cpu_mhz, 1000);
    ck_assert_uint_eq(np_topo_mem_total(&s.topo), 8179176);
    ck_assert_uint_eq(s.topo.nodes[0].mem_free_kib, 2203620);
    ck_assert_uint_eq(s.topo.nodes[1].mem_free_kib, 3354784);
    ck_assert_int_eq(np_topo_mem_free(&s.topo, &free_kib), 0);
    ck_assert_uint_eq(free_kib, 2203620 + 3354784);
    ck_assert_uint_eq(np_topo_distance(&s.topo, 0, 1), 20);
    ck_assert(np_topo_node_cpus(&s.topo, 1) != NULL);
    ck_assert_int_eq(np_cpumap_next(np_topo_node_cpus(&s.topo, 1), -1), 4);
    g = np_snapshot_find_guest(&s, "rhel5xen");
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(g->id, 1);
    ck_assert_uint_eq(g->nr_vcpus, 4);
    ck_assert_int_eq(g->vcpus[0].cpu, 3);
    ck_assert_int_eq(g->vcpus[1].cpu, 1);
    ck_assert_int_eq(g->vcpus[2].cpu, 1);
    ck_assert_int_eq(g->vcpus[3].cpu, 2);
    ck_assert_uint_eq(g->vcpus[0].time_ns, 500000000);
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[3].hard), 8);
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[3].soft), 8);
    ck_assert_uint_eq(g->mem_kib, 1048576);
    /* web1 and db1 both pin a vCPU on pCPU 5 */
    g = np_snapshot_find_guest(&s, "web1");
    ck_assert_ptr_nonnull(g);
    ck_assert(np_cpumap_test(&g->vcpus[1].hard, 5));
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[1].hard), 1);
    g = np_snapshot_find_guest(&s, "db1");
    ck_assert_ptr_nonnull(g);
    ck_assert(np_cpumap_test(&g->vcpus[0].hard, 5));
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[0].hard), 1);
    np_snapshot_dispose(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Malformed input, table driven                                       */
/* ------------------------------------------------------------------ */

#define CPU0 "{\"id\":0,\"online\":true,\"node\":0}"
#define CPU1 "{\"id\":1,\"online\":true,\"node\":0}"
#define NODE0 "{\"id\":0,\"memory_kib\":1000}"
#define HOST(cpus, nodes) "\"host\":{\"cpus\":[" cpus "],\"nodes\":[" nodes "]}"
#define DOC_HOST(cpus, nodes) "{\"numapin\":1," HOST(cpus, nodes) "}"
#define VCPU(id, extra)                                                        \
    "{\"id\":" #id ",\"online\":true,\"running\":true,\"blocked\":false,"      \
    "\"time_ns\":0,\"hard\":\"all\"" extra "}"
#define GUEST(extra, vcpus)                                                    \
    "{\"id\":1,\"name\":\"g\",\"memory_kib\":1" extra ",\"vcpus\":[" vcpus "]" \
    "}"
#define DOC_GUESTS(guests)                                                     \
    "{\"numapin\":1," HOST(CPU0 "," CPU1, NODE0) ",\"guests\":[" guests "]}"
#define DOC_VCPU(extra) DOC_GUESTS(GUEST("", VCPU(0, extra)))
/* a vCPU with its own "hard" (VCPU's "all" and another would be a
 * duplicate key, refused before the value is looked at) */
#define DOC_HARD(hard)                                                         \
    DOC_GUESTS(GUEST("",                                                       \
                     "{\"id\":0,\"online\":true,\"running\":true,"             \
                     "\"blocked\":false,\"time_ns\":0,\"hard\":" hard "}"))

static const struct bad_case {
    const char *json;
    const char *msg; /* a substring of the error */
} bad_cases[] = {
    /* malformed JSON: FILE:LINE */
    {"", "t.json:1: malformed json: unexpected end of file"},
    {"{\n\"numapin\": 1,\n", "t.json:3: malformed json: unexpected end"},
    {"{\"numapin\":1,}", "t.json:1: malformed json"},
    {"{\n\"numapin\":1\n}\nx", "t.json:4: malformed json"},
    {"{\n\n  \"numapin\": 1 2}", "t.json:3: malformed json"},
    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
     "t.json:1: malformed json"},
    /* the top level */
    {"[1]", "t.json: top level: expected an object, found an array"},
    {"{}", "top level: missing key 'numapin'"},
    {"{\"numapin\":3}", "numapin: format version 3 is not supported"},
    {"{\"numapin\":\"1\"}", "numapin: expected an integer, found \"1\""},
    {"{\"numapin\":1}", "top level: missing key 'host'"},
    {"{\"numapin\":1,\"hosts\":{}}", "top level: unknown key 'hosts'"},
    {"{\"numapin\":1,\"host\":[]}", "host: expected an object"},
    /* host */
    {DOC_HOST("", NODE0), "host.cpus: the host has no cpu"},
    {DOC_HOST(CPU0, ""), "host.nodes: the host has no numa node"},
    {"{\"numapin\":1,\"host\":{\"nodes\":[" NODE0 "]}}",
     "host: missing key 'cpus'"},
    {"{\"numapin\":1,\"host\":{\"cpu_model\":null,\"cpus\":[" CPU0
     "],\"nodes\":[" NODE0 "]}}",
     "host.cpu_model: expected a string, found null"},
    {"{\"numapin\":1,\"host\":{\"cpu_mhz\":-5,\"cpus\":[" CPU0
     "],\"nodes\":[" NODE0 "]}}",
     "host.cpu_mhz: -5 is out of range"},
    {"{\"numapin\":1,\"host\":{\"ram\":5,\"cpus\":[" CPU0 "],\"nodes\":[" NODE0
     "]}}",
     "host: unknown key 'ram'"},
    /* cpus */
    {DOC_HOST("{\"id\":-1,\"online\":true}", NODE0),
     "host.cpus[0].id: -1 is out of range, expected 0 to 65535"},
    {DOC_HOST("{\"id\":65536,\"online\":true}", NODE0),
     "host.cpus[0].id: 65536 is out of range"},
    {DOC_HOST("{\"id\":\"0\",\"online\":true}", NODE0),
     "host.cpus[0].id: expected an integer, found \"0\""},
    {DOC_HOST("{\"id\":1.5,\"online\":true}", NODE0),
     "host.cpus[0].id: expected an integer, found 1.5"},
    {DOC_HOST("{\"online\":true}", NODE0), "host.cpus[0]: missing key 'id'"},
    {DOC_HOST("7", NODE0), "host.cpus[0]: expected an object, found 7"},
    {DOC_HOST(CPU0 "," CPU0, NODE0), "host.cpus[1]: cpu 0 is listed twice"},
    {DOC_HOST("{\"id\":0,\"online\":true,\"node\":7}", NODE0),
     "host.cpus[0].node: node 7 does not exist"},
    {DOC_HOST("{\"id\":0,\"online\":true,\"sokcet\":0}", NODE0),
     "host.cpus[0]: unknown key 'sokcet'"},
    {DOC_HOST("{\"id\":0,\"online\":\"yes\"}", NODE0),
     "host.cpus[0].online: expected true or false, found \"yes\""},
    {DOC_HOST("{\"id\":0}", NODE0), "host.cpus[0]: missing key 'online'"},
    {DOC_HOST("{\"id\":0,\"online\":true,\"core\":-2}", NODE0),
     "host.cpus[0].core: -2 is out of range"},
    {DOC_HOST("{\"id\":0,\"online\":true,\"siblings\":\"0-x\"}", NODE0),
     "host.cpus[0].siblings: bad cpu list '0-x'"},
    {DOC_HOST("{\"id\":0,\"online\":true,\"siblings\":\"1\"}," CPU1, NODE0),
     "host.cpus[0].siblings: '1' does not include cpu 0 itself"},
    {DOC_HOST("{\"id\":0,\"online\":true,\"siblings\":\"0,5\"}", NODE0),
     "host.cpus[0].siblings: cpu 5 does not exist"},
    {DOC_HOST("{\"id\":0,\"online\":true}," CPU1 ",{\"id\":3,\"online\":true,"
              "\"siblings\":\"2-3\"}",
              NODE0),
     "host.cpus[2].siblings: cpu 2 does not exist"},
    /* nodes */
    {DOC_HOST(CPU0, NODE0 "," NODE0), "host.nodes[1]: node 0 is listed twice"},
    {DOC_HOST(CPU0, "{\"id\":4096,\"memory_kib\":0}"),
     "host.nodes[0].id: 4096 is out of range, expected 0 to 4095"},
    {DOC_HOST(CPU0, "{\"id\":0}"), "host.nodes[0]: missing key 'memory_kib'"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":-5}"),
     "host.nodes[0].memory_kib: -5 is out of range"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":99999999999999999999}"),
     "host.nodes[0].memory_kib: 18446744073709551615 is out of range"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1000,\"free_kib\":2000}"),
     "host.nodes[0].free_kib: 2000 KiB free is more than the node's "
     "memory_kib 1000"},
    {DOC_HOST(CPU0 "," CPU1, "{\"id\":0,\"memory_kib\":1,\"cpus\":\"0\"}"),
     "host.nodes[0].cpus: '0' is not the set of online cpus whose node is 0, "
     "which is '0-1'"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"cpus\":\"0,\"}"),
     "host.nodes[0].cpus: bad cpu list '0,'"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"distances\":{\"x\":10}}"),
     "host.nodes[0].distances: bad node id 'x'"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"distances\":{\"00\":10}}"),
     "host.nodes[0].distances: bad node id '00'"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"distances\":{\"3\":10}}"),
     "host.nodes[0].distances: node 3 does not exist"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"distances\":{\"0\":0}}"),
     "host.nodes[0].distances.0: 0 is out of range"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"distances\":[10]}"),
     "host.nodes[0].distances: expected an object, found an array"},
    {DOC_HOST(CPU0, "{\"id\":0,\"memory_kib\":1,\"numa\":1}"),
     "host.nodes[0]: unknown key 'numa'"},
    /* guests */
    {"{\"numapin\":1," HOST(CPU0, NODE0) ",\"guests\":{}}",
     "guests: expected an array, found an object"},
    {DOC_GUESTS("1"), "guests[0]: expected an object, found 1"},
    {DOC_GUESTS("{\"id\":1,\"memory_kib\":1,\"vcpus\":[" VCPU(0, "") "]}"),
     "guests[0]: missing key 'name'"},
    {DOC_GUESTS("{\"id\":1,\"name\":\"\",\"memory_kib\":1,\"vcpus\":[" VCPU(
         0, "") "]}"),
     "guests[0].name: the name is empty"},
    {DOC_GUESTS("{\"id\":1,\"name\":\"a\\u0000b\",\"memory_kib\":1,"
                "\"vcpus\":[" VCPU(0, "") "]}"),
     "guests[0].name: the string contains a nul character"},
    {DOC_GUESTS("{\"id\":-3,\"name\":\"g\",\"memory_kib\":1,\"vcpus\":[" VCPU(
         0, "") "]}"),
     "guests[0].id: -3 is out of range"},
    {DOC_GUESTS(GUEST("", VCPU(0, "")) ",{\"id\":1,\"name\":\"h\","
                                       "\"memory_kib\":1,\"vcpus\":[" VCPU(
                                           0, "") "]}"),
     "guests[1].id: guest id 1 is already used by guests[0]"},
    {DOC_GUESTS(GUEST("", VCPU(0, "")) ",{\"id\":2,\"name\":\"g\","
                                       "\"memory_kib\":1,\"vcpus\":[" VCPU(
                                           0, "") "]}"),
     "guests[1].name: guest name 'g' is already used by guests[0]"},
    {DOC_GUESTS(GUEST(",\"cpus\":4", VCPU(0, ""))),
     "guests[0]: unknown key 'cpus'"},
    {DOC_GUESTS(GUEST("", "")), "guests[0].vcpus: 0 vcpus, expected 1 to"},
    {DOC_GUESTS(GUEST(",\"node_affinity\":\"1\"", VCPU(0, ""))),
     "guests[0].node_affinity: node 1 does not exist"},
    {DOC_GUESTS(GUEST(",\"node_affinity\":\"al\"", VCPU(0, ""))),
     "guests[0].node_affinity: bad node list 'al'"},
    {DOC_GUESTS(GUEST(",\"memory_per_node_kib\":{\"1\":5}", VCPU(0, ""))),
     "guests[0].memory_per_node_kib: node 1 does not exist"},
    {DOC_GUESTS(GUEST(",\"memory_per_node_kib\":{\"0\":true}", VCPU(0, ""))),
     "guests[0].memory_per_node_kib.0: expected an integer, found true"},
    /* vcpus */
    {DOC_GUESTS(GUEST("", VCPU(0, "") "," VCPU(5, ""))),
     "guests[0].vcpus[1].id: vcpu id 5 where 1 was expected"},
    {DOC_GUESTS(GUEST("", VCPU(0, "") ",[]")),
     "guests[0].vcpus[1]: expected an object, found an array"},
    {DOC_HARD("\"0-x\""), "guests[0].vcpus[0].hard: bad cpu list "
                          "'0-x'"},
    {DOC_HARD("\"0-9\""), "guests[0].vcpus[0].hard: cpu 2 does not "
                          "exist"},
    {DOC_HARD("\"7\""), "guests[0].vcpus[0].hard: cpu 7 does not "
                        "exist"},
    {DOC_HARD("\"1-0\""), "hard: bad cpu list '1-0'"},
    {DOC_HARD("\"\""), "hard: bad cpu list ''"},
    {DOC_HARD("\"0,,1\""), "hard: bad cpu list '0,,1'"},
    {DOC_HARD("\" 1\""), "hard: bad cpu list ' 1'"},
    {DOC_HARD("\"-1\""), "hard: bad cpu list '-1'"},
    {DOC_HARD("\"1234567890\""), "hard: bad cpu list '1234567890'"},
    {DOC_HARD("\"ALL\""), "hard: bad cpu list 'ALL'"},
    /* json-c alone would take the second */
    {DOC_VCPU(",\"hard\":\"0\""),
     "t.json: guests[0].vcpus[0]: duplicate key 'hard' (line 1)"},
    {DOC_VCPU(",\"soft\":5"), "guests[0].vcpus[0].soft: expected a string, "
                              "found 5"},
    {DOC_VCPU(",\"cpu\":4"), "guests[0].vcpus[0].cpu: cpu 4 does not exist"},
    {DOC_VCPU(",\"cpu\":-1"), "guests[0].vcpus[0].cpu: -1 is out of range"},
    {DOC_VCPU(",\"tid\":0"), "guests[0].vcpus[0].tid: 0 is out of range"},
    {DOC_VCPU(",\"state\":\"running\""), "guests[0].vcpus[0]: unknown key "
                                         "'state'"},
    {DOC_GUESTS(GUEST("", "{\"id\":0,\"online\":true,\"running\":true,"
                          "\"blocked\":false,\"time_ns\":0}")),
     "guests[0].vcpus[0]: missing key 'hard'"},
};

START_TEST(malformed)
{
    const struct bad_case *c = &bad_cases[_i];
    struct np_snapshot s;
    struct np_err err = {""};

    np_snapshot_init(&s);
    ck_assert_msg(np_json_read_snapshot(c->json, strlen(c->json), "t.json", &s,
                                        &err) == -EINVAL,
                  "accepted: %s", c->json);
    ck_assert_msg(strstr(err.msg, c->msg) != NULL,
                  "for %s\n  got  '%s'\n  want '%s'", c->json, err.msg, c->msg);
    /* the snapshot is left empty */
    ck_assert_uint_eq(s.topo.nr_cpu_ids, 0);
    ck_assert_uint_eq(s.nr_guests, 0);
    ck_assert(!s.has_guests);
    np_snapshot_dispose(&s);
}
END_TEST

/* The table's building blocks are valid by themselves. */
START_TEST(minimal_valid)
{
    static const char *const good[] = {
        DOC_HOST(CPU0, NODE0),
        DOC_VCPU(""),
        DOC_HARD("\"0-1\",\"soft\":\"none\",\"cpu\":1,\"tid\":9"),
        DOC_GUESTS(GUEST(",\"node_affinity\":\"0\",\"memory_per_node_kib\":"
                         "{\"0\":1}",
                         VCPU(0, "") "," VCPU(1, ""))),
        /* any order, whitespace after the end */
        "{\"host\":{\"nodes\":[" NODE0 "],\"cpus\":[" CPU1 "," CPU0
        "]},\"numapin\":1}\n\n \t",
    };
    struct np_snapshot s;
    struct np_err err = {""};
    unsigned int i;

    np_snapshot_init(&s);
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(np_json_read_snapshot(good[i], strlen(good[i]), NULL, &s,
                                            &err) == 0,
                      "%s: %s", good[i], err.msg);
    ck_assert_uint_eq(np_topo_nr_cpus(&s.topo), 2);
    np_snapshot_dispose(&s);
}
END_TEST

/* Every cut of a good file is an error with a line number, never a crash. */
START_TEST(truncated)
{
    struct np_snapshot s;
    struct np_err err;
    char *buf, *cut;
    size_t len, n;

    buf = np_test_slurp(FIXTURES "sparse.json", &len);
    np_snapshot_init(&s);
    for (n = 0; n + 1 < len; n++) {
        cut = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(cut);
        memcpy(cut, buf, n);
        np_err_clear(&err);
        ck_assert_int_eq(np_json_read_snapshot(cut, n, "cut.json", &s, &err),
                         -EINVAL);
        ck_assert_msg(!strncmp(err.msg, "cut.json:", 9), "%s", err.msg);
        free(cut);
    }
    ck_assert_int_eq(np_json_read_snapshot(buf, len, "cut.json", &s, &err), 0);
    free(buf);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(nul_byte)
{
    static const char doc[] = "{\"numapin\":1,\n\n\"host\"\0:{}}";
    struct np_snapshot s;
    struct np_err err = {""};

    np_snapshot_init(&s);
    ck_assert_int_eq(
        np_json_read_snapshot(doc, sizeof(doc) - 1, "n.json", &s, &err),
        -EINVAL);
    ck_assert_str_eq(err.msg, "n.json:3: malformed json: a nul byte");
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(files)
{
    struct np_snapshot s;
    struct np_err err = {""};

    np_snapshot_init(&s);
    ck_assert_int_eq(
        np_json_read_snapshot_file(FIXTURES "nonexistent.json", &s, &err),
        -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open '"));
    ck_assert_ptr_nonnull(strstr(err.msg, "nonexistent.json"));
    np_err_clear(&err);
    ck_assert_int_eq(np_json_read_snapshot_file(FIXTURES, &s, &err), -EISDIR);
    build_small(&s);
    np_err_clear(&err);
    ck_assert_int_eq(
        np_json_write_snapshot_file("/nonexistent/dir/x.json", &s, &err),
        -ENOENT);
    ck_assert_str_eq(err.msg, "cannot write '/nonexistent/dir/x.json': No "
                              "such file or directory");
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(write_empty)
{
    struct np_snapshot s;
    struct np_err err = {""};
    char *json = (char *)1;

    np_snapshot_init(&s);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), -EINVAL);
    ck_assert_ptr_null(json);
    ck_assert_str_eq(err.msg, "the snapshot has no topology");
}
END_TEST

/*
 * Issue 10's failure 6: 65,536 CPUs without sibling lists (the JSON and
 * XML of hosts that give none) took 17 s here: deriving the siblings and
 * the shape compared every CPU with every other.  Now sorted: about 2.5 s
 * of CPU time, most of it the 65,536 sibling maps; the bound is of the
 * process's CPU time, so a busy machine does not fail it.
 */
START_TEST(many_cpus_without_siblings)
{
    enum { NR = 65536, PER_NODE = 1024 };
    struct np_snapshot snap;
    struct np_err err = {""};
    unsigned int sockets, cores, threads, c;
    size_t cap = (size_t)NR * 96 + 4096, len = 0;
    char *text = malloc(cap);
    clock_t t0;

    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len,
                            "{\"numapin\": 2, \"host\": {\"cpus\": [");
    for (c = 0; c < NR; c++)
        len += (size_t)snprintf(
            text + len, cap - len,
            "%s{\"id\": %u, \"online\": true, \"socket\": %u, \"core\": %u, "
            "\"node\": %u}",
            c ? "," : "", c, c / PER_NODE, (c % PER_NODE) / 2, c / PER_NODE);
    len += (size_t)snprintf(text + len, cap - len, "], \"nodes\": [");
    for (c = 0; c < NR / PER_NODE; c++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"id\": %u, \"memory_kib\": 1048576}",
                                c ? "," : "", c);
    len += (size_t)snprintf(text + len, cap - len, "]}}");
    ck_assert_uint_lt(len, cap);
    np_snapshot_init(&snap);
    t0 = clock();
    ck_assert_msg(np_json_read_snapshot(text, len, "big", &snap, &err) == 0,
                  "%s", err.msg);
    np_topo_shape(&snap.topo, &sockets, &cores, &threads);
    np_test_cpu_below(t0, 8, 40);
    ck_assert_uint_eq(sockets, 64);
    ck_assert_uint_eq(cores, 512);
    ck_assert_uint_eq(threads, 2);
    /* 4097 and 4096 are one core's two threads */
    ck_assert(np_cpumap_test(&snap.topo.cpus[4097].siblings, 4096));
    ck_assert(np_cpumap_test(&snap.topo.cpus[4097].siblings, 4097));
    ck_assert_uint_eq(np_cpumap_weight(&snap.topo.cpus[4097].siblings), 2);
    np_snapshot_dispose(&snap);
    free(text);
}
END_TEST

Suite *suite_test_fmt_json(void);
Suite *suite_test_fmt_json(void)
{
    Suite *s = suite_create("fmt_json");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, golden_small);
    tcase_add_test(tc, all_drops_absent_ids);
    tcase_add_loop_test(tc, round_trip, 0, 7);
    tcase_add_test(tc, round_trip_has_guests);
    tcase_add_test(tc, unknowns_omitted);
    tcase_add_loop_test(tc, fixtures_stable, 0,
                        sizeof(fixture_files) / sizeof(fixture_files[0]));
    tcase_add_test(tc, origin_2010);
    tcase_add_loop_test(tc, malformed, 0,
                        sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, minimal_valid);
    tcase_add_test(tc, truncated);
    tcase_add_test(tc, nul_byte);
    tcase_add_test(tc, files);
    tcase_add_test(tc, write_empty);
    suite_add_tcase(s, tc);
    /* the load case: bounded by its CPU time, not the wall clock */
    tc = tcase_create("load");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, many_cpus_without_siblings);
    suite_add_tcase(s, tc);
    return s;
}
