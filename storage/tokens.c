/*
 * storage/tokens.c — API bearer tokens for storage/clinics.c and storage/researchers.c (see
 * tokens.h). libsodium throughout: randombytes for the secret, BLAKE2b for the stored hash,
 * sodium_memcmp to compare.
 */
#include "storage/tokens.h"

#include <sodium.h>
#include <string.h>

#include "common/ascii.h"

#define TOKENS_RANDOM_BYTES 32

void
tokens_new(const char *prefix, char token[TOKENS_LEN + 1], uint8_t hash[TOKENS_HASH_BYTES])
{
    uint8_t raw[TOKENS_RANDOM_BYTES];

    randombytes_buf(raw, sizeof(raw));
    memcpy(token, prefix, TOKENS_PREFIX_LEN);
    sodium_bin2base64(token + TOKENS_PREFIX_LEN, TOKENS_LEN + 1 - TOKENS_PREFIX_LEN, raw,
                      sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    crypto_generichash(hash, TOKENS_HASH_BYTES, (const uint8_t *)token, TOKENS_LEN, NULL, 0);
}

bool
tokens_hash(const char *prefix, const char *token, uint8_t hash[TOKENS_HASH_BYTES])
{
    if (token == NULL || strnlen(token, TOKENS_LEN + 1) != TOKENS_LEN ||
        strncmp(token, prefix, TOKENS_PREFIX_LEN) != 0) {
        return false;
    }
    for (size_t i = TOKENS_PREFIX_LEN; i < TOKENS_LEN; i++) {
        if (!lw_ascii_is_alnum(token[i]) && token[i] != '-' && token[i] != '_') {
            return false;
        }
    }
    crypto_generichash(hash, TOKENS_HASH_BYTES, (const uint8_t *)token, TOKENS_LEN, NULL, 0);
    return true;
}

bool
tokens_match(const char *stored_hex, const uint8_t hash[TOKENS_HASH_BYTES])
{
    uint8_t stored[TOKENS_HASH_BYTES];
    size_t got = 0;

    return sodium_hex2bin(stored, sizeof(stored), stored_hex, strlen(stored_hex), NULL, &got,
                          NULL) == 0 &&
           got == sizeof(stored) && sodium_memcmp(stored, hash, TOKENS_HASH_BYTES) == 0;
}
