/*
 * history_int.h: what history.c (the directory of records, begin/end,
 * the undo stack) and history_rec.c (one record's format) share.  Not
 * for use outside common/history*.c.
 */
#ifndef NP_HISTORY_INT_H
#define NP_HISTORY_INT_H

#include <stddef.h>

#include "history.h"

/* Empty record (idempotent); _dispose frees what it holds and empties it. */
void np_hist_rec_init(struct np_hist_rec *r);
void np_hist_rec_dispose(struct np_hist_rec *r);

/*
 * Parse buf (len bytes, the file path) into r, which is initialised.
 * Everything is checked: the version, known keys only, no duplicate key,
 * want_id as 'id', a known state, a UTC time, 'before' a journal.
 * Returns 0, or -EINVAL with err naming path and what is wrong (r then
 * holds what was parsed so far: np_hist_rec_dispose() it), or -ENOMEM.
 */
int np_hist_rec_parse(const char *buf, size_t len, const char *path,
                      unsigned int want_id, struct np_hist_rec *r,
                      struct np_err *err);

/* r as its file's text (malloc'd, newline-terminated) in *out; 0 or <0. */
int np_hist_rec_json(const struct np_hist_rec *r, char **out,
                     struct np_err *err);

#endif
