/*
 * fleet.c: placement across host snapshots (fleet.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"
#include "fmt_json.h"

#define MILLI 1000

void np_fleet_init(struct np_fleet *fleet)
{
    memset(fleet, 0, sizeof(*fleet));
}

static void host_dispose(struct np_fleet_host *h)
{
    free(h->path);
    np_snapshot_dispose(&h->snap);
    np_plan_dispose(&h->plan);
}

void np_fleet_dispose(struct np_fleet *fleet)
{
    unsigned int i;

    for (i = 0; i < fleet->nr_hosts; i++)
        host_dispose(&fleet->hosts[i]);
    free(fleet->hosts);
    np_fleet_init(fleet);
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

static void warn_of(np_fleet_warn_fn warn, void *opaque, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn_of(np_fleet_warn_fn warn, void *opaque, const char *fmt, ...)
{
    struct np_err e = {""};
    char msg[NP_ERR_MAX];
    va_list ap;

    if (!warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    np_err_set(&e, 0, "%s", msg); /* one line, control characters escaped */
    warn(opaque, e.msg);
}

/* The file's base name without ".json", when it is a valid host name. */
static int name_from_path(const char *path, char **name_out)
{
    const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len = strlen(b);
    char *s;

    *name_out = NULL;
    if (len > 5 && !strcmp(b + len - 5, ".json"))
        len -= 5;
    s = strndup(b, len);
    if (!s)
        return -ENOMEM;
    if (np_ident_valid_hostname(s))
        *name_out = s;
    else
        free(s);
    return 0;
}

static int add_file(struct np_fleet *fleet, const char *path,
                    np_fleet_warn_fn warn, void *opaque)
{
    struct np_fleet_host *hosts, *h;
    struct np_err e = {""};
    char *name = NULL;
    int rc;

    hosts = realloc(fleet->hosts, (fleet->nr_hosts + 1) * sizeof(*hosts));
    if (!hosts)
        return -ENOMEM;
    fleet->hosts = hosts;
    h = &hosts[fleet->nr_hosts];
    memset(h, 0, sizeof(*h));
    np_snapshot_init(&h->snap);
    np_plan_init(&h->plan);
    rc = np_json_read_snapshot_file(path, &h->snap, &e);
    if (rc == -ENOMEM)
        goto fail;
    if (rc) {
        warn_of(warn, opaque, "skipping '%s': %s", path, e.msg);
        rc = 0;
        goto fail;
    }
    if (!h->snap.has_guests) {
        warn_of(warn, opaque,
                "skipping '%s': it has no guest list (a topology file, not "
                "a host's `numapin dump`)",
                path);
        goto fail;
    }
    if (!h->snap.ident.hostname) {
        rc = name_from_path(path, &name);
        if (rc)
            goto fail;
        if (!name) {
            warn_of(warn, opaque,
                    "skipping '%s': it names no host and its file name is "
                    "not a host name",
                    path);
            goto fail;
        }
        h->snap.ident.hostname = name;
    }
    h->path = strdup(path);
    if (!h->path) {
        rc = -ENOMEM;
        goto fail;
    }
    h->name = h->snap.ident.hostname;
    if (h->snap.ident.hypervisor)
        h->hypervisor = h->snap.ident.hypervisor;
    else if (h->snap.ident.backend && strcmp(h->snap.ident.backend, "test"))
        h->hypervisor = h->snap.ident.backend;
    fleet->nr_hosts++;
    return 0;
fail:
    host_dispose(h);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(struct np_fleet *fleet, const char *dir,
                   np_fleet_warn_fn warn, void *opaque, struct np_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL, **n;
    size_t nr = 0, i, len;
    int rc = 0;

    if (!d)
        return np_err_set(err, -errno, "cannot list '%s': %s", dir,
                          strerror(errno));
    while ((de = readdir(d))) {
        len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len <= 5 ||
            strcmp(de->d_name + len - 5, ".json"))
            continue;
        n = realloc(names, (nr + 1) * sizeof(*names));
        if (!n) {
            rc = -ENOMEM;
            goto out;
        }
        names = n;
        if (asprintf(&names[nr], "%s/%s", dir, de->d_name) < 0) {
            rc = -ENOMEM;
            goto out;
        }
        nr++;
    }
    if (nr)
        qsort(names, nr, sizeof(*names), cmp_str);
    for (i = 0; i < nr && !rc; i++)
        rc = add_file(fleet, names[i], warn, opaque);
out:
    for (i = 0; i < nr; i++)
        free(names[i]);
    free(names);
    closedir(d);
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory while reading '%s'", dir);
    return rc;
}

static int cmp_host(const void *a, const void *b)
{
    const struct np_fleet_host *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : strcmp(x->path, y->path);
}

int np_fleet_load(struct np_fleet *fleet, const char *const *paths,
                  unsigned int nr_paths, np_fleet_warn_fn warn, void *opaque,
                  struct np_err *err)
{
    struct stat st;
    unsigned int i;
    int rc = 0;

    np_fleet_init(fleet);
    for (i = 0; i < nr_paths && !rc; i++) {
        if (!stat(paths[i], &st) && S_ISDIR(st.st_mode))
            rc = add_dir(fleet, paths[i], warn, opaque, err);
        else
            rc = add_file(fleet, paths[i], warn, opaque);
    }
    if (rc)
        return rc == -ENOMEM ? np_err_set(err, rc, "out of memory") : rc;
    if (!fleet->nr_hosts)
        return np_err_set(err, -ENOENT,
                          "no usable host snapshot among the %u path%s given",
                          nr_paths, nr_paths == 1 ? "" : "s");
    qsort(fleet->hosts, fleet->nr_hosts, sizeof(*fleet->hosts), cmp_host);
    for (i = 1; i < fleet->nr_hosts; i++)
        if (!strcmp(fleet->hosts[i - 1].name, fleet->hosts[i].name))
            return np_err_set(
                err, -EINVAL,
                "host '%s' has two snapshots, '%s' and '%s': keep one",
                fleet->hosts[i].name, fleet->hosts[i - 1].path,
                fleet->hosts[i].path);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The ordering's view of a host                                       */
/* ------------------------------------------------------------------ */

/*
 * Fill h's view for a guest of nr_vcpus and mem_kib: per node its free
 * memory and CPU capacity (limit minus the pinned load, per usable CPU).
 */
static int host_view(struct np_fleet_host *h, const struct np_fleet_req *req)
{
    const struct np_topo *t = &h->snap.topo;
    const struct np_cpumap *reserved = req->solve.reserved;
    uint64_t limit = (req->solve.overcommit > 1 ? req->solve.overcommit : 1) *
                     (uint64_t)MILLI;
    uint64_t need = (uint64_t)req->nr_vcpus * MILLI, *load;
    unsigned int i, v, n;
    int cpu;

    load = calloc(t->nr_cpu_ids + 1, sizeof(*load));
    if (!load)
        return -ENOMEM;
    for (i = 0; i < h->snap.nr_guests; i++) {
        const struct np_guest *g = &h->snap.guests[i];

        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_cpumap *pin = np_vcpu_pin(t, &g->vcpus[v]);
            unsigned int w;

            if (!pin || !(w = np_cpumap_weight(pin)))
                continue;
            np_cpumap_for_each(cpu, pin) if (cpu < (int)t->nr_cpu_ids)
                load[cpu] += MILLI / w;
        }
    }
    h->fits_one = false;
    h->free_kib = 0;
    h->cap_milli = 0;
    for (n = 0; n < t->nr_node_ids; n++) {
        const struct np_node *nd = &t->nodes[n];
        uint64_t cap = 0;

        if (!nd->present)
            continue;
        np_cpumap_for_each(cpu, &nd->cpus)
        {
            if (reserved && reserved->nr_bits && np_cpumap_test(reserved, cpu))
                continue;
            if (load[cpu] < limit)
                cap += limit - load[cpu];
        }
        if (nd->mem_free_known)
            h->free_kib += nd->mem_free_kib;
        h->cap_milli += cap;
        if (nd->mem_free_known && nd->mem_free_kib >= req->mem_kib &&
            cap >= need)
            h->fits_one = true;
    }
    h->fits_any = h->free_kib >= req->mem_kib && h->cap_milli >= need;
    free(load);
    return 0;
}

static bool eligible(const struct np_fleet_host *h,
                     const struct np_fleet_req *req)
{
    if (!req->hypervisor || !strcmp(req->hypervisor, "any"))
        return true;
    return h->hypervisor && !strcmp(h->hypervisor, req->hypervisor);
}

/* Is host a before host b (rules 2-4 of fleet.h)? */
static bool before(const struct np_fleet_host *a, const struct np_fleet_host *b,
                   const struct np_fleet_req *req)
{
    uint64_t fa =
        a->free_kib - (a->free_kib >= req->mem_kib ? req->mem_kib : 0);
    uint64_t fb =
        b->free_kib - (b->free_kib >= req->mem_kib ? req->mem_kib : 0);
    bool pack = req->weigh == NP_FLEET_PACK;

    if (a->fits_one != b->fits_one)
        return a->fits_one;
    if (fa != fb)
        return pack ? fa < fb : fa > fb;
    if (a->cap_milli != b->cap_milli)
        return pack ? a->cap_milli < b->cap_milli : a->cap_milli > b->cap_milli;
    return a < b; /* hosts are sorted by name */
}

/* ------------------------------------------------------------------ */
/* Placing                                                             */
/* ------------------------------------------------------------------ */

/* The guest decided on h becomes part of h: pinned as planned, its memory
 * taken from the nodes' free memory. */
static int commit(struct np_fleet_host *h, const struct np_plan *p,
                  const struct np_plan_guest *pg)
{
    struct np_snapshot *snap = &h->snap;
    struct np_guest *g;
    unsigned int v, n;
    int rc;

    if (!h->plan.nr_cpu_ids) {
        h->plan.nr_cpu_ids = p->nr_cpu_ids;
        h->plan.nr_node_ids = p->nr_node_ids;
        h->plan.policy = p->policy;
        h->plan.overcommit = p->overcommit;
        h->plan.pin = p->pin;
        if (snap->ident.backend &&
            !(h->plan.backend = strdup(snap->ident.backend)))
            return -ENOMEM;
        if (np_ident_set(&h->plan.host_id, snap->ident.host_id) ||
            np_ident_set(&h->plan.hostname, snap->ident.hostname))
            return -ENOMEM;
    }
    rc = np_plan_copy_guest(&h->plan, p, pg);
    if (rc)
        return rc;
    rc = np_snapshot_add_guest(snap, -1 - (int)h->plan.nr_guests, pg->name,
                               pg->nr_vcpus, p->pin == NP_PIN_SOFT, &g);
    if (rc)
        return rc;
    g->mem_kib = pg->mem_kib;
    for (v = 0; v < pg->nr_vcpus; v++) {
        g->vcpus[v].online = true;
        if (pg->hard[v].nr_bits)
            np_cpumap_or(&g->vcpus[v].hard, &pg->hard[v]);
        else
            np_topo_all_cpus(&snap->topo, &g->vcpus[v].hard);
        if (pg->soft[v].nr_bits && g->vcpus[v].soft.nr_bits)
            np_cpumap_or(&g->vcpus[v].soft, &pg->soft[v]);
    }
    if (pg->node_affinity.nr_bits)
        np_cpumap_or(&g->node_affinity, &pg->node_affinity);
    if (pg->mem_per_node_kib) {
        g->mem_per_node_kib =
            calloc(snap->topo.nr_node_ids, sizeof(*g->mem_per_node_kib));
        if (!g->mem_per_node_kib)
            return -ENOMEM;
        for (n = 0; n < snap->topo.nr_node_ids && n < p->nr_node_ids; n++) {
            struct np_node *nd = &snap->topo.nodes[n];
            uint64_t kib = pg->mem_per_node_kib[n];

            g->mem_per_node_kib[n] = kib;
            nd->mem_free_kib =
                nd->mem_free_kib > kib ? nd->mem_free_kib - kib : 0;
        }
    }
    return 0;
}

/* Run the solver for one guest on h.  0 placed (*plan filled), -ENOSPC
 * with err, or another error. */
static int solve_on(struct np_fleet_host *h, const struct np_fleet_req *req,
                    const char *name, bool explain, struct np_plan *plan,
                    struct np_err *err)
{
    struct np_solve_req sr = req->solve;
    struct np_new_guest ng;

    ng.name = name;
    ng.nr_vcpus = req->nr_vcpus;
    ng.mem_kib = req->mem_kib;
    sr.new_guests = &ng;
    sr.nr_new = 1;
    sr.all = false;
    sr.nr_ids = 0;
    sr.ids = NULL;
    sr.explain = explain;
    return np_solve(&h->snap, &sr, plan, err);
}

void np_fleet_result_dispose(struct np_fleet_result *res)
{
    unsigned int i;

    for (i = 0; i < res->nr_decisions; i++) {
        free(res->decisions[i].name);
        free(res->decisions[i].reason);
    }
    free(res->decisions);
    memset(res, 0, sizeof(*res));
}

/* The host first in the order among those not yet tried for this guest
 * (tried[i]), or -1. */
static int pick(const struct np_fleet *fleet, const struct np_fleet_req *req,
                const bool *tried, bool any_fit)
{
    unsigned int i;
    int best = -1;

    for (i = 0; i < fleet->nr_hosts; i++) {
        const struct np_fleet_host *h = &fleet->hosts[i];

        if (tried[i] || !eligible(h, req) ||
            (any_fit && (!h->fits_any || h->refused)))
            continue;
        if (best < 0 || before(h, &fleet->hosts[best], req))
            best = (int)i;
    }
    return best;
}

/* Place one guest; fills d. */
static int place_one(struct np_fleet *fleet, const struct np_fleet_req *req,
                     struct np_fleet_decision *d, bool *tried,
                     unsigned int *nr_solves)
{
    struct np_plan plan;
    struct np_err e = {""};
    int i, rc = 0;

    memset(tried, 0, fleet->nr_hosts * sizeof(*tried));
    d->host = d->best_host = -1;
    while ((i = pick(fleet, req, tried, true)) >= 0) {
        struct np_fleet_host *h = &fleet->hosts[i];

        tried[i] = true;
        np_plan_init(&plan);
        np_err_clear(&e);
        rc = solve_on(h, req, d->name, req->solve.explain, &plan, &e);
        (*nr_solves)++;
        if (rc == -ENOSPC || (!rc && !plan.guests[0].placed)) {
            h->refused = true;
            np_plan_dispose(&plan);
            rc = 0;
            continue;
        }
        if (rc) {
            np_plan_dispose(&plan);
            return rc;
        }
        if (h->fits_one && np_cpumap_weight(&plan.guests[0].nodes) > 1) {
            /* not one node after all: back among the others */
            h->fits_one = false;
            np_plan_dispose(&plan);
            tried[i] = false;
            continue;
        }
        rc = commit(h, &plan, &plan.guests[0]);
        np_plan_dispose(&plan);
        if (rc)
            return rc;
        d->host = i;
        d->plan_idx = h->plan.nr_guests - 1;
        return host_view(h, req);
    }
    /* nowhere: the reason on the best host, whether it could be tried */
    memset(tried, 0, fleet->nr_hosts * sizeof(*tried));
    i = pick(fleet, req, tried, false);
    d->best_host = i;
    if (i < 0)
        return asprintf(&d->reason, "no host runs %s",
                        req->hypervisor ? req->hypervisor : "guests") < 0
                   ? -ENOMEM
                   : 0;
    np_plan_init(&plan);
    np_err_clear(&e);
    rc = solve_on(&fleet->hosts[i], req, d->name, true, &plan, &e);
    (*nr_solves)++;
    np_plan_dispose(&plan);
    if (rc && rc != -ENOSPC)
        return rc;
    if (asprintf(&d->reason, "%s",
                 e.msg[0] ? e.msg : "the solver found no place") < 0)
        return -ENOMEM;
    return 0;
}

int np_fleet_place(struct np_fleet *fleet, const struct np_fleet_req *req,
                   struct np_fleet_result *res, struct np_err *err)
{
    unsigned int count = req->count ? req->count : 1, k, i;
    const char *base = req->name ? req->name : "new";
    bool *tried = NULL;
    int rc = 0;

    memset(res, 0, sizeof(*res));
    if (!req->nr_vcpus || !req->mem_kib)
        return np_err_set(err, -EINVAL,
                          "a guest needs at least one vcpu and some memory");
    res->decisions = calloc(count, sizeof(*res->decisions));
    tried = calloc(fleet->nr_hosts + 1, sizeof(*tried));
    if (!res->decisions || !tried) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < fleet->nr_hosts && !rc; i++) {
        fleet->hosts[i].refused = false;
        rc = host_view(&fleet->hosts[i], req);
    }
    for (k = 0; k < count && !rc; k++) {
        struct np_fleet_decision *d = &res->decisions[k];

        if (count > 1)
            rc = asprintf(&d->name, "%s-%u", base, k + 1) < 0 ? -ENOMEM : 0;
        else
            rc = (d->name = strdup(base)) ? 0 : -ENOMEM;
        if (rc)
            break;
        res->nr_decisions++;
        rc = place_one(fleet, req, d, tried, &res->nr_solves);
        if (!rc && d->host >= 0)
            res->nr_placed++;
    }
out:
    free(tried);
    if (rc == -ENOMEM)
        return np_err_set(err, rc, "out of memory while placing");
    if (rc)
        return rc;
    for (k = 0; k < res->nr_decisions; k++) {
        const struct np_fleet_decision *d = &res->decisions[k];

        if (d->host >= 0)
            continue;
        if (d->best_host >= 0)
            return np_err_set(
                err, -ENOSPC, "guest '%s' fits no host; on the best, '%s': %s",
                d->name, fleet->hosts[d->best_host].name, d->reason);
        return np_err_set(err, -ENOSPC, "guest '%s' fits no host: %s", d->name,
                          d->reason);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Reports and binding                                                 */
/* ------------------------------------------------------------------ */

void np_fleet_host_report(const struct np_fleet_host *h,
                          struct np_fleet_report *rep)
{
    const struct np_snapshot *snap = &h->snap;
    const struct np_topo *t = &snap->topo;
    unsigned int i, v, n, *owners;
    int cpu, *first;

    memset(rep, 0, sizeof(*rep));
    rep->nr_nodes = np_topo_nr_nodes(t);
    rep->nr_guests = snap->nr_guests;
    owners = calloc(t->nr_cpu_ids + 1, sizeof(*owners));
    first = calloc(t->nr_cpu_ids + 1, sizeof(*first));
    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];
        bool floating = false;
        struct np_cpumap nodes;

        np_cpumap_init(&nodes);
        np_cpumap_alloc(&nodes, t->nr_node_ids);
        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_vcpu *vc = &g->vcpus[v];
            const struct np_cpumap *pin = np_vcpu_pin(t, vc);

            if (!pin) {
                floating = floating || vc->online;
                continue;
            }
            np_cpumap_for_each(cpu, pin)
            {
                if (cpu >= (int)t->nr_cpu_ids)
                    break;
                if (t->cpus[cpu].node >= 0 && nodes.nr_bits)
                    np_cpumap_set(&nodes, t->cpus[cpu].node);
                if (!owners || pin != &vc->hard)
                    continue;
                if (!owners[cpu]) {
                    owners[cpu] = 1;
                    first[cpu] = (int)i;
                } else if (first[cpu] != (int)i && owners[cpu] == 1) {
                    owners[cpu] = 2;
                    rep->nr_overlaps++;
                }
            }
        }
        if (floating)
            rep->nr_floating++;
        if (g->mem_per_node_kib && !floating && !np_cpumap_is_empty(&nodes)) {
            rep->remote_known = true;
            for (n = 0; n < t->nr_node_ids; n++)
                if (!np_cpumap_test(&nodes, (int)n))
                    rep->remote_kib += g->mem_per_node_kib[n];
        }
        np_cpumap_dispose(&nodes);
    }
    free(owners);
    free(first);
}

int np_plan_bind_new(struct np_plan *plan, const struct np_snapshot *snap,
                     struct np_err *err)
{
    unsigned int i, j, nr;
    const struct np_guest *found;

    for (i = 0; i < plan->nr_guests; i++) {
        struct np_plan_guest *pg = &plan->guests[i];

        if (!pg->is_new || !pg->placed)
            continue;
        found = NULL;
        for (j = 0, nr = 0; j < snap->nr_guests; j++)
            if (!strcmp(snap->guests[j].name, pg->name)) {
                found = &snap->guests[j];
                nr++;
            }
        if (nr > 1)
            return np_err_set(
                err, -EINVAL,
                "%u guests are named '%s': the plan's new guest cannot be told apart",
                nr, pg->name);
        if (!found)
            return np_err_set(
                err, -ESRCH,
                "guest '%s' of the plan is new and does not run on this host: start it first, then apply",
                pg->name);
        pg->id = found->id;
        pg->is_new = false;
    }
    return 0;
}
