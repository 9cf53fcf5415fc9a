/*
 * solver_explain.c: the reasons and advice the solver writes into a plan,
 * and the figures it formats for them.  See solver_int.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "numastat.h"
#include "solver_int.h"

/* Reasons list at most this many refused single nodes. */
#define MAX_REFUSED_LISTED 8

/* "1" or "0-1,3": the node ids of a list of node indices, into buf. */
static void format_set(const struct solver *s, const unsigned int *members,
                       unsigned int nr, char *buf, size_t size)
{
    size_t len = 0;
    unsigned int i = 0, j;

    buf[0] = '\0';
    while (i < nr && len < size) {
        j = i;
        while (j + 1 < nr &&
               s->node_ids[members[j + 1]] == s->node_ids[members[j]] + 1)
            j++;
        if (j == i)
            len += (size_t)snprintf(buf + len, size - len, "%s%d",
                                    len ? "," : "", s->node_ids[members[i]]);
        else
            len += (size_t)snprintf(buf + len, size - len, "%s%d-%d",
                                    len ? "," : "", s->node_ids[members[i]],
                                    s->node_ids[members[j]]);
        i = j + 1;
    }
}

/* Memory in the unit a person reads: "3.0 GiB", "512 MiB", "900 KiB". */
void solver_format_mem(uint64_t kib, char *buf, size_t size)
{
    if (kib >= 1024 * 1024)
        snprintf(buf, size, "%.1f GiB", (double)kib / (1024.0 * 1024.0));
    else if (kib >= 1024)
        snprintf(buf, size, "%" PRIu64 " MiB", kib / 1024);
    else
        snprintf(buf, size, "%" PRIu64 " KiB", kib);
}

static const char *rule_text(int rule)
{
    switch (rule) {
    case 2:
        return "fewer nodes";
    case 3:
        return "smaller total distance between its nodes";
    case 4:
        return "fewer vCPUs already pinned per CPU";
    case 5:
        return "less memory in use";
    case 14:
        return "more vCPUs already pinned per CPU (packing)";
    case 15:
        return "more memory in use (packing)";
    case 6:
        return "lower node ids";
    case 7:
        return "less remote memory (its vCPUs and memory split better)";
    case 8:
        return "fewer vCPUs beside another guest's on a core (whole free "
               "cores)";
    case 9:
        return "less free memory (best fit)";
    default:
        return "equal";
    }
}

/* The most vCPUs node n could ever take under the policy (no other guest
 * there): one per core for isolate, every thread otherwise, times the
 * overcommit for prefer. */
static unsigned int node_max_vcpus(const struct solver *s, unsigned int n)
{
    unsigned int nr_cores = s->node_core_first[n + 1] - s->node_core_first[n];

    switch (s->req->policy) {
    case NP_POLICY_ISOLATE:
        return nr_cores;
    case NP_POLICY_REQUIRE:
        return s->node_cpus[n];
    default:
        return s->node_cpus[n] * (s->limit / MILLI);
    }
}

/*
 * Advice, only where it applies (docs/placement.md): for a guest larger
 * than any node (by the policy's count of what a node takes), or spread
 * over several nodes.  Virtual NUMA nodes are advised only when at least
 * two nodes would hold both vCPUs and memory of the guest (a guest whose
 * vCPUs are on a CPU-only node and its memory on a memory-only one gains
 * nothing from them); `numapin plan --all` only when the request was not
 * already a whole-host plan and some node could hold the guest alone on
 * an empty host.
 */
int solver_advise(struct solver *s, const struct job *j,
                  struct np_plan_guest *pg, unsigned int nr_nodes_used)
{
    char mem[32], node_mem[32], vnuma[160];
    unsigned int parts, per, n, vnodes = 0, max_cap = 0, i;
    bool could_fit_one = false;

    for (i = 0; i < j->at.nr; i++)
        vnodes += j->at.vcpus[i] && j->at.mem[i];
    for (n = 0; n < s->nr_nodes; n++) {
        unsigned int cap = node_max_vcpus(s, n);

        if (cap > max_cap)
            max_cap = cap;
        if (cap >= j->nr_vcpus && s->has_mem[n] &&
            s->mem_total[n] >= j->mem_kib)
            could_fit_one = true;
    }
    vnuma[0] = '\0';
    if (vnodes >= 2)
        snprintf(vnuma, sizeof(vnuma),
                 "give it %u virtual NUMA nodes matching this plan (xl.cfg "
                 "vnuma, libvirt <cpu><numa>) so that its OS keeps its memory "
                 "local",
                 vnodes);
    if (max_cap && j->nr_vcpus > max_cap) {
        parts = (j->nr_vcpus + max_cap - 1) / max_cap;
        per = (j->nr_vcpus + parts - 1) / parts;
        if (s->req->policy == NP_POLICY_ISOLATE)
            return np_plan_advice(
                pg,
                "it needs %u vCPUs and under policy isolate the largest node takes %u (one per core): run %u guests of %u vCPUs, or use policy prefer%s%s",
                j->nr_vcpus, max_cap, parts, per, vnuma[0] ? ", or " : "",
                vnuma);
        return np_plan_advice(
            pg,
            "it needs %u vCPUs and the largest node has %u CPUs: run %u guests of %u vCPUs and split the work between them%s%s",
            j->nr_vcpus, max_cap, parts, per, vnuma[0] ? ", or " : "", vnuma);
    }
    if (s->max_node_mem && j->mem_kib > s->max_node_mem) {
        parts = (unsigned int)((j->mem_kib + s->max_node_mem - 1) /
                               s->max_node_mem);
        solver_format_mem(j->mem_kib, mem, sizeof(mem));
        solver_format_mem(s->max_node_mem, node_mem, sizeof(node_mem));
        return np_plan_advice(
            pg,
            "its memory (%s) is more than the largest node holds (%s): split it into %u guests%s%s",
            mem, node_mem, parts, vnuma[0] ? ", or " : "", vnuma);
    }
    if (nr_nodes_used < 2 || !could_fit_one)
        return 0;
    if (!s->req->all && vnuma[0])
        return np_plan_advice(
            pg,
            "no single node has room for it next to the other guests: it spans %u nodes; %s, or make room with `numapin plan --all`",
            nr_nodes_used, vnuma);
    if (!s->req->all)
        return np_plan_advice(
            pg,
            "no single node has room for it next to the other guests: it spans %u nodes; make room with `numapin plan --all`",
            nr_nodes_used);
    if (vnuma[0])
        return np_plan_advice(
            pg,
            "no single node has room for it next to the other guests of this plan: it spans %u nodes; %s, or give the host more room",
            nr_nodes_used, vnuma);
    return 0;
}

/* Why a node cannot hold the guest alone, into buf. */
static void refusal(const struct solver *s, unsigned int n, const struct job *j,
                    char *buf, size_t size)
{
    char have[32], need[32];
    size_t len = 0;

    buf[0] = '\0';
    if (s->mem[n] < j->mem_kib) {
        solver_format_mem(j->mem_kib, need, sizeof(need));
        if (!s->has_mem[n]) {
            len += (size_t)snprintf(buf, size, "has no memory");
        } else {
            solver_format_mem(s->mem[n], have, sizeof(have));
            len += (size_t)snprintf(buf, size, "has %s free, it needs %s", have,
                                    need);
        }
    }
    if (s->cap[n] < j->nr_vcpus && len < size) {
        if (!s->node_cpus[n])
            snprintf(buf + len, size - len, "%shas no CPUs", len ? "; " : "");
        else
            snprintf(buf + len, size - len,
                     "%shas %u usable CPUs (of %u) under policy %s, it "
                     "needs %u",
                     len ? "; " : "", s->cap[n], s->node_cpus[n],
                     np_policy_name(s->req->policy), j->nr_vcpus);
    }
}

/* The reasons before the choice: which nodes cannot hold j alone, and
 * what was considered. */
int solver_explain_candidates(struct solver *s, const struct job *j,
                              struct np_plan_guest *pg, unsigned int nr_cands,
                              unsigned int nr_fit, bool single)
{
    unsigned int n = s->nr_nodes, i, listed = 0;
    int rc;

    /* which nodes cannot take it alone, and why */
    for (i = 0; i < n; i++) {
        char why[200];

        if (s->cap[i] >= j->nr_vcpus && s->mem[i] >= j->mem_kib)
            continue;
        if (listed++ >= MAX_REFUSED_LISTED)
            continue;
        if (!solver_hw_refusal(s, i, j, why, sizeof(why)))
            refusal(s, i, j, why, sizeof(why));
        rc = np_plan_reason(s->plan, pg, "node %d cannot hold it alone: it %s",
                            s->node_ids[i], why);
        if (rc)
            return rc;
    }
    if (listed > MAX_REFUSED_LISTED) {
        rc = np_plan_reason(s->plan, pg, "%u more nodes cannot hold it alone",
                            listed - MAX_REFUSED_LISTED);
        if (rc)
            return rc;
    }
    if (single)
        rc = np_plan_reason(s->plan, pg,
                            "considered the %u node%s of %u that hold it alone",
                            nr_cands, nr_cands == 1 ? "" : "s", n);
    else
        rc = np_plan_reason(
            s->plan, pg,
            "considered %u candidate node set%s grown from %u seed node%s by distance; %u fit%s",
            nr_cands, nr_cands == 1 ? "" : "s", n, n == 1 ? "" : "s", nr_fit,
            nr_fit == 1 ? "s" : "");
    if (rc)
        return rc;
    return 0;
}

/* The reasons of the choice: where j went, and why there. */
int solver_explain_choice(struct solver *s, const struct job *j,
                          struct np_plan_guest *pg, unsigned int win,
                          unsigned int second)
{
    unsigned int n = s->nr_nodes, i;
    char set[256];
    bool better;
    int rc, rule = 0;

    char cpus[256], *cl;
    const struct np_cpumap *pin0;

    format_set(s, s->cands[win].members, s->cands[win].nr, set, sizeof(set));
    cl = NULL;
    {
        struct np_cpumap all;

        np_cpumap_init(&all);
        if (!np_cpumap_alloc(&all, s->topo->nr_cpu_ids)) {
            for (i = 0; i < j->nr_vcpus; i++) {
                pin0 = s->req->pin == NP_PIN_SOFT ? &pg->soft[i] : &pg->hard[i];
                np_cpumap_or(&all, pin0);
            }
            cl = np_cpulist_format_ranges(&all);
        }
        np_cpumap_dispose(&all);
    }
    snprintf(cpus, sizeof(cpus), "%s", cl ? cl : "?");
    free(cl);
    rc = np_plan_reason(
        s->plan, pg,
        "chose node%s %s: vCPUs on CPUs %s, %u%% of its memory local to its vCPUs (score %u.%02u: the mean vCPU-to-memory distance)",
        s->cands[win].nr > 1 ? "s" : "", set, cpus, s->local_pct,
        pg->score / 100, pg->score % 100);
    if (rc)
        return rc;
    if (second != n) {
        char other[256];

        rule = solver_cand_decide(&s->cands[win], &s->cands[second], s->pack,
                                  &better);
        format_set(s, s->cands[second].members, s->cands[second].nr, other,
                   sizeof(other));
        rc = np_plan_reason(
            s->plan, pg, "node%s %s won over the runner-up %s: %s",
            s->cands[win].nr > 1 ? "s" : "", set, other,
            rule_text(s->pack && (rule == 4 || rule == 5) ? rule + 10 : rule));
    } else {
        rc = np_plan_reason(s->plan, pg,
                            "node%s %s: the only candidate that fits",
                            s->cands[win].nr > 1 ? "s" : "", set);
    }
    if (rc)
        return rc;
    return 0;
}

int solver_plan_reasons(struct solver *s, const bool *replaced)
{
    const struct np_snapshot *snap = s->snap;
    unsigned int i, n;
    int rc = 0;

    for (n = 0; n < s->nr_nodes && !rc; n++) {
        const struct np_node *nd = &s->topo->nodes[s->node_ids[n]];

        if (s->has_mem[n] && !nd->mem_free_known)
            rc = np_plan_reason(
                s->plan, NULL,
                "the free memory of node %d is unknown: its total is counted",
                s->node_ids[n]);
        else if (!s->has_mem[n])
            rc = np_plan_reason(
                s->plan, NULL,
                "node %d has no memory: no guest's memory goes there",
                s->node_ids[n]);
        else if (!s->node_cpus[n])
            rc = np_plan_reason(
                s->plan, NULL,
                "node %d has memory and no usable CPUs: guests' vCPUs run on nearby nodes",
                s->node_ids[n]);
    }
    if (!rc && s->req->reserved && !np_cpumap_is_empty(s->req->reserved)) {
        char *l = np_cpulist_format_ranges(s->req->reserved);

        rc = l ? np_plan_reason(s->plan, NULL,
                                "CPUs %s are reserved for the host", l)
               : -ENOMEM;
        free(l);
    }
    for (i = 0; i < snap->nr_guests && !rc; i++) {
        const struct np_guest *g = &snap->guests[i];
        unsigned int v, floating = 0;

        if (replaced[i]) {
            if (!g->mem_per_node_kib && g->mem_kib)
                rc = np_plan_reason(
                    s->plan, NULL,
                    "where the memory of '%s' is now is not measured: estimated from its node affinity (given back there before it is placed again)",
                    g->name);
            else if (g->mem_source && !strcmp(g->mem_source, NP_MEM_ESTIMATED))
                rc = np_plan_reason(
                    s->plan, NULL,
                    "the memory of '%s' is estimated from its node affinity, not measured",
                    g->name);
            continue;
        }
        for (v = 0; v < g->nr_vcpus; v++)
            if (!solver_vcpu_pin(s, &g->vcpus[v]))
                floating++;
        if (floating)
            rc = np_plan_reason(
                s->plan, NULL,
                "'%s' has %u of %u vCPUs floating (no pin): they may run on the CPUs planned here and its memory may grow anywhere; `numapin plan --all` gives every guest a place",
                g->name, floating, g->nr_vcpus);
    }
    return rc;
}
