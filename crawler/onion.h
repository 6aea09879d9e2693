/*
 * crawler/onion.h — Tor onion addresses and per-site circuit isolation.
 *
 * A v3 onion address is base32(PUBKEY[32] ‖ CHECKSUM[2] ‖ VERSION[1]) + ".onion", 56 characters,
 * CHECKSUM = SHA3-256(".onion checksum" ‖ PUBKEY ‖ VERSION)[:2], VERSION = 3 (Tor rend-spec-v3
 * §6). Checked before a URL is queued: a typo or a forged link never reaches Tor.
 */
#ifndef LW_CRAWLER_ONION_H
#define LW_CRAWLER_ONION_H

#include <stdbool.h>
#include <stddef.h>

/* The host of url ("http://abc.onion:8080/x" → "abc.onion"), lower-cased, into out (NUL-terminated);
 * false when url has no http(s) host or it does not fit. */
bool onion_url_host(const char *url, char *out, size_t cap);

/* True when host ends in ".onion" (case-insensitive; subdomains allowed: "www.X.onion"). */
bool onion_is_onion_host(const char *host);

/* True when host is a valid v3 onion address (subdomains allowed), checksum and version checked. */
bool onion_v3_valid(const char *host);

/* SHA3-256 (FIPS 202), exposed for its own test. */
void onion_sha3_256(const void *msg, size_t len, unsigned char out[32]);

/*
 * The SOCKS username that isolates a site's circuits (Tor IsolateSOCKSAuth): "lw-" + the site
 * (host, lower-cased, without port) — stable per site, different between sites. Written to out.
 */
void onion_socks_user(const char *host, char *out, size_t cap);

#endif
