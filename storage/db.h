/*
 * storage/db.h — the connection to PostgreSQL: where to connect, checking the server, running
 * statements, turning libpq failures into leakwatch errors.
 *
 * Where: LEAKWATCH_DB (a conninfo string or postgresql:// URI) when set; else the libpq environment
 * (PGHOST, PGDATABASE, PGSERVICE, …) when any of it is set; else the project-local cluster that
 * scripts/quickstart starts (var/pg/run under the current directory, database and user
 * leakwatch) when its socket exists; else libpq's own defaults. Whatever is used, messages name it without a password.
 *
 * Errors: a server that cannot be reached, refuses the login, or goes away mid-run is LW_ERR_DB
 * (exit 4); a server older than 13 is LW_ERR_DB too. A statement that fails on a healthy
 * connection is LW_ERR_DB with the server's message — which for leakwatch's statements holds no
 * plaintext (parameters are hashes and counts).
 */
#ifndef LW_STORAGE_DB_H
#define LW_STORAGE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define DB_MIN_SERVER_VERSION 130000
#define DB_LOCAL_SOCKET_DIR "var/pg/run"

struct db;
struct pg_conn;   /* libpq's PGconn */
struct pg_result; /* libpq's PGresult */

/* Connect and check the server version. LW_ERR_DB with err naming the target and libpq's reason. */
enum lw_rc db_connect(struct db **out, struct lw_error *err);

/* Close and free. NULL-safe. */
void db_close(struct db *db);

/* The target, for messages: "database leakwatch via socket /x/var/pg/run (LEAKWATCH_DB)". Static
 * for the lifetime of db. Never contains a password. */
const char *db_target(const struct db *db);

/* Server version as PQserverVersion reports it (150018 for 15.18). */
int db_server_version(const struct db *db);

/* The libpq connection, for storage modules. */
struct pg_conn *db_conn(struct db *db);

/*
 * Run sql (one or more statements, no parameters) and expect it to succeed. LW_ERR_DB with the
 * server's message prefixed by what (a short description: "creating the tables") on failure; on a
 * lost connection the message says so.
 */
enum lw_rc db_exec(struct db *db, const char *what, const char *sql, struct lw_error *err);

/*
 * Run one statement with text parameters (NULL for SQL NULL; binary when lens/bin say so) and
 * return its result in *res (PGRES_COMMAND_OK or PGRES_TUPLES_OK), to be freed with db_result_free.
 * On failure *res is NULL and *sqlstate (when not NULL) holds the five-character SQLSTATE ("" if
 * none) so callers can tell a unique violation (23505) from a real failure.
 */
enum lw_rc db_query(struct db *db, const char *what, const char *sql, int nparams,
                    const char *const *values, const int *lens, const int *binary,
                    struct pg_result **res, char sqlstate[6], struct lw_error *err);

void db_result_free(struct pg_result *res);
/* db_query, then the first column of the first row into out (cut to fit, NUL-terminated; "" when
 * there is no row or it is NULL). The result is freed here. */
enum lw_rc db_query1(struct db *db, const char *what, const char *sql, int nparams,
                     const char *const *values, const int *lens, const int *binary, char *out,
                     size_t cap, struct lw_error *err);

/* A result's text value at (row, col) into out (cut to fit, NUL-terminated; "" for NULL). */
void db_text(const struct pg_result *res, int row, int col, char *out, size_t cap);

/* A result's value at (row, col) as a number in [min, max], through the project's one number
 * parser. false for NULL, text that is not a number, or one out of range. */
bool db_i64(const struct pg_result *res, int row, int col, int64_t min, int64_t max, int64_t *out);

/* The rows a finished INSERT/UPDATE/COPY affected (PQcmdTuples); 0 when it says none. */
uint64_t db_rows(struct pg_result *res);

/* BEGIN / COMMIT / ROLLBACK. db_rollback never fails loudly (used on error paths). */
enum lw_rc db_begin(struct db *db, struct lw_error *err);
enum lw_rc db_commit(struct db *db, struct lw_error *err);
void db_rollback(struct db *db);

/* Fill err from the connection's state after a libpq call failed: LW_ERR_DB, "what: reason". */
enum lw_rc db_error(struct db *db, const char *what, struct lw_error *err);

#endif
