/*
 * test_xlcfg.c: rewriting the placement keys of an xl.cfg text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "np_test.h"
#include "snapshot.h"
#include "xlcfg.h"

/* text, key, value, expected (NULL: -EINVAL). */
static const struct {
    const char *text, *key, *value, *want;
} set_cases[] = {
    /* replaced in place, the comment after it kept */
    {"name = \"a\"\ncpus = \"all\"   # pinned later\nmemory = 512\n", "cpus",
     "[\"2\", \"3\"]",
     "name = \"a\"\ncpus = [\"2\", \"3\"]   # pinned later\nmemory = 512\n"},
    /* not set: appended on its own line */
    {"name = \"a\"\nvcpus = 2\n", "cpus", "[\"1\"]",
     "name = \"a\"\nvcpus = 2\ncpus = [\"1\"]\n"},
    /* no newline at the end */
    {"name = \"a\"", "cpus", "[\"1\"]", "name = \"a\"\ncpus = [\"1\"]\n"},
    /* an empty file */
    {"", "cpus", "[\"1\"]", "cpus = [\"1\"]\n"},
    /* a list over several lines, with a comment inside */
    {"cpus = [ \"0\",  # first\n   \"1\" ]\nvcpus = 2\n", "cpus",
     "[\"2\", \"3\"]", "cpus = [\"2\", \"3\"]\nvcpus = 2\n"},
    /* two settings on a line: only the key's changes */
    {"memory = 512; cpus = \"0-3\"; vcpus = 4\n", "cpus", "[\"1\"]",
     "memory = 512; cpus = [\"1\"]; vcpus = 4\n"},
    /* cpus_soft is another key than cpus */
    {"cpus_soft = \"1\"\ncpus = \"2\"\n", "cpus", "[\"3\"]",
     "cpus_soft = \"1\"\ncpus = [\"3\"]\n"},
    {"cpus_soft = \"1\"\ncpus = \"2\"\n", "cpus_soft", "[\"3\"]",
     "cpus_soft = [\"3\"]\ncpus = \"2\"\n"},
    /* every setting of the key (xl uses the last), and += */
    {"cpus = \"1\"\n#cpus = \"7\"\ncpus += [\"2\"]\n", "cpus", "[\"3\"]",
     "cpus = [\"3\"]\n#cpus = \"7\"\ncpus = [\"3\"]\n"},
    /* a key in a comment or a string is no setting */
    {"# cpus = \"1\"\nextra = \"cpus = 5\"\n", "cpus", "[\"3\"]",
     "# cpus = \"1\"\nextra = \"cpus = 5\"\ncpus = [\"3\"]\n"},
    /* quotes: escaped in "...", none in '...'; CRLF line ends */
    {"extra = \"a\\\"b ] [\"\r\ncpus='0'\r\n", "cpus", "[\"1\"]",
     "extra = \"a\\\"b ] [\"\r\ncpus = [\"1\"]\r\n"},
    /* a line xl would refuse is left alone */
    {"this is not xl\ncpus = 1\n", "cpus", "[\"2\"]",
     "this is not xl\ncpus = [\"2\"]\n"},
    /* errors: an open string, an open list, a missing value */
    {"cpus = \"1\n", "cpus", "[\"2\"]", NULL},
    {"cpus = [\"1\",\n\"2\"\nvcpus = 2\n", "cpus", "[\"2\"]", NULL},
    {"cpus = # nothing\n", "cpus", "[\"2\"]", NULL},
};

START_TEST(set_key)
{
    struct np_err err = {""};
    char *out = NULL;
    int rc;

    rc = np_xlcfg_set(set_cases[_i].text, set_cases[_i].key,
                      set_cases[_i].value, &out, &err);
    if (!set_cases[_i].want) {
        ck_assert_int_eq(rc, -EINVAL);
        ck_assert_ptr_null(out);
        ck_assert_msg(!strncmp(err.msg, "line ", 5), "err: %s", err.msg);
        return;
    }
    ck_assert_msg(rc == 0, "rc %d: %s", rc, err.msg);
    ck_assert_str_eq(out, set_cases[_i].want);
    free(out);
}
END_TEST

START_TEST(get_string)
{
    char *v = NULL;

    ck_assert_int_eq(
        np_xlcfg_get_string("name = \"x\"\nname = 'y z'\n", "name", &v, NULL),
        0);
    ck_assert_str_eq(v, "y z");
    free(v);
    ck_assert_int_eq(np_xlcfg_get_string("name=\"a\\\"b\"", "name", &v, NULL),
                     0);
    ck_assert_str_eq(v, "a\"b");
    free(v);
    ck_assert_int_eq(np_xlcfg_get_string("vcpus = 2\n", "name", &v, NULL),
                     -ENOENT);
    ck_assert_int_eq(np_xlcfg_get_string("name = 2\n", "name", &v, NULL),
                     -EINVAL);
}
END_TEST

START_TEST(format_list)
{
    const char *items[] = {"0-1", "all"};
    char *s = np_xlcfg_format_list(items, 2);

    ck_assert_str_eq(s, "[\"0-1\", \"all\"]");
    free(s);
    s = np_xlcfg_format_list(items, 0);
    ck_assert_str_eq(s, "[]");
    free(s);
}
END_TEST

/* A guest on 2 sockets x 2 cores, 2 nodes: vCPU 0 pinned to 2, soft
 * 0-1; vCPU 1 (offline) free. */
static void guest(struct np_snapshot *s, bool with_soft, struct np_guest **g)
{
    np_snapshot_init(s);
    np_test_topo_dense(&s->topo, 2, 2, 1, 2);
    ck_assert_int_eq(np_snapshot_add_guest(s, 1, "domu1", 2, with_soft, g), 0);
    np_cpumap_set(&(*g)->vcpus[0].hard, 2);
    np_cpumap_set_all(&(*g)->vcpus[1].hard);
    if (with_soft) {
        np_cpumap_set_range(&(*g)->vcpus[0].soft, 0, 1);
        np_cpumap_set_all(&(*g)->vcpus[1].soft);
    }
}

START_TEST(placement)
{
    struct np_snapshot s;
    struct np_guest *g;
    struct np_err err = {""};
    char *out = NULL;
    const char *text = "# domu1\nname = \"domu1\"\nvcpus = 2\n"
                       "cpus = \"all\"\n";

    guest(&s, true, &g);
    ck_assert_int_eq(np_xlcfg_set_placement(text, &s.topo, g, &out, &err), 0);
    ck_assert_str_eq(out, "# domu1\nname = \"domu1\"\nvcpus = 2\n"
                          "cpus = [\"2\", \"all\"]\n"
                          "cpus_soft = [\"0-1\", \"all\"]\n");
    free(out);
    np_snapshot_dispose(&s);

    /* Without soft affinity (KVM): cpus only. */
    guest(&s, false, &g);
    ck_assert_int_eq(np_xlcfg_set_placement(text, &s.topo, g, &out, &err), 0);
    ck_assert_str_eq(out, "# domu1\nname = \"domu1\"\nvcpus = 2\n"
                          "cpus = [\"2\", \"all\"]\n");
    free(out);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(placement_other_guest)
{
    struct np_snapshot s;
    struct np_guest *g;
    struct np_err err = {""};
    char *out = NULL;

    guest(&s, true, &g);
    ck_assert_int_eq(
        np_xlcfg_set_placement("name = \"web\"\n", &s.topo, g, &out, &err),
        -EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_str_eq(err.msg,
                     "this is the configuration of 'web', not of 'domu1'");
    np_snapshot_dispose(&s);
}
END_TEST

/* Round trip: what persist writes reads back as the same lists. */
START_TEST(placement_round_trip)
{
    struct np_snapshot s;
    struct np_guest *g;
    char *once = NULL, *twice = NULL;

    guest(&s, true, &g);
    ck_assert_int_eq(
        np_xlcfg_set_placement("name='domu1'\n", &s.topo, g, &once, NULL), 0);
    ck_assert_int_eq(np_xlcfg_set_placement(once, &s.topo, g, &twice, NULL), 0);
    ck_assert_str_eq(once, twice);
    free(once);
    free(twice);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(get_number)
{
    struct np_err err = {""};
    unsigned long n = 7;

    ck_assert_int_eq(np_xlcfg_get_number("vcpus = 2\nmemory=512 # MiB\n"
                                         "vcpus = 4;\n",
                                         "vcpus", &n, &err),
                     0);
    ck_assert_uint_eq(n, 4); /* the last setting, as xl */
    ck_assert_int_eq(
        np_xlcfg_get_number("memory=512 # MiB\n", "memory", &n, &err), 0);
    ck_assert_uint_eq(n, 512);
    ck_assert_int_eq(np_xlcfg_get_number("name = \"a\"\n", "vcpus", &n, &err),
                     -ENOENT);
    ck_assert_int_eq(
        np_xlcfg_get_number("name = \"a\"\nvcpus = \"2\"\n", "vcpus", &n, &err),
        -EINVAL);
    ck_assert_msg(strstr(err.msg, "line 2: vcpus is not a number"), "%s",
                  err.msg);
    np_err_clear(&err);
    ck_assert_int_eq(
        np_xlcfg_get_number("vcpus = 99999999999\n", "vcpus", &n, &err),
        -EINVAL);
    ck_assert_int_eq(np_xlcfg_get_number("vcpus = -1\n", "vcpus", &n, NULL),
                     -EINVAL);
}
END_TEST

Suite *suite_test_xlcfg(void);

Suite *suite_test_xlcfg(void)
{
    Suite *s = suite_create("xlcfg");
    TCase *tc = tcase_create("xlcfg");

    tcase_add_loop_test(tc, set_key, 0,
                        (int)(sizeof(set_cases) / sizeof(set_cases[0])));
    tcase_add_test(tc, get_string);
    tcase_add_test(tc, get_number);
    tcase_add_test(tc, format_list);
    tcase_add_test(tc, placement);
    tcase_add_test(tc, placement_other_guest);
    tcase_add_test(tc, placement_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
