/* tests/unit/common/test_json.c — the strict JSON reader: RFC 8259 edge cases and limits. */
#include "common/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/lw_test.h"

static struct lw_json_doc *
parse_lim(const char *s, const struct lw_json_limits *lim, enum lw_rc *rc, struct lw_error *err)
{
    struct lw_json_doc *d = NULL;

    *rc = lw_json_parse(s, strlen(s), lim, &d, err);
    return d;
}

/* Parses and is freed at once: whether s is accepted. */
static bool
ok(const char *s)
{
    struct lw_error err = {0};
    enum lw_rc rc;
    struct lw_json_doc *d = parse_lim(s, NULL, &rc, &err);

    lw_json_free(d);
    return rc == LW_OK && d != NULL;
}

static enum lw_rc
rc_of(const char *s, struct lw_error *err)
{
    enum lw_rc rc;

    lw_json_free(parse_lim(s, NULL, &rc, err));
    return rc;
}

static void
test_values(void)
{
    struct lw_error err = {0};
    enum lw_rc rc;
    struct lw_json_doc *d = parse_lim(
        " {\"a\": [1, -0, 2.5e3, true, false, null, \"x\"], \"b\": {}, \"c\": [], \"a\": 9} ",
        NULL, &rc, &err);
    const struct lw_json *root = lw_json_root(d), *a, *v;
    int64_t i;
    bool b;
    struct lw_slice s;

    CHECK_INT(rc, LW_OK);
    CHECK_INT(lw_json_type(root), LW_JSON_OBJECT);
    CHECK_INT(lw_json_count(root), 4);
    a = lw_json_get(root, "a"); /* the first of two "a" wins */
    CHECK_INT(lw_json_type(a), LW_JSON_ARRAY);
    CHECK_INT(lw_json_count(a), 7);
    v = lw_json_first(a);
    CHECK(lw_json_int(v, 0, 10, &i) && i == 1);
    v = lw_json_next(v);
    CHECK(lw_json_int(v, -5, 5, &i) && i == 0);
    v = lw_json_next(v);
    CHECK_INT(lw_json_type(v), LW_JSON_NUMBER);
    CHECK(!lw_json_int(v, INT64_MIN, INT64_MAX, &i)); /* has an exponent */
    v = lw_json_next(v);
    CHECK(lw_json_bool(v, &b) && b);
    v = lw_json_next(v);
    CHECK(lw_json_bool(v, &b) && !b);
    v = lw_json_next(v);
    CHECK_INT(lw_json_type(v), LW_JSON_NULL);
    CHECK(!lw_json_bool(v, &b));
    v = lw_json_next(v);
    CHECK(lw_json_string(v, &s) && s.len == 1 && s.p[0] == 'x');
    CHECK(lw_json_next(v) == NULL);
    CHECK_INT(lw_json_count(lw_json_get(root, "b")), 0);
    CHECK(lw_json_first(lw_json_get(root, "b")) == NULL);
    CHECK_INT(lw_json_type(lw_json_get(root, "c")), LW_JSON_ARRAY);
    CHECK(lw_json_get(root, "zz") == NULL);
    CHECK(lw_json_get(a, "a") == NULL); /* not an object */
    CHECK(lw_json_get(NULL, "a") == NULL);
    /* members in order, with their keys; the next sibling skips a whole subtree */
    v = lw_json_first(root);
    CHECK(lw_slice_eq(lw_json_key(v), lw_slice_cstr("a")));
    v = lw_json_next(v);
    CHECK(lw_slice_eq(lw_json_key(v), lw_slice_cstr("b")));
    v = lw_json_next(lw_json_next(v));
    CHECK(lw_json_int(v, 0, 10, &i) && i == 9);
    lw_json_free(d);
    lw_json_free(NULL);
}

static void
test_scalars_at_top(void)
{
    CHECK(ok("0"));
    CHECK(ok("\"\""));
    CHECK(ok("null"));
    CHECK(ok("-1.5E-7"));
    CHECK(ok("  [ ]  "));
    CHECK(ok("[[[]],{}]"));
}

static void
test_numbers(void)
{
    struct lw_error err = {0};
    struct lw_json_doc *d = NULL;
    enum lw_rc rc;
    int64_t i = 0;

    CHECK(!ok("01"));
    CHECK(!ok("-"));
    CHECK(!ok("+1"));
    CHECK(!ok("1."));
    CHECK(!ok(".5"));
    CHECK(!ok("1e"));
    CHECK(!ok("1e+"));
    CHECK(!ok("0x10"));
    CHECK(!ok("NaN"));
    CHECK(!ok("Infinity"));
    CHECK(!ok("-01"));
    CHECK(ok("-0"));
    CHECK(ok("0e0"));
    CHECK(ok("1E+2"));
    d = parse_lim("[9223372036854775807, 9223372036854775808, -9223372036854775808]", NULL, &rc,
                  &err);
    CHECK_INT(rc, LW_OK);
    CHECK(lw_json_int(lw_json_first(lw_json_root(d)), INT64_MIN, INT64_MAX, &i) &&
          i == INT64_MAX);
    CHECK(!lw_json_int(lw_json_next(lw_json_first(lw_json_root(d))), INT64_MIN, INT64_MAX, &i));
    CHECK(lw_json_int(lw_json_next(lw_json_next(lw_json_first(lw_json_root(d)))), INT64_MIN,
                      INT64_MAX, &i) && i == INT64_MIN);
    CHECK(!lw_json_int(lw_json_first(lw_json_root(d)), 0, 100, &i)); /* out of the bounds */
    lw_json_free(d);
    d = parse_lim("1.0", NULL, &rc, &err);
    CHECK(!lw_json_int(lw_json_root(d), 0, 10, &i)); /* a fraction is not an integer */
    lw_json_free(d);
}

static bool
decodes_to(const char *json, const char *want, size_t want_len)
{
    struct lw_error err = {0};
    enum lw_rc rc;
    struct lw_json_doc *d = parse_lim(json, NULL, &rc, &err);
    struct lw_slice s = {0};
    bool good = rc == LW_OK && lw_json_string(lw_json_root(d), &s) && s.len == want_len &&
                memcmp(s.p, want, want_len) == 0;

    lw_json_free(d);
    return good;
}

static void
test_strings(void)
{
    CHECK(decodes_to("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "a\"b\\c/d\b\f\n\r\t", 12));
    CHECK(decodes_to("\"\\u00e4\\u00C4\"", "\xc3\xa4\xc3\x84", 4));
    CHECK(decodes_to("\"\\u20ac\"", "\xe2\x82\xac", 3));
    CHECK(decodes_to("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4)); /* a surrogate pair */
    CHECK(decodes_to("\"a\\u0000b\"", "a\0b", 3));                  /* NUL is allowed, kept */
    CHECK(decodes_to("\"s\xc3\xa4hk\xc3\xb6\"", "s\xc3\xa4hk\xc3\xb6", 7)); /* raw UTF-8 */
    CHECK(decodes_to("\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80", 4));
    CHECK(!ok("\"\\ud83d\""));          /* lone high surrogate */
    CHECK(!ok("\"\\ud83dx\""));
    CHECK(!ok("\"\\ud83d\\u0041\""));   /* high followed by a non-low */
    CHECK(!ok("\"\\ude00\""));          /* lone low surrogate */
    CHECK(!ok("\"\\u12\""));
    CHECK(!ok("\"\\u12g4\""));
    CHECK(!ok("\"\\x41\""));
    CHECK(!ok("\"\\'\""));
    CHECK(!ok("\"a\tb\""));             /* raw control character */
    CHECK(!ok("\"a\nb\""));
    CHECK(!ok("\"\xff\""));             /* invalid UTF-8 */
    CHECK(!ok("\"\xc0\xaf\""));         /* overlong */
    CHECK(!ok("\"\xed\xa0\x80\""));     /* an encoded surrogate */
    CHECK(!ok("\"\xc3\""));             /* truncated sequence */
    CHECK(!ok("\"abc"));
    CHECK(!ok("\"abc\\"));
    CHECK(!ok("'abc'"));
}

static void
test_syntax_errors(void)
{
    struct lw_error err = {0};

    CHECK_INT(rc_of("", &err), LW_ERR_INVALID);
    CHECK(strstr(err.msg, "byte 0") != NULL && strstr(err.msg, "empty") != NULL);
    CHECK_INT(rc_of("   ", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[1,]", &err), LW_ERR_INVALID);
    CHECK(strstr(err.msg, "at byte 3") != NULL);
    CHECK_INT(rc_of("{\"a\":1,}", &err), LW_ERR_INVALID);
    CHECK(strstr(err.msg, "at byte 7") != NULL);
    CHECK_INT(rc_of("{\"a\" 1}", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("{a:1}", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("{\"a\":}", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("{,}", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[,1]", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[1 2]", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[1}", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("{\"a\":1]", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[1", &err), LW_ERR_INVALID);
    CHECK(strstr(err.msg, "end of input") != NULL);
    CHECK_INT(rc_of("{\"a\":1} x", &err), LW_ERR_INVALID); /* trailing garbage */
    CHECK(strstr(err.msg, "at byte 8") != NULL);
    CHECK_INT(rc_of("{} {}", &err), LW_ERR_INVALID);       /* a second value */
    CHECK_INT(rc_of("1 2", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[1] // c", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("/* c */ 1", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("tru", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("nul", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("True", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("[true false]", &err), LW_ERR_INVALID);
    CHECK_INT(rc_of("\xef\xbb\xbf{}", &err), LW_ERR_INVALID); /* a BOM is not JSON */
    CHECK_INT(rc_of("[\v1]", &err), LW_ERR_INVALID);          /* only the four RFC spaces */
    CHECK_INT(rc_of("[1]\0", &err), LW_OK);                  /* strlen stops at the NUL */
    {
        struct lw_json_doc *d = NULL;

        CHECK_INT(lw_json_parse("[1]\0", 4, NULL, &d, &err), LW_ERR_INVALID);
        CHECK(d == NULL);
    }
}

static void
test_depth_limit(void)
{
    struct lw_json_limits lim = {.max_depth = 3};
    struct lw_error err = {0};
    enum lw_rc rc;
    char deep[200001];

    lw_json_free(parse_lim("[[[1]]]", &lim, &rc, &err));
    CHECK_INT(rc, LW_OK);
    lw_json_free(parse_lim("[[[[1]]]]", &lim, &rc, &err));
    CHECK_INT(rc, LW_ERR_TOO_LARGE);
    CHECK(strstr(err.msg, "nested deeper than 3") != NULL);
    lw_json_free(parse_lim("{\"a\":{\"b\":{\"c\":{}}}}", &lim, &rc, &err));
    CHECK_INT(rc, LW_ERR_TOO_LARGE);
    /* the default (32) and no recursion: 100,000 open brackets are refused, not a stack overflow */
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    CHECK_INT(rc_of(deep, &err), LW_ERR_TOO_LARGE);
    memset(deep, '[', 32);
    memset(deep + 32, ']', 32);
    deep[64] = '\0';
    CHECK_INT(rc_of(deep, &err), LW_OK);
    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    deep[66] = '\0';
    CHECK_INT(rc_of(deep, &err), LW_ERR_TOO_LARGE);
}

static void
test_size_limits(void)
{
    struct lw_json_limits lim = {.max_bytes = 10, .max_nodes = 4};
    struct lw_error err = {0};
    enum lw_rc rc;
    size_t big = (size_t)1 << 20;
    char *huge;

    lw_json_free(parse_lim("[1,2,3]", &lim, &rc, &err)); /* 4 values with the array */
    CHECK_INT(rc, LW_OK);
    lw_json_free(parse_lim("[1,2,3,4]", &lim, &rc, &err));
    CHECK_INT(rc, LW_ERR_TOO_LARGE);
    CHECK(strstr(err.msg, "more than 4 values") != NULL);
    lw_json_free(parse_lim("{\"k\":[1,2]}", &lim, &rc, &err)); /* keys do not count */
    CHECK_INT(rc, LW_ERR_TOO_LARGE);                          /* but 11 bytes do */
    CHECK(strstr(err.msg, "over the limit of 10") != NULL);
    lim.max_bytes = 0;
    lw_json_free(parse_lim("{\"k\":[1,2]}", &lim, &rc, &err));
    CHECK_INT(rc, LW_OK);
    /* a huge input is refused by its length before a byte is looked at */
    huge = malloc(big);
    memset(huge, ' ', big);
    lim = (struct lw_json_limits){.max_bytes = big - 1};
    {
        struct lw_json_doc *d = NULL;

        CHECK_INT(lw_json_parse(huge, big, &lim, &d, &err), LW_ERR_TOO_LARGE);
        CHECK(d == NULL);
        huge[0] = '[';
        huge[big - 1] = ']';
        lim.max_bytes = big;
        CHECK_INT(lw_json_parse(huge, big, &lim, &d, &err), LW_OK);
        CHECK_INT(lw_json_count(lw_json_root(d)), 0);
        lw_json_free(d);
    }
    free(huge);
}

static void
test_many_values(void)
{
    /* 100,000 elements: the node array grows, offsets stay right */
    size_t n = 100000, len = 0;
    char *s = malloc(n * 16 + 3);
    struct lw_json_doc *d = NULL;
    struct lw_error err = {0};
    const struct lw_json *v;
    int64_t i = -1, want = 0;
    bool all = true;

    s[len++] = '[';
    for (size_t k = 0; k < n; k++) {
        if (k > 0) {
            s[len++] = ',';
        }
        len += (size_t)snprintf(s + len, 16, "{\"%zu\":%zu}", k % 10, k);
    }
    s[len++] = ']';
    CHECK_INT(lw_json_parse(s, len, NULL, &d, &err), LW_OK);
    CHECK_INT(lw_json_count(lw_json_root(d)), n);
    for (v = lw_json_first(lw_json_root(d)); v != NULL; v = lw_json_next(v), want++) {
        char key[4];

        snprintf(key, sizeof(key), "%lld", (long long)(want % 10));
        all = all && lw_json_int(lw_json_get(v, key), 0, INT64_MAX, &i) && i == want;
    }
    CHECK(all);
    CHECK_INT(want, n);
    lw_json_free(d);
    free(s);
}

int
main(void)
{
    RUN(test_values);
    RUN(test_scalars_at_top);
    RUN(test_numbers);
    RUN(test_strings);
    RUN(test_syntax_errors);
    RUN(test_depth_limit);
    RUN(test_size_limits);
    RUN(test_many_values);
    return LW_TEST_END();
}
