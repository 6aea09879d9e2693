/*
 * storage/researchers.h — the researchers: who may read the suppressed statistics over the API
 * (GET /v1/stats), each with a bearer token (the researchers table of migration 0004_stats.sql).
 *
 * Tokens: "lwr_" followed by 43 base64url characters (32 random bytes), printed once by
 * researchers_add() / researchers_rotate_token() and stored only as BLAKE2b-256(token) in
 * researchers.token_hash, exactly as clinic tokens (storage/clinics.h) — a different prefix so
 * neither kind of token is ever mistaken for the other, by leakwatch or by a person.
 */
#ifndef LW_STORAGE_RESEARCHERS_H
#define LW_STORAGE_RESEARCHERS_H

#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"

#define RESEARCHER_NAME_MAX 100
#define RESEARCHER_TOKEN_PREFIX "lwr_"
#define RESEARCHER_TOKEN_LEN 47 /* "lwr_" + 43 */

struct researcher {
    int64_t id;
    char name[RESEARCHER_NAME_MAX + 1];
    char created_at[40]; /* ISO 8601 UTC, "2026-11-29T05:01:02Z" */
};

/*
 * Add a researcher and write its new API token (NUL-terminated) to token. LW_ERR_INVALID for a bad
 * name ("name: why"; the clinics' rule: 1-100 of A-Z a-z 0-9 . _ -, starting with a letter or
 * digit), LW_ERR_EXISTS if the name is taken, LW_ERR_DB otherwise. token is wiped on failure.
 */
enum lw_rc researchers_add(struct db *db, const char *name, char token[RESEARCHER_TOKEN_LEN + 1],
                           struct lw_error *err);

/* Remove a researcher; its token stops working at once. LW_ERR_NOT_FOUND if there is none. */
enum lw_rc researchers_remove(struct db *db, const char *name, struct lw_error *err);

/* A new token for the researcher; the old one stops working at once. LW_ERR_NOT_FOUND. */
enum lw_rc researchers_rotate_token(struct db *db, const char *name,
                                    char token[RESEARCHER_TOKEN_LEN + 1], struct lw_error *err);

/* Every researcher by name; stop early when fn returns non-zero. LW_ERR_DB. */
typedef int (*researchers_each_fn)(void *user, const struct researcher *r);
enum lw_rc researchers_list(struct db *db, researchers_each_fn fn, void *user,
                            struct lw_error *err);

/*
 * The researcher a bearer token belongs to. LW_ERR_NOT_FOUND for any token that is not a current
 * researcher token, malformed ones and clinic tokens included (no query is made for a token of the
 * wrong shape); LW_ERR_DB.
 */
enum lw_rc researchers_authenticate(struct db *db, const char *token, struct researcher *out,
                                    struct lw_error *err);

#endif
