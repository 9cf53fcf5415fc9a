/*
 * plan.c: plans as data: the model, the journal of a plan, and checking a
 * plan against a host.  The JSON form is in plan_json.c, applying in
 * plan_apply.c.  The contract is in plan.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "plan.h"

/* ------------------------------------------------------------------ */
/* The data                                                            */
/* ------------------------------------------------------------------ */

void np_plan_init(struct np_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->overcommit = 1;
}

static void free_strings(char **v, unsigned int nr)
{
    unsigned int i;

    for (i = 0; i < nr; i++)
        free(v[i]);
    free(v);
}

static void guest_dispose(struct np_plan_guest *g)
{
    unsigned int v;

    free(g->name);
    np_cpumap_dispose(&g->nodes);
    np_cpumap_dispose(&g->node_affinity);
    free(g->mem_per_node_kib);
    for (v = 0; v < g->nr_vcpus; v++) {
        if (g->hard)
            np_cpumap_dispose(&g->hard[v]);
        if (g->soft)
            np_cpumap_dispose(&g->soft[v]);
    }
    free(g->hard);
    free(g->soft);
    free_strings(g->reasons, g->nr_reasons);
    free(g->advice);
    np_cpumap_dispose(&g->emulator);
    memset(g, 0, sizeof(*g));
}

void np_plan_dispose(struct np_plan *plan)
{
    unsigned int i;

    for (i = 0; i < plan->nr_guests; i++)
        guest_dispose(&plan->guests[i]);
    free(plan->guests);
    free(plan->backend);
    free(plan->host_id);
    free(plan->hostname);
    free_strings(plan->reasons, plan->nr_reasons);
    np_plan_init(plan);
}

/* A copy of the nr strings of v, NULL when nr is 0; -ENOMEM. */
static int copy_strings(char ***dst, unsigned int *nr_dst, char *const *v,
                        unsigned int nr)
{
    unsigned int i;

    *dst = NULL;
    *nr_dst = 0;
    if (!nr)
        return 0;
    *dst = calloc(nr, sizeof(**dst));
    if (!*dst)
        return -ENOMEM;
    for (i = 0; i < nr; i++) {
        (*dst)[i] = strdup(v[i]);
        if (!(*dst)[i])
            return -ENOMEM;
        (*nr_dst)++;
    }
    return 0;
}

static char *dup_or_null(const char *s, int *rc)
{
    char *d = s ? strdup(s) : NULL;

    if (s && !d)
        *rc = -ENOMEM;
    return d;
}

int np_plan_copy_guest(struct np_plan *dst, const struct np_plan *src,
                       const struct np_plan_guest *sg)
{
    struct np_plan_guest *g;
    unsigned int v;
    int rc;

    rc = np_plan_add_guest(dst, sg->id, "", sg->nr_vcpus, &g);
    if (rc)
        return rc;
    free(g->name); /* the name as it is: it was escaped once already */
    g->name = dup_or_null(sg->name, &rc);
    g->is_new = sg->is_new;
    g->placed = sg->placed;
    g->mem_kib = sg->mem_kib;
    g->node_affinity_auto = sg->node_affinity_auto;
    g->score = sg->score;
    g->migrate = sg->migrate;
    g->start_time = sg->start_time;
    g->sched_cap = sg->sched_cap;
    g->sched_weight = sg->sched_weight;
    if (!rc)
        rc = np_cpumap_copy(&g->nodes, &sg->nodes);
    if (!rc)
        rc = np_cpumap_copy(&g->node_affinity, &sg->node_affinity);
    if (!rc)
        rc = np_cpumap_copy(&g->emulator, &sg->emulator);
    for (v = 0; !rc && v < sg->nr_vcpus; v++) {
        rc = np_cpumap_copy(&g->hard[v], &sg->hard[v]);
        if (!rc)
            rc = np_cpumap_copy(&g->soft[v], &sg->soft[v]);
    }
    if (!rc && sg->mem_per_node_kib) {
        g->mem_per_node_kib = calloc(src->nr_node_ids ? src->nr_node_ids : 1,
                                     sizeof(*g->mem_per_node_kib));
        if (g->mem_per_node_kib)
            memcpy(g->mem_per_node_kib, sg->mem_per_node_kib,
                   src->nr_node_ids * sizeof(*g->mem_per_node_kib));
        else
            rc = -ENOMEM;
    }
    if (!rc)
        rc = copy_strings(&g->reasons, &g->nr_reasons, sg->reasons,
                          sg->nr_reasons);
    if (!rc)
        g->advice = dup_or_null(sg->advice, &rc);
    return rc;
}

int np_plan_copy(struct np_plan *dst, const struct np_plan *src)
{
    unsigned int i;
    int rc = 0;

    np_plan_init(dst);
    dst->is_journal = src->is_journal;
    dst->nr_cpu_ids = src->nr_cpu_ids;
    dst->nr_node_ids = src->nr_node_ids;
    dst->policy = src->policy;
    dst->overcommit = src->overcommit;
    dst->pin = src->pin;
    dst->score = src->score;
    dst->backend = dup_or_null(src->backend, &rc);
    dst->host_id = dup_or_null(src->host_id, &rc);
    dst->hostname = dup_or_null(src->hostname, &rc);
    if (!rc)
        rc = copy_strings(&dst->reasons, &dst->nr_reasons, src->reasons,
                          src->nr_reasons);
    for (i = 0; !rc && i < src->nr_guests; i++)
        rc = np_plan_copy_guest(dst, src, &src->guests[i]);
    if (rc)
        np_plan_dispose(dst);
    return rc;
}

static const char *const policy_names[] = {
    [NP_POLICY_PREFER] = "prefer",
    [NP_POLICY_ISOLATE] = "isolate",
    [NP_POLICY_REQUIRE] = "require",
};

const char *np_policy_name(enum np_policy policy)
{
    if ((unsigned int)policy < sizeof(policy_names) / sizeof(policy_names[0]))
        return policy_names[policy];
    return "?";
}

int np_policy_parse(const char *s, enum np_policy *policy_out)
{
    unsigned int i;

    for (i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
        if (!strcmp(s, policy_names[i])) {
            *policy_out = (enum np_policy)i;
            return 0;
        }
    }
    return -EINVAL;
}

int np_plan_add_guest(struct np_plan *plan, int id, const char *name,
                      unsigned int nr_vcpus, struct np_plan_guest **guest_out)
{
    struct np_plan_guest *gs, *g;
    unsigned int v;

    gs = realloc(plan->guests, (plan->nr_guests + 1) * sizeof(*gs));
    if (!gs)
        return -ENOMEM;
    plan->guests = gs;
    g = &gs[plan->nr_guests];
    memset(g, 0, sizeof(*g));
    g->id = id;
    g->name = np_escape_name(name); /* plan files are input too */
    g->hard = calloc(nr_vcpus + 1, sizeof(*g->hard));
    g->soft = calloc(nr_vcpus + 1, sizeof(*g->soft));
    if (!g->name || !g->hard || !g->soft) {
        free(g->name);
        free(g->hard);
        free(g->soft);
        return -ENOMEM;
    }
    g->nr_vcpus = nr_vcpus;
    for (v = 0; v < nr_vcpus; v++) {
        np_cpumap_init(&g->hard[v]);
        np_cpumap_init(&g->soft[v]);
    }
    np_cpumap_init(&g->nodes);
    np_cpumap_init(&g->node_affinity);
    np_cpumap_init(&g->emulator);
    g->sched_cap = -1;
    g->sched_weight = -1;
    plan->nr_guests++;
    if (np_cpumap_alloc(&g->nodes, plan->nr_node_ids ? plan->nr_node_ids : 1))
        return -ENOMEM;
    if (guest_out)
        *guest_out = g;
    return 0;
}

static int push_string(char ***v, unsigned int *nr, char *s)
{
    char **n;

    if (!s)
        return -ENOMEM;
    n = realloc(*v, (*nr + 1) * sizeof(*n));
    if (!n) {
        free(s);
        return -ENOMEM;
    }
    n[(*nr)++] = s;
    *v = n;
    return 0;
}

/* The formatted text, malloc'd; NULL when out of memory. */
static char *vtext(const char *fmt, va_list ap)
{
    char *s;

    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

int np_plan_reason(struct np_plan *plan, struct np_plan_guest *g,
                   const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = vtext(fmt, ap);
    va_end(ap);
    return g ? push_string(&g->reasons, &g->nr_reasons, s)
             : push_string(&plan->reasons, &plan->nr_reasons, s);
}

int np_plan_advice(struct np_plan_guest *g, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = vtext(fmt, ap);
    va_end(ap);
    if (!s)
        return -ENOMEM;
    free(g->advice);
    g->advice = s;
    return 0;
}

struct np_plan_guest *np_plan_find_guest(const struct np_plan *plan, int id)
{
    unsigned int i;

    for (i = 0; i < plan->nr_guests; i++)
        if (plan->guests[i].id == id && !plan->guests[i].is_new)
            return &plan->guests[i];
    return NULL;
}

bool np_plan_guest_applied(const struct np_plan_guest *g)
{
    return g->placed && !g->is_new;
}

/* How much more memory than avail guest i of plan (its snapshot guest g)
 * needs on node n to move there: 0 when it fits. */
static int64_t move_lacks(const struct np_plan_guest *pg,
                          const struct np_guest *g, int n, int64_t avail)
{
    int64_t need;

    if (!g || !g->mem_per_node_kib || !pg->mem_per_node_kib)
        return 0;
    need = (int64_t)pg->mem_per_node_kib[n] - (int64_t)g->mem_per_node_kib[n];
    return need > 0 && need > avail ? need - avail : 0;
}

int np_plan_move_order(const struct np_snapshot *snap,
                       const struct np_plan *plan, bool strict,
                       unsigned int *order_out, int *short_node,
                       uint64_t *short_kib)
{
    const struct np_topo *t = &snap->topo;
    unsigned int nr = plan->nr_guests, done = 0, i, cursor = 0;
    int64_t *avail = calloc(t->nr_node_ids + 1, sizeof(*avail));
    bool *used = calloc(nr + 1, sizeof(*used));
    const struct np_guest **of = calloc(nr + 1, sizeof(*of));
    int n, rc = 0;

    if (!avail || !used || !of) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < nr; i++)
        of[i] = np_plan_guest_applied(&plan->guests[i])
                    ? np_snapshot_guest_next(snap, plan->guests[i].id, &cursor)
                    : NULL;
    for (n = 0; n < (int)t->nr_node_ids; n++)
        avail[n] = t->nodes[n].present && t->nodes[n].mem_free_known
                       ? (int64_t)t->nodes[n].mem_free_kib
                       : INT64_MAX / 4;
    while (done < nr) {
        unsigned int pick = nr;
        int lack_node = -1;
        int64_t lack = 0;

        for (i = 0; i < nr && pick == nr; i++) {
            bool fits = true;

            if (used[i])
                continue;
            for (n = 0; n < (int)t->nr_node_ids; n++) {
                int64_t l = move_lacks(&plan->guests[i], of[i], n, avail[n]);

                if (!l)
                    continue;
                fits = false;
                if (lack_node < 0 || l < lack) {
                    lack_node = n;
                    lack = l;
                }
            }
            if (fits)
                pick = i;
        }
        if (pick == nr && strict) {
            if (short_node)
                *short_node = lack_node;
            if (short_kib)
                *short_kib = (uint64_t)lack;
            rc = -ENOSPC;
            goto out;
        }
        for (i = 0; pick == nr && i < nr; i++)
            if (!used[i])
                pick = i;
        used[pick] = true;
        if (order_out)
            order_out[done] = pick;
        done++;
        for (n = 0;
             of[pick] && of[pick]->mem_per_node_kib &&
             plan->guests[pick].mem_per_node_kib && n < (int)t->nr_node_ids;
             n++)
            avail[n] += (int64_t)of[pick]->mem_per_node_kib[n] -
                        (int64_t)plan->guests[pick].mem_per_node_kib[n];
    }
out:
    free(avail);
    free(used);
    free(of);
    return rc;
}

int np_plan_journal(const struct np_snapshot *snap, const struct np_plan *plan,
                    struct np_plan *journal_out, struct np_err *err)
{
    struct np_cpumap all_nodes;
    unsigned int i, v;
    int rc = 0;

    np_plan_init(journal_out);
    np_cpumap_init(&all_nodes);
    journal_out->is_journal = true;
    journal_out->nr_cpu_ids = snap->topo.nr_cpu_ids;
    journal_out->nr_node_ids = snap->topo.nr_node_ids;
    journal_out->policy = plan->policy;
    journal_out->overcommit = plan->overcommit;
    journal_out->pin = plan->pin;
    if (snap->backend) {
        journal_out->backend = strdup(snap->backend);
        if (!journal_out->backend)
            return -ENOMEM;
    }
    rc = np_topo_all_nodes(&snap->topo, &all_nodes);
    if (rc)
        goto out;
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];
        const struct np_guest *g;
        struct np_plan_guest *jg;

        if (!np_plan_guest_applied(pg))
            continue;
        g = np_snapshot_guest_by_id(snap, pg->id);
        if (!g) {
            rc = np_err_set(
                err, -ESRCH,
                "guest '%s' (id %d) no longer exists: make a new plan",
                pg->name, pg->id);
            goto out;
        }
        rc = np_plan_add_guest(journal_out, g->id, g->name, g->nr_vcpus, &jg);
        if (rc)
            goto out;
        jg->placed = true;
        jg->mem_kib = g->mem_kib;
        jg->start_time = g->start_time;
        if (pg->emulator.nr_bits) {
            /* unknown: the threads of a guest nobody pinned use every CPU */
            rc = g->emulator.nr_bits
                     ? np_cpumap_copy(&jg->emulator, &g->emulator)
                     : np_topo_all_cpus(&snap->topo, &jg->emulator);
            if (rc)
                goto out;
        }
        if (pg->sched_cap >= 0)
            jg->sched_cap = g->sched_cap >= 0 ? g->sched_cap : 0;
        if (pg->sched_weight >= 0)
            jg->sched_weight = g->sched_weight > 0 ? g->sched_weight : 256;
        for (v = 0; v < g->nr_vcpus; v++) {
            rc = np_cpumap_copy(&jg->hard[v], &g->vcpus[v].hard);
            if (!rc && g->vcpus[v].soft.nr_bits)
                rc = np_cpumap_copy(&jg->soft[v], &g->vcpus[v].soft);
            if (rc)
                goto out;
        }
        if (g->node_affinity.nr_bits &&
            !np_cpumap_is_empty(&g->node_affinity)) {
            if (np_cpumap_subset(&all_nodes, &g->node_affinity))
                jg->node_affinity_auto = true;
            else
                rc = np_cpumap_copy(&jg->node_affinity, &g->node_affinity);
            if (rc)
                goto out;
        } else if (pg->node_affinity_auto || pg->node_affinity.nr_bits) {
            /* unknown (KVM keeps none): what the plan changes goes back
             * to automatic, the state of a guest nobody has placed */
            jg->node_affinity_auto = true;
        }
        if (g->mem_per_node_kib) {
            int n;

            jg->mem_per_node_kib =
                calloc(snap->topo.nr_node_ids, sizeof(*jg->mem_per_node_kib));
            if (!jg->mem_per_node_kib) {
                rc = -ENOMEM;
                goto out;
            }
            memcpy(jg->mem_per_node_kib, g->mem_per_node_kib,
                   snap->topo.nr_node_ids * sizeof(*jg->mem_per_node_kib));
            for (n = 0; n < (int)snap->topo.nr_node_ids; n++)
                if (g->mem_per_node_kib[n])
                    np_cpumap_set(&jg->nodes, n);
        }
    }
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while writing the journal");
    if (rc)
        np_plan_dispose(journal_out);
    np_cpumap_dispose(&all_nodes);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Checking a plan against a host                                      */
/* ------------------------------------------------------------------ */

static int check_cpus(const struct np_topo *t, const struct np_plan *plan,
                      const struct np_plan_guest *g, unsigned int v,
                      const struct np_cpumap *map, const char *what,
                      struct np_err *err)
{
    bool any = false;
    int cpu;

    np_cpumap_for_each(cpu, map)
    {
        if (!np_topo_cpu_exists(t, cpu)) {
            if (plan->is_journal)
                continue; /* Xen's "any" maps hold ids beyond the host */
            return np_err_set(
                err, -EINVAL,
                "the plan pins %s vcpu %u (%s) to cpu %d, which this host does not have",
                g->name, v, what, cpu);
        }
        if (!t->cpus[cpu].online && !plan->is_journal && !plan->trim_offline)
            return np_err_set(
                err, -EINVAL,
                "the plan pins %s vcpu %u (%s) to cpu %d, which is offline: make a new plan",
                g->name, v, what, cpu);
        any = any || t->cpus[cpu].online;
    }
    if (!any)
        return np_err_set(err, -EINVAL,
                          "the plan leaves %s vcpu %u no online cpu (%s)",
                          g->name, v, what);
    return 0;
}

/* The memory a plan puts on each node fits the node: a guest's target
 * on a node without memory, or more than the node holds (the guests of
 * the plan together), is refused. */
static int check_memory(const struct np_snapshot *snap,
                        const struct np_plan *plan, struct np_err *err)
{
    const struct np_topo *t = &snap->topo;
    uint64_t *sum;
    unsigned int i;
    int n, rc = 0;

    if (plan->is_journal)
        return 0; /* the memory as it was: it fitted */
    sum = calloc(t->nr_node_ids + 1, sizeof(*sum));
    if (!sum)
        return -ENOMEM;
    for (i = 0; i < plan->nr_guests && !rc; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];

        if (!pg->mem_per_node_kib || !pg->placed)
            continue;
        for (n = 0; n < (int)t->nr_node_ids && !rc; n++) {
            if (!pg->mem_per_node_kib[n])
                continue;
            if (!t->nodes[n].present || !np_topo_node_has_memory(t, n))
                rc = np_err_set(
                    err, -EINVAL,
                    "the plan puts memory of '%s' on node %d, which has no memory",
                    pg->name, n);
            else if (t->nodes[n].mem_total_kib &&
                     pg->mem_per_node_kib[n] > t->nodes[n].mem_total_kib)
                rc = np_err_set(err, -EINVAL,
                                "the plan puts %" PRIu64
                                " KiB of '%s' on node %d, which has %" PRIu64
                                " KiB",
                                pg->mem_per_node_kib[n], pg->name, n,
                                t->nodes[n].mem_total_kib);
            sum[n] += pg->mem_per_node_kib[n];
        }
    }
    for (n = 0; n < (int)t->nr_node_ids && !rc; n++)
        if (t->nodes[n].mem_total_kib && sum[n] > t->nodes[n].mem_total_kib)
            rc = np_err_set(err, -EINVAL,
                            "the plan puts %" PRIu64
                            " KiB on node %d, which has %" PRIu64 " KiB",
                            sum[n], n, t->nodes[n].mem_total_kib);
    free(sum);
    return rc;
}

int np_plan_check(const struct np_snapshot *snap, const struct np_plan *plan,
                  struct np_err *err)
{
    const struct np_topo *t = &snap->topo;
    unsigned int i, v;
    int rc, n;

    if (plan->backend && snap->backend && strcmp(plan->backend, "file") &&
        strcmp(snap->backend, "file") && strcmp(plan->backend, snap->backend))
        return np_err_set(
            err, -EINVAL,
            "the plan was made on the %s backend; this host is %s: make a new plan here",
            plan->backend, snap->backend);
    if (plan->host_id && snap->ident.host_id &&
        strcmp(plan->host_id, snap->ident.host_id))
        return np_err_set(
            err, -EINVAL,
            "the plan was made for host '%s' (id %s); this is '%s' (id %s): make a new plan here",
            plan->hostname ? plan->hostname : "?", plan->host_id,
            snap->ident.hostname ? snap->ident.hostname : "?",
            snap->ident.host_id);
    if (plan->nr_cpu_ids != t->nr_cpu_ids ||
        plan->nr_node_ids != t->nr_node_ids)
        return np_err_set(
            err, -EINVAL,
            "the plan is for a host with %u cpu ids and %u node ids; this host has %u and %u",
            plan->nr_cpu_ids, plan->nr_node_ids, t->nr_cpu_ids, t->nr_node_ids);
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];
        const struct np_guest *g;

        if (!np_plan_guest_applied(pg))
            continue;
        g = np_snapshot_guest_by_id(snap, pg->id);
        if (!g)
            return np_err_set(
                err, -ESRCH,
                "guest '%s' (id %d) no longer exists: make a new plan",
                pg->name, pg->id);
        if (strcmp(g->name, pg->name))
            return np_err_set(
                err, -ESRCH,
                "guest id %d is now '%s', not '%s': make a new plan", pg->id,
                g->name, pg->name);
        if (g->nr_vcpus < pg->nr_vcpus)
            return np_err_set(
                err, -EINVAL,
                "the plan has %u vcpus for '%s', which now has %u: make a new plan",
                pg->nr_vcpus, pg->name, g->nr_vcpus);
        for (v = 0; v < pg->nr_vcpus; v++) {
            if (pg->hard[v].nr_bits) {
                rc = check_cpus(t, plan, pg, v, &pg->hard[v], "hard", err);
                if (rc)
                    return rc;
            }
            if (pg->soft[v].nr_bits) {
                rc = check_cpus(t, plan, pg, v, &pg->soft[v], "soft", err);
                if (rc)
                    return rc;
            }
        }
        if (pg->node_affinity.nr_bits && !plan->is_journal) {
            if (np_cpumap_is_empty(&pg->node_affinity))
                return np_err_set(err, -EINVAL,
                                  "the plan gives '%s' an empty node affinity",
                                  pg->name);
            np_cpumap_for_each(n, &pg->node_affinity) if (
                !np_topo_node_has_memory(
                    t,
                    n)) return np_err_set(err, -EINVAL,
                                          "the plan puts the memory of '%s' on node %d, which has no memory",
                                          pg->name, n);
        }
        if (pg->start_time && g->start_time && pg->start_time != g->start_time)
            return np_err_set(
                err, -ESRCH,
                "guest '%s' (pid %d) is another process now: it started at %" PRIu64
                ", the plan's at %" PRIu64 " (the pid was reused)",
                pg->name, pg->id, g->start_time, pg->start_time);
        if (pg->emulator.nr_bits) {
            rc = check_cpus(t, plan, pg, 0, &pg->emulator, "emulator", err);
            if (rc)
                return rc;
        }
    }
    return check_memory(snap, plan, err);
}
