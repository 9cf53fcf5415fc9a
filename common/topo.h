/*
 * topo.h: the host topology model (plain data, no I/O).
 *
 * Invariants, true once np_topo_finish() has returned 0:
 *  - CPUs and nodes are indexed by their id, never by position: cpus[] has
 *    nr_cpu_ids entries and nodes[] has nr_node_ids entries; an id that the
 *    host does not have is an entry with present == false (sparse ids);
 *  - a present CPU has node == -1 or a present node; an offline CPU may
 *    have lost its socket/core/die (-1) but keeps its node when known;
 *  - nodes[n].cpus is derived: the online CPUs whose node is n.  A node may
 *    have CPUs and no memory, or memory and no CPUs: both are normal;
 *  - distances are looked up by node ids through np_topo_distance(); 0 means
 *    unknown;
 *  - memory is in KiB.
 *
 * Lifecycle: np_topo_init() / np_topo_dispose() (idempotent).  Build one with
 * np_topo_alloc(), fill the entries, then call np_topo_finish().
 */
#ifndef NP_TOPO_H
#define NP_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumap.h"
#include "hw.h"
#include "np_err.h"

/* Ids above these are refused by readers: more than any real host. */
#define NP_MAX_CPU_IDS 65536
#define NP_MAX_NODE_IDS 4096

struct np_cpu {
    bool present; /* this id exists on the host */
    bool online;
    int socket;                /* -1 when unknown */
    int die;                   /* -1 when unknown */
    int core;                  /* -1 when unknown; may restart per socket */
    int node;                  /* -1 when unknown */
    struct np_cpumap siblings; /* SMT siblings, itself included; may be
                                  empty when unknown */
};

struct np_node {
    bool present;
    uint64_t mem_total_kib;
    uint64_t mem_free_kib;
    bool mem_free_known;
    struct np_cpumap cpus; /* derived by np_topo_finish() */
};

struct np_topo {
    unsigned int nr_cpu_ids; /* highest CPU id + 1 */
    struct np_cpu *cpus;
    unsigned int nr_node_ids; /* highest node id + 1 */
    struct np_node *nodes;
    unsigned int *distances; /* nr_node_ids * nr_node_ids, by ids */
    char *cpu_model;         /* e.g. "x86_64"; NULL when unknown */
    unsigned int cpu_mhz;    /* 0 when unknown */
    uint64_t mem_total_kib;  /* host memory; 0: the sum of the nodes */
    char *source;            /* where it came from, for the user */
    struct np_hw *hw;        /* caches, devices, pages (hw.h); NULL when
                                the source knows none of it */
};

void np_topo_init(struct np_topo *topo);
void np_topo_dispose(struct np_topo *topo);

/*
 * Size the tables for CPU ids 0..nr_cpu_ids-1 and node ids
 * 0..nr_node_ids-1, every entry absent, every distance unknown; frees what
 * topo held.  Returns 0, -EINVAL (zero or above the NP_MAX_* limits) or
 * -ENOMEM.
 */
int np_topo_alloc(struct np_topo *topo, unsigned int nr_cpu_ids,
                  unsigned int nr_node_ids);

/* Deep copy.  0 or -ENOMEM. */
int np_topo_copy(struct np_topo *dst, const struct np_topo *src);

/* Mark cpu / node present with defaults (online, unknown placement). */
int np_topo_add_cpu(struct np_topo *topo, int cpu);
int np_topo_add_node(struct np_topo *topo, int node);

/* Check the invariants above and derive the node CPU maps.  Returns 0, or
 * -EINVAL with a sentence in err naming the first inconsistency. */
int np_topo_finish(struct np_topo *topo, struct np_err *err);

/* Distance from node a to node b (by id), 0 when unknown or absent. */
unsigned int np_topo_distance(const struct np_topo *topo, int a, int b);
void np_topo_set_distance(struct np_topo *topo, int a, int b,
                          unsigned int value);

bool np_topo_cpu_exists(const struct np_topo *topo, int cpu);
bool np_topo_node_exists(const struct np_topo *topo, int node);
/* The node of a CPU, or -1. */
int np_topo_cpu_node(const struct np_topo *topo, int cpu);
/* The online CPUs of a node (an empty map for a CPU-less node); NULL when
 * the node does not exist.  Owned by topo. */
const struct np_cpumap *np_topo_node_cpus(const struct np_topo *topo, int node);
bool np_topo_node_has_cpus(const struct np_topo *topo, int node);
bool np_topo_node_has_memory(const struct np_topo *topo, int node);

unsigned int np_topo_nr_cpus(const struct np_topo *topo); /* present */
unsigned int np_topo_nr_online_cpus(const struct np_topo *topo);
unsigned int np_topo_nr_nodes(const struct np_topo *topo); /* present */
/* Highest present CPU id, -1 when none. */
int np_topo_max_cpu_id(const struct np_topo *topo);

/* Fill map (allocated to nr_cpu_ids / nr_node_ids bits) with every present
 * CPU / node id.  0 or -ENOMEM. */
int np_topo_all_cpus(const struct np_topo *topo, struct np_cpumap *map);
int np_topo_all_nodes(const struct np_topo *topo, struct np_cpumap *map);
/* Both at once (what a writer of "all" needs): 0 or -ENOMEM. */
int np_topo_all_maps(const struct np_topo *topo, struct np_cpumap *cpus,
                     struct np_cpumap *nodes);

/*
 * Shape counts over the online CPUs with a known socket:
 * sockets: distinct sockets; cores_per_socket: the most distinct cores in
 * one socket; threads_per_core: the most CPUs sharing one (socket, core).
 * Any out pointer may be NULL.
 */
void np_topo_shape(const struct np_topo *topo, unsigned int *sockets_out,
                   unsigned int *cores_per_socket_out,
                   unsigned int *threads_per_core_out);

/* Host memory in KiB: mem_total_kib, or the sum of the nodes. */
uint64_t np_topo_mem_total(const struct np_topo *topo);
/* Free memory of all nodes; -ENODATA when some node's is unknown. */
int np_topo_mem_free(const struct np_topo *topo, uint64_t *kib_out);

/* Set topo->source (copied).  0 or -ENOMEM. */
int np_topo_set_source(struct np_topo *topo, const char *source);

#endif /* NP_TOPO_H */
