/*
 * cmd_create.c: numapin create [OPTIONS] CONFIG [XL CREATE OPTIONS]:
 * place a new Xen guest before its memory exists.
 *
 * Under the host's writer lock: read the host, plan the guest of CONFIG
 * (name=, vcpus=, memory=, pool=) as `place` would, write the decision
 * into a copy of CONFIG (cpus= one CPU list per vCPU, as `persist`
 * writes, or cpus_soft= under a soft policy), and run `xl create` on the
 * copy, so that Xen allocates the guest's memory on the chosen nodes
 * (libxl derives the node affinity from a hard cpus=).  The lock is held
 * until xl create returns: a second `numapin create` waits, then plans
 * on a host that holds the first guest, which ends the parallel-start
 * race of libxl's own placement.  CONFIG is untouched unless --persist
 * (then it is replaced atomically and the old one kept as CONFIG.bak).
 * A CONFIG with cpus= of its own, or a policy rule `leave` for its name,
 * is created as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpulist.h"
#include "fileio.h"
#include "lock.h"
#include "plan.h"
#include "plan_apply.h"
#include "policy.h"
#include "solver.h"
#include "xlcfg.h"
#ifdef CONFIG_XEN
#include "xen_backend.h"
#endif
#include "numapin.h"

/* xl create under emulation takes 10-15 s: a second create waits this
 * long for the first by default. */
#define CREATE_WAIT_S 300

struct create_opts {
    const char *policy;
    const char *state_dir;
    const char *config;
    bool persist;
    int wait_s;
    int xl_argc;
    char **xl_argv;
};

static int parse_create(int argc, char **argv, struct create_opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->wait_s = CREATE_WAIT_S;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "--policy") && i + 1 < argc) {
            o->policy = argv[++i];
        } else if (!strcmp(a, "--state-dir") && i + 1 < argc) {
            o->state_dir = argv[++i];
        } else if (!strcmp(a, "--persist")) {
            o->persist = true;
        } else if (!strcmp(a, "--wait") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);

            if (*end || end == argv[i] || n < 0 || n > 86400)
                return np_ctx_error(
                    NP_EXIT_USAGE,
                    "invalid wait '%s': expected seconds, 0 to 86400", argv[i]);
            o->wait_s = (int)n;
        } else if (a[0] == '-') {
            np_ctx_error(
                NP_EXIT_USAGE,
                "unknown option '%s' (options for xl create go after CONFIG)",
                a);
            return np_usage("create");
        } else {
            o->config = a;
            o->xl_argc = argc - i - 1;
            o->xl_argv = argv + i + 1;
            return -1;
        }
    }
    return np_usage("create");
}

/* The whole of a regular file of at most 1 MiB. */
static int read_text(const char *path, char **text_out, mode_t *mode_out,
                     struct np_err *err)
{
    struct stat st;
    char *t = NULL;
    ssize_t n;
    size_t len = 0;
    int fd, rc = 0;

    *text_out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return np_err_set(err, -errno, "cannot open '%s': %s", path,
                          strerror(errno));
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
        rc = np_err_set(err, -EINVAL,
                        "'%s' is not a regular file of at most 1 MiB", path);
        goto out;
    }
    t = malloc((size_t)st.st_size + 1);
    if (!t) {
        rc = -ENOMEM;
        goto out;
    }
    while (len < (size_t)st.st_size &&
           (n = read(fd, t + len, (size_t)st.st_size - len)) > 0)
        len += (size_t)n;
    t[len] = '\0';
    if (strlen(t) != len) {
        rc = np_err_set(err, -EINVAL, "'%s' holds a NUL byte: not an xl.cfg",
                        path);
        goto out;
    }
    *text_out = t;
    t = NULL;
    *mode_out = st.st_mode & 07777;
out:
    free(t);
    close(fd);
    return rc;
}

/* Run xl create FILE ARGS...; its exit status, or -errno. */
static int run_xl(const char *file, int argc, char **argv)
{
    char **av = calloc((size_t)argc + 4, sizeof(*av));
    int status, i;
    pid_t pid;

    if (!av)
        return -ENOMEM;
    av[0] = "xl";
    av[1] = "create";
    av[2] = (char *)file;
    for (i = 0; i < argc; i++)
        av[3 + i] = argv[i];
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        free(av);
        return -errno;
    }
    if (pid == 0) {
        execvp("xl", av);
        fprintf(stderr, "numapin: error: cannot run xl: %s\n", strerror(errno));
        _exit(127);
    }
    free(av);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The plan's CPU list per vCPU as xl.cfg's cpus= value. */
static char *cpus_value(const struct np_topo *topo, const struct np_plan *plan,
                        const struct np_plan_guest *pg)
{
    char **items = calloc(pg->nr_vcpus + 1, sizeof(*items));
    char *v = NULL;
    unsigned int i;

    if (!items)
        return NULL;
    for (i = 0; i < pg->nr_vcpus; i++) {
        items[i] = np_cpulist_format(
            topo, plan->pin == NP_PIN_SOFT ? &pg->soft[i] : &pg->hard[i]);
        if (!items[i])
            goto out;
    }
    v = np_xlcfg_format_list((const char *const *)items, pg->nr_vcpus);
out:
    for (i = 0; i < pg->nr_vcpus; i++)
        free(items[i]);
    free(items);
    return v;
}

/*
 * Plan the guest of text into plan; reserved gets the CPUs it must not
 * use.  Returns -1 to go on, else an exit code (printed).
 */
static int plan_new(struct np_ctx *ctx, const struct np_policy_file *pol,
                    const struct np_policy_decision *d, const char *name,
                    unsigned long vcpus, unsigned long mem_mib,
                    const char *pool, struct np_plan *plan)
{
    struct np_topo *topo = &ctx->snap.topo;
    struct np_solve_req req;
    struct np_new_guest ng;
    struct np_cpumap reserved, m, nodes;
    struct np_err err = {""};
    const char *why;
    char *l = NULL;
    int rc, n;

    np_cpumap_init(&reserved);
    np_cpumap_init(&m);
    np_cpumap_init(&nodes);
    if (np_cpumap_alloc(&reserved, topo->nr_cpu_ids)) {
        rc = np_ctx_error(NP_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (pol->reserve) {
        if (np_cpulist_parse(topo, pol->reserve, &m, &err)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "%s:%u: reserve: %s", pol->name,
                              pol->reserve_line, err.msg);
            goto out;
        }
        np_cpumap_or(&reserved, &m);
    }
    if (d->nodes) {
        if (np_nodelist_parse(topo, d->nodes, &nodes, &err)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "%s:%u: nodes: %s", pol->name,
                              d->nodes_line, err.msg);
            goto out;
        }
        for (n = 0; n < (int)topo->nr_node_ids; n++)
            if (np_topo_node_exists(topo, n) && !np_cpumap_test(&nodes, n))
                np_cpumap_or(&reserved, np_topo_node_cpus(topo, n));
    }
#ifdef CONFIG_XEN
    /* pool=: the pool's CPUs only */
    if (pool && ctx->be_open && !strcmp(ctx->be.ops->name, "xen")) {
        if (np_xen_pool_cpus(&ctx->be, pool, topo->nr_cpu_ids, &m, &err)) {
            rc = np_ctx_error(NP_EXIT_USAGE, "%s: pool: %s", name, err.msg);
            goto out;
        }
        for (n = 0; n < (int)topo->nr_cpu_ids; n++)
            if (np_topo_cpu_exists(topo, n) && !np_cpumap_test(&m, n))
                np_cpumap_set(&reserved, n);
    }
#endif
    np_solve_req_init(&req);
    req.policy = pol->policy;
    req.overcommit = pol->overcommit;
    req.pin = d->pin;
    req.reserved = &reserved;
    ng.name = name;
    ng.nr_vcpus = (unsigned int)vcpus;
    ng.mem_kib = (uint64_t)mem_mib * 1024;
    req.new_guests = &ng;
    req.nr_new = 1;
    rc = np_solve(&ctx->snap, &req, plan, &err);
    if (rc == -ENOSPC || (!rc && !plan->guests[0].placed)) {
        const struct np_plan_guest *g = &plan->guests[0];

        why = g->nr_reasons ? g->reasons[g->nr_reasons - 1] : err.msg;
        if (!strncmp(why, "not placed: ", 12))
            why += 12;
        rc = np_ctx_error(NP_EXIT_FAILED,
                          "guest '%s' fits nowhere: %s; nothing was started",
                          name, why);
        goto out;
    }
    if (rc) {
        rc = np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED, "%s",
                          err.msg);
        goto out;
    }
    if (d->nodes && !np_cpumap_subset(&plan->guests[0].nodes, &nodes)) {
        l = np_cpulist_format_ranges(&plan->guests[0].nodes);
        rc = np_ctx_error(
            NP_EXIT_FAILED,
            "guest '%s' fits nowhere: nodes %s (%s:%u) cannot hold it, it needs nodes %s; nothing was started",
            name, d->nodes, pol->name, d->nodes_line, l ? l : "?");
        goto out;
    }
    rc = -1;
out:
    free(l);
    np_cpumap_dispose(&reserved);
    np_cpumap_dispose(&m);
    np_cpumap_dispose(&nodes);
    return rc;
}

int main_create(struct np_ctx *ctx, int argc, char **argv)
{
    struct create_opts o;
    struct np_policy_file pol;
    struct np_policy_decision d;
    struct np_lock lk = NP_LOCK_INIT;
    struct np_plan plan;
    struct np_err err = {""};
    char *text = NULL, *name = NULL, *pool = NULL, *cpus = NULL, *cur = NULL;
    char *copy = NULL, *nodes = NULL, path[PATH_MAX] = "";
    unsigned long vcpus = 1, mem = 128;
    mode_t mode = 0644;
    bool as_is = false;
    int rc, fd, xrc;

    np_policy_file_init(&pol);
    np_plan_init(&plan);
    rc = parse_create(argc, argv, &o);
    if (rc >= 0)
        goto out;
    if (o.state_dir)
        ctx->state_dir = o.state_dir;
    o.state_dir = np_ctx_state_dir(ctx);
    if (o.policy && np_policy_file_read(o.policy, &pol, &err)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
        goto out;
    }
    if (read_text(o.config, &text, &mode, &err)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
        goto out;
    }
    rc = np_xlcfg_get_string(text, "name", &name, &err);
    if (rc == -ENOENT)
        np_err_set(&err, -EINVAL, "it has no name=");
    if (rc || !*name) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s: %s", o.config,
                          err.msg[0] ? err.msg : "an empty name");
        goto out;
    }
    rc = np_xlcfg_get_number(text, "vcpus", &vcpus, &err);
    if (!rc || rc == -ENOENT)
        rc = np_xlcfg_get_number(text, "memory", &mem, &err);
    if (!rc || rc == -ENOENT)
        rc = np_xlcfg_get_string(text, "pool", &pool, &err);
    if (rc && rc != -ENOENT) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s: %s", o.config, err.msg);
        goto out;
    }
    if (!vcpus || vcpus > 65536) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s: vcpus = %lu: expected 1 to 65536",
                          o.config, vcpus);
        goto out;
    }
    np_policy_file_decide(&pol, name, &d);
    /* cpus= of its own (a string other than "all", or a list): pinned by
     * its own configuration */
    rc = np_xlcfg_get_string(text, "cpus", &cur, NULL);
    if (rc == -EINVAL || (!rc && strcmp(cur, "all")))
        as_is = true;
    if (d.leave)
        as_is = true;

    /* Read and plan under the lock, and hold it until xl create returns. */
    if (!ctx->dry_run) {
        rc = np_lock_take(&lk,
                          np_plan_state_dir(&(struct np_apply_opts){
                              .state_dir = o.state_dir}),
                          o.wait_s * 1000, "create", &err);
        if (rc) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
            goto out;
        }
    }
    if (as_is) {
        printf("%s: %s: created as it is\n", name,
               d.leave ? "the policy says leave"
                       : "pinned by its own configuration (cpus=)");
        if (ctx->dry_run) {
            rc = NP_EXIT_OK;
            goto out;
        }
        xrc = run_xl(o.config, o.xl_argc, o.xl_argv);
        rc = xrc ? np_ctx_error(NP_EXIT_FAILED, "xl create %s failed (exit %d)",
                                o.config, xrc)
                 : NP_EXIT_OK;
        goto out;
    }
    rc = np_ctx_load(ctx, NP_WANT_ANY_GUESTS);
    if (rc)
        goto out;
    if (!ctx->dry_run && strcmp(ctx->snap.backend, "xen")) {
        rc = np_ctx_error(
            NP_EXIT_USAGE,
            "create starts Xen guests: the %s backend has none (-N shows the plan and the file)",
            ctx->snap.backend);
        goto out;
    }
    rc = plan_new(ctx, &pol, &d, name, vcpus, mem, pool, &plan);
    if (rc >= 0)
        goto out;
    cpus = cpus_value(&ctx->snap.topo, &plan, &plan.guests[0]);
    if (!cpus || np_xlcfg_set(text, d.pin == NP_PIN_SOFT ? "cpus_soft" : "cpus",
                              cpus, &copy, &err)) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s: %s", o.config,
                          err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    nodes = np_cpulist_format_ranges(&plan.guests[0].nodes);
    printf("%s: node%s %s, %s = %s\n", name,
           np_cpumap_weight(&plan.guests[0].nodes) > 1 ? "s" : "",
           nodes ? nodes : "?", d.pin == NP_PIN_SOFT ? "cpus_soft" : "cpus",
           cpus);
    if (ctx->dry_run) {
        fputs(copy, stdout);
        rc = NP_EXIT_OK;
        goto out;
    }
    snprintf(
        path, sizeof(path), "%s/create-XXXXXX.cfg",
        np_plan_state_dir(&(struct np_apply_opts){.state_dir = o.state_dir}));
    fd = mkstemps(path, 4);
    if (fd < 0 || write(fd, copy, strlen(copy)) != (ssize_t)strlen(copy) ||
        fsync(fd)) {
        rc = np_ctx_error(NP_EXIT_FAILED, "cannot write '%s': %s", path,
                          strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    xrc = run_xl(path, o.xl_argc, o.xl_argv);
    unlink(path);
    if (xrc) {
        rc = np_ctx_error(NP_EXIT_FAILED,
                          "xl create of %s failed (exit %d); %s is as it was",
                          name, xrc, o.config);
        goto out;
    }
    if (o.persist) {
        char real[PATH_MAX], bak[PATH_MAX + 8];

        if (!realpath(o.config, real)) {
            rc = np_ctx_error(NP_EXIT_FAILED, "cannot open '%s': %s", o.config,
                              strerror(errno));
            goto out;
        }
        snprintf(bak, sizeof(bak), "%s.bak", real);
        if (np_file_write_atomic(bak, text, strlen(text), mode, &err) ||
            np_file_write_atomic(real, copy, strlen(copy), mode, &err)) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s created; %s", name, err.msg);
            goto out;
        }
        printf("the placement is in %s; the old file is %s.bak\n", o.config,
               o.config);
    }
    rc = NP_EXIT_OK;
out:
    /* a batching backend's writes reach the host before the lock goes */
    if (np_ctx_commit(ctx) && rc == NP_EXIT_OK)
        rc = NP_EXIT_FAILED;
    np_lock_release(&lk);
    np_policy_file_dispose(&pol);
    np_plan_dispose(&plan);
    free(text);
    free(name);
    free(pool);
    free(cpus);
    free(cur);
    free(copy);
    free(nodes);
    return rc;
}
