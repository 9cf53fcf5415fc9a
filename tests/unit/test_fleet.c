/*
 * test_fleet.c: placement across host snapshots (common/fleet.h), on the
 * header's worked example and around it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet.h"
#include "fleet_json.h"
#include "fmt_json.h"
#include "np_test.h"

#define GIB (1024 * 1024ull)

static char dir[64];

/* A host of nr_nodes nodes of cpus_per_node CPUs, free_gib[n] free. */
static void write_host(const char *file, const char *hostname,
                       const char *hypervisor, unsigned int nr_nodes,
                       unsigned int cpus_per_node, const unsigned int *free_gib)
{
    struct np_snapshot s;
    struct np_err err = {""};
    char path[256];
    unsigned int n;

    np_snapshot_init(&s);
    np_test_topo_dense(&s.topo, nr_nodes, cpus_per_node, 1, nr_nodes);
    for (n = 0; n < nr_nodes; n++) {
        s.topo.nodes[n].mem_total_kib = 32 * GIB;
        s.topo.nodes[n].mem_free_kib = free_gib[n] * GIB;
    }
    s.has_guests = true;
    if (hostname)
        ck_assert_int_eq(np_ident_set(&s.ident.hostname, hostname), 0);
    if (hypervisor) {
        ck_assert_int_eq(np_ident_set(&s.ident.hypervisor, hypervisor), 0);
        ck_assert_int_eq(np_ident_set(&s.ident.backend, hypervisor), 0);
    }
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    ck_assert_msg(np_json_write_snapshot_file(path, &s, &err) == 0, "%s",
                  err.msg);
    np_snapshot_dispose(&s);
}

/* The header's example: xen-a, kvm-b, kvm-c. */
static void setup(void)
{
    static const unsigned int a[] = {2, 3}, b[] = {1, 1, 1, 1}, c[] = {30};

    snprintf(dir, sizeof(dir), "/tmp/np-fleet-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_host("xen-a.json", "xen-a", "xen", 2, 4, a);
    write_host("kvm-b.json", "kvm-b", "kvm", 4, 2, b);
    write_host("kvm-c.json", "kvm-c", "kvm", 1, 16, c);
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static unsigned int nr_warnings;
static char last_warning[NP_ERR_MAX];

static void warn(void *opaque, const char *msg)
{
    (void)opaque;
    nr_warnings++;
    snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

static void load(struct np_fleet *f)
{
    const char *paths[] = {dir};
    struct np_err err = {""};

    nr_warnings = 0;
    ck_assert_msg(np_fleet_load(f, paths, 1, warn, NULL, &err) == 0, "%s",
                  err.msg);
}

static void req_init(struct np_fleet_req *req, unsigned int vcpus,
                     unsigned int gib, unsigned int count)
{
    memset(req, 0, sizeof(*req));
    np_solve_req_init(&req->solve);
    req->nr_vcpus = vcpus;
    req->mem_kib = gib * GIB;
    req->count = count;
    req->name = "web";
}

static const char *host_of(const struct np_fleet *f,
                           const struct np_fleet_result *r, unsigned int k)
{
    ck_assert_uint_lt(k, r->nr_decisions);
    return r->decisions[k].host >= 0 ? f->hosts[r->decisions[k].host].name
                                     : "-";
}

START_TEST(sorted_by_name)
{
    struct np_fleet f;

    load(&f);
    ck_assert_uint_eq(f.nr_hosts, 3);
    ck_assert_str_eq(f.hosts[0].name, "kvm-b");
    ck_assert_str_eq(f.hosts[1].name, "kvm-c");
    ck_assert_str_eq(f.hosts[2].name, "xen-a");
    ck_assert_str_eq(f.hosts[2].hypervisor, "xen");
    ck_assert_uint_eq(nr_warnings, 0);
    np_fleet_dispose(&f);
}
END_TEST

START_TEST(spread_and_pack)
{
    struct np_fleet f;
    struct np_fleet_req req;
    struct np_fleet_result r;
    struct np_err err = {""};
    const struct np_plan *p;

    load(&f);
    req_init(&req, 4, 2, 2);
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), 0);
    ck_assert_str_eq(host_of(&f, &r, 0), "kvm-c");
    ck_assert_str_eq(host_of(&f, &r, 1), "kvm-c");
    ck_assert_str_eq(r.decisions[0].name, "web-1");
    /* the second saw the first: other CPUs */
    p = &f.hosts[1].plan;
    ck_assert_uint_eq(p->nr_guests, 2);
    ck_assert(
        !np_cpumap_intersects(&p->guests[0].hard[0], &p->guests[1].hard[0]));
    ck_assert(p->guests[0].is_new);
    ck_assert_str_eq(p->backend, "kvm");
    /* its memory is gone from kvm-c's node */
    ck_assert_uint_eq(f.hosts[1].snap.topo.nodes[0].mem_free_kib, 26 * GIB);
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);

    load(&f);
    req.weigh = NP_FLEET_PACK;
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), 0);
    ck_assert_str_eq(host_of(&f, &r, 0), "xen-a");
    ck_assert_str_eq(host_of(&f, &r, 1), "xen-a");
    p = &f.hosts[2].plan;
    ck_assert(!np_cpumap_equal(&p->guests[0].nodes, &p->guests[1].nodes));
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);
}
END_TEST

/* Rule 2: one node first, whatever the weighing says. */
START_TEST(one_node_first)
{
    struct np_fleet f;
    struct np_fleet_req req;
    struct np_fleet_result r;
    struct np_err err = {""};

    load(&f);
    req_init(&req, 4, 3, 1);
    req.hypervisor = "kvm";
    req.weigh = NP_FLEET_PACK; /* kvm-b has the least left, but only split */
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), 0);
    ck_assert_str_eq(host_of(&f, &r, 0), "kvm-c");
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);
    /* a guest only kvm-b can hold (split over nodes) goes there */
    load(&f);
    req_init(&req, 2, 4, 1);
    req.hypervisor = "kvm";
    f.hosts[1].snap.topo.nodes[0].mem_free_kib = 1 * GIB; /* kvm-c full */
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), 0);
    ck_assert_str_eq(host_of(&f, &r, 0), "kvm-b");
    ck_assert_uint_gt(np_cpumap_weight(&f.hosts[0].plan.guests[0].nodes), 1);
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);
}
END_TEST

START_TEST(hypervisor_filter)
{
    struct np_fleet f;
    struct np_fleet_req req;
    struct np_fleet_result r;
    struct np_err err = {""};

    load(&f);
    req_init(&req, 2, 1, 3);
    req.hypervisor = "xen";
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), 0);
    ck_assert_str_eq(host_of(&f, &r, 0), "xen-a");
    ck_assert_str_eq(host_of(&f, &r, 2), "xen-a");
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);
}
END_TEST

/* Each guest sees the earlier ones: kvm-c holds four of 4 vCPUs, the
 * fifth goes elsewhere. */
START_TEST(fills_up)
{
    struct np_fleet f;
    struct np_fleet_req req;
    struct np_fleet_result r;
    struct np_err err = {""};
    unsigned int k;

    load(&f);
    req_init(&req, 4, 1, 5);
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), 0);
    for (k = 0; k < 4; k++)
        ck_assert_str_eq(host_of(&f, &r, k), "kvm-c");
    ck_assert_str_eq(host_of(&f, &r, 4), "xen-a");
    ck_assert_uint_eq(r.nr_placed, 5);
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);
}
END_TEST

START_TEST(fits_nowhere)
{
    struct np_fleet f;
    struct np_fleet_req req;
    struct np_fleet_result r;
    struct np_err err = {""};
    char *json = NULL;

    load(&f);
    req_init(&req, 32, 1, 1);
    req.name = "big";
    ck_assert_int_eq(np_fleet_place(&f, &req, &r, &err), -ENOSPC);
    ck_assert_int_eq(r.decisions[0].host, -1);
    ck_assert_str_eq(f.hosts[r.decisions[0].best_host].name, "kvm-c");
    ck_assert_msg(strstr(err.msg, "guest 'big' fits no host; on the best, "
                                  "'kvm-c': guest 'big' does not fit: it "
                                  "needs 32 vCPUs, 16 CPUs") != NULL,
                  "%s", err.msg);
    ck_assert_int_eq(
        np_fleet_place_json(&f, &req, &r, NULL, NULL, 0, &json, &err), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"best_host\": \"kvm-c\""));
    ck_assert_ptr_nonnull(strstr(json, "\"placed\": false"));
    free(json);
    np_fleet_result_dispose(&r);
    np_fleet_dispose(&f);
}
END_TEST

START_TEST(bad_snapshots)
{
    struct np_fleet f;
    struct np_err err = {""};
    const char *paths[1] = {dir};
    char path[256];
    FILE *fp;

    /* unreadable, wrong version, topology only: skipped, each named */
    snprintf(path, sizeof(path), "%s/broken.json", dir);
    fp = fopen(path, "w");
    fputs("{\"numapin\": 2, \"host\": ", fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/future.json", dir);
    fp = fopen(path, "w");
    fputs("{\"numapin\": 9}", fp);
    fclose(fp);
    snprintf(path, sizeof(path),
             "cp %s/tests/fixtures/json/topology-only.json "
             "%s/",
             NP_SRCDIR, dir);
    ck_assert_int_eq(system(path), 0);
    nr_warnings = 0;
    ck_assert_int_eq(np_fleet_load(&f, paths, 1, warn, NULL, &err), 0);
    ck_assert_uint_eq(f.nr_hosts, 3);
    ck_assert_uint_eq(nr_warnings, 3);
    ck_assert_msg(strstr(last_warning, "topology-only.json': it has no guest "
                                       "list") != NULL,
                  "%s", last_warning);
    np_fleet_dispose(&f);
    /* a second snapshot of xen-a: refused */
    snprintf(path, sizeof(path), "cp %s/xen-a.json %s/xen-a-again.json", dir,
             dir);
    ck_assert_int_eq(system(path), 0);
    ck_assert_int_eq(np_fleet_load(&f, paths, 1, warn, NULL, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "host 'xen-a' has two snapshots") != NULL,
                  "%s", err.msg);
    np_fleet_dispose(&f);
    /* nothing usable */
    paths[0] = path;
    snprintf(path, sizeof(path), "%s/future.json", dir);
    np_err_clear(&err);
    ck_assert_int_eq(np_fleet_load(&f, paths, 1, warn, NULL, &err), -ENOENT);
    ck_assert_str_eq(err.msg, "no usable host snapshot among the 1 path given");
    np_fleet_dispose(&f);
}
END_TEST

START_TEST(bind_new)
{
    struct np_snapshot s;
    struct np_plan p;
    struct np_plan_guest *pg;
    struct np_guest *g;
    struct np_err err = {""};

    np_snapshot_init(&s);
    np_test_topo_dense(&s.topo, 1, 4, 1, 1);
    np_plan_init(&p);
    p.nr_cpu_ids = 4;
    p.nr_node_ids = 1;
    ck_assert_int_eq(np_plan_add_guest(&p, -1, "web-1", 2, &pg), 0);
    pg->is_new = pg->placed = true;
    ck_assert_int_eq(np_plan_bind_new(&p, &s, &err), -ESRCH);
    ck_assert_str_eq(err.msg, "guest 'web-1' of the plan is new and does not "
                              "run on this host: start it first, then apply");
    ck_assert_int_eq(np_snapshot_add_guest(&s, 7, "web-1", 2, false, &g), 0);
    ck_assert_int_eq(np_plan_bind_new(&p, &s, &err), 0);
    ck_assert_int_eq(p.guests[0].id, 7);
    ck_assert(!p.guests[0].is_new);
    p.guests[0].is_new = true;
    ck_assert_int_eq(np_snapshot_add_guest(&s, 8, "web-1", 2, false, &g), 0);
    ck_assert_int_eq(np_plan_bind_new(&p, &s, NULL), -EINVAL);
    np_plan_dispose(&p);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(report)
{
    struct np_fleet_host h;
    struct np_fleet_report rep;
    struct np_guest *g;

    memset(&h, 0, sizeof(h));
    np_snapshot_init(&h.snap);
    np_test_topo_dense(&h.snap.topo, 2, 2, 1, 2); /* cpus 0-1 node 0 */
    h.snap.has_guests = true;
    /* a: pinned to cpus 0-1, memory half remote */
    ck_assert_int_eq(np_snapshot_add_guest(&h.snap, 1, "a", 2, false, &g), 0);
    g->vcpus[0].online = g->vcpus[1].online = true;
    np_cpumap_set(&g->vcpus[0].hard, 0);
    np_cpumap_set(&g->vcpus[1].hard, 1);
    g->mem_per_node_kib = calloc(2, sizeof(uint64_t));
    g->mem_per_node_kib[0] = 1000;
    g->mem_per_node_kib[1] = 24;
    /* b: shares cpu 1 with a */
    ck_assert_int_eq(np_snapshot_add_guest(&h.snap, 2, "b", 1, false, &g), 0);
    g->vcpus[0].online = true;
    np_cpumap_set(&g->vcpus[0].hard, 1);
    /* c: floating */
    ck_assert_int_eq(np_snapshot_add_guest(&h.snap, 3, "c", 1, false, &g), 0);
    g->vcpus[0].online = true;
    np_cpumap_set_all(&g->vcpus[0].hard);
    np_fleet_host_report(&h, &rep);
    ck_assert_uint_eq(rep.nr_nodes, 2);
    ck_assert_uint_eq(rep.nr_guests, 3);
    ck_assert_uint_eq(rep.nr_floating, 1);
    ck_assert_uint_eq(rep.nr_overlaps, 1);
    ck_assert(rep.remote_known);
    ck_assert_uint_eq(rep.remote_kib, 24);
    np_snapshot_dispose(&h.snap);
}
END_TEST

Suite *suite_test_fleet(void);
Suite *suite_test_fleet(void)
{
    Suite *s = suite_create("fleet");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sorted_by_name);
    tcase_add_test(tc, spread_and_pack);
    tcase_add_test(tc, one_node_first);
    tcase_add_test(tc, hypervisor_filter);
    tcase_add_test(tc, fills_up);
    tcase_add_test(tc, fits_nowhere);
    tcase_add_test(tc, bad_snapshots);
    tcase_add_test(tc, bind_new);
    tcase_add_test(tc, report);
    suite_add_tcase(s, tc);
    return s;
}
