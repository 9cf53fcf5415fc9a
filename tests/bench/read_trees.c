/*
 * read_trees.c: np-bench-read ROOT...: how long reading a Linux host
 * takes, for each captured tree given: numapin's own reader of the
 * kernel's files alone (np_linux_read_sysfs(), what numapin read before
 * hwloc) against the whole read (np_linux_read_host(): the same, then
 * hwloc's load and the overlay).  The median of R reads each, in the same
 * run; prints figures, asserts nothing about time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linux_host.h"

#define ROUNDS 15

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The median time of ROUNDS reads, -1 when the read fails. */
static double median(const char *root, bool hwloc, unsigned int *cpus_out)
{
    double t[ROUNDS], t0;
    struct np_topo topo;
    struct np_err err = {""};
    unsigned int i;
    int rc;

    for (i = 0; i < ROUNDS; i++) {
        np_topo_init(&topo);
        t0 = now_ms();
        rc = hwloc ? np_linux_read_host(root, &topo, &err)
                   : np_linux_read_sysfs(root, &topo, &err);
        t[i] = now_ms() - t0;
        *cpus_out = np_topo_nr_cpus(&topo);
        np_topo_dispose(&topo);
        if (rc) {
            fprintf(stderr, "%s: %s\n", root, err.msg);
            return -1;
        }
    }
    qsort(t, ROUNDS, sizeof(*t), cmp_double);
    return t[ROUNDS / 2];
}

int main(int argc, char **argv)
{
    double own_sum = 0, all_sum = 0;
    unsigned int cpus;
    int i, n = 0;

    printf("%-36s %5s %10s %12s %6s\n", "tree", "cpus", "own (ms)",
           "+hwloc (ms)", "ratio");
    for (i = 1; i < argc; i++) {
        const char *name = strrchr(argv[i], '/');
        double own = median(argv[i], false, &cpus);
        double all = median(argv[i], true, &cpus);

        if (own < 0 || all < 0)
            continue;
        printf("%-36.36s %5u %10.2f %12.2f %6.1f\n", name ? name + 1 : argv[i],
               cpus, own, all, own > 0 ? all / own : 0);
        own_sum += own;
        all_sum += all;
        n++;
    }
    printf("%-36s %5s %10.2f %12.2f %6.1f  (%d trees)\n", "total", "", own_sum,
           all_sum, own_sum > 0 ? all_sum / own_sum : 0, n);
    return n ? 0 : 1;
}
