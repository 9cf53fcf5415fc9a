/*
 * json_doc.h: the JSON numapin reads (a snapshot, a plan), as a read-only
 * tree in one arena: struct np_jv.  Two ways in:
 *
 * np_jdoc_parse() is numapin's own parser, for the text numapin itself
 * writes.  It takes plain JSON (RFC 8259: objects or arrays at the top,
 * strings without \u escapes, integers of up to 18 digits) that has no
 * duplicate key, and builds the tree without a copy of any string (the
 * text is copied once and its strings are ended in place).  Anything
 * else (an error, a duplicate key, a \u escape, a big number, deep
 * nesting, a comment, ...) makes it give up, and the caller reads the
 * text with json-c as before: json-c's verdict and messages, the
 * duplicate-key pass (json_util.h), then np_jdoc_from_json_c().  The
 * parser accepts a subset of what json-c accepts and gives the same tree
 * for it (tests/fuzz/fuzz_json.c checks both), so that which way the
 * text went never shows.
 */
#ifndef NP_JSON_DOC_H
#define NP_JSON_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* json-c's types, in json-c's order */
enum np_jtype {
    NP_JNULL,
    NP_JBOOL,
    NP_JDOUBLE,
    NP_JINT,
    NP_JOBJECT,
    NP_JARRAY,
    NP_JSTRING,
};

struct np_jv {
    const char *key; /* a member of an object: its key; else NULL */
    union {
        int64_t i;                /* NP_JINT (json-c's int64, clamped) */
        double d;                 /* NP_JDOUBLE */
        bool b;                   /* NP_JBOOL */
        const char *s;            /* NP_JSTRING: n bytes and a nul */
        const struct np_jv *kids; /* NP_JOBJECT, NP_JARRAY: n of them,
                                     never NULL */
    } u;
    const char *text; /* numbers: as json-c shows them (tlen bytes), or
                         NULL: the integer u.i */
    uint32_t n;
    uint32_t klen;
    uint32_t tlen;
    uint8_t type;
};

struct np_jdoc;

/*
 * Parse buf[0..len) with numapin's own parser.  0 and *out (the document)
 * on success; -EAGAIN when the text is not for it (read it with json-c);
 * -ENOMEM.
 */
int np_jdoc_parse(const char *buf, size_t len, struct np_jdoc **out);

/* The document of a json-c tree (json_object *, declared void here so
 * that users of the tree need no json-c header).  0, -ENOMEM. */
int np_jdoc_from_json_c(const void *root, struct np_jdoc **out);

const struct np_jv *np_jdoc_root(const struct np_jdoc *doc);
void np_jdoc_free(struct np_jdoc *doc);

static inline bool np_jv_is(const struct np_jv *v, enum np_jtype t)
{
    return v && v->type == t;
}

/* The member of obj named key, or NULL (key of n bytes for _n; the macro
 * lets the compiler count a literal key). */
const struct np_jv *np_jv_get(const struct np_jv *obj, const char *key);
const struct np_jv *np_jv_get_n(const struct np_jv *obj, const char *key,
                                size_t n);
#define np_jv_get(obj, key) np_jv_get_n(obj, key, strlen(key))

/* A short rendering of v for messages, as json-c writes it ("null",
 * "an object", "an array", "\"text\"", 12, 1.5); valid until the fourth
 * call after it. */
const char *np_jv_show(const struct np_jv *v);

/* A number's value as a double (json-c's json_object_get_double). */
double np_jv_double(const struct np_jv *v);

/* The two documents have the same tree (tests). */
bool np_jdoc_equal(const struct np_jdoc *a, const struct np_jdoc *b);

#endif /* NP_JSON_DOC_H */
