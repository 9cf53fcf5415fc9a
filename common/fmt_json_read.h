/*
 * fmt_json_read.h: what the two files of the snapshot reader share:
 * fmt_json_read.c (the document and its guests) and fmt_json_host.c (the
 * host object, and the readers of ids and id lists).  Not for other
 * callers: the reader's entry points are in fmt_json.h.
 *
 * Every reader takes the member's parent path (base, "guests[3]") and
 * makes the member's own path only for a message; each returns 0,
 * -EINVAL with a sentence in rd->err (json_util.h), or -ENOMEM.
 */
#ifndef NP_FMT_JSON_READ_H
#define NP_FMT_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "json_util.h"
#include "snapshot.h"

/* The largest memory size (KiB) and CPU time a snapshot holds. */
#define NP_JSON_MEM_MAX (INT64_MAX - 1)

/* Up to 9 decimal digits at *p into *out, *p moved past them; -EINVAL
 * when there are none or too many (*p is then unchanged). */
int np_json_id_parse(const char **p, long *out);

/* "BASE[i]" into p, which holds BASE (base_len bytes) already: the
 * loops over cpus, nodes and guests rewrite only the index. */
void np_json_path_set_index(char *p, size_t base_len, size_t i);

/*
 * The list string v, member key of the object at base, into map (all's
 * size), every id in all; kind ("cpu", "node") names the ids in a
 * message.  "all" is every id of all; "none" the empty map.
 */
int np_json_list_read(struct np_json_rd *rd, const struct np_jv *v,
                      const char *base, const char *key, const char *kind,
                      const struct np_cpumap *all, struct np_cpumap *map);

/* The node member m's key names ("12": decimal, no leading zero, a node
 * of topo), without a path or a message; -1 for any other key, which
 * np_json_node_key() then names. */
static inline int np_json_node_of_key(const struct np_topo *topo,
                                      const struct np_jv *m)
{
    const char *k = m->key;
    uint32_t i;
    int node = 0;

    if (!m->klen || m->klen > 9 || (k[0] == '0' && m->klen > 1))
        return -1;
    for (i = 0; i < m->klen; i++) {
        if (k[i] < '0' || k[i] > '9')
            return -1;
        node = node * 10 + (k[i] - '0');
    }
    return np_topo_node_exists(topo, node) ? node : -1;
}

/* A node id used as an object key ("distances", "memory_per_node_kib")
 * of the object at path: a node of topo. */
int np_json_node_key(struct np_json_rd *rd, const struct np_topo *topo,
                     const char *path, const char *key, int *node_out);

/* The "host" object of a snapshot of that format version into topo
 * (finished, host.hardware included). */
int np_json_read_host(struct np_json_rd *rd, const struct np_jv *host,
                      struct np_topo *topo, int version);

/* The identity keys of "host" (version 2 on, ident.h's rules). */
int np_json_read_ident(struct np_json_rd *rd, const struct np_jv *host,
                       struct np_host_ident *ident);

#endif /* NP_FMT_JSON_READ_H */
