/*
 * fuzz_json.c: libFuzzer target for the snapshot JSON reader.
 *
 * Any input either fails with a one-line message or gives a snapshot that
 * writes to JSON and reads back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_snapshot snap, back;
    struct np_err err = {""};
    char *json = NULL, *json2 = NULL;

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
