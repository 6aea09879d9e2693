/*
 * storage/watchlist.h — a clinic's watchlist: rows of (hash, kind, ref) it enrolled, and matching
 * new rows against documents stored before (migration 0003_clinics.sql).
 *
 * hash is the first 32 bytes of the RFC 9497 OPRF output over kind ‖ 0x00 ‖ normalised value —
 * the same value hits.hash holds for that identifier — computed by the clinic through blind
 * evaluation (or by `leakwatch enroll` on the operator's host with the key). ref is the clinic's
 * own record reference, which alerts name.
 *
 * Matching and concurrency: a put takes the transaction-level advisory lock ALERTS_MATCH_LOCK
 * exclusively, inserts, then (in a later statement, so its snapshot includes every document
 * committed before the lock was granted) matches the rows it really added against stored hits:
 * one 'enrollment' alert per (clinic, document) holding the matches no earlier alert of that
 * clinic and document carried. Storing a document takes the same lock shared before it matches
 * (storage/alerts.h), so a document and a watchlist upload that race are matched exactly once,
 * whichever commits first.
 */
#ifndef LW_STORAGE_WATCHLIST_H
#define LW_STORAGE_WATCHLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/slice.h"
#include "storage/db.h"

#define WATCH_REF_MAX 200         /* bytes */
#define WATCH_ROWS_MAX 2000000u   /* rows in one put */
#define WATCH_HASH_BYTES 32

struct watch_row {
    uint8_t hash[WATCH_HASH_BYTES];
    uint8_t kind;                  /* enum id_kind */
    char ref[WATCH_REF_MAX + 1];   /* NUL-terminated */
};

/* Is ref acceptable: 1..WATCH_REF_MAX bytes of valid UTF-8 without control characters? */
bool watchlist_ref_valid(struct lw_slice ref);

enum watch_mode {
    WATCH_REPLACE, /* the clinic's watchlist becomes exactly these rows (atomically) */
    WATCH_ADD,     /* these rows are added to it */
};

struct watch_result {
    uint64_t rows;    /* distinct rows received */
    uint64_t added;   /* rows that were not there before */
    uint64_t removed; /* rows taken away (replace) */
    uint64_t kept;    /* rows that were there already */
    uint64_t alerts;  /* enrollment alerts created by matching the added rows */
};

/*
 * Put rows into a clinic's watchlist in one transaction (rows are streamed with COPY). Duplicate
 * rows in the input (same hash and ref) count once. LW_ERR_INVALID for a row with a bad kind or
 * ref (the message gives its index, "row N: …", from 0; nothing is stored), LW_ERR_TOO_LARGE past
 * WATCH_ROWS_MAX, LW_ERR_NOT_FOUND for an unknown clinic, LW_ERR_DB (nothing is changed).
 */
enum lw_rc watchlist_put(struct db *db, int64_t clinic_id, enum watch_mode mode,
                         const struct watch_row *rows, size_t n, struct watch_result *res,
                         struct lw_error *err);

/* Remove rows (matched by hash and ref; kind is ignored), or every row when all is true (rows
 * and n unused). *removed gets the count. Alerts already created stay. */
enum lw_rc watchlist_delete(struct db *db, int64_t clinic_id, const struct watch_row *rows,
                            size_t n, bool all, uint64_t *removed, struct lw_error *err);

/* A clinic's watchlist rows per kind code (by_kind[16], zeroed first) and in total. */
enum lw_rc watchlist_counts(struct db *db, int64_t clinic_id, uint64_t by_kind[16],
                            uint64_t *total, struct lw_error *err);

#endif
