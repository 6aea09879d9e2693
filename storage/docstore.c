/*
 * storage/docstore.c — identifiers to stored hits, one transaction per document (see docstore.h).
 *
 * Per document, an open-addressing table (linear probing, power-of-two capacity, load at most 3/4)
 * maps a keyed 16-byte digest of each OPRF input to {kind, flags, occurrences, hash, state}. It
 * starts small and doubles up to the table_bytes ceiling; past that the document spills (below).
 * A new digest is looked up in the run-wide cache; a miss is queued in the filling batch with a copy
 * of its input. Two batches alternate: while the pool evaluates one, the caller's parsing fills the
 * other; when the filling batch is full, the one in flight is waited for and its results written
 * into the table (and the cache), its inputs wiped, and the full one submitted. The table never
 * moves while a batch is pending (growing and spilling wait for both batches first), so a batch
 * item's slot index stays valid.
 *
 * Commit: both batches are finished; BEGIN (unless a spill began the transaction); the document
 * row goes in first with ON CONFLICT (content_hash) DO NOTHING RETURNING id, so a duplicate — or
 * a concurrent ingest of the same content, which waits on the unique index — costs one statement
 * and writes nothing; then COPY hits FROM STDIN in text format (about 110 bytes a row, sent in 64
 * KiB pieces); the document is matched against the clinics' watchlists and keywords
 * (storage/alerts.h: its alerts are part of the same transaction); COMMIT. Spilled documents
 * instead COPY into a temporary table for the whole document and merge with INSERT … SELECT …
 * GROUP BY hash at the end. A duplicate is not matched: it adds nothing.
 *
 * Costs, measured: a COPY row costs the server about 4.6 µs (1.25 µs of it parsing and heap
 * insert, the rest the two indexes), an OPRF evaluation about 57 µs of one core; the COPY runs after
 * the evaluations, so it adds about a tenth to a big document's time. Rejected: binary COPY (it
 * would save part of the 1.25 µs, not the index work), and writing every document through the
 * temporary table (doubles the database work for the common case that fits in memory).
 */
#include "storage/docstore.h"

#include <errno.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/num.h"
#include "common/slice.h"
#include "storage/alerts.h"
#include "storage/evaluator.h"
#include "storage/hashcache.h"

#define BATCH_MAX 4096
#define TABLE_MIN 4096           /* initial slots */
#define COPY_CHUNK (64 * 1024)
#define DOC_KEY_INFO "leakwatch-document-key-v1"

enum slot_state { SLOT_EMPTY = 0, SLOT_PENDING, SLOT_READY };

struct slot {
    uint8_t digest[HASHCACHE_DIGEST_BYTES];
    uint8_t hash[OPRF_HASH_BYTES];
    uint32_t occurrences;
    uint16_t flags;
    uint8_t kind;
    uint8_t state;
    char country[2];             /* ISO 3166-1 alpha-2, or two NULs: unknown */
};

struct batch {
    uint8_t *arena;              /* BATCH_MAX inputs of up to OPRF_INPUT_MAX bytes: plaintext */
    const uint8_t **input;
    size_t *len;
    uint8_t (*out)[OPRF_HASH_BYTES];
    size_t *slot;                /* table index of each item */
    size_t n, used;              /* items, arena bytes */
    struct evaluator_batch eb;
    bool in_flight;
};

struct docstore {
    struct db *db;
    struct evaluator *ev;
    struct hashcache *cache;
    uint8_t *doc_key;            /* sodium_malloc'ed, read-only */
    struct slot *slots;
    size_t cap, count, max_cap;  /* slots, used, ceiling */
    size_t batch_max;
    struct batch batches[2];
    int filling;                 /* index of the batch being filled */
    crypto_generichash_state content;
    bool open, in_tx, in_copy, spilled, failed;
    struct lw_error fail;        /* the error that aborted the document */
    struct docstore_result cur;
    struct docstore_totals totals;
    struct lw_buf copybuf;
};

static void
batch_init(struct batch *b)
{
    b->arena = lw_xmalloc((size_t)BATCH_MAX * OPRF_INPUT_MAX);
    b->input = lw_xcalloc(BATCH_MAX, sizeof(*b->input));
    b->len = lw_xcalloc(BATCH_MAX, sizeof(*b->len));
    b->out = lw_xcalloc(BATCH_MAX, sizeof(*b->out));
    b->slot = lw_xcalloc(BATCH_MAX, sizeof(*b->slot));
}

static void
batch_free(struct batch *b)
{
    lw_wipe_free(b->arena, (size_t)BATCH_MAX * OPRF_INPUT_MAX);
    free(b->input);
    free(b->len);
    free(b->out);
    free(b->slot);
}

static void
table_alloc(struct docstore *ds, size_t cap)
{
    ds->slots = lw_xcalloc(cap, sizeof(struct slot));
    ds->cap = cap;
    ds->count = 0;
}

enum lw_rc
docstore_open(struct db *db, const struct keyfile *kf, const struct docstore_opts *opts,
              struct docstore **out, struct lw_error *err)
{
    struct docstore *ds = lw_xcalloc(1, sizeof(*ds));
    size_t table_bytes = opts->table_bytes == 0 ? DOCSTORE_TABLE_DEFAULT
                         : opts->table_bytes < 64 * 1024 ? 64 * 1024 : opts->table_bytes;

    *out = NULL;
    ds->db = db;
    ds->ev = evaluator_new(keyfile_oprf_secret(kf), opts->threads, err);
    if (ds->ev == NULL) {
        free(ds);
        return err != NULL ? err->rc : LW_ERR_INTERNAL;
    }
    ds->cache = hashcache_new(opts->cache_bytes);
    ds->doc_key = sodium_malloc(crypto_generichash_KEYBYTES);
    if (ds->doc_key == NULL) {
        fputs("leakwatch: out of locked memory for a key\n", stderr);
        abort();
    }
    /* a key of its own for content hashes, derived from (never equal to) the OPRF secret */
    crypto_generichash(ds->doc_key, crypto_generichash_KEYBYTES, (const uint8_t *)DOC_KEY_INFO,
                       sizeof(DOC_KEY_INFO) - 1, keyfile_oprf_secret(kf), OPRF_SCALAR_BYTES);
    sodium_mprotect_readonly(ds->doc_key);
    ds->max_cap = TABLE_MIN;
    while (ds->max_cap * 2 * sizeof(struct slot) <= table_bytes) {
        ds->max_cap *= 2;
    }
    /* a spill must be able to happen before a batch is full */
    ds->batch_max = ds->max_cap * 3 / 4 < BATCH_MAX ? ds->max_cap * 3 / 4 : BATCH_MAX;
    batch_init(&ds->batches[0]);
    batch_init(&ds->batches[1]);
    table_alloc(ds, TABLE_MIN);
    lw_buf_init(&ds->copybuf, 2 * COPY_CHUNK);
    *out = ds;
    return LW_OK;
}

unsigned
docstore_threads(const struct docstore *ds)
{
    return evaluator_threads(ds->ev);
}

void
docstore_get_totals(const struct docstore *ds, struct docstore_totals *out)
{
    *out = ds->totals;
}

/* ---- the per-document table ---- */

static size_t
slot_index(const uint8_t digest[HASHCACHE_DIGEST_BYTES], size_t cap)
{
    uint64_t h;

    memcpy(&h, digest, sizeof(h)); /* a keyed hash already: its bytes are uniform */
    return (size_t)(h & (cap - 1));
}

/* The slot holding digest, or the empty slot where it belongs. */
static struct slot *
table_find(struct slot *slots, size_t cap, const uint8_t digest[HASHCACHE_DIGEST_BYTES])
{
    size_t i = slot_index(digest, cap);

    while (slots[i].state != SLOT_EMPTY &&
           memcmp(slots[i].digest, digest, HASHCACHE_DIGEST_BYTES) != 0) {
        i = (i + 1) & (cap - 1);
    }
    return &slots[i];
}

/* Double the table (no batch may be pending: slot indices change). */
static void
table_grow(struct docstore *ds)
{
    struct slot *old = ds->slots;
    size_t old_cap = ds->cap;

    table_alloc(ds, old_cap * 2);
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].state != SLOT_EMPTY) {
            *table_find(ds->slots, ds->cap, old[i].digest) = old[i];
            ds->count++;
        }
    }
    lw_wipe_free(old, old_cap * sizeof(struct slot));
}

/* Empty the table; back to the initial size if it grew large. */
static void
table_clear(struct docstore *ds)
{
    if (ds->cap > 16 * TABLE_MIN) {
        lw_wipe_free(ds->slots, ds->cap * sizeof(struct slot));
        table_alloc(ds, TABLE_MIN);
        return;
    }
    lw_wipe(ds->slots, ds->cap * sizeof(struct slot));
    ds->count = 0;
}

/* ---- batches ---- */

/* Wait for the batch in flight, if any, and write its results into the table and the cache. */
static enum lw_rc
batch_collect(struct docstore *ds, struct lw_error *err)
{
    struct batch *b = &ds->batches[1 - ds->filling];

    if (!b->in_flight) {
        return LW_OK;
    }
    evaluator_wait(ds->ev);
    b->in_flight = false;
    lw_wipe(b->arena, b->used);
    b->used = 0;
    if (b->eb.rc != LW_OK) {
        b->n = 0;
        return lw_error_set(err, b->eb.rc, "OPRF evaluation failed: %s", lw_strerror(b->eb.rc));
    }
    for (size_t i = 0; i < b->n; i++) {
        struct slot *s = &ds->slots[b->slot[i]];

        memcpy(s->hash, b->out[i], OPRF_HASH_BYTES);
        s->state = SLOT_READY;
        hashcache_put(ds->cache, s->digest, s->hash);
    }
    ds->cur.evaluated += b->n;
    b->n = 0;
    return LW_OK;
}

/* Submit the filling batch (after collecting the one in flight) and switch to the other. */
static enum lw_rc
batch_submit(struct docstore *ds, struct lw_error *err)
{
    struct batch *b = &ds->batches[ds->filling];
    enum lw_rc rc = batch_collect(ds, err);

    if (rc != LW_OK || b->n == 0) {
        return rc;
    }
    b->eb.input = b->input;
    b->eb.len = b->len;
    b->eb.out = b->out;
    b->eb.n = b->n;
    b->eb.rc = LW_OK;
    b->in_flight = true;
    evaluator_submit(ds->ev, &b->eb);
    ds->filling = 1 - ds->filling;
    return LW_OK;
}

/* Evaluate everything pending and wait for it. */
static enum lw_rc
batches_finish(struct docstore *ds, struct lw_error *err)
{
    enum lw_rc rc = batch_submit(ds, err);

    if (rc == LW_OK) {
        rc = batch_collect(ds, err);
    }
    return rc;
}

/* Drop pending work without using it (abort), wiping inputs. */
static void
batches_discard(struct docstore *ds)
{
    for (int i = 0; i < 2; i++) {
        struct batch *b = &ds->batches[i];

        if (b->in_flight) {
            evaluator_wait(ds->ev);
            b->in_flight = false;
        }
        lw_wipe(b->arena, b->used);
        b->used = 0;
        b->n = 0;
    }
}

/* ---- COPY ---- */

/* A document id as query1() returned it; -1 for none. */
static int64_t
parse_id(const char *id)
{
    int64_t v = -1;

    return lw_parse_i64(lw_slice_cstr(id), 1, INT64_MAX, &v) == LW_OK ? v : -1;
}

static enum lw_rc
copy_start(struct docstore *ds, const char *what, const char *sql, struct lw_error *err)
{
    PGresult *r = PQexec(db_conn(ds->db), sql);
    enum lw_rc rc = LW_OK;

    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = db_error(ds->db, what, err);
    } else {
        ds->in_copy = true;
    }
    PQclear(r);
    lw_buf_reset(&ds->copybuf);
    return rc;
}

static enum lw_rc
copy_flush(struct docstore *ds, struct lw_error *err)
{
    if (ds->copybuf.len > 0 &&
        PQputCopyData(db_conn(ds->db), ds->copybuf.data, (int)ds->copybuf.len) != 1) {
        return db_error(ds->db, "sending hits", err);
    }
    lw_buf_reset(&ds->copybuf);
    return LW_OK;
}

/* One row: [document id \t] \\x<hash hex> \t kind \t flags \t occurrences \t country (\N: none). */
static enum lw_rc
copy_row(struct docstore *ds, int64_t doc_id, const struct slot *s, struct lw_error *err)
{
    char hex[OPRF_HASH_BYTES * 2 + 1];

    sodium_bin2hex(hex, sizeof(hex), s->hash, OPRF_HASH_BYTES);
    if (doc_id >= 0) {
        lw_buf_printf(&ds->copybuf, "%lld\t", (long long)doc_id);
    }
    lw_buf_printf(&ds->copybuf, "\\\\x%s\t%u\t%u\t%u\t", hex, (unsigned)s->kind,
                  (unsigned)s->flags, (unsigned)s->occurrences);
    if (s->country[0] != '\0') {
        lw_buf_printf(&ds->copybuf, "%c%c\n", s->country[0], s->country[1]);
    } else {
        lw_buf_append_str(&ds->copybuf, "\\N\n");
    }
    return ds->copybuf.len >= COPY_CHUNK ? copy_flush(ds, err) : LW_OK;
}

/* Every ready slot as a row (all are ready once the batches are finished). */
static enum lw_rc
copy_table(struct docstore *ds, int64_t doc_id, struct lw_error *err)
{
    enum lw_rc rc = LW_OK;

    for (size_t i = 0; i < ds->cap && rc == LW_OK; i++) {
        if (ds->slots[i].state == SLOT_READY) {
            rc = copy_row(ds, doc_id, &ds->slots[i], err);
        }
    }
    return rc == LW_OK ? copy_flush(ds, err) : rc;
}

/* End the COPY; *rows gets the server's row count. */
static enum lw_rc
copy_end(struct docstore *ds, uint64_t *rows, struct lw_error *err)
{
    PGconn *c = db_conn(ds->db);
    enum lw_rc rc = copy_flush(ds, err);
    PGresult *r;

    ds->in_copy = false;
    if (rc != LW_OK || PQputCopyEnd(c, NULL) != 1) {
        return rc != LW_OK ? rc : db_error(ds->db, "finishing the hits", err);
    }
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == LW_OK) {
            rc = db_error(ds->db, "storing the hits", err);
        } else if (rows != NULL) {
            *rows = db_rows(r);
        }
        PQclear(r);
    }
    return rc;
}

/* Abandon a COPY in progress (abort path). */
static void
copy_cancel(struct docstore *ds)
{
    PGconn *c = db_conn(ds->db);
    PGresult *r;

    if (!ds->in_copy) {
        return;
    }
    ds->in_copy = false;
    lw_buf_reset(&ds->copybuf);
    if (PQputCopyEnd(c, "document aborted") == 1) {
        while ((r = PQgetResult(c)) != NULL) {
            PQclear(r);
        }
    }
}

/* ---- spilling ---- */

static const char spill_table_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS lw_spill (hash bytea NOT NULL, kind smallint NOT NULL,"
    " flags smallint NOT NULL, occurrences integer NOT NULL, country char(2))"
    " ON COMMIT DELETE ROWS";

/* The table is full: send its rows to the temporary table and empty it. */
static enum lw_rc
spill(struct docstore *ds, struct lw_error *err)
{
    enum lw_rc rc = batches_finish(ds, err);

    if (rc == LW_OK && !ds->in_tx) {
        rc = db_begin(ds->db, err);
        ds->in_tx = rc == LW_OK;
        if (rc == LW_OK) {
            rc = db_exec(ds->db, "creating the spill table", spill_table_sql, err);
        }
        if (rc == LW_OK) {
            rc = copy_start(ds, "spilling hits",
                            "COPY lw_spill (hash, kind, flags, occurrences, country) FROM STDIN",
                            err);
        }
        if (rc == LW_OK && !ds->spilled) {
            lw_debug("ingest", "document has more distinct values than the table holds (%zu): "
                     "spilling to the database", ds->count);
        }
        ds->spilled = true;
    }
    if (rc == LW_OK) {
        rc = copy_table(ds, -1, err);
    }
    if (rc == LW_OK) {
        table_clear(ds);
    }
    return rc;
}

/* ---- documents ---- */

void
docstore_begin(struct docstore *ds)
{
    crypto_generichash_init(&ds->content, ds->doc_key, crypto_generichash_KEYBYTES, 32);
    memset(&ds->cur, 0, sizeof(ds->cur));
    ds->cur.document_id = -1;
    ds->open = true;
    ds->failed = false;
    ds->spilled = false;
}

void
docstore_content(struct docstore *ds, const void *bytes, size_t n)
{
    crypto_generichash_update(&ds->content, bytes, n);
}

/* Queue a new slot's input for evaluation. */
static enum lw_rc
enqueue(struct docstore *ds, size_t slot, const uint8_t *input, size_t len, struct lw_error *err)
{
    struct batch *b = &ds->batches[ds->filling];
    uint8_t *dst = b->arena + b->used;

    memcpy(dst, input, len);
    b->input[b->n] = dst;
    b->len[b->n] = len;
    b->slot[b->n] = slot;
    b->n++;
    b->used += len;
    return b->n >= ds->batch_max ? batch_submit(ds, err) : LW_OK;
}

/* Room for one more distinct value: grow, or spill at the ceiling. */
static enum lw_rc
make_room(struct docstore *ds, struct lw_error *err)
{
    enum lw_rc rc;

    if ((ds->count + 1) * 4 <= ds->cap * 3) {
        return LW_OK;
    }
    if (ds->cap < ds->max_cap) {
        rc = batches_finish(ds, err);
        if (rc == LW_OK) {
            table_grow(ds);
        }
        return rc;
    }
    return spill(ds, err);
}

static enum lw_rc
add_new(struct docstore *ds, unsigned kind, const uint8_t *input, size_t len, unsigned flags,
        const char country[2], const uint8_t digest[HASHCACHE_DIGEST_BYTES], struct lw_error *err)
{
    enum lw_rc rc = make_room(ds, err);
    struct slot *s;

    if (rc != LW_OK) {
        return rc;
    }
    s = table_find(ds->slots, ds->cap, digest);
    memcpy(s->digest, digest, HASHCACHE_DIGEST_BYTES);
    s->kind = (uint8_t)kind;
    s->flags = (uint16_t)(flags & 0x7fff);
    s->occurrences = 1;
    memcpy(s->country, country, 2);
    ds->count++;
    if (hashcache_get(ds->cache, digest, s->hash)) {
        s->state = SLOT_READY;
        ds->cur.cached++;
        return LW_OK;
    }
    s->state = SLOT_PENDING;
    return enqueue(ds, (size_t)(s - ds->slots), input, len, err);
}

/* A country argument as two letters, or two NULs for none; false if it is neither. */
static bool
country_arg(const char *country, char cc[2])
{
    cc[0] = cc[1] = '\0';
    if (country == NULL || country[0] == '\0') {
        return true;
    }
    if (country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z' ||
        country[2] != '\0') {
        return false;
    }
    cc[0] = country[0];
    cc[1] = country[1];
    return true;
}

enum lw_rc
docstore_add(struct docstore *ds, unsigned kind, const uint8_t *input, size_t len, unsigned flags,
             const char country[3], struct lw_error *err)
{
    uint8_t digest[HASHCACHE_DIGEST_BYTES];
    char cc[2];
    struct slot *s;
    enum lw_rc rc;

    if (ds->failed) {
        return lw_error_set(err, ds->fail.rc, "%s", ds->fail.msg);
    }
    if (!ds->open || kind >= DOCSTORE_KINDS || len == 0 || len > OPRF_INPUT_MAX ||
        !country_arg(country, cc)) {
        return lw_error_set(err, LW_ERR_INVALID, "docstore_add: bad call (kind %u, %zu bytes)",
                            kind, len);
    }
    hashcache_digest(ds->cache, input, len, digest);
    s = table_find(ds->slots, ds->cap, digest);
    if (s->state != SLOT_EMPTY) {
        s->flags |= (uint16_t)(flags & 0x7fff);
        if (s->occurrences < UINT32_MAX) {
            s->occurrences++;
        }
        if (s->country[0] == '\0') {
            memcpy(s->country, cc, 2); /* the same value has the same country: only fills a gap */
        }
        return LW_OK;
    }
    /* the failure is kept whole for docstore_commit(), also when this caller passed no err */
    rc = add_new(ds, kind, input, len, flags, cc, digest, &ds->fail);
    if (rc != LW_OK) {
        ds->failed = true;
        if (err != NULL) {
            *err = ds->fail;
        }
    }
    return rc;
}

static enum lw_rc
query1(struct docstore *ds, const char *what, const char *sql, int n, const char *const *vals,
       const int *lens, const int *bin, char *out, size_t cap, struct lw_error *err)
{
    struct pg_result *res = NULL;
    enum lw_rc rc = db_query(ds->db, what, sql, n, vals, lens, bin, &res, NULL, err);

    if (rc == LW_OK && out != NULL) {
        out[0] = '\0';
        if (PQntuples(res) > 0) {
            db_text(res, 0, 0, out, cap);
        }
    }
    db_result_free(res);
    return rc;
}

/* The id of a source named name, created as kind 'file' if there is none. */
static enum lw_rc
source_id(struct docstore *ds, const char *name, char id[32], struct lw_error *err)
{
    const char *v[1] = {name};
    enum lw_rc rc = query1(ds, "recording the source",
                           "INSERT INTO sources (name, kind) VALUES ($1, 'file') "
                           "ON CONFLICT (name) DO NOTHING", 1, v, NULL, NULL, NULL, 0, err);

    if (rc == LW_OK) {
        rc = query1(ds, "recording the source", "SELECT id FROM sources WHERE name = $1", 1, v,
                    NULL, NULL, id, 32, err);
    }
    return rc;
}

/* Insert the document row; id[0] == '\0' afterwards means it was a duplicate. */
static enum lw_rc
insert_document(struct docstore *ds, const struct docstore_meta *m, const uint8_t hash[32],
                char id[32], struct lw_error *err)
{
    char src[32] = "", nums[5][24];
    const char *v[12];
    int lens[12] = {32};
    int bin[12] = {1};
    enum lw_rc rc = LW_OK;

    if (m->source != NULL) {
        rc = source_id(ds, m->source, src, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    snprintf(nums[0], sizeof(nums[0]), "%llu", (unsigned long long)m->bytes);
    snprintf(nums[1], sizeof(nums[1]), "%llu", (unsigned long long)m->records);
    snprintf(nums[2], sizeof(nums[2]), "%llu", (unsigned long long)m->records_with_hits);
    snprintf(nums[3], sizeof(nums[3]), "%llu", (unsigned long long)m->identifiers);
    snprintf(nums[4], sizeof(nums[4]), "%llu", (unsigned long long)(ds->spilled ? 0 : ds->count));
    v[0] = (const char *)hash;
    v[1] = src[0] != '\0' ? src : NULL;
    v[2] = m->label;
    v[3] = m->url;
    v[4] = m->format;
    v[5] = m->region;
    for (int i = 0; i < 5; i++) {
        v[6 + i] = nums[i];
    }
    v[11] = m->summary_json;
    return query1(ds, "storing the document",
                  "INSERT INTO documents (content_hash, source_id, label, url, format, region, "
                  "bytes, records, records_with_hits, identifiers, distinct_identifiers, summary) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                  "ON CONFLICT (content_hash) DO NOTHING RETURNING id",
                  12, v, lens, bin, id, 32, err);
}

/* Per-kind distinct counts, from the table or (after a spill) from the stored rows. */
static enum lw_rc
count_kinds(struct docstore *ds, const char *id, struct lw_error *err)
{
    struct pg_result *res = NULL;
    const char *v[1] = {id};
    enum lw_rc rc;

    if (!ds->spilled) {
        for (size_t i = 0; i < ds->cap; i++) {
            if (ds->slots[i].state == SLOT_READY) {
                ds->cur.distinct_by_kind[ds->slots[i].kind]++;
            }
        }
        return LW_OK;
    }
    rc = db_query(ds->db, "counting the hits",
                  "SELECT kind, count(*) FROM hits WHERE document_id = $1 GROUP BY kind", 1, v,
                  NULL, NULL, &res, NULL, err);
    for (int i = 0; rc == LW_OK && i < PQntuples(res); i++) {
        int64_t k = 0, n = 0;

        if (db_i64(res, i, 0, 0, DOCSTORE_KINDS - 1, &k) && db_i64(res, i, 1, 0, INT64_MAX, &n)) {
            ds->cur.distinct_by_kind[k] = (uint64_t)n;
        }
    }
    db_result_free(res);
    return rc;
}

/* The hits of document id: COPY from the table, or merged from the spill table. */
static enum lw_rc
write_hits(struct docstore *ds, const char *id, struct lw_error *err)
{
    const char *v[1] = {id};
    char n[32];
    enum lw_rc rc;

    if (!ds->spilled) {
        rc = copy_start(ds, "storing the hits",
                        "COPY hits (document_id, hash, kind, flags, occurrences, country) "
                        "FROM STDIN", err);
        if (rc == LW_OK) {
            rc = copy_table(ds, ds->cur.document_id, err);
        }
        return rc == LW_OK ? copy_end(ds, &ds->cur.distinct, err) : rc;
    }
    rc = db_exec(ds->db, "merging the spilled hits", "ANALYZE lw_spill", err);
    if (rc == LW_OK) {
        struct pg_result *res = NULL;

        rc = db_query(ds->db, "merging the spilled hits",
                      "INSERT INTO hits (document_id, hash, kind, flags, occurrences, country) "
                      "SELECT $1, hash, min(kind), bit_or(flags), "
                      "least(sum(occurrences), 2147483647), max(country) FROM lw_spill "
                      "GROUP BY hash",
                      1, v, NULL, NULL, &res, NULL, err);
        if (rc == LW_OK) {
            ds->cur.distinct = db_rows(res);
        }
        db_result_free(res);
    }
    if (rc == LW_OK) {
        const char *u[2] = {n, id};

        snprintf(n, sizeof(n), "%llu", (unsigned long long)ds->cur.distinct);
        rc = query1(ds, "storing the document",
                    "UPDATE documents SET distinct_identifiers = $1 WHERE id = $2", 2, u, NULL,
                    NULL, NULL, 0, err);
    }
    return rc;
}

/* The id of the stored document with this content hash ("" if none). */
static enum lw_rc
lookup(struct docstore *ds, const uint8_t hash[32], char id[32], struct lw_error *err)
{
    const char *v[1] = {(const char *)hash};
    int lens[1] = {32};
    int bin[1] = {1};

    return query1(ds, "looking up the document", "SELECT id FROM documents WHERE content_hash = $1",
                  1, v, lens, bin, id, 32, err);
}

static void
doc_reset(struct docstore *ds)
{
    batches_discard(ds);
    table_clear(ds);
    ds->open = false;
    ds->in_tx = false;
    ds->spilled = false;
    ds->failed = false;
}

static enum lw_rc
commit_locked(struct docstore *ds, const struct docstore_meta *m, const uint8_t hash[32],
              struct lw_error *err)
{
    char id[32] = "";
    enum lw_rc rc = LW_OK;

    if (ds->in_copy) {
        rc = copy_table(ds, -1, err);
        if (rc == LW_OK) {
            rc = copy_end(ds, NULL, err);
        }
    } else if (!ds->in_tx) {
        rc = db_begin(ds->db, err);
        ds->in_tx = rc == LW_OK;
    }
    if (rc == LW_OK) {
        rc = insert_document(ds, m, hash, id, err);
    }
    if (rc == LW_OK && id[0] == '\0') {
        db_rollback(ds->db);
        ds->in_tx = false;
        ds->cur.duplicate = true;
        if (!ds->spilled) {
            (void)count_kinds(ds, "", err); /* from the table: what the document holds */
        }
        rc = lookup(ds, hash, id, err);
        ds->cur.document_id = parse_id(id);
        return rc;
    }
    if (rc == LW_OK) {
        ds->cur.document_id = parse_id(id);
        rc = ds->cur.document_id > 0
                 ? write_hits(ds, id, err)
                 : lw_error_set(err, LW_ERR_DB, "storing the document: no usable id returned");
    }
    if (rc == LW_OK) {
        rc = count_kinds(ds, id, err);
    }
    if (rc == LW_OK) {
        /* in the document's transaction: its alerts are stored with it or not at all */
        rc = alerts_match_document(ds->db, ds->cur.document_id, m->mentions, m->n_mentions,
                                   &ds->cur.alerts, err);
    }
    if (rc == LW_OK) {
        rc = db_commit(ds->db, err);
        ds->in_tx = false;
    }
    return rc;
}

enum lw_rc
docstore_commit(struct docstore *ds, const struct docstore_meta *m, struct docstore_result *res,
                struct lw_error *err)
{
    uint8_t hash[32];
    enum lw_rc rc;

    if (!ds->open) {
        return lw_error_set(err, LW_ERR_INTERNAL, "docstore_commit without docstore_begin");
    }
    if (ds->failed) {
        rc = lw_error_set(err, ds->fail.rc, "%s", ds->fail.msg);
    } else {
        rc = batches_finish(ds, err);
    }
    crypto_generichash_final(&ds->content, hash, sizeof(hash));
    if (rc == LW_OK) {
        rc = commit_locked(ds, m, hash, err);
    }
    if (rc != LW_OK) {
        docstore_abort(ds);
        return rc;
    }
    ds->totals.documents++;
    if (ds->cur.duplicate) {
        ds->totals.duplicates++;
    } else {
        ds->totals.distinct += ds->cur.distinct;
    }
    ds->totals.evaluated += ds->cur.evaluated;
    ds->totals.cached += ds->cur.cached;
    ds->cur.spilled = ds->spilled;
    *res = ds->cur;
    doc_reset(ds);
    return LW_OK;
}

void
docstore_abort(struct docstore *ds)
{
    if (ds == NULL || !ds->open) {
        return;
    }
    copy_cancel(ds);
    if (ds->in_tx) {
        db_rollback(ds->db);
    }
    doc_reset(ds);
}

enum lw_rc
docstore_known_fd(struct docstore *ds, int fd, bool *known, int64_t *document_id,
                  struct lw_error *err)
{
    crypto_generichash_state st;
    uint8_t *buf = lw_xmalloc(COPY_CHUNK * 4);
    uint8_t hash[32];
    char id[32] = "";
    off_t off = 0;
    ssize_t n;
    enum lw_rc rc;

    *known = false;
    *document_id = -1;
    crypto_generichash_init(&st, ds->doc_key, crypto_generichash_KEYBYTES, sizeof(hash));
    while ((n = pread(fd, buf, COPY_CHUNK * 4, off)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            lw_wipe_free(buf, COPY_CHUNK * 4);
            return lw_error_set(err, LW_ERR_IO, "reading: %s", strerror(errno));
        }
        crypto_generichash_update(&st, buf, (size_t)n);
        off += n;
    }
    lw_wipe_free(buf, COPY_CHUNK * 4);
    crypto_generichash_final(&st, hash, sizeof(hash));
    rc = lookup(ds, hash, id, err);
    if (rc == LW_OK && id[0] != '\0') {
        *known = true;
        *document_id = parse_id(id);
    }
    return rc;
}

void
docstore_free(struct docstore *ds)
{
    if (ds == NULL) {
        return;
    }
    docstore_abort(ds);
    evaluator_free(ds->ev);
    hashcache_free(ds->cache);
    sodium_free(ds->doc_key);
    batch_free(&ds->batches[0]);
    batch_free(&ds->batches[1]);
    lw_wipe_free(ds->slots, ds->cap * sizeof(struct slot));
    lw_buf_free(&ds->copybuf);
    free(ds);
}
