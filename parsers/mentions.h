/*
 * parsers/mentions.h — does a document name a clinic? A streaming matcher of keywords (a clinic's
 * name, its brands) over a document's bytes: case- and diacritic-insensitive (common/fold.h), on
 * word boundaries, across any split of the input into chunks.
 *
 * A keyword matches where its folded words appear as consecutive whole words of the folded text:
 * "Vastaamo" matches "VASTAAMO:", "vastaamo.fi" and "Psykoterapiakeskus Vastaamo", never
 * "vastaamossa" or "epävastaamo". A multi-word keyword matches across any run of boundaries
 * ("Terapia Oy" in "terapia\n  oy").
 *
 * The document's text is never kept: the matcher holds only the folded tail of the current words
 * (bounded by the longest keyword) and a bit per keyword. Markup is not interpreted: in an HTML
 * page tags and entities are boundaries like any punctuation.
 *
 * Not thread-safe: one matcher per document stream.
 */
#ifndef LW_PARSERS_MENTIONS_H
#define LW_PARSERS_MENTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/slice.h"

#define MENTIONS_WORD_MAX 200    /* longest keyword as given, bytes */
#define MENTIONS_KEYWORDS_MAX 100000

struct mentions;

/* An empty matcher. Never NULL (allocation failure aborts). */
struct mentions *mentions_new(void);
void mentions_free(struct mentions *m); /* NULL-safe */

/*
 * Add a keyword with the caller's id (a watch_keywords.id). LW_ERR_INVALID if it folds to
 * nothing, LW_ERR_TOO_LARGE if it is longer than MENTIONS_WORD_MAX or there are
 * MENTIONS_KEYWORDS_MAX already. Two ids may share a folded form (two clinics, one word): both
 * are reported. Call before the first mentions_begin().
 */
enum lw_rc mentions_add(struct mentions *m, int64_t id, struct lw_slice word, struct lw_error *err);

/* Keywords added. With none, mentions_feed() returns at once (the common case costs nothing). */
size_t mentions_count(const struct mentions *m);

/* Start a document: forget the previous one's matches and scanning state. */
void mentions_begin(struct mentions *m);

/* The document's next bytes, in order, in chunks of any size (a code point or word may straddle
 * two calls). */
void mentions_feed(struct mentions *m, const void *bytes, size_t n);

/* The end of the document (a keyword at the very end matches), then the ids of the keywords found,
 * in the order they were added, each once. *ids is valid until the next mentions_begin(). */
size_t mentions_end(struct mentions *m, const int64_t **ids);

#endif
