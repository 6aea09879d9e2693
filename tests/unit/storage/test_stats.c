/*
 * tests/unit/storage/test_stats.c — researchers' statistics against a real PostgreSQL: every
 * dimension's visible values against counts computed here from the data the test inserted, primary
 * and complementary suppression (the suppressed set computed here independently), the differencing
 * property — for every measure whose cells add up to its total, total − sum(visible) is 0 with no
 * suppressed cell or at least k with at least two — on a worked example and on a few hundred
 * random tables with counts around k, a total below k hiding everything, research = true raising
 * k, and the research role: research.stats and the views, but no lw_stats, no lw_stats_raw, no
 * table.
 *
 * Documents and hits are INSERTed directly (random hashes: the statistics never look inside one),
 * which is what makes hundreds of tables affordable. Needs a server, like test_docstore.
 */
#include "storage/stats.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "parsers/identifiers.h"
#include "storage/db.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/storage/pg_test.h"

#define MAX_DOCS 48
#define MAX_VALS 120
#define NSRC 5
#define NMONTH 6
#define NCC 5
#define MAX_ROWS 16

static const char *const countries[NCC] = {"DE", "DK", "FI", "NO", "SE"};

struct dataset {
    int n_docs, n_vals;
    int src[MAX_DOCS];     /* 0..NSRC-1, or -1: no source */
    int month[MAX_DOCS];   /* 2024-01 + month */
    int records[MAX_DOCS];
    int kind[MAX_VALS];
    int country[MAX_VALS]; /* index into countries, or -1: unknown */
    bool in[MAX_DOCS][MAX_VALS];
};

/* What a table must hold: rows in the order the database computes them in (which decides ties
 * in complementary suppression), the totals, which measures apply and which add up. */
struct truth {
    char label[MAX_ROWS][STATS_LABEL_MAX + 1];
    int64_t v[MAX_ROWS][STATS_MEASURES];
    size_t n;
    int64_t total[STATS_MEASURES];
    bool present[STATS_MEASURES];
    bool additive[STATS_MEASURES];
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* ---- the data: into the database, and counted here ---- */

static bool
value_used(const struct dataset *ds, int v)
{
    for (int d = 0; d < ds->n_docs; d++) {
        if (ds->in[d][v]) {
            return true;
        }
    }
    return false;
}

static void
load(struct db *db, const struct dataset *ds)
{
    struct lw_buf b;
    struct lw_error err = {0};
    bool any = false;

    lw_buf_init(&b, 4u << 20);
    lw_buf_append_str(&b, "BEGIN; TRUNCATE hits, documents, sources RESTART IDENTITY CASCADE;"
                          "INSERT INTO sources (id, name, kind) VALUES ");
    for (int s = 0; s < NSRC; s++) {
        lw_buf_printf(&b, "%s(%d, 's%d', 'file')", s > 0 ? "," : "", s + 1, s);
    }
    lw_buf_append_str(&b, "; INSERT INTO documents (id, content_hash, source_id, format, bytes, "
                          "records, records_with_hits, identifiers, distinct_identifiers, summary, "
                          "first_seen) VALUES ");
    for (int d = 0; d < ds->n_docs; d++) {
        char src[16] = "NULL";

        if (ds->src[d] >= 0) {
            snprintf(src, sizeof(src), "%d", ds->src[d] + 1);
        }
        lw_buf_printf(&b, "%s(%d, sha256('d%d'::bytea), %s, 'csv', 1, %d, 0, 0, 0, '{}', "
                          "'2024-%02d-15 12:00+00')", d > 0 ? "," : "", d + 1, d, src,
                      ds->records[d], ds->month[d] + 1);
    }
    lw_buf_append_str(&b, "; INSERT INTO hits (document_id, hash, kind, country) VALUES ");
    for (int d = 0; d < ds->n_docs; d++) {
        for (int v = 0; v < ds->n_vals; v++) {
            if (ds->in[d][v]) {
                char cc[8] = "NULL";

                if (ds->country[v] >= 0) {
                    snprintf(cc, sizeof(cc), "'%s'", countries[ds->country[v]]);
                }
                lw_buf_printf(&b, "%s(%d, sha256('v%d'::bytea), %d, %s)", any ? "," : "", d + 1,
                              v, ds->kind[v], cc);
                any = true;
            }
        }
    }
    /* a table without hits: the INSERT gets a row that fails no check, deleted at once */
    lw_buf_append_str(&b, any ? "; COMMIT"
                              : "(1, sha256(''), 0, NULL); DELETE FROM hits; COMMIT");
    if (db_exec(db, "load", b.data, &err) != LW_OK) {
        fprintf(stderr, "load: %s\n", err.msg);
        (void)db_exec(db, "rollback", "ROLLBACK", &err);
        CHECK(0);
    }
    lw_buf_free(&b);
}

/* The row of label in t, added (with zero counts) when missing. */
static size_t
row_of(struct truth *t, const char *label)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->label[i], label) == 0) {
            return i;
        }
    }
    snprintf(t->label[t->n], sizeof(t->label[0]), "%s", label);
    memset(t->v[t->n], 0, sizeof(t->v[0]));
    return t->n++;
}

static void
set_measures(struct truth *t, bool d, bool r, bool i, bool ad, bool ar, bool ai)
{
    t->present[STATS_DOCUMENTS] = d;
    t->present[STATS_RECORDS] = r;
    t->present[STATS_IDENTIFIERS] = i;
    t->additive[STATS_DOCUMENTS] = ad;
    t->additive[STATS_RECORDS] = ar;
    t->additive[STATS_IDENTIFIERS] = ai;
}

/* Documents holding any identifier, and distinct identifiers. */
static void
hit_totals(const struct dataset *ds, int64_t *docs, int64_t *vals)
{
    *docs = *vals = 0;
    for (int d = 0; d < ds->n_docs; d++) {
        bool any = false;

        for (int v = 0; v < ds->n_vals; v++) {
            any = any || ds->in[d][v];
        }
        *docs += any;
    }
    for (int v = 0; v < ds->n_vals; v++) {
        *vals += value_used(ds, v);
    }
}

static const char *
label_of(enum stats_by by, const struct dataset *ds, int x, char buf[32])
{
    switch (by) {
    case STATS_BY_KIND:
        return identifiers_kind((enum id_kind)x)->name;
    case STATS_BY_SOURCE:
        snprintf(buf, 32, x < 0 ? "(none)" : "s%d", x);
        return buf;
    case STATS_BY_MONTH:
        snprintf(buf, 32, "2024-%02d", x + 1);
        return buf;
    case STATS_BY_COUNTRY:
        return x < 0 ? "(unknown)" : countries[x];
    default:
        (void)ds;
        snprintf(buf, 32, x >= 10 ? "10+" : "%d", x);
        return buf;
    }
}

/* The earliest month of a document holding value v. */
static int
first_month(const struct dataset *ds, int v)
{
    int m = NMONTH;

    for (int d = 0; d < ds->n_docs; d++) {
        if (ds->in[d][v] && ds->month[d] < m) {
            m = ds->month[d];
        }
    }
    return m;
}

/* Identifier-side rows: kind, country, overlap, and the identifiers of source and month. */
static void
count_values(enum stats_by by, const struct dataset *ds, struct truth *t)
{
    char buf[32];

    for (int v = 0; v < ds->n_vals; v++) {
        int n = 0;

        if (!value_used(ds, v)) {
            continue;
        }
        for (int d = 0; d < ds->n_docs; d++) {
            n += ds->in[d][v];
        }
        if (by == STATS_BY_KIND) {
            t->v[row_of(t, label_of(by, ds, ds->kind[v], buf))][STATS_IDENTIFIERS]++;
        } else if (by == STATS_BY_COUNTRY) {
            t->v[row_of(t, label_of(by, ds, ds->country[v], buf))][STATS_IDENTIFIERS]++;
        } else if (by == STATS_BY_OVERLAP) {
            t->v[row_of(t, label_of(by, ds, n, buf))][STATS_IDENTIFIERS]++;
        } else if (by == STATS_BY_MONTH) {
            t->v[row_of(t, label_of(by, ds, first_month(ds, v), buf))][STATS_IDENTIFIERS]++;
        }
    }
}

/* Documents per kind or country: those holding at least one value of it. */
static void
count_docs_by_value(enum stats_by by, const struct dataset *ds, struct truth *t)
{
    char buf[32];

    for (size_t r = 0; r < t->n; r++) {
        for (int d = 0; d < ds->n_docs; d++) {
            bool has = false;

            for (int v = 0; v < ds->n_vals && !has; v++) {
                int x = by == STATS_BY_KIND ? ds->kind[v] : ds->country[v];

                has = ds->in[d][v] && strcmp(label_of(by, ds, x, buf), t->label[r]) == 0;
            }
            t->v[r][STATS_DOCUMENTS] += has;
        }
    }
}

/* Source and month rows: documents, records and (source) distinct identifiers. */
static void
count_docs(enum stats_by by, const struct dataset *ds, struct truth *t)
{
    char buf[32];

    for (int d = 0; d < ds->n_docs; d++) {
        size_t r = row_of(t, label_of(by, ds, by == STATS_BY_SOURCE ? ds->src[d] : ds->month[d],
                                      buf));

        t->v[r][STATS_DOCUMENTS]++;
        t->v[r][STATS_RECORDS] += ds->records[d];
        t->total[STATS_DOCUMENTS]++;
        t->total[STATS_RECORDS] += ds->records[d];
    }
    for (size_t r = 0; by == STATS_BY_SOURCE && r < t->n; r++) {
        for (int v = 0; v < ds->n_vals; v++) {
            bool has = false;

            for (int d = 0; d < ds->n_docs && !has; d++) {
                has = ds->in[d][v] && strcmp(label_of(by, ds, ds->src[d], buf), t->label[r]) == 0;
            }
            t->v[r][STATS_IDENTIFIERS] += has;
        }
    }
}

static int truth_by;

/* The database's order of a dimension's rows. */
static int
truth_cmp(const void *pa, const void *pb)
{
    const char *a = pa, *b = pb;

    if (truth_by == STATS_BY_SOURCE && (strcmp(a, "(none)") == 0) != (strcmp(b, "(none)") == 0)) {
        return strcmp(a, "(none)") == 0 ? 1 : -1;
    }
    if (truth_by == STATS_BY_OVERLAP) {
        return (int)strtol(a, NULL, 10) - (int)strtol(b, NULL, 10);
    }
    return strcmp(a, b);
}

/* Sort t's rows (labels and values together) by the database's order. */
static void
truth_sort(enum stats_by by, struct truth *t)
{
    struct {
        char label[STATS_LABEL_MAX + 1];
        int64_t v[STATS_MEASURES];
    } tmp;

    truth_by = (int)by;
    for (size_t i = 1; i < t->n; i++) {
        for (size_t j = i; j > 0; j--) {
            int c;

            if (by == STATS_BY_KIND) {
                c = (int)identifiers_find(lw_slice_cstr(t->label[j - 1]))->kind -
                    (int)identifiers_find(lw_slice_cstr(t->label[j]))->kind;
            } else if (by == STATS_BY_COUNTRY && t->v[j - 1][2] != t->v[j][2]) {
                c = t->v[j - 1][2] < t->v[j][2] ? 1 : -1;
            } else {
                c = truth_cmp(t->label[j - 1], t->label[j]);
            }
            if (c <= 0) {
                break;
            }
            memcpy(tmp.label, t->label[j], sizeof(tmp.label));
            memcpy(tmp.v, t->v[j], sizeof(tmp.v));
            memcpy(t->label[j], t->label[j - 1], sizeof(tmp.label));
            memcpy(t->v[j], t->v[j - 1], sizeof(tmp.v));
            memcpy(t->label[j - 1], tmp.label, sizeof(tmp.label));
            memcpy(t->v[j - 1], tmp.v, sizeof(tmp.v));
        }
    }
}

static void
compute_truth(enum stats_by by, const struct dataset *ds, struct truth *t)
{
    int64_t hdocs, hvals;

    memset(t, 0, sizeof(*t));
    hit_totals(ds, &hdocs, &hvals);
    switch (by) {
    case STATS_BY_KIND:
    case STATS_BY_COUNTRY:
        set_measures(t, true, false, true, false, false, true);
        count_values(by, ds, t);
        count_docs_by_value(by, ds, t);
        t->total[STATS_DOCUMENTS] = hdocs;
        break;
    case STATS_BY_SOURCE:
        set_measures(t, true, true, true, true, true, false);
        count_docs(by, ds, t);
        break;
    case STATS_BY_MONTH:
        set_measures(t, true, true, true, true, true, true);
        count_docs(by, ds, t);
        count_values(by, ds, t);
        break;
    default:
        set_measures(t, false, false, true, false, false, true);
        count_values(by, ds, t);
        break;
    }
    t->total[STATS_IDENTIFIERS] = hvals;
    truth_sort(by, t);
}

/* ---- the checks ---- */

/* The suppression stats.h specifies, computed independently of the database: primary below k,
 * then the smallest visible cell (first among equals) while one is suppressed or they sum < k. */
static void
expect_suppressed(const struct truth *t, int m, unsigned k, bool out[MAX_ROWS])
{
    int64_t sum = 0;
    size_t cnt = 0;

    for (size_t i = 0; i < t->n; i++) {
        out[i] = t->total[m] < (int64_t)k || t->v[i][m] < (int64_t)k;
        cnt += out[i];
        sum += out[i] ? t->v[i][m] : 0;
    }
    while (t->total[m] >= (int64_t)k && cnt > 0 && (cnt == 1 || sum < (int64_t)k)) {
        size_t j = t->n;

        for (size_t i = 0; i < t->n; i++) {
            if (!out[i] && (j == t->n || t->v[i][m] < t->v[j][m])) {
                j = i;
            }
        }
        if (j == t->n) {
            break;
        }
        out[j] = true;
        cnt++;
        sum += t->v[j][m];
    }
}

static const struct stats_row *
find_row(const struct stats_table *st, const char *label)
{
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->rows[i].label, label) == 0) {
            return &st->rows[i];
        }
    }
    return NULL;
}

/* Differencing, from the published table alone: what total − sum(visible) can tell. */
static void
check_differencing(const struct stats_table *st, const struct truth *t, int m, unsigned k)
{
    int64_t visible = 0, hidden = 0;
    size_t n_hidden = 0;

    for (size_t i = 0; i < st->n; i++) {
        const struct stats_cell *c = &st->rows[i].cell[m];

        if (c->suppressed) {
            n_hidden++;
            for (size_t j = 0; j < t->n; j++) {
                hidden += strcmp(t->label[j], st->rows[i].label) == 0 ? t->v[j][m] : 0;
            }
        } else {
            CHECK(c->value >= (int64_t)k); /* nothing below k is ever shown */
            visible += c->value;
        }
    }
    /* any suppression hides at least two cells holding at least k between them */
    CHECK(n_hidden == 0 || (n_hidden >= 2 && hidden >= (int64_t)k) ||
          (st->total.cell[m].suppressed && n_hidden == st->n));
    if (t->additive[m] && !st->total.cell[m].suppressed) {
        int64_t diff = st->total.cell[m].value - visible;

        CHECK(n_hidden == 0 ? diff == 0 : (diff >= (int64_t)k && n_hidden >= 2));
        CHECK_INT(diff, hidden);
    }
}

static void
check_measure(const struct stats_table *st, const struct truth *t, int m, unsigned k)
{
    bool want[MAX_ROWS];
    const struct stats_cell *tot = &st->total.cell[m];

    CHECK(tot->present == t->present[m]);
    if (!t->present[m]) {
        for (size_t i = 0; i < st->n; i++) {
            CHECK(!st->rows[i].cell[m].present && !st->rows[i].cell[m].suppressed);
        }
        return;
    }
    CHECK(tot->suppressed == (t->total[m] < (int64_t)k));
    CHECK_INT(tot->value, tot->suppressed ? 0 : t->total[m]);
    expect_suppressed(t, m, k, want);
    for (size_t i = 0; i < t->n; i++) {
        const struct stats_row *r = find_row(st, t->label[i]);
        const struct stats_cell *c = r != NULL ? &r->cell[m] : NULL;

        CHECK(c != NULL);
        if (c == NULL) {
            continue;
        }
        CHECK(c->present);
        if (c->suppressed != want[i]) {
            fprintf(stderr, "  %s %s: %s, want %s (true %lld, k %u)\n", t->label[i],
                    stats_measure_name((enum stats_measure)m),
                    c->suppressed ? "suppressed" : "shown", want[i] ? "suppressed" : "shown",
                    (long long)t->v[i][m], k);
        }
        CHECK(c->suppressed == want[i]);
        CHECK_INT(c->value, want[i] ? 0 : t->v[i][m]);
    }
    check_differencing(st, t, m, k);
}

/* The database's table for (by, k) against what the data says. */
static void
check_table(struct db *db, enum stats_by by, unsigned k, bool research, const struct dataset *ds)
{
    struct stats_table st;
    struct truth t;
    struct lw_error err = {0};
    unsigned eff = research && k < STATS_RESEARCH_MIN_COUNT ? STATS_RESEARCH_MIN_COUNT : k;

    compute_truth(by, ds, &t);
    if (stats_query(db, by, k, research, &st, &err) != LW_OK) {
        fprintf(stderr, "stats_query(%s): %s\n", stats_by_name(by), err.msg);
        CHECK(0);
        return;
    }
    CHECK_INT(st.by, by);
    CHECK_INT(st.min_count, eff);
    CHECK_INT(st.n, t.n);
    CHECK_STR(st.total.label, "total");
    for (size_t i = 0; i < st.n && i < t.n; i++) {
        if (by != STATS_BY_COUNTRY) {
            CHECK_STR(st.rows[i].label, t.label[i]); /* the dimension's order */
        } else if (i > 0) {
            const struct stats_cell *a = &st.rows[i - 1].cell[STATS_IDENTIFIERS];
            const struct stats_cell *b = &st.rows[i].cell[STATS_IDENTIFIERS];

            /* visible by identifiers descending, then the suppressed: order tells nothing */
            CHECK(b->suppressed || (!a->suppressed && a->value >= b->value));
        }
    }
    for (int m = 0; m < STATS_MEASURES; m++) {
        check_measure(&st, &t, m, eff);
    }
    stats_table_free(&st);
}

static void
check_all(struct db *db, unsigned k, const struct dataset *ds)
{
    for (int by = STATS_BY_KIND; by <= STATS_BY_OVERLAP; by++) {
        check_table(db, (enum stats_by)by, k, false, ds);
    }
}

/* ---- datasets ---- */

static void
random_dataset(struct dataset *ds)
{
    unsigned p = 2 + rnd(30); /* membership in percent */

    memset(ds, 0, sizeof(*ds));
    ds->n_docs = 1 + (int)rnd(MAX_DOCS);
    ds->n_vals = 1 + (int)rnd(MAX_VALS);
    for (int d = 0; d < ds->n_docs; d++) {
        ds->src[d] = (int)rnd(NSRC + 1) - 1;
        ds->month[d] = (int)rnd(NMONTH);
        ds->records[d] = (int)rnd(8);
    }
    for (int v = 0; v < ds->n_vals; v++) {
        ds->kind[v] = (int)rnd(ID_KIND_COUNT);
        ds->country[v] = (int)rnd(NCC + 1) - 1;
        for (int d = 0; d < ds->n_docs; d++) {
            ds->in[d][v] = rnd(100) < p;
        }
    }
}

static struct db *
fresh(void)
{
    pg_test_prefix = "lw_stats";
    return pg_test_db(true);
}

static void
test_server_required(void)
{
    CHECK(getenv("PGHOST") != NULL);
}

static void
test_names(void)
{
    enum stats_by by = STATS_BY_KIND;

    CHECK(stats_by_parse("overlap", &by) && by == STATS_BY_OVERLAP);
    CHECK(stats_by_parse("country", &by) && by == STATS_BY_COUNTRY);
    CHECK(!stats_by_parse("kinds", &by) && !stats_by_parse("", &by) && !stats_by_parse(NULL, &by));
    for (int b = STATS_BY_KIND; b <= STATS_BY_OVERLAP; b++) {
        CHECK(stats_by_parse(stats_by_name((enum stats_by)b), &by) && (int)by == b);
    }
    CHECK_STR(stats_measure_name(STATS_DOCUMENTS), "documents");
    CHECK_STR(stats_measure_name(STATS_RECORDS), "records");
    CHECK_STR(stats_measure_name(STATS_IDENTIFIERS), "identifiers");
}

/* The worked example of stats.h: sources with 20, 12, 4 and 3 (no source) documents, 2 records
 * each. Documents: 4 and 3 are below 10, together 7: the smallest visible, 12, goes too — 39 − 20
 * = 19 is all a reader learns about the three. Records 40, 24, 8, 6: 8 and 6 make 14, enough. */
static void
test_worked_example(void)
{
    static const int per_source[NSRC + 1] = {20, 12, 4, 0, 0, 3};
    struct db *db = fresh();
    struct dataset ds;
    struct stats_table st;
    struct lw_error err = {0};
    const struct stats_row *r;

    if (db == NULL) {
        CHECK(0);
        return;
    }
    memset(&ds, 0, sizeof(ds));
    for (int s = 0; s <= NSRC; s++) {
        for (int i = 0; i < per_source[s]; i++) {
            ds.src[ds.n_docs] = s == NSRC ? -1 : s;
            ds.month[ds.n_docs] = ds.n_docs % 3;
            ds.records[ds.n_docs++] = 2;
        }
    }
    ds.n_vals = 60;
    for (int v = 0; v < ds.n_vals; v++) {
        ds.kind[v] = v % 4;
        ds.country[v] = v % 3 - 1;
        ds.in[v % ds.n_docs][v] = ds.in[(v * 7) % ds.n_docs][v] = true;
    }
    load(db, &ds);
    CHECK(stats_query(db, STATS_BY_SOURCE, 10, false, &st, &err) == LW_OK);
    CHECK_INT(st.n, 4);
    CHECK_STR(st.n > 3 ? st.rows[3].label : "", "(none)");
    r = find_row(&st, "s0");
    CHECK(r != NULL && !r->cell[STATS_DOCUMENTS].suppressed);
    CHECK(r != NULL && r->cell[STATS_DOCUMENTS].value == 20);
    CHECK(r != NULL && r->cell[STATS_RECORDS].value == 40);
    r = find_row(&st, "s1");
    CHECK(r != NULL && r->cell[STATS_DOCUMENTS].suppressed && r->cell[STATS_DOCUMENTS].value == 0);
    CHECK(r != NULL && !r->cell[STATS_RECORDS].suppressed && r->cell[STATS_RECORDS].value == 24);
    r = find_row(&st, "s2");
    CHECK(r != NULL && r->cell[STATS_DOCUMENTS].suppressed && r->cell[STATS_RECORDS].suppressed);
    CHECK(find_row(&st, "s3") == NULL); /* no documents: not a row */
    CHECK_INT(st.total.cell[STATS_DOCUMENTS].value, 39);
    CHECK_INT(st.total.cell[STATS_RECORDS].value, 78);
    stats_table_free(&st);
    /* k = 1 shows everything that is not zero */
    CHECK(stats_query(db, STATS_BY_SOURCE, 1, false, &st, &err) == LW_OK);
    r = find_row(&st, "s2");
    CHECK(r != NULL && !r->cell[STATS_DOCUMENTS].suppressed && r->cell[STATS_DOCUMENTS].value == 4);
    stats_table_free(&st);
    for (unsigned k = 1; k <= 25; k++) {
        check_all(db, k, &ds);
    }
    CHECK(stats_query(db, STATS_BY_KIND, 0, false, &st, &err) == LW_ERR_RANGE);
    CHECK(stats_query(db, STATS_BY_KIND, STATS_MIN_COUNT_MAX + 1, false, &st, &err) ==
          LW_ERR_RANGE);
    db_close(db);
}

/* A few hundred random tables with counts around k: every property on every table. */
static void
test_random_tables(void)
{
    struct db *db = fresh();
    struct dataset *ds = calloc(1, sizeof(*ds));
    int rounds = 300;

    if (db == NULL || ds == NULL) {
        CHECK(0);
        free(ds);
        return;
    }
    for (int i = 0; i < rounds && !lw_test_current_failed; i++) {
        unsigned k = 2 + rnd(14);

        random_dataset(ds);
        load(db, ds);
        check_all(db, k, ds);
        if (lw_test_current_failed) {
            fprintf(stderr, "  (round %d: %d documents, %d values, k %u)\n", i, ds->n_docs,
                    ds->n_vals, k);
        }
    }
    free(ds);
    db_close(db);
}

/* Fewer than k of anything: every cell and every total is suppressed. */
static void
test_total_below_k(void)
{
    struct db *db = fresh();
    struct dataset ds;
    struct stats_table st;
    struct lw_error err = {0};

    if (db == NULL) {
        CHECK(0);
        return;
    }
    memset(&ds, 0, sizeof(ds));
    ds.n_docs = 6;
    ds.n_vals = 9;
    for (int v = 0; v < ds.n_vals; v++) {
        ds.in[v % 6][v] = true;
        ds.records[v % 6] = 1;
        ds.src[v % 6] = v % 2;
    }
    load(db, &ds);
    check_all(db, 10, &ds);
    for (int by = STATS_BY_KIND; by <= STATS_BY_OVERLAP; by++) {
        CHECK(stats_query(db, (enum stats_by)by, 10, false, &st, &err) == LW_OK);
        CHECK(st.n > 0);
        for (size_t i = 0; i <= st.n; i++) {
            const struct stats_row *r = i < st.n ? &st.rows[i] : &st.total;

            for (int m = 0; m < STATS_MEASURES; m++) {
                CHECK(!r->cell[m].present || (r->cell[m].suppressed && r->cell[m].value == 0));
            }
        }
        stats_table_free(&st);
    }
    /* an empty database: no rows, totals of zero (suppressed) */
    CHECK(db_exec(db, "empty", "TRUNCATE hits, documents, sources CASCADE", &err) == LW_OK);
    CHECK(stats_query(db, STATS_BY_MONTH, 10, false, &st, &err) == LW_OK);
    CHECK_INT(st.n, 0);
    CHECK(st.total.cell[STATS_DOCUMENTS].present && st.total.cell[STATS_DOCUMENTS].suppressed);
    stats_table_free(&st);
    db_close(db);
}

/* research = true goes through research.stats: k is at least 10 whatever is asked. */
static void
test_research_raises_k(void)
{
    struct db *db = fresh();
    struct dataset *ds = calloc(1, sizeof(*ds));

    if (db == NULL || ds == NULL) {
        CHECK(0);
        free(ds);
        return;
    }
    rng_state = 12345;
    random_dataset(ds);
    ds->n_docs = MAX_DOCS;
    for (int d = 0; d < ds->n_docs; d++) {
        ds->src[d] = d % (NSRC + 1) - 1;
        ds->month[d] = d % NMONTH;
        ds->records[d] = 1 + d % 3;
    }
    load(db, ds);
    for (int by = STATS_BY_KIND; by <= STATS_BY_OVERLAP; by++) {
        check_table(db, (enum stats_by)by, 1, true, ds);
        check_table(db, (enum stats_by)by, 5, true, ds);
        check_table(db, (enum stats_by)by, 14, true, ds);
    }
    free(ds);
    db_close(db);
}

/* A statement as the research role: LW_OK, or its SQLSTATE in state. */
static enum lw_rc
as_research(struct db *db, const char *sql, char state[6], char *first, size_t cap)
{
    struct pg_result *res = NULL;
    struct lw_error err = {0};
    enum lw_rc rc;

    state[0] = '\0';
    rc = db_query(db, "research", sql, 0, NULL, NULL, NULL, &res, state, &err);
    if (rc == LW_OK && first != NULL) {
        first[0] = '\0';
        if (PQntuples(res) > 0) {
            db_text(res, 0, 0, first, cap);
        }
    }
    db_result_free(res);
    return rc;
}

/* SET ROLE leakwatch_research: research.stats and every view work and show nothing below 10;
 * lw_stats, lw_stats_raw, lw_stats_suppress and every table are permission denied. */
static void
test_research_role(void)
{
    static const char *const allowed[] = {
        "SELECT count(*) FROM research.stats('kind', 1)",
        "SELECT count(*) FROM research.stats('overlap')",
        "SELECT count(*) FROM research.kinds", "SELECT count(*) FROM research.sources",
        "SELECT count(*) FROM research.months", "SELECT count(*) FROM research.countries",
        "SELECT count(*) FROM research.overlap"};
    static const char *const denied[] = {
        "SELECT * FROM lw_stats('kind', 1)", "SELECT * FROM lw_stats_raw('kind')",
        "SELECT lw_stats_suppress('{1,2}', 3, 1)", "SELECT * FROM hits",
        "SELECT * FROM documents", "SELECT * FROM sources", "SELECT * FROM researchers",
        "SELECT * FROM clinics", "SELECT * FROM watchlist"};
    struct db *db = fresh();
    struct dataset ds;
    struct lw_error err = {0};
    char state[6], first[64];

    if (db == NULL) {
        CHECK(0);
        return;
    }
    rng_state = 777;
    random_dataset(&ds);
    load(db, &ds);
    CHECK(db_exec(db, "role", "SET ROLE leakwatch_research", &err) == LW_OK);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (as_research(db, allowed[i], state, first, sizeof(first)) != LW_OK) {
            fprintf(stderr, "  research role refused: %s (%s)\n", allowed[i], state);
            CHECK(0);
        }
    }
    /* k below 10 is raised: nothing shown below 10 */
    CHECK(as_research(db, "SELECT coalesce(min(least(documents, records, identifiers)), 10) "
                          "FROM research.stats('source', 1)",
                      state, first, sizeof(first)) == LW_OK);
    CHECK(strtol(first, NULL, 10) >= 10);
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        CHECK(as_research(db, denied[i], state, NULL, 0) == LW_ERR_DB);
        if (strcmp(state, "42501") != 0) {
            fprintf(stderr, "  research role: %s gave SQLSTATE '%s', not 42501\n", denied[i],
                    state);
        }
        CHECK_STR(state, "42501"); /* insufficient_privilege */
    }
    CHECK(db_exec(db, "role", "RESET ROLE", &err) == LW_OK);
    /* and the views agree with research.stats at 10 */
    CHECK_STR(pg_test_q1(db, "SELECT count(*) FROM (SELECT * FROM research.months EXCEPT "
                             "SELECT label, documents, records, identifiers, documents_suppressed,"
                             " records_suppressed, identifiers_suppressed, is_total "
                             "FROM lw_stats('month', 10)) x"), "0");
    db_close(db);
}

int
main(void)
{
    RUN(test_names);
    RUN(test_server_required);
    if (getenv("PGHOST") != NULL) {
        RUN(test_worked_example);
        RUN(test_total_below_k);
        RUN(test_research_raises_k);
        RUN(test_research_role);
        RUN(test_random_tables);
        pg_test_cleanup();
    }
    return LW_TEST_END();
}
