/*
 * ident.h: who a host snapshot is of, and when it was taken.
 *
 * The identity travels in a snapshot's "host" object (fmt_json.h) so that
 * snapshots gathered from many hosts can be told apart (fleet.h) and a plan
 * can be checked against the host it was made for.  Every field is a
 * malloc'd string or NULL when unknown:
 *  - hostname: the host's name (a live host's uname; a test file's
 *    "hostname", else its file name without ".json");
 *  - backend: the numapin backend that read it: "xen", "kvm" or "test";
 *  - hypervisor / hypervisor_version: what runs the guests ("xen" and
 *    "4.17.3"; "kvm" and the Linux release); a test file may say which
 *    hypervisor it stands for;
 *  - host_id: a stable machine id (systemd's /etc/machine-id, 32 hex
 *    digits), when the host has one;
 *  - captured: the time of capture in UTC, RFC 3339 ("2026-12-02T01:53:25Z").
 * Strings are checked when read: printable ASCII, at most
 * NP_IDENT_MAX_LEN characters, so that a hostile name cannot reach a
 * terminal raw.
 *
 * Lifecycle: np_ident_init() / np_ident_dispose() (idempotent).
 */
#ifndef NP_IDENT_H
#define NP_IDENT_H

#include <stdbool.h>
#include <time.h>

#include "np_err.h"

#define NP_IDENT_MAX_LEN 255

struct np_host_ident {
    char *hostname;
    char *backend;
    char *hypervisor;
    char *hypervisor_version;
    char *host_id;
    char *captured;
};

void np_ident_init(struct np_host_ident *id);
void np_ident_dispose(struct np_host_ident *id);

/* dst (initialised) becomes a copy of src.  0 or -ENOMEM. */
int np_ident_copy(struct np_host_ident *dst, const struct np_host_ident *src);

/* Replace *field by a copy of value (NULL clears it).  0 or -ENOMEM. */
int np_ident_set(char **field, const char *value);

/* Is s a valid identity string (non-empty, printable ASCII without '"' and
 * '\\', at most NP_IDENT_MAX_LEN)?  A hostname must also be made of
 * letters, digits, '-', '_' and '.'; a capture time must be RFC 3339 UTC
 * ("YYYY-MM-DDTHH:MM:SSZ"). */
bool np_ident_valid(const char *s);
bool np_ident_valid_hostname(const char *s);
bool np_ident_valid_time(const char *s);

/* Format t as RFC 3339 UTC into captured (replacing it).  0 or -ENOMEM. */
int np_ident_set_time(struct np_host_ident *id, time_t t);

/*
 * Fill hostname and host_id of the Linux host under root (NULL or "/": this
 * machine): the hostname from uname (root "/") or ROOT/etc/hostname, the id
 * from ROOT/etc/machine-id.  A file that is missing or holds no valid value
 * leaves its field as it was; only -ENOMEM is an error.
 */
int np_ident_read_local(struct np_host_ident *id, const char *root);

/* The Linux release of the host under root (uname, or
 * ROOT/proc/sys/kernel/osrelease) into *release_out (malloc'd, NULL when
 * unknown).  0 or -ENOMEM. */
int np_ident_linux_release(const char *root, char **release_out);

#endif /* NP_IDENT_H */
