/*
 * parsers/document.c — parse and extract one document: the loop every caller shares.
 */
#include "parsers/document.h"

#include <string.h>

enum lw_rc
document_scan(struct reader *r, const char *name_hint, const struct parser_ops *format,
              const struct id_context *ctx, const struct parse_limits *lim, extract_hit_fn hit,
              void *user, struct document_report *rep, struct lw_error *err)
{
    struct parse_limits defaults;
    struct parser *p = NULL;
    struct extractor *x = NULL;
    struct record rec;
    enum lw_rc rc;

    memset(rep, 0, sizeof(*rep));
    if (lim == NULL) {
        parse_limits_default(&defaults);
        lim = &defaults;
    }
    if (format == NULL) {
        struct lw_slice head;

        rc = reader_peek(r, READER_PEEK_MAX, &head);
        if (rc != LW_OK) {
            return lw_error_set(err, rc, "cannot read %s", reader_name(r));
        }
        format = parser_sniff(head, name_hint);
    }
    rep->format = format;
    rc = format->open(r, lim, &p, err);
    if (rc != LW_OK) {
        return rc;
    }
    x = extractor_new(ctx);
    while ((rc = format->next(p, &rec, &rep->parse, err)) == LW_OK) {
        extractor_record(x, &rec, hit, user, &rep->counts);
    }
    if (rc == LW_ERR_NOT_FOUND) {
        rc = LW_OK;
    }
    rep->bytes = reader_offset(r);
    extractor_free(x);
    format->close(p);
    return rc;
}
