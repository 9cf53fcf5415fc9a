/*
 * fleet_bench.c: np-fleet-bench COUNT VCPUS MEM_KIB SNAPSHOT...|DIR: the
 * library's own clock on `fleet place` (common/fleet.h), split into
 * reading and placing, for tests/bench/fleet-bench.  Prints one line:
 *   hosts H guests G read_s R place_s P placed N solves S maxrss_kib M
 * and, per decision, "d NAME HOST" (or "d NAME -"), so that the driver can
 * check the placements it compares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fleet.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct np_fleet fleet;
    struct np_fleet_req req;
    struct np_fleet_result res;
    struct np_err err = {""};
    struct rusage ru;
    unsigned long guests = 0;
    unsigned int i;
    double t0, t1, t2;
    int rc;

    if (argc < 5) {
        fprintf(stderr, "usage: np-fleet-bench COUNT VCPUS MEM_KIB "
                        "SNAPSHOT...|DIR\n");
        return 1;
    }
    memset(&req, 0, sizeof(req));
    np_solve_req_init(&req.solve);
    req.solve.explain = false;
    req.count = (unsigned int)strtoul(argv[1], NULL, 10);
    req.nr_vcpus = (unsigned int)strtoul(argv[2], NULL, 10);
    req.mem_kib = strtoull(argv[3], NULL, 10);
    req.name = "bench";
    t0 = now();
    rc = np_fleet_load(&fleet, (const char *const *)argv + 4,
                       (unsigned int)argc - 4, NULL, NULL, &err);
    if (rc) {
        fprintf(stderr, "np-fleet-bench: %s\n", err.msg);
        return 2;
    }
    t1 = now();
    rc = np_fleet_place(&fleet, &req, &res, &err);
    t2 = now();
    if (rc && rc != -ENOSPC) {
        fprintf(stderr, "np-fleet-bench: %s\n", err.msg);
        return 2;
    }
    for (i = 0; i < fleet.nr_hosts; i++)
        guests += fleet.hosts[i].snap.nr_guests - fleet.hosts[i].plan.nr_guests;
    getrusage(RUSAGE_SELF, &ru);
    printf("hosts %u guests %lu read_s %.3f place_s %.3f placed %u solves %u "
           "maxrss_kib %ld\n",
           fleet.nr_hosts, guests, t1 - t0, t2 - t1, res.nr_placed,
           res.nr_solves, ru.ru_maxrss);
    for (i = 0; i < res.nr_decisions; i++)
        printf("d %s %s\n", res.decisions[i].name,
               res.decisions[i].host >= 0
                   ? fleet.hosts[res.decisions[i].host].name
                   : "-");
    np_fleet_result_dispose(&res);
    np_fleet_dispose(&fleet);
    return 0;
}
