/*
 * cmd_persist.c: persist DOM --xl-config FILE: write DOM's current
 * placement into its xl.cfg so that it survives a reboot.
 *
 * The rewriting is pure (common/xlcfg.c); this file does the I/O, safely:
 * the old file is kept as FILE.bak, and each file is written to a
 * temporary file in the same directory, fsync'd and renamed over the old
 * one, then the directory is fsync'd, so that a crash leaves either the
 * old or the new file, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fmt_json_cmd.h"
#include "fmt_xml.h"
#include "numapin.h"
#include "xlcfg.h"

/* The whole of path in *text_out (malloc'd), its mode in *mode_out:
 * through the one capped reader (a FIFO or a device never blocks). */
#define XLCFG_MAX_FILE (1u << 20)
static int read_file(const char *path, char **text_out, mode_t *mode_out,
                     struct np_err *err)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int rc;

    *text_out = NULL;
    rc = np_file_read_all(path, XLCFG_MAX_FILE, &text, &len, err);
    if (rc)
        return rc;
    if (strlen(text) != len) {
        free(text);
        return np_err_set(err, -EINVAL, "'%s' holds a NUL byte: not an xl.cfg",
                          path);
    }
    if (stat(path, &st)) {
        free(text);
        return np_err_set(err, -errno, "cannot stat '%s': %s", path,
                          strerror(errno));
    }
    *text_out = text;
    *mode_out = st.st_mode & 07777;
    return 0;
}

/* {"guest", "id", "file", "changed", "backup" | "content" (under -N)} */
static int persist_json(struct np_ctx *ctx, const struct np_guest *g,
                        const char *file, const char *path, bool changed,
                        const char *content)
{
    json_object *doc = np_ctx_jguest(ctx, "persist", g, NULL);
    char *bak = NULL;

    if (doc) {
        json_object_object_add(doc, "file", json_object_new_string(file));
        json_object_object_add(doc, "changed",
                               json_object_new_boolean(changed));
        if (content)
            json_object_object_add(doc, "content",
                                   json_object_new_string(content));
        else if (changed && asprintf(&bak, "%s.bak", path ? path : file) >= 0)
            json_object_object_add(doc, "backup", json_object_new_string(bak));
        free(bak);
    }
    return np_ctx_jprint(ctx, doc, NP_EXIT_OK);
}

int main_persist(struct np_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"xl-config", required_argument, NULL, 'x'},
        {"force", no_argument, NULL, 'f'},
        {"libvirt-xml", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    const struct np_guest *g;
    const char *dom = NULL, *file = NULL;
    char path[PATH_MAX], bak[PATH_MAX + 8];
    char *old = NULL, *new = NULL;
    struct np_err err = {""};
    mode_t mode = 0644;
    bool force = false;
    bool libvirt = false;
    int opt, rc;

    NP_FOREACH_OPT (opt, "f", opts, "persist") {
    case 'x':
    case 'l':
        if (file)
            return np_usage_error(
                "persist",
                "give one of --xl-config FILE and --libvirt-xml FILE");
        file = optarg;
        libvirt = opt == 'l';
        break;
    case 'f':
        force = true;
        break;
    }
    NP_OPERANDS();

    if (argc != 2 || !file)
        return np_usage_error(
            "persist",
            "give DOM and one of --xl-config FILE or --libvirt-xml FILE");
    dom = argv[1];
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    g = np_ctx_find_guest(ctx, dom);
    if (!g)
        return NP_EXIT_USAGE;
    /* Through a symlink, the file it names is the one to replace. */
    if (!realpath(file, path))
        return np_ctx_error(NP_EXIT_FAILED, "cannot open '%s': %s", file,
                            strerror(errno));
    if (read_file(path, &old, &mode, &err)) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
        goto out;
    }
    /* a file nobody may write was made so on purpose: root writes it only
     * when told to */
    if (!(mode & 0222) && !force && !ctx->dry_run) {
        rc = np_ctx_error(
            NP_EXIT_FAILED,
            "'%s' is read-only (mode %03o): persist --force rewrites it anyway",
            path, (unsigned int)mode);
        goto out;
    }
    if (libvirt ? np_xml_set_domain_placement(old, strlen(old), file,
                                              &ctx->snap.topo, g, &new, &err)
                : np_xlcfg_set_placement(old, &ctx->snap.topo, g, &new, &err)) {
        /* the XML reader names the file itself */
        rc = libvirt ? np_ctx_error(NP_EXIT_FAILED, "%s", err.msg)
                     : np_ctx_error(NP_EXIT_FAILED, "%s: %s", file, err.msg);
        goto out;
    }
    if (ctx->dry_run && ctx->json) {
        rc = persist_json(ctx, g, file, path, strcmp(old, new) != 0, new);
        goto out;
    }
    if (ctx->dry_run) {
        fputs(new, stdout);
        rc = NP_EXIT_OK;
        goto out;
    }
    if (!strcmp(old, new)) {
        if (ctx->json) {
            rc = persist_json(ctx, g, file, path, false, NULL);
            goto out;
        }
        printf("%s already holds the placement of %s\n", file, g->name);
        rc = NP_EXIT_OK;
        goto out;
    }
    snprintf(bak, sizeof(bak), "%s.bak", path);
    if (np_file_write_atomic(bak, old, strlen(old), mode, &err) ||
        np_file_write_atomic(path, new, strlen(new), mode, &err)) {
        rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
        goto out;
    }
    if (ctx->json) {
        rc = persist_json(ctx, g, file, path, true, NULL);
        goto out;
    }
    /* the .bak is beside the file replaced, which a symlink names */
    if (libvirt)
        printf("placement of %s written to %s (<vcpu cpuset>, <cputune>, "
               "<numatune>); the old file is %s\n",
               g->name, strcmp(file, path) ? path : file, bak);
    else
        printf("placement of %s written to %s (cpus%s); the old file is %s\n",
               g->name, strcmp(file, path) ? path : file,
               g->nr_vcpus && g->vcpus[0].soft.nr_bits ? ", cpus_soft" : "",
               bak);
    rc = NP_EXIT_OK;
out:
    free(old);
    free(new);
    return rc;
}
