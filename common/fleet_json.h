/*
 * fleet_json.h: the machine output of `numapin fleet` (fleet.h), version
 * 1, described by docs/schema/fleet-place.schema.json and
 * docs/schema/fleet-report.schema.json.
 *
 * place, by example:
 *   { "numapin_fleet": 1, "kind": "place",
 *     "request": { "vcpus": 4, "memory_kib": 2097152, "count": 2,
 *                  "hypervisor": "any", "policy": "prefer",
 *                  "weigh": "spread" },
 *     "hosts": 3, "skipped": [ "skipping 'x.json': ..." ], "placed": 2,
 *     "guests": [
 *       { "name": "web-1", "placed": true, "host": "kvm-c",
 *         "snapshot": "snaps/kvm-c.json", "hypervisor": "kvm",
 *         "plan": "plans/kvm-c.json",             (with -o DIR)
 *         "placement": { ...a guest of the plan JSON (plan.h)... } },
 *       { "name": "big", "placed": false, "best_host": "xen-a",
 *         "reason": "guest 'big' does not fit: ..." } ],
 *     "plans": [ { "host": "kvm-c", "snapshot": "snaps/kvm-c.json",
 *                  "file": "plans/kvm-c.json", "guests": [ "web-1" ] } ] }
 *
 * report: { "numapin_fleet": 1, "kind": "report", "skipped": [...],
 *   "hosts": [ { "host", "snapshot", "hypervisor", "backend", "captured",
 *                "nodes", "free_kib": { "0": KiB, ... }, "guests",
 *                "floating", "overlapping_cpus", "remote_kib" } ] }
 * Keys whose value is unknown are left out (hypervisor, backend, captured,
 * remote_kib).  Both return 0 or -ENOMEM; *json_out is malloc'd (free()).
 */
#ifndef NP_FLEET_JSON_H
#define NP_FLEET_JSON_H

#include "fleet.h"

#define NP_FLEET_JSON_VERSION 1

/* plan_files: per host index the plan file written, or NULL (none). */
int np_fleet_place_json(const struct np_fleet *f,
                        const struct np_fleet_req *req,
                        const struct np_fleet_result *res,
                        const char *const *plan_files,
                        const char *const *skipped, unsigned int nr_skipped,
                        char **json_out, struct np_err *err);

int np_fleet_report_json(const struct np_fleet *f, const char *const *skipped,
                         unsigned int nr_skipped, char **json_out,
                         struct np_err *err);

#endif /* NP_FLEET_JSON_H */
