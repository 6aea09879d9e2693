/*
 * storage/oprf.h — RFC 9497 OPRF, suite ristretto255-SHA512, mode 0x00 (OPRF).
 *
 * The stored form of every identifier is the first OPRF_HASH_BYTES of Evaluate(skS, input)
 * (DESIGN.md invariant 2). Clients (a clinic's enroll tool) Blind and Finalize; the server
 * BlindEvaluates and never sees the input. All functions are thread-safe and allocation-free; none
 * logs. Serialisation of elements and scalars is RFC 9496 / little-endian as in RFC 9497 §4.1.
 *
 * Call sodium_init() (or oprf_init()) once before use.
 */
#ifndef LW_STORAGE_OPRF_H
#define LW_STORAGE_OPRF_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define OPRF_SCALAR_BYTES 32
#define OPRF_ELEMENT_BYTES 32
#define OPRF_OUTPUT_BYTES 64 /* Nh for SHA-512 */
#define OPRF_HASH_BYTES 32   /* what leakwatch stores: the first 32 bytes of the output */
/* Longest private input accepted. The RFC allows up to 2^16 - 1 bytes; leakwatch's inputs are
 * kind ‖ 0x00 ‖ value (under 300 bytes), so a much smaller bound catches misuse early. */
#define OPRF_INPUT_MAX 1024
/* Longest key-derivation info string (the RFC's limit is 2^16 - 1). */
#define OPRF_INFO_MAX 1024

/* Initialise libsodium. LW_ERR_CRYPTO if it cannot be initialised. Idempotent, thread-safe. */
enum lw_rc oprf_init(void);

/* DeriveKeyPair(seed, info) (RFC 9497 §3.2.1): skS and pkS = skS·G. pk may be NULL.
 * LW_ERR_TOO_LARGE if info_len > OPRF_INFO_MAX, LW_ERR_CRYPTO on the (2^-2048) derive failure. */
enum lw_rc oprf_derive_key_pair(const uint8_t seed[OPRF_SCALAR_BYTES], const uint8_t *info,
                                size_t info_len, uint8_t sk[OPRF_SCALAR_BYTES],
                                uint8_t pk[OPRF_ELEMENT_BYTES]);

/* True when sk is a canonical, non-zero scalar (usable as a server key). */
int oprf_secret_key_is_valid(const uint8_t sk[OPRF_SCALAR_BYTES]);

/*
 * Blind(input) (§3.3.1): draws a fresh random blind, writes it and blindedElement.
 * LW_ERR_TOO_LARGE for input_len > OPRF_INPUT_MAX; LW_ERR_CRYPTO if the input maps to the identity
 * (InvalidInputError). The blind is secret until Finalize; wipe it afterwards.
 */
enum lw_rc oprf_blind(const uint8_t *input, size_t input_len, uint8_t blind[OPRF_SCALAR_BYTES],
                      uint8_t blinded[OPRF_ELEMENT_BYTES]);

/* Blind with a caller-chosen blind (tests with the RFC vectors; a zero or non-canonical blind
 * gives LW_ERR_CRYPTO). */
enum lw_rc oprf_blind_with(const uint8_t *input, size_t input_len,
                           const uint8_t blind[OPRF_SCALAR_BYTES], uint8_t blinded[OPRF_ELEMENT_BYTES]);

/* BlindEvaluate(skS, blindedElement) (§3.3.1), server side. blinded comes from the network: a
 * non-canonical encoding or the identity element gives LW_ERR_INVALID (DeserializeError). */
enum lw_rc oprf_blind_evaluate(const uint8_t sk[OPRF_SCALAR_BYTES],
                               const uint8_t blinded[OPRF_ELEMENT_BYTES],
                               uint8_t evaluated[OPRF_ELEMENT_BYTES]);

/* Finalize(input, blind, evaluatedElement) (§3.3.1), client side. evaluated comes from the
 * network: LW_ERR_INVALID for a bad or identity element. */
enum lw_rc oprf_finalize(const uint8_t *input, size_t input_len, const uint8_t blind[OPRF_SCALAR_BYTES],
                         const uint8_t evaluated[OPRF_ELEMENT_BYTES], uint8_t out[OPRF_OUTPUT_BYTES]);

/* Evaluate(skS, input) (§3.3.1), the server computing the PRF directly: equal to
 * Finalize(input, r, BlindEvaluate(skS, Blind(input) with r)) for every blind r. */
enum lw_rc oprf_evaluate(const uint8_t sk[OPRF_SCALAR_BYTES], const uint8_t *input, size_t input_len,
                         uint8_t out[OPRF_OUTPUT_BYTES]);

/* expand_message_xmd with SHA-512 (RFC 9380 §5.3.1), exposed for its own test. dst may contain
 * NUL bytes, hence the explicit length. out_len ≤ 255 * 64 and ≤ 65535; dst_len ≤ 255. */
enum lw_rc oprf_expand_message_xmd(const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                                   size_t dst_len, uint8_t *out, size_t out_len);

#endif
