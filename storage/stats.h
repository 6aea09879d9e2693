/*
 * storage/stats.h — aggregate statistics for researchers, with small cells suppressed so that no
 * suppressed cell can be recovered, also not by subtracting the visible cells from a total.
 *
 * One implementation, in PostgreSQL: the migration's function lw_stats(by text, k integer) computes
 * a table and applies suppression; research.stats(by, k) is the research role's entry to it
 * (SECURITY DEFINER, k raised to at least STATS_RESEARCH_MIN_COUNT), and the research views are
 * built on it. `leakwatch stats`, GET /v1/stats and the views therefore always agree.
 *
 * Dimensions (rows) and measures (columns; a measure a dimension has no meaning for is absent):
 *   kind     per identifier kind: documents holding it, distinct identifiers of it
 *   source   per source: documents, records, distinct identifiers (documents without a source:
 *            "(none)")
 *   month    per month a document was first seen (YYYY-MM): documents, records, distinct
 *            identifiers first seen in a document of that month
 *   country  per country (ISO 3166 alpha-2, "(unknown)") an identifier belongs to — a phone's
 *            calling code, a national identity number's country, an IBAN's country, an e-mail
 *            address's country-code TLD (stored per hit at ingest, hits.country): distinct
 *            identifiers, documents
 *   overlap  per number of documents an identifier appears in ("1", "2", … "9", "10+"): distinct
 *            identifiers
 * and a total row per table (distinct identifiers: the number of distinct hashes, not a sum).
 *
 * Suppression, per measure column with its total: primary — every cell below k; complementary —
 * while the suppressed cells number exactly one, or add up to less than k, the smallest visible
 * cell is suppressed too; a total below k is itself suppressed (and then every cell). Zero cells
 * are not rows. So a suppressed cell can be narrowed to a range by subtraction, never pinned.
 */
#ifndef LW_STORAGE_STATS_H
#define LW_STORAGE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"

#define STATS_MIN_COUNT_DEFAULT 10
#define STATS_RESEARCH_MIN_COUNT 10 /* the floor for the research role and researcher tokens */
#define STATS_MIN_COUNT_MAX 1000000
#define STATS_LABEL_MAX 128

enum stats_by { STATS_BY_KIND, STATS_BY_SOURCE, STATS_BY_MONTH, STATS_BY_COUNTRY, STATS_BY_OVERLAP };

enum stats_measure { STATS_DOCUMENTS, STATS_RECORDS, STATS_IDENTIFIERS, STATS_MEASURES };

/* The stable names: "kind" … "overlap"; "documents", "records", "identifiers". */
const char *stats_by_name(enum stats_by by);
bool stats_by_parse(const char *name, enum stats_by *out);
const char *stats_measure_name(enum stats_measure m);

struct stats_cell {
    bool present;    /* the measure applies to this dimension */
    bool suppressed; /* present, but below the threshold or complementary: value is 0 */
    int64_t value;
};

struct stats_row {
    char label[STATS_LABEL_MAX + 1];
    struct stats_cell cell[STATS_MEASURES];
};

struct stats_table {
    enum stats_by by;
    unsigned min_count;
    struct stats_row *rows; /* in the dimension's order: kinds by id, sources by name, months and
                               overlap ascending, countries by identifiers descending */
    size_t n;
    struct stats_row total; /* label "total" */
};

/*
 * Compute a table through lw_stats (research: through research.stats, as the research role would:
 * min_count raised to STATS_RESEARCH_MIN_COUNT). min_count 1..STATS_MIN_COUNT_MAX, else
 * LW_ERR_RANGE. LW_ERR_DB. *out owned by the caller: stats_table_free.
 */
enum lw_rc stats_query(struct db *db, enum stats_by by, unsigned min_count, bool research,
                       struct stats_table *out, struct lw_error *err);
void stats_table_free(struct stats_table *t);

#endif
