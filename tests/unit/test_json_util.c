/*
 * test_json_util.c: the duplicate-key pass every JSON reader runs after
 * json-c (np_json_check_dup_keys): json-c itself keeps the last of two
 * equal keys, so each case below is accepted by json-c and must be
 * refused, naming the key, the object and the line; text without a
 * duplicate is accepted whatever its shape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "np_test.h"

static const struct {
    const char *text;
    const char *msg; /* NULL: accepted */
} cases[] = {
    {"{\"a\": 1, \"b\": 2}", NULL},
    {"{\"a\": 1, \"a\": 2}", "t.json: top level: duplicate key 'a' (line 1)"},
    {"{\"a\": {\"c\": 1},\n \"b\": {\"c\": 2, \"c\": 3}}",
     "t.json: b: duplicate key 'c' (line 2)"},
    /* the same key written two ways is the same key to json-c */
    {"{\"a\": 1, \"\\u0061\": 2}", "t.json: top level: duplicate key 'a'"},
    {"{\"\\u00e9\": 1, \"\xc3\xa9\": 2}", "duplicate key '\xc3\xa9'"},
    /* keys in arrays of objects are each object's own */
    {"{\"g\": [{\"n\": 1}, {\"n\": 2}]}", NULL},
    {"{\"g\": [{\"n\": 1}, {\"n\": 2, \"m\": 0, \"n\": 3}]}",
     "t.json: g[1]: duplicate key 'n'"},
    {"[[1], {\"x\": [2, {\"y\": 1, \"y\": 1}]}]",
     "[1].x[1]: duplicate key 'y'"},
    /* a string value that looks like a key is not one */
    {"{\"a\": \"a\", \"b\": \"a\"}", NULL},
    {"{\"a\": \"}\", \"b\": \"{\\\"a\\\": 1\"}", NULL},
    /* many keys (sorted, not compared pairwise) */
    {"{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,"
     "\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10}",
     NULL},
    {"{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,"
     "\"k7\":7,\"k8\":8,\"k9\":9,\"k3\":10}",
     "top level: duplicate key 'k3'"},
    /* a prefix is another key */
    {"{\"ab\": 1, \"a\": 2, \"abc\": 3}", NULL},
    /* json-c's lenient reading (plans): comments, single quotes */
    {"{/* \"a\": 0, */ \"a\": 1 // \"a\": 2\n}", NULL},
    {"{'a': 1, \"a\": 2}", "duplicate key 'a'"},
    /* a key that would drive a terminal is escaped */
    {"{\"\\u001b[2J\": 1, \"\\u001b[2J\": 2}", "duplicate key '\\x1b[2J'"},
    {"17", NULL},
    {"\"x\"", NULL},
    {"{}", NULL},
};

START_TEST(dup_keys)
{
    const char *text = cases[_i].text, *msg = cases[_i].msg;
    struct np_err err = {""};
    struct np_json_rd rd = {.name = "t.json", .err = &err};
    json_object *o = json_tokener_parse(text);
    int rc;

    /* json-c takes the text, keeping one of two equal keys */
    ck_assert_msg(o != NULL, "json-c refuses case %d", _i);
    json_object_put(o);
    rc = np_json_check_dup_keys(&rd, text, strlen(text));
    if (!msg) {
        ck_assert_msg(rc == 0, "case %d: %s", _i, err.msg);
        return;
    }
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err.msg, msg), "case %d: '%s', want '%s'", _i, err.msg,
                  msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
}
END_TEST

/* Deep nesting and many objects: every object's keys are its own. */
START_TEST(dup_keys_large)
{
    struct np_err err = {""};
    struct np_json_rd rd = {.err = &err};
    size_t n = 20000, i, len = 0, cap = n * 40 + 64;
    char *buf = malloc(cap);

    ck_assert_ptr_nonnull(buf);
    len += (size_t)snprintf(buf + len, cap - len, "{\"g\": [");
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"id\": %zu, \"k%zu\": 1, \"v\": [1]}",
                                i ? "," : "", i, i);
    len += (size_t)snprintf(buf + len, cap - len, "]}");
    ck_assert_int_eq(np_json_check_dup_keys(&rd, buf, len), 0);
    /* the last object with its key twice */
    len -= 2;
    len -= strlen("}");
    len += (size_t)snprintf(buf + len, cap - len, ", \"id\": 0}]}");
    ck_assert_int_eq(np_json_check_dup_keys(&rd, buf, len), -EINVAL);
    ck_assert_msg(strstr(err.msg, "g[19999]: duplicate key 'id'"), "%s",
                  err.msg);
    free(buf);
}
END_TEST

Suite *suite_test_json_util(void);
Suite *suite_test_json_util(void)
{
    Suite *s = suite_create("json_util");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, dup_keys, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, dup_keys_large);
    suite_add_tcase(s, tc);
    return s;
}
