/*
 * parsers/extract.c — from records to identifiers and record flags: the per-record driver.
 *
 * For each record:
 *   1. Clean. Every field name and value is checked for clean UTF-8 (a fast ASCII loop, then
 *      encoding_is_clean() from the first non-ASCII byte); the rest are transcoded by
 *      encoding_to_utf8() into one scratch buffer per extractor (Windows-1252 read as such, NUL and
 *      other controls as spaces). The scratch buffer has a ceiling (SCRATCH_MAX); text past it is
 *      not scanned, which default parse limits (1 MiB a record) never reach. It is wiped after each
 *      record.
 *   2. Names. What a column name means — the kinds it hints at (identifiers_hint_kinds(), some
 *      10 µs a call) and its flag class (flags_name_class()) — is kept in a cache keyed by the
 *      name's 64-bit FNV-1a hash and its length, so a million-row table pays for each column
 *      once. The cache is an open-addressing table of CACHE_SLOTS slots with linear probing,
 *      filled to at most CACHE_FILL names (half): every lookup ends at the name or at an empty
 *      slot within a bounded run, and any table of up to CACHE_FILL distinct column names stays
 *      resident however its hashes fall. The name that would pass CACHE_FILL empties the table
 *      first (a table that wide, or JSON whose keys are values, starts over; memory stays fixed).
 *      Only the hash and length are kept, never the name: names are usually schema, but JSON keys
 *      and headers can be leaked values ({"john@example.com": …}), and nothing here keeps a value
 *      past the record. So a hit is not verified against the name. Two names of one length with
 *      the same 64-bit hash by accident are some 2^-50 likely in a 200-column table; one made to
 *      collide on purpose (FNV is not keyed) gains its author nothing: the field gets another
 *      column's hints and flag class, which the author could have had by naming the column so.
 *      Hints choose validators but never validate. (The direct-mapped table this replaced let
 *      two columns of one Finnish export, Tilinumero and Lisätiedot, evict each other every row.)
 *   3. Flags, from names, roles and values (flags.c): password (a non-empty password-role field or
 *      a non-empty field named like a password), name, address and birth_date (a non-empty field
 *      named like one; address also from a street, house number, postal code and town in prose),
 *      health_text (therapy or medical vocabulary in a non-empty field's value or name, or an
 *      ICD-10 code in a diagnosis-code column). Password fields are not read for vocabulary.
 *   4. Identifiers. Password-role fields and fields named like a password are never scanned:
 *      their contents are secrets, not identifiers. A field whose name hints at kinds has its
 *      whole trimmed value tried as each of them (dk_cpr included: the name is its context); a
 *      value that is none of them is scanned as free text (extract_scan.c), with dk_cpr allowed
 *      when the name hinted at it, and counts one reject for each hinted kind whose shape it has
 *      — unless the scan found identifiers in it (then it was a list, not a look-alike). The
 *      scan does not count rejects of its own for a value that had a hinted kind's shape: that
 *      would count the same look-alike twice. Any other field is scanned as free text.
 *   5. birth_date is also set when a national identity number (fi_hetu, se_personnummer,
 *      no_fodselsnummer, dk_cpr) was found: each of them encodes its holder's birth date.
 * Since that last flag depends on the hits, hits are queued (kind, length, normalised value) in a
 * bounded buffer until the record is done, then delivered with the final flags. A record with more
 * than QUEUE_MAX bytes of hits is scanned a second time, delivering directly; only the second
 * pass's counts are kept. The queue is wiped after each record.
 *
 * The alternative rejected: computing flags in a pass of their own before extraction, national
 * identity numbers included. That scans every value twice on the common path to save a queue.
 */
#include "parsers/extract.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "parsers/encoding.h"
#include "parsers/extract_int.h"
#include "parsers/flags.h"

#define SCRATCH_MAX (8u << 20) /* cleaned text of one record's non-UTF-8 names and values */
#define QUEUE_MAX (1u << 20)   /* hits of one record waiting for the record's flags */
#define CACHE_SLOTS 512        /* open-addressing slots for column names (a power of two) */
#define CACHE_FILL 256         /* most names remembered at once: the table stays half empty */

_Static_assert((CACHE_SLOTS & (CACHE_SLOTS - 1)) == 0 && CACHE_FILL < CACHE_SLOTS,
               "the name cache probes modulo a power of two and always has an empty slot");

#define NATIONAL_IDS                                                                               \
    ((1u << ID_FI_HETU) | (1u << ID_SE_PERSONNUMMER) | (1u << ID_NO_FODSELSNUMMER) |               \
     (1u << ID_DK_CPR))

/* What a column name means, remembered by its hash and length. */
struct name_info {
    uint64_t hash;
    size_t len;
    unsigned hints; /* identifiers_hint_kinds() */
    unsigned cls;   /* flags_name_class() */
    bool used;
};

/* The column-name cache (design comment, step 2). */
struct name_cache {
    struct name_info slot[CACHE_SLOTS];
    size_t used;   /* slots in use, at most CACHE_FILL */
    size_t misses; /* names worked out the slow way; the unit test reads it */
};

/* A field's cleaned text: a slice of the record, or of the scratch buffer (which may move while
 * it grows, hence offsets). */
struct text_ref {
    size_t off;
    size_t len;
    bool scratch;
};

struct view {
    struct text_ref name;
    struct text_ref value;
    unsigned hints;
    unsigned cls;
    bool secret; /* a password: flagged, never scanned */
};

struct extractor {
    struct extract_sink sink;
    struct lw_buf scratch;
    struct lw_buf queue;
    struct view *views;
    size_t views_cap;
    struct name_cache names;
};

/* ---- the sink ------------------------------------------------------------------------------- */

static void
deliver(struct extract_sink *s, enum id_kind kind, struct lw_slice v)
{
    if (s->queue != NULL) {
        char head[2] = {(char)kind, (char)v.len};

        if (s->overflow || s->queue->len + sizeof(head) + v.len > s->queue->max) {
            s->overflow = true;
            return;
        }
        (void)lw_buf_append(s->queue, head, sizeof(head));
        (void)lw_buf_append(s->queue, v.p, v.len);
    } else if (s->hit != NULL) {
        s->hit(s->user, kind, v, s->flags);
    }
}

bool
extract_sink_try(struct extract_sink *s, enum id_kind kind, struct lw_slice in)
{
    size_t len = 0;
    struct lw_slice value;
    struct lw_slice domain;

    if (identifiers_normalise(kind, in, &s->ctx, s->norm, &len) != LW_OK) {
        return false;
    }
    value = lw_slice_make(s->norm, len);
    s->found[kind]++;
    deliver(s, kind, value);
    if (kind == ID_EMAIL && identifiers_email_domain(value, &domain) == LW_OK) {
        s->found[ID_EMAIL_DOMAIN]++;
        deliver(s, ID_EMAIL_DOMAIN, domain);
    }
    lw_wipe(s->norm, len + 1);
    return true;
}

void
extract_sink_reject(struct extract_sink *s, enum id_kind kind)
{
    if (!s->no_rejects) {
        s->rejects[kind]++;
    }
}

static void
sink_begin(struct extract_sink *s, extract_hit_fn hit, void *user, unsigned flags,
           struct lw_buf *queue)
{
    memset(s->found, 0, sizeof(s->found));
    memset(s->rejects, 0, sizeof(s->rejects));
    s->no_rejects = false;
    s->hit = hit;
    s->user = user;
    s->flags = flags;
    s->queue = queue;
    s->overflow = false;
}

static bool
sink_found_national(const struct extract_sink *s)
{
    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        if ((NATIONAL_IDS & (1u << k)) != 0 && s->found[k] != 0) {
            return true;
        }
    }
    return false;
}

/* Deliver the queued hits with the record's final flags. */
static void
sink_flush(struct extract_sink *s, const struct lw_buf *queue)
{
    size_t i = 0;

    while (i + 2 <= queue->len) {
        enum id_kind kind = (enum id_kind)(unsigned char)queue->data[i];
        size_t len = (unsigned char)queue->data[i + 1];

        s->hit(s->user, kind, lw_slice_make(queue->data + i + 2, len), s->flags);
        i += 2 + len;
    }
}

/* ---- cleaning and names --------------------------------------------------------------------- */

/* Clean UTF-8 already? Eight bytes at a time while none of them is 0x80 or above or below 0x20
 * (a block with one is looked at byte by byte: \t \n \r are fine); encoding_is_clean() from the
 * first byte that is not printable ASCII or \t \n \r on. */
static bool
is_clean(struct lw_slice in)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t highs = UINT64_C(0x8080808080808080);
    size_t i = 0;

    while (i < in.len) {
        size_t n = in.len - i < 8 ? in.len - i : 8;
        uint64_t v;

        if (n == 8) {
            memcpy(&v, in.p + i, sizeof(v));
            /* a byte >= 0x80, or a byte < 0x20 (the classic "has a byte less than n" test) */
            if (((v | ((v - ones * 0x20) & ~v)) & highs) == 0) {
                i += 8;
                continue;
            }
        }
        for (size_t k = i; k < i + n; k++) {
            if ((extract_cls(in.p[k]) & XC_DIRTY) != 0) {
                return encoding_is_clean(lw_slice_make(in.p + k, in.len - k));
            }
        }
        i += n;
    }
    return true;
}

static struct text_ref
clean(struct extractor *x, struct lw_slice in)
{
    struct text_ref r = {0, in.len, false};

    if (in.len == 0 || in.p == NULL || is_clean(in)) {
        r.len = in.p == NULL ? 0 : in.len;
        return r;
    }
    r.off = x->scratch.len;
    r.scratch = true;
    (void)encoding_to_utf8(in, &x->scratch); /* at the ceiling: a prefix of whole characters */
    r.len = x->scratch.len - r.off;
    return r;
}

static struct lw_slice
resolve(const struct extractor *x, struct lw_slice orig, struct text_ref r)
{
    if (r.len == 0) {
        return lw_slice_make("", 0);
    }
    return r.scratch ? lw_slice_make(x->scratch.data + r.off, r.len) : orig;
}

/* FNV-1a, 64 bits. */
static uint64_t
name_hash(struct lw_slice s)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.p[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static const struct name_info *
name_lookup(struct extractor *x, struct lw_slice name)
{
    struct name_cache *c = &x->names;
    uint64_t h = name_hash(name);
    size_t i = (size_t)(h & (CACHE_SLOTS - 1));
    struct name_info *e;

    /* at most CACHE_FILL of CACHE_SLOTS slots are used, so an empty one ends every probe run */
    while (c->slot[i].used) {
        if (c->slot[i].hash == h && c->slot[i].len == name.len) {
            return &c->slot[i];
        }
        i = (i + 1) & (CACHE_SLOTS - 1);
    }
    if (c->used == CACHE_FILL) {
        memset(c->slot, 0, sizeof(c->slot));
        c->used = 0;
        i = (size_t)(h & (CACHE_SLOTS - 1));
    }
    e = &c->slot[i];
    e->hash = h;
    e->len = name.len;
    e->hints = identifiers_hint_kinds(name);
    e->cls = flags_name_class(name);
    e->used = true;
    c->used++;
    c->misses++;
    return e;
}

/* Clean every field of rec and look its name up. */
static void
prepare(struct extractor *x, const struct record *rec)
{
    if (rec->n_fields > x->views_cap) {
        x->views = lw_xreallocarray(x->views, rec->n_fields, sizeof(x->views[0]));
        x->views_cap = rec->n_fields;
    }
    for (size_t i = 0; i < rec->n_fields; i++) {
        x->views[i].name = clean(x, rec->fields[i].name);
        x->views[i].value = clean(x, rec->fields[i].value);
    }
    for (size_t i = 0; i < rec->n_fields; i++) {
        struct view *v = &x->views[i];
        struct lw_slice name = resolve(x, rec->fields[i].name, v->name);

        v->hints = 0;
        v->cls = 0;
        if (name.len > 0) {
            const struct name_info *info = name_lookup(x, name);

            v->hints = info->hints;
            v->cls = info->cls;
        }
        v->secret = rec->fields[i].role == FIELD_ROLE_PASSWORD || (v->cls & FLAGS_NAME_PASSWORD);
    }
}

static struct lw_slice
field_value(const struct extractor *x, const struct record *rec, size_t i)
{
    return resolve(x, rec->fields[i].value, x->views[i].value);
}

/* ---- flags ---------------------------------------------------------------------------------- */

/* The flags of rec from names, roles and values; birth_date from identifiers comes later. */
static unsigned
fields_flags(const struct extractor *x, const struct record *rec)
{
    unsigned f = 0;

    for (size_t i = 0; i < rec->n_fields; i++) {
        const struct view *v = &x->views[i];
        struct lw_slice value = lw_slice_trim(field_value(x, rec, i));
        unsigned want;
        unsigned found;

        if (value.len == 0) {
            continue;
        }
        if (v->secret) {
            f |= RECORD_FLAG_PASSWORD;
            continue;
        }
        f |= (v->cls & FLAGS_NAME_PERSON) ? RECORD_FLAG_NAME : 0u;
        f |= (v->cls & FLAGS_NAME_ADDRESS) ? RECORD_FLAG_ADDRESS : 0u;
        f |= (v->cls & FLAGS_NAME_BIRTH) ? RECORD_FLAG_BIRTH_DATE : 0u;
        f |= (v->cls & FLAGS_NAME_HEALTH) ? RECORD_FLAG_HEALTH_TEXT : 0u;
        if ((f & RECORD_FLAG_HEALTH_TEXT) == 0 && (v->cls & FLAGS_NAME_DIAGNOSIS) &&
            flags_icd10(value)) {
            f |= RECORD_FLAG_HEALTH_TEXT;
        }
        want = ((f & RECORD_FLAG_HEALTH_TEXT) ? 0u : FLAGS_TEXT_HEALTH) |
               ((f & RECORD_FLAG_ADDRESS) ? 0u : FLAGS_TEXT_ADDRESS);
        found = want != 0 ? flags_text(value, want) : 0u;
        f |= (found & FLAGS_TEXT_HEALTH) ? RECORD_FLAG_HEALTH_TEXT : 0u;
        f |= (found & FLAGS_TEXT_ADDRESS) ? RECORD_FLAG_ADDRESS : 0u;
    }
    return f;
}

/* ---- identifiers ---------------------------------------------------------------------------- */

static uint64_t
sink_found_total(const struct extract_sink *s)
{
    uint64_t n = 0;

    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        n += s->found[k];
    }
    return n;
}

/* A field whose name hints at kinds (see the design comment, step 4). */
static void
scan_named(struct extract_sink *s, struct lw_slice value, unsigned hints)
{
    struct lw_slice v = lw_slice_trim(value);
    bool valid = false;
    unsigned shaped = 0;
    uint64_t before;

    if (v.len == 0) {
        return;
    }
    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        if ((hints & (1u << k)) != 0) {
            valid = extract_sink_try(s, (enum id_kind)k, v) || valid;
        }
    }
    if (valid) {
        return;
    }
    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        if ((hints & (1u << k)) != 0 && extract_has_shape((enum id_kind)k, v)) {
            shaped |= 1u << k;
        }
    }
    /* the rescan must not count the same look-alike again; and a value that turns out to hold
     * identifiers ("040-1234567 / 050-7654321") was a list, not a look-alike */
    before = sink_found_total(s);
    s->no_rejects = shaped != 0;
    extract_scan_text(s, value, (hints & (1u << ID_DK_CPR)) != 0);
    s->no_rejects = false;
    for (unsigned k = 0; k < ID_KIND_COUNT && sink_found_total(s) == before; k++) {
        if ((shaped & (1u << k)) != 0) {
            extract_sink_reject(s, (enum id_kind)k);
        }
    }
}

static void
scan_fields(struct extractor *x, const struct record *rec)
{
    for (size_t i = 0; i < rec->n_fields; i++) {
        const struct view *v = &x->views[i];
        struct lw_slice value = field_value(x, rec, i);

        if (v->secret || value.len == 0) {
            continue;
        }
        if (v->hints != 0) {
            scan_named(&x->sink, value, v->hints);
        } else {
            extract_scan_text(&x->sink, value, false);
        }
    }
}

/* Forget the record: wipe what held its text. */
static void
finish(struct extractor *x)
{
    lw_buf_reset(&x->scratch);
    lw_buf_reset(&x->queue);
    x->sink.hit = NULL;
    x->sink.user = NULL;
    x->sink.queue = NULL;
}

/* ---- the API -------------------------------------------------------------------------------- */

struct extractor *
extractor_new(const struct id_context *ctx)
{
    struct extractor *x = lw_xcalloc(1, sizeof(*x));

    if (ctx != NULL) {
        x->sink.ctx = *ctx;
        x->sink.ctx.region[sizeof(x->sink.ctx.region) - 1] = '\0';
    }
    if (identifiers_phone_trunk(x->sink.ctx.region, x->sink.trunk) != LW_OK) {
        x->sink.trunk[0] = '\0';
    }
    lw_buf_init(&x->scratch, SCRATCH_MAX);
    lw_buf_init(&x->queue, QUEUE_MAX);
    return x;
}

void
extractor_free(struct extractor *x)
{
    if (x == NULL) {
        return;
    }
    lw_buf_free(&x->scratch);
    lw_buf_free(&x->queue);
    free(x->views);
    lw_wipe_free(x, sizeof(*x));
}

void
extractor_record(struct extractor *x, const struct record *rec, extract_hit_fn hit, void *user,
                 struct extract_counts *counts)
{
    struct extract_sink *s = &x->sink;
    unsigned flags;
    uint64_t total = 0;

    counts->records++;
    prepare(x, rec);
    flags = fields_flags(x, rec);
    sink_begin(s, hit, user, flags, hit != NULL ? &x->queue : NULL);
    scan_fields(x, rec);
    if (sink_found_national(s)) {
        flags |= RECORD_FLAG_BIRTH_DATE;
    }
    if (s->overflow) {
        sink_begin(s, hit, user, flags, NULL);
        scan_fields(x, rec);
    } else if (hit != NULL) {
        s->flags = flags;
        sink_flush(s, &x->queue);
    }
    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        counts->found[k] += s->found[k];
        counts->rejects[k] += s->rejects[k];
        total += s->found[k];
    }
    for (unsigned b = 0; b < RECORD_FLAG_COUNT; b++) {
        counts->flagged[b] += (flags >> b) & 1u;
    }
    counts->records_with_hits += total != 0;
    finish(x);
}

unsigned
extractor_flags(struct extractor *x, const struct record *rec)
{
    unsigned flags;

    prepare(x, rec);
    flags = fields_flags(x, rec);
    if ((flags & RECORD_FLAG_BIRTH_DATE) == 0) {
        sink_begin(&x->sink, NULL, NULL, flags, NULL);
        scan_fields(x, rec);
        if (sink_found_national(&x->sink)) {
            flags |= RECORD_FLAG_BIRTH_DATE;
        }
    }
    finish(x);
    return flags;
}
