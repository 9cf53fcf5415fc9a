/*
 * escape.c: see escape.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* The length of the valid, non-control UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n, i;
    unsigned int cp;

    if (s[0] < 0x80)
        return 0;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond Unicode, C1 controls */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
        (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0;
    /* bidirectional overrides and isolates reorder what a terminal shows */
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return 0;
    return n;
}

/* Append the escaped form of one unit at s to out (when not NULL); returns
 * the bytes of s consumed and adds the bytes written to *len. */
static size_t one_ex(const unsigned char *s, char *out, size_t *len,
                     bool backslash)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[4];
    size_t n = 1, w, u;

    if (*s >= 0x20 && *s < 0x7f && (*s != '\\' || !backslash)) {
        tmp[0] = (char)*s;
        w = 1;
    } else if (*s == '\\') {
        memcpy(tmp, "\\\\", 2);
        w = 2;
    } else if (*s == '\n') {
        memcpy(tmp, "\\n", 2);
        w = 2;
    } else if (*s == '\t') {
        memcpy(tmp, "\\t", 2);
        w = 2;
    } else if ((u = utf8_len(s))) {
        if (out)
            memcpy(out + *len, s, u);
        *len += u;
        return u;
    } else {
        tmp[0] = '\\';
        tmp[1] = 'x';
        tmp[2] = hex[*s >> 4];
        tmp[3] = hex[*s & 15];
        w = 4;
    }
    if (out)
        memcpy(out + *len, tmp, w);
    *len += w;
    return n;
}

static size_t one(const unsigned char *s, char *out, size_t *len)
{
    return one_ex(s, out, len, true);
}

char *np_escape_name(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = 0, i = 0;
    char *out;

    while (p[i] >= 0x20 && p[i] < 0x7f)
        i++;
    if (!p[i]) /* printable ASCII: kept as it is */
        return strdup((const char *)p);
    i = 0;
    while (p[i])
        i += one_ex(p + i, NULL, &len, false);
    out = malloc(len + 1);
    if (!out)
        return NULL;
    len = 0;
    for (i = 0; p[i];)
        i += one_ex(p + i, out, &len, false);
    out[len] = '\0';
    return out;
}

char *np_escape(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = 0, i = 0;
    char *out;

    while (p[i])
        i += one(p + i, NULL, &len);
    out = malloc(len + 1);
    if (!out)
        return NULL;
    len = 0;
    for (i = 0; p[i];)
        i += one(p + i, out, &len);
    out[len] = '\0';
    return out;
}

void np_escape_print(FILE *f, const char *s)
{
    char *e = np_escape(s);

    fputs(e ? e : "?", f);
    free(e);
}

const char *np_escape_buf(const char *s, char *buf, size_t size)
{
    char *e = np_escape(s);

    if (!size)
        return buf;
    snprintf(buf, size, "%s", e ? e : "?");
    free(e);
    return buf;
}
