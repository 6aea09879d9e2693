/*
 * api/routes.h — the routes of api/README.md: the table the server dispatches on, and one handler
 * per route turning a whole request into a whole response. No libmicrohttpd here: the server
 * (api/server.c) owns the connection, hands a handler the request's parts and sends what it made.
 */
#ifndef LW_API_ROUTES_H
#define LW_API_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/metrics.h"
#include "api/pool.h"
#include "common/buf.h"
#include "common/slice.h"
#include "storage/clinics.h"
#include "storage/keyfile.h"

#define API_EVALUATE_MAX 1000u                    /* elements in one batch */
#define API_EVALUATE_BODY_MAX ((size_t)256 << 10) /* bytes */
#define API_WATCHLIST_BODY_MAX ((size_t)128 << 20)
#define API_ALERTS_LIMIT_DEFAULT 100u
#define API_ALERTS_LIMIT_MAX 1000u

enum api_route_id {
    API_ROUTE_EVALUATE,
    API_ROUTE_WATCHLIST_PUT,
    API_ROUTE_WATCHLIST_DELETE,
    API_ROUTE_WATCHLIST_GET,
    API_ROUTE_ALERTS,
    API_ROUTE_HEALTHZ,
    API_ROUTE_METRICS,
    API_ROUTE_STATS,
    API_ROUTE_OTHER, /* not found / method not allowed: counted under one name */
    API_ROUTE_COUNT
};

/* What every handler shares; read-only while the server runs. */
struct api_ctx {
    struct api_pool *pool;
    struct api_metrics *metrics;
    const struct keyfile *key;
    struct clinics_rate rate;
};

struct api_request {
    const char *authorization; /* the Authorization header, or NULL */
    struct lw_slice body;      /* the whole upload (empty for routes without a body) */
    /* A query-string argument by name, or NULL. */
    const char *(*arg)(void *user, const char *name);
    void *arg_user;
};

struct api_response {
    unsigned status;
    struct lw_buf body;       /* set up by api_response_init */
    const char *content_type; /* NULL: application/json */
    const char *allow;        /* for 405 */
    uint32_t retry_after;     /* for 429; 0: none */
    bool www_authenticate;    /* for 401 */
};

typedef void (*api_handler_fn)(const struct api_ctx *ctx, const struct api_request *req,
                               struct api_response *resp);

struct api_route {
    const char *path;
    const char *method;
    enum api_route_id id;
    size_t body_max; /* 0: the route takes no body (one sent is ignored) */
    api_handler_fn handle;
};

/* The static route names, indexed by enum api_route_id (metrics labels, log lines). */
extern const char *const api_route_names[API_ROUTE_COUNT];

/*
 * The route for an exact path and method, or NULL. When NULL and the path is known, allow gets the
 * methods it takes ("PUT, DELETE, GET") and *path_known is true.
 */
const struct api_route *api_route_find(const char *path, const char *method, char *allow,
                                       size_t allow_cap, bool *path_known);

/* An empty response (status 500 until a handler sets one) with a body ceiling of max bytes. */
void api_response_init(struct api_response *r, size_t max);
void api_response_free(struct api_response *r); /* wipes the body */

/* Replace r's body with the error object of api/README.md; index < 0: no "index" member. */
void api_error(struct api_response *r, unsigned status, const char *code, const char *message,
               long index);

#endif
