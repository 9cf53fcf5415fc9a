/*
 * fmt_xml_read.c: libvirt capabilities XML, the reader; the writer is
 * fmt_xml.c.
 *
 * The document is parsed by np_xml_parse() (fmt_xml_parse.h: no network,
 * no entities, errors caught per context); the reader walks the tree in
 * two passes: the first finds the highest <cell> and <cpu> ids so that
 * the model can be sized, the second fills it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpulist.h"
#include "fileio.h"
#include "fmt_xml.h"
#include "xml_lib.h"
#include "fmt_xml_links.h"
#include "fmt_xml_parse.h"

#define DEFAULT_NAME "capabilities XML"

/* ---- reading the tree ------------------------------------------------ */

struct reader {
    const char *name; /* for messages */
    struct np_err *err;
    struct np_topo topo;           /* built here, handed over on success */
    struct np_cpumap listed_cpus;  /* NP_MAX_CPU_IDS bits, from pass 1 */
    struct np_cpumap listed_cells; /* NP_MAX_NODE_IDS bits, from pass 1 */
    int max_cpu;
    int max_cell;
};

/* Fail with "NAME:LINE: message" (or "NAME: message" without a line). */
static int fail(struct reader *rd, const xmlNode *el, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct reader *rd, const xmlNode *el, const char *fmt, ...)
{
    char msg[NP_ERR_MAX];
    long line = el ? xmlGetLineNo(el) : -1;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        return np_err_set(rd->err, -EINVAL, "%s:%ld: %s", rd->name, line, msg);
    return np_err_set(rd->err, -EINVAL, "%s: %s", rd->name, msg);
}

/* An element of libvirt's (no namespace) or of numapin's namespace. */
static bool is_el(const xmlNode *n, const char *name, bool numapin)
{
    if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST name))
        return false;
    if (numapin)
        return n->ns && xmlStrEqual(n->ns->href, BAD_CAST NP_XML_NS);
    return n->ns == NULL;
}

/* The first child element called name, or NULL. */
static xmlNode *child(const xmlNode *parent, const char *name, bool numapin)
{
    xmlNode *n;

    if (!parent)
        return NULL;
    for (n = parent->children; n; n = n->next)
        if (is_el(n, name, numapin))
            return n;
    return NULL;
}

/* The child elements called name; safe before an else. */
#define for_each_child(n, parent, name, numapin)                               \
    for ((n) = (parent) ? (parent)->children : NULL; (n); (n) = (n)->next)     \
        if (!is_el((n), (name), (numapin))) {                                  \
        } else

/* Strict decimal: optional blanks around, digits only, <= max. */
static bool parse_ull(const char *s, unsigned long long max,
                      unsigned long long *out)
{
    unsigned long long v;
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v > max)
        return false;
    *out = v;
    return true;
}

/* The element's name with its prefix, for messages. */
static void el_name(const xmlNode *el, char *buf, size_t size)
{
    if (el->ns && el->ns->prefix)
        snprintf(buf, size, "%s:%s", (const char *)el->ns->prefix,
                 (const char *)el->name);
    else
        snprintf(buf, size, "%s", (const char *)el->name);
}

/*
 * Read attribute attr (numapin: in numapin's namespace) of el as a number
 * in 0..max.  Returns 0, -ENOENT when absent and not required (*out
 * untouched), or -EINVAL with a message.
 */
static int attr_uint(struct reader *rd, const xmlNode *el, const char *attr,
                     bool numapin, unsigned long long max, bool required,
                     unsigned long long *out)
{
    xmlChar *v = numapin ? xmlGetNsProp(el, BAD_CAST attr, BAD_CAST NP_XML_NS)
                         : xmlGetNoNsProp(el, BAD_CAST attr);
    char ename[128];
    int rc = 0;

    el_name(el, ename, sizeof(ename));
    if (!v) {
        if (required)
            rc = fail(rd, el, "<%s> has no %s attribute", ename, attr);
        else
            rc = -ENOENT;
        goto out;
    }
    if (!parse_ull((const char *)v, max, out))
        rc = fail(rd, el,
                  "<%s> attribute %s='%.40s' is not a number from 0 to %llu",
                  ename, attr, (const char *)v, max);
out:
    xmlFree(v);
    return rc;
}

/* An optional int attribute (socket_id, ...): -1 when absent. */
static int attr_int_opt(struct reader *rd, const xmlNode *el, const char *attr,
                        int *out)
{
    unsigned long long v;
    int rc = attr_uint(rd, el, attr, false, INT_MAX, false, &v);

    if (rc == -ENOENT) {
        *out = -1;
        return 0;
    }
    if (!rc)
        *out = (int)v;
    return rc;
}

/*
 * Bytes per unit, as libvirt's virScaleInteger() reads units: none means
 * KiB; b, byte, bytes; k, m, g, t, p, e alone or followed by "iB" are
 * powers of 1024, followed by "B" powers of 1000 (case-insensitive).
 * 0 for an unknown unit.
 */
static unsigned long long unit_scale(const char *unit)
{
    static const char powers[] = "kmgtpe";
    const char *p;
    unsigned long long base, scale = 1;
    long i;

    if (!unit || !*unit)
        return 1024;
    if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") ||
        !strcasecmp(unit, "bytes"))
        return 1;
    if (!unit[1] || !strcasecmp(unit + 1, "ib"))
        base = 1024;
    else if (!strcasecmp(unit + 1, "b"))
        base = 1000;
    else
        return 0;
    p = strchr(powers, tolower((unsigned char)unit[0]));
    if (!p)
        return 0;
    for (i = 0; i <= p - powers; i++)
        scale *= base;
    return scale;
}

/* Text content of el with its unit attribute, in KiB (rounded up). */
static int read_kib(struct reader *rd, const xmlNode *el, uint64_t *kib_out)
{
    xmlChar *text = xmlNodeGetContent(el);
    xmlChar *unit = xmlGetNoNsProp(el, BAD_CAST "unit");
    unsigned long long v, scale;
    char ename[128];
    int rc = 0;

    el_name(el, ename, sizeof(ename));
    if (!text || !parse_ull((const char *)text, ULLONG_MAX, &v)) {
        rc = fail(rd, el, "<%s> '%.40s' is not a number", ename,
                  text ? (const char *)text : "");
        goto out;
    }
    scale = unit_scale((const char *)unit);
    if (!scale) {
        rc = fail(
            rd, el,
            "<%s> unit '%.40s' is not a unit libvirt knows (b, KiB, MiB, GiB, TiB, KB, MB, ...)",
            ename, (const char *)unit);
        goto out;
    }
    if (v > ULLONG_MAX / scale) {
        rc = fail(rd, el, "<%s> %llu %s does not fit in 64 bits", ename, v,
                  (const char *)unit);
        goto out;
    }
    v *= scale;
    *kib_out = v / 1024 + (v % 1024 != 0);
out:
    xmlFree(text);
    xmlFree(unit);
    return rc;
}

/* Text content of el as a number in 0..max. */
static int read_uint_text(struct reader *rd, const xmlNode *el,
                          unsigned long long max, unsigned long long *out)
{
    xmlChar *text = xmlNodeGetContent(el);
    char ename[128];
    int rc = 0;

    el_name(el, ename, sizeof(ename));
    if (!text || !parse_ull((const char *)text, max, out))
        rc = fail(rd, el, "<%s> '%.40s' is not a number from 0 to %llu", ename,
                  text ? (const char *)text : "", max);
    xmlFree(text);
    return rc;
}

/* Pass 1: note a <cpu>'s id. */
static int scan_cpu(struct reader *rd, const xmlNode *el)
{
    unsigned long long id;
    int rc = attr_uint(rd, el, "id", false, NP_MAX_CPU_IDS - 1, true, &id);

    if (rc)
        return rc;
    np_cpumap_set(&rd->listed_cpus, (int)id);
    if ((int)id > rd->max_cpu)
        rd->max_cpu = (int)id;
    return 0;
}

/* Pass 1: every id, its range, duplicate cells. */
static int scan_ids(struct reader *rd, const xmlNode *cells,
                    const xmlNode *host)
{
    xmlNode *cell, *cpu;
    unsigned long long id;
    int rc;

    for_each_child(cell, cells, "cell", false)
    {
        rc = attr_uint(rd, cell, "id", false, NP_MAX_NODE_IDS - 1, true, &id);
        if (rc)
            return rc;
        if (np_cpumap_test(&rd->listed_cells, (int)id))
            return fail(rd, cell, "cell id '%llu' is listed twice", id);
        np_cpumap_set(&rd->listed_cells, (int)id);
        if ((int)id > rd->max_cell)
            rd->max_cell = (int)id;
        for_each_child(cpu, child(cell, "cpus", false), "cpu", false)
        {
            rc = scan_cpu(rd, cpu);
            if (rc)
                return rc;
        }
    }
    for_each_child(cpu, child(host, "cpus", true), "cpu", true)
    {
        rc = scan_cpu(rd, cpu);
        if (rc)
            return rc;
    }
    if (rd->max_cell < 0)
        return fail(rd, cells, "<cells> lists no <cell>");
    if (rd->max_cpu < 0)
        return fail(rd, cells, "no <cpu> is listed in any <cell>");
    return 0;
}

/*
 * Parse a cpu list ("0-3,8,10-11", blanks around entries) into map, sized
 * nr_bits.  Returns 0, -EINVAL on bad syntax, -ERANGE with *bad_out set
 * when a cpu is not in listed.
 */
static int parse_cpulist(const char *s, const struct np_cpumap *listed,
                         struct np_cpumap *map, unsigned int nr_bits,
                         int *bad_out)
{
    long bad = -1;
    int rc, cpu;

    rc = np_idlist_parse(s, nr_bits, NP_IDLIST_EMPTY | NP_IDLIST_BLANKS, map,
                         &bad);
    if (rc == -ERANGE)
        *bad_out = bad < NP_MAX_CPU_IDS ? (int)bad : NP_MAX_CPU_IDS;
    if (rc)
        return rc;
    np_cpumap_for_each(cpu, map) if (!np_cpumap_test(listed, cpu))
    {
        *bad_out = cpu;
        return -ERANGE;
    }
    return 0;
}

static void where(int node, char *buf, size_t size)
{
    if (node >= 0)
        snprintf(buf, size, "cell %d", node);
    else
        snprintf(buf, size, "<numapin:cpus>");
}

/* Pass 2: fill a CPU listed in cell node (-1: in <numapin:cpus>). */
static int read_cpu(struct reader *rd, const xmlNode *el, int node)
{
    unsigned long long id;
    struct np_cpu *c;
    xmlChar *v = NULL;
    char here[32], there[32];
    int rc, bad = -1;

    rc = attr_uint(rd, el, "id", false, NP_MAX_CPU_IDS - 1, true, &id);
    if (rc)
        return rc;
    c = &rd->topo.cpus[id];
    if (c->present) {
        where(node, here, sizeof(here));
        where(c->node, there, sizeof(there));
        if (c->node == node)
            return fail(rd, el, "cpu id '%llu' is listed twice in %s", id,
                        here);
        return fail(rd, el, "cpu id '%llu' is listed in %s and again in %s", id,
                    there, here);
    }
    np_topo_add_cpu(&rd->topo, (int)id);
    c->node = node;

    v = xmlGetNsProp(el, BAD_CAST "online", BAD_CAST NP_XML_NS);
    if (v && xmlStrEqual(v, BAD_CAST "no")) {
        c->online = false;
    } else if (v && !xmlStrEqual(v, BAD_CAST "yes")) {
        rc = fail(rd, el,
                  "cpu %llu: numapin:online='%.40s' is neither 'yes' nor 'no'",
                  id, (const char *)v);
        goto out;
    }
    xmlFree(v);
    v = NULL;

    rc = attr_int_opt(rd, el, "socket_id", &c->socket);
    if (!rc)
        rc = attr_int_opt(rd, el, "die_id", &c->die);
    if (!rc)
        rc = attr_int_opt(rd, el, "core_id", &c->core);
    if (!rc)
        rc = attr_int_opt(rd, el, "cluster_id", &rd->topo.hw->cpus[id].cluster);
    if (rc)
        goto out;

    v = xmlGetNoNsProp(el, BAD_CAST "siblings");
    if (v) {
        rc = parse_cpulist((const char *)v, &rd->listed_cpus, &c->siblings,
                           rd->topo.nr_cpu_ids, &bad);
        if (rc == -EINVAL)
            rc = fail(
                rd, el,
                "cpu %llu: siblings='%.60s' is not a cpu list such as '0-3,8'",
                id, (const char *)v);
        else if (rc == -ERANGE)
            rc = fail(
                rd, el,
                "cpu %llu: siblings='%.60s' names cpu %d, which is not listed in any cell",
                id, (const char *)v, bad);
    }
out:
    xmlFree(v);
    return rc;
}

/* <pages unit='KiB' size='2048' numapin:free='500'>512</pages>: the count
 * of one page size in a cell (libvirt's); the base pages are not kept.
 * Without numapin:free (a real virsh capabilities) every page counts as
 * free. */
static int read_pages(struct reader *rd, const xmlNode *el, int node)
{
    unsigned long long size, total, nfree;
    xmlChar *unit = xmlGetNoNsProp(el, BAD_CAST "unit");
    unsigned long long scale = unit_scale((const char *)unit);
    int rc;

    xmlFree(unit);
    rc = attr_uint(rd, el, "size", false, ULLONG_MAX / 1024, true, &size);
    if (rc)
        return rc;
    if (!scale || scale * size < 1024 || (scale * size) % 1024)
        return fail(rd, el,
                    "cell %d: <pages> size='%llu' is not a page size in KiB",
                    node, size);
    size = scale * size / 1024;
    rc = read_uint_text(rd, el, UINT64_MAX / 2, &total);
    if (rc)
        return rc;
    rc = attr_uint(rd, el, "free", true, total, false, &nfree);
    if (rc == -ENOENT)
        nfree = total;
    else if (rc)
        return rc;
    if (size <= 4)
        return 0;
    if (np_hw_set_pages(rd->topo.hw, node, size, total, nfree))
        return fail(rd, el, "cell %d: more than %d page sizes", node,
                    NP_HW_MAX_PAGE_SIZES);
    return 0;
}

/* <cache><bank id='0' level='3' type='both' size='32' unit='MiB'
 * cpus='0-7'/>: a last-level cache group. */
static int read_bank(struct reader *rd, const xmlNode *el)
{
    unsigned long long id, level, size, scale;
    struct np_hw_cache *c;
    xmlChar *v;
    int rc, bad = -1, cpu;

    rc = attr_uint(rd, el, "id", false, INT_MAX, true, &id);
    if (!rc)
        rc = attr_uint(rd, el, "level", false, 9, true, &level);
    if (!rc)
        rc = attr_uint(rd, el, "size", false, ULLONG_MAX / (1ull << 40), true,
                       &size);
    if (rc)
        return rc;
    v = xmlGetNoNsProp(el, BAD_CAST "unit");
    scale = unit_scale((const char *)v);
    xmlFree(v);
    if (!scale)
        return fail(rd, el, "cache bank %llu: unit is not a unit libvirt knows",
                    id);
    c = np_hw_add_llc(rd->topo.hw, rd->topo.nr_cpu_ids);
    if (!c)
        return -ENOMEM;
    c->id = (int)id;
    c->level = (unsigned int)level;
    c->size_kib = size * scale / 1024;
    np_cpumap_dispose(&c->cpus);
    v = xmlGetNoNsProp(el, BAD_CAST "cpus");
    if (!v)
        return fail(rd, el, "cache bank %llu has no cpus attribute", id);
    rc = parse_cpulist((const char *)v, &rd->listed_cpus, &c->cpus,
                       rd->topo.nr_cpu_ids, &bad);
    if (rc == -EINVAL)
        rc = fail(
            rd, el,
            "cache bank %llu: cpus='%.60s' is not a cpu list such as '0-3,8'",
            id, (const char *)v);
    else if (rc == -ERANGE)
        rc = fail(
            rd, el,
            "cache bank %llu: cpus='%.60s' names cpu %d, which is not listed in any cell",
            id, (const char *)v, bad);
    xmlFree(v);
    if (rc)
        return rc;
    np_cpumap_for_each(cpu, &c->cpus)
    {
        if (rd->topo.hw->cpus[cpu].llc >= 0)
            return fail(rd, el, "cache bank %llu: cpu %d is in two banks", id,
                        cpu);
        rd->topo.hw->cpus[cpu].llc = (int)rd->topo.hw->nr_llc - 1;
    }
    return 0;
}

/* Whether the XML said anything of the hardware model. */
static bool hw_empty(const struct np_topo *topo)
{
    unsigned int i;

    if (topo->hw->nr_llc || topo->hw->nr_links)
        return false;
    for (i = 0; i < topo->nr_cpu_ids; i++)
        if (topo->hw->cpus[i].cluster >= 0)
            return false;
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->hw->nodes[i].nr_pages)
            return false;
    return true;
}

/* Pass 2: one <cell>. */
static int read_cell(struct reader *rd, const xmlNode *cell)
{
    unsigned long long id, to, value;
    struct np_node *n;
    xmlNode *el;
    int rc;

    rc = attr_uint(rd, cell, "id", false, NP_MAX_NODE_IDS - 1, true, &id);
    if (rc)
        return rc;
    np_topo_add_node(&rd->topo, (int)id);
    n = &rd->topo.nodes[id];

    el = child(cell, "memory", false);
    if (el) {
        rc = read_kib(rd, el, &n->mem_total_kib);
        if (rc)
            return rc;
    }
    el = child(cell, "free", true);
    if (el) {
        rc = read_kib(rd, el, &n->mem_free_kib);
        if (rc)
            return rc;
        n->mem_free_known = true;
    }

    for_each_child(el, cell, "pages", false)
    {
        rc = read_pages(rd, el, (int)id);
        if (rc)
            return rc;
    }

    for_each_child(el, child(cell, "distances", false), "sibling", false)
    {
        rc = attr_uint(rd, el, "id", false, NP_MAX_NODE_IDS - 1, true, &to);
        if (!rc)
            rc = attr_uint(rd, el, "value", false, UINT_MAX, true, &value);
        if (rc)
            return rc;
        if (!np_cpumap_test(&rd->listed_cells, (int)to))
            return fail(
                rd, el,
                "cell %llu gives a distance to cell %llu, which is not listed",
                id, to);
        if (np_topo_distance(&rd->topo, (int)id, (int)to))
            return fail(rd, el,
                        "cell %llu gives its distance to cell %llu twice", id,
                        to);
        np_topo_set_distance(&rd->topo, (int)id, (int)to, (unsigned int)value);
    }

    for_each_child(el, child(cell, "cpus", false), "cpu", false)
    {
        rc = read_cpu(rd, el, (int)id);
        if (rc)
            return rc;
    }
    return 0;
}

/* Pass 2: what the host tells besides the cells. */
static int read_host(struct reader *rd, const xmlNode *host)
{
    const xmlNode *cpu = child(host, "cpu", false);
    xmlNode *el;
    xmlChar *text;
    unsigned long long v;
    int rc = 0;

    el = child(cpu, "arch", false);
    if (el) {
        size_t a, b;

        text = xmlNodeGetContent(el);
        if (!text)
            return -ENOMEM;
        for (a = 0; isspace(text[a]); a++)
            ;
        for (b = strlen((const char *)text); b > a && isspace(text[b - 1]); b--)
            ;
        if (b > a) {
            rd->topo.cpu_model = strndup((const char *)text + a, b - a);
            if (!rd->topo.cpu_model)
                rc = -ENOMEM;
        }
        xmlFree(text);
        if (rc)
            return rc;
    }
    el = child(cpu, "mhz", true);
    if (el) {
        rc = read_uint_text(rd, el, UINT_MAX, &v);
        if (rc)
            return rc;
        rd->topo.cpu_mhz = (unsigned int)v;
    }
    el = child(host, "memory", true);
    if (el)
        rc = read_kib(rd, el, &rd->topo.mem_total_kib);
    return rc;
}

static int read_doc(struct reader *rd, xmlDocPtr doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *host, *cells;
    xmlNode *el;
    struct np_err finish_err;
    char *source = NULL;
    char rname[128];
    int rc;

    if (!root)
        return fail(rd, NULL, "the document has no root element");
    if (!is_el(root, "capabilities", false)) {
        el_name(root, rname, sizeof(rname));
        return fail(rd, root, "the root element is <%s>, not <capabilities>",
                    rname);
    }
    host = child(root, "host", false);
    if (!host)
        return fail(rd, root, "<capabilities> has no <host> element");
    cells = child(child(host, "topology", false), "cells", false);
    if (!cells)
        return fail(
            rd, host,
            "<host> has no <topology><cells> element: these capabilities list no numa cells");

    rc = scan_ids(rd, cells, host);
    if (rc)
        return rc;
    rc = np_topo_alloc(&rd->topo, (unsigned int)rd->max_cpu + 1,
                       (unsigned int)rd->max_cell + 1);
    if (rc)
        return rc;
    rd->topo.hw = np_hw_new(rd->topo.nr_cpu_ids, rd->topo.nr_node_ids);
    if (!rd->topo.hw)
        return -ENOMEM;
    for_each_child(el, cells, "cell", false)
    {
        rc = read_cell(rd, el);
        if (rc)
            return rc;
    }
    for_each_child(el, child(host, "cpus", true), "cpu", true)
    {
        rc = read_cpu(rd, el, -1);
        if (rc)
            return rc;
    }
    rc = read_host(rd, host);
    if (rc)
        return rc;
    for_each_child(el, child(host, "cache", false), "bank", false)
    {
        rc = read_bank(rd, el);
        if (rc)
            return rc;
    }
    rc = np_xml_read_links(
        child(child(host, "topology", false), "interconnects", false), rd->name,
        &rd->topo, rd->err);
    if (rc)
        return rc;
    if (hw_empty(&rd->topo)) {
        np_hw_free(rd->topo.hw);
        rd->topo.hw = NULL;
    }

    if (asprintf(&source, "capabilities XML %s", rd->name) < 0)
        return -ENOMEM;
    rc = np_topo_set_source(&rd->topo, source);
    free(source);
    if (rc)
        return rc;
    np_err_clear(&finish_err);
    rc = np_topo_finish(&rd->topo, &finish_err);
    if (rc == -EINVAL)
        return np_err_set(rd->err, rc, "%s: %s", rd->name, finish_err.msg);
    return rc;
}

int np_xml_read_caps(const char *buf, size_t len, const char *name_for_errors,
                     struct np_topo *topo, struct np_err *err)
{
    struct reader rd;
    xmlDocPtr doc = NULL;
    int rc;

    rc = np_xml_lib_load(err);
    if (rc)
        return rc;
    memset(&rd, 0, sizeof(rd));
    rd.name = name_for_errors ? name_for_errors : DEFAULT_NAME;
    rd.err = err;
    rd.max_cpu = rd.max_cell = -1;
    np_topo_init(&rd.topo);
    np_cpumap_init(&rd.listed_cpus);
    np_cpumap_init(&rd.listed_cells);

    rc = np_cpumap_alloc(&rd.listed_cpus, NP_MAX_CPU_IDS);
    if (rc)
        goto out;
    rc = np_cpumap_alloc(&rd.listed_cells, NP_MAX_NODE_IDS);
    if (rc)
        goto out;
    rc = np_xml_parse(buf, len, rd.name, "capabilities XML", err, &doc);
    if (rc)
        goto out;
    rc = read_doc(&rd, doc);
    if (rc)
        goto out;
    np_topo_dispose(topo);
    *topo = rd.topo;
    np_topo_init(&rd.topo);
out:
    xmlFreeDoc(doc);
    np_topo_dispose(&rd.topo);
    np_cpumap_dispose(&rd.listed_cpus);
    np_cpumap_dispose(&rd.listed_cells);
    return rc;
}

int np_xml_read_caps_file(const char *path, struct np_topo *topo,
                          struct np_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    rc = np_file_read_all(path, NP_FILE_MAX, &buf, &len, err);
    if (!rc)
        rc = np_xml_read_caps(buf, len, path, topo, err);
    free(buf);
    return rc;
}
