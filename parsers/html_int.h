/*
 * parsers/html_int.h — what parsers/html.c (libtidy, the text, the parser) and parsers/html_feed.c
 * (the bytes libtidy is given) share. Not for use outside the HTML parser.
 */
#ifndef LW_PARSERS_HTML_INT_H
#define LW_PARSERS_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define HTML_DEPTH_HARD 256           /* most open elements the shield ever allows */
#define HTML_DEPTH_RESERVE 4          /* extra levels for <pre> and friends past the cap */
#define HTML_FMT_MAX 8                /* most unclosed inline formatting elements */
#define HTML_STACK_BUDGET (256u << 10) /* stack libtidy may use below the call (~80 B a level) */

/* The shield's model of the elements open in what libtidy was shown. */
struct html_shield {
    uint32_t hash[HTML_DEPTH_HARD + HTML_DEPTH_RESERVE]; /* the open elements, outermost first */
    unsigned cls[HTML_DEPTH_HARD + HTML_DEPTH_RESERVE];
    size_t depth, depth_cap;
    uint32_t fmt[HTML_FMT_MAX]; /* unclosed formatting elements, in order */
    size_t n_fmt;
    size_t amp, amp_max;        /* inline elements libtidy will re-open so far, and the allowance */
    bool too_deep;              /* markup was not shown to keep the nesting bounded */
};

struct html_span {
    size_t from, to; /* [from, to) */
};

/* libtidy's input: the page, shielded and transcoded, one byte at a time. */
struct html_feed {
    const unsigned char *p;
    size_t len, pos;
    size_t skip_to;               /* no markup decisions before this position */
    struct html_span blank;       /* input bytes in here are not fed (a space at most), */
    struct html_span keep[2];     /* but for these (a tag's href and src) */
    bool blank_sep;               /* a space for each run of blanked bytes */
    const char *raw_name;         /* inside <script> or <style>: its name, else NULL */
    unsigned char out[8];         /* the current character, as fed */
    size_t out_len, out_pos;
    unsigned char back[16];       /* bytes libtidy gave back */
    size_t n_back;
    struct lw_buf one;            /* one Windows-1252 byte as UTF-8 */
    struct html_shield sh;
    const size_t *live;           /* libtidy's heap now, */
    size_t live_max;              /* and its cap */
    uintptr_t stack_base;         /* the frame that called libtidy (set just before the call) */
    bool stopped;                 /* a backstop ended the input early */
};

/* Set up f to feed doc[0, len) (borrowed until html_feed_free), nesting at most depth_cap
 * (clamped to [1, HTML_DEPTH_HARD]), ending early once *live passes live_max. */
void html_feed_init(struct html_feed *f, const char *doc, size_t len, size_t depth_cap,
                    const size_t *live, size_t live_max);

/* The next byte for libtidy, or -1 at the end (of the input, or forced by a backstop). */
int html_feed_byte(struct html_feed *f);

/* Take back a byte libtidy read one too far (up to 16). */
void html_feed_unget(struct html_feed *f, unsigned char b);

/* True when html_feed_byte() would return -1. */
bool html_feed_at_end(const struct html_feed *f);

/* True when libtidy's heap or its stack use passed their cap. */
bool html_feed_over_budget(const struct html_feed *f);

/* Release what the feed holds (not the page). */
void html_feed_free(struct html_feed *f);

/* The position just past the first occurrence of the lower-case ASCII string s in p[i, len),
 * matched without regard to ASCII case, or len. */
size_t html_feed_find_past(const unsigned char *p, size_t len, size_t i, const char *s);

static inline bool
html_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

#endif
