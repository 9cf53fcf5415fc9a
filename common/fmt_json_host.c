/*
 * fmt_json_host.c: the "host" object of a snapshot read from JSON (its
 * cpus, nodes and identity keys), and the readers of ids and id lists
 * that the guests' reader (fmt_json_read.c) shares, since every list of
 * a snapshot names the host's cpus or nodes.  The document, its guests
 * and the way in (numapin's parser, json-c for what it gives up on) are
 * in fmt_json_read.c; host.hardware in fmt_json_hw.c; the schema in
 * fmt_json.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_json.h"
#include "fmt_json_hw.h"
#include "fmt_json_read.h"

/* Parse up to 9 decimal digits at *p.  -EINVAL when there are none or too
 * many. */
int np_json_id_parse(const char **p, long *out)
{
    const char *s = *p;
    long v = 0;
    int n = 0;

    while (*s >= '0' && *s <= '9') {
        if (++n > 9)
            return -EINVAL;
        v = v * 10 + (*s++ - '0');
    }
    if (!n)
        return -EINVAL;
    *p = s;
    *out = v;
    return 0;
}

/*
 * "none", "N" or "N-M" (no leading zero) whose ids are all in all, into
 * map (of all's size), as np_idlist_parse() reads it: the lists of a
 * snapshot are mostly one of these, read here without idlist's copy of
 * the text.  False for anything else (idlist decides).
 */
static bool simple_list(const char *s, const struct np_cpumap *all,
                        struct np_cpumap *map)
{
    const char *p = s;
    long first = 0, last = -1, i;

    if (!strcmp(s, "none"))
        goto set;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return false;
    if (np_json_id_parse(&p, &first))
        return false;
    last = first;
    if (*p == '-') {
        p++;
        if ((*p == '0' && p[1] >= '0' && p[1] <= '9') ||
            np_json_id_parse(&p, &last))
            return false;
    }
    if (*p || last < first || last >= (long)all->nr_bits)
        return false;
    for (i = first; i <= last; i++)
        if (!np_cpumap_test(all, (int)i))
            return false;
set:
    if (map->bits && map->nr_bits == all->nr_bits) /* allocated already */
        np_cpumap_zero(map);
    else if (np_cpumap_alloc(map, all->nr_bits))
        return false;
    for (i = first; i <= last; i++)
        np_cpumap_set(map, (int)i);
    return true;
}

/*
 * Read the list string v, member key of the object at base, into map
 * (nr_bits bits) and check that every id is in all; kind is "cpu" or
 * "node".  The path of a message is made only for the message.
 */
int np_json_list_read(struct np_json_rd *rd, const struct np_jv *v,
                      const char *base, const char *key, const char *kind,
                      const struct np_cpumap *all, struct np_cpumap *map)
{
    char path[NP_JSON_PATH_LEN];
    const char *s;
    long bad = -1;
    int rc, bit;

    if (np_jv_is(v, NP_JSTRING) && strlen(v->u.s) == v->n &&
        (!strcmp(v->u.s, "all") ? !np_cpumap_copy(map, all)
                                : simple_list(v->u.s, all, map)))
        return 0;
    np_json_path_key(path, base, key);
    rc = np_json_string_value(rd, v, path, &s);
    if (rc)
        return rc;
    /* "all" is every id of the host, which need not be dense. */
    if (!strcmp(s, "all"))
        rc = np_cpumap_copy(map, all);
    else
        rc = np_idlist_parse(s, all->nr_bits, NP_IDLIST_WORDS, map, &bad);
    if (rc == -EINVAL)
        return np_json_fail(rd, path, "bad %s list '%.64s'", kind, s);
    if (rc == -ERANGE)
        return np_json_fail(rd, path, "%s %ld does not exist", kind, bad);
    if (rc)
        return rc;
    if (!strcmp(s, "all") || np_cpumap_subset(map, all))
        return 0; /* the per-bit search only finds the one to name */
    np_cpumap_for_each(bit, map) if (
        !np_cpumap_test(all, bit)) return np_json_fail(rd, path,
                                                       "%s %d does not exist",
                                                       kind, bit);
    return 0;
}

/* "BASE[i]" into p, which holds BASE (base_len bytes) already: the
 * loops over cpus, nodes and guests rewrite only the index. */
void np_json_path_set_index(char *p, size_t base_len, size_t i)
{
    char num[24], *d = num + sizeof(num);

    *--d = ']';
    do
        *--d = (char)('0' + i % 10);
    while ((i /= 10));
    *--d = '[';
    memcpy(p + base_len, d, (size_t)(num + sizeof(num) - d));
    p[base_len + (size_t)(num + sizeof(num) - d)] = '\0';
}

/* A node id used as an object key ("distances", "memory_per_node_kib"). */
int np_json_node_key(struct np_json_rd *rd, const struct np_topo *topo,
                     const char *path, const char *key, int *node_out)
{
    const char *p = key;
    long node;

    if (np_json_id_parse(&p, &node) || *p || (p - key > 1 && key[0] == '0'))
        return np_json_fail(rd, path, "bad node id '%.40s'", key);
    if (!np_topo_node_exists(topo, (int)node))
        return np_json_fail(rd, path, "node %ld does not exist", node);
    *node_out = (int)node;
    return 0;
}

/* The "id" of every element of arr, each in [0, limit), into ids_out
 * (malloc'd); *max_out = the highest. */
static int collect_ids(struct np_json_rd *rd, const struct np_jv *arr,
                       const char *path, int64_t limit, int64_t **ids_out,
                       int64_t *max_out)
{
    size_t i, n = (size_t)arr->n;
    int64_t *ids = calloc(n ? n : 1, sizeof(*ids));
    char p[NP_JSON_PATH_LEN];
    const struct np_jv *e;
    bool found;
    int rc = 0;

    *max_out = -1;
    if (!ids)
        return -ENOMEM;
    snprintf(p, sizeof(p), "%s", path); /* short: the host's own arrays */
    for (i = 0; i < n; i++) {
        e = &arr->u.kids[i];
        /* as numapin writes it, "id" first: no path made */
        if (np_jv_is(e, NP_JOBJECT) && e->n && e->u.kids[0].klen == 2 &&
            !memcmp(e->u.kids[0].key, "id", 2) &&
            np_jv_is(&e->u.kids[0], NP_JINT) && e->u.kids[0].u.i >= 0 &&
            e->u.kids[0].u.i < limit) {
            ids[i] = e->u.kids[0].u.i;
            if (ids[i] > *max_out)
                *max_out = ids[i];
            continue;
        }
        np_json_path_set_index(p, strlen(path), i);
        rc = np_json_check_type(rd, e, p, NP_JOBJECT);
        if (rc)
            break;
        rc = np_json_member_int(rd, e, p, "id", true, 0, limit - 1, &ids[i],
                                &found);
        if (rc)
            break;
        if (ids[i] > *max_out)
            *max_out = ids[i];
    }
    if (rc) {
        free(ids);
        return rc;
    }
    *ids_out = ids;
    return 0;
}

static const struct np_json_key cpu_keys[] = {
    NP_JSON_KEY("id"),       NP_JSON_KEY("online"),
    NP_JSON_KEY("socket"),   NP_JSON_KEY("die"),
    NP_JSON_KEY("core"),     NP_JSON_KEY("node"),
    NP_JSON_KEY("siblings"), {NULL, 0}};
/* their indices, for np_json_members() */
enum {
    CPU_ID,
    CPU_ONLINE,
    CPU_SOCKET,
    CPU_DIE,
    CPU_CORE,
    CPU_NODE,
    CPU_SIBLINGS,
};
static const struct np_json_key node_keys[] = {
    NP_JSON_KEY("id"),   NP_JSON_KEY("memory_kib"), NP_JSON_KEY("free_kib"),
    NP_JSON_KEY("cpus"), NP_JSON_KEY("distances"),  {NULL, 0}};
/* their indices, for np_json_members() */
enum {
    NODE_ID,
    NODE_MEMORY_KIB,
    NODE_FREE_KIB,
    NODE_CPUS,
    NODE_DISTANCES,
};
#define IDENT_NAME(k) #k,
static const char *const host_keys[] = {
    NP_JSON_IDENT_KEYS(IDENT_NAME) "cpu_model",
    "cpu_mhz",
    "memory_kib",
    "cpus",
    "nodes",
    "hardware",
    NULL};
static const char *const host_keys_v1[] = {"cpu_model", "cpu_mhz", "memory_kib",
                                           "cpus",      "nodes",   NULL};
#undef IDENT_NAME

/* A node's scalar fields (its id is already known). */
static int read_node(struct np_json_rd *rd, const struct np_jv *o,
                     const char *path, struct np_node *n)
{
    const struct np_jv *m[NP_JSON_MAX_KEYS];
    int64_t v;
    bool found;
    int rc;

    rc = np_json_members(rd, o, path, node_keys, m);
    if (rc)
        return rc;
    rc = np_json_member_int_at(rd, m[NODE_MEMORY_KIB], path, "memory_kib", true,
                               0, NP_JSON_MEM_MAX, &v, &found);
    if (rc)
        return rc;
    n->mem_total_kib = (uint64_t)v;
    rc = np_json_member_int_at(rd, m[NODE_FREE_KIB], path, "free_kib", false, 0,
                               NP_JSON_MEM_MAX, &v, &found);
    if (rc)
        return rc;
    if (found) {
        char p[NP_JSON_PATH_LEN];

        np_json_path_key(p, path, "free_kib");
        if ((uint64_t)v > n->mem_total_kib)
            return np_json_fail(
                rd, p, "%lld KiB free is more than the node's memory_kib %llu",
                (long long)v, (unsigned long long)n->mem_total_kib);
        n->mem_free_kib = (uint64_t)v;
        n->mem_free_known = true;
    }
    return 0;
}

/* A node's distances and cpus, once every node and cpu is known. */
static int read_node_links(struct np_json_rd *rd, struct np_topo *topo,
                           const struct np_jv *o, const char *path, int id,
                           const struct np_cpumap *all_cpus)
{
    struct np_cpumap cpus;
    const struct np_jv *d, *c, *it;
    char p[NP_JSON_PATH_LEN], q[NP_JSON_PATH_LEN];
    char *want = NULL;
    int64_t v;
    int rc, to;

    np_cpumap_init(&cpus);
    rc = np_json_member(rd, o, path, "distances", NP_JOBJECT, false, &d);
    if (rc)
        goto out;
    np_json_path_key(p, path, "distances");
    if (d) {
        for (it = d->u.kids; it < d->u.kids + d->n; it++) {
            to = np_json_node_of_key(topo, it);
            if (to < 0) {
                rc = np_json_node_key(rd, topo, p, it->key, &to);
                if (rc)
                    goto out;
            }
            if (np_jv_is(it, NP_JINT) && it->u.i >= 1 && it->u.i <= INT32_MAX) {
                v = it->u.i;
            } else {
                np_json_path_key(q, p, it->key);
                rc = np_json_int_value(rd, it, q, 1, INT32_MAX, &v);
                if (rc)
                    goto out;
            }
            np_topo_set_distance(topo, id, to, (unsigned int)v);
        }
    }
    rc = np_json_member(rd, o, path, "cpus", NP_JSTRING, false, &c);
    if (rc || !c)
        goto out;
    rc = np_json_list_read(rd, c, path, "cpus", "cpu", all_cpus, &cpus);
    if (rc)
        goto out;
    if (!np_cpumap_equal(&cpus, &topo->nodes[id].cpus)) {
        np_json_path_key(p, path, "cpus");
        want = np_json_list_format(&topo->nodes[id].cpus, NULL);
        if (!want) {
            rc = -ENOMEM;
            goto out;
        }
        rc = np_json_fail(
            rd, p,
            "'%.64s' is not the set of online cpus whose node is %d, which is '%.64s'",
            c->u.s, id, want);
    }
out:
    free(want);
    np_cpumap_dispose(&cpus);
    return rc;
}

static int read_cpu(struct np_json_rd *rd, struct np_topo *topo,
                    const struct np_jv *o, const char *path, int id)
{
    const struct np_jv *m[NP_JSON_MAX_KEYS];
    struct np_cpu *c = &topo->cpus[id];
    static const char *const place[] = {"socket", "die", "core"};
    int *field[] = {&c->socket, &c->die, &c->core};
    char p[NP_JSON_PATH_LEN];
    unsigned int i;
    int64_t v;
    bool found;
    int rc;

    rc = np_json_members(rd, o, path, cpu_keys, m);
    if (rc)
        return rc;
    rc = np_json_member_bool_at(rd, m[CPU_ONLINE], path, "online", &c->online);
    if (rc)
        return rc;
    for (i = 0; i < 3; i++) {
        rc = np_json_member_int_at(rd, m[CPU_SOCKET + i], path, place[i], false,
                                   0, INT32_MAX, &v, &found);
        if (rc)
            return rc;
        if (found)
            *field[i] = (int)v;
    }
    rc = np_json_member_int_at(rd, m[CPU_NODE], path, "node", false, 0,
                               INT32_MAX, &v, &found);
    if (rc)
        return rc;
    if (found) {
        if (!np_topo_node_exists(topo, (int)v)) {
            np_json_path_key(p, path, "node");
            return np_json_fail(rd, p, "node %" PRId64 " does not exist", v);
        }
        c->node = (int)v;
    }
    return 0;
}

static int read_cpu_siblings(struct np_json_rd *rd, struct np_topo *topo,
                             const struct np_jv *o, const char *path, int id,
                             const struct np_cpumap *all_cpus)
{
    struct np_cpu *c = &topo->cpus[id];
    const struct np_jv *last = o->n ? &o->u.kids[o->n - 1] : NULL, *v;
    char p[NP_JSON_PATH_LEN];
    int rc;

    /* numapin writes it last: found without a lookup */
    if (last && last->klen == 8 && !memcmp(last->key, "siblings", 8) &&
        np_jv_is(last, NP_JSTRING)) {
        v = last;
    } else {
        rc = np_json_member(rd, o, path, "siblings", NP_JSTRING, false, &v);
        if (rc || !v)
            return rc;
    }
    rc = np_json_list_read(rd, v, path, "siblings", "cpu", all_cpus,
                           &c->siblings);
    if (rc)
        return rc;
    if (!np_cpumap_is_empty(&c->siblings) &&
        !np_cpumap_test(&c->siblings, id)) {
        np_json_path_key(p, path, "siblings");
        return np_json_fail(rd, p, "'%.64s' does not include cpu %d itself",
                            v->u.s, id);
    }
    return 0;
}

/* The identity keys of version 2 (ident.h's rules). */
int np_json_read_ident(struct np_json_rd *rd, const struct np_jv *host,
                       struct np_host_ident *ident)
{
    static const char *const backends[] = {"xen", "kvm", "test", NULL};
    const struct np_jv *v;
    const char *s;
    unsigned int i;
    int rc;

#define READ_IDENT(k)                                                                 \
    rc = np_json_member(rd, host, "host", #k, NP_JSTRING, false, &v);                 \
    if (rc)                                                                           \
        return rc;                                                                    \
    if (v) {                                                                          \
        s = v->u.s;                                                                   \
        if (!np_ident_valid(s))                                                       \
            return np_json_fail(                                                      \
                rd, "host." #k,                                                       \
                "'%.40s' is not a valid value: printable ASCII, 1 to 254 characters", \
                np_json_show(v));                                                     \
        if (np_ident_set(&ident->k, s))                                               \
            return -ENOMEM;                                                           \
    }
    NP_JSON_IDENT_KEYS(READ_IDENT)
#undef READ_IDENT
    if (ident->hostname && !np_ident_valid_hostname(ident->hostname))
        return np_json_fail(
            rd, "host.hostname",
            "'%.40s' is not a host name: letters, digits, '-', '_' and '.' only",
            ident->hostname);
    if (ident->captured && !np_ident_valid_time(ident->captured))
        return np_json_fail(
            rd, "host.captured",
            "'%.40s' is not a capture time: expected UTC as YYYY-MM-DDTHH:MM:SSZ",
            ident->captured);
    if (ident->backend) {
        for (i = 0; backends[i]; i++)
            if (!strcmp(ident->backend, backends[i]))
                break;
        if (!backends[i])
            return np_json_fail(
                rd, "host.backend",
                "unknown backend '%.40s': expected xen, kvm or test",
                ident->backend);
    }
    return 0;
}

int np_json_read_host(struct np_json_rd *rd, const struct np_jv *host,
                      struct np_topo *topo, int version)
{
    const struct np_jv *cpus, *nodes, *v, *e;
    int64_t *cpu_ids = NULL, *node_ids = NULL, max_cpu, max_node, x;
    struct np_err finish_err = {{0}};
    struct np_cpumap all_cpus;
    char p[NP_JSON_PATH_LEN];
    const char *s;
    size_t i;
    bool found;
    int rc;

    np_cpumap_init(&all_cpus);
    rc = np_json_check_keys(rd, host, "host",
                            version == 1 ? host_keys_v1 : host_keys);
    if (rc)
        goto out;
    rc = np_json_member(rd, host, "host", "cpus", NP_JARRAY, true, &cpus);
    if (rc)
        goto out;
    rc = np_json_member(rd, host, "host", "nodes", NP_JARRAY, true, &nodes);
    if (rc)
        goto out;
    rc = collect_ids(rd, cpus, "host.cpus", NP_MAX_CPU_IDS, &cpu_ids, &max_cpu);
    if (rc)
        goto out;
    rc = collect_ids(rd, nodes, "host.nodes", NP_MAX_NODE_IDS, &node_ids,
                     &max_node);
    if (rc)
        goto out;
    if (max_cpu < 0) {
        rc = np_json_fail(rd, "host.cpus", "the host has no cpu");
        goto out;
    }
    if (max_node < 0) {
        rc = np_json_fail(rd, "host.nodes", "the host has no numa node");
        goto out;
    }
    rc = np_topo_alloc(topo, (unsigned int)max_cpu + 1,
                       (unsigned int)max_node + 1);
    if (rc)
        goto out;

    rc = np_json_member(rd, host, "host", "cpu_model", NP_JSTRING, false, &v);
    if (rc)
        goto out;
    if (v) {
        rc = np_json_string_value(rd, v, "host.cpu_model", &s);
        if (rc)
            goto out;
        topo->cpu_model = strdup(s);
        if (!topo->cpu_model) {
            rc = -ENOMEM;
            goto out;
        }
    }
    rc = np_json_member_int(rd, host, "host", "cpu_mhz", false, 1, UINT32_MAX,
                            &x, &found);
    if (rc)
        goto out;
    if (found)
        topo->cpu_mhz = (unsigned int)x;
    rc = np_json_member_int(rd, host, "host", "memory_kib", false, 1,
                            NP_JSON_MEM_MAX, &x, &found);
    if (rc)
        goto out;
    if (found)
        topo->mem_total_kib = (uint64_t)x;

    strcpy(p, "host.nodes");
    for (i = 0; i < (size_t)nodes->n; i++) {
        int id = (int)node_ids[i];

        np_json_path_set_index(p, strlen("host.nodes"), i);
        if (np_topo_node_exists(topo, id)) {
            rc = np_json_fail(rd, p, "node %d is listed twice", id);
            goto out;
        }
        np_topo_add_node(topo, id);
        rc = read_node(rd, &nodes->u.kids[i], p, &topo->nodes[id]);
        if (rc)
            goto out;
    }
    strcpy(p, "host.cpus");
    for (i = 0; i < (size_t)cpus->n; i++) {
        int id = (int)cpu_ids[i];

        np_json_path_set_index(p, strlen("host.cpus"), i);
        if (np_topo_cpu_exists(topo, id)) {
            rc = np_json_fail(rd, p, "cpu %d is listed twice", id);
            goto out;
        }
        np_topo_add_cpu(topo, id);
        rc = read_cpu(rd, topo, &cpus->u.kids[i], p, id);
        if (rc)
            goto out;
    }
    rc = np_topo_all_cpus(topo, &all_cpus);
    if (rc)
        goto out;
    strcpy(p, "host.cpus");
    for (i = 0; i < (size_t)cpus->n; i++) {
        e = &cpus->u.kids[i];
        np_json_path_set_index(p, strlen("host.cpus"), i);
        rc = read_cpu_siblings(rd, topo, e, p, (int)cpu_ids[i], &all_cpus);
        if (rc)
            goto out;
    }
    /* Derives the node cpu maps that read_node_links() checks. */
    rc = np_topo_finish(topo, &finish_err);
    if (rc == -EINVAL) {
        rc = np_json_fail(rd, "host", "%s", finish_err.msg);
        goto out;
    }
    if (rc)
        goto out;
    strcpy(p, "host.nodes");
    for (i = 0; i < (size_t)nodes->n; i++) {
        e = &nodes->u.kids[i];
        np_json_path_set_index(p, strlen("host.nodes"), i);
        rc = read_node_links(rd, topo, e, p, (int)node_ids[i], &all_cpus);
        if (rc)
            goto out;
    }
    v = np_jv_get(host, "hardware");
    if (v)
        rc = np_json_hw_read(v, rd->name, topo, rd->err);
out:
    free(cpu_ids);
    free(node_ids);
    np_cpumap_dispose(&all_cpus);
    return rc;
}
