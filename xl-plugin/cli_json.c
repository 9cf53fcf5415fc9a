/*
 * cli_json.c: the command line's side of --json: one document per command
 * (common/fmt_json_cmd.h), with the backend's notes collected into it
 * instead of printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_json_cmd.h"
#include "numapin.h"

static json_object *pending_notes;

void np_ctx_json_note(const char *msg)
{
    if (!pending_notes)
        pending_notes = json_object_new_array();
    json_object_array_add(pending_notes, json_object_new_string(msg));
}

json_object *np_ctx_jdoc(struct np_ctx *ctx, const char *cmd)
{
    json_object *doc = np_jcmd_new(cmd, ctx->loaded ? &ctx->snap : NULL);

    if (doc && ctx->dry_run)
        json_object_object_add(doc, "dry_run", json_object_new_boolean(1));
    return doc;
}

int np_ctx_jprint(struct np_ctx *ctx, json_object *doc, int rc)
{
    size_t i;

    if (!doc)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    if (pending_notes) {
        for (i = 0; i < json_object_array_length(pending_notes); i++)
            np_jcmd_note(doc, json_object_get_string(
                                  json_object_array_get_idx(pending_notes, i)));
        json_object_put(pending_notes);
        pending_notes = NULL;
    }
    if (np_jcmd_print(stdout, doc))
        rc = np_ctx_error(NP_EXIT_FAILED, "cannot write the output");
    json_object_put(doc);
    return rc;
}

int np_ctx_no_json(struct np_ctx *ctx, const char *cmd, const char *why)
{
    if (!ctx->json)
        return -1;
    return np_ctx_error(NP_EXIT_USAGE, "%s has no JSON output: %s", cmd, why);
}

json_object *np_ctx_jguest(struct np_ctx *ctx, const char *cmd,
                           const struct np_guest *g, const char *dom)
{
    json_object *doc = np_ctx_jdoc(ctx, cmd);

    if (!doc)
        return NULL;
    json_object_object_add(doc, "guest",
                           json_object_new_string(g ? g->name : dom));
    if (g)
        json_object_object_add(doc, "id", json_object_new_int(g->id));
    return doc;
}

void np_ctx_jset_cpus(struct np_ctx *ctx, json_object *doc, const char *key,
                      const struct np_cpumap *map)
{
    json_object_object_add(doc, key,
                           map ? np_jcmd_cpus(&ctx->snap.topo, map) : NULL);
}
