/*
 * tests/unit/storage/pg_test.h — what the storage tests that need a real PostgreSQL share: a fresh
 * database per test (made the target of db_connect() through PGDATABASE), a one-value query, and
 * dropping the databases at the end. make check runs them inside tests/pg/with-cluster.
 */
#ifndef LW_TESTS_UNIT_STORAGE_PG_TEST_H
#define LW_TESTS_UNIT_STORAGE_PG_TEST_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage/db.h"
#include "storage/migrate.h"
#include "tests/unit/lw_test.h"

static int pg_test_dbn;
static char pg_test_admin[128];
static const char *pg_test_prefix = "lw_test";

/* A fresh database lw_<prefix>_<pid>_<n>, migrated when migrate, now PGDATABASE. */
__attribute__((unused)) static struct db *
pg_test_db(bool migrate)
{
    char name[96], sql[192];
    struct lw_error err = {0};
    struct db *db = NULL;

    if (pg_test_admin[0] == '\0') {
        const char *d = getenv("PGDATABASE");

        snprintf(pg_test_admin, sizeof(pg_test_admin), "%s", d != NULL ? d : "leakwatch");
    }
    snprintf(name, sizeof(name), "%s_%d_%d", pg_test_prefix, (int)getpid(), pg_test_dbn++);
    setenv("PGDATABASE", pg_test_admin, 1);
    if (db_connect(&db, &err) != LW_OK) {
        fprintf(stderr, "cannot connect: %s\n", err.msg);
        return NULL;
    }
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
    db_exec(db, "drop", sql, &err);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    CHECK(db_exec(db, "create", sql, &err) == LW_OK);
    db_close(db);
    setenv("PGDATABASE", name, 1);
    db = NULL;
    CHECK(db_connect(&db, &err) == LW_OK);
    if (db != NULL && migrate && migrate_run(db, NULL, &err) != LW_OK) {
        fprintf(stderr, "migrate: %s\n", err.msg);
        CHECK(0);
    }
    return db;
}

/* The first column of the first row of sql as text: "" when no row, "ERROR" when it failed. */
__attribute__((unused)) static const char *
pg_test_q1(struct db *db, const char *sql)
{
    static char out[4096];
    struct pg_result *res = NULL;
    struct lw_error err = {0};

    snprintf(out, sizeof(out), "ERROR");
    if (db_query(db, "q1", sql, 0, NULL, NULL, NULL, &res, NULL, &err) != LW_OK) {
        fprintf(stderr, "query failed: %s\n", err.msg);
        return out;
    }
    out[0] = '\0';
    if (PQntuples(res) > 0) {
        snprintf(out, sizeof(out), "%s", PQgetvalue(res, 0, 0));
    }
    db_result_free(res);
    return out;
}

/* Drop every database pg_test_db() made in this process. */
__attribute__((unused)) static void
pg_test_cleanup(void)
{
    struct lw_error err = {0};
    struct db *db = NULL;
    char sql[192];

    setenv("PGDATABASE", pg_test_admin[0] != '\0' ? pg_test_admin : "leakwatch", 1);
    if (db_connect(&db, &err) != LW_OK) {
        return;
    }
    for (int i = 0; i < pg_test_dbn; i++) {
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s_%d_%d", pg_test_prefix,
                 (int)getpid(), i);
        db_exec(db, "drop", sql, &err);
    }
    db_close(db);
}

#endif
