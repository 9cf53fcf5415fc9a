/*
 * solver.h: where guests should live on a NUMA host.  Pure: a snapshot
 * (topology and current guests) and a request in, a plan out.  No I/O, no
 * clock, no randomness; equal inputs give equal plans, byte for byte.
 * docs/placement.md explains the model and the algorithm.
 *
 * Worked example, the 2010 write-up's host: nodes 0 (CPUs 0-3, 2203620
 * KiB free) and 1 (CPUs 4-7, 3354784 KiB free), distances 10/20.  A new
 * guest of 4 vCPUs and 3 GiB (3145728 KiB):
 *   - node 0 is refused: 2203620 KiB free, the guest needs 3145728;
 *   - node 1 fits: 4 free CPUs, 3354784 KiB free;
 *   - the plan: node 1, vCPU v on CPU 4+v, memory on node 1, score 10.00
 *     (every vCPU's memory is local).
 * A guest of 8 vCPUs fits no node (4 CPUs each): the plan spans nodes 0-1
 * and its advice is to run two 4-vCPU guests or to give it two virtual
 * NUMA nodes.
 *
 * Rules, in order (the first that tells two candidates apart decides):
 *  1. memory fits: the memory goes to nodes with free memory, never to a
 *     node without memory; vCPUs go to usable CPUs of the set (online, not
 *     reserved, below the overcommit limit, allowed by the policy);
 *  2. fewest nodes;
 *  3. least remote memory, each set with its best split of vCPUs and
 *     memory (every node of it as the hub of the vCPUs);
 *  4. SMT: fewest vCPUs beside another guest's on a core;
 *  5. smallest total distance between the nodes of the set (sum over
 *     pairs);
 *  6. least loaded: the fewest vCPUs already pinned per CPU of the set,
 *     then the least memory in use per KiB of the set;
 *  7. lowest node ids.
 * Whole plans are compared by the objective: guests placed, guests whole
 * on one node, distance-weighted remote memory, churn (solver_whole.c).
 * Candidates are grown greedily from every node by distance (O(n^2) per
 * guest for n nodes), never by enumerating combinations.  Several guests
 * at once are then improved by a bounded local search that moves guests
 * spread over several nodes onto one (see IMPROVE_ROUNDS in solver.c and
 * docs/placement.md).
 */
#ifndef NP_SOLVER_H
#define NP_SOLVER_H

#include <stdbool.h>
#include <stdint.h>

#include "np_err.h"
#include "plan.h"
#include "snapshot.h"

/* A guest that does not exist yet. */
struct np_new_guest {
    const char *name;
    unsigned int nr_vcpus;
    uint64_t mem_kib;
};

/* The rules of the hardware model (common/solver_hw.c) for the new
 * guests; every member optional. */
struct np_solve_hw {
    const char *device;   /* a passthrough device's BDF */
    uint64_t page_kib;    /* memory in huge pages of this size */
    const char *cpu_kind; /* "p", "e", an efficiency or a name */
    const char *cpupool;  /* Xen: the pool; NULL: pool 0 */
};

struct np_solve_req {
    enum np_policy policy;
    unsigned int overcommit; /* vCPUs per CPU; 0 or 1: no sharing */
    enum np_pin_mode pin;
    const struct np_cpumap *reserved; /* CPUs for the host / dom0; NULL */
    bool explain;                     /* fill the reasons (on by default in
                                         the commands; the benchmark may
                                         measure without) */
    bool greedy_only;                 /* no improvement pass, no second
                                         order: the plan as before them (for
                                         the benchmark's comparison) */
    /* Whole-host plans (`all`): by default incremental, every guest that
     * is already well placed stays (pinned one CPU per vCPU on one node
     * with its memory there, overlapping no other pin) and a guest moves
     * only for a gain (more guests placed or whole); rebalance asks for
     * the best layout whatever it moves, within max_move_kib of memory
     * moved (0: no bound). */
    bool rebalance;
    uint64_t max_move_kib;
    /* What to place: new guests, then existing guests. */
    unsigned int nr_new;
    const struct np_new_guest *new_guests;
    bool all;            /* re-place every guest of snap */
    unsigned int nr_ids; /* ... or these (by guest id) */
    const int *ids;
    /* The hardware rules' options; NULL: the defaults (solver_hw.c). */
    const struct np_solve_hw *hw;
    /* Guests never re-placed by `all` (Xen's dom0): by id; may be NULL. */
    unsigned int nr_fixed_ids;
    const int *fixed_ids;
};

void np_solve_req_init(struct np_solve_req *req);

/*
 * Plan the request on snap into plan (initialised here; free it with
 * np_plan_dispose() whatever the result).  Guests are placed one at a
 * time, the largest first (memory, then vCPUs, then id), each seeing the
 * ones placed before it.  A guest that fits nowhere is in the plan with
 * placed == false and a reason.
 *
 * Returns 0 when every guest was placed, -ENOSPC when some was not (err:
 * the first, in a sentence: "guest 'big' does not fit: it needs 12 vCPUs,
 * 8 CPUs are free"), -EINVAL for a bad request (unknown guest id, zero
 * vCPUs, no CPU on the host) or -ENOMEM.
 */
int np_solve(const struct np_snapshot *snap, const struct np_solve_req *req,
             struct np_plan *plan, struct np_err *err);

#endif /* NP_SOLVER_H */
