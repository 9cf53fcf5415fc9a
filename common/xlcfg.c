/*
 * xlcfg.c: change the placement keys of an xl.cfg text (see xlcfg.h).
 *
 * The scanner follows xl's grammar (libxlu_cfg_y.y) only as far as it
 * must to find where each setting's value ends: strings, atoms, and
 * lists that span lines, with comments.  A line it cannot read as a
 * setting is left alone (xl itself would refuse it; numapin does not
 * repair files).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "xlcfg.h"

/* One setting: the bytes [start, end) hold "KEY = VALUE", the value is
 * [value, end). */
struct setting {
    size_t start, key_len, value, end;
};

static unsigned int line_of(const char *text, size_t pos)
{
    unsigned int line = 1;
    size_t i;

    for (i = 0; i < pos && text[i]; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static size_t skip_to_eol(const char *t, size_t p)
{
    while (t[p] && t[p] != '\n')
        p++;
    return p;
}

/* A quoted string at t[p]; returns the position after it, or 0 when it
 * is not closed on its line. */
static size_t skip_string(const char *t, size_t p)
{
    char q = t[p++];

    while (t[p] && t[p] != '\n' && t[p] != q) {
        if (q == '"' && t[p] == '\\' && t[p + 1] && t[p + 1] != '\n')
            p++;
        p++;
    }
    return t[p] == q ? p + 1 : 0;
}

/* The value at t[*pos]: a string, a list or an atom.  *pos moves past
 * it. */
static int skip_value(const char *t, size_t *pos, struct np_err *err)
{
    size_t p = *pos, q;
    int depth = 0;

    if (t[p] == '"' || t[p] == '\'') {
        q = skip_string(t, p);
        if (!q)
            return np_err_set(err, -EINVAL, "line %u: a string is not closed",
                              line_of(t, p));
        *pos = q;
        return 0;
    }
    if (t[p] == '[') {
        do {
            if (t[p] == '[') {
                depth++;
                p++;
            } else if (t[p] == ']') {
                depth--;
                p++;
            } else if (t[p] == '"' || t[p] == '\'') {
                q = skip_string(t, p);
                if (!q)
                    return np_err_set(err, -EINVAL,
                                      "line %u: a string is not closed",
                                      line_of(t, p));
                p = q;
            } else if (t[p] == '#') {
                p = skip_to_eol(t, p);
            } else if (!t[p]) {
                return np_err_set(err, -EINVAL, "line %u: a list is not closed",
                                  line_of(t, *pos));
            } else {
                p++;
            }
        } while (depth > 0);
        *pos = p;
        return 0;
    }
    while (t[p] && !strchr(" \t\r\n;#,]", t[p]))
        p++;
    if (p == *pos)
        return np_err_set(err, -EINVAL, "line %u: a setting has no value",
                          line_of(t, p));
    *pos = p;
    return 0;
}

/* The next setting at or after *pos: 1 (s filled, *pos past it), 0 at
 * the end of the text, or -EINVAL. */
static int next_setting(const char *t, size_t *pos, struct setting *s,
                        struct np_err *err)
{
    size_t p = *pos, k;
    int rc;

    for (;;) {
        while (t[p] && strchr(" \t\r\n;", t[p]))
            p++;
        if (!t[p]) {
            *pos = p;
            return 0;
        }
        if (!is_ident_start(t[p])) {
            p = skip_to_eol(t, p); /* a comment, or what xl refuses */
            continue;
        }
        k = p;
        while (is_ident(t[p]))
            p++;
        s->start = k;
        s->key_len = p - k;
        while (t[p] == ' ' || t[p] == '\t')
            p++;
        if (t[p] == '+' && t[p + 1] == '=') {
            p += 2;
        } else if (t[p] == '=') {
            p++;
        } else {
            p = skip_to_eol(t, p);
            continue;
        }
        while (t[p] == ' ' || t[p] == '\t')
            p++;
        s->value = p;
        rc = skip_value(t, &p, err);
        if (rc)
            return rc;
        s->end = p;
        *pos = p;
        return 1;
    }
}

static bool key_is(const char *t, const struct setting *s, const char *key)
{
    return s->key_len == strlen(key) && !strncmp(t + s->start, key, s->key_len);
}

/* A growing output buffer. */
struct buf {
    char *s;
    size_t len, size;
};

static int buf_add(struct buf *b, const char *s, size_t len)
{
    if (b->len + len + 1 > b->size) {
        size_t size = (b->len + len + 1) * 2;
        char *n = realloc(b->s, size);

        if (!n)
            return -ENOMEM;
        b->s = n;
        b->size = size;
    }
    memcpy(b->s + b->len, s, len);
    b->len += len;
    b->s[b->len] = '\0';
    return 0;
}

static int buf_add_setting(struct buf *b, const char *key, const char *value)
{
    int rc = buf_add(b, key, strlen(key));

    if (!rc)
        rc = buf_add(b, " = ", 3);
    if (!rc)
        rc = buf_add(b, value, strlen(value));
    return rc;
}

int np_xlcfg_set(const char *text, const char *key, const char *value,
                 char **out, struct np_err *err)
{
    struct buf b = {NULL, 0, 0};
    struct setting s;
    size_t pos = 0, copied = 0;
    bool found = false;
    int rc;

    *out = NULL;
    rc = buf_add(&b, "", 0);
    while (!rc && (rc = next_setting(text, &pos, &s, err)) == 1) {
        rc = 0;
        if (!key_is(text, &s, key))
            continue;
        found = true;
        rc = buf_add(&b, text + copied, s.start - copied);
        if (!rc)
            rc = buf_add_setting(&b, key, value);
        copied = s.end;
    }
    if (rc)
        goto out;
    rc = buf_add(&b, text + copied, strlen(text + copied));
    if (!rc && !found) {
        if (b.len && b.s[b.len - 1] != '\n')
            rc = buf_add(&b, "\n", 1);
        if (!rc)
            rc = buf_add_setting(&b, key, value);
        if (!rc)
            rc = buf_add(&b, "\n", 1);
    }
out:
    if (rc) {
        free(b.s);
        if (rc == -ENOMEM)
            np_err_set(err, rc, "out of memory");
        return rc;
    }
    *out = b.s;
    return 0;
}

/* The last setting of key in text (xl keeps the last one): 0, -ENOENT
 * when there is none, or the error of a line that does not parse. */
static int find_last(const char *text, const char *key, struct setting *out,
                     struct np_err *err)
{
    struct setting s;
    size_t pos = 0;
    bool found = false;
    int rc;

    while ((rc = next_setting(text, &pos, &s, err)) == 1) {
        if (key_is(text, &s, key)) {
            *out = s;
            found = true;
        }
    }
    if (rc)
        return rc;
    return found ? 0 : -ENOENT;
}

int np_xlcfg_get_string(const char *text, const char *key, char **value_out,
                        struct np_err *err)
{
    struct setting last = {0};
    size_t i, o;
    char *v;
    int rc;

    *value_out = NULL;
    rc = find_last(text, key, &last, err);
    if (rc)
        return rc;
    if (text[last.value] != '"' && text[last.value] != '\'')
        return np_err_set(err, -EINVAL, "line %u: %s is not a string",
                          line_of(text, last.start), key);
    v = malloc(last.end - last.value);
    if (!v)
        return np_err_set(err, -ENOMEM, "out of memory");
    for (i = last.value + 1, o = 0; i + 1 < last.end; i++) {
        if (text[last.value] == '"' && text[i] == '\\' && i + 2 < last.end)
            i++;
        v[o++] = text[i];
    }
    v[o] = '\0';
    *value_out = v;
    return 0;
}

int np_xlcfg_get_number(const char *text, const char *key,
                        unsigned long *value_out, struct np_err *err)
{
    struct setting last = {0};
    unsigned long n = 0;
    size_t i;
    int rc;

    rc = find_last(text, key, &last, err);
    if (rc)
        return rc;
    for (i = last.value; i < last.end; i++) {
        if (text[i] < '0' || text[i] > '9' || n > 1000000000UL)
            return np_err_set(
                err, -EINVAL,
                "line %u: %s is not a number from 0 to 1000000000",
                line_of(text, last.start), key);
        n = n * 10 + (unsigned long)(text[i] - '0');
    }
    if (n > 1000000000UL)
        return np_err_set(err, -EINVAL,
                          "line %u: %s is not a number from 0 to 1000000000",
                          line_of(text, last.start), key);
    *value_out = n;
    return 0;
}

char *np_xlcfg_format_list(const char *const *items, unsigned int nr)
{
    struct buf b = {NULL, 0, 0};
    unsigned int i;
    int rc = buf_add(&b, "[", 1);

    for (i = 0; !rc && i < nr; i++) {
        if (i)
            rc = buf_add(&b, ", ", 2);
        if (!rc)
            rc = buf_add(&b, "\"", 1);
        if (!rc)
            rc = buf_add(&b, items[i], strlen(items[i]));
        if (!rc)
            rc = buf_add(&b, "\"", 1);
    }
    if (!rc)
        rc = buf_add(&b, "]", 1);
    if (rc) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* The list of every vCPU's hard (or soft) map, as xl.cfg's cpus= takes
 * it.  An empty soft map (no preference) is "all". */
static int vcpu_list(const struct np_topo *topo, const struct np_guest *g,
                     bool soft, char **out, struct np_err *err)
{
    char **items;
    unsigned int v;
    int rc = 0;

    *out = NULL;
    items = calloc(g->nr_vcpus ? g->nr_vcpus : 1, sizeof(*items));
    if (!items)
        return np_err_set(err, -ENOMEM, "out of memory");
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_cpumap *map =
            soft ? &g->vcpus[v].soft : &g->vcpus[v].hard;

        if (np_cpumap_is_empty(map)) {
            if (!soft) {
                rc = np_err_set(err, -EINVAL,
                                "vcpu %u of '%s' has an empty hard affinity", v,
                                g->name);
                goto out;
            }
            items[v] = strdup("all");
        } else {
            items[v] = np_cpulist_format(topo, map);
        }
        if (!items[v]) {
            rc = np_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    }
    *out = np_xlcfg_format_list((const char *const *)items, g->nr_vcpus);
    if (!*out)
        rc = np_err_set(err, -ENOMEM, "out of memory");
out:
    for (v = 0; v < g->nr_vcpus; v++)
        free(items[v]);
    free(items);
    return rc;
}

int np_xlcfg_set_placement(const char *text, const struct np_topo *topo,
                           const struct np_guest *g, char **out,
                           struct np_err *err)
{
    char *name = NULL, *hard = NULL, *soft = NULL, *step = NULL;
    bool with_soft = false;
    unsigned int v;
    int rc;

    *out = NULL;
    if (!g->nr_vcpus)
        return np_err_set(err, -EINVAL, "'%s' has no vcpus", g->name);
    rc = np_xlcfg_get_string(text, "name", &name, err);
    if (rc == -ENOENT) {
        /* every xl.cfg names its guest: a file without name= is not one
         * (a copy of /etc/hosts, say), and is not ours to rewrite */
        rc = np_err_set(err, -EINVAL,
                        "it has no name = \"...\": not an xl.cfg of '%s'",
                        g->name);
        goto out;
    }
    if (rc)
        goto out;
    if (strcmp(name, g->name)) {
        rc = np_err_set(err, -EINVAL,
                        "this is the configuration of '%s', not of '%s'", name,
                        g->name);
        goto out;
    }
    for (v = 0; v < g->nr_vcpus; v++)
        if (g->vcpus[v].soft.nr_bits)
            with_soft = true;
    rc = vcpu_list(topo, g, false, &hard, err);
    if (!rc && with_soft)
        rc = vcpu_list(topo, g, true, &soft, err);
    if (!rc)
        rc = np_xlcfg_set(text, "cpus", hard, &step, err);
    if (!rc && with_soft)
        rc = np_xlcfg_set(step, "cpus_soft", soft, out, err);
    else if (!rc) {
        *out = step;
        step = NULL;
    }
out:
    free(step);
    free(soft);
    free(hard);
    free(name);
    return rc;
}
