/*
 * json_doc.c: numapin's own JSON parser and the tree it builds (see
 * json_doc.h), and the same tree made from json-c's.
 *
 * The parser walks a copy of the text once.  Values go on a stack; when
 * an array or object closes, its children move from the stack into one
 * block of the arena, so that every node is copied once and a container's
 * children are contiguous.  A string is ended in place (its closing quote
 * becomes a nul; an escaped string is decoded over itself, never longer),
 * so no string is allocated.  An object's keys are checked for duplicates
 * when it closes: pairwise up to 8 keys, else through a hash table whose
 * slots are stamped with the object they belong to (never cleared).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "json_doc.h"
#include "json_write.h"

/* Deeper than this goes to json-c, whose own limit is 32. */
#define FAST_DEPTH 30

struct chunk {
    struct chunk *next;
    size_t used, size;
    /* the data follows, aligned for struct np_jv */
};

struct np_jdoc {
    char *text; /* the copy the strings point into (fast parser) */
    struct chunk *chunks;
    struct np_jv root;
};

#define CHUNK_HDR ((sizeof(struct chunk) + 15) & ~(size_t)15)

/* What an empty object or array's kids point at: never NULL, so that a
 * walk "for (it = v->u.kids; it < v->u.kids + v->n; it++)" does no
 * arithmetic on a null pointer (undefined behaviour, which UBSan flags). */
static const struct np_jv no_kids[1];

static void *arena_alloc(struct np_jdoc *doc, size_t size)
{
    struct chunk *c = doc->chunks;
    size_t want;

    size = (size + 15) & ~(size_t)15;
    if (!c || c->size - c->used < size) {
        want = c ? c->size * 2 : 64 * 1024;
        if (want < size)
            want = size;
        c = malloc(CHUNK_HDR + want);
        if (!c)
            return NULL;
        c->next = doc->chunks;
        c->used = 0;
        c->size = want;
        doc->chunks = c;
    }
    c->used += size;
    return (char *)c + CHUNK_HDR + c->used - size;
}

void np_jdoc_free(struct np_jdoc *doc)
{
    struct chunk *c, *next;

    if (!doc)
        return;
    for (c = doc->chunks; c; c = next) {
        next = c->next;
        free(c);
    }
    free(doc->text);
    free(doc);
}

const struct np_jv *np_jdoc_root(const struct np_jdoc *doc)
{
    return &doc->root;
}

/* ------------------------------------------------------------------ */
/* The parser                                                          */
/* ------------------------------------------------------------------ */

struct dup_slot {
    const char *key;
    uint32_t klen;
    uint32_t stamp;
};

struct fp {
    struct np_jdoc *doc;
    char *s;
    size_t len;
    struct np_jv *stack; /* values of the open containers */
    size_t nr, cap;
    size_t open[FAST_DEPTH]; /* stack index of each open container */
    unsigned int depth;
    struct dup_slot *slots;
    size_t nr_slots; /* a power of two */
    uint32_t stamp;
};

#define GIVE_UP (-EAGAIN)

/* Room for one more value on the stack. */
static int grow(struct fp *p)
{
    size_t n = p->cap ? p->cap * 2 : 256;
    struct np_jv *st = realloc(p->stack, n * sizeof(*st));

    if (!st)
        return -ENOMEM;
    p->stack = st;
    p->cap = n;
    return 0;
}

static uint32_t key_hash(const char *k, uint32_t n)
{
    uint32_t h = 2166136261u, i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

/* Two equal keys among the n members m[]: GIVE_UP (json-c and the
 * duplicate-key pass say which); 0; -ENOMEM. */
static int check_keys(struct fp *p, const struct np_jv *m, size_t n)
{
    size_t i, j, mask;

    if (n <= 8) {
        for (i = 1; i < n; i++)
            for (j = 0; j < i; j++)
                if (m[i].klen == m[j].klen && m[i].key[0] == m[j].key[0] &&
                    !memcmp(m[i].key, m[j].key, m[i].klen))
                    return GIVE_UP;
        return 0;
    }
    if (p->nr_slots < 2 * n) {
        size_t want = p->nr_slots ? p->nr_slots : 64;

        while (want < 2 * n)
            want *= 2;
        free(p->slots);
        p->slots = calloc(want, sizeof(*p->slots));
        if (!p->slots) {
            p->nr_slots = 0;
            return -ENOMEM;
        }
        p->nr_slots = want;
        p->stamp = 0;
    }
    if (++p->stamp == 0) { /* wrapped: every stamp is stale again */
        memset(p->slots, 0, p->nr_slots * sizeof(*p->slots));
        p->stamp = 1;
    }
    mask = p->nr_slots - 1;
    for (i = 0; i < n; i++) {
        struct dup_slot *sl;

        for (j = key_hash(m[i].key, m[i].klen) & mask;; j = (j + 1) & mask) {
            sl = &p->slots[j];
            if (sl->stamp != p->stamp)
                break;
            if (sl->klen == m[i].klen && !memcmp(sl->key, m[i].key, sl->klen))
                return GIVE_UP;
        }
        sl->stamp = p->stamp;
        sl->key = m[i].key;
        sl->klen = m[i].klen;
    }
    return 0;
}

/* Close the container on top: its children into the arena. */
static int close_top(struct fp *p)
{
    size_t at = p->open[--p->depth], n = p->nr - at - 1;
    struct np_jv *c = &p->stack[at], *kids = NULL;
    int rc;

    if (c->type == NP_JOBJECT) {
        rc = check_keys(p, c + 1, n);
        if (rc)
            return rc;
    }
    if (n) {
        if (n > UINT32_MAX)
            return GIVE_UP;
        kids = arena_alloc(p->doc, n * sizeof(*kids));
        if (!kids)
            return -ENOMEM;
        memcpy(kids, c + 1, n * sizeof(*kids));
    }
    c->u.kids = n ? kids : no_kids;
    c->n = (uint32_t)n;
    p->nr = at + 1;
    return 0;
}

/* Character classes: 1 white space, 2 what ends a string's plain run
 * (its quote, a backslash, the nul at the end). */
static const unsigned char cls[256] = {
    [' '] = 1, ['\n'] = 1, ['\t'] = 1, ['\r'] = 1,
    ['"'] = 2, ['\\'] = 2, ['\0'] = 2,
};

static inline bool is_ws(char c)
{
    return cls[(unsigned char)c] == 1;
}

/*
 * Spaces eight at a time: the text has 8 bytes of padding after its nul,
 * so that 8 bytes can be read from any byte up to the nul.  In a word of
 * them XORed with eight spaces, the lowest byte that is not zero is the
 * first that is not a space (little-endian; elsewhere a byte at a time).
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDS 1
#else
#define WORDS 0
#endif
#define SPACES 0x2020202020202020u

static inline uint64_t word_at(const char *s)
{
    uint64_t w;

    memcpy(&w, s, sizeof(w));
    return w;
}

/* Past the white space at s[i]: a line's indentation a word at a time. */
static inline size_t skip_ws(const char *s, size_t i)
{
    uint64_t m;

    while (is_ws(s[i])) {
        if (!WORDS || s[i] != ' ') {
            i++;
            continue;
        }
        while (!(m = word_at(s + i) ^ SPACES))
            i += 8;
        i += (size_t)__builtin_ctzll(m) / 8;
    }
    return i;
}

/* After a number or a literal: what may follow it. */
static inline bool is_end(char c)
{
    return is_ws(c) || c == ',' || c == ']' || c == '}';
}

/* The string whose opening quote is at *i: ended in place, *i past it.
 * Inlined in its two callers, the parser's most frequent path (a call
 * costs about a third of a key's reading). */
static inline __attribute__((always_inline)) int
string_at(struct fp *p, size_t *i, char **out, uint32_t *len)
{
    char *s = p->s, *start = s + *i + 1, *r = start, *w;
    char c;

    while (cls[(unsigned char)*r] != 2)
        r++;
    c = *r;
    w = r;
    while (c != '"') {
        if (!c)
            return GIVE_UP; /* the end of the text, or a nul in it */
        if (c == '\\') {
            switch (r[1]) {
            case '"':
            case '\\':
            case '/':
                c = r[1];
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            default: /* \u, and what json-c refuses */
                return GIVE_UP;
            }
            r += 2;
        } else {
            r++;
        }
        *w++ = c;
        c = *r;
    }
    if ((size_t)(w - start) > UINT32_MAX)
        return GIVE_UP;
    *w = '\0';
    *out = start;
    *len = (uint32_t)(w - start);
    *i = (size_t)(r - s) + 1;
    return 0;
}

/* The number at *i into v. */
static int number_at(struct fp *p, size_t *i, struct np_jv *v)
{
    const char *s = p->s, *start = s + *i, *q = start;
    bool neg = *q == '-', is_int = true;
    int64_t x = 0;
    unsigned int digits = 0;
    char buf[72];

    q += neg;
    if (*q == '0') {
        q++;
        if (*q >= '0' && *q <= '9')
            return GIVE_UP; /* json-c reads "-01" as -1, refuses "01" */
    } else if (*q >= '1' && *q <= '9') {
        while (*q >= '0' && *q <= '9') {
            if (++digits > 18)
                return GIVE_UP; /* json-c clamps; let it */
            x = x * 10 + (*q++ - '0');
        }
    } else {
        return GIVE_UP;
    }
    if (*q == '.') {
        is_int = false;
        q++;
        if (!(*q >= '0' && *q <= '9'))
            return GIVE_UP;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q == 'e' || *q == 'E') {
        is_int = false;
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return GIVE_UP;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (!is_end(*q))
        return GIVE_UP;
    if (is_int) {
        v->type = NP_JINT;
        v->u.i = neg ? -x : x;
    } else {
        if ((size_t)(q - start) >= sizeof(buf))
            return GIVE_UP;
        memcpy(buf, start, (size_t)(q - start));
        buf[q - start] = '\0';
        v->type = NP_JDOUBLE;
        v->u.d = strtod(buf, NULL);
        v->text = start;
        v->tlen = (uint32_t)(q - start);
    }
    *i = (size_t)(q - s);
    return 0;
}

static int literal_at(struct fp *p, size_t *i, struct np_jv *v)
{
    const char *s = p->s + *i;

    /* memcmp: the padding after the nul makes 5 bytes readable */
    if (!memcmp(s, "true", 4) && is_end(s[4])) {
        v->type = NP_JBOOL;
        v->u.b = true;
        *i += 4;
    } else if (!memcmp(s, "false", 5) && is_end(s[5])) {
        v->type = NP_JBOOL;
        v->u.b = false;
        *i += 5;
    } else if (!memcmp(s, "null", 4) && is_end(s[4])) {
        v->type = NP_JNULL;
        *i += 4;
    } else {
        return GIVE_UP;
    }
    return 0;
}

static int parse(struct fp *p)
{
    char *s = p->s, *key = NULL;
    size_t i = 0;
    uint32_t klen = 0;
    struct np_jv *v;
    bool in_obj = false; /* the container on top is an object */
    int rc;

    i = skip_ws(s, i);
    if (s[i] != '{' && s[i] != '[')
        return GIVE_UP; /* json-c reads a bare scalar its own way */
value:
    /* each value is made in place, on top of the stack */
    i = skip_ws(s, i);
    if (p->nr == p->cap) {
        rc = grow(p);
        if (rc)
            return rc;
    }
    v = &p->stack[p->nr];
    *v = (struct np_jv){.key = key, .klen = klen};
    key = NULL;
    klen = 0;
    switch (s[i]) {
    case '{':
    case '[':
        if (p->depth == FAST_DEPTH)
            return GIVE_UP;
        in_obj = s[i] == '{';
        v->type = in_obj ? NP_JOBJECT : NP_JARRAY;
        p->open[p->depth++] = p->nr++;
        i = skip_ws(s, i + 1);
        if (s[i] == (in_obj ? '}' : ']')) {
            i++;
            goto close;
        }
        if (in_obj)
            goto member;
        goto value;
    case '"': {
        char *str;

        rc = string_at(p, &i, &str, &v->n);
        if (rc)
            return rc;
        v->type = NP_JSTRING;
        v->u.s = str;
        break;
    }
    case 't':
    case 'f':
    case 'n':
        rc = literal_at(p, &i, v);
        if (rc)
            return rc;
        break;
    default:
        rc = number_at(p, &i, v);
        if (rc)
            return rc;
    }
    p->nr++;
after:
    i = skip_ws(s, i);
    if (s[i] == ',') {
        i++;
        if (in_obj)
            goto member;
        goto value;
    }
    if (s[i] != (in_obj ? '}' : ']'))
        return GIVE_UP;
    i++;
close:
    rc = close_top(p);
    if (rc)
        return rc;
    if (!p->depth)
        goto done;
    in_obj = p->stack[p->open[p->depth - 1]].type == NP_JOBJECT;
    goto after;
member:
    i = skip_ws(s, i);
    if (s[i] != '"')
        return GIVE_UP;
    rc = string_at(p, &i, &key, &klen);
    if (rc)
        return rc;
    i = skip_ws(s, i);
    if (s[i] != ':')
        return GIVE_UP;
    i++;
    goto value;
done:
    i = skip_ws(s, i);
    if (i != p->len)
        return GIVE_UP;
    p->doc->root = p->stack[0];
    return 0;
}

int np_jdoc_parse(const char *buf, size_t len, struct np_jdoc **out)
{
    struct fp p = {0};
    int rc;

    *out = NULL;
    p.doc = calloc(1, sizeof(*p.doc));
    if (!p.doc)
        return -ENOMEM;
    p.doc->text = malloc(len + 9);
    if (!p.doc->text) {
        free(p.doc);
        return -ENOMEM;
    }
    memcpy(p.doc->text, buf, len);
    memset(p.doc->text + len, 0, 9); /* a nul, and room for skip_ws() */
    p.s = p.doc->text;
    p.len = len;
    rc = parse(&p);
    free(p.stack);
    free(p.slots);
    if (rc) {
        np_jdoc_free(p.doc);
        return rc;
    }
    *out = p.doc;
    return 0;
}

/* ------------------------------------------------------------------ */
/* From json-c's tree                                                  */
/* ------------------------------------------------------------------ */

static char *arena_strndup(struct np_jdoc *doc, const char *s, size_t n)
{
    char *d = arena_alloc(doc, n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int convert(struct np_jdoc *doc, json_object *o, struct np_jv *v)
{
    const char *t;
    size_t i, n;

    v->type = (uint8_t)json_object_get_type(o);
    switch (v->type) {
    case NP_JNULL:
        return 0;
    case NP_JBOOL:
        v->u.b = json_object_get_boolean(o);
        return 0;
    case NP_JDOUBLE:
    case NP_JINT:
        if (v->type == NP_JDOUBLE)
            v->u.d = json_object_get_double(o);
        else
            v->u.i = json_object_get_int64(o);
        t = json_object_to_json_string_ext(
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!t)
            return -ENOMEM;
        v->tlen = (uint32_t)strlen(t);
        v->text = arena_strndup(doc, t, v->tlen);
        return v->text ? 0 : -ENOMEM;
    case NP_JSTRING:
        v->n = (uint32_t)json_object_get_string_len(o);
        v->u.s = arena_strndup(doc, json_object_get_string(o), v->n);
        return v->u.s ? 0 : -ENOMEM;
    case NP_JARRAY: {
        struct np_jv *kids;

        n = json_object_array_length(o);
        kids = n ? arena_alloc(doc, n * sizeof(*kids)) : NULL;
        if (n && !kids)
            return -ENOMEM;
        for (i = 0; i < n; i++) {
            memset(&kids[i], 0, sizeof(kids[i]));
            if (convert(doc, json_object_array_get_idx(o, i), &kids[i]))
                return -ENOMEM;
        }
        v->u.kids = n ? kids : no_kids;
        v->n = (uint32_t)n;
        return 0;
    }
    case NP_JOBJECT: {
        struct json_object_iter it;
        struct np_jv *kids;

        n = (size_t)json_object_object_length(o);
        kids = n ? arena_alloc(doc, n * sizeof(*kids)) : NULL;
        if (n && !kids)
            return -ENOMEM;
        i = 0;
        json_object_object_foreachC(o, it)
        {
            memset(&kids[i], 0, sizeof(kids[i]));
            kids[i].klen = (uint32_t)strlen(it.key);
            kids[i].key = arena_strndup(doc, it.key, kids[i].klen);
            if (!kids[i].key || convert(doc, it.val, &kids[i]))
                return -ENOMEM;
            i++;
        }
        v->u.kids = i ? kids : no_kids;
        v->n = (uint32_t)i;
        return 0;
    }
    }
    return 0;
}

int np_jdoc_from_json_c(const void *root, struct np_jdoc **out)
{
    struct np_jdoc *doc = calloc(1, sizeof(*doc));

    *out = NULL;
    if (!doc)
        return -ENOMEM;
    if (convert(doc, (json_object *)root, &doc->root)) {
        np_jdoc_free(doc);
        return -ENOMEM;
    }
    *out = doc;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Looking                                                             */
/* ------------------------------------------------------------------ */

const struct np_jv *(np_jv_get)(const struct np_jv *obj, const char *key)
{
    return np_jv_get_n(obj, key, strlen(key));
}

const struct np_jv *np_jv_get_n(const struct np_jv *obj, const char *key,
                                size_t n)
{
    uint32_t i;

    if (!obj || obj->type != NP_JOBJECT)
        return NULL;
    for (i = 0; i < obj->n; i++) {
        const struct np_jv *m = &obj->u.kids[i];

        if (m->klen == n && m->key[0] == key[0] && !memcmp(m->key, key, n))
            return m;
    }
    return NULL;
}

double np_jv_double(const struct np_jv *v)
{
    if (!v)
        return 0;
    if (v->type == NP_JDOUBLE)
        return v->u.d;
    if (v->type == NP_JINT)
        return (double)v->u.i;
    return 0;
}

/* Room for what a message shows of a value (they cut at 64). */
#define SHOW_MAX 200

const char *np_jv_show(const struct np_jv *v)
{
    static char ring[4][SHOW_MAX + 8];
    static unsigned int next;
    char *b;
    size_t o = 0;
    uint32_t i;

    if (!v || v->type == NP_JNULL)
        return "null";
    switch (v->type) {
    case NP_JOBJECT:
        return "an object";
    case NP_JARRAY:
        return "an array";
    case NP_JBOOL:
        return v->u.b ? "true" : "false";
    default:
        break;
    }
    b = ring[next++ % 4];
    if (v->type == NP_JINT && !v->text) {
        snprintf(b, SHOW_MAX, "%" PRId64, v->u.i);
        return b;
    }
    if (v->type != NP_JSTRING) {
        snprintf(b, SHOW_MAX, "%.*s",
                 (int)(v->tlen < SHOW_MAX ? v->tlen : SHOW_MAX - 1), v->text);
        return b;
    }
    /* json-c's escaping, without escaping '/' */
    b[o++] = '"';
    for (i = 0; i < v->n && o < SHOW_MAX; i++) {
        unsigned char c = (unsigned char)v->u.s[i];
        char u[7];
        const char *e = np_json_escape(c, false, u);

        if (e) { /* ring's 8 bytes of slack hold the last one */
            memcpy(b + o, e, strlen(e));
            o += strlen(e);
        } else {
            b[o++] = (char)c;
        }
    }
    if (i == v->n)
        b[o++] = '"';
    b[o] = '\0';
    return b;
}

static bool jv_equal(const struct np_jv *a, const struct np_jv *b)
{
    uint32_t i;

    if (a->type != b->type || a->n != b->n || a->klen != b->klen ||
        (a->key && memcmp(a->key, b->key, a->klen)))
        return false;
    switch (a->type) {
    case NP_JBOOL:
        return a->u.b == b->u.b;
    case NP_JINT:
        return a->u.i == b->u.i && !strcmp(np_jv_show(a), np_jv_show(b));
    case NP_JDOUBLE:
        return !strcmp(np_jv_show(a), np_jv_show(b)) &&
               (a->u.d == b->u.d || (a->u.d != a->u.d && b->u.d != b->u.d));
    case NP_JSTRING:
        return !memcmp(a->u.s, b->u.s, a->n) && !a->u.s[a->n] && !b->u.s[b->n];
    case NP_JARRAY:
    case NP_JOBJECT:
        for (i = 0; i < a->n; i++)
            if (!jv_equal(&a->u.kids[i], &b->u.kids[i]))
                return false;
        return true;
    default:
        return true;
    }
}

bool np_jdoc_equal(const struct np_jdoc *a, const struct np_jdoc *b)
{
    return jv_equal(&a->root, &b->root);
}
