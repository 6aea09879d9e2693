/*
 * crawler/links.h — turning an index page's links into URLs to queue: resolution against the
 * page's URL, scheme and host checks, the raw-URL template.
 */
#ifndef LW_CRAWLER_LINKS_H
#define LW_CRAWLER_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/slice.h"

#define LINKS_URL_MAX 2048

/*
 * Resolve href (as written in the page) against base (the page's effective URL) into an absolute
 * http(s) URL without its fragment, normalised by libcurl (scheme and host lower-cased, dot
 * segments removed). false for what must not be queued: other schemes (javascript:, mailto:,
 * file:, data: …), no host, credentials in the URL, a NUL or control character, longer than
 * LINKS_URL_MAX, or a fragment-only link.
 */
bool links_resolve(const char *base, struct lw_slice href, char *out, size_t cap);

/*
 * Apply a raw-URL template to a paste URL: "{url}" is the URL itself, "{id}" its last non-empty
 * path segment (percent-encoded as it stands), "{origin}" its scheme://host[:port]. Other text is
 * copied. false when the result does not fit, a placeholder is unknown, or {id} is empty.
 * Example: template "{origin}/raw/{id}" and "http://x.onion/paste/abc" → "http://x.onion/raw/abc".
 */
bool links_raw_url(const char *tmpl, const char *url, char *out, size_t cap);

/* True when both URLs have the same host (case-insensitive), ports ignored. */
bool links_same_host(const char *a, const char *b);

#endif
