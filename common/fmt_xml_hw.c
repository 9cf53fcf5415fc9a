/*
 * fmt_xml_hw.c: what libvirt's capabilities XML says of the hardware model
 * (hw.h), written as libvirt writes it: <pages> per cell (the count of
 * each page size; numapin:free says how many are free), <cache><bank> for
 * the last-level caches, cluster_id per <cpu>.  Read back by
 * fmt_xml_read.c.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fmt_xml_hw.h"

bool np_xml_hw_needs_ns(const struct np_topo *topo)
{
    unsigned int i;

    if (!topo->hw)
        return false;
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->nodes[i].present && topo->hw->nodes[i].nr_pages)
            return true;
    return false;
}

void np_xml_hw_put_pages(FILE *f, const struct np_topo *topo, int node)
{
    const struct np_hw_node *n;
    uint64_t base, huge = 0;
    unsigned int i;

    if (!topo->hw)
        return;
    n = &topo->hw->nodes[node];
    if (!n->nr_pages)
        return;
    /* libvirt lists the base pages first: the memory the huge pages
     * leave (virNumaGetPages' rule) */
    base = topo->nodes[node].mem_total_kib;
    for (i = 0; i < n->nr_pages; i++)
        huge += n->pages[i].size_kib * n->pages[i].total;
    base = huge < base ? base - huge : 0;
    fprintf(f, "          <pages unit='KiB' size='4'>%" PRIu64 "</pages>\n",
            base / 4);
    for (i = 0; i < n->nr_pages; i++)
        fprintf(f,
                "          <pages unit='KiB' size='%" PRIu64
                "' numapin:free='%" PRIu64 "'>%" PRIu64 "</pages>\n",
                n->pages[i].size_kib, n->pages[i].free, n->pages[i].total);
}

void np_xml_hw_put_cpu_attrs(FILE *f, const struct np_topo *topo,
                             unsigned int cpu)
{
    if (topo->hw && topo->hw->cpus[cpu].cluster >= 0)
        fprintf(f, " cluster_id='%d'", topo->hw->cpus[cpu].cluster);
}

void np_xml_hw_put_cache(FILE *f, const struct np_topo *topo)
{
    unsigned int i;
    char *cpus;

    if (!topo->hw || !topo->hw->nr_llc)
        return;
    fputs("    <cache>\n", f);
    for (i = 0; i < topo->hw->nr_llc; i++) {
        const struct np_hw_cache *c = &topo->hw->llc[i];

        cpus = np_cpulist_format_ranges(&c->cpus);
        fprintf(f,
                "      <bank id='%d' level='%u' type='both' size='%" PRIu64
                "' unit='KiB' cpus='%s'/>\n",
                c->id, c->level, c->size_kib, cpus ? cpus : "");
        free(cpus);
    }
    fputs("    </cache>\n", f);
}
