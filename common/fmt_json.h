/*
 * fmt_json.h: a whole snapshot (topology and guests) as a JSON file.
 *
 * This file is what --topology, the test backend, fleet planning and bug
 * reports share.  The writer and the reader are a documented pair:
 * reading what the writer wrote gives back the same model, and writing it
 * again gives the same text, byte for byte.
 *
 * The schema, version 2, by example (keys always in this order);
 * docs/schema/snapshot.schema.json is the same as a JSON Schema:
 *
 *   {
 *     "numapin": 2,
 *     "host": {
 *       "hostname": "xen-a", "backend": "xen", "hypervisor": "xen",
 *       "hypervisor_version": "4.17.3",
 *       "host_id": "3d1219c7c4c5404aaa1f6d2a48adfda4",
 *       "captured": "2026-12-02T01:53:25Z",
 *       "cpu_model": "x86_64",
 *       "cpu_mhz": 1000,
 *       "memory_kib": 8179176,
 *       "cpus": [
 *         { "id": 0, "online": true, "socket": 0, "die": 0, "core": 0,
 *           "node": 0, "siblings": "0" },
 *         { "id": 7, "online": false, "node": 1 }
 *       ],
 *       "nodes": [
 *         { "id": 0, "memory_kib": 4089588, "free_kib": 2203620,
 *           "cpus": "0-3", "distances": { "0": 10, "1": 20 } }
 *       ]
 *     },
 *     "guests": [
 *       { "id": 1, "name": "rhel5xen", "memory_kib": 1048576,
 *         "node_affinity": "all",
 *         "memory_per_node_kib": { "0": 524288, "1": 524288 },
 *         "vcpus": [
 *           { "id": 0, "online": true, "running": true, "blocked": false,
 *             "cpu": 3, "time_ns": 500000000, "hard": "all", "soft": "0-3",
 *             "tid": 4916 }
 *         ] }
 *     ]
 *   }
 *
 * Rules:
 *  - "numapin" is the format version: 2, or 1 (files written before the
 *    identity: read as before; the writer always writes 2).
 *  - The identity keys (hostname ... captured, ident.h) are optional and
 *    only in version 2; each is printable ASCII without '"' or '\\', a
 *    hostname only letters, digits, '-', '_', '.', "backend" one of xen,
 *    kvm, test, "captured" UTC as YYYY-MM-DDTHH:MM:SSZ.  The reader keeps
 *    them as they are; a command reading a live backend or the test
 *    backend fills them anew (xl-plugin/numapin.c).
 *  - A value the model does not know is omitted, never written as -1 or 0:
 *    "cpu_model", "cpu_mhz" (0), host "memory_kib" (0: the sum of the
 *    nodes), a CPU's "socket", "die", "core", "node" (-1) and "siblings"
 *    (empty), a node's "free_kib" and "distances" (none known), a guest's
 *    "node_affinity" and "memory_per_node_kib", a vCPU's "cpu" (-1), "soft"
 *    (no soft affinity) and "tid" (0).  A node's "cpus" is always written
 *    and optional on input.  Every other key is required.
 *  - Sets of CPUs or nodes are list strings: "N", "N-M", comma separated
 *    ("0-3,6"), or "all" (every CPU / node the host has) or "none"; no
 *    spaces, no empty entries, N <= M.  Every id must exist on the host.
 *    The writer uses "none" for an empty set and "all" for a hard, soft or
 *    node affinity map that holds every CPU / node of the host; bits such a
 *    map has for ids the host does not have (Xen's "any" map) are not kept.
 *  - CPUs and nodes are listed by id, sparse ids allowed, in any order on
 *    input (the writer sorts them).  A node's "cpus" is informative: it must
 *    equal the online CPUs whose "node" is that node.  "distances" and
 *    "memory_per_node_kib" are keyed by node id; a node missing from
 *    "memory_per_node_kib" holds nothing of that guest.
 *  - A guest's "vcpus" are listed in id order from 0.
 *  - "guests" absent: the file says nothing about guests (has_guests is
 *    false); present, even empty: it lists them all.
 *  - Unknown keys are errors, so a typo is never silently ignored.  When a
 *    key appears twice in one object, the last one wins (json-c).
 *  - topo.source and snapshot.backend are not stored: the reader sets them.
 *  - Memory is in KiB, CPU time in nanoseconds.
 */
#ifndef NP_FMT_JSON_H
#define NP_FMT_JSON_H

#include <stddef.h>

#include "np_err.h"
#include "snapshot.h"

#define NP_JSON_VERSION 2

/* The identity keys of "host", in this order (ident.h): an X-macro
 * that the writer and the reader share. */
#define NP_JSON_IDENT_KEYS(X)                                                  \
    X(hostname)                                                                \
    X(backend) X(hypervisor) X(hypervisor_version) X(host_id) X(captured)

/*
 * Format snap as JSON, pretty-printed with a 2-space indent, keys in the
 * order above, ending with a newline.  *json_out is malloc'd and owned by
 * the caller, who frees it with free().  Returns 0, -EINVAL (the topology
 * is empty) or -ENOMEM; *json_out is NULL on failure.
 */
int np_json_write_snapshot(const struct np_snapshot *snap, char **json_out,
                           struct np_err *err);

/*
 * Write snap to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory.  On failure path is
 * left as it was and the temporary file is removed.  Returns 0 or a
 * negative errno with a sentence naming the file.
 */
int np_json_write_snapshot_file(const char *path,
                                const struct np_snapshot *snap,
                                struct np_err *err);

/*
 * Parse len bytes of JSON into snap.  name_for_errors (may be NULL) names
 * the input in messages: "FILE:LINE: ..." for malformed JSON, "FILE: PATH:
 * ..." for a bad value, where PATH is the JSON path ("host.cpus[3].node").
 *
 * snap must have been initialised; what it held is freed.  On success snap
 * holds a finished topology (topo.source = name_for_errors), the guests,
 * has_guests, and backend = "file".  On failure snap is left empty (as
 * after np_snapshot_init()).  Returns 0, -EINVAL with one sentence in err
 * for any malformed or invalid input, or -ENOMEM.
 */
int np_json_read_snapshot(const char *buf, size_t len,
                          const char *name_for_errors, struct np_snapshot *snap,
                          struct np_err *err);

/*
 * Read the file at path with np_json_read_snapshot().  Also returns the
 * negative errno of open/read (-ENOENT, -EACCES, ...), -EINVAL for a file
 * that is not a regular file and -EFBIG for one larger than NP_FILE_MAX
 * bytes (np_file_read_all()).
 */
int np_json_read_snapshot_file(const char *path, struct np_snapshot *snap,
                               struct np_err *err);

#endif /* NP_FMT_JSON_H */
