/*
 * parsers/extract_int.h — what the extractor's files share: extract.c (records, fields, counts),
 * extract_scan.c (free-text candidates) and flags.c (record flags).
 */
#ifndef LW_PARSERS_EXTRACT_INT_H
#define LW_PARSERS_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/slice.h"
#include "parsers/extract.h"
#include "parsers/identifiers.h"

/* ---- text classes over clean UTF-8 --------------------------------------------------------- */

/* Byte classes, for the loops that run over every byte. */
#define XC_WORD 0x01u   /* ASCII letter, digit or '_' */
#define XC_ALPHA 0x02u  /* ASCII letter */
#define XC_DIGIT 0x04u  /* ASCII digit */
#define XC_HIGH 0x08u   /* 0x80–0xFF: part of a multi-byte character, decode it */
#define XC_CHUNK 0x10u  /* what a number is written with: digits and - . / ( ) + */
#define XC_LOCAL 0x20u  /* what a free-text e-mail local part is made of: alnum . _ % + - ' */
#define XC_DOMAIN 0x40u /* what a domain is made of: alnum . - */
#define XC_DIRTY 0x80u  /* not clean text as it is: 0x80–0xFF, or a C0 control but \t \n \r */

#define XC_IS_ALPHA(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define XC_IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define XC_OF(c)                                                                                   \
    (((c) >= 0x80 ? XC_HIGH | XC_DIRTY : 0u) |                                                     \
     ((c) < 0x20 && (c) != '\t' && (c) != '\n' && (c) != '\r' ? XC_DIRTY : 0u) |                   \
     (XC_IS_ALPHA(c) || XC_IS_DIGIT(c) || (c) == '_' ? XC_WORD : 0u) |                             \
     (XC_IS_ALPHA(c) ? XC_ALPHA : 0u) | (XC_IS_DIGIT(c) ? XC_DIGIT : 0u) |                         \
     (XC_IS_DIGIT(c) || (c) == '-' || (c) == '.' || (c) == '/' || (c) == '(' || (c) == ')' ||      \
              (c) == '+'                                                                           \
          ? XC_CHUNK                                                                               \
          : 0u) |                                                                                  \
     (XC_IS_ALPHA(c) || XC_IS_DIGIT(c) || (c) == '.' || (c) == '_' || (c) == '%' || (c) == '+' ||  \
              (c) == '-' || (c) == '\''                                                            \
          ? XC_LOCAL                                                                               \
          : 0u) |                                                                                  \
     (XC_IS_ALPHA(c) || XC_IS_DIGIT(c) || (c) == '.' || (c) == '-' ? XC_DOMAIN : 0u))
#define XC_R4(b) XC_OF(b), XC_OF((b) + 1), XC_OF((b) + 2), XC_OF((b) + 3)
#define XC_R16(b) XC_R4(b), XC_R4((b) + 4), XC_R4((b) + 8), XC_R4((b) + 12)
#define XC_R64(b) XC_R16(b), XC_R16((b) + 16), XC_R16((b) + 32), XC_R16((b) + 48)

static const unsigned char extract_class[256] = {XC_R64(0u), XC_R64(64u), XC_R64(128u),
                                                 XC_R64(192u)};

/* The class bits of byte c. */
static inline unsigned
extract_cls(char c)
{
    return extract_class[(unsigned char)c];
}

/* The code point at t.p[i] and its length in *n (at least 1). Input is clean UTF-8, but a
 * malformed sequence still gives U+FFFD and n = 1 rather than a read past t.len. */
static inline unsigned
extract_cp_at(struct lw_slice t, size_t i, size_t *n)
{
    unsigned char b = (unsigned char)t.p[i];
    size_t need;
    unsigned cp;

    *n = 1;
    if (b < 0x80) {
        return b;
    }
    if (b >= 0xF0) {
        need = 3;
        cp = b & 0x07u;
    } else if (b >= 0xE0) {
        need = 2;
        cp = b & 0x0Fu;
    } else if (b >= 0xC0) {
        need = 1;
        cp = b & 0x1Fu;
    } else {
        return 0xFFFD;
    }
    if (need >= t.len - i) {
        return 0xFFFD;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned char c = (unsigned char)t.p[i + k];

        if ((c & 0xC0u) != 0x80u) {
            return 0xFFFD;
        }
        cp = (cp << 6) | (c & 0x3Fu);
    }
    *n = need + 1;
    return cp;
}

/* The code point that ends just before t.p[i] (i > 0), or U+FFFD. */
static inline unsigned
extract_cp_before(struct lw_slice t, size_t i)
{
    size_t start = i - 1;
    size_t n;
    unsigned cp;

    while (start > 0 && i - start < 4 && ((unsigned char)t.p[start] & 0xC0u) == 0x80u) {
        start--;
    }
    cp = extract_cp_at(t, start, &n);
    return start + n == i ? cp : 0xFFFD;
}

/* A letter or digit for word boundaries: ASCII alphanumerics and '_', and every non-ASCII code
 * point from U+00C0 on except the symbols and punctuation blocks (× ÷, U+2000–U+2BFF general
 * punctuation to arrows and shapes, CJK punctuation, fullwidth ASCII punctuation, U+FFFD). */
static inline bool
extract_cp_is_word(unsigned cp)
{
    if (cp < 0x80) {
        return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
               cp == '_';
    }
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cp == 0xFFFD) {
        return false;
    }
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F)) {
        return false;
    }
    return true;
}

/* ---- where identifiers go ------------------------------------------------------------------ */

#define EXTRACT_CAND_MAX 96 /* longest free-text candidate assembled from chunks */

/*
 * The per-record collector the scanners report to. Hits are either delivered at once (hit != NULL,
 * queue == NULL) or queued until the record's flags are final (queue != NULL); a queue that would
 * pass its ceiling sets overflow and stops taking hits (the caller then scans again, direct).
 */
struct extract_sink {
    struct id_context ctx;
    char trunk[4];   /* national trunk prefix of ctx.region for free-text phones; "" none */
    bool no_rejects; /* do not count rejects (the value was already counted whole) */
    uint64_t found[ID_KIND_COUNT];
    uint64_t rejects[ID_KIND_COUNT];
    extract_hit_fn hit;
    void *user;
    unsigned flags;
    struct lw_buf *queue;
    bool overflow;
    char norm[ID_VALUE_MAX + 1];     /* normaliser output; wiped after each use */
    char cand[EXTRACT_CAND_MAX + 1]; /* a candidate assembled from chunks; wiped after each use */
};

/* Validate in as kind; on success count it and deliver it (an e-mail with its domain). */
bool extract_sink_try(struct extract_sink *s, enum id_kind kind, struct lw_slice in);
/* Count a reject of kind (unless s->no_rejects). */
void extract_sink_reject(struct extract_sink *s, enum id_kind kind);

/* ---- extract_scan.c ------------------------------------------------------------------------ */

/*
 * Find every identifier in text (clean UTF-8) as free text: every kind but the context-only ones;
 * dk_cpr only after the word "cpr" or when dk_labelled (the field's name says CPR).
 */
void extract_scan_text(struct extract_sink *s, struct lw_slice text, bool dk_labelled);

/* Does the whole trimmed value v have the shape of kind (the reject rule of extract.h, for a
 * labelled column)? */
bool extract_has_shape(enum id_kind kind, struct lw_slice v);

#endif
