/*
 * tests/fuzz/fuzz_parser.h — the body shared by the per-format fuzz targets: parse the input with
 * one parser through its ops table, run the extractor over every record, and check the contract
 * (records come back with sane slices; the stats add up; nothing crashes or leaks). Small limits so
 * the cut and depth paths are reached by short inputs.
 */
#ifndef LW_TESTS_FUZZ_FUZZ_PARSER_H
#define LW_TESTS_FUZZ_FUZZ_PARSER_H

#include <stdint.h>
#include <stdlib.h>

#include "parsers/document.h"
#include "parsers/extract.h"
#include "parsers/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits, so the cut and depth paths are reached by short inputs. */
static void
fuzz_parser_limits(struct parse_limits *lim)
{
    parse_limits_default(lim);
    lim->line_max = 256;
    lim->field_max = 128;
    lim->record_max = 1024;
    lim->fields_max = 16;
    lim->depth_max = 8;
    lim->doc_max = 1 << 20;
}

static void
fuzz_parser_run(const struct parser_ops *ops, const uint8_t *data, size_t size)
{
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct extract_counts counts = {0};
    struct id_context ctx = {"FI"};
    struct lw_error err = {0};
    struct reader *r = reader_open_mem(data, size, "fuzz");
    struct extractor *x = extractor_new(&ctx);
    struct parser *p = NULL;
    struct record rec;
    uint64_t n = 0;

    fuzz_parser_limits(&lim);
    if (ops->open(r, &lim, &p, &err) == LW_OK) {
        while (ops->next(p, &rec, &st, &err) == LW_OK) {
            size_t total = 0;

            if (rec.n_fields > lim.fields_max) {
                abort();
            }
            for (size_t i = 0; i < rec.n_fields; i++) {
                if (rec.fields[i].value.len > lim.field_max ||
                    (rec.fields[i].value.len > 0 && rec.fields[i].value.p == NULL)) {
                    abort();
                }
                total += rec.fields[i].value.len;
            }
            if (total > lim.record_max) {
                abort();
            }
            extractor_record(x, &rec, NULL, NULL, &counts);
            n++;
        }
        if (st.records != n) {
            abort();
        }
        ops->close(p);
    }
    extractor_free(x);
    reader_close(r);
}

/*
 * A second pass for line- and row-oriented parsers: read every byte of every name and value, so
 * ASan sees a slice pointing outside the parser's buffers whatever the extractor looks at, and
 * check what such parsers promise: no empty records, and record offsets that strictly increase.
 */
__attribute__((unused)) static void
fuzz_parser_touch(const struct parser_ops *ops, const uint8_t *data, size_t size)
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

    fuzz_parser_limits(&lim);
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

/* The sniffer sees the input's head and must answer within 0–100. */
__attribute__((unused)) static void
fuzz_parser_sniff(const struct parser_ops *ops, const uint8_t *data, size_t size, const char *hint)
{
    struct lw_slice head = {(const char *)data, size < READER_PEEK_MAX ? size : READER_PEEK_MAX};
    int score = ops->sniff(head, hint);

    if (score < 0 || score > 100) {
        abort();
    }
}

#endif
