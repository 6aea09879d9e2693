/*
 * storage/alerts.c — creating alerts when a document is stored, listing them as JSON, and the
 * delivery outbox (see alerts.h and 0003_clinics.sql).
 *
 * Matching a document: after its hits are written, in its transaction, ALERTS_MATCH_LOCK is taken
 * shared (its own statement, so the matching statement's snapshot, taken after the lock was
 * granted, includes every watchlist upload that committed before: storage/watchlist.c), then one
 * statement of CTEs:
 *   m   the document's hits ⨝ watchlist on (hash, kind), grouped by (clinic, ref, kind) with the
 *       OR of the records' flags;
 *   k   the mentioned keywords (id = ANY($2)), grouped per clinic into its sorted distinct words;
 *   c   the union of both clinic sets; a   one 'document' alert per clinic in c;
 *   am  the alert's matches;            d   an outbox row per channel the clinic has.
 * The common case — nobody watches anything in the document — costs next to nothing. Measured
 * (EXPLAIN ANALYZE, PostgreSQL 15, a document of 200,000 hits among 2.1 million): with an empty
 * and analysed watchlist the plan is a nested loop driven by the watchlist, the probe into
 * hits_hash is "never executed", 0.3 ms in all — but a watchlist never analysed (a new database)
 * got a merge join sorting all the document's hits (0.2 s for 186,000), so with no mentions an
 * EXISTS probe of the watchlist comes first and an empty one skips the join. With 1,000
 * watchlist rows, 1,000 hits_hash probes; with 500,000 rows a hash join of the document's hits
 * (through hits_document) with one pass over the watchlist, 0.7 s; a 100-hit document against
 * 500,000 rows probes watchlist_hash per hit, 1.7 ms.
 * The JSON is built by PostgreSQL with json_build_object (not jsonb, which would reorder the keys)
 * from one SQL expression (ALERT_JSON) shared by listing and claiming, so `alerts list --json`,
 * GET /v1/alerts and the webhook body cannot disagree. Flags are named from record_flags by bit and
 * kinds from id_kinds; no hash ever enters it.
 *
 * The outbox follows storage/crawlq.c: a claim is one UPDATE … WHERE (alert_id, channel) IN
 * (SELECT … due and not held … FOR UPDATE SKIP LOCKED) RETURNING, with a lease instead of a held
 * transaction; recording an attempt is one statement whose CTE inserts the alert_attempts row and
 * whose UPDATE moves the outbox row (delivered; pending at now() + base · 2^attempts, at most
 * ALERTS_RETRY_MAX_GAP_S; failed when that is past created_at + ALERTS_RETRY_WINDOW_S).
 */
#include "storage/alerts.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"

#define STR2(x) #x
#define STR(x) STR2(x)

#define CLAIM_MAX 1000
#define WORKER_MAX 200
#define ERROR_CLASS_MAX 64
#define KEYWORD_IDS_MAX 100000

/* A time as ISO 8601 in UTC. */
#define ISO_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The alert JSON without its closing parenthesis, over a (alerts), c (clinics), d (documents) and
 * s (sources, left-joined). */
#define ALERT_JSON                                                                                 \
    "json_build_object('id', a.public_id, 'seq', a.id, 'clinic', c.name, 'reason', a.reason,"     \
    " 'created_at', " ISO_TIME("a.created_at") ","                                                 \
    " 'document', json_build_object('id', d.id, 'label', d.label, 'url', d.url,"                   \
    "  'format', d.format, 'bytes', d.bytes, 'records', d.records,"                                \
    "  'identifiers', d.identifiers),"                                                             \
    " 'source', s.name, 'first_seen', " ISO_TIME("d.first_seen") ","                               \
    " 'matches', coalesce((SELECT json_agg(json_build_object('ref', m.ref, 'kind', k.name,"        \
    "   'flags', (SELECT coalesce(json_agg(f.name ORDER BY f.bit), '[]'::json) FROM record_flags f"\
    "    WHERE (m.flags::integer & (1 << f.bit)) <> 0))"                                           \
    "   ORDER BY m.ref COLLATE \"C\", m.kind)"                                                     \
    "  FROM alert_matches m JOIN id_kinds k ON k.id = m.kind WHERE m.alert_id = a.id),"            \
    "  '[]'::json),"                                                                               \
    " 'mentions', to_json(a.mentions),"                                                            \
    " 'counts', (SELECT json_build_object('refs', count(DISTINCT m.ref), 'matches', count(*),"    \
    "   'by_kind', coalesce((SELECT json_object_agg(k.name, x.n ORDER BY k.id) FROM"               \
    "    (SELECT kind, count(*) AS n FROM alert_matches WHERE alert_id = a.id GROUP BY kind) x"    \
    "    JOIN id_kinds k ON k.id = x.kind), '{}'::json))"                                          \
    "  FROM alert_matches m WHERE m.alert_id = a.id)"

#define ALERT_DELIVERY                                                                             \
    ", 'delivery', (SELECT coalesce(json_object_agg(o.channel, o.state ORDER BY o.channel),"       \
    "  '{}'::json) FROM alert_deliveries o WHERE o.alert_id = a.id)"

/* $1 clinic (0: all), $2 since seq, $3 since time (NULL: none), $4 limit (NULL: none). */
#define LIST_FROM                                                                                  \
    " FROM alerts a JOIN clinics c ON c.id = a.clinic_id JOIN documents d ON d.id = a.document_id" \
    " LEFT JOIN sources s ON s.id = d.source_id"                                                   \
    " WHERE ($1::bigint = 0 OR a.clinic_id = $1::bigint) AND a.id > $2::bigint"                    \
    " AND ($3::text IS NULL OR a.created_at > $3::text::timestamptz)"                              \
    " ORDER BY a.id LIMIT $4::bigint"

static const char list_sql[] = "SELECT a.id, " ALERT_JSON ")::text" LIST_FROM;
static const char list_delivery_sql[] =
    "SELECT a.id, " ALERT_JSON ALERT_DELIVERY ")::text" LIST_FROM;

/* $1 document, $2 mentioned keyword ids (bigint[]). Returns the alerts created. */
static const char match_sql[] =
    "WITH m AS (SELECT w.clinic_id, w.ref, w.kind, bit_or(h.flags)::smallint AS flags"
    "  FROM hits h JOIN watchlist w ON w.hash = h.hash AND w.kind = h.kind"
    "  WHERE h.document_id = $1::bigint GROUP BY w.clinic_id, w.ref, w.kind),"
    " k AS (SELECT clinic_id, array_agg(DISTINCT word ORDER BY word) AS words"
    "  FROM watch_keywords WHERE id = ANY ($2::bigint[]) GROUP BY clinic_id),"
    " c AS (SELECT clinic_id FROM m UNION SELECT clinic_id FROM k),"
    " a AS (INSERT INTO alerts (clinic_id, document_id, reason, mentions)"
    "  SELECT c.clinic_id, $1::bigint, 'document', coalesce(k.words, '{}')"
    "  FROM c LEFT JOIN k USING (clinic_id) ORDER BY c.clinic_id RETURNING id, clinic_id),"
    " am AS (INSERT INTO alert_matches (alert_id, clinic_id, document_id, ref, kind, flags)"
    "  SELECT a.id, m.clinic_id, $1::bigint, m.ref, m.kind, m.flags FROM a JOIN m"
    "  USING (clinic_id) ON CONFLICT DO NOTHING RETURNING 1),"
    " d AS (INSERT INTO alert_deliveries (alert_id, channel, target)"
    "  SELECT a.id, ch.channel, ch.target FROM a JOIN clinics cl ON cl.id = a.clinic_id"
    "  CROSS JOIN LATERAL (VALUES ('webhook', cl.webhook_url), ('email', cl.email))"
    "   AS ch (channel, target) WHERE ch.target IS NOT NULL RETURNING 1)"
    " SELECT count(*) FROM a";

/* $1 worker, $2 limit. */
static const char claim_sql[] =
    "UPDATE alert_deliveries o SET claimed_by = $1,"
    " claimed_until = now() + make_interval(secs => " STR(ALERTS_LEASE_S) ")"
    " FROM alerts a JOIN clinics c ON c.id = a.clinic_id JOIN documents d ON d.id = a.document_id"
    " LEFT JOIN sources s ON s.id = d.source_id"
    " WHERE a.id = o.alert_id AND (o.alert_id, o.channel) IN ("
    "  SELECT alert_id, channel FROM alert_deliveries WHERE state = 'pending'"
    "  AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())"
    "  ORDER BY next_attempt_at, alert_id, channel LIMIT $2::integer FOR UPDATE SKIP LOCKED)"
    " RETURNING a.id, a.public_id, c.name, o.channel, o.target, o.attempts, " ALERT_JSON ")::text";

/* $1 alert, $2 channel, $3 ok, $4 status (NULL: none), $5 error class, $6 retry base seconds. */
#define GAP                                                                                        \
    "make_interval(secs => least($6::float8 * power(2, least(o.attempts, 40)), "                   \
    STR(ALERTS_RETRY_MAX_GAP_S) "))"
#define PAST_WINDOW                                                                                \
    "now() + " GAP " > a.created_at + make_interval(secs => " STR(ALERTS_RETRY_WINDOW_S) ")"
static const char record_sql[] =
    "WITH att AS (INSERT INTO alert_attempts (alert_id, channel, ok, status, error)"
    "  VALUES ($1::bigint, $2, $3::boolean, $4::integer, $5) RETURNING 1),"
    " u AS (UPDATE alert_deliveries o SET"
    "  attempts = least(o.attempts + 1, 1000000),"
    "  state = CASE WHEN $3::boolean THEN 'delivered' WHEN " PAST_WINDOW " THEN 'failed'"
    "   ELSE 'pending' END,"
    "  next_attempt_at = CASE WHEN $3::boolean OR " PAST_WINDOW " THEN NULL"
    "   ELSE now() + " GAP " END,"
    "  delivered_at = CASE WHEN $3::boolean THEN now() ELSE NULL END,"
    "  last_error = CASE WHEN $3::boolean THEN o.last_error ELSE $5 END,"
    "  claimed_by = NULL, claimed_until = NULL"
    "  FROM alerts a WHERE a.id = o.alert_id AND o.alert_id = $1::bigint AND o.channel = $2"
    "  AND o.state = 'pending' RETURNING o.state)"
    " SELECT coalesce((SELECT state FROM u), (SELECT state FROM alert_deliveries"
    "  WHERE alert_id = $1::bigint AND channel = $2), 'gone')";

/* ---- matching ---- */

enum lw_rc
alerts_match_document(struct db *db, int64_t document_id, const int64_t *keyword_ids, size_t n,
                      uint64_t *created, struct lw_error *err)
{
    char doc[24], lock[24];
    const char *v[2] = {doc, NULL};
    struct pg_result *res = NULL;
    struct lw_buf ids;
    int64_t count = 0;
    enum lw_rc rc = LW_OK;

    *created = 0;
    if (n > KEYWORD_IDS_MAX) {
        return lw_error_set(err, LW_ERR_TOO_LARGE, "matching: at most %d mentioned keywords",
                            KEYWORD_IDS_MAX);
    }
    snprintf(doc, sizeof(doc), "%lld", (long long)document_id);
    /* a parameter: hexadecimal literals need PostgreSQL 16 */
    snprintf(lock, sizeof(lock), "%ld", (long)ALERTS_MATCH_LOCK);
    lw_buf_init(&ids, (size_t)KEYWORD_IDS_MAX * 22 + 3);
    lw_buf_append_byte(&ids, '{');
    for (size_t i = 0; i < n; i++) {
        lw_buf_printf(&ids, "%s%lld", i > 0 ? "," : "", (long long)keyword_ids[i]);
    }
    lw_buf_append_byte(&ids, '}');
    v[1] = ids.data;
    rc = db_query(db, "locking against watchlist uploads",
                  "SELECT pg_advisory_xact_lock_shared($1::bigint)", 1, (const char *const[]){lock},
                  NULL, NULL, &res, NULL, err);
    db_result_free(res);
    res = NULL;
    if (rc == LW_OK && n == 0) {
        /* Nobody watches anything yet and nothing was mentioned: skip the join. The planner's
         * plan for it over a never-analysed empty watchlist sorts all of the document's hits
         * (measured: 0.2 s for 186,000); this probe is one index-free page read. */
        rc = db_query(db, "matching the document against watchlists",
                      "SELECT EXISTS (SELECT 1 FROM watchlist)", 0, NULL, NULL, NULL, &res, NULL,
                      err);
        if (rc == LW_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "f") == 0) {
            db_result_free(res);
            lw_buf_free(&ids);
            return LW_OK;
        }
        db_result_free(res);
        res = NULL;
    }
    if (rc == LW_OK) {
        rc = db_query(db, "matching the document against watchlists", match_sql, 2, v, NULL,
                      NULL, &res, NULL, err);
    }
    if (rc == LW_OK && (PQntuples(res) != 1 || !db_i64(res, 0, 0, 0, INT64_MAX, &count))) {
        rc = lw_error_set(err, LW_ERR_DB, "matching the document: a count leakwatch cannot read");
    }
    db_result_free(res);
    lw_buf_free(&ids);
    *created = (uint64_t)count;
    return rc;
}

/* ---- listing ---- */

enum lw_rc
alerts_each_json(struct db *db, const struct alerts_filter *f, alerts_json_fn fn, void *user,
                 struct lw_error *err)
{
    char clinic[24], since[24], limit[24], state[6] = "";
    const char *v[4] = {clinic, since, f->since_time, f->limit > 0 ? limit : NULL};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    snprintf(clinic, sizeof(clinic), "%lld", (long long)f->clinic_id);
    snprintf(since, sizeof(since), "%lld", (long long)(f->since_seq > 0 ? f->since_seq : 0));
    snprintf(limit, sizeof(limit), "%u", f->limit);
    rc = db_query(db, "listing the alerts", f->delivery ? list_delivery_sql : list_sql, 4, v,
                  NULL, NULL, &res, state, err);
    if (rc != LW_OK) {
        if (strncmp(state, "22", 2) == 0) {
            /* 22007 invalid_datetime_format, 22008 datetime_field_overflow, and kin: the input */
            return lw_error_set(err, LW_ERR_INVALID, "since: not a time PostgreSQL can read "
                                "(ISO 8601, like 2026-11-29T05:00:00Z)");
        }
        return rc;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t seq = 0;

        if (!db_i64(res, i, 0, 1, INT64_MAX, &seq)) {
            rc = lw_error_set(err, LW_ERR_DB, "listing the alerts: an id leakwatch cannot read");
            break;
        }
        if (fn(user, seq, PQgetvalue(res, i, 1)) != 0) {
            break;
        }
    }
    db_result_free(res);
    return rc;
}

/* ---- the outbox ---- */

/* Printable ASCII (spaces allowed) of 1..max bytes. */
static bool
ascii_ok(const char *s, size_t max)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        if (n >= max || s[n] < ' ' || s[n] > '~') {
            return false;
        }
    }
    return n > 0;
}

static enum lw_rc
fill_delivery(const struct pg_result *res, int row, struct alert_delivery *d, struct lw_error *err)
{
    int64_t attempts = 0;

    memset(d, 0, sizeof(*d));
    if (!db_i64(res, row, 0, 1, INT64_MAX, &d->seq) ||
        !db_i64(res, row, 5, 0, 1000000, &attempts)) {
        return lw_error_set(err, LW_ERR_DB, "claiming alerts: a number leakwatch cannot read");
    }
    d->attempts = (unsigned)attempts;
    db_text(res, row, 1, d->id, sizeof(d->id));
    db_text(res, row, 2, d->clinic, sizeof(d->clinic));
    db_text(res, row, 3, d->channel, sizeof(d->channel));
    d->target = lw_xstrdup(PQgetvalue(res, row, 4));
    d->json = lw_xstrdup(PQgetvalue(res, row, 6));
    return LW_OK;
}

enum lw_rc
alerts_claim(struct db *db, const char *worker, size_t max, struct alert_delivery **out,
             size_t *n, struct lw_error *err)
{
    char limit[24];
    const char *v[2] = {worker, limit};
    struct pg_result *res = NULL;
    enum lw_rc rc;
    int rows;

    *out = NULL;
    *n = 0;
    if (worker == NULL || !ascii_ok(worker, WORKER_MAX)) {
        return lw_error_set(err, LW_ERR_INVALID, "claiming alerts: the worker name must be 1 to "
                            "%d printable ASCII characters", WORKER_MAX);
    }
    snprintf(limit, sizeof(limit), "%zu", max < CLAIM_MAX ? max : (size_t)CLAIM_MAX);
    rc = db_query(db, "claiming alerts", claim_sql, 2, v, NULL, NULL, &res, NULL, err);
    if (rc != LW_OK) {
        return rc;
    }
    rows = PQntuples(res);
    *out = lw_xcalloc(rows > 0 ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; rc == LW_OK && i < rows; i++) {
        rc = fill_delivery(res, i, &(*out)[i], err);
        *n = (size_t)i + (rc == LW_OK ? 1 : 0);
    }
    db_result_free(res);
    if (rc != LW_OK) {
        /* the rows stay claimed until their lease ends: the statement committed */
        alerts_deliveries_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void
alerts_deliveries_free(struct alert_delivery *d, size_t n)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(d[i].target);
        free(d[i].json);
    }
    free(d);
}

/* An error class: 1..ERROR_CLASS_MAX of [a-z0-9_.-]. */
static bool
class_ok(const char *cls)
{
    size_t n = strnlen(cls, ERROR_CLASS_MAX + 1);

    if (n == 0 || n > ERROR_CLASS_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!lw_ascii_is_lower(cls[i]) && !lw_ascii_is_digit(cls[i]) && cls[i] != '_' &&
            cls[i] != '.' && cls[i] != '-') {
            return false;
        }
    }
    return true;
}

enum lw_rc
alerts_record(struct db *db, const struct alert_delivery *d, bool ok, int status,
              const char *error, unsigned retry_base_s, const char **final_state,
              struct lw_error *err)
{
    char seq[24], st[16], base[16], state[16] = "";
    const char *v[6] = {seq, d->channel, ok ? "t" : "f", NULL, error, base};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    if (final_state != NULL) {
        *final_state = NULL;
    }
    if (error != NULL && !class_ok(error)) {
        return lw_error_set(err, LW_ERR_INVALID, "recording a delivery: the error class must be "
                            "1 to %d of [a-z0-9_.-]", ERROR_CLASS_MAX);
    }
    snprintf(seq, sizeof(seq), "%lld", (long long)d->seq);
    snprintf(base, sizeof(base), "%u", retry_base_s > 0 ? retry_base_s : 1);
    if (status > 0 && status < 1000) {
        snprintf(st, sizeof(st), "%d", status);
        v[3] = st;
    }
    rc = db_query(db, "recording a delivery attempt", record_sql, 6, v, NULL, NULL, &res, NULL,
                  err);
    if (rc == LW_OK && PQntuples(res) == 1) {
        db_text(res, 0, 0, state, sizeof(state));
    }
    db_result_free(res);
    if (rc == LW_OK && final_state != NULL) {
        *final_state = strcmp(state, "delivered") == 0 ? "delivered"
                       : strcmp(state, "failed") == 0  ? "failed"
                       : strcmp(state, "pending") == 0 ? "pending"
                                                       : NULL;
    }
    return rc;
}

enum lw_rc
alerts_outbox_counts(struct db *db, struct alerts_outbox_counts *out, struct lw_error *err)
{
    struct pg_result *res = NULL;
    int64_t c[4] = {0};
    enum lw_rc rc;

    memset(out, 0, sizeof(*out));
    rc = db_query(db, "counting the outbox",
                  "SELECT (SELECT count(*) FROM alerts),"
                  " count(*) FILTER (WHERE state = 'pending'),"
                  " count(*) FILTER (WHERE state = 'delivered'),"
                  " count(*) FILTER (WHERE state = 'failed') FROM alert_deliveries",
                  0, NULL, NULL, NULL, &res, NULL, err);
    for (int i = 0; rc == LW_OK && i < 4; i++) {
        if (PQntuples(res) != 1 || !db_i64(res, 0, i, 0, INT64_MAX, &c[i])) {
            rc = lw_error_set(err, LW_ERR_DB, "counting the outbox: a number leakwatch cannot "
                              "read");
        }
    }
    db_result_free(res);
    out->alerts = (uint64_t)c[0];
    out->pending = (uint64_t)c[1];
    out->delivered = (uint64_t)c[2];
    out->failed = (uint64_t)c[3];
    return rc;
}
