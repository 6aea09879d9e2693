/*
 * tests/unit/storage/test_clinics.c — clinics against a real PostgreSQL: add/get/list/remove,
 * tokens (shape, only a hash stored, rotation), authentication, spec validation per member, the
 * OPRF rate bucket, keywords folded and de-duplicated.
 *
 * Needs a server (make check runs it inside tests/pg/with-cluster); without one it FAILS.
 */
#include "storage/clinics.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/lw_test.h"
#include "tests/unit/storage/pg_test.h"

#define q1 pg_test_q1

static struct db *
fresh_db(void)
{
    pg_test_prefix = "lw_clinics";
    return pg_test_db(true);
}

static long
q1_long(struct db *db, const char *sql)
{
    return strtol(q1(db, sql), NULL, 10);
}

static bool
token_shaped(const char *t)
{
    if (strlen(t) != CLINIC_TOKEN_LEN || strncmp(t, "lwc_", 4) != 0) {
        return false;
    }
    for (size_t i = 4; i < CLINIC_TOKEN_LEN; i++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", t[i]) ==
            NULL) {
            return false;
        }
    }
    return true;
}

static int
collect(void *user, const struct clinic *c)
{
    char *names = user;
    size_t n = strlen(names);

    snprintf(names + n, 256 - n, "%s%s", n > 0 ? "," : "", c->name);
    return 0;
}

static void
test_add_get_list_remove(void)
{
    struct db *db = fresh_db();
    struct clinic_spec a = {"Vastaamo", "https://hooks.example.fi/lw", "security@example.fi",
                            "FI"};
    struct clinic_spec b = {"clinic-b", NULL, NULL, NULL};
    char tok_a[CLINIC_TOKEN_LEN + 1], tok_b[CLINIC_TOKEN_LEN + 1], sql[256], names[256] = "";
    char scratch[CLINIC_TOKEN_LEN + 1];
    struct lw_error err = {0};
    struct clinic c;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(clinics_add(db, &a, tok_a, &err) == LW_OK);
    CHECK(clinics_add(db, &b, tok_b, &err) == LW_OK);
    CHECK(token_shaped(tok_a));
    CHECK(token_shaped(tok_b));
    CHECK(strcmp(tok_a, tok_b) != 0);
    CHECK(clinics_add(db, &a, scratch, &err) == LW_ERR_EXISTS);
    CHECK(strstr(err.msg, "Vastaamo") != NULL);
    CHECK_STR(scratch, ""); /* no token for a clinic that was not added */
    CHECK(clinics_get(db, "Vastaamo", &c, &err) == LW_OK);
    CHECK_STR(c.webhook_url, "https://hooks.example.fi/lw");
    CHECK_STR(c.email, "security@example.fi");
    CHECK_STR(c.region, "FI");
    CHECK(strlen(c.created_at) == 20 && c.created_at[19] == 'Z');
    CHECK_INT(c.watch_rows + c.keywords + c.alerts + c.oprf_evaluations, 0);
    CHECK(clinics_get(db, "clinic-b", &c, &err) == LW_OK);
    CHECK_STR(c.webhook_url, "");
    CHECK(clinics_list(db, collect, names, &err) == LW_OK);
    CHECK_STR(names, "Vastaamo,clinic-b");
    /* only the hash is stored: the token appears nowhere in any clinic row */
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM clinics c WHERE c::text LIKE '%%%s%%' OR "
             "c::text LIKE '%%%s%%'", tok_a + 4, tok_b + 4);
    CHECK_INT(q1_long(db, sql), 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM clinics WHERE token_hash = "
             "decode('%s', 'escape')", tok_a);
    CHECK_INT(q1_long(db, sql), 0);
    {
        uint8_t h[32];
        char hex[65];

        crypto_generichash(h, 32, (const uint8_t *)tok_a, strlen(tok_a), NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), h, 32);
        snprintf(sql, sizeof(sql), "SELECT name FROM clinics WHERE token_hash = "
                 "decode('%s', 'hex')", hex);
        CHECK_STR(q1(db, sql), "Vastaamo");
    }
    /* update: set one member, clear another */
    {
        struct clinic_spec u = {"Vastaamo", "", NULL, "SE"};

        CHECK(clinics_update(db, &u, &err) == LW_OK);
        CHECK(clinics_get(db, "Vastaamo", &c, &err) == LW_OK);
        CHECK_STR(c.webhook_url, "");
        CHECK_STR(c.email, "security@example.fi");
        CHECK_STR(c.region, "SE");
        u.name = "nobody";
        CHECK(clinics_update(db, &u, &err) == LW_ERR_NOT_FOUND);
    }
    CHECK(clinics_remove(db, "clinic-b", &err) == LW_OK);
    CHECK(clinics_remove(db, "clinic-b", &err) == LW_ERR_NOT_FOUND);
    CHECK(clinics_get(db, "clinic-b", &c, &err) == LW_ERR_NOT_FOUND);
    CHECK(clinics_authenticate(db, tok_b, &c, &err) == LW_ERR_NOT_FOUND);
    db_close(db);
}

static void
test_authenticate_rotate(void)
{
    struct db *db = fresh_db();
    struct clinic_spec a = {"alpha", NULL, NULL, NULL};
    char tok[CLINIC_TOKEN_LEN + 1], old[CLINIC_TOKEN_LEN + 1], bad[64];
    struct lw_error err = {0};
    struct clinic c;
    const char *malformed[] = {"", "lwc_", "Bearer x", "lwc_abc",
                               "LWC_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                               "lwc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                               "lwc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                               "lwc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"};

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(clinics_add(db, &a, tok, &err) == LW_OK);
    memset(&c, 0, sizeof(c));
    CHECK(clinics_authenticate(db, tok, &c, &err) == LW_OK);
    CHECK_STR(c.name, "alpha");
    CHECK(c.id > 0);
    CHECK(clinics_authenticate(db, NULL, &c, &err) == LW_ERR_NOT_FOUND);
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        CHECK(clinics_authenticate(db, malformed[i], &c, &err) == LW_ERR_NOT_FOUND);
    }
    /* well-formed but unknown: one character changed */
    snprintf(bad, sizeof(bad), "%s", tok);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    CHECK(clinics_authenticate(db, bad, &c, &err) == LW_ERR_NOT_FOUND);
    /* rotation: the old token stops working at once, the new one works */
    memcpy(old, tok, sizeof(old));
    CHECK(clinics_rotate_token(db, "alpha", tok, &err) == LW_OK);
    CHECK(token_shaped(tok));
    CHECK(strcmp(old, tok) != 0);
    CHECK(clinics_authenticate(db, old, &c, &err) == LW_ERR_NOT_FOUND);
    CHECK(clinics_authenticate(db, tok, &c, &err) == LW_OK);
    CHECK(clinics_rotate_token(db, "nobody", tok, &err) == LW_ERR_NOT_FOUND);
    db_close(db);
}

struct bad_spec {
    struct clinic_spec spec;
    const char *prefix;
};

static void
test_spec_validation(void)
{
    struct db *db = fresh_db();
    static char long_url[CLINIC_URL_MAX + 16], long_mail[CLINIC_EMAIL_MAX + 16];
    char tok[CLINIC_TOKEN_LEN + 1];
    struct lw_error err = {0};
    const struct bad_spec bad[] = {
        {{"", NULL, NULL, NULL}, "name: "},
        {{"-x", NULL, NULL, NULL}, "name: "},
        {{"a b", NULL, NULL, NULL}, "name: "},
        {{"a/b", NULL, NULL, NULL}, "name: "},
        {{"ok", "ftp://example.fi/", NULL, NULL}, "webhook_url: "},
        {{"ok", "https://user:pw@example.fi/", NULL, NULL}, "webhook_url: "},
        {{"ok", "https://exa mple.fi/", NULL, NULL}, "webhook_url: "},
        {{"ok", "https://example.fi/\xc3\xa4", NULL, NULL}, "webhook_url: "},
        {{"ok", "https:///x", NULL, NULL}, "webhook_url: "},
        {{"ok", long_url, NULL, NULL}, "webhook_url: "},
        {{"ok", NULL, "no-at.example.fi", NULL}, "email: "},
        {{"ok", NULL, "a@b@example.fi", NULL}, "email: "},
        {{"ok", NULL, "a@localhost", NULL}, "email: "},
        {{"ok", NULL, "a b@example.fi", NULL}, "email: "},
        {{"ok", NULL, "a@example.fi\r\nRCPT TO:<x@evil.example>", NULL}, "email: "},
        {{"ok", NULL, "\xc3\xa4@example.fi", NULL}, "email: "},
        {{"ok", NULL, "<a@example.fi>", NULL}, "email: "},
        {{"ok", NULL, "@example.fi", NULL}, "email: "},
        {{"ok", NULL, long_mail, NULL}, "email: "},
        {{"ok", NULL, NULL, "fi"}, "region: "},
        {{"ok", NULL, NULL, "FIN"}, "region: "},
    };

    if (db == NULL) {
        CHECK(0);
        return;
    }
    memset(long_url, 'a', sizeof(long_url) - 1);
    memcpy(long_url, "https://", 8);
    memset(long_mail, 'a', sizeof(long_mail) - 1);
    memcpy(long_mail + sizeof(long_mail) - 12, "@example.fi", 11);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        CHECK(clinics_add(db, &bad[i].spec, tok, &err) == LW_ERR_INVALID);
        if (strncmp(err.msg, bad[i].prefix, strlen(bad[i].prefix)) != 0) {
            fprintf(stderr, "case %zu: message \"%s\", want prefix \"%s\"\n", i, err.msg,
                    bad[i].prefix);
            CHECK(0);
        }
    }
    CHECK_INT(q1_long(db, "SELECT count(*) FROM clinics"), 0);
    {
        struct clinic_spec good = {"Ok.clinic_2", "http://127.0.0.1:8080/hook?x=1",
                                   "first.last+lw@mail.example.fi", "SE"};
        struct clinic_spec upd = {"Ok.clinic_2", NULL, "bad", NULL};

        CHECK(clinics_add(db, &good, tok, &err) == LW_OK);
        CHECK(clinics_update(db, &upd, &err) == LW_ERR_INVALID);
        CHECK(strncmp(err.msg, "email: ", 7) == 0);
    }
    db_close(db);
}

static void
test_rate_bucket(void)
{
    struct db *db = fresh_db();
    struct clinic_spec a = {"rated", NULL, NULL, NULL};
    struct clinics_rate rate = {3600.0, 5.0}; /* one a second, five at most */
    char tok[CLINIC_TOKEN_LEN + 1];
    struct lw_error err = {0};
    struct clinic c;
    bool ok = false;
    uint32_t wait = 0;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(clinics_add(db, &a, tok, &err) == LW_OK);
    CHECK(clinics_get(db, "rated", &c, &err) == LW_OK);
    CHECK(clinics_oprf_take(db, c.id, 3, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(ok);
    CHECK(clinics_oprf_take(db, c.id, 2, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(ok);
    /* empty (give or take the refill of a few milliseconds): all or none */
    CHECK(clinics_oprf_take(db, c.id, 3, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(!ok);
    CHECK(wait >= 1 && wait <= 3);
    CHECK(clinics_oprf_take(db, c.id, 1, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(!ok);
    CHECK_INT(wait, 1);
    /* more than the burst can never pass: the time to a full bucket */
    CHECK(clinics_oprf_take(db, c.id, 6, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(!ok);
    CHECK(wait >= 4 && wait <= 5);
    CHECK(clinics_get(db, "rated", &c, &err) == LW_OK);
    CHECK_INT(c.oprf_evaluations, 5);
    /* ten seconds later the bucket is full again, and no fuller than burst */
    CHECK(db_exec(db, "age", "UPDATE clinics SET oprf_tokens_at = oprf_tokens_at - "
                  "interval '10 seconds'", &err) == LW_OK);
    CHECK(clinics_oprf_take(db, c.id, 5, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(ok);
    CHECK(clinics_oprf_take(db, c.id, 1, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(!ok);
    /* and with real time: two seconds refill two */
    sleep(2);
    CHECK(clinics_oprf_take(db, c.id, 2, &rate, &ok, &wait, &err) == LW_OK);
    CHECK(ok);
    CHECK(clinics_get(db, "rated", &c, &err) == LW_OK);
    CHECK_INT(c.oprf_evaluations, 12);
    CHECK(clinics_oprf_take(db, c.id + 100, 1, &rate, &ok, &wait, &err) == LW_ERR_NOT_FOUND);
    db_close(db);
}

static int
collect_words(void *user, int64_t id, int64_t clinic_id, const char *word)
{
    char *out = user;
    size_t n = strlen(out);

    (void)id;
    (void)clinic_id;
    snprintf(out + n, 256 - n, "%s%s", n > 0 ? "|" : "", word);
    return 0;
}

static void
test_keywords(void)
{
    struct db *db = fresh_db();
    struct clinic_spec a = {"kw", NULL, NULL, NULL}, b = {"kw2", NULL, NULL, NULL};
    const char *words[] = {"Vastaamo", "VASTAAMO!", "Psykoterapiakeskus  Vastaamo",
                           "\xc3\x84\xc3\xa4niterapia"};
    const char *again[] = {"vastaamo", "aaniterapia"};
    const char *bad[] = {"Fine", "!!!"};
    const char *rm[] = {"vastaamo", "nothing"};
    char tok[CLINIC_TOKEN_LEN + 1], list[256] = "";
    struct lw_error err = {0};
    struct clinic c, d;
    uint64_t n = 99;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    CHECK(clinics_add(db, &a, tok, &err) == LW_OK);
    CHECK(clinics_add(db, &b, tok, &err) == LW_OK);
    CHECK(clinics_get(db, "kw", &c, &err) == LW_OK);
    CHECK(clinics_get(db, "kw2", &d, &err) == LW_OK);
    CHECK(clinics_keywords_add(db, c.id, words, 4, &n, &err) == LW_OK);
    CHECK_INT(n, 3);
    CHECK(clinics_keywords_add(db, c.id, again, 2, &n, &err) == LW_OK);
    CHECK_INT(n, 0);
    CHECK(clinics_keywords_add(db, d.id, again, 1, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    CHECK(clinics_keywords_add(db, c.id, bad, 2, &n, &err) == LW_ERR_INVALID);
    CHECK(strstr(err.msg, "keyword 2") != NULL);
    CHECK(clinics_keywords_add(db, c.id + d.id, again, 1, &n, &err) == LW_ERR_NOT_FOUND);
    CHECK(clinics_keywords_each(db, c.id, collect_words, list, &err) == LW_OK);
    CHECK_STR(list, "Vastaamo|Psykoterapiakeskus  Vastaamo|\xc3\x84\xc3\xa4niterapia");
    CHECK_STR(q1(db, "SELECT string_agg(folded, '|' ORDER BY id) FROM watch_keywords"),
              "vastaamo|psykoterapiakeskus vastaamo|aaniterapia|vastaamo");
    list[0] = '\0';
    CHECK(clinics_keywords_each(db, 0, collect_words, list, &err) == LW_OK);
    CHECK_INT(strlen(list) > 0 && strstr(list, "|vastaamo") != NULL, 1);
    CHECK(clinics_get(db, "kw", &c, &err) == LW_OK);
    CHECK_INT(c.keywords, 3);
    CHECK(clinics_keywords_remove(db, c.id, rm, 2, &n, &err) == LW_OK);
    CHECK_INT(n, 1);
    CHECK(clinics_get(db, "kw", &c, &err) == LW_OK);
    CHECK_INT(c.keywords, 2);
    CHECK(clinics_get(db, "kw2", &d, &err) == LW_OK);
    CHECK_INT(d.keywords, 1);
    db_close(db);
}

static void
test_server_required(void)
{
    CHECK(getenv("PGHOST") != NULL);
    if (getenv("PGHOST") == NULL) {
        fprintf(stderr, "no PostgreSQL: run through tests/pg/with-cluster (make check does)\n");
    }
    CHECK(sodium_init() >= 0);
}

int
main(void)
{
    RUN(test_server_required);
    if (getenv("PGHOST") != NULL) {
        RUN(test_add_get_list_remove);
        RUN(test_authenticate_rotate);
        RUN(test_spec_validation);
        RUN(test_rate_bucket);
        RUN(test_keywords);
        pg_test_cleanup();
    }
    return LW_TEST_END();
}
