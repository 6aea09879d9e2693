/*
 * common/buf.c — bounded growable buffer.
 *
 * Growth doubles the capacity (amortised O(1) appends) but never past max + 1, so the ceiling also
 * bounds the allocation, not just the logical length.
 */
#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void
lw_buf_init(struct lw_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static enum lw_rc
reserve(struct lw_buf *b, size_t n)
{
    size_t need;
    size_t cap;

    if (!lw_size_add(b->len, n, &need) || need > b->max) {
        return LW_ERR_TOO_LARGE;
    }
    need++; /* terminator */
    if (need <= b->cap) {
        return LW_OK;
    }
    cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need) {
        if (!lw_size_mul(cap, 2, &cap)) {
            cap = need;
            break;
        }
    }
    if (cap > b->max + 1) {
        cap = b->max + 1;
    }
    if (b->data != NULL && b->len > 0) {
        /* realloc may move the old block without wiping it; copy by hand so leaked text is wiped */
        char *fresh = lw_xmalloc(cap);
        memcpy(fresh, b->data, b->len);
        lw_wipe_free(b->data, b->cap);
        b->data = fresh;
    } else {
        free(b->data);
        b->data = lw_xmalloc(cap);
    }
    b->cap = cap;
    return LW_OK;
}

enum lw_rc
lw_buf_append(struct lw_buf *b, const void *p, size_t n)
{
    enum lw_rc rc = reserve(b, n);

    if (rc != LW_OK) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return LW_OK;
}

enum lw_rc
lw_buf_append_str(struct lw_buf *b, const char *s)
{
    return lw_buf_append(b, s, strlen(s));
}

enum lw_rc
lw_buf_append_byte(struct lw_buf *b, char c)
{
    return lw_buf_append(b, &c, 1);
}

enum lw_rc
lw_buf_printf(struct lw_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    enum lw_rc rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return LW_ERR_INVALID;
    }
    rc = reserve(b, (size_t)n);
    if (rc != LW_OK) {
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LW_OK;
}

struct lw_slice
lw_buf_slice(const struct lw_buf *b)
{
    return lw_slice_make(b->data, b->len);
}

void
lw_buf_reset(struct lw_buf *b)
{
    lw_wipe(b->data, b->len);
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

void
lw_buf_free(struct lw_buf *b)
{
    if (b == NULL) {
        return;
    }
    lw_wipe_free(b->data, b->cap);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
