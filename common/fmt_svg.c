/*
 * fmt_svg.c: the map as SVG and HTML (fmt_svg.h).
 *
 * Layout, by example: a host of two nodes, each one socket of two cores
 * of two threads, is two node boxes side by side; in each, one row per
 * core (inside an L3 box when the topology has L3 groups), one cell per
 * thread; under the rows, the memory bar.  Cells are CELL_W wide and tall
 * enough for the most chips any CPU has (at most MAX_CHIPS, then "+N").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fmt_svg.h"
#include "fmt_text.h"
#include "hw.h"

#define CELL_W 128
#define CHIP_H 16
#define MAX_CHIPS 8
#define PAD 10
#define HEAD_H 38
#define BAR_H 16
#define OVERLAP "#d62728"

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#7b4173",
};
#define NR_PALETTE (sizeof(palette) / sizeof(palette[0]))

const char *np_svg_guest_colour(unsigned int i, char buf[8])
{
    unsigned int h, r, g, b;

    if (i < NR_PALETTE)
        return palette[i];
    /* beyond the palette: spread over the hue circle, never pure red */
    h = (i * 137u) % 300u + 30u;
    r = h < 120 ? 220 - h : (h > 240 ? h - 100 : 60);
    g = h < 180 ? 60 + h / 2 : 120;
    b = h > 120 ? (h % 200) + 40 : 90;
    snprintf(buf, 8, "#%02x%02x%02x", r & 0xff, g & 0xff, b & 0xff);
    return buf;
}

struct layout {
    const struct np_snapshot *snap;
    const struct np_mapview *mv;
    unsigned int chips; /* chip rows per cell */
    unsigned int cell_h;
};

/* The L3 group of a CPU, or -1. */
static int llc_of(const struct np_topo *topo, int cpu)
{
    if (!topo->hw || !topo->hw->cpus || cpu < 0 ||
        (unsigned int)cpu >= topo->nr_cpu_ids)
        return -1;
    return topo->hw->cpus[cpu].llc;
}

/* mv->cpus[first..end) of one node; returns end. */
static unsigned int node_end(const struct np_mapview *mv, unsigned int first)
{
    unsigned int k = first;

    while (k < mv->nr_cpus && mv->cpus[k].node == mv->cpus[first].node)
        k++;
    return k;
}

static bool same_core(const struct np_mapview_cpu *a,
                      const struct np_mapview_cpu *b)
{
    return a->socket == b->socket && a->core == b->core && a->core >= 0;
}

/* Width and height of a node's box for cpus [first, end). */
static void node_size(const struct layout *l, unsigned int first,
                      unsigned int end, unsigned int *w, unsigned int *h)
{
    unsigned int k, row = 0, widest = 1, rows = 0, groups = 0;
    int llc = -2;

    for (k = first; k < end; k++) {
        const struct np_mapview_cpu *c = &l->mv->cpus[k];
        int g = llc_of(&l->snap->topo, c->cpu);

        if (k == first || !same_core(c, &l->mv->cpus[k - 1])) {
            rows++;
            row = 0;
            if (g != llc) {
                groups++;
                llc = g;
            }
        }
        if (++row > widest)
            widest = row;
    }
    *w = widest * (CELL_W + 4) + 4 * PAD;
    if (*w < 260)
        *w = 260;
    *h = HEAD_H + rows * (l->cell_h + 8) + groups * 22 + BAR_H + 3 * PAD;
}

static void chip(FILE *f, const struct layout *l, unsigned int x,
                 unsigned int y, const struct np_mapview_ref *r, bool bound)
{
    char buf[8];
    const char *col = np_svg_guest_colour(r->guest, buf);
    const struct np_guest *g = &l->snap->guests[r->guest];

    if (bound)
        fprintf(f,
                "<rect class=\"bound\" x=\"%u\" y=\"%u\" width=\"%u\" "
                "height=\"%u\" rx=\"3\" fill=\"#ffffff\" stroke=\"%s\" "
                "stroke-width=\"2\" stroke-dasharray=\"4 2\"/>",
                x, y, CELL_W - 12, CHIP_H - 2, col);
    else
        fprintf(f,
                "<rect class=\"pin\" x=\"%u\" y=\"%u\" width=\"%u\" "
                "height=\"%u\" rx=\"3\" fill=\"%s\"/>",
                x, y, CELL_W - 12, CHIP_H - 2, col);
    fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"10\" fill=\"%s\">", x + 4,
            y + 11, bound ? "#000000" : "#ffffff");
    np_xml_text(f, g->name);
    fprintf(f, "/%d</text>\n", r->vcpu);
}

static void cell(FILE *f, const struct layout *l,
                 const struct np_mapview_cpu *c, unsigned int x, unsigned int y)
{
    unsigned int i, n = 0, total = c->nr_pinned + c->nr_bound;

    fprintf(f,
            "<rect class=\"cpu%s\" data-cpu=\"%d\" x=\"%u\" y=\"%u\" "
            "width=\"%u\" height=\"%u\" fill=\"%s\" stroke=\"%s\" "
            "stroke-width=\"%u\"/>\n",
            c->overlap ? " overlap" : "", c->cpu, x, y, CELL_W, l->cell_h,
            c->online ? "#fafafa" : "#dddddd", c->overlap ? OVERLAP : "#999999",
            c->overlap ? 4 : 1);
    fprintf(f,
            "<text x=\"%u\" y=\"%u\" font-size=\"11\" "
            "font-weight=\"bold\">cpu %d%s</text>\n",
            x + 5, y + 14, c->cpu, c->online ? "" : " (offline)");
    if (c->nr_floating)
        fprintf(f,
                "<text class=\"float\" x=\"%u\" y=\"%u\" font-size=\"10\" "
                "fill=\"#555555\">~%u floating</text>\n",
                x + CELL_W - 62, y + 14, c->nr_floating);
    for (i = 0; i < total; i++) {
        bool bound = i >= c->nr_pinned;
        const struct np_mapview_ref *r =
            bound ? &c->bound[i - c->nr_pinned] : &c->pinned[i];

        if (n + 1 == l->chips && total > l->chips) {
            fprintf(
                f, "<text x=\"%u\" y=\"%u\" font-size=\"10\">+%u more</text>\n",
                x + 6, y + 20 + n * CHIP_H + 11, total - n);
            break;
        }
        chip(f, l, x + 6, y + 20 + n * CHIP_H, r, bound);
        n++;
    }
}

/* The memory bar of node n at (x, y), w wide. */
static void mem_bar(FILE *f, const struct layout *l, int node, unsigned int x,
                    unsigned int y, unsigned int w)
{
    const struct np_topo *topo = &l->snap->topo;
    const struct np_node *nd = &topo->nodes[node];
    uint64_t total = nd->mem_total_kib, guests = 0, used;
    unsigned int i, at = x;
    char buf[8];

    fprintf(f,
            "<rect class=\"mem\" data-node=\"%d\" x=\"%u\" y=\"%u\" "
            "width=\"%u\" height=\"%u\" fill=\"#e8e8e8\" "
            "stroke=\"#999999\"/>\n",
            node, x, y, w, BAR_H);
    if (!total)
        return;
    for (i = 0; i < l->snap->nr_guests; i++) {
        const struct np_guest *g = &l->snap->guests[i];
        uint64_t kib = g->mem_per_node_kib ? g->mem_per_node_kib[node] : 0;
        unsigned int sw;

        if (!kib)
            continue;
        guests += kib;
        sw = (unsigned int)((double)kib * w / (double)total);
        if (!sw)
            sw = 1;
        if (at + sw > x + w)
            sw = x + w - at;
        fprintf(f,
                "<rect class=\"memseg\" x=\"%u\" y=\"%u\" width=\"%u\" "
                "height=\"%u\" fill=\"%s\"><title>",
                at, y, sw, BAR_H, np_svg_guest_colour(i, buf));
        np_xml_text(f, g->name);
        fprintf(f, ": %" PRIu64 " MiB</title></rect>\n", kib >> 10);
        at += sw;
    }
    used = nd->mem_free_known && total > nd->mem_free_kib
               ? total - nd->mem_free_kib
               : guests;
    if (used > guests && at < x + w) {
        unsigned int sw = (unsigned int)((double)(used - guests) * w / total);

        if (at + sw > x + w)
            sw = x + w - at;
        fprintf(f,
                "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
                "fill=\"#888888\"/>\n",
                at, y, sw, BAR_H);
    }
    fprintf(f,
            "<text x=\"%u\" y=\"%u\" font-size=\"10\">memory %" PRIu64 " MiB",
            x, y + BAR_H + 12, total >> 10);
    if (nd->mem_free_known)
        fprintf(f, ", free %" PRIu64 " MiB", nd->mem_free_kib >> 10);
    fputs("</text>\n", f);
}

static void node_box(FILE *f, const struct layout *l, unsigned int first,
                     unsigned int end, int node, unsigned int x, unsigned int w,
                     unsigned int h)
{
    const struct np_topo *topo = &l->snap->topo;
    unsigned int k, y = HEAD_H, col = 0;
    int llc = -2, socket = -2;
    char *cpus = NULL;

    fprintf(f,
            "<g class=\"node\" data-node=\"%d\">\n<rect x=\"%u\" y=\"0\" "
            "width=\"%u\" height=\"%u\" rx=\"6\" fill=\"#f0f4f8\" "
            "stroke=\"#335577\" stroke-width=\"2\"/>\n",
            node, x, w, h);
    if (node >= 0)
        cpus = np_cpulist_format_ranges(&topo->nodes[node].cpus);
    if (node >= 0)
        fprintf(f,
                "<text x=\"%u\" y=\"20\" font-size=\"14\" "
                "font-weight=\"bold\">node %d</text><text x=\"%u\" y=\"34\" "
                "font-size=\"10\">cpus %s</text>\n",
                x + PAD, node, x + PAD, cpus && *cpus ? cpus : "none");
    else
        fprintf(f,
                "<text x=\"%u\" y=\"20\" font-size=\"14\" "
                "font-weight=\"bold\">node ?</text>\n",
                x + PAD);
    free(cpus);
    for (k = first; k < end; k++) {
        const struct np_mapview_cpu *c = &l->mv->cpus[k];
        bool new_row = k == first || !same_core(c, &l->mv->cpus[k - 1]);
        int g = llc_of(topo, c->cpu);

        if (new_row && k != first)
            y += l->cell_h + 8;
        if (new_row && (g != llc || c->socket != socket)) {
            unsigned int rows = 0, j;

            /* the rows of this L3 group (or socket) */
            for (j = k; j < end && llc_of(topo, l->mv->cpus[j].cpu) == g &&
                        l->mv->cpus[j].socket == c->socket;
                 j++)
                rows +=
                    j == k || !same_core(&l->mv->cpus[j], &l->mv->cpus[j - 1]);
            fprintf(f,
                    "<rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" "
                    "height=\"%u\" rx=\"4\" fill=\"none\" stroke=\"#7799bb\" "
                    "stroke-dasharray=\"6 3\"/>\n<text x=\"%u\" y=\"%u\" "
                    "font-size=\"10\" fill=\"#335577\">socket %d",
                    g >= 0 ? "llc" : "socket", x + PAD / 2, y, w - PAD,
                    rows * (l->cell_h + 8) + 18, x + PAD, y + 12, c->socket);
            if (g >= 0 && topo->hw->llc)
                fprintf(f, ", L%u #%d", topo->hw->llc[g].level,
                        topo->hw->llc[g].id);
            fputs("</text>\n", f);
            y += 18;
            llc = g;
            socket = c->socket;
        }
        if (new_row) {
            unsigned int n = 0, j;

            for (j = k; j < end && (j == k || same_core(&l->mv->cpus[j],
                                                        &l->mv->cpus[j - 1]));
                 j++)
                n++;
            fprintf(f,
                    "<rect class=\"core\" x=\"%u\" y=\"%u\" width=\"%u\" "
                    "height=\"%u\" fill=\"none\" stroke=\"#bbbbbb\"/>\n",
                    x + PAD + 2, y - 2, n * (CELL_W + 4) + 2, l->cell_h + 4);
            col = 0;
        }
        cell(f, l, c, x + PAD + 4 + col * (CELL_W + 4), y);
        col++;
    }
    if (node >= 0)
        mem_bar(f, l, node, x + PAD, h - BAR_H - 2 * PAD, w - 2 * PAD);
    fputs("</g>\n", f);
}

static void legend(FILE *f, const struct layout *l, unsigned int y)
{
    const struct np_snapshot *snap = l->snap;
    const struct np_topo *topo = &snap->topo;
    unsigned int i, v;
    char buf[8];

    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];
        unsigned int pinned = 0, bound = 0, floating = 0;

        for (v = 0; v < g->nr_vcpus; v++) {
            const struct np_vcpu *vc = &g->vcpus[v];

            if (!np_mapview_vcpu_limited(topo, vc))
                floating++;
            else if (np_cpumap_weight(&vc->hard) == 1)
                pinned++;
            else
                bound++;
        }
        fprintf(f,
                "<g class=\"legend\"><rect x=\"%u\" y=\"%u\" width=\"14\" "
                "height=\"14\" fill=\"%s\"/><text x=\"%u\" y=\"%u\" "
                "font-size=\"12\">",
                PAD, y + i * 20, np_svg_guest_colour(i, buf), PAD + 20,
                y + i * 20 + 12);
        np_xml_text(f, g->name);
        if (g->vcpus_unknown)
            fprintf(f, ": %u vCPUs, where each may run is unknown",
                    g->nr_vcpus);
        else
            fprintf(f, ": %u vCPU%s: %u pinned, %u bound, %u floating",
                    g->nr_vcpus, g->nr_vcpus == 1 ? "" : "s", pinned, bound,
                    floating);
        fputs("</text></g>\n", f);
    }
}

/*
 * The nodes' boxes from left to right, the cpus of no node last: with f
 * NULL only measured (*width_out, *height_out: what they take together), else
 * drawn, each height tall.
 */
static void node_boxes(FILE *f, const struct layout *l, unsigned int height,
                       unsigned int *width_out, unsigned int *height_out)
{
    const struct np_topo *t = &l->snap->topo;
    const struct np_mapview *mv = l->mv;
    unsigned int first, end, w, h, x = 0;
    int node;

    *height_out = 0;
    for (node = 0; node <= (int)t->nr_node_ids; node++) {
        int want = node < (int)t->nr_node_ids ? node : -1;

        if (want >= 0 && !np_topo_node_exists(t, want))
            continue;
        for (first = 0; first < mv->nr_cpus && mv->cpus[first].node != want;
             first++)
            ;
        if (want < 0 && first == mv->nr_cpus)
            continue;
        end = first < mv->nr_cpus ? node_end(mv, first) : first;
        node_size(l, first, end, &w, &h);
        if (f)
            node_box(f, l, first, end, want, x, w, height);
        x += w + PAD;
        if (h > *height_out)
            *height_out = h;
    }
    *width_out = x;
}

static void svg_body(FILE *f, const struct np_snapshot *snap,
                     const struct np_mapview *mv)
{
    struct layout l = {snap, mv, 1, 0};
    unsigned int k, total_w, max_h, y;

    for (k = 0; k < mv->nr_cpus; k++)
        if (mv->cpus[k].nr_pinned + mv->cpus[k].nr_bound > l.chips)
            l.chips = mv->cpus[k].nr_pinned + mv->cpus[k].nr_bound;
    if (l.chips > MAX_CHIPS)
        l.chips = MAX_CHIPS;
    l.cell_h = 22 + l.chips * CHIP_H;

    /* first the sizes, so that the document knows its own */
    node_boxes(NULL, &l, 0, &total_w, &max_h);
    y = max_h + 2 * PAD;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
            "height=\"%u\" viewBox=\"0 0 %u %u\" "
            "font-family=\"DejaVu Sans, sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
            total_w + PAD, y + snap->nr_guests * 20 + PAD, total_w + PAD,
            y + snap->nr_guests * 20 + PAD);
    fputs("<title>numapin map", f);
    if (snap->topo.source) {
        fputs(": ", f);
        np_xml_text(f, snap->topo.source);
    }
    fputs("</title>\n<g transform=\"translate(10,10)\">\n", f);
    node_boxes(f, &l, max_h, &total_w, &k);
    fputs("</g>\n", f);
    legend(f, &l, y);
    fputs("</svg>\n", f);
}

int np_svg_write_map(FILE *f, const struct np_snapshot *snap,
                     const struct np_mapview *mv)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    svg_body(f, snap, mv);
    return ferror(f) ? -EIO : 0;
}

int np_html_write_map(FILE *f, const struct np_snapshot *snap,
                      const struct np_mapview *mv)
{
    unsigned int i, v;

    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
          "<title>numapin map</title><style>body{font-family:sans-serif;"
          "margin:16px}table{border-collapse:collapse}td,th{border:1px "
          "solid #ccc;padding:2px 8px;font-size:12px}</style></head>\n"
          "<body>\n<h1>numapin map</h1>\n<p>",
          f);
    np_xml_text(f, snap->topo.source ? snap->topo.source : snap->backend);
    fputs("</p>\n", f);
    svg_body(f, snap, mv);
    fputs("<table class=\"guests\"><tr><th>guest</th><th>id</th>"
          "<th>vcpu</th><th>hard</th></tr>\n",
          f);
    for (i = 0; i < snap->nr_guests; i++) {
        const struct np_guest *g = &snap->guests[i];

        for (v = 0; v < g->nr_vcpus; v++) {
            char *hard = g->vcpus_unknown
                             ? NULL
                             : np_cpulist_format_ranges(&g->vcpus[v].hard);

            fputs("<tr class=\"vcpu\"><td>", f);
            np_xml_text(f, g->name);
            fprintf(f, "</td><td>%d</td><td>%u</td><td>%s</td></tr>\n", g->id,
                    v, hard && *hard ? hard : "?");
            free(hard);
        }
    }
    fputs("</table>\n</body></html>\n", f);
    return ferror(f) ? -EIO : 0;
}
