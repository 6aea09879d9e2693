/*
 * parsers/json.c — JSON Lines, concatenated JSON values and JSON documents of any size (a top-level
 * array of GBs, an API export wrapping its records), streamed into records without building a tree.
 *
 * Records. A container not inside a record is "outside"; as each container opens:
 *   - every element of an outside array is a record: an object or array element, of the scalars
 *     inside it; a scalar element of the top-level array, of one unnamed field. So `[{…}, {…}]`
 *     gives one record per element. A top-level scalar is a record of one unnamed field.
 *   - a top-level object is a record when the input is a stream (JSON Lines, concatenated values:
 *     the first 16 KiB hold the end of the first value and the start of a second). Otherwise (one
 *     document, or a first value longer than that) it is a wrapper: it and the objects under it
 *     stay outside, so `{"data": [{…}, …], "meta": {…}}` or `{"patients": {"items": […]}}` gives
 *     one record per element of every array in it (up to depth_max), and the wrapper's own scalars
 *     (of its outside objects, and the scalar elements of its outside arrays) one more record,
 *     handed out when it closes. That one is never cut: when it could not take another field whole
 *     (fields_max fields, or under field_max bytes of record_max left) it is handed out as it
 *     stands and the wrapper's later scalars start another.
 * A record without fields (`{}`, all null) is not returned. A record's offset is its first byte's.
 *
 * Fields. Every string, number, true and false in a record, named by its key path relative to the
 * record ("patient.contact.email"); array elements take their array's key ("emails",
 * "phones.number"); an array record's and a scalar record's fields are unnamed. null gives none.
 * Strings are decoded (escapes; \uXXXX and surrogate pairs to UTF-8, a lone surrogate to U+FFFD);
 * other bytes, invalid UTF-8 and Latin-1 included, pass through for parsers/encoding.c. Bare words
 * are kept as written. A key is kept to KEY_MAX bytes (cut on a UTF-8 boundary); a longer name than
 * NAME_LEN_MAX keeps its last components, from a '.' (the leaf key says most about the value).
 *
 * Limits. A value is cut at field_max, the rest skipped (cut_fields). A record takes fields_max
 * fields and record_max value bytes; past either it is cut (cut_records, counted when returned).
 * Nesting past depth_max (from the top level; at least 2) is not followed: a 64-bit counter stands
 * in for the stack, scalars inside are fields named by the key path at depth_max (a string followed
 * by ':' is taken for a key and dropped), too_deep counts once per record. So `[[[[…]]]]` ten
 * million deep parses in constant memory and stays in step.
 *
 * Leniency, for what sloppy exporters and hand edits make: trailing commas, no comma between array
 * elements that are containers, bare words as values (NaN, 0401234567) and keys ({a: 1}), commas
 * between top-level values, NUL as white space, and unescaped quotes in strings: a quote ends a
 * string only when ',', ':', '}', ']' or the end of input follows (after white space), otherwise it
 * is text. Raw control bytes in strings are kept, but a raw newline in a JSON Lines record's string
 * is an error (a cut line).
 *
 * Errors. An error inside a record drops it (bad_records) and skips to the enclosing outside
 * array's next element: its next ',' or '{'/'[' (or its ']'), brackets counted and strings skipped
 * on the way; an error outside records skips the same way in the container it is in; with no
 * container (a stream's record, stray bytes at the top level), to the next line starting with '{'
 * or '['. Each byte is looked at a bounded number of times. At the end of input a scalar cut short
 * is dropped (a cut identifier can read as another valid one); the open record and wrapper are
 * returned, marked cut, if they have fields.
 *
 * Sniffing: 0 unless the first non-space byte is '{' or '['. 90 when the first 4 KiB validate
 * (strictly) as the start of JSON values, 85 when the first KiB does, 80 for JSON Lines (at least
 * two lines, and half of them, are `{…}`), 60 for `[{"` however broken; a .json/.jsonl/.ndjson name
 * adds 5. A CSV whose first cell starts with '{' fails all of these.
 *
 * The algorithm: a byte-at-a-time state machine over reader_fill()/reader_consume(), runs of string
 * and bare-word bytes copied in bulk; an explicit stack of at most depth_max frames (object/array,
 * inside a record or not, key path length at its start); the key path in one buffer, cut back as
 * frames close; two record builders (the record, the wrapper) of bounded value and name buffers and
 * a field table of offsets, turned into slices only when handed out. No recursion.
 *
 * Rejected: a DOM, or a library (yajl, jansson): a tree of a 1 GB export breaks the memory bound;
 * SAX-style libraries keep a stack per level (10 million deep), are strict where leaks are sloppy,
 * and need a second layer to make records anyway. Choosing the record array by key name ("data",
 * "results") was rejected too: exporters use any name; an array not inside a record is the array.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "parsers/parser.h"

#define KEY_MAX 256                /* bytes of one key kept in the key path */
#define NAME_LEN_MAX 256           /* bytes of a field name: the key path relative to its record */
#define PATH_CAP_MAX (64u * 1024u) /* the whole key path, from the top level */
#define TENT_MAX 32                /* white space held after a quote that may not end its string */
#define SNIFF_SPAN 4096            /* bytes of the head the sniffer validates */
#define SNIFF_VALID_MIN 1024       /* valid bytes before an error that still make it JSON */
#define DEPTH_MIN 2                /* the top-level array and its records always have frames */
#define NO_ROOT SIZE_MAX

/* What the next byte means. */
enum state {
    S_VALUE,   /* a value (or ']' in an array; at the top level also white space and ',') */
    S_KEY,     /* a key or '}' */
    S_COLON,   /* ':' after a key */
    S_AFTER,   /* after a value: ',' or a close (at the top level: anything) */
    S_STR,     /* inside a string */
    S_ESC,     /* after a backslash */
    S_HEX,     /* inside \uXXXX */
    S_LOW1,    /* after a high surrogate: the '\' of its low half */
    S_LOW2,    /* the 'u' of the low half */
    S_STR_END, /* after a quote that ends the string unless what follows says otherwise */
    S_LIT,     /* inside a bare word: a number, true, false, null or anything else */
    S_DEEP,    /* inside containers past depth_max: only brackets are counted */
    S_RESYNC,  /* after an error: skipping to the next element of the top frame */
    S_LINE,    /* after an error at the top level: skipping to a line that starts a value */
};

/* What a step did with its byte. */
enum {
    NX, /* consumed it */
    AG, /* look at it again in the new state */
    RD, /* consumed it; a record is ready */
    RA, /* a record is ready; look at it again */
};

enum sink { SINK_KEY, SINK_VALUE };

struct frame {
    bool obj;         /* object, else array */
    bool inside;      /* inside a record (the record's root included) */
    size_t path_base; /* key path length when it opened */
};

struct fld {
    size_t name_off, name_len, val_off, val_len;
};

/* One record being filled: values and names in bounded buffers, fields as offsets into them. */
struct builder {
    struct lw_buf vals;  /* at most record_max */
    struct lw_buf names; /* at most fields_max * NAME_LEN_MAX */
    struct fld *f;
    size_t n, cap;
    struct record_field *out; /* made when the record is handed out */
    size_t out_cap;
    uint64_t offset;
    bool active; /* a record has begun */
    bool cut;    /* a value was cut at field_max */
    bool full;   /* a field or value bytes were refused: fields_max or record_max */
    bool deep;   /* too_deep counted for this record */
};

/* A builder as it was before a value began, to take the value back (null, a key, the end). */
struct snap {
    size_t vals_len, names_len, n;
    bool cut, full;
};

struct parser {
    struct reader *r;
    struct parse_limits lim;
    struct parse_stats *st; /* the caller's, during next() */
    size_t depth_max;
    bool stream; /* top-level objects are records, not wrappers */

    enum state state;
    struct frame *stack;
    size_t depth, stack_cap;
    uint64_t deep; /* containers open past depth_max */

    char *path; /* key path from the top level, components joined by '.' */
    size_t path_len, path_cap;
    char key[KEY_MAX];
    size_t key_len;
    bool key_cut;

    struct builder b[2];
    struct builder *rec, *wrap, *ready; /* ready: handed out, to be reset by the next call */
    struct record out;
    size_t rec_root; /* stack index of the record's root container, or NO_ROOT */
    size_t rec_base; /* path length at the record's root */

    /* the scalar being read */
    enum sink sink;
    struct builder *tgt;
    struct snap snap;
    bool fld_open;    /* a field was added for it */
    bool vcut;        /* cut at field_max (counted when the field is kept) */
    bool vstop;       /* no more bytes are kept */
    bool scalar_rec;  /* it is a record of its own */
    bool pending;     /* past depth_max: a value unless ':' follows */
    bool line_strict; /* a raw newline in it is an error (JSON Lines record) */
    bool lit, lit_null;
    size_t lit_len;
    unsigned hex, hexn, hi;
    char tent[TENT_MAX];
    size_t tent_len;

    uint64_t rs_level; /* resync: containers open above the top frame */
    bool rs_str, rs_esc, line_start;
    uint64_t base; /* input offset of the window's first byte */
    bool at_eof, done;
};

static bool
is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v' || c == '\0';
}

/* A byte of a bare word: anything but white space and JSON's punctuation. */
static bool
is_lit(char c)
{
    return !is_ws(c) && c != '{' && c != '}' && c != '[' && c != ']' && c != ',' && c != ':' &&
           c != '"';
}

static int
hex_value(char c)
{
    if (lw_ascii_is_digit(c)) {
        return c - '0';
    }
    c = lw_ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The length of s[0, n) less an incomplete UTF-8 sequence at its end. */
static size_t
utf8_whole(const char *s, size_t n)
{
    size_t i = n;
    size_t want;
    unsigned char lead;

    while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
    }
    if (i == 0) {
        return n;
    }
    lead = (unsigned char)s[i - 1];
    want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return want > 1 && n - (i - 1) < want ? i - 1 : n;
}

/* ---- record builders ---- */

static void
builder_init(struct builder *b, const struct parse_limits *lim)
{
    size_t names_max;

    memset(b, 0, sizeof(*b));
    if (!lw_size_mul(lim->fields_max, NAME_LEN_MAX, &names_max) || names_max == SIZE_MAX) {
        names_max = SIZE_MAX - 1;
    }
    lw_buf_init(&b->vals, lim->record_max);
    lw_buf_init(&b->names, names_max);
}

/* Wipe the contents; the builder is idle. */
static void
builder_reset(struct builder *b)
{
    lw_buf_reset(&b->vals);
    lw_buf_reset(&b->names);
    b->n = 0;
    b->active = b->cut = b->full = b->deep = false;
}

static void
builder_free(struct builder *b)
{
    lw_buf_free(&b->vals);
    lw_buf_free(&b->names);
    free(b->f);
    free(b->out);
}

static void
builder_begin(struct builder *b, uint64_t offset)
{
    builder_reset(b);
    b->active = true;
    b->offset = offset;
}

static void
snapshot(const struct builder *b, struct snap *s)
{
    s->vals_len = b->vals.len;
    s->names_len = b->names.len;
    s->n = b->n;
    s->cut = b->cut;
    s->full = b->full;
}

/* Take back everything added since the snapshot (the bytes are wiped). */
static void
restore(struct builder *b, const struct snap *s)
{
    if (b->vals.len > s->vals_len) {
        lw_wipe(b->vals.data + s->vals_len, b->vals.len - s->vals_len);
        b->vals.len = s->vals_len;
    }
    if (b->names.len > s->names_len) {
        lw_wipe(b->names.data + s->names_len, b->names.len - s->names_len);
        b->names.len = s->names_len;
    }
    b->n = s->n;
    b->cut = s->cut;
    b->full = s->full;
}

/* Start a field called name; false (and the record marked full) when it would pass fields_max or
 * record_max was already reached. */
static bool
field_add(const struct parser *p, struct builder *b, struct lw_slice name)
{
    if (b->full || b->n >= p->lim.fields_max) {
        b->full = true;
        return false;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap < 8 ? 8 : b->cap;

        if (!lw_size_mul(cap, 2, &cap) || cap > p->lim.fields_max) {
            cap = p->lim.fields_max;
        }
        b->f = lw_xreallocarray(b->f, cap, sizeof(*b->f));
        b->cap = cap;
    }
    (void)lw_buf_append(&b->names, name.p, name.len); /* fits: n < fields_max names of <= max */
    b->f[b->n].name_off = b->names.len - name.len;
    b->f[b->n].name_len = name.len;
    b->f[b->n].val_off = b->vals.len;
    b->f[b->n].val_len = 0;
    b->n++;
    return true;
}

/* Hand b out as the next record. */
static void
emit(struct parser *p, struct builder *b, bool cut)
{
    const char *vals = b->vals.data != NULL ? b->vals.data : "";
    const char *names = b->names.data != NULL ? b->names.data : "";

    if (b->out_cap < b->n) {
        b->out = lw_xreallocarray(b->out, b->n, sizeof(*b->out));
        b->out_cap = b->n;
    }
    for (size_t i = 0; i < b->n; i++) {
        b->out[i].name = lw_slice_make(names + b->f[i].name_off, b->f[i].name_len);
        b->out[i].value = lw_slice_make(vals + b->f[i].val_off, b->f[i].val_len);
        b->out[i].role = FIELD_ROLE_NONE;
    }
    p->out.fields = b->out;
    p->out.n_fields = b->n;
    p->out.offset = b->offset;
    p->out.cut = cut || b->cut || b->full;
    p->ready = b;
    b->active = false;
    p->st->records++;
    if (b->full) {
        p->st->cut_records++;
    }
}

/* ---- the key path ---- */

/* The name of a field: the key path after base, its leading '.' dropped, its last components
 * when it is too long. */
static struct lw_slice
name_of(const struct parser *p, size_t base)
{
    const char *s = p->path + base;
    size_t n = p->path_len - base;
    size_t from;
    const char *dot;

    if (n > 0 && s[0] == '.') {
        s++;
        n--;
    }
    if (n <= NAME_LEN_MAX) {
        return lw_slice_make(s, n);
    }
    from = n - NAME_LEN_MAX;
    if (s[from - 1] != '.') {
        dot = memchr(s + from, '.', n - from);
        if (dot != NULL && dot + 1 < s + n) {
            from = (size_t)(dot + 1 - s);
        }
    }
    return lw_slice_make(s + from, n - from);
}

/* The key just read becomes the last component of the path of the object on top. */
static void
set_key(struct parser *p)
{
    const struct frame *top = &p->stack[p->depth - 1];
    size_t len = p->key_cut ? utf8_whole(p->key, p->key_len) : p->key_len;
    size_t sep = top->path_base > 0 ? 1 : 0;

    p->path_len = top->path_base;
    if (len + sep > p->path_cap - p->path_len) {
        return; /* the path buffer is full (hundreds of long keys deep): this key is left out */
    }
    if (sep) {
        p->path[p->path_len++] = '.';
    }
    memcpy(p->path + p->path_len, p->key, len);
    p->path_len += len;
}

/* ---- scalars ---- */

/* Append n bytes of the current value, within field_max and record_max. whole: all or nothing
 * (one encoded character). */
static void
put_value(struct parser *p, const char *s, size_t n, bool whole)
{
    struct builder *b = p->tgt;
    size_t cur, room_f, room_r, k = n;

    if (!p->fld_open || p->vstop || n == 0) {
        return;
    }
    cur = b->vals.len - b->f[b->n - 1].val_off;
    room_f = p->lim.field_max > cur ? p->lim.field_max - cur : 0;
    room_r = p->lim.record_max > b->vals.len ? p->lim.record_max - b->vals.len : 0;
    if (k > room_f || k > room_r) {
        if (room_f <= room_r) {
            p->vcut = true;
            k = room_f;
        } else {
            b->full = true;
            k = room_r;
        }
        p->vstop = true;
        if (whole) {
            k = 0;
        }
    }
    (void)lw_buf_append(&b->vals, s, k); /* fits: k <= record_max - len */
}

static void
put(struct parser *p, const char *s, size_t n)
{
    if (p->sink == SINK_VALUE) {
        put_value(p, s, n, false);
        return;
    }
    if (n > KEY_MAX - p->key_len) {
        n = KEY_MAX - p->key_len;
        p->key_cut = true;
    }
    memcpy(p->key + p->key_len, s, n);
    p->key_len += n;
}

static void
put_cp(struct parser *p, unsigned cp)
{
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    char u[4];

    for (size_t i = n - 1; i > 0; i--, cp >>= 6) {
        u[i] = (char)(0x80 | (cp & 0x3F));
    }
    u[0] = (char)(lead[n] | cp);
    if (p->sink == SINK_VALUE) {
        put_value(p, u, n, true);
    } else if (n <= KEY_MAX - p->key_len) {
        put(p, u, n);
    } else {
        p->key_cut = true;
    }
}

/* A value cut at field_max is counted once it is known to be kept. */
static void
commit(struct parser *p)
{
    if (p->vcut) {
        p->st->cut_fields++;
        p->tgt->cut = true;
        p->vcut = false;
    }
}

/* Is the wrapper record unable to take another field whole? */
static bool
wrapper_full(const struct parser *p)
{
    const struct builder *w = p->wrap;

    return w->n > 0 && (w->full || w->n >= p->lim.fields_max ||
                        p->lim.field_max > p->lim.record_max - w->vals.len);
}

/* Hand the wrapper record out as it stands; the wrapper goes on in the idle builder. */
static void
flush_wrapper(struct parser *p)
{
    struct builder *w = p->wrap;

    emit(p, w, false);
    p->wrap = p->rec;
    p->rec = w;
    builder_begin(p->wrap, w->offset);
}

/* A scalar (a string when !lit) starts at off, in a value position: choose where it goes. */
static int
scalar_begin(struct parser *p, bool lit, uint64_t off)
{
    size_t base;

    p->scalar_rec = false;
    if (p->depth == 0 || (p->depth == 1 && !p->stack[0].obj)) {
        builder_begin(p->rec, off); /* a top-level scalar, or one of the top-level array */
        p->scalar_rec = true;
        p->tgt = p->rec;
        base = p->path_len;
    } else if (p->rec_root != NO_ROOT) {
        p->tgt = p->rec;
        base = p->rec_base;
    } else {
        if (wrapper_full(p)) {
            flush_wrapper(p);
            return RA;
        }
        p->tgt = p->wrap;
        base = 0;
    }
    p->sink = SINK_VALUE;
    p->lit = lit;
    p->lit_null = true;
    p->lit_len = 0;
    p->vcut = p->vstop = false;
    p->line_strict = p->depth == 0 || p->rec_root == 0;
    snapshot(p->tgt, &p->snap);
    p->fld_open = p->tgt->active && field_add(p, p->tgt, name_of(p, base));
    p->state = lit ? S_LIT : S_STR;
    return lit ? AG : NX;
}

static int
key_begin(struct parser *p, bool lit)
{
    p->sink = SINK_KEY;
    p->lit = lit;
    p->key_len = 0;
    p->key_cut = false;
    p->line_strict = p->rec_root == 0;
    p->state = lit ? S_LIT : S_STR;
    return lit ? AG : NX;
}

/* The scalar ended. True when it was a record of its own, now handed out. */
static bool
scalar_end(struct parser *p)
{
    struct builder *b = p->tgt;

    if (p->sink == SINK_KEY) {
        set_key(p);
        p->state = S_COLON;
        return false;
    }
    if (p->fld_open) {
        b->f[b->n - 1].val_len = b->vals.len - b->f[b->n - 1].val_off;
    }
    p->fld_open = false;
    if (p->lit && p->lit_null && p->lit_len == 4) {
        restore(b, &p->snap); /* null: no field */
        p->vcut = false;
    } else if (p->deep > 0) {
        p->pending = true;
    } else {
        commit(p);
    }
    p->state = p->deep > 0 ? S_DEEP : S_AFTER;
    if (!p->scalar_rec) {
        return false;
    }
    p->scalar_rec = false;
    if (p->rec->n > 0) {
        emit(p, p->rec, false);
        return true;
    }
    builder_reset(p->rec);
    return false;
}

/* ---- structure ---- */

static void
push(struct parser *p, const struct frame *f)
{
    if (p->depth == p->stack_cap) {
        size_t cap = p->stack_cap < 16 ? 16 : p->stack_cap;

        if (!lw_size_mul(cap, 2, &cap) || cap > p->depth_max) {
            cap = p->depth_max;
        }
        p->stack = lw_xreallocarray(p->stack, cap, sizeof(*p->stack));
        p->stack_cap = cap;
    }
    p->stack[p->depth++] = *f;
}

static void
start_record(struct parser *p, struct frame *f, uint64_t off)
{
    f->inside = true;
    p->rec_root = p->depth;
    p->rec_base = p->path_len;
    builder_begin(p->rec, off);
}

/* Nesting past depth_max: count it, note it once for the record it is in. */
static void
go_deep(struct parser *p)
{
    struct builder *b = p->rec_root != NO_ROOT ? p->rec : p->wrap;

    p->deep = 1;
    p->state = S_DEEP;
    if (b->active && !b->deep) {
        b->deep = true;
        p->st->too_deep++;
    }
}

static int
open_container(struct parser *p, bool obj, uint64_t off)
{
    struct frame f = {obj, false, p->path_len};

    if (p->depth >= p->depth_max) {
        go_deep(p);
        return NX;
    }
    if (p->depth == 0) {
        if (obj && p->stream) {
            start_record(p, &f, off);
        } else if (obj) {
            builder_begin(p->wrap, off);
        }
    } else if (p->stack[p->depth - 1].inside) {
        f.inside = true;
    } else if (!p->stack[p->depth - 1].obj) {
        start_record(p, &f, off);
    }
    push(p, &f);
    p->state = obj ? S_KEY : S_VALUE;
    return NX;
}

/*
 * Something that cannot be: drop the open record, count it, and skip — to the next element of the
 * container enclosing the record (or of the container the error is in, outside records), or to the
 * next line starting a value when there is none.
 */
static int
error(struct parser *p)
{
    size_t t = p->depth;

    p->st->bad_records++;
    if (p->scalar_rec) {
        builder_reset(p->rec);
        p->scalar_rec = false;
    }
    if (p->rec_root != NO_ROOT) {
        t = p->rec_root;
        builder_reset(p->rec);
        p->rec_root = NO_ROOT;
    }
    p->fld_open = p->pending = false;
    p->rs_level = p->depth - t + p->deep;
    p->deep = 0;
    if (t == 0) {
        p->depth = 0;
        p->path_len = 0;
        p->line_start = false;
        p->state = S_LINE;
        return AG;
    }
    if (p->depth > t) {
        p->path_len = p->stack[t].path_base;
    }
    p->depth = t;
    p->rs_str = p->rs_esc = false;
    p->state = S_RESYNC;
    return AG;
}

static int
close_container(struct parser *p, char c)
{
    const struct frame *top = &p->stack[p->depth - 1];
    struct builder *b;

    if (top->obj != (c == '}')) {
        return error(p);
    }
    p->depth--;
    p->path_len = top->path_base;
    p->state = S_AFTER;
    if (p->depth == p->rec_root) {
        p->rec_root = NO_ROOT;
        b = p->rec;
    } else if (p->depth == 0 && top->obj && p->wrap->active) {
        b = p->wrap;
    } else {
        return NX;
    }
    if (b->n == 0) {
        builder_reset(b);
        return NX;
    }
    emit(p, b, false);
    return RD;
}

static int
value_start(struct parser *p, char c, uint64_t off)
{
    bool in_array = p->depth > 0 && !p->stack[p->depth - 1].obj;

    if (c == '{' || c == '[') {
        return open_container(p, c == '{', off);
    }
    if (c == '"') {
        return scalar_begin(p, false, off);
    }
    if (in_array && c == ']') {
        return close_container(p, c); /* an empty array, or a trailing comma */
    }
    if ((in_array || p->depth == 0) && c == ',') {
        return NX;
    }
    if (p->depth == 0 &&
        ((unsigned char)c == 0xEF || (unsigned char)c == 0xBB || (unsigned char)c == 0xBF)) {
        return NX; /* the byte-order mark of a file concatenated to another */
    }
    if (is_lit(c)) {
        return scalar_begin(p, true, off);
    }
    return error(p);
}

static int
after_value(struct parser *p, char c)
{
    bool obj;

    if (p->depth == 0) {
        p->state = S_VALUE;
        return c == ',' ? NX : AG;
    }
    obj = p->stack[p->depth - 1].obj;
    if (c == ',') {
        p->state = obj ? S_KEY : S_VALUE;
        return NX;
    }
    if (c == '}' || c == ']') {
        return close_container(p, c);
    }
    if (!obj && (c == '{' || c == '[')) {
        p->state = S_VALUE; /* a missing comma between elements */
        return AG;
    }
    return error(p);
}

static int
structural(struct parser *p, char c, uint64_t off)
{
    if (is_ws(c)) {
        return NX;
    }
    switch (p->state) {
    case S_COLON:
        if (c == ':') {
            p->state = S_VALUE;
            return NX;
        }
        return error(p);
    case S_KEY:
        if (c == '"' || is_lit(c)) {
            return key_begin(p, c != '"');
        }
        if (c == '}') {
            return close_container(p, c);
        }
        return c == ',' ? NX : error(p);
    case S_AFTER: return after_value(p, c);
    default: return value_start(p, c, off);
    }
}

/* ---- strings ---- */

/* A \uXXXX unit is complete. */
static void
unit(struct parser *p, unsigned u)
{
    p->state = S_STR;
    if (p->hi != 0) {
        unsigned hi = p->hi;

        p->hi = 0;
        if (u >= 0xDC00 && u <= 0xDFFF) {
            put_cp(p, 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00));
            return;
        }
        put_cp(p, 0xFFFD);
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
        p->hi = u;
        p->state = S_LOW1;
        return;
    }
    put_cp(p, u >= 0xDC00 && u <= 0xDFFF ? 0xFFFD : u);
}

static int
escape(struct parser *p, char c)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *k = memchr(from, c, sizeof(from) - 1);

    p->state = S_STR;
    if (k != NULL) {
        put(p, &to[k - from], 1);
        return NX;
    }
    if (c == 'u') {
        p->hex = p->hexn = 0;
        p->state = S_HEX;
        return NX;
    }
    put(p, "\\", 1); /* not an escape: kept as written */
    return AG;
}

static int
hex_digit(struct parser *p, char c)
{
    int d = hex_value(c);

    if (d < 0) {
        if (p->hi != 0) {
            put_cp(p, 0xFFFD);
            p->hi = 0;
        }
        put_cp(p, 0xFFFD);
        p->state = S_STR;
        return AG;
    }
    p->hex = p->hex * 16 + (unsigned)d;
    if (++p->hexn == 4) {
        unit(p, p->hex);
    }
    return NX;
}

/* After a quote inside a container: it ends the string if a ',', ':', '}' or ']' follows. */
static int
tentative(struct parser *p, char c)
{
    if (c == ',' || c == ':' || c == '}' || c == ']') {
        return scalar_end(p) ? RA : AG;
    }
    if (is_ws(c)) {
        if ((c == '\n' && p->line_strict) || p->tent_len == TENT_MAX) {
            return scalar_end(p) ? RA : AG;
        }
        p->tent[p->tent_len++] = c;
        return NX;
    }
    put(p, "\"", 1); /* an unescaped quote inside the text */
    put(p, p->tent, p->tent_len);
    p->state = S_STR;
    return AG;
}

static int
in_string(struct parser *p, char c)
{
    switch (p->state) {
    case S_STR:
        if (c == '"') {
            if (p->depth == 0) {
                return scalar_end(p) ? RD : NX;
            }
            p->tent_len = 0;
            p->state = S_STR_END;
            return NX;
        }
        if (c == '\\') {
            p->state = S_ESC;
            return NX;
        }
        if (c == '\n' && p->line_strict) {
            return error(p);
        }
        put(p, &c, 1);
        return NX;
    case S_ESC: return escape(p, c);
    case S_HEX: return hex_digit(p, c);
    case S_LOW1:
        if (c == '\\') {
            p->state = S_LOW2;
            return NX;
        }
        p->hi = 0;
        put_cp(p, 0xFFFD);
        p->state = S_STR;
        return AG;
    case S_LOW2:
        if (c == 'u') {
            p->hex = p->hexn = 0;
            p->state = S_HEX;
            return NX;
        }
        p->hi = 0;
        put_cp(p, 0xFFFD);
        p->state = S_ESC;
        return AG;
    default: return tentative(p, c);
    }
}

/* Plain string bytes from s, in bulk: how many were taken. */
static size_t
str_run(struct parser *p, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && s[i] != '"' && s[i] != '\\' && !(s[i] == '\n' && p->line_strict)) {
        i++;
    }
    put(p, s, i);
    return i;
}

/* Bare-word bytes from s, in bulk: how many were taken. */
static size_t
lit_run(struct parser *p, const char *s, size_t n)
{
    size_t i = 0;

    for (; i < n && is_lit(s[i]); i++) {
        p->lit_null = p->lit_null && p->lit_len < 4 && s[i] == "null"[p->lit_len];
        p->lit_len++;
    }
    put(p, s, i);
    return i;
}

/* ---- past depth_max, and after errors ---- */

static int
in_deep(struct parser *p, char c, uint64_t off)
{
    if (is_ws(c)) {
        return NX;
    }
    if (p->pending) {
        p->pending = false;
        if (c == ':') {
            restore(p->tgt, &p->snap); /* it was a key */
            p->vcut = false;
            return NX;
        }
        commit(p);
    }
    switch (c) {
    case '{':
    case '[': p->deep++; return NX;
    case '}':
    case ']':
        if (--p->deep == 0) {
            p->state = S_AFTER;
        }
        return NX;
    case ',':
    case ':': return NX;
    case '"': return scalar_begin(p, false, off);
    default: return scalar_begin(p, true, off);
    }
}

static int
in_resync(struct parser *p, char c)
{
    bool obj = p->stack[p->depth - 1].obj;

    if (p->rs_str) {
        if (p->rs_esc) {
            p->rs_esc = false;
        } else if (c == '\\') {
            p->rs_esc = true;
        } else if (c == '"' || c == '\n') {
            p->rs_str = false; /* strings hold no raw newline: a lost quote heals at a line end */
        }
        return NX;
    }
    switch (c) {
    case '"': p->rs_str = true; return NX;
    case '{':
    case '[':
        if (p->rs_level == 0 && !obj) {
            p->state = S_VALUE; /* the next element, its comma lost */
            return AG;
        }
        p->rs_level++;
        return NX;
    case '}':
    case ']':
        if (p->rs_level > 0) {
            p->rs_level--;
            return NX;
        }
        if (obj == (c == '}')) {
            p->state = S_AFTER;
            return AG;
        }
        return NX;
    case ',':
        if (p->rs_level == 0) {
            p->state = obj ? S_KEY : S_VALUE;
        }
        return NX;
    default: return NX;
    }
}

static int
in_line(struct parser *p, char c)
{
    if (c == '\n') {
        p->line_start = true;
        return NX;
    }
    if (p->line_start && (c == '{' || c == '[')) {
        p->state = S_VALUE;
        return AG;
    }
    p->line_start = false;
    return NX;
}

static int
step(struct parser *p, char c, uint64_t off)
{
    switch (p->state) {
    case S_STR:
    case S_ESC:
    case S_HEX:
    case S_LOW1:
    case S_LOW2:
    case S_STR_END: return in_string(p, c);
    case S_LIT: return scalar_end(p) ? RA : AG; /* the byte after the word (feed() took the word) */
    case S_DEEP: return in_deep(p, c, off);
    case S_RESYNC: return in_resync(p, c);
    case S_LINE: return in_line(p, c);
    default: return structural(p, c, off);
    }
}

/* Run the machine over buf until a record is ready (returns 1) or buf is used up (0); *used gets
 * the bytes consumed. */
static int
feed(struct parser *p, const char *buf, size_t n, size_t *used)
{
    size_t i = 0;

    while (i < n) {
        int rc;

        if (p->state == S_STR || p->state == S_LIT) {
            i += p->state == S_STR ? str_run(p, buf + i, n - i) : lit_run(p, buf + i, n - i);
            if (i == n) {
                break;
            }
        }
        rc = step(p, buf[i], p->base + i);
        if (rc == NX) {
            i++;
        } else if (rc == RD || rc == RA) {
            *used = rc == RD ? i + 1 : i;
            return 1;
        }
    }
    *used = n;
    return 0;
}

/* The end of the input: finish a scalar that can be finished, drop one that cannot. */
static bool
finish_scalar(struct parser *p)
{
    switch (p->state) {
    case S_STR_END: return scalar_end(p);
    case S_LIT:
        if (p->depth == 0) {
            return scalar_end(p);
        }
        break;
    case S_STR:
    case S_ESC:
    case S_HEX:
    case S_LOW1:
    case S_LOW2: break;
    case S_DEEP:
        if (p->pending) {
            p->pending = false;
            commit(p);
        }
        return false;
    default: return false;
    }
    if (p->sink == SINK_VALUE) {
        restore(p->tgt, &p->snap);
        p->fld_open = p->vcut = false;
        if (p->scalar_rec) {
            builder_reset(p->rec);
            p->scalar_rec = false;
        }
    }
    return false;
}

/* At the end of the input: hand out what is left, one record per call; false when nothing is. */
static bool
finish(struct parser *p)
{
    if (!p->at_eof) {
        p->at_eof = true;
        if (finish_scalar(p)) {
            return true;
        }
    }
    for (int i = 0; i < 2; i++) {
        struct builder *b = i == 0 ? p->rec : p->wrap;

        if (b->active && b->n > 0) {
            emit(p, b, true);
            return true;
        }
        if (b->active) {
            builder_reset(b);
        }
    }
    return false;
}

/* ---- sniffing: a strict validator for a prefix of the input ---- */

/* Is s[0, n) a JSON literal (or, when partial, the start of one)? */
static bool
literal_ok(const char *s, size_t n, bool partial)
{
    static const char *const words[] = {"true", "false", "null"};
    /* number states: 0 start, 1 '-', 2 '0', 3 int, 4 '.', 5 frac, 6 'e', 7 e-sign, 8 exp */
    int st = 0;

    for (size_t w = 0; w < 3; w++) {
        size_t wl = strlen(words[w]);

        if (n > 0 && n <= wl && memcmp(s, words[w], n) == 0 && (partial || n == wl)) {
            return true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool d = lw_ascii_is_digit(c);

        if (st == 0 && c == '-') {
            st = 1;
        } else if ((st == 0 || st == 1) && d) {
            st = c == '0' ? 2 : 3;
        } else if ((st == 3 && d) || ((st == 4 || st == 5) && d)) {
            st = st == 3 ? 3 : 5;
        } else if ((st == 2 || st == 3) && c == '.') {
            st = 4;
        } else if ((st == 2 || st == 3 || st == 5) && (c == 'e' || c == 'E')) {
            st = 6;
        } else if (st == 6 && (c == '+' || c == '-')) {
            st = 7;
        } else if ((st >= 6 && st <= 8) && d) {
            st = 8;
        } else {
            return false;
        }
    }
    return n > 0 && (partial || st == 2 || st == 3 || st == 5 || st == 8);
}

enum { K_VALUE, K_FIRST, K_KEY, K_KEY2, K_COLON, K_AFTER, K_STR, K_ESC, K_HEX, K_LIT };

struct skim {
    bool ok;       /* no error in the bytes looked at */
    size_t err_at; /* where the first error is (when !ok) */
    size_t values; /* top-level values begun */
    int st;
    uint64_t objs; /* bit i: level i is an object (levels past 64 are not checked) */
    size_t depth, lit, hexn;
    bool key;
};

static int
skim_close(struct skim *k, char c)
{
    if (k->depth == 0 ||
        (k->depth <= 64 && (((k->objs >> (k->depth - 1)) & 1) != 0) != (c == '}'))) {
        return -1;
    }
    k->depth--;
    k->st = k->depth == 0 ? K_VALUE : K_AFTER;
    return 0;
}

static int
skim_structure(struct skim *k, const char *s, size_t i)
{
    char c = s[i];

    if (is_ws(c) && c != '\0') {
        return 0;
    }
    switch (k->st) {
    case K_COLON: k->st = K_VALUE; return c == ':' ? 0 : -1;
    case K_AFTER:
        if (c == ',') {
            k->st = k->depth <= 64 && ((k->objs >> (k->depth - 1)) & 1) != 0 ? K_KEY2 : K_VALUE;
            return 0;
        }
        if (c == ':' && k->depth > 64) {
            k->st = K_VALUE; /* past 64 levels objects and arrays are not told apart */
            return 0;
        }
        return c == '}' || c == ']' ? skim_close(k, c) : -1;
    case K_KEY:
    case K_KEY2:
        if (c == '"') {
            k->key = true;
            k->st = K_STR;
            return 0;
        }
        return k->st == K_KEY && c == '}' ? skim_close(k, c) : -1;
    default: break;
    }
    if (k->st == K_FIRST && c == ']') {
        return skim_close(k, c);
    }
    k->values += k->depth == 0;
    if (c == '{' || c == '[') {
        if (k->depth < 64) {
            k->objs = (k->objs & ~((uint64_t)1 << k->depth)) | ((uint64_t)(c == '{') << k->depth);
        }
        k->depth++;
        k->st = c == '{' ? K_KEY : K_FIRST;
        return 0;
    }
    if (c == '"') {
        k->key = false;
        k->st = K_STR;
        return 0;
    }
    k->lit = i;
    k->st = K_LIT;
    return literal_ok(&c, 1, true) ? 0 : -1;
}

/* One byte: 0 taken, 1 look again, -1 an error. */
static int
skim_byte(struct skim *k, const char *s, size_t i)
{
    char c = s[i];

    switch (k->st) {
    case K_STR:
        if (c == '"') {
            k->st = k->key ? K_COLON : k->depth == 0 ? K_VALUE : K_AFTER;
        } else if (c == '\\') {
            k->st = K_ESC;
        }
        return (unsigned char)c < 0x20 ? -1 : 0;
    case K_ESC:
        k->st = c == 'u' ? K_HEX : K_STR;
        k->hexn = 0;
        return strchr("\"\\/bfnrtu", c) != NULL && c != '\0' ? 0 : -1;
    case K_HEX: k->st = ++k->hexn == 4 ? K_STR : K_HEX; return hex_value(c) >= 0 ? 0 : -1;
    case K_LIT:
        if (is_lit(c)) {
            return 0;
        }
        if (!literal_ok(s + k->lit, i - k->lit, false)) {
            return -1;
        }
        k->st = k->depth == 0 ? K_VALUE : K_AFTER;
        return 1;
    default: return skim_structure(k, s, i);
    }
}

/* Validate s as the start of a stream of JSON values. */
static void
skim(struct lw_slice s, struct skim *k)
{
    memset(k, 0, sizeof(*k));
    k->ok = true;
    k->st = K_VALUE;
    for (size_t i = 0; i < s.len; i++) {
        int rc = skim_byte(k, s.p, i);

        if (rc < 0) {
            k->ok = false;
            k->err_at = i;
            return;
        }
        if (rc > 0) {
            i--;
        }
    }
    if (k->st == K_LIT && !literal_ok(s.p + k->lit, s.len - k->lit, true)) {
        k->ok = false;
        k->err_at = k->lit;
    }
}

/* Complete lines of head that start with '{' and end with '}': at least two, and at least half of
 * the non-empty ones. */
static bool
jsonl_lines(struct lw_slice head)
{
    size_t good = 0, total = 0, i = 0;

    while (i < head.len) {
        const char *nl = memchr(head.p + i, '\n', head.len - i);
        struct lw_slice line;

        if (nl == NULL) {
            break;
        }
        line = lw_slice_trim(lw_slice_make(head.p + i, (size_t)(nl - head.p) - i));
        i = (size_t)(nl - head.p) + 1;
        if (line.len == 0) {
            continue;
        }
        total++;
        good += line.p[0] == '{' && line.p[line.len - 1] == '}';
    }
    return good >= 2 && good * 2 >= total;
}

/* Does head start (at i, its '[') with '[', '{', '"' and white space between? Nothing but an
 * array of objects starts that way, however broken what follows is. */
static bool
array_of_objects(struct lw_slice head, size_t i)
{
    static const char want[] = "[{\"";
    size_t w = 0;

    for (; i < head.len && w < sizeof(want) - 1; i++) {
        if (head.p[i] == want[w]) {
            w++;
        } else if (!is_ws(head.p[i])) {
            return false;
        }
    }
    return w == sizeof(want) - 1;
}

static bool
hint_is_json(const char *name)
{
    static const char *const exts[] = {".json", ".jsonl", ".ndjson", ".geojson"};
    struct lw_slice s = lw_slice_cstr(name);

    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        struct lw_slice e = lw_slice_cstr(exts[i]);

        if (s.len >= e.len && lw_slice_eq_ci(lw_slice_make(s.p + s.len - e.len, e.len), e)) {
            return true;
        }
    }
    return false;
}

static int
sniff(struct lw_slice head, const char *name_hint)
{
    struct skim k;
    struct lw_slice span;
    size_t i = 0;
    int bonus = hint_is_json(name_hint) ? 5 : 0;

    while (i < head.len && is_ws(head.p[i])) {
        i++;
    }
    if (i == head.len || (head.p[i] != '{' && head.p[i] != '[')) {
        return 0;
    }
    span = lw_slice_make(head.p, head.len < SNIFF_SPAN ? head.len : SNIFF_SPAN);
    if (head.len < READER_PEEK_MAX) {
        /* the whole input: a truncated one may end in a newline inside a string */
        while (span.len > 0 && is_ws(span.p[span.len - 1])) {
            span.len--;
        }
    }
    skim(span, &k);
    if (k.ok) {
        return 90 + bonus;
    }
    if (k.err_at >= SNIFF_VALID_MIN) {
        return 85 + bonus;
    }
    if (head.p[i] == '{' && jsonl_lines(head)) {
        return 80 + bonus;
    }
    return array_of_objects(head, i) ? 60 + bonus : 0;
}

/* Is the input a stream of values (JSON Lines, concatenated) rather than one document? */
static bool
is_stream(struct lw_slice head)
{
    struct skim k;
    size_t lines = 0;

    skim(head, &k);
    if (k.values >= 2) {
        return true;
    }
    if (k.ok) {
        return false;
    }
    for (size_t i = 1; i < head.len; i++) {
        lines += head.p[i - 1] == '\n' && head.p[i] == '{';
    }
    return lines >= 2;
}

/* ---- the ops ---- */

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    struct parser *p;
    struct lw_slice head = {NULL, 0};
    enum lw_rc rc = reader_peek(r, READER_PEEK_MAX, &head);

    *out = NULL;
    if (rc == LW_ERR_IO) {
        return lw_error_set(err, rc, "cannot read %s", reader_name(r));
    }
    p = lw_xcalloc(1, sizeof(*p));
    p->r = r;
    p->lim = *lim;
    p->depth_max = lim->depth_max < DEPTH_MIN ? DEPTH_MIN : lim->depth_max;
    p->stream = rc == LW_OK && is_stream(head);
    if (!lw_size_mul(p->depth_max, KEY_MAX + 1, &p->path_cap) || p->path_cap > PATH_CAP_MAX) {
        p->path_cap = PATH_CAP_MAX;
    }
    p->path = lw_xmalloc(p->path_cap);
    builder_init(&p->b[0], lim);
    builder_init(&p->b[1], lim);
    p->rec = &p->b[0];
    p->wrap = &p->b[1];
    p->rec_root = NO_ROOT;
    p->state = S_VALUE;
    *out = p;
    return LW_OK;
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    p->st = st;
    if (p->ready != NULL) {
        builder_reset(p->ready);
        p->ready = NULL;
    }
    while (!p->done) {
        struct lw_slice avail;
        size_t used = 0;
        int got;
        enum lw_rc rc = reader_fill(p->r, &avail);

        if (rc != LW_OK) {
            return lw_error_set(err, rc, "reading %s failed", reader_name(p->r));
        }
        if (avail.len == 0) {
            p->done = !finish(p);
            break;
        }
        p->base = reader_offset(p->r);
        got = feed(p, avail.p, avail.len, &used);
        reader_consume(p->r, used);
        if (got) {
            break;
        }
    }
    if (p->ready == NULL) {
        return LW_ERR_NOT_FOUND;
    }
    *rec = p->out;
    return LW_OK;
}

static void
close_(struct parser *p)
{
    if (p == NULL) {
        return;
    }
    builder_free(&p->b[0]);
    builder_free(&p->b[1]);
    lw_wipe_free(p->path, p->path_cap);
    free(p->stack);
    lw_wipe(p, sizeof(*p));
    free(p);
}

const struct parser_ops parser_json = {"json", sniff, open_, next, close_};
