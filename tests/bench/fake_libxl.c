/*
 * fake_libxl.c: a test double of libxl for tests/bench/xen-calls, loaded
 * with LD_PRELOAD in front of the real libxenlight.  It answers the calls
 * of the Xen backend that would need a hypervisor from a host in memory,
 * and counts them: the benchmark's figure is how much libxl work a
 * command does, not how long it takes.
 *
 * The host: 2 nodes of 4 CPUs (0-3, 4-7), one cpupool "Pool-0" of all
 * of them, dom0 with 2 vCPUs and NP_FAKEXL_DOMS domains "g1".."gN" of
 * NP_FAKEXL_VCPUS vCPUs each; vCPU v starts pinned to CPU v % 8, soft
 * affinity all.  A write changes the maps that the next read returns, in
 * one process only (each command starts from the same host).
 *
 * At exit, one line per function called, "NAME COUNT", and a line
 * "hypercalls N": the hypercalls those calls make in libxl 4.17 (a
 * vCPU list costs one domain read and two reads per vCPU, a domain list
 * or info one, a pin one), appended to the file NP_FAKEXL_COUNTS.
 *
 * Only what the backend needs is faked; the pure helpers (_init,
 * _dispose, _list_free, bitmaps, strings) are libxl's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>

#define NR_CPUS 8
#define NR_NODES 2
#define MAX_DOMS 256
#define MAX_VCPUS 128

enum fn {
    F_LIST_DOMAIN,
    F_DOMAIN_INFO,
    F_DOMID_TO_NAME,
    F_LIST_VCPU,
    F_CPUPOOL_INFO,
    F_LIST_CPUPOOL,
    F_SET_VCPUAFFINITY,
    F_SCHED_GET,
    F_GET_NODEAFFINITY,
    F_SET_NODEAFFINITY,
    F_PHYSINFO,
    F_CPU_TOPOLOGY,
    F_NUMAINFO,
    F_PCI,
    F_NR
};

static const char *const fn_names[F_NR] = {
    "libxl_list_domain",
    "libxl_domain_info",
    "libxl_domid_to_name",
    "libxl_list_vcpu",
    "libxl_cpupool_info",
    "libxl_list_cpupool",
    "libxl_set_vcpuaffinity",
    "libxl_domain_sched_params_get",
    "libxl_domain_get_nodeaffinity",
    "libxl_domain_set_nodeaffinity",
    "libxl_get_physinfo",
    "libxl_get_cpu_topology",
    "libxl_get_numainfo",
    "libxl_get_pci_topology",
};

struct dom {
    uint32_t id;
    char name[16];
    int nr_vcpus;
    uint8_t hard[MAX_VCPUS], soft[MAX_VCPUS]; /* one byte: 8 CPUs */
};

static struct dom doms[MAX_DOMS + 1];
static int nr_doms;
static unsigned long counts[F_NR];
static unsigned long hypercalls;
static int fake_ctx;

static int env_int(const char *name, int def, int max)
{
    const char *s = getenv(name);
    int v = s && *s ? atoi(s) : def;

    return v < 0 ? 0 : v > max ? max : v;
}

static void setup(void)
{
    int n = env_int("NP_FAKEXL_DOMS", 2, MAX_DOMS);
    int m = env_int("NP_FAKEXL_VCPUS", 3, MAX_VCPUS), d, v;

    if (nr_doms)
        return;
    for (d = 0; d <= n; d++) {
        struct dom *x = &doms[d];

        x->id = (uint32_t)d;
        snprintf(x->name, sizeof(x->name), d ? "g%d" : "Domain-0", d);
        x->nr_vcpus = d ? m : 2;
        for (v = 0; v < x->nr_vcpus; v++) {
            x->hard[v] = (uint8_t)(1u << (v % NR_CPUS));
            x->soft[v] = 0xff;
        }
    }
    nr_doms = n + 1;
}

static struct dom *find(uint32_t domid)
{
    int i;

    setup();
    for (i = 0; i < nr_doms; i++)
        if (doms[i].id == domid)
            return &doms[i];
    return NULL;
}

static void count(enum fn f, unsigned long calls)
{
    counts[f]++;
    hypercalls += calls;
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("NP_FAKEXL_COUNTS");
    FILE *f;
    int i;

    if (!path || !fake_ctx)
        return;
    f = fopen(path, "a");
    if (!f)
        return;
    for (i = 0; i < F_NR; i++)
        if (counts[i])
            fprintf(f, "%s %lu\n", fn_names[i], counts[i]);
    fprintf(f, "hypercalls %lu\n", hypercalls);
    fclose(f);
}

static int alloc_bytes(libxl_bitmap *bm, int nr_bits)
{
    bm->size = (uint32_t)((nr_bits + 7) / 8);
    bm->map = calloc(bm->size, 1);
    return bm->map ? 0 : ERROR_NOMEM;
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags,
                    xentoollog_logger *lg)
{
    setup();
    fake_ctx = 1;
    *pctx = (libxl_ctx *)&fake_ctx;
    return 0;
}

int libxl_ctx_free(libxl_ctx *ctx)
{
    return 0;
}

int libxl_get_max_cpus(libxl_ctx *ctx)
{
    return NR_CPUS;
}

int libxl_get_max_nodes(libxl_ctx *ctx)
{
    return NR_NODES;
}

int libxl_cpu_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *cpumap, int max_cpus)
{
    return alloc_bytes(cpumap, max_cpus > 0 ? max_cpus : NR_CPUS);
}

int libxl_node_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *nodemap,
                            int max_nodes)
{
    return alloc_bytes(nodemap, max_nodes > 0 ? max_nodes : NR_NODES);
}

int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *info)
{
    count(F_PHYSINFO, 1);
    memset(info, 0, sizeof(*info));
    info->threads_per_core = 1;
    info->cores_per_socket = 4;
    info->max_cpu_id = NR_CPUS - 1;
    info->nr_cpus = NR_CPUS;
    info->cpu_khz = 2000000;
    info->total_pages = 2 * 262144;
    info->free_pages = 262144;
    info->nr_nodes = NR_NODES;
    return 0;
}

libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out)
{
    libxl_cputopology *t = calloc(NR_CPUS, sizeof(*t));
    int i;

    count(F_CPU_TOPOLOGY, 1);
    if (!t)
        return NULL;
    for (i = 0; i < NR_CPUS; i++) {
        t[i].core = (uint32_t)(i % 4);
        t[i].socket = (uint32_t)(i / 4);
        t[i].node = (uint32_t)(i / 4);
    }
    *nb_cpu_out = NR_CPUS;
    return t;
}

libxl_numainfo *libxl_get_numainfo(libxl_ctx *ctx, int *nr)
{
    libxl_numainfo *n = calloc(NR_NODES, sizeof(*n));
    int i, j;

    count(F_NUMAINFO, 1);
    if (!n)
        return NULL;
    for (i = 0; i < NR_NODES; i++) {
        n[i].size = 262144ULL * 4096;
        n[i].free = 131072ULL * 4096;
        n[i].num_dists = NR_NODES;
        n[i].dists = calloc(NR_NODES, sizeof(*n[i].dists));
        for (j = 0; n[i].dists && j < NR_NODES; j++)
            n[i].dists[j] = i == j ? 10 : 20;
    }
    *nr = NR_NODES;
    return n;
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
    static libxl_version_info v = {
        .xen_version_major = 4,
        .xen_version_minor = 17,
        .xen_version_extra = (char *)".0-fake",
        .capabilities = (char *)"xen-3.0-x86_64",
    };

    return &v;
}

libxl_pcitopology *libxl_get_pci_topology(libxl_ctx *ctx, int *num_devs)
{
    count(F_PCI, 1);
    *num_devs = 0;
    return calloc(1, sizeof(libxl_pcitopology));
}

libxl_device_pci *libxl_device_pci_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num)
{
    *num = 0;
    return NULL;
}

static void fill_pool(libxl_cpupoolinfo *p)
{
    p->poolid = 0;
    p->pool_name = strdup("Pool-0");
    p->sched = LIBXL_SCHEDULER_CREDIT2;
    p->n_dom = (uint32_t)nr_doms;
    if (!alloc_bytes(&p->cpumap, NR_CPUS))
        p->cpumap.map[0] = 0xff;
}

libxl_cpupoolinfo *libxl_list_cpupool(libxl_ctx *ctx, int *nb_pool_out)
{
    libxl_cpupoolinfo *p = calloc(1, sizeof(*p));

    count(F_LIST_CPUPOOL, 1);
    if (!p)
        return NULL;
    fill_pool(p);
    *nb_pool_out = 1;
    return p;
}

int libxl_cpupool_info(libxl_ctx *ctx, libxl_cpupoolinfo *info, uint32_t poolid)
{
    count(F_CPUPOOL_INFO, 1);
    if (poolid)
        return ERROR_FAIL;
    fill_pool(info);
    return 0;
}

static void fill_dominfo(libxl_dominfo *info, const struct dom *d)
{
    memset(info, 0, sizeof(*info));
    info->domid = d->id;
    info->running = true;
    info->current_memkb = 524288;
    info->max_memkb = 524288;
    info->vcpu_max_id = (uint32_t)d->nr_vcpus - 1;
    info->vcpu_online = (uint32_t)d->nr_vcpus;
    info->cpupool = 0;
    info->domain_type = d->id ? LIBXL_DOMAIN_TYPE_PV : LIBXL_DOMAIN_TYPE_PV;
}

libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out)
{
    libxl_dominfo *l;
    int i;

    count(F_LIST_DOMAIN, 1);
    setup();
    l = calloc((size_t)nr_doms, sizeof(*l));
    if (!l)
        return NULL;
    for (i = 0; i < nr_doms; i++)
        fill_dominfo(&l[i], &doms[i]);
    *nb_domain_out = nr_doms;
    return l;
}

int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r, uint32_t domid)
{
    const struct dom *d = find(domid);

    count(F_DOMAIN_INFO, 1);
    if (!d)
        return ERROR_DOMAIN_NOTFOUND;
    if (info_r)
        fill_dominfo(info_r, d);
    return 0;
}

char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
    const struct dom *d = find(domid);

    count(F_DOMID_TO_NAME, 0); /* xenstore, not a hypercall */
    return d ? strdup(d->name) : NULL;
}

libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nb_vcpu,
                                int *nr_cpus_out)
{
    const struct dom *d = find(domid);
    libxl_vcpuinfo *l;
    int v;

    if (!d) {
        count(F_LIST_VCPU, 1);
        return NULL;
    }
    count(F_LIST_VCPU, 1 + 2 * (unsigned long)d->nr_vcpus);
    l = calloc((size_t)d->nr_vcpus, sizeof(*l));
    if (!l)
        return NULL;
    for (v = 0; v < d->nr_vcpus; v++) {
        l[v].vcpuid = (uint32_t)v;
        l[v].cpu = (uint32_t)(__builtin_ctz(d->hard[v]));
        l[v].online = true;
        l[v].running = false;
        l[v].blocked = true;
        l[v].vcpu_time = 1000000;
        if (!alloc_bytes(&l[v].cpumap, NR_CPUS))
            l[v].cpumap.map[0] = d->hard[v];
        if (!alloc_bytes(&l[v].cpumap_soft, NR_CPUS))
            l[v].cpumap_soft.map[0] = d->soft[v];
    }
    *nb_vcpu = d->nr_vcpus;
    *nr_cpus_out = NR_CPUS;
    return l;
}

int libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid,
                                  libxl_domain_sched_params *params)
{
    count(F_SCHED_GET, 1);
    if (!find(domid))
        return ERROR_DOMAIN_NOTFOUND;
    params->sched = LIBXL_SCHEDULER_CREDIT2;
    params->weight = 256;
    params->cap = 0;
    return 0;
}

int libxl_domain_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                  libxl_bitmap *nodemap)
{
    count(F_GET_NODEAFFINITY, 1);
    if (!find(domid))
        return ERROR_DOMAIN_NOTFOUND;
    if (nodemap->map && nodemap->size)
        nodemap->map[0] = (1u << NR_NODES) - 1;
    return 0;
}

int libxl_domain_set_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                  libxl_bitmap *nodemap)
{
    count(F_SET_NODEAFFINITY, 1);
    return find(domid) ? 0 : ERROR_DOMAIN_NOTFOUND;
}

static int set_affinity(uint32_t domid, uint32_t vcpuid,
                        const libxl_bitmap *hard, const libxl_bitmap *soft)
{
    struct dom *d = find(domid);

    count(F_SET_VCPUAFFINITY, 1);
    if (!d || vcpuid >= (uint32_t)d->nr_vcpus)
        return ERROR_FAIL;
    if (hard && hard->size)
        d->hard[vcpuid] = hard->map[0];
    if (soft && soft->size)
        d->soft[vcpuid] = soft->map[0];
    return 0;
}

int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid,
                           const libxl_bitmap *cpumap_hard,
                           const libxl_bitmap *cpumap_soft)
{
    return set_affinity(domid, vcpuid, cpumap_hard, cpumap_soft);
}

int libxl_set_vcpuaffinity_force(libxl_ctx *ctx, uint32_t domid,
                                 uint32_t vcpuid,
                                 const libxl_bitmap *cpumap_hard,
                                 const libxl_bitmap *cpumap_soft)
{
    return set_affinity(domid, vcpuid, cpumap_hard, cpumap_soft);
}
