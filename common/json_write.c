/*
 * json_write.c: JSON text in json-c's pretty layout (json_write.h).
 */
#include "json_write.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct np_jw *w, size_t more)
{
    size_t cap;
    char *grown;

    if (w->oom)
        return false;
    if (w->len + more + 1 <= w->cap)
        return true;
    cap = w->cap ? w->cap : 4096;
    while (cap < w->len + more + 1)
        cap *= 2;
    grown = realloc(w->buf, cap);
    if (!grown) {
        w->oom = true;
        return false;
    }
    w->buf = grown;
    w->cap = cap;
    return true;
}

static void put(struct np_jw *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void indent(struct np_jw *w, unsigned int level)
{
    if (!reserve(w, 2 * (size_t)level))
        return;
    memset(w->buf + w->len, ' ', 2 * (size_t)level);
    w->len += 2 * (size_t)level;
    w->buf[w->len] = '\0';
}

void np_jw_init(struct np_jw *w, bool escape_slash)
{
    memset(w, 0, sizeof(*w));
    w->escape_slash = escape_slash;
}

void np_jw_open(struct np_jw *w, char c)
{
    char s[2] = {c, '\n'};

    put(w, s, 2);
    if (w->depth >= NP_JW_MAX_DEPTH) {
        w->oom = true; /* deeper than any of numapin's documents */
        return;
    }
    w->has[w->depth] = false;
    w->close[w->depth++] = c == '{' ? '}' : ']';
}

void np_jw_close(struct np_jw *w)
{
    if (!w->depth) {
        w->oom = true;
        return;
    }
    w->depth--;
    if (w->has[w->depth])
        put(w, "\n", 1);
    indent(w, w->depth);
    put(w, &w->close[w->depth], 1);
}

/* The separator and indent of the next member or item. */
static void next(struct np_jw *w)
{
    if (!w->depth) {
        w->oom = true;
        return;
    }
    if (w->has[w->depth - 1])
        put(w, ",\n", 2);
    w->has[w->depth - 1] = true;
    indent(w, w->depth);
}

const char *np_json_escape(unsigned char c, bool escape_slash, char e[7])
{
    static const char hex[] = "0123456789abcdef";

    switch (c) {
    case '\b':
        return "\\b";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\f':
        return "\\f";
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '/':
        return escape_slash ? "\\/" : NULL;
    default:
        break;
    }
    if (c >= ' ')
        return NULL;
    memcpy(e, "\\u00", 4);
    e[4] = hex[c >> 4];
    e[5] = hex[c & 15];
    e[6] = '\0';
    return e;
}

/* s as a JSON string, escaped as json-c escapes it. */
static void quoted(struct np_jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    const char *e;
    char u[7];

    put(w, "\"", 1);
    for (; *p; p++) {
        if (*p >= ' ' && *p != '"' && *p != '\\' && *p != '/')
            continue; /* as it is: most of every string */
        e = np_json_escape(*p, w->escape_slash, u);
        if (!e)
            continue;
        put(w, (const char *)run, (size_t)(p - run));
        put(w, e, strlen(e));
        run = p + 1;
    }
    put(w, (const char *)run, (size_t)(p - run));
    put(w, "\"", 1);
}

void np_jw_key(struct np_jw *w, const char *key)
{
    next(w);
    quoted(w, key);
    put(w, ": ", 2);
}

void np_jw_item(struct np_jw *w)
{
    next(w);
}

void np_jw_str(struct np_jw *w, const char *s)
{
    quoted(w, s);
}

void np_jw_int(struct np_jw *w, int64_t v)
{
    char b[24], *p = b + sizeof(b);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(b + sizeof(b) - p));
}

void np_jw_bool(struct np_jw *w, bool v)
{
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void np_jw_raw(struct np_jw *w, const char *text)
{
    put(w, text, strlen(text));
}

char *np_jw_finish(struct np_jw *w)
{
    char *s;

    put(w, "\n", 1);
    if (w->oom || w->depth) {
        free(w->buf);
        w->buf = NULL;
        return NULL;
    }
    s = w->buf;
    w->buf = NULL;
    return s;
}
