/*
 * rootfs.h: reading the files of a Linux host relative to its root
 * directory (a directory file descriptor, "/" or a captured tree), with
 * openat(), never by an absolute path.
 */
#ifndef NP_ROOTFS_H
#define NP_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "cpumap.h"
#include "fileio.h"
#include "np_err.h"

/*
 * openat(rootfd, rel) that never leaves the root: openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (a symlink out of a captured
 * tree, to /etc/shadow say, gives -EXDEV), O_NONBLOCK, and for anything
 * but a directory a regular file only (-EINVAL for a FIFO or device).
 * Returns the fd or a negative errno.
 */
int np_rootfs_openat(int rootfd, const char *rel, int flags);

/* The largest file the np_rootfs readers read: the cap of fileio.h. */
#define NP_ROOTFS_MAX_FILE NP_FILE_MAX

/*
 * Read rel under rootfd into a NUL-terminated heap buffer *text_out (the
 * file may hold NULs: *len_out, when not NULL, says how long it is; the
 * caller frees the buffer).  Regular files only, opened without
 * blocking (-EINVAL for a FIFO, a device, a directory).  Returns 0,
 * -EFBIG (larger than NP_ROOTFS_MAX_FILE) or the -errno of openat/read;
 * no sentence.
 */
int np_rootfs_read(int rootfd, const char *rel, char **text_out,
                   size_t *len_out);

/*
 * The family with sentences: a root (its fd and its name as the user gave
 * it, for messages) and the np_err that every failure fills, naming the
 * file as "ROOT/rel".  "optional": a missing file gives -ENOENT and no
 * sentence.
 */
struct np_rootfs {
    int rootfd;
    const char *root; /* as given, for messages */
    struct np_err *err;
};

/* "ROOT/rel", as the user would type it, in buf. */
const char *np_rootfs_where(const struct np_rootfs *r, const char *rel,
                            char *buf, size_t size);

/* A short printable copy of text for a message: newlines shown as "\n",
 * cut after 40 characters. */
const char *np_rootfs_show(const char *text, char *buf, size_t size);

/* Read ROOT/rel, a text file (no NUL byte), into *text_out (free() it).
 * 0 or -errno with a sentence. */
int np_rootfs_read_text(const struct np_rootfs *r, const char *rel,
                        bool optional, char **text_out);

/* Drop the one trailing newline that sysfs values end with. */
void np_rootfs_chomp(char *text);

/* Parse a decimal number at *p, advancing *p.  0, -EINVAL (no digit) or
 * -ERANGE. */
int np_rootfs_parse_num(const char **p, unsigned long *value_out);

/* Read an id list ("", "3", "0-3,8,10-11", every id below limit) into map
 * (allocated to limit bits). */
int np_rootfs_read_list(const struct np_rootfs *r, const char *rel,
                        unsigned int limit, bool optional,
                        struct np_cpumap *map);

/* Read a file holding one integer, -1 or more. */
int np_rootfs_read_int(const struct np_rootfs *r, const char *rel,
                       bool optional, int *value_out);

/*
 * Before a captured tree is handed to hwloc (which reads it by path,
 * following links wherever they lead): every symbolic link under
 * ROOT/sys, /proc, /run and /var must resolve beneath the root
 * (openat2 RESOLVE_BENEATH; a dangling link is harmless).  A bounded walk
 * (at most 500,000 entries, 48 directories deep) that never follows a
 * link.  Returns 0; -EXDEV with "cannot read 'ROOT/rel': it is a link
 * that leads out of the root directory" (also for a loop or a magic
 * link); -EFBIG or -ELOOP for a tree too large or too deep; -ENOSYS
 * without openat2 (no sentence: the caller then leaves hwloc out).
 */
int np_rootfs_check_links(const struct np_rootfs *r);

#endif /* NP_ROOTFS_H */
