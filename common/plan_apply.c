/*
 * plan_apply.c: applying a plan through the backend ops table, recorded
 * in the history (history.h) first.  Undo is in plan_undo.c.  The contract is
 * in plan_apply.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "history.h"
#include "plan_apply.h"

/* ------------------------------------------------------------------ */
/* Applying                                                            */
/* ------------------------------------------------------------------ */

enum step_kind {
    STEP_VCPU,
    STEP_NODES,
    STEP_MEMORY,
    STEP_EMULATOR,
    STEP_SCHED
};

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
    unsigned int write_flags; /* NP_WRITE_* for set_vcpu_affinity */
    void (*progress)(unsigned int done, unsigned int total);
    void (*note)(const char *note);
    struct step *steps;
    unsigned int nr_steps;
    bool last_failed; /* the newest step is the write that failed */
    struct np_apply_report *report;
    /* keep_back: each guest as read_back() read it, kept for the
     * record's "after" (read once, not twice), where the backend reads
     * one guest and writes at once (no commit) */
    bool keep_back;
    struct np_snapshot back;
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

/* The first note of the plan's own writes is kept for the command. */
static void keep_note(struct applier *a, const struct np_note *note)
{
    if (note->text[0] && a->note)
        a->note(note->text);
    else if (note->text[0] && !a->report->note[0])
        snprintf(a->report->note, sizeof(a->report->note), "%s", note->text);
}

/*
 * Whether g's node affinity can be set as part of a plan.  A KVM guest
 * keeps its memory policy in its cpuset cgroup (kvm/kvm_cgroup.h): one it
 * shares with other processes, the root cgroup or none cannot take it
 * without changing others.  `numatune` refuses such a guest; a plan pins
 * its vCPUs and leaves its memory policy, with a note (why: the note).
 */
static bool nodes_settable(const struct np_guest *g, char *why, size_t size)
{
    const struct np_membind *mb = g ? g->membind : NULL;

    if (!mb)
        return true;
    if (!mb->cgroup || !mb->cgroup_version)
        snprintf(why, size,
                 "%s: memory policy not set (QEMU has no cpuset cgroup of "
                 "its own); its vCPUs are pinned",
                 g->name);
    else if (mb->cgroup_shared || !strcmp(mb->cgroup, "/"))
        snprintf(why, size,
                 "%s: memory policy not set (its cgroup %.160s holds other "
                 "processes too; start it in a cgroup of its own, e.g. "
                 "systemd-run --scope); its vCPUs are pinned",
                 g->name, mb->cgroup);
    else
        return true;
    return false;
}

/* Do one step of plan p (the plan, or the journal when undoing). */
static int do_step(struct applier *a, const struct np_plan *p,
                   const struct step *st, struct np_err *err)
{
    const struct np_topo *t = &a->snap->topo;
    const struct np_plan_guest *pg =
        np_plan_find_guest(p, a->plan->guests[st->guest].id);
    const struct np_guest *g =
        np_snapshot_guest_by_id(a->snap, a->plan->guests[st->guest].id);
    struct np_cpumap m1, m2;
    struct np_note note = {""};
    bool soft_ok = a->be->ops->soft_affinity, needed;
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
        /* the plan's own writes are checked once per guest, by
         * read_back(); a rollback's at once */
        if (!rc && (h || s || (a->write_flags & NP_WRITE_FORCE)))
            rc = np_backend_set_vcpu_affinity(
                a->be, g, (int)st->vcpu, h, s,
                a->write_flags | (p == a->plan ? NP_WRITE_DEFER_CHECK : 0),
                &note, err);
        break;
    }
    case STEP_NODES:
        if (pg->node_affinity_auto) {
            rc = np_backend_set_node_affinity(a->be, g, NULL, &note, err);
        } else if (pg->node_affinity.nr_bits) {
            rc = host_map(t, &pg->node_affinity, true, &m1);
            if (!rc)
                rc = np_backend_set_node_affinity(a->be, g, &m1, &note, err);
        }
        break;
    case STEP_EMULATOR:
        if (pg->emulator.nr_bits) {
            rc = host_map(t, &pg->emulator, false, &m1);
            if (!rc)
                rc =
                    np_backend_set_emulator_affinity(a->be, g, &m1, &note, err);
        }
        break;
    case STEP_SCHED:
        if (pg->sched_cap >= 0 || pg->sched_weight >= 0)
            rc = np_backend_set_sched(a->be, g, pg->sched_cap, pg->sched_weight,
                                      &note, err);
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
            rc = np_backend_move_memory(a->be, g, &m1, &m2, &note, err);
        break;
    }
    }
    if (!rc && p == a->plan)
        keep_note(a, &note);
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
    else if (st->kind == STEP_EMULATOR)
        snprintf(buf, size, "pin the emulator threads of %s", name);
    else if (st->kind == STEP_SCHED)
        snprintf(buf, size, "set the scheduler parameters of %s", name);
    else
        snprintf(buf, size, "move the memory of %s", name);
    return buf;
}

unsigned int np_plan_read_flags(const struct np_plan *plan)
{
    unsigned int i, flags = NP_READ_NO_HW | NP_READ_NO_SCHED;

    for (i = 0; i < plan->nr_guests; i++)
        if (plan->guests[i].sched_cap >= 0 || plan->guests[i].sched_weight >= 0)
            flags &= ~(unsigned int)NP_READ_NO_SCHED;
    return flags;
}

/* Read the guest back (the backend notes what the host kept of the vCPU
 * writes) and compare its vCPU maps with the plan's. */
static int read_back(struct applier *a, const struct np_plan_guest *pg,
                     struct np_err *err)
{
    struct np_snapshot now, *into = &now;
    struct np_note note = {""};
    const struct np_guest *g;
    unsigned int v;
    int rc = 0;

    np_snapshot_init(&now);
    if (a->keep_back && !np_snapshot_guest_by_id(&a->back, pg->id))
        into = &a->back;
    else
        rc = np_topo_copy(&now.topo, &a->snap->topo);
    if (!rc)
        rc = np_backend_read_guest(a->be, pg->id, into,
                                   np_plan_read_flags(a->plan), err);
    if (rc)
        goto out;
    g = np_snapshot_guest_by_id(into, pg->id);
    if (!g) {
        rc = np_err_set(err, -ESRCH, "guest '%s' (id %d) no longer exists",
                        pg->name, pg->id);
        goto out;
    }
    for (v = 0; v < g->nr_vcpus; v++) {
        np_backend_check_vcpu(a->be, g, (int)v, &note);
        keep_note(a, &note);
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
            rc = np_err_set(
                err, -EIO,
                "%s vcpu %u reads back with a hard affinity other than the one set",
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
            int rc = do_step(a, a->journal, st, &e);

            /* a guest that is gone has nothing left to put back */
            if (rc && rc != -ESRCH && !(a->last_failed && i == a->nr_steps - 1))
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

/* Does plan map m differ from the host's map cur?  Bits the host does not
 * have do not count (Xen's "any" maps). */
static bool map_differs(const struct np_topo *t, const struct np_cpumap *m,
                        const struct np_cpumap *cur, bool nodes)
{
    struct np_cpumap a, b;
    bool differs = true;

    if (!cur->nr_bits)
        return true; /* unknown: set it */
    np_cpumap_init(&a);
    np_cpumap_init(&b);
    if (!host_map(t, m, nodes, &a) && !host_map(t, cur, nodes, &b))
        differs = !np_cpumap_equal(&a, &b);
    np_cpumap_dispose(&a);
    np_cpumap_dispose(&b);
    return differs;
}

static bool vcpu_differs(const struct applier *a,
                         const struct np_plan_guest *pg,
                         const struct np_guest *g, unsigned int v)
{
    const struct np_topo *t = &a->snap->topo;
    bool soft_ok = a->be->ops->soft_affinity;

    if ((a->write_flags & NP_WRITE_FORCE) || !g || v >= g->nr_vcpus)
        return true;
    if (pg->hard[v].nr_bits &&
        map_differs(t, &pg->hard[v], &g->vcpus[v].hard, false))
        return true;
    return soft_ok && pg->soft[v].nr_bits &&
           map_differs(t, &pg->soft[v], &g->vcpus[v].soft, false);
}

static bool nodes_differ(const struct applier *a,
                         const struct np_plan_guest *pg,
                         const struct np_guest *g)
{
    const struct np_topo *t = &a->snap->topo;
    struct np_cpumap all;
    bool differs = true;

    if (!g || !g->node_affinity.nr_bits)
        return true;
    if (!pg->node_affinity_auto)
        return map_differs(t, &pg->node_affinity, &g->node_affinity, true);
    np_cpumap_init(&all);
    if (!np_topo_all_nodes(t, &all))
        differs = !np_cpumap_subset(&all, &g->node_affinity);
    np_cpumap_dispose(&all);
    return differs;
}

/* Whether the plan gives g a node affinity the backend can set and that
 * differs from the one it has. */
static bool nodes_wanted(const struct applier *a,
                         const struct np_plan_guest *pg,
                         const struct np_guest *g)
{
    return np_backend_can(a->be, NP_OP_SET_NODE_AFFINITY) &&
           (pg->node_affinity_auto || pg->node_affinity.nr_bits) &&
           nodes_differ(a, pg, g);
}

static bool emulator_differs(const struct applier *a,
                             const struct np_plan_guest *pg,
                             const struct np_guest *g)
{
    return !g ||
           map_differs(&a->snap->topo, &pg->emulator, &g->emulator, false);
}

static bool sched_differs(const struct np_plan_guest *pg,
                          const struct np_guest *g)
{
    return !g || (pg->sched_cap >= 0 && pg->sched_cap != g->sched_cap) ||
           (pg->sched_weight >= 0 && pg->sched_weight != g->sched_weight);
}

/* Would applying the plan change anything?  (A no-op is not recorded.) */
static bool plan_changes(const struct applier *a)
{
    char why[NP_ERR_MAX];
    struct np_cpumap from, to;
    unsigned int i, v;
    bool changes = false, needed;

    np_cpumap_init(&from);
    np_cpumap_init(&to);
    for (i = 0; i < a->plan->nr_guests && !changes; i++) {
        const struct np_plan_guest *pg = &a->plan->guests[i];
        const struct np_guest *g;

        if (!np_plan_guest_applied(pg))
            continue;
        g = np_snapshot_guest_by_id(a->snap, pg->id);
        if (nodes_wanted(a, pg, g) && nodes_settable(g, why, sizeof(why)))
            changes = true;
        for (v = 0; !changes && v < pg->nr_vcpus; v++)
            if ((pg->hard[v].nr_bits || pg->soft[v].nr_bits) &&
                vcpu_differs(a, pg, g, v))
                changes = true;
        if (pg->emulator.nr_bits && emulator_differs(a, pg, g))
            changes = true;
        if ((pg->sched_cap >= 0 || pg->sched_weight >= 0) &&
            sched_differs(pg, g))
            changes = true;
        if (!changes && g && a->move &&
            np_backend_can(a->be, NP_OP_MOVE_MEMORY) &&
            !memory_move(&a->snap->topo, g, pg, &from, &to, &needed) && needed)
            changes = true;
    }
    np_cpumap_dispose(&from);
    np_cpumap_dispose(&to);
    return changes;
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
    const struct np_topo *t = &a->snap->topo;
    unsigned int nr = a->plan->nr_guests, k, v, *order;
    struct np_cpumap from, to;
    char what[NP_ERR_MAX] = "";
    struct np_note note;
    int rc = 0;

    np_cpumap_init(&from);
    np_cpumap_init(&to);
    order = calloc(nr + 1, sizeof(*order));
    if (!order)
        return -ENOMEM;
    if (a->move)
        rc = np_plan_move_order(a->snap, a->plan, false, order, NULL, NULL);
    else
        for (k = 0; k < nr; k++)
            order[k] = k;
    for (k = 0; !rc && k < nr; k++) {
        unsigned int gi = order[k];
        const struct np_plan_guest *pg = &a->plan->guests[gi];
        const struct np_guest *g;
        bool needed = false, node_step = false;
        unsigned int first_step = a->nr_steps;

        if (a->progress)
            a->progress(k, nr);
        if (!np_plan_guest_applied(pg))
            continue;
        g = np_snapshot_guest_by_id(a->snap, pg->id);
        /* the node affinity before the vCPU maps: on KVM it pins every
         * thread of the guest (as numad does), so the vCPU maps set after
         * it are the ones that stay */
        if (nodes_wanted(a, pg, g) &&
            !nodes_settable(g, note.text, sizeof(note.text))) {
            keep_note(a, &note);
        } else if (nodes_wanted(a, pg, g)) {
            rc = add_step(a, STEP_NODES, gi, 0);
            if (!rc)
                rc = last_step(a, err);
            node_step = true; /* KVM: it moved every thread */
        }
        for (v = 0; !rc && v < pg->nr_vcpus; v++) {
            if (!pg->hard[v].nr_bits && !pg->soft[v].nr_bits)
                continue;
            if (!node_step && !vcpu_differs(a, pg, g, v))
                continue;
            rc = add_step(a, STEP_VCPU, gi, v);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && pg->emulator.nr_bits &&
            (node_step || emulator_differs(a, pg, g))) {
            rc = add_step(a, STEP_EMULATOR, gi, 0);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && (pg->sched_cap >= 0 || pg->sched_weight >= 0) &&
            sched_differs(pg, g)) {
            rc = add_step(a, STEP_SCHED, gi, 0);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && g)
            rc = memory_move(t, g, pg, &from, &to, &needed);
        if (!rc && pg->mem_per_node_kib && !a->plan->is_journal &&
            !np_backend_can(a->be, NP_OP_MOVE_MEMORY))
            a->report->memory_not_moved = true; /* Xen: never moves */
        if (!rc && needed &&
            !(a->move && np_backend_can(a->be, NP_OP_MOVE_MEMORY)))
            a->report->memory_not_moved = true;
        else if (!rc && needed) {
            rc = add_step(a, STEP_MEMORY, gi, 0);
            if (!rc)
                rc = last_step(a, err);
            if (!rc)
                a->report->nr_moved++;
        }
        if (!rc && a->nr_steps > first_step) {
            rc = read_back(a, pg, err);
            if (rc)
                snprintf(what, sizeof(what), "check %s", pg->name);
            if (!rc)
                a->report->nr_guests++;
        }
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

int np_plan_read_after(struct np_backend *be, const struct np_snapshot *snap,
                       const struct np_plan *plan, struct np_plan *after,
                       struct np_err *err)
{
    struct np_snapshot now;
    unsigned int i;
    int rc;

    np_snapshot_init(&now);
    rc = np_topo_copy(&now.topo, &snap->topo);
    /* the plan's guests only, where the backend reads one guest (Xen:
     * not every domain of the host again) */
    for (i = 0; !rc && be->ops->read_guest && i < plan->nr_guests; i++)
        rc = np_backend_read_guest(be, plan->guests[i].id, &now,
                                   np_plan_read_flags(plan), err);
    if (!rc && !be->ops->read_guest)
        rc = np_backend_read_guests(be, &now, np_plan_read_flags(plan), err);
    now.has_guests = !rc;
    now.backend = snap->backend;
    if (!rc)
        rc = np_plan_journal(&now, plan, after, err);
    np_snapshot_dispose(&now);
    return rc;
}

/* np_plan_read_after() from what read_back() kept: the guests it did not
 * read (no step changed them) are read now. */
static int read_after_kept(struct applier *a, struct np_plan *after)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; !rc && i < a->plan->nr_guests; i++)
        if (!np_snapshot_guest_by_id(&a->back, a->plan->guests[i].id))
            rc = np_backend_read_guest(a->be, a->plan->guests[i].id, &a->back,
                                       np_plan_read_flags(a->plan), NULL);
    a->back.has_guests = !rc;
    a->back.backend = a->snap->backend;
    if (!rc)
        rc = np_plan_journal(&a->back, a->plan, after, NULL);
    return rc;
}

/*
 * Can the memory moves of plan be ordered (np_plan_move_order())?  When no
 * guest left can move first, because each needs memory another still
 * holds, say so before anything changes: the plan needs room the host
 * lacks.  0 or -ENOSPC (err) or -ENOMEM.
 */
static int moves_orderable(const struct np_snapshot *snap,
                           const struct np_plan *plan, struct np_err *err)
{
    int node = -1, rc;

    rc = np_plan_move_order(snap, plan, true, NULL, &node, NULL);
    if (rc == -ENOSPC)
        np_err_set(
            err, rc,
            "the plan's memory moves cannot be ordered: each guest left to move needs memory on node %d that another still holds; nothing was changed (apply with --no-move, or free memory there)",
            node);
    return rc;
}

int np_plan_apply(struct np_backend *be, const struct np_snapshot *snap,
                  const struct np_plan *plan, const struct np_apply_opts *opts,
                  struct np_apply_report *report, struct np_err *err)
{
    struct np_apply_report dummy;
    struct np_plan journal, after;
    struct np_history *own = NULL, *hist = NULL;
    struct applier a;
    struct np_err step_err = {""};
    unsigned int id = 0;
    bool record = !opts || !opts->no_journal;
    int rc;

    if (!report)
        report = &dummy;
    memset(report, 0, sizeof(*report));
    np_plan_init(&journal);
    np_plan_init(&after);
    memset(&a, 0, sizeof(a));
    np_snapshot_init(&a.back);
    rc = np_plan_check(snap, plan, err);
    if (rc)
        return rc;
    if (opts && opts->move_memory && np_backend_can(be, NP_OP_MOVE_MEMORY) &&
        !plan->is_journal) {
        rc = moves_orderable(snap, plan, err);
        if (rc)
            return rc;
    }
    if (plan->pin == NP_PIN_SOFT && !be->ops->soft_affinity)
        return np_err_set(
            err, -EINVAL,
            "the plan sets soft affinity, which the %s backend does not have: plan with hard pins",
            be->ops->name);
    rc = np_plan_journal(snap, plan, &journal, err);
    if (rc)
        return rc;
    a.be = be;
    a.snap = snap;
    a.plan = plan;
    a.journal = &journal;
    a.move = opts && opts->move_memory;
    a.write_flags = opts ? opts->write_flags : 0;
    a.progress = opts ? opts->progress : NULL;
    a.note = opts ? opts->note : NULL;
    a.report = report;
    a.keep_back = be->ops->read_guest && !be->ops->commit &&
                  !np_topo_copy(&a.back.topo, &snap->topo);
    if (!plan_changes(&a) && !(opts && opts->always_record))
        goto out; /* a no-op changes nothing and records nothing */
    if (record) {
        hist = opts ? opts->history : NULL;
        if (!hist) {
            rc = np_history_open(np_plan_state_dir(opts), true, &own, err);
            if (rc)
                goto out;
            hist = own;
        }
        rc = np_history_begin(
            hist, opts && opts->command ? opts->command : "apply",
            snap->backend, snap->ident.host_id, &journal, plan,
            opts ? opts->reverts : NULL, opts ? opts->nr_reverts : 0, &id, err);
        if (rc)
            goto out;
        report->history_id = id;
    }
    rc = apply_all(&a, &step_err);
    if (rc) {
        if (report->rollback_failed && id) {
            np_history_end(hist, id, NP_HIST_FAILED, NULL, NULL);
            np_err_set(
                err, rc,
                "cannot %s: %s; some changes could not be undone: run `numapin undo`",
                report->failed, step_err.msg[0] ? step_err.msg : strerror(-rc));
        } else {
            if (id && np_history_drop(hist, id, NULL) == 0)
                report->history_id = 0;
            np_err_set(err, rc, "cannot %s: %s; nothing was changed",
                       report->failed[0] ? report->failed : "apply the plan",
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        }
        goto out;
    }
    /* a batching backend's writes reach the host before the record says
     * they did (a kill after this leaves a done change, one before it a
     * pending one and the host as it was) */
    if (be->ops->commit) {
        rc = np_backend_commit(be, &step_err);
        if (rc) {
            /* a commit is all or nothing: the host is as it was */
            if (id && !np_history_drop(hist, id, NULL))
                report->history_id = 0;
            np_err_set(
                err, rc,
                "the changes did not reach the host: %s; nothing was changed",
                step_err.msg[0] ? step_err.msg : strerror(-rc));
            goto out;
        }
    }
    if (!id)
        goto out;
    /* what the host reads now is the record's "after"; when it cannot
     * be read, the plan stays there: the change is made either way */
    if (a.keep_back ? read_after_kept(&a, &after)
                    : np_plan_read_after(be, snap, plan, &after, NULL))
        np_plan_dispose(&after);
    rc = np_history_end(hist, id, NP_HIST_DONE,
                        after.nr_cpu_ids ? &after : NULL, err);
    if (rc)
        np_err_set(
            err, rc,
            "the plan is applied but its history record %u could not be finished",
            id);
out:
    free(a.steps);
    np_snapshot_dispose(&a.back);
    np_history_free(own);
    np_plan_dispose(&journal);
    np_plan_dispose(&after);
    return rc;
}
