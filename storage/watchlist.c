/*
 * storage/watchlist.c — a clinic's watchlist rows, and matching new rows against stored documents
 * (see watchlist.h).
 *
 * A put is one transaction:
 *   1. every row is checked first (kind known to id_kinds, ref by watchlist_ref_valid), so a bad
 *      row stores nothing and the message names its index;
 *   2. SELECT pg_advisory_xact_lock(ALERTS_MATCH_LOCK) — exclusive against documents being matched
 *      (they take it shared), so every later statement here sees each document that was matched
 *      before us, and each document matched after us sees our rows;
 *   3. the rows go into a temporary table (ON COMMIT DROP) with COPY in text format: hashes as
 *      bytea hex ("\\x…" once COPY has undone its own escaping), refs with COPY's escapes for
 *      backslash, tab, newline and carriage return — binary-safe whatever a ref holds;
 *   4. replace: the clinic's rows not in the new set are deleted;
 *   5. one statement: the distinct new rows are inserted ON CONFLICT DO NOTHING RETURNING what was
 *      really added; those rows are joined with hits (h.hash = w.hash AND h.kind = w.kind), less
 *      the (clinic, document, ref, kind) matches an earlier alert carried; one 'enrollment' alert
 *      per document, its matches, and one outbox row per channel the clinic has. It returns the
 *      distinct, added and alert counts.
 * Rejected: a multi-row INSERT … VALUES per batch (a 2-million-row replace would be hundreds of
 * statements and parameters; COPY streams) and binary COPY (the text format is simple to get
 * right and the server's parse cost is small next to the index work).
 */
#include "storage/watchlist.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/escape.h"
#include "storage/alerts.h"

#define COPY_CHUNK (64 * 1024)

static const char temp_sql[] =
    "CREATE TEMP TABLE lw_watch_in (hash bytea NOT NULL, kind smallint NOT NULL,"
    " ref text NOT NULL) ON COMMIT DROP";

/* $1 clinic. Returns distinct rows, rows added, alerts created. */
static const char put_sql[] =
    "WITH n AS (SELECT DISTINCT ON (hash, ref) hash, kind, ref FROM lw_watch_in"
    "  ORDER BY hash, ref, kind),"
    " ins AS (INSERT INTO watchlist (clinic_id, hash, kind, ref)"
    "  SELECT $1::bigint, hash, kind, ref FROM n ON CONFLICT DO NOTHING"
    "  RETURNING hash, kind, ref),"
    " m AS (SELECT h.document_id, i.ref, i.kind, bit_or(h.flags)::smallint AS flags"
    "  FROM ins i JOIN hits h ON h.hash = i.hash AND h.kind = i.kind"
    "  JOIN documents d ON d.id = h.document_id"
    "  WHERE NOT EXISTS (SELECT 1 FROM alert_matches x WHERE x.clinic_id = $1::bigint"
    "   AND x.document_id = h.document_id AND x.ref = i.ref AND x.kind = i.kind)"
    "  GROUP BY h.document_id, i.ref, i.kind),"
    " a AS (INSERT INTO alerts (clinic_id, document_id, reason)"
    "  SELECT DISTINCT $1::bigint, document_id, 'enrollment' FROM m RETURNING id, document_id),"
    " am AS (INSERT INTO alert_matches (alert_id, clinic_id, document_id, ref, kind, flags)"
    "  SELECT a.id, $1::bigint, m.document_id, m.ref, m.kind, m.flags FROM a JOIN m"
    "  USING (document_id) ON CONFLICT DO NOTHING RETURNING 1),"
    " d AS (INSERT INTO alert_deliveries (alert_id, channel, target)"
    "  SELECT a.id, ch.channel, ch.target FROM a CROSS JOIN clinics cl"
    "  CROSS JOIN LATERAL (VALUES ('webhook', cl.webhook_url), ('email', cl.email))"
    "   AS ch (channel, target)"
    "  WHERE cl.id = $1::bigint AND ch.target IS NOT NULL RETURNING 1)"
    " SELECT (SELECT count(*) FROM n), (SELECT count(*) FROM ins), (SELECT count(*) FROM a)";

bool
watchlist_ref_valid(struct lw_slice ref)
{
    if (ref.p == NULL || ref.len == 0 || ref.len > WATCH_REF_MAX) {
        return false;
    }
    while (ref.len > 0) {
        unsigned cp = 0;
        size_t n = lw_utf8_decode(ref, &cp);

        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            return false;
        }
        ref.p += n;
        ref.len -= n;
    }
    return true;
}

static bool
row_ref_valid(const struct watch_row *r)
{
    size_t len = strnlen(r->ref, WATCH_REF_MAX + 1);

    return len <= WATCH_REF_MAX && watchlist_ref_valid(lw_slice_make(r->ref, len));
}

/* ---- helpers ---- */

static enum lw_rc
exec_count(struct db *db, const char *what, const char *sql, const char *id, uint64_t *rows,
           struct lw_error *err)
{
    const char *v[1] = {id};
    struct pg_result *res = NULL;
    enum lw_rc rc = db_query(db, what, sql, id != NULL ? 1 : 0, v, NULL, NULL, &res, NULL, err);

    if (rc == LW_OK && rows != NULL) {
        *rows = db_rows(res);
    }
    db_result_free(res);
    return rc;
}

/* The first column of the first row as a number in [min, max]; *found false when no row/NULL. */
static enum lw_rc
query_i64(struct db *db, const char *what, const char *sql, const char *id, int64_t min,
          int64_t max, int64_t *out, bool *found, struct lw_error *err)
{
    const char *v[1] = {id};
    struct pg_result *res = NULL;
    enum lw_rc rc = db_query(db, what, sql, id != NULL ? 1 : 0, v, NULL, NULL, &res, NULL, err);

    *found = rc == LW_OK && PQntuples(res) > 0 && db_i64(res, 0, 0, min, max, out);
    db_result_free(res);
    return rc;
}

/* Lock the clinic's row against removal for the transaction; LW_ERR_NOT_FOUND if it is gone. */
static enum lw_rc
clinic_lock(struct db *db, const char *id, struct lw_error *err)
{
    int64_t got = 0;
    bool found = false;
    enum lw_rc rc = query_i64(db, "reading the clinic", "SELECT id FROM clinics WHERE id = $1 "
                              "FOR SHARE", id, 1, INT64_MAX, &got, &found, err);

    if (rc == LW_OK && !found) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic with id %s", id);
    }
    return rc;
}

/* Append one COPY text row: \\x<hex>, kind, escaped ref. */
static enum lw_rc
copy_row(struct lw_buf *b, const struct watch_row *r)
{
    static const char hex[] = "0123456789abcdef";
    char line[2 * WATCH_HASH_BYTES + 8];
    size_t k = 0;

    line[k++] = '\\';
    line[k++] = '\\';
    line[k++] = 'x';
    for (size_t i = 0; i < WATCH_HASH_BYTES; i++) {
        line[k++] = hex[r->hash[i] >> 4];
        line[k++] = hex[r->hash[i] & 15];
    }
    line[k++] = '\t';
    lw_buf_append(b, line, k);
    lw_buf_printf(b, "%u\t", (unsigned)r->kind);
    for (const char *p = r->ref; *p != '\0'; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n"
                          : *p == '\r' ? "\\r" : NULL;

        if (esc != NULL) {
            lw_buf_append_str(b, esc);
        } else {
            lw_buf_append_byte(b, *p);
        }
    }
    return lw_buf_append_byte(b, '\n');
}

static enum lw_rc
copy_send(struct db *db, struct lw_buf *b, struct lw_error *err)
{
    if (b->len > 0 && PQputCopyData(db_conn(db), b->data, (int)b->len) != 1) {
        return db_error(db, "sending watchlist rows", err);
    }
    lw_buf_reset(b);
    return LW_OK;
}

/* Create lw_watch_in and COPY the rows into it (inside the caller's transaction). */
static enum lw_rc
load_rows(struct db *db, const struct watch_row *rows, size_t n, struct lw_error *err)
{
    PGconn *c = db_conn(db);
    struct lw_buf b;
    PGresult *r;
    enum lw_rc rc = db_exec(db, "preparing the watchlist rows", temp_sql, err);

    if (rc != LW_OK) {
        return rc;
    }
    r = PQexec(c, "COPY lw_watch_in (hash, kind, ref) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        PQclear(r);
        return db_error(db, "sending watchlist rows", err);
    }
    PQclear(r);
    lw_buf_init(&b, COPY_CHUNK * 2);
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        rc = copy_row(&b, &rows[i]);
        if (rc == LW_OK && b.len >= COPY_CHUNK) {
            rc = copy_send(db, &b, err);
        }
    }
    if (rc == LW_OK) {
        rc = copy_send(db, &b, err);
    }
    lw_buf_free(&b);
    if (PQputCopyEnd(c, rc == LW_OK ? NULL : "watchlist put failed") != 1 && rc == LW_OK) {
        rc = db_error(db, "sending watchlist rows", err);
    }
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == LW_OK) {
            rc = db_error(db, "storing watchlist rows", err);
        }
        PQclear(r);
    }
    return rc == LW_OK ? db_exec(db, "preparing the watchlist rows", "ANALYZE lw_watch_in", err)
                       : rc;
}

/* Every row's kind is an id_kinds id and its ref valid; LW_ERR_INVALID naming the first bad one. */
static enum lw_rc
check_rows(struct db *db, const struct watch_row *rows, size_t n, bool kinds,
           struct lw_error *err)
{
    int64_t max_kind = -1;
    bool found = false;
    enum lw_rc rc = LW_OK;

    if (n > WATCH_ROWS_MAX) {
        return lw_error_set(err, LW_ERR_TOO_LARGE, "at most %u watchlist rows at once (%zu sent)",
                            WATCH_ROWS_MAX, n);
    }
    if (kinds) {
        rc = query_i64(db, "reading the identifier kinds",
                       "SELECT max(id) FROM id_kinds", NULL, 0, 15,
                       &max_kind, &found, err);
    }
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        if (kinds && (!found || rows[i].kind > max_kind)) {
            rc = lw_error_set(err, LW_ERR_INVALID, "row %zu: unknown identifier kind %u", i,
                              (unsigned)rows[i].kind);
        } else if (!row_ref_valid(&rows[i])) {
            rc = lw_error_set(err, LW_ERR_INVALID, "row %zu: ref must be 1 to %d bytes of UTF-8 "
                              "without control characters", i, WATCH_REF_MAX);
        }
    }
    return rc;
}

/* ---- put ---- */

static enum lw_rc
put_locked(struct db *db, const char *id, enum watch_mode mode, const struct watch_row *rows,
           size_t n, struct watch_result *res, struct lw_error *err)
{
    const char *v[1] = {id};
    struct pg_result *r = NULL;
    int64_t c[3] = {0};
    char lock[24];
    enum lw_rc rc;

    /* a parameter: hexadecimal literals need PostgreSQL 16 */
    snprintf(lock, sizeof(lock), "%ld", (long)ALERTS_MATCH_LOCK);
    rc = exec_count(db, "locking against matching", "SELECT pg_advisory_xact_lock($1::bigint)",
                    lock, NULL, err);

    if (rc == LW_OK) {
        rc = clinic_lock(db, id, err);
    }
    if (rc == LW_OK) {
        rc = load_rows(db, rows, n, err);
    }
    if (rc == LW_OK && mode == WATCH_REPLACE) {
        rc = exec_count(db, "replacing the watchlist",
                        "DELETE FROM watchlist w WHERE w.clinic_id = $1::bigint AND NOT EXISTS"
                        " (SELECT 1 FROM lw_watch_in n WHERE n.hash = w.hash AND n.ref = w.ref)",
                        id, &res->removed, err);
    }
    if (rc == LW_OK) {
        rc = db_query(db, "adding watchlist rows", put_sql, 1, v, NULL, NULL, &r, NULL, err);
    }
    if (rc == LW_OK &&
        (PQntuples(r) != 1 || !db_i64(r, 0, 0, 0, INT64_MAX, &c[0]) ||
         !db_i64(r, 0, 1, 0, c[0], &c[1]) || !db_i64(r, 0, 2, 0, INT64_MAX, &c[2]))) {
        rc = lw_error_set(err, LW_ERR_DB, "adding watchlist rows: counts leakwatch cannot read");
    }
    db_result_free(r);
    res->rows = (uint64_t)c[0];
    res->added = (uint64_t)c[1];
    res->kept = (uint64_t)(c[0] - c[1]);
    res->alerts = (uint64_t)c[2];
    return rc;
}

enum lw_rc
watchlist_put(struct db *db, int64_t clinic_id, enum watch_mode mode,
              const struct watch_row *rows, size_t n, struct watch_result *res,
              struct lw_error *err)
{
    char id[24];
    enum lw_rc rc;

    memset(res, 0, sizeof(*res));
    if (mode != WATCH_REPLACE && mode != WATCH_ADD) {
        return lw_error_set(err, LW_ERR_INVALID, "watchlist: mode must be replace or add");
    }
    rc = check_rows(db, rows, n, true, err);
    if (rc != LW_OK) {
        return rc;
    }
    snprintf(id, sizeof(id), "%lld", (long long)clinic_id);
    rc = db_begin(db, err);
    if (rc != LW_OK) {
        return rc;
    }
    rc = put_locked(db, id, mode, rows, n, res, err);
    if (rc == LW_OK) {
        rc = db_commit(db, err);
    } else {
        db_rollback(db);
    }
    if (rc != LW_OK) {
        memset(res, 0, sizeof(*res));
    }
    return rc;
}

/* ---- delete, counts ---- */

static enum lw_rc
delete_rows(struct db *db, const char *id, const struct watch_row *rows, size_t n,
            uint64_t *removed, struct lw_error *err)
{
    enum lw_rc rc = db_begin(db, err);

    if (rc == LW_OK) {
        rc = load_rows(db, rows, n, err);
    }
    if (rc == LW_OK) {
        rc = exec_count(db, "removing watchlist rows",
                        "DELETE FROM watchlist w USING (SELECT DISTINCT hash, ref FROM lw_watch_in)"
                        " n WHERE w.clinic_id = $1::bigint AND w.hash = n.hash AND w.ref = n.ref",
                        id, removed, err);
    }
    if (rc == LW_OK) {
        rc = db_commit(db, err);
    } else {
        db_rollback(db);
    }
    return rc;
}

enum lw_rc
watchlist_delete(struct db *db, int64_t clinic_id, const struct watch_row *rows, size_t n,
                 bool all, uint64_t *removed, struct lw_error *err)
{
    char id[24];
    enum lw_rc rc;

    *removed = 0;
    snprintf(id, sizeof(id), "%lld", (long long)clinic_id);
    if (all) {
        return exec_count(db, "removing the watchlist",
                          "DELETE FROM watchlist WHERE clinic_id = $1::bigint", id, removed, err);
    }
    if (n == 0) {
        return LW_OK;
    }
    rc = check_rows(db, rows, n, false, err);
    if (rc == LW_OK) {
        rc = delete_rows(db, id, rows, n, removed, err);
    }
    if (rc != LW_OK) {
        *removed = 0;
    }
    return rc;
}

enum lw_rc
watchlist_counts(struct db *db, int64_t clinic_id, uint64_t by_kind[16], uint64_t *total,
                 struct lw_error *err)
{
    char id[24];
    const char *v[1] = {id};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    memset(by_kind, 0, 16 * sizeof(by_kind[0]));
    *total = 0;
    snprintf(id, sizeof(id), "%lld", (long long)clinic_id);
    rc = db_query(db, "counting the watchlist",
                  "SELECT kind, count(*) FROM watchlist WHERE clinic_id = $1::bigint GROUP BY kind",
                  1, v, NULL, NULL, &res, NULL, err);
    for (int i = 0; rc == LW_OK && i < PQntuples(res); i++) {
        int64_t k = 0, c = 0;

        if (!db_i64(res, i, 0, 0, 15, &k) || !db_i64(res, i, 1, 0, INT64_MAX, &c)) {
            rc = lw_error_set(err, LW_ERR_DB, "counting the watchlist: a number leakwatch cannot "
                              "read");
            break;
        }
        by_kind[k] = (uint64_t)c;
        *total += (uint64_t)c;
    }
    db_result_free(res);
    return rc;
}
