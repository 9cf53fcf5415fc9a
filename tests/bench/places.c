/*
 * places.c: where guests are, and the figures every tool is measured by.
 *
 *  placed / rejected  guests with a place / without (a guest that floats
 *                     over the whole host has no place);
 *  whole              guests whose vCPUs and memory are all on one node;
 *  remote GiB         distance-weighted remote memory: for each vCPU and
 *                     each GiB of its guest, (d - local) / local, over
 *                     the guest's vCPUs (every vCPU reaches all of its
 *                     guest's memory); 0 when everything is local;
 *  shared CPUs        CPUs in the affinity of more than one guest;
 *  shared cores       SMT cores whose threads are in the affinity of more
 *                     than one guest;
 *  peak               vCPUs per CPU on the busiest node.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void gplace_init(struct gplace *p, const struct instance *in)
{
    memset(p, 0, sizeof(*p));
    p->vcpu_on = calloc(in->nr_nodes, sizeof(*p->vcpu_on));
    p->mem_on = calloc(in->nr_nodes, sizeof(*p->mem_on));
    np_cpumap_init(&p->aff);
    np_cpumap_alloc(&p->aff, in->snap.topo.nr_cpu_ids);
}

void gplace_dispose(struct gplace *p)
{
    free(p->vcpu_on);
    free(p->mem_on);
    np_cpumap_dispose(&p->aff);
    memset(p, 0, sizeof(*p));
}

void gplace_copy(struct gplace *dst, const struct gplace *src,
                 const struct instance *in)
{
    dst->placed = src->placed;
    dst->pinned = src->pinned;
    memcpy(dst->vcpu_on, src->vcpu_on, in->nr_nodes * sizeof(*dst->vcpu_on));
    memcpy(dst->mem_on, src->mem_on, in->nr_nodes * sizeof(*dst->mem_on));
    np_cpumap_copy(&dst->aff, &src->aff);
}

/* A result with the guests already there where they are, the others not
 * placed. */
void result_init(struct result *r, const struct instance *in, const char *tool)
{
    unsigned int i, nr = instance_nr(in);

    memset(r, 0, sizeof(*r));
    r->tool = tool;
    r->ran = true;
    r->g = calloc(nr + 1, sizeof(*r->g));
    for (i = 0; i < nr; i++) {
        gplace_init(&r->g[i], in);
        if (i < in->nr_old)
            gplace_copy(&r->g[i], &in->old[i], in);
    }
}

void result_dispose(struct result *r, const struct instance *in)
{
    unsigned int i;

    for (i = 0; r->g && i < instance_nr(in); i++)
        gplace_dispose(&r->g[i]);
    free(r->g);
    r->g = NULL;
}

void result_metrics(const struct instance *in, const struct result *r,
                    struct metrics *m)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int nr = instance_nr(in), i, a, b, used;
    unsigned int *users = calloc(t->nr_cpu_ids + 1, sizeof(*users));
    int *last = malloc((t->nr_cpu_ids + 1) * sizeof(*last));
    double *load = calloc(in->nr_nodes + 1, sizeof(*load));
    int cpu, sib;

    memset(m, 0, sizeof(*m));
    for (cpu = 0; cpu < (int)t->nr_cpu_ids; cpu++)
        last[cpu] = -1;
    for (i = 0; i < nr; i++) {
        const struct gplace *p = &r->g[i];
        const struct guest_spec *g = &in->guests[i];

        if (!p->placed) {
            m->rejected++;
            continue;
        }
        m->placed++;
        used = 0;
        for (a = 0; a < in->nr_nodes; a++)
            used += p->vcpu_on[a] > 1e-9 || p->mem_on[a];
        m->whole += used == 1;
        for (a = 0; a < in->nr_nodes; a++) {
            if (p->vcpu_on[a] <= 1e-9)
                continue;
            load[a] += p->vcpu_on[a];
            for (b = 0; b < in->nr_nodes; b++) {
                unsigned int d =
                    np_topo_distance(t, in->node_id[a], in->node_id[b]);
                unsigned int l =
                    np_topo_distance(t, in->node_id[a], in->node_id[a]);

                m->remote_gib += p->vcpu_on[a] / g->vcpus *
                                 (double)p->mem_on[b] / (double)GIB *
                                 (double)(d - l) / (double)l;
            }
        }
        np_cpumap_for_each(cpu, &p->aff)
        {
            if (++users[cpu] == 2)
                m->shared_cpus++;
            if (last[cpu] < 0)
                last[cpu] = (int)i;
        }
    }
    /* a core is shared when threads of it are in the affinity of two
     * guests: one thread of two, or two threads of different ones */
    for (cpu = 0; cpu < (int)t->nr_cpu_ids; cpu++) {
        int owner = -1;
        bool shared = false;

        if (!t->cpus[cpu].present ||
            np_cpumap_weight(&t->cpus[cpu].siblings) < 2 ||
            np_cpumap_next(&t->cpus[cpu].siblings, -1) != cpu)
            continue;
        np_cpumap_for_each(sib, &t->cpus[cpu].siblings)
        {
            if (users[sib] > 1)
                shared = true;
            if (last[sib] >= 0 && owner >= 0 && last[sib] != owner)
                shared = true;
            if (last[sib] >= 0)
                owner = last[sib];
        }
        m->shared_cores += shared;
    }
    for (a = 0; a < in->nr_nodes; a++) {
        unsigned int c = np_cpumap_weight(&t->nodes[in->node_id[a]].cpus);

        if (c && load[a] / c > m->peak)
            m->peak = load[a] / c;
    }
    free(users);
    free(last);
    free(load);
}

/*
 * A numapin plan into r: plan guest k + first is guest k of the instance
 * (the plan lists new guests, then the guests already there, in snapshot
 * order; first is where the old ones start).  Counts the churn of the
 * guests already there.
 */
void result_from_plan(const struct instance *in, const struct np_plan *plan,
                      unsigned int first, struct result *r)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int k, v, a;

    for (k = 0; k < plan->nr_guests; k++) {
        const struct np_plan_guest *pg = &plan->guests[k];
        unsigned int gi = pg->is_new ? in->nr_old + k : k - first;
        struct gplace *p = &r->g[gi];
        bool moved = false;

        if (!pg->placed) {
            p->placed = false;
            if (gi < in->nr_old)
                r->moved++; /* it had a place and now has none */
            continue;
        }
        memset(p->vcpu_on, 0, in->nr_nodes * sizeof(*p->vcpu_on));
        np_cpumap_zero(&p->aff);
        p->placed = true;
        p->pinned = true;
        for (v = 0; v < pg->nr_vcpus; v++) {
            const struct np_cpumap *pin =
                plan->pin == NP_PIN_SOFT ? &pg->soft[v] : &pg->hard[v];
            int cpu = np_cpumap_next(pin, -1);

            if (cpu < 0) /* kept as it is */
                continue;
            np_cpumap_set(&p->aff, cpu);
            p->vcpu_on[node_index_of(in, t->cpus[cpu].node)] += 1;
            if (gi < in->nr_old) {
                int was =
                    np_cpumap_next(&in->snap.guests[gi].vcpus[v].hard, -1);

                if (was != cpu) {
                    r->repinned++;
                    moved = true;
                }
            }
        }
        for (a = 0; a < in->nr_nodes; a++) {
            uint64_t now =
                pg->mem_per_node_kib ? pg->mem_per_node_kib[in->node_id[a]] : 0;

            if (gi < in->nr_old && now > in->old[gi].mem_on[a]) {
                r->moved_gib += (double)(now - in->old[gi].mem_on[a]) / GIB;
                moved = true;
            }
            p->mem_on[a] = now;
        }
        r->moved += moved;
    }
}
