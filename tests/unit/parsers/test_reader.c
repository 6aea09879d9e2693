/* tests/unit/parsers/test_reader.c — the streaming reader: windows, lines, BOMs, UTF-16, errors. */
#include "parsers/reader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/lw_test.h"

/* Read everything through fill/consume in steps of at most `step` bytes. */
static size_t
drain(struct reader *r, char *out, size_t cap, size_t step)
{
    size_t n = 0;
    struct lw_slice a;

    while (reader_fill(r, &a) == LW_OK && a.len > 0) {
        size_t k = a.len < step ? a.len : step;

        if (a.len > READER_BUF) {
            return SIZE_MAX;
        }
        if (n + k <= cap) {
            memcpy(out + n, a.p, k);
        }
        n += k;
        reader_consume(r, k);
    }
    return n;
}

static void
test_memory_and_offsets(void)
{
    static const char text[] = "hello\nworld";
    struct reader *r = reader_open_mem(text, sizeof(text) - 1, "mem");
    char out[64];
    struct lw_slice head;

    CHECK(reader_peek(r, 5, &head) == LW_OK && lw_slice_eq(head, LW_SLICE_LIT("hello")));
    CHECK(reader_peek(r, 100, &head) == LW_OK && head.len == 11);
    CHECK_INT(drain(r, out, sizeof(out), 3), 11);
    CHECK(memcmp(out, text, 11) == 0);
    CHECK_INT(reader_offset(r), 11);
    CHECK(reader_peek(r, 5, &head) == LW_ERR_INTERNAL); /* only before consuming */
    CHECK_STR(reader_name(r), "mem");
    reader_close(r);
    reader_close(NULL);
}

static void
test_large_input_bounded_window(void)
{
    size_t n = 3 * READER_BUF + 17;
    char *big = malloc(n);
    char *out = malloc(n);
    struct reader *r;

    for (size_t i = 0; i < n; i++) {
        big[i] = (char)('a' + i % 26);
    }
    r = reader_open_mem(big, n, "big");
    CHECK_INT(drain(r, out, n, 1000), n); /* SIZE_MAX if a window exceeded READER_BUF */
    CHECK(memcmp(big, out, n) == 0);
    reader_close(r);
    free(big);
    free(out);
}

static void
test_lines(void)
{
    static const char text[] = "one\r\ntwo\n\nthree is long\nlast";
    struct reader *r = reader_open_mem(text, sizeof(text) - 1, "lines");
    struct lw_buf line;
    bool cut;

    lw_buf_init(&line, 8);
    CHECK(reader_line(r, &line, &cut) == LW_OK && !cut);
    CHECK_STR(line.data, "one");
    CHECK(reader_line(r, &line, &cut) == LW_OK);
    CHECK_STR(line.data, "two");
    CHECK(reader_line(r, &line, &cut) == LW_OK && line.len == 0);
    CHECK(reader_line(r, &line, &cut) == LW_OK && cut);
    CHECK_STR(line.data, "three is");
    CHECK(reader_line(r, &line, &cut) == LW_OK && !cut);
    CHECK_STR(line.data, "last");
    CHECK(reader_line(r, &line, &cut) == LW_ERR_NOT_FOUND);
    lw_buf_free(&line);
    reader_close(r);
}

/* The tap sees every source byte, in order, before BOM removal and transcoding. */
struct tap_copy {
    char buf[256];
    size_t n, calls;
};

static void
tap(void *user, const void *bytes, size_t n)
{
    struct tap_copy *t = user;

    if (t->n + n <= sizeof(t->buf)) {
        memcpy(t->buf + t->n, bytes, n);
    }
    t->n += n;
    t->calls++;
}

static void
test_tap_and_drain(void)
{
    static const char le[] = "\xFF\xFE\x41\x00\x0A\x00\x42\x00";
    static const char text[] = "\xEF\xBB\xBFone\ntwo\nthree\n";
    struct tap_copy t = {0};
    struct lw_buf line;
    struct reader *r;
    bool cut = false;
    char *big = malloc(3 * READER_BUF + 5);

    r = reader_open_mem(le, sizeof(le) - 1, "le");
    reader_set_tap(r, tap, &t);
    CHECK(reader_drain(r) == LW_OK);
    CHECK_INT(t.n, sizeof(le) - 1);
    CHECK(memcmp(t.buf, le, sizeof(le) - 1) == 0);
    reader_close(r);
    /* a parser that stops after one line: drain reads the rest through the tap */
    memset(&t, 0, sizeof(t));
    lw_buf_init(&line, 64);
    r = reader_open_mem(text, sizeof(text) - 1, "text");
    reader_set_tap(r, tap, &t);
    CHECK(reader_line(r, &line, &cut) == LW_OK);
    CHECK(reader_drain(r) == LW_OK);
    CHECK_INT(t.n, sizeof(text) - 1);
    CHECK(memcmp(t.buf, text, sizeof(text) - 1) == 0);
    CHECK(reader_line(r, &line, &cut) == LW_ERR_NOT_FOUND);
    reader_close(r);
    lw_buf_free(&line);
    /* larger than the window: every byte once */
    memset(big, 'x', 3 * READER_BUF + 5);
    memset(&t, 0, sizeof(t));
    r = reader_open_mem(big, 3 * READER_BUF + 5, "big");
    reader_set_tap(r, tap, &t);
    CHECK(reader_drain(r) == LW_OK);
    CHECK_INT(t.n, 3 * READER_BUF + 5);
    CHECK(t.calls >= 4);
    reader_close(r);
    free(big);
}

static void
test_boms_and_utf16(void)
{
    static const char utf8bom[] = "\xEF\xBB\xBFname;email";
    /* "Ä€😀" + an unpaired high surrogate at the end, little- and big-endian */
    static const char le[] = "\xFF\xFE\xC4\x00\xAC\x20\x3D\xD8\x00\xDE\x0A\x00\x00\xD8";
    static const char be[] = "\xFE\xFF\x00\xC4\x20\xAC\xD8\x3D\xDE\x00\x00\x0A\xDC\x00";
    static const char want_le[] = "\xC3\x84\xE2\x82\xAC\xF0\x9F\x98\x80\n\xEF\xBF\xBD";
    char out[64];
    struct reader *r;
    size_t n;

    r = reader_open_mem(utf8bom, sizeof(utf8bom) - 1, "bom");
    n = drain(r, out, sizeof(out), 64);
    CHECK_INT(n, 10);
    CHECK(memcmp(out, "name;email", 10) == 0);
    reader_close(r);
    for (size_t step = 1; step <= 7; step += 6) {
        r = reader_open_mem(le, sizeof(le) - 1, "le");
        n = drain(r, out, sizeof(out), step);
        CHECK_INT(n, sizeof(want_le) - 1);
        CHECK(memcmp(out, want_le, sizeof(want_le) - 1) == 0);
        reader_close(r);
    }
    r = reader_open_mem(be, sizeof(be) - 1, "be"); /* a lone low surrogate at the end */
    n = drain(r, out, sizeof(out), 64);
    CHECK_INT(n, sizeof(want_le) - 1);
    CHECK(memcmp(out, want_le, sizeof(want_le) - 1) == 0);
    reader_close(r);
    r = reader_open_mem("\xFF\xFE\x41", 3, "odd"); /* odd trailing byte: U+FFFD, no hang */
    CHECK_INT(drain(r, out, sizeof(out), 64), 3);
    CHECK(memcmp(out, "\xEF\xBF\xBD", 3) == 0);
    reader_close(r);
    r = reader_open_mem("ab", 2, "short"); /* shorter than a BOM */
    CHECK_INT(drain(r, out, sizeof(out), 64), 2);
    reader_close(r);
}

static void
test_files_pipes_errors(void)
{
    struct lw_error err = {0};
    struct reader *r = NULL;
    char path[] = "/tmp/lw-reader-XXXXXX";
    int fd = mkstemp(path);
    int p[2];
    char out[64];
    struct lw_slice a;

    CHECK(write(fd, "file data\n", 10) == 10);
    close(fd);
    CHECK(reader_open_file(path, &r, &err) == LW_OK);
    CHECK_INT(drain(r, out, sizeof(out), 64), 10);
    reader_close(r);
    unlink(path);
    CHECK(reader_open_file(path, &r, &err) == LW_ERR_IO && r == NULL);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(reader_open_file("/tmp", &r, &err) == LW_ERR_IO);
    CHECK(strstr(err.msg, "directory") != NULL);
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "pi", 2) == 2);
    CHECK(write(p[1], "pe", 2) == 2);
    close(p[1]);
    r = reader_open_fd(p[0], "-");
    CHECK_INT(drain(r, out, sizeof(out), 64), 4);
    CHECK(memcmp(out, "pipe", 4) == 0);
    reader_close(r);
    close(p[0]);
    fd = open("/tmp", O_RDONLY | O_DIRECTORY);
    r = reader_open_fd(fd, "dir");
    CHECK(reader_fill(r, &a) == LW_ERR_IO); /* read() on a directory fails */
    reader_close(r);
    close(fd);
}

int
main(void)
{
    RUN(test_memory_and_offsets);
    RUN(test_large_input_bounded_window);
    RUN(test_lines);
    RUN(test_boms_and_utf16);
    RUN(test_tap_and_drain);
    RUN(test_files_pipes_errors);
    return LW_TEST_END();
}
