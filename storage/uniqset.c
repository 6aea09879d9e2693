/*
 * storage/uniqset.c — a fixed-capacity set of keyed 64-bit hashes.
 *
 * Linear probing over a power-of-two table kept at most half full, doubled as it fills up to the
 * size that max_entries needs; 0 marks an empty slot (a hash of 0 is stored as 1 — one more
 * collision pair in 2^64, harmless for counting). The ceiling is fixed when the set is made, so
 * memory does not depend on the input: a dump of a billion distinct values fills the set and then
 * only counts as "at least". A small document costs a small table.
 */
#include "storage/uniqset.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

struct uniqset {
    uint64_t *slots;
    size_t mask;  /* table size - 1 */
    size_t max;   /* entries allowed */
    size_t count;
    bool overflowed;
    unsigned char key[crypto_shorthash_KEYBYTES];
};

#define INITIAL_SLOTS 1024

struct uniqset *
uniqset_new(size_t max_entries)
{
    struct uniqset *s = lw_xcalloc(1, sizeof(*s));

    s->slots = lw_xcalloc(INITIAL_SLOTS, sizeof(*s->slots));
    s->mask = INITIAL_SLOTS - 1;
    s->max = max_entries;
    randombytes_buf(s->key, sizeof(s->key));
    return s;
}

static void
insert(uint64_t *slots, size_t mask, uint64_t h)
{
    size_t i = (size_t)h & mask;

    while (slots[i] != 0) {
        i = (i + 1) & mask;
    }
    slots[i] = h;
}

/* Double the table (rehashing the stored hashes) when it is half full. */
static void
grow(struct uniqset *s)
{
    size_t old_size = s->mask + 1;
    size_t size = old_size * 2;
    uint64_t *slots = lw_xcalloc(size, sizeof(*slots));

    for (size_t i = 0; i < old_size; i++) {
        if (s->slots[i] != 0) {
            insert(slots, size - 1, s->slots[i]);
        }
    }
    free(s->slots);
    s->slots = slots;
    s->mask = size - 1;
}

int
uniqset_add(struct uniqset *s, const void *p, size_t len)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;
    size_t i;

    crypto_shorthash(out, p, len, s->key);
    memcpy(&h, out, sizeof(h));
    if (h == 0) {
        h = 1;
    }
    for (i = (size_t)h & s->mask; s->slots[i] != 0; i = (i + 1) & s->mask) {
        if (s->slots[i] == h) {
            return 0;
        }
    }
    if (s->count >= s->max) {
        s->overflowed = true;
        return -1;
    }
    s->slots[i] = h;
    s->count++;
    if (s->count * 2 > s->mask + 1) {
        grow(s);
    }
    return 1;
}

size_t
uniqset_count(const struct uniqset *s)
{
    return s->count;
}

bool
uniqset_overflowed(const struct uniqset *s)
{
    return s->overflowed;
}

void
uniqset_reset(struct uniqset *s)
{
    free(s->slots);
    s->slots = lw_xcalloc(INITIAL_SLOTS, sizeof(*s->slots));
    s->mask = INITIAL_SLOTS - 1;
    s->count = 0;
    s->overflowed = false;
    randombytes_buf(s->key, sizeof(s->key));
}

void
uniqset_free(struct uniqset *s)
{
    if (s == NULL) {
        return;
    }
    free(s->slots);
    sodium_memzero(s->key, sizeof(s->key));
    free(s);
}
