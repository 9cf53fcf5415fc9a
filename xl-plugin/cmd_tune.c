/*
 * cmd_tune.c: the commands that change a guest beyond one vCPU's pin:
 * numatune, reset, emulator-pin, sched-cap, sched-weight.  Each goes
 * through the backend's ops table; a backend that cannot do it says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CONFIG_KVM
#include "backend_kvm.h"
#endif
#include "cpulist.h"
#include "escape.h"
#include "fmt_json_cmd.h"
#include "numapin.h"
#include "plan_apply.h"

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
    return *g_out ? 0 : NP_EXIT_USAGE;
}

/* The backend has op, else the error ("the xen backend cannot ..."). */
static int need_op(struct np_ctx *ctx, enum np_op op)
{
    struct np_err err = {""};

    if (!np_backend_check_op(&ctx->be, op, &err))
        return 0;
    return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
}

static int op_failed(struct np_ctx *ctx, const char *what,
                     const struct np_guest *g, int rc, const struct np_err *err)
{
    return np_ctx_error(NP_EXIT_FAILED, "cannot %s of %s: %s", what, g->name,
                        err->msg[0] ? err->msg : strerror(-rc));
}

void np_ctx_print_note(struct np_ctx *ctx, const struct np_note *note)
{
    if (note->text[0]) {
        if (ctx->json)
            np_ctx_json_note(note->text);
        else
            fprintf(stderr, "numapin: %snote:%s %s\n",
                    np_color(stderr, NP_SGR_NOTE), np_color(stderr, NP_SGR_OFF),
                    note->text);
    }
}

static int numatune_json(struct np_ctx *ctx, const struct np_guest *g,
                         const struct np_cpumap *nodes, bool migrate,
                         bool moved)
{
    json_object *doc = np_ctx_jguest(ctx, "numatune", g, NULL);

    if (doc) {
        json_object_object_add(doc, "nodes",
                               nodes ? np_jcmd_nodes(&ctx->snap.topo, nodes)
                                     : json_object_new_string("auto"));
        json_object_object_add(doc, "migrate",
                               json_object_new_boolean(migrate));
        json_object_object_add(doc, "memory_moved",
                               json_object_new_boolean(moved));
    }
    return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
}

/* reset's document: the guests reset (or that would be, under -N). */
static int reset_json(struct np_ctx *ctx, const struct np_guest *one)
{
    json_object *doc = np_ctx_jdoc(ctx, "reset"), *list;
    unsigned int i;

    if (!doc)
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    list = json_object_new_array();
    for (i = 0; i < ctx->snap.nr_guests; i++)
        if (!one || &ctx->snap.guests[i] == one)
            json_object_array_add(
                list, json_object_new_string(ctx->snap.guests[i].name));
    json_object_object_add(doc, "guests", list);
    return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
}

#ifdef CONFIG_KVM
/* KVM: memory in huge pages does not move (migrate_pages(2) leaves
 * hugetlbfs pages where they are): refuse before changing anything. */
static int refuse_huge(struct np_ctx *ctx, const struct np_guest *g)
{
    uint64_t kib = 0;

    if (!ctx->be_open || !ctx->be.ops->linux_host ||
        np_kvm_guest_huge_kib(ctx->be_arg, g->id, &kib) || !kib)
        return 0;
    return np_ctx_error(
        NP_EXIT_FAILED,
        "cannot move the memory of '%s': %llu MiB of it is in huge pages, which the kernel does not move between nodes: leave out --migrate, or start the guest again with its memory bound to the new nodes",
        g->name, (unsigned long long)(kib >> 10));
}
#else
/* Without the KVM backend there is no Linux host whose pages to look at. */
static int refuse_huge(struct np_ctx *ctx, const struct np_guest *g)
{
    return 0;
}
#endif

/*
 * Is numatune g nodes (NULL: auto) without --migrate a no-op?  The node
 * affinity read back is already that, and on a Linux host (KVM) every
 * thread already lies inside those nodes' CPUs.  A no-op changes nothing
 * and records nothing.
 */
static bool numatune_noop(struct np_ctx *ctx, const struct np_guest *g,
                          const struct np_cpumap *nodes)
{
    const struct np_topo *t = &ctx->snap.topo;
    struct np_cpumap want, cpus;
    bool same = false;
    unsigned int v;
    int n;

    np_cpumap_init(&want);
    np_cpumap_init(&cpus);
    if (!g->node_affinity.nr_bits || np_topo_all_nodes(t, &want) ||
        np_cpumap_alloc(&cpus, t->nr_cpu_ids))
        goto out;
    if (nodes) {
        np_cpumap_and(&want, nodes);
        if (!np_cpumap_equal(&want, &g->node_affinity))
            goto out;
    } else if (!np_cpumap_subset(&want, &g->node_affinity)) {
        goto out;
    }
    if (ctx->be_open && ctx->be.ops->linux_host) {
        if (g->vcpus_unknown)
            goto out;
        np_cpumap_for_each(n, &want) if (np_topo_node_exists(t, n))
            np_cpumap_or(&cpus, np_topo_node_cpus(t, n));
        if (np_cpumap_is_empty(&cpus))
            goto out; /* memory-only nodes: their nearest CPUs */
        for (v = 0; v < g->nr_vcpus; v++)
            if (!np_cpumap_subset(&g->vcpus[v].hard, &cpus))
                goto out;
        if (g->emulator.nr_bits && !np_cpumap_subset(&g->emulator, &cpus))
            goto out;
    }
    same = true;
out:
    np_cpumap_dispose(&want);
    np_cpumap_dispose(&cpus);
    return same;
}

int main_numatune(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest *g;
    struct np_cpumap nodes, from;
    struct np_note note = {""};
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
            return np_usage_error("numatune", "unknown option '%s'", argv[i]);
        else if (!dom)
            dom = argv[i];
        else if (!list)
            list = argv[i];
        else
            return np_usage_error("numatune", "too many arguments: '%s'",
                                  argv[i]);
    }
    if (!list)
        return np_usage_error(
            "numatune", "missing %s",
            dom ? "NODES, the nodes for the memory of the guest (or 'auto')"
                : "DOM, the guest, and NODES");
    rc = load_for_write(ctx, "numatune", dom, &g);
    if (rc)
        return rc;
    rc = need_op(ctx, NP_OP_SET_NODE_AFFINITY);
    if (rc)
        return rc;
    autonodes = !strcmp(list, "auto");
    if (autonodes && migrate)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "--migrate needs nodes to move the memory to, not 'auto'");
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
                rc = np_ctx_error(
                    NP_EXIT_USAGE,
                    "node %d has no memory: a guest's memory cannot live there",
                    n);
                goto out;
            }
        }
    }
    if (migrate && ctx->be_open && ctx->be.ops->relocate) {
        /* Xen: the memory moves with a fresh copy of the guest */
        rc = np_numatune_relocate(ctx, g, &nodes);
        goto out;
    }
    if (migrate) {
        rc = need_op(ctx, NP_OP_MOVE_MEMORY);
        if (rc)
            goto out;
        rc = refuse_huge(ctx, g);
        if (rc)
            goto out;
    }
    if (ctx->dry_run && ctx->json) {
        rc = numatune_json(ctx, g, autonodes ? NULL : &nodes, migrate, false);
        goto out;
    }
    if (ctx->dry_run) {
        char *s = autonodes ? strdup("auto") : np_cpulist_format_ranges(&nodes);

        printf("nodes: %s%s\n", s ? s : "?", migrate ? " (migrate)" : "");
        free(s);
        rc = NP_EXIT_OK;
        goto out;
    }
    if (!migrate && numatune_noop(ctx, g, autonodes ? NULL : &nodes)) {
        if (ctx->json) {
            np_ctx_json_note("nothing to change: the node affinity is "
                             "already that");
            rc = numatune_json(ctx, g, autonodes ? NULL : &nodes, false, false);
        } else {
            printf("node affinity of %s is already %s: nothing to change\n",
                   g->name, list);
            rc = NP_EXIT_OK;
        }
        goto out;
    }
    /* recorded first, as apply does; undo puts it back */
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
    rc = np_backend_set_node_affinity(&ctx->be, g, autonodes ? NULL : &nodes,
                                      &note, &err);
    if (rc) {
        /* a write that fails leaves things as they were: no record */
        np_plan_record_end(ctx->hist, id, &ctx->be, &ctx->snap, &plan, 1, NULL);
        rc = op_failed(ctx, "set the node affinity", g, rc, &err);
        goto out;
    }
    np_ctx_print_note(ctx, &note);
    if (migrate) {
        rc = np_topo_all_nodes(&ctx->snap.topo, &from);
        if (!rc) {
            np_cpumap_andnot(&from, &nodes);
            rc =
                np_backend_move_memory(&ctx->be, g, &from, &nodes, &note, &err);
        }
        if (rc) {
            /* the node affinity stays set: a partial result, recorded
             * ("failed") so that undo puts it back */
            np_plan_record_end(ctx->hist, id, &ctx->be, &ctx->snap, &plan, 2,
                               NULL);
            op_failed(ctx,
                      "move the memory (its node affinity is set: `numapin "
                      "undo` puts it back)",
                      g, rc, &err);
            rc = NP_EXIT_PARTIAL;
            goto out;
        }
        np_ctx_print_note(ctx, &note);
    } else if (!np_backend_can(&ctx->be, NP_OP_MOVE_MEMORY)) {
        if (ctx->json)
            np_ctx_json_note("memory already allocated does not move, only "
                             "new allocations follow the node affinity");
        else
            printf("node affinity of %s set; memory already allocated does "
                   "not move, only new allocations follow it\n",
                   g->name);
    }
    if (np_plan_record_end(ctx->hist, id, &ctx->be, &ctx->snap, &plan, 0,
                           &err)) {
        rc = np_ctx_error(
            NP_EXIT_FAILED,
            "the node affinity is set but its history record could not be finished: %s",
            err.msg);
        goto out;
    }
    rc = NP_EXIT_OK;
    if (ctx->json)
        rc = numatune_json(ctx, g, autonodes ? NULL : &nodes, migrate, migrate);
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
    struct np_plan_guest *pg;
    unsigned int v;
    int rc;

    rc = np_ctx_plan_guest(ctx, plan, g, &pg);
    for (v = 0; !rc && v < g->nr_vcpus; v++) {
        rc = np_topo_all_cpus(&ctx->snap.topo, &pg->hard[v]);
        if (!rc && ctx->be.ops->soft_affinity)
            rc = np_topo_all_cpus(&ctx->snap.topo, &pg->soft[v]);
    }
    if (!rc && np_backend_can(&ctx->be, NP_OP_SET_EMULATOR_AFFINITY))
        rc = np_topo_all_cpus(&ctx->snap.topo, &pg->emulator);
    if (!rc && np_backend_can(&ctx->be, NP_OP_SET_NODE_AFFINITY))
        pg->node_affinity_auto = true;
    return rc;
}

/* reset DOM | --all: one change (a plan), recorded before it writes and
 * put back completely on a failure. */
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
    if (!all) {
        rc = load_for_write(ctx, "reset", argv[1], &g);
    } else {
        rc = np_ctx_begin_write(ctx, "reset");
        if (!rc)
            rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    }
    if (rc)
        return rc;
    if (ctx->dry_run) {
        for (i = 0; !ctx->json && i < ctx->snap.nr_guests; i++) {
            const struct np_guest *x = &ctx->snap.guests[i];

            if (!all && x != g)
                continue;
            fputs("reset ", stdout);
            np_escape_print(stdout, x->name);
            fputs(": hard all, soft all, node affinity auto\n", stdout);
        }
        return ctx->json ? reset_json(ctx, g) : NP_EXIT_OK;
    }
    if (!ctx->snap.nr_guests)
        return ctx->json ? reset_json(ctx, NULL) : NP_EXIT_OK;
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
    if (!rc && ctx->json)
        rc = reset_json(ctx, g);
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
    rc = need_op(ctx, NP_OP_SET_EMULATOR_AFFINITY);
    if (rc)
        return rc;
    np_cpumap_init(&cpus);
    if (np_cpulist_parse(&ctx->snap.topo, argv[2], &cpus, &err)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
    } else if (np_cpumap_is_empty(&cpus)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "cpu list '%s' selects no cpu",
                          argv[2]);
    } else if (ctx->dry_run && !ctx->json) {
        char *s = np_cpulist_format(&ctx->snap.topo, &cpus);

        printf("emulator: %s\n", s ? s : "?");
        free(s);
        rc = NP_EXIT_OK;
    } else {
        struct np_plan plan;
        struct np_plan_guest *pg;

        rc = 0;
        if (!ctx->dry_run) {
            rc = np_ctx_plan_init(ctx, &plan);
            if (!rc)
                rc = np_ctx_plan_guest(ctx, &plan, g, &pg);
            if (!rc)
                rc = np_cpumap_copy(&pg->emulator, &cpus);
            rc = rc ? np_ctx_error(NP_EXIT_FAILED, "out of memory")
                    : np_ctx_apply(ctx, &plan, false, NULL);
            np_plan_dispose(&plan);
        }
        if (!rc && ctx->json) {
            json_object *doc = np_ctx_jguest(ctx, "emulator-pin", g, NULL);

            if (doc)
                np_ctx_jset_cpus(ctx, doc, "cpus", &cpus);
            rc = np_ctx_jprint(ctx, doc, NP_EXIT_OK);
        }
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
        return np_ctx_error(
            NP_EXIT_USAGE,
            cap ? "invalid cap '%s': expected a percentage of one cpu (0 = no cap, 100 = one cpu)"
                : "invalid weight '%s': expected 1-65535",
            argv[2]);
    rc = load_for_write(ctx, name, argv[1], &g);
    if (rc)
        return rc;
    rc = need_op(ctx, NP_OP_SET_SCHED);
    if (rc)
        return rc;
    if (ctx->dry_run && !ctx->json) {
        printf("%s: %ld\n", cap ? "cap" : "weight", v);
        return NP_EXIT_OK;
    }
    if (!ctx->dry_run) {
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
        if (rc)
            return rc;
    }
    if (ctx->json) {
        json_object *doc = np_ctx_jguest(ctx, name, g, NULL);

        if (doc)
            json_object_object_add(doc, cap ? "cap_percent" : "weight",
                                   json_object_new_int((int)v));
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    return NP_EXIT_OK;
}

int main_schedcap(struct np_ctx *ctx, int argc, char **argv)
{
    return sched_cmd(ctx, argc, argv, true);
}

int main_schedweight(struct np_ctx *ctx, int argc, char **argv)
{
    return sched_cmd(ctx, argc, argv, false);
}
