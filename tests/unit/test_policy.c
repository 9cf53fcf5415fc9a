/*
 * test_policy.c: the policy file of numapin watch: every setting, the
 * rules and their first-match order, and one case per class of error,
 * each with the line it names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "np_test.h"
#include "policy.h"

static int parse(const char *text, struct np_policy_file *p, struct np_err *err)
{
    return np_policy_file_parse(text, strlen(text), "w.conf", p, err);
}

START_TEST(defaults_and_settings)
{
    struct np_policy_file p;
    struct np_err err = {""};
    const char *text = "# a policy\n"
                       "\n"
                       "policy isolate   # one vCPU per core\n"
                       "overcommit 2\n"
                       "pin soft\r\n"
                       "reserve 0-1,^1\n"
                       "\tmove-memory yes\n"
                       "pinned replace\n"
                       "interval 0.25\n";

    np_policy_file_init(&p);
    ck_assert_int_eq(p.policy, NP_POLICY_PREFER);
    ck_assert_uint_eq(p.overcommit, 1);
    ck_assert_int_eq(p.pin, NP_PIN_HARD);
    ck_assert_uint_eq(p.interval_ms, 1000);
    ck_assert(!p.move_memory && !p.replace_pinned && !p.reserve);
    ck_assert_msg(parse(text, &p, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(p.policy, NP_POLICY_ISOLATE);
    ck_assert_uint_eq(p.overcommit, 2);
    ck_assert_int_eq(p.pin, NP_PIN_SOFT);
    ck_assert_str_eq(p.reserve, "0-1,^1");
    ck_assert_uint_eq(p.reserve_line, 6);
    ck_assert(p.move_memory && p.replace_pinned);
    ck_assert_uint_eq(p.interval_ms, 250);
    ck_assert_str_eq(p.name, "w.conf");
    np_policy_file_dispose(&p);
}
END_TEST

START_TEST(rules_first_match)
{
    struct np_policy_file p;
    struct np_policy_decision d;
    struct np_err err = {""};
    const char *text = "pin hard\n"
                       "guest \"db *\" pin nodes=1 pin=soft move-memory=yes\n"
                       "guest scratch-* leave\n"
                       "guest web[12] pin pinned=replace\n"
                       "guest * pin nodes=\"0\"\n";

    np_policy_file_init(&p);
    ck_assert_msg(parse(text, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p.nr_rules, 4);
    np_policy_file_decide(&p, "db main", &d);
    ck_assert_ptr_eq(d.rule, &p.rules[0]);
    ck_assert(!d.leave && d.move_memory && !d.replace_pinned);
    ck_assert_int_eq(d.pin, NP_PIN_SOFT);
    ck_assert_str_eq(d.nodes, "1");
    ck_assert_uint_eq(d.nodes_line, 2);
    np_policy_file_decide(&p, "scratch-7", &d);
    ck_assert(d.leave);
    np_policy_file_decide(&p, "web2", &d);
    ck_assert(!d.leave && d.replace_pinned && !d.nodes);
    ck_assert_int_eq(d.pin, NP_PIN_HARD);
    np_policy_file_decide(&p, "web3", &d);
    ck_assert_str_eq(d.nodes, "0");
    ck_assert_ptr_eq(d.rule, &p.rules[3]);
    np_policy_file_dispose(&p);

    /* no rule: the file's settings */
    np_policy_file_init(&p);
    ck_assert_int_eq(parse("move-memory yes\nguest a pin\n", &p, &err), 0);
    np_policy_file_decide(&p, "b", &d);
    ck_assert_ptr_null(d.rule);
    ck_assert(!d.leave && d.move_memory);
    np_policy_file_dispose(&p);
}
END_TEST

/* text, the line the error names, a part of the message. */
static const struct {
    const char *text;
    unsigned int line;
    const char *msg;
} bad[] = {
    {"polcy prefer\n", 1, "unknown setting 'polcy'"},
    {"\n\npolicy\n", 3, "'policy' needs a value"},
    {"policy prefer isolate\n", 1, "takes one value"},
    {"policy fast\n", 1, "policy 'fast': use prefer, isolate or require"},
    {"overcommit 0\n", 1, "overcommit '0'"},
    {"overcommit 1025\n", 1, "overcommit '1025'"},
    {"overcommit 99999999999999999999\n", 1, "overcommit"},
    {"overcommit -1\n", 1, "overcommit '-1'"},
    {"pin loose\n", 1, "pin 'loose': use hard or soft"},
    {"move-memory maybe\n", 1, "move-memory 'maybe': use yes or no"},
    {"pinned keep\n", 1, "pinned 'keep': use leave or replace"},
    {"interval 0.05\n", 1, "interval '0.05'"},
    {"interval 3601\n", 1, "interval '3601'"},
    {"interval 1.0005\n", 1, "interval '1.0005'"},
    {"interval 1.\n", 1, "interval '1.'"},
    {"interval x\n", 1, "interval 'x'"},
    {"reserve 0;1\n", 1, "reserve '0;1': ';' is not part of a cpu-list"},
    {"reserve \"\"\n", 1, "reserve: an empty list"},
    {"policy prefer\npolicy isolate\n", 2,
     "'policy' is set twice (first at line 1)"},
    {"policy \"prefer\n", 1, "a quote (\") that is not closed"},
    {"policy pre\001fer\n", 1, "a control character (byte 0x01) in column 11"},
    {"guest\n", 1, "a guest rule is"},
    {"guest a\n", 1, "a guest rule is"},
    {"guest \"\" pin\n", 1, "an empty guest pattern"},
    {"guest a pinn\n", 1, "unknown action 'pinn'"},
    {"guest a pin nodes\n", 1, "'nodes' is not OPTION=VALUE"},
    {"guest a pin cpus=1\n", 1, "unknown option 'cpus'"},
    {"guest a pin nodes=1 nodes=0\n", 1, "nodes= is given twice"},
    {"guest a pin pin=soft pin=hard\n", 1, "pin= is given twice"},
    {"guest a pin pin=medium\n", 1, "pin 'medium'"},
    {"guest a pin move-memory=1\n", 1, "move-memory '1'"},
    {"guest a pin pinned=x\n", 1, "pinned 'x'"},
    {"guest a pin nodes=\n", 1, "nodes: an empty list"},
    {"guest a pin nodes=0/1\n", 1, "'/' is not part of a cpu-list"},
    {"guest a leave nodes=1\n", 1, "has no meaning with leave"},
    {"a b c d e f g h i j k l m n o p q\n", 1, "more than 16 words"},
};

START_TEST(errors_name_the_line)
{
    struct np_policy_file p;
    struct np_err err = {""};
    char want[64];
    int rc;

    np_policy_file_init(&p);
    ck_assert_int_eq(parse("policy require\n", &p, NULL), 0);
    rc = parse(bad[_i].text, &p, &err);
    ck_assert_msg(rc == -EINVAL, "case %d: rc %d", _i, rc);
    snprintf(want, sizeof(want), "w.conf:%u: ", bad[_i].line);
    ck_assert_msg(!strncmp(err.msg, want, strlen(want)), "case %d: '%s'", _i,
                  err.msg);
    ck_assert_msg(strstr(err.msg, bad[_i].msg), "case %d: '%s' lacks '%s'", _i,
                  err.msg, bad[_i].msg);
    ck_assert(!strchr(err.msg, '\n'));
    /* a failed parse keeps the policy it had */
    ck_assert_int_eq(p.policy, NP_POLICY_REQUIRE);
    np_policy_file_dispose(&p);
}
END_TEST

START_TEST(limits)
{
    struct np_policy_file p;
    struct np_err err = {""};
    char *text;
    size_t i, n;
    int rc;

    np_policy_file_init(&p);
    /* a line too long, on line 2 */
    text = malloc(NP_POLICY_MAX_LINE + 32);
    strcpy(text, "pin hard\n#");
    n = strlen(text);
    memset(text + n, 'x', NP_POLICY_MAX_LINE);
    text[n + NP_POLICY_MAX_LINE] = '\0';
    rc = parse(text, &p, &err);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err.msg, "w.conf:2: the line is longer than"), "%s",
                  err.msg);
    free(text);
    /* a NUL byte */
    np_err_clear(&err);
    rc = np_policy_file_parse("pin hard\n\0", 10, "w.conf", &p, &err);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err.msg, "w.conf:2: a control character (byte 0x00)"),
                  "%s", err.msg);
    /* too many rules */
    n = (NP_POLICY_MAX_RULES + 1) * 12;
    text = malloc(n + 1);
    for (i = 0; i <= NP_POLICY_MAX_RULES; i++)
        memcpy(text + i * 12, "guest a pin\n", 12);
    text[n] = '\0';
    np_err_clear(&err);
    rc = parse(text, &p, &err);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err.msg, "more than 4096 guest rules"), "%s", err.msg);
    free(text);
    /* too large */
    np_err_clear(&err);
    rc = np_policy_file_parse("", NP_POLICY_MAX_BYTES + 1, "w.conf", &p, &err);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err.msg, "larger than"), "%s", err.msg);
    np_policy_file_dispose(&p);
}
END_TEST

START_TEST(check_against_host)
{
    struct np_topo topo;
    struct np_policy_file p;
    struct np_err err = {""};

    np_topo_init(&topo);
    np_test_topo_dense(&topo, 2, 2, 1, 2); /* cpus 0-1 node 0, 2-3 node 1 */
    np_policy_file_init(&p);
    ck_assert_int_eq(parse("reserve 0\nguest a pin nodes=1\n", &p, NULL), 0);
    ck_assert_msg(np_policy_file_check(&p, &topo, &err) == 0, "%s", err.msg);

    ck_assert_int_eq(parse("\nreserve 9\n", &p, NULL), 0);
    ck_assert_int_eq(np_policy_file_check(&p, &topo, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "w.conf:2: reserve: cpu '9' does not exist"),
                  "%s", err.msg);

    np_err_clear(&err);
    ck_assert_int_eq(parse("reserve all\n", &p, NULL), 0);
    ck_assert_int_eq(np_policy_file_check(&p, &topo, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "w.conf:1: reserve 'all' leaves no CPU"),
                  "%s", err.msg);

    np_err_clear(&err);
    ck_assert_int_eq(parse("pin hard\n\nguest a pin nodes=3\n", &p, NULL), 0);
    ck_assert_int_eq(np_policy_file_check(&p, &topo, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "w.conf:3: guest 'a': nodes: "), "%s",
                  err.msg);

    /* a node without memory */
    np_err_clear(&err);
    topo.nodes[1].mem_total_kib = 0;
    topo.nodes[1].mem_free_kib = 0;
    ck_assert_int_eq(parse("guest a pin nodes=0-1\n", &p, NULL), 0);
    ck_assert_int_eq(np_policy_file_check(&p, &topo, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "w.conf:1: guest 'a': nodes: node 1 has no "
                                  "memory"),
                  "%s", err.msg);
    np_policy_file_dispose(&p);
    np_topo_dispose(&topo);
}
END_TEST

START_TEST(format_round_trip)
{
    struct np_policy_file p, q;
    char *text = NULL;
    const char *in = "policy require\novercommit 3\npin soft\nreserve 0,2\n"
                     "move-memory yes\npinned replace\ninterval 2.5\n"
                     "guest \"a b#\" pin nodes=0-1 pin=hard move-memory=no\n"
                     "guest c* leave\nguest d pin pinned=leave\n";

    np_policy_file_init(&p);
    np_policy_file_init(&q);
    ck_assert_int_eq(parse(in, &p, NULL), 0);
    ck_assert_int_eq(np_policy_file_format(&p, &text), 0);
    ck_assert_msg(parse(text, &q, NULL) == 0, "%s", text);
    ck_assert(np_policy_file_equal(&p, &q));
    ck_assert_str_eq(q.rules[0].glob, "a b#");
    free(text);
    np_policy_file_dispose(&p);
    np_policy_file_dispose(&q);
}
END_TEST

START_TEST(read_file)
{
    struct np_policy_file p;
    struct np_err err = {""};
    char path[] = "/tmp/np-policy-XXXXXX";
    int fd = mkstemp(path);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "pin soft\nbogus 1\n", 17), 17);
    close(fd);
    np_policy_file_init(&p);
    ck_assert_int_eq(np_policy_file_read(path, &p, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, ":2: unknown setting 'bogus'") &&
                      !strncmp(err.msg, path, strlen(path)),
                  "%s", err.msg);
    unlink(path);
    np_err_clear(&err);
    ck_assert_int_eq(np_policy_file_read(path, &p, &err), -ENOENT);
    ck_assert_msg(strstr(err.msg, "cannot open policy file"), "%s", err.msg);
    np_err_clear(&err);
    ck_assert_int_eq(np_policy_file_read("/tmp", &p, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, "is not a regular file"), "%s", err.msg);
    np_policy_file_dispose(&p);
}
END_TEST

Suite *suite_test_policy(void);
Suite *suite_test_policy(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, defaults_and_settings);
    tcase_add_test(tc, rules_first_match);
    tcase_add_loop_test(tc, errors_name_the_line, 0,
                        (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, limits);
    tcase_add_test(tc, check_against_host);
    tcase_add_test(tc, format_round_trip);
    tcase_add_test(tc, read_file);
    suite_add_tcase(s, tc);
    return s;
}
