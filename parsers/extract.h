/*
 * parsers/extract.h — from records to identifiers: which fields to validate as which kind, where in
 * free text an identifier may hide, and the record flags that travel with every hit.
 *
 * For a named field, the column/key name hints (identifiers_hint_kinds) choose the kinds to try on
 * the whole value, and validation decides; a value that is not a valid identifier of a hinted kind
 * counts as a reject of that kind and is then scanned as free text like an unnamed field. Free text
 * is scanned for every kind that is not ID_KIND_CONTEXT_ONLY, candidates found by their shape
 * (an '@' with a plausible local part and domain; digit groups with the separators people use;
 * a HETU's century sign; an IBAN's country code), each validated. A phone number in free text
 * counts only when written like one: +CC or 00CC, or a national trunk prefix with separators, in
 * the context's region. Every e-mail hit also yields its email_domain.
 *
 * A reject is a candidate that has the shape of a kind (including a plausible date where the kind
 * has one) but fails its validation: a bad check digit, an impossible date, a Luhn failure.
 *
 * Nothing here allocates per record after warm-up, logs, or keeps a value past the call.
 */
#ifndef LW_PARSERS_EXTRACT_H
#define LW_PARSERS_EXTRACT_H

#include <stdint.h>

#include "parsers/identifiers.h"
#include "parsers/record.h"

struct extract_counts {
    uint64_t found[ID_KIND_COUNT];            /* valid identifiers, every occurrence */
    uint64_t rejects[ID_KIND_COUNT];          /* candidates that failed validation */
    uint64_t flagged[RECORD_FLAG_COUNT];      /* records carrying each flag */
    uint64_t records;                         /* records looked at */
    uint64_t records_with_hits;               /* records with at least one identifier */
};

/* Called for each identifier found, in record order: the kind, the normalised value (valid only
 * during the call), and the flags of the record it was found in. */
typedef void (*extract_hit_fn)(void *user, enum id_kind kind, struct lw_slice value,
                               unsigned record_flags);

struct extractor;

/* ctx gives the default phone region (copied); NULL for none. */
struct extractor *extractor_new(const struct id_context *ctx);

/* Wipe scratch buffers and free. NULL-safe. */
void extractor_free(struct extractor *x);

/*
 * Find every identifier in rec and report each to hit (which may be NULL: count only). The record's
 * flags are computed first, so every hit carries them. counts is added to, never reset.
 */
void extractor_record(struct extractor *x, const struct record *rec, extract_hit_fn hit, void *user,
                      struct extract_counts *counts);

/* The flags of rec alone (column names, field roles, vocabulary, national IDs' birth dates). */
unsigned extractor_flags(struct extractor *x, const struct record *rec);

#endif
