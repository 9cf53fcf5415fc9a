/*
 * cmd_plan.c: placement commands: place (where would a new guest go) and
 * plan (where should the guests be), and the options and reports they
 * share with apply and undo (cmd_apply.c).  The solver (common/solver.h)
 * decides; common/plan.h applies.
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

/* Parse a command's options; returns -1 to go on, else an exit code. */
int plan_cmd_parse_opts(const char *cmd, int argc, char **argv,
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
            return np_ctx_error(
                NP_EXIT_USAGE,
                "invalid memory size '%s': expected a number of MiB or a size such as 3G, 512M, 1048576K",
                optarg);
        if (!o->mem_kib)
            return np_ctx_error(
                NP_EXIT_USAGE,
                "invalid memory size '%s': a guest needs more than 0 bytes",
                optarg);
        o->have_mem = true;
        break;
    case 'p':
        if (np_policy_parse(optarg, &o->policy))
            return np_ctx_error(
                NP_EXIT_USAGE,
                "unknown policy '%s': use prefer, isolate or require", optarg);
        break;
    case 'O':
        if (np_parse_uint(optarg, 1024, &o->overcommit) || !o->overcommit)
            return np_ctx_error(
                NP_EXIT_USAGE,
                "invalid overcommit '%s': expected the vCPUs allowed per CPU, 1 to 1024",
                optarg);
        break;
    case 'X':
        if (np_parse_size_kib(optarg, &o->max_move_kib) || !o->max_move_kib)
            return np_ctx_error(
                NP_EXIT_USAGE,
                "invalid --max-move '%s': expected the memory a rebalance may move, such as 64G or 512M",
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
            return np_ctx_error(
                NP_EXIT_USAGE,
                "invalid device '%s': expected a PCI address such as 0000:43:00.0 or 43:00.0",
                optarg);
        o->hw.device = optarg;
        break;
    }
    case 'H':
        if (np_hw_parse_page_size(optarg, &o->hw.page_kib) ||
            o->hw.page_kib < 64)
            return np_ctx_error(
                NP_EXIT_USAGE, "invalid huge page size '%s': expected 2M or 1G",
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

/*
 * The plan's text goes out through one buffer, numbers formatted by hand:
 * a plan of 1,000 guests is some 9,000 lines, and printf's own parsing of
 * its formats cost more than the rest of the printing (issue 14).
 */
struct out {
    char buf[8192];
    size_t len;
};

static void out_flush(struct out *o)
{
    fwrite(o->buf, 1, o->len, stdout);
    o->len = 0;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
    if (o->len + n > sizeof(o->buf)) {
        out_flush(o);
        if (n > sizeof(o->buf)) {
            fwrite(s, 1, n, stdout);
            return;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(struct out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_uint(struct out *o, uint64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);

    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10));
    out_mem(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* "1.5 GiB", "512 MiB", "4 KiB": GiB to one decimal as "%.1f" rounds it
 * (to nearest, ties to even; kib / 2^20 is exact in binary). */
static void out_size(struct out *o, uint64_t kib)
{
    if (kib >= 1024 * 1024 && kib < (UINT64_MAX / 10)) {
        uint64_t t = kib * 10, q = t >> 20, r = t & ((1u << 20) - 1);

        if (r > (1u << 19) || (r == (1u << 19) && (q & 1)))
            q++;
        out_uint(o, q / 10);
        out_mem(o, ".", 1);
        out_uint(o, q % 10);
        out_str(o, " GiB");
    } else if (kib >= 1024 * 1024) {
        char b[64];

        snprintf(b, sizeof(b), "%.1f GiB", (double)kib / (1024.0 * 1024.0));
        out_str(o, b);
    } else if (kib >= 1024) {
        out_uint(o, kib / 1024);
        out_str(o, " MiB");
    } else {
        out_uint(o, kib);
        out_str(o, " KiB");
    }
}

/* "10.00": a score in hundredths */
static void out_score(struct out *o, unsigned int score)
{
    out_uint(o, score / 100);
    out_mem(o, ".", 1);
    out_mem(o, &"0123456789"[score % 100 / 10], 1);
    out_mem(o, &"0123456789"[score % 10], 1);
}

static void out_list(struct out *o, const char *label,
                     const struct np_cpumap *m)
{
    char *s = np_cpulist_format_ranges(m);

    out_str(o, label);
    out_str(o, s && *s ? s : "none");
    free(s);
}

int plan_cmd_begin(struct plan_cmd *pc, const char *cmd, int argc, char **argv)
{
    np_plan_init(&pc->plan);
    np_cpumap_init(&pc->reserved);
    return plan_cmd_parse_opts(cmd, argc, argv, &pc->o);
}

void plan_cmd_end(struct plan_cmd *pc)
{
    np_cpumap_dispose(&pc->reserved);
    np_plan_dispose(&pc->plan);
}

void plan_cmd_print_list(const char *label, const struct np_cpumap *m)
{
    char *s = np_cpulist_format_ranges(m);

    printf("%s%s", label, s && *s ? s : "none");
    free(s);
}

static void print_guest(struct out *o, const struct np_plan *plan,
                        const struct np_plan_guest *g, bool quiet)
{
    unsigned int i, v;
    int n;

    out_str(o, g->is_new ? "new guest " : "guest ");
    out_str(o, g->name);
    out_str(o, " (");
    out_uint(o, g->nr_vcpus);
    out_str(o, " vCPUs, ");
    out_size(o, g->mem_kib);
    if (!g->placed) {
        out_str(o, "): not placed\n");
    } else {
        out_list(o, np_cpumap_weight(&g->nodes) > 1 ? "): nodes " : "): node ",
                 &g->nodes);
        out_str(o, ", score ");
        out_score(o, g->score);
        out_mem(o, "\n", 1);
        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_cpumap *pin =
                plan->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v];

            out_str(o, "  vcpu ");
            out_uint(o, v);
            out_list(o, plan->pin == NP_PIN_SOFT ? " -> soft cpu " : " -> cpu ",
                     pin);
            out_mem(o, "\n", 1);
        }
        if (g->mem_per_node_kib) {
            out_str(o, "  memory:");
            for (n = 0; n < (int)plan->nr_node_ids; n++) {
                if (!g->mem_per_node_kib[n])
                    continue;
                out_str(o, " node ");
                out_uint(o, (unsigned int)n);
                out_mem(o, " ", 1);
                out_size(o, g->mem_per_node_kib[n]);
            }
            out_mem(o, "\n", 1);
        }
    }
    if (!quiet)
        for (i = 0; i < g->nr_reasons; i++) {
            out_str(o, "  - ");
            out_str(o, g->reasons[i]);
            out_mem(o, "\n", 1);
        }
    if (g->advice) {
        out_str(o, "  advice: ");
        out_str(o, g->advice);
        out_mem(o, "\n", 1);
    }
}

static void print_plan(const struct np_plan *plan, bool quiet)
{
    static struct out o;
    unsigned int i;

    if (!quiet)
        for (i = 0; i < plan->nr_reasons; i++)
            printf("# %s\n", plan->reasons[i]);
    for (i = 0; i < plan->nr_guests; i++)
        print_guest(&o, plan, &plan->guests[i], quiet);
    out_flush(&o);
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
        return np_ctx_error(
            NP_EXIT_USAGE,
            "the %s backend has no soft affinity: leave out --soft",
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
int plan_cmd_solve_existing(struct np_ctx *ctx, const struct plan_opts *o,
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
unsigned int plan_cmd_nr_unplaced(const struct np_plan *plan)
{
    unsigned int i, k = 0;

    for (i = 0; i < plan->nr_guests; i++)
        k += !plan->guests[i].placed;
    return k;
}

/* Why g was not placed: its "not placed: ..." reason, without the prefix. */
const char *plan_cmd_unplaced_why(const struct np_plan_guest *g)
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
int plan_cmd_report_partial(const struct np_plan *plan, const char *what,
                            bool json)
{
    unsigned int i, k = plan_cmd_nr_unplaced(plan);
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
            printf("  %s: %s\n", g->name, plan_cmd_unplaced_why(g));
    }
    fflush(stdout);
    fprintf(stderr,
            "numapin: partial plan: %u of %u guest%s not placed ('%s': %s)\n",
            k, plan->nr_guests, plan->nr_guests == 1 ? "" : "s",
            first ? first->name : "?",
            first ? plan_cmd_unplaced_why(first) : "?");
    return NP_EXIT_PARTIAL;
}

/* ------------------------------------------------------------------ */
/* The commands                                                        */
/* ------------------------------------------------------------------ */

int main_place(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_cmd pc;
    struct plan_opts *o = &pc.o;
    struct np_solve_req req;
    struct np_new_guest ng;
    struct np_plan *plan = &pc.plan;
    struct np_err err = {""};
    int rc;

    rc = plan_cmd_begin(&pc, "place", argc, argv);
    if (rc >= 0)
        goto out;
    if (!o->have_vcpus || !o->have_mem || o->nr_args || o->all || o->out) {
        rc = np_usage("place");
        goto out;
    }
    rc = np_ctx_load(ctx, NP_WANT_ANY_GUESTS);
    if (rc)
        goto out;
    rc = build_req(ctx, o, &req, &pc.reserved);
    if (rc >= 0)
        goto out;
    req.hw = &o->hw;
    ng.name = o->name ? o->name : "new";
    ng.nr_vcpus = o->vcpus;
    ng.mem_kib = o->mem_kib;
    req.new_guests = &ng;
    req.nr_new = 1;
    rc = np_solve(&ctx->snap, &req, plan, &err);
    if (rc == -ENOSPC) {
        const struct np_plan_guest *g = &plan->guests[0];

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
        rc = print_json(plan);
        goto out;
    }
    np_ctx_banner(ctx);
    print_plan(plan, o->quiet);
    np_text_plan_config(stdout, plan, &plan->guests[0]);
    rc = NP_EXIT_OK;
out:
    plan_cmd_end(&pc);
    return rc;
}

int main_plan(struct np_ctx *ctx, int argc, char **argv)
{
    struct plan_cmd pc;
    struct plan_opts *o = &pc.o;
    struct np_plan *plan = &pc.plan;
    struct np_err err = {""};
    bool partial = false;
    int rc;

    rc = plan_cmd_begin(&pc, "plan", argc, argv);
    if (rc >= 0)
        goto out;
    if (o->have_vcpus || o->have_mem) {
        rc = np_ctx_error(NP_EXIT_USAGE,
                          "--vcpus and --memory are for `numapin place`");
        goto out;
    }
    rc = np_ctx_load_for_plan(ctx, o->no_measure);
    if (rc)
        goto out;
    rc = plan_cmd_solve_existing(ctx, o, plan, &pc.reserved, &partial);
    if (rc >= 0)
        goto out;
    if (o->out) {
        if (np_plan_write_file(o->out, plan, &err)) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
            goto out;
        }
    }
    if (ctx->json) {
        rc = print_json(plan);
        if (!rc && partial)
            rc = plan_cmd_report_partial(
                plan, "the plan is written without them", true);
        goto out;
    }
    np_ctx_banner(ctx);
    print_plan(plan, o->quiet);
    if (o->out)
        printf("plan written to %s: `numapin apply %s` applies it\n", o->out,
               o->out);
    rc = partial ? plan_cmd_report_partial(
                       plan,
                       "apply places the others and leaves these "
                       "as they are",
                       false)
                 : NP_EXIT_OK;
out:
    plan_cmd_end(&pc);
    return rc;
}
