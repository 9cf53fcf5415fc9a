/*
 * test_fmt_text.c: the xl and virsh layouts.  The expected texts are what
 * real xl 4.17 and virsh printed (../shared/xen-qemu/RECIPE.md §9, and the
 * 2010 write-up), not what this code happens to print.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_text.h"
#include "np_test.h"

static char *capture_buf;
static size_t capture_len;

static FILE *capture_open(void)
{
    FILE *f = open_memstream(&capture_buf, &capture_len);

    ck_assert_ptr_nonnull(f);
    return f;
}

static char *capture_close(FILE *f)
{
    fclose(f);
    return capture_buf;
}

/* Reference run A: q35, 2 sockets x 2 cores, 2 nodes of 1024/1023 MiB. */
static void run_a_host(struct np_topo *t)
{
    np_topo_init(t);
    np_test_topo_dense(t, 2, 2, 1, 2);
    t->nodes[0].mem_total_kib = 1024 * 1024;
    t->nodes[1].mem_total_kib = 1023 * 1024;
    t->nodes[0].mem_free_kib = 688 * 1024;
    t->nodes[1].mem_free_kib = 311 * 1024 + 512;
}

START_TEST(xl_info_tables)
{
    struct np_topo t;
    FILE *f;
    char *out;
    const char *want_tables = "cpu_topology           :\n"
                              "cpu:    core    socket     node\n"
                              "  0:       0        0        0\n"
                              "  1:       1        0        0\n"
                              "  2:       0        1        1\n"
                              "  3:       1        1        1\n"
                              "device topology        :\n"
                              "device           node\n"
                              "No device topology data available\n"
                              "numa_info              :\n"
                              "node:    memsize    memfree    distances\n"
                              "   0:      1024        688      10,20\n"
                              "   1:      1023        311      20,10\n";

    run_a_host(&t);
    f = capture_open();
    np_text_xl_info(f, &t, true);
    out = capture_close(f);
    ck_assert_msg(strstr(out, want_tables), "got:\n%s", out);
    ck_assert(strstr(out, "nr_cpus                : 4\n"));
    ck_assert(strstr(out, "max_cpu_id             : 3\n"));
    ck_assert(strstr(out, "nr_nodes               : 2\n"));
    ck_assert(strstr(out, "cores_per_socket       : 2\n"));
    ck_assert(strstr(out, "threads_per_core       : 1\n"));
    free(out);
    np_topo_dispose(&t);
}
END_TEST

/* xl info -n of Xen 4.17 prints libxl_get_pci_topology() between the two
 * tables: the devices whose node is known, as "%04x:%02x:%02x.%01x      %d"
 * (a device without a node is left out). */
START_TEST(xl_info_device_topology)
{
    struct np_topo t;
    struct np_hw_pci *d;
    FILE *f;
    char *out;
    const char *want = "  3:       1        1        1\n"
                       "device topology        :\n"
                       "device           node\n"
                       "0000:00:1f.2      0\n"
                       "0000:43:00.0      1\n"
                       "numa_info              :\n";

    run_a_host(&t);
    t.hw = np_hw_new(t.nr_cpu_ids, t.nr_node_ids);
    ck_assert_ptr_nonnull(t.hw);
    d = np_hw_add_pci(t.hw, t.nr_cpu_ids);
    snprintf(d->bdf, sizeof(d->bdf), "0000:00:1f.2");
    d->node = 0;
    d = np_hw_add_pci(t.hw, t.nr_cpu_ids);
    snprintf(d->bdf, sizeof(d->bdf), "0000:02:00.0"); /* no node */
    d = np_hw_add_pci(t.hw, t.nr_cpu_ids);
    snprintf(d->bdf, sizeof(d->bdf), "0000:43:00.0");
    d->node = 1;
    f = capture_open();
    np_text_xl_info(f, &t, true);
    out = capture_close(f);
    ck_assert_msg(strstr(out, want), "got:\n%s", strstr(out, "device"));
    free(out);
    np_topo_dispose(&t);
}
END_TEST

/* Run B: SMT, siblings adjacent, `core` shared by the two threads. */
START_TEST(xl_info_smt)
{
    struct np_topo t;
    FILE *f;
    char *out;

    np_topo_init(&t);
    np_test_topo_dense(&t, 2, 2, 2, 2);
    f = capture_open();
    np_text_xl_info(f, &t, true);
    out = capture_close(f);
    ck_assert_msg(strstr(out, "  0:       0        0        0\n"
                              "  1:       0        0        0\n"
                              "  2:       1        0        0\n"
                              "  3:       1        0        0\n"
                              "  4:       0        1        1\n"),
                  "%s", out);
    ck_assert(strstr(out, "threads_per_core       : 2\n"));
    ck_assert(strstr(out, "cores_per_socket       : 2\n"));
    free(out);
    np_topo_dispose(&t);
}
END_TEST

/* xl vcpu-list after `xl vcpu-pin 0 1 2-3 0` and the domU pins. */
START_TEST(xl_vcpu_list)
{
    struct np_snapshot s;
    struct np_guest *g;
    FILE *f;
    char *out;
    const char *want =
        "Name                                ID  VCPU   CPU State   Time(s) "
        "Affinity (Hard / Soft)\n"
        "Domain-0                             0     0    1   r--       5.8  "
        "0-1 / 1\n"
        "Domain-0                             0     1    0   ---       4.5  "
        "all / 2-3\n"
        "domu1                                1     0    2   r--       2.7  "
        "2 / 2-3\n"
        "domu1                                1     1    -   --p       0.0  "
        "3 / 0-1\n";

    np_snapshot_init(&s);
    run_a_host(&s.topo);
    ck_assert_int_eq(np_snapshot_add_guest(&s, 0, "Domain-0", 2, true, &g), 0);
    g->vcpus[0].online = g->vcpus[0].running = true;
    g->vcpus[0].cpu = 1;
    g->vcpus[0].time_ns = 5800000000ULL;
    np_cpumap_set_range(&g->vcpus[0].hard, 0, 1);
    np_cpumap_set(&g->vcpus[0].soft, 1);
    g->vcpus[1].online = true;
    g->vcpus[1].cpu = 0;
    g->vcpus[1].time_ns = 4512345678ULL;
    np_cpumap_set_all(&g->vcpus[1].hard);
    np_cpumap_set_range(&g->vcpus[1].soft, 2, 3);
    ck_assert_int_eq(np_snapshot_add_guest(&s, 1, "domu1", 2, true, &g), 0);
    g->vcpus[0].online = g->vcpus[0].running = true;
    g->vcpus[0].cpu = 2;
    g->vcpus[0].time_ns = 2700000000ULL;
    np_cpumap_set(&g->vcpus[0].hard, 2);
    np_cpumap_set_range(&g->vcpus[0].soft, 2, 3);
    np_cpumap_set(&g->vcpus[1].hard, 3);
    np_cpumap_set_range(&g->vcpus[1].soft, 0, 1);
    s.has_guests = true;

    f = capture_open();
    np_text_vcpu_list(f, &s, NULL, 0);
    out = capture_close(f);
    ck_assert_str_eq(out, want);
    free(out);

    /* no overlap: Domain-0's pin 0-1 and domu1's 2 and 3 are disjoint */
    f = capture_open();
    ck_assert_uint_eq(np_text_overlap_warnings(f, &s), 0);
    free(capture_close(f));
    /* pin domu1 vcpu 1 onto cpu 1: shared with Domain-0 vcpu 0 */
    np_cpumap_zero(&s.guests[1].vcpus[1].hard);
    np_cpumap_set(&s.guests[1].vcpus[1].hard, 1);
    f = capture_open();
    ck_assert_uint_eq(np_text_overlap_warnings(f, &s), 1);
    out = capture_close(f);
    ck_assert_str_eq(out, "warning: cpu 1 is in the pins of more than one "
                          "guest: Domain-0/0 domu1/1\n");
    free(out);

    f = capture_open();
    np_text_map(f, &s);
    out = capture_close(f);
    ck_assert_msg(strstr(out, "node 0: cpus 0-1, memory 1024 MiB, free 688 "
                              "MiB\n"),
                  "%s", out);
    /* cpu 1: domu1/1 alone; Domain-0 vcpu 0 (0-1) and 1 (all) float */
    ck_assert_msg(strstr(out, "     1      0    1  domu1/1"), "%s", out);
    ck_assert(strstr(out, "warning: cpu 1 is in the pins"));
    free(out);
    np_snapshot_dispose(&s);
}
END_TEST

/* The write-up's `virsh vcpuinfo rhel5xen`, after the pins. */
START_TEST(virsh_vcpuinfo)
{
    struct np_snapshot s;
    struct np_guest *g;
    FILE *f;
    char *out;
    unsigned int v;
    const char *want = "VCPU:           0\n"
                       "CPU:            4\n"
                       "State:          running\n"
                       "CPU time:       32.2s\n"
                       "CPU Affinity:   ----y---\n"
                       "\n"
                       "VCPU:           1\n"
                       "CPU:            5\n"
                       "State:          running\n"
                       "CPU Affinity:   -----y--\n";

    np_snapshot_init(&s);
    np_test_topo_dense(&s.topo, 2, 4, 1, 2);
    ck_assert_int_eq(np_snapshot_add_guest(&s, 1, "rhel5xen", 2, false, &g), 0);
    for (v = 0; v < 2; v++) {
        g->vcpus[v].online = g->vcpus[v].running = true;
        g->vcpus[v].cpu = 4 + (int)v;
        np_cpumap_set(&g->vcpus[v].hard, 4 + (int)v);
    }
    g->vcpus[0].time_ns = 32200000000ULL;
    f = capture_open();
    np_text_vcpuinfo(f, &s, g);
    out = capture_close(f);
    ck_assert_str_eq(out, want);
    free(out);
    np_snapshot_dispose(&s);
}
END_TEST

/* The write-up's host: 8 CPUs, 2 sockets x 4 cores, 2 cells. */
START_TEST(virsh_nodeinfo_freecell)
{
    struct np_topo t;
    struct np_err err = {""};
    FILE *f;
    char *out;

    np_topo_init(&t);
    np_test_topo_dense(&t, 2, 4, 1, 2);
    t.cpu_mhz = 1000;
    t.nodes[0].mem_total_kib = 4089588;
    t.nodes[1].mem_total_kib = 4089588;
    t.nodes[0].mem_free_kib = 2203620;
    t.nodes[1].mem_free_kib = 3354784;
    f = capture_open();
    np_text_nodeinfo(f, &t);
    out = capture_close(f);
    ck_assert_str_eq(out, "CPU model:           x86_64\n"
                          "CPU(s):              8\n"
                          "CPU frequency:       1000 MHz\n"
                          "CPU socket(s):       1\n"
                          "Core(s) per socket:  4\n"
                          "Thread(s) per core:  1\n"
                          "NUMA cell(s):        2\n"
                          "Memory size:         8179176 KiB\n");
    free(out);

    f = capture_open();
    ck_assert_int_eq(np_text_freecell(f, &t, 0, &err), 0);
    ck_assert_int_eq(np_text_freecell(f, &t, 1, &err), 0);
    ck_assert_int_eq(np_text_freecell(f, &t, NP_FREECELL_ALL, &err), 0);
    ck_assert_int_eq(np_text_freecell(f, &t, NP_FREECELL_TOTAL, &err), 0);
    out = capture_close(f);
    ck_assert_str_eq(out, "0: 2203620 KiB\n"
                          "1: 3354784 KiB\n"
                          "    0:    2203620 KiB\n"
                          "    1:    3354784 KiB\n"
                          "--------------------\n"
                          "Total:    5558404 KiB\n"
                          "Total: 5558404 KiB\n");
    free(out);

    f = capture_open();
    ck_assert_int_eq(np_text_freecell(f, &t, 7, &err), -EINVAL);
    ck_assert(strstr(err.msg, "node '7' does not exist"));
    t.nodes[1].mem_free_known = false;
    np_err_clear(&err);
    ck_assert_int_eq(np_text_freecell(f, &t, NP_FREECELL_ALL, &err), -ENODATA);
    free(capture_close(f));
    np_topo_dispose(&t);
}
END_TEST

/* An uneven host: libvirt reports 1 cell, 1 socket, N cores. */
START_TEST(nodeinfo_uneven)
{
    struct np_topo t;
    unsigned int nodes, sockets, cores, threads;

    np_topo_init(&t);
    np_test_topo_dense(&t, 3, 2, 1, 2); /* sockets 0,2 on node 0 */
    np_nodeinfo_shape(&t, &nodes, &sockets, &cores, &threads);
    ck_assert_uint_eq(nodes, 1);
    ck_assert_uint_eq(sockets, 1);
    ck_assert_uint_eq(cores, 6);
    ck_assert_uint_eq(threads, 1);
    np_topo_dispose(&t);
}
END_TEST

Suite *suite_test_fmt_text(void);
Suite *suite_test_fmt_text(void)
{
    Suite *s = suite_create("fmt_text");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, xl_info_tables);
    tcase_add_test(tc, xl_info_device_topology);
    tcase_add_test(tc, xl_info_smt);
    tcase_add_test(tc, xl_vcpu_list);
    tcase_add_test(tc, virsh_vcpuinfo);
    tcase_add_test(tc, virsh_nodeinfo_freecell);
    tcase_add_test(tc, nodeinfo_uneven);
    suite_add_tcase(s, tc);
    return s;
}
