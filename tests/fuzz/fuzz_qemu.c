/*
 * fuzz_qemu.c: libFuzzer target for what numapin reads of a QEMU process
 * that any local user may start: its command line (proc/PID/cmdline),
 * its numa_maps and a QMP query-cpus-fast reply.  The first input byte
 * chooses the parser.
 *
 * Properties: the command line gives at least one vCPU and a name
 * without NUL or newline bytes of its own making; numa_maps's per-node
 * sums never exceed the total; a QMP reply fails with one line or gives
 * vCPUs whose thread ids are all positive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_guests.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cmdline(const char *text, size_t len)
{
    struct np_qemu_cmdline cl;

    np_qemu_cmdline_init(&cl);
    if (np_qemu_cmdline_parse(text, len, &cl))
        abort(); /* only -ENOMEM, which a fuzzer does not reach */
    if (cl.is_qemu && cl.nr_vcpus < 1)
        abort();
    np_qemu_cmdline_dispose(&cl);
    np_qemu_cmdline_dispose(&cl); /* idempotent */
}

static void numa_maps(const char *text)
{
    uint64_t kib[4], total = 0, sum = 0;
    unsigned int n;

    if (np_numa_maps_parse(text, 4, kib, &total))
        return;
    for (n = 0; n < 4; n++) {
        if (sum + kib[n] < sum)
            abort();
        sum += kib[n];
    }
    if (sum > total)
        abort();
}

static void qmp(const char *text)
{
    struct np_qmp_cpu *cpus = NULL;
    struct np_err err = {""};
    unsigned int nr = 0, i;

    if (np_qmp_parse_cpus(text, &cpus, &nr, &err)) {
        if (cpus || strchr(err.msg, '\n'))
            abort();
        return;
    }
    for (i = 0; i < nr; i++)
        if (cpus[i].tid <= 0 || cpus[i].cpu_index < 0)
            abort();
    free(cpus);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    if (!size)
        return 0;
    text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 3) {
    case 0:
        cmdline(text, size - 1);
        break;
    case 1:
        numa_maps(text);
        break;
    default:
        qmp(text);
    }
    free(text);
    return 0;
}
