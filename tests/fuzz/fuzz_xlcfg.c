/*
 * fuzz_xlcfg.c: libFuzzer target for the xl.cfg reader and editor
 * (`persist`, `create`).
 *
 * Any text either fails with a one-line message or, once a key is set in
 * it, reads that key back as the value set, and setting it again
 * changes nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_err err = {""};
    char *text = malloc(size + 1), *out = NULL, *out2 = NULL, *v = NULL;
    unsigned long n;
    int rc;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rc = np_xlcfg_get_number(text, "vcpus", &n, &err);
    if (rc && rc != -ENOENT && rc != -EINVAL)
        abort();
    if (strchr(err.msg, '\n'))
        abort();
    err.msg[0] = '\0';
    if (np_xlcfg_set(text, "cpus", "\"0-3\"", &out, &err)) {
        if (strchr(err.msg, '\n'))
            abort();
        goto out;
    }
    if (np_xlcfg_get_string(out, "cpus", &v, &err) || strcmp(v, "0-3"))
        abort();
    if (np_xlcfg_set(out, "cpus", "\"0-3\"", &out2, &err) || strcmp(out, out2))
        abort();
out:
    free(text);
    free(out);
    free(out2);
    free(v);
    return 0;
}
