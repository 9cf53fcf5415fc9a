/*
 * fmt_json.c: a snapshot written as JSON, through json-c.  The schema is
 * in fmt_json.h; the reader is fmt_json_read.c, the helpers both share
 * with the plan JSON are in json_util.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "cpulist.h"
#include "fileio.h"
#include "fmt_json.h"
#include "fmt_json_hw.h"
#include "json_util.h"

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* CPU and node lists                                                  */
/* ------------------------------------------------------------------ */

static json_object *new_u64(uint64_t v)
{
    return v > INT64_MAX ? json_object_new_uint64(v)
                         : json_object_new_int64((int64_t)v);
}

static json_object *write_cpu(const struct np_topo *topo, unsigned int id,
                              bool *oom)
{
    const struct np_cpu *c = &topo->cpus[id];
    json_object *o = json_object_new_object();

    np_json_obj_add(o, "id", json_object_new_int((int)id), oom);
    np_json_obj_add(o, "online", json_object_new_boolean(c->online), oom);
    if (c->socket >= 0)
        np_json_obj_add(o, "socket", json_object_new_int(c->socket), oom);
    if (c->die >= 0)
        np_json_obj_add(o, "die", json_object_new_int(c->die), oom);
    if (c->core >= 0)
        np_json_obj_add(o, "core", json_object_new_int(c->core), oom);
    if (c->node >= 0)
        np_json_obj_add(o, "node", json_object_new_int(c->node), oom);
    if (c->siblings.nr_bits && !np_cpumap_is_empty(&c->siblings))
        np_json_obj_add(o, "siblings", np_json_new_list(&c->siblings, NULL),
                        oom);
    return o;
}

static json_object *write_node(const struct np_topo *topo, unsigned int id,
                               bool *oom)
{
    const struct np_node *n = &topo->nodes[id];
    json_object *o = json_object_new_object(), *d = NULL;
    unsigned int b;
    char key[16];

    np_json_obj_add(o, "id", json_object_new_int((int)id), oom);
    np_json_obj_add(o, "memory_kib", new_u64(n->mem_total_kib), oom);
    if (n->mem_free_known)
        np_json_obj_add(o, "free_kib", new_u64(n->mem_free_kib), oom);
    np_json_obj_add(o, "cpus", np_json_new_list(&n->cpus, NULL), oom);
    for (b = 0; b < topo->nr_node_ids; b++) {
        unsigned int dist = np_topo_distance(topo, (int)id, (int)b);

        if (!dist)
            continue;
        if (!d) {
            d = json_object_new_object();
            np_json_obj_add(o, "distances", d, oom);
        }
        snprintf(key, sizeof(key), "%u", b);
        np_json_obj_add(d, key, json_object_new_int64(dist), oom);
    }
    return o;
}

static json_object *write_host(const struct np_topo *topo,
                               const struct np_host_ident *ident, bool *oom)
{
    json_object *o = json_object_new_object();
    json_object *cpus = json_object_new_array();
    json_object *nodes = json_object_new_array();
    unsigned int i;

#define WRITE_IDENT(k)                                                         \
    if (ident->k)                                                              \
        np_json_obj_add(o, #k, json_object_new_string(ident->k), oom);
    NP_JSON_IDENT_KEYS(WRITE_IDENT)
#undef WRITE_IDENT

    if (topo->cpu_model)
        np_json_obj_add(o, "cpu_model", json_object_new_string(topo->cpu_model),
                        oom);
    if (topo->cpu_mhz)
        np_json_obj_add(o, "cpu_mhz", json_object_new_int64(topo->cpu_mhz),
                        oom);
    if (topo->mem_total_kib)
        np_json_obj_add(o, "memory_kib", new_u64(topo->mem_total_kib), oom);
    np_json_obj_add(o, "cpus", cpus, oom);
    np_json_obj_add(o, "nodes", nodes, oom);
    for (i = 0; i < topo->nr_cpu_ids; i++)
        if (topo->cpus[i].present)
            np_json_arr_add(cpus, write_cpu(topo, i, oom), oom);
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->nodes[i].present)
            np_json_arr_add(nodes, write_node(topo, i, oom), oom);
    if (topo->hw)
        np_json_obj_add(o, "hardware", np_json_hw_write(topo, oom), oom);
    return o;
}

static json_object *write_vcpu(const struct np_vcpu *v,
                               const struct np_cpumap *all_cpus, bool *oom)
{
    json_object *o = json_object_new_object();

    np_json_obj_add(o, "id", json_object_new_int(v->id), oom);
    np_json_obj_add(o, "online", json_object_new_boolean(v->online), oom);
    np_json_obj_add(o, "running", json_object_new_boolean(v->running), oom);
    np_json_obj_add(o, "blocked", json_object_new_boolean(v->blocked), oom);
    if (v->cpu >= 0)
        np_json_obj_add(o, "cpu", json_object_new_int(v->cpu), oom);
    np_json_obj_add(o, "time_ns", new_u64(v->time_ns), oom);
    np_json_obj_add(o, "hard", np_json_new_list(&v->hard, all_cpus), oom);
    if (v->soft.nr_bits)
        np_json_obj_add(o, "soft", np_json_new_list(&v->soft, all_cpus), oom);
    if (v->tid)
        np_json_obj_add(o, "tid", json_object_new_int64(v->tid), oom);
    return o;
}

static json_object *write_guest(const struct np_topo *topo,
                                const struct np_guest *g,
                                const struct np_cpumap *all_cpus,
                                const struct np_cpumap *all_nodes, bool *oom)
{
    json_object *o = json_object_new_object();
    json_object *vcpus = json_object_new_array(), *mem;
    unsigned int i;
    char key[16];

    np_json_obj_add(o, "id", json_object_new_int(g->id), oom);
    np_json_obj_add(o, "name", json_object_new_string(g->name ? g->name : ""),
                    oom);
    np_json_obj_add(o, "memory_kib", new_u64(g->mem_kib), oom);
    if (g->node_affinity.nr_bits)
        np_json_obj_add(o, "node_affinity",
                        np_json_new_list(&g->node_affinity, all_nodes), oom);
    if (g->mem_per_node_kib) {
        mem = json_object_new_object();
        np_json_obj_add(o, "memory_per_node_kib", mem, oom);
        for (i = 0; i < topo->nr_node_ids; i++) {
            /* a node missing holds none of it: the zeros are left out */
            if (!topo->nodes[i].present || !g->mem_per_node_kib[i])
                continue;
            snprintf(key, sizeof(key), "%u", i);
            np_json_obj_add(mem, key, new_u64(g->mem_per_node_kib[i]), oom);
        }
    }
    np_json_obj_add(o, "vcpus", vcpus, oom);
    for (i = 0; i < g->nr_vcpus; i++)
        np_json_arr_add(vcpus, write_vcpu(&g->vcpus[i], all_cpus, oom), oom);
    return o;
}

/* A document as numapin writes it (pretty, spaced, '/' as it is), with a
 * newline, malloc'd in *text_out: 0, or -ENOMEM and NULL. */
static int doc_text(json_object *root, char **text_out)
{
    const char *text = json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                  JSON_C_TO_STRING_NOSLASHESCAPE);

    if (!text || asprintf(text_out, "%s\n", text) < 0) {
        *text_out = NULL;
        return -ENOMEM;
    }
    return 0;
}

int np_json_write_snapshot(const struct np_snapshot *snap, char **json_out,
                           struct np_err *err)
{
    struct np_cpumap all_cpus, all_nodes;
    json_object *root = NULL, *guests;
    bool oom = false;
    unsigned int i;
    int rc;

    *json_out = NULL;
    np_cpumap_init(&all_cpus);
    np_cpumap_init(&all_nodes);
    if (!snap->topo.nr_cpu_ids || !snap->topo.nr_node_ids) {
        rc = np_err_set(err, -EINVAL, "the snapshot has no topology");
        goto out;
    }
    rc = np_topo_all_maps(&snap->topo, &all_cpus, &all_nodes);
    if (rc)
        goto out;

    root = json_object_new_object();
    np_json_obj_add(root, "numapin", json_object_new_int(NP_JSON_VERSION),
                    &oom);
    np_json_obj_add(root, "host", write_host(&snap->topo, &snap->ident, &oom),
                    &oom);
    if (snap->has_guests) {
        guests = json_object_new_array();
        np_json_obj_add(root, "guests", guests, &oom);
        for (i = 0; i < snap->nr_guests; i++)
            np_json_arr_add(guests,
                            write_guest(&snap->topo, &snap->guests[i],
                                        &all_cpus, &all_nodes, &oom),
                            &oom);
    }
    rc = oom ? -ENOMEM : doc_text(root, json_out);
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while formatting json");
    json_object_put(root);
    np_cpumap_dispose(&all_cpus);
    np_cpumap_dispose(&all_nodes);
    return rc;
}

int np_json_write_snapshot_file(const char *path,
                                const struct np_snapshot *snap,
                                struct np_err *err)
{
    char *json = NULL;
    int rc;

    rc = np_json_write_snapshot(snap, &json, err);
    if (!rc)
        rc = np_file_write_atomic(path, json, strlen(json), NP_FILE_KEEP_MODE,
                                  err);
    free(json);
    return rc;
}
