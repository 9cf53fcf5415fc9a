/*
 * time_libxl.c: where a toolstack process's time goes in the Xen test
 * bed's dom0, for tests/xen/dom0-bench.  Loaded with LD_PRELOAD in front
 * of the real libxenlight (numapin's or xl's alike), it times each call
 * of the libxl functions below by forwarding it to the real one
 * (dlsym(RTLD_NEXT)), and at exit appends to the file NP_TIMEXL_OUT one
 * line per function called ("COMM NAME CALLS MS", COMM the process's
 * name: a shell wrapper in front of xl writes its own lines), then
 *   start MS   from the process's start (its /proc starttime, 10 ms
 *              ticks) to this library's constructor: exec and the
 *              dynamic loader's work
 *   libxl MS   the calls' sum
 *   run MS     from the constructor to exit
 * A measure, never a test double: every call is the real one.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>

#define NP_TIMED_FUNCS(X)                                                      \
    X(ctx_alloc)                                                               \
    X(ctx_free)                                                                \
    X(list_domain)                                                             \
    X(domain_info)                                                             \
    X(domid_to_name)                                                           \
    X(name_to_domid)                                                           \
    X(list_vcpu)                                                               \
    X(cpupool_info)                                                            \
    X(list_cpupool)                                                            \
    X(set_vcpuaffinity)                                                        \
    X(set_vcpuaffinity_force)                                                  \
    X(domain_get_nodeaffinity)                                                 \
    X(domain_set_nodeaffinity)                                                 \
    X(domain_sched_params_get)                                                 \
    X(get_physinfo)                                                            \
    X(get_cpu_topology)                                                        \
    X(get_numainfo)                                                            \
    X(get_max_cpus)                                                            \
    X(send_debug_keys)                                                         \
    X(xen_console_read_start)

enum fn {
#define NP_TIMED_ENUM(f) FN_##f,
    NP_TIMED_FUNCS(NP_TIMED_ENUM)
#undef NP_TIMED_ENUM
        NR_FN
};

static const char *const names[NR_FN] = {
#define NP_TIMED_NAME(f) "libxl_" #f,
    NP_TIMED_FUNCS(NP_TIMED_NAME)
#undef NP_TIMED_NAME
};

static unsigned long calls[NR_FN];
static double ms[NR_FN];
static double t_ctor, start_ms;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void *real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);

    if (!f) {
        fprintf(stderr, "time_libxl: no %s after this library\n", name);
        abort();
    }
    return f;
}

/* The process's start, in ms of CLOCK_BOOTTIME (field 22 of
 * /proc/self/stat, in clock ticks since boot); -1 when unknown. */
static double proc_start_ms(void)
{
    char buf[1024], *p;
    unsigned long long ticks = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n;
    int field;

    if (!f)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* past the command's name */
    if (!p)
        return -1;
    for (field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
        return -1;
    return (double)ticks * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

__attribute__((constructor)) static void timexl_init(void)
{
    double s = proc_start_ms();

    t_ctor = now_ms();
    start_ms = s < 0 ? -1 : t_ctor - s;
}

__attribute__((destructor)) static void timexl_fini(void)
{
    const char *path = getenv("NP_TIMEXL_OUT");
    char comm[32] = "?";
    double sum = 0;
    FILE *f;
    int i;

    f = fopen("/proc/self/comm", "r");
    if (f) {
        if (fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n ")] = '\0';
        fclose(f);
    }
    if (!path || !(f = fopen(path, "a")))
        return;
    for (i = 0; i < NR_FN; i++) {
        if (!calls[i])
            continue;
        fprintf(f, "%s %s %lu %.1f\n", comm, names[i], calls[i], ms[i]);
        sum += ms[i];
    }
    fprintf(f, "%s start 1 %.1f\n%s libxl 1 %.1f\n%s run 1 %.1f\n", comm,
            start_ms, comm, sum, comm, now_ms() - t_ctor);
    fclose(f);
}

/* Each function: the real one, timed. */
#define TIMED(ret, f, params, args)                                            \
    ret libxl_##f params                                                       \
    {                                                                          \
        static __typeof__(libxl_##f) *next;                                    \
        double t0;                                                             \
        ret r;                                                                 \
                                                                               \
        if (!next)                                                             \
            next = (__typeof__(libxl_##f) *)real("libxl_" #f);                 \
        t0 = now_ms();                                                         \
        r = next args;                                                         \
        ms[FN_##f] += now_ms() - t0;                                           \
        calls[FN_##f]++;                                                       \
        return r;                                                              \
    }

TIMED(int, ctx_alloc,
      (libxl_ctx * *pctx, int version, unsigned flags, xentoollog_logger *lg),
      (pctx, version, flags, lg))
TIMED(int, ctx_free, (libxl_ctx * ctx), (ctx))
TIMED(libxl_dominfo *, list_domain, (libxl_ctx * ctx, int *nb), (ctx, nb))
TIMED(int, domain_info, (libxl_ctx * ctx, libxl_dominfo *i, uint32_t d),
      (ctx, i, d))
TIMED(char *, domid_to_name, (libxl_ctx * ctx, uint32_t d), (ctx, d))
TIMED(int, name_to_domid, (libxl_ctx * ctx, const char *n, uint32_t *d),
      (ctx, n, d))
TIMED(libxl_vcpuinfo *, list_vcpu,
      (libxl_ctx * ctx, uint32_t d, int *nb, int *nr_cpus),
      (ctx, d, nb, nr_cpus))
TIMED(int, cpupool_info, (libxl_ctx * ctx, libxl_cpupoolinfo *i, uint32_t p),
      (ctx, i, p))
TIMED(libxl_cpupoolinfo *, list_cpupool, (libxl_ctx * ctx, int *nb), (ctx, nb))
TIMED(int, set_vcpuaffinity,
      (libxl_ctx * ctx, uint32_t d, uint32_t v, const libxl_bitmap *hard,
       const libxl_bitmap *soft),
      (ctx, d, v, hard, soft))
TIMED(int, set_vcpuaffinity_force,
      (libxl_ctx * ctx, uint32_t d, uint32_t v, const libxl_bitmap *hard,
       const libxl_bitmap *soft),
      (ctx, d, v, hard, soft))
TIMED(int, domain_get_nodeaffinity,
      (libxl_ctx * ctx, uint32_t d, libxl_bitmap *m), (ctx, d, m))
TIMED(int, domain_set_nodeaffinity,
      (libxl_ctx * ctx, uint32_t d, libxl_bitmap *m), (ctx, d, m))
TIMED(int, domain_sched_params_get,
      (libxl_ctx * ctx, uint32_t d, libxl_domain_sched_params *s), (ctx, d, s))
TIMED(int, get_physinfo, (libxl_ctx * ctx, libxl_physinfo *i), (ctx, i))
TIMED(libxl_cputopology *, get_cpu_topology, (libxl_ctx * ctx, int *nb),
      (ctx, nb))
TIMED(libxl_numainfo *, get_numainfo, (libxl_ctx * ctx, int *nr), (ctx, nr))
TIMED(int, get_max_cpus, (libxl_ctx * ctx), (ctx))
TIMED(int, send_debug_keys, (libxl_ctx * ctx, char *keys), (ctx, keys))
TIMED(libxl_xen_console_reader *, xen_console_read_start,
      (libxl_ctx * ctx, int clear), (ctx, clear))
