/* tests/unit/common/test_escape.c — UTF-8 encoding and decoding round trips (common/escape.h). */
#include "common/escape.h"

#include <string.h>

#include "tests/unit/lw_test.h"

/* Every scalar value encodes to the shortest form and decodes back; surrogates are refused. */
static void
test_round_trip(void)
{
    unsigned bad = 0;

    for (unsigned cp = 0; cp <= 0x10FFFF; cp++) {
        char b[4];
        unsigned back = 0;
        size_t n;

        if (cp >= 0xD800 && cp <= 0xDFFF) {
            continue;
        }
        n = lw_utf8_encode(cp, b);
        if (n != (cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u) ||
            lw_utf8_decode(lw_slice_make(b, n), &back) != n || back != cp) {
            bad++;
        }
    }
    CHECK_INT(bad, 0);
}

static void
test_known_bytes(void)
{
    char b[4];
    unsigned cp = 0;

    CHECK_INT(lw_utf8_encode(0xE4, b), 2); /* ä */
    CHECK(memcmp(b, "\xC3\xA4", 2) == 0);
    CHECK_INT(lw_utf8_encode(0x20AC, b), 3); /* € */
    CHECK(memcmp(b, "\xE2\x82\xAC", 3) == 0);
    CHECK_INT(lw_utf8_encode(0x1F600, b), 4);
    CHECK(memcmp(b, "\xF0\x9F\x98\x80", 4) == 0);
    CHECK_INT(lw_utf8_decode(LW_SLICE_LIT("\xED\xA0\x80"), &cp), 0); /* a surrogate */
    CHECK_INT(lw_utf8_decode(LW_SLICE_LIT("\xC0\xAF"), &cp), 0);     /* overlong */
    CHECK_INT(lw_utf8_decode(LW_SLICE_LIT("\xE2\x82"), &cp), 0);     /* cut short */
}

int
main(void)
{
    RUN(test_round_trip);
    RUN(test_known_bytes);
    return LW_TEST_END();
}
