/*
 * qemu_qmp.c: the vCPU threads of a QEMU guest over its QMP socket
 * (query-cpus-fast; see qemu_guests.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "escape.h"
#include "json_util.h"
#include "qemu_guests.h"

#define QMP_TIMEOUT_MS 3000
#define QMP_MAX_LINE (4u << 20)

int np_qmp_parse_cpus(const char *reply, struct np_qmp_cpu **cpus_out,
                      unsigned int *nr_out, struct np_err *err)
{
    struct json_object *root = NULL, *ret, *elem, *v, *desc;
    struct np_json_rd rd = {.err = err, .what = "the QMP reply"};
    struct np_qmp_cpu *cpus = NULL;
    char desc_esc[128];
    size_t i, n;
    int rc;

    *cpus_out = NULL;
    *nr_out = 0;
    root = json_tokener_parse(reply);
    if (!root || !json_object_is_type(root, json_type_object)) {
        rc = np_err_set(err, -EINVAL, "the QMP reply is not a JSON object");
        goto out;
    }
    rc = np_json_check_dup_keys(&rd, reply, strlen(reply));
    if (rc)
        goto out;
    if (json_object_object_get_ex(root, "error", &v)) {
        np_escape_buf(json_object_object_get_ex(v, "desc", &desc)
                          ? json_object_get_string(desc)
                          : json_object_to_json_string(v),
                      desc_esc, sizeof(desc_esc));
        rc = np_err_set(err, -EIO, "QMP query-cpus-fast failed: %s", desc_esc);
        goto out;
    }
    if (!json_object_object_get_ex(root, "return", &ret) ||
        !json_object_is_type(ret, json_type_array)) {
        rc = np_err_set(err, -EINVAL, "the QMP reply has no \"return\" array");
        goto out;
    }
    n = json_object_array_length(ret);
    cpus = calloc(n ? n : 1, sizeof(*cpus));
    if (!cpus) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        elem = json_object_array_get_idx(ret, i);
        /* the top-level "thread-id" is the host tid; props has another
         * "thread-id", the SMT index, which is not looked at */
        if (!json_object_is_type(elem, json_type_object) ||
            !json_object_object_get_ex(elem, "thread-id", &v) ||
            !json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) <= 0) {
            rc = np_err_set(
                err, -EINVAL,
                "QMP query-cpus-fast entry %zu has no \"thread-id\"", i);
            goto out;
        }
        cpus[i].tid = (long)json_object_get_int64(v);
        cpus[i].cpu_index = (int)i;
        if (json_object_object_get_ex(elem, "cpu-index", &v) &&
            json_object_is_type(v, json_type_int) &&
            json_object_get_int64(v) >= 0 && json_object_get_int64(v) < 65536)
            cpus[i].cpu_index = (int)json_object_get_int64(v);
    }
    *cpus_out = cpus;
    *nr_out = (unsigned int)n;
    cpus = NULL;
    rc = 0;
out:
    free(cpus);
    json_object_put(root);
    return rc;
}

struct qmp_conn {
    int fd;
    char *buf;
    size_t len, cap;
    const char *path;
};

/* The next line from the socket, NUL-terminated in c->buf (consumed by
 * the next call).  0 or -errno with a sentence. */
static int qmp_read_line(struct qmp_conn *c, size_t *line_len,
                         struct np_err *err)
{
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    char *nl, *grown;
    ssize_t got;
    int r;

    for (;;) {
        nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
        if (nl) {
            *nl = '\0';
            *line_len = (size_t)(nl - c->buf) + 1;
            return 0;
        }
        if (c->cap - c->len < 4096) {
            if (c->cap > QMP_MAX_LINE)
                return np_err_set(
                    err, -EINVAL,
                    "QMP socket '%s' sent a line longer than %u bytes", c->path,
                    QMP_MAX_LINE);
            c->cap = c->cap ? 2 * c->cap : 16384;
            grown = realloc(c->buf, c->cap);
            if (!grown)
                return -ENOMEM;
            c->buf = grown;
        }
        r = poll(&pfd, 1, QMP_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return np_err_set(
                err, -ETIMEDOUT,
                "QMP socket '%s' did not answer within %d s: a QMP monitor serves one client at a time (is libvirtd or another tool connected?)",
                c->path, QMP_TIMEOUT_MS / 1000);
        got = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return np_err_set(err, -errno, "cannot read QMP socket '%s': %s",
                              c->path, strerror(errno));
        if (got == 0)
            return np_err_set(err, -ECONNRESET,
                              "QMP socket '%s' closed the connection", c->path);
        c->len += (size_t)got;
    }
}

static void qmp_consume(struct qmp_conn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

static int qmp_send(struct qmp_conn *c, const char *cmd, struct np_err *err)
{
    size_t off = 0, len = strlen(cmd);
    ssize_t put;

    while (off < len) {
        put = send(c->fd, cmd + off, len - off, MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return np_err_set(err, -errno,
                              "cannot write to QMP socket '%s': %s", c->path,
                              strerror(errno));
        off += (size_t)put;
    }
    return 0;
}

/* Read lines until a reply (skipping events); the reply stays in c->buf
 * with its length in *n. */
static int qmp_reply(struct qmp_conn *c, size_t *n, struct np_err *err)
{
    int rc;

    for (;;) {
        rc = qmp_read_line(c, n, err);
        if (rc)
            return rc;
        if (strstr(c->buf, "\"return\"") || strstr(c->buf, "\"error\""))
            if (!strncmp(c->buf, "{\"return\"", 9) ||
                !strncmp(c->buf, "{\"error\"", 8) ||
                !strstr(c->buf, "\"event\""))
                return 0;
        qmp_consume(c, *n);
    }
}

int np_qmp_query_cpus(const char *path, struct np_qmp_cpu **cpus_out,
                      unsigned int *nr_out, struct np_err *err)
{
    struct qmp_conn c = {.fd = -1, .path = path};
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t n;
    int rc;

    *cpus_out = NULL;
    *nr_out = 0;
    if (strlen(path) >= sizeof(addr.sun_path))
        return np_err_set(err, -ENAMETOOLONG,
                          "QMP socket path '%s' is too long", path);
    strcpy(addr.sun_path, path);
    c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        rc = -errno;
        goto out;
    }
    if (connect(c.fd, (struct sockaddr *)&addr, sizeof(addr))) {
        rc = np_err_set(err, -errno, "cannot connect to QMP socket '%s': %s",
                        path, strerror(errno));
        goto out;
    }
    rc = qmp_read_line(&c, &n, err);
    if (rc)
        goto out;
    if (!strstr(c.buf, "\"QMP\"")) {
        rc = np_err_set(err, -EPROTO,
                        "'%s' is not a QMP socket (no QMP greeting)", path);
        goto out;
    }
    qmp_consume(&c, n);
    rc = qmp_send(&c, "{\"execute\": \"qmp_capabilities\"}\n", err);
    if (rc)
        goto out;
    rc = qmp_reply(&c, &n, err);
    if (rc)
        goto out;
    qmp_consume(&c, n);
    rc = qmp_send(&c, "{\"execute\": \"query-cpus-fast\"}\n", err);
    if (rc)
        goto out;
    rc = qmp_reply(&c, &n, err);
    if (rc)
        goto out;
    rc = np_qmp_parse_cpus(c.buf, cpus_out, nr_out, err);
out:
    if (c.fd >= 0)
        close(c.fd);
    free(c.buf);
    return rc;
}
