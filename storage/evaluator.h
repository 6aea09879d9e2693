/*
 * storage/evaluator.h — OPRF Evaluate on every core: a fixed pool of worker threads that evaluates
 * one batch of inputs at a time, while the submitting thread goes on parsing and filling the next
 * batch (double buffering). OPRF is ingest's costly step (~17,000 evaluations/s per core here), so
 * this is where its throughput comes from.
 *
 * The secret key is copied into sodium_malloc'ed memory owned by the evaluator and wiped on free.
 * A batch's inputs are leaked plaintext: the caller wipes them once evaluator_wait() returns.
 */
#ifndef LW_STORAGE_EVALUATOR_H
#define LW_STORAGE_EVALUATOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/oprf.h"

struct evaluator;

/* One batch: n inputs input[i] of len[i] bytes; out[i] receives the first OPRF_HASH_BYTES of
 * Evaluate(sk, input[i]). rc is set by evaluator_wait(): LW_OK, or the first error of any item
 * (LW_ERR_INVALID for an input over OPRF_INPUT_MAX; its out[] is then unspecified). The batch and
 * everything it points to must stay unchanged until evaluator_wait() returns. */
struct evaluator_batch {
    const uint8_t *const *input;
    const size_t *len;
    uint8_t (*out)[OPRF_HASH_BYTES];
    size_t n;
    enum lw_rc rc;
};

/* A pool of threads workers (0: the number of online CPUs, at most 256). NULL with err filled
 * (LW_ERR_INVALID for a key that is not a valid secret scalar, LW_ERR_INTERNAL when threads cannot
 * be started). oprf_init() must have succeeded. */
struct evaluator *evaluator_new(const uint8_t sk[OPRF_SCALAR_BYTES], unsigned threads,
                                struct lw_error *err);

/* Workers in the pool. */
unsigned evaluator_threads(const struct evaluator *ev);

/* Start evaluating b and return at once. At most one batch is in flight: calling this before the
 * previous batch's evaluator_wait() is a bug (asserted). n == 0 is allowed. */
void evaluator_submit(struct evaluator *ev, struct evaluator_batch *b);

/* Block until the batch in flight is done (returns at once when none is); sets its rc. */
void evaluator_wait(struct evaluator *ev);

/* Evaluate b and wait: submit + wait. */
void evaluator_run(struct evaluator *ev, struct evaluator_batch *b);

/* Wait for any batch in flight, stop and join the threads, wipe the key, free. NULL-safe. */
void evaluator_free(struct evaluator *ev);

#endif
