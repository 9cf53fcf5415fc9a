/*
 * xen_hw.c: the Xen backend's part of the hardware model (hw.h): PCI
 * devices and their nodes (libxl_get_pci_topology, what `xl info -n`
 * prints as its device topology), cpupools (libxl_list_cpupool: name,
 * scheduler, CPUs, and which domains are in each) and each domain's
 * assigned PCI devices (libxl_device_pci_list).  A read that libxl refuses
 * leaves that part unknown: the NUMA model stands without it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

int xen_read_hw(struct xen_priv *p, struct np_topo *topo)
{
    libxl_pcitopology *pci;
    libxl_cpupoolinfo *pools;
    struct np_hw *hw;
    int nr = 0, i, rc = 0;
    unsigned int cpu;

    hw = np_hw_new(topo->nr_cpu_ids, topo->nr_node_ids);
    if (!hw)
        return -ENOMEM;
    pci = libxl_get_pci_topology(p->ctx, &nr);
    for (i = 0; pci && i < nr && !rc; i++) {
        struct np_hw_pci *d = np_hw_add_pci(hw, topo->nr_cpu_ids);

        if (!d) {
            rc = -ENOMEM;
            break;
        }
        snprintf(d->bdf, sizeof(d->bdf), "%04x:%02x:%02x.%x", pci[i].seg,
                 pci[i].bus, (pci[i].devfn >> 3) & 0x1f, pci[i].devfn & 7);
        if (pci[i].node != LIBXL_PCITOPOLOGY_INVALID_ENTRY &&
            np_topo_node_exists(topo, (int)pci[i].node)) {
            d->node = (int)pci[i].node;
            np_cpumap_or(&d->cpus, &topo->nodes[d->node].cpus);
        }
    }
    if (pci)
        libxl_pcitopology_list_free(pci, nr);
    nr = 0;
    pools = rc ? NULL : libxl_list_cpupool(p->ctx, &nr);
    for (i = 0; pools && i < nr && !rc; i++) {
        struct np_hw_pool *pool = np_hw_add_pool(hw, topo->nr_cpu_ids);
        const char *sched = libxl_scheduler_to_string(pools[i].sched);

        if (!pool) {
            rc = -ENOMEM;
            break;
        }
        pool->id = (int)pools[i].poolid;
        pool->name = strdup(pools[i].pool_name ? pools[i].pool_name : "");
        pool->sched = strdup(sched ? sched : "unknown");
        if (!pool->name || !pool->sched)
            rc = -ENOMEM;
        for (cpu = 0; cpu < topo->nr_cpu_ids; cpu++)
            if (libxl_bitmap_test(&pools[i].cpumap, (int)cpu) &&
                np_topo_cpu_exists(topo, (int)cpu))
                np_cpumap_set(&pool->cpus, (int)cpu);
    }
    if (pools)
        libxl_cpupoolinfo_list_free(pools, nr);
    np_xtl_clear(&p->logger);
    if (rc) {
        np_hw_free(hw);
        return rc;
    }
    np_hw_free(topo->hw);
    topo->hw = hw;
    return 0;
}

int xen_read_guest_hw(struct xen_priv *p, struct np_topo *topo,
                      const libxl_dominfo *dom)
{
    struct np_hw *hw = topo->hw;
    libxl_device_pci *devs;
    char bdf[NP_HW_BDF_MAX];
    unsigned int i;
    int nr = 0, k, *grown;

    if (!hw)
        return 0;
    for (i = 0; i < hw->nr_pools; i++) {
        struct np_hw_pool *pool = &hw->pools[i];

        if ((uint32_t)pool->id != dom->cpupool)
            continue;
        grown = realloc(pool->domids,
                        (pool->nr_domids + 1) * sizeof(*pool->domids));
        if (!grown)
            return -ENOMEM;
        pool->domids = grown;
        pool->domids[pool->nr_domids++] = (int)dom->domid;
    }
    if (dom->domid == 0)
        return 0;
    devs = libxl_device_pci_list(p->ctx, dom->domid, &nr);
    for (k = 0; devs && k < nr; k++) {
        const struct np_hw_pci *found;
        struct np_hw_pci *d;

        snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x",
                 (unsigned int)devs[k].domain, devs[k].bus, devs[k].dev,
                 devs[k].func);
        found = np_hw_find_pci(hw, bdf);
        d = found ? &hw->pci[found - hw->pci]
                  : np_hw_add_pci(hw, topo->nr_cpu_ids);
        if (!d) {
            libxl_device_pci_list_free(devs, nr);
            return -ENOMEM;
        }
        if (!found)
            snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
        d->domid = (int)dom->domid;
    }
    if (devs)
        libxl_device_pci_list_free(devs, nr);
    np_xtl_clear(&p->logger);
    return 0;
}
