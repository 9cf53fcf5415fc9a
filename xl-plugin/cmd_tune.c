/*
 * cmd_tune.c: the commands that change a guest beyond one vCPU's pin:
 * numatune, reset, emulator-pin, sched-cap, sched-weight.  Each goes
 * through the backend's ops table; a backend that cannot do it says so.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "escape.h"
#include "numapin.h"
#include "plan.h"

/* Take the lock, load the host and guests for a write, and find DOM. */
static int load_for_write(struct np_ctx *ctx, const char *cmd, const char *dom,
                          const struct np_guest **g_out)
{
    int rc = np_ctx_begin_write(ctx, cmd);

    if (!rc)
        rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    *g_out = np_ctx_find_guest(ctx, dom);
    if (!*g_out)
        return NP_EXIT_USAGE;
    if (!ctx->be_open || !(ctx->be.ops->caps & NP_CAP_WRITE))
        return np_ctx_error(NP_EXIT_FAILED,
                            "%s cannot change a host: use a live backend or "
                            "-c test:FILE",
                            ctx->topology ? "a --topology file"
                                          : ctx->be.ops->name);
    return 0;
}

static int need_cap(struct np_ctx *ctx, unsigned int cap, const char *what)
{
    if (ctx->be.ops->caps & cap)
        return 0;
    return np_ctx_error(NP_EXIT_FAILED, "the %s backend cannot %s",
                        ctx->be.ops->name, what);
}

static int op_failed(struct np_ctx *ctx, const char *what,
                     const struct np_guest *g, int rc, const struct np_err *err)
{
    return np_ctx_error(NP_EXIT_FAILED, "cannot %s of %s: %s", what, g->name,
                        err->msg[0] ? err->msg : strerror(-rc));
}

void np_ctx_print_note(struct np_ctx *ctx)
{
    if (ctx->be_open && ctx->be.note[0]) {
        fprintf(stderr, "numapin: note: %s\n", ctx->be.note);
        ctx->be.note[0] = '\0';
    }
}

int main_numatune(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest *g;
    struct np_cpumap nodes, from;
    struct np_err err = {""};
    struct np_plan plan;
    struct np_plan_guest *pg;
    unsigned int id = 0;
    bool migrate = false, autonodes;
    const char *dom = NULL, *list = NULL;
    int i, n, rc;

    np_plan_init(&plan);
    np_cpumap_init(&nodes);
    np_cpumap_init(&from);
    rc = np_ctx_take_state_dir(ctx, &argc, argv);
    if (rc >= 0)
        return rc;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--migrate"))
            migrate = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return np_usage("numatune");
        else if (!dom)
            dom = argv[i];
        else if (!list)
            list = argv[i];
        else
            return np_usage("numatune");
    }
    if (!list)
        return np_usage("numatune");
    rc = load_for_write(ctx, "numatune", dom, &g);
    if (rc)
        return rc;
    rc = need_cap(ctx, NP_CAP_NODE_AFFINITY, "set a guest's node affinity");
    if (rc)
        return rc;
    autonodes = !strcmp(list, "auto");
    if (autonodes && migrate)
        return np_ctx_error(NP_EXIT_USAGE,
                            "--migrate needs nodes to move the memory to, "
                            "not 'auto'");
    if (!autonodes) {
        if (np_nodelist_parse(&ctx->snap.topo, list, &nodes, &err)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
            goto out;
        }
        if (np_cpumap_is_empty(&nodes)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "node list '%s' selects no node",
                              list);
            goto out;
        }
        np_cpumap_for_each(n, &nodes)
        {
            if (!np_topo_node_has_memory(&ctx->snap.topo, n)) {
                rc = np_ctx_error(NP_EXIT_USAGE,
                                  "node %d has no memory: a guest's memory "
                                  "cannot live there",
                                  n);
                goto out;
            }
        }
    }
    if (migrate) {
        rc = need_cap(ctx, NP_CAP_MOVE_MEMORY,
                      "move memory that is "
                      "already allocated");
        if (rc)
            goto out;
    }
    if (ctx->dry_run) {
        char *s = autonodes ? strdup("auto") : np_cpulist_format_ranges(&nodes);

        printf("nodes: %s%s\n", s ? s : "?", migrate ? " (migrate)" : "");
        free(s);
        rc = NP_EXIT_OK;
        goto out;
    }
    /* recorded first, as apply does */
    rc = np_ctx_plan_init(ctx, &plan);
    if (!rc)
        rc = np_ctx_plan_guest(ctx, &plan, g, &pg);
    if (!rc && autonodes)
        pg->node_affinity_auto = true;
    else if (!rc)
        rc = np_cpumap_copy(&pg->node_affinity, &nodes);
    if (rc) {
        rc = np_ctx_error(NP_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = np_plan_record_begin(ctx->hist, ctx->cmdline, &ctx->snap, &plan, &id,
                              &err);
    if (rc) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
        goto out;
    }
    rc = ctx->be.ops->set_node_affinity(&ctx->be, g, autonodes ? NULL : &nodes,
                                        &err);
    if (rc) {
        np_plan_record_end(ctx->hist, id, &ctx->be, &ctx->snap, &plan, 1, NULL);
        rc = op_failed(ctx, "set the node affinity", g, rc, &err);
        goto out;
    }
    np_ctx_print_note(ctx);
    if (migrate) {
        rc = np_topo_all_nodes(&ctx->snap.topo, &from);
        if (!rc) {
            np_cpumap_andnot(&from, &nodes);
            rc = ctx->be.ops->move_memory(&ctx->be, g, &from, &nodes, &err);
        }
        if (rc) {
            struct np_err e2 = {""};
            /* put the node affinity back; when that fails too, the
             * record stays for undo */
            int back = ctx->be.ops->set_node_affinity(
                &ctx->be, g,
                g->node_affinity.nr_bits ? &g->node_affinity : NULL, &e2);

            ctx->be.note[0] = '\0';
            np_plan_record_end(ctx->hist, id, &ctx->be, &ctx->snap, &plan,
                               back ? 2 : 1, NULL);
            rc = op_failed(ctx, "move the memory", g, rc, &err);
            goto out;
        }
        np_ctx_print_note(ctx);
    } else if (!(ctx->be.ops->caps & NP_CAP_MOVE_MEMORY)) {
        fputs("node affinity of ", stdout);
        np_escape_print(stdout, g->name);
        fputs(" set; memory already allocated does not move, only new "
              "allocations follow it\n",
              stdout);
    }
    if (np_plan_record_end(ctx->hist, id, &ctx->be, &ctx->snap, &plan, 0,
                           &err)) {
        rc = np_ctx_error(NP_EXIT_FAILED,
                          "the node affinity is set but its history record "
                          "could not be finished: %s",
                          err.msg);
        goto out;
    }
    rc = NP_EXIT_OK;
out:
    np_plan_dispose(&plan);
    np_cpumap_dispose(&nodes);
    np_cpumap_dispose(&from);
    return rc;
}

/* Add to plan: every vCPU of g back to all CPUs (hard and soft), node
 * affinity auto, and the emulator threads to all CPUs. */
static int reset_guest(struct np_ctx *ctx, struct np_plan *plan,
                       const struct np_guest *g)
{
    const struct np_backend_ops *ops = ctx->be.ops;
    struct np_plan_guest *pg;
    unsigned int v;
    int rc;

    rc = np_ctx_plan_guest(ctx, plan, g, &pg);
    for (v = 0; !rc && v < g->nr_vcpus; v++) {
        rc = np_topo_all_cpus(&ctx->snap.topo, &pg->hard[v]);
        if (!rc && (ops->caps & NP_CAP_SOFT_AFFINITY))
            rc = np_topo_all_cpus(&ctx->snap.topo, &pg->soft[v]);
    }
    if (!rc && (ops->caps & NP_CAP_EMULATOR) && ops->set_emulator_affinity)
        rc = np_topo_all_cpus(&ctx->snap.topo, &pg->emulator);
    if (!rc && (ops->caps & NP_CAP_NODE_AFFINITY))
        pg->node_affinity_auto = true;
    return rc;
}

/* reset DOM | --all: one change, recorded, put back on a failure. */
int main_reset(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest *g = NULL;
    struct np_plan plan;
    unsigned int i;
    bool all;
    int rc;

    rc = np_ctx_take_state_dir(ctx, &argc, argv);
    if (rc >= 0)
        return rc;
    if (argc != 2)
        return np_usage("reset");
    all = !strcmp(argv[1], "--all");
    rc = np_ctx_begin_write(ctx, "reset");
    if (!rc)
        rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    if (!all) {
        g = np_ctx_find_guest(ctx, argv[1]);
        if (!g)
            return NP_EXIT_USAGE;
    } else if (!ctx->snap.nr_guests) {
        return NP_EXIT_OK;
    }
    if (!ctx->be_open || !(ctx->be.ops->caps & NP_CAP_WRITE))
        return np_ctx_error(NP_EXIT_FAILED,
                            "%s cannot change a host: use a live backend or "
                            "-c test:FILE",
                            ctx->topology ? "a --topology file"
                                          : ctx->be.ops->name);
    if (ctx->dry_run) {
        for (i = 0; i < ctx->snap.nr_guests; i++) {
            const struct np_guest *x = &ctx->snap.guests[i];

            if (!all && x != g)
                continue;
            fputs("reset ", stdout);
            np_escape_print(stdout, x->name);
            fputs(": hard all, soft all, node affinity auto\n", stdout);
        }
        return NP_EXIT_OK;
    }
    rc = np_ctx_plan_init(ctx, &plan);
    for (i = 0; !rc && i < ctx->snap.nr_guests; i++)
        if (all || &ctx->snap.guests[i] == g)
            rc = reset_guest(ctx, &plan, &ctx->snap.guests[i]);
    if (rc) {
        np_plan_dispose(&plan);
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    }
    rc = np_ctx_apply(ctx, &plan, false, NULL);
    np_plan_dispose(&plan);
    return rc;
}

int main_emulatorpin(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest *g;
    struct np_cpumap cpus;
    struct np_err err = {""};
    int rc;

    rc = np_ctx_take_state_dir(ctx, &argc, argv);
    if (rc >= 0)
        return rc;
    if (argc != 3)
        return np_usage("emulator-pin");
    rc = load_for_write(ctx, "emulator-pin", argv[1], &g);
    if (rc)
        return rc;
    rc = need_cap(ctx, NP_CAP_EMULATOR,
                  "pin emulator threads: it has none (Xen's device models "
                  "are domains of their own)");
    if (rc)
        return rc;
    np_cpumap_init(&cpus);
    if (np_cpulist_parse(&ctx->snap.topo, argv[2], &cpus, &err)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
    } else if (np_cpumap_is_empty(&cpus)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "cpu list '%s' selects no cpu",
                          argv[2]);
    } else if (ctx->dry_run) {
        char *s = np_cpulist_format(&ctx->snap.topo, &cpus);

        printf("emulator: %s\n", s ? s : "?");
        free(s);
        rc = NP_EXIT_OK;
    } else {
        struct np_plan plan;
        struct np_plan_guest *pg;

        rc = np_ctx_plan_init(ctx, &plan);
        if (!rc)
            rc = np_ctx_plan_guest(ctx, &plan, g, &pg);
        if (!rc)
            rc = np_cpumap_copy(&pg->emulator, &cpus);
        rc = rc ? np_ctx_error(NP_EXIT_FAILED, "out of memory")
                : np_ctx_apply(ctx, &plan, false, NULL);
        np_plan_dispose(&plan);
    }
    np_cpumap_dispose(&cpus);
    return rc;
}

/* sched-cap DOM PERCENT, sched-weight DOM N. */
static int sched_cmd(struct np_ctx *ctx, int argc, char **argv, bool cap)
{
    const char *name = cap ? "sched-cap" : "sched-weight";
    const struct np_guest *g;
    struct np_err err = {""};
    char *end;
    long v;
    int rc;

    rc = np_ctx_take_state_dir(ctx, &argc, argv);
    if (rc >= 0)
        return rc;
    if (argc != 3)
        return np_usage(name);
    errno = 0;
    v = strtol(argv[2], &end, 10);
    if (!*argv[2] || *end || errno || v < 0 ||
        v > (cap ? 100L * 4096 : 65535L) || (!cap && v == 0))
        return np_ctx_error(NP_EXIT_USAGE,
                            cap ? "invalid cap '%s': expected a percentage "
                                  "of one cpu (0 = no cap, 100 = one cpu)"
                                : "invalid weight '%s': expected 1-65535",
                            argv[2]);
    rc = load_for_write(ctx, name, argv[1], &g);
    if (rc)
        return rc;
    rc = need_cap(ctx, NP_CAP_SCHED, "set scheduler parameters");
    if (rc)
        return rc;
    if (ctx->dry_run) {
        printf("%s: %ld\n", cap ? "cap" : "weight", v);
        return NP_EXIT_OK;
    }
    {
        struct np_plan plan;
        struct np_plan_guest *pg;

        (void)err;
        rc = np_ctx_plan_init(ctx, &plan);
        if (!rc)
            rc = np_ctx_plan_guest(ctx, &plan, g, &pg);
        if (!rc && cap)
            pg->sched_cap = (int)v;
        else if (!rc)
            pg->sched_weight = (int)v;
        rc = rc ? np_ctx_error(NP_EXIT_FAILED, "out of memory")
                : np_ctx_apply(ctx, &plan, false, NULL);
        np_plan_dispose(&plan);
        return rc;
    }
}

int main_schedcap(struct np_ctx *ctx, int argc, char **argv)
{
    return sched_cmd(ctx, argc, argv, true);
}

int main_schedweight(struct np_ctx *ctx, int argc, char **argv)
{
    return sched_cmd(ctx, argc, argv, false);
}
