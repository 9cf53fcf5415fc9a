/*
 * fuzz_sysfs.c: libFuzzer target for the Linux host reader (kvm/
 * linux_host.c, linux_node.c, rootfs.c): the sysfs and procfs files of a
 * captured tree, which `--root` reads and anyone who hands over a tree
 * chooses.
 *
 * The input is a small tree in text, one entry after another:
 *
 *     >PATH          a regular file; its content is every following line
 *                    up to the next entry line (newlines kept)
 *     >PATH/         a directory
 *     @PATH=TARGET   a symbolic link (made after every file)
 *     |PATH          a FIFO (the reader must not block on it)
 *
 * PATH is relative to the tree; "C/" stands for sys/devices/system/cpu/,
 * "N/" for sys/devices/system/node/, "P/" for proc/.  Components are
 * letters, digits, '_', '-' and '.' ("." and ".." are not).  The tree is
 * made in a directory of its own (under /dev/shm when there is one),
 * read with np_linux_read_sysfs() and removed.  tests/fuzz/sysfs-seed
 * turns a captured tree (tests/fixtures/sysfs/) into an input;
 * NP_FUZZ_VERBOSE=1 in the environment prints what an input reads as,
 * NP_FUZZ_KEEP=1 keeps the tree of the first input and names it.
 *
 * Properties: the reader fails with one printable line and leaves the
 * topology empty, or gives a model that keeps topo.h's invariants: ids
 * within the limits, every present CPU on no node or a present one, each
 * node's CPUs exactly the online CPUs on it (so a CPU in at most one),
 * siblings only of present CPUs and the CPU among its own, distances only
 * between present nodes, the notes one printable line each; and a tree
 * with a link that leads out of it (an absolute target) under sys/ is
 * refused by the link check hwloc's reading depends on.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwloc_host.h"
#include "linux_host.h"
#include "rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 400
#define MAX_DEPTH 12
#define MAX_PATH 256

/* linux_host.c reads with hwloc only through np_linux_read_host(), which
 * this target does not call: hwloc is not numapin's parser. */
int np_hwloc_read(const char *root, struct np_topo *topo, struct np_err *err)
{
    (void)root;
    (void)topo;
    (void)err;
    abort();
}

static char root[64];

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* Empty the tree's directory (the directory itself stays). */
static void clear_root(void)
{
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_root(void)
{
    if (getenv("NP_FUZZ_KEEP"))
        return;
    clear_root();
    rmdir(root);
}

static void make_root(void)
{
    const char *base = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

    snprintf(root, sizeof(root), "%s/np-fuzz-sysfs.XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(root))
        abort();
    atexit(remove_root);
}

/* The path of an entry line (len bytes at s, up to '=' for a link) as a
 * relative path in out; false when it is not one the format allows. */
static bool entry_path(const char *s, size_t len, char *out, bool *dir_out)
{
    static const struct {
        const char *abbr, *full;
    } abbrs[] = {{"C/", "sys/devices/system/cpu/"},
                 {"N/", "sys/devices/system/node/"},
                 {"P/", "proc/"}};
    size_t o = 0, i, comp = 0, depth = 0;

    *dir_out = false;
    for (i = 0; i < sizeof(abbrs) / sizeof(abbrs[0]); i++) {
        if (len >= 2 && !memcmp(s, abbrs[i].abbr, 2)) {
            o = strlen(abbrs[i].full);
            memcpy(out, abbrs[i].full, o);
            s += 2;
            len -= 2;
            depth = 3;
            break;
        }
    }
    if (len && s[len - 1] == '/') {
        *dir_out = true;
        len--;
    }
    if (!len || o + len + 1 > MAX_PATH)
        return false;
    for (i = 0; i <= len; i++) {
        char c = i < len ? s[i] : '/';

        if (c == '/') {
            if (!comp || (comp == 1 && s[i - 1] == '.') ||
                (comp == 2 && s[i - 1] == '.' && s[i - 2] == '.') ||
                ++depth > MAX_DEPTH)
                return false;
            comp = 0;
        } else if (isalnum((unsigned char)c) || c == '_' || c == '-' ||
                   c == '.') {
            comp++;
        } else {
            return false;
        }
        if (i < len)
            out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* The directory fd of the parent of rel (made when missing, never
 * through a link), and its last component in *name_out; -1 when it
 * cannot be. */
static int parent_dir(const char *rel, char *buf, const char **name_out)
{
    char *p = buf, *slash;
    int fd = open(root, O_RDONLY | O_DIRECTORY), next;

    snprintf(buf, MAX_PATH, "%s", rel);
    while (fd >= 0 && (slash = strchr(p, '/'))) {
        *slash = '\0';
        mkdirat(fd, p, 0755);
        next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        close(fd);
        fd = next;
        p = slash + 1;
    }
    *name_out = p;
    return fd;
}

struct later {
    char path[MAX_PATH];
    const char *target; /* a link's, in the input copy; NULL: a FIFO */
    size_t target_len;
};

/* Make the tree of text (NUL-terminated, changed in place).  Sets
 * *out_link when a link under sys/ leads out (an absolute target). */
static void make_tree(char *text, bool *out_link)
{
    static struct later later[MAX_ENTRIES];
    char path[MAX_PATH], buf[MAX_PATH];
    char *line = text, *next, *content, *end;
    const char *name;
    unsigned int nr_entries = 0, nr_later = 0, i;
    bool is_dir;
    int dfd, fd;

    *out_link = false;
    /* skip anything before the first entry */
    while (*line && !strchr(">@|", *line)) {
        next = strchr(line, '\n');
        line = next ? next + 1 : line + strlen(line);
    }
    while (*line && nr_entries++ < MAX_ENTRIES) {
        char kind = *line++;

        end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        content = *end ? end + 1 : end;
        /* the content: up to the next line that begins an entry */
        next = content;
        while (*next && !strchr(">@|", *next)) {
            char *nl = strchr(next, '\n');

            next = nl ? nl + 1 : next + strlen(next);
        }
        if (kind == '@') {
            char *eq = memchr(line, '=', (size_t)(end - line));

            if (eq && entry_path(line, (size_t)(eq - line), path, &is_dir) &&
                !is_dir && nr_later < MAX_ENTRIES) {
                snprintf(later[nr_later].path, MAX_PATH, "%s", path);
                later[nr_later].target = eq + 1;
                later[nr_later].target_len = (size_t)(end - eq - 1);
                nr_later++;
            }
        } else if (kind == '|') {
            if (entry_path(line, (size_t)(end - line), path, &is_dir) &&
                !is_dir && nr_later < MAX_ENTRIES) {
                snprintf(later[nr_later].path, MAX_PATH, "%s", path);
                later[nr_later].target = NULL;
                nr_later++;
            }
        } else if (entry_path(line, (size_t)(end - line), path, &is_dir)) {
            dfd = parent_dir(path, buf, &name);
            if (dfd >= 0 && is_dir) {
                mkdirat(dfd, name, 0755);
            } else if (dfd >= 0) {
                fd = openat(dfd, name,
                            O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
                if (fd >= 0) {
                    if (write(fd, content, (size_t)(next - content)) < 0)
                        abort();
                    close(fd);
                }
            }
            if (dfd >= 0)
                close(dfd);
        }
        line = next;
    }
    for (i = 0; i < nr_later; i++) {
        struct later *l = &later[i];
        int rc;

        dfd = parent_dir(l->path, buf, &name);
        if (dfd < 0)
            continue;
        if (l->target) {
            char target[MAX_PATH];

            if (!l->target_len || l->target_len >= sizeof(target) ||
                memchr(l->target, '\0', l->target_len)) {
                close(dfd);
                continue;
            }
            memcpy(target, l->target, l->target_len);
            target[l->target_len] = '\0';
            rc = symlinkat(target, dfd, name);
            if (!rc && target[0] == '/' && !strncmp(l->path, "sys/", 4))
                *out_link = true;
        } else {
            mkfifoat(dfd, name, 0644);
        }
        close(dfd);
    }
}

/* One line of printable text: what reaches a terminal. */
static void check_line(const char *s)
{
    for (; *s; s++)
        if (!isprint((unsigned char)*s))
            abort();
}

static void check_model(const struct np_topo *t)
{
    unsigned int i, j, a, b;
    int s;

    if (!t->nr_cpu_ids || t->nr_cpu_ids > NP_MAX_CPU_IDS || !t->nr_node_ids ||
        t->nr_node_ids > NP_MAX_NODE_IDS || !np_topo_nr_nodes(t) ||
        !np_topo_nr_cpus(t))
        abort();
    for (i = 0; i < t->nr_cpu_ids; i++) {
        const struct np_cpu *c = &t->cpus[i];

        if (!c->present)
            continue;
        if (c->node < -1 || (c->node >= 0 && !np_topo_node_exists(t, c->node)))
            abort();
        if (c->siblings.nr_bits && c->siblings.nr_bits != t->nr_cpu_ids)
            abort();
        np_cpumap_for_each(s, &c->siblings)
        {
            if (!np_topo_cpu_exists(t, s))
                abort();
        }
    }
    for (j = 0; j < t->nr_node_ids; j++) {
        const struct np_node *n = &t->nodes[j];

        if (!n->present) {
            if (n->cpus.nr_bits && !np_cpumap_is_empty(&n->cpus))
                abort();
            continue;
        }
        if (n->cpus.nr_bits != t->nr_cpu_ids)
            abort();
        for (i = 0; i < t->nr_cpu_ids; i++) {
            const struct np_cpu *c = &t->cpus[i];
            bool on = c->present && c->online && c->node == (int)j;

            if (np_cpumap_test(&n->cpus, (int)i) != on)
                abort();
        }
    }
    for (a = 0; a < t->nr_node_ids; a++)
        for (b = 0; b < t->nr_node_ids; b++)
            if (t->distances[a * t->nr_node_ids + b] &&
                (!t->nodes[a].present || !t->nodes[b].present))
                abort();
    if (!t->source)
        abort();
    if (t->hw && t->hw->notes) {
        const char *p = t->hw->notes;

        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);

            for (i = 0; i < n; i++)
                if (!isprint((unsigned char)p[i]))
                    abort();
            p += n + (nl ? 1 : 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_topo topo;
    struct np_err err = {""};
    struct np_rootfs r = {.rootfd = -1, .root = root, .err = &err};
    bool out_link;
    char *text;
    int rc;

    if (!root[0])
        make_root();
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    make_tree(text, &out_link);
    free(text);
    if (getenv("NP_FUZZ_KEEP")) { /* the tree, to look at */
        fprintf(stderr, "tree kept in %s\n", root);
        exit(0);
    }

    np_topo_init(&topo);
    rc = np_linux_read_sysfs(root, &topo, &err);
    if (getenv("NP_FUZZ_VERBOSE")) /* what an input reads as */
        fprintf(stderr, "read: %d %s; %u cpus, %u nodes\n", rc, err.msg,
                np_topo_nr_cpus(&topo), np_topo_nr_nodes(&topo));
    if (rc) {
        if (rc > 0 || topo.nr_cpu_ids || topo.cpus || topo.nodes ||
            topo.source || topo.hw)
            abort();
        if (rc != -ENOMEM && !err.msg[0])
            abort(); /* a refusal says why */
        check_line(err.msg);
    } else {
        check_model(&topo);
    }
    np_topo_dispose(&topo);

    /* what np_linux_read_host() checks before hwloc reads the tree */
    np_err_clear(&err);
    r.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r.rootfd < 0)
        abort();
    rc = np_rootfs_check_links(&r);
    close(r.rootfd);
    if (rc && rc != -ENOSYS) {
        if (!err.msg[0])
            abort();
        check_line(err.msg);
    }
    if (getenv("NP_FUZZ_VERBOSE"))
        fprintf(stderr, "links: %d %s\n", rc, err.msg);
    if (out_link && !rc)
        abort();

    clear_root();
    return 0;
}
