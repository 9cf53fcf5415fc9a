/*
 * cli_term.c: what the command line does for a person at a terminal and
 * nothing else: colour (--color, NO_COLOR), the "did you mean" of a
 * misspelt command or guest, and a progress line on long work.  Output
 * that goes to a file or a pipe is never coloured and never carries a
 * progress line.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "numapin.h"

static enum np_color color_mode = NP_COLOR_AUTO;
static int color_fd[3] = {-1, -1, -1}; /* -1 unknown, 0 off, 1 on */

int np_color_parse(const char *s)
{
    if (!strcmp(s, "auto"))
        color_mode = NP_COLOR_AUTO;
    else if (!strcmp(s, "always"))
        color_mode = NP_COLOR_ALWAYS;
    else if (!strcmp(s, "never"))
        color_mode = NP_COLOR_NEVER;
    else
        return -1;
    color_fd[1] = color_fd[2] = -1;
    return 0;
}

bool np_color_on(FILE *f)
{
    int fd = f == stderr ? 2 : 1;
    const char *no = getenv("NO_COLOR");
    const char *term = getenv("TERM");

    if (color_fd[fd] >= 0)
        return color_fd[fd];
    if (color_mode == NP_COLOR_ALWAYS)
        color_fd[fd] = 1;
    else if (color_mode == NP_COLOR_NEVER || (no && *no))
        color_fd[fd] = 0;
    else
        color_fd[fd] = isatty(fd) && !(term && !strcmp(term, "dumb"));
    return color_fd[fd];
}

const char *np_color(FILE *f, const char *sgr)
{
    return np_color_on(f) ? sgr : "";
}

void np_term_vmsg(const char *label, const char *sgr, const char *cmd,
                  const char *fmt, va_list ap)
{
    np_progress_clear();
    fprintf(stderr, "numapin: %s%s:%s ", np_color(stderr, sgr), label,
            np_color(stderr, NP_SGR_OFF));
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    vfprintf(stderr, fmt, ap);
}

void np_ctx_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    np_term_vmsg("warning", NP_SGR_WARN, NULL, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void np_print_warnings(FILE *f, const char *text)
{
    const char *p = text, *nl;

    while (p && *p) {
        nl = strchr(p, '\n');
        if (!strncmp(p, "warning:", 8))
            fprintf(f, "%swarning:%s%.*s\n", np_color(f, NP_SGR_WARN),
                    np_color(f, NP_SGR_OFF),
                    (int)(nl ? nl - p - 8 : (long)strlen(p + 8)), p + 8);
        else
            fprintf(f, "%.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
        p = nl ? nl + 1 : NULL;
    }
}

/* ---- did you mean ------------------------------------------------------ */

/* The edit distance of a and b (insert, delete, substitute, swap of two
 * neighbours), or a large number when either is long. */
static unsigned int distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    unsigned int d[MAX + 1][MAX + 1];
    size_t la = strlen(a), lb = strlen(b), i, j;

    if (la > MAX || lb > MAX)
        return 1000;
    for (i = 0; i <= la; i++)
        d[i][0] = (unsigned int)i;
    for (j = 0; j <= lb; j++)
        d[0][j] = (unsigned int)j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            unsigned int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *np_suggest(const char *word, const char *const *cands,
                       unsigned int nr)
{
    const char *best = NULL;
    unsigned int i, bd = 1000, lim;
    size_t len = strlen(word);

    /* one mistake in a short word, two in a longer one */
    lim = len <= 4 ? 1 : 2;
    for (i = 0; i < nr; i++) {
        unsigned int d;

        if (!cands[i])
            continue;
        d = distance(word, cands[i]);
        /* a unique prefix of three letters or more counts as close */
        if (d > lim && len >= 3 && !strncmp(word, cands[i], len))
            d = lim;
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    return bd <= lim ? best : NULL;
}

/* ---- progress ---------------------------------------------------------- */

static struct timespec progress_t0;
static bool progress_shown, progress_started;
static const char *progress_what;

static double since_start(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - progress_t0.tv_sec) +
           (double)(now.tv_nsec - progress_t0.tv_nsec) / 1e9;
}

void np_progress_start(const char *what)
{
    clock_gettime(CLOCK_MONOTONIC, &progress_t0);
    progress_started = true;
    progress_shown = false;
    progress_what = what;
}

void np_progress(unsigned int done, unsigned int total)
{
    const char *delay = getenv("NUMAPIN_PROGRESS_DELAY"); /* ms; tests */
    double after = delay && *delay ? atof(delay) / 1000.0 : 1.0;

    if (!progress_started || !isatty(2) || since_start() < after)
        return;
    if (total)
        fprintf(stderr, "\r%s: %u of %u (%.0f s)\033[K", progress_what, done,
                total, since_start());
    else
        fprintf(stderr, "\r%s: %u (%.0f s)\033[K", progress_what, done,
                since_start());
    progress_shown = true;
}

void np_progress_clear(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = false;
}

void np_progress_end(void)
{
    np_progress_clear();
    progress_started = false;
}
