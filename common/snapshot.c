/*
 * snapshot.c: a host and its guests, as plain data.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

void np_snapshot_init(struct np_snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    np_topo_init(&snap->topo);
}

static void guest_dispose(struct np_guest *g)
{
    unsigned int i;

    for (i = 0; i < g->nr_vcpus; i++) {
        np_cpumap_dispose(&g->vcpus[i].hard);
        np_cpumap_dispose(&g->vcpus[i].soft);
    }
    free(g->vcpus);
    free(g->name);
    free(g->mem_per_node_kib);
    np_cpumap_dispose(&g->node_affinity);
    memset(g, 0, sizeof(*g));
}

void np_snapshot_dispose(struct np_snapshot *snap)
{
    unsigned int i;

    for (i = 0; i < snap->nr_guests; i++)
        guest_dispose(&snap->guests[i]);
    free(snap->guests);
    np_topo_dispose(&snap->topo);
    np_snapshot_init(snap);
}

int np_snapshot_add_guest(struct np_snapshot *snap, int id, const char *name,
                          unsigned int nr_vcpus, bool with_soft,
                          struct np_guest **guest_out)
{
    struct np_guest *guests, *g;
    unsigned int i;
    int rc = -ENOMEM;

    guests = realloc(snap->guests, (snap->nr_guests + 1) * sizeof(*guests));
    if (!guests)
        return -ENOMEM;
    snap->guests = guests;
    g = &guests[snap->nr_guests];
    memset(g, 0, sizeof(*g));
    np_cpumap_init(&g->node_affinity);
    g->id = id;
    g->name = strdup(name ? name : "");
    g->vcpus = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(*g->vcpus));
    if (!g->name || !g->vcpus)
        goto out;
    g->nr_vcpus = nr_vcpus;
    for (i = 0; i < nr_vcpus; i++) {
        struct np_vcpu *v = &g->vcpus[i];

        v->id = (int)i;
        v->cpu = -1;
        np_cpumap_init(&v->hard);
        np_cpumap_init(&v->soft);
        if (np_cpumap_alloc(&v->hard, snap->topo.nr_cpu_ids))
            goto out;
        if (with_soft && np_cpumap_alloc(&v->soft, snap->topo.nr_cpu_ids))
            goto out;
    }
    if (np_cpumap_alloc(&g->node_affinity, snap->topo.nr_node_ids))
        goto out;
    snap->nr_guests++;
    if (guest_out)
        *guest_out = g;
    rc = 0;
out:
    if (rc)
        guest_dispose(g);
    return rc;
}

struct np_guest *np_snapshot_find_guest(const struct np_snapshot *snap,
                                        const char *s)
{
    unsigned int i;
    char *end;
    long id;

    for (i = 0; i < snap->nr_guests; i++)
        if (!strcmp(snap->guests[i].name, s))
            return &snap->guests[i];
    if (!*s || *s < '0' || *s > '9')
        return NULL;
    id = strtol(s, &end, 10);
    if (*end || id > INT_MAX)
        return NULL;
    for (i = 0; i < snap->nr_guests; i++)
        if (snap->guests[i].id == id)
            return &snap->guests[i];
    return NULL;
}
