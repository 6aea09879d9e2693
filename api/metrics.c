/*
 * api/metrics.c — counters behind a mutex, rendered as Prometheus text.
 *
 * Requests are counted in a table of routes × status codes (100–599: a fixed 500 slots per route,
 * a few kilobytes, no allocation per request); rendering walks it and prints the non-zero cells.
 * The alternative rejected: C11 atomics per cell. The mutex is held for a few increments per
 * request, far below the cost of the request itself, and keeps sum and count consistent.
 */
#include "api/metrics.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/alloc.h"

#define STATUS_MIN 100
#define STATUS_SLOTS 500

struct route_stats {
    uint64_t by_status[STATUS_SLOTS];
    uint64_t count;
    double seconds;
};

struct api_metrics {
    pthread_mutex_t mu;
    const char *const *names;
    unsigned nroutes;
    struct route_stats *routes;
    uint64_t counters[API_COUNTER_COUNT];
};

struct api_metrics *
api_metrics_new(const char *const *names, unsigned nroutes)
{
    struct api_metrics *m = lw_xcalloc(1, sizeof(*m));

    m->names = names;
    m->nroutes = nroutes;
    m->routes = lw_xcalloc(nroutes, sizeof(*m->routes));
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void
api_metrics_free(struct api_metrics *m)
{
    if (m == NULL) {
        return;
    }
    pthread_mutex_destroy(&m->mu);
    free(m->routes);
    free(m);
}

void
api_metrics_request(struct api_metrics *m, unsigned route, unsigned status, double seconds)
{
    if (route >= m->nroutes || status < STATUS_MIN || status >= STATUS_MIN + STATUS_SLOTS) {
        return;
    }
    pthread_mutex_lock(&m->mu);
    m->routes[route].by_status[status - STATUS_MIN]++;
    m->routes[route].count++;
    m->routes[route].seconds += seconds;
    pthread_mutex_unlock(&m->mu);
}

void
api_metrics_add(struct api_metrics *m, enum api_counter c, uint64_t n)
{
    pthread_mutex_lock(&m->mu);
    m->counters[c] += n;
    pthread_mutex_unlock(&m->mu);
}

static enum lw_rc
render_requests(const struct api_metrics *m, struct lw_buf *out)
{
    enum lw_rc rc = lw_buf_append_str(out,
        "# HELP leakwatch_http_requests_total HTTP requests by route and status code.\n"
        "# TYPE leakwatch_http_requests_total counter\n");

    for (unsigned r = 0; rc == LW_OK && r < m->nroutes; r++) {
        for (unsigned s = 0; rc == LW_OK && s < STATUS_SLOTS; s++) {
            if (m->routes[r].by_status[s] != 0) {
                rc = lw_buf_printf(out, "leakwatch_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
                                   m->names[r], s + STATUS_MIN,
                                   (unsigned long long)m->routes[r].by_status[s]);
            }
        }
    }
    if (rc == LW_OK) {
        rc = lw_buf_append_str(out,
            "# HELP leakwatch_http_request_duration_seconds Time spent answering requests.\n"
            "# TYPE leakwatch_http_request_duration_seconds summary\n");
    }
    for (unsigned r = 0; rc == LW_OK && r < m->nroutes; r++) {
        rc = lw_buf_printf(out,
                           "leakwatch_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                           "leakwatch_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                           m->names[r], m->routes[r].seconds, m->names[r],
                           (unsigned long long)m->routes[r].count);
    }
    return rc;
}

static enum lw_rc
render_counter(struct lw_buf *out, const char *name, const char *type, const char *help,
               uint64_t v)
{
    return lw_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type,
                         name, (unsigned long long)v);
}

enum lw_rc
api_metrics_render(struct api_metrics *m, struct lw_buf *out, bool up, bool have_pending,
                   uint64_t pending, const char *version)
{
    enum lw_rc rc;
    uint64_t c[API_COUNTER_COUNT];

    pthread_mutex_lock(&m->mu);
    rc = render_requests(m, out);
    for (unsigned i = 0; i < API_COUNTER_COUNT; i++) {
        c[i] = m->counters[i];
    }
    pthread_mutex_unlock(&m->mu);
    if (rc == LW_OK) {
        rc = render_counter(out, "leakwatch_oprf_evaluations_total", "counter",
                            "Blinded elements evaluated.", c[API_COUNT_OPRF_EVALUATIONS]);
    }
    if (rc == LW_OK) {
        rc = render_counter(out, "leakwatch_oprf_rate_limited_total", "counter",
                            "Evaluation requests refused by the rate limit.",
                            c[API_COUNT_OPRF_RATE_LIMITED]);
    }
    if (rc == LW_OK) {
        rc = render_counter(out, "leakwatch_watchlist_rows_received_total", "counter",
                            "Watchlist rows received in uploads.", c[API_COUNT_WATCHLIST_ROWS]);
    }
    if (rc == LW_OK && have_pending) {
        rc = render_counter(out, "leakwatch_alerts_pending", "gauge",
                            "Alert deliveries waiting in the outbox.", pending);
    }
    if (rc == LW_OK) {
        rc = render_counter(out, "leakwatch_up", "gauge",
                            "1 when the database answered for this scrape.", up ? 1 : 0);
    }
    if (rc == LW_OK) {
        rc = lw_buf_printf(out, "# HELP leakwatch_build_info The running version.\n"
                                "# TYPE leakwatch_build_info gauge\n"
                                "leakwatch_build_info{version=\"%s\"} 1\n", version);
    }
    return rc;
}
