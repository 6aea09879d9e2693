/*
 * storage/db.c — connecting to PostgreSQL and running statements (see db.h for the contract).
 *
 * The target is resolved once, in order: LEAKWATCH_DB; the libpq environment; the project-local
 * cluster's socket; libpq's defaults. libpq reads PG* variables itself, so in the second and last
 * cases the conninfo passed is empty and only the description differs. Connections are synchronous:
 * leakwatch's database work is a handful of statements and one COPY per document, and the costly
 * part (OPRF) runs on worker threads meanwhile — an async connection would buy nothing here.
 *
 * Server notices (a NOTICE from a migration, say) go to the debug log, not to stderr.
 */
#include "storage/db.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/num.h"
#include "common/slice.h"

struct db {
    PGconn *conn;
    char target[PATH_MAX + 128];
};

static const char *const pg_env[] = {
    "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE", NULL,
};

static bool
pg_env_set(void)
{
    for (size_t i = 0; pg_env[i] != NULL; i++) {
        const char *v = getenv(pg_env[i]);

        if (v != NULL && v[0] != '\0') {
            return true;
        }
    }
    return false;
}

/* The project-local cluster's socket directory, absolute, if its socket exists. */
static bool
local_socket(char *dir, size_t cap)
{
    char cwd[PATH_MAX];
    char sock[PATH_MAX + 64];
    struct stat st;
    int n;

    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        return false;
    }
    n = snprintf(dir, cap, "%s/%s", cwd, DB_LOCAL_SOCKET_DIR);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    n = snprintf(sock, sizeof(sock), "%s/.s.PGSQL.5432", dir);
    return n > 0 && (size_t)n < sizeof(sock) && stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
on_notice(void *arg, const char *message)
{
    size_t n = strlen(message);

    (void)arg;
    lw_debug("db", "server: %.*s", (int)(n > 0 && message[n - 1] == '\n' ? n - 1 : n), message);
}

/* Describe where we connected (or tried to), from libpq's view of the connection. */
static void
describe(struct db *db, const char *how)
{
    const char *host = PQhost(db->conn);
    const char *name = PQdb(db->conn);
    const char *user = PQuser(db->conn);

    snprintf(db->target, sizeof(db->target), "database %s as %s on %s%s port %s (%s)",
             name != NULL ? name : "?", user != NULL ? user : "?",
             host != NULL && host[0] == '/' ? "socket " : "", host != NULL ? host : "?",
             PQport(db->conn) != NULL ? PQport(db->conn) : "?", how);
}

static enum lw_rc
check_version(struct db *db, struct lw_error *err)
{
    int v = PQserverVersion(db->conn);

    if (v < DB_MIN_SERVER_VERSION) {
        return lw_error_set(err, LW_ERR_DB, "%s: PostgreSQL %d.%d is too old; leakwatch needs 13 "
                            "or newer", db->target, v / 10000, v % 10000);
    }
    return LW_OK;
}

enum lw_rc
db_connect(struct db **out, struct lw_error *err)
{
    const char *env = getenv("LEAKWATCH_DB");
    char local[PATH_MAX];
    char conninfo[PATH_MAX + 64];
    const char *how = "libpq defaults";
    struct db *db;
    enum lw_rc rc;

    *out = NULL;
    conninfo[0] = '\0';
    if (env != NULL && env[0] != '\0') {
        how = "LEAKWATCH_DB";
    } else if (pg_env_set()) {
        how = "PG* environment";
    } else if (local_socket(local, sizeof(local))) {
        how = "the project-local cluster";
        snprintf(conninfo, sizeof(conninfo), "host='%s' dbname=leakwatch user=leakwatch", local);
    }
    db = lw_xcalloc(1, sizeof(*db));
    db->conn = PQconnectdb(env != NULL && env[0] != '\0' ? env : conninfo);
    describe(db, how);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(db->conn);
        size_t n = strlen(msg);

        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
            n--;
        }
        rc = lw_error_set(err, LW_ERR_DB, "cannot connect to %s: %.*s", db->target, (int)n, msg);
        db_close(db);
        return rc;
    }
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    rc = check_version(db, err);
    if (rc != LW_OK) {
        db_close(db);
        return rc;
    }
    lw_debug("db", "connected to %s, server %d", db->target, PQserverVersion(db->conn));
    *out = db;
    return LW_OK;
}

void
db_close(struct db *db)
{
    if (db == NULL) {
        return;
    }
    PQfinish(db->conn);
    free(db);
}

const char *
db_target(const struct db *db)
{
    return db->target;
}

int
db_server_version(const struct db *db)
{
    return PQserverVersion(db->conn);
}

struct pg_conn *
db_conn(struct db *db)
{
    return db->conn;
}

/* libpq's message up to its first line end (the rest is statement context, logged at debug). */
static size_t
first_line(const char *msg)
{
    const char *nl = strchr(msg, '\n');
    size_t n = nl != NULL ? (size_t)(nl - msg) : strlen(msg);

    while (n > 0 && msg[n - 1] == ' ') {
        n--;
    }
    return n;
}

enum lw_rc
db_error(struct db *db, const char *what, struct lw_error *err)
{
    const char *msg = PQerrorMessage(db->conn);
    size_t n = first_line(msg);

    lw_debug("db", "%s: %s", what, msg);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        return lw_error_set(err, LW_ERR_DB, "%s: lost the connection to %s: %.*s", what,
                            db->target, (int)n, msg);
    }
    return lw_error_set(err, LW_ERR_DB, "%s: %.*s", what, (int)n, msg);
}

enum lw_rc
db_query(struct db *db, const char *what, const char *sql, int nparams, const char *const *values,
         const int *lens, const int *binary, struct pg_result **res, char sqlstate[6],
         struct lw_error *err)
{
    PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, values, lens, binary, 0);
    ExecStatusType st = PQresultStatus(r);
    enum lw_rc rc;

    if (sqlstate != NULL) {
        sqlstate[0] = '\0';
    }
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        *res = r;
        return LW_OK;
    }
    *res = NULL;
    if (sqlstate != NULL && r != NULL) {
        const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);

        if (s != NULL && strlen(s) == 5) {
            memcpy(sqlstate, s, 6);
        }
    }
    rc = db_error(db, what, err);
    PQclear(r);
    return rc;
}

enum lw_rc
db_exec(struct db *db, const char *what, const char *sql, struct lw_error *err)
{
    PGresult *r = PQexec(db->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    enum lw_rc rc = LW_OK;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = db_error(db, what, err);
    }
    PQclear(r);
    return rc;
}

void
db_result_free(struct pg_result *res)
{
    PQclear(res);
}

enum lw_rc
db_query1(struct db *db, const char *what, const char *sql, int nparams, const char *const *values,
          const int *lens, const int *binary, char *out, size_t cap, struct lw_error *err)
{
    struct pg_result *res = NULL;
    enum lw_rc rc = db_query(db, what, sql, nparams, values, lens, binary, &res, NULL, err);

    out[0] = '\0';
    if (rc == LW_OK && PQntuples(res) > 0) {
        db_text(res, 0, 0, out, cap);
    }
    db_result_free(res);
    return rc;
}

void
db_text(const struct pg_result *res, int row, int col, char *out, size_t cap)
{
    snprintf(out, cap, "%s", PQgetvalue(res, row, col));
}

uint64_t
db_rows(struct pg_result *res)
{
    uint64_t n = 0;

    return lw_parse_u64(lw_slice_cstr(PQcmdTuples(res)), 0, UINT64_MAX, &n) == LW_OK ? n : 0;
}

bool
db_i64(const struct pg_result *res, int row, int col, int64_t min, int64_t max, int64_t *out)
{
    return !PQgetisnull(res, row, col) &&
           lw_parse_i64(lw_slice_cstr(PQgetvalue(res, row, col)), min, max, out) == LW_OK;
}

enum lw_rc
db_begin(struct db *db, struct lw_error *err)
{
    return db_exec(db, "starting a transaction", "BEGIN", err);
}

enum lw_rc
db_commit(struct db *db, struct lw_error *err)
{
    return db_exec(db, "committing", "COMMIT", err);
}

void
db_rollback(struct db *db)
{
    if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(db->conn, "ROLLBACK"));
    }
}
