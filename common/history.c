/*
 * history.c: STATE/history/NNNNNNNN.json, one record per change.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "history_int.h"
#include "json_util.h"

#define TMP_PREFIX "tmp."

struct np_history {
    char *dir; /* STATE/history */
    unsigned int nr;
    struct np_hist_rec *recs; /* by id, oldest first */
    bool newest_only;         /* np_history_open_newest(): recs holds the
                                 newest record alone */
};

static unsigned int name_id(const char *name)
{
    unsigned int id = 0, i;

    for (i = 0; i < 8; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        id = id * 10 + (unsigned int)(name[i] - '0');
    }
    return strcmp(name + 8, ".json") ? 0 : id;
}

static char *rec_path(const struct np_history *h, unsigned int id)
{
    char *p = NULL;

    if (asprintf(&p, "%s/%08u.json", h->dir, id) < 0)
        return NULL;
    return p;
}

static int read_rec(struct np_history *h, unsigned int id,
                    struct np_hist_rec *r, struct np_err *err)
{
    char *path = rec_path(h, id);
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (!path)
        return -ENOMEM;
    rc = np_file_read_all(path, NP_FILE_MAX, &buf, &len, err);
    if (!rc)
        rc = np_hist_rec_parse(buf, len, path, id, r, err);
    free(buf);
    free(path);
    return rc;
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

    return x < y ? -1 : x > y;
}

/* Make dir (0700) when missing; refuse anything but a directory. */
static int make_dir(const char *dir, struct np_err *err)
{
    struct stat st;

    if (mkdir(dir, 0700) && errno != EEXIST)
        return np_err_set(err, -errno, "cannot create '%s': %s", dir,
                          strerror(errno));
    if (lstat(dir, &st) || !S_ISDIR(st.st_mode))
        return np_err_set(
            err, -ENOTDIR,
            "'%s' is not a directory: numapin keeps its history there", dir);
    return 0;
}

static int history_open(const char *state_dir, bool create, bool newest_only,
                        struct np_history **h_out, struct np_err *err);

int np_history_open(const char *state_dir, bool create,
                    struct np_history **h_out, struct np_err *err)
{
    return history_open(state_dir, create, false, h_out, err);
}

int np_history_open_newest(const char *state_dir, struct np_history **h_out,
                           struct np_err *err)
{
    return history_open(state_dir, true, true, h_out, err);
}

static int history_open(const char *state_dir, bool create, bool newest_only,
                        struct np_history **h_out, struct np_err *err)
{
    struct np_history *h = calloc(1, sizeof(*h));
    unsigned int *ids = NULL, nr = 0, cap = 0, i;
    struct dirent *de;
    DIR *d = NULL;
    int rc = 0;

    *h_out = NULL;
    if (!h)
        return -ENOMEM;
    if (asprintf(&h->dir, "%s/%s", state_dir, NP_HISTORY_DIR) < 0) {
        h->dir = NULL;
        rc = -ENOMEM;
        goto out;
    }
    if (create) {
        rc = make_dir(state_dir, err);
        if (!rc)
            rc = make_dir(h->dir, err);
        if (rc)
            goto out;
    }
    d = opendir(h->dir);
    if (!d) {
        if (errno == ENOENT && !create)
            goto done;
        rc = np_err_set(err, -errno, "cannot read the history '%s': %s", h->dir,
                        strerror(errno));
        goto out;
    }
    while ((de = readdir(d))) {
        unsigned int id = name_id(de->d_name);

        if (create && !strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX))) {
            /* a record half written by a writer that died: we hold the
             * lock, so nobody is writing it */
            unlinkat(dirfd(d), de->d_name, 0);
            continue;
        }
        if (!id)
            continue;
        if (nr == cap) {
            unsigned int *n2;

            cap = cap ? cap * 2 : 16;
            n2 = realloc(ids, cap * sizeof(*ids));
            if (!n2) {
                rc = -ENOMEM;
                goto out;
            }
            ids = n2;
        }
        ids[nr++] = id;
    }
    if (nr)
        qsort(ids, nr, sizeof(*ids), cmp_uint);
    h->recs = calloc(nr + 1, sizeof(*h->recs));
    if (!h->recs) {
        rc = -ENOMEM;
        goto out;
    }
    /* newest only: a writer needs the one record that can be unfinished
     * and the id that follows it, not every change since the host was
     * first pinned (the history only grows) */
    for (i = newest_only && nr ? nr - 1 : 0; i < nr; i++) {
        np_hist_rec_init(&h->recs[h->nr]);
        h->nr++;
        rc = read_rec(h, ids[i], &h->recs[h->nr - 1], err);
        if (rc)
            goto out;
    }
    h->newest_only = newest_only;
done:
    *h_out = h;
    h = NULL;
out:
    if (d)
        closedir(d);
    free(ids);
    np_history_free(h);
    return rc;
}

void np_history_free(struct np_history *h)
{
    unsigned int i;

    if (!h)
        return;
    for (i = 0; i < h->nr; i++)
        np_hist_rec_dispose(&h->recs[i]);
    free(h->recs);
    free(h->dir);
    free(h);
}

unsigned int np_history_count(const struct np_history *h)
{
    return h ? h->nr : 0;
}

const struct np_hist_rec *np_history_get(const struct np_history *h,
                                         unsigned int i)
{
    return h && i < h->nr ? &h->recs[i] : NULL;
}

const struct np_hist_rec *np_history_find(const struct np_history *h,
                                          unsigned int id)
{
    unsigned int i;

    for (i = 0; h && i < h->nr; i++)
        if (h->recs[i].id == id)
            return &h->recs[i];
    return NULL;
}

const struct np_hist_rec *np_history_unfinished(const struct np_history *h)
{
    const struct np_hist_rec *r = h && h->nr ? &h->recs[h->nr - 1] : NULL;

    if (r && (r->state == NP_HIST_PENDING || r->state == NP_HIST_FAILED))
        return r;
    return NULL;
}

int np_history_stack(const struct np_history *h, unsigned int **ids_out,
                     unsigned int *nr_out)
{
    unsigned int *stack, nr = 0, i, k, j;

    *ids_out = NULL;
    *nr_out = 0;
    if (h && h->newest_only)
        return -EINVAL; /* the stack needs every record */
    stack = calloc((h ? h->nr : 0) + 1, sizeof(*stack));
    *nr_out = 0;
    if (!stack)
        return -ENOMEM;
    for (i = 0; h && i < h->nr; i++) {
        const struct np_hist_rec *r = &h->recs[i];

        if (r->state != NP_HIST_DONE)
            continue;
        if (!r->nr_reverts) {
            stack[nr++] = r->id;
            continue;
        }
        for (k = 0; k < r->nr_reverts; k++)
            for (j = 0; j < nr; j++)
                if (stack[j] == r->reverts[k]) {
                    memmove(&stack[j], &stack[j + 1],
                            (nr - j - 1) * sizeof(*stack));
                    nr--;
                    break;
                }
    }
    /* newest first */
    for (i = 0; i < nr / 2; i++) {
        unsigned int t = stack[i];

        stack[i] = stack[nr - 1 - i];
        stack[nr - 1 - i] = t;
    }
    *ids_out = stack;
    *nr_out = nr;
    return 0;
}

/*
 * Write r to its file: a temporary file in the history directory,
 * fsync'd, then link()ed (a new record: never replaces a file) or
 * renamed (the record's own end) to its name, and the directory fsync'd.
 */
static int rec_write(struct np_history *h, const struct np_hist_rec *r,
                     bool is_new, struct np_err *err)
{
    char *json = NULL, *path = rec_path(h, r->id), *tmp = NULL;
    int fd = -1, rc;

    if (!path)
        return -ENOMEM;
    rc = np_hist_rec_json(r, &json, err);
    if (rc)
        goto out;
    fd = np_file_mktemp(h->dir, "/" TMP_PREFIX, &tmp);
    if (fd < 0) {
        rc = fd;
        goto fail;
    }
    rc = np_file_write_fd(fd, json, strlen(json));
    if (rc)
        goto fail;
    if (fchmod(fd, 0600)) {
        rc = -errno;
        goto fail;
    }
    rc = np_file_commit(&fd, &tmp, path, is_new);
    if (!rc)
        goto out;
fail:
    np_err_set(err, rc, "cannot write the history record '%s': %s", path,
               rc == -EEXIST ? "a record with its id exists" : strerror(-rc));
out:
    np_file_discard(fd, tmp);
    free(json);
    free(path);
    return rc;
}

static char *user_name(uid_t uid)
{
    struct passwd pw, *res = NULL;
    char buf[1024], *s = NULL;

    if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res)
        return strdup(res->pw_name);
    if (asprintf(&s, "%ld", (long)uid) < 0)
        return NULL;
    return s;
}

int np_history_begin(struct np_history *h, const char *command,
                     const char *backend, const char *host_id,
                     const struct np_plan *before, const struct np_plan *after,
                     const unsigned int *reverts, unsigned int nr_reverts,
                     unsigned int *id_out, struct np_err *err)
{
    const struct np_hist_rec *u = np_history_unfinished(h);
    struct np_hist_rec *recs, *r;
    int rc;

    if (u) {
        char when[32];

        np_hist_time(u->time, when, sizeof(when));
        return np_err_set(
            err, -EBUSY,
            "change %u (%s, %s) did not finish: run `numapin undo` to put it back first",
            u->id, u->command, when);
    }
    recs = realloc(h->recs, (h->nr + 1) * sizeof(*recs));
    if (!recs)
        return -ENOMEM;
    h->recs = recs;
    r = &h->recs[h->nr];
    np_hist_rec_init(r);
    r->id = h->nr ? h->recs[h->nr - 1].id + 1 : 1;
    r->state = NP_HIST_PENDING;
    r->time = (int64_t)time(NULL);
    r->command = strdup(command ? command : "numapin");
    r->user = user_name(getuid());
    r->uid = (long)getuid();
    r->pid = (long)getpid();
    r->backend = backend ? strdup(backend) : NULL;
    r->host_id = host_id ? strdup(host_id) : NULL;
    if (nr_reverts) {
        r->reverts = calloc(nr_reverts, sizeof(*r->reverts));
        if (r->reverts) {
            memcpy(r->reverts, reverts, nr_reverts * sizeof(*reverts));
            r->nr_reverts = nr_reverts;
        }
    }
    rc = !r->command || !r->user || (backend && !r->backend) ||
                 (host_id && !r->host_id) || (nr_reverts && !r->reverts)
             ? -ENOMEM
             : 0;
    if (!rc)
        rc = np_plan_copy(&r->before, before);
    if (!rc)
        rc = np_plan_copy(&r->after, after);
    if (!rc)
        rc = rec_write(h, r, true, err);
    if (rc) {
        np_hist_rec_dispose(r);
        if (rc == -ENOMEM)
            np_err_set(err, rc, "out of memory while writing the history");
        return rc;
    }
    h->nr++;
    *id_out = r->id;
    return 0;
}

int np_history_end(struct np_history *h, unsigned int id,
                   enum np_hist_state state, const struct np_plan *after,
                   struct np_err *err)
{
    struct np_hist_rec *r = (struct np_hist_rec *)np_history_find(h, id);
    struct np_plan a;
    int rc;

    if (!r)
        return np_err_set(err, -ENOENT, "there is no change %u", id);
    if (after) {
        np_plan_init(&a);
        rc = np_plan_copy(&a, after);
        if (rc) {
            np_plan_dispose(&a);
            return np_err_set(err, rc,
                              "out of memory while writing the history");
        }
        np_plan_dispose(&r->after);
        r->after = a;
    }
    r->state = state;
    return rec_write(h, r, false, err);
}

int np_history_drop(struct np_history *h, unsigned int id, struct np_err *err)
{
    char *path = rec_path(h, id);
    unsigned int i;
    int rc = 0;

    if (!path)
        return -ENOMEM;
    for (i = 0; i < h->nr && h->recs[i].id != id; i++)
        ;
    if (i == h->nr || h->recs[i].state != NP_HIST_PENDING) {
        free(path);
        return np_err_set(err, -EINVAL, "change %u is not pending", id);
    }
    if (unlink(path))
        rc = np_err_set(err, -errno, "cannot remove '%s': %s", path,
                        strerror(errno));
    else
        np_file_sync_dir(path);
    if (!rc) {
        np_hist_rec_dispose(&h->recs[i]);
        memmove(&h->recs[i], &h->recs[i + 1],
                (h->nr - i - 1) * sizeof(*h->recs));
        h->nr--;
    }
    free(path);
    return rc;
}

void np_hist_rec_guests(const struct np_hist_rec *r, char *buf, size_t max)
{
    const struct np_plan *p = r->before.nr_guests ? &r->before : &r->after;
    size_t len = 0;
    unsigned int i;

    if (!max)
        return;
    buf[0] = '\0';
    for (i = 0; i < p->nr_guests; i++) {
        const char *name = p->guests[i].name ? p->guests[i].name : "?";
        size_t need = strlen(name) + (i ? 2 : 0);

        if (len + need + 4 >= max) {
            snprintf(buf + len, max - len, "%s...", i ? ", " : "");
            return;
        }
        len +=
            (size_t)snprintf(buf + len, max - len, "%s%s", i ? ", " : "", name);
    }
}

int np_history_write_json(const struct np_history *h, char **json_out)
{
    json_object *root = json_object_new_object(), *list, *und;
    unsigned int *ids = NULL, nr = 0, i, k;
    const char *s;
    int rc = -ENOMEM;

    *json_out = NULL;
    list = json_object_new_array();
    und = json_object_new_array();
    if (!root || !list || !und) {
        json_object_put(list);
        json_object_put(und);
        goto out;
    }
    json_object_object_add(root, "history", list);
    json_object_object_add(root, "undoable", und);
    for (i = 0; i < np_history_count(h); i++) {
        const struct np_hist_rec *r = &h->recs[i];
        const struct np_plan *p = r->before.nr_guests ? &r->before : &r->after;
        json_object *o = json_object_new_object(), *g = json_object_new_array();
        char when[32];

        if (!o || !g) {
            json_object_put(o);
            json_object_put(g);
            goto out;
        }
        np_hist_time(r->time, when, sizeof(when));
        json_object_object_add(o, "id", json_object_new_int64(r->id));
        json_object_object_add(
            o, "state", json_object_new_string(np_hist_state_name(r->state)));
        json_object_object_add(o, "time", json_object_new_string(when));
        json_object_object_add(o, "command",
                               json_object_new_string(r->command));
        json_object_object_add(o, "user", json_object_new_string(r->user));
        for (k = 0; k < p->nr_guests; k++)
            json_object_array_add(
                g, json_object_new_string(p->guests[k].name ? p->guests[k].name
                                                            : ""));
        json_object_object_add(o, "guests", g);
        if (r->nr_reverts) {
            json_object *rv = json_object_new_array();

            for (k = 0; rv && k < r->nr_reverts; k++)
                json_object_array_add(rv, json_object_new_int64(r->reverts[k]));
            json_object_object_add(o, "reverts", rv);
        }
        json_object_array_add(list, o);
    }
    if (np_history_stack(h, &ids, &nr))
        goto out;
    for (i = 0; i < nr; i++)
        json_object_array_add(und, json_object_new_int64(ids[i]));
    s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                 JSON_C_TO_STRING_SPACED);
    if (s && asprintf(json_out, "%s\n", s) >= 0)
        rc = 0;
    else
        *json_out = NULL;
out:
    free(ids);
    json_object_put(root);
    return rc;
}
