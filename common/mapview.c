/*
 * mapview.c: the map as data (mapview.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapview.h"

void np_mapview_init(struct np_mapview *mv)
{
    memset(mv, 0, sizeof(*mv));
}

void np_mapview_dispose(struct np_mapview *mv)
{
    unsigned int i;

    for (i = 0; mv->cpus && i < mv->nr_cpus; i++) {
        free(mv->cpus[i].pinned);
        free(mv->cpus[i].bound);
    }
    free(mv->cpus);
    np_mapview_init(mv);
}

bool np_mapview_vcpu_limited(const struct np_topo *topo,
                             const struct np_vcpu *vc)
{
    unsigned int i;

    if (!vc->hard.nr_bits || np_cpumap_is_empty(&vc->hard))
        return false;
    for (i = 0; i < topo->nr_cpu_ids; i++)
        if (topo->cpus[i].present && !np_cpumap_test(&vc->hard, (int)i))
            return true;
    return false;
}

/* Map order: node (unknown last), socket, core, cpu. */
static int cmp_cpu(const void *pa, const void *pb)
{
    const struct np_mapview_cpu *a = pa, *b = pb;
    unsigned int na = (unsigned int)a->node, nb = (unsigned int)b->node;

    if (na != nb)
        return na < nb ? -1 : 1;
    if (a->socket != b->socket)
        return a->socket < b->socket ? -1 : 1;
    if (a->core != b->core)
        return a->core < b->core ? -1 : 1;
    return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

static int add_ref(struct np_mapview_ref **list, unsigned int *nr,
                   unsigned int guest, int vcpu)
{
    struct np_mapview_ref *n = realloc(*list, (*nr + 1) * sizeof(**list));

    if (!n)
        return -ENOMEM;
    n[*nr].guest = guest;
    n[*nr].vcpu = vcpu;
    *list = n;
    (*nr)++;
    return 0;
}

int np_mapview_build(const struct np_snapshot *snap, struct np_mapview *mv)
{
    const struct np_topo *topo = &snap->topo;
    unsigned int i, g, v, k, nr = 0;
    int *slot = NULL, rc = -ENOMEM;

    np_mapview_dispose(mv);
    mv->cpus =
        calloc(topo->nr_cpu_ids ? topo->nr_cpu_ids : 1, sizeof(*mv->cpus));
    slot = calloc(topo->nr_cpu_ids ? topo->nr_cpu_ids : 1, sizeof(*slot));
    if (!mv->cpus || !slot)
        goto out;
    for (i = 0; i < topo->nr_cpu_ids; i++) {
        const struct np_cpu *c = &topo->cpus[i];

        if (!c->present)
            continue;
        mv->cpus[nr].cpu = (int)i;
        mv->cpus[nr].node = c->node;
        mv->cpus[nr].socket = c->socket;
        mv->cpus[nr].core = c->core;
        mv->cpus[nr].online = c->online;
        nr++;
    }
    mv->nr_cpus = nr;
    qsort(mv->cpus, nr, sizeof(*mv->cpus), cmp_cpu);
    for (k = 0; k < nr; k++)
        slot[mv->cpus[k].cpu] = (int)k;

    for (g = 0; g < snap->nr_guests; g++) {
        const struct np_guest *gu = &snap->guests[g];

        if (gu->vcpus_unknown)
            continue; /* where its vCPUs may run is not known */
        for (v = 0; v < gu->nr_vcpus; v++) {
            const struct np_vcpu *vc = &gu->vcpus[v];
            bool limited = np_mapview_vcpu_limited(topo, vc);
            bool one = limited && np_cpumap_weight(&vc->hard) == 1;

            for (k = 0; k < nr; k++) {
                struct np_mapview_cpu *c = &mv->cpus[k];

                if (limited && !np_cpumap_test(&vc->hard, c->cpu))
                    continue;
                if (!limited) {
                    c->nr_floating += vc->online;
                    continue;
                }
                rc = one ? add_ref(&c->pinned, &c->nr_pinned, g, vc->id)
                         : add_ref(&c->bound, &c->nr_bound, g, vc->id);
                if (rc)
                    goto out;
            }
        }
    }
    /* overlaps: two guests among a CPU's pins and bindings */
    for (k = 0; k < nr; k++) {
        struct np_mapview_cpu *c = &mv->cpus[k];
        int first = -1;

        for (i = 0; i < c->nr_pinned + c->nr_bound && !c->overlap; i++) {
            const struct np_mapview_ref *r =
                i < c->nr_pinned ? &c->pinned[i] : &c->bound[i - c->nr_pinned];

            if (first < 0)
                first = (int)r->guest;
            else if (first != (int)r->guest)
                c->overlap = true;
        }
        mv->nr_overlaps += c->overlap;
    }
    rc = 0;
out:
    free(slot);
    if (rc)
        np_mapview_dispose(mv);
    return rc;
}
