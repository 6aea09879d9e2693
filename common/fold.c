/*
 * common/fold.c — folding text for name matching (contract in common/fold.h).
 *
 * One code point at a time: decode strict UTF-8 (no overlong forms, no surrogates, nothing past
 * U+10FFFF); a byte that does not start a valid sequence is one Latin-1 code point — or, for
 * 0x80–0x9F, the Windows-1252 letter at that position (Š š Ž ž Œ œ Ÿ ƒ), so a Windows-1252 dump
 * folds like its UTF-8 twin. Then:
 *   - ASCII letters lower-cased, ASCII digits kept, the rest of ASCII a boundary;
 *   - U+00C0–U+017F (Latin-1 letters, Latin Extended-A) through two tables to a base letter, or
 *     to two letters for æ œ ß þ ĳ; × and ÷ are boundaries; ª º fold to a o, µ is kept;
 *   - U+0080–U+00BF otherwise a boundary (C1 controls, NBSP, symbols);
 *   - above U+017F: a letter or digit unless it lies in one of the ranges below that hold only
 *     punctuation, symbols, spaces, marks, private use or noncharacters. Kept code points are
 *     written back as UTF-8, unchanged.
 *
 * Alternative rejected: full Unicode property tables (or ICU) for "is a letter" and a full NFKD
 * decomposition. Clinic names are Latin-script; what matters is that ä/Ä/a and Latin-1/UTF-8 agree
 * exactly, and that other scripts neither crash nor collapse into boundaries. A short range list of
 * known non-letters gets that without a 100 kB table. Combining marks (U+0300–U+036F) are
 * boundaries as the contract says; a name written in decomposed form (NFD) does not match.
 */
#include "common/fold.h"

#include <stdbool.h>

#include "common/escape.h"

/* U+00C0–U+00FF: base letters; '.' is a boundary, '1' → "ae", '2' → "th", '3' → "ss". */
static const char latin1_base[64] = "aaaaaa1ceeeeiiiidnooooo.ouuuuy23"
                                    "aaaaaa1ceeeeiiiidnooooo.ouuuuy2y";

/* U+0100–U+017F: base letters; '1' → "ij", '2' → "oe". */
static const char latin_ext_a_base[128] = "aaaaaaccccccccdd"
                                          "ddeeeeeeeeeegggg"
                                          "gggghhhhiiiiiiii"
                                          "ii11jjkkklllllll"
                                          "lllnnnnnnnnnoooo"
                                          "oo22rrrrrrssssss"
                                          "ssttttttuuuuuuuu"
                                          "uuuuwwyyyzzzzzzs";

/* Windows-1252 0x80–0x9F as code points; 0 where the byte is no letter (it is then a boundary). */
static const uint16_t cp1252_letters[32] = {
    [0x03] = 0x0192, [0x0A] = 0x0160, [0x0C] = 0x0152, [0x0E] = 0x017D,
    [0x1A] = 0x0161, [0x1C] = 0x0153, [0x1E] = 0x017E, [0x1F] = 0x0178,
};

/* Code point ranges above U+017F that are not letters or digits (sorted, inclusive). */
static const struct {
    uint32_t lo, hi;
} non_letters[] = {
    {0x02B0, 0x036F},   {0x0374, 0x0375},   {0x037E, 0x037E},   {0x0384, 0x0385},
    {0x0387, 0x0387},   {0x055A, 0x055F},   {0x0589, 0x058A},   {0x05BE, 0x05BE},
    {0x05C0, 0x05C0},   {0x05C3, 0x05C3},   {0x05C6, 0x05C6},   {0x05F3, 0x05F4},
    {0x0600, 0x060F},   {0x061B, 0x061F},   {0x066A, 0x066D},   {0x06D4, 0x06D4},
    {0x0964, 0x0965},   {0x0E4F, 0x0E4F},   {0x0E5A, 0x0E5B},   {0x10FB, 0x10FB},
    {0x1360, 0x1368},   {0x166D, 0x166E},   {0x1680, 0x1680},   {0x169B, 0x169C},
    {0x16EB, 0x16ED},   {0x1800, 0x180F},   {0x2000, 0x2BFF},   {0x2E00, 0x2E7F},
    {0x2FF0, 0x2FFF},   {0x3000, 0x3004},   {0x3008, 0x3020},   {0x3030, 0x3030},
    {0x303D, 0x303F},   {0x3099, 0x309C},   {0x30A0, 0x30A0},   {0x30FB, 0x30FB},
    {0xD800, 0xF8FF},   {0xFD3E, 0xFD3F},   {0xFDD0, 0xFDEF},   {0xFE00, 0xFE6F},
    {0xFEFF, 0xFEFF},   {0xFF00, 0xFF0F},   {0xFF1A, 0xFF20},   {0xFF3B, 0xFF40},
    {0xFF5B, 0xFF65},   {0xFFF0, 0xFFFF},   {0x1D000, 0x1D24F}, {0x1F000, 0x1FBFF},
    {0xE0000, 0xE01EF}, {0xF0000, 0x10FFFF},
};

static size_t
base_letter(char b, char out[LW_FOLD_MAX_OUT])
{
    static const char *const pairs[] = {"ae", "th", "ss"};

    if (b == '.') {
        return 0;
    }
    if (b >= '1' && b <= '3') {
        out[0] = pairs[b - '1'][0];
        out[1] = pairs[b - '1'][1];
        return 2;
    }
    out[0] = b;
    return 1;
}

static bool
is_letter(uint32_t cp)
{
    for (size_t i = 0; i < sizeof(non_letters) / sizeof(non_letters[0]); i++) {
        if (cp < non_letters[i].lo) {
            return true;
        }
        if (cp <= non_letters[i].hi) {
            return false;
        }
    }
    return true;
}

/* Fold a code point above ASCII. */
static size_t
fold_cp(uint32_t cp, char out[LW_FOLD_MAX_OUT])
{
    if (cp >= 0xC0 && cp <= 0xFF) {
        return base_letter(latin1_base[cp - 0xC0], out);
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        char b = latin_ext_a_base[cp - 0x100];
        if (b == '1' || b == '2') {
            out[0] = b == '1' ? 'i' : 'o';
            out[1] = b == '1' ? 'j' : 'e';
            return 2;
        }
        out[0] = b;
        return 1;
    }
    if (cp == 0xAA || cp == 0xBA) {
        out[0] = cp == 0xAA ? 'a' : 'o';
        return 1;
    }
    if (cp == 0xB5 || (cp > 0x17F && is_letter(cp))) {
        return lw_utf8_encode(cp, out);
    }
    return 0;
}

size_t
lw_fold_char(const uint8_t *in, size_t n, size_t *used, char out[LW_FOLD_MAX_OUT])
{
    uint8_t c = in[0];
    unsigned cp = 0;

    if (c < 0x80) {
        *used = 1;
        if (c >= 'A' && c <= 'Z') {
            out[0] = (char)(c + ('a' - 'A'));
            return 1;
        }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out[0] = (char)c;
            return 1;
        }
        return 0;
    }
    *used = lw_utf8_decode(lw_slice_make((const char *)in, n), &cp);
    if (*used > 0) {
        return fold_cp(cp, out);
    }
    /* Not UTF-8: one Latin-1 byte, with Windows-1252's letters in 0x80–0x9F. */
    *used = 1;
    cp = c;
    if (c < 0xA0) {
        cp = cp1252_letters[c - 0x80];
        if (cp == 0) {
            return 0;
        }
    }
    return fold_cp(cp, out);
}

size_t
lw_fold(struct lw_slice in, char *out, size_t cap)
{
    const uint8_t *p = (const uint8_t *)in.p;
    size_t len = 0, i = 0;
    bool space = false; /* a boundary seen after a word: one space before the next */

    if (cap == 0) {
        return (size_t)-1;
    }
    out[0] = '\0';
    while (i < in.len) {
        char f[LW_FOLD_MAX_OUT];
        size_t used = 1;
        size_t k = lw_fold_char(p + i, in.len - i, &used, f);
        i += used;
        if (k == 0) {
            space = len > 0;
            continue;
        }
        size_t need = k + (space ? 1 : 0);
        if (need > cap - 1 - len) {
            out[len] = '\0';
            return (size_t)-1;
        }
        if (space) {
            out[len++] = ' ';
            space = false;
        }
        for (size_t j = 0; j < k; j++) {
            out[len++] = f[j];
        }
    }
    out[len] = '\0';
    return len;
}
