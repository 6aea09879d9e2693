/*
 * parsers/encoding.h — making a raw value safe to scan: old dumps mix UTF-8 with Latin-1/Windows-1252,
 * and attacker-made ones hold NUL bytes and control characters.
 */
#ifndef LW_PARSERS_ENCODING_H
#define LW_PARSERS_ENCODING_H

#include <stdbool.h>

#include "common/buf.h"
#include "common/slice.h"

/* True when in is well-formed UTF-8 with no C0 control other than \t \n \r (scan it as it is). */
bool encoding_is_clean(struct lw_slice in);

/*
 * Append to out a clean UTF-8 rendering of in: well-formed UTF-8 passes through; each byte that
 * does not start a well-formed sequence is read as Windows-1252 and transcoded (the five undefined
 * code points become U+FFFD); NUL and other C0 controls but \t \n \r become a space. The output is
 * at most 3 bytes per input byte. LW_ERR_TOO_LARGE when out's ceiling is reached (out then holds a
 * prefix that ends on a whole character).
 */
enum lw_rc encoding_to_utf8(struct lw_slice in, struct lw_buf *out);

#endif
