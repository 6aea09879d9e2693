/* tests/unit/common/test_num.c — the overflow-checking number parsers. */
#include "common/num.h"

#include <stdint.h>

#include "tests/unit/lw_test.h"

#define S(x) lw_slice_cstr(x)

static void
test_u64(void)
{
    uint64_t v = 7;

    CHECK(lw_parse_u64(S("0"), 0, UINT64_MAX, &v) == LW_OK && v == 0);
    CHECK(lw_parse_u64(S("18446744073709551615"), 0, UINT64_MAX, &v) == LW_OK && v == UINT64_MAX);
    CHECK(lw_parse_u64(S("18446744073709551616"), 0, UINT64_MAX, &v) == LW_ERR_RANGE);
    CHECK(lw_parse_u64(S("99999999999999999999999"), 0, UINT64_MAX, &v) == LW_ERR_RANGE);
    CHECK(lw_parse_u64(S(""), 0, 10, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_u64(S("-1"), 0, UINT64_MAX, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_u64(S("+1"), 0, UINT64_MAX, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_u64(S(" 1"), 0, UINT64_MAX, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_u64(S("1 "), 0, UINT64_MAX, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_u64(S("0x10"), 0, UINT64_MAX, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_u64(S("11"), 0, 10, &v) == LW_ERR_RANGE);
    CHECK(lw_parse_u64(S("4"), 5, 10, &v) == LW_ERR_RANGE);
    v = 42;
    CHECK(lw_parse_u64(S("abc"), 0, 10, &v) == LW_ERR_INVALID && v == 42); /* untouched on error */
    CHECK(lw_parse_u64(lw_slice_make("123456", 3), 0, 1000, &v) == LW_OK && v == 123);
}

static void
test_i64(void)
{
    int64_t v;

    CHECK(lw_parse_i64(S("-9223372036854775808"), INT64_MIN, INT64_MAX, &v) == LW_OK &&
          v == INT64_MIN);
    CHECK(lw_parse_i64(S("9223372036854775807"), INT64_MIN, INT64_MAX, &v) == LW_OK &&
          v == INT64_MAX);
    CHECK(lw_parse_i64(S("9223372036854775808"), INT64_MIN, INT64_MAX, &v) == LW_ERR_RANGE);
    CHECK(lw_parse_i64(S("-9223372036854775809"), INT64_MIN, INT64_MAX, &v) == LW_ERR_RANGE);
    CHECK(lw_parse_i64(S("+5"), -10, 10, &v) == LW_OK && v == 5);
    CHECK(lw_parse_i64(S("-11"), -10, 10, &v) == LW_ERR_RANGE);
    CHECK(lw_parse_i64(S("-"), -10, 10, &v) == LW_ERR_INVALID);
    CHECK(lw_parse_i64(S("--1"), -10, 10, &v) == LW_ERR_INVALID);
}

static void
test_duration(void)
{
    uint64_t s;

    CHECK(lw_parse_duration(S("15m"), 86400, &s) == LW_OK && s == 900);
    CHECK(lw_parse_duration(S("90"), 86400, &s) == LW_OK && s == 90);
    CHECK(lw_parse_duration(S("1h30m"), 86400, &s) == LW_OK && s == 5400);
    CHECK(lw_parse_duration(S("2d"), UINT64_MAX, &s) == LW_OK && s == 172800);
    CHECK(lw_parse_duration(S("2d"), 86400, &s) == LW_ERR_RANGE);
    CHECK(lw_parse_duration(S("1h30"), 86400, &s) == LW_ERR_INVALID);
    CHECK(lw_parse_duration(S("m"), 86400, &s) == LW_ERR_INVALID);
    CHECK(lw_parse_duration(S("10x"), 86400, &s) == LW_ERR_INVALID);
    CHECK(lw_parse_duration(S(""), 86400, &s) == LW_ERR_INVALID);
    CHECK(lw_parse_duration(S("-5m"), 86400, &s) == LW_ERR_INVALID);
    CHECK(lw_parse_duration(S("999999999999999999d"), UINT64_MAX, &s) == LW_ERR_RANGE);
}

static void
test_size(void)
{
    uint64_t b;

    CHECK(lw_parse_size(S("64M"), UINT64_MAX, &b) == LW_OK && b == 64u << 20);
    CHECK(lw_parse_size(S("64MiB"), UINT64_MAX, &b) == LW_OK && b == 64u << 20);
    CHECK(lw_parse_size(S("1g"), UINT64_MAX, &b) == LW_OK && b == 1u << 30);
    CHECK(lw_parse_size(S("512"), UINT64_MAX, &b) == LW_OK && b == 512);
    CHECK(lw_parse_size(S("512b"), UINT64_MAX, &b) == LW_OK && b == 512);
    CHECK(lw_parse_size(S("2k"), 1024, &b) == LW_ERR_RANGE);
    CHECK(lw_parse_size(S("2T"), UINT64_MAX, &b) == LW_ERR_INVALID);
    CHECK(lw_parse_size(S("M"), UINT64_MAX, &b) == LW_ERR_INVALID);
    CHECK(lw_parse_size(S("17179869184G"), UINT64_MAX, &b) == LW_ERR_RANGE);
}

int
main(void)
{
    RUN(test_u64);
    RUN(test_i64);
    RUN(test_duration);
    RUN(test_size);
    return LW_TEST_END();
}
