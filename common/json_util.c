/*
 * json_util.c: the json-c helpers numapin's JSON formats share (see
 * json_util.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "json_util.h"

/* Add val under key to obj; on any failure set *oom and drop val. */
void np_json_obj_add(json_object *obj, const char *key, json_object *val,
                     bool *oom)
{
    if (!val) {
        *oom = true;
        return;
    }
    if (!obj || json_object_object_add(obj, key, val)) {
        json_object_put(val);
        *oom = true;
    }
}

void np_json_arr_add(json_object *arr, json_object *val, bool *oom)
{
    if (!val) {
        *oom = true;
        return;
    }
    if (!arr || json_object_array_add(arr, val)) {
        json_object_put(val);
        *oom = true;
    }
}

/* Fill err with "NAME: PATH: message" and return -EINVAL. */
int np_json_fail(struct np_json_rd *rd, const char *path, const char *fmt, ...)
{
    char msg[NP_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!*path)
        path = "top level";
    if (rd->name || rd->what)
        return np_err_set(rd->err, -EINVAL, "%s: %s: %s",
                          rd->name ? rd->name : rd->what, path, msg);
    return np_err_set(rd->err, -EINVAL, "%s: %s", path, msg);
}

/* Paths longer than NP_JSON_PATH_LEN are cut short: they still name the place.
 */
/* Append src (at most max bytes of it) to dst at *len, within
 * NP_JSON_PATH_LEN; false once the path is cut short.  The readers build a
 * path for every member they look at, so this stays cheaper than
 * snprintf. */
static bool path_append(char *dst, size_t *len, const char *src, size_t max)
{
    size_t n = strnlen(src, max);

    if (*len + n >= NP_JSON_PATH_LEN) {
        n = NP_JSON_PATH_LEN - 1 - *len;
        memcpy(dst + *len, src, n);
        *len += n;
        dst[*len] = '\0';
        return false;
    }
    memcpy(dst + *len, src, n);
    *len += n;
    dst[*len] = '\0';
    return true;
}

void np_json_path_key(char *dst, const char *path, const char *key)
{
    size_t len = 0;

    dst[0] = '\0';
    if (!path_append(dst, &len, path, NP_JSON_PATH_LEN) ||
        (*path && !path_append(dst, &len, ".", 1)) ||
        !path_append(dst, &len, key, 40))
        dst[NP_JSON_PATH_LEN - 2] = '~';
}

void np_json_path_index(char *dst, const char *path, size_t i)
{
    char num[24], *p = num + sizeof(num) - 1;
    size_t len = 0;

    *p = '\0';
    *--p = ']';
    do
        *--p = (char)('0' + i % 10);
    while ((i /= 10));
    *--p = '[';
    dst[0] = '\0';
    if (!path_append(dst, &len, path, NP_JSON_PATH_LEN) ||
        !path_append(dst, &len, p, sizeof(num)))
        dst[NP_JSON_PATH_LEN - 2] = '~';
}

/* A short rendering of a JSON value for messages (owned by v). */
const char *np_json_show(json_object *v)
{
    const char *s;

    if (!v)
        return "null";
    if (json_object_is_type(v, json_type_object))
        return "an object";
    if (json_object_is_type(v, json_type_array))
        return "an array";
    s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                              JSON_C_TO_STRING_NOSLASHESCAPE);
    return s ? s : "?";
}

static const char *type_name(enum json_type type)
{
    switch (type) {
    case json_type_boolean:
        return "true or false";
    case json_type_int:
        return "an integer";
    case json_type_string:
        return "a string";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    default:
        return "a value";
    }
}

/* Check that v has the type; path names v. */
int np_json_check_type(struct np_json_rd *rd, json_object *v, const char *path,
                       enum json_type type)
{
    if (!v || !json_object_is_type(v, type))
        return np_json_fail(rd, path, "expected %s, found %.64s",
                            type_name(type), np_json_show(v));
    return 0;
}

/*
 * Look up key in obj (at path) and check its type.  *out is NULL when the
 * key is absent and not required.
 */
int np_json_member(struct np_json_rd *rd, json_object *obj, const char *path,
                   const char *key, enum json_type type, bool required,
                   json_object **out)
{
    char p[NP_JSON_PATH_LEN];
    json_object *v;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v)) {
        if (required)
            return np_json_fail(rd, path, "missing key '%s'", key);
        return 0;
    }
    if (!v || !json_object_is_type(v, type)) {
        /* the path only when it is needed: readers look up many keys */
        np_json_path_key(p, path, key);
        return np_json_check_type(rd, v, p, type);
    }
    *out = v;
    return 0;
}

/* Refuse keys not in the NULL-terminated list. */
int np_json_check_keys(struct np_json_rd *rd, json_object *obj,
                       const char *path, const char *const *keys)
{
    struct json_object_iter it;
    unsigned int i;

    json_object_object_foreachC(obj, it)
    {
        for (i = 0; keys[i]; i++)
            if (!strcmp(keys[i], it.key))
                break;
        if (!keys[i])
            return np_json_fail(rd, path, "unknown key '%.64s'", it.key);
    }
    return 0;
}

/* An integer in [min, max]; path names v. */
int np_json_int_value(struct np_json_rd *rd, json_object *v, const char *path,
                      int64_t min, int64_t max, int64_t *out)
{
    int64_t x;

    if (np_json_check_type(rd, v, path, json_type_int))
        return -EINVAL;
    x = json_object_get_int64(v);
    /* json-c clamps what does not fit in int64 to INT64_MIN/MAX: the
     * limits below keep those out. */
    if (x < min || x > max)
        return np_json_fail(
            rd, path, "%.40s is out of range, expected %" PRId64 " to %" PRId64,
            np_json_show(v), min, max);
    *out = x;
    return 0;
}

/* An optional or required integer member; *found says whether it was. */
int np_json_member_int(struct np_json_rd *rd, json_object *obj,
                       const char *path, const char *key, bool required,
                       int64_t min, int64_t max, int64_t *out, bool *found)
{
    char p[NP_JSON_PATH_LEN];
    json_object *v;
    int rc;

    *found = false;
    rc = np_json_member(rd, obj, path, key, json_type_int, required, &v);
    if (rc || !v)
        return rc;
    *out = json_object_get_int64(v);
    if (*out < min || *out > max) {
        np_json_path_key(p, path, key);
        return np_json_int_value(rd, v, p, min, max, out);
    }
    *found = true;
    return 0;
}

int np_json_member_bool(struct np_json_rd *rd, json_object *obj,
                        const char *path, const char *key, bool *out)
{
    json_object *v;
    int rc;

    rc = np_json_member(rd, obj, path, key, json_type_boolean, true, &v);
    if (rc)
        return rc;
    *out = json_object_get_boolean(v);
    return 0;
}

/* A string without NUL bytes; path names v. */
int np_json_string_value(struct np_json_rd *rd, json_object *v,
                         const char *path, const char **out)
{
    const char *s;

    if (np_json_check_type(rd, v, path, json_type_string))
        return -EINVAL;
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return np_json_fail(rd, path, "the string contains a nul character");
    *out = s;
    return 0;
}

/* 1 + the number of newlines in buf[0..off). */
static unsigned int line_of(const char *buf, size_t off)
{
    unsigned int line = 1;
    size_t i;

    for (i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

int np_json_parse_fail(struct np_json_rd *rd, const char *buf, size_t off,
                       const char *what)
{
    unsigned int line = line_of(buf, off);

    if (rd->name)
        return np_err_set(rd->err, -EINVAL, "%s:%u: malformed json: %s",
                          rd->name, line, what);
    return np_err_set(rd->err, -EINVAL, "line %u: malformed json: %s", line,
                      what);
}

/*
 * Format map as a list string: "0-3,6", "none" when empty, "all" when
 * universe is given, not empty and every bit of it is in map.  Returns a
 * malloc'd string or NULL (out of memory).
 */
char *np_json_list_format(const struct np_cpumap *map,
                          const struct np_cpumap *universe)
{
    if (np_cpumap_is_empty(map))
        return strdup("none");
    if (universe && !np_cpumap_is_empty(universe) &&
        np_cpumap_subset(universe, map))
        return strdup("all");
    return np_cpulist_format_ranges(map);
}
