/*
 * tests/unit/parsers/test_html.c — the HTML parser, html_links() and html_text(): what the golden
 * files cannot show (bounds, hostile inputs too large to commit, the guard's backstops, silence).
 * Includes the .c to reach the heap counters and the text passes; the feed is in html_int.h.
 */
#include "parsers/html.c"

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/escape.h"
#include "tests/unit/lw_test.h"

/* ---- helpers ----------------------------------------------------------------------------- */

struct links {
    char got[8192]; /* "href|text\n" per link, cut when full */
    size_t len;
    size_t n;
    size_t longest_text;
};

static void
on_link(void *user, struct lw_slice href, struct lw_slice text)
{
    struct links *l = user;
    int w = snprintf(l->got + l->len, sizeof(l->got) - l->len, "%.*s|%.*s\n", (int)href.len,
                     href.p, (int)text.len, text.p);

    if (w > 0 && (size_t)w < sizeof(l->got) - l->len) {
        l->len += (size_t)w;
    }
    l->n++;
    l->longest_text = text.len > l->longest_text ? text.len : l->longest_text;
}

static char *
repeat(const char *unit, size_t times, const char *tail, size_t *len)
{
    size_t ul = strlen(unit);
    size_t tl = strlen(tail);
    char *s = lw_xmalloc(ul * times + tl + 1);

    for (size_t i = 0; i < times; i++) {
        memcpy(s + i * ul, unit, ul);
    }
    memcpy(s + ul * times, tail, tl + 1);
    *len = ul * times + tl;
    return s;
}

static bool
valid_utf8(struct lw_slice s)
{
    size_t i = 0;

    while (i < s.len) {
        unsigned cp;
        size_t n = lw_utf8_decode(lw_slice_make(s.p + i, s.len - i), &cp);

        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Parse doc with the HTML parser and limits lim; the records' values, one per line, into out. */
struct run {
    char out[16384];
    size_t len;
    struct parse_stats st;
    uint64_t consumed;
    enum lw_rc rc;
};

static void
run_parser(const char *doc, size_t len, const struct parse_limits *lim, struct run *run)
{
    struct lw_error err = {0};
    struct reader *r = reader_open_mem(doc, len, "test.html");
    struct parser *p = NULL;
    struct record rec;

    memset(run, 0, sizeof(*run));
    CHECK_INT(parser_html.open(r, lim, &p, &err), LW_OK);
    while ((run->rc = parser_html.next(p, &rec, &run->st, &err)) == LW_OK) {
        for (size_t i = 0; i < rec.n_fields; i++) {
            int w = snprintf(run->out + run->len, sizeof(run->out) - run->len, "%.*s\n",
                             (int)rec.fields[i].value.len, rec.fields[i].value.p);

            if (w > 0 && (size_t)w < sizeof(run->out) - run->len) {
                run->len += (size_t)w;
            }
        }
    }
    CHECK_INT(parser_html.next(p, &rec, &run->st, &err), LW_ERR_NOT_FOUND); /* stays at the end */
    run->consumed = reader_offset(r);
    parser_html.close(p);
    reader_close(r);
}

/* ---- html_links -------------------------------------------------------------------------- */

static void
test_links_kinds_and_order(void)
{
    static const char doc[] =
        "<html><head><link rel=stylesheet href=\"/s.css\"><title>x</title></head><body>\n"
        "<p>Index: <a href=\"/paste/abc\">first  <b>paste</b></a>,\n"
        "<a href='https://paste.example.com/raw/def?x=1&amp;y=2'>raw</a>,\n"
        "<a href=\"javascript:void(0)\">menu</a> <a href=\"#top\">top</a>\n"
        "<a name=\"anchor-only\">no href</a> <a href=\"mailto:a@example.com\"></a>\n"
        "<A HREF=../up.html>UP</A></p>\n"
        "<map name=m><area href=\"/area\" alt=\"area text\"></map>\n"
        "<iframe src=\"//cdn.example.com/frame\">fallback</iframe>\n"
        "<a href=\"/with-script\">before<script>no</script> after</a>\n"
        "</body></html>";
    struct links l = {0};
    struct lw_error err = {0};

    CHECK_INT(html_links(doc, sizeof(doc) - 1, on_link, &l, &err), LW_OK);
    CHECK_STR(l.got, "/s.css|\n"
                     "/paste/abc|first paste\n"
                     "https://paste.example.com/raw/def?x=1&y=2|raw\n"
                     "javascript:void(0)|menu\n"
                     "#top|top\n"
                     "mailto:a@example.com|\n"
                     "../up.html|UP\n"
                     "/area|\n"
                     "//cdn.example.com/frame|\n"
                     "/with-script|before after\n");
    CHECK_INT(l.n, 10);
}

static void
test_links_frames(void)
{
    static const char doc[] = "<html><frameset cols=\"50%,50%\"><frame src=\"left.html\">"
                              "<frame src=\"http://example.com/right\"></frameset></html>";
    struct links l = {0};
    struct lw_error err = {0};

    CHECK_INT(html_links(doc, sizeof(doc) - 1, on_link, &l, &err), LW_OK);
    CHECK_STR(l.got, "left.html|\nhttp://example.com/right|\n");
}

static void
test_links_bounded(void)
{
    size_t len;
    char *doc = repeat("<a href=/p>x</a>", HTML_LINKS_MAX + 5, "", &len);
    struct links l = {0};
    struct lw_error err = {0};

    CHECK_INT(html_links(doc, len, on_link, &l, &err), LW_ERR_TOO_LARGE);
    CHECK_INT(l.n, HTML_LINKS_MAX);
    free(doc);
}

static void
test_links_anchor_text_bounded(void)
{
    size_t len;
    char *doc = repeat("\xc3\xa4", 5000, "</a><a href=/b>b</a>", &len);
    char *page = lw_xmalloc(len + 16);
    struct links l = {0};
    struct lw_error err = {0};

    memcpy(page, "<a href=/a>", 11);
    memcpy(page + 11, doc, len);
    CHECK_INT(html_links(page, len + 11, on_link, &l, &err), LW_OK);
    CHECK_INT(l.n, 2);
    CHECK(l.longest_text <= HTML_ANCHOR_TEXT_MAX);
    CHECK(l.longest_text >= HTML_ANCHOR_TEXT_MAX - 1); /* cut on a character boundary */
    free(page);
    free(doc);
}

/* ---- html_text --------------------------------------------------------------------------- */

static void
test_text_order(void)
{
    static const char doc[] =
        "<html><head><title>The  title</title><style>p{}</style></head><body>\n"
        "<nav>Home | New</nav>\n"
        "<h1>Heading</h1><p>First <i>para</i>graph\n  continues.</p><p>Second<br>line&nbsp;two"
        "<br><br>after gap</p>\n"
        "<pre>\n  keep   spaces\n\ttab</pre>\n"
        "<table><tr><th>a</th><th>b</th></tr><tr><td> 1 </td><td></td></tr></table>\n"
        "<div>div <span>inline</span></div><script>var hidden = 1;</script>\n"
        "<textarea>x,y\n1,2</textarea>\n"
        "<footer>foot</footer></body></html>";
    struct lw_buf text;
    struct lw_error err = {0};

    lw_buf_init(&text, 1 << 20);
    CHECK_INT(html_text(doc, sizeof(doc) - 1, 1 << 20, &text, &err), LW_OK);
    CHECK_STR(text.data, "  keep   spaces\n\ttab\n\n"
                         "x,y\n1,2\n\n"
                         "a\tb\n1\t\n\n"
                         "The title\n\nHeading\n\nFirst paragraph continues.\n\n"
                         "Second\nline two\n\nafter gap\n\ndiv inline\n\n"
                         "Home | New\n\nfoot");
    lw_buf_free(&text);
}

static void
test_text_entities_and_encoding(void)
{
    static const char doc[] = "<p>a&amp;b m&#64;example.fi &lt;x&gt; &euro; \x80 M\xe4kinen "
                              "\xc3\xa4 <\xe4 nul\x01</p>";
    struct lw_buf text;
    struct lw_error err = {0};

    lw_buf_init(&text, 4096);
    CHECK_INT(html_text(doc, sizeof(doc) - 1, 4096, &text, &err), LW_OK);
    CHECK_STR(text.data, "a&b m@example.fi <x> \xe2\x82\xac \xe2\x82\xac M\xc3\xa4kinen "
                         "\xc3\xa4 <\xc3\xa4 nul");
    lw_buf_free(&text);
}

static void
test_text_cut_at_max(void)
{
    size_t len;
    char *doc = repeat("<p>\xc3\xa4\xc3\xa4\xc3\xa4 word</p>", 1000, "", &len);
    struct lw_buf text;
    struct lw_error err = {0};

    lw_buf_init(&text, 1 << 20);
    CHECK_INT(html_text(doc, len, 1001, &text, &err), LW_ERR_TOO_LARGE);
    CHECK(text.len <= 1001);
    CHECK(text.len >= 990);
    CHECK(valid_utf8(lw_buf_slice(&text)));
    lw_buf_free(&text);
    lw_buf_init(&text, 100); /* the buffer's own ceiling counts too */
    CHECK_INT(html_text(doc, len, 1 << 20, &text, &err), LW_ERR_TOO_LARGE);
    CHECK(text.len <= 100);
    lw_buf_free(&text);
    free(doc);
}

static void
test_text_garbage_is_utf8(void)
{
    char doc[4096];
    struct lw_buf text;
    struct lw_error err = {0};
    unsigned x = 12345;

    for (size_t i = 0; i < sizeof(doc); i++) {
        x = x * 1103515245u + 12345u;
        doc[i] = (char)(x >> 16);
        if (i % 97 == 0) {
            doc[i] = '<';
        }
    }
    lw_buf_init(&text, 1 << 20);
    CHECK_INT(html_text(doc, sizeof(doc), 1 << 20, &text, &err), LW_OK);
    CHECK(text.len > 1000);
    CHECK(valid_utf8(lw_buf_slice(&text)));
    lw_buf_free(&text);
}

/* libtidy must not print anything, whatever the input. */
static void
test_silent(void)
{
    static const char doc[] = "<html><body><p>unclosed <b><i>x</b></i></div></td><foo bar=\"baz>"
                              "<table><td>cell<p><font>\xff\xfe broken &bogus; </body>";
    char tmpl[] = "/tmp/lw-html-silent-XXXXXX";
    int fd = mkstemp(tmpl);
    int saved_out = dup(STDOUT_FILENO);
    int saved_err = dup(STDERR_FILENO);
    struct lw_buf text;
    struct links l = {0};
    struct lw_error err = {0};
    struct run run;
    struct parse_limits lim;
    struct stat sb;

    CHECK(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    lw_buf_init(&text, 4096);
    html_text(doc, sizeof(doc) - 1, 4096, &text, &err);
    html_links(doc, sizeof(doc) - 1, on_link, &l, &err);
    parse_limits_default(&lim);
    run_parser(doc, sizeof(doc) - 1, &lim, &run);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    CHECK(fstat(fd, &sb) == 0);
    CHECK_INT(sb.st_size, 0);
    close(fd);
    unlink(tmpl);
    lw_buf_free(&text);
}

/* ---- the parser: limits and hostile input ------------------------------------------------ */

/* A 64 MiB page past a 1 MiB doc_max: read no further than doc_max, parse what was read, count
 * the cut once, and stay within a few times doc_max. Runs first, so ru_maxrss shows its peak. */
static void
test_huge_page_past_doc_max(void)
{
    size_t unit_len;
    char *unit = repeat("<p>line 131052-308T filler filler filler filler</p>\n", 1, "", &unit_len);
    size_t len = 64u << 20;
    char *doc = lw_xmalloc(len);
    struct parse_limits lim;
    struct run run;
    long before;

    memcpy(doc, "<html><body><pre>first@example.com</pre>", 40);
    for (size_t i = 40; i < len; i += unit_len) {
        memcpy(doc + i, unit, len - i < unit_len ? len - i : unit_len);
    }
    memcpy(doc + len - 22, "<p>last@example.com</p>", 22);
    before = max_rss_kb();
    parse_limits_default(&lim);
    lim.doc_max = 1u << 20;
    run_parser(doc, len, &lim, &run);
    CHECK_INT(run.st.cut_records, 1);
    CHECK(run.consumed <= lim.doc_max);
    CHECK(strstr(run.out, "first@example.com") != NULL);
    CHECK(strstr(run.out, "last@example.com") == NULL);
    CHECK(run.st.records > 1000);
    /* doc_max of input + libtidy (≤ 16 × 1 MiB + 4 MiB) + doc_max of text, with room to spare */
    CHECK(max_rss_kb() - before < 48 * 1024);
    free(doc);
    free(unit);
}

static void
test_deep_nesting(void)
{
    size_t len;
    char *doc = repeat("<div>", 100000, "deep@example.com<pre>after@example.com</pre>", &len);
    struct parse_limits lim;
    struct run run;
    double t0 = seconds();

    parse_limits_default(&lim);
    run_parser(doc, len, &lim, &run);
    CHECK(seconds() - t0 < 5.0);
    CHECK_INT(run.st.too_deep, 1);
    CHECK_INT(run.st.cut_records, 0);
    CHECK(strstr(run.out, "deep@example.com") != NULL);
    CHECK(strstr(run.out, "after@example.com") != NULL);
    free(doc);
}

/* Nesting is bounded by what libtidy is shown, not by what the input says. */
static void
test_shield_depth(void)
{
    static const char *const units[] = {"<div>", "<table><tr><td>", "<ul><li>", "<b>", "<font>",
                                        "<dl><dd>", "<span><div>", "<select><option>"};

    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t len;
        char *doc = repeat(units[u], 20000, "x", &len);
        struct html_doc *h = NULL;

        CHECK_INT(doc_parse(doc, len, 64, &h, NULL), LW_OK);
        CHECK(h->feed.sh.depth <= 64);
        CHECK(h->feed.sh.n_fmt <= HTML_FMT_MAX);
        CHECK(h->feed.sh.too_deep);
        CHECK(!h->feed.stopped);
        doc_free(h);
        free(doc);
    }
}

/* Comments, sections and processing instructions end where the shield says (libtidy never sees
 * them), so end tags it took for text inside one cannot open the way to unbounded nesting. */
static void
test_special_markup_shielded(void)
{
    size_t n1, n2, n3;
    char *open = repeat("<div>", 60, "<![CDATA[ ", &n1);
    char *close = repeat("</div>", 60, " ]]><!-- x --!> <?pi x ?>", &n2);
    char *deep = repeat("<div>", 20000, "<%server%>tail@example.com<#x#>", &n3);
    char *doc = lw_xmalloc(n1 + n2 + n3 + 1);
    struct html_doc *h = NULL;
    struct lw_buf text;
    double t0 = seconds();

    memcpy(doc, open, n1);
    memcpy(doc + n1, close, n2);
    memcpy(doc + n1 + n2, deep, n3 + 1);
    CHECK_INT(doc_parse(doc, n1 + n2 + n3, 64, &h, NULL), LW_OK);
    CHECK(h->feed.sh.depth <= 64);
    CHECK(!h->feed.stopped);
    doc_free(h);
    lw_buf_init(&text, 1 << 20);
    CHECK_INT(html_text(doc, n1 + n2 + n3, 1 << 20, &text, NULL), LW_OK);
    CHECK(seconds() - t0 < 5.0);
    CHECK_STR(text.data, "<%server%>tail@example.com<#x#>"); /* text, as browsers show it */
    lw_buf_free(&text);
    free(doc);
    free(deep);
    free(close);
    free(open);
}

/* Unclosed inline elements are re-opened by libtidy in every later block: bounded. */
static void
test_inline_amplification(void)
{
    static const char *const units[] = {"<font><p>x", "<b><i><u><s><p>x</p>", "<span><li>x"};

    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t len;
        char *doc = repeat(units[u], 100000, "<pre>tail@example.com</pre>", &len);
        struct html_doc *h = NULL;
        struct lw_buf text;
        double t0 = seconds();

        CHECK_INT(doc_parse(doc, len, 64, &h, NULL), LW_OK);
        CHECK(seconds() - t0 < 5.0);
        CHECK(h->heap.peak <= 2 * scaled(len, HEAP_PER_BYTE, HEAP_FLOOR));
        doc_free(h);
        lw_buf_init(&text, 1 << 24);
        html_text(doc, len, 1 << 24, &text, NULL);
        CHECK(strstr(text.data, "tail@example.com") != NULL);
        lw_buf_free(&text);
        free(doc);
    }
}

/* Only href and src reach libtidy: a tag with 200,000 attributes costs nothing (libtidy's
 * duplicate check is quadratic, and it warns about every attribute it does not know). */
static void
test_many_attributes(void)
{
    size_t len;
    char *attrs = repeat(" a=1 title=\"x\"", 100000, " src=/no href=/second>text</a>", &len);
    char *doc = lw_xmalloc(len + 32);
    struct links l = {0};
    struct lw_error err = {0};
    double t0 = seconds();

    memcpy(doc, "<a href=\"/first\"", 16);
    memcpy(doc + 16, attrs, len + 1);
    CHECK_INT(html_links(doc, len + 16, on_link, &l, &err), LW_OK);
    CHECK(seconds() - t0 < 2.0);
    CHECK_STR(l.got, "/first|text\n"); /* the first href counts, as in browsers */
    free(doc);
    free(attrs);
}

/* Markup libtidy would only warn about and drop is not shown to it: unknown and custom elements,
 * <img>-like empty elements, empty inline pairs, end tags that close nothing. */
static void
test_hidden_markup(void)
{
    static const char doc[] = "<my-widget data-x=1><p>a<i class=\"icon\"></i>b</p></my-widget>"
                              "<img src=x.png alt=pic></span></div><o:p>c</o:p>"
                              "<table><tr><td></td><td>d</td></tr></table>";
    struct html_doc *h = NULL;
    struct lw_buf text;

    CHECK_INT(doc_parse(doc, sizeof(doc) - 1, 64, &h, NULL), LW_OK);
    CHECK_INT(h->feed.sh.depth, 0);
    doc_free(h);
    lw_buf_init(&text, 4096);
    CHECK_INT(html_text(doc, sizeof(doc) - 1, 4096, &text, NULL), LW_OK);
    CHECK_STR(text.data, "\td\n\nab\n\nc"); /* the empty cell keeps its column */
    lw_buf_free(&text);
}

/* The heap backstop: libtidy is given the end of the input when its heap passes the cap, and the
 * text before that stands. */
static void
test_heap_backstop(void)
{
    size_t len;
    char *doc = repeat("<p>filler text in a paragraph</p>", 30000, "<p>end@example.com</p>", &len);
    struct html_doc *h = NULL;
    struct text_out *t = lw_xcalloc(1, sizeof(*t));
    struct lw_buf text;

    memcpy(doc, "<p>start@example.com</p>", 24);
    CHECK_INT(doc_parse_capped(doc, len, 64, 256u << 10, &h, NULL), LW_OK);
    CHECK(h->feed.stopped);
    CHECK(h->feed.pos < len);
    CHECK(h->heap.peak < (512u << 10));
    lw_buf_init(&text, 1 << 22);
    t->buf = &text;
    t->max = 1 << 22;
    extract(h, t);
    CHECK(strstr(text.data, "start@example.com") != NULL);
    CHECK(strstr(text.data, "end@example.com") == NULL);
    lw_buf_free(&text);
    text_free(t);
    doc_free(h);
    free(doc);
}

static void
test_stack_backstop(void)
{
    struct html_feed f;
    size_t live = 0;

    html_feed_init(&f, "x", 1, 64, &live, 1);
    f.stack_base = (uintptr_t)__builtin_frame_address(0);
    CHECK(!html_feed_over_budget(&f));
    f.stack_base += 2 * HTML_STACK_BUDGET; /* as if libtidy had recursed that far below the call */
    CHECK(html_feed_over_budget(&f));
    CHECK_INT(html_feed_byte(&f), -1);
    CHECK(f.stopped);
    CHECK(html_feed_at_end(&f));
    f.stack_base = (uintptr_t)__builtin_frame_address(0);
    live = 2;
    CHECK(html_feed_over_budget(&f));
    html_feed_free(&f);
}

/* More blocks than PARTS_MAX: the later ones join the last part, nothing is lost. */
static void
test_many_parts(void)
{
    char *doc = lw_xmalloc(64 * 1024);
    size_t len = 0;
    struct parse_limits lim;
    struct run run;
    struct html_doc *h = NULL;
    struct text_out *t = lw_xcalloc(1, sizeof(*t));
    struct lw_buf text;

    for (int i = 0; i < 600; i++) {
        len += (size_t)snprintf(doc + len, 64 * 1024 - len, "<pre>u%d@example.com</pre>", i);
    }
    CHECK_INT(doc_parse(doc, len, 64, &h, NULL), LW_OK);
    lw_buf_init(&text, 1 << 20);
    t->buf = &text;
    t->max = 1 << 20;
    t->parts = lw_xcalloc(PARTS_MAX, sizeof(t->parts[0]));
    extract(h, t);
    CHECK_INT(t->n_parts, PARTS_MAX - 2);
    CHECK(strstr(text.data, "u0@example.com\n\nu1@example.com") != NULL);
    CHECK(strstr(text.data, "u598@example.com\nu599@example.com") != NULL);
    free(t->parts);
    text_free(t);
    lw_buf_free(&text);
    doc_free(h);
    parse_limits_default(&lim);
    run_parser(doc, len, &lim, &run);
    CHECK(strstr(run.out, "u0@example.com\n") != NULL);
    CHECK(strstr(run.out, "u599@example.com\n") != NULL);
    CHECK_INT(run.st.bad_records, 0);
    free(doc);
}

/* Hidden inline markup does not split words: an address spelled across a custom element stays
 * whole; hidden block markup still separates. */
static void
test_hidden_inline_joins(void)
{
    static const char doc[] = "<p>matti<x-at>&#64;</x-at>example.fi "
                              "maija<img src=at.png>@example.fi</p>" "<div>a</div><div>b</div>";
    struct lw_buf text;

    lw_buf_init(&text, 4096);
    CHECK_INT(html_text(doc, sizeof(doc) - 1, 4096, &text, NULL), LW_OK);
    CHECK_STR(text.data, "matti@example.fi maija@example.fi\n\na\nb");
    lw_buf_free(&text);
}

/* A page whose text sniffs as HTML again is read as free text, not parsed again. */
static void
test_no_recursion(void)
{
    static const char doc[] = "<pre>&lt;html&gt;&lt;body&gt;&lt;pre&gt;x@example.com&lt;/pre&gt;"
                              "&lt;/body&gt;&lt;/html&gt;</pre>";
    struct parse_limits lim;
    struct run run;

    parse_limits_default(&lim);
    run_parser(doc, sizeof(doc) - 1, &lim, &run);
    CHECK_STR(run.out, "<html><body><pre>x@example.com</pre></body></html>\n");
}

static void
test_empty_and_tiny(void)
{
    static const char *const docs[] = {"", "<", "</", "<!--", "<a href=\"", "<pre>", "&", "\xff",
                                       "<script>", "<p", "<?", "<!DOCTYPE"};
    struct parse_limits lim;
    struct run run;

    parse_limits_default(&lim);
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        run_parser(docs[i], strlen(docs[i]), &lim, &run);
        CHECK_INT(run.st.bad_records, 0);
        CHECK_INT(run.st.records, run.len > 0 ? run.st.records : 0);
    }
}

/* ---- sniffing ---------------------------------------------------------------------------- */

static int
sniff_str(const char *s, const char *hint)
{
    return parser_html.sniff(lw_slice_cstr(s), hint);
}

static void
test_sniff(void)
{
    CHECK_INT(sniff_str("<!DOCTYPE html><html>", NULL), 90);
    CHECK_INT(sniff_str("<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">", NULL), 90);
    CHECK_INT(sniff_str("\xef\xbb\xbf \n<!-- c --><html lang=fi>", NULL), 90);
    CHECK_INT(sniff_str("<?xml version=\"1.0\"?>\n<html xmlns=\"x\">", NULL), 90);
    CHECK_INT(sniff_str("<HEAD><TITLE>x</TITLE>", NULL), 90);
    CHECK_INT(sniff_str("  <body>", "page.HTML"), 95);
    CHECK_INT(sniff_str("intro\n<div><p>a</p><a href=\"x\">b</a></div>", NULL), 60);
    CHECK_INT(sniff_str("intro\n<div><p>a</p><a href=\"x\">b</a></div>", "x.htm"), 65);
    CHECK_INT(sniff_str("<br><br><br>", NULL), 0);          /* one kind of tag is not enough */
    CHECK_INT(sniff_str("a <b>bold</b> word", "x.html"), 0); /* a name alone is not content */
    CHECK_INT(sniff_str("<htmlx>", NULL), 0);
    CHECK_INT(sniff_str("Matti <matti@example.fi>, Maija <maija@example.fi>", NULL), 0);
    CHECK_INT(sniff_str("", NULL), 0);
    CHECK_INT(sniff_str("<!-- never closed", NULL), 0);
}

int
main(void)
{
    RUN(test_huge_page_past_doc_max);
    RUN(test_links_kinds_and_order);
    RUN(test_links_frames);
    RUN(test_links_bounded);
    RUN(test_links_anchor_text_bounded);
    RUN(test_text_order);
    RUN(test_text_entities_and_encoding);
    RUN(test_text_cut_at_max);
    RUN(test_text_garbage_is_utf8);
    RUN(test_silent);
    RUN(test_deep_nesting);
    RUN(test_shield_depth);
    RUN(test_special_markup_shielded);
    RUN(test_inline_amplification);
    RUN(test_many_attributes);
    RUN(test_hidden_markup);
    RUN(test_heap_backstop);
    RUN(test_stack_backstop);
    RUN(test_many_parts);
    RUN(test_hidden_inline_joins);
    RUN(test_no_recursion);
    RUN(test_empty_and_tiny);
    RUN(test_sniff);
    return LW_TEST_END();
}
