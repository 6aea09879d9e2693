/*
 * storage/crawlq.c — the crawl work queue in PostgreSQL (see crawlq.h and 0002_crawl.sql).
 *
 * Claim is one statement: UPDATE … SET claimed_by, claimed_until = now() + lease WHERE id IN
 * (SELECT id … due and not held … ORDER BY next_fetch_at, id LIMIT n FOR UPDATE SKIP LOCKED)
 * RETURNING the row joined with its source. The row locks make concurrent claimers skip each
 * other's rows; after the commit a row is excluded by its lease, which a claimer whose snapshot is
 * older still sees (READ COMMITTED re-checks a locked row's newest version). A lease rather than a
 * session lock: a crawler that dies (kill -9, a lost host) needs nobody to clean up after it, its
 * rows come back when the lease ends, and claims need no open transaction while fetching.
 *
 * Finish is one statement too — a data-modifying CTE that moves the row and updates its source's
 * health — so the outcome, the schedule and the health are recorded together or not at all:
 *   ok                 page/index: now() + every; paste: NULL (never again); attempts 0
 *   failed, retry      now() + least(2^attempts minutes, 6 h, and for page/index the interval —
 *                      a retry never comes later than the schedule); attempts + 1. A paste gives
 *                      up (NULL) at PASTE_ATTEMPTS_MAX failed attempts (1, 2, 4 … 256 minutes,
 *                      then 6 hours: about 20 hours in all), so dead links do not stay in the
 *                      claim index for ever
 *   failed, no retry   paste: NULL; page/index: now() + every; attempts + 1
 *   the source         ok: last_success_at, consecutive_failures 0, documents_found + 1 for a new
 *                      document; failed: last_error_class/at, consecutive_failures + 1
 * A 304 keeps the stored validators when the response carries none. The row's claim is released.
 * A row that is gone (its source was removed meanwhile) is no error: there is nothing to record.
 *
 * Finish does not check who holds the row (struct crawl_item does not carry the claimer): a lease
 * must outlast its holder's deadline, which `crawl` ensures (deadline + 2 minutes).
 *
 * Strings from the network (ETag, Last-Modified, links) reach text columns only when they are
 * printable ASCII: anything else could be invalid UTF-8, which PostgreSQL refuses — a hostile
 * server must not be able to make a statement fail. Such validators are dropped; such links are
 * skipped.
 *
 * Rejected: advisory locks per row (pg_try_advisory_lock) — held by a session, so a crawler must
 * stay connected and in the same session for the whole fetch, and a pooled connection breaks them;
 * and a separate claims table — two writes per claim for nothing the lease columns cannot say.
 */
#include "storage/crawlq.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/slice.h"

#define CLAIM_MAX 10000              /* rows per claim */
#define LEASE_MAX (7.0 * 86400)      /* seconds */
#define WORKER_MAX 200
#define PASTE_ATTEMPTS_MAX 12
#define LINKS_PER_STATEMENT 1000
#define ERROR_CLASS_MAX 39           /* source_info.last_error_class */
#define ETAG_MAX 255                 /* crawl_item.etag */
#define LAST_MODIFIED_MAX 63         /* crawl_item.last_modified */

#define STR2(x) #x
#define STR(x) STR2(x)

/* Due and not held; $only (text, NULL: all) limits it to one source. */
#define DUE(only)                                                                                 \
    "next_fetch_at <= now() AND (claimed_until IS NULL OR claimed_until < now())"                 \
    " AND (" only "::text IS NULL OR source_id = (SELECT id FROM sources WHERE name = " only "))"

static const char claim_sql[] =
    "UPDATE crawl_urls c SET claimed_by = $1,"
    " claimed_until = now() + make_interval(secs => $2::double precision)"
    " FROM sources s"
    " WHERE s.id = c.source_id AND c.id IN ("
    "  SELECT id FROM crawl_urls WHERE " DUE("$4")
    "  ORDER BY next_fetch_at, id LIMIT $3::integer FOR UPDATE SKIP LOCKED)"
    " RETURNING c.id, c.source_id, s.name, c.kind, c.url, s.via, coalesce(s.region, ''),"
    " coalesce(s.link_pattern, ''), coalesce(s.raw_template, ''), coalesce(c.etag, ''),"
    " coalesce(c.last_modified, ''), c.attempts";

/* $1 id, $2 ok, $3 retry, $4 HTTP status (NULL: none), $5 error class, $6 not modified,
 * $7 etag, $8 last modified, $9 new document. */
static const char finish_sql[] =
    "WITH f AS ("
    " UPDATE crawl_urls c SET"
    "  next_fetch_at = CASE"
    "   WHEN $2::boolean THEN CASE WHEN c.kind = 'paste' THEN NULL ELSE now() + s.every END"
    "   WHEN $3::boolean AND (c.kind <> 'paste' OR c.attempts + 1 < " STR(PASTE_ATTEMPTS_MAX) ")"
    "    THEN now() + least(interval '1 minute' * power(2, least(c.attempts, 16)),"
    "     interval '6 hours', CASE WHEN c.kind = 'paste' THEN interval '6 hours' ELSE s.every END)"
    "   WHEN c.kind = 'paste' THEN NULL"
    "   ELSE now() + s.every END,"
    "  attempts = CASE WHEN $2::boolean THEN 0 ELSE least(c.attempts + 1, 1000000) END,"
    "  last_fetched_at = now(),"
    "  last_status = $4::integer,"
    "  last_error_class = CASE WHEN $2::boolean THEN NULL ELSE $5::text END,"
    "  etag = CASE WHEN NOT $2::boolean THEN c.etag"
    "   WHEN $6::boolean THEN coalesce($7::text, c.etag) ELSE $7::text END,"
    "  last_modified = CASE WHEN NOT $2::boolean THEN c.last_modified"
    "   WHEN $6::boolean THEN coalesce($8::text, c.last_modified) ELSE $8::text END,"
    "  claimed_by = NULL, claimed_until = NULL"
    " FROM sources s WHERE s.id = c.source_id AND c.id = $1::bigint"
    " RETURNING c.source_id)"
    " UPDATE sources SET"
    "  last_success_at = CASE WHEN $2::boolean THEN now() ELSE last_success_at END,"
    "  consecutive_failures = CASE WHEN $2::boolean THEN 0 ELSE consecutive_failures + 1 END,"
    "  last_error_class = CASE WHEN $2::boolean THEN last_error_class ELSE $5::text END,"
    "  last_error_at = CASE WHEN $2::boolean THEN last_error_at ELSE now() END,"
    "  documents_found = documents_found + CASE WHEN $9::boolean THEN 1 ELSE 0 END"
    " WHERE id IN (SELECT source_id FROM f)";

/* ---- helpers ---- */

/* Printable ASCII (0x20-0x7e, space allowed when spaces) of at most max bytes. */
static bool
ascii_ok(const char *s, size_t max, bool spaces)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        if (n >= max || s[n] < (spaces ? ' ' : '!') || s[n] > '~') {
            return false;
        }
    }
    return true;
}

/* A link fit for the queue: printable ASCII without spaces, http(s), at most SOURCE_URL_MAX. */
static bool
link_ok(const char *url)
{
    size_t n = strnlen(url, 8);

    if (!ascii_ok(url, SOURCE_URL_MAX, false)) {
        return false;
    }
    return (n >= 7 && lw_slice_eq_ci(lw_slice_make(url, 7), LW_SLICE_LIT("http://")) &&
            url[7] != '\0') ||
           (n >= 8 && lw_slice_eq_ci(lw_slice_make(url, 8), LW_SLICE_LIT("https://")) &&
            url[8] != '\0');
}

/* ---- claim ---- */

static enum lw_rc
fill_item(const struct pg_result *res, int row, struct crawl_item *it, struct lw_error *err)
{
    const char *kind = PQgetvalue(res, row, 3);
    int64_t attempts = 0;

    memset(it, 0, sizeof(*it));
    if (!db_i64(res, row, 0, 1, INT64_MAX, &it->id) ||
        !db_i64(res, row, 1, 1, INT64_MAX, &it->source_id) ||
        !db_i64(res, row, 11, 0, 1000000, &attempts)) {
        return lw_error_set(err, LW_ERR_DB, "claiming: a number leakwatch cannot read");
    }
    it->attempts = (int)attempts;
    it->kind = strcmp(kind, "index") == 0 ? CRAWL_INDEX
               : strcmp(kind, "page") == 0 ? CRAWL_PAGE
                                           : CRAWL_PASTE;
    db_text(res, row, 2, it->source_name, sizeof(it->source_name));
    db_text(res, row, 4, it->url, sizeof(it->url));
    db_text(res, row, 5, it->via, sizeof(it->via));
    db_text(res, row, 6, it->region, sizeof(it->region));
    db_text(res, row, 7, it->link_pattern, sizeof(it->link_pattern));
    db_text(res, row, 8, it->raw_template, sizeof(it->raw_template));
    db_text(res, row, 9, it->etag, sizeof(it->etag));
    db_text(res, row, 10, it->last_modified, sizeof(it->last_modified));
    return LW_OK;
}

enum lw_rc
crawlq_claim(struct db *db, const char *worker, const char *only, size_t max,
             double lease_seconds, struct crawl_item **items, size_t *n, struct lw_error *err)
{
    char lease[32], limit[24];
    const char *v[4] = {worker, lease, limit, only};
    struct pg_result *res = NULL;
    enum lw_rc rc;
    int rows;

    *items = NULL;
    *n = 0;
    if (worker == NULL || worker[0] == '\0' || !ascii_ok(worker, WORKER_MAX, true)) {
        return lw_error_set(err, LW_ERR_INVALID, "claiming: the worker name must be 1 to %d "
                            "printable ASCII characters", WORKER_MAX);
    }
    if (!(lease_seconds >= 1.0 && lease_seconds <= LEASE_MAX)) {
        return lw_error_set(err, LW_ERR_INVALID, "claiming: a lease of 1 s to 7 days");
    }
    if (max == 0) {
        *items = lw_xcalloc(1, sizeof(**items));
        return LW_OK;
    }
    snprintf(lease, sizeof(lease), "%.3f", lease_seconds);
    snprintf(limit, sizeof(limit), "%zu", max < CLAIM_MAX ? max : (size_t)CLAIM_MAX);
    rc = db_query(db, "claiming crawl work", claim_sql, 4, v, NULL, NULL, &res, NULL, err);
    if (rc != LW_OK) {
        return rc;
    }
    rows = PQntuples(res);
    *items = lw_xcalloc(rows > 0 ? (size_t)rows : 1, sizeof(**items));
    for (int i = 0; rc == LW_OK && i < rows; i++) {
        rc = fill_item(res, i, &(*items)[i], err);
    }
    db_result_free(res);
    if (rc != LW_OK) {
        /* the rows stay claimed until their lease ends: the statement committed */
        free(*items);
        *items = NULL;
        return rc;
    }
    *n = (size_t)rows;
    return LW_OK;
}

/* ---- finish, release ---- */

/* An error class as fetch_error_name() spells them: 1..ERROR_CLASS_MAX of [a-z0-9_]. */
static bool
class_ok(const char *cls)
{
    size_t n = strnlen(cls, ERROR_CLASS_MAX + 1);

    if (n == 0 || n > ERROR_CLASS_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!lw_ascii_is_lower(cls[i]) && !lw_ascii_is_digit(cls[i]) && cls[i] != '_') {
            return false;
        }
    }
    return true;
}

enum lw_rc
crawlq_finish(struct db *db, const struct crawl_item *item, const struct crawl_outcome *o,
              struct lw_error *err)
{
    char id[24], status[24];
    const char *cls = o->ok ? NULL : o->error_class != NULL ? o->error_class : "other";
    bool not_modified = o->ok && o->not_modified;
    const char *v[9] = {id, o->ok ? "t" : "f", o->retry ? "t" : "f", NULL, cls,
                        not_modified ? "t" : "f", NULL, NULL, o->ok && o->new_document ? "t" : "f"};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    if (cls != NULL && !class_ok(cls)) {
        return lw_error_set(err, LW_ERR_INVALID, "finishing a crawl: the error class must be 1 "
                            "to %d of [a-z0-9_]", ERROR_CLASS_MAX);
    }
    snprintf(id, sizeof(id), "%lld", (long long)item->id);
    if (o->http_status > 0 && o->http_status < 1000) {
        snprintf(status, sizeof(status), "%ld", o->http_status);
        v[3] = status;
    }
    if (o->etag != NULL && o->etag[0] != '\0' && ascii_ok(o->etag, ETAG_MAX, true)) {
        v[6] = o->etag;
    }
    if (o->last_modified != NULL && o->last_modified[0] != '\0' &&
        ascii_ok(o->last_modified, LAST_MODIFIED_MAX, true)) {
        v[7] = o->last_modified;
    }
    rc = db_query(db, "recording a crawl outcome", finish_sql, 9, v, NULL, NULL, &res, NULL,
                  err);
    db_result_free(res);
    return rc;
}

enum lw_rc
crawlq_release(struct db *db, const struct crawl_item *items, size_t n, struct lw_error *err)
{
    struct lw_buf ids;
    struct pg_result *res = NULL;
    const char *v[1];
    enum lw_rc rc = LW_OK;

    if (n == 0) {
        return LW_OK;
    }
    /* 21 bytes per id at most; the ceiling only guards the arithmetic */
    lw_buf_init(&ids, (size_t)1 << 30);
    lw_buf_append_byte(&ids, '{');
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        rc = lw_buf_printf(&ids, "%s%lld", i > 0 ? "," : "", (long long)items[i].id);
    }
    if (rc == LW_OK) {
        rc = lw_buf_append_byte(&ids, '}');
    }
    if (rc != LW_OK) {
        lw_buf_free(&ids);
        return lw_error_set(err, rc, "releasing claims: too many rows at once (%zu)", n);
    }
    v[0] = ids.data;
    rc = db_query(db, "releasing claimed crawl work",
                  "UPDATE crawl_urls SET claimed_by = NULL, claimed_until = NULL "
                  "WHERE id = ANY ($1::bigint[])", 1, v, NULL, NULL, &res, NULL, err);
    db_result_free(res);
    lw_buf_free(&ids);
    return rc;
}

/* ---- links, counts ---- */

/* Insert one batch (URLs separated by '\n', which no accepted URL contains); *added += new rows. */
static enum lw_rc
add_batch(struct db *db, const char *source_id, const struct lw_buf *urls, size_t *added,
          struct lw_error *err)
{
    const char *v[2] = {source_id, urls->data};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    /* WITH ORDINALITY: ids follow the page's order, so links are fetched in the order found; a
     * source removed meanwhile queues nothing (and fails no foreign key check) */
    rc = db_query(db, "queueing links",
                  "INSERT INTO crawl_urls (url, source_id, kind, next_fetch_at)"
                  " SELECT u.url, s.id, 'paste', now()"
                  " FROM sources s, unnest(string_to_array($2::text, E'\\n')) WITH ORDINALITY"
                  " AS u (url, i) WHERE s.id = $1::bigint ORDER BY u.i"
                  " ON CONFLICT (url) DO NOTHING",
                  2, v, NULL, NULL, &res, NULL, err);
    if (rc == LW_OK) {
        *added += (size_t)db_rows(res);
    }
    db_result_free(res);
    return rc;
}

enum lw_rc
crawlq_add_links(struct db *db, int64_t source_id, const char *const *urls, size_t n,
                 size_t *added, struct lw_error *err)
{
    char sid[24];
    struct lw_buf batch;
    size_t in_batch = 0;
    enum lw_rc rc = LW_OK;

    *added = 0;
    snprintf(sid, sizeof(sid), "%lld", (long long)source_id);
    lw_buf_init(&batch, (size_t)LINKS_PER_STATEMENT * (SOURCE_URL_MAX + 1));
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        if (urls[i] == NULL || !link_ok(urls[i])) {
            continue; /* not a URL the crawler may fetch: never queued */
        }
        if (in_batch > 0) {
            lw_buf_append_byte(&batch, '\n');
        }
        lw_buf_append_str(&batch, urls[i]);
        if (++in_batch == LINKS_PER_STATEMENT) {
            rc = add_batch(db, sid, &batch, added, err);
            lw_buf_reset(&batch);
            in_batch = 0;
        }
    }
    if (rc == LW_OK && in_batch > 0) {
        rc = add_batch(db, sid, &batch, added, err);
    }
    lw_buf_free(&batch);
    return rc;
}

enum lw_rc
crawlq_due_count(struct db *db, const char *only, int64_t *n, struct lw_error *err)
{
    const char *v[1] = {only};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    *n = 0;
    rc = db_query(db, "counting due crawl work",
                  "SELECT count(*) FROM crawl_urls WHERE " DUE("$1"), 1, v, NULL, NULL, &res,
                  NULL, err);
    if (rc == LW_OK && !db_i64(res, 0, 0, 0, INT64_MAX, n)) {
        rc = lw_error_set(err, LW_ERR_DB, "counting due crawl work: a number leakwatch cannot "
                          "read");
    }
    db_result_free(res);
    return rc;
}
