/*
 * fleet.h: one placement across many hosts, offline: host snapshots
 * (fmt_json.h, written by `numapin dump` on each host) in, decisions and
 * one plan per host out.  numapin stays a single-host tool on each host;
 * the fleet layer only reads files and runs the solver (solver.h) on them.
 *
 * Worked example: three snapshots, xen-a (2 nodes of 4 CPUs, 2 GiB and 3
 * GiB free), kvm-b (4 nodes of 2 CPUs, 1 GiB free each) and kvm-c (1 node
 * of 16 CPUs, 30 GiB free); two new guests of 4 vCPUs and 2 GiB:
 *   - guest 1: xen-a and kvm-c can hold it on one node, kvm-b cannot
 *     (tier 1); --spread (the default) takes the host with the most free
 *     memory after it: kvm-c (28 GiB against xen-a's 3 GiB); the solver
 *     then picks kvm-c's node and CPUs, as `numapin place` would there;
 *   - guest 2 sees guest 1 on kvm-c (its CPUs and its memory taken):
 *     kvm-c again (26 GiB left).  With --pack both go to xen-a, the host
 *     with the least free memory left that still holds them on one node.
 *
 * Rules, for each new guest in turn (each sees the ones decided before):
 *  1. the host's hypervisor matches the request (ident.h: "hypervisor",
 *     else "backend"); a host whose free memory or CPU capacity cannot
 *     hold the guest at all is not tried;
 *  2. hosts that can hold it on one node come first;
 *  3. then the weighing: --spread, the most free memory left on the host
 *     after the guest, then the most free CPU capacity; --pack, the least
 *     free memory left, then the least CPU capacity;
 *  4. then the host name (stable: the same files give the same answer).
 * The first host in that order on which the solver places the guest wins;
 * the solver decides the nodes and CPUs.  Rule 2 is checked again against
 * the solver's answer: a host that looked like one node but needs two goes
 * back among the others.  A guest that fits nowhere is reported with the
 * solver's reason on the host first in the order (the "best host").
 *
 * Capacities for the ordering come from the snapshot: a node's free
 * memory, and per CPU the overcommit limit minus the pinned vCPUs on it (a
 * vCPU pinned to k CPUs counts 1/k on each).  They only order the hosts;
 * the solver has the last word.  A host that refused a guest is not tried
 * again for the next ones (they are the same size and it only fills up).
 *
 * Cost: reading is linear in the snapshots' size; each guest scans every
 * host once (O(hosts)) and runs the solver on as few hosts as it takes,
 * usually one.  tests/bench/fleet measures 10,000 hosts.
 */
#ifndef NP_FLEET_H
#define NP_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "np_err.h"
#include "plan.h"
#include "snapshot.h"
#include "solver.h"

struct np_fleet_host {
    char *path;              /* the snapshot file */
    const char *name;        /* snap.ident.hostname */
    const char *hypervisor;  /* "xen", "kvm" or NULL (unknown) */
    struct np_snapshot snap; /* grows the guests placed here */
    struct np_plan plan;     /* the new guests placed here */
    /* the ordering's view, for the current request (fleet.c) */
    bool fits_one, fits_any, refused;
    uint64_t free_kib;  /* sum of the nodes' free memory */
    uint64_t cap_milli; /* free CPU capacity, vCPUs x 1000 */
};

struct np_fleet {
    unsigned int nr_hosts;
    struct np_fleet_host *hosts; /* sorted by name */
};

/* Called for each snapshot that is skipped, with one sentence naming it. */
typedef void (*np_fleet_warn_fn)(void *opaque, const char *msg);

void np_fleet_init(struct np_fleet *fleet);
void np_fleet_dispose(struct np_fleet *fleet);

/*
 * Read snapshots: each path is a file, or a directory whose *.json files
 * are read in name order.  Skipped, each with one warning: a file that
 * cannot be read or is not a valid snapshot (wrong version included), and
 * a snapshot without a guest list (a topology file: placing there could
 * collide with guests it does not show).  Refused, the whole fleet: two
 * snapshots of one host name (-EINVAL: which of them is the host?), a
 * directory that cannot be listed (-errno), no usable snapshot at all
 * (-ENOENT).  A snapshot without a hostname is named after its file.
 * fleet is initialised here; free it with np_fleet_dispose() whatever the
 * result.
 */
int np_fleet_load(struct np_fleet *fleet, const char *const *paths,
                  unsigned int nr_paths, np_fleet_warn_fn warn, void *opaque,
                  struct np_err *err);

enum np_fleet_weigh {
    NP_FLEET_SPREAD, /* keep headroom: emptiest host first */
    NP_FLEET_PACK,   /* fill hosts: fullest that fits first */
};

struct np_fleet_req {
    const char *name;   /* "new" when NULL; with count > 1 the
                           guests are NAME-1 ... NAME-count */
    unsigned int count; /* 0 counts as 1 */
    unsigned int nr_vcpus;
    uint64_t mem_kib;
    const char *hypervisor; /* "xen", "kvm"; NULL or "any": all */
    enum np_fleet_weigh weigh;
    /* policy, overcommit, pin, reserved, explain: as for np_solve(); its
     * guest lists are ignored */
    struct np_solve_req solve;
};

struct np_fleet_decision {
    char *name;
    int host;              /* index in fleet->hosts; -1: nowhere */
    unsigned int plan_idx; /* the guest in hosts[host].plan */
    int best_host;         /* not placed: the host whose reason it
                              is; -1 when no host was eligible */
    char *reason;          /* not placed: why; NULL otherwise */
};

struct np_fleet_result {
    unsigned int nr_decisions;
    struct np_fleet_decision *decisions;
    unsigned int nr_placed;
    unsigned int nr_solves; /* solver runs it took */
};

void np_fleet_result_dispose(struct np_fleet_result *res);

/*
 * Place req->count new guests, in order, into the fleet.  Each decision
 * is added to its host's snapshot (the guest pinned as planned, the nodes'
 * free memory less its memory) and to its host's plan (hosts[i].plan, made
 * for that host's ids and backend, the guests "new": `numapin apply` binds
 * them by name once they run).  res is initialised here.  Returns 0 when
 * every guest was placed, -ENOSPC when some was not (err: the first, with
 * its reason), -EINVAL for a bad request, -ENOMEM.
 */
int np_fleet_place(struct np_fleet *fleet, const struct np_fleet_req *req,
                   struct np_fleet_result *res, struct np_err *err);

/* A host's figures for `fleet report`. */
struct np_fleet_report {
    unsigned int nr_nodes;
    unsigned int nr_guests;
    unsigned int nr_floating; /* guests with an online vCPU unpinned */
    unsigned int nr_overlaps; /* CPUs in the pins of two guests */
    bool remote_known;        /* some guest's memory position known */
    uint64_t remote_kib;      /* memory on nodes none of the guest's
                                 vCPUs may run on (pinned guests whose
                                 position is known) */
};

void np_fleet_host_report(const struct np_fleet_host *h,
                          struct np_fleet_report *rep);

/*
 * Make plan-guest new (of a plan read from a file) the running guest of
 * that name in snap, so that `apply` can apply a fleet plan once the guest
 * has been started: its id becomes the guest's and it is no longer new.
 * Returns 0 (every new, placed guest of plan bound), -ESRCH (a guest is
 * not running on this host: err names it and says to start it first) or
 * -EINVAL (two guests carry its name).
 */
int np_plan_bind_new(struct np_plan *plan, const struct np_snapshot *snap,
                     struct np_err *err);

#endif /* NP_FLEET_H */
