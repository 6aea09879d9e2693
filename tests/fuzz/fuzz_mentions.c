/*
 * tests/fuzz/fuzz_mentions.c — the keyword matcher and the folding under it.
 *
 * Input: NUL-separated parts; with two or more, all but the last are keywords (at most four), the
 * last is the document. Checks: lw_fold() output has no leading, trailing or doubled space and is
 * at most twice the input; the matcher gives the same ids whole, byte by byte and split in two;
 * and for documents that fold into 8 kB, exactly the keywords a reference finds (" fold(doc) "
 * contains " fold(keyword) "). Seed corpus: tests/fuzz/corpus/fuzz_mentions/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fold.h"
#include "parsers/mentions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYWORDS_MAX 4
#define REF_MAX 8192

static size_t
scan(struct mentions *m, const uint8_t *doc, size_t len, size_t chunk, unsigned *mask)
{
    const int64_t *ids = NULL;

    mentions_begin(m);
    for (size_t i = 0; i < len; i += chunk) {
        mentions_feed(m, doc + i, len - i < chunk ? len - i : chunk);
    }
    size_t n = mentions_end(m, &ids);
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ids[i] <= ids[i - 1]) {
            abort(); /* in the order added, each once */
        }
        *mask |= 1u << ids[i];
    }
    return n;
}

static void
check_fold(const uint8_t *p, size_t len)
{
    static char out[REF_MAX];
    size_t n = lw_fold(lw_slice_make((const char *)p, len), out, sizeof(out));

    if (n == (size_t)-1) {
        if (strlen(out) >= sizeof(out)) {
            abort();
        }
        return;
    }
    if (n != strlen(out) || n > 2 * len || (n > 0 && (out[0] == ' ' || out[n - 1] == ' ')) ||
        strstr(out, "  ") != NULL) {
        abort();
    }
}

static bool
reference(const uint8_t *doc, size_t len, struct lw_slice kw, bool *known)
{
    static char fd[REF_MAX + 2], fk[2 * MENTIONS_WORD_MAX + 4];
    size_t a = lw_fold(lw_slice_make((const char *)doc, len), fd + 1, REF_MAX);
    size_t b = lw_fold(kw, fk + 1, sizeof(fk) - 2);

    *known = a != (size_t)-1 && b != (size_t)-1 && b > 0;
    if (!*known) {
        return false;
    }
    fd[0] = fk[0] = ' ';
    fd[a + 1] = fk[b + 1] = ' ';
    fd[a + 2] = fk[b + 2] = '\0';
    return strstr(fd, fk) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mentions *m = mentions_new();
    struct lw_slice kw[KEYWORDS_MAX];
    bool added[KEYWORDS_MAX] = {false};
    size_t nkw = 0, start = 0;
    unsigned whole, bytewise, halves, want = 0;

    check_fold(data, size);
    for (size_t i = 0; i < size && nkw < KEYWORDS_MAX; i++) {
        if (data[i] == 0) {
            kw[nkw] = lw_slice_make((const char *)data + start, i - start);
            added[nkw] = mentions_add(m, (int64_t)nkw, kw[nkw], NULL) == LW_OK;
            nkw++;
            start = i + 1;
        }
    }
    const uint8_t *doc = data + start;
    size_t len = size - start;
    size_t n = scan(m, doc, len, len ? len : 1, &whole);
    if (scan(m, doc, len, 1, &bytewise) != n || bytewise != whole ||
        scan(m, doc, len, len / 2 + 1, &halves) != n || halves != whole) {
        abort();
    }
    bool all_known = true;
    for (size_t k = 0; k < nkw; k++) {
        bool known = false;
        bool hit = reference(doc, len, kw[k], &known);
        if (known && added[k] && hit) {
            want |= 1u << k;
        }
        all_known = all_known && (known || !added[k]);
    }
    if (all_known && want != whole) {
        abort();
    }
    mentions_free(m);
    return 0;
}
