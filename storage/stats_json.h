/*
 * storage/stats_json.h — a statistics table (storage/stats.h) as one JSON object, the one writer
 * that `leakwatch stats --format json` and GET /v1/stats share, so the two print the same bytes.
 *
 *   {"by": "kind", "min_count": 10,
 *    "rows": [{"label": "email", "documents": 31, "identifiers": null,
 *              "suppressed": ["identifiers"]}, ...],
 *    "total": {"label": "total", "documents": 40, "identifiers": 412, "suppressed": []}}
 *
 * A measure the dimension has no meaning for is left out of every row; a suppressed one is null
 * and named in that row's "suppressed" array (always present, [] when nothing is suppressed).
 */
#ifndef LW_STORAGE_STATS_JSON_H
#define LW_STORAGE_STATS_JSON_H

#include "common/buf.h"
#include "common/error.h"
#include "storage/stats.h"

/* Append t as one JSON object (no newline) to out. LW_ERR_TOO_LARGE when out's ceiling is reached
 * (out then holds a prefix). */
enum lw_rc stats_json_write(const struct stats_table *t, struct lw_buf *out);

#endif
