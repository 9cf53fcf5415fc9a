/*
 * test_dl.c: a library's table filled with dlopen(3) (dl.h), and the two
 * ways it fails (no such library, a function it lacks), which the XML
 * formats and the hwloc overlay turn into their one line.
 */
#include <errno.h>
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "dl.h"
#include "np_test.h"

START_TEST(fills_the_table)
{
    struct {
        __typeof__(getpid) *getpid;
        __typeof__(strlen) *strlen;
    } t = {NULL, NULL};
    const struct np_dl_sym syms[] = {{"getpid", NP_DL_SLOT(t.getpid)},
                                     {"strlen", NP_DL_SLOT(t.strlen)}};
    const char *why = NULL;

    ck_assert_int_eq(np_dl_load("libc.so.6", RTLD_LOCAL, syms, 2, &why), 0);
    ck_assert_ptr_nonnull(t.getpid);
    ck_assert_int_eq(t.getpid(), getpid());
    ck_assert_uint_eq(t.strlen("numa"), 4);
}
END_TEST

START_TEST(no_library)
{
    void *slot = NULL;
    const struct np_dl_sym syms[] = {{"f", &slot}};
    const char *why = NULL;

    ck_assert_int_eq(
        np_dl_load("libnumapin-no-such.so.9", RTLD_LOCAL, syms, 1, &why),
        -ENOENT);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "libnumapin-no-such.so.9"), "why: %s", why);
    ck_assert_ptr_null(slot);
}
END_TEST

START_TEST(lacks_a_function)
{
    void *a = NULL, *b = NULL;
    const struct np_dl_sym syms[] = {{"getpid", &a},
                                     {"np_no_such_function", &b}};
    const char *why = NULL;

    ck_assert_int_eq(np_dl_load("libc.so.6", RTLD_LOCAL, syms, 2, &why),
                     -ENOENT);
    ck_assert_str_eq(why, "it has no np_no_such_function");
}
END_TEST

Suite *suite_test_dl(void);
Suite *suite_test_dl(void)
{
    Suite *s = suite_create("dl");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, fills_the_table);
    tcase_add_test(tc, no_library);
    tcase_add_test(tc, lacks_a_function);
    suite_add_tcase(s, tc);
    return s;
}
