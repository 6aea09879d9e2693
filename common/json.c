/*
 * common/json.c — the strict, bounded JSON reader of common/json.h (RFC 8259).
 *
 * One pass over the input with an explicit stack of open containers (never recursive: a hostile
 * "[[[[…" costs one stack slot per level up to max_depth, then an error). Values become nodes in
 * one growable array, in document order, so a container's first child is the node right after it
 * and each node records how far ahead its next sibling is: offsets, not pointers, survive the
 * array's growth. Decoded strings, keys and number texts go into a second buffer allocated once
 * with the input's length — decoding never lengthens a JSON string (an escape is at least as long
 * as the bytes it stands for, and the quotes pay for each NUL terminator) — so pointers into it
 * stay valid. The alternative rejected: a pull tokenizer the API walks itself. It is smaller but
 * moves every "is this member there, is it a string" check and every limit into each route.
 */
#include "common/json.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/escape.h"
#include "common/num.h"

#define DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define DEFAULT_MAX_DEPTH 32
#define DEFAULT_MAX_NODES 4000000u

struct lw_json {
    const char *key; /* an object member's key, NUL-terminated (may hold NUL bytes too) */
    const char *val; /* a string's decoded bytes or a number's text */
    uint32_t key_len;
    uint32_t val_len;
    uint32_t count; /* children of an array or object */
    uint32_t next;  /* nodes ahead to the next sibling; 0: the last one */
    uint8_t type;   /* enum lw_json_type */
};

struct lw_json_doc {
    struct lw_json *nodes;
    size_t n;
    char *strings;
    size_t strings_cap;
};

/* An open container on the parse stack. */
struct frame {
    size_t node;
    size_t last; /* its last child so far, or SIZE_MAX */
};

enum want {
    WANT_VALUE,          /* a value (top level, after ':' or after ',' in an array) */
    WANT_FIRST_VALUE,    /* after '[': a value or ']' */
    WANT_KEY,            /* after ',' in an object */
    WANT_FIRST_KEY,      /* after '{': a key or '}' */
    WANT_COMMA_OR_CLOSE, /* after a value inside a container */
};

struct parser {
    const char *p;
    size_t n, i;
    struct lw_json_limits lim;
    struct lw_json_doc *doc;
    size_t nodes_cap;
    size_t spos; /* next free byte of doc->strings */
    struct frame *stack;
    size_t depth, stack_cap;
    const char *pending_key; /* an object member's key, waiting for its value */
    uint32_t pending_key_len;
    struct lw_error *err;
};

static enum lw_rc
syntax(struct parser *ps, const char *why)
{
    return lw_error_set(ps->err, LW_ERR_INVALID, "JSON at byte %zu: %s", ps->i, why);
}

static void
skip_ws(struct parser *ps)
{
    while (ps->i < ps->n) {
        char c = ps->p[ps->i];

        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        ps->i++;
    }
}

/* A new node as the next child of the open container (or the root); its index in *idx. */
static enum lw_rc
add_node(struct parser *ps, enum lw_json_type type, size_t *idx)
{
    struct lw_json_doc *d = ps->doc;
    struct lw_json *v;

    if (d->n >= ps->lim.max_nodes) {
        return lw_error_set(ps->err, LW_ERR_TOO_LARGE, "JSON at byte %zu: more than %zu values",
                            ps->i, ps->lim.max_nodes);
    }
    d->nodes = lw_xgrowarray(d->nodes, &ps->nodes_cap, d->n + 1, ps->lim.max_nodes,
                             sizeof(*d->nodes));
    *idx = d->n++;
    v = &d->nodes[*idx];
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    if (ps->depth > 0) {
        struct frame *f = &ps->stack[ps->depth - 1];

        if (f->last != SIZE_MAX) {
            d->nodes[f->last].next = (uint32_t)(*idx - f->last);
        }
        f->last = *idx;
        d->nodes[f->node].count++;
        if (d->nodes[f->node].type == LW_JSON_OBJECT) {
            v->key = ps->pending_key;
            v->key_len = ps->pending_key_len;
        }
    }
    return LW_OK;
}

/* Four hex digits at p[i..i+4) into *cp. */
static bool
hex4(const char *p, size_t i, size_t n, unsigned *cp)
{
    unsigned v = 0;

    if (n - i < 4) {
        return false;
    }
    for (size_t k = i; k < i + 4; k++) {
        char c = p[k];
        unsigned d;

        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            d = (unsigned)((c | 0x20) - 'a' + 10);
        } else {
            return false;
        }
        v = v << 4 | d;
    }
    *cp = v;
    return true;
}

/* A \uXXXX escape (ps->i at the 'u'), with its low surrogate when it is a high one. */
static enum lw_rc
unicode_escape(struct parser *ps, char *out, size_t *o)
{
    unsigned cp, lo;

    if (!hex4(ps->p, ps->i + 1, ps->n, &cp)) {
        return syntax(ps, "\\u needs four hex digits");
    }
    ps->i += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return syntax(ps, "a low surrogate without a high one");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (ps->n - ps->i < 6 || ps->p[ps->i] != '\\' || ps->p[ps->i + 1] != 'u' ||
            !hex4(ps->p, ps->i + 2, ps->n, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            return syntax(ps, "a high surrogate without a low one");
        }
        ps->i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *o += lw_utf8_encode(cp, out + *o);
    return LW_OK;
}

static enum lw_rc
simple_escape(struct parser *ps, char *out, size_t *o)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *at;

    if (ps->i >= ps->n) {
        return syntax(ps, "unterminated string");
    }
    if (ps->p[ps->i] == 'u') {
        return unicode_escape(ps, out, o);
    }
    at = ps->p[ps->i] != '\0' ? strchr(from, ps->p[ps->i]) : NULL;
    if (at == NULL) {
        return syntax(ps, "unknown escape");
    }
    out[(*o)++] = to[at - from];
    ps->i++;
    return LW_OK;
}

/* A string (ps->i at the opening quote), decoded into the strings buffer. */
static enum lw_rc
string(struct parser *ps, const char **s, uint32_t *len)
{
    char *out = ps->doc->strings + ps->spos;
    size_t o = 0;
    enum lw_rc rc;

    ps->i++;
    for (;;) {
        unsigned char c;
        unsigned cp;
        size_t k;

        if (ps->i >= ps->n) {
            return syntax(ps, "unterminated string");
        }
        c = (unsigned char)ps->p[ps->i];
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            return syntax(ps, "a control character in a string");
        }
        if (c == '\\') {
            ps->i++;
            if ((rc = simple_escape(ps, out, &o)) != LW_OK) {
                return rc;
            }
            continue;
        }
        k = lw_utf8_decode(lw_slice_make(ps->p + ps->i, ps->n - ps->i), &cp);
        if (k == 0) {
            return syntax(ps, "invalid UTF-8");
        }
        memcpy(out + o, ps->p + ps->i, k);
        o += k;
        ps->i += k;
    }
    ps->i++;
    out[o] = '\0';
    ps->spos += o + 1;
    *s = out;
    *len = (uint32_t)o;
    return LW_OK;
}

static size_t
digits(const char *p, size_t i, size_t n)
{
    size_t k = i;

    while (k < n && p[k] >= '0' && p[k] <= '9') {
        k++;
    }
    return k - i;
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static enum lw_rc
number(struct parser *ps, size_t idx)
{
    size_t start = ps->i, d;
    struct lw_json *v;

    if (ps->p[ps->i] == '-') {
        ps->i++;
    }
    d = digits(ps->p, ps->i, ps->n);
    if (d == 0) {
        return syntax(ps, "a number needs digits");
    }
    if (d > 1 && ps->p[ps->i] == '0') {
        return syntax(ps, "a number with a leading zero");
    }
    ps->i += d;
    if (ps->i < ps->n && ps->p[ps->i] == '.') {
        ps->i++;
        if ((d = digits(ps->p, ps->i, ps->n)) == 0) {
            return syntax(ps, "a fraction needs digits");
        }
        ps->i += d;
    }
    if (ps->i < ps->n && (ps->p[ps->i] == 'e' || ps->p[ps->i] == 'E')) {
        ps->i++;
        if (ps->i < ps->n && (ps->p[ps->i] == '+' || ps->p[ps->i] == '-')) {
            ps->i++;
        }
        if ((d = digits(ps->p, ps->i, ps->n)) == 0) {
            return syntax(ps, "an exponent needs digits");
        }
        ps->i += d;
    }
    v = &ps->doc->nodes[idx];
    v->val = ps->doc->strings + ps->spos;
    v->val_len = (uint32_t)(ps->i - start);
    memcpy(ps->doc->strings + ps->spos, ps->p + start, ps->i - start);
    ps->spos += ps->i - start;
    return LW_OK;
}

static enum lw_rc
literal(struct parser *ps, const char *word, enum lw_json_type type)
{
    size_t len = strlen(word);
    size_t idx = 0;

    if (ps->n - ps->i < len || memcmp(ps->p + ps->i, word, len) != 0) {
        return syntax(ps, "not a JSON value");
    }
    ps->i += len;
    return add_node(ps, type, &idx);
}

static enum lw_rc
open_container(struct parser *ps, enum lw_json_type type)
{
    size_t idx = 0;
    enum lw_rc rc;

    if (ps->depth >= ps->lim.max_depth) {
        return lw_error_set(ps->err, LW_ERR_TOO_LARGE, "JSON at byte %zu: nested deeper than %zu",
                            ps->i, ps->lim.max_depth);
    }
    if ((rc = add_node(ps, type, &idx)) != LW_OK) {
        return rc;
    }
    ps->stack = lw_xgrowarray(ps->stack, &ps->stack_cap, ps->depth + 1, ps->lim.max_depth,
                              sizeof(*ps->stack));
    ps->stack[ps->depth++] = (struct frame){.node = idx, .last = SIZE_MAX};
    ps->i++;
    return LW_OK;
}

/* One value at ps->i; *want becomes what may follow it. */
static enum lw_rc
value(struct parser *ps, enum want *want)
{
    size_t idx = 0;
    enum lw_rc rc;
    char c = ps->p[ps->i];

    *want = WANT_COMMA_OR_CLOSE;
    switch (c) {
    case '{': *want = WANT_FIRST_KEY; return open_container(ps, LW_JSON_OBJECT);
    case '[': *want = WANT_FIRST_VALUE; return open_container(ps, LW_JSON_ARRAY);
    case 't': return literal(ps, "true", LW_JSON_TRUE);
    case 'f': return literal(ps, "false", LW_JSON_FALSE);
    case 'n': return literal(ps, "null", LW_JSON_NULL);
    case '"': {
        const char *s = NULL;
        uint32_t len = 0;

        if ((rc = add_node(ps, LW_JSON_STRING, &idx)) != LW_OK ||
            (rc = string(ps, &s, &len)) != LW_OK) {
            return rc;
        }
        ps->doc->nodes[idx].val = s;
        ps->doc->nodes[idx].val_len = len;
        return LW_OK;
    }
    default:
        if (c != '-' && !(c >= '0' && c <= '9')) {
            return syntax(ps, "not a JSON value");
        }
        if ((rc = add_node(ps, LW_JSON_NUMBER, &idx)) != LW_OK) {
            return rc;
        }
        return number(ps, idx);
    }
}

/* An object member's key and its ':' (ps->i at the quote). */
static enum lw_rc
member_key(struct parser *ps)
{
    enum lw_rc rc;

    if (ps->p[ps->i] != '"') {
        return syntax(ps, "expected a member name in quotes");
    }
    if ((rc = string(ps, &ps->pending_key, &ps->pending_key_len)) != LW_OK) {
        return rc;
    }
    skip_ws(ps);
    if (ps->i >= ps->n || ps->p[ps->i] != ':') {
        return syntax(ps, "expected ':' after a member name");
    }
    ps->i++;
    return LW_OK;
}

/* After a value inside a container: ',' or the container's closing bracket. */
static enum lw_rc
comma_or_close(struct parser *ps, enum want *want)
{
    bool object = ps->doc->nodes[ps->stack[ps->depth - 1].node].type == LW_JSON_OBJECT;
    char c = ps->p[ps->i];

    if (c == ',') {
        ps->i++;
        *want = object ? WANT_KEY : WANT_VALUE;
        return LW_OK;
    }
    if (c != (object ? '}' : ']')) {
        return syntax(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    ps->i++;
    ps->depth--;
    *want = WANT_COMMA_OR_CLOSE;
    return LW_OK;
}

static enum lw_rc
step(struct parser *ps, enum want *want)
{
    enum lw_rc rc;

    if (ps->i >= ps->n) {
        return syntax(ps, ps->doc->n == 0 ? "empty input" : "unexpected end of input");
    }
    switch (*want) {
    case WANT_FIRST_VALUE:
        if (ps->p[ps->i] == ']') {
            return comma_or_close(ps, want);
        }
        return value(ps, want);
    case WANT_VALUE: return value(ps, want);
    case WANT_FIRST_KEY:
        if (ps->p[ps->i] == '}') {
            return comma_or_close(ps, want);
        }
        /* fall through: a first key */
        __attribute__((fallthrough));
    case WANT_KEY:
        if ((rc = member_key(ps)) != LW_OK) {
            return rc;
        }
        *want = WANT_VALUE;
        return LW_OK;
    case WANT_COMMA_OR_CLOSE: return comma_or_close(ps, want);
    }
    return syntax(ps, "internal state");
}

static enum lw_rc
parse(struct parser *ps)
{
    enum want want = WANT_VALUE;
    enum lw_rc rc;

    do {
        skip_ws(ps);
        if ((rc = step(ps, &want)) != LW_OK) {
            return rc;
        }
    } while (ps->depth > 0 || want != WANT_COMMA_OR_CLOSE);
    skip_ws(ps);
    if (ps->i != ps->n) {
        return syntax(ps, "data after the JSON value");
    }
    return LW_OK;
}

enum lw_rc
lw_json_parse(const char *p, size_t n, const struct lw_json_limits *lim, struct lw_json_doc **out,
              struct lw_error *err)
{
    struct parser ps = {.p = p, .n = n, .err = err};
    enum lw_rc rc;

    *out = NULL;
    ps.lim.max_bytes = lim != NULL && lim->max_bytes != 0 ? lim->max_bytes : DEFAULT_MAX_BYTES;
    ps.lim.max_depth = lim != NULL && lim->max_depth != 0 ? lim->max_depth : DEFAULT_MAX_DEPTH;
    ps.lim.max_nodes = lim != NULL && lim->max_nodes != 0 ? lim->max_nodes : DEFAULT_MAX_NODES;
    if (ps.lim.max_nodes > UINT32_MAX) {
        ps.lim.max_nodes = UINT32_MAX; /* node offsets and counts are 32-bit */
    }
    if (n > ps.lim.max_bytes || n >= UINT32_MAX) {
        return lw_error_set(err, LW_ERR_TOO_LARGE, "JSON of %zu bytes is over the limit of %zu",
                            n, ps.lim.max_bytes);
    }
    ps.doc = lw_xcalloc(1, sizeof(*ps.doc));
    ps.doc->strings_cap = n + 1;
    ps.doc->strings = lw_xmalloc(ps.doc->strings_cap);
    rc = parse(&ps);
    free(ps.stack);
    if (rc != LW_OK) {
        lw_json_free(ps.doc);
        return rc;
    }
    *out = ps.doc;
    return LW_OK;
}

void
lw_json_free(struct lw_json_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    /* request bodies may hold a clinic's rows: wipe the decoded copy */
    lw_wipe_free(doc->strings, doc->strings_cap);
    free(doc->nodes);
    free(doc);
}

const struct lw_json *
lw_json_root(const struct lw_json_doc *doc)
{
    return doc != NULL && doc->n > 0 ? &doc->nodes[0] : NULL;
}

enum lw_json_type
lw_json_type(const struct lw_json *v)
{
    return v != NULL ? (enum lw_json_type)v->type : LW_JSON_NULL;
}

const struct lw_json *
lw_json_get(const struct lw_json *v, const char *key)
{
    size_t len = strlen(key);

    if (v == NULL || v->type != LW_JSON_OBJECT) {
        return NULL;
    }
    for (const struct lw_json *m = lw_json_first(v); m != NULL; m = lw_json_next(m)) {
        if (m->key_len == len && memcmp(m->key, key, len) == 0) {
            return m;
        }
    }
    return NULL;
}

size_t
lw_json_count(const struct lw_json *v)
{
    return v != NULL && (v->type == LW_JSON_ARRAY || v->type == LW_JSON_OBJECT) ? v->count : 0;
}

const struct lw_json *
lw_json_first(const struct lw_json *v)
{
    return lw_json_count(v) > 0 ? v + 1 : NULL; /* document order: the first child follows */
}

const struct lw_json *
lw_json_next(const struct lw_json *v)
{
    return v != NULL && v->next != 0 ? v + v->next : NULL;
}

struct lw_slice
lw_json_key(const struct lw_json *member)
{
    if (member == NULL || member->key == NULL) {
        return lw_slice_make(NULL, 0);
    }
    return lw_slice_make(member->key, member->key_len);
}

bool
lw_json_string(const struct lw_json *v, struct lw_slice *out)
{
    if (v == NULL || v->type != LW_JSON_STRING) {
        return false;
    }
    *out = lw_slice_make(v->val, v->val_len);
    return true;
}

bool
lw_json_int(const struct lw_json *v, int64_t min, int64_t max, int64_t *out)
{
    if (v == NULL || v->type != LW_JSON_NUMBER ||
        memchr(v->val, '.', v->val_len) != NULL || memchr(v->val, 'e', v->val_len) != NULL ||
        memchr(v->val, 'E', v->val_len) != NULL) {
        return false;
    }
    return lw_parse_i64(lw_slice_make(v->val, v->val_len), min, max, out) == LW_OK;
}

bool
lw_json_bool(const struct lw_json *v, bool *out)
{
    if (v == NULL || (v->type != LW_JSON_TRUE && v->type != LW_JSON_FALSE)) {
        return false;
    }
    *out = v->type == LW_JSON_TRUE;
    return true;
}
