/*
 * plan_apply.h: applying a plan (common/plan.h) to a host through the
 * backend ops table, with a journal, and undoing the last apply.  The
 * only part of plans that needs a backend.
 */
#ifndef NP_PLAN_APPLY_H
#define NP_PLAN_APPLY_H

#include <stdbool.h>

#include "backend.h"
#include "np_err.h"
#include "plan.h"
#include "snapshot.h"

/* The state directory: the journal of the last apply lives here. */
#define NP_STATE_DIR_DEFAULT "/var/lib/numapin"
#define NP_STATE_DIR_ENV "NUMAPIN_STATE_DIR"
#define NP_JOURNAL_PENDING "apply.json" /* written before an apply */
#define NP_JOURNAL_UNDO "undo.json"     /* the last apply's previous state */

struct np_apply_opts {
    const char *state_dir;   /* NULL: $NUMAPIN_STATE_DIR, else the default */
    bool move_memory;        /* move memory when the backend can */
    bool no_journal;         /* rollback only, no file (undo's own apply
                                still writes one: leave false) */
    /* Called before each guest (done of total); NULL: none.  The command
     * line's progress line. */
    void (*progress)(unsigned int done, unsigned int total);
};

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
};

/*
 * Apply plan to the host behind be, whose current state is snap (read just
 * before).  First the journal (np_plan_journal()) is written to
 * STATE/apply.json, atomically; then, guest by guest, every vCPU's maps are
 * set one at a time, then the node affinity, then (opts->move_memory and
 * the backend has NP_CAP_MOVE_MEMORY) the memory is moved to the nodes of
 * the plan; each guest is read back (read_guests) and compared.  On the
 * first failure every change already made is undone from the journal,
 * newest first, and apply.json is removed: nothing is half applied.  On
 * success apply.json becomes STATE/undo.json, what np_plan_undo() reads.
 *
 * Returns 0; -EINVAL / -ESRCH from np_plan_check(); or the failing step's
 * errno with err naming it (report->rolled_back says the host is as it
 * was; report->rollback_failed says it is not and undo.json holds the
 * journal).  report may be NULL.
 */
int np_plan_apply(struct np_backend *be, const struct np_snapshot *snap,
                  const struct np_plan *plan, const struct np_apply_opts *opts,
                  struct np_apply_report *report, struct np_err *err);

/*
 * Undo the last apply: read STATE/undo.json (or STATE/apply.json, when an
 * apply was interrupted) and apply it as above; the journal of this apply
 * becomes the new undo.json, so a second undo re-applies the plan.
 * Returns as np_plan_apply(), and -ENOENT when there is nothing to undo.
 */
int np_plan_undo(struct np_backend *be, const struct np_snapshot *snap,
                 const struct np_apply_opts *opts,
                 struct np_apply_report *report, struct np_err *err);

/* The state directory opts (or the environment) names; never NULL. */
const char *np_plan_state_dir(const struct np_apply_opts *opts);

#endif /* NP_PLAN_APPLY_H */
