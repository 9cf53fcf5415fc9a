/*
 * np_err.h: the error sentence every layer of numapin can fill.
 *
 * Functions return 0 or a negative errno; when they fail they may also fill
 * an optional struct np_err with one lowercase sentence that a user can act
 * on ("cpu '9' does not exist: this host has cpus 0-7").  Passing NULL for
 * the np_err is always allowed.  Only the command line prints the sentence.
 */
#ifndef NP_ERR_H
#define NP_ERR_H

#define NP_ERR_MAX 512

struct np_err {
    char msg[NP_ERR_MAX];
};

/*
 * Fill err (when not NULL) with a printf-style message and return rc, so
 * that callers can write "return np_err_set(err, -EINVAL, ...);".
 * A message already set is kept: the first, innermost cause wins.
 */
int np_err_set(struct np_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clear a message so that it can be reused. */
void np_err_clear(struct np_err *err);

#endif /* NP_ERR_H */
