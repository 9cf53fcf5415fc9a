/*
 * watch_source.c: what wakes `numapin watch` up, per backend.
 *
 *  - kvm: the kernel's process events (the netlink proc connector, which
 *    needs CAP_NET_ADMIN): an exec of a QEMU binary, a thread of a process
 *    renaming itself "CPU n/..." (QEMU names its vCPU threads after it
 *    creates them), the exit of a guest it knows.  Without the connector
 *    (not root, an old kernel, a captured --root tree): a scan of /proc
 *    every interval.
 *  - test: the host file, looked at every interval; a pass runs when it
 *    changed (another inode, size or time).
 *  - xen: xenstore watches, in xen_watch.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef CONFIG_KVM
#include "qemu_guests.h"
#endif
#include "watch.h"

/* ---- the proc connector ------------------------------------------- */

static bool known_guest(const struct np_watch *w, int pid)
{
    unsigned int i;

    for (i = 0; w && i < w->nr_seen; i++)
        if (w->seen[i].id == pid)
            return true;
    return false;
}

/* Is pid (just exec'd) a QEMU system emulator? */
static bool is_qemu(int pid)
{
    char path[64], buf[4096];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
#ifdef CONFIG_KVM
    return np_qemu_is_binary(buf);
#else
    return false; /* no KVM backend: no QEMU guests to watch */
#endif
}

static int cn_drain(struct np_watch_source *src)
{
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    bool want = false;
    ssize_t n;

    while ((n = recv(src->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        size_t len = (size_t)n;

        for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            struct cn_msg *cn = NLMSG_DATA(h);
            struct proc_event *ev;

            if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP ||
                h->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + sizeof(*ev)))
                continue;
            ev = (struct proc_event *)cn->data;
            switch (ev->what) {
            case PROC_EVENT_EXEC:
                if (is_qemu(ev->event_data.exec.process_tgid))
                    want = true;
                break;
            case PROC_EVENT_COMM:
                if (!strncmp(ev->event_data.comm.comm, "CPU ", 4))
                    want = true;
                break;
            case PROC_EVENT_EXIT:
                if (ev->event_data.exit.process_pid ==
                        ev->event_data.exit.process_tgid &&
                    known_guest(src->w, ev->event_data.exit.process_tgid))
                    want = true;
                break;
            default:
                break;
            }
        }
    }
    if (n < 0 && errno == ENOBUFS)
        want = true; /* events were lost: look */
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -errno;
    return want ? 1 : 0;
}

static void fd_close(struct np_watch_source *src)
{
    if (src->fd >= 0)
        close(src->fd);
    src->fd = -1;
}

static int cn_open(struct np_watch_source *src)
{
    struct sockaddr_nl sa;
    struct {
        struct nlmsghdr nl;
        struct cn_msg cn;
        enum proc_cn_mcast_op op;
    } __attribute__((packed)) msg;
    int fd;

    fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                NETLINK_CONNECTOR);
    if (fd < 0)
        return -errno;
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = CN_IDX_PROC;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto fail;
    memset(&msg, 0, sizeof(msg));
    msg.nl.nlmsg_len = sizeof(msg);
    msg.nl.nlmsg_type = NLMSG_DONE;
    msg.nl.nlmsg_pid = (unsigned int)getpid();
    msg.cn.id.idx = CN_IDX_PROC;
    msg.cn.id.val = CN_VAL_PROC;
    msg.cn.len = sizeof(enum proc_cn_mcast_op);
    msg.op = PROC_CN_MCAST_LISTEN;
    if (send(fd, &msg, sizeof(msg), 0) < 0)
        goto fail;
    src->fd = fd;
    return 0;
fail : {
    int e = -errno;

    close(fd);
    return e;
}
}

/* ---- scans --------------------------------------------------------- */

static int scan_always(struct np_watch_source *src)
{
    return 1;
}

struct file_state {
    char *path;
    struct stat st;
    bool have;
};

static int file_tick(struct np_watch_source *src)
{
    struct file_state *fs = src->priv;
    struct stat st;

    if (stat(fs->path, &st) < 0)
        return 0; /* being replaced: the next tick sees it */
    if (fs->have && st.st_ino == fs->st.st_ino &&
        st.st_size == fs->st.st_size &&
        st.st_mtim.tv_sec == fs->st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == fs->st.st_mtim.tv_nsec)
        return 0;
    fs->st = st;
    fs->have = true;
    return 1;
}

static void file_close(struct np_watch_source *src)
{
    struct file_state *fs = src->priv;

    if (fs)
        free(fs->path);
    free(fs);
    src->priv = NULL;
}

/* ---- choosing ------------------------------------------------------ */

int np_watch_source_open(struct np_watch *w, unsigned int interval_ms,
                         struct np_watch_source *src, struct np_err *err)
{
    const char *spec = w->ctx->backend;
    int rc;

    memset(src, 0, sizeof(*src));
    src->fd = -1;
    src->w = w;
    if (!spec)
        spec = w->ctx->snap.backend ? w->ctx->snap.backend : "kvm";
    if (!strncmp(spec, "test:", 5)) {
        struct file_state *fs = calloc(1, sizeof(*fs));

        if (!fs || !(fs->path = strdup(spec + 5))) {
            free(fs);
            return -ENOMEM;
        }
        src->priv = fs;
        src->name = "scan";
        src->interval_ms = interval_ms;
        src->tick = file_tick;
        src->close = file_close;
        file_tick(src);
        snprintf(src->desc, sizeof(src->desc), "a scan of %.100s every %u ms",
                 fs->path, interval_ms);
        return 0;
    }
    if (!strcmp(spec, "xen")) {
#ifdef CONFIG_XEN
        return np_xen_watch_open(src, err);
#else
        return np_err_set(
            err, -EOPNOTSUPP,
            "backend 'xen' is not built in: numapin was built without libxenlight (libxen-dev)");
#endif
    }
    if (strncmp(spec, "kvm", 3))
        return np_err_set(err, -EINVAL, "the %s backend has no guests to watch",
                          spec);
    rc = -ENOTDIR;
    if (!np_watch_kvm_root(w->ctx) || !strcmp(np_watch_kvm_root(w->ctx), "/"))
#ifdef CONFIG_TEST_HOOKS
        rc = getenv(NP_WATCH_NO_EVENTS_ENV) ? -ENOSYS : cn_open(src);
#else
        rc = cn_open(src);
#endif
    if (!rc) {
        src->name = "proc-connector";
        src->drain = cn_drain;
        src->close = fd_close;
        snprintf(src->desc, sizeof(src->desc),
                 "process events (netlink proc connector)");
        return 0;
    }
    src->name = "scan";
    src->interval_ms = interval_ms;
    src->tick = scan_always;
    snprintf(src->desc, sizeof(src->desc),
             "a /proc scan every %u ms (no process events: %s)", interval_ms,
             rc == -ENOTDIR  ? "a captured --root tree"
             : rc == -ENOSYS ? "a test hook turned them off"
                             : strerror(-rc));
    return 0;
}

void np_watch_source_close(struct np_watch_source *src)
{
    if (src->close)
        src->close(src);
    src->close = NULL;
}
