/*
 * bench.h: the placement benchmark's shared types (tests/bench, `make
 * bench`).  An instance is a host (struct np_snapshot, node ids possibly
 * sparse), the guests already there (pre-filled hosts: they have a place)
 * and the guests to place, and a policy.  Every tool's answer is a
 * struct result, one struct gplace per guest of the instance (the guests
 * already there first), from which the same code computes every figure.
 */
#ifndef NP_BENCH_H
#define NP_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"
#include "snapshot.h"

#define GIB (1024ull * 1024)

struct host_spec {
    const char *name;
    unsigned int nodes;
    unsigned int cores; /* per node with CPUs */
    unsigned int threads;
    unsigned int memonly; /* the last N nodes: memory, no CPUs */
    unsigned int cpuonly; /* the first N nodes: CPUs, no memory */
    bool uneven;          /* cores and memory vary by node */
    bool ring;            /* ring distances, else two levels */
    bool sparse;          /* node ids 0, 2, 4, ... */
    unsigned int mem_gib; /* free per node */
};

struct guest_spec {
    unsigned int vcpus;
    uint64_t mem_kib;
};

/* Where one guest is: vCPUs per node index (fractional when they float
 * over a set), KiB per node index, the CPUs it may run on. */
struct gplace {
    bool placed;
    double *vcpu_on;      /* nr_nodes */
    uint64_t *mem_on;     /* nr_nodes */
    struct np_cpumap aff; /* CPUs its vCPUs may run on */
    bool pinned;          /* one CPU per vCPU (aff has nr_vcpus bits) */
};

struct instance {
    char name[96];
    const char *family;      /* for the summary */
    struct np_snapshot snap; /* the host with the guests already there */
    enum np_policy policy;
    unsigned int nr_nodes; /* present nodes; index i is node_id[i] */
    int *node_id;
    unsigned int nr_old; /* guests already there: snap.guests[i] */
    struct gplace *old;  /* their place */
    unsigned int nr_new;
    struct guest_spec *guests; /* nr_old + nr_new: the old ones first */
    bool small;                /* the exhaustive search runs on it */
};

struct result {
    const char *tool;
    bool ran;
    char note[64];
    struct gplace *g; /* nr_old + nr_new */
    double ms;
    /* churn: guests already there that moved */
    unsigned int moved, repinned;
    double moved_gib;
};

struct metrics {
    unsigned int placed, rejected, whole;
    double remote_gib; /* distance-weighted: GiB x (d - local) / local */
    unsigned int shared_cpus, shared_cores;
    double peak; /* vCPUs per CPU on the busiest node */
};

/* instances.c */
unsigned int bench_instances(struct instance **out, bool quick);
void instance_dispose(struct instance *in);
int node_index_of(const struct instance *in, int id);
unsigned int instance_nr(const struct instance *in);
/* 1,000 one-vCPU guests on 64 nodes / 1,024 CPUs, all already there
 * (placed by numapin one at a time), for the command's own time. */
void bench_thousand(struct instance *out);

/* places.c */
void gplace_init(struct gplace *p, const struct instance *in);
void gplace_dispose(struct gplace *p);
void gplace_copy(struct gplace *dst, const struct gplace *src,
                 const struct instance *in);
void result_init(struct result *r, const struct instance *in, const char *tool);
void result_dispose(struct result *r, const struct instance *in);
void result_metrics(const struct instance *in, const struct result *r,
                    struct metrics *m);
void result_from_plan(const struct instance *in, const struct np_plan *plan,
                      unsigned int first, struct result *r);
double now_ms(void);

/* peers.c */
void run_libxl(const struct instance *in, struct result *r);
void run_bfd(const struct instance *in, struct result *r);
void run_exhaustive(const struct instance *in, struct result *r);

/* numapin runs (np_bench.c) */
void run_numapin(const struct instance *in, struct result *r,
                 unsigned int overcommit, bool greedy);
void run_bfd_numapin(const struct instance *in, struct result *r);

#endif /* NP_BENCH_H */
