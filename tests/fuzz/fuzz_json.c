/*
 * tests/fuzz/fuzz_json.c — the json parser through its ops table, with every record run through the
 * extractor and the parser contract checked (tests/fuzz/fuzz_parser.h: small limits, so cuts,
 * wrapper flushes and nesting past depth_max are reached by short inputs); the sniffer too, whose
 * score must stay within 0–95. Seed corpus: tests/fuzz/corpus/fuzz_json/.
 */
#include "tests/fuzz/fuzz_parser.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size < READER_PEEK_MAX ? size : READER_PEEK_MAX;
    int score = parser_json.sniff(lw_slice_make((const char *)data, n), "fuzz.json");

    if (score < 0 || score > 95) {
        abort();
    }
    fuzz_parser_run(&parser_json, data, size);
    return 0;
}
