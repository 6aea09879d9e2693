/*
 * tests/unit/storage/test_hashcache.c — the bounded digest → hash cache.
 *
 * Includes the .c to reach the table (set_of, nsets, sets) so the tests can predict exactly which
 * entries each set must hold and can place crafted digests in a chosen set.
 */
#include "storage/hashcache.c"

#include <sodium.h>
#include <stdio.h>

#include "tests/unit/lw_test.h"

/* A synthetic OPRF input for item i ("email" 0x00 "user<i>@example.fi"); returns its length. */
static size_t
input_for(unsigned i, uint8_t *buf, size_t cap)
{
    int n = snprintf((char *)buf, cap, "email%cuser%u@example.fi", 0, i);

    return (size_t)n;
}

/* A recognisable hash for item i. */
static void
hash_for(unsigned i, uint8_t hash[OPRF_HASH_BYTES])
{
    crypto_generichash(hash, OPRF_HASH_BYTES, (const uint8_t *)&i, sizeof(i), NULL, 0);
}

static void
digest_for(const struct hashcache *c, unsigned i, uint8_t digest[HASHCACHE_DIGEST_BYTES])
{
    uint8_t buf[64];

    hashcache_digest(c, buf, input_for(i, buf, sizeof(buf)), digest);
}

/* A digest that lands in set `set` of c, distinguished by `tag` in its last bytes. */
static void
crafted(const struct hashcache *c, size_t set, unsigned tag, uint8_t digest[HASHCACHE_DIGEST_BYTES])
{
    uint64_t lo = (uint64_t)set;

    memset(digest, 0, HASHCACHE_DIGEST_BYTES);
    memcpy(digest, &lo, sizeof(lo));
    memcpy(digest + 8, &tag, sizeof(tag));
    CHECK(set_of(c, digest) == &c->sets[set]);
}

static void
test_round_trip(void)
{
    struct hashcache *c = hashcache_new(1 << 16);
    uint8_t d[HASHCACHE_DIGEST_BYTES], h1[OPRF_HASH_BYTES], h2[OPRF_HASH_BYTES], got[OPRF_HASH_BYTES];
    struct hashcache_stats st;

    digest_for(c, 1, d);
    hash_for(1, h1);
    hash_for(2, h2);
    CHECK(!hashcache_get(c, d, got));
    hashcache_put(c, d, h1);
    memset(got, 0, sizeof(got));
    CHECK(hashcache_get(c, d, got));
    CHECK_MEM(got, h1, OPRF_HASH_BYTES);
    /* a second put of the same digest replaces the hash in place: still one entry */
    hashcache_put(c, d, h2);
    CHECK(hashcache_get(c, d, got));
    CHECK_MEM(got, h2, OPRF_HASH_BYTES);
    hashcache_get_stats(c, &st);
    CHECK_INT(st.inserts, 1);
    CHECK_INT(st.evictions, 0);
    hashcache_free(c);
    hashcache_free(NULL);
}

static void
test_digest_keyed_and_deterministic(void)
{
    struct hashcache *a = hashcache_new(4096), *b = hashcache_new(4096);
    static const uint8_t x[] = "email\0a@example.fi", y[] = "email\0b@example.fi";
    uint8_t d1[HASHCACHE_DIGEST_BYTES], d2[HASHCACHE_DIGEST_BYTES], d3[HASHCACHE_DIGEST_BYTES];
    uint8_t unkeyed[HASHCACHE_DIGEST_BYTES];

    hashcache_digest(a, x, sizeof(x) - 1, d1);
    hashcache_digest(a, x, sizeof(x) - 1, d2);
    CHECK_MEM(d1, d2, HASHCACHE_DIGEST_BYTES);
    hashcache_digest(a, y, sizeof(y) - 1, d2);
    CHECK(memcmp(d1, d2, HASHCACHE_DIGEST_BYTES) != 0);
    /* the kind ‖ 0x00 ‖ value encoding is hashed whole, NUL included */
    hashcache_digest(a, x, 5, d2);
    CHECK(memcmp(d1, d2, HASHCACHE_DIGEST_BYTES) != 0);
    /* another cache has another key */
    hashcache_digest(b, x, sizeof(x) - 1, d3);
    CHECK(memcmp(d1, d3, HASHCACHE_DIGEST_BYTES) != 0);
    /* and it is keyed at all: not plain BLAKE2b */
    crypto_generichash(unkeyed, sizeof(unkeyed), x, sizeof(x) - 1, NULL, 0);
    CHECK(memcmp(d1, unkeyed, HASHCACHE_DIGEST_BYTES) != 0);
    /* the empty input is an input */
    hashcache_digest(a, x, 0, d2);
    hashcache_digest(a, x, 0, d3);
    CHECK_MEM(d2, d3, HASHCACHE_DIGEST_BYTES);
    hashcache_free(a);
    hashcache_free(b);
}

static void
test_sizing(void)
{
    struct hashcache *c = hashcache_new(1 << 16);
    struct hashcache_stats st;

    hashcache_get_stats(c, &st);
    CHECK(st.capacity > 0 && (st.capacity & (st.capacity - 1)) == 0);
    CHECK(c->nsets * sizeof(struct hc_set) <= 1 << 16);
    CHECK(c->nsets * 2 * sizeof(struct hc_set) > 1 << 16); /* rounded down, not further */
    CHECK(st.capacity * (HASHCACHE_DIGEST_BYTES + OPRF_HASH_BYTES) <= 1 << 16);
    hashcache_free(c);
    /* a few bytes still make one set */
    c = hashcache_new(1);
    hashcache_get_stats(c, &st);
    CHECK_INT(st.capacity, WAYS);
    hashcache_free(c);
}

static void
fill(struct hashcache *c, unsigned count, unsigned (*last)[WAYS], unsigned *seen)
{
    uint8_t d[HASHCACHE_DIGEST_BYTES], h[OPRF_HASH_BYTES];

    for (unsigned i = 0; i < count; i++) {
        size_t s;

        digest_for(c, i, d);
        hash_for(i, h);
        s = (size_t)(set_of(c, d) - c->sets);
        last[s][seen[s] % WAYS] = i; /* with no hits, a set keeps its last WAYS inserts */
        seen[s]++;
        hashcache_put(c, d, h);
    }
}

static void
test_capacity_bound(void)
{
    struct hashcache *c = hashcache_new(1 << 16);
    struct hashcache_stats st;
    struct hc_set *table = c->sets;
    size_t nsets = c->nsets, cap, found = 0;
    unsigned (*last)[WAYS], *seen, count;
    uint8_t d[HASHCACHE_DIGEST_BYTES], h[OPRF_HASH_BYTES], got[OPRF_HASH_BYTES];

    hashcache_get_stats(c, &st);
    cap = st.capacity;
    count = (unsigned)(10 * cap);
    last = lw_xcalloc(nsets, sizeof(*last));
    seen = lw_xcalloc(nsets, sizeof(*seen));
    fill(c, count, last, seen);

    hashcache_get_stats(c, &st);
    CHECK_INT(st.capacity, cap);
    CHECK(c->sets == table && c->nsets == nsets); /* no growth, no reallocation */
    CHECK_INT(st.inserts, count);
    CHECK(st.evictions > 0);
    CHECK_INT(st.inserts - st.evictions, cap); /* every set is full (80 inserts a set, on average) */
    /* every set holds exactly its most recent WAYS inserts */
    for (size_t s = 0; s < nsets; s++) {
        for (unsigned k = 0; k < WAYS && k < seen[s]; k++) {
            digest_for(c, last[s][k], d);
            hash_for(last[s][k], h);
            if (hashcache_get(c, d, got) && memcmp(got, h, OPRF_HASH_BYTES) == 0) {
                found++;
            }
        }
    }
    CHECK_INT(found, cap);
    digest_for(c, count - 1, d); /* the newest */
    CHECK(hashcache_get(c, d, got));
    digest_for(c, 0, d); /* the oldest, long evicted */
    CHECK(!hashcache_get(c, d, got));
    free(last);
    free(seen);
    hashcache_free(c);
}

/* CLOCK: an entry that was hit survives a set's worth of new inserts; FIFO would drop it. */
static void
test_hit_entry_survives(void)
{
    struct hashcache *c = hashcache_new(sizeof(struct hc_set)); /* one set */
    uint8_t d[HASHCACHE_DIGEST_BYTES], h[OPRF_HASH_BYTES], got[OPRF_HASH_BYTES];
    struct hashcache_stats st;

    CHECK_INT(c->nsets, 1);
    for (unsigned i = 0; i < WAYS; i++) {
        crafted(c, 0, i, d);
        hash_for(i, h);
        hashcache_put(c, d, h);
    }
    crafted(c, 0, 3, d);
    CHECK(hashcache_get(c, d, got));
    for (unsigned i = 100; i < 100 + WAYS; i++) {
        crafted(c, 0, i, d);
        hash_for(i, h);
        hashcache_put(c, d, h);
    }
    crafted(c, 0, 3, d);
    hash_for(3, h);
    CHECK(hashcache_get(c, d, got));
    CHECK_MEM(got, h, OPRF_HASH_BYTES);
    crafted(c, 0, 2, d); /* never hit: gone */
    CHECK(!hashcache_get(c, d, got));
    crafted(c, 0, 100, d); /* the oldest unreferenced new entry made room for the last one */
    CHECK(!hashcache_get(c, d, got));
    crafted(c, 0, 100 + WAYS - 1, d);
    CHECK(hashcache_get(c, d, got));
    hashcache_get_stats(c, &st);
    CHECK_INT(st.inserts, 2 * WAYS);
    CHECK_INT(st.evictions, WAYS);
    hashcache_free(c);
}

static void
test_never_inserted_misses(void)
{
    struct hashcache *c = hashcache_new(1 << 14);
    uint8_t d[HASHCACHE_DIGEST_BYTES], h[OPRF_HASH_BYTES], got[OPRF_HASH_BYTES];
    unsigned misses = 0;

    for (unsigned i = 0; i < 100; i++) {
        digest_for(c, i, d);
        hash_for(i, h);
        hashcache_put(c, d, h);
    }
    for (unsigned i = 1000; i < 2000; i++) {
        digest_for(c, i, d);
        misses += !hashcache_get(c, d, got);
    }
    CHECK_INT(misses, 1000);
    /* same set, same first 15 bytes as a stored digest: the whole digest is compared */
    crafted(c, 5, 7, d);
    hash_for(7, h);
    hashcache_put(c, d, h);
    d[HASHCACHE_DIGEST_BYTES - 1] ^= 1;
    CHECK(!hashcache_get(c, d, got));
    d[HASHCACHE_DIGEST_BYTES - 1] ^= 1;
    CHECK(hashcache_get(c, d, got));
    /* an all-zero digest is a digest like any other, not an empty slot */
    memset(d, 0, sizeof(d));
    CHECK(!hashcache_get(c, d, got));
    hashcache_free(c);
}

static void
test_disabled(void)
{
    struct hashcache *c = hashcache_new(0);
    uint8_t d[HASHCACHE_DIGEST_BYTES], h[OPRF_HASH_BYTES], got[OPRF_HASH_BYTES];
    struct hashcache_stats st;

    for (unsigned i = 0; i < 50; i++) {
        digest_for(c, i % 5, d);
        hash_for(i, h);
        hashcache_put(c, d, h);
        CHECK(!hashcache_get(c, d, got));
    }
    hashcache_get_stats(c, &st);
    CHECK_INT(st.capacity, 0);
    CHECK_INT(st.lookups, 50);
    CHECK_INT(st.hits, 0);
    CHECK_INT(st.inserts, 0);
    CHECK_INT(st.evictions, 0);
    hashcache_free(c);
}

static void
test_stats(void)
{
    struct hashcache *c = hashcache_new(1 << 16);
    uint8_t d[HASHCACHE_DIGEST_BYTES], h[OPRF_HASH_BYTES], got[OPRF_HASH_BYTES];
    struct hashcache_stats st;

    hashcache_get_stats(c, &st);
    CHECK(st.lookups == 0 && st.hits == 0 && st.inserts == 0 && st.evictions == 0);
    /* the ingest pattern: look up, on a miss evaluate and put; 30 values, each seen 3 times */
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 30; i++) {
            digest_for(c, i, d);
            if (!hashcache_get(c, d, got)) {
                hash_for(i, h);
                hashcache_put(c, d, h);
            }
        }
    }
    hashcache_get_stats(c, &st);
    CHECK_INT(st.lookups, 90);
    CHECK_INT(st.hits, 60);
    CHECK_INT(st.inserts, 30);
    CHECK_INT(st.evictions, 0);
    hashcache_free(c);
}

int
main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    RUN(test_round_trip);
    RUN(test_digest_keyed_and_deterministic);
    RUN(test_sizing);
    RUN(test_capacity_bound);
    RUN(test_hit_entry_survives);
    RUN(test_never_inserted_misses);
    RUN(test_disabled);
    RUN(test_stats);
    return LW_TEST_END();
}
