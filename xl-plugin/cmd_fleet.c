/*
 * cmd_fleet.c: `numapin fleet place` and `numapin fleet report`: host
 * snapshots in, decisions out, offline (common/fleet.h decides).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cpulist.h"
#include "fleet.h"
#include "fleet_json.h"
#include "numapin.h"

struct fleet_opts {
    struct np_fleet_req req;
    bool have_vcpus, have_mem;
    const char *out;
    bool quiet;
    const char **paths;
    unsigned int nr_paths;
};

/* The skipped snapshots, for the warnings and the JSON. */
struct skipped {
    char **msgs;
    unsigned int nr;
    bool oom;
};

static void on_skip(void *opaque, const char *msg)
{
    struct skipped *s = opaque;
    char **n;

    np_ctx_warn("%s", msg);
    n = realloc(s->msgs, (s->nr + 1) * sizeof(*n));
    if (!n || !(n[s->nr] = strdup(msg))) {
        if (n)
            s->msgs = n;
        s->oom = true;
        return;
    }
    s->msgs = n;
    s->nr++;
}

static void skipped_free(struct skipped *s)
{
    unsigned int i;

    for (i = 0; i < s->nr; i++)
        free(s->msgs[i]);
    free(s->msgs);
}

/* argv[*i] is "--opt VALUE" or "--opt=VALUE": the value, else NULL. */
static const char *value_of(int argc, char **argv, int *i, const char *opt,
                            bool *missing)
{
    size_t len = strlen(opt);

    if (strncmp(argv[*i], opt, len) || (argv[*i][len] && argv[*i][len] != '='))
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int parse(const char *cmd, int argc, char **argv, struct fleet_opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    np_solve_req_init(&o->req.solve);
    o->req.solve.explain = true;
    o->req.count = 1;
    o->paths = calloc((size_t)argc + 1, sizeof(*o->paths));
    if (!o->paths)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    for (i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;

        if ((v = value_of(argc, argv, &i, "--vcpus", &missing))) {
            if (np_parse_uint(v, 65536, &o->req.nr_vcpus) || !o->req.nr_vcpus)
                return np_usage_error(
                    cmd, "invalid vcpu count '%s': expected 1 to 65536", v);
            o->have_vcpus = true;
        } else if ((v = value_of(argc, argv, &i, "--memory", &missing))) {
            if (np_parse_size_kib(v, &o->req.mem_kib) || !o->req.mem_kib)
                return np_usage_error(
                    cmd,
                    "invalid memory size '%s': expected a number of MiB or a size such as 3G, 512M, 1048576K",
                    v);
            o->have_mem = true;
        } else if ((v = value_of(argc, argv, &i, "--count", &missing))) {
            if (np_parse_uint(v, 1000000, &o->req.count) || !o->req.count)
                return np_usage_error(
                    cmd, "invalid count '%s': expected 1 to 1000000", v);
        } else if ((v = value_of(argc, argv, &i, "--name", &missing))) {
            o->req.name = v;
        } else if ((v = value_of(argc, argv, &i, "--hypervisor", &missing))) {
            if (strcmp(v, "xen") && strcmp(v, "kvm") && strcmp(v, "any"))
                return np_usage_error(
                    cmd, "unknown hypervisor '%s': use xen, kvm or any", v);
            o->req.hypervisor = v;
        } else if ((v = value_of(argc, argv, &i, "--policy", &missing))) {
            if (np_policy_parse(v, &o->req.solve.policy))
                return np_usage_error(
                    cmd, "unknown policy '%s': use prefer, isolate or require",
                    v);
        } else if ((v = value_of(argc, argv, &i, "--overcommit", &missing))) {
            if (np_parse_uint(v, 1024, &o->req.solve.overcommit) ||
                !o->req.solve.overcommit)
                return np_usage_error(
                    cmd,
                    "invalid overcommit '%s': expected the vCPUs allowed per CPU, 1 to 1024",
                    v);
        } else if ((v = value_of(argc, argv, &i, "-o", &missing))) {
            o->out = v;
        } else if (!strcmp(argv[i], "--spread")) {
            o->req.weigh = NP_FLEET_SPREAD;
        } else if (!strcmp(argv[i], "--pack")) {
            o->req.weigh = NP_FLEET_PACK;
        } else if (!strcmp(argv[i], "--soft")) {
            o->req.solve.pin = NP_PIN_SOFT;
        } else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
            o->quiet = true;
        } else if (missing) {
            return np_usage_error(cmd, "option '%s' needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return np_usage_error(cmd, "unknown option '%s'", argv[i]);
        } else {
            o->paths[o->nr_paths++] = argv[i];
        }
    }
    if (!o->nr_paths)
        return np_usage_error(
            cmd,
            "give host snapshots (files from `numapin dump`) or a directory of them");
    return -1;
}

/* Read the snapshots o names into fleet (those skipped go to sk); returns
 * -1 to go on, else an exit code. */
static int load(const struct fleet_opts *o, struct np_fleet *fleet,
                struct skipped *sk)
{
    struct np_err err = {""};
    int rc;

    rc = np_fleet_load(fleet, o->paths, o->nr_paths, on_skip, sk, &err);
    if (rc)
        return np_ctx_error(rc == -ENOMEM ? NP_EXIT_FAILED : NP_EXIT_USAGE,
                            "%s", err.msg);
    return -1;
}

static void print_mem(uint64_t kib)
{
    if (kib >= 1024 * 1024)
        printf("%.1f GiB", (double)kib / (1024.0 * 1024.0));
    else
        printf("%" PRIu64 " MiB", kib / 1024);
}

/* "web-1 -> kvm-c (kvm): node 0, cpus 0-3, memory node 0 2.0 GiB" */
static void print_decision(const struct np_fleet *f,
                           const struct np_fleet_decision *d)
{
    const struct np_fleet_host *h = &f->hosts[d->host];
    const struct np_plan *p = &h->plan;
    const struct np_plan_guest *g = &p->guests[d->plan_idx];
    struct np_cpumap cpus;
    char *nodes = np_cpulist_format_ranges(&g->nodes), *list;
    unsigned int v, n;

    np_cpumap_init(&cpus);
    np_cpumap_alloc(&cpus, p->nr_cpu_ids);
    for (v = 0; v < g->nr_vcpus; v++)
        np_cpumap_or(&cpus, p->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v]);
    list = np_cpulist_format_ranges(&cpus);
    printf("%s -> %s (%s): node%s %s, cpus %s", d->name, h->name,
           h->hypervisor ? h->hypervisor : "unknown hypervisor",
           np_cpumap_weight(&g->nodes) > 1 ? "s" : "", nodes ? nodes : "?",
           list ? list : "?");
    if (g->mem_per_node_kib) {
        printf(", memory");
        for (n = 0; n < p->nr_node_ids; n++)
            if (g->mem_per_node_kib[n]) {
                printf(" node %u ", n);
                print_mem(g->mem_per_node_kib[n]);
            }
    }
    fputc('\n', stdout);
    free(nodes);
    free(list);
    np_cpumap_dispose(&cpus);
}

/* -o DIR: DIR/HOST.json for every host that got a guest. */
static int write_plans(const struct np_fleet *f, const char *dir, char **files)
{
    struct np_err err = {""};
    unsigned int i;

    if (mkdir(dir, 0755) && errno != EEXIST)
        return np_ctx_error(NP_EXIT_FAILED, "cannot create '%s': %s", dir,
                            strerror(errno));
    for (i = 0; i < f->nr_hosts; i++) {
        if (!f->hosts[i].plan.nr_guests)
            continue;
        if (asprintf(&files[i], "%s/%s.json", dir, f->hosts[i].name) < 0) {
            files[i] = NULL;
            return np_ctx_error(NP_EXIT_FAILED, "out of memory");
        }
        if (np_plan_write_file(files[i], &f->hosts[i].plan, &err))
            return np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    }
    return -1;
}

static int fleet_place(struct np_ctx *ctx, int argc, char **argv)
{
    struct fleet_opts o;
    struct np_fleet fleet;
    struct np_fleet_result res;
    struct skipped sk = {NULL, 0, false};
    struct np_err err = {""};
    char **files = NULL, *json = NULL;
    unsigned int i;
    int rc, prc;

    np_fleet_init(&fleet);
    memset(&res, 0, sizeof(res));
    rc = parse("fleet place", argc, argv, &o);
    if (rc >= 0)
        goto out;
    if (!o.have_vcpus || !o.have_mem) {
        rc = np_usage_error("fleet place", "--vcpus and --memory are needed");
        goto out;
    }
    rc = load(&o, &fleet, &sk);
    if (rc >= 0)
        goto out;
    prc = np_fleet_place(&fleet, &o.req, &res, &err);
    if (prc && prc != -ENOSPC) {
        rc = np_ctx_error(prc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED, "%s",
                          err.msg);
        goto out;
    }
    files = calloc(fleet.nr_hosts + 1, sizeof(*files));
    if (!files || sk.oom) {
        rc = np_ctx_error(NP_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (o.out && res.nr_placed) {
        rc = write_plans(&fleet, o.out, files);
        if (rc >= 0)
            goto out;
    }
    if (!res.nr_placed && !ctx->json) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
        goto out;
    }
    if (ctx->json) {
        rc = np_fleet_place_json(
            &fleet, &o.req, &res, (const char *const *)files,
            (const char *const *)sk.msgs, sk.nr, &json, &err);
        if (rc) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
            goto out;
        }
        fputs(json, stdout);
    } else {
        if (!o.quiet)
            printf("# %u host%s read%s, %u guest%s of %u vCPUs and %.1f GiB "
                   "(%s)\n",
                   fleet.nr_hosts, fleet.nr_hosts == 1 ? "" : "s",
                   sk.nr ? " (some skipped)" : "", res.nr_decisions,
                   res.nr_decisions == 1 ? "" : "s", o.req.nr_vcpus,
                   (double)o.req.mem_kib / (1024.0 * 1024.0),
                   o.req.weigh == NP_FLEET_PACK ? "pack" : "spread");
        for (i = 0; i < res.nr_decisions; i++) {
            const struct np_fleet_decision *d = &res.decisions[i];

            if (d->host >= 0)
                print_decision(&fleet, d);
            else if (d->best_host >= 0)
                printf("%s: fits no host; on the best, '%s': %s\n", d->name,
                       fleet.hosts[d->best_host].name, d->reason);
            else
                printf("%s: fits no host: %s\n", d->name, d->reason);
        }
        for (i = 0; i < fleet.nr_hosts; i++)
            if (files[i])
                printf("plan for %s written to %s: run `numapin apply %s` "
                       "there once the guest%s run%s\n",
                       fleet.hosts[i].name, files[i], files[i],
                       fleet.hosts[i].plan.nr_guests > 1 ? "s" : "",
                       fleet.hosts[i].plan.nr_guests > 1 ? "" : "s");
    }
    if (!prc)
        rc = NP_EXIT_OK;
    else if (!res.nr_placed)
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
    else
        rc = NP_EXIT_PARTIAL;
out:
    if (files)
        for (i = 0; i < fleet.nr_hosts; i++)
            free(files[i]);
    free(files);
    free(json);
    free(o.paths);
    skipped_free(&sk);
    np_fleet_result_dispose(&res);
    np_fleet_dispose(&fleet);
    return rc;
}

static int fleet_report(struct np_ctx *ctx, int argc, char **argv)
{
    struct fleet_opts o;
    struct np_fleet fleet;
    struct skipped sk = {NULL, 0, false};
    struct np_err err = {""};
    char *json = NULL;
    unsigned int i, n;
    int rc;

    np_fleet_init(&fleet);
    rc = parse("fleet report", argc, argv, &o);
    if (rc >= 0)
        goto out;
    if (o.have_vcpus || o.have_mem || o.out) {
        rc = np_usage_error("fleet report",
                            "--vcpus, --memory and -o are for `fleet place`");
        goto out;
    }
    rc = load(&o, &fleet, &sk);
    if (rc >= 0)
        goto out;
    if (ctx->json) {
        rc = np_fleet_report_json(&fleet, (const char *const *)sk.msgs, sk.nr,
                                  &json, &err);
        if (rc) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
            goto out;
        }
        fputs(json, stdout);
        rc = NP_EXIT_OK;
        goto out;
    }
    printf("%-20s %-10s %5s %6s %8s %8s %10s  %s\n", "HOST", "HYPERVISOR",
           "NODES", "GUESTS", "FLOATING", "OVERLAPS", "REMOTE_MiB",
           "FREE_MiB_PER_NODE");
    for (i = 0; i < fleet.nr_hosts; i++) {
        const struct np_fleet_host *h = &fleet.hosts[i];
        const struct np_topo *t = &h->snap.topo;
        struct np_fleet_report rep;
        char remote[32];
        const char *sep = "";

        np_fleet_host_report(h, &rep);
        if (rep.remote_known)
            snprintf(remote, sizeof(remote), "%" PRIu64, rep.remote_kib / 1024);
        else
            snprintf(remote, sizeof(remote), "-");
        printf("%-20s %-10s %5u %6u %8u %8u %10s  ", h->name,
               h->hypervisor ? h->hypervisor : "-", rep.nr_nodes, rep.nr_guests,
               rep.nr_floating, rep.nr_overlaps, remote);
        for (n = 0; n < t->nr_node_ids; n++) {
            if (!t->nodes[n].present)
                continue;
            if (t->nodes[n].mem_free_known)
                printf("%s%u:%" PRIu64, sep, n,
                       t->nodes[n].mem_free_kib / 1024);
            else
                printf("%s%u:?", sep, n);
            sep = " ";
        }
        fputc('\n', stdout);
    }
    rc = NP_EXIT_OK;
out:
    free(json);
    free(o.paths);
    skipped_free(&sk);
    np_fleet_dispose(&fleet);
    return rc;
}

int main_fleet(struct np_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return np_usage_error("fleet", "give place or report");
    if (!strcmp(argv[1], "place"))
        return fleet_place(ctx, argc - 1, argv + 1);
    if (!strcmp(argv[1], "report"))
        return fleet_report(ctx, argc - 1, argv + 1);
    return np_usage_error(
        "fleet", "unknown subcommand '%s': use place or report", argv[1]);
}
