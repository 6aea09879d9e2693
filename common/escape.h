/*
 * common/escape.h — making untrusted bytes safe to print [Tor SafeLogging, escaped()].
 *
 * Anything that came from outside (a URL, a file name, a header, a config value) may hold terminal
 * escape sequences, newlines that forge log lines, or invalid UTF-8. These functions append an
 * escaped copy to a bounded buffer. Leaked *contents* must never be printed at all, escaped or not.
 */
#ifndef LW_COMMON_ESCAPE_H
#define LW_COMMON_ESCAPE_H

#include "common/buf.h"
#include "common/slice.h"

enum lw_escape_mode {
    /* Printable ASCII and well-formed printable UTF-8 pass through; '\\' becomes "\\\\"; \n \r \t
     * become "\\n" "\\r" "\\t"; every other control byte, C1 control and invalid UTF-8 byte becomes
     * "\\xNN". The result is one line of text. */
    LW_ESCAPE_TEXT,
    /* The body of a JSON string (no surrounding quotes): '"' and '\\' escaped, controls as \\uXXXX,
     * well-formed UTF-8 passed through, each invalid byte as the six characters "\\\\xNN" so
     * the output is always valid JSON and the bad byte stays visible. */
    LW_ESCAPE_JSON,
};

/* Append the escaped form of in to out. LW_ERR_TOO_LARGE when out's ceiling is reached (out then
 * holds a prefix ending on a whole escape sequence). */
enum lw_rc lw_escape(struct lw_buf *out, struct lw_slice in, enum lw_escape_mode mode);

/* Length of the well-formed UTF-8 sequence at the start of s (1–4), or 0 if s does not start with
 * one (overlong forms, surrogates and values above U+10FFFF are not well-formed). *cp gets the
 * code point. */
size_t lw_utf8_decode(struct lw_slice s, unsigned *cp);

/* The UTF-8 encoding of code point cp (at most U+10FFFF; the caller keeps surrogates out) into
 * out; returns its length, 1 to 4. */
size_t lw_utf8_encode(unsigned cp, char out[4]);

#endif
