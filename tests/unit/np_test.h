/*
 * np_test.h: helpers shared by the unit suites.
 */
#ifndef NP_TEST_H
#define NP_TEST_H

#include <check.h>
#include <stddef.h>

#include "cpumap.h"
#include "topo.h"

/* The source tree, for fixtures: NP_SRCDIR "/tests/fixtures/...". */
#ifndef NP_SRCDIR
#define NP_SRCDIR "."
#endif

/*
 * Build a dense topology: sockets x cores x threads CPUs numbered in
 * order (threads of a core adjacent), spread over nr_nodes nodes by socket
 * (socket s on node s % nr_nodes), 1 GiB per node, 10/20 distances.
 * Aborts the test on failure.
 */
void np_test_topo_dense(struct np_topo *topo, unsigned int sockets,
                        unsigned int cores, unsigned int threads,
                        unsigned int nr_nodes);

/* The whole file at path, NUL-terminated, malloc'd (free() it), its length
 * in *len_out (may be NULL).  Fails the test when it cannot be read. */
char *np_test_slurp(const char *path, size_t *len_out);

/* Fail unless the CPU time since t0 (clock()) is below limit_s, or
 * san_limit_s in a sanitizer build: a guard against quadratic work on a
 * big input, not a speed figure (those are make bench's). */
void np_test_cpu_below(long t0, double limit_s, double san_limit_s);

/* Fill map (sized to nr_bits) from a list of bits ended by -1. */
void np_test_map(struct np_cpumap *map, unsigned int nr_bits, ...);

#endif /* NP_TEST_H */
