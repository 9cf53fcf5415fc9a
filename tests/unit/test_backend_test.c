/*
 * test_backend_test.c: the test backend (a host in a JSON file).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_test.h"
#include "fmt_json.h"
#include "np_test.h"

#define ORIGIN NP_SRCDIR "/examples/origin-2010.json"
#define SMALL NP_SRCDIR "/tests/fixtures/json/small.json"

/* A private copy of a fixture in a fresh directory. */
struct scratch {
    char dir[64];
    char path[96];
};

static void scratch_make(struct scratch *sc, const char *fixture)
{
    char *text = np_test_slurp(fixture, NULL);
    FILE *f;

    strcpy(sc->dir, "/tmp/np-test-backend-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(sc->dir));
    snprintf(sc->path, sizeof(sc->path), "%s/host.json", sc->dir);
    f = fopen(sc->path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    free(text);
}

/* Number of entries in the directory besides . and .. */
static int scratch_entries(const struct scratch *sc)
{
    DIR *d = opendir(sc->dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void scratch_remove(struct scratch *sc)
{
    unlink(sc->path);
    ck_assert_int_eq(scratch_entries(sc), 0);
    rmdir(sc->dir);
}

static void be_open(struct np_backend *be, const char *path)
{
    struct np_err err = {""};

    memset(be, 0, sizeof(*be));
    be->ops = &np_test_ops;
    ck_assert_msg(be->ops->open(be, path, &err) == 0, "%s", err.msg);
}

/* read_host + read_guests into a fresh snapshot. */
static void be_read(struct np_backend *be, struct np_snapshot *snap)
{
    struct np_err err = {""};

    np_snapshot_init(snap);
    ck_assert_int_eq(be->ops->read_host(be, snap, 0, &err), 0);
    ck_assert_int_eq(be->ops->read_guests(be, snap, 0, &err), 0);
}

static struct np_guest *guest(struct np_snapshot *snap, const char *name)
{
    struct np_guest *g = np_snapshot_find_guest(snap, name);

    ck_assert_msg(g != NULL, "no guest %s", name);
    return g;
}

START_TEST(open_read)
{
    struct np_backend be;
    struct np_snapshot snap;
    struct np_guest *g;
    char want[200];

    ck_assert_str_eq(np_test_ops.name, "test");
    ck_assert(np_test_ops.soft_affinity && np_test_ops.writes &&
              np_test_ops.demo);
    ck_assert(np_test_ops.read_guests && np_test_ops.set_node_affinity &&
              np_test_ops.move_memory);
    be_open(&be, ORIGIN);
    be_read(&be, &snap);
    ck_assert_str_eq(snap.backend, "test");
    snprintf(want, sizeof(want), "test backend: %s", ORIGIN);
    ck_assert_str_eq(snap.topo.source, want);
    ck_assert_uint_eq(np_topo_nr_cpus(&snap.topo), 8);
    ck_assert_uint_eq(np_topo_nr_nodes(&snap.topo), 2);
    ck_assert(snap.has_guests);
    ck_assert_uint_eq(snap.nr_guests, 3);
    g = guest(&snap, "rhel5xen");
    ck_assert_int_eq(g->vcpus[0].cpu, 3);
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[0].hard), 8);
    /* reading the guests again replaces them */
    ck_assert_int_eq(be.ops->read_guests(&be, &snap, 0, NULL), 0);
    ck_assert_uint_eq(snap.nr_guests, 3);
    np_snapshot_dispose(&snap);
    /* read_guests alone reads the host too */
    np_snapshot_init(&snap);
    ck_assert_int_eq(be.ops->read_guests(&be, &snap, 0, NULL), 0);
    ck_assert_uint_eq(np_topo_nr_cpus(&snap.topo), 8);
    ck_assert_uint_eq(snap.nr_guests, 3);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    ck_assert_ptr_null(be.priv);
    be.ops->close(&be); /* idempotent */
}
END_TEST

START_TEST(open_errors)
{
    struct np_backend be = {.ops = &np_test_ops};
    struct np_err err = {""};

    ck_assert_int_eq(be.ops->open(&be, NULL, &err), -EINVAL);
    ck_assert_str_eq(err.msg, "the test backend needs the path of a json "
                              "snapshot file");
    np_err_clear(&err);
    ck_assert_int_eq(be.ops->open(&be, "/nonexistent.json", &err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent.json"));
    ck_assert_ptr_null(be.priv);
    np_err_clear(&err);
    ck_assert_int_eq(be.ops->open(&be, NP_SRCDIR "/tests/unit/np_test.h", &err),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "np_test.h:1: malformed json"));
    ck_assert_int_eq(np_test_backend_fail_after(&be, 1), -EINVAL);
    ck_assert_int_eq(np_test_backend_fail_after(NULL, 1), -EINVAL);
}
END_TEST

/* Pin, and a new open of the file sees the pin: a host that remembers. */
START_TEST(pin_persists)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_cpumap map;
    struct np_err err = {""};
    struct np_guest *g;
    int vcpu;

    scratch_make(&sc, ORIGIN);
    np_cpumap_init(&map);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    g = guest(&snap, "rhel5xen");
    /* the blog's vcpupin: vCPU i to pCPU 4 + i */
    for (vcpu = 0; vcpu < 4; vcpu++) {
        np_test_map(&map, 8, 4 + vcpu, -1);
        ck_assert_msg(np_backend_set_vcpu_affinity(&be, g, vcpu, &map, NULL, 0,
                                                   NULL, &err) == 0,
                      "%s", err.msg);
    }
    /* a soft map alone keeps the hard one */
    np_test_map(&map, 64, 4, 5, 6, 7, -1);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 3, NULL, &map, 0, NULL, &err), 0);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    ck_assert_int_eq(scratch_entries(&sc), 1); /* no temporary left */

    be_open(&be, sc.path);
    be_read(&be, &snap);
    g = guest(&snap, "rhel5xen");
    for (vcpu = 0; vcpu < 4; vcpu++) {
        ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[vcpu].hard), 1);
        ck_assert(np_cpumap_test(&g->vcpus[vcpu].hard, 4 + vcpu));
        /* it runs where it is pinned now */
        ck_assert_int_eq(g->vcpus[vcpu].cpu, 4 + vcpu);
    }
    ck_assert_uint_eq(g->vcpus[3].soft.nr_bits, 8);
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[3].soft), 4);
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[2].soft), 8);
    /* the others did not move */
    ck_assert_int_eq(guest(&snap, "db1")->vcpus[1].cpu, 0);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    np_cpumap_dispose(&map);
    scratch_remove(&sc);
}
END_TEST

START_TEST(node_affinity)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_cpumap map;
    struct np_err err = {""};

    scratch_make(&sc, ORIGIN);
    np_cpumap_init(&map);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    np_test_map(&map, 2, 1, -1);
    ck_assert_int_eq(np_backend_set_node_affinity(&be, guest(&snap, "db1"),
                                                  &map, NULL, &err),
                     0);
    ck_assert_int_eq(np_backend_set_node_affinity(&be, guest(&snap, "web1"),
                                                  NULL, NULL, &err),
                     0);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    ck_assert_uint_eq(np_cpumap_weight(&guest(&snap, "db1")->node_affinity), 1);
    ck_assert(np_cpumap_test(&guest(&snap, "db1")->node_affinity, 1));
    ck_assert_uint_eq(np_cpumap_weight(&guest(&snap, "web1")->node_affinity),
                      2);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    np_cpumap_dispose(&map);
    scratch_remove(&sc);
}
END_TEST

START_TEST(move_memory)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_cpumap from, to;
    struct np_err err = {""};
    struct np_guest *g;

    np_cpumap_init(&from);
    np_cpumap_init(&to);
    np_test_map(&from, 2, 0, -1);
    np_test_map(&to, 2, 1, -1);

    scratch_make(&sc, ORIGIN);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    ck_assert_int_eq(np_backend_move_memory(&be, guest(&snap, "db1"), &from,
                                            &to, NULL, &err),
                     0);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    g = guest(&snap, "db1");
    ck_assert_uint_eq(g->mem_per_node_kib[0], 0);
    ck_assert_uint_eq(g->mem_per_node_kib[1], 1048576);
    ck_assert_uint_eq(snap.topo.nodes[0].mem_free_kib, 2203620 + 524288);
    ck_assert_uint_eq(snap.topo.nodes[1].mem_free_kib, 3354784 - 524288);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    scratch_remove(&sc);

    /* small.json: node 1 has 512 MiB free, the guest 1 GiB on node 0 */
    scratch_make(&sc, SMALL);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    ck_assert_int_eq(np_backend_move_memory(&be, guest(&snap, "small"), &from,
                                            &to, NULL, &err),
                     -ENOSPC);
    ck_assert_str_eq(err.msg, "guest 'small' has 1048576 KiB on the source "
                              "nodes, the destination nodes have 524288 KiB "
                              "free");
    /* the reverse has nothing to move: fine */
    ck_assert_int_eq(np_backend_move_memory(&be, guest(&snap, "small"), &to,
                                            &from, NULL, NULL),
                     0);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    scratch_remove(&sc);
    np_cpumap_dispose(&from);
    np_cpumap_dispose(&to);
}
END_TEST

/* Validation errors change nothing, in memory or in the file. */
START_TEST(bad_requests)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap, after;
    struct np_cpumap map, empty, nine, node3;
    struct np_err err = {""};
    struct np_guest ghost = {.id = 99, .name = (char *)"ghost"};
    struct np_guest *g;
    char *before, *now;

    scratch_make(&sc, ORIGIN);
    before = np_test_slurp(sc.path, NULL);
    np_cpumap_init(&map);
    np_cpumap_init(&empty);
    np_cpumap_init(&nine);
    np_cpumap_init(&node3);
    np_test_map(&map, 8, 1, -1);
    np_test_map(&empty, 8, -1);
    np_test_map(&nine, 16, 1, 9, -1);
    np_test_map(&node3, 4, 3, -1);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    g = guest(&snap, "web1");

    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, &ghost, 0, &map, NULL, 0, NULL, &err),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "guest 'ghost' (id 99) does not "
                                          "exist on the test host"));
    np_err_clear(&err);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 2, &map, NULL, 0, NULL, &err),
        -EINVAL);
    ck_assert_str_eq(err.msg, "guest 'web1' has no vcpu 2: its vcpus are 0 "
                              "to 1");
    np_err_clear(&err);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, -1, &map, NULL, 0, NULL, &err),
        -EINVAL);
    np_err_clear(&err);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 0, &empty, NULL, 0, NULL, &err),
        -EINVAL);
    ck_assert_str_eq(err.msg, "the hard affinity for guest 'web1' is empty");
    np_err_clear(&err);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 0, &map, &nine, 0, NULL, &err),
        -EINVAL);
    ck_assert_str_eq(err.msg, "the soft affinity for guest 'web1' names cpu "
                              "9, which this host does not have");
    np_err_clear(&err);
    ck_assert_int_eq(np_backend_set_node_affinity(&be, g, &node3, NULL, &err),
                     -EINVAL);
    ck_assert_str_eq(err.msg, "the node affinity for guest 'web1' names node "
                              "3, which this host does not have");
    np_err_clear(&err);
    ck_assert_int_eq(np_backend_set_node_affinity(&be, g, &empty, NULL, &err),
                     -EINVAL);
    np_err_clear(&err);
    ck_assert_int_eq(np_backend_move_memory(&be, g, &node3, &map, NULL, &err),
                     -EINVAL);
    ck_assert_str_eq(err.msg, "the source nodes for guest 'web1' names node "
                              "3, which this host does not have");
    np_err_clear(&err);
    ck_assert_int_eq(np_backend_move_memory(&be, g, NULL, &map, NULL, &err),
                     -EINVAL);

    /* nothing changed */
    now = np_test_slurp(sc.path, NULL);
    ck_assert_str_eq(now, before);
    free(now);
    be_read(&be, &after);
    ck_assert_uint_eq(np_cpumap_weight(&guest(&after, "web1")->vcpus[0].hard),
                      1);
    ck_assert(np_cpumap_test(&guest(&after, "web1")->vcpus[0].hard, 4));
    np_snapshot_dispose(&after);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    np_cpumap_dispose(&map);
    np_cpumap_dispose(&empty);
    np_cpumap_dispose(&nine);
    np_cpumap_dispose(&node3);
    free(before);
    scratch_remove(&sc);
}
END_TEST

/* Write number 1 (the second) fails once; those around it succeed. */
START_TEST(fail_after)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_cpumap map;
    struct np_err err = {""};
    struct np_guest *g;
    char *before, *now;

    scratch_make(&sc, ORIGIN);
    np_cpumap_init(&map);
    be_open(&be, sc.path);
    ck_assert_int_eq(np_test_backend_fail_after(&be, 1), 0);
    be_read(&be, &snap);
    g = guest(&snap, "rhel5xen");
    np_test_map(&map, 8, 4, -1);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 0, &map, NULL, 0, NULL, &err), 0);
    before = np_test_slurp(sc.path, NULL);
    np_test_map(&map, 8, 5, -1);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 1, &map, NULL, 0, NULL, &err),
        -EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "write 2 to the test host"));
    now = np_test_slurp(sc.path, NULL);
    ck_assert_str_eq(now, before);
    free(now);
    np_snapshot_dispose(&snap);
    be_read(&be, &snap);
    g = guest(&snap, "rhel5xen");
    ck_assert_uint_eq(np_cpumap_weight(&g->vcpus[1].hard), 8);
    ck_assert(np_cpumap_test(&g->vcpus[0].hard, 4));
    /* the next write works again: a rollback can run */
    np_err_clear(&err);
    ck_assert_int_eq(
        np_backend_set_vcpu_affinity(&be, g, 1, &map, NULL, 0, NULL, &err), 0);
    /* off */
    ck_assert_int_eq(np_test_backend_fail_after(&be, -1), 0);
    ck_assert_int_eq(np_backend_set_node_affinity(&be, g, NULL, NULL, &err), 0);
    /* 0: the very next write fails, whatever it is */
    ck_assert_int_eq(np_test_backend_fail_after(&be, 0), 0);
    ck_assert_int_eq(np_backend_set_node_affinity(&be, g, NULL, NULL, &err),
                     -EIO);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    np_cpumap_dispose(&map);
    free(before);
    scratch_remove(&sc);
}
END_TEST

/* The environment hook: only in a build with CONFIG_TEST_HOOKS. */
#ifdef CONFIG_TEST_HOOKS
START_TEST(fail_after_env)
{
    struct scratch sc;
    struct np_backend be = {.ops = &np_test_ops};
    struct np_snapshot snap;
    struct np_cpumap map;
    struct np_err err = {""};

    scratch_make(&sc, ORIGIN);
    np_cpumap_init(&map);
    setenv(NP_TEST_FAIL_AFTER_ENV, "x1", 1);
    ck_assert_int_eq(be.ops->open(&be, sc.path, &err), -EINVAL);
    ck_assert_str_eq(err.msg, "NUMAPIN_TEST_FAIL_AFTER='x1' is not a number "
                              "of writes");
    setenv(NP_TEST_FAIL_AFTER_ENV, "0", 1);
    be_open(&be, sc.path);
    unsetenv(NP_TEST_FAIL_AFTER_ENV);
    be_read(&be, &snap);
    np_test_map(&map, 8, 6, -1);
    np_err_clear(&err);
    ck_assert_int_eq(np_backend_set_vcpu_affinity(&be, guest(&snap, "db1"), 1,
                                                  &map, NULL, 0, NULL, &err),
                     -EIO);
    ck_assert_int_eq(np_backend_set_vcpu_affinity(&be, guest(&snap, "db1"), 1,
                                                  &map, NULL, 0, NULL, &err),
                     0);
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    np_cpumap_dispose(&map);
    scratch_remove(&sc);
}
END_TEST
#endif

/*
 * A write that fails for real (here: the file size limit, which holds for
 * root too) leaves the old file intact, no temporary behind, and the
 * in-memory host unchanged.
 */
START_TEST(atomic_write)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_cpumap map;
    struct np_err err = {""};
    struct rlimit old, small;
    char *before, *now;

    scratch_make(&sc, ORIGIN);
    before = np_test_slurp(sc.path, NULL);
    np_cpumap_init(&map);
    be_open(&be, sc.path);
    be_read(&be, &snap);
    np_test_map(&map, 8, 7, -1);

    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 512;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    ck_assert_int_eq(np_backend_set_vcpu_affinity(&be, guest(&snap, "db1"), 1,
                                                  &map, NULL, 0, NULL, &err),
                     -EFBIG);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot write '"));
    ck_assert_ptr_nonnull(strstr(err.msg, "host.json': File too large"));

    now = np_test_slurp(sc.path, NULL);
    ck_assert_str_eq(now, before);
    free(now);
    ck_assert_int_eq(scratch_entries(&sc), 1);
    np_snapshot_dispose(&snap);
    be_read(&be, &snap);
    ck_assert_uint_eq(np_cpumap_weight(&guest(&snap, "db1")->vcpus[1].hard), 8);
    /* and the same write works once the disk has room */
    ck_assert_int_eq(np_backend_set_vcpu_affinity(&be, guest(&snap, "db1"), 1,
                                                  &map, NULL, 0, NULL, &err),
                     0);
    now = np_test_slurp(sc.path, NULL);
    ck_assert_str_ne(now, before);
    free(now);

    /* an unwritable directory (only when not root) */
    if (geteuid() != 0) {
        chmod(sc.dir, 0555);
        ck_assert_int_eq(np_backend_set_vcpu_affinity(&be, guest(&snap, "db1"),
                                                      0, &map, NULL, 0, NULL,
                                                      NULL),
                         -EACCES);
        chmod(sc.dir, 0755);
    }
    be.ops->close(&be);
    np_snapshot_dispose(&snap);
    np_cpumap_dispose(&map);
    free(before);
    scratch_remove(&sc);
}
END_TEST

Suite *suite_test_backend_test(void);
Suite *suite_test_backend_test(void)
{
    Suite *s = suite_create("backend_test");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, open_read);
    tcase_add_test(tc, open_errors);
    tcase_add_test(tc, pin_persists);
    tcase_add_test(tc, node_affinity);
    tcase_add_test(tc, move_memory);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, fail_after);
#ifdef CONFIG_TEST_HOOKS
    tcase_add_test(tc, fail_after_env);
#endif
    tcase_add_test(tc, atomic_write);
    suite_add_tcase(s, tc);
    return s;
}
