/*
 * tests/unit/parsers/test_combo.c — the combo-list parser beyond its golden files: sniff scores
 * against combo lists, tables, pastes and other formats; the split at the first separator; the
 * URL:login:password form; and the limits (a cut line, a cut value, a record over record_max, a
 * 100 MB line through a pipe in bounded memory). Includes the .c to look at the line buffer.
 */
#include "parsers/combo.c"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/lw_test.h"
#include "tests/unit/parsers/parse_test.h"

#define MIB (1024u * 1024u)

/* Parse in with lim (NULL: defaults); render records one per line as name=value fields joined by
 * '|', a password field as name*=value, a cut record prefixed with '!'. */
static void
render(const char *in, const struct parse_limits *lim, char *out, size_t cap,
       struct parse_stats *st)
{
    struct parse_limits def;
    struct reader *r = reader_open_mem(in, strlen(in), "t");
    struct parser *p = NULL;
    struct record rec;
    size_t o = 0;

    memset(st, 0, sizeof(*st));
    if (lim == NULL) {
        parse_limits_default(&def);
        lim = &def;
    }
    out[0] = '\0';
    CHECK(parser_combo.open(r, lim, &p, NULL) == LW_OK);
    while (parser_combo.next(p, &rec, st, NULL) == LW_OK) {
        int n = snprintf(out + o, cap - o, "%s", rec.cut ? "!" : "");

        o += (size_t)n;
        for (size_t i = 0; i < rec.n_fields && o < cap; i++) {
            const struct record_field *f = &rec.fields[i];

            n = snprintf(out + o, cap - o, "%s%.*s%s=%.*s", i > 0 ? "|" : "", (int)f->name.len,
                         f->name.p, f->role == FIELD_ROLE_PASSWORD ? "*" : "", (int)f->value.len,
                         f->value.p);
            o += (size_t)n;
        }
        if (o + 1 < cap) {
            out[o++] = '\n';
            out[o] = '\0';
        }
    }
    parser_combo.close(p);
    reader_close(r);
}

static void
check_parse(const char *in, const char *want, uint64_t bad)
{
    char out[4096];
    struct parse_stats st;

    render(in, NULL, out, sizeof(out), &st);
    CHECK_STR(out, want);
    CHECK_INT(st.bad_records, bad);
}

static int
sniff_str(const char *in)
{
    return parser_combo.sniff(lw_slice_cstr(in), NULL);
}

static void
test_sniff_scores(void)
{
    const char *combo = "matti@example.fi:salasana1\nliisa@example.fi:Kissa2020\n"
                        "anna@example.com:qwerty:x\nmattim:hunter2\nsomeone@example.com:pw\n";
    int s = sniff_str(combo);

    CHECK(s >= 70 && s <= 90);
    CHECK(sniff_str("matti@example.fi;pw\n") >= 70); /* a single line */
    CHECK(sniff_str("# header comment\n\nmatti@example.fi|pw\nliisa@example.fi|pw2\n") >= 70);
    CHECK(sniff_str("https://a.example.com/x:matti@example.fi:pw\n"
                    "https://b.example.com:8443/y:liisa@example.fi:pw\n") >= 70);
    /* mostly user names: not enough e-mails */
    CHECK_INT(sniff_str("mattim:pw\nliisa:pw\nanna:pw\nmatti@example.fi:pw\n"), 0);
    /* fewer than 80% of the lines have the shape */
    CHECK_INT(sniff_str("matti@example.fi:pw\nhello world\nmore prose here\nliisa@example.fi:x\n"),
              0);
    /* a key: value paste: spaces in the values, no e-mail logins */
    CHECK_INT(sniff_str("Nimi: Matti\nHETU: 131052-308T\nSähköposti: matti@example.fi\n"), 0);
    /* a table: the same separator as often in every line */
    CHECK(sniff_str("matti@example.fi;pw;040-1234567\nliisa@example.fi;pw;0401234567\n"
                    "anna@example.com;x;+358401234567\n") < 30);
    /* a header row makes it a table (the CSV parser then scores higher) */
    CHECK(sniff_str("email;password\nmatti@example.fi;pw1\nliisa@example.fi;pw2\n"
                    "anna@example.com;pw3\n") < sniff_str("matti@example.fi;pw1\n"
                                                          "liisa@example.fi;pw2\n"
                                                          "anna@example.com;pw3\n"));
    /* other formats */
    CHECK_INT(sniff_str("{\"email\":\"matti@example.fi\",\"pw\":\"x\"}\n"), 0);
    CHECK_INT(sniff_str("<p>matti@example.fi:pw</p>\n"), 0);
    CHECK_INT(sniff_str(""), 0);
    CHECK_INT(sniff_str("\n\n# only comments\n"), 0);
}

static void
test_split(void)
{
    check_parse("matti@example.fi:a:b;c|d\n", "login=matti@example.fi|password*=a:b;c|d\n", 0);
    check_parse("user;x:y\n", "login=user|password*=x:y\n", 0);
    check_parse("user|x\ttab\n", "login=user|password*=x\ttab\n", 0);
    check_parse("user\tx|y\n", "login=user|password*=x|y\n", 0);
    check_parse(" matti@example.fi :pw \n", "login=matti@example.fi|password*=pw\n", 0);
    check_parse("matti@example.fi\n", "login=matti@example.fi\n", 0);
    check_parse("matti@example.fi:\n", "login=matti@example.fi\n", 0);
    check_parse("+358 40 123 4567:pw\n", "login=+358 40 123 4567|password*=pw\n", 0);
    check_parse("some words here: pw\n", "", 1);
    check_parse("mattim\n", "", 1);
    check_parse(":pw\n", "", 1);
    check_parse("matti@example\n", "", 1); /* no dotted domain */
    check_parse("#c\n\n  \r\nx:y\r\n", "login=x|password*=y\n", 0);
}

static void
test_url_form(void)
{
    check_parse("https://example.com:8443/a:matti@example.fi:pw\n",
                "url=https://example.com:8443/a|login=matti@example.fi|password*=pw\n", 0);
    check_parse("http://example.com:user:pw\n", "url=http://example.com|login=user|password*=pw\n",
                0);
    check_parse("https://example.com/only\n", "", 1);
    check_parse("https://example.com/x:\n", "", 1);
    check_parse("ftp:x\n", "login=ftp|password*=x\n", 0); /* not a URL */
}

static void
test_limits(void)
{
    struct parse_limits lim;
    struct parse_stats st;
    char out[4096];

    parse_limits_default(&lim);
    lim.field_max = 5;
    render("matti@example.fi:1234567\nab:cd\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!login=matti|password*=12345\nlogin=ab|password*=cd\n");
    CHECK_INT(st.cut_fields, 2);

    parse_limits_default(&lim);
    lim.record_max = 8;
    render("abcdef:123456\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!login=abcdef|password*=12\n");
    CHECK_INT(st.cut_records, 1);

    /* found by fuzzing: fields_max holds for combo records too */
    parse_limits_default(&lim);
    lim.fields_max = 1;
    render("matti@example.fi:pw\nhttps://example.com/x:liisa@example.fi:pw\n", &lim, out,
           sizeof(out), &st);
    CHECK_STR(out, "!login=matti@example.fi\n!url=https://example.com/x\n");
    CHECK_INT(st.cut_records, 2);
    parse_limits_default(&lim);
    lim.record_max = 3;
    render("abcdef:123456\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!login=abc\n");
    CHECK_INT(st.cut_records, 1); /* once per record */
}

static void
test_cut_line(void)
{
    struct parse_limits lim;
    struct parse_stats st;
    char out[4096];

    parse_limits_default(&lim);
    lim.line_max = 20;
    render("matti@example.fi:a-very-long-password\nliisa@example.fi:pw\n", &lim, out, sizeof(out),
           &st);
    CHECK_STR(out, "!login=matti@example.fi|password*=a-v\nlogin=liisa@example.fi|password*=pw\n");
    CHECK_INT(st.cut_lines, 1);
    CHECK_INT(st.records, 2);
}

/* A 100 MB line through a pipe: one cut record, the next line intact, memory bounded. */
static void
test_huge_line_bounded(void)
{
    long before = maxrss_kib();
    pid_t child = -1;
    int fd = pipe_feed("matti@example.fi:", 100 * MIB, 'x', "\nliisa@example.fi:pw\n", &child);
    struct reader *r = reader_open_fd(fd, "pipe");
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct parser *p = NULL;
    struct record rec;

    parse_limits_default(&lim);
    CHECK(parser_combo.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_combo.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(rec.cut && rec.n_fields == 2);
    CHECK_INT(rec.fields[1].value.len, lim.field_max);
    CHECK(parser_combo.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(!rec.cut && lw_slice_eq(rec.fields[0].value, LW_SLICE_LIT("liisa@example.fi")));
    CHECK(parser_combo.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.cut_lines, 1);
    CHECK_INT(st.cut_fields, 1);
    CHECK(p->line.cap <= lim.line_max + 1);
    parser_combo.close(p);
    reader_close(r);
    CHECK(pipe_done(fd, child));
    CHECK(maxrss_kib() - before < 24 * 1024);
}

static void
test_read_error(void)
{
    check_read_error(&parser_combo);
}

int
main(void)
{
    RUN(test_huge_line_bounded); /* first, while the peak RSS is still low */
    RUN(test_sniff_scores);
    RUN(test_split);
    RUN(test_url_form);
    RUN(test_limits);
    RUN(test_cut_line);
    RUN(test_read_error);
    return LW_TEST_END();
}
