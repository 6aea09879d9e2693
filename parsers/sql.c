/*
 * parsers/sql.c — SQL dumps: MySQL/MariaDB (mysqldump, phpMyAdmin) and PostgreSQL (pg_dump), and
 * what SQLite and SQL Server scripts share with them.
 *
 * Records: every tuple of INSERT/REPLACE … VALUES (…),(…) and every row of a COPY … FROM stdin
 * block; record.offset is the tuple's '(' or the row's first byte. Fields are named from the
 * statement's column list, else from the last CREATE TABLE of that table (a bounded map: at most
 * MAP_TABLES tables and MAP_BYTES of names, each name at most SQL_NAME_MAX bytes; anything beyond
 * is unnamed), else unnamed. Tables are matched by their last name component, ignoring case.
 * Values:
 *   - 'x' and "x" are decoded: doubled quotes; MySQL's backslash escapes (\0 \b \n \r \t \Z, any
 *     other \c is c, \% and \_ stay two characters), or none in a PostgreSQL dump with
 *     standard_conforming_strings (its banner or SET says so), where only E'' strings have
 *     escapes (pg's \b \f \n \r \t \v, octal, \xHH); adjacent strings are concatenated;
 *     introducers (_binary, _utf8mb4, N, E, U&) are dropped; X'4142', 0x4142, b'0101' and 0b0101
 *     become the bytes they spell (their digits count against field_max; what is not all digits
 *     stays as written).
 *   - NULL gives no field (the column still counts for naming); a tuple of NULLs is a record
 *     without fields. Comments between and inside tuples are skipped.
 *   - Anything else — numbers, NOW(), UNHEX('…'), casts — is kept as its source text, trimmed,
 *     strings inside it as written (quotes and escapes included): an expression is not evaluated.
 *   - COPY rows are split at tabs; \N alone is NULL; pg's text-format escapes are decoded. With
 *     CSV, BINARY or DELIMITER options, each line is one unnamed field, undecoded.
 * Everything else (comments of all styles, SET, LOCK, ALTER, CREATE INDEX, functions with $$
 * bodies, …) is skipped without being buffered.
 *
 * The algorithm: one byte-at-a-time state machine over reader_fill()/reader_consume(). The
 * statement grammar (G_*), the lexical helpers (L_*: words, quoted identifiers, comments, skipped
 * strings), the value decoders (V_*, X_*) and the COPY row reader (C_*) are all states of it, so a
 * statement of any size — a 500 MB extended INSERT on one line — needs no more memory than one
 * record (record_max) and the column names. A record is returned the moment its ')' or newline is
 * read, and the machine carries on at the next call.
 *
 * Hostile input: an over-long value is cut (cut_fields) and the rest of it skipped to its end; a
 * tuple past fields_max or record_max is cut (cut_records); input that ends inside a tuple or COPY
 * row gives that record as far as it got, marked cut and counted in cut_records, and so does a
 * tuple broken off by ';' or by a new statement; garbage is skipped to the next ';' or to a line
 * that starts with INSERT, REPLACE, COPY or CREATE followed by a space (also inside a skipped
 * string or comment, and between a tuple's values), so a stray quote in garbage cannot hide the
 * rest of a dump. A value's own string is the exception: by SQL's rules it runs on to its closing
 * quote, so an unterminated one ends the parse with that tuple, cut. bad_records counts VALUES
 * lists that stop making sense (a word or junk where a tuple should start). NUL bytes between
 * statements are padding, and the byte-order mark of a second dump appended to a first is skipped.
 *
 * The alternative rejected: splitting the input into statements first and parsing each. It is
 * simpler to write, but a statement is unbounded (mysqldump writes megabytes per INSERT, a hostile
 * dump makes one line of any size), so it needs either an unbounded buffer or a cut that loses
 * every tuple after it.
 *
 * The files: this one is the machine, the record being built and the ops table;
 * sql_columns.c keeps column names (a statement's list, the CREATE TABLE map); sql_sniff.c
 * scores an input's head; sql_int.h is what they share (struct parser among it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "parsers/parser.h"
#include "parsers/sql_int.h"

#define PROBE_MAX 7 /* longest statement keyword looked for at a line start (REPLACE) */

enum act {
    ACT_NEXT,       /* the byte is used */
    ACT_AGAIN,      /* the state changed; give it the same byte */
    ACT_EMIT,       /* the byte is used and completes a record */
    ACT_EMIT_AGAIN, /* a record is complete; the byte belongs to what follows it */
};

/* ---- bytes ---- */

static bool
is_word_start(unsigned char c)
{
    return sql_is_word(c) && c != '$';
}

static int
hexval(char c)
{
    if (lw_ascii_is_digit(c)) {
        return c - '0';
    }
    c = lw_ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ---- the record being built ---- */

static void
truncate_val(struct parser *p, size_t len)
{
    if (len < p->val.len) {
        lw_wipe(p->val.data + len, p->val.len - len);
        p->val.len = len;
        p->val.data[len] = '\0';
    }
}

static void
cut_record(struct parser *p)
{
    p->rec_cut = true;
    if (!p->rec_counted) {
        p->rec_counted = true;
        p->st->cut_records++;
    }
}

/* Append to the current value within field_max and record_max. */
static void
put(struct parser *p, const char *s, size_t n)
{
    size_t have, room, k;

    if (p->fdrop || n == 0) {
        return;
    }
    have = p->val.len - p->f_off;
    room = p->lim.field_max > have ? p->lim.field_max - have : 0;
    k = n < room ? n : room;
    if (k > p->val.max - p->val.len) {
        (void)lw_buf_append(&p->val, s, p->val.max - p->val.len); /* fits by construction */
        cut_record(p);
        p->rec_full = true;
        p->fdrop = true;
        return;
    }
    (void)lw_buf_append(&p->val, s, k);
    if (k < n) {
        p->st->cut_fields++;
        p->rec_cut = true;
        p->fdrop = true;
    }
}

static void
put1(struct parser *p, char c)
{
    put(p, &c, 1);
}

static void
begin_value(struct parser *p)
{
    p->mode = VM_EMPTY;
    p->depth = 0;
    p->f_off = p->val.len;
    p->fskip = p->rec_full;
    if (!p->fskip && p->nf >= p->lim.fields_max) {
        p->fskip = true;
        cut_record(p);
    }
    p->fdrop = p->fskip;
    p->c_null = false;
    p->c_rawn = 0;
}

static void
begin_record(struct parser *p, uint64_t off)
{
    lw_buf_reset(&p->val);
    p->nf = 0;
    p->col = 0;
    p->rec_off = off;
    p->rec_cut = p->rec_counted = p->rec_full = false;
    begin_value(p);
}

static void
store_field(struct parser *p)
{
    if (p->nf == p->fcap) {
        size_t cap;

        if (!lw_size_mul(p->fcap == 0 ? 8 : p->fcap, 2, &cap) || cap > p->lim.fields_max) {
            cap = p->lim.fields_max;
        }
        p->fv = lw_xreallocarray(p->fv, cap, sizeof(*p->fv));
        p->rf = lw_xreallocarray(p->rf, cap, sizeof(*p->rf));
        p->fcap = cap;
    }
    p->fv[p->nf].off = p->f_off;
    p->fv[p->nf].len = p->val.len - p->f_off;
    p->fv[p->nf].col = p->col;
    p->nf++;
}

/* Decode the hex digits in val[from, len) to bytes in place (an odd count is padded on the left);
 * anything that is not all hex digits stays as it is. */
static void
decode_hex(struct parser *p, size_t from)
{
    char *s = p->val.data + from;
    size_t n = p->val.len - from;
    size_t w = 0, r = 0;

    for (size_t i = 0; i < n; i++) {
        if (hexval(s[i]) < 0) {
            return;
        }
    }
    if (n % 2 == 1) {
        s[w++] = (char)hexval(s[r++]);
    }
    for (; r + 1 < n; r += 2) {
        s[w++] = (char)((unsigned)hexval(s[r]) << 4 | (unsigned)hexval(s[r + 1]));
    }
    truncate_val(p, from + w);
}

/* The same for binary digits, padded on the left to whole bytes. */
static void
decode_bits(struct parser *p, size_t from)
{
    char *s = p->val.data + from;
    size_t n = p->val.len - from;
    size_t w = 0, r = 0, take = n % 8 == 0 ? 8 : n % 8;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '0' && s[i] != '1') {
            return;
        }
    }
    while (r < n) {
        unsigned v = 0;

        for (size_t k = 0; k < take; k++) {
            v = v << 1 | (unsigned)(s[r++] - '0');
        }
        s[w++] = (char)v;
        take = 8;
    }
    truncate_val(p, from + w);
}

/* A source-text value: trim it, drop it if it is NULL, decode 0x… and 0b… (after an optional
 * _charset introducer). */
static void
finish_raw(struct parser *p)
{
    const char *s;
    size_t n, i = 0;
    char kind;

    while (p->val.len > p->f_off && sql_is_space((unsigned char)p->val.data[p->val.len - 1])) {
        truncate_val(p, p->val.len - 1);
    }
    n = p->val.len - p->f_off;
    if (n == 0) {
        return;
    }
    s = p->val.data + p->f_off;
    if (lw_slice_eq_ci(lw_slice_make(s, n), LW_SLICE_LIT("NULL"))) {
        truncate_val(p, p->f_off);
        p->mode = VM_EMPTY;
        return;
    }
    if (s[0] == '_') {
        for (i = 1; i < n && sql_is_word((unsigned char)s[i]); i++) {
        }
        while (i < n && sql_is_space((unsigned char)s[i])) {
            i++;
        }
    }
    if (n - i < 3 || s[i] != '0') {
        return;
    }
    kind = lw_ascii_lower(s[i + 1]);
    if (kind != 'x' && kind != 'b') {
        return;
    }
    for (size_t k = i + 2; k < n; k++) {
        if (kind == 'x' ? hexval(s[k]) < 0 : (s[k] != '0' && s[k] != '1')) {
            return;
        }
    }
    i += 2;
    memmove(p->val.data + p->f_off, s + i, n - i);
    truncate_val(p, p->val.len - i);
    if (kind == 'x') {
        decode_hex(p, p->f_off);
    } else {
        decode_bits(p, p->f_off);
    }
}

static void
end_string(struct parser *p)
{
    if (p->skind == SK_HEX) {
        decode_hex(p, p->s_off);
    } else if (p->skind == SK_BITS) {
        decode_bits(p, p->s_off);
    }
    p->state = V_VALUE;
}

static void
end_value(struct parser *p)
{
    if (p->mode == VM_RAW) {
        finish_raw(p);
    }
    if (!p->fskip && p->mode != VM_EMPTY) {
        store_field(p);
    }
    p->col++;
}

/* A COPY field: \N alone is NULL, anything else (even empty) a field. */
static void
end_copy_field(struct parser *p)
{
    if (p->c_null && p->c_rawn == 2) {
        truncate_val(p, p->f_off);
    } else if (!p->fskip) {
        store_field(p);
    }
    p->col++;
}

/* ---- tokens and statements ---- */

static void
tok_put(struct parser *p, unsigned char c)
{
    if (p->tok_len < sizeof(p->tok)) {
        p->tok[p->tok_len++] = (char)c;
    } else {
        p->tok_long = true;
    }
}

static bool
kw(const struct parser *p, const char *word)
{
    return !p->tok_quoted && !p->tok_long &&
           lw_slice_eq_ci(lw_slice_make(p->tok, p->tok_len), lw_slice_cstr(word));
}

static bool
kw_any(const struct parser *p, const char *const *words)
{
    for (; *words != NULL; words++) {
        if (kw(p, *words)) {
            return true;
        }
    }
    return false;
}

static const char *const stmt_words[] = {"INSERT", "REPLACE", "COPY", "CREATE", NULL};
static const char *const insert_mods[] = {
    "LOW_PRIORITY", "DELAYED",  "HIGH_PRIORITY", "IGNORE", "INTO", "OR",
    "REPLACE",      "ROLLBACK", "ABORT",         "FAIL",   NULL};
static const char *const create_mods[] = {"TEMPORARY", "TEMP", "UNLOGGED", "GLOBAL",
                                          "LOCAL",     "OR",   "REPLACE",  NULL};
static const char *const table_mods[] = {"IF", "NOT", "EXISTS", NULL};
static const char *const constraints[] = {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN",
                                          "CHECK",      "EXCLUDE", "LIKE",   NULL};
static const char *const mysql_keys[] = {"KEY", "INDEX", "FULLTEXT", "SPATIAL", "PERIOD", NULL};

static void
begin_token(struct parser *p, unsigned char c)
{
    p->ret = p->state;
    p->tok_len = 0;
    p->tok_long = false;
    p->tok_quoted = c == '`' || c == '"' || c == '[';
    if (p->tok_quoted) {
        p->tq = (char)(c == '[' ? ']' : c);
        p->state = L_QID;
    } else {
        tok_put(p, c);
        p->state = L_WORD;
    }
}

static void
begin_probe(struct parser *p, enum state back)
{
    p->probe_ret = back;
    p->tok_len = 0;
    p->tok_long = false;
    p->tok_quoted = false;
    p->state = L_PROBE;
}

static void
set_table(struct parser *p)
{
    p->tbl_len = p->tok_long ? 0 : p->tok_len;
    memcpy(p->tbl, p->tok, p->tbl_len);
}

/* A statement starts with the current token. */
static void
dispatch(struct parser *p)
{
    p->cap_mode = CAP_NONE;
    if (kw(p, "INSERT") || kw(p, "REPLACE") || kw(p, "COPY")) {
        sql_columns_reset(&p->stmt);
        p->has_list = false;
        p->tbl_len = 0;
        p->cur = NULL;
        p->copy_from = p->copy_stdin = p->copy_raw = false;
        p->state = kw(p, "COPY") ? G_COPY_HEAD : G_INS_HEAD;
    } else if (kw(p, "CREATE")) {
        p->state = G_CREATE;
    } else {
        if (kw(p, "SET")) {
            p->cap_mode = CAP_SET;
            p->cap_len = 0;
        }
        p->state = G_SKIP;
    }
}

/* After a table name and its column list, where a statement keyword starts a new statement. */
static bool
resyncs(enum state s)
{
    return s == G_INS_AFTER_NAME || s == G_INS_TAIL || s == G_INS_VALUES || s == G_TUPLE_WAIT ||
           s == G_AFTER_TUPLE || s == G_CT_AFTER_NAME || s == G_COPY_AFTER_NAME || s == G_COPY_TAIL;
}

static void
values_ready(struct parser *p)
{
    p->cur = p->has_list ? &p->stmt : sql_columns_lookup(p);
    p->state = G_INS_VALUES;
}

static void
copy_word(struct parser *p)
{
    if (kw(p, "FROM")) {
        p->copy_from = true;
    } else if (kw(p, "TO")) {
        p->copy_from = false;
    } else if (kw(p, "STDIN")) {
        p->copy_stdin = p->copy_from;
    } else if (kw(p, "CSV") || kw(p, "BINARY") || kw(p, "DELIMITER")) {
        p->copy_raw = true;
    }
    p->state = G_COPY_TAIL;
}

static void
copy_end(struct parser *p)
{
    if (!p->copy_from || !p->copy_stdin) {
        p->state = G_TOP;
        return;
    }
    p->pg = true;
    p->cur = p->copy_raw ? NULL : p->has_list ? &p->stmt : sql_columns_lookup(p);
    p->state = G_COPY_EOL;
}

/* A word or quoted identifier has been read in grammar state p->ret. */
static void
on_token(struct parser *p)
{
    enum state at = p->ret;

    p->state = at;
    if (at == G_TOP && !p->tok_quoted && p->tok_len >= 3 &&
        memcmp(p->tok, "\xEF\xBB\xBF", 3) == 0) {
        /* the byte-order mark of a second dump appended to the first */
        p->tok_len -= 3;
        memmove(p->tok, p->tok + 3, p->tok_len);
        if (p->tok_len == 0) {
            return;
        }
    }
    if (at == G_TOP || (resyncs(at) && kw_any(p, stmt_words))) {
        dispatch(p);
        return;
    }
    switch (at) {
    case G_INS_HEAD:
    case G_INS_NAME_NEXT:
        if (at == G_INS_NAME_NEXT || !kw_any(p, insert_mods)) {
            set_table(p);
            p->state = G_INS_AFTER_NAME;
        }
        break;
    case G_INS_AFTER_NAME:
    case G_INS_TAIL:
    case G_INS_VALUES:
        if (kw(p, "VALUES") || kw(p, "VALUE")) {
            values_ready(p);
        } else {
            p->state = G_INS_TAIL;
        }
        break;
    case G_TUPLE_WAIT:
        p->st->bad_records++;
        p->state = G_SKIP;
        break;
    case G_AFTER_TUPLE: /* ON DUPLICATE KEY UPDATE, RETURNING, … */
    case G_CT_AFTER_NAME: /* AS SELECT, LIKE, PARTITION OF */ p->state = G_SKIP; break;
    case G_COLS:
        sql_columns_add(&p->stmt, p);
        p->state = G_COLS_SEP;
        break;
    case G_CREATE:
        if (kw(p, "TABLE")) {
            p->state = G_CT_HEAD;
        } else if (!kw_any(p, create_mods)) {
            p->state = G_SKIP;
        }
        break;
    case G_CT_HEAD:
    case G_CT_NAME_NEXT:
        if (at == G_CT_NAME_NEXT || !kw_any(p, table_mods)) {
            set_table(p);
            p->state = G_CT_AFTER_NAME;
        }
        break;
    case G_CT_ELEM:
        if (!kw_any(p, constraints) && (p->pg || !kw_any(p, mysql_keys))) {
            sql_columns_add(&p->ct, p);
        }
        p->ct_depth = 0;
        p->state = G_CT_REST;
        break;
    case G_COPY_HEAD:
    case G_COPY_NAME_NEXT:
        set_table(p);
        p->state = G_COPY_AFTER_NAME;
        break;
    case G_COPY_AFTER_NAME:
    case G_COPY_TAIL: copy_word(p); break;
    default: /* G_COLS_SEP: ASC, DESC, … */ break;
    }
}

/* ---- skipping ---- */

static void
capture(struct parser *p, unsigned char c)
{
    if (!sql_is_space(c) && p->cap_len < sizeof(p->cap)) {
        p->cap[p->cap_len++] = lw_ascii_lower((char)c);
    }
}

/* The end of a skipped statement: SET standard_conforming_strings tells how pg strings escape. */
static void
end_skip(struct parser *p)
{
    struct lw_slice s = lw_slice_make(p->cap, p->cap_len);

    if (p->cap_mode == CAP_SET) {
        if (lw_slice_eq(s, LW_SLICE_LIT("standard_conforming_strings=on")) ||
            lw_slice_eq(s, LW_SLICE_LIT("standard_conforming_stringstoon"))) {
            p->pg = true;
            p->bs = false;
        } else if (lw_slice_eq(s, LW_SLICE_LIT("standard_conforming_strings=off")) ||
                   lw_slice_eq(s, LW_SLICE_LIT("standard_conforming_stringstooff"))) {
            p->pg = true;
            p->bs = true;
        }
    }
    p->cap_mode = CAP_NONE;
    p->state = G_TOP;
}

/* A "-- …" comment between statements: the dump tools' banners tell the dialect. */
static void
banner(struct parser *p)
{
    struct lw_slice s = lw_slice_trim(lw_slice_make(p->cap, p->cap_len));

    if (lw_slice_starts_with(s, LW_SLICE_LIT("PostgreSQL database dump"))) {
        p->pg = true;
        p->bs = false;
    } else if (lw_slice_starts_with(s, LW_SLICE_LIT("MySQL dump")) ||
               lw_slice_starts_with(s, LW_SLICE_LIT("MariaDB dump")) ||
               lw_slice_starts_with(s, LW_SLICE_LIT("phpMyAdmin SQL Dump"))) {
        p->pg = false;
        p->bs = true;
    }
    p->cap_mode = CAP_NONE;
}

static void
skip_string(struct parser *p, unsigned char q)
{
    p->ret = p->state;
    p->lq = (char)q;
    p->lesc = q != '`' && p->bs;
    p->state = L_STR;
}

static enum act
step_skip(struct parser *p, unsigned char c)
{
    if (c == ';') {
        end_skip(p);
    } else if (c == '\'' || c == '"' || c == '`') {
        skip_string(p, c);
    } else if (c == '-' || c == '/') {
        p->ret = G_SKIP;
        p->state = c == '-' ? L_DASH : L_SLASH;
    } else if (c == '$' && !sql_is_word(p->prev)) {
        p->ret = G_SKIP;
        p->dtag_len = 0;
        p->state = L_DOLLAR_TAG;
    } else if (p->prev == '\n' && lw_ascii_is_alpha((char)c)) {
        begin_probe(p, G_SKIP);
        return ACT_AGAIN;
    } else if (p->cap_mode == CAP_SET) {
        capture(p, c);
    }
    return ACT_NEXT;
}

/* The word at a line start was not a statement keyword: give its bytes back. */
static void
probe_fail(struct parser *p)
{
    if (p->probe_ret == V_VALUE) {
        p->mode = VM_RAW;
        put(p, p->tok, p->tok_len);
        lw_wipe(p->tok, p->tok_len); /* bytes of a value */
    } else if (p->probe_ret == G_SKIP && p->cap_mode == CAP_SET) {
        for (size_t i = 0; i < p->tok_len; i++) {
            capture(p, (unsigned char)p->tok[i]);
        }
    }
    p->state = p->probe_ret;
}

static enum act
step_probe(struct parser *p, unsigned char c)
{
    if (sql_is_word(c) && p->tok_len < PROBE_MAX) {
        tok_put(p, c);
        return ACT_NEXT;
    }
    if (!sql_is_space(c) || !kw_any(p, stmt_words)) {
        probe_fail(p);
        return ACT_AGAIN;
    }
    if (p->probe_ret == V_VALUE) { /* an unterminated tuple: keep what it had */
        end_value(p);
        if (p->nf > 0) {
            /* emit it first (its names are the statement's); the next call, back here with the
             * same byte and word, starts the new statement */
            cut_record(p);
            p->probe_ret = G_TOP;
            return ACT_EMIT_AGAIN;
        }
    }
    dispatch(p);
    return ACT_AGAIN;
}

/* Where a '-' or '/' that turned out not to start a comment leaves the grammar. */
static enum state
after_junk(enum state ret)
{
    return ret == G_CT_REST || ret == G_COPY_TAIL || ret == V_VALUE ? ret : G_SKIP;
}

static enum act
step_comment(struct parser *p, unsigned char c)
{
    switch (p->state) {
    case L_DASH:
    case L_SLASH:
        if (c == (p->state == L_DASH ? '-' : '*')) {
            if (p->state == L_DASH && p->ret == G_TOP) {
                p->cap_mode = CAP_BANNER;
                p->cap_len = 0;
            }
            p->state = p->state == L_DASH ? L_LINE_COMMENT : L_BLOCK;
            return ACT_NEXT;
        }
        if (p->ret == V_VALUE) { /* a minus sign or a division after all */
            p->mode = VM_RAW;
            put1(p, p->state == L_DASH ? '-' : '/');
        }
        p->state = after_junk(p->ret);
        return ACT_AGAIN;
    case L_LINE_COMMENT:
        if (c == '\n') {
            if (p->cap_mode == CAP_BANNER) {
                banner(p);
            }
            p->state = p->ret;
        }
        return ACT_NEXT; /* the bytes before the newline are taken by bulk() */
    case L_BLOCK:
        if (c == '*') {
            p->state = L_BLOCK_STAR;
        } else if (p->prev == '\n' && lw_ascii_is_alpha((char)c) &&
                   (p->ret == G_TOP || p->ret == G_SKIP)) {
            begin_probe(p, L_BLOCK);
            return ACT_AGAIN;
        }
        return ACT_NEXT;
    default: /* L_BLOCK_STAR */
        if (c == '/') {
            p->state = p->ret;
            return ACT_NEXT;
        }
        if (c == '*') {
            return ACT_NEXT;
        }
        p->state = L_BLOCK;
        return ACT_AGAIN;
    }
}

static enum act
step_skipped_string(struct parser *p, unsigned char c)
{
    switch (p->state) {
    case L_STR:
        if (c == (unsigned char)p->lq) {
            p->state = L_STR_QEND;
        } else if (c == '\\' && p->lesc) {
            p->state = L_STR_ESC;
        } else if (p->prev == '\n' && lw_ascii_is_alpha((char)c) && p->ret == G_SKIP) {
            begin_probe(p, L_STR);
            return ACT_AGAIN;
        }
        return ACT_NEXT;
    case L_STR_ESC: p->state = L_STR; return ACT_NEXT;
    case L_STR_QEND:
        if (c == (unsigned char)p->lq) {
            p->state = L_STR;
            return ACT_NEXT;
        }
        p->state = p->ret;
        return ACT_AGAIN;
    case L_DOLLAR_TAG:
        if (c == '$') {
            p->dtag[0] = '$';
            p->dtag[p->dtag_len + 1] = '$';
            p->dtag_len += 2;
            p->dmatch = 0;
            p->state = L_DOLLAR_BODY;
            return ACT_NEXT;
        }
        if (sql_is_word(c) && p->dtag_len < DOLLAR_TAG_MAX &&
            !(p->dtag_len == 0 && lw_ascii_is_digit((char)c))) {
            p->dtag[1 + p->dtag_len++] = (char)c;
            return ACT_NEXT;
        }
        p->state = p->ret;
        return ACT_AGAIN;
    default: /* L_DOLLAR_BODY: look for the closing $tag$ */
        if (c == (unsigned char)p->dtag[p->dmatch]) {
            if (++p->dmatch == p->dtag_len) {
                p->state = p->ret;
            }
        } else {
            p->dmatch = c == '$' ? 1 : 0;
        }
        return ACT_NEXT;
    }
}

static enum act
step_lex(struct parser *p, unsigned char c)
{
    switch (p->state) {
    case L_WORD:
        if (sql_is_word(c)) {
            tok_put(p, c);
            return ACT_NEXT;
        }
        on_token(p);
        return ACT_AGAIN;
    case L_QID:
        if (c == (unsigned char)p->tq) {
            p->state = L_QID_END;
        } else {
            tok_put(p, c);
        }
        return ACT_NEXT;
    case L_QID_END:
        if (c == (unsigned char)p->tq) { /* doubled: one quote in the name */
            tok_put(p, c);
            p->state = L_QID;
            return ACT_NEXT;
        }
        on_token(p);
        return ACT_AGAIN;
    case L_PROBE: return step_probe(p, c);
    case L_DASH:
    case L_SLASH:
    case L_LINE_COMMENT:
    case L_BLOCK:
    case L_BLOCK_STAR: return step_comment(p, c);
    default: return step_skipped_string(p, c);
    }
}

/* ---- the statement grammar ---- */

static enum act
step_ct_rest(struct parser *p, unsigned char c)
{
    switch (c) {
    case '\'':
    case '"':
    case '`': skip_string(p, c); break;
    case '-':
    case '/':
        p->ret = G_CT_REST;
        p->state = c == '-' ? L_DASH : L_SLASH;
        break;
    case '(': p->ct_depth++; break;
    case ')':
        if (p->ct_depth > 0) {
            p->ct_depth--;
        } else {
            sql_columns_commit(p);
            p->state = G_SKIP; /* table options */
        }
        break;
    case ',':
        if (p->ct_depth == 0) {
            p->state = G_CT_ELEM;
        }
        break;
    case ';':
        sql_columns_commit(p);
        p->state = G_TOP;
        break;
    default: break;
    }
    return ACT_NEXT;
}

/* '(' after a table name: the column list, or the body of a CREATE TABLE. */
static void
open_list(struct parser *p)
{
    if (p->state == G_CT_AFTER_NAME) {
        sql_columns_reset(&p->ct);
        p->ct.table_len = p->tbl_len;
        memcpy(p->ct.table, p->tbl, p->tbl_len);
        p->state = G_CT_ELEM;
        return;
    }
    p->has_list = true;
    p->cols_ret = p->state == G_INS_AFTER_NAME ? G_INS_TAIL : G_COPY_TAIL;
    p->state = G_COLS;
}

/* Punctuation in the grammar states; what is not expected sends the statement to G_SKIP. */
static enum act
step_punct(struct parser *p, unsigned char c)
{
    enum state s = p->state;

    switch (s) {
    case G_INS_AFTER_NAME:
    case G_CT_AFTER_NAME:
    case G_COPY_AFTER_NAME:
        if (c == '.') {
            p->state = s == G_INS_AFTER_NAME  ? G_INS_NAME_NEXT
                       : s == G_CT_AFTER_NAME ? G_CT_NAME_NEXT
                                              : G_COPY_NAME_NEXT;
            return ACT_NEXT;
        }
        if (c == '(') {
            open_list(p);
            return ACT_NEXT;
        }
        if (s == G_COPY_AFTER_NAME) {
            p->state = G_COPY_TAIL;
            return ACT_AGAIN;
        }
        break;
    case G_INS_VALUES:
    case G_TUPLE_WAIT:
    case G_AFTER_TUPLE:
        if (c == '(') {
            begin_record(p, p->pos);
            p->state = V_VALUE;
            return ACT_NEXT;
        }
        if (c == ',' && s == G_AFTER_TUPLE) {
            p->state = G_TUPLE_WAIT;
            return ACT_NEXT;
        }
        if (c != ';' && s != G_AFTER_TUPLE) {
            p->st->bad_records++;
        }
        break;
    case G_COLS:
    case G_COLS_SEP:
        if (c == ')' || c == ',') {
            p->state = c == ')' ? p->cols_ret : G_COLS;
            return ACT_NEXT;
        }
        break;
    case G_CT_ELEM:
        if (c == ',' || c == ')' || c == ';') {
            p->ct_depth = 0;
            return step_ct_rest(p, c);
        }
        p->ct_depth = 0;
        p->state = G_CT_REST;
        return ACT_AGAIN;
    case G_COPY_TAIL:
        if (c == ';') {
            copy_end(p);
        } else if (c == '\'') {
            skip_string(p, c);
        }
        return ACT_NEXT;
    default: break;
    }
    if (c == ';') {
        p->state = G_TOP;
        return ACT_NEXT;
    }
    p->state = G_SKIP;
    return ACT_AGAIN;
}

static enum act
step_grammar(struct parser *p, unsigned char c)
{
    if (p->state == G_SKIP) {
        return step_skip(p, c);
    }
    if (p->state == G_CT_REST) {
        return step_ct_rest(p, c);
    }
    if (p->state == G_COPY_EOL) {
        if (c == '\n') {
            p->state = C_ROW;
        }
        return ACT_NEXT;
    }
    if (sql_is_space(c) || c == '\0' || (p->state == G_TOP && c == ';')) { /* NUL: padding */
        return ACT_NEXT;
    }
    if (c == '-' || c == '/' || (c == '#' && p->state == G_TOP)) {
        p->ret = p->state;
        p->state = c == '-' ? L_DASH : c == '/' ? L_SLASH : L_LINE_COMMENT;
        return ACT_NEXT;
    }
    if (is_word_start(c) || c == '`' || c == '"' || c == '[') {
        begin_token(p, c);
        return ACT_NEXT;
    }
    return step_punct(p, c);
}

/* ---- values ---- */

/* What the source text before a quote introduces: 'N' (nothing to decode: N, U&, _charset),
 * 'E', 'X', 'B', or 0 when it is not an introducer. */
static char
introducer(const struct parser *p)
{
    size_t n = p->val.len - p->f_off;
    const char *s = n > 0 ? p->val.data + p->f_off : "";

    while (n > 0 && sql_is_space((unsigned char)s[n - 1])) {
        n--;
    }
    if (n == 1) {
        char c = lw_ascii_upper(s[0]);

        if (c == 'N' || c == 'E' || c == 'X' || c == 'B') {
            return c;
        }
        return 0;
    }
    if (n == 2 && lw_ascii_upper(s[0]) == 'U' && s[1] == '&') {
        return 'N';
    }
    if (n < 2 || s[0] != '_') {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (!sql_is_word((unsigned char)s[i])) {
            return 0;
        }
    }
    return 'N';
}

static enum esc
plain_escapes(const struct parser *p)
{
    return !p->bs ? ESC_NONE : p->pg ? ESC_PG : ESC_MYSQL;
}

static void
open_string(struct parser *p, char q)
{
    enum skind kind = SK_TEXT;
    enum esc esc = plain_escapes(p);

    if (p->mode == VM_RAW) {
        char intro = introducer(p);

        if (intro == 0) { /* inside an expression: kept as written */
            put1(p, q);
            p->q = q;
            p->sesc = esc;
            p->skind = SK_VERBATIM;
            p->state = V_STR;
            return;
        }
        truncate_val(p, p->f_off);
        if (intro == 'E') {
            esc = ESC_PG;
        } else if (intro == 'X' || intro == 'B') {
            kind = intro == 'X' ? SK_HEX : SK_BITS;
            esc = ESC_NONE;
        }
    }
    p->mode = VM_LIT;
    p->q = q;
    p->sesc = esc;
    p->skind = kind;
    p->s_off = p->val.len;
    p->state = V_STR;
}

static enum act
step_value(struct parser *p, unsigned char c)
{
    switch (c) {
    case '\'':
    case '"': open_string(p, (char)c); return ACT_NEXT;
    case '`':
        p->mode = VM_RAW;
        put1(p, '`');
        p->q = '`';
        p->sesc = ESC_NONE;
        p->skind = SK_VERBATIM;
        p->state = V_STR;
        return ACT_NEXT;
    case ')':
    case ',':
        if (p->depth > 0) {
            p->depth -= c == ')';
            put1(p, (char)c);
            return ACT_NEXT;
        }
        end_value(p);
        if (c == ',') {
            begin_value(p);
            return ACT_NEXT;
        }
        p->state = G_AFTER_TUPLE;
        return ACT_EMIT;
    case '-':
    case '/':
        p->ret = V_VALUE;
        p->state = c == '-' ? L_DASH : L_SLASH;
        return ACT_NEXT;
    case ';': /* an unterminated tuple */
        end_value(p);
        p->state = G_TOP;
        if (p->nf == 0) {
            return ACT_NEXT;
        }
        cut_record(p);
        return ACT_EMIT;
    default: break;
    }
    if (p->prev == '\n' && p->depth == 0 && lw_ascii_is_alpha((char)c)) {
        begin_probe(p, V_VALUE);
        return ACT_AGAIN;
    }
    if (sql_is_space(c)) {
        if (p->mode == VM_RAW) {
            put1(p, (char)c);
        }
        return ACT_NEXT;
    }
    p->depth += c == '(';
    p->mode = VM_RAW;
    put1(p, (char)c);
    return ACT_NEXT;
}

static void
mysql_escape(struct parser *p, unsigned char c)
{
    static const char from[] = "0bnrtZ";
    static const char to[] = "\0\b\n\r\t\032";
    const char *m = c != '\0' ? strchr(from, c) : NULL;

    if (c == '%' || c == '_') { /* LIKE wildcards keep their backslash */
        put1(p, '\\');
    }
    if (m != NULL) {
        put1(p, to[m - from]);
    } else {
        put1(p, (char)c);
    }
}

/* PostgreSQL's escapes (COPY text format, E'' strings); back is where the value continues. */
static enum act
pg_escape(struct parser *p, unsigned char c, enum state back)
{
    static const char from[] = "bfnrtv";
    static const char to[] = "\b\f\n\r\t\v";
    const char *m = c != '\0' ? strchr(from, c) : NULL;

    p->esc_ret = back;
    p->state = back;
    if (m != NULL) {
        put1(p, to[m - from]);
    } else if (c == 'x') {
        p->acc = 0;
        p->digits = 0;
        p->state = X_HEX;
    } else if (c >= '0' && c <= '7') {
        p->acc = c - (unsigned)'0';
        p->digits = 1;
        p->state = X_OCT;
    } else {
        put1(p, (char)c);
    }
    return ACT_NEXT;
}

/* The octal or hex escape so far, at its end. */
static void
flush_number(struct parser *p)
{
    if (p->state == X_HEX && p->digits == 0) {
        put1(p, 'x');
    } else {
        put1(p, (char)(p->acc & 0xFF));
    }
    p->state = p->esc_ret;
}

static enum act
step_number(struct parser *p, unsigned char c)
{
    bool oct = p->state == X_OCT;
    int v = oct ? (c >= '0' && c <= '7' ? c - '0' : -1) : hexval((char)c);

    if (v >= 0 && p->digits < (oct ? 3u : 2u)) {
        p->acc = p->acc * (oct ? 8u : 16u) + (unsigned)v;
        if (++p->digits == (oct ? 3u : 2u)) {
            flush_number(p);
        }
        return ACT_NEXT;
    }
    flush_number(p);
    return ACT_AGAIN;
}

static enum act
step_string(struct parser *p, unsigned char c)
{
    bool verbatim = p->skind == SK_VERBATIM;

    switch (p->state) {
    case V_STR:
        if (c == (unsigned char)p->q || (c == '\\' && p->sesc != ESC_NONE)) {
            if (verbatim) {
                put1(p, (char)c);
            }
            p->state = c == '\\' && c != (unsigned char)p->q ? V_STR_ESC : V_STR_QEND;
        } else {
            put1(p, (char)c);
        }
        return ACT_NEXT;
    case V_STR_ESC:
        p->state = V_STR;
        if (verbatim) {
            put1(p, (char)c);
        } else if (p->sesc == ESC_MYSQL) {
            mysql_escape(p, c);
        } else {
            return pg_escape(p, c, V_STR);
        }
        return ACT_NEXT;
    default:                            /* V_STR_QEND */
        if (c == (unsigned char)p->q) { /* doubled */
            put1(p, (char)c);
            p->state = V_STR;
            return ACT_NEXT;
        }
        end_string(p);
        return ACT_AGAIN;
    }
}

/* ---- COPY rows ---- */

static void
begin_row(struct parser *p, uint64_t off)
{
    begin_record(p, off);
    p->state = C_FIELD;
}

static enum act
step_copy(struct parser *p, unsigned char c)
{
    switch (p->state) {
    case C_ROW:
        if (c == '\\') {
            p->state = C_BS;
            return ACT_NEXT;
        }
        begin_row(p, p->pos);
        return ACT_AGAIN;
    case C_BS:
        if (c == '.') { /* the end of the data */
            p->state = C_END;
            return ACT_NEXT;
        }
        begin_row(p, p->pos - 1);
        if (p->copy_raw) {
            put1(p, '\\');
            p->c_rawn++;
            return ACT_AGAIN;
        }
        p->state = C_ESC;
        return ACT_AGAIN;
    case C_END:
        if (c == '\n') {
            p->state = G_TOP;
        }
        return ACT_NEXT;
    case C_ESC:
        p->c_rawn += 2;
        if (c == 'N') {
            p->c_null = p->c_rawn == 2;
            put1(p, 'N');
            p->state = C_FIELD;
            return ACT_NEXT;
        }
        return pg_escape(p, c, C_FIELD);
    case C_CR:
        if (c == '\n') {
            end_copy_field(p);
            p->state = C_ROW;
            return ACT_EMIT;
        }
        put1(p, '\r');
        p->c_rawn++;
        p->state = C_FIELD;
        return ACT_AGAIN;
    default: /* C_FIELD */ break;
    }
    if (c == '\n') {
        end_copy_field(p);
        p->state = C_ROW;
        return ACT_EMIT;
    }
    if (c == '\r') {
        p->state = C_CR;
    } else if (c == '\t' && !p->copy_raw) {
        end_copy_field(p);
        begin_value(p);
    } else if (c == '\\' && !p->copy_raw) {
        p->state = C_ESC;
    } else {
        put1(p, (char)c);
        p->c_rawn++;
    }
    return ACT_NEXT;
}

/* ---- the machine ---- */

static enum act
step(struct parser *p, unsigned char c)
{
    if (p->state < L_WORD) {
        return step_grammar(p, c);
    }
    if (p->state < V_VALUE) {
        return step_lex(p, c);
    }
    if (p->state < C_ROW) {
        return p->state == V_VALUE ? step_value(p, c) : step_string(p, c);
    }
    if (p->state < X_OCT) {
        return step_copy(p, c);
    }
    return step_number(p, c);
}

/* The plain bytes of a string, COPY field or comment at s, taken in one go; 0 when s starts with
 * a byte that step() must see. */
static size_t
bulk(struct parser *p, const char *s, size_t n)
{
    size_t k = 0;

    if (p->state == V_STR) {
        bool esc = p->sesc != ESC_NONE;

        while (k < n && s[k] != p->q && !(esc && s[k] == '\\')) {
            k++;
        }
    } else if (p->state == C_FIELD) {
        while (k < n && s[k] != '\n' && s[k] != '\r' &&
               (p->copy_raw || (s[k] != '\t' && s[k] != '\\'))) {
            k++;
        }
        p->c_rawn += k;
    } else if (p->state == L_LINE_COMMENT) {
        const char *nl = memchr(s, '\n', n);

        k = nl != NULL ? (size_t)(nl - s) : n;
        if (p->cap_mode == CAP_BANNER) {
            size_t c = k < sizeof(p->cap) - p->cap_len ? k : sizeof(p->cap) - p->cap_len;

            memcpy(p->cap + p->cap_len, s, c);
            p->cap_len += c;
        }
        if (k > 0) {
            p->prev = (unsigned char)s[k - 1];
        }
        return k;
    } else {
        return 0;
    }
    if (k > 0) {
        put(p, s, k);
        p->prev = (unsigned char)s[k - 1];
    }
    return k;
}

/* The input ended: a tuple or row in progress is a record, as far as it got. */
static bool
eof_record(struct parser *p)
{
    enum state s = p->state;

    if (s == X_OCT || s == X_HEX) {
        flush_number(p);
        s = p->state;
    }
    if (s == L_PROBE && p->probe_ret == V_VALUE) {
        probe_fail(p);
        s = p->state;
    }
    if (s >= L_DASH && s <= L_BLOCK_STAR && p->ret == V_VALUE) {
        if (s == L_DASH || s == L_SLASH) {
            p->mode = VM_RAW;
            put1(p, s == L_DASH ? '-' : '/');
        }
        s = p->state = V_VALUE;
    }
    if (s == V_STR || s == V_STR_ESC || s == V_STR_QEND) {
        end_string(p);
        s = V_VALUE;
    }
    if (s == V_VALUE) {
        end_value(p);
    } else if (s == C_FIELD || s == C_ESC || s == C_CR) {
        end_copy_field(p);
    } else {
        return false;
    }
    if (p->nf == 0) {
        return false;
    }
    cut_record(p);
    return true;
}

static enum lw_rc
emit(struct parser *p, struct record *rec)
{
    for (size_t i = 0; i < p->nf; i++) {
        const struct field_pos *f = &p->fv[i];

        p->rf[i].name = sql_columns_name(p->cur, f->col);
        p->rf[i].value = lw_slice_make(f->len > 0 ? p->val.data + f->off : "", f->len);
        p->rf[i].role = FIELD_ROLE_NONE;
    }
    rec->fields = p->rf;
    rec->n_fields = p->nf;
    rec->offset = p->rec_off;
    rec->cut = p->rec_cut;
    p->st->records++;
    return LW_OK;
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    memset(rec, 0, sizeof(*rec));
    p->st = st;
    if (p->done) {
        return LW_ERR_NOT_FOUND;
    }
    for (;;) {
        struct lw_slice in;
        uint64_t base;
        size_t i = 0;
        enum lw_rc rc = reader_fill(p->r, &in);

        if (rc != LW_OK) {
            return lw_error_set(err, rc, "cannot read %s", reader_name(p->r));
        }
        if (in.len == 0) {
            p->done = true;
            return eof_record(p) ? emit(p, rec) : LW_ERR_NOT_FOUND;
        }
        base = reader_offset(p->r);
        while (i < in.len) {
            size_t n = bulk(p, in.p + i, in.len - i);
            enum act a;

            if (n > 0) {
                i += n;
                continue;
            }
            p->pos = base + i;
            a = step(p, (unsigned char)in.p[i]);
            if (a == ACT_AGAIN) {
                continue;
            }
            if (a == ACT_EMIT_AGAIN) {
                reader_consume(p->r, i);
                return emit(p, rec);
            }
            p->prev = (unsigned char)in.p[i++];
            if (a == ACT_EMIT) {
                reader_consume(p->r, i);
                return emit(p, rec);
            }
        }
        reader_consume(p->r, in.len);
    }
}

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    struct parser *p = lw_xcalloc(1, sizeof(*p));
    size_t names_max;

    (void)err;
    p->r = r;
    p->lim = *lim;
    p->state = G_TOP;
    p->prev = '\n';
    p->bs = true;
    if (!lw_size_mul(lim->fields_max, SQL_NAME_MAX, &names_max) || names_max > MAP_BYTES) {
        names_max = MAP_BYTES;
    }
    sql_columns_init(&p->stmt, names_max);
    sql_columns_init(&p->ct, names_max);
    lw_buf_init(&p->val, lim->record_max);
    *out = p;
    return LW_OK;
}

static void
close_(struct parser *p)
{
    if (p == NULL) {
        return;
    }
    sql_columns_map_free(p);
    sql_columns_free(&p->stmt);
    sql_columns_free(&p->ct);
    lw_buf_free(&p->val);
    free(p->fv);
    free(p->rf);
    lw_wipe_free(p, sizeof(*p)); /* tok and cap may hold bytes of values */
}

const struct parser_ops parser_sql = {"sql", sql_sniff_score, open_, next, close_};
