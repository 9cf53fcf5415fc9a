/*
 * err.c: struct np_err helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "np_err.h"

/*
 * Keep the sentence on one line whatever it quotes (a token typed by the
 * user, a parser's message): trailing white space goes, other control
 * characters are written as C escapes ("\n", "\x01").
 */
static void one_line(char *msg, size_t size)
{
    char out[NP_ERR_MAX];
    size_t len = strlen(msg), o = 0, i;

    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r' ||
                   msg[len - 1] == ' ' || msg[len - 1] == '\t'))
        msg[--len] = '\0';
    for (i = 0; i < len && o + 5 < sizeof(out); i++) {
        unsigned char c = (unsigned char)msg[i];

        if (c == '\n')
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\n");
        else if (c == '\t')
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\t");
        else if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    snprintf(msg, size, "%s", out);
}

int np_err_set(struct np_err *err, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->msg[0])
        return rc;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    one_line(err->msg, sizeof(err->msg));
    return rc;
}

void np_err_clear(struct np_err *err)
{
    if (err)
        err->msg[0] = '\0';
}
