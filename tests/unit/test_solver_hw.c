/*
 * test_solver_hw.c: the placement rules of the hardware model
 * (common/solver_hw.c) on topologies read from the captured machines of
 * tests/fixtures/hwloc-linux/ (unpacked for each test).  No capture has
 * huge pages reserved or cpupools (Linux has none), so those two tests
 * add them to the loaded topology, and say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_kvm.h"
#include "linux_host.h"
#include "np_test.h"
#include "solver.h"

/* Unpack tests/fixtures/hwloc-linux/NAME.tar.bz2 and read it into topo
 * (hwloc included).  dir receives the temporary directory. */
static void load_tree(const char *name, struct np_topo *topo, char *dir,
                      size_t size)
{
    char cmd[1024], root[1100];
    struct np_err err = {""};
    FILE *ls;

    snprintf(dir, size, "/tmp/np-solver-hw-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd),
             "tar -xjf '%s/tests/fixtures/hwloc-linux/%s.tar.bz2' -C '%s'",
             NP_SRCDIR, name, dir);
    ck_assert_int_eq(system(cmd), 0);
    /* the one directory inside */
    snprintf(cmd, sizeof(cmd), "ls '%s'", dir);
    ls = popen(cmd, "r");
    ck_assert_ptr_nonnull(ls);
    ck_assert_ptr_nonnull(fgets(cmd, sizeof(cmd), ls));
    pclose(ls);
    cmd[strcspn(cmd, "\n")] = '\0';
    snprintf(root, sizeof(root), "%s/%s", dir, cmd);
    np_topo_init(topo);
    ck_assert_msg(np_linux_read_host(root, topo, &err) == 0, "%s: %s", name,
                  err.msg);
    ck_assert_ptr_nonnull(topo->hw);
}

static void drop_tree(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Plan new guests (nr_vcpus each) on snap. */
static int plan_new(struct np_snapshot *snap, unsigned int nr,
                    const unsigned int *vcpus, enum np_policy policy,
                    const struct np_solve_hw *hw, struct np_plan *plan)
{
    struct np_new_guest ng[16];
    struct np_solve_req req;
    struct np_err err = {""};
    unsigned int i;

    ck_assert_uint_le(nr, 16);
    for (i = 0; i < nr; i++) {
        ng[i].name = "g";
        ng[i].nr_vcpus = vcpus[i];
        ng[i].mem_kib = 512 * 1024;
    }
    np_solve_req_init(&req);
    req.policy = policy;
    req.new_guests = ng;
    req.nr_new = nr;
    req.hw = hw;
    return np_solve(snap, &req, plan, &err);
}

/* The CPUs of a placed guest. */
static void guest_cpus(const struct np_plan *plan, unsigned int g,
                       struct np_cpumap *cpus)
{
    unsigned int v;

    np_cpumap_init(cpus);
    ck_assert_int_eq(np_cpumap_alloc(cpus, plan->nr_cpu_ids), 0);
    for (v = 0; v < plan->guests[g].nr_vcpus; v++)
        np_cpumap_or(cpus, &plan->guests[g].hard[v]);
}

/* Which L3 group holds all of cpus: its index, -1 when they span. */
static int llc_of(const struct np_topo *t, const struct np_cpumap *cpus)
{
    unsigned int i;

    for (i = 0; i < t->hw->nr_llc; i++)
        if (np_cpumap_subset(cpus, &t->hw->llc[i].cpus))
            return (int)i;
    return -1;
}

static bool has_reason(const struct np_plan_guest *g, const char *part)
{
    unsigned int i;

    for (i = 0; i < g->nr_reasons; i++)
        if (strstr(g->reasons[i], part))
            return true;
    return false;
}

/*
 * 16em64t-4s2c2t: 4 sockets of 2 cores x 2 threads, one NUMA node, an L3
 * per socket (CPUs 0,4,8,12 / 1,5,9,13 / ...): the CCX-like case.  Four
 * 4-vCPU guests: each within one L3 group, and all four groups different
 * (prefer and isolate).  The NUMA rules alone put the first guest on CPUs
 * 0-3, across four groups: the rule is what changes it.
 */
START_TEST(l3_groups_ccx_like)
{
    static const unsigned int four[] = {4, 4, 4, 4}, two[] = {2, 2, 2, 2};
    static const enum np_policy pol[] = {NP_POLICY_PREFER, NP_POLICY_ISOLATE};
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_cpumap cpus;
    struct np_hw *hw;
    char dir[64];
    unsigned int g, p;
    bool used[4];

    np_snapshot_init(&snap);
    load_tree("16em64t-4s2c2t", &snap.topo, dir, sizeof(dir));
    ck_assert_uint_eq(snap.topo.hw->nr_llc, 4);
    for (p = 0; p < 2; p++) {
        /* an L3 group: 2 cores x 2 threads, 4 vCPUs under prefer, 2 under
         * isolate (one per core) */
        const unsigned int *v = pol[p] == NP_POLICY_ISOLATE ? two : four;

        memset(used, 0, sizeof(used));
        ck_assert_int_eq(plan_new(&snap, 4, v, pol[p], NULL, &plan), 0);
        for (g = 0; g < 4; g++) {
            int l;

            guest_cpus(&plan, g, &cpus);
            l = llc_of(&snap.topo, &cpus);
            ck_assert_msg(l >= 0, "policy %u guest %u spans L3 groups", p, g);
            ck_assert_msg(!used[l], "two guests share L3 group %d", l);
            used[l] = true;
            ck_assert(has_reason(&plan.guests[g], "last-level cache"));
            np_cpumap_dispose(&cpus);
        }
        np_plan_dispose(&plan);
    }
    /* without the hardware model, the same request spans groups */
    hw = snap.topo.hw;
    snap.topo.hw = NULL;
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, NULL, &plan),
                     0);
    guest_cpus(&plan, 0, &cpus);
    ck_assert_int_lt(llc_of(&(struct np_topo){.hw = hw}, &cpus), 0);
    np_cpumap_dispose(&cpus);
    np_plan_dispose(&plan);
    snap.topo.hw = hw;
    np_snapshot_dispose(&snap);
    drop_tree(dir);
}
END_TEST

/* fakepcilocalities: 4 nodes of 10 CPUs; device 0000:43:00.0 on node 1.
 * A guest with it goes to node 1; one too big for node 1 is placed away
 * from it with the reason; an unknown device is a bad request. */
START_TEST(device_node)
{
    static const unsigned int four[] = {4}, eleven[] = {11};
    struct np_solve_hw hw = {.device = "0000:43:00.0"};
    struct np_snapshot snap;
    struct np_plan plan;
    char dir[64];

    np_snapshot_init(&snap);
    load_tree("fakepcilocalities", &snap.topo, dir, sizeof(dir));
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, &hw, &plan), 0);
    ck_assert(np_cpumap_test(&plan.guests[0].nodes, 1));
    ck_assert_uint_eq(np_cpumap_weight(&plan.guests[0].nodes), 1);
    ck_assert(has_reason(&plan.guests[0], "device 0000:43:00.0 is on node 1"));
    np_plan_dispose(&plan);
    /* without it, the lowest node */
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, NULL, &plan),
                     0);
    ck_assert(!np_cpumap_test(&plan.guests[0].nodes, 1));
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, eleven, NP_POLICY_PREFER, &hw, &plan),
                     0);
    ck_assert(plan.guests[0].placed);
    ck_assert(has_reason(&plan.guests[0], "which cannot take the guest"));
    np_plan_dispose(&plan);
    hw.device = "0000:99:00.0";
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, &hw, &plan),
                     -EINVAL);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    drop_tree(dir);
}
END_TEST

/* 40intel64-2g2n4c+pcilocality with huge pages added to the loaded
 * topology (no capture has any reserved): 2M pages, 1 GiB free on node 2
 * only.  A 512 MiB guest goes there whatever MemFree says; two of them
 * fill it; a third does not fit. */
START_TEST(huge_pages)
{
    static const unsigned int one[] = {1}, three[] = {1, 1, 1};
    struct np_solve_hw hw = {.page_kib = 2048};
    struct np_snapshot snap;
    struct np_plan plan;
    char dir[64];
    int n;

    np_snapshot_init(&snap);
    load_tree("40intel64-2g2n4c+pcilocality", &snap.topo, dir, sizeof(dir));
    for (n = 0; n < 4; n++)
        ck_assert_int_eq(np_hw_set_pages(snap.topo.hw, n, 2048,
                                         n == 2 ? 512 : 0, n == 2 ? 512 : 0),
                         0);
    ck_assert_int_eq(plan_new(&snap, 1, one, NP_POLICY_PREFER, &hw, &plan), 0);
    ck_assert(np_cpumap_test(&plan.guests[0].nodes, 2));
    ck_assert(has_reason(&plan.guests[0], "huge pages"));
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 3, three, NP_POLICY_PREFER, &hw, &plan),
                     -ENOSPC);
    ck_assert(plan.guests[0].placed && plan.guests[1].placed);
    ck_assert(!plan.guests[2].placed);
    np_plan_dispose(&plan);
    hw.page_kib = 1024 * 1024;
    ck_assert_int_eq(plan_new(&snap, 1, one, NP_POLICY_PREFER, &hw, &plan),
                     -EINVAL);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    drop_tree(dir);
}
END_TEST

/* 20em64t-hybrid: CPUs 0-11 of efficiency 1 (6 P cores x 2 threads),
 * 12-19 of efficiency 0 (8 E cores).  A guest gets one kind, the P cores
 * first; --cpu-kind e keeps it on E cores; 9 vCPUs on E cores fit nowhere;
 * 16 vCPUs span both kinds. */
START_TEST(core_kinds)
{
    static const unsigned int four[] = {4}, nine[] = {9}, sixteen[] = {16};
    struct np_solve_hw e = {.cpu_kind = "e"}, bad = {.cpu_kind = "x"};
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_cpumap cpus, p_cpus, e_cpus;
    char dir[64];
    unsigned int k;

    np_snapshot_init(&snap);
    load_tree("20em64t-hybrid-1p6c2t+2ca4co1t", &snap.topo, dir, sizeof(dir));
    ck_assert_uint_eq(snap.topo.hw->nr_kinds, 2);
    np_cpumap_init(&p_cpus);
    np_cpumap_init(&e_cpus);
    np_test_map(&p_cpus, snap.topo.nr_cpu_ids, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                11, -1);
    np_test_map(&e_cpus, snap.topo.nr_cpu_ids, 12, 13, 14, 15, 16, 17, 18, 19,
                -1);
    for (k = 0; k < 2; k++)
        ck_assert(np_cpumap_equal(&snap.topo.hw->kinds[k].cpus,
                                  snap.topo.hw->kinds[k].efficiency ? &p_cpus
                                                                    : &e_cpus));
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, NULL, &plan),
                     0);
    guest_cpus(&plan, 0, &cpus);
    ck_assert(np_cpumap_subset(&cpus, &p_cpus));
    np_cpumap_dispose(&cpus);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, &e, &plan), 0);
    guest_cpus(&plan, 0, &cpus);
    ck_assert(np_cpumap_subset(&cpus, &e_cpus));
    np_cpumap_dispose(&cpus);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, nine, NP_POLICY_PREFER, &e, &plan),
                     -ENOSPC);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, sixteen, NP_POLICY_PREFER, NULL, &plan),
                     0);
    guest_cpus(&plan, 0, &cpus);
    ck_assert(np_cpumap_intersects(&cpus, &p_cpus) &&
              np_cpumap_intersects(&cpus, &e_cpus));
    np_cpumap_dispose(&cpus);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, four, NP_POLICY_PREFER, &bad, &plan),
                     -EINVAL);
    np_plan_dispose(&plan);
    np_cpumap_dispose(&p_cpus);
    np_cpumap_dispose(&e_cpus);
    np_snapshot_dispose(&snap);
    drop_tree(dir);
}
END_TEST

/* Cpupools (Xen's; added to a loaded topology, 16amd64-8n2c): pool 0
 * holds CPUs 0-7, "batch" 8-15.  A new guest stays in pool 0 unless
 * --cpupool names another; an unknown pool is a bad request. */
START_TEST(cpupools)
{
    static const unsigned int two[] = {2}, nine[] = {9};
    struct np_solve_hw batch = {.cpupool = "batch"}, nope = {.cpupool = "x"};
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_cpumap cpus;
    struct np_hw_pool *p;
    char dir[64];

    np_snapshot_init(&snap);
    load_tree("16amd64-8n2c", &snap.topo, dir, sizeof(dir));
    p = np_hw_add_pool(snap.topo.hw, snap.topo.nr_cpu_ids);
    p->id = 0;
    p->name = strdup("Pool-0");
    np_cpumap_set_range(&p->cpus, 0, 7);
    p = np_hw_add_pool(snap.topo.hw, snap.topo.nr_cpu_ids);
    p->id = 1;
    p->name = strdup("batch");
    np_cpumap_set_range(&p->cpus, 8, 15);
    ck_assert_int_eq(plan_new(&snap, 1, two, NP_POLICY_PREFER, NULL, &plan), 0);
    guest_cpus(&plan, 0, &cpus);
    ck_assert(np_cpumap_subset(&cpus, &snap.topo.hw->pools[0].cpus));
    ck_assert(has_reason(&plan.guests[0], "cpupool 'Pool-0'"));
    np_cpumap_dispose(&cpus);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, two, NP_POLICY_PREFER, &batch, &plan),
                     0);
    guest_cpus(&plan, 0, &cpus);
    ck_assert(np_cpumap_subset(&cpus, &snap.topo.hw->pools[1].cpus));
    np_cpumap_dispose(&cpus);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, nine, NP_POLICY_PREFER, &batch, &plan),
                     -ENOSPC);
    np_plan_dispose(&plan);
    ck_assert_int_eq(plan_new(&snap, 1, two, NP_POLICY_PREFER, &nope, &plan),
                     -EINVAL);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    drop_tree(dir);
}
END_TEST

/* numatune --migrate refuses memory in huge pages: what counts is the
 * "huge" mappings of numa_maps.  The captured QEMU (tests/fixtures/proc)
 * has none; a copy with one hugetlbfs mapping added has 128 MiB. */
START_TEST(huge_page_guest)
{
    const char *line =
        "7f2a40000000 bind:0 file=/dev/hugepages/qemu_back_mem.pc.ram huge dirty=64 N0=32 N1=32 kernelpagesize_kB=2048\n";
    char dir[64], cmd[512];
    uint64_t kib = 1;
    FILE *f;

    ck_assert_int_eq(np_kvm_guest_huge_kib(NP_SRCDIR
                                           "/tests/fixtures/proc/qemu-tcg",
                                           27839, &kib),
                     0);
    ck_assert_uint_eq(kib, 0);
    ck_assert_uint_eq(
        np_numa_maps_huge_kib(
            "7f00 default anon=10 dirty=10 N0=10 kernelpagesize_kB=4\n"),
        0);
    ck_assert_uint_eq(np_numa_maps_huge_kib(line), 64 * 2048);
    snprintf(dir, sizeof(dir), "/tmp/np-huge-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(
        cmd, sizeof(cmd),
        "cp -r '%s/tests/fixtures/proc/qemu-tcg/proc' '%s/' && chmod -R u+w '%s'",
        NP_SRCDIR, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/proc/27839/numa_maps", dir);
    f = fopen(cmd, "a");
    ck_assert_ptr_nonnull(f);
    fputs(line, f);
    fclose(f);
    ck_assert_int_eq(np_kvm_guest_huge_kib(dir, 27839, &kib), 0);
    ck_assert_uint_eq(kib, 128 * 1024);
    ck_assert_int_eq(np_kvm_guest_huge_kib(dir, 1, &kib), -ENOENT);
    drop_tree(dir);
}
END_TEST

/* A KVM guest started with -device vfio-pci,host=43:00.0 (its command
 * line written into a fake ROOT/proc/PID/cmdline) has the device; plan
 * puts it on the device's node (node 1), the NUMA rules alone on node 0. */
START_TEST(kvm_passthrough_guest)
{
    static const char cmdline[] =
        "qemu-system-x86_64\0-m\0001024\0-device\0vfio-pci,host=43:00.0,id=hostdev0\0-name\0vm\0";
    static const int ids[] = {4242};
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    struct np_err err = {""};
    struct np_guest *g;
    char dir[64], proc[128], cmd[256];
    int rootfd, k;
    FILE *f;

    np_snapshot_init(&snap);
    load_tree("fakepcilocalities", &snap.topo, dir, sizeof(dir));
    snprintf(proc, sizeof(proc), "%s/proc/4242", dir);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", proc);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/cmdline", proc);
    f = fopen(cmd, "w");
    ck_assert_ptr_nonnull(f);
    fwrite(cmdline, 1, sizeof(cmdline) - 1, f);
    fclose(f);
    rootfd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(rootfd, 0);
    ck_assert_int_eq(np_kvm_guest_devices(rootfd, 4242, &snap.topo), 0);
    close(rootfd);
    ck_assert_int_eq(np_hw_find_pci(snap.topo.hw, "0000:43:00.0")->domid, 4242);
    ck_assert_int_eq(np_snapshot_add_guest(&snap, 4242, "vm", 2, false, &g), 0);
    g->mem_kib = 512 * 1024;
    snap.has_guests = true;
    for (k = 0; k < 2; k++) {
        np_solve_req_init(&req);
        req.ids = ids;
        req.nr_ids = 1;
        if (k == 1)
            snap.topo.hw
                ->pci[np_hw_find_pci(snap.topo.hw, "43:00.0") -
                      snap.topo.hw->pci]
                .domid = -1;
        ck_assert_msg(np_solve(&snap, &req, &plan, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(np_cpumap_test(&plan.guests[0].nodes, 1), k == 0);
        ck_assert_int_eq(
            has_reason(&plan.guests[0], "device 0000:43:00.0 is on node 1"),
            k == 0);
        np_plan_dispose(&plan);
    }
    np_snapshot_dispose(&snap);
    drop_tree(dir);
}
END_TEST

Suite *suite_test_solver_hw(void);
Suite *suite_test_solver_hw(void)
{
    Suite *s = suite_create("solver_hw");
    TCase *tc = tcase_create("rules");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, l3_groups_ccx_like);
    tcase_add_test(tc, device_node);
    tcase_add_test(tc, huge_pages);
    tcase_add_test(tc, core_kinds);
    tcase_add_test(tc, cpupools);
    tcase_add_test(tc, huge_page_guest);
    tcase_add_test(tc, kvm_passthrough_guest);
    suite_add_tcase(s, tc);
    return s;
}
