/*
 * cli/plot.c — the monthly statistics as an SVG chart (see plot.h).
 *
 * Two measures of very different size share one time axis: documents per month (tens) as bars
 * against the left axis, distinct identifiers (thousands) as a line against the right axis, each
 * axis labelled in its series' colour. One axis for both was rejected: the documents would be a
 * flat line at the bottom. Both axes have the same number of intervals, each step a 1-2-5 value,
 * so the light grid lines belong to both. A suppressed value is not drawn at all — a gap in the
 * line, no bar — over a hatched band across the month, and the legend says what the band means;
 * drawing it as zero would state a value the statistics withhold. Months between the first and the
 * last that have no row had no document: they are drawn as zero.
 *
 * The SVG is written with printf into a bounded buffer (no XML library): the document is small
 * and fixed in shape, every number is formatted by us, and the only text from the database (month
 * labels) is checked to be a month and XML-escaped anyway. The file is written beside its final
 * name and renamed, so a browser or a cron-driven publisher never sees half a chart.
 */
#include "cli/plot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/num.h"

#define W 800
#define H 420
#define X0 78.0  /* the plot area */
#define X1 722.0
#define Y0 66.0
#define Y1 340.0
#define FONT "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
#define C_DOCS "#4c78a8"
#define C_DOCS_TEXT "#35618e"
#define C_IDS "#e45756"
#define C_IDS_TEXT "#b83c3b"
#define C_GRID "#e6e6e6"
#define C_AXIS "#444444"
#define C_MUTED "#666666"

struct point {
    int64_t docs, ids;
    bool docs_hidden, ids_hidden; /* suppressed */
};

struct series {
    struct point *p;
    size_t n;
    long first;        /* year * 12 + month - 1 of p[0] */
    int64_t max_docs, max_ids;
    bool any_hidden;
    unsigned k;
};

struct axis {
    int64_t step, top;
    int intervals;
};

struct svg {
    struct lw_buf *b;
    enum lw_rc rc;
};

static void put(struct svg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append formatted text; the first failure sticks in g->rc and later output is dropped. */
static void
put(struct svg *g, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    if (g->rc != LW_OK) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        g->rc = LW_ERR_INTERNAL;
        return;
    }
    g->rc = lw_buf_append(g->b, line, (size_t)n);
}

/* s with & < > " ' as XML entities (s is short: labels and numbers). */
static void
xml_text(const char *s, char *out, size_t cap)
{
    size_t used = 0;

    for (; *s != '\0'; s++) {
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        size_t n = e != NULL ? strlen(e) : 1;

        if (used + n + 1 > cap) {
            break;
        }
        memcpy(out + used, e != NULL ? e : s, n);
        used += n;
    }
    out[used] = '\0';
}

/* "YYYY-MM" as year * 12 + month - 1. */
static bool
month_of(const char *label, long *m)
{
    uint64_t y = 0, mon = 0;

    if (strlen(label) != 7 || label[4] != '-' ||
        lw_parse_u64(lw_slice_make(label, 4), 1000, 9999, &y) != LW_OK ||
        lw_parse_u64(lw_slice_make(label + 5, 2), 1, 12, &mon) != LW_OK) {
        return false;
    }
    *m = (long)(y * 12 + mon - 1);
    return true;
}

static void
point_set(struct series *s, const struct stats_row *r, size_t i)
{
    const struct stats_cell *d = &r->cell[STATS_DOCUMENTS], *id = &r->cell[STATS_IDENTIFIERS];
    struct point *p = &s->p[i];

    p->docs_hidden = d->present && d->suppressed;
    p->ids_hidden = id->present && id->suppressed;
    p->docs = d->present && !d->suppressed ? d->value : 0;
    p->ids = id->present && !id->suppressed ? id->value : 0;
    s->any_hidden = s->any_hidden || p->docs_hidden || p->ids_hidden;
    s->max_docs = p->docs > s->max_docs ? p->docs : s->max_docs;
    s->max_ids = p->ids > s->max_ids ? p->ids : s->max_ids;
}

/* The months of t from the first to the last, gaps filled with zero rows. */
static enum lw_rc
series_build(const struct stats_table *t, struct series *s, struct lw_error *err)
{
    long first = 0, last = 0, m = 0;

    memset(s, 0, sizeof(*s));
    s->k = t->min_count;
    if (t->by != STATS_BY_MONTH) {
        return lw_error_set(err, LW_ERR_INVALID, "the plot needs the statistics by month");
    }
    for (size_t i = 0; i < t->n; i++) {
        if (!month_of(t->rows[i].label, &m) || (i > 0 && m <= last)) {
            return lw_error_set(err, LW_ERR_INVALID, "the plot needs ascending YYYY-MM months "
                                "(row %zu)", i + 1);
        }
        first = i == 0 ? m : first;
        last = m;
    }
    if (t->n == 0) {
        return LW_OK;
    }
    if (last - first + 1 > PLOT_MONTHS_MAX) {
        return lw_error_set(err, LW_ERR_RANGE, "the months span more than %d", PLOT_MONTHS_MAX);
    }
    s->n = (size_t)(last - first + 1);
    s->first = first;
    s->p = lw_xcalloc(s->n, sizeof(*s->p));
    for (size_t i = 0; i < t->n; i++) {
        (void)month_of(t->rows[i].label, &m);
        point_set(s, &t->rows[i], (size_t)(m - first));
    }
    return LW_OK;
}

/* The smallest 1, 2 or 5 times a power of ten that is at least x (and at least 1). */
static int64_t
nice_step(double x)
{
    int64_t p = 1;

    while (p <= INT64_MAX / 10) {
        if ((double)p >= x) {
            return p;
        }
        if ((double)(2 * p) >= x) {
            return 2 * p;
        }
        if ((double)(5 * p) >= x) {
            return 5 * p;
        }
        p *= 10;
    }
    return p;
}

/* Left: about five 1-2-5 steps over the documents; right: as many steps over the identifiers. */
static void
axes_fit(const struct series *s, struct axis *l, struct axis *r)
{
    l->step = nice_step((double)s->max_docs / 5.0);
    l->intervals = (int)(s->max_docs / l->step) + 1; /* headroom: the tallest bar stays inside */
    l->top = l->step * l->intervals;
    r->intervals = l->intervals;
    r->step = nice_step((double)s->max_ids / (double)r->intervals);
    r->top = r->step * r->intervals;
}

/* v with a comma between thousands. */
static void
fmt_count(int64_t v, char *out, size_t cap)
{
    char digits[32];
    size_t n, used = 0;

    snprintf(digits, sizeof(digits), "%lld", (long long)v);
    n = strlen(digits);
    for (size_t i = 0; i < n && used + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0 && digits[0] != '-') {
            out[used++] = ',';
        }
        out[used++] = digits[i];
    }
    out[used] = '\0';
}

static double
y_of(int64_t v, const struct axis *a)
{
    return Y1 - (double)v / (double)a->top * (Y1 - Y0);
}

static double
band(const struct series *s)
{
    return (X1 - X0) / (double)(s->n > 0 ? s->n : 1);
}

static void
month_label(long m, char out[16])
{
    snprintf(out, 16, "%04ld-%02ld", (m / 12) % 10000, m % 12 + 1);
}

static void
svg_head(struct svg *g, const struct series *s)
{
    char a[16] = "", z[16] = "";

    put(g, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\""
           " viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"t d\" font-family=\"%s\">\n",
        W, H, W, H, FONT);
    put(g, "<title id=\"t\">leakwatch: documents and distinct identifiers per month</title>\n");
    if (s->n > 0) {
        month_label(s->first, a);
        month_label(s->first + (long)s->n - 1, z);
    }
    put(g, "<desc id=\"d\">Documents first seen per month (bars, left axis) and distinct"
           " identifiers first seen per month (line, right axis), %s to %s. Counts below %u are"
           " suppressed, with complementary cells, and drawn as gaps over a hatched band.</desc>\n",
        s->n > 0 ? a : "none", s->n > 0 ? z : "none", s->k);
    put(g, "<defs><pattern id=\"hatch\" width=\"7\" height=\"7\" patternUnits=\"userSpaceOnUse\""
           " patternTransform=\"rotate(45)\"><rect width=\"7\" height=\"7\" fill=\"#f4f4f4\"/>"
           "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\" stroke=\"#bdbdbd\" stroke-width=\"2.5\"/>"
           "</pattern></defs>\n");
    put(g, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    put(g, "<text x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"600\""
           " fill=\"#222222\">Documents and distinct identifiers per month</text>\n", W / 2);
    put(g, "<text x=\"%d\" y=\"48\" text-anchor=\"middle\" font-size=\"12\" fill=\"" C_MUTED
           "\">by the month a document was first seen &#183; %s &#8211; %s &#183; counts below %u"
           " suppressed</text>\n", W / 2, s->n > 0 ? a : "no data", s->n > 0 ? z : "no data",
        s->k);
}

/* Horizontal grid, both y axes with their ticks, labels and titles. */
static void
svg_grid(struct svg *g, const struct axis *l, const struct axis *r)
{
    char lv[32], rv[32];

    put(g, "<g font-size=\"11\">\n");
    for (int i = 0; i <= l->intervals; i++) {
        double y = y_of(l->step * i, l);

        fmt_count(l->step * i, lv, sizeof(lv));
        fmt_count(r->step * i, rv, sizeof(rv));
        if (i > 0) {
            put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID
                   "\" stroke-width=\"1\"/>\n", X0, y, X1, y);
        }
        put(g, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"" C_DOCS_TEXT "\">%s</text>"
               "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_IDS_TEXT "\">%s</text>\n",
            X0 - 8, y + 4, lv, X1 + 8, y + 4, rv);
    }
    put(g, "</g>\n<text transform=\"translate(20 %.1f) rotate(-90)\" text-anchor=\"middle\""
           " font-size=\"12\" fill=\"" C_DOCS_TEXT "\">documents</text>\n", (Y0 + Y1) / 2);
    put(g, "<text transform=\"translate(%d %.1f) rotate(90)\" text-anchor=\"middle\""
           " font-size=\"12\" fill=\"" C_IDS_TEXT "\">distinct identifiers</text>\n", W - 18,
        (Y0 + Y1) / 2);
}

/* Months between labels: 1, 2, 3, 4, 6, 12, then whole years, so labels never crowd. */
static long
label_every(const struct series *s)
{
    static const long steps[] = {1, 2, 3, 4, 6, 12, 24, 60, 120, 240, 600, 1200};
    double bw = band(s);

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if ((double)steps[i] * bw >= 58.0) {
            return steps[i];
        }
    }
    return 1200;
}

static void
svg_xaxis(struct svg *g, const struct series *s)
{
    long every = label_every(s);
    double bw = band(s);
    char m[16], esc[48];

    put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>\n", X0,
        Y1, X1, Y1);
    put(g, "<g font-size=\"11\" fill=\"#333333\" text-anchor=\"middle\">\n");
    for (size_t i = 0; i < s->n; i++) {
        long mon = s->first + (long)i;
        double x = X0 + bw * ((double)i + 0.5);

        if (mon % every != 0 && !(s->n == 1)) {
            continue;
        }
        month_label(mon, m);
        xml_text(m, esc, sizeof(esc));
        put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>"
               "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x, Y1, x, Y1 + 5, x, Y1 + 19, esc);
    }
    if (s->n == 0) {
        put(g, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" fill=\"" C_MUTED "\">no documents"
               " yet</text>\n", (X0 + X1) / 2, (Y0 + Y1) / 2);
    }
    put(g, "</g>\n");
}

/* The hatched band behind every month with a suppressed value. */
static void
svg_bands(struct svg *g, const struct series *s)
{
    double bw = band(s);

    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i].docs_hidden || s->p[i].ids_hidden) {
            char m[16];

            month_label(s->first + (long)i, m);
            put(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                   " fill=\"url(#hatch)\" class=\"suppressed\"><title>%s: suppressed</title></rect>\n",
                X0 + bw * (double)i, Y0, bw, Y1 - Y0, m);
        }
    }
}

static void
svg_bars(struct svg *g, const struct series *s, const struct axis *l)
{
    double bw = band(s), w = bw * 0.62 > 1.0 ? bw * 0.62 : 1.0;
    char m[16], v[32];

    put(g, "<g fill=\"" C_DOCS "\" fill-opacity=\"0.85\" class=\"documents\">\n");
    for (size_t i = 0; i < s->n; i++) {
        double y = y_of(s->p[i].docs, l);

        if (s->p[i].docs_hidden || s->p[i].docs == 0) {
            continue;
        }
        month_label(s->first + (long)i, m);
        fmt_count(s->p[i].docs, v, sizeof(v));
        put(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s: %s"
               " documents</title></rect>\n", X0 + bw * ((double)i + 0.5) - w / 2, y, w, Y1 - y,
            m, v);
    }
    put(g, "</g>\n");
}

/* The identifiers as a path that lifts the pen over suppressed months, and a dot per month. */
static void
svg_line(struct svg *g, const struct series *s, const struct axis *r)
{
    double bw = band(s);
    bool pen = false;
    char m[16], v[32];

    put(g, "<path class=\"identifiers\" fill=\"none\" stroke=\"" C_IDS "\" stroke-width=\"2.5\""
           " stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"");
    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i].ids_hidden) {
            pen = false;
            continue;
        }
        put(g, "%s%.1f %.1f ", pen ? "L" : "M", X0 + bw * ((double)i + 0.5), y_of(s->p[i].ids, r));
        pen = true;
    }
    put(g, "\"/>\n<g fill=\"" C_IDS "\" stroke=\"#ffffff\" stroke-width=\"1\">\n");
    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i].ids_hidden) {
            continue;
        }
        month_label(s->first + (long)i, m);
        fmt_count(s->p[i].ids, v, sizeof(v));
        put(g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>%s: %s distinct identifiers"
               "</title></circle>\n", X0 + bw * ((double)i + 0.5), y_of(s->p[i].ids, r), m, v);
    }
    put(g, "</g>\n");
}

static void
svg_legend(struct svg *g, const struct series *s)
{
    double y = H - 26;

    put(g, "<g font-size=\"12\" fill=\"#333333\" class=\"legend\">\n");
    put(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"" C_DOCS "\"/>"
           "<text x=\"%.1f\" y=\"%.1f\">documents (left axis)</text>\n", X0, y - 10, X0 + 20,
        y);
    put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_IDS "\""
           " stroke-width=\"2.5\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"" C_IDS "\"/>"
           "<text x=\"%.1f\" y=\"%.1f\">distinct identifiers (right axis)</text>\n",
        X0 + 165, y - 4, X0 + 189, y - 4, X0 + 177, y - 4, X0 + 195, y);
    if (s->any_hidden) {
        put(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"url(#hatch)\""
               " stroke=\"#bdbdbd\"/><text x=\"%.1f\" y=\"%.1f\">suppressed: below %u or"
               " complementary</text>\n", X0 + 412, y - 10, X0 + 432, y, s->k);
    }
    put(g, "</g>\n");
}

enum lw_rc
plot_svg_monthly(const struct stats_table *t, struct lw_buf *out, struct lw_error *err)
{
    struct series s;
    struct axis l, r;
    struct svg g = {.b = out, .rc = LW_OK};
    enum lw_rc rc = series_build(t, &s, err);

    if (rc != LW_OK) {
        goto out;
    }
    axes_fit(&s, &l, &r);
    svg_head(&g, &s);
    svg_bands(&g, &s);
    svg_grid(&g, &l, &r);
    svg_bars(&g, &s, &l);
    svg_line(&g, &s, &r);
    svg_xaxis(&g, &s);
    svg_legend(&g, &s);
    put(&g, "</svg>\n");
    rc = g.rc;
    if (rc != LW_OK) {
        rc = lw_error_set(err, rc, "drawing the plot: %s", lw_strerror(rc));
    }
out:
    free(s.p);
    return rc;
}

/* Write all of data to fd and flush it to disk. */
static bool
write_all(int fd, struct lw_slice data)
{
    while (data.len > 0) {
        ssize_t w = write(fd, data.p, data.len);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        data.p += w;
        data.len -= (size_t)w;
    }
    return fsync(fd) == 0;
}

enum lw_rc
plot_write_file(const char *path, struct lw_slice data, struct lw_error *err)
{
    struct lw_buf tmp;
    mode_t mask = umask(0);
    enum lw_rc rc = LW_OK;
    int fd = -1;

    umask(mask);
    lw_buf_init(&tmp, 4096 + 32);
    if (lw_buf_printf(&tmp, "%s.tmp-XXXXXX", path) != LW_OK) {
        rc = lw_error_set(err, LW_ERR_IO, "--plot: the path is too long");
        goto out;
    }
    fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = lw_error_set(err, LW_ERR_IO, "--plot %s: cannot create a file beside it: %s", path,
                          strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0666 & ~mask) != 0 || !write_all(fd, data)) {
        rc = lw_error_set(err, LW_ERR_IO, "--plot %s: writing: %s", path, strerror(errno));
    }
    if (close(fd) != 0 && rc == LW_OK) {
        rc = lw_error_set(err, LW_ERR_IO, "--plot %s: writing: %s", path, strerror(errno));
    }
    if (rc == LW_OK && rename(tmp.data, path) != 0) {
        rc = lw_error_set(err, LW_ERR_IO, "--plot %s: %s", path, strerror(errno));
    }
    if (rc != LW_OK) {
        (void)unlink(tmp.data);
    }
out:
    lw_buf_free(&tmp);
    return rc;
}
