/*
 * crawler/fetch_int.h — what fetch.c (the scheduler) and fetch_attempt.c (one transfer) share.
 * Not for use outside crawler/fetch*.c.
 */
#ifndef LW_CRAWLER_FETCH_INT_H
#define LW_CRAWLER_FETCH_INT_H

#include <curl/curl.h>
#include <stdbool.h>

#include "common/buf.h"
#include "crawler/fetch.h"

#define FETCH_MSG_MAX 256
#define FETCH_HDR_VALUE_MAX 256 /* longer ETag / Last-Modified values are neither kept nor sent */

/* What one attempt came to (or why a request never started). */
struct outcome {
    enum fetch_error error;
    long status; /* HTTP status of the last response, 0 when none */
    int socks;   /* SOCKS reply code, -1 when none */
    CURLcode code;
    bool not_modified;
    double retry_after; /* seconds a response asked us to wait, -1 when none */
    char msg[FETCH_MSG_MAX];
};

struct host;

/* One queued request; its strings are owned copies. */
struct req {
    struct req *next;
    char *url, *proxy, *socks_user, *etag, *last_modified;
    void *user;
    struct host *host; /* NULL when fetcher_add refused the request */
    unsigned attempts;
    double first_start, not_before;
    struct outcome last; /* the last attempt's, or why the request cannot start */
};

/* One attempt: an easy handle and what its callbacks kept of the last response. */
struct xfer {
    struct xfer *next, *prev; /* the scheduler's running list */
    const struct fetch_opts *o;
    struct req *req;
    CURL *easy;
    struct curl_slist *headers;
    struct lw_buf body;      /* the 2xx body, decompressed, at most o->max_body_bytes */
    bool body_cap, wire_cap; /* a cap was hit: the transfer was aborted */
    double retry_after;
    char etag[FETCH_HDR_VALUE_MAX], last_modified[FETCH_HDR_VALUE_MAX];
    char errbuf[CURL_ERROR_SIZE];
};

/* curl_global_init, once per process. false when libcurl cannot start. */
bool fetch_attempt_curl_init(void);

/* No error, no status, no SOCKS reply, no Retry-After, empty message. */
void fetch_attempt_outcome_init(struct outcome *o);

/* Format o->msg; control characters become '?' (libcurl's texts quote what servers chose). */
void fetch_attempt_msg(struct outcome *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Seconds as libcurl milliseconds, rounded up; 0 for 0 or less (libcurl: no limit). */
long fetch_attempt_ms(double seconds);

/* An easy handle for r with every option set, ready for curl_multi_add_handle; opts and r must
 * outlive it. NULL with out saying why when libcurl refuses an option. */
struct xfer *fetch_attempt_new(const struct fetch_opts *opts, struct req *r, struct outcome *out);

/* Clean up the handle, wipe the body, free. NULL-safe; x must be out of the multi handle. */
void fetch_attempt_free(struct xfer *x);

/* What the finished transfer x came to, libcurl having said code. */
void fetch_attempt_classify(const struct xfer *x, CURLcode code, struct outcome *o);

/* May another attempt pass, after attempts attempts ended like o? */
bool fetch_attempt_retryable(const struct outcome *o, unsigned attempts);

/* Seconds to wait before the next attempt (backoff with jitter, or Retry-After), capped. */
double fetch_attempt_delay(const struct fetch_opts *opt, const struct outcome *o,
                           unsigned attempts);

#endif
