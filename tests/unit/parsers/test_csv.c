/*
 * tests/unit/parsers/test_csv.c — the CSV parser beyond its golden files: delimiter sniffing and
 * scores, the header decision, records that straddle the reader's window, and the limits (a cut
 * field, a cut record, fields_max, an unterminated quote in a large file, a 100 MB line read
 * through a pipe in bounded memory). Includes the .c to look at the parser's buffers.
 */
#include "parsers/csv.c"

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

/*
 * Parse in with lim (NULL: defaults) and render the records, one line each: fields joined by '|',
 * a named field as name=value, a cut record prefixed with '!'. Control bytes are shown as '.'.
 */
static void
render(const char *in, size_t len, const struct parse_limits *lim, char *out, size_t cap,
       struct parse_stats *st)
{
    struct parse_limits def;
    struct reader *r = reader_open_mem(in, len, "t");
    struct parser *p = NULL;
    struct lw_error err = {0};
    struct record rec;
    size_t o = 0;

    memset(st, 0, sizeof(*st));
    if (lim == NULL) {
        parse_limits_default(&def);
        lim = &def;
    }
    out[0] = '\0';
    CHECK(parser_csv.open(r, lim, &p, &err) == LW_OK);
    while (parser_csv.next(p, &rec, st, &err) == LW_OK) {
        if (o + 2 < cap && rec.cut) {
            out[o++] = '!';
        }
        for (size_t i = 0; i < rec.n_fields && o + 2 < cap; i++) {
            const struct record_field *f = &rec.fields[i];

            if (i > 0) {
                out[o++] = '|';
            }
            for (size_t k = 0; k < f->name.len && o + 2 < cap; k++) {
                out[o++] = f->name.p[k];
            }
            if (f->name.len > 0 && o + 2 < cap) {
                out[o++] = '=';
            }
            for (size_t k = 0; k < f->value.len && o + 2 < cap; k++) {
                char c = f->value.p[k];

                out[o++] = (unsigned char)c < 0x20 ? '.' : c;
            }
        }
        out[o++] = '\n';
        out[o] = '\0';
    }
    parser_csv.close(p);
    reader_close(r);
}

static void
render_str(const char *in, const struct parse_limits *lim, char *out, size_t cap,
           struct parse_stats *st)
{
    render(in, strlen(in), lim, out, cap, st);
}

static void
check_parse(const char *in, const char *want)
{
    char out[4096];
    struct parse_stats st;

    render(in, strlen(in), NULL, out, sizeof(out), &st);
    CHECK_STR(out, want);
}

static int
sniff_str(const char *in, const char *name)
{
    return sniff(lw_slice_cstr(in), name);
}

/* ---- sniffing ---- */

static void
test_sniff_scores(void)
{
    const char *csv = "name,email,phone\nMatti,matti@example.fi,040-1234567\n"
                      "Liisa,liisa@example.fi,0401234567\nAnna,anna@example.com,+358401234567\n";
    const char *plain = "a,b,c\n1,2,3\n4,5,6\n7,8,9\n";
    int s = sniff_str(csv, NULL);

    CHECK(s >= 60 && s <= 85);
    CHECK(s > sniff_str(plain, NULL)); /* header cells naming identifier kinds count */
    CHECK(sniff_str(plain, NULL) >= 60);
    CHECK(sniff_str(plain, "dump.CSV") > sniff_str(plain, NULL));
    CHECK(sniff_str(plain, "dump.tsv") <= 85);
    /* too little to go on: one line, two lines */
    CHECK(sniff_str("a,b,c\n", NULL) < 30);
    CHECK(sniff_str("a,b,c\n", "x.csv") <= 30);
    CHECK(sniff_str("a,b,c\n1,2,3\n", NULL) >= 30 && sniff_str("a,b,c\n1,2,3\n", NULL) < 60);
    /* other formats' openings */
    CHECK_INT(sniff_str("{\"a\":1,\"b\":2}\n{\"a\":1,\"b\":2}\n{\"a\":1,\"b\":2}\n", NULL), 0);
    CHECK_INT(sniff_str("[1,2,3,\n4,5,6,\n7,8,9]\n", NULL), 0);
    CHECK_INT(sniff_str("  <html><body>a,b,c\n1,2,3\n4,5,6\n</body></html>\n", NULL), 0);
    CHECK_INT(sniff_str("INSERT INTO t VALUES (1,2,3);\nINSERT INTO t VALUES (4,5,6);\n"
                        "INSERT INTO t VALUES (7,8,9);\n",
                        NULL),
              0);
    CHECK_INT(sniff_str("-- MySQL dump\n1,2,3\n4,5,6\n7,8,9\n", NULL), 0);
    /* no consistent delimiter: prose */
    CHECK_INT(sniff_str("Hello, world, this is prose.\nNo commas here\nOne; two, three\n", NULL),
              0);
    CHECK_INT(sniff_str("", NULL), 0);
    /* binary */
    {
        static const char bin[] = "a,b\0\0\0\1\2\3\nc,d\0\0\0\0\nd,e\0\0\0\n";

        CHECK_INT(sniff(lw_slice_make(bin, sizeof(bin) - 1), NULL), 0);
    }
    /* two columns without a header: left to the combo parser (which scores 70 or more) */
    CHECK(sniff_str("matti@example.fi;pw1\nliisa@example.fi;pw2\nanna@example.com;pw3\n", NULL) <=
          60);
}

static void
test_sniff_delimiters(void)
{
    struct analysis an;

    analyse(lw_slice_cstr("1,5;2,0\n3,5;4,0\n2,25;1,0\n"), &an);
    CHECK(an.consistent && an.delim == ';');
    analyse(lw_slice_cstr("Nimi;Pituus;Paino\nMatti;1,80;75,5\nLiisa;1,65;60,0\nAnna;1,7;55\n"),
            &an);
    CHECK(an.delim == ';' && an.all_equal && an.mode == 2);
    analyse(lw_slice_cstr("Doe, John\tx@example.fi\nRoe, Jane\ty@example.fi\nPoe, Ed\tz\n"), &an);
    CHECK(an.delim == '\t');
    analyse(lw_slice_cstr("a|b|c\n1|2|3\n4|5|6\n"), &an);
    CHECK(an.delim == '|');
    /* Excel's "sep=" line decides, even against the counts, and is not a record */
    analyse(lw_slice_cstr("sep=|\r\na,b|c\n1,2|3\n4,5|6\n"), &an);
    CHECK(an.sep_line && an.delim == '|' && an.consistent && an.mode == 1);
    analyse(lw_slice_cstr("sep=x\na,b\n"), &an);
    CHECK(!an.sep_line && an.delim == ',');
    check_parse("sep=;\n1,5;2\n3,5;4", "1,5|2\n3,5|4\n");
    check_parse("SEP=,", "");
    /* far more commas than the semicolon in one text column: a comma CSV */
    analyse(lw_slice_cstr("a,b,c,d,e,f;g\n1,2,3,4,5,6;7\n1,2,3,4,5,6;7\n"), &an);
    CHECK(an.delim == ',');
    /* delimiters inside quotes do not count; a quoted newline does not end a row */
    analyse(lw_slice_cstr("\"a;b\",c\n\"x\ny;z\",w\n\"1;;;\",2\n"), &an);
    CHECK(an.delim == ',' && an.all_equal && an.rows == 3);
    /* 80% is enough (one ragged row of five) */
    analyse(lw_slice_cstr("a;b;c\n1;2;3\n4;5;6\n7;8;9\n10;11\n"), &an);
    CHECK(an.consistent && an.delim == ';' && !an.all_equal);
}

static void
test_header_decision(void)
{
    struct analysis an;

    analyse(lw_slice_cstr("sähköposti;nimi\nmatti@example.fi;Matti\n"), &an);
    CHECK(an.header && an.header_hint);
    analyse(lw_slice_cstr("first,last,code\nMatti,M,131052-308T\n"), &an); /* by shape */
    CHECK(an.header && !an.header_hint);
    analyse(lw_slice_cstr("first,last\nMatti,Meikäläinen\n"), &an); /* no difference */
    CHECK(!an.header);
    analyse(lw_slice_cstr("matti@example.fi,131052-308T\nliisa@example.fi,010101A123N\n"), &an);
    CHECK(!an.header); /* '@' and digits: data */
    analyse(lw_slice_cstr("1,2,3\n4,5,6\n"), &an);
    CHECK(!an.header);
    analyse(lw_slice_cstr("email,email,email\na@example.fi,b@example.fi,c@example.fi\n"), &an);
    CHECK(!an.header); /* not distinct */
    analyse(lw_slice_cstr("email,email,email,email\na@example.fi,b@example.fi,c,d\n"), &an);
    CHECK(!an.header);
    analyse(lw_slice_cstr(",,email\n1,2,a@example.fi\n"), &an);
    CHECK(!an.header); /* mostly empty */
    analyse(lw_slice_cstr("email,phone,,\na@example.fi,040-1234567,,\n"), &an);
    CHECK(an.header); /* trailing empty columns do not count */
    analyse(lw_slice_cstr("email\nmatti@example.fi\nliisa@example.fi\n"), &an);
    CHECK(an.header); /* one column */
    analyse(lw_slice_cstr("S\xe4hk\xf6posti;Nimi\nx;y\n"), &an);
    CHECK(an.header_hint); /* a Windows-1252 column name still hints */
    check_parse("S\xe4hk\xf6posti;Nimi\nmatti@example.fi;Matti\n",
                "Sähköposti=matti@example.fi|Nimi=Matti\n");
}

/* ---- parsing ---- */

static void
test_rfc4180(void)
{
    check_parse("a,b\n\"x,1\",\"y\"\"q\"\"\"\n", "a=x,1|b=y\"q\"\n"); /* header by shape */
    check_parse("1,2\r\n3,4\r\n", "1|2\n3|4\n");
    check_parse("1,\"2\r\n3\",4\r\n5,6,7", "1|2..3|4\n5|6|7\n");
    check_parse("1,2\r3,4\r", "1|2\n3|4\n");                         /* old Mac line ends */
    check_parse("\n\n1,2\n\n\n3,4\n\n", "1|2\n3|4\n");               /* empty lines */
    check_parse("1,2,\n,,\n3,,4\n", "1|2|\n3||4\n");                 /* empty cells, blank row */
    check_parse("x 5\" y,it\"s 9\n1,2\n", "x 5\" y|it\"s 9\n1|2\n"); /* stray quotes */
    check_parse("\"a1\"b,\"c2\" \n1,2\n", "a1b|c2 \n1|2\n"); /* text after a closing quote */
    check_parse("1,2\n\"\"\"\",\"\"\n", "1|2\n\"|\n");
    check_parse("1,2", "1|2\n"); /* no newline at the end */
}

static void
test_offsets(void)
{
    const char *in = "\r\n1,2\r\n\r\n\"3\n\",4\r\n";
    struct reader *r = reader_open_mem(in, strlen(in), "t");
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct parser *p = NULL;
    struct record rec;

    parse_limits_default(&lim);
    CHECK(parser_csv.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_OK);
    CHECK_INT(rec.offset, 2);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_OK);
    CHECK_INT(rec.offset, 9);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND); /* stays at the end */
    CHECK_INT(st.records, 2);
    parser_csv.close(p);
    reader_close(r);
    parser_csv.close(NULL);
}

/* Many records with quotes, doubled quotes and CRLF inside quotes, so that the reader's window
 * boundary falls on every state of the machine somewhere. */
static void
test_window_boundaries(void)
{
    const size_t n = 30000;
    struct lw_buf in;
    struct reader *r;
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct parser *p = NULL;
    struct record rec;
    size_t i = 0;
    bool ok = true;

    lw_buf_init(&in, 8 * MIB);
    for (size_t k = 0; k < n; k++) {
        lw_buf_printf(&in, "\"%zu\"\"q\"\"\r\nx\",%zu,p%.*s\r\n", k, k * 7, (int)(k % 13),
                      "yyyyyyyyyyyyy");
    }
    parse_limits_default(&lim);
    r = reader_open_mem(in.data, in.len, "t");
    CHECK(parser_csv.open(r, &lim, &p, NULL) == LW_OK);
    while (parser_csv.next(p, &rec, &st, NULL) == LW_OK) {
        char a[64], b[32], c[32];
        int la = snprintf(a, sizeof(a), "%zu\"q\"\r\nx", i);
        int lb = snprintf(b, sizeof(b), "%zu", i * 7);
        int lc = snprintf(c, sizeof(c), "p%.*s", (int)(i % 13), "yyyyyyyyyyyyy");

        ok = ok && rec.n_fields == 3 && !rec.cut &&
             lw_slice_eq(rec.fields[0].value, lw_slice_make(a, (size_t)la)) &&
             lw_slice_eq(rec.fields[1].value, lw_slice_make(b, (size_t)lb)) &&
             lw_slice_eq(rec.fields[2].value, lw_slice_make(c, (size_t)lc));
        i++;
    }
    CHECK(ok);
    CHECK_INT(i, n);
    CHECK_INT(st.records, n);
    parser_csv.close(p);
    reader_close(r);
    lw_buf_free(&in);
}

/* ---- limits ---- */

static void
test_field_cut(void)
{
    struct parse_limits lim;
    struct parse_stats st;
    char out[4096];

    parse_limits_default(&lim);
    lim.field_max = 4;
    render_str("abcdefgh,\"12345\"\"6,\n7\",xy\nok,1\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!abcd|1234|xy\nok|1\n"); /* the quoted field is skipped to its closing quote */
    CHECK_INT(st.cut_fields, 2);
    CHECK_INT(st.cut_records, 0);
    CHECK_INT(st.records, 2);
}

static void
test_record_cut(void)
{
    struct parse_limits lim;
    struct parse_stats st;
    char out[4096];

    parse_limits_default(&lim);
    lim.record_max = 10;
    /* the rest of the cut record is skipped to its end, a quoted newline included */
    render_str("123456,789012,\"a\nb\",c\nd,e\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!123456|7890\nd|e\n");
    CHECK_INT(st.cut_records, 1);
    CHECK_INT(st.cut_fields, 0);

    parse_limits_default(&lim);
    lim.fields_max = 3;
    render_str("1,2,3,4,\"5\n\",6\n7,8\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!1|2|3\n7|8\n");
    CHECK_INT(st.cut_records, 1);
    CHECK_INT(st.records, 2);
}

static void
test_fields_max_default(void)
{
    struct lw_buf in;
    struct parse_stats st;
    struct parse_limits lim;
    struct reader *r;
    struct parser *p = NULL;
    struct record rec;

    lw_buf_init(&in, MIB);
    for (int i = 0; i < 5000; i++) {
        lw_buf_append_str(&in, "x,");
    }
    lw_buf_append_str(&in, "\nlast,row\n");
    memset(&st, 0, sizeof(st));
    parse_limits_default(&lim);
    r = reader_open_mem(in.data, in.len, "t");
    CHECK(parser_csv.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_OK);
    CHECK_INT(rec.n_fields, lim.fields_max);
    CHECK(rec.cut);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_OK);
    CHECK_INT(rec.n_fields, 2);
    CHECK(!rec.cut);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.cut_records, 1);
    CHECK(p->cap_spans <= lim.fields_max);
    parser_csv.close(p);
    reader_close(r);
    lw_buf_free(&in);
}

/* An unterminated quote near the end of a large file: every record before it comes out whole. */
static void
test_unterminated_quote_large(void)
{
    const size_t n = 100000;
    struct lw_buf in;
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct reader *r;
    struct parser *p = NULL;
    struct record rec;
    size_t got = 0, good = 0;
    bool last_cut = false;

    lw_buf_init(&in, 64 * MIB);
    lw_buf_append_str(&in, "email,phone\n");
    for (size_t i = 0; i < n; i++) {
        lw_buf_printf(&in, "user%zu@example.fi,040-%07zu\n", i, i);
    }
    lw_buf_append_str(&in, "late@example.fi,\"never closed\n");
    for (size_t i = 0; i < 200000; i++) {
        lw_buf_append_str(&in, "swallowed@example.fi,1\n");
    }
    parse_limits_default(&lim);
    r = reader_open_mem(in.data, in.len, "t");
    CHECK(parser_csv.open(r, &lim, &p, NULL) == LW_OK);
    while (parser_csv.next(p, &rec, &st, NULL) == LW_OK) {
        good +=
            rec.n_fields == 2 && !rec.cut && lw_slice_eq(rec.fields[0].name, LW_SLICE_LIT("email"));
        last_cut = rec.cut;
        if (rec.cut) {
            CHECK_INT(rec.fields[1].value.len, lim.field_max);
        }
        got++;
    }
    CHECK_INT(got, n + 1);
    CHECK_INT(good, n);
    CHECK(last_cut);
    CHECK_INT(st.cut_records, 1);
    CHECK_INT(st.cut_fields, 1);
    parser_csv.close(p);
    reader_close(r);
    lw_buf_free(&in);
}

/* A 100 MB line through a pipe: one cut record, the next line intact, memory bounded. */
static void
test_huge_line_bounded(void)
{
    long before = maxrss_kib();
    pid_t child = -1;
    int fd =
        pipe_feed("email,note\nmatti@example.fi,", 100 * MIB, 'x', "\nliisa@example.fi,ok\n", &child);
    struct reader *r = reader_open_fd(fd, "pipe");
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct parser *p = NULL;
    struct record rec;

    parse_limits_default(&lim);
    CHECK(parser_csv.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(rec.cut && rec.n_fields == 2);
    CHECK_INT(rec.fields[1].value.len, lim.field_max);
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(!rec.cut && lw_slice_eq(rec.fields[1].value, LW_SLICE_LIT("ok")));
    CHECK(parser_csv.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.cut_fields, 1);
    CHECK(p->vals.cap <= lim.record_max + 1);
    parser_csv.close(p);
    reader_close(r);
    CHECK(pipe_done(fd, child));
    CHECK(maxrss_kib() - before < 24 * 1024);
}

static void
test_read_error(void)
{
    check_read_error(&parser_csv);
}

int
main(void)
{
    RUN(test_huge_line_bounded); /* first, while the peak RSS is still low */
    RUN(test_sniff_scores);
    RUN(test_sniff_delimiters);
    RUN(test_header_decision);
    RUN(test_rfc4180);
    RUN(test_offsets);
    RUN(test_window_boundaries);
    RUN(test_field_cut);
    RUN(test_record_cut);
    RUN(test_fields_max_default);
    RUN(test_unterminated_quote_large);
    RUN(test_read_error);
    return LW_TEST_END();
}
