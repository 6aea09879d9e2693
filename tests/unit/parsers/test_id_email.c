/*
 * tests/unit/parsers/test_id_email.c — e-mail addresses and domains: what is accepted, how it is
 * normalised, and the real-world near misses that must be rejected.
 */
#include <string.h>

#include "common/buf.h"
#include "parsers/identifiers_int.h"
#include "tests/unit/lw_test.h"

static char out_buf[ID_VALUE_MAX + 1];

/* The normalised address, or NULL when rejected; "(bad length)" if out_len and the string differ.
 */
static const char *
norm_n(const char *in, size_t len)
{
    size_t out_len = 0;

    memset(out_buf, 'X', sizeof(out_buf));
    if (id_email_normalise(lw_slice_make(in, len), NULL, out_buf, &out_len) != LW_OK) {
        return NULL;
    }
    return out_len == strlen(out_buf) ? out_buf : "(bad length)";
}

static const char *
norm(const char *in)
{
    return norm_n(in, strlen(in));
}

static const char *
norm_domain(const char *in)
{
    size_t out_len = 0;

    memset(out_buf, 'X', sizeof(out_buf));
    if (id_email_domain_normalise(lw_slice_cstr(in), NULL, out_buf, &out_len) != LW_OK) {
        return NULL;
    }
    return out_len == strlen(out_buf) ? out_buf : "(bad length)";
}

/* n copies of c, NUL-terminated, in a static buffer (one per slot). */
static const char *
rep(int slot, char c, size_t n)
{
    static char bufs[4][ID_INPUT_MAX + 64];

    memset(bufs[slot], c, n);
    bufs[slot][n] = '\0';
    return bufs[slot];
}

static void
test_valid_forms(void)
{
    CHECK_STR(norm("user@example.com"), "user@example.com");
    CHECK_STR(norm("a@b.fi"), "a@b.fi");
    CHECK_STR(norm("first.last@example.fi"), "first.last@example.fi");
    CHECK_STR(norm("user+tag@sub.example.co.uk"), "user+tag@sub.example.co.uk");
    CHECK_STR(norm("o'brien@example.ie"), "o'brien@example.ie");
    CHECK_STR(norm("user_name-1@my-domain.example.com"), "user_name-1@my-domain.example.com");
    CHECK_STR(norm("!#$%&'*+-/=?^_`{|}~@example.com"), "!#$%&'*+-/=?^_`{|}~@example.com");
    CHECK_STR(norm("x@example.museum"), "x@example.museum");
    CHECK_STR(norm("someone@163.com"), "someone@163.com"); /* numeric labels are fine … */
    CHECK_STR(norm("a@1.2.example.se"), "a@1.2.example.se");
    CHECK_STR(norm("info@xn--bcher-kva.example"), "info@xn--bcher-kva.example");
    CHECK_STR(norm("info@example.xn--p1ai"), "info@example.xn--p1ai"); /* … a punycode TLD too */
    CHECK_STR(norm("info@example.XN--P1AI"), "info@example.xn--p1ai");
}

static void
test_case_and_wrapping(void)
{
    CHECK_STR(norm("User@Example.COM"), "user@example.com");
    CHECK_STR(norm("MATTI.MEIKALAINEN@EXAMPLE.FI"), "matti.meikalainen@example.fi");
    CHECK_STR(norm("  user@example.com \r\n"), "user@example.com");
    CHECK_STR(norm("\tuser@example.com"), "user@example.com");
    CHECK_STR(norm("<user@example.com>"), "user@example.com");
    CHECK_STR(norm("< user@example.com >"), "user@example.com");
    CHECK_STR(norm("mailto:Someone@Example.org"), "someone@example.org");
    CHECK_STR(norm("MAILTO:someone@example.org"), "someone@example.org");
    CHECK_STR(norm(" <mailto:someone@example.org> "), "someone@example.org");
}

static void
test_structure_rejects(void)
{
    CHECK(norm("") == NULL);
    CHECK(norm("   ") == NULL);
    CHECK(norm("user") == NULL);
    CHECK(norm("user.example.com") == NULL);
    CHECK(norm("@example.com") == NULL);
    CHECK(norm("user@") == NULL);
    CHECK(norm("user@@example.com") == NULL);
    CHECK(norm("a@b@example.com") == NULL);
    CHECK(norm("mailto:") == NULL);
    CHECK(norm("<>") == NULL);
    CHECK(norm("<user@example.com") == NULL);
    CHECK(norm("Matti <user@example.com>") == NULL);
    CHECK(norm("mailto:user@example.com?subject=hi") == NULL);
    CHECK(norm("user@example.com, other@example.com") == NULL);
    CHECK(norm_n("user\0@example.com", 17) == NULL);
    CHECK(norm_n("user@example.com\0", 17) == NULL);
}

static void
test_local_part_rejects(void)
{
    CHECK(norm(".user@example.com") == NULL);
    CHECK(norm("user.@example.com") == NULL);
    CHECK(norm("us..er@example.com") == NULL);
    CHECK(norm("user name@example.com") == NULL);
    CHECK(norm("\"john doe\"@example.com") == NULL); /* quoted local parts: not supported */
    CHECK(norm("\"john\"@example.com") == NULL);
    CHECK(norm("user(comment)@example.com") == NULL);
    CHECK(norm("user,x@example.com") == NULL);
    CHECK(norm("user;x@example.com") == NULL);
    CHECK(norm("user\\x@example.com") == NULL);
    CHECK(norm("jürgen@example.de") == NULL); /* internationalised: rejected by design */
}

static void
test_domain_rejects(void)
{
    CHECK(norm("user@example.com.") == NULL);
    CHECK(norm("user@.example.com") == NULL);
    CHECK(norm("user@example..com") == NULL);
    CHECK(norm("user@[192.0.2.1]") == NULL);
    CHECK(norm("user@[IPv6:2001:db8::1]") == NULL);
    CHECK(norm("user@192.0.2.1") == NULL);
    CHECK(norm("user@localhost") == NULL);
    CHECK(norm("user@example") == NULL);
    CHECK(norm("user@example.c") == NULL);
    CHECK(norm("user@example.123") == NULL);
    CHECK(norm("user@example.c0m") == NULL);
    CHECK(norm("user@-example.com") == NULL);
    CHECK(norm("user@example-.com") == NULL);
    CHECK(norm("user@example.-com") == NULL);
    CHECK(norm("user@exa_mple.com") == NULL);
    CHECK(norm("user@exa mple.com") == NULL);
    CHECK(norm("user@bücher.de") == NULL);
    CHECK(norm("user@example.xn--") == NULL);
}

/* The parts concatenated, in a buffer that lives until the next call. */
static const char *
join(const char *const *parts)
{
    static struct lw_buf buf = {NULL, 0, 0, 4096};

    lw_buf_reset(&buf);
    for (size_t i = 0; parts[i] != NULL; i++) {
        CHECK(lw_buf_append_str(&buf, parts[i]) == LW_OK);
    }
    return buf.data;
}
#define JOIN(...) join((const char *const[]){__VA_ARGS__, NULL})

static void
test_length_limits(void)
{
    const char *addr;
    char domain[256];

    /* A 64-byte local part is the most RFC 5321 allows. */
    addr = JOIN(rep(0, 'a', 64), "@example.com");
    CHECK_STR(norm(addr), addr);
    CHECK(norm(JOIN(rep(0, 'a', 65), "@example.com")) == NULL);

    /* Labels of 63 bytes pass, 64 do not. */
    addr = JOIN("u@", rep(0, 'b', 63), ".fi");
    CHECK_STR(norm(addr), addr);
    CHECK(norm(JOIN("u@", rep(0, 'b', 64), ".fi")) == NULL);

    /* 254 bytes in all is the limit: 64 + 1 + 189, then one more. */
    addr = JOIN(rep(0, 'a', 63), ".", rep(1, 'b', 63), ".", rep(2, 'c', 58), ".fi");
    CHECK_INT(strlen(addr), 189);
    memcpy(domain, addr, strlen(addr) + 1);
    addr = JOIN(rep(0, 'l', 64), "@", domain);
    CHECK_INT(strlen(addr), 254);
    CHECK_STR(norm(addr), addr);
    addr = JOIN(rep(0, 'l', 64), "@d", domain);
    CHECK_INT(strlen(addr), 255);
    CHECK(norm(addr) == NULL);
}

static void
test_input_limit(void)
{
    const char *in;

    /* Surrounding space counts against ID_INPUT_MAX: the input is not scanned at all past it. */
    in = JOIN(rep(0, ' ', ID_INPUT_MAX - 6), "a@b.fi");
    CHECK_INT(strlen(in), ID_INPUT_MAX);
    CHECK_STR(norm(in), "a@b.fi");
    in = JOIN(rep(0, ' ', ID_INPUT_MAX - 5), "a@b.fi");
    CHECK(norm(in) == NULL);
}

static void
test_idempotent(void)
{
    static const char *const inputs[] = {"  <MAILTO:First.Last+X@Sub.Example.CO.UK>  ", "A@B.FI",
                                         "info@example.XN--P1AI", NULL};

    for (size_t i = 0; inputs[i] != NULL; i++) {
        char first[ID_VALUE_MAX + 1];
        const char *once = norm(inputs[i]);

        CHECK(once != NULL);
        if (once == NULL) {
            continue;
        }
        memcpy(first, once, strlen(once) + 1);
        CHECK_STR(norm(first), first);
    }
}

static void
test_domain_kind(void)
{
    CHECK_STR(norm_domain("Example.COM"), "example.com");
    CHECK_STR(norm_domain("  sub.example.co.uk "), "sub.example.co.uk");
    CHECK_STR(norm_domain("User@Example.COM"), "example.com");
    CHECK_STR(norm_domain(" <mailto:a@Sub.Example.FI> "), "sub.example.fi");
    CHECK_STR(norm_domain("xn--bcher-kva.example"), "xn--bcher-kva.example");
    CHECK(norm_domain("") == NULL);
    CHECK(norm_domain("localhost") == NULL);
    CHECK(norm_domain("example.com.") == NULL);
    CHECK(norm_domain(".example.com") == NULL);
    CHECK(norm_domain("@example.com") == NULL);
    CHECK(norm_domain("user@") == NULL);
    CHECK(norm_domain("exa mple.com") == NULL);
    CHECK(norm_domain("192.0.2.1") == NULL);
    CHECK(norm_domain("bücher.de") == NULL);
    CHECK(norm_domain("http://example.com") == NULL);
}

static void
test_domain_length(void)
{
    const char *d;

    /* 253 bytes is the longest host name: 63 + 1 + 63 + 1 + 63 + 1 + 58 + ".fi", then one more. */
    d = JOIN(rep(0, 'a', 63), ".", rep(1, 'b', 63), ".", rep(2, 'c', 63), ".", rep(3, 'd', 58),
             ".fi");
    CHECK_INT(strlen(d), 253);
    CHECK_STR(norm_domain(d), d);
    d = JOIN(rep(0, 'a', 63), ".", rep(1, 'b', 63), ".", rep(2, 'c', 63), ".", rep(3, 'd', 59),
             ".fi");
    CHECK(norm_domain(d) == NULL);
}

int
main(void)
{
    RUN(test_valid_forms);
    RUN(test_case_and_wrapping);
    RUN(test_structure_rejects);
    RUN(test_local_part_rejects);
    RUN(test_domain_rejects);
    RUN(test_length_limits);
    RUN(test_input_limit);
    RUN(test_idempotent);
    RUN(test_domain_kind);
    RUN(test_domain_length);
    return LW_TEST_END();
}
