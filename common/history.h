/*
 * history.h: the record of every change numapin makes to a host, the
 * thing `undo` reads.
 *
 * One history per state directory (the host's: /var/lib/numapin on a live
 * host, FILE.state/ for the test backend's FILE).  STATE/history/ holds
 * one file per change, NNNNNNNN.json (ids from 1, never reused):
 *
 *   1. before the first write, the writer takes the host's lock (lock.h),
 *      then np_history_begin(): the record, state "pending", with the
 *      state before the change (a journal, plan.h) and the plan being
 *      applied, is written to a temporary file, fsync'd and link(2)ed to
 *      its name, which fails rather than replace any file;
 *   2. the writer changes the host;
 *   3. np_history_end(): the record is rewritten (temporary file, fsync,
 *      rename, fsync of the directory) as "done", with what the host reads
 *      back afterwards, or "failed" when a rollback could not put
 *      everything back; or np_history_drop() removes it when the change
 *      was put back completely (or changed nothing): a change that did
 *      nothing leaves no record.
 *
 * A crash anywhere leaves either no record (nothing was written yet) or a
 * "pending" one (some writes may have been made): a writer that finds an
 * unfinished record (pending or failed: np_history_unfinished()) under the
 * lock refuses to change the host until `undo` has put that change back
 * (state "rolled-back").  Records are parsed and checked in full before
 * anything uses them; a damaged record is reported by name and never
 * replaced or removed.
 *
 * Undo is a change of its own: an undo record names the ids it reverts
 * ("reverts"); the changes that can still be undone (np_history_stack())
 * are the done ones that no later done undo reverts, newest first.
 *
 * The record, version 1:
 *
 *   { "numapin_history": 1, "id": 3, "state": "done",
 *     "time": "2026-12-02T02:10:00Z", "command": "vcpu-pin web 0 2",
 *     "user": "root", "uid": 0, "pid": 4242, "backend": "kvm",
 *     "host_id": "3d1219c7c4c5404aaa1f6d2a48adfda4",  (when the host has one)
 *     "reverts": [ 2 ],                          (undo records only)
 *     "before": { ...journal (plan.h)... },
 *     "after": { ...while pending: the plan; then the state read back... } }
 *
 * Before and after carry, per guest, every vCPU's maps and the node
 * affinity (and what the change touched beyond: emulator threads,
 * scheduler parameters), and, on KVM, the QEMU process's start time, so
 * that an undo never writes to another process that reuses the pid.
 *
 * "host_id" is the machine id of the host the change was made on (the
 * snapshot's, ident.h): a state directory can be shared or copied, and
 * undo refuses a record made on another host (np_hist_rec_check_host()).
 * Records without it (older numapin, a host without a machine id) are
 * undone as before.
 *
 * For the daemon (and any other writer): hold the lock, open the history,
 * and pass it to np_plan_apply() (plan.h) in np_apply_opts.history with a
 * command string ("watch: placed web"): apply records the change as above.
 *
 * Lifecycle: np_history_open() / np_history_free() (NULL-safe).  The
 * records returned are owned by the history and valid until it is freed
 * or reloaded.  Every function returns 0 or a negative errno and fills
 * err.  The caller holds the lock for every call that writes.
 */
#ifndef NP_HISTORY_H
#define NP_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "np_err.h"
#include "plan.h"

#define NP_HISTORY_VERSION 1
#define NP_HISTORY_DIR "history"

enum np_hist_state {
    NP_HIST_PENDING,     /* written before the change; being made or
                            interrupted */
    NP_HIST_DONE,        /* made; "after" is what the host read back */
    NP_HIST_FAILED,      /* a write failed and the rollback too */
    NP_HIST_ROLLED_BACK, /* an unfinished change that undo put back */
};

struct np_hist_rec {
    unsigned int id;
    enum np_hist_state state;
    int64_t time;  /* seconds since the epoch */
    char *command; /* the command line, as typed */
    char *user;    /* login name, or the uid as a number */
    long uid;
    long pid;                /* of the writer */
    char *backend;           /* may be NULL */
    char *host_id;           /* the host it was made on (ident.h's
                                host_id); NULL when unknown */
    unsigned int nr_reverts; /* an undo: the ids it reverts */
    unsigned int *reverts;
    struct np_plan before; /* a journal: the state before */
    struct np_plan after;  /* see above */
};

struct np_history;

/* "pending", "done", "failed", "rolled-back". */
const char *np_hist_state_name(enum np_hist_state s);

/*
 * Open the history of state_dir and read every record (each checked in
 * full).  The directory is created (0700) when missing and create is set;
 * otherwise a missing history is an empty one.  Returns 0, -EINVAL with
 * the damaged record named ("history record 'PATH' is damaged: ...", the
 * file is left alone), or another negative errno.  Stale temporary files
 * of records (a writer killed while writing one) are removed when create
 * is set (the caller holds the lock).
 */
int np_history_open(const char *state_dir, bool create,
                    struct np_history **h_out, struct np_err *err);
/*
 * For a writer that is not undo, under the lock: as np_history_open()
 * with create, but only the newest record is read and checked (the only
 * one that can be unfinished, and the one whose id the next record
 * follows), so that a write costs the same on a host with a long history
 * as on a new one.  Count, get, find and stack then see that record
 * alone: undo and `numapin history` open the whole history.
 */
int np_history_open_newest(const char *state_dir, struct np_history **h_out,
                           struct np_err *err);
void np_history_free(struct np_history *h);

/* The records, oldest first. */
unsigned int np_history_count(const struct np_history *h);
const struct np_hist_rec *np_history_get(const struct np_history *h,
                                         unsigned int i);
const struct np_hist_rec *np_history_find(const struct np_history *h,
                                          unsigned int id);

/* The newest record when it is pending or failed, else NULL. */
const struct np_hist_rec *np_history_unfinished(const struct np_history *h);

/*
 * The ids of the changes that can be undone, newest first: done records
 * that no later done undo record reverts (undo records themselves are
 * not undone: apply or pin again).  *ids_out is malloc'd (free()).
 * 0, -ENOMEM, or -EINVAL for a history opened with
 * np_history_open_newest().
 */
int np_history_stack(const struct np_history *h, unsigned int **ids_out,
                     unsigned int *nr_out);

/* Whether r is a done relocation: one guest, moved to a new id under
 * its name (numatune --migrate on Xen, and the undo of one). */
bool np_hist_rec_is_relocation(const struct np_hist_rec *r);

/*
 * Was r made on the host whose id is host_id?  0 when it was, or when
 * either id is unknown (a record of an older numapin, a host without a
 * machine id); else -EXDEV with one sentence naming both ids.
 */
int np_hist_rec_check_host(const struct np_hist_rec *r, const char *host_id,
                           struct np_err *err);

/*
 * Record a change before it is made: a new pending record with the next
 * id, command (the command line), the current user and pid, the host's
 * id (host_id, ident.h; NULL when it has none), before (a journal) and
 * after (the plan applied), and for an undo the ids it reverts.  Sets
 * *id_out.  Refuses (-EBUSY, one sentence naming it) while
 * a record is unfinished.  The record is durable when this returns 0.
 */
int np_history_begin(struct np_history *h, const char *command,
                     const char *backend, const char *host_id,
                     const struct np_plan *before, const struct np_plan *after,
                     const unsigned int *reverts, unsigned int nr_reverts,
                     unsigned int *id_out, struct np_err *err);

/*
 * End record id: state DONE (after, when not NULL, replaces the record's
 * "after": what the host reads back), FAILED, or ROLLED_BACK.  Durable
 * when it returns 0.
 */
int np_history_end(struct np_history *h, unsigned int id,
                   enum np_hist_state state, const struct np_plan *after,
                   struct np_err *err);

/* Remove pending record id: the change was put back completely or made
 * nothing.  0 or a negative errno. */
int np_history_drop(struct np_history *h, unsigned int id, struct np_err *err);

/* The guests a record concerns, "web, db" (at most max bytes, "..." when
 * cut), for listings. */
void np_hist_rec_guests(const struct np_hist_rec *r, char *buf, size_t max);

/* Write the history as JSON (`numapin history --json`): one object,
 * { "history": [ { "id", "state", "time", "command", "user", "guests",
 * "reverts" } ], "undoable": [ ids ] }.  *json_out malloc'd.  0 or
 * -ENOMEM. */
int np_history_write_json(const struct np_history *h, char **json_out);

/* Format t as "2026-12-02T02:10:00Z" into buf (at least 21 bytes). */
void np_hist_time(int64_t t, char *buf, size_t size);

#endif /* NP_HISTORY_H */
