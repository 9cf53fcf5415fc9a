/*
 * rootfs.h: reading the files of a Linux host relative to its root
 * directory (a directory file descriptor, "/" or a captured tree), with
 * openat(), never by an absolute path.
 */
#ifndef NP_ROOTFS_H
#define NP_ROOTFS_H

#include <stddef.h>

/* The largest file np_rootfs_read() reads. */
#define NP_ROOTFS_MAX_FILE (16u << 20)

/*
 * Read rel under rootfd into a NUL-terminated heap buffer *text_out (the
 * file may hold NULs: *len_out, when not NULL, says how long it is; the
 * caller frees the buffer).  Returns 0, -EFBIG (larger than
 * NP_ROOTFS_MAX_FILE) or the -errno of openat/read; no sentence.
 */
int np_rootfs_read(int rootfd, const char *rel, char **text_out,
                   size_t *len_out);

#endif /* NP_ROOTFS_H */
