/*
 * common/fold.h — folding text for name matching: case off, diacritics off, words separated by
 * one space. "Psykoterapiakeskus  VASTAAMO!" and "psykoterapiakeskus vastaamo" fold alike, and
 * so do "Ääniterapia Öström" and "aaniterapia ostrom".
 *
 * The folding, one code point at a time: ASCII letters to lower case; Latin-1 Supplement and Latin
 * Extended-A letters to their base letter (ä á à â ã å → a, ö ó ò ô õ ø → o, ü → u, é è ê ë → e,
 * ç → c, ñ → n, ý ÿ → y, š → s, ž → z, ð → d, þ → th, æ → ae, œ → oe, ß → ss; upper case likewise);
 * other letters and digits of any script are kept as they are (lower-cased where ASCII); every
 * other code point (punctuation, symbols, white space, control) is a word boundary. Bytes that are
 * not valid UTF-8 are read as Latin-1 (a Windows-1252 dump folds like its UTF-8 twin).
 *
 * Pure, allocation-free, thread-safe. Used for keywords (storage, when a clinic adds one) and for
 * documents (parsers/mentions.c, streaming): the one definition, so the two always agree.
 */
#ifndef LW_COMMON_FOLD_H
#define LW_COMMON_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"

/* Most output bytes one input code point can fold to (þ → "th", a kept 4-byte code point). */
#define LW_FOLD_MAX_OUT 4

/*
 * Fold one code point starting at in[0] (n > 0 bytes available). *used gets the input bytes
 * consumed (1 to 4). Writes the folded form to out (up to LW_FOLD_MAX_OUT bytes) and returns its
 * length; returns 0 for a word boundary.
 */
size_t lw_fold_char(const uint8_t *in, size_t n, size_t *used, char out[LW_FOLD_MAX_OUT]);

/*
 * Fold a whole string: words folded and joined by single spaces, no leading or trailing space.
 * Writes at most cap - 1 bytes and a NUL; returns the folded length, or (size_t)-1 if it does not
 * fit (out then holds a NUL-terminated prefix). A string of boundaries alone folds to "" (0).
 */
size_t lw_fold(struct lw_slice in, char *out, size_t cap);

#endif
