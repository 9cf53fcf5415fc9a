/*
 * cmd_migrate.c: `numatune DOM NODES --migrate` on a backend that moves
 * memory by relocating the guest (Xen: a local live migration, see
 * xen_migrate.c), and `undo` of it.
 *
 * The relocation is journaled in STATE/undo.json like an apply: the
 * guest's maps, node affinity and memory per node from before, under its
 * new id, marked "migrate"; `undo` relocates it back to them (and writes
 * the journal of that, so a second undo moves it again).  The journal is
 * written after the move, when the new id is known; the writer lock of
 * the state directory is held throughout.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpulist.h"
#include "history.h"
#include "numapin.h"
#include "numastat.h"
#include "plan.h"
#include "plan_apply.h"

/* Print "LABEL: node 0 1.00 MiB, node 1 2.00 MiB (local 50.0%)". */
static void print_mem(const char *label, const struct np_topo *t,
                      const struct np_guest *g)
{
    unsigned int n;
    double pct;
    bool first = true;

    printf("%s:", label);
    if (!g || !g->mem_per_node_kib) {
        printf(" not measured\n");
        return;
    }
    for (n = 0; n < t->nr_node_ids; n++) {
        if (!np_topo_node_has_memory(t, (int)n))
            continue;
        printf("%s node %u %.2f MiB", first ? "" : ",", n,
               (double)g->mem_per_node_kib[n] / 1024.0);
        first = false;
    }
    pct = np_guest_local_pct(t, g);
    if (pct >= 0)
        printf(" (local %.1f%%)", pct);
    printf("\n");
}

static const struct np_guest *by_id(const struct np_snapshot *s, int id)
{
    unsigned int i;

    for (i = 0; i < s->nr_guests; i++)
        if (s->guests[i].id == id)
            return &s->guests[i];
    return NULL;
}

/*
 * The maps of the copy: vCPU v keeps its hard map when it lies inside the
 * CPUs of nodes, else gets those CPUs; the same for soft (else none).
 * want_hard/want_soft (from a journal; NULL or nr_bits 0: computed) win.
 */
static int copy_maps(const struct np_topo *t, const struct np_guest *g,
                     const struct np_cpumap *nodes,
                     const struct np_plan_guest *want, struct np_cpumap **hard,
                     struct np_cpumap **soft)
{
    struct np_cpumap cpus;
    unsigned int v, c;
    int rc;

    np_cpumap_init(&cpus);
    *hard = calloc(g->nr_vcpus + 1, sizeof(**hard));
    *soft = calloc(g->nr_vcpus + 1, sizeof(**soft));
    if (!*hard || !*soft)
        return -ENOMEM;
    rc = np_cpumap_alloc(&cpus, t->nr_cpu_ids);
    if (rc)
        return rc;
    for (c = 0; c < t->nr_cpu_ids; c++)
        if (t->cpus[c].present && t->cpus[c].online && t->cpus[c].node >= 0 &&
            np_cpumap_test(nodes, t->cpus[c].node))
            np_cpumap_set(&cpus, (int)c);
    for (v = 0; v < g->nr_vcpus && !rc; v++) {
        const struct np_vcpu *vc = &g->vcpus[v];

        np_cpumap_init(&(*hard)[v]);
        np_cpumap_init(&(*soft)[v]);
        if (want && v < want->nr_vcpus && want->hard[v].nr_bits)
            rc = np_cpumap_copy(&(*hard)[v], &want->hard[v]);
        else if (np_cpumap_is_empty(&cpus) ||
                 (!np_cpumap_is_empty(&vc->hard) &&
                  np_cpumap_subset(&vc->hard, &cpus)))
            rc = np_cpumap_copy(&(*hard)[v], &vc->hard);
        else
            rc = np_cpumap_copy(&(*hard)[v], &cpus);
        if (rc)
            break;
        if (want && v < want->nr_vcpus && want->soft[v].nr_bits)
            rc = np_cpumap_copy(&(*soft)[v], &want->soft[v]);
        else if (vc->soft.nr_bits && !np_cpumap_is_empty(&vc->soft) &&
                 np_cpumap_subset(&vc->soft, &cpus))
            rc = np_cpumap_copy(&(*soft)[v], &vc->soft);
    }
    np_cpumap_dispose(&cpus);
    return rc;
}

static void free_maps(struct np_cpumap *m, unsigned int nr)
{
    unsigned int v;

    for (v = 0; m && v < nr; v++)
        np_cpumap_dispose(&m[v]);
    free(m);
}

/*
 * The node affinity an undo leaves: want's (a journal's "before"); when
 * that is "auto", which a journal writes for a map of every node, the map
 * of every node again (on Xen an explicit one, as xl create leaves it:
 * Xen's own automatic affinity would follow the vCPUs instead).  NULL
 * when it is unknown or nodes already.  all: the host's nodes.
 */
static const struct np_cpumap *final_affinity(const struct np_topo *t,
                                              const struct np_plan_guest *want,
                                              const struct np_cpumap *nodes,
                                              const struct np_cpumap *all)
{
    const struct np_cpumap *m = &want->node_affinity;
    unsigned int n;

    if (want->node_affinity_auto)
        m = all;
    else if (!want->node_affinity.nr_bits)
        return NULL;
    for (n = 0; n < t->nr_node_ids; n++)
        if (np_cpumap_test(m, (int)n) != np_cpumap_test(nodes, (int)n))
            return m;
    return NULL;
}

/* The numatune document of a relocation (out NULL: a dry run). */
static json_object *reloc_json(struct np_ctx *ctx, const struct np_guest *g,
                               const char *nodes,
                               const struct np_relocation *out)
{
    json_object *doc = np_ctx_jguest(ctx, "numatune", g, NULL);

    if (!doc)
        return NULL;
    json_object_object_add(doc, "nodes", json_object_new_string(nodes));
    json_object_object_add(doc, "migrate", json_object_new_boolean(1));
    json_object_object_add(doc, "memory_moved",
                           json_object_new_boolean(out != NULL));
    if (out) {
        json_object_object_add(doc, "new_id", json_object_new_int(out->new_id));
        if (out->downtime_s >= 0)
            json_object_object_add(doc, "downtime_s",
                                   json_object_new_double(out->downtime_s));
        json_object_object_add(doc, "total_s",
                               json_object_new_double(out->total_s));
    }
    return doc;
}

/*
 * Relocate g to nodes, recorded in the history: the change's "before" is
 * the guest under its old id, its "after" what the new domain reads back,
 * under the new id (that is how undo knows a relocation).  want: the
 * maps to give the copy (undo: the record's "before"), else NULL.
 * reverts: for an undo, the record it reverts (0: none).  Prints the
 * result.  An exit code.
 */
static int relocate(struct np_ctx *ctx, const struct np_guest *g0,
                    const struct np_cpumap *nodes,
                    const struct np_plan_guest *want, const char *verb,
                    unsigned int reverts)
{
    const struct np_topo *t = &ctx->snap.topo;
    struct np_relocation out;
    struct np_note note = {""};
    struct np_plan plan, before, after_j;
    struct np_plan_guest *pg;
    struct np_cpumap *hard = NULL, *soft = NULL;
    struct np_snapshot after;
    struct np_err err = {""}, rerr = {""};
    const struct np_guest *g, *ng;
    const struct np_cpumap *final_aff;
    struct np_cpumap all_nodes;
    char *list = NULL, *name = NULL;
    bool partial = false;
    uint64_t free_kib = 0;
    unsigned int nr_vcpus = g0->nr_vcpus, v, hid = 0;
    int n, id = g0->id, rc;

    np_plan_init(&plan);
    np_plan_init(&before);
    np_plan_init(&after_j);
    np_cpumap_init(&all_nodes);
    np_snapshot_init(&after);
    np_cpumap_for_each(n, nodes)
    {
        if (!t->nodes[n].mem_free_known) {
            free_kib = UINT64_MAX; /* unknown: the restore will tell */
            break;
        }
        free_kib += t->nodes[n].mem_free_kib;
    }
    list = np_cpulist_format_ranges(nodes);
    name = strdup(g0->name);
    if (!list || !name) {
        rc = np_ctx_error(NP_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (ctx->dry_run && ctx->json) {
        rc = np_ctx_jprint(ctx, reloc_json(ctx, g0, list, NULL), NP_EXIT_OK);
        goto out;
    }
    if (ctx->dry_run) {
        printf("%s: would move its memory to node(s) %s by a live migration "
               "to this host (it gets a new domain id)\n",
               name, list);
        rc = NP_EXIT_OK;
        goto out;
    }
    if (!ctx->hist) {
        rc =
            np_ctx_error(NP_EXIT_FAILED,
                         "no history to record the migration of '%s' in", name);
        goto out;
    }
    np_ctx_measure(ctx, false);
    g = by_id(&ctx->snap, id);
    if (!g) {
        rc = np_ctx_error(NP_EXIT_FAILED, "guest '%s' (id %d) is gone", name,
                          id);
        goto out;
    }
    rc = copy_maps(t, g, nodes, want, &hard, &soft);
    /* the plan: where the copy goes; its journal: what is there now */
    if (!rc)
        rc = np_ctx_plan_init(ctx, &plan);
    if (!rc)
        rc = np_ctx_plan_guest(ctx, &plan, g, &pg);
    /* the node affinity it ends with: an undo's is the one from before
     * (the copy's memory comes from nodes, where the memory was) */
    if (!rc)
        rc = np_topo_all_nodes(t, &all_nodes);
    final_aff = want && !rc ? final_affinity(t, want, nodes, &all_nodes) : NULL;
    if (!rc && want && want->node_affinity_auto)
        pg->node_affinity_auto = true;
    else if (!rc)
        rc = np_cpumap_copy(&pg->node_affinity, final_aff ? final_aff : nodes);
    for (v = 0; !rc && v < g->nr_vcpus; v++) {
        rc = np_cpumap_copy(&pg->hard[v], &hard[v]);
        if (!rc && soft[v].nr_bits)
            rc = np_cpumap_copy(&pg->soft[v], &soft[v]);
    }
    if (!rc) {
        pg->migrate = true;
        rc = np_plan_journal(&ctx->snap, &plan, &before, &err);
    }
    if (rc) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s",
                          err.msg[0] ? err.msg : strerror(-rc));
        goto out;
    }
    rc = np_history_begin(
        ctx->hist, ctx->cmdline, ctx->be.ops->name, ctx->snap.ident.host_id,
        &before, &plan, reverts ? &reverts : NULL, reverts ? 1 : 0, &hid, &err);
    if (rc) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
        goto out;
    }
    rc = np_backend_check_write(&ctx->be, &err);
    if (!rc)
        rc = ctx->be.ops->relocate(&ctx->be, g, nodes, hard, soft, free_kib,
                                   &out, &note, &err);
    if (rc) {
        /* nothing changed: no record */
        np_history_drop(ctx->hist, hid, NULL);
        rc = np_ctx_error(rc == -ENOSPC || rc == -EOPNOTSUPP || rc == -EINVAL
                              ? NP_EXIT_USAGE
                              : NP_EXIT_FAILED,
                          "%s", err.msg[0] ? err.msg : strerror(-rc));
        goto out;
    }
    if (!ctx->json) {
        printf("%s: %s node(s) %s by a live migration to this host: domain "
               "%d is now domain %d\n",
               name, verb, list, id, out.new_id);
        if (out.downtime_s >= 0)
            printf("downtime %.3f s, %.3f s in all%s\n", out.downtime_s,
                   out.total_s,
                   out.live ? ""
                            : " (not live: this Xen has no log-dirty "
                              "mode for the guest, so it was paused "
                              "for the copy)");
        else
            printf("%.3f s in all\n", out.total_s);
        print_mem("before", t, g);
    }
    np_ctx_print_note(ctx, &note);

    /* the new domain; an undo gives it back its node affinity from before */
    rc = np_topo_copy(&after.topo, t);
    if (!rc)
        rc = np_backend_read_guests(&ctx->be, &after, 0, &rerr);
    ng = rc ? NULL : by_id(&after, out.new_id);
    if (!ng && !rerr.msg[0])
        np_err_set(&rerr, -ESRCH, "domain %d cannot be read back", out.new_id);
    if (final_aff) {
        struct np_note n2 = {""};

        rc = ng ? np_backend_set_node_affinity(&ctx->be, ng, final_aff, &n2,
                                               &err)
                : -ESRCH;
        if (rc) {
            np_ctx_warn(
                "%s moved, but its node affinity from before could not be set: %s",
                name, ng ? err.msg : rerr.msg);
            partial = true;
        }
        np_ctx_print_note(ctx, &n2);
    }
    np_err_clear(&err);

    /* the record's "after": the new domain as it reads back */
    pg->id = out.new_id;
    pg->start_time = 0;
    rc = np_plan_read_after(&ctx->be, &ctx->snap, &plan, &after_j, &err);
    if (!rc)
        rc = np_history_end(ctx->hist, hid, NP_HIST_DONE, &after_j, &err);
    if (rc) {
        rc = np_ctx_error(
            NP_EXIT_PARTIAL,
            "%s moved, but its history record could not be finished (%s): undo cannot move it back",
            name, err.msg);
        goto out;
    }

    /* and where its memory is now */
    rc = ng ? np_backend_measure_memory(&ctx->be, &after, &err) : -ESRCH;
    if (rc)
        np_ctx_warn("memory of %s not measured after the move: %s", name,
                    !ng          ? rerr.msg
                    : err.msg[0] ? err.msg
                                 : strerror(-rc));
    else if (!ctx->json)
        print_mem("after", t, by_id(&after, out.new_id));
    rc = partial ? NP_EXIT_PARTIAL : NP_EXIT_OK;
    if (ctx->json)
        rc = np_ctx_jprint(ctx, reloc_json(ctx, g0, list, &out), rc);
out:
    free_maps(hard, nr_vcpus);
    free_maps(soft, nr_vcpus);
    np_snapshot_dispose(&after);
    np_plan_dispose(&plan);
    np_plan_dispose(&before);
    np_plan_dispose(&after_j);
    np_cpumap_dispose(&all_nodes);
    free(list);
    free(name);
    return rc;
}

int np_numatune_relocate(struct np_ctx *ctx, const struct np_guest *g,
                         const struct np_cpumap *nodes)
{
    return relocate(ctx, g, nodes, NULL, "memory moved to", 0);
}

/* A record of a relocation: one guest, the same name before and after,
 * another id. */
/*
 * Where the memory of jg (a journal's "before") was: the nodes that held
 * at least NP_UNDO_MIN_SHARE percent of it, as measured then (a few pages
 * elsewhere do not count: the copy's memory comes from every node given,
 * in turns).  Not measured: the node affinity from before, unless it was
 * automatic (-ENOENT: nobody can tell).
 */
#define NP_UNDO_MIN_SHARE 5

static int where_it_was(const struct np_topo *t, const struct np_plan_guest *jg,
                        struct np_cpumap *nodes)
{
    uint64_t total = 0;
    unsigned int n;

    np_cpumap_zero(nodes);
    for (n = 0; jg->mem_per_node_kib && n < t->nr_node_ids; n++)
        total += jg->mem_per_node_kib[n];
    for (n = 0; total && n < t->nr_node_ids; n++)
        if (np_topo_node_has_memory(t, (int)n) &&
            jg->mem_per_node_kib[n] * 100 >= total * NP_UNDO_MIN_SHARE)
            np_cpumap_set(nodes, (int)n);
    if (!np_cpumap_is_empty(nodes))
        return 0;
    for (n = 0; !jg->node_affinity_auto && jg->node_affinity.nr_bits &&
                n < t->nr_node_ids;
         n++)
        if (np_topo_node_has_memory(t, (int)n) &&
            np_cpumap_test(&jg->node_affinity, (int)n))
            np_cpumap_set(nodes, (int)n);
    return np_cpumap_is_empty(nodes) ? -ENOENT : 0;
}

int np_undo_relocation(struct np_ctx *ctx, bool *handled)
{
    const struct np_topo *t = &ctx->snap.topo;
    const struct np_hist_rec *r;
    const struct np_plan_guest *jg, *ag;
    const struct np_guest *g;
    struct np_cpumap nodes;
    struct np_err err = {""};
    unsigned int *ids = NULL, nr = 0;
    int rc;

    *handled = false;
    if (!ctx->hist || np_history_stack(ctx->hist, &ids, &nr) || !nr) {
        free(ids);
        return 0;
    }
    r = np_history_find(ctx->hist, ids[0]);
    free(ids);
    if (!np_hist_rec_is_relocation(r))
        return 0;
    *handled = true;
    if (np_hist_rec_check_host(r, ctx->snap.ident.host_id, &err))
        return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    jg = &r->before.guests[0];
    ag = &r->after.guests[0];
    g = by_id(&ctx->snap, ag->id);
    if (!g || strcmp(g->name, ag->name))
        return np_ctx_error(
            NP_EXIT_FAILED,
            "guest '%s' (id %d), which change %u migrated, no longer exists: nothing to move back",
            ag->name, ag->id, r->id);
    if (!ctx->be.ops->relocate)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "change %u migrated '%s', which the %s backend cannot undo", r->id,
            ag->name, ctx->be.ops->name);
    np_cpumap_init(&nodes);
    rc = np_cpumap_alloc(&nodes, t->nr_node_ids);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    rc = where_it_was(t, jg, &nodes);
    if (rc) {
        np_cpumap_dispose(&nodes);
        return np_ctx_error(
            NP_EXIT_USAGE,
            "change %u migrated '%s', whose memory was not measured and whose node affinity was every node: undo cannot tell where to move it back; move it with numapin numatune %s NODES --migrate",
            r->id, ag->name, ag->name);
    }
    rc = relocate(ctx, g, &nodes, jg, "moved back to", r->id);
    np_cpumap_dispose(&nodes);
    return rc;
}
