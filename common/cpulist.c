/*
 * cpulist.c: parse and print cpu-lists (see cpulist.h for the grammar).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

enum unit { UNIT_CPU, UNIT_NODE };

/* Ids are below NP_ID_LIMIT: no host numbers CPUs in the billions, and a
 * 9-digit id fits an int. */
#define NP_ID_LIMIT 1000000000L

/* Parse a decimal id: digits only.  0, or -EINVAL / -ERANGE. */
static int parse_id(const char *s, size_t len, int *id_out)
{
    long v = 0;
    size_t i;

    if (!len)
        return -EINVAL;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (s[i] - '0');
        if (v >= NP_ID_LIMIT)
            return -ERANGE;
    }
    *id_out = (int)v;
    return 0;
}

/* "0-7" or "0,2,4-7": the ids a host has, for error messages. */
static void describe_ids(const struct np_topo *topo, enum unit unit, char *buf,
                         size_t size)
{
    struct np_cpumap all;
    char *s = NULL;

    np_cpumap_init(&all);
    if (!(unit == UNIT_CPU ? np_topo_all_cpus(topo, &all)
                           : np_topo_all_nodes(topo, &all)))
        s = np_cpulist_format_ranges(&all);
    snprintf(buf, size, "%s", s ? s : "?");
    free(s);
    np_cpumap_dispose(&all);
}

static bool id_exists(const struct np_topo *topo, enum unit unit, int id)
{
    return unit == UNIT_CPU ? np_topo_cpu_exists(topo, id)
                            : np_topo_node_exists(topo, id);
}

/*
 * The one token scanner: "[^][node:|nodes:](all|N|N-M)", the parts that
 * flags allow (NP_IDLIST_NEGATE, NP_IDLIST_WORDS, and TOK_NODES, the
 * prefixes of the user's grammar).  tok is one entry, without its comma.
 */
#define TOK_NODES (1u << 16)

struct span {
    bool negate, nodes, all;
    int first, last;
};

enum tok_rc {
    TOK_OK,
    TOK_SYNTAX,     /* not N, N-M or all */
    TOK_NO_END,     /* "N-" */
    TOK_TOO_LARGE,  /* a number of ten digits or more */
    TOK_DESCENDING, /* "3-1" */
    TOK_NEGATED_ALL /* "^all" */
};

static enum tok_rc scan_token(const char *tok, unsigned int flags,
                              struct span *sp)
{
    const char *body = tok, *dash;
    int rc;

    memset(sp, 0, sizeof(*sp));
    if (*body == '^' && (flags & NP_IDLIST_NEGATE)) {
        sp->negate = true;
        body++;
    }
    if ((flags & TOK_NODES) && !strncmp(body, "node:", 5)) {
        sp->nodes = true;
        body += 5;
    } else if ((flags & TOK_NODES) && !strncmp(body, "nodes:", 6)) {
        sp->nodes = true;
        body += 6;
    }
    if ((flags & NP_IDLIST_WORDS) && !strcmp(body, "all")) {
        sp->all = true;
        return sp->negate ? TOK_NEGATED_ALL : TOK_OK;
    }
    dash = strchr(body, '-');
    if (!dash) {
        rc = parse_id(body, strlen(body), &sp->first);
        sp->last = sp->first;
    } else if (dash == body) {
        rc = -EINVAL;
    } else if (!dash[1]) {
        return TOK_NO_END;
    } else {
        rc = parse_id(body, (size_t)(dash - body), &sp->first);
        if (!rc)
            rc = parse_id(dash + 1, strlen(dash + 1), &sp->last);
    }
    if (rc == -ERANGE)
        return TOK_TOO_LARGE;
    if (rc)
        return TOK_SYNTAX;
    if (sp->first > sp->last)
        return TOK_DESCENDING;
    return TOK_OK;
}

/* The user's grammar: a token's error as a sentence that quotes it. */
static int token_error(enum tok_rc trc, const char *tok, const struct span *sp,
                       struct np_err *err)
{
    switch (trc) {
    case TOK_OK:
        return 0;
    case TOK_NO_END:
        return np_err_set(err, -EINVAL, "invalid range '%s': missing end", tok);
    case TOK_TOO_LARGE:
        return np_err_set(err, -EINVAL, "number too large in '%s'", tok);
    case TOK_DESCENDING:
        return np_err_set(err, -EINVAL, "invalid range '%s': %d is above %d",
                          tok, sp->first, sp->last);
    case TOK_NEGATED_ALL:
        return np_err_set(err, -EINVAL, "cannot combine '^' and 'all' in '%s'",
                          tok);
    case TOK_SYNTAX:
        break;
    }
    return np_err_set(
        err, -EINVAL,
        "invalid token '%s': expected N, N-M or all, optionally after '^', 'node:' or 'nodes:'",
        tok);
}

/* Check that every id of [first, last] exists on the host. */
static int check_span(const struct np_topo *topo, enum unit unit,
                      const char *tok, int first, int last, struct np_err *err)
{
    const char *what = unit == UNIT_CPU ? "cpu" : "node";
    char ids[256];
    int id;

    for (id = first; id <= last; id++) {
        if (id_exists(topo, unit, id))
            continue;
        describe_ids(topo, unit, ids, sizeof(ids));
        if (first == last && (tok[0] >= '0' && tok[0] <= '9'))
            return np_err_set(err, -EINVAL,
                              "%s '%s' does not exist: this host has %ss %s",
                              what, tok, what, ids);
        return np_err_set(err, -EINVAL,
                          "%s %d in '%s' does not exist: this host has %ss %s",
                          what, id, tok, what, ids);
    }
    return 0;
}

/* Apply one token to out (sized for `unit`). */
static int apply_token(const struct np_topo *topo, enum unit unit,
                       const char *tok, struct np_cpumap *out,
                       struct np_err *err)
{
    struct np_cpumap span;
    struct span sp;
    int id, rc;

    np_cpumap_init(&span);
    rc = token_error(
        scan_token(tok, NP_IDLIST_NEGATE | NP_IDLIST_WORDS | TOK_NODES, &sp),
        tok, &sp, err);
    if (rc)
        goto out;
    /* The span, in the unit of its prefix. */
    rc = sp.nodes ? np_topo_all_nodes(topo, &span)
                  : (unit == UNIT_CPU ? np_topo_all_cpus(topo, &span)
                                      : np_topo_all_nodes(topo, &span));
    if (rc)
        goto out;
    if (!sp.all) {
        rc = check_span(topo, sp.nodes ? UNIT_NODE : unit, tok, sp.first,
                        sp.last, err);
        if (rc)
            goto out;
        np_cpumap_zero(&span);
        np_cpumap_set_range(&span, sp.first, sp.last);
    }
    /* A node span in a cpu list stands for the nodes' online CPUs. */
    if (sp.nodes && unit == UNIT_CPU) {
        struct np_cpumap cpus;

        np_cpumap_init(&cpus);
        rc = np_cpumap_alloc(&cpus, topo->nr_cpu_ids);
        if (rc)
            goto out;
        np_cpumap_for_each(id, &span)
            np_cpumap_or(&cpus, np_topo_node_cpus(topo, id));
        np_cpumap_dispose(&span);
        span = cpus;
    }
    if (sp.negate)
        np_cpumap_andnot(out, &span);
    else
        np_cpumap_or(out, &span);
    rc = 0;
out:
    np_cpumap_dispose(&span);
    return rc;
}

static int parse_list(const struct np_topo *topo, enum unit unit, const char *s,
                      struct np_cpumap *out, struct np_err *err)
{
    const char *what = unit == UNIT_CPU ? "cpu" : "node";
    char *buf = NULL, *tok, *comma;
    int rc;

    rc = np_cpumap_alloc(out, unit == UNIT_CPU ? topo->nr_cpu_ids
                                               : topo->nr_node_ids);
    if (rc)
        return rc;
    if (!s || !*s) {
        rc = np_err_set(err, -EINVAL, "empty %s list", what);
        goto out;
    }
    buf = strdup(s);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    for (tok = buf;; tok = comma + 1) {
        comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (!*tok) {
            rc = np_err_set(err, -EINVAL, "empty entry in %s list '%s'", what,
                            s);
            goto out;
        }
        rc = apply_token(topo, unit, tok, out, err);
        if (rc)
            goto out;
        if (!comma)
            break;
    }
out:
    free(buf);
    if (rc)
        np_cpumap_zero(out);
    return rc;
}

int np_cpulist_parse(const struct np_topo *topo, const char *s,
                     struct np_cpumap *cpus_out, struct np_err *err)
{
    return parse_list(topo, UNIT_CPU, s, cpus_out, err);
}

int np_nodelist_parse(const struct np_topo *topo, const char *s,
                      struct np_cpumap *nodes_out, struct np_err *err)
{
    return parse_list(topo, UNIT_NODE, s, nodes_out, err);
}

/* Blanks off both ends, in place. */
static char *trim(char *s)
{
    size_t len;

    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    return s;
}

/* One entry of an id list into map (limit bits). */
static int idlist_entry(char *tok, unsigned int limit, unsigned int flags,
                        struct np_cpumap *map, long *bad_out)
{
    struct span sp;
    enum tok_rc trc;
    long first, last, id;

    if (flags & NP_IDLIST_BLANKS)
        tok = trim(tok);
    trc = scan_token(tok, flags & (NP_IDLIST_NEGATE | NP_IDLIST_WORDS), &sp);
    if (trc != TOK_OK)
        return -EINVAL;
    first = sp.all ? 0 : sp.first;
    last = sp.all ? (long)limit - 1 : sp.last;
    if (last >= (long)limit) {
        if (!(flags & NP_IDLIST_CLIP)) {
            if (bad_out)
                *bad_out = first >= (long)limit ? first : (long)limit;
            return -ERANGE;
        }
        last = (long)limit - 1;
    }
    for (id = first; id <= last; id++) {
        if (sp.negate)
            np_cpumap_clear(map, (int)id);
        else
            np_cpumap_set(map, (int)id);
    }
    return 0;
}

int np_idlist_parse(const char *s, unsigned int limit, unsigned int flags,
                    struct np_cpumap *map_out, long *bad_out)
{
    char *buf = NULL, *list, *tok, *comma;
    int rc;

    rc = np_cpumap_alloc(map_out, limit);
    if (rc)
        return rc;
    rc = -EINVAL;
    if (!s)
        goto out;
    buf = strdup(s);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    list = flags & NP_IDLIST_BLANKS ? trim(buf) : buf;
    if (!*list || ((flags & NP_IDLIST_WORDS) && !strcmp(list, "none"))) {
        rc = *list || (flags & NP_IDLIST_EMPTY) ? 0 : -EINVAL;
        goto out;
    }
    for (tok = list;; tok = comma + 1) {
        comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        rc = idlist_entry(tok, limit, flags, map_out, bad_out);
        if (rc || !comma)
            break;
    }
out:
    free(buf);
    if (rc)
        np_cpumap_zero(map_out);
    return rc;
}

/* v in decimal at s; returns its length */
static size_t put_id(char *s, int v)
{
    char tmp[12];
    unsigned int u = (unsigned int)v;
    size_t n = 0, i;

    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10));
    for (i = 0; i < n; i++)
        s[i] = tmp[n - 1 - i];
    return n;
}

/* Append "a" or "a-b" ranges of map; never "all"/"none".  Formatted by
 * hand: a plan prints one list per vCPU. */
static char *format_ranges(const struct np_cpumap *map, unsigned int nr_bits)
{
    size_t size = 64, len = 0;
    char *s = malloc(size), *t;
    int bit = -1, first, last;

    if (!s)
        return NULL;
    s[0] = '\0';
    while ((bit = np_cpumap_next(map, bit)) >= 0 &&
           (unsigned int)bit < nr_bits) {
        first = last = bit;
        while (np_cpumap_test(map, last + 1) &&
               (unsigned int)(last + 1) < nr_bits)
            last++;
        bit = last;
        if (size - len < 32) {
            size *= 2;
            t = realloc(s, size);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
        if (len)
            s[len++] = ',';
        len += put_id(s + len, first);
        if (last > first) {
            s[len++] = '-';
            len += put_id(s + len, last);
        }
        s[len] = '\0';
    }
    return s;
}

char *np_cpulist_format_ranges(const struct np_cpumap *map)
{
    return format_ranges(map, map->nr_bits);
}

char *np_cpulist_format_bits(const struct np_cpumap *map, unsigned int nr_bits)
{
    unsigned int i;
    bool full = nr_bits > 0;

    for (i = 0; i < nr_bits && full; i++)
        full = np_cpumap_test(map, (int)i);
    if (full)
        return strdup("all");
    if (np_cpumap_next(map, -1) < 0 ||
        (unsigned int)np_cpumap_next(map, -1) >= nr_bits)
        return strdup("none");
    return format_ranges(map, nr_bits);
}

char *np_cpulist_format(const struct np_topo *topo, const struct np_cpumap *map)
{
    struct np_cpumap all;
    char *s;

    np_cpumap_init(&all);
    if (np_topo_all_cpus(topo, &all))
        return NULL;
    if (!np_cpumap_is_empty(&all) && np_cpumap_equal(&all, map))
        s = strdup("all");
    else if (np_cpumap_is_empty(map))
        s = strdup("none");
    else
        s = format_ranges(map, map->nr_bits);
    np_cpumap_dispose(&all);
    return s;
}

char *np_cpumap_format_yn(const struct np_cpumap *map, unsigned int nr_bits)
{
    char *s = malloc(nr_bits + 1);
    unsigned int i;

    if (!s)
        return NULL;
    for (i = 0; i < nr_bits; i++)
        s[i] = np_cpumap_test(map, (int)i) ? 'y' : '-';
    s[nr_bits] = '\0';
    return s;
}

char *np_cpumap_format_hex(const struct np_cpumap *map, unsigned int nr_bits)
{
    unsigned int nr_bytes = (nr_bits + 7) / 8, i;
    char *s;

    if (!nr_bytes)
        nr_bytes = 1;
    s = malloc(2 + 2 * nr_bytes + 1);
    if (!s)
        return NULL;
    strcpy(s, "0x");
    for (i = nr_bytes; i-- > 0;) {
        unsigned int byte = 0, b;

        for (b = 0; b < 8; b++)
            if (np_cpumap_test(map, (int)(i * 8 + b)))
                byte |= 1U << b;
        snprintf(s + 2 + 2 * (nr_bytes - 1 - i), 3, "%02x", byte);
    }
    return s;
}
