/*
 * parsers/flags.h — the word lists behind the record flags (DESIGN.md "Record flags"): what a
 * column name says about its field, and what a value's text says about the record. The extractor
 * (parsers/extract.c) combines these per record with the field roles and its identifier hits.
 *
 * Every function takes clean UTF-8 (encoding_is_clean() or encoding_to_utf8() output), is pure,
 * allocates nothing and keeps nothing; the cost is linear in the input.
 */
#ifndef LW_PARSERS_FLAGS_H
#define LW_PARSERS_FLAGS_H

#include <stdbool.h>

#include "common/slice.h"

/* What a column name (or JSON key path) says about its field: bits of flags_name_class(). */
#define FLAGS_NAME_PASSWORD 0x01u  /* a password or password hash: a secret, never scanned */
#define FLAGS_NAME_PERSON 0x02u    /* a person's name ("first_name", "sukunimi", "patient_name") */
#define FLAGS_NAME_ADDRESS 0x04u   /* a postal address or a part of one ("street", "postinumero") */
#define FLAGS_NAME_BIRTH 0x08u     /* a birth date ("dob", "syntymäaika", "fødselsdato") */
#define FLAGS_NAME_HEALTH 0x10u    /* health vocabulary in the name itself ("diagnoosi") */
#define FLAGS_NAME_DIAGNOSIS 0x20u /* a diagnosis code column ("dg", "icd10"): flags_icd10() */

/*
 * Classify a column name. The last segment of a key path counts ("patient.contact.street" is a
 * street); it is folded to lower-case ASCII letters (ä å æ → a, ö ø → o, ü → u, é → e, ß → ss;
 * digits and separators dropped), so "First_Name", "firstName" and "FIRSTNAME" are one word, and
 * must be a listed word or a listed head word followed by one ("patient" + "name"). "username",
 * "filename" and "email_address" therefore say nothing. Health vocabulary is looked for in the
 * whole name as in a value (flags_text()).
 */
unsigned flags_name_class(struct lw_slice name);

/* What a value's text shows: bits of flags_text(). */
#define FLAGS_TEXT_HEALTH 0x01u  /* therapy or medical vocabulary */
#define FLAGS_TEXT_ADDRESS 0x02u /* a street address */

/*
 * Which of want (FLAGS_TEXT_*) text shows; stops as soon as all of them are found. One pass over
 * the words of text:
 *   - health: therapy or medical vocabulary (fi, sv, en; da, no, de where the word is plain), a
 *     curated list of word stems matched at word starts, case- and diacritic-insensitively; see
 *     flags.c for the list and the false positives it avoids;
 *   - address: a street-like word (ending in -katu, -tie, -gatan, -vägen, -veien, -vej, -gade,
 *     -straße, -weg …) and a house number, then on the same line within 64 bytes a Nordic or
 *     German postal code (5, 4 or "3 2" digits) and a capitalised town. Deliberately narrow: a
 *     column name says "address" far more reliably than prose does.
 */
unsigned flags_text(struct lw_slice text, unsigned want);

/* Does text hold an ICD-10 code (F32, F32.1, F321, S72.00) as a whole word? Only meaningful in a
 * FLAGS_NAME_DIAGNOSIS column: elsewhere such codes are too easily something else. */
bool flags_icd10(struct lw_slice text);

#endif
