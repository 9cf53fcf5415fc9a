/*
 * instances.c: the benchmark's instances.  Hosts from 2 to 256 nodes,
 * with and without SMT, uneven nodes, CPU-only and memory-only nodes,
 * sparse node ids, two-level and ring distances; guest mixes that fill
 * 85 % or 100 % of the CPUs, are memory-tight (memory up to 95 % full) or
 * CPU-tight (every CPU, little memory); hosts pre-filled by numapin one
 * guest at a time (`place` repeated), with and without new guests; the
 * issue's cases (a 30 GiB guest on a 4-node ring, isolate on a 64-node
 * CPU-tight mix); and small random instances where the exhaustive search
 * runs.  Everything is generated from fixed seeds: the same instances in
 * every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "solver.h"

static unsigned int lcg_state;

static unsigned int lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (lcg_state >> 16) & 0x7fff;
}

static unsigned int node_cores(const struct host_spec *h, unsigned int n)
{
    if (n >= h->nodes - h->memonly)
        return 0;
    return h->uneven ? h->cores - 2 + (n * 7 % 5) : h->cores;
}

/* Node index n of the host has id n, or 2n when sparse. */
static void build_host(struct np_snapshot *snap, const struct host_spec *h,
                       const unsigned int *mem_gib)
{
    unsigned int n, m, c, k, nr = 0, cpu = 0, nr_ids;
    struct np_topo *t = &snap->topo;

    np_snapshot_init(snap);
    for (n = 0; n < h->nodes; n++)
        nr += node_cores(h, n) * h->threads;
    nr_ids = h->sparse ? 2 * h->nodes - 1 : h->nodes;
    if (np_topo_alloc(t, nr, nr_ids))
        abort();
    for (n = 0; n < h->nodes; n++) {
        uint64_t mem = (uint64_t)(mem_gib ? mem_gib[n] : h->mem_gib) * GIB;
        int id = h->sparse ? 2 * (int)n : (int)n;

        if (h->uneven && !mem_gib)
            mem = mem / 2 + mem * (n * 3 % 4) / 4;
        if (n < h->cpuonly)
            mem = 0;
        np_topo_add_node(t, id);
        t->nodes[id].mem_total_kib = mem + mem / 8;
        t->nodes[id].mem_free_kib = mem;
        t->nodes[id].mem_free_known = true;
        for (m = 0; m < h->nodes; m++) {
            unsigned int gap = n > m ? n - m : m - n, d;

            if (h->ring)
                d = n == m ? 10
                           : 10 + 6 * (gap < h->nodes - gap ? gap
                                                            : h->nodes - gap);
            else
                d = n == m ? 10 : n / 4 == m / 4 ? 16 : 32;
            np_topo_set_distance(t, id, h->sparse ? 2 * (int)m : (int)m, d);
        }
        for (c = 0; c < node_cores(h, n); c++) {
            unsigned int first = cpu;

            for (k = 0; k < h->threads; k++, cpu++) {
                struct np_cpu *p = &t->cpus[cpu];

                np_topo_add_cpu(t, (int)cpu);
                p->socket = (int)n;
                p->die = 0;
                p->core = (int)c;
                p->node = id;
                np_cpumap_alloc(&p->siblings, nr);
                np_cpumap_set_range(&p->siblings, (int)first,
                                    (int)(first + h->threads - 1));
            }
        }
    }
    if (np_topo_finish(t, NULL))
        abort();
    snap->has_guests = true;
    snap->backend = "bench";
}

enum mix_kind { MIX_85, MIX_100, MIX_MEM, MIX_CPU, MIX_1000 };

static const char *const mix_names[] = {"mixed-85%", "mixed-100%", "mem-tight",
                                        "cpu-tight", "1000x1vcpu"};

/* The mixes of the first benchmark (same generator, same seeds), and the
 * CPU-tight one: vCPUs to every CPU, half a GiB per vCPU. */
static unsigned int make_mix(const struct np_snapshot *snap, enum mix_kind mk,
                             unsigned int seed, struct guest_spec **out)
{
    static const unsigned int sizes[] = {1, 2, 2, 4, 4, 4, 8, 8, 16};
    unsigned int cpus = np_topo_nr_online_cpus(&snap->topo), used = 0, nr = 0;
    unsigned int fill = mk == MIX_85 ? 85 : 100, cap;
    uint64_t free_mem = 0, used_mem = 0;
    struct guest_spec *g;

    np_topo_mem_free(&snap->topo, &free_mem);
    cap = mk == MIX_1000 ? 1000 : cpus + 1;
    g = calloc(cap, sizeof(*g));
    lcg_state = seed;
    while (nr < cap) {
        unsigned int v = mk == MIX_1000 ? 1 : sizes[lcg() % 9];
        uint64_t m = mk == MIX_1000  ? (1 + lcg() % 4) * GIB / 2
                     : mk == MIX_MEM ? (uint64_t)v * (2 + lcg() % 5) * GIB
                     : mk == MIX_CPU ? (uint64_t)v * GIB / 2
                                     : (uint64_t)v * (1 + lcg() % 3) * GIB;

        if (mk != MIX_1000 && (used + v) * 100 > cpus * fill)
            break;
        if (mk == MIX_MEM && (used_mem + m) * 100 > free_mem * 95)
            break;
        used_mem += m;
        if (m > free_mem / 2)
            m = free_mem / 4;
        g[nr].vcpus = v;
        g[nr].mem_kib = m;
        used += v;
        nr++;
    }
    *out = g;
    return nr;
}

int node_index_of(const struct instance *in, int id)
{
    unsigned int i;

    for (i = 0; i < in->nr_nodes; i++)
        if (in->node_id[i] == id)
            return (int)i;
    return -1;
}

unsigned int instance_nr(const struct instance *in)
{
    return in->nr_old + in->nr_new;
}

static void instance_setup(struct instance *in)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int n;

    in->nr_nodes = np_topo_nr_nodes(t);
    in->node_id = calloc(in->nr_nodes, sizeof(*in->node_id));
    in->nr_nodes = 0;
    for (n = 0; n < t->nr_node_ids; n++)
        if (t->nodes[n].present)
            in->node_id[in->nr_nodes++] = (int)n;
}

void instance_dispose(struct instance *in)
{
    unsigned int i;

    for (i = 0; i < in->nr_old; i++)
        gplace_dispose(&in->old[i]);
    free(in->old);
    free(in->guests);
    free(in->node_id);
    np_snapshot_dispose(&in->snap);
}

/*
 * Pre-fill: place the first nr_old guests of gs one at a time with
 * numapin (`place`, each seeing the ones before it), as a host that
 * numapin itself filled.  Those that fit become guests of the snapshot,
 * pinned, their memory taken from the nodes.
 */
static void prefill(struct instance *in, const struct guest_spec *gs,
                    unsigned int nr_old)
{
    struct np_topo *t = &in->snap.topo;
    unsigned int i, v, k = 0;
    int n;

    in->old = calloc(nr_old + 1, sizeof(*in->old));
    for (i = 0; i < nr_old; i++) {
        struct np_solve_req req;
        struct np_new_guest ng = {"g", gs[i].vcpus, gs[i].mem_kib};
        struct np_plan plan;
        struct np_plan_guest *pg;
        struct np_guest *g;
        char name[16];

        np_solve_req_init(&req);
        req.explain = false;
        req.policy = in->policy;
        req.new_guests = &ng;
        req.nr_new = 1;
        np_solve(&in->snap, &req, &plan, NULL);
        pg = &plan.guests[0];
        if (!pg->placed) {
            np_plan_dispose(&plan);
            continue;
        }
        snprintf(name, sizeof(name), "old%u", k);
        np_snapshot_add_guest(&in->snap, (int)k + 1, name, pg->nr_vcpus, false,
                              &g);
        g->mem_kib = pg->mem_kib;
        g->mem_per_node_kib = calloc(t->nr_node_ids, sizeof(uint64_t));
        for (v = 0; v < pg->nr_vcpus; v++)
            np_cpumap_copy(&g->vcpus[v].hard, &pg->hard[v]);
        for (n = 0; n < (int)t->nr_node_ids; n++) {
            g->mem_per_node_kib[n] = pg->mem_per_node_kib[n];
            t->nodes[n].mem_free_kib -= pg->mem_per_node_kib[n];
        }
        in->guests[k] = gs[i];
        k++;
        np_plan_dispose(&plan);
    }
    in->nr_old = k;
}

/* The place of the guests already there, from the snapshot. */
static void old_places(struct instance *in)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int i, v;

    for (i = 0; i < in->nr_old; i++) {
        const struct np_guest *g = &in->snap.guests[i];
        struct gplace *p = &in->old[i];
        int n, cpu;

        gplace_init(p, in);
        p->placed = true;
        p->pinned = true;
        for (v = 0; v < g->nr_vcpus; v++) {
            cpu = np_cpumap_next(&g->vcpus[v].hard, -1);
            np_cpumap_set(&p->aff, cpu);
            p->vcpu_on[node_index_of(in, t->cpus[cpu].node)] += 1;
        }
        for (n = 0; n < (int)t->nr_node_ids; n++)
            if (t->nodes[n].present)
                p->mem_on[node_index_of(in, n)] = g->mem_per_node_kib[n];
    }
}

struct plan_item {
    const struct host_spec *host;
    enum mix_kind mix;
    enum np_policy policy;
    unsigned int seed;
    unsigned int prefill_pct; /* 0: none; else that share pre-filled */
    bool prefill_only;        /* no new guests */
    const char *family;
};

static void add_instance(struct instance **v, unsigned int *nr,
                         const struct plan_item *it)
{
    struct instance *in;
    struct guest_spec *gs;
    unsigned int nr_g, nr_old, i;

    *v = realloc(*v, (*nr + 1) * sizeof(**v));
    in = &(*v)[(*nr)++];
    memset(in, 0, sizeof(*in));
    build_host(&in->snap, it->host, NULL);
    instance_setup(in);
    in->policy = it->policy;
    in->family = it->family;
    nr_g = make_mix(&in->snap, it->mix, it->seed, &gs);
    in->guests = calloc(nr_g + 1, sizeof(*in->guests));
    nr_old = it->prefill_pct ? nr_g * it->prefill_pct / 100 : 0;
    if (it->prefill_only)
        nr_old = nr_g;
    if (nr_old)
        prefill(in, gs, nr_old);
    for (i = nr_old; i < nr_g && !it->prefill_only; i++)
        in->guests[in->nr_old + in->nr_new++] = gs[i];
    old_places(in);
    snprintf(in->name, sizeof(in->name), "%s %s%s%s%s", it->host->name,
             mix_names[it->mix],
             it->policy == NP_POLICY_ISOLATE ? " isolate" : "",
             it->prefill_only  ? " prefilled"
             : it->prefill_pct ? " prefilled+new"
                               : "",
             "");
    free(gs);
}

/* The ring case: one 4-vCPU / 30 GiB guest, 10 GiB free on each of
 * 4 nodes at 10/16/22. */
static void add_ring_case(struct instance **v, unsigned int *nr)
{
    static const struct host_spec ring = {"4n-ring-10g", 4,    4,     1, 0, 0,
                                          false,         true, false, 10};
    struct instance *in;

    *v = realloc(*v, (*nr + 1) * sizeof(**v));
    in = &(*v)[(*nr)++];
    memset(in, 0, sizeof(*in));
    build_host(&in->snap, &ring, NULL);
    instance_setup(in);
    in->family = "issue cases";
    in->guests = calloc(1, sizeof(*in->guests));
    in->guests[0].vcpus = 4;
    in->guests[0].mem_kib = 30 * GIB;
    in->nr_new = 1;
    in->small = true;
    snprintf(in->name, sizeof(in->name), "4n-ring-10g 4vcpu/30G");
}

/* Small random instances: 3 or 4 nodes, 5 guests (the exhaustive search
 * runs on them). */
static void add_small(struct instance **v, unsigned int *nr, unsigned int per)
{
    static const struct host_spec small[] = {
        {"3n", 3, 4, 1, 0, 0, true, true, false, 8},
        {"4n", 4, 3, 1, 0, 0, true, false, false, 6},
        {"4n-memonly", 4, 4, 1, 1, 0, false, false, false, 8},
        {"4n-smt", 4, 2, 2, 0, 0, false, true, false, 6},
    };
    unsigned int s, seed, i;

    for (s = 0; s < sizeof(small) / sizeof(small[0]); s++) {
        for (seed = 1; seed <= per; seed++) {
            struct instance *in;

            *v = realloc(*v, (*nr + 1) * sizeof(**v));
            in = &(*v)[(*nr)++];
            memset(in, 0, sizeof(*in));
            build_host(&in->snap, &small[s], NULL);
            instance_setup(in);
            in->family = "small (exhaustive)";
            in->small = true;
            in->guests = calloc(5, sizeof(*in->guests));
            lcg_state = seed * 7919 + s;
            for (i = 0; i < 5; i++) {
                in->guests[i].vcpus = 1 + lcg() % 4;
                in->guests[i].mem_kib = (1 + lcg() % 10) * GIB / 2;
            }
            in->nr_new = 5;
            snprintf(in->name, sizeof(in->name), "%s small #%u", small[s].name,
                     seed);
        }
    }
}

void bench_thousand(struct instance *in)
{
    static const struct host_spec h64 = {"64n-1024cpu", 64,    8,     2, 0, 0,
                                         false,         false, false, 64};
    struct guest_spec *gs;
    unsigned int nr;

    memset(in, 0, sizeof(*in));
    build_host(&in->snap, &h64, NULL);
    instance_setup(in);
    in->family = "mixes";
    nr = make_mix(&in->snap, MIX_1000, 1053, &gs);
    in->guests = calloc(nr + 1, sizeof(*in->guests));
    prefill(in, gs, nr);
    old_places(in);
    snprintf(in->name, sizeof(in->name), "64n-1024cpu 1000x1vcpu prefilled");
    free(gs);
}

unsigned int bench_instances(struct instance **out, bool quick)
{
    static const struct host_spec hosts[] = {
        {"2n-32cpu-smt", 2, 8, 2, 0, 0, false, false, false, 64},
        {"2n-16cpu", 2, 8, 1, 0, 0, false, false, false, 64},
        {"4n-ring-uneven", 4, 8, 2, 0, 0, true, true, false, 64},
        {"8n-2memonly", 8, 8, 2, 2, 0, false, false, false, 64},
        {"8n-cpuonly-memonly", 8, 8, 1, 2, 2, false, false, false, 64},
        {"8n-sparse", 8, 6, 1, 0, 0, true, true, true, 48},
        {"16n-256cpu", 16, 8, 2, 0, 0, true, false, false, 64},
        {"32n-512cpu-ring", 32, 8, 2, 0, 0, false, true, false, 64},
        {"64n-1024cpu", 64, 8, 2, 0, 0, false, false, false, 64},
        {"128n-1024cpu", 128, 4, 2, 0, 0, false, false, false, 32},
        {"256n-2048cpu", 256, 4, 2, 0, 0, false, true, false, 32},
    };
    static const enum mix_kind mixes[] = {MIX_85, MIX_100, MIX_MEM, MIX_CPU};
    struct instance *v = NULL;
    unsigned int nr = 0, h, x;

    for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
        for (x = 0; x < 4; x++) {
            struct plan_item it = {
                &hosts[h], mixes[x], NP_POLICY_PREFER, 1000 + h * 10 + x,
                0,         false,    "mixes"};

            if (quick && h > 3)
                continue;
            add_instance(&v, &nr, &it);
            /* isolate on SMT hosts, CPU-tight and 85 % */
            if (hosts[h].threads > 1 && (x == 0 || x == 3) &&
                hosts[h].nodes <= 64) {
                it.policy = NP_POLICY_ISOLATE;
                it.family = "isolate";
                add_instance(&v, &nr, &it);
            }
        }
    }
    if (!quick) {
        struct plan_item it = {&hosts[8], MIX_1000, NP_POLICY_PREFER, 1053,
                               0,         false,    "mixes"};

        add_instance(&v, &nr, &it);
    }
    /* pre-filled by numapin one guest at a time: alone, and with new
     * guests */
    for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
        struct plan_item it = {&hosts[h], MIX_85, NP_POLICY_PREFER, 2000 + h,
                               0,         true,   "pre-filled"};

        if (h != 0 && h != 3 && h != 6 && h != 8)
            continue;
        if (quick && h > 3)
            continue;
        add_instance(&v, &nr, &it);
        it.prefill_only = false;
        it.prefill_pct = 70;
        it.mix = MIX_100;
        add_instance(&v, &nr, &it);
    }
    add_ring_case(&v, &nr);
    add_small(&v, &nr, quick ? 3 : 15);
    *out = v;
    return nr;
}
