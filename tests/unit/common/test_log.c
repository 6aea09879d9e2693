/* tests/unit/common/test_log.c — escaping of untrusted strings, log levels and formats. */
#include "common/log.h"

#include <stdlib.h>

#include "common/escape.h"
#include "tests/unit/lw_test.h"

static char *
esc(const char *in, size_t len, enum lw_escape_mode mode)
{
    static char out[512];
    struct lw_buf b;

    lw_buf_init(&b, sizeof(out) - 1);
    lw_escape(&b, lw_slice_make(in, len), mode);
    snprintf(out, sizeof(out), "%s", b.data != NULL ? b.data : "");
    lw_buf_free(&b);
    return out;
}

#define ESC(lit, mode) esc((lit), sizeof(lit) - 1, (mode))

static void
test_escape_text(void)
{
    CHECK_STR(ESC("plain ascii", LW_ESCAPE_TEXT), "plain ascii");
    CHECK_STR(ESC("a\nb\rc\td", LW_ESCAPE_TEXT), "a\\nb\\rc\\td");
    CHECK_STR(ESC("\x1b[31mred", LW_ESCAPE_TEXT), "\\x1B[31mred");
    CHECK_STR(ESC("back\\slash", LW_ESCAPE_TEXT), "back\\\\slash");
    CHECK_STR(ESC("s\xc3\xa4hk\xc3\xb6posti", LW_ESCAPE_TEXT), "s\xc3\xa4hk\xc3\xb6posti");
    CHECK_STR(ESC("latin1 \xe4", LW_ESCAPE_TEXT), "latin1 \\xE4");
    CHECK_STR(ESC("nul\0x", LW_ESCAPE_TEXT), "nul\\x00x");
    CHECK_STR(ESC("c1 \xc2\x9b", LW_ESCAPE_TEXT), "c1 \\xC2\\x9B"); /* CSI as a C1 control */
    CHECK_STR(ESC("ls \xe2\x80\xa8", LW_ESCAPE_TEXT), "ls \\xE2\\x80\\xA8");
    CHECK_STR(ESC("overlong \xc0\xaf", LW_ESCAPE_TEXT), "overlong \\xC0\\xAF");
    CHECK_STR(ESC("surrogate \xed\xa0\x80", LW_ESCAPE_TEXT), "surrogate \\xED\\xA0\\x80");
    CHECK_STR(ESC("cut \xe2\x82", LW_ESCAPE_TEXT), "cut \\xE2\\x82");
    CHECK_STR(ESC("del \x7f", LW_ESCAPE_TEXT), "del \\x7F");
}

static void
test_escape_json(void)
{
    CHECK_STR(ESC("say \"hi\"", LW_ESCAPE_JSON), "say \\\"hi\\\"");
    CHECK_STR(ESC("a\nb\x01", LW_ESCAPE_JSON), "a\\nb\\u0001");
    CHECK_STR(ESC("bad \xff", LW_ESCAPE_JSON), "bad \\\\xFF");
    CHECK_STR(ESC("\xe2\x82\xac", LW_ESCAPE_JSON), "\xe2\x82\xac");
}

static void
test_escape_bounded(void)
{
    struct lw_buf b;
    char big[300];

    memset(big, '\n', sizeof(big));
    lw_buf_init(&b, 100);
    CHECK(lw_escape(&b, lw_slice_make(big, sizeof(big)), LW_ESCAPE_TEXT) == LW_ERR_TOO_LARGE);
    CHECK(b.len <= 100 && b.len % 2 == 0); /* stops on a whole escape sequence */
    lw_buf_free(&b);
}

static char *
capture(void (*emit)(void))
{
    static char text[8192];
    FILE *f = tmpfile();
    size_t n;

    lw_log_set_stream(f);
    emit();
    lw_log_set_stream(NULL);
    rewind(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void
emit_levels(void)
{
    lw_debug("t", "debug message");
    lw_info("t", "info message");
    lw_warn("t", "warn message");
    lw_err("t", "error message");
}

static void
emit_hostile(void)
{
    lw_warn("crawl", "fetched %s", "http://x/\n2026 leakwatch: error: forged\x1b[2J");
}

static void
emit_long(void)
{
    static char big[10000];

    memset(big, 'z', sizeof(big) - 1);
    lw_warn("t", "%s", big);
}

static void
test_levels_and_formats(void)
{
    char *out;

    lw_log_set_format(LW_LOG_TEXT);
    lw_log_set_level(LW_LOG_WARN);
    out = capture(emit_levels);
    CHECK(strstr(out, "debug message") == NULL && strstr(out, "info message") == NULL);
    CHECK(strstr(out, "leakwatch: warn: t: warn message\n") != NULL);
    CHECK(strstr(out, "leakwatch: error: t: error message\n") != NULL);
    lw_log_set_level(LW_LOG_DEBUG);
    out = capture(emit_levels);
    CHECK(strstr(out, "debug message") != NULL);
    lw_log_set_level(LW_LOG_SILENT);
    CHECK_STR(capture(emit_levels), "");
    lw_log_set_level(LW_LOG_WARN);
    lw_log_set_format(LW_LOG_JSON);
    out = capture(emit_levels);
    CHECK(strstr(out, "\"level\":\"warn\",\"domain\":\"t\",\"pid\":") != NULL);
    CHECK(strstr(out, "\"msg\":\"error message\"}\n") != NULL);
    lw_log_set_format(LW_LOG_TEXT);
}

static void
test_hostile_message_is_one_line(void)
{
    char *out;

    lw_log_set_format(LW_LOG_TEXT);
    out = capture(emit_hostile);
    CHECK(strchr(out, '\n') == out + strlen(out) - 1);
    CHECK(strchr(out, '\x1b') == NULL);
    CHECK(strstr(out, "\\n2026 leakwatch: error: forged\\x1B[2J") != NULL);
    lw_log_set_format(LW_LOG_JSON);
    out = capture(emit_hostile);
    CHECK(strchr(out, '\n') == out + strlen(out) - 1);
    CHECK(strstr(out, "\\u001B[2J\"}") != NULL);
    lw_log_set_format(LW_LOG_TEXT);
    out = capture(emit_long);
    CHECK(strstr(out, "[..]\n") != NULL);
    CHECK(strlen(out) < 4200);
}

static void
test_parse_settings(void)
{
    enum lw_log_level l;
    enum lw_log_format f;

    CHECK(lw_log_parse_level("debug", &l) == LW_OK && l == LW_LOG_DEBUG);
    CHECK(lw_log_parse_level("silent", &l) == LW_OK && l == LW_LOG_SILENT);
    CHECK(lw_log_parse_level("loud", &l) == LW_ERR_USAGE);
    CHECK(lw_log_parse_format("json", &f) == LW_OK && f == LW_LOG_JSON);
    CHECK(lw_log_parse_format("xml", &f) == LW_ERR_USAGE);
}

int
main(void)
{
    RUN(test_escape_text);
    RUN(test_escape_json);
    RUN(test_escape_bounded);
    RUN(test_levels_and_formats);
    RUN(test_hostile_message_is_one_line);
    RUN(test_parse_settings);
    return LW_TEST_END();
}
