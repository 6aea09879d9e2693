/*
 * storage/alerts.h — alerts: created when a stored document matches a clinic's watchlist or names
 * it, listed as JSON, and delivered through an outbox (migration 0003_clinics.sql).
 *
 * Creating (inside the document's transaction, DESIGN.md "Alerts"): after the document's hits are
 * written, take ALERTS_MATCH_LOCK shared (storage/watchlist.h explains why), then one statement
 * joins the document's hits with every watchlist on (hash, kind), groups by clinic, adds the
 * clinics whose keywords the document mentioned, and inserts per clinic one alert, its matches
 * (ref, kind, OR of flags) and one outbox row per channel the clinic has (webhook, e-mail).
 *
 * The alert JSON — one object, the same for `alerts list --json`, GET /v1/alerts and the webhook
 * body, built by PostgreSQL (json_build_object, so keys keep this order; PostgreSQL writes
 * `"key" : value` with spaces) so the three can never disagree:
 *   {"id": "<uuid>", "seq": 17, "clinic": "NAME", "reason": "document"|"enrollment",
 *    "created_at": "2026-11-29T05:01:02Z",
 *    "document": {"id": 5, "label": "…", "url": "…"|null, "format": "csv", "bytes": 123,
 *                 "records": 45, "identifiers": 67},
 *    "source": "NAME"|null, "first_seen": "2026-11-29T05:00:00Z",
 *    "matches": [{"ref": "P-1", "kind": "fi_hetu", "flags": ["health_text", "name"]}, …],
 *    "mentions": ["Vastaamo"],
 *    "counts": {"refs": 3, "matches": 4, "by_kind": {"email": 2, "fi_hetu": 2}}}
 * matches are ordered by ref then kind; timestamps UTC with a Z. With delivery states requested,
 * "delivery": {"webhook": "pending"|"delivered"|"failed", "email": …} (channels the alert has).
 * Nothing in it is leaked data: refs are the clinic's own, the rest is metadata and counts
 * (DESIGN.md invariant 6).
 *
 * Delivery: alerts_claim() takes due outbox rows with FOR UPDATE SKIP LOCKED and a lease (several
 * `alerts deliver` from cron never send one alert twice at once; a crashed one's rows come back
 * when the lease ends); alerts_record() records every attempt and either marks the row delivered
 * or schedules the next try: base · 2^(attempts-1) counting this attempt (base after the first
 * failure, 2·base after the second …), at most 2 h apart, until 24 h after the alert was created —
 * then the row is 'failed'. A row already delivered stays delivered (the attempt is still kept).
 */
#ifndef LW_STORAGE_ALERTS_H
#define LW_STORAGE_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"

/* pg_advisory_xact_lock key serialising watchlist uploads against document matching ('lwma'). */
#define ALERTS_MATCH_LOCK 0x6c776d61
#define ALERTS_RETRY_WINDOW_S (24 * 3600)
#define ALERTS_RETRY_MAX_GAP_S (2 * 3600)
#define ALERTS_LEASE_S 300

/*
 * Match a document just written (inside its open transaction: the caller commits). keyword_ids:
 * the watch_keywords ids the document mentioned (parsers/mentions.h), n may be 0. *created gets
 * the number of alerts inserted. LW_ERR_DB.
 */
enum lw_rc alerts_match_document(struct db *db, int64_t document_id, const int64_t *keyword_ids,
                                 size_t n, uint64_t *created, struct lw_error *err);

struct alerts_filter {
    int64_t clinic_id;      /* 0: every clinic */
    int64_t since_seq;      /* only alerts with seq > this (0: from the start) */
    const char *since_time; /* or NULL; else only alerts created after this ISO 8601 time
                               (LW_ERR_INVALID if PostgreSQL cannot read it) */
    uint32_t limit;         /* 0: no limit */
    bool delivery;          /* add the "delivery" member */
};

/* Each matching alert's JSON (above), oldest first; stop when fn returns non-zero. */
typedef int (*alerts_json_fn)(void *user, int64_t seq, const char *json);
enum lw_rc alerts_each_json(struct db *db, const struct alerts_filter *f, alerts_json_fn fn,
                            void *user, struct lw_error *err);

/* A claimed outbox row. */
struct alert_delivery {
    int64_t seq;          /* alerts.id */
    char id[37];          /* the alert's public id (uuid), the idempotency key */
    char clinic[101];
    char channel[8];      /* "webhook" or "email" */
    char *target;         /* webhook URL or e-mail address */
    char *json;           /* the alert's JSON, without "delivery" */
    unsigned attempts;    /* attempts before this one */
};

/* Claim up to max due rows for worker (a name for claimed_by: host:pid). *out is an array of *n
 * rows (possibly 0) to release with alerts_deliveries_free. LW_ERR_DB. */
enum lw_rc alerts_claim(struct db *db, const char *worker, size_t max, struct alert_delivery **out,
                        size_t *n, struct lw_error *err);
void alerts_deliveries_free(struct alert_delivery *d, size_t n);

/*
 * Record an attempt on a claimed row: always an alert_attempts row (ok, status: HTTP or SMTP code
 * or 0, error: a short class like "http_500", "connect", "timeout" — 1 to 64 of [a-z0-9_.-], else
 * LW_ERR_INVALID — or NULL); then delivered (last_error kept), or the next try retry_base_s ·
 * 2^d->attempts seconds on (capped at ALERTS_RETRY_MAX_GAP_S), or 'failed' when that try would come
 * past the 24 h window. *final_state (may be NULL) gets "delivered", "pending" or "failed".
 * LW_ERR_DB.
 */
enum lw_rc alerts_record(struct db *db, const struct alert_delivery *d, bool ok, int status,
                         const char *error, unsigned retry_base_s, const char **final_state,
                         struct lw_error *err);

/* Outbox totals for a summary and /metrics: rows pending (due or not), delivered, failed. */
struct alerts_outbox_counts {
    uint64_t alerts, pending, delivered, failed;
};
enum lw_rc alerts_outbox_counts(struct db *db, struct alerts_outbox_counts *out,
                                struct lw_error *err);

#endif
