/*
 * fmt_xml.c: libvirt capabilities XML, the writer.  It needs no library:
 * it prints with stdio into a memory stream, in libvirt's layout.  The
 * reader, the only file of numapin that includes libxml2, is
 * fmt_xml_read.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_xml.h"
#include "fmt_xml_hw.h"
#include "fmt_text.h"

/* A cpu list as libvirt's virBitmapFormat() prints it: "0-3,8,10-11". */
static void put_cpulist(FILE *f, const struct np_cpumap *map)
{
    int bit, first = -1, last = -1;
    bool comma = false;

    np_cpumap_for_each(bit, map)
    {
        if (first >= 0 && bit == last + 1) {
            last = bit;
            continue;
        }
        if (first >= 0) {
            fprintf(f, first == last ? "%s%d" : "%s%d-%d", comma ? "," : "",
                    first, last);
            comma = true;
        }
        first = last = bit;
    }
    if (first >= 0)
        fprintf(f, first == last ? "%s%d" : "%s%d-%d", comma ? "," : "", first,
                last);
}

/* cpu is present and belongs in node's <cell>. */
static bool cpu_in_node(const struct np_topo *topo, unsigned int cpu, int node)
{
    return topo->cpus[cpu].present && topo->cpus[cpu].node == node;
}

static bool cpu_unplaced(const struct np_topo *topo, unsigned int cpu)
{
    const struct np_cpu *c = &topo->cpus[cpu];

    return c->present && !np_topo_node_exists(topo, c->node);
}

/* Whether anything goes into the numapin namespace. */
static bool needs_ns(const struct np_topo *topo)
{
    unsigned int i;

    if (topo->cpu_mhz || topo->mem_total_kib || np_xml_hw_needs_ns(topo))
        return true;
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->nodes[i].present && topo->nodes[i].mem_free_known)
            return true;
    for (i = 0; i < topo->nr_cpu_ids; i++)
        if (topo->cpus[i].present &&
            (!topo->cpus[i].online || cpu_unplaced(topo, i)))
            return true;
    return false;
}

/*
 * The host <cpu><topology> counts: the ones `nodeinfo` prints (sockets per
 * cell, cores per socket, threads per core, by libvirt's virNodeInfo rule),
 * so that the two never disagree.  The true number of sockets is in `info`
 * (numapin_nr_sockets) and in the <cpu socket_id> attributes.
 */
static int libvirt_shape(const struct np_topo *topo, unsigned int *sockets,
                         unsigned int *cores, unsigned int *threads)
{
    unsigned int nodes;

    *sockets = *cores = *threads = 0;
    if (!np_topo_nr_online_cpus(topo))
        return 0;
    np_nodeinfo_shape(topo, &nodes, sockets, cores, threads);
    return 0;
}

/* One <cpu> (or <numapin:cpu>) element. */
static void put_cpu(FILE *f, const struct np_topo *topo, unsigned int cpu,
                    const char *indent, const char *element)
{
    const struct np_cpu *c = &topo->cpus[cpu];

    fprintf(f, "%s<%s id='%u'", indent, element, cpu);
    if (c->socket >= 0)
        fprintf(f, " socket_id='%d'", c->socket);
    if (c->die >= 0)
        fprintf(f, " die_id='%d'", c->die);
    if (c->core >= 0)
        fprintf(f, " core_id='%d'", c->core);
    np_xml_hw_put_cpu_attrs(f, topo, cpu);
    if (c->siblings.nr_bits && !np_cpumap_is_empty(&c->siblings)) {
        fputs(" siblings='", f);
        put_cpulist(f, &c->siblings);
        fputc('\'', f);
    }
    if (!c->online)
        fputs(" numapin:online='no'", f);
    fputs("/>\n", f);
}

static void put_cell(FILE *f, const struct np_topo *topo, int node)
{
    const struct np_node *n = &topo->nodes[node];
    unsigned int i, nr_cpus = 0;
    bool any_distance = false;
    int other;

    fprintf(f, "        <cell id='%d'>\n", node);
    if (n->mem_total_kib)
        fprintf(f, "          <memory unit='KiB'>%" PRIu64 "</memory>\n",
                n->mem_total_kib);
    if (n->mem_free_known)
        fprintf(f,
                "          <numapin:free unit='KiB'>%" PRIu64
                "</numapin:free>\n",
                n->mem_free_kib);
    np_xml_hw_put_pages(f, topo, node);

    for (other = 0; other < (int)topo->nr_node_ids; other++) {
        unsigned int d = np_topo_distance(topo, node, other);

        if (!d)
            continue;
        if (!any_distance)
            fputs("          <distances>\n", f);
        any_distance = true;
        fprintf(f, "            <sibling id='%d' value='%u'/>\n", other, d);
    }
    if (any_distance)
        fputs("          </distances>\n", f);

    for (i = 0; i < topo->nr_cpu_ids; i++)
        nr_cpus += cpu_in_node(topo, i, node);
    if (!nr_cpus) {
        fputs("          <cpus num='0'/>\n", f);
    } else {
        fprintf(f, "          <cpus num='%u'>\n", nr_cpus);
        for (i = 0; i < topo->nr_cpu_ids; i++)
            if (cpu_in_node(topo, i, node))
                put_cpu(f, topo, i, "            ", "cpu");
        fputs("          </cpus>\n", f);
    }
    fputs("        </cell>\n", f);
}

int np_xml_write_caps(const struct np_topo *topo, char **xml_out,
                      struct np_err *err)
{
    unsigned int sockets, cores, threads, i, nr_unplaced = 0;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = NULL;
    int node, rc;

    *xml_out = NULL;
    if (!topo->nodes || np_topo_nr_nodes(topo) == 0) {
        rc = np_err_set(
            err, -EINVAL,
            "the topology has no numa node to write as capabilities XML");
        goto out;
    }
    rc = libvirt_shape(topo, &sockets, &cores, &threads);
    if (rc)
        goto out;
    f = open_memstream(&buf, &size);
    if (!f) {
        rc = -ENOMEM;
        goto out;
    }

    fputs("<capabilities", f);
    if (needs_ns(topo))
        fputs(" xmlns:numapin='" NP_XML_NS "'", f);
    fputs(">\n\n  <host>\n    <cpu>\n      <arch>", f);
    np_xml_text(f, topo->cpu_model ? topo->cpu_model : "x86_64");
    fputs("</arch>\n", f);
    if (sockets && cores && threads)
        fprintf(f,
                "      <topology sockets='%u' dies='1' cores='%u' "
                "threads='%u'/>\n",
                sockets, cores, threads);
    if (topo->cpu_mhz)
        fprintf(f, "      <numapin:mhz>%u</numapin:mhz>\n", topo->cpu_mhz);
    fputs("    </cpu>\n", f);
    if (topo->mem_total_kib)
        fprintf(f,
                "    <numapin:memory unit='KiB'>%" PRIu64 "</numapin:memory>\n",
                topo->mem_total_kib);

    fprintf(f, "    <topology>\n      <cells num='%u'>\n",
            np_topo_nr_nodes(topo));
    for (node = 0; node < (int)topo->nr_node_ids; node++)
        if (topo->nodes[node].present)
            put_cell(f, topo, node);
    fputs("      </cells>\n", f);
    np_xml_put_links(f, topo);
    fputs("    </topology>\n", f);
    np_xml_hw_put_cache(f, topo);

    for (i = 0; i < topo->nr_cpu_ids; i++)
        nr_unplaced += cpu_unplaced(topo, i);
    if (nr_unplaced) {
        fprintf(f, "    <numapin:cpus num='%u'>\n", nr_unplaced);
        for (i = 0; i < topo->nr_cpu_ids; i++)
            if (cpu_unplaced(topo, i))
                put_cpu(f, topo, i, "      ", "numapin:cpu");
        fputs("    </numapin:cpus>\n", f);
    }
    fputs("  </host>\n\n</capabilities>\n", f);

    if (ferror(f))
        rc = -ENOMEM;
    if (fclose(f) != 0 && !rc)
        rc = -ENOMEM;
    f = NULL;
out:
    if (f)
        fclose(f);
    if (rc)
        free(buf);
    else
        *xml_out = buf;
    return rc;
}
