/*
 * cli/pipeline.c — parse → identifiers → OPRF → PostgreSQL for one document (see pipeline.h).
 *
 * document_scan() drives the parsers and calls on_hit() for every identifier; on_hit() builds the
 * OPRF input (identifiers_oprf_input: the one definition of `kind ‖ 0x00 ‖ value`) and hands it to
 * the docstore, then wipes it. A reader tap sends every source byte to the docstore's content hash
 * (and counts bytes for the progress bar); after parsing, the reader is drained so the hash covers
 * the whole input even where a parser stopped early (the HTML size cap).
 *
 * A database failure inside on_hit() cannot be returned through the parser's callback: the docstore
 * remembers it, ignores what follows, and docstore_commit() returns it — the document is dropped.
 *
 * Mentions: every clinic keyword is loaded once, at pipeline_open, into one matcher
 * (parsers/mentions.h). The same tap feeds it the source bytes — raw, as fetched, before any
 * parser decodes them, so a name in an HTML attribute or a CSV cell counts alike — and the ids it
 * found go into the commit, where storage matches them to clinics in the document's transaction.
 * With no keywords the matcher returns at once. Keywords added later are seen by the next run.
 */
#include "cli/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "parsers/mentions.h"
#include "storage/clinics.h"
#include "storage/keyfile.h"
#include "storage/migrate.h"
#include "storage/oprf.h"

/* How often the progress callback is offered a frame (it limits its own redraws by time): every
 * 64 KiB read, and every 256 identifiers — OPRF-bound documents move slowly through their bytes. */
#define PROGRESS_EVERY_BYTES (1u << 16)
#define PROGRESS_EVERY_IDS 256

struct pipeline {
    struct db *db;
    struct keyfile *kf;
    struct docstore *ds;
    struct mentions *mentions; /* every clinic's keywords */
};

struct doc_state {
    struct pipeline *p;
    const struct pipeline_doc *d;
    uint64_t bytes, next_progress, identifiers;
};

/* A stored keyword was validated when it was added; one the matcher refuses is left out. */
static int
add_keyword(void *user, int64_t id, int64_t clinic_id, const char *word)
{
    (void)clinic_id;
    (void)mentions_add(user, id, lw_slice_cstr(word), NULL);
    return 0;
}

enum lw_rc
pipeline_open(const struct pipeline_opts *o, struct pipeline **out, struct lw_error *err)
{
    struct pipeline *p = lw_xcalloc(1, sizeof(*p));
    struct docstore_opts dso = {
        .threads = o->threads,
        .table_bytes = o->table_bytes != 0 ? o->table_bytes : DOCSTORE_TABLE_DEFAULT,
        .cache_bytes = o->cache_bytes != 0 ? o->cache_bytes : DOCSTORE_CACHE_DEFAULT,
    };
    enum lw_rc rc;

    *out = NULL;
    rc = oprf_init() == LW_OK ? LW_OK
                              : lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    if (rc == LW_OK) {
        rc = keyfile_load(o->key_file != NULL ? o->key_file : keyfile_default_path(), &p->kf, err);
    }
    if (rc == LW_OK) {
        rc = db_connect(&p->db, err);
    }
    if (rc == LW_OK) {
        rc = migrate_require(p->db, err);
    }
    if (rc == LW_OK) {
        p->mentions = mentions_new();
        rc = clinics_keywords_each(p->db, 0, add_keyword, p->mentions, err);
    }
    if (rc == LW_OK) {
        rc = docstore_open(p->db, p->kf, &dso, &p->ds, err);
    }
    if (rc != LW_OK) {
        pipeline_free(p);
        return rc;
    }
    *out = p;
    return LW_OK;
}

void
pipeline_free(struct pipeline *p)
{
    if (p == NULL) {
        return;
    }
    docstore_free(p->ds);
    mentions_free(p->mentions);
    db_close(p->db);
    keyfile_free(p->kf);
    free(p);
}

struct db *
pipeline_db(struct pipeline *p)
{
    return p->db;
}

unsigned
pipeline_threads(const struct pipeline *p)
{
    return docstore_threads(p->ds);
}

void
pipeline_docstore_totals(const struct pipeline *p, struct docstore_totals *out)
{
    docstore_get_totals(p->ds, out);
}

enum lw_rc
pipeline_known_fd(struct pipeline *p, int fd, bool *known, int64_t *id, struct lw_error *err)
{
    return docstore_known_fd(p->ds, fd, known, id, err);
}

static void
on_hit(void *user, enum id_kind kind, struct lw_slice value, unsigned flags)
{
    struct doc_state *s = user;
    uint8_t input[ID_OPRF_INPUT_MAX];
    char cc[3] = "";
    size_t len = 0;

    if (++s->identifiers % PROGRESS_EVERY_IDS == 0 && s->d->progress != NULL) {
        s->d->progress(s->d->progress_user, s->bytes, s->identifiers);
    }
    if (identifiers_oprf_input(kind, value, input, sizeof(input), &len) == LW_OK) {
        /* the value's country, for the statistics: only these two letters leave the parser */
        if (identifiers_country(kind, value, cc) != LW_OK) {
            cc[0] = '\0';
        }
        /* a failure is remembered by the docstore and returned by docstore_commit() */
        (void)docstore_add(s->p->ds, (unsigned)kind, input, len, flags, cc, NULL);
    }
    lw_wipe(input, sizeof(input));
}

static void
on_bytes(void *user, const void *bytes, size_t n)
{
    struct doc_state *s = user;

    docstore_content(s->p->ds, bytes, n);
    mentions_feed(s->p->mentions, bytes, n);
    s->bytes += n;
    if (s->d->progress != NULL && s->bytes >= s->next_progress) {
        s->next_progress = s->bytes + PROGRESS_EVERY_BYTES;
        s->d->progress(s->d->progress_user, s->bytes, s->identifiers);
    }
}

void
pipeline_counts_json(struct lw_buf *b, const struct document_report *rep,
                     const uint64_t *distinct, const char *distinct_name)
{
    lw_buf_append_str(b, "\"identifiers\":{");
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        lw_buf_printf(b, "%s\"%s\":{\"found\":%llu,", k > 0 ? "," : "",
                      identifiers_kind((enum id_kind)k)->name,
                      (unsigned long long)rep->counts.found[k]);
        if (distinct != NULL) {
            lw_buf_printf(b, "\"%s\":%llu,", distinct_name, (unsigned long long)distinct[k]);
        }
        lw_buf_printf(b, "\"rejects\":%llu}", (unsigned long long)rep->counts.rejects[k]);
    }
    lw_buf_append_str(b, "},\"flags\":{");
    for (int f = 0; f < RECORD_FLAG_COUNT; f++) {
        lw_buf_printf(b, "%s\"%s\":%llu", f > 0 ? "," : "", record_flag_names[f],
                      (unsigned long long)rep->counts.flagged[f]);
    }
    lw_buf_printf(b, "},\"parse\":{\"bad_records\":%llu,\"cut_lines\":%llu,\"cut_fields\":%llu,"
                     "\"cut_records\":%llu,\"too_deep\":%llu}",
                  (unsigned long long)rep->parse.bad_records,
                  (unsigned long long)rep->parse.cut_lines,
                  (unsigned long long)rep->parse.cut_fields,
                  (unsigned long long)rep->parse.cut_records,
                  (unsigned long long)rep->parse.too_deep);
}

enum lw_rc
pipeline_document(struct pipeline *p, struct reader *r, const struct pipeline_doc *d,
                  struct pipeline_report *rep, struct lw_error *err)
{
    struct doc_state s = {.p = p, .d = d, .next_progress = PROGRESS_EVERY_BYTES};
    struct docstore_meta meta = d->meta;
    struct lw_buf summary;
    enum lw_rc rc;

    memset(rep, 0, sizeof(*rep));
    docstore_begin(p->ds);
    mentions_begin(p->mentions);
    reader_set_tap(r, on_bytes, &s);
    rc = document_scan(r, d->name_hint, d->format, d->ctx, NULL, on_hit, &s, &rep->doc, err);
    if (rc == LW_OK) {
        rc = reader_drain(r);
        if (rc != LW_OK) {
            lw_error_set(err, rc, "%s: read error", reader_name(r));
        }
    }
    reader_set_tap(r, NULL, NULL);
    if (rc != LW_OK) {
        docstore_abort(p->ds);
        return rc;
    }
    lw_buf_init(&summary, 16 * 1024);
    lw_buf_append_byte(&summary, '{');
    pipeline_counts_json(&summary, &rep->doc, NULL, NULL);
    lw_buf_append_byte(&summary, '}');
    meta.format = rep->doc.format->name;
    meta.bytes = s.bytes;
    rep->bytes = s.bytes;
    meta.records = rep->doc.counts.records;
    meta.records_with_hits = rep->doc.counts.records_with_hits;
    meta.identifiers = s.identifiers;
    meta.summary_json = summary.data;
    meta.n_mentions = mentions_end(p->mentions, &meta.mentions);
    rc = docstore_commit(p->ds, &meta, &rep->store, err);
    lw_buf_free(&summary);
    return rc;
}
