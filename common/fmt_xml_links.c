/*
 * fmt_xml_links.c: libvirt's <interconnects>, read and written.  libvirt
 * (docs/formatcaps.rst, "interconnects", from libvirt 7.8) prints it in
 * <host><topology> after <cells>, one element per HMAT value the kernel
 * reports under /sys/devices/system/node/nodeN/accessM/initiators:
 *
 *   <interconnects>
 *     <latency initiator='0' target='0' type='access' value='5'/>
 *     <latency initiator='0' target='0' cache='1' type='access' value='10'/>
 *     <bandwidth initiator='0' target='0' type='access' value='204800'
 *                unit='KiB'/>
 *   </interconnects>
 *
 * latency is in nanoseconds, bandwidth in unit per second (KiB when no
 * unit).  numapin does not use the values (yet); it keeps them so that
 * `capabilities --xml FILE` writes back what it read.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_xml_hw.h"
#include "fmt_xml_links.h"
#include "xml_lib.h"

#define MAX_LINKS 65536

static int link_fail(struct np_err *err, const char *name, const xmlNode *el,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int link_fail(struct np_err *err, const char *name, const xmlNode *el,
                     const char *fmt, ...)
{
    char msg[NP_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return np_err_set(err, -EINVAL, "%s:%ld: %s", name, xmlGetLineNo(el), msg);
}

/* Attribute attr of el as a strict decimal <= max; -ENOENT when absent. */
static int get_uint(const xmlNode *el, const char *attr, unsigned long long max,
                    unsigned long long *out)
{
    xmlChar *v = xmlGetNoNsProp(el, BAD_CAST attr);
    const char *s = (const char *)v;
    char *end;
    int rc = 0;

    if (!v)
        return -ENOENT;
    errno = 0;
    if (*s < '0' || *s > '9')
        rc = -EINVAL;
    else
        *out = strtoull(s, &end, 10);
    if (!rc && (errno || *end || *out > max))
        rc = -EINVAL;
    xmlFree(v);
    return rc;
}

/* KiB per unit of a bandwidth (libvirt's scaled units); 0 unknown. */
static uint64_t unit_kib(const char *u)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    unsigned int i;

    if (!u || !strcmp(u, "K") || !strcmp(u, "k"))
        return 1;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcmp(u, units[i]) || (u[0] == units[i][0] && !u[1]))
            return 1ull << (10 * i);
    return 0;
}

static int read_link(const xmlNode *el, const char *name, struct np_topo *topo,
                     struct np_err *err)
{
    struct np_hw *hw = topo->hw;
    struct np_hw_link *l, *grown;
    unsigned long long ini, tgt, cache = 0, value;
    const char *what = (const char *)el->name;
    xmlChar *type, *unit;
    uint64_t scale = 1;
    int rc;

    if (get_uint(el, "initiator", INT_MAX, &ini) ||
        get_uint(el, "target", INT_MAX, &tgt))
        return link_fail(err, name, el,
                         "<%s> needs initiator and target cell ids", what);
    if (!np_topo_node_exists(topo, (int)ini) ||
        !np_topo_node_exists(topo, (int)tgt))
        return link_fail(
            err, name, el,
            "<%s initiator='%llu' target='%llu'> names a cell that is not in <cells>",
            what, ini, tgt);
    rc = get_uint(el, "cache", 9, &cache);
    if (rc == -EINVAL)
        return link_fail(err, name, el, "<%s> cache is not a level 1-9", what);
    if (get_uint(el, "value", UINT64_MAX >> 20, &value))
        return link_fail(err, name, el,
                         "<%s> has no value or it is not a whole number", what);
    type = xmlGetNoNsProp(el, BAD_CAST "type");
    if (!type || (strcmp((const char *)type, "access") &&
                  strcmp((const char *)type, "read") &&
                  strcmp((const char *)type, "write"))) {
        xmlFree(type);
        return link_fail(err, name, el,
                         "<%s> type is not access, read or write", what);
    }
    unit = xmlGetNoNsProp(el, BAD_CAST "unit");
    if (!strcmp(what, "bandwidth"))
        scale = unit_kib((const char *)unit);
    xmlFree(unit);
    if (!scale) {
        xmlFree(type);
        return link_fail(err, name, el,
                         "<bandwidth> unit is not KiB, MiB, GiB or TiB");
    }
    if (hw->nr_links >= MAX_LINKS) {
        xmlFree(type);
        return link_fail(err, name, el,
                         "more than 65536 <interconnects> entries");
    }
    grown = realloc(hw->links, (hw->nr_links + 1) * sizeof(*hw->links));
    if (!grown) {
        xmlFree(type);
        return -ENOMEM;
    }
    hw->links = grown;
    l = &hw->links[hw->nr_links++];
    memset(l, 0, sizeof(*l));
    l->bandwidth = !strcmp(what, "bandwidth");
    l->initiator = (int)ini;
    l->target = (int)tgt;
    l->cache = (unsigned int)cache;
    snprintf(l->type, sizeof(l->type), "%s", (const char *)type);
    l->value = value * scale;
    xmlFree(type);
    return 0;
}

int np_xml_read_links(const xmlNode *interconnects, const char *name,
                      struct np_topo *topo, struct np_err *err)
{
    const xmlNode *el;
    int rc;

    if (!interconnects)
        return 0;
    for (el = interconnects->children; el; el = el->next) {
        if (el->type != XML_ELEMENT_NODE || el->ns)
            continue;
        if (!xmlStrEqual(el->name, BAD_CAST "latency") &&
            !xmlStrEqual(el->name, BAD_CAST "bandwidth"))
            continue;
        rc = read_link(el, name, topo, err);
        if (rc)
            return rc;
    }
    return 0;
}

void np_xml_put_links(FILE *f, const struct np_topo *topo)
{
    unsigned int i;

    if (!topo->hw || !topo->hw->nr_links)
        return;
    fputs("      <interconnects>\n", f);
    for (i = 0; i < topo->hw->nr_links; i++) {
        const struct np_hw_link *l = &topo->hw->links[i];

        fprintf(f, "        <%s initiator='%d' target='%d'",
                l->bandwidth ? "bandwidth" : "latency", l->initiator,
                l->target);
        if (l->cache)
            fprintf(f, " cache='%u'", l->cache);
        fprintf(f, " type='%s' value='%" PRIu64 "'%s/>\n", l->type, l->value,
                l->bandwidth ? " unit='KiB'" : "");
    }
    fputs("      </interconnects>\n", f);
}
