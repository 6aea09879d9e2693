/*
 * tests/unit/storage/watch_test.h — what test_watchlist.c and test_alerts.c share: a key file,
 * real stored hashes (OPRF over identifiers_oprf_input, as docstore and enroll compute them),
 * watchlist rows, documents stored through docstore, clinics.
 */
#ifndef LW_TESTS_UNIT_STORAGE_WATCH_TEST_H
#define LW_TESTS_UNIT_STORAGE_WATCH_TEST_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/identifiers.h"
#include "storage/clinics.h"
#include "storage/docstore.h"
#include "storage/keyfile.h"
#include "storage/oprf.h"
#include "storage/watchlist.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/storage/pg_test.h"

static char wt_dir[] = "/tmp/lw-watch-XXXXXX";
static char wt_path[256];
static struct keyfile *wt_kf;
static uint8_t wt_sk[OPRF_SCALAR_BYTES];

/* A key file with fixed seeds, and the OPRF secret it holds. 0 on success. */
__attribute__((unused)) static int
wt_setup(void)
{
    uint8_t seed[KEYFILE_SEED_BYTES], sign[KEYFILE_SEED_BYTES], pk[OPRF_ELEMENT_BYTES];
    struct lw_error err = {0};

    for (int i = 0; i < KEYFILE_SEED_BYTES; i++) {
        seed[i] = (uint8_t)(i + 7);
        sign[i] = 0x42;
    }
    if (oprf_init() != LW_OK || mkdtemp(wt_dir) == NULL) {
        return -1;
    }
    snprintf(wt_path, sizeof(wt_path), "%s/key", wt_dir);
    if (keyfile_create(wt_path, seed, sign, &err) != LW_OK ||
        keyfile_load(wt_path, &wt_kf, &err) != LW_OK) {
        fprintf(stderr, "key: %s\n", err.msg);
        return -1;
    }
    oprf_derive_key_pair(seed, (const uint8_t *)KEYFILE_OPRF_INFO, strlen(KEYFILE_OPRF_INFO),
                         wt_sk, pk);
    return 0;
}

__attribute__((unused)) static void
wt_teardown(void)
{
    keyfile_free(wt_kf);
    unlink(wt_path);
    rmdir(wt_dir);
}

/* The stored form of a normalised value of kind. */
__attribute__((unused)) static void
wt_hash(enum id_kind kind, const char *value, uint8_t out[WATCH_HASH_BYTES])
{
    uint8_t in[ID_OPRF_INPUT_MAX], full[OPRF_OUTPUT_BYTES];
    size_t len = 0;

    CHECK(identifiers_oprf_input(kind, lw_slice_cstr(value), in, sizeof(in), &len) == LW_OK);
    CHECK(oprf_evaluate(wt_sk, in, len, full) == LW_OK);
    memcpy(out, full, WATCH_HASH_BYTES);
}

__attribute__((unused)) static struct watch_row
wt_row(enum id_kind kind, const char *value, const char *ref)
{
    struct watch_row r;

    memset(&r, 0, sizeof(r));
    wt_hash(kind, value, r.hash);
    r.kind = (uint8_t)kind;
    snprintf(r.ref, sizeof(r.ref), "%s", ref);
    return r;
}

struct wt_item {
    enum id_kind kind;
    const char *value;
    unsigned flags;
};

/* Store one document (content names it) holding items, mentioning keyword ids mentions. */
__attribute__((unused)) static struct docstore_result
wt_store(struct db *db, const char *content, const struct wt_item *items, size_t n,
         const int64_t *mentions, size_t n_mentions)
{
    struct docstore_opts o = {.threads = 1, .table_bytes = 0, .cache_bytes = 1 << 20};
    struct docstore_result res;
    struct docstore_meta m;
    struct docstore *ds = NULL;
    struct lw_error err = {0};
    uint8_t in[ID_OPRF_INPUT_MAX];

    memset(&res, 0, sizeof(res));
    res.document_id = -1;
    memset(&m, 0, sizeof(m));
    m.format = "csv";
    m.label = content;
    m.source = "leak-site";
    m.summary_json = "{}";
    m.records = n;
    m.identifiers = n;
    m.bytes = strlen(content);
    m.mentions = mentions;
    m.n_mentions = n_mentions;
    if (docstore_open(db, wt_kf, &o, &ds, &err) != LW_OK) {
        fprintf(stderr, "docstore: %s\n", err.msg);
        CHECK(0);
        return res;
    }
    docstore_begin(ds);
    docstore_content(ds, content, strlen(content));
    for (size_t i = 0; i < n; i++) {
        char cc[3];
        size_t len = 0;

        CHECK(identifiers_oprf_input(items[i].kind, lw_slice_cstr(items[i].value), in,
                                     sizeof(in), &len) == LW_OK);
        if (identifiers_country(items[i].kind, lw_slice_cstr(items[i].value), cc) != LW_OK) {
            cc[0] = '\0';
        }
        CHECK(docstore_add(ds, items[i].kind, in, len, items[i].flags, cc, &err) == LW_OK);
    }
    if (docstore_commit(ds, &m, &res, &err) != LW_OK) {
        fprintf(stderr, "commit: %s\n", err.msg);
        CHECK(0);
    }
    docstore_free(ds);
    return res;
}

/* Add a clinic; its id. */
__attribute__((unused)) static int64_t
wt_clinic(struct db *db, const char *name, const char *webhook, const char *email)
{
    struct clinic_spec s = {name, webhook, email, NULL};
    char tok[CLINIC_TOKEN_LEN + 1];
    struct lw_error err = {0};
    struct clinic c;

    memset(&c, 0, sizeof(c));
    CHECK(clinics_add(db, &s, tok, &err) == LW_OK);
    CHECK(clinics_get(db, name, &c, &err) == LW_OK);
    return c.id;
}

/* The number in the first column of the first row of sql. */
__attribute__((unused)) static long
wt_long(struct db *db, const char *sql)
{
    return strtol(pg_test_q1(db, sql), NULL, 10);
}

#endif
