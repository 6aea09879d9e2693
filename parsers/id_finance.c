/*
 * parsers/id_finance.c — financial identifiers: IBANs and payment card numbers (PANs). Each
 * normaliser follows the id_normalise_fn contract of identifiers.h.
 *
 * Both work the same way: trim, compact the candidate straight into the caller's out buffer (the
 * only place a value may be copied to) while checking its grouping, then validate the compact form
 * against a static table and a check-digit scheme. On failure out is wiped.
 *
 * IBAN: the country code must be in the SWIFT IBAN registry table below with its exact length,
 * the check digits must not be 00, 01 or 99, the BBAN must be alphanumeric, and ISO 7064 mod 97-10
 * must give 1. The remainder is computed one character at a time (r = (r * 10^k + v) % 97), so no
 * big integers and no 30-digit intermediate string. The per-country BBAN structure (which
 * positions are letters) is not checked: length plus mod 97 already rejects all single-character
 * errors and transpositions, and a wrong structure entry would silently drop real IBANs.
 *
 * Payment cards: 13–19 digits, Luhn, and an issuer (IIN) range that allows that length. The range
 * table is the alternative to a bare Luhn check, which one random digit string in ten passes.
 * id_finance_card_shape() asks the same table without Luhn: is this a card number, right or wrong
 * (the free-text scanner's look-alike test)?
 */
#include "parsers/identifiers_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/ascii.h"

#define IBAN_MIN 15 /* Norway */
#define IBAN_MAX 34 /* the ISO 13616 maximum; the longest registered today is 33 (Russia) */
#define PAN_MIN 13
#define PAN_MAX 19

/* ---- iban ----------------------------------------------------------------------------------- */

struct iban_country {
    char cc[3];
    unsigned char len;
};

/*
 * The SWIFT IBAN registry (release 100, 2025): every country with a registered IBAN format and
 * its total IBAN length. Territories that the registry folds into another country's code (Åland
 * under FI, the French overseas departments under FR, the Crown Dependencies under GB) use that
 * code in their IBANs and need no entry. Sorted by code.
 */
static const struct iban_country iban_countries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
    {"YE", 30},
};

/* The registered IBAN length of country code cc (two upper-case letters), or 0 if unknown. */
static size_t
iban_length(const char *cc)
{
    for (size_t i = 0; i < sizeof(iban_countries) / sizeof(iban_countries[0]); i++) {
        if (iban_countries[i].cc[0] == cc[0] && iban_countries[i].cc[1] == cc[1]) {
            return iban_countries[i].len;
        }
    }
    return 0;
}

/* ISO 7064 mod 97-10 of the IBAN v (n upper-case alphanumerics) rearranged with its first four
 * characters moved to the end and letters replaced by 10–35. */
static unsigned
iban_mod97(const char *v, size_t n)
{
    unsigned r = 0;

    for (size_t k = 0; k < n; k++) {
        char c = v[(k + 4) % n];

        if (lw_ascii_is_digit(c)) {
            r = (r * 10 + (unsigned)(c - '0')) % 97;
        } else {
            r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
        }
    }
    return r;
}

/* Copy a trimmed IBAN into out without its spaces, upper-cased. Spaces may separate characters
 * (one at a time, in any grouping); every other character must be a letter or digit. Returns the
 * compact length, or 0 if the text is not of that shape or longer than IBAN_MAX. */
static size_t
iban_compact(struct lw_slice s, char *out)
{
    size_t n = 0;

    for (size_t i = 0; i < s.len; i++) {
        char c = lw_ascii_upper(s.p[i]);

        if (c == ' ' && i > 0 && s.p[i - 1] != ' ') {
            continue;
        }
        if (!lw_ascii_is_digit(c) && !lw_ascii_is_upper(c)) {
            return 0;
        }
        if (n == IBAN_MAX) {
            return 0;
        }
        out[n++] = c;
    }
    return n;
}

static bool
iban_valid(const char *v, size_t n)
{
    unsigned check;

    if (n < IBAN_MIN || !lw_ascii_is_upper(v[0]) || !lw_ascii_is_upper(v[1])) {
        return false;
    }
    if (!lw_ascii_is_digit(v[2]) || !lw_ascii_is_digit(v[3])) {
        return false;
    }
    if (iban_length(v) != n) {
        return false;
    }
    check = (unsigned)(v[2] - '0') * 10 + (unsigned)(v[3] - '0');
    if (check < 2 || check > 98) {
        return false;
    }
    return iban_mod97(v, n) == 1;
}

enum lw_rc
id_finance_iban(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    size_t n;

    (void)ctx;
    in = lw_slice_trim(in);
    if (in.len < IBAN_MIN || in.len > 2 * IBAN_MAX) {
        return id_util_reject(out, 0, out_len);
    }
    n = iban_compact(in, out);
    if (!iban_valid(out, n)) {
        return id_util_reject(out, n, out_len);
    }
    return id_util_accept(out, n, out_len);
}

/* ---- payment_card --------------------------------------------------------------------------- */

/* A bit mask of allowed PAN lengths. */
#define LEN1(n) (UINT32_C(1) << (n))
#define LENS(lo, hi) (((UINT32_C(1) << ((hi) + 1)) - 1) & ~((UINT32_C(1) << (lo)) - 1))

struct iin_range {
    uint32_t lo, hi; /* inclusive range of the first `digits` digits */
    unsigned char digits;
    uint32_t lengths; /* LEN1/LENS mask */
};

/*
 * Issuer ranges and the PAN lengths each issues, from the card schemes' published IIN tables.
 * Ranges that sit inside a wider entry with the same or narrower lengths are covered by it and not
 * repeated: Verve (506099–506198, 507865–507964 in Maestro 50; 650002–650027 in Discover 65),
 * Dankort 5019 (Maestro 50), RuPay 508 and 353/356 (Maestro 50, JCB), Discover's 622126–622925
 * (UnionPay 62). Maestro issues 12-digit PANs too, but the kind starts at 13.
 */
static const struct iin_range iin_ranges[] = {
    {4, 4, 1, LEN1(13) | LEN1(16) | LEN1(19)}, /* Visa (incl. Electron) */
    {51, 55, 2, LEN1(16)},                     /* Mastercard */
    {2221, 2720, 4, LEN1(16)},                 /* Mastercard 2-series */
    {34, 34, 2, LEN1(15)},                     /* American Express */
    {37, 37, 2, LEN1(15)},                     /* American Express */
    {6011, 6011, 4, LENS(16, 19)},             /* Discover */
    {644, 649, 3, LENS(16, 19)},               /* Discover */
    {65, 65, 2, LENS(16, 19)},                 /* Discover, RuPay */
    {300, 305, 3, LENS(14, 19)},               /* Diners Club International */
    {3095, 3095, 4, LENS(14, 19)},             /* Diners Club International */
    {36, 36, 2, LENS(14, 19)},                 /* Diners Club International */
    {38, 39, 2, LENS(14, 19)},                 /* Diners Club (Discover network) */
    {3528, 3589, 4, LENS(16, 19)},             /* JCB */
    {62, 62, 2, LENS(16, 19)},                 /* UnionPay */
    {8100, 8171, 4, LENS(16, 19)},             /* UnionPay */
    {50, 50, 2, LENS(13, 19)},                 /* Maestro, Dankort, Verve */
    {56, 58, 2, LENS(13, 19)},                 /* Maestro */
    {6304, 6304, 4, LENS(13, 19)},             /* Maestro (former Laser) */
    {6759, 6759, 4, LENS(13, 19)},             /* Maestro UK */
    {6761, 6763, 4, LENS(13, 19)},             /* Maestro */
    {676770, 676770, 6, LENS(13, 19)},         /* Maestro UK */
    {676774, 676774, 6, LENS(13, 19)},         /* Maestro UK */
    {2200, 2204, 4, LENS(16, 19)},             /* Mir */
    {60, 60, 2, LEN1(16)},                     /* RuPay */
    {9792, 9792, 4, LEN1(16)},                 /* Troy */
};

static bool
iin_known(const char *d, size_t n)
{
    for (size_t i = 0; i < sizeof(iin_ranges) / sizeof(iin_ranges[0]); i++) {
        const struct iin_range *r = &iin_ranges[i];
        uint32_t prefix = 0;

        for (size_t k = 0; k < r->digits; k++) {
            prefix = prefix * 10 + (uint32_t)(d[k] - '0');
        }
        if (prefix >= r->lo && prefix <= r->hi && (r->lengths & LEN1(n)) != 0) {
            return true;
        }
    }
    return false;
}

/* Copy the digits of a trimmed, non-empty PAN into out. Groups may be separated by single spaces
 * or single dashes, the same separator throughout ("4111 1111-1111 1111" is not a card someone
 * wrote). Returns the digit count, or 0 if the text is not of that shape or has more than PAN_MAX
 * digits. */
static size_t
pan_compact(struct lw_slice s, char *out)
{
    size_t n = 0;
    char sep = 0;

    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];

        if (lw_ascii_is_digit(c)) {
            if (n == PAN_MAX) {
                return 0;
            }
            out[n++] = c;
            continue;
        }
        if ((c != ' ' && c != '-') || (sep != 0 && c != sep)) {
            return 0;
        }
        if (i == 0 || !lw_ascii_is_digit(s.p[i - 1])) {
            return 0; /* leading or doubled separator */
        }
        sep = c;
    }
    return lw_ascii_is_digit(s.p[s.len - 1]) ? n : 0;
}

/* Every digit the same (0000…, 1111…): keyboard filler and masks, not cards, even where Luhn
 * happens to pass. */
static bool
pan_junk(const char *d, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (d[i] != d[0]) {
            return false;
        }
    }
    return true;
}

bool
id_finance_card_shape(const char *digits, size_t n)
{
    return n >= PAN_MIN && n <= PAN_MAX && id_util_all_digits(digits, n) && iin_known(digits, n);
}

enum lw_rc
id_finance_payment_card(struct lw_slice in, const struct id_context *ctx, char *out,
                        size_t *out_len)
{
    size_t n;

    (void)ctx;
    in = lw_slice_trim(in);
    if (in.len < PAN_MIN || in.len > 2 * PAN_MAX) {
        return id_util_reject(out, 0, out_len);
    }
    n = pan_compact(in, out);
    if (n < PAN_MIN || pan_junk(out, n) || !id_util_luhn_ok(out, n) || !iin_known(out, n)) {
        return id_util_reject(out, n, out_len);
    }
    return id_util_accept(out, n, out_len);
}
