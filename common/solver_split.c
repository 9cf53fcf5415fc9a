/*
 * solver_split.c: how one guest is split over a candidate node set: its
 * vCPUs over the nodes (around each possible hub, the node the others
 * are nearest to) and its memory after them, the cheapest hub kept.
 * solver_place.c chooses between the sets; see solver_int.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

/*
 * The vCPUs of j over c's nodes for one order of the nodes, into s->take:
 * hub < c->nr: the nodes nearest to c->members[hub] first; else nodes with
 * memory first, then the most room; then id.  ord: c->nr entries.
 */
static void split_vcpus(struct solver *s, const struct job *j,
                        const struct cand *c, unsigned int hub,
                        unsigned int *ord)
{
    unsigned int i, k, left = j->nr_vcpus;

    if (!ord) { /* out of memory: the members' own order */
        for (i = 0; i < c->nr; i++)
            s->take[c->members[i]] = 0;
        for (i = 0; i < c->nr && left; i++) {
            unsigned int n = c->members[i];

            s->take[n] = s->cap[n] < left ? s->cap[n] : left;
            left -= s->take[n];
        }
        return;
    }
    memcpy(ord, c->members, c->nr * sizeof(*ord));
    for (i = 1; i < c->nr; i++) {
        unsigned int x = ord[i];

        for (k = i; k > 0; k--) {
            unsigned int y = ord[k - 1];
            unsigned int dx = hub < c->nr ? dist(s, c->members[hub], x) : 0;
            unsigned int dy = hub < c->nr ? dist(s, c->members[hub], y) : 0;
            bool before = dx != dy                         ? dx < dy
                          : s->has_mem[x] != s->has_mem[y] ? s->has_mem[x]
                          : s->cap[x] != s->cap[y] ? s->cap[x] > s->cap[y]
                                                   : x < y;

            if (!before)
                break;
            ord[k] = y;
        }
        ord[k] = x;
    }
    for (i = 0; i < c->nr; i++)
        s->take[c->members[i]] = 0;
    for (i = 0; i < c->nr && left; i++) {
        unsigned int n = ord[i];

        s->take[n] = s->cap[n] < left ? s->cap[n] : left;
        left -= s->take[n];
    }
}

/*
 * The memory of j over c's nodes for the vCPUs in s->take, into
 * s->mem_take: a KiB on node k costs the sum over j's vCPUs of their
 * distance to k, so the nodes are filled cheapest first (the optimum for
 * these vCPUs); nodes that cost the same share in proportion to their
 * vCPUs (so that virtual NUMA nodes would find their memory local).
 * Returns the cost: distance x KiB summed over vCPUs, per vCPU.
 */
static double split_memory(struct solver *s, const struct job *j,
                           const struct cand *c)
{
    uint64_t mleft = j->mem_kib, *ck = s->dsum; /* scratch: per node */
    unsigned int i, k, n;
    double cost = 0;

    for (i = 0; i < c->nr; i++) {
        n = c->members[i];
        s->mem_take[n] = 0;
        ck[n] = 0;
        for (k = 0; k < c->nr; k++)
            ck[n] +=
                (uint64_t)s->take[c->members[k]] * dist(s, c->members[k], n);
        s->stamp[n] = 0; /* not filled yet */
    }
    while (mleft) {
        uint64_t low = UINT64_MAX, start = mleft, vcpus = 0;

        for (i = 0; i < c->nr; i++) {
            n = c->members[i];
            if (s->has_mem[n] && !s->stamp[n] && s->mem[n] && ck[n] < low)
                low = ck[n];
        }
        if (low == UINT64_MAX)
            break; /* cannot happen: the candidate fits */
        for (i = 0; i < c->nr; i++) {
            n = c->members[i];
            if (s->has_mem[n] && !s->stamp[n] && s->mem[n] && ck[n] == low)
                vcpus += s->take[n];
        }
        for (k = 0; k < 2; k++) {
            for (i = 0; i < c->nr && mleft; i++) {
                uint64_t room, add;

                n = c->members[i];
                if (!s->has_mem[n] || s->stamp[n] || !s->mem[n] || ck[n] != low)
                    continue;
                room = s->mem[n] - s->mem_take[n];
                add = k || !vcpus ? mleft
                                  : (uint64_t)((unsigned __int128)start *
                                               s->take[n] / vcpus);
                if (add > room)
                    add = room;
                if (add > mleft)
                    add = mleft;
                s->mem_take[n] += add;
                mleft -= add;
            }
        }
        for (i = 0; i < c->nr; i++) {
            n = c->members[i];
            if (s->has_mem[n] && s->mem[n] && ck[n] == low)
                s->stamp[n] = 1;
        }
    }
    for (i = 0; i < c->nr; i++) {
        n = c->members[i];
        cost += (double)ck[n] * (double)s->mem_take[n];
    }
    /* grow() stamps with generations: make them fresh again */
    for (i = 0; i < c->nr; i++)
        s->stamp[c->members[i]] = 0;
    return cost / (double)j->nr_vcpus;
}

/*
 * The split of j's vCPUs and memory inside c that brings its memory
 * nearest to its vCPUs: every node of c in turn as the hub (its nearest
 * nodes take the vCPUs first), and the plain order, each with the memory
 * filled cheapest first; the lowest cost wins, the plain order on a tie.
 * Leaves the winner in s->take and s->mem_take; returns its cost.
 */
double solver_split(struct solver *s, const struct job *j, const struct cand *c)
{
    unsigned int buf[64], *ord = buf, hub, best = c->nr;
    double cost, best_cost;

    if (c->nr == 1) {
        s->take[c->members[0]] = j->nr_vcpus;
        s->mem_take[c->members[0]] = j->mem_kib;
        return (double)j->mem_kib * dist(s, c->members[0], c->members[0]);
    }
    if (c->nr > 64)
        ord = malloc(c->nr * sizeof(*ord));
    if (!ord) { /* out of memory: the plain order, without the search */
        split_vcpus(s, j, c, c->nr, NULL);
        return split_memory(s, j, c);
    }
    split_vcpus(s, j, c, c->nr, ord);
    best_cost = split_memory(s, j, c);
    for (hub = 0; hub < c->nr; hub++) {
        if (!s->cap[c->members[hub]])
            continue;
        split_vcpus(s, j, c, hub, ord);
        cost = split_memory(s, j, c);
        if (cost < best_cost - 1e-9 * (best_cost + 1.0)) {
            best_cost = cost;
            best = hub;
        }
    }
    split_vcpus(s, j, c, best, ord);
    split_memory(s, j, c);
    if (ord != buf)
        free(ord);
    return best_cost;
}
