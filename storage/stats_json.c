/*
 * storage/stats_json.c — a statistics table as JSON (see stats_json.h).
 *
 * Written with lw_buf_printf and the JSON escaper rather than a JSON tree: the shape is fixed and
 * small, and every string but the label is one of leakwatch's own names. A suppressed value is
 * written as null — never as 0, which a reader could add up — and the table's min_count is the
 * threshold that was applied, so a reader knows what "suppressed" means in this answer.
 */
#include "storage/stats_json.h"

#include <stdbool.h>

#include "common/escape.h"

static enum lw_rc
row_write(const struct stats_row *r, struct lw_buf *b)
{
    enum lw_rc rc = lw_buf_append_str(b, "{\"label\": \"");
    bool first = true;

    if (rc == LW_OK) {
        rc = lw_escape(b, lw_slice_cstr(r->label), LW_ESCAPE_JSON);
    }
    if (rc == LW_OK) {
        rc = lw_buf_append_byte(b, '"');
    }
    for (int m = 0; rc == LW_OK && m < STATS_MEASURES; m++) {
        const struct stats_cell *c = &r->cell[m];

        if (!c->present) {
            continue;
        }
        rc = c->suppressed ? lw_buf_printf(b, ", \"%s\": null", stats_measure_name((enum stats_measure)m))
                           : lw_buf_printf(b, ", \"%s\": %lld", stats_measure_name((enum stats_measure)m),
                                           (long long)c->value);
    }
    if (rc == LW_OK) {
        rc = lw_buf_append_str(b, ", \"suppressed\": [");
    }
    for (int m = 0; rc == LW_OK && m < STATS_MEASURES; m++) {
        if (r->cell[m].present && r->cell[m].suppressed) {
            rc = lw_buf_printf(b, "%s\"%s\"", first ? "" : ", ", stats_measure_name((enum stats_measure)m));
            first = false;
        }
    }
    return rc == LW_OK ? lw_buf_append_str(b, "]}") : rc;
}

enum lw_rc
stats_json_write(const struct stats_table *t, struct lw_buf *out)
{
    enum lw_rc rc = lw_buf_printf(out, "{\"by\": \"%s\", \"min_count\": %u, \"rows\": [",
                                  stats_by_name(t->by), t->min_count);

    for (size_t i = 0; rc == LW_OK && i < t->n; i++) {
        if (i > 0) {
            rc = lw_buf_append_str(out, ", ");
        }
        if (rc == LW_OK) {
            rc = row_write(&t->rows[i], out);
        }
    }
    if (rc == LW_OK) {
        rc = lw_buf_append_str(out, "], \"total\": ");
    }
    if (rc == LW_OK) {
        rc = row_write(&t->total, out);
    }
    return rc == LW_OK ? lw_buf_append_byte(out, '}') : rc;
}
