/*
 * history_rec.c: one history record, parsed and checked in full
 * (np_hist_rec_parse) and written back (np_hist_rec_json); the format is
 * described in history.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_int.h"
#include "ident.h"
#include "json_util.h"
#include "json_write.h"

static const char *const state_names[] = {"pending", "done", "failed",
                                          "rolled-back"};

const char *np_hist_state_name(enum np_hist_state s)
{
    return (unsigned int)s < 4 ? state_names[s] : "?";
}

void np_hist_rec_init(struct np_hist_rec *r)
{
    memset(r, 0, sizeof(*r));
    np_plan_init(&r->before);
    np_plan_init(&r->after);
}

void np_hist_rec_dispose(struct np_hist_rec *r)
{
    free(r->command);
    free(r->user);
    free(r->backend);
    free(r->host_id);
    free(r->reverts);
    np_plan_dispose(&r->before);
    np_plan_dispose(&r->after);
    np_hist_rec_init(r);
}

void np_hist_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, size, "%" PRId64, t);
}

static int parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return -EINVAL;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* "00000012.json" -> 12; 0 for any other name. */
/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

static int plan_of(json_object *o, const char *path, const char *key,
                   struct np_plan *plan, struct np_err *err)
{
    char name[64];
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

    snprintf(name, sizeof(name), "%s", key);
    if (!s)
        return -ENOMEM;
    (void)path;
    return np_plan_read_json(s, strlen(s), name, plan, err);
}

static int bad(struct np_err *err, const char *path, const char *what)
{
    return np_err_set(err, -EINVAL, "history record '%s' is damaged: %s", path,
                      what);
}

static int get_str(json_object *o, const char *key, char **out)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return -EINVAL;
    *out = strdup(json_object_get_string(v));
    return *out ? 0 : -ENOMEM;
}

static int get_int(json_object *o, const char *key, int64_t min, int64_t max,
                   int64_t *out)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return -EINVAL;
    *out = json_object_get_int64(v);
    return *out < min || *out > max ? -EINVAL : 0;
}

int np_hist_rec_parse(const char *buf, size_t len, const char *path,
                      unsigned int want_id, struct np_hist_rec *r,
                      struct np_err *err)
{
    static const char *const keys[] = {
        "numapin_history", "id",      "state",   "time",
        "command",         "user",    "uid",     "pid",
        "backend",         "host_id", "reverts", "before",
        "after",           NULL};
    struct json_tokener *tok = json_tokener_new();
    struct np_err perr = {""};
    struct np_json_rd rd = {.err = &perr};
    json_object *root = NULL, *v;
    char *state = NULL, *time_s = NULL;
    int64_t n;
    unsigned int i;
    int rc = -EINVAL;

    if (!tok)
        return -ENOMEM;
    root = json_tokener_parse_ex(tok, buf, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success ||
        tok->char_offset != (int)len) {
        /* trailing white space is fine, anything else is not */
        size_t k = root ? (size_t)tok->char_offset : len;

        while (root && k < len && strchr(" \t\r\n", buf[k]))
            k++;
        if (!root || k < len) {
            rc = bad(err, path, "not JSON");
            goto out;
        }
    }
    if (!json_object_is_type(root, json_type_object)) {
        rc = bad(err, path, "not a JSON object");
        goto out;
    }
    rc = np_json_check_dup_keys(&rd, buf, len);
    if (rc) {
        if (rc == -EINVAL)
            rc = bad(err, path, perr.msg);
        goto out;
    }
    {
        json_object_object_foreach(root, key, val)
        {
            (void)val;
            for (i = 0; keys[i]; i++)
                if (!strcmp(keys[i], key))
                    break;
            if (!keys[i]) {
                rc = bad(err, path, "an unknown key");
                goto out;
            }
        }
    }
    if (get_int(root, "numapin_history", 1, 1, &n)) {
        rc = bad(err, path, "'numapin_history' is not 1");
        goto out;
    }
    if (get_int(root, "id", 1, 99999999, &n) || (unsigned int)n != want_id) {
        rc = bad(err, path, "its 'id' is not the one of its name");
        goto out;
    }
    r->id = (unsigned int)n;
    if (get_str(root, "state", &state)) {
        rc = bad(err, path, "'state' is missing");
        goto out;
    }
    for (i = 0; i < 4; i++)
        if (!strcmp(state, state_names[i]))
            break;
    if (i == 4) {
        rc = bad(err, path, "unknown 'state'");
        goto out;
    }
    r->state = (enum np_hist_state)i;
    if (get_str(root, "time", &time_s) || parse_time(time_s, &r->time)) {
        rc = bad(err, path, "'time' is missing or not a UTC time");
        goto out;
    }
    if (get_str(root, "command", &r->command) ||
        get_str(root, "user", &r->user)) {
        rc = bad(err, path, "'command' or 'user' is missing");
        goto out;
    }
    if (get_int(root, "uid", 0, INT32_MAX, &n)) {
        rc = bad(err, path, "'uid' is missing");
        goto out;
    }
    r->uid = (long)n;
    if (get_int(root, "pid", 1, INT32_MAX, &n)) {
        rc = bad(err, path, "'pid' is missing");
        goto out;
    }
    r->pid = (long)n;
    if (json_object_object_get_ex(root, "backend", &v) &&
        get_str(root, "backend", &r->backend)) {
        rc = bad(err, path, "'backend' is not a string");
        goto out;
    }
    if (json_object_object_get_ex(root, "host_id", &v) &&
        (get_str(root, "host_id", &r->host_id) ||
         !np_ident_valid(r->host_id))) {
        rc = bad(err, path, "'host_id' is not a host id");
        goto out;
    }
    if (json_object_object_get_ex(root, "reverts", &v)) {
        size_t nr = json_object_is_type(v, json_type_array)
                        ? json_object_array_length(v)
                        : 0;

        if (!nr) {
            rc = bad(err, path, "'reverts' is not a list of ids");
            goto out;
        }
        r->reverts = calloc(nr, sizeof(*r->reverts));
        if (!r->reverts) {
            rc = -ENOMEM;
            goto out;
        }
        for (i = 0; i < nr; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            int64_t x = json_object_get_int64(e);

            if (!json_object_is_type(e, json_type_int) || x < 1 ||
                x >= (int64_t)r->id) {
                rc = bad(err, path, "'reverts' names an id that is not older");
                goto out;
            }
            r->reverts[i] = (unsigned int)x;
        }
        r->nr_reverts = (unsigned int)nr;
    }
    if (!json_object_object_get_ex(root, "before", &v) ||
        plan_of(v, path, "before", &r->before, &perr) ||
        !r->before.is_journal) {
        char what[NP_ERR_MAX];

        snprintf(what, sizeof(what), "%s",
                 perr.msg[0] ? perr.msg : "'before' is not a journal");
        rc = bad(err, path, what);
        goto out;
    }
    if (!json_object_object_get_ex(root, "after", &v) ||
        plan_of(v, path, "after", &r->after, &perr)) {
        char what[NP_ERR_MAX];

        snprintf(what, sizeof(what), "%s",
                 perr.msg[0] ? perr.msg : "'after' is missing");
        rc = bad(err, path, what);
        goto out;
    }
    rc = 0;
out:
    free(state);
    free(time_s);
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

bool np_hist_rec_is_relocation(const struct np_hist_rec *r)
{
    return r && r->state == NP_HIST_DONE && r->before.nr_guests == 1 &&
           r->after.nr_guests == 1 &&
           r->before.guests[0].id != r->after.guests[0].id &&
           r->before.guests[0].name && r->after.guests[0].name &&
           !strcmp(r->before.guests[0].name, r->after.guests[0].name);
}

int np_hist_rec_check_host(const struct np_hist_rec *r, const char *host_id,
                           struct np_err *err)
{
    if (!r->host_id || !host_id || !strcmp(r->host_id, host_id))
        return 0;
    return np_err_set(
        err, -EXDEV,
        "cannot undo change %u (%s): it was made on the host with id %s, and this host's id is %s (a state directory of another host); undo it there; nothing was changed",
        r->id, r->command, r->host_id, host_id);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

/* The record as json-c would print it, written straight (json_write.h),
 * its plans with np_plan_jw(). */
int np_hist_rec_json(const struct np_hist_rec *r, char **out,
                     struct np_err *err)
{
    struct np_jw w;
    char when[32];
    unsigned int i;

    np_hist_time(r->time, when, sizeof(when));
    np_jw_init(&w, true); /* json-c's escapes, "/" as "\/" too */
    np_jw_open(&w, '{');
    np_jw_key(&w, "numapin_history");
    np_jw_int(&w, NP_HISTORY_VERSION);
    np_jw_key(&w, "id");
    np_jw_int(&w, r->id);
    np_jw_key(&w, "state");
    np_jw_str(&w, np_hist_state_name(r->state));
    np_jw_key(&w, "time");
    np_jw_str(&w, when);
    np_jw_key(&w, "command");
    np_jw_str(&w, r->command);
    np_jw_key(&w, "user");
    np_jw_str(&w, r->user);
    np_jw_key(&w, "uid");
    np_jw_int(&w, r->uid);
    np_jw_key(&w, "pid");
    np_jw_int(&w, r->pid);
    if (r->backend) {
        np_jw_key(&w, "backend");
        np_jw_str(&w, r->backend);
    }
    if (r->host_id) {
        np_jw_key(&w, "host_id");
        np_jw_str(&w, r->host_id);
    }
    if (r->nr_reverts) {
        np_jw_key(&w, "reverts");
        np_jw_open(&w, '[');
        for (i = 0; i < r->nr_reverts; i++) {
            np_jw_item(&w);
            np_jw_int(&w, r->reverts[i]);
        }
        np_jw_close(&w);
    }
    np_jw_key(&w, "before");
    np_plan_jw(&w, &r->before);
    np_jw_key(&w, "after");
    np_plan_jw(&w, &r->after);
    np_jw_close(&w);
    *out = np_jw_finish(&w);
    if (!*out)
        return np_err_set(err, -ENOMEM,
                          "out of memory while formatting the history record");
    return 0;
}
