/*
 * xen_pool.c: the CPUs of a cpupool by its name, for `numapin create`
 * (xl.cfg's pool=): the new guest is planned on that pool's CPUs only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xen_int.h"

int np_xen_pool_cpus(struct np_backend *be, const char *pool,
                     unsigned int nr_bits, struct np_cpumap *cpus_out,
                     struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    libxl_cpupoolinfo *pools;
    char names[256] = "";
    size_t len = 0;
    int i, n = 0, rc = -ENOENT;

    pools = libxl_list_cpupool(p->ctx, &n);
    if (!pools)
        return np_err_set(err, -EIO, "cannot list the cpupools");
    for (i = 0; i < n; i++) {
        if (len < sizeof(names) - 64)
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
                                    i ? ", " : "", pools[i].pool_name);
        if (rc != -ENOENT || strcmp(pools[i].pool_name, pool))
            continue;
        rc = xen_bitmap_to_cpumap(&pools[i].cpumap, nr_bits, cpus_out);
    }
    libxl_cpupoolinfo_list_free(pools, n);
    if (rc == -ENOENT)
        return np_err_set(err, -ENOENT,
                          "there is no cpupool '%s': the pools are %s", pool,
                          names);
    return rc;
}
