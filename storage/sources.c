/*
 * storage/sources.c — the sites the crawler watches, their settings and health (see sources.h).
 *
 * sources_add validates the whole spec before touching the database, then inserts the source and
 * its own URL's queue row (due now) in one transaction: both rows or neither. Names and URLs are
 * unique; both inserts use ON CONFLICT DO NOTHING … RETURNING, so a taken name or URL is an
 * ordinary answer (LW_ERR_EXISTS, the URL's holder named) rather than a failed statement, also when
 * two `source add` race. Every value is a bound parameter; nothing is spliced into SQL.
 *
 * Validation messages start with the struct source_spec member they are about ("url: …",
 * "link_pattern: …") so the command line can name its option. What is checked, and why:
 *   name          1..SOURCE_NAME_MAX of [A-Za-z0-9._-], starting with a letter or digit (a name is
 *                 typed in shells and cron lines; a leading '-' would read as an option)
 *   url           printable ASCII, http:// or https://, a host, no user:password@ (it would be
 *                 stored and shown by `source list`); scheme and host are lower-cased, as the link
 *                 resolver does for pastes, so one URL has one spelling in the queue
 *   link_pattern  compiles with regcomp(REG_EXTENDED|REG_NOSUB) — the crawler's flags
 *   raw_template  a URL with "{url}", "{id}" or "{origin}" (crawler/links.h), nothing else in
 *                 braces
 *   via           "tor", "direct", or socks5h://HOST:PORT; socks5:// is refused by name: it makes
 *                 the client resolve the site's name locally, which fail-closed egress forbids
 *   every         60 s to 365 days
 *   via direct    not for an onion URL: it cannot work, and would send the name to local DNS
 * Onion v3 checksums are the crawler's knowledge (crawler/onion.h), which storage may not use: the
 * command line checks them before calling sources_add.
 *
 * Rejected: validating in the command line only. The crawl reads these rows back and trusts them
 * (a pattern that does not compile, a via it cannot use), so the one place that writes them checks.
 */
#include "storage/sources.h"

#include <libpq-fe.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "common/ascii.h"
#include "common/escape.h"
#include "common/num.h"
#include "common/slice.h"
#include "storage/validate.h"

#define EVERY_DEFAULT 900
#define EVERY_MIN 60
#define EVERY_MAX (365 * 86400)
#define PATTERN_MAX 511 /* source_info.link_pattern */
#define VIA_MAX 255     /* source_info.via */

/* A time as ISO 8601 in UTC, "" for NULL. */
#define ISO_TIME(col)                                                                              \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

/* What `source list` and sources_get read, in the column order fill_info expects. The queued
 * count is what a crawler starting now could claim (crawlq_due_count). */
#define SELECT_SOURCES                                                                             \
    "SELECT s.id, s.name, s.kind, coalesce(s.url, ''), coalesce(s.link_pattern, ''),"              \
    " coalesce(s.raw_template, ''), extract(epoch FROM s.every)::bigint, s.via,"                   \
    " coalesce(s.region, ''), " ISO_TIME("s.last_success_at") ","                                  \
    " coalesce(s.last_error_class, ''), " ISO_TIME("s.last_error_at") ","                          \
    " s.consecutive_failures, s.documents_found,"                                                  \
    " (SELECT count(*) FROM crawl_urls c WHERE c.source_id = s.id AND c.next_fetch_at <= now()"    \
    "  AND (c.claimed_until IS NULL OR c.claimed_until < now()))"                                  \
    " FROM sources s"

const char *
source_kind_name(enum source_kind k)
{
    switch (k) {
    case SOURCE_PAGE: return "page";
    case SOURCE_INDEX: return "index";
    case SOURCE_FILE: return "file";
    }
    return "?";
}

/* ---- validation ---- */

/* Well-formed UTF-8 without control characters (a pattern may match non-ASCII text). */
static bool
text_chars(const char *s)
{
    struct lw_slice in = lw_slice_cstr(s);

    while (in.len > 0) {
        unsigned cp = 0;
        size_t n = lw_utf8_decode(in, &cp);

        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            return false;
        }
        in.p += n;
        in.len -= n;
    }
    return true;
}

/* Length of an http:// or https:// prefix (any case) of s, 0 if it has none. */
static size_t
http_prefix(const char *s)
{
    size_t n = strnlen(s, 8);

    if (n >= 7 && lw_slice_eq_ci(lw_slice_make(s, 7), LW_SLICE_LIT("http://"))) {
        return 7;
    }
    return n >= 8 && lw_slice_eq_ci(lw_slice_make(s, 8), LW_SLICE_LIT("https://")) ? 8 : 0;
}

/* Check url and write it to out (cap > SOURCE_URL_MAX) with scheme and host lower-cased. */
static enum lw_rc
check_url(const char *url, char *out, size_t cap, struct lw_error *err)
{
    size_t n = url != NULL ? strlen(url) : 0;
    size_t pre, host_end;

    if (n == 0 || n > SOURCE_URL_MAX) {
        return lw_error_set(err, LW_ERR_INVALID, "url: 1 to %d bytes", SOURCE_URL_MAX);
    }
    if (!validate_url_chars(url)) {
        return lw_error_set(err, LW_ERR_INVALID, "url: printable ASCII only, no spaces "
                            "(percent-encode anything else)");
    }
    pre = http_prefix(url);
    if (pre == 0) {
        return lw_error_set(err, LW_ERR_INVALID, "url: must start with http:// or https://");
    }
    host_end = pre + strcspn(url + pre, "/?#");
    if (host_end == pre || url[pre] == ':') {
        return lw_error_set(err, LW_ERR_INVALID, "url: no host after the scheme");
    }
    if (memchr(url + pre, '@', host_end - pre) != NULL) {
        return lw_error_set(err, LW_ERR_INVALID, "url: no user name or password in the URL");
    }
    snprintf(out, cap, "%s", url);
    for (size_t i = 0; i < host_end; i++) {
        out[i] = lw_ascii_lower(out[i]);
    }
    return LW_OK;
}

/* Does the (checked) url name an onion service? Its host, port and a trailing dot left out. */
static bool
onion_url(const char *url)
{
    size_t pre = http_prefix(url);
    size_t end = pre + strcspn(url + pre, "/?#");
    const char *colon = memchr(url + pre, ':', end - pre);

    if (url[pre] == '[') {
        return false;
    }
    if (colon != NULL) {
        end = (size_t)(colon - url);
    }
    if (end > pre && url[end - 1] == '.') {
        end--;
    }
    return end - pre >= 6 &&
           lw_slice_eq_ci(lw_slice_make(url + end - 6, 6), LW_SLICE_LIT(".onion"));
}

static enum lw_rc
check_pattern(const char *re, struct lw_error *err)
{
    char why[128];
    regex_t rx;
    int rc;

    if (re[0] == '\0' || strlen(re) > PATTERN_MAX) {
        return lw_error_set(err, LW_ERR_INVALID, "link_pattern: 1 to %d bytes (leave it out to "
                            "queue every link)", PATTERN_MAX);
    }
    if (!text_chars(re)) {
        return lw_error_set(err, LW_ERR_INVALID, "link_pattern: UTF-8 text without control "
                            "characters");
    }
    rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &rx, why, sizeof(why));
        return lw_error_set(err, LW_ERR_INVALID, "link_pattern: not a POSIX extended regular "
                            "expression: %s", why);
    }
    regfree(&rx);
    return LW_OK;
}

static enum lw_rc
check_template(const char *t, struct lw_error *err)
{
    static const char *const holders[] = {"{url}", "{id}", "{origin}"};
    size_t n = strlen(t);
    int placeholders = 0;

    if (n == 0 || n > SOURCE_URL_MAX || !validate_url_chars(t)) {
        return lw_error_set(err, LW_ERR_INVALID, "raw_template: 1 to %d bytes of printable "
                            "ASCII, no spaces", SOURCE_URL_MAX);
    }
    for (const char *p = strchr(t, '{'); p != NULL; p = strchr(p + 1, '{')) {
        size_t k = 0;

        while (k < 3 && strncmp(p, holders[k], strlen(holders[k])) != 0) {
            k++;
        }
        if (k == 3) {
            return lw_error_set(err, LW_ERR_INVALID, "raw_template: unknown placeholder at "
                                "offset %zu (the placeholders are {url}, {id} and {origin})",
                                (size_t)(p - t));
        }
        placeholders++;
    }
    if (placeholders == 0) {
        return lw_error_set(err, LW_ERR_INVALID, "raw_template: no placeholder ({url}, {id} or "
                            "{origin}): every paste would map to the same URL");
    }
    if (http_prefix(t) == 0 && strncmp(t, "{url}", 5) != 0 && strncmp(t, "{origin}", 8) != 0) {
        return lw_error_set(err, LW_ERR_INVALID, "raw_template: must start with http://, "
                            "https://, {origin} or {url}");
    }
    return LW_OK;
}

/* HOST:PORT of a socks5h:// proxy: a DNS name or IPv4 address, or [IPv6]; a port 1-65535. */
static bool
host_port(const char *s)
{
    const char *colon = strrchr(s, ':');
    size_t hlen = colon != NULL ? (size_t)(colon - s) : 0;
    uint64_t port = 0;

    if (colon == NULL || hlen == 0 ||
        lw_parse_u64(lw_slice_cstr(colon + 1), 1, 65535, &port) != LW_OK) {
        return false;
    }
    if (s[0] == '[') {
        if (hlen < 3 || s[hlen - 1] != ']') {
            return false;
        }
        for (size_t i = 1; i + 1 < hlen; i++) {
            if (!lw_ascii_is_alnum(s[i]) && s[i] != ':' && s[i] != '.') {
                return false;
            }
        }
        return true;
    }
    for (size_t i = 0; i < hlen; i++) {
        if (!lw_ascii_is_alnum(s[i]) && s[i] != '.' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

static enum lw_rc
check_via(const char *via, struct lw_error *err)
{
    if (strcmp(via, "tor") == 0 || strcmp(via, "direct") == 0) {
        return LW_OK;
    }
    if (strncmp(via, "socks5://", 9) == 0 || strncmp(via, "socks4", 6) == 0) {
        return lw_error_set(err, LW_ERR_INVALID, "via: use socks5h:// (the proxy resolves names); "
                            "with socks5:// or socks4 the site's name would be looked up locally");
    }
    if (strlen(via) > VIA_MAX || strncmp(via, "socks5h://", 10) != 0 || !host_port(via + 10)) {
        return lw_error_set(err, LW_ERR_INVALID, "via: must be tor, direct or "
                            "socks5h://HOST:PORT (no user name, no path)");
    }
    return LW_OK;
}

static enum lw_rc
check_settings(const struct source_spec *s, struct lw_error *err)
{
    enum lw_rc rc = LW_OK;

    if (s->kind == SOURCE_FILE) {
        return lw_error_set(err, LW_ERR_INVALID, "kind: must be page or index (file sources are "
                            "made by 'leakwatch ingest --label')");
    }
    if (s->kind != SOURCE_PAGE && s->kind != SOURCE_INDEX) {
        return lw_error_set(err, LW_ERR_INVALID, "kind: must be page or index");
    }
    if (s->kind == SOURCE_PAGE && (s->link_pattern != NULL || s->raw_template != NULL)) {
        return lw_error_set(err, LW_ERR_INVALID, "%s: only for index sources (kind index)",
                            s->link_pattern != NULL ? "link_pattern" : "raw_template");
    }
    if (s->link_pattern != NULL) {
        rc = check_pattern(s->link_pattern, err);
    }
    if (rc == LW_OK && s->raw_template != NULL) {
        rc = check_template(s->raw_template, err);
    }
    if (rc == LW_OK && s->every_seconds != 0 &&
        (s->every_seconds < EVERY_MIN || s->every_seconds > EVERY_MAX)) {
        rc = lw_error_set(err, LW_ERR_INVALID, "every: from 60 seconds (1m) to 365 days");
    }
    if (rc == LW_OK && s->via != NULL) {
        rc = check_via(s->via, err);
    }
    if (rc == LW_OK && s->region != NULL) {
        rc = validate_region(s->region, err);
    }
    return rc;
}

/* ---- queries ---- */

static enum lw_rc
query(struct db *db, const char *what, const char *sql, int n, const char *const *v,
      struct pg_result **res, struct lw_error *err)
{
    return db_query(db, what, sql, n, v, NULL, NULL, res, NULL, err);
}

/* The two inserts. LW_ERR_EXISTS (err filled) when the name is taken; LW_ERR_EXISTS with
 * *url_held set (err not filled) when the URL is in the queue already. */
static enum lw_rc
insert(struct db *db, const struct source_spec *s, const char *url, bool *url_held,
       struct lw_error *err)
{
    char id[32], every[24];
    const char *v[8] = {s->name, source_kind_name(s->kind), url, s->link_pattern,
                        s->raw_template, every, s->via != NULL ? s->via : "tor", s->region};
    const char *q[3] = {url, id, source_kind_name(s->kind)};
    enum lw_rc rc;

    *url_held = false;
    snprintf(every, sizeof(every), "%lld",
             (long long)(s->every_seconds != 0 ? s->every_seconds : EVERY_DEFAULT));
    rc = db_query1(db, "adding the source",
                   "INSERT INTO sources (name, kind, url, link_pattern, raw_template, every, via, "
                   "region) VALUES ($1, $2, $3, $4, $5, make_interval(secs => $6::bigint), $7, $8) "
                   "ON CONFLICT (name) DO NOTHING RETURNING id",
                   8, v, NULL, NULL, id, sizeof(id), err);
    if (rc == LW_OK && id[0] == '\0') {
        return lw_error_set(err, LW_ERR_EXISTS, "a source named %s exists", s->name);
    }
    if (rc == LW_OK) {
        rc = db_query1(db, "queueing the source's URL",
                       "INSERT INTO crawl_urls (url, source_id, kind, next_fetch_at) "
                       "VALUES ($1, $2, $3, now()) ON CONFLICT (url) DO NOTHING RETURNING id",
                       3, q, NULL, NULL, id, sizeof(id), err);
        if (rc == LW_OK && id[0] == '\0') {
            *url_held = true;
            rc = LW_ERR_EXISTS;
        }
    }
    return rc;
}

/* Name the holder of a URL that is in the queue already. */
static enum lw_rc
url_taken(struct db *db, const char *url, struct lw_error *err)
{
    char holder[SOURCE_NAME_MAX + 1];
    const char *v[1] = {url};
    enum lw_rc rc = db_query1(db, "looking up the URL",
                              "SELECT s.name FROM crawl_urls c JOIN sources s"
                              " ON s.id = c.source_id WHERE c.url = $1",
                              1, v, NULL, NULL, holder, sizeof(holder), err);

    if (rc != LW_OK) {
        return rc;
    }
    return lw_error_set(err, LW_ERR_EXISTS, "url: already in the crawl queue (of source %s)",
                        holder[0] != '\0' ? holder : "?");
}

enum lw_rc
sources_add(struct db *db, const struct source_spec *spec, struct lw_error *err)
{
    char url[SOURCE_URL_MAX + 1] = "";
    bool url_held = false;
    enum lw_rc rc = validate_name(spec->name, SOURCE_NAME_MAX, err);

    if (rc == LW_OK) {
        rc = check_url(spec->url, url, sizeof(url), err);
    }
    if (rc == LW_OK) {
        rc = check_settings(spec, err);
    }
    if (rc == LW_OK && spec->via != NULL && strcmp(spec->via, "direct") == 0 && onion_url(url)) {
        rc = lw_error_set(err, LW_ERR_INVALID, "via: direct cannot reach an onion service (and "
                          "would look its name up outside Tor)");
    }
    if (rc != LW_OK) {
        return rc;
    }
    rc = db_begin(db, err);
    if (rc != LW_OK) {
        return rc;
    }
    rc = insert(db, spec, url, &url_held, err);
    if (rc == LW_OK) {
        return db_commit(db, err);
    }
    db_rollback(db);
    return url_held ? url_taken(db, url, err) : rc;
}

enum lw_rc
sources_remove(struct db *db, const char *name, struct lw_error *err)
{
    char id[32];
    const char *v[1] = {name};
    enum lw_rc rc = db_query1(db, "removing the source", "DELETE FROM sources WHERE name = $1 "
                              "RETURNING id", 1, v, NULL, NULL, id, sizeof(id), err);

    if (rc == LW_OK && id[0] == '\0') {
        return lw_error_set(err, LW_ERR_NOT_FOUND, "no source named %s", name);
    }
    return rc;
}

/* ---- reading ---- */


static enum lw_rc
fill_info(const struct pg_result *res, int row, struct source_info *s, struct lw_error *err)
{
    const char *kind = PQgetvalue(res, row, 2);
    int64_t failures = 0;

    memset(s, 0, sizeof(*s));
    s->kind = strcmp(kind, "index") == 0  ? SOURCE_INDEX
              : strcmp(kind, "page") == 0 ? SOURCE_PAGE
                                          : SOURCE_FILE;
    db_text(res, row, 1, s->name, sizeof(s->name));
    db_text(res, row, 3, s->url, sizeof(s->url));
    db_text(res, row, 4, s->link_pattern, sizeof(s->link_pattern));
    db_text(res, row, 5, s->raw_template, sizeof(s->raw_template));
    db_text(res, row, 7, s->via, sizeof(s->via));
    db_text(res, row, 8, s->region, sizeof(s->region));
    db_text(res, row, 9, s->last_success, sizeof(s->last_success));
    db_text(res, row, 10, s->last_error_class, sizeof(s->last_error_class));
    db_text(res, row, 11, s->last_error_at, sizeof(s->last_error_at));
    if (!db_i64(res, row, 0, INT64_MIN, INT64_MAX, &s->id) || !db_i64(res, row, 6, INT64_MIN, INT64_MAX, &s->every_seconds) ||
        !db_i64(res, row, 12, INT64_MIN, INT64_MAX, &failures) || failures < 0 || failures > INT32_MAX ||
        !db_i64(res, row, 13, INT64_MIN, INT64_MAX, &s->documents_found) || !db_i64(res, row, 14, INT64_MIN, INT64_MAX, &s->queued)) {
        return lw_error_set(err, LW_ERR_DB, "reading the sources: a number leakwatch cannot read");
    }
    s->consecutive_failures = (int)failures;
    return LW_OK;
}

enum lw_rc
sources_list(struct db *db, sources_list_fn cb, void *user, struct lw_error *err)
{
    struct pg_result *res = NULL;
    struct source_info info;
    enum lw_rc rc = query(db, "listing the sources", SELECT_SOURCES " ORDER BY s.name", 0, NULL,
                          &res, err);

    for (int i = 0; rc == LW_OK && i < PQntuples(res); i++) {
        rc = fill_info(res, i, &info, err);
        if (rc == LW_OK) {
            cb(user, &info);
        }
    }
    db_result_free(res);
    return rc;
}

enum lw_rc
sources_get(struct db *db, const char *name, struct source_info *out, struct lw_error *err)
{
    struct pg_result *res = NULL;
    const char *v[1] = {name};
    enum lw_rc rc = query(db, "reading the source", SELECT_SOURCES " WHERE s.name = $1", 1, v,
                          &res, err);

    if (rc == LW_OK && PQntuples(res) == 0) {
        rc = lw_error_set(err, LW_ERR_NOT_FOUND, "no source named %s", name);
    } else if (rc == LW_OK) {
        rc = fill_info(res, 0, out, err);
    }
    db_result_free(res);
    return rc;
}
