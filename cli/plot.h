/*
 * cli/plot.h — `leakwatch stats --plot FILE.svg`: the monthly statistics drawn as an SVG chart.
 *
 * The chart: documents per month as bars on the left axis, distinct identifiers first seen that
 * month as a line on the right axis, on one time axis from the first month to the last; a month no
 * document was first seen in is drawn as zero; a month whose value is suppressed is a gap in its
 * series over a hatched band, which the legend explains. SVG 1.1, 800 × 420 with a viewBox.
 */
#ifndef LW_CLI_PLOT_H
#define LW_CLI_PLOT_H

#include "common/buf.h"
#include "common/error.h"
#include "common/slice.h"
#include "storage/stats.h"

#define PLOT_MONTHS_MAX 1200 /* a hundred years of months: more is refused, not drawn */
#define PLOT_SVG_MAX ((size_t)4 << 20)

/*
 * Append the chart of t, a table by month (labels "YYYY-MM", ascending, as stats_query returns
 * it), to out as a whole SVG document. LW_ERR_INVALID for a table that is not by month or a label
 * that is not a month, LW_ERR_RANGE for more than PLOT_MONTHS_MAX months from first to last,
 * LW_ERR_TOO_LARGE when out's ceiling is reached.
 */
enum lw_rc plot_svg_monthly(const struct stats_table *t, struct lw_buf *out, struct lw_error *err);

/*
 * Write data to path atomically: a new file beside it (same directory, mode 0666 less the umask),
 * flushed to disk, then renamed over path — a reader sees the old file or the whole new one, never
 * a part. LW_ERR_IO naming the path.
 */
enum lw_rc plot_write_file(const char *path, struct lw_slice data, struct lw_error *err);

#endif
