/*
 * tests/fuzz/fuzz_combo.c — the combo parser through its ops table: the shared body
 * (tests/fuzz/fuzz_parser.h: extractor over every record, the limits and stats contract), then a
 * second pass that reads every byte of every name and value, so ASan sees a slice pointing outside
 * the parser's buffers whatever the extractor looks at, and checks what this parser promises:
 * no empty records, and record offsets that strictly increase. The sniffer sees the input's head
 * first (a score in 0–100). Seed corpus:
 * tests/fuzz/corpus/fuzz_combo/.
 */
#include "tests/fuzz/fuzz_parser.h"

static void
touch_records(const struct parser_ops *ops, const uint8_t *data, size_t size)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct reader *r = reader_open_mem(data, size, "fuzz");
    struct parser *p = NULL;
    struct record rec;
    volatile unsigned sum = 0;
    uint64_t last = 0;
    int first = 1;

    parse_limits_default(&lim); /* the limits of fuzz_parser_run() */
    lim.line_max = 256;
    lim.field_max = 128;
    lim.record_max = 1024;
    lim.fields_max = 16;
    lim.depth_max = 8;
    lim.doc_max = 1 << 20;
    if (ops->open(r, &lim, &p, &err) == LW_OK) {
        while (ops->next(p, &rec, &st, &err) == LW_OK) {
            if (rec.n_fields == 0 || (!first && rec.offset <= last)) {
                abort();
            }
            first = 0;
            last = rec.offset;
            for (size_t i = 0; i < rec.n_fields; i++) {
                for (size_t k = 0; k < rec.fields[i].name.len; k++) {
                    sum += (unsigned char)rec.fields[i].name.p[k];
                }
                for (size_t k = 0; k < rec.fields[i].value.len; k++) {
                    sum += (unsigned char)rec.fields[i].value.p[k];
                }
            }
        }
        ops->close(p);
    }
    reader_close(r);
    (void)sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_slice head = {(const char *)data, size < READER_PEEK_MAX ? size : READER_PEEK_MAX};
    int score = parser_combo.sniff(head, "fuzz.csv");

    if (score < 0 || score > 100) {
        abort();
    }
    fuzz_parser_run(&parser_combo, data, size);
    touch_records(&parser_combo, data, size);
    return 0;
}
