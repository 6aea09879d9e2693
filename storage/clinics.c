/*
 * storage/clinics.c — clinics: settings, API tokens, the OPRF rate limit, keywords (see clinics.h).
 *
 * Tokens: 32 bytes from randombytes_buf, written "lwc_" + base64url without padding (47
 * characters), printed once; the database keeps BLAKE2b-256 of the token string only. A 256-bit
 * secret needs no slow password hash: nobody can guess it, so a fast hash that hides it from a
 * reader of the database is enough, and it lets authentication be one index probe. A presented
 * token of any other shape is refused without a query (a scanner costs the database nothing);
 * the stored hash read back is compared with sodium_memcmp so the comparison in C does not leak
 * timing either.
 *
 * The rate bucket is one statement: a CTE reads the clinic's row FOR UPDATE (which in READ
 * COMMITTED yields the newest version, so concurrent `serve` processes queue on the row rather than
 * both spending the same tokens), refills it by per_hour/3600 per elapsed second up to burst, and
 * the UPDATE takes n tokens or none and returns whether it did and, if not, the seconds until it
 * could. Rejected: an UPDATE alone (its RETURNING sees only the new values, so it cannot say
 * whether the tokens were taken) and SELECT then UPDATE in two statements (a window between them).
 *
 * Validation (messages "member: why", as storage/sources.c):
 *   name         1..100 of [A-Za-z0-9._-], starting with a letter or digit
 *   webhook_url  printable ASCII, http:// or https://, a host, no user:password@, ≤ 2048 bytes
 *   email        ASCII local@domain, a dot inside the domain, no space or control (it goes into
 *                SMTP commands, where CR/LF would inject), ≤ 254 bytes
 *   region       two capital letters
 * Keywords are folded with common/fold.h (the same folding the document scanner uses).
 */
#include "storage/clinics.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/ascii.h"
#include "common/escape.h"
#include "common/fold.h"
#include "common/slice.h"
#include "storage/tokens.h"
#include "storage/validate.h"

#define KEYWORD_MAX 200        /* bytes of a keyword as written */
#define FOLDED_MAX 600         /* bytes of its folded form (watch_keywords.folded) */

/* A time as ISO 8601 in UTC, "" for NULL. */
#define ISO_TIME(col)                                                                              \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

/* The columns fill_clinic reads, counts included. */
#define SELECT_CLINICS                                                                             \
    "SELECT c.id, c.name, coalesce(c.webhook_url, ''), coalesce(c.email, ''),"                     \
    " coalesce(c.region, ''), " ISO_TIME("c.created_at") ","                                       \
    " (SELECT count(*) FROM watchlist w WHERE w.clinic_id = c.id),"                                \
    " (SELECT count(*) FROM watch_keywords k WHERE k.clinic_id = c.id),"                           \
    " (SELECT count(*) FROM alerts a WHERE a.clinic_id = c.id),"                                   \
    " c.oprf_evaluations FROM clinics c"

/* ---- validation ---- */

static enum lw_rc
check_webhook(const char *url, struct lw_error *err)
{
    size_t n = strlen(url), pre = 0, host_end;

    if (n == 0 || n > CLINIC_URL_MAX) {
        return lw_error_set(err, LW_ERR_INVALID, "webhook_url: 1 to %d bytes", CLINIC_URL_MAX);
    }
    if (!validate_url_chars(url)) {
        return lw_error_set(err, LW_ERR_INVALID, "webhook_url: printable ASCII only, no spaces "
                            "(percent-encode anything else)");
    }
    if (n >= 7 && lw_slice_eq_ci(lw_slice_make(url, 7), LW_SLICE_LIT("http://"))) {
        pre = 7;
    } else if (n >= 8 && lw_slice_eq_ci(lw_slice_make(url, 8), LW_SLICE_LIT("https://"))) {
        pre = 8;
    }
    if (pre == 0 || strncmp(url, pre == 7 ? "http://" : "https://", pre) != 0) {
        /* lower-case scheme only: the migration's CHECK reads it that way */
        return lw_error_set(err, LW_ERR_INVALID, "webhook_url: must start with http:// or "
                            "https://");
    }
    host_end = pre + strcspn(url + pre, "/?#");
    if (host_end == pre || url[pre] == ':') {
        return lw_error_set(err, LW_ERR_INVALID, "webhook_url: no host after the scheme");
    }
    if (memchr(url + pre, '@', host_end - pre) != NULL) {
        return lw_error_set(err, LW_ERR_INVALID, "webhook_url: no user name or password in the "
                            "URL");
    }
    return LW_OK;
}

static enum lw_rc
check_email(const char *email, struct lw_error *err)
{
    size_t n = strlen(email);
    const char *at = strchr(email, '@');
    const char *dot;

    if (n == 0 || n > CLINIC_EMAIL_MAX) {
        return lw_error_set(err, LW_ERR_INVALID, "email: 1 to %d bytes", CLINIC_EMAIL_MAX);
    }
    if (!validate_url_chars(email)) {
        return lw_error_set(err, LW_ERR_INVALID, "email: ASCII without spaces or control "
                            "characters");
    }
    if (at == NULL || at == email || strchr(at + 1, '@') != NULL) {
        return lw_error_set(err, LW_ERR_INVALID, "email: must be local@domain with one '@'");
    }
    if (strpbrk(email, "<>()[],;:\"\\") != NULL) {
        return lw_error_set(err, LW_ERR_INVALID, "email: a plain address (no name, brackets, "
                            "quotes or lists)");
    }
    dot = strchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || email[n - 1] == '.' || strstr(at, "..") != NULL) {
        return lw_error_set(err, LW_ERR_INVALID, "email: the domain needs a dot between labels "
                            "(example.fi)");
    }
    return LW_OK;
}

/* The optional members; "" passes when clearing is allowed (updates). */
static enum lw_rc
check_settings(const struct clinic_spec *s, bool empty_ok, struct lw_error *err)
{
    enum lw_rc rc = LW_OK;

    if (s->webhook_url != NULL && !(empty_ok && s->webhook_url[0] == '\0')) {
        rc = check_webhook(s->webhook_url, err);
    }
    if (rc == LW_OK && s->email != NULL && !(empty_ok && s->email[0] == '\0')) {
        rc = check_email(s->email, err);
    }
    if (rc == LW_OK && s->region != NULL && !(empty_ok && s->region[0] == '\0')) {
        rc = validate_region(s->region, err);
    }
    return rc;
}

/* ---- queries ---- */

static enum lw_rc
query(struct db *db, const char *what, const char *sql, int n, const char *const *v,
      struct pg_result **res, struct lw_error *err)
{
    return db_query(db, what, sql, n, v, NULL, NULL, res, NULL, err);
}

enum lw_rc
clinics_add(struct db *db, const struct clinic_spec *spec, char token[CLINIC_TOKEN_LEN + 1],
            struct lw_error *err)
{
    uint8_t hash[TOKENS_HASH_BYTES];
    char id[32];
    const char *v[5];
    int lens[5] = {0, 0, 0, 0, TOKENS_HASH_BYTES};
    int bin[5] = {0, 0, 0, 0, 1};
    enum lw_rc rc = validate_name(spec->name, CLINIC_NAME_MAX, err);

    token[0] = '\0';
    if (rc == LW_OK) {
        rc = check_settings(spec, false, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    tokens_new(CLINIC_TOKEN_PREFIX, token, hash);
    v[0] = spec->name;
    v[1] = spec->webhook_url;
    v[2] = spec->email;
    v[3] = spec->region;
    v[4] = (const char *)hash;
    rc = db_query1(db, "adding the clinic",
                   "INSERT INTO clinics (name, webhook_url, email, region, token_hash) "
                   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id",
                   5, v, lens, bin, id, sizeof(id), err);
    if (rc == LW_OK && id[0] == '\0') {
        rc = lw_error_set(err, LW_ERR_EXISTS, "a clinic named %s exists", spec->name);
    }
    if (rc != LW_OK) {
        sodium_memzero(token, CLINIC_TOKEN_LEN + 1);
    }
    return rc;
}

enum lw_rc
clinics_update(struct db *db, const struct clinic_spec *spec, struct lw_error *err)
{
    char id[32];
    const char *v[4] = {spec->name, spec->webhook_url, spec->email, spec->region};
    enum lw_rc rc = validate_name(spec->name, CLINIC_NAME_MAX, err);

    if (rc == LW_OK) {
        rc = check_settings(spec, true, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    rc = db_query1(db, "changing the clinic",
                   "UPDATE clinics SET"
                   " webhook_url = CASE WHEN $2::text IS NULL THEN webhook_url"
                   "  ELSE nullif($2, '') END,"
                   " email = CASE WHEN $3::text IS NULL THEN email ELSE nullif($3, '') END,"
                   " region = CASE WHEN $4::text IS NULL THEN region ELSE nullif($4, '') END"
                   " WHERE name = $1 RETURNING id", 4, v, NULL, NULL, id, sizeof(id), err);
    if (rc == LW_OK && id[0] == '\0') {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic named %s", spec->name);
    }
    return rc;
}

enum lw_rc
clinics_remove(struct db *db, const char *name, struct lw_error *err)
{
    char id[32];
    const char *v[1] = {name};
    enum lw_rc rc = db_query1(db, "removing the clinic", "DELETE FROM clinics WHERE name = $1 "
                              "RETURNING id", 1, v, NULL, NULL, id, sizeof(id), err);

    if (rc == LW_OK && id[0] == '\0') {
        return lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic named %s", name);
    }
    return rc;
}

enum lw_rc
clinics_rotate_token(struct db *db, const char *name, char token[CLINIC_TOKEN_LEN + 1],
                     struct lw_error *err)
{
    uint8_t hash[TOKENS_HASH_BYTES];
    char id[32];
    const char *v[2] = {name, (const char *)hash};
    int lens[2] = {0, TOKENS_HASH_BYTES};
    int bin[2] = {0, 1};
    enum lw_rc rc;

    tokens_new(CLINIC_TOKEN_PREFIX, token, hash);
    rc = db_query1(db, "rotating the clinic's token",
                   "UPDATE clinics SET token_hash = $2, token_created_at = now() WHERE name = $1 "
                   "RETURNING id", 2, v, lens, bin, id, sizeof(id), err);
    if (rc == LW_OK && id[0] == '\0') {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic named %s", name);
    }
    if (rc != LW_OK) {
        sodium_memzero(token, CLINIC_TOKEN_LEN + 1);
    }
    return rc;
}

/* ---- reading ---- */

static enum lw_rc
fill_clinic(const struct pg_result *res, int row, struct clinic *c, struct lw_error *err)
{
    int64_t n[4] = {0};

    memset(c, 0, sizeof(*c));
    db_text(res, row, 1, c->name, sizeof(c->name));
    db_text(res, row, 2, c->webhook_url, sizeof(c->webhook_url));
    db_text(res, row, 3, c->email, sizeof(c->email));
    db_text(res, row, 4, c->region, sizeof(c->region));
    db_text(res, row, 5, c->created_at, sizeof(c->created_at));
    if (!db_i64(res, row, 0, 1, INT64_MAX, &c->id)) {
        return lw_error_set(err, LW_ERR_DB, "reading the clinics: an id leakwatch cannot read");
    }
    if (PQnfields(res) < 10) {
        return LW_OK; /* authenticate reads no counts */
    }
    for (int i = 0; i < 4; i++) {
        if (!db_i64(res, row, 6 + i, 0, INT64_MAX, &n[i])) {
            return lw_error_set(err, LW_ERR_DB, "reading the clinics: a count leakwatch cannot "
                                "read");
        }
    }
    c->watch_rows = (uint64_t)n[0];
    c->keywords = (uint64_t)n[1];
    c->alerts = (uint64_t)n[2];
    c->oprf_evaluations = (uint64_t)n[3];
    return LW_OK;
}

enum lw_rc
clinics_get(struct db *db, const char *name, struct clinic *out, struct lw_error *err)
{
    struct pg_result *res = NULL;
    const char *v[1] = {name};
    enum lw_rc rc = query(db, "reading the clinic", SELECT_CLINICS " WHERE c.name = $1", 1, v,
                          &res, err);

    if (rc == LW_OK && PQntuples(res) == 0) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic named %s", name);
    } else if (rc == LW_OK) {
        rc = fill_clinic(res, 0, out, err);
    }
    db_result_free(res);
    return rc;
}

enum lw_rc
clinics_list(struct db *db, clinics_each_fn fn, void *user, struct lw_error *err)
{
    struct pg_result *res = NULL;
    struct clinic c;
    enum lw_rc rc = query(db, "listing the clinics", SELECT_CLINICS " ORDER BY c.name", 0, NULL,
                          &res, err);

    for (int i = 0; rc == LW_OK && i < PQntuples(res); i++) {
        rc = fill_clinic(res, i, &c, err);
        if (rc == LW_OK && fn(user, &c) != 0) {
            break;
        }
    }
    db_result_free(res);
    return rc;
}

enum lw_rc
clinics_authenticate(struct db *db, const char *token, struct clinic *out, struct lw_error *err)
{
    uint8_t hash[TOKENS_HASH_BYTES];
    char hex[2 * TOKENS_HASH_BYTES + 1];
    const char *v[1] = {(const char *)hash};
    int lens[1] = {TOKENS_HASH_BYTES};
    int bin[1] = {1};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    if (!tokens_hash(CLINIC_TOKEN_PREFIX, token, hash)) {
        return lw_error_set(err, LW_ERR_NOT_FOUND, "not a current clinic token");
    }
    rc = db_query(db, "checking the token",
                  "SELECT c.id, c.name, coalesce(c.webhook_url, ''), coalesce(c.email, ''),"
                  " coalesce(c.region, ''), " ISO_TIME("c.created_at") ","
                  " encode(c.token_hash, 'hex') FROM clinics c WHERE c.token_hash = $1",
                  1, v, lens, bin, &res, NULL, err);
    if (rc != LW_OK) {
        return rc;
    }
    if (PQntuples(res) != 1) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "not a current clinic token");
        goto out;
    }
    db_text(res, 0, 6, hex, sizeof(hex));
    if (!tokens_match(hex, hash)) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "not a current clinic token");
        goto out;
    }
    rc = fill_clinic(res, 0, out, err);
out:
    db_result_free(res);
    return rc;
}

/* ---- the rate bucket ---- */

/* $1 clinic, $2 per hour, $3 burst, $4 n. avail: the bucket refilled to now. */
static const char take_sql[] =
    "WITH cur AS ("
    " SELECT id, least($3::float8, coalesce(oprf_tokens, $3::float8) + $2::float8 / 3600.0"
    "  * greatest(0, extract(epoch FROM now() - coalesce(oprf_tokens_at, now()))))::float8"
    "  AS avail FROM clinics WHERE id = $1::bigint FOR UPDATE)"
    " UPDATE clinics c SET"
    "  oprf_tokens = CASE WHEN cur.avail >= $4::float8 THEN cur.avail - $4::float8"
    "   ELSE cur.avail END,"
    "  oprf_tokens_at = now(),"
    "  oprf_evaluations = c.oprf_evaluations"
    "   + CASE WHEN cur.avail >= $4::float8 THEN $4::bigint ELSE 0 END"
    " FROM cur WHERE c.id = cur.id"
    " RETURNING cur.avail >= $4::float8,"
    "  CASE WHEN $2::float8 <= 0 THEN 31536000::bigint"
    "   ELSE least(31536000, greatest(1, ceil((least($4::float8, $3::float8) - cur.avail)"
    "    * 3600.0 / $2::float8)))::bigint END";

enum lw_rc
clinics_oprf_take(struct db *db, int64_t clinic_id, uint32_t n, const struct clinics_rate *rate,
                  bool *allowed, uint32_t *retry_after, struct lw_error *err)
{
    char id[24], per[40], burst[40], num[16];
    const char *v[4] = {id, per, burst, num};
    struct pg_result *res = NULL;
    int64_t wait = 0;
    enum lw_rc rc;

    *allowed = false;
    *retry_after = 0;
    snprintf(id, sizeof(id), "%lld", (long long)clinic_id);
    snprintf(per, sizeof(per), "%.17g", rate->per_hour);
    snprintf(burst, sizeof(burst), "%.17g", rate->burst);
    snprintf(num, sizeof(num), "%u", n);
    rc = query(db, "taking from the evaluation budget", take_sql, 4, v, &res, err);
    if (rc != LW_OK) {
        return rc;
    }
    if (PQntuples(res) != 1) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic with id %lld", (long long)clinic_id);
    } else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
        *allowed = true;
    } else if (db_i64(res, 0, 1, 1, UINT32_MAX, &wait)) {
        *retry_after = (uint32_t)wait;
    } else {
        rc = lw_error_set(err, LW_ERR_DB, "taking from the evaluation budget: a wait leakwatch "
                          "cannot read");
    }
    db_result_free(res);
    return rc;
}

/* ---- keywords ---- */

/* Fold word into folded (FOLDED_MAX + 1 bytes); LW_ERR_INVALID naming its index when unusable. */
static enum lw_rc
fold_word(const char *word, size_t i, char folded[FOLDED_MAX + 1], struct lw_error *err)
{
    struct lw_slice in = lw_slice_cstr(word);
    size_t n;

    if (in.len == 0 || in.len > KEYWORD_MAX) {
        return lw_error_set(err, LW_ERR_INVALID, "keyword %zu: 1 to %d bytes", i + 1,
                            KEYWORD_MAX);
    }
    for (struct lw_slice s = in; s.len > 0;) {
        unsigned cp = 0;
        size_t k = lw_utf8_decode(s, &cp);

        if (k == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            return lw_error_set(err, LW_ERR_INVALID, "keyword %zu: UTF-8 text without control "
                                "characters", i + 1);
        }
        s.p += k;
        s.len -= k;
    }
    n = lw_fold(in, folded, FOLDED_MAX + 1);
    if (n == 0 || n == (size_t)-1) {
        return lw_error_set(err, LW_ERR_INVALID, "keyword %zu: needs a letter or a digit", i + 1);
    }
    return LW_OK;
}

/* Does clinic id exist? LW_ERR_NOT_FOUND if not. */
static enum lw_rc
clinic_exists(struct db *db, const char *id, struct lw_error *err)
{
    char got[32];
    const char *v[1] = {id};
    enum lw_rc rc = db_query1(db, "reading the clinic", "SELECT id FROM clinics WHERE id = $1 "
                              "FOR SHARE", 1, v, NULL, NULL, got, sizeof(got), err);

    if (rc == LW_OK && got[0] == '\0') {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no clinic with id %s", id);
    }
    return rc;
}

/* Insert (add) or delete (!add) each word by folded form inside one transaction; *count gets
 * the rows changed. */
static enum lw_rc
keywords_apply(struct db *db, int64_t clinic_id, const char *const *words, size_t n, bool add,
               uint64_t *count, struct lw_error *err)
{
    char id[24], folded[FOLDED_MAX + 1];
    struct pg_result *res = NULL;
    enum lw_rc rc = LW_OK;

    *count = 0;
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        rc = fold_word(words[i], i, folded, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    snprintf(id, sizeof(id), "%lld", (long long)clinic_id);
    rc = db_begin(db, err);
    if (rc == LW_OK) {
        rc = clinic_exists(db, id, err);
    }
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        const char *v[3] = {id, folded, words[i]};

        (void)fold_word(words[i], i, folded, err);
        rc = db_query(db, add ? "adding keywords" : "removing keywords",
                      add ? "INSERT INTO watch_keywords (clinic_id, folded, word) VALUES ($1, $2, "
                            "$3) ON CONFLICT (clinic_id, folded) DO NOTHING"
                          : "DELETE FROM watch_keywords WHERE clinic_id = $1 AND folded = $2",
                      add ? 3 : 2, v, NULL, NULL, &res, NULL, err);
        if (rc == LW_OK) {
            *count += db_rows(res);
        }
        db_result_free(res);
        res = NULL;
    }
    if (rc == LW_OK) {
        rc = db_commit(db, err);
    } else {
        db_rollback(db);
    }
    if (rc != LW_OK) {
        *count = 0;
    }
    return rc;
}

enum lw_rc
clinics_keywords_add(struct db *db, int64_t clinic_id, const char *const *words, size_t n,
                     uint64_t *added, struct lw_error *err)
{
    return keywords_apply(db, clinic_id, words, n, true, added, err);
}

enum lw_rc
clinics_keywords_remove(struct db *db, int64_t clinic_id, const char *const *words, size_t n,
                        uint64_t *removed, struct lw_error *err)
{
    return keywords_apply(db, clinic_id, words, n, false, removed, err);
}

enum lw_rc
clinics_keywords_each(struct db *db, int64_t clinic_id, clinics_keyword_fn fn, void *user,
                      struct lw_error *err)
{
    char id[24], word[KEYWORD_MAX + 1];
    const char *v[1] = {id};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    snprintf(id, sizeof(id), "%lld", (long long)clinic_id);
    rc = query(db, "reading the keywords",
               "SELECT id, clinic_id, word FROM watch_keywords"
               " WHERE $1::bigint = 0 OR clinic_id = $1::bigint ORDER BY id", 1, v, &res, err);
    for (int i = 0; rc == LW_OK && i < PQntuples(res); i++) {
        int64_t kid = 0, cid = 0;

        if (!db_i64(res, i, 0, 1, INT64_MAX, &kid) || !db_i64(res, i, 1, 1, INT64_MAX, &cid)) {
            rc = lw_error_set(err, LW_ERR_DB, "reading the keywords: an id leakwatch cannot read");
            break;
        }
        db_text(res, i, 2, word, sizeof(word));
        if (fn(user, kid, cid, word) != 0) {
            break;
        }
    }
    db_result_free(res);
    return rc;
}
