/*
 * fleet_json.c: `fleet place --json` and `fleet report --json`
 * (docs/schema/fleet-place.schema.json, fleet-report.schema.json).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "cpulist.h"
#include "fleet.h"
#include "fleet_json.h"

static void obj_add(json_object *obj, const char *key, json_object *val,
                    bool *oom)
{
    if (!val) {
        *oom = true;
        return;
    }
    if (!obj || json_object_object_add(obj, key, val)) {
        json_object_put(val);
        *oom = true;
    }
}

static void arr_add(json_object *arr, json_object *val, bool *oom)
{
    if (!val) {
        *oom = true;
        return;
    }
    if (!arr || json_object_array_add(arr, val)) {
        json_object_put(val);
        *oom = true;
    }
}

static json_object *new_str(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static json_object *new_strings(const char *const *v, unsigned int nr,
                                bool *oom)
{
    json_object *a = json_object_new_array();
    unsigned int i;

    for (i = 0; a && i < nr; i++)
        arr_add(a, new_str(v[i]), oom);
    return a;
}

static int finish(json_object *root, bool oom, char **json_out,
                  struct np_err *err)
{
    const char *text;
    int rc = 0;

    *json_out = NULL;
    if (oom || !root) {
        rc = -ENOMEM;
    } else {
        text = json_object_to_json_string_ext(
            root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                      JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(json_out, "%s\n", text) < 0) {
            *json_out = NULL;
            rc = -ENOMEM;
        }
    }
    json_object_put(root);
    if (rc)
        np_err_set(err, rc, "out of memory while formatting json");
    return rc;
}

/* hosts[i].plan as JSON objects (NULL for hosts without a plan): the
 * guests of the decisions are taken from there, in the plan's own form. */
static int plans_as_json(const struct np_fleet *f, json_object ***out,
                         struct np_err *err)
{
    json_object **v = calloc(f->nr_hosts + 1, sizeof(*v));
    unsigned int i;
    char *text;
    int rc;

    *out = v;
    if (!v)
        return -ENOMEM;
    for (i = 0; i < f->nr_hosts; i++) {
        if (!f->hosts[i].plan.nr_guests)
            continue;
        rc = np_plan_write_json(&f->hosts[i].plan, &text, err);
        if (rc)
            return rc;
        v[i] = json_tokener_parse(text);
        free(text);
        if (!v[i])
            return -ENOMEM;
    }
    return 0;
}

static void plans_free(const struct np_fleet *f, json_object **v)
{
    unsigned int i;

    for (i = 0; v && i < f->nr_hosts; i++)
        json_object_put(v[i]);
    free(v);
}

static json_object *write_request(const struct np_fleet_req *req, bool *oom)
{
    json_object *o = json_object_new_object();

    obj_add(o, "vcpus", json_object_new_int64(req->nr_vcpus), oom);
    obj_add(o, "memory_kib", json_object_new_int64((int64_t)req->mem_kib), oom);
    obj_add(o, "count", json_object_new_int64(req->count ? req->count : 1),
            oom);
    obj_add(o, "hypervisor", new_str(req->hypervisor ? req->hypervisor : "any"),
            oom);
    obj_add(o, "policy", new_str(np_policy_name(req->solve.policy)), oom);
    obj_add(o, "weigh",
            new_str(req->weigh == NP_FLEET_PACK ? "pack" : "spread"), oom);
    return o;
}

int np_fleet_place_json(const struct np_fleet *f,
                        const struct np_fleet_req *req,
                        const struct np_fleet_result *res,
                        const char *const *plan_files,
                        const char *const *skipped, unsigned int nr_skipped,
                        char **json_out, struct np_err *err)
{
    json_object *root = json_object_new_object(), *guests, *plans, *g, *pg;
    json_object **pj = NULL;
    bool oom = !root;
    unsigned int i, k;
    int rc;

    rc = plans_as_json(f, &pj, err);
    if (rc) {
        plans_free(f, pj);
        json_object_put(root);
        return rc == -ENOMEM ? np_err_set(err, rc, "out of memory") : rc;
    }
    obj_add(root, "numapin_fleet", json_object_new_int(NP_FLEET_JSON_VERSION),
            &oom);
    obj_add(root, "kind", new_str("place"), &oom);
    obj_add(root, "request", write_request(req, &oom), &oom);
    obj_add(root, "hosts", json_object_new_int64(f->nr_hosts), &oom);
    obj_add(root, "skipped", new_strings(skipped, nr_skipped, &oom), &oom);
    obj_add(root, "placed", json_object_new_int64(res->nr_placed), &oom);
    guests = json_object_new_array();
    obj_add(root, "guests", guests, &oom);
    for (k = 0; guests && k < res->nr_decisions; k++) {
        const struct np_fleet_decision *d = &res->decisions[k];
        const struct np_fleet_host *h =
            d->host >= 0 ? &f->hosts[d->host] : NULL;

        g = json_object_new_object();
        arr_add(guests, g, &oom);
        obj_add(g, "name", new_str(d->name), &oom);
        obj_add(g, "placed", json_object_new_boolean(h != NULL), &oom);
        if (!h) {
            if (d->best_host >= 0)
                obj_add(g, "best_host", new_str(f->hosts[d->best_host].name),
                        &oom);
            obj_add(g, "reason", new_str(d->reason), &oom);
            continue;
        }
        obj_add(g, "host", new_str(h->name), &oom);
        obj_add(g, "snapshot", new_str(h->path), &oom);
        if (h->hypervisor)
            obj_add(g, "hypervisor", new_str(h->hypervisor), &oom);
        if (plan_files && plan_files[d->host])
            obj_add(g, "plan", new_str(plan_files[d->host]), &oom);
        pg = json_object_array_get_idx(
            json_object_object_get(pj[d->host], "guests"), d->plan_idx);
        if (!pg) {
            oom = true;
            continue;
        }
        obj_add(g, "placement", json_object_get(pg), &oom);
    }
    plans = json_object_new_array();
    obj_add(root, "plans", plans, &oom);
    for (i = 0; plans && i < f->nr_hosts; i++) {
        const struct np_fleet_host *h = &f->hosts[i];
        json_object *p, *names;

        if (!h->plan.nr_guests)
            continue;
        p = json_object_new_object();
        arr_add(plans, p, &oom);
        obj_add(p, "host", new_str(h->name), &oom);
        obj_add(p, "snapshot", new_str(h->path), &oom);
        if (plan_files && plan_files[i])
            obj_add(p, "file", new_str(plan_files[i]), &oom);
        names = json_object_new_array();
        obj_add(p, "guests", names, &oom);
        for (k = 0; names && k < h->plan.nr_guests; k++)
            arr_add(names, new_str(h->plan.guests[k].name), &oom);
    }
    plans_free(f, pj);
    return finish(root, oom, json_out, err);
}

int np_fleet_report_json(const struct np_fleet *f, const char *const *skipped,
                         unsigned int nr_skipped, char **json_out,
                         struct np_err *err)
{
    json_object *root = json_object_new_object(), *hosts;
    bool oom = !root;
    unsigned int i, n;
    char key[16];

    obj_add(root, "numapin_fleet", json_object_new_int(NP_FLEET_JSON_VERSION),
            &oom);
    obj_add(root, "kind", new_str("report"), &oom);
    obj_add(root, "skipped", new_strings(skipped, nr_skipped, &oom), &oom);
    hosts = json_object_new_array();
    obj_add(root, "hosts", hosts, &oom);
    for (i = 0; hosts && i < f->nr_hosts; i++) {
        const struct np_fleet_host *h = &f->hosts[i];
        const struct np_topo *t = &h->snap.topo;
        struct np_fleet_report rep;
        json_object *o = json_object_new_object(), *fr;

        np_fleet_host_report(h, &rep);
        arr_add(hosts, o, &oom);
        obj_add(o, "host", new_str(h->name), &oom);
        obj_add(o, "snapshot", new_str(h->path), &oom);
        if (h->hypervisor)
            obj_add(o, "hypervisor", new_str(h->hypervisor), &oom);
        if (h->snap.ident.backend)
            obj_add(o, "backend", new_str(h->snap.ident.backend), &oom);
        if (h->snap.ident.captured)
            obj_add(o, "captured", new_str(h->snap.ident.captured), &oom);
        obj_add(o, "nodes", json_object_new_int64(rep.nr_nodes), &oom);
        fr = json_object_new_object();
        obj_add(o, "free_kib", fr, &oom);
        for (n = 0; fr && n < t->nr_node_ids; n++) {
            if (!t->nodes[n].present || !t->nodes[n].mem_free_known)
                continue;
            snprintf(key, sizeof(key), "%u", n);
            obj_add(fr, key,
                    json_object_new_int64((int64_t)t->nodes[n].mem_free_kib),
                    &oom);
        }
        obj_add(o, "guests", json_object_new_int64(rep.nr_guests), &oom);
        obj_add(o, "floating", json_object_new_int64(rep.nr_floating), &oom);
        obj_add(o, "overlapping_cpus", json_object_new_int64(rep.nr_overlaps),
                &oom);
        if (rep.remote_known)
            obj_add(o, "remote_kib",
                    json_object_new_int64((int64_t)rep.remote_kib), &oom);
    }
    return finish(root, oom, json_out, err);
}
