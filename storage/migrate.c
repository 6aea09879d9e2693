/*
 * storage/migrate.c — applying the embedded migrations (see migrate.h).
 *
 * Algorithm: take the session advisory lock MIGRATE_LOCK_KEY (blocking: a concurrent migrate waits,
 * then finds nothing left to do); create schema_version if missing; read the version; apply each
 * newer migration in its own transaction together with its schema_version row; run grants.sql;
 * release the lock. A migration that fails rolls back alone, leaving the schema at the last good
 * version, and the error names it.
 *
 * Rejected: one transaction for all pending migrations. It would make a partial upgrade impossible,
 * but a long migration chain would then hold locks on everything for its whole duration, and a
 * failure late in the chain would throw away the work of the ones that succeeded.
 */
#include "storage/migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define STR2(x) #x
#define STR(x) STR2(x)

static const char create_version_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

int
migrate_latest(void)
{
    return (int)migrate_count;
}

/* The highest applied version; 0 when schema_version is missing or empty. */
static enum lw_rc
read_version(struct db *db, int *version, struct lw_error *err)
{
    struct pg_result *res = NULL;
    enum lw_rc rc;
    int64_t v = 0;
    bool ok;

    *version = 0;
    rc = db_query(db, "reading the schema version",
                  "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN -1 ELSE 0 END",
                  0, NULL, NULL, NULL, &res, NULL, err);
    if (rc != LW_OK) {
        return rc;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "-1") == 0) {
        db_result_free(res);
        return LW_OK;
    }
    db_result_free(res);
    rc = db_query(db, "reading the schema version",
                  "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL, NULL, NULL, &res,
                  NULL, err);
    if (rc != LW_OK) {
        return rc;
    }
    ok = db_i64(res, 0, 0, 0, 1000000, &v);
    db_result_free(res);
    if (!ok) {
        return lw_error_set(err, LW_ERR_DB, "schema_version holds a version leakwatch cannot read");
    }
    *version = (int)v;
    return LW_OK;
}

enum lw_rc
migrate_current(struct db *db, int *version, struct lw_error *err)
{
    return read_version(db, version, err);
}

static enum lw_rc
apply(struct db *db, const struct migration *m, struct lw_error *err)
{
    char what[128];
    char num[16];
    const char *params[2];
    struct pg_result *res = NULL;
    enum lw_rc rc;

    snprintf(what, sizeof(what), "migration %04d_%s", m->version, m->name);
    snprintf(num, sizeof(num), "%d", m->version);
    rc = db_begin(db, err);
    if (rc == LW_OK) {
        rc = db_exec(db, what, m->sql, err);
    }
    if (rc == LW_OK) {
        params[0] = num;
        params[1] = m->name;
        rc = db_query(db, what, "INSERT INTO schema_version (version, name) VALUES ($1, $2)", 2,
                      params, NULL, NULL, &res, NULL, err);
        db_result_free(res);
    }
    if (rc == LW_OK) {
        rc = db_commit(db, err);
    }
    if (rc != LW_OK) {
        db_rollback(db);
        return rc;
    }
    lw_info("db", "applied %s", what);
    return LW_OK;
}

static enum lw_rc
locked_run(struct db *db, struct migrate_result *r, struct lw_error *err)
{
    enum lw_rc rc = db_exec(db, "creating schema_version", create_version_sql, err);

    if (rc == LW_OK) {
        rc = read_version(db, &r->from, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    r->to = r->from;
    if (r->from > migrate_latest()) {
        return lw_error_set(err, LW_ERR_CONFIG, "the database is at schema version %d, newer than "
                            "this leakwatch (%d): upgrade leakwatch", r->from, migrate_latest());
    }
    for (size_t i = (size_t)r->from; i < migrate_count; i++) {
        rc = apply(db, &migrate_migrations[i], err);
        if (rc != LW_OK) {
            return rc;
        }
        r->to = migrate_migrations[i].version;
    }
    return db_exec(db, "granting privileges to the leakwatch roles", migrate_grants_sql, err);
}

enum lw_rc
migrate_run(struct db *db, struct migrate_result *res, struct lw_error *err)
{
    struct migrate_result r = {0, 0};
    struct lw_error unlock_err = {0};
    enum lw_rc rc;

    rc = db_exec(db, "waiting for the migration lock",
                 "SELECT pg_advisory_lock(" STR(MIGRATE_LOCK_KEY) ")", err);
    if (rc != LW_OK) {
        return rc;
    }
    rc = locked_run(db, &r, err);
    if (db_exec(db, "releasing the migration lock",
                "SELECT pg_advisory_unlock(" STR(MIGRATE_LOCK_KEY) ")", &unlock_err) != LW_OK &&
        rc == LW_OK) {
        *err = unlock_err;
        rc = unlock_err.rc;
    }
    if (res != NULL) {
        *res = r;
    }
    return rc;
}

enum lw_rc
migrate_require(struct db *db, struct lw_error *err)
{
    int v = 0;
    enum lw_rc rc = read_version(db, &v, err);

    if (rc != LW_OK) {
        return rc;
    }
    if (v < migrate_latest()) {
        return lw_error_set(err, LW_ERR_CONFIG, "%s is at schema version %d, this leakwatch needs "
                            "%d: run 'leakwatch db migrate'", db_target(db), v, migrate_latest());
    }
    if (v > migrate_latest()) {
        return lw_error_set(err, LW_ERR_CONFIG, "%s is at schema version %d, newer than this "
                            "leakwatch (%d): upgrade leakwatch", db_target(db), v,
                            migrate_latest());
    }
    return LW_OK;
}
