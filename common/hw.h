/*
 * hw.h: the hardware below and beside the NUMA model (plain data, no I/O):
 * last-level cache groups, clusters and core kinds per CPU; huge pages and
 * memory kind per node; PCI devices with their locality; cpupools (Xen);
 * and the notes a reader made about a tree that contradicts itself.
 *
 * A topology carries one in topo->hw, or NULL when its source knows none
 * of this (a capabilities XML without <cache>, an old JSON).  Every array
 * is indexed like the topology's: cpus[] has topo->nr_cpu_ids entries,
 * nodes[] has topo->nr_node_ids entries; -1 means unknown.  Maps are
 * allocated to nr_cpu_ids bits.
 *
 * Lifecycle: np_hw_new() (everything unknown) / np_hw_free(); np_hw_copy().
 */
#ifndef NP_HW_H
#define NP_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumap.h"

#define NP_HW_MAX_PAGE_SIZES 4
#define NP_HW_BDF_MAX 16 /* "0000:00:00.0" and its NUL */

enum np_mem_kind {
    NP_MEM_UNKNOWN = 0,
    NP_MEM_DRAM,
    NP_MEM_HBM,
    NP_MEM_NVM, /* persistent memory, CXL and other slow tiers */
    NP_MEM_GPU, /* memory of a GPU (NVLink, coherent) */
};

struct np_hw_cpu {
    int llc;     /* index into hw->llc[], -1 unknown */
    int cluster; /* the kernel's cluster id, -1 unknown */
    int kind;    /* index into hw->kinds[], -1 unknown */
};

struct np_hw_pages {
    uint64_t size_kib; /* 2048, 1048576, ... */
    uint64_t total;    /* pages */
    uint64_t free;
};

struct np_hw_node {
    enum np_mem_kind kind;
    unsigned int nr_pages; /* sizes known, ascending */
    struct np_hw_pages pages[NP_HW_MAX_PAGE_SIZES];
};

/* One last-level cache (an L3 on x86: an AMD CCX, an Intel socket). */
struct np_hw_cache {
    int id;             /* the kernel's / hwloc's cache id, or index */
    unsigned int level; /* 3 for an L3 */
    uint64_t size_kib;  /* 0 unknown */
    struct np_cpumap cpus;
};

/* One kind of core (hybrid CPUs): efficiency 0 is the least performant. */
struct np_hw_kind {
    int efficiency; /* -1 unknown */
    char *name;     /* "IntelAtom", "IntelCore", ...; may be NULL */
    struct np_cpumap cpus;
};

struct np_hw_pci {
    char bdf[NP_HW_BDF_MAX]; /* "0000:02:00.0" */
    unsigned int vendor, device, class_id;
    int node;              /* -1 unknown / not one node */
    struct np_cpumap cpus; /* local CPUs; empty when unknown */
    int domid;             /* Xen: assigned to this domain, -1 none */
};

struct np_hw_pool {
    int id;
    char *name;
    char *sched; /* "credit2", ... */
    struct np_cpumap cpus;
    unsigned int nr_domids;
    int *domids; /* the domains in the pool */
};

/* One HMAT link of libvirt's <interconnects> (latency in ns, bandwidth in
 * KiB/s) from an initiator node to a target node, as the firmware says. */
struct np_hw_link {
    bool bandwidth;        /* <bandwidth>, else <latency> */
    int initiator, target; /* node ids */
    unsigned int cache;    /* memory side cache level, 0 none */
    char type[8];          /* "access", "read", "write" */
    uint64_t value;
};

struct np_hw {
    struct np_hw_cpu *cpus;
    struct np_hw_node *nodes;
    unsigned int nr_llc;
    struct np_hw_cache *llc;
    unsigned int nr_kinds;
    struct np_hw_kind *kinds;
    unsigned int nr_pci;
    struct np_hw_pci *pci;
    unsigned int nr_pools;
    struct np_hw_pool *pools;
    char *notes; /* one sentence per line; NULL when none */
    unsigned int nr_links;
    struct np_hw_link *links; /* <interconnects>, in the order read */
};

/* Everything unknown, sized for the topology.  NULL when out of memory. */
struct np_hw *np_hw_new(unsigned int nr_cpu_ids, unsigned int nr_node_ids);
void np_hw_free(struct np_hw *hw);
/* Deep copy; NULL src gives NULL.  0 or -ENOMEM. */
int np_hw_copy(struct np_hw **dst, const struct np_hw *src,
               unsigned int nr_cpu_ids, unsigned int nr_node_ids);

/* Append one line to hw->notes (printf style).  0 or -ENOMEM. */
int np_hw_note(struct np_hw *hw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append an entry (zeroed, maps allocated to nr_cpu_ids bits).  NULL when
 * out of memory. */
struct np_hw_cache *np_hw_add_llc(struct np_hw *hw, unsigned int nr_cpu_ids);
struct np_hw_kind *np_hw_add_kind(struct np_hw *hw, unsigned int nr_cpu_ids);
struct np_hw_pci *np_hw_add_pci(struct np_hw *hw, unsigned int nr_cpu_ids);
struct np_hw_pool *np_hw_add_pool(struct np_hw *hw, unsigned int nr_cpu_ids);
/* Set (or add) a node's page size.  0, -ENOSPC or -EINVAL. */
int np_hw_set_pages(struct np_hw *hw, int node, uint64_t size_kib,
                    uint64_t total, uint64_t free);
const struct np_hw_pages *np_hw_node_pages(const struct np_hw *hw, int node,
                                           uint64_t size_kib);

/* The PCI device "0000:02:00.0" or "02:00.0" (domain 0), NULL when none. */
const struct np_hw_pci *np_hw_find_pci(const struct np_hw *hw, const char *bdf);
/* Normalise a BDF to "DDDD:BB:SS.F" in out.  0 or -EINVAL. */
int np_hw_parse_bdf(const char *s, char out[NP_HW_BDF_MAX]);
/* "2M", "2048k", "1G", "1GiB" -> KiB.  0 or -EINVAL. */
int np_hw_parse_page_size(const char *s, uint64_t *kib_out);

const char *np_mem_kind_name(enum np_mem_kind kind); /* "DRAM", ... */
/* "DRAM", "HBM", "NVM", "CXL", "GPU" (any case) -> kind; -1 unknown. */
int np_mem_kind_parse(const char *s);

#endif /* NP_HW_H */
