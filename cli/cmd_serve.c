/*
 * cli/cmd_serve.c — `leakwatch serve`: the HTTP API for clinics (api/README.md).
 *
 * Wiring only: options, a first database connection to fail early (exit 4) and check the schema,
 * the key file (exit 2 when its permissions are wrong), then the server (api/server.h) and a wait
 * for SIGTERM/SIGINT. The signals are blocked before the server's threads exist, so they inherit
 * the mask and only this thread's sigwait ever sees them — no handler, nothing async-signal-unsafe.
 * The alternative rejected: a handler setting a flag polled by a loop, which wakes up for nothing
 * and races with the threads' own signal dispositions.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api/server.h"
#include "cli/cli.h"
#include "common/log.h"
#include "common/num.h"
#include "storage/db.h"
#include "storage/keyfile.h"
#include "storage/migrate.h"
#include "storage/oprf.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 8080
#define DEFAULT_THREADS 8
#define DEFAULT_MAX_CONNECTIONS 256
#define CONNECTION_TIMEOUT_S 60
#define DRAIN_S 10

struct serve_opts {
    char host[64];
    uint16_t port;
    unsigned threads, max_connections;
    struct clinics_rate rate;
    bool burst_set;
};

static void
serve_help(void)
{
    printf("Usage: leakwatch serve [--listen HOST:PORT] [--threads N] [--oprf-rate N/h]\n"
           "                       [--oprf-burst N] [--max-connections N]\n\n"
           "The HTTP API for clinics (api/README.md): blind evaluation for enrollment\n"
           "(POST /v1/oprf/evaluate), watchlist upload (PUT/DELETE/GET /v1/watchlist), alerts\n"
           "(GET /v1/alerts), GET /healthz and GET /metrics. Clinics authenticate with the token\n"
           "'leakwatch clinic add' printed. Prints 'listening on http://HOST:PORT' when ready.\n\n"
           "  --listen HOST:PORT    address to bind (default %s:%d; port 0 picks a free one;\n"
           "                        IPv6 as [::1]:8080). Anything but loopback needs TLS in\n"
           "                        front (a reverse proxy): the API itself speaks plain HTTP.\n"
           "  --threads N           worker threads, and database connections at most (default %d)\n"
           "  --oprf-rate N/h       blinded elements a clinic may have evaluated per hour\n"
           "                        (default %.0f/h); over it: 429 with Retry-After\n"
           "  --oprf-burst N        elements at once when the budget is full (default: the rate)\n"
           "  --max-connections N   open connections at most (default %d)\n\n"
           "Settings: the database as for every command (LEAKWATCH_DB or the libpq environment),\n"
           "the key file LEAKWATCH_KEY_FILE (default %s). SIGTERM or SIGINT: stop\n"
           "accepting, finish the requests in flight (up to %d s), exit 0. -v logs one line per\n"
           "request (method, route, status, time; never bodies or tokens).\n\n"
           "Exit status: 0 stopped by a signal, 1 failure, 2 usage or configuration error (key\n"
           "file permissions, address in use), 4 database unavailable at start.\n",
           DEFAULT_HOST, DEFAULT_PORT, DEFAULT_THREADS, CLINICS_RATE_PER_HOUR_DEFAULT,
           DEFAULT_MAX_CONNECTIONS, KEYFILE_DEFAULT_PATH, DRAIN_S);
}

/* HOST:PORT, [V6]:PORT. */
static enum lw_rc
parse_listen(const char *s, struct serve_opts *o, struct lw_error *err)
{
    const char *colon = strrchr(s, ':');
    const char *host = s;
    size_t hlen;
    uint64_t port;

    if (colon == NULL ||
        lw_parse_u64(lw_slice_cstr(colon + 1), 0, 65535, &port) != LW_OK) {
        return cli_usage_error(err, "serve", "--listen takes HOST:PORT (port 0-65535)");
    }
    hlen = (size_t)(colon - s);
    if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
        host = s + 1;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof(o->host)) {
        return cli_usage_error(err, "serve", "--listen takes HOST:PORT");
    }
    memcpy(o->host, host, hlen);
    o->host[hlen] = '\0';
    o->port = (uint16_t)port;
    return LW_OK;
}

/* N/h (or N: per hour). */
static enum lw_rc
parse_rate(const char *s, struct serve_opts *o, struct lw_error *err)
{
    struct lw_slice head, tail = lw_slice_split(lw_slice_cstr(s), '/', &head);
    uint64_t v;

    if ((tail.p != NULL && !lw_slice_eq(tail, LW_SLICE_LIT("h"))) ||
        lw_parse_u64(head, 1, 1000000000, &v) != LW_OK) {
        return cli_usage_error(err, "serve", "--oprf-rate takes N/h (N from 1 to 10^9)");
    }
    o->rate.per_hour = (double)v;
    return LW_OK;
}

static enum lw_rc
parse_count(const char *s, const char *opt, uint64_t max, unsigned *out, struct lw_error *err)
{
    uint64_t v;

    if (lw_parse_u64(lw_slice_cstr(s), 1, max, &v) != LW_OK) {
        return cli_usage_error(err, "serve", "%s takes a number from 1 to %llu", opt,
                               (unsigned long long)max);
    }
    *out = (unsigned)v;
    return LW_OK;
}

static enum lw_rc
parse_opts(int argc, char **argv, struct serve_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},     {"threads", required_argument, NULL, 't'},
        {"oprf-rate", required_argument, NULL, 'r'},  {"oprf-burst", required_argument, NULL, 'b'},
        {"max-connections", required_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum lw_rc rc = LW_OK;
    unsigned burst = 0;
    int c;

    while (rc == LW_OK && (c = getopt_long(argc, argv, "l:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': rc = parse_listen(optarg, o, err); break;
        case 't': rc = parse_count(optarg, "--threads", 256, &o->threads, err); break;
        case 'r': rc = parse_rate(optarg, o, err); break;
        case 'b':
            rc = parse_count(optarg, "--oprf-burst", 1000000000, &burst, err);
            o->rate.burst = burst;
            o->burst_set = true;
            break;
        case 'm': rc = parse_count(optarg, "--max-connections", 100000, &o->max_connections, err); break;
        case 'h': serve_help(); return LW_ERR_NOT_FOUND;
        default: return cli_usage_error(err, "serve", "bad option");
        }
    }
    if (rc == LW_OK && optind < argc) {
        return cli_usage_error(err, "serve", "unexpected argument '%s'", argv[optind]);
    }
    if (!o->burst_set) {
        o->rate.burst = o->rate.per_hour;
    }
    return rc;
}

/* Database reachable and at this binary's schema, and the key loaded. */
static enum lw_rc
preflight(struct keyfile **kf, struct lw_error *err)
{
    struct db *db = NULL;
    enum lw_rc rc = oprf_init();

    if (rc != LW_OK) {
        return lw_error_set(err, rc, "libsodium could not be initialised");
    }
    rc = db_connect(&db, err);
    if (rc == LW_OK) {
        rc = migrate_require(db, err);
    }
    db_close(db);
    if (rc == LW_OK) {
        rc = keyfile_load(keyfile_default_path(), kf, err);
    }
    return rc;
}

static bool
loopback(const char *host)
{
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "::1") == 0;
}

static enum lw_rc
serve_run(int argc, char **argv, struct lw_error *err)
{
    struct serve_opts o = {.host = DEFAULT_HOST, .port = DEFAULT_PORT, .threads = DEFAULT_THREADS,
                           .max_connections = DEFAULT_MAX_CONNECTIONS,
                           .rate = {CLINICS_RATE_PER_HOUR_DEFAULT, CLINICS_RATE_BURST_DEFAULT}};
    struct api_server_config cfg = {0};
    struct api_server *srv = NULL;
    struct keyfile *kf = NULL;
    sigset_t set;
    int sig = 0;
    enum lw_rc rc = parse_opts(argc, argv, &o, err);

    if (rc != LW_OK) {
        return rc == LW_ERR_NOT_FOUND ? LW_OK : rc;
    }
    if ((rc = preflight(&kf, err)) != LW_OK) {
        goto out;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread: they all inherit it */
    cfg = (struct api_server_config){.host = o.host, .port = o.port, .threads = o.threads,
                                     .max_connections = o.max_connections,
                                     .timeout_s = CONNECTION_TIMEOUT_S, .rate = o.rate, .key = kf};
    if ((rc = api_server_start(&cfg, &srv, err)) != LW_OK) {
        rc = rc == LW_ERR_IO ? LW_ERR_CONFIG : rc;
        goto out;
    }
    if (!loopback(o.host)) {
        lw_warn("serve", "listening on %s, not loopback: terminate TLS in front of leakwatch "
                "(a reverse proxy); the API speaks plain HTTP", o.host);
    }
    printf(strchr(o.host, ':') != NULL ? "listening on http://[%s]:%u\n"
                                        : "listening on http://%s:%u\n",
           o.host, (unsigned)api_server_port(srv));
    fflush(stdout);
    sigwait(&set, &sig);
    lw_info("serve", "signal %d: stopping", sig);
    api_server_stop(srv, DRAIN_S);
out:
    keyfile_free(kf);
    return rc;
}

const struct cli_command cmd_serve = {
    .name = "serve",
    .summary = "the HTTP API for clinics (blind enrollment, watchlists, alerts)",
    .run = serve_run,
    .help = serve_help,
};
