/*
 * storage/crawlq.h — the crawl work queue in PostgreSQL, shared by any number of `leakwatch crawl`
 * processes on any hosts.
 *
 * One row per URL ever seen (unique): a source's own URL (kind index or page, fetched again every
 * source interval), and paste links found on index pages (kind paste, fetched once). A row is due
 * when next_fetch_at <= now(). crawlq_claim() takes due rows that nobody holds with
 * SELECT … FOR UPDATE SKIP LOCKED and stamps them with the claimer and a lease (claimed_until), in
 * one short transaction: concurrent crawlers never get the same row, and a crashed crawler's rows
 * become claimable again when its lease ends. crawlq_finish() records the outcome, moves
 * next_fetch_at (the next interval; NULL for a paste fetched successfully; a backoff after a
 * failure) and the source's health, and releases the claim.
 */
#ifndef LW_STORAGE_CRAWLQ_H
#define LW_STORAGE_CRAWLQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"
#include "storage/sources.h"

enum crawl_kind { CRAWL_INDEX = 0, CRAWL_PAGE, CRAWL_PASTE };

struct crawl_item {
    int64_t id;                     /* queue row */
    int64_t source_id;
    char source_name[SOURCE_NAME_MAX + 1];
    enum crawl_kind kind;
    char url[SOURCE_URL_MAX + 1];
    char via[256];                  /* the source's */
    char region[3];
    char link_pattern[512], raw_template[SOURCE_URL_MAX + 1]; /* the source's, "" when none */
    char etag[256], last_modified[64]; /* from the last successful fetch, "" none */
    int attempts;                   /* failed attempts so far */
};

struct crawl_outcome {
    bool ok;                  /* fetched (2xx or 304) */
    bool not_modified;        /* 304 */
    long http_status;
    const char *error_class;  /* fetch_error_name(); NULL when ok */
    const char *etag, *last_modified; /* to send next time; NULL: keep none */
    bool new_document;        /* the body was stored as a new document */
    bool retry;               /* failed but worth another try later (backoff by attempts) */
};

/*
 * Claim up to max due rows for worker (a name like "host:pid"), held for lease_seconds; only rows of
 * source `only` when not NULL. *items is allocated (free with free()), *n set; 0 rows is LW_OK.
 */
enum lw_rc crawlq_claim(struct db *db, const char *worker, const char *only, size_t max,
                        double lease_seconds, struct crawl_item **items, size_t *n,
                        struct lw_error *err);

/* Record the outcome of a claimed row (see above) and the source's health. */
enum lw_rc crawlq_finish(struct db *db, const struct crawl_item *item,
                         const struct crawl_outcome *o, struct lw_error *err);

/* Give claimed rows back unfetched (the deadline passed): claim released, next_fetch_at unchanged. */
enum lw_rc crawlq_release(struct db *db, const struct crawl_item *items, size_t n,
                          struct lw_error *err);

/* Queue paste URLs found on source's index page; ones seen before (any source) are skipped.
 * *added gets how many were new. */
enum lw_rc crawlq_add_links(struct db *db, int64_t source_id, const char *const *urls, size_t n,
                            size_t *added, struct lw_error *err);

/* Rows due now (for `source list` and tests), for one source or all (only NULL). */
enum lw_rc crawlq_due_count(struct db *db, const char *only, int64_t *n, struct lw_error *err);

#endif
