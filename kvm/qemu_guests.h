/*
 * qemu_guests.h: QEMU guests on a Linux host, found without libvirt.
 *
 * A guest is a QEMU process; its id is the pid, its vCPUs are threads.
 * Everything is read through a directory file descriptor on the host's
 * root (openat), so that the unit tests point it at a fake proc tree:
 *
 *   proc/PID/cmdline              argv: is it QEMU (basename of argv[0]
 *                                 "qemu-system-*", "qemu-kvm" or "kvm"),
 *                                 the last -name/--name, -smp, -m
 *   proc/PID/stat                 field 22: the start time (pid reuse)
 *   proc/PID/task/TID/comm        "CPU n/KVM", "CPU n/TCG": vCPU n
 *                                 (QEMU's -name ...,debug-threads=on);
 *                                 "ALL CPUs/TCG": one thread for all
 *   proc/PID/task/TID/stat        state (3), utime+stime (14, 15),
 *                                 processor (39), after the last ')'
 *   proc/PID/task/TID/status      Cpus_allowed_list: the hard affinity
 *   proc/PID/numa_maps            N<node>=<pages> * kernelpagesize_kB
 *
 * Without named vCPU threads the vCPU thread ids come from QMP
 * query-cpus-fast over a socket the user gives (--qmp); without either,
 * the guest is listed with unknown threads (tid 0) and writes refuse with
 * a sentence telling how to start QEMU.
 *
 * On the live host (root "/") a process is a guest only when its owner
 * is root, the user running numapin or one of $NUMAPIN_QEMU_USERS
 * (default: libvirt-qemu, qemu), and proc/PID/exe is a QEMU binary: any
 * local user can start a process whose argv[0] and thread names look
 * like QEMU's.  Others are not guests; they are listed in the snapshot's
 * "refused" with the reason (their owner), for a warning.
 *
 * The parsers are exported for the unit tests; they never print.
 */
#ifndef NP_QEMU_GUESTS_H
#define NP_QEMU_GUESTS_H

#include <stdbool.h>

#define NP_QEMU_USERS_ENV "NUMAPIN_QEMU_USERS"
#include <stddef.h>
#include <stdint.h>

#include "cpumap.h"
#include "np_err.h"
#include "snapshot.h"

/* The fields of /proc/PID[/task/TID]/stat that numapin uses. */
struct np_proc_stat {
    char state;            /* 'R', 'S', 'D', ... */
    uint64_t utime, stime; /* clock ticks */
    uint64_t start_time;   /* clock ticks since boot */
    int processor;         /* the CPU it last ran on */
};

/*
 * Parse a stat line.  The comm field is between the first '(' and the
 * LAST ')' and may hold spaces and parentheses ("(CPU 0/TCG)", "(a) (b)").
 * Returns 0 or -EINVAL.
 */
int np_proc_parse_stat(const char *text, struct np_proc_stat *out);

/* Is argv0 a QEMU system emulator ("/usr/bin/qemu-system-x86_64",
 * "/usr/libexec/qemu-kvm", "kvm")? */
bool np_qemu_is_binary(const char *argv0);

/*
 * The guest name in a -name option string, QEMU's syntax: elements split
 * on single ',' (",," is a literal comma); the value of "guest=", else the
 * first element when it has no '='.
 *     "guest=a,,b,debug-threads=on"  -> "a,b"
 *     "t3"                           -> "t3"
 *     "debug-threads=on"             -> -ENOENT (no name)
 * *name_out is malloc'd (free() it).  0, -ENOENT or -ENOMEM.
 */
int np_qemu_parse_name(const char *arg, char **name_out);

/*
 * What numapin reads from a QEMU command line (argv, NUL-separated, len
 * bytes): the name from the LAST -name / --name (QEMU uses the last), the
 * vCPU count of -smp (1 when absent) and the RAM size of -m (128 MiB when
 * absent).  name is NULL when there is no name.  Lifecycle:
 * np_qemu_cmdline_init() / np_qemu_cmdline_dispose().
 */
struct np_qemu_cmdline {
    bool is_qemu;
    char *name;
    unsigned int nr_vcpus;
    uint64_t mem_kib;
    /* A QMP socket the command line names, or NULL: -qmp unix:PATH, or a
     * -mon chardev=ID,mode=control whose -chardev socket,id=ID has a
     * path= (libvirt's monitor before it passed fds).  Hostile input:
     * the caller checks who owns the socket before it connects. */
    char *qmp_path;
};

void np_qemu_cmdline_init(struct np_qemu_cmdline *cl);
void np_qemu_cmdline_dispose(struct np_qemu_cmdline *cl);
/* 0 or -ENOMEM; a cmdline that is not QEMU's gives is_qemu = false. */
int np_qemu_cmdline_parse(const char *argv, size_t len,
                          struct np_qemu_cmdline *cl);

/*
 * Sum the pages per node of a numa_maps text: for each line, every
 * "N<node>=<pages>" times that line's "kernelpagesize_kB=" (4 when
 * absent).  kib_per_node has nr_node_ids entries and is zeroed first;
 * pages on node ids >= nr_node_ids count in the total only.  The total
 * goes to *total_kib_out (may be NULL).  0 or -EINVAL.
 */
int np_numa_maps_parse(const char *text, unsigned int nr_node_ids,
                       uint64_t *kib_per_node, uint64_t *total_kib_out);

/*
 * Read proc/PID/numa_maps under rootfd into *kib_out (nr_node_ids
 * entries, malloc'd).  0 or -errno (-EACCES for another user's process
 * without the right to trace it).
 */
int np_qemu_read_numa(int rootfd, long pid, unsigned int nr_node_ids,
                      uint64_t **kib_out);

/* One entry of QMP query-cpus-fast. */
struct np_qmp_cpu {
    int cpu_index; /* the vCPU id */
    long tid;      /* the host thread id (top-level
                      "thread-id", not props."thread-id") */
};

/*
 * Parse a query-cpus-fast reply line ({"return": [...]}).  *cpus_out is
 * malloc'd (free() it).  0, -EIO (an {"error": ...} reply, its desc in
 * err), -EINVAL (not such a reply) or -ENOMEM.
 */
int np_qmp_parse_cpus(const char *reply, struct np_qmp_cpu **cpus_out,
                      unsigned int *nr_out, struct np_err *err);

/*
 * Ask the QMP socket at path for query-cpus-fast (greeting,
 * qmp_capabilities, the command; events skipped; 3 s timeout, since a
 * QMP socket serves one client at a time).  Same results as
 * np_qmp_parse_cpus(), plus -errno from connect/read with a sentence.
 */
int np_qmp_query_cpus(const char *path, struct np_qmp_cpu **cpus_out,
                      unsigned int *nr_out, struct np_err *err);

/*
 * Find the QEMU guests under the root directory rootfd (root names it in
 * messages) and add them to snap, whose topology is already read.
 * qmp: a QMP socket or NULL; pid: only this process (0: all).
 * With pid, a process that is not QEMU or does not exist is -ESRCH with a
 * sentence.  Sets has_guests, except under a root whose proc/ holds no
 * process at all (a captured sysfs tree knows nothing of guests).
 * 0 or -errno with a sentence.
 */
int np_qemu_read_guests(int rootfd, const char *root, const char *qmp, long pid,
                        struct np_snapshot *snap, struct np_err *err);

/*
 * Check that pid still is the process that was read (its start time is
 * start_time), and, when tid is not 0, that tid is still one of its
 * threads.  0, or -ESRCH with a sentence naming what is gone.
 */
int np_qemu_check_alive(int rootfd, const char *name, long pid,
                        uint64_t start_time, long tid, struct np_err *err);

/*
 * Read the thread ids of process pid (proc/PID/task).  *tids_out is
 * malloc'd.  0 or -errno.
 */
int np_qemu_list_tids(int rootfd, long pid, long **tids_out,
                      unsigned int *nr_out);

#endif /* NP_QEMU_GUESTS_H */
