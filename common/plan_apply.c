/*
 * plan_apply.c: applying a plan through the backend ops table with a
 * journal, and undo.  The contract is in plan_apply.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "plan_apply.h"

/* ------------------------------------------------------------------ */
/* Applying                                                            */
/* ------------------------------------------------------------------ */

enum step_kind { STEP_VCPU, STEP_NODES, STEP_MEMORY };

struct step {
    enum step_kind kind;
    unsigned int guest; /* index in the plan */
    unsigned int vcpu;
};

struct applier {
    struct np_backend *be;
    const struct np_snapshot *snap;
    const struct np_plan *plan;
    const struct np_plan *journal;
    bool move;
    void (*progress)(unsigned int done, unsigned int total);
    struct step *steps;
    unsigned int nr_steps;
    bool last_failed; /* the newest step is the write that failed */
    struct np_apply_report *report;
};

const char *np_plan_state_dir(const struct np_apply_opts *opts)
{
    const char *env = getenv(NP_STATE_DIR_ENV);

    if (opts && opts->state_dir && *opts->state_dir)
        return opts->state_dir;
    if (env && *env)
        return env;
    return NP_STATE_DIR_DEFAULT;
}

static int state_path(const struct np_apply_opts *opts, const char *file,
                      char **path_out, struct np_err *err)
{
    const char *dir = np_plan_state_dir(opts);
    struct stat st;

    if (mkdir(dir, 0755) && errno != EEXIST)
        return np_err_set(err, -errno,
                          "cannot create the state directory '%s': %s", dir,
                          strerror(errno));
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return np_err_set(err, -ENOTDIR,
                          "the state directory '%s' is not a directory", dir);
    if (asprintf(path_out, "%s/%s", dir, file) < 0) {
        *path_out = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* The map to give the backend: the plan's bits that this host has. */
static int host_map(const struct np_topo *t, const struct np_cpumap *m,
                    bool nodes, struct np_cpumap *out)
{
    int rc = nodes ? np_topo_all_nodes(t, out) : np_topo_all_cpus(t, out);

    if (!rc)
        np_cpumap_and(out, m);
    return rc;
}

/* The nodes holding memory in a memory_per_node table. */
static int mem_nodes(const struct np_topo *t, const uint64_t *mem,
                     struct np_cpumap *out)
{
    int rc = np_cpumap_alloc(out, t->nr_node_ids), n;

    for (n = 0; !rc && n < (int)t->nr_node_ids; n++)
        if (mem[n] && t->nodes[n].present)
            np_cpumap_set(out, n);
    return rc;
}

/*
 * Where memory must move for pg: from the nodes g has memory on that the
 * target does not use, to the target's nodes.  *needed false when nothing
 * moves (no target, memory unknown, or already there).
 */
static int memory_move(const struct np_topo *t, const struct np_guest *g,
                       const struct np_plan_guest *pg, struct np_cpumap *from,
                       struct np_cpumap *to, bool *needed)
{
    int rc;

    *needed = false;
    if (!pg->mem_per_node_kib || !g->mem_per_node_kib)
        return 0;
    rc = mem_nodes(t, pg->mem_per_node_kib, to);
    if (!rc)
        rc = mem_nodes(t, g->mem_per_node_kib, from);
    if (rc)
        return rc;
    np_cpumap_andnot(from, to);
    *needed = !np_cpumap_is_empty(from) && !np_cpumap_is_empty(to);
    return 0;
}

/* Do one step of plan p (the plan, or the journal when undoing). */
static int do_step(struct applier *a, const struct np_plan *p,
                   const struct step *st, struct np_err *err)
{
    const struct np_backend_ops *ops = a->be->ops;
    const struct np_topo *t = &a->snap->topo;
    const struct np_plan_guest *pg =
        np_plan_find_guest(p, a->plan->guests[st->guest].id);
    const struct np_guest *g =
        np_snapshot_guest_by_id(a->snap, a->plan->guests[st->guest].id);
    struct np_cpumap m1, m2;
    bool soft_ok = ops->caps & NP_CAP_SOFT_AFFINITY, needed;
    int rc = 0;

    np_cpumap_init(&m1);
    np_cpumap_init(&m2);
    if (!pg || !g)
        return np_err_set(err, -ESRCH, "guest %d is not in the journal",
                          a->plan->guests[st->guest].id);
    switch (st->kind) {
    case STEP_VCPU: {
        const struct np_cpumap *h =
            pg->hard[st->vcpu].nr_bits ? &pg->hard[st->vcpu] : NULL;
        const struct np_cpumap *s =
            pg->soft[st->vcpu].nr_bits && soft_ok ? &pg->soft[st->vcpu] : NULL;

        if (h) {
            rc = host_map(t, h, false, &m1);
            h = &m1;
        }
        if (!rc && s) {
            rc = host_map(t, s, false, &m2);
            s = &m2;
        }
        if (!rc && (h || s))
            rc = ops->set_vcpu_affinity(a->be, g, (int)st->vcpu, h, s, err);
        if (!rc)
            a->be->note[0] = '\0';
        break;
    }
    case STEP_NODES:
        if (pg->node_affinity_auto) {
            rc = ops->set_node_affinity(a->be, g, NULL, err);
        } else if (pg->node_affinity.nr_bits) {
            rc = host_map(t, &pg->node_affinity, true, &m1);
            if (!rc)
                rc = ops->set_node_affinity(a->be, g, &m1, err);
        }
        break;
    case STEP_MEMORY: {
        /* the memory as it is after the plan's move, not as snap says */
        const struct np_plan_guest *other =
            p == a->plan ? np_plan_find_guest(a->journal, g->id)
                         : &a->plan->guests[st->guest];

        rc = 0;
        if (!pg->mem_per_node_kib || !other || !other->mem_per_node_kib)
            break;
        rc = mem_nodes(t, pg->mem_per_node_kib, &m2);
        if (!rc)
            rc = mem_nodes(t, other->mem_per_node_kib, &m1);
        if (rc)
            break;
        np_cpumap_andnot(&m1, &m2);
        needed = !np_cpumap_is_empty(&m1) && !np_cpumap_is_empty(&m2);
        if (needed)
            rc = ops->move_memory(a->be, g, &m1, &m2, err);
        break;
    }
    }
    np_cpumap_dispose(&m1);
    np_cpumap_dispose(&m2);
    return rc;
}

static const char *step_text(const struct applier *a, const struct step *st,
                             char *buf, size_t size)
{
    const char *name = a->plan->guests[st->guest].name;

    if (st->kind == STEP_VCPU)
        snprintf(buf, size, "set the affinity of %s vcpu %u", name, st->vcpu);
    else if (st->kind == STEP_NODES)
        snprintf(buf, size, "set the node affinity of %s", name);
    else
        snprintf(buf, size, "move the memory of %s", name);
    return buf;
}

/* Read the guests back and compare g's vCPU maps with the plan's. */
static int read_back(struct applier *a, const struct np_plan_guest *pg,
                     struct np_err *err)
{
    const struct np_backend_ops *ops = a->be->ops;
    struct np_snapshot now;
    const struct np_guest *g;
    unsigned int v;
    int rc;

    np_snapshot_init(&now);
    rc = np_topo_copy(&now.topo, &a->snap->topo);
    if (!rc)
        rc = ops->read_guests(a->be, &now, err);
    if (rc)
        goto out;
    g = np_snapshot_guest_by_id(&now, pg->id);
    if (!g) {
        rc = np_err_set(err, -ESRCH, "guest '%s' (id %d) vanished", pg->name,
                        pg->id);
        goto out;
    }
    for (v = 0; v < pg->nr_vcpus && v < g->nr_vcpus; v++) {
        const struct np_cpumap *want = &pg->hard[v];
        struct np_cpumap m;

        if (!want->nr_bits)
            continue;
        np_cpumap_init(&m);
        rc = host_map(&a->snap->topo, want, false, &m);
        if (!rc && (np_cpumap_is_empty(&g->vcpus[v].hard) ||
                    !np_cpumap_subset(&g->vcpus[v].hard, &m)))
            rc = np_err_set(err, -EIO,
                            "%s vcpu %u reads back with a hard affinity "
                            "other than the one set",
                            pg->name, v);
        np_cpumap_dispose(&m);
        if (rc)
            goto out;
    }
out:
    np_snapshot_dispose(&now);
    return rc;
}

/* Put back, newest first, every step up to and including the last: the
 * node affinities first (on KVM one pins every thread of a guest), then
 * the vCPU maps and the memory.  The write that failed is put back too,
 * in case it did part of its work, but a failure there does not count:
 * a backend's write that fails leaves things as they were (one call, or,
 * on KVM, the threads it had pinned put back), and it fails again for
 * the same reason (a guest that belongs to another user, say). */
static bool rollback(struct applier *a)
{
    unsigned int i, pass;
    bool ok = true;

    for (pass = 0; pass < 2; pass++) {
        for (i = a->nr_steps; i-- > 0;) {
            struct np_err e = {""};
            const struct step *st = &a->steps[i];

            if ((st->kind == STEP_NODES) != (pass == 0))
                continue;
            if (do_step(a, a->journal, st, &e) &&
                !(a->last_failed && i == a->nr_steps - 1))
                ok = false;
        }
    }
    a->nr_steps = 0;
    return ok;
}

static int add_step(struct applier *a, enum step_kind kind, unsigned int gi,
                    unsigned int vcpu)
{
    struct step *s = realloc(a->steps, (a->nr_steps + 1) * sizeof(*s));

    if (!s)
        return -ENOMEM;
    a->steps = s;
    s[a->nr_steps].kind = kind;
    s[a->nr_steps].guest = gi;
    s[a->nr_steps].vcpu = vcpu;
    a->nr_steps++;
    return 0;
}

/*
 * An order for the guests so that memory moves find room: repeatedly the
 * first guest (in plan order) whose move fits the free memory left after
 * the moves before it; when none does, the first left.
 */
static int apply_order(const struct applier *a, unsigned int *order)
{
    const struct np_topo *t = &a->snap->topo;
    unsigned int nr = a->plan->nr_guests, done = 0, i;
    int64_t *avail = calloc(t->nr_node_ids + 1, sizeof(*avail));
    bool *used = calloc(nr + 1, sizeof(*used));
    int n;

    if (!avail || !used) {
        free(avail);
        free(used);
        return -ENOMEM;
    }
    for (n = 0; n < (int)t->nr_node_ids; n++)
        avail[n] = t->nodes[n].present && t->nodes[n].mem_free_known
                       ? (int64_t)t->nodes[n].mem_free_kib
                       : INT64_MAX / 4;
    while (done < nr) {
        unsigned int pick = nr;

        for (i = 0; i < nr && pick == nr; i++) {
            const struct np_plan_guest *pg = &a->plan->guests[i];
            const struct np_guest *g;
            bool fits = true;

            if (used[i])
                continue;
            g = np_plan_guest_applied(pg)
                    ? np_snapshot_guest_by_id(a->snap, pg->id)
                    : NULL;
            if (a->move && g && pg->mem_per_node_kib && g->mem_per_node_kib)
                for (n = 0; n < (int)t->nr_node_ids; n++)
                    if (pg->mem_per_node_kib[n] > g->mem_per_node_kib[n] &&
                        (int64_t)(pg->mem_per_node_kib[n] -
                                  g->mem_per_node_kib[n]) > avail[n])
                        fits = false;
            if (fits)
                pick = i;
        }
        for (i = 0; pick == nr && i < nr; i++)
            if (!used[i])
                pick = i;
        used[pick] = true;
        order[done++] = pick;
        {
            const struct np_plan_guest *pg = &a->plan->guests[pick];
            const struct np_guest *g =
                np_plan_guest_applied(pg)
                    ? np_snapshot_guest_by_id(a->snap, pg->id)
                    : NULL;

            if (a->move && g && pg->mem_per_node_kib && g->mem_per_node_kib)
                for (n = 0; n < (int)t->nr_node_ids; n++)
                    avail[n] += (int64_t)g->mem_per_node_kib[n] -
                                (int64_t)pg->mem_per_node_kib[n];
        }
    }
    free(avail);
    free(used);
    return 0;
}

/* Apply every guest; on a failure, roll back.  Returns 0 or the error. */
/* Do the step just added; a failure marks it as the one that failed. */
static int last_step(struct applier *a, struct np_err *err)
{
    int rc = do_step(a, a->plan, &a->steps[a->nr_steps - 1], err);

    a->last_failed = rc != 0;
    return rc;
}

static int apply_all(struct applier *a, struct np_err *err)
{
    const struct np_backend_ops *ops = a->be->ops;
    const struct np_topo *t = &a->snap->topo;
    unsigned int nr = a->plan->nr_guests, k, v, *order;
    struct np_cpumap from, to;
    char what[NP_ERR_MAX] = "";
    int rc = 0;

    np_cpumap_init(&from);
    np_cpumap_init(&to);
    order = calloc(nr + 1, sizeof(*order));
    if (!order)
        return -ENOMEM;
    rc = apply_order(a, order);
    for (k = 0; !rc && k < nr; k++) {
        unsigned int gi = order[k];
        const struct np_plan_guest *pg = &a->plan->guests[gi];
        const struct np_guest *g;
        bool needed = false;

        if (a->progress)
            a->progress(k, nr);
        if (!np_plan_guest_applied(pg))
            continue;
        g = np_snapshot_guest_by_id(a->snap, pg->id);
        /* the node affinity before the vCPU maps: on KVM it pins every
         * thread of the guest (as numad does), so the vCPU maps set after
         * it are the ones that stay */
        if ((ops->caps & NP_CAP_NODE_AFFINITY) &&
            (pg->node_affinity_auto || pg->node_affinity.nr_bits)) {
            rc = add_step(a, STEP_NODES, gi, 0);
            if (!rc)
                rc = last_step(a, err);
        }
        for (v = 0; !rc && v < pg->nr_vcpus; v++) {
            if (!pg->hard[v].nr_bits && !pg->soft[v].nr_bits)
                continue;
            rc = add_step(a, STEP_VCPU, gi, v);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && g)
            rc = memory_move(t, g, pg, &from, &to, &needed);
        if (!rc && pg->mem_per_node_kib && !a->plan->is_journal &&
            !(ops->caps & NP_CAP_MOVE_MEMORY))
            a->report->memory_not_moved = true; /* Xen: never moves */
        if (!rc && needed && !(a->move && (ops->caps & NP_CAP_MOVE_MEMORY)))
            a->report->memory_not_moved = true;
        else if (!rc && needed) {
            rc = add_step(a, STEP_MEMORY, gi, 0);
            if (!rc)
                rc = last_step(a, err);
            if (!rc)
                a->report->nr_moved++;
        }
        if (!rc) {
            rc = read_back(a, pg, err);
            if (rc)
                snprintf(what, sizeof(what), "check %s", pg->name);
        }
        if (!rc)
            a->report->nr_guests++;
    }
    a->report->nr_steps = a->nr_steps;
    if (rc && a->nr_steps) {
        char buf[NP_ERR_MAX];

        if (!what[0])
            snprintf(
                what, sizeof(what), "%s",
                step_text(a, &a->steps[a->nr_steps - 1], buf, sizeof(buf)));
        snprintf(a->report->failed, sizeof(a->report->failed), "%s", what);
        a->report->rolled_back = rollback(a);
        a->report->rollback_failed = !a->report->rolled_back;
    }
    free(order);
    np_cpumap_dispose(&from);
    np_cpumap_dispose(&to);
    return rc;
}

int np_plan_apply(struct np_backend *be, const struct np_snapshot *snap,
                  const struct np_plan *plan, const struct np_apply_opts *opts,
                  struct np_apply_report *report, struct np_err *err)
{
    struct np_apply_report dummy;
    struct np_plan journal;
    struct applier a;
    struct np_err step_err = {""};
    char *pending = NULL, *undo = NULL;
    int rc;

    if (!report)
        report = &dummy;
    memset(report, 0, sizeof(*report));
    np_plan_init(&journal);
    memset(&a, 0, sizeof(a));
    rc = np_plan_check(snap, plan, err);
    if (rc)
        return rc;
    if (plan->pin == NP_PIN_SOFT && !(be->ops->caps & NP_CAP_SOFT_AFFINITY))
        return np_err_set(err, -EINVAL,
                          "the plan sets soft affinity, which the %s "
                          "backend does not have: plan with hard pins",
                          be->ops->name);
    rc = np_plan_journal(snap, plan, &journal, err);
    if (rc)
        return rc;
    if (!opts || !opts->no_journal) {
        rc = state_path(opts, NP_JOURNAL_PENDING, &pending, err);
        if (!rc)
            rc = state_path(opts, NP_JOURNAL_UNDO, &undo, err);
        if (!rc)
            rc = np_plan_write_file(pending, &journal, err);
        if (rc)
            goto out;
    }
    a.be = be;
    a.snap = snap;
    a.plan = plan;
    a.journal = &journal;
    a.move = opts && opts->move_memory;
    a.progress = opts ? opts->progress : NULL;
    a.report = report;
    rc = apply_all(&a, &step_err);
    if (rc) {
        if (report->rollback_failed && pending) {
            rename(pending, undo);
            np_file_sync_dir(undo);
            np_err_set(err, rc,
                       "cannot %s: %s; some changes could not be undone: "
                       "run `numapin undo`",
                       report->failed,
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        } else {
            if (pending)
                unlink(pending);
            np_err_set(err, rc, "cannot %s: %s; nothing was changed",
                       report->failed[0] ? report->failed : "apply the plan",
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        }
        goto out;
    }
    if (pending && rename(pending, undo)) {
        rc = np_err_set(err, -errno,
                        "the plan is applied but its journal could not be "
                        "kept as '%s': %s",
                        undo, strerror(errno));
        goto out;
    }
    if (undo)
        np_file_sync_dir(undo);
out:
    free(a.steps);
    free(pending);
    free(undo);
    np_plan_dispose(&journal);
    return rc;
}

int np_plan_undo(struct np_backend *be, const struct np_snapshot *snap,
                 const struct np_apply_opts *opts,
                 struct np_apply_report *report, struct np_err *err)
{
    struct np_plan journal;
    char *pending = NULL, *undo = NULL;
    struct stat st;
    int rc;

    np_plan_init(&journal);
    rc = state_path(opts, NP_JOURNAL_PENDING, &pending, err);
    if (!rc)
        rc = state_path(opts, NP_JOURNAL_UNDO, &undo, err);
    if (rc)
        goto out;
    /* an apply that was interrupted left its journal: that one first */
    if (!stat(pending, &st) && rename(pending, undo)) {
        rc = np_err_set(err, -errno, "cannot rename '%s': %s", pending,
                        strerror(errno));
        goto out;
    }
    if (stat(undo, &st)) {
        rc = np_err_set(err, -ENOENT,
                        "there is nothing to undo: no journal in '%s'",
                        np_plan_state_dir(opts));
        goto out;
    }
    rc = np_plan_read_file(undo, &journal, err);
    if (rc)
        goto out;
    if (!journal.is_journal) {
        rc = np_err_set(err, -EINVAL, "'%s' is a plan, not a journal", undo);
        goto out;
    }
    rc = np_plan_apply(be, snap, &journal, opts, report, err);
out:
    free(pending);
    free(undo);
    np_plan_dispose(&journal);
    return rc;
}
