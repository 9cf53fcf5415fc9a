/*
 * load_bench.c: issue 10's load target.  Generates, in memory, a snapshot
 * of 65,536 CPUs (64 nodes, 2 threads per core) and one of 100,000 guests,
 * and times numapin's reader (np_json_read_snapshot: its own parser,
 * json_doc.c, and every check) against a plain json-c parse of the same
 * text, the baseline of the same run.  Prints seconds and the ratio;
 * the target is under 2 s for each.  No assertion: figures only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "fmt_json.h"

struct sb {
    char *s;
    size_t len, cap;
};

static void put(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if ((size_t)n < b->cap - b->len)
            break;
        b->cap = b->cap * 2 + (size_t)n + 4096;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            exit(1);
    }
    b->len += (size_t)n;
}

static void host(struct sb *b, unsigned int nr_cpus, unsigned int nr_nodes)
{
    unsigned int c, n, per = nr_cpus / nr_nodes;

    put(b, "{\"numapin\": 2, \"host\": {\"cpus\": [");
    for (c = 0; c < nr_cpus; c++)
        put(b,
            "%s{\"id\": %u, \"online\": true, \"socket\": %u, \"core\": %u, "
            "\"node\": %u, \"siblings\": \"%u-%u\"}",
            c ? "," : "", c, c / per, (c % per) / 2, c / per, c & ~1u, c | 1u);
    put(b, "], \"nodes\": [");
    for (n = 0; n < nr_nodes; n++)
        put(b, "%s{\"id\": %u, \"memory_kib\": 1073741824}", n ? "," : "", n);
    put(b, "]}");
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void measure(const char *what, struct sb *b)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    json_object *o;
    double t0, t1, t2;

    np_snapshot_init(&snap);
    t0 = now();
    o = json_tokener_parse(b->s);
    t1 = now();
    json_object_put(o);
    if (np_json_read_snapshot(b->s, b->len, what, &snap, &err)) {
        printf("%s: refused: %s\n", what, err.msg);
        exit(1);
    }
    t2 = now();
    printf("%-14s %6.1f MB  json-c %6.3f s  numapin %6.3f s  ratio %5.2f\n",
           what, (double)b->len / 1e6, t1 - t0, t2 - t1, (t2 - t1) / (t1 - t0));
    np_snapshot_dispose(&snap);
}

int main(void)
{
    struct sb b = {NULL, 0, 0};
    unsigned int g;

    host(&b, 65536, 64);
    put(&b, "}");
    measure("65536-cpus", &b);
    b.len = 0;
    host(&b, 256, 4);
    put(&b, ", \"guests\": [");
    for (g = 0; g < 100000; g++)
        put(&b,
            "%s{\"id\": %u, \"name\": \"g%u\", \"memory_kib\": 1024, "
            "\"vcpus\": [{\"id\": 0, \"online\": true, \"running\": true, "
            "\"blocked\": false, \"time_ns\": 0, \"hard\": \"%u\"}]}",
            g ? "," : "", g + 1, g, g % 256);
    put(&b, "]}");
    measure("100000-guests", &b);
    free(b.s);
    return 0;
}
