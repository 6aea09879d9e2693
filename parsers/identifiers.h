/*
 * parsers/identifiers.h — the registry of identifier kinds: validation, normalisation, column-name
 * hints and the OPRF input encoding. Table-driven: later code (parsers, enroll, stats) iterates the
 * registry and never names a kind's rules itself. DESIGN.md "Identifier kinds" is the specification.
 *
 * Nothing here logs, allocates per call or keeps state: every function is pure and thread-safe.
 * Values passed in are leaked data; they must not be copied anywhere but the caller's out buffer.
 */
#ifndef LW_PARSERS_IDENTIFIERS_H
#define LW_PARSERS_IDENTIFIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/slice.h"

enum id_kind {
    ID_EMAIL = 0,
    ID_EMAIL_DOMAIN,
    ID_PHONE,
    ID_FI_HETU,
    ID_SE_PERSONNUMMER,
    ID_NO_FODSELSNUMMER,
    ID_DK_CPR,
    ID_IBAN,
    ID_PAYMENT_CARD,
    ID_KIND_COUNT
};

/* Longest normalised value of any kind (an e-mail address is at most 254 bytes, RFC 5321). */
#define ID_VALUE_MAX 254
/* Longest raw candidate a normaliser looks at; longer input is rejected without being scanned. */
#define ID_INPUT_MAX 1024

/* Kind flags */
#define ID_KIND_DERIVED 0x1u      /* never found on its own: derived from another kind (email_domain) */
#define ID_KIND_CONTEXT_ONLY 0x2u /* too ambiguous for free text: only from a labelled column (dk_cpr) */

/* What a normaliser may need besides the value. Zero-initialise. */
struct id_context {
    /* Default phone region, ISO 3166-1 alpha-2 upper-case ("FI"), or "" for none: then a phone
     * number must carry its country code (+CC or 00CC) to be accepted. */
    char region[3];
};

/*
 * Validate and normalise one candidate. in: the raw text (may have surrounding space, separators,
 * any case). out: a caller buffer of ID_VALUE_MAX + 1 bytes that receives the NUL-terminated
 * normalised value; *out_len gets its length. Returns LW_OK for a valid identifier, LW_ERR_INVALID
 * for anything else (out then holds nothing useful). Never reads past in.len.
 */
typedef enum lw_rc (*id_normalise_fn)(struct lw_slice in, const struct id_context *ctx, char *out,
                                      size_t *out_len);

struct id_kind_info {
    enum id_kind kind;
    const char *name;        /* stable, stored in the database and hashed: "email", "fi_hetu", … */
    const char *description; /* one line for --help and docs */
    unsigned flags;          /* ID_KIND_* */
    id_normalise_fn normalise;
    const char *const *hints; /* column-name words (lower-case UTF-8), NULL-terminated */
};

/* The registry entry of a kind (kind < ID_KIND_COUNT), or NULL. Entries are static. */
const struct id_kind_info *identifiers_kind(enum id_kind kind);

/* The kind with this name ("email"), or NULL. */
const struct id_kind_info *identifiers_find(struct lw_slice name);

/* Shorthand for identifiers_kind(kind)->normalise(...); LW_ERR_INVALID for an unknown kind or a
 * candidate longer than ID_INPUT_MAX. ctx may be NULL (no region). */
enum lw_rc identifiers_normalise(enum id_kind kind, struct lw_slice in, const struct id_context *ctx,
                                 char *out, size_t *out_len);

/*
 * Which kinds a column or JSON key name suggests: a bit mask of (1u << kind). Case-insensitive
 * (ASCII and the Nordic/German letters), ignores separators (`_ - . space`), matches whole words and
 * known compounds: "Sähköposti", "patient_email", "E-Mail-Adresse", "personnummer", "tel." …
 * Hints only choose which validators to try first; they never make an invalid value valid.
 */
unsigned identifiers_hint_kinds(struct lw_slice column_name);

/* The domain part of a normalised e-mail address (a slice into email). LW_ERR_INVALID if email
 * has no '@'. */
enum lw_rc identifiers_email_domain(struct lw_slice email, struct lw_slice *domain);

/* ISO 3166-1 alpha-2 country of a normalised E.164 phone number, into cc[3]; LW_ERR_NOT_FOUND if
 * the calling code is not in the plan table. */
enum lw_rc identifiers_phone_country(struct lw_slice e164, char cc[3]);

/*
 * The country an identifier belongs to, ISO 3166-1 alpha-2 upper-case into cc[3] ("FI"), from a
 * normalised value of kind: a phone's calling code (identifiers_phone_country); FI, SE, NO, DK for
 * the national identity numbers; an IBAN's first two letters; an e-mail address's or domain's
 * top-level domain when it is a two-letter country code of ISO 3166-1 ("uk" is GB). Pure; the
 * value is not copied anywhere but cc's two letters. LW_ERR_NOT_FOUND when the value does not say
 * (a generic or unknown TLD, .eu, a payment card, an unknown calling code); LW_ERR_INVALID for an
 * unknown kind or a value of the wrong shape.
 */
enum lw_rc identifiers_country(enum id_kind kind, struct lw_slice normalised, char cc[3]);

/* The national trunk prefix of the default region's numbering plan into trunk[4]: "0" for FI, "1"
 * for US, "" for a plan without one (NO, DK). LW_ERR_NOT_FOUND for a region the plan table does
 * not know (or "" for none). Free-text scanning uses it to tell a national number written with its
 * trunk prefix ("040-1234567") from other digits. */
enum lw_rc identifiers_phone_trunk(const char region[3], char trunk[4]);

/* Has the card number digits[0..n) the shape of one: 13–19 ASCII digits whose first ones are a
 * known issuer (IIN) range that issues cards of n digits ("4…" and 16, "37…" and 15)? Luhn is not
 * looked at: free-text scanning uses this to tell a card look-alike (a reject) from digits. */
bool identifiers_card_shape(const char *digits, size_t n);

/*
 * The OPRF input for a normalised value: kind name ‖ 0x00 ‖ value (UTF-8), per DESIGN.md invariant
 * 2. Writes at most cap bytes to out and the length to *out_len. LW_ERR_TOO_LARGE if it does not
 * fit, LW_ERR_INVALID for an unknown kind or a value containing a NUL byte or longer than
 * ID_VALUE_MAX. This is the only place the encoding is defined.
 */
#define ID_OPRF_INPUT_MAX (32 + 1 + ID_VALUE_MAX)
enum lw_rc identifiers_oprf_input(enum id_kind kind, struct lw_slice value, uint8_t *out, size_t cap,
                                  size_t *out_len);

#endif
