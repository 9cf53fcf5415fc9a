/*
 * np_bench.c: the placement benchmark (`make bench`).  Not a test: it
 * prints figures.  Timing lives here and nowhere in the test suite.
 *
 * Every instance of instances.c is placed by numapin and by its peers,
 * on the same host and guests:
 *   numapin          np_solve() on the whole host at once (`plan --all`
 *                    with the new guests: guests already there may stay
 *                    or move; their moves are the churn);
 *   nova, nova-largest, nova-shared
 *                    OpenStack Nova itself (tests/bench/nova_fit.py, under
 *                    /usr/bin/python3 with Debian's python3-nova);
 *   libxl            a port of Xen 4.17's automatic placement (peers.c);
 *                    it shares CPUs (soft affinity over its nodes), so it
 *                    is compared with numapin at the overcommit it
 *                    reached ("numapin -oc K");
 *   bfd              best-fit decreasing, whole guests only (peers.c);
 *   bfd+numapin      BFD, then numapin places BFD's rejects around it;
 *   exhaustive       (small instances) the optimum (peers.c).
 * virt-install's old --cpuset=auto is not a peer: it has not been what
 * --cpuset=auto does since virt-install 1.2 (2015: placement='auto',
 * numad), and the code before it compared bytes with KiB.
 *
 * The figures are those of places.c.  The goal, printed as the last table:
 * on every instance numapin places at least as many guests as every peer,
 * keeps at least as many whole, has no more remote memory than a peer that
 * places as many, and moves nothing that does not buy one of those.
 *
 * Environment: NP_BENCH_QUICK=1 runs a few instances; NP_BENCH_ONLY=TEXT
 * those whose name has TEXT; NP_BENCH_DETAIL=1
 * prints every tool's figures for the small instances too; NP_BENCH_ONE=1
 * (or =reasons) only solves the 1,000-guest plan once, for
 *     valgrind --tool=callgrind --toggle-collect=np_solve np-bench
 * NP_BENCH_NUMAPIN names the numapin binary for the command's own time
 * (default: build/numapin next to this program's directory);
 * NP_BENCH_WRITE_HOST=FILE only writes that 1,000-guest host as a test
 * host (tests/bench/plan-cost counts the command on it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "fmt_json.h"
#include "solver.h"

#define NR_TOOLS 10

enum tool {
    T_NUMAPIN,
    T_NUMAPIN_OC,
    T_NOVA,
    T_NOVA_LARGEST,
    T_NOVA_SHARED,
    T_LIBXL,
    T_BFD,
    T_BFD_NUMAPIN,
    T_EXHAUSTIVE,
    T_GREEDY,
};

static const char *const tool_names[NR_TOOLS] = {
    "numapin", "numapin -oc K", "nova",        "nova-largest", "nova-shared",
    "libxl",   "bfd",           "bfd+numapin", "exhaustive",   "greedy only",
};

/* ------------------------------------------------------------------ */
/* numapin                                                             */
/* ------------------------------------------------------------------ */

static struct np_new_guest *new_guests(const struct instance *in)
{
    struct np_new_guest *ng = calloc(in->nr_new + 1, sizeof(*ng));
    unsigned int i;

    for (i = 0; i < in->nr_new; i++) {
        ng[i].name = "g";
        ng[i].nr_vcpus = in->guests[in->nr_old + i].vcpus;
        ng[i].mem_kib = in->guests[in->nr_old + i].mem_kib;
    }
    return ng;
}

void run_numapin(const struct instance *in, struct result *r,
                 unsigned int overcommit, bool greedy)
{
    struct np_new_guest *ng = new_guests(in);
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int rep, reps = instance_nr(in) > 400 ? 3 : 5;
    double best = 1e30;

    np_solve_req_init(&req);
    req.explain = false;
    req.policy = in->policy;
    req.overcommit = overcommit;
    req.greedy_only = greedy;
    req.new_guests = ng;
    req.nr_new = in->nr_new;
    req.all = in->nr_old > 0;
    if (in->small)
        reps = 3;
    for (rep = 0; rep < reps; rep++) {
        double t0 = now_ms(), t1;

        np_solve(&in->snap, &req, &plan, NULL);
        t1 = now_ms();
        if (t1 - t0 < best)
            best = t1 - t0;
        if (rep + 1 < reps)
            np_plan_dispose(&plan);
    }
    result_from_plan(in, &plan, in->nr_new, r);
    r->ms = best;
    np_plan_dispose(&plan);
    free(ng);
}

/* BFD, then numapin places what BFD rejected around BFD's guests. */
void run_bfd_numapin(const struct instance *in, struct result *r)
{
    struct np_snapshot snap;
    struct np_new_guest *ng = calloc(instance_nr(in) + 1, sizeof(*ng));
    unsigned int *which = calloc(instance_nr(in) + 1, sizeof(*which));
    const struct np_topo *t = &in->snap.topo;
    struct np_solve_req req;
    struct np_plan plan;
    unsigned int i, k = 0, v, a;
    double t0;

    run_bfd(in, r);
    t0 = now_ms();
    np_snapshot_init(&snap);
    np_snapshot_copy(&snap, &in->snap);
    for (i = in->nr_old; i < instance_nr(in); i++) {
        const struct gplace *p = &r->g[i];
        struct np_guest *g;
        int cpu;

        if (!p->placed) {
            ng[k].name = "g";
            ng[k].nr_vcpus = in->guests[i].vcpus;
            ng[k].mem_kib = in->guests[i].mem_kib;
            which[k++] = i;
            continue;
        }
        np_snapshot_add_guest(&snap, 10000 + (int)i, "bfd", in->guests[i].vcpus,
                              false, &g);
        g->mem_kib = in->guests[i].mem_kib;
        v = 0;
        np_cpumap_for_each(cpu, &p->aff)
        {
            np_cpumap_zero(&g->vcpus[v].hard);
            np_cpumap_set(&g->vcpus[v++].hard, cpu);
        }
        for (a = 0; a < in->nr_nodes; a++)
            snap.topo.nodes[in->node_id[a]].mem_free_kib -= p->mem_on[a];
    }
    if (k) {
        np_solve_req_init(&req);
        req.explain = false;
        req.policy = in->policy;
        req.new_guests = ng;
        req.nr_new = k;
        np_solve(&snap, &req, &plan, NULL);
        for (i = 0; i < plan.nr_guests; i++) {
            const struct np_plan_guest *pg = &plan.guests[i];
            struct gplace *p = &r->g[which[i]];

            if (!pg->placed)
                continue;
            p->placed = true;
            p->pinned = true;
            for (v = 0; v < pg->nr_vcpus; v++) {
                int cpu = np_cpumap_next(&pg->hard[v], -1);

                np_cpumap_set(&p->aff, cpu);
                p->vcpu_on[node_index_of(in, t->cpus[cpu].node)] += 1;
            }
            for (a = 0; a < in->nr_nodes; a++)
                p->mem_on[a] = pg->mem_per_node_kib[in->node_id[a]];
        }
        np_plan_dispose(&plan);
    }
    r->ms += now_ms() - t0;
    np_snapshot_dispose(&snap);
    free(ng);
    free(which);
}

/* ------------------------------------------------------------------ */
/* Nova: write the instances, run nova_fit.py, read its places         */
/* ------------------------------------------------------------------ */

static void write_list(FILE *f, const struct np_cpumap *m)
{
    int cpu;
    bool first = true;

    np_cpumap_for_each(cpu, m)
    {
        fprintf(f, "%s%d", first ? "" : ",", cpu);
        first = false;
    }
}

static void write_instance(FILE *f, const struct instance *in)
{
    const struct np_topo *t = &in->snap.topo;
    unsigned int a, i;
    int cpu;

    fprintf(f, "instance %s\npolicy %s\n", in->name,
            np_policy_name(in->policy));
    for (a = 0; a < in->nr_nodes; a++) {
        const struct np_node *nd = &t->nodes[in->node_id[a]];

        fprintf(f, "node %u %d %llu %llu\ncpus %u ", a, in->node_id[a],
                (unsigned long long)nd->mem_total_kib,
                (unsigned long long)nd->mem_free_kib, a);
        write_list(f, &nd->cpus);
        fputc('\n', f);
    }
    for (cpu = 0; cpu < (int)t->nr_cpu_ids; cpu++) {
        if (!t->cpus[cpu].present ||
            np_cpumap_next(&t->cpus[cpu].siblings, -1) != cpu)
            continue;
        fprintf(f, "core ");
        write_list(f, &t->cpus[cpu].siblings);
        fputc('\n', f);
    }
    for (i = 0; i < in->nr_old; i++) {
        bool first = true;

        fprintf(f, "old %u %llu ", in->guests[i].vcpus,
                (unsigned long long)in->guests[i].mem_kib);
        write_list(f, &in->old[i].aff);
        fputc(' ', f);
        for (a = 0; a < in->nr_nodes; a++) {
            if (!in->old[i].mem_on[a])
                continue;
            fprintf(f, "%s%u:%llu", first ? "" : ",", a,
                    (unsigned long long)in->old[i].mem_on[a]);
            first = false;
        }
        fputc('\n', f);
    }
    for (i = in->nr_old; i < instance_nr(in); i++)
        fprintf(f, "guest %u %llu\n", in->guests[i].vcpus,
                (unsigned long long)in->guests[i].mem_kib);
    fprintf(f, "end\n");
}

/* Read nova_fit.py's answer into res[instance][tool]. */
static int read_nova(const char *path, struct instance *ins, unsigned int nr,
                     struct result (*res)[NR_TOOLS])
{
    FILE *f = fopen(path, "r");
    char line[65536];
    struct result *r = NULL;
    struct instance *in = NULL;
    struct gplace *p = NULL;

    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f)) {
        unsigned int idx, gi, cells, node, vcpus;
        unsigned long long mem;
        char tool[32], cpus[60000];
        double ms;

        if (sscanf(line, "run %u %31s %lf", &idx, tool, &ms) == 3) {
            enum tool tl = !strcmp(tool, "nova")           ? T_NOVA
                           : !strcmp(tool, "nova-largest") ? T_NOVA_LARGEST
                                                           : T_NOVA_SHARED;

            if (idx >= nr)
                break;
            in = &ins[idx];
            r = &res[idx][tl];
            result_init(r, in, tool_names[tl]);
            r->ms = ms;
        } else if (r && sscanf(line, "g %u %u", &gi, &cells) == 2) {
            p = gi < instance_nr(in) ? &r->g[gi] : NULL;
            if (p && cells)
                p->placed = true;
        } else if (r && p &&
                   sscanf(line, "c %u %u %llu %59999s", &node, &vcpus, &mem,
                          cpus) == 4) {
            char *s = cpus, *tok, *save = NULL;
            bool floating = !strncmp(s, "float:", 6);

            if (floating)
                s += 6;
            p->pinned = !floating;
            if (node < in->nr_nodes) {
                p->vcpu_on[node] += vcpus;
                p->mem_on[node] += mem;
            }
            for (tok = strtok_r(s, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save))
                np_cpumap_set(&p->aff, atoi(tok));
        }
    }
    fclose(f);
    return 0;
}

static bool run_nova(struct instance *ins, unsigned int nr,
                     struct result (*res)[NR_TOOLS], const char *script)
{
    char dir[] = "/tmp/np-bench-XXXXXX", in_path[64], out_path[64];
    char cmd[1024];
    FILE *f;
    unsigned int i;
    int rc;

    if (!mkdtemp(dir))
        return false;
    snprintf(in_path, sizeof(in_path), "%s/instances", dir);
    snprintf(out_path, sizeof(out_path), "%s/nova", dir);
    f = fopen(in_path, "w");
    if (!f)
        return false;
    for (i = 0; i < nr; i++)
        write_instance(f, &ins[i]);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s", script, in_path,
             out_path);
    rc = system(cmd);
    if (rc == 0)
        rc = read_nova(out_path, ins, nr, res);
    unlink(in_path);
    unlink(out_path);
    rmdir(dir);
    return rc == 0;
}

/* ------------------------------------------------------------------ */
/* The command's own time: plan --all on 1,000 guests, loading included */
/* ------------------------------------------------------------------ */

static void command_time(const char *numapin)
{
    char path[] = "/tmp/np-bench-host-XXXXXX", cmd[1024];
    struct np_snapshot snap;
    struct np_solve_req req;
    struct np_plan plan;
    double t0, best_cmd = 1e30, best_solve = 1e30, best_load = 1e30;
    int fd, rep;

    if (access(numapin, X_OK))
        return;
    fd = mkstemp(path);
    if (fd < 0)
        return;
    close(fd);
    /* 1,000 one-vCPU guests on 64 nodes / 1,024 CPUs, placed by numapin
     * one at a time (a live host's state), written as a test host */
    {
        struct instance one;

        bench_thousand(&one);
        np_json_write_snapshot_file(path, &one.snap, NULL);
        np_snapshot_init(&snap);
        np_snapshot_copy(&snap, &one.snap);
        instance_dispose(&one);
    }
    for (rep = 0; rep < 5; rep++) {
        struct np_snapshot s2;

        np_solve_req_init(&req);
        req.all = true;
        t0 = now_ms();
        np_solve(&snap, &req, &plan, NULL);
        if (now_ms() - t0 < best_solve)
            best_solve = now_ms() - t0;
        np_plan_dispose(&plan);
        np_snapshot_init(&s2);
        t0 = now_ms();
        np_json_read_snapshot_file(path, &s2, NULL);
        if (now_ms() - t0 < best_load)
            best_load = now_ms() - t0;
        np_snapshot_dispose(&s2);
        snprintf(cmd, sizeof(cmd), "%s -c test:%s plan --all >/dev/null",
                 numapin, path);
        t0 = now_ms();
        if (system(cmd) == -1)
            break;
        if (now_ms() - t0 < best_cmd)
            best_cmd = now_ms() - t0;
    }
    printf("\n== the command: `numapin -c test:HOST plan --all` on %u guests, "
           "64 nodes, 1,024 CPUs (best of 5)\n",
           snap.nr_guests);
    printf("  solver (with reasons)  %8.2f ms\n", best_solve);
    printf("  snapshot JSON load     %8.2f ms\n", best_load);
    printf("  whole command          %8.2f ms  (%.2fx the solver; goal: "
           "within 2x)\n",
           best_cmd, best_cmd / best_solve);
    np_snapshot_dispose(&snap);
    unlink(path);
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

static void print_tool(const struct instance *in, const struct result *r)
{
    struct metrics m;

    if (!r->tool)
        return;
    if (!r->ran) {
        printf("  %-14s (%s)\n", r->tool, r->note);
        return;
    }
    result_metrics(in, r, &m);
    printf("  %-14s %5u %5u %5u %9.1f %6u %6u %5.2f %4u/%-4u/%6.1f %9.2f\n",
           r->tool, m.placed, m.rejected, m.whole, m.remote_gib, m.shared_cpus,
           m.shared_cores, m.peak, r->moved, r->repinned, r->moved_gib, r->ms);
}

/* Is numapin (np) behind peer p?  Says on what into why. */
static bool behind(const struct metrics *np, const struct result *nr,
                   const struct metrics *p, const struct result *pr, char *why,
                   size_t size)
{
    double tol = 0.05 + 0.005 * p->remote_gib;

    if (p->placed > np->placed)
        snprintf(why, size, "%s places %u, numapin %u", pr->tool, p->placed,
                 np->placed);
    else if (p->whole > np->whole)
        snprintf(why, size, "%s keeps %u whole, numapin %u", pr->tool, p->whole,
                 np->whole);
    else if (p->placed == np->placed && p->remote_gib < np->remote_gib - tol)
        snprintf(why, size, "%s: %.1f remote GiB, numapin %.1f", pr->tool,
                 p->remote_gib, np->remote_gib);
    else if (p->placed == np->placed && p->whole == np->whole &&
             p->remote_gib <= np->remote_gib + tol && nr->moved > pr->moved)
        snprintf(why, size, "numapin moves %u guests for no gain over %s",
                 nr->moved, pr->tool);
    else
        return false;
    return true;
}

int main(void)
{
    struct instance *ins;
    struct result(*res)[NR_TOOLS];
    unsigned int nr, i, k, rows = 0, ok_rows = 0, fam;
    bool quick = getenv("NP_BENCH_QUICK") != NULL;
    bool detail = getenv("NP_BENCH_DETAIL") != NULL, nova_ok;
    char script[512], numapin[512], *slash;
    ssize_t len;
    const char *families[] = {"mixes", "isolate", "pre-filled", "issue cases",
                              "small (exhaustive)"};
    unsigned int fam_rows[5] = {0}, fam_ok[5] = {0};

    if (getenv("NP_BENCH_WRITE_HOST")) { /* tests/bench/plan-cost */
        struct instance one;

        bench_thousand(&one);
        if (np_json_write_snapshot_file(getenv("NP_BENCH_WRITE_HOST"),
                                        &one.snap, NULL))
            return 1;
        instance_dispose(&one);
        return 0;
    }
    if (getenv("NP_BENCH_ONE")) {
        struct instance one;
        struct np_solve_req req;
        struct np_plan plan;
        double t0;

        bench_thousand(&one);
        np_solve_req_init(&req);
        req.all = true;
        req.explain = !strcmp(getenv("NP_BENCH_ONE"), "reasons");
        t0 = now_ms();
        np_solve(&one.snap, &req, &plan, NULL);
        printf("%u guests, %.2f ms\n", plan.nr_guests, now_ms() - t0);
        np_plan_dispose(&plan);
        instance_dispose(&one);
        return 0;
    }
    /* where this program is: build/tests/bench/np-bench */
    len = readlink("/proc/self/exe", numapin, sizeof(numapin) - 1);
    numapin[len > 0 ? len : 0] = '\0';
    slash = strstr(numapin, "/tests/bench/");
    if (slash)
        strcpy(slash, "/numapin");
    snprintf(script, sizeof(script), "%s",
             getenv("NP_BENCH_NOVA") ? getenv("NP_BENCH_NOVA")
                                     : NP_SRCDIR "/tests/bench/nova_fit.py");
    if (getenv("NP_BENCH_NUMAPIN"))
        snprintf(numapin, sizeof(numapin), "%s", getenv("NP_BENCH_NUMAPIN"));

    nr = bench_instances(&ins, quick);
    if (getenv("NP_BENCH_ONLY")) { /* the instances whose name has it */
        unsigned int kept = 0;

        for (i = 0; i < nr; i++) {
            if (strstr(ins[i].name, getenv("NP_BENCH_ONLY")))
                ins[kept++] = ins[i];
            else
                instance_dispose(&ins[i]);
        }
        nr = kept;
    }
    res = calloc(nr, sizeof(*res));
    printf("numapin placement benchmark: %u instances; peers in the same "
           "run\n",
           nr);
    nova_ok = run_nova(ins, nr, res, script);
    /* Nova's shared CPUs have no thread policy: not a peer for isolate */
    for (i = 0; nova_ok && i < nr; i++)
        if (ins[i].policy != NP_POLICY_PREFER && res[i][T_NOVA_SHARED].tool) {
            res[i][T_NOVA_SHARED].ran = false;
            snprintf(res[i][T_NOVA_SHARED].note,
                     sizeof(res[i][T_NOVA_SHARED].note),
                     "shared CPUs have no thread policy");
        }
    if (!nova_ok)
        printf("(Nova did not run: install python3-nova, "
               "`tools/install-deps bench`)\n");
    for (i = 0; i < nr; i++) {
        struct instance *in = &ins[i];
        struct metrics mlx;
        unsigned int oc;

        result_init(&res[i][T_NUMAPIN], in, tool_names[T_NUMAPIN]);
        run_numapin(in, &res[i][T_NUMAPIN], 1, false);
        result_init(&res[i][T_GREEDY], in, tool_names[T_GREEDY]);
        run_numapin(in, &res[i][T_GREEDY], 1, true);
        result_init(&res[i][T_LIBXL], in, tool_names[T_LIBXL]);
        if (in->policy == NP_POLICY_PREFER) {
            run_libxl(in, &res[i][T_LIBXL]);
        } else { /* soft affinity over nodes: no SMT policy to compare */
            res[i][T_LIBXL].ran = false;
            snprintf(res[i][T_LIBXL].note, sizeof(res[i][T_LIBXL].note),
                     "no thread policy: not a peer for %s",
                     np_policy_name(in->policy));
        }
        result_init(&res[i][T_BFD], in, tool_names[T_BFD]);
        run_bfd(in, &res[i][T_BFD]);
        result_init(&res[i][T_BFD_NUMAPIN], in, tool_names[T_BFD_NUMAPIN]);
        run_bfd_numapin(in, &res[i][T_BFD_NUMAPIN]);
        if (in->small) {
            result_init(&res[i][T_EXHAUSTIVE], in, tool_names[T_EXHAUSTIVE]);
            run_exhaustive(in, &res[i][T_EXHAUSTIVE]);
        }
        if (res[i][T_LIBXL].ran) {
            result_metrics(in, &res[i][T_LIBXL], &mlx);
            oc = (unsigned int)(mlx.peak - 1e-9) + 1;
            if (oc > 1) {
                result_init(&res[i][T_NUMAPIN_OC], in, "numapin -oc K");
                snprintf(res[i][T_NUMAPIN_OC].note,
                         sizeof(res[i][T_NUMAPIN_OC].note), "%u", oc);
                run_numapin(in, &res[i][T_NUMAPIN_OC], oc, false);
            }
        }
    }
    printf("\ncolumns: placed, rejected, whole (vCPUs and memory on one "
           "node), distance-weighted remote GiB, shared CPUs, shared SMT "
           "cores, vCPUs per CPU on the busiest node, churn (guests moved / "
           "vCPUs re-pinned / GiB moved), milliseconds\n");
    for (i = 0; i < nr; i++) {
        if (ins[i].small && !detail)
            continue;
        printf("\n== %s: %u guests (%u already there), %u nodes, %u CPUs\n",
               ins[i].name, instance_nr(&ins[i]), ins[i].nr_old,
               ins[i].nr_nodes, np_topo_nr_online_cpus(&ins[i].snap.topo));
        printf("  %-14s %5s %5s %5s %9s %6s %6s %5s %16s %9s\n", "tool", "plcd",
               "rej", "whole", "remote", "shCPU", "shCore", "peak", "churn",
               "ms");
        for (k = 0; k < NR_TOOLS; k++) {
            if (k == T_NUMAPIN_OC && res[i][k].tool) {
                char label[32];

                snprintf(label, sizeof(label), "numapin -oc %s",
                         res[i][k].note);
                res[i][k].tool = label;
                print_tool(&ins[i], &res[i][k]);
                res[i][k].tool = "numapin -oc K";
                continue;
            }
            print_tool(&ins[i], &res[i][k]);
        }
    }

    printf("\n== goal: numapin first or tied (places >= every peer, keeps >= "
           "as many whole, no more remote GiB than a peer placing as many, "
           "no move without a gain; libxl against numapin at libxl's "
           "overcommit)\n");
    printf("  %-40s %-16s %s\n", "instance", "numapin p/w/GiB", "verdict");
    for (i = 0; i < nr; i++) {
        struct metrics np, npoc, pm;
        char why[160] = "", one[160];
        bool ok = true;

        result_metrics(&ins[i], &res[i][T_NUMAPIN], &np);
        if (res[i][T_NUMAPIN_OC].tool)
            result_metrics(&ins[i], &res[i][T_NUMAPIN_OC], &npoc);
        for (k = T_NOVA; k <= T_EXHAUSTIVE; k++) {
            const struct result *pr = &res[i][k];
            bool oc = k == T_LIBXL && res[i][T_NUMAPIN_OC].tool;

            if (!pr->tool || !pr->ran)
                continue;
            result_metrics(&ins[i], pr, &pm);
            if (behind(oc ? &npoc : &np,
                       oc ? &res[i][T_NUMAPIN_OC] : &res[i][T_NUMAPIN], &pm, pr,
                       one, sizeof(one))) {
                if (ok)
                    snprintf(why, sizeof(why), "%s", one);
                ok = false;
            }
        }
        for (fam = 0; fam < 5 && strcmp(families[fam], ins[i].family); fam++)
            ;
        rows++;
        ok_rows += ok;
        if (fam < 5) {
            fam_rows[fam]++;
            fam_ok[fam] += ok;
        }
        if (ins[i].small && ok && !detail)
            continue;
        printf("  %-40s %4u/%4u/%6.1f  %s%s\n", ins[i].name, np.placed,
               np.whole, np.remote_gib, ok ? "first or tied" : "BEHIND: ", why);
    }
    printf("\nsummary: numapin first or tied on %u of %u instances", ok_rows,
           rows);
    for (fam = 0; fam < 5; fam++)
        printf("%s %s %u/%u", fam ? "," : ":", families[fam], fam_ok[fam],
               fam_rows[fam]);
    printf("%s\n", nova_ok ? "" : " (without Nova)");
    command_time(numapin);
    for (i = 0; i < nr; i++) {
        for (k = 0; k < NR_TOOLS; k++)
            result_dispose(&res[i][k], &ins[i]);
        instance_dispose(&ins[i]);
    }
    free(res);
    free(ins);
    return 0;
}
