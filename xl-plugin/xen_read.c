/*
 * xen_read.c: the Xen backend's reads, read_host and read_guests, through
 * libxl (see xen_backend.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cpulist.h"
#include "xen_int.h"

int xen_read_host(struct np_backend *be, struct np_snapshot *snap,
                  unsigned int flags, struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    struct np_topo *topo = &snap->topo;
    libxl_physinfo info;
    libxl_cputopology *cputopo = NULL;
    libxl_numainfo *numa = NULL;
    const libxl_version_info *ver;
    int nr_cputopo = 0, nr_numa = 0, i, j, rc;
    unsigned int nr_cpu_ids, nr_node_ids, pagesize = 4096;
    struct utsname uts;

    libxl_physinfo_init(&info);
    np_xtl_clear(&p->logger);

    rc = libxl_get_physinfo(p->ctx, &info);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot read the host's physinfo");
        goto out;
    }
    cputopo = libxl_get_cpu_topology(p->ctx, &nr_cputopo);
    if (!cputopo) {
        rc = xen_error(p, ERROR_FAIL, err, "cannot read the cpu topology");
        goto out;
    }
    numa = libxl_get_numainfo(p->ctx, &nr_numa);
    if (!numa) {
        rc = xen_error(p, ERROR_FAIL, err, "cannot read the numa information");
        goto out;
    }
    ver = libxl_get_version_info(p->ctx);
    if (ver && ver->pagesize)
        pagesize = (unsigned int)ver->pagesize;
    if (ver) {
        char version[64];

        snprintf(version, sizeof(version), "%d.%d%s", ver->xen_version_major,
                 ver->xen_version_minor,
                 ver->xen_version_extra ? ver->xen_version_extra : "");
        if (np_ident_set(&snap->ident.hypervisor, "xen") ||
            (np_ident_valid(version) &&
             np_ident_set(&snap->ident.hypervisor_version, version))) {
            rc = np_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    }

    nr_cpu_ids = info.max_cpu_id + 1;
    if ((unsigned int)nr_cputopo > nr_cpu_ids)
        nr_cpu_ids = (unsigned int)nr_cputopo;
    nr_node_ids = nr_numa > 0 ? (unsigned int)nr_numa : 1;
    rc = np_topo_alloc(topo, nr_cpu_ids, nr_node_ids);
    if (rc) {
        np_err_set(
            err, rc,
            "xen reports %u cpu ids and %u node ids: more than numapin can hold",
            nr_cpu_ids, nr_node_ids);
        goto out;
    }

    for (i = 0; i < nr_numa; i++) {
        const libxl_numainfo *n = &numa[i];

        if (n->size == LIBXL_NUMAINFO_INVALID_ENTRY)
            continue;
        np_topo_add_node(topo, i);
        topo->nodes[i].mem_total_kib = n->size >> 10;
        topo->nodes[i].mem_free_kib = n->free >> 10;
        topo->nodes[i].mem_free_known = true;
    }
    /* Distances once the present nodes are known, by node ids. */
    for (i = 0; i < nr_numa; i++) {
        const libxl_numainfo *n = &numa[i];

        if (!np_topo_node_exists(topo, i))
            continue;
        for (j = 0; j < n->num_dists && j < nr_numa; j++)
            if (np_topo_node_exists(topo, j) &&
                n->dists[j] != LIBXL_NUMAINFO_INVALID_ENTRY)
                np_topo_set_distance(topo, i, j, n->dists[j]);
    }
    if (nr_numa <= 0) {
        /* No NUMA information at all: one node holding everything. */
        np_topo_add_node(topo, 0);
        topo->nodes[0].mem_total_kib = info.total_pages * (pagesize >> 10);
        topo->nodes[0].mem_free_kib = info.free_pages * (pagesize >> 10);
        topo->nodes[0].mem_free_known = true;
    }

    for (i = 0; (unsigned int)i < nr_cpu_ids; i++) {
        struct np_cpu *c = &topo->cpus[i];
        const libxl_cputopology *t = i < nr_cputopo ? &cputopo[i] : NULL;

        np_topo_add_cpu(topo, i);
        if (!t || t->core == LIBXL_CPUTOPOLOGY_INVALID_ENTRY) {
            /* Offline, or a possible CPU that is not there. */
            c->online = false;
            continue;
        }
        c->core = (int)t->core;
        c->socket =
            t->socket == LIBXL_CPUTOPOLOGY_INVALID_ENTRY ? -1 : (int)t->socket;
        c->node = t->node == LIBXL_CPUTOPOLOGY_INVALID_ENTRY ||
                          !np_topo_node_exists(topo, (int)t->node)
                      ? (nr_numa <= 0 ? 0 : -1)
                      : (int)t->node;
    }

    topo->cpu_mhz = (info.cpu_khz + 500) / 1000;
    topo->mem_total_kib = info.total_pages * (pagesize >> 10);
    if (!uname(&uts)) {
        topo->cpu_model = strdup(uts.machine);
        if (!topo->cpu_model) {
            rc = -ENOMEM;
            goto out;
        }
    }
    rc = np_topo_set_source(topo, "xen (libxl)");
    if (rc)
        goto out;
    rc = np_topo_finish(topo, err);
    /* the hardware model: the PCI topology (a sysctl and two scans of
     * /sys/bus/pci) and the cpupools (a sysctl and a xenstore read each) */
    if (!rc && !(flags & NP_READ_NO_HW))
        rc = xen_read_hw(p, topo);

out:
    if (numa)
        libxl_numainfo_list_free(numa, nr_numa);
    if (cputopo)
        libxl_cputopology_list_free(cputopo, nr_cputopo);
    libxl_physinfo_dispose(&info);
    return rc;
}

/* credit and credit2 have a cap and a weight; the others have not. */
bool xen_sched_has_cap(libxl_scheduler sched)
{
    return sched == LIBXL_SCHEDULER_CREDIT || sched == LIBXL_SCHEDULER_CREDIT2;
}

/*
 * Add one domain to snap: libxl_list_vcpu (two hypercalls per vCPU) and
 * its name (a xenstore read); unless flags leave them out, its scheduler
 * parameters (four hypercalls and a xenstore read of its pool's name)
 * and its node affinity (a hypercall).  Returns 0, 1 when the domain
 * went away while it was read (left out), or a negative errno.
 */
static int read_domain(struct xen_priv *p, struct np_snapshot *snap,
                       const libxl_dominfo *dom, unsigned int flags,
                       struct np_err *err)
{
    uint32_t domid = dom->domid;
    libxl_vcpuinfo *vcpus = NULL;
    libxl_bitmap nodemap;
    libxl_dominfo check;
    libxl_domain_sched_params sched;
    struct np_guest *g;
    char *name = NULL;
    char what[64];
    int nr_vcpus = 0, nr_cpus = 0, i, rc;

    libxl_bitmap_init(&nodemap);
    libxl_dominfo_init(&check);
    libxl_domain_sched_params_init(&sched);

    vcpus = libxl_list_vcpu(p->ctx, domid, &nr_vcpus, &nr_cpus);
    if (!vcpus) {
        /* Gone meanwhile?  Then it is simply not there any more. */
        if (libxl_domain_info(p->ctx, &check, domid) == ERROR_DOMAIN_NOTFOUND) {
            rc = 1;
            goto out;
        }
        snprintf(what, sizeof(what), "cannot list the vcpus of domain %u",
                 domid);
        rc = xen_error(p, ERROR_FAIL, err, what);
        goto out;
    }
    name = libxl_domid_to_name(p->ctx, domid);
    if (!name) {
        rc = 1; /* no name in xenstore: destroyed meanwhile */
        goto out;
    }

    rc = np_snapshot_add_guest(snap, (int)domid, name, (unsigned int)nr_vcpus,
                               true, &g);
    if (rc)
        goto out;
    g->mem_kib = dom->current_memkb;
    for (i = 0; i < nr_vcpus; i++) {
        const libxl_vcpuinfo *vi = &vcpus[i];
        struct np_vcpu *v;

        if (vi->vcpuid >= (uint32_t)nr_vcpus) {
            rc = np_err_set(err, -EPROTO,
                            "domain %u: vcpu %u is past the %d listed", domid,
                            vi->vcpuid, nr_vcpus);
            goto out;
        }
        v = &g->vcpus[vi->vcpuid];
        v->online = vi->online;
        v->running = vi->online && vi->running;
        v->blocked = vi->online && vi->blocked;
        v->cpu = vi->online ? (int)vi->cpu : -1;
        v->time_ns = vi->vcpu_time;
        rc = xen_bitmap_to_cpumap(&vi->cpumap, snap->topo.nr_cpu_ids, &v->hard);
        if (!rc)
            rc = xen_bitmap_to_cpumap(&vi->cpumap_soft, snap->topo.nr_cpu_ids,
                                      &v->soft);
        if (rc)
            goto out;
    }

    /* credit and credit2's cap and weight; left unknown (-1) under the
     * other schedulers, or when the domain goes away meanwhile. */
    if (!(flags & NP_READ_NO_SCHED) &&
        !libxl_domain_sched_params_get(p->ctx, domid, &sched) &&
        xen_sched_has_cap(sched.sched)) {
        g->sched_cap = sched.cap;
        g->sched_weight = sched.weight;
    }
    np_xtl_clear(&p->logger);

    if (flags & NP_READ_NO_NODES) {
        np_cpumap_dispose(&g->node_affinity); /* unknown */
        rc = 0;
        goto out;
    }
    rc = libxl_node_bitmap_alloc(p->ctx, &nodemap, 0);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot allocate a node map");
        goto out;
    }
    rc = libxl_domain_get_nodeaffinity(p->ctx, domid, &nodemap);
    if (rc == ERROR_NI) {
        np_cpumap_dispose(&g->node_affinity); /* unknown */
        rc = 0;
    } else if (rc) {
        snprintf(what, sizeof(what),
                 "cannot read the node affinity of domain %u", domid);
        rc = xen_error(p, rc, err, what);
        goto out;
    } else {
        rc = xen_bitmap_to_cpumap(&nodemap, snap->topo.nr_node_ids,
                                  &g->node_affinity);
    }

out:
    libxl_domain_sched_params_dispose(&sched);
    libxl_dominfo_dispose(&check);
    libxl_bitmap_dispose(&nodemap);
    if (vcpus)
        libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    free(name);
    return rc;
}

int xen_read_guests(struct np_backend *be, struct np_snapshot *snap,
                    unsigned int flags, struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    libxl_dominfo *doms = NULL;
    int nr_doms = 0, i, rc;

    if (!snap->topo.nr_cpu_ids)
        return np_err_set(err, -EINVAL,
                          "the host must be read before its guests");
    np_xtl_clear(&p->logger);
    xen_forget(p);
    doms = libxl_list_domain(p->ctx, &nr_doms);
    if (!doms) {
        rc = xen_error(p, ERROR_FAIL, err, "cannot list the domains");
        goto out;
    }
    for (i = 0; i < nr_doms; i++) {
        rc = read_domain(p, snap, &doms[i], flags, err);
        if (rc < 0)
            goto out;
        /* (nothing without the host's hardware model, or NP_READ_NO_HW) */
        if (rc == 0 && !(flags & NP_READ_NO_HW) &&
            xen_read_guest_hw(p, &snap->topo, &doms[i])) {
            rc = np_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    }
    snap->has_guests = true;
    snap->backend = "xen";
    rc = 0;

out:
    if (doms)
        libxl_dominfo_list_free(doms, nr_doms);
    return rc;
}

/* One domain: libxl_domain_info and the reads of read_domain(), not the
 * whole list. */
int xen_read_guest(struct np_backend *be, int id, struct np_snapshot *snap,
                   unsigned int flags, struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    libxl_dominfo info;
    char what[64];
    int rc;

    if (!snap->topo.nr_cpu_ids)
        return np_err_set(err, -EINVAL,
                          "the host must be read before its guests");
    np_xtl_clear(&p->logger);
    libxl_dominfo_init(&info);
    rc = libxl_domain_info(p->ctx, &info, (uint32_t)id);
    if (rc == ERROR_DOMAIN_NOTFOUND) {
        rc = 0; /* gone: not in snap */
        goto out;
    }
    if (rc) {
        snprintf(what, sizeof(what), "cannot read domain %d", id);
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    rc = read_domain(p, snap, &info, flags, err);
    if (rc > 0)
        rc = 0;
    if (rc)
        goto out;
    snap->backend = "xen";
out:
    libxl_dominfo_dispose(&info);
    return rc;
}
