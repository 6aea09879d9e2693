/*
 * crawler/fetch_attempt.c — one transfer of the fetcher (see fetch.c, fetch_int.h): the easy handle
 * and its options, the callbacks that cap bodies, what a finished transfer came to, whether and
 * when to try again; the error names and the proxy preflight of fetch.h.
 *
 * Options: the request's socks5h:// proxy, or "" for none so that no http_proxy/ALL_PROXY from the
 * environment leaks in; NOPROXY "" so that a NO_PROXY from the environment cannot bypass the proxy;
 * socks_user as the SOCKS username (password "x") for Tor's IsolateSOCKSAuth; http and https only,
 * redirects included (at most 5); TLS verified; every encoding libcurl has; stall = under 1 byte/s.
 * Connections are reused from the multi handle's cache; libcurl reuses a SOCKS connection only for
 * the same user and password, so isolation holds (the tests check it). Any option libcurl refuses
 * fails the attempt: several of them are what keeps the crawler inside Tor.
 *
 * Callbacks. The header callback resets the per-response state at every status line, so ETag,
 * Last-Modified, Retry-After and the body always belong to the last redirect hop. The write
 * callback keeps only 2xx bodies, in a bounded buffer (max_body_bytes, decompressed), and checks
 * libcurl's count of body bytes off the wire against max_wire_bytes; the progress callback checks
 * that count too, for streams that inflate to nothing. Hitting either cap aborts the transfer at
 * once: that is what stops a gzip bomb. MAXFILESIZE refuses a declared Content-Length over the wire
 * cap before the body starts (libcurl 7.88's MAXFILESIZE does not stop a transfer in progress).
 *
 * Errors: the CURLcode, the HTTP status and CURLINFO_PROXY_ERROR give one class. libcurl 7.88
 * folds Tor's extended SOCKS replies 0xF0–0xF7 into CURLPX_REPLY_UNASSIGNED; the number is only
 * in the error text "Can't complete SOCKS5 connection to HOST. (240)", read by a strict parser
 * (anything else is FETCH_ERR_OTHER with libcurl's text). Failing to connect to the proxy, or a
 * proxy that breaks off the SOCKS handshake, is proxy_unreachable; a refused SOCKS login is
 * proxy_refused.
 *
 * Retried: timeouts, 5xx, 429, SOCKS 1, 3, 4 and 6, Tor's intro/rendezvous failures 0xF2, 0xF3 and
 * 0xF7, a connection that broke mid-transfer; Tor's 0xF0 (descriptor not found) once — the next
 * attempt asks another HSDir, which helps while descriptors move, but a vanished onion service is
 * the common case and each try costs the Tor network a descriptor fetch. Not retried: other 4xx,
 * connection refused (a closed port stays closed within a cycle), bad addresses, onion auth,
 * protocol, TLS, too large, an unreachable proxy (the crawler stops). Delay: backoff_base·2^k with
 * ±25 % jitter, so crawlers that failed together do not return together; a 429/503 with
 * Retry-After (seconds or HTTP-date) waits what it says instead; both capped at backoff_max.
 *
 * Rejected: reusing easy handles between attempts (curl_easy_reset). A fresh handle costs
 * microseconds beside a Tor round trip and cannot carry state from one request to the next.
 */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/num.h"
#include "common/slice.h"
#include "crawler/fetch.h"
#include "crawler/fetch_int.h"

#define SOCKS_PASSWORD "x"          /* with socks_user: Tor isolates on the pair */
#define RETRY_AFTER_MAX (7 * 86400) /* seconds; beyond that a Retry-After is nonsense */

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK) {                                                                      \
            rc = curl_easy_setopt(e, (opt), (val));                                                \
        }                                                                                          \
    } while (0)

bool
fetch_attempt_curl_init(void)
{
    static bool ready;

    /* Not thread-safe by itself: the first fetcher is made before any thread would be. */
    if (!ready) {
        ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    }
    return ready;
}

static const char *const error_names[FETCH_ERR_COUNT] = {
    [FETCH_ERR_NONE] = "none",
    [FETCH_ERR_PROXY_UNREACHABLE] = "proxy_unreachable",
    [FETCH_ERR_PROXY_REFUSED] = "proxy_refused",
    [FETCH_ERR_NET_UNREACHABLE] = "net_unreachable",
    [FETCH_ERR_HOST_UNREACHABLE] = "host_unreachable",
    [FETCH_ERR_CONN_REFUSED] = "conn_refused",
    [FETCH_ERR_TTL_EXPIRED] = "ttl_expired",
    [FETCH_ERR_ONION_NOT_FOUND] = "onion_not_found",
    [FETCH_ERR_ONION_INVALID] = "onion_invalid",
    [FETCH_ERR_ONION_INTRO_FAILED] = "onion_intro_failed",
    [FETCH_ERR_ONION_REND_FAILED] = "onion_rend_failed",
    [FETCH_ERR_ONION_AUTH] = "onion_auth",
    [FETCH_ERR_BAD_ADDRESS] = "bad_address",
    [FETCH_ERR_ONION_INTRO_TIMEOUT] = "onion_intro_timeout",
    [FETCH_ERR_TIMEOUT] = "timeout",
    [FETCH_ERR_TLS] = "tls",
    [FETCH_ERR_PROTOCOL] = "protocol",
    [FETCH_ERR_TOO_LARGE] = "too_large",
    [FETCH_ERR_HTTP] = "http",
    [FETCH_ERR_RATE_LIMITED] = "rate_limited",
    [FETCH_ERR_OTHER] = "other",
};

const char *
fetch_error_name(enum fetch_error e)
{
    if ((unsigned)e >= FETCH_ERR_COUNT) {
        return "other";
    }
    return error_names[e];
}

/* SOCKS5 replies (RFC 1928 §6) and Tor's ExtendedErrors (socks-extensions.txt), worded as there. */
static const char *
socks_text(int reply)
{
    static const char *const rfc[] = {
        "",
        "general SOCKS server failure",
        "connection not allowed by ruleset",
        "network unreachable",
        "host unreachable",
        "connection refused",
        "TTL expired",
        "command not supported",
        "address type not supported",
    };
    static const char *const tor[] = {
        "onion service descriptor can not be found",
        "onion service descriptor is invalid",
        "onion service introduction failed",
        "onion service rendezvous failed",
        "onion service missing client authorization",
        "onion service wrong client authorization",
        "onion service invalid address",
        "onion service introduction timed out",
    };

    if (reply >= 1 && reply <= 8) {
        return rfc[reply];
    }
    if (reply >= 0xF0 && reply <= 0xF7) {
        return tor[reply - 0xF0];
    }
    return "unknown reply";
}

enum fetch_error
fetch_error_from_socks(int reply)
{
    switch (reply) {
    case 1:
    case 2:
    case 7: /* command not supported: the proxy will not do what we ask */
        return FETCH_ERR_PROXY_REFUSED;
    case 3: return FETCH_ERR_NET_UNREACHABLE;
    case 4: return FETCH_ERR_HOST_UNREACHABLE;
    case 5: return FETCH_ERR_CONN_REFUSED;
    case 6: return FETCH_ERR_TTL_EXPIRED;
    case 8: return FETCH_ERR_BAD_ADDRESS;
    case 0xF0: return FETCH_ERR_ONION_NOT_FOUND;
    case 0xF1: return FETCH_ERR_ONION_INVALID;
    case 0xF2: return FETCH_ERR_ONION_INTRO_FAILED;
    case 0xF3: return FETCH_ERR_ONION_REND_FAILED;
    case 0xF4:
    case 0xF5: return FETCH_ERR_ONION_AUTH;
    case 0xF6: return FETCH_ERR_BAD_ADDRESS;
    case 0xF7: return FETCH_ERR_ONION_INTRO_TIMEOUT;
    default: return FETCH_ERR_OTHER;
    }
}

void
fetch_attempt_msg(struct outcome *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(o->msg, sizeof o->msg, fmt, ap);
    va_end(ap);
    /* libcurl's texts quote URLs and schemes a server chose: keep them to one printable line. */
    for (char *p = o->msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
}

void
fetch_attempt_outcome_init(struct outcome *o)
{
    *o = (struct outcome){.error = FETCH_ERR_NONE, .socks = -1, .retry_after = -1};
}

/* A header value we may send back: short, printable, no line breaks. */
static bool
header_value_ok(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f) {
            return false;
        }
    }
    return n > 0 && n < FETCH_HDR_VALUE_MAX;
}

long
fetch_attempt_ms(double seconds)
{
    if (!(seconds > 0)) {
        return 0;
    }
    if (seconds > (double)(LONG_MAX / 2000)) {
        return LONG_MAX / 2;
    }
    return (long)ceil(seconds * 1000.0);
}

/* ---- one attempt: the easy handle and its callbacks ------------------------------------------ */

static void
keep_value(char *dst, struct lw_slice v)
{
    dst[0] = '\0';
    if (v.len == 0 || v.len >= FETCH_HDR_VALUE_MAX) {
        return;
    }
    for (size_t i = 0; i < v.len; i++) {
        if ((unsigned char)v.p[i] < 0x20 || v.p[i] == 0x7f) {
            return;
        }
    }
    memcpy(dst, v.p, v.len);
    dst[v.len] = '\0';
}

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); seconds from now, or -1. */
static double
retry_after_of(struct lw_slice v)
{
    uint64_t secs;
    char date[64];
    time_t t;

    if (lw_parse_u64(v, 0, RETRY_AFTER_MAX, &secs) == LW_OK) {
        return (double)secs;
    }
    if (v.len == 0 || v.len >= sizeof date) {
        return -1;
    }
    memcpy(date, v.p, v.len);
    date[v.len] = '\0';
    t = curl_getdate(date, NULL);
    if (t == (time_t)-1) {
        return -1;
    }
    return fmin(fmax(difftime(t, time(NULL)), 0), RETRY_AFTER_MAX);
}

/* A new response (a status line): what we kept of the one before belongs to a redirect hop. */
static void
response_reset(struct xfer *x)
{
    x->etag[0] = '\0';
    x->last_modified[0] = '\0';
    x->retry_after = -1;
    lw_buf_reset(&x->body);
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    struct lw_slice line, name, value;
    size_t total;

    if (!lw_size_mul(size, n, &total)) {
        return 0;
    }
    line = lw_slice_trim(lw_slice_make(p, total));
    if (lw_slice_starts_with(line, LW_SLICE_LIT("HTTP/"))) {
        response_reset(x);
        return total;
    }
    value = lw_slice_split(line, ':', &name);
    if (value.p == NULL) {
        return total;
    }
    value = lw_slice_trim(value);
    if (lw_slice_eq_ci(name, LW_SLICE_LIT("ETag"))) {
        keep_value(x->etag, value);
    } else if (lw_slice_eq_ci(name, LW_SLICE_LIT("Last-Modified"))) {
        keep_value(x->last_modified, value);
    } else if (lw_slice_eq_ci(name, LW_SLICE_LIT("Retry-After"))) {
        x->retry_after = retry_after_of(value);
    }
    return total;
}

/* Over the compressed cap? libcurl counts body bytes as read, before decoding. */
static bool
wire_over(struct xfer *x, curl_off_t dlnow)
{
    if (dlnow > 0 && (uint64_t)dlnow > (uint64_t)x->o->max_wire_bytes) {
        x->wire_cap = true;
    }
    return x->wire_cap;
}

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    curl_off_t dl = 0;
    long status = 0;
    size_t total;

    if (!lw_size_mul(size, n, &total)) {
        return 0;
    }
    curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &dl);
    if (wire_over(x, dl)) {
        return 0;
    }
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        return total; /* an error page: read (the connection stays usable), not kept */
    }
    if (lw_buf_append(&x->body, p, total) != LW_OK) {
        x->body_cap = true;
        return 0;
    }
    return total;
}

static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    return wire_over(ud, dlnow) ? 1 : 0;
}

/* Add "name: value" to the request headers, unless value is NULL or unfit to send (then true). */
static bool
add_header(struct xfer *x, const char *name, const char *value)
{
    struct lw_buf b;
    struct curl_slist *l = NULL;

    if (value == NULL || !header_value_ok(value)) {
        return true;
    }
    lw_buf_init(&b, 2 * FETCH_HDR_VALUE_MAX);
    if (lw_buf_printf(&b, "%s: %s", name, value) == LW_OK) {
        l = curl_slist_append(x->headers, b.data);
    }
    lw_buf_free(&b);
    if (l != NULL) {
        x->headers = l;
    }
    return l != NULL;
}

/* Every option matters for safety (protocols, proxy), so any refusal fails the attempt. */
static CURLcode
easy_setup(struct xfer *x)
{
    const struct fetch_opts *o = x->o;
    const struct req *r = x->req;
    CURL *e = x->easy;
    CURLcode rc = CURLE_OK;
    uint64_t wire = o->max_wire_bytes;

    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_PRIVATE, (void *)x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, 5L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_USERAGENT, o->user_agent);
    SET(CURLOPT_CONNECTTIMEOUT_MS, fetch_attempt_ms(o->connect_timeout));
    SET(CURLOPT_TIMEOUT_MS, fetch_attempt_ms(o->total_timeout));
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, (fetch_attempt_ms(o->stall_timeout) + 999) / 1000);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(wire < INT64_MAX ? wire : INT64_MAX));
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)x);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)x);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, (void *)x);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_HTTPHEADER, x->headers);
    /* "" is no proxy at all: http_proxy/ALL_PROXY from the environment cannot leak in, and
     * NOPROXY "" makes a NO_PROXY from the environment powerless when a proxy is set. */
    SET(CURLOPT_PROXY, r->proxy != NULL ? r->proxy : "");
    SET(CURLOPT_NOPROXY, "");
    if (r->proxy != NULL && r->socks_user != NULL) {
        SET(CURLOPT_PROXYUSERNAME, r->socks_user);
        SET(CURLOPT_PROXYPASSWORD, SOCKS_PASSWORD);
    }
    return rc;
}

void
fetch_attempt_free(struct xfer *x)
{
    if (x == NULL) {
        return;
    }
    if (x->easy != NULL) {
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->headers);
    lw_buf_free(&x->body);
    free(x);
}

struct xfer *
fetch_attempt_new(const struct fetch_opts *opts, struct req *r, struct outcome *out)
{
    struct xfer *x = lw_xcalloc(1, sizeof *x);
    CURLcode rc = CURLE_FAILED_INIT;

    x->o = opts;
    x->req = r;
    x->retry_after = -1;
    lw_buf_init(&x->body, opts->max_body_bytes);
    x->easy = curl_easy_init();
    if (x->easy != NULL && add_header(x, "If-None-Match", r->etag) &&
        add_header(x, "If-Modified-Since", r->last_modified)) {
        rc = easy_setup(x);
    }
    if (rc != CURLE_OK) {
        out->error = FETCH_ERR_OTHER;
        fetch_attempt_msg(out, "libcurl: %s", curl_easy_strerror(rc));
        fetch_attempt_free(x);
        return NULL;
    }
    return x;
}

/* ---- what an attempt came to ----------------------------------------------------------------- */

/* The reply code in libcurl 7.88's "Can't complete SOCKS5 connection to HOST. (240)", or -1 when
 * the text is not exactly that. */
static int
socks_reply_from_text(const char *text)
{
    static const char lead[] = "Can't complete SOCKS5 connection to ";
    size_t n = strlen(text), open;
    uint64_t v;

    if (n < sizeof lead + 4 || memcmp(text, lead, sizeof lead - 1) != 0 || text[n - 1] != ')') {
        return -1;
    }
    open = n - 1;
    while (open > 0 && lw_ascii_is_digit(text[open - 1])) {
        open--;
    }
    if (n - 1 - open > 3 || open < 3 || memcmp(text + open - 3, ". (", 3) != 0 ||
        lw_parse_u64(lw_slice_make(text + open, n - 1 - open), 1, 255, &v) != LW_OK) {
        return -1;
    }
    return (int)v;
}

static int
socks_reply_of(long px, const char *errbuf)
{
    switch (px) {
    case CURLPX_REPLY_GENERAL_SERVER_FAILURE: return 1;
    case CURLPX_REPLY_NOT_ALLOWED: return 2;
    case CURLPX_REPLY_NETWORK_UNREACHABLE: return 3;
    case CURLPX_REPLY_HOST_UNREACHABLE: return 4;
    case CURLPX_REPLY_CONNECTION_REFUSED: return 5;
    case CURLPX_REPLY_TTL_EXPIRED: return 6;
    case CURLPX_REPLY_COMMAND_NOT_SUPPORTED: return 7;
    case CURLPX_REPLY_ADDRESS_TYPE_NOT_SUPPORTED: return 8;
    case CURLPX_REPLY_UNASSIGNED: return socks_reply_from_text(errbuf);
    default: return -1;
    }
}

/* A SOCKS failure that is not a reply code. */
static enum fetch_error
proxy_failure_class(long px)
{
    switch (px) {
    case CURLPX_USER_REJECTED:
    case CURLPX_NO_AUTH:
    case CURLPX_SEND_AUTH:
    case CURLPX_RECV_AUTH:
    case CURLPX_REQUEST_FAILED:
    case CURLPX_IDENTD:
    case CURLPX_IDENTD_DIFFER:
    case CURLPX_GSSAPI:
    case CURLPX_GSSAPI_PERMSG:
    case CURLPX_GSSAPI_PROTECTION: return FETCH_ERR_PROXY_REFUSED;
    case CURLPX_LONG_HOSTNAME:
    case CURLPX_BAD_ADDRESS_TYPE:
    case CURLPX_RESOLVE_HOST: return FETCH_ERR_BAD_ADDRESS;
    case CURLPX_CLOSED:
    case CURLPX_BAD_VERSION:
    case CURLPX_RECV_CONNECT:
    case CURLPX_SEND_CONNECT:
    case CURLPX_SEND_REQUEST:
    case CURLPX_RECV_REQACK:
    case CURLPX_RECV_ADDRESS:
        return FETCH_ERR_PROXY_UNREACHABLE; /* no working SOCKS5 proxy at the other end */
    default: return FETCH_ERR_OTHER;
    }
}

static void
classify_proxy(const struct xfer *x, struct outcome *o)
{
    long px = CURLPX_OK;
    int reply;

    curl_easy_getinfo(x->easy, CURLINFO_PROXY_ERROR, &px);
    reply = socks_reply_of(px, x->errbuf);
    if (reply >= 0xF0) {
        o->socks = reply;
        o->error = fetch_error_from_socks(reply);
        fetch_attempt_msg(o, "SOCKS5 reply 0x%02X: %s", (unsigned)reply, socks_text(reply));
    } else if (reply > 0) {
        o->socks = reply;
        o->error = fetch_error_from_socks(reply);
        fetch_attempt_msg(o, "SOCKS5 reply %d: %s", reply, socks_text(reply));
    } else {
        o->error = proxy_failure_class(px);
        fetch_attempt_msg(o, "SOCKS5 proxy: %s",
                          x->errbuf[0] != '\0' ? x->errbuf : "handshake failed");
    }
}

static enum fetch_error
curl_class(CURLcode code, bool proxied, long os_errno)
{
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        if (proxied) {
            return FETCH_ERR_PROXY_UNREACHABLE;
        }
        return os_errno == ENETUNREACH    ? FETCH_ERR_NET_UNREACHABLE
               : os_errno == EHOSTUNREACH ? FETCH_ERR_HOST_UNREACHABLE
                                          : FETCH_ERR_CONN_REFUSED;
    case CURLE_COULDNT_RESOLVE_PROXY: return FETCH_ERR_PROXY_UNREACHABLE;
    case CURLE_COULDNT_RESOLVE_HOST: return FETCH_ERR_HOST_UNREACHABLE;
    case CURLE_OPERATION_TIMEDOUT: return FETCH_ERR_TIMEOUT;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS: return FETCH_ERR_PROTOCOL;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED: return FETCH_ERR_TLS;
    default: return FETCH_ERR_OTHER;
    }
}

void
fetch_attempt_classify(const struct xfer *x, CURLcode code, struct outcome *o)
{
    long os_errno = 0;

    fetch_attempt_outcome_init(o);
    o->code = code;
    o->retry_after = x->retry_after;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &o->status);
    if (x->body_cap) {
        o->error = FETCH_ERR_TOO_LARGE;
        fetch_attempt_msg(o, "body over %zu bytes (decompressed)", x->o->max_body_bytes);
    } else if (x->wire_cap || code == CURLE_FILESIZE_EXCEEDED) {
        o->error = FETCH_ERR_TOO_LARGE;
        fetch_attempt_msg(o, "body over %zu bytes on the wire", x->o->max_wire_bytes);
    } else if (code == CURLE_OK) {
        o->not_modified = o->status == 304;
        if (!o->not_modified && (o->status < 200 || o->status > 299)) {
            o->error = FETCH_ERR_HTTP;
            fetch_attempt_msg(o, "HTTP %ld", o->status);
        }
    } else if (code == CURLE_PROXY) {
        classify_proxy(x, o);
    } else {
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
        o->error = curl_class(code, x->req->proxy != NULL, os_errno);
        fetch_attempt_msg(o, "%s", x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(code));
    }
}

/* May another attempt pass? (The design comment at the top says why for each.) */
bool
fetch_attempt_retryable(const struct outcome *o, unsigned attempts)
{
    switch (o->error) {
    case FETCH_ERR_HTTP: return o->status == 429 || o->status >= 500;
    case FETCH_ERR_TIMEOUT:
    case FETCH_ERR_NET_UNREACHABLE:
    case FETCH_ERR_HOST_UNREACHABLE:
    case FETCH_ERR_TTL_EXPIRED:
    case FETCH_ERR_ONION_INTRO_FAILED:
    case FETCH_ERR_ONION_REND_FAILED:
    case FETCH_ERR_ONION_INTRO_TIMEOUT: return true;
    case FETCH_ERR_PROXY_REFUSED:
        return o->socks == 1; /* Tor: the service's backend, or an exit, failed; not 2 or 7 */
    case FETCH_ERR_ONION_NOT_FOUND: return attempts < 2;
    case FETCH_ERR_OTHER:
        return o->code == CURLE_RECV_ERROR || o->code == CURLE_SEND_ERROR ||
               o->code == CURLE_GOT_NOTHING || o->code == CURLE_PARTIAL_FILE ||
               o->code == CURLE_HTTP2 || o->code == CURLE_HTTP2_STREAM;
    default: return false;
    }
}

/* Seconds before attempt number attempts+1: Retry-After when a 429/503 gave one, else
 * base·2^(attempts-1) with ±25 % jitter (so crawlers that failed together do not return
 * together); never above backoff_max. */
double
fetch_attempt_delay(const struct fetch_opts *opt, const struct outcome *o, unsigned attempts)
{
    double d;

    if ((o->status == 429 || o->status == 503) && o->retry_after >= 0) {
        d = o->retry_after;
    } else {
        int k = attempts > 1 ? (int)(attempts < 60 ? attempts - 1 : 60) : 0;
        double jitter = 0.75 + 0.5 * ((double)arc4random() / (double)UINT32_MAX);

        d = ldexp(opt->backoff_base, k) * jitter;
    }
    return fmax(fmin(d, opt->backoff_max), 0);
}
/* ---- preflight ----------------------------------------------------------------------------- */

/* "HOST:PORT" of a socks5h:// URL (port 1080 when none is given), or NULL. */
static char *
proxy_authority(const char *proxy_url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    struct lw_buf b;

    lw_buf_init(&b, 1024);
    if (u != NULL && proxy_url != NULL &&
        curl_url_set(u, CURLUPART_URL, proxy_url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        lw_slice_eq_ci(lw_slice_cstr(scheme), LW_SLICE_LIT("socks5h")) &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) {
            port = NULL;
        }
        if (lw_buf_printf(&b, "%s:%s", host, port != NULL ? port : "1080") == LW_OK) {
            out = lw_xstrdup(b.data);
        }
    }
    lw_buf_free(&b);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

static const char *
connect_failure_text(CURLcode code, long os_errno, const char *errbuf)
{
    switch (os_errno) {
    case ECONNREFUSED: return "connection refused";
    case ETIMEDOUT: return "connection timed out";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    default: break;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        return "connection timed out";
    }
    if (code == CURLE_COULDNT_RESOLVE_HOST) {
        return "cannot resolve its host name";
    }
    return errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
}

/* A TCP connection to "http://HOST:PORT/" and nothing more: CONNECT_ONLY sends no byte. */
static CURLcode
connect_only(CURL *e, const char *url, double timeout, char *errbuf)
{
    CURLcode rc = CURLE_OK;

    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http");
    SET(CURLOPT_CONNECT_ONLY, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, fetch_attempt_ms(timeout));
    SET(CURLOPT_TIMEOUT_MS, fetch_attempt_ms(timeout));
    SET(CURLOPT_ERRORBUFFER, errbuf);
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(e);
    }
    return rc;
}

enum lw_rc
fetch_proxy_check(const char *proxy_url, double timeout, struct lw_error *err)
{
    char *where = proxy_authority(proxy_url);
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode rc = CURLE_FAILED_INIT;
    long os_errno = 0;
    struct lw_buf url;
    CURL *e = NULL;
    enum lw_rc ret = LW_OK;

    if (where == NULL) {
        return lw_error_set(err, LW_ERR_PROXY, "proxy %s is not a socks5h://host:port URL",
                            proxy_url != NULL ? proxy_url : "(none)");
    }
    lw_buf_init(&url, 2048);
    if (fetch_attempt_curl_init() && (e = curl_easy_init()) != NULL &&
        lw_buf_printf(&url, "http://%s/", where) == LW_OK) {
        rc = connect_only(e, url.data, timeout, errbuf);
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    }
    if (rc != CURLE_OK) {
        ret = lw_error_set(err, LW_ERR_PROXY, "proxy %s is unreachable: %s", where,
                           connect_failure_text(rc, os_errno, errbuf));
    }
    if (e != NULL) {
        curl_easy_cleanup(e);
    }
    lw_buf_free(&url);
    free(where);
    return ret;
}
