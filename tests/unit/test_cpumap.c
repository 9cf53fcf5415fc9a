/*
 * test_cpumap.c: the np_cpumap bitmap.
 */
#include <errno.h>
#include <stdint.h>

#include "np_test.h"

START_TEST(set_test_clear)
{
    struct np_cpumap m;

    np_cpumap_init(&m);
    ck_assert_int_eq(np_cpumap_alloc(&m, 130), 0);
    ck_assert(np_cpumap_is_empty(&m));
    ck_assert_int_eq(np_cpumap_set(&m, 0), 0);
    ck_assert_int_eq(np_cpumap_set(&m, 64), 0);
    ck_assert_int_eq(np_cpumap_set(&m, 129), 0);
    ck_assert_int_eq(np_cpumap_set(&m, 130), -ERANGE);
    ck_assert_int_eq(np_cpumap_set(&m, -1), -ERANGE);
    ck_assert(np_cpumap_test(&m, 64));
    ck_assert(!np_cpumap_test(&m, 63));
    ck_assert(!np_cpumap_test(&m, 500));
    ck_assert_uint_eq(np_cpumap_weight(&m), 3);
    ck_assert_int_eq(np_cpumap_last(&m), 129);
    np_cpumap_clear(&m, 129);
    ck_assert_int_eq(np_cpumap_last(&m), 64);
    np_cpumap_set_all(&m);
    ck_assert_uint_eq(np_cpumap_weight(&m), 130);
    np_cpumap_zero(&m);
    ck_assert_int_eq(np_cpumap_last(&m), -1);
    np_cpumap_dispose(&m);
    np_cpumap_dispose(&m); /* idempotent */
}
END_TEST

START_TEST(foreach_order)
{
    struct np_cpumap m;
    int bit, seen[8], n = 0;

    np_cpumap_init(&m);
    np_test_map(&m, 200, 3, 63, 64, 65, 127, 128, 199, -1);
    np_cpumap_for_each(bit, &m)
    {
        ck_assert_int_lt(n, 8);
        seen[n++] = bit;
    }
    ck_assert_int_eq(n, 7);
    ck_assert_int_eq(seen[0], 3);
    ck_assert_int_eq(seen[3], 65);
    ck_assert_int_eq(seen[6], 199);
    np_cpumap_dispose(&m);
}
END_TEST

START_TEST(set_operations)
{
    struct np_cpumap a, b, c;

    np_cpumap_init(&a);
    np_cpumap_init(&b);
    np_cpumap_init(&c);
    np_test_map(&a, 16, 0, 1, 2, 3, -1);
    np_test_map(&b, 70, 2, 3, 4, 69, -1);
    ck_assert(np_cpumap_intersects(&a, &b));
    ck_assert_int_eq(np_cpumap_copy(&c, &a), 0);
    np_cpumap_and(&c, &b);
    ck_assert_uint_eq(np_cpumap_weight(&c), 2);
    ck_assert(np_cpumap_subset(&c, &a));
    ck_assert(np_cpumap_subset(&c, &b));
    ck_assert(!np_cpumap_subset(&a, &b));
    np_cpumap_or(&c, &b); /* c has 16 bits: 69 does not fit */
    ck_assert_uint_eq(np_cpumap_weight(&c), 3);
    ck_assert_int_eq(np_cpumap_copy(&c, &a), 0);
    np_cpumap_andnot(&c, &b);
    ck_assert_uint_eq(np_cpumap_weight(&c), 2);
    ck_assert(np_cpumap_test(&c, 0) && np_cpumap_test(&c, 1));
    /* equal ignores size */
    ck_assert_int_eq(np_cpumap_resize(&c, 300), 0);
    np_cpumap_set(&c, 2);
    np_cpumap_set(&c, 3);
    ck_assert(np_cpumap_equal(&c, &a));
    np_cpumap_set(&c, 299);
    ck_assert(!np_cpumap_equal(&c, &a));
    ck_assert_int_eq(np_cpumap_resize(&c, 3), 0);
    ck_assert_uint_eq(np_cpumap_weight(&c), 3);
    ck_assert_int_eq(np_cpumap_set_range(&b, 10, 20), 0);
    ck_assert_int_eq(np_cpumap_set_range(&b, 5, 4), -ERANGE);
    ck_assert_int_eq(np_cpumap_set_range(&b, 60, 70), -ERANGE);
    np_cpumap_dispose(&a);
    np_cpumap_dispose(&b);
    np_cpumap_dispose(&c);
}
END_TEST

START_TEST(bytes_round_trip)
{
    struct np_cpumap m, n;
    uint8_t bytes[3];
    uint8_t big[2] = {0x00, 0x80};

    np_cpumap_init(&m);
    np_cpumap_init(&n);
    np_test_map(&m, 20, 0, 9, 19, -1);
    np_cpumap_to_bytes(&m, bytes, sizeof(bytes));
    ck_assert_uint_eq(bytes[0], 0x01);
    ck_assert_uint_eq(bytes[1], 0x02);
    ck_assert_uint_eq(bytes[2], 0x08);
    ck_assert_int_eq(np_cpumap_from_bytes(&n, 20, bytes, sizeof(bytes)), 0);
    ck_assert(np_cpumap_equal(&m, &n));
    ck_assert_int_eq(np_cpumap_from_bytes(&n, 8, big, sizeof(big)), -ERANGE);
    np_cpumap_dispose(&m);
    np_cpumap_dispose(&n);
}
END_TEST

Suite *suite_test_cpumap(void);
Suite *suite_test_cpumap(void)
{
    Suite *s = suite_create("cpumap");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, set_test_clear);
    tcase_add_test(tc, foreach_order);
    tcase_add_test(tc, set_operations);
    tcase_add_test(tc, bytes_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
