/*
 * cmd_map.c: map --svg FILE and map --html FILE: the map as a picture
 * (common/fmt_svg.h), written atomically to FILE, or to standard output
 * for "-".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "fmt_json_cmd.h"
#include "fmt_svg.h"
#include "mapview.h"
#include "numapin.h"

int np_map_picture(struct np_ctx *ctx, bool html, const char *path)
{
    struct np_mapview mv;
    struct np_err err = {""};
    char *buf = NULL;
    size_t len = 0;
    FILE *m;
    int rc;

    np_mapview_init(&mv);
    if (np_mapview_build(&ctx->snap, &mv))
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    m = open_memstream(&buf, &len);
    if (!m) {
        np_mapview_dispose(&mv);
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    }
    rc = html ? np_html_write_map(m, &ctx->snap, &mv)
              : np_svg_write_map(m, &ctx->snap, &mv);
    if (fclose(m))
        rc = -ENOMEM;
    np_mapview_dispose(&mv);
    if (rc) {
        free(buf);
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    }
    if (!strcmp(path, "-")) {
        fwrite(buf, 1, len, stdout);
        rc = NP_EXIT_OK;
    } else if (np_file_write_atomic(path, buf, len, 0644, &err)) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    } else if (ctx->json) {
        json_object *doc = np_ctx_jdoc(ctx, "map");

        if (doc) {
            json_object_object_add(doc, html ? "html" : "svg",
                                   json_object_new_string(path));
            json_object_object_add(doc, "bytes",
                                   json_object_new_int64((int64_t)len));
        }
        rc = np_ctx_jprint(ctx, doc, NP_EXIT_OK);
    } else {
        rc = NP_EXIT_OK;
    }
    free(buf);
    return rc;
}
