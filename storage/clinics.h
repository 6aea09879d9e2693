/*
 * storage/clinics.h — the organisations leakwatch alerts: their settings, API tokens, OPRF rate
 * limit and keywords (migration 0003_clinics.sql).
 *
 * Tokens: "lwc_" followed by 43 base64url characters (32 random bytes), printed once by
 * clinics_add() / clinics_rotate_token() and stored only as BLAKE2b-256(token) in
 * clinics.token_hash. Authenticating hashes the presented token, looks the hash up (an index probe
 * on a hash of a 256-bit secret reveals nothing about the secret) and compares the hash read back
 * with sodium_memcmp.
 *
 * Rate limit: a token bucket per clinic held in the database (clinics.oprf_tokens/_at), so every
 * `serve` process on every host draws from the same bucket; one UPDATE takes n tokens or none.
 *
 * Validation messages start with the spec member they are about ("webhook_url: …"), as in
 * storage/sources.h, so the command line can name its option.
 */
#ifndef LW_STORAGE_CLINICS_H
#define LW_STORAGE_CLINICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"

#define CLINIC_NAME_MAX 100
#define CLINIC_URL_MAX 2048
#define CLINIC_EMAIL_MAX 254
#define CLINIC_TOKEN_PREFIX "lwc_"
#define CLINIC_TOKEN_LEN 47 /* "lwc_" + 43 */

struct clinic_spec {
    const char *name;        /* 1-100 of A-Z a-z 0-9 . _ -, starting with a letter or digit */
    const char *webhook_url; /* http(s)://, no user:password@, printable ASCII; NULL: none */
    const char *email;       /* addr-spec local@domain (ASCII, ≤ 254); NULL: none */
    const char *region;      /* ISO 3166 alpha-2 upper case, the default phone region; NULL */
};

struct clinic {
    int64_t id;
    char name[CLINIC_NAME_MAX + 1];
    char webhook_url[CLINIC_URL_MAX + 1]; /* "" if none */
    char email[CLINIC_EMAIL_MAX + 1];     /* "" if none */
    char region[3];                       /* "" if none */
    char created_at[40];                  /* ISO 8601 UTC, "2026-11-29T05:01:02Z" */
    uint64_t watch_rows, keywords, alerts, oprf_evaluations; /* filled by list and get */
};

/*
 * Add a clinic and write its new API token (NUL-terminated) to token. LW_ERR_INVALID for a bad
 * spec ("member: why"), LW_ERR_EXISTS if the name is taken, LW_ERR_DB otherwise.
 */
enum lw_rc clinics_add(struct db *db, const struct clinic_spec *spec,
                       char token[CLINIC_TOKEN_LEN + 1], struct lw_error *err);

/* Change settings of an existing clinic: members of spec that are non-NULL are set ("" clears
 * webhook_url, email or region); name selects the clinic. LW_ERR_NOT_FOUND, LW_ERR_INVALID. */
enum lw_rc clinics_update(struct db *db, const struct clinic_spec *spec, struct lw_error *err);

/* Remove a clinic with its watchlist, keywords and alerts. LW_ERR_NOT_FOUND if there is none. */
enum lw_rc clinics_remove(struct db *db, const char *name, struct lw_error *err);

/* A new token for the clinic; the old one stops working at once. LW_ERR_NOT_FOUND. */
enum lw_rc clinics_rotate_token(struct db *db, const char *name, char token[CLINIC_TOKEN_LEN + 1],
                                struct lw_error *err);

/* One clinic by name, counts included. LW_ERR_NOT_FOUND. */
enum lw_rc clinics_get(struct db *db, const char *name, struct clinic *out, struct lw_error *err);

/* Every clinic by name, counts included; stop early when fn returns non-zero. */
typedef int (*clinics_each_fn)(void *user, const struct clinic *c);
enum lw_rc clinics_list(struct db *db, clinics_each_fn fn, void *user, struct lw_error *err);

/*
 * The clinic a bearer token belongs to (counts not filled). LW_ERR_NOT_FOUND for any token that
 * is not a current one, malformed ones included (the caller answers 401 either way); LW_ERR_DB.
 */
enum lw_rc clinics_authenticate(struct db *db, const char *token, struct clinic *out,
                                struct lw_error *err);

/* The blind-evaluation budget: per_hour tokens refill continuously up to burst. */
struct clinics_rate {
    double per_hour;
    double burst;
};
#define CLINICS_RATE_PER_HOUR_DEFAULT 100000.0
#define CLINICS_RATE_BURST_DEFAULT 100000.0

/*
 * Take n evaluations from the clinic's bucket. *allowed: whether they were taken (all or none);
 * when not, *retry_after gets the whole seconds until n would be available (at least 1; n larger
 * than burst: the time to a full bucket — the caller should say the batch is too large). Counts
 * taken evaluations in clinics.oprf_evaluations. LW_ERR_DB.
 */
enum lw_rc clinics_oprf_take(struct db *db, int64_t clinic_id, uint32_t n,
                             const struct clinics_rate *rate, bool *allowed, uint32_t *retry_after,
                             struct lw_error *err);

/* ---- keywords (mentions) ---- */

/*
 * Add keywords to a clinic: each is folded (common/fold.h); one folding to "" or longer than 200
 * bytes is LW_ERR_INVALID (nothing added); one already there (same folded form) is skipped.
 * *added gets the number of new keywords. LW_ERR_NOT_FOUND for an unknown clinic id.
 */
enum lw_rc clinics_keywords_add(struct db *db, int64_t clinic_id, const char *const *words,
                                size_t n, uint64_t *added, struct lw_error *err);

/* Remove keywords (matched by folded form); *removed gets how many went. */
enum lw_rc clinics_keywords_remove(struct db *db, int64_t clinic_id, const char *const *words,
                                   size_t n, uint64_t *removed, struct lw_error *err);

/* Every keyword of every clinic (clinic_id 0) or of one clinic, ordered by id. */
typedef int (*clinics_keyword_fn)(void *user, int64_t id, int64_t clinic_id, const char *word);
enum lw_rc clinics_keywords_each(struct db *db, int64_t clinic_id, clinics_keyword_fn fn,
                                 void *user, struct lw_error *err);

#endif
