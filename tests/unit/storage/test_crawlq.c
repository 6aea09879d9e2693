/*
 * tests/unit/storage/test_crawlq.c — sources and the crawl work queue against a real PostgreSQL:
 * add/get/list/remove and the validation of a source spec; claims by concurrent connections are
 * disjoint and together take every due row (SKIP LOCKED, with a claimer holding its locks open, and
 * with four threads racing); leases; the schedule and health that finish records for each outcome;
 * release; links de-duplicated across sources; due counts and the one-source filter.
 *
 * Needs a server: make check runs every test inside tests/pg/with-cluster, which sets PGHOST etc.
 * Without one this test FAILS (CI must never skip it silently). Each test gets its own database.
 */
#include "storage/crawlq.c" /* its claim statement, for the plan test */

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/db.h"
#include "storage/migrate.h"
#include "storage/sources.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/storage/pg_test.h"

/* A fresh, migrated database (tests/unit/storage/pg_test.h). */
static struct db *
fresh_db(void)
{
    pg_test_prefix = "lw_crawlq";
    return pg_test_db(true);
}

/* A second connection to the same database (PGDATABASE is still set by fresh_db). */
static struct db *
connect2(void)
{
    struct lw_error err = {0};
    struct db *db = NULL;

    CHECK(db_connect(&db, &err) == LW_OK);
    return db;
}

#define q1 pg_test_q1

static long long
qi(struct db *db, const char *sql)
{
    return strtoll(q1(db, sql), NULL, 10);
}

static enum lw_rc
add(struct db *db, const char *name, enum source_kind kind, const char *url, int64_t every,
    struct lw_error *err)
{
    struct source_spec s = {.name = name, .kind = kind, .url = url, .every_seconds = every};

    return sources_add(db, &s, err);
}

static void
test_server_required(void)
{
    CHECK(getenv("PGHOST") != NULL);
    if (getenv("PGHOST") == NULL) {
        fprintf(stderr, "no PostgreSQL: run through tests/pg/with-cluster (make check does)\n");
    }
}

/* ---- sources ---- */

struct listed {
    int n;
    char names[8][SOURCE_NAME_MAX + 1];
    struct source_info last;
};

static void
on_source(void *user, const struct source_info *s)
{
    struct listed *l = user;

    if (l->n < 8) {
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", s->name);
    }
    l->n++;
    l->last = *s;
}

static void
test_add_get_list_remove(void)
{
    struct db *db = fresh_db();
    struct source_spec idx = {.name = "pastes.onion", .kind = SOURCE_INDEX,
                              .url = "HTTP://Paste.Example.ONION/Latest?p=1",
                              .link_pattern = "/paste/[a-z0-9]+$",
                              .raw_template = "{origin}/raw/{id}", .every_seconds = 300,
                              .via = "socks5h://127.0.0.1:9150", .region = "FI"};
    struct source_info s;
    struct listed l = {0};
    struct lw_error err = {0};

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(sources_add(db, &idx, &err) == LW_OK);
    CHECK(add(db, "a-page", SOURCE_PAGE, "https://leaks.example/board", 0, &err) == LW_OK);
    CHECK(sources_get(db, "pastes.onion", &s, &err) == LW_OK);
    CHECK_STR(s.name, "pastes.onion");
    CHECK_INT(s.kind, SOURCE_INDEX);
    CHECK_STR(s.url, "http://paste.example.onion/Latest?p=1"); /* scheme and host lower-cased */
    CHECK_STR(s.link_pattern, "/paste/[a-z0-9]+$");
    CHECK_STR(s.raw_template, "{origin}/raw/{id}");
    CHECK_INT(s.every_seconds, 300);
    CHECK_STR(s.via, "socks5h://127.0.0.1:9150");
    CHECK_STR(s.region, "FI");
    CHECK_STR(s.last_success, "");
    CHECK_STR(s.last_error_class, "");
    CHECK_INT(s.consecutive_failures, 0);
    CHECK_INT(s.documents_found, 0);
    CHECK_INT(s.queued, 1); /* its own URL, due now */
    CHECK(sources_get(db, "a-page", &s, &err) == LW_OK);
    CHECK_INT(s.every_seconds, 900); /* the default */
    CHECK_STR(s.via, "tor");
    CHECK_STR(s.region, "");
    CHECK_STR(s.link_pattern, "");
    CHECK_STR(q1(db, "SELECT kind || ' ' || (next_fetch_at <= now()) FROM crawl_urls "
                     "WHERE url = 'https://leaks.example/board'"), "page true");
    /* a file source, as ingest --label makes it, is listed too and has no queue row */
    CHECK_STR(q1(db, "INSERT INTO sources (name, kind) VALUES ('dump label', 'file') "
                     "RETURNING kind || ' ' || via || ' ' || consecutive_failures"), "file tor 0");
    CHECK(sources_list(db, on_source, &l, &err) == LW_OK);
    CHECK_INT(l.n, 3);
    CHECK_STR(l.names[0], "a-page");
    CHECK_STR(l.names[1], "dump label");
    CHECK_STR(l.names[2], "pastes.onion");
    CHECK(sources_get(db, "dump label", &s, &err) == LW_OK);
    CHECK_INT(s.kind, SOURCE_FILE);
    CHECK_INT(s.queued, 0);
    CHECK_STR(source_kind_name(SOURCE_FILE), "file");
    /* remove: queue rows go, documents stay without their source */
    CHECK_INT(qi(db, "INSERT INTO documents (content_hash, source_id, format, bytes, records, "
                     "records_with_hits, identifiers, distinct_identifiers, summary) SELECT "
                     "decode(repeat('ab', 32), 'hex'), id, 'text', 1, 0, 0, 0, 0, '{}' FROM "
                     "sources WHERE name = 'pastes.onion' RETURNING 1"), 1);
    CHECK(sources_remove(db, "pastes.onion", &err) == LW_OK);
    CHECK(sources_get(db, "pastes.onion", &s, &err) == LW_ERR_NOT_FOUND);
    CHECK(strstr(err.msg, "pastes.onion") != NULL);
    CHECK(sources_remove(db, "pastes.onion", &err) == LW_ERR_NOT_FOUND);
    CHECK_STR(q1(db, "SELECT count(*) FROM crawl_urls"), "1");
    CHECK_STR(q1(db, "SELECT count(*) || ' ' || count(source_id) FROM documents"), "1 0");
    db_close(db);
}

struct bad_case {
    struct source_spec spec;
    const char *field; /* the message starts with "field:" */
};

/* Each refused with LW_ERR_INVALID and a message that starts with its field. */
static const struct bad_case bad_specs[] = {
    {{.name = "", .url = "http://x.example/"}, "name"},
    {{.name = "has space", .url = "http://x.example/"}, "name"},
    {{.name = "-dash", .url = "http://x.example/"}, "name"},
    {{.name = "semi;colon", .url = "http://x.example/"}, "name"},
    {{.name = "ok", .url = "ftp://x.example/"}, "url"},
    {{.name = "ok", .url = "file:///etc/passwd"}, "url"},
    {{.name = "ok", .url = "http://"}, "url"},
    {{.name = "ok", .url = "http:///path"}, "url"},
    {{.name = "ok", .url = "http://user:pw@x.example/"}, "url"},
    {{.name = "ok", .url = "http://x.example/a b"}, "url"},
    {{.name = "ok", .url = "http://x.example/\xc3\xa4"}, "url"},
    {{.name = "ok", .url = ""}, "url"},
    {{.name = "ok", .kind = SOURCE_FILE, .url = "http://x.example/"}, "kind"},
    {{.name = "ok", .kind = (enum source_kind)7, .url = "http://x.example/"}, "kind"},
    {{.name = "ok", .url = "http://x.example/", .link_pattern = "x"}, "link_pattern"},
    {{.name = "ok", .url = "http://x.example/", .raw_template = "{url}"}, "raw_template"},
    {{.name = "ok", .kind = SOURCE_INDEX, .url = "http://x.example/", .link_pattern = "(a"},
     "link_pattern"},
    {{.name = "ok", .kind = SOURCE_INDEX, .url = "http://x.example/", .link_pattern = ""},
     "link_pattern"},
    {{.name = "ok", .kind = SOURCE_INDEX, .url = "http://x.example/", .link_pattern = "a\nb"},
     "link_pattern"},
    {{.name = "ok", .kind = SOURCE_INDEX, .url = "http://x.example/",
      .raw_template = "http://x.example/raw"}, "raw_template"},
    {{.name = "ok", .kind = SOURCE_INDEX, .url = "http://x.example/",
      .raw_template = "http://x.example/{name}"}, "raw_template"},
    {{.name = "ok", .kind = SOURCE_INDEX, .url = "http://x.example/",
      .raw_template = "ftp://x/{id}"}, "raw_template"},
    {{.name = "ok", .url = "http://x.example/", .every_seconds = 59}, "every"},
    {{.name = "ok", .url = "http://x.example/", .every_seconds = -5}, "every"},
    {{.name = "ok", .url = "http://x.example/", .every_seconds = 366LL * 86400}, "every"},
    {{.name = "ok", .url = "http://x.example/", .via = "Tor"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "socks5://127.0.0.1:9050"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "socks5h://127.0.0.1"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "socks5h://127.0.0.1:0"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "socks5h://127.0.0.1:70000"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "socks5h://u:p@127.0.0.1:9050"},
     "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "socks5h://h:1/x"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .via = "http://proxy:8080"}, "via"},
    {{.name = "ok", .url = "http://abc.onion/", .via = "direct"}, "via"},
    {{.name = "ok", .url = "https://www.ABC.Onion.:8080/x", .via = "direct"}, "via"},
    {{.name = "ok", .url = "http://x.example/", .region = "fi"}, "region"},
    {{.name = "ok", .url = "http://x.example/", .region = "FIN"}, "region"},
    {{.name = "ok", .url = "http://x.example/", .region = "F1"}, "region"},
};

/* Each accepted. */
static const struct source_spec good_specs[] = {
    {.name = "A.b_c-9", .url = "https://x.example:8443/"},
    {.name = "v6", .url = "http://[::1]:8080/", .via = "socks5h://[::1]:9050"},
    {.name = "direct", .url = "http://intranet.example/", .via = "direct", .every_seconds = 60},
    {.name = "tmpl", .kind = SOURCE_INDEX, .url = "http://i.example/",
     .link_pattern = "^https?://i\\.example/p/[0-9]+$", .raw_template = "{url}?raw=1"},
};

static void
test_validation(void)
{
    char long_name[SOURCE_NAME_MAX + 2], long_url[SOURCE_URL_MAX + 2];
    struct db *db = fresh_db();
    struct lw_error err = {0};
    char prefix[32];

    if (db == NULL) {
        CHECK(0);
        return;
    }
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
        memset(&err, 0, sizeof(err));
        snprintf(prefix, sizeof(prefix), "%s: ", bad_specs[i].field);
        if (sources_add(db, &bad_specs[i].spec, &err) != LW_ERR_INVALID ||
            strncmp(err.msg, prefix, strlen(prefix)) != 0) {
            fprintf(stderr, "bad case %zu (%s) not refused as such: %s\n", i, bad_specs[i].field,
                    err.msg);
            CHECK(0);
        }
    }
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    CHECK(add(db, long_name, SOURCE_PAGE, "http://x.example/", 0, &err) == LW_ERR_INVALID);
    long_name[SOURCE_NAME_MAX] = '\0';
    CHECK(add(db, long_name, SOURCE_PAGE, "http://long-name.example/", 0, &err) == LW_OK);
    snprintf(long_url, sizeof(long_url), "http://x.example/");
    memset(long_url + 17, 'u', sizeof(long_url) - 18);
    long_url[sizeof(long_url) - 1] = '\0';
    CHECK(add(db, "long", SOURCE_PAGE, long_url, 0, &err) == LW_ERR_INVALID);
    long_url[SOURCE_URL_MAX] = '\0';
    CHECK(add(db, "long", SOURCE_PAGE, long_url, 0, &err) == LW_OK);
    CHECK_STR(q1(db, "SELECT count(*) FROM sources"), "2"); /* nothing of the bad ones */
    for (size_t i = 0; i < sizeof(good_specs) / sizeof(good_specs[0]); i++) {
        if (sources_add(db, &good_specs[i], &err) != LW_OK) {
            fprintf(stderr, "good case %zu refused: %s\n", i, err.msg);
            CHECK(0);
        }
    }
    /* a taken name, a taken URL (the second source is not left behind) */
    CHECK(add(db, "A.b_c-9", SOURCE_PAGE, "http://other.example/", 0, &err) == LW_ERR_EXISTS);
    CHECK(strstr(err.msg, "exists") != NULL);
    CHECK(add(db, "again", SOURCE_PAGE, "HTTPS://X.EXAMPLE:8443/", 0, &err) == LW_ERR_EXISTS);
    CHECK(strstr(err.msg, "A.b_c-9") != NULL);
    CHECK_STR(q1(db, "SELECT count(*) FROM sources WHERE name = 'again'"), "0");
    /* the database refuses what the C refuses, should anything write around it */
    CHECK_STR(q1(db, "UPDATE sources SET every = interval '59 seconds' RETURNING 1"), "ERROR");
    CHECK_STR(q1(db, "UPDATE sources SET via = 'socks5://h:1' RETURNING 1"), "ERROR");
    CHECK_STR(q1(db, "UPDATE sources SET link_pattern = 'x' WHERE kind = 'page' RETURNING 1"),
              "ERROR");
    db_close(db);
}

/* ---- the queue ---- */

/* n paste links http://p.example/<tag>/<i> for source id sid; returns how many were added. */
static size_t
add_pastes(struct db *db, int64_t sid, const char *tag, size_t n)
{
    char **urls = calloc(n, sizeof(*urls));
    struct lw_error err = {0};
    size_t added = 0;

    for (size_t i = 0; i < n; i++) {
        urls[i] = malloc(64);
        snprintf(urls[i], 64, "http://p.example/%s/%zu", tag, i);
    }
    CHECK(crawlq_add_links(db, sid, (const char *const *)urls, n, &added, &err) == LW_OK);
    for (size_t i = 0; i < n; i++) {
        free(urls[i]);
    }
    free(urls);
    return added;
}

static int64_t
source_id(struct db *db, const char *name)
{
    struct source_info s;
    struct lw_error err = {0};

    CHECK(sources_get(db, name, &s, &err) == LW_OK);
    return s.id;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* ids sorted; true when no id occurs twice */
static bool
distinct_ids(int64_t *ids, size_t n)
{
    qsort(ids, n, sizeof(*ids), cmp_i64);
    for (size_t i = 1; i < n; i++) {
        if (ids[i] == ids[i - 1]) {
            return false;
        }
    }
    return true;
}

/* One claimer holds its rows' locks (transaction open): a second gets the others at once, without
 * waiting (statement_timeout turns a wait into a failure) — then nothing once the first commits. */
static void
test_claim_skip_locked(void)
{
    struct db *a = fresh_db(), *b = connect2();
    struct crawl_item *ia = NULL, *ib = NULL, *ic = NULL;
    size_t na = 0, nb = 0, nc = 0;
    struct lw_error err = {0};
    int64_t ids[64];

    if (a == NULL || b == NULL) {
        CHECK(0);
        db_close(a);
        db_close(b);
        return;
    }
    CHECK(add(a, "idx", SOURCE_INDEX, "http://p.example/", 0, &err) == LW_OK);
    CHECK_INT(add_pastes(a, source_id(a, "idx"), "s", 39), 39); /* 40 due rows */
    CHECK(db_exec(b, "timeout", "SET statement_timeout = '5s'", &err) == LW_OK);
    CHECK(db_begin(a, &err) == LW_OK);
    CHECK(crawlq_claim(a, "host-a:1", NULL, 15, 60, &ia, &na, &err) == LW_OK);
    CHECK_INT(na, 15);
    if (crawlq_claim(b, "host-b:2", NULL, 100, 60, &ib, &nb, &err) != LW_OK) {
        fprintf(stderr, "second claimer: %s\n", err.msg);
        CHECK(0);
    }
    CHECK_INT(nb, 25);
    CHECK(db_commit(a, &err) == LW_OK);
    CHECK(crawlq_claim(b, "host-b:2", NULL, 100, 60, &ic, &nc, &err) == LW_OK);
    CHECK_INT(nc, 0);
    if (na + nb == 40) {
        for (size_t i = 0; i < na; i++) {
            ids[i] = ia[i].id;
        }
        for (size_t i = 0; i < nb; i++) {
            ids[na + i] = ib[i].id;
        }
        CHECK(distinct_ids(ids, 40));
    }
    CHECK_STR(q1(a, "SELECT count(*) FROM crawl_urls WHERE claimed_by = 'host-a:1'"), "15");
    CHECK_STR(q1(a, "SELECT count(*) FROM crawl_urls WHERE claimed_by = 'host-b:2' AND "
                    "claimed_until > now() + interval '50 seconds'"), "25");
    free(ia);
    free(ib);
    free(ic);
    db_close(a);
    db_close(b);
}

#define RACERS 4
#define RACE_ROWS 300

struct racer {
    pthread_t t;
    char name[32];
    int64_t ids[RACE_ROWS + 1];
    size_t n;
    int failed;
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    struct lw_error err = {0};
    struct db *db = NULL;

    if (db_connect(&db, &err) != LW_OK) {
        r->failed = 1;
        return NULL;
    }
    for (;;) {
        struct crawl_item *it = NULL;
        size_t n = 0;

        if (crawlq_claim(db, r->name, NULL, 3, 60, &it, &n, &err) != LW_OK) {
            r->failed = 1;
        }
        for (size_t i = 0; i < n && r->n <= RACE_ROWS; i++) {
            r->ids[r->n++] = it[i].id;
        }
        free(it);
        if (n == 0 || r->failed || r->n > RACE_ROWS) {
            break; /* more rows than exist: some were claimed twice */
        }
    }
    db_close(db);
    return NULL;
}

/* Four connections claiming three rows at a time until nothing is left: every row exactly once. */
static void
test_claim_race(void)
{
    static struct racer r[RACERS];
    static int64_t all[RACERS * (RACE_ROWS + 1)];
    struct db *db = fresh_db();
    struct lw_error err = {0};
    size_t total = 0;
    int busy = 0;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "idx", SOURCE_INDEX, "http://p.example/", 0, &err) == LW_OK);
    CHECK_INT(add_pastes(db, source_id(db, "idx"), "r", RACE_ROWS - 1), RACE_ROWS - 1);
    for (int i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        snprintf(r[i].name, sizeof(r[i].name), "racer-%d", i);
        CHECK(pthread_create(&r[i].t, NULL, race, &r[i]) == 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(r[i].t, NULL);
        CHECK(!r[i].failed);
        memcpy(all + total, r[i].ids, r[i].n * sizeof(all[0]));
        total += r[i].n;
        busy += r[i].n > 0;
    }
    CHECK_INT(total, RACE_ROWS);
    CHECK(distinct_ids(all, total));
    CHECK(busy >= 2); /* the race was a race */
    CHECK_STR(q1(db, "SELECT count(*) FROM crawl_urls WHERE claimed_by IS NULL"), "0");
    db_close(db);
}

/* A claimed row is not claimable until its lease ends, then it is (a crashed crawler). */
static void
test_lease(void)
{
    struct db *db = fresh_db();
    struct crawl_item *it = NULL;
    struct lw_error err = {0};
    int64_t due = -1;
    size_t n = 0;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "p", SOURCE_PAGE, "http://lease.example/", 0, &err) == LW_OK);
    CHECK(crawlq_due_count(db, NULL, &due, &err) == LW_OK);
    CHECK_INT(due, 1);
    CHECK(crawlq_claim(db, "crashes", NULL, 10, 1.0, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(it[0].url, "http://lease.example/");
        CHECK_STR(it[0].source_name, "p");
        CHECK_INT(it[0].kind, CRAWL_PAGE);
        CHECK_STR(it[0].via, "tor");
        CHECK_INT(it[0].attempts, 0);
    }
    free(it);
    CHECK(crawlq_due_count(db, NULL, &due, &err) == LW_OK);
    CHECK_INT(due, 0);
    CHECK(crawlq_claim(db, "other", NULL, 10, 60, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 0);
    free(it);
    usleep(1300 * 1000);
    CHECK(crawlq_claim(db, "other", NULL, 10, 60, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    free(it);
    CHECK_STR(q1(db, "SELECT claimed_by FROM crawl_urls"), "other");
    /* bad arguments */
    CHECK(crawlq_claim(db, "", NULL, 10, 60, &it, &n, &err) == LW_ERR_INVALID);
    CHECK(crawlq_claim(db, "w", NULL, 10, 0, &it, &n, &err) == LW_ERR_INVALID);
    CHECK(crawlq_claim(db, "w\n", NULL, 10, 60, &it, &n, &err) == LW_ERR_INVALID);
    CHECK(crawlq_claim(db, "w", NULL, 0, 60, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 0);
    free(it);
    db_close(db);
}

/* Claim the single due row of url (it must be due). */
static struct crawl_item
claim_one(struct db *db, const char *url)
{
    struct crawl_item item = {0}, *it = NULL;
    struct lw_error err = {0};
    char sql[256];
    size_t n = 0;

    snprintf(sql, sizeof(sql), "UPDATE crawl_urls SET next_fetch_at = now() - interval '1 s' "
                               "WHERE url = '%s' RETURNING 1", url);
    CHECK_STR(q1(db, sql), "1");
    CHECK(crawlq_claim(db, "finisher", NULL, 1, 60, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(it[0].url, url);
        item = it[0];
    }
    free(it);
    return item;
}

/* Seconds from now to the row's next_fetch_at (rounded), -1 for NULL. */
static long long
next_in(struct db *db, const char *url)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "SELECT coalesce(round(extract(epoch FROM next_fetch_at - now()))"
                               ", -1) FROM crawl_urls WHERE url = '%s'", url);
    return qi(db, sql);
}

static const char *
row(struct db *db, const char *cols, const char *url)
{
    char sql[512];

    snprintf(sql, sizeof(sql), "SELECT concat_ws('|', %s) FROM crawl_urls WHERE url = '%s'", cols,
             url);
    return q1(db, sql);
}

static const char *
health(struct db *db, const char *name)
{
    char sql[512];

    snprintf(sql, sizeof(sql), "SELECT concat_ws('|', last_success_at IS NOT NULL, "
                               "coalesce(last_error_class, '-'), last_error_at IS NOT NULL, "
                               "consecutive_failures, documents_found) FROM sources WHERE name = "
                               "'%s'", name);
    return q1(db, sql);
}

static void
test_finish_page(void)
{
    const char *u = "http://page.example/";
    struct db *db = fresh_db();
    struct crawl_outcome ok = {.ok = true, .http_status = 200, .etag = "\"v1\"",
                               .last_modified = "Mon, 01 Jan 2024 00:00:00 GMT",
                               .new_document = true};
    struct crawl_outcome nm = {.ok = true, .not_modified = true, .http_status = 304};
    struct crawl_outcome fail = {.error_class = "timeout", .retry = true};
    struct crawl_outcome gone = {.error_class = "http", .http_status = 404};
    struct crawl_item it;
    struct lw_error err = {0};

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "pg", SOURCE_PAGE, u, 300, &err) == LW_OK);
    it = claim_one(db, u);
    CHECK(crawlq_finish(db, &it, &ok, &err) == LW_OK);
    CHECK_INT(next_in(db, u), 300);
    CHECK_STR(row(db, "attempts, last_status, coalesce(last_error_class, '-'), etag, "
                      "last_modified, claimed_by IS NULL, claimed_until IS NULL, "
                      "last_fetched_at IS NOT NULL", u),
              "0|200|-|\"v1\"|Mon, 01 Jan 2024 00:00:00 GMT|t|t|t");
    CHECK_STR(health(db, "pg"), "t|-|f|0|1");
    /* the validators come back with the next claim; a 304 without them keeps them */
    it = claim_one(db, u);
    CHECK_STR(it.etag, "\"v1\"");
    CHECK_STR(it.last_modified, "Mon, 01 Jan 2024 00:00:00 GMT");
    CHECK(crawlq_finish(db, &it, &nm, &err) == LW_OK);
    CHECK_STR(row(db, "etag, last_status", u), "\"v1\"|304");
    CHECK_STR(health(db, "pg"), "t|-|f|0|1"); /* not modified: no new document */
    /* a retryable failure: backoff 2^attempts minutes, capped by the interval (5 min) */
    it = claim_one(db, u);
    CHECK(crawlq_finish(db, &it, &fail, &err) == LW_OK);
    CHECK_INT(next_in(db, u), 60);
    CHECK_STR(row(db, "attempts, last_error_class, etag", u), "1|timeout|\"v1\"");
    CHECK_STR(health(db, "pg"), "t|timeout|t|1|1");
    it = claim_one(db, u);
    CHECK_INT(it.attempts, 1);
    CHECK(crawlq_finish(db, &it, &fail, &err) == LW_OK);
    CHECK_INT(next_in(db, u), 120);
    CHECK_STR(q1(db, "UPDATE crawl_urls SET attempts = 5 RETURNING 1"), "1");
    it = claim_one(db, u);
    CHECK(crawlq_finish(db, &it, &fail, &err) == LW_OK);
    CHECK_INT(next_in(db, u), 300); /* 32 min, but never later than the schedule */
    /* a failure not worth retrying: the next interval, attempts counted */
    it = claim_one(db, u);
    CHECK(crawlq_finish(db, &it, &gone, &err) == LW_OK);
    CHECK_INT(next_in(db, u), 300);
    CHECK_STR(row(db, "attempts, last_status, last_error_class", u), "7|404|http");
    CHECK_STR(health(db, "pg"), "t|http|t|4|1");
    /* success again: failures reset, the last error stays on record */
    it = claim_one(db, u);
    ok.etag = "\"v2\xff\""; /* not ASCII: dropped, not stored (and the statement does not fail) */
    CHECK(crawlq_finish(db, &it, &ok, &err) == LW_OK);
    CHECK_STR(row(db, "attempts, coalesce(etag, '-'), coalesce(last_error_class, '-')", u),
              "0|-|-");
    CHECK_STR(health(db, "pg"), "t|http|t|0|2");
    db_close(db);
}

static void
test_finish_paste(void)
{
    const char *p1 = "http://p.example/f/0", *p2 = "http://p.example/f/1";
    const char *p3 = "http://p.example/f/2", *p4 = "http://p.example/f/3";
    struct db *db = fresh_db();
    struct crawl_outcome ok = {.ok = true, .http_status = 200};
    struct crawl_outcome retry = {.error_class = "onion_intro_failed", .retry = true};
    struct crawl_outcome gone = {.error_class = "http", .http_status = 410};
    struct crawl_outcome bad = {.error_class = "Not A Class"};
    struct crawl_item it;
    struct lw_error err = {0};
    int64_t sid;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "ix", SOURCE_INDEX, "http://p.example/", 0, &err) == LW_OK);
    sid = source_id(db, "ix");
    CHECK_INT(add_pastes(db, sid, "f", 4), 4);
    CHECK_STR(q1(db, "UPDATE crawl_urls SET next_fetch_at = now() + interval '1 hour'"
                     " RETURNING 1"), "1");
    it = claim_one(db, p1);
    CHECK_INT(it.kind, CRAWL_PASTE);
    CHECK(crawlq_finish(db, &it, &ok, &err) == LW_OK);
    CHECK_INT(next_in(db, p1), -1); /* fetched: never again */
    CHECK_STR(health(db, "ix"), "t|-|f|0|0");
    it = claim_one(db, p2);
    CHECK(crawlq_finish(db, &it, &retry, &err) == LW_OK);
    CHECK_INT(next_in(db, p2), 60);
    CHECK_STR(q1(db, "UPDATE crawl_urls SET attempts = 8 WHERE url = 'http://p.example/f/1' "
                     "RETURNING 1"), "1");
    it = claim_one(db, p2);
    CHECK(crawlq_finish(db, &it, &retry, &err) == LW_OK);
    CHECK_INT(next_in(db, p2), 256 * 60);
    it = claim_one(db, p2);
    CHECK(crawlq_finish(db, &it, &retry, &err) == LW_OK);
    CHECK_INT(next_in(db, p2), 6 * 3600); /* 512 minutes capped at 6 hours */
    CHECK_STR(q1(db, "UPDATE crawl_urls SET attempts = 11 WHERE url = 'http://p.example/f/1' "
                     "RETURNING 1"), "1");
    it = claim_one(db, p2);
    CHECK_INT(it.attempts, 11);
    CHECK(crawlq_finish(db, &it, &retry, &err) == LW_OK);
    CHECK_INT(next_in(db, p2), -1); /* the twelfth failure: given up */
    CHECK_STR(row(db, "attempts, last_error_class", p2), "12|onion_intro_failed");
    it = claim_one(db, p3);
    CHECK(crawlq_finish(db, &it, &gone, &err) == LW_OK);
    CHECK_INT(next_in(db, p3), -1); /* no retry: never again, the class recorded */
    CHECK_STR(row(db, "attempts, last_status, last_error_class, claimed_by IS NULL", p3),
              "1|410|http|t");
    CHECK_STR(health(db, "ix"), "t|http|t|5|0");
    it = claim_one(db, p4);
    CHECK(crawlq_finish(db, &it, &bad, &err) == LW_ERR_INVALID);
    /* the row of a source removed while it was being fetched: nothing to record, no error */
    CHECK(sources_remove(db, "ix", &err) == LW_OK);
    CHECK(crawlq_finish(db, &it, &ok, &err) == LW_OK);
    db_close(db);
}

/* Released rows are claimable again at once, with next_fetch_at unchanged. */
static void
test_release(void)
{
    struct db *db = fresh_db();
    struct crawl_item *it = NULL;
    struct lw_error err = {0};
    char before[512];
    size_t n = 0;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "a", SOURCE_PAGE, "http://a.example/", 0, &err) == LW_OK);
    CHECK(add(db, "b", SOURCE_PAGE, "http://b.example/", 0, &err) == LW_OK);
    CHECK(add(db, "c", SOURCE_PAGE, "http://c.example/", 0, &err) == LW_OK);
    snprintf(before, sizeof(before), "%s", q1(db, "SELECT string_agg(next_fetch_at::text, ',' "
                                                  "ORDER BY id) FROM crawl_urls"));
    CHECK(crawlq_claim(db, "w", NULL, 10, 600, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 3);
    CHECK(crawlq_release(db, it, 2, &err) == LW_OK);
    CHECK(crawlq_release(db, it, 0, &err) == LW_OK);
    CHECK_STR(q1(db, "SELECT count(*) FROM crawl_urls WHERE claimed_by IS NULL AND "
                     "claimed_until IS NULL"), "2");
    CHECK_STR(q1(db, "SELECT string_agg(next_fetch_at::text, ',' ORDER BY id) FROM crawl_urls"),
              before);
    free(it);
    CHECK(crawlq_claim(db, "w2", NULL, 10, 600, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 2);
    free(it);
    db_close(db);
}

/* Links: new ones counted, repeats (within a call, across calls and sources) and junk skipped. */
static void
test_add_links(void)
{
    const char *first[] = {"http://p.example/x/1", "http://p.example/x/2", "http://p.example/x/1",
                           "ftp://p.example/x/3", "http://p.example/x/\xc3\xa4",
                           "http://p.example/x/a b", "http://", NULL,
                           "http://p.example/"}; /* the index's own URL: queued already */
    const char *second[] = {"http://p.example/x/2", "HTTPS://p.example/x/4"};
    struct db *db = fresh_db();
    struct lw_error err = {0};
    size_t added = 99;
    int64_t a, b;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "ia", SOURCE_INDEX, "http://p.example/", 0, &err) == LW_OK);
    CHECK(add(db, "ib", SOURCE_INDEX, "http://q.example/", 0, &err) == LW_OK);
    a = source_id(db, "ia");
    b = source_id(db, "ib");
    CHECK(crawlq_add_links(db, a, first, 9, &added, &err) == LW_OK);
    CHECK_INT(added, 2);
    CHECK(crawlq_add_links(db, b, second, 2, &added, &err) == LW_OK);
    CHECK_INT(added, 1);
    CHECK(crawlq_add_links(db, b, second, 2, &added, &err) == LW_OK);
    CHECK_INT(added, 0);
    CHECK_STR(q1(db, "SELECT string_agg(c.url || '=' || s.name || ':' || c.kind, ' ' "
                     "ORDER BY c.id) FROM crawl_urls c JOIN sources s ON s.id = c.source_id "
                     "WHERE c.kind = 'paste'"),
              "http://p.example/x/1=ia:paste http://p.example/x/2=ia:paste "
              "HTTPS://p.example/x/4=ib:paste");
    CHECK_STR(q1(db, "SELECT count(*) FROM crawl_urls WHERE next_fetch_at <= now()"), "5");
    CHECK(crawlq_add_links(db, a, first, 0, &added, &err) == LW_OK);
    CHECK_INT(added, 0);
    /* more than one statement's worth, and a source that is gone queues nothing */
    CHECK_INT(add_pastes(db, a, "many", 2500), 2500);
    CHECK_INT(add_pastes(db, 999999, "nosource", 3), 0);
    CHECK_STR(q1(db, "SELECT count(*) FROM crawl_urls"), "2505");
    db_close(db);
}

/* --source: claims and counts of one source only. */
static void
test_only_one_source(void)
{
    struct db *db = fresh_db();
    struct crawl_item *it = NULL;
    struct lw_error err = {0};
    struct source_info s;
    int64_t due = -1;
    size_t n = 0;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "one", SOURCE_INDEX, "http://one.example/", 0, &err) == LW_OK);
    CHECK(add(db, "two", SOURCE_INDEX, "http://two.example/", 0, &err) == LW_OK);
    CHECK_INT(add_pastes(db, source_id(db, "one"), "one", 4), 4);
    CHECK_INT(add_pastes(db, source_id(db, "two"), "two", 2), 2);
    CHECK(crawlq_due_count(db, NULL, &due, &err) == LW_OK);
    CHECK_INT(due, 8);
    CHECK(crawlq_due_count(db, "one", &due, &err) == LW_OK);
    CHECK_INT(due, 5);
    CHECK(crawlq_due_count(db, "nosuch", &due, &err) == LW_OK);
    CHECK_INT(due, 0);
    CHECK(crawlq_claim(db, "w", "two", 100, 60, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 3);
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(it[i].source_name, "two");
    }
    free(it);
    CHECK(crawlq_claim(db, "w", "nosuch", 100, 60, &it, &n, &err) == LW_OK);
    CHECK_INT(n, 0);
    free(it);
    CHECK(crawlq_due_count(db, NULL, &due, &err) == LW_OK);
    CHECK_INT(due, 5); /* claimed rows are not due for anyone else */
    CHECK(sources_get(db, "one", &s, &err) == LW_OK);
    CHECK_INT(s.queued, 5);
    CHECK(sources_get(db, "two", &s, &err) == LW_OK);
    CHECK_INT(s.queued, 0);
    db_close(db);
}

/* The claim statement reads the due index, not every paste ever seen: with 3000 rows of which
 * 30 are due, its plan (parameters bound as a claim binds them) names crawl_urls_due. */
static void
test_claim_plan(void)
{
    const char *v[4] = {"w", "60", "10", NULL};
    struct db *db = fresh_db();
    struct pg_result *res = NULL;
    struct lw_error err = {0};
    char plan[8192] = "";
    size_t used = 0;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(add(db, "ix", SOURCE_INDEX, "http://p.example/", 0, &err) == LW_OK);
    CHECK_INT(add_pastes(db, source_id(db, "ix"), "plan", 3000), 3000);
    CHECK_STR(q1(db, "UPDATE crawl_urls SET next_fetch_at = NULL WHERE id % 100 <> 0 "
                     "RETURNING 1"), "1");
    CHECK(db_exec(db, "analyze", "ANALYZE crawl_urls", &err) == LW_OK);
    {
        char sql[sizeof(claim_sql) + 16];

        snprintf(sql, sizeof(sql), "EXPLAIN %s", claim_sql);
        CHECK(db_query(db, "explain", sql, 4, v, NULL, NULL, &res, NULL, &err) == LW_OK);
    }
    for (int i = 0; res != NULL && i < PQntuples(res); i++) {
        int w = snprintf(plan + used, sizeof(plan) - used, "%s\n", PQgetvalue(res, i, 0));

        used += w > 0 && (size_t)w < sizeof(plan) - used ? (size_t)w : 0;
    }
    db_result_free(res);
    if (strstr(plan, "crawl_urls_due") == NULL) {
        fprintf(stderr, "the claim does not use crawl_urls_due:\n%s", plan);
        CHECK(0);
    }
    db_close(db);
}

int
main(void)
{
    RUN(test_server_required);
    if (getenv("PGHOST") != NULL) {
        RUN(test_add_get_list_remove);
        RUN(test_validation);
        RUN(test_claim_skip_locked);
        RUN(test_claim_race);
        RUN(test_lease);
        RUN(test_finish_page);
        RUN(test_finish_paste);
        RUN(test_release);
        RUN(test_add_links);
        RUN(test_only_one_source);
        RUN(test_claim_plan);
        pg_test_cleanup();
    }
    return LW_TEST_END();
}
