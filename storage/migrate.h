/*
 * storage/migrate.h — the schema as numbered migrations embedded in the binary
 * (storage/migrations/NNNN_name.sql, turned into C by scripts/embed-sql at build time).
 *
 * `leakwatch db migrate` applies the pending ones in order, each in its own transaction with its
 * schema_version row, under a session advisory lock so two migrations at once serialise (the second
 * finds nothing to do). Then grants.sql runs, so the app and research roles get privileges on
 * whatever exists. Every other command checks the version first and refuses a database that is
 * behind (run db migrate) or ahead (a newer leakwatch migrated it).
 */
#ifndef LW_STORAGE_MIGRATE_H
#define LW_STORAGE_MIGRATE_H

#include <stddef.h>

#include "common/error.h"
#include "storage/db.h"

struct migration {
    int version;
    const char *name;
    const char *sql;
};

/* The embedded migrations, version 1..migrate_count in order (generated). */
extern const struct migration migrate_migrations[];
extern const size_t migrate_count;
extern const char migrate_grants_sql[];

/* An arbitrary constant naming leakwatch's migration lock: "leakwatc" in ASCII, 0x6c65616b77617463,
 * written in decimal because it is pasted into SQL. */
#define MIGRATE_LOCK_KEY 7810756242936263779

struct migrate_result {
    int from, to; /* schema version before and after */
};

/* The version this binary brings. */
int migrate_latest(void);

/* Apply what is pending (see above). LW_ERR_DB when a migration fails (its transaction is rolled
 * back; those before it stay applied), LW_ERR_CONFIG when the database is newer than this binary. */
enum lw_rc migrate_run(struct db *db, struct migrate_result *res, struct lw_error *err);

/* The database's schema version (0 for an empty database). */
enum lw_rc migrate_current(struct db *db, int *version, struct lw_error *err);

/* LW_OK when the schema is exactly migrate_latest(); LW_ERR_CONFIG with what to do otherwise. */
enum lw_rc migrate_require(struct db *db, struct lw_error *err);

#endif
