/*
 * fuzz_cpulist.c: libFuzzer target for the cpu-list parser.
 *
 * Properties checked on every input, on a host with sparse ids:
 *  - parsing never crashes and fails with -EINVAL and a one-line message;
 *  - a list that parses prints to a canonical form that parses back to the
 *    same set of CPUs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct np_topo host;

/* 2 sockets x 2 cores x 2 threads on nodes 0 and 2; cpu 9 absent. */
static void make_host(void)
{
    int cpu;

    np_topo_init(&host);
    if (np_topo_alloc(&host, 12, 3))
        abort();
    np_topo_add_node(&host, 0);
    np_topo_add_node(&host, 2);
    host.nodes[2].mem_total_kib = 1024;
    for (cpu = 0; cpu < 12; cpu++) {
        if (cpu == 9)
            continue;
        np_topo_add_cpu(&host, cpu);
        host.cpus[cpu].node = cpu < 6 ? 0 : 2;
        host.cpus[cpu].socket = cpu < 6 ? 0 : 1;
        host.cpus[cpu].core = cpu / 2 % 3;
    }
    host.cpus[11].online = false;
    if (np_topo_finish(&host, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_cpumap map, again;
    struct np_err err = {""};
    char *s, *canon;
    int rc;

    if (!host.nr_cpu_ids)
        make_host();
    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    np_cpumap_init(&map);
    np_cpumap_init(&again);
    rc = np_cpulist_parse(&host, s, &map, &err);
    if (rc) {
        if (rc != -EINVAL || !err.msg[0] || strchr(err.msg, '\n'))
            abort();
    } else {
        canon = np_cpulist_format(&host, &map);
        if (!canon)
            abort();
        if (strcmp(canon, "none")) {
            if (np_cpulist_parse(&host, canon, &again, NULL) ||
                !np_cpumap_equal(&map, &again))
                abort();
        } else if (!np_cpumap_is_empty(&map)) {
            abort();
        }
        free(canon);
    }
    np_cpumap_dispose(&map);
    np_cpumap_dispose(&again);
    free(s);
    return 0;
}
