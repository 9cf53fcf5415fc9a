/*
 * cpulist.c: parse and print cpu-lists (see cpulist.h for the grammar).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

enum unit { UNIT_CPU, UNIT_NODE };

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
        if (v > INT_MAX)
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
 * Parse "all", "N" or "N-M" (the token without its prefixes) into
 * [*first, *last]; *all set for "all".  tok is the whole token, for
 * messages.
 */
static int parse_span(const char *body, const char *tok, int *first, int *last,
                      bool *all, struct np_err *err)
{
    const char *dash;
    int rc;

    *all = false;
    if (!strcmp(body, "all")) {
        *all = true;
        return 0;
    }
    dash = strchr(body, '-');
    if (!dash) {
        rc = parse_id(body, strlen(body), first);
        *last = *first;
    } else if (dash == body) {
        rc = -EINVAL;
    } else if (!dash[1]) {
        return np_err_set(err, -EINVAL, "invalid range '%s': missing end", tok);
    } else {
        rc = parse_id(body, (size_t)(dash - body), first);
        if (!rc)
            rc = parse_id(dash + 1, strlen(dash + 1), last);
    }
    if (rc == -ERANGE)
        return np_err_set(err, -EINVAL, "number too large in '%s'", tok);
    if (rc)
        return np_err_set(err, -EINVAL,
                          "invalid token '%s': expected N, N-M or all, "
                          "optionally after '^', 'node:' or 'nodes:'",
                          tok);
    if (*first > *last)
        return np_err_set(err, -EINVAL, "invalid range '%s': %d is above %d",
                          tok, *first, *last);
    return 0;
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
                              "%s '%s' does not exist: this host has "
                              "%ss %s",
                              what, tok, what, ids);
        return np_err_set(err, -EINVAL,
                          "%s %d in '%s' does not exist: this host has "
                          "%ss %s",
                          what, id, tok, what, ids);
    }
    return 0;
}

/* Apply one token to out (sized for `unit`). */
static int apply_token(const struct np_topo *topo, enum unit unit,
                       const char *tok, struct np_cpumap *out,
                       struct np_err *err)
{
    const char *body = tok;
    bool negate = false, nodes = false, all;
    struct np_cpumap span;
    int first = 0, last = 0, id, rc;

    np_cpumap_init(&span);
    if (*body == '^') {
        negate = true;
        body++;
    }
    if (!strncmp(body, "node:", 5)) {
        nodes = true;
        body += 5;
    } else if (!strncmp(body, "nodes:", 6)) {
        nodes = true;
        body += 6;
    }
    rc = parse_span(body, tok, &first, &last, &all, err);
    if (rc)
        goto out;
    if (all && negate) {
        rc = np_err_set(err, -EINVAL, "cannot combine '^' and 'all' in '%s'",
                        tok);
        goto out;
    }
    /* The span, in the unit of its prefix. */
    rc = nodes ? np_topo_all_nodes(topo, &span)
               : (unit == UNIT_CPU ? np_topo_all_cpus(topo, &span)
                                   : np_topo_all_nodes(topo, &span));
    if (rc)
        goto out;
    if (!all) {
        rc = check_span(topo, nodes ? UNIT_NODE : unit, tok, first, last, err);
        if (rc)
            goto out;
        np_cpumap_zero(&span);
        np_cpumap_set_range(&span, first, last);
    }
    /* A node span in a cpu list stands for the nodes' online CPUs. */
    if (nodes && unit == UNIT_CPU) {
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
    if (negate)
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

/* Append "a" or "a-b" ranges of map; never "all"/"none". */
static char *format_ranges(const struct np_cpumap *map, unsigned int nr_bits)
{
    size_t size = 16, len = 0;
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
        if (last > first)
            len += (size_t)snprintf(s + len, size - len, "%s%d-%d",
                                    len ? "," : "", first, last);
        else
            len += (size_t)snprintf(s + len, size - len, "%s%d", len ? "," : "",
                                    first);
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
