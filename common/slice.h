/*
 * common/slice.h — a borrowed view of bytes: {pointer, length}, not NUL-terminated [h2o h2o_iovec_t,
 * curl Curl_str]. Parsers hand these out; a slice is valid only as long as the buffer it points into
 * (for parser output: until the next call on that parser). Copy what must outlive it.
 */
#ifndef LW_COMMON_SLICE_H
#define LW_COMMON_SLICE_H

#include <stdbool.h>
#include <stddef.h>

struct lw_slice {
    const char *p;
    size_t len;
};

#define LW_SLICE_LIT(s) ((struct lw_slice){(s), sizeof(s) - 1})

struct lw_slice lw_slice_make(const char *p, size_t len);
struct lw_slice lw_slice_cstr(const char *s); /* NULL gives the empty slice */

/* Exact and ASCII-case-insensitive equality. */
bool lw_slice_eq(struct lw_slice a, struct lw_slice b);
bool lw_slice_eq_ci(struct lw_slice a, struct lw_slice b);
bool lw_slice_starts_with(struct lw_slice s, struct lw_slice prefix);

/* Strip ASCII white space (space, \t, \r, \n, \v, \f) from both ends. */
struct lw_slice lw_slice_trim(struct lw_slice s);

/* Split at the first occurrence of c: *head gets the part before, the return value the part after
 * (or the empty slice with p == NULL when c does not occur; then *head is all of s). */
struct lw_slice lw_slice_split(struct lw_slice s, char c, struct lw_slice *head);

#endif
