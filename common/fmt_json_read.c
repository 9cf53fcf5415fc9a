/*
 * fmt_json_read.c: a snapshot read from JSON: the way in (numapin's own
 * parser, json_doc.h, and json-c for what it gives up on), the document's
 * top level and its guests.  The host object and the id-list readers are
 * in fmt_json_host.c (shared through fmt_json_read.h); the schema is in
 * fmt_json.h; the writer is fmt_json.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "fileio.h"
#include "fmt_json.h"
#include "fmt_json_read.h"

static const struct np_json_key vcpu_keys[] = {
    NP_JSON_KEY("id"),      NP_JSON_KEY("online"),
    NP_JSON_KEY("running"), NP_JSON_KEY("blocked"),
    NP_JSON_KEY("cpu"),     NP_JSON_KEY("time_ns"),
    NP_JSON_KEY("hard"),    NP_JSON_KEY("soft"),
    NP_JSON_KEY("tid"),     {NULL, 0}};
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
static const struct np_json_key guest_keys[] = {
    NP_JSON_KEY("id"),
    NP_JSON_KEY("name"),
    NP_JSON_KEY("memory_kib"),
    NP_JSON_KEY("node_affinity"),
    NP_JSON_KEY("memory_per_node_kib"),
    NP_JSON_KEY("vcpus"),
    {NULL, 0}};
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
        return np_json_fail(
            rd, p,
            "vcpu id %lld where %zu was expected (vcpus are listed in id order from 0)",
            (long long)x, index);
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
                               NP_JSON_MEM_MAX, &x, &found);
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
    rc = np_json_list_read(rd, v, path, "hard", "cpu", all_cpus, &vc->hard);
    if (rc)
        return rc;
    rc = np_json_member_at(rd, m[VCPU_SOFT], path, "soft", NP_JSTRING, false,
                           &v);
    if (rc || !v)
        return rc;
    return np_json_list_read(rd, v, path, "soft", "cpu", all_cpus, &vc->soft);
}

/* The guest's memory_per_node_kib (mem; base is the guest's path). */
static int read_guest_memory(struct np_json_rd *rd, const struct np_topo *topo,
                             const struct np_jv *mem, const char *base,
                             struct np_guest *g)
{
    const struct np_jv *it;
    char p[NP_JSON_PATH_LEN], path[NP_JSON_PATH_LEN];
    int64_t x;
    int node, rc;

    g->mem_per_node_kib =
        calloc(topo->nr_node_ids, sizeof(*g->mem_per_node_kib));
    if (!g->mem_per_node_kib)
        return -ENOMEM;
    for (it = mem->u.kids; it < mem->u.kids + mem->n; it++) {
        node = np_json_node_of_key(topo, it);
        if (node >= 0 && np_jv_is(it, NP_JINT) && it->u.i >= 0 &&
            it->u.i <= NP_JSON_MEM_MAX) {
            g->mem_per_node_kib[node] = (uint64_t)it->u.i; /* no path made */
            continue;
        }
        np_json_path_key(path, base, "memory_per_node_kib");
        rc = np_json_node_key(rd, topo, path, it->key, &node);
        if (rc)
            return rc;
        if (np_jv_is(it, NP_JINT) && it->u.i >= 0 &&
            it->u.i <= NP_JSON_MEM_MAX) {
            x = it->u.i;
        } else {
            np_json_path_key(p, path, it->key);
            rc = np_json_int_value(rd, it, p, 0, NP_JSON_MEM_MAX, &x);
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
    size_t i, nr, len;
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
            return np_json_fail(
                rd, p, "guest id %" PRId64 " is already used by guests[%zu]",
                id, by_id);
        }
        if (by_name < snap->nr_guests) {
            np_json_path_key(p, path, "name");
            return np_json_fail(
                rd, p, "guest name '%.64s' is already used by guests[%zu]", s,
                by_name);
        }
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
                               true, 0, NP_JSON_MEM_MAX, &x, &found);
    if (rc)
        return rc;
    g->mem_kib = (uint64_t)x;
    rc = np_json_member_at(rd, m[GUEST_NODE_AFFINITY], path, "node_affinity",
                           NP_JSTRING, false, &v);
    if (rc)
        return rc;
    if (v) {
        rc = np_json_list_read(rd, v, path, "node_affinity", "node", all_nodes,
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
    /* "PATH.vcpus[i]": the path is read_root()'s "guests[N]" */
    len = strlen(path);
    memcpy(q, path, len);
    memcpy(q + len, ".vcpus", sizeof(".vcpus"));
    len += strlen(".vcpus");
    for (i = 0; i < nr; i++) {
        np_json_path_set_index(q, len, i);
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
        rc = np_json_fail(
            rd, "numapin",
            "format version %.40s is not supported, this numapin reads versions 1 to %d",
            np_json_show(v), NP_JSON_VERSION);
        goto out;
    }
    rc = np_json_check_keys(rd, root, "", root_keys);
    if (rc)
        goto out;
    rc = np_json_member(rd, root, "", "host", NP_JOBJECT, true, &host);
    if (rc)
        goto out;
    rc = np_json_read_host(rd, host, &snap->topo, (int)version);
    if (rc)
        goto out;
    if (version >= 2) {
        rc = np_json_read_ident(rd, host, &snap->ident);
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
        np_json_path_set_index(p, strlen("guests"), i);
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
