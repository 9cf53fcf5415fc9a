/*
 * policy.c: the policy file of `numapin watch` (see policy.h).
 *
 * A line is cut into tokens separated by blanks; "..." quotes blanks and
 * '#' inside a token (no escapes: a token never holds '"'); '#' outside
 * quotes ends the line.  The first token is the setting, the rest its
 * value(s).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpulist.h"
#include "policy.h"

#define MAX_TOKENS 16

void np_policy_file_init(struct np_policy_file *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->policy = NP_POLICY_PREFER;
    pol->overcommit = 1;
    pol->pin = NP_PIN_HARD;
    pol->interval_ms = 1000;
}

static void rule_dispose(struct np_policy_rule *r)
{
    free(r->glob);
    free(r->nodes);
    r->glob = r->nodes = NULL;
}

void np_policy_file_dispose(struct np_policy_file *pol)
{
    unsigned int i;

    for (i = 0; i < pol->nr_rules; i++)
        rule_dispose(&pol->rules[i]);
    free(pol->rules);
    free(pol->reserve);
    free(pol->name);
    np_policy_file_init(pol);
}

/* ------------------------------------------------------------------ */
/* Lines and tokens                                                    */
/* ------------------------------------------------------------------ */

struct line {
    const char *name;
    unsigned int nr;
    struct np_err *err;
    unsigned int nr_tok;
    char *tok[MAX_TOKENS];
    char buf[NP_POLICY_MAX_LINE + 1];
};

#define LERR(l, fmt, ...)                                                      \
    np_err_set((l)->err, -EINVAL, "%s:%u: " fmt, (l)->name, (l)->nr,           \
               ##__VA_ARGS__)

/*
 * Cut s (n bytes, no newline) into l->tok.  Tokens are written into
 * l->buf, NUL-terminated.  0 or -EINVAL.
 */
static int tokenize(struct line *l, const char *s, size_t n)
{
    size_t i = 0, o = 0;

    l->nr_tok = 0;
    if (n && s[n - 1] == '\r')
        n--; /* CRLF */
    if (n > NP_POLICY_MAX_LINE)
        return LERR(l, "the line is longer than %d bytes", NP_POLICY_MAX_LINE);
    for (i = 0; i < n; i++)
        if (s[i] == '\0' || ((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
            s[i] == 0x7f)
            return LERR(l, "a control character (byte 0x%02x) in column %zu",
                        (unsigned char)s[i], i + 1);
    i = 0;
    for (;;) {
        bool quoted = false;

        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n || s[i] == '#')
            break;
        if (l->nr_tok == MAX_TOKENS)
            return LERR(l, "more than %d words on one line", MAX_TOKENS);
        l->tok[l->nr_tok++] = &l->buf[o];
        while (i < n &&
               (quoted || (s[i] != ' ' && s[i] != '\t' && s[i] != '#'))) {
            if (s[i] == '"')
                quoted = !quoted;
            else
                l->buf[o++] = s[i];
            i++;
        }
        if (quoted)
            return LERR(l, "a quote (\") that is not closed");
        l->buf[o++] = '\0';
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

static int parse_yesno(struct line *l, const char *what, const char *v,
                       bool *out)
{
    if (!strcmp(v, "yes")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "no")) {
        *out = false;
        return 0;
    }
    return LERR(l, "%s '%s': use yes or no", what, v);
}

static int parse_pin(struct line *l, const char *v, enum np_pin_mode *out)
{
    if (!strcmp(v, "hard")) {
        *out = NP_PIN_HARD;
        return 0;
    }
    if (!strcmp(v, "soft")) {
        *out = NP_PIN_SOFT;
        return 0;
    }
    return LERR(l, "pin '%s': use hard or soft", v);
}

static int parse_pinned(struct line *l, const char *v, bool *replace_out)
{
    if (!strcmp(v, "leave")) {
        *replace_out = false;
        return 0;
    }
    if (!strcmp(v, "replace")) {
        *replace_out = true;
        return 0;
    }
    return LERR(l, "pinned '%s': use leave or replace", v);
}

static int parse_overcommit(struct line *l, const char *v, unsigned int *out)
{
    unsigned long n = 0;
    const char *p;

    for (p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > 1024)
            break;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    if (!*v || *p || n < 1 || n > 1024)
        return LERR(l,
                    "overcommit '%s': expected the vCPUs allowed per CPU, "
                    "1 to 1024",
                    v);
    *out = (unsigned int)n;
    return 0;
}

/* Seconds with up to 3 decimals, 0.1 to 3600, into milliseconds. */
static int parse_interval(struct line *l, const char *v, unsigned int *ms_out)
{
    unsigned long ms = 0;
    const char *p = v;
    int dec = -1;

    for (; *p; p++) {
        if (*p == '.' && dec < 0) {
            dec = 0;
            continue;
        }
        if (*p < '0' || *p > '9' || dec >= 3 || ms > 3600000)
            break;
        ms = ms * 10 + (unsigned long)(*p - '0');
        if (dec >= 0)
            dec++;
    }
    if (!*p && p > v && strcmp(v, ".") && v[strlen(v) - 1] != '.') {
        for (dec = dec < 0 ? 0 : dec; dec < 3; dec++)
            ms *= 10;
        if (ms >= 100 && ms <= 3600000) {
            *ms_out = (unsigned int)ms;
            return 0;
        }
    }
    return LERR(l, "interval '%s': expected seconds, 0.1 to 3600", v);
}

/* A cpu-list or node-list as text: checked against a host later, here
 * only its characters. */
static int check_list_text(struct line *l, const char *what, const char *v)
{
    const char *p;

    if (!*v)
        return LERR(l, "%s: an empty list", what);
    for (p = v; *p; p++)
        if (!strchr("0123456789,-^:abcdefghijklmnopqrstuvwxyz", *p))
            return LERR(l, "%s '%s': '%c' is not part of a cpu-list", what, v,
                        *p);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */
/* ------------------------------------------------------------------ */

enum {
    K_POLICY,
    K_OVERCOMMIT,
    K_PIN,
    K_RESERVE,
    K_MOVE_MEMORY,
    K_PINNED,
    K_INTERVAL,
    NR_KEYS,
};

static const char *const key_names[NR_KEYS] = {
    "policy",      "overcommit", "pin",      "reserve",
    "move-memory", "pinned",     "interval",
};

static int parse_setting(struct line *l, struct np_policy_file *p,
                         unsigned int *seen)
{
    const char *key = l->tok[0], *v;
    unsigned int k;

    for (k = 0; k < NR_KEYS; k++)
        if (!strcmp(key, key_names[k]))
            break;
    if (k == NR_KEYS)
        return LERR(l,
                    "unknown setting '%s': expected policy, overcommit, "
                    "pin, reserve, move-memory, pinned, interval or guest",
                    key);
    if (seen[k])
        return LERR(l, "'%s' is set twice (first at line %u)", key, seen[k]);
    if (l->nr_tok < 2)
        return LERR(l, "'%s' needs a value", key);
    if (l->nr_tok > 2)
        return LERR(l, "'%s' takes one value, not '%s %s'", key, l->tok[1],
                    l->tok[2]);
    seen[k] = l->nr;
    v = l->tok[1];
    switch (k) {
    case K_POLICY:
        if (np_policy_parse(v, &p->policy))
            return LERR(l, "policy '%s': use prefer, isolate or require", v);
        return 0;
    case K_OVERCOMMIT:
        return parse_overcommit(l, v, &p->overcommit);
    case K_PIN:
        return parse_pin(l, v, &p->pin);
    case K_RESERVE:
        if (check_list_text(l, "reserve", v))
            return -EINVAL;
        p->reserve = strdup(v);
        p->reserve_line = l->nr;
        return p->reserve ? 0 : -ENOMEM;
    case K_MOVE_MEMORY:
        return parse_yesno(l, "move-memory", v, &p->move_memory);
    case K_PINNED:
        return parse_pinned(l, v, &p->replace_pinned);
    default:
        return parse_interval(l, v, &p->interval_ms);
    }
}

static int parse_rule(struct line *l, struct np_policy_file *p)
{
    struct np_policy_rule r, *rules;
    unsigned int i;
    int rc = 0;

    memset(&r, 0, sizeof(r));
    r.line = l->nr;
    r.pin = r.move_memory = r.replace_pinned = NP_POLICY_UNSET;
    if (l->nr_tok < 3)
        return LERR(l, "a guest rule is 'guest PATTERN pin|leave "
                       "[OPTION=VALUE...]'");
    if (!l->tok[1][0])
        return LERR(l, "an empty guest pattern");
    if (!strcmp(l->tok[2], "leave"))
        r.leave = true;
    else if (strcmp(l->tok[2], "pin"))
        return LERR(l, "guest '%s': unknown action '%s': use pin or leave",
                    l->tok[1], l->tok[2]);
    for (i = 3; i < l->nr_tok; i++) {
        char *opt = l->tok[i], *v = strchr(opt, '=');
        bool b = false;

        if (!v) {
            rc =
                LERR(l, "guest '%s': '%s' is not OPTION=VALUE", l->tok[1], opt);
            goto out;
        }
        *v++ = '\0';
        if (r.leave) {
            rc = LERR(l, "guest '%s': '%s=' has no meaning with leave",
                      l->tok[1], opt);
            goto out;
        }
        if (!strcmp(opt, "nodes")) {
            if (r.nodes) {
                rc = LERR(l, "guest '%s': nodes= is given twice", l->tok[1]);
                goto out;
            }
            if (check_list_text(l, "nodes", v)) {
                rc = -EINVAL;
                goto out;
            }
            r.nodes = strdup(v);
            if (!r.nodes) {
                rc = -ENOMEM;
                goto out;
            }
            continue;
        }
        if (!strcmp(opt, "pin") && r.pin == NP_POLICY_UNSET) {
            enum np_pin_mode m = NP_PIN_HARD;

            rc = parse_pin(l, v, &m);
            r.pin = (int)m;
        } else if (!strcmp(opt, "move-memory") &&
                   r.move_memory == NP_POLICY_UNSET) {
            rc = parse_yesno(l, "move-memory", v, &b);
            r.move_memory = b;
        } else if (!strcmp(opt, "pinned") &&
                   r.replace_pinned == NP_POLICY_UNSET) {
            rc = parse_pinned(l, v, &b);
            r.replace_pinned = b;
        } else if (!strcmp(opt, "pin") || !strcmp(opt, "move-memory") ||
                   !strcmp(opt, "pinned")) {
            rc = LERR(l, "guest '%s': %s= is given twice", l->tok[1], opt);
        } else {
            rc = LERR(l,
                      "guest '%s': unknown option '%s': expected nodes, "
                      "pin, move-memory or pinned",
                      l->tok[1], opt);
        }
        if (rc)
            goto out;
    }
    if (p->nr_rules >= NP_POLICY_MAX_RULES) {
        rc = LERR(l, "more than %d guest rules", NP_POLICY_MAX_RULES);
        goto out;
    }
    r.glob = strdup(l->tok[1]);
    rules = realloc(p->rules, (p->nr_rules + 1) * sizeof(*rules));
    if (!r.glob || !rules) {
        if (rules)
            p->rules = rules;
        rc = -ENOMEM;
        goto out;
    }
    p->rules = rules;
    p->rules[p->nr_rules++] = r;
    return 0;
out:
    rule_dispose(&r);
    return rc;
}

int np_policy_file_parse(const char *text, size_t len, const char *name,
                         struct np_policy_file *pol, struct np_err *err)
{
    struct np_policy_file p;
    unsigned int seen[NR_KEYS] = {0};
    struct line *l;
    size_t pos = 0;
    int rc = 0;

    if (!name)
        name = "policy";
    if (len > NP_POLICY_MAX_BYTES)
        return np_err_set(err, -EINVAL,
                          "%s: larger than %d bytes: not a policy file", name,
                          NP_POLICY_MAX_BYTES);
    l = calloc(1, sizeof(*l));
    np_policy_file_init(&p);
    p.name = strdup(name);
    if (!l || !p.name) {
        rc = -ENOMEM;
        goto out;
    }
    l->name = name;
    l->err = err;
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;

        pos += n + (nl ? 1 : 0);
        l->nr++;
        rc = tokenize(l, s, n);
        if (rc)
            goto out;
        if (!l->nr_tok)
            continue;
        if (!strcmp(l->tok[0], "guest"))
            rc = parse_rule(l, &p);
        else
            rc = parse_setting(l, &p, seen);
        if (rc)
            goto out;
    }
    np_policy_file_dispose(pol);
    *pol = p;
    np_policy_file_init(&p);
out:
    np_policy_file_dispose(&p);
    free(l);
    return rc;
}

int np_policy_file_read(const char *path, struct np_policy_file *pol,
                        struct np_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    ssize_t n;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return np_err_set(err, -errno, "cannot open policy file '%s': %s", path,
                          strerror(errno));
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        rc = np_err_set(err, -EINVAL, "policy file '%s' is not a regular file",
                        path);
        goto out;
    }
    if (st.st_size > NP_POLICY_MAX_BYTES) {
        rc = np_err_set(err, -EINVAL,
                        "%s: larger than %d bytes: not a policy file", path,
                        NP_POLICY_MAX_BYTES);
        goto out;
    }
    buf = malloc(NP_POLICY_MAX_BYTES + 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (len <= NP_POLICY_MAX_BYTES &&
           (n = read(fd, buf + len, NP_POLICY_MAX_BYTES + 1 - len)) != 0) {
        if (n < 0) {
            rc = np_err_set(err, -errno, "cannot read policy file '%s': %s",
                            path, strerror(errno));
            goto out;
        }
        len += (size_t)n;
    }
    rc = np_policy_file_parse(buf, len, path, pol, err);
out:
    free(buf);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Against a host                                                      */
/* ------------------------------------------------------------------ */

int np_policy_file_check(const struct np_policy_file *pol,
                         const struct np_topo *topo, struct np_err *err)
{
    const char *name = pol->name ? pol->name : "policy";
    struct np_cpumap m, all;
    struct np_err e = {""};
    unsigned int i;
    int rc = 0, n;

    np_cpumap_init(&m);
    np_cpumap_init(&all);
    if (pol->reserve) {
        rc = np_cpulist_parse(topo, pol->reserve, &m, &e);
        if (rc) {
            rc = np_err_set(err, rc, "%s:%u: reserve: %s", name,
                            pol->reserve_line, e.msg);
            goto out;
        }
        rc = np_topo_all_cpus(topo, &all);
        if (rc)
            goto out;
        np_cpumap_andnot(&all, &m);
        if (np_cpumap_is_empty(&all)) {
            rc = np_err_set(err, -EINVAL,
                            "%s:%u: reserve '%s' leaves no CPU for guests",
                            name, pol->reserve_line, pol->reserve);
            goto out;
        }
    }
    for (i = 0; i < pol->nr_rules; i++) {
        const struct np_policy_rule *r = &pol->rules[i];

        if (!r->nodes)
            continue;
        np_err_clear(&e);
        rc = np_nodelist_parse(topo, r->nodes, &m, &e);
        if (!rc && np_cpumap_is_empty(&m))
            rc = np_err_set(&e, -EINVAL, "'%s' names no node", r->nodes);
        for (n = 0; !rc && n < (int)topo->nr_node_ids; n++)
            if (np_cpumap_test(&m, n) && !np_topo_node_has_memory(topo, n))
                rc = np_err_set(
                    &e, -EINVAL,
                    "node %d has no memory: a guest's memory cannot live there",
                    n);
        if (rc) {
            rc = np_err_set(err, rc, "%s:%u: guest '%s': nodes: %s", name,
                            r->line, r->glob, e.msg);
            goto out;
        }
    }
out:
    np_cpumap_dispose(&m);
    np_cpumap_dispose(&all);
    return rc;
}

void np_policy_file_decide(const struct np_policy_file *pol, const char *name,
                           struct np_policy_decision *d)
{
    unsigned int i;

    memset(d, 0, sizeof(*d));
    d->pin = pol->pin;
    d->move_memory = pol->move_memory;
    d->replace_pinned = pol->replace_pinned;
    for (i = 0; i < pol->nr_rules; i++) {
        const struct np_policy_rule *r = &pol->rules[i];

        if (fnmatch(r->glob, name, 0))
            continue;
        d->rule = r;
        d->leave = r->leave;
        d->nodes = r->nodes;
        d->nodes_line = r->line;
        if (r->pin != NP_POLICY_UNSET)
            d->pin = (enum np_pin_mode)r->pin;
        if (r->move_memory != NP_POLICY_UNSET)
            d->move_memory = r->move_memory;
        if (r->replace_pinned != NP_POLICY_UNSET)
            d->replace_pinned = r->replace_pinned;
        return;
    }
}

/* ------------------------------------------------------------------ */
/* Writing it back                                                     */
/* ------------------------------------------------------------------ */

int np_policy_file_format(const struct np_policy_file *pol, char **text_out)
{
    char *buf = NULL;
    size_t size = 0;
    unsigned int i;
    FILE *f = open_memstream(&buf, &size);

    *text_out = NULL;
    if (!f)
        return -ENOMEM;
    fprintf(f, "policy %s\novercommit %u\npin %s\n",
            np_policy_name(pol->policy), pol->overcommit,
            pol->pin == NP_PIN_SOFT ? "soft" : "hard");
    if (pol->reserve)
        fprintf(f, "reserve \"%s\"\n", pol->reserve);
    fprintf(f, "move-memory %s\npinned %s\ninterval %u.%03u\n",
            pol->move_memory ? "yes" : "no",
            pol->replace_pinned ? "replace" : "leave", pol->interval_ms / 1000,
            pol->interval_ms % 1000);
    for (i = 0; i < pol->nr_rules; i++) {
        const struct np_policy_rule *r = &pol->rules[i];

        fprintf(f, "guest \"%s\" %s", r->glob, r->leave ? "leave" : "pin");
        if (r->nodes)
            fprintf(f, " nodes=\"%s\"", r->nodes);
        if (r->pin != NP_POLICY_UNSET)
            fprintf(f, " pin=%s", r->pin == NP_PIN_SOFT ? "soft" : "hard");
        if (r->move_memory != NP_POLICY_UNSET)
            fprintf(f, " move-memory=%s", r->move_memory ? "yes" : "no");
        if (r->replace_pinned != NP_POLICY_UNSET)
            fprintf(f, " pinned=%s", r->replace_pinned ? "replace" : "leave");
        fputc('\n', f);
    }
    if (fclose(f)) {
        free(buf);
        return -ENOMEM;
    }
    *text_out = buf;
    return 0;
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

bool np_policy_file_equal(const struct np_policy_file *a,
                          const struct np_policy_file *b)
{
    unsigned int i;

    if (a->policy != b->policy || a->overcommit != b->overcommit ||
        a->pin != b->pin || !str_eq(a->reserve, b->reserve) ||
        a->move_memory != b->move_memory ||
        a->replace_pinned != b->replace_pinned ||
        a->interval_ms != b->interval_ms || a->nr_rules != b->nr_rules)
        return false;
    for (i = 0; i < a->nr_rules; i++) {
        const struct np_policy_rule *x = &a->rules[i], *y = &b->rules[i];

        if (strcmp(x->glob, y->glob) || x->leave != y->leave ||
            !str_eq(x->nodes, y->nodes) || x->pin != y->pin ||
            x->move_memory != y->move_memory ||
            x->replace_pinned != y->replace_pinned)
            return false;
    }
    return true;
}
