/*
 * xlcfg.h: change the placement keys of an xl domain configuration file
 * (xl.cfg(5)) and leave every other byte as it was.
 *
 * The file is a sequence of settings, each `KEY = VALUE` (or `KEY +=
 * VALUE`), ended by a newline or ';', with '#' comments to the end of a
 * line.  A VALUE is a string ("..." or '...'), a number, or a list
 * `[ VALUE, ... ]` that may span lines.  When a key is set more than once,
 * xl uses the last setting.
 *
 * Worked example: the text
 *     name = "domu1"   # web server
 *     vcpus = 2
 *     cpus = "all"; memory = 512
 * with cpus set to ["2", "3"] and cpus_soft to ["0-1", "0-1"] becomes
 *     name = "domu1"   # web server
 *     vcpus = 2
 *     cpus = ["2", "3"]; memory = 512
 *     cpus_soft = ["0-1", "0-1"]
 * Every setting of a key is replaced where it stands (what follows it on
 * its line stays); a key not set yet is appended on a line of its own.
 *
 * Pure: no I/O.  Strings returned are malloc'd; free() them.
 */
#ifndef NP_XLCFG_H
#define NP_XLCFG_H

#include "np_err.h"
#include "snapshot.h"

/*
 * *out becomes text with every setting of key replaced by `key = value`
 * (value written as given: the caller quotes it), or with that line
 * appended when key is not set.  0, -EINVAL (the text cannot be read as
 * xl.cfg: err names the line) or -ENOMEM.
 */
int np_xlcfg_set(const char *text, const char *key, const char *value,
                 char **out, struct np_err *err);

/*
 * The string value of key's last setting, unquoted, in *value_out.  0,
 * -ENOENT (not set), -EINVAL (not a string, or text not xl.cfg; err says
 * why) or -ENOMEM.
 */
int np_xlcfg_get_string(const char *text, const char *key, char **value_out,
                        struct np_err *err);

/*
 * The value of key's last setting as a decimal number (vcpus = 2, memory
 * = 512) in *value_out.  0, -ENOENT (not set), -EINVAL (not a plain
 * number up to 10^9, or text not xl.cfg; err names the line).
 */
int np_xlcfg_get_number(const char *text, const char *key,
                        unsigned long *value_out, struct np_err *err);

/* ["a", "b"]: items as an xl.cfg list of strings.  NULL when out of
 * memory.  Items must not hold '"' or newlines (cpu-lists do not). */
char *np_xlcfg_format_list(const char *const *items, unsigned int nr);

/*
 * The placement of guest g (of a snapshot on topo) written into text:
 * `cpus` as the list of every vCPU's hard affinity and, when the source
 * has soft affinity, `cpus_soft` likewise (a vCPU that may run anywhere
 * is "all").  Refuses (-EINVAL) a text whose `name` is not g's: it is
 * another guest's file.  0, -EINVAL or -ENOMEM.
 */
int np_xlcfg_set_placement(const char *text, const struct np_topo *topo,
                           const struct np_guest *g, char **out,
                           struct np_err *err);

#endif /* NP_XLCFG_H */
