/*
 * common/num.h — the one place numbers are parsed from text [curl strparse, Redis string2ll].
 *
 * Every parser here takes a slice (not a C string), accepts exactly the documented syntax with no
 * leading/trailing space or sign surprises, checks overflow and the caller's bounds, and never
 * touches errno. Anything else in leakwatch that needs a number from text calls these.
 */
#ifndef LW_COMMON_NUM_H
#define LW_COMMON_NUM_H

#include <stdint.h>

#include "common/error.h"
#include "common/slice.h"

/* Decimal digits only, at least one, value in [min, max]. LW_ERR_INVALID on syntax, LW_ERR_RANGE
 * on overflow or out of bounds. *out is written only on success. */
enum lw_rc lw_parse_u64(struct lw_slice s, uint64_t min, uint64_t max, uint64_t *out);

/* Optional leading '-' or '+', then decimal digits; value in [min, max]. */
enum lw_rc lw_parse_i64(struct lw_slice s, int64_t min, int64_t max, int64_t *out);

/* A duration: digits with an optional unit s, m, h, d (none means seconds), or several such
 * terms concatenated ("1h30m"). Result in seconds, at most max_seconds. */
enum lw_rc lw_parse_duration(struct lw_slice s, uint64_t max_seconds, uint64_t *seconds);

/* A byte size: digits with an optional unit k, M, G (binary: 1024-based; "KiB"/"MB" spellings and
 * case are accepted), at most max_bytes. */
enum lw_rc lw_parse_size(struct lw_slice s, uint64_t max_bytes, uint64_t *bytes);

#endif
