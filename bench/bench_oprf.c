/*
 * bench/bench_oprf.c — OPRF Evaluate throughput and identifier normaliser throughput.
 *
 * Every figure is printed beside a reference measured in the same run, as a ratio:
 *   - Evaluate per second, one core and all cores, beside libsodium's raw cost of the two group
 *     operations Evaluate cannot avoid (crypto_core_ristretto255_from_hash +
 *     crypto_scalarmult_ristretto255) on the same number of threads. The gap is the hashing
 *     (expand_message_xmd and the Finalize SHA-512).
 *   - Normalised values per second for each kind, beside the one-core Evaluate rate: how many
 *     times faster than the OPRF step that follows it each normaliser is.
 * Each measurement runs (three times, best kept) for a fixed wall time (BENCH_MS milliseconds, default 1000) on the CPU as
 * it is.
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

int
main(void)
{
    uint8_t seed[OPRF_SCALAR_BYTES] = {1};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("BENCH_MS");
    uint64_t ms;
    double one, raw_one, all, raw_all;

    if (oprf_init() != LW_OK || oprf_derive_key_pair(seed, NULL, 0, sk, NULL) != LW_OK) {
        return 1;
    }
    if (env != NULL && lw_parse_u64(lw_slice_cstr(env), 10, 600000, &ms) == LW_OK) {
        seconds = (double)ms / 1000.0;
    }
    if (cores < 1 || cores > 64) {
        cores = cores < 1 ? 1 : 64;
    }
    /* Alternate the measured code and its reference three times and keep the best of each, so a
     * burst of other load on the machine does not land on one side of a ratio only. */
    one = raw_one = all = raw_all = 0;
    for (int round = 0; round < 3; round++) {
        one = fmax(one, rate(0, 1));
        raw_one = fmax(raw_one, rate(1, 1));
        all = fmax(all, rate(0, (int)cores));
        raw_all = fmax(raw_all, rate(1, (int)cores));
    }
    printf("OPRF Evaluate (RFC 9497 ristretto255-SHA512), libsodium %s, %ld cores\n",
           sodium_version_string(), cores);
    printf("%-28s %12s %22s %8s\n", "", "evaluations/s", "raw from_hash+mult/s", "ratio");
    printf("%-28s %12.0f %22.0f %8.3f\n", "1 core", one, raw_one, one / raw_one);
    printf("%-28s %12.0f %22.0f %8.3f\n", "all cores", all, raw_all, all / raw_all);
    printf("%-28s %12.2f %22.2f\n", "scaling (all / 1 core)", all / one, raw_all / raw_one);
    bench_normalisers(one);
    return 0;
}
