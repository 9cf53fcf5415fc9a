/*
 * lock.h: the one writer lock of a host.
 *
 * Every numapin command that changes a host, and the daemon (`watch`)
 * for each decision it applies, hold this lock from the moment they read
 * the host they will change until their record of the change is durable,
 * so that no update is lost between two writers.  Readers never take it.
 *
 * The lock is an flock(2) on STATE_DIR/lock, a file numapin owns: it is
 * released by the kernel when the holder exits or is killed, so a crash
 * never leaves a stale lock.  The holder writes its pid into the file so
 * that a waiting writer can name it ("the host is being changed by
 * process 1234 (numapin apply); try again when it ends").
 *
 * Invariants: a struct np_lock is either released (fd == -1) or held;
 * np_lock_release() is idempotent.  Taking a lock already held by this
 * process through another struct np_lock blocks like any other writer
 * (flock locks are per open file description): take it once per command.
 *
 * Worked example:
 *
 *     struct np_lock lk = NP_LOCK_INIT;
 *     rc = np_lock_take(&lk, state_dir, NP_LOCK_WAIT_DEFAULT_MS,
 *                       "vcpu-pin", &err);
 *     if (rc) goto out;          err says who holds it
 *     ... read the host, change it, record the change ...
 *   out:
 *     np_lock_release(&lk);
 */
#ifndef NP_LOCK_H
#define NP_LOCK_H

#include "np_err.h"

/* How long a second writer waits by default before it gives up. */
#define NP_LOCK_WAIT_DEFAULT_MS 10000
/* The file under the state directory. */
#define NP_LOCK_FILE "lock"

struct np_lock {
    int fd; /* -1: not held */
};

#define NP_LOCK_INIT                                                           \
    {                                                                          \
        -1                                                                     \
    }

/*
 * Take the writer lock of state_dir (created, mode 0700, when missing),
 * waiting up to wait_ms milliseconds (0: do not wait; < 0: wait for
 * ever).  what names the holder's command for the message another writer
 * sees.  Returns 0 with the lock held; -EBUSY when another process still
 * holds it after wait_ms ("another numapin (pid N, COMMAND) is changing
 * this host; ..." in err); another negative errno when the state
 * directory or the lock file cannot be made or is not numapin's (a
 * symlink, a non-regular file).
 */
int np_lock_take(struct np_lock *lk, const char *state_dir, int wait_ms,
                 const char *what, struct np_err *err);

/* Release the lock (idempotent). */
void np_lock_release(struct np_lock *lk);

#endif /* NP_LOCK_H */
