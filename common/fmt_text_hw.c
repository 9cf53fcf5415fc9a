/*
 * fmt_text_hw.c: the hardware model (hw.h) in the text layouts: xl's
 * "device topology" block of `info -n`, numapin's cache table after it,
 * and the lines of `map` under each node.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_text_hw.h"

/* lspci's short names for the classes passthrough devices come in. */
const char *np_text_pci_class(unsigned int class_id)
{
    static const struct {
        unsigned int id, mask;
        const char *name;
    } names[] = {
        {0x0108, 0xffff, "NVMe"},       {0x0104, 0xffff, "RAID"},
        {0x0106, 0xffff, "SATA"},       {0x0107, 0xffff, "SAS"},
        {0x0100, 0xff00, "Storage"},    {0x0200, 0xffff, "Ethernet"},
        {0x0207, 0xffff, "InfiniBand"}, {0x0200, 0xff00, "Network"},
        {0x0300, 0xffff, "VGA"},        {0x0302, 0xffff, "3D"},
        {0x0300, 0xff00, "Display"},    {0x0b00, 0xff00, "Processor"},
        {0x0c03, 0xffff, "USB"},        {0x0c04, 0xffff, "FibreChannel"},
        {0x0c06, 0xffff, "InfiniBand"}, {0x1200, 0xff00, "Accelerator"},
    };
    unsigned int i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((class_id & names[i].mask) == names[i].id)
            return names[i].name;
    return "PCI";
}

void np_text_xl_device_topology(FILE *f, const struct np_topo *topo)
{
    unsigned int i, valid = 0;

    /* as xl info -n prints libxl_get_pci_topology() */
    fprintf(f, "device topology        :\n");
    fprintf(f, "device           node\n");
    for (i = 0; topo->hw && i < topo->hw->nr_pci; i++) {
        if (topo->hw->pci[i].node < 0)
            continue;
        fprintf(f, "%s      %d\n", topo->hw->pci[i].bdf, topo->hw->pci[i].node);
        valid++;
    }
    if (!valid)
        fprintf(f, "No device topology data available\n");
}

void np_text_cache_topology(FILE *f, const struct np_topo *topo)
{
    unsigned int i;
    char *cpus;

    if (!topo->hw || !topo->hw->nr_llc)
        return;
    fprintf(f, "cache_topology         :\n");
    fprintf(f, "cache:  level   size_kib   cpus\n");
    for (i = 0; i < topo->hw->nr_llc; i++) {
        const struct np_hw_cache *c = &topo->hw->llc[i];

        cpus = np_cpulist_format_ranges(&c->cpus);
        fprintf(f, "%5u:  %5u   %8" PRIu64 "   %s\n", i, c->level, c->size_kib,
                cpus ? cpus : "?");
        free(cpus);
    }
}

static void size_text(uint64_t kib, char *buf, size_t size)
{
    if (kib >= 1024 * 1024 && !(kib % (1024 * 1024)))
        snprintf(buf, size, "%" PRIu64 "G", kib >> 20);
    else if (kib >= 1024 && !(kib % 1024))
        snprintf(buf, size, "%" PRIu64 "M", kib >> 10);
    else
        snprintf(buf, size, "%" PRIu64 "K", kib);
}

void np_text_map_node_hw(FILE *f, const struct np_topo *topo, int node)
{
    const struct np_hw *hw = topo->hw;
    const struct np_hw_node *n;
    unsigned int i, nr = 0;
    char size[32], *cpus;

    if (!hw || node < 0)
        return;
    n = &hw->nodes[node];
    for (i = 0; i < hw->nr_llc; i++) {
        const struct np_hw_cache *c = &hw->llc[i];

        if (!np_cpumap_intersects(&c->cpus, &topo->nodes[node].cpus))
            continue;
        cpus = np_cpulist_format_ranges(&c->cpus);
        size_text(c->size_kib, size, sizeof(size));
        if (!nr++)
            fprintf(f, "  L%u groups: ", c->level);
        else
            fputs(", ", f);
        fprintf(f, "%s (%s)", cpus ? cpus : "?", size);
        free(cpus);
    }
    if (nr)
        fputc('\n', f);
    nr = 0;
    for (i = 0; i < hw->nr_kinds; i++) {
        const struct np_hw_kind *k = &hw->kinds[i];

        if (!np_cpumap_intersects(&k->cpus, &topo->nodes[node].cpus))
            continue;
        cpus = np_cpulist_format_ranges(&k->cpus);
        fprintf(f, "%s%s%s%s (efficiency %d)",
                nr++ ? ", " : "  core kinds: ", k->name ? k->name : "",
                k->name ? " " : "", cpus ? cpus : "?", k->efficiency);
        free(cpus);
    }
    if (nr)
        fputc('\n', f);
    if (n->kind)
        fprintf(f, "  memory: %s\n", np_mem_kind_name(n->kind));
    nr = 0;
    for (i = 0; i < n->nr_pages; i++) {
        if (!n->pages[i].total)
            continue;
        size_text(n->pages[i].size_kib, size, sizeof(size));
        fprintf(f, "%s%s %" PRIu64 " free of %" PRIu64,
                nr++ ? ", " : "  huge pages: ", size, n->pages[i].free,
                n->pages[i].total);
    }
    if (nr)
        fputc('\n', f);
    nr = 0;
    for (i = 0; i < hw->nr_pci; i++) {
        const struct np_hw_pci *d = &hw->pci[i];

        if (d->node != node)
            continue;
        fprintf(f, "%s%s %s", nr++ ? ", " : "  devices: ", d->bdf,
                np_text_pci_class(d->class_id));
        if (d->domid >= 0)
            fprintf(f, " (domain %d)", d->domid);
    }
    if (nr)
        fputc('\n', f);
}
