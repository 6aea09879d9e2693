/*
 * cli/enroll_http.c — server mode of `leakwatch enroll`: blind enrollment over the HTTP API
 * (api/README.md), the plaintext never leaving the clinic's machine.
 *
 * Inputs are blinded one by one as enroll_read() produces them (oprf_blind: a fresh random blind
 * each) into a batch of up to --batch elements. A full batch is POSTed to /v1/oprf/evaluate as
 * {"blinded": [base64…]}; the answer must hold exactly as many evaluated elements, in order; each
 * is finalised with its input and blind (oprf_finalize) and the first 32 bytes of the output become
 * a watchlist row. Inputs and blinds wait in sodium_malloc'ed memory (guarded, locked where the
 * system allows) and are wiped once their batch is finalised. After the last batch all rows go up
 * in one PUT /v1/watchlist?mode=…, built in a buffer bounded by the server's body limit.
 *
 * HTTP: libcurl easy handle kept across requests (one connection), http and https only, no
 * redirects, TLS verified (LEAKWATCH_CA_FILE for a private CA), the proxy environment ignored
 * (the server is the operator's, not a crawled site), connect and total timeouts. A 429 is waited
 * out when its Retry-After is short (saying so on stderr), a few times; any other error stops
 * enrollment with the server's error code and message. Responses are read with the strict JSON
 * reader (common/json.h) into a bounded buffer.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/enroll.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/escape.h"
#include "common/json.h"
#include "common/log.h"
#include "common/num.h"
#include "storage/oprf.h"

#define CONNECT_TIMEOUT_MS 10000L
#define EVALUATE_TIMEOUT_MS 120000L
#define PUT_TIMEOUT_MS 600000L
#define RESPONSE_MAX (4u << 20)
#define PUT_BODY_MAX (128u << 20) /* the server's watchlist body limit */
#define RETRIES_MAX 5
#define RETRY_WAIT_MAX 120 /* seconds; a longer Retry-After fails at once */
#define B64_LEN 45         /* sodium_base64_ENCODED_LEN(32, ORIGINAL) */

/* What must not leak: the batch's inputs and blinds. */
struct batch_secret {
    uint8_t input[ENROLL_BATCH_MAX][ID_OPRF_INPUT_MAX];
    size_t len[ENROLL_BATCH_MAX];
    uint8_t blind[ENROLL_BATCH_MAX][OPRF_SCALAR_BYTES];
};

struct enroll_remote {
    const struct enroll_opts *o;
    struct enroll_rows *rows;
    CURL *curl;
    struct curl_slist *headers;
    char *ca_file;
    struct batch_secret *sec;
    uint8_t blinded[ENROLL_BATCH_MAX][OPRF_ELEMENT_BYTES];
    uint8_t kind[ENROLL_BATCH_MAX];
    char ref[ENROLL_BATCH_MAX][WATCH_REF_MAX + 1];
    size_t n;
    uint64_t evaluations;
    uint32_t retry_after;
    char errbuf[CURL_ERROR_SIZE];
};

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (cc == CURLE_OK) {                                                                      \
            cc = curl_easy_setopt(c->curl, (opt), (val));                                          \
        }                                                                                          \
    } while (0)

enum lw_rc
enroll_remote_open(const struct enroll_opts *o, struct enroll_rows *rows,
                   struct enroll_remote **out, struct lw_error *err)
{
    struct enroll_remote *c = lw_xcalloc(1, sizeof(*c));
    struct lw_buf auth;
    const char *ca = getenv("LEAKWATCH_CA_FILE");

    *out = NULL;
    c->o = o;
    c->rows = rows;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c->curl = curl_easy_init()) == NULL) {
        free(c);
        return lw_error_set(err, LW_ERR_INTERNAL, "libcurl failed to initialise");
    }
    c->sec = sodium_malloc(sizeof(*c->sec));
    if (c->sec == NULL) {
        enroll_remote_free(c);
        return lw_error_set(err, LW_ERR_INTERNAL, "out of secure memory for the batch");
    }
    c->ca_file = ca != NULL && ca[0] != '\0' ? lw_xstrdup(ca) : NULL;
    lw_buf_init(&auth, 4096);
    lw_buf_printf(&auth, "Authorization: Bearer %s", o->token);
    c->headers = curl_slist_append(NULL, auth.data);
    c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, "Accept: application/json");
    c->headers = curl_slist_append(c->headers, "Expect:");
    lw_buf_free(&auth);
    *out = c;
    return LW_OK;
}

void
enroll_remote_free(struct enroll_remote *c)
{
    if (c == NULL) {
        return;
    }
    if (c->sec != NULL) {
        sodium_free(c->sec); /* wipes */
    }
    curl_slist_free_all(c->headers); /* the token: libcurl frees, it cannot wipe */
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
    }
    free(c->ca_file);
    free(c);
}

uint64_t
enroll_remote_evaluations(const struct enroll_remote *c)
{
    return c->evaluations;
}

static size_t
on_body(char *p, size_t size, size_t n, void *user)
{
    struct lw_buf *b = user;

    return lw_buf_append(b, p, n) == LW_OK ? n * size : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *user)
{
    struct enroll_remote *c = user;
    struct lw_slice h = lw_slice_make(p, n * size), name, value;
    uint64_t secs = 0;

    value = lw_slice_split(h, ':', &name);
    if (value.p != NULL && lw_slice_eq_ci(lw_slice_trim(name), LW_SLICE_LIT("Retry-After")) &&
        lw_parse_u64(lw_slice_trim(value), 0, 86400, &secs) == LW_OK) {
        c->retry_after = (uint32_t)secs;
    }
    return n * size;
}

/* The server's {"error": {"code", "message"}} as an LW_ERR_NET message. */
static enum lw_rc
server_error(long status, const struct lw_buf *resp, struct lw_error *err)
{
    struct lw_json_doc *doc = NULL;
    struct lw_slice code = LW_SLICE_LIT("?"), msg = LW_SLICE_LIT("");
    struct lw_buf b;

    if (resp->len > 0 && lw_json_parse(resp->data, resp->len, NULL, &doc, NULL) == LW_OK) {
        const struct lw_json *e = lw_json_get(lw_json_root(doc), "error");
        (void)lw_json_string(lw_json_get(e, "code"), &code);
        (void)lw_json_string(lw_json_get(e, "message"), &msg);
    }
    lw_buf_init(&b, 1024);
    lw_escape(&b, code, LW_ESCAPE_TEXT);
    lw_buf_append_str(&b, ": ");
    lw_escape(&b, msg, LW_ESCAPE_TEXT);
    lw_error_set(err, LW_ERR_NET, "the server answered %ld %s", status, b.data);
    lw_buf_free(&b);
    lw_json_free(doc);
    return LW_ERR_NET;
}

/* One request; *status gets the HTTP status (LW_OK whatever it is), resp the body. */
static enum lw_rc
request(struct enroll_remote *c, const char *method, const char *path, const struct lw_buf *body,
        long timeout_ms, long *status, struct lw_buf *resp, struct lw_error *err)
{
    struct lw_buf url;
    CURLcode cc = CURLE_OK;

    lw_buf_init(&url, 8192);
    lw_buf_printf(&url, "%s%s", c->o->server, path);
    c->retry_after = 0;
    c->errbuf[0] = '\0';
    curl_easy_reset(c->curl);
    SET(CURLOPT_URL, url.data);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOPROXY, "*");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file != NULL) {
        SET(CURLOPT_CAINFO, c->ca_file);
    }
    SET(CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    SET(CURLOPT_TIMEOUT_MS, timeout_ms);
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
    SET(CURLOPT_HTTPHEADER, c->headers);
    SET(CURLOPT_CUSTOMREQUEST, method);
    SET(CURLOPT_POSTFIELDS, body->data);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, resp);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, c);
    if (cc == CURLE_OK) {
        cc = curl_easy_perform(c->curl);
    }
    if (cc != CURLE_OK) {
        lw_error_set(err, LW_ERR_NET, "cannot %s %s: %s", method, url.data,
                     c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
        lw_buf_free(&url);
        return LW_ERR_NET;
    }
    lw_buf_free(&url);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
    return LW_OK;
}

static void
batch_body(const struct enroll_remote *c, struct lw_buf *b)
{
    char b64[B64_LEN];

    lw_buf_append_str(b, "{\"suite\":\"ristretto255-SHA512\",\"blinded\":[");
    for (size_t i = 0; i < c->n; i++) {
        sodium_bin2base64(b64, sizeof(b64), c->blinded[i], OPRF_ELEMENT_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        lw_buf_printf(b, "%s\"%s\"", i > 0 ? "," : "", b64);
    }
    lw_buf_append_str(b, "]}");
}

/* Finalise every element of a 200 answer into rows. */
static enum lw_rc
finalize_batch(struct enroll_remote *c, const struct lw_buf *resp, struct lw_error *err)
{
    struct lw_json_doc *doc = NULL;
    const struct lw_json *ev, *e;
    enum lw_rc rc;
    size_t i = 0;

    rc = lw_json_parse(resp->data, resp->len, NULL, &doc, err);
    if (rc != LW_OK) {
        lw_error_prefix(err, "the server's evaluate answer is not JSON");
        return LW_ERR_NET;
    }
    ev = lw_json_get(lw_json_root(doc), "evaluated");
    if (lw_json_type(ev) != LW_JSON_ARRAY || lw_json_count(ev) != c->n) {
        rc = lw_error_set(err, LW_ERR_NET, "the server's evaluate answer does not hold %zu "
                          "elements", c->n);
    }
    for (e = lw_json_first(ev); rc == LW_OK && e != NULL; e = lw_json_next(e), i++) {
        uint8_t el[OPRF_ELEMENT_BYTES], outp[OPRF_OUTPUT_BYTES];
        struct lw_slice s;
        size_t bl = 0;
        if (!lw_json_string(e, &s) ||
            sodium_base642bin(el, sizeof(el), s.p, s.len, NULL, &bl, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 || bl != sizeof(el) ||
            oprf_finalize(c->sec->input[i], c->sec->len[i], c->sec->blind[i], el, outp) != LW_OK) {
            rc = lw_error_set(err, LW_ERR_NET, "the server's evaluated element %zu is invalid", i);
            break;
        }
        rc = enroll_rows_add(c->rows, (enum id_kind)c->kind[i], outp, c->ref[i], err);
        sodium_memzero(outp, sizeof(outp));
    }
    lw_json_free(doc);
    return rc;
}

enum lw_rc
enroll_remote_flush(struct enroll_remote *c, struct lw_error *err)
{
    struct lw_buf body, resp;
    enum lw_rc rc = LW_OK;
    long status = 0;

    if (c->n == 0) {
        return LW_OK;
    }
    lw_buf_init(&body, 64 + c->n * (B64_LEN + 3));
    lw_buf_init(&resp, RESPONSE_MAX);
    batch_body(c, &body);
    for (int attempt = 0; rc == LW_OK; attempt++) {
        lw_buf_reset(&resp);
        rc = request(c, "POST", "/v1/oprf/evaluate", &body, EVALUATE_TIMEOUT_MS, &status, &resp,
                     err);
        if (rc != LW_OK || status != 429) {
            break;
        }
        if (attempt == RETRIES_MAX || c->retry_after > RETRY_WAIT_MAX) {
            rc = server_error(status, &resp, err);
            lw_error_prefix(err, "rate limited (Retry-After: %u s, %d retries)", c->retry_after,
                            attempt);
            break;
        }
        unsigned wait = c->retry_after > 0 ? c->retry_after : 1;
        lw_warn("enroll", "the server's rate limit: waiting %u s before retrying (%d of %d)",
                wait, attempt + 1, RETRIES_MAX);
        sleep(wait);
    }
    if (rc == LW_OK && status != 200) {
        rc = server_error(status, &resp, err);
    }
    if (rc == LW_OK) {
        rc = finalize_batch(c, &resp, err);
    }
    if (rc == LW_OK) {
        c->evaluations += c->n;
    }
    sodium_memzero(c->sec, sizeof(*c->sec));
    c->n = 0;
    lw_buf_free(&body);
    lw_buf_free(&resp);
    return rc;
}

enum lw_rc
enroll_remote_sink(void *user, enum id_kind kind, const uint8_t *input, size_t len,
                   const char *ref, struct lw_error *err)
{
    struct enroll_remote *c = user;
    size_t i = c->n;

    if (len > ID_OPRF_INPUT_MAX) {
        return lw_error_set(err, LW_ERR_INTERNAL, "OPRF input too long");
    }
    memcpy(c->sec->input[i], input, len);
    c->sec->len[i] = len;
    if (oprf_blind(input, len, c->sec->blind[i], c->blinded[i]) != LW_OK) {
        return lw_error_set(err, LW_ERR_CRYPTO, "blinding failed");
    }
    c->kind[i] = (uint8_t)kind;
    memcpy(c->ref[i], ref, strlen(ref) + 1);
    c->n++;
    return c->n == c->o->batch ? enroll_remote_flush(c, err) : LW_OK;
}

static enum lw_rc
rows_body(const struct enroll_rows *rows, struct lw_buf *b, struct lw_error *err)
{
    char b64[B64_LEN];
    enum lw_rc rc = lw_buf_append_str(b, "{\"rows\":[");

    for (size_t i = 0; rc == LW_OK && i < rows->n; i++) {
        const struct watch_row *w = &rows->v[i];
        sodium_bin2base64(b64, sizeof(b64), w->hash, WATCH_HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        rc = lw_buf_printf(b, "%s{\"hash\":\"%s\",\"kind\":\"%s\",\"ref\":\"", i > 0 ? "," : "",
                           b64, identifiers_kind((enum id_kind)w->kind)->name);
        rc = rc == LW_OK ? lw_escape(b, lw_slice_cstr(w->ref), LW_ESCAPE_JSON) : rc;
        rc = rc == LW_OK ? lw_buf_append_str(b, "\"}") : rc;
    }
    rc = rc == LW_OK ? lw_buf_append_str(b, "]}") : rc;
    if (rc != LW_OK) {
        return lw_error_set(err, LW_ERR_USAGE, "the watchlist upload is over the server's %u MiB "
                            "limit: split the export and enroll the parts with --mode add",
                            PUT_BODY_MAX >> 20);
    }
    return LW_OK;
}

static bool
get_count(const struct lw_json *root, const char *key, uint64_t *out)
{
    int64_t v = 0;

    if (!lw_json_int(lw_json_get(root, key), 0, INT64_MAX, &v)) {
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

enum lw_rc
enroll_remote_put(struct enroll_remote *c, const struct enroll_rows *rows, enum watch_mode mode,
                  struct watch_result *res, struct lw_error *err)
{
    struct lw_buf body, resp;
    struct lw_json_doc *doc = NULL;
    long status = 0;
    enum lw_rc rc;

    lw_buf_init(&body, PUT_BODY_MAX);
    lw_buf_init(&resp, RESPONSE_MAX);
    rc = rows_body(rows, &body, err);
    if (rc == LW_OK) {
        rc = request(c, "PUT", mode == WATCH_ADD ? "/v1/watchlist?mode=add"
                                                 : "/v1/watchlist?mode=replace",
                     &body, PUT_TIMEOUT_MS, &status, &resp, err);
    }
    if (rc == LW_OK && status != 200) {
        rc = server_error(status, &resp, err);
    }
    if (rc == LW_OK && lw_json_parse(resp.data, resp.len, NULL, &doc, NULL) == LW_OK) {
        const struct lw_json *r = lw_json_root(doc);
        if (!get_count(r, "rows", &res->rows) || !get_count(r, "added", &res->added) ||
            !get_count(r, "removed", &res->removed) || !get_count(r, "kept", &res->kept) ||
            !get_count(r, "alerts", &res->alerts)) {
            rc = lw_error_set(err, LW_ERR_NET, "the server's watchlist answer lacks its counts");
        }
    } else if (rc == LW_OK) {
        rc = lw_error_set(err, LW_ERR_NET, "the server's watchlist answer is not JSON");
    }
    lw_json_free(doc);
    lw_buf_free(&body);
    lw_buf_free(&resp);
    return rc;
}
