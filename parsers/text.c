/*
 * parsers/text.c — free text, the fallback for whatever no other parser claims: teaser pastes,
 * notes, logs, the visible text of anything.
 *
 * Line by line (reader_line). A run of consecutive "key: value" lines — the way teaser pastes show
 * a patient, "Nimi: Matti Meikäläinen", "HETU: 131052-308T", "Diagnoosi: masennus" — is one record
 * with one named field per line, so the values of one person stay together and the keys work as
 * column names. A key is 1–KEY_MAX bytes of letters (ASCII or any non-ASCII byte, so UTF-8 and
 * Windows-1252 letters), digits, space and `_ - . /`, starting with a letter or digit, holding at
 * least one letter and at most KEY_DIGITS_MAX digits (so no identifier can hide in a key: those
 * lines stay plain text); then `:`, ` =` or TAB, then a non-empty value not starting "//" (a URL);
 * a ':' between two digits is a time ("klo 12:30"), not a key's end.
 * A block ends at a blank line, a separator line (`-----`, `=====`), any other line, a key already
 * in the block (it starts the next record), or when one more field would pass fields_max or
 * record_max. Keys are trimmed and, when not clean UTF-8, transcoded (Windows-1252) so column-name
 * hints work; values are trimmed and otherwise left as they are.
 *
 * Any other non-blank line is a record of one unnamed field holding the trimmed line; separator
 * lines carry nothing and are skipped like blank lines. A line longer than field_max is handed out
 * as several fields of at most field_max bytes each, cut after a space where one is near the end
 * and never inside a UTF-8 sequence, so a long line loses nothing to the field limit.
 *
 * Limits: a line is kept up to min(line_max, record_max) bytes; the rest is skipped by reader_line
 * without being buffered (a 100 MB line costs one line buffer) and counted in cut_lines. A line
 * that would need more than fields_max fields is cut there (cut_records).
 *
 * The alternative rejected: paragraphs (blank-line separated spans) as records. A paste of a few
 * hundred one-line records then becomes one huge record whose flags (health_text, password) would
 * be attributed to every identifier in it, and memory would grow with the paragraph.
 */
#include "parsers/parser.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "parsers/encoding.h"

#define KEY_MAX 40
#define KEY_DIGITS_MAX 4
#define SEPARATOR_MIN 3

struct kv {
    size_t key_start, key_len, val_start, val_len;
};

struct parser {
    struct reader *r;
    struct parse_limits lim;
    struct lw_buf line; /* the current line (max min(line_max, record_max)) */
    bool pending;       /* line was read but not used yet: it ended the previous block */
    bool line_cut;
    uint64_t line_offset;
    struct lw_buf vals;    /* the block's values, back to back (max record_max) */
    struct lw_buf keys;    /* the block's keys, as UTF-8 */
    struct lw_buf key_tmp; /* one key, transcoded */
    struct kv *kvs;
    size_t n_kv, cap_kv;
    uint64_t blk_offset;
    struct record_field *fields;
    size_t cap_fields;
};

static int
sniff(struct lw_slice head, const char *name_hint)
{
    (void)head;
    (void)name_hint;
    return 1; /* the fallback: parser_sniff picks text when no other parser is sure */
}

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    struct parser *p = lw_xcalloc(1, sizeof(*p));
    size_t keys_max;

    (void)err;
    p->r = r;
    p->lim = *lim;
    if (p->lim.fields_max == 0) {
        p->lim.fields_max = 1;
    }
    if (p->lim.field_max == 0) {
        p->lim.field_max = 1;
    }
    /* every field of a block holds at least one value byte, so record_max bounds them too */
    if (!lw_size_mul(3 * KEY_MAX,
                     p->lim.fields_max < p->lim.record_max ? p->lim.fields_max : p->lim.record_max,
                     &keys_max)) {
        keys_max = SIZE_MAX - 1;
    }
    lw_buf_init(&p->line, lim->line_max < lim->record_max ? lim->line_max : lim->record_max);
    lw_buf_init(&p->vals, lim->record_max);
    lw_buf_init(&p->keys, keys_max);
    lw_buf_init(&p->key_tmp, 3 * KEY_MAX);
    *out = p;
    return LW_OK;
}

/* ---- line shapes ---- */

static bool
is_letter(char c)
{
    return lw_ascii_is_alpha(c) || (unsigned char)c >= 0x80;
}

static bool
is_key_char(char c)
{
    return is_letter(c) || lw_ascii_is_digit(c) || c == ' ' || c == '_' || c == '-' || c == '.' ||
           c == '/';
}

/* `-----`, `=====`, `*** ***`: at least SEPARATOR_MIN rule characters and nothing else. */
static bool
is_separator(struct lw_slice s)
{
    size_t rule = 0;

    for (size_t i = 0; i < s.len; i++) {
        if (strchr("-=_*#~+", s.p[i]) != NULL && s.p[i] != '\0') {
            rule++;
        } else if (s.p[i] != ' ' && s.p[i] != '\t') {
            return false;
        }
    }
    return rule >= SEPARATOR_MIN;
}

/* Is s (trimmed, non-empty) a "key: value" line? Then *key and *val get the trimmed parts. */
static bool
parse_kv(struct lw_slice s, struct lw_slice *key, struct lw_slice *val)
{
    size_t i = 0, letters = 0, digits = 0;
    struct lw_slice rest;

    if (!is_letter(s.p[0]) && !lw_ascii_is_digit(s.p[0])) {
        return false;
    }
    while (i < s.len && i <= KEY_MAX && is_key_char(s.p[i])) {
        letters += is_letter(s.p[i]);
        digits += lw_ascii_is_digit(s.p[i]);
        i++;
    }
    if (i >= s.len || letters == 0 || digits > KEY_DIGITS_MAX ||
        !(s.p[i] == ':' || s.p[i] == '\t' || (s.p[i] == '=' && s.p[i - 1] == ' '))) {
        return false;
    }
    if (s.p[i] == ':' && lw_ascii_is_digit(s.p[i - 1]) && i + 1 < s.len &&
        lw_ascii_is_digit(s.p[i + 1])) {
        return false; /* a time or a verse: "klo 12:30", "Psalm 23:4" */
    }
    *key = lw_slice_trim(lw_slice_make(s.p, i));
    rest = lw_slice_trim(lw_slice_make(s.p + i + 1, s.len - i - 1));
    if (key->len == 0 || key->len > KEY_MAX || rest.len == 0 ||
        (rest.len >= 2 && rest.p[0] == '/' && rest.p[1] == '/')) {
        return false;
    }
    *val = rest;
    return true;
}

/* ---- blocks ---- */

/* Key k (transcoded in key_tmp) is already in the block? */
static bool
key_repeats(const struct parser *p, struct lw_slice k)
{
    for (size_t i = 0; i < p->n_kv; i++) {
        struct lw_slice have = lw_slice_make(p->keys.data + p->kvs[i].key_start, p->kvs[i].key_len);

        if (lw_slice_eq_ci(have, k)) {
            return true;
        }
    }
    return false;
}

/* Add key: value to the block, unless it belongs to the next record (false). */
static bool
block_add(struct parser *p, struct lw_slice key, struct lw_slice val)
{
    struct lw_slice k;
    struct kv *e;

    lw_buf_reset(&p->key_tmp);
    if (encoding_is_clean(key)) {
        (void)lw_buf_append(&p->key_tmp, key.p, key.len); /* KEY_MAX <= max */
    } else {
        (void)encoding_to_utf8(key, &p->key_tmp); /* at most 3 bytes per byte: fits */
    }
    k = lw_buf_slice(&p->key_tmp);
    if (p->n_kv > 0 && (p->n_kv == p->lim.fields_max || key_repeats(p, k) ||
                        val.len > p->vals.max - p->vals.len)) {
        return false;
    }
    if (p->n_kv == p->cap_kv) {
        p->kvs = lw_xgrowarray(p->kvs, &p->cap_kv, p->n_kv + 1, p->lim.fields_max, sizeof(*p->kvs));
    }
    e = &p->kvs[p->n_kv++];
    e->key_start = p->keys.len;
    e->val_start = p->vals.len;
    (void)lw_buf_append(&p->keys, k.p, k.len);     /* bounded by construction (open_) */
    (void)lw_buf_append(&p->vals, val.p, val.len); /* checked above */
    e->key_len = p->keys.len - e->key_start;
    e->val_len = p->vals.len - e->val_start;
    return true;
}

static void
reset_block(struct parser *p)
{
    lw_buf_reset(&p->vals);
    lw_buf_reset(&p->keys);
    lw_buf_reset(&p->key_tmp);
    p->n_kv = 0;
}

static enum lw_rc
emit_block(struct parser *p, struct record *rec, struct parse_stats *st)
{
    p->fields =
        lw_xgrowarray(p->fields, &p->cap_fields, p->n_kv, p->lim.fields_max, sizeof(*p->fields));
    for (size_t i = 0; i < p->n_kv; i++) {
        p->fields[i].name = lw_slice_make(p->keys.data + p->kvs[i].key_start, p->kvs[i].key_len);
        p->fields[i].value = lw_slice_make(p->vals.data + p->kvs[i].val_start, p->kvs[i].val_len);
        p->fields[i].role = FIELD_ROLE_NONE;
    }
    rec->fields = p->fields;
    rec->n_fields = p->n_kv;
    rec->offset = p->blk_offset;
    rec->cut = false;
    st->records++;
    return LW_OK;
}

/* ---- plain lines ---- */

/* How much of s goes into one field of at most max bytes (see the design comment). */
static size_t
chunk_len(struct lw_slice s, size_t max)
{
    size_t i = max;

    if (s.len <= max) {
        return s.len;
    }
    for (size_t j = max; j > max / 2; j--) {
        if (s.p[j - 1] == ' ' || s.p[j - 1] == '\t') {
            return j;
        }
    }
    for (int k = 0; k < 3 && i > 1 && ((unsigned char)s.p[i] & 0xC0) == 0x80; k++) {
        i--;
    }
    return i;
}

static enum lw_rc
emit_line(struct parser *p, struct lw_slice s, struct record *rec, struct parse_stats *st)
{
    size_t n = 0;

    rec->cut = p->line_cut;
    while (s.len > 0) {
        size_t k;

        if (n == p->lim.fields_max) {
            st->cut_records++;
            rec->cut = true;
            break;
        }
        if (n == p->cap_fields) {
            p->fields = lw_xgrowarray(p->fields, &p->cap_fields, n + 1, p->lim.fields_max,
                                      sizeof(*p->fields));
        }
        k = chunk_len(s, p->lim.field_max);
        p->fields[n].name = lw_slice_make(NULL, 0);
        p->fields[n].value = lw_slice_make(s.p, k);
        p->fields[n].role = FIELD_ROLE_NONE;
        n++;
        s.p += k;
        s.len -= k;
    }
    rec->fields = p->fields;
    rec->n_fields = n;
    rec->offset = p->line_offset;
    st->records++;
    return LW_OK;
}

/* ---- the loop ---- */

static enum lw_rc
read_line(struct parser *p, struct parse_stats *st, struct lw_error *err)
{
    enum lw_rc rc;

    p->line_offset = reader_offset(p->r);
    rc = reader_line(p->r, &p->line, &p->line_cut);
    if (rc == LW_OK) {
        st->cut_lines += p->line_cut;
    } else if (rc != LW_ERR_NOT_FOUND) {
        lw_error_set(err, rc, "reading %s failed", reader_name(p->r));
    }
    return rc;
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    reset_block(p); /* every return hands out the block or leaves it empty */
    for (;;) {
        struct lw_slice s, key, val;

        if (!p->pending) {
            enum lw_rc rc = read_line(p, st, err);

            if (rc == LW_ERR_NOT_FOUND && p->n_kv > 0) {
                return emit_block(p, rec, st);
            }
            if (rc != LW_OK) {
                return rc;
            }
        }
        p->pending = false;
        s = lw_slice_trim(lw_buf_slice(&p->line));
        if (s.len == 0 || is_separator(s)) {
            if (p->n_kv > 0) {
                return emit_block(p, rec, st);
            }
            continue;
        }
        if (!p->line_cut && parse_kv(s, &key, &val) && val.len <= p->lim.field_max &&
            val.len <= p->lim.record_max) {
            if (p->n_kv == 0) {
                p->blk_offset = p->line_offset;
            }
            if (block_add(p, key, val)) {
                continue;
            }
        }
        if (p->n_kv > 0) {
            p->pending = true;
            return emit_block(p, rec, st);
        }
        return emit_line(p, s, rec, st);
    }
}

static void
close_(struct parser *p)
{
    if (p == NULL) {
        return;
    }
    lw_buf_free(&p->line);
    lw_buf_free(&p->vals);
    lw_buf_free(&p->keys);
    lw_buf_free(&p->key_tmp);
    free(p->kvs);
    free(p->fields);
    free(p);
}

const struct parser_ops parser_text = {"text", sniff, open_, next, close_};
