/*
 * test_load_big.c: issue 10's sixth failure in make check: a snapshot of
 * 100,000 guests took 24 s because the check of duplicate names and ids
 * compared every guest with every other.  Loaded here with a bound on the
 * CPU time that a linear reader meets many times over and the quadratic
 * one missed by far (the figure itself is make bench-load's); a duplicate
 * name among them is still found, named, and refused.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt_json.h"
#include "np_test.h"
#include "snapshot.h"

enum { NR_GUESTS = 100000, NR_CPUS = 256 };

/* The text of a host of 256 CPUs on 4 nodes and NR_GUESTS one-vCPU
 * guests g0, g1, ...; guest dup_at (when < NR_GUESTS) is named like
 * guest 0.  malloc'd, its length in *len. */
static char *big_host(unsigned int dup_at, size_t *len)
{
    size_t cap = (size_t)NR_GUESTS * 160 + (size_t)NR_CPUS * 128 + 4096;
    char *s = malloc(cap);
    size_t n = 0;
    unsigned int c, g;

    ck_assert_ptr_nonnull(s);
    n += (size_t)snprintf(s + n, cap - n,
                          "{\"numapin\": 2, \"host\": {\"cpus\": [");
    for (c = 0; c < NR_CPUS; c++)
        n += (size_t)snprintf(
            s + n, cap - n,
            "%s{\"id\": %u, \"online\": true, \"socket\": %u, \"core\": %u, "
            "\"node\": %u, \"siblings\": \"%u-%u\"}",
            c ? "," : "", c, c / 64, (c % 64) / 2, c / 64, c & ~1u, c | 1u);
    n += (size_t)snprintf(s + n, cap - n, "], \"nodes\": [");
    for (c = 0; c < 4; c++)
        n += (size_t)snprintf(s + n, cap - n,
                              "%s{\"id\": %u, \"memory_kib\": 1073741824}",
                              c ? "," : "", c);
    n += (size_t)snprintf(s + n, cap - n, "]}, \"guests\": [");
    for (g = 0; g < NR_GUESTS; g++)
        n += (size_t)snprintf(
            s + n, cap - n,
            "%s{\"id\": %u, \"name\": \"g%u\", \"memory_kib\": 1024, "
            "\"vcpus\": [{\"id\": 0, \"online\": true, \"running\": true, "
            "\"blocked\": false, \"time_ns\": 0, \"hard\": \"%u\"}]}",
            g ? "," : "", g + 1, g == dup_at ? 0 : g, g % NR_CPUS);
    n += (size_t)snprintf(s + n, cap - n, "]}");
    ck_assert_uint_lt(n, cap);
    *len = n;
    return s;
}

START_TEST(hundred_thousand_guests)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    size_t len;
    char *text = big_host(NR_GUESTS, &len);
    clock_t t0;

    np_snapshot_init(&snap);
    t0 = clock();
    ck_assert_msg(np_json_read_snapshot(text, len, "big", &snap, &err) == 0,
                  "%s", err.msg);
    np_test_cpu_below(t0, 8, 40);
    ck_assert_uint_eq(snap.nr_guests, NR_GUESTS);
    ck_assert_str_eq(snap.guests[NR_GUESTS - 1].name, "g99999");
    np_snapshot_dispose(&snap);
    free(text);
}
END_TEST

START_TEST(hundred_thousand_guests_one_twice)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    size_t len;
    char *text = big_host(NR_GUESTS - 1, &len);

    np_snapshot_init(&snap);
    ck_assert_int_ne(np_json_read_snapshot(text, len, "big", &snap, &err), 0);
    ck_assert_msg(strstr(err.msg, "'g0'"), "%s", err.msg);
    np_snapshot_dispose(&snap);
    free(text);
}
END_TEST

Suite *suite_test_load_big(void);
Suite *suite_test_load_big(void)
{
    Suite *s = suite_create("load_big");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hundred_thousand_guests);
    tcase_add_test(tc, hundred_thousand_guests_one_twice);
    suite_add_tcase(s, tc);
    return s;
}
