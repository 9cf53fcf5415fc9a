/*
 * cmd_watch.c: numapin watch [--policy FILE] [--once] [--dry-run] [--json]
 * [--state-dir DIR]: keep every guest of the host placed.
 *
 * The loop: a first pass places what floats now (with --once, that is
 * all); then each event of the backend's source (watch_source.c,
 * xen_watch.c) runs a pass (watch_pass.c, one guest: watch_place.c).  Signals
 * come through a signalfd, so that they are only acted on between guests:
 *   SIGTERM, SIGINT  finish the guest being placed, then exit 0;
 *   SIGHUP           read the policy file again; a file that does not
 *                    parse, or does not fit the host, is logged and the
 *                    old policy stays.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lock.h"
#include "watch.h"

/* While a guest is pending, or a pass failed: look again this soon. */
#define PENDING_MS 100
#define RETRY_MS 1000

void np_watch_signals(struct np_watch *w)
{
    struct signalfd_siginfo si;

    if (w->sigfd < 0)
        return;
    while (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGHUP)
            w->reload = true;
        else
            w->stop = true;
    }
}

static void policy_line(struct np_watch *w, const char *event)
{
    const struct np_policy_file *p = &w->pol;

    np_watch_log(
        w, event, NULL, 0,
        "%s: policy %s, overcommit %u, %s pins, reserve %s, move-memory %s, pinned %s, %u guest rule%s",
        w->policy_path ? w->policy_path : "(defaults)",
        np_policy_name(p->policy), p->overcommit,
        p->pin == NP_PIN_SOFT ? "soft" : "hard",
        p->reserve ? p->reserve : "none", p->move_memory ? "yes" : "no",
        p->replace_pinned ? "replace" : "leave", p->nr_rules,
        p->nr_rules == 1 ? "" : "s");
}

/* Read the policy file into pol; 0 or -errno with err. */
static int load_policy(struct np_watch *w, struct np_policy_file *pol,
                       struct np_err *err)
{
    int rc;

    if (!w->policy_path)
        return 0;
    rc = np_policy_file_read(w->policy_path, pol, err);
    if (!rc && w->ctx->loaded)
        rc = np_policy_file_check(pol, &w->ctx->snap.topo, err);
    return rc;
}

static void reload_policy(struct np_watch *w)
{
    struct np_policy_file fresh;
    struct np_err err = {""};

    w->reload = false;
    if (!w->policy_path) {
        np_watch_log(w, "policy", NULL, 0,
                     "SIGHUP: no --policy file, the defaults stay");
        return;
    }
    np_policy_file_init(&fresh);
    if (load_policy(w, &fresh, &err)) {
        np_watch_log(w, "policy-kept", NULL, 0,
                     "SIGHUP: %s; the policy read before stays", err.msg);
        np_policy_file_dispose(&fresh);
        return;
    }
    np_policy_file_dispose(&w->pol);
    w->pol = fresh;
    policy_line(w, "policy-reloaded");
}

static int parse_args(struct np_watch *w, int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--policy") && i + 1 < argc)
            w->policy_path = argv[++i];
        else if (!strncmp(argv[i], "--policy=", 9))
            w->policy_path = argv[i] + 9;
        else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
            w->state_dir = argv[++i];
        else if (!strcmp(argv[i], "--once"))
            w->once = true;
        else if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-N"))
            w->dry_run = true;
        else if (!strcmp(argv[i], "--json"))
            w->json = true;
        else if (argv[i][0] == '-' && strcmp(argv[i], "--policy") &&
                 strcmp(argv[i], "--state-dir")) {
            np_ctx_error(NP_EXIT_USAGE, "unknown option '%s'", argv[i]);
            return np_usage("watch");
        } else if (argv[i][0] == '-') {
            return np_ctx_error(NP_EXIT_USAGE, "option '%s' needs a value",
                                argv[i]);
        } else {
            np_ctx_error(NP_EXIT_USAGE, "watch takes no operand ('%s')",
                         argv[i]);
            return np_usage("watch");
        }
    }
    return -1;
}

int main_watch(struct np_ctx *ctx, int argc, char **argv)
{
    struct np_watch w;
    struct np_watch_source src;
    struct np_err err = {""};
    struct pollfd pfd[2];
    sigset_t mask, old;
    bool pending = false, retry = false;
    int rc;

    memset(&w, 0, sizeof(w));
    memset(&src, 0, sizeof(src));
    src.fd = -1;
    w.ctx = ctx;
    w.sigfd = -1;
    w.first_pass = true;
    w.lock_wait_ms = NP_LOCK_WAIT_DEFAULT_MS;
    np_policy_file_init(&w.pol);
    rc = parse_args(&w, argc, argv);
    if (rc >= 0)
        return rc;
    /* one state directory for the lock and the history, as every other
     * writer of this host finds it (np_ctx_state_dir()) */
    if (w.state_dir)
        ctx->state_dir = w.state_dir;
    w.state_dir = np_ctx_state_dir(ctx);
    w.dry_run = w.dry_run || ctx->dry_run;
    ctx->dry_run = w.dry_run; /* np_ctx_load() checks a writing source */
    w.json = w.json || ctx->json;
    if (ctx->topology)
        return np_ctx_error(NP_EXIT_USAGE,
                            "watch needs a live host: --topology is a file");
    /* The host once, for the policy's cpu-lists and the backend. */
    rc = np_ctx_load(ctx, NP_WANT_GUESTS);
    if (rc)
        return rc;
    if (load_policy(&w, &w.pol, &err)) {
        rc = np_ctx_error(NP_EXIT_USAGE, "%s", err.msg);
        goto out;
    }

    /* Signals only through the signalfd, read between guests. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, &old);
    w.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (w.sigfd < 0) {
        rc = np_ctx_error(NP_EXIT_FAILED, "cannot make a signalfd: %s",
                          strerror(errno));
        goto out;
    }
    if (!w.once) {
        rc = np_watch_source_open(&w, w.pol.interval_ms, &src, &err);
        if (rc) {
            rc = np_ctx_error(NP_EXIT_FAILED, "%s", err.msg);
            goto out;
        }
        w.src = &src;
    }
    policy_line(&w, "start");
    if (!w.once)
        np_watch_log(&w, "start", NULL, 0, "%s backend, woken by %s%s",
                     ctx->snap.backend, src.desc,
                     w.dry_run ? "; dry run: nothing is changed" : "");

    rc = np_watch_pass(&w);
    pending = rc == 1;
    retry = rc < 0;
    while (!w.once) {
        int timeout = -1, n;
        bool look = retry;

        np_watch_signals(&w);
        if (w.stop)
            break;
        if (w.reload)
            reload_policy(&w);
        if (pending)
            timeout = PENDING_MS;
        else if (retry)
            timeout = RETRY_MS;
        if (src.interval_ms && (timeout < 0 || (int)src.interval_ms < timeout))
            timeout = (int)src.interval_ms;
        pfd[0].fd = w.sigfd;
        pfd[0].events = POLLIN;
        pfd[1].fd = src.fd;
        pfd[1].events = POLLIN;
        n = poll(pfd, src.fd >= 0 ? 2 : 1, timeout);
        if (n < 0 && errno != EINTR) {
            rc = np_ctx_error(NP_EXIT_FAILED, "poll: %s", strerror(errno));
            goto out;
        }
        if (n > 0 && (pfd[0].revents & POLLIN)) {
            np_watch_signals(&w);
            if (w.stop)
                break;
            if (w.reload)
                reload_policy(&w);
        }
        if (n > 0 && src.fd >= 0 && pfd[1].revents) {
            rc = src.drain(&src);
            if (rc < 0) {
                rc = np_ctx_error(NP_EXIT_FAILED,
                                  "the %s event source broke: %s", src.name,
                                  strerror(-rc));
                goto out;
            }
            look = look || rc > 0;
        }
        if (n == 0) {
            look = look || pending;
            if (src.tick && src.tick(&src) > 0)
                look = true;
        }
        if (!look)
            continue;
        rc = np_watch_pass(&w);
        pending = rc == 1;
        retry = rc < 0;
    }
    np_watch_log(&w, "stop", NULL, 0,
                 "%u guest%s placed, %u left, %u not placed%s", w.nr_placed,
                 w.nr_placed == 1 ? "" : "s", w.nr_left, w.nr_failed,
                 w.stop ? " (signal)" : "");
    rc = w.once && (retry || w.nr_failed) ? NP_EXIT_FAILED : NP_EXIT_OK;
    if (w.once && !retry && w.nr_failed && w.nr_placed)
        rc = 3; /* partial */
out:
    np_watch_source_close(&src);
    if (w.sigfd >= 0) {
        close(w.sigfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
    np_watch_dispose(&w);
    return rc;
}
