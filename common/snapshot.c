/*
 * snapshot.c: a host and its guests, as plain data.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "str.h"

void np_snapshot_init(struct np_snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    np_topo_init(&snap->topo);
    np_ident_init(&snap->ident);
}

void np_membind_free(struct np_membind *mb)
{
    if (!mb)
        return;
    free(mb->mems_allowed);
    free(mb->policy);
    free(mb->cgroup);
    free(mb->cpuset_mems);
    free(mb->cpuset_mems_effective);
    free(mb);
}

struct np_membind *np_membind_dup(const struct np_membind *mb, bool *oom)
{
    struct np_membind *d;
    int rc = 0;

    if (!mb)
        return NULL;
    d = calloc(1, sizeof(*d));
    if (!d) {
        *oom = true;
        return NULL;
    }
    d->mems_allowed = np_str_dup(mb->mems_allowed, &rc);
    d->policy = np_str_dup(mb->policy, &rc);
    d->cgroup = np_str_dup(mb->cgroup, &rc);
    d->cgroup_version = mb->cgroup_version;
    d->cpuset_mems = np_str_dup(mb->cpuset_mems, &rc);
    d->cpuset_mems_effective = np_str_dup(mb->cpuset_mems_effective, &rc);
    d->cgroup_shared = mb->cgroup_shared;
    if (rc) {
        *oom = true;
        np_membind_free(d);
        return NULL;
    }
    return d;
}

static void guest_dispose(struct np_guest *g)
{
    unsigned int i;

    for (i = 0; i < g->nr_vcpus; i++) {
        np_cpumap_dispose(&g->vcpus[i].hard);
        np_cpumap_dispose(&g->vcpus[i].soft);
    }
    free(g->vcpus); /* and the name: one block (np_snapshot_add_guest()) */
    free(g->mem_per_node_kib);
    np_cpumap_dispose(&g->node_affinity);
    np_cpumap_dispose(&g->emulator);
    np_membind_free(g->membind);
    memset(g, 0, sizeof(*g));
}

void np_snapshot_dispose(struct np_snapshot *snap)
{
    unsigned int i;

    for (i = 0; i < snap->nr_guests; i++)
        guest_dispose(&snap->guests[i]);
    free(snap->guests);
    for (i = 0; i < snap->nr_refused; i++) {
        free(snap->refused[i].name);
        free(snap->refused[i].why);
    }
    free(snap->refused);
    np_topo_dispose(&snap->topo);
    np_ident_dispose(&snap->ident);
    np_snapshot_init(snap);
}

int np_snapshot_add_refused(struct np_snapshot *snap, long pid, long uid,
                            const char *name, const char *why)
{
    struct np_refused *r =
        realloc(snap->refused, (snap->nr_refused + 1) * sizeof(*r));

    if (!r)
        return -ENOMEM;
    snap->refused = r;
    r += snap->nr_refused;
    r->pid = pid;
    r->uid = uid;
    r->name = strdup(name ? name : "");
    r->why = strdup(why ? why : "");
    if (!r->name || !r->why) {
        free(r->name);
        free(r->why);
        return -ENOMEM;
    }
    snap->nr_refused++;
    return 0;
}

int np_snapshot_add_guest(struct np_snapshot *snap, int id, const char *name,
                          unsigned int nr_vcpus, bool with_soft,
                          struct np_guest **guest_out)
{
    struct np_guest *guests, *g;
    const unsigned char *p = (const unsigned char *)(name ? name : "");
    size_t len = 0, room = (nr_vcpus ? nr_vcpus : 1) * sizeof(*g->vcpus);
    char *escaped = NULL;
    unsigned int i;
    int rc = -ENOMEM;

    /* room for a power of two of guests: the array grows when it is full
     * (nr_guests 0, 1, 2, 4, ...), not at every guest */
    if (!(snap->nr_guests & (snap->nr_guests - 1))) {
        guests = realloc(snap->guests,
                         (snap->nr_guests ? 2 * (size_t)snap->nr_guests : 1) *
                             sizeof(*guests));
        if (!guests)
            return -ENOMEM;
        snap->guests = guests;
    }
    guests = snap->guests;
    g = &guests[snap->nr_guests];
    memset(g, 0, sizeof(*g));
    np_cpumap_init(&g->node_affinity);
    np_cpumap_init(&g->emulator);
    g->sched_cap = g->sched_weight = -1;
    g->id = id;
    /* hostile (on KVM any local user names a process): kept escaped, so
     * that no newline or escape sequence reaches a terminal or a log;
     * printable ASCII is its own escaped form.  The name follows the
     * vCPUs in one block, which guest_dispose() frees. */
    while (p[len] >= 0x20 && p[len] < 0x7f)
        len++;
    if (p[len]) {
        escaped = np_escape_name(name);
        if (!escaped)
            goto out;
        p = (const unsigned char *)escaped;
        len = strlen(escaped);
    }
    g->vcpus = calloc(1, room + len + 1);
    if (!g->vcpus)
        goto out;
    g->name = (char *)g->vcpus + room;
    memcpy(g->name, p, len);
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
    free(escaped);
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

/* Append a copy of s to dst, whose topology has the same sizes as s's. */
int np_snapshot_copy_guest(struct np_snapshot *dst, const struct np_guest *s)
{
    struct np_guest *g;
    unsigned int i;
    size_t size;
    int rc;

    rc = np_snapshot_add_guest(dst, s->id, s->name, s->nr_vcpus, false, &g);
    if (rc)
        return rc;
    g->mem_kib = s->mem_kib;
    for (i = 0; i < s->nr_vcpus; i++) {
        struct np_vcpu *v = &g->vcpus[i];
        const struct np_vcpu *w = &s->vcpus[i];

        v->id = w->id;
        v->online = w->online;
        v->running = w->running;
        v->blocked = w->blocked;
        v->cpu = w->cpu;
        v->time_ns = w->time_ns;
        v->tid = w->tid;
        rc = np_cpumap_copy(&v->hard, &w->hard);
        if (rc)
            return rc;
        if (w->soft.nr_bits) {
            rc = np_cpumap_copy(&v->soft, &w->soft);
            if (rc)
                return rc;
        }
    }
    if (s->node_affinity.nr_bits) {
        rc = np_cpumap_copy(&g->node_affinity, &s->node_affinity);
        if (rc)
            return rc;
    } else {
        np_cpumap_dispose(&g->node_affinity);
    }
    g->sched_cap = s->sched_cap;
    g->sched_weight = s->sched_weight;
    g->start_time = s->start_time;
    g->mem_source = s->mem_source;
    g->vcpus_unknown = s->vcpus_unknown;
    if (s->membind) {
        bool oom = false;

        g->membind = np_membind_dup(s->membind, &oom);
        if (oom)
            return -ENOMEM;
    }
    if (s->emulator.nr_bits) {
        rc = np_cpumap_copy(&g->emulator, &s->emulator);
        if (rc)
            return rc;
    }
    if (s->mem_per_node_kib) {
        size = dst->topo.nr_node_ids * sizeof(*g->mem_per_node_kib);
        g->mem_per_node_kib = malloc(size);
        if (!g->mem_per_node_kib)
            return -ENOMEM;
        memcpy(g->mem_per_node_kib, s->mem_per_node_kib, size);
    }
    return 0;
}

/* Free snap's guests, keep its topology. */
void np_snapshot_clear_guests(struct np_snapshot *snap)
{
    struct np_topo topo = snap->topo;
    struct np_host_ident ident = snap->ident;

    np_topo_init(&snap->topo);
    np_ident_init(&snap->ident);
    np_snapshot_dispose(snap);
    snap->topo = topo;
    snap->ident = ident;
}

/* dst (initialised) becomes a deep copy of src.  0 or -ENOMEM. */
int np_snapshot_copy(struct np_snapshot *dst, const struct np_snapshot *src)
{
    unsigned int i;
    int rc;

    np_snapshot_dispose(dst);
    rc = np_topo_copy(&dst->topo, &src->topo);
    if (rc)
        goto out;
    dst->has_guests = src->has_guests;
    dst->backend = src->backend;
    rc = np_ident_copy(&dst->ident, &src->ident);
    if (rc)
        goto out;
    for (i = 0; i < src->nr_guests; i++) {
        rc = np_snapshot_copy_guest(dst, &src->guests[i]);
        if (rc)
            goto out;
    }
out:
    if (rc)
        np_snapshot_dispose(dst);
    return rc;
}

struct np_guest *np_snapshot_guest_by_id(const struct np_snapshot *snap, int id)
{
    unsigned int i;

    for (i = 0; i < snap->nr_guests; i++)
        if (snap->guests[i].id == id)
            return &snap->guests[i];
    return NULL;
}

struct np_guest *np_snapshot_guest_next(const struct np_snapshot *snap, int id,
                                        unsigned int *cursor)
{
    unsigned int k;

    for (k = 0; k < snap->nr_guests; k++) {
        unsigned int i = (*cursor + k) % snap->nr_guests;

        if (snap->guests[i].id == id) {
            *cursor = i + 1;
            return &snap->guests[i];
        }
    }
    return NULL;
}

const struct np_cpumap *np_vcpu_pin(const struct np_topo *t,
                                    const struct np_vcpu *v)
{
    const struct np_cpumap *m[2] = {&v->hard, &v->soft};
    unsigned int i;
    int cpu;

    for (i = 0; i < 2; i++) {
        if (!m[i]->nr_bits || np_cpumap_is_empty(m[i]))
            continue;
        for (cpu = 0; cpu < (int)t->nr_cpu_ids; cpu++)
            if (t->cpus[cpu].present && t->cpus[cpu].online &&
                !np_cpumap_test(m[i], cpu))
                return m[i];
    }
    return NULL;
}
