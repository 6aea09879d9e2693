/*
 * tests/unit/storage/test_docstore.c — storage against a real PostgreSQL: migrations, the stored
 * form of an identifier (a known answer), per-document merging, duplicates, aborts, the spill path,
 * the run-wide cache.
 *
 * Needs a server: make check runs every test inside tests/pg/with-cluster, which sets PGHOST etc.
 * Without one this test FAILS (CI must never skip it silently). Each test gets its own database.
 */
#include "storage/docstore.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/identifiers.h"
#include "storage/db.h"
#include "storage/keyfile.h"
#include "storage/migrate.h"
#include "storage/oprf.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/storage/pg_test.h"

/* Evaluate(DeriveKeyPair(seed 00 01 … 1f, "leakwatch-oprf-key-v1"), "email" 00
 * "patient.canary@example.fi")[0:32], computed once with storage/oprf.c (itself checked against the
 * RFC 9497 vectors) and pinned here so a change to the stored form cannot go unnoticed. */
#define KAT_INPUT "email\0patient.canary@example.fi"
#define KAT_HASH "276cb9bec982a1655081feed070918093ae25b61c8e5230a5a5a44c8dcfe9a6a"

static char dir[] = "/tmp/lw-docstore-XXXXXX";
static struct keyfile *kf;
static uint8_t sk[OPRF_SCALAR_BYTES];

/* A fresh database, migrated when migrate (tests/unit/storage/pg_test.h). */
static struct db *
fresh_db(bool migrate)
{
    pg_test_prefix = "lw_docstore";
    return pg_test_db(migrate);
}

#define q1 pg_test_q1

static struct docstore *
open_store(struct db *db, size_t table_bytes, size_t cache_bytes)
{
    struct docstore_opts o = {.threads = 2, .table_bytes = table_bytes, .cache_bytes = cache_bytes};
    struct docstore *ds = NULL;
    struct lw_error err = {0};

    CHECK(docstore_open(db, kf, &o, &ds, &err) == LW_OK);
    return ds;
}

static void
meta_for(struct docstore_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->format = "text";
    m->label = "unit";
    m->summary_json = "{}";
}

static void
test_server_required(void)
{
    CHECK(getenv("PGHOST") != NULL);
    if (getenv("PGHOST") == NULL) {
        fprintf(stderr, "no PostgreSQL: run through tests/pg/with-cluster (make check does)\n");
    }
}

static void
test_migrate_twice(void)
{
    struct db *db = fresh_db(false);
    struct migrate_result r = {-1, -1};
    struct lw_error err = {0};
    int v = -1;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(migrate_require(db, &err) == LW_ERR_CONFIG);
    CHECK(strstr(err.msg, "leakwatch db migrate") != NULL);
    CHECK(migrate_run(db, &r, &err) == LW_OK);
    CHECK_INT(r.from, 0);
    CHECK_INT(r.to, migrate_latest());
    CHECK(migrate_run(db, &r, &err) == LW_OK);
    CHECK_INT(r.from, migrate_latest());
    CHECK_INT(r.to, migrate_latest());
    CHECK(migrate_current(db, &v, &err) == LW_OK);
    CHECK_INT(v, migrate_latest());
    CHECK(migrate_require(db, &err) == LW_OK);
    CHECK_INT(strtol(q1(db, "SELECT count(*) FROM schema_version"), NULL, 10), migrate_latest());
    /* a database from the future is refused */
    CHECK(db_exec(db, "fake", "INSERT INTO schema_version VALUES (999, 'future')", &err) == LW_OK);
    CHECK(migrate_require(db, &err) == LW_ERR_CONFIG);
    CHECK(migrate_run(db, &r, &err) == LW_ERR_CONFIG);
    db_close(db);
}

/* The kind numbers stored are the C enum's, with the same names (they start every OPRF input). */
static void
test_kinds_agree(void)
{
    struct db *db = fresh_db(true);
    char sql[128];

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK_INT(strtol(q1(db, "SELECT count(*) FROM id_kinds"), NULL, 10), ID_KIND_COUNT);
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        snprintf(sql, sizeof(sql), "SELECT name FROM id_kinds WHERE id = %d", k);
        CHECK_STR(q1(db, sql), identifiers_kind((enum id_kind)k)->name);
    }
    CHECK(ID_KIND_COUNT <= DOCSTORE_KINDS);
    db_close(db);
}

/* The stored hit is the first 32 bytes of Evaluate(key, kind ‖ 0x00 ‖ value). */
static void
test_known_answer(void)
{
    struct db *db = fresh_db(true);
    struct docstore *ds = db != NULL ? open_store(db, 0, 1 << 20) : NULL;
    struct docstore_result res;
    struct docstore_meta m;
    struct lw_error err = {0};
    uint8_t out[OPRF_OUTPUT_BYTES];
    char hex[2 * OPRF_HASH_BYTES + 1];

    if (ds == NULL) {
        CHECK(0);
        db_close(db);
        return;
    }
    meta_for(&m);
    docstore_begin(ds);
    docstore_content(ds, "document one", 12);
    CHECK(docstore_add(ds, 0, (const uint8_t *)KAT_INPUT, sizeof(KAT_INPUT) - 1, 1, "FI",
                       &err) == LW_OK);
    CHECK(docstore_add(ds, 0, (const uint8_t *)KAT_INPUT, sizeof(KAT_INPUT) - 1, 4, "FI",
                       &err) == LW_OK);
    CHECK(docstore_commit(ds, &m, &res, &err) == LW_OK);
    CHECK(!res.duplicate);
    CHECK_INT(res.distinct, 1);
    CHECK_INT(res.evaluated, 1);
    CHECK_INT(res.distinct_by_kind[0], 1);
    CHECK_STR(q1(db, "SELECT encode(hash, 'hex') FROM hits"), KAT_HASH);
    CHECK_STR(q1(db, "SELECT format('%s/%s/%s/%s', kind, flags, occurrences, country) FROM hits"),
              "0/5/2/FI");
    CHECK_STR(q1(db, "SELECT format('%s/%s/%s', label, distinct_identifiers, identifiers) "
                     "FROM documents"), "unit/1/0");
    /* and the same from the OPRF module directly */
    CHECK(oprf_evaluate(sk, (const uint8_t *)KAT_INPUT, sizeof(KAT_INPUT) - 1, out) == LW_OK);
    sodium_bin2hex(hex, sizeof(hex), out, OPRF_HASH_BYTES);
    CHECK_STR(hex, KAT_HASH);
    docstore_free(ds);
    db_close(db);
}

/* input i: a distinct email-kind input "email\0v<i>@example.fi" */
static size_t
input_for(unsigned i, uint8_t *buf, size_t cap)
{
    int n = snprintf((char *)buf, cap, "email%cv%u@example.fi", 0, i);

    return (size_t)n;
}

/* input i's country: FI, SE or none (a function of the value, as the parsers' is) */
static const char *
country_for(unsigned i)
{
    static const char *const cc[3] = {"FI", "SE", ""};

    return cc[i % 3];
}

/* Store n distinct values, each `rounds` times (round r with flag 1 << r), as one document. */
static void
store_values(struct docstore *ds, const char *content, unsigned n, unsigned rounds,
             struct docstore_result *res)
{
    struct docstore_meta m;
    struct lw_error err = {0};
    uint8_t in[64];

    meta_for(&m);
    docstore_begin(ds);
    docstore_content(ds, content, strlen(content));
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < n; i++) {
            size_t len = input_for(i, in, sizeof(in));

            CHECK(docstore_add(ds, i % 3, in, len, 1u << r, country_for(i), &err) == LW_OK);
        }
    }
    CHECK(docstore_commit(ds, &m, res, &err) == LW_OK);
}

static void
test_duplicate_and_abort(void)
{
    struct db *db = fresh_db(true);
    struct docstore *ds = db != NULL ? open_store(db, 0, 1 << 20) : NULL;
    struct docstore_result a, b;
    struct lw_error err = {0};
    uint8_t in[64];
    size_t len = input_for(7, in, sizeof(in));

    if (ds == NULL) {
        CHECK(0);
        db_close(db);
        return;
    }
    store_values(ds, "same content", 10, 1, &a);
    CHECK(!a.duplicate);
    store_values(ds, "same content", 50, 1, &b); /* same bytes: a duplicate whatever was found */
    CHECK(b.duplicate);
    CHECK_INT(b.document_id, a.document_id);
    CHECK_STR(q1(db, "SELECT count(*) FROM documents"), "1");
    CHECK_STR(q1(db, "SELECT count(*) FROM hits"), "10");
    /* an aborted document leaves nothing */
    docstore_begin(ds);
    docstore_content(ds, "other content", 13);
    CHECK(docstore_add(ds, 0, in, len, 0, NULL, &err) == LW_OK);
    /* a country is two upper-case letters or nothing */
    CHECK(docstore_add(ds, 0, in, len, 0, "fi", &err) == LW_ERR_INVALID);
    CHECK(docstore_add(ds, 0, in, len, 0, "FIN", &err) == LW_ERR_INVALID);
    CHECK(docstore_add(ds, 0, in, len, 0, "F\0", &err) == LW_ERR_INVALID);
    docstore_abort(ds);
    CHECK_STR(q1(db, "SELECT count(*) FROM documents"), "1");
    /* and the store is usable afterwards */
    store_values(ds, "third content", 3, 1, &b);
    CHECK(!b.duplicate);
    CHECK_STR(q1(db, "SELECT count(*) FROM documents"), "2");
    CHECK_STR(q1(db, "SELECT count(*) FROM hits"), "13");
    docstore_free(ds);
    db_close(db);
}

/* The spill path (a table far too small) stores exactly what the in-memory path stores. */
static void
test_spill_matches_memory(void)
{
    struct db *small = fresh_db(true);
    struct db *big = fresh_db(true);
    struct docstore *s1 = small != NULL ? open_store(small, 64 * 1024, 0) : NULL;
    struct docstore *s2 = big != NULL ? open_store(big, 0, 0) : NULL;
    const char *sum = "SELECT md5(string_agg(format('%s/%s/%s/%s/%s', encode(hash, 'hex'), kind, "
                      "flags, occurrences, coalesce(country, '-')), ',' ORDER BY hash)) FROM hits";
    struct docstore_result r1, r2;
    char digest[64];

    if (s1 == NULL || s2 == NULL) {
        CHECK(0);
    } else {
        store_values(s1, "a big document", 8000, 3, &r1);
        store_values(s2, "a big document", 8000, 3, &r2);
        CHECK(r1.spilled);
        CHECK(!r2.spilled);
        CHECK_INT(r1.distinct, 8000);
        CHECK_INT(r2.distinct, 8000);
        CHECK_INT(r1.distinct_by_kind[0] + r1.distinct_by_kind[1] + r1.distinct_by_kind[2], 8000);
        CHECK_INT(r1.distinct_by_kind[1], r2.distinct_by_kind[1]);
        CHECK_STR(q1(small, "SELECT format('%s/%s', min(occurrences), max(flags)) FROM hits"),
                  "3/7");
        CHECK_STR(q1(small, "SELECT distinct_identifiers FROM documents"), "8000");
        /* the country travels through the spill table too */
        CHECK_STR(q1(small, "SELECT format('%s/%s/%s', count(*) FILTER (WHERE country = 'FI'), "
                            "count(*) FILTER (WHERE country = 'SE'), "
                            "count(*) FILTER (WHERE country IS NULL)) FROM hits"),
                  "2667/2667/2666");
        /* no constraint checks it: the merge must keep (document_id, hash) unique */
        CHECK_STR(q1(small, "SELECT count(DISTINCT (document_id, hash)) FROM hits"), "8000");
        snprintf(digest, sizeof(digest), "%s", q1(small, sum));
        CHECK(digest[0] != '\0');
        CHECK_STR(q1(big, sum), digest);
    }
    docstore_free(s1);
    docstore_free(s2);
    db_close(small);
    db_close(big);
}

/* A value seen in an earlier document is not evaluated again; with the cache off it is. */
static void
test_cache(void)
{
    struct db *db = fresh_db(true);
    struct docstore *on = db != NULL ? open_store(db, 0, 1 << 20) : NULL;
    struct docstore *off = db != NULL ? open_store(db, 0, 0) : NULL;
    struct docstore_result r;
    struct docstore_totals t;

    if (on == NULL || off == NULL) {
        CHECK(0);
    } else {
        store_values(on, "doc A", 500, 2, &r);
        CHECK_INT(r.evaluated, 500);
        CHECK_INT(r.cached, 0);
        store_values(on, "doc B", 600, 1, &r);
        CHECK_INT(r.evaluated, 100);
        CHECK_INT(r.cached, 500);
        CHECK_INT(r.distinct, 600);
        docstore_get_totals(on, &t);
        CHECK_INT(t.documents, 2);
        CHECK_INT(t.evaluated, 600);
        store_values(off, "doc C", 500, 1, &r);
        CHECK_INT(r.evaluated, 500);
        CHECK_INT(r.cached, 0);
        /* the same value in two documents: the same hash, stored once per document */
        CHECK_STR(q1(db, "SELECT count(DISTINCT hash) FROM hits"), "600");
        CHECK_STR(q1(db, "SELECT count(*) FROM hits"), "1600");
    }
    docstore_free(on);
    docstore_free(off);
    db_close(db);
}

/* docstore_known_fd hashes a file exactly as docstore_content() hashes a stream. */
static void
test_known_fd(void)
{
    struct db *db = fresh_db(true);
    struct docstore *ds = db != NULL ? open_store(db, 0, 0) : NULL;
    struct docstore_result r;
    struct lw_error err = {0};
    char path[256];
    bool known = true;
    int64_t id = 0;
    int fd;

    if (ds == NULL) {
        CHECK(0);
        db_close(db);
        return;
    }
    snprintf(path, sizeof(path), "%s/doc", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(write(fd, "file content", 12) == 12);
    CHECK(docstore_known_fd(ds, fd, &known, &id, &err) == LW_OK);
    CHECK(!known);
    store_values(ds, "file content", 5, 1, &r);
    CHECK(docstore_known_fd(ds, fd, &known, &id, &err) == LW_OK);
    CHECK(known);
    CHECK_INT(id, r.document_id);
    close(fd);
    docstore_free(ds);
    db_close(db);
}

int
main(void)
{
    uint8_t seed[KEYFILE_SEED_BYTES], sign[KEYFILE_SEED_BYTES];
    uint8_t pk[OPRF_ELEMENT_BYTES];
    struct lw_error err = {0};
    char path[256];

    for (int i = 0; i < KEYFILE_SEED_BYTES; i++) {
        seed[i] = (uint8_t)i;
        sign[i] = 0x42;
    }
    if (oprf_init() != LW_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    snprintf(path, sizeof(path), "%s/key", dir);
    if (keyfile_create(path, seed, sign, &err) != LW_OK || keyfile_load(path, &kf, &err) != LW_OK) {
        fprintf(stderr, "key: %s\n", err.msg);
        return 1;
    }
    oprf_derive_key_pair(seed, (const uint8_t *)KEYFILE_OPRF_INFO, strlen(KEYFILE_OPRF_INFO), sk, pk);
    RUN(test_server_required);
    if (getenv("PGHOST") != NULL) {
        RUN(test_migrate_twice);
        RUN(test_kinds_agree);
        RUN(test_known_answer);
        RUN(test_duplicate_and_abort);
        RUN(test_spill_matches_memory);
        RUN(test_cache);
        RUN(test_known_fd);
        pg_test_cleanup();
    }
    keyfile_free(kf);
    unlink(path);
    snprintf(path, sizeof(path), "%s/doc", dir);
    unlink(path);
    rmdir(dir);
    return LW_TEST_END();
}
