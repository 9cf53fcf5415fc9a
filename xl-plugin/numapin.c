/*
 * numapin.c: the command line: global options, the command table, help
 * and usage, main().  What a command runs in (the backend, the host read
 * once) is cli_ctx.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "history.h"
#include "numapin.h"

struct cmd_spec {
    const char *name;
    int (*fn)(struct np_ctx *ctx, int argc, char **argv);
    unsigned int flags; /* NP_CMD_* */
    const char *usage;
    const char *help;
};

/*
 * The command table, as xl's (tools/xl/xl_cmdtable.c).  To add a command:
 * write int main_NAME(struct np_ctx *ctx, int argc, char **argv) in the
 * cmd_*.c file of its family (declared in numapin.h), and add one entry
 * here:
 *
 *   {"name", main_name, FLAGS, "USAGE", "HELP"},
 *
 * FLAGS say what main() checks once, so that no command checks it itself:
 *   NP_CMD_WRITES   it changes the host: unless -N is given, a source that
 *                   cannot be written (a --topology file, a captured tree,
 *                   a backend that never writes) is refused as soon as
 *                   np_ctx_load() has read the host;
 *   NP_CMD_DRY_RUN  it implements -N: prints what it would change and
 *                   changes nothing.  A command that writes without it
 *                   refuses -N.  A command that never writes honours -N
 *                   (it changes nothing either way): give it neither flag.
 * The command parses its own arguments with NP_FOREACH_OPT (numapin.h),
 * reads the host with np_ctx_load() and prints; USAGE and HELP are also
 * what `numapin help CMD` and the bash completion show.
 */
static const struct cmd_spec cmd_table[] = {
    {"info", main_info, 0, "[-n|--numa]",
     "Show the host as `xl info` does; -n adds the cpu_topology and\n"
     "numa_info tables of `xl info -n`."},
    {"nodeinfo", main_nodeinfo, 0, "",
     "Show the host as `virsh nodeinfo` does."},
    {"capabilities", main_capabilities, 0, "",
     "Print the host's NUMA topology as libvirt capabilities XML."},
    {"freecell", main_freecell, 0, "[--all | NODE]",
     "Show free memory as `virsh freecell` does: the total, one NODE, or\n"
     "every node with --all."},
    {"cpulist", main_cpulist, 0, "CPULIST",
     "Print the canonical form of a cpu-list on this host, e.g.\n"
     "`numapin cpulist 0-3,^2` prints `0-1,3`.  Accepts xl's syntax\n"
     "(all, 0-3,^2, node:1, nodes:0-1) and libvirt's (1-3,5,6-8,^2)."},
    {"vcpu-list", main_vcpulist, 0, "[DOM...]",
     "List the vCPUs of every guest (or of DOM...) in `xl vcpu-list`'s\n"
     "layout, and warn on stderr where two guests' pins overlap."},
    {"vcpuinfo", main_vcpuinfo, 0, "DOM",
     "Show DOM's vCPUs as `virsh vcpuinfo` does."},
    {"vcpu-pin", main_vcpupin, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "[-f] DOM VCPU|all HARD [SOFT]",
     "Set the hard (and soft) affinity of a vCPU, or of all of DOM's vCPUs.\n"
     "HARD or SOFT may be `-` to keep that map.  With -N, print the maps\n"
     "as `xl -N vcpu-pin` does and change nothing.  -f (one vCPU only)\n"
     "also clears a pin the guest kernel made for itself (Xen)."},
    {"map", main_map, 0, "[--svg FILE | --html FILE]",
     "Show every physical CPU by node and core with the vCPUs pinned to\n"
     "it and how many others may float onto it, and warn where two\n"
     "guests' pins share a CPU.  --svg FILE or --html FILE draws it:\n"
     "nodes, L3 groups, cores and threads as boxes, each guest a colour,\n"
     "pins filled, pins to a set dashed, floating vCPUs counted, overlaps\n"
     "framed in red, memory per node as bars (FILE - : standard output)."},
    {"numatune", main_numatune, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "DOM NODES|auto [--migrate]",
     "Set where DOM's memory may come from (its node affinity); auto\n"
     "gives it back to the hypervisor.  Nodes without memory are refused.\n"
     "KVM: cpuset.mems of the guest's own cgroup (refused when it shares\n"
     "one), its threads kept on those nodes' CPUs.\n"
     "--migrate moves the memory already allocated: on KVM with\n"
     "migrate_pages after pinning the guest to those nodes; on Xen by a\n"
     "live migration to the same host (libxl, in numapin): the guest keeps\n"
     "its name and gets a new id; refused when NODES cannot hold a copy,\n"
     "for dom0 and for devices that cannot migrate.  `undo` moves it back."},
    {"reset", main_reset, NP_CMD_WRITES | NP_CMD_DRY_RUN, "DOM|--all",
     "Unpin: every vCPU of DOM (or of every guest) back to all CPUs, hard\n"
     "and soft, and node affinity back to auto."},
    {"emulator-pin", main_emulatorpin, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "DOM CPULIST", "KVM: pin the QEMU threads of DOM that are not vCPUs."},
    {"sched-cap", main_schedcap, NP_CMD_WRITES | NP_CMD_DRY_RUN, "DOM PERCENT",
     "Cap DOM's CPU use at PERCENT of one CPU (0: no cap), as\n"
     "`xl sched-credit -c` does."},
    {"sched-weight", main_schedweight, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "DOM WEIGHT", "Set DOM's scheduler weight (1-65535; the default is 256)."},
    {"place", main_place, 0,
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
     "  --device BDF     a passthrough PCI device: on the device's node\n"
     "  --hugepages 2M|1G  memory in huge pages of that size\n"
     "  --cpu-kind K     p, e or an efficiency: cores of that kind only\n"
     "  --cpupool NAME   inside that cpupool (Xen; default Pool-0)\n"
     "  -q               no reasons\n"
     "See docs/placement.md."},
    {"plan", main_plan, 0,
     "[--all | DOM...] [-o PLAN.json] [--policy P] [--overcommit N] "
     "[...]",
     "Plan where existing guests should live: every guest (--all, the\n"
     "default) so that none floats, or DOM... around the others.  Prints\n"
     "the plan and its reasons (a dry run); -o saves it for `apply`.\n"
     "Guests already well placed stay; each move says why and its cost.\n"
     "A guest that fits nowhere is listed and the exit status is 3.\n"
     "Memory is measured first (as numastat); --no-measure estimates it\n"
     "from each guest's node affinity and the plan says so.\n"
     "  --rebalance      the best layout, whatever it moves\n"
     "  --max-move SIZE  ... moving at most SIZE of memory\n"
     "--policy, --overcommit, --reserve, --soft, -q: as for place."},
    {"apply", main_apply, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "PLAN.json | --all | DOM... [--no-move] [--no-measure] [--state-dir DIR]",
     "Apply a saved plan, or a fresh one, atomically: the guests' current\n"
     "maps go to a journal in DIR (default /var/lib/numapin, or\n"
     "$NUMAPIN_STATE_DIR) first; on any failure every change is put back.\n"
     "On KVM memory is moved after pinning (--no-move keeps it); on Xen\n"
     "only the node affinity is set: memory already allocated does not\n"
     "move.  With -N, print the changes and make none."},
    {"undo", main_undo, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "[N | --to ID] [--state-dir DIR]",
     "Revert the newest change that is not undone (see `numapin\n"
     "history`), or the N newest, or every change back to ID included;\n"
     "refused when the host changed since in a way that conflicts.  The\n"
     "undo is a change of its own: undo it to re-apply.  With -N, print\n"
     "what it would put back."},
    {"history", main_history, 0, "[--state-dir DIR]",
     "List the changes numapin made to this host, oldest first: id, time,\n"
     "state, user, guests and command; `undo` reverts them."},
    {"persist", main_persist, NP_CMD_DRY_RUN,
     "[-f] DOM --xl-config FILE | [-f] DOM --libvirt-xml FILE",
     "Write DOM's current placement into its xl.cfg FILE (cpus= and\n"
     "cpus_soft=, one cpu-list per vCPU) so that it survives a reboot;\n"
     "every other line stays as it was.  The old file is kept as\n"
     "FILE.bak, and FILE is replaced atomically, keeping its owner and\n"
     "mode.  A file that is not DOM's (no name=, another name) is\n"
     "refused, a read-only one unless -f.  With -N, print the new file\n"
     "and change nothing.  --libvirt-xml FILE does the same for a\n"
     "libvirt domain XML (a virsh dumpxml file): <vcpu cpuset>, the\n"
     "<vcpupin>s of <cputune> and <numatune>'s <memory nodeset>, every\n"
     "other element and comment kept."},
    {"watch", main_watch, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "[--policy FILE] [--once] [--dry-run] [--json] [--state-dir DIR]",
     "Keep the host placed: place every guest that appears, as `plan GUEST`\n"
     "and `apply` would, and leave the others.  Runs in the foreground\n"
     "(systemd: numapin-watch.service), one line per decision on stderr.\n"
     "  --policy FILE    the policy file (numapin(1), POLICY FILE); SIGHUP\n"
     "                   reads it again, a broken file keeps the old one\n"
     "  --once           place what floats now and exit\n"
     "  --dry-run        say what would be done, change nothing\n"
     "  --json           one JSON object per line\n"
     "SIGTERM finishes the guest being placed and exits 0; `numapin undo`\n"
     "reverses the last placement."},
    {"create", main_create, NP_CMD_WRITES | NP_CMD_DRY_RUN,
     "[--policy FILE] [--persist] [--wait S] [--state-dir DIR] CONFIG "
     "[xl create options]",
     "Xen: place a new guest before its memory exists.  Under the writer\n"
     "lock, plan the guest of the xl.cfg CONFIG (vcpus=, memory=, pool=),\n"
     "write the decision into a copy of CONFIG (cpus=, or cpus_soft= under\n"
     "a soft policy) and run `xl create` on the copy, so that Xen takes its\n"
     "memory from the chosen nodes.  Creates wait for each other (up to S\n"
     "seconds, default 300).  CONFIG is not changed unless --persist.  A\n"
     "CONFIG with cpus= of its own is created as it is.  --policy: a watch\n"
     "policy file (policy, overcommit, pin, reserve, guest rules).  With\n"
     "-N, print the plan and the copy and start nothing."},
    {"numastat", main_numastat, 0, "[DOM...]",
     "Show where each guest's memory is, per node, as `numastat -p` does:\n"
     "MiB per node, the total, and the share local to the guest's vCPUs.\n"
     "Xen: the hypervisor's count (debug key 'u', read from the console\n"
     "ring); KVM: /proc/PID/numa_maps or the guest's memory.numa_stat.\n"
     "--json gives memory_per_node_kib, total_kib, local_pct, source."},
    {"dump", main_dump, 0, "",
     "Write the host and its guests as JSON (the file --topology and the\n"
     "test backend read)."},
    {"fleet", main_fleet, 0,
     "place --vcpus N --memory SIZE [options] SNAPSHOT...|DIR | report "
     "SNAPSHOT...|DIR",
     "Offline, over host snapshots (`numapin dump` of each host):\n"
     "`fleet place` decides the host, node(s) and CPUs of new guests, each\n"
     "seeing those decided before it: hosts that hold it on one node\n"
     "first, then --spread (default: the most free memory left) or --pack\n"
     "(the least), then the host name.  `fleet report` prints one line per\n"
     "host: nodes, guests, floating guests, CPUs in two guests' pins,\n"
     "remote memory, free memory per node.  Unreadable snapshots are\n"
     "skipped with a warning; two of one host name are refused.\n"
     "  --count K        K guests, named NAME-1 ... NAME-K\n"
     "  --name NAME      their name (default new)\n"
     "  --hypervisor H   xen, kvm or any (default)\n"
     "  --policy P, --overcommit N, --soft: as for place\n"
     "  -o DIR           one plan per host, DIR/HOST.json, for `numapin\n"
     "                   apply` on that host once the guests run\n"
     "See docs/fleet.md."},
};

#define NR_CMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

int np_ctx_error(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    np_term_vmsg("error", NP_SGR_ERR, NULL, fmt, ap);
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

int np_usage_error(const char *cmd, const char *fmt, ...)
{
    const struct cmd_spec *c = find_cmd(cmd);
    va_list ap;

    va_start(ap, fmt);
    np_term_vmsg("error", NP_SGR_ERR, cmd, fmt, ap);
    va_end(ap);
    if (c)
        fprintf(stderr, " (usage: numapin %s %s)", c->name, c->usage);
    fputc('\n', stderr);
    return NP_EXIT_USAGE;
}

/* "unknown command 'x'", with the closest command when there is one. */
static int unknown_cmd(const char *name)
{
    const char *names[NR_CMDS + 1];
    const char *best;
    unsigned int i;

    for (i = 0; i < NR_CMDS; i++)
        names[i] = cmd_table[i].name;
    names[NR_CMDS] = "help";
    best = np_suggest(name, names, NR_CMDS + 1);
    if (best)
        return np_ctx_error(NP_EXIT_USAGE,
                            "unknown command '%s': did you mean '%s'?", name,
                            best);
    return np_ctx_error(NP_EXIT_USAGE,
                        "unknown command '%s': see numapin --help", name);
}

/*
 * The global options, which go before the command: one of them after it
 * is named as such rather than answered with a bare usage line.  Returns
 * -1 to go on, or an exit code.
 */
/* Does the command's usage line name opt as one of its own options
 * ("[--json]" in watch's)? */
static bool cmd_has_option(const struct cmd_spec *c, const char *opt)
{
    const char *p;
    size_t len = strlen(opt);

    for (p = c->usage; (p = strstr(p, opt)); p += len)
        if ((p == c->usage || strchr(" [|(", p[-1])) &&
            !(p[len] == '-' || (p[len] >= 'a' && p[len] <= 'z')))
            return true;
    return false;
}

static int check_global_after_cmd(int argc, char **argv)
{
    const struct cmd_spec *c = find_cmd(argv[0]);
    static const char *const globals[] = {
        "--json",  "--topology", "--root", "--qmp", "--pid",
        "--color", "--version",  "-N",     "-c",
    };
    unsigned int k;
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        for (k = 0; k < sizeof(globals) / sizeof(globals[0]); k++) {
            size_t len = strlen(globals[k]);

            if (strncmp(argv[i], globals[k], len) ||
                (argv[i][len] && argv[i][len] != '=') ||
                (c && cmd_has_option(c, globals[k])))
                continue;
            /* watch takes --json and -N after it too (its usage says
             * `watch [--json]`); no other command has an option of these
             * names of its own */
            if (!strcmp(argv[0], "watch") &&
                (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-N")))
                continue;
            return np_ctx_error(
                NP_EXIT_USAGE,
                "'%s' is a global option: give it before the command, as in `numapin %s %s ...`",
                globals[k], globals[k], argv[0]);
        }
    }
    return -1;
}

/*
 * --complete WHAT, for the bash completion (completion/numapin.bash): one
 * word per line.  commands; options:CMD (the options of CMD, read from
 * its usage and help, so that they never drift); guests and nodes of
 * the host the earlier options name.
 */
static int complete(struct np_ctx *ctx, const char *what)
{
    unsigned int i;

    if (!strcmp(what, "commands")) {
        for (i = 0; i < NR_CMDS; i++)
            puts(cmd_table[i].name);
        return NP_EXIT_OK;
    }
    if (!strncmp(what, "options:", 8)) {
        const struct cmd_spec *c = find_cmd(what + 8);
        const char *texts[2], *p;
        char seen[32][24];
        unsigned int t, nr_seen = 0;

        if (!c)
            return NP_EXIT_USAGE;
        texts[0] = c->usage;
        texts[1] = c->help;
        for (t = 0; t < 2; t++) {
            for (p = texts[t]; (p = strchr(p, '-'));) {
                size_t n;

                /* an option opens a word: "[-f", " --all", "|--all" */
                if (p != texts[t] && !strchr(" [|(", p[-1])) {
                    p++;
                    continue;
                }
                n = strspn(p, "-abcdefghijklmnopqrstuvwxyz0123456789");
                if ((p[1] != '-' ? n == 2 : n > 2) && n < sizeof(seen[0]) &&
                    nr_seen < sizeof(seen) / sizeof(seen[0])) {
                    for (i = 0; i < nr_seen; i++)
                        if (!strncmp(seen[i], p, n) && !seen[i][n])
                            break;
                    if (i == nr_seen) {
                        memcpy(seen[nr_seen], p, n);
                        seen[nr_seen][n] = '\0';
                        puts(seen[nr_seen++]);
                    }
                }
                p += n ? n : 1;
            }
        }
        puts("--help");
        return NP_EXIT_OK;
    }
    if (!strcmp(what, "guests") || !strcmp(what, "nodes")) {
        /* quiet: a completion prints no error into the prompt */
        if (!freopen("/dev/null", "w", stderr))
            return NP_EXIT_FAILED;
        if (np_ctx_load(ctx,
                        what[0] == 'g' ? NP_WANT_ANY_GUESTS : NP_WANT_HOST))
            return NP_EXIT_FAILED;
        if (what[0] == 'g') {
            for (i = 0; i < ctx->snap.nr_guests; i++)
                puts(ctx->snap.guests[i].name);
        } else {
            for (i = 0; i < ctx->snap.topo.nr_node_ids; i++)
                if (ctx->snap.topo.nodes[i].present)
                    printf("%u\n", i);
        }
        return NP_EXIT_OK;
    }
    return np_ctx_error(
        NP_EXIT_USAGE,
        "invalid --complete '%s': use commands, options:CMD, guests or nodes",
        what);
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

static bool np_cmd_wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
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

int np_getopt(int argc, char **argv, const char *shortopts,
              const struct option *longopts, const char *cmd)
{
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    char spec[64];
    const char *tok;
    size_t len;
    int opt, idx = -1;

    /* ':' first: a missing value is told apart from an unknown option */
    snprintf(spec, sizeof(spec), ":%s", shortopts);
    opterr = 0;
    opt = getopt_long(argc, argv, spec, longopts ? longopts : none, &idx);
    if (opt == -1)
        return -1;
    if (opt == '?' || opt == ':') {
        char shortopt[3] = {'-', (char)optopt, '\0'};

        tok = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        if (strncmp(tok, "--", 2) && optopt > ' ' && optopt < 127)
            tok = shortopt; /* a short option, maybe inside "-qx" */
        len = strcspn(tok, "=");
        if (opt == ':')
            np_usage_error(cmd, "option '%.*s' needs a value", (int)len, tok);
        else
            np_usage_error(cmd, "unknown option '%.*s'", (int)len, tok);
        return NP_OPT_FAIL;
    }
    if (idx >= 0) {
        /* getopt_long takes "--mig" for "--migrate": numapin does not */
        tok = argv[optind - 1];
        if (longopts[idx].has_arg && optarg == tok && optind >= 2)
            tok = argv[optind - 2];
        len = strcspn(tok, "=");
        if (len != strlen(longopts[idx].name) + 2 ||
            strncmp(tok + 2, longopts[idx].name, len - 2)) {
            np_usage_error(cmd, "unknown option '%.*s'", (int)len, tok);
            return NP_OPT_FAIL;
        }
    }
    return opt;
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
            "  --json             machine output (one JSON object)\n"
            "  --color[=WHEN]     colour: auto (on a terminal, unless "
            "NO_COLOR),\n"
            "                     always or never\n"
            "  --version          print numapin's version\n"
            "  -h, --help         this help; `numapin COMMAND --help` for a "
            "command\n\n"
            "commands:\n");
    for (i = 0; i < NR_CMDS; i++)
        fprintf(f, "  %-13s %s\n", cmd_table[i].name, cmd_table[i].usage);
}

/* "vcpu-pin web 0 2": the command as typed, each word escaped, for the
 * history. */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    char *s, **e = calloc((size_t)argc + 1, sizeof(*e));
    int i;

    if (!e)
        return NULL;
    for (i = 0; i < argc; i++) {
        e[i] = np_escape(argv[i]);
        len += (e[i] ? strlen(e[i]) : 1) + 1;
    }
    s = malloc(len);
    if (s) {
        s[0] = '\0';
        for (i = 0; i < argc; i++) {
            if (i)
                strcat(s, " ");
            strcat(s, e[i] ? e[i] : "?");
        }
    }
    for (i = 0; i < argc; i++)
        free(e[i]);
    free(e);
    return s;
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
        {"color", optional_argument, NULL, 'C'},
        {"colour", optional_argument, NULL, 'C'},
        {"version", no_argument, NULL, 'V'},
        {"complete", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    struct np_ctx ctx;
    const struct cmd_spec *cmd;
    char *cmdline = NULL;
    const char *complete_what = NULL;
    int opt, rc;

    memset(&ctx, 0, sizeof(ctx));
    np_snapshot_init(&ctx.snap);
    ctx.lock.fd = -1;
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
                                    "invalid pid '%s': expected a process id",
                                    optarg);
            break;
        }
        case 'C':
            if (np_color_parse(optarg ? optarg : "always"))
                return np_ctx_error(
                    NP_EXIT_USAGE,
                    "invalid --color '%s': use auto, always or never", optarg);
            break;
        case 'K':
            complete_what = optarg;
            break;
        case 'V':
            if (ctx.json)
                printf("{ \"numapin\": 1, \"command\": \"version\", "
                       "\"version\": \"%s\", \"notes\": [ ], "
                       "\"warnings\": [ ] }\n",
                       NP_VERSION);
            else
                printf("numapin %s\n", NP_VERSION);
            return NP_EXIT_OK;
        case 'h':
            help_main(stdout);
            return NP_EXIT_OK;
        default:
            help_main(stderr);
            return NP_EXIT_USAGE;
        }
    }
    if (complete_what) {
        rc = complete(&ctx, complete_what);
        if (ctx.be_open && ctx.be.ops->close)
            ctx.be.ops->close(&ctx.be);
        np_snapshot_dispose(&ctx.snap);
        return rc;
    }
    if (optind >= argc) {
        help_main(stderr);
        return NP_EXIT_USAGE;
    }
    if (!strcmp(argv[optind], "help")) {
        if (ctx.json)
            return np_ctx_no_json(&ctx, "help",
                                  "it prints text for people (see "
                                  "numapin(1))");
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
        return unknown_cmd(argv[optind]);
    ctx.cmd_flags = cmd->flags;
    if (ctx.json && np_cmd_wants_help(argc - optind, argv + optind))
        return np_ctx_no_json(&ctx, cmd->name,
                              "--help prints text for people (see "
                              "numapin(1))");
    rc = np_cmd_getopt_help(argc - optind, argv + optind, cmd->name);
    cmdline = join_args(argc - optind, argv + optind);
    ctx.cmdline = cmdline ? cmdline : cmd->name;
    if (rc < 0)
        rc = check_global_after_cmd(argc - optind, argv + optind);
    if (rc < 0 && ctx.dry_run && (cmd->flags & NP_CMD_WRITES) &&
        !(cmd->flags & NP_CMD_DRY_RUN))
        rc = np_ctx_error(NP_EXIT_USAGE,
                          "%s has no dry run: leave out -N to run it",
                          cmd->name);
    if (rc < 0)
        rc = cmd->fn(&ctx, argc - optind, argv + optind);
    if (np_ctx_commit(&ctx))
        rc = NP_EXIT_FAILED;
    if (fflush(stdout) || ferror(stdout))
        rc = np_ctx_error(NP_EXIT_FAILED, "cannot write the output");
    if (ctx.be_open && ctx.be.ops->close)
        ctx.be.ops->close(&ctx.be);
    np_history_free(ctx.hist);
    np_lock_release(&ctx.lock);
    free(ctx.state_dir_buf);
    free(cmdline);
    np_snapshot_dispose(&ctx.snap);
    return rc;
}
