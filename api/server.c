/*
 * api/server.c — libmicrohttpd wiring for `leakwatch serve`.
 *
 * MHD calls the access handler several times per request: once when the headers are in (the
 * route, method, content type and declared length are checked here, so a wrong request is answered
 * before a byte of its body is read), once per piece of upload (appended to a buffer with the
 * route's ceiling: passing it answers 413 at once, or — if MHD will not take a response mid-upload
 * — discards the rest without keeping it), and once more at the end, when the route's handler
 * (api/routes.c) runs on the whole body. The per-request state lives in MHD's request pointer and
 * is freed by the completion callback, which also records the status and duration (metrics, one
 * log line at -v: method, route name, status, time — never a path, a body or a token).
 *
 * Threads: an internal thread pool (MHD_OPTION_THREAD_POOL_SIZE); each worker runs handlers to
 * completion, so at most `threads` requests use the database at once — the connection pool's size.
 * Stopping: MHD_quiesce_daemon stops accepting, requests in flight are counted down (a condition
 * variable, signalled by the completion callback) for a bounded time, then MHD_stop_daemon.
 */
#include "api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/metrics.h"
#include "api/pool.h"
#include "api/routes.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/num.h"

#define ERROR_BODY_MAX ((size_t)64 << 10)
#define RESPONSE_MAX ((size_t)1 << 30)

struct api_server {
    struct MHD_Daemon *d;
    struct api_ctx ctx;
    uint16_t port;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned inflight;
};

/* One request's state, from its headers to its completion. */
struct req {
    struct api_server *srv;
    const struct api_route *route;
    enum api_route_id rid;
    const char *method; /* a static name, for the log line */
    struct lw_buf body;
    double start;
    unsigned status; /* 0 until a response is queued */
    bool discard;    /* over the limit: the rest of the upload is dropped */
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
method_name(const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(m, known[i]) == 0) {
            return known[i];
        }
    }
    return "other"; /* never log what a client made up */
}

static bool
add_header(struct MHD_Response *m, const char *name, const char *value)
{
    return MHD_add_response_header(m, name, value) == MHD_YES;
}

static enum MHD_Result
send_response(struct MHD_Connection *c, struct req *r, struct api_response *resp)
{
    static char empty[1];
    struct MHD_Response *m;
    enum MHD_Result ret;
    char retry[24];
    bool ok;

    m = MHD_create_response_from_buffer(resp->body.len,
                                        resp->body.data != NULL ? resp->body.data : empty,
                                        MHD_RESPMEM_MUST_COPY);
    if (m == NULL) {
        return MHD_NO;
    }
    ok = add_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
                    resp->content_type != NULL ? resp->content_type : "application/json") &&
         add_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") &&
         add_header(m, "X-Content-Type-Options", "nosniff");
    if (ok && resp->allow != NULL) {
        ok = add_header(m, MHD_HTTP_HEADER_ALLOW, resp->allow);
    }
    if (ok && resp->www_authenticate) {
        ok = add_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"leakwatch\"");
    }
    if (ok && resp->retry_after > 0) {
        snprintf(retry, sizeof(retry), "%u", (unsigned)resp->retry_after);
        ok = add_header(m, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    ret = ok ? MHD_queue_response(c, resp->status, m) : MHD_NO;
    MHD_destroy_response(m);
    if (ret == MHD_YES) {
        r->status = resp->status;
    }
    return ret;
}

/* Answer with an error object at once. */
static enum MHD_Result
refuse(struct MHD_Connection *c, struct req *r, unsigned status, const char *code,
       const char *message, const char *allow)
{
    struct api_response resp;
    enum MHD_Result ret;

    api_response_init(&resp, ERROR_BODY_MAX);
    api_error(&resp, status, code, message, -1);
    resp.allow = allow;
    ret = send_response(c, r, &resp);
    api_response_free(&resp);
    return ret;
}

/* application/json, with parameters allowed ("; charset=utf-8"). */
static bool
json_content_type(const char *ct)
{
    size_t n = strlen("application/json");

    if (ct == NULL || strncasecmp(ct, "application/json", n) != 0) {
        return false;
    }
    ct += n;
    while (*ct == ' ' || *ct == '\t') {
        ct++;
    }
    return *ct == '\0' || *ct == ';';
}

static const char *
query_arg(void *user, const char *name)
{
    return MHD_lookup_connection_value(user, MHD_GET_ARGUMENT_KIND, name);
}

/* The first call: headers only. Route, method, content type, declared length. */
static enum MHD_Result
begin(struct api_server *s, struct MHD_Connection *c, const char *url, const char *method,
      void **con_cls)
{
    struct req *r = lw_xcalloc(1, sizeof(*r));
    char allow[64];
    bool known;
    const char *len;
    uint64_t declared;

    r->srv = s;
    r->start = now();
    r->method = method_name(method);
    r->rid = API_ROUTE_OTHER;
    lw_buf_init(&r->body, 0);
    *con_cls = r;
    pthread_mutex_lock(&s->mu);
    s->inflight++;
    pthread_mutex_unlock(&s->mu);
    r->route = api_route_find(url, method, allow, sizeof(allow), &known);
    if (r->route == NULL) {
        return known ? refuse(c, r, 405, "method_not_allowed", "method not allowed here", allow)
                     : refuse(c, r, 404, "not_found", "no such endpoint", NULL);
    }
    r->rid = r->route->id;
    if (r->route->body_max == 0) {
        return MHD_YES;
    }
    if (!json_content_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_CONTENT_TYPE))) {
        return refuse(c, r, 415, "unsupported_media_type",
                      "the body must be sent as Content-Type: application/json", NULL);
    }
    len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len != NULL && lw_parse_u64(lw_slice_cstr(len), 0, r->route->body_max, &declared) ==
                           LW_ERR_RANGE) {
        return refuse(c, r, 413, "payload_too_large", "the body is over this endpoint's limit",
                      NULL);
    }
    lw_buf_init(&r->body, r->route->body_max);
    return MHD_YES;
}

/* A piece of upload. */
static enum MHD_Result
upload(struct MHD_Connection *c, struct req *r, const char *data, size_t *size)
{
    size_t n = *size;

    *size = 0; /* consumed, whatever becomes of it */
    if (r->status != 0 || r->discard || r->route == NULL || r->route->body_max == 0) {
        return MHD_YES; /* answered already, or a body on a route that takes none: ignored */
    }
    if (lw_buf_append(&r->body, data, n) == LW_OK) {
        return MHD_YES;
    }
    lw_buf_free(&r->body);
    if (refuse(c, r, 413, "payload_too_large", "the body is over this endpoint's limit", NULL) !=
        MHD_YES) {
        r->discard = true; /* MHD takes no response mid-upload: answer at the end */
    }
    return MHD_YES;
}

/* The whole request is in: run the route's handler. */
static enum MHD_Result
finish(struct api_server *s, struct MHD_Connection *c, struct req *r)
{
    struct api_request q = {.arg = query_arg, .arg_user = c};
    struct api_response resp;
    enum MHD_Result ret;

    if (r->status != 0) {
        return MHD_YES;
    }
    if (r->discard) {
        return refuse(c, r, 413, "payload_too_large", "the body is over this endpoint's limit",
                      NULL);
    }
    q.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    q.body = lw_buf_slice(&r->body);
    if (q.body.p == NULL) {
        q.body = lw_slice_make("", 0);
    }
    api_response_init(&resp, r->rid == API_ROUTE_ALERTS ? RESPONSE_MAX : ((size_t)64 << 20));
    r->route->handle(&s->ctx, &q, &resp);
    lw_buf_free(&r->body); /* it may have held a clinic's rows: wiped */
    ret = send_response(c, r, &resp);
    api_response_free(&resp);
    return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *data, size_t *size, void **con_cls)
{
    struct api_server *s = cls;
    struct req *r = *con_cls;

    (void)version;
    if (r == NULL) {
        return begin(s, c, url, method, con_cls);
    }
    if (*size > 0) {
        return upload(c, r, data, size);
    }
    return finish(s, c, r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct api_server *s = cls;
    struct req *r = *con_cls;
    double took;

    (void)c;
    if (r == NULL) {
        return;
    }
    *con_cls = NULL;
    took = now() - r->start;
    if (r->status != 0) {
        api_metrics_request(s->ctx.metrics, (unsigned)r->rid, r->status, took);
    }
    lw_info("serve", "%s %s %u %.1f ms%s", r->method, api_route_names[r->rid], r->status,
            took * 1000.0, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended)");
    lw_buf_free(&r->body);
    free(r);
    pthread_mutex_lock(&s->mu);
    s->inflight--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

__attribute__((format(printf, 2, 0))) static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
        msg[--n] = '\0';
    }
    lw_warn("serve", "libmicrohttpd: %s", msg);
}

/* The listening address from a literal; *v6 tells which family. */
static enum lw_rc
address(const struct api_server_config *cfg, struct sockaddr_storage *ss, bool *v6,
        struct lw_error *err)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    const char *host = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;

    memset(ss, 0, sizeof(*ss));
    *v6 = false;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(cfg->port);
        return LW_OK;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(cfg->port);
        *v6 = true;
        return LW_OK;
    }
    return lw_error_set(err, LW_ERR_CONFIG, "--listen: '%s' is not an IP address (or localhost)",
                        cfg->host);
}

static struct MHD_Daemon *
daemon_start(struct api_server *s, const struct api_server_config *cfg,
             const struct sockaddr_storage *ss, bool v6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0);

    return MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (const void *)ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)cfg->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
}

enum lw_rc
api_server_start(const struct api_server_config *cfg, struct api_server **out,
                 struct lw_error *err)
{
    struct sockaddr_storage ss;
    struct api_server *s;
    const union MHD_DaemonInfo *info;
    bool v6;
    enum lw_rc rc;

    *out = NULL;
    if ((rc = address(cfg, &ss, &v6, err)) != LW_OK) {
        return rc;
    }
    s = lw_xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->ctx.pool = api_pool_new(cfg->threads);
    s->ctx.metrics = api_metrics_new(api_route_names, API_ROUTE_COUNT);
    s->ctx.key = cfg->key;
    s->ctx.rate = cfg->rate;
    s->d = daemon_start(s, cfg, &ss, v6);
    if (s->d == NULL) {
        api_server_stop(s, 0);
        return lw_error_set(err, LW_ERR_IO, "cannot listen on %s port %u (in use, or not an "
                            "address of this host?)", cfg->host, (unsigned)cfg->port);
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : cfg->port;
    *out = s;
    return LW_OK;
}

uint16_t
api_server_port(const struct api_server *s)
{
    return s->port;
}

/* Wait up to drain_s seconds for requests in flight to complete. */
static void
drain(struct api_server *s, unsigned drain_s)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)drain_s;
    pthread_mutex_lock(&s->mu);
    while (s->inflight > 0) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT) {
            lw_warn("serve", "stopping with %u requests unfinished after %u s", s->inflight,
                    drain_s);
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void
api_server_stop(struct api_server *s, unsigned drain_s)
{
    MHD_socket listen = MHD_INVALID_SOCKET;

    if (s == NULL) {
        return;
    }
    if (s->d != NULL) {
        listen = MHD_quiesce_daemon(s->d);
        drain(s, drain_s);
        MHD_stop_daemon(s->d);
        if (listen != MHD_INVALID_SOCKET) {
            close(listen);
        }
    }
    api_pool_free(s->ctx.pool);
    api_metrics_free(s->ctx.metrics);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
