/*
 * tests/fuzz/fuzz_oprf_input.c — the path from a raw candidate to a stored hash, and the server's
 * handling of network-supplied group elements.
 *
 * Input: byte 0 picks the kind, the rest is the candidate. A candidate that normalises is encoded
 * (kind ‖ 0x00 ‖ value) and evaluated; the blind/evaluate/finalize round trip must agree with the
 * direct Evaluate. The first 32 bytes are also fed to BlindEvaluate and Finalize as a hostile
 * element: they must be rejected or processed, never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/identifiers.h"
#include "storage/oprf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key_seed[OPRF_SCALAR_BYTES] = {0x42};

static void
hostile_elements(const uint8_t *sk, const uint8_t *data, size_t size)
{
    uint8_t element[OPRF_ELEMENT_BYTES] = {0};
    uint8_t blind[OPRF_SCALAR_BYTES] = {1};
    uint8_t evaluated[OPRF_ELEMENT_BYTES];
    uint8_t out[OPRF_OUTPUT_BYTES];

    memcpy(element, data, size < sizeof(element) ? size : sizeof(element));
    if (oprf_blind_evaluate(sk, element, evaluated) == LW_OK) {
        /* whatever was accepted must be a valid non-identity element */
        if (oprf_finalize(data, size > OPRF_INPUT_MAX ? 0 : size, blind, evaluated, out) != LW_OK) {
            abort();
        }
    }
    oprf_finalize(data, 0, blind, element, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t sk[OPRF_SCALAR_BYTES];
    static int ready;
    struct id_context ctx = {"FI"};
    char value[ID_VALUE_MAX + 1];
    uint8_t input[ID_OPRF_INPUT_MAX];
    uint8_t direct[OPRF_OUTPUT_BYTES], final[OPRF_OUTPUT_BYTES];
    uint8_t blind[OPRF_SCALAR_BYTES], blinded[OPRF_ELEMENT_BYTES], evaluated[OPRF_ELEMENT_BYTES];
    size_t value_len = 0, input_len = 0;
    enum id_kind kind;

    if (!ready) {
        if (oprf_init() != LW_OK || oprf_derive_key_pair(key_seed, NULL, 0, sk, NULL) != LW_OK) {
            abort();
        }
        ready = 1;
    }
    if (size == 0) {
        return 0;
    }
    hostile_elements(sk, data + 1, size - 1);
    kind = (enum id_kind)(data[0] % ID_KIND_COUNT);
    if (identifiers_normalise(kind, lw_slice_make((const char *)data + 1, size - 1), &ctx, value,
                              &value_len) != LW_OK) {
        return 0;
    }
    if (identifiers_oprf_input(kind, lw_slice_make(value, value_len), input, sizeof(input),
                               &input_len) != LW_OK ||
        input_len != strlen(identifiers_kind(kind)->name) + 1 + value_len) {
        abort();
    }
    if (oprf_evaluate(sk, input, input_len, direct) != LW_OK ||
        oprf_blind(input, input_len, blind, blinded) != LW_OK ||
        oprf_blind_evaluate(sk, blinded, evaluated) != LW_OK ||
        oprf_finalize(input, input_len, blind, evaluated, final) != LW_OK ||
        memcmp(direct, final, sizeof(direct)) != 0) {
        abort();
    }
    return 0;
}
