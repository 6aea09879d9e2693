/*
 * tests/unit/storage/test_evaluator.c — the OPRF worker pool.
 *
 * Every result is compared with oprf_evaluate() called directly; a known answer pins the value
 * stored for one identifier across refactors. Includes the .c to watch a batch's progress without
 * calling evaluator_wait().
 */
#include "storage/evaluator.c"

#include <stdio.h>
#include <time.h>

#include "tests/unit/lw_test.h"

#define INPUT_LEN_MAX 300

static uint8_t sk[OPRF_SCALAR_BYTES];

/* n random inputs of 0..INPUT_LEN_MAX bytes, with the batch that points at them. */
struct inputs {
    uint8_t *bytes;
    const uint8_t **input;
    size_t *len;
    uint8_t (*out)[OPRF_HASH_BYTES];
    struct evaluator_batch batch;
};

static void
inputs_make(struct inputs *in, size_t n)
{
    in->bytes = lw_xmalloc(n * INPUT_LEN_MAX + 1);
    in->input = lw_xcalloc(n + 1, sizeof(*in->input));
    in->len = lw_xcalloc(n + 1, sizeof(*in->len));
    in->out = lw_xcalloc(n + 1, sizeof(*in->out));
    randombytes_buf(in->bytes, n * INPUT_LEN_MAX + 1);
    for (size_t i = 0; i < n; i++) {
        in->input[i] = in->bytes + i * INPUT_LEN_MAX;
        in->len[i] = randombytes_uniform(INPUT_LEN_MAX + 1);
    }
    memset(in->out, 0xAA, (n + 1) * sizeof(*in->out));
    in->batch = (struct evaluator_batch){(const uint8_t *const *)in->input, in->len, in->out, n,
                                         LW_ERR_INTERNAL};
}

static void
inputs_free(struct inputs *in)
{
    free(in->bytes);
    free(in->input);
    free(in->len);
    free(in->out);
}

/* How many of the batch's outputs equal the first OPRF_HASH_BYTES of oprf_evaluate(). */
static size_t
count_correct(const struct evaluator_batch *b)
{
    uint8_t full[OPRF_OUTPUT_BYTES];
    size_t ok = 0;

    for (size_t i = 0; i < b->n; i++) {
        if (oprf_evaluate(sk, b->input[i], b->len[i], full) == LW_OK &&
            memcmp(full, b->out[i], OPRF_HASH_BYTES) == 0) {
            ok++;
        }
    }
    return ok;
}

static struct evaluator *
make(unsigned threads)
{
    struct lw_error err = {0};
    struct evaluator *ev = evaluator_new(sk, threads, &err);

    if (ev == NULL) {
        fprintf(stderr, "evaluator_new(%u): %s\n", threads, err.msg);
        abort();
    }
    return ev;
}

static void
test_matches_oprf(void)
{
    static const unsigned threads[] = {1, 2, 7};
    struct inputs in;

    inputs_make(&in, 3000);
    for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
        struct evaluator *ev = make(threads[t]);

        CHECK_INT(evaluator_threads(ev), threads[t]);
        memset(in.out, 0xAA, 3000 * sizeof(*in.out));
        in.batch.rc = LW_ERR_INTERNAL;
        evaluator_run(ev, &in.batch);
        CHECK_INT(in.batch.rc, LW_OK);
        CHECK_INT(count_correct(&in.batch), 3000);
        CHECK(in.out[3000][0] == 0xAA && in.out[3000][31] == 0xAA); /* nothing past n written */
        evaluator_free(ev);
    }
    inputs_free(&in);
}

static void
test_pool_size(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    struct evaluator *ev = make(0);

    CHECK_INT(evaluator_threads(ev), cpus < 1 ? 1 : cpus > 256 ? 256 : cpus);
    evaluator_free(ev);
    CHECK_INT(pool_size(1000), 256);
    CHECK_INT(pool_size(256), 256);
    CHECK_INT(pool_size(3), 3);
}

static void
test_empty_batch(void)
{
    struct evaluator *ev = make(2);
    struct evaluator_batch b = {NULL, NULL, NULL, 0, LW_ERR_INTERNAL};

    evaluator_run(ev, &b);
    CHECK_INT(b.rc, LW_OK);
    b.rc = LW_ERR_INTERNAL;
    evaluator_submit(ev, &b);
    evaluator_wait(ev);
    CHECK_INT(b.rc, LW_OK);
    evaluator_wait(ev); /* nothing in flight: returns at once */
    evaluator_free(ev);
}

static void
test_overlong_input(void)
{
    struct evaluator *ev = make(2);
    struct inputs in;
    uint8_t *big = lw_xcalloc(OPRF_INPUT_MAX + 1, 1);

    inputs_make(&in, 200);
    in.input[37] = big;
    in.len[37] = OPRF_INPUT_MAX + 1;
    in.input[38] = big;
    in.len[38] = OPRF_INPUT_MAX; /* the longest allowed */
    evaluator_run(ev, &in.batch);
    CHECK_INT(in.batch.rc, LW_ERR_INVALID);
    in.len[37] = OPRF_INPUT_MAX;
    CHECK_INT(count_correct(&in.batch), 200 - 1); /* 37's output was not computed */
    evaluator_run(ev, &in.batch);                 /* the error does not stick to the next batch */
    CHECK_INT(in.batch.rc, LW_OK);
    CHECK_INT(count_correct(&in.batch), 200);
    evaluator_free(ev);
    inputs_free(&in);
    free(big);
}

static void
test_invalid_key(void)
{
    uint8_t zero[OPRF_SCALAR_BYTES] = {0}, big[OPRF_SCALAR_BYTES];
    struct lw_error err = {0};

    CHECK(evaluator_new(zero, 2, &err) == NULL);
    CHECK_INT(err.rc, LW_ERR_INVALID);
    CHECK(err.msg[0] != '\0');
    memset(big, 0xff, sizeof(big)); /* not reduced mod the group order */
    err = (struct lw_error){0};
    CHECK(evaluator_new(big, 2, &err) == NULL);
    CHECK_INT(err.rc, LW_ERR_INVALID);
    CHECK(evaluator_new(zero, 0, NULL) == NULL); /* err is optional */
}

static size_t
remaining(struct evaluator *ev)
{
    size_t r;

    pthread_mutex_lock(&ev->mu);
    r = ev->remaining;
    pthread_mutex_unlock(&ev->mu);
    return r;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* The workers finish a batch with nobody in evaluator_wait(): submit really returns at once, and
 * the submitting thread is free for other work meanwhile (here: computing the expected values). */
static void
test_submit_runs_in_background(void)
{
    struct evaluator *ev = make(2);
    struct inputs in;
    uint8_t(*want)[OPRF_OUTPUT_BYTES] = lw_xcalloc(2000, sizeof(*want));
    size_t computed = 0, ok = 0;
    int waited = 0;

    inputs_make(&in, 2000);
    evaluator_submit(ev, &in.batch);
    for (size_t i = 0; i < 2000; i++) {
        computed += oprf_evaluate(sk, in.input[i], in.len[i], want[i]) == LW_OK;
    }
    while (remaining(ev) > 0 && waited < 120000) {
        sleep_ms(10);
        waited += 10;
    }
    CHECK_INT(remaining(ev), 0);
    CHECK_INT(in.batch.rc, LW_ERR_INTERNAL); /* rc is evaluator_wait()'s to set */
    evaluator_wait(ev);
    CHECK_INT(in.batch.rc, LW_OK);
    CHECK_INT(computed, 2000);
    for (size_t i = 0; i < 2000; i++) {
        ok += memcmp(in.out[i], want[i], OPRF_HASH_BYTES) == 0;
    }
    CHECK_INT(ok, 2000);
    evaluator_free(ev);
    inputs_free(&in);
    free(want);
}

/* 200 batches of 0..40 items, double-buffered as ingest does: fill one while the other runs. */
static void
test_many_batches(void)
{
    struct evaluator *ev = make(3);
    struct inputs in[2];
    size_t ok = 0, total = 0;

    inputs_make(&in[0], 40);
    inputs_make(&in[1], 40);
    in[0].batch.n = 0;
    evaluator_submit(ev, &in[0].batch);
    for (unsigned k = 1; k <= 200; k++) {
        struct inputs *next = &in[k % 2], *prev = &in[(k + 1) % 2];

        next->batch.n = (k * 7) % 41;
        next->batch.rc = LW_ERR_INTERNAL;
        memset(next->out, 0, 40 * sizeof(*next->out));
        evaluator_wait(ev);
        ok += prev->batch.rc == LW_OK;
        total += count_correct(&prev->batch) == prev->batch.n;
        evaluator_submit(ev, &next->batch);
    }
    evaluator_wait(ev);
    CHECK_INT(ok, 200);
    CHECK_INT(total, 200);
    CHECK_INT(in[0].batch.rc, LW_OK);
    CHECK_INT(count_correct(&in[0].batch), in[0].batch.n);
    evaluator_free(ev);
    inputs_free(&in[0]);
    inputs_free(&in[1]);
}

static void
test_free_idle(void)
{
    struct inputs in;
    struct evaluator *ev = make(4);

    evaluator_free(ev); /* never given work */
    ev = make(4);
    inputs_make(&in, 50);
    evaluator_run(ev, &in.batch);
    evaluator_free(ev); /* idle after a batch */
    CHECK_INT(count_correct(&in.batch), 50);
    evaluator_free(NULL);
    inputs_free(&in);
}

/* evaluator_free() right after a submit finishes the batch before stopping the workers. */
static void
test_free_waits_for_batch(void)
{
    struct evaluator *ev = make(2);
    struct inputs in;

    inputs_make(&in, 1500);
    evaluator_submit(ev, &in.batch);
    evaluator_free(ev);
    CHECK_INT(in.batch.rc, LW_OK);
    CHECK_INT(count_correct(&in.batch), 1500);
    inputs_free(&in);
}

/* The stored hash of "email" 0x00 "a@example.fi" under the key derived from seed 00 01 … 1f with
 * info "leakwatch-oprf-key-v1": computed once with oprf_evaluate() and committed, so a change to
 * the evaluator, the OPRF code or the input encoding that would orphan stored hashes fails here. */
static void
test_known_answer(void)
{
    static const char want_sk[] = "8e898e011e300c6f08db00361b1357a53926661477ead4177727b1c62137b001";
    static const char want[] = "9e13f939a24b31e040d1c42df7e254b8283bca3813f148cebb112ea666417c91";
    static const char info[] = "leakwatch-oprf-key-v1";
    static const uint8_t input[] = "email\0a@example.fi";
    uint8_t seed[OPRF_SCALAR_BYTES], key[OPRF_SCALAR_BYTES], out[1][OPRF_HASH_BYTES];
    const uint8_t *inputs[1] = {input};
    size_t len[1] = {sizeof(input) - 1};
    struct evaluator_batch b = {inputs, len, out, 1, LW_ERR_INTERNAL};
    char hex[2 * OPRF_HASH_BYTES + 1];
    struct lw_error err = {0};
    struct evaluator *ev;

    for (size_t i = 0; i < sizeof(seed); i++) {
        seed[i] = (uint8_t)i;
    }
    CHECK_INT(oprf_derive_key_pair(seed, (const uint8_t *)info, sizeof(info) - 1, key, NULL), LW_OK);
    CHECK_STR(sodium_bin2hex(hex, sizeof(hex), key, sizeof(key)), want_sk);
    ev = evaluator_new(key, 2, &err);
    CHECK(ev != NULL);
    if (ev == NULL) {
        return;
    }
    evaluator_run(ev, &b);
    CHECK_INT(b.rc, LW_OK);
    CHECK_STR(sodium_bin2hex(hex, sizeof(hex), out[0], sizeof(out[0])), want);
    evaluator_free(ev);
    sodium_memzero(key, sizeof(key));
}

int
main(void)
{
    uint8_t seed[OPRF_SCALAR_BYTES] = {7};

    if (oprf_init() != LW_OK || oprf_derive_key_pair(seed, NULL, 0, sk, NULL) != LW_OK) {
        return 1;
    }
    RUN(test_known_answer);
    RUN(test_matches_oprf);
    RUN(test_pool_size);
    RUN(test_empty_batch);
    RUN(test_overlong_input);
    RUN(test_invalid_key);
    RUN(test_submit_runs_in_background);
    RUN(test_many_batches);
    RUN(test_free_idle);
    RUN(test_free_waits_for_batch);
    return LW_TEST_END();
}
