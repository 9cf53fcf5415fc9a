/*
 * linux_int.h: what the two files of the Linux host reader share:
 * linux_node.c (the text of /proc and /sys files, a node's files) and
 * linux_host.c (the CPUs and the host).  Not an interface: only
 * kvm/linux_*.c include it.
 */
#ifndef NP_LINUX_INT_H
#define NP_LINUX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumap.h"
#include "rootfs.h"
#include "topo.h"

#define SYS_CPU "sys/devices/system/cpu"
#define SYS_NODE "sys/devices/system/node"

/* Distance of a node to itself, as the kernel reports it (SLIT). */
#define LOCAL_DISTANCE 10

struct meminfo {
    uint64_t total_kib;
    bool has_total;
    uint64_t free_kib;
    bool has_free;
};

/* The columns of nodeN/distance: node ids in order. */
struct columns {
    const int *online; /* node/online's ids */
    unsigned int nr_online;
    const int *possible; /* node/possible's ids; NULL when unknown */
    unsigned int nr_possible;
    const struct np_cpumap *nodes; /* node/online as a map */
};

/* Split a "Key:   value" line without changing it (linux_node.c). */
bool np_linux_split_line(const char *line, const char **key_out,
                         size_t *key_len_out, const char **value_out);
bool np_linux_key_is(const char *key, size_t key_len, const char *name);
/* The next line of *cursor, NUL-terminated in place; NULL at the end. */
char *np_linux_next_line(char **cursor);

/* Read and parse a meminfo file (node -1: /proc/meminfo).  optional as
 * for np_rootfs_read_text(). */
int np_linux_read_meminfo(const struct np_rootfs *r, const char *rel, int node,
                          bool optional, struct meminfo *mi);
/* The huge pages of node (-1: the host's) into topo. */
int np_linux_read_hugepages(const struct np_rootfs *r, struct np_topo *topo,
                            int node);
/* Node node: its CPUs, memory, huge pages and distances (cols: the
 * columns of the distance files). */
int np_linux_read_node(const struct np_rootfs *r, struct np_topo *topo,
                       int node, const struct columns *cols);

#endif /* NP_LINUX_INT_H */
