/*
 * plan_json.c: the JSON form of a plan (json-c) and plan files.  The
 * contract is in plan.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "cpulist.h"
#include "fileio.h"
#include "json_util.h"
#include "json_write.h"
#include "plan.h"

/* ------------------------------------------------------------------ */
/* JSON: writing                                                       */
/* ------------------------------------------------------------------ */

/* A set as "0-3,6" or "none" (never "all": the reader has no host). */
static void jw_list(struct np_jw *w, const struct np_cpumap *map)
{
    char *s = np_json_list_format(map, NULL);

    if (!s) {
        w->oom = true;
        return;
    }
    np_jw_str(w, s);
    free(s);
}

static void jw_score(struct np_jw *w, unsigned int score)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%u.%02u", score / 100, score % 100);
    np_jw_raw(w, buf);
}

static void jw_strings(struct np_jw *w, char **v, unsigned int nr)
{
    unsigned int i;

    np_jw_open(w, '[');
    for (i = 0; i < nr; i++) {
        np_jw_item(w);
        np_jw_str(w, v[i]);
    }
    np_jw_close(w);
}

static void jw_guest(struct np_jw *w, const struct np_plan *plan,
                     const struct np_plan_guest *g)
{
    unsigned int v;
    int n;

    np_jw_open(w, '{');
    np_jw_key(w, "id");
    np_jw_int(w, g->id);
    np_jw_key(w, "name");
    np_jw_str(w, g->name);
    np_jw_key(w, "new");
    np_jw_bool(w, g->is_new);
    np_jw_key(w, "placed");
    np_jw_bool(w, g->placed);
    np_jw_key(w, "vcpus");
    np_jw_int(w, g->nr_vcpus);
    np_jw_key(w, "memory_kib");
    np_jw_int(w, (int64_t)g->mem_kib);
    np_jw_key(w, "nodes");
    jw_list(w, &g->nodes);
    if (g->node_affinity_auto || g->node_affinity.nr_bits)
        np_jw_key(w, "node_affinity");
    if (g->node_affinity_auto)
        np_jw_str(w, "auto");
    else if (g->node_affinity.nr_bits)
        jw_list(w, &g->node_affinity);
    if (g->mem_per_node_kib) {
        np_jw_key(w, "memory_per_node_kib");
        np_jw_open(w, '{');
        for (n = 0; n < (int)plan->nr_node_ids; n++) {
            char key[16];

            if (!g->mem_per_node_kib[n])
                continue;
            snprintf(key, sizeof(key), "%d", n);
            np_jw_key(w, key);
            np_jw_int(w, (int64_t)g->mem_per_node_kib[n]);
        }
        np_jw_close(w);
    }
    if (!plan->is_journal) {
        np_jw_key(w, "score");
        jw_score(w, g->score);
    }
    np_jw_key(w, "pins");
    np_jw_open(w, '[');
    for (v = 0; g->placed && v < g->nr_vcpus; v++) {
        np_jw_item(w);
        np_jw_open(w, '{');
        np_jw_key(w, "vcpu");
        np_jw_int(w, v);
        if (g->hard[v].nr_bits) {
            np_jw_key(w, "hard");
            jw_list(w, &g->hard[v]);
        }
        if (g->soft[v].nr_bits) {
            np_jw_key(w, "soft");
            jw_list(w, &g->soft[v]);
        }
        np_jw_close(w);
    }
    np_jw_close(w);
    if (g->nr_reasons) {
        np_jw_key(w, "reasons");
        jw_strings(w, g->reasons, g->nr_reasons);
    }
    if (g->advice) {
        np_jw_key(w, "advice");
        np_jw_str(w, g->advice);
    }
    if (g->migrate) {
        np_jw_key(w, "migrate");
        np_jw_bool(w, true);
    }
    if (g->start_time) {
        np_jw_key(w, "start_time");
        np_jw_int(w, (int64_t)g->start_time);
    }
    if (g->emulator.nr_bits) {
        np_jw_key(w, "emulator");
        jw_list(w, &g->emulator);
    }
    if (g->sched_cap >= 0) {
        np_jw_key(w, "sched_cap");
        np_jw_int(w, g->sched_cap);
    }
    if (g->sched_weight >= 0) {
        np_jw_key(w, "sched_weight");
        np_jw_int(w, g->sched_weight);
    }
    np_jw_close(w);
}

void np_plan_jw(struct np_jw *w, const struct np_plan *plan)
{
    unsigned int i;

    np_jw_open(w, '{');
    np_jw_key(w, "numapin_plan");
    np_jw_int(w, NP_PLAN_VERSION);
    np_jw_key(w, "kind");
    np_jw_str(w, plan->is_journal ? "journal" : "plan");
    if (plan->backend) {
        np_jw_key(w, "backend");
        np_jw_str(w, plan->backend);
    }
    np_jw_key(w, "host");
    np_jw_open(w, '{');
    np_jw_key(w, "cpu_ids");
    np_jw_int(w, plan->nr_cpu_ids);
    np_jw_key(w, "node_ids");
    np_jw_int(w, plan->nr_node_ids);
    if (plan->hostname) {
        np_jw_key(w, "hostname");
        np_jw_str(w, plan->hostname);
    }
    if (plan->host_id) {
        np_jw_key(w, "host_id");
        np_jw_str(w, plan->host_id);
    }
    np_jw_close(w);
    np_jw_key(w, "policy");
    np_jw_str(w, np_policy_name(plan->policy));
    np_jw_key(w, "overcommit");
    np_jw_int(w, plan->overcommit);
    np_jw_key(w, "pin");
    np_jw_str(w, plan->pin == NP_PIN_SOFT ? "soft" : "hard");
    if (!plan->is_journal) {
        np_jw_key(w, "score");
        jw_score(w, plan->score);
    }
    if (plan->nr_reasons) {
        np_jw_key(w, "reasons");
        jw_strings(w, plan->reasons, plan->nr_reasons);
    }
    np_jw_key(w, "guests");
    np_jw_open(w, '[');
    for (i = 0; i < plan->nr_guests; i++) {
        np_jw_item(w);
        jw_guest(w, plan, &plan->guests[i]);
    }
    np_jw_close(w);
    np_jw_close(w);
}

int np_plan_write_json(const struct np_plan *plan, char **json_out,
                       struct np_err *err)
{
    struct np_jw w;

    np_jw_init(&w, false); /* json-c's JSON_C_TO_STRING_NOSLASHESCAPE */
    np_plan_jw(&w, plan);
    *json_out = np_jw_finish(&w);
    if (!*json_out)
        return np_err_set(err, -ENOMEM,
                          "out of memory while formatting the plan");
    return 0;
}

/* ------------------------------------------------------------------ */
/* JSON: reading                                                       */
/* ------------------------------------------------------------------ */

static int get(struct np_json_rd *rd, const struct np_jv *obj, const char *path,
               const char *key, enum np_jtype type, bool required,
               const struct np_jv **out)
{
    const struct np_jv *v = np_jv_get(obj, key);

    *out = NULL;
    if (!v || v->type == NP_JNULL) {
        if (required)
            return np_json_fail(rd, path, "'%s' is missing", key);
        return 0;
    }
    if (v->type != type && !(type == NP_JDOUBLE && np_jv_is(v, NP_JINT)))
        return np_json_fail(rd, path, "'%s' has the wrong type", key);
    *out = v;
    return 0;
}

static int get_uint(struct np_json_rd *rd, const struct np_jv *obj,
                    const char *path, const char *key, uint64_t max,
                    uint64_t *out)
{
    const struct np_jv *v;
    int64_t n;
    int rc = get(rd, obj, path, key, NP_JINT, true, &v);

    if (rc)
        return rc;
    n = v->u.i;
    if (n < 0 || (uint64_t)n > max)
        return np_json_fail(rd, path, "'%s' is out of range (0 to %" PRIu64 ")",
                            key, max);
    *out = (uint64_t)n;
    return 0;
}

static int get_list(struct np_json_rd *rd, const struct np_jv *obj,
                    const char *path, const char *key, unsigned int nr_bits,
                    bool required, struct np_cpumap *map)
{
    const struct np_jv *v;
    int rc = get(rd, obj, path, key, NP_JSTRING, required, &v);

    if (rc || !v)
        return rc;
    rc = np_idlist_parse(v->u.s, nr_bits, NP_IDLIST_EMPTY | NP_IDLIST_WORDS,
                         map, NULL);
    if (rc == -EINVAL || rc == -ERANGE)
        return np_json_fail(rd, path,
                            "'%s' is not a list of ids below %u: '%s'", key,
                            nr_bits, v->u.s);
    return rc;
}

static int get_strings(struct np_json_rd *rd, const struct np_jv *obj,
                       const char *path, const char *key, struct np_plan *plan,
                       struct np_plan_guest *g)
{
    const struct np_jv *arr;
    size_t i;
    int rc = get(rd, obj, path, key, NP_JARRAY, false, &arr);

    if (rc || !arr)
        return rc;
    for (i = 0; i < (size_t)arr->n; i++) {
        const struct np_jv *s = &arr->u.kids[i];

        if (!np_jv_is(s, NP_JSTRING))
            return np_json_fail(rd, path, "'%s[%zu]' is not a string", key, i);
        rc = np_plan_reason(plan, g, "%s", s->u.s);
        if (rc)
            return rc;
    }
    return 0;
}

static unsigned int score_of(const struct np_jv *v)
{
    double d = v ? np_jv_double(v) : 0;

    /* a score is a distance (10 to 255): anything beyond is clamped, so
     * that no number a file holds overflows the conversion */
    if (!(d > 0))
        return 0;
    return (unsigned int)((d < 1e7 ? d : 1e7) * 100.0 + 0.5);
}

static int read_guest(struct np_json_rd *rd, struct np_plan *plan,
                      const struct np_jv *o, const char *path)
{
    static const char *const keys[] = {
        "id",        "name",          "new",
        "placed",    "vcpus",         "memory_kib",
        "nodes",     "node_affinity", "memory_per_node_kib",
        "score",     "pins",          "reasons",
        "advice",    "start_time",    "emulator",
        "sched_cap", "sched_weight",  "migrate",
        NULL};
    static const char *const pin_keys[] = {"vcpu", "hard", "soft", NULL};
    const struct np_jv *v, *pins, *mem;
    struct np_plan_guest *g;
    uint64_t nr_vcpus, mem_kib, x;
    char sub[128];
    const char *name;
    bool *seen;
    int64_t id;
    size_t i;
    int rc;

    if (!np_jv_is(o, NP_JOBJECT))
        return np_json_fail(rd, path, "not an object");
    rc = np_json_check_keys(rd, o, path, keys);
    if (!rc)
        rc = get(rd, o, path, "id", NP_JINT, true, &v);
    if (rc)
        return rc;
    id = v->u.i;
    if (id < -1 || id > INT32_MAX)
        return np_json_fail(rd, path, "'id' is out of range");
    rc = get(rd, o, path, "name", NP_JSTRING, true, &v);
    if (rc)
        return rc;
    name = v->u.s;
    rc = get_uint(rd, o, path, "vcpus", 65536, &nr_vcpus);
    if (!rc)
        rc = get_uint(rd, o, path, "memory_kib", UINT64_MAX >> 1, &mem_kib);
    if (rc)
        return rc;
    rc = np_plan_add_guest(plan, (int)id, name, (unsigned int)nr_vcpus, &g);
    if (rc)
        return rc;
    g->mem_kib = mem_kib;
    rc = get(rd, o, path, "new", NP_JBOOL, true, &v);
    if (rc)
        return rc;
    g->is_new = v->u.b;
    rc = get(rd, o, path, "placed", NP_JBOOL, true, &v);
    if (rc)
        return rc;
    g->placed = v->u.b;
    rc = get(rd, o, path, "migrate", NP_JBOOL, false, &v);
    if (rc)
        return rc;
    g->migrate = v && v->u.b;
    rc = get_list(rd, o, path, "nodes", plan->nr_node_ids, true, &g->nodes);
    if (rc)
        return rc;
    rc = get(rd, o, path, "node_affinity", NP_JSTRING, false, &v);
    if (rc)
        return rc;
    if (v && !strcmp(v->u.s, "auto"))
        g->node_affinity_auto = true;
    else if (v)
        rc = get_list(rd, o, path, "node_affinity", plan->nr_node_ids, true,
                      &g->node_affinity);
    if (rc)
        return rc;
    rc = get(rd, o, path, "memory_per_node_kib", NP_JOBJECT, false, &mem);
    if (rc)
        return rc;
    if (mem) {
        g->mem_per_node_kib =
            calloc(plan->nr_node_ids + 1, sizeof(*g->mem_per_node_kib));
        if (!g->mem_per_node_kib)
            return -ENOMEM;
        const struct np_jv *val;

        for (val = mem->u.kids; val < mem->u.kids + mem->n; val++) {
            const char *key = val->key;
            char *end;
            long n = strtol(key, &end, 10);

            if (!*key || *end || n < 0 || n >= (long)plan->nr_node_ids ||
                !np_jv_is(val, NP_JINT) || val->u.i < 0)
                return np_json_fail(
                    rd, path, "'memory_per_node_kib' has a bad entry '%s'",
                    key);
            g->mem_per_node_kib[n] = (uint64_t)val->u.i;
        }
    }
    rc = get(rd, o, path, "score", NP_JDOUBLE, false, &v);
    if (rc)
        return rc;
    g->score = score_of(v);
    rc = get(rd, o, path, "pins", NP_JARRAY, true, &pins);
    if (rc)
        return rc;
    seen = calloc(g->nr_vcpus + 1, sizeof(*seen));
    if (!seen)
        return -ENOMEM;
    for (i = 0; !rc && i < (size_t)pins->n; i++) {
        const struct np_jv *p = &pins->u.kids[i];
        uint64_t vcpu;

        snprintf(sub, sizeof(sub), "%s.pins[%zu]", path, i);
        if (!np_jv_is(p, NP_JOBJECT)) {
            rc = np_json_fail(rd, sub, "not an object");
            break;
        }
        rc = np_json_check_keys(rd, p, sub, pin_keys);
        if (!rc)
            rc = get_uint(rd, p, sub, "vcpu", 65535, &vcpu);
        if (rc)
            break;
        if (vcpu >= g->nr_vcpus) {
            rc = np_json_fail(rd, sub, "vcpu %" PRIu64 " is not below 'vcpus'",
                              vcpu);
            break;
        }
        if (seen[vcpu]) {
            rc =
                np_json_fail(rd, sub, "vcpu %" PRIu64 " is listed twice", vcpu);
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
    rc = get_strings(rd, o, path, "reasons", plan, g);
    if (rc)
        return rc;
    rc = get(rd, o, path, "advice", NP_JSTRING, false, &v);
    if (!rc && v) {
        g->advice = strdup(v->u.s);
        if (!g->advice)
            rc = -ENOMEM;
    }
    if (!rc && (v = np_jv_get(o, "start_time"))) {
        rc = get_uint(rd, o, path, "start_time", UINT64_MAX >> 1, &x);
        g->start_time = x;
    }
    if (!rc && (v = np_jv_get(o, "emulator")))
        rc = get_list(rd, o, path, "emulator", plan->nr_cpu_ids, true,
                      &g->emulator);
    if (!rc && (v = np_jv_get(o, "sched_cap"))) {
        rc = get_uint(rd, o, path, "sched_cap", 100 * 4096, &x);
        g->sched_cap = (int)x;
    }
    if (!rc && (v = np_jv_get(o, "sched_weight"))) {
        rc = get_uint(rd, o, path, "sched_weight", 65535, &x);
        g->sched_weight = (int)x;
        if (!rc && !x)
            rc = np_json_fail(rd, path,
                              "'sched_weight' is out of range (1 to 65535)");
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
static int check_unique_guests(struct np_json_rd *rd,
                               const struct np_plan *plan)
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
            rc = np_json_fail(rd, "guests", "guest id %d is listed twice",
                              ids[i]);
            break;
        }
    free(ids);
    return rc;
}

/* "host": "hostname" and "host_id", optional, as a snapshot has them
 * (ident.h). */
static int read_host_ident(struct np_json_rd *rd, const struct np_jv *host,
                           struct np_plan *plan)
{
    const struct np_jv *v;
    const char *s;
    int rc;

    rc = np_json_member(rd, host, "host", "hostname", NP_JSTRING, false, &v);
    if (rc)
        return rc;
    if (v) {
        s = v->u.s;
        if (!np_ident_valid_hostname(s))
            return np_json_fail(
                rd, "host.hostname",
                "'%.40s' is not a host name: letters, digits, '-', '_' and '.' only",
                np_json_show(v));
        if (np_ident_set(&plan->hostname, s))
            return -ENOMEM;
    }
    rc = np_json_member(rd, host, "host", "host_id", NP_JSTRING, false, &v);
    if (rc)
        return rc;
    if (v) {
        s = v->u.s;
        if (!np_ident_valid(s))
            return np_json_fail(
                rd, "host.host_id",
                "'%.40s' is not a valid value: printable ASCII, 1 to 254 characters",
                np_json_show(v));
        if (np_ident_set(&plan->host_id, s))
            return -ENOMEM;
    }
    return 0;
}

/*
 * The text through json-c, as every plan was read before np_jdoc_parse()
 * (json-c's lenient mode, its messages, the duplicate-key pass), then
 * json-c's tree as a document.  Only for text numapin's own parser gives
 * up on.
 */
static int parse_json_c(struct np_json_rd *rd, const char *buf, size_t len,
                        struct np_jdoc **doc)
{
    struct json_tokener *tok;
    json_object *root;
    int rc;

    tok = json_tokener_new();
    if (!tok)
        return -ENOMEM;
    root = json_tokener_parse_ex(tok, buf, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success)
        rc = np_err_set(rd->err, -EINVAL, "%s: not valid json: %s",
                        rd->name ? rd->name : "plan",
                        json_tokener_error_desc(json_tokener_get_error(tok)));
    else if (!json_object_is_type(root, json_type_object))
        rc = np_json_fail(rd, "(top)", "not an object");
    else
        rc = np_json_check_dup_keys(rd, buf, len);
    if (!rc)
        rc = np_jdoc_from_json_c(root, doc);
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

int np_plan_read_json(const char *buf, size_t len, const char *name,
                      struct np_plan *plan, struct np_err *err)
{
    static const char *const keys[] = {
        "numapin_plan", "kind",  "backend", "host",   "policy", "overcommit",
        "pin",          "score", "reasons", "guests", NULL};
    static const char *const host_keys[] = {"cpu_ids", "node_ids", "hostname",
                                            "host_id", NULL};
    struct np_json_rd rd = {.name = name, .err = err, .what = "plan"};
    const struct np_jv *root, *v, *host, *guests;
    struct np_jdoc *doc = NULL;
    uint64_t n;
    const char *s;
    size_t i;
    int rc;

    np_plan_dispose(plan);
    rc = np_jdoc_parse(buf, len, &doc);
    if (rc == -EAGAIN)
        rc = parse_json_c(&rd, buf, len, &doc);
    if (rc)
        goto out;
    root = np_jdoc_root(doc);
    if (!np_jv_is(root, NP_JOBJECT)) {
        rc = np_json_fail(&rd, "(top)", "not an object");
        goto out;
    }
    rc = np_json_check_keys(&rd, root, "(top)", keys);
    if (!rc)
        rc = get_uint(&rd, root, "(top)", "numapin_plan", 1000, &n);
    if (rc)
        goto out;
    if (n != NP_PLAN_VERSION) {
        rc = np_json_fail(
            &rd, "numapin_plan",
            "version %llu is not supported (this numapin reads %d)",
            (unsigned long long)n, NP_PLAN_VERSION);
        goto out;
    }
    rc = get(&rd, root, "(top)", "kind", NP_JSTRING, true, &v);
    if (rc)
        goto out;
    s = v->u.s;
    if (strcmp(s, "plan") && strcmp(s, "journal")) {
        rc = np_json_fail(&rd, "kind", "'%s' is neither 'plan' nor 'journal'",
                          s);
        goto out;
    }
    plan->is_journal = !strcmp(s, "journal");
    rc = get(&rd, root, "(top)", "backend", NP_JSTRING, false, &v);
    if (rc)
        goto out;
    if (v && !(plan->backend = strdup(v->u.s))) {
        rc = -ENOMEM;
        goto out;
    }
    rc = get(&rd, root, "(top)", "host", NP_JOBJECT, true, &host);
    if (!rc)
        rc = np_json_check_keys(&rd, host, "host", host_keys);
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
        rc = np_json_fail(&rd, "host", "no cpu or node ids");
        goto out;
    }
    rc = read_host_ident(&rd, host, plan);
    if (rc)
        goto out;
    rc = get(&rd, root, "(top)", "policy", NP_JSTRING, true, &v);
    if (rc)
        goto out;
    if (np_policy_parse(v->u.s, &plan->policy)) {
        rc = np_json_fail(&rd, "policy", "unknown policy '%s'", v->u.s);
        goto out;
    }
    rc = get_uint(&rd, root, "(top)", "overcommit", 1024, &n);
    if (rc)
        goto out;
    plan->overcommit = n ? (unsigned int)n : 1;
    rc = get(&rd, root, "(top)", "pin", NP_JSTRING, true, &v);
    if (rc)
        goto out;
    s = v->u.s;
    if (strcmp(s, "hard") && strcmp(s, "soft")) {
        rc = np_json_fail(&rd, "pin", "'%s' is neither 'hard' nor 'soft'", s);
        goto out;
    }
    plan->pin = !strcmp(s, "soft") ? NP_PIN_SOFT : NP_PIN_HARD;
    rc = get(&rd, root, "(top)", "score", NP_JDOUBLE, false, &v);
    if (rc)
        goto out;
    plan->score = score_of(v);
    rc = get_strings(&rd, root, "(top)", "reasons", plan, NULL);
    if (rc)
        goto out;
    rc = get(&rd, root, "(top)", "guests", NP_JARRAY, true, &guests);
    if (rc)
        goto out;
    for (i = 0; i < (size_t)guests->n; i++) {
        char path[32];

        snprintf(path, sizeof(path), "guests[%zu]", i);
        rc = read_guest(&rd, plan, &guests->u.kids[i], path);
        if (rc)
            goto out;
    }
    rc = check_unique_guests(&rd, plan);
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while reading the plan");
    if (rc)
        np_plan_dispose(plan);
    np_jdoc_free(doc);
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

int np_plan_read_file(const char *path, struct np_plan *plan,
                      struct np_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    /* regular files only, capped: a FIFO or a device never blocks us */
    rc = np_file_read_all(path, NP_FILE_MAX, &buf, &len, err);
    if (!rc)
        rc = np_plan_read_json(buf, len, path, plan, err);
    free(buf);
    return rc;
}
