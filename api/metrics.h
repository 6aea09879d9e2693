/*
 * api/metrics.h — the API's counters and their Prometheus text rendering (GET /metrics).
 *
 * Counters are per route (the fixed route names, never a raw path: a scanner cannot grow the label
 * set) and per status code; thread-safe (one mutex; a request touches it once).
 */
#ifndef LW_API_METRICS_H
#define LW_API_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

struct api_metrics;

enum api_counter {
    API_COUNT_OPRF_EVALUATIONS,
    API_COUNT_OPRF_RATE_LIMITED,
    API_COUNT_WATCHLIST_ROWS,
    API_COUNTER_COUNT
};

/* Counters for nroutes routes named by names[] (static strings). */
struct api_metrics *api_metrics_new(const char *const *names, unsigned nroutes);
void api_metrics_free(struct api_metrics *m); /* NULL-safe */

/* One finished request: route index, HTTP status (100–599), duration in seconds. */
void api_metrics_request(struct api_metrics *m, unsigned route, unsigned status, double seconds);
void api_metrics_add(struct api_metrics *m, enum api_counter c, uint64_t n);

/*
 * Append the text format 0.0.4 exposition to out. up: whether the database answered for this
 * scrape; pending: the outbox rows waiting (only written when have_pending). LW_ERR_TOO_LARGE
 * when out's ceiling is reached.
 */
enum lw_rc api_metrics_render(struct api_metrics *m, struct lw_buf *out, bool up, bool have_pending,
                              uint64_t pending, const char *version);

#endif
