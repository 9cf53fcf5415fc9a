/*
 * hwloc_host.c: what hwloc reads well, laid over the topology that
 * linux_host.c read from the kernel's files: packages, dies, cores,
 * clusters, the last-level cache groups, CPU kinds, memory kinds and PCI
 * devices with their locality (docs/design.md says which fact comes from
 * where).
 *
 * A root other than "/" is hwloc's Linux file-system root (HWLOC_FSROOT,
 * set only around the load); the backends that would ask the running
 * machine instead of the tree (x86's CPUID, libpciaccess, GPU libraries)
 * are then left out.  hwloc failing to read a tree, or not being
 * installed (it is loaded on first use: hwloc_lib.h), is a note, not an
 * error: the kernel's own files already gave the NUMA model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw.h"
#include "hwloc_host.h"
#include "hwloc_lib.h"

/* Backends that read the running machine, not the tree under root. */
static const char *const live_only[] = {"x86",  "pci",  "opencl",    "cuda",
                                        "nvml", "rsmi", "levelzero", "gl"};

/* An environment variable set for the time of a load, then put back. */
struct env {
    const char *name;
    char *old; /* its value before, NULL when it had none */
    bool pushed;
};

static int env_push(struct env *e, const char *name, const char *value)
{
    const char *old = getenv(name);

    e->name = name;
    e->old = old ? strdup(old) : NULL;
    if (old && !e->old)
        return -ENOMEM;
    e->pushed = true;
    if (value)
        return setenv(name, value, 1) ? -errno : 0;
    unsetenv(name);
    return 0;
}

static void env_pop(struct env *e)
{
    if (!e->pushed)
        return;
    if (e->old)
        setenv(e->name, e->old, 1);
    else
        unsetenv(e->name);
    free(e->old);
    e->pushed = false;
}

static int load(const char *root, hwloc_topology_t *out)
{
    hwloc_topology_t t;
    bool live = !root || !strcmp(root, "/");
    struct env saved[2] = {{NULL, NULL, false}, {NULL, NULL, false}};
    unsigned int i;
    int rc;

    if (hwloc_topology_init(&t))
        return -ENOMEM;
    hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    hwloc_topology_set_type_filter(t, HWLOC_OBJ_OS_DEVICE,
                                   HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_type_filter(t, HWLOC_OBJ_MISC,
                                   HWLOC_TYPE_FILTER_KEEP_NONE);
    if (!live) {
        for (i = 0; i < sizeof(live_only) / sizeof(live_only[0]); i++)
            hwloc_topology_set_components(
                t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, live_only[i]);
    }
    /* the host's own files, never an HWLOC_XMLFILE / HWLOC_SYNTHETIC from
     * the environment instead */
    hwloc_topology_set_components(t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  "xml");
    hwloc_topology_set_components(t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  "synthetic");
    /* HWLOC_FSROOT is the tree; GPU-memory nodes are kept (hwloc hides
     * them unless asked), so that their memory kind is known */
    rc = env_push(&saved[0], "HWLOC_FSROOT", live ? NULL : root);
    if (!rc)
        rc = env_push(&saved[1], "HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES", "1");
    if (!rc && hwloc_topology_load(t))
        rc = errno ? -errno : -EINVAL;
    env_pop(&saved[1]);
    env_pop(&saved[0]);
    if (rc) {
        hwloc_topology_destroy(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* The object of type after prev (the first when prev is NULL), as
 * hwloc_get_next_obj_by_type() walks them, through the table. */
static hwloc_obj_t next_of_type(hwloc_topology_t t, hwloc_obj_type_t type,
                                hwloc_obj_t prev)
{
    int depth = hwloc_get_type_depth(t, type);

    if (depth == HWLOC_TYPE_DEPTH_UNKNOWN || depth == HWLOC_TYPE_DEPTH_MULTIPLE)
        return NULL;
    if (!prev)
        return hwloc_get_obj_by_depth(t, depth, 0);
    return prev->depth == depth ? prev->next_cousin : NULL;
}

static int os_index(hwloc_topology_t t, hwloc_obj_t pu, hwloc_obj_type_t type)
{
    hwloc_obj_t o = hwloc_get_ancestor_obj_by_type(t, type, pu);

    if (!o || o->os_index == HWLOC_UNKNOWN_INDEX)
        return -1;
    return (int)o->os_index;
}

/* The cluster group above pu (hwloc's Group of subtype "Cluster"): its
 * logical index, -1 when none. */
static int cluster_of(hwloc_obj_t pu)
{
    hwloc_obj_t o;

    for (o = pu->parent; o; o = o->parent)
        if (o->type == HWLOC_OBJ_GROUP && o->subtype &&
            !strcmp(o->subtype, "Cluster"))
            return (int)o->logical_index;
    return -1;
}

/* The last-level data or unified cache above pu, NULL when none. */
static hwloc_obj_t llc_of(hwloc_obj_t pu)
{
    hwloc_obj_t o, best = NULL;

    for (o = pu->parent; o; o = o->parent) {
        if (!hwloc_obj_type_is_dcache(o->type))
            continue;
        if (!best || o->attr->cache.depth > best->attr->cache.depth)
            best = o;
    }
    return best;
}

static void bitmap_to_map(hwloc_const_bitmap_t set, const struct np_topo *topo,
                          struct np_cpumap *map)
{
    int i;

    for (i = hwloc_bitmap_first(set); i >= 0; i = hwloc_bitmap_next(set, i))
        if (np_topo_cpu_exists(topo, i))
            np_cpumap_set(map, i);
}

static int read_cpus(hwloc_topology_t t, struct np_topo *topo)
{
    struct np_hw *hw = topo->hw;
    hwloc_obj_t pu = NULL, llc, *llc_objs = NULL, *grown;
    unsigned int i, dropped = 0;
    int cpu, v, rc = 0;

    while ((pu = next_of_type(t, HWLOC_OBJ_PU, pu))) {
        struct np_cpu *c;

        cpu = (int)pu->os_index;
        if (!np_topo_cpu_exists(topo, cpu)) {
            dropped++;
            continue;
        }
        c = &topo->cpus[cpu];
        if ((v = os_index(t, pu, HWLOC_OBJ_PACKAGE)) >= 0)
            c->socket = v;
        if ((v = os_index(t, pu, HWLOC_OBJ_DIE)) >= 0)
            c->die = v;
        if ((v = os_index(t, pu, HWLOC_OBJ_CORE)) >= 0)
            c->core = v;
        hw->cpus[cpu].cluster = cluster_of(pu);
        llc = llc_of(pu);
        if (!llc)
            continue;
        for (i = 0; i < hw->nr_llc && llc_objs[i] != llc; i++)
            ;
        if (i == hw->nr_llc) {
            struct np_hw_cache *e;

            grown = realloc(llc_objs, (hw->nr_llc + 1) * sizeof(*llc_objs));
            if (!grown) {
                rc = -ENOMEM;
                break;
            }
            llc_objs = grown;
            e = np_hw_add_llc(hw, topo->nr_cpu_ids);
            if (!e) {
                rc = -ENOMEM;
                break;
            }
            llc_objs[i] = llc;
            e->id = llc->os_index == HWLOC_UNKNOWN_INDEX
                        ? (int)llc->logical_index
                        : (int)llc->os_index;
            e->level = llc->attr->cache.depth;
            e->size_kib = llc->attr->cache.size / 1024;
        }
        hw->cpus[cpu].llc = (int)i;
        np_cpumap_set(&hw->llc[i].cpus, cpu);
    }
    free(llc_objs);
    if (!rc && dropped)
        rc = np_hw_note(
            hw,
            "hwloc reads %u cpus that the kernel's lists do not have: they are left out",
            dropped);
    return rc;
}

static int read_kinds(hwloc_topology_t t, struct np_topo *topo)
{
    struct np_hw *hw = topo->hw;
    hwloc_bitmap_t set;
    struct hwloc_info_s *infos;
    unsigned int nr_infos, j;
    int cpu_i;
    int nr, i, eff, rc = 0;

    nr = hwloc_cpukinds_get_nr(t, 0);
    if (nr < 2)
        return 0; /* one kind: nothing to tell apart */
    set = hwloc_bitmap_alloc();
    if (!set)
        return -ENOMEM;
    for (i = 0; i < nr && !rc; i++) {
        struct np_hw_kind *k;

        if (hwloc_cpukinds_get_info(t, (unsigned int)i, set, &eff, &nr_infos,
                                    &infos, 0))
            continue;
        k = np_hw_add_kind(hw, topo->nr_cpu_ids);
        if (!k) {
            rc = -ENOMEM;
            break;
        }
        k->efficiency = eff;
        for (j = 0; j < nr_infos; j++) {
            if (!strcmp(infos[j].name, "CoreType") && infos[j].value) {
                k->name = strdup(infos[j].value);
                if (!k->name)
                    rc = -ENOMEM;
                break;
            }
        }
        bitmap_to_map(set, topo, &k->cpus);
        np_cpumap_for_each(cpu_i, &k->cpus) hw->cpus[cpu_i].kind =
            (int)hw->nr_kinds - 1;
    }
    hwloc_bitmap_free(set);
    return rc;
}

static int read_nodes(hwloc_topology_t t, struct np_topo *topo)
{
    hwloc_obj_t n = NULL;
    int kind, rc = 0;

    while ((n = next_of_type(t, HWLOC_OBJ_NUMANODE, n))) {
        int id = (int)n->os_index;

        if (!np_topo_node_exists(topo, id)) {
            rc = np_hw_note(
                topo->hw,
                "hwloc reads a node %d that the kernel's node/online does not list",
                id);
            if (rc)
                break;
            continue;
        }
        kind = np_mem_kind_parse(n->subtype);
        if (kind > 0)
            topo->hw->nodes[id].kind = (enum np_mem_kind)kind;
    }
    return rc;
}

static int read_pci(hwloc_topology_t t, struct np_topo *topo)
{
    hwloc_obj_t d = NULL, anc;
    int rc = 0;

    while ((d = next_of_type(t, HWLOC_OBJ_PCI_DEVICE, d))) {
        const struct hwloc_pcidev_attr_s *a = &d->attr->pcidev;
        struct np_hw_pci *p = np_hw_add_pci(topo->hw, topo->nr_cpu_ids);

        if (!p) {
            rc = -ENOMEM;
            break;
        }
        snprintf(p->bdf, sizeof(p->bdf), "%04x:%02x:%02x.%x",
                 (unsigned int)a->domain, a->bus, a->dev, a->func);
        p->vendor = a->vendor_id;
        p->device = a->device_id;
        p->class_id = a->class_id;
        anc = hwloc_get_non_io_ancestor_obj(t, d);
        if (!anc)
            continue;
        if (anc->cpuset && !hwloc_bitmap_iszero(anc->cpuset) &&
            !hwloc_bitmap_isfull(anc->cpuset) && anc->depth > 0)
            bitmap_to_map(anc->cpuset, topo, &p->cpus);
        if (anc->nodeset && hwloc_bitmap_weight(anc->nodeset) == 1 &&
            np_topo_node_exists(topo, hwloc_bitmap_first(anc->nodeset)))
            p->node = hwloc_bitmap_first(anc->nodeset);
    }
    return rc;
}

int np_hwloc_read(const char *root, struct np_topo *topo, struct np_err *err)
{
    hwloc_topology_t t;
    const char *why;
    int rc;

    if (!topo->hw) {
        topo->hw = np_hw_new(topo->nr_cpu_ids, topo->nr_node_ids);
        if (!topo->hw)
            return -ENOMEM;
    }
    if (np_hwloc_lib_load(&why))
        return np_hw_note(
            topo->hw,
            "hwloc (%s) could not be loaded (%s): caches, core kinds and devices are unknown",
            NP_HWLOC_SONAME, why);
    rc = load(root, &t);
    if (rc == -ENOMEM)
        return rc;
    if (rc)
        return np_hw_note(
            topo->hw,
            "hwloc could not read the host (%s): caches, core kinds and devices are unknown",
            strerror(-rc));
    rc = read_cpus(t, topo);
    if (!rc)
        rc = read_kinds(t, topo);
    if (!rc)
        rc = read_nodes(t, topo);
    if (!rc)
        rc = read_pci(t, topo);
    hwloc_topology_destroy(t);
    (void)err;
    return rc;
}
