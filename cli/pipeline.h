/*
 * cli/pipeline.h — one document from bytes to stored hits: the seam where parsers meet storage.
 * `ingest` feeds it files; the crawler will feed it fetched bodies. Both get the same parsing, the
 * same identifiers, the same hashes and the same per-document transaction.
 */
#ifndef LW_CLI_PIPELINE_H
#define LW_CLI_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "parsers/document.h"
#include "storage/docstore.h"

struct pipeline;

struct pipeline_opts {
    unsigned threads;   /* OPRF workers; 0: one per CPU */
    size_t table_bytes; /* per-document table before spilling (0: default) */
    size_t cache_bytes; /* run-wide cache (0: default) */
    const char *key_file; /* NULL: keyfile_default_path() */
};

/* Connect (LW_ERR_DB, exit 4, when unreachable), check the schema (LW_ERR_CONFIG: run db migrate),
 * load the key (LW_ERR_CONFIG), start the workers. */
enum lw_rc pipeline_open(const struct pipeline_opts *opts, struct pipeline **out,
                         struct lw_error *err);
void pipeline_free(struct pipeline *p);

/* The docstore and database, for callers that need more (the crawler). */
struct db *pipeline_db(struct pipeline *p);
unsigned pipeline_threads(const struct pipeline *p);
void pipeline_docstore_totals(const struct pipeline *p, struct docstore_totals *out);

/* Called now and then while a document is read: bytes read so far, identifiers found so far. */
typedef void (*pipeline_progress_fn)(void *user, uint64_t bytes, uint64_t identifiers);

struct pipeline_doc {
    const char *name_hint;          /* file name or URL path for sniffing; may be NULL */
    const struct parser_ops *format; /* NULL: sniff */
    const struct id_context *ctx;   /* region */
    struct docstore_meta meta;      /* label, url, source, region (format/counts are filled in) */
    pipeline_progress_fn progress;  /* may be NULL */
    void *progress_user;
};

struct pipeline_report {
    struct document_report doc;
    struct docstore_result store;
    uint64_t bytes; /* the document's size as read (doc.bytes counts after BOM/transcoding) */
};

/*
 * Parse, hash and store the document behind r (read to its end, so the content hash covers every
 * byte). LW_OK with rep->store.duplicate when it was stored before. LW_ERR_IO when reading failed
 * (nothing stored), LW_ERR_DB when the database failed (nothing of the document stored).
 */
enum lw_rc pipeline_document(struct pipeline *p, struct reader *r, const struct pipeline_doc *d,
                             struct pipeline_report *rep, struct lw_error *err);

/* Before parsing a regular file: is its content stored already? (LW_OK, *known, *id.) */
enum lw_rc pipeline_known_fd(struct pipeline *p, int fd, bool *known, int64_t *id,
                             struct lw_error *err);

/* The document's counts as JSON members — "identifiers":{kind:{found, [distinct_name,] rejects}},
 * "flags":{…}, "parse":{…} — appended to out without enclosing braces: documents.summary and
 * ingest --json share them. distinct may be NULL (then distinct_name is unused). */
void pipeline_counts_json(struct lw_buf *out, const struct document_report *rep,
                          const uint64_t *distinct, const char *distinct_name);

#endif
