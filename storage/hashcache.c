/*
 * storage/hashcache.c — a fixed-size, set-associative cache from keyed digest to stored hash.
 *
 * The table is an array of 2^k sets of WAYS (8) entries; an entry is a 16-byte digest and the
 * 32-byte hash stored for it (48 bytes), and a set adds three bytes of bookkeeping: how many ways
 * are filled, one reference bit per way and a clock hand. A digest's set is chosen by its first
 * eight bytes (digests are keyed BLAKE2b output, so uniform), and a lookup or insert reads that one
 * set only: at most eight 16-byte compares, no pointers to chase, no allocation after creation.
 *
 * Replacement is CLOCK inside the set: a hit sets the way's reference bit, a new entry starts with
 * it clear, and when the set is full the hand sweeps, clearing set bits, to the first way whose bit
 * is clear. A value seen once (most of a dump) is evicted before one that has been hit again (an
 * e-mail domain, a clinic's own address), and a flood of new values cannot push out a value that
 * keeps being looked up. With no hits at all this is FIFO within the set.
 *
 * Counters: lookups and hits count hashcache_get calls; inserts counts entries added (a put of a
 * digest already present only refreshes its hash); evictions counts entries displaced, so
 * inserts - evictions is the number of entries held. A cache made with max_bytes 0 has no table:
 * it counts lookups, never hits and drops puts.
 *
 * Rejected: a hash table with chaining and an LRU list — exact LRU, but 16+ bytes of pointers per
 * entry, an allocation per insert and a walk through scattered memory per lookup, for a cache whose
 * whole job is to be cheaper than one OPRF evaluation. Direct-mapped (one way) — simplest, but two
 * hot values that share a slot would evict each other forever.
 */
#include "storage/hashcache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define WAYS 8

/* Bookkeeping first and digests next to it: a lookup reads one contiguous run of 131 bytes, then
 * one hash on a hit. */
struct hc_set {
    uint8_t used; /* ways filled, from 0; entries are never removed, only replaced */
    uint8_t ref;  /* bit w: way w was hit since the hand last passed it */
    uint8_t hand; /* the next way the clock considers for eviction */
    uint8_t digest[WAYS][HASHCACHE_DIGEST_BYTES];
    uint8_t hash[WAYS][OPRF_HASH_BYTES];
};

struct hashcache {
    struct hc_set *sets; /* NULL for the never-hitting cache of max_bytes 0 */
    size_t nsets;        /* a power of two, or 0 */
    uint8_t *key;        /* crypto_generichash_KEYBYTES, sodium_malloc'ed, read-only */
    uint64_t lookups, hits, inserts, evictions;
};

/* The largest power of two not above n (n > 0). */
static size_t
floor_pow2(size_t n)
{
    size_t p = 1;

    while (p <= n / 2) {
        p *= 2;
    }
    return p;
}

struct hashcache *
hashcache_new(size_t max_bytes)
{
    struct hashcache *c = lw_xcalloc(1, sizeof(*c));

    c->key = sodium_malloc(crypto_generichash_KEYBYTES);
    if (c->key == NULL) {
        abort(); /* out of locked memory: fatal, like every other allocation failure */
    }
    randombytes_buf(c->key, crypto_generichash_KEYBYTES);
    sodium_mprotect_readonly(c->key);
    if (max_bytes > 0) {
        /* Round down to whole sets, a power of two of them, and never fewer than one: a caller
         * asking for a few bytes gets one set (a few hundred bytes) rather than no cache. */
        size_t n = max_bytes / sizeof(struct hc_set);

        c->nsets = floor_pow2(n > 0 ? n : 1);
        c->sets = lw_xcalloc(c->nsets, sizeof(struct hc_set));
    }
    return c;
}

void
hashcache_free(struct hashcache *c)
{
    if (c == NULL) {
        return;
    }
    if (c->sets != NULL) {
        lw_wipe(c->sets, c->nsets * sizeof(struct hc_set));
        free(c->sets);
    }
    sodium_free(c->key); /* wipes */
    free(c);
}

void
hashcache_digest(const struct hashcache *c, const uint8_t *input, size_t len,
                 uint8_t digest[HASHCACHE_DIGEST_BYTES])
{
    crypto_generichash(digest, HASHCACHE_DIGEST_BYTES, input, len, c->key,
                       crypto_generichash_KEYBYTES);
}

static struct hc_set *
set_of(const struct hashcache *c, const uint8_t digest[HASHCACHE_DIGEST_BYTES])
{
    uint64_t h;

    memcpy(&h, digest, sizeof(h));
    return &c->sets[(size_t)h & (c->nsets - 1)];
}

/* The way holding digest in s, or -1. */
static int
find(const struct hc_set *s, const uint8_t digest[HASHCACHE_DIGEST_BYTES])
{
    for (int w = 0; w < s->used; w++) {
        if (memcmp(s->digest[w], digest, HASHCACHE_DIGEST_BYTES) == 0) {
            return w;
        }
    }
    return -1;
}

bool
hashcache_get(struct hashcache *c, const uint8_t digest[HASHCACHE_DIGEST_BYTES],
              uint8_t hash[OPRF_HASH_BYTES])
{
    struct hc_set *s;
    int w;

    c->lookups++;
    if (c->sets == NULL) {
        return false;
    }
    s = set_of(c, digest);
    w = find(s, digest);
    if (w < 0) {
        return false;
    }
    memcpy(hash, s->hash[w], OPRF_HASH_BYTES);
    s->ref = (uint8_t)(s->ref | 1u << w);
    c->hits++;
    return true;
}

/* CLOCK: the first way from the hand whose reference bit is clear, clearing set bits on the way
 * (at most WAYS + 1 steps: after one turn every bit is clear). */
static int
victim(struct hc_set *s)
{
    for (;;) {
        int w = s->hand;
        unsigned bit = 1u << w;

        s->hand = (uint8_t)((w + 1) % WAYS);
        if ((s->ref & bit) == 0) {
            return w;
        }
        s->ref = (uint8_t)(s->ref & ~bit);
    }
}

void
hashcache_put(struct hashcache *c, const uint8_t digest[HASHCACHE_DIGEST_BYTES],
              const uint8_t hash[OPRF_HASH_BYTES])
{
    struct hc_set *s;
    int w;

    if (c->sets == NULL) {
        return;
    }
    s = set_of(c, digest);
    w = find(s, digest);
    if (w < 0) {
        if (s->used < WAYS) {
            w = s->used++;
        } else {
            w = victim(s);
            c->evictions++;
        }
        memcpy(s->digest[w], digest, HASHCACHE_DIGEST_BYTES);
        s->ref = (uint8_t)(s->ref & ~(1u << w));
        c->inserts++;
    }
    memcpy(s->hash[w], hash, OPRF_HASH_BYTES);
}

void
hashcache_get_stats(const struct hashcache *c, struct hashcache_stats *out)
{
    *out = (struct hashcache_stats){
        .lookups = c->lookups,
        .hits = c->hits,
        .inserts = c->inserts,
        .evictions = c->evictions,
        .capacity = c->nsets * WAYS,
    };
}
