/*
 * solver_hw.c: the placement rules that use the hardware model (hw.h), on
 * top of the NUMA rules of solver_place.c.  Only when the topology has one
 * (topo->hw); otherwise every hook does nothing.
 *
 *  - cpupools (Xen): a guest is placed inside its pool (an existing guest:
 *    the pool that holds its domid; a new one: --cpupool, else pool 0);
 *  - core kinds: --cpu-kind keeps a guest on that kind; without it, one
 *    guest's vCPUs go to one kind, the most performant that can take them
 *    on the chosen node;
 *  - huge pages: a guest backed by pages of one size takes its memory from
 *    the free huge pages of that size per node (not from MemFree, which
 *    the kernel has already counted them out of);
 *  - devices: a guest with a passthrough device (--device, or an existing
 *    guest with devices assigned) goes to the device's node; when that node
 *    cannot take it, it is placed by the other rules and the reasons say
 *    why;
 *  - L3: on the chosen node, a guest's vCPUs go to one last-level cache
 *    group when one can take them all, the least loaded first, so that
 *    different guests get different groups before any two share one.
 *
 * Mechanism: a CPU a rule forbids is made unusable for the time of one
 * guest by giving it a load no guest fits beside (its real load is kept
 * and put back); a node's memory is swapped the same way for huge pages or
 * a device.  The NUMA rules then run unchanged.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "solver_int.h"

#define DENIED_LOAD 0x40000000u

struct solver_hw {
    const struct np_hw *hw;
    bool constrained;   /* some rule applies: no improvement pass */
    bool *denied;       /* by CPU id */
    uint32_t *saved;    /* their load */
    int64_t *saved_mem; /* per node index */
    bool mem_swapped;
    uint64_t page_kib; /* the new guests' huge pages; 0 none */
    uint64_t *hp_used; /* per node index: KiB of huge pages planned */
    const struct np_hw_pci *new_dev;
    const struct np_hw_pool *new_pool;
    int want_kind; /* --cpu-kind, index into hw->kinds; -1 */
    /* the guest being placed */
    const struct np_hw_pci *dev;
    const struct np_hw_pool *pool;
    bool hugepages;
    bool dev_relaxed;
    int group_llc, group_kind; /* chosen by solver_hw_pick, -1 */
    unsigned int spans;        /* L3 groups the guest spans (when > 1) */
};

static int node_idx(const struct solver *s, int id)
{
    unsigned int i;

    for (i = 0; i < s->nr_nodes; i++)
        if (s->node_ids[i] == id)
            return (int)i;
    return -1;
}

static int parse_kind(const struct np_hw *hw, const char *want)
{
    unsigned int i;
    int best = -1;
    char *end;
    long eff;

    if (!strcmp(want, "p") || !strcmp(want, "performance") ||
        !strcmp(want, "e") || !strcmp(want, "efficiency")) {
        bool perf = want[0] == 'p';

        for (i = 0; i < hw->nr_kinds; i++)
            if (best < 0 ||
                (perf ? hw->kinds[i].efficiency > hw->kinds[best].efficiency
                      : hw->kinds[i].efficiency < hw->kinds[best].efficiency))
                best = (int)i;
        return best;
    }
    eff = strtol(want, &end, 10);
    for (i = 0; i < hw->nr_kinds; i++) {
        if (!*end && end != want && hw->kinds[i].efficiency == eff)
            return (int)i;
        if (hw->kinds[i].name && !strcmp(hw->kinds[i].name, want))
            return (int)i;
    }
    return -1;
}

int solver_hw_init(struct solver *s, struct np_err *err)
{
    const struct np_solve_hw *o = s->req->hw;
    const struct np_hw *hw = s->topo->hw;
    struct solver_hw *h;
    unsigned int i;

    if (!hw) {
        if (o && (o->device || o->page_kib || o->cpu_kind || o->cpupool))
            return np_err_set(
                err, -EINVAL,
                "this host's topology has no devices, huge pages, core kinds or cpupools (%s)",
                s->topo->source ? s->topo->source : "no hardware model");
        return 0;
    }
    h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    s->hw = h;
    h->hw = hw;
    h->want_kind = -1;
    h->denied = calloc(s->topo->nr_cpu_ids + 1, sizeof(*h->denied));
    h->saved = calloc(s->topo->nr_cpu_ids + 1, sizeof(*h->saved));
    h->saved_mem = calloc(s->nr_nodes + 1, sizeof(*h->saved_mem));
    h->hp_used = calloc(s->nr_nodes + 1, sizeof(*h->hp_used));
    if (!h->denied || !h->saved || !h->saved_mem || !h->hp_used)
        return -ENOMEM;
    if (o && o->device) {
        h->new_dev = np_hw_find_pci(hw, o->device);
        if (!h->new_dev)
            return np_err_set(
                err, -EINVAL,
                "device '%s' is not a PCI device of this host (numapin info -n lists them)",
                o->device);
    }
    if (o && o->page_kib) {
        bool any = false;

        for (i = 0; i < s->nr_nodes && !any; i++)
            any = np_hw_node_pages(hw, s->node_ids[i], o->page_kib) != NULL;
        if (!any) {
            char size[32];

            solver_format_mem(o->page_kib, size, sizeof(size));
            return np_err_set(err, -EINVAL,
                              "no node of this host has %s huge pages", size);
        }
        h->page_kib = o->page_kib;
    }
    if (o && o->cpu_kind) {
        if (hw->nr_kinds < 2)
            return np_err_set(
                err, -EINVAL,
                "this host has one kind of core: leave out --cpu-kind");
        h->want_kind = parse_kind(hw, o->cpu_kind);
        if (h->want_kind < 0)
            return np_err_set(
                err, -EINVAL,
                "cpu kind '%s' is not one of this host's: use p, e or an efficiency from 0 to %u",
                o->cpu_kind, hw->nr_kinds - 1);
    }
    if (hw->nr_pools) {
        const char *name = o ? o->cpupool : NULL;

        for (i = 0; i < hw->nr_pools && !h->new_pool; i++)
            if (name ? hw->pools[i].name && !strcmp(hw->pools[i].name, name)
                     : hw->pools[i].id == 0)
                h->new_pool = &hw->pools[i];
        if (name && !h->new_pool)
            return np_err_set(err, -EINVAL, "cpupool '%s' does not exist",
                              name);
    } else if (o && o->cpupool) {
        return np_err_set(err, -EINVAL, "this host has no cpupools");
    }
    /* the improvement pass knows none of these rules */
    h->constrained = hw->nr_pools > 1 || hw->nr_kinds > 1 || h->page_kib ||
                     h->new_dev || hw->nr_pci;
    for (i = 0; i < hw->nr_llc && !h->constrained; i++)
        h->constrained =
            np_cpumap_weight(&hw->llc[i].cpus) <
            np_topo_nr_online_cpus(s->topo) / (s->nr_nodes ? s->nr_nodes : 1);
    return 0;
}

void solver_hw_dispose(struct solver *s)
{
    struct solver_hw *h = s->hw;

    if (!h)
        return;
    free(h->denied);
    free(h->saved);
    free(h->saved_mem);
    free(h->hp_used);
    free(h);
    s->hw = NULL;
}

bool solver_hw_constrained(const struct solver *s)
{
    return s->hw && s->hw->constrained;
}

static void deny(struct solver *s, int cpu)
{
    struct solver_hw *h = s->hw;

    if (h->denied[cpu])
        return;
    h->denied[cpu] = true;
    h->saved[cpu] = s->load[cpu];
    s->load[cpu] = DENIED_LOAD;
}

/* Deny every usable CPU not in allowed. */
static void deny_outside(struct solver *s, const struct np_cpumap *allowed)
{
    unsigned int cpu;

    for (cpu = 0; cpu < s->topo->nr_cpu_ids; cpu++)
        if (s->core_of[cpu] >= 0 && !np_cpumap_test(allowed, (int)cpu))
            deny(s, (int)cpu);
}

static void undeny_all(struct solver *s)
{
    struct solver_hw *h = s->hw;
    unsigned int cpu;

    for (cpu = 0; cpu < s->topo->nr_cpu_ids; cpu++)
        if (h->denied[cpu]) {
            s->load[cpu] = h->saved[cpu];
            h->denied[cpu] = false;
        }
}

static void swap_mem(struct solver *s)
{
    struct solver_hw *h = s->hw;

    if (h->mem_swapped)
        return;
    memcpy(h->saved_mem, s->mem_avail, s->nr_nodes * sizeof(*h->saved_mem));
    h->mem_swapped = true;
}

static void restore_mem(struct solver *s)
{
    struct solver_hw *h = s->hw;

    if (!h->mem_swapped)
        return;
    memcpy(s->mem_avail, h->saved_mem, s->nr_nodes * sizeof(*h->saved_mem));
    h->mem_swapped = false;
}

/* The devices assigned to an existing guest: the first with a node. */
static const struct np_hw_pci *guest_dev(const struct np_hw *hw,
                                         const struct np_guest *g)
{
    unsigned int i;

    for (i = 0; i < hw->nr_pci; i++)
        if (hw->pci[i].domid == g->id && hw->pci[i].node >= 0)
            return &hw->pci[i];
    return NULL;
}

static const struct np_hw_pool *guest_pool(const struct solver_hw *h,
                                           const struct job *j)
{
    unsigned int i, k;

    if (!j->g)
        return h->new_pool;
    for (i = 0; i < h->hw->nr_pools; i++)
        for (k = 0; k < h->hw->pools[i].nr_domids; k++)
            if (h->hw->pools[i].domids[k] == j->g->id)
                return &h->hw->pools[i];
    return NULL;
}

/* The rules that always hold: pool, kind, huge pages; then, unless
 * relaxed, the device's node. */
static void apply(struct solver *s, const struct job *j, bool with_dev)
{
    struct solver_hw *h = s->hw;
    unsigned int i;

    if (h->pool)
        deny_outside(s, &h->pool->cpus);
    if (h->want_kind >= 0 && !j->g)
        deny_outside(s, &h->hw->kinds[h->want_kind].cpus);
    if (h->hugepages) {
        swap_mem(s);
        for (i = 0; i < s->nr_nodes; i++) {
            const struct np_hw_pages *p =
                np_hw_node_pages(h->hw, s->node_ids[i], h->page_kib);
            uint64_t have = p ? p->free * p->size_kib : 0;

            s->mem_avail[i] =
                have > h->hp_used[i] ? (int64_t)(have - h->hp_used[i]) : 0;
        }
    }
    if (with_dev && h->dev) {
        int d = node_idx(s, h->dev->node);

        deny_outside(s, &s->topo->nodes[h->dev->node].cpus);
        swap_mem(s);
        for (i = 0; i < s->nr_nodes; i++)
            if ((int)i != d)
                s->mem_avail[i] = 0;
    }
}

void solver_hw_begin(struct solver *s, struct job *j)
{
    struct solver_hw *h = s->hw;
    const struct np_plan_guest *pg;

    if (!h)
        return;
    h->group_llc = h->group_kind = -1;
    h->spans = 0;
    h->dev_relaxed = false;
    h->pool = guest_pool(h, j);
    if (h->pool && h->hw->nr_pools == 1 &&
        np_cpumap_weight(&h->pool->cpus) >= np_topo_nr_online_cpus(s->topo))
        h->pool = NULL; /* one pool of every CPU: nothing to keep to */
    h->dev = j->g ? guest_dev(h->hw, j->g) : h->new_dev;
    if (h->dev && h->dev->node < 0)
        h->dev = NULL;
    h->hugepages = !j->g && h->page_kib;
    pg = &s->plan->guests[j->plan_idx];
    if (h->hugepages && j->mem_kib % h->page_kib) {
        /* whole pages */
        j->mem_kib += h->page_kib - j->mem_kib % h->page_kib;
        (void)pg;
    }
    apply(s, j, true);
}

bool solver_hw_relax(struct solver *s, struct job *j)
{
    struct solver_hw *h = s->hw;

    if (!h || !h->dev || h->dev_relaxed)
        return false;
    undeny_all(s);
    restore_mem(s);
    h->dev_relaxed = true;
    apply(s, j, false);
    return true;
}

/* The load (milli-vCPUs) on the usable CPUs of set within node n, and how
 * many vCPUs node n can take when only those are usable. */
static unsigned int try_set(struct solver *s, unsigned int n,
                            const struct np_cpumap *set, uint64_t *load_out)
{
    unsigned int c, i, cap;
    uint64_t load = 0;
    int cpu;
    bool *mine = s->picked; /* scratch: false outside solver_choose */

    for (c = s->node_core_first[n]; c < s->node_core_first[n + 1]; c++)
        for (i = 0; i < s->cores[c].nr_cpus; i++) {
            cpu = s->core_cpus[s->cores[c].first + i];
            if (np_cpumap_test(set, cpu) || s->hw->denied[cpu])
                continue;
            mine[cpu] = true;
            deny(s, cpu);
        }
    solver_node_caps(s, n);
    cap = s->cap[n];
    for (c = s->node_core_first[n]; c < s->node_core_first[n + 1]; c++)
        for (i = 0; i < s->cores[c].nr_cpus; i++) {
            cpu = s->core_cpus[s->cores[c].first + i];
            if (mine[cpu]) {
                mine[cpu] = false;
                s->load[cpu] = s->hw->saved[cpu];
                s->hw->denied[cpu] = false;
            } else if (!s->hw->denied[cpu]) {
                load += s->load[cpu];
            }
        }
    solver_node_caps(s, n);
    *load_out = load;
    return cap;
}

void solver_hw_pick(struct solver *s, const struct job *j, const struct cand *c)
{
    struct solver_hw *h = s->hw;
    const struct np_hw *hw;
    struct np_cpumap set;
    unsigned int n, k, g, nr_k, nr_g, best_rank = 0, cap;
    uint64_t load, best_load = 0;
    int best_k = -1, best_g = -1;
    bool found = false;

    if (!h || c->nr != 1)
        return;
    hw = h->hw;
    n = c->members[0];
    np_cpumap_init(&set);
    if (np_cpumap_alloc(&set, s->topo->nr_cpu_ids))
        return;
    /* kinds: only when the guest did not choose one; -1 stands for any */
    nr_k = h->want_kind < 0 && hw->nr_kinds > 1 ? hw->nr_kinds : 0;
    nr_g = hw->nr_llc;
    for (k = 0; k <= nr_k; k++) {
        int kind = k < nr_k ? (int)k : -1;
        /* a kind first (the more performant the better), then one L3 */
        unsigned int kind_rank =
            kind < 0 ? 0 : (unsigned int)(hw->kinds[kind].efficiency + 2);

        for (g = 0; g <= nr_g; g++) {
            int llc = g < nr_g ? (int)g : -1;
            unsigned int rank = (kind_rank << 1) | (llc >= 0);

            if (llc >= 0 &&
                !np_cpumap_intersects(&hw->llc[llc].cpus,
                                      &s->topo->nodes[s->node_ids[n]].cpus))
                continue;
            if (kind < 0 && llc < 0)
                continue; /* the node as it is */
            np_cpumap_set_all(&set);
            if (kind >= 0)
                np_cpumap_and(&set, &hw->kinds[kind].cpus);
            if (llc >= 0)
                np_cpumap_and(&set, &hw->llc[llc].cpus);
            cap = try_set(s, n, &set, &load);
            if (cap < j->nr_vcpus)
                continue;
            /* then the least loaded: different guests, different groups */
            if (!found || rank > best_rank ||
                (rank == best_rank && load < best_load)) {
                found = true;
                best_rank = rank;
                best_load = load;
                best_k = kind;
                best_g = llc;
            }
        }
    }
    if (found) {
        np_cpumap_set_all(&set);
        if (best_k >= 0)
            np_cpumap_and(&set, &hw->kinds[best_k].cpus);
        if (best_g >= 0)
            np_cpumap_and(&set, &hw->llc[best_g].cpus);
        deny_outside(s, &set);
        solver_node_caps(s, n);
        h->group_kind = best_k;
        h->group_llc = best_g;
    } else if (nr_g) {
        /* how many groups the node's usable CPUs are in */
        for (g = 0; g < nr_g; g++)
            h->spans += np_cpumap_intersects(
                &hw->llc[g].cpus, &s->topo->nodes[s->node_ids[n]].cpus);
    }
    np_cpumap_dispose(&set);
}

static void list_text(const struct np_cpumap *map, char *buf, size_t size)
{
    char *s = np_cpulist_format_ranges(map);

    snprintf(buf, size, "%s", s ? s : "?");
    free(s);
}

int solver_hw_end(struct solver *s, struct job *j, bool placed)
{
    struct solver_hw *h = s->hw;
    struct np_plan_guest *pg;
    char cpus[128];
    unsigned int i, k;
    int rc = 0;

    if (!h)
        return 0;
    undeny_all(s);
    restore_mem(s);
    if (!placed && s->single_only)
        return 0; /* tried again after this pass */
    pg = &s->plan->guests[j->plan_idx];
    if (placed && h->hugepages)
        for (i = 0; i < j->at.nr; i++)
            h->hp_used[j->at.node[i]] += j->at.mem[i];
    if (!s->req->explain)
        return 0;
    if (h->pool && placed) {
        list_text(&h->pool->cpus, cpus, sizeof(cpus));
        rc = np_plan_reason(s->plan, pg,
                            "cpupool '%s' (cpus %s): placed inside it",
                            h->pool->name ? h->pool->name : "?", cpus);
    }
    if (!rc && h->hugepages) {
        char size[32];

        solver_format_mem(h->page_kib, size, sizeof(size));
        rc = np_plan_reason(
            s->plan, pg,
            "memory in %s huge pages: fitted against each node's free huge pages of that size",
            size);
    }
    if (!rc && h->dev && placed) {
        bool on = false;

        for (k = 0; k < j->at.nr; k++)
            on |= s->node_ids[j->at.node[k]] == h->dev->node && j->at.vcpus[k];
        if (on && !h->dev_relaxed)
            rc = np_plan_reason(s->plan, pg,
                                "device %s is on node %d: placed there",
                                h->dev->bdf, h->dev->node);
        else
            rc = np_plan_reason(
                s->plan, pg,
                "device %s is on node %d, which cannot take the guest (too few usable CPUs or too little free memory there): placed away from it",
                h->dev->bdf, h->dev->node);
    }
    if (!rc && placed && (h->group_llc >= 0 || h->group_kind >= 0)) {
        if (h->group_kind >= 0) {
            list_text(&h->hw->kinds[h->group_kind].cpus, cpus, sizeof(cpus));
            rc = np_plan_reason(
                s->plan, pg,
                "core kind of efficiency %d (cpus %s): every vCPU on one kind",
                h->hw->kinds[h->group_kind].efficiency, cpus);
        }
        if (!rc && h->group_llc >= 0) {
            const struct np_hw_cache *c = &h->hw->llc[h->group_llc];

            list_text(&c->cpus, cpus, sizeof(cpus));
            rc = np_plan_reason(
                s->plan, pg,
                "L%u cache group %d (cpus %s): every vCPU shares one last-level cache",
                c->level, h->group_llc, cpus);
        }
    } else if (!rc && placed && h->spans > 1) {
        rc = np_plan_reason(
            s->plan, pg,
            "no last-level cache group of the node can take all %u vCPUs: they span its groups",
            j->nr_vcpus);
    }
    if (!rc && h->want_kind >= 0 && !j->g) {
        list_text(&h->hw->kinds[h->want_kind].cpus, cpus, sizeof(cpus));
        rc = np_plan_reason(s->plan, pg,
                            "--cpu-kind: cores of efficiency %d only (cpus %s)",
                            h->hw->kinds[h->want_kind].efficiency, cpus);
    }
    return rc;
}

bool solver_hw_refusal(const struct solver *s, unsigned int n,
                       const struct job *j, char *why, size_t size)
{
    const struct solver_hw *h = s->hw;
    int id = s->node_ids[n];

    if (!h)
        return false;
    if (h->dev && !h->dev_relaxed && id != h->dev->node) {
        snprintf(why, size, "is not the node of device %s (node %d)",
                 h->dev->bdf, h->dev->node);
        return true;
    }
    if (h->pool &&
        !np_cpumap_intersects(&h->pool->cpus, &s->topo->nodes[id].cpus) &&
        s->mem[n] >= j->mem_kib) {
        snprintf(why, size, "has no CPU of cpupool '%s'",
                 h->pool->name ? h->pool->name : "?");
        return true;
    }
    if (h->hugepages && s->mem[n] < j->mem_kib) {
        char have[32], need[32], page[32];

        solver_format_mem(s->mem[n], have, sizeof(have));
        solver_format_mem(j->mem_kib, need, sizeof(need));
        solver_format_mem(h->page_kib, page, sizeof(page));
        snprintf(why, size, "has %s of free %s huge pages, it needs %s", have,
                 page, need);
        return true;
    }
    return false;
}
