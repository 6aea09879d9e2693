/*
 * tests/fuzz/fuzz_sql.c — the SQL dump parser through its ops table, with every record run through
 * the extractor and the parser contract checked (tests/fuzz/fuzz_parser.h), and its sniffer on
 * the same bytes. Seed corpus: tests/fuzz/corpus/fuzz_sql/ (mysqldump, pg_dump, phpMyAdmin,
 * SQLite and SQL Server fragments, every value syntax, hostile cuts).
 *
 * Inputs are far smaller than the reader's window, so a second check moves the window's end into
 * the input: the same bytes behind a padding comment must give the same records and statistics.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "tests/fuzz/fuzz_parser.h"

/* Every record and the statistics, as bytes, for comparison; offsets less shift. */
static void
render(const uint8_t *data, size_t size, uint64_t shift, struct lw_buf *out)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r = reader_open_mem(data, size, "fuzz");
    struct parser *p = NULL;
    struct record rec;

    parse_limits_default(&lim);
    lim.field_max = 128;
    lim.record_max = 1024;
    lim.fields_max = 16;
    if (parser_sql.open(r, &lim, &p, &err) != LW_OK) {
        abort();
    }
    while (parser_sql.next(p, &rec, &st, &err) == LW_OK) {
        lw_buf_printf(out, "@%llu %d %zu\n", (unsigned long long)(rec.offset - shift), rec.cut,
                      rec.n_fields);
        for (size_t i = 0; i < rec.n_fields; i++) {
            lw_buf_printf(out, "%zu:", rec.fields[i].name.len);
            lw_buf_append(out, rec.fields[i].name.p, rec.fields[i].name.len);
            lw_buf_printf(out, "=%zu:", rec.fields[i].value.len);
            lw_buf_append(out, rec.fields[i].value.p, rec.fields[i].value.len);
        }
    }
    lw_buf_printf(out, "\n%llu %llu %llu %llu\n", (unsigned long long)st.records,
                  (unsigned long long)st.bad_records, (unsigned long long)st.cut_fields,
                  (unsigned long long)st.cut_records);
    parser_sql.close(p);
    reader_close(r);
}

static void
check_window_end(const uint8_t *data, size_t size)
{
    size_t k, pad;
    uint8_t *padded;
    struct lw_buf a, b;

    /* a byte-order mark means something else at the start than in the middle */
    if (size < 2 || size > READER_BUF / 2 || data[0] == 0xEF || data[0] == 0xFE ||
        data[0] == 0xFF) {
        return;
    }
    k = 1 + data[size - 1] % (size - 1); /* the window ends k bytes into the input */
    pad = READER_BUF - k;
    padded = lw_xmalloc(pad + size);
    memset(padded, 'x', pad);
    padded[0] = padded[1] = '-';
    padded[pad - 1] = '\n';
    memcpy(padded + pad, data, size);
    lw_buf_init(&a, 64u << 20);
    lw_buf_init(&b, 64u << 20);
    render(data, size, 0, &a);
    render(padded, pad + size, pad, &b);
    if (!lw_slice_eq(lw_buf_slice(&a), lw_buf_slice(&b))) {
        abort();
    }
    lw_buf_free(&a);
    lw_buf_free(&b);
    free(padded);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t head = size > READER_PEEK_MAX ? READER_PEEK_MAX : size;
    int score = parser_sql.sniff(lw_slice_make((const char *)data, head), "fuzz.sql");

    if (score < 0 || score > 100) {
        abort();
    }
    fuzz_parser_run(&parser_sql, data, size);
    check_window_end(data, size);
    return 0;
}
