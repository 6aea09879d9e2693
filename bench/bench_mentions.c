/*
 * bench/bench_mentions.c — throughput of the keyword scanner (parsers/mentions.h), the matcher
 * ingest and crawl run over every document's bytes once any clinic has a keyword.
 *
 * Every figure is printed beside a reference measured in the same run, as a ratio:
 *   - No arguments (make bench runs it): a synthetic text in memory (BENCH_MENTIONS_MB MiB,
 *     default 32; Finnish and English words, diacritics, e-mail addresses, punctuation, from a
 *     fixed seed) fed in 64 KiB chunks, as ingest's reader tap hands it over, to a matcher with
 *     1, 100 and 10,000 keywords. Beside each: counting the words of the same bytes (runs of ASCII
 *     letters and digits and of non-ASCII bytes), the least a matcher on word boundaries must do
 *     per byte. The 1-keyword line is the reference for the others: the design promises a cost
 *     per byte independent of the number of keywords. Three alternating rounds of BENCH_MS
 *     milliseconds each (default 1000), best kept.
 *   - `bench_mentions --file FILE --keywords KWFILE`: one pass of FILE, read() in 64 KiB chunks,
 *     through a matcher holding KWFILE's keywords (one per line) as one document, then one line
 *     "bytes N keywords K found F". bench/enroll.sh times the process (GNU time) beside ripgrep
 *     on the same file with the same keywords.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/num.h"
#include "parsers/mentions.h"

#define CHUNK (64 * 1024)

static double seconds = 1.0;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: a fixed text from a fixed seed, no libc rand() state. */
static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static const char *const words[] = {
    "Psykoterapiaistunto",
    "masennus",
    "lievittynyt",
    "uniongelmat",
    "jatkuvat",
    "Terapiakäynti",
    "ahdistus",
    "työpaikalla",
    "käsitelty",
    "paniikkikohtauksia",
    "Session",
    "notes",
    "patient",
    "discussed",
    "anxiety",
    "family",
    "conflict",
    "therapy",
    "plan",
    "kept",
    "Lyhytterapia",
    "käynti",
    "Itsetuhoisia",
    "ajatuksia",
    "ei",
    "enää",
    "raportoitu",
    "Pariterapia",
    "parisuhteen",
    "kriisi",
    "seuraava",
    "aika",
    "kahden",
    "viikon",
    "päästä",
    "Mikko",
    "Salonen",
    "Sanna",
    "Rantanen",
    "Tiina",
    "Heinonen",
    "Äänekoski",
    "Öljymäki",
    "Jyväskylä",
    "the",
    "and",
    "of",
    "Esimerkki",
    "potilas",
    "klinikka",
};

/* The synthetic text: words, now and then a number, an e-mail address or a line break. */
static char *
make_text(size_t len)
{
    char *t = lw_xmalloc(len);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    size_t n = 0;

    while (n < len) {
        char w[96];
        uint64_t r = next_rand(&s);
        const char *word = words[r % (sizeof(words) / sizeof(words[0]))];
        int k;

        switch ((r >> 32) % 16) {
        case 0:
            k = snprintf(w, sizeof(w), "%s.%u@example.fi; ", word, (unsigned)(r >> 40) % 1000);
            break;
        case 1: k = snprintf(w, sizeof(w), "040-%07u\n", (unsigned)(r >> 20) % 10000000); break;
        case 2: k = snprintf(w, sizeof(w), "%s, ", word); break;
        case 3: k = snprintf(w, sizeof(w), "%s.\n", word); break;
        default: k = snprintf(w, sizeof(w), "%s ", word); break;
        }
        size_t m = (size_t)k < len - n ? (size_t)k : len - n;
        memcpy(t + n, w, m);
        n += m;
    }
    return t;
}

/* n keywords: clinic names that do not occur in the text, and, from 100 on, a few that do (one
 * of them two words long), so the compare path runs too. */
static struct mentions *
make_matcher(size_t n)
{
    static const char *const occurring[] = {"Lyhytterapia", "Salonen", "kahden viikon", "Äänekoski",
                                            "Esimerkki"};
    struct mentions *m = mentions_new();

    for (size_t i = 0; i < n; i++) {
        char w[64];
        const char *word = w;

        if (n >= 100 && i < sizeof(occurring) / sizeof(occurring[0])) {
            word = occurring[i];
        } else {
            snprintf(w, sizeof(w), "%s %zu", i % 2 ? "Terapiakeskus Mielenrauha" : "Psykoklinikka",
                     i);
        }
        if (mentions_add(m, (int64_t)i + 1, lw_slice_cstr(word), NULL) != LW_OK) {
            abort();
        }
    }
    return m;
}

/* Words in p: runs of ASCII letters and digits and non-ASCII bytes. */
static size_t
count_words(const unsigned char *p, size_t n, int *in_word)
{
    size_t count = 0;
    int in = *in_word;

    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        int w = c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        count += (size_t)(w && !in);
        in = w;
    }
    *in_word = in;
    return count;
}

/* MB/s over text, pass after pass, for `seconds` (the clock read every MiB); m NULL: the word
 * count. A pass is one document. *sink gets the keywords or words found, so none of it is dead. */
static double
rate(struct mentions *m, const char *text, size_t len, size_t *sink)
{
    double start = now(), t = start;
    size_t bytes = 0, i = len, chunks = 0;
    int in_word = 0;

    *sink = 0;
    while (t - start < seconds) {
        if (i == len) {
            const int64_t *ids;
            if (m != NULL && bytes > 0) {
                *sink += mentions_end(m, &ids);
            }
            if (m != NULL) {
                mentions_begin(m);
            }
            i = 0;
        }
        size_t k = len - i < CHUNK ? len - i : CHUNK;
        if (m != NULL) {
            mentions_feed(m, text + i, k);
        } else {
            *sink += count_words((const unsigned char *)text + i, k, &in_word);
        }
        i += k;
        bytes += k;
        if (++chunks % 16 == 0) {
            t = now();
        }
    }
    return (double)bytes / (t - start) / 1e6;
}

static int
run_synthetic(void)
{
    static const size_t counts[] = {1, 100, 10000};
    const char *env = getenv("BENCH_MENTIONS_MB");
    uint64_t mb = 32, ms;
    double best[3] = {0, 0, 0}, wc = 0;
    size_t found[3] = {0, 0, 0}, words_n = 0;
    struct mentions *m[3];

    if (env != NULL && lw_parse_u64(lw_slice_cstr(env), 1, 4096, &mb) != LW_OK) {
        fprintf(stderr, "bench_mentions: BENCH_MENTIONS_MB: 1 to 4096\n");
        return 2;
    }
    env = getenv("BENCH_MS");
    if (env != NULL && lw_parse_u64(lw_slice_cstr(env), 10, 600000, &ms) == LW_OK) {
        seconds = (double)ms / 1000.0;
    }
    size_t len = (size_t)mb << 20;
    char *text = make_text(len);
    for (int i = 0; i < 3; i++) {
        m[i] = make_matcher(counts[i]);
    }
    /* Alternate the matcher and the reference so a burst of other load lands on both. */
    for (int round = 0; round < 3; round++) {
        wc = fmax(wc, rate(NULL, text, len, &words_n));
        for (int i = 0; i < 3; i++) {
            best[i] = fmax(best[i], rate(m[i], text, len, &found[i]));
        }
    }
    printf("\nmentions scanner (parsers/mentions.h), %llu MiB synthetic text in memory, 64 KiB "
           "chunks\n",
           (unsigned long long)mb);
    printf("%-18s %10s %14s %8s %16s %8s\n", "keywords", "MB/s", "word count MB/s", "ratio",
           "1 keyword MB/s", "ratio");
    for (int i = 0; i < 3; i++) {
        printf("%-18zu %10.1f %14.1f %8.3f %16.1f %8.3f\n", counts[i], best[i], wc, best[i] / wc,
               best[0], best[i] / best[0]);
    }
    printf("(MB = 10^6 bytes; best of 3 rounds of %.1f s; word count: runs of letters, digits and "
           "non-ASCII bytes)\n",
           seconds);
    for (int i = 0; i < 3; i++) {
        mentions_free(m[i]);
    }
    free(text);
    return 0;
}

/* The keywords of path, one per line; a line the matcher refuses is an error. */
static int
load_keywords(struct mentions *m, const char *path)
{
    char line[MENTIONS_WORD_MAX + 8];
    FILE *f = fopen(path, "r");
    int64_t id = 0;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "bench_mentions: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        struct lw_error err = {0};

        if (n == 0) {
            continue;
        }
        if (mentions_add(m, ++id, lw_slice_make(line, n), &err) != LW_OK) {
            fprintf(stderr, "bench_mentions: %s: keyword %lld refused\n", path, (long long)id);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int
run_file(const char *path, const char *kwpath)
{
    struct mentions *m = mentions_new();
    char *buf = lw_xmalloc(CHUNK);
    const int64_t *ids;
    unsigned long long bytes = 0;
    ssize_t n = 0;
    int fd = -1, rc = 1;

    if (load_keywords(m, kwpath) != 0) {
        goto out;
    }
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "bench_mentions: %s: %s\n", path, strerror(errno));
        goto out;
    }
    mentions_begin(m);
    while ((n = read(fd, buf, CHUNK)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) {
            mentions_feed(m, buf, (size_t)n);
            bytes += (unsigned long long)n;
        }
    }
    if (n < 0) {
        fprintf(stderr, "bench_mentions: %s: %s\n", path, strerror(errno));
        goto out;
    }
    size_t found = mentions_end(m, &ids);
    printf("bytes %llu keywords %zu found %zu\n", bytes, mentions_count(m), found);
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    mentions_free(m);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc == 1) {
        return run_synthetic();
    }
    if (argc == 5 && strcmp(argv[1], "--file") == 0 && strcmp(argv[3], "--keywords") == 0) {
        return run_file(argv[2], argv[4]);
    }
    fprintf(stderr, "usage: bench_mentions [--file FILE --keywords KWFILE]\n");
    return 2;
}
