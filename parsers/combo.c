/*
 * parsers/combo.c — combo lists: one credential per line, `login:password`, `login;password`,
 * `login|password` or `login<TAB>password`, and the stealer-log form `URL:login:password`.
 *
 * Each line is split at the first separator: a login (usually an e-mail, sometimes a user name or
 * a phone number) never holds one, a password may, so everything after it is the password. A
 * record is {"login", value} and, when the password is not empty, {"password", value, role
 * FIELD_ROLE_PASSWORD} — never scanned for identifiers. A line starting `scheme://` first gives a
 * {"url", value} field: the URL ends at the first separator that is not a port (":8443/").
 * A line holding only an e-mail address gives a login alone; any other line without a separator,
 * with an empty login, or with a login holding spaces that is not a phone number is noise: skipped
 * and counted as bad. Empty lines and `#` comments are skipped.
 *
 * Sniffing asks that most (>= 80%) of the first lines split into a login without spaces and a
 * password, that at least half of those logins hold an '@', and that the lines are not a table:
 * the same separator the same number of times in every password is a CSV, not passwords.
 *
 * Limits: a line is read up to line_max (the rest skipped and counted in cut_lines); each value is
 * cut at field_max (cut_fields), and the record at record_max or fields_max (cut_records).
 *
 * The alternative rejected: splitting at the last separator (a password never holds one, a login
 * may). Passwords hold ':' and ';' far more often than logins do, and a user name with a separator
 * is rare enough that losing it is cheaper than losing every password's tail into the login.
 */
#include "parsers/parser.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"

#define SNIFF_LINES 30
#define LOGIN_MAX 256 /* a longer first column is not a login (sniffing) */
#define SCHEME_MAX 16 /* longest URL scheme recognised before "://" */

static bool
is_sep(char c)
{
    return c == ':' || c == ';' || c == '|' || c == '\t';
}

/* Index of the first separator in s at or after from, or s.len. */
static size_t
find_sep(struct lw_slice s, size_t from)
{
    while (from < s.len && !is_sep(s.p[from])) {
        from++;
    }
    return from;
}

static bool
has_space(struct lw_slice s)
{
    return memchr(s.p, ' ', s.len) != NULL;
}

/* Does s start with "scheme://"? Returns the index after "//", or 0. */
static size_t
url_scheme(struct lw_slice s)
{
    size_t i = 0;

    if (s.len == 0 || !lw_ascii_is_alpha(s.p[0])) {
        return 0;
    }
    while (i < s.len && i <= SCHEME_MAX &&
           (lw_ascii_is_alnum(s.p[i]) || s.p[i] == '+' || s.p[i] == '.' || s.p[i] == '-')) {
        i++;
    }
    if (i + 3 <= s.len && memcmp(s.p + i, "://", 3) == 0) {
        return i + 3;
    }
    return 0;
}

/* Where the URL that line starts with ends (a separator that is not a port), or 0 for no URL. */
static size_t
url_end(struct lw_slice s)
{
    size_t i = url_scheme(s);

    if (i == 0) {
        return 0;
    }
    for (;;) {
        size_t j;

        i = find_sep(s, i);
        if (i == s.len || s.p[i] != ':') {
            return i;
        }
        j = i + 1;
        while (j < s.len && j - i <= 5 && lw_ascii_is_digit(s.p[j])) {
            j++;
        }
        if (j == i + 1 || j >= s.len || s.p[j] != '/') {
            return i;
        }
        i = j; /* ":8443/" is a port */
    }
}

/* An e-mail address alone on its line: local@domain.tld, no spaces or separators. */
static bool
email_alone(struct lw_slice s)
{
    const char *at = memchr(s.p, '@', s.len);
    size_t local, dot = 0;

    if (at == NULL || s.len > LOGIN_MAX || has_space(s) || find_sep(s, 0) != s.len) {
        return false;
    }
    local = (size_t)(at - s.p);
    for (size_t i = local + 1; i < s.len; i++) {
        if (s.p[i] == '@') {
            return false;
        }
        if (s.p[i] == '.') {
            dot = i;
        }
    }
    return local > 0 && dot > local + 1 && dot + 1 < s.len;
}

/* A login holding spaces is acceptable only as a phone number: "+358 40 123 4567". */
static bool
phone_like(struct lw_slice s)
{
    size_t digits = 0;

    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];

        if (lw_ascii_is_digit(c)) {
            digits++;
        } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
            return false;
        }
    }
    return digits >= 6;
}

/* ---- sniffing ---- */

struct sniff_line {
    bool matched, at;
    char sep;
    size_t extra; /* further occurrences of sep in the password */
};

/* Judge one non-empty line for sniffing. */
static void
sniff_one(struct lw_slice s, struct sniff_line *out)
{
    size_t u = url_end(s);
    size_t k;
    struct lw_slice login;

    memset(out, 0, sizeof(*out));
    if (u > 0 && u < s.len) {
        s = lw_slice_make(s.p + u + 1, s.len - u - 1); /* URL:login:password */
    }
    k = find_sep(s, 0);
    login = lw_slice_make(s.p, k);
    if (k == 0 || k + 1 >= s.len || k > LOGIN_MAX || has_space(login) ||
        strchr("{[<\"(", login.p[0]) != NULL) {
        return;
    }
    out->matched = true;
    out->at = memchr(login.p, '@', login.len) != NULL;
    out->sep = s.p[k];
    for (size_t i = k + 1; i < s.len; i++) {
        out->extra += s.p[i] == out->sep;
    }
}

/* The next line of head from *i (without CR/LF); false at the end. *open: it ran into the end. */
static bool
head_line(struct lw_slice head, size_t *i, struct lw_slice *line, bool *open)
{
    const char *nl;
    size_t n;

    if (*i >= head.len) {
        return false;
    }
    nl = memchr(head.p + *i, '\n', head.len - *i);
    n = nl != NULL ? (size_t)(nl - (head.p + *i)) : head.len - *i;
    *line = lw_slice_make(head.p + *i, n);
    *open = nl == NULL;
    *i += n + (nl != NULL);
    if (line->len > 0 && line->p[line->len - 1] == '\r') {
        line->len--;
    }
    return true;
}

/* Sum up the sniffed lines into a score (see the design comment). */
static int
sniff_score(const struct sniff_line *l, size_t n)
{
    size_t matched = 0, at = 0, same = 0;
    int score = 70;

    for (size_t i = 0; i < n; i++) {
        matched += l[i].matched;
        at += l[i].at;
        same += l[i].matched && l[0].matched && l[i].sep == l[0].sep && l[i].extra == l[0].extra;
    }
    if (matched == 0 || matched * 5 < n * 4 || at * 2 < matched) {
        return 0;
    }
    if (matched >= 2 && same == n && l[0].extra > 0) {
        return 20; /* the same separator as often in every line: a table */
    }
    score += matched * 10 >= n * 9 ? 10 : 0;
    score += n >= 5 ? 5 : 0;
    score += at == matched ? 5 : 0;
    if (n >= 3 && !l[0].at && at * 10 >= (n - 1) * 9) {
        score -= 15; /* a header row: a table with column names, not a combo list */
    }
    return score > 90 ? 90 : score;
}

static int
sniff(struct lw_slice head, const char *name_hint)
{
    struct sniff_line lines[SNIFF_LINES];
    struct lw_slice line;
    size_t i = 0, n = 0;
    bool open = false;

    (void)name_hint;
    while (n < SNIFF_LINES && head_line(head, &i, &line, &open)) {
        line = lw_slice_trim(line);
        if (line.len == 0 || line.p[0] == '#') {
            continue;
        }
        if (open && n > 0 && head.len >= READER_PEEK_MAX) {
            break; /* cut by the end of the head: not a whole line */
        }
        sniff_one(line, &lines[n++]);
    }
    return n == 0 ? 0 : sniff_score(lines, n);
}

/* ---- parsing ---- */

struct parser {
    struct reader *r;
    struct parse_limits lim;
    struct lw_buf line;
    struct record_field fields[3];
};

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    struct parser *p = lw_xcalloc(1, sizeof(*p));

    (void)err;
    p->r = r;
    p->lim = *lim;
    if (p->lim.fields_max == 0) {
        p->lim.fields_max = 1; /* a record has a login at least */
    }
    lw_buf_init(&p->line, lim->line_max);
    *out = p;
    return LW_OK;
}

/* A record being filled: what is left of record_max, and whether the record was cut there. */
struct fill {
    struct record *rec;
    struct record_field *fields;
    size_t budget;
    bool counted; /* the record's cut is counted in cut_records */
    const struct parse_limits *lim;
    struct parse_stats *st;
};

static void
cut_record(struct fill *f)
{
    f->rec->cut = true;
    if (!f->counted) {
        f->counted = true;
        f->st->cut_records++;
    }
}

/* Add a field, cutting its value at field_max and at what is left of record_max; past fields_max
 * or with nothing left of record_max the field is dropped and the record counts as cut. */
static void
add_field(struct fill *f, const char *name, struct lw_slice v, enum field_role role)
{
    struct record_field *fld;

    if (f->rec->n_fields == f->lim->fields_max || f->budget == 0) {
        cut_record(f);
        return;
    }
    if (v.len > f->lim->field_max) {
        v.len = f->lim->field_max;
        f->st->cut_fields++;
        f->rec->cut = true;
    }
    if (v.len > f->budget) {
        v.len = f->budget;
        cut_record(f);
    }
    f->budget -= v.len;
    fld = &f->fields[f->rec->n_fields++];
    fld->name = lw_slice_cstr(name);
    fld->value = v;
    fld->role = role;
}

/* Split a non-empty, non-comment line into rec; false if it is noise. */
static bool
split_line(struct parser *p, struct lw_slice s, struct record *rec, struct parse_stats *st)
{
    struct fill f = {rec, p->fields, p->lim.record_max, false, &p->lim, st};
    size_t u = url_end(s);
    struct lw_slice rest = s, login;
    size_t k;

    if (u > 0) {
        if (u >= s.len) {
            return false; /* a URL alone */
        }
        rest = lw_slice_make(s.p + u + 1, s.len - u - 1);
    }
    k = find_sep(rest, 0);
    login = lw_slice_trim(lw_slice_make(rest.p, k));
    if (login.len == 0 || (k == rest.len && !email_alone(login)) ||
        (has_space(login) && !phone_like(login))) {
        return false;
    }
    rec->n_fields = 0;
    if (u > 0) {
        add_field(&f, "url", lw_slice_make(s.p, u), FIELD_ROLE_NONE);
    }
    add_field(&f, "login", login, FIELD_ROLE_NONE);
    if (k + 1 < rest.len) {
        add_field(&f, "password", lw_slice_make(rest.p + k + 1, rest.len - k - 1),
                  FIELD_ROLE_PASSWORD);
    }
    return true;
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    for (;;) {
        uint64_t at = reader_offset(p->r);
        bool cut = false;
        struct lw_slice s;
        enum lw_rc rc = reader_line(p->r, &p->line, &cut);

        if (rc == LW_ERR_NOT_FOUND) {
            return rc;
        }
        if (rc != LW_OK) {
            return lw_error_set(err, rc, "reading %s failed", reader_name(p->r));
        }
        st->cut_lines += cut;
        s = lw_slice_trim(lw_buf_slice(&p->line));
        if (s.len == 0 || s.p[0] == '#') {
            continue;
        }
        rec->fields = p->fields;
        rec->offset = at;
        rec->cut = cut;
        if (!split_line(p, s, rec, st)) {
            st->bad_records++;
            continue;
        }
        if (rec->n_fields == 0) {
            continue; /* record_max 0: nothing fits (counted in cut_records) */
        }
        st->records++;
        return LW_OK;
    }
}

static void
close_(struct parser *p)
{
    if (p == NULL) {
        return;
    }
    lw_buf_free(&p->line);
    free(p);
}

const struct parser_ops parser_combo = {"combo", sniff, open_, next, close_};
