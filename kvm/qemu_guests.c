/*
 * qemu_guests.c: QEMU guests found in /proc (see qemu_guests.h).
 *
 * Worked example: a guest started as
 *
 *     qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 128 \
 *         -name guest=web,,1,debug-threads=on
 *
 * is pid 4242 with threads 4242 (main), 4243 (call_rcu, never named),
 * 4245 "CPU 0/TCG" and 4246 "CPU 1/TCG".  It becomes guest id 4242 named
 * "web,1" with vCPU 0 = tid 4245 and vCPU 1 = tid 4246, each with its
 * Cpus_allowed_list as the hard affinity; the emulator map is the union of
 * the affinities of 4242 and 4243.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpulist.h"
#include "kvm_cgroup.h"
#include "qemu_guests.h"
#include "rootfs.h"

/* A process or thread that went away between readdir and open. */
static bool gone(int rc)
{
    return rc == -ENOENT || rc == -ESRCH;
}

int np_proc_parse_stat(const char *text, struct np_proc_stat *out)
{
    const char *p = strrchr(text, ')');
    unsigned long long v;
    char *end;
    int field;

    memset(out, 0, sizeof(*out));
    out->processor = -1;
    if (!p || !strchr(text, '('))
        return -EINVAL;
    p++;
    /* p is just after field 2; field 3 is the state. */
    for (field = 3; field <= 39; field++) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            return field > 22 ? 0 : -EINVAL;
        if (field == 3) {
            out->state = *p;
            p++;
            if (*p && *p != ' ')
                return -EINVAL;
            continue;
        }
        if (field == 14 || field == 15 || field == 22 || field == 39) {
            errno = 0;
            if (*p == '-' && field != 39)
                return -EINVAL;
            v = strtoull(p, &end, 10);
            if (end == p || errno || (*end && *end != ' ' && *end != '\n'))
                return -EINVAL;
            if (field == 14)
                out->utime = v;
            else if (field == 15)
                out->stime = v;
            else if (field == 22)
                out->start_time = v;
            else
                out->processor = v > INT_MAX ? -1 : (int)v;
            p = end;
            continue;
        }
        while (*p && *p != ' ' && *p != '\n')
            p++;
    }
    return 0;
}

/* 2^50 KiB (1 EiB): more than any host's memory */
#define NUMA_MAPS_MAX_KIB (1ULL << 50)

int np_numa_maps_parse(const char *text, unsigned int nr_node_ids,
                       uint64_t *kib_per_node, uint64_t *total_kib_out)
{
    const char *line = text, *eol, *p;
    unsigned long long pages, node, psize, sum_pages;
    uint64_t total = 0;
    char *end;

    memset(kib_per_node, 0, nr_node_ids * sizeof(*kib_per_node));
    for (; *line; line = *eol ? eol + 1 : eol) {
        eol = line + strcspn(line, "\n");
        /* first the page size of this mapping */
        psize = 4;
        for (p = line; p < eol; p++) {
            if ((p == line || p[-1] == ' ') &&
                !strncmp(p, "kernelpagesize_kB=", 18)) {
                errno = 0;
                psize = strtoull(p + 18, &end, 10);
                if (errno || end == p + 18 || !psize)
                    return -EINVAL;
            }
        }
        sum_pages = 0;
        for (p = line; p < eol; p++) {
            if ((p != line && p[-1] != ' ') || *p != 'N' ||
                !isdigit((unsigned char)p[1]))
                continue;
            errno = 0;
            node = strtoull(p + 1, &end, 10);
            if (errno || *end != '=')
                continue; /* not an N<node>= field */
            if (!isdigit((unsigned char)end[1]))
                return -EINVAL; /* strtoull would take "-1" */
            errno = 0;
            pages = strtoull(end + 1, &end, 10);
            if (errno || (end < eol && *end != ' '))
                return -EINVAL;
            /* no sum can wrap: the kernel's counts are far below this */
            if (pages > NUMA_MAPS_MAX_KIB / psize ||
                sum_pages + pages * psize > NUMA_MAPS_MAX_KIB ||
                total + sum_pages + pages * psize > NUMA_MAPS_MAX_KIB)
                return -EINVAL;
            if (node < nr_node_ids)
                kib_per_node[node] += pages * psize;
            sum_pages += pages * psize;
        }
        total += sum_pages;
    }
    if (total_kib_out)
        *total_kib_out = total;
    return 0;
}

int np_qemu_read_numa(int rootfd, long pid, unsigned int nr_node_ids,
                      uint64_t **kib_out)
{
    uint64_t *kib = NULL;
    char rel[64], *text = NULL;
    int rc;

    *kib_out = NULL;
    snprintf(rel, sizeof(rel), "proc/%ld/numa_maps", pid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    if (rc)
        return rc;
    kib = calloc(nr_node_ids ? nr_node_ids : 1, sizeof(*kib));
    if (!kib) {
        rc = -ENOMEM;
        goto out;
    }
    rc = np_numa_maps_parse(text, nr_node_ids, kib, NULL);
    if (rc)
        goto out;
    *kib_out = kib;
    kib = NULL;
out:
    free(kib);
    free(text);
    return rc;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return x < y ? -1 : x > y;
}

/* Numeric entries of directory rel, sorted. */
static int list_numeric(int rootfd, const char *rel, long **ids_out,
                        unsigned int *nr_out)
{
    long *ids = NULL, *grown;
    unsigned int nr = 0, cap = 0;
    struct dirent *de;
    DIR *dir = NULL;
    char *end;
    long id;
    int fd, rc;

    *ids_out = NULL;
    *nr_out = 0;
    fd = np_rootfs_openat(rootfd, rel, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return fd;
    dir = fdopendir(fd);
    if (!dir) {
        rc = -errno;
        close(fd);
        return rc;
    }
    while ((de = readdir(dir))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        errno = 0;
        id = strtol(de->d_name, &end, 10);
        if (*end || errno || id <= 0)
            continue;
        if (nr == cap) {
            cap = cap ? 2 * cap : 64;
            grown = realloc(ids, cap * sizeof(*ids));
            if (!grown) {
                rc = -ENOMEM;
                goto out;
            }
            ids = grown;
        }
        ids[nr++] = id;
    }
    if (nr)
        qsort(ids, nr, sizeof(*ids), cmp_long);
    *ids_out = ids;
    *nr_out = nr;
    ids = NULL;
    rc = 0;
out:
    closedir(dir);
    free(ids);
    return rc;
}

int np_qemu_list_tids(int rootfd, long pid, long **tids_out,
                      unsigned int *nr_out)
{
    char rel[64];

    snprintf(rel, sizeof(rel), "proc/%ld/task", pid);
    return list_numeric(rootfd, rel, tids_out, nr_out);
}

struct thread_info {
    long tid;
    int vcpu; /* -1: not a vCPU; -2: all vCPUs */
    struct np_proc_stat st;
    struct np_cpumap cpus; /* Cpus_allowed_list, nr_cpu_ids bits */
};

/* Parse Cpus_allowed_list of a status text into map (nr_bits bits);
 * CPUs past nr_bits (possible but not present) are left out. */
static int parse_allowed(const char *status, unsigned int nr_bits,
                         struct np_cpumap *map)
{
    const char *p = strstr(status, "\nCpus_allowed_list:");
    char *line;
    int rc;

    if (!p)
        return np_cpumap_alloc(map, nr_bits) ? -ENOMEM : -EINVAL;
    p += strlen("\nCpus_allowed_list:");
    while (*p == ' ' || *p == '\t')
        p++;
    line = strndup(p, strcspn(p, "\n"));
    if (!line)
        return -ENOMEM;
    rc = np_idlist_parse(line, nr_bits, NP_IDLIST_SYSFS | NP_IDLIST_CLIP, map,
                         NULL);
    free(line);
    return rc;
}

/* Read one thread; -ENOENT/-ESRCH when it has gone. */
static int read_thread(int rootfd, long pid, long tid, unsigned int nr_bits,
                       struct thread_info *t)
{
    char rel[96], *text = NULL;
    char name[32];
    int rc, n, id;

    t->tid = tid;
    t->vcpu = -1;
    np_cpumap_init(&t->cpus);
    snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/comm", pid, tid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    if (rc)
        return rc;
    /* "CPU %d/%s": vCPU n under any accelerator */
    n = 0;
    if (sscanf(text, "CPU %d/%15[^\n]%n", &id, name, &n) == 2 && n > 0 &&
        id >= 0 && id < 65536)
        t->vcpu = id;
    else if (!strncmp(text, "ALL CPUs/", 9))
        t->vcpu = -2;
    free(text);
    snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/stat", pid, tid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    if (rc)
        return rc;
    rc = np_proc_parse_stat(text, &t->st);
    free(text);
    if (rc)
        return rc;
    snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/status", pid, tid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    if (rc)
        return rc;
    rc = parse_allowed(text, nr_bits, &t->cpus);
    free(text);
    return rc;
}

static void free_threads(struct thread_info *th, unsigned int nr)
{
    unsigned int i;

    for (i = 0; th && i < nr; i++)
        np_cpumap_dispose(&th[i].cpus);
    free(th);
}

struct reader {
    int rootfd;
    const char *root;
    const char *qmp;
    struct np_qmp_cpu *qmp_cpus; /* read once, when needed */
    unsigned int nr_qmp_cpus;
    bool qmp_read;
    int qmp_rc;
    struct np_err qmp_err;
    struct np_snapshot *snap;
    long clk_tck;
    bool live;  /* root "/": owners and binaries checked */
    long *uids; /* the users whose QEMUs are guests */
    unsigned int nr_uids;
};

static uint64_t ticks_to_ns(const struct reader *r, uint64_t ticks)
{
    return ticks * (1000000000ull / (uint64_t)r->clk_tck);
}

/* The thread with this tid, or NULL. */
static struct thread_info *find_thread(struct thread_info *th, unsigned int nr,
                                       long tid)
{
    unsigned int i;

    for (i = 0; i < nr; i++)
        if (th[i].tid == tid)
            return &th[i];
    return NULL;
}

static void fill_vcpu(const struct reader *r, struct np_vcpu *vc,
                      const struct thread_info *t)
{
    vc->online = true;
    vc->tid = t->tid;
    vc->cpu = t->st.processor;
    vc->running = t->st.state == 'R';
    vc->blocked = t->st.state == 'S' || t->st.state == 'D';
    vc->time_ns = ticks_to_ns(r, t->st.utime + t->st.stime);
    np_cpumap_or(&vc->hard, &t->cpus);
}

/*
 * Is path (from the command line of process pid: hostile) a socket that
 * the guest's own user owns, on the live host?  numapin, as root, talks
 * only to the QMP socket of the guest it asks about, never to a socket
 * a guest's command line merely names.
 */
static bool qmp_socket_of(const struct reader *r, long pid, const char *path)
{
    struct stat sock, proc;
    char rel[64];

    if (strcmp(r->root, "/") || path[0] != '/')
        return false;
    snprintf(rel, sizeof(rel), "proc/%ld", pid);
    if (fstatat(r->rootfd, rel, &proc, 0) ||
        fstatat(r->rootfd, path + 1, &sock, AT_SYMLINK_NOFOLLOW))
        return false;
    return S_ISSOCK(sock.st_mode) && sock.st_uid == proc.st_uid;
}

/* Read process pid; *added false when it is no QEMU (or gone). */
/*
 * The users whose QEMU processes are guests: root, the user running
 * numapin, and $NUMAPIN_QEMU_USERS (names or uids, comma separated),
 * by default libvirt's "libvirt-qemu" (Debian) and "qemu" (Fedora) when
 * they exist.  Any other user's process is an impostor to us.
 */
static int qemu_users(struct reader *r)
{
    const char *env = getenv(NP_QEMU_USERS_ENV);
    char *list = strdup(env ? env : "libvirt-qemu,qemu"), *tok, *save = NULL;
    unsigned int cap = 4;

    r->uids = calloc(cap, sizeof(*r->uids));
    if (!list || !r->uids) {
        free(list);
        return -ENOMEM;
    }
    r->uids[r->nr_uids++] = 0;
    r->uids[r->nr_uids++] = (long)getuid();
    for (tok = strtok_r(list, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        struct passwd pw, *res = NULL;
        char buf[1024], *end;
        long uid = strtol(tok, &end, 10);

        if (*end || end == tok) {
            if (getpwnam_r(tok, &pw, buf, sizeof(buf), &res) || !res)
                continue; /* no such user here */
            uid = (long)res->pw_uid;
        }
        if (r->nr_uids == cap) {
            long *n = realloc(r->uids, (cap *= 2) * sizeof(*n));

            if (!n) {
                free(list);
                return -ENOMEM;
            }
            r->uids = n;
        }
        r->uids[r->nr_uids++] = uid;
    }
    free(list);
    return 0;
}

/*
 * On the live host, is pid a guest?  Its owner must be one of the
 * users above and its executable a QEMU binary (not just its argv[0],
 * which any process sets as it likes).  Returns 0 (*ok says), or a
 * negative errno; a refusal is recorded in the snapshot with its owner.
 */
static int check_owner(struct reader *r, long pid, const char *name, bool *ok)
{
    char rel[64], exe[PATH_MAX], why[NP_ERR_MAX], user[64];
    struct passwd pw, *res = NULL;
    char buf[1024];
    struct stat st;
    unsigned int i;
    ssize_t n;

    *ok = false;
    snprintf(rel, sizeof(rel), "proc/%ld", pid);
    if (fstatat(r->rootfd, rel, &st, 0))
        return 0; /* gone */
    if (!getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &res) && res)
        snprintf(user, sizeof(user), "%s", res->pw_name);
    else
        snprintf(user, sizeof(user), "%ld", (long)st.st_uid);
    for (i = 0; i < r->nr_uids; i++)
        if ((long)st.st_uid == r->uids[i])
            break;
    if (i == r->nr_uids) {
        snprintf(why, sizeof(why),
                 "owned by %s (uid %ld), not by root or a QEMU user of "
                 "$" NP_QEMU_USERS_ENV,
                 user, (long)st.st_uid);
        return np_snapshot_add_refused(r->snap, pid, (long)st.st_uid, name,
                                       why);
    }
    snprintf(rel, sizeof(rel), "proc/%ld/exe", pid);
    n = readlinkat(r->rootfd, rel, exe, sizeof(exe) - 1);
    if (n < 0) {
        /* another user's process as non-root (EACCES): not ours to pin
         * anyway, and the kernel refuses the write; gone: skipped */
        *ok = errno == EACCES;
        return 0;
    }
    exe[n] = '\0';
    if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
        exe[n - 10] = '\0'; /* upgraded under a running guest */
    if (!np_qemu_is_binary(exe)) {
        char *e = strdup(exe), *p;

        for (p = e; p && *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        snprintf(why, sizeof(why),
                 "its executable '%s' is not QEMU (owned by %s)", e ? e : "?",
                 user);
        free(e);
        return np_snapshot_add_refused(r->snap, pid, (long)st.st_uid, name,
                                       why);
    }
    *ok = true;
    return 0;
}

static int read_process(struct reader *r, long pid, bool *added,
                        struct np_err *err)
{
    const struct np_topo *topo = &r->snap->topo;
    struct np_qemu_cmdline cl;
    struct thread_info *th = NULL;
    struct np_proc_stat st;
    struct np_guest *g;
    char rel[64], *text = NULL, fallback[32];
    long *tids = NULL;
    unsigned int nr_tids = 0, nr_th = 0, i, nr_vcpus;
    size_t len;
    int max_vcpu = -1, rc;
    bool shared = false, by_qmp = false;
    struct np_qmp_cpu *own_qc = NULL;
    const struct np_qmp_cpu *qc = NULL;
    unsigned int nq = 0;

    *added = false;
    np_qemu_cmdline_init(&cl);
    snprintf(rel, sizeof(rel), "proc/%ld/cmdline", pid);
    rc = np_rootfs_read(r->rootfd, rel, &text, &len);
    if (rc) {
        rc = gone(rc) || rc == -EACCES ? 0 : rc;
        goto out;
    }
    rc = np_qemu_cmdline_parse(text, len, &cl);
    free(text);
    text = NULL;
    if (rc || !cl.is_qemu)
        goto out;
    if (r->live) {
        bool ok;

        rc = check_owner(r, pid, cl.name, &ok);
        if (rc || !ok)
            goto out;
    }
    snprintf(rel, sizeof(rel), "proc/%ld/stat", pid);
    rc = np_rootfs_read(r->rootfd, rel, &text, NULL);
    if (rc) {
        rc = gone(rc) ? 0 : rc;
        goto out;
    }
    rc = np_proc_parse_stat(text, &st);
    if (rc) {
        rc = np_err_set(err, rc, "cannot parse '%s/%s'", r->root, rel);
        goto out;
    }
    rc = np_qemu_list_tids(r->rootfd, pid, &tids, &nr_tids);
    if (rc) {
        rc = gone(rc) ? 0 : rc;
        goto out;
    }
    th = calloc(nr_tids ? nr_tids : 1, sizeof(*th));
    if (!th) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < nr_tids; i++) {
        rc = read_thread(r->rootfd, pid, tids[i], topo->nr_cpu_ids, &th[nr_th]);
        if (gone(rc)) {
            np_cpumap_dispose(&th[nr_th].cpus);
            continue; /* a worker thread that just exited */
        }
        nr_th++;
        if (rc) {
            rc = np_err_set(
                err, rc,
                "cannot read thread %ld of qemu pid %ld under '%s': %s",
                tids[i], pid, r->root, strerror(-rc));
            goto out;
        }
        if (th[nr_th - 1].vcpu > max_vcpu)
            max_vcpu = th[nr_th - 1].vcpu;
        if (th[nr_th - 1].vcpu == -2)
            shared = true;
    }
    if (!nr_th) {
        rc = 0; /* exited meanwhile */
        goto out;
    }
    /* No named vCPU threads: ask QMP, once, and keep its answer when its
     * thread ids are this process's threads.  The socket: --qmp, else
     * the one the command line names, when it is the guest's own. */
    if (max_vcpu < 0 && !shared && r->qmp) {
        if (!r->qmp_read) {
            r->qmp_read = true;
            r->qmp_rc = np_qmp_query_cpus(r->qmp, &r->qmp_cpus, &r->nr_qmp_cpus,
                                          &r->qmp_err);
        }
        if (r->qmp_rc) {
            rc = np_err_set(err, r->qmp_rc, "%s", r->qmp_err.msg);
            goto out;
        }
        qc = r->qmp_cpus;
        nq = r->nr_qmp_cpus;
    } else if (max_vcpu < 0 && !shared && cl.qmp_path &&
               qmp_socket_of(r, pid, cl.qmp_path)) {
        struct np_err qerr = {""};

        /* a socket that does not answer leaves the vCPUs unknown */
        if (!np_qmp_query_cpus(cl.qmp_path, &own_qc, &nq, &qerr))
            qc = own_qc;
        else
            nq = 0;
    }
    if (qc) {
        if (nq && find_thread(th, nr_th, qc[0].tid)) {
            by_qmp = true;
            for (i = 0; i < nq; i++) {
                struct thread_info *t = find_thread(th, nr_th, qc[i].tid);

                if (t && t->vcpu == -1)
                    t->vcpu = qc[i].cpu_index;
                else if (t)
                    t->vcpu = -2; /* one thread for several vCPUs */
                if (qc[i].cpu_index > max_vcpu)
                    max_vcpu = qc[i].cpu_index;
            }
            for (i = 0; i < nr_th; i++)
                if (th[i].vcpu == -2)
                    shared = true;
        }
    }
    if (shared && !by_qmp)
        nr_vcpus = cl.nr_vcpus > (unsigned int)(max_vcpu + 1)
                       ? cl.nr_vcpus
                       : (unsigned int)(max_vcpu + 1);
    else if (max_vcpu >= 0)
        nr_vcpus = (unsigned int)(max_vcpu + 1);
    else
        nr_vcpus = cl.nr_vcpus;
    snprintf(fallback, sizeof(fallback), "qemu-%ld", pid);
    rc = np_snapshot_add_guest(r->snap, (int)pid, cl.name ? cl.name : fallback,
                               nr_vcpus, false, &g);
    if (rc)
        goto out;
    *added = true;
    g->start_time = st.start_time;
    g->mem_kib = cl.mem_kib;
    rc = np_cpumap_alloc(&g->emulator, topo->nr_cpu_ids);
    if (rc)
        goto out;
    if (max_vcpu < 0 && !shared) {
        /* vCPU threads unknown: every vCPU shows the union of all the
         * threads' maps, tid 0 (writes refuse), and the guest says so */
        g->vcpus_unknown = true;
        for (i = 0; i < nr_th; i++)
            np_cpumap_or(&g->emulator, &th[i].cpus);
        for (i = 0; i < nr_vcpus; i++) {
            g->vcpus[i].online = true;
            np_cpumap_or(&g->vcpus[i].hard, &g->emulator);
        }
    } else {
        const struct thread_info *all = NULL;

        for (i = 0; i < nr_th; i++) {
            struct thread_info *t = &th[i];

            if (t->vcpu == -1)
                np_cpumap_or(&g->emulator, &t->cpus);
            else if (t->vcpu == -2)
                all = t;
            else if (!by_qmp)
                fill_vcpu(r, &g->vcpus[t->vcpu], t);
        }
        if (by_qmp) {
            for (i = 0; i < nq; i++) {
                struct thread_info *t = find_thread(th, nr_th, qc[i].tid);

                if (t)
                    fill_vcpu(r, &g->vcpus[qc[i].cpu_index], t);
            }
        } else if (all) {
            /* "ALL CPUs/TCG" runs every vCPU */
            for (i = 0; i < nr_vcpus; i++)
                if (!g->vcpus[i].online)
                    fill_vcpu(r, &g->vcpus[i], all);
        }
    }
    /* memory per node: needs the right to read the process's maps */
    rc = np_qemu_read_numa(r->rootfd, pid, topo->nr_node_ids,
                           &g->mem_per_node_kib);
    if (rc == -ENOMEM)
        goto out;
    if (!rc)
        g->mem_source = "numa_maps";
    /* the memory nodes the kernel holds: the guest's node affinity */
    rc = np_kvm_read_membind(r->rootfd, topo, g);
    if (rc)
        goto out;
out:
    free(text);
    free(tids);
    free(own_qc);
    free_threads(th, nr_th);
    np_qemu_cmdline_dispose(&cl);
    return rc;
}

/* Several guests with one name: fine to list, and the command refuses to
 * pick one by that name (--pid or the pid picks one). */
int np_qemu_read_guests(int rootfd, const char *root, const char *qmp, long pid,
                        struct np_snapshot *snap, struct np_err *err)
{
    struct reader r = {
        .rootfd = rootfd,
        .root = root,
        .qmp = qmp,
        .snap = snap,
    };
    long *pids = NULL;
    unsigned int nr_pids = 0, i;
    bool added;
    int rc;

    r.clk_tck = sysconf(_SC_CLK_TCK);
    if (r.clk_tck <= 0)
        r.clk_tck = 100;
    np_snapshot_clear_guests(snap);
    r.live = !strcmp(root, "/");
    if (r.live && qemu_users(&r)) {
        free(r.uids);
        return -ENOMEM;
    }
    if (pid) {
        rc = read_process(&r, pid, &added, err);
        if (!rc && !added && snap->nr_refused)
            rc = np_err_set(err, -EPERM, "pid %ld is not a guest: %s", pid,
                            snap->refused[0].why);
        else if (!rc && !added)
            rc = np_err_set(err, -ESRCH,
                            "pid %ld is not a running QEMU process", pid);
        goto out;
    }
    rc = list_numeric(rootfd, "proc", &pids, &nr_pids);
    if (rc == -ENOENT && strcmp(root, "/")) {
        /* a captured tree with sys/ only: no processes, as below */
        rc = 0;
        nr_pids = 0;
    }
    if (rc) {
        rc = np_err_set(err, rc, "cannot list '%s/proc': %s", root,
                        strerror(-rc));
        goto out;
    }
    if (!nr_pids) {
        /* a captured tree without processes (the sysfs fixtures): it
         * knows nothing about guests, as a topology file */
        snap->has_guests = false;
        goto out_free;
    }
    for (i = 0; i < nr_pids; i++) {
        if (pids[i] > INT_MAX)
            continue;
        rc = read_process(&r, pids[i], &added, err);
        if (rc)
            goto out;
    }
    rc = 0;
out:
    if (!rc)
        snap->has_guests = true;
out_free:
    free(r.qmp_cpus);
    free(r.uids);
    free(pids);
    return rc;
}

int np_qemu_check_alive(int rootfd, const char *name, long pid,
                        uint64_t start_time, long tid, struct np_err *err)
{
    struct np_proc_stat st;
    char rel[96], *text = NULL;
    int rc;

    snprintf(rel, sizeof(rel), "proc/%ld/stat", pid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    if (!rc) {
        rc = np_proc_parse_stat(text, &st);
        free(text);
    }
    if (rc || st.start_time != start_time)
        return np_err_set(err, -ESRCH, "guest %s (qemu pid %ld) has gone: %s",
                          name, pid,
                          rc ? "the process exited"
                             : "the pid now belongs to another process");
    if (!tid)
        return 0;
    snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/stat", pid, tid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    free(text);
    if (rc)
        return np_err_set(err, -ESRCH,
                          "thread %ld of guest %s (qemu pid %ld) has exited",
                          tid, name, pid);
    return 0;
}
