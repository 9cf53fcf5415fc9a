/*
 * cmd_write.c: what every command that changes a host does first (its
 * state directory, the writer lock, the history), and the `history`
 * command.
 */
#include <errno.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fmt_json_cmd.h"
#include "history.h"
#include "lock.h"
#include "numapin.h"
#include "plan_apply.h"

int np_ctx_take_state_dir(struct np_ctx *ctx, int *argc, char **argv)
{
    int i, j;

    for (i = 1; i < *argc; i++) {
        const char *v = NULL;
        int used = 1;

        if (!strcmp(argv[i], "--"))
            break;
        if (!strncmp(argv[i], "--state-dir=", 12)) {
            v = argv[i] + 12;
        } else if (!strcmp(argv[i], "--state-dir")) {
            if (i + 1 >= *argc)
                return np_ctx_error(NP_EXIT_USAGE,
                                    "option '--state-dir' needs a value");
            v = argv[i + 1];
            used = 2;
        } else {
            continue;
        }
        if (!*v)
            return np_ctx_error(NP_EXIT_USAGE,
                                "option '--state-dir' needs a directory");
        ctx->state_dir = v;
        for (j = i; j + used <= *argc; j++)
            argv[j] = argv[j + used];
        *argc -= used;
        i--;
    }
    return -1;
}

/* Is root (--root, kvm) another tree than the live host's "/"? */
static bool captured_root(const char *root)
{
    char *real;
    bool other;

    if (!root)
        return false;
    real = realpath(root, NULL);
    other = !real || strcmp(real, "/");
    free(real);
    return other;
}

/* The Linux root a kvm source reads: --root, or -c kvm:ROOT. */
static const char *ctx_root(const struct np_ctx *ctx)
{
    if (ctx->root)
        return ctx->root;
    if (ctx->backend && !strncmp(ctx->backend, "kvm:", 4) && ctx->backend[4])
        return ctx->backend + 4;
    return NULL;
}

const char *np_ctx_state_dir(struct np_ctx *ctx)
{
    const char *env = getenv(NP_STATE_DIR_ENV);

    if (ctx->state_dir)
        return ctx->state_dir;
    if (env && *env)
        return env;
    if (ctx->backend && !strncmp(ctx->backend, "test:", 5) && ctx->backend[5]) {
        if (!ctx->state_dir_buf &&
            asprintf(&ctx->state_dir_buf, "%s.state", ctx->backend + 5) < 0)
            ctx->state_dir_buf = NULL;
        if (ctx->state_dir_buf)
            return ctx->state_dir_buf;
    }
    return NP_STATE_DIR_DEFAULT;
}

int np_ctx_begin_write(struct np_ctx *ctx, const char *cmd)
{
    struct np_err err = {""};
    const struct np_hist_rec *u;
    const char *dir, *env;
    int wait_ms = NP_LOCK_WAIT_DEFAULT_MS, rc;

    if (ctx->dry_run)
        return 0;
    /* offline sources never touch a state directory */
    if (ctx->topology)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "a --topology file cannot change a host: use a live backend or -c test:FILE");
    if (captured_root(ctx_root(ctx)))
        return np_ctx_error(
            NP_EXIT_USAGE,
            "'%s' is a captured tree: numapin changes only the host it runs on (root /) or a test:FILE",
            ctx_root(ctx));
    if (ctx->lock.fd >= 0)
        return 0;
    dir = np_ctx_state_dir(ctx);
    env = getenv("NUMAPIN_LOCK_WAIT_MS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);

        if (*end || v < 0 || v > INT_MAX)
            return np_ctx_error(
                NP_EXIT_USAGE,
                "NUMAPIN_LOCK_WAIT_MS='%s' is not a number of milliseconds",
                env);
        wait_ms = (int)v;
    }
    rc = np_lock_take(&ctx->lock, dir, wait_ms, cmd, &err);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    /* undo walks the whole history; every other writer needs only its
     * newest record */
    rc = strcmp(cmd, "undo") ? np_history_open_newest(dir, &ctx->hist, &err)
                             : np_history_open(dir, true, &ctx->hist, &err);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    u = np_history_unfinished(ctx->hist);
    if (u && strcmp(cmd, "undo")) {
        char when[32];

        np_hist_time(u->time, when, sizeof(when));
        return np_ctx_error(
            NP_EXIT_FAILED,
            "change %u (%s, %s) did not finish: run `numapin undo` to put it back first",
            u->id, u->command, when);
    }
    return 0;
}

int main_history(struct np_ctx *ctx, int argc, char **argv)
{
    struct np_history *h = NULL;
    struct np_err err = {""};
    unsigned int i, *ids = NULL, nr = 0;
    bool starred = false;
    int rc;

    rc = np_ctx_take_state_dir(ctx, &argc, argv);
    if (rc >= 0)
        return rc;
    if (argc > 1)
        return np_usage("history");
    if (ctx->topology || captured_root(ctx_root(ctx)))
        return np_ctx_error(
            NP_EXIT_USAGE,
            "a --topology file or a captured tree has no history: numapin changes only live hosts");
    rc = np_history_open(np_ctx_state_dir(ctx), false, &h, &err);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "history"), *all = NULL;
        char *s = NULL;

        rc = np_history_write_json(h, &s);
        np_history_free(h);
        if (!rc)
            all = json_tokener_parse(s);
        free(s);
        if (!doc || !all) {
            json_object_put(all);
            json_object_put(doc);
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        }
        json_object_object_add(doc, "state_dir",
                               json_object_new_string(np_ctx_state_dir(ctx)));
        json_object_object_foreach(all, key, val)
            json_object_object_add(doc, key, json_object_get(val));
        json_object_put(all);
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    if (np_history_stack(h, &ids, &nr)) {
        np_history_free(h);
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    }
    printf("%4s  %-20s  %-11s  %-10s  %-24s  %s\n", "ID", "Time", "State",
           "User", "Guests", "Command");
    for (i = 0; i < np_history_count(h); i++) {
        const struct np_hist_rec *r = np_history_get(h, i);
        char when[32], guests[64], state[16];
        unsigned int k;
        bool undoable = false, star;

        for (k = 0; k < nr; k++)
            undoable |= ids[k] == r->id;
        np_hist_time(r->time, when, sizeof(when));
        np_hist_rec_guests(r, guests, sizeof(guests));
        star = r->state == NP_HIST_DONE && !undoable && !r->nr_reverts;
        starred |= star;
        snprintf(state, sizeof(state), "%s%s", np_hist_state_name(r->state),
                 star ? "*" : "");
        {
            char *u = np_escape(r->user), *gs = np_escape(guests),
                 *c = np_escape(r->command);

            printf("%4u  %-20s  %-11s  %-10s  %-24s  %s", r->id, when, state,
                   u ? u : "?", gs ? gs : "?", c ? c : "?");
            free(u);
            free(gs);
            free(c);
        }
        fputc('\n', stdout);
    }
    if (starred)
        printf("(* undone; `numapin undo` reverts the newest change not "
               "undone)\n");
    free(ids);
    np_history_free(h);
    return NP_EXIT_OK;
}

int np_ctx_plan_init(struct np_ctx *ctx, struct np_plan *plan)
{
    np_plan_init(plan);
    plan->nr_cpu_ids = ctx->snap.topo.nr_cpu_ids;
    plan->nr_node_ids = ctx->snap.topo.nr_node_ids;
    plan->trim_offline = true;
    if (ctx->snap.backend) {
        plan->backend = strdup(ctx->snap.backend);
        if (!plan->backend)
            return -ENOMEM;
    }
    return 0;
}

int np_ctx_plan_guest(struct np_ctx *ctx, struct np_plan *plan,
                      const struct np_guest *g, struct np_plan_guest **pg_out)
{
    struct np_plan_guest *pg;
    int rc;

    (void)ctx;
    rc = np_plan_add_guest(plan, g->id, g->name, g->nr_vcpus, &pg);
    if (rc)
        return rc;
    pg->placed = true;
    pg->mem_kib = g->mem_kib;
    pg->start_time = g->start_time;
    *pg_out = pg;
    return 0;
}

/* Each note of an apply, printed as it comes (one per write). */
static struct np_ctx *note_ctx;

static void print_note(const char *note)
{
    struct np_note n;

    if (!note_ctx)
        return;
    snprintf(n.text, sizeof(n.text), "%s", note);
    np_ctx_print_note(note_ctx, &n);
}

int np_ctx_apply(struct np_ctx *ctx, const struct np_plan *plan,
                 bool move_memory, struct np_apply_report *rep_out)
{
    struct np_apply_opts opts;
    struct np_apply_report rep;
    struct np_err err = {""};
    char what[32];
    int rc;

    memset(&opts, 0, sizeof(opts));
    opts.state_dir = np_ctx_state_dir(ctx);
    opts.history = ctx->hist;
    opts.command = ctx->cmdline;
    opts.move_memory = move_memory;
    opts.write_flags = ctx->write_flags;
    opts.progress = np_progress;
    opts.note = print_note;
    note_ctx = ctx;
    snprintf(what, sizeof(what), "%.*s", (int)strcspn(ctx->cmdline, " "),
             ctx->cmdline);
    np_progress_start(what);
    rc = np_plan_apply(&ctx->be, &ctx->snap, plan, &opts, &rep, &err);
    np_progress_end();
    if (rep.note[0]) {
        struct np_note note;

        snprintf(note.text, sizeof(note.text), "%s", rep.note);
        np_ctx_print_note(ctx, &note);
    }
    if (rep_out)
        *rep_out = rep;
    if (rc)
        return np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                            "%s", err.msg[0] ? err.msg : strerror(-rc));
    return NP_EXIT_OK;
}
