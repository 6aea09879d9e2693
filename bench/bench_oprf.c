/*
 * bench/bench_oprf.c — OPRF Evaluate throughput and identifier normaliser throughput.
 *
 * Every figure is printed beside a reference measured in the same run, as a ratio:
 *   - Evaluate per second, one core and all cores, beside libsodium's raw cost of the two group
 *     operations Evaluate cannot avoid (crypto_core_ristretto255_from_hash +
 *     crypto_scalarmult_ristretto255) on the same number of threads. The gap is the hashing
 *     (expand_message_xmd and the Finalize SHA-512).
 *   - Evaluate per second through the evaluator pool (storage/evaluator.h: one worker per core,
 *     double-buffered batches of 4096 as ingest submits them), beside the same raw all-cores
 *     reference; set beside the "all cores" line it shows what the pool's hand-off costs.
 *   - Normalised values per second for each kind, beside the one-core Evaluate rate: how many
 *     times faster than the OPRF step that follows it each normaliser is.
 * Each measurement runs (three times, best kept) for a fixed wall time (BENCH_MS milliseconds, default 1000) on the CPU as
 * it is.
 * `bench_oprf --raw-rate SECONDS` prints only the raw reference (one thread, then every core) for
 * bench/ingest.sh, which sets the end-to-end ingest rate beside it.
 */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/num.h"
#include "parsers/identifiers.h"
#include "storage/evaluator.h"
#include "storage/oprf.h"

static double seconds = 1.0;
static uint8_t sk[OPRF_SCALAR_BYTES];

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct job {
    int raw; /* 1: the libsodium reference, 0: full OPRF Evaluate */
    unsigned long ops;
    double elapsed;
};

static void *
worker(void *arg)
{
    struct job *job = arg;
    uint8_t input[64], out[OPRF_OUTPUT_BYTES], point[32], hash[64], product[32];
    unsigned long ops = 0;
    double start = now(), t = start;

    randombytes_buf(hash, sizeof(hash));
    while (t - start < seconds) {
        for (int i = 0; i < 64; i++, ops++) {
            if (job->raw) {
                hash[0] = (uint8_t)ops;
                crypto_core_ristretto255_from_hash(point, hash);
                if (crypto_scalarmult_ristretto255(product, sk, point) != 0) {
                    abort();
                }
            } else {
                int n = snprintf((char *)input, sizeof(input), "email%cuser%lu@example.fi", 0, ops);
                if (oprf_evaluate(sk, input, (size_t)n, out) != LW_OK) {
                    abort();
                }
            }
        }
        t = now();
    }
    job->ops = ops;
    job->elapsed = t - start;
    return NULL;
}

static double
rate(int raw, int threads)
{
    pthread_t tid[64];
    struct job jobs[64];
    double total = 0;

    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){.raw = raw};
        pthread_create(&tid[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        total += (double)jobs[i].ops / jobs[i].elapsed;
    }
    return total;
}

#define POOL_BATCH 4096
#define POOL_INPUT 48

static uint8_t pool_bytes[2][POOL_BATCH][POOL_INPUT];
static const uint8_t *pool_input[2][POOL_BATCH];
static size_t pool_len[2][POOL_BATCH];
static uint8_t pool_out[2][POOL_BATCH][OPRF_HASH_BYTES];

static void
pool_fill(int k, unsigned long *serial)
{
    for (size_t i = 0; i < POOL_BATCH; i++, (*serial)++) {
        int n = snprintf((char *)pool_bytes[k][i], POOL_INPUT, "email%cuser%lu@example.fi", 0,
                         *serial);

        pool_input[k][i] = pool_bytes[k][i];
        pool_len[k][i] = (size_t)n;
    }
}

/* Evaluations per second through the pool: this thread fills the next batch while the workers
 * evaluate the current one, as ingest does. */
static double
pool_rate(unsigned threads)
{
    struct evaluator_batch b[2];
    struct lw_error err = {0};
    struct evaluator *ev = evaluator_new(sk, threads, &err);
    unsigned long ops = 0, serial = 0;
    double start, t;
    int cur = 0;

    if (ev == NULL) {
        fprintf(stderr, "evaluator: %s\n", err.msg);
        exit(1);
    }
    for (int k = 0; k < 2; k++) {
        b[k] = (struct evaluator_batch){pool_input[k], pool_len[k], pool_out[k], POOL_BATCH, LW_OK};
    }
    pool_fill(cur, &serial);
    start = now();
    evaluator_submit(ev, &b[cur]);
    for (;;) {
        pool_fill(!cur, &serial);
        evaluator_wait(ev);
        if (b[cur].rc != LW_OK) {
            abort();
        }
        ops += POOL_BATCH;
        t = now();
        if (t - start >= seconds) {
            break;
        }
        cur = !cur;
        evaluator_submit(ev, &b[cur]);
    }
    evaluator_free(ev);
    return (double)ops / (t - start);
}

static const struct {
    enum id_kind kind;
    const char *samples[4];
} samples[] = {
    {ID_EMAIL, {"Firstname.Lastname@Example.FI", " user+tag@sub.example.co.uk ", "a@b.fi", NULL}},
    {ID_EMAIL_DOMAIN, {"someone@klinikka.example.fi", "Example.COM", NULL, NULL}},
    {ID_PHONE, {"+358 40 123 4567", "040-1234567", "00358 9 123 456", "(09) 123 456"}},
    {ID_FI_HETU, {"131052-308T", "010101A123N", NULL, NULL}},
    {ID_SE_PERSONNUMMER, {"811218-9876", "19811218-9876", NULL, NULL}},
    {ID_NO_FODSELSNUMMER, {"15079010003", NULL, NULL, NULL}},
    {ID_DK_CPR, {"070761-4285", "0707614285", NULL, NULL}},
    {ID_IBAN, {"FI21 1234 5600 0007 85", "DE89370400440532013000", NULL, NULL}},
    {ID_PAYMENT_CARD, {"4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", NULL}},
};

static void
bench_normalisers(double oprf_one_core)
{
    struct id_context ctx = {"FI"};

    printf("\n%-18s %14s %8s %10s   %s\n", "normaliser", "values/s", "MB/s", "valid", "vs OPRF Evaluate (1 core)");
    for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
        char out[ID_VALUE_MAX + 1];
        size_t out_len, n = 0, bytes = 0, valid = 0, total = 0;
        double start = now(), t = start, r;

        while (samples[k].samples[n] != NULL && n < 4) {
            n++;
        }
        while (t - start < seconds / 4) {
            for (int rep = 0; rep < 256; rep++) {
                const char *s = samples[k].samples[(size_t)rep % n];
                size_t len = strlen(s);

                valid += identifiers_normalise(samples[k].kind, lw_slice_make(s, len), &ctx, out,
                                               &out_len) == LW_OK;
                bytes += len;
                total++;
            }
            t = now();
        }
        r = (double)total / (t - start);
        printf("%-18s %14.0f %8.1f %9.0f%%   %8.0fx\n", identifiers_kind(samples[k].kind)->name, r,
               (double)bytes / (t - start) / 1e6, 100.0 * (double)valid / (double)total,
               r / oprf_one_core);
    }
}

/* --raw-rate SECONDS: only the libsodium reference, one thread then every core, as lines a script
 * reads ("raw_1 R", "raw_all R", "cores N"; R in operations per second). bench/ingest.sh sets the
 * end-to-end ingest rate beside it. */
static int
raw_rate_only(const char *arg, long cores)
{
    uint64_t secs;
    double raw_one, raw_all;

    if (lw_parse_u64(lw_slice_cstr(arg), 1, 600, &secs) != LW_OK) {
        fprintf(stderr, "bench_oprf: --raw-rate takes whole seconds, 1 to 600\n");
        return 2;
    }
    seconds = (double)secs;
    raw_one = rate(1, 1);
    raw_all = rate(1, (int)cores);
    printf("raw_1 %.0f\nraw_all %.0f\ncores %ld\n", raw_one, raw_all, cores);
    return 0;
}

int
main(int argc, char **argv)
{
    uint8_t seed[OPRF_SCALAR_BYTES] = {1};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("BENCH_MS");
    uint64_t ms;
    double one, raw_one, all, raw_all, pool;

    if (oprf_init() != LW_OK || oprf_derive_key_pair(seed, NULL, 0, sk, NULL) != LW_OK) {
        return 1;
    }
    if (env != NULL && lw_parse_u64(lw_slice_cstr(env), 10, 600000, &ms) == LW_OK) {
        seconds = (double)ms / 1000.0;
    }
    if (cores < 1 || cores > 64) {
        cores = cores < 1 ? 1 : 64;
    }
    if (argc == 3 && strcmp(argv[1], "--raw-rate") == 0) {
        return raw_rate_only(argv[2], cores);
    }
    if (argc != 1) {
        fprintf(stderr, "usage: bench_oprf [--raw-rate SECONDS]\n");
        return 2;
    }
    /* Alternate the measured code and its reference three times and keep the best of each, so a
     * burst of other load on the machine does not land on one side of a ratio only. */
    one = raw_one = all = raw_all = pool = 0;
    for (int round = 0; round < 3; round++) {
        one = fmax(one, rate(0, 1));
        raw_one = fmax(raw_one, rate(1, 1));
        all = fmax(all, rate(0, (int)cores));
        raw_all = fmax(raw_all, rate(1, (int)cores));
        pool = fmax(pool, pool_rate((unsigned)cores));
    }
    printf("OPRF Evaluate (RFC 9497 ristretto255-SHA512), libsodium %s, %ld cores\n",
           sodium_version_string(), cores);
    printf("%-28s %12s %22s %8s\n", "", "evaluations/s", "raw from_hash+mult/s", "ratio");
    printf("%-28s %12.0f %22.0f %8.3f\n", "1 core", one, raw_one, one / raw_one);
    printf("%-28s %12.0f %22.0f %8.3f\n", "all cores", all, raw_all, all / raw_all);
    printf("%-28s %12.0f %22.0f %8.3f\n", "evaluator pool, batch 4096", pool, raw_all,
           pool / raw_all);
    printf("%-28s %12.2f %22.2f\n", "scaling (all / 1 core)", all / one, raw_all / raw_one);
    bench_normalisers(one);
    return 0;
}
