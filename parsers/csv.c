/*
 * parsers/csv.c — delimiter-separated tables: CSV, TSV, and the `;` and `|` exports of Nordic Excel
 * and of database tools.
 *
 * Sniffing looks at up to SAMPLE_ROWS rows of the head, cut quote-aware, and counts each candidate
 * delimiter (TAB | ; ,) outside quotes per row. A delimiter is consistent when one count >= 1 (the
 * mode) covers at least 80% of the rows. Among consistent delimiters the one covering more rows
 * wins; on a tie the earlier in the order TAB | ; , wins unless a later one is far more frequent
 * (more than twice as many per row, plus one). That order is what real files need: a Nordic Excel
 * export "Matti;1,5;2,0" has as many commas as semicolons in every row, a TSV column "Doe, John"
 * puts a comma in every row. The same analysis runs again in open() to choose the delimiter and to
 * decide whether row 1 is a header: cells that look like names (non-empty, not numbers, few
 * digits, no '@', mostly distinct) and either one of them is a known column name
 * (identifiers_hint_kinds) or row 2 differs in shape (digits or '@' under a word). Excel's
 * "sep=;" first line, when present, names the delimiter and is skipped.
 *
 * The score: 0 for input that opens like JSON, HTML/XML or SQL, for binary, and without a
 * consistent delimiter; 15 for one row and 40 for two; from three rows 60, +10 when every row
 * agrees, +10 for a header naming identifier kinds, +10 for a "sep=" line, +5 for a .csv/.tsv/.tab
 * name, at most 85. Two columns without a header stay at 60: "login;password" lines are the combo
 * parser's, which scores 70 and more for them.
 *
 * Parsing is a byte-at-a-time state machine over the reader's window (LINE_START, FIELD_START,
 * UNQUOTED, QUOTED, QUOTE_SEEN) so a record may span any number of windows and newlines inside
 * quotes need no look-ahead. Runs of ordinary bytes are found with a scan or memchr and appended
 * in one call. RFC 4180 plus what real exports do: CRLF, LF or a lone CR ends a record; a quote
 * inside an unquoted field is an ordinary byte; text after a closing quote is kept; empty lines and
 * rows of empty cells are skipped. Header names are trimmed and, when not clean UTF-8 (a
 * Windows-1252 export), transcoded so column-name hints work; values are left as they are.
 *
 * Limits: a value is kept up to field_max (then cut, counted, and the rest of the field skipped up
 * to its end, a closing quote included); a record's values up to record_max and its fields up to
 * fields_max (then cut, counted, and the rest of the record skipped up to its end). A quote still
 * open at the end of the input ends the last field there and the record counts as cut.
 *
 * The alternative rejected: reading lines with reader_line() and splitting them. A quoted field
 * may hold newlines, so a line is not a record, and re-joining lines would need a second buffer
 * and a second pass over every byte.
 */
#include "parsers/parser.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "parsers/encoding.h"
#include "parsers/identifiers.h"

#define SAMPLE_ROWS 50
#define N_DELIMS 4
#define HEADER_CELLS_MAX 64 /* header analysis looks at this many cells */
#define HEADER_CELL_MAX 64  /* a longer cell is not a column name */
#define NAME_MAX_BYTES 256  /* a header name is kept up to this many bytes */

/* Candidate delimiters in order of preference on a tie (see the design comment). */
static const char delims[N_DELIMS] = {'\t', '|', ';', ','};

/* ---- sniffing and the header decision ---- */

struct sample {
    size_t rows;
    struct lw_slice row[SAMPLE_ROWS];
    unsigned count[SAMPLE_ROWS][N_DELIMS];
};

struct analysis {
    char delim;
    bool consistent; /* a delimiter with a consistent count >= 1 was found */
    bool all_equal;  /* ... and every sampled row has that count */
    unsigned mode;   /* delimiters per row */
    size_t rows;
    bool header;
    bool header_hint; /* a header cell names an identifier kind */
    bool sep_line;    /* the input starts with Excel's "sep=;" line */
};

static int
delim_index(char c)
{
    for (int d = 0; d < N_DELIMS; d++) {
        if (delims[d] == c) {
            return d;
        }
    }
    return -1;
}

/* Scan one row from head.p[*i]: count delimiters outside quotes into cnt; *i ends at the newline
 * or the end. A quote opens a quoted part only at the start of a field. */
static void
sample_row(struct lw_slice head, size_t *i, unsigned cnt[N_DELIMS])
{
    bool quoted = false;
    bool field_start = true;

    for (; *i < head.len; (*i)++) {
        char c = head.p[*i];
        int d;

        if (quoted) {
            if (c == '"' && *i + 1 < head.len && head.p[*i + 1] == '"') {
                (*i)++;
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (c == '\n' || c == '\r') {
            return;
        }
        d = delim_index(c);
        if (d >= 0) {
            cnt[d]++;
            field_start = true;
            continue;
        }
        if (c == '"' && field_start) {
            quoted = true;
        }
        field_start = false;
    }
}

/* Cut head into non-empty rows (when the head is cut short, its unfinished last row is dropped). */
static void
sample_rows(struct lw_slice head, bool cut, struct sample *s)
{
    size_t i = 0;
    bool last_open = false;

    s->rows = 0;
    while (i < head.len && s->rows < SAMPLE_ROWS) {
        size_t start = i;

        if (head.p[i] == '\n' || head.p[i] == '\r') {
            i++;
            continue;
        }
        memset(s->count[s->rows], 0, sizeof(s->count[s->rows]));
        sample_row(head, &i, s->count[s->rows]);
        s->row[s->rows++] = lw_slice_make(head.p + start, i - start);
        last_open = i >= head.len;
    }
    if (last_open && cut && s->rows > 1) {
        s->rows--;
    }
}

/* The most frequent count of delimiter d over the rows (the larger on a tie); *freq its rows. */
static unsigned
count_mode(const struct sample *s, int d, size_t *freq)
{
    unsigned best = 0;

    *freq = 0;
    for (size_t i = 0; i < s->rows; i++) {
        size_t n = 0;

        for (size_t j = 0; j < s->rows; j++) {
            n += s->count[j][d] == s->count[i][d];
        }
        if (n > *freq || (n == *freq && s->count[i][d] > best)) {
            *freq = n;
            best = s->count[i][d];
        }
    }
    return best;
}

static void
choose_delim(const struct sample *s, struct analysis *an)
{
    size_t best_freq = 0;

    for (int d = 0; d < N_DELIMS; d++) {
        size_t freq;
        unsigned mode = count_mode(s, d, &freq);

        if (mode == 0 || freq * 5 < s->rows * 4) {
            continue;
        }
        if (!an->consistent || freq > best_freq || (freq == best_freq && mode > 2 * an->mode + 1)) {
            an->consistent = true;
            an->delim = delims[d];
            an->mode = mode;
            best_freq = freq;
        }
    }
    an->all_equal = an->consistent && best_freq == s->rows;
}

/* Cut row into at most max cells at delim (quote-aware), each trimmed and unquoted. */
static size_t
split_cells(struct lw_slice row, char delim, struct lw_slice *cells, size_t max)
{
    size_t n = 0;
    size_t i = 0;

    while (n < max) {
        size_t start = i;
        bool quoted = i < row.len && row.p[i] == '"';
        struct lw_slice c;

        for (i += quoted; i < row.len; i++) {
            if (quoted && row.p[i] == '"') {
                quoted = i + 1 < row.len && row.p[i + 1] == '"';
                i += quoted;
            } else if (!quoted && row.p[i] == delim) {
                break;
            }
        }
        c = lw_slice_trim(lw_slice_make(row.p + start, i - start));
        if (c.len > 0 && c.p[0] == '"') {
            c.p++;
            c.len--;
            c.len -= c.len > 0 && c.p[c.len - 1] == '"';
        }
        cells[n++] = c;
        if (i >= row.len) {
            break;
        }
        i++;
    }
    return n;
}

/* The kinds a column name suggests, reading a name that is not clean UTF-8 as Windows-1252. */
static unsigned
name_hints(struct lw_slice name)
{
    struct lw_buf u;
    unsigned kinds;

    if (encoding_is_clean(name)) {
        return identifiers_hint_kinds(name);
    }
    lw_buf_init(&u, 3 * HEADER_CELL_MAX);
    (void)encoding_to_utf8(name, &u); /* a prefix is fine for a hint */
    kinds = identifiers_hint_kinds(lw_buf_slice(&u));
    lw_buf_free(&u);
    return kinds;
}

static size_t
count_digits(struct lw_slice s)
{
    size_t n = 0;

    for (size_t i = 0; i < s.len; i++) {
        n += lw_ascii_is_digit(s.p[i]);
    }
    return n;
}

static bool
has_digit_or_at(struct lw_slice s)
{
    return count_digits(s) > 0 || memchr(s.p, '@', s.len) != NULL;
}

/* Digits with the signs, separators and punctuation of numbers, dates and times only. */
static bool
numeric(struct lw_slice c)
{
    for (size_t i = 0; i < c.len; i++) {
        if (!lw_ascii_is_digit(c.p[i]) && strchr(" +-.,:/", c.p[i]) == NULL) {
            return false;
        }
    }
    return count_digits(c) > 0;
}

/* Could this cell be a column name? (Never anything an identifier could hide in: few digits.) */
static bool
name_like(struct lw_slice c)
{
    return c.len <= HEADER_CELL_MAX && count_digits(c) <= 2 && !numeric(c) &&
           memchr(c.p, '@', c.len) == NULL;
}

/* Is the first sampled row a header? (See the design comment.) */
static void
decide_header(const struct sample *s, struct analysis *an)
{
    struct lw_slice h[HEADER_CELLS_MAX];
    struct lw_slice d[HEADER_CELLS_MAX];
    size_t nh, nd = 0, nonempty = 0, dup = 0;
    bool differs = false;
    bool hint = false;

    nh = split_cells(s->row[0], an->delim, h, HEADER_CELLS_MAX);
    while (nh > 1 && h[nh - 1].len == 0) {
        nh--; /* Excel's trailing empty columns: "Nimi;Puhelin;;" */
    }
    for (size_t i = 0; i < nh; i++) {
        if (!name_like(h[i])) {
            return;
        }
        if (h[i].len == 0) {
            continue;
        }
        nonempty++;
        for (size_t j = 0; j < i; j++) {
            if (lw_slice_eq_ci(h[i], h[j])) {
                dup++; /* once per repeated cell, so dup <= nonempty */
                break;
            }
        }
    }
    if (nonempty == 0 || nonempty * 4 < nh * 3 || (nonempty - dup) * 5 < nonempty * 4) {
        return;
    }
    for (size_t i = 0; i < nh && !hint; i++) {
        hint = h[i].len > 0 && name_hints(h[i]) != 0; /* the costly test last, and once */
    }
    if (s->rows > 1) {
        nd = split_cells(s->row[1], an->delim, d, HEADER_CELLS_MAX);
    }
    for (size_t i = 0; i < nh && i < nd; i++) {
        differs = differs || (has_digit_or_at(d[i]) && !has_digit_or_at(h[i]));
    }
    an->header_hint = hint;
    an->header = hint || differs;
}

/* Excel's first line "sep=;" names the delimiter; *len gets the line's length, newline included. */
static bool
sep_line(struct lw_slice head, char *delim, size_t *len)
{
    size_t i = 5;

    if (head.len < 5 || !lw_slice_eq_ci(lw_slice_make(head.p, 4), LW_SLICE_LIT("sep=")) ||
        delim_index(head.p[4]) < 0) {
        return false;
    }
    i += i < head.len && head.p[i] == '\r';
    if (i < head.len && head.p[i] != '\n') {
        return false;
    }
    *delim = head.p[4];
    *len = i < head.len ? i + 1 : i;
    return true;
}

static void
analyse(struct lw_slice head, struct analysis *an)
{
    struct sample *s = lw_xcalloc(1, sizeof(*s));
    size_t skip = 0;

    memset(an, 0, sizeof(*an));
    an->delim = ',';
    an->sep_line = sep_line(head, &an->delim, &skip);
    sample_rows(lw_slice_make(head.p + skip, head.len - skip), head.len >= READER_PEEK_MAX, s);
    an->rows = s->rows;
    if (s->rows > 0 && an->sep_line) {
        size_t freq;

        an->mode = count_mode(s, delim_index(an->delim), &freq);
        an->consistent = true; /* the file says so */
        an->all_equal = freq == s->rows;
        decide_header(s, an);
    } else if (s->rows > 0) {
        choose_delim(s, an);
        if (!an->consistent) {
            /* a table of one column, or one row: the most frequent delimiter of row 1, else ',' */
            unsigned most = 0;

            for (int d = 0; d < N_DELIMS; d++) {
                if (s->count[0][d] > most) {
                    most = s->count[0][d];
                    an->delim = delims[d];
                }
            }
        }
        decide_header(s, an);
    }
    free(s);
}

/* Does head start like a format whose own parser should have it (JSON, HTML/XML, SQL)? */
static bool
starts_like_other(struct lw_slice head)
{
    static const char *const sql[] = {"--",    "/*",      "insert ", "create ", "drop ",
                                      "set ",  "use ",    "lock ",   "begin;",  "begin ",
                                      "copy ", "select ", "alter ",  NULL};
    size_t i = 0;

    while (i < head.len &&
           (head.p[i] == ' ' || head.p[i] == '\t' || head.p[i] == '\r' || head.p[i] == '\n')) {
        i++;
    }
    if (i < head.len && (head.p[i] == '{' || head.p[i] == '[' || head.p[i] == '<')) {
        return true;
    }
    for (size_t k = 0; sql[k] != NULL; k++) {
        size_t n = strlen(sql[k]);

        if (head.len - i >= n &&
            lw_slice_eq_ci(lw_slice_make(head.p + i, n), lw_slice_make(sql[k], n))) {
            return true;
        }
    }
    return false;
}

/* More than 1% control bytes other than \t \n \r (NUL included): binary, not a table. */
static bool
binaryish(struct lw_slice head)
{
    size_t bad = 0;

    for (size_t i = 0; i < head.len; i++) {
        unsigned char c = (unsigned char)head.p[i];

        bad += c < 0x20 && c != '\t' && c != '\n' && c != '\r';
    }
    return bad * 100 > head.len;
}

static bool
ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && lw_slice_eq_ci(lw_slice_make(s + n - m, m), lw_slice_make(suffix, m));
}

static int
sniff(struct lw_slice head, const char *name_hint)
{
    struct analysis an;
    bool named =
        name_hint != NULL && (ends_with_ci(name_hint, ".csv") || ends_with_ci(name_hint, ".tsv") ||
                              ends_with_ci(name_hint, ".tab"));
    int score;

    if (head.len == 0 || starts_like_other(head) || binaryish(head)) {
        return 0;
    }
    analyse(head, &an);
    if (!an.consistent) {
        return 0;
    }
    if (an.rows < 3) {
        return (an.rows == 1 ? 15 : 40) + (named ? 15 : 0) + (an.sep_line ? 20 : 0);
    }
    score = 60 + (an.all_equal ? 10 : 0) + (an.header_hint ? 10 : 0) + (named ? 5 : 0) +
            (an.sep_line ? 10 : 0);
    if (an.mode == 1 && !an.header && score > 60) {
        score = 60; /* two columns without a header: leave "login;password" to the combo parser */
    }
    return score > 85 ? 85 : score;
}

/* ---- parsing ---- */

enum state { LINE_START, FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN };

struct span {
    size_t start, len;
};

struct parser {
    struct reader *r;
    struct parse_limits lim;
    struct parse_stats *st; /* the caller's, during next() */
    char delim;
    bool sep_pending;    /* the first record is Excel's "sep=;" line */
    bool header_pending; /* the first record (after that) is the header */
    enum state state;
    bool done;     /* the current record is complete */
    bool skipping; /* the record was cut: drop the rest up to its end */
    bool field_open;
    bool field_cut;
    bool rec_cut;
    uint64_t rec_offset;
    struct lw_buf vals; /* the record's values, back to back (max record_max) */
    struct span *spans; /* the record's fields */
    size_t n_spans, cap_spans;
    struct record_field *fields;
    size_t cap_fields;
    struct lw_buf names; /* header names, back to back */
    struct span *name_spans;
    size_t n_names;
};

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    struct parser *p = lw_xcalloc(1, sizeof(*p));
    struct lw_slice head;
    struct analysis an;

    (void)err;
    p->r = r;
    p->lim = *lim;
    if (p->lim.fields_max == 0) {
        p->lim.fields_max = 1;
    }
    p->delim = ',';
    if (reader_peek(r, READER_PEEK_MAX, &head) == LW_OK) {
        analyse(head, &an);
        p->delim = an.delim;
        p->header_pending = an.header;
        p->sep_pending = an.sep_line;
    }
    lw_buf_init(&p->vals, p->lim.record_max);
    lw_buf_init(&p->names, p->lim.record_max);
    *out = p;
    return LW_OK;
}

static void
cut_record(struct parser *p)
{
    if (!p->skipping) {
        p->skipping = true;
        p->rec_cut = true;
        p->st->cut_records++;
    }
}

static void
begin_field(struct parser *p)
{
    if (p->skipping) {
        return;
    }
    if (p->n_spans == p->lim.fields_max) {
        cut_record(p);
        return;
    }
    if (p->n_spans == p->cap_spans) {
        p->spans = lw_xgrowarray(p->spans, &p->cap_spans, p->n_spans + 1, p->lim.fields_max,
                                 sizeof(*p->spans));
    }
    p->spans[p->n_spans].start = p->vals.len;
    p->spans[p->n_spans].len = 0;
    p->n_spans++;
    p->field_open = true;
    p->field_cut = false;
}

static void
end_field(struct parser *p)
{
    if (p->field_open) {
        struct span *sp = &p->spans[p->n_spans - 1];

        sp->len = p->vals.len - sp->start;
        p->field_open = false;
    }
}

/* Append n value bytes to the open field, within field_max and record_max. */
static void
put(struct parser *p, const char *s, size_t n)
{
    size_t flen, room;

    if (!p->field_open || p->skipping || n == 0) {
        return;
    }
    flen = p->vals.len - p->spans[p->n_spans - 1].start;
    if (n > p->lim.field_max - flen) {
        n = p->lim.field_max - flen;
        if (!p->field_cut) {
            p->field_cut = true;
            p->rec_cut = true;
            p->st->cut_fields++;
        }
    }
    room = p->vals.max - p->vals.len;
    if (n > room) {
        (void)lw_buf_append(&p->vals, s, room);
        cut_record(p);
        return;
    }
    (void)lw_buf_append(&p->vals, s, n); /* fits: checked above */
}

static void
end_record(struct parser *p)
{
    end_field(p);
    p->state = LINE_START;
    p->done = true;
}

/* Length of the run of ordinary bytes (not a delimiter, quote-free or not, nor CR/LF) at s. */
static size_t
plain_run(const struct parser *p, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && s[i] != p->delim && s[i] != '\n' && s[i] != '\r') {
        i++;
    }
    return i;
}

/* One step of the state machine from s[0]; returns the bytes used. */
static size_t
step(struct parser *p, const char *s, size_t n, uint64_t at)
{
    size_t k;
    const char *q;

    switch (p->state) {
    case LINE_START:
        if (s[0] == '\n' || s[0] == '\r') {
            return 1;
        }
        p->rec_offset = at;
        p->state = FIELD_START;
        return 0;
    case FIELD_START:
        begin_field(p);
        p->state = s[0] == '"' ? QUOTED : UNQUOTED;
        return s[0] == '"' ? 1 : 0;
    case UNQUOTED:
        k = plain_run(p, s, n);
        put(p, s, k);
        if (k == n) {
            return k;
        }
        if (s[k] == p->delim) {
            end_field(p);
            p->state = FIELD_START;
        } else {
            end_record(p);
        }
        return k + 1;
    case QUOTED:
        q = memchr(s, '"', n);
        k = q != NULL ? (size_t)(q - s) : n;
        put(p, s, k);
        if (q != NULL) {
            p->state = QUOTE_SEEN;
            return k + 1;
        }
        return k;
    case QUOTE_SEEN:
        if (s[0] == '"') {
            put(p, s, 1);
            p->state = QUOTED;
            return 1;
        }
        p->state = UNQUOTED; /* a delimiter or newline ends the field there; other text is kept */
        return 0;
    }
    return n;
}

/* True when the record holds nothing but empty or blank values. */
static bool
record_blank(const struct parser *p)
{
    return p->vals.len == 0 || lw_slice_trim(lw_buf_slice(&p->vals)).len == 0;
}

static void
reset_record(struct parser *p)
{
    lw_buf_reset(&p->vals);
    p->n_spans = 0;
    p->done = p->skipping = p->field_open = p->field_cut = p->rec_cut = false;
}

/* Keep the header row's cells as column names. */
static void
take_header(struct parser *p)
{
    lw_buf_reset(&p->names);
    p->name_spans =
        lw_xreallocarray(p->name_spans, p->n_spans > 0 ? p->n_spans : 1, sizeof(*p->name_spans));
    p->n_names = p->n_spans;
    for (size_t i = 0; i < p->n_spans; i++) {
        struct lw_slice v = lw_slice_make(p->vals.data + p->spans[i].start, p->spans[i].len);

        v = lw_slice_trim(v);
        if (v.len > NAME_MAX_BYTES) {
            v.len = NAME_MAX_BYTES;
        }
        p->name_spans[i].start = p->names.len;
        if (encoding_is_clean(v)) {
            (void)lw_buf_append(&p->names, v.p, v.len);
        } else {
            (void)encoding_to_utf8(v, &p->names);
        }
        p->name_spans[i].len = p->names.len - p->name_spans[i].start;
    }
}

static void
fill_record(struct parser *p, struct record *rec)
{
    if (p->n_spans > p->cap_fields) {
        p->fields = lw_xgrowarray(p->fields, &p->cap_fields, p->n_spans, p->lim.fields_max,
                                  sizeof(*p->fields));
    }
    for (size_t i = 0; i < p->n_spans; i++) {
        struct record_field *f = &p->fields[i];

        f->name = lw_slice_make(NULL, 0);
        if (i < p->n_names && p->name_spans[i].len > 0) {
            f->name = lw_slice_make(p->names.data + p->name_spans[i].start, p->name_spans[i].len);
        }
        f->value = lw_slice_make(p->vals.data != NULL ? p->vals.data + p->spans[i].start : "",
                                 p->spans[i].len);
        f->role = FIELD_ROLE_NONE;
    }
    rec->fields = p->fields;
    rec->n_fields = p->n_spans;
    rec->offset = p->rec_offset;
    rec->cut = p->rec_cut;
}

/* The input ended: finish the record in progress, if any. False when there is none. */
static bool
finish_at_eof(struct parser *p)
{
    if (p->state == LINE_START) {
        return false;
    }
    if (p->state == FIELD_START) {
        begin_field(p); /* "a,b," ends with an empty field */
    }
    if (p->state == QUOTED) {
        p->rec_cut = true; /* an unterminated quote: what was read is the last field */
        if (!p->skipping) {
            p->st->cut_records++;
        }
    }
    end_record(p);
    return true;
}

/* Run the state machine until a record is complete or the input ends. */
static enum lw_rc
read_record(struct parser *p, bool *eof, struct lw_error *err)
{
    *eof = false;
    while (!p->done) {
        struct lw_slice avail;
        size_t i = 0;
        uint64_t base = reader_offset(p->r);
        enum lw_rc rc = reader_fill(p->r, &avail);

        if (rc != LW_OK) {
            return lw_error_set(err, rc, "reading %s failed", reader_name(p->r));
        }
        if (avail.len == 0) {
            *eof = !finish_at_eof(p);
            return LW_OK;
        }
        while (i < avail.len && !p->done) {
            i += step(p, avail.p + i, avail.len - i, base + i);
        }
        reader_consume(p->r, i);
    }
    return LW_OK;
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    p->st = st;
    for (;;) {
        bool eof;
        enum lw_rc rc;

        reset_record(p);
        rc = read_record(p, &eof, err);
        if (rc != LW_OK) {
            return rc;
        }
        if (eof) {
            return LW_ERR_NOT_FOUND;
        }
        if (record_blank(p)) {
            continue;
        }
        if (p->sep_pending) {
            p->sep_pending = false;
            continue;
        }
        if (p->header_pending) {
            p->header_pending = false;
            take_header(p);
            continue;
        }
        fill_record(p, rec);
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
    lw_buf_free(&p->vals);
    lw_buf_free(&p->names);
    free(p->spans);
    free(p->fields);
    free(p->name_spans);
    free(p);
}

const struct parser_ops parser_csv = {"csv", sniff, open_, next, close_};
