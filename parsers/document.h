/*
 * parsers/document.h — one document, end to end inside the parsers layer: sniff (or take the
 * forced format), parse every record, extract every identifier, count. `ingest --dry-run`, ingest
 * proper and the crawler all go through here, so they agree on what a document contains.
 */
#ifndef LW_PARSERS_DOCUMENT_H
#define LW_PARSERS_DOCUMENT_H

#include "parsers/extract.h"
#include "parsers/parser.h"

struct document_report {
    const struct parser_ops *format; /* the parser used */
    struct parse_stats parse;
    struct extract_counts counts;
    uint64_t bytes; /* input bytes consumed */
};

/*
 * Scan the document behind r. format NULL: sniff it from the first bytes and name_hint (a file name
 * or URL path, may be NULL). ctx and lim may be NULL (no region; default limits). hit is called for
 * every identifier (may be NULL). rep is reset first. LW_OK when the whole input was read (however
 * malformed); LW_ERR_IO when reading failed part-way (rep then covers what was read).
 */
enum lw_rc document_scan(struct reader *r, const char *name_hint, const struct parser_ops *format,
                         const struct id_context *ctx, const struct parse_limits *lim,
                         extract_hit_fn hit, void *user, struct document_report *rep,
                         struct lw_error *err);

#endif
