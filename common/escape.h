/*
 * escape.h: text that reaches a terminal, made safe.
 *
 * Guest names, thread names, user names and file contents are chosen by
 * other users (on KVM any local user names a QEMU process); printed raw,
 * a newline forges an output line and an escape sequence drives the
 * terminal.  Everything numapin prints that it did not write itself goes
 * through np_escape(): printable ASCII and valid UTF-8 stay as they are;
 * control characters (C0, DEL, C1), invalid UTF-8 and the backslash become
 * "\n", "\t", "\\" or "\xNN", so that the output is one line per record
 * and reversible.
 */
#ifndef NP_ESCAPE_H
#define NP_ESCAPE_H

#include <stdbool.h>
#include <stdio.h>

/* The escaped form of s (NULL prints as ""), malloc'd (free()); NULL only
 * when out of memory. */
char *np_escape(const char *s);

/*
 * A name as numapin keeps it (guest names, from any backend): as
 * np_escape() but a backslash stays one, so that escaping again changes
 * nothing (a name read back from numapin's own JSON is the same name).
 */
char *np_escape_name(const char *s);

/* Print s escaped to f. */
void np_escape_print(FILE *f, const char *s);

/* The escaped form of s in buf (size bytes, cut and NUL-terminated),
 * for messages; returns buf. */
const char *np_escape_buf(const char *s, char *buf, size_t size);

#endif /* NP_ESCAPE_H */
