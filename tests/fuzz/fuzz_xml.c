/*
 * fuzz_xml.c: libFuzzer target for the capabilities XML reader.
 *
 * Any input either fails with a one-line message or gives a topology that
 * writes to XML and reads back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_topo topo, back;
    struct np_err err = {""};
    char *xml = NULL, *xml2 = NULL;

    np_topo_init(&topo);
    np_topo_init(&back);
    if (np_xml_read_caps((const char *)data, size, "fuzz", &topo, &err)) {
        if (strchr(err.msg, '\n'))
            abort();
        goto out;
    }
    if (np_xml_write_caps(&topo, &xml, NULL))
        goto out; /* e.g. a host with no node: refused, not a crash */
    if (np_xml_read_caps(xml, strlen(xml), "again", &back, &err))
        abort();
    if (np_xml_write_caps(&back, &xml2, NULL) || strcmp(xml, xml2))
        abort();
out:
    free(xml);
    free(xml2);
    np_topo_dispose(&topo);
    np_topo_dispose(&back);
    return 0;
}
