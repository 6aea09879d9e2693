/*
 * common/slice.c — helpers over borrowed byte views. All functions are total: any slice, including
 * {NULL, 0}, is valid input.
 */
#include "common/slice.h"

#include <string.h>

struct lw_slice
lw_slice_make(const char *p, size_t len)
{
    struct lw_slice s = {p, len};
    return s;
}

struct lw_slice
lw_slice_cstr(const char *s)
{
    return lw_slice_make(s, s == NULL ? 0 : strlen(s));
}

bool
lw_slice_eq(struct lw_slice a, struct lw_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool
lw_slice_eq_ci(struct lw_slice a, struct lw_slice b)
{
    if (a.len != b.len) {
        return false;
    }
    for (size_t i = 0; i < a.len; i++) {
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i])) {
            return false;
        }
    }
    return true;
}

bool
lw_slice_starts_with(struct lw_slice s, struct lw_slice prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.p, prefix.p, prefix.len) == 0);
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

struct lw_slice
lw_slice_trim(struct lw_slice s)
{
    while (s.len > 0 && is_space(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && is_space(s.p[s.len - 1])) {
        s.len--;
    }
    return s;
}

struct lw_slice
lw_slice_split(struct lw_slice s, char c, struct lw_slice *head)
{
    const char *hit = s.len > 0 ? memchr(s.p, c, s.len) : NULL;
    struct lw_slice tail = {NULL, 0};

    if (hit == NULL) {
        *head = s;
        return tail;
    }
    head->p = s.p;
    head->len = (size_t)(hit - s.p);
    tail.p = hit + 1;
    tail.len = s.len - head->len - 1;
    return tail;
}
