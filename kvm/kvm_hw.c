/*
 * kvm_hw.c: what the hardware rules need of QEMU guests.  How much of a
 * guest's memory is in huge pages
 * (hugetlbfs: -mem-path, memory-backend-file/memfd with hugetlb), from
 * ROOT/proc/PID/numa_maps: the mappings flagged "huge", their N<node>=
 * page counts times kernelpagesize_kB.  migrate_pages(2) does not move
 * such pages, so numatune --migrate refuses them up front.  And which
 * PCI devices are passed through to it (vfio-pci), so that plan keeps it
 * near them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_kvm.h"
#include "hw.h"
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

/*
 * The PCI devices passed through to a QEMU guest: "-device
 * vfio-pci,host=BDF,..." (or "-device" "vfio-pci,...,host=BDF") on its
 * command line, ROOT/proc/PID/cmdline.  Each is marked as the guest's
 * (domid = pid) in topo->hw, added when the host's list lacks it.
 */
int np_kvm_guest_devices(int rootfd, long pid, struct np_topo *topo)
{
    char rel[64], bdf[NP_HW_BDF_MAX], *text = NULL, *arg, *end;
    const char *h;
    size_t len = 0;
    bool next_is_device = false;
    int rc;

    if (!topo->hw)
        return 0;
    snprintf(rel, sizeof(rel), "proc/%ld/cmdline", pid);
    rc = np_rootfs_read(rootfd, rel, &text, &len);
    if (rc)
        return rc == -ENOMEM ? rc : 0;
    for (arg = text, end = text + len; arg < end; arg += strlen(arg) + 1) {
        bool is_device = next_is_device;

        next_is_device = !strcmp(arg, "-device") || !strcmp(arg, "--device");
        if (!is_device || strncmp(arg, "vfio-pci,", 9))
            continue;
        h = strstr(arg, ",host=");
        if (!h)
            continue;
        h += 6;
        {
            char one[32];
            size_t n = strcspn(h, ",");
            const struct np_hw_pci *found;
            struct np_hw_pci *d;

            if (n >= sizeof(one))
                continue;
            memcpy(one, h, n);
            one[n] = '\0';
            if (np_hw_parse_bdf(one, bdf))
                continue;
            found = np_hw_find_pci(topo->hw, bdf);
            d = found ? &topo->hw->pci[found - topo->hw->pci]
                      : np_hw_add_pci(topo->hw, topo->nr_cpu_ids);
            if (!d) {
                free(text);
                return -ENOMEM;
            }
            if (!found)
                snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
            d->domid = (int)pid;
        }
    }
    free(text);
    return 0;
}
