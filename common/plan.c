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
#include "history.h"
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
    np_cpumap_dispose(&g->emulator);
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
    np_cpumap_init(&g->emulator);
    g->sched_cap = -1;
    g->sched_weight = -1;
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
        jg->start_time = g->start_time;
        if (pg->emulator.nr_bits) {
            /* unknown: the threads of a guest nobody pinned use every CPU */
            rc = g->emulator.nr_bits
                     ? np_cpumap_copy(&jg->emulator, &g->emulator)
                     : np_topo_all_cpus(&snap->topo, &jg->emulator);
            if (rc)
                goto out;
        }
        if (pg->sched_cap >= 0)
            jg->sched_cap = g->sched_cap >= 0 ? g->sched_cap : 0;
        if (pg->sched_weight >= 0)
            jg->sched_weight = g->sched_weight > 0 ? g->sched_weight : 256;
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
    if (g->start_time)
        obj_add(o, "start_time", json_object_new_int64((int64_t)g->start_time),
                oom);
    if (g->emulator.nr_bits)
        obj_add(o, "emulator", new_list(&g->emulator), oom);
    if (g->sched_cap >= 0)
        obj_add(o, "sched_cap", json_object_new_int(g->sched_cap), oom);
    if (g->sched_weight >= 0)
        obj_add(o, "sched_weight", json_object_new_int(g->sched_weight), oom);
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
        "id",        "name",          "new",
        "placed",    "vcpus",         "memory_kib",
        "nodes",     "node_affinity", "memory_per_node_kib",
        "score",     "pins",          "reasons",
        "advice",    "start_time",    "emulator",
        "sched_cap", "sched_weight",  NULL};
    static const char *const pin_keys[] = {"vcpu", "hard", "soft", NULL};
    json_object *v, *pins, *mem;
    struct np_plan_guest *g;
    uint64_t nr_vcpus, mem_kib, x;
    char sub[128];
    const char *name;
    int64_t id;
    bool *seen;
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
    seen = calloc(g->nr_vcpus + 1, sizeof(*seen));
    if (!seen)
        return -ENOMEM;
    for (i = 0; !rc && i < json_object_array_length(pins); i++) {
        json_object *p = json_object_array_get_idx(pins, i);
        uint64_t vcpu;

        snprintf(sub, sizeof(sub), "%s.pins[%zu]", path, i);
        if (!json_object_is_type(p, json_type_object)) {
            rc = rd_fail(rd, sub, "not an object");
            break;
        }
        rc = check_keys(rd, p, sub, pin_keys);
        if (!rc)
            rc = get_uint(rd, p, sub, "vcpu", 65535, &vcpu);
        if (rc)
            break;
        if (vcpu >= g->nr_vcpus) {
            rc =
                rd_fail(rd, sub, "vcpu %" PRIu64 " is not below 'vcpus'", vcpu);
            break;
        }
        if (seen[vcpu]) {
            rc = rd_fail(rd, sub, "vcpu %" PRIu64 " is listed twice", vcpu);
            break;
        }
        seen[vcpu] = true;
        rc = get_list(rd, p, sub, "hard", plan->nr_cpu_ids, false,
                      &g->hard[vcpu]);
        if (!rc)
            rc = get_list(rd, p, sub, "soft", plan->nr_cpu_ids, false,
                          &g->soft[vcpu]);
    }
    free(seen);
    if (rc)
        return rc;
    rc = get_strings(rd, o, path, "reasons", &g->reasons, &g->nr_reasons);
    if (rc)
        return rc;
    rc = get(rd, o, path, "advice", json_type_string, false, &v);
    if (!rc && v) {
        g->advice = strdup(json_object_get_string(v));
        if (!g->advice)
            rc = -ENOMEM;
    }
    if (!rc && json_object_object_get_ex(o, "start_time", &v)) {
        rc = get_uint(rd, o, path, "start_time", UINT64_MAX >> 1, &x);
        g->start_time = x;
    }
    if (!rc && json_object_object_get_ex(o, "emulator", &v))
        rc = get_list(rd, o, path, "emulator", plan->nr_cpu_ids, true,
                      &g->emulator);
    if (!rc && json_object_object_get_ex(o, "sched_cap", &v)) {
        rc = get_uint(rd, o, path, "sched_cap", 100 * 4096, &x);
        g->sched_cap = (int)x;
    }
    if (!rc && json_object_object_get_ex(o, "sched_weight", &v)) {
        rc = get_uint(rd, o, path, "sched_weight", 65535, &x);
        g->sched_weight = (int)x;
        if (!rc && !x)
            rc = rd_fail(rd, path,
                         "'sched_weight' is out of range (1 to "
                         "65535)");
    }
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return x < y ? -1 : x > y;
}

/* A guest (by id; new guests, id -1, aside) listed twice is an error:
 * sorted, so that 100,000 guests cost no more than reading them. */
static int check_unique_guests(struct rd *rd, const struct np_plan *plan)
{
    int *ids = calloc(plan->nr_guests + 1, sizeof(*ids));
    unsigned int i, nr = 0;
    int rc = 0;

    if (!ids)
        return -ENOMEM;
    for (i = 0; i < plan->nr_guests; i++)
        if (plan->guests[i].id >= 0)
            ids[nr++] = plan->guests[i].id;
    if (nr)
        qsort(ids, nr, sizeof(*ids), cmp_int);
    for (i = 1; i < nr; i++)
        if (ids[i] == ids[i - 1]) {
            rc = rd_fail(rd, "guests", "guest id %d is listed twice", ids[i]);
            break;
        }
    free(ids);
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
    rc = check_unique_guests(&rd, plan);
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

/* The memory a plan puts on each node fits the node: a guest's target
 * on a node without memory, or more than the node holds (the guests of
 * the plan together, and the guests it leaves where they are), is
 * refused. */
static int check_memory(const struct np_snapshot *snap,
                        const struct np_plan *plan, struct np_err *err)
{
    const struct np_topo *t = &snap->topo;
    uint64_t *sum;
    unsigned int i;
    int n, rc = 0;

    if (plan->is_journal)
        return 0; /* the memory as it was: it fitted */
    sum = calloc(t->nr_node_ids + 1, sizeof(*sum));
    if (!sum)
        return -ENOMEM;
    for (i = 0; i < plan->nr_guests && !rc; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];

        if (!pg->mem_per_node_kib || !pg->placed)
            continue;
        for (n = 0; n < (int)t->nr_node_ids && !rc; n++) {
            if (!pg->mem_per_node_kib[n])
                continue;
            if (!t->nodes[n].present || !np_topo_node_has_memory(t, n))
                rc = np_err_set(err, -EINVAL,
                                "the plan puts memory of '%s' on node %d, "
                                "which has no memory",
                                pg->name, n);
            else if (t->nodes[n].mem_total_kib &&
                     pg->mem_per_node_kib[n] > t->nodes[n].mem_total_kib)
                rc = np_err_set(err, -EINVAL,
                                "the plan puts %" PRIu64 " KiB of '%s' on "
                                "node %d, which has %" PRIu64 " KiB",
                                pg->mem_per_node_kib[n], pg->name, n,
                                t->nodes[n].mem_total_kib);
            sum[n] += pg->mem_per_node_kib[n];
        }
    }
    for (n = 0; n < (int)t->nr_node_ids && !rc; n++)
        if (t->nodes[n].mem_total_kib && sum[n] > t->nodes[n].mem_total_kib)
            rc = np_err_set(err, -EINVAL,
                            "the plan puts %" PRIu64 " KiB on node %d, "
                            "which has %" PRIu64 " KiB",
                            sum[n], n, t->nodes[n].mem_total_kib);
    free(sum);
    return rc;
}

int np_plan_check(const struct np_snapshot *snap, const struct np_plan *plan,
                  struct np_err *err)
{
    const struct np_topo *t = &snap->topo;
    unsigned int i, v;
    int rc, n;

    if (plan->backend && snap->backend && strcmp(plan->backend, "file") &&
        strcmp(snap->backend, "file") && strcmp(plan->backend, snap->backend))
        return np_err_set(err, -EINVAL,
                          "the plan was made on the %s backend; this host "
                          "is %s: make a new plan here",
                          plan->backend, snap->backend);
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
        if (pg->start_time && g->start_time && pg->start_time != g->start_time)
            return np_err_set(err, -ESRCH,
                              "guest '%s' (pid %d) is another process now: "
                              "it started at %" PRIu64 ", the plan's at "
                              "%" PRIu64 " (the pid was reused)",
                              pg->name, pg->id, g->start_time, pg->start_time);
        if (pg->emulator.nr_bits) {
            rc = check_cpus(t, plan, pg, 0, &pg->emulator, "emulator", err);
            if (rc)
                return rc;
        }
    }
    return check_memory(snap, plan, err);
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */
/* ------------------------------------------------------------------ */

enum step_kind {
    STEP_VCPU,
    STEP_NODES,
    STEP_MEMORY,
    STEP_EMULATOR,
    STEP_SCHED
};

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
        if (!rc && (h || s || a->be->force))
            rc = ops->set_vcpu_affinity(a->be, g, (int)st->vcpu, h, s, err);
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
    case STEP_EMULATOR:
        if (pg->emulator.nr_bits) {
            rc = host_map(t, &pg->emulator, false, &m1);
            if (!rc)
                rc = ops->set_emulator_affinity
                         ? ops->set_emulator_affinity(a->be, g, &m1, err)
                         : -EOPNOTSUPP;
        }
        break;
    case STEP_SCHED:
        if (pg->sched_cap >= 0 || pg->sched_weight >= 0)
            rc = ops->set_sched ? ops->set_sched(a->be, g, pg->sched_cap,
                                                 pg->sched_weight, err)
                                : -EOPNOTSUPP;
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
    /* the first note of the plan's own writes is kept for the command */
    if (!rc && p == a->plan && a->be->note[0] && !a->report->note[0])
        snprintf(a->report->note, sizeof(a->report->note), "%s", a->be->note);
    a->be->note[0] = '\0';
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
    else if (st->kind == STEP_EMULATOR)
        snprintf(buf, size, "pin the emulator threads of %s", name);
    else if (st->kind == STEP_SCHED)
        snprintf(buf, size, "set the scheduler parameters of %s", name);
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
            int rc = do_step(a, a->journal, st, &e);

            /* a guest that is gone has nothing left to put back */
            if (rc && rc != -ESRCH && !(a->last_failed && i == a->nr_steps - 1))
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

/* Does plan map m differ from the host's map cur?  Bits the host does not
 * have do not count (Xen's "any" maps). */
static bool map_differs(const struct np_topo *t, const struct np_cpumap *m,
                        const struct np_cpumap *cur, bool nodes)
{
    struct np_cpumap a, b;
    bool differs = true;

    if (!cur->nr_bits)
        return true; /* unknown: set it */
    np_cpumap_init(&a);
    np_cpumap_init(&b);
    if (!host_map(t, m, nodes, &a) && !host_map(t, cur, nodes, &b))
        differs = !np_cpumap_equal(&a, &b);
    np_cpumap_dispose(&a);
    np_cpumap_dispose(&b);
    return differs;
}

static bool vcpu_differs(const struct applier *a,
                         const struct np_plan_guest *pg,
                         const struct np_guest *g, unsigned int v)
{
    const struct np_topo *t = &a->snap->topo;
    bool soft_ok = a->be->ops->caps & NP_CAP_SOFT_AFFINITY;

    if (a->be->force || !g || v >= g->nr_vcpus)
        return true;
    if (pg->hard[v].nr_bits &&
        map_differs(t, &pg->hard[v], &g->vcpus[v].hard, false))
        return true;
    return soft_ok && pg->soft[v].nr_bits &&
           map_differs(t, &pg->soft[v], &g->vcpus[v].soft, false);
}

static bool nodes_differ(const struct applier *a,
                         const struct np_plan_guest *pg,
                         const struct np_guest *g)
{
    const struct np_topo *t = &a->snap->topo;
    struct np_cpumap all;
    bool differs = true;

    if (!g || !g->node_affinity.nr_bits)
        return true;
    if (!pg->node_affinity_auto)
        return map_differs(t, &pg->node_affinity, &g->node_affinity, true);
    np_cpumap_init(&all);
    if (!np_topo_all_nodes(t, &all))
        differs = !np_cpumap_subset(&all, &g->node_affinity);
    np_cpumap_dispose(&all);
    return differs;
}

static bool emulator_differs(const struct applier *a,
                             const struct np_plan_guest *pg,
                             const struct np_guest *g)
{
    return !g ||
           map_differs(&a->snap->topo, &pg->emulator, &g->emulator, false);
}

static bool sched_differs(const struct np_plan_guest *pg,
                          const struct np_guest *g)
{
    return !g || (pg->sched_cap >= 0 && pg->sched_cap != g->sched_cap) ||
           (pg->sched_weight >= 0 && pg->sched_weight != g->sched_weight);
}

/* Would applying the plan change anything?  (A no-op is not recorded.) */
static bool plan_changes(const struct applier *a)
{
    const struct np_backend_ops *ops = a->be->ops;
    struct np_cpumap from, to;
    unsigned int i, v;
    bool changes = false, needed;

    np_cpumap_init(&from);
    np_cpumap_init(&to);
    for (i = 0; i < a->plan->nr_guests && !changes; i++) {
        const struct np_plan_guest *pg = &a->plan->guests[i];
        const struct np_guest *g;

        if (!applied(pg))
            continue;
        g = snap_guest(a->snap, pg->id);
        if ((ops->caps & NP_CAP_NODE_AFFINITY) &&
            (pg->node_affinity_auto || pg->node_affinity.nr_bits) &&
            nodes_differ(a, pg, g))
            changes = true;
        for (v = 0; !changes && v < pg->nr_vcpus; v++)
            if ((pg->hard[v].nr_bits || pg->soft[v].nr_bits) &&
                vcpu_differs(a, pg, g, v))
                changes = true;
        if (pg->emulator.nr_bits && emulator_differs(a, pg, g))
            changes = true;
        if ((pg->sched_cap >= 0 || pg->sched_weight >= 0) &&
            sched_differs(pg, g))
            changes = true;
        if (!changes && g && a->move && (ops->caps & NP_CAP_MOVE_MEMORY) &&
            !memory_move(&a->snap->topo, g, pg, &from, &to, &needed) && needed)
            changes = true;
    }
    np_cpumap_dispose(&from);
    np_cpumap_dispose(&to);
    return changes;
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
        bool needed = false, node_step = false;
        unsigned int first_step = a->nr_steps;

        if (!applied(pg))
            continue;
        g = snap_guest(a->snap, pg->id);
        /* the node affinity before the vCPU maps: on KVM it pins every
         * thread of the guest (as numad does), so the vCPU maps set after
         * it are the ones that stay */
        if ((ops->caps & NP_CAP_NODE_AFFINITY) &&
            (pg->node_affinity_auto || pg->node_affinity.nr_bits) &&
            nodes_differ(a, pg, g)) {
            rc = add_step(a, STEP_NODES, gi, 0);
            if (!rc)
                rc = last_step(a, err);
            node_step = true; /* KVM: it moved every thread */
        }
        for (v = 0; !rc && v < pg->nr_vcpus; v++) {
            if (!pg->hard[v].nr_bits && !pg->soft[v].nr_bits)
                continue;
            if (!node_step && !vcpu_differs(a, pg, g, v))
                continue;
            rc = add_step(a, STEP_VCPU, gi, v);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && pg->emulator.nr_bits &&
            (node_step || emulator_differs(a, pg, g))) {
            rc = add_step(a, STEP_EMULATOR, gi, 0);
            if (!rc)
                rc = last_step(a, err);
        }
        if (!rc && (pg->sched_cap >= 0 || pg->sched_weight >= 0) &&
            sched_differs(pg, g)) {
            rc = add_step(a, STEP_SCHED, gi, 0);
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
        if (!rc && a->nr_steps > first_step) {
            rc = read_back(a, pg, err);
            if (rc)
                snprintf(what, sizeof(what), "check %s", pg->name);
            if (!rc)
                a->report->nr_guests++;
        }
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

int np_plan_read_after(struct np_backend *be, const struct np_snapshot *snap,
                       const struct np_plan *plan, struct np_plan *after,
                       struct np_err *err)
{
    struct np_snapshot now;
    int rc;

    np_snapshot_init(&now);
    rc = np_topo_copy(&now.topo, &snap->topo);
    if (!rc)
        rc = be->ops->read_guests(be, &now, err);
    now.backend = snap->backend;
    if (!rc)
        rc = np_plan_journal(&now, plan, after, err);
    np_snapshot_dispose(&now);
    return rc;
}

int np_plan_apply(struct np_backend *be, const struct np_snapshot *snap,
                  const struct np_plan *plan, const struct np_apply_opts *opts,
                  struct np_apply_report *report, struct np_err *err)
{
    struct np_apply_report dummy;
    struct np_plan journal, after;
    struct np_history *own = NULL, *hist = NULL;
    struct applier a;
    struct np_err step_err = {""};
    unsigned int id = 0;
    bool record = !opts || !opts->no_journal;
    int rc;

    if (!report)
        report = &dummy;
    memset(report, 0, sizeof(*report));
    np_plan_init(&journal);
    np_plan_init(&after);
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
    a.be = be;
    a.snap = snap;
    a.plan = plan;
    a.journal = &journal;
    a.move = opts && opts->move_memory;
    a.report = report;
    if (!plan_changes(&a) && !(opts && opts->always_record))
        goto out; /* a no-op changes nothing and records nothing */
    if (record) {
        hist = opts ? opts->history : NULL;
        if (!hist) {
            rc = np_history_open(np_plan_state_dir(opts), true, &own, err);
            if (rc)
                goto out;
            hist = own;
        }
        rc = np_history_begin(
            hist, opts && opts->command ? opts->command : "apply",
            snap->backend, &journal, plan, opts ? opts->reverts : NULL,
            opts ? opts->nr_reverts : 0, &id, err);
        if (rc)
            goto out;
        report->history_id = id;
    }
    rc = apply_all(&a, &step_err);
    if (rc) {
        if (report->rollback_failed && id) {
            np_history_end(hist, id, NP_HIST_FAILED, NULL, NULL);
            np_err_set(err, rc,
                       "cannot %s: %s; some changes could not be undone: "
                       "run `numapin undo`",
                       report->failed,
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        } else {
            if (id && np_history_drop(hist, id, NULL) == 0)
                report->history_id = 0;
            np_err_set(err, rc, "cannot %s: %s; nothing was changed",
                       report->failed[0] ? report->failed : "apply the plan",
                       step_err.msg[0] ? step_err.msg : strerror(-rc));
        }
        goto out;
    }
    if (!id)
        goto out;
    /* what the host reads now is the record's "after"; when it cannot
     * be read, the plan stays there: the change is made either way */
    if (np_plan_read_after(be, snap, plan, &after, NULL))
        np_plan_dispose(&after);
    rc = np_history_end(hist, id, NP_HIST_DONE,
                        after.nr_cpu_ids ? &after : NULL, err);
    if (rc)
        np_err_set(err, rc,
                   "the plan is applied but its history record %u could "
                   "not be finished",
                   id);
out:
    free(a.steps);
    np_history_free(own);
    np_plan_dispose(&journal);
    np_plan_dispose(&after);
    return rc;
}
