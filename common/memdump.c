/*
 * memdump.c: the memory section of Xen's debug key 'u' (see memdump.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memdump.h"

#define HEADER_MARK "pressed -> dumping numa info"
#define SECTION_MARK "Memory location of each domain:"

void np_memdump_init(struct np_memdump *d)
{
    memset(d, 0, sizeof(*d));
}

void np_memdump_dispose(struct np_memdump *d)
{
    unsigned int i;

    for (i = 0; i < d->nr_doms; i++)
        free(d->doms[i].pages);
    free(d->doms);
    np_memdump_init(d);
}

/* One line of the ring: [*p, eol), without "\r", "(XEN) " and a console
 * timestamp "[...] ". */
struct line {
    const char *s;
    size_t len;
};

static const char *next_line(const char *p, struct line *l)
{
    const char *eol = strchr(p, '\n');
    const char *end = eol ? eol : p + strlen(p);

    while (end > p && (end[-1] == '\r' || end[-1] == ' '))
        end--;
    if (end - p >= 6 && !memcmp(p, "(XEN) ", 6))
        p += 6;
    if (p < end && *p == '[') {
        const char *q = memchr(p, ']', (size_t)(end - p));

        if (q)
            p = q + 1;
    }
    while (p < end && *p == ' ')
        p++;
    l->s = p;
    l->len = (size_t)(end - p);
    return eol ? eol + 1 : NULL;
}

static bool has(const struct line *l, const char *mark)
{
    size_t n = strlen(mark), i;

    for (i = 0; i + n <= l->len; i++)
        if (!memcmp(l->s + i, mark, n))
            return true;
    return false;
}

/* An unsigned decimal at *p (advanced); false when none or too big. */
static bool number(const char **p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    const char *q = *p;

    if (q >= end || !isdigit((unsigned char)*q))
        return false;
    for (; q < end && isdigit((unsigned char)*q); q++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*q - '0');
    }
    *p = q;
    *out = v;
    return true;
}

static bool lit(const char **p, const char *end, const char *s)
{
    size_t n = strlen(s);

    if ((size_t)(end - *p) < n || memcmp(*p, s, n))
        return false;
    *p += n;
    return true;
}

/* "d3 (total: 32768):" or "Domain 3 (total: 32768):". */
static bool domain_line(const struct line *l, uint64_t *id, uint64_t *total)
{
    const char *p = l->s, *end = l->s + l->len;

    if (!lit(&p, end, "Domain ") && !lit(&p, end, "d"))
        return false;
    return number(&p, end, id) && lit(&p, end, " (total: ") &&
           number(&p, end, total) && lit(&p, end, "):") && p == end;
}

/* "Node 1: 4096". */
static bool node_line(const struct line *l, uint64_t *node, uint64_t *pages)
{
    const char *p = l->s, *end = l->s + l->len;

    return lit(&p, end, "Node ") && number(&p, end, node) &&
           lit(&p, end, ": ") && number(&p, end, pages) && p == end;
}

void np_memdump_last_header(const char *text, char *buf, size_t size)
{
    const char *p = text;
    struct line l;

    if (size)
        buf[0] = '\0';
    while (p && *p) {
        p = next_line(p, &l);
        if (has(&l, HEADER_MARK) && size)
            snprintf(buf, size, "%.*s", (int)l.len, l.s);
    }
}

static int add_dom(struct np_memdump *d, uint64_t id, uint64_t total)
{
    struct np_memdump_dom *doms, *x;

    doms = realloc(d->doms, (d->nr_doms + 1) * sizeof(*doms));
    if (!doms)
        return -ENOMEM;
    d->doms = doms;
    x = &doms[d->nr_doms];
    x->pages = calloc(d->nr_node_ids + 1, sizeof(*x->pages));
    if (!x->pages)
        return -ENOMEM;
    x->domid = (int)id;
    x->total_pages = total;
    d->nr_doms++;
    return 0;
}

int np_memdump_parse(const char *text, unsigned int nr_node_ids,
                     const char *prev, struct np_memdump *out,
                     struct np_err *err)
{
    const char *p = text, *start = NULL, *q;
    bool stray = false, section = false;
    unsigned int *seen = NULL, nr_seen = 0, want = 0, i;
    uint64_t a, b;
    struct line l;
    int rc = 0;

    np_memdump_dispose(out);
    out->nr_node_ids = nr_node_ids;
    /* the latest header, and whether dump lines come before any header */
    while (p && *p) {
        q = next_line(p, &l);
        if (has(&l, HEADER_MARK)) {
            start = p;
            snprintf(out->header, sizeof(out->header), "%.*s", (int)l.len, l.s);
        } else if (!start &&
                   (has(&l, SECTION_MARK) || domain_line(&l, &a, &b))) {
            stray = true;
        }
        p = q;
    }
    if (!start) {
        if (stray)
            return np_err_set(
                err, -EOVERFLOW,
                "xen's console ring wrapped over the memory dump of debug key 'u': boot xen with a larger conring_size= (e.g. conring_size=1M)");
        return np_err_set(
            err, -ENOENT,
            "xen's console holds no memory dump of debug key 'u'");
    }
    if (prev && prev[0] && !strcmp(prev, out->header))
        return np_err_set(
            err, -ENOENT,
            "xen's console holds no memory dump newer than the one before debug key 'u' was sent");

    seen = calloc(1, sizeof(*seen));
    if (!seen)
        return -ENOMEM;
    for (p = start; p && *p;) {
        p = next_line(p, &l);
        if (!section) {
            section = has(&l, SECTION_MARK);
            continue;
        }
        if (domain_line(&l, &a, &b)) {
            unsigned int *s;

            if (a > 0x7fff) {
                rc = np_err_set(err, -EPROTO,
                                "xen's memory dump names domain %llu",
                                (unsigned long long)a);
                goto out;
            }
            rc = add_dom(out, a, b);
            s = rc ? NULL : realloc(seen, (nr_seen + 1) * sizeof(*seen));
            if (!s) {
                rc = -ENOMEM;
                goto out;
            }
            seen = s;
            seen[nr_seen++] = 0;
            continue;
        }
        if (!nr_seen || !node_line(&l, &a, &b))
            continue;
        if (a >= nr_node_ids) {
            rc = np_err_set(
                err, -EPROTO,
                "xen's memory dump names node %llu: the host has %u node ids",
                (unsigned long long)a, nr_node_ids);
            goto out;
        }
        out->doms[nr_seen - 1].pages[a] = b;
        seen[nr_seen - 1]++;
    }
    if (!section) {
        rc = np_err_set(err, -EPROTO,
                        "xen's debug key 'u' dump has no \"%s\" section",
                        SECTION_MARK);
        goto out;
    }
    for (i = 0; i < nr_seen; i++)
        if (seen[i] > want)
            want = seen[i];
    for (i = 0; i < nr_seen; i++) {
        if (!seen[i] || seen[i] != want) {
            rc = np_err_set(
                err, -EPROTO,
                "xen's memory dump is incomplete for domain %d (%u of %u node lines)",
                out->doms[i].domid, seen[i], want);
            goto out;
        }
    }
out:
    free(seen);
    if (rc)
        np_memdump_dispose(out);
    return rc;
}

const struct np_memdump_dom *np_memdump_find(const struct np_memdump *d,
                                             int domid)
{
    unsigned int i;

    for (i = 0; i < d->nr_doms; i++)
        if (d->doms[i].domid == domid)
            return &d->doms[i];
    return NULL;
}
