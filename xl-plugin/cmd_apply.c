/*
 * cmd_apply.c: apply (make a plan so, atomically, through the plan code)
 * and undo (put back what the last apply changed); their options and
 * reports are cmd_plan.c's (plan_cmd.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cpulist.h"
#include "escape.h"
#include "history.h"
#include "fleet.h"
#include "fmt_json_cmd.h"
#include "numapin.h"
#include "fmt_text.h"
#include "plan.h"
#include "plan_apply.h"
#include "plan_cmd.h"
#include "solver.h"

/* The changes of a plan as data: [{"guest", "vcpu", "hard", "soft"} |
 * {"guest", "node_affinity"}], a null map kept. */
static json_object *steps_json(const struct np_plan *plan)
{
    json_object *steps = json_object_new_array();
    unsigned int i, v;

    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *g = &plan->guests[i];
        json_object *o;
        char *s;

        if (!g->placed || g->is_new)
            continue;
        for (v = 0; v < g->nr_vcpus; v++) {
            if (!g->hard[v].nr_bits && !g->soft[v].nr_bits)
                continue;
            o = json_object_new_object();
            json_object_object_add(o, "guest", json_object_new_string(g->name));
            json_object_object_add(o, "vcpu", json_object_new_int((int)v));
            s = g->hard[v].nr_bits ? np_cpulist_format_ranges(&g->hard[v])
                                   : NULL;
            json_object_object_add(o, "hard",
                                   s ? json_object_new_string(s) : NULL);
            free(s);
            s = g->soft[v].nr_bits ? np_cpulist_format_ranges(&g->soft[v])
                                   : NULL;
            json_object_object_add(o, "soft",
                                   s ? json_object_new_string(s) : NULL);
            free(s);
            json_object_array_add(steps, o);
        }
        if (!g->node_affinity_auto && !g->node_affinity.nr_bits)
            continue;
        o = json_object_new_object();
        json_object_object_add(o, "guest", json_object_new_string(g->name));
        s = g->node_affinity_auto ? strdup("auto")
                                  : np_cpulist_format_ranges(&g->node_affinity);
        json_object_object_add(o, "node_affinity",
                               json_object_new_string(s ? s : "?"));
        free(s);
        json_object_array_add(steps, o);
    }
    return steps;
}

static int steps_doc(struct np_ctx *ctx, const char *cmd,
                     const struct np_plan *plan)
{
    json_object *doc = np_ctx_jdoc(ctx, cmd);

    if (doc)
        json_object_object_add(doc, "steps", steps_json(plan));
    return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
}

static void print_steps(const struct np_plan *plan)
{
    unsigned int i, v;

    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *g = &plan->guests[i];

        if (!g->placed || g->is_new)
            continue;
        for (v = 0; v < g->nr_vcpus; v++) {
            if (!g->hard[v].nr_bits && !g->soft[v].nr_bits)
                continue;
            printf("%s vcpu %u:", g->name, v);
            if (g->hard[v].nr_bits)
                plan_cmd_print_list(" hard ", &g->hard[v]);
            if (g->soft[v].nr_bits)
                plan_cmd_print_list(" soft ", &g->soft[v]);
            fputc('\n', stdout);
        }
        if (g->node_affinity_auto)
            printf("%s: node affinity auto\n", g->name);
        else if (g->node_affinity.nr_bits) {
            printf("%s: ", g->name);
            plan_cmd_print_list("node affinity ", &g->node_affinity);
            fputc('\n', stdout);
        }
    }
}

/* After an apply or undo: what it did, or the one-line error. */
static int report_result(struct np_ctx *ctx, int rc,
                         const struct np_apply_report *rep,
                         const struct np_err *err, const char *done,
                         const struct plan_opts *o)
{
    if (rc)
        return np_ctx_error(rc == -EINVAL || rc == -ENOENT ? NP_EXIT_USAGE
                                                           : NP_EXIT_FAILED,
                            "%s", err->msg[0] ? err->msg : strerror(-rc));
    (void)o;
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, done[0] == 'a' ? "apply" : "undo");
        if (doc) {
            json_object_object_add(doc, "guests",
                                   json_object_new_int((int)rep->nr_guests));
            json_object_object_add(doc, "changes",
                                   json_object_new_int((int)rep->nr_steps));
            json_object_object_add(doc, "memory_moved",
                                   json_object_new_int((int)rep->nr_moved));
            json_object_object_add(
                doc, "state_dir",
                json_object_new_string(np_ctx_state_dir(ctx)));
            json_object_object_add(doc, "change",
                                   json_object_new_int((int)rep->history_id));
            if (rep->rolled_back_id)
                json_object_object_add(
                    doc, "rolled_back",
                    json_object_new_int((int)rep->rolled_back_id));
            if (rep->memory_not_moved)
                np_jcmd_note(doc, "memory already allocated was not moved; "
                                  "only new allocations follow the node "
                                  "affinity");
        }
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    if (rep->rolled_back_id)
        printf("%s: change %u, which did not finish, is put back: %u "
               "guest%s, %u change%s\n",
               done, rep->rolled_back_id, rep->nr_guests,
               rep->nr_guests == 1 ? "" : "s", rep->nr_steps,
               rep->nr_steps == 1 ? "" : "s");
    else if (!rep->history_id)
        printf("nothing to change: the host is already as %s\n",
               strcmp(done, "applied") ? "it was" : "the plan says");
    else
        printf("%s: %u guest%s, %u change%s; recorded as change %u in %s "
               "(%s)\n",
               done, rep->nr_guests, rep->nr_guests == 1 ? "" : "s",
               rep->nr_steps, rep->nr_steps == 1 ? "" : "s", rep->history_id,
               np_ctx_state_dir(ctx),
               strcmp(done, "applied") ? "`numapin history` lists it"
                                       : "`numapin undo` puts it back");
    if (rep->nr_moved)
        printf("memory moved for %u guest%s\n", rep->nr_moved,
               rep->nr_moved == 1 ? "" : "s");
    if (rep->memory_not_moved && np_backend_can(&ctx->be, NP_OP_MOVE_MEMORY))
        printf("node affinity set; memory already allocated was not moved "
               "(--no-move), only new allocations follow it\n");
    else if (rep->memory_not_moved &&
             np_backend_can(&ctx->be, NP_OP_SET_NODE_AFFINITY))
        printf("node affinity set; memory already allocated does not move "
               "on %s, only new allocations follow it\n",
               ctx->be.ops->name);
    else if (rep->memory_not_moved)
        printf("the %s backend cannot set node affinity or move memory: "
               "memory already allocated stays where it is\n",
               ctx->be.ops->name);
    return NP_EXIT_OK;
}

/*
 * The guests apply FILE reads: the plan's applied guests, by id, for
 * the backend to read those only (Xen: not every domain of the host, as
 * `xl vcpu-pin` reads one); NULL with *nr 0 when every guest must be
 * read (a fleet plan's new guests are found by name), NULL with *nr set
 * when out of memory.
 */
static int *plan_guest_ids(const struct np_plan *plan, unsigned int *nr)
{
    unsigned int i, k = 0;
    int *ids;

    *nr = 0;
    for (i = 0; i < plan->nr_guests; i++) {
        if (plan->guests[i].is_new)
            return NULL;
        k += np_plan_guest_applied(&plan->guests[i]);
    }
    if (!k)
        return NULL;
    *nr = k;
    ids = calloc(k, sizeof(*ids));
    for (i = 0, k = 0; ids && i < plan->nr_guests; i++)
        if (np_plan_guest_applied(&plan->guests[i]))
            ids[k++] = plan->guests[i].id;
    return ids;
}

int main_apply(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_cmd pc;
    struct plan_opts *o = &pc.o;
    struct np_plan *plan = &pc.plan;
    struct np_apply_opts aopts;
    struct np_apply_report rep;
    struct np_err err = {""};
    struct stat st;
    bool from_file, partial = false;
    int *ids = NULL;
    int rc;

    rc = plan_cmd_begin(&pc, "apply", argc, argv);
    if (rc >= 0)
        goto out;
    if (o->have_vcpus || o->have_mem || o->out) {
        rc = np_usage("apply");
        goto out;
    }
    from_file = o->nr_args == 1 && !o->all &&
                (strstr(o->args[0], ".json") || strchr(o->args[0], '/') ||
                 !stat(o->args[0], &st));
    if (from_file) {
        rc = np_plan_read_file(o->args[0], plan, &err);
        if (rc) {
            rc = np_ctx_error(rc == -ENOMEM ? NP_EXIT_FAILED : NP_EXIT_USAGE,
                              "%s", err.msg);
            goto out;
        }
        if (plan->is_journal) {
            rc = np_ctx_error(NP_EXIT_USAGE,
                              "'%s' is a journal: use `numapin undo`",
                              o->args[0]);
            goto out;
        }
    }
    if (from_file) {
        ids = plan_guest_ids(plan, &ctx->nr_only_ids);
        if (!ids && ctx->nr_only_ids) {
            rc = np_ctx_error(NP_EXIT_FAILED, "out of memory");
            goto out;
        }
        ctx->only_ids = ids;
        ctx->read_flags = np_plan_read_flags(plan);
    }
    ctx->state_dir = o->state_dir;
    rc = np_ctx_begin_write(ctx, "apply");
    if (rc)
        goto out;
    rc = np_ctx_load_for_plan(ctx, o->no_measure);
    if (rc)
        goto out;
    if (!from_file) {
        if (!o->all && !o->nr_args) {
            rc = np_usage("apply");
            goto out;
        }
        rc = plan_cmd_solve_existing(ctx, o, plan, &pc.reserved, &partial);
        if (rc >= 0)
            goto out;
    } else if (np_plan_bind_new(plan, &ctx->snap, &err)) {
        /* a fleet plan's new guests, by name, once they run here */
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
        goto out;
    }
    partial = plan_cmd_nr_unplaced(plan) > 0;
    if (partial && plan_cmd_nr_unplaced(plan) == plan->nr_guests) {
        rc = np_ctx_error(
            NP_EXIT_FAILED,
            "no guest of the plan was placed ('%s': %s): nothing was changed",
            plan->nr_guests ? plan->guests[0].name : "?",
            plan->nr_guests ? plan_cmd_unplaced_why(&plan->guests[0])
                            : "no guests");
        goto out;
    }
    if (ctx->dry_run) {
        rc = np_plan_check(&ctx->snap, plan, &err);
        if (rc) {
            rc = np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                              "%s", err.msg);
            goto out;
        }
        if (ctx->json)
            steps_doc(ctx, "apply", plan);
        else
            print_steps(plan);
        rc = partial
                 ? plan_cmd_report_partial(plan,
                                           "apply would leave these as they "
                                           "are",
                                           ctx->json)
                 : NP_EXIT_OK;
        goto out;
    }
    memset(&aopts, 0, sizeof(aopts));
    aopts.state_dir = np_ctx_state_dir(ctx);
    aopts.move_memory = !o->no_move;
    aopts.history = ctx->hist;
    aopts.command = ctx->cmdline;
    aopts.progress = np_progress;
    np_progress_start("apply: guests");
    rc = np_plan_apply(&ctx->be, &ctx->snap, plan, &aopts, &rep, &err);
    np_progress_end();
    rc = report_result(ctx, rc, &rep, &err, "applied", o);
    if (rc == NP_EXIT_OK && !ctx->json)
        np_print_local_shares(ctx, plan, o->no_measure);
    if (rc == NP_EXIT_OK && partial)
        rc = plan_cmd_report_partial(plan,
                                     "applied the others; these are left as "
                                     "they were",
                                     ctx->json);
out:
    free(ids);
    plan_cmd_end(&pc);
    return rc;
}

/* undo's "--to ID" or "N": the id, or the count. */
static int undo_target(int argc, char **argv, char **rest, int *nr_rest,
                       unsigned int *count, unsigned int *to_id)
{
    int i;

    *count = 0;
    *to_id = 0;
    *nr_rest = 0;
    for (i = 0; i < argc; i++) {
        const char *v = NULL;
        unsigned int n;

        if (i && !strncmp(argv[i], "--to=", 5)) {
            v = argv[i] + 5;
        } else if (i && !strcmp(argv[i], "--to")) {
            if (i + 1 >= argc)
                return np_ctx_error(
                    NP_EXIT_USAGE,
                    "option '--to' needs a change id (see `numapin history`)");
            v = argv[++i];
        } else if (i && argv[i][0] >= '0' && argv[i][0] <= '9') {
            if (np_parse_uint(argv[i], 99999999, &n) || !n || *count)
                return np_ctx_error(
                    NP_EXIT_USAGE,
                    "invalid count '%s': expected how many changes to undo, 1 or more",
                    argv[i]);
            *count = n;
            continue;
        } else {
            rest[(*nr_rest)++] = argv[i];
            continue;
        }
        if (np_parse_uint(v, 99999999, &n) || !n || *to_id)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid change id '%s': see `numapin history`",
                                v);
        *to_id = n;
    }
    if (*count && *to_id)
        return np_ctx_error(NP_EXIT_USAGE, "give a count or --to ID, not both");
    return -1;
}

int main_undo(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_opts o;
    struct np_apply_opts aopts;
    struct np_apply_report rep;
    struct np_err err = {""};
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    unsigned int count, to_id;
    int nr_rest, rc;

    memset(&o, 0, sizeof(o));
    if (!rest)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    rc = undo_target(argc, argv, rest, &nr_rest, &count, &to_id);
    if (rc >= 0)
        goto out;
    rc = plan_cmd_parse_opts("undo", nr_rest, rest, &o);
    if (rc >= 0)
        goto out;
    if (o.nr_args || o.have_vcpus || o.have_mem || o.all || o.out) {
        rc = np_usage("undo");
        goto out;
    }
    ctx->state_dir = o.state_dir;
    rc = np_ctx_begin_write(ctx, "undo");
    if (rc)
        goto out;
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        goto out;
    memset(&aopts, 0, sizeof(aopts));
    aopts.state_dir = np_ctx_state_dir(ctx);
    aopts.move_memory = !o.no_move;
    aopts.command = ctx->cmdline;
    aopts.progress = np_progress;
    if (ctx->dry_run) {
        struct np_history *h = NULL;
        struct np_plan merged;
        unsigned int *ids = NULL, nr = 0, i;
        bool unfinished;

        rc = np_history_open(aopts.state_dir, false, &h, &err);
        if (!rc)
            rc = np_plan_undo_prepare(h, &ctx->snap, count, to_id, &merged,
                                      &ids, &nr, &unfinished, &err);
        if (rc) {
            np_history_free(h);
            rc = np_ctx_error(rc == -ENOENT || rc == -EINVAL ? NP_EXIT_USAGE
                                                             : NP_EXIT_FAILED,
                              "%s", err.msg);
            goto out;
        }
        for (i = 0; !ctx->json && i < nr; i++) {
            const struct np_hist_rec *r = np_history_find(h, ids[i]);
            char *c = np_escape(r->command);

            printf("%s change %u (%s)\n",
                   unfinished ? "would put back the unfinished" : "would undo",
                   r->id, c ? c : "?");
            free(c);
        }
        if (ctx->json)
            steps_doc(ctx, "undo", &merged);
        else
            print_steps(&merged);
        free(ids);
        np_plan_dispose(&merged);
        np_history_free(h);
        rc = NP_EXIT_OK;
        goto out;
    }
    if (count <= 1 && !to_id) {
        /* the last change was a relocation (numatune --migrate on Xen)? */
        bool handled = false;

        rc = np_undo_relocation(ctx, &handled);
        if (handled)
            goto out;
    }
    aopts.history = ctx->hist;
    np_progress_start("undo: guests");
    rc = np_plan_undo(&ctx->be, &ctx->snap, count, to_id, &aopts, &rep, &err);
    np_progress_end();
    rc = report_result(ctx, rc, &rep, &err, "undone", &o);
out:
    free(rest);
    return rc;
}
