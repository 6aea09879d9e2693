/*
 * storage/docstore.h — storing documents: identifiers in, one transaction per document out.
 *
 * For each document: docstore_begin(), then docstore_content() with every byte of the document
 * (for the keyed content hash that de-duplicates documents) and docstore_add() with every
 * identifier found, then docstore_commit() (or docstore_abort()). Identifiers arrive as OPRF inputs
 * (`kind ‖ 0x00 ‖ normalised value`, built by the caller with parsers' identifiers_oprf_input).
 *
 * Inside: each input is reduced to a keyed 16-byte digest; a per-document table keyed by digest
 * merges repeats (OR of flags, occurrence count) so each distinct value is evaluated once per
 * document; a run-wide bounded cache (storage/hashcache.h) skips values already evaluated for an
 * earlier document; the rest go in batches to the OPRF worker pool (storage/evaluator.h) while the
 * caller keeps parsing. At commit the document row is inserted (ON CONFLICT on the content hash:
 * a duplicate inserts nothing and is reported as such) and its hits are written with COPY, in one
 * transaction. A document with more distinct values than the table holds spills: its rows stream
 * into a temporary table through a COPY that stays open for the rest of the document, and the
 * commit merges them into hits with one INSERT … SELECT … GROUP BY. Either way a document is all
 * there or not there at all: a crash or kill -9 at any point leaves nothing of it.
 *
 * Plaintext: inputs are kept only in the pending batch, which is wiped once evaluated; the table
 * and the cache hold digests and hashes. Nothing is logged but counts.
 */
#ifndef LW_STORAGE_DOCSTORE_H
#define LW_STORAGE_DOCSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"
#include "storage/keyfile.h"

#define DOCSTORE_KINDS 16                 /* kind codes 0..15 */
#define DOCSTORE_CACHE_DEFAULT ((size_t)64 << 20)
#define DOCSTORE_TABLE_DEFAULT ((size_t)64 << 20)

struct docstore;

struct docstore_opts {
    unsigned threads;   /* OPRF workers; 0: one per online CPU */
    size_t cache_bytes; /* run-wide cache of evaluated values; 0 disables it */
    size_t table_bytes; /* per-document table before spilling (0: the default; at least 4096
                         * slots, 224 KiB, are used) */
};

/* What the caller knows about the document, stored with it. Strings may be NULL. */
struct docstore_meta {
    const char *label;        /* --label, or a file's base name */
    const char *url;          /* a crawled document's URL */
    const char *source;       /* a sources.name; created as kind 'file' when missing; NULL: none */
    const char *format;       /* the parser's name (required) */
    const char *region;       /* two letters, or NULL */
    uint64_t bytes, records, records_with_hits, identifiers;
    const char *summary_json; /* a JSON object of counts (required) */
    const int64_t *mentions;  /* watch_keywords ids the document mentioned (parsers/mentions.h) */
    size_t n_mentions;
};

struct docstore_result {
    bool duplicate;           /* the same content was stored before: nothing was written */
    int64_t document_id;      /* the stored (or earlier) document's id; -1 if unknown */
    uint64_t distinct;        /* hits rows written */
    uint64_t distinct_by_kind[DOCSTORE_KINDS];
    uint64_t evaluated;       /* OPRF evaluations done for this document */
    uint64_t cached;          /* distinct values whose hash came from the run-wide cache */
    bool spilled;             /* the document outgrew the in-memory table */
    uint64_t alerts;          /* alerts created for it (storage/alerts.h), in its transaction */
};

/* Prepare: derive the content-hash key from kf, start the worker pool, allocate the cache. The db
 * must be migrated (migrate_require). kf must outlive the docstore. */
enum lw_rc docstore_open(struct db *db, const struct keyfile *kf, const struct docstore_opts *opts,
                         struct docstore **out, struct lw_error *err);

/* Abort any open document, stop the workers, wipe, free. NULL-safe. */
void docstore_free(struct docstore *ds);

/* Workers in the OPRF pool. */
unsigned docstore_threads(const struct docstore *ds);

/*
 * Hash the whole file behind fd (from offset 0, with pread: fd's offset is left alone) and tell
 * whether a document with that content is stored already — lets a re-ingested file be skipped
 * before it is parsed. LW_ERR_IO if it cannot be read, LW_ERR_DB if the query fails.
 */
enum lw_rc docstore_known_fd(struct docstore *ds, int fd, bool *known, int64_t *document_id,
                             struct lw_error *err);

/* Start a document (a previous one must have been committed or aborted). */
void docstore_begin(struct docstore *ds);

/* Feed the document's bytes, in order, to its content hash. */
void docstore_content(struct docstore *ds, const void *bytes, size_t n);

/*
 * One identifier occurrence: input (at most OPRF_INPUT_MAX bytes), its kind code (< DOCSTORE_KINDS),
 * record flags (low 15 bits kept) and the country the value belongs to (parsers'
 * identifiers_country: two upper-case letters; "" or NULL when unknown), stored in hits.country for
 * `stats --by country`. The country is a function of the value, so every occurrence of one value
 * passes the same. LW_ERR_DB when a spill to the database fails (the document is then aborted:
 * commit returns the error again), LW_ERR_INVALID for a bad kind, length or country.
 */
enum lw_rc docstore_add(struct docstore *ds, unsigned kind, const uint8_t *input, size_t len,
                        unsigned flags, const char country[3], struct lw_error *err);

/*
 * Finish the document: evaluate what is pending, insert the document and its hits in one
 * transaction. LW_OK with res->duplicate set when the content was stored before (nothing written).
 * LW_ERR_DB on a database failure (nothing of the document stays).
 */
enum lw_rc docstore_commit(struct docstore *ds, const struct docstore_meta *meta,
                           struct docstore_result *res, struct lw_error *err);

/* Drop the document: roll back whatever reached the database, wipe what is pending. */
void docstore_abort(struct docstore *ds);

/* Run-wide counters. */
struct docstore_totals {
    uint64_t documents, duplicates, distinct, evaluated, cached;
};
void docstore_get_totals(const struct docstore *ds, struct docstore_totals *out);

#endif
