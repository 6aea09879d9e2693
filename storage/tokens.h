/*
 * storage/tokens.h — API bearer tokens (clinics' and researchers'): made, hashed, checked.
 *
 * A token is a four-character prefix naming its kind ("lwc_", "lwr_") and 43 base64url characters
 * (32 random bytes); only BLAKE2b-256 of it is stored. A presented token of any other shape is
 * refused before a query; otherwise the caller looks the hash up and compares the stored hash
 * with tokens_match (sodium_memcmp: the comparison in C does not leak by timing; the index probe
 * on a hash of a 256-bit secret reveals nothing about it).
 */
#ifndef LW_STORAGE_TOKENS_H
#define LW_STORAGE_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#define TOKENS_PREFIX_LEN 4
#define TOKENS_LEN 47 /* prefix + 43 */
#define TOKENS_HASH_BYTES 32

/* A new token with prefix (TOKENS_PREFIX_LEN characters) into token, its hash into hash. */
void tokens_new(const char *prefix, char token[TOKENS_LEN + 1], uint8_t hash[TOKENS_HASH_BYTES]);

/* The hash of a presented token; false (hash untouched) when it is not prefix + 43 base64url
 * characters. token may be NULL. */
bool tokens_hash(const char *prefix, const char *token, uint8_t hash[TOKENS_HASH_BYTES]);

/* Whether the stored hash, as PostgreSQL's hex text (encode(…, 'hex')), equals hash. */
bool tokens_match(const char *stored_hex, const uint8_t hash[TOKENS_HASH_BYTES]);

#endif
