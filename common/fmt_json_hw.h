/*
 * fmt_json_hw.h: the snapshot JSON's host.hardware object (hw.h), for
 * fmt_json.c.  The keys are listed in fmt_json_hw.c and docs/design.md.
 */
#ifndef NP_FMT_JSON_HW_H
#define NP_FMT_JSON_HW_H

#include <stdbool.h>

#include <json.h>

#include "json_doc.h"
#include "np_err.h"
#include "topo.h"

/* The object for topo->hw, NULL when topo has none (or, with *oom set,
 * when out of memory). */
json_object *np_json_hw_write(const struct np_topo *topo, bool *oom);

/* Read hw into topo->hw (topo finished).  name prefixes messages.  0,
 * -EINVAL with a sentence naming the member, or -ENOMEM. */
int np_json_hw_read(const struct np_jv *hw, const char *name,
                    struct np_topo *topo, struct np_err *err);

#endif /* NP_FMT_JSON_HW_H */
