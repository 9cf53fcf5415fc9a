/*
 * cmd_host.c: the commands that show the host: info, nodeinfo,
 * capabilities, freecell, cpulist, dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_json.h"
#include "fmt_json_cmd.h"
#include "fmt_text.h"
#include "fmt_xml.h"
#include "numapin.h"

/* Print the snapshot as JSON; host_only drops the guests. */
static int print_json(struct np_ctx *ctx, bool host_only)
{
    struct np_snapshot view = ctx->snap;
    struct np_err err = {""};
    char *json = NULL;
    int rc;

    if (host_only) {
        view.has_guests = false;
        view.nr_guests = 0;
        view.guests = NULL;
    }
    rc = np_json_write_snapshot(&view, &json, &err);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s",
                            err.msg[0] ? err.msg : strerror(-rc));
    fputs(json, stdout);
    free(json);
    return NP_EXIT_OK;
}

int main_info(struct np_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"numa", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    bool numa = false;
    int opt, rc;

    NP_FOREACH_OPT (opt, "n", opts, "info") {
    case 'n':
        numa = true;
        break;
    }
    NP_OPERANDS();
    if (argc != 1)
        return np_usage("info");
    rc = np_ctx_load(ctx, NP_WANT_HOST);
    if (rc)
        return rc;
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "info");

        if (doc)
            np_jcmd_info(doc, &ctx->snap.topo, numa);
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    np_text_xl_info(stdout, &ctx->snap.topo, numa);
    return NP_EXIT_OK;
}

int main_nodeinfo(struct np_ctx *ctx, int argc, char **argv)
{
    int opt, rc;

    NP_FOREACH_OPT (opt, "", NULL, "nodeinfo") {
    }
    NP_OPERANDS();

    if (argc != 1)
        return np_usage("nodeinfo");
    rc = np_ctx_load(ctx, NP_WANT_HOST);
    if (rc)
        return rc;
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "nodeinfo");

        if (doc)
            np_jcmd_nodeinfo(doc, &ctx->snap.topo);
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    np_text_nodeinfo(stdout, &ctx->snap.topo);
    return NP_EXIT_OK;
}

int main_capabilities(struct np_ctx *ctx, int argc, char **argv)
{
    struct np_err err = {""};
    char *xml = NULL;
    int opt, rc;

    NP_FOREACH_OPT (opt, "", NULL, "capabilities") {
    }
    NP_OPERANDS();

    if (argc != 1)
        return np_usage("capabilities");
    rc = np_ctx_load(ctx, NP_WANT_HOST);
    if (rc)
        return rc;
    if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "capabilities");

        if (doc)
            np_jcmd_capabilities(doc, &ctx->snap.topo);
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    rc = np_xml_write_caps(&ctx->snap.topo, &xml, &err);
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s",
                            err.msg[0] ? err.msg : strerror(-rc));
    /* XML stays XML: the test backend is named in a comment. */
    if (ctx->be_open && ctx->be.ops->demo)
        printf("<!-- %s, not a live host -->\n", ctx->snap.topo.source
                                                     ? ctx->snap.topo.source
                                                     : "numapin test backend");
    fputs(xml, stdout);
    free(xml);
    return NP_EXIT_OK;
}

int main_freecell(struct np_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    struct np_err err = {""};
    int node = NP_FREECELL_TOTAL, opt, rc;
    char *end;
    long v;

    NP_FOREACH_OPT (opt, "", opts, "freecell") {
    case 'a':
        node = NP_FREECELL_ALL;
        break;
    }
    NP_OPERANDS();

    if (argc > 2 || (argc == 2 && node == NP_FREECELL_ALL))
        return np_usage("freecell");
    if (argc == 2) {
        errno = 0;
        v = strtol(argv[1], &end, 10);
        if (!*argv[1] || *end || errno || v < 0 || v > NP_MAX_NODE_IDS)
            return np_ctx_error(
                NP_EXIT_USAGE,
                "invalid node '%s': expected a node number or --all", argv[1]);
        node = (int)v;
    }
    rc = np_ctx_load(ctx, NP_WANT_HOST);
    if (rc)
        return rc;
    if (node >= 0 && !np_topo_node_exists(&ctx->snap.topo, node)) {
        struct np_cpumap nodes;
        char *ids = NULL;

        np_cpumap_init(&nodes);
        if (!np_topo_all_nodes(&ctx->snap.topo, &nodes))
            ids = np_cpulist_format_ranges(&nodes);
        np_ctx_error(NP_EXIT_USAGE,
                     "node '%d' does not exist: this host has nodes %s", node,
                     ids ? ids : "?");
        free(ids);
        np_cpumap_dispose(&nodes);
        return NP_EXIT_USAGE;
    }
    if (ctx->json) {
        uint64_t total;

        if (np_topo_mem_free(&ctx->snap.topo, &total))
            return np_ctx_error(NP_EXIT_FAILED,
                                "free memory is not known for this host");
        json_object *doc = np_ctx_jdoc(ctx, "freecell");

        if (doc)
            np_jcmd_freecell(doc, &ctx->snap.topo, node);
        return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    }
    np_ctx_banner(ctx);
    rc = np_text_freecell(stdout, &ctx->snap.topo, node, &err);
    if (rc)
        return np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                            "%s", err.msg);
    return NP_EXIT_OK;
}

int main_cpulist(struct np_ctx *ctx, int argc, char **argv)
{
    struct np_cpumap map;
    struct np_err err = {""};
    char *s;
    int opt, rc;

    NP_FOREACH_OPT (opt, "", NULL, "cpulist") {
    }
    NP_OPERANDS();

    if (argc != 2)
        return np_usage("cpulist");
    rc = np_ctx_load(ctx, NP_WANT_HOST);
    if (rc)
        return rc;
    np_cpumap_init(&map);
    if (np_cpulist_parse(&ctx->snap.topo, argv[1], &map, &err)) {
        np_cpumap_dispose(&map);
        return np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
    }
    s = np_cpulist_format(&ctx->snap.topo, &map);
    if (ctx->json) {
        json_object *o = np_ctx_jdoc(ctx, "cpulist");
        char *ranges = np_cpulist_format_ranges(&map);

        if (o) {
            json_object_object_add(o, "input", json_object_new_string(argv[1]));
            json_object_object_add(o, "canonical",
                                   json_object_new_string(s ? s : ""));
            json_object_object_add(
                o, "cpus", json_object_new_string(ranges ? ranges : ""));
            json_object_object_add(
                o, "count", json_object_new_int((int)np_cpumap_weight(&map)));
        }
        free(ranges);
        rc = np_ctx_jprint(ctx, o, NP_EXIT_OK);
        free(s);
        np_cpumap_dispose(&map);
        return rc;
    }
    puts(s);
    free(s);
    np_cpumap_dispose(&map);
    return NP_EXIT_OK;
}

int main_dump(struct np_ctx *ctx, int argc, char **argv)
{
    int opt, rc;

    NP_FOREACH_OPT (opt, "", NULL, "dump") {
    }
    NP_OPERANDS();

    if (argc != 1)
        return np_usage("dump");
    rc = np_ctx_load(ctx, NP_WANT_ANY_GUESTS);
    if (!rc && ctx->snap.has_guests)
        rc = np_ctx_measure(ctx, false);
    if (rc)
        return rc;
    return print_json(ctx, false);
}
