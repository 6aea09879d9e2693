/*
 * parsers/html.c — HTML pages: their visible text (parsed again as its own documents) and their
 * links, through libtidy.
 *
 * The parser reads the whole page (at most doc_max bytes; the rest is left unread), has libtidy
 * build the tree, and takes the text out of it in parts (html.h, html_text): each <pre>,
 * <textarea> and <code> block, each table that holds no other table (rows as lines, cells
 * tab-separated), then the prose (the <title> first), then the page chrome (<nav>, <header>,
 * <footer>, <aside>). Each part is sniffed and parsed on its own (reader_open_mem and the sniffed
 * parser's ops), so a CSV in a <textarea> gives CSV records and the prose around it free-text
 * records; next() hands out the inner parsers' records one by one, their stats added to the
 * caller's, their offsets counted in the extracted text (html_text's), not in the HTML. A part
 * that sniffs as HTML again is parsed as free text: no recursion. At most PARTS_MAX parts: later
 * blocks join the last one. The page's own counts, once each per page: cut_records when it was cut
 * (doc_max, a backstop below, or text past doc_max), too_deep when markup was flattened.
 *
 * libtidy 5.6 is not safe on hostile input by itself: 90 KB of "<font><p>" makes it allocate
 * 3.7 GB (every unclosed inline element is re-opened in every later block), 100,000 nested <div>s
 * take it 13 s, its duplicate-attribute check is quadratic, its parser recurses per nesting level,
 * and every warning costs it some 12 KB of message formatting. So it never sees the input itself:
 * a feed (its TidyInputSource) hands it the bytes one at a time, and on the way
 *   - shields it: at each '<' the tag is scanned ahead and checked against a small model of the
 *     open elements (with HTML's implied ends for p, li, dt/dd, td/th, tr, option). Not shown:
 *     a start tag that would nest deeper than depth_max (at most HTML_DEPTH_HARD), open a ninth
 *     unclosed inline formatting element, or have libtidy re-open more than one inline element
 *     per AMP_DIVISOR input bytes in all (these count as too_deep: content kept, structure
 *     flattened); and what libtidy would only warn about and drop: elements it does not know
 *     (custom elements), <img>-like empty elements, empty inline pairs, end tags that close
 *     nothing, every attribute but href and src, comments, <!DOCTYPE>, CDATA sections and
 *     processing instructions (which thus end where the shield says, as browsers end them). A
 *     hidden block tag still separates words, an inline one does not ("a<x-at>@</x-at>b" stays
 *     "a@b");
 *   - transcodes: well-formed UTF-8 passes, any other byte is read as Windows-1252 (encoding.h),
 *     C0 controls become spaces, so libtidy, told the input is UTF-8, never has to guess; a '<'
 *     before a multi-byte character, '%' or '#' is fed as "&lt;" (libtidy 5.6 mangles the
 *     character, and drops "<%…" and "<#…" as server code: browsers show them as text);
 *   - and has backstops: libtidy's heap goes through our allocator, which counts it, links every
 *     block (libtidy leaks on some malformed input: what it leaves is freed with the document) and
 *     wipes every block it frees (libtidy holds the page's text). When libtidy holds more than
 *     HEAP_PER_BYTE times the input (HEAP_PER_DOC_MAX times doc_max at most, plus HEAP_FLOOR),
 *     or its recursion has used HTML_STACK_BUDGET of stack, the feed reports the end of the input;
 *     libtidy closes what is open and the text before the cut stands.
 * Peak memory is thus the input (≤ doc_max) + libtidy's heap (≤ HEAP_PER_DOC_MAX × doc_max +
 * HEAP_FLOOR; real pages take 4–6 times their size, tag soup up to 50) + the text (≤ doc_max):
 * doc_max is the knob. Time is linear, bounded mostly by libtidy's warnings: about 0.1 s per MiB
 * of a real page, up to a few seconds per MiB of hostile tag soup. libtidy prints nothing (reports
 * filtered, error sink discarding), reads no configuration file (Debian's build has none) and
 * fetches nothing.
 *
 * The tree is walked without recursion (libtidy keeps parent links), once per kind of part.
 *
 * The alternatives rejected: our own HTML parser (the design names libtidy, and its error recovery
 * — implied ends, misnested inline elements, stray end tags — is what broken pages need); running
 * libtidy on a rewritten copy of the page (twice the memory); giving libtidy the raw bytes (it
 * turns every Windows-1252 byte into U+FFFD, and a byte-order mark can switch it to UTF-16).
 * Debian ships the headers as <tidy/tidy.h> and tidy.pc does not point inside that directory.
 */
#include "parsers/html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tidy/tidy.h>
#include <tidy/tidybuffio.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "parsers/encoding.h"
#include "parsers/html_int.h"
#include "parsers/parser.h"

#define HEAP_PER_BYTE 64       /* libtidy's live heap, per input byte (real pages take 4-6, */
#define HEAP_PER_DOC_MAX 16    /* tag soup up to 50), but at most this per byte of doc_max */
#define HEAP_FLOOR (4u << 20)
#define PARTS_MAX 256          /* separately parsed parts of one page */
#define TABLES_MAX 256         /* nesting of tables followed when looking for leaf tables */

/* ---- libtidy's heap ---------------------------------------------------------------------- */

/* The header before every block: the blocks are linked so that what libtidy forgets to free (it
 * leaks attributes on some malformed XML declarations) is wiped and freed with the document. */
struct block {
    struct block *prev, *next;
    size_t n;
    size_t pad; /* keeps the block after the header 16-byte aligned */
};

_Static_assert(sizeof(struct block) % 16 == 0, "block header breaks alignment");

struct heap {
    TidyAllocator base; /* first: libtidy hands &base back */
    struct block *head;
    size_t live;        /* bytes held now */
    size_t peak;        /* the most ever held (tests check the bound) */
};

static void *TIDY_CALL
heap_alloc(TidyAllocator *self, size_t n)
{
    struct heap *h = (struct heap *)self;
    struct block *b;
    size_t full;

    if (!lw_size_add(n, sizeof(*b), &full)) {
        abort(); /* libtidy asked for more than the address space */
    }
    b = lw_xmalloc(full);
    b->n = n;
    b->prev = NULL;
    b->next = h->head;
    if (h->head != NULL) {
        h->head->prev = b;
    }
    h->head = b;
    h->live += n;
    h->peak = h->live > h->peak ? h->live : h->peak;
    return b + 1;
}

static void TIDY_CALL
heap_free(TidyAllocator *self, void *block)
{
    struct heap *h = (struct heap *)self;
    struct block *b;

    if (block == NULL) {
        return;
    }
    b = (struct block *)block - 1;
    if (b->prev != NULL) {
        b->prev->next = b->next;
    } else {
        h->head = b->next;
    }
    if (b->next != NULL) {
        b->next->prev = b->prev;
    }
    h->live -= b->n;
    lw_wipe_free(b, sizeof(*b) + b->n);
}

static void *TIDY_CALL
heap_realloc(TidyAllocator *self, void *block, size_t n)
{
    unsigned char *q = heap_alloc(self, n);

    if (block != NULL) {
        size_t old = ((struct block *)block - 1)->n;

        memcpy(q, block, old < n ? old : n);
        heap_free(self, block);
    }
    return q;
}

static void TIDY_CALL
heap_panic(TidyAllocator *self, ctmbstr msg)
{
    (void)self;
    (void)msg;
    abort(); /* libtidy found its own tree broken: a bug, not input */
}

/* Wipe and free whatever libtidy left behind. */
static void
heap_release(struct heap *h)
{
    while (h->head != NULL) {
        heap_free(&h->base, h->head + 1);
    }
}

static const TidyAllocatorVtbl heap_vtbl = {heap_alloc, heap_realloc, heap_free, heap_panic};

/* ---- libtidy's input: the feed (parsers/html_feed.c) ---------------------------------- */

static int TIDY_CALL
feed_get(void *data)
{
    return html_feed_byte(data);
}

static void TIDY_CALL
feed_unget(void *data, byte b)
{
    html_feed_unget(data, b);
}

static Bool TIDY_CALL
feed_eof(void *data)
{
    return html_feed_at_end(data) ? yes : no;
}

/* ---- one parsed document --------------------------------------------------------------- */

struct html_doc {
    struct heap heap;
    struct html_feed feed;
    TidyDoc tdoc;
    TidyBuffer val; /* a text node's value */
};

static Bool TIDY_CALL
mute(TidyDoc tdoc, TidyReportLevel lvl, uint line, uint col, ctmbstr msg)
{
    (void)tdoc;
    (void)lvl;
    (void)line;
    (void)col;
    (void)msg;
    return no;
}

static void TIDY_CALL
discard(void *data, byte b)
{
    (void)data;
    (void)b;
}

static size_t
scaled(size_t len, size_t factor, size_t floor)
{
    size_t n;

    if (!lw_size_mul(len, factor, &n) || !lw_size_add(n, floor, &n)) {
        return SIZE_MAX;
    }
    return n;
}

/* Parse doc[0, len) into a new html_doc (*out, freed by doc_free whatever the result);
 * depth_cap bounds the nesting libtidy sees, live_max its heap. The tree is there even when
 * libtidy complains; LW_ERR_INVALID only when it gave up entirely. */
static enum lw_rc
doc_parse_capped(const char *doc, size_t len, size_t depth_cap, size_t live_max,
                 struct html_doc **out, struct lw_error *err)
{
    struct html_doc *h = lw_xcalloc(1, sizeof(*h));
    struct html_feed *f = &h->feed;
    TidyInputSource src;
    TidyOutputSink sink;
    int rc;

    *out = h;
    h->heap.base.vtbl = &heap_vtbl;
    html_feed_init(f, doc, len, depth_cap, &h->heap.live, live_max);
    h->tdoc = tidyCreateWithAllocator(&h->heap.base);
    tidyBufInitWithAllocator(&h->val, &h->heap.base);
    tidySetReportFilter(h->tdoc, mute);
    tidyInitSink(&sink, NULL, discard);
    tidySetErrorSink(h->tdoc, &sink);
    tidyOptSetBool(h->tdoc, TidyQuiet, yes);
    tidyOptSetBool(h->tdoc, TidyShowWarnings, no);
    tidyOptSetBool(h->tdoc, TidyShowInfo, no);
    tidyOptSetInt(h->tdoc, TidyShowErrors, 0);
    tidyOptSetBool(h->tdoc, TidyForceOutput, yes);
    tidyOptSetBool(h->tdoc, TidyJoinStyles, no);
    tidyOptSetBool(h->tdoc, TidyJoinClasses, no);
    tidyOptSetBool(h->tdoc, TidyKeepTabs, yes); /* a TSV in a <pre> keeps its tabs */
    tidySetInCharEncoding(h->tdoc, "utf8");
    tidyInitSource(&src, f, feed_get, feed_unget, feed_eof);
    f->stack_base = (uintptr_t)__builtin_frame_address(0);
    rc = tidyParseSource(h->tdoc, &src);
    if (rc < 0) {
        return lw_error_set(err, LW_ERR_INVALID, "libtidy could not parse the document");
    }
    return LW_OK;
}

static enum lw_rc
doc_parse(const char *doc, size_t len, size_t depth_cap, struct html_doc **out,
          struct lw_error *err)
{
    return doc_parse_capped(doc, len, depth_cap, scaled(len, HEAP_PER_BYTE, HEAP_FLOOR), out, err);
}

static void
doc_free(struct html_doc *h)
{
    if (h == NULL) {
        return;
    }
    tidyBufFree(&h->val);
    tidyRelease(h->tdoc);
    heap_release(&h->heap);
    html_feed_free(&h->feed);
    lw_wipe_free(h, sizeof(*h));
}

/* The value of a text node, valid until the next call. */
static struct lw_slice
node_value(struct html_doc *h, TidyNode n)
{
    if (!tidyNodeGetValue(h->tdoc, n, &h->val) || h->val.bp == NULL) {
        return lw_slice_make(NULL, 0);
    }
    return lw_slice_make((const char *)h->val.bp, h->val.size);
}

/* ---- the text --------------------------------------------------------------------------- */

enum sep { SEP_NONE, SEP_SPACE, SEP_LINE, SEP_PARA };

enum role {
    R_INLINE,   /* text flows through it */
    R_LINE,     /* a block: its text is on lines of its own */
    R_PARA,     /* a block set off by blank lines */
    R_BREAK,    /* <br> */
    R_DROP,     /* not text: script, style, noscript, template */
    R_VERBATIM, /* <pre> and friends: a part of its own */
    R_CHROME,   /* nav, header, footer, aside: last */
    R_TABLE,
    R_ROW,
    R_CELL,
    R_OTHER     /* comments, doctype, processing instructions */
};

struct part {
    size_t off, len; /* in the text */
};

struct text_out {
    struct html_doc *h;
    struct lw_buf *buf;
    size_t max;              /* ceiling for buf->len */
    struct part *parts;      /* PARTS_MAX of them, or NULL when parts are not recorded */
    size_t n_parts;
    bool merge;              /* the part table is full: blocks continue the last part */
    bool open;               /* the current part has text */
    bool at_start;           /* nothing written since the last line or cell start */
    bool full;               /* the ceiling was reached: stop */
    enum sep pending;
    size_t cells;            /* cells so far in the current table row */
    bool need_line;          /* a table row started: break the line before its first text */
    bool strip_nl;           /* at the start of a verbatim block */
    size_t chrome;           /* chrome elements around the current node (last pass) */
    bool chrome_pass;
    TidyNode leaves[PARTS_MAX]; /* the tables given parts of their own */
    size_t n_leaves;
    bool nested[TABLES_MAX]; /* open tables in the table pass: holds another table */
    size_t n_tables;
    /* html_links */
    void (*on_link)(void *user, struct lw_slice href, struct lw_slice text);
    void *user;
    size_t n_links;
    struct text_out *anchor; /* the anchor text, with its own buffer */
    struct lw_buf scratch;   /* a text node's value made clean */
};

static enum role
role_of(TidyNode n)
{
    TidyNodeType type = tidyNodeGetType(n);

    if (type != TidyNode_Start && type != TidyNode_StartEnd) {
        return R_OTHER;
    }
    switch (tidyNodeGetId(n)) {
    case TidyTag_SCRIPT: case TidyTag_STYLE: case TidyTag_NOSCRIPT: case TidyTag_TEMPLATE:
    case TidyTag_SERVER:
        return R_DROP;
    case TidyTag_PRE: case TidyTag_TEXTAREA: case TidyTag_CODE: case TidyTag_XMP:
    case TidyTag_LISTING: case TidyTag_PLAINTEXT:
        return R_VERBATIM;
    case TidyTag_NAV: case TidyTag_HEADER: case TidyTag_FOOTER: case TidyTag_ASIDE:
        return R_CHROME;
    case TidyTag_TABLE:
        return R_TABLE;
    case TidyTag_TR: case TidyTag_CAPTION:
        return R_ROW;
    case TidyTag_TD: case TidyTag_TH:
        return R_CELL;
    case TidyTag_BR:
        return R_BREAK;
    case TidyTag_P: case TidyTag_H1: case TidyTag_H2: case TidyTag_H3: case TidyTag_H4:
    case TidyTag_H5: case TidyTag_H6: case TidyTag_HR: case TidyTag_BLOCKQUOTE: case TidyTag_UL:
    case TidyTag_OL: case TidyTag_DL: case TidyTag_SECTION: case TidyTag_ARTICLE:
    case TidyTag_TITLE: case TidyTag_FIGURE: case TidyTag_ADDRESS:
        return R_PARA;
    case TidyTag_UNKNOWN: case TidyTag_A: case TidyTag_ABBR: case TidyTag_ACRONYM: case TidyTag_B:
    case TidyTag_BDI: case TidyTag_BDO: case TidyTag_BIG: case TidyTag_BLINK: case TidyTag_CITE:
    case TidyTag_DEL: case TidyTag_DFN: case TidyTag_EM: case TidyTag_FONT: case TidyTag_I:
    case TidyTag_IMG: case TidyTag_INS: case TidyTag_KBD: case TidyTag_LABEL: case TidyTag_MARK:
    case TidyTag_NOBR: case TidyTag_Q: case TidyTag_RB: case TidyTag_RP: case TidyTag_RT:
    case TidyTag_RTC: case TidyTag_RUBY: case TidyTag_S: case TidyTag_SAMP: case TidyTag_SMALL:
    case TidyTag_SPAN: case TidyTag_STRIKE: case TidyTag_STRONG: case TidyTag_SUB:
    case TidyTag_SUP: case TidyTag_TIME: case TidyTag_TT: case TidyTag_U: case TidyTag_VAR:
    case TidyTag_WBR: case TidyTag_OUTPUT: case TidyTag_METER: case TidyTag_PROGRESS:
        return R_INLINE;
    default:
        return R_LINE;
    }
}

/* A text node's value as clean UTF-8: libtidy decodes "&#xD800;" to a lone surrogate and "&#0;"
 * to NUL; those bytes are read as Windows-1252 and the controls become spaces (encoding.h). */
static struct lw_slice
text_value(struct text_out *t, TidyNode n)
{
    struct lw_slice v = node_value(t->h, n);

    if (encoding_is_clean(v)) {
        return v;
    }
    if (t->scratch.max == 0) {
        lw_buf_init(&t->scratch, t->max);
    }
    lw_buf_reset(&t->scratch);
    encoding_to_utf8(v, &t->scratch); /* past t->max it would be cut anyway */
    return lw_buf_slice(&t->scratch);
}

static void
text_free(struct text_out *t)
{
    if (t != NULL) {
        lw_buf_free(&t->scratch);
        free(t);
    }
}

/* Append n bytes, up to the ceiling (then cut on a character boundary and stop). */
static void
put_raw(struct text_out *t, const char *p, size_t n)
{
    size_t room = t->max > t->buf->len ? t->max - t->buf->len : 0;

    if (t->full) {
        return;
    }
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) {
            n--;
        }
        t->full = true;
    }
    if (lw_buf_append(t->buf, p, n) != LW_OK) {
        t->full = true;
    }
}

/* Append text to the current part, starting the part (and its separator) first. */
static void
put(struct text_out *t, const char *p, size_t n)
{
    if (!t->open) {
        if (t->n_parts > 0) {
            bool nl = t->buf->len > 0 && t->buf->data[t->buf->len - 1] == '\n';

            put_raw(t, "\n\n", (t->merge ? 1u : 2u) - nl);
        }
        if (t->parts != NULL && !t->merge && !t->full) {
            t->parts[t->n_parts].off = t->buf->len;
        }
        t->open = true;
    }
    put_raw(t, p, n);
    t->at_start = n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\t');
}

static void
part_begin(struct text_out *t, bool block)
{
    t->open = false;
    t->at_start = true;
    t->pending = SEP_NONE;
    t->merge = block && t->n_parts >= PARTS_MAX - 2 && t->n_parts > 0;
}

static void
part_end(struct text_out *t)
{
    if (!t->open) {
        return;
    }
    if (t->merge) {
        if (t->parts != NULL) {
            t->parts[t->n_parts - 1].len = t->buf->len - t->parts[t->n_parts - 1].off;
        }
    } else {
        if (t->parts != NULL) {
            t->parts[t->n_parts].len = t->buf->len - t->parts[t->n_parts].off;
        }
        t->n_parts++;
    }
    t->open = false;
}

static void
separate(struct text_out *t, enum sep s)
{
    if (s > t->pending) {
        t->pending = s;
    }
}

static void
flush(struct text_out *t)
{
    enum sep s = t->pending;

    t->pending = SEP_NONE;
    if (s == SEP_SPACE && !t->at_start) {
        put(t, " ", 1);
    } else if (s == SEP_LINE && t->open && !t->at_start) {
        put(t, "\n", 1);
    } else if (s == SEP_PARA && t->open) {
        put(t, t->at_start ? "\n" : "\n\n", t->at_start ? 1 : 2);
    }
}

/* Text that flows: runs of white space (and U+00A0) become one separator. */
static void
flow(struct text_out *t, struct lw_slice s)
{
    size_t i = 0;

    while (i < s.len && !t->full) {
        size_t j = i;

        if (html_is_space((unsigned char)s.p[i]) ||
            ((unsigned char)s.p[i] == 0xC2 && i + 1 < s.len && (unsigned char)s.p[i + 1] == 0xA0)) {
            separate(t, SEP_SPACE);
            i += html_is_space((unsigned char)s.p[i]) ? 1 : 2;
            continue;
        }
        while (j < s.len && !html_is_space((unsigned char)s.p[j]) &&
               !((unsigned char)s.p[j] == 0xC2 && j + 1 < s.len &&
                 (unsigned char)s.p[j + 1] == 0xA0)) {
            j++;
        }
        flush(t);
        put(t, s.p + i, j - i);
        t->at_start = false;
        i = j;
    }
}

typedef bool (*enter_fn)(struct text_out *t, TidyNode n); /* true: walk its children */
typedef void (*leave_fn)(struct text_out *t, TidyNode n);

/* Visit root's descendants in document order, without recursion: enter on the way down, leave on
 * the way up (only for nodes whose children were walked). */
static void
walk(struct text_out *t, TidyNode root, enter_fn enter, leave_fn leave)
{
    TidyNode n = tidyGetChild(root);

    while (n != NULL && !t->full) {
        bool in = enter(t, n);
        TidyNode c = in ? tidyGetChild(n) : NULL;

        if (c != NULL) {
            n = c;
            continue;
        }
        if (in) {
            leave(t, n);
        }
        while (n != NULL) {
            TidyNode next = tidyGetNext(n);

            if (next != NULL) {
                n = next;
                break;
            }
            n = tidyGetParent(n);
            if (n == NULL || n == root) {
                n = NULL;
                break;
            }
            leave(t, n);
        }
    }
}

static void
leave_none(struct text_out *t, TidyNode n)
{
    (void)t;
    (void)n;
}

/* Inside a <pre>: every byte as written. */
static bool
verbatim_enter(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if (tidyNodeGetType(n) == TidyNode_Text) {
        struct lw_slice v = text_value(t, n);

        if (t->strip_nl && v.len > 0 && v.p[0] == '\n') {
            v = lw_slice_make(v.p + 1, v.len - 1); /* the line break after <pre> is markup */
        }
        t->strip_nl = false;
        put(t, v.p, v.len);
        return false;
    }
    if (r == R_BREAK) {
        put(t, "\n", 1);
    }
    return r != R_DROP && r != R_OTHER;
}

/* Pass 1: the verbatim blocks. */
static bool
blocks_enter(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if (r == R_VERBATIM) {
        part_begin(t, true);
        t->strip_nl = true;
        walk(t, n, verbatim_enter, leave_none);
        part_end(t);
        return false;
    }
    return r != R_DROP && r != R_OTHER;
}

/* Inside a leaf table: rows on lines, cells separated by tabs. A row's line break is written when
 * its first text or cell comes, so empty cells keep their tabs and empty rows leave no line. */
static void
row_text(struct text_out *t)
{
    if (t->need_line) {
        t->need_line = false;
        t->pending = SEP_NONE;
        if (t->open) {
            put(t, "\n", 1);
        }
    }
}

static bool
cells_enter(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if (tidyNodeGetType(n) == TidyNode_Text) {
        row_text(t);
        flow(t, text_value(t, n));
        return false;
    }
    if (r == R_ROW) {
        t->need_line = true;
        t->cells = 0;
    } else if (r == R_CELL) {
        row_text(t);
        t->pending = SEP_NONE;
        if (t->cells++ > 0) {
            put(t, "\t", 1);
        }
        t->at_start = true;
    } else if (r != R_INLINE) {
        separate(t, SEP_SPACE);
    }
    return r != R_DROP && r != R_OTHER && r != R_VERBATIM;
}

static void
cells_leave(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if (r == R_CELL) {
        t->pending = SEP_NONE;
    } else if (r != R_INLINE) {
        separate(t, SEP_SPACE);
    }
}

/* Pass 2: the tables that hold no other table. */
static bool
tables_enter(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if (r == R_TABLE) {
        if (t->n_tables > 0 && t->n_tables <= TABLES_MAX) {
            t->nested[t->n_tables - 1] = true;
        }
        if (t->n_tables < TABLES_MAX) {
            t->nested[t->n_tables] = false;
        }
        t->n_tables++;
    }
    return r != R_DROP && r != R_OTHER && r != R_VERBATIM;
}

static void
tables_leave(struct text_out *t, TidyNode n)
{
    bool leaf;

    if (role_of(n) != R_TABLE) {
        return;
    }
    t->n_tables--;
    leaf = t->n_tables < TABLES_MAX && !t->nested[t->n_tables];
    if (leaf && t->n_leaves < PARTS_MAX) {
        t->leaves[t->n_leaves++] = n;
        part_begin(t, true);
        t->cells = 0;
        t->need_line = false;
        walk(t, n, cells_enter, cells_leave);
        part_end(t);
    }
}

static bool
is_leaf_table(const struct text_out *t, TidyNode n)
{
    for (size_t i = 0; i < t->n_leaves; i++) {
        if (t->leaves[i] == n) {
            return true;
        }
    }
    return false;
}

/* Passes 3 and 4: the prose, then the chrome. In the chrome pass only text inside chrome counts,
 * separators included. */
static bool
prose_enter(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);
    bool shown;

    if (r == R_CHROME && t->chrome_pass) {
        t->chrome++;
    }
    shown = !t->chrome_pass || t->chrome > 0;
    if (tidyNodeGetType(n) == TidyNode_Text) {
        if (shown) {
            flow(t, text_value(t, n));
        }
        return false;
    }
    switch (r) {
    case R_DROP: case R_OTHER: case R_VERBATIM:
        return false;
    case R_TABLE:
        if (is_leaf_table(t, n)) {
            return false;
        }
        break;
    case R_CHROME:
        if (!t->chrome_pass) {
            return false;
        }
        break;
    case R_BREAK:
        if (shown) {
            separate(t, t->pending >= SEP_LINE ? SEP_PARA : SEP_LINE);
        }
        return false;
    default:
        break;
    }
    if (shown && r != R_INLINE) {
        separate(t, r == R_PARA || r == R_TABLE || r == R_CHROME ? SEP_PARA : SEP_LINE);
    }
    return true;
}

static void
prose_leave(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if ((!t->chrome_pass || t->chrome > 0) && r != R_INLINE) {
        separate(t, r == R_PARA || r == R_TABLE || r == R_CHROME ? SEP_PARA : SEP_LINE);
    }
    if (r == R_CHROME && t->chrome_pass) {
        t->chrome--;
    }
}

/* All four passes over a parsed document. */
static void
extract(struct html_doc *h, struct text_out *t)
{
    TidyNode root = tidyGetRoot(h->tdoc);

    t->h = h;
    walk(t, root, blocks_enter, leave_none);
    walk(t, root, tables_enter, tables_leave);
    part_begin(t, false);
    walk(t, root, prose_enter, prose_leave);
    part_end(t);
    part_begin(t, false);
    t->chrome_pass = true;
    walk(t, root, prose_enter, prose_leave);
    part_end(t);
}

enum lw_rc
html_text(const char *doc, size_t len, size_t max, struct lw_buf *text, struct lw_error *err)
{
    struct html_doc *h = NULL;
    struct text_out *t;
    enum lw_rc rc;

    lw_buf_reset(text);
    rc = doc_parse(doc, len, HTML_DEPTH, &h, err);
    if (rc == LW_OK) {
        t = lw_xcalloc(1, sizeof(*t));
        t->buf = text;
        t->max = max < text->max ? max : text->max;
        extract(h, t);
        if (t->full) {
            rc = lw_error_set(err, LW_ERR_TOO_LARGE, "the text of the page was cut at %zu bytes",
                              t->max);
        }
        text_free(t);
    }
    doc_free(h);
    return rc;
}

/* ---- links ------------------------------------------------------------------------------ */

static bool
anchor_enter(struct text_out *t, TidyNode n)
{
    enum role r = role_of(n);

    if (tidyNodeGetType(n) == TidyNode_Text) {
        flow(t, text_value(t, n));
        return false;
    }
    if (r != R_INLINE) {
        separate(t, SEP_SPACE);
    }
    return r != R_DROP && r != R_OTHER;
}

static void
anchor_leave(struct text_out *t, TidyNode n)
{
    if (role_of(n) != R_INLINE) {
        separate(t, SEP_SPACE);
    }
}

static bool
links_enter(struct text_out *t, TidyNode n)
{
    TidyAttrId which = TidyAttr_UNKNOWN;
    TidyTagId id = tidyNodeGetId(n);
    TidyAttr attr;
    ctmbstr v;
    struct lw_slice text = lw_slice_make(NULL, 0);

    if (tidyNodeGetType(n) != TidyNode_Start && tidyNodeGetType(n) != TidyNode_StartEnd) {
        return false;
    }
    if (id == TidyTag_A || id == TidyTag_LINK || id == TidyTag_AREA) {
        which = TidyAttr_HREF;
    } else if (id == TidyTag_IFRAME || id == TidyTag_FRAME) {
        which = TidyAttr_SRC;
    }
    attr = which != TidyAttr_UNKNOWN ? tidyAttrGetById(n, which) : NULL;
    v = attr != NULL ? tidyAttrValue(attr) : NULL;
    if (v == NULL) {
        return true;
    }
    if (t->n_links == HTML_LINKS_MAX) {
        t->full = true; /* one too many: stop */
        return false;
    }
    if (id == TidyTag_A) {
        struct text_out *a = t->anchor;

        lw_buf_reset(a->buf);
        a->full = false;
        a->n_parts = 0;
        part_begin(a, false);
        walk(a, n, anchor_enter, anchor_leave);
        text = lw_buf_slice(a->buf);
    }
    t->n_links++;
    t->on_link(t->user, lw_slice_cstr(v), text);
    return true;
}

enum lw_rc
html_links(const char *doc, size_t len,
           void (*on_link)(void *user, struct lw_slice href, struct lw_slice text), void *user,
           struct lw_error *err)
{
    struct html_doc *h = NULL;
    struct text_out *t = NULL;
    struct text_out *a = NULL;
    struct lw_buf anchor;
    enum lw_rc rc;

    lw_buf_init(&anchor, HTML_ANCHOR_TEXT_MAX);
    rc = doc_parse(doc, len, HTML_DEPTH, &h, err);
    if (rc != LW_OK) {
        goto out;
    }
    t = lw_xcalloc(1, sizeof(*t));
    a = lw_xcalloc(1, sizeof(*a));
    a->h = t->h = h;
    a->buf = &anchor;
    a->max = HTML_ANCHOR_TEXT_MAX;
    t->on_link = on_link;
    t->user = user;
    t->anchor = a;
    walk(t, tidyGetRoot(h->tdoc), links_enter, leave_none);
    if (t->full) {
        rc = lw_error_set(err, LW_ERR_TOO_LARGE, "more than %d links in the page", HTML_LINKS_MAX);
    }
out:
    text_free(a);
    text_free(t);
    lw_buf_free(&anchor);
    doc_free(h);
    return rc;
}

/* ---- the parser ------------------------------------------------------------------------- */

struct parser {
    struct reader *r;          /* the page (borrowed) */
    struct parse_limits lim;
    struct lw_buf text;        /* the page's text (max doc_max) */
    struct part *parts;
    size_t n_parts, next_part;
    const struct parser_ops *ops; /* the current part's parser, or NULL */
    struct parser *inner;
    struct reader *inner_r;
    uint64_t inner_off;        /* where the current part starts in the text */
    struct parse_stats own;    /* this parser's counts, added to the caller's at the first next() */
    bool own_added;
    enum lw_rc read_rc;        /* how reading the page ended, reported after the last record */
    struct lw_error read_err;
};

/* Read the page into raw, at most raw->max bytes; *cut when there was more. */
static enum lw_rc
read_page(struct reader *r, struct lw_buf *raw, bool *cut, struct lw_error *err)
{
    *cut = false;
    for (;;) {
        struct lw_slice avail;
        size_t room = raw->max - raw->len;
        enum lw_rc rc = reader_fill(r, &avail);

        if (rc != LW_OK) {
            return lw_error_set(err, rc, "cannot read %s", reader_name(r));
        }
        if (avail.len == 0) {
            return LW_OK;
        }
        if (avail.len > room) {
            lw_buf_append(raw, avail.p, room); /* fits by construction */
            reader_consume(r, room);
            *cut = true;
            return LW_OK;
        }
        lw_buf_append(raw, avail.p, avail.len);
        reader_consume(r, avail.len);
    }
}

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    struct parser *p = lw_xcalloc(1, sizeof(*p));
    struct html_doc *h = NULL;
    struct text_out *t;
    struct lw_buf raw;
    size_t heap_max;
    bool cut;

    (void)err;
    p->r = r;
    p->lim = *lim;
    lw_buf_init(&raw, lim->doc_max);
    lw_buf_init(&p->text, lim->doc_max);
    p->read_rc = read_page(r, &raw, &cut, &p->read_err);
    p->parts = lw_xcalloc(PARTS_MAX, sizeof(p->parts[0]));
    heap_max = scaled(raw.len, HEAP_PER_BYTE, HEAP_FLOOR);
    if (heap_max > scaled(lim->doc_max, HEAP_PER_DOC_MAX, HEAP_FLOOR)) {
        heap_max = scaled(lim->doc_max, HEAP_PER_DOC_MAX, HEAP_FLOOR);
    }
    if (doc_parse_capped(raw.data != NULL ? raw.data : "", raw.len, lim->depth_max, heap_max, &h,
                         NULL) != LW_OK) {
        p->own.bad_records++;
    } else {
        t = lw_xcalloc(1, sizeof(*t));
        t->buf = &p->text;
        t->max = lim->doc_max;
        t->parts = p->parts;
        extract(h, t);
        p->n_parts = t->n_parts;
        cut = cut || t->full || h->feed.stopped;
        p->own.too_deep += h->feed.sh.too_deep;
        text_free(t);
    }
    p->own.cut_records += cut;
    doc_free(h);
    lw_buf_free(&raw);
    *out = p;
    return LW_OK;
}

static void
close_part(struct parser *p)
{
    if (p->ops != NULL) {
        p->ops->close(p->inner);
    }
    reader_close(p->inner_r);
    p->ops = NULL;
    p->inner = NULL;
    p->inner_r = NULL;
}

/* Sniff the next part and open its parser; false when it could not be opened (counted). */
static bool
open_part(struct parser *p, struct parse_stats *st)
{
    const struct part *pt = &p->parts[p->next_part++];
    struct lw_slice s = lw_slice_make(p->text.data + pt->off, pt->len);
    struct lw_slice head = lw_slice_make(s.p, s.len < READER_PEEK_MAX ? s.len : READER_PEEK_MAX);
    const struct parser_ops *ops = parser_sniff(head, NULL);
    struct lw_error e = {0};

    if (ops == &parser_html) {
        ops = &parser_text; /* HTML inside HTML is read as text: no recursion */
    }
    p->inner_r = reader_open_mem(s.p, s.len, reader_name(p->r));
    p->inner_off = pt->off;
    if (ops->open(p->inner_r, &p->lim, &p->inner, &e) != LW_OK) {
        st->bad_records++;
        close_part(p);
        return false;
    }
    p->ops = ops;
    return true;
}

static void
add_stats(struct parse_stats *st, const struct parse_stats *own)
{
    st->records += own->records;
    st->bad_records += own->bad_records;
    st->cut_lines += own->cut_lines;
    st->cut_fields += own->cut_fields;
    st->cut_records += own->cut_records;
    st->too_deep += own->too_deep;
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    if (!p->own_added) {
        add_stats(st, &p->own);
        p->own_added = true;
    }
    for (;;) {
        enum lw_rc rc;

        if (p->ops == NULL) {
            if (p->next_part == p->n_parts) {
                break;
            }
            open_part(p, st);
            continue;
        }
        rc = p->ops->next(p->inner, rec, st, err);
        if (rc == LW_OK) {
            rec->offset += p->inner_off;
            return LW_OK;
        }
        if (rc != LW_ERR_NOT_FOUND) {
            st->bad_records++; /* a memory reader cannot fail: the part was malformed */
        }
        close_part(p);
    }
    if (p->read_rc != LW_OK) {
        enum lw_rc rc = p->read_rc;

        p->read_rc = LW_OK;
        return lw_error_set(err, rc, "%s", p->read_err.msg);
    }
    return LW_ERR_NOT_FOUND;
}

static void
close_(struct parser *p)
{
    if (p == NULL) {
        return;
    }
    close_part(p);
    lw_buf_free(&p->text);
    free(p->parts);
    free(p);
}

/* ---- sniffing ---------------------------------------------------------------------------- */

static bool
starts_ci(struct lw_slice s, size_t i, const char *word)
{
    size_t n = strlen(word);

    if (s.len - i < n) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        if (lw_ascii_lower(s.p[i + k]) != word[k]) {
            return false;
        }
    }
    return true;
}

/* "<name" followed by white space, '>' or '/' at i. */
static bool
tag_at(struct lw_slice s, size_t i, const char *name)
{
    size_t n = strlen(name);

    return starts_ci(s, i, name) &&
           (i + n == s.len || html_is_space((unsigned char)s.p[i + n]) || s.p[i + n] == '>' ||
            s.p[i + n] == '/');
}

/* Past a byte-order mark, white space, comments and an XML declaration. */
static size_t
skip_preamble(struct lw_slice s)
{
    size_t i = starts_ci(s, 0, "\xef\xbb\xbf") ? 3 : 0;

    while (i < s.len) {
        if (html_is_space((unsigned char)s.p[i])) {
            i++;
        } else if (starts_ci(s, i, "<!--")) {
            i = html_feed_find_past((const unsigned char *)s.p, s.len, i + 4, "-->");
        } else if (starts_ci(s, i, "<?xml")) {
            i = html_feed_find_past((const unsigned char *)s.p, s.len, i + 5, "?>");
        } else {
            break;
        }
    }
    return i;
}

static const char *const common_tags[] = {"<div", "<p", "<pre", "<br", "<span", "<table", "<td",
                                          "<li", "<h1", "<h2", "<h3", "<b", "<i", "<tr", "<ul"};

/* Common tags in s: how many, and how many different ones. */
static void
count_tags(struct lw_slice s, size_t *hits, size_t *kinds)
{
    unsigned seen = 0;

    *hits = 0;
    for (const char *q = memchr(s.p, '<', s.len); q != NULL;
         q = memchr(q + 1, '<', s.len - (size_t)(q + 1 - s.p))) {
        size_t i = (size_t)(q - s.p);

        if (starts_ci(s, i, "<a ") && html_feed_find_past((const unsigned char *)s.p,
                                                i + 64 < s.len ? i + 64 : s.len, i, "href") <
                                          (i + 64 < s.len ? i + 64 : s.len)) {
            seen |= 1u << 31;
            ++*hits;
            continue;
        }
        for (size_t k = 0; k < sizeof(common_tags) / sizeof(common_tags[0]); k++) {
            if (tag_at(s, i, common_tags[k])) {
                seen |= 1u << k;
                ++*hits;
                break;
            }
        }
        if (q + 1 == s.p + s.len) {
            break;
        }
    }
    *kinds = (size_t)__builtin_popcount(seen);
}

static bool
html_name(const char *name_hint)
{
    size_t n = name_hint != NULL ? strlen(name_hint) : 0;
    struct lw_slice s = lw_slice_cstr(name_hint);

    return (n >= 5 && starts_ci(s, n - 5, ".html")) || (n >= 4 && starts_ci(s, n - 4, ".htm"));
}

static int
sniff(struct lw_slice head, const char *name_hint)
{
    size_t i = skip_preamble(head);
    size_t hits, kinds;
    int score = 0;

    if (starts_ci(head, i, "<!doctype html") || tag_at(head, i, "<html") ||
        tag_at(head, i, "<head") || tag_at(head, i, "<body")) {
        score = 90;
    } else {
        count_tags(head, &hits, &kinds);
        if (hits >= 3 && kinds >= 2) {
            score = 60;
        }
    }
    if (score > 0 && html_name(name_hint)) {
        score += 5;
    }
    return score;
}

const struct parser_ops parser_html = {"html", sniff, open_, next, close_};
