/*
 * parsers/html_feed.c — the bytes libtidy is given: the page, shielded and transcoded (the design
 * is in parsers/html.c).
 *
 * At each '<' the markup is scanned ahead (tidy's own reading of it, closely enough: quoted values
 * run to their quote however far, an unquoted one ends at white space, '>' or '<') and checked
 * against a model of the open elements: a stack of name hashes with HTML's implied ends (a <p>
 * closes an open <p>, an <li> the open <li> of its list, a <td> the open cell of its row…), and
 * the list of unclosed inline formatting elements that libtidy re-opens in every new block. What
 * libtidy is not to see is skipped (a space left where a block's tag was, so words stay apart).
 * Bytes are transcoded as they are fed: well-formed UTF-8 passes, other bytes are Windows-1252.
 *
 * The alternative rejected: an exact replica of libtidy's parser state. The model only has to
 * bound what libtidy builds; where it errs it errs towards thinking more is open (it flattens a
 * little early), and the heap and stack backstops catch whatever it misses.
 */
#include "parsers/html_int.h"

#include <string.h>

#include "common/ascii.h"
#include "common/escape.h"
#include "parsers/encoding.h"

#define NAME_MAX_HASHED 64     /* tag name bytes that count */
#define AMP_DIVISOR 64         /* inline elements libtidy may re-open: one per this many bytes */
#define AMP_FLOOR 1024

/* ---- the shield: a small model of the open elements ---------------------------------------- */

enum {
    T_VOID = 1u << 0,     /* never has content */
    T_FMT = 1u << 1,      /* inline element libtidy re-opens in later blocks until it is closed */
    T_RAW = 1u << 2,      /* content is not markup */
    T_SKIP = 1u << 3,     /* html, head, body: libtidy makes them whatever the input says */
    T_CLOSES_P = 1u << 4, /* a start tag that ends an open <p> */
    T_P = 1u << 5,
    T_LI = 1u << 6,
    T_LIST = 1u << 7,
    T_DTDD = 1u << 8,
    T_DL = 1u << 9,
    T_CELL = 1u << 10,
    T_ROW = 1u << 11,
    T_TSECT = 1u << 12,
    T_TABLE = 1u << 13,
    T_OPTION = 1u << 14,
    T_SELECT = 1u << 15,
    T_SCOPE = 1u << 16,   /* implied ends and most end tags do not look past it */
    T_VERBATIM = 1u << 17, /* may use the HTML_DEPTH_RESERVE */
    T_HIDE = 1u << 18,     /* an empty element with nothing for us (<img>, <input>): not shown */
    T_KNOWN = 1u << 19     /* set by name_of for every name in tag_classes */
};

struct tag_class {
    const char *name;
    unsigned cls;
};

/* Every element libtidy 5.6 knows (any other is not shown to it: it would drop it anyway). */
static const struct tag_class tag_classes[] = {
    {"a", 0}, {"abbr", T_FMT}, {"acronym", T_FMT}, {"address", T_CLOSES_P}, {"align", 0},
    {"applet", T_SCOPE}, {"area", T_VOID}, {"article", T_CLOSES_P}, {"aside", T_CLOSES_P},
    {"audio", 0}, {"b", T_FMT}, {"base", T_VOID}, {"basefont", T_VOID | T_HIDE}, {"bdi", T_FMT},
    {"bdo", T_FMT}, {"bgsound", T_VOID | T_HIDE}, {"big", T_FMT}, {"blink", T_FMT},
    {"blockquote", T_CLOSES_P}, {"body", T_SKIP}, {"br", T_VOID}, {"button", T_FMT | T_SCOPE},
    {"canvas", 0}, {"caption", T_SCOPE}, {"center", T_CLOSES_P}, {"cite", T_FMT}, {"code", T_FMT},
    {"col", T_VOID | T_HIDE}, {"colgroup", 0}, {"command", T_VOID | T_HIDE}, {"comment", T_FMT},
    {"datalist", T_SELECT}, {"dd", T_DTDD | T_CLOSES_P}, {"del", 0}, {"details", T_CLOSES_P},
    {"dfn", T_FMT}, {"dialog", T_CLOSES_P}, {"dir", T_LIST | T_CLOSES_P}, {"div", T_CLOSES_P},
    {"dl", T_DL | T_CLOSES_P}, {"dt", T_DTDD | T_CLOSES_P}, {"em", T_FMT},
    {"embed", T_VOID | T_HIDE}, {"fieldset", T_CLOSES_P}, {"figcaption", T_CLOSES_P},
    {"figure", T_CLOSES_P}, {"font", T_FMT}, {"footer", T_CLOSES_P}, {"form", T_CLOSES_P},
    {"frame", T_VOID}, {"frameset", 0}, {"h1", T_CLOSES_P}, {"h2", T_CLOSES_P}, {"h3", T_CLOSES_P},
    {"h4", T_CLOSES_P}, {"h5", T_CLOSES_P}, {"h6", T_CLOSES_P}, {"head", T_SKIP},
    {"header", T_CLOSES_P}, {"hgroup", T_CLOSES_P}, {"hr", T_VOID | T_CLOSES_P}, {"html", T_SKIP},
    {"i", T_FMT}, {"iframe", 0}, {"ilayer", T_FMT}, {"img", T_VOID | T_HIDE},
    {"input", T_VOID | T_HIDE}, {"ins", 0}, {"isindex", T_VOID | T_HIDE}, {"kbd", T_FMT},
    {"keygen", T_VOID | T_HIDE}, {"label", T_FMT}, {"layer", 0}, {"legend", T_FMT},
    {"li", T_LI | T_CLOSES_P}, {"link", T_VOID}, {"listing", T_CLOSES_P | T_VERBATIM},
    {"main", T_CLOSES_P}, {"map", 0}, {"mark", T_FMT}, {"marquee", T_FMT | T_SCOPE}, {"math", 0},
    {"menu", T_LIST | T_CLOSES_P}, {"menuitem", T_FMT}, {"meta", T_VOID | T_HIDE}, {"meter", T_FMT},
    {"multicol", 0}, {"nav", T_CLOSES_P}, {"nextid", T_VOID | T_HIDE}, {"nobr", T_FMT},
    {"noembed", T_FMT}, {"noframes", 0}, {"nolayer", 0}, {"nosave", 0}, {"noscript", 0},
    {"object", T_SCOPE}, {"ol", T_LIST | T_CLOSES_P}, {"optgroup", T_OPTION}, {"option", T_OPTION},
    {"output", T_FMT}, {"p", T_P | T_CLOSES_P}, {"param", T_VOID | T_HIDE}, {"picture", T_FMT},
    {"plaintext", T_CLOSES_P | T_VERBATIM}, {"pre", T_CLOSES_P | T_VERBATIM}, {"progress", T_FMT},
    {"q", T_FMT}, {"rb", T_FMT}, {"rbc", T_FMT}, {"rp", T_FMT}, {"rt", T_FMT}, {"rtc", T_FMT},
    {"ruby", T_FMT}, {"s", T_FMT}, {"samp", T_FMT}, {"script", T_RAW}, {"section", T_CLOSES_P},
    {"select", T_SELECT | T_SCOPE}, {"server", 0}, {"servlet", 0}, {"small", T_FMT},
    {"source", T_VOID | T_HIDE}, {"spacer", T_VOID | T_HIDE}, {"span", T_FMT}, {"strike", T_FMT},
    {"strong", T_FMT}, {"style", T_RAW}, {"sub", T_FMT}, {"summary", 0}, {"sup", T_FMT}, {"svg", 0},
    {"table", T_TABLE | T_CLOSES_P | T_SCOPE}, {"tbody", T_TSECT}, {"td", T_CELL | T_SCOPE},
    {"template", T_SCOPE}, {"textarea", T_VERBATIM}, {"tfoot", T_TSECT}, {"th", T_CELL | T_SCOPE},
    {"thead", T_TSECT}, {"time", T_FMT}, {"title", 0}, {"tr", T_ROW}, {"track", T_VOID | T_HIDE},
    {"tt", T_FMT}, {"u", T_FMT}, {"ul", T_LIST | T_CLOSES_P}, {"var", T_FMT}, {"video", 0},
    {"wbr", T_VOID | T_HIDE}, {"xmp", T_CLOSES_P | T_VERBATIM},
};

/* A tag's name: its hash (ASCII case folded) and its class. */
struct tag_name {
    uint32_t hash;
    unsigned cls;
};

static struct tag_name
name_of(const unsigned char *p, size_t len)
{
    struct tag_name t = {2166136261u, 0};
    char low[12];
    size_t n = len < NAME_MAX_HASHED ? len : NAME_MAX_HASHED;

    for (size_t i = 0; i < n; i++) {
        t.hash = (t.hash ^ (unsigned char)lw_ascii_lower((char)p[i])) * 16777619u;
    }
    if (len >= sizeof(low)) {
        return t;
    }
    for (size_t i = 0; i < len; i++) {
        low[i] = lw_ascii_lower((char)p[i]);
    }
    low[len] = '\0';
    for (size_t i = 0; i < sizeof(tag_classes) / sizeof(tag_classes[0]); i++) {
        if (tag_classes[i].name[0] == low[0] && strcmp(tag_classes[i].name, low) == 0) {
            t.cls = tag_classes[i].cls | T_KNOWN;
            break;
        }
    }
    return t;
}

/* How many open elements stay when an element matching `match` is closed implicitly, looking no
 * further down than an element matching `stop`. */
static size_t
implied_end(const struct html_shield *s, size_t depth, unsigned match, unsigned stop)
{
    for (size_t i = depth; i-- > 0;) {
        if (s->cls[i] & match) {
            return i;
        }
        if (s->cls[i] & stop) {
            break;
        }
    }
    return depth;
}

/* A start tag: true when libtidy may see it, false when it is to be fed as spaces. */
static bool
shield_start(struct html_shield *s, struct tag_name t, bool self_closing)
{
    size_t keep = s->depth;
    size_t cap = s->depth_cap + ((t.cls & T_VERBATIM) ? HTML_DEPTH_RESERVE : 0);

    if (t.cls & T_SKIP) {
        return true;
    }
    if (t.cls & T_CLOSES_P) {
        keep = implied_end(s, keep, T_P, T_SCOPE);
    }
    if (t.cls & T_LI) {
        keep = implied_end(s, keep, T_LI, T_LIST | T_SCOPE);
    }
    if (t.cls & T_DTDD) {
        keep = implied_end(s, keep, T_DTDD, T_DL | T_SCOPE);
    }
    if (t.cls & T_CELL) {
        keep = implied_end(s, keep, T_CELL, T_ROW | T_TABLE);
    }
    if (t.cls & T_ROW) {
        keep = implied_end(s, keep, T_ROW, T_TABLE);
    }
    if (t.cls & T_TSECT) {
        keep = implied_end(s, keep, T_TSECT, T_TABLE);
    }
    if (t.cls & T_OPTION) {
        keep = implied_end(s, keep, T_OPTION, T_SELECT);
    }
    if ((t.cls & (T_VOID | T_RAW)) || self_closing) {
        s->depth = keep; /* <script> and <style> hold no elements: never cut, never pushed */
        return true;
    }
    if (keep >= cap || ((t.cls & T_FMT) && s->n_fmt == HTML_FMT_MAX) ||
        (!(t.cls & T_FMT) && s->n_fmt > s->amp_max - s->amp)) {
        s->too_deep = true;
        return false;
    }
    if (!(t.cls & T_FMT)) {
        s->amp += s->n_fmt; /* libtidy re-opens every unclosed inline element in a new block */
    }
    s->depth = keep;
    s->hash[s->depth] = t.hash;
    s->cls[s->depth++] = t.cls;
    if (t.cls & T_FMT) {
        s->fmt[s->n_fmt++] = t.hash;
    }
    return true;
}

/* An end tag: false when it closes nothing the model knows of (it is then not shown). */
static bool
shield_end(struct html_shield *s, struct tag_name t)
{
    bool fmt = false;
    bool scoped = false;

    if (t.cls & (T_SKIP | T_VOID | T_RAW)) {
        return true;
    }
    if (t.cls & T_FMT) {
        for (size_t i = s->n_fmt; i-- > 0;) {
            if (s->fmt[i] == t.hash) {
                memmove(s->fmt + i, s->fmt + i + 1, (s->n_fmt - i - 1) * sizeof(s->fmt[0]));
                s->n_fmt--;
                fmt = true;
                break;
            }
        }
    }
    for (size_t i = s->depth; i-- > 0;) {
        if (s->hash[i] == t.hash) {
            if (!scoped) {
                s->depth = i;
            }
            return true; /* behind a table cell or the like: libtidy decides */
        }
        scoped |= (s->cls[i] & T_SCOPE) && !(t.cls & T_SCOPE);
    }
    return fmt;
}

/* ---- the feed ---------------------------------------------------------------------------- */

/* What scanning one tag found. */
struct tag_scan {
    size_t attrs;        /* where its attributes start: just past the name */
    size_t close;        /* where its "/>" or ">" starts (or where it was cut off) */
    size_t end;          /* just past it */
    bool self_closing;
    struct html_span keep[2]; /* its first href and src attributes (empty: none) */
};

static bool
is_name_char(unsigned char c)
{
    return lw_ascii_is_alnum((char)c) || c == '-' || c == '_' || c == ':' || c == '.' || c >= 0x80;
}

size_t
html_feed_find_past(const unsigned char *p, size_t len, size_t i, const char *s)
{
    size_t n = strlen(s);

    for (; i + n <= len; i++) {
        size_t k = 0;

        while (k < n && lw_ascii_lower((char)p[i + k]) == s[k]) {
            k++;
        }
        if (k == n) {
            return i + n;
        }
    }
    return len;
}

/* An attribute called name at [from, to), or name is longer. */
static bool
attr_is(const unsigned char *p, size_t from, size_t to, const char *name)
{
    size_t n = strlen(name);

    if (to - from != n) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        if (lw_ascii_lower((char)p[from + k]) != name[k]) {
            return false;
        }
    }
    return true;
}

/* Past an attribute value starting at i (just after the '='), the way libtidy reads it: quoted to
 * the matching quote, however far; unquoted to white space, '>' or '<'. */
static size_t
skip_value(const unsigned char *p, size_t len, size_t i)
{
    while (i < len && html_is_space(p[i])) {
        i++;
    }
    if (i < len && (p[i] == '"' || p[i] == '\'')) {
        const unsigned char *q = memchr(p + i + 1, p[i], len - i - 1);

        return q != NULL ? (size_t)(q - p) + 1 : len;
    }
    while (i < len && !html_is_space(p[i]) && p[i] != '>' && p[i] != '<') {
        i++;
    }
    return i;
}

/* Scan a tag's attributes from i, just past its name. */
static void
scan_tag(const unsigned char *p, size_t len, size_t i, struct tag_scan *ts)
{
    size_t slash = 0;

    memset(ts, 0, sizeof(*ts));
    ts->attrs = i;
    while (i < len) {
        size_t start, name_end;

        while (i < len && (html_is_space(p[i]) || p[i] == '/')) {
            ts->self_closing = p[i] == '/';
            slash = i++;
        }
        if (i >= len || p[i] == '>' || p[i] == '<') {
            break;
        }
        ts->self_closing = false;
        start = i;
        while (i < len && !html_is_space(p[i]) && p[i] != '=' && p[i] != '>' && p[i] != '<') {
            i++;
        }
        name_end = i;
        while (i < len && html_is_space(p[i])) {
            i++;
        }
        if (i < len && p[i] == '=') {
            i = skip_value(p, len, i + 1);
        } else {
            i = name_end;
        }
        for (size_t k = 0; k < 2; k++) {
            if (ts->keep[k].to == 0 && attr_is(p, start, name_end, k == 0 ? "href" : "src")) {
                ts->keep[k].from = start;
                ts->keep[k].to = i;
            }
        }
    }
    ts->close = ts->self_closing ? slash : i;
    ts->end = i < len && p[i] == '>' ? i + 1 : i;
}

/* A start tag directly followed by its end tag (<i class="icon"></i>), with nothing to show and
 * no href or src: not shown, and ts->end moved past the end tag. Table parts stay: an empty cell
 * keeps its column. */
static bool
empty_pair(const struct html_feed *f, struct tag_name t, size_t name_start, size_t name_end,
           struct tag_scan *ts)
{
    const unsigned char *p = f->p;
    size_t i = ts->end;
    size_t n = name_end - name_start;

    if ((t.cls & (T_VOID | T_SKIP | T_RAW | T_CELL | T_ROW | T_TSECT | T_TABLE | T_OPTION)) ||
        ts->self_closing || ts->keep[0].to != 0 || ts->keep[1].to != 0 || i == 0 ||
        p[i - 1] != '>') {
        return false;
    }
    while (i < f->len && html_is_space(p[i])) {
        i++;
    }
    if (f->len - i < n + 3 || p[i] != '<' || p[i + 1] != '/') {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        if (lw_ascii_lower((char)p[i + 2 + k]) != lw_ascii_lower((char)p[name_start + k])) {
            return false;
        }
    }
    i += 2 + n;
    while (i < f->len && html_is_space(p[i])) {
        i++;
    }
    if (i == f->len || p[i] != '>') {
        return false;
    }
    ts->end = i + 1;
    return true;
}

/* Just past a comment whose text starts at i, as browsers end it: "-->" or "--!>", and "<!-->"
 * and "<!--->" are empty comments; to the end of the input when it is not closed. */
static size_t
comment_end(const unsigned char *p, size_t len, size_t i)
{
    size_t end;

    if (i < len && p[i] == '>') {
        return i + 1;
    }
    if (i + 1 < len && p[i] == '-' && p[i + 1] == '>') {
        return i + 2;
    }
    end = html_feed_find_past(p, len, i, "-->");
    return html_feed_find_past(p, end, i, "--!>") < end ? html_feed_find_past(p, end, i, "--!>")
                                                        : end;
}

/* The feed reached a '<' at pos: decide what libtidy sees of the markup starting there. What
 * libtidy would only warn about and drop is not shown: elements it does not know (custom
 * elements), empty elements that hold nothing for us (<img>, <input>), end tags that close
 * nothing, and every attribute but href and src (a warning for each one it does not know, a
 * quadratic duplicate check). Each warning costs libtidy some 12 KB of formatting. */
static void
shield_at(struct html_feed *f, size_t pos)
{
    const unsigned char *p = f->p;
    size_t i = pos + 1;
    size_t name_start;
    bool closing;
    struct tag_name t;
    struct tag_scan ts;

    f->skip_to = pos + 1;
    if (f->raw_name == NULL && i < f->len && (p[i] == '!' || p[i] == '?')) {
        /* comments, <!DOCTYPE>, <![CDATA[…]]>, <?…>: nothing to show, and where they end is
         * then ours to say (libtidy's rules for them differ in corners, and markup that the
         * shield took for text inside one would be unshielded to libtidy) */
        if (i + 2 < f->len && memcmp(p + i, "!--", 3) == 0) {
            f->skip_to = comment_end(p, f->len, i + 3);
        } else if (i + 1 < f->len && p[i] == '!' && p[i + 1] == '[') {
            f->skip_to = html_feed_find_past(p, f->len, i + 2, "]>");
        } else {
            f->skip_to = html_feed_find_past(p, f->len, i, ">");
        }
        memset(f->keep, 0, sizeof(f->keep));
        f->blank.from = pos;
        f->blank.to = f->skip_to;
        f->blank_sep = false;
        return;
    }
    closing = i < f->len && p[i] == '/';
    i += closing;
    if (i >= f->len || !lw_ascii_is_alpha((char)p[i])) {
        return; /* not markup: text */
    }
    name_start = i;
    while (i < f->len && is_name_char(p[i])) {
        i++;
    }
    t = name_of(p + name_start, i - name_start);
    if (f->raw_name != NULL) {
        if (!closing || !attr_is(p, name_start, i, f->raw_name)) {
            return; /* text inside <script> or <style> */
        }
        f->raw_name = NULL;
    }
    scan_tag(p, f->len, i, &ts);
    f->skip_to = ts.end;
    memset(f->keep, 0, sizeof(f->keep));
    f->blank.from = ts.attrs;
    f->blank.to = ts.close;
    f->blank_sep = true;
    if (!(t.cls & T_KNOWN) || (t.cls & T_HIDE) ||
        (!closing && empty_pair(f, t, name_start, i, &ts)) ||
        (closing ? !shield_end(&f->sh, t) : !shield_start(&f->sh, t, ts.self_closing))) {
        /* a block's tag still separates words; an inline one (<span>, a custom element) not */
        f->blank.from = pos;
        f->blank.to = f->skip_to = ts.end;
        f->blank_sep = (t.cls & T_KNOWN) && !(t.cls & (T_FMT | T_HIDE));
        return;
    }
    if (!closing) {
        memcpy(f->keep, ts.keep, sizeof(f->keep));
    }
    if ((t.cls & T_RAW) && !closing && !ts.self_closing) {
        f->raw_name = lw_ascii_lower((char)p[name_start + 1]) == 'c' ? "script" : "style";
    }
}

static bool
in_span(struct html_span s, size_t pos)
{
    return pos >= s.from && pos < s.to;
}

/* Put the next character of the input, as libtidy is to see it, into f->out (nothing when a run
 * of blanked bytes was skipped). Spans begin and end on ASCII bytes, so no character straddles
 * one. */
static void
feed_char(struct html_feed *f)
{
    size_t pos = f->pos;
    unsigned char c = f->p[pos];
    unsigned cp;
    size_t n;

    f->out_pos = f->out_len = 0;
    if (c == '<' && pos >= f->skip_to) {
        shield_at(f, pos);
    }
    if (in_span(f->blank, pos) && !in_span(f->keep[0], pos) && !in_span(f->keep[1], pos)) {
        size_t to = f->blank.to;

        for (size_t k = 0; k < 2; k++) {
            if (f->keep[k].from > pos && f->keep[k].from < to) {
                to = f->keep[k].from;
            }
        }
        f->pos = to;
        if (f->blank_sep) {
            f->out[f->out_len++] = ' ';
        }
        return;
    }
    if (c == '<' && pos + 1 < f->len &&
        (f->p[pos + 1] >= 0x80 || f->p[pos + 1] == '%' || f->p[pos + 1] == '#')) {
        /* Text, and libtidy is to take it as text: it mangles a '<' before a multi-byte character
         * (it takes back one byte of the character, not all of them) and reads "<%" and "<#" as
         * the start of server code it drops, so it gets the '<' as an entity. */
        memcpy(f->out, "&lt;", 4);
        f->out_len = 4;
        f->pos++;
        return;
    }
    if (c >= 0x20 && c < 0x80) {
        f->out[0] = c;
        f->out_len = 1;
        f->pos++;
        return;
    }
    n = lw_utf8_decode(lw_slice_make((const char *)f->p + pos, f->len - pos), &cp);
    if (n == 0) {
        n = 1;
    }
    lw_buf_reset(&f->one);
    encoding_to_utf8(lw_slice_make((const char *)f->p + pos, n), &f->one); /* 4 bytes fit in 8 */
    memcpy(f->out, f->one.data, f->one.len);
    f->out_len = f->one.len;
    f->pos += n;
}

bool
html_feed_over_budget(const struct html_feed *f)
{
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);

    return *f->live > f->live_max ||
           (here < f->stack_base && f->stack_base - here > HTML_STACK_BUDGET);
}

void
html_feed_init(struct html_feed *f, const char *doc, size_t len, size_t depth_cap,
               const size_t *live, size_t live_max)
{
    memset(f, 0, sizeof(*f));
    f->p = (const unsigned char *)doc;
    f->len = len;
    f->live = live;
    f->live_max = live_max;
    f->sh.depth_cap = depth_cap < 1 ? 1 : depth_cap > HTML_DEPTH_HARD ? HTML_DEPTH_HARD : depth_cap;
    f->sh.amp_max = len / AMP_DIVISOR + AMP_FLOOR;
    lw_buf_init(&f->one, sizeof(f->out));
}

int
html_feed_byte(struct html_feed *f)
{
    if (f->n_back > 0) {
        return f->back[--f->n_back];
    }
    while (f->out_pos == f->out_len) {
        if (f->stopped || f->pos >= f->len) {
            return -1;
        }
        if (html_feed_over_budget(f)) {
            f->stopped = true;
            return -1;
        }
        feed_char(f);
    }
    return f->out[f->out_pos++];
}

void
html_feed_unget(struct html_feed *f, unsigned char b)
{
    if (f->n_back < sizeof(f->back)) {
        f->back[f->n_back++] = b;
    }
}

bool
html_feed_at_end(const struct html_feed *f)
{
    return f->n_back == 0 && f->out_pos == f->out_len && (f->stopped || f->pos >= f->len);
}

void
html_feed_free(struct html_feed *f)
{
    lw_buf_free(&f->one);
}

