/*
 * backend.c: the dispatch layer over the backends' ops tables (see
 * backend.h).  One place says what "cannot" means: a missing op, or a
 * backend that cannot write; each write checks both before it calls the
 * backend.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"

void np_note_add(struct np_note *note, const char *fmt, ...)
{
    size_t len;
    va_list ap;

    if (!note)
        return;
    len = strlen(note->text);
    if (len) {
        if (len + 3 >= sizeof(note->text))
            return;
        memcpy(note->text + len, "; ", 3);
        len += 2;
    }
    va_start(ap, fmt);
    vsnprintf(note->text + len, sizeof(note->text) - len, fmt, ap);
    va_end(ap);
}

/* What each op does, for "the NAME backend cannot WHAT". */
static const char *op_text(enum np_op op)
{
    switch (op) {
    case NP_OP_READ_GUESTS:
        return "list guests";
    case NP_OP_SET_VCPU_AFFINITY:
        return "set the affinity of vcpus";
    case NP_OP_SET_NODE_AFFINITY:
        return "set a guest's node affinity";
    case NP_OP_MOVE_MEMORY:
        return "move memory that is already allocated";
    case NP_OP_SET_EMULATOR_AFFINITY:
        return "pin emulator threads: it has none";
    case NP_OP_SET_SCHED:
        return "set scheduler parameters";
    }
    return "do that";
}

bool np_backend_can(const struct np_backend *be, enum np_op op)
{
    const struct np_backend_ops *ops = be->ops;

    switch (op) {
    case NP_OP_READ_GUESTS:
        return ops->read_guests;
    case NP_OP_SET_VCPU_AFFINITY:
        return ops->set_vcpu_affinity;
    case NP_OP_SET_NODE_AFFINITY:
        return ops->set_node_affinity;
    case NP_OP_MOVE_MEMORY:
        return ops->move_memory;
    case NP_OP_SET_EMULATOR_AFFINITY:
        return ops->set_emulator_affinity;
    case NP_OP_SET_SCHED:
        return ops->set_sched;
    }
    return false;
}

int np_backend_check_op(const struct np_backend *be, enum np_op op,
                        struct np_err *err)
{
    if (np_backend_can(be, op))
        return 0;
    return np_err_set(err, -EOPNOTSUPP, "the %s backend cannot %s",
                      be->ops->name, op_text(op));
}

int np_backend_check_write(const struct np_backend *be, struct np_err *err)
{
    if (!be->ops->writes)
        return np_err_set(
            err, -EOPNOTSUPP,
            "the %s backend cannot change a host: use a live backend or -c test:FILE",
            be->ops->name);
    if (be->read_only)
        return np_err_set(
            err, -EROFS,
            "the %s backend reads a captured tree, not the live host: numapin changes only the host it runs on (root /)",
            be->ops->name);
    return 0;
}

/* The checks of every write: what the backend cannot do at all first,
 * then whether it can write now. */
static int write_op(struct np_backend *be, enum np_op op, bool soft,
                    struct np_note *note, struct np_err *err)
{
    int rc = np_backend_check_op(be, op, err);

    if (!rc && soft && !be->ops->soft_affinity)
        rc = np_err_set(err, -EOPNOTSUPP, "the %s backend has no soft affinity",
                        be->ops->name);
    if (!rc)
        rc = np_backend_check_write(be, err);
    if (note)
        note->text[0] = '\0';
    return rc;
}

int np_backend_read_host(struct np_backend *be, struct np_snapshot *snap,
                         unsigned int flags, struct np_err *err)
{
    return be->ops->read_host(be, snap, flags, err);
}

int np_backend_read_guests(struct np_backend *be, struct np_snapshot *snap,
                           unsigned int flags, struct np_err *err)
{
    int rc = np_backend_check_op(be, NP_OP_READ_GUESTS, err);

    return rc ? rc : be->ops->read_guests(be, snap, flags, err);
}

int np_backend_read_guest(struct np_backend *be, int id,
                          struct np_snapshot *snap, unsigned int flags,
                          struct np_err *err)
{
    int rc = np_backend_check_op(be, NP_OP_READ_GUESTS, err);

    if (rc)
        return rc;
    if (be->ops->read_guest)
        return be->ops->read_guest(be, id, snap, flags, err);
    return be->ops->read_guests(be, snap, flags, err);
}

void np_backend_check_vcpu(struct np_backend *be, const struct np_guest *g,
                           int vcpu, struct np_note *note)
{
    if (note)
        note->text[0] = '\0';
    if (be->ops->check_vcpu)
        be->ops->check_vcpu(be, g, vcpu, note);
}

int np_backend_set_vcpu_affinity(struct np_backend *be,
                                 const struct np_guest *g, int vcpu,
                                 const struct np_cpumap *hard,
                                 const struct np_cpumap *soft,
                                 unsigned int flags, struct np_note *note,
                                 struct np_err *err)
{
    int rc = write_op(be, NP_OP_SET_VCPU_AFFINITY, soft, note, err);

    if (rc)
        return rc;
    return be->ops->set_vcpu_affinity(be, g, vcpu, hard, soft, flags, note,
                                      err);
}

int np_backend_set_node_affinity(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *nodes,
                                 struct np_note *note, struct np_err *err)
{
    int rc = write_op(be, NP_OP_SET_NODE_AFFINITY, false, note, err);

    return rc ? rc : be->ops->set_node_affinity(be, g, nodes, note, err);
}

int np_backend_move_memory(struct np_backend *be, const struct np_guest *g,
                           const struct np_cpumap *from,
                           const struct np_cpumap *to, struct np_note *note,
                           struct np_err *err)
{
    int rc = write_op(be, NP_OP_MOVE_MEMORY, false, note, err);

    return rc ? rc : be->ops->move_memory(be, g, from, to, note, err);
}

int np_backend_set_emulator_affinity(struct np_backend *be,
                                     const struct np_guest *g,
                                     const struct np_cpumap *cpus,
                                     struct np_note *note, struct np_err *err)
{
    int rc = write_op(be, NP_OP_SET_EMULATOR_AFFINITY, false, note, err);

    return rc ? rc : be->ops->set_emulator_affinity(be, g, cpus, note, err);
}

int np_backend_set_sched(struct np_backend *be, const struct np_guest *g,
                         int cap, int weight, struct np_note *note,
                         struct np_err *err)
{
    int rc = write_op(be, NP_OP_SET_SCHED, false, note, err);

    return rc ? rc : be->ops->set_sched(be, g, cap, weight, note, err);
}

int np_backend_commit(struct np_backend *be, struct np_err *err)
{
    return be->ops->commit ? be->ops->commit(be, err) : 0;
}
