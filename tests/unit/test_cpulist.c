/*
 * test_cpulist.c: cpu-list parsing and printing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "np_test.h"

/* Hosts the cases run on. */
enum host {
    H_8x2,     /* 2 sockets x 4 cores, nodes 0 (0-3) and 1 (4-7) */
    H_16SMT,   /* 2 sockets x 4 cores x 2 threads, 2 nodes */
    H_SPARSE,  /* cpus 0,1,4,5; nodes 0 and 2 (node 1 absent) */
    H_MEMONLY, /* 4 cpus on nodes 0,1; node 2 has memory, no cpus */
    H_OFFLINE, /* 4 cpus, cpu 3 offline (node 1) */
};

static void make_host(struct np_topo *t, enum host h)
{
    int cpu;

    np_topo_init(t);
    switch (h) {
    case H_8x2:
        np_test_topo_dense(t, 2, 4, 1, 2);
        break;
    case H_16SMT:
        np_test_topo_dense(t, 2, 4, 2, 2);
        break;
    case H_SPARSE:
        ck_assert_int_eq(np_topo_alloc(t, 6, 3), 0);
        np_topo_add_node(t, 0);
        np_topo_add_node(t, 2);
        for (cpu = 0; cpu < 6; cpu++) {
            if (cpu == 2 || cpu == 3)
                continue;
            np_topo_add_cpu(t, cpu);
            t->cpus[cpu].node = cpu < 2 ? 0 : 2;
            t->cpus[cpu].socket = cpu < 2 ? 0 : 1;
            t->cpus[cpu].core = cpu % 2;
        }
        ck_assert_int_eq(np_topo_finish(t, NULL), 0);
        break;
    case H_MEMONLY:
        ck_assert_int_eq(np_topo_alloc(t, 4, 3), 0);
        for (cpu = 0; cpu < 3; cpu++)
            np_topo_add_node(t, cpu);
        t->nodes[2].mem_total_kib = 524288;
        for (cpu = 0; cpu < 4; cpu++) {
            np_topo_add_cpu(t, cpu);
            t->cpus[cpu].node = cpu / 2;
            t->cpus[cpu].socket = cpu / 2;
            t->cpus[cpu].core = cpu % 2;
        }
        ck_assert_int_eq(np_topo_finish(t, NULL), 0);
        break;
    case H_OFFLINE:
        ck_assert_int_eq(np_topo_alloc(t, 4, 2), 0);
        np_topo_add_node(t, 0);
        np_topo_add_node(t, 1);
        for (cpu = 0; cpu < 4; cpu++) {
            np_topo_add_cpu(t, cpu);
            t->cpus[cpu].node = cpu / 2;
            t->cpus[cpu].socket = cpu / 2;
            t->cpus[cpu].core = cpu % 2;
        }
        t->cpus[3].online = false;
        t->cpus[3].socket = t->cpus[3].core = -1;
        ck_assert_int_eq(np_topo_finish(t, NULL), 0);
        break;
    }
}

struct ok_case {
    enum host host;
    const char *in;
    const char *out; /* np_cpulist_format() */
};

static const struct ok_case ok_cases[] = {
    {H_8x2, "all", "all"},
    {H_8x2, "0-7", "all"},
    {H_8x2, "0-3,^2", "0-1,3"},
    {H_8x2, "1-3,5,6-7", "1-3,5-7"},
    {H_8x2, "1-3,5,6-7,^2", "1,3,5-7"},
    {H_8x2, "node:1", "4-7"},
    {H_8x2, "nodes:0-1", "all"},
    {H_8x2, "nodes:all", "all"},
    {H_8x2, "nodes:all,^5", "0-4,6-7"},
    {H_8x2, "node:1,^node:1", "none"},
    {H_8x2, "^2", "none"},
    {H_8x2, "^2,0-3", "0-3"},
    {H_8x2, "0-3,^2,2", "0-3"},
    {H_8x2, "all,^0", "1-7"},
    {H_8x2, "all,^nodes:0", "4-7"},
    {H_8x2, "007", "7"},
    {H_8x2, "0,2,4,6", "0,2,4,6"},
    {H_8x2, "0-1", "0-1"},
    {H_16SMT, "node:0,^1", "0,2-7"},
    {H_16SMT, "0-15,^8-15", "0-7"},
    {H_SPARSE, "all", "all"},
    {H_SPARSE, "0-1,4-5", "all"},
    {H_SPARSE, "node:2", "4-5"},
    {H_SPARSE, "nodes:0,4", "0-1,4"},
    {H_MEMONLY, "node:2", "none"},
    {H_MEMONLY, "nodes:0-2", "all"},
    {H_OFFLINE, "all", "all"},
    {H_OFFLINE, "3", "3"},
    {H_OFFLINE, "node:1", "2"},
    {H_OFFLINE, "0-2", "0-2"},
};

START_TEST(parse_ok)
{
    const struct ok_case *c = &ok_cases[_i];
    struct np_topo t;
    struct np_cpumap m, again;
    struct np_err err = {""};
    char *s, *s2;

    make_host(&t, c->host);
    np_cpumap_init(&m);
    np_cpumap_init(&again);
    ck_assert_msg(np_cpulist_parse(&t, c->in, &m, &err) == 0, "%s: %s", c->in,
                  err.msg);
    s = np_cpulist_format(&t, &m);
    ck_assert_str_eq(s, c->out);
    /* the printed form parses back to the same map (none excepted) */
    if (strcmp(s, "none")) {
        ck_assert_int_eq(np_cpulist_parse(&t, s, &again, &err), 0);
        ck_assert(np_cpumap_equal(&m, &again));
        s2 = np_cpulist_format(&t, &again);
        ck_assert_str_eq(s2, s);
        free(s2);
    }
    free(s);
    np_cpumap_dispose(&m);
    np_cpumap_dispose(&again);
    np_topo_dispose(&t);
}
END_TEST

struct bad_case {
    enum host host;
    const char *in;
    const char *msg; /* a substring of the error */
};

static const struct bad_case bad_cases[] = {
    {H_8x2, "", "empty cpu list"},
    {H_8x2, "0,,1", "empty entry in cpu list '0,,1'"},
    {H_8x2, ",1", "empty entry"},
    {H_8x2, "1,", "empty entry"},
    {H_8x2, "^all", "cannot combine '^' and 'all' in '^all'"},
    {H_8x2, "^nodes:all", "'^nodes:all'"},
    {H_8x2, "3-1", "invalid range '3-1': 3 is above 1"},
    {H_8x2, "1-", "invalid range '1-': missing end"},
    {H_8x2, "-1", "invalid token '-1'"},
    {H_8x2, "0x3", "invalid token '0x3'"},
    {H_8x2, "0, 1", "invalid token ' 1'"},
    {H_8x2, " 1", "invalid token ' 1'"},
    {H_8x2, "1 ", "invalid token '1 '"},
    {H_8x2, "+1", "invalid token '+1'"},
    {H_8x2, "a", "invalid token 'a'"},
    {H_8x2, "1-2-3", "invalid token '1-2-3'"},
    {H_8x2, "^", "invalid token '^'"},
    {H_8x2, "node:", "invalid token 'node:'"},
    {H_8x2, "nodes", "invalid token 'nodes'"},
    {H_8x2, "99999999999", "number too large in '99999999999'"},
    {H_8x2, "0-99999999999", "number too large"},
    {H_8x2, "8", "cpu '8' does not exist: this host has cpus 0-7"},
    {H_8x2, "4-9", "cpu 8 in '4-9' does not exist: this host has cpus 0-7"},
    {H_8x2, "node:2",
     "node 2 in 'node:2' does not exist: this host has nodes 0-1"},
    {H_8x2, "^node:5", "node 5 in '^node:5' does not exist"},
    {H_8x2, "^9", "cpu 9 in '^9' does not exist"},
    {H_SPARSE, "2", "cpu '2' does not exist: this host has cpus 0-1,4-5"},
    {H_SPARSE, "0-5", "cpu 2 in '0-5' does not exist"},
    {H_SPARSE, "node:1", "nodes 0,2"},
    {H_8x2, "ALL", "invalid token 'ALL'"},
};

START_TEST(parse_bad)
{
    const struct bad_case *c = &bad_cases[_i];
    struct np_topo t;
    struct np_cpumap m;
    struct np_err err = {""};

    make_host(&t, c->host);
    np_cpumap_init(&m);
    ck_assert_int_eq(np_cpulist_parse(&t, c->in, &m, &err), -EINVAL);
    ck_assert_msg(strstr(err.msg, c->msg), "'%s': got \"%s\", want \"%s\"",
                  c->in, err.msg, c->msg);
    ck_assert(!strchr(err.msg, '\n'));
    ck_assert(np_cpumap_is_empty(&m));
    np_cpumap_dispose(&m);
    np_topo_dispose(&t);
}
END_TEST

START_TEST(nodelist)
{
    struct np_topo t;
    struct np_cpumap m;
    struct np_err err = {""};
    char *s;

    make_host(&t, H_SPARSE);
    np_cpumap_init(&m);
    ck_assert_int_eq(np_nodelist_parse(&t, "all,^0", &m, &err), 0);
    s = np_cpulist_format_ranges(&m);
    ck_assert_str_eq(s, "2");
    free(s);
    ck_assert_int_eq(np_nodelist_parse(&t, "0-2", &m, &err), -EINVAL);
    ck_assert(strstr(err.msg, "node 1 in '0-2' does not exist"));
    np_cpumap_dispose(&m);
    np_topo_dispose(&t);
}
END_TEST

/* xl's print_bitmap over a fixed width, as `xl vcpu-list` uses it. */
START_TEST(format_bits_like_xl)
{
    struct np_cpumap m;
    char *s;

    np_cpumap_init(&m);
    np_test_map(&m, 16, 0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1);
    s = np_cpulist_format_bits(&m, 16);
    ck_assert_str_eq(s, "0-5,7-15");
    free(s);
    np_cpumap_set(&m, 6);
    s = np_cpulist_format_bits(&m, 16);
    ck_assert_str_eq(s, "all");
    free(s);
    /* all 16 set, but the host has 20: not "all" */
    s = np_cpulist_format_bits(&m, 20);
    ck_assert_str_eq(s, "0-15");
    free(s);
    np_cpumap_clear(&m, 0);
    s = np_cpulist_format_bits(&m, 16);
    ck_assert_str_eq(s, "1-15");
    free(s);
    np_cpumap_zero(&m);
    s = np_cpulist_format_bits(&m, 16);
    ck_assert_str_eq(s, "none");
    free(s);
    np_cpumap_set(&m, 15);
    s = np_cpulist_format_bits(&m, 8);
    ck_assert_str_eq(s, "none");
    free(s);
    np_cpumap_dispose(&m);
}
END_TEST

START_TEST(format_yn_hex)
{
    struct np_cpumap m;
    char *s;

    np_cpumap_init(&m);
    np_test_map(&m, 12, 4, 5, 6, 7, 8, -1);
    s = np_cpumap_format_yn(&m, 8);
    ck_assert_str_eq(s, "----yyyy");
    free(s);
    s = np_cpumap_format_hex(&m, 8);
    ck_assert_str_eq(s, "0xf0");
    free(s);
    s = np_cpumap_format_hex(&m, 12);
    ck_assert_str_eq(s, "0x01f0");
    free(s);
    np_cpumap_dispose(&m);
}
END_TEST

/* parse(format(x)) == x for many maps on many shapes (a fixed LCG, so the
 * run is repeatable). */
START_TEST(round_trip_many)
{
    static const unsigned int shapes[][4] = {
        {1, 1, 1, 1}, {1, 4, 1, 1}, {2, 4, 1, 2},  {2, 2, 2, 2},
        {4, 2, 1, 4}, {8, 8, 2, 8}, {4, 16, 2, 2}, {2, 33, 1, 2},
    };
    unsigned long seed = 12345;
    unsigned int k, n, cpu;

    for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        struct np_topo t;

        np_topo_init(&t);
        np_test_topo_dense(&t, shapes[k][0], shapes[k][1], shapes[k][2],
                           shapes[k][3]);
        for (n = 0; n < 200; n++) {
            struct np_cpumap m, back;
            struct np_err err = {""};
            char *s;

            np_cpumap_init(&m);
            np_cpumap_init(&back);
            ck_assert_int_eq(np_cpumap_alloc(&m, t.nr_cpu_ids), 0);
            for (cpu = 0; cpu < t.nr_cpu_ids; cpu++) {
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                if ((seed >> 33) % (n % 4 + 2))
                    np_cpumap_set(&m, (int)cpu);
            }
            s = np_cpulist_format(&t, &m);
            if (strcmp(s, "none")) {
                ck_assert_msg(np_cpulist_parse(&t, s, &back, &err) == 0,
                              "%s: %s", s, err.msg);
                ck_assert_msg(np_cpumap_equal(&m, &back), "%s", s);
            } else {
                ck_assert(np_cpumap_is_empty(&m));
            }
            free(s);
            np_cpumap_dispose(&m);
            np_cpumap_dispose(&back);
        }
        np_topo_dispose(&t);
    }
}
END_TEST

/* The host-free id lists of files and formats: np_idlist_parse(). */
#define SYSFS NP_IDLIST_SYSFS
#define LIBVIRT NP_IDLIST_LIBVIRT
#define WORDS NP_IDLIST_WORDS
#define CLIP NP_IDLIST_CLIP

struct idlist_case {
    const char *in;
    unsigned int limit, flags;
    int rc;
    const char *out; /* np_cpulist_format_ranges() when rc is 0 */
    long bad;        /* *bad_out when rc is -ERANGE */
};

static const struct idlist_case idlist_cases[] = {
    /* the kernel's files */
    {"0-3,8,10-11", 16, SYSFS, 0, "0-3,8,10-11", 0},
    {"3", 16, SYSFS, 0, "3", 0},
    {"", 16, SYSFS, 0, "", 0},
    {"", 16, 0, -EINVAL, NULL, 0},
    {"0-15", 16, SYSFS, 0, "0-15", 0},
    {"0-16", 16, SYSFS, -ERANGE, NULL, 16},
    {"17", 16, SYSFS, -ERANGE, NULL, 17},
    {"2,20-30", 16, SYSFS, -ERANGE, NULL, 20},
    {"0-3,^2", 16, SYSFS, -EINVAL, NULL, 0},
    {"all", 16, SYSFS, -EINVAL, NULL, 0},
    {"0, 1", 16, SYSFS, -EINVAL, NULL, 0},
    {"0-3\n", 16, SYSFS, -EINVAL, NULL, 0},
    {"0,,1", 16, SYSFS, -EINVAL, NULL, 0},
    {"1,", 16, SYSFS, -EINVAL, NULL, 0},
    {",1", 16, SYSFS, -EINVAL, NULL, 0},
    {"3-1", 16, SYSFS, -EINVAL, NULL, 0},
    {"1-", 16, SYSFS, -EINVAL, NULL, 0},
    {"-1", 16, SYSFS, -EINVAL, NULL, 0},
    {"1-2-3", 16, SYSFS, -EINVAL, NULL, 0},
    {"0x3", 16, SYSFS, -EINVAL, NULL, 0},
    {"+1", 16, SYSFS, -EINVAL, NULL, 0},
    {"99999999999", 16, SYSFS, -EINVAL, NULL, 0},
    {"1234567890", 16, SYSFS, -EINVAL, NULL, 0},
    {"0-1234567890", 16, SYSFS | CLIP, -EINVAL, NULL, 0},
    {"999999999", 16, SYSFS, -ERANGE, NULL, 999999999},
    {"007", 16, SYSFS, 0, "7", 0},
    /* a kernel that lists possible CPUs past the host's */
    {"0-255", 8, SYSFS | CLIP, 0, "0-7", 0},
    {"2,9-11", 8, SYSFS | CLIP, 0, "2", 0},
    {"", 8, SYSFS | CLIP, 0, "", 0},
    /* libvirt's cpuset: left to right, blanks around entries */
    {"0-3,^2", 8, LIBVIRT, 0, "0-1,3", 0},
    {"^2,0-3", 8, LIBVIRT, 0, "0-3", 0},
    {" 1-3 , 5 ", 8, LIBVIRT, 0, "1-3,5", 0},
    {"  ", 8, LIBVIRT, 0, "", 0},
    {"^9", 8, LIBVIRT, -ERANGE, NULL, 9},
    {"^", 8, LIBVIRT, -EINVAL, NULL, 0},
    {"1 2", 8, LIBVIRT, -EINVAL, NULL, 0},
    {"0, ,1", 8, LIBVIRT, -EINVAL, NULL, 0},
    /* the words of the JSON formats */
    {"all", 8, WORDS, 0, "0-7", 0},
    {"none", 8, WORDS, 0, "", 0},
    {"all,^2", 8, WORDS | NP_IDLIST_NEGATE, 0, "0-1,3-7", 0},
    {"^all", 8, WORDS | NP_IDLIST_NEGATE, -EINVAL, NULL, 0},
    {"none,1", 8, WORDS, -EINVAL, NULL, 0},
    {"ALL", 8, WORDS, -EINVAL, NULL, 0},
    {"none", 8, SYSFS, -EINVAL, NULL, 0},
    {"node:1", 8, WORDS | NP_IDLIST_NEGATE, -EINVAL, NULL, 0},
    {"all", 0, WORDS, 0, "", 0},
};

START_TEST(idlist)
{
    const struct idlist_case *c = &idlist_cases[_i];
    struct np_cpumap m, again;
    long bad = -1;
    char *s;
    int rc;

    np_cpumap_init(&m);
    np_cpumap_init(&again);
    rc = np_idlist_parse(c->in, c->limit, c->flags, &m, &bad);
    ck_assert_msg(rc == c->rc, "'%s' flags %#x: rc %d, want %d", c->in,
                  c->flags, rc, c->rc);
    ck_assert_uint_eq(m.nr_bits, c->limit);
    if (rc) {
        ck_assert(np_cpumap_is_empty(&m));
        if (rc == -ERANGE)
            ck_assert_int_eq(bad, c->bad);
        goto out;
    }
    s = np_cpulist_format_ranges(&m);
    ck_assert_msg(!strcmp(s, c->out), "'%s': got '%s', want '%s'", c->in, s,
                  c->out);
    /* the plain ranges read back strictly to the same map */
    ck_assert_int_eq(
        np_idlist_parse(s, c->limit, NP_IDLIST_EMPTY, &again, NULL), 0);
    ck_assert(np_cpumap_equal(&m, &again));
    free(s);
out:
    np_cpumap_dispose(&m);
    np_cpumap_dispose(&again);
}
END_TEST

/* NULL is no list; a NULL bad_out is allowed. */
START_TEST(idlist_null)
{
    struct np_cpumap m;

    np_cpumap_init(&m);
    ck_assert_int_eq(np_idlist_parse(NULL, 8, SYSFS, &m, NULL), -EINVAL);
    ck_assert_int_eq(np_idlist_parse("9", 8, SYSFS, &m, NULL), -ERANGE);
    ck_assert(np_cpumap_is_empty(&m));
    np_cpumap_dispose(&m);
}
END_TEST

Suite *suite_test_cpulist(void);
Suite *suite_test_cpulist(void)
{
    Suite *s = suite_create("cpulist");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, parse_ok, 0,
                        sizeof(ok_cases) / sizeof(ok_cases[0]));
    tcase_add_loop_test(tc, parse_bad, 0,
                        sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, nodelist);
    tcase_add_loop_test(tc, idlist, 0,
                        sizeof(idlist_cases) / sizeof(idlist_cases[0]));
    tcase_add_test(tc, idlist_null);
    tcase_add_test(tc, format_bits_like_xl);
    tcase_add_test(tc, format_yn_hex);
    tcase_add_test(tc, round_trip_many);
    suite_add_tcase(s, tc);
    return s;
}
