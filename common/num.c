/*
 * common/num.c — overflow-checking number parsing.
 *
 * Written by hand rather than over strtoull(): strtoull skips leading space, accepts a sign on an
 * unsigned value ("-1" becomes UINT64_MAX), needs a NUL-terminated string and reports through errno.
 */
#include "common/num.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse the longest run of digits at the start of s into *v; return how many bytes were used
 * (0 = no digits), or SIZE_MAX when the value overflows uint64_t. */
static size_t
digits(struct lw_slice s, uint64_t *v)
{
    uint64_t acc = 0;
    size_t i = 0;

    while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
        if (__builtin_mul_overflow(acc, 10, &acc) ||
            __builtin_add_overflow(acc, (uint64_t)(s.p[i] - '0'), &acc)) {
            return SIZE_MAX;
        }
        i++;
    }
    *v = acc;
    return i;
}

enum lw_rc
lw_parse_u64(struct lw_slice s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    size_t used = digits(s, &v);

    if (used == SIZE_MAX) {
        return LW_ERR_RANGE;
    }
    if (used == 0 || used != s.len) {
        return LW_ERR_INVALID;
    }
    if (v < min || v > max) {
        return LW_ERR_RANGE;
    }
    *out = v;
    return LW_OK;
}

enum lw_rc
lw_parse_i64(struct lw_slice s, int64_t min, int64_t max, int64_t *out)
{
    bool neg = false;
    uint64_t mag;
    int64_t v;
    enum lw_rc rc;

    if (s.len > 0 && (s.p[0] == '-' || s.p[0] == '+')) {
        neg = s.p[0] == '-';
        s.p++;
        s.len--;
    }
    rc = lw_parse_u64(s, 0, UINT64_MAX, &mag);
    if (rc != LW_OK) {
        return rc;
    }
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1) {
            return LW_ERR_RANGE;
        }
        v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX) {
            return LW_ERR_RANGE;
        }
        v = (int64_t)mag;
    }
    if (v < min || v > max) {
        return LW_ERR_RANGE;
    }
    *out = v;
    return LW_OK;
}

enum lw_rc
lw_parse_duration(struct lw_slice s, uint64_t max_seconds, uint64_t *seconds)
{
    uint64_t total = 0;

    if (s.len == 0) {
        return LW_ERR_INVALID;
    }
    while (s.len > 0) {
        uint64_t v;
        uint64_t mult = 1;
        size_t used = digits(s, &v);

        if (used == SIZE_MAX) {
            return LW_ERR_RANGE;
        }
        if (used == 0) {
            return LW_ERR_INVALID;
        }
        s.p += used;
        s.len -= used;
        if (s.len > 0) {
            switch (s.p[0]) {
            case 's': mult = 1; break;
            case 'm': mult = 60; break;
            case 'h': mult = 3600; break;
            case 'd': mult = 86400; break;
            default: return LW_ERR_INVALID;
            }
            s.p++;
            s.len--;
        } else if (total != 0) {
            return LW_ERR_INVALID; /* "1h30" is ambiguous */
        }
        if (__builtin_mul_overflow(v, mult, &v) || __builtin_add_overflow(total, v, &total)) {
            return LW_ERR_RANGE;
        }
    }
    if (total > max_seconds) {
        return LW_ERR_RANGE;
    }
    *seconds = total;
    return LW_OK;
}

static bool
suffix_is(struct lw_slice s, const char *a, const char *b, const char *c)
{
    const char *const opts[] = {a, b, c};

    for (size_t k = 0; k < 3; k++) {
        size_t i = 0;

        if (opts[k] == NULL) {
            continue;
        }
        while (i < s.len && opts[k][i] != '\0' && (s.p[i] | 0x20) == (opts[k][i] | 0x20)) {
            i++;
        }
        if (i == s.len && opts[k][i] == '\0') {
            return true;
        }
    }
    return false;
}

enum lw_rc
lw_parse_size(struct lw_slice s, uint64_t max_bytes, uint64_t *bytes)
{
    uint64_t v;
    uint64_t mult;
    size_t used = digits(s, &v);
    struct lw_slice unit;

    if (used == SIZE_MAX) {
        return LW_ERR_RANGE;
    }
    if (used == 0) {
        return LW_ERR_INVALID;
    }
    unit = lw_slice_make(s.p + used, s.len - used);
    if (unit.len == 0 || suffix_is(unit, "b", NULL, NULL)) {
        mult = 1;
    } else if (suffix_is(unit, "k", "kb", "kib")) {
        mult = 1024;
    } else if (suffix_is(unit, "m", "mb", "mib")) {
        mult = 1024 * 1024;
    } else if (suffix_is(unit, "g", "gb", "gib")) {
        mult = 1024ULL * 1024 * 1024;
    } else {
        return LW_ERR_INVALID;
    }
    if (__builtin_mul_overflow(v, mult, &v)) {
        return LW_ERR_RANGE;
    }
    if (v > max_bytes) {
        return LW_ERR_RANGE;
    }
    *bytes = v;
    return LW_OK;
}
