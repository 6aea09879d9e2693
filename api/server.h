/*
 * api/server.h — `leakwatch serve`'s HTTP server: libmicrohttpd with an internal thread pool,
 * bounded uploads, dispatch to api/routes.h, per-request metrics and log lines, graceful stop.
 */
#ifndef LW_API_SERVER_H
#define LW_API_SERVER_H

#include <stdint.h>

#include "common/error.h"
#include "storage/clinics.h"
#include "storage/keyfile.h"

struct api_server_config {
    const char *host;         /* an IPv4 or IPv6 literal: 127.0.0.1, ::1, 0.0.0.0 */
    uint16_t port;            /* 0: a free port */
    unsigned threads;         /* worker threads, ≥ 1; also the database connections at most */
    unsigned max_connections; /* open connections at most */
    unsigned timeout_s;       /* an idle or stalled connection is closed after this */
    struct clinics_rate rate;
    const struct keyfile *key; /* borrowed; must outlive the server */
};

struct api_server;

/*
 * Bind and start serving. LW_ERR_CONFIG for an address that is not a literal, LW_ERR_IO when the
 * address cannot be bound (in use, not local). The caller must have blocked the signals it waits
 * for: the server's threads inherit the mask.
 */
enum lw_rc api_server_start(const struct api_server_config *cfg, struct api_server **out,
                            struct lw_error *err);

/* The port actually bound (the chosen one when 0 was asked). */
uint16_t api_server_port(const struct api_server *s);

/*
 * Stop: accept no new connections, let requests in flight finish for up to drain_s seconds, then
 * close everything, free the pool and the server. NULL-safe.
 */
void api_server_stop(struct api_server *s, unsigned drain_s);

#endif
