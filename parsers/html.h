/*
 * parsers/html.h — what an HTML page holds, for the crawler: its links (index pages) and its
 * visible text (the HTML parser, parser_html, builds its records from the same text).
 *
 * Both functions parse the whole document with libtidy behind a guard that keeps libtidy bounded
 * (parsers/html.c): its heap is capped at 64 times len plus 4 MiB (the caller bounds len), and
 * pathological markup (nesting past HTML_DEPTH, piles of unclosed inline tags) is flattened
 * before libtidy sees it; the text of a document cut short by the cap is what came before the
 * cut. Bytes that are not UTF-8 are read as Windows-1252; the text handed out is UTF-8 with no
 * control characters but tab and line breaks. Nothing is printed, logged, fetched or kept after
 * the call; every buffer that held the document is wiped before it is freed.
 */
#ifndef LW_PARSERS_HTML_H
#define LW_PARSERS_HTML_H

#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/slice.h"

/* Most links html_links() reports for one document. */
#define HTML_LINKS_MAX 100000
/* Most bytes of anchor text reported with one link (cut on a character boundary). */
#define HTML_ANCHOR_TEXT_MAX 1024
/* Deepest element nesting libtidy is shown; deeper start tags are dropped (their text is kept). */
#define HTML_DEPTH 64

/*
 * Call on_link for every `<a href>`, `<link href>`, `<area href>`, `<iframe src>` and
 * `<frame src>` of doc[0, len), in document order, with the attribute's value as written (entities
 * decoded, not resolved against any base, not filtered: "javascript:" and "#top" are reported too —
 * resolving and filtering are the caller's job) and, for `<a>`, its text with white space collapsed
 * (empty for the others). Elements without the attribute are skipped. Both slices are valid only
 * during the call. LW_OK; LW_ERR_TOO_LARGE when the document has more than HTML_LINKS_MAX links
 * (the first HTML_LINKS_MAX were reported); LW_ERR_INVALID when libtidy could not parse doc at all.
 */
enum lw_rc html_links(const char *doc, size_t len,
                      void (*on_link)(void *user, struct lw_slice href, struct lw_slice text),
                      void *user, struct lw_error *err);

/*
 * The visible text of doc[0, len) into text (reset first), at most max bytes (and never past
 * text->max). In this order, each part separated from the next by a blank line:
 *   1. every <pre>, <textarea>, <code>, <xmp>, <listing> and <plaintext> block, as written (white
 *      space kept as libtidy keeps it: inside <pre> and <textarea> exactly but for the line break
 *      right after the start tag, inside a <code> outside <pre> collapsed), one part each —
 *      pastes live there;
 *   2. every table that holds no other table, one part each: a line per row, cells separated by a
 *      tab, white space in a cell collapsed to single spaces (a table of records reads as TSV);
 *   3. the rest of the text: the <title> first, then the body, block elements ending lines
 *      (paragraphs and headings ending with a blank line), inline text joined with single spaces,
 *      <br> a line break, U+00A0 a space;
 *   4. last, the text of the page's chrome: <nav>, <header>, <footer> and <aside>.
 * <script>, <style>, <noscript>, <template>, comments, attribute values and the rest of <head> are
 * not text. Entities are decoded. LW_OK; LW_ERR_TOO_LARGE when the text was cut at max (text holds
 * what fit, ending on a whole character); LW_ERR_INVALID when libtidy could not parse doc at all.
 */
enum lw_rc html_text(const char *doc, size_t len, size_t max, struct lw_buf *text,
                     struct lw_error *err);

#endif
