/*
 * storage/hashcache.h — a bounded in-process cache from an OPRF input's digest to its stored hash,
 * so an identifier repeated across the documents of one run is evaluated once.
 *
 * Keys are 16-byte keyed BLAKE2b digests of `kind ‖ 0x00 ‖ value` under a key that is random per
 * process (hashcache_digest): the cache never holds an identifier, and its content means nothing
 * outside the process. Fixed size chosen at creation; set-associative with replacement inside a
 * set, so it never grows or allocates after hashcache_new(). Not thread-safe: one owner thread.
 */
#ifndef LW_STORAGE_HASHCACHE_H
#define LW_STORAGE_HASHCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/oprf.h"

#define HASHCACHE_DIGEST_BYTES 16

struct hashcache;

struct hashcache_stats {
    uint64_t lookups, hits, inserts, evictions;
    size_t capacity; /* entries */
};

/* A cache using at most max_bytes for its table (rounded down to a power-of-two entry count; at
 * least one set). max_bytes 0 gives a cache that never hits (lookups miss, inserts are dropped).
 * Draws its digest key from libsodium's randombytes (oprf_init() must have succeeded). */
struct hashcache *hashcache_new(size_t max_bytes);

/* Wipe and free. NULL-safe. */
void hashcache_free(struct hashcache *c);

/* The keyed digest of an OPRF input (the same input always gives the same digest in one process). */
void hashcache_digest(const struct hashcache *c, const uint8_t *input, size_t len,
                      uint8_t digest[HASHCACHE_DIGEST_BYTES]);

/* Copy the hash stored for digest into hash and return true, or return false. */
bool hashcache_get(struct hashcache *c, const uint8_t digest[HASHCACHE_DIGEST_BYTES],
                   uint8_t hash[OPRF_HASH_BYTES]);

/* Remember hash for digest, replacing an older entry of its set when the set is full. */
void hashcache_put(struct hashcache *c, const uint8_t digest[HASHCACHE_DIGEST_BYTES],
                   const uint8_t hash[OPRF_HASH_BYTES]);

void hashcache_get_stats(const struct hashcache *c, struct hashcache_stats *out);

#endif
