/*
 * runner.c: the one Check runner for every unit suite.
 * The suite list is generated from the test_*.c file names.
 */
#include <check.h>
#include <stdlib.h>

#define NP_SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef NP_SUITE

int main(void)
{
    SRunner *sr = srunner_create(NULL);
    int failed;

#define NP_SUITE(fn) srunner_add_suite(sr, fn());
#include "suites.h"
#undef NP_SUITE

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
