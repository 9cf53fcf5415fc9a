/*
 * test_json_doc.c: numapin's own JSON parser (json_doc.h).  Text it takes
 * must give the tree json-c gives (strict and lenient); everything else,
 * errors, duplicate keys and what json-c reads its own way included, it
 * must give up on (-EAGAIN), so that json-c's verdict and messages stand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "json_doc.h"
#include "np_test.h"

/* Taken by the parser, and the same tree as json-c's. */
static const char *const taken[] = {
    "{}",
    "[]",
    " \t\r\n{\"a\": 1}\n\n",
    "{\"a\":1,\"b\":[1,-0,0,0.5,1e5,-1.5E-3,2e+2,true,false,null]}",
    "[\"q\\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\t\"]",
    "[\"raw\ttab\x01"
    "ctl\xc3\xa9\xff\"]",
    "{\"\": \"\", \"a\": {\"b\": {}, \"c\": [[], [{}]]}}",
    "[123456789012345678, -123456789012345678]",
    "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,"
    "\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10}",
    "{\"g\": [{\"n\": 1}, {\"n\": 2}], \"n\": [{\"g\": 1}]}",
    "{\"a\\nb\": 1, \"a\\u000ab\": 2}", /* given up on: \u */
    "[1.7976931348623157e309, 4.9e-330]",
};

/* Given up on: json-c decides. */
static const char *const given_up[] = {
    "",
    "   ",
    "17",
    "\"x\"",
    "true",
    "{\"a\": 1, \"a\": 2}",
    "{\"a\": {\"c\": 1}, \"b\": {\"c\": 2, \"c\": 3}}",
    "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,"
    "\"k7\":7,\"k8\":8,\"k9\":9,\"k3\":10}",
    "{\"a\": \"\\u0041\"}",
    "{\"\\u0061\": 1}",
    "[1234567890123456789]",
    "[01]",
    "[-01]",
    "[1.]",
    "[.5]",
    "[1e]",
    "[-]",
    "[+1]",
    "[NaN]",
    "[Infinity]",
    "{'a': 1}",
    "[TRUE]",
    "[tru]",
    "[truex]",
    "[nul]",
    "[1,]",
    "{\"a\":1,}",
    "[1 2]",
    "{\"a\" 1}",
    "{1: 2}",
    "[1] x",
    "{\"a\": 1}}",
    "[",
    "{\"a\"",
    "[\"abc",
    "[\"\\x\"]",
    "[\f1]",
    "[1]\f",
    "/* c */ [1]",
    "[1 /* c */]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
};

static struct np_jdoc *json_c_doc(const char *text, bool strict)
{
    struct json_tokener *tok = json_tokener_new();
    struct np_jdoc *doc = NULL;
    json_object *root;

    ck_assert_ptr_nonnull(tok);
    if (strict)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text, (int)strlen(text));
    ck_assert_msg(root && json_tokener_get_error(tok) == json_tokener_success,
                  "json-c refuses %s", text);
    ck_assert_int_eq(np_jdoc_from_json_c(root, &doc), 0);
    json_object_put(root);
    json_tokener_free(tok);
    return doc;
}

START_TEST(same_tree)
{
    const char *text = taken[_i];
    struct np_jdoc *mine = NULL, *strict, *lenient;
    int rc = np_jdoc_parse(text, strlen(text), &mine);

    if (strstr(text, "\\u")) {
        ck_assert_int_eq(rc, -EAGAIN);
        return;
    }
    ck_assert_msg(rc == 0, "given up on %s", text);
    strict = json_c_doc(text, true);
    lenient = json_c_doc(text, false);
    ck_assert_msg(np_jdoc_equal(mine, strict), "not json-c's tree: %s", text);
    ck_assert_msg(np_jdoc_equal(mine, lenient), "not json-c's tree: %s", text);
    np_jdoc_free(mine);
    np_jdoc_free(strict);
    np_jdoc_free(lenient);
}
END_TEST

START_TEST(gives_up)
{
    const char *text = given_up[_i];
    struct np_jdoc *doc = (void *)1;

    ck_assert_msg(np_jdoc_parse(text, strlen(text), &doc) == -EAGAIN,
                  "taken: %s", text);
    ck_assert_ptr_null(doc);
}
END_TEST

/* A nul inside the text, and text that is not nul-terminated. */
START_TEST(bounds)
{
    static const char nul[] = "[\"a\0b\"]";
    char *buf = malloc(3);
    struct np_jdoc *doc;

    ck_assert_int_eq(np_jdoc_parse(nul, sizeof(nul) - 1, &doc), -EAGAIN);
    ck_assert_int_eq(np_jdoc_parse("[1]", 3, &doc), 0);
    np_jdoc_free(doc);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, "[1]", 3); /* no nul after it */
    ck_assert_int_eq(np_jdoc_parse(buf, 2, &doc), -EAGAIN);
    ck_assert_int_eq(np_jdoc_parse(buf, 3, &doc), 0);
    np_jdoc_free(doc);
    free(buf);
}
END_TEST

/* What the readers see: members, strings ended in place, messages. */
START_TEST(values)
{
    static const char text[] = "{\"name\": \"web\\\"1\", \"vcpus\": [1, 2],"
                               " \"mem\": -5, \"s\": 1.50, \"t\": null}";
    struct np_jdoc *doc;
    const struct np_jv *root, *v;

    ck_assert_int_eq(np_jdoc_parse(text, sizeof(text) - 1, &doc), 0);
    root = np_jdoc_root(doc);
    ck_assert(np_jv_is(root, NP_JOBJECT));
    ck_assert_uint_eq(root->n, 5);
    v = np_jv_get(root, "name");
    ck_assert_str_eq(v->u.s, "web\"1");
    ck_assert_uint_eq(v->n, 5);
    ck_assert_str_eq(np_jv_show(v), "\"web\\\"1\"");
    v = np_jv_get(root, "vcpus");
    ck_assert(np_jv_is(v, NP_JARRAY));
    ck_assert_uint_eq(v->n, 2);
    ck_assert_int_eq(v->u.kids[1].u.i, 2);
    ck_assert_str_eq(np_jv_show(np_jv_get(root, "mem")), "-5");
    ck_assert_str_eq(np_jv_show(np_jv_get(root, "s")), "1.50");
    ck_assert(np_jv_double(np_jv_get(root, "s")) == 1.5);
    ck_assert_str_eq(np_jv_show(np_jv_get(root, "t")), "null");
    ck_assert_str_eq(np_jv_show(root), "an object");
    ck_assert_ptr_null(np_jv_get(root, "nam"));
    ck_assert_ptr_null(np_jv_get(root, "names"));
    np_jdoc_free(doc);
}
END_TEST

/* An empty object or array, from either way in, has kids that are not
 * NULL: readers walk "kids .. kids + n", and NULL + 0 is undefined (the
 * fuzzer found a snapshot with "distances": {} doing it). */
START_TEST(empty_kids)
{
    static const char text[] = "{\"o\": {}, \"a\": [], \"b\": [{}, []]}";
    struct np_jdoc *docs[2];
    const struct np_jv *root, *b;
    int d;

    ck_assert_int_eq(np_jdoc_parse(text, sizeof(text) - 1, &docs[0]), 0);
    docs[1] = json_c_doc(text, true);
    for (d = 0; d < 2; d++) {
        root = np_jdoc_root(docs[d]);
        ck_assert_uint_eq(np_jv_get(root, "o")->n, 0);
        ck_assert_ptr_nonnull(np_jv_get(root, "o")->u.kids);
        ck_assert_uint_eq(np_jv_get(root, "a")->n, 0);
        ck_assert_ptr_nonnull(np_jv_get(root, "a")->u.kids);
        b = np_jv_get(root, "b");
        ck_assert_uint_eq(b->n, 2);
        ck_assert_ptr_nonnull(b->u.kids[0].u.kids);
        ck_assert_ptr_nonnull(b->u.kids[1].u.kids);
        np_jdoc_free(docs[d]);
    }
}
END_TEST

/* Many objects of many keys (the hash table's stamps), one duplicate in
 * the last one. */
START_TEST(many_keys)
{
    size_t cap = 4 << 20, len = 0, i, k;
    char *buf = malloc(cap);
    struct np_jdoc *doc;

    ck_assert_ptr_nonnull(buf);
    len += (size_t)snprintf(buf + len, cap - len, "[");
    for (i = 0; i < 3000; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "%s{", i ? "," : "");
        for (k = 0; k < 20; k++)
            len += (size_t)snprintf(buf + len, cap - len, "%s\"%zu\": %zu",
                                    k ? "," : "", k, i);
        len += (size_t)snprintf(buf + len, cap - len, "}");
    }
    len += (size_t)snprintf(buf + len, cap - len, "]");
    ck_assert_int_eq(np_jdoc_parse(buf, len, &doc), 0);
    ck_assert_uint_eq(np_jdoc_root(doc)->n, 3000);
    np_jdoc_free(doc);
    len -= 2;
    len += (size_t)snprintf(buf + len, cap - len, ", \"7\": 0}]");
    ck_assert_int_eq(np_jdoc_parse(buf, len, &doc), -EAGAIN);
    free(buf);
}
END_TEST

Suite *suite_test_json_doc(void);
Suite *suite_test_json_doc(void)
{
    Suite *s = suite_create("json_doc");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, same_tree, 0, sizeof(taken) / sizeof(taken[0]));
    tcase_add_loop_test(tc, gives_up, 0,
                        sizeof(given_up) / sizeof(given_up[0]));
    tcase_add_test(tc, bounds);
    tcase_add_test(tc, values);
    tcase_add_test(tc, empty_kids);
    tcase_add_test(tc, many_keys);
    suite_add_tcase(s, tc);
    return s;
}
