/*
 * parsers/parser.h — the format parsers behind one ops table [Redis ConnectionType]: sniff, open,
 * next, close. The same table is the test seam: tests and fuzz targets drive a parser through it.
 *
 * Contract for every parser:
 *   - bounded memory: no buffer grows past the limits in struct parse_limits, whatever the input;
 *     nothing is pre-sized from a count the input declares;
 *   - hostile input is normal input: a malformed record is skipped and counted (stats->bad_records),
 *     an over-long line/field/record is cut and counted, never fatal; a truncated input yields every
 *     good record before the cut;
 *   - parsers never log and never keep a copy of a value beyond the current record; buffers that
 *     held values are wiped before they are freed or reused for another record.
 */
#ifndef LW_PARSERS_PARSER_H
#define LW_PARSERS_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/slice.h"
#include "parsers/reader.h"
#include "parsers/record.h"

struct parse_limits {
    size_t line_max;   /* longest line kept (line-oriented formats); default 1 MiB */
    size_t field_max;  /* longest field value kept; default 64 KiB */
    size_t record_max; /* most value bytes in one record; default 1 MiB */
    size_t fields_max; /* most fields in one record; default 4096 */
    size_t depth_max;  /* deepest JSON/HTML nesting followed; default 64 */
    size_t doc_max;    /* most bytes a parser may hold at once for a whole-document format (HTML);
                          default 8 MiB (libtidy's tree takes about four times the document) */
};

/* The defaults above. */
void parse_limits_default(struct parse_limits *lim);

struct parse_stats {
    uint64_t records;     /* records returned */
    uint64_t bad_records; /* malformed records skipped */
    uint64_t cut_lines;   /* lines cut at line_max */
    uint64_t cut_fields;  /* values cut at field_max */
    uint64_t cut_records; /* records cut at record_max or fields_max */
    uint64_t too_deep;    /* nesting past depth_max: content kept, structure flattened */
};

struct parser; /* each format's own state, opaque */

struct parser_ops {
    const char *name; /* "html", "sql", "csv", "json", "combo", "text": stable, used by --format */
    /*
     * How sure (0–100) we are that an input starting with head (up to READER_PEEK_MAX bytes, the
     * whole input if shorter) is in this format. name_hint is a file name or URL path (may be NULL):
     * an extension may tip a close call but never outweighs the content.
     */
    int (*sniff)(struct lw_slice head, const char *name_hint);
    /* Start parsing r (borrowed; it outlives the parser). lim is copied. */
    enum lw_rc (*open)(struct reader *r, const struct parse_limits *lim, struct parser **out,
                       struct lw_error *err);
    /*
     * The next record into *rec, valid until the next call. LW_OK: a record; LW_ERR_NOT_FOUND: the
     * end of input; LW_ERR_IO: the reader failed (err says why; records already returned stand).
     * Malformed input is not an error: it is skipped and counted in *st.
     */
    enum lw_rc (*next)(struct parser *p, struct record *rec, struct parse_stats *st,
                       struct lw_error *err);
    /* Wipe and free. NULL-safe. */
    void (*close)(struct parser *p);
};

/* Every parser, in sniffing order; *n gets the count. */
const struct parser_ops *const *parser_all(size_t *n);

/* The parser called name, or NULL. */
const struct parser_ops *parser_find(const char *name);

/* The most likely parser for an input starting with head; the free-text parser if none is sure. */
const struct parser_ops *parser_sniff(struct lw_slice head, const char *name_hint);

/* The individual tables (parsers/<name>.c). */
extern const struct parser_ops parser_html;
extern const struct parser_ops parser_sql;
extern const struct parser_ops parser_csv;
extern const struct parser_ops parser_json;
extern const struct parser_ops parser_combo;
extern const struct parser_ops parser_text;

#endif
