/*
 * test_plan.c: plans as data (JSON round trips, strict reading), and
 * apply / rollback / undo against the test backend with a failure
 * injected at every step.
 *
 * "Unchanged" below means the host file is the same once the vCPUs'
 * "cpu" (where a vCPU last ran, which a live host changes on its own) is
 * left out; without memory moves it is otherwise byte for byte the same.
 * Memory moved and moved back keeps each guest's total but not always its
 * split over nodes (move_memory moves all of a node's share), so those
 * cases compare pins, node affinity and totals.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "backend_test.h"
#include "fmt_json.h"
#include "np_test.h"
#include "history.h"
#include "history_int.h"
#include "plan.h"
#include "plan_apply.h"
#include "solver.h"

#define ORIGIN NP_SRCDIR "/examples/origin-2010.json"
#define REC1 "history/00000001.json"

struct scratch {
    char dir[64];
    char host[96];
    char state[96];
};

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* The text without the lines holding "cpu": (where vCPUs last ran). */
static char *without_cpu(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    const char *p = text;

    ck_assert_ptr_nonnull(out);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);

        if (!memmem(p, len, "\"cpu\":", 6)) {
            memcpy(o, p, len);
            o += len;
        }
        p += len;
    }
    *o = '\0';
    return out;
}

static void scratch_make(struct scratch *sc)
{
    char *text = np_test_slurp(ORIGIN, NULL);

    strcpy(sc->dir, "/tmp/np-test-plan-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(sc->dir));
    snprintf(sc->host, sizeof(sc->host), "%s/host.json", sc->dir);
    snprintf(sc->state, sizeof(sc->state), "%s/state", sc->dir);
    spit(sc->host, text);
    free(text);
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    if (!d)
        return;
    while ((e = readdir(d))) {
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!lstat(path, &st) && S_ISDIR(st.st_mode))
            rm_rf(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static bool exists(const char *dir, const char *file)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

static void be_open(struct np_backend *be, const char *path)
{
    struct np_err err = {""};

    memset(be, 0, sizeof(*be));
    be->ops = &np_test_ops;
    ck_assert_msg(be->ops->open(be, path, &err) == 0, "%s", err.msg);
}

static void be_read(struct np_backend *be, struct np_snapshot *snap)
{
    struct np_err err = {""};

    np_snapshot_init(snap);
    ck_assert_int_eq(be->ops->read_host(be, snap, 0, &err), 0);
    ck_assert_int_eq(be->ops->read_guests(be, snap, 0, &err), 0);
}

static void plan_all(const struct np_snapshot *snap, struct np_plan *plan)
{
    struct np_solve_req req;
    struct np_err err = {""};

    np_solve_req_init(&req);
    req.all = true;
    ck_assert_msg(np_solve(snap, &req, plan, &err) == 0, "%s", err.msg);
}

/* The pins and node affinities of every guest, as text. */
static char *pins_text(const char *host)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    unsigned int i, v;
    char *buf = calloc(1, 8192);
    size_t len = 0;

    ck_assert_ptr_nonnull(buf);
    np_snapshot_init(&snap);
    ck_assert_msg(np_json_read_snapshot_file(host, &snap, &err) == 0, "%s",
                  err.msg);
    for (i = 0; i < snap.nr_guests; i++) {
        const struct np_guest *g = &snap.guests[i];
        uint64_t total = 0;
        int n;

        for (v = 0; v < g->nr_vcpus; v++) {
            int cpu;

            len +=
                (size_t)snprintf(buf + len, 8192 - len, "%s/%u:", g->name, v);
            np_cpumap_for_each(cpu, &g->vcpus[v].hard) len +=
                (size_t)snprintf(buf + len, 8192 - len, "%d,", cpu);
            len += (size_t)snprintf(buf + len, 8192 - len, " ");
        }
        np_cpumap_for_each(n, &g->node_affinity) len +=
            (size_t)snprintf(buf + len, 8192 - len, "n%d,", n);
        for (n = 0; g->mem_per_node_kib && n < (int)snap.topo.nr_node_ids; n++)
            total += g->mem_per_node_kib[n];
        len += (size_t)snprintf(buf + len, 8192 - len, "mem %llu\n",
                                (unsigned long long)total);
    }
    np_snapshot_dispose(&snap);
    return buf;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

START_TEST(json_round_trip)
{
    struct np_snapshot snap;
    struct np_plan plan, back, journal;
    struct np_err err = {""};
    char *a = NULL, *b = NULL;

    np_snapshot_init(&snap);
    ck_assert_int_eq(np_json_read_snapshot_file(ORIGIN, &snap, &err), 0);
    plan_all(&snap, &plan);
    ck_assert_int_eq(np_plan_write_json(&plan, &a, &err), 0);
    ck_assert_ptr_nonnull(strstr(a, "\"numapin_plan\": 1"));
    ck_assert_ptr_nonnull(strstr(a, "\"kind\": \"plan\""));
    ck_assert_ptr_nonnull(strstr(a, "\"score\": 10.00"));
    np_plan_init(&back);
    ck_assert_msg(np_plan_read_json(a, strlen(a), "a", &back, &err) == 0, "%s",
                  err.msg);
    ck_assert_int_eq(np_plan_write_json(&back, &b, &err), 0);
    ck_assert_str_eq(a, b);
    ck_assert_uint_eq(back.nr_guests, 3);
    ck_assert(
        np_cpumap_equal(&back.guests[0].hard[0], &plan.guests[0].hard[0]));
    free(a);
    free(b);
    /* a journal round-trips too */
    ck_assert_int_eq(np_plan_journal(&snap, &plan, &journal, &err), 0);
    ck_assert(journal.is_journal);
    ck_assert(journal.guests[0].node_affinity_auto); /* rhel5xen: all */
    ck_assert_int_eq(np_plan_write_json(&journal, &a, &err), 0);
    ck_assert_ptr_nonnull(strstr(a, "\"node_affinity\": \"auto\""));
    ck_assert_int_eq(np_plan_read_json(a, strlen(a), "j", &back, &err), 0);
    ck_assert_int_eq(np_plan_write_json(&back, &b, &err), 0);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    np_plan_dispose(&journal);
    np_plan_dispose(&back);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* text (ending in a newline) is what json-c prints, with flags, of the
 * tree json-c reads from it: the writers write straight into a buffer
 * (json_write.h), byte for byte as the json-c trees they replaced. */
static void as_json_c_prints(const char *text, int flags)
{
    json_object *o = json_tokener_parse(text);
    const char *t;
    size_t n;

    ck_assert_msg(o != NULL, "json-c cannot read:\n%s", text);
    t = json_object_to_json_string_ext(o, flags);
    n = strlen(t);
    ck_assert_msg(strlen(text) == n + 1 && !strncmp(text, t, n) &&
                      text[n] == '\n',
                  "not as json-c prints it:\n%s\njson-c:\n%s\n", text, t);
    json_object_put(o);
}

START_TEST(json_as_json_c)
{
    static const char odd[] = "a/b \"q\" \\ \n\t\r\b\f\x01\x1f\x7f \xc3\xa9";
    struct np_snapshot snap;
    struct np_plan plan, journal;
    struct np_hist_rec r;
    struct np_err err = {""};
    unsigned int reverts[] = {3, 7};
    char *a = NULL;

    np_snapshot_init(&snap);
    ck_assert_int_eq(np_json_read_snapshot_file(ORIGIN, &snap, &err), 0);
    plan_all(&snap, &plan);
    ck_assert_int_eq(np_plan_journal(&snap, &plan, &journal, &err), 0);
    /* every optional key, and strings json-c escapes */
    free(plan.guests[0].advice);
    plan.guests[0].advice = strdup(odd);
    plan.guests[0].migrate = true;
    plan.guests[0].start_time = 1700000000;
    plan.guests[0].sched_cap = 50;
    plan.guests[0].sched_weight = 512;
    ck_assert_int_eq(np_cpumap_alloc(&plan.guests[0].emulator, 8), 0);
    np_cpumap_set(&plan.guests[0].emulator, 2);
    plan.guests[1].placed = false; /* pins: [ ] */
    free(plan.hostname);
    plan.hostname = strdup("host/1");
    ck_assert_int_eq(np_plan_write_json(&plan, &a, &err), 0);
    as_json_c_prints(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                            JSON_C_TO_STRING_NOSLASHESCAPE);
    ck_assert_ptr_nonnull(strstr(a, "\"hostname\": \"host/1\""));
    free(a);
    ck_assert_int_eq(np_plan_write_json(&journal, &a, &err), 0);
    as_json_c_prints(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                            JSON_C_TO_STRING_NOSLASHESCAPE);
    free(a);
    /* a history record: json-c's default escapes, "/" too */
    memset(&r, 0, sizeof(r));
    r.id = 12;
    r.state = NP_HIST_PENDING;
    r.time = 1700000000;
    r.command = (char *)odd;
    r.user = (char *)"root";
    r.pid = 4242;
    r.backend = (char *)"test";
    r.host_id = (char *)"h/1";
    r.nr_reverts = 2;
    r.reverts = reverts;
    r.before = journal;
    r.after = plan;
    ck_assert_int_eq(np_hist_rec_json(&r, &a, &err), 0);
    as_json_c_prints(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
    ck_assert_ptr_nonnull(strstr(a, "\"host_id\": \"h\\/1\""));
    free(a);
    np_plan_dispose(&journal);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

/* np_plan_copy(): the copy writes the same JSON as the plan and the
 * journal it copies and shares no memory with them (both are disposed
 * first; the sanitizer run checks). */
START_TEST(plan_copy)
{
    struct np_snapshot snap;
    struct np_plan plan, copy, journal, jcopy;
    struct np_err err = {""};
    char *a = NULL, *b = NULL;

    np_snapshot_init(&snap);
    ck_assert_int_eq(np_json_read_snapshot_file(ORIGIN, &snap, &err), 0);
    plan_all(&snap, &plan);
    ck_assert_int_eq(np_plan_copy(&copy, &plan), 0);
    ck_assert_str_eq(copy.guests[0].name, plan.guests[0].name);
    ck_assert_ptr_ne(copy.guests[0].name, plan.guests[0].name);
    ck_assert_ptr_ne(copy.guests[0].hard, plan.guests[0].hard);
    ck_assert_int_eq(np_plan_write_json(&plan, &a, &err), 0);
    ck_assert_int_eq(np_plan_write_json(&copy, &b, &err), 0);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    ck_assert_int_eq(np_plan_journal(&snap, &plan, &journal, &err), 0);
    ck_assert_int_eq(np_plan_copy(&jcopy, &journal), 0);
    ck_assert(jcopy.is_journal);
    ck_assert_int_eq(np_plan_write_json(&journal, &a, &err), 0);
    ck_assert_int_eq(np_plan_write_json(&jcopy, &b, &err), 0);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    np_plan_dispose(&plan);
    np_plan_dispose(&journal);
    /* the copies stand alone */
    ck_assert_int_eq(np_plan_write_json(&copy, &a, &err), 0);
    ck_assert_ptr_nonnull(strstr(a, "\"numapin_plan\": 1"));
    free(a);
    np_plan_dispose(&copy);
    np_plan_dispose(&jcopy);
    np_snapshot_dispose(&snap);
}
END_TEST

static const struct {
    const char *json;
    const char *msg;
} bad_plans[] = {
    {"[", "x: not valid json"},
    {"{\"numapin_plan\": 2}", "x: numapin_plan: version 2 is not supported"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"typo\": 1}",
     "x: (top): unknown key 'typo'"},
    {"{\"numapin_plan\": 1, \"kind\": \"x\"}",
     "x: kind: 'x' is neither 'plan' nor 'journal'"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"host\": {\"cpu_ids\": 8, "
     "\"node_ids\": 2}, \"policy\": \"fast\"}",
     "x: policy: unknown policy 'fast'"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"host\": {\"cpu_ids\": 8, "
     "\"node_ids\": 2}, \"policy\": \"prefer\", \"overcommit\": 1, \"pin\": "
     "\"hard\", \"guests\": [{\"id\": 1, \"name\": \"a\", \"new\": false, "
     "\"placed\": true, \"vcpus\": 1, \"memory_kib\": 1, \"nodes\": \"1\", "
     "\"pins\": [{\"vcpu\": 0, \"hard\": \"9\"}]}]}",
     "x: guests[0].pins[0]: 'hard' is not a list of ids below 8: '9'"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"host\": {\"cpu_ids\": 8, "
     "\"node_ids\": 2}, \"policy\": \"prefer\", \"overcommit\": 1, \"pin\": "
     "\"hard\", \"guests\": [{\"id\": 1, \"name\": \"a\", \"new\": false, "
     "\"placed\": true, \"vcpus\": 1, \"memory_kib\": 1, \"nodes\": \"1\", "
     "\"pins\": [{\"vcpu\": 3}]}]}",
     "x: guests[0].pins[0]: vcpu 3 is not below 'vcpus'"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"host\": {\"cpu_ids\": 8, "
     "\"node_ids\": 2, \"hostname\": \"a b\"}, \"guests\": []}",
     "x: host.hostname: '\"a b\"' is not a host name"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"host\": {\"cpu_ids\": 8, "
     "\"node_ids\": 2, \"host_id\": \"\\u001b[2J\"}, \"guests\": []}",
     "x: host.host_id: '\"\\u001b[2J\"' is not a valid value"},
    {"{\"numapin_plan\": 1, \"kind\": \"plan\", \"host\": {\"cpu_ids\": 8, "
     "\"node_ids\": 2, \"host_id\": 7}, \"guests\": []}",
     "x: host.host_id: expected a string, found 7"},
};

START_TEST(json_errors)
{
    struct np_plan plan;
    struct np_err err = {""};
    const char *j = bad_plans[_i].json;

    np_plan_init(&plan);
    ck_assert_int_eq(np_plan_read_json(j, strlen(j), "x", &plan, &err),
                     -EINVAL);
    ck_assert_msg(
        !strncmp(err.msg, bad_plans[_i].msg, strlen(bad_plans[_i].msg)),
        "got '%s', want '%s'", err.msg, bad_plans[_i].msg);
    ck_assert_uint_eq(plan.nr_guests, 0);
    np_plan_dispose(&plan);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Apply, rollback, undo                                               */
/* ------------------------------------------------------------------ */

/* How many writes the whole-host plan takes on a fresh host. */
static unsigned int count_steps(bool move)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.move_memory = move};
    struct np_apply_report rep;
    struct np_err err = {""};

    scratch_make(&sc);
    opts.state_dir = sc.state;
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    ck_assert_msg(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err) == 0,
                  "%s", err.msg);
    ck_assert(!rep.rolled_back);
    ck_assert_uint_eq(rep.nr_guests, 2);
    ck_assert_uint_eq(rep.history_id, 1);
    ck_assert(exists(sc.state, REC1));
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
    return rep.nr_steps;
}

/* Write n fails: apply fails, everything is put back, no journal stays. */
static void fail_at(unsigned int n, bool move)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.move_memory = move};
    struct np_apply_report rep;
    struct np_err err = {""};
    char *before, *after, *pb, *pa;
    int rc;

    scratch_make(&sc);
    opts.state_dir = sc.state;
    before = np_test_slurp(sc.host, NULL);
    pb = pins_text(sc.host);
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    ck_assert_int_eq(np_test_backend_fail_after(&be, (int)n), 0);
    rc = np_plan_apply(&be, &snap, &plan, &opts, &rep, &err);
    ck_assert_int_eq(rc, -EIO);
    ck_assert(rep.rolled_back);
    ck_assert(!rep.rollback_failed);
    ck_assert_uint_eq(rep.nr_steps, n + 1);
    ck_assert_msg(strstr(err.msg, "failed as asked") &&
                      strstr(err.msg, "nothing was changed"),
                  "%s", err.msg);
    ck_assert(!exists(sc.state, REC1)); /* put back: no record */
    ck_assert_uint_eq(rep.history_id, 0);
    after = np_test_slurp(sc.host, NULL);
    pa = pins_text(sc.host);
    ck_assert_str_eq(pb, pa);
    if (!move) {
        char *b = without_cpu(before), *a = without_cpu(after);

        ck_assert_str_eq(b, a);
        free(b);
        free(a);
    }
    free(before);
    free(after);
    free(pb);
    free(pa);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}

START_TEST(rollback_every_step)
{
    unsigned int steps = count_steps(false), n;

    /* 6 vCPUs and 2 node affinities: web1 is where the plan wants it */
    ck_assert_uint_eq(steps, 8);
    for (n = 0; n < steps; n++)
        fail_at(n, false);
}
END_TEST

START_TEST(rollback_every_step_moving_memory)
{
    unsigned int steps = count_steps(true), n;

    ck_assert_uint_gt(steps, 8);
    for (n = 0; n < steps; n++)
        fail_at(n, true);
}
END_TEST

static struct np_history *hist_open(const char *state)
{
    struct np_history *h = NULL;
    struct np_err err = {""};

    ck_assert_msg(np_history_open(state, true, &h, &err) == 0, "%s", err.msg);
    return h;
}

static void reread(struct np_backend *be, struct np_snapshot *snap)
{
    np_snapshot_dispose(snap);
    be_read(be, snap);
}

START_TEST(apply_then_undo)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_history *h;
    unsigned int *ids = NULL, nr = 0;
    char *before, *applied_pins, *now, *b, *a;

    scratch_make(&sc);
    opts.state_dir = sc.state;
    before = np_test_slurp(sc.host, NULL);
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    h = hist_open(sc.state);
    opts.history = h;
    opts.command = "apply plan.json";
    /* nothing to undo yet */
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err),
                     -ENOENT);
    ck_assert_msg(strstr(err.msg, "there is nothing to undo"), "%s", err.msg);
    np_err_clear(&err);
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err), 0);
    ck_assert_uint_eq(rep.history_id, 1);
    ck_assert_str_eq(np_history_find(h, 1)->command, "apply plan.json");
    ck_assert_int_eq(np_history_find(h, 1)->state, NP_HIST_DONE);
    applied_pins = pins_text(sc.host);
    ck_assert_ptr_nonnull(strstr(applied_pins, "rhel5xen/0:0, "));
    reread(&be, &snap);
    /* the same plan again changes nothing and records nothing */
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err), 0);
    ck_assert_uint_eq(rep.history_id, 0);
    ck_assert_uint_eq(rep.nr_steps, 0);
    ck_assert_uint_eq(np_history_count(h), 1);
    /* a failure in the middle of the undo leaves the plan in place */
    ck_assert_int_eq(np_test_backend_fail_after(&be, 3), 0);
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err), -EIO);
    ck_assert(rep.rolled_back);
    now = pins_text(sc.host);
    ck_assert_str_eq(now, applied_pins);
    free(now);
    ck_assert_uint_eq(np_history_count(h), 1);
    ck_assert_int_eq(np_test_backend_fail_after(&be, -1), 0);
    np_err_clear(&err);
    /* undo puts the host back as it was, as change 2 reverting 1 */
    ck_assert_msg(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(rep.nr_guests, 2);
    ck_assert_uint_eq(rep.history_id, 2);
    ck_assert_uint_eq(np_history_find(h, 2)->nr_reverts, 1);
    ck_assert_uint_eq(np_history_find(h, 2)->reverts[0], 1);
    now = np_test_slurp(sc.host, NULL);
    b = without_cpu(before);
    a = without_cpu(now);
    ck_assert_str_eq(b, a);
    free(a);
    free(b);
    free(now);
    ck_assert_int_eq(np_history_stack(h, &ids, &nr), 0);
    ck_assert_uint_eq(nr, 0);
    free(ids);
    /* nothing left to undo */
    reread(&be, &snap);
    np_err_clear(&err);
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err),
                     -ENOENT);
    /* the history as another process reads it */
    np_history_free(h);
    h = hist_open(sc.state);
    ck_assert_uint_eq(np_history_count(h), 2);
    opts.history = h;
    /* apply (3), then a change made by someone else: undo refuses */
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err), 0);
    ck_assert_uint_eq(rep.history_id, 3);
    reread(&be, &snap);
    {
        struct np_cpumap m;

        np_cpumap_init(&m);
        np_test_map(&m, snap.topo.nr_cpu_ids, 7, -1);
        ck_assert_int_eq(np_backend_set_vcpu_affinity(&be, &snap.guests[0], 0,
                                                      &m, NULL, 0, NULL, &err),
                         0);
        np_cpumap_dispose(&m);
    }
    reread(&be, &snap);
    now = pins_text(sc.host);
    np_err_clear(&err);
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err),
                     -ESTALE);
    ck_assert_msg(strstr(err.msg, "cannot undo change 3 (apply plan.json): "
                                  "rhel5xen vcpu 0's hard affinity was "
                                  "changed since (it is 7, the change left 0)"),
                  "%s", err.msg);
    b = pins_text(sc.host);
    ck_assert_str_eq(now, b);
    free(b);
    free(now);
    free(applied_pins);
    free(before);
    np_history_free(h);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/* undo 2 reverts two changes at once; undo --to ID down to ID. */
/* A KVM guest whose cpuset cgroup holds other processes cannot take a
 * memory policy without changing them: the plan pins its vCPUs, leaves its
 * node affinity and says so; a guest with a cgroup of its own gets it. */
START_TEST(nodes_of_a_shared_cgroup)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_plan_guest *pg = NULL;
    struct np_guest *g;
    unsigned int i;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        scratch_make(&sc);
        opts.state_dir = sc.state;
        be_open(&be, sc.host);
        be_read(&be, &snap);
        plan_all(&snap, &plan);
        for (i = 0; i < plan.nr_guests && !pg; i++)
            if (plan.guests[i].placed && plan.guests[i].node_affinity.nr_bits)
                pg = &plan.guests[i];
        ck_assert_ptr_nonnull(pg);
        g = np_snapshot_guest_by_id(&snap, pg->id);
        ck_assert_ptr_nonnull(g);
        ck_assert(!np_cpumap_equal(&g->node_affinity, &pg->node_affinity));
        g->membind = calloc(1, sizeof(*g->membind));
        ck_assert_ptr_nonnull(g->membind);
        g->membind->cgroup =
            strdup(pass ? "/machine.slice/web" : "/user.slice");
        g->membind->cgroup_version = 2;
        g->membind->cgroup_shared = !pass;
        memset(&rep, 0, sizeof(rep));
        ck_assert_msg(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err) == 0,
                      "%s", err.msg);
        ck_assert_uint_gt(rep.nr_steps, 0);
        if (!pass)
            ck_assert_msg(strstr(rep.note, "memory policy not set (its cgroup "
                                           "/user.slice holds other processes"),
                          "note: '%s'", rep.note);
        else
            ck_assert_msg(!strstr(rep.note, "memory policy not set"), "%s",
                          rep.note);
        {
            int id = pg->id;
            struct np_cpumap want;

            np_cpumap_init(&want);
            ck_assert_int_eq(np_cpumap_copy(&want, &pg->node_affinity), 0);
            reread(&be, &snap);
            g = np_snapshot_guest_by_id(&snap, id);
            ck_assert_ptr_nonnull(g);
            /* shared: the affinity stays as it was; own cgroup: set */
            ck_assert_int_eq(np_cpumap_equal(&g->node_affinity, &want), pass);
            np_cpumap_dispose(&want);
        }
        np_plan_dispose(&plan);
        np_snapshot_dispose(&snap);
        be.ops->close(&be);
        rm_rf(sc.dir);
        pg = NULL;
    }
}
END_TEST

START_TEST(undo_several)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan, one;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_plan_guest *g;
    struct np_history *h;
    char *before, *now, *b, *a;
    unsigned int v;

    scratch_make(&sc);
    before = np_test_slurp(sc.host, NULL);
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    h = hist_open(sc.state);
    opts.history = h;
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err), 0);
    reread(&be, &snap);
    /* change 2: every vCPU of the first guest to CPU 0 */
    np_plan_init(&one);
    one.nr_cpu_ids = snap.topo.nr_cpu_ids;
    one.nr_node_ids = snap.topo.nr_node_ids;
    ck_assert_int_eq(np_plan_add_guest(&one, snap.guests[0].id,
                                       snap.guests[0].name,
                                       snap.guests[0].nr_vcpus, &g),
                     0);
    g->placed = true;
    for (v = 0; v < g->nr_vcpus; v++)
        np_test_map(&g->hard[v], one.nr_cpu_ids, 0, -1);
    ck_assert_int_eq(np_plan_apply(&be, &snap, &one, &opts, &rep, &err), 0);
    ck_assert_uint_eq(rep.history_id, 2);
    reread(&be, &snap);
    /* --to 5: there is no such change */
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 5, &opts, &rep, &err),
                     -ENOENT);
    /* three cannot be undone */
    np_err_clear(&err);
    ck_assert_int_eq(np_plan_undo(&be, &snap, 3, 0, &opts, &rep, &err),
                     -ENOENT);
    np_err_clear(&err);
    ck_assert_msg(np_plan_undo(&be, &snap, 0, 1, &opts, &rep, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(np_history_find(h, 3)->nr_reverts, 2);
    now = np_test_slurp(sc.host, NULL);
    b = without_cpu(before);
    a = without_cpu(now);
    ck_assert_str_eq(b, a);
    free(a);
    free(b);
    free(now);
    free(before);
    np_history_free(h);
    np_plan_dispose(&one);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/*
 * A writer opens only the newest record (np_history_open_newest): an old
 * record, even a damaged one, is not read; the next id still follows the
 * newest; the undo stack is refused, not computed from one record; the
 * whole history (undo, `numapin history`) still names the damage.
 */
START_TEST(history_newest_only)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_history *h;
    unsigned int *ids = NULL, nr = 9;
    char path[256];
    FILE *f;

    scratch_make(&sc);
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    h = hist_open(sc.state);
    opts.history = h;
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err), 0);
    reread(&be, &snap);
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err), 0);
    reread(&be, &snap);
    np_history_free(h);
    /* record 1 damaged after the fact */
    snprintf(path, sizeof(path), "%s/history/00000001.json", sc.state);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"numapin_history\": 1, \"id\": 1, \"st", f);
    fclose(f);
    h = NULL;
    ck_assert_msg(np_history_open_newest(sc.state, &h, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(np_history_count(h), 1);
    ck_assert_uint_eq(np_history_get(h, 0)->id, 2);
    ck_assert_ptr_null(np_history_find(h, 1));
    ck_assert_ptr_null(np_history_unfinished(h));
    ck_assert_int_eq(np_history_stack(h, &ids, &nr), -EINVAL);
    ck_assert_ptr_null(ids);
    ck_assert_uint_eq(nr, 0);
    opts.history = h;
    ck_assert_msg(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(rep.history_id, 3);
    np_history_free(h);
    h = NULL;
    ck_assert_int_eq(np_history_open(sc.state, false, &h, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "00000001.json' is damaged"), "%s", err.msg);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/*
 * An apply that died half way (issue 10's first failure): its record is
 * pending; a second apply refuses instead of losing it; undo puts the
 * first one back and marks it rolled back.
 */
START_TEST(undo_interrupted)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan, journal;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_history *h;
    char *before, *now, *b, *a;
    unsigned int v, id;

    scratch_make(&sc);
    before = np_test_slurp(sc.host, NULL);
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    /* what apply writes first, then the first guest's pins, then "crash" */
    ck_assert_int_eq(np_plan_journal(&snap, &plan, &journal, &err), 0);
    h = hist_open(sc.state);
    ck_assert_int_eq(np_history_begin(h, "apply p.json", "test", NULL, &journal,
                                      &plan, NULL, 0, &id, &err),
                     0);
    np_history_free(h);
    for (v = 0; v < plan.guests[0].nr_vcpus; v++)
        ck_assert_int_eq(np_backend_set_vcpu_affinity(
                             &be, &snap.guests[0], (int)v,
                             &plan.guests[0].hard[v], NULL, 0, NULL, &err),
                         0);
    reread(&be, &snap);
    h = hist_open(sc.state);
    opts.history = h;
    ck_assert_ptr_nonnull(np_history_unfinished(h));
    /* a second apply refuses: the first one's record stays */
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err),
                     -EBUSY);
    ck_assert_msg(strstr(err.msg, "change 1 (apply p.json, ") &&
                      strstr(err.msg, "did not finish: run `numapin undo`"),
                  "%s", err.msg);
    ck_assert_uint_eq(np_history_count(h), 1);
    np_err_clear(&err);
    ck_assert_msg(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(rep.rolled_back_id, 1);
    ck_assert_int_eq(np_history_find(h, 1)->state, NP_HIST_ROLLED_BACK);
    ck_assert_ptr_null(np_history_unfinished(h));
    now = np_test_slurp(sc.host, NULL);
    b = without_cpu(before);
    a = without_cpu(now);
    ck_assert_str_eq(b, a);
    free(a);
    free(b);
    free(now);
    free(before);
    np_history_free(h);
    /* as read again from the files */
    h = hist_open(sc.state);
    ck_assert_int_eq(np_history_find(h, 1)->state, NP_HIST_ROLLED_BACK);
    np_history_free(h);
    np_plan_dispose(&journal);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/*
 * Issue 10's failure 3: a record names each guest's process by pid and
 * start time; undo refuses when the pid is another process now (same pid
 * and name, another start time), with nothing changed, and undoes the
 * process the record was made for.
 */
START_TEST(undo_other_process)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_history *h;
    char *applied, *now;
    unsigned int i;

    scratch_make(&sc);
    opts.state_dir = sc.state;
    opts.command = "apply plan.json";
    be_open(&be, sc.host);
    be_read(&be, &snap);
    for (i = 0; i < snap.nr_guests; i++)
        snap.guests[i].start_time = 5000 + i;
    plan_all(&snap, &plan);
    h = hist_open(sc.state);
    opts.history = h;
    ck_assert_msg(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err) == 0,
                  "%s", err.msg);
    /* the record carries each process's start time */
    ck_assert_uint_ge(np_history_find(h, 1)->before.guests[0].start_time, 5000);
    applied = np_test_slurp(sc.host, NULL);
    reread(&be, &snap);
    /* the same pids and names, other processes */
    for (i = 0; i < snap.nr_guests; i++)
        snap.guests[i].start_time = 9000 + i;
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err),
                     -ESTALE);
    ck_assert_msg(strstr(err.msg, "cannot undo change 1 (apply plan.json): "
                                  "guest '") &&
                      strstr(err.msg, "is another process now (started at 900"),
                  "%s", err.msg);
    now = np_test_slurp(sc.host, NULL);
    ck_assert_str_eq(now, applied);
    free(now);
    ck_assert_uint_eq(np_history_count(h), 1);
    /* the processes the record was made for: undone */
    for (i = 0; i < snap.nr_guests; i++)
        snap.guests[i].start_time = 5000 + i;
    np_err_clear(&err);
    ck_assert_msg(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(np_history_count(h), 2);
    np_history_free(h);
    free(applied);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/*
 * A record names the host it was made on; undo refuses one made on
 * another host (a state directory shared or copied), with both ids and
 * nothing changed; a record without the key (older numapin) undoes; a
 * host id that is not one makes the record damaged.
 */
START_TEST(undo_other_host)
{
    static const char ida[] = "0123456789abcdef0123456789abcdef";
    static const char idb[] = "fedcba9876543210fedcba9876543210";
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    struct np_history *h;
    char path[160], *applied, *now, *rec, *p;

    scratch_make(&sc);
    opts.state_dir = sc.state;
    opts.command = "apply plan.json";
    be_open(&be, sc.host);
    be_read(&be, &snap);
    ck_assert_int_eq(np_ident_set(&snap.ident.host_id, ida), 0);
    plan_all(&snap, &plan);
    h = hist_open(sc.state);
    opts.history = h;
    ck_assert_msg(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err) == 0,
                  "%s", err.msg);
    ck_assert_str_eq(np_history_find(h, 1)->host_id, ida);
    np_history_free(h);
    h = hist_open(sc.state); /* as read back from its file */
    opts.history = h;
    ck_assert_str_eq(np_history_find(h, 1)->host_id, ida);
    ck_assert_int_eq(np_hist_rec_check_host(np_history_find(h, 1), NULL, &err),
                     0);
    applied = np_test_slurp(sc.host, NULL);
    reread(&be, &snap);

    /* another host's */
    ck_assert_int_eq(np_ident_set(&snap.ident.host_id, idb), 0);
    ck_assert_int_eq(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err), -EXDEV);
    ck_assert_msg(strstr(err.msg, "cannot undo change 1 (apply plan.json): it "
                                  "was made on the host with id "
                                  "0123456789abcdef0123456789abcdef, and this "
                                  "host's id is "
                                  "fedcba9876543210fedcba9876543210") &&
                      !strchr(err.msg, '\n'),
                  "%s", err.msg);
    now = np_test_slurp(sc.host, NULL);
    ck_assert_str_eq(now, applied);
    free(now);
    ck_assert_uint_eq(np_history_count(h), 1);
    np_history_free(h);

    /* a host id that is not one: the record is damaged */
    snprintf(path, sizeof(path), "%s/history/00000001.json", sc.state);
    rec = np_test_slurp(path, NULL);
    p = strstr(rec, ida);
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\\u0001", 6); /* a control character: no host id */
    spit(path, rec);
    h = NULL;
    np_err_clear(&err);
    ck_assert_int_eq(np_history_open(sc.state, false, &h, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "is damaged: 'host_id' is not a host id"),
                  "%s", err.msg);
    memcpy(p, ida, 6);

    /* without the key, as an older numapin wrote it: undone anywhere */
    p = strstr(rec, "\"host_id\"");
    ck_assert_ptr_nonnull(p);
    memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
    spit(path, rec);
    free(rec);
    h = hist_open(sc.state);
    opts.history = h;
    ck_assert_ptr_null(np_history_find(h, 1)->host_id);
    np_err_clear(&err);
    ck_assert_msg(np_plan_undo(&be, &snap, 0, 0, &opts, &rep, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(np_history_count(h), 2);
    /* the undo record carries this host's id */
    ck_assert_str_eq(np_history_find(h, 2)->host_id, idb);
    np_history_free(h);
    free(applied);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/* A damaged record is named and never replaced; a half-written temporary
 * file is removed. */
START_TEST(history_damaged)
{
    struct scratch sc;
    struct np_history *h = NULL;
    struct np_err err = {""};
    char path[256], tmp[256];
    FILE *f;

    scratch_make(&sc);
    h = hist_open(sc.state);
    np_history_free(h);
    snprintf(path, sizeof(path), "%s/history/00000001.json", sc.state);
    snprintf(tmp, sizeof(tmp), "%s/history/tmp.1.abcdef", sc.state);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"numapin_history\": 1, \"id\": 1, \"state\": \"do", f);
    fclose(f);
    f = fopen(tmp, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    h = NULL;
    ck_assert_int_eq(np_history_open(sc.state, true, &h, &err), -EINVAL);
    ck_assert_ptr_null(h);
    ck_assert_msg(strstr(err.msg, "00000001.json' is damaged: not JSON"), "%s",
                  err.msg);
    ck_assert(access(path, F_OK) == 0);
    ck_assert(access(tmp, F_OK) != 0);
    rm_rf(sc.dir);
}
END_TEST

/* Plans that no longer fit the host are refused before any change. */
START_TEST(stale_plans)
{
    struct scratch sc;
    struct np_backend be;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_apply_opts opts = {.state_dir = NULL};
    struct np_apply_report rep;
    struct np_err err = {""};
    char *before, *after;

    scratch_make(&sc);
    opts.state_dir = sc.state;
    before = np_test_slurp(sc.host, NULL);
    be_open(&be, sc.host);
    be_read(&be, &snap);
    plan_all(&snap, &plan);
    /* a guest vanished */
    plan.guests[1].id = 99;
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err),
                     -ESRCH);
    ck_assert_str_eq(err.msg, "guest 'web1' (id 99) no longer exists: make "
                              "a new plan");
    plan.guests[1].id = 2;
    /* a CPU went offline */
    snap.topo.cpus[4].online = false;
    np_err_clear(&err);
    ck_assert_int_eq(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err),
                     -EINVAL);
    ck_assert_msg(strstr(err.msg, "to cpu 4, which is offline"), "%s", err.msg);
    snap.topo.cpus[4].online = true;
    /* the state directory cannot be made: nothing changes */
    snprintf(sc.state, sizeof(sc.state), "%s/host.json/state", sc.dir);
    opts.state_dir = sc.state;
    np_err_clear(&err);
    ck_assert_int_lt(np_plan_apply(&be, &snap, &plan, &opts, &rep, &err), 0);
    ck_assert_msg(strstr(err.msg, "cannot create '"), "%s", err.msg);
    after = np_test_slurp(sc.host, NULL);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
    be.ops->close(&be);
    rm_rf(sc.dir);
}
END_TEST

/* The order of memory moves (np_plan_move_order(), plan.h's example):
 * guest 1 moves 2 GiB to node 0, guest 2 2 GiB to node 1; with room on
 * node 1 only, guest 2 goes first and makes room for guest 1; with room
 * on neither, strict says which node lacks the least. */
START_TEST(move_order)
{
    const uint64_t gib = 1048576;
    struct np_snapshot snap;
    struct np_plan plan;
    struct np_plan_guest *pg;
    struct np_guest *g;
    unsigned int order[2] = {9, 9};
    uint64_t lack = 0;
    int i, node = -1;

    np_snapshot_init(&snap);
    np_test_topo_dense(&snap.topo, 2, 1, 1, 2);
    snap.topo.nodes[0].mem_free_kib = gib / 2;
    snap.topo.nodes[1].mem_free_kib = 3 * gib;
    np_plan_init(&plan);
    plan.nr_cpu_ids = 2;
    plan.nr_node_ids = 2;
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(
            np_snapshot_add_guest(&snap, i + 1, i ? "b" : "a", 1, false, &g),
            0);
        g->mem_per_node_kib = calloc(2, sizeof(*g->mem_per_node_kib));
        ck_assert_ptr_nonnull(g->mem_per_node_kib);
        g->mem_per_node_kib[1 - i] = 2 * gib; /* a on node 1, b on 0 */
        ck_assert_int_eq(np_plan_add_guest(&plan, i + 1, g->name, 1, &pg), 0);
        pg->placed = true;
        pg->mem_per_node_kib = calloc(2, sizeof(*pg->mem_per_node_kib));
        ck_assert_ptr_nonnull(pg->mem_per_node_kib);
        pg->mem_per_node_kib[i] = 2 * gib; /* a to node 0, b to 1 */
    }
    ck_assert_int_eq(
        np_plan_move_order(&snap, &plan, true, order, &node, &lack), 0);
    ck_assert_uint_eq(order[0], 1);
    ck_assert_uint_eq(order[1], 0);

    snap.topo.nodes[1].mem_free_kib = gib;
    ck_assert_int_eq(np_plan_move_order(&snap, &plan, true, NULL, &node, &lack),
                     -ENOSPC);
    ck_assert_int_eq(node, 1);
    ck_assert_uint_eq(lack, gib);
    ck_assert_int_eq(np_plan_move_order(&snap, &plan, false, order, NULL, NULL),
                     0);
    ck_assert_uint_eq(order[0], 0);
    ck_assert_uint_eq(order[1], 1);
    np_plan_dispose(&plan);
    np_snapshot_dispose(&snap);
}
END_TEST

Suite *suite_test_plan(void);
Suite *suite_test_plan(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, json_round_trip);
    tcase_add_test(tc, json_as_json_c);
    tcase_add_test(tc, plan_copy);
    tcase_add_loop_test(tc, json_errors, 0,
                        (int)(sizeof(bad_plans) / sizeof(bad_plans[0])));
    tcase_add_test(tc, rollback_every_step);
    tcase_add_test(tc, rollback_every_step_moving_memory);
    tcase_add_test(tc, apply_then_undo);
    tcase_add_test(tc, nodes_of_a_shared_cgroup);
    tcase_add_test(tc, undo_interrupted);
    tcase_add_test(tc, undo_several);
    tcase_add_test(tc, history_newest_only);
    tcase_add_test(tc, history_damaged);
    tcase_add_test(tc, undo_other_host);
    tcase_add_test(tc, undo_other_process);
    tcase_add_test(tc, stale_plans);
    tcase_add_test(tc, move_order);
    suite_add_tcase(s, tc);
    return s;
}
