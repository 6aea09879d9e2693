/*
 * storage/evaluator.c — a persistent pool of worker threads running OPRF Evaluate over a batch.
 *
 * One mutex guards the pool's state; two condition variables carry its two events: `work` (a batch
 * with unclaimed items arrived, or stop) wakes workers, `done` (the last item of the batch
 * finished) wakes the submitter. Workers claim items from a shared next-index counter in chunks
 * of up to CHUNK_MAX (16) items, under the mutex, evaluate them without it, then take it again to
 * count them done. Claiming from one counter keeps the threads balanced whatever each item costs
 * and whatever else runs on the core; a chunk amortises the lock (16 evaluations are about 1 ms,
 * the lock about 100 ns). Small batches use smaller chunks so every worker gets a share. Nobody
 * spins: an idle worker sleeps on `work`, a waiting submitter on `done`.
 *
 * The submitting thread never evaluates: evaluator_submit() returns at once and the caller goes on
 * parsing the next batch while the workers run (double buffering), so a pool of one worker per
 * online CPU keeps every core busy without oversubscribing it. The batch is read outside the lock:
 * it is unchanged until evaluator_wait() returns, and that cannot happen before every claimed item
 * has been counted done under the lock, which also publishes the workers' writes to out[].
 *
 * The secret key is copied into sodium_malloc'ed memory and made read-only; the 64-byte Evaluate
 * outputs are wiped after use (only the first OPRF_HASH_BYTES are kept). Workers block the
 * asynchronous signals, so a SIGINT or SIGTERM handler runs on the caller's thread and interrupts
 * what it is doing there.
 *
 * Rejected: one thread per batch (creating threads for every few thousand items costs more than
 * the work they steal and churns stacks); static partitioning of a batch into equal slices (one
 * descheduled thread — common on a shared machine — holds up the whole batch); a lock-free queue
 * of items (a counter is all the queue a fixed array needs).
 */
#include "storage/evaluator.h"

#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"

#define THREADS_MAX 256
#define CHUNK_MAX 16
/* Claims per worker a small batch is cut into, at least, so that none idles while another works. */
#define CLAIMS_PER_WORKER 4

struct evaluator {
    uint8_t *sk;     /* OPRF_SCALAR_BYTES, sodium_malloc'ed, read-only */
    pthread_t *tids; /* nthreads entries, `started` of them running */
    unsigned nthreads, started;
    pthread_mutex_t mu;
    pthread_cond_t work; /* workers: unclaimed items, or stop */
    pthread_cond_t done; /* submitter: remaining reached 0 */
    /* Guarded by mu. */
    struct evaluator_batch *batch; /* submitted and not yet waited for, or NULL */
    size_t n, next, chunk;         /* items, first unclaimed item, items per claim */
    size_t remaining;              /* items not yet counted done */
    size_t err_index;              /* lowest failed item so far, or SIZE_MAX */
    enum lw_rc rc;                 /* its error */
    bool stop;
};

/* Evaluate items [first, first + count) of b; return the first that failed (SIZE_MAX if none)
 * with its code in *rc. A failed item's out[] is zeroed. */
static size_t
run_chunk(const uint8_t *sk, const struct evaluator_batch *b, size_t first, size_t count,
          enum lw_rc *rc)
{
    uint8_t full[OPRF_OUTPUT_BYTES];
    size_t bad = SIZE_MAX;

    for (size_t i = first; i < first + count; i++) {
        /* The contract's code for an over-long input; oprf_evaluate would say TOO_LARGE. */
        enum lw_rc r = b->len[i] > OPRF_INPUT_MAX ? LW_ERR_INVALID
                                                  : oprf_evaluate(sk, b->input[i], b->len[i], full);

        if (r == LW_OK) {
            memcpy(b->out[i], full, OPRF_HASH_BYTES);
            continue;
        }
        memset(b->out[i], 0, OPRF_HASH_BYTES);
        if (bad == SIZE_MAX) {
            bad = i;
            *rc = r;
        }
    }
    sodium_memzero(full, sizeof(full));
    return bad;
}

static void *
worker_main(void *arg)
{
    struct evaluator *ev = arg;

    pthread_mutex_lock(&ev->mu);
    for (;;) {
        const struct evaluator_batch *b;
        size_t first, count, bad;
        enum lw_rc rc = LW_OK;

        while (ev->next >= ev->n && !ev->stop) {
            pthread_cond_wait(&ev->work, &ev->mu);
        }
        if (ev->next >= ev->n) {
            break; /* stop, and nothing left to claim */
        }
        b = ev->batch;
        first = ev->next;
        count = ev->n - first < ev->chunk ? ev->n - first : ev->chunk;
        ev->next += count;
        pthread_mutex_unlock(&ev->mu);

        bad = run_chunk(ev->sk, b, first, count, &rc);

        pthread_mutex_lock(&ev->mu);
        if (bad < ev->err_index) {
            ev->err_index = bad;
            ev->rc = rc;
        }
        ev->remaining -= count;
        if (ev->remaining == 0) {
            pthread_cond_signal(&ev->done);
        }
    }
    pthread_mutex_unlock(&ev->mu);
    return NULL;
}

static unsigned
pool_size(unsigned threads)
{
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        threads = cpus < 1 ? 1 : cpus > THREADS_MAX ? THREADS_MAX : (unsigned)cpus;
    }
    return threads > THREADS_MAX ? THREADS_MAX : threads;
}

/* Start the workers with asynchronous signals blocked (they inherit the creator's mask); faults
 * stay deliverable so a crash in a worker still reports. Returns pthread_create's error or 0. */
static int
start_workers(struct evaluator *ev)
{
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
    sigset_t block, old;
    int rc = 0;

    sigfillset(&block);
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        sigdelset(&block, faults[i]);
    }
    pthread_sigmask(SIG_SETMASK, &block, &old);
    while (ev->started < ev->nthreads && rc == 0) {
        rc = pthread_create(&ev->tids[ev->started], NULL, worker_main, ev);
        if (rc == 0) {
            ev->started++;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

struct evaluator *
evaluator_new(const uint8_t sk[OPRF_SCALAR_BYTES], unsigned threads, struct lw_error *err)
{
    struct evaluator *ev;
    int rc;

    if (!oprf_secret_key_is_valid(sk)) {
        lw_error_set(err, LW_ERR_INVALID, "the OPRF secret key is not a valid scalar");
        return NULL;
    }
    ev = lw_xcalloc(1, sizeof(*ev));
    ev->sk = sodium_malloc(OPRF_SCALAR_BYTES);
    if (ev->sk == NULL) {
        abort(); /* out of locked memory: fatal, like every other allocation failure */
    }
    memcpy(ev->sk, sk, OPRF_SCALAR_BYTES);
    sodium_mprotect_readonly(ev->sk);
    /* With default attributes these fail only for lack of memory, which aborts everywhere. */
    if (pthread_mutex_init(&ev->mu, NULL) != 0 || pthread_cond_init(&ev->work, NULL) != 0 ||
        pthread_cond_init(&ev->done, NULL) != 0) {
        abort();
    }
    ev->nthreads = pool_size(threads);
    ev->tids = lw_xcalloc(ev->nthreads, sizeof(*ev->tids));
    rc = start_workers(ev);
    if (rc != 0) {
        lw_error_set(err, LW_ERR_INTERNAL, "cannot start worker thread %u of %u: %s",
                     ev->started + 1, ev->nthreads, strerror(rc));
        evaluator_free(ev); /* stops and joins the ones that did start */
        return NULL;
    }
    return ev;
}

unsigned
evaluator_threads(const struct evaluator *ev)
{
    return ev->nthreads;
}

void
evaluator_submit(struct evaluator *ev, struct evaluator_batch *b)
{
    size_t chunk;

    assert(b != NULL);
    assert(b->n == 0 || (b->input != NULL && b->len != NULL && b->out != NULL));
    chunk = b->n / ((size_t)ev->nthreads * CLAIMS_PER_WORKER);
    chunk = chunk < 1 ? 1 : chunk > CHUNK_MAX ? CHUNK_MAX : chunk;

    pthread_mutex_lock(&ev->mu);
    assert(ev->batch == NULL && "evaluator_submit before the previous batch's evaluator_wait");
    ev->batch = b;
    ev->n = b->n;
    ev->next = 0;
    ev->chunk = chunk;
    ev->remaining = b->n;
    ev->err_index = SIZE_MAX;
    ev->rc = LW_OK;
    if (b->n > 0) {
        pthread_cond_broadcast(&ev->work);
    }
    pthread_mutex_unlock(&ev->mu);
}

void
evaluator_wait(struct evaluator *ev)
{
    pthread_mutex_lock(&ev->mu);
    while (ev->batch != NULL && ev->remaining > 0) {
        pthread_cond_wait(&ev->done, &ev->mu);
    }
    if (ev->batch != NULL) {
        ev->batch->rc = ev->rc;
        ev->batch = NULL;
        ev->n = ev->next = 0;
    }
    pthread_mutex_unlock(&ev->mu);
}

void
evaluator_run(struct evaluator *ev, struct evaluator_batch *b)
{
    evaluator_submit(ev, b);
    evaluator_wait(ev);
}

void
evaluator_free(struct evaluator *ev)
{
    if (ev == NULL) {
        return;
    }
    evaluator_wait(ev);
    pthread_mutex_lock(&ev->mu);
    ev->stop = true;
    pthread_cond_broadcast(&ev->work);
    pthread_mutex_unlock(&ev->mu);
    for (unsigned i = 0; i < ev->started; i++) {
        pthread_join(ev->tids[i], NULL);
    }
    pthread_cond_destroy(&ev->done);
    pthread_cond_destroy(&ev->work);
    pthread_mutex_destroy(&ev->mu);
    sodium_free(ev->sk); /* wipes */
    free(ev->tids);
    free(ev);
}
