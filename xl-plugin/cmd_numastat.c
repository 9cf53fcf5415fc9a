/*
 * cmd_numastat.c: `numapin numastat [DOM...]`: where each guest's memory
 * is, per node, measured (Xen: debug key 'u'; KVM: numa_maps or the
 * cgroup's memory.numa_stat), and np_ctx_measure() for the commands that
 * want the measurement (map, dump, plan, apply).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "numapin.h"
#include "numastat.h"
#include "plan.h"

int np_ctx_measure(struct np_ctx *ctx, bool required)
{
    struct np_err err = {""};
    unsigned int i;
    int rc;

    if (!ctx->be_open) {
        /* a --topology file: its memory per node is what it says */
        for (i = 0; i < ctx->snap.nr_guests; i++)
            if (ctx->snap.guests[i].mem_per_node_kib)
                ctx->snap.guests[i].mem_source = "the host file";
        return 0;
    }
    rc = np_backend_measure_memory(&ctx->be, &ctx->snap, &err);
    if (!rc)
        return 0;
    if (required)
        return np_ctx_error(rc == -EOPNOTSUPP ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                            "%s", err.msg[0] ? err.msg : strerror(-rc));
    np_ctx_warn("memory per node not measured: %s",
                err.msg[0] ? err.msg : strerror(-rc));
    return 0;
}

int np_ctx_load_for_plan(struct np_ctx *ctx, bool no_measure)
{
    unsigned int i;
    int rc;

    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    if (!no_measure)
        return np_ctx_measure(ctx, false);
    for (i = 0; i < ctx->snap.nr_guests; i++) {
        struct np_guest *g = &ctx->snap.guests[i];

        if (!g->mem_per_node_kib &&
            np_guest_estimate_memory(&ctx->snap.topo, g))
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    }
    return 0;
}

/* The share of pg's planned memory on the nodes of its planned CPUs. */
static double planned_pct(const struct np_topo *t,
                          const struct np_plan_guest *pg)
{
    uint64_t total = 0, local = 0;
    unsigned int v, n;
    bool *on;
    int c;

    if (!pg->mem_per_node_kib)
        return -1;
    on = calloc(t->nr_node_ids + 1, sizeof(*on));
    if (!on)
        return -1;
    for (v = 0; v < pg->nr_vcpus; v++)
        np_cpumap_for_each(c, &pg->hard[v]) if (c < (int)t->nr_cpu_ids &&
                                                t->cpus[c].node >= 0)
            on[t->cpus[c].node] = true;
    for (n = 0; n < t->nr_node_ids; n++) {
        total += pg->mem_per_node_kib[n];
        if (on[n])
            local += pg->mem_per_node_kib[n];
    }
    free(on);
    return total ? 100.0 * (double)local / (double)total : -1;
}

static void pct_text(double pct, char *buf, size_t size)
{
    if (pct < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%", pct);
}

void np_print_local_shares(struct np_ctx *ctx, const struct np_plan *plan,
                           bool no_measure)
{
    const struct np_topo *t = &ctx->snap.topo;
    struct np_snapshot now;
    struct np_err err = {""};
    unsigned int i, k;
    bool measured;
    char b[16], p[16], a[16];

    np_snapshot_init(&now);
    /* "now" is a measure or nothing: without one the host is not read
     * again; with one, the plan's guests only where the backend reads
     * one guest (Xen: not every domain of the host once more) */
    measured = false;
    if (!ctx->be_open)
        return;
    if (!no_measure && !np_topo_copy(&now.topo, t)) {
        int rc = 0;

        for (i = 0; !rc && ctx->be.ops->read_guest && i < plan->nr_guests; i++)
            if (plan->guests[i].placed && !plan->guests[i].is_new)
                rc = np_backend_read_guest(&ctx->be, plan->guests[i].id, &now,
                                           NP_READ_NO_HW | NP_READ_NO_SCHED,
                                           &err);
        if (!rc && !ctx->be.ops->read_guest)
            rc = np_backend_read_guests(&ctx->be, &now,
                                        NP_READ_NO_HW | NP_READ_NO_SCHED, &err);
        now.has_guests = !rc;
        now.backend = ctx->snap.backend;
        measured = !rc && !np_backend_measure_memory(&ctx->be, &now, &err);
    }
    printf("local memory (on the nodes of its vCPUs), before / planned / "
           "now%s:\n",
           measured ? "" : " (not measured)");
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *pg = &plan->guests[i];
        const struct np_guest *g0 = NULL, *g1 = NULL;

        if (!pg->placed || pg->is_new)
            continue;
        for (k = 0; k < ctx->snap.nr_guests; k++)
            if (ctx->snap.guests[k].id == pg->id)
                g0 = &ctx->snap.guests[k];
        for (k = 0; k < now.nr_guests; k++)
            if (now.guests[k].id == pg->id)
                g1 = &now.guests[k];
        pct_text(g0 ? np_guest_local_pct(t, g0) : -1, b, sizeof(b));
        pct_text(planned_pct(t, pg), p, sizeof(p));
        pct_text(g1 && measured ? np_guest_local_pct(t, g1) : -1, a, sizeof(a));
        printf("  %s: %s / %s / %s%s\n", pg->name, b, p, a,
               g0 && g0->mem_source && !strcmp(g0->mem_source, NP_MEM_ESTIMATED)
                   ? " (before: estimated)"
                   : "");
    }
    np_snapshot_dispose(&now);
}

int main_numastat(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest **sel = NULL;
    unsigned int nr = 0;
    int rc;

    rc = np_ctx_select_guests(ctx, "numastat", argc, argv, &sel, &nr);
    if (rc)
        return rc;
    rc = np_ctx_measure(ctx, true);
    if (rc) {
        free(sel);
        return rc;
    }
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "numastat");
        json_object *arr =
            doc ? np_numastat_json_guests(&ctx->snap, sel, nr) : NULL;

        free(sel);
        if (!arr) {
            json_object_put(doc);
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        }
        json_object_object_add(doc, "guests", arr);
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    rc = np_numastat_text(stdout, &ctx->snap, sel, nr);
    free(sel);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    return NP_EXIT_OK;
}
