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
#include "escape.h"
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

/*
 * Paths longer than NP_JSON_PATH_LEN are cut short: they still name the
 * place.  path_append() appends src (at most max bytes of it) to dst at
 * *len, within NP_JSON_PATH_LEN; false once the path is cut short.  The
 * readers build a path for many members they look at, so this is a plain
 * loop over a few bytes rather than snprintf or strnlen and memcpy.
 */
static bool path_append(char *dst, size_t *len, const char *src, size_t max)
{
    size_t n = *len, room = NP_JSON_PATH_LEN - 1 - n;
    bool fits = max <= room;
    size_t end = n + (fits ? max : room);

    while (n < end && *src)
        dst[n++] = *src++;
    dst[n] = '\0';
    *len = n;
    return fits || !*src;
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

static const char *type_name(enum np_jtype type)
{
    switch (type) {
    case NP_JBOOL:
        return "true or false";
    case NP_JINT:
        return "an integer";
    case NP_JSTRING:
        return "a string";
    case NP_JOBJECT:
        return "an object";
    case NP_JARRAY:
        return "an array";
    default:
        return "a value";
    }
}

/* Check that v has the type; path names v. */
int np_json_check_type(struct np_json_rd *rd, const struct np_jv *v,
                       const char *path, enum np_jtype type)
{
    if (!np_jv_is(v, type))
        return np_json_fail(rd, path, "expected %s, found %.64s",
                            type_name(type), np_json_show(v));
    return 0;
}

/*
 * Look up key in obj (at path) and check its type.  *out is NULL when the
 * key is absent and not required.
 */
int np_json_member(struct np_json_rd *rd, const struct np_jv *obj,
                   const char *path, const char *key, enum np_jtype type,
                   bool required, const struct np_jv **out)
{
    return np_json_member_at(rd, np_jv_get(obj, key), path, key, type, required,
                             out);
}

int np_json_member_at(struct np_json_rd *rd, const struct np_jv *v,
                      const char *path, const char *key, enum np_jtype type,
                      bool required, const struct np_jv **out)
{
    char p[NP_JSON_PATH_LEN];

    *out = NULL;
    if (!v) {
        if (required)
            return np_json_fail(rd, path, "missing key '%s'", key);
        return 0;
    }
    if (v->type != type) {
        /* the path only when it is needed: readers look up many keys */
        np_json_path_key(p, path, key);
        return np_json_check_type(rd, v, p, type);
    }
    *out = v;
    return 0;
}

/* m's key is k: lengths first (a member's key holds no nul) */
static inline bool key_is(const struct np_json_key *k, const struct np_jv *m)
{
    return k->len == m->klen && !memcmp(k->name, m->key, k->len);
}

int np_json_members(struct np_json_rd *rd, const struct np_jv *obj,
                    const char *path, const struct np_json_key *keys,
                    const struct np_jv **found)
{
    unsigned int i, nr, next = 0, j;
    uint32_t k;

    for (nr = 0; keys[nr].name; nr++)
        found[nr] = NULL;
    for (k = 0; k < obj->n; k++) {
        const struct np_jv *m = &obj->u.kids[k];

        /* from the key after the last one found: numapin writes the
         * members in the list's order, so the first try is the one */
        for (j = 0; j < nr; j++) {
            i = next + j < nr ? next + j : next + j - nr;
            if (key_is(&keys[i], m))
                break;
        }
        if (j == nr)
            return np_json_fail(rd, path, "unknown key '%.64s'", m->key);
        found[i] = m;
        next = i + 1 < nr ? i + 1 : 0;
    }
    return 0;
}

/* Refuse keys not in the NULL-terminated list. */
int np_json_check_keys(struct np_json_rd *rd, const struct np_jv *obj,
                       const char *path, const char *const *keys)
{
    unsigned int i;
    uint32_t k;

    for (k = 0; k < obj->n; k++) {
        const char *key = obj->u.kids[k].key;

        for (i = 0; keys[i]; i++)
            if (keys[i][0] == key[0] && !strcmp(keys[i], key))
                break;
        if (!keys[i])
            return np_json_fail(rd, path, "unknown key '%.64s'", key);
    }
    return 0;
}

/* An integer in [min, max]; path names v. */
int np_json_int_value(struct np_json_rd *rd, const struct np_jv *v,
                      const char *path, int64_t min, int64_t max, int64_t *out)
{
    int64_t x;

    if (np_json_check_type(rd, v, path, NP_JINT))
        return -EINVAL;
    x = v->u.i;
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
int np_json_member_int(struct np_json_rd *rd, const struct np_jv *obj,
                       const char *path, const char *key, bool required,
                       int64_t min, int64_t max, int64_t *out, bool *found)
{
    return np_json_member_int_at(rd, np_jv_get(obj, key), path, key, required,
                                 min, max, out, found);
}

int np_json_member_int_at(struct np_json_rd *rd, const struct np_jv *m,
                          const char *path, const char *key, bool required,
                          int64_t min, int64_t max, int64_t *out, bool *found)
{
    char p[NP_JSON_PATH_LEN];
    const struct np_jv *v;
    int rc;

    *found = false;
    if (m && m->type == NP_JINT && m->u.i >= min && m->u.i <= max) {
        *out = m->u.i;
        *found = true;
        return 0;
    }
    rc = np_json_member_at(rd, m, path, key, NP_JINT, required, &v);
    if (rc || !v)
        return rc;
    *out = v->u.i;
    if (*out < min || *out > max) {
        np_json_path_key(p, path, key);
        return np_json_int_value(rd, v, p, min, max, out);
    }
    *found = true;
    return 0;
}

int np_json_member_bool(struct np_json_rd *rd, const struct np_jv *obj,
                        const char *path, const char *key, bool *out)
{
    return np_json_member_bool_at(rd, np_jv_get(obj, key), path, key, out);
}

int np_json_member_bool_at(struct np_json_rd *rd, const struct np_jv *m,
                           const char *path, const char *key, bool *out)
{
    const struct np_jv *v;
    int rc;

    rc = np_json_member_at(rd, m, path, key, NP_JBOOL, true, &v);
    if (rc)
        return rc;
    *out = v->u.b;
    return 0;
}

/* A string without NUL bytes; path names v. */
int np_json_string_value(struct np_json_rd *rd, const struct np_jv *v,
                         const char *path, const char **out)
{
    const char *s;

    if (np_json_check_type(rd, v, path, NP_JSTRING))
        return -EINVAL;
    s = v->u.s;
    if (strlen(s) != v->n)
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

json_object *np_json_new_list(const struct np_cpumap *map,
                              const struct np_cpumap *universe)
{
    char *s = np_json_list_format(map, universe);
    json_object *o;

    if (!s)
        return NULL;
    o = json_object_new_string(s);
    free(s);
    return o;
}

/*
 * Duplicate keys.  json-c keeps the last of two equal keys without a word,
 * so {"vcpus": 2, "vcpus": 8} would be read as 8 whatever the first said.
 * This pass walks the text once more (after json-c has accepted it, so
 * the walk needs no error handling of its own: text it does not follow
 * ends it quietly) and sorts each object's keys to find two equal ones.
 * Unescaped keys are compared as they stand in the text; a key with an
 * escape is decoded by json-c itself, so that both agree on what a key is.
 *
 *   {"a": 1, "b": {"c": 2, "c": 3}}  ->  "b: duplicate key 'c' (line 1)"
 */
struct dup_key {
    const char *s; /* in the text, or in a decoded copy */
    size_t len;
    size_t off; /* of the key's opening quote, for the line number */
};

struct dup_level {
    bool is_obj;
    bool want_key;       /* in an object: the next string is a key */
    size_t index;        /* in an array: the index of the current element */
    size_t first;        /* this object's keys are keys[first..nr) */
    struct dup_key from; /* the key of this value in its parent object */
};

struct dup_walk {
    const char *buf;
    size_t len, pos;
    struct dup_key *keys; /* the keys of every open object, a stack */
    size_t nr_keys, cap_keys;
    struct dup_level *lv;
    size_t nr_lv, cap_lv;
    char **decoded; /* copies made for escaped keys */
    size_t nr_decoded;
    size_t nr_decoded_cap;
};

static int dup_cmp(const void *a, const void *b)
{
    const struct dup_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);

    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static bool dup_key_eq(const struct dup_key *x, const struct dup_key *y)
{
    return x->len == y->len && !memcmp(x->s, y->s, x->len);
}

/* Room for need elements of size bytes in *v (*cap of them now). */
static int grow(void *v, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    p = realloc(*(void **)v, n * size);
    if (!p)
        return -ENOMEM;
    *(void **)v = p;
    *cap = n;
    return 0;
}

/* The end of the string opening at w->pos (quote q), past its quote;
 * *escaped says whether it has a backslash. */
static size_t dup_string_end(const struct dup_walk *w, char q, bool *escaped)
{
    size_t i = w->pos + 1;

    *escaped = false;
    while (i < w->len && w->buf[i] != q) {
        if (w->buf[i] == '\\') {
            *escaped = true;
            i++;
        }
        i++;
    }
    return i < w->len ? i + 1 : w->len;
}

/* The key of text [start, end) (quotes included) as json-c reads it. */
static int dup_key_of(struct dup_walk *w, size_t start, size_t end,
                      bool escaped, struct dup_key *k)
{
    json_object *o;
    char *text, *copy;
    const char *nul;

    k->off = start;
    if (!escaped) {
        /* json-c's keys are C strings: a raw nul ends one */
        k->s = w->buf + start + 1;
        k->len = end - start >= 2 ? end - start - 2 : 0;
        nul = memchr(k->s, '\0', k->len);
        if (nul)
            k->len = (size_t)(nul - k->s);
        return 0;
    }
    text = strndup(w->buf + start, end - start);
    if (!text)
        return -ENOMEM;
    o = json_tokener_parse(text);
    free(text);
    copy = strdup(o && json_object_is_type(o, json_type_string)
                      ? json_object_get_string(o)
                      : "");
    json_object_put(o);
    if (!copy)
        return -ENOMEM;
    if (grow(&w->decoded, &w->nr_decoded_cap, w->nr_decoded + 1,
             sizeof(*w->decoded))) {
        free(copy);
        return -ENOMEM;
    }
    w->decoded[w->nr_decoded++] = copy;
    k->s = copy;
    k->len = strlen(copy);
    return 0;
}

/* The path of the object at level depth, as the readers name it. */
static void dup_path(const struct dup_walk *w, size_t depth, char *path)
{
    char tmp[NP_JSON_PATH_LEN], key[48];
    size_t i, n;

    path[0] = '\0';
    for (i = 1; i <= depth; i++) {
        const struct dup_level *parent = &w->lv[i - 1];

        memcpy(tmp, path, NP_JSON_PATH_LEN);
        if (parent->is_obj) {
            n = w->lv[i].from.len < 40 ? w->lv[i].from.len : 40;
            if (n) /* from.s may be NULL for an empty key */
                memcpy(key, w->lv[i].from.s, n);
            key[n] = '\0';
            np_json_path_key(path, tmp, key);
        } else {
            np_json_path_index(path, tmp, parent->index);
        }
    }
}

/* Close the object on top: two equal keys among its own fail. */
static int dup_close(struct np_json_rd *rd, struct dup_walk *w)
{
    struct dup_level *l = &w->lv[w->nr_lv - 1];
    struct dup_key *k = w->keys ? w->keys + l->first : NULL;
    size_t n = w->nr_keys - l->first, i, j;
    char path[NP_JSON_PATH_LEN], name[72], *s;
    const struct dup_key *hit = NULL;

    if (n > 8) {
        qsort(k, n, sizeof(*k), dup_cmp);
        for (i = 1; i < n && !hit; i++)
            if (dup_key_eq(&k[i], &k[i - 1]))
                hit = &k[i]; /* the later of the two: sorted by offset */
    } else {
        for (i = 1; i < n && !hit; i++)
            for (j = 0; j < i && !hit; j++)
                if (dup_key_eq(&k[i], &k[j]))
                    hit = &k[i];
    }
    if (hit) {
        dup_path(w, w->nr_lv - 1, path);
        s = strndup(hit->s, hit->len < 64 ? hit->len : 64);
        if (!s)
            return -ENOMEM;
        np_escape_buf(s, name, sizeof(name));
        free(s);
        return np_json_fail(rd, path, "duplicate key '%s' (line %u)", name,
                            line_of(w->buf, hit->off));
    }
    w->nr_keys = l->first;
    w->nr_lv--;
    return 0;
}

static int dup_open(struct dup_walk *w, bool is_obj)
{
    struct dup_level *l, *parent;

    if (grow(&w->lv, &w->cap_lv, w->nr_lv + 1, sizeof(*w->lv)))
        return -ENOMEM;
    parent = w->nr_lv ? &w->lv[w->nr_lv - 1] : NULL;
    l = &w->lv[w->nr_lv++];
    memset(l, 0, sizeof(*l));
    l->is_obj = is_obj;
    l->want_key = is_obj;
    l->first = w->nr_keys;
    if (parent && parent->is_obj && w->nr_keys > parent->first)
        l->from = w->keys[w->nr_keys - 1];
    return 0;
}

static int dup_walk_all(struct np_json_rd *rd, struct dup_walk *w)
{
    struct dup_level *top;
    size_t end;
    bool escaped;
    char c;
    int rc;

    while (w->pos < w->len) {
        c = w->buf[w->pos];
        top = w->nr_lv ? &w->lv[w->nr_lv - 1] : NULL;
        if (c == '/' && w->pos + 1 < w->len && w->buf[w->pos + 1] == '*') {
            const char *e =
                memmem(w->buf + w->pos + 2, w->len - w->pos - 2, "*/", 2);
            w->pos = e ? (size_t)(e - w->buf) + 2 : w->len;
            continue;
        }
        if (c == '/' && w->pos + 1 < w->len && w->buf[w->pos + 1] == '/') {
            const char *e = memchr(w->buf + w->pos, '\n', w->len - w->pos);
            w->pos = e ? (size_t)(e - w->buf) + 1 : w->len;
            continue;
        }
        switch (c) {
        case '{':
        case '[':
            rc = dup_open(w, c == '{');
            if (rc)
                return rc;
            w->pos++;
            continue;
        case '}':
        case ']':
            if (!top || top->is_obj != (c == '}'))
                return 0; /* not json-c's text: stop */
            if (top->is_obj) {
                rc = dup_close(rd, w);
                if (rc)
                    return rc;
            } else {
                w->nr_lv--;
            }
            w->pos++;
            if (!w->nr_lv)
                return 0; /* the end of the document */
            continue;
        case ',':
            if (top && top->is_obj)
                top->want_key = true;
            else if (top)
                top->index++;
            w->pos++;
            continue;
        case '"':
        case '\'':
            end = dup_string_end(w, c, &escaped);
            if (top && top->is_obj && top->want_key) {
                if (grow(&w->keys, &w->cap_keys, w->nr_keys + 1,
                         sizeof(*w->keys)))
                    return -ENOMEM;
                rc = dup_key_of(w, w->pos, end, escaped, &w->keys[w->nr_keys]);
                if (rc)
                    return rc;
                w->nr_keys++;
                top->want_key = false;
            }
            w->pos = end;
            continue;
        default:
            if (!top && !strchr(" \t\r\n", c))
                return 0; /* a scalar document has no keys */
            w->pos++;
        }
    }
    return 0;
}

int np_json_check_dup_keys(struct np_json_rd *rd, const char *buf, size_t len)
{
    struct dup_walk w = {.buf = buf, .len = len};
    size_t i;
    int rc;

    rc = dup_walk_all(rd, &w);
    for (i = 0; i < w.nr_decoded; i++)
        free(w.decoded[i]);
    free(w.decoded);
    free(w.keys);
    free(w.lv);
    if (rc == -ENOMEM)
        np_err_set(rd->err, rc, "out of memory while reading json");
    return rc;
}
