/*
 * common/buf.h — a growable byte buffer with a hard ceiling [curl dynbuf].
 *
 * Every buffer that grows with input has a maximum fixed when it is created; appending past it fails
 * with LW_ERR_TOO_LARGE and leaves the contents as they were, so a hostile input can never make
 * leakwatch allocate without bound. The contents are always NUL-terminated (not counted in len) so
 * they can be handed to C string APIs. Freeing wipes the bytes first: buffers often hold leaked text.
 */
#ifndef LW_COMMON_BUF_H
#define LW_COMMON_BUF_H

#include <stddef.h>

#include "common/error.h"
#include "common/slice.h"

struct lw_buf {
    char *data;  /* NULL until the first append; NUL-terminated after it */
    size_t len;  /* bytes used, not counting the terminator */
    size_t cap;  /* bytes allocated */
    size_t max;  /* ceiling for len */
};

/* Set up an empty buffer that may hold at most max bytes. Allocates nothing. */
void lw_buf_init(struct lw_buf *b, size_t max);

/* Append n bytes. LW_ERR_TOO_LARGE (contents unchanged) when len + n would pass max. */
enum lw_rc lw_buf_append(struct lw_buf *b, const void *p, size_t n);
enum lw_rc lw_buf_append_str(struct lw_buf *b, const char *s);
enum lw_rc lw_buf_append_byte(struct lw_buf *b, char c);
enum lw_rc lw_buf_printf(struct lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The contents as a slice, valid until the next change to b. */
struct lw_slice lw_buf_slice(const struct lw_buf *b);

/* Forget the contents (wiped), keep the allocation for reuse. */
void lw_buf_reset(struct lw_buf *b);

/* Wipe and release the memory; b is empty (same max) afterwards. NULL-safe. */
void lw_buf_free(struct lw_buf *b);

#endif
