/*
 * topo.c: the host topology model.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "str.h"

void np_topo_init(struct np_topo *topo)
{
    memset(topo, 0, sizeof(*topo));
}

void np_topo_dispose(struct np_topo *topo)
{
    unsigned int i;

    for (i = 0; i < topo->nr_cpu_ids && topo->cpus; i++)
        np_cpumap_dispose(&topo->cpus[i].siblings);
    for (i = 0; i < topo->nr_node_ids && topo->nodes; i++)
        np_cpumap_dispose(&topo->nodes[i].cpus);
    free(topo->cpus);
    free(topo->nodes);
    free(topo->distances);
    free(topo->cpu_model);
    free(topo->source);
    np_hw_free(topo->hw);
    np_topo_init(topo);
}

int np_topo_alloc(struct np_topo *topo, unsigned int nr_cpu_ids,
                  unsigned int nr_node_ids)
{
    unsigned int i;

    np_topo_dispose(topo);
    if (!nr_cpu_ids || !nr_node_ids || nr_cpu_ids > NP_MAX_CPU_IDS ||
        nr_node_ids > NP_MAX_NODE_IDS)
        return -EINVAL;
    topo->cpus = calloc(nr_cpu_ids, sizeof(*topo->cpus));
    topo->nodes = calloc(nr_node_ids, sizeof(*topo->nodes));
    topo->distances =
        calloc((size_t)nr_node_ids * nr_node_ids, sizeof(*topo->distances));
    if (!topo->cpus || !topo->nodes || !topo->distances) {
        free(topo->cpus);
        free(topo->nodes);
        free(topo->distances);
        np_topo_init(topo);
        return -ENOMEM;
    }
    topo->nr_cpu_ids = nr_cpu_ids;
    topo->nr_node_ids = nr_node_ids;
    for (i = 0; i < nr_cpu_ids; i++) {
        struct np_cpu *c = &topo->cpus[i];

        c->socket = c->die = c->core = c->node = -1;
        np_cpumap_init(&c->siblings);
    }
    for (i = 0; i < nr_node_ids; i++)
        np_cpumap_init(&topo->nodes[i].cpus);
    return 0;
}

int np_topo_copy(struct np_topo *dst, const struct np_topo *src)
{
    unsigned int i;
    int rc;

    if (dst == src)
        return 0;
    rc = np_topo_alloc(dst, src->nr_cpu_ids, src->nr_node_ids);
    if (rc)
        return rc;
    for (i = 0; i < src->nr_cpu_ids; i++) {
        struct np_cpumap sib = dst->cpus[i].siblings;

        dst->cpus[i] = src->cpus[i];
        dst->cpus[i].siblings = sib;
        rc = np_cpumap_copy(&dst->cpus[i].siblings, &src->cpus[i].siblings);
        if (rc)
            goto out;
    }
    for (i = 0; i < src->nr_node_ids; i++) {
        struct np_cpumap cpus = dst->nodes[i].cpus;

        dst->nodes[i] = src->nodes[i];
        dst->nodes[i].cpus = cpus;
        rc = np_cpumap_copy(&dst->nodes[i].cpus, &src->nodes[i].cpus);
        if (rc)
            goto out;
    }
    memcpy(dst->distances, src->distances,
           (size_t)src->nr_node_ids * src->nr_node_ids *
               sizeof(*src->distances));
    dst->cpu_mhz = src->cpu_mhz;
    dst->mem_total_kib = src->mem_total_kib;
    dst->cpu_model = np_str_dup(src->cpu_model, &rc);
    dst->source = np_str_dup(src->source, &rc);
    if (!rc)
        rc = np_hw_copy(&dst->hw, src->hw, src->nr_cpu_ids, src->nr_node_ids);
out:
    if (rc)
        np_topo_dispose(dst);
    return rc;
}

int np_topo_add_cpu(struct np_topo *topo, int cpu)
{
    if (cpu < 0 || (unsigned int)cpu >= topo->nr_cpu_ids)
        return -ERANGE;
    topo->cpus[cpu].present = true;
    topo->cpus[cpu].online = true;
    return 0;
}

int np_topo_add_node(struct np_topo *topo, int node)
{
    if (node < 0 || (unsigned int)node >= topo->nr_node_ids)
        return -ERANGE;
    topo->nodes[node].present = true;
    return 0;
}

bool np_topo_cpu_exists(const struct np_topo *topo, int cpu)
{
    return cpu >= 0 && (unsigned int)cpu < topo->nr_cpu_ids &&
           topo->cpus[cpu].present;
}

bool np_topo_node_exists(const struct np_topo *topo, int node)
{
    return node >= 0 && (unsigned int)node < topo->nr_node_ids &&
           topo->nodes[node].present;
}

/* A CPU's core, for grouping: (socket, die, core), then the id. */
struct core_key {
    int socket, die, core;
    unsigned int cpu;
};

static bool same_core(const struct core_key *a, const struct core_key *b)
{
    return a->socket == b->socket && a->die == b->die && a->core == b->core;
}

static int cmp_core(const void *pa, const void *pb)
{
    const struct core_key *a = pa, *b = pb;

    if (a->socket != b->socket)
        return a->socket < b->socket ? -1 : 1;
    if (a->die != b->die)
        return a->die < b->die ? -1 : 1;
    if (a->core != b->core)
        return a->core < b->core ? -1 : 1;
    return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

/*
 * Derive missing SMT sibling maps from (socket, die, core): the online
 * CPUs of one core are each other's siblings.  The CPUs are sorted by
 * core and each core's map built once (n log n: comparing every CPU with
 * every other took 17 s for 65,536 CPUs without sibling lists).
 */
static int derive_siblings(struct np_topo *topo)
{
    struct core_key *keys;
    struct np_cpumap group;
    unsigned int i, n = 0, start, end, k;
    int rc = 0;

    keys = calloc(topo->nr_cpu_ids + 1, sizeof(*keys));
    if (!keys)
        return -ENOMEM;
    for (i = 0; i < topo->nr_cpu_ids; i++) {
        const struct np_cpu *c = &topo->cpus[i];

        if (c->present && c->online && c->core >= 0 && c->socket >= 0)
            keys[n++] = (struct core_key){c->socket, c->die, c->core, i};
    }
    qsort(keys, n, sizeof(*keys), cmp_core);
    np_cpumap_init(&group);
    for (start = 0; !rc && start < n; start = end) {
        bool wanted = false;

        for (end = start; end < n && same_core(&keys[start], &keys[end]);
             end++) {
            const struct np_cpu *c = &topo->cpus[keys[end].cpu];

            if (!c->siblings.nr_bits || np_cpumap_is_empty(&c->siblings))
                wanted = true;
        }
        if (!wanted)
            continue;
        rc = np_cpumap_alloc(&group, topo->nr_cpu_ids);
        for (k = start; !rc && k < end; k++)
            rc = np_cpumap_set(&group, (int)keys[k].cpu);
        for (k = start; !rc && k < end; k++) {
            struct np_cpu *c = &topo->cpus[keys[k].cpu];

            if (c->siblings.nr_bits && !np_cpumap_is_empty(&c->siblings))
                continue;
            rc = np_cpumap_copy(&c->siblings, &group);
        }
        np_cpumap_dispose(&group);
    }
    free(keys);
    return rc;
}

int np_topo_finish(struct np_topo *topo, struct np_err *err)
{
    unsigned int i, a, b;
    int rc;

    if (!topo->nr_cpu_ids || !topo->nr_node_ids)
        return np_err_set(err, -EINVAL, "the topology has no cpus or nodes");
    if (np_topo_nr_nodes(topo) == 0)
        return np_err_set(err, -EINVAL, "the topology has no numa node");
    for (i = 0; i < topo->nr_node_ids; i++) {
        rc = np_cpumap_alloc(&topo->nodes[i].cpus, topo->nr_cpu_ids);
        if (rc)
            return rc;
    }
    for (i = 0; i < topo->nr_cpu_ids; i++) {
        const struct np_cpu *c = &topo->cpus[i];

        if (!c->present)
            continue;
        if (c->node >= 0 && !np_topo_node_exists(topo, c->node))
            return np_err_set(err, -EINVAL,
                              "cpu %u is on node %d, which does not exist", i,
                              c->node);
        if (c->siblings.nr_bits && c->siblings.nr_bits != topo->nr_cpu_ids) {
            rc = np_cpumap_resize(&topo->cpus[i].siblings, topo->nr_cpu_ids);
            if (rc)
                return rc;
        }
        if (c->online && c->node >= 0)
            np_cpumap_set(&topo->nodes[c->node].cpus, (int)i);
    }
    for (a = 0; a < topo->nr_node_ids; a++) {
        for (b = 0; b < topo->nr_node_ids; b++) {
            unsigned int d = topo->distances[a * topo->nr_node_ids + b];

            if (!d)
                continue;
            if (!topo->nodes[a].present || !topo->nodes[b].present)
                return np_err_set(
                    err, -EINVAL,
                    "distance given from node %u to node %u, but node %u does not exist",
                    a, b, topo->nodes[a].present ? b : a);
        }
    }
    return derive_siblings(topo);
}

unsigned int np_topo_distance(const struct np_topo *topo, int a, int b)
{
    if (!np_topo_node_exists(topo, a) || !np_topo_node_exists(topo, b))
        return 0;
    return topo
        ->distances[(unsigned int)a * topo->nr_node_ids + (unsigned int)b];
}

void np_topo_set_distance(struct np_topo *topo, int a, int b,
                          unsigned int value)
{
    if (a < 0 || b < 0 || (unsigned int)a >= topo->nr_node_ids ||
        (unsigned int)b >= topo->nr_node_ids)
        return;
    topo->distances[(unsigned int)a * topo->nr_node_ids + (unsigned int)b] =
        value;
}

int np_topo_cpu_node(const struct np_topo *topo, int cpu)
{
    return np_topo_cpu_exists(topo, cpu) ? topo->cpus[cpu].node : -1;
}

const struct np_cpumap *np_topo_node_cpus(const struct np_topo *topo, int node)
{
    return np_topo_node_exists(topo, node) ? &topo->nodes[node].cpus : NULL;
}

bool np_topo_node_has_cpus(const struct np_topo *topo, int node)
{
    return np_topo_node_exists(topo, node) &&
           !np_cpumap_is_empty(&topo->nodes[node].cpus);
}

bool np_topo_node_has_memory(const struct np_topo *topo, int node)
{
    return np_topo_node_exists(topo, node) &&
           topo->nodes[node].mem_total_kib > 0;
}

unsigned int np_topo_nr_cpus(const struct np_topo *topo)
{
    unsigned int i, n = 0;

    for (i = 0; i < topo->nr_cpu_ids; i++)
        n += topo->cpus[i].present;
    return n;
}

unsigned int np_topo_nr_online_cpus(const struct np_topo *topo)
{
    unsigned int i, n = 0;

    for (i = 0; i < topo->nr_cpu_ids; i++)
        n += topo->cpus[i].present && topo->cpus[i].online;
    return n;
}

unsigned int np_topo_nr_nodes(const struct np_topo *topo)
{
    unsigned int i, n = 0;

    for (i = 0; i < topo->nr_node_ids; i++)
        n += topo->nodes[i].present;
    return n;
}

int np_topo_max_cpu_id(const struct np_topo *topo)
{
    int i;

    for (i = (int)topo->nr_cpu_ids - 1; i >= 0; i--)
        if (topo->cpus[i].present)
            return i;
    return -1;
}

int np_topo_all_cpus(const struct np_topo *topo, struct np_cpumap *map)
{
    unsigned int i;
    int rc = np_cpumap_alloc(map, topo->nr_cpu_ids);

    if (rc)
        return rc;
    for (i = 0; i < topo->nr_cpu_ids; i++)
        if (topo->cpus[i].present)
            np_cpumap_set(map, (int)i);
    return 0;
}

int np_topo_all_nodes(const struct np_topo *topo, struct np_cpumap *map)
{
    unsigned int i;
    int rc = np_cpumap_alloc(map, topo->nr_node_ids);

    if (rc)
        return rc;
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->nodes[i].present)
            np_cpumap_set(map, (int)i);
    return 0;
}

int np_topo_all_maps(const struct np_topo *topo, struct np_cpumap *cpus,
                     struct np_cpumap *nodes)
{
    int rc = np_topo_all_cpus(topo, cpus);

    return rc ? rc : np_topo_all_nodes(topo, nodes);
}

static bool counts_cpu(const struct np_cpu *c)
{
    return c->present && c->online && c->socket >= 0;
}

void np_topo_shape(const struct np_topo *topo, unsigned int *sockets_out,
                   unsigned int *cores_per_socket_out,
                   unsigned int *threads_per_core_out)
{
    unsigned int i, n = 0, sockets = 0, cores = 0, threads = 0;
    unsigned int socket_cores = 0, core_threads = 0;
    struct core_key *keys;

    /* sorted by core (as derive_siblings()): one pass counts; all 0 when
     * out of memory */
    keys = calloc(topo->nr_cpu_ids + 1, sizeof(*keys));
    for (i = 0; keys && i < topo->nr_cpu_ids; i++) {
        const struct np_cpu *c = &topo->cpus[i];

        if (counts_cpu(c))
            keys[n++] = (struct core_key){c->socket, c->die, c->core, i};
    }
    if (keys)
        qsort(keys, n, sizeof(*keys), cmp_core);
    for (i = 0; i < n; i++) {
        if (!i || keys[i].socket != keys[i - 1].socket) {
            sockets++;
            socket_cores = 0;
        }
        if (!i || !same_core(&keys[i], &keys[i - 1])) {
            socket_cores++;
            core_threads = 0;
        }
        core_threads++;
        if (socket_cores > cores)
            cores = socket_cores;
        if (core_threads > threads)
            threads = core_threads;
    }
    free(keys);
    if (sockets_out)
        *sockets_out = sockets;
    if (cores_per_socket_out)
        *cores_per_socket_out = cores;
    if (threads_per_core_out)
        *threads_per_core_out = threads;
}

uint64_t np_topo_mem_total(const struct np_topo *topo)
{
    uint64_t sum = 0;
    unsigned int i;

    if (topo->mem_total_kib)
        return topo->mem_total_kib;
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->nodes[i].present)
            sum += topo->nodes[i].mem_total_kib;
    return sum;
}

int np_topo_mem_free(const struct np_topo *topo, uint64_t *kib_out)
{
    uint64_t sum = 0;
    unsigned int i;

    for (i = 0; i < topo->nr_node_ids; i++) {
        if (!topo->nodes[i].present)
            continue;
        if (!topo->nodes[i].mem_free_known)
            return -ENODATA;
        sum += topo->nodes[i].mem_free_kib;
    }
    *kib_out = sum;
    return 0;
}

int np_topo_set_source(struct np_topo *topo, const char *source)
{
    char *s = strdup(source);

    if (!s)
        return -ENOMEM;
    free(topo->source);
    topo->source = s;
    return 0;
}
