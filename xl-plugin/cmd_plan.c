/*
 * cmd_plan.c: placement commands: place (where would a new guest go),
 * plan (where should the guests be), apply (make it so, atomically) and
 * undo (put back what the last apply changed).  The solver
 * (common/solver.h) decides; common/plan.h applies.
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
#include "solver.h"

/* The options place, plan and apply share. */
struct plan_opts {
    unsigned int vcpus;
    uint64_t mem_kib;
    bool have_vcpus, have_mem;
    const char *name;
    enum np_policy policy;
    unsigned int overcommit;
    bool soft;
    const char *reserve;
    bool all;
    const char *out;
    const char *state_dir;
    bool no_move;
    bool no_measure;
    bool quiet;
    bool rebalance;        /* the best layout, whatever it moves */
    uint64_t max_move_kib; /* ... within this much memory moved */
    bool have_max_move;
    const char **args; /* the operands */
    unsigned int nr_args;
    struct np_solve_hw hw; /* --device, --hugepages, --cpu-kind, --cpupool */
};

/* Parse a command's options; returns -1 to go on, else an exit code. */
static int parse_opts(const char *cmd, int argc, char **argv,
                      struct plan_opts *o)
{
    static const struct option opts[] = {
        {"vcpus", required_argument, NULL, 'v'},
        {"memory", required_argument, NULL, 'm'},
        {"policy", required_argument, NULL, 'p'},
        {"overcommit", required_argument, NULL, 'O'},
        {"name", required_argument, NULL, 'n'},
        {"reserve", required_argument, NULL, 'r'},
        {"state-dir", required_argument, NULL, 'S'},
        {"soft", no_argument, NULL, 's'},
        {"all", no_argument, NULL, 'a'},
        {"no-move", no_argument, NULL, 'M'},
        {"no-measure", no_argument, NULL, 'N' + 256},
        {"quiet", no_argument, NULL, 'q'},
        {"max-move", required_argument, NULL, 'X'},
        {"rebalance", no_argument, NULL, 'R'},
        {"device", required_argument, NULL, 'D'},
        {"hugepages", required_argument, NULL, 'H'},
        {"cpu-kind", required_argument, NULL, 'K'},
        {"cpupool", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    memset(o, 0, sizeof(*o));
    o->policy = NP_POLICY_PREFER;
    o->overcommit = 1;
    NP_FOREACH_OPT (opt, "o:q", opts, cmd) {
    case 'v':
        if (np_parse_uint(optarg, 65536, &o->vcpus) || !o->vcpus)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid vcpu count '%s': expected 1 to 65536",
                                optarg);
        o->have_vcpus = true;
        break;
    case 'm':
        if (np_parse_size_kib(optarg, &o->mem_kib))
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid memory size '%s': expected a number "
                                "of MiB or a size such as 3G, 512M, 1048576K",
                                optarg);
        if (!o->mem_kib)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid memory size '%s': a guest needs more "
                                "than 0 bytes",
                                optarg);
        o->have_mem = true;
        break;
    case 'p':
        if (np_policy_parse(optarg, &o->policy))
            return np_ctx_error(NP_EXIT_USAGE,
                                "unknown policy '%s': use prefer, isolate or "
                                "require",
                                optarg);
        break;
    case 'O':
        if (np_parse_uint(optarg, 1024, &o->overcommit) || !o->overcommit)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid overcommit '%s': expected the vCPUs "
                                "allowed per CPU, 1 to 1024",
                                optarg);
        break;
    case 'X':
        if (np_parse_size_kib(optarg, &o->max_move_kib) || !o->max_move_kib)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid --max-move '%s': expected the "
                                "memory a rebalance may move, such as 64G "
                                "or 512M",
                                optarg);
        o->have_max_move = true;
        break;
    case 'R':
        o->rebalance = true;
        break;
    case 'n':
        o->name = optarg;
        break;
    case 'D': {
        char bdf[NP_HW_BDF_MAX];

        if (np_hw_parse_bdf(optarg, bdf))
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid device '%s': expected a PCI address "
                                "such as 0000:43:00.0 or 43:00.0",
                                optarg);
        o->hw.device = optarg;
        break;
    }
    case 'H':
        if (np_hw_parse_page_size(optarg, &o->hw.page_kib) ||
            o->hw.page_kib < 64)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid huge page size '%s': expected 2M or "
                                "1G",
                                optarg);
        break;
    case 'K':
        o->hw.cpu_kind = optarg;
        break;
    case 'P':
        o->hw.cpupool = optarg;
        break;
    case 'r':
        o->reserve = optarg;
        break;
    case 'S':
        o->state_dir = optarg;
        break;
    case 'o':
        o->out = optarg;
        break;
    case 's':
        o->soft = true;
        break;
    case 'a':
        o->all = true;
        break;
    case 'M':
        o->no_move = true;
        break;
    case 'N' + 256:
        o->no_measure = true;
        break;
    case 'q':
        o->quiet = true;
        break;
    }
    o->args = (const char **)argv + optind;
    o->nr_args = (unsigned int)(argc - optind);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */
/* ------------------------------------------------------------------ */

static void print_mem(FILE *f, uint64_t kib)
{
    if (kib >= 1024 * 1024)
        fprintf(f, "%.1f GiB", (double)kib / (1024.0 * 1024.0));
    else if (kib >= 1024)
        fprintf(f, "%" PRIu64 " MiB", kib / 1024);
    else
        fprintf(f, "%" PRIu64 " KiB", kib);
}

static void print_list(const char *label, const struct np_cpumap *m)
{
    char *s = np_cpulist_format_ranges(m);

    printf("%s%s", label, s && *s ? s : "none");
    free(s);
}

static void print_guest(const struct np_plan *plan,
                        const struct np_plan_guest *g, bool quiet)
{
    unsigned int i, v;
    int n;

    printf("%s%s (%u vCPUs, ", g->is_new ? "new guest " : "guest ", g->name,
           g->nr_vcpus);
    print_mem(stdout, g->mem_kib);
    if (!g->placed) {
        printf("): not placed\n");
    } else {
        print_list(np_cpumap_weight(&g->nodes) > 1 ? "): nodes " : "): node ",
                   &g->nodes);
        printf(", score %u.%02u\n", g->score / 100, g->score % 100);
        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_cpumap *pin =
                plan->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v];

            printf("  vcpu %u -> ", v);
            print_list(plan->pin == NP_PIN_SOFT ? "soft cpu " : "cpu ", pin);
            fputc('\n', stdout);
        }
        if (g->mem_per_node_kib) {
            printf("  memory:");
            for (n = 0; n < (int)plan->nr_node_ids; n++) {
                if (!g->mem_per_node_kib[n])
                    continue;
                printf(" node %d ", n);
                print_mem(stdout, g->mem_per_node_kib[n]);
            }
            fputc('\n', stdout);
        }
    }
    if (!quiet)
        for (i = 0; i < g->nr_reasons; i++)
            printf("  - %s\n", g->reasons[i]);
    if (g->advice)
        printf("  advice: %s\n", g->advice);
}

static void print_plan(const struct np_plan *plan, bool quiet)
{
    unsigned int i;

    if (!quiet)
        for (i = 0; i < plan->nr_reasons; i++)
            printf("# %s\n", plan->reasons[i]);
    for (i = 0; i < plan->nr_guests; i++)
        print_guest(plan, &plan->guests[i], quiet);
    if (plan->nr_guests > 1)
        printf("score %u.%02u (the mean vCPU-to-memory distance, weighted "
               "by memory)\n",
               plan->score / 100, plan->score % 100);
}

static int print_json(const struct np_plan *plan)
{
    struct np_err err = {""};
    char *json = NULL;

    if (np_plan_write_json(plan, &json, &err))
        return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    fputs(json, stdout);
    free(json);
    return NP_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Solving                                                             */
/* ------------------------------------------------------------------ */

/* Fill req from o; reserved is filled from --reserve. */
static int build_req(struct np_ctx *ctx, const struct plan_opts *o,
                     struct np_solve_req *req, struct np_cpumap *reserved)
{
    struct np_err err = {""};

    np_solve_req_init(req);
    req->policy = o->policy;
    req->overcommit = o->overcommit;
    req->pin = o->soft ? NP_PIN_SOFT : NP_PIN_HARD;
    req->rebalance = o->rebalance;
    req->max_move_kib = o->max_move_kib;
    if (o->have_max_move && !o->rebalance)
        return np_ctx_error(NP_EXIT_USAGE,
                            "--max-move bounds --rebalance: give both");
    if (o->soft && ctx->be_open && !ctx->be.ops->soft_affinity)
        return np_ctx_error(NP_EXIT_USAGE,
                            "the %s backend has no soft affinity: leave out "
                            "--soft",
                            ctx->be.ops->name);
    if (o->reserve) {
        if (np_cpulist_parse(&ctx->snap.topo, o->reserve, reserved, &err))
            return np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
        req->reserved = reserved;
    }
    return -1;
}

/*
 * The plan for existing guests: --all, or DOM... (names or ids).  dom0
 * stays where it is under --all on Xen.
 */
static int solve_existing(struct np_ctx *ctx, const struct plan_opts *o,
                          struct np_plan *plan, struct np_cpumap *reserved,
                          bool *partial)
{
    static const int dom0[] = {0};
    struct np_solve_req req;
    struct np_err err = {""};
    int *ids = NULL, rc;
    unsigned int i;

    rc = build_req(ctx, o, &req, reserved);
    if (rc >= 0)
        return rc;
    if (o->all && o->nr_args)
        return np_ctx_error(NP_EXIT_USAGE, "give --all or guests, not both");
    req.all = o->all || !o->nr_args;
    if (req.all && ctx->be_open && ctx->be.ops->fixed_dom0) {
        req.fixed_ids = dom0;
        req.nr_fixed_ids = 1;
    }
    if (!req.all) {
        ids = calloc(o->nr_args, sizeof(*ids));
        if (!ids)
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        for (i = 0; i < o->nr_args; i++) {
            const struct np_guest *g = np_ctx_find_guest(ctx, o->args[i]);

            if (!g) {
                free(ids);
                return NP_EXIT_USAGE;
            }
            ids[i] = g->id;
        }
        req.ids = ids;
        req.nr_ids = o->nr_args;
    }
    rc = np_solve(&ctx->snap, &req, plan, &err);
    free(ids);
    *partial = rc == -ENOSPC;
    if (rc && rc != -ENOSPC)
        return np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                            "%s", err.msg);
    return -1;
}

/* The guests of plan that were not placed. */
static unsigned int nr_unplaced(const struct np_plan *plan)
{
    unsigned int i, k = 0;

    for (i = 0; i < plan->nr_guests; i++)
        k += !plan->guests[i].placed;
    return k;
}

/* Why g was not placed: its "not placed: ..." reason, without the prefix. */
static const char *unplaced_why(const struct np_plan_guest *g)
{
    static const char prefix[] = "not placed: ";
    unsigned int i;

    for (i = g->nr_reasons; i-- > 0;)
        if (!strncmp(g->reasons[i], prefix, sizeof(prefix) - 1))
            return g->reasons[i] + sizeof(prefix) - 1;
    return "it fits nowhere";
}

/*
 * A partial plan (some guests fit nowhere): list them on stdout, "what"
 * saying what happened to the others, unless json; one line on stderr;
 * NP_EXIT_PARTIAL.
 */
static int report_partial(const struct np_plan *plan, const char *what,
                          bool json)
{
    unsigned int i, k = nr_unplaced(plan);
    const struct np_plan_guest *first = NULL;

    if (!json)
        printf("partial plan: %u of %u guest%s not placed (%s):\n", k,
               plan->nr_guests, plan->nr_guests == 1 ? "" : "s", what);
    for (i = 0; i < plan->nr_guests; i++) {
        const struct np_plan_guest *g = &plan->guests[i];

        if (g->placed)
            continue;
        if (!first)
            first = g;
        if (!json)
            printf("  %s: %s\n", g->name, unplaced_why(g));
    }
    fflush(stdout);
    fprintf(stderr,
            "numapin: partial plan: %u of %u guest%s not placed ('%s': %s)\n",
            k, plan->nr_guests, plan->nr_guests == 1 ? "" : "s",
            first ? first->name : "?", first ? unplaced_why(first) : "?");
    return NP_EXIT_PARTIAL;
}

/* ------------------------------------------------------------------ */
/* The commands                                                        */
/* ------------------------------------------------------------------ */

int main_place(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_opts o;
    struct np_solve_req req;
    struct np_new_guest ng;
    struct np_plan plan;
    struct np_cpumap reserved;
    struct np_err err = {""};
    int rc;

    np_plan_init(&plan);
    np_cpumap_init(&reserved);
    rc = parse_opts("place", argc, argv, &o);
    if (rc >= 0)
        goto out;
    if (!o.have_vcpus || !o.have_mem || o.nr_args || o.all || o.out) {
        rc = np_usage("place");
        goto out;
    }
    rc = np_ctx_load(ctx, NP_WANT_ANY_GUESTS);
    if (rc)
        goto out;
    rc = build_req(ctx, &o, &req, &reserved);
    if (rc >= 0)
        goto out;
    req.hw = &o.hw;
    ng.name = o.name ? o.name : "new";
    ng.nr_vcpus = o.vcpus;
    ng.mem_kib = o.mem_kib;
    req.new_guests = &ng;
    req.nr_new = 1;
    rc = np_solve(&ctx->snap, &req, &plan, &err);
    if (rc == -ENOSPC) {
        const struct np_plan_guest *g = &plan.guests[0];

        rc = np_ctx_error(NP_EXIT_FAILED, "%s%s%s", err.msg,
                          g->advice ? "; advice: " : "",
                          g->advice ? g->advice : "");
        goto out;
    }
    if (rc) {
        rc = np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED, "%s",
                          err.msg);
        goto out;
    }
    if (ctx->json) {
        rc = print_json(&plan);
        goto out;
    }
    np_ctx_banner(ctx);
    print_plan(&plan, o.quiet);
    np_text_plan_config(stdout, &plan, &plan.guests[0]);
    rc = NP_EXIT_OK;
out:
    np_cpumap_dispose(&reserved);
    np_plan_dispose(&plan);
    return rc;
}

int main_plan(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_opts o;
    struct np_plan plan;
    struct np_cpumap reserved;
    struct np_err err = {""};
    bool partial = false;
    int rc;

    np_plan_init(&plan);
    np_cpumap_init(&reserved);
    rc = parse_opts("plan", argc, argv, &o);
    if (rc >= 0)
        goto out;
    if (o.have_vcpus || o.have_mem) {
        rc = np_ctx_error(NP_EXIT_USAGE,
                          "--vcpus and --memory are for `numapin place`");
        goto out;
    }
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        goto out;
    rc = np_ctx_memory_for_plan(ctx, o.no_measure);
    if (rc)
        goto out;
    rc = solve_existing(ctx, &o, &plan, &reserved, &partial);
    if (rc >= 0)
        goto out;
    if (o.out) {
        if (np_plan_write_file(o.out, &plan, &err)) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
            goto out;
        }
    }
    if (ctx->json) {
        rc = print_json(&plan);
        if (!rc && partial)
            rc =
                report_partial(&plan, "the plan is written without them", true);
        goto out;
    }
    np_ctx_banner(ctx);
    print_plan(&plan, o.quiet);
    if (o.out)
        printf("plan written to %s: `numapin apply %s` applies it\n", o.out,
               o.out);
    rc = partial ? report_partial(&plan,
                                  "apply places the others and leaves these "
                                  "as they are",
                                  false)
                 : NP_EXIT_OK;
out:
    np_cpumap_dispose(&reserved);
    np_plan_dispose(&plan);
    return rc;
}

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
                print_list(" hard ", &g->hard[v]);
            if (g->soft[v].nr_bits)
                print_list(" soft ", &g->soft[v]);
            fputc('\n', stdout);
        }
        if (g->node_affinity_auto)
            printf("%s: node affinity auto\n", g->name);
        else if (g->node_affinity.nr_bits) {
            printf("%s: ", g->name);
            print_list("node affinity ", &g->node_affinity);
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

int main_apply(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_opts o;
    struct np_plan plan;
    struct np_cpumap reserved;
    struct np_apply_opts aopts;
    struct np_apply_report rep;
    struct np_err err = {""};
    struct stat st;
    bool from_file, partial = false;
    int rc;

    np_plan_init(&plan);
    np_cpumap_init(&reserved);
    rc = parse_opts("apply", argc, argv, &o);
    if (rc >= 0)
        goto out;
    if (o.have_vcpus || o.have_mem || o.out) {
        rc = np_usage("apply");
        goto out;
    }
    from_file = o.nr_args == 1 && !o.all &&
                (strstr(o.args[0], ".json") || strchr(o.args[0], '/') ||
                 !stat(o.args[0], &st));
    if (from_file) {
        rc = np_plan_read_file(o.args[0], &plan, &err);
        if (rc) {
            rc = np_ctx_error(rc == -ENOMEM ? NP_EXIT_FAILED : NP_EXIT_USAGE,
                              "%s", err.msg);
            goto out;
        }
        if (plan.is_journal) {
            rc = np_ctx_error(NP_EXIT_USAGE,
                              "'%s' is a journal: use `numapin undo`",
                              o.args[0]);
            goto out;
        }
    }
    ctx->state_dir = o.state_dir;
    rc = np_ctx_begin_write(ctx, "apply");
    if (rc)
        goto out;
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        goto out;
    rc = np_ctx_memory_for_plan(ctx, o.no_measure);
    if (rc)
        goto out;
    if (!from_file) {
        if (!o.all && !o.nr_args) {
            rc = np_usage("apply");
            goto out;
        }
        rc = solve_existing(ctx, &o, &plan, &reserved, &partial);
        if (rc >= 0)
            goto out;
    } else if (np_plan_bind_new(&plan, &ctx->snap, &err)) {
        /* a fleet plan's new guests, by name, once they run here */
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
        goto out;
    }
    partial = nr_unplaced(&plan) > 0;
    if (partial && nr_unplaced(&plan) == plan.nr_guests) {
        rc = np_ctx_error(NP_EXIT_FAILED,
                          "no guest of the plan was placed ('%s': %s): "
                          "nothing was changed",
                          plan.nr_guests ? plan.guests[0].name : "?",
                          plan.nr_guests ? unplaced_why(&plan.guests[0])
                                         : "no guests");
        goto out;
    }
    if (ctx->dry_run) {
        rc = np_plan_check(&ctx->snap, &plan, &err);
        if (rc) {
            rc = np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                              "%s", err.msg);
            goto out;
        }
        if (ctx->json)
            steps_doc(ctx, "apply", &plan);
        else
            print_steps(&plan);
        rc = partial ? report_partial(&plan,
                                      "apply would leave these as they "
                                      "are",
                                      ctx->json)
                     : NP_EXIT_OK;
        goto out;
    }
    memset(&aopts, 0, sizeof(aopts));
    aopts.state_dir = np_ctx_state_dir(ctx);
    aopts.move_memory = !o.no_move;
    aopts.history = ctx->hist;
    aopts.command = ctx->cmdline;
    aopts.progress = np_progress;
    np_progress_start("apply: guests");
    rc = np_plan_apply(&ctx->be, &ctx->snap, &plan, &aopts, &rep, &err);
    np_progress_end();
    rc = report_result(ctx, rc, &rep, &err, "applied", &o);
    if (rc == NP_EXIT_OK && !ctx->json)
        np_print_local_shares(ctx, &plan, o.no_measure);
    if (rc == NP_EXIT_OK && partial)
        rc = report_partial(&plan,
                            "applied the others; these are left as "
                            "they were",
                            ctx->json);
out:
    np_cpumap_dispose(&reserved);
    np_plan_dispose(&plan);
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
                return np_ctx_error(NP_EXIT_USAGE,
                                    "option '--to' needs a change id (see "
                                    "`numapin history`)");
            v = argv[++i];
        } else if (i && argv[i][0] >= '0' && argv[i][0] <= '9') {
            if (np_parse_uint(argv[i], 99999999, &n) || !n || *count)
                return np_ctx_error(NP_EXIT_USAGE,
                                    "invalid count '%s': expected how many "
                                    "changes to undo, 1 or more",
                                    argv[i]);
            *count = n;
            continue;
        } else {
            rest[(*nr_rest)++] = argv[i];
            continue;
        }
        if (np_parse_uint(v, 99999999, &n) || !n || *to_id)
            return np_ctx_error(NP_EXIT_USAGE,
                                "invalid change id '%s': see `numapin "
                                "history`",
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
    rc = parse_opts("undo", nr_rest, rest, &o);
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
