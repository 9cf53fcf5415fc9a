/*
 * cmd_vcpu.c: the commands about guests' vCPUs: vcpu-list, vcpuinfo,
 * vcpu-pin, map.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_json.h"
#include "fmt_json_cmd.h"
#include "mapview.h"
#include "fmt_text.h"
#include "numapin.h"
#include "plan_apply.h"

/* The warnings of the text outputs, as data: pins that overlap, and
 * guests whose per-vCPU affinity the backend could not know. */
static int json_warnings(struct np_ctx *ctx, json_object *doc,
                         const struct np_guest *const *sel, unsigned int nr)
{
    struct np_mapview mv;
    int rc;

    np_mapview_init(&mv);
    rc = np_mapview_build(&ctx->snap, &mv);
    if (!rc) {
        np_jcmd_overlaps(doc, &ctx->snap, &mv);
        np_jcmd_unknown(doc, &ctx->snap, sel, nr);
    }
    np_mapview_dispose(&mv);
    return rc;
}

/* "warning: guest X: the affinity of each vcpu is unknown ...", for the
 * guests of sel (all when NULL). */
static void warn_unknown(struct np_ctx *ctx, const struct np_guest *const *sel,
                         unsigned int nr)
{
    unsigned int i, k;

    for (i = 0; i < ctx->snap.nr_guests; i++) {
        char msg[NP_UNKNOWN_MAX];
        bool chosen = !sel;

        for (k = 0; sel && k < nr; k++)
            chosen |= sel[k] == &ctx->snap.guests[i];
        if (!ctx->snap.guests[i].vcpus_unknown || !chosen)
            continue;
        np_unknown_warning(&ctx->snap.guests[i], msg, sizeof(msg));
        np_ctx_warn("%s", msg);
    }
}

int main_vcpulist(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest **sel = NULL;
    unsigned int nr = 0;
    int rc;

    ctx->show_refused = true;
    /* the text is the vCPUs' maps and states only: not the host's
     * hardware model, nor each guest's scheduler, node affinity and
     * devices (Xen: about half the hypercalls and xenstore reads) */
    if (!ctx->json)
        ctx->read_flags = NP_READ_NO_HW | NP_READ_NO_SCHED | NP_READ_NO_NODES;
    rc = np_ctx_select_guests(ctx, "vcpu-list", argc, argv, &sel, &nr);
    if (rc)
        return rc;
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "vcpu-list");

        rc = doc ? np_jcmd_guests(doc, &ctx->snap, sel, nr) : -ENOMEM;
        if (!rc)
            rc = json_warnings(ctx, doc, sel, nr);
        free(sel);
        if (rc) {
            json_object_put(doc);
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        }
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    np_text_vcpu_list(stdout, &ctx->snap, sel, nr);
    /* the all-guests view warns where two guests' pins share a CPU */
    fflush(stdout);
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);

        if (m) {
            np_text_overlap_warnings(m, &ctx->snap);
            fclose(m);
            np_print_warnings(stderr, buf);
        }
        free(buf);
    }
    warn_unknown(ctx, sel, nr);
    free(sel);
    return NP_EXIT_OK;
}

int main_vcpuinfo(struct np_ctx *ctx, int argc, char **argv)
{
    const struct np_guest *g;
    int rc;

    if (argc != 2)
        return np_usage("vcpuinfo");
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    g = np_ctx_find_guest(ctx, argv[1]);
    if (!g)
        return NP_EXIT_USAGE;
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "vcpuinfo");

        if (doc) {
            np_jcmd_vcpuinfo(doc, &ctx->snap, g);
            if (g->vcpus_unknown) {
                char msg[NP_UNKNOWN_MAX];

                np_unknown_warning(g, msg, sizeof(msg));
                json_object_object_add(
                    np_jcmd_warn(doc, "affinity_unknown", msg), "guest",
                    json_object_new_string(g->name));
            }
        }
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    np_text_vcpuinfo(stdout, &ctx->snap, g);
    fflush(stdout);
    warn_unknown(ctx, &g, 1);
    return NP_EXIT_OK;
}

int main_map(struct np_ctx *ctx, int argc, char **argv)
{
    const char *svg = NULL, *html = NULL;
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--svg") && i + 1 < argc)
            svg = argv[++i];
        else if (!strcmp(argv[i], "--html") && i + 1 < argc)
            html = argv[++i];
        else if (!strcmp(argv[i], "--svg") || !strcmp(argv[i], "--html"))
            return np_usage_error(
                "map", "'%s' needs a FILE (- for standard output)", argv[i]);
        else
            return np_usage_error("map", "unknown argument '%s'", argv[i]);
    }
    if (svg && html)
        return np_usage_error("map", "give --svg or --html, not both");
    ctx->show_refused = true;
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    rc = np_ctx_measure(ctx, false);
    if (rc)
        return rc;
    if (svg || html)
        return np_map_picture(ctx, html != NULL, svg ? svg : html);
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "map");
        struct np_mapview mv;

        np_mapview_init(&mv);
        rc = doc ? np_mapview_build(&ctx->snap, &mv) : -ENOMEM;
        if (!rc) {
            np_jcmd_map(doc, &ctx->snap, &mv);
            np_jcmd_overlaps(doc, &ctx->snap, &mv);
            np_jcmd_unknown(doc, &ctx->snap, NULL, 0);
        }
        np_mapview_dispose(&mv);
        if (rc) {
            json_object_put(doc);
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        }
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    np_text_map(stdout, &ctx->snap);
    fflush(stdout);
    warn_unknown(ctx, NULL, 0);
    return NP_EXIT_OK;
}

/* "3" -> 3, "all" -> -1; anything else an error. */
static int parse_vcpu(const char *s, int *vcpu_out)
{
    char *end;
    long v;

    if (!strcmp(s, "all")) {
        *vcpu_out = -1;
        return 0;
    }
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end || errno || v > INT_MAX)
        return -EINVAL;
    *vcpu_out = (int)v;
    return 0;
}

/* Print "cpumap: HARD [SOFT]" as `xl -N vcpu-pin` does. */
static void print_dry_run(const struct np_topo *topo,
                          const struct np_cpumap *hard,
                          const struct np_cpumap *soft)
{
    unsigned int nr = (unsigned int)(np_topo_max_cpu_id(topo) + 1);
    char *s;

    fputs("cpumap: ", stdout);
    if (hard) {
        s = np_cpulist_format_bits(hard, nr);
        fputs(s ? s : "?", stdout);
        free(s);
    } else {
        fputs("-", stdout);
    }
    if (soft) {
        s = np_cpulist_format_bits(soft, nr);
        printf(" %s", s ? s : "?");
        free(s);
    }
    fputc('\n', stdout);
}

/*
 * Set the maps of vCPUs first..last of g as one change: a plan applied
 * through np_ctx_apply(), so that it is recorded in the history before the
 * first write and put back on the first failure (nothing half applied,
 * even for `vcpu-pin DOM all` killed mid-way: the record is pending and
 * `undo` puts it back).
 */
static int pin_vcpus(struct np_ctx *ctx, const struct np_guest *g, int first,
                     int last, const struct np_cpumap *hard,
                     const struct np_cpumap *soft)
{
    struct np_plan plan;
    struct np_plan_guest *pg;
    int v, rc;

    rc = np_ctx_plan_init(ctx, &plan);
    if (!rc)
        rc = np_ctx_plan_guest(ctx, &plan, g, &pg);
    for (v = first; !rc && v <= last; v++) {
        if (hard)
            rc = np_cpumap_copy(&pg->hard[v], hard);
        if (!rc && soft)
            rc = np_cpumap_copy(&pg->soft[v], soft);
        /* -f with both maps '-': the override alone is cleared */
        if (!rc && !hard && !soft)
            rc = np_cpumap_copy(&pg->hard[v], &g->vcpus[v].hard);
    }
    if (rc) {
        np_plan_dispose(&plan);
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    }
    rc = np_ctx_apply(ctx, &plan, false, NULL);
    np_plan_dispose(&plan);
    return rc;
}

/* {"guest", "id", "vcpu": N or "all", "hard", "soft"}: null keeps a map. */
static int pin_json(struct np_ctx *ctx, const struct np_guest *g,
                    const char *dom, int vcpu, const struct np_cpumap *hard,
                    const struct np_cpumap *soft, int rc)
{
    json_object *doc = np_ctx_jguest(ctx, "vcpu-pin", g, dom);

    if (doc) {
        json_object_object_add(doc, "vcpu",
                               vcpu < 0 ? json_object_new_string("all")
                                        : json_object_new_int(vcpu));
        np_ctx_jset_cpus(ctx, doc, "hard", hard);
        np_ctx_jset_cpus(ctx, doc, "soft", soft);
    }
    return np_ctx_jprint(ctx, doc, rc);
}

int main_vcpupin(struct np_ctx *ctx, int argc, char **argv)
{
    struct np_cpumap hard_map, soft_map;
    struct np_cpumap *hard = NULL, *soft = NULL;
    const struct np_guest *g = NULL;
    struct np_err err = {""};
    const char *dom, *hard_str, *soft_str;
    bool force = false;
    int vcpu, first, last, rc;

    np_cpumap_init(&hard_map);
    np_cpumap_init(&soft_map);
    rc = np_ctx_take_state_dir(ctx, &argc, argv);
    if (rc >= 0)
        return rc;
    /* -f / --force, before DOM, as xl takes it. */
    if (argc > 1 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--force"))) {
        force = true;
        argc--;
        argv++;
    }
    if (argc < 4)
        return np_usage_error(
            "vcpu-pin", "missing %s",
            argc == 1 ? "DOM, the guest"
            : argc == 2
                ? "VCPU, a vcpu number or 'all'"
                : "HARD, the cpu-list to pin to ('-' keeps the hard map)");
    if (argc > 5)
        return np_usage_error("vcpu-pin", "too many arguments: '%s' after SOFT",
                              argv[5]);
    dom = argv[1];
    hard_str = argv[3];
    soft_str = argc > 4 ? argv[4] : NULL;
    if (parse_vcpu(argv[2], &vcpu))
        return np_ctx_error(
            NP_EXIT_USAGE, "invalid vcpu '%s': expected a vcpu number or 'all'",
            argv[2]);
    if (force && vcpu < 0)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "--force and 'all' as vcpu are not allowed together: force one vcpu at a time");
    rc = np_ctx_begin_write(ctx, "vcpu-pin");
    if (rc)
        return rc;
    rc = np_ctx_load(ctx, ctx->dry_run ? NP_WANT_ANY_GUESTS : NP_WANT_GUESTS);
    if (rc)
        return rc;

    if (strcmp(hard_str, "-")) {
        if (np_cpulist_parse(&ctx->snap.topo, hard_str, &hard_map, &err)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "hard affinity: %s", err.msg);
            goto out;
        }
        hard = &hard_map;
    }
    if (soft_str && strcmp(soft_str, "-")) {
        if (np_cpulist_parse(&ctx->snap.topo, soft_str, &soft_map, &err)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "soft affinity: %s", err.msg);
            goto out;
        }
        soft = &soft_map;
    }

    /* With guests known, the guest and vCPU must exist, -N or not. */
    if (ctx->snap.has_guests) {
        g = np_ctx_find_guest(ctx, dom);
        if (!g) {
            rc = NP_EXIT_USAGE;
            goto out;
        }
        if (vcpu >= 0 && (unsigned int)vcpu >= g->nr_vcpus) {
            rc = np_ctx_error(NP_EXIT_USAGE,
                              "guest '%s' has no vcpu %d: its vcpus are 0-%u",
                              g->name, vcpu, g->nr_vcpus - 1);
            goto out;
        }
    }
    if (ctx->dry_run && !ctx->json) {
        print_dry_run(&ctx->snap.topo, hard, soft);
        rc = NP_EXIT_OK;
        goto out;
    }
    if (ctx->dry_run) {
        rc = pin_json(ctx, g, dom, vcpu, hard, soft, NP_EXIT_OK);
        goto out;
    }

    if (!hard && !soft && !force) {
        rc =
            np_ctx_error(NP_EXIT_USAGE, "nothing to change: both maps are '-'");
        goto out;
    }
    if (hard && np_cpumap_is_empty(hard)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "hard affinity '%s' selects no cpu",
                          hard_str);
        goto out;
    }
    if (!g) {
        /* a source without guests: the name cannot be found */
        g = np_ctx_find_guest(ctx, dom);
        if (!g) {
            rc = NP_EXIT_USAGE;
            goto out;
        }
    }
    if (soft && !ctx->be.ops->soft_affinity) {
        rc = np_ctx_error(NP_EXIT_FAILED, "the %s backend has no soft affinity",
                          ctx->be.ops->name);
        goto out;
    }
    first = vcpu < 0 ? 0 : vcpu;
    last = vcpu < 0 ? (int)g->nr_vcpus - 1 : vcpu;
    ctx->write_flags = force ? NP_WRITE_FORCE : 0;
    rc = pin_vcpus(ctx, g, first, last, hard, soft);
    ctx->write_flags = 0;
    if (!rc && ctx->json)
        rc = pin_json(ctx, g, dom, vcpu, hard, soft, rc);
out:
    np_cpumap_dispose(&hard_map);
    np_cpumap_dispose(&soft_map);
    return rc;
}
