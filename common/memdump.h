/*
 * memdump.h: where each Xen domain's memory is, from the hypervisor's own
 * count: the block that debug key 'u' prints on Xen's console
 * (xen/arch/x86/numa.c, dump_numa).  Plain text in, numbers out; the Xen
 * backend sends the key and reads the console ring (libxl), this parses.
 *
 * The block, as Xen 4.17 prints it into the console ring (one domain):
 *   (XEN) 'u' pressed -> dumping numa info (now = 40587633190)
 *   (XEN) NODE0 start->0 size->262144 free->110283
 *   (XEN) CPU0...1 -> NODE0
 *   (XEN) Memory location of each domain:
 *   (XEN) d0 (total: 131072):
 *   (XEN)     Node 0: 98304
 *   (XEN)     Node 1: 32768
 * Older Xen writes "Domain 0 (total: 131072):"; both are read.  Counts
 * are pages (4 KiB on x86 and Arm).  Lines of other sources interleaved
 * in the ring, vNUMA lines and console timestamps ("(XEN) [  1.2] ") are
 * skipped.
 *
 * The console keeps older dumps too: the caller notes the header of the
 * latest dump before it sends the key (np_memdump_last_header()) and
 * passes it to np_memdump_parse(), which takes the latest dump only when
 * its header differs (the "now =" stamp is Xen's clock).
 */
#ifndef NP_MEMDUMP_H
#define NP_MEMDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "np_err.h"

#define NP_MEMDUMP_HEADER_MAX 128

struct np_memdump_dom {
    int domid;
    uint64_t total_pages; /* Xen's "total:" (domain_tot_pages) */
    uint64_t *pages;      /* per node id, nr_node_ids entries */
};

struct np_memdump {
    char header[NP_MEMDUMP_HEADER_MAX]; /* the dump's header line */
    unsigned int nr_node_ids;
    unsigned int nr_doms;
    struct np_memdump_dom *doms;
};

void np_memdump_init(struct np_memdump *d);
void np_memdump_dispose(struct np_memdump *d);

/* The header line of the latest dump in text, into buf ("" when none). */
void np_memdump_last_header(const char *text, char *buf, size_t size);

/*
 * Parse the latest dump of text (a console ring read whole) into out
 * (initialised).  prev: the header noted before the key was sent ("" or
 * NULL: none).  Returns 0, or:
 *  -ENOENT     no dump newer than prev (the key was not handled);
 *  -EOVERFLOW  the console ring wrapped over the dump: its start is lost
 *              (err names Xen's conring_size= option);
 *  -EPROTO     a domain's lines are incomplete or malformed;
 *  -ENOMEM.
 * Node ids >= nr_node_ids are refused (-EPROTO).
 */
int np_memdump_parse(const char *text, unsigned int nr_node_ids,
                     const char *prev, struct np_memdump *out,
                     struct np_err *err);

/* The domain domid of d, or NULL. */
const struct np_memdump_dom *np_memdump_find(const struct np_memdump *d,
                                             int domid);

#endif /* NP_MEMDUMP_H */
