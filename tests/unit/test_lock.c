/*
 * test_lock.c: the writer lock (common/lock.h): held by one process at a
 * time, the waiting one told who holds it, released by the kernel when
 * the holder dies, never on a file that is not numapin's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "np_test.h"

static char *scratch(void)
{
    char *d = strdup("/tmp/np-test-lock-XXXXXX");

    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

static void cleanup(const char *d)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/state/lock", d);
    unlink(p);
    snprintf(p, sizeof(p), "%s/state", d);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/link", d);
    unlink(p);
    rmdir(d);
}

/* In a child: try the lock without waiting; exit 0 when taken, 1 when
 * busy with the holder named in the message, 2 otherwise. */
static int try_in_child(const char *state, int wait_ms, const char *want)
{
    pid_t pid = fork();
    int status;

    ck_assert_int_ge(pid, 0);
    if (!pid) {
        struct np_lock lk = NP_LOCK_INIT;
        struct np_err err = {""};
        int rc = np_lock_take(&lk, state, wait_ms, "child", &err);

        if (!rc)
            _exit(0);
        _exit(rc == -EBUSY && strstr(err.msg, want) ? 1 : 2);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

START_TEST(one_holder)
{
    char *d = scratch(), state[256], want[300], buf[128];
    struct np_lock lk = NP_LOCK_INIT;
    struct np_err err = {""};
    struct stat st;
    FILE *f;

    snprintf(state, sizeof(state), "%s/state", d);
    ck_assert_int_eq(np_lock_take(&lk, state, 0, "unit", &err), 0);
    ck_assert_int_ge(lk.fd, 0);
    /* made 0700, a regular file named lock, the holder written in it */
    ck_assert_int_eq(stat(state, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);
    snprintf(want, sizeof(want), "%s/lock", state);
    f = fopen(want, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    snprintf(want, sizeof(want), "pid %ld, unit\n", (long)getpid());
    ck_assert_str_eq(buf, want);
    /* another process is refused, told who holds it */
    snprintf(want, sizeof(want),
             "another numapin (pid %ld, unit) is changing this host",
             (long)getpid());
    ck_assert_int_eq(try_in_child(state, 0, want), 1);
    ck_assert_int_eq(try_in_child(state, 100, "gave up after 100 ms"), 1);
    np_lock_release(&lk);
    np_lock_release(&lk); /* idempotent */
    ck_assert_int_eq(lk.fd, -1);
    ck_assert_int_eq(try_in_child(state, 0, ""), 0);
    cleanup(d);
    free(d);
}
END_TEST

/* The kernel drops the lock of a holder killed with SIGKILL; a writer
 * that waits gets it then. */
START_TEST(holder_killed)
{
    char *d = scratch(), state[256];
    struct np_lock lk = NP_LOCK_INIT;
    struct np_err err = {""};
    int pipefd[2], status;
    pid_t pid;
    char c;

    snprintf(state, sizeof(state), "%s/state", d);
    ck_assert_int_eq(pipe(pipefd), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (!pid) {
        struct np_lock held = NP_LOCK_INIT;

        if (np_lock_take(&held, state, 0, "holder", NULL))
            _exit(2);
        if (write(pipefd[1], "x", 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
    ck_assert_int_eq(np_lock_take(&lk, state, 0, "unit", &err), -EBUSY);
    ck_assert_msg(strstr(err.msg, "holder"), "%s", err.msg);
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    np_err_clear(&err);
    ck_assert_msg(np_lock_take(&lk, state, 2000, "unit", &err) == 0, "%s",
                  err.msg);
    np_lock_release(&lk);
    close(pipefd[0]);
    close(pipefd[1]);
    cleanup(d);
    free(d);
}
END_TEST

/* A lock file that is a symbolic link (to a file of someone else's) is
 * refused, never opened through. */
START_TEST(not_ours)
{
    char *d = scratch(), state[256], link[256], target[256];
    struct np_lock lk = NP_LOCK_INIT;
    struct np_err err = {""};
    FILE *f;

    snprintf(state, sizeof(state), "%s/state", d);
    snprintf(link, sizeof(link), "%s/state/lock", d);
    snprintf(target, sizeof(target), "%s/link", d);
    ck_assert_int_eq(mkdir(state, 0700), 0);
    f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fputs("precious\n", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_lt(np_lock_take(&lk, state, 0, "unit", &err), 0);
    ck_assert_msg(strstr(err.msg, "it is a symbolic link"), "%s", err.msg);
    ck_assert_int_eq(lk.fd, -1);
    f = fopen(target, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(state, sizeof(state), f));
    fclose(f);
    ck_assert_str_eq(state, "precious\n");
    cleanup(d);
    free(d);
}
END_TEST

Suite *suite_test_lock(void);
Suite *suite_test_lock(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("lock");

    tcase_add_test(tc, one_holder);
    tcase_add_test(tc, holder_killed);
    tcase_add_test(tc, not_ours);
    suite_add_tcase(s, tc);
    return s;
}
