/*
 * solver_keep.c: guests already there.  An incremental plan (the default
 * for a whole host) leaves every guest that is well placed where it is:
 * each vCPU pinned to one CPU, all on one node, the guest's memory on
 * that node, no pin shared with a guest kept before it (nor, under
 * isolate and require, a core), the CPUs usable.  Each guest that moves
 * says why and what it costs: vCPUs re-pinned and memory to move.
 * See solver_int.h and docs/placement.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "solver_int.h"

/* The node index of node id, or -1. */
static int index_of(const struct solver *s, int id)
{
    unsigned int i;

    for (i = 0; i < s->nr_nodes; i++)
        if (s->node_ids[i] == id)
            return (int)i;
    return -1;
}

/* The one CPU vCPU v of g is pinned to in the plan's pin mode, or -1. */
static int pinned_cpu(const struct solver *s, const struct np_guest *g,
                      unsigned int v)
{
    const struct np_cpumap *pin = solver_vcpu_pin(s, &g->vcpus[v]);
    const struct np_cpumap *want =
        s->req->pin == NP_PIN_SOFT ? &g->vcpus[v].soft : &g->vcpus[v].hard;

    if (!pin || pin != want || np_cpumap_weight(pin) != 1)
        return -1;
    return np_cpumap_next(pin, -1);
}

/* Is core c idle but for the vCPUs of g before v (require: a core is the
 * guest's own; isolate: mine = false, the core must be idle)? */
static bool core_idle(const struct solver *s, unsigned int c,
                      const struct np_guest *g, unsigned int v, bool mine)
{
    const struct core *co = &s->cores[c];
    unsigned int i, k;

    if (s->owned[c])
        return false;
    for (i = 0; i < co->nr_cpus; i++) {
        int t = s->core_cpus[co->first + i];
        uint32_t own = 0;

        for (k = 0; mine && k < v; k++)
            own += pinned_cpu(s, g, k) == t ? MILLI : 0;
        if (s->load[t] != own)
            return false;
    }
    return true;
}

/*
 * Keep job j (a guest already there) where it is when it is well placed:
 * j->at becomes its place, occupied, j->placed and j->kept set.  Otherwise
 * j->unkept says why and nothing changes.
 */
bool solver_keep(struct solver *s, struct job *j)
{
    const struct np_guest *g = j->g;
    struct where *w = &j->at;
    unsigned int v, k;
    int node = -1, n, cpu, c;

    if (!g->mem_per_node_kib && g->mem_kib) {
        j->unkept = "where its memory is now is unknown";
        return false;
    }
    for (n = 0; g->mem_per_node_kib && n < (int)s->topo->nr_node_ids; n++) {
        if (!g->mem_per_node_kib[n])
            continue;
        if (node >= 0) {
            j->unkept = "its memory is on several nodes";
            return false;
        }
        node = index_of(s, n);
        if (node < 0)
            break;
    }
    for (v = 0; v < g->nr_vcpus; v++) {
        cpu = pinned_cpu(s, g, v);
        if (cpu < 0 || cpu >= (int)s->topo->nr_cpu_ids) {
            j->unkept = "its vCPUs are not pinned one CPU each";
            return false;
        }
        if (s->core_of[cpu] < 0) {
            j->unkept = "a vCPU is pinned to a CPU that is offline or "
                        "reserved";
            return false;
        }
        c = s->cores[s->core_of[cpu]].node;
        if (node < 0)
            node = c;
        if (c != node) {
            j->unkept = "its vCPUs and memory are not all on one node";
            return false;
        }
    }
    if (node < 0 || (j->mem_kib && !s->has_mem[node]) ||
        s->mem_avail[node] < (int64_t)j->mem_kib) {
        j->unkept = "its node has no room for its memory";
        return false;
    }
    /* its CPUs must be free of every guest kept before it (and of its own
     * other vCPUs): count them one by one, undo on a clash */
    for (v = 0; v < g->nr_vcpus; v++) {
        unsigned int core;

        cpu = pinned_cpu(s, g, v);
        core = (unsigned int)s->core_of[cpu];
        if (s->req->policy == NP_POLICY_PREFER
                ? s->owned[core] || s->load[cpu] + MILLI > s->limit
                : !core_idle(s, core, g, v,
                             s->req->policy == NP_POLICY_REQUIRE)) {
            for (k = 0; k < v; k++)
                s->load[pinned_cpu(s, g, k)] -= MILLI;
            j->unkept = s->req->policy == NP_POLICY_PREFER
                            ? "its pins overlap another guest's"
                            : "its vCPUs share a core with another vCPU";
            return false;
        }
        s->load[cpu] += MILLI;
    }
    for (v = 0; v < g->nr_vcpus; v++)
        s->load[pinned_cpu(s, g, v)] -= MILLI;
    solver_where_dispose(w);
    w->node = calloc(1, sizeof(*w->node));
    w->vcpus = calloc(1, sizeof(*w->vcpus));
    w->mem = calloc(1, sizeof(*w->mem));
    w->cpus = calloc(g->nr_vcpus + 1, sizeof(*w->cpus));
    if (!w->node || !w->vcpus || !w->mem || !w->cpus) {
        solver_where_dispose(w);
        j->unkept = "out of memory";
        return false;
    }
    w->nr = 1;
    w->node[0] = (unsigned int)node;
    w->vcpus[0] = g->nr_vcpus;
    w->mem[0] = j->mem_kib;
    w->nr_vcpus = g->nr_vcpus;
    /* vCPU v keeps its CPU (not in id order: the plan pins vCPU v to
     * cpus[v]) */
    for (v = 0; v < g->nr_vcpus; v++)
        w->cpus[v] = pinned_cpu(s, g, v);
    w->cost =
        (double)j->mem_kib * dist(s, (unsigned int)node, (unsigned int)node);
    solver_occupy(s, w);
    j->placed = true;
    j->kept = true;
    return true;
}

/* "node 1" / "nodes 0-1" / "no node": the nodes of a map, into buf. */
static void nodes_text(const struct np_cpumap *m, char *buf, size_t size)
{
    char *l = np_cpumap_is_empty(m) ? NULL : np_cpulist_format_ranges(m);

    if (!l)
        snprintf(buf, size, "no fixed place");
    else
        snprintf(buf, size, "node%s %s", np_cpumap_weight(m) > 1 ? "s" : "", l);
    free(l);
}

/* The reason a guest already there stays, or moves and at what cost. */
int solver_churn_reason(struct solver *s, const struct job *j)
{
    const struct np_guest *g = j->g;
    struct np_plan_guest *pg = &s->plan->guests[j->plan_idx];
    struct np_cpumap was;
    unsigned int v, repinned = 0;
    uint64_t moved = 0;
    char from[128], to[128], mem[32];
    int n, rc, cpu;

    if (!j->placed)
        return 0;
    if (j->kept && !j->moved)
        return np_plan_reason(
            s->plan, pg,
            "stays where it is: well placed (one CPU per vCPU on one node, its memory there); moving it would gain nothing");
    np_cpumap_init(&was);
    if (np_cpumap_alloc(&was, s->topo->nr_node_ids))
        return -ENOMEM;
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_cpumap *pin = solver_vcpu_pin(s, &g->vcpus[v]);
        const struct np_cpumap *now =
            s->req->pin == NP_PIN_SOFT ? &pg->soft[v] : &pg->hard[v];

        if (pin)
            np_cpumap_for_each(cpu, pin) if (cpu < (int)s->topo->nr_cpu_ids &&
                                             s->topo->cpus[cpu].node >= 0)
                np_cpumap_set(&was, s->topo->cpus[cpu].node);
        if (!pin || !np_cpumap_equal(pin, now))
            repinned++;
    }
    for (n = 0; n < (int)s->topo->nr_node_ids; n++) {
        uint64_t old = g->mem_per_node_kib ? g->mem_per_node_kib[n] : 0;

        if (old)
            np_cpumap_set(&was, n);
        if (g->mem_per_node_kib && pg->mem_per_node_kib &&
            pg->mem_per_node_kib[n] > old)
            moved += pg->mem_per_node_kib[n] - old;
    }
    nodes_text(&was, from, sizeof(from));
    nodes_text(&pg->nodes, to, sizeof(to));
    np_cpumap_dispose(&was);
    if (!repinned && !moved)
        return np_plan_reason(
            s->plan, pg,
            "stays where it is: the plan's place is the one it has");
    solver_format_mem(moved, mem, sizeof(mem));
    rc = np_plan_reason(
        s->plan, pg,
        "moves from %s to %s because %s: %u of %u vCPUs re-pinned, %s of memory to move%s",
        from, to,
        j->kept     ? "the improvement pass keeps more guests whole that way"
        : j->unkept ? j->unkept
                    : "it was re-placed",
        repinned, g->nr_vcpus, g->mem_per_node_kib ? mem : "an unknown amount",
        g->mem_per_node_kib ? "" : " (where it is now is unknown)");
    return rc;
}
