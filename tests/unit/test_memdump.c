/*
 * test_memdump.c: Xen's debug key 'u' dump (common/memdump.c) on consoles
 * captured from the test bed (tests/fixtures/xen-memdump: `xl dmesg` in
 * dom0 of the two-node shape with domu2 running), cut and edited the ways
 * a console ring goes wrong; the local share and estimate of
 * common/numastat.c; memory.numa_stat and the KVM measurement
 * (kvm/kvm_memory.c) on the captured QEMU tree and fake cgroups.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memdump.h"
#include "np_test.h"
#include "numastat.h"
#include "snapshot.h"
#ifdef CONFIG_KVM
#include "kvm_memory.h"
#endif

#define DUMPS NP_SRCDIR "/tests/fixtures/xen-memdump"

START_TEST(captured_dmesg)
{
    char *text = np_test_slurp(DUMPS "/two-node-dmesg.txt", NULL);
    struct np_memdump d;
    struct np_err err = {""};
    const struct np_memdump_dom *x;

    np_memdump_init(&d);
    ck_assert_int_eq(np_memdump_parse(text, 2, "", &d, &err), 0);
    ck_assert_uint_eq(d.nr_doms, 2);
    x = np_memdump_find(&d, 0);
    ck_assert(x != NULL);
    ck_assert_uint_eq(x->total_pages, 131072);
    ck_assert_uint_eq(x->pages[0], 20950);
    ck_assert_uint_eq(x->pages[1], 110122);
    x = np_memdump_find(&d, 1);
    ck_assert(x != NULL);
    ck_assert_uint_eq(x->total_pages, 24576);
    ck_assert_uint_eq(x->pages[0], 24576);
    ck_assert_uint_eq(x->pages[1], 0);
    ck_assert(np_memdump_find(&d, 2) == NULL);
    ck_assert_str_eq(d.header,
                     "'u' pressed -> dumping numa info (now = 51411660902)");
    /* one node id only: node 1 is refused */
    ck_assert_int_eq(np_memdump_parse(text, 1, NULL, &d, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "node 1"));
    np_memdump_dispose(&d);
    free(text);
}
END_TEST

/* Two dumps in the ring: the latest is taken, and only when it is new. */
START_TEST(latest_and_stale)
{
    char *text = np_test_slurp(DUMPS "/two-node-tail.txt", NULL);
    char first[NP_MEMDUMP_HEADER_MAX], last[NP_MEMDUMP_HEADER_MAX];
    struct np_memdump d;
    struct np_err err = {""};
    char *p;

    np_memdump_init(&d);
    np_memdump_last_header(text, last, sizeof(last));
    ck_assert_str_eq(last,
                     "'u' pressed -> dumping numa info (now = 51740346305)");
    /* the ring before the second key: everything up to its header */
    p = strstr(text, "(XEN) 'u' pressed -> dumping numa info (now = 517");
    ck_assert_ptr_nonnull(p);
    *p = '\0';
    np_memdump_last_header(text, first, sizeof(first));
    *p = '(';
    ck_assert_str_eq(first,
                     "'u' pressed -> dumping numa info (now = 51411660902)");
    ck_assert_int_eq(np_memdump_parse(text, 2, first, &d, &err), 0);
    ck_assert_str_eq(d.header, last);
    ck_assert_uint_eq(d.nr_doms, 2);
    ck_assert_uint_eq(np_memdump_find(&d, 0)->pages[1], 110122);
    /* the key had no effect: the latest is the one from before */
    ck_assert_int_eq(np_memdump_parse(text, 2, last, &d, &err), -ENOENT);
    ck_assert_uint_eq(d.nr_doms, 0);
    np_memdump_dispose(&d);
    free(text);
}
END_TEST

/* The ring wrapped over the start of the dump; the ring cut it short. */
START_TEST(truncated)
{
    char *text = np_test_slurp(DUMPS "/two-node-tail.txt", NULL);
    struct np_memdump d;
    struct np_err err = {""};
    char *p, *cut;

    np_memdump_init(&d);
    /* everything before the last dump's second line is overwritten */
    p = strstr(text, "(now = 51740346305)");
    ck_assert_ptr_nonnull(p);
    p = strchr(p, '\n') + 1;
    ck_assert_int_eq(np_memdump_parse(p, 2, "", &d, &err), -EOVERFLOW);
    ck_assert_ptr_nonnull(strstr(err.msg, "conring_size="));
    /* the same from inside the domain list */
    np_err_clear(&err);
    p = strstr(p, "Domain 1");
    ck_assert_int_eq(np_memdump_parse(p, 2, "", &d, &err), -EOVERFLOW);
    /* an empty ring: no dump at all */
    np_err_clear(&err);
    ck_assert_int_eq(
        np_memdump_parse("(XEN) Freed 656kB init memory\n", 2, "", &d, &err),
        -ENOENT);
    /* the last domain's last node line missing */
    np_err_clear(&err);
    cut = strdup(text);
    p = strrchr(cut, '\n');
    *p = '\0';
    p = strrchr(cut, '\n');
    p[1] = '\0';
    ck_assert_int_eq(np_memdump_parse(cut, 2, "", &d, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "domain 1 (1 of 2"));
    free(cut);
    np_memdump_dispose(&d);
    free(text);
}
END_TEST

/* Newer Xen's "%pd" names, console timestamps, \r\n, interleaved lines
 * and vNUMA lines. */
START_TEST(other_spellings)
{
    const char *text =
        "(XEN) [   12.500] 'u' pressed -> dumping numa info (now = 1)\r\n"
        "(XEN) [   12.500] Memory location of each domain:\r\n"
        "(XEN) [   12.501] d0 (total: 300):\r\n"
        "(XEN) [   12.501]     Node 0: 100\r\n"
        "(d3) a guest's line: Node 0: 7\r\n"
        "(XEN) [   12.501]     Node 1: 200\r\n"
        "(XEN) [   12.502] d3 (total: 10):\r\n"
        "(XEN) [   12.502]     Node 0: 4\r\n"
        "(XEN) [   12.502]     Node 1: 6\r\n"
        "(XEN) [   12.502]      2 vnodes, 2 vcpus, guest physical layout:\r\n"
        "(XEN) [   12.502]          0: pnode   0, vcpus 0\r\n";
    struct np_memdump d;

    np_memdump_init(&d);
    ck_assert_int_eq(np_memdump_parse(text, 2, NULL, &d, NULL), 0);
    ck_assert_uint_eq(d.nr_doms, 2);
    ck_assert_uint_eq(np_memdump_find(&d, 0)->pages[0], 100);
    ck_assert_uint_eq(np_memdump_find(&d, 0)->pages[1], 200);
    ck_assert_uint_eq(np_memdump_find(&d, 3)->pages[1], 6);
    ck_assert_int_eq(np_memdump_parse("(XEN) 'u' pressed -> dumping numa "
                                      "info (now = 2)\n(XEN) d0 (total: 1):\n",
                                      2, NULL, &d, NULL),
                     -EPROTO);
    np_memdump_dispose(&d);
}
END_TEST

/* ---- local share and estimate ---------------------------------------- */

/* Two nodes of 2 CPUs; guest 1 with 2 vCPUs pinned to CPUs 2-3. */
static void two_node(struct np_snapshot *snap, struct np_guest **g)
{
    np_snapshot_init(snap);
    np_test_topo_dense(&snap->topo, 2, 2, 1, 2);
    snap->has_guests = true;
    snap->backend = "test";
    ck_assert_int_eq(np_snapshot_add_guest(snap, 1, "domu1", 2, true, g), 0);
    (*g)->mem_kib = 131072;
    np_cpumap_set(&(*g)->vcpus[0].hard, 2);
}

START_TEST(local_share)
{
    struct np_snapshot snap;
    struct np_guest *g;
    char *json = NULL, *buf = NULL, row[128];
    size_t len = 0;
    FILE *f;

    two_node(&snap, &g);
    np_cpumap_set(&g->vcpus[1].hard, 3);
    ck_assert(np_guest_local_pct(&snap.topo, g) < 0); /* not measured */
    g->mem_per_node_kib = calloc(2, sizeof(uint64_t));
    g->mem_per_node_kib[0] = 98304;
    g->mem_per_node_kib[1] = 32768;
    g->mem_source = "xen debug key u";
    ck_assert_uint_eq(np_guest_mem_measured(&snap.topo, g), 131072);
    ck_assert(np_guest_local_pct(&snap.topo, g) == 25.0);

    f = open_memstream(&buf, &len);
    ck_assert_int_eq(np_numastat_text(f, &snap, NULL, 0), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "from xen debug key u"));
    snprintf(row, sizeof(row), "%-24s %15.2f %15.2f %15.2f %6.1f%%\n",
             "1 (domu1)", 96.0, 32.0, 128.0, 25.0);
    ck_assert_ptr_nonnull(strstr(buf, row));
    ck_assert_ptr_nonnull(strstr(buf, "note: 'domu1' has 75.0% of its memory "
                                      "on nodes where its vCPUs do not run"));
    free(buf);
    ck_assert_int_eq(np_numastat_json(&snap, NULL, 0, &json, NULL), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"memory_per_node_kib\": {"));
    ck_assert_ptr_nonnull(strstr(json, "\"0\": 98304"));
    ck_assert_ptr_nonnull(strstr(json, "\"total_kib\": 131072"));
    ck_assert_ptr_nonnull(strstr(json, "\"local_pct\": 25.0"));
    ck_assert_ptr_nonnull(strstr(json, "\"source\": \"xen debug key u\""));
    free(json);

    /* every hard map is all CPUs: the soft maps decide (Xen) */
    np_cpumap_set_all(&g->vcpus[0].hard);
    np_cpumap_set_all(&g->vcpus[1].hard);
    np_cpumap_set(&g->vcpus[0].soft, 0);
    ck_assert(np_guest_local_pct(&snap.topo, g) == 75.0);
    np_snapshot_dispose(&snap);
}
END_TEST

START_TEST(estimate)
{
    struct np_snapshot snap;
    struct np_guest *g;

    two_node(&snap, &g);
    g->mem_kib = 100001;
    np_cpumap_set(&g->node_affinity, 1);
    ck_assert_int_eq(np_guest_estimate_memory(&snap.topo, g), 0);
    ck_assert_uint_eq(g->mem_per_node_kib[0], 0);
    ck_assert_uint_eq(g->mem_per_node_kib[1], 100001);
    ck_assert_str_eq(g->mem_source, "estimated from node affinity");
    /* both nodes (or no affinity at all): shared, the rest on the first */
    np_cpumap_set(&g->node_affinity, 0);
    ck_assert_int_eq(np_guest_estimate_memory(&snap.topo, g), 0);
    ck_assert_uint_eq(g->mem_per_node_kib[0], 50001);
    ck_assert_uint_eq(g->mem_per_node_kib[1], 50000);
    np_cpumap_dispose(&g->node_affinity);
    ck_assert_int_eq(np_guest_estimate_memory(&snap.topo, g), 0);
    ck_assert_uint_eq(g->mem_per_node_kib[0] + g->mem_per_node_kib[1], 100001);
    np_snapshot_dispose(&snap);
}
END_TEST

#ifdef CONFIG_KVM
/* ---- KVM: memory.numa_stat and numa_maps ----------------------------- */

START_TEST(numa_stat)
{
    const char *text = "anon N0=4096 N1=1048576\n"
                       "file N0=8192 N1=0 N5=4096\n"
                       "kernel_stack N0=16384 N1=0\n"
                       "shmem N0=4096 N1=0\n";
    uint64_t kib[2];

    ck_assert_int_eq(np_numa_stat_parse(text, 2, kib), 0);
    ck_assert_uint_eq(kib[0], 4 + 8);
    ck_assert_uint_eq(kib[1], 1024);
    ck_assert_int_eq(np_numa_stat_parse("kernel N0=1\n", 2, kib), -ENOENT);
    ck_assert_int_eq(np_numa_stat_parse("anon N0=x\n", 2, kib), -EINVAL);
    ck_assert_int_eq(np_numa_stat_parse("anon 12\n", 2, kib), -EINVAL);
}
END_TEST

static void put(int dirfd, const char *rel, const char *text)
{
    int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* A fake root: pid 40 alone in its scope (numa_stat), pid 41 sharing
 * its cgroup with 42 (numa_maps). */
START_TEST(kvm_sources)
{
    char root[] = "/tmp/np-memtest-XXXXXX";
    uint64_t *kib = NULL;
    const char *src = NULL;
    int fd;

    ck_assert_ptr_nonnull(mkdtemp(root));
    fd = open(root, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mkdirat(fd, "proc", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "proc/40", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "proc/41", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "sys", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "sys/fs", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "sys/fs/cgroup", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "sys/fs/cgroup/vm", 0755), 0);
    ck_assert_int_eq(mkdirat(fd, "sys/fs/cgroup/shared", 0755), 0);
    put(fd, "proc/40/cgroup", "0::/vm\n");
    put(fd, "proc/40/numa_maps", "7f00 default anon=1 N0=1\n");
    put(fd, "sys/fs/cgroup/vm/cgroup.procs", "40\n");
    put(fd, "sys/fs/cgroup/vm/memory.numa_stat",
        "anon N0=2097152 N1=1048576\nfile N0=0 N1=1048576\n");
    put(fd, "proc/41/cgroup", "0::/shared\n");
    put(fd, "proc/41/numa_maps", "7f00 default anon=3 N0=1 N1=2\n");
    put(fd, "sys/fs/cgroup/shared/cgroup.procs", "41\n42\n");
    put(fd, "sys/fs/cgroup/shared/memory.numa_stat", "anon N0=1 N1=1\n");

    ck_assert_int_eq(np_kvm_guest_memory(fd, 40, 2, &kib, &src), 0);
    ck_assert_str_eq(src, "memory.numa_stat");
    ck_assert_uint_eq(kib[0], 2048);
    ck_assert_uint_eq(kib[1], 2048);
    free(kib);
    ck_assert_int_eq(np_kvm_guest_memory(fd, 41, 2, &kib, &src), 0);
    ck_assert_str_eq(src, "numa_maps");
    ck_assert_uint_eq(kib[0], 4);
    ck_assert_uint_eq(kib[1], 8);
    free(kib);
    /* a cgroup path with ".." is not followed */
    put(fd, "proc/40/cgroup", "0::/vm/../shared\n");
    ck_assert_int_eq(np_kvm_guest_memory(fd, 40, 2, &kib, &src), 0);
    ck_assert_str_eq(src, "numa_maps");
    free(kib);
    ck_assert_int_eq(np_kvm_guest_memory(fd, 43, 2, &kib, &src), -ENOENT);
    close(fd);
    {
        char cmd[64];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        ck_assert_int_eq(system(cmd), 0);
    }
}
END_TEST

/* The captured QEMU tree: numa_maps summed, as numastat -p sums it. */
START_TEST(kvm_captured)
{
    int fd =
        open(NP_SRCDIR "/tests/fixtures/proc/qemu-tcg", O_RDONLY | O_DIRECTORY);
    uint64_t *kib = NULL;
    const char *src = NULL;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(np_kvm_guest_memory(fd, 27839, 1, &kib, &src), 0);
    ck_assert_str_eq(src, "numa_maps");
    ck_assert_uint_eq(kib[0], 46124); /* the sum of its N0= fields */
    free(kib);
    close(fd);
}
END_TEST
#endif

Suite *suite_test_memdump(void);
Suite *suite_test_memdump(void)
{
    Suite *s = suite_create("memdump");
    TCase *tc = tcase_create("xen");
    TCase *share = tcase_create("share");

    tcase_add_test(tc, captured_dmesg);
    tcase_add_test(tc, latest_and_stale);
    tcase_add_test(tc, truncated);
    tcase_add_test(tc, other_spellings);
    suite_add_tcase(s, tc);
    tcase_add_test(share, local_share);
    tcase_add_test(share, estimate);
#ifdef CONFIG_KVM
    tcase_add_test(share, numa_stat);
    tcase_add_test(share, kvm_sources);
    tcase_add_test(share, kvm_captured);
#endif
    suite_add_tcase(s, share);
    return s;
}
