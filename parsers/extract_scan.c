/*
 * parsers/extract_scan.c — where identifiers hide in free text: finding candidates by their shape
 * and handing each to the registry's validators.
 *
 * One left-to-right pass over clean UTF-8. Words (letters, digits, '_') are skipped whole, so a
 * candidate can only start at a word boundary; what starts a candidate is
 *   - '@': an e-mail address. The local part is taken leftwards over the characters real
 *     addresses use (letters, digits, . _ % + - ') for at most 64 bytes, the domain rightwards over
 *     letters, digits, '.' and '-'; leading dots and quotes and trailing dots and hyphens are
 *     trimmed. The local part stops at the previous '@' and the scan resumes after the domain. An
 *     '@' in a URL's user info ("https://user:secret@host") is not an address.
 *   - two letters and two digits at a word start: an IBAN, compact ("FI2112345600000785") or in
 *     groups of four separated by single spaces ("FI21 1234 5600 0007 85"), any case; when grouped,
 *     the longest run of groups is tried first, then shorter ones (a year after an IBAN is not
 *     part of it).
 *   - six digits, a HETU century sign (+ - A–F U–Y, any case), three digits and a check character:
 *     a Finnish HETU; when the sign is - or + and the check character a digit, the same eleven
 *     characters are also a Swedish personnummer or Danish CPR shape and are tried as those.
 *   - a digit, '+' or '(' at a word boundary: a number. It is read as a token of chunks — runs of
 *     digits and the separators people type inside numbers (- . / ( ) +), at most 40 bytes each,
 *     parentheses around a whole chunk dropped, separated by single spaces; a double space, a
 *     letter or any other punctuation ends the token. From each chunk, windows of one to six
 *     chunks are tried longest first: the window is assembled with single spaces, its shape
 *     decides which kinds to try (payment card: 13–19 digits, bare or grouped 4-4-4-4(-n), 4-6-5,
 *     4-6-4, 4-3-3-3 with one kind of separator, starting with a known issuer's (IIN) prefix that
 *     issues that many digits — identifiers_card_shape(); Swedish personnummer: YYMMDD-NNNN,
 *     YYMMDD+NNNN, YYYYMMDD-NNNN, 10 or 12 bare digits; Norwegian fødselsnummer: 11 bare digits
 *     or 6+5, D- and H-numbers included; Danish CPR: DDMMYY-SSSS or 10 bare digits, only within
 *     24 bytes after the word "cpr" on the same line, or in a field labelled as CPR; phone: see
 *     below), and the first window that validates is reported and skipped. A chunk that
 *     validated as nothing and holds '/' is split there ("040-1234567/050-7654321").
 * A plausible date, for the kinds that carry one, is a day 01–31 and a month 01–12 (with the
 * kind's offsets): 30 February is an impossible date, so a reject, not an arbitrary number.
 * Word boundaries everywhere: a candidate glued to a letter, digit, '_' or '@' on either side is
 * none, so the digits inside a longer run are never a card or an ID. The chunks that make up a
 * reported window are skipped, so no sub-span of a valid identifier is reported as another kind;
 * the same characters are reported twice only when two kinds both validate them (a 10-digit
 * number after "CPR:" that is also a valid personnummer). Nor is a sub-span of a look-alike: a
 * window with a kind's full shape (a card's issuer, length and grouping; a national number's form
 * and date) that fails validation is that kind's look-alike, and windows starting inside it are
 * tried as that kind only — "478607 00766" in "3714 478607 00766", an American Express number
 * failing Luhn, is not a fødselsnummer, but "4111 1111 1111 1111" in a failing "4019 4111 1111
 * 1111 1111" is still a card. A failed window without a kind's full shape blocks nothing, so a
 * valid shorter one inside it is found ("1234 150790 10003": no issuer starts with 1). A phone's
 * shape is never full: "+358 40 123 4567 050" fails and holds a valid phone number.
 *
 * Phone numbers in free text are the easiest false positive, so only what is written like one
 * counts: "+CC…" (any separators), "00CC…" with a separator or 12 or more digits, or — when the
 * context's region has a trunk prefix (FI "0") — a number starting with it that has a space,
 * '-', '/' or parentheses, no '.', 8–13 digits and no group of fewer than two ("040-1234567",
 * "(09) 123 456", "040 123 4567"; not "0 1 2 3 4 5"). Bare national numbers ("0401234567"),
 * dates ("01-02-2023", "03-2019"), anything with the shape of a national identity number, and
 * digits inside a longer look-alike ("0153 1246 2240" in "5300 0153 1246 2240", a card failing
 * Luhn) are not phones. Regions without a trunk prefix (NO, DK) have no national form here.
 *
 * Rejects: a candidate with the shape of a kind (a plausible date for the date-bearing kinds; a
 * card's issuer prefix, length and grouping; an IBAN's country code and that country's
 * registered length; a local part and a dotted domain for an e-mail; "+CC" and eight or more
 * digits for a phone) that validates as nothing counts one reject, for the first of its kinds in
 * the order fi_hetu, se_personnummer, no_fodselsnummer, dk_cpr, payment_card, iban, email, phone.
 * Overlapping windows of one token count once, and not at all when an overlapping window
 * validates. Bare 10-digit numbers with a plausible YYMMDD (a Finnish mobile number written
 * without separators, "0401234567", is one) are personnummer look-alikes by this rule.
 *
 * The cost is linear: every byte is looked at a bounded number of times (words once, a token's
 * chunks at most six windows of at most 96 bytes each, an e-mail's local part at most 65 bytes
 * back and never past the previous '@', a domain once).
 *
 * The alternative rejected: a regular-expression engine with one pattern per kind. Each pattern
 * would rescan the text, the patterns cannot share the word-boundary and chunk logic, and the
 * backtracking engines in reach have no linear-time guarantee on hostile input.
 */
#include "parsers/extract_int.h"

#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"

#define LOCAL_MAX 64   /* longest e-mail local part */
#define DOMAIN_MAX 253 /* longest e-mail domain */
#define CHUNK_MAX 40   /* longest chunk of a number looked at */
#define WIN_MAX 6      /* most chunks in one candidate: "+358 (0)40 123 45 67" */
#define DIGITS_MIN 6   /* fewest digits any digit-only kind has */
#define DIGITS_MAX 19  /* most digits any digit-only kind has (a card; "00" phones have 17) */
#define CPR_NEAR 24    /* how far before a CPR number the word "cpr" may stand */
#define URL_NEAR 256   /* how far back "://" makes an '@' part of a URL */
#define HETU_LEN 11
#define IBAN_MIN 15
#define IBAN_MAX 34
#define IBAN_ENDS 10

#define BIT(k) (1u << (k))
#define NATIONAL                                                                                   \
    (BIT(ID_FI_HETU) | BIT(ID_SE_PERSONNUMMER) | BIT(ID_NO_FODSELSNUMMER) | BIT(ID_DK_CPR))
/* Kinds whose shape is the whole of how they are written (a date or an issuer, a length, a
 * grouping), so a window that has it and fails is a look-alike of that kind and nothing else. A
 * phone's shape is only "+CC and some digits", and a longer failed phone window often holds a
 * valid one ("+358 40 123 4567 050"). */
#define FULL_SHAPE (NATIONAL | BIT(ID_PAYMENT_CARD))

/* The order kinds are tried in and a reject is attributed in. */
static const enum id_kind kind_order[] = {
    ID_FI_HETU, ID_SE_PERSONNUMMER, ID_NO_FODSELSNUMMER, ID_DK_CPR, ID_PAYMENT_CARD, ID_IBAN,
    ID_EMAIL,   ID_PHONE,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct scan {
    struct extract_sink *sink;
    struct lw_slice t;
    bool dk_labelled;
    int pend_kind;      /* a reject held back while overlapping candidates are tried; -1 none */
    size_t pend_start;  /* where the candidates it overlaps start */
    size_t pend_end;    /* and end */
    size_t block_start; /* a number window with a kind's full shape that failed validation: */
    size_t block_end;   /* windows starting inside it are candidates for its kinds only */
    unsigned block_kinds;
};

/* What a candidate may be (try) and what it has the shape of (shape, for rejects). */
struct kinds {
    unsigned try_;
    unsigned shape;
};

/* ---- small predicates ----------------------------------------------------------------------- */

static bool
all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!lw_ascii_is_digit(p[i])) {
            return false;
        }
    }
    return true;
}

static unsigned
two(const char *p)
{
    return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

/* A plausible day and month: 01–31 and 01–12. Whether that day exists in that month is for the
 * validator to decide: 30 February is an impossible date, a reject, not a random number. */
static bool
day_month_ok(unsigned day, unsigned month)
{
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* Is there a letter, digit, '_' or '@' at t.p[i] (glue that makes a neighbour part of a word)? */
static bool
glued_at(struct lw_slice t, size_t i)
{
    size_t n;
    unsigned cp;

    if (i >= t.len) {
        return false;
    }
    cp = extract_cp_at(t, i, &n);
    return cp == '@' || extract_cp_is_word(cp);
}

/* Is the character before t.p[i] glue? */
static bool
glued_before(struct lw_slice t, size_t i)
{
    unsigned cp;

    if (i == 0) {
        return false;
    }
    cp = extract_cp_before(t, i);
    return cp == '@' || extract_cp_is_word(cp);
}

static bool
is_chunk_char(char c)
{
    return lw_ascii_is_digit(c) || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' ||
           c == '+';
}

/* ---- shapes --------------------------------------------------------------------------------- */

static bool
hetu_sign(char c)
{
    char u = lw_ascii_upper(c);

    return u == '+' || u == '-' || (u >= 'A' && u <= 'F') || (u >= 'U' && u <= 'Y');
}

/* DDMMYYCNNNQ with a plausible day and month. */
static bool
hetu_shape(struct lw_slice c)
{
    return c.len == HETU_LEN && all_digits(c.p, 6) && hetu_sign(c.p[6]) && all_digits(c.p + 7, 3) &&
           lw_ascii_is_alnum(c.p[10]) && day_month_ok(two(c.p), two(c.p + 2));
}

/* YYMMDD at p (a samordningsnummer adds 60 to the day). */
static bool
se_date(const char *p)
{
    unsigned day = two(p + 4);

    return day_month_ok(day > 60 ? day - 60 : day, two(p + 2));
}

static bool
se_shape(struct lw_slice c)
{
    const char *p = c.p;

    switch (c.len) {
    case 10: return all_digits(p, 10) && se_date(p);
    case 11:
        return (p[6] == '-' || p[6] == '+') && all_digits(p, 6) && all_digits(p + 7, 4) &&
               se_date(p);
    case 12: return all_digits(p, 12) && two(p) >= 18 && two(p) <= 20 && se_date(p + 2);
    case 13:
        return p[8] == '-' && all_digits(p, 8) && all_digits(p + 9, 4) && two(p) >= 18 &&
               two(p) <= 20 && se_date(p + 2);
    default: return false;
    }
}

/* DDMMYY at p, with the D-number (day + 40), H-number (month + 40) and test (month + 80)
 * offsets. */
static bool
no_date(const char *p)
{
    unsigned day = two(p);
    unsigned month = two(p + 2);

    if (day > 40) {
        day -= 40;
    }
    if (month > 80) {
        month -= 80;
    } else if (month > 40) {
        month -= 40;
    }
    return day_month_ok(day, month);
}

static bool
no_shape(struct lw_slice c)
{
    if (c.len == 11) {
        return all_digits(c.p, 11) && no_date(c.p);
    }
    return c.len == 12 && c.p[6] == ' ' && all_digits(c.p, 6) && all_digits(c.p + 7, 5) &&
           no_date(c.p);
}

static bool
dk_shape(struct lw_slice c)
{
    bool form = (c.len == 10 && all_digits(c.p, 10)) ||
                (c.len == 11 && c.p[6] == '-' && all_digits(c.p, 6) && all_digits(c.p + 7, 4));

    return form && day_month_ok(two(c.p), two(c.p + 2));
}

/* 13–19 digits, bare or in groups (4-4-4-4 with a last group of 1–4, 4-6-5, 4-6-4, 4-3-3-3)
 * separated by single spaces or single hyphens, not both: the digits into d[] and their count
 * returned, or 0 for anything else. */
static size_t
card_digits(struct lw_slice c, char d[DIGITS_MAX])
{
    size_t groups[8];
    size_t n = 0;
    size_t digits = 0;
    size_t run = 0;
    char sep = 0;

    for (size_t i = 0; i <= c.len; i++) {
        char ch = sep;

        if (i < c.len) {
            ch = c.p[i];
        }
        if (i < c.len && lw_ascii_is_digit(ch)) {
            if (digits == DIGITS_MAX) {
                return 0;
            }
            d[digits++] = ch;
            run++;
            continue;
        }
        if ((ch != ' ' && ch != '-' && i < c.len) || (sep != 0 && ch != sep) || run == 0 ||
            n == COUNT(groups)) {
            return 0;
        }
        sep = ch;
        groups[n++] = run;
        run = 0;
    }
    if (digits < 13 || n == 1) {
        return digits < 13 ? 0 : digits;
    }
    if (n == 3 && groups[0] == 4 && groups[1] == 6 && (groups[2] == 5 || groups[2] == 4)) {
        return digits; /* American Express, Diners */
    }
    if (n == 4 && groups[0] == 4 && groups[1] == 3 && groups[2] == 3 && groups[3] == 3) {
        return digits; /* 13 digits */
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (groups[i] != 4) {
            return 0;
        }
    }
    return groups[n - 1] <= 4 ? digits : 0;
}

/* A card number, right or wrong: the grouping of card_digits() and a known issuer (IIN) range
 * that issues cards of that many digits (identifiers_card_shape()). 13–19 digits with no issuer's
 * prefix ("1234567890123") are just digits. */
static bool
card_shape(struct lw_slice c)
{
    char d[DIGITS_MAX];
    size_t n = card_digits(c, d);
    bool ok = n != 0 && identifiers_card_shape(d, n);

    lw_wipe(d, sizeof(d));
    return ok;
}

/* Is an IBAN of this country and length registered? The registry's table is not exported, so ask
 * the validator: give the candidate the check digits that make mod 97 come out right, and it
 * validates exactly when the country and the length are right. v: compact, upper-case. */
static bool
iban_length_ok(const char *v, size_t n)
{
    char probe[IBAN_MAX];
    char out[ID_VALUE_MAX + 1];
    size_t out_len = 0;
    unsigned r = 0;
    bool ok;

    memcpy(probe, v, n);
    for (size_t k = 0; k < n; k++) {
        char c = '0'; /* the check digits, as 00 */

        if (k + 4 < n) {
            c = v[k + 4];
        } else if (k + 4 - n < 2) {
            c = v[k + 4 - n];
        }
        r = lw_ascii_is_digit(c) ? (r * 10 + (unsigned)(c - '0')) % 97
                                 : (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    probe[2] = (char)('0' + (98 - r) / 10);
    probe[3] = (char)('0' + (98 - r) % 10);
    ok = identifiers_normalise(ID_IBAN, lw_slice_make(probe, n), NULL, out, &out_len) == LW_OK;
    lw_wipe(probe, n);
    lw_wipe(out, sizeof(out));
    return ok;
}

/* Two letters, check digits 02–98, then an alphanumeric BBAN, in all the registered length of
 * the country (without the single spaces that may separate groups), at least half of the BBAN
 * digits. */
static bool
iban_shape(struct lw_slice c)
{
    char v[IBAN_MAX];
    size_t n = 0;
    size_t digits = 0;
    unsigned check = 0;
    bool ok;

    for (size_t i = 0; i < c.len; i++) {
        char ch = lw_ascii_upper(c.p[i]);

        if (ch == ' ' && i > 0 && c.p[i - 1] != ' ') {
            continue;
        }
        if (n == IBAN_MAX || (n < 2 && !lw_ascii_is_upper(ch)) ||
            (n >= 2 && n < 4 && !lw_ascii_is_digit(ch)) || !lw_ascii_is_alnum(ch)) {
            lw_wipe(v, n);
            return false;
        }
        if (n >= 2 && n < 4) {
            check = check * 10 + (unsigned)(ch - '0');
        } else if (n >= 4 && lw_ascii_is_digit(ch)) {
            digits++;
        }
        v[n++] = ch;
    }
    ok = n >= IBAN_MIN && check >= 2 && check <= 98 && digits * 2 >= n - 4 && iban_length_ok(v, n);
    lw_wipe(v, n);
    return ok;
}

/* A non-empty local part, one '@', a domain with an inner dot; no white space. */
static bool
email_shape(struct lw_slice c)
{
    const char *at = memchr(c.p, '@', c.len);
    const char *dot;
    size_t dom_len;

    if (at == NULL || at == c.p || memchr(at + 1, '@', c.len - (size_t)(at + 1 - c.p)) != NULL) {
        return false;
    }
    for (size_t i = 0; i < c.len; i++) {
        if (c.p[i] == ' ' || c.p[i] == '\t' || c.p[i] == '\n' || c.p[i] == '\r') {
            return false;
        }
    }
    dom_len = c.len - (size_t)(at + 1 - c.p);
    while (dom_len > 0 && at[dom_len] == '.') {
        dom_len--;
    }
    dot = memchr(at + 1, '.', dom_len);
    return dot != NULL && dot != at + 1;
}

/* Only the characters of a phone number, and at least five digits. */
static bool
phone_value_shape(struct lw_slice c)
{
    size_t digits = 0;

    for (size_t i = 0; i < c.len; i++) {
        if (lw_ascii_is_digit(c.p[i])) {
            digits++;
        } else if (!is_chunk_char(c.p[i]) && c.p[i] != ' ') {
            return false;
        }
    }
    return digits >= 5;
}

bool
extract_has_shape(enum id_kind kind, struct lw_slice v)
{
    switch (kind) {
    case ID_EMAIL: return email_shape(v);
    case ID_PHONE: return phone_value_shape(v);
    case ID_FI_HETU: return hetu_shape(v);
    case ID_SE_PERSONNUMMER: return se_shape(v);
    case ID_NO_FODSELSNUMMER: return no_shape(v);
    case ID_DK_CPR: return dk_shape(v);
    case ID_IBAN: return iban_shape(v);
    case ID_PAYMENT_CARD: return card_shape(v);
    default: return false;
    }
}

/* ---- settling a candidate ------------------------------------------------------------------- */

static void
commit_reject(struct scan *sc)
{
    if (sc->pend_kind >= 0) {
        extract_sink_reject(sc->sink, (enum id_kind)sc->pend_kind);
        sc->pend_kind = -1;
    }
}

/*
 * Try the candidate t.p[start..end) (assembled in c) as each kind in k.try_; report every kind
 * that validates. If none does and it has a kind's shape, hold a reject back until the
 * candidates overlapping it are settled. True when something validated.
 */
static bool
settle(struct scan *sc, size_t start, size_t end, struct lw_slice c, struct kinds k)
{
    bool valid = false;

    if (sc->pend_kind >= 0 && start >= sc->pend_end) {
        commit_reject(sc);
    }
    for (size_t i = 0; i < COUNT(kind_order); i++) {
        if ((k.try_ & BIT(kind_order[i])) != 0) {
            valid = extract_sink_try(sc->sink, kind_order[i], c) || valid;
        }
    }
    if (valid) {
        sc->pend_kind = -1; /* an overlapping candidate validated: the look-alike was part of it */
        return true;
    }
    for (size_t i = 0; i < COUNT(kind_order) && k.shape != 0; i++) {
        if ((k.shape & BIT(kind_order[i])) != 0) {
            if (sc->pend_kind < 0) {
                sc->pend_kind = (int)kind_order[i];
                sc->pend_start = start;
                sc->pend_end = end;
            } else if (end > sc->pend_end) {
                sc->pend_end = end;
            }
            break;
        }
    }
    return false;
}

/* ---- e-mail --------------------------------------------------------------------------------- */

static bool
is_local_char(char c)
{
    return lw_ascii_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' ||
           c == '\'';
}

static bool
is_domain_char(char c)
{
    return lw_ascii_is_alnum(c) || c == '.' || c == '-';
}

/* Does the non-space run before t.p[i] contain "://" (an '@' in a URL's user info)? */
static bool
in_url(struct lw_slice t, size_t i)
{
    size_t lo = i > URL_NEAR ? i - URL_NEAR : 0;

    for (size_t j = i; j > lo + 2; j--) {
        char c = t.p[j - 1];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        if (c == '/' && t.p[j - 2] == '/' && t.p[j - 3] == ':') {
            return true;
        }
    }
    return false;
}

/* The '@' at t.p[at]; returns where scanning resumes (after the domain). */
static size_t
scan_email(struct scan *sc, size_t at)
{
    struct lw_slice t = sc->t;
    size_t lo = at;
    size_t start;
    size_t end = at + 1;
    size_t dom_end;
    bool overlong;
    struct kinds k = {0, 0};
    struct lw_slice c;

    while (lo > 0 && at - lo <= LOCAL_MAX && is_local_char(t.p[lo - 1])) {
        lo--;
    }
    overlong = lo > 0 && is_local_char(t.p[lo - 1]);
    while (end < t.len && is_domain_char(t.p[end])) {
        end++;
    }
    start = lo;
    dom_end = end;
    while (start < at && (t.p[start] == '.' || t.p[start] == '\'')) {
        start++;
    }
    while (dom_end > at + 1 && (t.p[dom_end - 1] == '.' || t.p[dom_end - 1] == '-')) {
        dom_end--;
    }
    if (start == at || dom_end == at + 1 || glued_at(t, end) ||
        (!overlong && glued_before(t, lo))) {
        return end; /* no local part or domain, or glued to a letter or another '@' */
    }
    if (lo > 0 && (t.p[lo - 1] == ':' || t.p[lo - 1] == '/') && in_url(t, lo)) {
        return end; /* https://user:password@host */
    }
    c = lw_slice_make(t.p + start, dom_end - start);
    if (email_shape(c)) {
        k.shape = BIT(ID_EMAIL);
    }
    if (!overlong && dom_end - at - 1 <= DOMAIN_MAX) {
        k.try_ = BIT(ID_EMAIL);
    }
    settle(sc, start, dom_end, c, k);
    return end;
}

/* ---- IBAN ----------------------------------------------------------------------------------- */

static size_t
alnum_run(struct lw_slice t, size_t i, size_t max)
{
    size_t j = i;

    while (j < t.len && j - i <= max && lw_ascii_is_alnum(t.p[j])) {
        j++;
    }
    return j - i;
}

/* The ends of the IBAN candidates starting at t.p[i] (shortest first); returns their count. */
static size_t
iban_ends(struct lw_slice t, size_t i, size_t ends[IBAN_ENDS])
{
    size_t run = alnum_run(t, i, IBAN_MAX);
    size_t compact = run;
    size_t p = i + run;
    size_t n = 0;

    if (run > IBAN_MAX || glued_at(t, p)) {
        return 0;
    }
    if (run >= IBAN_MIN) {
        ends[n++] = p;
        return n;
    }
    if (run != 4) {
        return 0;
    }
    /* "CCdd" then groups of four, a shorter last group, or the whole BBAN in one */
    while (p + 1 < t.len && t.p[p] == ' ' && lw_ascii_is_alnum(t.p[p + 1]) && n < IBAN_ENDS) {
        size_t g = alnum_run(t, p + 1, IBAN_MAX);

        if (compact + g > IBAN_MAX || glued_at(t, p + 1 + g) ||
            (g > 4 && (compact != 4 || g < IBAN_MIN - 4))) {
            break;
        }
        compact += g;
        p += 1 + g;
        if (compact >= IBAN_MIN) {
            ends[n++] = p;
        }
        if (g != 4) {
            break;
        }
    }
    return n;
}

/* An IBAN candidate at the word start t.p[i]; returns the end of what it covered, or i. */
static size_t
scan_iban(struct scan *sc, size_t i)
{
    struct lw_slice t = sc->t;
    size_t ends[IBAN_ENDS];
    size_t n;

    if (i + 4 > t.len || !lw_ascii_is_alpha(t.p[i + 1]) || !lw_ascii_is_digit(t.p[i + 2]) ||
        !lw_ascii_is_digit(t.p[i + 3])) {
        return i;
    }
    n = iban_ends(t, i, ends);
    for (size_t k = n; k > 0; k--) {
        struct lw_slice c = lw_slice_make(t.p + i, ends[k - 1] - i);
        struct kinds kinds = {BIT(ID_IBAN), iban_shape(c) ? BIT(ID_IBAN) : 0u};

        if (settle(sc, i, ends[n - 1], c, kinds)) {
            return ends[k - 1];
        }
    }
    return n > 0 ? ends[n - 1] : i;
}

/* ---- numbers -------------------------------------------------------------------------------- */

/* Was the word "cpr" written within CPR_NEAR bytes before t.p[i], on the same line? */
static bool
cpr_before(struct lw_slice t, size_t i)
{
    size_t lo = i > CPR_NEAR ? i - CPR_NEAR : 0;

    for (size_t j = i; j > lo; j--) {
        size_t k = j - 1;

        if (t.p[k] == '\n') {
            return false;
        }
        if (k + 3 <= i && lw_ascii_lower(t.p[k]) == 'c' && lw_ascii_lower(t.p[k + 1]) == 'p' &&
            lw_ascii_lower(t.p[k + 2]) == 'r' && (k == 0 || !lw_ascii_is_alpha(t.p[k - 1]))) {
            return true;
        }
    }
    return false;
}

/* A date written with separators: D.M.YYYY, DD-MM-YY, YYYY-MM-DD, MM/YYYY … */
static bool
date_shape(struct lw_slice c)
{
    size_t len[4] = {0, 0, 0, 0};
    size_t n = 0;
    char sep = 0;

    for (size_t i = 0; i < c.len; i++) {
        char ch = c.p[i];

        if (lw_ascii_is_digit(ch)) {
            len[n]++;
        } else if ((ch == '-' || ch == '.' || ch == '/') && (sep == 0 || ch == sep) && n < 3) {
            sep = ch;
            n++;
        } else {
            return false;
        }
    }
    n++;
    if (n == 2) {
        return len[0] >= 1 && len[0] <= 2 && len[1] == 4 &&
               (two(c.p + c.len - 4) == 19 || two(c.p + c.len - 4) == 20);
    }
    return n == 3 && ((len[0] >= 1 && len[0] <= 2 && len[1] >= 1 && len[1] <= 2 &&
                       (len[2] == 2 || len[2] == 4)) ||
                      (len[0] == 4 && len[1] >= 1 && len[1] <= 2 && len[2] >= 1 && len[2] <= 2));
}

/* The fewest digits in any space-separated group of c. */
static size_t
min_group_digits(struct lw_slice c)
{
    size_t min = SIZE_MAX;
    size_t run = 0;

    for (size_t i = 0; i <= c.len; i++) {
        if (i == c.len || c.p[i] == ' ') {
            min = run < min ? run : min;
            run = 0;
        } else {
            run += lw_ascii_is_digit(c.p[i]);
        }
    }
    return min;
}

/* The phone part of a candidate's kinds (see the design comment). A national number also needs
 * eight to thirteen digits with its trunk prefix and at least two in every group ("0 1 2 3 4 5"
 * is a list). */
static void
phone_kinds(const struct scan *sc, struct lw_slice c, size_t chunks, size_t digits, struct kinds *k)
{
    const char *trunk = sc->sink->trunk;
    size_t tl = strlen(trunk);
    size_t i = c.p[0] == '(' ? 1 : 0;
    bool sep = chunks > 1;
    bool dot = false;

    for (size_t j = 1; j < c.len; j++) {
        sep = sep || c.p[j] == '-' || c.p[j] == '/' || c.p[j] == '(' || c.p[j] == ')';
        dot = dot || c.p[j] == '.';
    }
    if (i < c.len && c.p[i] == '+') {
        k->try_ |= digits >= 7 && digits <= 15 ? BIT(ID_PHONE) : 0u;
        k->shape |= digits >= 8 && digits <= 15 ? BIT(ID_PHONE) : 0u;
    } else if (i + 1 < c.len && c.p[i] == '0' && c.p[i + 1] == '0') {
        if ((sep || digits >= 12) && digits <= 17) {
            k->try_ |= BIT(ID_PHONE);
            k->shape |= digits >= 10 ? BIT(ID_PHONE) : 0u;
        }
    } else if (tl > 0 && c.len - i > tl && memcmp(c.p + i, trunk, tl) == 0 && sep && !dot &&
               digits >= 8 && digits <= 13 && min_group_digits(c) >= 2) {
        k->try_ |= BIT(ID_PHONE);
    }
}

/* Every kind a number candidate c (chunks of it, digits in it) may be, starting at t.p[start]. */
static struct kinds
number_kinds(const struct scan *sc, struct lw_slice c, size_t start, size_t chunks, size_t digits)
{
    struct kinds k = {0, 0};

    k.shape |= hetu_shape(c) ? BIT(ID_FI_HETU) : 0u;
    k.shape |= se_shape(c) ? BIT(ID_SE_PERSONNUMMER) : 0u;
    k.shape |= no_shape(c) ? BIT(ID_NO_FODSELSNUMMER) : 0u;
    if (dk_shape(c) && (sc->dk_labelled || cpr_before(sc->t, start))) {
        k.shape |= BIT(ID_DK_CPR);
    }
    k.shape |= card_shape(c) ? BIT(ID_PAYMENT_CARD) : 0u;
    k.try_ = k.shape;
    /* not a phone: the shape of an identity number, a date, or digits inside a longer look-alike
     * ("5300 0153 1246 2240", a card failing Luhn, holds "0153 1246 2240") */
    if ((k.shape & NATIONAL) == 0 && !date_shape(c) &&
        !(sc->pend_kind >= 0 && start > sc->pend_start && start < sc->pend_end)) {
        phone_kinds(sc, c, chunks, digits, &k);
    }
    /* inside a failed window of a kind's full shape: a candidate for that kind only ("478607
     * 00766" in "3714 478607 00766", an Amex number failing Luhn, is not a fødselsnummer) */
    if (start >= sc->block_start && start < sc->block_end) {
        k.try_ &= sc->block_kinds;
        k.shape &= sc->block_kinds;
    }
    return k;
}

/* The window t.p[start..end) with the full shape of kinds failed validation: block the windows
 * that start inside it for every other kind. Within a block already, the block only grows. */
static void
block_window(struct scan *sc, size_t start, size_t end, unsigned kinds)
{
    if (kinds == 0) {
        return;
    }
    if (start >= sc->block_end) {
        sc->block_start = start;
        sc->block_end = end;
        sc->block_kinds = kinds;
    } else if (end > sc->block_end) {
        sc->block_end = end;
    }
}

/* A HETU-shaped run at t.p[d]: six digits, a century sign, three digits, a check character,
 * and then no glue (nor a separator that continues the number). */
static bool
hetu_at(struct lw_slice t, size_t d)
{
    size_t e = d + HETU_LEN;

    if (e > t.len || !all_digits(t.p + d, 6) || !hetu_sign(t.p[d + 6]) ||
        !all_digits(t.p + d + 7, 3) || !lw_ascii_is_alnum(t.p[d + 10]) || glued_at(t, e)) {
        return false;
    }
    return !(e + 1 < t.len && is_chunk_char(t.p[e]) && lw_ascii_is_digit(t.p[e + 1]));
}

static size_t
scan_hetu(struct scan *sc, size_t d)
{
    struct lw_slice c = lw_slice_make(sc->t.p + d, HETU_LEN);
    struct kinds k = number_kinds(sc, c, d, 1, 10);

    k.try_ &= NATIONAL; /* eleven characters with a century sign are never a phone number */
    k.shape &= NATIONAL;
    settle(sc, d, d + HETU_LEN, c, k);
    return d + HETU_LEN;
}

/* One chunk of a number token. */
struct chunk {
    size_t s, e;    /* the chunk without the punctuation around it */
    size_t raw_end; /* where its characters stop */
    size_t digits;
    bool bad; /* glued to a word, too long or without digits: no candidate may include it */
};

static void
trim_chunk(struct lw_slice t, struct chunk *ch)
{
    size_t opens = 0;
    size_t closes = 0;

    for (size_t i = ch->s; i < ch->e; i++) {
        opens += t.p[i] == '(';
        closes += t.p[i] == ')';
    }
    if (opens > closes && t.p[ch->s] == '(') {
        ch->s++;
    }
    if (closes > opens && t.p[ch->e - 1] == ')') {
        ch->e--;
    }
    if (opens == 1 && closes == 1 && ch->e - ch->s > 2 && t.p[ch->s] == '(' &&
        t.p[ch->e - 1] == ')') {
        ch->s++; /* "(15079010003)": the parentheses are around it, not in it */
        ch->e--;
    }
    while (ch->s < ch->e &&
           (t.p[ch->s] == '.' || t.p[ch->s] == '-' || t.p[ch->s] == '/' || t.p[ch->s] == ')')) {
        ch->s++;
    }
    while (ch->e > ch->s &&
           (t.p[ch->e - 1] == '.' || t.p[ch->e - 1] == '-' || t.p[ch->e - 1] == '/' ||
            t.p[ch->e - 1] == '(' || t.p[ch->e - 1] == '+')) {
        ch->e--;
    }
}

static void
read_chunk(struct lw_slice t, size_t p, struct chunk *ch)
{
    size_t j = p;

    ch->digits = 0;
    ch->bad = false;
    while (j < t.len && is_chunk_char(t.p[j]) && j - p < CHUNK_MAX) {
        ch->digits += lw_ascii_is_digit(t.p[j]);
        j++;
    }
    if (j < t.len && is_chunk_char(t.p[j])) {
        ch->bad = true;
        while (j < t.len && is_chunk_char(t.p[j])) {
            j++;
        }
    }
    ch->s = p;
    ch->e = j;
    ch->raw_end = j;
    ch->bad = ch->bad || ch->digits == 0 || glued_at(t, j);
    if (!ch->bad) {
        trim_chunk(t, ch);
    }
}

/* Does a chunk start at t.p[i]: a digit, '+' and a digit, '(' and a digit or '+'? */
static bool
chunk_start(struct lw_slice t, size_t i)
{
    if (i >= t.len) {
        return false;
    }
    if (t.p[i] == '+' || t.p[i] == '(') {
        return i + 1 < t.len &&
               (lw_ascii_is_digit(t.p[i + 1]) || (t.p[i] == '(' && t.p[i + 1] == '+'));
    }
    return lw_ascii_is_digit(t.p[i]);
}

/* Where the chunk after one that stopped at t.p[i] starts, or 0 when the token ends there: one
 * space (or no-break space) and a chunk that is not a HETU of its own. */
static size_t
next_chunk(struct lw_slice t, size_t i)
{
    size_t n = 0;

    if (i < t.len && t.p[i] == ' ') {
        n = 1;
    } else if (i + 1 < t.len && (unsigned char)t.p[i] == 0xC2 &&
               (unsigned char)t.p[i + 1] == 0xA0) {
        n = 2;
    }
    if (n == 0 || !chunk_start(t, i + n) || hetu_at(t, i + n + (t.p[i + n] == '(' ? 1 : 0))) {
        return 0;
    }
    return i + n;
}

/* Assemble chunks q[0..n) joined by single spaces into sc->sink->cand. */
static struct lw_slice
assemble(struct scan *sc, const struct chunk *q, size_t n)
{
    char *out = sc->sink->cand;
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        size_t w = q[i].e - q[i].s;

        if (len + (i > 0) + w > EXTRACT_CAND_MAX) {
            return lw_slice_make(out, 0);
        }
        if (i > 0) {
            out[len++] = ' ';
        }
        memcpy(out + len, sc->t.p + q[i].s, w);
        len += w;
    }
    return lw_slice_make(out, len);
}

/* Try one candidate window made of q[0..n) (or, with n == 0, the slice part of one chunk). */
static bool
try_window(struct scan *sc, const struct chunk *q, size_t n, size_t digits)
{
    struct lw_slice c = assemble(sc, q, n);
    struct kinds k;
    bool valid = false;

    if (c.len > 0) {
        k = number_kinds(sc, c, q[0].s, n, digits);
        if (k.try_ != 0 || k.shape != 0) {
            valid = settle(sc, q[0].s, q[n - 1].e, c, k);
            if (!valid) {
                block_window(sc, q[0].s, q[n - 1].e, k.shape & FULL_SHAPE);
            }
        }
        lw_wipe(sc->sink->cand, c.len);
    }
    return valid;
}

/* A chunk that validated as nothing, split at '/': each part on its own. */
static void
try_slash_parts(struct scan *sc, const struct chunk *ch)
{
    const char *t = sc->t.p;
    size_t s = ch->s;

    if (memchr(t + ch->s, '/', ch->e - ch->s) == NULL) {
        return;
    }
    while (s < ch->e) {
        struct chunk part = *ch;
        size_t e = s;

        while (e < ch->e && t[e] != '/') {
            e++;
        }
        part.s = s;
        part.e = e;
        part.digits = 0;
        for (size_t i = s; i < e; i++) {
            part.digits += lw_ascii_is_digit(t[i]);
        }
        trim_chunk(sc->t, &part);
        if (part.digits >= DIGITS_MIN && part.e > part.s) {
            try_window(sc, &part, 1, part.digits);
        }
        s = e + 1;
    }
}

/* Settle the windows that start at q[0]; returns how many chunks to drop from the front. */
static size_t
try_windows(struct scan *sc, const struct chunk *q, size_t m)
{
    size_t good = 0;
    size_t digits = 0;

    while (good < m && !q[good].bad) {
        good++;
    }
    if (good == 0) {
        return 1;
    }
    for (size_t i = 0; i < good; i++) {
        digits += q[i].digits;
    }
    for (size_t n = good; n > 0; n--) {
        if (digits < DIGITS_MIN) {
            break;
        }
        if (digits <= DIGITS_MAX && try_window(sc, q, n, digits)) {
            return n;
        }
        digits -= q[n - 1].digits;
    }
    try_slash_parts(sc, &q[0]);
    return 1;
}

/* A number token starting at t.p[i]; returns where scanning resumes. */
static size_t
scan_token(struct scan *sc, size_t i)
{
    struct chunk q[WIN_MAX];
    size_t m = 0;
    size_t next = i;
    size_t end = i;
    bool more = true;

    for (;;) {
        while (m < WIN_MAX && more) {
            read_chunk(sc->t, next, &q[m]);
            end = q[m].raw_end;
            next = q[m].bad ? 0 : next_chunk(sc->t, end);
            more = next != 0;
            m++;
        }
        if (m == 0) {
            return end;
        }
        {
            size_t drop = try_windows(sc, q, m);

            memmove(q, q + drop, (m - drop) * sizeof(q[0]));
            m -= drop;
        }
    }
}

/* May a number start at t.p[i]: not glued to a word, nor continuing another number ("3.14")? */
static bool
number_start_ok(struct lw_slice t, size_t i)
{
    char prev;

    if (i == 0) {
        return true;
    }
    if (glued_before(t, i)) {
        return false;
    }
    prev = t.p[i - 1];
    if (prev == '+' || prev == '(' || prev == ')') {
        return false;
    }
    return !((prev == '.' || prev == '-' || prev == '/') && i >= 2 &&
             lw_ascii_is_digit(t.p[i - 2]));
}

static size_t
scan_number(struct scan *sc, size_t i)
{
    struct lw_slice t = sc->t;
    size_t d = i;

    if (t.p[i] == '+' || t.p[i] == '(') {
        if (!chunk_start(t, i)) {
            return i + 1;
        }
        d = i + 1;
    }
    if (!number_start_ok(t, i)) {
        while (i < t.len && is_chunk_char(t.p[i])) {
            i++;
        }
        return i;
    }
    if (lw_ascii_is_digit(t.p[d]) && hetu_at(t, d)) {
        return scan_hetu(sc, d);
    }
    return scan_token(sc, i);
}

/* ---- words ---------------------------------------------------------------------------------- */

/* A word (or a non-ASCII character) at t.p[i]: an IBAN if it starts like one; otherwise skipped
 * whole, since nothing starts inside a word. */
static size_t
scan_word(struct scan *sc, size_t i)
{
    struct lw_slice t = sc->t;
    size_t n;
    unsigned cp = extract_cp_at(t, i, &n);

    if (!extract_cp_is_word(cp)) {
        return i + n;
    }
    if (lw_ascii_is_alpha(t.p[i]) && !glued_before(t, i)) {
        size_t j = scan_iban(sc, i);

        if (j > i) {
            return j;
        }
    }
    while (i < t.len) {
        unsigned c = extract_cls(t.p[i]);

        n = 1;
        if ((c & XC_WORD) == 0 &&
            ((c & XC_HIGH) == 0 || !extract_cp_is_word(extract_cp_at(t, i, &n)))) {
            break;
        }
        i += n;
    }
    return i;
}

void
extract_scan_text(struct extract_sink *s, struct lw_slice text, bool dk_labelled)
{
    struct scan sc = {s, text, dk_labelled, -1, 0, 0, 0, 0, 0};
    size_t i = 0;

    while (i < text.len) {
        char c = text.p[i];

        if (c == '@') {
            i = scan_email(&sc, i);
        } else if (lw_ascii_is_digit(c) || c == '+' || c == '(') {
            i = scan_number(&sc, i);
        } else if (lw_ascii_is_alpha(c) || c == '_' || (unsigned char)c >= 0x80) {
            i = scan_word(&sc, i);
        } else {
            i++;
        }
    }
    commit_reject(&sc);
}
