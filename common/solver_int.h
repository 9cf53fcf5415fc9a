/*
 * solver_int.h: the state the solver (solver.h) keeps while it places
 * guests, shared by its files: solver.c (the whole request),
 * solver_place.c (one guest), solver_split.c (one guest over a node
 * set), solver_improve.c (the improvement pass), solver_explain.c
 * (reasons and advice).  Not an interface: nothing
 * outside common/solver*.c includes it.
 *
 * While it places guests one at a time, the solver keeps:
 *  - per node (by index into the present nodes): the memory still free
 *    (KiB) and whether the node can hold memory at all;
 *  - per CPU (by id): its load in milli-vCPUs (a vCPU pinned to k CPUs
 *    adds 1000/k, rounded up, to each) and its core;
 *  - per core: whether a guest placed with isolate/require owns it.
 * A CPU can take one more vCPU when load + 1000 <= overcommit * 1000 and
 * its core is not owned: with overcommit 1, a CPU in anyone's pin is
 * never used again, so pins never overlap.
 */
#ifndef NP_SOLVER_INT_H
#define NP_SOLVER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "solver.h"

#define MILLI 1000u /* a vCPU, in the milli-vCPUs of a CPU's load */

/* How candidates that tie on rules 2-3 are ordered (struct solver.pack). */
#define SOLVER_SPREAD 0
#define SOLVER_PACK 1
#define SOLVER_BESTFIT 2
/* best fit before the SMT rule (rule 9 before 8): the fullest node first,
 * as a plain best fit does */
#define SOLVER_FITFIRST 3

struct core {
    int node;             /* node index */
    unsigned int first;   /* into core_cpus */
    unsigned int nr_cpus; /* online, unreserved threads */
};

/* One candidate node set: sorted node indices and its figures. */
struct cand {
    unsigned int nr;
    unsigned int *members; /* into the shared members pool */
    bool fits;
    uint64_t total_distance;
    uint64_t cpu_load; /* milli-vCPUs pinned on its CPUs */
    uint64_t nr_cpus;  /* usable CPUs of its nodes */
    uint64_t mem_used; /* KiB in use on its memory nodes */
    uint64_t mem_total;
    uint64_t mem_free; /* KiB free on its memory nodes (best fit) */
    double cost;       /* the best split's vCPU-to-memory distance x KiB,
                          per vCPU (solver_cand_score) */
    unsigned int smt;  /* vCPUs it would put beside another guest's on a
                          core (prefer) */
};

/* Where a placed guest is: the nodes of its candidate (by index), the
 * vCPUs and KiB on each, its CPUs. */
struct where {
    unsigned int nr;
    unsigned int *node;
    unsigned int *vcpus;
    uint64_t *mem;
    unsigned int nr_vcpus;
    int *cpus;   /* ascending */
    double cost; /* vCPU-to-memory distance x KiB, per vCPU */
};

/* One guest to place. */
struct job {
    unsigned int plan_idx;    /* its entry in the plan */
    const struct np_guest *g; /* NULL for a new guest */
    unsigned int nr_vcpus;
    uint64_t mem_kib;
    bool placed;
    struct where at;         /* once placed */
    struct where was;        /* the improvement pass: before a trial */
    bool moved;              /* by the improvement pass */
    bool kept;               /* left where it is (incremental plan) */
    const char *unkept;      /* why a guest already there was not kept */
    unsigned __int128 share; /* dominant share, scaled: the larger of
                                vCPUs x host memory, memory x host CPUs */
};

struct solver {
    const struct np_snapshot *snap;
    const struct np_topo *topo;
    const struct np_solve_req *req;
    struct np_plan *plan;
    uint32_t limit;   /* overcommit * MILLI */
    bool single_only; /* place only guests that one node holds (the
                         first pass of best fit) */
    int pack;         /* SOLVER_SPREAD, SOLVER_PACK (rule 4 reversed: most
                         loaded first) or SOLVER_BESTFIT (least free memory
                         first) */

    unsigned int nr_nodes;
    int *node_ids;      /* index -> id */
    unsigned int *dist; /* nr_nodes^2, by index */
    bool *has_mem;
    int64_t *mem_avail; /* KiB */
    uint64_t *mem_total;
    unsigned int *node_cpus; /* usable CPUs per node */

    unsigned int nr_cores;
    struct core *cores; /* grouped by node, in CPU id order */
    int *core_cpus;
    unsigned int *node_core_first; /* nr_nodes + 1: cores of node i are
                                      node_core_first[i] .. [i+1]-1 */
    int *core_of;                  /* by CPU id; -1 unusable */
    bool *owned;                   /* per core */
    uint32_t *load;                /* by CPU id */
    unsigned int max_node_cpus;
    uint64_t max_node_mem;

    /* Scratch, sized once. */
    unsigned int *cap;       /* per node: vCPUs it can take now */
    unsigned int *whole_cap; /* per node: threads of its free cores */
    uint64_t *mem;           /* per node: memory it can take now */
    uint64_t *dsum;
    unsigned int *stamp; /* per node: the grow() that took it */
    unsigned int gen;    /* the current grow() */
    struct cand *cands;
    unsigned int *pool;     /* nr_nodes * nr_nodes members */
    unsigned int *take;     /* vCPUs per node of the winner */
    uint64_t *mem_take;     /* KiB per node of the winner */
    int *chosen;            /* CPUs chosen, nr_vcpus */
    bool *picked;           /* by CPU id: chosen for this guest */
    unsigned int local_pct; /* of the guest just committed */
    struct solver_hw *hw;   /* solver_hw.c's state; NULL without topo->hw */
};

static inline unsigned int dist(const struct solver *s, unsigned int a,
                                unsigned int b)
{
    return s->dist[a * s->nr_nodes + b];
}

/* The order guests are placed in, and how ties are broken: one way of
 * planning the whole request (solver_whole.c tries several). */
enum solver_order {
    SOLVER_BY_MEMORY,   /* the largest memory first, then vCPUs */
    SOLVER_BY_SHARE,    /* the largest share of the host first */
    SOLVER_SMALLEST,    /* the smallest share first: the most guests */
    SOLVER_WHOLE_FIRST, /* largest memory first, each on the fullest single
                           node that holds it; then the rest */
};

struct solver_strategy {
    int pack; /* SOLVER_SPREAD, _PACK or _BESTFIT */
    enum solver_order order;
    bool keep;       /* guests already well placed stay */
    int rest_pack;   /* SOLVER_WHOLE_FIRST: how the guests the
                        first pass left are placed */
    const char *why; /* for the plan's reasons */
    /* SOLVER_WHOLE_FIRST: the order of the guests the first pass left */
    enum solver_order rest_order;
};

/* solver.c: the whole request */
int solver_solve_once(const struct np_snapshot *snap,
                      const struct np_solve_req *req,
                      const struct solver_strategy *st, struct np_plan *plan,
                      unsigned int *nr_jobs_out, struct np_err *err);
const struct np_cpumap *solver_vcpu_pin(const struct solver *s,
                                        const struct np_vcpu *v);

/* solver_place.c: one guest */
void solver_node_caps(struct solver *s, unsigned int n);
void solver_compute_caps(struct solver *s);
bool solver_grow(struct solver *s, unsigned int seed, unsigned int vcpus,
                 uint64_t mem_kib, struct cand *c);
void solver_cand_figures(const struct solver *s, struct cand *c);
int solver_cand_decide(const struct cand *a, const struct cand *b, int pack,
                       bool *better_out);
double solver_split(struct solver *s, const struct job *j,
                    const struct cand *c);
void solver_cand_score(struct solver *s, const struct job *j, struct cand *c);
void solver_where_dispose(struct where *w);
void solver_occupy(struct solver *s, const struct where *w);
void solver_vacate(struct solver *s, const struct where *w);
unsigned int solver_where_nodes_used(const struct where *w);
int solver_choose(struct solver *s, const struct job *j, const struct cand *c,
                  struct where *w);
int solver_fill_entry(struct solver *s, const struct job *j);
unsigned int solver_find_cands(struct solver *s, const struct job *j,
                               unsigned int *win_out, unsigned int *second_out,
                               unsigned int *nr_fit_out, bool *single_out);
int solver_place_one(struct solver *s, struct job *j, bool *placed_out,
                     struct np_err *err);

/* solver_keep.c: guests already there */
bool solver_keep(struct solver *s, struct job *j);
int solver_churn_reason(struct solver *s, const struct job *j);

/* solver_improve.c: the improvement pass */
int solver_improve_and_refill(struct solver *s, struct job *jobs,
                              unsigned int nr_jobs);

/* solver_hw.c: the rules of the hardware model (caches, kinds, huge
 * pages, devices, cpupools); each does nothing when s->hw is NULL */
int solver_hw_init(struct solver *s, struct np_err *err);
void solver_hw_dispose(struct solver *s);
bool solver_hw_constrained(const struct solver *s);
void solver_hw_begin(struct solver *s, struct job *j);
bool solver_hw_relax(struct solver *s, struct job *j);
void solver_hw_pick(struct solver *s, const struct job *j,
                    const struct cand *c);
int solver_hw_end(struct solver *s, struct job *j, bool placed);
/* Why node index n cannot take j when a hardware rule is the cause, in
 * why ("is not the node of device ..."); false when it is not. */
bool solver_hw_refusal(const struct solver *s, unsigned int n,
                       const struct job *j, char *why, size_t size);

/* solver_explain.c: reasons and advice */
void solver_format_mem(uint64_t kib, char *buf, size_t size);
int solver_advise(struct solver *s, const struct job *j,
                  struct np_plan_guest *pg, unsigned int nr_nodes_used);
int solver_explain_candidates(struct solver *s, const struct job *j,
                              struct np_plan_guest *pg, unsigned int nr_cands,
                              unsigned int nr_fit, bool single);
int solver_explain_choice(struct solver *s, const struct job *j,
                          struct np_plan_guest *pg, unsigned int win,
                          unsigned int second);
int solver_plan_reasons(struct solver *s, const bool *replaced);

#endif /* NP_SOLVER_INT_H */
