/*
 * fuzz_plan.c: libFuzzer target for the plan and journal reader (the
 * files `apply` reads and the history keeps).
 *
 * Any input either fails with a one-line message or gives a plan that
 * writes to JSON and reads back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_plan plan, back;
    struct np_err err = {""};
    char *json = NULL, *json2 = NULL, *text = malloc(size + 1);

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    np_plan_init(&plan);
    np_plan_init(&back);
    if (np_plan_read_json(text, size, "fuzz", &plan, &err)) {
        if (strchr(err.msg, '\n'))
            abort();
        goto out;
    }
    if (np_plan_write_json(&plan, &json, NULL))
        abort();
    if (np_plan_read_json(json, strlen(json), "again", &back, &err) ||
        np_plan_write_json(&back, &json2, NULL) || strcmp(json, json2))
        abort();
out:
    free(text);
    free(json);
    free(json2);
    np_plan_dispose(&plan);
    np_plan_dispose(&back);
    return 0;
}
