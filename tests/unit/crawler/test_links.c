/* tests/unit/crawler/test_links.c — resolving index-page links and the raw-URL template. */
#include "crawler/links.h"

#include <string.h>

#include "tests/unit/lw_test.h"

static const char *
resolve(const char *base, const char *href)
{
    static char out[LINKS_URL_MAX + 1];

    return links_resolve(base, lw_slice_cstr(href), out, sizeof(out)) ? out : NULL;
}

static void
test_resolve(void)
{
    const char *base = "http://abc.onion/pastes/index.html?page=2";

    CHECK_STR(resolve(base, "p/1"), "http://abc.onion/pastes/p/1");
    CHECK_STR(resolve(base, "/raw/2"), "http://abc.onion/raw/2");
    CHECK_STR(resolve(base, "../x/./y"), "http://abc.onion/x/y");
    CHECK_STR(resolve(base, "  /trim  "), "http://abc.onion/trim");
    CHECK_STR(resolve(base, "/p/3#frag"), "http://abc.onion/p/3");
    CHECK_STR(resolve(base, "?page=3"), "http://abc.onion/pastes/index.html?page=3");
    CHECK_STR(resolve(base, "//other.onion/z"), "http://other.onion/z");
    CHECK_STR(resolve(base, "https://Example.ORG:8443/a"), "https://example.org:8443/a");
    CHECK(resolve(base, "#top") == NULL);
    CHECK(resolve(base, "javascript:alert(1)") == NULL);
    CHECK(resolve(base, "mailto:a@example.fi") == NULL);
    CHECK(resolve(base, "file:///etc/passwd") == NULL);
    CHECK(resolve(base, "ftp://example.org/x") == NULL);
    CHECK(resolve(base, "data:text/plain,hi") == NULL);
    CHECK(resolve(base, "http://user:pw@example.org/") == NULL);
    CHECK(resolve(base, "/a\nb") == NULL);
    CHECK(resolve(base, "") == NULL);
}

static void
test_too_long(void)
{
    static char href[LINKS_URL_MAX + 64];
    char out[64];

    memset(href, 'a', sizeof(href) - 1);
    href[0] = '/';
    CHECK(resolve("http://x.onion/", href) == NULL);
    /* a result that does not fit the caller's buffer */
    CHECK(!links_resolve("http://x.onion/", lw_slice_cstr("/a-rather-long-path-that-will-not-fit-in-64-bytes-of-output"), out, sizeof(out)));
}

static void
test_raw_template(void)
{
    char out[LINKS_URL_MAX + 1];

    CHECK(links_raw_url("{origin}/raw/{id}", "http://x.onion/paste/abc", out, sizeof(out)));
    CHECK_STR(out, "http://x.onion/raw/abc");
    CHECK(links_raw_url("{url}?raw=1", "http://x.onion/p/abc/", out, sizeof(out)));
    CHECK_STR(out, "http://x.onion/p/abc/?raw=1");
    CHECK(links_raw_url("{origin}/dl/{id}.txt", "https://paste.example:8443/v/Q1w2/", out, sizeof(out)));
    CHECK_STR(out, "https://paste.example:8443/dl/Q1w2.txt");
    CHECK(!links_raw_url("{origin}/raw/{nope}", "http://x.onion/p/abc", out, sizeof(out)));
    CHECK(!links_raw_url("{origin}/raw/{id}", "http://x.onion/", out, sizeof(out)));
    CHECK(!links_raw_url("{url}{url}", "http://x.onion/p/abc", out, 20));
}

static void
test_same_host(void)
{
    CHECK(links_same_host("http://A.onion/x", "https://a.onion:8080/y"));
    CHECK(!links_same_host("http://a.onion/x", "http://b.onion/x"));
    CHECK(!links_same_host("not a url", "http://b.onion/x"));
}

int
main(void)
{
    RUN(test_resolve);
    RUN(test_too_long);
    RUN(test_raw_template);
    RUN(test_same_host);
    return LW_TEST_END();
}
