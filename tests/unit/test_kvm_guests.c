/*
 * test_kvm_guests.c: finding QEMU guests in /proc (kvm/qemu_guests.c):
 * the -name syntax, stat lines, numa_maps, QMP replies and a QMP
 * conversation, fake proc trees built here, and the tree captured from
 * real QEMU processes (tests/fixtures/proc/qemu-tcg, see its README.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cpulist.h"
#include "np_test.h"
#include "qemu_guests.h"
#include "snapshot.h"

#define FIXTURE NP_SRCDIR "/tests/fixtures/proc/qemu-tcg"

/* ---- -name ----------------------------------------------------------- */

static const struct {
    const char *arg;
    const char *name; /* NULL: no name */
} names[] = {
    /* the five spellings of NOTES.md section 4 (-name's argument) */
    {"t3", "t3"},
    {"guest=a,,b,debug-threads=on", "a,b"},
    {"process=qemu-x,guest=y,debug-threads=on", "y"},
    {"z", "z"},
    {"debug-threads=on,guest=w", "w"},
    /* more */
    {"x,debug-threads=on", "x"},
    {"first,guest=second", "second"},
    {"guest=one,guest=two", "two"},
    {"debug-threads=on", NULL},
    {"process=p", NULL},
    {"guest=", NULL},
    {"", NULL},
    {"a,,,,b", "a,,b"},
    {"guest=end,,", "end,"},
    {",,lead", ",lead"},
    {"guest=sp ace", "sp ace"},
};

START_TEST(name_syntax)
{
    char *name = NULL;
    int rc = np_qemu_parse_name(names[_i].arg, &name);

    if (names[_i].name) {
        ck_assert_msg(rc == 0, "'%s': rc %d", names[_i].arg, rc);
        ck_assert_str_eq(name, names[_i].name);
    } else {
        ck_assert_int_eq(rc, -ENOENT);
        ck_assert_ptr_null(name);
    }
    free(name);
}
END_TEST

/* Command lines, argv joined by '|' (turned into NULs). */
static const struct {
    const char *argv;
    bool is_qemu;
    const char *name;
    unsigned int nr_vcpus;
    uint64_t mem_kib;
} cmdlines[] = {
    {"/usr/bin/qemu-system-x86_64|-name|t3", true, "t3", 1, 131072},
    {"qemu-system-x86_64|-name|first|-name|guest=second", true, "second", 1,
     131072},
    {"qemu-system-aarch64|--name|z|-smp|4|-m|1G", true, "z", 4, 1048576},
    {"/usr/libexec/qemu-kvm|-smp|cpus=3,maxcpus=8|-m|size=512M,slots=2", true,
     NULL, 3, 524288},
    {"kvm|-smp|sockets=2,cores=2,threads=2|-m|256", true, NULL, 8, 262144},
    {"qemu-system-x86_64|-smp|4,sockets=2|-m|2048k", true, NULL, 4, 2048},
    {"qemu-system-x86_64|-name", true, NULL, 1, 131072},
    {"/bin/sleep|-name|guest=x", false, NULL, 0, 0},
    {"qemu-img|-name|x", false, NULL, 0, 0},
    {"/usr/bin/qemu-system-x86_64|-name|process=qemu-x,guest=y,"
     "debug-threads=on|-name|guest=a,,b",
     true, "a,b", 1, 131072},
};

/* The QMP socket a command line names (NULL: none to find). */
static const struct {
    const char *argv;
    const char *qmp;
} qmp_cmdlines[] = {
    {"qemu-system-x86_64|-qmp|unix:/run/q.sock,server,nowait", "/run/q.sock"},
    {"qemu-system-x86_64|-qmp|unix:/run/a,,b.sock", "/run/a,b.sock"},
    {"qemu-system-x86_64|-qmp|tcp:localhost:4444,server", NULL},
    {"qemu-system-x86_64|-qmp|unix:rel.sock,server", NULL},
    {"qemu-system-x86_64|-chardev|socket,id=charmonitor,path=/var/lib/"
     "libvirt/qemu/domain-1-web/monitor.sock,server=on,wait=off|-mon|"
     "chardev=charmonitor,id=monitor,mode=control",
     "/var/lib/libvirt/qemu/domain-1-web/monitor.sock"},
    /* a human monitor is not QMP */
    {"qemu-system-x86_64|-chardev|socket,id=hmp,path=/run/h.sock,server=on|"
     "-mon|chardev=hmp,mode=readline",
     NULL},
    /* libvirt today passes the socket as an fd: nothing to connect to */
    {"qemu-system-x86_64|-chardev|socket,id=charmonitor,fd=23,server=on,"
     "wait=off|-mon|chardev=charmonitor,id=monitor,mode=control",
     NULL},
    {"qemu-system-x86_64|-mon|chardev=m,mode=control|-chardev|"
     "socket,id=other,path=/run/o.sock|-chardev|socket,path=/run/m.sock,id=m",
     "/run/m.sock"},
    {"qemu-system-x86_64|-qmp", NULL},
};

START_TEST(cmdline_qmp)
{
    struct np_qemu_cmdline cl;
    char buf[512];
    size_t len = strlen(qmp_cmdlines[_i].argv) + 1, i;

    ck_assert_uint_lt(len, sizeof(buf));
    memcpy(buf, qmp_cmdlines[_i].argv, len);
    for (i = 0; i < len; i++)
        if (buf[i] == '|')
            buf[i] = '\0';
    np_qemu_cmdline_init(&cl);
    ck_assert_int_eq(np_qemu_cmdline_parse(buf, len, &cl), 0);
    if (qmp_cmdlines[_i].qmp)
        ck_assert_str_eq(cl.qmp_path, qmp_cmdlines[_i].qmp);
    else
        ck_assert_ptr_null(cl.qmp_path);
    np_qemu_cmdline_dispose(&cl);
}
END_TEST

START_TEST(cmdline)
{
    struct np_qemu_cmdline cl;
    char buf[256];
    size_t len = strlen(cmdlines[_i].argv) + 1, i;

    ck_assert_uint_lt(len, sizeof(buf));
    memcpy(buf, cmdlines[_i].argv, len);
    for (i = 0; i < len; i++)
        if (buf[i] == '|')
            buf[i] = '\0';
    np_qemu_cmdline_init(&cl);
    ck_assert_int_eq(np_qemu_cmdline_parse(buf, len, &cl), 0);
    ck_assert_msg(cl.is_qemu == cmdlines[_i].is_qemu, "%s", cmdlines[_i].argv);
    if (cmdlines[_i].name)
        ck_assert_str_eq(cl.name, cmdlines[_i].name);
    else
        ck_assert_ptr_null(cl.name);
    if (cl.is_qemu) {
        ck_assert_uint_eq(cl.nr_vcpus, cmdlines[_i].nr_vcpus);
        ck_assert_uint_eq(cl.mem_kib, cmdlines[_i].mem_kib);
    }
    np_qemu_cmdline_dispose(&cl);
    np_qemu_cmdline_dispose(&cl); /* idempotent */
}
END_TEST

/* ---- stat ------------------------------------------------------------ */

#define STAT_TAIL                                                              \
    " 1 2 3 4 5 6 7 8 9 10 250 13 0 0 20 0 5 0 142262 1 2 3 4 5 6 7 8 9 "      \
    "10 11 12 13 14 15 16 1 0 0 0 0 0\n"

START_TEST(stat_lines)
{
    struct np_proc_stat st;

    /* a real vCPU thread's line: comm with a space and a '/' */
    ck_assert_int_eq(np_proc_parse_stat("27849 (CPU 0/TCG) S" STAT_TAIL, &st),
                     0);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.utime, 250);
    ck_assert_uint_eq(st.stime, 13);
    ck_assert_uint_eq(st.start_time, 142262);
    ck_assert_int_eq(st.processor, 1);
    /* parentheses and spaces in comm: split after the LAST ')' */
    ck_assert_int_eq(np_proc_parse_stat("7 (a) R (b)) R" STAT_TAIL, &st), 0);
    ck_assert_int_eq(st.state, 'R');
    ck_assert_uint_eq(st.start_time, 142262);
    ck_assert_int_eq(np_proc_parse_stat("8 ( ) ) D" STAT_TAIL, &st), 0);
    ck_assert_int_eq(st.state, 'D');
    /* broken lines */
    ck_assert_int_eq(np_proc_parse_stat("", &st), -EINVAL);
    ck_assert_int_eq(np_proc_parse_stat("1 (x S 1 2", &st), -EINVAL);
    ck_assert_int_eq(np_proc_parse_stat("1 (x) S 1 2 3\n", &st), -EINVAL);
    ck_assert_int_eq(np_proc_parse_stat("1 (x) S 1 2 3 4 5 6 7 8 9 10 a b "
                                        "0 0 20 0 5 0 99\n",
                                        &st),
                     -EINVAL);
}
END_TEST

/* ---- numa_maps ------------------------------------------------------- */

START_TEST(numa_maps)
{
    const char *text =
        "55d0 default file=/usr/bin/qemu-system-x86_64 mapped=10 N0=10 "
        "kernelpagesize_kB=4\n"
        "7f00 default anon=300 dirty=300 N0=100 N2=200 "
        "kernelpagesize_kB=4\n"
        "7f10 default\n"
        "7f20 bind:1 huge anon=2 dirty=2 N1=2 kernelpagesize_kB=2048\n"
        "7f30 default anon=1 N9=1 kernelpagesize_kB=4\n"
        "7f40 interleave:0-1 file=/tmp/N5=x N0=1";
    uint64_t kib[3], total;

    ck_assert_int_eq(np_numa_maps_parse(text, 3, kib, &total), 0);
    ck_assert_uint_eq(kib[0], 40 + 400 + 4);
    ck_assert_uint_eq(kib[1], 4096);
    ck_assert_uint_eq(kib[2], 800);
    ck_assert_uint_eq(total, 40 + 400 + 4 + 4096 + 800 + 4);
    ck_assert_int_eq(np_numa_maps_parse("", 3, kib, &total), 0);
    ck_assert_uint_eq(total, 0);
    ck_assert_int_eq(np_numa_maps_parse("1 default N0=x\n", 3, kib, NULL),
                     -EINVAL);
    ck_assert_int_eq(
        np_numa_maps_parse("1 N0=1 kernelpagesize_kB=0\n", 3, kib, NULL),
        -EINVAL);
    /* counts that would wrap the sums (found by fuzz_qemu) */
    ck_assert_int_eq(np_numa_maps_parse("1 N0=-1\n", 3, kib, NULL), -EINVAL);
    ck_assert_int_eq(
        np_numa_maps_parse("1 N0=4611686018427387904\n", 3, kib, NULL),
        -EINVAL);
    ck_assert_int_eq(np_numa_maps_parse("1 N0=70368744177664\n2 N1=1 "
                                        "kernelpagesize_kB=4611686018427387904"
                                        "\n",
                                        3, kib, NULL),
                     -EINVAL);
}
END_TEST

/* ---- QMP -------------------------------------------------------------- */

/* The exact reply of NOTES.md section 1 (4 vCPUs, 2 guest nodes). */
static const char qmp_reply[] =
    "{\"return\": [{\"thread-id\": 2134, \"props\": {\"core-id\": 0, "
    "\"thread-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"qom-path\": "
    "\"/machine/unattached/device[0]\", \"cpu-index\": 0, \"target\": "
    "\"x86_64\"}, {\"thread-id\": 2135, \"props\": {\"core-id\": 1, "
    "\"thread-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"qom-path\": "
    "\"/machine/unattached/device[2]\", \"cpu-index\": 1, \"target\": "
    "\"x86_64\"}, {\"thread-id\": 2136, \"props\": {\"core-id\": 0, "
    "\"thread-id\": 0, \"node-id\": 1, \"socket-id\": 1}, \"qom-path\": "
    "\"/machine/unattached/device[3]\", \"cpu-index\": 2, \"target\": "
    "\"x86_64\"}, {\"thread-id\": 2137, \"props\": {\"core-id\": 1, "
    "\"thread-id\": 0, \"node-id\": 1, \"socket-id\": 1}, \"qom-path\": "
    "\"/machine/unattached/device[4]\", \"cpu-index\": 3, \"target\": "
    "\"x86_64\"}]}";

START_TEST(qmp_parse)
{
    struct np_qmp_cpu *cpus = NULL;
    struct np_err err = {""};
    unsigned int nr, i;

    ck_assert_int_eq(np_qmp_parse_cpus(qmp_reply, &cpus, &nr, &err), 0);
    ck_assert_uint_eq(nr, 4);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(cpus[i].cpu_index, (int)i);
        ck_assert_int_eq(cpus[i].tid, 2134 + (long)i);
    }
    free(cpus);
    /* props first, the inner thread-id (SMT index 1) must not be taken */
    ck_assert_int_eq(
        np_qmp_parse_cpus("{\"return\": [{\"props\": {\"thread-id\": 1}, "
                          "\"cpu-index\": 5, \"thread-id\": 77}]}",
                          &cpus, &nr, &err),
        0);
    ck_assert_uint_eq(nr, 1);
    ck_assert_int_eq(cpus[0].tid, 77);
    ck_assert_int_eq(cpus[0].cpu_index, 5);
    free(cpus);
    /* single-threaded TCG: one tid for all */
    ck_assert_int_eq(
        np_qmp_parse_cpus("{\"return\": [{\"thread-id\": 10884, "
                          "\"cpu-index\": 0}, {\"thread-id\": 10884, "
                          "\"cpu-index\": 1}, {\"thread-id\": 10884, "
                          "\"cpu-index\": 2}]}",
                          &cpus, &nr, &err),
        0);
    ck_assert_uint_eq(nr, 3);
    ck_assert_int_eq(cpus[2].tid, 10884);
    free(cpus);
    /* errors */
    ck_assert_int_eq(
        np_qmp_parse_cpus("{\"error\": {\"class\": \"CommandNotFound\", "
                          "\"desc\": \"The command query-cpus-fast has not "
                          "been found\"}}",
                          &cpus, &nr, &err),
        -EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "has not been found"));
    np_err_clear(&err);
    ck_assert_int_eq(np_qmp_parse_cpus("{\"return\": [{\"props\": "
                                       "{\"thread-id\": 0}}]}",
                                       &cpus, &nr, &err),
                     -EINVAL);
    np_err_clear(&err);
    ck_assert_int_eq(np_qmp_parse_cpus("{\"return\": {}}", &cpus, &nr, &err),
                     -EINVAL);
    np_err_clear(&err);
    ck_assert_int_eq(np_qmp_parse_cpus("not json", &cpus, &nr, &err), -EINVAL);
    ck_assert_ptr_null(cpus);
    /* one vCPU's thread id given twice: json-c would keep the last */
    np_err_clear(&err);
    ck_assert_int_eq(np_qmp_parse_cpus("{\"return\": [{\"thread-id\": 77, "
                                       "\"thread-id\": 1}]}",
                                       &cpus, &nr, &err),
                     -EINVAL);
    ck_assert_str_eq(err.msg, "the QMP reply: return[0]: duplicate key "
                              "'thread-id' (line 1)");
    ck_assert_ptr_null(cpus);
    /* a QEMU error is quoted escaped */
    np_err_clear(&err);
    ck_assert_int_eq(np_qmp_parse_cpus("{\"error\": {\"desc\": \"x\\u001by\"}}",
                                       &cpus, &nr, &err),
                     -EIO);
    ck_assert_str_eq(err.msg, "QMP query-cpus-fast failed: x\\x1by");
}
END_TEST

/* A one-client QMP server: greeting, an event before each reply. */
struct fake_qmp {
    int listen_fd;
    char path[108];
    const char *reply;
    bool greet;
};

static void *fake_qmp_main(void *arg)
{
    struct fake_qmp *q = arg;
    char buf[4096];
    const char *greeting =
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
        "\"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";
    const char *event = "{\"timestamp\": {\"seconds\": 1, \"microseconds\": "
                        "2}, \"event\": \"RESUME\"}\r\n";
    int fd, n, answered = 0;
    ssize_t got, w;

    fd = accept(q->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    if (!q->greet) {
        sleep(5); /* another client holds the monitor */
        close(fd);
        return NULL;
    }
    w = write(fd, greeting, strlen(greeting));
    while (answered < 2 && (got = read(fd, buf, sizeof(buf) - 1)) > 0) {
        buf[got] = '\0';
        for (n = 0; buf[n]; n++)
            if (buf[n] == '\n') {
                w = write(fd, event, strlen(event));
                if (answered == 0)
                    w = write(fd, "{\"return\": {}}\r\n", 16);
                else {
                    w = write(fd, q->reply, strlen(q->reply));
                    w = write(fd, "\r\n", 2);
                }
                answered++;
            }
    }
    (void)w;
    close(fd);
    return NULL;
}

static void fake_qmp_start(struct fake_qmp *q, const char *dir, bool greet,
                           pthread_t *th)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    q->greet = greet;
    q->reply = qmp_reply;
    snprintf(q->path, sizeof(q->path), "%s/qmp.sock", dir);
    strcpy(addr.sun_path, q->path);
    q->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(q->listen_fd, 0);
    ck_assert_int_eq(bind(q->listen_fd, (struct sockaddr *)&addr, sizeof(addr)),
                     0);
    ck_assert_int_eq(listen(q->listen_fd, 1), 0);
    ck_assert_int_eq(pthread_create(th, NULL, fake_qmp_main, q), 0);
}

static void fake_qmp_stop(struct fake_qmp *q, pthread_t th)
{
    pthread_join(th, NULL);
    close(q->listen_fd);
    unlink(q->path);
}

/* ---- fake proc trees ------------------------------------------------ */

struct tree {
    char dir[64];
    int fd;
};

static void tree_init(struct tree *t)
{
    strcpy(t->dir, "/tmp/np-kvm-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    t->fd = open(t->dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(t->fd, 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    return remove(path);
}

static void tree_dispose(struct tree *t)
{
    close(t->fd);
    nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write rel (parents created) with len bytes of data. */
static void put(const struct tree *t, const char *rel, const char *data,
                size_t len)
{
    char path[256], *p;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
    for (p = path + strlen(t->dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void put_str(const struct tree *t, const char *rel, const char *s)
{
    put(t, rel, s, strlen(s));
}

/* A process: argv joined by '|', threads "tid:comm:cpulist" by ';'. */
static void fake_process(const struct tree *t, long pid, const char *argv,
                         unsigned long start, const char *threads)
{
    char rel[128], buf[512], *list, *tok, *save = NULL;
    size_t len = strlen(argv) + 1, i;

    memcpy(buf, argv, len);
    for (i = 0; i < len; i++)
        if (buf[i] == '|')
            buf[i] = '\0';
    snprintf(rel, sizeof(rel), "proc/%ld/cmdline", pid);
    put(t, rel, buf, len);
    snprintf(rel, sizeof(rel), "proc/%ld/stat", pid);
    snprintf(buf, sizeof(buf),
             "%ld (qemu-system-x86) S 1 2 3 4 5 6 7 8 9 10 0 0 0 0 20 0 5 0 "
             "%lu 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 0 0 0 0\n",
             pid, start);
    put_str(t, rel, buf);
    snprintf(rel, sizeof(rel), "proc/%ld/numa_maps", pid);
    put_str(t, rel,
            "7f00 default anon=300 N0=256 N1=512 "
            "kernelpagesize_kB=4\n");
    list = strdup(threads);
    for (tok = strtok_r(list, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        long tid = strtol(tok, NULL, 10);
        char *comm = strchr(tok, ':') + 1, *cpus = strchr(comm, ':');

        *cpus++ = '\0';
        snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/comm", pid, tid);
        snprintf(buf, sizeof(buf), "%s\n", comm);
        put_str(t, rel, buf);
        snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/stat", pid, tid);
        snprintf(buf, sizeof(buf),
                 "%ld (%s) R 1 2 3 4 5 6 7 8 9 10 300 100 0 0 20 0 5 0 %lu "
                 "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 3 0 0 0\n",
                 tid, comm, start);
        put_str(t, rel, buf);
        snprintf(rel, sizeof(rel), "proc/%ld/task/%ld/status", pid, tid);
        snprintf(buf, sizeof(buf),
                 "Name:\t%s\nCpus_allowed:\tff\nCpus_allowed_list:\t%s\n"
                 "Mems_allowed_list:\t0-1\n",
                 comm, cpus);
        put_str(t, rel, buf);
    }
    free(list);
}

/* 8 CPUs (0-3 node 0, 4-7 node 1). */
static void snap_init(struct np_snapshot *snap)
{
    np_snapshot_init(snap);
    np_test_topo_dense(&snap->topo, 2, 4, 1, 2);
}

static void check_map(const struct np_cpumap *map, const char *want)
{
    char *s = np_cpulist_format_ranges(map);

    ck_assert_str_eq(s, want);
    free(s);
}

/* Several guests, one without debug-threads, a non-QEMU process, a
 * process without threads any more, duplicate names. */
START_TEST(fake_tree)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    struct np_guest *g;
    struct tree t;

    tree_init(&t);
    fake_process(&t, 100,
                 "/usr/bin/qemu-system-x86_64|-smp|2|-name|"
                 "guest=web,debug-threads=on",
                 5000,
                 "100:qemu-system-x86:0-7;101:call_rcu:0-3;"
                 "102:CPU 0/KVM:4;103:CPU 1/KVM:5-6;104:IO io1:2");
    fake_process(&t, 200, "qemu-system-x86_64|-smp|3|-m|1G|-name|plain", 6000,
                 "200:qemu-system-x86:0-7;201:qemu-system-x86:0-7;"
                 "202:qemu-system-x86:0-7");
    fake_process(&t, 300, "/bin/bash|-name|web", 7000, "300:bash:0-7");
    fake_process(&t, 400, "qemu-system-x86_64|-name|guest=web", 8000,
                 "400:qemu-system-x86:0-7;401:CPU 0/TCG:1");
    put_str(&t, "proc/self", "not a pid\n");
    snap_init(&snap);
    ck_assert_msg(np_qemu_read_guests(t.fd, t.dir, NULL, 0, &snap, &err) == 0,
                  "%s", err.msg);
    ck_assert(snap.has_guests);
    ck_assert_uint_eq(snap.nr_guests, 3);

    g = &snap.guests[0];
    ck_assert_int_eq(g->id, 100);
    ck_assert_str_eq(g->name, "web");
    ck_assert_uint_eq(g->start_time, 5000);
    ck_assert_uint_eq(g->nr_vcpus, 2);
    ck_assert_int_eq(g->vcpus[0].tid, 102);
    ck_assert_int_eq(g->vcpus[1].tid, 103);
    ck_assert(g->vcpus[0].online && g->vcpus[0].running);
    ck_assert_int_eq(g->vcpus[1].cpu, 3);
    check_map(&g->vcpus[0].hard, "4");
    check_map(&g->vcpus[1].hard, "5-6");
    ck_assert_uint_eq(g->vcpus[1].soft.nr_bits, 0);
    /* utime + stime = 400 ticks */
    ck_assert_uint_eq(g->vcpus[0].time_ns,
                      400 * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK)));
    /* emulator: the union of 100, 101, 104 */
    check_map(&g->emulator, "0-7");
    ck_assert_ptr_nonnull(g->mem_per_node_kib);
    ck_assert_uint_eq(g->mem_per_node_kib[0], 1024);
    ck_assert_uint_eq(g->mem_per_node_kib[1], 2048);
    ck_assert_uint_eq(g->mem_kib, 131072);

    /* no debug-threads, no QMP: vCPU count from -smp, threads unknown */
    g = &snap.guests[1];
    ck_assert_str_eq(g->name, "plain");
    ck_assert_uint_eq(g->nr_vcpus, 3);
    ck_assert_int_eq(g->vcpus[2].tid, 0);
    ck_assert_int_eq(g->vcpus[2].cpu, -1);
    check_map(&g->vcpus[2].hard, "0-7");
    ck_assert(g->vcpus_unknown); /* and the commands say so */
    ck_assert(!snap.guests[0].vcpus_unknown);
    ck_assert_uint_eq(g->mem_kib, 1048576);

    /* a second "web": listed, the command refuses the name */
    g = &snap.guests[2];
    ck_assert_int_eq(g->id, 400);
    ck_assert_str_eq(g->name, "web");
    ck_assert_int_eq(g->vcpus[0].tid, 401);

    /* --pid picks one; a pid that is no QEMU is an error */
    ck_assert_int_eq(np_qemu_read_guests(t.fd, t.dir, NULL, 400, &snap, &err),
                     0);
    ck_assert_uint_eq(snap.nr_guests, 1);
    ck_assert_int_eq(snap.guests[0].id, 400);
    ck_assert_int_eq(np_qemu_read_guests(t.fd, t.dir, NULL, 300, &snap, &err),
                     -ESRCH);
    ck_assert_ptr_nonnull(strstr(err.msg, "300"));
    np_err_clear(&err);
    ck_assert_int_eq(np_qemu_read_guests(t.fd, t.dir, NULL, 999, &snap, &err),
                     -ESRCH);

    /* start time and threads re-checked before acting */
    np_err_clear(&err);
    ck_assert_int_eq(np_qemu_check_alive(t.fd, "web", 100, 5000, 103, &err), 0);
    ck_assert_int_eq(np_qemu_check_alive(t.fd, "web", 100, 4999, 0, &err),
                     -ESRCH);
    ck_assert_ptr_nonnull(strstr(err.msg, "another process"));
    np_err_clear(&err);
    ck_assert_int_eq(np_qemu_check_alive(t.fd, "web", 100, 5000, 105, &err),
                     -ESRCH);
    ck_assert_ptr_nonnull(strstr(err.msg, "105"));
    np_err_clear(&err);
    ck_assert_int_eq(np_qemu_check_alive(t.fd, "web", 150, 5000, 0, &err),
                     -ESRCH);
    ck_assert_ptr_nonnull(strstr(err.msg, "exited"));

    np_snapshot_dispose(&snap);
    tree_dispose(&t);
}
END_TEST

/* One thread runs every vCPU: each vCPU gets that tid. */
START_TEST(single_thread_tcg)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    struct np_guest *g;
    struct tree t;
    unsigned int v;

    tree_init(&t);
    fake_process(&t, 500,
                 "qemu-system-x86_64|-accel|tcg,thread=single|"
                 "-smp|3|-name|guest=one,debug-threads=on",
                 9000,
                 "500:qemu-system-x86:0-7;501:call_rcu:0-7;"
                 "502:ALL CPUs/TCG:2-3");
    snap_init(&snap);
    ck_assert_msg(np_qemu_read_guests(t.fd, t.dir, NULL, 0, &snap, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(snap.nr_guests, 1);
    g = &snap.guests[0];
    ck_assert_uint_eq(g->nr_vcpus, 3);
    for (v = 0; v < 3; v++) {
        ck_assert_int_eq(g->vcpus[v].tid, 502);
        check_map(&g->vcpus[v].hard, "2-3");
    }
    check_map(&g->emulator, "0-7");
    np_snapshot_dispose(&snap);
    tree_dispose(&t);
}
END_TEST

/* Threads found over QMP: the fake QEMU has tids 2134-2137 unnamed. */
START_TEST(qmp_threads)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    struct np_qmp_cpu *cpus = NULL;
    struct fake_qmp q;
    struct np_guest *g;
    struct tree t;
    pthread_t th;
    unsigned int nr, v;

    tree_init(&t);
    fake_process(&t, 2130, "qemu-system-x86_64|-smp|4|-name|t2", 100,
                 "2130:qemu-system-x86:0-7;2131:qemu-system-x86:0-7;"
                 "2134:qemu-system-x86:0;2135:qemu-system-x86:1;"
                 "2136:qemu-system-x86:4;2137:qemu-system-x86:5");
    fake_process(&t, 3000, "qemu-system-x86_64|-smp|2|-name|other", 100,
                 "3000:qemu-system-x86:0-7;3001:qemu-system-x86:0-7");
    fake_qmp_start(&q, t.dir, true, &th);
    snap_init(&snap);
    ck_assert_msg(np_qemu_read_guests(t.fd, t.dir, q.path, 0, &snap, &err) == 0,
                  "%s", err.msg);
    fake_qmp_stop(&q, th);
    ck_assert_uint_eq(snap.nr_guests, 2);
    g = &snap.guests[0];
    ck_assert_uint_eq(g->nr_vcpus, 4);
    for (v = 0; v < 4; v++)
        ck_assert_int_eq(g->vcpus[v].tid, 2134 + (long)v);
    check_map(&g->vcpus[2].hard, "4");
    check_map(&g->emulator, "0-7");
    /* the other guest is not the socket's: threads still unknown */
    ck_assert_int_eq(snap.guests[1].vcpus[0].tid, 0);

    /* a monitor held by another client: no greeting, a clear timeout */
    fake_qmp_start(&q, t.dir, false, &th);
    ck_assert_int_eq(np_qmp_query_cpus(q.path, &cpus, &nr, &err), -ETIMEDOUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "one client"));
    fake_qmp_stop(&q, th);
    np_err_clear(&err);
    ck_assert_int_eq(
        np_qmp_query_cpus("/nonexistent/qmp.sock", &cpus, &nr, &err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/qmp.sock"));
    np_snapshot_dispose(&snap);
    tree_dispose(&t);
}
END_TEST

/* The tree captured from real QEMU 7.2 processes. */
START_TEST(captured)
{
    struct np_snapshot snap;
    struct np_err err = {""};
    struct np_guest *g;
    int fd;

    fd = open(FIXTURE, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    np_snapshot_init(&snap);
    np_test_topo_dense(&snap.topo, 1, 2, 1, 1);
    ck_assert_msg(np_qemu_read_guests(fd, FIXTURE, NULL, 0, &snap, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(snap.nr_guests, 2);
    g = &snap.guests[0];
    ck_assert_int_eq(g->id, 27839);
    ck_assert_str_eq(g->name, "a,b");
    ck_assert_uint_eq(g->nr_vcpus, 2);
    ck_assert_int_eq(g->vcpus[0].tid, 27849);
    ck_assert_int_eq(g->vcpus[1].tid, 27850);
    check_map(&g->vcpus[0].hard, "0-1");
    check_map(&g->vcpus[1].hard, "1");
    check_map(&g->emulator, "0");
    ck_assert_uint_eq(g->start_time, 142262);
    ck_assert_uint_eq(g->mem_per_node_kib[0], 46124);
    g = &snap.guests[1];
    ck_assert_str_eq(g->name, "single");
    ck_assert_uint_eq(g->nr_vcpus, 2);
    ck_assert_int_eq(g->vcpus[0].tid, 27847);
    ck_assert_int_eq(g->vcpus[1].tid, 27847);
    np_snapshot_dispose(&snap);
    close(fd);
}
END_TEST

Suite *suite_test_kvm_guests(void);
Suite *suite_test_kvm_guests(void)
{
    Suite *s = suite_create("kvm_guests");
    TCase *tc = tcase_create("parse");
    TCase *tree = tcase_create("proc");

    tcase_add_loop_test(tc, name_syntax, 0,
                        (int)(sizeof(names) / sizeof(names[0])));
    tcase_add_loop_test(tc, cmdline, 0,
                        (int)(sizeof(cmdlines) / sizeof(cmdlines[0])));
    tcase_add_loop_test(tc, cmdline_qmp, 0,
                        sizeof(qmp_cmdlines) / sizeof(qmp_cmdlines[0]));
    tcase_add_test(tc, stat_lines);
    tcase_add_test(tc, numa_maps);
    tcase_add_test(tc, qmp_parse);
    suite_add_tcase(s, tc);
    tcase_set_timeout(tree, 30);
    tcase_add_test(tree, fake_tree);
    tcase_add_test(tree, single_thread_tcg);
    tcase_add_test(tree, qmp_threads);
    tcase_add_test(tree, captured);
    suite_add_tcase(s, tree);
    return s;
}
