/* tests/unit/common/test_fold.c — folding for name matching: case, diacritics, boundaries. */
#include "common/fold.h"

#include <stdint.h>
#include <string.h>

#include "tests/unit/lw_test.h"

/* Fold s into a static buffer; "(overflow)" when it does not fit 256 bytes. */
static const char *
fold(const char *s)
{
    static char out[256];
    size_t n = lw_fold(lw_slice_cstr(s), out, sizeof(out));
    return n == (size_t)-1 ? "(overflow)" : out;
}

static void
test_ascii(void)
{
    CHECK_STR(fold("Psykoterapiakeskus  VASTAAMO!"), "psykoterapiakeskus vastaamo");
    CHECK_STR(fold("psykoterapiakeskus vastaamo"), "psykoterapiakeskus vastaamo");
    CHECK_STR(fold("Abc123xyz"), "abc123xyz");
    CHECK_STR(fold("vastaamo.fi"), "vastaamo fi");
    CHECK_STR(fold("<b>Vastaamo</b>&nbsp;Oy"), "b vastaamo b nbsp oy");
    CHECK_STR(fold("a_b-c'd"), "a b c d");
    CHECK_STR(fold("@[`{~"), "");
}

static void
test_nordic_german(void)
{
    CHECK_STR(fold("Ääniterapia Öström"), "aaniterapia ostrom");
    CHECK_STR(fold("ÄÖÅ äöå"), "aoa aoa");
    CHECK_STR(fold("Ææ Øø Åå"), "aeae oo aa");
    CHECK_STR(fold("Müller Straße"), "muller strasse");
    CHECK_STR(fold("ÜÖÄ üöä"), "uoa uoa");
    CHECK_STR(fold("Þórður Ðóra"), "thordur dora");
    CHECK_STR(fold("þ"), "th");
    CHECK_STR(fold("ß"), "ss");
    CHECK_STR(fold("æ"), "ae");
    CHECK_STR(fold("Œuvre œ"), "oeuvre oe");
    CHECK_STR(fold("ÀÁÂÃÄÅ àáâãäå"), "aaaaaa aaaaaa");
    CHECK_STR(fold("ÈÉÊË èéêë ÌÍÎÏ ìíîï"), "eeee eeee iiii iiii");
    CHECK_STR(fold("ÒÓÔÕÖØ òóôõöø ÙÚÛÜ ùúûü"), "oooooo oooooo uuuu uuuu");
    CHECK_STR(fold("Ç ç Ñ ñ Ý ý ÿ Ÿ"), "c c n n y y y y");
    CHECK_STR(fold("Šaržė Łódź Ĳssel"), "sarze lodz ijssel");
    CHECK_STR(fold("Čřšžť ĞİŞ ő ű ſ"), "crszt gis o u s");
    CHECK_STR(fold("ªº µ"), "ao µ");
}

static void
test_boundaries(void)
{
    CHECK_STR(fold("  ¡hola!  "), "hola");
    CHECK_STR(fold("a×b÷c"), "a b c");
    CHECK_STR(fold("a\xC2\xA0" "b"), "a b");            /* NBSP */
    CHECK_STR(fold("a\xE2\x80\x94" "b"), "a b");        /* em dash */
    CHECK_STR(fold("a\xE2\x80\x8B" "b"), "a b");        /* zero-width space */
    CHECK_STR(fold("a\xF0\x9F\x98\x80" "b"), "a b");    /* emoji */
    CHECK_STR(fold("a\xC2\x85" "b"), "a b");            /* C1 NEL */
    CHECK_STR(fold("a\xCC\x88" "b"), "a b");            /* combining diaeresis */
    CHECK_STR(fold("a\t\r\n\f\vb"), "a b");
    CHECK_STR(fold(""), "");
    CHECK_STR(fold(" \n\t.,;"), "");
    CHECK_STR(fold("x"), "x");
    CHECK_STR(fold("...x..."), "x");
}

static void
test_other_scripts(void)
{
    CHECK_STR(fold("Москва ΑΘΗΝΑ"), "Москва ΑΘΗΝΑ");      /* kept, not lower-cased */
    CHECK_STR(fold("東京、大阪"), "東京 大阪");              /* ideographic comma is a boundary */
    CHECK_STR(fold("٣٤ ١٢"), "٣٤ ١٢");                     /* Arabic-Indic digits */
    CHECK_STR(fold("𝔸x"), "𝔸x");                           /* a 4-byte letter, kept */
}

static void
test_latin1_bytes(void)
{
    /* Windows-1252 / Latin-1 bytes fold like their UTF-8 twins. */
    CHECK_STR(fold("\xC4\xE4niterapia \xD6str\xF6m"), "aaniterapia ostrom");
    CHECK_STR(fold("Stra\xDF" "e \xC6\xE6 \xDE\xFE"), "strasse aeae thth");
    CHECK_STR(fold("\x8A\x9A\x8E\x9E\x8C\x9C\x9F"), "sszzoeoey");
    CHECK_STR(fold("a\x80" "b\x85" "c\x81" "d"), "a b c d"); /* euro, ellipsis, undefined */
    CHECK_STR(fold("\xB5"), "µ");
    CHECK_STR(fold("\xAA\xBA"), "ao");
    CHECK_STR(fold("a\xA0" "b\xD7" "c"), "a b c");
}

static void
test_invalid_utf8(void)
{
    /* Each byte of a bad sequence is read as Latin-1. */
    CHECK_STR(fold("\xC3"), "a");                          /* truncated at the end: Ã */
    CHECK_STR(fold("\xC3" "x"), "ax");                     /* lead without continuation */
    CHECK_STR(fold("\xC0\x80"), "a");                      /* overlong NUL: À then C1 */
    CHECK_STR(fold("\xE0\x80\xAF"), "a");                  /* overlong: à, C1, macron */
    CHECK_STR(fold("\xED\xA0\x80"), "i");                  /* surrogate: í, NBSP, C1 */
    CHECK_STR(fold("\xF4\x90\x80\x80"), "o");              /* past U+10FFFF: ô then C1s */
    CHECK_STR(fold("\xF8\x88\x80\x80\x80"), "o");          /* 5-byte form: ø then C1s */
    CHECK_STR(fold("\xE2\x82"), "a");                      /* truncated 3-byte: â, C1 */
    CHECK_STR(fold("\xFF\xFE"), "yth");
}

static void
test_fold_char(void)
{
    char out[LW_FOLD_MAX_OUT];
    size_t used = 0;

    CHECK_INT(lw_fold_char((const uint8_t *)"\xC3\xA4", 2, &used, out), 1);
    CHECK_INT(used, 2);
    CHECK(out[0] == 'a');
    CHECK_INT(lw_fold_char((const uint8_t *)"\xC3\xA4", 1, &used, out), 1); /* Ã */
    CHECK_INT(used, 1);
    CHECK_INT(lw_fold_char((const uint8_t *)"\xF0\x9D\x94\xB8", 4, &used, out), 4);
    CHECK_INT(used, 4);
    CHECK_MEM(out, "\xF0\x9D\x94\xB8", 4);
    CHECK_INT(lw_fold_char((const uint8_t *)"\xC3\xBE", 2, &used, out), 2);
    CHECK_MEM(out, "th", 2);
    CHECK_INT(lw_fold_char((const uint8_t *)" ", 1, &used, out), 0);
    CHECK_INT(used, 1);
    CHECK_INT(lw_fold_char((const uint8_t *)"\xE2\x80\x94", 3, &used, out), 0);
    CHECK_INT(used, 3);
}

static void
test_cap(void)
{
    char out[8];

    CHECK_INT(lw_fold(lw_slice_cstr("abc def"), out, 8), 7); /* exactly cap - 1 */
    CHECK_STR(out, "abc def");
    memset(out, 'X', sizeof(out));
    CHECK(lw_fold(lw_slice_cstr("abc defg"), out, 8) == (size_t)-1);
    CHECK(memchr(out, '\0', sizeof(out)) != NULL);
    CHECK(strncmp(out, "abc def", strlen(out)) == 0);
    CHECK(lw_fold(lw_slice_cstr("abcdefg\xC3\xBE"), out, 8) == (size_t)-1); /* "th" straddles */
    CHECK(memchr(out, '\0', sizeof(out)) != NULL);
    CHECK_INT(lw_fold(lw_slice_cstr("  ab  "), out, 3), 2);
    CHECK_STR(out, "ab");
    CHECK(lw_fold(lw_slice_cstr("a"), out, 1) == (size_t)-1);
    CHECK_STR(out, "");
    CHECK_INT(lw_fold(lw_slice_cstr("..."), out, 1), 0);
    CHECK(lw_fold(lw_slice_cstr("a"), out, 0) == (size_t)-1);
    CHECK_INT(lw_fold(lw_slice_make(NULL, 0), out, 4), 0);
}

int
main(void)
{
    RUN(test_ascii);
    RUN(test_nordic_german);
    RUN(test_boundaries);
    RUN(test_other_scripts);
    RUN(test_latin1_bytes);
    RUN(test_invalid_utf8);
    RUN(test_fold_char);
    RUN(test_cap);
    return LW_TEST_END();
}
