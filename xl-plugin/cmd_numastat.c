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

#include "numapin.h"
#include "numastat.h"

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

int main_numastat(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest **sel = NULL;
    struct np_err err = {""};
    unsigned int nr = 0;
    char *json = NULL;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return np_usage("numastat");
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    if (argc > 1) {
        sel = calloc((size_t)argc, sizeof(*sel));
        if (!sel)
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        for (i = 1; i < argc; i++) {
            sel[nr] = np_ctx_find_guest(ctx, argv[i]);
            if (!sel[nr]) {
                free(sel);
                return NP_EXIT_USAGE;
            }
            nr++;
        }
    }
    rc = np_ctx_measure(ctx, true);
    if (rc) {
        free(sel);
        return rc;
    }
    if (ctx->json) {
        rc = np_numastat_json(&ctx->snap, sel, nr, &json, &err);
        free(sel);
        if (rc)
            return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
        fputs(json, stdout);
        free(json);
        return NP_EXIT_OK;
    }
    np_ctx_banner(ctx);
    rc = np_numastat_text(stdout, &ctx->snap, sel, nr);
    free(sel);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    return NP_EXIT_OK;
}
