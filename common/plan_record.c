/*
 * plan_record.c: the history record of a change a command makes itself
 * (plan.h: np_plan_record_begin() / np_plan_record_end()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "plan_apply.h"

int np_plan_record_begin(struct np_history *h, const char *command,
                         const struct np_snapshot *snap,
                         const struct np_plan *plan, unsigned int *id_out,
                         struct np_err *err)
{
    struct np_plan journal;
    int rc;

    *id_out = 0;
    rc = np_plan_journal(snap, plan, &journal, err);
    if (rc)
        return rc;
    rc = np_history_begin(h, command, snap->backend, snap->ident.host_id,
                          &journal, plan, NULL, 0, id_out, err);
    np_plan_dispose(&journal);
    return rc;
}

int np_plan_record_end(struct np_history *h, unsigned int id,
                       struct np_backend *be, const struct np_snapshot *snap,
                       const struct np_plan *plan, int result,
                       struct np_err *err)
{
    struct np_plan after;
    int rc;

    if (result == 1)
        return np_history_drop(h, id, err);
    if (result != 0)
        return np_history_end(h, id, NP_HIST_FAILED, NULL, err);
    if (be->ops->commit) {
        rc = np_backend_commit(be, err);
        if (rc) {
            np_history_drop(h, id, NULL); /* all or nothing: nothing */
            return rc;
        }
    }
    np_plan_init(&after);
    /* when the host cannot be read back, the plan stays as "after" */
    if (np_plan_read_after(be, snap, plan, &after, NULL))
        np_plan_dispose(&after);
    rc = np_history_end(h, id, NP_HIST_DONE, after.nr_cpu_ids ? &after : NULL,
                        err);
    np_plan_dispose(&after);
    return rc;
}
