/*
 * crawler/fetch.h — fetching many URLs at once through SOCKS proxies with libcurl multi, for the
 * crawler. Bytes in memory out; no parsing, no database (the caller wires those).
 *
 * Every request goes through its proxy (socks5h:// — the proxy resolves names; nothing is looked up
 * locally) unless the caller passes proxy NULL for a source explicitly configured `via direct`.
 * Only http and https, redirects included (a redirect to file://, ftp:// … fails, class
 * FETCH_ERR_PROTOCOL). TLS is verified. Bodies are capped in the write callback (decompressed) and
 * the progress callback (bytes on the wire): libcurl 7.88's MAXFILESIZE does not stop a transfer in
 * progress. gzip, deflate and br are accepted. Concurrency is capped globally and per host; a host
 * gets a politeness delay between request starts; failures that may pass (timeouts, 5xx, 429,
 * connection errors, Tor circuit failures) are retried with exponential backoff and jitter, honouring
 * Retry-After; conditional GET with ETag / Last-Modified gives FETCH_NOT_MODIFIED on 304.
 */
#ifndef LW_CRAWLER_FETCH_H
#define LW_CRAWLER_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* What went wrong, per request: stable names (fetch_error_name) stored as a source's health. */
enum fetch_error {
    FETCH_ERR_NONE = 0,
    FETCH_ERR_PROXY_UNREACHABLE, /* cannot connect to the SOCKS proxy itself */
    FETCH_ERR_PROXY_REFUSED,     /* SOCKS general failure / not allowed (reply 1, 2) */
    FETCH_ERR_NET_UNREACHABLE,   /* SOCKS 3 */
    FETCH_ERR_HOST_UNREACHABLE,  /* SOCKS 4 (Tor: onion not reachable now) */
    FETCH_ERR_CONN_REFUSED,      /* SOCKS 5, or a direct connection refused */
    FETCH_ERR_TTL_EXPIRED,       /* SOCKS 6 (Tor: circuit/stream timed out) */
    FETCH_ERR_ONION_NOT_FOUND,   /* Tor 0xF0: onion descriptor not found */
    FETCH_ERR_ONION_INVALID,     /* Tor 0xF1: descriptor invalid */
    FETCH_ERR_ONION_INTRO_FAILED, /* Tor 0xF2 */
    FETCH_ERR_ONION_REND_FAILED, /* Tor 0xF3 */
    FETCH_ERR_ONION_AUTH,        /* Tor 0xF4, 0xF5: client authorization missing or wrong */
    FETCH_ERR_BAD_ADDRESS,       /* Tor 0xF6, SOCKS 8, or an onion address failing its checksum */
    FETCH_ERR_ONION_INTRO_TIMEOUT, /* Tor 0xF7 */
    FETCH_ERR_TIMEOUT,           /* connect, total or stalled-body timeout */
    FETCH_ERR_TLS,               /* certificate or handshake */
    FETCH_ERR_PROTOCOL,          /* not http/https (also after a redirect), bad URL */
    FETCH_ERR_TOO_LARGE,         /* a body cap was hit */
    FETCH_ERR_HTTP,              /* an HTTP status >= 400 (http_status says which) */
    FETCH_ERR_RATE_LIMITED,      /* 429 or 503 after the retries */
    FETCH_ERR_OTHER,
    FETCH_ERR_COUNT
};

/* "onion_not_found", "proxy_unreachable", … ; "none" for FETCH_ERR_NONE. Static. */
const char *fetch_error_name(enum fetch_error e);

/* A SOCKS5 reply code (1–8, Tor's 0xF0–0xF7) as a class; FETCH_ERR_OTHER for unknown codes. */
enum fetch_error fetch_error_from_socks(int reply);

struct fetch_opts {
    unsigned max_total;          /* transfers at once (default 16) */
    unsigned max_per_host;       /* per host (default 2) */
    double host_delay;           /* seconds between request starts to one host (default 1.0) */
    double connect_timeout;      /* seconds, including the proxy and Tor circuit (default 60) */
    double total_timeout;        /* seconds per attempt (default 180) */
    double stall_timeout;        /* abort when under 1 byte/s for this long (default 60) */
    size_t max_wire_bytes;       /* compressed bytes per body (default 64 MiB) */
    size_t max_body_bytes;       /* decompressed bytes per body (default 64 MiB) */
    unsigned retries;            /* extra attempts for retryable failures (default 3) */
    double backoff_base;         /* first retry delay, seconds (default 2), doubled each time */
    double backoff_max;          /* ceiling for a delay, incl. Retry-After (default 300) */
    const char *user_agent;      /* default "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0" (Tor Browser's) */
    double deadline;             /* absolute fetch_now() time to stop starting work; 0: none */
};

/* Defaults as documented above. */
void fetch_opts_default(struct fetch_opts *o);

struct fetch_request {
    const char *url;
    const char *proxy;          /* "socks5h://127.0.0.1:9050"; NULL: direct (via direct only) */
    const char *socks_user;     /* SOCKS username for Tor circuit isolation; NULL: none */
    const char *etag;           /* conditional GET; NULL: none */
    const char *last_modified;  /* conditional GET; NULL: none */
    void *user;                 /* the caller's, handed back in the result */
};

struct fetch_result {
    void *user;
    const char *url;            /* as requested */
    const char *effective_url;  /* after redirects */
    long http_status;           /* 0 when no HTTP response */
    bool not_modified;          /* 304 to a conditional GET */
    enum fetch_error error;     /* FETCH_ERR_NONE: body is the 2xx body */
    const char *error_msg;      /* human detail ("" when none); never contains the body */
    const uint8_t *body;        /* decompressed; valid only during the callback */
    size_t body_len;
    const char *etag, *last_modified; /* from the response, or NULL */
    unsigned attempts;
    double seconds;             /* from first start to result */
};

/* Called once per request, with its final result. It may call fetcher_add() (links found on an
 * index page). */
typedef void (*fetch_done_fn)(void *user, const struct fetch_result *res);

struct fetcher;

/* LW_ERR_NET (err says why) when libcurl cannot be initialised. */
enum lw_rc fetcher_new(const struct fetch_opts *opts, fetch_done_fn done, void *user,
                       struct fetcher **out, struct lw_error *err);

/* Queue a request (strings are copied). */
void fetcher_add(struct fetcher *f, const struct fetch_request *req);

/* Run until every request has its result, or the deadline passes (requests not yet started are
 * then dropped and reported with FETCH_ERR_TIMEOUT and attempts 0; running ones are aborted the
 * same way). LW_OK; LW_ERR_NET when libcurl's multi interface itself fails (every request is then
 * reported, err says why). */
enum lw_rc fetcher_run(struct fetcher *f, struct lw_error *err);

/* Abort everything, free. NULL-safe. */
void fetcher_free(struct fetcher *f);

/*
 * Preflight: can a TCP connection be made to the proxy of proxy_url (socks5h://host:port)?
 * LW_OK, or LW_ERR_PROXY with err saying "proxy 127.0.0.1:9050 is unreachable: connection refused".
 * Contacts nothing but the proxy.
 */
enum lw_rc fetch_proxy_check(const char *proxy_url, double timeout, struct lw_error *err);

/* Seconds on a monotonic clock. */
double fetch_now(void);

#endif
