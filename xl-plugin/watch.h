/*
 * watch.h: the pieces of `numapin watch`, a loop around the same parts as
 * `plan GUEST` + `apply`: an event source per backend (watch_source.c,
 * xen_watch.c), a pass that reads the host and places every guest that
 * appeared (watch_pass.c; one guest: watch_place.c), and the loop with its
 * signals (cmd_watch.c). No placement logic of its own: the solver decides,
 * np_plan_apply() applies and journals.
 *
 * Invariants: every write of a pass happens under the host's writer lock
 * (common/lock.h), taken before the host is read; a guest is decided at
 * most once (the seen list), except a guest not whole yet (a KVM guest
 * whose vCPU threads do not all exist, a Xen domain libxl is still
 * building), which is pending and decided once it is.
 */
#ifndef NP_WATCH_H
#define NP_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "numapin.h"
#include "policy.h"

/* ---- event sources ------------------------------------------------ */

/*
 * A source is a file descriptor the loop polls (fd, -1 when none) and/or
 * a period (interval_ms, 0 when none).  drain() is called when fd is
 * readable and tick() when a period has passed; each returns 1 when a
 * pass should look at the host, 0 when not, -errno when the source broke.
 */
struct np_watch_source {
    const char *name; /* "xenstore", "proc-connector", "scan" */
    int fd;
    unsigned int interval_ms;
    int (*drain)(struct np_watch_source *src);
    int (*tick)(struct np_watch_source *src);
    void (*close)(struct np_watch_source *src);
    /* NULL, or whether guest id is whole enough to be judged: on Xen,
     * libxl has introduced it to xenstore, which it does after it set the
     * affinities of the guest's configuration (a pass can see a domain
     * mid-build when another guest's event woke it). */
    bool (*ready)(struct np_watch_source *src, int id);
    void *priv;
    struct np_watch *w; /* the daemon, for the guests it knows */
    char desc[160];     /* for the start line */
};

/*
 * Open the event source of the backend ctx names (-c, or detected):
 * xenstore watches on Xen, the proc connector on KVM (a /proc scan every
 * interval_ms when it cannot be had: not root, a captured --root tree),
 * a scan of the file for the test backend.  0 or -errno with a sentence.
 */
/* Tests: the KVM source scans /proc even where process events work (a
 * test hook: only with CONFIG_TEST_HOOKS). */
#ifdef CONFIG_TEST_HOOKS
#define NP_WATCH_NO_EVENTS_ENV "NUMAPIN_TEST_NO_PROC_EVENTS"
#endif

int np_watch_source_open(struct np_watch *w, unsigned int interval_ms,
                         struct np_watch_source *src, struct np_err *err);
void np_watch_source_close(struct np_watch_source *src);

#ifdef CONFIG_XEN
int np_xen_watch_open(struct np_watch_source *src, struct np_err *err);
#endif

/* ---- the daemon's state ------------------------------------------- */

struct np_watch_seen {
    int id;
    uint64_t start_time; /* KVM: tells a reused pid apart */
    char *name;
    bool pending;          /* KVM: waiting for its vCPU threads */
    struct timespec first; /* when it was first seen */
    unsigned int nr_cpus;  /* what it was given, for the `gone` line */
    char *cpus;
};

struct np_watch {
    struct np_ctx *ctx;
    struct np_policy_file pol;
    const char *policy_path; /* NULL: the defaults */
    const char *state_dir;   /* NULL: np_plan_state_dir()'s */
    bool once;
    bool dry_run;
    bool json;
    int lock_wait_ms;
    unsigned int nr_seen;
    struct np_watch_seen *seen;
    struct np_watch_source *src; /* NULL with --once */
    bool first_pass;
    int sigfd;   /* signalfd of SIGTERM, SIGINT, SIGHUP */
    bool stop;   /* SIGTERM / SIGINT came */
    bool reload; /* SIGHUP came */
    unsigned int nr_placed, nr_left, nr_failed;
};

/*
 * One pass: take the lock, read the host, place every guest not seen
 * before, one after the other on one snapshot that carries the earlier
 * decisions, log one line per decision, release the lock.  Returns 0, 1
 * when some guest is pending (call again soon), or -errno when the host
 * could not be read or locked (logged; the loop goes on).
 */
int np_watch_pass(struct np_watch *w);

/*
 * watch_place.c.  Whether g is whole enough to be judged: a KVM guest has
 * all its vCPU threads (*want: how many it should have), a Xen domain is
 * introduced (*want 0).
 */
bool np_watch_guest_whole(struct np_watch *w, const struct np_guest *g,
                          unsigned int *want);

/* Decide for one new guest g (s: its entry of the seen list) and act:
 * leave it, or place it around reserved (NULL: none) and apply the plan,
 * logging one line.  0 (a guest left or not placed is logged, not an
 * error), or a negative errno. */
int np_watch_place_guest(struct np_watch *w, struct np_guest *g,
                         struct np_watch_seen *s,
                         const struct np_cpumap *reserved);

/* KVM: the host's root directory (--root, or -c kvm:ROOT); NULL: "/". */
const char *np_watch_kvm_root(const struct np_ctx *ctx);

/* Read the signals that came (non-blocking): sets stop / reload. */
void np_watch_signals(struct np_watch *w);

/* Free the seen list. */
void np_watch_dispose(struct np_watch *w);

/*
 * Log one line on stderr: "numapin watch: EVENT GUEST: TEXT", or with
 * --json one JSON object {"event": ..., "guest": ..., "id": ...,
 * "message": ...} (guest NULL: none).
 */
void np_watch_log(const struct np_watch *w, const char *event,
                  const char *guest, int id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif /* NP_WATCH_H */
