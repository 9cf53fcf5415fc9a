/*
 * xen_write.c: the Xen backend's writes through libxl (see
 * xen_backend.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "xen_int.h"

/*
 * What the write side checks and reports, worked on run A of the test
 * bed, CPU 3 moved to a cpupool "np-pool" of its own and domu1 migrated
 * there:
 *   vcpu-pin domu1 all 0-1    refused before any call: no CPU of 0-1 is
 *                             in np-pool, domu1's vCPUs would have
 *                             nowhere to run (xl gets EINVAL from Xen
 *                             for vCPU 0 only after trying);
 *   vcpu-pin domu1 all 2-3    done; the read-back shows hard 2-3, and
 *                             the note says the vCPUs run only on 3:
 *                             CPU 2 is not in np-pool.
 * A domain's pool and the pool's CPUs are read from Xen at the first
 * write to the domain after the guests were read (libxl_domain_info,
 * libxl_cpupool_info, once per pool: domains in the same pool share
 * one read), not from the snapshot, and kept for the rest of the
 * command: they decide whether a write can succeed.  A write that
 * fails reads them again, for the error to say why (the domain went away,
 * or is being destroyed).
 *
 * The read-back: a write with NP_WRITE_DEFER_CHECK (the plan code's) is
 * checked when the domain is read back once after its last write
 * (xen_read_guest: one libxl_list_vcpu per domain); any other write reads
 * its vCPU back at once.  Either way the notes say the same.
 */

/* A pool this command read already for another domain, or NULL. */
static const struct xen_pool *known_pool(const struct xen_priv *p,
                                         uint32_t poolid, unsigned int nr_bits)
{
    unsigned int i;

    for (i = 0; i < p->nr_pools; i++)
        if (p->pools[i].poolid == poolid && p->pools[i].cpus.nr_bits == nr_bits)
            return &p->pools[i];
    return NULL;
}

/* Read the CPUs of the cpupool g runs in, sized nr_bits, and the pool's
 * name into out (once per pool and command: libxl_cpupool_info reads
 * the name from xenstore).  -ESRCH when the domain is gone. */
static int read_pool(struct xen_priv *p, const struct np_guest *g,
                     unsigned int nr_bits, struct xen_pool *out,
                     struct np_err *err)
{
    const struct xen_pool *known;
    libxl_dominfo info;
    libxl_cpupoolinfo pool;
    char what[96];
    int rc;

    libxl_dominfo_init(&info);
    libxl_cpupoolinfo_init(&pool);
    rc = libxl_domain_info(p->ctx, &info, (uint32_t)g->id);
    if (rc == ERROR_DOMAIN_NOTFOUND) {
        rc = np_err_set(err, -ESRCH, "domain '%s' (id %d) no longer exists",
                        g->name, g->id);
        goto out;
    }
    if (rc) {
        snprintf(what, sizeof(what), "cannot read domain '%s'", g->name);
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    if (info.dying) {
        rc = np_err_set(
            err, -ESRCH,
            "domain '%s' (id %d) no longer exists (it is being destroyed)",
            g->name, g->id);
        goto out;
    }
    known = known_pool(p, info.cpupool, nr_bits);
    if (known && known != out) {
        out->domid = g->id;
        out->poolid = info.cpupool;
        rc = np_cpumap_copy(&out->cpus, &known->cpus);
        if (rc)
            goto out;
        memcpy(out->name, known->name, sizeof(out->name));
        goto out;
    }
    rc = libxl_cpupool_info(p->ctx, &pool, info.cpupool);
    if (rc) {
        snprintf(what, sizeof(what), "cannot read cpupool %u of domain '%s'",
                 info.cpupool, g->name);
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    out->domid = g->id;
    out->poolid = info.cpupool;
    rc = xen_bitmap_to_cpumap(&pool.cpumap, nr_bits, &out->cpus);
    if (rc)
        goto out;
    snprintf(out->name, sizeof(out->name), "%s",
             pool.pool_name ? pool.pool_name : "?");
out:
    libxl_cpupoolinfo_dispose(&pool);
    libxl_dominfo_dispose(&info);
    return rc;
}

static struct xen_pool *find_pool(struct xen_priv *p, int domid)
{
    unsigned int i;

    for (i = 0; i < p->nr_pools; i++)
        if (p->pools[i].domid == domid)
            return &p->pools[i];
    return NULL;
}

/* g's pool, read once per command (see above); *pool_out points into p. */
static int domain_pool(struct xen_priv *p, const struct np_guest *g,
                       unsigned int nr_bits, const struct xen_pool **pool_out,
                       struct np_err *err)
{
    struct xen_pool *pool = find_pool(p, g->id), *grown;
    int rc;

    if (pool && pool->cpus.nr_bits == nr_bits) {
        *pool_out = pool;
        return 0;
    }
    if (!pool) {
        grown = realloc(p->pools, (p->nr_pools + 1) * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        p->pools = grown;
        pool = &p->pools[p->nr_pools++];
        np_cpumap_init(&pool->cpus);
    }
    rc = read_pool(p, g, nr_bits, pool, err);
    if (rc) {
        /* not kept: the next write asks Xen again */
        np_cpumap_dispose(&pool->cpus);
        *pool = p->pools[--p->nr_pools];
        return rc;
    }
    *pool_out = pool;
    return 0;
}

void xen_forget(struct xen_priv *p)
{
    unsigned int i;

    for (i = 0; i < p->nr_pools; i++)
        np_cpumap_dispose(&p->pools[i].cpus);
    free(p->pools);
    p->pools = NULL;
    p->nr_pools = 0;
    for (i = 0; i < p->nr_pending; i++) {
        np_cpumap_dispose(&p->pending[i].hard);
        np_cpumap_dispose(&p->pending[i].soft);
    }
    free(p->pending);
    p->pending = NULL;
    p->nr_pending = 0;
}

/* Hold the check of a write until g is read back. */
static int add_pending(struct xen_priv *p, const struct np_guest *g, int vcpu,
                       const struct np_cpumap *hard,
                       const struct np_cpumap *soft)
{
    struct xen_pending *grown, *x;
    int rc = 0;

    grown = realloc(p->pending, (p->nr_pending + 1) * sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    p->pending = grown;
    x = &p->pending[p->nr_pending];
    x->domid = g->id;
    x->vcpu = vcpu;
    np_cpumap_init(&x->hard);
    np_cpumap_init(&x->soft);
    if (hard)
        rc = np_cpumap_copy(&x->hard, hard);
    if (!rc && soft)
        rc = np_cpumap_copy(&x->soft, soft);
    if (rc) {
        np_cpumap_dispose(&x->hard);
        np_cpumap_dispose(&x->soft);
        return rc;
    }
    p->nr_pending++;
    return 0;
}

/* Read vCPU vcpu of g back: its hard and soft maps, sized nr_bits. */
static int read_vcpu(struct xen_priv *p, const struct np_guest *g, int vcpu,
                     unsigned int nr_bits, struct np_cpumap *hard_out,
                     struct np_cpumap *soft_out)
{
    libxl_vcpuinfo *vcpus;
    int nr_vcpus = 0, nr_cpus = 0, i, rc = -ENOENT;

    vcpus = libxl_list_vcpu(p->ctx, (uint32_t)g->id, &nr_vcpus, &nr_cpus);
    if (!vcpus)
        return -ESRCH;
    for (i = 0; i < nr_vcpus; i++) {
        if (vcpus[i].vcpuid != (uint32_t)vcpu)
            continue;
        rc = xen_bitmap_to_cpumap(&vcpus[i].cpumap, nr_bits, hard_out);
        if (!rc)
            rc = xen_bitmap_to_cpumap(&vcpus[i].cpumap_soft, nr_bits, soft_out);
        break;
    }
    libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    return rc;
}

/* A cpu-list for messages; "?" when out of memory.  free() it. */
static char *list_of(const struct np_cpumap *map)
{
    char *s = np_cpulist_format_ranges(map);

    return s ? s : strdup("?");
}

/*
 * After a write: what Xen keeps, and what the vCPU can really use.  Xen
 * stores the hard map as given but runs the vCPU only on the CPUs of its
 * cpupool (offline CPUs are in no pool), and uses the soft map only
 * within the hard one: say so when the pool narrows a map, or when the
 * soft map is left nothing.
 */
static void note_effective(struct np_note *note, const struct np_guest *g,
                           int vcpu, const struct np_cpumap *hard,
                           const struct np_cpumap *soft,
                           const struct np_cpumap *got_hard,
                           const struct np_cpumap *got_soft,
                           const struct np_cpumap *pool, const char *pool_name)
{
    struct np_cpumap eff_hard, eff_soft, lost;
    char *a = NULL, *b = NULL;

    np_cpumap_init(&eff_hard);
    np_cpumap_init(&eff_soft);
    np_cpumap_init(&lost);
    if (np_cpumap_copy(&eff_hard, got_hard) ||
        np_cpumap_copy(&eff_soft, got_soft) || np_cpumap_copy(&lost, got_hard))
        goto out;
    if (hard && !np_cpumap_equal(hard, got_hard)) {
        a = list_of(hard);
        b = list_of(got_hard);
        np_note_add(note,
                    "xen keeps hard affinity %s for vcpu %d of %s, not %s", b,
                    vcpu, g->name, a);
        free(a);
        free(b);
        a = b = NULL;
    }
    np_cpumap_and(&eff_hard, pool);
    np_cpumap_andnot(&lost, pool);
    if (hard && !np_cpumap_is_empty(&lost)) {
        a = list_of(&eff_hard);
        b = list_of(&lost);
        np_note_add(note,
                    "vcpu %d of %s runs only on cpus %s: cpus %s of its "
                    "hard affinity are not in its cpupool '%s' (offline, or in "
                    "another pool)",
                    vcpu, g->name, a, b, pool_name);
        free(a);
        free(b);
        a = b = NULL;
    }
    if (!soft || np_cpumap_is_empty(got_soft))
        goto out;
    np_cpumap_and(&eff_soft, &eff_hard);
    if (np_cpumap_is_empty(&eff_soft)) {
        a = list_of(got_soft);
        b = list_of(&eff_hard);
        np_note_add(note,
                    "the soft affinity %s of vcpu %d of %s is unreachable: "
                    "none of it is in the cpus the vcpu may run on (%s), so "
                    "only the hard affinity counts",
                    a, vcpu, g->name, b);
    } else if (!np_cpumap_subset(pool, got_soft) &&
               !np_cpumap_subset(got_soft, pool)) {
        /* Part of a real preference (not "all") lost to the pool; a soft
         * map wider than the hard one is normal, and not noted. */
        np_cpumap_zero(&lost);
        np_cpumap_or(&lost, got_soft);
        np_cpumap_andnot(&lost, pool);
        a = list_of(&lost);
        np_note_add(note,
                    "cpus %s of the soft affinity of vcpu %d of %s are "
                    "not in its cpupool '%s' (offline, or in another pool)",
                    a, vcpu, g->name, pool_name);
    }
out:
    free(a);
    free(b);
    np_cpumap_dispose(&lost);
    np_cpumap_dispose(&eff_soft);
    np_cpumap_dispose(&eff_hard);
}

/*
 * Test only (CONFIG_TEST_HOOKS): NUMAPIN_TEST_XEN_DESTROY_AFTER_VCPU=
 * NAME:VCPU destroys domain NAME right after its vCPU VCPU was pinned, so
 * that the test bed can check what a pin of `all` does when the domain
 * goes away half-way.  A release build has no such hook.
 */
#ifdef CONFIG_TEST_HOOKS
static void test_destroy_hook(struct xen_priv *p, const struct np_guest *g,
                              int vcpu)
{
    const char *spec = getenv("NUMAPIN_TEST_XEN_DESTROY_AFTER_VCPU");
    const char *colon;
    char *end;
    long v;

    if (!spec || !(colon = strrchr(spec, ':')))
        return;
    if ((size_t)(colon - spec) != strlen(g->name) ||
        strncmp(spec, g->name, (size_t)(colon - spec)))
        return;
    v = strtol(colon + 1, &end, 10);
    if (*end || v != vcpu)
        return;
    fprintf(stderr,
            "numapin: test hook: destroying domain '%s' after "
            "vcpu %d\n",
            g->name, vcpu);
    libxl_domain_destroy(p->ctx, (uint32_t)g->id, NULL);
}
#else
static void test_destroy_hook(struct xen_priv *p, const struct np_guest *g,
                              int vcpu)
{
}
#endif

static int alloc_cpu_bitmap(struct xen_priv *p, const struct np_cpumap *map,
                            libxl_bitmap *bm, const char *which,
                            struct np_err *err)
{
    int rc = libxl_cpu_bitmap_alloc(p->ctx, bm, 0);

    if (rc)
        return xen_error(p, rc, err, "cannot allocate a cpu map");
    rc = xen_cpumap_to_bitmap(map, bm);
    if (rc)
        return np_err_set(err, rc, "the %s affinity names a cpu past %u", which,
                          bm->size * 8 - 1);
    return 0;
}

/* After a failed write: the domain read anew (not from the cache), so
 * that a domain that went away is said to be gone. */
static int write_error(struct xen_priv *p, const struct np_guest *g, int vcpu,
                       int rc, unsigned int nr_bits, struct np_err *err)
{
    struct xen_pool *pool = find_pool(p, g->id), fresh;
    struct np_err why = {""};
    char what[96];

    snprintf(what, sizeof(what),
             "cannot set the affinity of vcpu %d of domain '%s'", vcpu,
             g->name);
    rc = xen_error(p, rc, err, what);
    if (pool) { /* the next write reads it again */
        np_cpumap_dispose(&pool->cpus);
        *pool = p->pools[--p->nr_pools];
    }
    np_cpumap_init(&fresh.cpus);
    if (rc == -ESRCH) {
        np_err_clear(err);
        rc = np_err_set(err, -ESRCH, "domain '%s' (id %d) no longer exists",
                        g->name, g->id);
    } else if (read_pool(p, g, nr_bits, &fresh, &why) == -ESRCH) {
        np_err_clear(err);
        rc = np_err_set(err, -ESRCH, "%s", why.msg);
    }
    np_cpumap_dispose(&fresh.cpus);
    return rc;
}

int xen_set_vcpu_affinity(struct np_backend *be, const struct np_guest *g,
                          int vcpu, const struct np_cpumap *hard,
                          const struct np_cpumap *soft, unsigned int flags,
                          struct np_note *note, struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    libxl_bitmap hard_bm, soft_bm;
    const struct xen_pool *pool;
    struct np_cpumap got_hard, got_soft;
    char *s = NULL, *t = NULL;
    unsigned int nr_bits;
    int rc;

    libxl_bitmap_init(&hard_bm);
    libxl_bitmap_init(&soft_bm);
    np_cpumap_init(&got_hard);
    np_cpumap_init(&got_soft);
    np_xtl_clear(&p->logger);
    if (!hard && !soft && !(flags & NP_WRITE_FORCE))
        return 0;
    if (vcpu < 0 || (unsigned int)vcpu >= g->nr_vcpus)
        return np_err_set(err, -EINVAL, "domain '%s' has no vcpu %d", g->name,
                          vcpu);
    if ((hard && np_cpumap_is_empty(hard)) ||
        (soft && np_cpumap_is_empty(soft)))
        return np_err_set(err, -EINVAL,
                          "an affinity must name at least one cpu");
    nr_bits = hard   ? hard->nr_bits
              : soft ? soft->nr_bits
                     : g->vcpus[vcpu].hard.nr_bits;

    /* Before any change: the domain, its pool, and a hard map that
     * leaves the vCPU somewhere to run. */
    rc = domain_pool(p, g, nr_bits, &pool, err);
    if (rc)
        goto out;
    if (hard && !np_cpumap_intersects(hard, &pool->cpus)) {
        s = list_of(hard);
        t = list_of(&pool->cpus);
        rc = np_err_set(
            err, -EINVAL,
            "no cpu of %s is in cpupool '%s' of domain '%s' (its cpus: %s): vcpu %d would have nowhere to run",
            s, pool->name, g->name, t, vcpu);
        goto out;
    }

    if (hard) {
        rc = alloc_cpu_bitmap(p, hard, &hard_bm, "hard", err);
        if (rc)
            goto out;
    }
    if (soft) {
        rc = alloc_cpu_bitmap(p, soft, &soft_bm, "soft", err);
        if (rc)
            goto out;
    }
    if ((flags & NP_WRITE_FORCE))
        rc = libxl_set_vcpuaffinity_force(
            p->ctx, (uint32_t)g->id, (uint32_t)vcpu, hard ? &hard_bm : NULL,
            soft ? &soft_bm : NULL);
    else
        rc = libxl_set_vcpuaffinity(p->ctx, (uint32_t)g->id, (uint32_t)vcpu,
                                    hard ? &hard_bm : NULL,
                                    soft ? &soft_bm : NULL);
    if (rc) {
        rc = write_error(p, g, vcpu, rc, nr_bits, err);
        goto out;
    }
    test_destroy_hook(p, g, vcpu);

    /* What Xen keeps, and what the vCPU can use of it: when the domain is
     * read back, or now.  A read-back that fails (the domain just went
     * away) is no error: the write was made. */
    if (flags & NP_WRITE_DEFER_CHECK)
        rc = add_pending(p, g, vcpu, hard, soft);
    else if (!read_vcpu(p, g, vcpu, nr_bits, &got_hard, &got_soft))
        note_effective(note, g, vcpu, hard, soft, &got_hard, &got_soft,
                       &pool->cpus, pool->name);
    np_xtl_clear(&p->logger);

out:
    free(s);
    free(t);
    np_cpumap_dispose(&got_soft);
    np_cpumap_dispose(&got_hard);
    libxl_bitmap_dispose(&soft_bm);
    libxl_bitmap_dispose(&hard_bm);
    return rc;
}

void xen_check_vcpu(struct np_backend *be, const struct np_guest *g, int vcpu,
                    struct np_note *note)
{
    struct xen_priv *p = xen_priv_of(be);
    const struct xen_pool *pool = find_pool(p, g->id);
    unsigned int i;

    for (i = 0; i < p->nr_pending; i++) {
        struct xen_pending *x = &p->pending[i];

        if (x->domid != g->id || x->vcpu != vcpu)
            continue;
        if (pool && vcpu >= 0 && (unsigned int)vcpu < g->nr_vcpus)
            note_effective(note, g, vcpu, x->hard.nr_bits ? &x->hard : NULL,
                           x->soft.nr_bits ? &x->soft : NULL,
                           &g->vcpus[vcpu].hard, &g->vcpus[vcpu].soft,
                           &pool->cpus, pool->name);
        np_cpumap_dispose(&x->hard);
        np_cpumap_dispose(&x->soft);
        *x = p->pending[--p->nr_pending];
        return;
    }
}

/*
 * nodes == NULL: back to Xen's automatic node affinity.  Xen takes a node
 * map with every bit set, over all the node ids it can hold (libxl's
 * node bitmap of libxl_get_max_nodes() bits), as "reset": it then derives
 * the node affinity from the vCPUs' affinities again.  A map listing the
 * host's nodes only is an explicit affinity, not automatic.
 */
int xen_set_node_affinity(struct np_backend *be, const struct np_guest *g,
                          const struct np_cpumap *nodes, struct np_note *note,
                          struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    libxl_bitmap bm;
    char what[96];
    int rc;

    libxl_bitmap_init(&bm);
    np_xtl_clear(&p->logger);
    if (nodes && np_cpumap_is_empty(nodes))
        return np_err_set(err, -EINVAL,
                          "a node affinity must name at least one node");
    rc = libxl_node_bitmap_alloc(p->ctx, &bm, 0);
    if (rc) {
        rc = xen_error(p, rc, err, "cannot allocate a node map");
        goto out;
    }
    if (!nodes) {
        libxl_bitmap_set_any(&bm);
    } else if (np_cpumap_last(nodes) >= (int)(bm.size * 8)) {
        rc = np_err_set(err, -ERANGE, "node %d is past what xen can hold",
                        np_cpumap_last(nodes));
        goto out;
    } else {
        np_cpumap_to_bytes(nodes, bm.map, bm.size);
    }
    rc = libxl_domain_set_nodeaffinity(p->ctx, (uint32_t)g->id, &bm);
    if (rc) {
        snprintf(what, sizeof(what),
                 "cannot set the node affinity of domain '%s'", g->name);
        rc = xen_error(p, rc, err, what);
    }
out:
    libxl_bitmap_dispose(&bm);
    return rc;
}

int xen_set_sched(struct np_backend *be, const struct np_guest *g, int cap,
                  int weight, struct np_note *note, struct np_err *err)
{
    struct xen_priv *p = xen_priv_of(be);
    libxl_domain_sched_params cur, want;
    char what[96];
    int rc;

    libxl_domain_sched_params_init(&cur);
    libxl_domain_sched_params_init(&want);
    np_xtl_clear(&p->logger);
    snprintf(what, sizeof(what),
             "cannot set the scheduler parameters of domain '%s'", g->name);
    rc = libxl_domain_sched_params_get(p->ctx, (uint32_t)g->id, &cur);
    if (rc) {
        rc = xen_error(p, rc, err, what);
        goto out;
    }
    if (!xen_sched_has_cap(cur.sched)) {
        rc = np_err_set(
            err, -EOPNOTSUPP,
            "domain '%s' runs under the %s scheduler, which has no cap or weight (credit and credit2 have)",
            g->name, libxl_scheduler_to_string(cur.sched));
        goto out;
    }
    want.sched = cur.sched;
    if (cap >= 0)
        want.cap = cap;
    if (weight >= 0)
        want.weight = weight;
    rc = libxl_domain_sched_params_set(p->ctx, (uint32_t)g->id, &want);
    if (rc)
        rc = xen_error(p, rc, err, what);
out:
    libxl_domain_sched_params_dispose(&want);
    libxl_domain_sched_params_dispose(&cur);
    return rc;
}
