/*
 * cli/cmd_source.c — `leakwatch source add|list|remove`: the sites `leakwatch crawl` watches.
 *
 * add: options to a struct source_spec, an onion URL's v3 address checked (crawler/onion.h: a
 * typo never reaches the queue), then storage/sources.c validates the rest and inserts the source
 * with its URL queued, due at the next crawl. Its validation messages start with the spec member
 * they are about ("link_pattern: …"); this file renames that to the option ("--link-pattern: …")
 * and makes it a usage error (exit 2). A taken name or URL is exit 1. list: a table of every
 * source with its health, or one JSON object per line. remove: the source and its queue rows go,
 * its documents stay.
 *
 * The spec is checked after connecting, so a bad spec against an unreachable database is exit 4,
 * not 2. Rejected: a second copy of the validation here to check first — two copies drift, and the
 * one in storage must stay (the crawl trusts what it reads back).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/escape.h"
#include "common/num.h"
#include "crawler/onion.h"
#include "storage/db.h"
#include "storage/sources.h"

#define SOURCES_MAX 1000000
#define EVERY_PARSE_MAX (10ULL * 365 * 86400) /* the range itself is storage's to check */

static void
source_help(void)
{
    printf(
        "Usage: leakwatch source add NAME --url URL [--kind page|index] [--link-pattern RE]\n"
        "                            [--raw-template T] [--every 15m]\n"
        "                            [--via tor|direct|socks5h://HOST:PORT] [--region FI]\n"
        "       leakwatch source list [--json]\n"
        "       leakwatch source remove NAME\n\n"
        "The sites 'leakwatch crawl' watches. Adding one queues its URL: the next crawl\n"
        "fetches it.\n\n"
        "Kinds:\n"
        "  page   (the default) one URL, fetched every --every; when its content changes the new\n"
        "         version is stored as a document (a conditional GET skips unchanged pages)\n"
        "  index  a page of links (a paste site's 'latest' list), fetched every --every; each\n"
        "         link on it that matches --link-pattern is queued once and fetched once as a\n"
        "         document. A link seen before — from any source — is not queued again.\n\n"
        "Options for add:\n"
        "  NAME               1-100 of A-Z a-z 0-9 . _ -, starting with a letter or digit\n"
        "  --url URL          http:// or https://, printable ASCII (percent-encode the rest), no\n"
        "                     user:password@; .onion addresses must be valid v3 addresses\n"
        "  --link-pattern RE  index: POSIX extended regular expression, matched against each\n"
        "                     link's absolute URL; default: every link on the page.\n"
        "                     Example: '^http://[a-z2-7]{56}\\.onion/paste/[A-Za-z0-9]+$'\n"
        "  --raw-template T   index: the URL to fetch for a link instead of the link itself,\n"
        "                     e.g. a paste's raw text rather than its HTML page. Placeholders:\n"
        "                       {url}     the link, as found (absolute)\n"
        "                       {id}      its last non-empty path segment\n"
        "                       {origin}  its scheme://host[:port]\n"
        "                     Example: '{origin}/raw/{id}' maps http://x.onion/paste/Ab12 to\n"
        "                     http://x.onion/raw/Ab12\n"
        "  --every DURATION   how often the source's own URL is fetched again: 60s to 365d,\n"
        "                     units s m h d, combined as 1h30m (default 15m). 'crawl' must run\n"
        "                     at least as often (cron) for this to hold.\n"
        "  --via tor          (default) through the crawler's proxy: LEAKWATCH_PROXY, default\n"
        "                     socks5h://127.0.0.1:9050 (Tor); Tor resolves every name\n"
        "  --via socks5h://HOST:PORT  through another SOCKS5 proxy that resolves names itself\n"
        "                     (a second Tor instance, say); socks5:// and socks4 are refused:\n"
        "                     with them the name would be looked up locally\n"
        "  --via direct       NO TOR: the crawler connects to the site itself from this host's\n"
        "                     address and looks its name up in local DNS. A deliberate exception\n"
        "                     to leakwatch's rule that nothing leaves except through the proxy,\n"
        "                     for sites that block Tor and where being seen does not matter.\n"
        "                     Not allowed for .onion URLs.\n"
        "  --region CC        default phone region of its documents (ISO 3166 code, e.g. FI)\n\n"
        "list shows per source: name, kind, interval, via, the last successful fetch, the class\n"
        "of the last error (onion_not_found, timeout, http, ...), consecutive failures,\n"
        "documents found, and URLs due now. Sources of kind 'file' are the labels given to\n"
        "'leakwatch ingest --label'; they are never crawled. --json prints one object a line.\n\n"
        "remove deletes the source and its queued URLs; documents found stay stored.\n\n"
        "Database: LEAKWATCH_DB, else the PG* environment, else the project-local cluster\n"
        "(var/pg). The schema must be migrated ('leakwatch db migrate').\n\n"
        "Exit status: 0 ok, 1 the name or URL is taken (add) or there is no such source\n"
        "(remove), 2 usage error or a bad option value (the message names the option),\n"
        "4 database unavailable.\n");
}

/* ---- add ---- */

/* storage's "member: why" as "--option: why", a usage error. */
static enum lw_rc
invalid_spec(struct lw_error *err)
{
    static const char *const names[][2] = {
        {"name", "NAME"}, {"url", "--url"}, {"kind", "--kind"},
        {"link_pattern", "--link-pattern"}, {"raw_template", "--raw-template"},
        {"every", "--every"}, {"via", "--via"}, {"region", "--region"},
    };
    char msg[LW_ERROR_MSG_MAX];
    const char *colon = strchr(err->msg, ':');
    size_t n = colon != NULL ? (size_t)(colon - err->msg) : 0;

    snprintf(msg, sizeof(msg), "%s", err->msg);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (n == strlen(names[i][0]) && strncmp(msg, names[i][0], n) == 0) {
            return cli_usage_error(err, "source", "%s%s", names[i][1], msg + n);
        }
    }
    return cli_usage_error(err, "source", "%s", msg);
}

static enum lw_rc
parse_add_value(int c, const char *arg, struct source_spec *s, char region[3],
                struct lw_error *err)
{
    uint64_t secs = 0;

    switch (c) {
    case 'u': s->url = arg; break;
    case 'p': s->link_pattern = arg; break;
    case 't': s->raw_template = arg; break;
    case 'v': s->via = arg; break;
    case 'k':
        if (strcmp(arg, "page") != 0 && strcmp(arg, "index") != 0) {
            return cli_usage_error(err, "source", "--kind: page or index");
        }
        s->kind = strcmp(arg, "index") == 0 ? SOURCE_INDEX : SOURCE_PAGE;
        break;
    case 'e':
        if (lw_parse_duration(lw_slice_cstr(arg), EVERY_PARSE_MAX, &secs) != LW_OK) {
            return cli_usage_error(err, "source", "--every: a duration from 60s to 365d, such as "
                                   "15m, 1h30m or 1d (units s, m, h, d)");
        }
        /* 0 would mean "the default" to storage: say what it is instead */
        s->every_seconds = secs == 0 ? 1 : (int64_t)secs;
        break;
    case 'r':
        s->region = arg;
        if (strlen(arg) == 2 && lw_ascii_is_alpha(arg[0]) && lw_ascii_is_alpha(arg[1])) {
            region[0] = lw_ascii_upper(arg[0]);
            region[1] = lw_ascii_upper(arg[1]);
            region[2] = '\0';
            s->region = region;
        }
        break;
    default: return cli_usage_error(err, "source", "bad option for source add");
    }
    return LW_OK;
}

/* LW_ERR_NOT_FOUND: --help was shown. */
static enum lw_rc
parse_add(int argc, char **argv, struct source_spec *s, char region[3], struct lw_error *err)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"kind", required_argument, NULL, 'k'},
        {"link-pattern", required_argument, NULL, 'p'},
        {"raw-template", required_argument, NULL, 't'},
        {"every", required_argument, NULL, 'e'},
        {"via", required_argument, NULL, 'v'},
        {"region", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            source_help();
            return LW_ERR_NOT_FOUND;
        }
        if (parse_add_value(c, optarg, s, region, err) != LW_OK) {
            return LW_ERR_USAGE;
        }
    }
    if (optind >= argc) {
        return cli_usage_error(err, "source", "name the source: source add NAME --url URL");
    }
    if (optind + 1 < argc) {
        return cli_usage_error(err, "source", "one NAME only (unexpected '%s')", argv[optind + 1]);
    }
    s->name = argv[optind];
    if (s->url == NULL) {
        return cli_usage_error(err, "source", "--url is required: source add NAME --url URL");
    }
    return LW_OK;
}

/* An onion URL must carry a valid v3 address (checksum, version): checked before queueing. */
static enum lw_rc
check_onion(const char *url, struct lw_error *err)
{
    char host[256];

    if (onion_url_host(url, host, sizeof(host)) && onion_is_onion_host(host) &&
        !onion_v3_valid(host)) {
        return cli_usage_error(err, "source", "--url: %s is not a valid v3 onion address (56 "
                               "base32 characters, checksum and version 3)", host);
    }
    return LW_OK;
}

static void
format_every(int64_t secs, char *out, size_t cap)
{
    static const struct {
        int64_t unit;
        char c;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < 4 && secs > 0; i++) {
        if (secs >= units[i].unit) {
            int w = snprintf(out + used, cap - used, "%lld%c", (long long)(secs / units[i].unit),
                             units[i].c);

            used += w > 0 && (size_t)w < cap - used ? (size_t)w : 0;
            secs %= units[i].unit;
        }
    }
}

static enum lw_rc
run_add(int argc, char **argv, struct lw_error *err)
{
    struct source_spec s = {.kind = SOURCE_PAGE};
    struct source_info info;
    struct db *db = NULL;
    char region[3] = "", every[32];
    enum lw_rc rc = parse_add(argc, argv, &s, region, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK; /* --help */
    }
    if (rc == LW_OK) {
        rc = check_onion(s.url, err);
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = sources_add(db, &s, err);
        if (rc == LW_ERR_INVALID) {
            rc = invalid_spec(err);
        }
    }
    if (rc == LW_OK && sources_get(db, s.name, &info, err) == LW_OK) {
        format_every(info.every_seconds, every, sizeof(every));
        printf("added source %s: %s %s, every %s, via %s; the next crawl fetches it\n",
               info.name, source_kind_name(info.kind), info.url, every, info.via);
    }
    db_close(db);
    return rc;
}

/* ---- list ---- */

struct source_rows {
    struct source_info *v;
    size_t n, cap;
};

static void
collect(void *user, const struct source_info *s)
{
    struct source_rows *r = user;

    if (r->n < SOURCES_MAX) {
        r->v = lw_xgrowarray(r->v, &r->cap, r->n + 1, SOURCES_MAX, sizeof(*r->v));
        r->v[r->n++] = *s;
    }
}

static void
print_row(const struct source_info *s, int name_w, int via_w)
{
    char name[4 * SOURCE_NAME_MAX + 1], every[32], via[4 * 256];
    bool file = s->kind == SOURCE_FILE;

    cli_text(s->name, name, sizeof(name));
    cli_text(file ? "-" : s->via, via, sizeof(via));
    format_every(s->every_seconds, every, sizeof(every));
    printf("%-*s  %-5s  %-6s  %-*s  %-20s  %-20s  %8d  %9lld  %6lld\n", name_w, name,
           source_kind_name(s->kind), file ? "-" : every, via_w, via,
           s->last_success[0] != '\0' ? s->last_success : file ? "-" : "never",
           s->last_error_class[0] != '\0' ? s->last_error_class : "-", s->consecutive_failures,
           (long long)s->documents_found, (long long)s->queued);
}

static void
print_table(const struct source_rows *r)
{
    int name_w = 4, via_w = 3;

    if (r->n == 0) {
        printf("no sources (add one with 'leakwatch source add NAME --url URL')\n");
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        char buf[4 * 256];
        int nw, vw;

        cli_text(r->v[i].name, buf, sizeof(buf));
        nw = (int)strlen(buf);
        cli_text(r->v[i].via, buf, sizeof(buf));
        vw = (int)strlen(buf);
        name_w = nw > name_w ? nw : name_w;
        via_w = vw > via_w ? vw : via_w;
    }
    printf("%-*s  %-5s  %-6s  %-*s  %-20s  %-20s  %8s  %9s  %6s\n", name_w, "NAME", "KIND",
           "EVERY", via_w, "VIA", "LAST SUCCESS", "LAST ERROR", "FAILURES", "DOCUMENTS", "QUEUED");
    for (size_t i = 0; i < r->n; i++) {
        print_row(&r->v[i], name_w, via_w);
    }
}

/* "key":"escaped value" or "key":null for "" (or when null is set). */
static void
json_str(struct lw_buf *b, const char *key, const char *v, bool null)
{
    lw_buf_printf(b, ",\"%s\":", key);
    if (null || v[0] == '\0') {
        lw_buf_append_str(b, "null");
        return;
    }
    lw_buf_append_byte(b, '"');
    lw_escape(b, lw_slice_cstr(v), LW_ESCAPE_JSON);
    lw_buf_append_byte(b, '"');
}

static void
print_json(const struct source_info *s)
{
    bool file = s->kind == SOURCE_FILE;
    struct lw_buf b;

    lw_buf_init(&b, 64 * 1024);
    lw_buf_append_str(&b, "{\"name\":\"");
    lw_escape(&b, lw_slice_cstr(s->name), LW_ESCAPE_JSON);
    lw_buf_printf(&b, "\",\"kind\":\"%s\"", source_kind_name(s->kind));
    json_str(&b, "url", s->url, false);
    json_str(&b, "link_pattern", s->link_pattern, false);
    json_str(&b, "raw_template", s->raw_template, false);
    if (file) {
        lw_buf_append_str(&b, ",\"every_seconds\":null");
    } else {
        lw_buf_printf(&b, ",\"every_seconds\":%lld", (long long)s->every_seconds);
    }
    json_str(&b, "via", s->via, file);
    json_str(&b, "region", s->region, false);
    json_str(&b, "last_success", s->last_success, false);
    json_str(&b, "last_error_class", s->last_error_class, false);
    json_str(&b, "last_error_at", s->last_error_at, false);
    lw_buf_printf(&b, ",\"consecutive_failures\":%d,\"documents_found\":%lld,\"queued\":%lld}\n",
                  s->consecutive_failures, (long long)s->documents_found, (long long)s->queued);
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

static enum lw_rc
run_list(int argc, char **argv, struct lw_error *err)
{
    struct source_rows r = {0};
    struct db *db = NULL;
    bool json = false, helped = false;
    enum lw_rc rc = cli_list_args(argc, argv, "source", source_help, &json, &helped, err);

    if (rc != LW_OK || helped) {
        return rc;
    }
    rc = cli_connect(&db, err);
    if (rc == LW_OK) {
        rc = sources_list(db, collect, &r, err);
    }
    for (size_t i = 0; rc == LW_OK && json && i < r.n; i++) {
        print_json(&r.v[i]);
    }
    if (rc == LW_OK && !json) {
        print_table(&r);
    }
    free(r.v);
    db_close(db);
    return rc;
}

/* ---- remove ---- */

static enum lw_rc
run_remove(int argc, char **argv, struct lw_error *err)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct db *db = NULL;
    char name[4 * SOURCE_NAME_MAX + 1];
    enum lw_rc rc;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c != 'h') {
            return cli_usage_error(err, "source", "bad option for source remove");
        }
        source_help();
        return LW_OK;
    }
    if (optind + 1 != argc) {
        return cli_usage_error(err, "source", "name one source: source remove NAME");
    }
    rc = cli_connect(&db, err);
    if (rc == LW_OK) {
        rc = sources_remove(db, argv[optind], err);
    }
    if (rc == LW_OK) {
        cli_text(argv[optind], name, sizeof(name));
        printf("removed source %s (its queued URLs with it; its documents stay)\n", name);
    }
    db_close(db);
    return rc;
}

static enum lw_rc
source_run(int argc, char **argv, struct lw_error *err)
{
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (sub == NULL) {
        return cli_usage_error(err, "source", "name a subcommand: add, list or remove");
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        source_help();
        return LW_OK;
    }
    if (strcmp(sub, "add") == 0) {
        return run_add(argc - 1, argv + 1, err);
    }
    if (strcmp(sub, "list") == 0) {
        return run_list(argc - 1, argv + 1, err);
    }
    if (strcmp(sub, "remove") == 0) {
        return run_remove(argc - 1, argv + 1, err);
    }
    return cli_usage_error(err, "source", "unknown subcommand '%s' (add, list or remove)", sub);
}

const struct cli_command cmd_source = {
    .name = "source",
    .summary = "add, list (with health) or remove the sites the crawler watches",
    .run = source_run,
    .help = source_help,
};
