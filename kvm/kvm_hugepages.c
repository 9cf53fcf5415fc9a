/*
 * kvm_hugepages.c: how much of a QEMU guest's memory is in huge pages
 * (hugetlbfs: -mem-path, memory-backend-file/memfd with hugetlb), from
 * ROOT/proc/PID/numa_maps: the mappings flagged "huge", their N<node>=
 * page counts times kernelpagesize_kB.  migrate_pages(2) does not move
 * such pages, so numatune --migrate refuses them up front.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_kvm.h"
#include "rootfs.h"

/* KiB in the "huge" mappings of numa_maps text. */
uint64_t np_numa_maps_huge_kib(const char *text)
{
    const char *line, *eol, *p;
    unsigned long long psize, pages;
    uint64_t total = 0;
    bool huge;
    char *end;

    for (line = text; *line; line = *eol ? eol + 1 : eol) {
        eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        huge = false;
        psize = 0;
        for (p = line; p < eol; p++) {
            if (p != line && p[-1] != ' ')
                continue;
            if (!strncmp(p, "huge", 4) && (p + 4 == eol || p[4] == ' '))
                huge = true;
            else if (!strncmp(p, "kernelpagesize_kB=", 18))
                psize = strtoull(p + 18, NULL, 10);
        }
        if (!huge || !psize)
            continue;
        for (p = line; p < eol; p++) {
            if ((p != line && p[-1] != ' ') || *p != 'N' || p[1] < '0' ||
                p[1] > '9')
                continue;
            strtoull(p + 1, &end, 10);
            if (*end != '=')
                continue;
            pages = strtoull(end + 1, NULL, 10);
            total += pages * psize;
        }
    }
    return total;
}

int np_kvm_guest_huge_kib(const char *root, long pid, uint64_t *kib_out)
{
    char rel[64], *text = NULL;
    int rootfd, rc;

    *kib_out = 0;
    rootfd = open(root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -errno;
    snprintf(rel, sizeof(rel), "proc/%ld/numa_maps", pid);
    rc = np_rootfs_read(rootfd, rel, &text, NULL);
    close(rootfd);
    if (rc)
        return rc;
    *kib_out = np_numa_maps_huge_kib(text);
    free(text);
    return 0;
}
