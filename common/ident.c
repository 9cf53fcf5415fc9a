/*
 * ident.c: a host snapshot's identity (ident.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ident.h"

void np_ident_init(struct np_host_ident *id)
{
    memset(id, 0, sizeof(*id));
}

void np_ident_dispose(struct np_host_ident *id)
{
    free(id->hostname);
    free(id->backend);
    free(id->hypervisor);
    free(id->hypervisor_version);
    free(id->host_id);
    free(id->captured);
    np_ident_init(id);
}

int np_ident_set(char **field, const char *value)
{
    char *s = NULL;

    if (value && !(s = strdup(value)))
        return -ENOMEM;
    free(*field);
    *field = s;
    return 0;
}

int np_ident_copy(struct np_host_ident *dst, const struct np_host_ident *src)
{
    struct np_host_ident t;

    np_ident_init(&t);
    if (np_ident_set(&t.hostname, src->hostname) ||
        np_ident_set(&t.backend, src->backend) ||
        np_ident_set(&t.hypervisor, src->hypervisor) ||
        np_ident_set(&t.hypervisor_version, src->hypervisor_version) ||
        np_ident_set(&t.host_id, src->host_id) ||
        np_ident_set(&t.captured, src->captured)) {
        np_ident_dispose(&t);
        return -ENOMEM;
    }
    np_ident_dispose(dst);
    *dst = t;
    return 0;
}

bool np_ident_valid(const char *s)
{
    size_t n;

    if (!s || !*s)
        return false;
    for (n = 0; s[n]; n++)
        if (s[n] < 0x20 || s[n] > 0x7e || s[n] == '"' || s[n] == '\\' ||
            n >= NP_IDENT_MAX_LEN)
            return false;
    return true;
}

bool np_ident_valid_hostname(const char *s)
{
    size_t n;

    if (!np_ident_valid(s))
        return false;
    for (n = 0; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_' ||
              s[n] == '.'))
            return false;
    return true;
}

bool np_ident_valid_time(const char *s)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t n;

    if (!s || strlen(s) != sizeof(pattern) - 1)
        return false;
    for (n = 0; pattern[n]; n++) {
        if (pattern[n] == 'd' ? s[n] < '0' || s[n] > '9' : s[n] != pattern[n])
            return false;
    }
    return true;
}

int np_ident_set_time(struct np_host_ident *id, time_t t)
{
    char buf[32];
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
        return np_ident_set(&id->captured, NULL);
    return np_ident_set(&id->captured, buf);
}

/* The first line of ROOT/rel (at most cap - 1 bytes), or "" when it cannot
 * be read.  Only regular files; symlinks are not followed, FIFOs never
 * block. */
static void read_line(const char *root, const char *rel, char *buf, size_t cap)
{
    char path[4096];
    struct stat st;
    ssize_t n;
    int fd;

    buf[0] = '\0';
    if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
        return;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
        n = read(fd, buf, cap - 1);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
    }
    close(fd);
}

static bool is_live(const char *root)
{
    return !root || !strcmp(root, "/");
}

int np_ident_read_local(struct np_host_ident *id, const char *root)
{
    struct utsname u;
    char buf[NP_IDENT_MAX_LEN + 2];
    size_t n;
    int rc;

    if (is_live(root)) {
        if (!uname(&u) && np_ident_valid_hostname(u.nodename)) {
            rc = np_ident_set(&id->hostname, u.nodename);
            if (rc)
                return rc;
        }
    } else {
        read_line(root, "etc/hostname", buf, sizeof(buf));
        if (np_ident_valid_hostname(buf)) {
            rc = np_ident_set(&id->hostname, buf);
            if (rc)
                return rc;
        }
    }
    read_line(is_live(root) ? "" : root, "etc/machine-id", buf, sizeof(buf));
    for (n = 0; buf[n]; n++)
        if (!((buf[n] >= '0' && buf[n] <= '9') ||
              (buf[n] >= 'a' && buf[n] <= 'f')))
            break;
    if (n == 32 && !buf[n])
        return np_ident_set(&id->host_id, buf);
    return 0;
}

int np_ident_linux_release(const char *root, char **release_out)
{
    struct utsname u;
    char buf[NP_IDENT_MAX_LEN + 2];

    *release_out = NULL;
    if (is_live(root)) {
        if (uname(&u))
            return 0;
        snprintf(buf, sizeof(buf), "%s", u.release);
    } else {
        read_line(root, "proc/sys/kernel/osrelease", buf, sizeof(buf));
    }
    if (!np_ident_valid(buf))
        return 0;
    *release_out = strdup(buf);
    return *release_out ? 0 : -ENOMEM;
}
