/*
 * str.c: the string helpers of str.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

char *np_str_dup(const char *s, int *rc)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *rc = -ENOMEM;
    return d;
}
