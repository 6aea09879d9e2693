/*
 * parsers/id_national.c — Nordic national identity numbers: the Finnish henkilötunnus, the Swedish
 * personnummer (and samordningsnummer), the Norwegian fødselsnummer (and D-/H-numbers) and the
 * Danish CPR number. Each normaliser follows the id_normalise_fn contract of identifiers.h.
 *
 * The algorithm is the same for all four: trim, copy the accepted characters straight into the
 * caller's out buffer in their normalised shape (the only place a value may be copied to), then
 * check that buffer: fixed positions are digits, the encoded birth date is a real calendar date in
 * the century the number implies, and the check digit(s) match. On any failure out is wiped, so a
 * rejected candidate leaves no copy behind.
 *
 * The alternative rejected: one generic "date + check digit" engine driven by a format table. The
 * four schemes differ in exactly the details that matter (where the century comes from, which
 * fields carry offsets, how the check is computed), so a table would need escape hatches for each;
 * four short, separate validators read better and are easier to test.
 *
 * Decisions, each one documented at its validator:
 *  - fi_hetu: individual numbers 900–999 (temporary identity codes) are accepted; 000–001 are not.
 *  - se_personnummer: 10 digits without a separator are read as the `-` form; the century of the
 *    short forms is inferred from the date of today (injectable through se_personnummer_at()); a
 *    birth date after today or before 1800 is rejected.
 *  - no_fodselsnummer: D-numbers (day + 40), H-numbers (month + 40) and the synthetic test numbers
 *    of the Norwegian test registry (month + 80) are accepted; FH-numbers (no date) are not.
 *  - dk_cpr: date and century only, no modulus-11 check (CPR numbers without it are issued since
 *    2007). That makes it weak, which is why the kind is ID_KIND_CONTEXT_ONLY.
 */
#include "parsers/identifiers_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/alloc.h"
#include "common/ascii.h"

#define HETU_LEN 11
#define SE_LEN 12
#define NO_LEN 11
#define DK_LEN 10

/* ---- shared helpers ------------------------------------------------------------------------- */

/* The value of n decimal digits (the caller has checked they are digits; n <= 9). */
static unsigned long
num(const char *p, size_t n)
{
    unsigned long v = 0;

    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v;
}

static bool
is_leap(unsigned long year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* A real Gregorian calendar date. */
static bool
valid_date(unsigned long year, unsigned long month, unsigned long day)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned long max;

    if (month < 1 || month > 12 || day < 1) {
        return false;
    }
    max = days[month - 1];
    if (month == 2 && is_leap(year)) {
        max = 29;
    }
    return day <= max;
}

/* ---- fi_hetu -------------------------------------------------------------------------------- */

/* The first year of the century a HETU century sign stands for, or 0 for no sign. The 2023 reform
 * added Y X W V U (1900s) and B C D E F (2000s) beside the original `+`, `-` and `A`. */
static unsigned long
hetu_century(char sign)
{
    switch (sign) {
    case '+': return 1800;
    case '-':
    case 'Y':
    case 'X':
    case 'W':
    case 'V':
    case 'U': return 1900;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F': return 2000;
    default: return 0;
    }
}

/*
 * v: DDMMYYCNNNQ, upper-case. The individual number NNN runs 002–899 for ordinary codes; 900–999
 * are temporary identity codes (issued e.g. by hospitals before a permanent one exists). Those
 * appear in real patient records, which is exactly what leakwatch looks for, so they are accepted.
 * 000 and 001 are never issued.
 */
static bool
hetu_valid(const char *v)
{
    static const char checks[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
    unsigned long century = hetu_century(v[6]);
    unsigned long individual;

    if (!id_util_all_digits(v, 6) || !id_util_all_digits(v + 7, 3) || century == 0) {
        return false;
    }
    if (!valid_date(century + num(v + 4, 2), num(v + 2, 2), num(v, 2))) {
        return false;
    }
    individual = num(v + 7, 3);
    if (individual < 2) {
        return false;
    }
    return checks[(num(v, 6) * 1000 + individual) % 31] == v[10];
}

enum lw_rc
id_national_fi_hetu(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)ctx;
    in = lw_slice_trim(in);
    if (in.len != HETU_LEN) {
        return id_util_reject(out, 0, out_len);
    }
    for (size_t i = 0; i < HETU_LEN; i++) {
        out[i] = lw_ascii_upper(in.p[i]);
    }
    out[HETU_LEN] = '\0';
    if (!hetu_valid(out)) {
        return id_util_reject(out, HETU_LEN, out_len);
    }
    return id_util_accept(out, HETU_LEN, out_len);
}

/* ---- se_personnummer ------------------------------------------------------------------------ */

enum se_form {
    SE_FORM_INVALID,
    SE_FORM_SHORT,      /* YYMMDD-NNNC or YYMMDDNNNC: younger than 100 */
    SE_FORM_SHORT_PLUS, /* YYMMDD+NNNC: 100 or older */
    SE_FORM_LONG,       /* YYYYMMDDNNNC or YYYYMMDD-NNNC */
};

/*
 * Recognise the written form of a trimmed candidate and copy its digits into out as 12 digits,
 * leaving out[0..1] (the century) for the caller to fill in for the short forms.
 * Ten digits without a separator are read as the `-` form: databases commonly store personnummer
 * that way, and the `+` form is rare (people aged 100 or more).
 */
static enum se_form
se_copy(struct lw_slice s, char *out)
{
    enum se_form form = SE_FORM_SHORT;
    const char *p = s.p;

    if (s.len == 10 || s.len == 11) {
        if (s.len == 11) {
            if (p[6] != '-' && p[6] != '+') {
                return SE_FORM_INVALID;
            }
            form = p[6] == '+' ? SE_FORM_SHORT_PLUS : SE_FORM_SHORT;
        }
        for (size_t i = 0, o = 2; i < s.len; i++) {
            if (s.len == 11 && i == 6) {
                continue;
            }
            out[o++] = p[i];
        }
        return id_util_all_digits(out + 2, 10) ? form : SE_FORM_INVALID;
    }
    if (s.len == 12 || (s.len == 13 && p[8] == '-')) {
        for (size_t i = 0, o = 0; i < s.len; i++) {
            if (s.len == 13 && i == 8) {
                continue;
            }
            out[o++] = p[i];
        }
        return id_util_all_digits(out, 12) ? SE_FORM_LONG : SE_FORM_INVALID;
    }
    return SE_FORM_INVALID;
}

/* The birth year of a short form: the most recent year ending in yy whose date (MMDD, with a
 * samordningsnummer's day already reduced) is not after today; one century earlier with `+`. */
static unsigned long
se_year(unsigned long yy, unsigned long mmdd, bool plus, unsigned long today)
{
    unsigned long year = today / 1000000 * 100 + yy;

    if (year * 10000 + mmdd > today) {
        year -= 100;
    }
    if (plus) {
        year -= 100;
    }
    return year;
}

static void
put2(char *p, unsigned long v)
{
    p[0] = "0123456789"[v / 10 % 10];
    p[1] = "0123456789"[v % 10];
}

/*
 * The checks of a 12-digit YYYYMMDDNNNC in out (century filled in): a samordningsnummer carries
 * day + 60 (61–91) and must be a real date after subtracting 60; the date must not lie after today
 * nor before 1800; Luhn over the ten digits YYMMDDNNNC.
 */
static bool
se_valid(const char *v, unsigned long today)
{
    unsigned long year = num(v, 4);
    unsigned long month = num(v + 4, 2);
    unsigned long day = num(v + 6, 2);

    if (day > 60) {
        day -= 60;
    }
    if (year < 1800 || !valid_date(year, month, day)) {
        return false;
    }
    if (year * 10000 + month * 100 + day > today) {
        return false;
    }
    return id_util_luhn_ok(v + 2, 10);
}

/*
 * id_national_se_personnummer() with an explicit "today" as YYYYMMDD, so tests (which #include this
 * file) can pin the century inference of the short forms without any global switch.
 */
static enum lw_rc
se_personnummer_at(struct lw_slice in, unsigned long today, char *out, size_t *out_len)
{
    enum se_form form;

    in = lw_slice_trim(in);
    if (in.len < 10 || in.len > 13) {
        return id_util_reject(out, 0, out_len);
    }
    form = se_copy(in, out);
    if (form == SE_FORM_INVALID) {
        return id_util_reject(out, SE_LEN, out_len);
    }
    if (form != SE_FORM_LONG) {
        unsigned long day = num(out + 6, 2);
        unsigned long mmdd = num(out + 4, 2) * 100 + (day > 60 ? day - 60 : day);
        unsigned long year = se_year(num(out + 2, 2), mmdd, form == SE_FORM_SHORT_PLUS, today);

        put2(out, year / 100);
    }
    out[SE_LEN] = '\0';
    if (!se_valid(out, today)) {
        return id_util_reject(out, SE_LEN, out_len);
    }
    return id_util_accept(out, SE_LEN, out_len);
}

/* Today's date (UTC) as YYYYMMDD. A day's error around midnight only matters for someone whose
 * 100th birthday it is, written without the `+` that would settle it anyway. */
static unsigned long
today_yyyymmdd(void)
{
    time_t now = time(NULL);
    struct tm tm;

    if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL) {
        return 20250101; /* the clock is broken; any plausible date beats rejecting everything */
    }
    return (unsigned long)(tm.tm_year + 1900) * 10000 + (unsigned long)(tm.tm_mon + 1) * 100 +
           (unsigned long)tm.tm_mday;
}

enum lw_rc
id_national_se_personnummer(struct lw_slice in, const struct id_context *ctx, char *out,
                            size_t *out_len)
{
    (void)ctx;
    return se_personnummer_at(in, today_yyyymmdd(), out, out_len);
}

/* ---- no_fodselsnummer ----------------------------------------------------------------------- */

/* A mod-11 check digit over n digits with weights w: 11 - sum % 11, where 11 means 0 and 10 means
 * that no valid number has these digits (-1). */
static int
no_check_digit(const char *p, const unsigned char *w, size_t n)
{
    unsigned long sum = 0;
    unsigned long k;

    for (size_t i = 0; i < n; i++) {
        sum += (unsigned long)(p[i] - '0') * w[i];
    }
    k = 11 - sum % 11;
    if (k == 11) {
        return 0;
    }
    return k == 10 ? -1 : (int)k;
}

/* The first year of the birth century from the individual number and YY, or 0 for a combination
 * that is never issued. */
static unsigned long
no_century(unsigned long individual, unsigned long yy)
{
    if (individual <= 499) {
        return 1900;
    }
    if (individual <= 749 && yy >= 54) {
        return 1800;
    }
    if (yy <= 39) {
        return 2000;
    }
    if (individual >= 900) {
        return 1900;
    }
    return 0;
}

/*
 * v: DDMMYYIIICC. Offsets are removed before the date check: a D-number (foreign nationals) adds 4
 * to the first day digit (day 41–71); an H-number (temporary health-service number) adds 40 to the
 * month; the Norwegian synthetic test registry (Tenor) adds 80 to the month, also on D-numbers.
 * Test numbers are accepted because leaked test databases are still leaks worth matching, and a
 * clinic's own test data may be enrolled. D and H at once is never issued.
 */
static bool
no_valid(const char *v)
{
    static const unsigned char w1[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
    static const unsigned char w2[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    unsigned long day = num(v, 2);
    unsigned long month = num(v + 2, 2);
    unsigned long yy = num(v + 4, 2);
    unsigned long century = no_century(num(v + 6, 3), yy);
    bool d_number = day > 40;

    if (no_check_digit(v, w1, 9) != v[9] - '0' || no_check_digit(v, w2, 10) != v[10] - '0') {
        return false;
    }
    if (d_number) {
        day -= 40;
    }
    if (month > 80) {
        month -= 80;
    } else if (month > 40) {
        if (d_number) {
            return false;
        }
        month -= 40;
    }
    return century != 0 && valid_date(century + yy, month, day);
}

/* 11 digits, or DDMMYY and IIICC separated by one space. */
enum lw_rc
id_national_no_fodselsnummer(struct lw_slice in, const struct id_context *ctx, char *out,
                             size_t *out_len)
{
    size_t o = 0;

    (void)ctx;
    in = lw_slice_trim(in);
    if (in.len != NO_LEN && !(in.len == NO_LEN + 1 && in.p[6] == ' ')) {
        return id_util_reject(out, 0, out_len);
    }
    for (size_t i = 0; i < in.len; i++) {
        if (in.len == NO_LEN + 1 && i == 6) {
            continue;
        }
        out[o++] = in.p[i];
    }
    out[NO_LEN] = '\0';
    if (!id_util_all_digits(out, NO_LEN) || !no_valid(out)) {
        return id_util_reject(out, NO_LEN, out_len);
    }
    return id_util_accept(out, NO_LEN, out_len);
}

/* ---- dk_cpr --------------------------------------------------------------------------------- */

/* The first year of the birth century from the 7th digit and YY (the CPR office's table), or 0. */
static unsigned long
dk_century(char seventh, unsigned long yy)
{
    switch (seventh) {
    case '0':
    case '1':
    case '2':
    case '3': return 1900;
    case '4':
    case '9': return yy <= 36 ? 2000 : 1900;
    case '5':
    case '6':
    case '7':
    case '8': return yy <= 57 ? 2000 : 1800;
    default: return 0;
    }
}

/*
 * DDMMYY-SSSS or 10 digits. Only the date and its century are checked: the modulus-11 rule was
 * dropped in 2007 and numbers failing it are in use, so any serial is accepted. A valid date is
 * true of about one random 10-digit string in three, so this kind is ID_KIND_CONTEXT_ONLY: the
 * extractors only try it on values from a column or key labelled as a CPR number.
 */
enum lw_rc
id_national_dk_cpr(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    size_t o = 0;
    unsigned long yy;
    unsigned long century;

    (void)ctx;
    in = lw_slice_trim(in);
    if (in.len != DK_LEN && !(in.len == DK_LEN + 1 && in.p[6] == '-')) {
        return id_util_reject(out, 0, out_len);
    }
    for (size_t i = 0; i < in.len; i++) {
        if (in.len == DK_LEN + 1 && i == 6) {
            continue;
        }
        out[o++] = in.p[i];
    }
    out[DK_LEN] = '\0';
    if (!id_util_all_digits(out, DK_LEN)) {
        return id_util_reject(out, DK_LEN, out_len);
    }
    yy = num(out + 4, 2);
    century = dk_century(out[6], yy);
    if (century == 0 || !valid_date(century + yy, num(out + 2, 2), num(out, 2))) {
        return id_util_reject(out, DK_LEN, out_len);
    }
    return id_util_accept(out, DK_LEN, out_len);
}
