/*
 * tests/fuzz/fuzz_num.c — the number parsers and the escaper on arbitrary bytes.
 *
 * Invariants checked: a parsed u64 prints back to the input less its leading zeros; the escaped
 * text contains no control byte and no invalid UTF-8, and takes at most 6 bytes per input byte
 * (JSON's \u00XX is the widest escape).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_escaped(struct lw_slice s)
{
    size_t i = 0;

    while (i < s.len) {
        unsigned cp;
        size_t n = lw_utf8_decode(lw_slice_make(s.p + i, s.len - i), &cp);

        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
            abort();
        }
        i += n;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_slice s = lw_slice_make((const char *)data, size);
    struct lw_buf b;
    uint64_t u;
    int64_t i;
    char back[32];

    if (lw_parse_u64(s, 0, UINT64_MAX, &u) == LW_OK) {
        struct lw_slice digits = s;

        /* leading zeros are accepted; the rest must print back exactly */
        while (digits.len > 1 && digits.p[0] == '0') {
            digits.p++;
            digits.len--;
        }
        snprintf(back, sizeof(back), "%" PRIu64, u);
        if (!lw_slice_eq(digits, lw_slice_cstr(back))) {
            abort();
        }
    }
    lw_parse_i64(s, INT64_MIN, INT64_MAX, &i);
    lw_parse_duration(s, UINT64_MAX, &u);
    lw_parse_size(s, UINT64_MAX, &u);
    for (int mode = 0; mode < 2; mode++) {
        lw_buf_init(&b, 6 * size + 16);
        if (lw_escape(&b, s, (enum lw_escape_mode)mode) != LW_OK || b.len > 6 * size + 16) {
            abort();
        }
        check_escaped(lw_buf_slice(&b));
        lw_buf_free(&b);
    }
    return 0;
}
