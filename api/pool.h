/*
 * api/pool.h — a small pool of PostgreSQL connections for the API's worker threads.
 *
 * A libpq connection must not be used by two threads at once, so each request takes one for
 * itself and gives it back. Connections are opened lazily, at most max at a time (the number of
 * requests that can be in flight: one per MHD worker thread); one that failed is closed and a new
 * one opened next time, so the server outlives a PostgreSQL restart.
 */
#ifndef LW_API_POOL_H
#define LW_API_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "storage/db.h"

struct api_pool;

/* A pool of at most max connections (max ≥ 1); nothing is connected yet. */
struct api_pool *api_pool_new(size_t max);

/* Close every idle connection and free. Every taken connection must have been given back. */
void api_pool_free(struct api_pool *p);

/*
 * A connection for the caller alone: an idle one that is still alive (one whose server went away
 * is dropped), else a new one (db_connect). Waits while max are taken. *reused says whether it had
 * served a request before. LW_ERR_DB when no connection can be made (err says why).
 */
enum lw_rc api_pool_take(struct api_pool *p, struct db **db, bool *reused, struct lw_error *err);

/* Give a taken connection back; broken (an LW_ERR_DB happened on it): close it instead. */
void api_pool_give(struct api_pool *p, struct db *db, bool broken);

#endif
