/*
 * tests/unit/parsers/test_json.c — the JSON parser on what golden files cannot hold: nesting
 * 100,000 and 10,000,000 deep, a 100 MB string, limits, input arriving a byte at a time, read
 * errors, and the sniffer's scores. The huge inputs are generated on the fly by a child process
 * writing into a pipe, so they never exist in memory; memory use is checked by ru_maxrss and by the
 * parser's own buffer sizes (the test includes json.c to see them).
 */
#include "parsers/json.c"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/escape.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/parsers/parse_test.h"

#define MiB (1024u * 1024u)

/* ---- helpers ---- */

static void
write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w <= 0) {
            _exit(1);
        }
        s += w;
        n -= (size_t)w;
    }
}

/* Write n copies of byte c. */
static void
write_rep(int fd, char c, uint64_t n)
{
    char chunk[64 * 1024];

    memset(chunk, c, sizeof(chunk));
    while (n > 0) {
        size_t k = n < sizeof(chunk) ? (size_t)n : sizeof(chunk);

        write_all(fd, chunk, k);
        n -= k;
    }
}

typedef void (*gen_fn)(int fd, const void *arg);

/* A child process runs gen into a pipe; returns the read end (the child is reaped by finish()). */
static int
spawn(gen_fn gen, const void *arg, pid_t *pid)
{
    int fds[2];

    if (pipe(fds) != 0) {
        return -1;
    }
    *pid = fork();
    if (*pid == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_DFL);
        gen(fds[1], arg);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    return fds[0];
}

static void
reap(int fd, pid_t pid)
{
    int status;

    close(fd);
    waitpid(pid, &status, 0);
}

static void
limits_small(struct parse_limits *lim)
{
    parse_limits_default(lim);
    lim->field_max = 8;
    lim->record_max = 20;
    lim->fields_max = 3;
    lim->depth_max = 4;
}

/* Parse r to the end, rendering every record (as the golden runner does) into out. */
static enum lw_rc
render(struct reader *r, const struct parse_limits *lim, struct lw_buf *out, struct parse_stats *st)
{
    struct lw_error err = {0};
    struct parser *p = NULL;
    struct record rec;
    enum lw_rc rc = parser_json.open(r, lim, &p, &err);

    if (rc != LW_OK) {
        return rc;
    }
    while ((rc = parser_json.next(p, &rec, st, &err)) == LW_OK) {
        lw_buf_printf(out, "record @%llu%s\n", (unsigned long long)rec.offset,
                      rec.cut ? " cut" : "");
        for (size_t i = 0; i < rec.n_fields; i++) {
            lw_buf_append_str(out, "  ");
            lw_escape(out, rec.fields[i].name, LW_ESCAPE_TEXT);
            lw_buf_append_str(out, " = ");
            lw_escape(out, rec.fields[i].value, LW_ESCAPE_TEXT);
            lw_buf_append_byte(out, '\n');
        }
    }
    lw_buf_printf(out, "records=%llu bad=%llu cut_fields=%llu cut_records=%llu too_deep=%llu\n",
                  (unsigned long long)st->records, (unsigned long long)st->bad_records,
                  (unsigned long long)st->cut_fields, (unsigned long long)st->cut_records,
                  (unsigned long long)st->too_deep);
    parser_json.close(p);
    return rc == LW_ERR_NOT_FOUND ? LW_OK : rc;
}

/* Render a NUL-terminated input with the given limits (default limits for NULL). */
static char *
render_str(const char *in, const struct parse_limits *lim_in)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_buf out;
    struct reader *r = reader_open_mem(in, strlen(in), "t");
    char *s;

    if (lim_in == NULL) {
        parse_limits_default(&lim);
    } else {
        lim = *lim_in;
    }
    lw_buf_init(&out, 16 * MiB);
    render(r, &lim, &out, &st);
    reader_close(r);
    s = lw_xstrdup(out.data != NULL ? out.data : "");
    lw_buf_free(&out);
    return s;
}

static void
check_render(const char *in, const struct parse_limits *lim, const char *want)
{
    char *got = render_str(in, lim);

    CHECK_STR(got, want);
    free(got);
}

/* ---- 10,000,000 deep, and 100 MB in one string, through a pipe ---- */

struct deep_arg {
    uint64_t n;
    char open, close;
};

static void
gen_deep(int fd, const void *argp)
{
    const struct deep_arg *a = argp;
    static const char head[] = "[{\"id\": 1, \"deep\": ";
    static const char mid[] = "\"inner@example.com\"";
    static const char tail[] = "},\n{\"email\": \"after@example.com\"}]\n";

    write_all(fd, head, sizeof(head) - 1);
    write_rep(fd, a->open, a->n);
    write_all(fd, mid, sizeof(mid) - 1);
    write_rep(fd, a->close, a->n);
    write_all(fd, tail, sizeof(tail) - 1);
}

/* Parse the deep input from fd; check the records around it, the counts and the memory. */
static void
check_deep(int fd, uint64_t n)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r = reader_open_fd(fd, "deep");
    struct parser *p = NULL;
    struct record rec;
    long before = maxrss_kib();

    parse_limits_default(&lim);
    CHECK(parser_json.open(r, &lim, &p, &err) == LW_OK);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK_INT(rec.n_fields, 2);
    CHECK(rec.n_fields == 2 && lw_slice_eq(rec.fields[1].value, LW_SLICE_LIT("inner@example.com")));
    CHECK(rec.n_fields == 2 && lw_slice_eq(rec.fields[1].name, LW_SLICE_LIT("deep")));
    CHECK_INT(p->stack_cap <= lim.depth_max, 1);
    CHECK(p->deep == 0);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK(rec.n_fields == 1 && lw_slice_eq(rec.fields[0].value, LW_SLICE_LIT("after@example.com")));
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.records, 2);
    CHECK_INT(st.bad_records, 0);
    CHECK_INT(st.too_deep, 1);
    CHECK_INT(reader_offset(r), 2 * n + 73);
    CHECK(maxrss_kib() - before < 16 * 1024);
    parser_json.close(p);
    reader_close(r);
    (void)n;
}

static void
test_deep_10m_arrays(void)
{
    struct deep_arg a = {10u * 1000u * 1000u, '[', ']'};
    pid_t pid;
    int fd = spawn(gen_deep, &a, &pid);

    CHECK(fd >= 0);
    check_deep(fd, a.n);
    reap(fd, pid);
}

/* 100,000 deep, from memory, objects this time: {"k": {"k": … "inner@…" … }} */
static void
test_deep_100k_objects(void)
{
    const size_t n = 100000;
    struct lw_buf in;
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r;
    struct parser *p = NULL;
    struct record rec;

    lw_buf_init(&in, 16 * MiB);
    lw_buf_append_str(&in, "[{\"id\": 1, \"deep\": ");
    for (size_t i = 0; i < n; i++) {
        lw_buf_append_str(&in, "{\"k\": ");
    }
    lw_buf_append_str(&in, "\"inner@example.com\"");
    for (size_t i = 0; i < n; i++) {
        lw_buf_append_byte(&in, '}');
    }
    lw_buf_append_str(&in, "},\n{\"email\": \"after@example.com\"}]\n");
    r = reader_open_mem(in.data, in.len, "deep");
    parse_limits_default(&lim);
    CHECK(parser_json.open(r, &lim, &p, &err) == LW_OK);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK_INT(rec.n_fields, 2);
    /* the path stops at depth_max: "deep" and then a "k" for each level down to 64 */
    CHECK(rec.n_fields == 2 && rec.fields[1].name.len == 4 + 2 * (lim.depth_max - 2));
    CHECK(rec.n_fields == 2 && lw_slice_eq(rec.fields[1].value, LW_SLICE_LIT("inner@example.com")));
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK(rec.n_fields == 1 && lw_slice_eq(rec.fields[0].value, LW_SLICE_LIT("after@example.com")));
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.too_deep, 1);
    CHECK_INT(st.bad_records, 0);
    CHECK(p->stack_cap <= lim.depth_max);
    parser_json.close(p);
    reader_close(r);
    lw_buf_free(&in);
}

struct big_arg {
    uint64_t n;
    bool jsonl;
};

static void
gen_big_string(int fd, const void *argp)
{
    const struct big_arg *a = argp;
    static const char arr_head[] = "[{\"id\": 1, \"note\": \"maija@example.fi ";
    static const char arr_tail[] = "\", \"email\": \"after@example.com\"}, {\"id\": 2}]";
    static const char l_head[] = "{\"id\": 1, \"note\": \"maija@example.fi ";
    static const char l_tail[] = "\", \"email\": \"after@example.com\"}\n{\"id\": 2}\n";

    write_all(fd, a->jsonl ? l_head : arr_head, (a->jsonl ? sizeof(l_head) : sizeof(arr_head)) - 1);
    write_rep(fd, 'x', a->n);
    write_all(fd, a->jsonl ? l_tail : arr_tail, (a->jsonl ? sizeof(l_tail) : sizeof(arr_tail)) - 1);
}

static void
check_big_string(bool jsonl)
{
    struct big_arg a = {100u * MiB, jsonl};
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r;
    struct parser *p = NULL;
    struct record rec;
    pid_t pid;
    int fd = spawn(gen_big_string, &a, &pid);
    long before = maxrss_kib();

    r = reader_open_fd(fd, "big");
    parse_limits_default(&lim);
    CHECK(parser_json.open(r, &lim, &p, &err) == LW_OK);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK_INT(rec.n_fields, 3);
    CHECK(rec.cut);
    CHECK(rec.n_fields == 3 && rec.fields[1].value.len == lim.field_max);
    CHECK(rec.n_fields == 3 &&
          lw_slice_starts_with(rec.fields[1].value, LW_SLICE_LIT("maija@example.fi xxx")));
    CHECK(rec.n_fields == 3 && lw_slice_eq(rec.fields[2].value, LW_SLICE_LIT("after@example.com")));
    CHECK(p->b[0].vals.cap <= lim.record_max + 1 && p->b[1].vals.cap <= lim.record_max + 1);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK(rec.n_fields == 1 && lw_slice_eq(rec.fields[0].value, LW_SLICE_LIT("2")));
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.cut_fields, 1);
    CHECK_INT(st.cut_records, 0);
    CHECK_INT(st.bad_records, 0);
    CHECK_INT(st.records, 2);
    CHECK(maxrss_kib() - before < 16 * 1024);
    parser_json.close(p);
    reader_close(r);
    reap(fd, pid);
}

static void
test_big_string_array(void)
{
    check_big_string(false);
}

static void
test_big_string_jsonl(void)
{
    check_big_string(true);
}

/* ---- limits ---- */

static void
test_field_and_record_limits(void)
{
    struct parse_limits lim;

    limits_small(&lim);
    /* field_max 8: "abcdefghij" is cut; fields_max 3: the fourth field is dropped */
    check_render("[{\"a\": \"abcdefghij\", \"b\": 1, \"c\": 2, \"d\": 3}, {\"e\": 4}]", &lim,
                 "record @1 cut\n  a = abcdefgh\n  b = 1\n  c = 2\n"
                 "record @46\n  e = 4\n"
                 "records=2 bad=0 cut_fields=1 cut_records=1 too_deep=0\n");
    /* record_max 20: 8 + 8 + 4, then nothing */
    check_render("{\"a\": \"12345678\", \"b\": \"abcdefgh\", \"c\": \"ABCDEFGH\", \"d\": \"z\"}\n"
                 "{\"a\": 1}\n",
                 &lim,
                 "record @0 cut\n  a = 12345678\n  b = abcdefgh\n  c = ABCD\n"
                 "record @62\n  a = 1\n"
                 "records=2 bad=0 cut_fields=0 cut_records=1 too_deep=0\n");
    /* a \u escape that does not fit whole is left out, not split */
    check_render("[\"1234567\\u00e4\"]", &lim,
                 "record @1 cut\n   = 1234567\nrecords=1 bad=0 cut_fields=1 cut_records=0 "
                 "too_deep=0\n");
    /* nulls take no field slot */
    check_render("{\"a\": null, \"b\": null, \"c\": null, \"d\": null, \"e\": 1}\n", &lim,
                 "record @0\n  e = 1\nrecords=1 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
}

static void
test_depth_limit(void)
{
    struct parse_limits lim;

    limits_small(&lim);
    lim.fields_max = 10;
    lim.record_max = 100;
    /* depth 4: [ { a { b { is the deepest followed: c's value is past it, so the keys there
     * are dropped and the values kept under "a.b.c" */
    check_render("[{\"a\": {\"b\": {\"c\": {\"d\": \"v\", \"e\": [1, {\"f\": 2}]}, \"g\": 3}}, "
                 "\"h\": 4}, {\"i\": [[[[[5]]]]]}]",
                 &lim,
                 "record @1\n  a.b.c = v\n  a.b.c = 1\n  a.b.c = 2\n  a.b.g = 3\n  h = 4\n"
                 "record @70\n  i = 5\n"
                 "records=2 bad=0 cut_fields=0 cut_records=0 too_deep=2\n");
    /* depth_max below 2 is taken as 2: the records of a top-level array still have frames */
    lim.depth_max = 0;
    check_render("[{\"a\": {\"b\": 1}}, {\"c\": 2}]", &lim,
                 "record @1\n  a = 1\nrecord @18\n  c = 2\n"
                 "records=2 bad=0 cut_fields=0 cut_records=0 too_deep=1\n");
}

static void
test_wrapper_flush(void)
{
    struct parse_limits lim;

    limits_small(&lim);
    lim.record_max = 64;
    /* the wrapper's scalars come out three at a time, none lost, none cut; the record array's
     * elements are records as usual */
    check_render("{\"emails\": [\"a1\", \"a2\", \"a3\", \"a4\", \"a5\"], \"rows\": [{\"x\": 1}], "
                 "\"n\": 7}",
                 &lim,
                 "record @0\n  emails = a1\n  emails = a2\n  emails = a3\n"
                 "record @52\n  x = 1\n"
                 "record @0\n  emails = a4\n  emails = a5\n  n = 7\n"
                 "records=3 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
    /* by record_max 20 with field_max 8: after 16 bytes another field might not fit whole */
    lim.fields_max = 100;
    lim.record_max = 20;
    check_render(
        "{\"a\": \"aaaaaaaa\", \"b\": {\"c\": \"bbbbbbbbbbbb\"}, \"d\": \"cc\", \"e\": \"dd\"}",
        &lim,
        "record @0 cut\n  a = aaaaaaaa\n  b.c = bbbbbbbb\n"
        "record @0\n  d = cc\n  e = dd\n"
        "records=2 bad=0 cut_fields=1 cut_records=0 too_deep=0\n");
}

static void
test_long_key_path(void)
{
    char in[4096];
    char key[101];
    size_t len = 0;
    char *got;
    const char *name;

    /* five keys of 100 bytes: the name keeps the last two whole (201 bytes), from a component */
    for (int lvl = 0; lvl < 5; lvl++) {
        memset(key, 'a' + lvl, 100);
        key[100] = '\0';
        len += (size_t)snprintf(in + len, sizeof(in) - len, "{\"%s\": ", key);
    }
    len += (size_t)snprintf(in + len, sizeof(in) - len, "\"leaf@example.com\"}}}}}\n");
    got = render_str(in, NULL);
    name = strstr(got, "  ");
    CHECK(name != NULL && name[2] == 'd' && name[101] == 'd' && name[102] == '.' &&
          name[103] == 'e' && name[202] == 'e' && name[203] == ' ');
    free(got);
    /* a key of 300 bytes is kept to 256; one of two-byte characters is cut on a character */
    len = (size_t)snprintf(in, sizeof(in), "{\"x");
    for (int i = 0; i < 150; i++) {
        len += (size_t)snprintf(in + len, sizeof(in) - len, "\xc3\xa4");
    }
    snprintf(in + len, sizeof(in) - len, "\": 1}");
    {
        struct parse_limits lim;
        struct parse_stats st = {0};
        struct lw_error err = {0};
        struct reader *r = reader_open_mem(in, strlen(in), "k");
        struct parser *p = NULL;
        struct record rec;

        parse_limits_default(&lim);
        CHECK(parser_json.open(r, &lim, &p, &err) == LW_OK);
        CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
        CHECK(rec.n_fields == 1 && rec.fields[0].name.len == 255);
        parser_json.close(p);
        reader_close(r);
    }
}

/* 300 levels of 250-byte keys pass the 64 KiB key path: the deepest keys are left out, the name
 * is still whole components and at most 256 bytes */
static void
test_path_full(void)
{
    struct lw_buf in;
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r;
    struct parser *p = NULL;
    struct record rec;
    char key[251];

    memset(key, 'k', 250);
    key[250] = '\0';
    lw_buf_init(&in, 16 * MiB);
    for (int i = 0; i < 300; i++) {
        lw_buf_printf(&in, "{\"%s\": ", key);
    }
    lw_buf_append_str(&in, "\"leaf@example.com\"");
    for (int i = 0; i < 300; i++) {
        lw_buf_append_byte(&in, '}');
    }
    parse_limits_default(&lim);
    lim.depth_max = 1000;
    r = reader_open_mem(in.data, in.len, "path");
    CHECK(parser_json.open(r, &lim, &p, &err) == LW_OK);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_OK);
    CHECK(rec.n_fields == 1 && rec.fields[0].name.len == 250);
    CHECK(rec.n_fields == 1 && lw_slice_eq(rec.fields[0].value, LW_SLICE_LIT("leaf@example.com")));
    CHECK(p->path_cap == PATH_CAP_MAX);
    CHECK(parser_json.next(p, &rec, &st, &err) == LW_ERR_NOT_FOUND);
    CHECK_INT(st.too_deep, 0);
    parser_json.close(p);
    reader_close(r);
    lw_buf_free(&in);
}

/* ---- what a record is ---- */

static void
test_stream_or_document(void)
{
    /* JSON Lines: an array of objects inside a line stays in its record */
    check_render("{\"name\": \"a\", \"phones\": [{\"n\": 1}, {\"n\": 2}]}\n{\"name\": \"b\"}\n",
                 NULL,
                 "record @0\n  name = a\n  phones.n = 1\n  phones.n = 2\n"
                 "record @46\n  name = b\n"
                 "records=2 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
    /* one document: the same object is a wrapper */
    check_render("{\"name\": \"a\", \"phones\": [{\"n\": 1}, {\"n\": 2}]}\n", NULL,
                 "record @25\n  n = 1\nrecord @35\n  n = 2\nrecord @0\n  name = a\n"
                 "records=3 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
    /* arrays of arrays: each inner array is a record with unnamed fields */
    check_render("{\"values\": [[\"name\", \"email\"], [\"Maija\", \"maija@example.fi\"]]}", NULL,
                 "record @12\n   = name\n   = email\n"
                 "record @31\n   = Maija\n   = maija@example.fi\n"
                 "records=2 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
}

static void
test_malformed(void)
{
    /* an error outside any record skips within its container */
    check_render("{\"meta\": {\"a\": 1 \"b\": 2}, \"data\": [{\"x\": 1}], \"c\": 3}", NULL,
                 "record @35\n  x = 1\nrecord @0\n  meta.a = 1\n  c = 3\n"
                 "records=2 bad=1 cut_fields=0 cut_records=0 too_deep=0\n");
    /* garbage at the top level: skip to a line starting with '{' or '[' */
    check_render("}}} x\n  {\"no\": 1}\n{\"yes\": 1}\n", NULL,
                 "record @18\n  yes = 1\nrecords=1 bad=1 cut_fields=0 cut_records=0 too_deep=0\n");
    /* a record broken inside a nested string never resyncs onto its inner '{' */
    check_render("[{\"a\": 1 ! \"s\": \"{\\\"x\\\": 1}\"}, {\"b\": 2}]", NULL,
                 "record @31\n  b = 2\nrecords=1 bad=1 cut_fields=0 cut_records=0 too_deep=0\n");
    /* unterminated string at the very end: the value is dropped, the record kept as cut */
    check_render("[{\"a\": 1, \"b\": \"4111111111", NULL,
                 "record @1 cut\n  a = 1\nrecords=1 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
    /* a top-level number at the end of input is whole */
    check_render("1\n2", NULL,
                 "record @0\n   = 1\nrecord @2\n   = 2\n"
                 "records=2 bad=0 cut_fields=0 cut_records=0 too_deep=0\n");
}

/* Binary garbage never loops and keeps the contract. */
static void
test_garbage(void)
{
    const size_t n = 4 * MiB;
    char *buf = lw_xmalloc(n);
    uint32_t x = 12345;
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_buf out;
    struct reader *r;
    static const char alphabet[] = "{}[],:\"\\ \n\tatrue0123456789-.eu";

    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (x >> 24) < 200 ? alphabet[(x >> 8) % (sizeof(alphabet) - 1)] : (char)(x >> 16);
    }
    limits_small(&lim);
    lw_buf_init(&out, 256 * MiB);
    r = reader_open_mem(buf, n, "garbage");
    CHECK(render(r, &lim, &out, &st) == LW_OK);
    CHECK(st.records > 0 && st.bad_records > 0);
    reader_close(r);
    lw_buf_free(&out);
    free(buf);
}

/* ---- input a byte at a time ---- */

struct bytes {
    const char *p;
    size_t len;
};

static void
gen_bytewise(int fd, const void *argp)
{
    const struct bytes *b = argp;

    for (size_t i = 0; i < b->len; i++) {
        write_all(fd, b->p + i, 1);
    }
}

/* The records of in read a byte at a time through a pipe equal those read from memory at once. */
static void
check_bytewise(const char *in, size_t len, const struct parse_limits *lim, const char *what)
{
    struct bytes b = {in, len};
    struct parse_stats st_mem = {0}, st_pipe = {0};
    struct lw_buf want, got;
    struct reader *r = reader_open_mem(in, len, "mem");
    pid_t pid;
    int fd;

    lw_buf_init(&want, 16 * MiB);
    lw_buf_init(&got, 16 * MiB);
    CHECK(render(r, lim, &want, &st_mem) == LW_OK);
    reader_close(r);
    fd = spawn(gen_bytewise, &b, &pid);
    r = reader_open_fd(fd, "pipe");
    CHECK(render(r, lim, &got, &st_pipe) == LW_OK);
    reader_close(r);
    reap(fd, pid);
    if (want.len != got.len || memcmp(want.data, got.data, want.len) != 0) {
        fprintf(stderr, "bytewise differs: %s\n", what);
        CHECK_STR(got.data, want.data);
    }
    lw_buf_free(&want);
    lw_buf_free(&got);
}

static void
test_bytewise(void)
{
    static const char *const inputs[] = {
        "{\"a\": \"x\\u00e4\\ud83d\\ude00\\\"y\", \"b\": [1, true, null, {\"c\": \"d\"}]}\n"
        "{\"e\": \"say \"hi\" now\"}\n[\"s\", 5]\n",
        "{\"data\": [{\"id\": 1, \"email\": \"maija@example.fi\"}, {\"id\": 2} {\"id\": 3}],"
        " \"meta\": {\"n\": 3}}",
        "[{\"a\": 1 !, \"b\": 2}, {\"c\": 3}]\n}}\n{\"d\": 4}\n",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1, {\"k\": "
        "2}]]]]]]]]]]"
        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], {\"z\": \"w\"}]",
    };
    struct parse_limits lim;
    char *buf = lw_xmalloc(MiB);
    uint32_t x = 777;
    DIR *d;
    struct dirent *e;

    parse_limits_default(&lim);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        check_bytewise(inputs[i], strlen(inputs[i]), &lim, inputs[i]);
    }
    /* every golden input, NUL bytes and UTF-16 included */
    d = opendir("tests/data/json");
    CHECK(d != NULL);
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[512];
        size_t l = strlen(e->d_name);
        FILE *f;

        if (l < 4 || strcmp(e->d_name + l - 3, ".in") != 0) {
            continue;
        }
        snprintf(path, sizeof(path), "tests/data/json/%s", e->d_name);
        f = fopen(path, "rb");
        CHECK(f != NULL);
        if (f != NULL) {
            check_bytewise(buf, fread(buf, 1, MiB, f), &lim, path);
            fclose(f);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    /* garbage, with small limits so cuts and depth are reached */
    for (size_t i = 0; i < 64 * 1024; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = "{}[],:\"\\ \nax0-u"[(x >> 8) % 16];
    }
    limits_small(&lim);
    check_bytewise(buf, 64 * 1024, &lim, "garbage");
    free(buf);
}

static void
test_read_error(void)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    struct reader *r = reader_open_fd(fd, "dir");
    struct parser *p = NULL;
    struct record rec;

    parse_limits_default(&lim);
    if (parser_json.open(r, &lim, &p, &err) == LW_OK) {
        CHECK(parser_json.next(p, &rec, &st, &err) == LW_ERR_IO);
        parser_json.close(p);
    } else {
        CHECK(err.rc == LW_ERR_IO);
    }
    reader_close(r);
    close(fd);
}

/* ---- sniffing ---- */

static int
sniff_str(const char *s, const char *name)
{
    return parser_json.sniff(lw_slice_cstr(s), name);
}

static void
test_sniff(void)
{
    /* JSON Lines, arrays, pretty-printed objects */
    CHECK(sniff_str("{\"a\": 1}\n{\"b\": 2}\n", NULL) >= 80);
    CHECK(sniff_str("[{\"a\": 1}, {\"b\": 2}]", NULL) >= 80);
    CHECK(sniff_str("{\n  \"data\": [\n    {\"a\": 1},\n", NULL) >= 80);
    CHECK(sniff_str("  \n[1, 2, 3", NULL) >= 80);
    /* the name adds a little */
    CHECK(sniff_str("{\"a\": 1}", "x.json") > sniff_str("{\"a\": 1}", "x.txt"));
    CHECK(sniff_str("{\"a\": 1}", "dump.NDJSON") > sniff_str("{\"a\": 1}", NULL));
    CHECK(sniff_str("{\"a\": 1}", "x.json") <= 95);
    /* JSON Lines with broken lines among good ones */
    CHECK(sniff_str("{\"a\": 1}\n{\"b\": 2 oops}\n{\"c\": 3}\n", NULL) >= 80);
    /* an array of objects broken early */
    CHECK(sniff_str("[{\"a\": \"x\"y\"}]", NULL) >= 50);
    /* not JSON: CSV whose first cell starts with '{', logs, INI, text */
    CHECK(sniff_str("{id},name,email\n1,Maija,maija@example.fi\n2,Matti,m@example.com\n", NULL) <
          30);
    CHECK(sniff_str("{\"a\":1},x,y\n{\"b\":2},z,w\n", NULL) < 30 ||
          sniff_str("{\"a\":1},x,y\n{\"b\":2},z,w\n", NULL) <= 80);
    CHECK(sniff_str("[2024-01-01 12:00:00] INFO started\n", NULL) == 0);
    CHECK(sniff_str("[section]\nkey=value\n", "x.json") == 0);
    CHECK(sniff_str("hello {\"a\": 1}", NULL) == 0);
    CHECK(sniff_str("", NULL) == 0);
    CHECK(sniff_str("{'a': 1}", NULL) == 0);
}

static void
test_literal_ok(void)
{
    CHECK(literal_ok("0", 1, false) && literal_ok("-0.5e+10", 8, false));
    CHECK(literal_ok("123", 3, false) && literal_ok("1E5", 3, false));
    CHECK(!literal_ok("01", 2, false) && !literal_ok("1.", 2, false) && !literal_ok("-", 1, false));
    CHECK(literal_ok("1.", 2, true) && literal_ok("-", 1, true) && literal_ok("fal", 3, true));
    CHECK(!literal_ok("fal", 3, false) && !literal_ok("nul1", 4, true) && !literal_ok("", 0, true));
    CHECK(literal_ok("null", 4, false) && !literal_ok("NaN", 3, true));
}

int
main(void)
{
    /* the memory-checked ones first: ru_maxrss only grows */
    RUN(test_deep_10m_arrays);
    RUN(test_big_string_array);
    RUN(test_big_string_jsonl);
    RUN(test_deep_100k_objects);
    RUN(test_field_and_record_limits);
    RUN(test_depth_limit);
    RUN(test_wrapper_flush);
    RUN(test_long_key_path);
    RUN(test_path_full);
    RUN(test_stream_or_document);
    RUN(test_malformed);
    RUN(test_garbage);
    RUN(test_bytewise);
    RUN(test_read_error);
    RUN(test_sniff);
    RUN(test_literal_ok);
    return LW_TEST_END();
}
