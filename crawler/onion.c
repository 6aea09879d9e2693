/*
 * crawler/onion.c — v3 onion address checks and per-site SOCKS usernames (see onion.h).
 *
 * SHA3-256 is FIPS 202: Keccak-f[1600] (24 rounds of theta, rho+pi, chi, iota over 25 64-bit
 * lanes), rate 136 bytes, message bytes XORed into the lanes little-endian, padding 0x06 … 0x80.
 * It is written here (about 80 lines) because crawler/ may use libcurl and common/ only: libsodium
 * has no SHA-3, and the checksum is all it is used for. Checked against the FIPS 202 examples in
 * tests/unit/crawler/test_onion.c.
 *
 * A v3 address: the label right before ".onion" (earlier labels are subdomains, "www.X.onion") is
 * 56 characters of RFC 4648 base32 (either case, no padding) = 280 bits = 35 bytes: PUBKEY[32]
 * CHECKSUM[2] VERSION[1]. Valid when VERSION is 3 and CHECKSUM is the first two bytes of
 * SHA3-256(".onion checksum" ‖ PUBKEY ‖ VERSION) (rend-spec-v3 §6). Tor also checks that PUBKEY is
 * an ed25519 point of prime order; that needs curve arithmetic, which has no place here — an
 * address that passes this check and fails Tor's gets SOCKS reply 0xF6 when fetched. A mistyped
 * character gets past the checksum with probability 2^-16.
 *
 * A trailing dot ("X.onion.") is the same DNS name, so onion_is_onion_host() says yes, but
 * onion_v3_valid() says no: Tor 0.4.9 does not treat "X.onion." as an onion address — it hands it
 * to an exit as a clearnet name (tests/cli/test_tornet.sh shows it never reaches the service),
 * where an exit's resolver would see the onion name. So it is never queued.
 *
 * onion_url_host() asks libcurl's own URL parser (CURLU) for the host, so the host checked is the
 * host libcurl will hand to the proxy. Rejected: a hand-written parser — URLs like
 * "http://a.onion\@b.onion/" are read differently by different parsers (WHATWG: host a.onion;
 * curl: b.onion), and a check that disagrees with the fetcher checks the wrong host. The host
 * comes back as libcurl will use it: percent-decoded, IPv6 in brackets (zone dropped), lower-cased
 * here.
 *
 * onion_socks_user(): "lw-" + the lower-cased host without its port. A SOCKS5 username holds at
 * most 255 bytes (RFC 1929; libcurl refuses longer ones), so a longer name becomes "lw-" + a prefix
 * + "-" + 16 hex digits of SHA3-256 of the whole host: still one name per site.
 */
#include "crawler/onion.h"

#include <curl/curl.h>
#include <stdint.h>
#include <string.h>

#include "common/ascii.h"

enum {
    SHA3_RATE = 136,      /* bytes absorbed per permutation for a 256-bit capacity ×2 */
    ONION_LABEL_LEN = 56, /* base32 characters of a v3 address */
    ONION_RAW_LEN = 35,   /* decoded bytes: pubkey 32, checksum 2, version 1 */
    HOST_MAX = 253,       /* a DNS name, without a trailing dot */
    LABEL_MAX = 63,
    SOCKS_USER_MAX = 255, /* RFC 1929: the username length is one byte */
    USER_HASH_HEX = 16,   /* hex digits of SHA3(host) that end an over-long username */
};

static const char onion_suffix[] = ".onion";

/* ---- SHA3-256 ---------------------------------------------------------------------------- */

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* rho offsets and pi destinations, in the order the combined rho+pi step visits the lanes
 * (starting from lane 1 and following pi: (x, y) → (y, 2x + 3y)). */
static const unsigned keccak_rot[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                        27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned keccak_pi[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                       15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static uint64_t
rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64U - n)); /* n is 1..63 in every call */
}

static void
keccak_f1600(uint64_t st[25])
{
    for (unsigned round = 0; round < 24; round++) {
        uint64_t c[5];
        for (unsigned x = 0; x < 5; x++) { /* theta */
            c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
        }
        for (unsigned x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
            for (unsigned y = 0; y < 25; y += 5) {
                st[y + x] ^= d;
            }
        }
        uint64_t cur = st[1]; /* rho and pi */
        for (unsigned i = 0; i < 24; i++) {
            unsigned j = keccak_pi[i];
            uint64_t next = st[j];
            st[j] = rotl64(cur, keccak_rot[i]);
            cur = next;
        }
        for (unsigned y = 0; y < 25; y += 5) { /* chi */
            uint64_t row[5];
            for (unsigned x = 0; x < 5; x++) {
                row[x] = st[y + x];
            }
            for (unsigned x = 0; x < 5; x++) {
                st[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        st[0] ^= keccak_rc[round]; /* iota */
    }
}

/* A hash in progress: the state and the next byte position within the rate. */
struct sha3 {
    uint64_t st[25];
    size_t pos;
};

static void
sha3_init(struct sha3 *h)
{
    memset(h, 0, sizeof *h);
}

/* XOR byte b into byte position pos of the state (lanes are little-endian). */
static void
absorb_byte(uint64_t st[25], size_t pos, unsigned char b)
{
    st[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

static void
sha3_update(struct sha3 *h, const void *msg, size_t len)
{
    const unsigned char *p = msg;
    for (size_t i = 0; i < len; i++) {
        absorb_byte(h->st, h->pos, p[i]);
        if (++h->pos == SHA3_RATE) {
            keccak_f1600(h->st);
            h->pos = 0;
        }
    }
}

static void
sha3_final(struct sha3 *h, unsigned char out[32])
{
    absorb_byte(h->st, h->pos, 0x06);        /* SHA-3 domain bits 01, then pad10*1's first 1 */
    absorb_byte(h->st, SHA3_RATE - 1, 0x80); /* pad10*1's last 1 (the same byte when pos = 135) */
    keccak_f1600(h->st);
    for (size_t i = 0; i < 32; i++) {
        out[i] = (unsigned char)(h->st[i / 8] >> (8 * (i % 8)));
    }
}

void
onion_sha3_256(const void *msg, size_t len, unsigned char out[32])
{
    struct sha3 h;
    sha3_init(&h);
    sha3_update(&h, msg, len);
    sha3_final(&h, out);
}

/* ---- v3 addresses ------------------------------------------------------------------------ */

/* The 5-bit value of an RFC 4648 base32 character (either case), or -1. */
static int
b32_value(char c)
{
    char l = lw_ascii_lower(c);
    if (l >= 'a' && l <= 'z') {
        return l - 'a';
    }
    if (l >= '2' && l <= '7') {
        return l - '2' + 26;
    }
    return -1;
}

/* Decode exactly 56 base32 characters into 35 bytes (280 bits: no partial byte is left over). */
static bool
b32_decode_label(const char *s, unsigned char out[ONION_RAW_LEN])
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;

    for (size_t i = 0; i < ONION_LABEL_LEN; i++) {
        int v = b32_value(s[i]);
        if (v < 0) {
            return false;
        }
        acc = ((acc << 5) | (uint32_t)v) & 0xfffU; /* at most 12 live bits */
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n == ONION_RAW_LEN;
}

/* True when s ends in suffix, ASCII case ignored. */
static bool
ends_with_ci(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lw_ascii_lower(s[len - n + i]) != suffix[i]) {
            return false;
        }
    }
    return true;
}

bool
onion_is_onion_host(const char *host)
{
    if (host == NULL) {
        return false;
    }
    size_t len = strlen(host);
    if (len > 0 && host[len - 1] == '.') {
        len--; /* the root label: "X.onion." is the same name */
    }
    return ends_with_ci(host, len, onion_suffix);
}

/* Subdomain labels before the address: each 1–63 letters, digits or hyphens. */
static bool
subdomains_ok(const char *s, size_t len)
{
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
        } else if (lw_ascii_is_alnum(s[i]) || s[i] == '-') {
            if (++label > LABEL_MAX) {
                return false;
            }
        } else {
            return false;
        }
    }
    return label > 0;
}

bool
onion_v3_valid(const char *host)
{
    static const char prefix[] = ".onion checksum";
    unsigned char raw[ONION_RAW_LEN], msg[sizeof prefix - 1 + 33], sum[32];

    if (host == NULL) {
        return false;
    }
    size_t len = strlen(host);
    if (len > HOST_MAX || !ends_with_ci(host, len, onion_suffix)) {
        return false;
    }
    size_t end = len - (sizeof onion_suffix - 1); /* the address label ends here */
    if (end < ONION_LABEL_LEN) {
        return false;
    }
    size_t start = end - ONION_LABEL_LEN;
    if (start > 0 && (host[start - 1] != '.' || !subdomains_ok(host, start - 1))) {
        return false; /* a longer label ("v2" or junk), or a malformed subdomain */
    }
    if (!b32_decode_label(host + start, raw) || raw[34] != 3) {
        return false;
    }
    memcpy(msg, prefix, sizeof prefix - 1);
    memcpy(msg + sizeof prefix - 1, raw, 32); /* pubkey */
    msg[sizeof msg - 1] = raw[34];            /* version */
    onion_sha3_256(msg, sizeof msg, sum);
    return sum[0] == raw[32] && sum[1] == raw[33];
}

/* ---- hosts and SOCKS usernames ----------------------------------------------------------- */

bool
onion_url_host(const char *url, char *out, size_t cap)
{
    CURLU *u = NULL;
    char *scheme = NULL, *host = NULL;
    bool ok = false;

    if (cap > 0) {
        out[0] = '\0';
    }
    if (url == NULL || cap == 0) {
        return false;
    }
    u = curl_url();
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        goto out;
    }
    /* CURLU lower-cases the scheme; it does not guess one (no CURLU_GUESS_SCHEME). */
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        goto out;
    }
    size_t n = strlen(host);
    if (n == 0 || n >= cap) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = lw_ascii_lower(host[i]);
    }
    out[n] = '\0';
    ok = true;
out:
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok;
}

/* host's length without ":port" ("[v6]:port" keeps the brackets; a bare v6 stays whole). */
static size_t
host_len_without_port(const char *host)
{
    size_t len = strlen(host);
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        return close != NULL ? (size_t)(close - host) + 1 : len;
    }
    const char *colon = strchr(host, ':');
    if (colon != NULL && strchr(colon + 1, ':') == NULL) {
        return (size_t)(colon - host);
    }
    return len;
}

/* 16 hex digits of SHA3-256 of host[0..len) lower-cased, into out (no terminator). */
static void
host_digest_hex(const char *host, size_t len, char out[USER_HASH_HEX])
{
    static const char hex[] = "0123456789abcdef";
    struct sha3 h;
    unsigned char sum[32];

    sha3_init(&h);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)lw_ascii_lower(host[i]);
        sha3_update(&h, &c, 1);
    }
    sha3_final(&h, sum);
    for (size_t i = 0; i < USER_HASH_HEX / 2; i++) {
        out[2 * i] = hex[sum[i] >> 4];
        out[2 * i + 1] = hex[sum[i] & 15];
    }
}

void
onion_socks_user(const char *host, char *out, size_t cap)
{
    static const char pre[] = "lw-";
    const size_t plen = sizeof pre - 1;

    if (cap == 0) {
        return;
    }
    size_t limit = cap - 1 < SOCKS_USER_MAX ? cap - 1 : SOCKS_USER_MAX;
    size_t hlen = host != NULL ? host_len_without_port(host) : 0;
    size_t n = 0;
    for (; n < plen && n < limit; n++) {
        out[n] = pre[n];
    }
    /* Too long to spell out (a SOCKS username has at most 255 bytes): a prefix of the host, "-",
     * and 64 bits of SHA3 of the whole host keep the name stable per site and distinct between
     * sites. With no room even for that (cap < 21), the host is cut: callers pass 256. */
    bool digest = plen + hlen > limit && limit >= plen + 1 + USER_HASH_HEX;
    size_t keep = hlen;
    if (digest) {
        keep = limit - plen - 1 - USER_HASH_HEX;
    } else if (n + keep > limit) {
        keep = limit - n;
    }
    for (size_t i = 0; i < keep; i++) {
        out[n++] = lw_ascii_lower(host[i]);
    }
    if (digest) {
        out[n++] = '-';
        host_digest_hex(host, hlen, out + n);
        n += USER_HASH_HEX;
    }
    out[n] = '\0';
}
