/*
 * fmt_xml_domain.c: a guest's placement written into its libvirt domain
 * XML (a `virsh dumpxml` file), for `persist DOM --libvirt-xml FILE`.
 * One of the XML files, which alone reach libxml2 (xml_lib.h); the
 * document is parsed as every XML numapin reads, by np_xml_parse()
 * (fmt_xml_parse.h).
 *
 * What changes, by example, for a guest whose vCPU 0 is pinned to CPU 4,
 * vCPU 1 to 5 and whose memory is bound to node 1:
 *
 *   <vcpu placement='static' cpuset='4-5'>2</vcpu>
 *   <cputune> <vcpupin vcpu='0' cpuset='4'/> <vcpupin vcpu='1'
 *             cpuset='5'/> ...every other child kept... </cputune>
 *   <numatune> <memory mode='strict' nodeset='1'/> ... </numatune>
 *
 * A vCPU free to run anywhere has no <vcpupin>; a guest with no pin loses
 * the cpuset; node affinity "all" (or unknown) drops <memory> of
 * <numatune> (its mode is kept when it had one).  Every other element,
 * attribute and comment stays as it was.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_xml.h"
#include "fmt_xml_parse.h"
#include "snapshot.h"
#include "xml_lib.h"

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr n;

    for (n = parent->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
            return n;
    return NULL;
}

/* parent's child name, created after the element after (or at the end)
 * with the indentation of its siblings. */
static xmlNodePtr ensure(xmlNodePtr parent, const char *name, xmlNodePtr after)
{
    xmlNodePtr n = child(parent, name), indent;

    if (n)
        return n;
    n = xmlNewNode(NULL, (const xmlChar *)name);
    if (!n)
        return NULL;
    indent = xmlNewText((const xmlChar *)"\n  ");
    if (after && indent) {
        xmlAddNextSibling(after, n);
        xmlAddPrevSibling(n, indent);
    } else {
        if (indent)
            xmlAddChild(parent, indent);
        xmlAddChild(parent, n);
    }
    return n;
}

/* Remove parent's children called name (and the blank text before each). */
static void drop(xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = parent->children, next;

    for (; n; n = next) {
        next = n->next;
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name))
            continue;
        if (n->prev && n->prev->type == XML_TEXT_NODE &&
            xmlIsBlankNode(n->prev)) {
            xmlNodePtr blank = n->prev;

            xmlUnlinkNode(blank);
            xmlFreeNode(blank);
        }
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
}

static bool limits(const struct np_topo *topo, const struct np_cpumap *m,
                   bool nodes)
{
    unsigned int i, nr = nodes ? topo->nr_node_ids : topo->nr_cpu_ids;

    if (!m->nr_bits || np_cpumap_is_empty(m))
        return false;
    for (i = 0; i < nr; i++) {
        bool present = nodes ? topo->nodes[i].present : topo->cpus[i].present;

        if (present && !np_cpumap_test(m, (int)i))
            return true;
    }
    return false;
}

static int set_list(xmlNodePtr n, const char *attr, const struct np_cpumap *m)
{
    char *s = np_cpulist_format_ranges(m);

    if (!s)
        return -ENOMEM;
    xmlSetProp(n, (const xmlChar *)attr, (const xmlChar *)s);
    free(s);
    return 0;
}

static int rewrite(xmlNodePtr dom, const struct np_topo *topo,
                   const struct np_guest *g, struct np_err *err)
{
    xmlNodePtr vcpu, tune, numa, mem, n;
    struct np_cpumap all;
    bool any = false;
    unsigned int v;
    char num[32];
    int rc = -ENOMEM;

    np_cpumap_init(&all);
    if (np_cpumap_alloc(&all, topo->nr_cpu_ids))
        goto out;
    for (v = 0; v < g->nr_vcpus; v++)
        if (limits(topo, &g->vcpus[v].hard, false)) {
            np_cpumap_or(&all, &g->vcpus[v].hard);
            any = true;
        }
    vcpu = ensure(dom, "vcpu", child(dom, "currentMemory"));
    if (!vcpu)
        goto out;
    if (!vcpu->children) {
        snprintf(num, sizeof(num), "%u", g->nr_vcpus);
        xmlNodeSetContent(vcpu, (const xmlChar *)num);
    }
    xmlSetProp(vcpu, (const xmlChar *)"placement", (const xmlChar *)"static");
    if (any) {
        if (set_list(vcpu, "cpuset", &all))
            goto out;
    } else {
        xmlUnsetProp(vcpu, (const xmlChar *)"cpuset");
    }

    tune = child(dom, "cputune");
    if (tune) {
        drop(tune, "vcpupin");
        /* the indentation before </cputune> goes after the new pins */
        while (any && tune->last && tune->last->type == XML_TEXT_NODE &&
               xmlIsBlankNode(tune->last)) {
            n = tune->last;
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
    }
    if (any && !tune)
        tune = ensure(dom, "cputune", vcpu);
    for (v = 0; any && v < g->nr_vcpus; v++) {
        if (!limits(topo, &g->vcpus[v].hard, false))
            continue;
        n = xmlNewNode(NULL, (const xmlChar *)"vcpupin");
        if (!n)
            goto out;
        snprintf(num, sizeof(num), "%u", v);
        xmlSetProp(n, (const xmlChar *)"vcpu", (const xmlChar *)num);
        if (set_list(n, "cpuset", &g->vcpus[v].hard)) {
            xmlFreeNode(n);
            goto out;
        }
        xmlAddChild(tune, xmlNewText((const xmlChar *)"\n    "));
        xmlAddChild(tune, n);
    }
    if (any && tune && tune->last && tune->last->type == XML_ELEMENT_NODE)
        xmlAddChild(tune, xmlNewText((const xmlChar *)"\n  "));

    numa = child(dom, "numatune");
    if (limits(topo, &g->node_affinity, true)) {
        if (!numa)
            numa = ensure(dom, "numatune", tune ? tune : vcpu);
        if (!numa)
            goto out;
        mem = child(numa, "memory");
        if (!mem) {
            mem = xmlNewNode(NULL, (const xmlChar *)"memory");
            if (!mem)
                goto out;
            xmlAddChild(numa, xmlNewText((const xmlChar *)"\n    "));
            xmlAddChild(numa, mem);
            xmlAddChild(numa, xmlNewText((const xmlChar *)"\n  "));
        }
        if (!xmlHasProp(mem, (const xmlChar *)"mode"))
            xmlSetProp(mem, (const xmlChar *)"mode", (const xmlChar *)"strict");
        xmlUnsetProp(mem, (const xmlChar *)"placement");
        if (set_list(mem, "nodeset", &g->node_affinity))
            goto out;
    } else if (numa) {
        drop(numa, "memory");
    }
    rc = 0;
out:
    if (rc == -ENOMEM)
        np_err_set(err, rc, "out of memory");
    np_cpumap_dispose(&all);
    return rc;
}

int np_xml_set_domain_placement(const char *text, size_t len,
                                const char *name_for_errors,
                                const struct np_topo *topo,
                                const struct np_guest *g, char **out,
                                struct np_err *err)
{
    const char *name = name_for_errors ? name_for_errors : "domain XML";
    xmlDocPtr doc = NULL;
    xmlNodePtr root, nm;
    xmlChar *dump = NULL, *dom_name = NULL;
    int size = 0, rc;

    *out = NULL;
    rc = np_xml_parse(text, len, name, "a libvirt domain XML", err, &doc);
    if (rc)
        goto out;
    root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "domain")) {
        rc = np_err_set(
            err, -EINVAL,
            "%s: the root element is <%s>, not <domain>: not a libvirt domain XML",
            name, root ? (const char *)root->name : "");
        goto out;
    }
    nm = child(root, "name");
    dom_name = nm ? xmlNodeGetContent(nm) : NULL;
    if (!dom_name || strcmp((const char *)dom_name, g->name)) {
        rc = np_err_set(
            err, -EINVAL,
            "%s names the domain '%s', not '%s': it is another guest's file",
            name, dom_name ? (const char *)dom_name : "", g->name);
        goto out;
    }
    rc = rewrite(root, topo, g, err);
    if (rc)
        goto out;
    xmlDocDumpMemory(doc, &dump, &size);
    if (!dump) {
        rc = np_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    /* virsh dumpxml has no XML declaration: keep the file's own choice */
    {
        const char *body = (const char *)dump;

        if (strncmp(text, "<?xml", 5) && !strncmp(body, "<?xml", 5) &&
            strchr(body, '\n'))
            body = strchr(body, '\n') + 1;
        *out = strdup(body);
    }
    rc = *out ? 0 : np_err_set(err, -ENOMEM, "out of memory");
out:
    xmlFree(dump);
    xmlFree(dom_name);
    xmlFreeDoc(doc);
    return rc;
}
