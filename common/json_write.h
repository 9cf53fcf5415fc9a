/*
 * json_write.h: JSON text written straight into a buffer, in the layout
 * json-c prints with JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
 * (two spaces an indent, "key": value, json-c's string escapes), so that
 * a file written this way is byte for byte the file json-c would have
 * written from the same tree.  For the writers on a live command's path
 * (the history record, a plan), where building a json-c tree, printing it
 * and freeing it cost more than the rest of the command's own work
 * (docs/design.md, "Where a live command's time goes").
 *
 *   struct np_jw w;
 *   np_jw_init(&w, true);
 *   np_jw_open(&w, '{');
 *   np_jw_key(&w, "id"); np_jw_int(&w, 7);
 *   np_jw_key(&w, "pins"); np_jw_open(&w, '[');
 *   np_jw_item(&w); np_jw_str(&w, "0-3");
 *   np_jw_close(&w); np_jw_close(&w);
 *   text = np_jw_finish(&w);   (malloc'd, "...\n"; NULL: out of memory)
 */
#ifndef NP_JSON_WRITE_H
#define NP_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NP_JW_MAX_DEPTH 16

struct np_jw {
    char *buf;
    size_t len, cap;
    bool oom;          /* an allocation failed: np_jw_finish() says NULL */
    bool escape_slash; /* "/" as "\/", as json-c does unless told not to */
    unsigned int depth;
    bool has[NP_JW_MAX_DEPTH];   /* the open container has a member */
    char close[NP_JW_MAX_DEPTH]; /* and the bracket that ends it */
};

/* json-c's escape of the byte c in a string ("\\n", "\\u0001", ...: e, 7
 * bytes, holds the \\u ones), or NULL when c stands as it is. */
const char *np_json_escape(unsigned char c, bool escape_slash, char e[7]);

void np_jw_init(struct np_jw *w, bool escape_slash);
/* '{' or '[' (a value: after np_jw_key() or np_jw_item(), or the top) */
void np_jw_open(struct np_jw *w, char c);
void np_jw_close(struct np_jw *w);
/* the next member of the open object, or item of the open array */
void np_jw_key(struct np_jw *w, const char *key);
void np_jw_item(struct np_jw *w);
void np_jw_str(struct np_jw *w, const char *s);
void np_jw_int(struct np_jw *w, int64_t v);
void np_jw_bool(struct np_jw *w, bool v);
/* text as it is (a number json-c keeps as written: a score's "1.50") */
void np_jw_raw(struct np_jw *w, const char *text);
/* The text and a newline, the buffer handed over; NULL when out of
 * memory (the buffer is freed either way). */
char *np_jw_finish(struct np_jw *w);

#endif /* NP_JSON_WRITE_H */
