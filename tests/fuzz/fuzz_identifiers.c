/*
 * tests/fuzz/fuzz_identifiers.c — every identifier normaliser and the column-name hints.
 *
 * Input: byte 0 picks the kind (byte % ID_KIND_COUNT) and the default phone region
 * ((byte / ID_KIND_COUNT) % 4: none, FI, SE, US); the rest is the candidate. Invariants, checked
 * with abort() so libFuzzer and the corpus replay both stop on a break:
 *   - a normalised value is NUL-terminated, out_len == strlen(out), out_len <= ID_VALUE_MAX, and
 *     nothing is written past ID_VALUE_MAX + 1 bytes;
 *   - normalising is idempotent: the output normalises to itself, for every kind;
 *   - the OPRF input of a normalised value encodes as kind name ‖ 0x00 ‖ value;
 *   - an e-mail's domain normalises, as an email_domain, to itself; a phone number has a country;
 *   - column-name hints never name a kind outside the registry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/identifiers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 16 /* bytes after the out buffer that must stay untouched */

static void
check_normalised(enum id_kind kind, const struct id_context *ctx, const char *out, size_t len)
{
    char again[ID_VALUE_MAX + 1];
    size_t again_len = 0;

    if (len > ID_VALUE_MAX || out[len] != '\0' || strlen(out) != len) {
        abort();
    }
    if (identifiers_normalise(kind, lw_slice_make(out, len), ctx, again, &again_len) != LW_OK ||
        again_len != len || memcmp(again, out, len) != 0) {
        abort();
    }
}

static void
check_oprf_input(enum id_kind kind, const char *out, size_t len)
{
    uint8_t input[ID_OPRF_INPUT_MAX];
    size_t input_len = 0;
    const char *name = identifiers_kind(kind)->name;
    size_t name_len = strlen(name);

    if (identifiers_oprf_input(kind, lw_slice_make(out, len), input, sizeof(input), &input_len) !=
            LW_OK ||
        input_len != name_len + 1 + len || memcmp(input, name, name_len) != 0 ||
        input[name_len] != 0 || memcmp(input + name_len + 1, out, len) != 0) {
        abort();
    }
}

static void
check_derived(enum id_kind kind, const char *out, size_t len)
{
    struct lw_slice domain;
    char d[ID_VALUE_MAX + 1];
    size_t d_len = 0;
    char cc[3];

    if (kind == ID_EMAIL) {
        if (identifiers_email_domain(lw_slice_make(out, len), &domain) != LW_OK ||
            identifiers_normalise(ID_EMAIL_DOMAIN, domain, NULL, d, &d_len) != LW_OK ||
            !lw_slice_eq(domain, lw_slice_make(d, d_len))) {
            abort();
        }
    }
    if (kind == ID_PHONE && identifiers_phone_country(lw_slice_make(out, len), cc) != LW_OK) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char regions[4][3] = {"", "FI", "SE", "US"};
    struct id_context ctx = {{0}};
    char out[ID_VALUE_MAX + 1 + GUARD];
    size_t len = 0;
    enum id_kind kind;
    struct lw_slice in;

    if (size == 0) {
        return 0;
    }
    kind = (enum id_kind)(data[0] % ID_KIND_COUNT);
    memcpy(ctx.region, regions[(data[0] / ID_KIND_COUNT) % 4], sizeof(ctx.region));
    in = lw_slice_make((const char *)data + 1, size - 1);
    if ((identifiers_hint_kinds(in) & ~((1u << ID_KIND_COUNT) - 1)) != 0) {
        abort();
    }
    memset(out, 0x5A, sizeof(out));
    if (identifiers_normalise(kind, in, &ctx, out, &len) != LW_OK) {
        return 0;
    }
    for (size_t i = ID_VALUE_MAX + 1; i < sizeof(out); i++) {
        if (out[i] != 0x5A) {
            abort();
        }
    }
    check_normalised(kind, &ctx, out, len);
    check_oprf_input(kind, out, len);
    check_derived(kind, out, len);
    return 0;
}
