/*
 * fmt_json_cmd.c: the --json documents of the commands (fmt_json_cmd.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_json.h"
#include "fmt_json_cmd.h"
#include "fmt_text.h"

#define J_STR(s) json_object_new_string(s)
#define J_INT(i) json_object_new_int(i)
#define J_I64(i) json_object_new_int64((int64_t)(i))
#define J_BOOL(b) json_object_new_boolean(b)
#define ADD(o, k, v) json_object_object_add(o, k, v)

/* Node i: its id (under key), memory, free memory when known, and its
 * distances to the other nodes ("1": 20). */
static json_object *node_json(const struct np_topo *topo, unsigned int i,
                              const char *key)
{
    const struct np_node *n = &topo->nodes[i];
    json_object *o = json_object_new_object(), *d = json_object_new_object();
    unsigned int j;

    ADD(o, key, J_INT((int)i));
    ADD(o, "memory_kib", J_I64(n->mem_total_kib));
    if (n->mem_free_known)
        ADD(o, "free_kib", J_I64(n->mem_free_kib));
    for (j = 0; j < topo->nr_node_ids; j++) {
        char k[16];
        unsigned int dist = np_topo_distance(topo, (int)i, (int)j);

        if (!topo->nodes[j].present || !dist)
            continue;
        snprintf(k, sizeof(k), "%u", j);
        ADD(d, k, J_INT((int)dist));
    }
    ADD(o, "distances", d);
    return o;
}

json_object *np_jcmd_new(const char *cmd, const struct np_snapshot *snap)
{
    json_object *doc = json_object_new_object();

    if (!doc)
        return NULL;
    ADD(doc, "numapin", J_INT(NP_JCMD_VERSION));
    ADD(doc, "command", J_STR(cmd));
    if (snap && (snap->topo.source || snap->backend))
        ADD(doc, "source",
            J_STR(snap->topo.source ? snap->topo.source : snap->backend));
    return doc;
}

static json_object *array_of(json_object *doc, const char *key)
{
    json_object *a;

    if (json_object_object_get_ex(doc, key, &a))
        return a;
    a = json_object_new_array();
    ADD(doc, key, a);
    return a;
}

json_object *np_jcmd_warn(json_object *doc, const char *kind, const char *msg)
{
    json_object *w = json_object_new_object();

    ADD(w, "kind", J_STR(kind));
    ADD(w, "message", J_STR(msg));
    json_object_array_add(array_of(doc, "warnings"), w);
    return w;
}

void np_jcmd_note(json_object *doc, const char *msg)
{
    json_object_array_add(array_of(doc, "notes"), J_STR(msg));
}

static json_object *list_of(const struct np_cpumap *map, bool all)
{
    char *s;
    json_object *o;

    if (all)
        return J_STR("all");
    s = np_cpulist_format_ranges(map);
    o = J_STR(s && *s ? s : "none");
    free(s);
    return o;
}

json_object *np_jcmd_cpus(const struct np_topo *topo,
                          const struct np_cpumap *map)
{
    unsigned int i;
    bool all = map->nr_bits > 0;

    for (i = 0; i < topo->nr_cpu_ids && all; i++)
        if (topo->cpus[i].present && !np_cpumap_test(map, (int)i))
            all = false;
    return list_of(map, all);
}

json_object *np_jcmd_nodes(const struct np_topo *topo,
                           const struct np_cpumap *map)
{
    unsigned int i;
    bool all = map->nr_bits > 0;

    for (i = 0; i < topo->nr_node_ids && all; i++)
        if (topo->nodes[i].present && !np_cpumap_test(map, (int)i))
            all = false;
    return list_of(map, all);
}

void np_jcmd_unknown(json_object *doc, const struct np_snapshot *snap,
                     const struct np_guest *const *sel, unsigned int nr)
{
    unsigned int i, k;

    for (i = 0; i < snap->nr_guests; i++) {
        char msg[NP_UNKNOWN_MAX];
        bool chosen = !sel;

        for (k = 0; sel && k < nr; k++)
            chosen |= sel[k] == &snap->guests[i];
        if (!snap->guests[i].vcpus_unknown || !chosen)
            continue;
        np_unknown_warning(&snap->guests[i], msg, sizeof(msg));
        json_object_object_add(np_jcmd_warn(doc, "affinity_unknown", msg),
                               "guest", J_STR(snap->guests[i].name));
    }
}

void np_unknown_warning(const struct np_guest *g, char *buf, size_t len)
{
    snprintf(buf, len,
             "guest %s: the affinity of each vcpu is unknown: its vcpu "
             "threads cannot be told apart (start QEMU with -name "
             "guest=NAME,debug-threads=on, or give --qmp SOCKET)",
             g->name);
}

void np_jcmd_overlaps(json_object *doc, const struct np_snapshot *snap,
                      const struct np_mapview *mv)
{
    unsigned int k, i;

    for (k = 0; k < mv->nr_cpus; k++) {
        const struct np_mapview_cpu *c = &mv->cpus[k];
        json_object *w, *vcpus;
        char msg[512];
        size_t len;

        if (!c->overlap)
            continue;
        len = (size_t)snprintf(
            msg, sizeof(msg),
            "cpu %d is in the pins of more than one guest:", c->cpu);
        vcpus = json_object_new_array();
        /* in guest order, as the text warning lists them */
        for (i = 0; i < snap->nr_guests; i++) {
            unsigned int j;

            for (j = 0; j < c->nr_pinned + c->nr_bound; j++) {
                const struct np_mapview_ref *r =
                    j < c->nr_pinned ? &c->pinned[j]
                                     : &c->bound[j - c->nr_pinned];
                json_object *ref;

                if (r->guest != i)
                    continue;
                ref = json_object_new_object();
                ADD(ref, "guest", J_STR(snap->guests[i].name));
                ADD(ref, "vcpu", J_INT(r->vcpu));
                json_object_array_add(vcpus, ref);
                if (len < sizeof(msg))
                    len +=
                        (size_t)snprintf(msg + len, sizeof(msg) - len, " %s/%d",
                                         snap->guests[i].name, r->vcpu);
            }
        }
        w = np_jcmd_warn(doc, "overlap", msg);
        ADD(w, "cpu", J_INT(c->cpu));
        ADD(w, "vcpus", vcpus);
    }
}

int np_jcmd_info(json_object *doc, const struct np_topo *topo, bool numa)
{
    unsigned int sockets, cores, threads, i;
    uint64_t free_kib;
    json_object *host = json_object_new_object();

    np_topo_shape(topo, &sockets, &cores, &threads);
    ADD(host, "nr_cpus", J_INT((int)np_topo_nr_online_cpus(topo)));
    ADD(host, "max_cpu_id", J_INT(np_topo_max_cpu_id(topo)));
    ADD(host, "nr_nodes", J_INT((int)np_topo_nr_nodes(topo)));
    ADD(host, "sockets", J_INT((int)sockets));
    ADD(host, "cores_per_socket", J_INT((int)cores));
    ADD(host, "threads_per_core", J_INT((int)threads));
    if (topo->cpu_mhz)
        ADD(host, "cpu_mhz", J_INT((int)topo->cpu_mhz));
    ADD(host, "total_memory_kib", J_I64(np_topo_mem_total(topo)));
    if (!np_topo_mem_free(topo, &free_kib))
        ADD(host, "free_memory_kib", J_I64(free_kib));
    ADD(doc, "host", host);
    if (!numa)
        return 0;

    json_object *cpus = json_object_new_array(), *nodes;

    for (i = 0; i < topo->nr_cpu_ids; i++) {
        const struct np_cpu *c = &topo->cpus[i];
        json_object *o;

        if (!c->present || !c->online || c->core < 0)
            continue;
        o = json_object_new_object();
        ADD(o, "cpu", J_INT((int)i));
        ADD(o, "core", J_INT(c->core));
        ADD(o, "socket", J_INT(c->socket));
        ADD(o, "node", J_INT(c->node));
        json_object_array_add(cpus, o);
    }
    ADD(doc, "cpu_topology", cpus);
    nodes = json_object_new_array();
    for (i = 0; i < topo->nr_node_ids; i++) {
        if (topo->nodes[i].present)
            json_object_array_add(nodes, node_json(topo, i, "node"));
    }
    ADD(doc, "numa_info", nodes);
    return 0;
}

int np_jcmd_nodeinfo(json_object *doc, const struct np_topo *topo)
{
    unsigned int cells, sockets, cores, threads, real_sockets;

    np_nodeinfo_shape(topo, &cells, &sockets, &cores, &threads);
    np_topo_shape(topo, &real_sockets, NULL, NULL);
    ADD(doc, "cpu_model", J_STR(topo->cpu_model ? topo->cpu_model : "x86_64"));
    ADD(doc, "cpus", J_INT((int)np_topo_nr_online_cpus(topo)));
    ADD(doc, "mhz", J_INT((int)topo->cpu_mhz));
    /* virsh's fields: sockets per NUMA cell */
    ADD(doc, "sockets_per_cell", J_INT((int)sockets));
    ADD(doc, "cores_per_socket", J_INT((int)cores));
    ADD(doc, "threads_per_core", J_INT((int)threads));
    ADD(doc, "cells", J_INT((int)cells));
    ADD(doc, "memory_kib", J_I64(np_topo_mem_total(topo)));
    /* and the count virsh does not print */
    ADD(doc, "sockets", J_INT((int)real_sockets));
    return 0;
}

int np_jcmd_capabilities(json_object *doc, const struct np_topo *topo)
{
    unsigned int i, j, cells_n = 0, sockets, cores, threads, nr_cells;
    json_object *cells = json_object_new_array(), *t;

    np_nodeinfo_shape(topo, &nr_cells, &sockets, &cores, &threads);
    t = json_object_new_object();
    ADD(t, "sockets", J_INT((int)sockets));
    ADD(t, "cores", J_INT((int)cores));
    ADD(t, "threads", J_INT((int)threads));
    ADD(doc, "arch", J_STR(topo->cpu_model ? topo->cpu_model : "x86_64"));
    ADD(doc, "topology", t);
    for (i = 0; i < topo->nr_node_ids; i++) {
        json_object *cell, *cpus;

        if (!topo->nodes[i].present)
            continue;
        cells_n++;
        cell = node_json(topo, i, "id");
        cpus = json_object_new_array();
        for (j = 0; j < topo->nr_cpu_ids; j++) {
            const struct np_cpu *c = &topo->cpus[j];
            json_object *o;

            if (!c->present || !c->online || c->node != (int)i)
                continue;
            o = json_object_new_object();
            ADD(o, "id", J_INT((int)j));
            ADD(o, "socket_id", J_INT(c->socket));
            ADD(o, "die_id", J_INT(c->die));
            ADD(o, "core_id", J_INT(c->core));
            ADD(o, "siblings", list_of(&c->siblings, false));
            json_object_array_add(cpus, o);
        }
        ADD(cell, "cpus", cpus);
        json_object_array_add(cells, cell);
    }
    ADD(doc, "cells", cells);
    return cells_n ? 0 : -EINVAL;
}

int np_jcmd_freecell(json_object *doc, const struct np_topo *topo, int node)
{
    json_object *cells = json_object_new_array();
    uint64_t total = 0;
    unsigned int i;

    for (i = 0; i < topo->nr_node_ids; i++) {
        json_object *cell;

        if (!topo->nodes[i].present)
            continue;
        total += topo->nodes[i].mem_free_kib;
        if (node == NP_FREECELL_TOTAL || (node >= 0 && node != (int)i))
            continue;
        cell = json_object_new_object();
        ADD(cell, "id", J_INT((int)i));
        ADD(cell, "free_kib", J_I64(topo->nodes[i].mem_free_kib));
        json_object_array_add(cells, cell);
    }
    ADD(doc, "cells", cells);
    if (node < 0)
        ADD(doc, "total_kib", J_I64(total));
    return 0;
}

/* KVM: the memory nodes the kernel holds, as read back (membind). */
static json_object *membind_json(const struct np_membind *mb)
{
    json_object *o = json_object_new_object();

#define OPT_STR(k, v) ADD(o, k, (v) ? J_STR(v) : NULL)
    OPT_STR("mems_allowed", mb->mems_allowed);
    OPT_STR("policy", mb->policy);
    OPT_STR("cgroup", mb->cgroup);
    if (mb->cgroup) {
        ADD(o, "cgroup_version", J_INT(mb->cgroup_version));
        OPT_STR("cpuset_mems", mb->cpuset_mems);
        OPT_STR("cpuset_mems_effective", mb->cpuset_mems_effective);
        ADD(o, "cgroup_shared", J_BOOL(mb->cgroup_shared));
    }
#undef OPT_STR
    return o;
}

int np_jcmd_guests(json_object *doc, const struct np_snapshot *snap,
                   const struct np_guest *const *sel, unsigned int nr)
{
    struct np_snapshot view = *snap;
    struct np_guest *copies = NULL;
    json_object *parsed, *guests;
    char *json = NULL;
    unsigned int k;
    int rc;

    /* the snapshot writer's guest shape, one writer for both */
    if (sel) {
        copies = calloc(nr ? nr : 1, sizeof(*copies));
        if (!copies)
            return -ENOMEM;
        for (k = 0; k < nr; k++)
            copies[k] = *sel[k]; /* shallow: only read */
        view.guests = copies;
        view.nr_guests = nr;
    }
    view.has_guests = true;
    rc = np_json_write_snapshot(&view, &json, NULL);
    free(copies);
    if (rc)
        return rc;
    parsed = json_tokener_parse(json);
    free(json);
    if (!parsed)
        return -ENOMEM;
    if (json_object_object_get_ex(parsed, "guests", &guests)) {
        /* a guest whose vCPU threads are unknown: no per-vCPU maps */
        for (k = 0; k < json_object_array_length(guests); k++) {
            json_object *gj = json_object_array_get_idx(guests, k), *vs;
            const struct np_guest *g = sel ? sel[k] : &snap->guests[k];
            size_t v;

            ADD(gj, "affinity_known", J_BOOL(!g->vcpus_unknown));
            if (g->membind)
                ADD(gj, "memory_policy", membind_json(g->membind));
            if (!g->vcpus_unknown ||
                !json_object_object_get_ex(gj, "vcpus", &vs))
                continue;
            for (v = 0; v < json_object_array_length(vs); v++) {
                json_object_object_del(json_object_array_get_idx(vs, v),
                                       "hard");
                json_object_object_del(json_object_array_get_idx(vs, v),
                                       "soft");
            }
        }
        ADD(doc, "guests", json_object_get(guests));
    } else
        ADD(doc, "guests", json_object_new_array());
    json_object_put(parsed);
    return 0;
}

static const char *vcpu_state(const struct np_vcpu *vc)
{
    if (!vc->online)
        return "offline";
    if (vc->blocked && !vc->running)
        return "blocked";
    return "running";
}

int np_jcmd_vcpuinfo(json_object *doc, const struct np_snapshot *snap,
                     const struct np_guest *g)
{
    json_object *vcpus = json_object_new_array();
    unsigned int v;

    ADD(doc, "guest", J_STR(g->name));
    ADD(doc, "id", J_INT(g->id));
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_vcpu *vc = &g->vcpus[v];
        json_object *o = json_object_new_object();

        ADD(o, "vcpu", J_INT(vc->id));
        ADD(o, "cpu", J_INT(vc->cpu));
        ADD(o, "state", J_STR(vcpu_state(vc)));
        ADD(o, "cpu_time_ns", J_I64(vc->time_ns));
        ADD(o, "affinity",
            vc->hard.nr_bits ? np_jcmd_cpus(&snap->topo, &vc->hard)
                             : J_STR("all"));
        json_object_array_add(vcpus, o);
    }
    ADD(doc, "vcpus", vcpus);
    if (g->sched_cap >= 0)
        ADD(doc, "cap_percent", J_INT(g->sched_cap));
    if (g->sched_weight >= 0)
        ADD(doc, "weight", J_INT(g->sched_weight));
    return 0;
}

static json_object *refs(const struct np_snapshot *snap,
                         const struct np_mapview_ref *r, unsigned int nr)
{
    json_object *a = json_object_new_array();
    unsigned int i;

    for (i = 0; i < nr; i++) {
        json_object *o = json_object_new_object();

        ADD(o, "guest", J_STR(snap->guests[r[i].guest].name));
        ADD(o, "vcpu", J_INT(r[i].vcpu));
        json_object_array_add(a, o);
    }
    return a;
}

int np_jcmd_map(json_object *doc, const struct np_snapshot *snap,
                const struct np_mapview *mv)
{
    const struct np_topo *topo = &snap->topo;
    json_object *nodes = json_object_new_array();
    unsigned int k = 0;
    int node;

    /* nodes in id order (memory-only included), then CPUs of no node */
    for (node = 0; node <= (int)topo->nr_node_ids; node++) {
        int want = node < (int)topo->nr_node_ids ? node : -1;
        json_object *o, *cpus;

        if (want >= 0 && !np_topo_node_exists(topo, want))
            continue;
        if (want < 0 && (k >= mv->nr_cpus || mv->cpus[k].node != -1))
            continue;
        o = json_object_new_object();
        ADD(o, "node", want >= 0 ? J_INT(want) : NULL);
        if (want >= 0) {
            const struct np_node *n = &topo->nodes[want];

            ADD(o, "memory_kib", J_I64(n->mem_total_kib));
            if (n->mem_free_known)
                ADD(o, "free_kib", J_I64(n->mem_free_kib));
        }
        cpus = json_object_new_array();
        for (; k < mv->nr_cpus && mv->cpus[k].node == want; k++) {
            const struct np_mapview_cpu *c = &mv->cpus[k];
            json_object *co = json_object_new_object();

            ADD(co, "cpu", J_INT(c->cpu));
            ADD(co, "online", J_BOOL(c->online));
            ADD(co, "socket", J_INT(c->socket));
            ADD(co, "core", J_INT(c->core));
            ADD(co, "pinned", refs(snap, c->pinned, c->nr_pinned));
            ADD(co, "bound", refs(snap, c->bound, c->nr_bound));
            ADD(co, "floating", J_INT((int)c->nr_floating));
            ADD(co, "overlap", J_BOOL(c->overlap));
            json_object_array_add(cpus, co);
        }
        ADD(o, "cpus", cpus);
        json_object_array_add(nodes, o);
    }
    ADD(doc, "nodes", nodes);
    return 0;
}

int np_jcmd_print(FILE *f, json_object *doc)
{
    static const char *const last[] = {"notes", "warnings"};
    unsigned int i;

    for (i = 0; i < 2; i++) {
        json_object *a = NULL;

        if (json_object_object_get_ex(doc, last[i], &a)) {
            json_object_get(a);
            json_object_object_del(doc, last[i]);
        } else {
            a = json_object_new_array();
        }
        ADD(doc, last[i], a);
    }
    fputs(json_object_to_json_string_ext(
              doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                       JSON_C_TO_STRING_NOSLASHESCAPE),
          f);
    fputc('\n', f);
    return ferror(f) ? -EIO : 0;
}
