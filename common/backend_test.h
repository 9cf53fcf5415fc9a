/*
 * backend_test.h: the test backend, a host kept in a JSON snapshot file
 * (like libvirt's test:///default driver).
 *
 * open(arg = path of a snapshot in the fmt_json.h schema) loads the file;
 * read_host and read_guests give it to the caller's snapshot (backend
 * "test", topo.source "test backend: FILE"): a copy, except the first
 * read_guests of a command, which hands the guests themselves over (the
 * file still holds them: the first write reads them back from it, so a
 * thousand guests are not copied to be read once).  Every change
 * (set_vcpu_affinity, set_node_affinity, move_memory) is validated, made on
 * the in-memory snapshot and written back to the file atomically (temporary
 * file in the same directory, fsync, rename), so that a sequence of numapin
 * commands sees one host that remembers.  When the write fails, neither the
 * file nor the in-memory snapshot changes.
 *
 * What the writes do, as a live host would:
 *  - set_vcpu_affinity: hard and/or soft replaced; a vCPU whose cpu is no
 *    longer in its hard map moves to the first CPU of hard and soft
 *    together, or of hard alone when they do not meet;
 *  - set_node_affinity: nodes, or every node of the host when NULL (auto);
 *  - move_memory: the guest's memory on the nodes of from that are not in
 *    to goes to the nodes of to, filling them in id order as far as their
 *    free memory goes, else -ENOSPC; nodes' free_kib follow.
 *
 * With be->batch set before open, the writes change the in-memory
 * snapshot only and commit writes the file once (the command line's
 * mode: apply of a thousand guests is one rewrite); a commit that fails
 * leaves the file as it was before the command.
 *
 * Validation errors are -EINVAL with a sentence: guest unknown (by id),
 * vCPU unknown, empty map, a CPU or node the host does not have.
 *
 * Failure injection, for apply/rollback tests: writes are counted from 0
 * (a write is a call that passed validation); with fail_after = n, write
 * number n (the n+1th) fails once with -EIO and changes nothing, the
 * writes before and after it succeed.  Set it with
 * np_test_backend_fail_after(), or for a whole command with the
 * environment variable NUMAPIN_TEST_FAIL_AFTER=n, read by open.
 * NUMAPIN_TEST_FULL_AFTER=n makes write n and every one after it fail
 * (-ENOSPC), as a disk that fills: the rollback's writes fail too.
 * NUMAPIN_TEST_KILL_AFTER=n kills the process (SIGKILL) before write n,
 * as `kill -9` would in the middle of a command; NUMAPIN_TEST_SLOW_MS=m
 * sleeps m ms before each write (a long command, for the lock tests).
 * The environment variables are test hooks: a build without
 * CONFIG_TEST_HOOKS (what `make install` and the package ship) ignores
 * them; np_test_backend_fail_after() stays.
 */
#ifndef NP_BACKEND_TEST_H
#define NP_BACKEND_TEST_H

#include "backend.h"

extern const struct np_backend_ops np_test_ops;

#define NP_TEST_FAIL_AFTER_ENV "NUMAPIN_TEST_FAIL_AFTER"
#define NP_TEST_KILL_AFTER_ENV "NUMAPIN_TEST_KILL_AFTER"
#define NP_TEST_FULL_AFTER_ENV "NUMAPIN_TEST_FULL_AFTER"
#define NP_TEST_SLOW_ENV "NUMAPIN_TEST_SLOW_MS"
/* Set (to anything): the host moves a guest's memory as Xen does, by a
 * copy of the guest (relocate, backend.h) and not by move_memory: the
 * copy gets the next free id, node affinity nodes and the maps given, and
 * its memory from the nodes in equal shares (a full node's share goes to
 * the others of nodes, then to any node); the original's memory is freed.
 * For the undo of numatune --migrate without a Xen host.  A test hook:
 * only with CONFIG_TEST_HOOKS. */
#define NP_TEST_RELOCATE_ENV "NUMAPIN_TEST_RELOCATE"
/* Set (to anything): no batch mode, one rewrite per write, as before;
 * tests/bench/apply-many's baseline. */
#define NP_TEST_UNBATCHED_ENV "NUMAPIN_TEST_UNBATCHED"

/*
 * Make write number n (counted from 0, from now on) fail with -EIO; n < 0
 * turns failure injection off.  be must be an open test backend.  Returns
 * 0, or -EINVAL when be is not one.
 */
int np_test_backend_fail_after(struct np_backend *be, int n);

#endif /* NP_BACKEND_TEST_H */
