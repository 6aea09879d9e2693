/*
 * tests/unit/parsers/test_text.c — the free-text parser beyond its golden files: the key: value
 * shape and what must not pass for it, how blocks end, long lines handed out in field-sized pieces
 * without losing a byte or splitting a UTF-8 character, and the limits (fields_max, record_max, a
 * 100 MB line through a pipe in bounded memory). Includes the .c to look at the parser's buffers.
 */
#include "parsers/text.c"

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

/* Parse in with lim (NULL: defaults); render records one per line, fields joined by '|', a named
 * field as [name]value, a cut record prefixed with '!'. */
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
    CHECK(parser_text.open(r, lim, &p, NULL) == LW_OK);
    while (parser_text.next(p, &rec, st, NULL) == LW_OK) {
        int n = snprintf(out + o, cap - o, "%s", rec.cut ? "!" : "");

        o += (size_t)n;
        for (size_t i = 0; i < rec.n_fields && o < cap; i++) {
            const struct record_field *f = &rec.fields[i];

            n = snprintf(out + o, cap - o, "%s%s%.*s%s%.*s", i > 0 ? "|" : "",
                         f->name.len > 0 ? "[" : "", (int)f->name.len, f->name.p,
                         f->name.len > 0 ? "]" : "", (int)f->value.len, f->value.p);
            o += (size_t)n;
        }
        if (o + 1 < cap) {
            out[o++] = '\n';
            out[o] = '\0';
        }
    }
    parser_text.close(p);
    reader_close(r);
}

static void
check_parse(const char *in, const char *want)
{
    char out[4096];
    struct parse_stats st;

    render(in, NULL, out, sizeof(out), &st);
    CHECK_STR(out, want);
}

static void
test_sniff(void)
{
    CHECK_INT(parser_text.sniff(lw_slice_cstr("anything at all"), NULL), 1);
    CHECK_INT(parser_text.sniff(lw_slice_make(NULL, 0), "x.txt"), 1);
    CHECK(parser_sniff(lw_slice_cstr("Hei,\ntässä näyte.\nTerveisin X\n"), NULL) == &parser_text);
    CHECK(parser_sniff(lw_slice_cstr("Nimi: Matti\nHETU: 131052-308T\n"), NULL) == &parser_text);
}

static void
test_key_value_shape(void)
{
    check_parse("Nimi: Matti\n", "[Nimi]Matti\n");
    check_parse("  Nimi :  Matti  \n", "[Nimi]Matti\n");
    check_parse("Card number = 4111\n", "[Card number]4111\n");
    check_parse("IBAN\tFI2112345600000785\n", "[IBAN]FI2112345600000785\n");
    check_parse("Osoite 2: Katu 1\n", "[Osoite 2]Katu 1\n");
    check_parse("e-mail/sposti: x@example.fi\n", "[e-mail/sposti]x@example.fi\n");
    check_parse("S\xc3\xa4hk\xc3\xb6posti: x\n", "[Sähköposti]x\n");
    check_parse("S\xe4hk\xf6posti: x\n", "[Sähköposti]x\n"); /* Windows-1252 key, as UTF-8 */
    /* not key: value */
    check_parse("a=b\n", "a=b\n");                 /* '=' needs a space before it */
    check_parse("Nimi:\n", "Nimi:\n");             /* no value */
    check_parse("klo 12:30 x\n", "klo 12:30 x\n"); /* a time */
    check_parse("https://example.com\n", "https://example.com\n");
    check_parse("131052-308T: x\n", "131052-308T: x\n"); /* too many digits for a key */
    check_parse("12345: x\n", "12345: x\n");
    check_parse("- Nimi: x\n", "- Nimi: x\n");
    check_parse("x@example.fi: pw\n", "x@example.fi: pw\n");
    check_parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: x\n",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: x\n"); /* 41 bytes */
    check_parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: x\n",
                "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]x\n"); /* 40 */
}

static void
test_blocks(void)
{
    /* a repeated key starts the next record */
    check_parse("Nimi: A\nHETU: 1\nNimi: B\nHETU: 2\n", "[Nimi]A|[HETU]1\n[Nimi]B|[HETU]2\n");
    check_parse("nimi: A\nNIMI: B\n", "[nimi]A\n[NIMI]B\n");
    /* a plain line, a blank line, a separator end a block */
    check_parse("A: 1\nplain\nB: 2\n\nC: 3\n=====\nD: 4\n", "[A]1\nplain\n[B]2\n[C]3\n[D]4\n");
    check_parse("A: 1\nB: 2", "[A]1|[B]2\n"); /* no newline at the end */
    check_parse("\n\n-----\n***\n", "");
    check_parse("--\n", "--\n"); /* two characters are not a separator */
}

static void
test_block_limits(void)
{
    struct parse_limits lim;
    struct parse_stats st;
    char out[4096];

    parse_limits_default(&lim);
    lim.fields_max = 2;
    render("A: 1\nB: 2\nC: 3\nD: 4\nE: 5\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "[A]1|[B]2\n[C]3|[D]4\n[E]5\n");
    CHECK_INT(st.cut_records, 0);

    parse_limits_default(&lim);
    lim.record_max = 8; /* lines are kept up to min(line_max, record_max) */
    render("A: 1234\nB: 56789\nC: 1\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "[A]1234\n[B]56789|[C]1\n");

    parse_limits_default(&lim);
    lim.field_max = 3;
    render("A: 1234\nB: 12\n", &lim, out, sizeof(out), &st); /* too long a value: plain text */
    CHECK_STR(out, "A: |123|4\n[B]12\n");
    CHECK_INT(st.cut_fields, 0);
}

static void
test_plain_line_limits(void)
{
    struct parse_limits lim;
    struct parse_stats st;
    char out[4096];

    parse_limits_default(&lim);
    lim.field_max = 4;
    lim.fields_max = 2;
    render("aaaaaaaaaaaa\nbb\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!aaaa|aaaa\nbb\n");
    CHECK_INT(st.cut_records, 1);

    parse_limits_default(&lim);
    lim.line_max = 5;
    render("abcdefgh\nNimi: Matti Meikäläinen\nok\n", &lim, out, sizeof(out), &st);
    CHECK_STR(out, "!abcde\n!Nimi:\nok\n"); /* a cut line is plain text */
    CHECK_INT(st.cut_lines, 2);
}

/* A long line comes out in pieces of at most field_max, nothing lost, cut after spaces. */
static void
test_long_line_pieces(void)
{
    struct lw_buf in, joined;
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct reader *r;
    struct parser *p = NULL;
    struct record rec;
    bool ok = true;

    lw_buf_init(&in, 4 * MIB);
    lw_buf_init(&joined, 4 * MIB);
    for (int i = 0; i < 30000; i++) {
        lw_buf_printf(&in, "w%d ", i);
    }
    lw_buf_append_str(&in, "end");
    parse_limits_default(&lim);
    r = reader_open_mem(in.data, in.len, "t");
    CHECK(parser_text.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(!rec.cut && rec.n_fields > 1);
    for (size_t i = 0; i < rec.n_fields; i++) {
        struct lw_slice v = rec.fields[i].value;

        ok = ok && v.len <= lim.field_max && rec.fields[i].name.len == 0;
        ok = ok && (i + 1 == rec.n_fields || v.p[v.len - 1] == ' ');
        lw_buf_append(&joined, v.p, v.len);
    }
    CHECK(ok);
    CHECK(lw_slice_eq(lw_buf_slice(&joined), lw_buf_slice(&in)));
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND);
    parser_text.close(p);
    reader_close(r);

    /* no spaces, two-byte characters: never split inside one */
    lw_buf_reset(&in);
    lw_buf_reset(&joined);
    lw_buf_append_str(&in, "x");
    for (int i = 0; i < 100000; i++) {
        lw_buf_append_str(&in, "ä");
    }
    r = reader_open_mem(in.data, in.len, "t");
    CHECK(parser_text.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_OK);
    ok = rec.n_fields == 4;
    for (size_t i = 0; i < rec.n_fields; i++) {
        struct lw_slice v = rec.fields[i].value;

        ok = ok && v.len <= lim.field_max && (i == 0 || (unsigned char)v.p[0] == 0xC3);
        lw_buf_append(&joined, v.p, v.len);
    }
    CHECK(ok);
    CHECK(lw_slice_eq(lw_buf_slice(&joined), lw_buf_slice(&in)));
    parser_text.close(p);
    reader_close(r);
    lw_buf_free(&in);
    lw_buf_free(&joined);
}

/* A 100 MB line through a pipe: one cut record of line_max bytes, cut_lines == 1, the lines
 * around it intact, the parser's buffers at their limits and the process's peak RSS bounded. */
static void
test_huge_line_bounded(void)
{
    long before = maxrss_kib();
    pid_t child = -1;
    int fd = pipe_feed("Nimi: Matti\nHETU: 131052-308T\n", 100 * MIB, 'x', "\nafter\n", &child);
    struct reader *r = reader_open_fd(fd, "pipe");
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct parser *p = NULL;
    struct record rec;
    size_t total = 0;

    parse_limits_default(&lim);
    CHECK(parser_text.open(r, &lim, &p, NULL) == LW_OK);
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_OK);
    CHECK_INT(rec.n_fields, 2);
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(rec.cut);
    CHECK_INT(rec.offset, 30);
    for (size_t i = 0; i < rec.n_fields; i++) {
        CHECK(rec.fields[i].value.len <= lim.field_max);
        total += rec.fields[i].value.len;
    }
    CHECK_INT(total, lim.line_max);
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_OK);
    CHECK(!rec.cut && rec.n_fields == 1 && lw_slice_eq(rec.fields[0].value, LW_SLICE_LIT("after")));
    CHECK(parser_text.next(p, &rec, &st, NULL) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.cut_lines, 1);
    CHECK_INT(st.records, 3);
    CHECK(p->line.cap <= lim.line_max + 1);
    CHECK(p->vals.cap <= lim.record_max + 1);
    parser_text.close(p);
    reader_close(r);
    CHECK(pipe_done(fd, child));
    CHECK(maxrss_kib() - before < 24 * 1024);
}

static void
test_read_error(void)
{
    check_read_error(&parser_text);
}

int
main(void)
{
    RUN(test_huge_line_bounded); /* first, while the peak RSS is still low */
    RUN(test_sniff);
    RUN(test_key_value_shape);
    RUN(test_blocks);
    RUN(test_block_limits);
    RUN(test_plain_line_limits);
    RUN(test_long_line_pieces);
    RUN(test_read_error);
    return LW_TEST_END();
}
