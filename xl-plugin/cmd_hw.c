/*
 * cmd_hw.c: what the commands print of the hardware model (hw.h): the
 * readers' notes, the last-level cache groups and the PCI devices.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "numapin.h"

void np_ctx_print_hw_notes(const struct np_topo *topo)
{
    const char *p;

    if (!topo->hw || !topo->hw->notes)
        return;
    fputs("numapin: note: ", stderr);
    for (p = topo->hw->notes; *p; p++) {
        if (*p == '\n')
            fputs("\nnumapin: note: ", stderr);
        else
            fputc(isprint((unsigned char)*p) ? *p : '?', stderr);
    }
    fputc('\n', stderr);
}
