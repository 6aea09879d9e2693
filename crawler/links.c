/*
 * crawler/links.c — link resolution and the raw-URL template (see links.h).
 *
 * libcurl's URL API does the RFC 3986 work: a handle is set to the base URL, then to the href,
 * which it resolves relative to what it holds (CURLU_NON_SUPPORT_SCHEME off, so only schemes
 * libcurl knows pass, and we then insist on http or https). Rejected: a hand-written resolver —
 * dot segments, scheme-relative "//host" links, query-only links and IPv6 hosts are easy to get
 * subtly wrong, and a wrong resolution queues a URL on a host the source never named.
 */
#include "crawler/links.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "common/ascii.h"

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* ASCII case-insensitive equality (host names). */
static bool
same_fold(const char *a, const char *b)
{
    while (*a != '\0' && lw_ascii_lower(*a) == lw_ascii_lower(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static bool
clean(struct lw_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];

        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return s.len > 0 && s.len <= LINKS_URL_MAX;
}

/* The part of h, or NULL (free with curl_free). */
static char *
part(CURLU *h, CURLUPart what)
{
    char *v = NULL;

    return curl_url_get(h, what, &v, 0) == CURLUE_OK ? v : NULL;
}

static bool
http_scheme(CURLU *h)
{
    char *scheme = part(h, CURLUPART_SCHEME);
    bool ok = scheme != NULL && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);

    curl_free(scheme);
    return ok;
}

static bool
has_credentials(CURLU *h)
{
    char *user = part(h, CURLUPART_USER);
    char *pass = part(h, CURLUPART_PASSWORD);
    bool any = user != NULL || pass != NULL;

    curl_free(user);
    curl_free(pass);
    return any;
}

/* Host names compare case-insensitively: store them lower-cased so one site is one queue entry. */
static bool
lower_host(CURLU *h)
{
    char *host = part(h, CURLUPART_HOST);
    bool ok;

    if (host == NULL) {
        return false;
    }
    for (char *p = host; *p != '\0'; p++) {
        *p = lw_ascii_lower(*p);
    }
    ok = curl_url_set(h, CURLUPART_HOST, host, 0) == CURLUE_OK;
    curl_free(host);
    return ok;
}

bool
links_resolve(const char *base, struct lw_slice href, char *out, size_t cap)
{
    char tmp[LINKS_URL_MAX + 1];
    CURLU *h;
    char *url = NULL;
    bool ok = false;

    while (href.len > 0 && is_space(href.p[0])) {
        href.p++;
        href.len--;
    }
    while (href.len > 0 && is_space(href.p[href.len - 1])) {
        href.len--;
    }
    if (!clean(href) || href.p[0] == '#' || (h = curl_url()) == NULL) {
        return false;
    }
    memcpy(tmp, href.p, href.len);
    tmp[href.len] = '\0';
    if (curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(h, CURLUPART_URL, tmp, 0) == CURLUE_OK && http_scheme(h) &&
        !has_credentials(h) && lower_host(h) &&
        curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        (url = part(h, CURLUPART_URL)) != NULL) {
        size_t n = strlen(url);

        if (n < cap && n <= LINKS_URL_MAX) {
            memcpy(out, url, n + 1);
            ok = true;
        }
    }
    curl_free(url);
    curl_url_cleanup(h);
    return ok;
}

/* The last non-empty path segment of path into seg. */
static bool
last_segment(const char *path, char *seg, size_t cap)
{
    size_t end = strlen(path);
    size_t start;

    while (end > 0 && path[end - 1] == '/') {
        end--;
    }
    start = end;
    while (start > 0 && path[start - 1] != '/') {
        start--;
    }
    if (end == start || end - start >= cap) {
        return false;
    }
    memcpy(seg, path + start, end - start);
    seg[end - start] = '\0';
    return true;
}

/* {url}, {id} and {origin} of url. */
static bool
template_parts(const char *url, char *id, size_t id_cap, char *origin, size_t origin_cap)
{
    CURLU *h = curl_url();
    char *path, *scheme, *host, *port;
    bool ok;

    if (h == NULL || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
        curl_url_cleanup(h);
        return false;
    }
    path = part(h, CURLUPART_PATH);
    scheme = part(h, CURLUPART_SCHEME);
    host = part(h, CURLUPART_HOST);
    port = part(h, CURLUPART_PORT);
    ok = path != NULL && scheme != NULL && host != NULL && last_segment(path, id, id_cap);
    if (ok) {
        int n = port != NULL ? snprintf(origin, origin_cap, "%s://%s:%s", scheme, host, port)
                             : snprintf(origin, origin_cap, "%s://%s", scheme, host);

        ok = n > 0 && (size_t)n < origin_cap;
    }
    curl_free(path);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(h);
    return ok;
}

bool
links_raw_url(const char *tmpl, const char *url, char *out, size_t cap)
{
    char id[LINKS_URL_MAX + 1], origin[LINKS_URL_MAX + 1];
    size_t o = 0;

    if (!template_parts(url, id, sizeof(id), origin, sizeof(origin))) {
        return false;
    }
    for (const char *p = tmpl; *p != '\0';) {
        const char *val = NULL;
        size_t skip = 1, n;

        if (strncmp(p, "{url}", 5) == 0) {
            val = url, skip = 5;
        } else if (strncmp(p, "{id}", 4) == 0) {
            val = id, skip = 4;
        } else if (strncmp(p, "{origin}", 8) == 0) {
            val = origin, skip = 8;
        } else if (*p == '{') {
            return false;
        }
        n = val != NULL ? strlen(val) : 1;
        if (o + n >= cap) {
            return false;
        }
        memcpy(out + o, val != NULL ? val : p, n);
        o += n;
        p += skip;
    }
    out[o] = '\0';
    return o > 0;
}

bool
links_same_host(const char *a, const char *b)
{
    CURLU *ha = curl_url(), *hb = curl_url();
    char *x = NULL, *y = NULL;
    bool same = false;

    if (ha != NULL && hb != NULL && curl_url_set(ha, CURLUPART_URL, a, 0) == CURLUE_OK &&
        curl_url_set(hb, CURLUPART_URL, b, 0) == CURLUE_OK) {
        x = part(ha, CURLUPART_HOST);
        y = part(hb, CURLUPART_HOST);
        same = x != NULL && y != NULL && same_fold(x, y);
    }
    curl_free(x);
    curl_free(y);
    curl_url_cleanup(ha);
    curl_url_cleanup(hb);
    return same;
}
