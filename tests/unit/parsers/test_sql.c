/*
 * tests/unit/parsers/test_sql.c — the SQL dump parser beyond its golden files: sniff scores, every
 * limit (field_max, fields_max, record_max, the column-name map), a ~100 MB single-line extended
 * INSERT and a huge single value in bounded memory, reader-window boundaries at every byte of a
 * statement, and truncation at every byte of a dump (every record before the cut comes out whole).
 *
 * The .c is included so the tests can check the parser's own buffers against their ceilings.
 */
#include "parsers/sql.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/escape.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/parsers/parse_test.h"

/* ---- helpers ---- */

static struct parse_limits
limits(size_t field_max, size_t fields_max, size_t record_max)
{
    struct parse_limits lim;

    parse_limits_default(&lim);
    if (field_max != 0) {
        lim.field_max = field_max;
    }
    if (fields_max != 0) {
        lim.fields_max = fields_max;
    }
    if (record_max != 0) {
        lim.record_max = record_max;
    }
    return lim;
}

/* Parse s and render every record as "@offset[ cut] name=value|name=value…\n" (offsets less
 * shift), then the stats. The rendering is bounded by the caller's buffer. */
static void
render(const char *s, size_t n, const struct parse_limits *lim, uint64_t shift, struct lw_buf *out,
       struct parse_stats *st_out)
{
    struct lw_error err = {0};
    struct parse_stats st = {0};
    struct reader *r = reader_open_mem(s, n, "test");
    struct parser *p = NULL;
    struct record rec;

    lw_buf_reset(out);
    CHECK(parser_sql.open(r, lim, &p, &err) == LW_OK);
    while (parser_sql.next(p, &rec, &st, &err) == LW_OK) {
        lw_buf_printf(out, "@%llu%s", (unsigned long long)(rec.offset - shift),
                      rec.cut ? " cut" : "");
        for (size_t i = 0; i < rec.n_fields; i++) {
            lw_buf_printf(out, " %.*s=", (int)rec.fields[i].name.len, rec.fields[i].name.p);
            lw_escape(out, rec.fields[i].value, LW_ESCAPE_TEXT);
        }
        lw_buf_append_byte(out, '\n');
    }
    CHECK(p->val.cap <= lim->record_max + 1);
    CHECK(p->fcap <= lim->fields_max);
    CHECK(p->map_bytes <= MAP_BYTES);
    parser_sql.close(p);
    reader_close(r);
    if (st_out != NULL) {
        *st_out = st;
    }
}

static void
render_str(const char *s, const struct parse_limits *lim, struct lw_buf *out,
           struct parse_stats *st)
{
    render(s, strlen(s), lim, 0, out, st);
}

static int
sniff_str(const char *s, const char *name)
{
    return parser_sql.sniff(lw_slice_cstr(s), name);
}

/* An unlinked temporary file, positioned at its start after the caller has written it. */
static int
temp_file(void)
{
    char path[] = "/tmp/lw-test-sql-XXXXXX";
    int fd = mkstemp(path);

    if (fd >= 0) {
        unlink(path);
    }
    return fd;
}

static void
write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w <= 0) {
            CHECK(w > 0);
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

/* ---- sniffing ---- */

static void
test_sniff_scores(void)
{
    CHECK_INT(sniff_str("-- MySQL dump 10.13  Distrib 8.0.36\n--\n", NULL), 95);
    CHECK_INT(sniff_str("--\n-- PostgreSQL database dump\n--\n\nSET x = 0;\n", NULL), 95);
    CHECK_INT(sniff_str("-- phpMyAdmin SQL Dump\n-- version 5.2.1\n", NULL), 95);
    CHECK_INT(sniff_str("/*M!999999\\- enable the sandbox mode */\n-- MariaDB dump 10.19\n", NULL),
              95);
    CHECK_INT(sniff_str("INSERT INTO t VALUES (1);", NULL), 90);
    CHECK_INT(sniff_str("insert ignore into `t` values (1);", NULL), 90);
    CHECK_INT(sniff_str("REPLACE INTO t VALUES (1);", NULL), 90);
    CHECK_INT(sniff_str("INSERT [dbo].[t] ([a]) VALUES (1)", NULL), 90);
    CHECK_INT(sniff_str("/*!40101 SET NAMES utf8 */;\n# c\nCREATE TABLE t (a int);", NULL), 90);
    CHECK_INT(sniff_str("COPY public.t (a, b) FROM stdin;\n1\t2\n\\.\n", NULL), 90);
    CHECK_INT(sniff_str("COPY public.t (a, b) TO stdout;", NULL), 0);
    CHECK_INT(sniff_str("SET NAMES utf8mb4;\n", NULL), 85);
    CHECK_INT(sniff_str("DROP TABLE IF EXISTS `t`;\n", NULL), 85);
    CHECK_INT(
        sniff_str("SET FOREIGN_KEY_CHECKS=0;\nLOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES (1);",
                  NULL),
        90);
    CHECK_INT(sniff_str("Fresh leak, 300 rows:\n\nINSERT INTO patients VALUES (1,'a');\n", NULL),
              60);
    CHECK_INT(sniff_str("Please insert into the form your name; thanks", NULL), 0);
    CHECK_INT(sniff_str("id,email\n1,a@example.fi\n", NULL), 0);
    CHECK_INT(sniff_str("", NULL), 0);
    CHECK_INT(sniff_str("INSERT INTO t VALUES (1);", "dump.SQL"), 95);
    CHECK_INT(sniff_str("-- MySQL dump\n", "x.sql"), 100);
    CHECK_INT(sniff_str("hello", "x.sql"), 10);
    CHECK_INT(sniff_str("hello", "sql"), 0);
    CHECK_INT(sniff_str("\xEF\xBB\xBFINSERT INTO t VALUES (1);", NULL), 90);
    CHECK(parser_find("sql") == &parser_sql);
}

/* ---- limits ---- */

static void
test_field_max_cuts_and_skips_to_end_quote(void)
{
    struct parse_limits lim = limits(8, 0, 0);
    struct parse_stats st;
    struct lw_buf out;

    lw_buf_init(&out, 1 << 20);
    render_str(
        "INSERT INTO t VALUES ('0123456789\\'abc),(x', 'ok', 0x41424344454647484950),(2,'b');",
        &lim, &out, &st);
    /* a hex literal's digits count against field_max: cut, it keeps half as many bytes */
    CHECK_STR(out.data, "@21 cut =01234567 =ok =ABC\n@75 =2 =b\n");
    CHECK_INT(st.cut_fields, 2);
    CHECK_INT(st.cut_records, 0);
    CHECK_INT(st.records, 2);
    render_str("COPY t (a, b) FROM stdin;\n0123456789\\t\tok\n\\.\n", &lim, &out, &st);
    CHECK_STR(out.data, "@26 cut a=01234567 b=ok\n");
    CHECK_INT(st.cut_fields, 1);
    lw_buf_free(&out);
}

static void
test_fields_max_cuts_record(void)
{
    struct parse_limits lim = limits(0, 3, 0);
    struct parse_stats st;
    struct lw_buf out;

    lw_buf_init(&out, 1 << 20);
    render_str("INSERT INTO t (a,b,c,d,e) VALUES (1,NULL,2,3,4,5),(6,7,8);", &lim, &out, &st);
    /* names are kept for fields_max columns: d (the 4th) is unnamed */
    CHECK_STR(out.data, "@33 cut a=1 c=2 =3\n@50 a=6 b=7 c=8\n");
    CHECK_INT(st.cut_records, 1);
    CHECK_INT(st.cut_fields, 0);
    render_str("COPY t FROM stdin;\n1\t2\t3\t4\n5\n", &lim, &out, &st);
    CHECK_STR(out.data, "@19 cut =1 =2 =3\n@27 =5\n");
    CHECK_INT(st.cut_records, 1);
    lw_buf_free(&out);
}

static void
test_record_max_cuts_record(void)
{
    struct parse_limits lim = limits(0, 0, 10);
    struct parse_stats st;
    struct lw_buf out;

    lw_buf_init(&out, 1 << 20);
    render_str("INSERT INTO t VALUES ('abcdef','ghijkl','mn'),('x');", &lim, &out, &st);
    CHECK_STR(out.data, "@21 cut =abcdef =ghij\n@46 =x\n");
    CHECK_INT(st.cut_records, 1);
    CHECK_INT(st.cut_fields, 0);
    lw_buf_free(&out);
}

static void
test_zero_limits_do_not_break(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    struct parse_stats st;
    struct lw_buf out;

    lim.field_max = 0;
    lim.fields_max = 0;
    lim.record_max = 0;
    lw_buf_init(&out, 1 << 20);
    render_str(
        "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1,'a'),(2);\nCOPY t FROM stdin;\nx\n\\.\n",
        &lim, &out, &st);
    CHECK_STR(out.data, "@45 cut\n@53 cut\n@77 cut\n");
    CHECK_INT(st.records, 3);
    lw_buf_free(&out);
}

/* ---- the column-name map ---- */

static void
test_map_tables_bounded(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    struct lw_buf in, out;

    lw_buf_init(&in, 1 << 20);
    lw_buf_init(&out, 1 << 20);
    for (int i = 0; i < MAP_TABLES + 44; i++) {
        lw_buf_printf(&in, "CREATE TABLE `t%d` (`a%d` int, `b` text);\n", i, i);
    }
    lw_buf_printf(&in, "INSERT INTO t0 VALUES (1,'x');\n");       /* remembered */
    lw_buf_printf(&in, "INSERT INTO `T255` VALUES (2,'y');\n");   /* the 256th, case-insensitive */
    lw_buf_printf(&in, "INSERT INTO `t256` VALUES (3,'z');\n");   /* the map was full */
    lw_buf_printf(&in, "INSERT INTO db.t7 VALUES (4,'w', 5);\n"); /* last component; extra column */
    render(in.data, in.len, &lim, 0, &out, NULL);
    CHECK(strstr(out.data, " a0=1 b=x\n") != NULL);
    CHECK(strstr(out.data, " a255=2 b=y\n") != NULL);
    CHECK(strstr(out.data, " =3 =z\n") != NULL);
    CHECK(strstr(out.data, " a7=4 b=w =5\n") != NULL);
    lw_buf_free(&in);
    lw_buf_free(&out);
}

static void
test_map_redefinition_and_long_names(void)
{
    struct parse_limits lim = limits(0, 3, 0);
    struct lw_buf in, out;
    char name[SQL_NAME_MAX + 2];

    lw_buf_init(&in, 1 << 20);
    lw_buf_init(&out, 1 << 20);
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    lw_buf_printf(&in, "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n");
    lw_buf_printf(&in, "CREATE TABLE t (b int, c int);\nINSERT INTO t VALUES (2, 3);\n");
    /* a name one byte too long is unnamed; one at the limit is kept; a 4th column past fields_max
     */
    lw_buf_printf(&in, "CREATE TABLE u (`%s` int, `%.*s` int, d int, e int);\n", name, SQL_NAME_MAX,
                  name);
    lw_buf_printf(&in, "INSERT INTO u VALUES (4, 5, 6);\n");
    render(in.data, in.len, &lim, 0, &out, NULL);
    CHECK(strstr(out.data, " a=1\n") != NULL);
    CHECK(strstr(out.data, " b=2 c=3\n") != NULL);
    CHECK(strstr(out.data, " =4 nnnn") != NULL);
    CHECK(strstr(out.data, "n=5 d=6\n") != NULL);
    lw_buf_free(&in);
    lw_buf_free(&out);
}

static void
test_map_bytes_bounded(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    struct lw_buf in, out;
    char name[SQL_NAME_MAX + 1];

    /* each table holds 4096 columns of 256-byte names (over 1 MiB): the fourth no longer fits */
    lw_buf_init(&in, 8u << 20);
    lw_buf_init(&out, 1 << 20);
    memset(name, 'c', SQL_NAME_MAX);
    name[SQL_NAME_MAX] = '\0';
    for (int t = 0; t < 5; t++) {
        lw_buf_printf(&in, "CREATE TABLE t%d (", t);
        for (int c = 0; c < 4096; c++) {
            lw_buf_printf(&in, "%s\"%.*s%04d\" text", c ? "," : "", SQL_NAME_MAX - 4, name, c);
        }
        lw_buf_printf(&in, ");\n");
    }
    lw_buf_printf(&in, "INSERT INTO t2 VALUES (1);\nINSERT INTO t3 VALUES (2);\n");
    render(in.data, in.len, &lim, 0, &out, NULL);
    CHECK(strstr(out.data, "c0000=1\n") != NULL);
    CHECK(strstr(out.data, " =2\n") != NULL);
    lw_buf_free(&in);
    lw_buf_free(&out);
}

/* ---- size ---- */

#define BIG_TARGET (100u << 20)

/* A ~100 MB extended INSERT on one line, through a file: every tuple comes out, named, and the
 * parser's memory does not grow with the statement. */
static void
test_100mb_single_line_insert(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r = NULL;
    struct parser *p = NULL;
    struct record rec;
    char chunk[1 << 16];
    size_t used = 0, total = 0;
    uint64_t rows = 0, seen = 0, bad = 0;
    long before;
    int fd = temp_file();

    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    used = (size_t)snprintf(chunk, sizeof(chunk), "INSERT INTO `t` (`id`,`email`,`note`) VALUES ");
    while (total + used < BIG_TARGET) {
        if (used > sizeof(chunk) - 200) {
            write_all(fd, chunk, used);
            total += used;
            used = 0;
        }
        used +=
            (size_t)snprintf(chunk + used, sizeof(chunk) - used,
                             "%s(%llu,'user%llu@example.fi','it\\'s a ),( note; \\\\ x')",
                             rows ? "," : "", (unsigned long long)rows, (unsigned long long)rows);
        rows++;
    }
    used += (size_t)snprintf(chunk + used, sizeof(chunk) - used, ";\n");
    write_all(fd, chunk, used);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    before = maxrss_kib();
    r = reader_open_fd(fd, "big");
    CHECK(parser_sql.open(r, &lim, &p, &err) == LW_OK);
    while (parser_sql.next(p, &rec, &st, &err) == LW_OK) {
        char want[64];
        int n = snprintf(want, sizeof(want), "user%llu@example.fi", (unsigned long long)seen);

        if (rec.n_fields != 3 || rec.cut ||
            !lw_slice_eq(rec.fields[1].value, lw_slice_make(want, (size_t)n)) ||
            !lw_slice_eq(rec.fields[1].name, LW_SLICE_LIT("email")) ||
            !lw_slice_eq(rec.fields[2].value, LW_SLICE_LIT("it's a ),( note; \\ x"))) {
            bad++;
        }
        seen++;
    }
    CHECK_INT(seen, rows);
    CHECK_INT(st.records, rows);
    CHECK_INT(bad, 0);
    CHECK(rows > 1000000);
    CHECK(p->val.cap <= 4096); /* one tuple's worth, not the statement's */
    /* the whole parse may not grow the process by more than a few MiB (ASan adds its own) */
    CHECK(maxrss_kib() - before < 24 * 1024);
    parser_sql.close(p);
    reader_close(r);
    close(fd);
}

/* A single 8 MB string value: cut at field_max, skipped to its end quote, the rest intact. */
static void
test_huge_value(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    size_t big = 8u << 20;
    char *in = lw_xmalloc(big + 100);
    size_t n = 0;
    struct parse_stats st;
    struct lw_buf out;

    lw_buf_init(&out, 1 << 20);
    n += (size_t)snprintf(in, 100, "INSERT INTO t VALUES ('");
    memset(in + n, 'a', big);
    n += big;
    n += (size_t)snprintf(in + n, 100, "', 'next'),(2);");
    render(in, n, &lim, 0, &out, &st);
    CHECK_INT(out.len, 9 + lim.field_max + 7 + 12);
    CHECK(strncmp(out.data, "@21 cut =aaaa", 13) == 0);
    CHECK(strstr(out.data, "a =next\n@8388642 =2\n") != NULL);
    CHECK_INT(st.cut_fields, 1);
    CHECK_INT(st.records, 2);
    lw_buf_free(&out);
    free(in);
}

/* ---- streaming ---- */

static const char sample[] =
    "-- MySQL dump\n"
    "CREATE TABLE `p` (`id` int, `email` text, KEY `k` (`email`)) ENGINE=InnoDB;\n"
    "INSERT INTO `p` VALUES (1,'a\\'b\\\\c\\n',NULL),(2,_binary 'x',X'4142',0x4344,b'01000101'),"
    "(3,'e''f',\"g\"\"h\", NOW( ), 'x),(y;z')\n;\n"
    "/* c */ INSERT INTO q (a, b) VALUES ('anna@example.fi', -- c\n 'b'), ('c', 'd');\n"
    "COPY public.p (id, email) FROM stdin;\n1\ta\\tb\\101\\x41\\\\\n\\N\t\\N\n\\.\n"
    "SET standard_conforming_strings = on;\n"
    "INSERT INTO p VALUES (4, 'C:\\x', E'\\x41\\n');\n"
    "INSERT INTO p VALUES (5, 'unterminated\n"
    "INSERT INTO p VALUES (6);\n";

/* The reader's window ends at every byte of the sample in turn (a comment pads the input to a
 * multiple of READER_BUF): the records must not depend on where the window ends. */
static void
test_window_boundaries(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    size_t len = sizeof(sample) - 1;
    char *in = lw_xmalloc(READER_BUF + len);
    struct lw_buf want, got;
    int mismatches = 0;

    lw_buf_init(&want, 1 << 20);
    lw_buf_init(&got, 1 << 20);
    render(sample, len, &lim, 0, &want, NULL);
    CHECK(want.len > 0);
    for (size_t k = 1; k < len; k++) {
        size_t pad = READER_BUF - k;

        in[0] = '-';
        in[1] = '-';
        memset(in + 2, 'x', pad - 3);
        in[pad - 1] = '\n';
        memcpy(in + pad, sample, len);
        render(in, pad + len, &lim, pad, &got, NULL);
        if (!lw_slice_eq(lw_buf_slice(&got), lw_buf_slice(&want))) {
            if (mismatches++ == 0) {
                fprintf(stderr, "window ends %zu bytes in:\n%s\nwant:\n%s\n", k, got.data,
                        want.data);
            }
        }
    }
    CHECK_INT(mismatches, 0);
    lw_buf_free(&want);
    lw_buf_free(&got);
    free(in);
}

/* Cut the sample after every byte: every record that ended before the cut comes out as it does
 * from the whole input; only the last may differ (cut). */
static void
test_truncated_at_every_byte(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    size_t len = sizeof(sample) - 1;
    struct lw_buf full, part;
    int bad = 0;

    lw_buf_init(&full, 1 << 20);
    lw_buf_init(&part, 1 << 20);
    render(sample, len, &lim, 0, &full, NULL);
    for (size_t n = 0; n <= len; n++) {
        const char *lines, *nl;
        size_t common = 0;

        render(sample, n, &lim, 0, &part, NULL);
        /* every record line of part but the last must be a line of full at the same position */
        lines = part.data != NULL ? part.data : "";
        while ((nl = strchr(lines + common, '\n')) != NULL && strchr(nl + 1, '\n') != NULL) {
            common = (size_t)(nl + 1 - lines);
        }
        if (common > 0 && (full.len < common || memcmp(full.data, lines, common) != 0)) {
            if (bad++ == 0) {
                fprintf(stderr, "cut after %zu bytes:\n%s\nfull:\n%s\n", n, lines, full.data);
            }
        }
    }
    CHECK_INT(bad, 0);
    lw_buf_free(&full);
    lw_buf_free(&part);
}

static void
test_close_without_records_and_null_safety(void)
{
    struct parse_limits lim = limits(0, 0, 0);
    struct lw_error err = {0};
    struct parse_stats st = {0};
    struct reader *r = reader_open_mem("", 0, "empty");
    struct parser *p = NULL;
    struct record rec;

    CHECK(parser_sql.open(r, &lim, &p, &err) == LW_OK);
    CHECK(parser_sql.next(p, &rec, &st, &err) == LW_ERR_NOT_FOUND);
    CHECK(parser_sql.next(p, &rec, &st, &err) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.records, 0);
    parser_sql.close(p);
    parser_sql.close(NULL);
    reader_close(r);
}

int
main(void)
{
    RUN(test_100mb_single_line_insert); /* first, so maxrss measures this parse alone */
    RUN(test_huge_value);
    RUN(test_sniff_scores);
    RUN(test_field_max_cuts_and_skips_to_end_quote);
    RUN(test_fields_max_cuts_record);
    RUN(test_record_max_cuts_record);
    RUN(test_zero_limits_do_not_break);
    RUN(test_map_tables_bounded);
    RUN(test_map_redefinition_and_long_names);
    RUN(test_map_bytes_bounded);
    RUN(test_window_boundaries);
    RUN(test_truncated_at_every_byte);
    RUN(test_close_without_records_and_null_safety);
    return LW_TEST_END();
}
