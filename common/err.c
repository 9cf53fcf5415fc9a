/*
 * err.c: struct np_err helpers.
 */
#include <stdarg.h>
#include <stdio.h>

#include "np_err.h"

int np_err_set(struct np_err *err, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->msg[0])
        return rc;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return rc;
}

void np_err_clear(struct np_err *err)
{
    if (err)
        err->msg[0] = '\0';
}
