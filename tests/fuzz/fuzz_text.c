/*
 * tests/fuzz/fuzz_text.c — the text parser through its ops table: the shared body
 * (tests/fuzz/fuzz_parser.h: extractor over every record, the limits and stats contract), then a
 * second pass that reads every byte of every name and value, so ASan sees a slice pointing outside
 * the parser's buffers whatever the extractor looks at, and checks what this parser promises:
 * no empty records, and record offsets that strictly increase. The sniffer sees the input's head
 * first (a score in 0–100). Seed corpus:
 * tests/fuzz/corpus/fuzz_text/.
 */
#include "tests/fuzz/fuzz_parser.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser_sniff(&parser_text, data, size, "fuzz.csv");
    fuzz_parser_run(&parser_text, data, size);
    fuzz_parser_touch(&parser_text, data, size);
    return 0;
}
