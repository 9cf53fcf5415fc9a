/*
 * fmt_xml.h: the host topology as libvirt capabilities XML.
 *
 * The writer prints the host part of what `virsh capabilities` prints,
 * byte for byte where libvirt has something to say (2-space indentation,
 * single-quoted attributes, the blank lines after <capabilities> and
 * </host>).  The reader takes any real `virsh capabilities` dump and
 * ignores what the model has no place for (guests, features, <pages>,
 * <cache>, <secmodel>, <iommu>, cluster_id, ...).
 *
 * What libvirt cannot express goes into the numapin namespace NP_XML_NS,
 * declared on the root only when the document uses it:
 *  - <numapin:free unit='KiB'> in a <cell>, after <memory>: free memory;
 *  - numapin:online='no' on the <cpu> of an offline CPU (libvirt's own
 *    dumps list offline CPUs as a bare <cpu id='N'/>, which reads back as
 *    an online CPU of unknown topology);
 *  - <numapin:mhz> in the host <cpu>, <numapin:memory unit='KiB'> in
 *    <host>: cpu_mhz and mem_total_kib when not zero;
 *  - <numapin:cpus num='K'> in <host>, after <topology>, holding
 *    <numapin:cpu> elements for present CPUs that are on no node.
 *
 * Worked example: two nodes, one socket of two cores each, cpu 3 offline:
 *
 *   <capabilities xmlns:numapin='https://numapin.dev/xmlns/topology/1'>
 *
 *     <host>
 *       <cpu>
 *         <arch>x86_64</arch>
 *         <topology sockets='1' dies='1' cores='2' threads='1'/>
 *       </cpu>
 *       <topology>
 *         <cells num='2'>
 *           <cell id='0'>
 *             <memory unit='KiB'>1048576</memory>
 *             <numapin:free unit='KiB'>524288</numapin:free>
 *             <distances>
 *               <sibling id='0' value='10'/>
 *               <sibling id='1' value='20'/>
 *             </distances>
 *             <cpus num='2'>
 *               <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0'/>
 *               <cpu id='1' socket_id='0' die_id='0' core_id='1' siblings='1'/>
 *             </cpus>
 *           </cell>
 *           <cell id='1'>
 *             ...
 *               <cpu id='3' numapin:online='no'/>
 *             ...
 *
 * The host <cpu><topology> is computed the way libvirt's
 * virHostCPUGetInfo() computes it: sockets, cores and threads are the
 * largest counts found in any one NUMA node (np_topo_shape() over each
 * node's CPUs), so a two-socket two-node host says sockets='1'; when
 * nodes x sockets x cores x threads does not equal the CPUs listed in the
 * nodes (online and offline), libvirt gives up and says sockets='1'
 * cores='<cpus>' threads='1', and so does the writer.  dies is always 1,
 * as libvirt's host CPU has it.  Attributes that the model does not know
 * (socket, die or core -1, empty siblings) are left out of a <cpu>.
 *
 * Round trip: np_xml_read_caps(np_xml_write_caps(topo)) gives back every
 * field of topo, except that a NULL cpu_model reads back as "x86_64", CPU
 * and node tables shrink to the highest present id + 1, and source is set
 * by the reader.
 */
#ifndef NP_FMT_XML_H
#define NP_FMT_XML_H

#include <stddef.h>

#include "np_err.h"
#include "topo.h"

#define NP_XML_NS "https://numapin.dev/xmlns/topology/1"

/*
 * Format topo as capabilities XML.  On success returns 0 and sets
 * *xml_out to a NUL-terminated string that the caller frees with free().
 * On failure *xml_out is NULL and the return is -EINVAL (topo has no
 * node) or -ENOMEM.
 */
int np_xml_write_caps(const struct np_topo *topo, char **xml_out,
                      struct np_err *err);

/*
 * Read capabilities XML from buf (len bytes, no terminator needed).
 * name_for_errors names the document in messages ("FILE:LINE: ...") and
 * in topo->source; NULL means "capabilities XML".
 *
 * topo must have been initialised (np_topo_init() or a previous reading).
 * On success its old contents are freed and replaced by a topology that
 * has passed np_topo_finish(): CPU ids 0..max <cpu> id, node ids 0..max
 * <cell> id (sparse ids are absent entries).  On failure topo is left
 * untouched and the return is:
 *  -EINVAL  malformed or truncated XML, a DOCTYPE declaring entities, a
 *           root other than <capabilities>, no <cells>, an id that is not
 *           a number or above NP_MAX_*, a duplicate id, a CPU in two
 *           cells, a distance to an unlisted cell, a bad size or unit;
 *  -EFBIG   len does not fit libxml2 (above INT_MAX);
 *  -ENOMEM.
 * err gets one sentence, prefixed "FILE:LINE:" when the fault has a line.
 *
 * The parser never touches the network, expands no entity and loads no
 * DTD.
 */
int np_xml_read_caps(const char *buf, size_t len, const char *name_for_errors,
                     struct np_topo *topo, struct np_err *err);

/*
 * Read the file at path as np_xml_read_caps() does, naming it by path.
 * Adds -errno from open()/read() (e.g. -ENOENT) and -EFBIG for files
 * above 64 MiB to the failures above.
 */
int np_xml_read_caps_file(const char *path, struct np_topo *topo,
                          struct np_err *err);

/*
 * The placement of guest g (of a snapshot on topo) written into a libvirt
 * domain XML (len bytes of text, a `virsh dumpxml` file): <vcpu cpuset>,
 * <cputune>'s <vcpupin>s and <numatune>'s <memory nodeset>, every other
 * element and comment kept (fmt_xml_domain.c).  Refuses (-EINVAL, one
 * sentence) malformed XML, entities, a root other than <domain> and a
 * <name> that is not g's: it is another guest's file.  *out is malloc'd.
 * 0, -EINVAL, -EFBIG or -ENOMEM.
 */
struct np_guest;
int np_xml_set_domain_placement(const char *text, size_t len,
                                const char *name_for_errors,
                                const struct np_topo *topo,
                                const struct np_guest *g, char **out,
                                struct np_err *err);

#endif /* NP_FMT_XML_H */
