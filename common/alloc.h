/*
 * common/alloc.h — allocators that abort on failure, and overflow-checked size arithmetic.
 *
 * leakwatch cannot do anything useful after malloc fails, and checking every call site invites
 * bugs, so allocation failure aborts with a message [Tor tor_malloc, Redis zmalloc]. What must
 * never abort is a size computed from input: every multiplication and addition of sizes goes
 * through lw_size_mul()/lw_size_add() or the *array variants, which abort on overflow.
 */
#ifndef LW_COMMON_ALLOC_H
#define LW_COMMON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Never return NULL; abort the process if memory is exhausted. lw_xmalloc(0) returns a unique
 * pointer. */
void *lw_xmalloc(size_t n);
void *lw_xcalloc(size_t nmemb, size_t size);      /* zeroed; aborts if nmemb*size overflows */
void *lw_xmallocarray(size_t nmemb, size_t size); /* aborts if nmemb*size overflows */
void *lw_xrealloc(void *p, size_t n);
void *lw_xreallocarray(void *p, size_t nmemb, size_t size);
char *lw_xstrdup(const char *s);
char *lw_xstrndup(const char *s, size_t n); /* copies at most n bytes, NUL-terminates */
void *lw_xmemdup(const void *p, size_t n);

/*
 * Grow an array of *cap elements of `size` bytes so it holds at least `need`, doubling, but never
 * past `max` elements (the caller's limit; it must check need <= max itself). Returns the possibly
 * moved array and updates *cap; returns arr unchanged when it is already big enough.
 */
void *lw_xgrowarray(void *arr, size_t *cap, size_t need, size_t max, size_t size);

/* Overflow-checked arithmetic: store the result in *out and return true, or return false. */
bool lw_size_mul(size_t a, size_t b, size_t *out);
bool lw_size_add(size_t a, size_t b, size_t *out);

/* Wipe n bytes in a way the compiler may not elide (buffers that held leaked data or secrets). */
void lw_wipe(void *p, size_t n);

/* Wipe then free; NULL-safe. For buffers that held leaked plaintext. */
void lw_wipe_free(void *p, size_t n);

#endif
