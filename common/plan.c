/*
 * plan.c: plans as data, their JSON form (json-c), and applying them
 * through the backend ops table with a journal.  The contract is in
 * plan.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "cpulist.h"
#include "fileio.h"
#include "plan.h"

/* ------------------------------------------------------------------ */
/* The data                                                            */
/* ------------------------------------------------------------------ */

void np_plan_init(struct np_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->overcommit = 1;
}

static void free_strings(char **v, unsigned int nr)
{
    unsigned int i;

    for (i = 0; i < nr; i++)
        free(v[i]);
    free(v);
}

static void guest_dispose(struct np_plan_guest *g)
{
    unsigned int v;

    free(g->name);
    np_cpumap_dispose(&g->nodes);
    np_cpumap_dispose(&g->node_affinity);
    free(g->mem_per_node_kib);
    for (v = 0; v < g->nr_vcpus; v++) {
        if (g->hard)
            np_cpumap_dispose(&g->hard[v]);
        if (g->soft)
            np_cpumap_dispose(&g->soft[v]);
    }
    free(g->hard);
    free(g->soft);
    free_strings(g->reasons, g->nr_reasons);
    free(g->advice);
    memset(g, 0, sizeof(*g));
}

void np_plan_dispose(struct np_plan *plan)
{
    unsigned int i;

    for (i = 0; i < plan->nr_guests; i++)
        guest_dispose(&plan->guests[i]);
    free(plan->guests);
    free(plan->backend);
    free_strings(plan->reasons, plan->nr_reasons);
    np_plan_init(plan);
}

static const char *const policy_names[] = {
    [NP_POLICY_PREFER] = "prefer",
    [NP_POLICY_ISOLATE] = "isolate",
    [NP_POLICY_REQUIRE] = "require",
};

const char *np_policy_name(enum np_policy policy)
{
    if ((unsigned int)policy < sizeof(policy_names) / sizeof(policy_names[0]))
        return policy_names[policy];
    return "?";
}

int np_policy_parse(const char *s, enum np_policy *policy_out)
{
    unsigned int i;

    for (i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
        if (!strcmp(s, policy_names[i])) {
            *policy_out = (enum np_policy)i;
            return 0;
        }
    }
    return -EINVAL;
}

int np_plan_add_guest(struct np_plan *plan, int id, const char *name,
                      unsigned int nr_vcpus, struct np_plan_guest **guest_out)
{
    struct np_plan_guest *gs, *g;
    unsigned int v;

    gs = realloc(plan->guests, (plan->nr_guests + 1) * sizeof(*gs));
    if (!gs)
        return -ENOMEM;
    plan->guests = gs;
    g = &gs[plan->nr_guests];
    memset(g, 0, sizeof(*g));
    g->id = id;
    g->name = strdup(name ? name : "");
    g->hard = calloc(nr_vcpus + 1, sizeof(*g->hard));
    g->soft = calloc(nr_vcpus + 1, sizeof(*g->soft));
    if (!g->name || !g->hard || !g->soft) {
        free(g->name);
        free(g->hard);
        free(g->soft);
        return -ENOMEM;
    }
    g->nr_vcpus = nr_vcpus;
    for (v = 0; v < nr_vcpus; v++) {
        np_cpumap_init(&g->hard[v]);
        np_cpumap_init(&g->soft[v]);
    }
    np_cpumap_init(&g->nodes);
    np_cpumap_init(&g->node_affinity);
    plan->nr_guests++;
    if (np_cpumap_alloc(&g->nodes, plan->nr_node_ids ? plan->nr_node_ids : 1))
        return -ENOMEM;
    if (guest_out)
        *guest_out = g;
    return 0;
}

static int push_string(char ***v, unsigned int *nr, char *s)
{
    char **n;

    if (!s)
        return -ENOMEM;
    n = realloc(*v, (*nr + 1) * sizeof(*n));
    if (!n) {
        free(s);
        return -ENOMEM;
    }
    n[(*nr)++] = s;
    *v = n;
    return 0;
}

int np_plan_reason(struct np_plan *plan, struct np_plan_guest *g,
                   const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    if (g)
        return push_string(&g->reasons, &g->nr_reasons, s);
    return push_string(&plan->reasons, &plan->nr_reasons, s);
}

int np_plan_advice(struct np_plan_guest *g, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    free(g->advice);
    g->advice = s;
    return 0;
}

struct np_plan_guest *np_plan_find_guest(const struct np_plan *plan, int id)
{
    unsigned int i;

    for (i = 0; i < plan->nr_guests; i++)
        if (plan->guests[i].id == id && !plan->guests[i].is_new)
            return &plan->guests[i];
    return NULL;
}

static const struct np_guest *snap_guest(const struct np_snapshot *snap, int id)
{
    unsigned int i;

    for (i = 0; i < snap->nr_guests; i++)
        if (snap->guests[i].id == id)
            return &snap->guests[i];
    return NULL;
}

/* A guest of the plan that apply changes. */
static bool applied(const struct np_plan_guest *g)
{
    return g->placed && !g->is_new;
}

int np_plan_journal(const struct np_snapshot *snap, const struct np_plan *plan,
                    struct np_plan *journal_out, struct np_err *err)
{
    struct np_cpumap all_nodes;
    unsigned int i, v;
    int rc = 0;

    np_plan_init(journal_out);
    np_cpumap_init(&all_nodes);
    journal_out->is_journal = true;
    journal_out->nr_cpu_ids = snap->topo.nr_cpu_ids;
    journal_out->nr_node_ids = snap->topo.nr_node_ids;
    journal_out->policy = plan->policy;
    journal_out->overcommit = plan->overcommit;
    journal_out->pin = plan->pin;
    if (snap->backend) {
        journal_out->backend = strdup(snap->backend);
        if (!journal_out->backend)
            return -ENOMEM;
    }
    rc = np_topo_all_nodes(&snap->topo, &all_nodes);
    if (rc)
        goto out;
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];
        const struct np_guest *g;
        struct np_plan_guest *jg;

        if (!applied(pg))
            continue;
        g = snap_guest(snap, pg->id);
        if (!g) {
            rc = np_err_set(err, -ESRCH,
                            "guest '%s' (id %d) no longer exists: make a "
                            "new plan",
                            pg->name, pg->id);
            goto out;
        }
        rc = np_plan_add_guest(journal_out, g->id, g->name, g->nr_vcpus, &jg);
        if (rc)
            goto out;
        jg->placed = true;
        jg->mem_kib = g->mem_kib;
        for (v = 0; v < g->nr_vcpus; v++) {
            rc = np_cpumap_copy(&jg->hard[v], &g->vcpus[v].hard);
            if (!rc && g->vcpus[v].soft.nr_bits)
                rc = np_cpumap_copy(&jg->soft[v], &g->vcpus[v].soft);
            if (rc)
                goto out;
        }
        if (g->node_affinity.nr_bits &&
            !np_cpumap_is_empty(&g->node_affinity)) {
            if (np_cpumap_subset(&all_nodes, &g->node_affinity))
                jg->node_affinity_auto = true;
            else
                rc = np_cpumap_copy(&jg->node_affinity, &g->node_affinity);
            if (rc)
                goto out;
        } else if (pg->node_affinity_auto || pg->node_affinity.nr_bits) {
            /* unknown (KVM keeps none): what the plan changes goes back
             * to automatic, the state of a guest nobody has placed */
            jg->node_affinity_auto = true;
        }
        if (g->mem_per_node_kib) {
            int n;

            jg->mem_per_node_kib =
                calloc(snap->topo.nr_node_ids, sizeof(*jg->mem_per_node_kib));
            if (!jg->mem_per_node_kib) {
                rc = -ENOMEM;
                goto out;
            }
            memcpy(jg->mem_per_node_kib, g->mem_per_node_kib,
                   snap->topo.nr_node_ids * sizeof(*jg->mem_per_node_kib));
            for (n = 0; n < (int)snap->topo.nr_node_ids; n++)
                if (g->mem_per_node_kib[n])
                    np_cpumap_set(&jg->nodes, n);
        }
    }
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while writing the journal");
    if (rc)
        np_plan_dispose(journal_out);
    np_cpumap_dispose(&all_nodes);
    return rc;
}

/* ------------------------------------------------------------------ */
/* JSON: writing                                                       */
/* ------------------------------------------------------------------ */

static void obj_add(json_object *obj, const char *key, json_object *val,
                    bool *oom)
{
    if (!val || json_object_object_add(obj, key, val)) {
        json_object_put(val);
        *oom = true;
    }
}

static void arr_add(json_object *arr, json_object *val, bool *oom)
{
    if (!val || json_object_array_add(arr, val)) {
        json_object_put(val);
        *oom = true;
    }
}

/* A set as "0-3,6" or "none" (never "all": the reader has no host). */
static json_object *new_list(const struct np_cpumap *map)
{
    char *s;
    json_object *o;

    if (np_cpumap_is_empty(map))
        return json_object_new_string("none");
    s = np_cpulist_format_ranges(map);
    if (!s)
        return NULL;
    o = json_object_new_string(s);
    free(s);
    return o;
}

static json_object *new_score(unsigned int score)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%u.%02u", score / 100, score % 100);
    return json_object_new_double_s((double)score / 100.0, buf);
}

static json_object *new_strings(char **v, unsigned int nr, bool *oom)
{
    json_object *arr = json_object_new_array();
    unsigned int i;

    if (!arr)
        return NULL;
    for (i = 0; i < nr; i++)
        arr_add(arr, json_object_new_string(v[i]), oom);
    return arr;
}

static json_object *write_guest(const struct np_plan *plan,
                                const struct np_plan_guest *g, bool *oom)
{
    json_object *o = json_object_new_object(), *pins, *mem;
    unsigned int v;
    int n;

    if (!o)
        return NULL;
    obj_add(o, "id", json_object_new_int(g->id), oom);
    obj_add(o, "name", json_object_new_string(g->name), oom);
    obj_add(o, "new", json_object_new_boolean(g->is_new), oom);
    obj_add(o, "placed", json_object_new_boolean(g->placed), oom);
    obj_add(o, "vcpus", json_object_new_int64(g->nr_vcpus), oom);
    obj_add(o, "memory_kib", json_object_new_int64((int64_t)g->mem_kib), oom);
    obj_add(o, "nodes", new_list(&g->nodes), oom);
    if (g->node_affinity_auto)
        obj_add(o, "node_affinity", json_object_new_string("auto"), oom);
    else if (g->node_affinity.nr_bits)
        obj_add(o, "node_affinity", new_list(&g->node_affinity), oom);
    if (g->mem_per_node_kib) {
        mem = json_object_new_object();
        obj_add(o, "memory_per_node_kib", mem, oom);
        for (n = 0; mem && n < (int)plan->nr_node_ids; n++) {
            char key[16];

            if (!g->mem_per_node_kib[n])
                continue;
            snprintf(key, sizeof(key), "%d", n);
            obj_add(mem, key,
                    json_object_new_int64((int64_t)g->mem_per_node_kib[n]),
                    oom);
        }
    }
    if (!plan->is_journal)
        obj_add(o, "score", new_score(g->score), oom);
    pins = json_object_new_array();
    obj_add(o, "pins", pins, oom);
    for (v = 0; pins && g->placed && v < g->nr_vcpus; v++) {
        json_object *p = json_object_new_object();

        arr_add(pins, p, oom);
        if (!p)
            break;
        obj_add(p, "vcpu", json_object_new_int64(v), oom);
        if (g->hard[v].nr_bits)
            obj_add(p, "hard", new_list(&g->hard[v]), oom);
        if (g->soft[v].nr_bits)
            obj_add(p, "soft", new_list(&g->soft[v]), oom);
    }
    if (g->nr_reasons)
        obj_add(o, "reasons", new_strings(g->reasons, g->nr_reasons, oom), oom);
    if (g->advice)
        obj_add(o, "advice", json_object_new_string(g->advice), oom);
    if (g->migrate)
        obj_add(o, "migrate", json_object_new_boolean(true), oom);
    return o;
}

int np_plan_write_json(const struct np_plan *plan, char **json_out,
                       struct np_err *err)
{
    json_object *root = json_object_new_object(), *host, *guests;
    const char *text;
    bool oom = !root;
    unsigned int i;
    int rc = 0;

    *json_out = NULL;
    if (root) {
        obj_add(root, "numapin_plan", json_object_new_int(NP_PLAN_VERSION),
                &oom);
        obj_add(root, "kind",
                json_object_new_string(plan->is_journal ? "journal" : "plan"),
                &oom);
        if (plan->backend)
            obj_add(root, "backend", json_object_new_string(plan->backend),
                    &oom);
        host = json_object_new_object();
        obj_add(root, "host", host, &oom);
        if (host) {
            obj_add(host, "cpu_ids", json_object_new_int64(plan->nr_cpu_ids),
                    &oom);
            obj_add(host, "node_ids", json_object_new_int64(plan->nr_node_ids),
                    &oom);
        }
        obj_add(root, "policy",
                json_object_new_string(np_policy_name(plan->policy)), &oom);
        obj_add(root, "overcommit", json_object_new_int64(plan->overcommit),
                &oom);
        obj_add(
            root, "pin",
            json_object_new_string(plan->pin == NP_PIN_SOFT ? "soft" : "hard"),
            &oom);
        if (!plan->is_journal)
            obj_add(root, "score", new_score(plan->score), &oom);
        if (plan->nr_reasons)
            obj_add(root, "reasons",
                    new_strings(plan->reasons, plan->nr_reasons, &oom), &oom);
        guests = json_object_new_array();
        obj_add(root, "guests", guests, &oom);
        for (i = 0; guests && i < plan->nr_guests; i++)
            arr_add(guests, write_guest(plan, &plan->guests[i], &oom), &oom);
    }
    if (oom) {
        rc = -ENOMEM;
        goto out;
    }
    text = json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                  JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text || asprintf(json_out, "%s\n", text) < 0) {
        *json_out = NULL;
        rc = -ENOMEM;
    }
out:
    if (rc)
        np_err_set(err, rc, "out of memory while formatting the plan");
    json_object_put(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* JSON: reading                                                       */
/* ------------------------------------------------------------------ */

struct rd {
    const char *name;
    struct np_err *err;
};

static int rd_fail(struct rd *rd, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int rd_fail(struct rd *rd, const char *path, const char *fmt, ...)
{
    char msg[NP_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return np_err_set(rd->err, -EINVAL, "%s: %s: %s",
                      rd->name ? rd->name : "plan", path, msg);
}

static int check_keys(struct rd *rd, json_object *obj, const char *path,
                      const char *const *keys)
{
    unsigned int i;

    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        for (i = 0; keys[i]; i++)
            if (!strcmp(keys[i], key))
                break;
        if (!keys[i])
            return rd_fail(rd, path, "unknown key '%s'", key);
    }
    return 0;
}

static int get(struct rd *rd, json_object *obj, const char *path,
               const char *key, enum json_type type, bool required,
               json_object **out)
{
    json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || !v) {
        if (required)
            return rd_fail(rd, path, "'%s' is missing", key);
        return 0;
    }
    if (json_object_get_type(v) != type &&
        !(type == json_type_double && json_object_is_type(v, json_type_int)))
        return rd_fail(rd, path, "'%s' has the wrong type", key);
    *out = v;
    return 0;
}

static int get_uint(struct rd *rd, json_object *obj, const char *path,
                    const char *key, uint64_t max, uint64_t *out)
{
    json_object *v;
    int64_t n;
    int rc = get(rd, obj, path, key, json_type_int, true, &v);

    if (rc)
        return rc;
    n = json_object_get_int64(v);
    if (n < 0 || (uint64_t)n > max)
        return rd_fail(rd, path, "'%s' is out of range (0 to %" PRIu64 ")", key,
                       max);
    *out = (uint64_t)n;
    return 0;
}

/* "0-3,6", "all", "none" into map of nr_bits bits. */
static int parse_list(const char *s, unsigned int nr_bits,
                      struct np_cpumap *map)
{
    const char *p = s;
    int rc = np_cpumap_alloc(map, nr_bits);

    if (rc)
        return rc;
    if (!strcmp(s, "none"))
        return 0;
    if (!strcmp(s, "all")) {
        np_cpumap_set_all(map);
        return 0;
    }
    while (*p) {
        char *end;
        long a, b;

        if (*p < '0' || *p > '9')
            return -EINVAL;
        a = strtol(p, &end, 10);
        b = a;
        p = end;
        if (*p == '-') {
            p++;
            if (*p < '0' || *p > '9')
                return -EINVAL;
            b = strtol(p, &end, 10);
            p = end;
        }
        if (a > b || b >= (long)nr_bits)
            return -EINVAL;
        np_cpumap_set_range(map, (int)a, (int)b);
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            return -EINVAL;
    }
    return 0;
}

static int get_list(struct rd *rd, json_object *obj, const char *path,
                    const char *key, unsigned int nr_bits, bool required,
                    struct np_cpumap *map)
{
    json_object *v;
    int rc = get(rd, obj, path, key, json_type_string, required, &v);

    if (rc || !v)
        return rc;
    rc = parse_list(json_object_get_string(v), nr_bits, map);
    if (rc == -EINVAL)
        return rd_fail(rd, path, "'%s' is not a list of ids below %u: '%s'",
                       key, nr_bits, json_object_get_string(v));
    return rc;
}

static int get_strings(struct rd *rd, json_object *obj, const char *path,
                       const char *key, char ***v, unsigned int *nr)
{
    json_object *arr;
    size_t i;
    int rc = get(rd, obj, path, key, json_type_array, false, &arr);

    if (rc || !arr)
        return rc;
    for (i = 0; i < json_object_array_length(arr); i++) {
        json_object *s = json_object_array_get_idx(arr, i);

        if (!json_object_is_type(s, json_type_string))
            return rd_fail(rd, path, "'%s[%zu]' is not a string", key, i);
        rc = push_string(v, nr, strdup(json_object_get_string(s)));
        if (rc)
            return rc;
    }
    return 0;
}

static unsigned int score_of(json_object *v)
{
    double d = v ? json_object_get_double(v) : 0;

    return d > 0 ? (unsigned int)(d * 100.0 + 0.5) : 0;
}

static int read_guest(struct rd *rd, struct np_plan *plan, json_object *o,
                      const char *path)
{
    static const char *const keys[] = {
        "id",     "name",          "new",
        "placed", "vcpus",         "memory_kib",
        "nodes",  "node_affinity", "memory_per_node_kib",
        "score",  "pins",          "reasons",
        "advice", "migrate",       NULL};
    static const char *const pin_keys[] = {"vcpu", "hard", "soft", NULL};
    json_object *v, *pins, *mem;
    struct np_plan_guest *g;
    uint64_t nr_vcpus, mem_kib;
    char sub[128];
    const char *name;
    int64_t id;
    size_t i;
    int rc;

    if (!json_object_is_type(o, json_type_object))
        return rd_fail(rd, path, "not an object");
    rc = check_keys(rd, o, path, keys);
    if (!rc)
        rc = get(rd, o, path, "id", json_type_int, true, &v);
    if (rc)
        return rc;
    id = json_object_get_int64(v);
    if (id < -1 || id > INT32_MAX)
        return rd_fail(rd, path, "'id' is out of range");
    rc = get(rd, o, path, "name", json_type_string, true, &v);
    if (rc)
        return rc;
    name = json_object_get_string(v);
    rc = get_uint(rd, o, path, "vcpus", 65536, &nr_vcpus);
    if (!rc)
        rc = get_uint(rd, o, path, "memory_kib", UINT64_MAX >> 1, &mem_kib);
    if (rc)
        return rc;
    rc = np_plan_add_guest(plan, (int)id, name, (unsigned int)nr_vcpus, &g);
    if (rc)
        return rc;
    g->mem_kib = mem_kib;
    rc = get(rd, o, path, "new", json_type_boolean, true, &v);
    if (rc)
        return rc;
    g->is_new = json_object_get_boolean(v);
    rc = get(rd, o, path, "placed", json_type_boolean, true, &v);
    if (rc)
        return rc;
    g->placed = json_object_get_boolean(v);
    rc = get(rd, o, path, "migrate", json_type_boolean, false, &v);
    if (rc)
        return rc;
    g->migrate = v && json_object_get_boolean(v);
    rc = get_list(rd, o, path, "nodes", plan->nr_node_ids, true, &g->nodes);
    if (rc)
        return rc;
    rc = get(rd, o, path, "node_affinity", json_type_string, false, &v);
    if (rc)
        return rc;
    if (v && !strcmp(json_object_get_string(v), "auto"))
        g->node_affinity_auto = true;
    else if (v)
        rc = get_list(rd, o, path, "node_affinity", plan->nr_node_ids, true,
                      &g->node_affinity);
    if (rc)
        return rc;
    rc = get(rd, o, path, "memory_per_node_kib", json_type_object, false, &mem);
    if (rc)
        return rc;
    if (mem) {
        g->mem_per_node_kib =
            calloc(plan->nr_node_ids + 1, sizeof(*g->mem_per_node_kib));
        if (!g->mem_per_node_kib)
            return -ENOMEM;
        json_object_object_foreach(mem, key, val)
        {
            char *end;
            long n = strtol(key, &end, 10);

            if (!*key || *end || n < 0 || n >= (long)plan->nr_node_ids ||
                !json_object_is_type(val, json_type_int) ||
                json_object_get_int64(val) < 0)
                return rd_fail(rd, path,
                               "'memory_per_node_kib' has a bad entry "
                               "'%s'",
                               key);
            g->mem_per_node_kib[n] = (uint64_t)json_object_get_int64(val);
        }
    }
    rc = get(rd, o, path, "score", json_type_double, false, &v);
    if (rc)
        return rc;
    g->score = score_of(v);
    rc = get(rd, o, path, "pins", json_type_array, true, &pins);
    if (rc)
        return rc;
    for (i = 0; i < json_object_array_length(pins); i++) {
        json_object *p = json_object_array_get_idx(pins, i);
        uint64_t vcpu;

        snprintf(sub, sizeof(sub), "%s.pins[%zu]", path, i);
        if (!json_object_is_type(p, json_type_object))
            return rd_fail(rd, sub, "not an object");
        rc = check_keys(rd, p, sub, pin_keys);
        if (!rc)
            rc = get_uint(rd, p, sub, "vcpu", 65535, &vcpu);
        if (rc)
            return rc;
        if (vcpu >= g->nr_vcpus)
            return rd_fail(rd, sub, "vcpu %" PRIu64 " is not below 'vcpus'",
                           vcpu);
        rc = get_list(rd, p, sub, "hard", plan->nr_cpu_ids, false,
                      &g->hard[vcpu]);
        if (!rc)
            rc = get_list(rd, p, sub, "soft", plan->nr_cpu_ids, false,
                          &g->soft[vcpu]);
        if (rc)
            return rc;
    }
    rc = get_strings(rd, o, path, "reasons", &g->reasons, &g->nr_reasons);
    if (rc)
        return rc;
    rc = get(rd, o, path, "advice", json_type_string, false, &v);
    if (!rc && v) {
        g->advice = strdup(json_object_get_string(v));
        if (!g->advice)
            rc = -ENOMEM;
    }
    return rc;
}

int np_plan_read_json(const char *buf, size_t len, const char *name,
                      struct np_plan *plan, struct np_err *err)
{
    static const char *const keys[] = {
        "numapin_plan", "kind",  "backend", "host",   "policy", "overcommit",
        "pin",          "score", "reasons", "guests", NULL};
    static const char *const host_keys[] = {"cpu_ids", "node_ids", NULL};
    struct rd rd = {name, err};
    struct json_tokener *tok = NULL;
    json_object *root = NULL, *v, *host, *guests;
    uint64_t n;
    const char *s;
    size_t i;
    int rc;

    np_plan_dispose(plan);
    tok = json_tokener_new();
    if (!tok)
        return -ENOMEM;
    root = json_tokener_parse_ex(tok, buf, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success) {
        rc = np_err_set(err, -EINVAL, "%s: not valid json: %s",
                        name ? name : "plan",
                        json_tokener_error_desc(json_tokener_get_error(tok)));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        rc = rd_fail(&rd, "(top)", "not an object");
        goto out;
    }
    rc = check_keys(&rd, root, "(top)", keys);
    if (!rc)
        rc = get_uint(&rd, root, "(top)", "numapin_plan", 1000, &n);
    if (rc)
        goto out;
    if (n != NP_PLAN_VERSION) {
        rc = rd_fail(&rd, "numapin_plan",
                     "version %" PRIu64
                     " is not supported (this numapin reads %d)",
                     n, NP_PLAN_VERSION);
        goto out;
    }
    rc = get(&rd, root, "(top)", "kind", json_type_string, true, &v);
    if (rc)
        goto out;
    s = json_object_get_string(v);
    if (strcmp(s, "plan") && strcmp(s, "journal")) {
        rc = rd_fail(&rd, "kind", "'%s' is neither 'plan' nor 'journal'", s);
        goto out;
    }
    plan->is_journal = !strcmp(s, "journal");
    rc = get(&rd, root, "(top)", "backend", json_type_string, false, &v);
    if (rc)
        goto out;
    if (v && !(plan->backend = strdup(json_object_get_string(v)))) {
        rc = -ENOMEM;
        goto out;
    }
    rc = get(&rd, root, "(top)", "host", json_type_object, true, &host);
    if (!rc)
        rc = check_keys(&rd, host, "host", host_keys);
    if (!rc)
        rc = get_uint(&rd, host, "host", "cpu_ids", NP_MAX_CPU_IDS, &n);
    if (rc)
        goto out;
    plan->nr_cpu_ids = (unsigned int)n;
    rc = get_uint(&rd, host, "host", "node_ids", NP_MAX_NODE_IDS, &n);
    if (rc)
        goto out;
    plan->nr_node_ids = (unsigned int)n;
    if (!plan->nr_cpu_ids || !plan->nr_node_ids) {
        rc = rd_fail(&rd, "host", "no cpu or node ids");
        goto out;
    }
    rc = get(&rd, root, "(top)", "policy", json_type_string, true, &v);
    if (rc)
        goto out;
    if (np_policy_parse(json_object_get_string(v), &plan->policy)) {
        rc = rd_fail(&rd, "policy", "unknown policy '%s'",
                     json_object_get_string(v));
        goto out;
    }
    rc = get_uint(&rd, root, "(top)", "overcommit", 1024, &n);
    if (rc)
        goto out;
    plan->overcommit = n ? (unsigned int)n : 1;
    rc = get(&rd, root, "(top)", "pin", json_type_string, true, &v);
    if (rc)
        goto out;
    s = json_object_get_string(v);
    if (strcmp(s, "hard") && strcmp(s, "soft")) {
        rc = rd_fail(&rd, "pin", "'%s' is neither 'hard' nor 'soft'", s);
        goto out;
    }
    plan->pin = !strcmp(s, "soft") ? NP_PIN_SOFT : NP_PIN_HARD;
    rc = get(&rd, root, "(top)", "score", json_type_double, false, &v);
    if (rc)
        goto out;
    plan->score = score_of(v);
    rc = get_strings(&rd, root, "(top)", "reasons", &plan->reasons,
                     &plan->nr_reasons);
    if (rc)
        goto out;
    rc = get(&rd, root, "(top)", "guests", json_type_array, true, &guests);
    if (rc)
        goto out;
    for (i = 0; i < json_object_array_length(guests); i++) {
        char path[32];

        snprintf(path, sizeof(path), "guests[%zu]", i);
        rc = read_guest(&rd, plan, json_object_array_get_idx(guests, i), path);
        if (rc)
            goto out;
    }
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while reading the plan");
    if (rc)
        np_plan_dispose(plan);
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

int np_plan_write_file(const char *path, const struct np_plan *plan,
                       struct np_err *err)
{
    char *json = NULL;
    int rc;

    rc = np_plan_write_json(plan, &json, err);
    if (rc)
        return rc;
    rc = np_file_write_atomic(path, json, strlen(json), 0644, err);
    free(json);
    return rc;
}

#define PLAN_MAX_FILE (64u << 20)

int np_plan_read_file(const char *path, struct np_plan *plan,
                      struct np_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc = 0;

    if (!f)
        return np_err_set(err, -errno, "cannot open '%s': %s", path,
                          strerror(errno));
    for (;;) {
        if (len + 4096 > cap) {
            char *nb;

            cap = cap ? cap * 2 : 8192;
            if (cap > PLAN_MAX_FILE) {
                rc = np_err_set(err, -EFBIG, "'%s' is too large for a plan",
                                path);
                goto out;
            }
            nb = realloc(buf, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        rc = np_err_set(err, -EIO, "cannot read '%s'", path);
        goto out;
    }
    rc = np_plan_read_json(buf, len, path, plan, err);
out:
    fclose(f);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Checking a plan against a host                                      */
/* ------------------------------------------------------------------ */

static int check_cpus(const struct np_topo *t, const struct np_plan *plan,
                      const struct np_plan_guest *g, unsigned int v,
                      const struct np_cpumap *map, const char *what,
                      struct np_err *err)
{
    bool any = false;
    int cpu;

    np_cpumap_for_each(cpu, map)
    {
        if (!np_topo_cpu_exists(t, cpu)) {
            if (plan->is_journal)
                continue; /* Xen's "any" maps hold ids beyond the host */
            return np_err_set(err, -EINVAL,
                              "the plan pins %s vcpu %u (%s) to cpu %d, "
                              "which this host does not have",
                              g->name, v, what, cpu);
        }
        if (!t->cpus[cpu].online && !plan->is_journal)
            return np_err_set(err, -EINVAL,
                              "the plan pins %s vcpu %u (%s) to cpu %d, "
                              "which is offline: make a new plan",
                              g->name, v, what, cpu);
        any = any || t->cpus[cpu].online;
    }
    if (!any)
        return np_err_set(err, -EINVAL,
                          "the plan leaves %s vcpu %u no online cpu (%s)",
                          g->name, v, what);
    return 0;
}

int np_plan_check(const struct np_snapshot *snap, const struct np_plan *plan,
                  struct np_err *err)
{
    const struct np_topo *t = &snap->topo;
    unsigned int i, v;
    int rc, n;

    if (plan->nr_cpu_ids != t->nr_cpu_ids ||
        plan->nr_node_ids != t->nr_node_ids)
        return np_err_set(err, -EINVAL,
                          "the plan is for a host with %u cpu ids and %u "
                          "node ids; this host has %u and %u",
                          plan->nr_cpu_ids, plan->nr_node_ids, t->nr_cpu_ids,
                          t->nr_node_ids);
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];
        const struct np_guest *g;

        if (!applied(pg))
            continue;
        g = snap_guest(snap, pg->id);
        if (!g)
            return np_err_set(err, -ESRCH,
                              "guest '%s' (id %d) no longer exists: make a "
                              "new plan",
                              pg->name, pg->id);
        if (strcmp(g->name, pg->name))
            return np_err_set(err, -ESRCH,
                              "guest id %d is now '%s', not '%s': make a "
                              "new plan",
                              pg->id, g->name, pg->name);
        if (g->nr_vcpus < pg->nr_vcpus)
            return np_err_set(err, -EINVAL,
                              "the plan has %u vcpus for '%s', which now "
                              "has %u: make a new plan",
                              pg->nr_vcpus, pg->name, g->nr_vcpus);
        for (v = 0; v < pg->nr_vcpus; v++) {
            if (pg->hard[v].nr_bits) {
                rc = check_cpus(t, plan, pg, v, &pg->hard[v], "hard", err);
                if (rc)
                    return rc;
            }
            if (pg->soft[v].nr_bits) {
                rc = check_cpus(t, plan, pg, v, &pg->soft[v], "soft", err);
                if (rc)
                    return rc;
            }
        }
        if (pg->node_affinity.nr_bits && !plan->is_journal) {
            if (np_cpumap_is_empty(&pg->node_affinity))
                return np_err_set(err, -EINVAL,
                                  "the plan gives '%s' an empty node "
                                  "affinity",
                                  pg->name);
            np_cpumap_for_each(n, &pg->node_affinity) if (
                !np_topo_node_has_memory(
                    t,
                    n)) return np_err_set(err, -EINVAL,
                                          "the plan puts the memory of '%s' on "
                                          "node %d, which has no memory",
                                          pg->name, n);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */
/* ------------------------------------------------------------------ */

enum step_kind { STEP_VCPU, STEP_NODES, STEP_MEMORY };

struct step {
    enum step_kind kind;
    unsigned int guest; /* index in the plan */
    unsigned int vcpu;
};

struct applier {
    struct np_backend *be;
    const struct np_snapshot *snap;
    const struct np_plan *plan;
    const struct np_plan *journal;
    bool move;
    struct step *steps;
    unsigned int nr_steps;
    bool last_failed; /* the newest step is the write that failed */
    struct np_apply_report *report;
};

const char *np_plan_state_dir(const struct np_apply_opts *opts)
{
    const char *env = getenv(NP_STATE_DIR_ENV);

    if (opts && opts->state_dir && *opts->state_dir)
        return opts->state_dir;
    if (env && *env)
        return env;
    return NP_STATE_DIR_DEFAULT;
}

static int state_path(const struct np_apply_opts *opts, const char *file,
                      char **path_out, struct np_err *err)
{
    const char *dir = np_plan_state_dir(opts);
    struct stat st;

    if (mkdir(dir, 0755) && errno != EEXIST)
        return np_err_set(err, -errno,
                          "cannot create the state directory '%s': %s", dir,
                          strerror(errno));
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return np_err_set(err, -ENOTDIR,
                          "the state directory '%s' is not a directory", dir);
    if (asprintf(path_out, "%s/%s", dir, file) < 0) {
        *path_out = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* The map to give the backend: the plan's bits that this host has. */
static int host_map(const struct np_topo *t, const struct np_cpumap *m,
                    bool nodes, struct np_cpumap *out)
{
    int rc = nodes ? np_topo_all_nodes(t, out) : np_topo_all_cpus(t, out);

    if (!rc)
        np_cpumap_and(out, m);
    return rc;
}

/* The nodes holding memory in a memory_per_node table. */
static int mem_nodes(const struct np_topo *t, const uint64_t *mem,
                     struct np_cpumap *out)
{
    int rc = np_cpumap_alloc(out, t->nr_node_ids), n;

    for (n = 0; !rc && n < (int)t->nr_node_ids; n++)
        if (mem[n] && t->nodes[n].present)
            np_cpumap_set(out, n);
    return rc;
}

/*
 * Where memory must move for pg: from the nodes g has memory on that the
 * target does not use, to the target's nodes.  *needed false when nothing
 * moves (no target, memory unknown, or already there).
 */
static int memory_move(const struct np_topo *t, const struct np_guest *g,
                       const struct np_plan_guest *pg, struct np_cpumap *from,
                       struct np_cpumap *to, bool *needed)
{
    int rc;

    *needed = false;
    if (!pg->mem_per_node_kib || !g->mem_per_node_kib)
        return 0;
    rc = mem_nodes(t, pg->mem_per_node_kib, to);
    if (!rc)
        rc = mem_nodes(t, g->mem_per_node_kib, from);
    if (rc)
        return rc;
    np_cpumap_andnot(from, to);
    *needed = !np_cpumap_is_empty(from) && !np_cpumap_is_empty(to);
    return 0;
}

/* Do one step of plan p (the plan, or the journal when undoing). */
static int do_step(struct applier *a, const struct np_plan *p,
                   const struct step *st, struct np_err *err)
{
    const struct np_backend_ops *ops = a->be->ops;
    const struct np_topo *t = &a->snap->topo;
    const struct np_plan_guest *pg =
        np_plan_find_guest(p, a->plan->guests[st->guest].id);
    const struct np_guest *g =
        snap_guest(a->snap, a->plan->guests[st->guest].id);
    struct np_cpumap m1, m2;
    bool soft_ok = ops->caps & NP_CAP_SOFT_AFFINITY, needed;
    int rc = 0;

    np_cpumap_init(&m1);
    np_cpumap_init(&m2);
    if (!pg || !g)
        return np_err_set(err, -ESRCH, "guest %d is not in the journal",
                          a->plan->guests[st->guest].id);
    switch (st->kind) {
    case STEP_VCPU: {
        const struct np_cpumap *h =
            pg->hard[st->vcpu].nr_bits ? &pg->hard[st->vcpu] : NULL;
        const struct np_cpumap *s =
            pg->soft[st->vcpu].nr_bits && soft_ok ? &pg->soft[st->vcpu] : NULL;

        if (h) {
            rc = host_map(t, h, false, &m1);
            h = &m1;
        }
        if (!rc && s) {
            rc = host_map(t, s, false, &m2);
            s = &m2;
        }
        if (!rc && (h || s))
            rc = ops->set_vcpu_affinity(a->be, g, (int)st->vcpu, h, s, err);
        if (!rc)
            a->be->note[0] = '\0';
        break;
    }
    case STEP_NODES:
        if (pg->node_affinity_auto) {
            rc = ops->set_node_affinity(a->be, g, NULL, err);
        } else if (pg->node_affinity.nr_bits) {
            rc = host_map(t, &pg->node_affinity, true, &m1);
            if (!rc)
                rc = ops->set_node_affinity(a->be, g, &m1, err);
        }
        break;
    case STEP_MEMORY: {
        /* the memory as it is after the plan's move, not as snap says */
        const struct np_plan_guest *other =
            p == a->plan ? np_plan_find_guest(a->journal, g->id)
                         : &a->plan->guests[st->guest];

        rc = 0;
        if (!pg->mem_per_node_kib || !other || !other->mem_per_node_kib)
            break;
        rc = mem_nodes(t, pg->mem_per_node_kib, &m2);
        if (!rc)
            rc = mem_nodes(t, other->mem_per_node_kib, &m1);
        if (rc)
            break;
        np_cpumap_andnot(&m1, &m2);
        needed = !np_cpumap_is_empty(&m1) && !np_cpumap_is_empty(&m2);
        if (needed)
            rc = ops->move_memory(a->be, g, &m1, &m2, err);
        break;
    }
    }
    np_cpumap_dispose(&m1);
    np_cpumap_dispose(&m2);
    return rc;
}

static const char *step_text(const struct applier *a, const struct step *st,
                             char *buf, size_t size)
{
    const char *name = a->plan->guests[st->guest].name;

    if (st->kind == STEP_VCPU)
        snprintf(buf, size, "set the affinity of %s vcpu %u", name, st->vcpu);
    else if (st->kind == STEP_NODES)
        snprintf(buf, size, "set the node affinity of %s", name);
    else
        snprintf(buf, size, "move the memory of %s", name);
    return buf;
}

/* Read the guests back and compare g's vCPU maps with the plan's. */
static int read_back(struct applier *a, const struct np_plan_guest *pg,
                     struct np_err *err)
{
    const struct np_backend_ops *ops = a->be->ops;
    struct np_snapshot now;
    const struct np_guest *g;
    unsigned int v;
    int rc;

    np_snapshot_init(&now);
    rc = np_topo_copy(&now.topo, &a->snap->topo);
    if (!rc)
        rc = ops->read_guests(a->be, &now, err);
    if (rc)
        goto out;
    g = snap_guest(&now, pg->id);
    if (!g) {
        rc = np_err_set(err, -ESRCH, "guest '%s' (id %d) vanished", pg->name,
                        pg->id);
        goto out;
    }
    for (v = 0; v < pg->nr_vcpus && v < g->nr_vcpus; v++) {
        const struct np_cpumap *want = &pg->hard[v];
        struct np_cpumap m;

        if (!want->nr_bits)
            continue;
        np_cpumap_init(&m);
        rc = host_map(&a->snap->topo, want, false, &m);
        if (!rc && (np_cpumap_is_empty(&g->vcpus[v].hard) ||
                    !np_cpumap_subset(&g->vcpus[v].hard, &m)))
            rc = np_err_set(err, -EIO,
                            "%s vcpu %u reads back with a hard affinity "
                            "other than the one set",
                            pg->name, v);
        np_cpumap_dispose(&m);
        if (rc)
            goto out;
    }
out:
    np_snapshot_dispose(&now);
    return rc;
}

/* Put back, newest first, every step up to and including the last: the
 * node affinities first (on KVM one pins every thread of a guest), then
 * the vCPU maps and the memory.  The write that failed is put back too,
 * in case it did part of its work, but a failure there does not count:
 * a backend's write that fails leaves things as they were (one call, or,
 * on KVM, the threads it had pinned put back), and it fails again for
 * the same reason (a guest that belongs to another user, say). */
static bool rollback(struct applier *a)
{
    unsigned int i, pass;
    bool ok = true;

    for (pass = 0; pass < 2; pass++) {
        for (i = a->nr_steps; i-- > 0;) {
            struct np_err e = {""};
            const struct step *st = &a->steps[i];

            if ((st->kind == STEP_NODES) != (pass == 0))
                continue;
            if (do_step(a, a->journal, st, &e) &&
                !(a->last_failed && i == a->nr_steps - 1))
                ok = false;
        }
    }
    a->nr_steps = 0;
    return ok;
}

static int add_step(struct applier *a, enum step_kind kind, unsigned int gi,
                    unsigned int vcpu)
{
    struct step *s = realloc(a->steps, (a->nr_steps + 1) * sizeof(*s));

    if (!s)
        return -ENOMEM;
    a->steps = s;
    s[a->nr_steps].kind = kind;
    s[a->nr_steps].guest = gi;
    s[a->nr_steps].vcpu = vcpu;
    a->nr_steps++;
    return 0;
}

/*
 * An order for the guests so that memory moves find room: repeatedly the
 * first guest (in plan order) whose move fits the free memory left after
 * the moves before it; when none does, the first left.
 */
static int apply_order(const struct applier *a, unsigned int *order)
{
    const struct np_topo *t = &a->snap->topo;
    unsigned int nr = a->plan->nr_guests, done = 0, i;
    int64_t *avail = calloc(t->nr_node_ids + 1, sizeof(*avail));
    bool *used = calloc(nr + 1, sizeof(*used));
    int n;

    if (!avail || !used) {
        free(avail);
        free(used);
        return -ENOMEM;
    }
    for (n = 0; n < (int)t->nr_node_ids; n++)
        avail[n] = t->nodes[n].present && t->nodes[n].mem_free_known
                       ? (int64_t)t->nodes[n].mem_free_kib
                       : INT64_MAX / 4;
    while (done < nr) {
        unsigned int pick = nr;

        for (i = 0; i < nr && pick == nr; i++) {
            const struct np_plan_guest *pg = &a->plan->guests[i];
            const struct np_guest *g;
            bool fits = true;

            if (used[i])
                continue;
            g = applied(pg) ? snap_guest(a->snap, pg->id) : NULL;
            if (a->move && g && pg->mem_per_node_kib && g->mem_per_node_kib)
                for (n = 0; n < (int)t->nr_node_ids; n++)
                    if (pg->mem_per_node_kib[n] > g->mem_per_node_kib[n] &&
                        (int64_t)(pg->mem_per_node_kib[n] -
                                  g->mem_per_node_kib[n]) > avail[n])
                        fits = false;
            if (fits)
                pick = i;
        }
        for (i = 0; pick == nr && i < nr; i++)
            if (!used[i])
                pick = i;
        used[pick] = true;
        order[done++] = pick;
        {
            const struct np_plan_guest *pg = &a->plan->guests[pick];
            const struct np_guest *g =
                applied(pg) ? snap_guest(a->snap, pg->id) : NULL;

            if (a->move && g && pg->mem_per_node_kib && g->mem_per_node_kib)
                for (n = 0; n < (int)t->nr_node_ids; n++)
                    avail[n] += (int64_t)g->mem_per_node_kib[n] -
                                (int64_t)pg->mem_per_node_kib[n];
        }
    }
    free(avail);
    free(used);
    return 0;
}

/* Apply every guest; on a failure, roll back.  Returns 0 or the error. */
/* Do the step just added; a failure marks it as the one that failed. */
static int last_step(struct applier *a, struct np_err *err)
{
    int rc = do_step(a, a->plan, &a->steps[a->nr_steps - 1], err);

    a->last_failed = rc != 0;
    return rc;
}

static int apply_all(struct applier *a, struct np_err *err)
{
    const struct np_backend_ops *ops = a->be->ops;
    const struct np_topo *t = &a->snap->topo;
    unsigned int nr = a->plan->nr_guests, k, v, *order;
    struct np_cpumap from, to;
    char what[NP_ERR_MAX] = "";
    int rc = 0;

    np_cpumap_init(&from);
    np_cpumap_init(&to);
    order = calloc(nr + 1, sizeof(*order));
    if (!order)
        return -ENOMEM;
    rc = apply_order(a, order);
    for (k = 0; !rc && k < nr; k++) {
        unsigned int gi = order[k];
        const struct np_plan_guest *pg = &a->plan->guests[gi];
        const struct np_guest *g;
        bool needed = false;

        if (!applied(pg))
            continue;
        g = snap_guest(a->snap, pg->id);
        /* the node affinity before the vCPU maps: on KVM it pins every
         * thread of the guest (as numad does), so the vCPU maps set after
         * it are the ones that stay */
        if ((ops->caps & NP_CAP_NODE_AFFINITY) &&
            (pg->node_affinity_auto || pg->node_affinity.nr_bits)) {
            rc = add_step(a, STEP_NODES, gi, 0);
            if (!rc)
                rc = last_step(a, err);
        }
        for (v = 0; !rc && v < pg->nr_vcpus; v++) {
            if (!pg->hard[v].nr_bits && !pg->soft[v].nr_bits)
                continue;
            rc = add_step(a, STEP_VCPU, gi, v);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && g)
            rc = memory_move(t, g, pg, &from, &to, &needed);
        if (!rc && pg->mem_per_node_kib && !a->plan->is_journal &&
            !(ops->caps & NP_CAP_MOVE_MEMORY))
            a->report->memory_not_moved = true; /* Xen: never moves */
        if (!rc && needed && !(a->move && (ops->caps & NP_CAP_MOVE_MEMORY)))
            a->report->memory_not_moved = true;
        else if (!rc && needed) {
            rc = add_step(a, STEP_MEMORY, gi, 0);
            if (!rc)
                rc = last_step(a, err);
            if (!rc)
                a->report->nr_moved++;
        }
        if (!rc) {
            rc = read_back(a, pg, err);
            if (rc)
                snprintf(what, sizeof(what), "check %s", pg->name);
        }
        if (!rc)
            a->report->nr_guests++;
    }
    a->report->nr_steps = a->nr_steps;
    if (rc && a->nr_steps) {
        char buf[NP_ERR_MAX];

        if (!what[0])
            snprintf(
                what, sizeof(what), "%s",
                step_text(a, &a->steps[a->nr_steps - 1], buf, sizeof(buf)));
        snprintf(a->report->failed, sizeof(a->report->failed), "%s", what);
        a->report->rolled_back = rollback(a);
        a->report->rollback_failed = !a->report->rolled_back;
    }
    free(order);
    np_cpumap_dispose(&from);
    np_cpumap_dispose(&to);
    return rc;
}

int np_plan_apply(struct np_backend *be, const struct np_snapshot *snap,
                  const struct np_plan *plan, const struct np_apply_opts *opts,
                  struct np_apply_report *report, struct np_err *err)
{
    struct np_apply_report dummy;
    struct np_plan journal;
    struct applier a;
    struct np_err step_err = {""};
    char *pending = NULL, *undo = NULL;
    int rc;

    if (!report)
        report = &dummy;
    memset(report, 0, sizeof(*report));
    np_plan_init(&journal);
    memset(&a, 0, sizeof(a));
    rc = np_plan_check(snap, plan, err);
    if (rc)
        return rc;
    if (plan->pin == NP_PIN_SOFT && !(be->ops->caps & NP_CAP_SOFT_AFFINITY))
        return np_err_set(err, -EINVAL,
                          "the plan sets soft affinity, which the %s "
                          "backend does not have: plan with hard pins",
                          be->ops->name);
    rc = np_plan_journal(snap, plan, &journal, err);
    if (rc)
        return rc;
    if (!opts || !opts->no_journal) {
        rc = state_path(opts, NP_JOURNAL_PENDING, &pending, err);
        if (!rc)
            rc = state_path(opts, NP_JOURNAL_UNDO, &undo, err);
        if (!rc)
            rc = np_plan_write_file(pending, &journal, err);
        if (rc)
            goto out;
    }
    a.be = be;
    a.snap = snap;
    a.plan = plan;
    a.journal = &journal;
    a.move = opts && opts->move_memory;
    a.report = report;
    rc = apply_all(&a, &step_err);
    if (rc) {
        if (report->rollback_failed && pending) {
            rename(pending, undo);
            np_file_sync_dir(undo);
            np_err_set(err, rc,
                       "cannot %s: %s; some changes could not be undone: "
                       "run `numapin undo`",
                       report->failed,
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        } else {
            if (pending)
                unlink(pending);
            np_err_set(err, rc, "cannot %s: %s; nothing was changed",
                       report->failed[0] ? report->failed : "apply the plan",
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        }
        goto out;
    }
    if (pending && rename(pending, undo)) {
        rc = np_err_set(err, -errno,
                        "the plan is applied but its journal could not be "
                        "kept as '%s': %s",
                        undo, strerror(errno));
        goto out;
    }
    if (undo)
        np_file_sync_dir(undo);
out:
    free(a.steps);
    free(pending);
    free(undo);
    np_plan_dispose(&journal);
    return rc;
}

int np_plan_undo(struct np_backend *be, const struct np_snapshot *snap,
                 const struct np_apply_opts *opts,
                 struct np_apply_report *report, struct np_err *err)
{
    struct np_plan journal;
    char *pending = NULL, *undo = NULL;
    struct stat st;
    int rc;

    np_plan_init(&journal);
    rc = state_path(opts, NP_JOURNAL_PENDING, &pending, err);
    if (!rc)
        rc = state_path(opts, NP_JOURNAL_UNDO, &undo, err);
    if (rc)
        goto out;
    /* an apply that was interrupted left its journal: that one first */
    if (!stat(pending, &st) && rename(pending, undo)) {
        rc = np_err_set(err, -errno, "cannot rename '%s': %s", pending,
                        strerror(errno));
        goto out;
    }
    if (stat(undo, &st)) {
        rc = np_err_set(err, -ENOENT,
                        "there is nothing to undo: no journal in '%s'",
                        np_plan_state_dir(opts));
        goto out;
    }
    rc = np_plan_read_file(undo, &journal, err);
    if (rc)
        goto out;
    if (!journal.is_journal) {
        rc = np_err_set(err, -EINVAL, "'%s' is a plan, not a journal", undo);
        goto out;
    }
    rc = np_plan_apply(be, snap, &journal, opts, report, err);
out:
    free(pending);
    free(undo);
    np_plan_dispose(&journal);
    return rc;
}
