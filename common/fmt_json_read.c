/*
 * fmt_json_read.c: a snapshot read from JSON: numapin's own parser
 * (json_doc.h), json-c for what it gives up on.  The schema is in
 * fmt_json.h; the writer is fmt_json.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "cpulist.h"
#include "fileio.h"
#include "fmt_json.h"
#include "fmt_json_hw.h"
#include "json_util.h"

/* Parse up to 9 decimal digits at *p.  -EINVAL when there are none or too
 * many. */
static int list_number(const char **p, long *out)
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
 * "N" or "N-M" (no leading zero) whose ids are all in all, into map (of
 * all's size), as np_idlist_parse() reads it: the lists of a snapshot are
 * mostly one of these, read here without idlist's copy of the text.
 * False for anything else (idlist decides).
 */
static bool simple_list(const char *s, const struct np_cpumap *all,
                        struct np_cpumap *map)
{
    const char *p = s;
    long first, last, i;

    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return false;
    if (list_number(&p, &first))
        return false;
    last = first;
    if (*p == '-') {
        p++;
        if ((*p == '0' && p[1] >= '0' && p[1] <= '9') || list_number(&p, &last))
            return false;
    }
    if (*p || last < first || last >= (long)all->nr_bits)
        return false;
    for (i = first; i <= last; i++)
        if (!np_cpumap_test(all, (int)i))
            return false;
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
static int list_value(struct np_json_rd *rd, const struct np_jv *v,
                      const char *base, const char *key, const char *kind,
                      const struct np_cpumap *all, struct np_cpumap *map)
{
    char path[NP_JSON_PATH_LEN];
    const char *s;
    long bad = -1;
    int rc, bit;

    if (np_jv_is(v, NP_JSTRING) && strlen(v->u.s) == v->n &&
        simple_list(v->u.s, all, map))
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
static void index_path(char *p, size_t base_len, size_t i)
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
static int node_key(struct np_json_rd *rd, const struct np_topo *topo,
                    const char *path, const char *key, int *node_out)
{
    const char *p = key;
    long node;

    if (list_number(&p, &node) || *p || (p - key > 1 && key[0] == '0'))
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
        index_path(p, strlen(path), i);
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

static const char *const cpu_keys[] = {"id",   "online", "socket",   "die",
                                       "core", "node",   "siblings", NULL};
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
static const char *const node_keys[] = {"id",   "memory_kib", "free_kib",
                                        "cpus", "distances",  NULL};
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

#define MEM_MAX (INT64_MAX - 1)

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
                               0, MEM_MAX, &v, &found);
    if (rc)
        return rc;
    n->mem_total_kib = (uint64_t)v;
    rc = np_json_member_int_at(rd, m[NODE_FREE_KIB], path, "free_kib", false, 0,
                               MEM_MAX, &v, &found);
    if (rc)
        return rc;
    if (found) {
        char p[NP_JSON_PATH_LEN];

        np_json_path_key(p, path, "free_kib");
        if ((uint64_t)v > n->mem_total_kib)
            return np_json_fail(rd, p,
                                "%" PRId64 " KiB free is more than the node's "
                                "memory_kib %" PRIu64,
                                v, n->mem_total_kib);
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
            rc = node_key(rd, topo, p, it->key, &to);
            if (rc)
                goto out;
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
    rc = list_value(rd, c, path, "cpus", "cpu", all_cpus, &cpus);
    if (rc)
        goto out;
    if (!np_cpumap_equal(&cpus, &topo->nodes[id].cpus)) {
        np_json_path_key(p, path, "cpus");
        want = np_json_list_format(&topo->nodes[id].cpus, NULL);
        if (!want) {
            rc = -ENOMEM;
            goto out;
        }
        rc = np_json_fail(rd, p,
                          "'%.64s' is not the set of online cpus whose node is "
                          "%d, which is '%.64s'",
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
    char p[NP_JSON_PATH_LEN];
    const struct np_jv *v;
    int rc;

    rc = np_json_member(rd, o, path, "siblings", NP_JSTRING, false, &v);
    if (rc || !v)
        return rc;
    rc = list_value(rd, v, path, "siblings", "cpu", all_cpus, &c->siblings);
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
static int read_ident(struct np_json_rd *rd, const struct np_jv *host,
                      struct np_host_ident *ident)
{
    static const char *const backends[] = {"xen", "kvm", "test", NULL};
    const struct np_jv *v;
    const char *s;
    unsigned int i;
    int rc;

#define READ_IDENT(k)                                                          \
    rc = np_json_member(rd, host, "host", #k, NP_JSTRING, false, &v);          \
    if (rc)                                                                    \
        return rc;                                                             \
    if (v) {                                                                   \
        s = v->u.s;                                                            \
        if (!np_ident_valid(s))                                                \
            return np_json_fail(                                               \
                rd, "host." #k,                                                \
                "'%.40s' is not a valid value: printable ASCII, "              \
                "1 to 254 characters",                                         \
                np_json_show(v));                                              \
        if (np_ident_set(&ident->k, s))                                        \
            return -ENOMEM;                                                    \
    }
    NP_JSON_IDENT_KEYS(READ_IDENT)
#undef READ_IDENT
    if (ident->hostname && !np_ident_valid_hostname(ident->hostname))
        return np_json_fail(rd, "host.hostname",
                            "'%.40s' is not a host name: letters, digits, '-', "
                            "'_' and '.' only",
                            ident->hostname);
    if (ident->captured && !np_ident_valid_time(ident->captured))
        return np_json_fail(rd, "host.captured",
                            "'%.40s' is not a capture time: expected UTC as "
                            "YYYY-MM-DDTHH:MM:SSZ",
                            ident->captured);
    if (ident->backend) {
        for (i = 0; backends[i]; i++)
            if (!strcmp(ident->backend, backends[i]))
                break;
        if (!backends[i])
            return np_json_fail(rd, "host.backend",
                                "unknown backend '%.40s': expected xen, kvm or "
                                "test",
                                ident->backend);
    }
    return 0;
}

static int read_host(struct np_json_rd *rd, const struct np_jv *host,
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
    rc = np_json_member_int(rd, host, "host", "memory_kib", false, 1, MEM_MAX,
                            &x, &found);
    if (rc)
        goto out;
    if (found)
        topo->mem_total_kib = (uint64_t)x;

    strcpy(p, "host.nodes");
    for (i = 0; i < (size_t)nodes->n; i++) {
        int id = (int)node_ids[i];

        index_path(p, strlen("host.nodes"), i);
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

        index_path(p, strlen("host.cpus"), i);
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
        index_path(p, strlen("host.cpus"), i);
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
        index_path(p, strlen("host.nodes"), i);
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

static const char *const vcpu_keys[] = {"id",  "online",  "running", "blocked",
                                        "cpu", "time_ns", "hard",    "soft",
                                        "tid", NULL};
/* their indices, for np_json_members() */
enum {
    VCPU_ID,
    VCPU_ONLINE,
    VCPU_RUNNING,
    VCPU_BLOCKED,
    VCPU_CPU,
    VCPU_TIME_NS,
    VCPU_HARD,
    VCPU_SOFT,
    VCPU_TID,
};
static const char *const guest_keys[] = {
    "id",    "name", "memory_kib", "node_affinity", "memory_per_node_kib",
    "vcpus", NULL};
/* their indices, for np_json_members() */
enum {
    GUEST_ID,
    GUEST_NAME,
    GUEST_MEMORY_KIB,
    GUEST_NODE_AFFINITY,
    GUEST_MEMORY_PER_NODE_KIB,
    GUEST_VCPUS,
};

static int read_vcpu(struct np_json_rd *rd, const struct np_topo *topo,
                     const struct np_jv *o, const char *path, size_t index,
                     const struct np_cpumap *all_cpus, struct np_vcpu *vc)
{
    const struct np_jv *m[NP_JSON_MAX_KEYS];
    char p[NP_JSON_PATH_LEN];
    const struct np_jv *v;
    int64_t x;
    bool found;
    int rc;

    rc = np_json_check_type(rd, o, path, NP_JOBJECT);
    if (rc)
        return rc;
    rc = np_json_members(rd, o, path, vcpu_keys, m);
    if (rc)
        return rc;
    rc = np_json_member_int_at(rd, m[VCPU_ID], path, "id", true, 0, INT32_MAX,
                               &x, &found);
    if (rc)
        return rc;
    if ((size_t)x != index) {
        np_json_path_key(p, path, "id");
        return np_json_fail(rd, p,
                            "vcpu id %" PRId64 " where %zu was expected (vcpus "
                            "are listed in id order from 0)",
                            x, index);
    }
    rc =
        np_json_member_bool_at(rd, m[VCPU_ONLINE], path, "online", &vc->online);
    if (rc)
        return rc;
    rc = np_json_member_bool_at(rd, m[VCPU_RUNNING], path, "running",
                                &vc->running);
    if (rc)
        return rc;
    rc = np_json_member_bool_at(rd, m[VCPU_BLOCKED], path, "blocked",
                                &vc->blocked);
    if (rc)
        return rc;
    rc = np_json_member_int_at(rd, m[VCPU_CPU], path, "cpu", false, 0,
                               INT32_MAX, &x, &found);
    if (rc)
        return rc;
    if (found) {
        if (!np_topo_cpu_exists(topo, (int)x)) {
            np_json_path_key(p, path, "cpu");
            return np_json_fail(rd, p, "cpu %" PRId64 " does not exist", x);
        }
        vc->cpu = (int)x;
    }
    rc = np_json_member_int_at(rd, m[VCPU_TIME_NS], path, "time_ns", true, 0,
                               MEM_MAX, &x, &found);
    if (rc)
        return rc;
    vc->time_ns = (uint64_t)x;
    rc = np_json_member_int_at(rd, m[VCPU_TID], path, "tid", false, 1,
                               INT32_MAX, &x, &found);
    if (rc)
        return rc;
    if (found)
        vc->tid = (long)x;
    rc =
        np_json_member_at(rd, m[VCPU_HARD], path, "hard", NP_JSTRING, true, &v);
    if (rc)
        return rc;
    rc = list_value(rd, v, path, "hard", "cpu", all_cpus, &vc->hard);
    if (rc)
        return rc;
    rc = np_json_member_at(rd, m[VCPU_SOFT], path, "soft", NP_JSTRING, false,
                           &v);
    if (rc || !v)
        return rc;
    return list_value(rd, v, path, "soft", "cpu", all_cpus, &vc->soft);
}

/* The guest's memory_per_node_kib (mem; base is the guest's path). */
static int read_guest_memory(struct np_json_rd *rd, const struct np_topo *topo,
                             const struct np_jv *mem, const char *base,
                             struct np_guest *g)
{
    const struct np_jv *it;
    char p[NP_JSON_PATH_LEN], path[NP_JSON_PATH_LEN];
    const char *q;
    int64_t x;
    long id;
    int node, rc;

    g->mem_per_node_kib =
        calloc(topo->nr_node_ids, sizeof(*g->mem_per_node_kib));
    if (!g->mem_per_node_kib)
        return -ENOMEM;
    for (it = mem->u.kids; it < mem->u.kids + mem->n; it++) {
        q = it->key;
        if (!list_number(&q, &id) && !*q &&
            !(q - it->key > 1 && *it->key == '0') &&
            np_topo_node_exists(topo, (int)id) && np_jv_is(it, NP_JINT) &&
            it->u.i >= 0 && it->u.i <= MEM_MAX) {
            g->mem_per_node_kib[id] = (uint64_t)it->u.i; /* no path made */
            continue;
        }
        np_json_path_key(path, base, "memory_per_node_kib");
        rc = node_key(rd, topo, path, it->key, &node);
        if (rc)
            return rc;
        if (np_jv_is(it, NP_JINT) && it->u.i >= 0 && it->u.i <= MEM_MAX) {
            x = it->u.i;
        } else {
            np_json_path_key(p, path, it->key);
            rc = np_json_int_value(rd, it, p, 0, MEM_MAX, &x);
            if (rc)
                return rc;
        }
        g->mem_per_node_kib[node] = (uint64_t)x;
    }
    return 0;
}

/* The guests read so far, by id and by name: open addressing over
 * indices into snap->guests (+1; 0 is empty), so that a snapshot of
 * thousands of guests is checked for clashes in linear time. */
struct seen {
    size_t mask;
    size_t *by_id, *by_name;
};

static size_t seen_hash(int id, const char *name)
{
    size_t h = 14695981039346656037u;

    if (!name)
        return (size_t)(unsigned int)id * 2654435761u;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 1099511628211u;
    return h;
}

/* The index of the guest with that id (name NULL) or name, or
 * snap->nr_guests. */
static size_t seen_find(const struct seen *sn, const struct np_snapshot *snap,
                        int id, const char *name)
{
    const size_t *t = name ? sn->by_name : sn->by_id;
    size_t h = seen_hash(id, name) & sn->mask;

    for (; t[h]; h = (h + 1) & sn->mask) {
        const struct np_guest *g = &snap->guests[t[h] - 1];

        if (name ? !strcmp(g->name, name) : g->id == id)
            return t[h] - 1;
    }
    return snap->nr_guests;
}

static void seen_add(struct seen *sn, const struct np_guest *g, size_t idx)
{
    size_t h = seen_hash(g->id, NULL) & sn->mask;

    while (sn->by_id[h])
        h = (h + 1) & sn->mask;
    sn->by_id[h] = idx + 1;
    h = seen_hash(0, g->name) & sn->mask;
    while (sn->by_name[h])
        h = (h + 1) & sn->mask;
    sn->by_name[h] = idx + 1;
}

static int read_guest(struct np_json_rd *rd, struct np_snapshot *snap,
                      struct seen *seen, const struct np_jv *o,
                      const char *path, const struct np_cpumap *all_cpus,
                      const struct np_cpumap *all_nodes)
{
    const struct np_jv *m[NP_JSON_MAX_KEYS];
    const struct np_jv *name, *vcpus, *v;
    struct np_guest *g;
    char p[NP_JSON_PATH_LEN], q[NP_JSON_PATH_LEN];
    const char *s;
    int64_t id, x;
    size_t i, nr;
    bool found;
    int rc;

    rc = np_json_check_type(rd, o, path, NP_JOBJECT);
    if (rc)
        return rc;
    rc = np_json_members(rd, o, path, guest_keys, m);
    if (rc)
        return rc;
    rc = np_json_member_int_at(rd, m[GUEST_ID], path, "id", true, 0, INT32_MAX,
                               &id, &found);
    if (rc)
        return rc;
    rc = np_json_member_at(rd, m[GUEST_NAME], path, "name", NP_JSTRING, true,
                           &name);
    if (rc)
        return rc;
    if (np_jv_is(name, NP_JSTRING) && name->n && strlen(name->u.s) == name->n) {
        s = name->u.s; /* the path only for a message */
    } else {
        np_json_path_key(p, path, "name");
        rc = np_json_string_value(rd, name, p, &s);
        if (rc)
            return rc;
        if (!*s)
            return np_json_fail(rd, p, "the name is empty");
    }
    {
        /* the guests before it have distinct ids and names (a clash stops
         * the reading): at most one holds each; the earlier one is named,
         * the id first */
        size_t by_id = seen_find(seen, snap, (int)id, NULL);
        size_t by_name = seen_find(seen, snap, 0, s);

        if (by_id < snap->nr_guests && by_id <= by_name) {
            np_json_path_key(p, path, "id");
            return np_json_fail(rd, p,
                                "guest id %" PRId64 " is already used by "
                                "guests[%zu]",
                                id, by_id);
        }
        np_json_path_key(p, path, "name");
        if (by_name < snap->nr_guests)
            return np_json_fail(rd, p,
                                "guest name '%.64s' is already used by "
                                "guests[%zu]",
                                s, by_name);
    }
    rc = np_json_member_at(rd, m[GUEST_VCPUS], path, "vcpus", NP_JARRAY, true,
                           &vcpus);
    if (rc)
        return rc;
    nr = (size_t)vcpus->n;
    if (!nr || nr > NP_MAX_CPU_IDS) {
        np_json_path_key(p, path, "vcpus");
        return np_json_fail(rd, p, "%zu vcpus, expected 1 to %d", nr,
                            NP_MAX_CPU_IDS);
    }
    rc = np_snapshot_add_guest(snap, (int)id, s, (unsigned int)nr, false, &g);
    if (rc)
        return rc;
    seen_add(seen, g, snap->nr_guests - 1);
    rc = np_json_member_int_at(rd, m[GUEST_MEMORY_KIB], path, "memory_kib",
                               true, 0, MEM_MAX, &x, &found);
    if (rc)
        return rc;
    g->mem_kib = (uint64_t)x;
    rc = np_json_member_at(rd, m[GUEST_NODE_AFFINITY], path, "node_affinity",
                           NP_JSTRING, false, &v);
    if (rc)
        return rc;
    if (v) {
        rc = list_value(rd, v, path, "node_affinity", "node", all_nodes,
                        &g->node_affinity);
        if (rc)
            return rc;
    } else {
        np_cpumap_dispose(&g->node_affinity);
    }
    rc = np_json_member_at(rd, m[GUEST_MEMORY_PER_NODE_KIB], path,
                           "memory_per_node_kib", NP_JOBJECT, false, &v);
    if (rc)
        return rc;
    if (v) {
        rc = read_guest_memory(rd, &snap->topo, v, path, g);
        if (rc)
            return rc;
    }
    np_json_path_key(p, path, "vcpus");
    for (i = 0; i < nr; i++) {
        np_json_path_index(q, p, i);
        rc = read_vcpu(rd, &snap->topo, &vcpus->u.kids[i], q, i, all_cpus,
                       &g->vcpus[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int read_root(struct np_json_rd *rd, const struct np_jv *root,
                     struct np_snapshot *snap)
{
    static const char *const root_keys[] = {"numapin", "host", "guests", NULL};
    struct np_cpumap all_cpus, all_nodes;
    struct seen seen = {0, NULL, NULL};
    const struct np_jv *host, *guests, *v;
    char p[NP_JSON_PATH_LEN];
    int64_t version;
    size_t i;
    int rc;

    np_cpumap_init(&all_cpus);
    np_cpumap_init(&all_nodes);
    rc = np_json_check_type(rd, root, "", NP_JOBJECT);
    if (rc)
        goto out;
    rc = np_json_member(rd, root, "", "numapin", NP_JINT, true, &v);
    if (rc)
        goto out;
    version = v->u.i;
    if (version < 1 || version > NP_JSON_VERSION) {
        rc = np_json_fail(rd, "numapin",
                          "format version %.40s is not supported, this numapin "
                          "reads versions 1 to %d",
                          np_json_show(v), NP_JSON_VERSION);
        goto out;
    }
    rc = np_json_check_keys(rd, root, "", root_keys);
    if (rc)
        goto out;
    rc = np_json_member(rd, root, "", "host", NP_JOBJECT, true, &host);
    if (rc)
        goto out;
    rc = read_host(rd, host, &snap->topo, (int)version);
    if (rc)
        goto out;
    if (version >= 2) {
        rc = read_ident(rd, host, &snap->ident);
        if (rc)
            goto out;
    }
    rc = np_json_member(rd, root, "", "guests", NP_JARRAY, false, &guests);
    if (rc || !guests)
        goto out;
    snap->has_guests = true;
    rc = np_topo_all_cpus(&snap->topo, &all_cpus);
    if (rc)
        goto out;
    rc = np_topo_all_nodes(&snap->topo, &all_nodes);
    if (rc)
        goto out;
    for (seen.mask = 15; seen.mask < 2 * (size_t)guests->n;)
        seen.mask = seen.mask * 2 + 1;
    seen.by_id = calloc(seen.mask + 1, sizeof(*seen.by_id));
    seen.by_name = calloc(seen.mask + 1, sizeof(*seen.by_name));
    if (!seen.by_id || !seen.by_name) {
        rc = -ENOMEM;
        goto out;
    }
    strcpy(p, "guests");
    for (i = 0; i < (size_t)guests->n; i++) {
        index_path(p, strlen("guests"), i);
        rc = read_guest(rd, snap, &seen, &guests->u.kids[i], p, &all_cpus,
                        &all_nodes);
        if (rc)
            goto out;
    }
out:
    free(seen.by_id);
    free(seen.by_name);
    np_cpumap_dispose(&all_cpus);
    np_cpumap_dispose(&all_nodes);
    return rc;
}

/*
 * The text through json-c, as every snapshot was read before
 * np_jdoc_parse(): json-c's verdict and messages, the duplicate-key pass,
 * then json-c's tree as a document.  Only for text numapin's own parser
 * gives up on (an error, a duplicate key, a \u escape, ...).
 */
static int parse_json_c(struct np_json_rd *rd, const char *buf, size_t len,
                        struct np_jdoc **doc)
{
    struct json_tokener *tok;
    json_object *root = NULL;
    enum json_tokener_error jerr;
    size_t end;
    int rc;

    tok = json_tokener_new();
    if (!tok)
        return -ENOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (end > len)
        end = len;
    if (!root && jerr == json_tokener_continue) {
        rc = np_json_parse_fail(rd, buf, len, "unexpected end of file");
        goto out;
    }
    if (!root || jerr != json_tokener_success) {
        rc = np_json_parse_fail(rd, buf, end, json_tokener_error_desc(jerr));
        goto out;
    }
    for (; end < len; end++) {
        if (!strchr(" \t\r\n", buf[end])) {
            rc = np_json_parse_fail(rd, buf, end,
                                    "text after the end of the json");
            goto out;
        }
    }
    rc = np_json_check_dup_keys(rd, buf, len);
    if (!rc)
        rc = np_jdoc_from_json_c(root, doc);
out:
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

int np_json_read_snapshot(const char *buf, size_t len,
                          const char *name_for_errors, struct np_snapshot *snap,
                          struct np_err *err)
{
    struct np_json_rd rd = {.name = name_for_errors, .err = err};
    struct np_jdoc *doc = NULL;
    struct np_snapshot tmp;
    const char *nul;
    int rc;

    np_snapshot_init(&tmp);
    np_snapshot_dispose(snap);
    nul = memchr(buf, '\0', len);
    if (nul) {
        rc = np_json_parse_fail(&rd, buf, (size_t)(nul - buf), "a nul byte");
        goto out;
    }
    if (len > INT32_MAX) {
        rc = np_err_set(err, -EINVAL, "%s: the input is too large",
                        name_for_errors ? name_for_errors : "json");
        goto out;
    }
    rc = np_jdoc_parse(buf, len, &doc);
    if (rc == -EAGAIN)
        rc = parse_json_c(&rd, buf, len, &doc);
    if (rc)
        goto out;
    rc = read_root(&rd, np_jdoc_root(doc), &tmp);
    if (rc)
        goto out;
    if (name_for_errors) {
        rc = np_topo_set_source(&tmp.topo, name_for_errors);
        if (rc)
            goto out;
    }
    tmp.backend = "file";
    *snap = tmp;
    np_snapshot_init(&tmp);
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while reading json");
    np_snapshot_dispose(&tmp);
    np_jdoc_free(doc);
    return rc;
}

int np_json_read_snapshot_file(const char *path, struct np_snapshot *snap,
                               struct np_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    np_snapshot_dispose(snap);
    rc = np_file_read_all(path, NP_FILE_MAX, &buf, &len, err);
    if (!rc)
        rc = np_json_read_snapshot(buf, len, path, snap, err);
    free(buf);
    return rc;
}
