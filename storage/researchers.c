/*
 * storage/researchers.c — researchers and their API tokens (see researchers.h).
 *
 * The token scheme is the clinics' (storage/clinics.c): 32 bytes from randombytes_buf written as
 * "lwr_" + base64url without padding, printed once; the database keeps BLAKE2b-256 of the token
 * string. A 256-bit secret needs no slow password hash, so authentication is one index probe on
 * the hash, and the hash read back is compared with sodium_memcmp. A presented token of any other
 * shape — a clinic's "lwc_" token among them — is refused without a query. The code is a copy of
 * the clinics' few token lines rather than a shared module: the two differ in prefix, table and
 * row, and a shared helper parameterised by all three would be longer than the copy.
 */
#include "storage/researchers.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "common/ascii.h"
#include "storage/tokens.h"
#include "storage/validate.h"


#define SELECT_RESEARCHERS                                                                         \
    "SELECT r.id, r.name, coalesce(to_char(r.created_at AT TIME ZONE 'UTC',"                       \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), encode(r.token_hash, 'hex') FROM researchers r"

enum lw_rc
researchers_add(struct db *db, const char *name, char token[RESEARCHER_TOKEN_LEN + 1],
                struct lw_error *err)
{
    uint8_t hash[TOKENS_HASH_BYTES];
    char id[32];
    const char *v[2] = {name, (const char *)hash};
    int lens[2] = {0, TOKENS_HASH_BYTES};
    int bin[2] = {0, 1};
    enum lw_rc rc = validate_name(name, RESEARCHER_NAME_MAX, err);

    token[0] = '\0';
    if (rc != LW_OK) {
        return rc;
    }
    tokens_new(RESEARCHER_TOKEN_PREFIX, token, hash);
    rc = db_query1(db, "adding the researcher",
                   "INSERT INTO researchers (name, token_hash) VALUES ($1, $2)"
                   " ON CONFLICT (name) DO NOTHING RETURNING id",
                   2, v, lens, bin, id, sizeof(id), err);
    if (rc == LW_OK && id[0] == '\0') {
        rc = lw_error_set(err, LW_ERR_EXISTS, "a researcher named %s exists", name);
    }
    if (rc != LW_OK) {
        sodium_memzero(token, RESEARCHER_TOKEN_LEN + 1);
    }
    return rc;
}

enum lw_rc
researchers_remove(struct db *db, const char *name, struct lw_error *err)
{
    char id[32];
    const char *v[1] = {name};
    enum lw_rc rc = db_query1(db, "removing the researcher",
                              "DELETE FROM researchers WHERE name = $1 RETURNING id", 1, v, NULL,
                              NULL, id, sizeof(id), err);

    if (rc == LW_OK && id[0] == '\0') {
        return lw_error_set(err, LW_ERR_NOT_FOUND, "no researcher named %s", name);
    }
    return rc;
}

enum lw_rc
researchers_rotate_token(struct db *db, const char *name, char token[RESEARCHER_TOKEN_LEN + 1],
                         struct lw_error *err)
{
    uint8_t hash[TOKENS_HASH_BYTES];
    char id[32];
    const char *v[2] = {name, (const char *)hash};
    int lens[2] = {0, TOKENS_HASH_BYTES};
    int bin[2] = {0, 1};
    enum lw_rc rc;

    tokens_new(RESEARCHER_TOKEN_PREFIX, token, hash);
    rc = db_query1(db, "rotating the researcher's token",
                   "UPDATE researchers SET token_hash = $2 WHERE name = $1 RETURNING id", 2, v,
                   lens, bin, id, sizeof(id), err);
    if (rc == LW_OK && id[0] == '\0') {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no researcher named %s", name);
    }
    if (rc != LW_OK) {
        sodium_memzero(token, RESEARCHER_TOKEN_LEN + 1);
    }
    return rc;
}

static enum lw_rc
fill(const struct pg_result *res, int row, struct researcher *r, struct lw_error *err)
{
    memset(r, 0, sizeof(*r));
    db_text(res, row, 1, r->name, sizeof(r->name));
    db_text(res, row, 2, r->created_at, sizeof(r->created_at));
    if (!db_i64(res, row, 0, 1, INT64_MAX, &r->id)) {
        return lw_error_set(err, LW_ERR_DB, "reading the researchers: an id leakwatch cannot "
                            "read");
    }
    return LW_OK;
}

enum lw_rc
researchers_list(struct db *db, researchers_each_fn fn, void *user, struct lw_error *err)
{
    struct pg_result *res = NULL;
    struct researcher r;
    enum lw_rc rc = db_query(db, "listing the researchers", SELECT_RESEARCHERS " ORDER BY r.name",
                             0, NULL, NULL, NULL, &res, NULL, err);

    for (int i = 0; rc == LW_OK && i < PQntuples(res); i++) {
        rc = fill(res, i, &r, err);
        if (rc == LW_OK && fn(user, &r) != 0) {
            break;
        }
    }
    db_result_free(res);
    return rc;
}

enum lw_rc
researchers_authenticate(struct db *db, const char *token, struct researcher *out,
                         struct lw_error *err)
{
    uint8_t hash[TOKENS_HASH_BYTES];
    char hex[2 * TOKENS_HASH_BYTES + 1];
    const char *v[1] = {(const char *)hash};
    int lens[1] = {TOKENS_HASH_BYTES};
    int bin[1] = {1};
    struct pg_result *res = NULL;
    enum lw_rc rc;

    if (!tokens_hash(RESEARCHER_TOKEN_PREFIX, token, hash)) {
        return lw_error_set(err, LW_ERR_NOT_FOUND, "not a current researcher token");
    }
    rc = db_query(db, "checking the token", SELECT_RESEARCHERS " WHERE r.token_hash = $1", 1, v,
                  lens, bin, &res, NULL, err);
    if (rc != LW_OK) {
        return rc;
    }
    if (PQntuples(res) != 1) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "not a current researcher token");
        goto out;
    }
    db_text(res, 0, 3, hex, sizeof(hex));
    if (!tokens_match(hex, hash)) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "not a current researcher token");
        goto out;
    }
    rc = fill(res, 0, out, err);
out:
    db_result_free(res);
    return rc;
}
