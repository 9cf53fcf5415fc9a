/*
 * numapin.h: what every command of the numapin command line shares.
 *
 * main() parses the global options, picks the source of the host (a
 * backend or a --topology file) and calls main_<command>(ctx, argc, argv)
 * with argv[0] the command name.  Commands read the host once through
 * np_ctx_load() and print; only this layer prints, to stdout for results
 * and to stderr for errors, in one line each (np_ctx_error()).
 */
#ifndef NUMAPIN_H
#define NUMAPIN_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "lock.h"
#include "np_err.h"
#include "snapshot.h"

/* Exit codes. */
enum {
    NP_EXIT_OK = 0,
    NP_EXIT_USAGE = 1,   /* bad usage or input */
    NP_EXIT_FAILED = 2,  /* the operation failed */
    NP_EXIT_PARTIAL = 3, /* done in part: a plan left guests out, or a
                          * failure after changes that stayed made */
};

struct np_history;

struct np_ctx {
    bool dry_run;             /* -N */
    bool json;                /* --json */
    const char *topology;     /* --topology FILE */
    const char *backend;      /* -c NAME[:ARG] as given; NULL to detect */
    const char *root;         /* --root DIR: the Linux host's root (kvm) */
    const char *qmp;          /* --qmp SOCKET (kvm) */
    long pid;                 /* --pid PID (kvm) */
    struct np_backend be;     /* opened by np_ctx_load() unless topology */
    const char *be_arg;       /* the ARG it was opened with (file, root) */
    unsigned int cmd_flags;   /* the command's NP_CMD_* (numapin.c) */
    unsigned int write_flags; /* NP_WRITE_* of np_ctx_apply() (vcpu-pin -f) */
    bool be_open;
    struct np_snapshot snap;
    bool loaded;
    /* Writing commands (np_ctx_begin_write()). */
    const char *state_dir;   /* --state-dir DIR after the command */
    char *state_dir_buf;     /* FILE.state for -c test:FILE */
    const char *cmdline;     /* the command and its arguments, escaped */
    struct np_lock lock;     /* held from before the read to the end */
    struct np_history *hist; /* the state directory's, under the lock */
    bool show_refused;       /* warn about processes that look like
                                guests and are not (listings) */
    /* Set by a command before np_ctx_load(), to read no more than it
     * uses: what the reads may leave out (NP_READ_*, backend.h), and,
     * when nr_only_ids, the only guests to read (by the backend's
     * read_guest; a backend without it reads every guest). */
    unsigned int read_flags;
    const int *only_ids;
    unsigned int nr_only_ids;
};

/* What a command is, in the command table (numapin.c). */
enum {
    NP_CMD_WRITES = 1u << 0,  /* changes the host: main checks the source */
    NP_CMD_DRY_RUN = 1u << 1, /* implements -N */
};

/* What a command needs besides the host. */
enum np_want {
    NP_WANT_HOST,       /* the host only */
    NP_WANT_GUESTS,     /* the guests too: an error when unavailable */
    NP_WANT_ANY_GUESTS, /* the guests when the source has them */
};

/*
 * Read the host (and guests, per want) once.  Returns 0, or an exit code
 * after printing the error.
 */
int np_ctx_load(struct np_ctx *ctx, enum np_want want);

/* Print the notes a reader made about the host (topo->hw->notes), one
 * "numapin: note: ..." line each, on stderr (cmd_hw.c). */
void np_ctx_print_hw_notes(const struct np_topo *topo);

/* Print "numapin: error: MSG" on stderr; returns code. */
int np_ctx_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The guest a command names, by name or id (np_snapshot_find_guest()).
 * NULL, after printing the error, when there is none or when several
 * guests carry that name (KVM: QEMU processes started with one -name):
 * the error lists their ids, and --pid or an id picks one.
 */
const struct np_guest *np_ctx_find_guest(struct np_ctx *ctx, const char *dom);

/*
 * The guests that the operands of a read command name (argv[1..argc-1];
 * an option there is a usage error of cmd), after the host and its guests
 * are read: each as np_ctx_find_guest() finds it, in a malloc'd array
 * (free() it) in *sel_out, their count in *nr_out; NULL and 0 when none
 * is named (all guests).  NP_EXIT_OK, or the exit code of the error
 * printed.
 */
int np_ctx_select_guests(struct np_ctx *ctx, const char *cmd, int argc,
                         char **argv, const struct np_guest ***sel_out,
                         unsigned int *nr_out);

/*
 * cli_args.c.  A size ("3G", "3072M", "512MiB", "1048576K"; a bare number
 * is MiB, as xl.cfg's memory=) into KiB; a decimal count of at most max.
 * Both: 0 or -EINVAL.  0 itself is accepted: a caller that needs a
 * positive value says so.
 */
int np_parse_size_kib(const char *s, uint64_t *kib_out);
int np_parse_uint(const char *s, unsigned int max, unsigned int *out);

/* Print the command's usage on stderr and return NP_EXIT_USAGE. */
int np_usage(const char *cmd);

/* A banner naming the test backend, printed first by text outputs so that
 * a demo is never mistaken for a live host. */
void np_ctx_banner(const struct np_ctx *ctx);

/*
 * The one option idiom of every command (as xl's SWITCH_FOREACH_OPT):
 * getopt_long over the command's argv, options and operands in any order,
 * "--" ends the options, long options only by their whole name.  Use as
 *
 *     static const struct option opts[] = {
 *         {"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
 *     int opt;
 *
 *     NP_FOREACH_OPT(opt, "f", opts, "vcpu-pin") {
 *     case 'f':
 *         force = true;
 *         break;
 *     }
 *     NP_OPERANDS();
 *     ... argv[1] .. argv[argc - 1] are the operands, argv[0] the command
 *
 * An unknown option or one without its value prints a usage error naming
 * it and the command returns NP_EXIT_USAGE (-h/--help is answered by main
 * before the command runs).  np_getopt() returns the option, -1 at the
 * end, or NP_OPT_FAIL after printing the error.
 */
#define NP_OPT_FAIL (-2)
int np_getopt(int argc, char **argv, const char *shortopts,
              const struct option *longopts, const char *cmd);
#define NP_FOREACH_OPT(opt, shortopts, longopts, cmd)                          \
    for (optind = 0; ((opt) = np_getopt(argc, argv, (shortopts), (longopts),   \
                                        (cmd))) != -1;)                        \
        if ((opt) == NP_OPT_FAIL)                                              \
            return NP_EXIT_USAGE;                                              \
        else                                                                   \
            switch (opt)

/* After NP_FOREACH_OPT: argv[1] .. argv[argc - 1] become the operands
 * (getopt moved them after the options), argv[0] stays the command. */
#define NP_OPERANDS()                                                          \
    do {                                                                       \
        argv[optind - 1] = argv[0];                                            \
        argv += optind - 1;                                                    \
        argc -= optind - 1;                                                    \
    } while (0)

/* Parse the -h/--help option of a command; returns -1 to continue, or an
 * exit code. */
int np_cmd_getopt_help(int argc, char **argv, const char *cmd);

/* Print the note of a write ("numapin: note: ..."), if any. */
void np_ctx_print_note(struct np_ctx *ctx, const struct np_note *note);

/*
 * Measure where each guest's memory is (np_backend_measure_memory()) into
 * ctx->snap, after np_ctx_load().  With a --topology file, its numbers
 * stand.  required: a failure is an error (returns its exit code after
 * printing it); else a warning, and 0.
 */
int np_ctx_measure(struct np_ctx *ctx, bool required);

/*
 * Every command that changes a host calls this before np_ctx_load(): it
 * refuses offline sources (--topology, a captured --root tree) before
 * touching any state directory, takes the host's writer lock
 * (np_ctx_state_dir()/lock) and opens the history, refusing (unless cmd
 * is "undo") while a change recorded there did not finish.  Nothing under
 * -N.  Returns 0, or an exit code after printing the error.  main()
 * releases the lock when the command returns.
 */
int np_ctx_begin_write(struct np_ctx *ctx, const char *cmd);

/* The state directory: --state-dir, else $NUMAPIN_STATE_DIR, else
 * FILE.state for -c test:FILE, else /var/lib/numapin. */
const char *np_ctx_state_dir(struct np_ctx *ctx);

/* Take "--state-dir DIR" / "--state-dir=DIR" out of a command's
 * arguments into ctx->state_dir.  -1 to go on, or an exit code. */
int np_ctx_take_state_dir(struct np_ctx *ctx, int *argc, char **argv);

/*
 * A plan for the host of ctx (np_ctx_plan_init(); sizes and backend of the
 * snapshot) and a guest of it for g (placed, "keep" everywhere, g's start
 * time).  0 or -ENOMEM.
 */
struct np_plan;
struct np_plan_guest;
struct np_apply_report;
int np_ctx_plan_init(struct np_ctx *ctx, struct np_plan *plan);
int np_ctx_plan_guest(struct np_ctx *ctx, struct np_plan *plan,
                      const struct np_guest *g, struct np_plan_guest **pg_out);

/*
 * Apply plan as a change of the command (np_plan_apply(): recorded in the
 * history under the command line, put back on failure, a no-op recorded
 * not at all), print the backend's note and the error.  rep_out may be
 * NULL.  Returns an exit code.
 */
int np_ctx_apply(struct np_ctx *ctx, const struct np_plan *plan,
                 bool move_memory, struct np_apply_report *rep_out);
/* Can this source change the host?  0, or an exit code (1: a captured
 * tree, a --topology file or a backend that cannot write) after printing
 * the error. */
int np_ctx_check_write(struct np_ctx *ctx);

/* Make the writes held by a batching backend (be.batch, the test
 * backend) reach the host: main() calls it after every command; a
 * command that holds the writer lock, or runs for long (watch), calls it
 * itself before it lets the lock go.  0, or a negative errno after
 * printing the error. */
int np_ctx_commit(struct np_ctx *ctx);

/* Print "numapin: error: CMD: MSG (usage: numapin CMD USAGE)" in one
 * line; returns NP_EXIT_USAGE. */
int np_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- cli_term.c: colour, suggestions, progress ---- */
enum np_color { NP_COLOR_AUTO, NP_COLOR_ALWAYS, NP_COLOR_NEVER };
#define NP_SGR_ERR "\033[1;31m"
#define NP_SGR_WARN "\033[1;33m"
#define NP_SGR_NOTE "\033[1;36m"
#define NP_SGR_BOLD "\033[1m"
#define NP_SGR_OFF "\033[m"

/* --color=auto|always|never; 0, or -1 for anything else.  always wins
 * over NO_COLOR; auto is on for a terminal unless NO_COLOR is set. */
int np_color_parse(const char *mode);
bool np_color_on(FILE *f);
/* sgr when f is coloured, else "". */
const char *np_color(FILE *f, const char *sgr);
/* "numapin: LABEL: [CMD: ]MSG" on stderr, LABEL coloured with sgr, after
 * the progress line is cleared; the caller ends the line.  The one writer
 * of np_ctx_error(), np_ctx_warn() and np_usage_error(). */
void np_term_vmsg(const char *label, const char *sgr, const char *cmd,
                  const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* "numapin: warning: MSG" on stderr. */
void np_ctx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print text, colouring the "warning:" that opens a line. */
void np_print_warnings(FILE *f, const char *text);
/* The candidate closest to word (a typo or two away, or a prefix), or
 * NULL; NULL candidates are skipped. */
const char *np_suggest(const char *word, const char *const *cands,
                       unsigned int nr);
/* A progress line on stderr, only on a terminal and only once a second
 * has passed since np_progress_start(); total 0 when unknown. */
void np_progress_start(const char *what);
void np_progress(unsigned int done, unsigned int total);
void np_progress_clear(void);
void np_progress_end(void);

/* cmd_numastat.c: the host and its guests read for plan and apply
 * (np_ctx_load() of NP_WANT_GUESTS) with their memory positions: measured
 * (a failure is a warning: the solver then estimates), or with no_measure
 * estimated from the node affinity where not known.  0 or an exit code. */
int np_ctx_load_for_plan(struct np_ctx *ctx, bool no_measure);
/* After an apply of plan: measure again and print each guest's local
 * share before (ctx->snap), planned and now. */
struct np_plan;
void np_print_local_shares(struct np_ctx *ctx, const struct np_plan *plan,
                           bool no_measure);

/* cmd_migrate.c: numatune --migrate by relocation (Xen), and its undo.
 * Exit codes, after printing. */
struct np_plan;
int np_numatune_relocate(struct np_ctx *ctx, const struct np_guest *g,
                         const struct np_cpumap *nodes);
/* undo: when the newest change that can be undone is a relocation (its
 * record's guest has another id after), migrate the guest back and set
 * *handled; returns an exit code (0 when not handled). */
int np_undo_relocation(struct np_ctx *ctx, bool *handled);

/* ---- cli_json.c: --json documents (common/fmt_json_cmd.h) ---- */
struct json_object;
/* A new document for cmd ("dry_run": true under -N); NULL when out of
 * memory. */
struct json_object *np_ctx_jdoc(struct np_ctx *ctx, const char *cmd);
/* Print doc with the collected notes, release it; returns rc, or 2 when
 * the output cannot be written. */
int np_ctx_jprint(struct np_ctx *ctx, struct json_object *doc, int rc);
/* A document for a command that changes guest g (or the guest named dom
 * when g is not known): "guest" and "id". */
struct json_object *np_ctx_jguest(struct np_ctx *ctx, const char *cmd,
                                  const struct np_guest *g, const char *dom);
/* doc[key] = the cpu-list of map, or null when map is NULL (kept). */
void np_ctx_jset_cpus(struct np_ctx *ctx, struct json_object *doc,
                      const char *key, const struct np_cpumap *map);
/* Collect a note for the next document (np_ctx_print_note under --json). */
void np_ctx_json_note(const char *msg);
/* Under --json, the error that cmd has nothing machine-readable (exit 1);
 * else -1. */
int np_ctx_no_json(struct np_ctx *ctx, const char *cmd, const char *why);

/* map --svg/--html FILE (cmd_map.c). */
int np_map_picture(struct np_ctx *ctx, bool html, const char *path);

/* The commands. */
int main_info(struct np_ctx *ctx, int argc, char **argv);
int main_nodeinfo(struct np_ctx *ctx, int argc, char **argv);
int main_capabilities(struct np_ctx *ctx, int argc, char **argv);
int main_freecell(struct np_ctx *ctx, int argc, char **argv);
int main_cpulist(struct np_ctx *ctx, int argc, char **argv);
int main_vcpulist(struct np_ctx *ctx, int argc, char **argv);
int main_vcpuinfo(struct np_ctx *ctx, int argc, char **argv);
int main_vcpupin(struct np_ctx *ctx, int argc, char **argv);
int main_map(struct np_ctx *ctx, int argc, char **argv);
int main_dump(struct np_ctx *ctx, int argc, char **argv);
int main_numatune(struct np_ctx *ctx, int argc, char **argv);
int main_reset(struct np_ctx *ctx, int argc, char **argv);
int main_emulatorpin(struct np_ctx *ctx, int argc, char **argv);
int main_schedcap(struct np_ctx *ctx, int argc, char **argv);
int main_schedweight(struct np_ctx *ctx, int argc, char **argv);
int main_persist(struct np_ctx *ctx, int argc, char **argv);
int main_place(struct np_ctx *ctx, int argc, char **argv);
int main_plan(struct np_ctx *ctx, int argc, char **argv);
int main_apply(struct np_ctx *ctx, int argc, char **argv);
int main_undo(struct np_ctx *ctx, int argc, char **argv);
int main_numastat(struct np_ctx *ctx, int argc, char **argv);

int main_history(struct np_ctx *ctx, int argc, char **argv);
int main_watch(struct np_ctx *ctx, int argc, char **argv);
int main_create(struct np_ctx *ctx, int argc, char **argv);
int main_fleet(struct np_ctx *ctx, int argc, char **argv);

#endif /* NUMAPIN_H */
