/*
 * policy.h: the policy file of `numapin watch`, a text an administrator
 * edits by hand (docs/numapin.1, POLICY FILE).
 *
 * One setting per line, `KEY VALUE`; '#' starts a comment; blank lines
 * are ignored.  The settings, each at most once:
 *
 *     policy      prefer | isolate | require          (default prefer)
 *     overcommit  N      vCPUs per CPU, 1-1024         (default 1)
 *     pin         hard | soft                          (default hard)
 *     reserve     CPULIST  CPUs kept for the host / dom0 (default none)
 *     move-memory yes | no                             (default no)
 *     pinned      leave | replace  a guest pinned by its own
 *                 configuration (xl.cfg cpus=, libvirt <cputune>,
 *                 taskset) is left alone, or placed like the others
 *                                                      (default leave)
 *     interval    SECONDS  the /proc scan when there are no process
 *                 events (KVM), 0.1 to 3600            (default 1)
 *
 * and any number of guest rules, first match wins:
 *
 *     guest GLOB pin|leave [nodes=LIST] [pin=hard|soft]
 *                          [move-memory=yes|no] [pinned=leave|replace]
 *
 * GLOB is an fnmatch(3) pattern on the guest's name ("db-*", "web[12]"),
 * quoted with "..." when it holds spaces or '#'.  `leave` keeps the
 * guest as it is; `pin` places it, on the nodes of LIST when given.
 *
 * Worked example:
 *
 *     policy prefer
 *     reserve 0            # dom0's CPU
 *     guest "db-*" pin nodes=1 move-memory=yes
 *     guest scratch-* leave
 *
 * places every new guest by the `prefer` rules on CPUs 1 and up; a guest
 * named db-main on node 1 (its memory moved there when the backend can),
 * and never touches scratch-1.
 *
 * Every error is -EINVAL with "NAME:LINE: what is wrong" in err (NAME the
 * file's name), on one line whatever the input holds.  The cpu-lists of
 * reserve and nodes= are only read as text here: np_policy_file_check()
 * checks them against a host, with their line numbers.
 *
 * Lifecycle: np_policy_file_init() / np_policy_file_dispose()
 * (idempotent); a parse that fails leaves the policy as it was, so that a
 * daemon re-reading a broken file keeps the old one.
 */
#ifndef NP_POLICY_H
#define NP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cpumap.h"
#include "np_err.h"
#include "plan.h"
#include "topo.h"

/* Bounds on a file: more is not a hand-edited policy. */
#define NP_POLICY_MAX_BYTES (1 << 20)
#define NP_POLICY_MAX_LINE 1024
#define NP_POLICY_MAX_RULES 4096

/* A rule's value that is not given: the file's setting applies. */
#define NP_POLICY_UNSET (-1)

struct np_policy_rule {
    char *glob;         /* fnmatch(3) pattern on the guest's name */
    unsigned int line;  /* where it was written */
    bool leave;         /* `leave`: never touched */
    char *nodes;        /* node-list text; NULL: the solver's choice */
    int pin;            /* enum np_pin_mode, or NP_POLICY_UNSET */
    int move_memory;    /* 0/1, or NP_POLICY_UNSET */
    int replace_pinned; /* 0/1, or NP_POLICY_UNSET */
};

struct np_policy_file {
    char *name; /* for messages: the file's path */
    enum np_policy policy;
    unsigned int overcommit;
    enum np_pin_mode pin;
    char *reserve; /* cpu-list text; NULL: none */
    unsigned int reserve_line;
    bool move_memory;
    bool replace_pinned;
    unsigned int interval_ms;
    unsigned int nr_rules;
    struct np_policy_rule *rules;
};

/* What the policy says for one guest: the file's settings with the first
 * matching rule's over them. */
struct np_policy_decision {
    const struct np_policy_rule *rule; /* NULL: no rule matched */
    bool leave;
    const char *nodes; /* NULL: any */
    unsigned int nodes_line;
    enum np_pin_mode pin;
    bool move_memory;
    bool replace_pinned;
};

/* The defaults above. */
void np_policy_file_init(struct np_policy_file *pol);
void np_policy_file_dispose(struct np_policy_file *pol);

/*
 * Parse text (len bytes; it need not end with a NUL) into pol.  name is
 * what messages call the file.  On success pol's old content is freed and
 * replaced; on failure pol is unchanged.  0, -EINVAL (err:
 * "NAME:LINE: ...") or -ENOMEM.
 */
int np_policy_file_parse(const char *text, size_t len, const char *name,
                         struct np_policy_file *pol, struct np_err *err);

/*
 * Read and parse the file at path (a regular file of at most
 * NP_POLICY_MAX_BYTES).  As np_policy_file_parse(), and -errno when the
 * file cannot be read (err names it).
 */
int np_policy_file_read(const char *path, struct np_policy_file *pol,
                        struct np_err *err);

/*
 * Check the cpu-lists of pol against topo: reserve must parse and leave a
 * CPU for guests, every nodes= must parse and name nodes with memory.
 * 0 or -EINVAL with "NAME:LINE: ..." in err.
 */
int np_policy_file_check(const struct np_policy_file *pol,
                         const struct np_topo *topo, struct np_err *err);

/* What pol says for the guest named name. */
void np_policy_file_decide(const struct np_policy_file *pol, const char *name,
                           struct np_policy_decision *d_out);

/*
 * pol as a policy file that parses back to the same policy (the fuzz
 * target's property).  *text_out is malloc'd.  0 or -ENOMEM.
 */
int np_policy_file_format(const struct np_policy_file *pol, char **text_out);

/* Are a and b the same policy (names aside)? */
bool np_policy_file_equal(const struct np_policy_file *a,
                          const struct np_policy_file *b);

#endif /* NP_POLICY_H */
