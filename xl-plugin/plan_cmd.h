/*
 * plan_cmd.h: what the placement commands (cmd_plan.c: place, plan) share
 * with apply and undo (cmd_apply.c).  Not an interface: only those two
 * include it.
 */
#ifndef NP_PLAN_CMD_H
#define NP_PLAN_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumap.h"
#include "numapin.h"
#include "plan.h"
#include "solver.h"

/* The options place, plan and apply share. */
struct plan_opts {
    unsigned int vcpus;
    uint64_t mem_kib;
    bool have_vcpus, have_mem;
    const char *name;
    enum np_policy policy;
    unsigned int overcommit;
    bool soft;
    const char *reserve;
    bool all;
    const char *out;
    const char *state_dir;
    bool no_move;
    bool no_measure;
    bool quiet;
    bool rebalance;        /* the best layout, whatever it moves */
    uint64_t max_move_kib; /* ... within this much memory moved */
    bool have_max_move;
    const char **args; /* the operands */
    unsigned int nr_args;
    struct np_solve_hw hw; /* --device, --hugepages, --cpu-kind, --cpupool */
};

/* What place, plan and apply each hold: their options, the plan they
 * make or read, the CPUs --reserve keeps out. */
struct plan_cmd {
    struct plan_opts o;
    struct np_plan plan;
    struct np_cpumap reserved;
};

/* Start one of those commands: pc set up (plan and reserved empty) and
 * cmd's options parsed into pc->o.  Returns -1 to go on, else an exit
 * code; plan_cmd_end() frees pc in either case. */
int plan_cmd_begin(struct plan_cmd *pc, const char *cmd, int argc, char **argv);
void plan_cmd_end(struct plan_cmd *pc);

/* Parse a command's options; returns -1 to go on, else an exit code. */
int plan_cmd_parse_opts(const char *cmd, int argc, char **argv,
                        struct plan_opts *o);
/* label then the map's ranges ("none" when empty) on stdout, no newline. */
void plan_cmd_print_list(const char *label, const struct np_cpumap *m);
/* A plan for the guests that run (o->args, or all of them: --all or no
 * operand; Xen's dom0 stays); *partial when some fit nowhere.  -1 to go
 * on, else an exit code (the error printed). */
int plan_cmd_solve_existing(struct np_ctx *ctx, const struct plan_opts *o,
                            struct np_plan *plan, struct np_cpumap *reserved,
                            bool *partial);
/* The guests of plan that were not placed. */
unsigned int plan_cmd_nr_unplaced(const struct np_plan *plan);
/* Why g was not placed: its "not placed: ..." reason, without the prefix. */
const char *plan_cmd_unplaced_why(const struct np_plan_guest *g);
/* A partial plan: the guests that fit nowhere listed, NP_EXIT_PARTIAL. */
int plan_cmd_report_partial(const struct np_plan *plan, const char *what,
                            bool json);

#endif /* NP_PLAN_CMD_H */
