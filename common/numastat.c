/*
 * numastat.c: memory per guest per node, local shares, and the numastat
 * layouts (see numastat.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "numastat.h"

int np_backend_measure_memory(struct np_backend *be, struct np_snapshot *snap,
                              struct np_err *err)
{
    if (!be || !be->ops || !be->ops->measure_memory)
        return np_err_set(
            err, -EOPNOTSUPP,
            "the %s backend cannot measure where guests' memory is",
            be && be->ops ? be->ops->name : "current");
    return be->ops->measure_memory(be, snap, err);
}

/* The nodes of the CPUs of map into nodes. */
static void nodes_of(const struct np_topo *t, const struct np_cpumap *map,
                     struct np_cpumap *nodes)
{
    int cpu;

    np_cpumap_for_each(cpu, map)
    {
        if (cpu >= (int)t->nr_cpu_ids || !t->cpus[cpu].present)
            continue;
        if (t->cpus[cpu].node >= 0 && t->cpus[cpu].node < (int)t->nr_node_ids)
            np_cpumap_set(nodes, t->cpus[cpu].node);
    }
}

int np_guest_run_nodes(const struct np_topo *t, const struct np_guest *g,
                       struct np_cpumap *nodes)
{
    struct np_cpumap all;
    bool hard_all = true, have_soft = false;
    unsigned int v;
    int rc;

    np_cpumap_init(nodes);
    np_cpumap_init(&all);
    rc = np_cpumap_alloc(nodes, t->nr_node_ids);
    if (!rc)
        rc = np_topo_all_cpus(t, &all);
    if (rc) {
        np_cpumap_dispose(nodes);
        return rc;
    }
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_vcpu *vc = &g->vcpus[v];

        if (!np_cpumap_subset(&all, &vc->hard))
            hard_all = false;
        if (vc->soft.nr_bits && !np_cpumap_subset(&all, &vc->soft))
            have_soft = true;
    }
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_vcpu *vc = &g->vcpus[v];

        nodes_of(t, hard_all && have_soft ? &vc->soft : &vc->hard, nodes);
    }
    np_cpumap_dispose(&all);
    return 0;
}

uint64_t np_guest_mem_measured(const struct np_topo *t,
                               const struct np_guest *g)
{
    uint64_t sum = 0;
    unsigned int n;

    if (!g->mem_per_node_kib)
        return 0;
    for (n = 0; n < t->nr_node_ids; n++)
        sum += g->mem_per_node_kib[n];
    return sum;
}

double np_guest_local_pct(const struct np_topo *t, const struct np_guest *g)
{
    struct np_cpumap nodes;
    uint64_t total = np_guest_mem_measured(t, g), local = 0;
    int n;

    if (!total || np_guest_run_nodes(t, g, &nodes))
        return -1;
    if (np_cpumap_is_empty(&nodes)) {
        np_cpumap_dispose(&nodes);
        return -1;
    }
    np_cpumap_for_each(n, &nodes) local += g->mem_per_node_kib[n];
    np_cpumap_dispose(&nodes);
    return 100.0 * (double)local / (double)total;
}

static bool in_estimate(const struct np_topo *t, const struct np_guest *g,
                        unsigned int n, bool by_affinity)
{
    return np_topo_node_has_memory(t, (int)n) &&
           (!by_affinity || np_cpumap_test(&g->node_affinity, (int)n));
}

void np_guest_estimate_kib(const struct np_topo *t, const struct np_guest *g,
                           uint64_t *kib)
{
    unsigned int n, k = 0;
    bool by_affinity = g->node_affinity.nr_bits > 0;
    uint64_t rest;

    for (n = 0; n < t->nr_node_ids; n++) {
        kib[n] = 0;
        k += in_estimate(t, g, n, by_affinity);
    }
    if (!k) {
        /* no node with memory in the affinity: every node with memory */
        by_affinity = false;
        for (n = 0; n < t->nr_node_ids; n++)
            k += in_estimate(t, g, n, by_affinity);
    }
    rest = k ? g->mem_kib % k : 0;
    for (n = 0; n < t->nr_node_ids && k; n++) {
        if (!in_estimate(t, g, n, by_affinity))
            continue;
        kib[n] = g->mem_kib / k + rest;
        rest = 0; /* the remainder goes to the first node */
    }
}

int np_guest_estimate_memory(const struct np_topo *t, struct np_guest *g)
{
    uint64_t *kib = calloc(t->nr_node_ids + 1, sizeof(*kib));

    if (!kib)
        return -ENOMEM;
    np_guest_estimate_kib(t, g, kib);
    free(g->mem_per_node_kib);
    g->mem_per_node_kib = kib;
    g->mem_source = NP_MEM_ESTIMATED;
    return 0;
}

static const struct np_guest *nth(const struct np_snapshot *snap,
                                  const struct np_guest *const *guests,
                                  unsigned int i)
{
    return guests ? guests[i] : &snap->guests[i];
}

static double mib(uint64_t kib)
{
    return (double)kib / 1024.0;
}

int np_numastat_text(FILE *f, const struct np_snapshot *snap,
                     const struct np_guest *const *guests,
                     unsigned int nr_guests)
{
    const struct np_topo *t = &snap->topo;
    unsigned int nr = guests ? nr_guests : snap->nr_guests, i, n;
    const char *src = NULL;
    bool mixed = false;
    uint64_t *sum, total = 0;
    char label[64], col[32];

    sum = calloc(t->nr_node_ids + 1, sizeof(*sum));
    if (!sum)
        return -ENOMEM;
    for (i = 0; i < nr; i++) {
        const struct np_guest *g = nth(snap, guests, i);

        if (!g->mem_per_node_kib || !g->mem_source)
            continue;
        if (src && strcmp(src, g->mem_source))
            mixed = true;
        else
            src = g->mem_source;
    }
    fprintf(f, "\nPer-node guest memory usage (in MiBs)%s%s\n",
            src && !mixed ? ", from " : "", src && !mixed ? src : "");
    fprintf(f, "%-24s", "Guest");
    for (n = 0; n < t->nr_node_ids; n++) {
        if (!np_topo_node_has_memory(t, (int)n))
            continue;
        snprintf(col, sizeof(col), "Node %u", n);
        fprintf(f, " %15s", col);
    }
    fprintf(f, " %15s %7s\n", "Total", "Local");
    fprintf(f, "------------------------");
    for (n = 0; n < t->nr_node_ids; n++)
        if (np_topo_node_has_memory(t, (int)n))
            fprintf(f, " ---------------");
    fprintf(f, " --------------- -------\n");
    for (i = 0; i < nr; i++) {
        const struct np_guest *g = nth(snap, guests, i);
        uint64_t gt = np_guest_mem_measured(t, g);
        double pct = np_guest_local_pct(t, g);

        snprintf(label, sizeof(label), "%d (%.40s)", g->id,
                 g->name ? g->name : "");
        fprintf(f, "%-24s", label);
        for (n = 0; n < t->nr_node_ids; n++) {
            if (!np_topo_node_has_memory(t, (int)n))
                continue;
            if (g->mem_per_node_kib) {
                fprintf(f, " %15.2f", mib(g->mem_per_node_kib[n]));
                sum[n] += g->mem_per_node_kib[n];
            } else {
                fprintf(f, " %15s", "-");
            }
        }
        if (g->mem_per_node_kib) {
            fprintf(f, " %15.2f", mib(gt));
            total += gt;
        } else {
            fprintf(f, " %15s", "-");
        }
        if (pct >= 0)
            fprintf(f, " %6.1f%%\n", pct);
        else
            fprintf(f, " %7s\n", "-");
    }
    fprintf(f, "------------------------");
    for (n = 0; n < t->nr_node_ids; n++)
        if (np_topo_node_has_memory(t, (int)n))
            fprintf(f, " ---------------");
    fprintf(f, " --------------- -------\n");
    fprintf(f, "%-24s", "Total");
    for (n = 0; n < t->nr_node_ids; n++)
        if (np_topo_node_has_memory(t, (int)n))
            fprintf(f, " %15.2f", mib(sum[n]));
    fprintf(f, " %15.2f\n", mib(total));
    free(sum);
    for (i = 0; i < nr; i++) {
        const struct np_guest *g = nth(snap, guests, i);
        double pct = np_guest_local_pct(t, g);

        if (!g->mem_per_node_kib)
            fprintf(f, "note: where the memory of '%s' is is unknown\n",
                    g->name ? g->name : "");
        else if (pct >= 0 && pct < 50.0)
            fprintf(f,
                    "note: '%s' has %.1f%% of its memory on nodes where its "
                    "vCPUs do not run\n",
                    g->name ? g->name : "", 100.0 - pct);
    }
    return 0;
}

static void add(json_object *o, const char *key, json_object *v, bool *oom)
{
    /* v NULL is json's null: only a failed add is out of memory */
    if (json_object_object_add(o, key, v)) {
        json_object_put(v);
        *oom = true;
    }
}

static json_object *u64(uint64_t v)
{
    return v > INT64_MAX ? json_object_new_uint64(v)
                         : json_object_new_int64((int64_t)v);
}

json_object *np_numastat_json_guests(const struct np_snapshot *snap,
                                     const struct np_guest *const *guests,
                                     unsigned int nr_guests)
{
    const struct np_topo *t = &snap->topo;
    unsigned int nr = guests ? nr_guests : snap->nr_guests, i, n;
    json_object *arr = json_object_new_array(), *o, *mem;
    bool oom = !arr;
    char key[16];

    for (i = 0; i < nr && !oom; i++) {
        const struct np_guest *g = nth(snap, guests, i);
        double pct = np_guest_local_pct(t, g);

        o = json_object_new_object();
        if (!o || json_object_array_add(arr, o)) {
            json_object_put(o);
            oom = true;
            break;
        }
        add(o, "name", json_object_new_string(g->name ? g->name : ""), &oom);
        add(o, "id", json_object_new_int(g->id), &oom);
        if (g->mem_per_node_kib) {
            mem = json_object_new_object();
            if (!mem) {
                oom = true;
                break;
            }
            add(o, "memory_per_node_kib", mem, &oom);
            for (n = 0; n < t->nr_node_ids; n++) {
                if (!np_topo_node_has_memory(t, (int)n))
                    continue;
                snprintf(key, sizeof(key), "%u", n);
                add(mem, key, u64(g->mem_per_node_kib[n]), &oom);
            }
            add(o, "total_kib", u64(np_guest_mem_measured(t, g)), &oom);
        } else {
            add(o, "memory_per_node_kib", NULL, &oom);
            add(o, "total_kib", NULL, &oom);
        }
        snprintf(key, sizeof(key), "%.1f", pct);
        add(o, "local_pct",
            pct >= 0 ? json_object_new_double_s(pct, key) : NULL, &oom);
        add(o, "source",
            g->mem_per_node_kib && g->mem_source
                ? json_object_new_string(g->mem_source)
                : NULL,
            &oom);
    }
    if (oom) {
        json_object_put(arr);
        return NULL;
    }
    return arr;
}

int np_numastat_json(const struct np_snapshot *snap,
                     const struct np_guest *const *guests,
                     unsigned int nr_guests, char **out, struct np_err *err)
{
    json_object *root = json_object_new_object(), *arr;
    const char *text;
    bool oom = !root;

    *out = NULL;
    arr = oom ? NULL : np_numastat_json_guests(snap, guests, nr_guests);
    if (!arr)
        oom = true;
    else
        add(root, "guests", arr, &oom);
    if (!oom) {
        text = json_object_to_json_string_ext(
            root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                      JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(out, "%s\n", text) < 0) {
            *out = NULL;
            oom = true;
        }
    }
    json_object_put(root);
    if (oom)
        return np_err_set(err, -ENOMEM, "out of memory while formatting json");
    return 0;
}
