/*
 * tests/unit/storage/test_alerts.c — alerts against a real PostgreSQL: matching a stored document
 * (per clinic, refs, kinds, flags, mentions, outbox rows; duplicates add nothing), a document and a
 * watchlist upload racing on two connections in both orders (matched exactly once), the alert JSON
 * (shape, filters, no hash or identifier in it), claiming and recording deliveries (disjoint
 * claims, leases, backoff, the 24 h window), and record_flags agreeing with parsers/record.h.
 *
 * Needs a server (make check runs it inside tests/pg/with-cluster); without one it FAILS.
 */
#include "storage/alerts.h"

#include <pthread.h>

#include "parsers/record.h"
#include "tests/unit/storage/watch_test.h"

#define HETU_A "131052-308T"

static struct db *
fresh_db(void)
{
    pg_test_prefix = "lw_alerts";
    return pg_test_db(true);
}

static struct db *
second_conn(void)
{
    struct lw_error err = {0};
    struct db *db = NULL;

    CHECK(db_connect(&db, &err) == LW_OK); /* PGDATABASE names the test's database */
    return db;
}

static const struct wt_item leak[] = {
    {ID_EMAIL, "a@example.fi", (1u << 3) | (1u << 0)}, /* name, health_text */
    {ID_FI_HETU, HETU_A, 1u << 1},                     /* password */
    {ID_EMAIL, "b@example.fi", 0},
    {ID_EMAIL, "nobody@example.fi", 1u << 0},          /* enrolled by no clinic */
};

static void
put(struct db *db, int64_t clinic, const struct watch_row *rows, size_t n)
{
    struct watch_result r;
    struct lw_error err = {0};

    CHECK(watchlist_put(db, clinic, WATCH_ADD, rows, n, &r, &err) == LW_OK);
}

/* One clinic's alert JSON (the first), into out. */
struct one {
    char json[8192];
    int64_t seq;
    int n;
};

static int
keep(void *user, int64_t seq, const char *json)
{
    struct one *o = user;

    if (o->n++ == 0) {
        snprintf(o->json, sizeof(o->json), "%s", json);
        o->seq = seq;
    }
    return 0;
}

static struct one
list_one(struct db *db, int64_t clinic, bool delivery)
{
    struct alerts_filter f = {.clinic_id = clinic, .delivery = delivery};
    struct lw_error err = {0};
    struct one o;

    memset(&o, 0, sizeof(o));
    CHECK(alerts_each_json(db, &f, keep, &o, &err) == LW_OK);
    return o;
}

static void
test_document_match(void)
{
    struct db *db = fresh_db();
    struct watch_row ra[2], rb[1];
    struct docstore_result d;
    struct lw_error err = {0};
    const char *kw[] = {"Vastaamo"};
    int64_t a, b, c, nobody, kw_id;
    uint64_t added = 0;
    char sql[200];

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", "https://hooks.example.fi/a", "sec@example.fi");
    b = wt_clinic(db, "B", NULL, NULL);
    c = wt_clinic(db, "C", NULL, "info@example.fi");
    nobody = wt_clinic(db, "D", "https://hooks.example.fi/d", NULL);
    ra[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    ra[1] = wt_row(ID_FI_HETU, HETU_A, "P-2");
    rb[0] = wt_row(ID_EMAIL, "b@example.fi", "Q-1");
    put(db, a, ra, 2);
    put(db, b, rb, 1);
    CHECK(clinics_keywords_add(db, c, kw, 1, &added, &err) == LW_OK);
    kw_id = wt_long(db, "SELECT id FROM watch_keywords");
    d = wt_store(db, "leak one", leak, 4, &kw_id, 1);
    CHECK(!d.duplicate);
    CHECK_INT(d.alerts, 3);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM alerts WHERE clinic_id = %lld",
             (long long)nobody);
    CHECK_INT(wt_long(db, sql), 0);
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(format('%s:%s:%s:%s', a.clinic_id, m.ref, m.kind,"
                             " m.flags), ',' ORDER BY m.ref) FROM alert_matches m JOIN alerts a "
                             "ON a.id = m.alert_id"),
              "1:P-1:0:9,1:P-2:3:2,2:Q-1:0:0");
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(format('%s:%s:%s', clinic_id, reason, mentions),"
                             " ',' ORDER BY clinic_id) FROM alerts"),
              "1:document:{},2:document:{},3:document:{Vastaamo}");
    /* outbox: A webhook + e-mail, B nothing, C e-mail */
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(format('%s:%s', a.clinic_id, o.channel), ',' "
                             "ORDER BY a.clinic_id, o.channel) FROM alert_deliveries o JOIN "
                             "alerts a ON a.id = o.alert_id"),
              "1:email,1:webhook,3:email");
    /* the same content again: a duplicate, no new alert */
    d = wt_store(db, "leak one", leak, 4, &kw_id, 1);
    CHECK(d.duplicate);
    CHECK_INT(d.alerts, 0);
    CHECK_INT(wt_long(db, "SELECT count(*) FROM alerts"), 3);
    /* a document holding nothing anyone watches */
    d = wt_store(db, "leak two", leak + 3, 1, NULL, 0);
    CHECK(!d.duplicate);
    CHECK_INT(d.alerts, 0);
    CHECK_INT(wt_long(db, "SELECT count(*) FROM alerts"), 3);
    db_close(db);
}

/* The JSON: members, order, names for kinds and flags, filters; no hash and no identifier. */
static void
test_json(void)
{
    struct db *db = fresh_db();
    struct watch_row ra[2];
    struct alerts_filter f = {0};
    struct lw_error err = {0};
    char hex[2 * WATCH_HASH_BYTES + 1];
    struct one o;
    int64_t a;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", "https://hooks.example.fi/a", NULL);
    ra[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    ra[1] = wt_row(ID_FI_HETU, HETU_A, "P-2");
    put(db, a, ra, 2);
    (void)wt_store(db, "leak one", leak, 4, NULL, 0);
    o = list_one(db, a, false);
    CHECK_INT(o.n, 1);
    CHECK_INT(o.seq, 1);
    CHECK(strncmp(o.json, "{\"id\" : \"", 9) == 0);
    CHECK(strstr(o.json, "\"seq\" : 1, \"clinic\" : \"A\", \"reason\" : \"document\", "
                         "\"created_at\" : \"") != NULL);
    CHECK(strstr(o.json, "\"document\" : {\"id\" : 1, \"label\" : \"leak one\", \"url\" : null, "
                         "\"format\" : \"csv\", \"bytes\" : 8, \"records\" : 4, "
                         "\"identifiers\" : 4}, \"source\" : \"leak-site\", \"first_seen\" : \"")
          != NULL);
    CHECK(strstr(o.json, "\"matches\" : [{\"ref\" : \"P-1\", \"kind\" : \"email\", \"flags\" : "
                         "[\"health_text\", \"name\"]}, {\"ref\" : \"P-2\", \"kind\" : "
                         "\"fi_hetu\", \"flags\" : [\"password\"]}], \"mentions\" : [], "
                         "\"counts\" : {\"refs\" : 2, \"matches\" : 2, \"by_kind\" : "
                         "{ \"email\" : 1, \"fi_hetu\" : 1 }}}") != NULL);
    CHECK(strstr(o.json, "\"delivery\"") == NULL);
    CHECK(strstr(o.json, "a@example.fi") == NULL);
    CHECK(strstr(o.json, HETU_A) == NULL);
    for (int i = 0; i < 2; i++) {
        sodium_bin2hex(hex, sizeof(hex), ra[i].hash, WATCH_HASH_BYTES);
        CHECK(strstr(o.json, hex) == NULL);
        CHECK(strstr(o.json, hex + 40) == NULL);
    }
    o = list_one(db, a, true);
    CHECK(strstr(o.json, ", \"delivery\" : { \"webhook\" : \"pending\" }}") != NULL);
    /* filters */
    o = list_one(db, a + 1, false);
    CHECK_INT(o.n, 0);
    f.since_seq = 1;
    memset(&o, 0, sizeof(o));
    CHECK(alerts_each_json(db, &f, keep, &o, &err) == LW_OK);
    CHECK_INT(o.n, 0);
    f.since_seq = 0;
    f.since_time = "2000-01-01T00:00:00Z";
    CHECK(alerts_each_json(db, &f, keep, &o, &err) == LW_OK);
    CHECK_INT(o.n, 1);
    f.since_time = "2999-01-01 00:00:00+00";
    CHECK(alerts_each_json(db, &f, keep, &o, &err) == LW_OK);
    CHECK_INT(o.n, 1);
    f.since_time = "yesterday-ish";
    CHECK(alerts_each_json(db, &f, keep, &o, &err) == LW_ERR_INVALID);
    f.since_time = "2026-13-45T99:00:00Z";
    CHECK(alerts_each_json(db, &f, keep, &o, &err) == LW_ERR_INVALID);
    db_close(db);
}

/* ---- the race ---- */

/* A document with one hit (hash of kind 0) inserted on db, its transaction left open. */
static int64_t
doc_open(struct db *db, const uint8_t hash[WATCH_HASH_BYTES], const char *tag)
{
    char hex[2 * WATCH_HASH_BYTES + 1], sql[512];
    struct lw_error err = {0};
    int64_t id;

    sodium_bin2hex(hex, sizeof(hex), hash, WATCH_HASH_BYTES);
    CHECK(db_begin(db, &err) == LW_OK);
    snprintf(sql, sizeof(sql), "INSERT INTO documents (content_hash, format, bytes, records, "
             "records_with_hits, identifiers, distinct_identifiers, summary) VALUES "
             "(sha256('%s'::bytea), 'text', 1, 1, 1, 1, 1, '{}') RETURNING id", tag);
    id = wt_long(db, sql);
    snprintf(sql, sizeof(sql), "INSERT INTO hits (document_id, hash, kind, flags) VALUES "
             "(%lld, decode('%s', 'hex'), 0, 4)", (long long)id, hex);
    CHECK(db_exec(db, "hit", sql, &err) == LW_OK);
    return id;
}

struct putter {
    struct db *db;
    int64_t clinic;
    struct watch_row row;
    struct watch_result res;
    enum lw_rc rc;
    volatile int done;
};

static void *
put_thread(void *arg)
{
    struct putter *p = arg;
    struct lw_error err = {0};

    p->rc = watchlist_put(p->db, p->clinic, WATCH_ADD, &p->row, 1, &p->res, &err);
    p->done = 1;
    return NULL;
}

/* Order 1: the document matches first (nothing yet) and holds the lock; the put waits, then
 * matches the committed document. Order 2: the put holds the lock (slowed by a trigger) while the
 * document's matching waits for it, then sees its rows. Either way: one alert, one match. */
static void
test_race(void)
{
    struct db *db = fresh_db();
    struct db *doc = db != NULL ? second_conn() : NULL;
    struct db *wdb = db != NULL ? second_conn() : NULL;
    struct lw_error err = {0};
    struct putter p;
    pthread_t t;
    uint64_t created = 99;
    int64_t a;

    if (db == NULL || doc == NULL || wdb == NULL) {
        CHECK(0);
        db_close(doc);
        db_close(wdb);
        db_close(db);
        return;
    }
    a = wt_clinic(db, "A", NULL, NULL);
    memset(&p, 0, sizeof(p));
    p.db = wdb;
    p.clinic = a;
    p.row = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    CHECK(alerts_match_document(doc, doc_open(doc, p.row.hash, "one"), NULL, 0, &created, &err) ==
          LW_OK);
    CHECK_INT(created, 0);
    CHECK(pthread_create(&t, NULL, put_thread, &p) == 0);
    usleep(300 * 1000);
    CHECK_INT(p.done, 0); /* waiting for the document's lock */
    CHECK(db_commit(doc, &err) == LW_OK);
    pthread_join(t, NULL);
    CHECK_INT(p.rc, LW_OK);
    CHECK_INT(p.res.alerts, 1);
    CHECK_STR(pg_test_q1(db, "SELECT format('%s:%s', count(*), string_agg(reason, ',')) "
                             "FROM alerts"), "1:enrollment");

    /* order 2 */
    CHECK(db_exec(db, "slow", "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ "
                  "BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$; CREATE TRIGGER slow BEFORE "
                  "INSERT ON watchlist FOR EACH ROW EXECUTE FUNCTION slow()", &err) == LW_OK);
    p.row = wt_row(ID_EMAIL, "b@example.fi", "P-2");
    p.done = 0;
    {
        int64_t id = doc_open(doc, p.row.hash, "two");

        CHECK(pthread_create(&t, NULL, put_thread, &p) == 0);
        usleep(300 * 1000);
        CHECK_INT(p.done, 0); /* inside its insert, holding the lock */
        CHECK(alerts_match_document(doc, id, NULL, 0, &created, &err) == LW_OK);
        CHECK_INT(p.done, 1); /* matching waited for the put to commit */
        CHECK_INT(created, 1);
        CHECK(db_commit(doc, &err) == LW_OK);
        pthread_join(t, NULL);
        CHECK_INT(p.rc, LW_OK);
        CHECK_INT(p.res.alerts, 0);
    }
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(format('%s:%s:%s', a.reason, m.ref, m.flags), "
                             "',' ORDER BY a.id) FROM alerts a JOIN alert_matches m ON "
                             "m.alert_id = a.id"), "enrollment:P-1:4,document:P-2:4");
    db_close(doc);
    db_close(wdb);
    db_close(db);
}

/* ---- the outbox ---- */

static double
q_double(struct db *db, const char *sql)
{
    return strtod(pg_test_q1(db, sql), NULL);
}

static void
test_claim_record(void)
{
    struct db *db = fresh_db();
    struct db *other = db != NULL ? second_conn() : NULL;
    struct alert_delivery *d1 = NULL, *d2 = NULL, *d3 = NULL;
    struct alerts_outbox_counts oc;
    struct watch_row ra[1];
    struct lw_error err = {0};
    const char *state = NULL;
    size_t n1 = 0, n2 = 0, n3 = 0;
    struct one o;
    int64_t a;

    if (db == NULL || other == NULL) {
        CHECK(0);
        db_close(other);
        db_close(db);
        return;
    }
    a = wt_clinic(db, "A", "https://hooks.example.fi/a", "sec@example.fi");
    ra[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    put(db, a, ra, 1);
    (void)wt_store(db, "leak one", leak, 4, NULL, 0);
    CHECK(alerts_claim(db, "w1", 1, &d1, &n1, &err) == LW_OK);
    CHECK(alerts_claim(other, "w2", 5, &d2, &n2, &err) == LW_OK);
    CHECK(alerts_claim(other, "w3", 5, &d3, &n3, &err) == LW_OK);
    CHECK_INT(n1, 1);
    CHECK_INT(n2, 1);
    CHECK_INT(n3, 0);
    alerts_deliveries_free(d3, n3);
    d3 = NULL;
    CHECK(alerts_claim(db, "bad\nname", 5, &d3, &n3, &err) == LW_ERR_INVALID);
    if (n1 != 1 || n2 != 1) {
        goto out;
    }
    CHECK(strcmp(d1[0].channel, d2[0].channel) != 0);
    CHECK_INT(d1[0].seq, d2[0].seq);
    CHECK_STR(d1[0].clinic, "A");
    CHECK_INT(d1[0].attempts, 0);
    CHECK_STR(d1[0].target, strcmp(d1[0].channel, "email") == 0 ? "sec@example.fi"
                                                                  : "https://hooks.example.fi/a");
    o = list_one(db, a, false);
    CHECK_STR(d1[0].json, o.json);
    CHECK_STR(d1[0].id, pg_test_q1(db, "SELECT public_id FROM alerts"));
    /* a failure: pending again in base · 2^0 seconds, the claim released, the attempt kept */
    CHECK(alerts_record(db, &d1[0], false, 500, "http_500", 60, &state, &err) == LW_OK);
    CHECK_STR(state, "pending");
    CHECK(alerts_record(db, &d1[0], false, 0, "Bad Class", 60, &state, &err) == LW_ERR_INVALID);
    {
        char sql[200];
        double gap;

        snprintf(sql, sizeof(sql), "SELECT extract(epoch FROM next_attempt_at - now()) FROM "
                 "alert_deliveries WHERE channel = '%s'", d1[0].channel);
        gap = q_double(db, sql);
        CHECK(gap > 55 && gap <= 60);
        /* due again: the second failure waits twice as long */
        CHECK(db_exec(db, "due", "UPDATE alert_deliveries SET next_attempt_at = now()", &err) ==
              LW_OK);
        alerts_deliveries_free(d3, n3);
        d3 = NULL;
        CHECK(alerts_claim(db, "w1", 5, &d3, &n3, &err) == LW_OK);
        CHECK_INT(n3, 1);
        CHECK(n3 == 1 && d3[0].attempts == 1);
        CHECK(alerts_record(db, &d1[0], false, 0, "connect", 60, &state, &err) == LW_OK);
        gap = q_double(db, sql);
        CHECK(gap > 115 && gap <= 120);
        /* capped at ALERTS_RETRY_MAX_GAP_S */
        snprintf(sql, sizeof(sql), "UPDATE alert_deliveries SET attempts = 20 WHERE channel = "
                 "'%s'", d1[0].channel);
        CHECK(db_exec(db, "many", sql, &err) == LW_OK);
        snprintf(sql, sizeof(sql), "SELECT extract(epoch FROM next_attempt_at - now()) FROM "
                 "alert_deliveries WHERE channel = '%s'", d1[0].channel);
        CHECK(alerts_record(db, &d1[0], false, 0, "timeout", 60, &state, &err) == LW_OK);
        gap = q_double(db, sql);
        CHECK(gap > ALERTS_RETRY_MAX_GAP_S - 5 && gap <= ALERTS_RETRY_MAX_GAP_S);
        /* near the end of the 24 h window the next try would be too late: failed */
        CHECK(db_exec(db, "old", "UPDATE alerts SET created_at = now() - interval '23 hours 59 "
                      "minutes'", &err) == LW_OK);
        CHECK(alerts_record(db, &d1[0], false, 0, "timeout", 60, &state, &err) == LW_OK);
        CHECK_STR(state, "failed");
    }
    /* the other channel: a failure, then delivered; last_error kept */
    CHECK(db_exec(db, "young", "UPDATE alerts SET created_at = now()", &err) == LW_OK);
    CHECK(alerts_record(other, &d2[0], false, 503, "http_503", 30, &state, &err) == LW_OK);
    CHECK_STR(state, "pending");
    CHECK(alerts_record(other, &d2[0], true, 200, NULL, 30, &state, &err) == LW_OK);
    CHECK_STR(state, "delivered");
    CHECK_STR(pg_test_q1(db, "SELECT format('%s:%s:%s:%s', state, attempts, last_error, "
                             "delivered_at IS NOT NULL AND claimed_by IS NULL) FROM "
                             "alert_deliveries WHERE state = 'delivered'"),
              "delivered:2:http_503:t");
    CHECK_INT(wt_long(db, "SELECT count(*) FROM alert_attempts"), 6);
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(format('%s/%s/%s', ok, coalesce(status, 0), "
                             "coalesce(error, '-')), ',' ORDER BY id) FROM alert_attempts"),
              "f/500/http_500,f/0/connect,f/0/timeout,f/0/timeout,f/503/http_503,t/200/-");
    /* a delivered row stays delivered */
    CHECK(alerts_record(db, &d2[0], false, 0, "late", 30, &state, &err) == LW_OK);
    CHECK_STR(state, "delivered");
    CHECK(alerts_outbox_counts(db, &oc, &err) == LW_OK);
    CHECK_INT(oc.alerts, 1);
    CHECK_INT(oc.pending, 0);
    CHECK_INT(oc.delivered, 1);
    CHECK_INT(oc.failed, 1);
    o = list_one(db, a, true);
    CHECK(strstr(o.json, "\"delivery\" : { \"email\" : \"") != NULL);
    CHECK(strstr(o.json, "\"failed\"") != NULL && strstr(o.json, "\"delivered\"") != NULL);
out:
    alerts_deliveries_free(d1, n1);
    alerts_deliveries_free(d2, n2);
    alerts_deliveries_free(d3, n3);
    db_close(other);
    db_close(db);
}

/* A crashed deliverer's claim comes back when its lease ends. */
static void
test_lease(void)
{
    struct db *db = fresh_db();
    struct alert_delivery *d = NULL;
    struct watch_row ra[1];
    struct lw_error err = {0};
    size_t n = 0;
    int64_t a;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", "https://hooks.example.fi/a", NULL);
    ra[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    put(db, a, ra, 1);
    (void)wt_store(db, "leak one", leak, 4, NULL, 0);
    CHECK(alerts_claim(db, "w1", 5, &d, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    alerts_deliveries_free(d, n);
    CHECK_INT(q_double(db, "SELECT round(extract(epoch FROM claimed_until - now())) FROM "
                           "alert_deliveries"), ALERTS_LEASE_S);
    CHECK(alerts_claim(db, "w2", 5, &d, &n, &err) == LW_OK);
    CHECK_INT(n, 0);
    alerts_deliveries_free(d, n);
    CHECK(db_exec(db, "expire", "UPDATE alert_deliveries SET claimed_until = now() - "
                  "interval '1 second'", &err) == LW_OK);
    CHECK(alerts_claim(db, "w2", 5, &d, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    alerts_deliveries_free(d, n);
    CHECK_STR(pg_test_q1(db, "SELECT claimed_by FROM alert_deliveries"), "w2");
    db_close(db);
}

/* The flag names alerts show are the parsers' names, bit for bit. */
static void
test_flags_agree(void)
{
    struct db *db = fresh_db();
    char sql[128];

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK_INT(wt_long(db, "SELECT count(*) FROM record_flags"), RECORD_FLAG_COUNT);
    for (int b = 0; b < RECORD_FLAG_COUNT; b++) {
        snprintf(sql, sizeof(sql), "SELECT name FROM record_flags WHERE bit = %d", b);
        CHECK_STR(pg_test_q1(db, sql), record_flag_names[b]);
    }
    db_close(db);
}

static void
test_server_required(void)
{
    CHECK(getenv("PGHOST") != NULL);
    if (getenv("PGHOST") == NULL) {
        fprintf(stderr, "no PostgreSQL: run through tests/pg/with-cluster (make check does)\n");
    }
}

int
main(void)
{
    if (wt_setup() != 0) {
        return 1;
    }
    RUN(test_server_required);
    if (getenv("PGHOST") != NULL) {
        RUN(test_document_match);
        RUN(test_json);
        RUN(test_race);
        RUN(test_claim_record);
        RUN(test_lease);
        RUN(test_flags_agree);
        pg_test_cleanup();
    }
    wt_teardown();
    return LW_TEST_END();
}
