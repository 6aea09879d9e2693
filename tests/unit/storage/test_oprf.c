/*
 * tests/unit/storage/test_oprf.c — RFC 9497 OPRF(ristretto255, SHA-512) mode 0.
 *
 * The Appendix A.1.1 vectors are read from tests/data/oprf/ (a copy of shared/conformance), not
 * typed in, so the test checks exactly the published file.
 */
#include "storage/oprf.c"

#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/lw_test.h"

#define VECTORS "tests/data/oprf/rfc9497-ristretto255-vectors.json"

static char *vectors_text;

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL) {
        perror(path);
        return NULL;
    }
    buf = calloc(1, 1 << 16);
    n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The hex value of the nth (0-based) occurrence of "key": "…" in the vector file. */
static size_t
vec(const char *key, int nth, uint8_t *out, size_t cap)
{
    char pat[64];
    const char *p = vectors_text;
    size_t len = 0;

    snprintf(pat, sizeof(pat), "\"%s\": \"", key);
    for (int i = 0; p != NULL && i <= nth; i++) {
        p = strstr(p, pat);
        if (p != NULL) {
            p += strlen(pat);
        }
    }
    if (p == NULL || sodium_hex2bin(out, cap, p, strcspn(p, "\""), NULL, &len, NULL) != 0) {
        fprintf(stderr, "vector %s #%d missing or too long\n", key, nth);
        return SIZE_MAX;
    }
    return len;
}

static void
test_vector_file_is_the_suite(void)
{
    uint8_t dst[64];
    size_t n = vec("groupDST", 0, dst, sizeof(dst));

    CHECK(strstr(vectors_text, "\"identifier\": \"ristretto255-SHA512\"") != NULL);
    CHECK(strstr(vectors_text, "\"mode\": 0") != NULL);
    CHECK_INT(n, DST_LEN(dst_hash_to_group));
    CHECK_MEM(dst, dst_hash_to_group, DST_LEN(dst_hash_to_group));
}

static void
test_expand_message_xmd_rfc9380(void)
{
    /* RFC 9380 Appendix K.3, expand_message_xmd(SHA-512), len_in_bytes = 0x20 */
    static const uint8_t dst[] = "QUUX-V01-CS02-with-expander-SHA512-256";
    uint8_t out[32];
    uint8_t want[32];

    CHECK(oprf_expand_message_xmd((const uint8_t *)"", 0, dst, sizeof(dst) - 1, out, 32) == LW_OK);
    sodium_hex2bin(want, 32, "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba", 64,
                   NULL, NULL, NULL);
    CHECK_MEM(out, want, 32);
    CHECK(oprf_expand_message_xmd((const uint8_t *)"abc", 3, dst, sizeof(dst) - 1, out, 32) == LW_OK);
    sodium_hex2bin(want, 32, "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc", 64,
                   NULL, NULL, NULL);
    CHECK_MEM(out, want, 32);
    CHECK(oprf_expand_message_xmd(NULL, 0, dst, sizeof(dst) - 1, out, 0) == LW_ERR_RANGE);
    CHECK(oprf_expand_message_xmd(NULL, 0, dst, 256, out, 32) == LW_ERR_RANGE);
}

static void
test_derive_key_pair(void)
{
    uint8_t seed[32], info[64], want[32], sk[32], pk[32], pk2[32];
    size_t info_len = vec("keyInfo", 0, info, sizeof(info));

    CHECK_INT(vec("seed", 0, seed, sizeof(seed)), 32);
    CHECK_INT(vec("skSm", 0, want, sizeof(want)), 32);
    CHECK(info_len != SIZE_MAX);
    CHECK(oprf_derive_key_pair(seed, info, info_len, sk, pk) == LW_OK);
    CHECK_MEM(sk, want, 32);
    CHECK(crypto_scalarmult_ristretto255_base(pk2, sk) == 0);
    CHECK_MEM(pk, pk2, 32);
    CHECK(oprf_secret_key_is_valid(sk));
    CHECK(oprf_derive_key_pair(seed, info, OPRF_INFO_MAX + 1, sk, NULL) == LW_ERR_TOO_LARGE);
}

static void
test_rfc_vectors(void)
{
    uint8_t seed[32], info[64], sk[32];
    size_t info_len = vec("keyInfo", 0, info, sizeof(info));

    vec("seed", 0, seed, sizeof(seed));
    CHECK(oprf_derive_key_pair(seed, info, info_len, sk, NULL) == LW_OK);
    for (int i = 0; i < 2; i++) {
        uint8_t input[64], blind[32], want_blinded[32], want_eval[32], want_out[64];
        uint8_t blinded[32], evaluated[32], out[64], direct[64];
        size_t input_len = vec("Input", i, input, sizeof(input));

        CHECK(input_len != SIZE_MAX);
        CHECK_INT(vec("Blind", i, blind, sizeof(blind)), 32);
        CHECK_INT(vec("BlindedElement", i, want_blinded, 32), 32);
        CHECK_INT(vec("EvaluationElement", i, want_eval, 32), 32);
        CHECK_INT(vec("Output", i, want_out, 64), 64);
        CHECK(oprf_blind_with(input, input_len, blind, blinded) == LW_OK);
        CHECK_MEM(blinded, want_blinded, 32);
        CHECK(oprf_blind_evaluate(sk, blinded, evaluated) == LW_OK);
        CHECK_MEM(evaluated, want_eval, 32);
        CHECK(oprf_finalize(input, input_len, blind, evaluated, out) == LW_OK);
        CHECK_MEM(out, want_out, 64);
        CHECK(oprf_evaluate(sk, input, input_len, direct) == LW_OK);
        CHECK_MEM(direct, want_out, 64);
    }
}

static void
test_round_trip_random(void)
{
    uint8_t sk[32], seed[32];
    int mismatches = 0;

    randombytes_buf(seed, sizeof(seed));
    CHECK(oprf_derive_key_pair(seed, (const uint8_t *)"t", 1, sk, NULL) == LW_OK);
    for (int i = 0; i < 400; i++) {
        uint8_t input[OPRF_INPUT_MAX];
        size_t len = randombytes_uniform(300);
        uint8_t blind[32], blinded[32], evaluated[32], a[64], b[64];

        randombytes_buf(input, len);
        if (oprf_blind(input, len, blind, blinded) != LW_OK ||
            oprf_blind_evaluate(sk, blinded, evaluated) != LW_OK ||
            oprf_finalize(input, len, blind, evaluated, a) != LW_OK ||
            oprf_evaluate(sk, input, len, b) != LW_OK || memcmp(a, b, 64) != 0) {
            mismatches++;
        }
    }
    CHECK_INT(mismatches, 0);
}

static void
test_blinding_hides_input(void)
{
    uint8_t sk[32], seed[32] = {7};
    uint8_t blind1[32], blind2[32], b1[32], b2[32], e1[32], e2[32], o1[64], o2[64];
    static const uint8_t x[] = "email\0someone@example.fi";

    CHECK(oprf_derive_key_pair(seed, NULL, 0, sk, NULL) == LW_OK);
    CHECK(oprf_blind(x, sizeof(x) - 1, blind1, b1) == LW_OK);
    CHECK(oprf_blind(x, sizeof(x) - 1, blind2, b2) == LW_OK);
    CHECK(memcmp(b1, b2, 32) != 0); /* same input, unlinkable blinded elements */
    CHECK(oprf_blind_evaluate(sk, b1, e1) == LW_OK);
    CHECK(oprf_blind_evaluate(sk, b2, e2) == LW_OK);
    CHECK(oprf_finalize(x, sizeof(x) - 1, blind1, e1, o1) == LW_OK);
    CHECK(oprf_finalize(x, sizeof(x) - 1, blind2, e2, o2) == LW_OK);
    CHECK_MEM(o1, o2, 64);
    /* a different key gives an unrelated output */
    seed[0] = 8;
    CHECK(oprf_derive_key_pair(seed, NULL, 0, sk, NULL) == LW_OK);
    CHECK(oprf_evaluate(sk, x, sizeof(x) - 1, o2) == LW_OK);
    CHECK(memcmp(o1, o2, 64) != 0);
}

static void
test_rejects_identity_and_bad_elements(void)
{
    uint8_t sk[32], seed[32] = {1}, out[32], fin[64];
    uint8_t identity[32] = {0};
    uint8_t noncanonical[32];
    uint8_t blind[32];

    memset(noncanonical, 0xff, sizeof(noncanonical));
    CHECK(oprf_derive_key_pair(seed, NULL, 0, sk, NULL) == LW_OK);
    crypto_core_ristretto255_scalar_random(blind);
    CHECK(oprf_blind_evaluate(sk, identity, out) == LW_ERR_INVALID);
    CHECK(oprf_blind_evaluate(sk, noncanonical, out) == LW_ERR_INVALID);
    CHECK(oprf_finalize((const uint8_t *)"x", 1, blind, identity, fin) == LW_ERR_INVALID);
    CHECK(oprf_finalize((const uint8_t *)"x", 1, blind, noncanonical, fin) == LW_ERR_INVALID);
}

static void
test_limits_and_bad_scalars(void)
{
    static uint8_t big[OPRF_INPUT_MAX + 1];
    uint8_t sk[32], seed[32] = {2}, blind[32], blinded[32], out[64];
    uint8_t zero[32] = {0};
    uint8_t order[32]; /* L, the group order: not canonical as a scalar */

    sodium_hex2bin(order, 32, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
                   64, NULL, NULL, NULL);
    CHECK(oprf_derive_key_pair(seed, NULL, 0, sk, NULL) == LW_OK);
    CHECK(oprf_evaluate(sk, big, sizeof(big), out) == LW_ERR_TOO_LARGE);
    CHECK(oprf_evaluate(sk, big, OPRF_INPUT_MAX, out) == LW_OK);
    CHECK(oprf_blind(big, sizeof(big), blind, blinded) == LW_ERR_TOO_LARGE);
    CHECK(oprf_blind_with(big, 1, zero, blinded) == LW_ERR_CRYPTO);
    CHECK(oprf_blind_with(big, 1, order, blinded) == LW_ERR_CRYPTO);
    CHECK(!oprf_secret_key_is_valid(zero));
    CHECK(!oprf_secret_key_is_valid(order));
    CHECK(oprf_secret_key_is_valid(sk));
}

int
main(void)
{
    if (oprf_init() != LW_OK || (vectors_text = slurp(VECTORS)) == NULL) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_vector_file_is_the_suite);
    RUN(test_expand_message_xmd_rfc9380);
    RUN(test_derive_key_pair);
    RUN(test_rfc_vectors);
    RUN(test_round_trip_random);
    RUN(test_blinding_hides_input);
    RUN(test_rejects_identity_and_bad_elements);
    RUN(test_limits_and_bad_scalars);
    free(vectors_text);
    return LW_TEST_END();
}
