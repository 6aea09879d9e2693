/*
 * storage/uniqset.h — counting distinct values in bounded memory, without keeping the values.
 *
 * Each value is reduced to a 64-bit SipHash under a random key drawn when the set is made, and only
 * that is kept (8 bytes a value, in an open-addressing table of fixed capacity). The key never
 * leaves the process, so the table says nothing about the values even in a core dump. With 2^21
 * entries the chance that two distinct values collide is about 1 in 10^7. The table grows with
 * use, up to 16–32 bytes per allowed entry.
 */
#ifndef LW_STORAGE_UNIQSET_H
#define LW_STORAGE_UNIQSET_H

#include <stdbool.h>
#include <stddef.h>

struct uniqset;

/* A set holding at most max_entries values (memory grows with use to 16–32 bytes per entry). */
struct uniqset *uniqset_new(size_t max_entries);

/* Add a value: 1 if it was new, 0 if already there, -1 if new but the set is full (not added; the
 * count is then a lower bound). */
int uniqset_add(struct uniqset *s, const void *p, size_t len);

/* Distinct values added so far. */
size_t uniqset_count(const struct uniqset *s);

/* True once an add was refused for lack of room. */
bool uniqset_overflowed(const struct uniqset *s);

/* Forget every value (fresh key, same capacity). */
void uniqset_reset(struct uniqset *s);

/* NULL-safe. */
void uniqset_free(struct uniqset *s);

#endif
