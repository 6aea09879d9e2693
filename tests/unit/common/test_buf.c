/* tests/unit/common/test_buf.c — bounded buffers, slices, allocation helpers, errors. */
#include "common/buf.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "tests/unit/lw_test.h"

static void
test_ceiling(void)
{
    struct lw_buf b;

    lw_buf_init(&b, 10);
    CHECK(lw_buf_append_str(&b, "hello") == LW_OK);
    CHECK(lw_buf_append_str(&b, "world") == LW_OK);
    CHECK_INT(b.len, 10);
    CHECK(lw_buf_append_byte(&b, '!') == LW_ERR_TOO_LARGE);
    CHECK_STR(b.data, "helloworld"); /* unchanged and terminated */
    CHECK(b.cap <= 11);              /* the ceiling bounds the allocation too */
    CHECK(lw_buf_append(&b, "", 0) == LW_OK);
    CHECK(lw_buf_append(&b, "x", SIZE_MAX) == LW_ERR_TOO_LARGE); /* no overflow in len + n */
    lw_buf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_STR(b.data, "");
    CHECK(lw_buf_printf(&b, "%d-%s", 42, "ab") == LW_OK);
    CHECK_STR(b.data, "42-ab");
    CHECK(lw_buf_printf(&b, "%s", "123456") == LW_ERR_TOO_LARGE);
    CHECK_STR(b.data, "42-ab");
    lw_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    lw_buf_free(&b); /* twice is fine */
    lw_buf_free(NULL);
}

static void
test_growth(void)
{
    struct lw_buf b;

    lw_buf_init(&b, 1 << 20);
    for (int i = 0; i < 100000; i++) {
        CHECK(lw_buf_append(&b, "0123456789", 10) == LW_OK);
    }
    CHECK_INT(b.len, 1000000);
    CHECK(b.data[999999] == '9' && b.data[1000000] == '\0');
    lw_buf_free(&b);
}

static void
test_slices(void)
{
    struct lw_slice head;
    struct lw_slice tail = lw_slice_split(lw_slice_cstr("email:pass:x"), ':', &head);

    CHECK(lw_slice_eq(head, LW_SLICE_LIT("email")));
    CHECK(lw_slice_eq(tail, LW_SLICE_LIT("pass:x")));
    tail = lw_slice_split(lw_slice_cstr("nocolon"), ':', &head);
    CHECK(tail.p == NULL && lw_slice_eq(head, LW_SLICE_LIT("nocolon")));
    CHECK(lw_slice_eq(lw_slice_trim(lw_slice_cstr(" \t x y \r\n")), LW_SLICE_LIT("x y")));
    CHECK(lw_slice_trim(lw_slice_cstr("   ")).len == 0);
    CHECK(lw_slice_eq_ci(LW_SLICE_LIT("E-Mail"), LW_SLICE_LIT("e-mail")));
    CHECK(!lw_slice_eq_ci(LW_SLICE_LIT("E-Mail"), LW_SLICE_LIT("e-mai")));
    CHECK(lw_slice_starts_with(LW_SLICE_LIT("mailto:x"), LW_SLICE_LIT("mailto:")));
    CHECK(!lw_slice_starts_with(LW_SLICE_LIT("mail"), LW_SLICE_LIT("mailto:")));
    CHECK(lw_slice_eq(lw_slice_cstr(NULL), lw_slice_make(NULL, 0)));
}

static void
test_alloc_arith(void)
{
    size_t r;
    char *s = lw_xstrndup("abcdef", 3);

    CHECK(lw_size_mul(SIZE_MAX / 2, 2, &r) && r == SIZE_MAX - 1);
    CHECK(!lw_size_mul(SIZE_MAX / 2 + 1, 2, &r));
    CHECK(!lw_size_add(SIZE_MAX, 1, &r));
    CHECK(lw_size_add(1, 2, &r) && r == 3);
    CHECK_STR(s, "abc");
    lw_wipe_free(s, 4);
    s = lw_xcalloc(0, 8); /* zero-size requests still give a pointer */
    CHECK(s != NULL);
    free(s);
}

static void
test_grow_array(void)
{
    size_t cap = 0;
    int *a = lw_xgrowarray(NULL, &cap, 1, 100, sizeof(int));

    CHECK(a != NULL && cap == 16);
    a = lw_xgrowarray(a, &cap, 40, 100, sizeof(int));
    CHECK_INT(cap, 64);
    a[63] = 7;
    a = lw_xgrowarray(a, &cap, 70, 100, sizeof(int));
    CHECK_INT(cap, 100); /* capped at max, not doubled to 128 */
    CHECK_INT(a[63], 7);
    CHECK(lw_xgrowarray(a, &cap, 500, 100, sizeof(int)) == a && cap == 100);
    free(a);
}

static void
test_errors(void)
{
    struct lw_error err = {0};

    CHECK(lw_error_set(&err, LW_ERR_IO, "cannot read %s", "x.csv") == LW_ERR_IO);
    CHECK(err.rc == LW_ERR_IO);
    CHECK_STR(err.msg, "cannot read x.csv");
    lw_error_prefix(&err, "ingest %d", 2);
    CHECK_STR(err.msg, "ingest 2: cannot read x.csv");
    CHECK(lw_error_set(NULL, LW_ERR_DB, "ignored") == LW_ERR_DB);
    CHECK_STR(lw_strerror(LW_OK), "ok");
    CHECK_STR(lw_strerror(LW_ERR_PROXY), "proxy unavailable");
    CHECK_STR(lw_strerror((enum lw_rc)999), "unknown error");
    for (int rc = 0; rc < LW_RC_COUNT; rc++) {
        CHECK(strcmp(lw_strerror((enum lw_rc)rc), "unknown error") != 0);
    }
    {
        char big[2 * LW_ERROR_MSG_MAX];

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        lw_error_set(&err, LW_ERR_IO, "%s", big);
        CHECK_INT(strlen(err.msg), LW_ERROR_MSG_MAX - 1);
        lw_error_prefix(&err, "%s", big);
        CHECK_INT(strlen(err.msg), LW_ERROR_MSG_MAX - 1);
    }
}

int
main(void)
{
    RUN(test_ceiling);
    RUN(test_growth);
    RUN(test_slices);
    RUN(test_alloc_arith);
    RUN(test_grow_array);
    RUN(test_errors);
    return LW_TEST_END();
}
