/*
 * tests/unit/storage/test_watchlist.c — watchlists against a real PostgreSQL: put (replace, add)
 * and delete with their counts, refs stored byte for byte, validation, an atomic replace that fails
 * half-way, and matching new rows against documents stored before (enrollment alerts).
 *
 * Needs a server (make check runs it inside tests/pg/with-cluster); without one it FAILS.
 */
#include "storage/watchlist.h"

#include "tests/unit/storage/watch_test.h"

#define HETU_A "131052-308T"

static struct db *
fresh_db(void)
{
    pg_test_prefix = "lw_watchlist";
    return pg_test_db(true);
}

static void
test_put_counts(void)
{
    struct db *db = fresh_db();
    struct watch_row rows[4], more[2], repl[2], del[1];
    struct watch_result r;
    struct lw_error err = {0};
    uint64_t by_kind[16], total = 0, removed = 0;
    int64_t a, b;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", NULL, NULL);
    b = wt_clinic(db, "B", NULL, NULL);
    rows[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    rows[1] = wt_row(ID_FI_HETU, HETU_A, "P-1");
    rows[2] = wt_row(ID_PHONE, "+358401234567", "P-2");
    rows[3] = rows[0]; /* a duplicate counts once */
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows, 4, &r, &err) == LW_OK);
    CHECK_INT(r.rows, 3);
    CHECK_INT(r.added, 3);
    CHECK_INT(r.kept + r.removed + r.alerts, 0);
    more[0] = rows[2];
    more[1] = wt_row(ID_EMAIL, "b@example.fi", "P-3");
    CHECK(watchlist_put(db, a, WATCH_ADD, more, 2, &r, &err) == LW_OK);
    CHECK_INT(r.rows, 2);
    CHECK_INT(r.added, 1);
    CHECK_INT(r.kept, 1);
    CHECK_INT(r.removed, 0);
    /* clinic B's list is its own */
    CHECK(watchlist_put(db, b, WATCH_REPLACE, rows, 1, &r, &err) == LW_OK);
    CHECK_INT(r.added, 1);
    CHECK(watchlist_counts(db, a, by_kind, &total, &err) == LW_OK);
    CHECK_INT(total, 4);
    CHECK_INT(by_kind[ID_EMAIL], 2);
    CHECK_INT(by_kind[ID_FI_HETU], 1);
    CHECK_INT(by_kind[ID_PHONE], 1);
    repl[0] = rows[0];
    repl[1] = wt_row(ID_IBAN, "FI2112345600000785", "P-4");
    CHECK(watchlist_put(db, a, WATCH_REPLACE, repl, 2, &r, &err) == LW_OK);
    CHECK_INT(r.rows, 2);
    CHECK_INT(r.added, 1);
    CHECK_INT(r.kept, 1);
    CHECK_INT(r.removed, 3);
    CHECK(watchlist_counts(db, a, by_kind, &total, &err) == LW_OK);
    CHECK_INT(total, 2);
    CHECK_INT(by_kind[ID_PHONE], 0);
    CHECK_INT(by_kind[ID_IBAN], 1);
    /* delete by hash and ref (kind ignored) */
    del[0] = rows[0];
    del[0].kind = ID_PHONE;
    CHECK(watchlist_delete(db, a, del, 1, false, &removed, &err) == LW_OK);
    CHECK_INT(removed, 1);
    CHECK(watchlist_delete(db, a, del, 1, false, &removed, &err) == LW_OK);
    CHECK_INT(removed, 0);
    CHECK(watchlist_delete(db, a, NULL, 0, true, &removed, &err) == LW_OK);
    CHECK_INT(removed, 1);
    CHECK(watchlist_counts(db, a, by_kind, &total, &err) == LW_OK);
    CHECK_INT(total, 0);
    CHECK(watchlist_counts(db, b, by_kind, &total, &err) == LW_OK);
    CHECK_INT(total, 1);
    /* an unknown clinic */
    CHECK(watchlist_put(db, a + b + 10, WATCH_ADD, rows, 1, &r, &err) == LW_ERR_NOT_FOUND);
    db_close(db);
}

/* Refs arrive byte for byte: backslashes, quotes, UTF-8 — through COPY's escaping. */
static void
test_refs_exact(void)
{
    struct db *db = fresh_db();
    const char *refs[] = {"P\\1\\\\n", "Pää-ü \"quoted\" 'x'", "tab\\tnot", "\xe2\x82\xac 5"};
    struct watch_row rows[4];
    struct watch_result r;
    struct lw_error err = {0};
    char sql[160], hex[2 * WATCH_HASH_BYTES + 1];
    int64_t a;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", NULL, NULL);
    for (int i = 0; i < 4; i++) {
        rows[i] = wt_row(ID_EMAIL, "same@example.fi", refs[i]);
    }
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows, 4, &r, &err) == LW_OK);
    CHECK_INT(r.added, 4);
    for (int i = 0; i < 4; i++) {
        snprintf(sql, sizeof(sql), "SELECT ref FROM watchlist ORDER BY ref COLLATE \"C\" "
                 "OFFSET %d", i);
        CHECK_STR(pg_test_q1(db, sql), refs[i]);
    }
    sodium_bin2hex(hex, sizeof(hex), rows[0].hash, WATCH_HASH_BYTES);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM watchlist WHERE hash = decode('%s', 'hex') "
             "AND kind = 0", hex);
    CHECK_INT(wt_long(db, sql), 4);
    db_close(db);
}

static void
test_validation(void)
{
    struct db *db = fresh_db();
    struct watch_row rows[3];
    struct watch_result r;
    struct lw_error err = {0};
    int64_t a;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", NULL, NULL);
    rows[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    rows[1] = wt_row(ID_EMAIL, "b@example.fi", "P-2");
    rows[2] = wt_row(ID_EMAIL, "c@example.fi", "P-3");
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows, 1, &r, &err) == LW_OK);
    rows[1].kind = ID_KIND_COUNT;
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows + 1, 2, &r, &err) == LW_ERR_INVALID);
    CHECK(strstr(err.msg, "row 0") != NULL);
    rows[1].kind = ID_EMAIL;
    snprintf(rows[2].ref, sizeof(rows[2].ref), "P\t3");
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows + 1, 2, &r, &err) == LW_ERR_INVALID);
    CHECK(strstr(err.msg, "row 1") != NULL);
    rows[2].ref[0] = '\0';
    CHECK(watchlist_put(db, a, WATCH_ADD, rows + 1, 2, &r, &err) == LW_ERR_INVALID);
    memcpy(rows[2].ref, "P\xff", 3);
    CHECK(watchlist_put(db, a, WATCH_ADD, rows + 1, 2, &r, &err) == LW_ERR_INVALID);
    memset(rows[2].ref, 'x', sizeof(rows[2].ref)); /* no NUL within WATCH_REF_MAX + 1 */
    CHECK(watchlist_put(db, a, WATCH_ADD, rows + 1, 2, &r, &err) == LW_ERR_INVALID);
    CHECK(watchlist_put(db, a, WATCH_ADD, rows, (size_t)WATCH_ROWS_MAX + 1, &r, &err) ==
          LW_ERR_TOO_LARGE);
    /* nothing of the refused puts is there */
    CHECK_INT(wt_long(db, "SELECT count(*) FROM watchlist"), 1);
    CHECK_STR(pg_test_q1(db, "SELECT ref FROM watchlist"), "P-1");
    CHECK(watchlist_ref_valid(LW_SLICE_LIT("P-1")));
    CHECK(watchlist_ref_valid(LW_SLICE_LIT("\xc3\xa4")));
    CHECK(!watchlist_ref_valid(LW_SLICE_LIT("a\x7f")));
    CHECK(!watchlist_ref_valid(LW_SLICE_LIT("a\xc2\x85"))); /* NEL, a C1 control */
    CHECK(!watchlist_ref_valid(LW_SLICE_LIT("\xc3")));
    CHECK(!watchlist_ref_valid(LW_SLICE_LIT("")));
    db_close(db);
}

/* A replace that fails in the database after its DELETE leaves the old list whole. */
static void
test_atomic_replace(void)
{
    struct db *db = fresh_db();
    struct watch_row old[2], repl[2];
    struct watch_result r;
    struct lw_error err = {0};
    int64_t a;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", NULL, NULL);
    old[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    old[1] = wt_row(ID_EMAIL, "b@example.fi", "P-2");
    CHECK(watchlist_put(db, a, WATCH_REPLACE, old, 2, &r, &err) == LW_OK);
    CHECK(db_exec(db, "trigger",
                  "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  "RAISE EXCEPTION 'boom'; END $$;"
                  "CREATE TRIGGER boom BEFORE INSERT ON watchlist FOR EACH ROW "
                  "WHEN (NEW.ref = 'BOOM') EXECUTE FUNCTION boom()", &err) == LW_OK);
    repl[0] = wt_row(ID_EMAIL, "c@example.fi", "P-3");
    repl[1] = wt_row(ID_EMAIL, "d@example.fi", "BOOM");
    CHECK(watchlist_put(db, a, WATCH_REPLACE, repl, 2, &r, &err) == LW_ERR_DB);
    CHECK_INT(r.removed + r.added, 0);
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(ref, ',' ORDER BY ref) FROM watchlist"),
              "P-1,P-2");
    /* and the connection is usable afterwards */
    CHECK(watchlist_put(db, a, WATCH_REPLACE, repl, 1, &r, &err) == LW_OK);
    CHECK_INT(r.removed, 2);
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(ref, ',' ORDER BY ref) FROM watchlist"), "P-3");
    db_close(db);
}

static const struct wt_item leak[] = {
    {ID_EMAIL, "a@example.fi", 1u << 3},       /* name */
    {ID_FI_HETU, HETU_A, 1u << 0},             /* health_text */
    {ID_EMAIL, "a@example.fi", 1u << 1},       /* the same value in a record with a password */
    {ID_EMAIL, "stranger@example.fi", 0},
    {ID_PHONE, "+358401234567", 1u << 2},
};

static void
test_retro_match(void)
{
    struct db *db = fresh_db();
    struct watch_row rows[4], again[1];
    struct docstore_result d;
    struct watch_result r;
    struct lw_error err = {0};
    int64_t a, b;
    char sql[256];

    if (db == NULL) {
        CHECK(0);
        return;
    }
    a = wt_clinic(db, "A", "https://hooks.example.fi/a", "sec@example.fi");
    b = wt_clinic(db, "B", NULL, NULL);
    d = wt_store(db, "the leak", leak, 5, NULL, 0);
    CHECK(!d.duplicate);
    CHECK_INT(d.alerts, 0);
    rows[0] = wt_row(ID_EMAIL, "a@example.fi", "P-1");
    rows[1] = wt_row(ID_FI_HETU, HETU_A, "P-1");
    rows[2] = wt_row(ID_EMAIL, "c@example.fi", "P-3");  /* not in the document */
    rows[3] = wt_row(ID_PHONE, "+358401234567", "P-4");
    rows[3].kind = ID_EMAIL;                             /* the right hash under another kind */
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows, 4, &r, &err) == LW_OK);
    CHECK_INT(r.added, 4);
    CHECK_INT(r.alerts, 1);
    CHECK_STR(pg_test_q1(db, "SELECT format('%s/%s/%s', clinic_id, document_id, reason) "
                             "FROM alerts"),
              "1/1/enrollment");
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(format('%s:%s:%s', ref, kind, flags), ',' "
                             "ORDER BY ref, kind) FROM alert_matches"),
              "P-1:0:10,P-1:3:1");
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(channel || '=' || target, ',' ORDER BY channel)"
                             " FROM alert_deliveries"),
              "email=sec@example.fi,webhook=https://hooks.example.fi/a");
    /* the same put again: nothing new */
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows, 4, &r, &err) == LW_OK);
    CHECK_INT(r.added, 0);
    CHECK_INT(r.kept, 4);
    CHECK_INT(r.alerts, 0);
    /* a new ref for the same identifier: a second alert with only the new match */
    again[0] = wt_row(ID_EMAIL, "a@example.fi", "P-9");
    CHECK(watchlist_put(db, a, WATCH_ADD, again, 1, &r, &err) == LW_OK);
    CHECK_INT(r.alerts, 1);
    CHECK_INT(wt_long(db, "SELECT count(*) FROM alerts"), 2);
    CHECK_STR(pg_test_q1(db, "SELECT string_agg(ref, ',') FROM alert_matches WHERE alert_id = "
                             "(SELECT max(id) FROM alerts)"), "P-9");
    /* removed and enrolled again: the match was reported already */
    CHECK(watchlist_put(db, a, WATCH_REPLACE, rows + 2, 1, &r, &err) == LW_OK);
    CHECK_INT(r.removed, 4);
    CHECK(watchlist_put(db, a, WATCH_ADD, rows, 2, &r, &err) == LW_OK);
    CHECK_INT(r.added, 2);
    CHECK_INT(r.alerts, 0);
    /* clinic B enrolling the same identifier gets its own alert, without channels no outbox */
    CHECK(watchlist_put(db, b, WATCH_ADD, rows, 1, &r, &err) == LW_OK);
    CHECK_INT(r.alerts, 1);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM alert_deliveries o JOIN alerts a ON "
             "a.id = o.alert_id WHERE a.clinic_id = %lld", (long long)b);
    CHECK_INT(wt_long(db, sql), 0);
    snprintf(sql, sizeof(sql), "SELECT string_agg(ref, ',') FROM alert_matches WHERE "
             "clinic_id = %lld", (long long)b);
    CHECK_STR(pg_test_q1(db, sql), "P-1");
    CHECK_INT(wt_long(db, "SELECT count(*) FROM alert_deliveries"), 4);
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
        RUN(test_put_counts);
        RUN(test_refs_exact);
        RUN(test_validation);
        RUN(test_atomic_replace);
        RUN(test_retro_match);
        pg_test_cleanup();
    }
    wt_teardown();
    return LW_TEST_END();
}
