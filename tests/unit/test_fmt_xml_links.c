/*
 * test_fmt_xml_links.c: a modern `virsh capabilities` dump (HMAT
 * <interconnects>, <pages>, <cache><bank>, a CPU-less memory node) read,
 * written and read again without loss; the host <cpu><topology> agrees
 * with nodeinfo; `info` says how many sockets there are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_text.h"
#include "fmt_xml.h"
#include "np_test.h"

#define HMAT_DUMP                                                              \
    NP_SRCDIR                                                                  \
    "/tests/fixtures/xml/constructed-per-libvirt-docs-2socket-smt-hmat.xml"

static void read_file_topo(const char *path, struct np_topo *t)
{
    struct np_err err;

    np_err_clear(&err);
    np_topo_init(t);
    ck_assert_msg(np_xml_read_caps_file(path, t, &err) == 0, "%s", err.msg);
}

static void assert_hw_equal(const struct np_topo *a, const struct np_topo *b)
{
    unsigned int i, j;

    ck_assert_ptr_nonnull(a->hw);
    ck_assert_ptr_nonnull(b->hw);
    ck_assert_uint_eq(a->hw->nr_links, b->hw->nr_links);
    for (i = 0; i < a->hw->nr_links; i++) {
        const struct np_hw_link *x = &a->hw->links[i], *y = &b->hw->links[i];

        ck_assert_int_eq(x->bandwidth, y->bandwidth);
        ck_assert_int_eq(x->initiator, y->initiator);
        ck_assert_int_eq(x->target, y->target);
        ck_assert_uint_eq(x->cache, y->cache);
        ck_assert_str_eq(x->type, y->type);
        ck_assert_uint_eq(x->value, y->value);
    }
    ck_assert_uint_eq(a->hw->nr_llc, b->hw->nr_llc);
    for (i = 0; i < a->hw->nr_llc; i++) {
        ck_assert_int_eq(a->hw->llc[i].id, b->hw->llc[i].id);
        ck_assert_uint_eq(a->hw->llc[i].level, b->hw->llc[i].level);
        ck_assert_uint_eq(a->hw->llc[i].size_kib, b->hw->llc[i].size_kib);
        ck_assert(np_cpumap_equal(&a->hw->llc[i].cpus, &b->hw->llc[i].cpus));
    }
    ck_assert_uint_eq(a->nr_node_ids, b->nr_node_ids);
    for (i = 0; i < a->nr_node_ids; i++) {
        const struct np_hw_node *x = &a->hw->nodes[i], *y = &b->hw->nodes[i];

        ck_assert_int_eq(a->nodes[i].present, b->nodes[i].present);
        ck_assert_uint_eq(a->nodes[i].mem_total_kib, b->nodes[i].mem_total_kib);
        ck_assert_uint_eq(x->nr_pages, y->nr_pages);
        for (j = 0; j < x->nr_pages; j++) {
            ck_assert_uint_eq(x->pages[j].size_kib, y->pages[j].size_kib);
            ck_assert_uint_eq(x->pages[j].total, y->pages[j].total);
        }
    }
}

START_TEST(hmat_dump_reads_links)
{
    struct np_topo t;
    const struct np_hw_link *l;

    read_file_topo(HMAT_DUMP, &t);
    ck_assert_uint_eq(np_topo_nr_nodes(&t), 3);
    ck_assert_ptr_nonnull(t.hw);
    ck_assert_uint_eq(t.hw->nr_links, 10);
    l = &t.hw->links[5];
    ck_assert(!l->bandwidth);
    ck_assert_int_eq(l->initiator, 1);
    ck_assert_int_eq(l->target, 2);
    ck_assert_uint_eq(l->cache, 1);
    ck_assert_str_eq(l->type, "access");
    ck_assert_uint_eq(l->value, 120);
    /* value='100' unit='GiB' is kept in KiB */
    l = &t.hw->links[8];
    ck_assert(l->bandwidth);
    ck_assert_uint_eq(l->value, 100ull << 20);
    ck_assert_uint_eq(t.hw->nr_llc, 2);
    ck_assert_uint_eq(t.hw->nodes[0].nr_pages, 2);
    ck_assert_uint_eq(t.hw->nodes[0].pages[0].total, 512);
    np_topo_dispose(&t);
}
END_TEST

START_TEST(hmat_dump_round_trip)
{
    struct np_topo first, second;
    char *xml1 = NULL, *xml2 = NULL;
    struct np_err err;

    read_file_topo(HMAT_DUMP, &first);
    ck_assert_int_eq(np_xml_write_caps(&first, &xml1, NULL), 0);
    ck_assert_ptr_nonnull(strstr(xml1, "<interconnects>"));
    ck_assert_ptr_nonnull(strstr(xml1,
                                 "<latency initiator='1' target='2' cache='1' "
                                 "type='access' value='120'/>"));
    ck_assert_ptr_nonnull(strstr(xml1, "<bank id='1' level='3'"));
    ck_assert_ptr_nonnull(strstr(xml1, "<pages unit='KiB' size='2048'"));
    /* <interconnects> sits in <topology>, after <cells> */
    ck_assert_ptr_nonnull(strstr(xml1, "</cells>\n      <interconnects>"));
    np_err_clear(&err);
    np_topo_init(&second);
    ck_assert_msg(
        np_xml_read_caps(xml1, strlen(xml1), "written", &second, &err) == 0,
        "%s", err.msg);
    assert_hw_equal(&first, &second);
    ck_assert_int_eq(np_xml_write_caps(&second, &xml2, NULL), 0);
    ck_assert_str_eq(xml1, xml2);
    free(xml1);
    free(xml2);
    np_topo_dispose(&first);
    np_topo_dispose(&second);
}
END_TEST

/* 2 sockets x 4 cores x 2 threads and a CPU-less node: nodeinfo says
 * 1 socket per cell, 4 cores, 2 threads, and so must <cpu><topology>;
 * info says 2 sockets. */
START_TEST(hmat_dump_topology_agrees_with_nodeinfo)
{
    unsigned int nodes, sockets, cores, threads;
    struct np_topo t;
    char *xml = NULL, want[128], *out = NULL;
    size_t size = 0;
    FILE *f;

    read_file_topo(HMAT_DUMP, &t);
    np_nodeinfo_shape(&t, &nodes, &sockets, &cores, &threads);
    ck_assert_uint_eq(nodes, 2);
    ck_assert_uint_eq(sockets, 1);
    ck_assert_uint_eq(cores, 4);
    ck_assert_uint_eq(threads, 2);
    ck_assert_int_eq(np_xml_write_caps(&t, &xml, NULL), 0);
    snprintf(want, sizeof(want),
             "<topology sockets='%u' dies='1' cores='%u' threads='%u'/>",
             sockets, cores, threads);
    ck_assert_msg(strstr(xml, want) != NULL, "want %s in\n%s", want, xml);
    f = open_memstream(&out, &size);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(np_text_xl_info(f, &t, false), 0);
    fclose(f);
    ck_assert_msg(strstr(out, "\nnumapin_nr_sockets     : 2\n") != NULL, "%s",
                  out);
    ck_assert_ptr_nonnull(strstr(out, "cores_per_socket       : 4\n"));
    free(out);
    free(xml);
    np_topo_dispose(&t);
}
END_TEST

static const struct {
    const char *link, *want;
} bad_links[] = {
    {"<latency initiator='0' target='7' type='access' value='5'/>",
     "names a cell that is not in <cells>"},
    {"<latency target='0' type='access' value='5'/>",
     "needs initiator and target"},
    {"<latency initiator='0' target='0' type='fast' value='5'/>",
     "type is not access, read or write"},
    {"<latency initiator='0' target='0' type='read' value='-5'/>",
     "not a whole number"},
    {"<bandwidth initiator='0' target='0' type='read' value='5' unit='PB'/>",
     "unit is not KiB"},
    {"<latency initiator='0' target='0' cache='12' type='read' value='5'/>",
     "cache is not a level"},
};

START_TEST(bad_interconnects)
{
    char xml[1024];
    struct np_topo t;
    struct np_err err;

    snprintf(xml, sizeof(xml),
             "<capabilities><host><topology><cells num='1'><cell id='0'>"
             "<memory unit='KiB'>1024</memory><cpus num='1'>"
             "<cpu id='0' socket_id='0' core_id='0' siblings='0'/></cpus>"
             "</cell></cells>\n<interconnects>%s</interconnects>"
             "</topology></host></capabilities>",
             bad_links[_i].link);
    np_topo_init(&t);
    np_err_clear(&err);
    ck_assert_int_eq(np_xml_read_caps(xml, strlen(xml), "bad", &t, &err),
                     -EINVAL);
    ck_assert_msg(strstr(err.msg, bad_links[_i].want) != NULL, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "bad:2: "));
    np_topo_dispose(&t);
}
END_TEST

Suite *suite_test_fmt_xml_links(void);
Suite *suite_test_fmt_xml_links(void)
{
    Suite *s = suite_create("fmt_xml_links");
    TCase *tc = tcase_create("hmat");

    tcase_add_test(tc, hmat_dump_reads_links);
    tcase_add_test(tc, hmat_dump_round_trip);
    tcase_add_test(tc, hmat_dump_topology_agrees_with_nodeinfo);
    tcase_add_loop_test(tc, bad_interconnects, 0,
                        sizeof(bad_links) / sizeof(bad_links[0]));
    suite_add_tcase(s, tc);
    return s;
}
