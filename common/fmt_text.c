/*
 * fmt_text.c: xl's and virsh's text layouts, and numapin's map.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_text.h"
#include "fmt_text_hw.h"

void np_xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            if (((unsigned char)*s >= 0x20 && *s != 0x7f) || *s == '\t' ||
                *s == '\n' || *s == '\r')
                fputc(*s, f);
        }
    }
}

int np_text_xl_info(FILE *f, const struct np_topo *topo, bool numa)
{
    unsigned int sockets, cores, threads, i, j;
    uint64_t free_kib = 0;

    np_topo_shape(topo, &sockets, &cores, &threads);
    fprintf(f, "nr_cpus                : %u\n", np_topo_nr_online_cpus(topo));
    fprintf(f, "max_cpu_id             : %d\n", np_topo_max_cpu_id(topo));
    fprintf(f, "nr_nodes               : %u\n", np_topo_nr_nodes(topo));
    fprintf(f, "cores_per_socket       : %u\n", cores);
    fprintf(f, "threads_per_core       : %u\n", threads);
    /* not an xl field: xl info has no socket count (tests/xen compares
     * only xl's own fields) */
    fprintf(f, "numapin_nr_sockets     : %u\n", sockets);
    if (topo->cpu_mhz)
        fprintf(f, "cpu_mhz                : %u\n", topo->cpu_mhz);
    fprintf(f, "total_memory           : %" PRIu64 "\n",
            np_topo_mem_total(topo) >> 10);
    if (!np_topo_mem_free(topo, &free_kib))
        fprintf(f, "free_memory            : %" PRIu64 "\n", free_kib >> 10);
    if (!numa)
        return 0;

    fprintf(f, "cpu_topology           :\n");
    fprintf(f, "cpu:    core    socket     node\n");
    for (i = 0; i < topo->nr_cpu_ids; i++) {
        const struct np_cpu *c = &topo->cpus[i];

        /* xl skips the rows the hypervisor marks invalid (offline) */
        if (!c->present || !c->online || c->core < 0)
            continue;
        fprintf(f, "%3u:    %4d     %4d     %4d\n", i, c->core, c->socket,
                c->node);
    }
    np_text_xl_device_topology(f, topo);
    fprintf(f, "numa_info              :\n");
    fprintf(f, "node:    memsize    memfree    distances\n");
    for (i = 0; i < topo->nr_node_ids; i++) {
        const struct np_node *n = &topo->nodes[i];

        if (!n->present)
            continue;
        fprintf(f, "%4u:    %6" PRIu64 "     %6" PRIu64 "      ", i,
                n->mem_total_kib >> 10,
                n->mem_free_known ? n->mem_free_kib >> 10 : 0);
        for (j = 0; j < topo->nr_node_ids; j++)
            fprintf(f, "%s%d", j ? "," : "",
                    (int)np_topo_distance(topo, (int)i, (int)j) ?: -1);
        fprintf(f, "\n");
    }
    np_text_cache_topology(f, topo);
    return 0;
}

void np_nodeinfo_shape(const struct np_topo *topo, unsigned int *nodes_out,
                       unsigned int *sockets_out, unsigned int *cores_out,
                       unsigned int *threads_out)
{
    unsigned int nodes = 0, sockets = 0, cores = 0, threads = 0, n, i, j;
    unsigned int cpus = np_topo_nr_online_cpus(topo);

    np_topo_shape(topo, NULL, &cores, &threads);
    for (n = 0; n < topo->nr_node_ids; n++) {
        unsigned int node_sockets = 0;

        if (!np_topo_node_has_cpus(topo, (int)n))
            continue;
        nodes++;
        for (i = 0; i < topo->nr_cpu_ids; i++) {
            const struct np_cpu *c = &topo->cpus[i];
            bool seen = false;

            if (!c->present || !c->online || c->node != (int)n)
                continue;
            for (j = 0; j < i && !seen; j++)
                seen = topo->cpus[j].present && topo->cpus[j].online &&
                       topo->cpus[j].node == (int)n &&
                       topo->cpus[j].socket == c->socket;
            node_sockets += !seen;
        }
        if (node_sockets > sockets)
            sockets = node_sockets;
    }
    if (!nodes || nodes * sockets * cores * threads != cpus) {
        /* libvirt's answer for topologies it cannot describe evenly */
        nodes = 1;
        sockets = 1;
        cores = cpus;
        threads = 1;
    }
    *nodes_out = nodes;
    *sockets_out = sockets;
    *cores_out = cores;
    *threads_out = threads;
}

int np_text_nodeinfo(FILE *f, const struct np_topo *topo)
{
    unsigned int nodes, sockets, cores, threads;

    np_nodeinfo_shape(topo, &nodes, &sockets, &cores, &threads);
    fprintf(f, "%-20s %s\n",
            "CPU model:", topo->cpu_model ? topo->cpu_model : "x86_64");
    fprintf(f, "%-20s %u\n", "CPU(s):", np_topo_nr_online_cpus(topo));
    fprintf(f, "%-20s %u MHz\n", "CPU frequency:", topo->cpu_mhz);
    fprintf(f, "%-20s %u\n", "CPU socket(s):", sockets);
    fprintf(f, "%-20s %u\n", "Core(s) per socket:", cores);
    fprintf(f, "%-20s %u\n", "Thread(s) per core:", threads);
    fprintf(f, "%-20s %u\n", "NUMA cell(s):", nodes);
    fprintf(f, "%-20s %" PRIu64 " KiB\n",
            "Memory size:", np_topo_mem_total(topo));
    return 0;
}

int np_text_freecell(FILE *f, const struct np_topo *topo, int node,
                     struct np_err *err)
{
    uint64_t total = 0;
    unsigned int i;

    if (np_topo_mem_free(topo, &total))
        return np_err_set(err, -ENODATA,
                          "free memory is not known for this host (%s)",
                          topo->source ? topo->source : "no source");
    if (node == NP_FREECELL_TOTAL) {
        fprintf(f, "%s: %" PRIu64 " KiB\n", "Total", total);
        return 0;
    }
    if (node >= 0) {
        if (!np_topo_node_exists(topo, node))
            return np_err_set(err, -EINVAL, "node '%d' does not exist", node);
        fprintf(f, "%d: %" PRIu64 " KiB\n", node,
                topo->nodes[node].mem_free_kib);
        return 0;
    }
    for (i = 0; i < topo->nr_node_ids; i++)
        if (topo->nodes[i].present)
            fprintf(f, "%5u: %10" PRIu64 " KiB\n", i,
                    topo->nodes[i].mem_free_kib);
    fprintf(f, "--------------------\n");
    fprintf(f, "%5s: %10" PRIu64 " KiB\n", "Total", total);
    return 0;
}

/* The width xl gives its affinity columns: max_cpu_id + 1. */
static unsigned int xl_nr_cpus(const struct np_topo *topo)
{
    return (unsigned int)(np_topo_max_cpu_id(topo) + 1);
}

static void print_map_xl(FILE *f, const struct np_topo *topo,
                         const struct np_cpumap *map)
{
    char *s;

    if (!map->nr_bits) {
        fputs("all", f); /* no such affinity (KVM's soft): nothing limits */
        return;
    }
    s = np_cpulist_format_bits(map, xl_nr_cpus(topo));
    fputs(s ? s : "?", f);
    free(s);
}

int np_text_vcpu_list(FILE *f, const struct np_snapshot *snap,
                      const struct np_guest *const *guests,
                      unsigned int nr_guests)
{
    unsigned int i, v;

    fprintf(f, "%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU",
            "State", "Time(s)", "Affinity (Hard / Soft)");
    if (!guests)
        nr_guests = snap->nr_guests;
    for (i = 0; i < nr_guests; i++) {
        const struct np_guest *g = guests ? guests[i] : &snap->guests[i];

        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_vcpu *vc = &g->vcpus[v];

            fprintf(f, "%-32s %5d %5d", g->name, g->id, vc->id);
            if (!vc->online)
                fprintf(f, "%5c %3c%cp ", '-', '-', '-');
            else if (vc->cpu < 0)
                fprintf(f, "%5c %3c%c- ", '-', vc->running ? 'r' : '-',
                        vc->blocked ? 'b' : '-');
            else
                fprintf(f, "%5d %3c%c- ", vc->cpu, vc->running ? 'r' : '-',
                        vc->blocked ? 'b' : '-');
            fprintf(f, "%9.1f  ", (float)vc->time_ns / 1e9);
            if (g->vcpus_unknown) {
                fputs("? / ?\n", f); /* never a guess: see the warning */
                continue;
            }
            print_map_xl(f, &snap->topo, &vc->hard);
            fputs(" / ", f);
            print_map_xl(f, &snap->topo, &vc->soft);
            fputc('\n', f);
        }
    }
    return 0;
}

static const char *virsh_state(const struct np_vcpu *vc)
{
    if (!vc->online)
        return "offline";
    if (vc->running)
        return "running";
    if (vc->blocked)
        return "blocked";
    return "running";
}

int np_text_vcpuinfo(FILE *f, const struct np_snapshot *snap,
                     const struct np_guest *g)
{
    unsigned int v;
    char *yn;

    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_vcpu *vc = &g->vcpus[v];

        fprintf(f, "%-15s %d\n", "VCPU:", vc->id);
        fprintf(f, "%-15s %d\n", "CPU:", vc->cpu);
        fprintf(f, "%-15s %s\n", "State:", virsh_state(vc));
        if (vc->time_ns)
            fprintf(f, "%-15s %.1lfs\n",
                    "CPU time:", (double)vc->time_ns / 1000000000.0);
        yn = g->vcpus_unknown
                 ? NULL
                 : np_cpumap_format_yn(&vc->hard, snap->topo.nr_cpu_ids);
        fprintf(f, "%-15s %s\n", "CPU Affinity:", yn ? yn : "?");
        free(yn);
        if (v + 1 < g->nr_vcpus)
            fputc('\n', f);
    }
    /* The scheduler's cap and weight, when the backend knows them, after
     * the vCPU blocks so that those keep virsh's layout. */
    if (g->sched_cap >= 0 || g->sched_weight >= 0)
        fputc('\n', f);
    if (g->sched_cap == 0)
        fprintf(f, "%-15s %s\n", "CPU cap:", "none");
    else if (g->sched_cap > 0)
        fprintf(f, "%-15s %d%%\n", "CPU cap:", g->sched_cap);
    if (g->sched_weight >= 0)
        fprintf(f, "%-15s %d\n", "Weight:", g->sched_weight);
    return 0;
}

/* A vCPU is pinned when its hard affinity is not every CPU of the host. */
static bool vcpu_pinned(const struct np_vcpu *vc, const struct np_cpumap *all)
{
    return vc->hard.nr_bits && !np_cpumap_subset(all, &vc->hard) &&
           !np_cpumap_is_empty(&vc->hard);
}

unsigned int np_text_overlap_warnings(FILE *f, const struct np_snapshot *snap)
{
    const struct np_topo *topo = &snap->topo;
    struct np_cpumap all;
    unsigned int cpu, i, v, nr_warn = 0;

    np_cpumap_init(&all);
    if (np_topo_all_cpus(topo, &all))
        return 0;
    for (cpu = 0; cpu < topo->nr_cpu_ids; cpu++) {
        int first_guest = -1;
        bool shared = false;

        for (i = 0; i < snap->nr_guests && !shared; i++)
            for (v = 0; v < snap->guests[i].nr_vcpus; v++) {
                const struct np_vcpu *vc = &snap->guests[i].vcpus[v];

                if (snap->guests[i].vcpus_unknown || !vcpu_pinned(vc, &all) ||
                    !np_cpumap_test(&vc->hard, (int)cpu))
                    continue;
                if (first_guest < 0)
                    first_guest = (int)i;
                else if (first_guest != (int)i)
                    shared = true;
            }
        if (!shared)
            continue;
        nr_warn++;
        fprintf(f,
                "warning: cpu %u is in the pins of more than one guest:", cpu);
        for (i = 0; i < snap->nr_guests; i++)
            for (v = 0; v < snap->guests[i].nr_vcpus; v++) {
                const struct np_vcpu *vc = &snap->guests[i].vcpus[v];

                if (!snap->guests[i].vcpus_unknown && vcpu_pinned(vc, &all) &&
                    np_cpumap_test(&vc->hard, (int)cpu))
                    fprintf(f, " %s/%d", snap->guests[i].name, vc->id);
            }
        fputc('\n', f);
    }
    np_cpumap_dispose(&all);
    return nr_warn;
}

/* Sort key for the map: node (unknown last), socket, core, cpu. */
static int cmp_cpu(const void *pa, const void *pb, void *arg)
{
    const struct np_topo *topo = arg;
    int a = *(const int *)pa, b = *(const int *)pb;
    const struct np_cpu *ca = &topo->cpus[a], *cb = &topo->cpus[b];
    unsigned int na = (unsigned int)ca->node, nb = (unsigned int)cb->node;

    if (na != nb)
        return na < nb ? -1 : 1;
    if (ca->socket != cb->socket)
        return ca->socket < cb->socket ? -1 : 1;
    if (ca->core != cb->core)
        return ca->core < cb->core ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void print_node_header(FILE *f, const struct np_topo *topo, int node)
{
    const struct np_node *n;
    char *cpus;

    if (node < 0) {
        fprintf(f, "node ?: cpus whose node is not known\n");
        return;
    }
    n = &topo->nodes[node];
    cpus = np_cpulist_format_ranges(&n->cpus);
    fprintf(f, "node %d: cpus %s, memory %" PRIu64 " MiB", node,
            cpus && *cpus ? cpus : "none", n->mem_total_kib >> 10);
    if (n->mem_free_known)
        fprintf(f, ", free %" PRIu64 " MiB", n->mem_free_kib >> 10);
    fputc('\n', f);
    free(cpus);
}

/* "  memory: NAME MiB, ..." of the guests with memory measured on node
 * (none when no guest's position there is known). */
static void print_node_memory(FILE *f, const struct np_snapshot *snap, int node)
{
    unsigned int i;
    bool first = true;

    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];

        if (!g->mem_per_node_kib || !g->mem_per_node_kib[node])
            continue;
        fprintf(f, "%s %s %.1f MiB", first ? "  memory:" : ",", g->name,
                (double)g->mem_per_node_kib[node] / 1024.0);
        first = false;
    }
    if (!first)
        fputc('\n', f);
}

/* One map line: a pCPU, the vCPUs pinned to it alone, the others that
 * may run there. */
static void print_map_cpu(FILE *f, const struct np_snapshot *snap, int cpu)
{
    const struct np_cpu *c = &snap->topo.cpus[cpu];
    char pinned[256] = "";
    size_t len = 0;
    unsigned int floating = 0, i, v;

    for (i = 0; i < snap->nr_guests; i++)
        for (v = 0; v < snap->guests[i].nr_vcpus; v++) {
            const struct np_vcpu *vc = &snap->guests[i].vcpus[v];
            int w;

            if (snap->guests[i].vcpus_unknown ||
                !np_cpumap_test(&vc->hard, cpu))
                continue;
            if (np_cpumap_weight(&vc->hard) != 1) {
                floating += vc->online;
                continue;
            }
            w = snprintf(pinned + len, sizeof(pinned) - len, "%s%s/%d",
                         len ? "," : "", snap->guests[i].name, vc->id);
            if (w > 0 && (size_t)w < sizeof(pinned) - len)
                len += (size_t)w;
        }
    if (!c->online)
        fprintf(f, "  %4d %6s %4s  %-28s %s\n", cpu, "-", "-", "(offline)",
                "-");
    else
        fprintf(f, "  %4d %6d %4d  %-28s %u\n", cpu, c->socket, c->core,
                len ? pinned : "-", floating);
}

int np_text_map(FILE *f, const struct np_snapshot *snap)
{
    const struct np_topo *topo = &snap->topo;
    unsigned int i, nr = 0, k = 0;
    int *order, node;

    order = calloc(topo->nr_cpu_ids, sizeof(*order));
    if (!order)
        return -ENOMEM;
    for (i = 0; i < topo->nr_cpu_ids; i++)
        if (topo->cpus[i].present)
            order[nr++] = (int)i;
    qsort_r(order, nr, sizeof(*order), cmp_cpu, (void *)topo);

    /* nodes in id order, memory-only ones included; then the CPUs whose
     * node is not known */
    for (node = 0; node <= (int)topo->nr_node_ids; node++) {
        int want = node < (int)topo->nr_node_ids ? node : -1;
        bool header = false;

        if (want >= 0 && !np_topo_node_exists(topo, want))
            continue;
        if (want >= 0) {
            print_node_header(f, topo, want);
            print_node_memory(f, snap, want);
            np_text_map_node_hw(f, topo, want);
            header = true;
        }
        for (; k < nr && topo->cpus[order[k]].node == want; k++) {
            if (!header) {
                print_node_header(f, topo, -1);
                header = true;
            }
            if (k == 0 || topo->cpus[order[k - 1]].node != want)
                fprintf(f, "  %4s %6s %4s  %-28s %s\n", "CPU", "Socket", "Core",
                        "Pinned vCPUs", "Floating");
            print_map_cpu(f, snap, order[k]);
        }
    }
    free(order);
    np_text_overlap_warnings(f, snap);
    return 0;
}

/* ------------------------------------------------------------------ */
/* A plan's new guest as configuration                                 */
/* ------------------------------------------------------------------ */

/* The union of a guest's pins (hard, or soft when the plan pins soft). */
static char *plan_guest_cpus(const struct np_plan *plan,
                             const struct np_plan_guest *g)
{
    struct np_cpumap all;
    unsigned int v;
    char *s;

    np_cpumap_init(&all);
    if (np_cpumap_alloc(&all, plan->nr_cpu_ids))
        return NULL;
    for (v = 0; v < g->nr_vcpus; v++)
        np_cpumap_or(&all,
                     plan->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v]);
    s = np_cpulist_format_ranges(&all);
    np_cpumap_dispose(&all);
    return s;
}

void np_text_plan_config(FILE *f, const struct np_plan *plan,
                         const struct np_plan_guest *g)
{
    char *cpus = plan_guest_cpus(plan, g);
    char *nodes = g->node_affinity.nr_bits
                      ? np_cpulist_format_ranges(&g->node_affinity)
                      : NULL;
    unsigned int v;

    fprintf(f, "xl.cfg:\n  %s=\"%s\"\n",
            plan->pin == NP_PIN_SOFT ? "cpus_soft" : "cpus", cpus ? cpus : "");
    fprintf(f, "  # or one pCPU per vCPU: %s=[",
            plan->pin == NP_PIN_SOFT ? "cpus_soft" : "cpus");
    for (v = 0; v < g->nr_vcpus; v++) {
        const struct np_cpumap *pin =
            plan->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v];
        char *s = np_cpulist_format_ranges(pin);

        fprintf(f, "%s\"%s\"", v ? ", " : "", s ? s : "");
        free(s);
    }
    fprintf(f, "]\n");
    if (plan->pin == NP_PIN_SOFT) {
        /* libvirt pins hard only: a soft plan is a preference there, the
         * memory policy and no <vcpupin> */
        fprintf(f,
                "libvirt (no soft affinity: memory preferred, vCPUs "
                "not pinned):\n  <vcpu placement='static'>%u</vcpu>\n",
                g->nr_vcpus);
        if (nodes && *nodes)
            fprintf(f,
                    "  <numatune>\n    <memory mode='preferred' "
                    "nodeset='%s'/>\n  </numatune>\n",
                    nodes);
        free(cpus);
        free(nodes);
        return;
    }
    fprintf(f, "libvirt:\n  <vcpu placement='static' cpuset='%s'>%u</vcpu>\n",
            cpus ? cpus : "", g->nr_vcpus);
    fprintf(f, "  <cputune>\n");
    for (v = 0; v < g->nr_vcpus; v++) {
        char *s = np_cpulist_format_ranges(
            plan->pin == NP_PIN_SOFT ? &g->soft[v] : &g->hard[v]);

        fprintf(f, "    <vcpupin vcpu='%u' cpuset='%s'/>\n", v, s ? s : "");
        free(s);
    }
    fprintf(f, "  </cputune>\n");
    if (nodes && *nodes)
        fprintf(f,
                "  <numatune>\n    <memory mode='strict' nodeset='%s'/>\n"
                "  </numatune>\n",
                nodes);
    free(cpus);
    free(nodes);
}
