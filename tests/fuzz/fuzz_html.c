/*
 * tests/fuzz/fuzz_html.c — the html parser through its ops table (the shared body of
 * tests/fuzz/fuzz_parser.h: the extractor over every record, the limits and stats contract), then
 * what this parser promises besides: every byte of every record readable, record offsets that
 * never go back; html_text() within its ceiling and valid UTF-8 (the feed hands libtidy nothing
 * else); html_links() with readable slices and anchor texts within HTML_ANCHOR_TEXT_MAX. Seed
 * corpus: tests/fuzz/corpus/fuzz_html/.
 */
#include "tests/fuzz/fuzz_parser.h"

#include "common/escape.h"
#include "parsers/html.h"

static volatile unsigned sink;

static void
touch(struct lw_slice s)
{
    for (size_t k = 0; k < s.len; k++) {
        sink += (unsigned char)s.p[k];
    }
}

static void
touch_records(const uint8_t *data, size_t size)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r = reader_open_mem(data, size, "fuzz");
    struct parser *p = NULL;
    struct record rec;
    uint64_t last = 0;

    parse_limits_default(&lim);
    lim.depth_max = 8;
    lim.doc_max = 1 << 20;
    if (parser_html.open(r, &lim, &p, &err) == LW_OK) {
        while (parser_html.next(p, &rec, &st, &err) == LW_OK) {
            if (rec.offset < last) {
                abort();
            }
            last = rec.offset;
            for (size_t i = 0; i < rec.n_fields; i++) {
                touch(rec.fields[i].name);
                touch(rec.fields[i].value);
            }
        }
        parser_html.close(p);
    }
    reader_close(r);
}

static void
check_text(const uint8_t *data, size_t size)
{
    size_t max = size % 3 == 0 ? 64 : 1 << 20;
    struct lw_buf text;
    struct lw_error err = {0};
    size_t i = 0;

    lw_buf_init(&text, 1 << 20);
    html_text((const char *)data, size, max, &text, &err);
    if (text.len > max) {
        abort();
    }
    while (i < text.len) {
        unsigned cp;
        size_t n = lw_utf8_decode(lw_slice_make(text.data + i, text.len - i), &cp);

        if (n == 0) {
            abort();
        }
        i += n;
    }
    lw_buf_free(&text);
}

static void
on_link(void *user, struct lw_slice href, struct lw_slice text)
{
    (void)user;
    if (text.len > HTML_ANCHOR_TEXT_MAX || (href.len > 0 && href.p == NULL)) {
        abort();
    }
    touch(href);
    touch(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_error err = {0};

    fuzz_parser_run(&parser_html, data, size);
    touch_records(data, size);
    check_text(data, size);
    html_links((const char *)data, size, on_link, NULL, &err);
    return 0;
}
