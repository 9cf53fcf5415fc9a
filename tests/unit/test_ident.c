/*
 * test_ident.c: a snapshot's identity (ident.h) and its JSON keys; old
 * (version 1) snapshots still read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_json.h"
#include "ident.h"
#include "np_test.h"
#include "snapshot.h"

#define FIXTURES NP_SRCDIR "/tests/fixtures/json/"

START_TEST(valid_strings)
{
    char long_name[NP_IDENT_MAX_LEN + 2];

    ck_assert(np_ident_valid_hostname("xen-a.example.org"));
    ck_assert(np_ident_valid_hostname("kvm_3"));
    ck_assert(!np_ident_valid_hostname(""));
    ck_assert(!np_ident_valid_hostname("a b"));
    ck_assert(!np_ident_valid_hostname("a\nb"));
    ck_assert(!np_ident_valid_hostname("a/b"));
    ck_assert(np_ident_valid("4.17.3-pre"));
    ck_assert(!np_ident_valid("x\x1b[31m"));
    ck_assert(!np_ident_valid("say \"hi\""));
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    ck_assert(!np_ident_valid(long_name));
    long_name[NP_IDENT_MAX_LEN - 1] = '\0';
    ck_assert(np_ident_valid(long_name));
    ck_assert(np_ident_valid_time("2026-12-02T01:53:25Z"));
    ck_assert(!np_ident_valid_time("2026-12-02 01:53:25"));
    ck_assert(!np_ident_valid_time("2026-12-02T01:53:25+01:00"));
}
END_TEST

START_TEST(set_time)
{
    struct np_host_ident id;

    np_ident_init(&id);
    ck_assert_int_eq(np_ident_set_time(&id, 0), 0);
    ck_assert_str_eq(id.captured, "1970-01-01T00:00:00Z");
    ck_assert_int_eq(np_ident_set_time(&id, 1796175205), 0);
    ck_assert_str_eq(id.captured, "2026-12-02T01:33:25Z");
    np_ident_dispose(&id);
    np_ident_dispose(&id); /* idempotent */
}
END_TEST

/* A captured tree: the name from etc/hostname, the id from
 * etc/machine-id, the release from proc. */
START_TEST(read_local_tree)
{
    char dir[] = "/tmp/np-ident-XXXXXX", path[256];
    struct np_host_ident id;
    char *rel = NULL;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "mkdir -p %s/etc %s/proc/sys/kernel", dir,
             dir);
    ck_assert_int_eq(system(path), 0);
    snprintf(path, sizeof(path), "%s/etc/hostname", dir);
    f = fopen(path, "w");
    fputs("kvm-b\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/etc/machine-id", dir);
    f = fopen(path, "w");
    fputs("0123456789abcdef0123456789abcdef\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/proc/sys/kernel/osrelease", dir);
    f = fopen(path, "w");
    fputs("6.1.0-27-amd64\n", f);
    fclose(f);
    np_ident_init(&id);
    ck_assert_int_eq(np_ident_read_local(&id, dir), 0);
    ck_assert_str_eq(id.hostname, "kvm-b");
    ck_assert_str_eq(id.host_id, "0123456789abcdef0123456789abcdef");
    ck_assert_int_eq(np_ident_linux_release(dir, &rel), 0);
    ck_assert_str_eq(rel, "6.1.0-27-amd64");
    free(rel);
    np_ident_dispose(&id);
    /* hostile values are dropped, not copied */
    snprintf(path, sizeof(path), "%s/etc/hostname", dir);
    f = fopen(path, "w");
    fputs("evil\x1b]0;x\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/etc/machine-id", dir);
    f = fopen(path, "w");
    fputs("not-an-id\n", f);
    fclose(f);
    np_ident_init(&id);
    ck_assert_int_eq(np_ident_read_local(&id, dir), 0);
    ck_assert_ptr_null(id.hostname);
    ck_assert_ptr_null(id.host_id);
    np_ident_dispose(&id);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    ck_assert_int_eq(system(path), 0);
}
END_TEST

/* The identity round-trips through JSON, first in the host object. */
START_TEST(json_round_trip)
{
    struct np_snapshot s, back;
    struct np_err err = {""};
    char *json = NULL, *again = NULL;

    np_snapshot_init(&s);
    np_snapshot_init(&back);
    np_test_topo_dense(&s.topo, 2, 2, 1, 2);
    ck_assert_int_eq(np_ident_set(&s.ident.hostname, "xen-a"), 0);
    ck_assert_int_eq(np_ident_set(&s.ident.backend, "xen"), 0);
    ck_assert_int_eq(np_ident_set(&s.ident.hypervisor, "xen"), 0);
    ck_assert_int_eq(np_ident_set(&s.ident.hypervisor_version, "4.17.3"), 0);
    ck_assert_int_eq(np_ident_set_time(&s.ident, 0), 0);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"numapin\": 2,\n  \"host\": {\n"
                                       "    \"hostname\": \"xen-a\",\n"
                                       "    \"backend\": \"xen\",\n"));
    ck_assert_int_eq(
        np_json_read_snapshot(json, strlen(json), "x.json", &back, &err), 0);
    ck_assert_str_eq(back.ident.hostname, "xen-a");
    ck_assert_str_eq(back.ident.hypervisor_version, "4.17.3");
    ck_assert_str_eq(back.ident.captured, "1970-01-01T00:00:00Z");
    ck_assert_ptr_null(back.ident.host_id);
    ck_assert_int_eq(np_json_write_snapshot(&back, &again, &err), 0);
    ck_assert_str_eq(json, again);
    free(json);
    free(again);
    np_snapshot_dispose(&s);
    np_snapshot_dispose(&back);
}
END_TEST

/* Version 1 files (before the identity) read, and write as version 2 with
 * nothing else changed. */
static const char *const v1_files[] = {
    "small.json",
    "sparse.json",
    "topology-only.json",
    "origin-2010.json",
};

START_TEST(v1_still_read)
{
    struct np_snapshot s;
    struct np_err err = {""};
    char path[512], *want, *json = NULL;

    snprintf(path, sizeof(path), FIXTURES "v1/%s", v1_files[_i]);
    np_snapshot_init(&s);
    ck_assert_msg(np_json_read_snapshot_file(path, &s, &err) == 0, "%s",
                  err.msg);
    ck_assert_ptr_null(s.ident.hostname);
    ck_assert_int_eq(np_json_write_snapshot(&s, &json, &err), 0);
    if (!strcmp(v1_files[_i], "origin-2010.json"))
        snprintf(path, sizeof(path), NP_SRCDIR "/examples/%s", v1_files[_i]);
    else
        snprintf(path, sizeof(path), FIXTURES "%s", v1_files[_i]);
    want = np_test_slurp(path, NULL);
    ck_assert_str_eq(json, want);
    free(want);
    free(json);
    np_snapshot_dispose(&s);
}
END_TEST

#define DOC(ver, ident)                                                        \
    "{\"numapin\":" #ver ",\"host\":{" ident "\"cpus\":[{\"id\":0,"            \
    "\"online\":true,\"node\":0}],\"nodes\":[{\"id\":0,\"memory_kib\":1}]}}"

static const struct {
    const char *json;
    const char *msg;
} bad[] = {
    {DOC(1, "\"hostname\":\"a\","), "host: unknown key 'hostname'"},
    {DOC(2, "\"hostname\":\"a b\","), "host.hostname: 'a b' is not a host"},
    {DOC(2, "\"hostname\":\"\","), "host.hostname: '\"\"' is not a valid"},
    {DOC(2, "\"hostname\":7,"), "host.hostname: expected a string"},
    {DOC(2, "\"backend\":\"vmware\","), "unknown backend 'vmware'"},
    {DOC(2, "\"captured\":\"yesterday\","), "'yesterday' is not a capture"},
    {DOC(2, "\"hypervisor_version\":\"4\\u001b[2J\","), "host."
                                                        "hypervisor_version:"},
    {DOC(2, "\"host_uuid\":\"x\","), "host: unknown key 'host_uuid'"},
};

START_TEST(bad_ident)
{
    struct np_snapshot s;
    struct np_err err = {""};

    np_snapshot_init(&s);
    ck_assert_int_eq(np_json_read_snapshot(bad[_i].json, strlen(bad[_i].json),
                                           "t.json", &s, &err),
                     -EINVAL);
    ck_assert_msg(strstr(err.msg, bad[_i].msg) != NULL, "got '%s' want '%s'",
                  err.msg, bad[_i].msg);
    ck_assert_ptr_null(s.ident.hostname);
    np_snapshot_dispose(&s);
}
END_TEST

START_TEST(good_ident)
{
    static const char doc[] = DOC(2, "\"hostname\":\"kvm-1\",\"backend\":"
                                     "\"kvm\",\"host_id\":\"abc\",");
    struct np_snapshot s, copy;
    struct np_err err = {""};

    np_snapshot_init(&s);
    np_snapshot_init(&copy);
    ck_assert_int_eq(
        np_json_read_snapshot(doc, strlen(doc), "t.json", &s, &err), 0);
    ck_assert_str_eq(s.ident.backend, "kvm");
    ck_assert_int_eq(np_snapshot_copy(&copy, &s), 0);
    ck_assert_str_eq(copy.ident.hostname, "kvm-1");
    ck_assert_str_eq(copy.ident.host_id, "abc");
    np_snapshot_clear_guests(&copy);
    ck_assert_str_eq(copy.ident.hostname, "kvm-1");
    np_snapshot_dispose(&s);
    np_snapshot_dispose(&copy);
}
END_TEST

Suite *suite_test_ident(void);
Suite *suite_test_ident(void)
{
    Suite *s = suite_create("ident");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, valid_strings);
    tcase_add_test(tc, set_time);
    tcase_add_test(tc, read_local_tree);
    tcase_add_test(tc, json_round_trip);
    tcase_add_loop_test(tc, v1_still_read, 0,
                        sizeof(v1_files) / sizeof(v1_files[0]));
    tcase_add_loop_test(tc, bad_ident, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(tc, good_ident);
    suite_add_tcase(s, tc);
    return s;
}
