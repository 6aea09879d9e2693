/*
 * tests/fuzz/fuzz_extract.c — the extractor on arbitrary records.
 *
 * Input: byte 0 picks the default region (bits 0–1: none, FI, SE, NO) and where the column names
 * start in a small list of real ones (bits 2–7); the rest is cut into fields at 0x1F bytes, field
 * i named names[(start + i) % N] (some entries are NULL: unnamed); a field starting with 0x1E has
 * the password role. Invariants, checked with abort() so libFuzzer and the corpus replay both
 * stop on a break:
 *   - every hit is a registered kind, 1–ID_VALUE_MAX bytes, and its value normalises, as that
 *     kind in that region, to itself (an email_domain as a domain);
 *   - every hit of a record carries the same flags; birth_date is among them when a national
 *     identity number was found; the flags equal extractor_flags() of the record;
 *   - the counts add up: found[k] equals the hits of kind k, one email_domain per e-mail,
 *     records_with_hits says whether there were any, each flagged[] bit matches the flags;
 *   - counting without a callback finds and rejects exactly the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS_MAX 16

static const char *const names[] = {
    NULL,          "email",    "hetu",          "phone",     "cpr",      "personnummer",
    "iban",        NULL,       "card_number",   "password",  "notes",    "first_name",
    "dg",          "address",  "Sähköposti",    "syntymäaika", NULL,     "fødselsnummer",
    "comment",     "ssn",      "patient.email", "diagnoosi", "user_name", "tel.",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

struct seen {
    struct id_context ctx;
    uint64_t hits[ID_KIND_COUNT];
    unsigned flags;
    int any;
};

static void
on_hit(void *user, enum id_kind kind, struct lw_slice value, unsigned flags)
{
    struct seen *s = user;
    char out[ID_VALUE_MAX + 1];
    size_t len = 0;

    if ((unsigned)kind >= ID_KIND_COUNT || value.len == 0 || value.len > ID_VALUE_MAX ||
        value.p == NULL) {
        abort();
    }
    if (identifiers_normalise(kind, value, &s->ctx, out, &len) != LW_OK || len != value.len ||
        memcmp(out, value.p, len) != 0) {
        abort();
    }
    if (s->any && flags != s->flags) {
        abort();
    }
    s->any = 1;
    s->flags = flags;
    s->hits[kind]++;
}

/* Cut data into fields at 0x1F; returns the count. */
static size_t
split(const uint8_t *data, size_t size, unsigned start, struct record_field *f)
{
    size_t n = 0;
    size_t from = 0;

    for (size_t i = 0; i <= size && n < FIELDS_MAX; i++) {
        if (i < size && data[i] != 0x1F) {
            continue;
        }
        f[n].name = lw_slice_cstr(names[(start + n) % N_NAMES]);
        f[n].value = lw_slice_make((const char *)data + from, i - from);
        f[n].role = FIELD_ROLE_NONE;
        if (f[n].value.len > 0 && f[n].value.p[0] == 0x1E) {
            f[n].value = lw_slice_make(f[n].value.p + 1, f[n].value.len - 1);
            f[n].role = FIELD_ROLE_PASSWORD;
        }
        n++;
        from = i + 1;
    }
    return n;
}

static void
check_counts(const struct extract_counts *c, const struct seen *s)
{
    const unsigned national = (1u << ID_FI_HETU) | (1u << ID_SE_PERSONNUMMER) |
                              (1u << ID_NO_FODSELSNUMMER) | (1u << ID_DK_CPR);
    uint64_t total = 0;
    int has_national = 0;

    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        if (c->found[k] != s->hits[k]) {
            abort();
        }
        total += c->found[k];
        has_national |= (national & (1u << k)) != 0 && c->found[k] != 0;
    }
    if (c->found[ID_EMAIL_DOMAIN] != c->found[ID_EMAIL] || c->records != 1 ||
        c->records_with_hits != (total != 0) || (total != 0) != (s->any != 0)) {
        abort();
    }
    if (has_national && (s->flags & RECORD_FLAG_BIRTH_DATE) == 0) {
        abort();
    }
    for (unsigned b = 0; b < RECORD_FLAG_COUNT && s->any; b++) {
        if (c->flagged[b] != ((s->flags >> b) & 1u)) {
            abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char regions[4][3] = {"", "FI", "SE", "NO"};
    struct record_field f[FIELDS_MAX];
    struct record rec = {f, 0, 0, false};
    struct extract_counts with = {0};
    struct extract_counts without = {0};
    struct seen s;
    struct extractor *x;
    unsigned flags;

    if (size == 0) {
        return 0;
    }
    memset(&s, 0, sizeof(s));
    memcpy(s.ctx.region, regions[data[0] & 3u], sizeof(s.ctx.region));
    rec.n_fields = split(data + 1, size - 1, data[0] >> 2, f);
    x = extractor_new(&s.ctx);
    extractor_record(x, &rec, on_hit, &s, &with);
    check_counts(&with, &s);
    flags = extractor_flags(x, &rec);
    for (unsigned b = 0; b < RECORD_FLAG_COUNT; b++) {
        if (with.flagged[b] != ((flags >> b) & 1u)) {
            abort();
        }
    }
    extractor_record(x, &rec, NULL, NULL, &without);
    if (memcmp(with.found, without.found, sizeof(with.found)) != 0 ||
        memcmp(with.rejects, without.rejects, sizeof(with.rejects)) != 0) {
        abort();
    }
    extractor_free(x);
    return 0;
}
