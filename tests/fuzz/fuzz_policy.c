/*
 * fuzz_policy.c: libFuzzer target for the policy file of numapin watch.
 *
 * Properties checked on every input:
 *  - parsing never crashes; a failure is -EINVAL with one line that
 *    starts "fuzz.conf:LINE: " (or says the file is too large), and
 *    leaves the policy as it was;
 *  - a policy that parses is written back (np_policy_file_format()) to a
 *    text that parses to the same policy;
 *  - deciding for a name never crashes, and checking against a host
 *    fails only with a line-numbered message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct np_topo host;

/* 4 CPUs on nodes 0 and 1; node 2 has memory and no CPUs. */
static void make_host(void)
{
    int cpu;

    np_topo_init(&host);
    if (np_topo_alloc(&host, 4, 3))
        abort();
    for (cpu = 0; cpu < 3; cpu++) {
        np_topo_add_node(&host, cpu);
        host.nodes[cpu].mem_total_kib = 1024;
    }
    for (cpu = 0; cpu < 4; cpu++) {
        np_topo_add_cpu(&host, cpu);
        host.cpus[cpu].node = cpu / 2;
        host.cpus[cpu].socket = cpu / 2;
        host.cpus[cpu].core = cpu % 2;
    }
    if (np_topo_finish(&host, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_policy_file p, q;
    struct np_policy_decision d;
    struct np_err err = {""};
    char *text = NULL;
    int rc;

    if (!host.nr_cpu_ids)
        make_host();
    np_policy_file_init(&p);
    np_policy_file_init(&q);
    rc = np_policy_file_parse((const char *)data, size, "fuzz.conf", &p, &err);
    if (rc) {
        if (rc != -EINVAL || strchr(err.msg, '\n') ||
            (strncmp(err.msg, "fuzz.conf:", 10)) || p.nr_rules || p.reserve)
            abort();
        return 0;
    }
    if (np_policy_file_format(&p, &text))
        abort();
    np_err_clear(&err);
    if (np_policy_file_parse(text, strlen(text), "again", &q, &err) ||
        !np_policy_file_equal(&p, &q))
        abort();
    np_policy_file_decide(&p, "db-1", &d);
    np_policy_file_decide(&p, "", &d);
    np_err_clear(&err);
    rc = np_policy_file_check(&p, &host, &err);
    if (rc && (rc != -EINVAL || strncmp(err.msg, "fuzz.conf:", 10) ||
               strchr(err.msg, '\n')))
        abort();
    free(text);
    np_policy_file_dispose(&p);
    np_policy_file_dispose(&q);
    return 0;
}
