/*
 * json_util.h: the json-c helpers that numapin's JSON formats share: the
 * snapshot (fmt_json.c, fmt_json_read.c) and the plan (plan_json.c).
 *
 * Writing: np_json_obj_add() / np_json_arr_add() add a value and, on any
 * failure (including a NULL value: an allocation that failed), drop it and
 * set *oom, so that a writer builds the whole tree and checks once.
 *
 * Reading (the tree of json_doc.h): every check fills rd->err with
 * "NAME: PATH: what is wrong" and
 * returns -EINVAL, where NAME is the input (rd->name, else rd->what, else
 * nothing) and PATH the JSON path ("host.cpus[3].node"; "top level" for
 * the root).  Paths longer than NP_JSON_PATH_LEN are cut short with '~'.
 */
#ifndef NP_JSON_UTIL_H
#define NP_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json.h>

#include "cpumap.h"
#include "json_doc.h"
#include "np_err.h"

/* Long enough for "guests[12345].vcpus[12345].memory_per_node_kib.4095". */
#define NP_JSON_PATH_LEN 160

void np_json_obj_add(json_object *obj, const char *key, json_object *val,
                     bool *oom);
void np_json_arr_add(json_object *arr, json_object *val, bool *oom);

/*
 * map as a list string: "0-3,6", "none" when empty, "all" when universe
 * is given, not empty and every bit of it is in map.  Returns a malloc'd
 * string or NULL (out of memory).
 */
char *np_json_list_format(const struct np_cpumap *map,
                          const struct np_cpumap *universe);
/* The same as a JSON string; NULL when out of memory. */
json_object *np_json_new_list(const struct np_cpumap *map,
                              const struct np_cpumap *universe);

struct np_json_rd {
    const char *name; /* the input, for messages; may be NULL */
    struct np_err *err;
    const char *what; /* the name when name is NULL ("plan"); may be NULL */
};

/* Fill rd->err with "NAME: PATH: message"; returns -EINVAL. */
int np_json_fail(struct np_json_rd *rd, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "path.key" and "path[i]" into dst (NP_JSON_PATH_LEN bytes). */
void np_json_path_key(char *dst, const char *path, const char *key);
void np_json_path_index(char *dst, const char *path, size_t i);

/* A short rendering of a JSON value for messages (np_jv_show()). */
#define np_json_show np_jv_show

/* v (named by path) has the type. */
int np_json_check_type(struct np_json_rd *rd, const struct np_jv *v,
                       const char *path, enum np_jtype type);

/* Look up key in obj (at path) and check its type.  *out is NULL when the
 * key is absent and not required. */
int np_json_member(struct np_json_rd *rd, const struct np_jv *obj,
                   const char *path, const char *key, enum np_jtype type,
                   bool required, const struct np_jv **out);

/* A key np_json_members() looks for, with its length:
 * NP_JSON_KEY("online"); a list of them ends with {NULL, 0}. */
struct np_json_key {
    const char *name;
    uint32_t len;
};
#define NP_JSON_KEY(s)                                                         \
    {                                                                          \
        s, sizeof(s) - 1                                                       \
    }

/*
 * The members of obj by the list keys (at most NP_JSON_MAX_KEYS):
 * found[i] is the member keys[i] names, or NULL; a key not in the list is
 * refused as np_json_check_keys() refuses it.  The _at forms of the
 * member helpers below then take found[i] (the member or NULL) for obj
 * and key: one walk of the object instead of a lookup per key.
 */
#define NP_JSON_MAX_KEYS 16
int np_json_members(struct np_json_rd *rd, const struct np_jv *obj,
                    const char *path, const struct np_json_key *keys,
                    const struct np_jv **found);
int np_json_member_at(struct np_json_rd *rd, const struct np_jv *m,
                      const char *path, const char *key, enum np_jtype type,
                      bool required, const struct np_jv **out);
int np_json_member_int_at(struct np_json_rd *rd, const struct np_jv *m,
                          const char *path, const char *key, bool required,
                          int64_t min, int64_t max, int64_t *out, bool *found);
int np_json_member_bool_at(struct np_json_rd *rd, const struct np_jv *m,
                           const char *path, const char *key, bool *out);

/* Refuse keys of obj not in the NULL-terminated list. */
int np_json_check_keys(struct np_json_rd *rd, const struct np_jv *obj,
                       const char *path, const char *const *keys);

/* An integer in [min, max]; path names v. */
int np_json_int_value(struct np_json_rd *rd, const struct np_jv *v,
                      const char *path, int64_t min, int64_t max, int64_t *out);

/* An optional or required integer member; *found says whether it was. */
int np_json_member_int(struct np_json_rd *rd, const struct np_jv *obj,
                       const char *path, const char *key, bool required,
                       int64_t min, int64_t max, int64_t *out, bool *found);

/* A required boolean member. */
int np_json_member_bool(struct np_json_rd *rd, const struct np_jv *obj,
                        const char *path, const char *key, bool *out);

/* A string without NUL bytes; path names v. */
int np_json_string_value(struct np_json_rd *rd, const struct np_jv *v,
                         const char *path, const char **out);

/* "NAME:LINE: malformed json: what" for the byte at off of buf. */
int np_json_parse_fail(struct np_json_rd *rd, const char *buf, size_t off,
                       const char *what);

/*
 * Refuse an object that has one key twice: json-c keeps the last without a
 * word.  buf[0..len) is text json-c has parsed (a walk of anything else
 * stops quietly).  Fills rd->err with "NAME: PATH: duplicate key 'KEY'
 * (line N)" (PATH names the object) and returns -EINVAL; -ENOMEM; 0.
 * Every reader of outside JSON calls it after json-c's parse.
 */
int np_json_check_dup_keys(struct np_json_rd *rd, const char *buf, size_t len);

#endif /* NP_JSON_UTIL_H */
