/*
 * np_test.c: helpers shared by the unit suites.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "np_test.h"

void np_test_topo_dense(struct np_topo *topo, unsigned int sockets,
                        unsigned int cores, unsigned int threads,
                        unsigned int nr_nodes)
{
    unsigned int nr = sockets * cores * threads, cpu, a, b;

    ck_assert_int_eq(np_topo_alloc(topo, nr, nr_nodes), 0);
    for (a = 0; a < nr_nodes; a++) {
        np_topo_add_node(topo, (int)a);
        topo->nodes[a].mem_total_kib = 1048576;
        topo->nodes[a].mem_free_kib = 524288;
        topo->nodes[a].mem_free_known = true;
        for (b = 0; b < nr_nodes; b++)
            np_topo_set_distance(topo, (int)a, (int)b, a == b ? 10 : 20);
    }
    for (cpu = 0; cpu < nr; cpu++) {
        struct np_cpu *c = &topo->cpus[cpu];

        np_topo_add_cpu(topo, (int)cpu);
        c->socket = (int)(cpu / (cores * threads));
        c->core = (int)(cpu / threads % cores);
        c->die = 0;
        c->node = c->socket % (int)nr_nodes;
    }
    ck_assert_int_eq(np_topo_finish(topo, NULL), 0);
}

void np_test_map(struct np_cpumap *map, unsigned int nr_bits, ...)
{
    va_list ap;
    int bit;

    ck_assert_int_eq(np_cpumap_alloc(map, nr_bits), 0);
    va_start(ap, nr_bits);
    while ((bit = va_arg(ap, int)) >= 0)
        ck_assert_int_eq(np_cpumap_set(map, bit), 0);
    va_end(ap);
}

void np_test_cpu_below(long t0, double limit_s, double san_limit_s)
{
    double cpu_s = (double)(clock() - (clock_t)t0) / CLOCKS_PER_SEC;

#if defined(__SANITIZE_ADDRESS__)
    ck_assert_msg(cpu_s < san_limit_s,
                  "%.1f s of CPU time under the sanitizers", cpu_s);
    (void)limit_s;
#else
    ck_assert_msg(cpu_s < limit_s, "%.1f s of CPU time", cpu_s);
    (void)san_limit_s;
#endif
}

char *np_test_slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len_out)
        *len_out = (size_t)n;
    return buf;
}
