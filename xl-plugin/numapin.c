/*
 * numapin.c: the command line: global options, the backend table, the
 * command table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_kvm.h"
#include "backend_test.h"
#include "fmt_json.h"
#include "fmt_xml.h"
#include "numapin.h"
#ifdef CONFIG_XEN
#include "xen_backend.h"
#endif

struct cmd_spec {
    const char *name;
    int (*fn)(struct np_ctx *ctx, int argc, char **argv);
    const char *usage;
    const char *help;
};

static const struct cmd_spec cmd_table[] = {
    {"info", main_info, "[-n|--numa]",
     "Show the host as `xl info` does; -n adds the cpu_topology and\n"
     "numa_info tables of `xl info -n`."},
    {"nodeinfo", main_nodeinfo, "", "Show the host as `virsh nodeinfo` does."},
    {"capabilities", main_capabilities, "",
     "Print the host's NUMA topology as libvirt capabilities XML."},
    {"freecell", main_freecell, "[--all | NODE]",
     "Show free memory as `virsh freecell` does: the total, one NODE, or\n"
     "every node with --all."},
    {"cpulist", main_cpulist, "CPULIST",
     "Print the canonical form of a cpu-list on this host, e.g.\n"
     "`numapin cpulist 0-3,^2` prints `0-1,3`.  Accepts xl's syntax\n"
     "(all, 0-3,^2, node:1, nodes:0-1) and libvirt's (1-3,5,6-8,^2)."},
    {"vcpu-list", main_vcpulist, "[DOM...]",
     "List the vCPUs of every guest (or of DOM...) in `xl vcpu-list`'s\n"
     "layout, and warn on stderr where two guests' pins overlap."},
    {"vcpuinfo", main_vcpuinfo, "DOM",
     "Show DOM's vCPUs as `virsh vcpuinfo` does."},
    {"vcpu-pin", main_vcpupin, "[-f] DOM VCPU|all HARD [SOFT]",
     "Set the hard (and soft) affinity of a vCPU, or of all of DOM's vCPUs.\n"
     "HARD or SOFT may be `-` to keep that map.  With -N, print the maps\n"
     "as `xl -N vcpu-pin` does and change nothing.  -f (one vCPU only)\n"
     "also clears a pin the guest kernel made for itself (Xen)."},
    {"map", main_map, "",
     "Show every physical CPU by node and core with the vCPUs pinned to\n"
     "it and how many others may float onto it, and warn where two\n"
     "guests' pins share a CPU."},
    {"numatune", main_numatune, "DOM NODES|auto [--migrate]",
     "Set where DOM's memory may come from (its node affinity); auto\n"
     "gives it back to the hypervisor.  Nodes without memory are refused.\n"
     "On Xen memory already allocated does not move; on KVM --migrate\n"
     "moves it (migrate_pages) after pinning the guest to those nodes."},
    {"reset", main_reset, "DOM|--all",
     "Unpin: every vCPU of DOM (or of every guest) back to all CPUs, hard\n"
     "and soft, and node affinity back to auto."},
    {"emulator-pin", main_emulatorpin, "DOM CPULIST",
     "KVM: pin the QEMU threads of DOM that are not vCPUs."},
    {"sched-cap", main_schedcap, "DOM PERCENT",
     "Cap DOM's CPU use at PERCENT of one CPU (0: no cap), as\n"
     "`xl sched-credit -c` does."},
    {"sched-weight", main_schedweight, "DOM WEIGHT",
     "Set DOM's scheduler weight (1-65535; the default is 256)."},
    {"place", main_place,
     "--vcpus N --memory SIZE [--policy P] [--overcommit N] [options]",
     "Where would a new guest go?  Prints the node(s), a CPU per vCPU, the\n"
     "memory per node and the reasons, then an xl.cfg cpus= line and a\n"
     "libvirt <vcpu>/<cputune>/<numatune> snippet.  SIZE is MiB, or 3G,\n"
     "512M, 1048576K.\n"
     "  --policy P       prefer (whole cores first), isolate (one vCPU per\n"
     "                   core, siblings idle), require (whole free cores)\n"
     "  --overcommit N   N vCPUs may share a CPU (default 1: pins never\n"
     "                   overlap)\n"
     "  --reserve LIST   CPUs kept for the host or dom0\n"
     "  --soft           pin with soft affinity (Xen)\n"
     "  --name NAME      the new guest's name in the output\n"
     "  -q               no reasons\n"
     "See docs/placement.md."},
    {"plan", main_plan,
     "[--all | DOM...] [-o PLAN.json] [--policy P] [--overcommit N] "
     "[...]",
     "Plan where existing guests should live: every guest (--all, the\n"
     "default) so that none floats, or DOM... around the others.  Prints\n"
     "the plan and its reasons (a dry run); -o saves it for `apply`.\n"
     "--policy, --overcommit, --reserve, --soft, -q: as for place."},
    {"apply", main_apply,
     "PLAN.json | --all | DOM... [--no-move] [--state-dir DIR]",
     "Apply a saved plan, or a fresh one, atomically: the guests' current\n"
     "maps go to a journal in DIR (default /var/lib/numapin, or\n"
     "$NUMAPIN_STATE_DIR) first; on any failure every change is put back.\n"
     "On KVM memory is moved after pinning (--no-move keeps it); on Xen\n"
     "only the node affinity is set: memory already allocated does not\n"
     "move.  With -N, print the changes and make none."},
    {"undo", main_undo, "[--state-dir DIR]",
     "Put back what the last apply changed (the journal); undo again to\n"
     "re-apply."},
    {"persist", main_persist, "DOM --xl-config FILE",
     "Write DOM's current placement into its xl.cfg FILE (cpus= and\n"
     "cpus_soft=, one cpu-list per vCPU) so that it survives a reboot;\n"
     "every other line stays as it was.  The old file is kept as\n"
     "FILE.bak, and FILE is replaced atomically.  With -N, print the new\n"
     "file and change nothing."},
    {"numastat", main_numastat, "[DOM...]",
     "Show where each guest's memory is, per node, as `numastat -p` does:\n"
     "MiB per node, the total, and the share local to the guest's vCPUs.\n"
     "Xen: the hypervisor's count (debug key 'u', read from the console\n"
     "ring); KVM: /proc/PID/numa_maps or the guest's memory.numa_stat.\n"
     "--json gives memory_per_node_kib, total_kib, local_pct, source."},
    {"dump", main_dump, "",
     "Write the host and its guests as JSON (the file --topology and the\n"
     "test backend read)."},
};

#define NR_CMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

static const struct np_backend_ops *backend_table[] = {
#ifdef CONFIG_XEN
    &np_xen_ops,
#endif
    &np_kvm_ops,
    &np_test_ops,
};

#define NR_BACKENDS (sizeof(backend_table) / sizeof(backend_table[0]))

int np_ctx_error(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("numapin: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static const struct cmd_spec *find_cmd(const char *name)
{
    unsigned int i;

    for (i = 0; i < NR_CMDS; i++)
        if (!strcmp(cmd_table[i].name, name))
            return &cmd_table[i];
    return NULL;
}

int np_usage(const char *cmd)
{
    const struct cmd_spec *c = find_cmd(cmd);

    if (c)
        fprintf(stderr, "usage: numapin [options] %s %s\n", c->name, c->usage);
    return NP_EXIT_USAGE;
}

static void help_cmd(const struct cmd_spec *c)
{
    printf("usage: numapin [options] %s %s\n\n%s\n", c->name, c->usage,
           c->help);
}

int np_cmd_getopt_help(int argc, char **argv, const char *cmd)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help_cmd(find_cmd(cmd));
            return NP_EXIT_OK;
        }
    }
    return -1;
}

static void help_main(FILE *f)
{
    unsigned int i;

    fprintf(f,
            "usage: numapin [options] COMMAND [args]\n\n"
            "Show and set where guests' vCPUs and memory live, on Xen and "
            "KVM hosts.\n\n"
            "options:\n"
            "  -c BACKEND[:ARG]   xen, kvm[:ROOT] or test:FILE (default: xen "
            "in a\n"
            "                     Xen dom0, else kvm, the Linux host)\n"
            "  --topology FILE    work offline on the host in FILE "
            "(capabilities\n"
            "                     XML or numapin JSON)\n"
            "  --root DIR         read the Linux host under DIR (kvm; for "
            "captured trees)\n"
            "  --qmp SOCKET       find a QEMU guest's vCPU threads over QMP "
            "(kvm)\n"
            "  --pid PID          the QEMU process to act on when names "
            "clash (kvm)\n"
            "  -N                 dry run: print what would change, change "
            "nothing\n"
            "  --json             machine output\n"
            "  -h, --help         this help; `numapin COMMAND --help` for a "
            "command\n\n"
            "commands:\n");
    for (i = 0; i < NR_CMDS; i++)
        fprintf(f, "  %-13s %s\n", cmd_table[i].name, cmd_table[i].usage);
}

static bool is_xen_dom0(void)
{
    char buf[256] = "";
    FILE *f = fopen("/proc/xen/capabilities", "r");
    size_t n;

    if (!f)
        return false;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, "control_d") != NULL;
}

/* Open the backend named by ctx->backend, or the detected one. */
static int open_backend(struct np_ctx *ctx, struct np_err *err)
{
    const char *spec = ctx->backend, *arg = NULL;
    char name[32];
    size_t len;
    unsigned int i;
    int rc;

    if (!spec)
        spec =
            ctx->root || ctx->qmp || ctx->pid || !is_xen_dom0() ? "kvm" : "xen";
    len = strcspn(spec, ":");
    if (spec[len] == ':')
        arg = spec + len + 1;
    if (len >= sizeof(name))
        len = sizeof(name) - 1;
    memcpy(name, spec, len);
    name[len] = '\0';
    for (i = 0; i < NR_BACKENDS; i++)
        if (!strcmp(backend_table[i]->name, name))
            break;
    if (i == NR_BACKENDS) {
        if (!strcmp(name, "xen"))
            return np_err_set(err, -EOPNOTSUPP,
                              "backend 'xen' is not built in: numapin was "
                              "built without libxenlight (libxen-dev)");
        return np_err_set(err, -EINVAL,
                          "unknown backend '%s': use xen, kvm[:ROOT] or "
                          "test:FILE",
                          name);
    }
    ctx->be.ops = backend_table[i];
    ctx->be.priv = NULL;
    ctx->be.root = ctx->root;
    ctx->be.qmp = ctx->qmp;
    ctx->be.pid = ctx->pid;
    if (!arg && !strcmp(name, "kvm"))
        arg = ctx->root;
    rc = ctx->be.ops->open(&ctx->be, arg, err);
    if (rc)
        return rc;
    ctx->be_open = true;
    return 0;
}

static int load_topology_file(struct np_ctx *ctx, struct np_err *err)
{
    FILE *f = fopen(ctx->topology, "r");
    int c, rc;

    if (!f)
        return np_err_set(err, -errno, "cannot open '%s': %s", ctx->topology,
                          strerror(errno));
    do
        c = fgetc(f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    fclose(f);
    if (c == '<') {
        rc = np_xml_read_caps_file(ctx->topology, &ctx->snap.topo, err);
    } else if (c == '{') {
        rc = np_json_read_snapshot_file(ctx->topology, &ctx->snap, err);
    } else {
        return np_err_set(err, -EINVAL,
                          "'%s' is neither capabilities XML nor numapin "
                          "JSON",
                          ctx->topology);
    }
    ctx->snap.backend = "file";
    return rc;
}

int np_ctx_load(struct np_ctx *ctx, enum np_want want)
{
    struct np_err err = {""};
    int rc;

    if (ctx->loaded)
        return 0;
    np_snapshot_init(&ctx->snap);
    if (ctx->topology) {
        rc = load_topology_file(ctx, &err);
        if (rc)
            return np_ctx_error(rc == -EINVAL || rc == -ENOENT ? NP_EXIT_USAGE
                                                               : NP_EXIT_FAILED,
                                "%s", err.msg);
        if (want == NP_WANT_GUESTS && !ctx->snap.has_guests)
            return np_ctx_error(NP_EXIT_USAGE,
                                "'%s' describes a host without guests: "
                                "this command needs guests (use a JSON file "
                                "with \"guests\", or a live backend)",
                                ctx->topology);
        ctx->loaded = true;
        return 0;
    }
    rc = open_backend(ctx, &err);
    if (rc)
        return np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                            "%s", err.msg);
    rc = ctx->be.ops->read_host(&ctx->be, &ctx->snap, &err);
    if (!rc && want != NP_WANT_HOST) {
        if (!(ctx->be.ops->caps & NP_CAP_GUESTS)) {
            if (want == NP_WANT_GUESTS)
                return np_ctx_error(NP_EXIT_FAILED,
                                    "the %s backend cannot list guests yet",
                                    ctx->be.ops->name);
        } else {
            rc = ctx->be.ops->read_guests(&ctx->be, &ctx->snap, &err);
        }
    }
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s",
                            err.msg[0] ? err.msg : strerror(-rc));
    ctx->snap.backend = ctx->be.ops->name;
    ctx->loaded = true;
    return 0;
}

const struct np_guest *np_ctx_find_guest(struct np_ctx *ctx, const char *dom)
{
    const struct np_snapshot *snap = &ctx->snap;
    char ids[256] = "";
    unsigned int i, nr = 0;
    size_t len = 0;
    const struct np_guest *g;

    for (i = 0; i < snap->nr_guests; i++) {
        if (strcmp(snap->guests[i].name, dom))
            continue;
        nr++;
        if (len < sizeof(ids) - 16)
            len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%d",
                                    nr > 1 ? ", " : "", snap->guests[i].id);
    }
    if (nr > 1) {
        np_ctx_error(NP_EXIT_USAGE,
                     "%u guests are named '%s' (ids %s): name one by its id, "
                     "or select it with --pid",
                     nr, dom, ids);
        return NULL;
    }
    g = np_snapshot_find_guest(snap, dom);
    if (!g)
        np_ctx_error(NP_EXIT_USAGE, "guest '%s' does not exist", dom);
    return g;
}

void np_ctx_banner(const struct np_ctx *ctx)
{
    if (ctx->loaded && ctx->snap.backend && !strcmp(ctx->snap.backend, "test"))
        printf("# %s, not a live host\n", ctx->snap.topo.source
                                              ? ctx->snap.topo.source
                                              : "numapin test backend");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"topology", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"root", required_argument, NULL, 'r'},
        {"qmp", required_argument, NULL, 'q'},
        {"pid", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    struct np_ctx ctx;
    const struct cmd_spec *cmd;
    int opt, rc;

    memset(&ctx, 0, sizeof(ctx));
    np_snapshot_init(&ctx.snap);
    /* "+": stop at the command name; its options are its own. */
    while ((opt = getopt_long(argc, argv, "+c:Nh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            ctx.backend = optarg;
            break;
        case 'N':
            ctx.dry_run = true;
            break;
        case 't':
            ctx.topology = optarg;
            break;
        case 'j':
            ctx.json = true;
            break;
        case 'r':
            ctx.root = optarg;
            break;
        case 'q':
            ctx.qmp = optarg;
            break;
        case 'p': {
            char *end;

            ctx.pid = strtol(optarg, &end, 10);
            if (!*optarg || *end || ctx.pid <= 0)
                return np_ctx_error(NP_EXIT_USAGE,
                                    "invalid pid '%s': expected a process "
                                    "id",
                                    optarg);
            break;
        }
        case 'h':
            help_main(stdout);
            return NP_EXIT_OK;
        default:
            help_main(stderr);
            return NP_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        help_main(stderr);
        return NP_EXIT_USAGE;
    }
    if (!strcmp(argv[optind], "help")) {
        if (optind + 1 < argc && (cmd = find_cmd(argv[optind + 1]))) {
            help_cmd(cmd);
            return NP_EXIT_OK;
        }
        help_main(stdout);
        return NP_EXIT_OK;
    }
    if (ctx.topology && (ctx.backend || ctx.root))
        return np_ctx_error(NP_EXIT_USAGE,
                            "--topology cannot be used with -c or --root");
    cmd = find_cmd(argv[optind]);
    if (!cmd)
        return np_ctx_error(NP_EXIT_USAGE,
                            "unknown command '%s': see numapin --help",
                            argv[optind]);
    rc = np_cmd_getopt_help(argc - optind, argv + optind, cmd->name);
    if (rc < 0)
        rc = cmd->fn(&ctx, argc - optind, argv + optind);
    if (fflush(stdout) || ferror(stdout))
        rc = np_ctx_error(NP_EXIT_FAILED, "cannot write the output");
    if (ctx.be_open && ctx.be.ops->close)
        ctx.be.ops->close(&ctx.be);
    np_snapshot_dispose(&ctx.snap);
    return rc;
}
