/*
 * fuzz_json.c: libFuzzer target for the snapshot JSON reader.
 *
 * Any input either fails with a one-line message or gives a snapshot that
 * writes to JSON and reads back to the same text.  And numapin's own
 * parser (json_doc.h) takes only text that json-c takes too, in its
 * strict mode (snapshots) and its lenient one (plans), without a
 * duplicate key, and builds the same tree as json-c's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "fmt_json.h"
#include "json_doc.h"
#include "json_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The document json-c gives for text (strict or lenient), or NULL. */
static struct np_jdoc *json_c_doc(const char *text, size_t size, bool strict)
{
    struct json_tokener *tok = json_tokener_new();
    struct np_err err = {""};
    struct np_json_rd rd = {.err = &err};
    struct np_jdoc *doc = NULL;
    json_object *root;
    size_t end;

    if (!tok)
        abort();
    if (strict)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text, (int)size);
    end = json_tokener_get_parse_end(tok);
    if (root && json_tokener_get_error(tok) == json_tokener_success &&
        !np_json_check_dup_keys(&rd, text, size)) {
        while (end < size && strchr(" \t\r\n", text[end]))
            end++;
        if ((end == size || !strict) && np_jdoc_from_json_c(root, &doc))
            abort();
    }
    json_object_put(root);
    json_tokener_free(tok);
    return doc;
}

static void same_as_json_c(const uint8_t *data, size_t size)
{
    struct np_jdoc *mine = NULL, *theirs;
    int rc = np_jdoc_parse((const char *)data, size, &mine);

    if (rc == -EAGAIN)
        return;
    if (rc || memchr(data, '\0', size))
        abort();
    theirs = json_c_doc((const char *)data, size, true);
    if (!theirs || !np_jdoc_equal(mine, theirs))
        abort();
    np_jdoc_free(theirs);
    theirs = json_c_doc((const char *)data, size, false);
    if (!theirs || !np_jdoc_equal(mine, theirs))
        abort();
    np_jdoc_free(theirs);
    np_jdoc_free(mine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_snapshot snap, back;
    struct np_err err = {""};
    char *json = NULL, *json2 = NULL;

    same_as_json_c(data, size);
    np_snapshot_init(&snap);
    np_snapshot_init(&back);
    if (np_json_read_snapshot((const char *)data, size, "fuzz", &snap, &err)) {
        if (strchr(err.msg, '\n'))
            abort();
        goto out;
    }
    if (np_json_write_snapshot(&snap, &json, NULL))
        abort();
    if (np_json_read_snapshot(json, strlen(json), "again", &back, &err) ||
        np_json_write_snapshot(&back, &json2, NULL) || strcmp(json, json2))
        abort();
out:
    free(json);
    free(json2);
    np_snapshot_dispose(&snap);
    np_snapshot_dispose(&back);
    return 0;
}
