/*
 * cli/cmd_crawl.c — `leakwatch crawl`: one crawl cycle, for cron.
 *
 * Rounds until nothing is due or the deadline passes: claim due queue rows (storage/crawlq.h; FOR
 * UPDATE SKIP LOCKED, so crawlers on other hosts take other rows), check that every proxy they need
 * answers (a dead Tor is exit 3 before anything is sent anywhere — and nothing is ever sent around
 * it), fetch them all at once (crawler/fetch.h), and for each result: an index page's links are
 * resolved, filtered by the source's pattern, mapped by its raw template, checked (http(s), v3 onion
 * checksum) and queued — the next round fetches them; a page or paste body goes through the same
 * pipeline as `ingest` (cli/pipeline.h), one document, one transaction, duplicates by content.
 * Every outcome is recorded on its row and on the source's health.
 *
 * Output: nothing when nothing new happened (cron mails nothing); otherwise one summary line of
 * counts. Details with -v. A site that is down is not an error of the run (its health records it,
 * `source list` shows it); an unreachable proxy (exit 3) or database (exit 4) is.
 */
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/num.h"
#include "crawler/fetch.h"
#include "crawler/links.h"
#include "crawler/onion.h"
#include "parsers/html.h"
#include "storage/crawlq.h"

#define DEFAULT_PROXY "socks5h://127.0.0.1:9050"
#define LINKS_PER_PAGE_MAX 5000

struct crawl_opts {
    const char *only;
    double deadline_secs;
    unsigned concurrency;
    unsigned per_host;
    double delay;
    const char *proxy;
};

struct proxy_state {
    char url[256];
    bool up;
};

struct crawl_run {
    const struct crawl_opts *o;
    struct pipeline *p;
    struct db *db;
    struct fetcher *f;
    char worker[160];
    double deadline;
    struct proxy_state proxies[16];
    size_t nproxies;
    bool proxy_down;
    char proxy_msg[LW_ERROR_MSG_MAX];
    enum lw_rc db_rc;          /* the first database failure, which ends the run */
    struct lw_error db_err;
    uint64_t fetched, not_modified, new_docs, duplicates, links, failed, released;
    uint64_t alerts;           /* alerts the stored documents created */
};

static void
crawl_help(void)
{
    printf("Usage: leakwatch crawl [--source NAME] [--deadline 10m] [--concurrency N] [--per-host N]\n"
           "                       [--delay 1s]\n\n"
           "One crawl cycle, for cron: fetch what is due of every source (or only NAME), through\n"
           "Tor, and store what the pages hold exactly as 'leakwatch ingest' does. Index pages'\n"
           "links (matching the source's --link-pattern, mapped by its --raw-template) are queued\n"
           "and fetched in the same cycle; a source's own page again after its --every. Any\n"
           "number of crawls may run at once, on any hosts, against one database: they share the\n"
           "queue (FOR UPDATE SKIP LOCKED) and never fetch a URL twice in a cycle; a crashed\n"
           "crawler's claims expire after the deadline.\n\n"
           "  --source NAME     only this source\n"
           "  --deadline D      stop starting work after D (default 10m; e.g. 90s, 5m)\n"
           "  --concurrency N   transfers at once (default 8)\n"
           "  --per-host N      transfers at once to one site (default 2)\n"
           "  --delay D         politeness: time between request starts to one site (default 1s)\n\n"
           "Network: every request goes through LEAKWATCH_PROXY (default %s), a\n"
           "SOCKS5 proxy that resolves names itself (socks5h://: no name is looked up locally),\n"
           "or through the source's own --via proxy; only a source added with --via direct is\n"
           "fetched without one. Each site gets its own SOCKS username, so Tor gives it its own\n"
           "circuits. Only http and https, redirects included; TLS is verified. Onion addresses are\n"
           "checked (v3 checksum) before they are queued.\n\n"
           "Output: nothing when nothing new happened; otherwise one line of counts. -v for each\n"
           "fetch. A site that is down is recorded on its source ('leakwatch source list').\n\n"
           "Exit status: 0 the cycle ran (sites may have failed), 2 usage or configuration error,\n"
           "3 the proxy/Tor is unreachable (nothing was fetched), 4 database unavailable.\n",
           DEFAULT_PROXY);
}

/* The proxy for a source's via: NULL for direct. */
static const char *
proxy_for(const struct crawl_run *run, const char *via)
{
    if (strcmp(via, "direct") == 0) {
        return NULL;
    }
    if (strncmp(via, "socks5h://", 10) == 0) {
        return via;
    }
    return run->o->proxy; /* "tor" and anything else: the configured proxy */
}

/* Preflight each proxy once per run: true when it answers. */
static bool
proxy_up(struct crawl_run *run, const char *proxy)
{
    struct lw_error err = {0};
    struct proxy_state *ps;

    for (size_t i = 0; i < run->nproxies; i++) {
        if (strcmp(run->proxies[i].url, proxy) == 0) {
            return run->proxies[i].up;
        }
    }
    if (run->nproxies == sizeof(run->proxies) / sizeof(run->proxies[0])) {
        return fetch_proxy_check(proxy, 10, &err) == LW_OK;
    }
    ps = &run->proxies[run->nproxies++];
    snprintf(ps->url, sizeof(ps->url), "%s", proxy);
    ps->up = fetch_proxy_check(proxy, 10, &err) == LW_OK;
    if (!ps->up && !run->proxy_down) {
        run->proxy_down = true;
        snprintf(run->proxy_msg, sizeof(run->proxy_msg), "%s", err.msg);
    }
    return ps->up;
}

static void
note_db_error(struct crawl_run *run, enum lw_rc rc, const struct lw_error *err)
{
    if (rc != LW_OK && run->db_rc == LW_OK) {
        run->db_rc = rc;
        run->db_err = *err;
    }
}

static void
finish(struct crawl_run *run, const struct crawl_item *it, const struct crawl_outcome *o)
{
    struct lw_error err = {0};

    if (run->db_rc == LW_OK) {
        note_db_error(run, crawlq_finish(run->db, it, o, &err), &err);
    }
}

/* ---- index pages ---- */

struct link_ctx {
    const struct crawl_item *item;
    const char *base;
    regex_t re;
    bool has_re;
    char **urls;
    size_t n, cap;
    uint64_t skipped;
};

/* One link of an index page: resolve, filter, map, check, collect. */
static void
on_link(void *user, struct lw_slice href, struct lw_slice text)
{
    struct link_ctx *c = user;
    char url[LINKS_URL_MAX + 1], raw[LINKS_URL_MAX + 1], host[256];
    const char *use = url;

    (void)text;
    if (c->n >= LINKS_PER_PAGE_MAX || !links_resolve(c->base, href, url, sizeof(url))) {
        return;
    }
    if (c->has_re && regexec(&c->re, url, 0, NULL, 0) != 0) {
        return;
    }
    if (c->item->raw_template[0] != '\0') {
        if (!links_raw_url(c->item->raw_template, url, raw, sizeof(raw))) {
            c->skipped++;
            return;
        }
        use = raw;
    }
    if (!onion_url_host(use, host, sizeof(host)) ||
        (onion_is_onion_host(host) && !onion_v3_valid(host))) {
        c->skipped++; /* a forged or mistyped onion never reaches Tor */
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->urls[i], use) == 0) {
            return;
        }
    }
    c->urls = lw_xgrowarray(c->urls, &c->cap, c->n + 1, LINKS_PER_PAGE_MAX, sizeof(*c->urls));
    c->urls[c->n++] = lw_xstrdup(use);
}

static void
index_links(struct crawl_run *run, const struct crawl_item *it, const struct fetch_result *res)
{
    struct link_ctx c = {.item = it, .base = res->effective_url};
    struct lw_error err = {0};
    size_t added = 0;

    if (it->link_pattern[0] != '\0') {
        c.has_re = regcomp(&c.re, it->link_pattern, REG_EXTENDED | REG_NOSUB) == 0;
    }
    if (html_links((const char *)res->body, res->body_len, on_link, &c, &err) == LW_ERR_INVALID) {
        lw_info("crawl", "source %s: the index page is not HTML libtidy can read", it->source_name);
    }
    if (c.n > 0) {
        note_db_error(run, crawlq_add_links(run->db, it->source_id, (const char *const *)c.urls,
                                            c.n, &added, &err), &err);
    }
    run->links += added;
    lw_info("crawl", "source %s: index %s: %zu links, %zu new, %llu refused", it->source_name,
            it->url, c.n, added, (unsigned long long)c.skipped);
    for (size_t i = 0; i < c.n; i++) {
        free(c.urls[i]);
    }
    free(c.urls);
    if (c.has_re) {
        regfree(&c.re);
    }
}

/* ---- pages and pastes ---- */

/* Store the body as a document; *is_new tells whether it was new content. */
static void
store_body(struct crawl_run *run, const struct crawl_item *it, const struct fetch_result *res,
           bool *is_new)
{
    struct pipeline_report rep;
    struct id_context ctx = {{0}};
    struct pipeline_doc d = {.ctx = &ctx};
    struct lw_error err = {0};
    struct reader *r = reader_open_mem(res->body, res->body_len, it->url);
    enum lw_rc rc;

    memcpy(ctx.region, it->region, sizeof(ctx.region));
    d.name_hint = res->effective_url;
    d.meta.label = it->source_name;
    d.meta.url = res->effective_url;
    d.meta.source = it->source_name;
    d.meta.region = it->region[0] != '\0' ? it->region : NULL;
    rc = pipeline_document(run->p, r, &d, &rep, &err);
    reader_close(r);
    *is_new = false;
    if (rc != LW_OK) {
        note_db_error(run, rc, &err);
        return;
    }
    *is_new = !rep.store.duplicate;
    run->alerts += rep.store.alerts;
    if (*is_new) {
        run->new_docs++;
    } else {
        run->duplicates++;
    }
    lw_info("crawl", "source %s: %s: %s, %zu bytes, %llu identifiers, document %lld%s",
            it->source_name, res->effective_url, rep.doc.format->name, res->body_len,
            (unsigned long long)rep.store.distinct, (long long)rep.store.document_id,
            *is_new ? "" : " (seen before)");
}

/* Worth another try later? Transient network and Tor failures, rate limits. */
static bool
retryable(enum fetch_error e)
{
    switch (e) {
    case FETCH_ERR_TIMEOUT:
    case FETCH_ERR_TTL_EXPIRED:
    case FETCH_ERR_HOST_UNREACHABLE:
    case FETCH_ERR_NET_UNREACHABLE:
    case FETCH_ERR_CONN_REFUSED:
    case FETCH_ERR_PROXY_REFUSED:
    case FETCH_ERR_ONION_INTRO_FAILED:
    case FETCH_ERR_ONION_REND_FAILED:
    case FETCH_ERR_ONION_INTRO_TIMEOUT:
    case FETCH_ERR_ONION_NOT_FOUND: /* a site that is down now may publish again */
    case FETCH_ERR_RATE_LIMITED:
    case FETCH_ERR_HTTP:
        return true;
    default:
        return false;
    }
}

static void
on_done(void *user, const struct fetch_result *res)
{
    struct crawl_run *run = user;
    const struct crawl_item *it = res->user;
    struct crawl_outcome o = {.http_status = res->http_status};

    if (res->error == FETCH_ERR_PROXY_UNREACHABLE || (res->error == FETCH_ERR_TIMEOUT &&
                                                      res->attempts == 0)) {
        /* not the site's fault: give the row back untouched */
        struct lw_error err = {0};

        if (res->error == FETCH_ERR_PROXY_UNREACHABLE) {
            run->proxy_down = true;
            snprintf(run->proxy_msg, sizeof(run->proxy_msg), "%s", res->error_msg);
        }
        note_db_error(run, crawlq_release(run->db, it, 1, &err), &err);
        run->released++;
        return;
    }
    if (res->error != FETCH_ERR_NONE) {
        o.error_class = fetch_error_name(res->error);
        o.retry = retryable(res->error) &&
                  (res->error != FETCH_ERR_HTTP || res->http_status >= 500);
        run->failed++;
        lw_info("crawl", "source %s: %s: %s%s%s", it->source_name, it->url, o.error_class,
                res->error_msg[0] != '\0' ? ": " : "", res->error_msg);
        finish(run, it, &o);
        return;
    }
    o.ok = true;
    o.not_modified = res->not_modified;
    o.etag = res->etag;
    o.last_modified = res->last_modified;
    run->fetched++;
    if (res->not_modified) {
        run->not_modified++;
        lw_debug("crawl", "source %s: %s: not modified", it->source_name, it->url);
    } else if (it->kind == CRAWL_INDEX) {
        index_links(run, it, res);
    } else {
        store_body(run, it, res, &o.new_document);
    }
    finish(run, it, &o);
}

/* ---- rounds ---- */

/* Queue one claimed row on the fetcher, or settle it at once (bad onion, proxy down). */
static void
start_item(struct crawl_run *run, struct crawl_item *it, bool *added)
{
    const char *proxy = proxy_for(run, it->via);
    char host[256], user[300];
    struct fetch_request req = {.url = it->url, .user = it};
    struct lw_error err = {0};

    *added = false;
    if (proxy != NULL && !proxy_up(run, proxy)) {
        note_db_error(run, crawlq_release(run->db, it, 1, &err), &err);
        run->released++;
        return;
    }
    if (!onion_url_host(it->url, host, sizeof(host)) ||
        (onion_is_onion_host(host) && !onion_v3_valid(host))) {
        struct crawl_outcome o = {.error_class = fetch_error_name(FETCH_ERR_BAD_ADDRESS)};

        run->failed++;
        finish(run, it, &o);
        return;
    }
    onion_socks_user(host, user, sizeof(user));
    req.proxy = proxy;
    req.socks_user = proxy != NULL ? user : NULL;
    if (it->kind != CRAWL_PASTE) {
        req.etag = it->etag[0] != '\0' ? it->etag : NULL;
        req.last_modified = it->last_modified[0] != '\0' ? it->last_modified : NULL;
    }
    fetcher_add(run->f, &req);
    *added = true;
}

/* One round: claim, fetch, settle. *claimed gets how many rows were claimed. */
static enum lw_rc
round_run(struct crawl_run *run, size_t *claimed, struct lw_error *err)
{
    struct fetch_opts fo;
    struct crawl_item *items = NULL;
    size_t n = 0, queued = 0;
    double left = run->deadline - fetch_now();
    enum lw_rc rc;

    *claimed = 0;
    rc = crawlq_claim(run->db, run->worker, run->o->only, (size_t)run->o->concurrency * 4,
                      left + 120, &items, &n, err);
    if (rc != LW_OK || n == 0) {
        free(items);
        return rc;
    }
    *claimed = n;
    fetch_opts_default(&fo);
    fo.max_total = run->o->concurrency;
    fo.max_per_host = run->o->per_host;
    fo.host_delay = run->o->delay;
    fo.deadline = run->deadline;
    rc = fetcher_new(&fo, on_done, run, &run->f, err);
    for (size_t i = 0; rc == LW_OK && i < n; i++) {
        bool added;

        start_item(run, &items[i], &added);
        queued += added;
    }
    if (rc == LW_OK && queued > 0) {
        rc = fetcher_run(run->f, err);
    }
    fetcher_free(run->f);
    run->f = NULL;
    free(items);
    return rc;
}

static void
summary(const struct crawl_run *run)
{
    if (run->new_docs + run->links + run->failed == 0) {
        return; /* nothing new: cron mails nothing */
    }
    printf("crawl: %llu fetched (%llu not modified), %llu new documents, %llu seen before, "
           "%llu links queued, %llu failed%s%llu%s\n",
           (unsigned long long)run->fetched, (unsigned long long)run->not_modified,
           (unsigned long long)run->new_docs, (unsigned long long)run->duplicates,
           (unsigned long long)run->links, (unsigned long long)run->failed,
           run->alerts > 0 ? ", " : "", (unsigned long long)run->alerts,
           run->alerts == 0 ? "" : run->alerts == 1 ? " alert" : " alerts");
    fflush(stdout);
}

static enum lw_rc
crawl_cycle(struct crawl_run *run, struct lw_error *err)
{
    enum lw_rc rc = LW_OK;
    size_t claimed = 1;

    for (int round = 0; rc == LW_OK && claimed > 0 && fetch_now() < run->deadline; round++) {
        rc = round_run(run, &claimed, err);
        if (run->db_rc != LW_OK) {
            *err = run->db_err;
            rc = run->db_rc;
        } else if (rc == LW_OK && run->proxy_down) {
            rc = lw_error_set(err, LW_ERR_PROXY, "%s; the work stays queued for the next run",
                              run->proxy_msg);
        }
        lw_debug("crawl", "round %d: %zu claimed", round, claimed);
    }
    summary(run);
    return rc;
}

/* ---- options ---- */

static enum lw_rc
parse_opts(int argc, char **argv, struct crawl_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"source", required_argument, NULL, 's'},      {"deadline", required_argument, NULL, 'd'},
        {"concurrency", required_argument, NULL, 'c'}, {"per-host", required_argument, NULL, 'H'},
        {"delay", required_argument, NULL, 'D'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;
    int c;

    while ((c = getopt_long(argc, argv, "s:d:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': o->only = optarg; break;
        case 'd':
            if (lw_parse_duration(lw_slice_cstr(optarg), 86400, &v) != LW_OK || v < 1) {
                return cli_usage_error(err, "crawl", "--deadline takes a duration from 1s to 24h");
            }
            o->deadline_secs = (double)v;
            break;
        case 'D':
            if (lw_parse_duration(lw_slice_cstr(optarg), 3600, &v) != LW_OK) {
                return cli_usage_error(err, "crawl", "--delay takes a duration from 0s to 1h");
            }
            o->delay = (double)v;
            break;
        case 'c':
        case 'H':
            if (lw_parse_u64(lw_slice_cstr(optarg), 1, 256, &v) != LW_OK) {
                return cli_usage_error(err, "crawl", "--%s takes a number from 1 to 256",
                                       c == 'c' ? "concurrency" : "per-host");
            }
            *(c == 'c' ? &o->concurrency : &o->per_host) = (unsigned)v;
            break;
        case 'h': crawl_help(); return LW_ERR_NOT_FOUND;
        default: return cli_usage_error(err, "crawl", "bad option");
        }
    }
    if (optind < argc) {
        return cli_usage_error(err, "crawl", "unexpected argument '%s'", argv[optind]);
    }
    return LW_OK;
}

/* LEAKWATCH_PROXY: only socks5h (the proxy resolves names); socks5:// would resolve locally. */
static enum lw_rc
proxy_setting(struct crawl_opts *o, struct lw_error *err)
{
    const char *env = getenv("LEAKWATCH_PROXY");

    o->proxy = env != NULL && env[0] != '\0' ? env : DEFAULT_PROXY;
    if (strncmp(o->proxy, "socks5h://", 10) != 0 || strlen(o->proxy) > 200) {
        return lw_error_set(err, LW_ERR_CONFIG, "LEAKWATCH_PROXY must be a socks5h://HOST:PORT URL "
                            "(the proxy resolves names; socks5:// would look them up locally)");
    }
    return LW_OK;
}

static enum lw_rc
crawl_run_cmd(int argc, char **argv, struct lw_error *err)
{
    struct crawl_opts o = {.deadline_secs = 600, .concurrency = 8, .per_host = 2, .delay = 1};
    struct crawl_run run = {.o = &o};
    struct pipeline_opts po = {0};
    char host[128] = "localhost";
    enum lw_rc rc = parse_opts(argc, argv, &o, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = proxy_setting(&o, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    run.deadline = fetch_now() + o.deadline_secs;
    gethostname(host, sizeof(host) - 1);
    snprintf(run.worker, sizeof(run.worker), "%s:%ld", host, (long)getpid());
    rc = pipeline_open(&po, &run.p, err);
    if (rc != LW_OK) {
        return rc;
    }
    run.db = pipeline_db(run.p);
    rc = crawl_cycle(&run, err);
    pipeline_free(run.p);
    return rc;
}

const struct cli_command cmd_crawl = {
    .name = "crawl",
    .summary = "one crawl cycle through Tor: fetch what is due, store what it holds (for cron)",
    .run = crawl_run_cmd,
    .help = crawl_help,
};
