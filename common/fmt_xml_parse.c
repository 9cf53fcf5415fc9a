/*
 * fmt_xml_parse.c: the one way numapin parses an XML document (libxml2),
 * for the capabilities reader (fmt_xml_read.c) and the domain XML of
 * `persist --libvirt-xml` (fmt_xml_domain.c).
 *
 * A parser context of its own: no network, no entity expansion, no DTD
 * loading, and any entity declaration stops the parse; errors are caught
 * per context rather than printed (libxml2's generic handler is muted for
 * the parse).  libxml2 is loaded on first use (xml_lib.h).  It never calls
 * xmlCleanupParser(): other users of libxml2 in the same process may
 * still need it.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fmt_xml_parse.h"
#include "xml_lib.h"

/* What the per-context handlers saw during one parse. */
struct parse_state {
    bool error; /* an error of level XML_ERR_ERROR or worse */
    int error_line;
    char error_msg[256];
    bool entity; /* an <!ENTITY> declaration */
    int entity_line;
    char entity_name[64];
};

#if LIBXML_VERSION >= 21200
static void on_xml_error(void *data, const xmlError *error)
#else
static void on_xml_error(void *data, xmlErrorPtr error)
#endif
{
    xmlParserCtxtPtr ctxt = data;
    struct parse_state *st = ctxt ? ctxt->_private : NULL;
    size_t n;

    if (!st || st->error || error->level < XML_ERR_ERROR)
        return;
    st->error = true;
    st->error_line = error->line;
    snprintf(st->error_msg, sizeof(st->error_msg), "%s",
             error->message ? error->message : "unknown XML error");
    n = strlen(st->error_msg);
    while (n && isspace((unsigned char)st->error_msg[n - 1]))
        st->error_msg[--n] = '\0';
}

/* Any entity declaration stops the parse: the documents numapin reads
 * have none, and refusing them is what keeps billion laughs and external
 * entities out. */
static void note_entity(void *ctx, const xmlChar *name)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;

    if (st && !st->entity) {
        st->entity = true;
        st->entity_line = ctxt->input ? ctxt->input->line : 0;
        snprintf(st->entity_name, sizeof(st->entity_name), "%s",
                 name ? (const char *)name : "");
    }
    xmlStopParser(ctxt);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *public_id, const xmlChar *system_id,
                           xmlChar *content)
{
    note_entity(ctx, name);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name,
                                    const xmlChar *public_id,
                                    const xmlChar *system_id,
                                    const xmlChar *notation)
{
    note_entity(ctx, name);
}

/* Errors outside a parser context would go to libxml2's generic handler,
 * which prints to stderr: mute it for the duration of one parse. */
static void mute_generic(void *ctx, const char *msg, ...)
{
}

#define PARSE_OPTIONS                                                          \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |               \
     XML_PARSE_BIG_LINES)

int np_xml_parse(const char *buf, size_t len, const char *name,
                 const char *kind, struct np_err *err, xmlDocPtr *doc_out)
{
    xmlGenericErrorFunc old_generic;
    void *old_generic_ctx;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    struct parse_state st;
    int rc = 0;

    *doc_out = NULL;
    memset(&st, 0, sizeof(st));
    if (len > INT_MAX) {
        rc = np_err_set(err, -EFBIG, "%s: %zu bytes is too large to parse",
                        name, len);
        goto out;
    }
    rc = np_xml_lib_load(err);
    if (rc)
        goto out;
    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        rc = np_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    ctxt->_private = &st;
    ctxt->sax->serror = on_xml_error;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;

    old_generic = xmlGenericError;
    old_generic_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, mute_generic);
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, PARSE_OPTIONS);
    xmlSetGenericErrorFunc(old_generic_ctx, old_generic);

    if (st.entity) {
        rc = np_err_set(
            err, -EINVAL,
            "%s:%d: the document declares entity '%s': %s has no entities, refusing it",
            name, st.entity_line, st.entity_name, kind);
    } else if (st.error) {
        rc = np_err_set(err, -EINVAL, "%s:%d: %s", name, st.error_line,
                        st.error_msg);
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);

        rc = np_err_set(err, -EINVAL, "%s:%d: %s", name, e ? e->line : 0,
                        e && e->message ? e->message
                                        : "not a well-formed XML document");
    }
out:
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    if (rc)
        xmlFreeDoc(doc);
    else
        *doc_out = doc;
    return rc;
}
