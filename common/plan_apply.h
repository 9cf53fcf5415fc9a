/*
 * plan_apply.h: applying a plan (common/plan.h) to a host through the
 * backend ops table, recorded in the host's history (history.h), and
 * undoing changes from that history.  The only part of plans that needs a
 * backend.
 */
#ifndef NP_PLAN_APPLY_H
#define NP_PLAN_APPLY_H

#include <stdbool.h>

#include "backend.h"
#include "np_err.h"
#include "plan.h"
#include "snapshot.h"

/* The state directory: the host's lock and history (history.h). */
#define NP_STATE_DIR_DEFAULT "/var/lib/numapin"
#define NP_STATE_DIR_ENV "NUMAPIN_STATE_DIR"

struct np_history;

struct np_apply_opts {
    const char *state_dir;       /* NULL: $NUMAPIN_STATE_DIR, else the default;
                                    used when history is NULL */
    bool move_memory;            /* move memory when the backend can */
    bool no_journal;             /* no history record (rollback only): undo's
                                    rollback of an unfinished change */
    struct np_history *history;  /* the open history (the caller holds the
                                    lock); NULL: opened at state_dir */
    const char *command;         /* what the record names ("vcpu-pin web 0 2",
                                    "watch: placed web"); NULL: "apply" */
    const unsigned int *reverts; /* an undo: the ids it reverts */
    unsigned int nr_reverts;
    bool always_record;       /* record even when nothing changes (undo) */
    unsigned int write_flags; /* NP_WRITE_* (backend.h): vcpu-pin -f */
    /* Called before each guest (done of total); NULL: none.  The command
     * line's progress line. */
    void (*progress)(unsigned int done, unsigned int total);
    /* Called with each note of the backend (backend.h) about a write of
     * the plan; NULL: the first is kept in the report. */
    void (*note)(const char *note);
};

/*
 * What a read of plan's guests, for applying it and reading them back,
 * may leave out (NP_READ_* of backend.h): their devices always, their
 * scheduler parameters unless the plan sets them.  Neither is written or
 * journaled then.
 */
unsigned int np_plan_read_flags(const struct np_plan *plan);

/* What an apply did, for the command to report. */
struct np_apply_report {
    unsigned int nr_steps;       /* writes made (before any rollback) */
    unsigned int nr_guests;      /* guests changed */
    unsigned int nr_moved;       /* guests whose memory was moved */
    bool memory_not_moved;       /* the backend cannot move memory */
    bool rolled_back;            /* a step failed and every change was
                                    undone */
    bool rollback_failed;        /* ... and some could not be: run undo */
    char failed[NP_ERR_MAX];     /* the step that failed, when one did */
    unsigned int history_id;     /* the record of the change; 0: none (a
                                    no-op, or put back) */
    unsigned int rolled_back_id; /* undo: the unfinished change put back */
    char note[NP_ERR_MAX];       /* the backend's first note (backend.h) */
};

/*
 * Apply plan to the host behind be, whose current state is snap (read just
 * before, under the host's lock).  Nothing is written when the plan
 * changes nothing (the vCPU maps, node affinity, emulator threads and
 * scheduler parameters are already as it says): no write, no record.
 * Otherwise the change is recorded first (np_history_begin(): the journal,
 * np_plan_journal(), and the plan), then, guest by guest, the node
 * affinity, each vCPU's maps that differ, one at a time, the emulator
 * threads and scheduler parameters, then (opts->move_memory and the
 * backend has move_memory) the memory is moved to the nodes of the
 * plan; each guest is read back (read_guests) and compared.  On the first
 * failure every change already made is undone from the journal, newest
 * first, and the record removed: nothing is half applied.  On success the
 * record is finished with what the host reads back.
 *
 * Returns 0; -EINVAL / -ESRCH from np_plan_check(); -EBUSY when the
 * history holds a change that did not finish; or the failing step's errno
 * with err naming it (report->rolled_back says the host is as it was;
 * report->rollback_failed says it is not and the record, state "failed",
 * is what `undo` puts back).  report may be NULL.
 */
int np_plan_apply(struct np_backend *be, const struct np_snapshot *snap,
                  const struct np_plan *plan, const struct np_apply_opts *opts,
                  struct np_apply_report *report, struct np_err *err);

/*
 * What `undo` would do (common/plan_undo.c).  When the newest change did
 * not finish (pending: interrupted; failed: its rollback failed), that
 * change alone, whatever count says: *unfinished_out is set and the plan
 * puts back everything it may have written.  Otherwise the newest count
 * changes that can be undone (np_history_stack(); count 0 means 1), or,
 * when to_id is not 0, every one from the newest down to and including
 * to_id.  Each is checked against the host: what the change set must
 * still be what snap reads (after the newer ones are reverted), else
 * -ESTALE with a sentence naming the change, the guest, the vCPU and both
 * maps.  merged_out (initialised here) is one journal putting back, for
 * every element these changes set, the oldest "before"; *ids_out
 * (malloc'd) the ids reverted, newest first.  -ENOENT when there is
 * nothing to undo.
 */
int np_plan_undo_prepare(const struct np_history *h,
                         const struct np_snapshot *snap, unsigned int count,
                         unsigned int to_id, struct np_plan *merged_out,
                         unsigned int **ids_out, unsigned int *nr_out,
                         bool *unfinished_out, struct np_err *err);

/*
 * Undo as np_plan_undo_prepare() says, through np_plan_apply(): an
 * unfinished change is put back without a new record and marked
 * "rolled-back"; done changes are reverted by a new record ("undo",
 * reverts = their ids).  opts->history must be set (the caller holds the
 * lock).  Returns as np_plan_apply() and np_plan_undo_prepare().
 */
int np_plan_undo(struct np_backend *be, const struct np_snapshot *snap,
                 unsigned int count, unsigned int to_id,
                 const struct np_apply_opts *opts,
                 struct np_apply_report *report, struct np_err *err);

/*
 * For a writer that changes the host itself rather than through
 * np_plan_apply() (numatune --migrate, vcpu-pin -f): record plan's change
 * before making it (the journal of snap and the plan, as apply does), then
 * end the record: result 0 (done: what be reads back becomes "after"),
 * 1 (nothing was changed: the record is removed) or 2 (partly changed: the
 * record stays, "failed", for undo).  Both return 0 or a negative errno
 * with err filled (begin: -EBUSY while a change is unfinished).
 */
int np_plan_record_begin(struct np_history *h, const char *command,
                         const struct np_snapshot *snap,
                         const struct np_plan *plan, unsigned int *id_out,
                         struct np_err *err);
int np_plan_record_end(struct np_history *h, unsigned int id,
                       struct np_backend *be, const struct np_snapshot *snap,
                       const struct np_plan *plan, int result,
                       struct np_err *err);

/* What the host behind be reads now for the guests of plan, as a journal
 * (after_out initialised here).  0 or a negative errno. */
int np_plan_read_after(struct np_backend *be, const struct np_snapshot *snap,
                       const struct np_plan *plan, struct np_plan *after_out,
                       struct np_err *err);

/* The state directory opts (or the environment) names; never NULL. */
const char *np_plan_state_dir(const struct np_apply_opts *opts);

#endif /* NP_PLAN_APPLY_H */
