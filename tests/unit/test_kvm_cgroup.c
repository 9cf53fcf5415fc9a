/*
 * test_kvm_cgroup.c: a QEMU guest's cpuset cgroup and the memory nodes the
 * kernel holds for it (kvm/kvm_cgroup.c): the numa_maps policy and
 * Mems_allowed_list parsers, fake root trees (cgroup v2 with the guest
 * alone, libvirt's threads below, shared, the root cgroup, no cpuset
 * controller, a hybrid host's v1 cpuset) and the tree captured from real
 * QEMU processes in a v1 cpuset cgroup (tests/fixtures/proc/qemu-cgroup).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpulist.h"
#include "kvm_cgroup.h"
#include "np_test.h"
#include "qemu_guests.h"
#include "snapshot.h"

#define CAPTURED NP_SRCDIR "/tests/fixtures/proc/qemu-cgroup"

/* ---- parsers ---------------------------------------------------------- */

static const struct {
    const char *maps;
    const char *policy; /* NULL: -ENOENT */
} policies[] = {
    {"7f00 default anon=3 N0=3 kernelpagesize_kB=4\n", "default"},
    /* QEMU's host-nodes=1,policy=bind: the RAM is the largest mapping */
    {"5600 default file=/usr/bin/qemu mapped=900 N0=900\n"
     "7f00 bind:1 anon=16384 dirty=16384 N1=16384 kernelpagesize_kB=4\n"
     "7f80 default anon=12 N0=12\n",
     "bind:1"},
    {"7f00 bind=static:0-1 anon=8 N0=4 N1=4\n7f10 default anon=7 N0=7\n",
     "bind=static:0-1"},
    {"7f00 interleave:0-1 anon=8 N0=4 N1=4", "interleave:0-1"},
    /* huge pages count as their page number, as numa_maps shows them */
    {"7f00 prefer:1 huge anon=2 N1=2 kernelpagesize_kB=2048\n"
     "7f10 default anon=1 N0=1\n",
     "prefer:1"},
    {"7f00 default file=/lib/x.so\n", NULL},
    {"", NULL},
};

START_TEST(main_policy)
{
    char buf[64] = "";
    int rc = np_numa_maps_main_policy(policies[_i].maps, buf, sizeof(buf));

    if (!policies[_i].policy) {
        ck_assert_int_eq(rc, -ENOENT);
        return;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(buf, policies[_i].policy);
}
END_TEST

static const struct {
    const char *status;
    int rc;
    const char *nodes;
} mems_cases[] = {
    {"Name:\tqemu\nMems_allowed:\t00000001\nMems_allowed_list:\t0\n", 0, "0"},
    {"Name:\tq\nMems_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t5\n", 0,
     "0-1"},
    {"Name:\tq\nMems_allowed_list:\t0,1\n", 0, "0-1"},
    /* a node past the topology (2 nodes here) is dropped */
    {"Name:\tq\nMems_allowed_list:\t1-3\n", 0, "1"},
    {"Name:\tq\nCpus_allowed_list:\t0-1\n", -ENOENT, NULL},
    {"Name:\tq\nMems_allowed_list:\tx\n", -EINVAL, NULL},
    {"Name:\tq\nMems_allowed_list:\t3-1\n", -EINVAL, NULL},
};

START_TEST(mems_allowed)
{
    struct np_cpumap nodes;
    char *s;
    int rc;

    np_cpumap_init(&nodes);
    rc = np_proc_parse_mems_allowed(mems_cases[_i].status, 2, &nodes);
    ck_assert_int_eq(rc, mems_cases[_i].rc);
    if (!rc) {
        s = np_cpulist_format_ranges(&nodes);
        ck_assert_str_eq(s, mems_cases[_i].nodes);
        free(s);
    }
    np_cpumap_dispose(&nodes);
}
END_TEST

/* ---- fake trees ------------------------------------------------------- */

struct tree {
    char dir[PATH_MAX];
    int fd;
};

static void mkdirs(const char *path)
{
    char buf[2 * PATH_MAX], *p;

    snprintf(buf, sizeof(buf), "%s", path);
    for (p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static void put(struct tree *t, const char *rel, const char *text)
{
    char path[2 * PATH_MAX], *slash;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
    slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void tree_init(struct tree *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/np-cgroup-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    t->fd = open(t->dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(t->fd, 0);
}

static void tree_dispose(struct tree *t)
{
    char cmd[PATH_MAX + 32];

    close(t->fd);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A process pid with threads tids (the first is pid), each in the cgroup
 * line of cgroups ("0::/a" ...), one per thread, ';' separated; numa_maps
 * with the policy given and Mems_allowed_list mems. */
static void process(struct tree *t, long pid, const char *tids,
                    const char *cgroups, const char *policy, const char *mems)
{
    char rel[128], buf[512], *list = strdup(cgroups), *cg, *save = NULL;
    char *tl = strdup(tids), *tok, *tsave = NULL;

    snprintf(rel, sizeof(rel), "proc/%ld/status", pid);
    snprintf(buf, sizeof(buf), "Name:\tqemu\nMems_allowed_list:\t%s\n", mems);
    put(t, rel, buf);
    snprintf(rel, sizeof(rel), "proc/%ld/numa_maps", pid);
    snprintf(buf, sizeof(buf),
             "5600 default file=/usr/bin/qemu mapped=9 N0=9\n"
             "7f00 %s anon=512 N1=512 kernelpagesize_kB=4\n",
             policy);
    put(t, rel, buf);
    cg = strtok_r(list, ";", &save);
    snprintf(rel, sizeof(rel), "proc/%ld/cgroup", pid);
    snprintf(buf, sizeof(buf), "%s\n", cg);
    put(t, rel, buf);
    for (tok = strtok_r(tl, ",", &tsave); tok;
         tok = strtok_r(NULL, ",", &tsave)) {
        snprintf(rel, sizeof(rel), "proc/%ld/task/%s/cgroup", pid, tok);
        snprintf(buf, sizeof(buf), "%s\n", cg);
        put(t, rel, buf);
        cg = strtok_r(NULL, ";", &save);
        if (!cg)
            cg = strtok_r(list, ";", &save);
    }
    free(list);
    free(tl);
}

/* cgroup v2 at sys/fs/cgroup with the cpuset controller in rel ("" the
 * root), cgroup.procs procs, cpuset.mems mems. */
static void v2_cgroup(struct tree *t, const char *rel, const char *procs,
                      const char *mems, const char *effective)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "sys/fs/cgroup%s/cgroup.procs", rel);
    put(t, path, procs);
    snprintf(path, sizeof(path), "sys/fs/cgroup%s/cgroup.controllers", rel);
    put(t, path, "cpuset cpu io memory pids\n");
    if (!*rel)
        return; /* the root has no cpuset.mems */
    snprintf(path, sizeof(path), "sys/fs/cgroup%s/cpuset.mems", rel);
    put(t, path, mems);
    snprintf(path, sizeof(path), "sys/fs/cgroup%s/cpuset.mems.effective", rel);
    put(t, path, effective);
}

static void topo2(struct np_topo *topo)
{
    np_topo_init(topo);
    np_test_topo_dense(topo, 2, 2, 1, 2);
}

static void check_map(const struct np_cpumap *map, const char *want)
{
    char *s = np_cpulist_format_ranges(map);

    ck_assert_str_eq(s, want);
    free(s);
}

/* The guest alone in its v2 cgroup, libvirt's layout: the main thread in
 * emulator/, the vCPUs in vcpu0/ and vcpu1/. */
START_TEST(v2_own)
{
    struct np_kvm_cpuset cs;
    struct np_topo topo;
    struct np_guest g;
    long others[4];
    unsigned int nr = 9;
    char *text = NULL;
    struct tree t;

    tree_init(&t);
    v2_cgroup(&t, "", "1\n", "", "");
    v2_cgroup(&t, "/machine.slice/web.scope", "", "1", "1");
    v2_cgroup(&t, "/machine.slice/web.scope/libvirt", "", "", "1");
    v2_cgroup(&t, "/machine.slice/web.scope/libvirt/emulator", "500\n", "",
              "1");
    v2_cgroup(&t, "/machine.slice/web.scope/libvirt/vcpu0", "500\n", "", "1");
    v2_cgroup(&t, "/machine.slice/web.scope/libvirt/vcpu1", "500\n", "", "1");
    process(&t, 500, "500,501,502",
            "0::/machine.slice/web.scope/libvirt/emulator;"
            "0::/machine.slice/web.scope/libvirt/vcpu0;"
            "0::/machine.slice/web.scope/libvirt/vcpu1",
            "default", "1");
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 500, &cs), 0);
    ck_assert_int_eq(cs.version, 2);
    ck_assert_str_eq(cs.path, "/machine.slice/web.scope/libvirt");
    ck_assert_str_eq(cs.dir, "sys/fs/cgroup/machine.slice/web.scope/libvirt");
    ck_assert_int_eq(np_kvm_cpuset_others(t.fd, &cs, 500, others, 4, &nr), 0);
    ck_assert_uint_eq(nr, 0);

    /* one thread alone: its own cgroup */
    process(&t, 600, "600", "0::/machine.slice/web.scope", "default", "1");
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 600, &cs), 0);
    ck_assert_str_eq(cs.path, "/machine.slice/web.scope");
    ck_assert_int_eq(np_kvm_cpuset_read(t.fd, &cs, false, false, &text), 0);
    ck_assert_str_eq(text, "1");
    free(text);
    ck_assert_int_eq(np_kvm_cpuset_read(t.fd, &cs, true, false, &text), 0);
    ck_assert_str_eq(text, "1");
    free(text);
    /* 500 in the cgroups below counts as another process of 600's */
    ck_assert_int_eq(np_kvm_cpuset_others(t.fd, &cs, 600, others, 4, &nr), 0);
    ck_assert_uint_eq(nr, 3);
    ck_assert_int_eq(others[0], 500);

    /* what the kernel holds, as the snapshot shows it */
    topo2(&topo);
    memset(&g, 0, sizeof(g));
    g.id = 500;
    np_cpumap_init(&g.node_affinity);
    ck_assert_int_eq(np_kvm_read_membind(t.fd, &topo, &g), 0);
    check_map(&g.node_affinity, "1");
    ck_assert_ptr_nonnull(g.membind);
    ck_assert_str_eq(g.membind->mems_allowed, "1");
    ck_assert_str_eq(g.membind->policy, "default");
    ck_assert_str_eq(g.membind->cgroup, "/machine.slice/web.scope/libvirt");
    ck_assert_int_eq(g.membind->cgroup_version, 2);
    ck_assert(!g.membind->cgroup_shared);
    ck_assert_str_eq(g.membind->cpuset_mems, "");
    ck_assert_str_eq(g.membind->cpuset_mems_effective, "1");
    np_membind_free(g.membind);
    np_cpumap_dispose(&g.node_affinity);
    np_topo_dispose(&topo);
    tree_dispose(&t);
}
END_TEST

/* Shared, the root cgroup, no cpuset controller; Mems_allowed_list and
 * a bind policy as node affinity. */
START_TEST(v2_shared_root_none)
{
    struct np_kvm_cpuset cs;
    struct np_topo topo;
    struct np_guest g;
    long others[4];
    unsigned int nr = 0;
    struct tree t;

    tree_init(&t);
    v2_cgroup(&t, "", "1\n2\n", "", "");
    v2_cgroup(&t, "/user.slice/session-3.scope", "700\n900\n901\n", "", "0-1");
    process(&t, 700, "700,701", "0::/user.slice/session-3.scope", "bind:1",
            "0-1");
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 700, &cs), 0);
    ck_assert_int_eq(cs.version, 2);
    ck_assert_int_eq(np_kvm_cpuset_others(t.fd, &cs, 700, others, 1, &nr), 0);
    ck_assert_uint_eq(nr, 2);
    ck_assert_int_eq(others[0], 900);

    topo2(&topo);
    memset(&g, 0, sizeof(g));
    g.id = 700;
    np_cpumap_init(&g.node_affinity);
    ck_assert_int_eq(np_kvm_read_membind(t.fd, &topo, &g), 0);
    /* Mems_allowed_list 0-1, narrowed by bind:1 on the largest mapping */
    check_map(&g.node_affinity, "1");
    ck_assert_str_eq(g.membind->policy, "bind:1");
    ck_assert_str_eq(g.membind->mems_allowed, "0-1");
    ck_assert(g.membind->cgroup_shared);
    ck_assert_str_eq(g.membind->cpuset_mems, "");
    ck_assert_str_eq(g.membind->cpuset_mems_effective, "0-1");
    np_membind_free(g.membind);
    g.membind = NULL;

    /* the root cgroup: always shared */
    process(&t, 800, "800", "0::/", "default", "0-1");
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 800, &cs), 0);
    ck_assert_int_eq(cs.version, 2);
    ck_assert_str_eq(cs.path, "/");
    ck_assert_str_eq(cs.dir, "sys/fs/cgroup");
    ck_assert_int_eq(np_kvm_cpuset_others(t.fd, &cs, 800, NULL, 0, &nr), 0);
    ck_assert_uint_eq(nr, 1);
    g.id = 800;
    ck_assert_int_eq(np_kvm_read_membind(t.fd, &topo, &g), 0);
    check_map(&g.node_affinity, "0-1");
    np_membind_free(g.membind);
    g.membind = NULL;

    /* a cgroup without the cpuset controller (no cpuset.mems) */
    put(&t, "sys/fs/cgroup/plain/x/cgroup.procs", "1000\n");
    process(&t, 1000, "1000", "0::/plain/x", "default", "0");
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 1000, &cs), 0);
    ck_assert_int_eq(cs.version, 0);
    ck_assert_ptr_nonnull(strstr(cs.why, "no cpuset controller"));
    ck_assert_ptr_nonnull(strstr(cs.why, "/plain/x"));
    g.id = 1000;
    ck_assert_int_eq(np_kvm_read_membind(t.fd, &topo, &g), 0);
    check_map(&g.node_affinity, "0");
    ck_assert_ptr_null(g.membind->cgroup);
    np_membind_free(g.membind);
    g.membind = NULL;

    /* hostile paths are not followed */
    process(&t, 1100, "1100", "0::/../../etc", "default", "0");
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 1100, &cs), 0);
    ck_assert_int_eq(cs.version, 0);
    /* a process that has gone */
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 4242, &cs), -ESRCH);

    np_cpumap_dispose(&g.node_affinity);
    np_topo_dispose(&topo);
    tree_dispose(&t);
}
END_TEST

/* A hybrid host: cgroup v2 at sys/fs/cgroup/unified without cpuset, the
 * v1 cpuset hierarchy at sys/fs/cgroup/cpuset. */
START_TEST(v1_hybrid)
{
    struct np_kvm_cpuset cs;
    unsigned int nr = 9;
    char *text = NULL;
    struct tree t;

    tree_init(&t);
    put(&t, "sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
    put(&t, "sys/fs/cgroup/cpuset/cpuset.mems", "0-1\n");
    put(&t, "sys/fs/cgroup/cpuset/np/cpuset.mems", "1\n");
    put(&t, "sys/fs/cgroup/cpuset/np/cpuset.effective_mems", "1\n");
    put(&t, "sys/fs/cgroup/cpuset/np/cgroup.procs", "42\n");
    process(&t, 42, "42,43", "3:cpuset:/np\n0::/", "default", "1");
    /* both lines in one file: process() wrote them as one thread's */
    ck_assert_int_eq(np_kvm_cpuset_find(t.fd, 42, &cs), 0);
    ck_assert_int_eq(cs.version, 1);
    ck_assert_str_eq(cs.path, "/np");
    ck_assert_str_eq(cs.dir, "sys/fs/cgroup/cpuset/np");
    ck_assert_int_eq(np_kvm_cpuset_others(t.fd, &cs, 42, NULL, 0, &nr), 0);
    ck_assert_uint_eq(nr, 0);
    ck_assert_int_eq(np_kvm_cpuset_read(t.fd, &cs, true, false, &text), 0);
    ck_assert_str_eq(text, "1");
    free(text);
    /* v1's "automatic": the parent's nodes */
    ck_assert_int_eq(np_kvm_cpuset_read(t.fd, &cs, false, true, &text), 0);
    ck_assert_str_eq(text, "0-1");
    free(text);
    tree_dispose(&t);
}
END_TEST

/* Real QEMU 7.2 processes (Debian 12, Linux 6.18, hybrid cgroups): 13219
 * alone in the v1 cpuset cgroup /np15-t, 19893 in the root cpuset with
 * its RAM bound by -object memory-backend-ram,policy=bind,host-nodes=0. */
START_TEST(captured)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    struct np_guest *g;
    int fd;

    fd = open(CAPTURED, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    np_snapshot_init(&snap);
    np_test_topo_dense(&snap.topo, 1, 2, 1, 1);
    ck_assert_msg(np_qemu_read_guests(fd, CAPTURED, NULL, 0, &snap, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(snap.nr_guests, 2);
    g = &snap.guests[0];
    ck_assert_int_eq(g->id, 13219);
    ck_assert_str_eq(g->name, "np15-t");
    check_map(&g->node_affinity, "0");
    ck_assert_ptr_nonnull(g->membind);
    ck_assert_str_eq(g->membind->mems_allowed, "0");
    ck_assert_str_eq(g->membind->policy, "default");
    ck_assert_str_eq(g->membind->cgroup, "/np15-t");
    ck_assert_int_eq(g->membind->cgroup_version, 1);
    ck_assert_str_eq(g->membind->cpuset_mems, "0");
    ck_assert_str_eq(g->membind->cpuset_mems_effective, "0");
    ck_assert(!g->membind->cgroup_shared);
    g = &snap.guests[1];
    ck_assert_int_eq(g->id, 19893);
    ck_assert_str_eq(g->name, "np15-bind");
    ck_assert_str_eq(g->membind->policy, "bind:0");
    ck_assert_str_eq(g->membind->cgroup, "/");
    ck_assert(g->membind->cgroup_shared);
    check_map(&g->node_affinity, "0");
    np_snapshot_dispose(&snap);
    close(fd);
}
END_TEST

Suite *suite_test_kvm_cgroup(void);
Suite *suite_test_kvm_cgroup(void)
{
    Suite *s = suite_create("kvm_cgroup");
    TCase *tc = tcase_create("parse"), *tree = tcase_create("trees");

    tcase_add_loop_test(tc, main_policy, 0,
                        (int)(sizeof(policies) / sizeof(policies[0])));
    tcase_add_loop_test(tc, mems_allowed, 0,
                        (int)(sizeof(mems_cases) / sizeof(mems_cases[0])));
    suite_add_tcase(s, tc);
    tcase_add_test(tree, v2_own);
    tcase_add_test(tree, v2_shared_root_none);
    tcase_add_test(tree, v1_hybrid);
    tcase_add_test(tree, captured);
    suite_add_tcase(s, tree);
    return s;
}
