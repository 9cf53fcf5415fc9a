/*
 * cli_ctx.c: the context of a command (struct np_ctx, numapin.h): the
 * backend opened (named, or detected: Xen in a dom0, else KVM) or a
 * --topology file read, the host and its guests loaded once, the one
 * check of a writing command, the guests its operands name.  The command
 * table and main() are numapin.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef CONFIG_KVM
#include "backend_kvm.h"
#endif
#include "backend_test.h"
#include "escape.h"
#include "fileio.h"
#include "fmt_json.h"
#include "fmt_xml.h"
#include "numapin.h"
#ifdef CONFIG_XEN
#include "xen_backend.h"
#endif

static const struct np_backend_ops *backend_table[] = {
#ifdef CONFIG_XEN
    &np_xen_ops,
#endif
#ifdef CONFIG_KVM
    &np_kvm_ops,
#endif
    &np_test_ops,
};

#define NR_BACKENDS (sizeof(backend_table) / sizeof(backend_table[0]))

int np_ctx_commit(struct np_ctx *ctx)
{
    struct np_err err = {""};
    int rc;

    if (!ctx->be_open || !ctx->be.ops->commit)
        return 0;
    rc = np_backend_commit(&ctx->be, &err);
    if (rc)
        np_ctx_error(NP_EXIT_FAILED, "the changes did not reach the host: %s",
                     err.msg[0] ? err.msg : strerror(-rc));
    return rc;
}

int np_ctx_check_write(struct np_ctx *ctx)
{
    if (ctx->topology)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "a --topology file cannot change a host: use a live backend or -c test:FILE");
    if (ctx->be_open && ctx->be.read_only)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "'%s' is a captured tree: numapin changes only the host it runs on (root /) or a test:FILE",
            ctx->be_arg ? ctx->be_arg : "?");
    if (!ctx->be_open || !ctx->be.ops->writes)
        return np_ctx_error(
            NP_EXIT_USAGE,
            "the %s backend cannot change a host: use a live backend or -c test:FILE",
            ctx->be_open ? ctx->be.ops->name : "?");
    return 0;
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
            return np_err_set(
                err, -EOPNOTSUPP,
                "backend 'xen' is not built in: numapin was built without libxenlight (libxen-dev)");
        return np_err_set(
            err, -EINVAL,
            "unknown backend '%s': use xen, kvm[:ROOT] or test:FILE", name);
    }
    ctx->be.ops = backend_table[i];
    ctx->be.priv = NULL;
    ctx->be.qmp = ctx->qmp;
    ctx->be.pid = ctx->pid;
    ctx->be.batch = true; /* main() commits once, after the command */
    if (!arg && ctx->be.ops->arg_is_root)
        arg = ctx->root;
    ctx->be_arg = arg;
    rc = ctx->be.ops->open(&ctx->be, arg, err);
    if (rc)
        return rc;
    ctx->be_open = true;
    return 0;
}

/* A --topology file: capabilities XML or numapin JSON, by its first
 * character, read once by the one capped reader (a FIFO or a device is
 * refused, never read). */
static int load_topology_file(struct np_ctx *ctx, struct np_err *err)
{
    const char *path = ctx->topology;
    char *buf = NULL;
    size_t len = 0, i = 0;
    int rc;

    rc = np_file_read_all(path, NP_FILE_MAX, &buf, &len, err);
    if (rc)
        return rc;
    while (i < len && strchr(" \t\n\r", buf[i]))
        i++;
    if (i < len && buf[i] == '<')
        rc = np_xml_read_caps(buf, len, path, &ctx->snap.topo, err);
    else if (i < len && buf[i] == '{')
        rc = np_json_read_snapshot(buf, len, path, &ctx->snap, err);
    else
        rc = np_err_set(err, -EINVAL,
                        "'%s' is neither capabilities XML nor numapin JSON",
                        path);
    free(buf);
    ctx->snap.backend = "file";
    return rc;
}

/*
 * The identity of a snapshot read from a backend (ident.h): who read it,
 * the host's name and id, when.  A --topology file keeps its own.
 */
static int fill_ident(struct np_ctx *ctx)
{
    struct np_host_ident *id = &ctx->snap.ident;
    const struct np_backend_ops *ops = ctx->be.ops;
    const char *base, *root = ops->arg_is_root ? ctx->be_arg : NULL;
    char *release = NULL, *s = NULL;
    int rc;

    rc = np_ident_set(&id->backend, ops->name);
    if (!rc && !ops->demo)
        rc = np_ident_read_local(id, root);
    if (!rc && ops->linux_host) {
        rc = np_ident_set(&id->hypervisor, ops->name);
        if (!rc)
            rc = np_ident_linux_release(root, &release);
        if (!rc && release)
            rc = np_ident_set(&id->hypervisor_version, release);
    }
    if (!rc && !id->hostname) {
        /* a test file or a captured tree without a name: its own name */
        base = "localhost";
        if (ops->demo && ctx->be_arg)
            base = ctx->be_arg;
        else if (root)
            base = root;
        s = strdup(base);
        if (!s) {
            rc = -ENOMEM;
        } else {
            size_t len;
            char *b;

            while ((len = strlen(s)) > 1 && s[len - 1] == '/')
                s[len - 1] = '\0';
            b = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
            len = strlen(b);
            if (len > 5 && !strcmp(b + len - 5, ".json"))
                b[len - 5] = '\0';
            if (np_ident_valid_hostname(b))
                rc = np_ident_set(&id->hostname, b);
        }
    }
    if (!rc)
        rc = np_ident_set_time(id, time(NULL));
    free(release);
    free(s);
    return rc;
}

/* The one check of a writing command (NP_CMD_WRITES), once the host is
 * read: can this source be written?  Not under -N. */
static int check_cmd_write(struct np_ctx *ctx)
{
    if (!(ctx->cmd_flags & NP_CMD_WRITES) || ctx->dry_run)
        return 0;
    return np_ctx_check_write(ctx);
}

int np_ctx_load(struct np_ctx *ctx, enum np_want want)
{
    struct np_err err = {""};
    unsigned int i;
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
            return np_ctx_error(
                NP_EXIT_USAGE,
                "'%s' describes a host without guests: this command needs guests (use a JSON file with \"guests\", or a live backend)",
                ctx->topology);
        ctx->loaded = true;
        return check_cmd_write(ctx);
    }
    rc = open_backend(ctx, &err);
    if (rc)
        return np_ctx_error(rc == -EINVAL ? NP_EXIT_USAGE : NP_EXIT_FAILED,
                            "%s", err.msg);
    rc = np_backend_read_host(&ctx->be, &ctx->snap, ctx->read_flags, &err);
    if (!rc && want != NP_WANT_HOST) {
        if (!np_backend_can(&ctx->be, NP_OP_READ_GUESTS)) {
            if (want == NP_WANT_GUESTS)
                return np_ctx_error(NP_EXIT_FAILED,
                                    "the %s backend cannot list guests yet",
                                    ctx->be.ops->name);
        } else if (ctx->nr_only_ids && ctx->be.ops->read_guest) {
            /* those guests only (Xen: not every domain of the host) */
            for (i = 0; !rc && i < ctx->nr_only_ids; i++)
                rc = np_backend_read_guest(&ctx->be, ctx->only_ids[i],
                                           &ctx->snap, ctx->read_flags, &err);
            ctx->snap.has_guests = !rc;
        } else {
            rc = np_backend_read_guests(&ctx->be, &ctx->snap, ctx->read_flags,
                                        &err);
        }
    }
    if (rc)
        return np_ctx_error(NP_EXIT_FAILED, "%s",
                            err.msg[0] ? err.msg : strerror(-rc));
    ctx->snap.backend = ctx->be.ops->name;
    if (fill_ident(ctx))
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    ctx->loaded = true;
    /* impostors: processes that look like guests and are not, named by
     * the commands that list guests */
    for (i = 0; ctx->show_refused && i < ctx->snap.nr_refused; i++) {
        const struct np_refused *r = &ctx->snap.refused[i];
        char *name = np_escape(r->name), *why = np_escape(r->why);

        np_ctx_warn(
            "process %ld, named '%s', looks like a QEMU guest and is not taken for one: %s",
            r->pid, name ? name : "?", why ? why : "?");
        free(name);
        free(why);
    }
    np_ctx_print_hw_notes(&ctx->snap.topo);
    return check_cmd_write(ctx);
}

int np_ctx_select_guests(struct np_ctx *ctx, const char *cmd, int argc,
                         char **argv, const struct np_guest ***sel_out,
                         unsigned int *nr_out)
{
    const struct np_guest **sel;
    unsigned int i, nr = argc > 1 ? (unsigned int)(argc - 1) : 0;
    int rc;

    *sel_out = NULL;
    *nr_out = 0;
    for (i = 0; i < nr; i++)
        if (argv[i + 1][0] == '-')
            return np_usage(cmd);
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc || !nr)
        return rc;
    sel = calloc(nr, sizeof(*sel));
    if (!sel)
        return np_ctx_error(NP_EXIT_FAILED, "out of memory");
    for (i = 0; i < nr; i++) {
        sel[i] = np_ctx_find_guest(ctx, argv[i + 1]);
        if (!sel[i]) {
            free(sel);
            return NP_EXIT_USAGE;
        }
    }
    *sel_out = sel;
    *nr_out = nr;
    return NP_EXIT_OK;
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
        np_ctx_error(
            NP_EXIT_USAGE,
            "%u guests are named '%s' (ids %s): name one by its id, or select it with --pid",
            nr, dom, ids);
        return NULL;
    }
    if (!snap->has_guests) {
        np_ctx_error(NP_EXIT_USAGE,
                     "guest '%s': this source knows no guests (%s)", dom,
                     ctx->topology ? "a --topology file without \"guests\""
                                   : "a captured tree without proc/");
        return NULL;
    }
    g = np_snapshot_find_guest(snap, dom);
    if (!g) {
        const char **names = calloc(snap->nr_guests + 1, sizeof(*names));
        const char *best = NULL;

        for (i = 0; names && i < snap->nr_guests; i++)
            names[i] = snap->guests[i].name;
        if (names)
            best = np_suggest(dom, names, snap->nr_guests);
        if (best)
            np_ctx_error(NP_EXIT_USAGE,
                         "guest '%s' does not exist: did you mean '%s'?", dom,
                         best);
        else
            np_ctx_error(NP_EXIT_USAGE, "guest '%s' does not exist", dom);
        free(names);
    }
    return g;
}

void np_ctx_banner(const struct np_ctx *ctx)
{
    if (ctx->loaded && ctx->be_open && ctx->be.ops->demo)
        printf("# %s, not a live host\n", ctx->snap.topo.source
                                              ? ctx->snap.topo.source
                                              : "numapin test backend");
}
