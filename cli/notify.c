/*
 * cli/notify.c — one alert to one clinic: a signed webhook POST or an e-mail, with libcurl; and
 * the readable text of an alert (for `alerts list` and the e-mail body).
 *
 * Webhook. The body is the claimed row's JSON, byte for byte — the receiver verifies exactly what
 * PostgreSQL built. Headers: the alert id twice (X-Leakwatch-Alert-Id, and Idempotency-Key so a
 * receiver can drop the duplicates at-least-once delivery brings), the timestamp and an Ed25519
 * signature over "<timestamp>.<body>" (a replayed body with a fresh timestamp fails; receivers
 * bound the age). The connection goes straight to the clinic's server, not through Tor: the
 * receiver is the clinic's own, and the alert is not leaked data. So no proxy (the environment's
 * included), no redirects (a 3xx is a failure: a redirect could send the alert elsewhere),
 * http/https only, TLS verified (LEAKWATCH_CA_FILE for a private CA), and at most 64 KiB of
 * response read; past that the transfer stops and the status line decides.
 *
 * E-mail. libcurl's SMTP with STARTTLS when the server offers it (smtp://, CURLUSESSL_TRY; the
 * certificate is verified when TLS is used) or TLS from the start (smtps://). libcurl dot-stuffs
 * the body itself (lines starting with "." are doubled on the wire); the body never starts a line
 * with a dot anyway, as every untrusted string is indented after a label. Headers and body are
 * built from the alert JSON; refs, labels, URLs and names come from outside (a clinic's export, a
 * crawled page) so control characters (C0, DEL, C1, U+2028/9) are removed before they go into a
 * header or the body, and a Subject with non-ASCII text is an RFC 2047 encoded word.
 *
 * Error classes: http_NNN / smtp_NNN from the reply code, else connect, timeout, tls, dns, other
 * from the CURLcode.
 *
 * Rejected: a shared curl multi handle for parallel sends. Deliveries are few, cron runs them,
 * and sequential sends keep the claim → send → record order simple for every row.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/notify.h"
#include "common/alloc.h"
#include "common/escape.h"
#include "common/json.h"
#include "common/slice.h"

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK) {                                                                      \
            rc = curl_easy_setopt(e, (opt), (val));                                                \
        }                                                                                          \
    } while (0)

#define PASSWORD_MAX 1024
#define TEXT_MAX (16u * 1024 * 1024) /* an alert's text: 40,000 refs fit */
#define SUBJECT_SOURCE_MAX 60        /* bytes of the source name in the Subject */

/* ---- settings --------------------------------------------------------------------------------- */

static bool
printable_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return false;
        }
    }
    return true;
}

static char *
env_dup(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? lw_xstrdup(v) : NULL;
}

static enum lw_rc
read_password(const char *path, char **out, struct lw_error *err)
{
    char line[PASSWORD_MAX];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL) {
        return lw_error_set(err, LW_ERR_CONFIG, "LEAKWATCH_SMTP_PASSWORD_FILE: cannot read %s",
                            path);
    }
    line[0] = '\0';
    if (fgets(line, sizeof(line), f) == NULL) {
        line[0] = '\0';
    }
    fclose(f);
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    *out = lw_xstrdup(line);
    sodium_memzero(line, sizeof(line));
    return LW_OK;
}

enum lw_rc
notify_config_from_env(struct notify_config *c, struct lw_error *err)
{
    const char *pw_file = getenv("LEAKWATCH_SMTP_PASSWORD_FILE");
    char host[256] = "";

    *c = (struct notify_config){.timeout_ms = NOTIFY_TIMEOUT_DEFAULT_S * 1000L};
    c->ca_file = env_dup("LEAKWATCH_CA_FILE");
    c->smtp_url = env_dup("LEAKWATCH_SMTP_URL");
    c->smtp_from = env_dup("LEAKWATCH_SMTP_FROM");
    c->smtp_user = env_dup("LEAKWATCH_SMTP_USER");
    if (c->smtp_url != NULL &&
        ((strncmp(c->smtp_url, "smtp://", 7) != 0 && strncmp(c->smtp_url, "smtps://", 8) != 0) ||
         !printable_ascii(c->smtp_url))) {
        return lw_error_set(err, LW_ERR_CONFIG, "LEAKWATCH_SMTP_URL: smtp://HOST[:PORT] or "
                            "smtps://HOST[:PORT], printable ASCII");
    }
    if (c->smtp_from == NULL) {
        if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
            snprintf(host, sizeof(host), "localhost");
        }
        c->smtp_from = lw_xmalloc(strlen(host) + sizeof("leakwatch@"));
        memcpy(c->smtp_from, "leakwatch@", sizeof("leakwatch@") - 1);
        memcpy(c->smtp_from + sizeof("leakwatch@") - 1, host, strlen(host) + 1);
    }
    if (!printable_ascii(c->smtp_from) || strchr(c->smtp_from, '@') == NULL ||
        strlen(c->smtp_from) > 254) {
        return lw_error_set(err, LW_ERR_CONFIG, "LEAKWATCH_SMTP_FROM: an address local@domain, "
                            "ASCII without spaces");
    }
    if (c->smtp_user != NULL && !printable_ascii(c->smtp_user)) {
        return lw_error_set(err, LW_ERR_CONFIG, "LEAKWATCH_SMTP_USER: printable ASCII");
    }
    if (pw_file != NULL && pw_file[0] != '\0') {
        return read_password(pw_file, &c->smtp_password, err);
    }
    return LW_OK;
}

void
notify_config_free(struct notify_config *c)
{
    if (c == NULL) {
        return;
    }
    if (c->smtp_password != NULL) {
        lw_wipe_free(c->smtp_password, strlen(c->smtp_password));
    }
    free(c->ca_file);
    free(c->smtp_url);
    free(c->smtp_from);
    free(c->smtp_user);
    *c = (struct notify_config){0};
}

/* ---- libcurl helpers -------------------------------------------------------------------------- */

static bool
curl_ready(void)
{
    static bool ready;

    if (!ready) {
        ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    }
    return ready;
}

static const char *
error_class(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT: return "connect";
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST: return "dns";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED: return "tls";
    default: return "other";
    }
}

/* Options both channels set: TLS verified, no proxy from the environment, timeouts. */
static CURLcode
common_options(CURL *e, const struct notify_config *c, char *errbuf)
{
    CURLcode rc = CURLE_OK;

    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOPROXY, "");
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, NOTIFY_CONNECT_TIMEOUT_S * 1000L);
    SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
    if (c->ca_file != NULL) {
        SET(CURLOPT_CAINFO, c->ca_file);
    }
    return rc;
}

/* ---- webhook ---------------------------------------------------------------------------------- */

void
notify_sign(const struct keyfile *kf, const char *timestamp, const char *body, size_t len,
            char out[NOTIFY_SIGNATURE_MAX])
{
    uint8_t sig[KEYFILE_SIGNATURE_BYTES];
    struct lw_buf msg;

    lw_buf_init(&msg, SIZE_MAX / 2);
    lw_buf_append_str(&msg, timestamp);
    lw_buf_append_byte(&msg, '.');
    lw_buf_append(&msg, body, len);
    keyfile_sign(kf, (const uint8_t *)msg.data, msg.len, sig);
    lw_buf_free(&msg);
    snprintf(out, NOTIFY_SIGNATURE_MAX, "ed25519=");
    sodium_bin2base64(out + 8, NOTIFY_SIGNATURE_MAX - 8, sig, sizeof(sig),
                      sodium_base64_VARIANT_ORIGINAL);
}

/* The response body: counted, never kept; past the cap the transfer stops. */
static size_t
on_response(char *p, size_t size, size_t n, void *user) /* NOLINT(readability-non-const-parameter):
                                                           libcurl's write callback type */
{
    size_t *seen = user;

    (void)p;
    *seen += n * size;
    return *seen > NOTIFY_RESPONSE_MAX ? 0 : n * size;
}

static struct curl_slist *
webhook_headers(const struct notify_config *c, const struct keyfile *kf,
                const struct alert_delivery *d, time_t now)
{
    char ts[32], sig[NOTIFY_SIGNATURE_MAX], line[256];
    struct curl_slist *h = NULL;

    (void)c;
    snprintf(ts, sizeof(ts), "%lld", (long long)now);
    notify_sign(kf, ts, d->json, strlen(d->json), sig);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    snprintf(line, sizeof(line), "X-Leakwatch-Alert-Id: %s", d->id);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "Idempotency-Key: %s", d->id);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Leakwatch-Timestamp: %s", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Leakwatch-Signature: %s", sig);
    h = curl_slist_append(h, line);
    return h;
}

/* An alert id goes into a header: 36 characters of hex digits and dashes, nothing else. */
static bool
uuid_ok(const char *s)
{
    size_t n = strlen(s);

    return n == 36 && strspn(s, "0123456789abcdefABCDEF-") == n;
}

static void
result_of(CURL *e, CURLcode cc, bool http, struct notify_result *r)
{
    long code = 0;

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    r->status = code > 0 && code < 1000 ? (int)code : 0;
    if (http && r->status >= 200 && r->status < 300 &&
        (cc == CURLE_OK || cc == CURLE_WRITE_ERROR)) {
        r->ok = true; /* a 2xx with an oversized body was still accepted */
        return;
    }
    if (http && r->status >= 100 && (cc == CURLE_OK || cc == CURLE_WRITE_ERROR)) {
        snprintf(r->error, sizeof(r->error), "http_%d", r->status);
        return;
    }
    if (!http && cc == CURLE_OK) {
        r->ok = true;
        return;
    }
    if (!http && r->status >= 400 && strcmp(error_class(cc), "other") == 0) {
        snprintf(r->error, sizeof(r->error), "smtp_%d", r->status);
        return;
    }
    snprintf(r->error, sizeof(r->error), "%s", error_class(cc));
}

void
notify_webhook(const struct notify_config *c, const struct keyfile *kf,
               const struct alert_delivery *d, time_t now, struct notify_result *r)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    char ua[64];
    struct curl_slist *h = NULL;
    size_t seen = 0;
    CURLcode rc = CURLE_FAILED_INIT;
    CURL *e = NULL;

    *r = (struct notify_result){0};
    if (!uuid_ok(d->id) || !printable_ascii(d->target) || !curl_ready() ||
        (e = curl_easy_init()) == NULL) {
        snprintf(r->error, sizeof(r->error), "other");
        return;
    }
    snprintf(ua, sizeof(ua), "leakwatch/%s", LEAKWATCH_VERSION);
    h = webhook_headers(c, kf, d, now);
    rc = common_options(e, c, errbuf);
    SET(CURLOPT_URL, d->target);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_USERAGENT, ua);
    SET(CURLOPT_HTTPHEADER, h);
    SET(CURLOPT_POSTFIELDS, d->json);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(d->json));
    SET(CURLOPT_WRITEFUNCTION, on_response);
    SET(CURLOPT_WRITEDATA, (void *)&seen);
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(e);
    }
    result_of(e, rc, true, r);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
}

/* ---- reading an alert's JSON ------------------------------------------------------------------ */

struct alert_view {
    struct lw_json_doc *doc;
    const struct lw_json *document, *matches, *mentions, *delivery;
    struct lw_slice id, clinic, reason, created, source, label, url, first_seen, format;
    int64_t seq, records, refs;
};

static struct lw_slice
str_of(const struct lw_json *o, const char *key)
{
    struct lw_slice s = {"", 0};

    if (!lw_json_string(lw_json_get(o, key), &s)) {
        s = (struct lw_slice){"", 0};
    }
    return s;
}

static int64_t
int_of(const struct lw_json *o, const char *key)
{
    int64_t v = 0;

    return lw_json_int(lw_json_get(o, key), 0, INT64_MAX, &v) ? v : 0;
}

static enum lw_rc
view_parse(const char *json, struct alert_view *v, struct lw_error *err)
{
    const struct lw_json_limits lim = {.max_bytes = 256u * 1024 * 1024};
    const struct lw_json *root;
    enum lw_rc rc;

    *v = (struct alert_view){0};
    rc = lw_json_parse(json, strlen(json), &lim, &v->doc, err);
    if (rc != LW_OK) {
        return rc;
    }
    root = lw_json_root(v->doc);
    v->document = lw_json_get(root, "document");
    v->matches = lw_json_get(root, "matches");
    v->mentions = lw_json_get(root, "mentions");
    v->delivery = lw_json_get(root, "delivery");
    v->id = str_of(root, "id");
    if (lw_json_type(root) != LW_JSON_OBJECT || v->id.len == 0 ||
        lw_json_type(v->matches) != LW_JSON_ARRAY) {
        return lw_error_set(err, LW_ERR_INVALID, "not an alert (no id or matches)");
    }
    v->clinic = str_of(root, "clinic");
    v->reason = str_of(root, "reason");
    v->created = str_of(root, "created_at");
    v->source = str_of(root, "source");
    v->first_seen = str_of(root, "first_seen");
    v->label = str_of(v->document, "label");
    v->url = str_of(v->document, "url");
    v->format = str_of(v->document, "format");
    v->records = int_of(v->document, "records");
    v->seq = int_of(root, "seq");
    v->refs = int_of(lw_json_get(root, "counts"), "refs");
    return LW_OK;
}

/* ---- text: the readable block of `alerts list` ------------------------------------------------- */

static void
put_esc(struct lw_buf *b, struct lw_slice s)
{
    (void)lw_escape(b, s.len > 0 ? s : (struct lw_slice){"-", 1}, LW_ESCAPE_TEXT);
}

/* The string members of an array (flags, mentions) escaped and joined by sep; "-" if none. */
static void
put_list(struct lw_buf *b, const struct lw_json *arr, const char *sep)
{
    const struct lw_json *x = lw_json_first(arr);
    struct lw_slice s;

    if (x == NULL) {
        lw_buf_append_byte(b, '-');
    }
    for (bool first = true; x != NULL; x = lw_json_next(x), first = false) {
        if (!first) {
            lw_buf_append_str(b, sep);
        }
        put_esc(b, lw_json_string(x, &s) ? s : (struct lw_slice){"?", 1});
    }
}

enum lw_rc
notify_alert_block(const char *json, struct lw_buf *out, struct lw_error *err)
{
    struct alert_view v;
    enum lw_rc rc = view_parse(json, &v, err);

    if (rc != LW_OK) {
        lw_json_free(v.doc);
        return rc;
    }
    lw_buf_printf(out, "alert %lld  ", (long long)v.seq);
    put_esc(out, v.created);
    lw_buf_append_str(out, "  clinic ");
    put_esc(out, v.clinic);
    lw_buf_append_str(out, "  reason ");
    put_esc(out, v.reason);
    lw_buf_append_str(out, "\n  id:          ");
    put_esc(out, v.id);
    lw_buf_append_str(out, "\n  source:      ");
    put_esc(out, v.source);
    lw_buf_append_str(out, "\n  document:    ");
    put_esc(out, v.label);
    lw_buf_append_str(out, "\n  url:         ");
    put_esc(out, v.url);
    lw_buf_append_str(out, "\n  first seen:  ");
    put_esc(out, v.first_seen);
    lw_buf_printf(out, "\n  matches:     %zu\n", lw_json_count(v.matches));
    for (const struct lw_json *m = lw_json_first(v.matches); m != NULL; m = lw_json_next(m)) {
        lw_buf_append_str(out, "    ");
        put_esc(out, str_of(m, "ref"));
        lw_buf_append_str(out, "  ");
        put_esc(out, str_of(m, "kind"));
        lw_buf_append_str(out, "  ");
        put_list(out, lw_json_get(m, "flags"), ",");
        lw_buf_append_byte(out, '\n');
    }
    lw_buf_append_str(out, "  mentions:    ");
    put_list(out, v.mentions, ", ");
    lw_buf_append_str(out, "\n  delivery:    ");
    if (lw_json_first(v.delivery) == NULL) {
        lw_buf_append_str(out, "no channel");
    }
    for (const struct lw_json *d = lw_json_first(v.delivery); d != NULL; d = lw_json_next(d)) {
        struct lw_slice st;

        put_esc(out, lw_json_key(d));
        lw_buf_append_byte(out, ' ');
        put_esc(out, lw_json_string(d, &st) ? st : (struct lw_slice){"?", 1});
        lw_buf_append_str(out, lw_json_next(d) != NULL ? ", " : "");
    }
    rc = lw_buf_append_str(out, "\n");
    lw_json_free(v.doc);
    return rc == LW_OK ? LW_OK : lw_error_set(err, LW_ERR_TOO_LARGE, "alert text too long");
}

/* ---- text: the e-mail ------------------------------------------------------------------------- */

/* s without control characters (C0, DEL, C1, U+2028/9); invalid UTF-8 bytes become '?'. */
static void
put_clean(struct lw_buf *b, struct lw_slice s)
{
    size_t i = 0;

    while (i < s.len) {
        unsigned cp = 0;
        size_t n = lw_utf8_decode(lw_slice_make(s.p + i, s.len - i), &cp);

        if (n == 0) {
            lw_buf_append_byte(b, '?');
            i++;
            continue;
        }
        if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) && cp != 0x2028 &&
            cp != 0x2029) {
            lw_buf_append(b, s.p + i, n);
        }
        i += n;
    }
}

static void
put_clean_or(struct lw_buf *b, struct lw_slice s, const char *none)
{
    if (s.len == 0) {
        lw_buf_append_str(b, none);
        return;
    }
    put_clean(b, s);
}

static const char *
flag_words(struct lw_slice f)
{
    static const char *const words[][2] = {
        {"health_text", "therapy or medical text"}, {"password", "passwords"},
        {"address", "postal addresses"},           {"name", "names"},
        {"birth_date", "dates of birth"},
    };

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (lw_slice_eq(f, lw_slice_cstr(words[i][0]))) {
            return words[i][1];
        }
    }
    return NULL;
}

static const char *
kind_words(struct lw_slice k)
{
    static const char *const words[][2] = {
        {"email", "e-mail address"},
        {"email_domain", "e-mail domain"},
        {"phone", "phone number"},
        {"fi_hetu", "Finnish personal identity code"},
        {"se_personnummer", "Swedish personal identity number"},
        {"no_fodselsnummer", "Norwegian national identity number"},
        {"dk_cpr", "Danish CPR number"},
        {"iban", "bank account number (IBAN)"},
        {"payment_card", "payment card number"},
    };

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (lw_slice_eq(k, lw_slice_cstr(words[i][0]))) {
            return words[i][1];
        }
    }
    return NULL;
}

/* "  - REF: kind words; in the same record: flag words" for one match (refs come grouped). */
static void
put_match(struct lw_buf *b, const struct lw_json *m)
{
    struct lw_slice kind = str_of(m, "kind"), f;
    const char *kw = kind_words(kind);
    bool first = true;

    lw_buf_append_str(b, "  - ");
    put_clean_or(b, str_of(m, "ref"), "(no ref)");
    lw_buf_append_str(b, ": ");
    if (kw != NULL) {
        lw_buf_append_str(b, kw);
    } else {
        put_clean(b, kind);
    }
    for (const struct lw_json *x = lw_json_first(lw_json_get(m, "flags")); x != NULL;
         x = lw_json_next(x)) {
        const char *fw;

        if (!lw_json_string(x, &f)) {
            continue;
        }
        fw = flag_words(f);
        lw_buf_append_str(b, first ? "; the same record also held " : ", ");
        if (fw != NULL) {
            lw_buf_append_str(b, fw);
        } else {
            put_clean(b, f);
        }
        first = false;
    }
    lw_buf_append_str(b, "\r\n");
}

/* Subject: plain when printable ASCII, else one RFC 2047 encoded word per 45 bytes of UTF-8. */
static void
put_subject(struct lw_buf *b, const struct alert_view *v)
{
    struct lw_buf s;
    struct lw_slice src = v->source.len > 0 ? v->source : v->label;
    bool ascii = true;

    lw_buf_init(&s, 4096);
    lw_buf_printf(&s, "leakwatch alert: %lld of your records in a leak (", (long long)v->refs);
    put_clean_or(&s, (struct lw_slice){src.p, src.len > SUBJECT_SOURCE_MAX ? SUBJECT_SOURCE_MAX
                                                                           : src.len},
                 "unknown source");
    lw_buf_append_byte(&s, ')');
    for (size_t i = 0; i < s.len; i++) {
        ascii = ascii && (unsigned char)s.data[i] < 0x7f;
    }
    lw_buf_append_str(b, "Subject: ");
    for (size_t i = 0; !ascii && i < s.len;) {
        char enc[sodium_base64_ENCODED_LEN(48, sodium_base64_VARIANT_ORIGINAL)];
        size_t n = 0;
        unsigned cp;

        while (i + n < s.len && n < 45) {
            size_t k = lw_utf8_decode(lw_slice_make(s.data + i + n, s.len - i - n), &cp);

            k = k == 0 ? 1 : k;
            if (n + k > 45) {
                break;
            }
            n += k;
        }
        sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)s.data + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        lw_buf_printf(b, "%s=?UTF-8?B?%s?=", i > 0 ? "\r\n " : "", enc);
        i += n;
    }
    if (ascii) {
        lw_buf_append(b, s.data, s.len);
    }
    lw_buf_append_str(b, "\r\n");
    lw_buf_free(&s);
}

static void
put_headers(struct lw_buf *b, const struct notify_config *c, const struct alert_delivery *d,
            const struct alert_view *v, time_t now)
{
    char date[64] = "";
    struct tm tm;

    if (gmtime_r(&now, &tm) != NULL) {
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    }
    lw_buf_printf(b, "Date: %s\r\nFrom: leakwatch <%s>\r\nTo: <%s>\r\n", date, c->smtp_from,
                  d->target);
    put_subject(b, v);
    lw_buf_printf(b, "Message-ID: <%s@leakwatch>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\nX-Leakwatch-Alert-Id: %s\r\n"
                     "Auto-Submitted: auto-generated\r\n\r\n",
                  d->id, d->id);
}

static void
put_where(struct lw_buf *b, const struct alert_view *v)
{
    lw_buf_append_str(b, "Where\r\n  Source:      ");
    put_clean_or(b, v->source, "(a file the operator ingested)");
    lw_buf_append_str(b, "\r\n  Document:    ");
    put_clean_or(b, v->label, "-");
    lw_buf_append_str(b, "\r\n  Address:     ");
    put_clean_or(b, v->url, "(none: not fetched from a web address)");
    lw_buf_append_str(b, "\r\n  First seen:  ");
    put_clean_or(b, v->first_seen, "-");
    lw_buf_append_str(b, " (UTC)\r\n  Format:      ");
    put_clean_or(b, v->format, "-");
    lw_buf_printf(b, ", %lld records\r\n\r\n", (long long)v->records);
}

static void
put_body(struct lw_buf *b, const struct alert_view *v)
{
    lw_buf_append_str(b, "What happened\r\n  ");
    if (lw_slice_eq(v->reason, LW_SLICE_LIT("enrollment"))) {
        lw_buf_append_str(b, "Records you enrolled were found in a leaked document that leakwatch "
                             "had stored before your\r\n  enrollment.");
    } else {
        lw_buf_append_str(b, "leakwatch found a leaked document with data matching your "
                             "records or naming you.");
    }
    lw_buf_printf(b, " %lld of your records (listed below by your own\r\n  reference) appear in "
                     "it. leakwatch keeps no copy of the leaked data itself.\r\n\r\n",
                  (long long)v->refs);
    put_where(b, v);
    lw_buf_printf(b, "Your records in it (%zu match(es): your ref, the kind of identifier found)"
                     "\r\n", lw_json_count(v->matches));
    for (const struct lw_json *m = lw_json_first(v->matches); m != NULL; m = lw_json_next(m)) {
        put_match(b, m);
    }
    if (lw_json_first(v->mentions) != NULL) {
        lw_buf_append_str(b, "\r\nYour name or brands are mentioned in it:");
        for (const struct lw_json *x = lw_json_first(v->mentions); x != NULL; x = lw_json_next(x)) {
            struct lw_slice s;

            lw_buf_append_str(b, "\r\n  - ");
            put_clean(b, lw_json_string(x, &s) ? s : (struct lw_slice){"?", 1});
        }
        lw_buf_append_str(b, "\r\n");
    }
    lw_buf_append_str(
        b, "\r\nWhat to do next\r\n"
           "  - Contact the operator of this leakwatch service and quote the alert id below.\r\n"
           "  - Do not download or open the leaked file yourself.\r\n"
           "  - Look the refs up in your own records. A leak of patient data is a personal data\r\n"
           "    breach: under the GDPR (articles 33 and 34) it must be reported to the data\r\n"
           "    protection authority within 72 hours, and the patients told without undue delay\r\n"
           "    when the risk to them is high (health data usually means it is).\r\n\r\n");
    lw_buf_append_str(b, "Alert id: ");
    put_clean(b, v->id);
    lw_buf_printf(b, "\r\n\r\nTo check this alert independently, fetch it from the leakwatch API "
                     "with your token:\r\n  GET /v1/alerts?since=%lld\r\nWebhook copies are signed "
                     "(Ed25519 over \"timestamp.body\"); check one with\r\n'leakwatch verify' or "
                     "any libsodium binding against the operator's public key.\r\n",
                  (long long)(v->seq > 0 ? v->seq - 1 : 0));
}

enum lw_rc
notify_email_message(const struct notify_config *c, const struct alert_delivery *d, time_t now,
                     struct lw_buf *out, struct lw_error *err)
{
    struct alert_view v;
    enum lw_rc rc = view_parse(d->json, &v, err);

    if (rc == LW_OK && (!printable_ascii(d->target) || !uuid_ok(d->id))) {
        rc = lw_error_set(err, LW_ERR_INVALID, "bad e-mail address or alert id");
    }
    if (rc == LW_OK) {
        lw_buf_init(out, TEXT_MAX);
        put_headers(out, c, d, &v, now);
        put_body(out, &v);
        if (out->len >= TEXT_MAX - 1) {
            rc = lw_error_set(err, LW_ERR_TOO_LARGE, "the e-mail is too long");
        }
    }
    lw_json_free(v.doc);
    return rc;
}

/* ---- e-mail: sending -------------------------------------------------------------------------- */

struct upload {
    const char *p;
    size_t left;
};

static size_t
on_read(char *dst, size_t size, size_t n, void *user)
{
    struct upload *u = user;
    size_t k = size * n < u->left ? size * n : u->left;

    memcpy(dst, u->p, k);
    u->p += k;
    u->left -= k;
    return k;
}

static CURLcode
smtp_options(CURL *e, const struct notify_config *c, const char *from, struct curl_slist *rcpt,
             struct upload *up)
{
    CURLcode rc = CURLE_OK;

    SET(CURLOPT_URL, c->smtp_url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_USE_SSL, strncmp(c->smtp_url, "smtps://", 8) == 0 ? (long)CURLUSESSL_ALL
                                                                   : (long)CURLUSESSL_TRY);
    SET(CURLOPT_MAIL_FROM, from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, (void *)up);
    SET(CURLOPT_UPLOAD, 1L);
    if (c->smtp_user != NULL) {
        SET(CURLOPT_USERNAME, c->smtp_user);
        SET(CURLOPT_PASSWORD, c->smtp_password != NULL ? c->smtp_password : "");
    }
    return rc;
}

void
notify_email(const struct notify_config *c, const struct alert_delivery *d, time_t now,
             struct notify_result *r)
{
    char errbuf[CURL_ERROR_SIZE] = "", from[300], to[300];
    struct curl_slist *rcpt = NULL;
    struct lw_buf msg = {0};
    struct upload up;
    CURLcode rc = CURLE_FAILED_INIT;
    CURL *e = NULL;

    *r = (struct notify_result){0};
    if (c->smtp_url == NULL || notify_email_message(c, d, now, &msg, NULL) != LW_OK ||
        !curl_ready() || (e = curl_easy_init()) == NULL) {
        snprintf(r->error, sizeof(r->error), "other");
        goto out;
    }
    snprintf(from, sizeof(from), "<%s>", c->smtp_from);
    snprintf(to, sizeof(to), "<%s>", d->target);
    rcpt = curl_slist_append(rcpt, to);
    up = (struct upload){msg.data, msg.len};
    rc = common_options(e, c, errbuf);
    if (rc == CURLE_OK) {
        rc = smtp_options(e, c, from, rcpt, &up);
    }
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(e);
    }
    result_of(e, rc, false, r);
out:
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(e);
    lw_buf_free(&msg);
}
