/*
 * tests/unit/crawler/test_onion.c — SHA3-256, v3 onion address validation, URL hosts and SOCKS
 * usernames (crawler/onion.c).
 *
 * The SHA3 vectors are FIPS 202's published examples ("", "abc", 200 bytes of 0xa3) plus messages
 * around the 136-byte rate boundary (digests from Python's hashlib, an independent implementation).
 * Valid addresses come from the test's own encoder over pseudo-random keys, and from a real Tor
 * network (/work/shared/reference/tornet/socks-errors-observed.txt): one published, one valid but
 * never published, one with a broken checksum that Tor answered with 0xF6.
 */
#include "crawler/onion.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/lw_test.h"

/* From a real tor: byeuo2… served a page, gxh5jk… is well-formed but unpublished (Tor: 0xF0),
 * yyx4wv… has a bad checksum (Tor: 0xF6). */
#define ONION_PUBLISHED "byeuo2ffgtj455z56xmwqjzpdwnissjns6bjyit2dyrzg637yc5wb6qd.onion"
#define ONION_UNPUBLISHED "gxh5jkynfd2agzybszm52wvarzz7pdc5l7cpnbjxawzfjvrfj2iakxad.onion"
#define ONION_BAD_SUM "yyx4wv3ax7lejzz77j5w54lwdr474aavgrj65cmto6fpjgn7gamgrsqd.onion"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void
hex_to_bytes(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (unsigned char)v;
    }
}

static int
sha3_matches(const void *msg, size_t len, const char *want_hex)
{
    unsigned char got[32], want[32];
    onion_sha3_256(msg, len, got);
    hex_to_bytes(want_hex, want, 32);
    return memcmp(got, want, 32) == 0;
}

static void
test_sha3_fips202_vectors(void)
{
    unsigned char a3[200];
    memset(a3, 0xa3, sizeof a3);
    CHECK(sha3_matches("", 0, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"));
    static const char abc[] = "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";
    static const char a3_200[] = "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787";
    CHECK(sha3_matches("abc", 3, abc));
    CHECK(sha3_matches(a3, 200, a3_200));
}

static void
test_sha3_rate_boundaries(void)
{
    static const struct {
        size_t len;
        const char *hex;
    } v[] = {
        {135, "12fa8b3d366f54305d82b8eff1dae1df85046ee32ec82d6f6e290f8e9cae2f90"},
        {136, "89e699b3685be673ff90f26e215dd8140b5364e1f931f27c6000dc184ee0533c"},
        {137, "50bf5cd6f1906058d863c6d02a7b7dd7bed531bdca5dab2b55b135d295cb72a1"},
        {272, "2da5e8552b2fd944d850d3f4300fdb3054f7561c867fe6a748320760869f8bba"},
    };
    unsigned char m[272];
    memset(m, 0x5a, sizeof m);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        CHECK(sha3_matches(m, v[i].len, v[i].hex));
    }
}

/* ---- the test's own encoder ------------------------------------------------------------- */

static uint64_t rng_state = 0x6c6561b77a7463ULL;

static uint64_t
rng_next(void) /* splitmix64: reproducible keys */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
random_key(unsigned char key[32])
{
    for (size_t i = 0; i < 32; i += 8) {
        uint64_t r = rng_next();
        memcpy(key + i, &r, 8);
    }
}

/* base32(key ‖ checksum ‖ version) + ".onion" into out[63]; the checksum is computed for the
 * given version, then XORed with sum_flip (0: correct). */
static void
encode_onion(const unsigned char key[32], unsigned char version, unsigned sum_flip, char out[63])
{
    unsigned char msg[15 + 33], sum[32], raw[35];
    memcpy(msg, ".onion checksum", 15);
    memcpy(msg + 15, key, 32);
    msg[47] = version;
    onion_sha3_256(msg, sizeof msg, sum);
    memcpy(raw, key, 32);
    raw[32] = (unsigned char)(sum[0] ^ (sum_flip & 0xff));
    raw[33] = (unsigned char)(sum[1] ^ (sum_flip >> 8));
    raw[34] = version;
    size_t bit = 0;
    for (size_t i = 0; i < 56; i++, bit += 5) {
        unsigned v = 0;
        for (size_t k = 0; k < 5; k++) {
            size_t b = bit + k;
            v = (v << 1) | ((raw[b / 8] >> (7 - b % 8)) & 1U);
        }
        out[i] = b32[v];
    }
    memcpy(out + 56, ".onion", 7);
}

static void
test_v3_generated_valid(void)
{
    char addr[63], upper[63], sub[128];
    for (int i = 0; i < 64; i++) {
        unsigned char key[32];
        random_key(key);
        encode_onion(key, 3, 0, addr);
        CHECK_INT(strlen(addr), 62);
        CHECK(onion_v3_valid(addr));
        CHECK(onion_is_onion_host(addr));
        for (size_t k = 0; k < sizeof addr; k++) {
            upper[k] = (addr[k] >= 'a' && addr[k] <= 'z') ? (char)(addr[k] - 32) : addr[k];
        }
        CHECK(onion_v3_valid(upper)); /* "X.ONION" too */
        snprintf(sub, sizeof sub, "www.%s", addr);
        CHECK(onion_v3_valid(sub));
        snprintf(sub, sizeof sub, "a-1.B2.%s", addr);
        CHECK(onion_v3_valid(sub));
    }
}

static void
test_v3_real_addresses(void)
{
    CHECK(onion_v3_valid(ONION_PUBLISHED));
    CHECK(onion_v3_valid(ONION_UNPUBLISHED));
    CHECK(!onion_v3_valid(ONION_BAD_SUM));
    CHECK(onion_is_onion_host(ONION_BAD_SUM)); /* an onion name, just not a valid one */
    CHECK(onion_v3_valid("paste." ONION_PUBLISHED));
    CHECK(onion_v3_valid("BYEUO2FFGTJ455Z56XMWQJZPDWNISSJNS6BJYIT2DYRZG637YC5WB6QD.ONION"));
}

/* Every other base32 character in every position of two valid addresses: all rejected. (Each
 * change alters the key, the checksum or the version; these two addresses were checked to have
 * no 2^-16 checksum collision among the 3,472 variants — the test is deterministic.) */
static void
test_v3_every_flipped_character(void)
{
    const char *valid[] = {ONION_PUBLISHED, ONION_UNPUBLISHED};
    char a[63];
    int accepted = 0, tried = 0;
    for (size_t v = 0; v < 2; v++) {
        for (size_t pos = 0; pos < 56; pos++) {
            for (size_t c = 0; c < 32; c++) {
                memcpy(a, valid[v], sizeof a);
                if (a[pos] == b32[c]) {
                    continue;
                }
                a[pos] = b32[c];
                tried++;
                accepted += onion_v3_valid(a);
            }
        }
    }
    CHECK_INT(tried, 2 * 56 * 31);
    CHECK_INT(accepted, 0);
}

static void
test_v3_version_and_checksum(void)
{
    static const unsigned char versions[] = {0, 1, 2, 4, 0x83, 255};
    char addr[63];
    unsigned char key[32];
    random_key(key);
    encode_onion(key, 3, 0, addr);
    CHECK(onion_v3_valid(addr));
    for (size_t i = 0; i < sizeof versions; i++) {
        encode_onion(key, versions[i], 0, addr); /* checksum right for that version */
        CHECK(!onion_v3_valid(addr));
    }
    for (unsigned flip = 1; flip < 0x10000; flip <<= 1) { /* each single bit of the checksum */
        encode_onion(key, 3, flip, addr);
        CHECK(!onion_v3_valid(addr));
    }
}

static void
test_v3_wrong_lengths_and_v2(void)
{
    char a[80];
    CHECK(!onion_v3_valid("expyuzz4wqqyqhjn.onion")); /* v2, 16 characters */
    CHECK(onion_is_onion_host("expyuzz4wqqyqhjn.onion"));
    CHECK(!onion_v3_valid("www.expyuzz4wqqyqhjn.onion"));
    snprintf(a, sizeof a, "%.55s.onion", ONION_PUBLISHED); /* 55 characters */
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "a%s", ONION_PUBLISHED); /* 57 characters in one label */
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "%.56sa.onion", ONION_PUBLISHED);
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "ab%s", ONION_PUBLISHED); /* its last 56 characters are valid */
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "www.ab%s", ONION_PUBLISHED);
    CHECK(!onion_v3_valid(a));
    CHECK(!onion_v3_valid(".onion"));
    CHECK(!onion_v3_valid("onion"));
    CHECK(!onion_v3_valid(""));
    CHECK(!onion_v3_valid(NULL));
}

static void
test_v3_bad_characters_and_labels(void)
{
    char a[400];
    static const char bad[] = "0189=-_ .\x80";
    for (size_t i = 0; i < sizeof bad - 1; i++) {
        memcpy(a, ONION_PUBLISHED, sizeof ONION_PUBLISHED);
        a[20] = bad[i];
        CHECK(!onion_v3_valid(a));
    }
    snprintf(a, sizeof a, ".%s", ONION_PUBLISHED); /* empty subdomain label */
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "a..%s", ONION_PUBLISHED);
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "a_b.%s", ONION_PUBLISHED);
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "a b.%s", ONION_PUBLISHED);
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "%s:80", ONION_PUBLISHED); /* a host, not host:port */
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "%064d.%s", 0, ONION_PUBLISHED); /* a 64-character label */
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "%063d.%s", 0, ONION_PUBLISHED);
    CHECK(onion_v3_valid(a));
    /* 254 characters in all: longer than a DNS name */
    snprintf(a, sizeof a, "%063d.%063d.%063d.%s", 0, 0, 0, ONION_PUBLISHED);
    CHECK_INT(strlen(a), 254);
    CHECK(!onion_v3_valid(a));
    snprintf(a, sizeof a, "%063d.%063d.%062d.%s", 0, 0, 0, ONION_PUBLISHED);
    CHECK(onion_v3_valid(a));
}

static void
test_trailing_dot_and_non_onion(void)
{
    /* "X.onion." is the same DNS name: an onion host (never clearnet), but not queued. */
    CHECK(onion_is_onion_host(ONION_PUBLISHED "."));
    CHECK(!onion_v3_valid(ONION_PUBLISHED "."));
    CHECK(!onion_v3_valid(ONION_PUBLISHED ".."));
    CHECK(onion_is_onion_host("X.OnIoN"));
    CHECK(onion_is_onion_host(".onion"));
    CHECK(!onion_is_onion_host("onion"));
    CHECK(!onion_is_onion_host("example.com"));
    CHECK(!onion_is_onion_host("example.onion.com"));
    CHECK(!onion_is_onion_host("exampleonion"));
    CHECK(!onion_is_onion_host("x.onionx"));
    CHECK(!onion_is_onion_host(""));
    CHECK(!onion_is_onion_host("."));
    CHECK(!onion_is_onion_host(NULL));
    CHECK(!onion_v3_valid(ONION_PUBLISHED ".com"));
    CHECK(!onion_v3_valid("byeuo2ffgtj455z56xmwqjzpdwnissjns6bjyit2dyrzg637yc5wb6qdonion"));
    CHECK(!onion_v3_valid("byeuo2ffgtj455z56xmwqjzpdwnissjns6bjyit2dyrzg637yc5wb6qd.onio"));
    CHECK(!onion_v3_valid("127.0.0.1"));
}

/* ---- onion_url_host ---------------------------------------------------------------------- */

static int
host_is(const char *url, const char *want)
{
    char h[256];
    memset(h, 'x', sizeof h);
    if (!onion_url_host(url, h, sizeof h)) {
        fprintf(stderr, "  onion_url_host(\"%s\") failed, want \"%s\"\n", url, want);
        return 0;
    }
    if (strcmp(h, want) != 0) {
        fprintf(stderr, "  onion_url_host(\"%s\") = \"%s\", want \"%s\"\n", url, h, want);
        return 0;
    }
    return 1;
}

static int
host_fails(const char *url)
{
    char h[256];
    memset(h, 'x', sizeof h);
    bool ok = onion_url_host(url, h, sizeof h);
    if (ok) {
        fprintf(stderr, "  onion_url_host(\"%s\") = \"%s\", want failure\n", url, h);
    }
    return !ok && h[0] == '\0'; /* out is left empty on failure */
}

static void
test_url_host_plain(void)
{
    CHECK(host_is("http://abc.onion:8080/x", "abc.onion"));
    CHECK(host_is("HTTPS://WWW.Abc.ONION/x?y=1#z", "www.abc.onion"));
    CHECK(host_is("http://" ONION_PUBLISHED "/paste/1", ONION_PUBLISHED));
    CHECK(host_is("http://abc.onion", "abc.onion"));
    CHECK(host_is("http://abc.onion:/", "abc.onion"));
    CHECK(host_is("http://127.0.0.1:9/", "127.0.0.1"));
    CHECK(host_is("http://abc.onion./", "abc.onion."));
}

static void
test_url_host_hostile(void)
{
    /* userinfo never counts as the host */
    CHECK(host_is("http://user:pw@abc.onion/", "abc.onion"));
    CHECK(host_is("http://good.onion@evil.example/", "evil.example"));
    /* libcurl (the fetcher) reads the backslash as part of the userinfo: the host checked is the
     * host fetched, whatever a browser would make of it */
    CHECK(host_is("http://evil.onion\\@good.onion/", "good.onion"));
    CHECK(host_is("http://abc.onion#@evil.example/", "abc.onion"));
    CHECK(host_is("http://abc.onion?@evil.example/", "abc.onion"));
    CHECK(host_is("http://ab%63.onion/", "abc.onion")); /* libcurl decodes the host */
    /* IPv6 keeps its brackets (so a port can never be mistaken for part of it) */
    CHECK(host_is("http://[::1]:80/", "[::1]"));
    CHECK(host_is("http://[FE80::1%25eth0]/", "[fe80::1]"));
    CHECK(host_fails("https://a.b@c.onion@d.onion/"));
    CHECK(host_fails("http://a b.onion/"));
    CHECK(host_fails("http://a\tb.onion/"));
    CHECK(host_fails("http://a\nb.onion/"));
    CHECK(host_fails("http://abc.onion:99999/"));
    CHECK(host_fails("http://[::1/"));
}

static void
test_url_host_not_http(void)
{
    CHECK(host_fails("abc.onion/x")); /* no scheme: nothing is guessed */
    CHECK(host_fails("//abc.onion/x"));
    CHECK(host_fails(" http://abc.onion/"));
    CHECK(host_fails("ftp://abc.onion/"));
    CHECK(host_fails("file:///etc/passwd"));
    CHECK(host_fails("gopher://abc.onion/"));
    CHECK(host_fails("javascript:alert(1)"));
    CHECK(host_fails("http:abc.onion"));
    CHECK(host_fails("http://"));
    CHECK(host_fails(""));
    CHECK(!onion_url_host(NULL, NULL, 0));
}

static void
test_url_host_bounds(void)
{
    char url[400], host[300], out[64];
    memset(host, 'a', 255);
    memcpy(host + 255 - 6, ".onion", 7);
    snprintf(url, sizeof url, "http://%s/x", host);
    char big[256];
    CHECK(!onion_url_host(url, big, 255)); /* 255 characters need 256 bytes */
    CHECK_STR(big, "");
    CHECK(onion_url_host(url, big, 256));
    CHECK_INT(strlen(big), 255);
    /* a small buffer: refused, nothing written past it */
    memset(out, '#', sizeof out);
    CHECK(!onion_url_host("http://abcdefgh.onion/", out, 8));
    CHECK_INT(out[0], '\0');
    CHECK_INT(out[8], '#');
    CHECK(onion_url_host("http://abcdef.onion/", out, 13));
    CHECK_STR(out, "abcdef.onion");
    char none = '#';
    CHECK(!onion_url_host("http://abc.onion/", &none, 0));
    CHECK_INT(none, '#');
}

/* ---- onion_socks_user -------------------------------------------------------------------- */

static void
test_socks_user(void)
{
    char a[256], b[256];
    onion_socks_user("ABC.Onion", a, sizeof a);
    CHECK_STR(a, "lw-abc.onion");
    onion_socks_user("abc.onion:8080", b, sizeof b);
    CHECK_STR(b, "lw-abc.onion"); /* the port is not part of the site */
    onion_socks_user("[::1]:80", a, sizeof a);
    CHECK_STR(a, "lw-[::1]");
    onion_socks_user("::1", a, sizeof a);
    CHECK_STR(a, "lw-::1");
    onion_socks_user(ONION_PUBLISHED, a, sizeof a);
    onion_socks_user(ONION_UNPUBLISHED, b, sizeof b);
    CHECK(strcmp(a, b) != 0);
    onion_socks_user("", a, sizeof a);
    CHECK_STR(a, "lw-");
    onion_socks_user(NULL, a, sizeof a);
    CHECK_STR(a, "lw-");
}

static void
test_socks_user_long_hosts(void)
{
    char h1[400], h2[400], a[300], b[300];
    memset(h1, 'a', 300);
    h1[300] = '\0';
    memcpy(h2, h1, sizeof h2);
    h2[299] = 'b'; /* differs only past the part that fits */
    memset(a, '#', sizeof a);
    onion_socks_user(h1, a, sizeof a);
    onion_socks_user(h2, b, sizeof b);
    CHECK_INT(strlen(a), 255); /* a SOCKS5 username is at most 255 bytes */
    CHECK_INT(strlen(b), 255);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(a[255 - 17], '-');
    CHECK(strncmp(a, "lw-aaaa", 7) == 0);
    h1[0] = 'A'; /* case does not make another site */
    onion_socks_user(h1, b, sizeof b);
    CHECK_STR(a, b);
    /* 252 characters fit exactly; 253 take the digest form */
    h1[252] = '\0';
    onion_socks_user(h1, a, sizeof a);
    CHECK_INT(strlen(a), 255);
    CHECK(strchr(a, '-') == a + 2);
    h1[252] = 'a';
    h1[253] = '\0';
    onion_socks_user(h1, a, sizeof a);
    CHECK_INT(strlen(a), 255);
    CHECK_INT(a[255 - 17], '-');
}

static void
test_socks_user_small_buffers(void)
{
    char out[16];
    memset(out, '#', sizeof out);
    onion_socks_user("abcdefghijklmnop.onion", out, 8);
    CHECK_STR(out, "lw-abcd");
    CHECK_INT(out[8], '#');
    memset(out, '#', sizeof out);
    onion_socks_user("abc.onion", out, 2);
    CHECK_STR(out, "l");
    CHECK_INT(out[2], '#');
    memset(out, '#', sizeof out);
    onion_socks_user("abc.onion", out, 0);
    CHECK_INT(out[0], '#');
    char mid[40];
    onion_socks_user("abcdefghijklmnopqrstuvwxyz0123456789abcdef.onion", mid, 21); /* 20 fit */
    CHECK_INT(strlen(mid), 20);
    CHECK(strncmp(mid, "lw--", 4) == 0); /* no room for the host: just the digest */
    onion_socks_user("abcdefghijklmnopqrstuvwxyz0123456789abcdef.onion", mid, 22);
    CHECK_INT(strlen(mid), 21);
    CHECK(strncmp(mid, "lw-a-", 5) == 0);
}

int
main(void)
{
    RUN(test_sha3_fips202_vectors);
    RUN(test_sha3_rate_boundaries);
    RUN(test_v3_generated_valid);
    RUN(test_v3_real_addresses);
    RUN(test_v3_every_flipped_character);
    RUN(test_v3_version_and_checksum);
    RUN(test_v3_wrong_lengths_and_v2);
    RUN(test_v3_bad_characters_and_labels);
    RUN(test_trailing_dot_and_non_onion);
    RUN(test_url_host_plain);
    RUN(test_url_host_hostile);
    RUN(test_url_host_not_http);
    RUN(test_url_host_bounds);
    RUN(test_socks_user);
    RUN(test_socks_user_long_hosts);
    RUN(test_socks_user_small_buffers);
    return LW_TEST_END();
}
