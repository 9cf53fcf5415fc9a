/*
 * cli_args.c: the numbers commands take as operands and option values
 * (numapin.h), parsed one way for every command.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "numapin.h"

/*
 * "3G", "3072M", "3072" (MiB, as xl.cfg's memory=), "512MiB", "1048576K"
 * into KiB.  0 or -EINVAL.
 */
int np_parse_size_kib(const char *s, uint64_t *kib_out)
{
    static const struct {
        const char *suffix;
        unsigned int shift;
    } units[] = {
        {"", 10},   {"k", 0},    {"kb", 0},   {"kib", 0}, {"m", 10},
        {"mb", 10}, {"mib", 10}, {"g", 20},   {"gb", 20}, {"gib", 20},
        {"t", 30},  {"tb", 30},  {"tib", 30},
    };
    unsigned long long n;
    unsigned int i;
    char *end;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    n = strtoull(s, &end, 10);
    if (errno)
        return -EINVAL;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(end, units[i].suffix))
            continue;
        if (n > (UINT64_MAX >> 2) >> units[i].shift)
            return -EINVAL;
        *kib_out = (uint64_t)n << units[i].shift;
        return 0;
    }
    return -EINVAL;
}

int np_parse_uint(const char *s, unsigned int max, unsigned int *out)
{
    unsigned long n;
    char *end;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    n = strtoul(s, &end, 10);
    if (errno || *end || n > max)
        return -EINVAL;
    *out = (unsigned int)n;
    return 0;
}
