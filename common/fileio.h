/*
 * fileio.h: writing a file so that a crash leaves the old one or the new
 * one, never a mix.  Used for the test backend's host file, plans and
 * journals, and xl.cfg files.
 */
#ifndef NP_FILEIO_H
#define NP_FILEIO_H

#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

#include "np_err.h"

/* Pass as mode to keep the mode of the file being replaced (0644 when it
 * does not exist yet). */
#define NP_FILE_KEEP_MODE ((mode_t)-1)

/* The temporary files: PATH.np-tmp.PID.XXXXXX. */
#define NP_FILE_TMP_TAG ".np-tmp."

/*
 * Replace path with len bytes of data: a temporary file next to it
 * (PATH.np-tmp.PID.XXXXXX), written, fsync'd, renamed over path, then the
 * directory fsync'd.  Only what can be numapin's is replaced: path must
 * not exist or be a regular file with one link; a symbolic link (-ELOOP),
 * a device, FIFO, socket or directory (-EINVAL) and a file with other
 * hard links (-EMLINK) are refused, untouched.  An existing file keeps
 * its mode (mode is for a new one; NP_FILE_KEEP_MODE: 0644) and its owner
 * and group (-EPERM when they cannot be kept).  Temporary files left by a
 * writer of path that was killed are removed first.  Returns 0, or a
 * negative errno with "cannot write 'PATH': REASON" in err; the temporary
 * file is removed and path is untouched on failure.
 */
int np_file_write_atomic(const char *path, const char *data, size_t len,
                         mode_t mode, struct np_err *err);

/*
 * Read the whole of path into *buf_out (malloc'd, NUL-terminated, *len_out
 * bytes without the NUL): regular files only (a FIFO, a device or a
 * directory is refused without blocking on it), at most max bytes.
 * Returns 0, or a negative errno with "cannot read 'PATH': REASON" in
 * err (-EFBIG: larger than max; -EISDIR: a directory; -EINVAL: another
 * file that is not a regular file).
 */
#define NP_FILE_MAX (64u << 20) /* the cap of every file numapin reads */
int np_file_read_all(const char *path, size_t max, char **buf_out,
                     size_t *len_out, struct np_err *err);

/*
 * A new temporary file BASE TAG PID.XXXXXX (mkostemp(3), O_CLOEXEC, mode
 * 0600): returns its descriptor with its name (malloc'd) in *tmp_out, or
 * a negative errno with *tmp_out NULL.  The caller removes it.
 */
int np_file_mktemp(const char *base, const char *tag, char **tmp_out);

/* Write all len bytes of buf to fd (retrying short writes and EINTR):
 * 0 or a negative errno. */
int np_file_write_fd(int fd, const char *buf, size_t len);

/* fsync the directory holding path, so that a rename there is durable.
 * Best effort: errors are ignored. */
void np_file_sync_dir(const char *path);

/*
 * Put the temporary file *tmp (open as *fd, its data written) at path:
 * fsync'd and closed (*fd becomes -1), then renamed over path, or with
 * no_replace link()ed to it and unlinked (-EEXIST, path untouched, when
 * path exists); then the directory is fsync'd and *tmp freed and NULL.
 * 0 or a negative errno; on failure *tmp is the caller's to remove.
 */
int np_file_commit(int *fd, char **tmp, const char *path, bool no_replace);

/* The end of a write, whatever happened: fd closed (when >= 0) and the
 * temporary file tmp, when still there (not NULL), removed and freed. */
void np_file_discard(int fd, char *tmp);

#endif /* NP_FILEIO_H */
