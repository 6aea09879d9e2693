/*
 * storage/stats.c — researchers' statistics: the names of dimensions and measures, and a table read
 * from PostgreSQL (see stats.h).
 *
 * The numbers and their suppression are computed by the database alone (migration 0004:
 * lw_stats, and research.stats for the research role), so the command line, the API and the
 * research views cannot disagree. This file only passes (by, k) and turns the result's rows into
 * a struct stats_table: a NULL value with its flag set is a suppressed cell, a NULL value with the
 * flag unset a measure the dimension has no meaning for, and the row flagged is_total the total.
 *
 * Rejected: suppressing in C. Every reader of the numbers — the research role's views above all,
 * which have no C in front of them — would then need its own copy of the algorithm.
 */
#include "storage/stats.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char *const by_names[] = {"kind", "source", "month", "country", "overlap"};
static const char *const measure_names[STATS_MEASURES] = {"documents", "records", "identifiers"};

/* The result's columns: label, the three measures, their three suppression flags, is_total. */
#define COL_LABEL 0
#define COL_VALUE 1
#define COL_FLAG 4
#define COL_TOTAL 7
#define COLS 8

const char *
stats_by_name(enum stats_by by)
{
    return (unsigned)by < sizeof(by_names) / sizeof(by_names[0]) ? by_names[by] : "?";
}

bool
stats_by_parse(const char *name, enum stats_by *out)
{
    for (size_t i = 0; name != NULL && i < sizeof(by_names) / sizeof(by_names[0]); i++) {
        if (strcmp(name, by_names[i]) == 0) {
            *out = (enum stats_by)i;
            return true;
        }
    }
    return false;
}

const char *
stats_measure_name(enum stats_measure m)
{
    return (unsigned)m < STATS_MEASURES ? measure_names[m] : "?";
}

static bool
is_true(const struct pg_result *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

/* One result row into *r. false when a value is not a count. */
static bool
read_row(const struct pg_result *res, int row, struct stats_row *r)
{
    db_text(res, row, COL_LABEL, r->label, sizeof(r->label));
    for (int m = 0; m < STATS_MEASURES; m++) {
        struct stats_cell *c = &r->cell[m];

        c->suppressed = is_true(res, row, COL_FLAG + m);
        c->value = 0;
        if (PQgetisnull(res, row, COL_VALUE + m)) {
            c->present = c->suppressed;
            continue;
        }
        c->present = true;
        if (c->suppressed || !db_i64(res, row, COL_VALUE + m, 0, INT64_MAX, &c->value)) {
            return false; /* a suppressed cell never carries its value */
        }
    }
    return true;
}

/* The rows of a finished query into t: the cells in order, the total last. */
static enum lw_rc
read_table(const struct pg_result *res, struct stats_table *t, struct lw_error *err)
{
    int n = PQntuples(res);
    bool have_total = false;

    if (PQnfields(res) != COLS) {
        return lw_error_set(err, LW_ERR_DB, "statistics: the database returned %d columns, not %d",
                            PQnfields(res), COLS);
    }
    t->rows = lw_xcalloc(n > 1 ? (size_t)n - 1 : 1, sizeof(*t->rows));
    for (int i = 0; i < n; i++) {
        bool total = is_true(res, i, COL_TOTAL);
        struct stats_row *r = total ? &t->total : &t->rows[t->n];

        /* one total, last; and room for the cells before it */
        if (have_total || (!total && t->n + 1 >= (size_t)n) || !read_row(res, i, r)) {
            return lw_error_set(err, LW_ERR_DB, "statistics: the database returned a table "
                                "leakwatch cannot read (row %d)", i + 1);
        }
        if (total) {
            have_total = true;
        } else {
            t->n++;
        }
    }
    if (!have_total) {
        return lw_error_set(err, LW_ERR_DB, "statistics: the database returned no total");
    }
    return LW_OK;
}

enum lw_rc
stats_query(struct db *db, enum stats_by by, unsigned min_count, bool research,
            struct stats_table *out, struct lw_error *err)
{
    struct pg_result *res = NULL;
    const char *params[2];
    char k[16];
    enum lw_rc rc;

    memset(out, 0, sizeof(*out));
    if (min_count < 1 || min_count > STATS_MIN_COUNT_MAX) {
        return lw_error_set(err, LW_ERR_RANGE, "the minimum count must be 1..%d, not %u",
                            STATS_MIN_COUNT_MAX, min_count);
    }
    if ((unsigned)by >= sizeof(by_names) / sizeof(by_names[0])) {
        return lw_error_set(err, LW_ERR_INVALID, "no such statistics dimension (%d)", (int)by);
    }
    if (research && min_count < STATS_RESEARCH_MIN_COUNT) {
        min_count = STATS_RESEARCH_MIN_COUNT; /* research.stats raises it too: say so in out */
    }
    out->by = by;
    out->min_count = min_count;
    snprintf(k, sizeof(k), "%u", min_count);
    params[0] = by_names[by];
    params[1] = k;
    rc = db_query(db, "computing the statistics",
                  research ? "SELECT * FROM research.stats($1, $2::integer)"
                           : "SELECT * FROM lw_stats($1, $2::integer)",
                  2, params, NULL, NULL, &res, NULL, err);
    if (rc == LW_OK) {
        rc = read_table(res, out, err);
    }
    db_result_free(res);
    if (rc != LW_OK) {
        stats_table_free(out);
    }
    return rc;
}

void
stats_table_free(struct stats_table *t)
{
    if (t == NULL) {
        return;
    }
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}
