/*
 * common/alloc.c — aborting allocators and checked size arithmetic.
 *
 * The checked helpers use the compiler's __builtin_*_overflow, which compiles to a flag test; the
 * alternative (dividing back) is slower and easier to get wrong.
 */

#include "common/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what, size_t n)
{
    fprintf(stderr, "leakwatch: fatal: %s of %zu bytes failed\n", what, n);
    abort();
}

bool
lw_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

bool
lw_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

void *
lw_xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);

    if (p == NULL) {
        die("allocation", n);
    }
    return p;
}

void *
lw_xcalloc(size_t nmemb, size_t size)
{
    size_t total;
    void *p;

    if (!lw_size_mul(nmemb, size, &total)) {
        die("allocation (size overflow)", SIZE_MAX);
    }
    p = calloc(total == 0 ? 1 : nmemb, total == 0 ? 1 : size);
    if (p == NULL) {
        die("allocation", total);
    }
    return p;
}

void *
lw_xmallocarray(size_t nmemb, size_t size)
{
    size_t total;

    if (!lw_size_mul(nmemb, size, &total)) {
        die("allocation (size overflow)", SIZE_MAX);
    }
    return lw_xmalloc(total);
}

void *
lw_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n == 0 ? 1 : n);

    if (q == NULL) {
        die("reallocation", n);
    }
    return q;
}

void *
lw_xreallocarray(void *p, size_t nmemb, size_t size)
{
    size_t total;

    if (!lw_size_mul(nmemb, size, &total)) {
        die("reallocation (size overflow)", SIZE_MAX);
    }
    return lw_xrealloc(p, total);
}

void *
lw_xgrowarray(void *arr, size_t *cap, size_t need, size_t max, size_t size)
{
    size_t n = *cap < 16 ? 16 : *cap;

    while (n < need && n < max) {
        n = n > max / 2 ? max : n * 2;
    }
    if (n > max) {
        n = max;
    }
    if (n <= *cap) {
        return arr;
    }
    *cap = n;
    return lw_xreallocarray(arr, n, size);
}

void *
lw_xmemdup(const void *p, size_t n)
{
    void *q = lw_xmalloc(n);

    if (n > 0) {
        memcpy(q, p, n);
    }
    return q;
}

char *
lw_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    size_t total;
    char *q;

    if (!lw_size_add(len, 1, &total)) {
        die("allocation (size overflow)", SIZE_MAX);
    }
    q = lw_xmalloc(total);
    memcpy(q, s, len);
    q[len] = '\0';
    return q;
}

char *
lw_xstrdup(const char *s)
{
    return lw_xstrndup(s, strlen(s));
}

void
lw_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        explicit_bzero(p, n);
    }
}

void
lw_wipe_free(void *p, size_t n)
{
    if (p == NULL) {
        return;
    }
    lw_wipe(p, n);
    free(p);
}
