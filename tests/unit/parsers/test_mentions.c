/* tests/unit/parsers/test_mentions.c — the streaming keyword matcher: folding, word boundaries,
 * every chunk split, and agreement with a reference built on lw_fold() of the whole text. */
#include "parsers/mentions.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fold.h"
#include "tests/unit/lw_test.h"

static struct mentions *
make(const char *const *words, size_t n)
{
    struct mentions *m = mentions_new();
    for (size_t i = 0; i < n; i++) {
        struct lw_error err = {0};
        CHECK(mentions_add(m, (int64_t)(i + 1) * 10, lw_slice_cstr(words[i]), &err) == LW_OK);
    }
    return m;
}

/* The ids found in text fed in chunks of `chunk` bytes (0: all at once), as a bit mask of
 * keyword positions (id / 10 - 1). */
static unsigned
scan(struct mentions *m, const char *text, size_t len, size_t chunk)
{
    const int64_t *ids = NULL;
    unsigned mask = 0;

    mentions_begin(m);
    if (chunk == 0) {
        mentions_feed(m, text, len);
    } else {
        for (size_t i = 0; i < len; i += chunk) {
            mentions_feed(m, text + i, len - i < chunk ? len - i : chunk);
        }
    }
    size_t n = mentions_end(m, &ids);
    for (size_t i = 0; i < n; i++) {
        mask |= 1u << (ids[i] / 10 - 1);
    }
    return mask;
}

/* The same text split at one position into two chunks. */
static unsigned
scan_split(struct mentions *m, const char *text, size_t len, size_t at)
{
    const int64_t *ids = NULL;
    unsigned mask = 0;

    mentions_begin(m);
    mentions_feed(m, text, at);
    mentions_feed(m, text + at, len - at);
    size_t n = mentions_end(m, &ids);
    for (size_t i = 0; i < n; i++) {
        mask |= 1u << (ids[i] / 10 - 1);
    }
    return mask;
}

/* The mask for text, checking that every split and byte-by-byte feeding agree with it. */
static unsigned
found(struct mentions *m, const char *text)
{
    size_t len = strlen(text);
    unsigned whole = scan(m, text, len, 0);

    for (size_t at = 0; at <= len; at++) {
        CHECK_INT(scan_split(m, text, len, at), whole);
    }
    CHECK_INT(scan(m, text, len, 1), whole);
    CHECK_INT(scan(m, text, len, 3), whole);
    return whole;
}

static void
test_basic(void)
{
    const char *w[] = {"Vastaamo"};
    struct mentions *m = make(w, 1);

    CHECK_INT(mentions_count(m), 1);
    CHECK_INT(found(m, "Vastaamo"), 1);
    CHECK_INT(found(m, "vastaamo"), 1);
    CHECK_INT(found(m, "VASTAAMO:"), 1);
    CHECK_INT(found(m, "see vastaamo.fi for details"), 1);
    CHECK_INT(found(m, "Psykoterapiakeskus Vastaamo"), 1);
    CHECK_INT(found(m, "VÄSTÄÄMÖ"), 1);
    CHECK_INT(found(m, "v\xE4st\xE4\xE4m\xF6"), 1); /* Latin-1 */
    CHECK_INT(found(m, "vastaamossa"), 0);
    CHECK_INT(found(m, "epävastaamo"), 0);
    CHECK_INT(found(m, "vastaamo2"), 0);
    CHECK_INT(found(m, "vast aamo"), 0);
    CHECK_INT(found(m, ""), 0);
    CHECK_INT(found(m, "...!"), 0);
    mentions_free(m);
}

static void
test_multi_word(void)
{
    const char *w[] = {"Terapia Oy", "Psykoterapiakeskus Vastaamo"};
    struct mentions *m = make(w, 2);

    CHECK_INT(found(m, "terapia\n  oy"), 1);
    CHECK_INT(found(m, "Terapia, Oy."), 1);
    CHECK_INT(found(m, "Terapia\r\n\r\n-- Oy"), 1);
    CHECK_INT(found(m, "terapiaoy"), 0);
    CHECK_INT(found(m, "Terapia Oyj"), 0);
    CHECK_INT(found(m, "Xterapia Oy"), 0);
    CHECK_INT(found(m, "Terapia Ab Oy"), 0);
    CHECK_INT(found(m, "<p>Psykoterapiakeskus\n  <!-- -->VASTAAMO</p>"), 2);
    /* Markup is not interpreted: a tag name between the words is a word. */
    CHECK_INT(found(m, "<span>Psykoterapiakeskus</span><span>VASTAAMO</span>"), 0);
    CHECK_INT(found(m, "psykoterapiakeskus terapia oy vastaamo"), 1);
    mentions_free(m);
}

static void
test_start_end_html(void)
{
    const char *w[] = {"Vastaamo", "Ääniterapia Öström"};
    struct mentions *m = make(w, 2);

    CHECK_INT(found(m, "vastaamo was here"), 1);
    CHECK_INT(found(m, "leaked: vastaamo"), 1);
    CHECK_INT(found(m, "<html><body><p><b>Vastaamo</b></p></body></html>"), 1);
    CHECK_INT(found(m, "<a href=\"https://vastaamo.fi/\">x</a>"), 1);
    CHECK_INT(found(m, "<td>aaniterapia&nbsp;&#8203;ostrom</td>"), 0); /* "nbsp" is a word */
    CHECK_INT(found(m, "<td>aaniterapia</td><td>vastaamo</td>"), 1);
    CHECK_INT(found(m, "&Auml;&auml;niterapia"), 0); /* entities are not decoded */
    CHECK_INT(found(m, "\xC3\x84\xC3\xA4niterapia \xC3\x96str\xC3\xB6m"), 2);
    CHECK_INT(found(m, "\xC4\xE4niterapia \xD6str\xF6m"), 2);
    mentions_free(m);
}

static void
test_shared_word(void)
{
    struct mentions *m = mentions_new();
    struct lw_error err = {0};
    const int64_t *ids = NULL;

    /* Two clinics, one word; a keyword whose last word is the shared one. */
    CHECK(mentions_add(m, 7, lw_slice_cstr("Mielenterveys"), &err) == LW_OK);
    CHECK(mentions_add(m, 3, lw_slice_cstr("MIELENTERVEYS"), &err) == LW_OK);
    CHECK(mentions_add(m, 5, lw_slice_cstr("Helsingin Mielenterveys"), &err) == LW_OK);
    mentions_begin(m);
    mentions_feed(m, "mielenterveys ja mielenterveys", 30);
    CHECK_INT(mentions_end(m, &ids), 2);
    CHECK_INT(ids[0], 7);
    CHECK_INT(ids[1], 3);
    mentions_begin(m);
    mentions_feed(m, "HELSINGIN mielenterveys", 23);
    CHECK_INT(mentions_end(m, &ids), 3);
    CHECK_INT(ids[0], 7);
    CHECK_INT(ids[1], 3);
    CHECK_INT(ids[2], 5);
    mentions_begin(m); /* forgets the previous document */
    mentions_feed(m, "nothing here", 12);
    CHECK_INT(mentions_end(m, &ids), 0);
    mentions_free(m);
}

static void
test_add_errors(void)
{
    struct mentions *m = mentions_new();
    struct lw_error err = {0};
    char big[MENTIONS_WORD_MAX + 2];
    const int64_t *ids = NULL;

    CHECK(mentions_add(m, 1, lw_slice_cstr(" .,!"), &err) == LW_ERR_INVALID);
    CHECK(mentions_add(m, 1, lw_slice_cstr(""), &err) == LW_ERR_INVALID);
    memset(big, 'a', sizeof(big));
    CHECK(mentions_add(m, 1, lw_slice_make(big, MENTIONS_WORD_MAX + 1), &err) ==
          LW_ERR_TOO_LARGE);
    CHECK_INT(mentions_count(m), 0);
    /* Zero keywords: nothing to do, nothing found. */
    mentions_begin(m);
    mentions_feed(m, "anything at all", 15);
    CHECK_INT(mentions_end(m, &ids), 0);
    /* The longest keyword allowed, folding to twice its bytes (þ → th). */
    for (size_t i = 0; i + 1 < MENTIONS_WORD_MAX; i += 2) {
        big[i] = (char)0xC3;
        big[i + 1] = (char)0xBE;
    }
    CHECK(mentions_add(m, 10, lw_slice_make(big, MENTIONS_WORD_MAX), &err) == LW_OK);
    char doc[2 * MENTIONS_WORD_MAX + 8] = "x ";
    for (size_t i = 0; i < MENTIONS_WORD_MAX / 2; i++) {
        memcpy(doc + 2 + 2 * i, "TH", 2);
    }
    memcpy(doc + 2 + MENTIONS_WORD_MAX, " y", 3);
    CHECK_INT(found(m, doc), 1);
    doc[2 + MENTIONS_WORD_MAX] = 'h'; /* one letter longer: no match */
    CHECK_INT(found(m, doc), 0);
    mentions_free(m);
}

static void
test_long_words_and_compaction(void)
{
    const char *w[] = {"alpha beta", "gamma"};
    struct mentions *m = make(w, 2);
    size_t n = 100000;
    char *doc = malloc(n + 64);

    /* A word far longer than any keyword, then the keywords: still found, and not before it. */
    memset(doc, 'x', n);
    memcpy(doc + n, " alpha beta gamma", 18);
    CHECK_INT(scan(m, doc, strlen(doc), 0), 3);
    CHECK_INT(scan(m, doc, strlen(doc), 7), 3);
    memcpy(doc + n - 5, "alpha", 5); /* "xxalphaQalpha beta gamma": gamma only */
    doc[n] = 'Q';
    CHECK_INT(scan(m, doc, strlen(doc), 0), 2);
    /* Many short words: the tail is compacted many times; the match at the end still counts. */
    for (size_t i = 0; i < n; i += 2) {
        doc[i] = 'a';
        doc[i + 1] = ' ';
    }
    memcpy(doc + n, "alpha\nbeta", 11);
    CHECK_INT(scan(m, doc, strlen(doc), 0), 1);
    CHECK_INT(scan(m, doc, strlen(doc), 5), 1);
    free(doc);
    mentions_free(m);
}

/* Reference: does " fold(text) " contain " fold(word) "? */
static bool
reference(const char *text, size_t len, const char *word)
{
    static char ft[4096], fw[512];
    size_t a = lw_fold(lw_slice_make(text, len), ft + 1, sizeof(ft) - 2);
    size_t b = lw_fold(lw_slice_cstr(word), fw + 1, sizeof(fw) - 2);

    if (a == (size_t)-1 || b == (size_t)-1) {
        return false;
    }
    ft[0] = fw[0] = ' ';
    ft[a + 1] = fw[b + 1] = ' ';
    ft[a + 2] = fw[b + 2] = '\0';
    return strstr(ft, fw) != NULL;
}

static void
test_random_against_reference(void)
{
    static const char *const pieces[] = {
        "vast", "aamo", "Vastaamo", " ", "\n", "<b>", "</b>", "ö", "Ö", "\xF6", "\xC3", "\xA4",
        "\xE2\x80", "\x94", "\xF0\x9F", "\x98\x80", "oy", "Oy", "terapia", "TERAPIA", ".", "ä",
        "ni", "Ääni", "th", "þ", "ß", "ss", "\xE4", "x",
    };
    const char *w[] = {"Vastaamo", "Terapia Oy", "ääni", "oy", "þss", "vastaamo oy terapia"};
    struct mentions *m = make(w, 6);
    unsigned seed = 12345;
    char text[600];

    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        int pieces_n = (int)(seed % 40);
        for (int i = 0; i < pieces_n; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
            size_t pl = strlen(p);
            memcpy(text + len, p, pl);
            len += pl;
        }
        text[len] = '\0';
        unsigned want = 0;
        for (size_t k = 0; k < 6; k++) {
            want |= reference(text, len, w[k]) ? 1u << k : 0;
        }
        CHECK_INT(scan(m, text, len, 0), want);
        CHECK_INT(scan(m, text, len, 1), want);
        CHECK_INT(scan_split(m, text, len, len / 3), want);
        if (lw_test_current_failed) {
            fprintf(stderr, "round %d\n", round);
            break;
        }
        seed = seed * 1103515245u + 12345u;
    }
    mentions_free(m);
}

int
main(void)
{
    RUN(test_basic);
    RUN(test_multi_word);
    RUN(test_start_end_html);
    RUN(test_shared_word);
    RUN(test_add_errors);
    RUN(test_long_words_and_compaction);
    RUN(test_random_against_reference);
    return LW_TEST_END();
}
