/*
 * parsers/mentions.c — a streaming matcher of folded keywords over a document (contract in
 * parsers/mentions.h).
 *
 * The document is folded on the fly, one code point at a time, with the same lw_fold_char() that
 * folds the keywords (common/fold.c), so "Ääni" in the text and "aani" in a keyword agree by
 * construction. The folded text is kept only as a short tail: the current word and the words
 * before it, separated by one space, and never more than the longest folded keyword plus one
 * byte (the boundary before it) once the buffer is compacted. A word longer than every keyword
 * cannot be part of a match, so it resets the tail to a bare boundary.
 *
 * Matching happens when a word ends. Each keyword is indexed by a 32-bit FNV-1a hash of its last
 * folded word: a 64 Ki-bit filter answers "can any keyword end with this word?" in one load, and
 * only on a yes are the keywords with that hash (binary search in an array sorted by hash)
 * compared against the tail: the keyword's bytes must be the end of the tail and the byte before
 * them a space. The tail starts as one space, so a keyword at the very start of a document
 * matches. The cost per byte is a table lookup, a hash step and a store; per word, one filter
 * probe — independent of the number of keywords.
 *
 * Chunk independence: a UTF-8 sequence cut by a chunk end is carried (at most 3 bytes) into the
 * next call; only at mentions_end() is an unfinished sequence read as Latin-1, exactly as
 * lw_fold() reads it at the end of a string. So any split of the input gives the same matches.
 *
 * Alternative rejected: Aho–Corasick over the folded text. It finds substrings, not whole words,
 * and needs word-boundary checks on top; with keywords that are a few words long, hashing the last
 * word is simpler and as fast.
 */
#include "parsers/mentions.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/fold.h"

#define FILTER_BITS (1u << 16)
#define FOLDED_MAX (2 * MENTIONS_WORD_MAX + 1) /* every input byte folds to at most two */

struct keyword {
    int64_t id;
    char *folded;
    size_t len;
    uint32_t last_hash; /* FNV-1a of the last folded word */
};

struct slot {
    uint32_t hash;
    uint32_t index;
};

struct mentions {
    struct keyword *kw; /* in the order added */
    size_t n, cap;
    size_t maxlen;      /* longest folded keyword */
    bool ready;         /* order and filter describe every keyword */
    struct slot *order; /* (last_hash, keyword index), sorted */
    uint64_t filter[FILTER_BITS / 64];

    /* Per document. */
    size_t scan_n;      /* keywords indexed when the document began */
    size_t scan_maxlen; /* maxlen when the tail was sized */
    char *tail;         /* folded tail: " word word" */
    size_t tail_len, tail_cap;
    bool in_word, long_word;
    size_t word_len;
    uint32_t hash;
    uint8_t carry[4]; /* an unfinished UTF-8 sequence from the previous chunk */
    size_t carry_len;
    uint8_t *found;   /* per keyword, indexed like kw */
    int64_t *ids;
};

static uint32_t
fnv_step(uint32_t h, uint8_t c)
{
    return (h ^ c) * 16777619u;
}

#define FNV_BASIS 2166136261u

struct mentions *
mentions_new(void)
{
    return lw_xcalloc(1, sizeof(struct mentions));
}

void
mentions_free(struct mentions *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        free(m->kw[i].folded);
    }
    free(m->kw);
    free(m->order);
    lw_wipe_free(m->tail, m->tail_cap);
    free(m->found);
    free(m->ids);
    lw_wipe(m->carry, sizeof(m->carry));
    free(m);
}

enum lw_rc
mentions_add(struct mentions *m, int64_t id, struct lw_slice word, struct lw_error *err)
{
    char folded[FOLDED_MAX + 1];
    size_t len;

    if (word.len > MENTIONS_WORD_MAX) {
        return lw_error_set(err, LW_ERR_TOO_LARGE, "keyword longer than %d bytes",
                            MENTIONS_WORD_MAX);
    }
    if (m->n >= MENTIONS_KEYWORDS_MAX) {
        return lw_error_set(err, LW_ERR_TOO_LARGE, "more than %d keywords", MENTIONS_KEYWORDS_MAX);
    }
    len = lw_fold(word, folded, sizeof(folded));
    if (len == (size_t)-1) {
        return lw_error_set(err, LW_ERR_TOO_LARGE, "keyword too long once folded");
    }
    if (len == 0) {
        return lw_error_set(err, LW_ERR_INVALID, "keyword has no letters or digits");
    }
    size_t start = len;
    while (start > 0 && folded[start - 1] != ' ') {
        start--;
    }
    uint32_t h = FNV_BASIS;
    for (size_t i = start; i < len; i++) {
        h = fnv_step(h, (uint8_t)folded[i]);
    }
    m->kw = lw_xgrowarray(m->kw, &m->cap, m->n + 1, MENTIONS_KEYWORDS_MAX, sizeof(*m->kw));
    m->kw[m->n] = (struct keyword){id, lw_xmemdup(folded, len), len, h};
    m->n++;
    if (len > m->maxlen) {
        m->maxlen = len;
    }
    m->ready = false;
    return LW_OK;
}

size_t
mentions_count(const struct mentions *m)
{
    return m->n;
}

static int
by_hash(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }
    return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

/* Build the hash index and size the per-document buffers for the keywords added so far. */
static void
build(struct mentions *m)
{
    free(m->order);
    m->order = lw_xmallocarray(m->n ? m->n : 1, sizeof(*m->order));
    memset(m->filter, 0, sizeof(m->filter));
    for (size_t i = 0; i < m->n; i++) {
        uint32_t h = m->kw[i].last_hash % FILTER_BITS;
        m->order[i] = (struct slot){m->kw[i].last_hash, (uint32_t)i};
        m->filter[h / 64] |= (uint64_t)1 << (h % 64);
    }
    qsort(m->order, m->n, sizeof(*m->order), by_hash);

    lw_wipe_free(m->tail, m->tail_cap);
    m->scan_maxlen = m->maxlen;
    /* Compaction keeps maxlen + 1 bytes; room for as many again before the next compaction. */
    m->tail_cap = 2 * (m->maxlen + 1) + LW_FOLD_MAX_OUT + 1;
    m->tail = lw_xmalloc(m->tail_cap);
    free(m->found);
    free(m->ids);
    m->found = lw_xcalloc(m->n ? m->n : 1, 1);
    m->ids = lw_xmallocarray(m->n ? m->n : 1, sizeof(*m->ids));
    m->scan_n = m->n;
    m->ready = true;
}

void
mentions_begin(struct mentions *m)
{
    if (!m->ready) {
        build(m);
    }
    lw_wipe(m->tail, m->tail_len);
    lw_wipe(m->carry, sizeof(m->carry));
    memset(m->found, 0, m->scan_n);
    m->tail[0] = ' ';
    m->tail_len = 1;
    m->in_word = false;
    m->long_word = false;
    m->word_len = 0;
    m->carry_len = 0;
}

/* The keywords whose last word has the hash of the word that just ended: mark those that end the
 * tail on a boundary. */
static void
word_end(struct mentions *m)
{
    uint32_t h = m->hash;
    size_t lo = 0, hi = m->scan_n;

    m->in_word = false;
    if (m->long_word) {
        m->tail[0] = ' ';
        m->tail_len = 1;
        return;
    }
    if ((m->filter[(h % FILTER_BITS) / 64] & ((uint64_t)1 << (h % 64))) == 0) {
        return;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->order[mid].hash < h) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < m->scan_n && m->order[lo].hash == h; lo++) {
        const struct keyword *k = &m->kw[m->order[lo].index];
        if (k->len < m->tail_len && m->tail[m->tail_len - k->len - 1] == ' ' &&
            memcmp(m->tail + m->tail_len - k->len, k->folded, k->len) == 0) {
            m->found[m->order[lo].index] = 1;
        }
    }
}

/* Make room for k more tail bytes: keep the last maxlen + 1, which hold any keyword that can still
 * end at a later word and the boundary before it. */
static void
room(struct mentions *m, size_t k)
{
    if (m->tail_len + k > m->tail_cap) {
        size_t keep = m->scan_maxlen + 1;
        memmove(m->tail, m->tail + m->tail_len - keep, keep);
        lw_wipe(m->tail + keep, m->tail_len - keep);
        m->tail_len = keep;
    }
}

static void
letters(struct mentions *m, const char *f, size_t k)
{
    if (!m->in_word) {
        m->in_word = true;
        m->long_word = false;
        m->word_len = 0;
        m->hash = FNV_BASIS;
        if (m->tail[m->tail_len - 1] != ' ') {
            room(m, 1);
            m->tail[m->tail_len++] = ' ';
        }
    }
    for (size_t i = 0; i < k; i++) {
        m->hash = fnv_step(m->hash, (uint8_t)f[i]);
    }
    if (m->long_word) {
        return;
    }
    m->word_len += k;
    if (m->word_len > m->scan_maxlen) {
        m->long_word = true;
        return;
    }
    room(m, k);
    memcpy(m->tail + m->tail_len, f, k);
    m->tail_len += k;
}

/* Fold and take in the code point at p (n bytes available); returns the bytes consumed. */
static size_t
step(struct mentions *m, const uint8_t *p, size_t n)
{
    char f[LW_FOLD_MAX_OUT];
    size_t used = 1;
    size_t k = lw_fold_char(p, n, &used, f);

    if (k > 0) {
        letters(m, f, k);
    } else if (m->in_word) {
        word_end(m);
    }
    return used;
}

/* Does p (n bytes, n < 4) hold the valid start of a UTF-8 sequence that needs more bytes? */
static bool
unfinished(const uint8_t *p, size_t n)
{
    uint8_t c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return false;
    }
    if (n >= len || (n > 1 && (p[1] < lo || p[1] > hi))) {
        return false;
    }
    for (size_t i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return false;
        }
    }
    return true;
}

/* Finish the sequence carried from the last chunk with the first bytes of this one. Returns the
 * bytes of p consumed, or n with the carry updated when p did not complete it. */
static size_t
finish_carry(struct mentions *m, const uint8_t *p, size_t n)
{
    uint8_t tmp[8];
    size_t k = m->carry_len, take = n < 4 ? n : 4, total, pos = 0;

    memcpy(tmp, m->carry, k);
    memcpy(tmp + k, p, take);
    total = k + take;
    while (pos < k) {
        if (take == n && unfinished(tmp + pos, total - pos)) {
            memmove(m->carry, tmp + pos, total - pos);
            m->carry_len = total - pos;
            lw_wipe(tmp, sizeof(tmp));
            return n;
        }
        pos += step(m, tmp + pos, total - pos);
    }
    lw_wipe(tmp, sizeof(tmp));
    m->carry_len = 0;
    return pos - k;
}

void
mentions_feed(struct mentions *m, const void *bytes, size_t n)
{
    const uint8_t *p = bytes;
    size_t i = 0;

    if (m->scan_n == 0 || n == 0 || m->tail == NULL) {
        return;
    }
    if (m->carry_len > 0) {
        i = finish_carry(m, p, n);
    }
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            char f = (char)c;
            if (c >= 'A' && c <= 'Z') {
                f = (char)(c + ('a' - 'A'));
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                if (m->in_word) {
                    word_end(m);
                }
                i++;
                continue;
            }
            letters(m, &f, 1);
            i++;
            continue;
        }
        if (n - i < 4 && unfinished(p + i, n - i)) {
            memcpy(m->carry, p + i, n - i);
            m->carry_len = n - i;
            return;
        }
        i += step(m, p + i, n - i);
    }
}

size_t
mentions_end(struct mentions *m, const int64_t **ids)
{
    size_t count = 0;

    *ids = m->ids;
    if (m->scan_n == 0 || m->tail == NULL) {
        return 0;
    }
    for (size_t pos = 0; pos < m->carry_len;) {
        pos += step(m, m->carry + pos, m->carry_len - pos);
    }
    lw_wipe(m->carry, sizeof(m->carry));
    m->carry_len = 0;
    if (m->in_word) {
        word_end(m);
    }
    for (size_t i = 0; i < m->scan_n; i++) {
        if (m->found[i]) {
            m->ids[count++] = m->kw[i].id;
        }
    }
    lw_wipe(m->tail, m->tail_len);
    m->tail[0] = ' ';
    m->tail_len = 1;
    return count;
}
