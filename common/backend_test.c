/*
 * backend_test.c: the test backend, a host kept in a JSON snapshot file.
 * The contract is in backend_test.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend_test.h"
#include "fmt_json.h"

struct test_priv {
    char *path;               /* the snapshot file */
    struct np_snapshot state; /* what the file holds */
    int fail_after;           /* write number that fails; -1: none */
    int full_after;           /* write number from which every write
                                 fails, as on a full disk; -1: none */
    int kill_after;           /* write number before which the process
                                 kills itself (SIGKILL); -1: none */
    int slow_ms;              /* sleep before each write */
    unsigned int nr_writes;   /* writes so far */
    bool batch;               /* be->batch: the file at commit only */
    bool dirty;               /* state changed since the file was written */
    bool as_read;             /* state is as open read it from the file:
                                 read_guests may move its guests out */
    bool lent;                /* it did: state has no guests until
                                 take_back() reads them from the file */
};

/* ------------------------------------------------------------------ */
/* Copies                                                              */
/* ------------------------------------------------------------------ */

/* dst = src's bits, sized to nr_bits.  0 or -ENOMEM. */
static int map_assign(struct np_cpumap *dst, const struct np_cpumap *src,
                      unsigned int nr_bits)
{
    int rc = np_cpumap_copy(dst, src);

    if (rc)
        return rc;
    return np_cpumap_resize(dst, nr_bits);
}

/* ------------------------------------------------------------------ */
/* Validation and the write path                                       */
/* ------------------------------------------------------------------ */

/*
 * The state's guests back after read_guests moved them out (lent): read
 * from the file again, which still holds them as open read them (only
 * a state with its guests is ever written, and a writing command holds
 * the lock from before open).  0, or the reader's error.
 */
static int take_back(struct test_priv *tp, struct np_err *err)
{
    struct np_snapshot snap;
    int rc;

    if (!tp->lent)
        return 0;
    np_snapshot_init(&snap);
    rc = np_json_read_snapshot_file(tp->path, &snap, err);
    if (rc)
        return rc;
    snap.backend = "test";
    np_snapshot_dispose(&tp->state);
    tp->state = snap;
    tp->lent = false;
    return 0;
}

/* The index in tp->state of the guest with g's id, or -EINVAL.  Every
 * write begins with it: the state is then no longer as read. */
static int find_guest(struct test_priv *tp, const struct np_guest *g,
                      struct np_err *err)
{
    unsigned int i;
    int rc;

    if (!g)
        return np_err_set(err, -EINVAL, "no guest given");
    rc = take_back(tp, err);
    if (rc)
        return rc;
    tp->as_read = false;
    for (i = 0; i < tp->state.nr_guests; i++)
        if (tp->state.guests[i].id == g->id)
            return (int)i;
    return np_err_set(err, -EINVAL,
                      "guest '%s' (id %d) does not exist on the test host '%s'",
                      g->name ? g->name : "", g->id, tp->path);
}

/* A map of CPUs (is_node false) or nodes: not empty, every id present. */
static int check_map(const struct np_topo *topo, const struct np_cpumap *map,
                     bool is_node, const char *what, const char *name,
                     struct np_err *err)
{
    int bit;

    if (np_cpumap_is_empty(map))
        return np_err_set(err, -EINVAL, "the %s for guest '%s' is empty", what,
                          name);
    np_cpumap_for_each(bit, map)
    {
        if (!is_node && !np_topo_cpu_exists(topo, bit))
            return np_err_set(
                err, -EINVAL,
                "the %s for guest '%s' names cpu %d, which this host does not have",
                what, name, bit);
        if (is_node && !np_topo_node_exists(topo, bit))
            return np_err_set(
                err, -EINVAL,
                "the %s for guest '%s' names node %d, which this host does not have",
                what, name, bit);
    }
    return 0;
}

/* Count a write; the injected failure, when it is this one's turn. */
static int write_begin(struct test_priv *tp, struct np_err *err)
{
    unsigned int n = tp->nr_writes++;

    if (tp->slow_ms > 0)
        nanosleep(&(struct timespec){tp->slow_ms / 1000,
                                     (tp->slow_ms % 1000) * 1000000L},
                  NULL);
    if (tp->kill_after >= 0 && n == (unsigned int)tp->kill_after)
        raise(SIGKILL); /* as `kill -9` in the middle of a command */
    if (tp->fail_after >= 0 && n == (unsigned int)tp->fail_after)
        return np_err_set(
            err, -EIO,
            "write %u to the test host '%s' failed as asked (fail after %d writes)",
            n + 1, tp->path, tp->fail_after);
    if (tp->full_after >= 0 && n >= (unsigned int)tp->full_after)
        return np_err_set(
            err, -ENOSPC,
            "write %u to the test host '%s' failed as asked (full after %d writes)",
            n + 1, tp->path, tp->full_after);
    return 0;
}

/*
 * The snapshot a write changes: the state itself in batch mode (the file
 * is written once, by commit), else a copy of it in *next that becomes
 * the state when the file is written.  NULL when out of memory.
 */
static struct np_snapshot *stage(struct test_priv *tp, struct np_snapshot *next,
                                 int *rc)
{
    if (tp->batch)
        return &tp->state;
    *rc = np_snapshot_copy(next, &tp->state);
    return *rc ? NULL : next;
}

/* Write next to the file; on success it becomes the state. */
static int write_commit(struct test_priv *tp, struct np_snapshot *next,
                        struct np_err *err)
{
    struct np_snapshot old;
    int rc;

    if (next == &tp->state) {
        tp->dirty = true;
        return 0;
    }
    rc = np_json_write_snapshot_file(tp->path, next, err);
    if (rc)
        return rc;
    old = tp->state;
    tp->state = *next;
    *next = old;
    return 0;
}

/* write_begin() and stage(): the state a write changes, or NULL (*rc). */
static struct np_snapshot *write_stage(struct test_priv *tp,
                                       struct np_snapshot *next, int *rc,
                                       struct np_err *err)
{
    *rc = write_begin(tp, err);
    return *rc ? NULL : stage(tp, next, rc);
}

/* The end of a write: next (the state it built) freed, and "out of
 * memory" said when that is what failed.  Returns rc. */
static int write_end(int rc, struct np_snapshot *next, struct np_err *err)
{
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory in the test backend");
    np_snapshot_dispose(next);
    return rc;
}

/* The first online CPU of hard, preferring one also in soft. */
static int pick_cpu(const struct np_topo *topo, const struct np_vcpu *v)
{
    int cpu, fallback = -1;

    np_cpumap_for_each(cpu, &v->hard)
    {
        if (!np_topo_cpu_exists(topo, cpu) || !topo->cpus[cpu].online)
            continue;
        if (!v->soft.nr_bits || np_cpumap_test(&v->soft, cpu))
            return cpu;
        if (fallback < 0)
            fallback = cpu;
    }
    return fallback;
}

/* ------------------------------------------------------------------ */
/* The operations                                                      */
/* ------------------------------------------------------------------ */

static const struct np_backend_ops test_relocate_ops;

static void test_close(struct np_backend *be)
{
    struct test_priv *tp = be->priv;

    if (!tp)
        return;
    np_snapshot_dispose(&tp->state);
    free(tp->path);
    free(tp);
    be->priv = NULL;
}

/*
 * The environment's fault injection (NP_TEST_*_ENV), a test hook: a
 * release build (CONFIG_TEST_HOOKS=n) reads none of it.
 */
#ifdef CONFIG_TEST_HOOKS
static int parse_fail_after(const char *s, int *out)
{
    char *end;
    long n;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    n = strtol(s, &end, 10);
    if (errno || *end || n > INT32_MAX)
        return -EINVAL;
    *out = (int)n;
    return 0;
}

static int read_test_hooks(struct test_priv *tp, struct np_err *err)
{
    const char *env;

    env = getenv(NP_TEST_FAIL_AFTER_ENV);
    if (env && *env && parse_fail_after(env, &tp->fail_after))
        return np_err_set(err, -EINVAL, "%s='%s' is not a number of writes",
                          NP_TEST_FAIL_AFTER_ENV, env);
    env = getenv(NP_TEST_FULL_AFTER_ENV);
    if (env && *env && parse_fail_after(env, &tp->full_after))
        return np_err_set(err, -EINVAL, "%s='%s' is not a number of writes",
                          NP_TEST_FULL_AFTER_ENV, env);
    env = getenv(NP_TEST_KILL_AFTER_ENV);
    if (env && *env && parse_fail_after(env, &tp->kill_after))
        return np_err_set(err, -EINVAL, "%s='%s' is not a number of writes",
                          NP_TEST_KILL_AFTER_ENV, env);
    env = getenv(NP_TEST_SLOW_ENV);
    if (env && *env && parse_fail_after(env, &tp->slow_ms))
        return np_err_set(err, -EINVAL, "%s='%s' is not a number of ms",
                          NP_TEST_SLOW_ENV, env);
    return 0;
}
#else
static int read_test_hooks(struct test_priv *tp, struct np_err *err)
{
    return 0;
}
#endif

static int test_open(struct np_backend *be, const char *arg, struct np_err *err)
{
    struct test_priv *tp = NULL;
    int rc;

    be->priv = NULL;
    be->read_only = false;
    if (!arg || !*arg)
        return np_err_set(
            err, -EINVAL,
            "the test backend needs the path of a json snapshot file");
    tp = calloc(1, sizeof(*tp));
    if (!tp)
        return -ENOMEM;
    np_snapshot_init(&tp->state);
    tp->fail_after = -1;
    tp->full_after = -1;
    tp->kill_after = -1;
    tp->path = strdup(arg);
    if (!tp->path) {
        rc = -ENOMEM;
        goto out;
    }
    rc = read_test_hooks(tp, err);
    if (rc)
        goto out;
    rc = np_json_read_snapshot_file(arg, &tp->state, err);
    if (rc)
        goto out;
    tp->state.backend = "test";
    tp->as_read = true;
#ifdef CONFIG_TEST_HOOKS
    if (getenv(NP_TEST_RELOCATE_ENV))
        be->ops = &test_relocate_ops;
#endif
        /* the benchmark's baseline: one file rewrite per write */
#ifdef CONFIG_TEST_HOOKS
    tp->batch = be->batch && !getenv(NP_TEST_UNBATCHED_ENV);
#else
    tp->batch = be->batch;
#endif
    be->priv = tp;
    tp = NULL;
out:
    if (tp) {
        np_snapshot_dispose(&tp->state);
        free(tp->path);
        free(tp);
    }
    return rc;
}

/* flags: the file's host is copied whole, whatever is left out */
static int test_read_host(struct np_backend *be, struct np_snapshot *snap,
                          unsigned int flags, struct np_err *err)
{
    struct test_priv *tp = be->priv;
    char *source = NULL;
    int rc;

    rc = np_topo_copy(&snap->topo, &tp->state.topo);
    if (rc)
        goto out;
    if (asprintf(&source, "test backend: %s", tp->path) < 0) {
        source = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = np_topo_set_source(&snap->topo, source);
    if (rc)
        goto out;
    rc = np_ident_copy(&snap->ident, &tp->state.ident);
    if (rc)
        goto out;
    snap->backend = "test";
out:
    free(source);
    if (rc)
        np_err_set(err, rc, "out of memory while copying the test host");
    return rc;
}

static int test_read_guests(struct np_backend *be, struct np_snapshot *snap,
                            unsigned int flags, struct np_err *err)
{
    struct test_priv *tp = be->priv;
    const struct np_topo *topo = &tp->state.topo;
    unsigned int i;
    int rc;

    if (!snap->topo.nr_cpu_ids) {
        rc = test_read_host(be, snap, flags, err);
        if (rc)
            return rc;
    }
    if (snap->topo.nr_cpu_ids != topo->nr_cpu_ids ||
        snap->topo.nr_node_ids != topo->nr_node_ids)
        return np_err_set(
            err, -EINVAL,
            "the snapshot's topology is not the test host's: read the host before the guests");
    np_snapshot_clear_guests(snap);
    snap->backend = "test";
    if (tp->as_read) {
        /* the first read of a command: the guests themselves, not a
         * copy (take_back() reads them again when a write needs them) */
        snap->guests = tp->state.guests;
        snap->nr_guests = tp->state.nr_guests;
        snap->has_guests = true;
        tp->state.guests = NULL;
        tp->state.nr_guests = 0;
        tp->as_read = false;
        tp->lent = true;
        return 0;
    }
    rc = take_back(tp, err);
    if (rc)
        return rc;
    for (i = 0; i < tp->state.nr_guests; i++) {
        rc = np_snapshot_copy_guest(snap, &tp->state.guests[i]);
        if (rc) {
            np_snapshot_clear_guests(snap);
            return np_err_set(err, rc,
                              "out of memory while copying the test guests");
        }
    }
    snap->has_guests = true;
    return 0;
}

static int test_set_vcpu_affinity(struct np_backend *be,
                                  const struct np_guest *g, int vcpu,
                                  const struct np_cpumap *hard,
                                  const struct np_cpumap *soft,
                                  unsigned int flags, struct np_note *note,
                                  struct np_err *err)
{
    struct test_priv *tp = be->priv;
    const struct np_topo *topo = &tp->state.topo;
    const struct np_guest *cur;
    struct np_snapshot next, *w;
    struct np_vcpu *v;
    int idx, rc;

    np_snapshot_init(&next);
    rc = idx = find_guest(tp, g, err);
    if (rc < 0)
        goto out;
    cur = &tp->state.guests[idx];
    if (vcpu < 0 || (unsigned int)vcpu >= cur->nr_vcpus) {
        rc = np_err_set(err, -EINVAL,
                        "guest '%s' has no vcpu %d: its vcpus are 0 to %u",
                        cur->name, vcpu, cur->nr_vcpus - 1);
        goto out;
    }
    if (hard) {
        rc = check_map(topo, hard, false, "hard affinity", cur->name, err);
        if (rc)
            goto out;
    }
    if (soft) {
        rc = check_map(topo, soft, false, "soft affinity", cur->name, err);
        if (rc)
            goto out;
    }
    w = write_stage(tp, &next, &rc, err);
    if (!w)
        goto out;
    v = &w->guests[idx].vcpus[vcpu];
    if (hard) {
        rc = map_assign(&v->hard, hard, topo->nr_cpu_ids);
        if (rc)
            goto out;
    }
    if (soft) {
        rc = map_assign(&v->soft, soft, topo->nr_cpu_ids);
        if (rc)
            goto out;
    }
    if (v->cpu >= 0 && !np_cpumap_test(&v->hard, v->cpu)) {
        int cpu = pick_cpu(topo, v);

        if (cpu >= 0)
            v->cpu = cpu;
    }
    rc = write_commit(tp, w, err);
out:
    return write_end(rc, &next, err);
}

static int test_set_node_affinity(struct np_backend *be,
                                  const struct np_guest *g,
                                  const struct np_cpumap *nodes,
                                  struct np_note *note, struct np_err *err)
{
    struct test_priv *tp = be->priv;
    const struct np_topo *topo = &tp->state.topo;
    struct np_snapshot next, *w;
    struct np_guest *ng;
    int idx, rc;

    np_snapshot_init(&next);
    rc = idx = find_guest(tp, g, err);
    if (rc < 0)
        goto out;
    if (nodes) {
        rc = check_map(topo, nodes, true, "node affinity",
                       tp->state.guests[idx].name, err);
        if (rc)
            goto out;
    }
    w = write_stage(tp, &next, &rc, err);
    if (!w)
        goto out;
    ng = &w->guests[idx];
    if (nodes)
        rc = map_assign(&ng->node_affinity, nodes, topo->nr_node_ids);
    else
        rc = np_topo_all_nodes(&w->topo, &ng->node_affinity);
    if (rc)
        goto out;
    rc = write_commit(tp, w, err);
out:
    return write_end(rc, &next, err);
}

static int test_move_memory(struct np_backend *be, const struct np_guest *g,
                            const struct np_cpumap *from,
                            const struct np_cpumap *to, struct np_note *note,
                            struct np_err *err)
{
    struct test_priv *tp = be->priv;
    const struct np_topo *topo = &tp->state.topo;
    const struct np_guest *cur;
    struct np_snapshot next, *w;
    uint64_t amount = 0, room = 0, take, *mem;
    struct np_node *nd;
    int idx, node, rc;

    np_snapshot_init(&next);
    rc = idx = find_guest(tp, g, err);
    if (rc < 0)
        goto out;
    cur = &tp->state.guests[idx];
    if (!from || !to) {
        rc = np_err_set(
            err, -EINVAL,
            "moving the memory of guest '%s' needs source and destination nodes",
            cur->name);
        goto out;
    }
    rc = check_map(topo, from, true, "source nodes", cur->name, err);
    if (rc)
        goto out;
    rc = check_map(topo, to, true, "destination nodes", cur->name, err);
    if (rc)
        goto out;
    if (!cur->mem_per_node_kib) {
        rc = np_err_set(
            err, -EINVAL,
            "the memory of guest '%s' per node is unknown: there is nothing to move",
            cur->name);
        goto out;
    }
    np_cpumap_for_each(node, from) if (!np_cpumap_test(to, node)) amount +=
        cur->mem_per_node_kib[node];
    np_cpumap_for_each(node, to) if (topo->nodes[node].mem_free_known) room +=
        topo->nodes[node].mem_free_kib;
    if (amount > room) {
        rc = np_err_set(
            err, -ENOSPC,
            "guest '%s' has %llu KiB on the source nodes, the destination nodes have %llu KiB free",
            cur->name, (unsigned long long)amount, (unsigned long long)room);
        goto out;
    }
    w = write_stage(tp, &next, &rc, err);
    if (!w)
        goto out;
    mem = w->guests[idx].mem_per_node_kib;
    np_cpumap_for_each(node, from)
    {
        if (np_cpumap_test(to, node))
            continue;
        nd = &w->topo.nodes[node];
        if (nd->mem_free_known) {
            nd->mem_free_kib += mem[node];
            if (nd->mem_free_kib > nd->mem_total_kib)
                nd->mem_free_kib = nd->mem_total_kib;
        }
        mem[node] = 0;
    }
    np_cpumap_for_each(node, to)
    {
        nd = &w->topo.nodes[node];
        if (!nd->mem_free_known)
            continue;
        take = amount < nd->mem_free_kib ? amount : nd->mem_free_kib;
        mem[node] += take;
        nd->mem_free_kib -= take;
        amount -= take;
    }
    rc = write_commit(tp, w, err);
out:
    return write_end(rc, &next, err);
}

/*
 * relocate, as Xen does it (NP_TEST_RELOCATE_ENV): a copy of the guest
 * under a new id (one more than the highest), its memory allocated afresh
 * from nodes in turns (Xen's allocator goes round the node affinity), a
 * node that is full passing its share to the next ones and then to the
 * other nodes; the old guest's memory is freed once the copy runs.
 */
static int test_relocate(struct np_backend *be, const struct np_guest *g,
                         const struct np_cpumap *nodes,
                         const struct np_cpumap *hard,
                         const struct np_cpumap *soft, uint64_t free_kib,
                         struct np_relocation *out, struct np_note *note,
                         struct np_err *err)
{
    struct test_priv *tp = be->priv;
    const struct np_topo *topo = &tp->state.topo;
    struct np_snapshot next, *w;
    struct np_guest *ng;
    uint64_t left, share, *mem = NULL;
    unsigned int v, i, nr_in = 0;
    int idx, node, new_id = 0, pass, rc;

    (void)note;
    np_snapshot_init(&next);
    memset(out, 0, sizeof(*out));
    out->new_id = -1;
    rc = idx = find_guest(tp, g, err);
    if (rc < 0)
        goto out;
    rc = check_map(topo, nodes, true, "node affinity",
                   tp->state.guests[idx].name, err);
    for (v = 0; !rc && v < tp->state.guests[idx].nr_vcpus; v++)
        rc = check_map(topo, &hard[v], false, "hard affinity",
                       tp->state.guests[idx].name, err);
    if (rc)
        goto out;
    if (free_kib < tp->state.guests[idx].mem_kib) {
        rc = np_err_set(
            err, -ENOSPC,
            "'%s' needs %.1f MiB for its copy, the nodes have %.1f MiB free: nothing was changed",
            tp->state.guests[idx].name,
            (double)tp->state.guests[idx].mem_kib / 1024.0,
            (double)free_kib / 1024.0);
        goto out;
    }
    rc = write_begin(tp, err);
    if (rc)
        goto out;
    for (i = 0; i < tp->state.nr_guests; i++)
        if (tp->state.guests[i].id >= new_id)
            new_id = tp->state.guests[i].id + 1;
    w = stage(tp, &next, &rc);
    if (!w)
        goto out;
    ng = &w->guests[idx];
    mem = calloc(topo->nr_node_ids, sizeof(*mem));
    if (!mem) {
        rc = -ENOMEM;
        goto out;
    }
    np_cpumap_for_each(node, nodes) nr_in++;
    /* the copy: the nodes of the affinity in equal shares, what did not
     * fit to them again, then to any node */
    left = ng->mem_kib;
    for (pass = 0; pass < 3 && left; pass++) {
        for (node = 0; node < (int)topo->nr_node_ids && left; node++) {
            struct np_node *nd = &w->topo.nodes[node];

            if ((pass < 2) != np_cpumap_test(nodes, node) ||
                !nd->mem_free_known)
                continue;
            share = pass ? left : ng->mem_kib / nr_in;
            if (share > left)
                share = left;
            if (share > nd->mem_free_kib)
                share = nd->mem_free_kib;
            mem[node] += share;
            nd->mem_free_kib -= share;
            left -= share;
        }
    }
    /* the original goes */
    for (node = 0; ng->mem_per_node_kib && node < (int)topo->nr_node_ids;
         node++) {
        struct np_node *nd = &w->topo.nodes[node];

        if (!nd->mem_free_known)
            continue;
        nd->mem_free_kib += ng->mem_per_node_kib[node];
        if (nd->mem_free_kib > nd->mem_total_kib)
            nd->mem_free_kib = nd->mem_total_kib;
    }
    free(ng->mem_per_node_kib);
    ng->mem_per_node_kib = mem;
    mem = NULL;
    ng->id = new_id;
    rc = map_assign(&ng->node_affinity, nodes, topo->nr_node_ids);
    for (v = 0; !rc && v < ng->nr_vcpus; v++) {
        rc = map_assign(&ng->vcpus[v].hard, &hard[v], topo->nr_cpu_ids);
        if (!rc && soft && soft[v].nr_bits && !np_cpumap_is_empty(&soft[v]))
            rc = map_assign(&ng->vcpus[v].soft, &soft[v], topo->nr_cpu_ids);
        else if (!rc)
            rc = np_topo_all_cpus(&w->topo, &ng->vcpus[v].soft);
        if (!rc && ng->vcpus[v].cpu >= 0)
            ng->vcpus[v].cpu = pick_cpu(topo, &ng->vcpus[v]);
    }
    if (!rc)
        rc = write_commit(tp, w, err);
    if (!rc) {
        out->new_id = new_id;
        out->live = true;
    }
out:
    free(mem);
    return write_end(rc, &next, err);
}

/* The memory per node the host file gives, as measured. */
static int test_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                               struct np_err *err)
{
    unsigned int i;

    for (i = 0; i < snap->nr_guests; i++)
        if (snap->guests[i].mem_per_node_kib)
            snap->guests[i].mem_source = "the host file";
    return 0;
}

/* Batch mode: the one file rewrite of the command. */
static int test_commit(struct np_backend *be, struct np_err *err)
{
    struct test_priv *tp = be->priv;
    int rc;

    if (!tp || !tp->dirty)
        return 0;
    rc = np_json_write_snapshot_file(tp->path, &tp->state, err);
    /* written, or lost (the file is as it was): said once either way */
    tp->dirty = false;
    return rc;
}

#define TEST_OPS_COMMON                                                        \
    .name = "test", .soft_affinity = true, .writes = true, .demo = true,       \
    .open = test_open, .close = test_close, .read_host = test_read_host,       \
    .read_guests = test_read_guests,                                           \
    .set_vcpu_affinity = test_set_vcpu_affinity,                               \
    .set_node_affinity = test_set_node_affinity,                               \
    .measure_memory = test_measure_memory, .commit = test_commit

const struct np_backend_ops np_test_ops = {
    TEST_OPS_COMMON,
    .move_memory = test_move_memory,
};

/* NP_TEST_RELOCATE_ENV (a test hook): memory moves as on Xen, by a copy of
 * the guest. */
static const struct np_backend_ops test_relocate_ops = {
    TEST_OPS_COMMON,
    .relocate = test_relocate,
};

int np_test_backend_fail_after(struct np_backend *be, int n)
{
    struct test_priv *tp;

    if (!be || (be->ops != &np_test_ops && be->ops != &test_relocate_ops) ||
        !be->priv)
        return -EINVAL;
    tp = be->priv;
    tp->fail_after = n < 0 ? -1 : n;
    tp->nr_writes = 0;
    return 0;
}
