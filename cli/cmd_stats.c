/*
 * cli/cmd_stats.c — `leakwatch stats`: the aggregate statistics of storage/stats.h, with small
 * cells suppressed, as an aligned table, CSV or JSON, and optionally the monthly series as an SVG
 * chart (cli/plot.h).
 *
 * The numbers and the suppression are the database's (lw_stats, the same function the research
 * role and GET /v1/stats use); this file only prints. A suppressed cell is never printed as a
 * number: "x" in the table (not "<K": a cell withheld only to protect another may be large), an empty field in CSV (named in the row's `suppressed` column), null
 * in JSON (named in the row's "suppressed" array). JSON is storage/stats_json.h's writer, shared
 * with the API so both print the same bytes. --plot always queries the table by month, whatever
 * --by prints, and writes the file atomically after the table is printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "common/buf.h"
#include "common/escape.h"
#include "common/log.h"
#include "common/num.h"
#include "storage/db.h"
#include "storage/stats.h"
#include "storage/stats_json.h"

#define STATS_JSON_MAX ((size_t)64 << 20)
#define CELL_MAX 32
#define LABEL_TEXT_MAX (4 * STATS_LABEL_MAX + 1)

enum stats_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

struct stats_opts {
    enum stats_by by;
    unsigned min_count;
    enum stats_format format;
    const char *plot; /* NULL: no plot */
};

static void
stats_help(void)
{
    printf(
        "Usage: leakwatch stats [--by kind|source|month|country|overlap] [--min-count K]\n"
        "                       [--format table|csv|json] [--plot FILE.svg]\n\n"
        "Aggregate counts over everything stored: documents, records and distinct identifiers,\n"
        "never a hash or an identifier. Every count below K is suppressed, and so are as many\n"
        "other cells as it takes that no suppressed cell can be worked out from the total.\n\n"
        "  --by kind       per identifier kind: documents holding it, distinct identifiers\n"
        "       source     per source: documents, records, distinct identifiers\n"
        "       month      per month a document was first seen: documents, records, distinct\n"
        "                  identifiers first seen that month\n"
        "       country    per country of the identifier (phone calling code, national-ID kind,\n"
        "                  IBAN, e-mail ccTLD): distinct identifiers, documents\n"
        "       overlap    per number of documents an identifier appears in (1 ... 10+):\n"
        "                  distinct identifiers                                (default: kind)\n"
        "  --min-count K   suppress counts below K, 1-1000000 (default 10)\n"
        "  --format F      table (default; suppressed cells shown as x), csv (suppressed cells\n"
        "                  empty and named in a 'suppressed' column) or json (null, named in\n"
        "                  \"suppressed\"; the same object as GET /v1/stats)\n"
        "  --plot FILE.svg also draw documents and distinct identifiers per month as an SVG chart\n"
        "                  (always by month, whatever --by prints), written atomically\n\n"
        "The total row counts distinct identifiers once, so it is not always the sum of the rows.\n\n"
        "Exit status: 0 ok, 1 failure (the plot file cannot be written), 2 usage error,\n"
        "4 database unavailable.\n");
}

/* LW_ERR_NOT_FOUND: --help was shown. */
static enum lw_rc
parse_opts(int argc, char **argv, struct stats_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, 'b'},     {"min-count", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'}, {"plot", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    uint64_t k = 0;
    int c;

    *o = (struct stats_opts){.by = STATS_BY_KIND, .min_count = STATS_MIN_COUNT_DEFAULT};
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (!stats_by_parse(optarg, &o->by)) {
                return cli_usage_error(err, "stats", "--by: kind, source, month, country or "
                                       "overlap");
            }
            break;
        case 'k':
            if (lw_parse_u64(lw_slice_cstr(optarg), 1, STATS_MIN_COUNT_MAX, &k) != LW_OK) {
                return cli_usage_error(err, "stats", "--min-count: a whole number from 1 to %d",
                                       STATS_MIN_COUNT_MAX);
            }
            o->min_count = (unsigned)k;
            break;
        case 'f':
            if (strcmp(optarg, "table") != 0 && strcmp(optarg, "csv") != 0 &&
                strcmp(optarg, "json") != 0) {
                return cli_usage_error(err, "stats", "--format: table, csv or json");
            }
            o->format = optarg[0] == 't' ? FORMAT_TABLE : optarg[0] == 'c' ? FORMAT_CSV
                                                                           : FORMAT_JSON;
            break;
        case 'p':
            if (optarg[0] == '\0') {
                return cli_usage_error(err, "stats", "--plot: name the SVG file to write");
            }
            o->plot = optarg;
            break;
        case 'h': stats_help(); return LW_ERR_NOT_FOUND;
        default: return cli_usage_error(err, "stats", "bad option for stats");
        }
    }
    if (optind < argc) {
        return cli_usage_error(err, "stats", "stats takes no arguments (unexpected '%s')",
                               argv[optind]);
    }
    return LW_OK;
}

/* ---- the table ---- */

/* A cell as printed in the table: the number, or "x" when suppressed — whether it was below K or
 * withheld to protect another is not said, since that would tell which cells are large. */
static void
cell_text(const struct stats_cell *c, char out[CELL_MAX])
{
    if (c->suppressed) {
        snprintf(out, CELL_MAX, "x");
    } else {
        snprintf(out, CELL_MAX, "%lld", (long long)c->value);
    }
}

static const char *
dimension_header(enum stats_by by)
{
    static const char *const names[] = {"KIND", "SOURCE", "MONTH", "COUNTRY", "IN DOCUMENTS"};

    return (size_t)by < sizeof(names) / sizeof(names[0]) ? names[by] : "LABEL";
}

static const char *
measure_header(int m)
{
    static const char *const names[STATS_MEASURES] = {"DOCUMENTS", "RECORDS", "IDENTIFIERS"};

    return names[m];
}

/* Which measures the table has, and the width of every column. */
static void
table_widths(const struct stats_table *t, bool present[STATS_MEASURES], size_t *label_w,
             size_t width[STATS_MEASURES])
{
    char text[LABEL_TEXT_MAX], cell[CELL_MAX];

    *label_w = strlen(dimension_header(t->by));
    if (*label_w < strlen("total")) {
        *label_w = strlen("total");
    }
    for (int m = 0; m < STATS_MEASURES; m++) {
        present[m] = t->total.cell[m].present;
        width[m] = strlen(measure_header(m));
    }
    for (size_t i = 0; i <= t->n; i++) {
        const struct stats_row *r = i < t->n ? &t->rows[i] : &t->total;

        cli_text(r->label, text, sizeof(text));
        *label_w = strlen(text) > *label_w ? strlen(text) : *label_w;
        for (int m = 0; m < STATS_MEASURES; m++) {
            present[m] = present[m] || r->cell[m].present;
            cell_text(&r->cell[m], cell);
            if (r->cell[m].present && strlen(cell) > width[m]) {
                width[m] = strlen(cell);
            }
        }
    }
}

static void
table_row(const struct stats_row *r, const bool *present, size_t label_w, const size_t *width)
{
    char text[LABEL_TEXT_MAX], cell[CELL_MAX];

    cli_text(r->label, text, sizeof(text));
    printf("%-*s", (int)label_w, text);
    for (int m = 0; m < STATS_MEASURES; m++) {
        if (present[m]) {
            if (r->cell[m].present) {
                cell_text(&r->cell[m], cell);
            } else {
                snprintf(cell, sizeof(cell), "-");
            }
            printf("  %*s", (int)width[m], cell);
        }
    }
    printf("\n");
}

static void
print_table(const struct stats_table *t)
{
    bool present[STATS_MEASURES];
    size_t label_w = 0, width[STATS_MEASURES], rule;

    table_widths(t, present, &label_w, width);
    printf("%-*s", (int)label_w, dimension_header(t->by));
    rule = label_w;
    for (int m = 0; m < STATS_MEASURES; m++) {
        if (present[m]) {
            printf("  %*s", (int)width[m], measure_header(m));
            rule += 2 + width[m];
        }
    }
    printf("\n");
    for (size_t i = 0; i < t->n; i++) {
        table_row(&t->rows[i], present, label_w, width);
    }
    for (size_t i = 0; i < rule; i++) {
        putchar('-');
    }
    printf("\n");
    table_row(&t->total, present, label_w, width);
    printf("\nx: suppressed — below %u, or withheld so that no suppressed cell can be recovered "
           "from the total\n", t->min_count);
}

/* ---- CSV ---- */

static void
csv_row(const struct stats_row *r)
{
    char text[LABEL_TEXT_MAX];
    bool quote, first = true;

    cli_text(r->label, text, sizeof(text));
    quote = strpbrk(text, ",\"") != NULL;
    if (quote) {
        putchar('"');
        for (const char *p = text; *p != '\0'; p++) {
            if (*p == '"') {
                putchar('"');
            }
            putchar(*p);
        }
        putchar('"');
    } else {
        printf("%s", text);
    }
    for (int m = 0; m < STATS_MEASURES; m++) {
        const struct stats_cell *c = &r->cell[m];

        if (c->present && !c->suppressed) {
            printf(",%lld", (long long)c->value);
        } else {
            printf(",");
        }
    }
    printf(",");
    for (int m = 0; m < STATS_MEASURES; m++) {
        if (r->cell[m].present && r->cell[m].suppressed) {
            printf("%s%s", first ? "" : " ", stats_measure_name((enum stats_measure)m));
            first = false;
        }
    }
    printf("\n");
}

static void
print_csv(const struct stats_table *t)
{
    printf("label,documents,records,identifiers,suppressed\n");
    for (size_t i = 0; i < t->n; i++) {
        csv_row(&t->rows[i]);
    }
    csv_row(&t->total);
}

static enum lw_rc
print_json(const struct stats_table *t, struct lw_error *err)
{
    struct lw_buf b;
    enum lw_rc rc;

    lw_buf_init(&b, STATS_JSON_MAX);
    rc = stats_json_write(t, &b);
    if (rc == LW_OK) {
        rc = lw_buf_append_byte(&b, '\n');
    }
    if (rc == LW_OK) {
        fwrite(b.data, 1, b.len, stdout);
    } else {
        rc = lw_error_set(err, rc, "the statistics are too large to print as JSON");
    }
    lw_buf_free(&b);
    return rc;
}

/* ---- the plot ---- */

static enum lw_rc
write_plot(struct db *db, const struct stats_opts *o, const struct stats_table *printed,
           struct lw_error *err)
{
    struct stats_table months = {0};
    const struct stats_table *t = printed;
    struct lw_buf svg;
    enum lw_rc rc = LW_OK;

    lw_buf_init(&svg, PLOT_SVG_MAX);
    if (printed->by != STATS_BY_MONTH) {
        rc = stats_query(db, STATS_BY_MONTH, o->min_count, false, &months, err);
        t = &months;
    }
    if (rc == LW_OK) {
        rc = plot_svg_monthly(t, &svg, err);
    }
    if (rc == LW_OK) {
        rc = plot_write_file(o->plot, lw_buf_slice(&svg), err);
    }
    if (rc == LW_OK) {
        lw_info("stats", "wrote the monthly plot to %s", o->plot);
    }
    lw_buf_free(&svg);
    stats_table_free(&months);
    return rc;
}

static enum lw_rc
stats_run(int argc, char **argv, struct lw_error *err)
{
    struct stats_opts o;
    struct stats_table t = {0};
    struct db *db = NULL;
    enum lw_rc rc = parse_opts(argc, argv, &o, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = stats_query(db, o.by, o.min_count, false, &t, err);
    }
    if (rc == LW_OK && o.format == FORMAT_TABLE) {
        print_table(&t);
    } else if (rc == LW_OK && o.format == FORMAT_CSV) {
        print_csv(&t);
    } else if (rc == LW_OK) {
        rc = print_json(&t, err);
    }
    if (rc == LW_OK) {
        fflush(stdout);
    }
    if (rc == LW_OK && o.plot != NULL) {
        rc = write_plot(db, &o, &t, err);
    }
    stats_table_free(&t);
    db_close(db);
    return rc;
}

const struct cli_command cmd_stats = {
    .name = "stats",
    .summary = "aggregate counts with small cells suppressed; --plot draws the monthly series",
    .run = stats_run,
    .help = stats_help,
};
