/*
 * cli/cmd_db.c — `leakwatch db migrate` and `leakwatch db status`.
 *
 * migrate applies the embedded migrations (storage/migrate.h): safe to run again (nothing to do)
 * and at the same time as another migrate (an advisory lock serialises them). status says where the
 * database is, its server version, schema version and how much is stored — counts only.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "cli/cli.h"
#include "common/log.h"
#include "storage/db.h"
#include "storage/migrate.h"

static void
db_help(void)
{
    printf("Usage: leakwatch db migrate\n"
           "       leakwatch db status\n\n"
           "  migrate   bring the schema up to date (version %d): create or upgrade the tables,\n"
           "            the leakwatch_app and leakwatch_research roles and their privileges.\n"
           "            Idempotent; two at once are serialised by an advisory lock. Run it as\n"
           "            the role that should own the tables.\n"
           "  status    the database used, server and schema versions, documents and hits stored\n\n"
           "Database: LEAKWATCH_DB (a conninfo string or postgresql:// URI), else the libpq\n"
           "environment (PGHOST, PGDATABASE, PGUSER, ...), else the project-local cluster under\n"
           "var/pg when it runs (scripts/quickstart starts it). PostgreSQL 13 or newer.\n\n"
           "Exit status: 0 ok, 2 usage error or a schema newer than this leakwatch, 4 database\n"
           "unavailable or a migration failed.\n",
           migrate_latest());
}

static enum lw_rc
run_migrate(struct db *db, struct lw_error *err)
{
    struct migrate_result r;
    enum lw_rc rc = migrate_run(db, &r, err);

    if (rc != LW_OK) {
        return rc;
    }
    if (r.from == r.to) {
        printf("schema is up to date (version %d) in %s\n", r.to, db_target(db));
    } else {
        printf("migrated %s from schema version %d to %d\n", db_target(db), r.from, r.to);
    }
    return LW_OK;
}

static enum lw_rc
run_status(struct db *db, struct lw_error *err)
{
    struct pg_result *res = NULL;
    int version = 0;
    int sv = db_server_version(db);
    enum lw_rc rc = migrate_current(db, &version, err);

    if (rc != LW_OK) {
        return rc;
    }
    printf("database:  %s\nserver:    PostgreSQL %d.%d\nschema:    version %d (this leakwatch: "
           "%d)%s\n",
           db_target(db), sv / 10000, sv % 10000, version, migrate_latest(),
           version < migrate_latest() ? " — run 'leakwatch db migrate'" : "");
    if (version < 1) {
        return LW_OK;
    }
    rc = db_query(db, "counting",
                  "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM hits), "
                  "(SELECT count(DISTINCT hash) FROM hits), (SELECT count(*) FROM sources)",
                  0, NULL, NULL, NULL, &res, NULL, err);
    if (rc == LW_OK) {
        printf("stored:    %s documents, %s hits, %s distinct identifiers, %s sources\n",
               PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
               PQgetvalue(res, 0, 3));
    }
    db_result_free(res);
    return rc;
}

static enum lw_rc
db_run(int argc, char **argv, struct lw_error *err)
{
    struct db *db = NULL;
    const char *sub = argc > 1 ? argv[1] : NULL;
    enum lw_rc rc;

    if (sub == NULL) {
        return cli_usage_error(err, "db", "name a subcommand: migrate or status");
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        db_help();
        return LW_OK;
    }
    if (strcmp(sub, "migrate") != 0 && strcmp(sub, "status") != 0) {
        return cli_usage_error(err, "db", "unknown subcommand '%s' (migrate or status)", sub);
    }
    if (argc > 2) {
        if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
            db_help();
            return LW_OK;
        }
        return cli_usage_error(err, "db", "'db %s' takes no arguments", sub);
    }
    rc = db_connect(&db, err);
    if (rc == LW_OK) {
        rc = strcmp(sub, "migrate") == 0 ? run_migrate(db, err) : run_status(db, err);
    }
    db_close(db);
    return rc;
}

const struct cli_command cmd_db = {
    .name = "db",
    .summary = "create or upgrade the database schema (migrate); show it (status)",
    .run = db_run,
    .help = db_help,
};
