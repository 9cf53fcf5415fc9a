/*
 * qemu_cmdline.c: what a QEMU command line says of its guest: whether it
 * is QEMU, its -name, -smp and -m (see qemu_guests.h).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_guests.h"

bool np_qemu_is_binary(const char *argv0)
{
    const char *base = strrchr(argv0, '/');

    base = base ? base + 1 : argv0;
    return !strncmp(base, "qemu-system-", 12) || !strcmp(base, "qemu-kvm") ||
           !strcmp(base, "kvm");
}

/*
 * Split a QEMU option string: the next element of *p (",," unescaped)
 * into a malloc'd string, advancing *p past its ','.  NULL at the end or
 * when out of memory (*oom set).
 */
static char *next_element(const char **p, bool *oom)
{
    const char *s = *p;
    char *elem, *o;

    if (!s)
        return NULL;
    elem = malloc(strlen(s) + 1);
    if (!elem) {
        *oom = true;
        return NULL;
    }
    o = elem;
    for (;;) {
        if (*s == ',' && s[1] == ',') {
            *o++ = ',';
            s += 2;
        } else if (*s == ',' || !*s) {
            break;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    *p = *s ? s + 1 : NULL;
    return elem;
}

int np_qemu_parse_name(const char *arg, char **name_out)
{
    const char *p = arg;
    char *elem, *first_plain = NULL, *guest = NULL;
    bool oom = false, first = true;

    *name_out = NULL;
    while ((elem = next_element(&p, &oom))) {
        if (!strncmp(elem, "guest=", 6)) {
            free(guest);
            guest = strdup(elem + 6);
            if (!guest)
                oom = true;
        } else if (first && !strchr(elem, '=')) {
            first_plain = elem;
            elem = NULL;
        }
        free(elem);
        first = false;
        if (oom)
            break;
    }
    if (oom) {
        free(guest);
        free(first_plain);
        return -ENOMEM;
    }
    if (guest) {
        free(first_plain);
        *name_out = guest;
    } else {
        *name_out = first_plain;
    }
    if (*name_out && !**name_out) {
        free(*name_out);
        *name_out = NULL;
    }
    return *name_out ? 0 : -ENOENT;
}

void np_qemu_cmdline_init(struct np_qemu_cmdline *cl)
{
    memset(cl, 0, sizeof(*cl));
}

void np_qemu_cmdline_dispose(struct np_qemu_cmdline *cl)
{
    free(cl->name);
    free(cl->qmp_path);
    np_qemu_cmdline_init(cl);
}

/* The value of key in an option string ("key=V"), or the implied first
 * element when implied and it has no '='; NULL when neither. */
static bool opt_value(const char *arg, const char *key, bool implied,
                      unsigned long long *v_out, char *suffix_out)
{
    size_t klen = strlen(key);
    const char *p = arg, *s;
    bool first = true, found = false, oom = false;
    char *elem, *end;

    while ((elem = next_element(&p, &oom))) {
        s = NULL;
        if (!strncmp(elem, key, klen) && elem[klen] == '=')
            s = elem + klen + 1;
        else if (first && implied && !strchr(elem, '='))
            s = elem;
        if (s && isdigit((unsigned char)*s)) {
            errno = 0;
            *v_out = strtoull(s, &end, 10);
            if (!errno) {
                found = true;
                if (suffix_out)
                    *suffix_out = *end;
            }
        }
        free(elem);
        first = false;
    }
    return found;
}

/* -smp: cpus=, the implied first number, or the product of the topology. */
static unsigned int smp_vcpus(const char *arg)
{
    unsigned long long n = 0, s = 1, d = 1, c = 1, t = 1, x;
    bool any = false;

    if (opt_value(arg, "cpus", true, &n, NULL) && n > 0 && n <= 65536)
        return (unsigned int)n;
    if (opt_value(arg, "sockets", false, &x, NULL) && x > 0 && x <= 65536) {
        s = x;
        any = true;
    }
    if (opt_value(arg, "dies", false, &x, NULL) && x > 0 && x <= 65536) {
        d = x;
        any = true;
    }
    if (opt_value(arg, "cores", false, &x, NULL) && x > 0 && x <= 65536) {
        c = x;
        any = true;
    }
    if (opt_value(arg, "threads", false, &x, NULL) && x > 0 && x <= 65536) {
        t = x;
        any = true;
    }
    n = s * d * c * t;
    return any && n <= 65536 ? (unsigned int)n : 1;
}

/* -m: size=N[suffix] or the implied N[suffix]; the unit is MiB. */
static uint64_t mem_size_kib(const char *arg)
{
    unsigned long long n;
    char suffix = 0;

    if (!opt_value(arg, "size", true, &n, &suffix))
        return 0;
    switch (toupper((unsigned char)suffix)) {
    case 'K':
        return n;
    case 'G':
        return n << 20;
    case 'T':
        return n << 30;
    case 'B':
        return n >> 10;
    default:
        return n << 10; /* M or none */
    }
}

/* The value of key= among the elements of a QEMU option (malloc'd), or
 * NULL; *oom on allocation failure. */
static char *opt_string(const char *arg, const char *key, bool *oom)
{
    const char *p = arg;
    size_t klen = strlen(key);
    char *elem, *v = NULL;

    while (!v && (elem = next_element(&p, oom))) {
        if (!strncmp(elem, key, klen) && elem[klen] == '=' &&
            !(v = strdup(elem + klen + 1)))
            *oom = true;
        free(elem);
    }
    return v;
}

/* -qmp unix:PATH[,server=on,...]: PATH, else NULL. */
static char *qmp_unix_path(const char *arg, bool *oom)
{
    const char *p;

    if (strncmp(arg, "unix:", 5))
        return NULL;
    p = arg + 5;
    return next_element(&p, oom);
}

/* The QMP socket of a command line (see qemu_guests.h). */
struct qmp_scan {
    char *qmp;        /* from -qmp */
    char *mon_ids[8]; /* -mon chardev=ID,mode=control */
    unsigned int nr_mon;
    char *dev_ids[8], *dev_paths[8]; /* -chardev socket,id=,path= */
    unsigned int nr_dev;
};

static void qmp_scan_arg(struct qmp_scan *q, const char *opt, const char *arg,
                         bool *oom)
{
    if ((!strcmp(opt, "-qmp") || !strcmp(opt, "--qmp") ||
         !strcmp(opt, "-qmp-pretty")) &&
        !q->qmp) {
        q->qmp = qmp_unix_path(arg, oom);
    } else if ((!strcmp(opt, "-mon") || !strcmp(opt, "--mon")) &&
               q->nr_mon < 8) {
        char *mode = opt_string(arg, "mode", oom);
        char *id = opt_string(arg, "chardev", oom);

        if (id && mode && !strcmp(mode, "control"))
            q->mon_ids[q->nr_mon++] = id;
        else
            free(id);
        free(mode);
    } else if ((!strcmp(opt, "-chardev") || !strcmp(opt, "--chardev")) &&
               !strncmp(arg, "socket,", 7) && q->nr_dev < 8) {
        char *id = opt_string(arg, "id", oom);
        char *path = opt_string(arg, "path", oom);

        if (id && path) {
            q->dev_ids[q->nr_dev] = id;
            q->dev_paths[q->nr_dev++] = path;
        } else {
            free(id);
            free(path);
        }
    }
}

static char *qmp_scan_done(struct qmp_scan *q)
{
    char *found = q->qmp;
    unsigned int i, j;

    for (i = 0; !found && i < q->nr_mon; i++)
        for (j = 0; !found && j < q->nr_dev; j++)
            if (!strcmp(q->mon_ids[i], q->dev_ids[j])) {
                found = q->dev_paths[j];
                q->dev_paths[j] = NULL;
            }
    for (i = 0; i < q->nr_mon; i++)
        free(q->mon_ids[i]);
    for (j = 0; j < q->nr_dev; j++) {
        free(q->dev_ids[j]);
        free(q->dev_paths[j]);
    }
    if (found && found[0] != '/') {
        free(found); /* relative to QEMU's directory: not ours to find */
        found = NULL;
    }
    return found;
}

int np_qemu_cmdline_parse(const char *argv, size_t len,
                          struct np_qemu_cmdline *cl)
{
    struct qmp_scan qs;
    bool oom = false;
    const char *arg = argv, *end = argv + len, *next;
    const char *name_arg = NULL;
    unsigned int nr_vcpus = 1;
    uint64_t mem_kib = 128 << 10, m;
    int rc;

    np_qemu_cmdline_dispose(cl);
    memset(&qs, 0, sizeof(qs));
    if (!len || !np_qemu_is_binary(argv))
        return 0;
    cl->is_qemu = true;
    for (arg += strlen(arg) + 1; arg < end; arg = next) {
        next = arg + strlen(arg) + 1;
        if (next >= end)
            break; /* an option without its value */
        if (!strcmp(arg, "-name") || !strcmp(arg, "--name"))
            name_arg = next;
        else if (!strcmp(arg, "-smp") || !strcmp(arg, "--smp"))
            nr_vcpus = smp_vcpus(next);
        else if ((!strcmp(arg, "-m") || !strcmp(arg, "--m")) &&
                 (m = mem_size_kib(next)))
            mem_kib = m;
        else
            qmp_scan_arg(&qs, arg, next, &oom);
    }
    cl->qmp_path = qmp_scan_done(&qs);
    if (oom)
        return -ENOMEM;
    cl->nr_vcpus = nr_vcpus;
    cl->mem_kib = mem_kib;
    if (name_arg) {
        rc = np_qemu_parse_name(name_arg, &cl->name);
        if (rc == -ENOMEM)
            return rc;
    }
    return 0;
}
