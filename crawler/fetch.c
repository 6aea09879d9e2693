/*
 * crawler/fetch.c — many URLs at once through SOCKS proxies with libcurl multi (see fetch.h).
 * This file schedules; crawler/fetch_attempt.c runs one transfer and says what it came to.
 *
 * One thread, one loop. Each turn: report the requests that ended without a transfer; at the
 * deadline, abort and report everything; put retries whose backoff has passed back at the front
 * of their host's queue; start what the limits allow; curl_multi_perform; read the finished
 * transfers; then curl_multi_poll until a socket is ready, libcurl's own timer fires or our next
 * event is due (a host's politeness delay ends, a retry falls due, the deadline) — a second at
 * most. Results are handed out only from the loop itself, never from inside a libcurl callback or a
 * sweep over the hosts, so a done callback may call fetcher_add.
 *
 * Scheduling. A request waits in the FIFO of its host: the URL's host, lower-cased, and port, from
 * CURLU. Hosts live in a hash table and in an array swept round-robin, one start per host per
 * sweep, so a host with a thousand queued links does not starve the others. A host may start when
 * it runs fewer than max_per_host transfers and host_delay has passed since its last start;
 * nothing starts past max_total. A failed attempt that may pass waits in an unsorted list (there
 * are few) until its backoff ends, then goes to the front of its host's queue and takes the host's
 * limits like any start. A retry that would fall after the deadline is not made: the request
 * reports its last failure at once, as it does when the deadline finds it waiting. A proxy found
 * unreachable fails the requests still queued for it without trying them: the crawler stops
 * anyway, and a black-holed proxy would cost connect_timeout per request.
 *
 * Rejected: curl_multi_socket_action with an epoll loop. It pays off with thousands of sockets;
 * here at most max_total (16) transfers run, so curl_multi_poll's poll() over them costs nothing
 * and the loop stays a page long. Rejected: libcurl's CURLMOPT_MAX_HOST_CONNECTIONS — it limits
 * connections, not requests, has no politeness delay and no fairness between hosts.
 */
#include "crawler/fetch.h"

#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/slice.h"
#include "crawler/fetch_int.h"

#define DEFAULT_UA "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
#define HOST_BUCKETS 256
#define WAIT_MAX 1.0 /* seconds: the longest curl_multi_poll */

struct host {
    char *key; /* "example.onion:80" */
    struct req *head, *tail;
    struct host *chain; /* hash bucket */
    unsigned running;
    bool started;
    double last_start;
};

struct fetcher {
    struct fetch_opts o;
    char *user_agent;
    fetch_done_fn done;
    void *done_user;
    CURLM *multi;
    struct host *buckets[HOST_BUCKETS];
    struct host **hosts;
    size_t nhosts, hosts_cap, rr;
    size_t queued;                    /* requests in host queues */
    struct req *failed, *failed_tail; /* to report without a transfer */
    struct req *delayed;              /* waiting for a retry */
    struct xfer *running;
    unsigned nrunning;
    char **dead; /* proxies found unreachable */
    size_t ndead;
};

double
fetch_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
fetch_opts_default(struct fetch_opts *o)
{
    *o = (struct fetch_opts){
        .max_total = 16,
        .max_per_host = 2,
        .host_delay = 1.0,
        .connect_timeout = 60,
        .total_timeout = 180,
        .stall_timeout = 60,
        .max_wire_bytes = (size_t)64 << 20,
        .max_body_bytes = (size_t)64 << 20,
        .retries = 3,
        .backoff_base = 2,
        .backoff_max = 300,
        .user_agent = DEFAULT_UA,
        .deadline = 0,
    };
}

/* ---- queues -------------------------------------------------------------------------------- */

static char *
dup_or_null(const char *s)
{
    return s != NULL ? lw_xstrdup(s) : NULL;
}

static void
q_push(struct req **head, struct req **tail, struct req *r)
{
    r->next = NULL;
    if (*tail != NULL) {
        (*tail)->next = r;
    } else {
        *head = r;
    }
    *tail = r;
}

static struct req *
q_pop(struct req **head, struct req **tail)
{
    struct req *r = *head;

    if (r != NULL) {
        *head = r->next;
        if (*head == NULL) {
            *tail = NULL;
        }
        r->next = NULL;
    }
    return r;
}

static void
req_free(struct req *r)
{
    if (r == NULL) {
        return;
    }
    free(r->url);
    free(r->proxy);
    free(r->socks_user);
    free(r->etag);
    free(r->last_modified);
    free(r);
}

/* ---- hosts --------------------------------------------------------------------------------- */

static size_t
bucket_of(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
        h = (h ^ *p) * 16777619u;
    }
    return h % HOST_BUCKETS;
}

/* The host for key, created on first use; takes ownership of key. */
static struct host *
host_get(struct fetcher *f, char *key)
{
    size_t b = bucket_of(key);
    struct host *h;

    for (h = f->buckets[b]; h != NULL; h = h->chain) {
        if (strcmp(h->key, key) == 0) {
            free(key);
            return h;
        }
    }
    h = lw_xcalloc(1, sizeof *h);
    h->key = key;
    h->chain = f->buckets[b];
    f->buckets[b] = h;
    f->hosts = lw_xgrowarray(f->hosts, &f->hosts_cap, f->nhosts + 1,
                             SIZE_MAX / sizeof(struct host *), sizeof(struct host *));
    f->hosts[f->nhosts++] = h;
    return h;
}

/* "host:port" of an http(s) URL, lower-cased, or NULL with o saying why. */
static char *
url_host_key(const char *url, struct outcome *o)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
    struct lw_buf b;

    lw_buf_init(&b, 1024);
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        o->error = FETCH_ERR_PROTOCOL;
        fetch_attempt_msg(o, "not a valid URL");
    } else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        o->error = FETCH_ERR_PROTOCOL;
        fetch_attempt_msg(o, "scheme %s is not http or https", scheme);
    } else if (lw_buf_printf(&b, "%s:%s", host, port) != LW_OK) {
        o->error = FETCH_ERR_PROTOCOL;
        fetch_attempt_msg(o, "host name too long");
    } else {
        for (size_t i = 0; i < b.len; i++) {
            b.data[i] = lw_ascii_lower(b.data[i]);
        }
        key = lw_xstrdup(b.data);
    }
    lw_buf_free(&b);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return key;
}

static bool
proxy_is_dead(const struct fetcher *f, const char *proxy)
{
    for (size_t i = 0; proxy != NULL && i < f->ndead; i++) {
        if (strcmp(f->dead[i], proxy) == 0) {
            return true;
        }
    }
    return false;
}

static void
proxy_mark_dead(struct fetcher *f, const char *proxy)
{
    if (proxy == NULL || proxy_is_dead(f, proxy)) {
        return;
    }
    f->dead = lw_xreallocarray(f->dead, f->ndead + 1, sizeof(char *));
    f->dead[f->ndead++] = lw_xstrdup(proxy);
}

/* ---- the public set-up --------------------------------------------------------------------- */

enum lw_rc
fetcher_new(const struct fetch_opts *opts, fetch_done_fn done, void *user, struct fetcher **out,
            struct lw_error *err)
{
    struct fetcher *f;

    *out = NULL;
    if (!fetch_attempt_curl_init()) {
        return lw_error_set(err, LW_ERR_NET, "libcurl cannot be initialised");
    }
    f = lw_xcalloc(1, sizeof *f);
    f->o = *opts;
    /* A limit of 0 would start nothing and never return: treat it as 1. */
    f->o.max_total = f->o.max_total > 0 ? f->o.max_total : 1;
    f->o.max_per_host = f->o.max_per_host > 0 ? f->o.max_per_host : 1;
    f->user_agent = lw_xstrdup(opts->user_agent != NULL ? opts->user_agent : DEFAULT_UA);
    f->o.user_agent = f->user_agent;
    f->done = done;
    f->done_user = user;
    f->multi = curl_multi_init();
    if (f->multi == NULL) {
        fetcher_free(f);
        return lw_error_set(err, LW_ERR_NET, "libcurl: cannot create a multi handle");
    }
    *out = f;
    return LW_OK;
}

/* Why req cannot be fetched as given, or true. */
static bool
req_check(const struct fetch_request *req, struct outcome *o)
{
    static const char prefix[] = "socks5h://";
    struct lw_slice proxy = lw_slice_cstr(req->proxy);

    if (req->url == NULL) {
        o->error = FETCH_ERR_PROTOCOL;
        fetch_attempt_msg(o, "no URL");
        return false;
    }
    /* socks5:// (no h) or socks4 would resolve names locally; an HTTP proxy is not what we run. */
    if (req->proxy != NULL &&
        (proxy.len < sizeof prefix - 1 ||
         !lw_slice_eq_ci(lw_slice_make(proxy.p, sizeof prefix - 1), LW_SLICE_LIT(prefix)))) {
        o->error = FETCH_ERR_PROTOCOL;
        fetch_attempt_msg(o, "proxy must be socks5h:// (names resolved by the proxy)");
        return false;
    }
    return true;
}

void
fetcher_add(struct fetcher *f, const struct fetch_request *req)
{
    struct req *r = lw_xcalloc(1, sizeof *r);
    char *key = NULL;

    fetch_attempt_outcome_init(&r->last);
    r->user = req->user;
    r->url = dup_or_null(req->url != NULL ? req->url : "");
    r->proxy = dup_or_null(req->proxy);
    r->socks_user = dup_or_null(req->socks_user);
    r->etag = dup_or_null(req->etag);
    r->last_modified = dup_or_null(req->last_modified);
    if (req_check(req, &r->last)) {
        key = url_host_key(req->url, &r->last);
    }
    if (key == NULL) {
        q_push(&f->failed, &f->failed_tail, r);
        return;
    }
    r->host = host_get(f, key);
    q_push(&r->host->head, &r->host->tail, r);
    f->queued++;
}

/* ---- results ------------------------------------------------------------------------------- */

/* Hand r's result to the caller: the outcome o, and what the transfer x (if any) kept. */
static void
report(struct fetcher *f, const struct req *r, const struct outcome *o, const struct xfer *x)
{
    struct fetch_result res = {0};
    char *eff = NULL;

    res.user = r->user;
    res.url = r->url;
    res.effective_url = r->url;
    res.http_status = o->status;
    res.not_modified = o->not_modified;
    res.error = o->error;
    if (o->error == FETCH_ERR_HTTP && (o->status == 429 || o->status == 503)) {
        res.error = FETCH_ERR_RATE_LIMITED;
    }
    res.error_msg = o->msg;
    res.body = (const uint8_t *)"";
    res.attempts = r->attempts;
    res.seconds = r->attempts > 0 ? fetch_now() - r->first_start : 0;
    if (x != NULL) {
        if (curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != NULL) {
            res.effective_url = eff;
        }
        res.etag = x->etag[0] != '\0' ? x->etag : NULL;
        res.last_modified = x->last_modified[0] != '\0' ? x->last_modified : NULL;
        if (res.error == FETCH_ERR_NONE && x->body.data != NULL) {
            res.body = (const uint8_t *)x->body.data;
            res.body_len = x->body.len;
        }
    }
    f->done(f->done_user, &res);
}

/* Take x out of the multi handle and the running list. */
static void
xfer_detach(struct fetcher *f, struct xfer *x)
{
    curl_multi_remove_handle(f->multi, x->easy);
    if (x->prev != NULL) {
        x->prev->next = x->next;
    } else {
        f->running = x->next;
    }
    if (x->next != NULL) {
        x->next->prev = x->prev;
    }
    x->next = x->prev = NULL;
    f->nrunning--;
    x->req->host->running--;
}

/* A transfer ended: retry it later, or report it. */
static void
finish_attempt(struct fetcher *f, struct xfer *x, CURLcode code)
{
    struct req *r = x->req;
    struct outcome o;

    fetch_attempt_classify(x, code, &o);
    if (o.error == FETCH_ERR_PROXY_UNREACHABLE) {
        proxy_mark_dead(f, r->proxy);
    }
    if (o.error != FETCH_ERR_NONE && r->attempts <= f->o.retries &&
        fetch_attempt_retryable(&o, r->attempts)) {
        double at = fetch_now() + fetch_attempt_delay(&f->o, &o, r->attempts);

        if (f->o.deadline <= 0 || at < f->o.deadline) {
            r->last = o;
            r->not_before = at;
            r->next = f->delayed;
            f->delayed = r;
            fetch_attempt_free(x);
            return;
        }
    }
    report(f, r, &o, x);
    fetch_attempt_free(x);
    req_free(r);
}

static void
collect(struct fetcher *f)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        void *x = NULL;
        CURLcode code;

        if (m->msg != CURLMSG_DONE) {
            continue;
        }
        code = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &x);
        xfer_detach(f, x); /* m is invalid from here on */
        finish_attempt(f, x, code);
    }
}

static void
report_failed(struct fetcher *f)
{
    struct req *r;

    while ((r = q_pop(&f->failed, &f->failed_tail)) != NULL) {
        report(f, r, &r->last, NULL);
        req_free(r);
    }
}

/* End everything now with outcome stop; a request waiting for a retry reports its last failure.
 * The callbacks may add requests: those end too. */
static void
drain(struct fetcher *f, const struct outcome *stop)
{
    do {
        struct req *r;

        while (f->running != NULL) {
            struct xfer *x = f->running;

            xfer_detach(f, x);
            report(f, x->req, stop, x);
            req_free(x->req);
            fetch_attempt_free(x);
        }
        while ((r = f->delayed) != NULL) {
            f->delayed = r->next;
            report(f, r, &r->last, NULL);
            req_free(r);
        }
        report_failed(f);
        for (size_t i = 0; i < f->nhosts; i++) {
            while ((r = q_pop(&f->hosts[i]->head, &f->hosts[i]->tail)) != NULL) {
                f->queued--;
                report(f, r, r->attempts > 0 ? &r->last : stop, NULL);
                req_free(r);
            }
        }
    } while (f->running != NULL || f->delayed != NULL || f->failed != NULL || f->queued > 0);
}

/* ---- scheduling ---------------------------------------------------------------------------- */

static bool
host_ready(const struct fetcher *f, const struct host *h, double now)
{
    return h->head != NULL && h->running < f->o.max_per_host &&
           (!h->started || now >= h->last_start + f->o.host_delay);
}

/* Start the next request of h, or move it to the failed list when it cannot start. */
static void
start_one(struct fetcher *f, struct host *h, double now)
{
    struct req *r = q_pop(&h->head, &h->tail);
    struct xfer *x = NULL;
    struct outcome o;

    f->queued--;
    fetch_attempt_outcome_init(&o);
    if (proxy_is_dead(f, r->proxy)) {
        o.error = FETCH_ERR_PROXY_UNREACHABLE;
        fetch_attempt_msg(&o, "not tried: the proxy was found unreachable earlier in this run");
    } else if ((x = fetch_attempt_new(&f->o, r, &o)) != NULL &&
               curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
        o.error = FETCH_ERR_OTHER;
        fetch_attempt_msg(&o, "libcurl: cannot add a transfer");
        fetch_attempt_free(x);
        x = NULL;
    }
    if (x == NULL) {
        r->last = o;
        q_push(&f->failed, &f->failed_tail, r);
        return;
    }
    if (r->attempts++ == 0) {
        r->first_start = now;
    }
    h->running++;
    h->started = true;
    h->last_start = now;
    x->next = f->running;
    if (f->running != NULL) {
        f->running->prev = x;
    }
    f->running = x;
    f->nrunning++;
}

/* Sweep the hosts round-robin, one start per host per sweep, until the limits say stop. */
static void
start_ready(struct fetcher *f, double now)
{
    bool progress = true;

    while (progress && f->queued > 0 && f->nrunning < f->o.max_total) {
        progress = false;
        for (size_t k = 0; k < f->nhosts && f->nrunning < f->o.max_total; k++) {
            struct host *h = f->hosts[(f->rr + k) % f->nhosts];

            if (host_ready(f, h, now)) {
                start_one(f, h, now);
                progress = true;
            }
        }
        f->rr = f->nhosts > 0 ? (f->rr + 1) % f->nhosts : 0;
    }
}

/* Retries whose time has come go to the front of their host's queue. */
static void
wake_delayed(struct fetcher *f, double now)
{
    struct req **pp = &f->delayed;

    while (*pp != NULL) {
        struct req *r = *pp;

        if (r->not_before > now) {
            pp = &r->next;
            continue;
        }
        *pp = r->next;
        r->next = r->host->head;
        r->host->head = r;
        if (r->host->tail == NULL) {
            r->host->tail = r;
        }
        f->queued++;
    }
}

/* Seconds until our next event (libcurl's own timers and sockets wake curl_multi_poll too). */
static double
next_wait(const struct fetcher *f, double now)
{
    double t = WAIT_MAX;

    if (f->failed != NULL) {
        return 0;
    }
    if (f->o.deadline > 0) {
        t = fmin(t, f->o.deadline - now);
    }
    for (const struct req *r = f->delayed; r != NULL; r = r->next) {
        t = fmin(t, r->not_before - now);
    }
    for (size_t i = 0; f->nrunning < f->o.max_total && i < f->nhosts; i++) {
        const struct host *h = f->hosts[i];

        if (h->head != NULL && h->running < f->o.max_per_host) {
            t = fmin(t, h->started ? h->last_start + f->o.host_delay - now : 0);
        }
    }
    return fmax(t, 0);
}

static bool
idle(const struct fetcher *f)
{
    return f->nrunning == 0 && f->queued == 0 && f->delayed == NULL && f->failed == NULL;
}

enum lw_rc
fetcher_run(struct fetcher *f, struct lw_error *err)
{
    struct outcome stop;
    CURLMcode mc = CURLM_OK;

    fetch_attempt_outcome_init(&stop);
    for (;;) {
        double now = fetch_now();
        int active = 0;

        report_failed(f);
        if (f->o.deadline > 0 && now >= f->o.deadline) {
            stop.error = FETCH_ERR_TIMEOUT;
            fetch_attempt_msg(&stop, "deadline reached");
            drain(f, &stop);
            return LW_OK;
        }
        wake_delayed(f, now);
        start_ready(f, now);
        if (idle(f)) {
            return LW_OK;
        }
        mc = curl_multi_perform(f->multi, &active);
        if (mc != CURLM_OK) {
            break;
        }
        collect(f);
        if (!idle(f)) {
            long ms = fetch_attempt_ms(next_wait(f, fetch_now()));

            mc = curl_multi_poll(f->multi, NULL, 0, (int)ms, NULL);
            if (mc != CURLM_OK) {
                break;
            }
        }
    }
    stop.error = FETCH_ERR_OTHER;
    fetch_attempt_msg(&stop, "libcurl: %s", curl_multi_strerror(mc));
    drain(f, &stop);
    return lw_error_set(err, LW_ERR_NET, "libcurl: %s", curl_multi_strerror(mc));
}

void
fetcher_free(struct fetcher *f)
{
    struct req *r;

    if (f == NULL) {
        return;
    }
    while (f->running != NULL) {
        struct xfer *x = f->running;

        xfer_detach(f, x);
        req_free(x->req);
        fetch_attempt_free(x);
    }
    while ((r = f->delayed) != NULL) {
        f->delayed = r->next;
        req_free(r);
    }
    while ((r = q_pop(&f->failed, &f->failed_tail)) != NULL) {
        req_free(r);
    }
    for (size_t i = 0; i < f->nhosts; i++) {
        while ((r = q_pop(&f->hosts[i]->head, &f->hosts[i]->tail)) != NULL) {
            req_free(r);
        }
        free(f->hosts[i]->key);
        free(f->hosts[i]);
    }
    for (size_t i = 0; i < f->ndead; i++) {
        free(f->dead[i]);
    }
    free(f->dead);
    free(f->hosts);
    free(f->user_agent);
    if (f->multi != NULL) {
        curl_multi_cleanup(f->multi);
    }
    free(f);
}
