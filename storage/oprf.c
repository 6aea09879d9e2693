/*
 * storage/oprf.c — RFC 9497 OPRF(ristretto255, SHA-512), mode 0, over libsodium 1.0.18.
 *
 * libsodium has the group (crypto_core_ristretto255_*, crypto_scalarmult_ristretto255) and SHA-512;
 * what it lacks is expand_message_xmd (RFC 9380 §5.3.1), written here in a few lines, and the
 * protocol glue: HashToGroup = from_hash(expand(input, "HashToGroup-" ‖ ctx, 64)), HashToScalar =
 * reduce(expand(input, DST, 64)), and the Finalize hash
 *     SHA-512(I2OSP(len(input), 2) ‖ input ‖ I2OSP(32, 2) ‖ element ‖ "Finalize").
 * The context string "OPRFV1-" ‖ 0x00 ‖ "-ristretto255-SHA512" contains a NUL byte, so every DST is
 * an explicit (pointer, length) pair built at compile time — never a C string.
 *
 * The alternative rejected: a third-party OPRF library (liboprf). It is not packaged in Debian 12
 * and would add a dependency for ~200 lines whose correctness the RFC vectors pin down.
 */
#include "storage/oprf.h"

#include <sodium.h>
#include <string.h>

#define CTX_STR "OPRFV1-\0-ristretto255-SHA512"

static const uint8_t dst_hash_to_group[] = "HashToGroup-" CTX_STR;
static const uint8_t dst_derive_key_pair[] = "DeriveKeyPair" CTX_STR;
#define DST_LEN(d) (sizeof(d) - 1)

enum lw_rc
oprf_init(void)
{
    return sodium_init() < 0 ? LW_ERR_CRYPTO : LW_OK;
}

/* The RFC's b_i blocks: H(prefix ‖ I2OSP(i, 1) ‖ DST ‖ I2OSP(len(DST), 1)). */
static void
xmd_block(const uint8_t *prefix, size_t prefix_len, uint8_t i, const uint8_t *dst, size_t dst_len,
          uint8_t out[crypto_hash_sha512_BYTES])
{
    crypto_hash_sha512_state st;
    uint8_t dlen = (uint8_t)dst_len;

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, prefix, prefix_len);
    crypto_hash_sha512_update(&st, &i, 1);
    crypto_hash_sha512_update(&st, dst, dst_len);
    crypto_hash_sha512_update(&st, &dlen, 1);
    crypto_hash_sha512_final(&st, out);
}

enum lw_rc
oprf_expand_message_xmd(const uint8_t *msg, size_t msg_len, const uint8_t *dst, size_t dst_len,
                        uint8_t *out, size_t out_len)
{
    static const uint8_t z_pad[128]; /* s_in_bytes of SHA-512 */
    uint8_t b0[crypto_hash_sha512_BYTES];
    uint8_t bi[crypto_hash_sha512_BYTES];
    uint8_t chain[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_state st;
    uint8_t lib[2] = {(uint8_t)(out_len >> 8), (uint8_t)out_len};
    uint8_t zero = 0;
    uint8_t dlen = (uint8_t)dst_len;
    size_t ell = (out_len + sizeof(b0) - 1) / sizeof(b0);

    if (ell == 0 || ell > 255 || out_len > 65535 || dst_len > 255) {
        return LW_ERR_RANGE;
    }
    /* b_0 = H(Z_pad ‖ msg ‖ I2OSP(len, 2) ‖ I2OSP(0, 1) ‖ DST_prime) */
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, z_pad, sizeof(z_pad));
    crypto_hash_sha512_update(&st, msg, msg_len);
    crypto_hash_sha512_update(&st, lib, sizeof(lib));
    crypto_hash_sha512_update(&st, &zero, 1);
    crypto_hash_sha512_update(&st, dst, dst_len);
    crypto_hash_sha512_update(&st, &dlen, 1);
    crypto_hash_sha512_final(&st, b0);
    memcpy(chain, b0, sizeof(b0));
    for (size_t i = 1; i <= ell; i++) {
        size_t take = out_len - (i - 1) * sizeof(bi);

        if (i > 1) {
            for (size_t k = 0; k < sizeof(chain); k++) {
                chain[k] = (uint8_t)(b0[k] ^ bi[k]);
            }
        }
        xmd_block(chain, sizeof(chain), (uint8_t)i, dst, dst_len, bi);
        memcpy(out + (i - 1) * sizeof(bi), bi, take < sizeof(bi) ? take : sizeof(bi));
    }
    sodium_memzero(b0, sizeof(b0));
    sodium_memzero(bi, sizeof(bi));
    sodium_memzero(chain, sizeof(chain));
    return LW_OK;
}

static void
hash_to_group(const uint8_t *input, size_t input_len, uint8_t element[OPRF_ELEMENT_BYTES])
{
    uint8_t uniform[crypto_core_ristretto255_HASHBYTES];

    /* Cannot fail: the lengths are fixed and within range. */
    oprf_expand_message_xmd(input, input_len, dst_hash_to_group, DST_LEN(dst_hash_to_group), uniform,
                            sizeof(uniform));
    crypto_core_ristretto255_from_hash(element, uniform);
    sodium_memzero(uniform, sizeof(uniform));
}

static void
hash_to_scalar(const uint8_t *input, size_t input_len, const uint8_t *dst, size_t dst_len,
               uint8_t scalar[OPRF_SCALAR_BYTES])
{
    uint8_t uniform[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];

    oprf_expand_message_xmd(input, input_len, dst, dst_len, uniform, sizeof(uniform));
    crypto_core_ristretto255_scalar_reduce(scalar, uniform);
    sodium_memzero(uniform, sizeof(uniform));
}

int
oprf_secret_key_is_valid(const uint8_t sk[OPRF_SCALAR_BYTES])
{
    uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES] = {0};
    uint8_t reduced[OPRF_SCALAR_BYTES];
    int ok;

    memcpy(wide, sk, OPRF_SCALAR_BYTES);
    crypto_core_ristretto255_scalar_reduce(reduced, wide);
    ok = !sodium_is_zero(sk, OPRF_SCALAR_BYTES) && sodium_memcmp(reduced, sk, OPRF_SCALAR_BYTES) == 0;
    sodium_memzero(wide, sizeof(wide));
    sodium_memzero(reduced, sizeof(reduced));
    return ok;
}

enum lw_rc
oprf_derive_key_pair(const uint8_t seed[OPRF_SCALAR_BYTES], const uint8_t *info, size_t info_len,
                     uint8_t sk[OPRF_SCALAR_BYTES], uint8_t pk[OPRF_ELEMENT_BYTES])
{
    /* deriveInput ‖ counter = seed ‖ I2OSP(len(info), 2) ‖ info ‖ I2OSP(counter, 1) */
    uint8_t buf[OPRF_SCALAR_BYTES + 2 + OPRF_INFO_MAX + 1];
    size_t n = 0;
    enum lw_rc rc = LW_ERR_CRYPTO;

    if (info_len > OPRF_INFO_MAX) {
        return LW_ERR_TOO_LARGE;
    }
    memcpy(buf, seed, OPRF_SCALAR_BYTES);
    n += OPRF_SCALAR_BYTES;
    buf[n++] = (uint8_t)(info_len >> 8);
    buf[n++] = (uint8_t)info_len;
    if (info_len > 0) {
        memcpy(buf + n, info, info_len);
        n += info_len;
    }
    for (unsigned counter = 0; counter <= 255; counter++) {
        buf[n] = (uint8_t)counter;
        hash_to_scalar(buf, n + 1, dst_derive_key_pair, DST_LEN(dst_derive_key_pair), sk);
        if (!sodium_is_zero(sk, OPRF_SCALAR_BYTES)) {
            rc = LW_OK;
            break;
        }
    }
    sodium_memzero(buf, sizeof(buf));
    if (rc == LW_OK && pk != NULL && crypto_scalarmult_ristretto255_base(pk, sk) != 0) {
        rc = LW_ERR_CRYPTO;
    }
    return rc;
}

enum lw_rc
oprf_blind_with(const uint8_t *input, size_t input_len, const uint8_t blind[OPRF_SCALAR_BYTES],
                uint8_t blinded[OPRF_ELEMENT_BYTES])
{
    uint8_t element[OPRF_ELEMENT_BYTES];
    enum lw_rc rc = LW_OK;

    if (input_len > OPRF_INPUT_MAX) {
        return LW_ERR_TOO_LARGE;
    }
    if (!oprf_secret_key_is_valid(blind)) {
        return LW_ERR_CRYPTO;
    }
    hash_to_group(input, input_len, element);
    /* scalarmult fails when the product is the identity, i.e. the input mapped to the identity */
    if (sodium_is_zero(element, sizeof(element)) ||
        crypto_scalarmult_ristretto255(blinded, blind, element) != 0) {
        rc = LW_ERR_CRYPTO;
    }
    sodium_memzero(element, sizeof(element));
    return rc;
}

enum lw_rc
oprf_blind(const uint8_t *input, size_t input_len, uint8_t blind[OPRF_SCALAR_BYTES],
           uint8_t blinded[OPRF_ELEMENT_BYTES])
{
    crypto_core_ristretto255_scalar_random(blind); /* uniform in [1, L) */
    return oprf_blind_with(input, input_len, blind, blinded);
}

/* DeserializeElement: canonical encoding of a point other than the identity. */
static int
element_is_valid(const uint8_t e[OPRF_ELEMENT_BYTES])
{
    return !sodium_is_zero(e, OPRF_ELEMENT_BYTES) && crypto_core_ristretto255_is_valid_point(e);
}

enum lw_rc
oprf_blind_evaluate(const uint8_t sk[OPRF_SCALAR_BYTES], const uint8_t blinded[OPRF_ELEMENT_BYTES],
                    uint8_t evaluated[OPRF_ELEMENT_BYTES])
{
    if (!element_is_valid(blinded)) {
        return LW_ERR_INVALID;
    }
    if (crypto_scalarmult_ristretto255(evaluated, sk, blinded) != 0) {
        return LW_ERR_CRYPTO;
    }
    return LW_OK;
}

static void
finalize_hash(const uint8_t *input, size_t input_len, const uint8_t element[OPRF_ELEMENT_BYTES],
              uint8_t out[OPRF_OUTPUT_BYTES])
{
    crypto_hash_sha512_state st;
    const uint8_t in_len[2] = {(uint8_t)(input_len >> 8), (uint8_t)input_len};
    const uint8_t el_len[2] = {0, OPRF_ELEMENT_BYTES};
    static const uint8_t label[] = "Finalize";

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, in_len, sizeof(in_len));
    crypto_hash_sha512_update(&st, input, input_len);
    crypto_hash_sha512_update(&st, el_len, sizeof(el_len));
    crypto_hash_sha512_update(&st, element, OPRF_ELEMENT_BYTES);
    crypto_hash_sha512_update(&st, label, sizeof(label) - 1);
    crypto_hash_sha512_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

enum lw_rc
oprf_finalize(const uint8_t *input, size_t input_len, const uint8_t blind[OPRF_SCALAR_BYTES],
              const uint8_t evaluated[OPRF_ELEMENT_BYTES], uint8_t out[OPRF_OUTPUT_BYTES])
{
    uint8_t inverse[OPRF_SCALAR_BYTES];
    uint8_t unblinded[OPRF_ELEMENT_BYTES];
    enum lw_rc rc = LW_OK;

    if (input_len > OPRF_INPUT_MAX) {
        return LW_ERR_TOO_LARGE;
    }
    if (!element_is_valid(evaluated)) {
        return LW_ERR_INVALID;
    }
    if (crypto_core_ristretto255_scalar_invert(inverse, blind) != 0 ||
        crypto_scalarmult_ristretto255(unblinded, inverse, evaluated) != 0) {
        rc = LW_ERR_CRYPTO;
        goto out;
    }
    finalize_hash(input, input_len, unblinded, out);
out:
    sodium_memzero(inverse, sizeof(inverse));
    sodium_memzero(unblinded, sizeof(unblinded));
    return rc;
}

enum lw_rc
oprf_evaluate(const uint8_t sk[OPRF_SCALAR_BYTES], const uint8_t *input, size_t input_len,
              uint8_t out[OPRF_OUTPUT_BYTES])
{
    uint8_t element[OPRF_ELEMENT_BYTES];
    uint8_t evaluated[OPRF_ELEMENT_BYTES];
    enum lw_rc rc = LW_OK;

    if (input_len > OPRF_INPUT_MAX) {
        return LW_ERR_TOO_LARGE;
    }
    hash_to_group(input, input_len, element);
    if (sodium_is_zero(element, sizeof(element)) ||
        crypto_scalarmult_ristretto255(evaluated, sk, element) != 0) {
        rc = LW_ERR_CRYPTO;
        goto out;
    }
    finalize_hash(input, input_len, evaluated, out);
out:
    sodium_memzero(element, sizeof(element));
    sodium_memzero(evaluated, sizeof(evaluated));
    return rc;
}
