/*
 * test_fmt_xml.c: libvirt capabilities XML, reader and writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt_xml.h"
#include "np_test.h"

#define FIXTURES NP_SRCDIR "/tests/fixtures/xml/"

/* ---- helpers --------------------------------------------------------- */

/* Place a CPU by hand (after np_topo_alloc). */
static void put_cpu(struct np_topo *t, int cpu, int node, int socket, int die,
                    int core, bool online)
{
    struct np_cpu *c = &t->cpus[cpu];

    ck_assert_int_eq(np_topo_add_cpu(t, cpu), 0);
    c->node = node;
    c->socket = socket;
    c->die = die;
    c->core = core;
    c->online = online;
}

static void put_node(struct np_topo *t, int node, uint64_t total,
                     bool free_known, uint64_t free_kib)
{
    ck_assert_int_eq(np_topo_add_node(t, node), 0);
    t->nodes[node].mem_total_kib = total;
    t->nodes[node].mem_free_known = free_known;
    t->nodes[node].mem_free_kib = free_kib;
}

/* Every field of the model, with the place of the first difference. */
static void assert_topo_equal(const struct np_topo *a, const struct np_topo *b)
{
    unsigned int i, j;

    ck_assert_uint_eq(a->nr_cpu_ids, b->nr_cpu_ids);
    ck_assert_uint_eq(a->nr_node_ids, b->nr_node_ids);
    for (i = 0; i < a->nr_cpu_ids; i++) {
        const struct np_cpu *x = &a->cpus[i], *y = &b->cpus[i];

        ck_assert_msg(x->present == y->present, "cpu %u present", i);
        if (!x->present)
            continue;
        ck_assert_msg(x->online == y->online, "cpu %u online", i);
        ck_assert_msg(x->socket == y->socket, "cpu %u socket %d != %d", i,
                      x->socket, y->socket);
        ck_assert_msg(x->die == y->die, "cpu %u die %d != %d", i, x->die,
                      y->die);
        ck_assert_msg(x->core == y->core, "cpu %u core %d != %d", i, x->core,
                      y->core);
        ck_assert_msg(x->node == y->node, "cpu %u node %d != %d", i, x->node,
                      y->node);
        ck_assert_msg(np_cpumap_equal(&x->siblings, &y->siblings),
                      "cpu %u siblings differ", i);
    }
    for (i = 0; i < a->nr_node_ids; i++) {
        const struct np_node *x = &a->nodes[i], *y = &b->nodes[i];

        ck_assert_msg(x->present == y->present, "node %u present", i);
        if (!x->present)
            continue;
        ck_assert_msg(x->mem_total_kib == y->mem_total_kib, "node %u memory",
                      i);
        ck_assert_msg(x->mem_free_known == y->mem_free_known,
                      "node %u free known", i);
        if (x->mem_free_known)
            ck_assert_msg(x->mem_free_kib == y->mem_free_kib, "node %u free",
                          i);
        ck_assert_msg(np_cpumap_equal(&x->cpus, &y->cpus), "node %u cpus", i);
    }
    for (i = 0; i < a->nr_node_ids; i++)
        for (j = 0; j < a->nr_node_ids; j++)
            ck_assert_msg(a->distances[i * a->nr_node_ids + j] ==
                              b->distances[i * b->nr_node_ids + j],
                          "distance %u-%u", i, j);
    ck_assert_str_eq(a->cpu_model ? a->cpu_model : "x86_64",
                     b->cpu_model ? b->cpu_model : "(null)");
    ck_assert_uint_eq(a->cpu_mhz, b->cpu_mhz);
    ck_assert_uint_eq(a->mem_total_kib, b->mem_total_kib);
}

static void dist_all(struct np_topo *t, unsigned int local, unsigned int far)
{
    int a, b;

    for (a = 0; a < (int)t->nr_node_ids; a++)
        for (b = 0; b < (int)t->nr_node_ids; b++)
            if (t->nodes[a].present && t->nodes[b].present)
                np_topo_set_distance(t, a, b, a == b ? local : far);
}

/* ---- topologies ------------------------------------------------------ */

static void build_1cpu(struct np_topo *t)
{
    np_test_topo_dense(t, 1, 1, 1, 1);
}

static void build_2n_smt(struct np_topo *t)
{
    np_test_topo_dense(t, 2, 2, 2, 2);
}

static void build_4n_32cpu(struct np_topo *t)
{
    np_test_topo_dense(t, 4, 4, 2, 4);
    t->cpu_mhz = 2100;
    t->mem_total_kib = 4 * 1048576 + 12345;
}

/* Node ids 0 and 2 only; node 2's free memory is unknown. */
static void build_sparse_nodes(struct np_topo *t)
{
    ck_assert_int_eq(np_topo_alloc(t, 4, 3), 0);
    put_node(t, 0, 2097152, true, 1000);
    put_node(t, 2, 2097152, false, 0);
    dist_all(t, 10, 21);
    put_cpu(t, 0, 0, 0, 0, 0, true);
    put_cpu(t, 1, 0, 0, 0, 1, true);
    put_cpu(t, 2, 2, 1, 0, 0, true);
    put_cpu(t, 3, 2, 1, 0, 1, true);
}

/* Node 1 has CPUs and no memory. */
static void build_cpu_only_node(struct np_topo *t)
{
    ck_assert_int_eq(np_topo_alloc(t, 4, 2), 0);
    put_node(t, 0, 4194304, true, 3000000);
    put_node(t, 1, 0, true, 0);
    dist_all(t, 10, 20);
    put_cpu(t, 0, 0, 0, 0, 0, true);
    put_cpu(t, 1, 0, 0, 0, 1, true);
    put_cpu(t, 2, 1, 1, 0, 0, true);
    put_cpu(t, 3, 1, 1, 0, 1, true);
}

/* Node 2 has memory and no CPUs; asymmetric distances. */
static void build_mem_only_node(struct np_topo *t)
{
    ck_assert_int_eq(np_topo_alloc(t, 4, 3), 0);
    put_node(t, 0, 1048576, true, 1);
    put_node(t, 1, 1048576, true, 2);
    put_node(t, 2, 8388608, true, 8000000);
    dist_all(t, 10, 20);
    np_topo_set_distance(t, 0, 2, 30);
    np_topo_set_distance(t, 2, 0, 31);
    put_cpu(t, 0, 0, 0, 0, 0, true);
    put_cpu(t, 1, 0, 0, 0, 1, true);
    put_cpu(t, 2, 1, 1, 0, 0, true);
    put_cpu(t, 3, 1, 1, 0, 1, true);
}

/* SMT pairs; cpu 3 offline with its topology lost, cpu 5 offline with
 * its topology kept; its sibling cpu 4 sees only itself. */
static void build_offline(struct np_topo *t)
{
    ck_assert_int_eq(np_topo_alloc(t, 6, 1), 0);
    put_node(t, 0, 1048576, false, 0);
    np_topo_set_distance(t, 0, 0, 10);
    put_cpu(t, 0, 0, 0, 0, 0, true);
    put_cpu(t, 1, 0, 0, 0, 0, true);
    put_cpu(t, 2, 0, 0, 0, 1, true);
    put_cpu(t, 3, 0, -1, -1, -1, false);
    put_cpu(t, 4, 0, 0, 0, 2, true);
    put_cpu(t, 5, 0, 0, 0, 2, false);
    np_test_map(&t->cpus[5].siblings, 6, 4, 5, -1);
}

/* cpu 4 is on no node (online), cpu 5 on no node and offline. */
static void build_unplaced(struct np_topo *t)
{
    ck_assert_int_eq(np_topo_alloc(t, 6, 1), 0);
    put_node(t, 0, 1048576, true, 4096);
    put_cpu(t, 0, 0, 0, 0, 0, true);
    put_cpu(t, 1, 0, 0, 0, 1, true);
    put_cpu(t, 4, -1, 0, 0, 2, true);
    put_cpu(t, 5, -1, -1, -1, -1, false);
}

/* No distances, no die ids, sparse cpu ids, a model that needs escaping
 * and host-wide extensions. */
static void build_odd(struct np_topo *t)
{
    ck_assert_int_eq(np_topo_alloc(t, 9, 2), 0);
    put_node(t, 0, 1536, false, 0);
    put_node(t, 1, 1536, false, 0);
    put_cpu(t, 0, 0, 0, -1, 0, true);
    put_cpu(t, 1, 0, 0, -1, 1, true);
    put_cpu(t, 7, 1, 1, -1, 0, true);
    put_cpu(t, 8, 1, 1, -1, 1, true);
    t->cpu_model = strdup("aarch64 <&'\"> model");
    ck_assert_ptr_nonnull(t->cpu_model);
    t->cpu_mhz = 3000;
    t->mem_total_kib = 4096;
}

struct topo_case {
    const char *name;
    void (*build)(struct np_topo *t);
};

static const struct topo_case topo_cases[] = {
    {"1cpu", build_1cpu},
    {"2n_smt", build_2n_smt},
    {"4n_32cpu", build_4n_32cpu},
    {"sparse_nodes", build_sparse_nodes},
    {"cpu_only_node", build_cpu_only_node},
    {"mem_only_node", build_mem_only_node},
    {"offline", build_offline},
    {"unplaced", build_unplaced},
    {"odd", build_odd},
};

#define NR_TOPO_CASES (int)(sizeof(topo_cases) / sizeof(topo_cases[0]))

static void build_case(int i, struct np_topo *t)
{
    np_topo_init(t);
    topo_cases[i].build(t);
    ck_assert_int_eq(np_topo_finish(t, NULL), 0);
}

/* ---- round trips ----------------------------------------------------- */

START_TEST(round_trip)
{
    struct np_topo orig, back;
    struct np_err err;
    char *xml = NULL, *again = NULL;
    char source[64];

    np_err_clear(&err);
    build_case(_i, &orig);
    np_topo_init(&back);
    ck_assert_int_eq(np_xml_write_caps(&orig, &xml, &err), 0);
    ck_assert_msg(np_xml_read_caps(xml, strlen(xml), topo_cases[_i].name, &back,
                                   &err) == 0,
                  "%s: %s\n%s", topo_cases[_i].name, err.msg, xml);
    assert_topo_equal(&orig, &back);
    snprintf(source, sizeof(source), "capabilities XML %s",
             topo_cases[_i].name);
    ck_assert_str_eq(back.source, source);
    /* and the second writing is the same text */
    ck_assert_int_eq(np_xml_write_caps(&back, &again, &err), 0);
    ck_assert_str_eq(xml, again);
    free(xml);
    free(again);
    np_topo_dispose(&orig);
    np_topo_dispose(&back);
}
END_TEST

/* What the offline, unplaced and odd cases look like on paper. */
START_TEST(extension_markup)
{
    struct np_topo t;
    char *xml = NULL;

    build_case(6, &t); /* offline */
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_ptr_nonnull(
        strstr(xml, "<capabilities xmlns:numapin='" NP_XML_NS "'>\n"));
    ck_assert_ptr_nonnull(strstr(xml, "<cpu id='3' numapin:online='no'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<cpu id='5' socket_id='0' die_id='0' "
                                      "core_id='2' siblings='4-5' "
                                      "numapin:online='no'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<cpus num='6'>"));
    free(xml);
    np_topo_dispose(&t);

    build_case(7, &t); /* unplaced */
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_ptr_nonnull(strstr(xml, "    </topology>\n"
                                      "    <numapin:cpus num='2'>\n"
                                      "      <numapin:cpu id='4' socket_id='0' "
                                      "die_id='0' core_id='2' siblings='4'/>\n"
                                      "      <numapin:cpu id='5' "
                                      "numapin:online='no'/>\n"
                                      "    </numapin:cpus>\n"));
    /* a node with memory and no distances: no <distances> at all */
    ck_assert_ptr_null(strstr(xml, "<distances>"));
    free(xml);
    np_topo_dispose(&t);

    build_case(8, &t); /* odd */
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_ptr_nonnull(
        strstr(xml, "<arch>aarch64 &lt;&amp;&apos;&quot;&gt; model</arch>"));
    ck_assert_ptr_nonnull(strstr(xml, "<cpu id='7' socket_id='1' core_id='0' "
                                      "siblings='7'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<numapin:mhz>3000</numapin:mhz>"));
    ck_assert_ptr_nonnull(
        strstr(xml, "<numapin:memory unit='KiB'>4096</numapin:memory>"));
    free(xml);
    np_topo_dispose(&t);

    build_case(5, &t); /* mem_only_node */
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_ptr_nonnull(strstr(xml, "<cell id='2'>\n"
                                      "          <memory unit='KiB'>8388608"
                                      "</memory>\n"));
    ck_assert_ptr_nonnull(strstr(xml, "          <cpus num='0'/>\n"
                                      "        </cell>\n"));
    free(xml);
    np_topo_dispose(&t);

    build_case(4, &t); /* cpu_only_node: no <memory>, but free is known */
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_ptr_nonnull(strstr(xml, "<cell id='1'>\n          "
                                      "<numapin:free unit='KiB'>0"
                                      "</numapin:free>\n          "
                                      "<distances>\n"));
    free(xml);
    np_topo_dispose(&t);
}
END_TEST

/* A NULL model is written as x86_64, as libvirt's host arch. */
START_TEST(null_model_reads_as_x86_64)
{
    struct np_topo t, back;
    char *xml = NULL;

    np_topo_init(&t);
    np_topo_init(&back);
    np_test_topo_dense(&t, 1, 2, 1, 1);
    ck_assert_ptr_null(t.cpu_model);
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_int_eq(np_xml_read_caps(xml, strlen(xml), NULL, &back, NULL), 0);
    ck_assert_str_eq(back.cpu_model, "x86_64");
    ck_assert_str_eq(back.source, "capabilities XML capabilities XML");
    free(xml);
    np_topo_dispose(&t);
    np_topo_dispose(&back);
}
END_TEST

/* ---- exact output ---------------------------------------------------- */

/* Nothing numapin-specific to say: exactly libvirt's text, no namespace. */
START_TEST(golden_libvirt)
{
    struct np_topo t;
    char *xml = NULL,
         *want = np_test_slurp(FIXTURES "golden-2node-libvirt.xml", NULL);
    unsigned int n;

    np_topo_init(&t);
    np_test_topo_dense(&t, 2, 2, 1, 2);
    for (n = 0; n < t.nr_node_ids; n++)
        t.nodes[n].mem_free_known = false;
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_str_eq(xml, want);
    free(xml);
    free(want);
    np_topo_dispose(&t);
}
END_TEST

START_TEST(golden_numapin)
{
    struct np_topo t, back;
    char *xml = NULL,
         *want = np_test_slurp(FIXTURES "golden-2node-numapin.xml", NULL);
    struct np_cpu *c7;

    np_topo_init(&t);
    np_topo_init(&back);
    np_test_topo_dense(&t, 2, 2, 2, 2);
    np_topo_set_distance(&t, 0, 1, 21);
    np_topo_set_distance(&t, 1, 0, 21);
    t.cpu_mhz = 2400;
    c7 = &t.cpus[7];
    c7->online = false;
    c7->socket = c7->die = c7->core = -1;
    np_cpumap_dispose(&c7->siblings);
    np_cpumap_clear(&t.cpus[6].siblings, 7);
    ck_assert_int_eq(np_topo_finish(&t, NULL), 0);
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_str_eq(xml, want);
    /* and the golden file reads back as the model */
    ck_assert_int_eq(
        np_xml_read_caps(want, strlen(want), "golden", &back, NULL), 0);
    assert_topo_equal(&t, &back);
    free(xml);
    free(want);
    np_topo_dispose(&t);
    np_topo_dispose(&back);
}
END_TEST

/* The host <cpu><topology>: nodeinfo's per-cell counts, or its fallback. */
struct shape_case {
    unsigned int sockets, cores, threads, nodes;
    int offline_cpu; /* -1: none */
    bool add_memory_node;
    const char *want;
};

static const struct shape_case shape_cases[] = {
    {2, 2, 2, 2, -1, false,
     "<topology sockets='1' dies='1' cores='2' threads='2'/>"},
    {2, 4, 1, 1, -1, false,
     "<topology sockets='2' dies='1' cores='4' threads='1'/>"},
    {4, 2, 2, 2, -1, false,
     "<topology sockets='2' dies='1' cores='2' threads='2'/>"},
    /* a CPU-less node does not count (nodeinfo's rule): 1 socket per
     * cell, 2 cores, 1 thread, not libvirt's fallback cores='4' */
    {2, 2, 1, 2, -1, true,
     "<topology sockets='1' dies='1' cores='2' threads='1'/>"},
    /* an offline CPU that leaves a core short breaks nodes*sockets*cores*
     * threads == online cpus: nodeinfo's fallback, 1 x 3 online x 1 */
    {1, 4, 1, 1, 3, false,
     "<topology sockets='1' dies='1' cores='3' threads='1'/>"},
};

START_TEST(host_cpu_topology)
{
    const struct shape_case *sc = &shape_cases[_i];
    struct np_topo t, big;
    char *xml = NULL;
    unsigned int n;

    np_topo_init(&t);
    np_topo_init(&big);
    np_test_topo_dense(&t, sc->sockets, sc->cores, sc->threads, sc->nodes);
    if (sc->offline_cpu >= 0)
        t.cpus[sc->offline_cpu].online = false;
    if (sc->add_memory_node) {
        ck_assert_int_eq(np_topo_alloc(&big, t.nr_cpu_ids, sc->nodes + 1), 0);
        for (n = 0; n < t.nr_cpu_ids; n++)
            put_cpu(&big, (int)n, t.cpus[n].node, t.cpus[n].socket, 0,
                    t.cpus[n].core, true);
        for (n = 0; n <= sc->nodes; n++)
            put_node(&big, (int)n, 1048576, false, 0);
        np_topo_dispose(&t);
        t = big;
        np_topo_init(&big);
    }
    ck_assert_int_eq(np_topo_finish(&t, NULL), 0);
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    ck_assert_msg(strstr(xml, sc->want) != NULL, "want %s in\n%s", sc->want,
                  xml);
    free(xml);
    np_topo_dispose(&t);
}
END_TEST

START_TEST(write_without_nodes)
{
    struct np_topo t;
    struct np_err err;
    char *xml = (char *)"sentinel";

    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, &err), -EINVAL);
    ck_assert_ptr_null(xml);
    ck_assert_ptr_nonnull(strstr(err.msg, "no numa node"));
}
END_TEST

/* ---- reading real dumps ---------------------------------------------- */

START_TEST(read_constructed_dump)
{
    const char *path = FIXTURES "constructed-per-libvirt-docs-2socket-smt.xml";
    struct np_topo t;
    struct np_err err;
    struct np_cpumap want;
    unsigned int sockets, cores, threads;
    int cpu;

    np_topo_init(&t);
    np_cpumap_init(&want);
    np_err_clear(&err);
    ck_assert_msg(np_xml_read_caps_file(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(t.nr_cpu_ids, 16);
    ck_assert_uint_eq(t.nr_node_ids, 2);
    ck_assert_uint_eq(np_topo_nr_online_cpus(&t), 16);
    ck_assert_str_eq(t.cpu_model, "x86_64");
    ck_assert_uint_eq(t.cpu_mhz, 0);
    ck_assert_uint_eq(t.mem_total_kib, 0);
    ck_assert_uint_eq(t.nodes[0].mem_total_kib, 16303372);
    ck_assert_uint_eq(t.nodes[1].mem_total_kib, 16514804);
    ck_assert(!t.nodes[0].mem_free_known);
    ck_assert_uint_eq(np_topo_distance(&t, 0, 1), 21);
    ck_assert_uint_eq(np_topo_distance(&t, 1, 1), 10);
    np_test_map(&want, 16, 0, 1, 2, 3, 8, 9, 10, 11, -1);
    ck_assert(np_cpumap_equal(np_topo_node_cpus(&t, 0), &want));
    np_cpumap_dispose(&want);
    np_test_map(&want, 16, 5, 13, -1);
    ck_assert(np_cpumap_equal(&t.cpus[13].siblings, &want));
    for (cpu = 0; cpu < 16; cpu++) {
        ck_assert_int_eq(t.cpus[cpu].socket, cpu % 8 / 4);
        ck_assert_int_eq(t.cpus[cpu].core, cpu % 4);
        ck_assert_int_eq(t.cpus[cpu].die, 0);
    }
    np_topo_shape(&t, &sockets, &cores, &threads);
    ck_assert_uint_eq(sockets, 2);
    ck_assert_uint_eq(cores, 4);
    ck_assert_uint_eq(threads, 2);
    ck_assert_ptr_nonnull(strstr(t.source, "constructed-per-libvirt-docs"));
    np_cpumap_dispose(&want);
    np_topo_dispose(&t);
}
END_TEST

/* Older libvirt: no die_id; a CPU of unknown topology is bare; the
 * namespace prefix may be anything. */
START_TEST(read_old_libvirt_and_other_prefix)
{
    static const char xml[] =
        "<capabilities xmlns:np='" NP_XML_NS "'>\n"
        "  <host>\n"
        "    <cpu><arch>ppc64le</arch></cpu>\n"
        "    <topology>\n"
        "      <cells num='1'>\n"
        "        <cell id='0'>\n"
        "          <memory unit='GiB'>2</memory>\n"
        "          <np:free unit='MiB'>1</np:free>\n"
        "          <cpus num='3'>\n"
        "            <cpu id='0' socket_id='0' core_id='0' siblings='0'/>\n"
        "            <cpu id='1'/>\n"
        "            <cpu id='2' np:online='no'/>\n"
        "          </cpus>\n"
        "        </cell>\n"
        "      </cells>\n"
        "    </topology>\n"
        "  </host>\n"
        "</capabilities>\n";
    struct np_topo t;
    struct np_err err;

    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_msg(np_xml_read_caps(xml, sizeof(xml) - 1, "old", &t, &err) == 0,
                  "%s", err.msg);
    ck_assert_str_eq(t.cpu_model, "ppc64le");
    ck_assert_int_eq(t.cpus[0].die, -1);
    ck_assert_int_eq(t.cpus[0].socket, 0);
    ck_assert(t.cpus[1].online);
    ck_assert_int_eq(t.cpus[1].socket, -1);
    ck_assert_int_eq(t.cpus[1].node, 0);
    ck_assert(!t.cpus[2].online);
    ck_assert_int_eq(t.cpus[2].node, 0);
    ck_assert_uint_eq(t.nodes[0].mem_total_kib, 2 * 1048576);
    ck_assert_uint_eq(t.nodes[0].mem_free_kib, 1024);
    ck_assert(t.nodes[0].mem_free_known);
    /* no <distances>: unknown */
    ck_assert_uint_eq(np_topo_distance(&t, 0, 0), 0);
    np_topo_dispose(&t);
}
END_TEST

/* Sizes in every unit libvirt accepts, as KiB. */
struct unit_case {
    const char *value, *unit; /* unit NULL: no attribute */
    uint64_t kib;
};

static const struct unit_case unit_cases[] = {
    {"1048576", NULL, 1048576},
    {"1048576", "KiB", 1048576},
    {"3", "k", 3},
    {"2", "MiB", 2048},
    {"2", "m", 2048},
    {"1", "GiB", 1048576},
    {"1", "tib", 1073741824ULL},
    {"2048", "bytes", 2},
    {"2048", "b", 2},
    {"1025", "byte", 2}, /* rounded up, as libvirt does */
    {"1000", "KB", 977}, /* 1000 * 1000 bytes = 976.5625 KiB */
    {"1", "MB", 977},
    {" 42 ", "KiB", 42},
};

START_TEST(memory_units)
{
    const struct unit_case *uc = &unit_cases[_i];
    char xml[512], unit_attr[64] = "";
    struct np_topo t;
    struct np_err err;

    if (uc->unit)
        snprintf(unit_attr, sizeof(unit_attr), " unit='%s'", uc->unit);
    snprintf(xml, sizeof(xml),
             "<capabilities><host><topology><cells num='1'><cell id='0'>"
             "<memory%s>%s</memory><cpus num='1'><cpu id='0'/></cpus>"
             "</cell></cells></topology></host></capabilities>",
             unit_attr, uc->value);
    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_msg(np_xml_read_caps(xml, strlen(xml), "units", &t, &err) == 0,
                  "%s", err.msg);
    ck_assert_msg(t.nodes[0].mem_total_kib == uc->kib,
                  "%s %s: %llu KiB, want %llu", uc->value,
                  uc->unit ? uc->unit : "(none)",
                  (unsigned long long)t.nodes[0].mem_total_kib,
                  (unsigned long long)uc->kib);
    np_topo_dispose(&t);
}
END_TEST

/* Sparse cell ids size the model by the highest id. */
START_TEST(read_sparse_ids)
{
    static const char xml[] =
        "<capabilities><host><topology><cells num='2'>"
        "<cell id='2'><cpus num='1'><cpu id='5'/></cpus></cell>"
        "<cell id='0'><memory>1024</memory><cpus num='0'/></cell>"
        "</cells></topology></host></capabilities>";
    struct np_topo t;

    np_topo_init(&t);
    ck_assert_int_eq(np_xml_read_caps(xml, sizeof(xml) - 1, NULL, &t, NULL), 0);
    ck_assert_uint_eq(t.nr_node_ids, 3);
    ck_assert_uint_eq(t.nr_cpu_ids, 6);
    ck_assert(!np_topo_node_exists(&t, 1));
    ck_assert(np_topo_node_exists(&t, 2));
    ck_assert(!np_topo_cpu_exists(&t, 4));
    ck_assert_int_eq(np_topo_cpu_node(&t, 5), 2);
    ck_assert(!np_topo_node_has_cpus(&t, 0));
    ck_assert(!np_topo_node_has_memory(&t, 2));
    np_topo_dispose(&t);
}
END_TEST

/* A DOCTYPE with an external subset and no entities is harmless: nothing
 * is fetched (no network, no DTD loading) and the document reads. */
START_TEST(external_dtd_is_not_loaded)
{
    static const char xml[] =
        "<!DOCTYPE capabilities SYSTEM \"http://127.0.0.1:9/caps.dtd\">\n"
        "<capabilities><host><topology><cells num='1'>"
        "<cell id='0'><cpus num='1'><cpu id='0'/></cpus></cell>"
        "</cells></topology></host></capabilities>";
    struct np_topo t;
    struct np_err err;

    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_msg(np_xml_read_caps(xml, sizeof(xml) - 1, "dtd", &t, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(t.nr_cpu_ids, 1);
    np_topo_dispose(&t);
}
END_TEST

/* ---- malformed input ------------------------------------------------- */

#define CELLS_HEAD "<capabilities><host><topology><cells num='1'>"
#define CELLS_TAIL "</cells></topology></host></capabilities>"

struct bad_case {
    const char *what;
    const char *xml;
    const char *want; /* substring of the message */
};

static const struct bad_case bad_cases[] = {
    {"not xml", "this is not XML", "bad:1: "},
    {"truncated",
     "<capabilities>\n<host>\n<topology>\n<cells num='1'>\n"
     "<cell id='0'><cpus num='1'><cpu id='0' socket_",
     "bad:5: "},
    {"empty", "", "bad:1: "},
    {"wrong root", "<?xml version='1.0'?>\n\n<domain type='kvm'/>",
     "bad:3: the root element is <domain>, not <capabilities>"},
    {"namespaced root", "<x:capabilities xmlns:x='urn:x'/>",
     "the root element is <x:capabilities>"},
    {"no host", "<capabilities>\n  <guest/>\n</capabilities>",
     "bad:1: <capabilities> has no <host>"},
    {"no cells", "<capabilities><host><cpu/></host></capabilities>",
     "<host> has no <topology><cells>"},
    {"no cell", CELLS_HEAD CELLS_TAIL, "<cells> lists no <cell>"},
    {"no cpu", CELLS_HEAD "<cell id='0'><cpus num='0'/></cell>" CELLS_TAIL,
     "no <cpu> is listed"},
    {"billion laughs",
     "<?xml version='1.0'?>\n"
     "<!DOCTYPE capabilities [\n"
     " <!ENTITY lol \"lol\">\n"
     " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
     " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
     " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
     " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
     " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
     " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
     " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
     " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
     " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
     "]>\n"
     "<capabilities><host><cpu><arch>&lol9;</arch></cpu></host>"
     "</capabilities>\n",
     "bad:3: the document declares entity 'lol'"},
    {"external entity",
     "<?xml version='1.0'?>\n"
     "<!DOCTYPE capabilities [\n"
     "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
     "]>\n"
     "<capabilities><host><cpu><arch>&xxe;</arch></cpu></host>"
     "</capabilities>\n",
     "bad:3: the document declares entity 'xxe'"},
    {"parameter entity",
     "<!DOCTYPE capabilities [\n"
     "  <!ENTITY % ext SYSTEM \"file:///etc/passwd\"> %ext;\n"
     "]>\n<capabilities/>\n",
     "bad:2: the document declares entity 'ext'"},
    {"undeclared prefix",
     CELLS_HEAD "<cell id='0'><numapin:free>1</numapin:free>"
                "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "numapin"},
    {"duplicate cell",
     CELLS_HEAD "<cell id='0'><cpus num='1'><cpu id='0'/></cpus></cell>\n"
                "<cell id='0'/>" CELLS_TAIL,
     "bad:2: cell id '0' is listed twice"},
    {"duplicate cpu",
     CELLS_HEAD "<cell id='0'><cpus num='2'><cpu id='0'/>\n<cpu id='0'/>"
                "</cpus></cell>" CELLS_TAIL,
     "bad:2: cpu id '0' is listed twice in cell 0"},
    {"cpu in two cells",
     CELLS_HEAD
     "<cell id='0'><cpus num='1'><cpu id='1'/></cpus></cell>\n"
     "<cell id='1'><cpus num='1'>\n<cpu id='1'/></cpus></cell>" CELLS_TAIL,
     "bad:3: cpu id '1' is listed in cell 0 and again in cell 1"},
    {"negative cpu id",
     CELLS_HEAD
     "<cell id='0'><cpus num='1'><cpu id='-1'/></cpus></cell>" CELLS_TAIL,
     "<cpu> attribute id='-1' is not a number from 0 to 65535"},
    {"garbage cpu id",
     CELLS_HEAD
     "<cell id='0'><cpus num='1'><cpu id='3x'/></cpus></cell>" CELLS_TAIL,
     "<cpu> attribute id='3x' is not a number"},
    {"cpu id too high",
     CELLS_HEAD
     "<cell id='0'><cpus num='1'><cpu id='65536'/></cpus></cell>" CELLS_TAIL,
     "id='65536' is not a number from 0 to 65535"},
    {"cell id too high",
     CELLS_HEAD
     "<cell id='4096'><cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<cell> attribute id='4096' is not a number from 0 to 4095"},
    {"cell without id", CELLS_HEAD "<cell/>" CELLS_TAIL,
     "<cell> has no id attribute"},
    {"distance to unknown cell",
     CELLS_HEAD "<cell id='0'><distances><sibling id='0' value='10'/>\n"
                "<sibling id='7' value='20'/></distances>"
                "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "bad:2: cell 0 gives a distance to cell 7, which is not listed"},
    {"garbage distance",
     CELLS_HEAD
     "<cell id='0'><distances><sibling id='0' value='ten'/>"
     "</distances><cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<sibling> attribute value='ten' is not a number"},
    {"garbage memory",
     CELLS_HEAD "<cell id='0'><memory unit='KiB'>12x</memory>"
                "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<memory> '12x' is not a number"},
    {"negative memory",
     CELLS_HEAD "<cell id='0'><memory unit='KiB'>-5</memory>"
                "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<memory> '-5' is not a number"},
    {"unknown unit",
     CELLS_HEAD "<cell id='0'><memory unit='furlongs'>1</memory>"
                "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<memory> unit 'furlongs' is not a unit libvirt knows"},
    {"memory overflow",
     CELLS_HEAD "<cell id='0'><memory unit='EiB'>100</memory>"
                "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<memory> 100 EiB does not fit in 64 bits"},
    {"garbage socket",
     CELLS_HEAD "<cell id='0'><cpus num='1'><cpu id='0' socket_id='a'/>"
                "</cpus></cell>" CELLS_TAIL,
     "<cpu> attribute socket_id='a' is not a number"},
    {"garbage siblings",
     CELLS_HEAD "<cell id='0'><cpus num='1'><cpu id='0' siblings='0-'/>"
                "</cpus></cell>" CELLS_TAIL,
     "cpu 0: siblings='0-' is not a cpu list"},
    {"sibling not listed",
     CELLS_HEAD "<cell id='0'><cpus num='1'><cpu id='0' siblings='0-1'/>"
                "</cpus></cell>" CELLS_TAIL,
     "cpu 0: siblings='0-1' names cpu 1, which is not listed"},
    {"bad online",
     "<capabilities xmlns:numapin='" NP_XML_NS "'><host><topology>"
     "<cells num='1'><cell id='0'><cpus num='1'>"
     "<cpu id='0' numapin:online='maybe'/></cpus></cell>" CELLS_TAIL,
     "numapin:online='maybe' is neither 'yes' nor 'no'"},
    {"garbage free",
     "<capabilities xmlns:numapin='" NP_XML_NS "'><host><topology>"
     "<cells num='1'><cell id='0'><numapin:free>lots</numapin:free>"
     "<cpus num='1'><cpu id='0'/></cpus></cell>" CELLS_TAIL,
     "<numapin:free> 'lots' is not a number"},
};

START_TEST(malformed)
{
    const struct bad_case *bc = &bad_cases[_i];
    struct np_topo t;
    struct np_err err;
    int rc;

    /* a topology read before must survive a failed reading */
    np_topo_init(&t);
    np_test_topo_dense(&t, 1, 2, 1, 1);
    np_err_clear(&err);
    rc = np_xml_read_caps(bc->xml, strlen(bc->xml), "bad", &t, &err);
    ck_assert_msg(rc == -EINVAL, "%s: rc %d (%s)", bc->what, rc, err.msg);
    ck_assert_msg(strstr(err.msg, bc->want) != NULL,
                  "%s: message '%s' lacks '%s'", bc->what, err.msg, bc->want);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "%s: '%s' is not one line",
                  bc->what, err.msg);
    ck_assert_uint_eq(t.nr_cpu_ids, 2);
    np_topo_dispose(&t);
}
END_TEST

START_TEST(truncated_file)
{
    const char *path = FIXTURES "malformed-truncated.xml";
    struct np_topo t;
    struct np_err err;
    char want[512];

    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_int_eq(np_xml_read_caps_file(path, &t, &err), -EINVAL);
    snprintf(want, sizeof(want), "%s:83: ", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "'%s'", err.msg);
    ck_assert_ptr_null(t.cpus);
}
END_TEST

START_TEST(missing_file)
{
    struct np_topo t;
    struct np_err err;

    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_int_eq(
        np_xml_read_caps_file(FIXTURES "no-such-file.xml", &t, &err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such-file.xml"));
}
END_TEST

/* libxml2 would print parse errors to stderr: nothing may reach it. */
START_TEST(errors_stay_off_stderr)
{
    static const char *const docs[] = {
        "<capabilities><host>",
        "<?xml version='1.0' encoding='no-such-encoding'?><capabilities/>",
        ("<?xml version='1.0' encoding='ISO-2022-JP'?><capabilities>\x1b$B\xff"
         "</capabilities>"),
        "<capabilities>\xff\xfe</capabilities>",
        "<!DOCTYPE c [<!ENTITY a \"b\">]><c>&a;</c>",
    };
    char path[] = "/tmp/np-test-stderr-XXXXXX";
    struct np_topo t;
    struct stat st;
    unsigned int i;
    int fd, saved;

    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    saved = dup(2);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(fd, 2), 2);
    np_topo_init(&t);
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        ck_assert_int_eq(
            np_xml_read_caps(docs[i], strlen(docs[i]), "quiet", &t, NULL),
            -EINVAL);
    fflush(stderr);
    ck_assert_int_eq(dup2(saved, 2), 2);
    close(saved);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    close(fd);
}
END_TEST

Suite *suite_test_fmt_xml(void);
Suite *suite_test_fmt_xml(void)
{
    Suite *s = suite_create("fmt_xml");
    TCase *tc = tcase_create("write");

    tcase_add_loop_test(tc, round_trip, 0, NR_TOPO_CASES);
    tcase_add_test(tc, extension_markup);
    tcase_add_test(tc, null_model_reads_as_x86_64);
    tcase_add_test(tc, golden_libvirt);
    tcase_add_test(tc, golden_numapin);
    tcase_add_loop_test(tc, host_cpu_topology, 0,
                        sizeof(shape_cases) / sizeof(shape_cases[0]));
    tcase_add_test(tc, write_without_nodes);
    suite_add_tcase(s, tc);

    tc = tcase_create("read");
    tcase_add_test(tc, read_constructed_dump);
    tcase_add_test(tc, read_old_libvirt_and_other_prefix);
    tcase_add_loop_test(tc, memory_units, 0,
                        sizeof(unit_cases) / sizeof(unit_cases[0]));
    tcase_add_test(tc, read_sparse_ids);
    tcase_add_test(tc, external_dtd_is_not_loaded);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_loop_test(tc, malformed, 0,
                        sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, truncated_file);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, errors_stay_off_stderr);
    suite_add_tcase(s, tc);
    return s;
}
