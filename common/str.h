/*
 * str.h: the string helpers the rooms of common/ share.
 */
#ifndef NP_STR_H
#define NP_STR_H

/*
 * A malloc'd copy of s (free() it), NULL for NULL.  Out of memory it
 * returns NULL and sets *rc to -ENOMEM, so that a copy of many fields
 * checks once at the end: the fields copied before stay owned by the
 * caller.
 */
char *np_str_dup(const char *s, int *rc);

#endif /* NP_STR_H */
