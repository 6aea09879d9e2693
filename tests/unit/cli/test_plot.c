/*
 * tests/unit/cli/test_plot.c — the monthly SVG chart of `leakwatch stats --plot` (cli/plot.c,
 * included to reach its statics): 1-2-5 steps, axes sharing one grid, months filled with zero,
 * suppressed months as gaps over a hatched band, escaping, refusals, the atomic file write.
 * tests/cli/test_stats.sh parses the chart as XML end to end.
 */
#include "cli/plot.c"

#include <dirent.h>

#include "tests/unit/lw_test.h"

static struct stats_row
row(const char *label, int64_t docs, int64_t ids, bool hide_docs, bool hide_ids)
{
    struct stats_row r;

    memset(&r, 0, sizeof(r));
    snprintf(r.label, sizeof(r.label), "%s", label);
    r.cell[STATS_DOCUMENTS] = (struct stats_cell){true, hide_docs, hide_docs ? 0 : docs};
    r.cell[STATS_RECORDS] = (struct stats_cell){true, false, docs * 3};
    r.cell[STATS_IDENTIFIERS] = (struct stats_cell){true, hide_ids, hide_ids ? 0 : ids};
    return r;
}

static size_t
count_of(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* Render rows (by month unless by says otherwise) into b; returns the rc. */
static enum lw_rc
render(struct stats_row *rows, size_t n, enum stats_by by, struct lw_buf *b, struct lw_error *err)
{
    struct stats_table t = {.by = by, .min_count = 10, .rows = rows, .n = n};

    t.total = row("total", 0, 0, false, false);
    lw_buf_init(b, PLOT_SVG_MAX);
    return plot_svg_monthly(&t, b, err);
}

static void
test_nice_step(void)
{
    CHECK_INT(nice_step(0.0), 1);
    CHECK_INT(nice_step(0.2), 1);
    CHECK_INT(nice_step(1.0), 1);
    CHECK_INT(nice_step(1.5), 2);
    CHECK_INT(nice_step(3.0), 5);
    CHECK_INT(nice_step(12.0), 20);
    CHECK_INT(nice_step(2000.0), 2000);
    CHECK_INT(nice_step(2001.0), 5000);
    CHECK_INT(nice_step(7e6), 10000000);
}

static void
test_axes_share_intervals(void)
{
    struct series s = {.max_docs = 23, .max_ids = 4321};
    struct axis l, r;

    axes_fit(&s, &l, &r);
    CHECK_INT(l.step, 5);
    CHECK_INT(l.intervals, 5);
    CHECK_INT(l.top, 25);
    CHECK_INT(r.intervals, 5);
    CHECK_INT(r.step, 1000);
    CHECK(r.top >= 4321);
    s = (struct series){0};
    axes_fit(&s, &l, &r);
    CHECK(l.top >= 1 && r.top >= 1); /* no division by zero on an empty chart */
}

static void
test_fmt_and_escape(void)
{
    char out[64];

    fmt_count(1234567, out, sizeof(out));
    CHECK_STR(out, "1,234,567");
    fmt_count(999, out, sizeof(out));
    CHECK_STR(out, "999");
    fmt_count(1000, out, sizeof(out));
    CHECK_STR(out, "1,000");
    xml_text("<a&'\">", out, sizeof(out));
    CHECK_STR(out, "&lt;a&amp;&#39;&quot;&gt;");
}

static void
test_month_of(void)
{
    long m = 0;

    CHECK(month_of("2025-01", &m) && m == 2025 * 12);
    CHECK(month_of("2025-12", &m) && m == 2025 * 12 + 11);
    CHECK(!month_of("2025-13", &m));
    CHECK(!month_of("2025-1", &m));
    CHECK(!month_of("20x5-01", &m));
    CHECK(!month_of("<script>", &m));
}

/* Jan 15/200, Feb suppressed, Mar missing (zero), Apr 12/150 with only identifiers suppressed. */
static void
test_chart(void)
{
    struct stats_row rows[3] = {
        row("2025-01", 15, 200, false, false),
        row("2025-02", 0, 0, true, true),
        row("2025-04", 12, 150, false, true),
    };
    struct lw_error err = {0};
    struct lw_buf b;
    const char *s;

    CHECK_INT(render(rows, 3, STATS_BY_MONTH, &b, &err), LW_OK);
    s = b.data != NULL ? b.data : "";
    CHECK(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
    CHECK(strstr(s, "viewBox=\"0 0 800 420\"") != NULL);
    CHECK(strstr(s, "width=\"800\" height=\"420\"") != NULL);
    CHECK(strstr(s, "</svg>\n") != NULL && s[b.len - 1] == '\n');
    CHECK_INT(count_of(s, "class=\"suppressed\""), 2);   /* Feb and Apr, not Jan or Mar */
    CHECK(strstr(s, "2025-02: suppressed") != NULL && strstr(s, "2025-04: suppressed") != NULL);
    CHECK(strstr(s, "2025-01: 15 documents") != NULL);
    CHECK(strstr(s, "2025-04: 12 documents") != NULL);   /* its documents are still shown */
    CHECK(strstr(s, "2025-03: 0 distinct identifiers") != NULL); /* a missing month is zero */
    CHECK(strstr(s, "2025-03: 0 documents") == NULL);   /* no bar of height zero */
    CHECK(strstr(s, "2025-02: 0") == NULL);              /* a suppressed value is never drawn */
    CHECK(strstr(s, "2025-04: 150") == NULL);
    CHECK_INT(count_of(s, "<circle cx"), 2 + 1); /* Jan, Mar, and the legend's dot */
    CHECK(strstr(s, "suppressed: below 10 or complementary") != NULL); /* the legend explains the band */
    CHECK(strstr(s, "documents (left axis)") != NULL);
    CHECK(strstr(s, "distinct identifiers (right axis)") != NULL);
    CHECK(strstr(s, ">2025-01</text>") != NULL && strstr(s, ">2025-04</text>") != NULL);
    lw_buf_free(&b);
}

/* A gap splits the line: the pen is lifted (a second M) after a suppressed month. */
static void
test_line_gap(void)
{
    struct stats_row rows[3] = {
        row("2024-11", 20, 300, false, false),
        row("2024-12", 3, 5, true, true),
        row("2025-01", 25, 400, false, false),
    };
    struct lw_error err = {0};
    struct lw_buf b;
    const char *d;

    CHECK_INT(render(rows, 3, STATS_BY_MONTH, &b, &err), LW_OK);
    d = b.data != NULL ? strstr(b.data, "class=\"identifiers\"") : NULL;
    CHECK(d != NULL);
    if (d != NULL) {
        d = strstr(d, " d=\"");
        CHECK(d != NULL && d[4] == 'M' && strchr(d + 5, 'M') != NULL &&
              strchr(d + 5, 'L') == NULL);
    }
    lw_buf_free(&b);
}

static void
test_empty_and_refusals(void)
{
    struct stats_row rows[2] = {row("2025-02", 1, 1, false, false), row("2025-01", 1, 1, false,
                                                                          false)};
    struct stats_row far[2] = {row("1900-01", 1, 1, false, false), row("2100-01", 1, 1, false,
                                                                         false)};
    struct stats_row bad[1] = {row("2025-01\"><script>", 1, 1, false, false)};
    struct lw_error err = {0};
    struct lw_buf b;

    CHECK_INT(render(NULL, 0, STATS_BY_MONTH, &b, &err), LW_OK);
    CHECK(b.data != NULL && strstr(b.data, "no documents yet") != NULL);
    lw_buf_free(&b);
    CHECK_INT(render(rows, 2, STATS_BY_MONTH, &b, &err), LW_ERR_INVALID); /* descending */
    lw_buf_free(&b);
    CHECK_INT(render(rows, 1, STATS_BY_KIND, &b, &err), LW_ERR_INVALID);
    lw_buf_free(&b);
    CHECK_INT(render(bad, 1, STATS_BY_MONTH, &b, &err), LW_ERR_INVALID);
    lw_buf_free(&b);
    CHECK_INT(render(far, 2, STATS_BY_MONTH, &b, &err), LW_ERR_RANGE);
    lw_buf_free(&b);
}

/* A hundred years of months still fits the buffer, and labels thin out to whole years. */
static void
test_long_series(void)
{
    static struct stats_row rows[PLOT_MONTHS_MAX];
    struct lw_error err = {0};
    struct lw_buf b;

    for (int i = 0; i < PLOT_MONTHS_MAX; i++) {
        char label[16];

        snprintf(label, sizeof(label), "%04d-%02d", 1950 + i / 12, i % 12 + 1);
        rows[i] = row(label, i % 40, (i * 37) % 5000, i % 7 == 0, i % 11 == 0);
    }
    CHECK_INT(render(rows, PLOT_MONTHS_MAX, STATS_BY_MONTH, &b, &err), LW_OK);
    CHECK(b.data != NULL && strstr(b.data, ">2000-01</text>") != NULL);
    CHECK(b.data != NULL && strstr(b.data, ">2000-02</text>") == NULL);
    lw_buf_free(&b);
}

static void
test_write_file(void)
{
    char dir[] = "/tmp/lw-plot-XXXXXX", path[128], got[64] = "";
    struct lw_error err = {0};
    struct dirent *e;
    FILE *f;
    DIR *d;
    int entries = 0;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/chart.svg", dir);
    CHECK_INT(plot_write_file(path, LW_SLICE_LIT("first"), &err), LW_OK);
    CHECK_INT(plot_write_file(path, LW_SLICE_LIT("<svg/>\n"), &err), LW_OK); /* replaces */
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK(fgets(got, sizeof(got), f) != NULL);
        fclose(f);
    }
    CHECK_STR(got, "<svg/>\n");
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        entries += e->d_name[0] != '.';
    }
    if (d != NULL) {
        closedir(d);
    }
    CHECK_INT(entries, 1); /* no temporary file left behind */
    snprintf(path, sizeof(path), "%s/no/such/dir/chart.svg", dir);
    CHECK_INT(plot_write_file(path, LW_SLICE_LIT("x"), &err), LW_ERR_IO);
    CHECK(strstr(err.msg, "--plot") != NULL);
    snprintf(path, sizeof(path), "%s/chart.svg", dir);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    RUN(test_nice_step);
    RUN(test_axes_share_intervals);
    RUN(test_fmt_and_escape);
    RUN(test_month_of);
    RUN(test_chart);
    RUN(test_line_gap);
    RUN(test_empty_and_refusals);
    RUN(test_long_series);
    RUN(test_write_file);
    return LW_TEST_END();
}
