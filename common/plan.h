/*
 * plan.h: a placement plan as data and its JSON form (applying it is
 * plan_apply.h: only that part needs the backend ops table).
 *
 * A plan says, for each guest it concerns, where the guest should live: a
 * node set, a hard (and/or soft) cpumap per vCPU, a node affinity (where
 * its memory may come from), the memory wanted on each node, and the
 * reasons the solver (common/solver.h) gave.  The same type is the
 * journal that `apply` writes before it changes anything: the guests'
 * previous maps, so that `undo` is an apply of the journal.
 *
 * Invariants:
 *  - nr_cpu_ids / nr_node_ids are those of the host the plan was made
 *    for; every map of a guest is allocated to them (or has nr_bits 0);
 *  - a guest's hard[v] / soft[v] with nr_bits == 0 means "keep that map";
 *    node_affinity with nr_bits == 0 means "keep", node_affinity_auto
 *    means "back to automatic";
 *  - mem_per_node_kib is NULL (no memory target) or nr_node_ids entries;
 *  - placed == false: the solver found no place; such a guest has no maps
 *    and is never applied; its reasons say why;
 *  - a new guest (is_new, from `place`) has id -1 and is never applied.
 *
 * Lifecycle: np_plan_init() / np_plan_dispose() (idempotent); guests are
 * added with np_plan_add_guest() and owned by the plan; reasons are
 * malloc'd strings owned by the plan.
 *
 * The JSON form, version 1 (keys in this order; see docs/placement.md):
 *
 *   {
 *     "numapin_plan": 1,
 *     "kind": "plan",                  (or "journal")
 *     "backend": "test",               (optional: what it was made on)
 *     "host": { "cpu_ids": 8, "node_ids": 2,
 *               "hostname": "xen-a", "host_id": "4f0c...e1" },  (optional)
 *     "policy": "prefer", "overcommit": 1, "pin": "hard",
 *     "score": 10.0,
 *     "reasons": [ "..." ],
 *     "guests": [
 *       { "id": 1, "name": "rhel5xen", "new": false, "placed": true,
 *         "vcpus": 4, "memory_kib": 1048576,
 *         "nodes": "1", "node_affinity": "1",   ("auto"; absent: keep)
 *         "memory_per_node_kib": { "1": 1048576 },  (absent: no target)
 *         "score": 10.0,
 *         "pins": [ { "vcpu": 0, "hard": "4", "soft": "all" } ],
 *         "start_time": 81234,  "emulator": "0-1",   (optional)
 *         "sched_cap": 50, "sched_weight": 256,       (optional)
 *         "reasons": [ "..." ], "advice": "..." }
 *     ]
 *   }
 *
 * Sets are cpu-list strings ("0-3,6", "all", "none"); a pin without
 * "hard" or "soft" keeps that map.  Unknown keys are errors, and so are a
 * vCPU listed twice in one guest's "pins" and a guest listed twice.
 */
#ifndef NP_PLAN_H
#define NP_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumap.h"
#include "np_err.h"
#include "snapshot.h"

#define NP_PLAN_VERSION 1

enum np_policy {
    NP_POLICY_PREFER,  /* whole cores when there are, else any CPUs */
    NP_POLICY_ISOLATE, /* one vCPU per core; its siblings stay idle */
    NP_POLICY_REQUIRE, /* whole free cores only, shared with no guest */
};

enum np_pin_mode {
    NP_PIN_HARD, /* hard = the vCPU's CPU; soft kept */
    NP_PIN_SOFT, /* hard = every CPU; soft = the vCPU's CPU (Xen) */
};

struct np_plan_guest {
    int id; /* -1 for a new guest */
    char *name;
    bool is_new;
    bool placed;
    unsigned int nr_vcpus;
    uint64_t mem_kib;
    struct np_cpumap nodes;         /* the node set: CPUs' and memory's */
    struct np_cpumap node_affinity; /* nr_bits 0: keep */
    bool node_affinity_auto;        /* set it back to automatic */
    uint64_t *mem_per_node_kib;     /* NULL: no memory target */
    struct np_cpumap *hard;         /* nr_vcpus maps; nr_bits 0: keep */
    struct np_cpumap *soft;         /* nr_vcpus maps; nr_bits 0: keep */
    unsigned int score;             /* mean vCPU-to-memory distance x 100 */
    unsigned int nr_reasons;
    char **reasons;
    char *advice;              /* NULL when none */
    bool migrate;              /* journal: the guest was moved by a
                                  relocation (numatune --migrate on
                                  Xen); undo moves it back the same
                                  way.  JSON "migrate": true */
    uint64_t start_time;       /* KVM: the QEMU process's start time
                                  (np_guest.start_time); 0 unknown.
                                  Apply refuses a guest whose process
                                  started at another time (a reused
                                  pid) */
    struct np_cpumap emulator; /* KVM's non-vCPU threads; nr_bits 0:
                                  keep */
    int sched_cap;             /* -1: keep */
    int sched_weight;          /* -1: keep */
};

struct np_plan {
    bool is_journal;
    bool trim_offline; /* a command's own plan (vcpu-pin, reset):
                          offline CPUs in a map are left to the
                          backend, which narrows it and notes it;
                          not in the JSON form */
    char *backend;     /* may be NULL */
    char *host_id;     /* the host it was made for (ident.h's
                          host_id, its hostname); NULL when
                          unknown.  Applying refuses a plan
                          whose host_id is not this host's */
    char *hostname;
    unsigned int nr_cpu_ids;
    unsigned int nr_node_ids;
    enum np_policy policy;
    unsigned int overcommit;
    enum np_pin_mode pin;
    unsigned int score; /* memory-weighted mean of the guests' */
    unsigned int nr_reasons;
    char **reasons;
    unsigned int nr_guests;
    struct np_plan_guest *guests;
};

void np_plan_init(struct np_plan *plan);
void np_plan_dispose(struct np_plan *plan);

/* "prefer" / "isolate" / "require" and back.  parse: 0 or -EINVAL. */
const char *np_policy_name(enum np_policy policy);
int np_policy_parse(const char *s, enum np_policy *policy_out);

/*
 * Append a guest with nr_vcpus vCPUs, every map sized to the plan and
 * "keep" (nr_bits 0 for hard/soft/node_affinity, nodes empty).  Sets
 * *guest_out (valid until the next add).  0 or -ENOMEM.
 */
int np_plan_add_guest(struct np_plan *plan, int id, const char *name,
                      unsigned int nr_vcpus, struct np_plan_guest **guest_out);

/* Append a printf-style reason to a guest (g != NULL) or to the plan.
 * 0 or -ENOMEM. */
int np_plan_reason(struct np_plan *plan, struct np_plan_guest *g,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set g->advice (replacing it).  0 or -ENOMEM. */
int np_plan_advice(struct np_plan_guest *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether apply changes g: placed and not a new guest. */
bool np_plan_guest_applied(const struct np_plan_guest *g);

/*
 * An order for the guests of plan in which each memory move finds room:
 * repeatedly the first guest (in plan order) whose growth on every node
 * fits the free memory that the moves before it leave (a node whose free
 * memory is unknown never lacks room; a guest without a memory target, or
 * not applied, always fits).  order_out (plan->nr_guests entries) may be
 * NULL.  When no guest left fits: with strict, -ENOSPC, and *short_node
 * and *short_kib (either may be NULL) name the node that lacks the least
 * memory for one of them; without strict, the first guest left goes next
 * and the order is completed.  0, -ENOSPC or -ENOMEM.
 *
 * Example: node 0 has 1 GiB free; guest A moves 2 GiB from node 1 to
 * node 0, guest B 2 GiB from node 0 to node 1: the order is B, A.
 */
int np_plan_move_order(const struct np_snapshot *snap,
                       const struct np_plan *plan, bool strict,
                       unsigned int *order_out, int *short_node,
                       uint64_t *short_kib);

/* dst (initialised here) becomes a deep copy of src, every field that
 * the JSON form has kept (trim_offline, which it has not, is false).  0,
 * or -ENOMEM with dst empty. */
int np_plan_copy(struct np_plan *dst, const struct np_plan *src);
/* Append to dst a deep copy of sg, a guest of src.  0 or -ENOMEM. */
int np_plan_copy_guest(struct np_plan *dst, const struct np_plan *src,
                       const struct np_plan_guest *sg);

/* The guest of the plan with that id, or NULL. */
struct np_plan_guest *np_plan_find_guest(const struct np_plan *plan, int id);

/*
 * The journal of the guests of plan that apply would change: for each, the
 * current hard (and soft, when the snapshot has it) map of every vCPU, the
 * node affinity ("auto" when it is every node) and where the memory is now.
 * journal_out is initialised here.  0, -ENOENT (a guest of the plan is not
 * in snap; err names it) or -ENOMEM.
 */
int np_plan_journal(const struct np_snapshot *snap, const struct np_plan *plan,
                    struct np_plan *journal_out, struct np_err *err);

/*
 * JSON.  write: *json_out is malloc'd (free()), pretty-printed, ending with
 * a newline; 0 or -ENOMEM.  read: plan (initialised) is replaced; 0, or
 * -EINVAL with "NAME: PATH: what is wrong" in err, or -ENOMEM.  Reading
 * what was written gives the same plan.
 */
int np_plan_write_json(const struct np_plan *plan, char **json_out,
                       struct np_err *err);
int np_plan_read_json(const char *buf, size_t len, const char *name,
                      struct np_plan *plan, struct np_err *err);
/* The same JSON form written into w (json_write.h) as a value: the
 * history's records embed it. */
struct np_jw;
void np_plan_jw(struct np_jw *w, const struct np_plan *plan);

/* Files: write is atomic (temporary file in the same directory, fsync,
 * rename, fsync of the directory); a failed write leaves path as it was.
 * Both return 0 or a negative errno with a sentence naming the file. */
int np_plan_write_file(const char *path, const struct np_plan *plan,
                       struct np_err *err);
int np_plan_read_file(const char *path, struct np_plan *plan,
                      struct np_err *err);

/*
 * Check that plan can be applied to the host of snap: the same CPU and
 * node ids, every applied guest present with the same name and at least
 * as many vCPUs, every CPU of a map present and online, every node of a
 * node affinity holding memory.  Returns 0, -EINVAL (the plan does not
 * fit this host) or -ESRCH (a guest no longer exists); err says which.
 */
int np_plan_check(const struct np_snapshot *snap, const struct np_plan *plan,
                  struct np_err *err);

#endif /* NP_PLAN_H */
