/*
 * hw.c: the hardware model beside the topology (see hw.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hw.h"
#include "str.h"

struct np_hw *np_hw_new(unsigned int nr_cpu_ids, unsigned int nr_node_ids)
{
    struct np_hw *hw = calloc(1, sizeof(*hw));
    unsigned int i;

    if (!hw)
        return NULL;
    hw->cpus = calloc(nr_cpu_ids ? nr_cpu_ids : 1, sizeof(*hw->cpus));
    hw->nodes = calloc(nr_node_ids ? nr_node_ids : 1, sizeof(*hw->nodes));
    if (!hw->cpus || !hw->nodes) {
        np_hw_free(hw);
        return NULL;
    }
    for (i = 0; i < nr_cpu_ids; i++)
        hw->cpus[i].llc = hw->cpus[i].cluster = hw->cpus[i].kind = -1;
    return hw;
}

void np_hw_free(struct np_hw *hw)
{
    unsigned int i;

    if (!hw)
        return;
    for (i = 0; i < hw->nr_llc; i++)
        np_cpumap_dispose(&hw->llc[i].cpus);
    for (i = 0; i < hw->nr_kinds; i++) {
        np_cpumap_dispose(&hw->kinds[i].cpus);
        free(hw->kinds[i].name);
    }
    for (i = 0; i < hw->nr_pci; i++)
        np_cpumap_dispose(&hw->pci[i].cpus);
    for (i = 0; i < hw->nr_pools; i++) {
        np_cpumap_dispose(&hw->pools[i].cpus);
        free(hw->pools[i].name);
        free(hw->pools[i].sched);
        free(hw->pools[i].domids);
    }
    free(hw->llc);
    free(hw->kinds);
    free(hw->pci);
    free(hw->pools);
    free(hw->cpus);
    free(hw->nodes);
    free(hw->notes);
    free(hw->links);
    free(hw);
}

int np_hw_copy(struct np_hw **dst, const struct np_hw *src,
               unsigned int nr_cpu_ids, unsigned int nr_node_ids)
{
    struct np_hw *d;
    unsigned int i;
    int rc = 0;

    *dst = NULL;
    if (!src)
        return 0;
    d = np_hw_new(nr_cpu_ids, nr_node_ids);
    if (!d)
        return -ENOMEM;
    memcpy(d->cpus, src->cpus, nr_cpu_ids * sizeof(*d->cpus));
    memcpy(d->nodes, src->nodes, nr_node_ids * sizeof(*d->nodes));
    for (i = 0; !rc && i < src->nr_llc; i++) {
        struct np_hw_cache *c = np_hw_add_llc(d, nr_cpu_ids);

        if (!c) {
            rc = -ENOMEM;
            break;
        }
        c->id = src->llc[i].id;
        c->level = src->llc[i].level;
        c->size_kib = src->llc[i].size_kib;
        np_cpumap_or(&c->cpus, &src->llc[i].cpus);
    }
    for (i = 0; !rc && i < src->nr_kinds; i++) {
        struct np_hw_kind *k = np_hw_add_kind(d, nr_cpu_ids);

        if (!k) {
            rc = -ENOMEM;
            break;
        }
        k->efficiency = src->kinds[i].efficiency;
        k->name = np_str_dup(src->kinds[i].name, &rc);
        np_cpumap_or(&k->cpus, &src->kinds[i].cpus);
    }
    for (i = 0; !rc && i < src->nr_pci; i++) {
        struct np_hw_pci *p = np_hw_add_pci(d, nr_cpu_ids);
        struct np_cpumap cpus;

        if (!p) {
            rc = -ENOMEM;
            break;
        }
        cpus = p->cpus;
        *p = src->pci[i];
        p->cpus = cpus;
        np_cpumap_or(&p->cpus, &src->pci[i].cpus);
    }
    for (i = 0; !rc && i < src->nr_pools; i++) {
        struct np_hw_pool *p = np_hw_add_pool(d, nr_cpu_ids);

        if (!p) {
            rc = -ENOMEM;
            break;
        }
        p->id = src->pools[i].id;
        p->name = np_str_dup(src->pools[i].name, &rc);
        p->sched = np_str_dup(src->pools[i].sched, &rc);
        np_cpumap_or(&p->cpus, &src->pools[i].cpus);
        if (src->pools[i].nr_domids) {
            p->domids = malloc(src->pools[i].nr_domids * sizeof(*p->domids));
            if (!p->domids) {
                rc = -ENOMEM;
                break;
            }
            memcpy(p->domids, src->pools[i].domids,
                   src->pools[i].nr_domids * sizeof(*p->domids));
            p->nr_domids = src->pools[i].nr_domids;
        }
    }
    d->notes = np_str_dup(src->notes, &rc);
    if (!rc && src->nr_links) {
        d->links = malloc(src->nr_links * sizeof(*d->links));
        if (d->links) {
            memcpy(d->links, src->links, src->nr_links * sizeof(*d->links));
            d->nr_links = src->nr_links;
        } else {
            rc = -ENOMEM;
        }
    }
    if (rc) {
        np_hw_free(d);
        return rc;
    }
    *dst = d;
    return 0;
}

int np_hw_note(struct np_hw *hw, const char *fmt, ...)
{
    char *line = NULL, *all;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    if (hw->notes)
        n = asprintf(&all, "%s\n%s", hw->notes, line);
    else
        n = asprintf(&all, "%s", line);
    free(line);
    if (n < 0)
        return -ENOMEM;
    free(hw->notes);
    hw->notes = all;
    return 0;
}

/* Grow an array of elem-sized entries by one zeroed entry. */
static void *grow(void **array, unsigned int *nr, size_t elem)
{
    char *a = realloc(*array, (*nr + 1) * elem);

    if (!a)
        return NULL;
    *array = a;
    memset(a + *nr * elem, 0, elem);
    return a + (*nr)++ * elem;
}

struct np_hw_cache *np_hw_add_llc(struct np_hw *hw, unsigned int nr_cpu_ids)
{
    struct np_hw_cache *c =
        grow((void **)&hw->llc, &hw->nr_llc, sizeof(*hw->llc));

    if (!c)
        return NULL;
    if (np_cpumap_alloc(&c->cpus, nr_cpu_ids)) {
        hw->nr_llc--;
        return NULL;
    }
    return c;
}

struct np_hw_kind *np_hw_add_kind(struct np_hw *hw, unsigned int nr_cpu_ids)
{
    struct np_hw_kind *k =
        grow((void **)&hw->kinds, &hw->nr_kinds, sizeof(*hw->kinds));

    if (!k)
        return NULL;
    k->efficiency = -1;
    if (np_cpumap_alloc(&k->cpus, nr_cpu_ids)) {
        hw->nr_kinds--;
        return NULL;
    }
    return k;
}

struct np_hw_pci *np_hw_add_pci(struct np_hw *hw, unsigned int nr_cpu_ids)
{
    struct np_hw_pci *p =
        grow((void **)&hw->pci, &hw->nr_pci, sizeof(*hw->pci));

    if (!p)
        return NULL;
    p->node = p->domid = -1;
    if (np_cpumap_alloc(&p->cpus, nr_cpu_ids)) {
        hw->nr_pci--;
        return NULL;
    }
    return p;
}

struct np_hw_pool *np_hw_add_pool(struct np_hw *hw, unsigned int nr_cpu_ids)
{
    struct np_hw_pool *p =
        grow((void **)&hw->pools, &hw->nr_pools, sizeof(*hw->pools));

    if (!p)
        return NULL;
    if (np_cpumap_alloc(&p->cpus, nr_cpu_ids)) {
        hw->nr_pools--;
        return NULL;
    }
    return p;
}

int np_hw_set_pages(struct np_hw *hw, int node, uint64_t size_kib,
                    uint64_t total, uint64_t free)
{
    struct np_hw_node *n;
    unsigned int i, j;

    if (node < 0 || !size_kib)
        return -EINVAL;
    n = &hw->nodes[node];
    for (i = 0; i < n->nr_pages && n->pages[i].size_kib < size_kib; i++)
        ;
    if (i == n->nr_pages || n->pages[i].size_kib != size_kib) {
        if (n->nr_pages == NP_HW_MAX_PAGE_SIZES)
            return -ENOSPC;
        for (j = n->nr_pages; j > i; j--)
            n->pages[j] = n->pages[j - 1];
        n->nr_pages++;
    }
    n->pages[i].size_kib = size_kib;
    n->pages[i].total = total;
    n->pages[i].free = free;
    return 0;
}

const struct np_hw_pages *np_hw_node_pages(const struct np_hw *hw, int node,
                                           uint64_t size_kib)
{
    unsigned int i;

    if (!hw || node < 0)
        return NULL;
    for (i = 0; i < hw->nodes[node].nr_pages; i++)
        if (hw->nodes[node].pages[i].size_kib == size_kib)
            return &hw->nodes[node].pages[i];
    return NULL;
}

int np_hw_parse_bdf(const char *s, char out[NP_HW_BDF_MAX])
{
    unsigned int dom = 0, bus, slot, fn;
    int n = -1;

    if (!s || strlen(s) > 12)
        return -EINVAL;
    if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &slot, &fn, &n) == 4 &&
        n == (int)strlen(s) && strlen(s) == 12) {
        /* full form */
    } else if (dom = 0, n = -1,
               sscanf(s, "%2x:%2x.%1x%n", &bus, &slot, &fn, &n) == 3 &&
                   n == (int)strlen(s) && strlen(s) == 7) {
        /* short form, domain 0 */
    } else {
        return -EINVAL;
    }
    if (!isxdigit((unsigned char)s[0]) || slot > 0x1f || fn > 7)
        return -EINVAL;
    snprintf(out, NP_HW_BDF_MAX, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
    return 0;
}

const struct np_hw_pci *np_hw_find_pci(const struct np_hw *hw, const char *bdf)
{
    char want[NP_HW_BDF_MAX];
    unsigned int i;

    if (!hw || np_hw_parse_bdf(bdf, want))
        return NULL;
    for (i = 0; i < hw->nr_pci; i++)
        if (!strcmp(hw->pci[i].bdf, want))
            return &hw->pci[i];
    return NULL;
}

int np_hw_parse_page_size(const char *s, uint64_t *kib_out)
{
    char *end;
    unsigned long long v;
    uint64_t mult;

    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || !v)
        return -EINVAL;
    if (!strcasecmp(end, "k") || !strcasecmp(end, "kb") ||
        !strcasecmp(end, "kib"))
        mult = 1;
    else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb") ||
             !strcasecmp(end, "mib"))
        mult = 1024;
    else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb") ||
             !strcasecmp(end, "gib"))
        mult = 1024 * 1024;
    else
        return -EINVAL;
    if (v > UINT64_MAX / mult / 1024)
        return -EINVAL;
    *kib_out = v * mult;
    return 0;
}

const char *np_mem_kind_name(enum np_mem_kind kind)
{
    switch (kind) {
    case NP_MEM_DRAM:
        return "DRAM";
    case NP_MEM_HBM:
        return "HBM";
    case NP_MEM_NVM:
        return "NVM";
    case NP_MEM_GPU:
        return "GPU";
    default:
        return "unknown";
    }
}

int np_mem_kind_parse(const char *s)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "DRAM"))
        return NP_MEM_DRAM;
    if (!strcasecmp(s, "HBM") || !strcasecmp(s, "MCDRAM"))
        return NP_MEM_HBM;
    if (!strcasecmp(s, "NVM") || !strcasecmp(s, "CXL") ||
        !strncasecmp(s, "CXL-", 4) || !strcasecmp(s, "SPM"))
        return NP_MEM_NVM;
    if (!strcasecmp(s, "GPU") || !strcasecmp(s, "GPUMemory"))
        return NP_MEM_GPU;
    if (!strcasecmp(s, "unknown"))
        return NP_MEM_UNKNOWN;
    return -1;
}
