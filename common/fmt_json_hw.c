/*
 * fmt_json_hw.c: the "hardware" object of a snapshot's host (hw.h) in
 * JSON, written and read back.  The keys (docs/design.md):
 *
 *   "hardware": {
 *     "llc": [{"id": 0, "level": 3, "size_kib": 32768, "cpus": "0-7"}],
 *     "clusters": [{"id": 0, "cpus": "0-3"}],
 *     "cpu_kinds": [{"efficiency": 0, "name": "IntelAtom", "cpus": "12-19"}],
 *     "nodes": [{"id": 0, "memory_kind": "DRAM",
 *                "pages": [{"size_kib": 2048, "total": 512, "free": 500}]}],
 *     "pci": [{"bdf": "0000:02:00.0", "vendor": "8086", "device": "10fb",
 *              "class": "0200", "node": 0, "cpus": "0-9", "domid": 3}],
 *     "cpupools": [{"id": 0, "name": "Pool-0", "scheduler": "credit2",
 *                   "cpus": "0-3"}],
 *     "notes": ["..."]
 *   }
 *
 * Every member is optional; unknown values are left out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_json_hw.h"

static void add(json_object *o, const char *key, json_object *v, bool *oom)
{
    if (!v || !o || json_object_object_add(o, key, v)) {
        json_object_put(v);
        *oom = true;
    }
}

static void push(json_object *a, json_object *v, bool *oom)
{
    if (!v || !a || json_object_array_add(a, v)) {
        json_object_put(v);
        *oom = true;
    }
}

static json_object *list(const struct np_cpumap *map)
{
    char *s = np_cpulist_format_ranges(map);
    json_object *o;

    if (!s)
        return NULL;
    o = json_object_new_string(*s ? s : "none");
    free(s);
    return o;
}

static json_object *hex(unsigned int v, int width)
{
    char buf[16];

    snprintf(buf, sizeof(buf), "%0*x", width, v);
    return json_object_new_string(buf);
}

static void write_clusters(const struct np_topo *topo, json_object *hw,
                           bool *oom)
{
    json_object *arr = NULL;
    struct np_cpumap cpus;
    unsigned int i, j;
    int id;

    np_cpumap_init(&cpus);
    for (i = 0; i < topo->nr_cpu_ids; i++) {
        bool seen = false;

        id = topo->hw->cpus[i].cluster;
        if (id < 0 || !topo->cpus[i].present)
            continue;
        for (j = 0; j < i && !seen; j++)
            seen = topo->cpus[j].present && topo->hw->cpus[j].cluster == id;
        if (seen)
            continue;
        if (np_cpumap_alloc(&cpus, topo->nr_cpu_ids)) {
            *oom = true;
            return;
        }
        for (j = i; j < topo->nr_cpu_ids; j++)
            if (topo->cpus[j].present && topo->hw->cpus[j].cluster == id)
                np_cpumap_set(&cpus, (int)j);
        if (!arr) {
            arr = json_object_new_array();
            add(hw, "clusters", arr, oom);
        }
        json_object *c = json_object_new_object();

        add(c, "id", json_object_new_int(id), oom);
        add(c, "cpus", list(&cpus), oom);
        push(arr, c, oom);
        np_cpumap_dispose(&cpus);
    }
}

json_object *np_json_hw_write(const struct np_topo *topo, bool *oom)
{
    const struct np_hw *h = topo->hw;
    json_object *hw, *arr, *o, *pages;
    unsigned int i, j;
    const char *p, *nl;

    if (!h)
        return NULL;
    hw = json_object_new_object();
    if (!hw) {
        *oom = true;
        return NULL;
    }
    if (h->nr_llc) {
        arr = json_object_new_array();
        add(hw, "llc", arr, oom);
        for (i = 0; i < h->nr_llc; i++) {
            o = json_object_new_object();
            add(o, "id", json_object_new_int(h->llc[i].id), oom);
            add(o, "level", json_object_new_int((int)h->llc[i].level), oom);
            if (h->llc[i].size_kib)
                add(o, "size_kib",
                    json_object_new_int64((int64_t)h->llc[i].size_kib), oom);
            add(o, "cpus", list(&h->llc[i].cpus), oom);
            push(arr, o, oom);
        }
    }
    write_clusters(topo, hw, oom);
    if (h->nr_kinds) {
        arr = json_object_new_array();
        add(hw, "cpu_kinds", arr, oom);
        for (i = 0; i < h->nr_kinds; i++) {
            o = json_object_new_object();
            if (h->kinds[i].efficiency >= 0)
                add(o, "efficiency",
                    json_object_new_int(h->kinds[i].efficiency), oom);
            if (h->kinds[i].name)
                add(o, "name", json_object_new_string(h->kinds[i].name), oom);
            add(o, "cpus", list(&h->kinds[i].cpus), oom);
            push(arr, o, oom);
        }
    }
    arr = NULL;
    for (i = 0; i < topo->nr_node_ids; i++) {
        const struct np_hw_node *n = &h->nodes[i];

        if (!topo->nodes[i].present || (!n->kind && !n->nr_pages))
            continue;
        if (!arr) {
            arr = json_object_new_array();
            add(hw, "nodes", arr, oom);
        }
        o = json_object_new_object();
        add(o, "id", json_object_new_int((int)i), oom);
        if (n->kind)
            add(o, "memory_kind",
                json_object_new_string(np_mem_kind_name(n->kind)), oom);
        if (n->nr_pages) {
            pages = json_object_new_array();
            add(o, "pages", pages, oom);
            for (j = 0; j < n->nr_pages; j++) {
                json_object *pg = json_object_new_object();

                add(pg, "size_kib",
                    json_object_new_int64((int64_t)n->pages[j].size_kib), oom);
                add(pg, "total",
                    json_object_new_int64((int64_t)n->pages[j].total), oom);
                add(pg, "free",
                    json_object_new_int64((int64_t)n->pages[j].free), oom);
                push(pages, pg, oom);
            }
        }
        push(arr, o, oom);
    }
    if (h->nr_pci) {
        arr = json_object_new_array();
        add(hw, "pci", arr, oom);
        for (i = 0; i < h->nr_pci; i++) {
            const struct np_hw_pci *d = &h->pci[i];

            o = json_object_new_object();
            add(o, "bdf", json_object_new_string(d->bdf), oom);
            add(o, "vendor", hex(d->vendor, 4), oom);
            add(o, "device", hex(d->device, 4), oom);
            add(o, "class", hex(d->class_id, 4), oom);
            if (d->node >= 0)
                add(o, "node", json_object_new_int(d->node), oom);
            if (!np_cpumap_is_empty(&d->cpus))
                add(o, "cpus", list(&d->cpus), oom);
            if (d->domid >= 0)
                add(o, "domid", json_object_new_int(d->domid), oom);
            push(arr, o, oom);
        }
    }
    if (h->nr_pools) {
        arr = json_object_new_array();
        add(hw, "cpupools", arr, oom);
        for (i = 0; i < h->nr_pools; i++) {
            o = json_object_new_object();
            add(o, "id", json_object_new_int(h->pools[i].id), oom);
            if (h->pools[i].name)
                add(o, "name", json_object_new_string(h->pools[i].name), oom);
            if (h->pools[i].sched)
                add(o, "scheduler", json_object_new_string(h->pools[i].sched),
                    oom);
            add(o, "cpus", list(&h->pools[i].cpus), oom);
            if (h->pools[i].nr_domids) {
                json_object *d = json_object_new_array();

                add(o, "domids", d, oom);
                for (j = 0; j < h->pools[i].nr_domids; j++)
                    push(d, json_object_new_int(h->pools[i].domids[j]), oom);
            }
            push(arr, o, oom);
        }
    }
    if (h->notes) {
        arr = json_object_new_array();
        add(hw, "notes", arr, oom);
        for (p = h->notes; p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            push(arr,
                 json_object_new_string_len(p, nl ? (int)(nl - p)
                                                  : (int)strlen(p)),
                 oom);
        }
    }
    return hw;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

struct rd {
    const char *name;
    struct np_err *err;
    const struct np_topo *topo;
};

static int fail(struct rd *rd, const char *path, const char *what)
{
    if (rd->name)
        return np_err_set(rd->err, -EINVAL, "%s: host.hardware.%s: %s",
                          rd->name, path, what);
    return np_err_set(rd->err, -EINVAL, "host.hardware.%s: %s", path, what);
}

/* obj[key] of type, or NULL when absent; -EINVAL in *rc when the type is
 * wrong. */
static const struct np_jv *get(struct rd *rd, const struct np_jv *obj,
                               const char *path, const char *key,
                               enum np_jtype type, int *rc)
{
    const struct np_jv *v;
    char p[96];

    if (*rc || !(v = np_jv_get(obj, key)))
        return NULL;
    if (!np_jv_is(v, type)) {
        snprintf(p, sizeof(p), "%s.%s", path, key);
        *rc = fail(rd, p,
                   type == NP_JSTRING  ? "expected a string"
                   : type == NP_JINT   ? "expected an integer"
                   : type == NP_JARRAY ? "expected an array"
                                       : "expected an object");
        return NULL;
    }
    return v;
}

static int get_int(struct rd *rd, const struct np_jv *obj, const char *path,
                   const char *key, int64_t lo, int64_t hi, int64_t dflt,
                   int64_t *out, int *rc)
{
    const struct np_jv *v = get(rd, obj, path, key, NP_JINT, rc);
    char p[96];

    *out = dflt;
    if (!v)
        return *rc;
    *out = v->u.i;
    if (*out < lo || *out > hi) {
        snprintf(p, sizeof(p), "%s.%s", path, key);
        *rc = fail(rd, p, "out of range");
    }
    return *rc;
}

static int get_cpus(struct rd *rd, const struct np_jv *obj, const char *path,
                    struct np_cpumap *map, int *rc)
{
    const struct np_jv *v = get(rd, obj, path, "cpus", NP_JSTRING, rc);
    struct np_cpumap parsed;
    const char *s;
    char p[96];

    if (!v)
        return *rc;
    s = v->u.s;
    if (!strcmp(s, "none"))
        return 0;
    np_cpumap_init(&parsed);
    if (np_cpulist_parse(rd->topo, s, &parsed, NULL)) {
        snprintf(p, sizeof(p), "%s.cpus", path);
        return *rc = fail(rd, p, "not a list of this host's cpus");
    }
    np_cpumap_or(map, &parsed);
    np_cpumap_dispose(&parsed);
    return 0;
}

static unsigned int hexval(struct rd *rd, const struct np_jv *obj,
                           const char *path, const char *key, int *rc)
{
    const struct np_jv *v = get(rd, obj, path, key, NP_JSTRING, rc);
    unsigned long x;
    char *end, p[96];

    if (!v)
        return 0;
    x = strtoul(v->u.s, &end, 16);
    if (*end || end == v->u.s || x > 0xffffff) {
        snprintf(p, sizeof(p), "%s.%s", path, key);
        *rc = fail(rd, p, "not a hexadecimal id like '8086'");
    }
    return (unsigned int)x;
}

static char *dup_str(struct rd *rd, const struct np_jv *obj, const char *path,
                     const char *key, int *rc)
{
    const struct np_jv *v = get(rd, obj, path, key, NP_JSTRING, rc);
    char *s;

    if (!v)
        return NULL;
    s = strdup(v->u.s);
    if (!s)
        *rc = -ENOMEM;
    return s;
}

/* Each element of hw[key] must be an object: f(rd, element, path). */
static int each(struct rd *rd, const struct np_jv *hw, const char *key,
                int (*f)(struct rd *, struct np_hw *, const struct np_jv *,
                         const char *),
                struct np_hw *h)
{
    const struct np_jv *arr;
    size_t i;
    char p[96];
    int rc = 0;

    arr = get(rd, hw, "", key, NP_JARRAY, &rc);
    for (i = 0; arr && !rc && i < (size_t)arr->n; i++) {
        const struct np_jv *e = &arr->u.kids[i];

        snprintf(p, sizeof(p), "%s[%zu]", key, i);
        if (!np_jv_is(e, NP_JOBJECT))
            return fail(rd, p, "expected an object");
        rc = f(rd, h, e, p);
    }
    return rc;
}

static int rd_llc(struct rd *rd, struct np_hw *h, const struct np_jv *o,
                  const char *p)
{
    struct np_hw_cache *c = np_hw_add_llc(h, rd->topo->nr_cpu_ids);
    int64_t x;
    int rc = 0, cpu;

    if (!c)
        return -ENOMEM;
    get_int(rd, o, p, "id", -1, INT32_MAX, (int64_t)h->nr_llc - 1, &x, &rc);
    c->id = (int)x;
    get_int(rd, o, p, "level", 1, 9, 3, &x, &rc);
    c->level = (unsigned int)x;
    get_int(rd, o, p, "size_kib", 0, INT64_MAX / 1024, 0, &x, &rc);
    c->size_kib = (uint64_t)x;
    get_cpus(rd, o, p, &c->cpus, &rc);
    np_cpumap_for_each(cpu, &c->cpus)
    {
        if (h->cpus[cpu].llc >= 0 && !rc)
            rc = fail(rd, p, "a cpu is in two last-level caches");
        h->cpus[cpu].llc = (int)h->nr_llc - 1;
    }
    return rc;
}

static int rd_cluster(struct rd *rd, struct np_hw *h, const struct np_jv *o,
                      const char *p)
{
    struct np_cpumap cpus;
    int64_t x;
    int rc = 0, cpu;

    np_cpumap_init(&cpus);
    if (np_cpumap_alloc(&cpus, rd->topo->nr_cpu_ids))
        return -ENOMEM;
    get_int(rd, o, p, "id", 0, INT32_MAX, 0, &x, &rc);
    get_cpus(rd, o, p, &cpus, &rc);
    np_cpumap_for_each(cpu, &cpus) h->cpus[cpu].cluster = (int)x;
    np_cpumap_dispose(&cpus);
    return rc;
}

static int rd_kind(struct rd *rd, struct np_hw *h, const struct np_jv *o,
                   const char *p)
{
    struct np_hw_kind *k = np_hw_add_kind(h, rd->topo->nr_cpu_ids);
    int64_t x;
    int rc = 0, cpu;

    if (!k)
        return -ENOMEM;
    get_int(rd, o, p, "efficiency", -1, INT32_MAX, -1, &x, &rc);
    k->efficiency = (int)x;
    k->name = dup_str(rd, o, p, "name", &rc);
    get_cpus(rd, o, p, &k->cpus, &rc);
    np_cpumap_for_each(cpu, &k->cpus) h->cpus[cpu].kind = (int)h->nr_kinds - 1;
    return rc;
}

static int rd_node(struct rd *rd, struct np_hw *h, const struct np_jv *o,
                   const char *p)
{
    const struct np_jv *v, *pages;
    int64_t id, size, total, nfree;
    size_t i;
    char pp[128];
    int rc = 0, kind;

    get_int(rd, o, p, "id", 0, NP_MAX_NODE_IDS, 0, &id, &rc);
    if (rc)
        return rc;
    if (!np_topo_node_exists(rd->topo, (int)id))
        return fail(rd, p, "names a node the host does not have");
    v = get(rd, o, p, "memory_kind", NP_JSTRING, &rc);
    if (v) {
        kind = np_mem_kind_parse(v->u.s);
        if (kind < 0)
            return fail(rd, p, "memory_kind is not DRAM, HBM, NVM or GPU");
        h->nodes[id].kind = (enum np_mem_kind)kind;
    }
    pages = get(rd, o, p, "pages", NP_JARRAY, &rc);
    for (i = 0; pages && !rc && i < (size_t)pages->n; i++) {
        const struct np_jv *e = &pages->u.kids[i];

        snprintf(pp, sizeof(pp), "%s.pages[%zu]", p, i);
        if (!np_jv_is(e, NP_JOBJECT))
            return fail(rd, pp, "expected an object");
        get_int(rd, e, pp, "size_kib", 4, INT64_MAX / 1024, 0, &size, &rc);
        get_int(rd, e, pp, "total", 0, INT64_MAX, 0, &total, &rc);
        get_int(rd, e, pp, "free", 0, total, 0, &nfree, &rc);
        if (!rc && np_hw_set_pages(h, (int)id, (uint64_t)size, (uint64_t)total,
                                   (uint64_t)nfree))
            rc = fail(rd, pp, "more page sizes than numapin keeps");
    }
    return rc;
}

static int rd_pci(struct rd *rd, struct np_hw *h, const struct np_jv *o,
                  const char *p)
{
    struct np_hw_pci *d = np_hw_add_pci(h, rd->topo->nr_cpu_ids);
    const struct np_jv *v;
    int64_t x;
    int rc = 0;

    if (!d)
        return -ENOMEM;
    v = get(rd, o, p, "bdf", NP_JSTRING, &rc);
    if (!v || np_hw_parse_bdf(v->u.s, d->bdf))
        return rc ? rc : fail(rd, p, "needs a bdf like '0000:02:00.0'");
    d->vendor = hexval(rd, o, p, "vendor", &rc);
    d->device = hexval(rd, o, p, "device", &rc);
    d->class_id = hexval(rd, o, p, "class", &rc);
    get_int(rd, o, p, "node", -1, NP_MAX_NODE_IDS, -1, &x, &rc);
    if (!rc && x >= 0 && !np_topo_node_exists(rd->topo, (int)x))
        return fail(rd, p, "names a node the host does not have");
    d->node = (int)x;
    get_int(rd, o, p, "domid", -1, INT32_MAX, -1, &x, &rc);
    d->domid = (int)x;
    get_cpus(rd, o, p, &d->cpus, &rc);
    return rc;
}

static int rd_pool(struct rd *rd, struct np_hw *h, const struct np_jv *o,
                   const char *p)
{
    struct np_hw_pool *pool = np_hw_add_pool(h, rd->topo->nr_cpu_ids);
    const struct np_jv *doms;
    int64_t x;
    int rc = 0;

    if (!pool)
        return -ENOMEM;
    get_int(rd, o, p, "id", 0, INT32_MAX, 0, &x, &rc);
    pool->id = (int)x;
    pool->name = dup_str(rd, o, p, "name", &rc);
    pool->sched = dup_str(rd, o, p, "scheduler", &rc);
    get_cpus(rd, o, p, &pool->cpus, &rc);
    doms = get(rd, o, p, "domids", NP_JARRAY, &rc);
    if (doms && !rc) {
        size_t i, n = (size_t)doms->n;

        pool->domids = calloc(n + 1, sizeof(*pool->domids));
        if (!pool->domids)
            return -ENOMEM;
        for (i = 0; i < n; i++) {
            const struct np_jv *e = &doms->u.kids[i];

            if (!np_jv_is(e, NP_JINT) || e->u.i < 0 || e->u.i > INT32_MAX)
                return fail(rd, p, "domids must be domain ids");
            pool->domids[pool->nr_domids++] = (int)e->u.i;
        }
    }
    return rc;
}

int np_json_hw_read(const struct np_jv *hw, const char *name,
                    struct np_topo *topo, struct np_err *err)
{
    struct rd rd = {.name = name, .err = err, .topo = topo};
    const struct np_jv *notes;
    struct np_hw *h;
    size_t i;
    int rc = 0;

    if (!np_jv_is(hw, NP_JOBJECT))
        return fail(&rd, "", "expected an object");
    h = np_hw_new(topo->nr_cpu_ids, topo->nr_node_ids);
    if (!h)
        return -ENOMEM;
    rc = each(&rd, hw, "llc", rd_llc, h);
    if (!rc)
        rc = each(&rd, hw, "clusters", rd_cluster, h);
    if (!rc)
        rc = each(&rd, hw, "cpu_kinds", rd_kind, h);
    if (!rc)
        rc = each(&rd, hw, "nodes", rd_node, h);
    if (!rc)
        rc = each(&rd, hw, "pci", rd_pci, h);
    if (!rc)
        rc = each(&rd, hw, "cpupools", rd_pool, h);
    notes = get(&rd, hw, "", "notes", NP_JARRAY, &rc);
    for (i = 0; notes && !rc && i < (size_t)notes->n; i++) {
        const struct np_jv *e = &notes->u.kids[i];

        if (!np_jv_is(e, NP_JSTRING))
            rc = fail(&rd, "notes", "expected strings");
        else
            rc = np_hw_note(h, "%s", e->u.s);
    }
    if (rc) {
        np_hw_free(h);
        return rc;
    }
    np_hw_free(topo->hw);
    topo->hw = h;
    return 0;
}
