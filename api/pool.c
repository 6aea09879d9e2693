/*
 * api/pool.c — the API's connection pool: a stack of idle connections under a mutex, a condition
 * variable for takers when every connection is out.
 *
 * Liveness: before an idle connection is handed out, PQconsumeInput reads whatever the server sent
 * meanwhile without blocking — a restarted server's "terminating connection" and EOF turn the
 * connection's status bad, and it is closed instead of failing the request. The alternative
 * rejected: a `SELECT 1` before every request, a round trip each time for what one read detects.
 * A connection that dies in use fails its request (503) and is replaced by the next take.
 */
#include "api/pool.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/alloc.h"

struct slot {
    struct db *db;
};

struct api_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slot *idle;
    size_t nidle;
    size_t out; /* taken, or being connected */
    size_t max;
};

struct api_pool *
api_pool_new(size_t max)
{
    struct api_pool *p = lw_xcalloc(1, sizeof(*p));

    p->max = max > 0 ? max : 1;
    p->idle = lw_xcalloc(p->max, sizeof(*p->idle));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return p;
}

void
api_pool_free(struct api_pool *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->nidle; i++) {
        db_close(p->idle[i].db);
    }
    free(p->idle);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static bool
alive(struct db *db)
{
    PGconn *c = (PGconn *)db_conn(db);

    return PQconsumeInput(c) == 1 && PQstatus(c) == CONNECTION_OK &&
           PQtransactionStatus(c) == PQTRANS_IDLE;
}

enum lw_rc
api_pool_take(struct api_pool *p, struct db **db, bool *reused, struct lw_error *err)
{
    enum lw_rc rc;

    *db = NULL;
    *reused = false;
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0 && p->out >= p->max) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    while (p->nidle > 0) {
        struct db *c = p->idle[--p->nidle].db;

        if (alive(c)) {
            p->out++;
            pthread_mutex_unlock(&p->mu);
            *db = c;
            *reused = true;
            return LW_OK;
        }
        db_close(c);
    }
    p->out++;
    pthread_mutex_unlock(&p->mu);
    rc = db_connect(db, err); /* outside the lock: it may take a while */
    if (rc != LW_OK) {
        pthread_mutex_lock(&p->mu);
        p->out--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

void
api_pool_give(struct api_pool *p, struct db *db, bool broken)
{
    if (db == NULL) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->out--;
    if (broken || p->nidle >= p->max) {
        db_close(db);
    } else {
        p->idle[p->nidle++].db = db;
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
