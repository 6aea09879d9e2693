/*
 * common/escape.c — escaping untrusted bytes for logs and JSON.
 *
 * One pass, byte by byte: a strict UTF-8 decoder decides whether a multi-byte sequence may pass
 * through; everything else is escaped. The alternative rejected: escaping every non-ASCII byte. It is
 * simpler but turns every Nordic file or source name ("sähköposti.csv") into unreadable hex.
 */
#include "common/escape.h"

#include <stdio.h>

size_t
lw_utf8_decode(struct lw_slice s, unsigned *cp)
{
    const unsigned char *p = (const unsigned char *)s.p;
    unsigned c;
    size_t n;
    unsigned min;

    if (s.len == 0) {
        return 0;
    }
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2, c = p[0] & 0x1Fu, min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3, c = p[0] & 0x0Fu, min = 0x800;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4, c = p[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (s.len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return n;
}

size_t
lw_utf8_encode(unsigned cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static enum lw_rc
escape_byte(struct lw_buf *out, unsigned char c, enum lw_escape_mode mode)
{
    char tmp[8];

    if (mode == LW_ESCAPE_JSON) {
        snprintf(tmp, sizeof(tmp), "\\\\x%02X", c);
    } else {
        snprintf(tmp, sizeof(tmp), "\\x%02X", c);
    }
    return lw_buf_append_str(out, tmp);
}

static enum lw_rc
escape_ascii(struct lw_buf *out, unsigned char c, enum lw_escape_mode mode)
{
    char tmp[8];

    switch (c) {
    case '\\': return lw_buf_append_str(out, "\\\\");
    case '\n': return lw_buf_append_str(out, "\\n");
    case '\r': return lw_buf_append_str(out, "\\r");
    case '\t': return lw_buf_append_str(out, "\\t");
    case '"':
        return mode == LW_ESCAPE_JSON ? lw_buf_append_str(out, "\\\"") : lw_buf_append_byte(out, '"');
    default: break;
    }
    if (c >= 0x20 && c < 0x7F) {
        return lw_buf_append_byte(out, (char)c);
    }
    if (mode == LW_ESCAPE_JSON) {
        snprintf(tmp, sizeof(tmp), "\\u%04X", c);
        return lw_buf_append_str(out, tmp);
    }
    return escape_byte(out, c, mode);
}

enum lw_rc
lw_escape(struct lw_buf *out, struct lw_slice in, enum lw_escape_mode mode)
{
    size_t i = 0;

    while (i < in.len) {
        unsigned cp = 0;
        struct lw_slice rest = lw_slice_make(in.p + i, in.len - i);
        size_t n = lw_utf8_decode(rest, &cp);
        enum lw_rc rc;

        if (n == 1) {
            rc = escape_ascii(out, (unsigned char)in.p[i], mode);
        } else if (n > 1 && !(cp >= 0x80 && cp <= 0x9F) && cp != 0x2028 && cp != 0x2029) {
            rc = lw_buf_append(out, in.p + i, n);
        } else {
            /* invalid byte, or a C1 control / line separator that could forge lines */
            size_t bad = n == 0 ? 1 : n;
            rc = LW_OK;
            for (size_t k = 0; k < bad && rc == LW_OK; k++) {
                rc = escape_byte(out, (unsigned char)in.p[i + k], mode);
            }
            n = bad;
        }
        if (rc != LW_OK) {
            return rc;
        }
        i += n;
    }
    return LW_OK;
}
