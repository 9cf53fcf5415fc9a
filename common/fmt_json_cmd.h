/*
 * fmt_json_cmd.h: the --json output of the commands: one JSON object per
 * command, described by docs/schema/COMMAND.json.
 *
 * Every document opens with the same three keys and ends with the same
 * two, whatever the command puts between them:
 *
 *   { "numapin": 1, "command": "vcpu-list", "source": "test backend: h.json",
 *     ...,
 *     "notes": [ "..." ],
 *     "warnings": [ { "kind": "overlap", "message": "cpu 5 is in the pins
 *                     of more than one guest: web1/1 db1/0", "cpu": 5,
 *                     "vcpus": [ { "guest": "web1", "vcpu": 1 }, ... ] } ] }
 *
 * "notes" say how a change went where it went not quite as asked (the
 * backend's note), "warnings" what the text output prints as warning:
 * lines; both are always present, empty when there is nothing to say.
 * Sets of CPUs or nodes are cpu-list strings ("0-3,6", "all", "none") as
 * in the snapshot (fmt_json.h); memory is KiB.
 *
 * The builders return a new json_object (json-c) that the caller releases
 * with json_object_put(), or NULL when out of memory.  Pure: no I/O but
 * np_jcmd_print().
 */
#ifndef NP_FMT_JSON_CMD_H
#define NP_FMT_JSON_CMD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "mapview.h"
#include "snapshot.h"

#define NP_JCMD_VERSION 1

/* {"numapin": 1, "command": cmd, "source": ...}; snap may be NULL (no
 * host read: "source" is omitted). */
json_object *np_jcmd_new(const char *cmd, const struct np_snapshot *snap);

/* Append {"kind": kind, "message": msg} to doc's warnings and return it,
 * so that the caller may add keys. */
json_object *np_jcmd_warn(json_object *doc, const char *kind, const char *msg);
void np_jcmd_note(json_object *doc, const char *msg);

/* One "affinity_unknown" warning (with "guest") per guest (of sel, when
 * not NULL) whose vCPU threads are unknown; np_unknown_warning() is its
 * sentence. */
#define NP_UNKNOWN_MAX 512
void np_jcmd_unknown(json_object *doc, const struct np_snapshot *snap,
                     const struct np_guest *const *sel, unsigned int nr);
void np_unknown_warning(const struct np_guest *g, char *buf, size_t len);

/* One "overlap" warning per overlapping CPU of mv. */
void np_jcmd_overlaps(json_object *doc, const struct np_snapshot *snap,
                      const struct np_mapview *mv);

/* A cpu-list string of map, "all" for every CPU (nodes: every node) of
 * the host, "none" when empty. */
json_object *np_jcmd_cpus(const struct np_topo *topo,
                          const struct np_cpumap *map);
json_object *np_jcmd_nodes(const struct np_topo *topo,
                           const struct np_cpumap *map);

/* The payloads, added to doc. */
int np_jcmd_info(json_object *doc, const struct np_topo *topo, bool numa);
int np_jcmd_nodeinfo(json_object *doc, const struct np_topo *topo);
int np_jcmd_capabilities(json_object *doc, const struct np_topo *topo);
/* node: NP_FREECELL_TOTAL, NP_FREECELL_ALL or a node id. */
int np_jcmd_freecell(json_object *doc, const struct np_topo *topo, int node);
/* "guests": the guests (all when sel is NULL) in the snapshot's guest
 * shape (fmt_json.h). */
int np_jcmd_guests(json_object *doc, const struct np_snapshot *snap,
                   const struct np_guest *const *sel, unsigned int nr);
int np_jcmd_vcpuinfo(json_object *doc, const struct np_snapshot *snap,
                     const struct np_guest *g);
int np_jcmd_map(json_object *doc, const struct np_snapshot *snap,
                const struct np_mapview *mv);

/* Print doc (notes and warnings moved last) pretty, with a newline. */
int np_jcmd_print(FILE *f, json_object *doc);

#endif /* NP_FMT_JSON_CMD_H */
