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

    parse_limits_default(&lim);
    lim.line_max = 256;
    lim.field_max = 128;
    lim.record_max = 1024;
    lim.fields_max = 16;
    lim.depth_max = 8;
    lim.doc_max = 1 << 20;
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

#endif
