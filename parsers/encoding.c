/*
 * parsers/encoding.c — clean UTF-8 from whatever a dump holds.
 *
 * Per byte: a well-formed UTF-8 sequence is copied; anything else is one Windows-1252 character
 * (a superset of Latin-1 in the printable range, and what "ANSI" exports from Nordic Windows
 * machines are). Mixed files — UTF-8 rows appended to a Latin-1 dump — come out right row by row.
 */
#include "parsers/encoding.h"

#include "common/escape.h"

/* Windows-1252 0x80–0x9F; 0 marks the five undefined positions. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static bool
is_bad_control(unsigned cp)
{
    return cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r';
}

bool
encoding_is_clean(struct lw_slice in)
{
    size_t i = 0;

    while (i < in.len) {
        unsigned cp;
        size_t n = lw_utf8_decode(lw_slice_make(in.p + i, in.len - i), &cp);

        if (n == 0 || is_bad_control(cp)) {
            return false;
        }
        i += n;
    }
    return true;
}

static enum lw_rc
put_cp(struct lw_buf *out, unsigned cp)
{
    char tmp[4];

    return lw_buf_append(out, tmp, lw_utf8_encode(cp, tmp));
}

enum lw_rc
encoding_to_utf8(struct lw_slice in, struct lw_buf *out)
{
    size_t i = 0;

    while (i < in.len) {
        unsigned cp;
        size_t n = lw_utf8_decode(lw_slice_make(in.p + i, in.len - i), &cp);
        enum lw_rc rc;

        if (n > 1 || (n == 1 && !is_bad_control(cp))) {
            rc = lw_buf_append(out, in.p + i, n);
        } else if (n == 1) {
            rc = lw_buf_append_byte(out, ' ');
        } else {
            unsigned char b = (unsigned char)in.p[i];

            n = 1;
            cp = b >= 0xA0 ? b : cp1252_high[b - 0x80];
            rc = put_cp(out, cp == 0 ? 0xFFFD : cp);
        }
        if (rc != LW_OK) {
            return rc;
        }
        i += n;
    }
    return LW_OK;
}
