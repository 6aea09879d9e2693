/*
 * cli/cmd_alerts.c — `leakwatch alerts list|deliver`: the alerts matching created, and sending
 * them to the clinics (storage/alerts.h, cli/notify.h).
 *
 * list prints each alert's JSON (one object per line, with its delivery states) or a readable
 * block per alert; the JSON is PostgreSQL's, the same the webhook and the API carry.
 *
 * deliver is for cron, and safe to run concurrently on several hosts: it claims due outbox rows in
 * small batches (FOR UPDATE SKIP LOCKED with a lease, so two runs never hold the same row), sends
 * each one, and records every attempt — the storage layer then marks the row delivered, schedules
 * the next try (retry base · 2^attempts, capped) or gives up 24 h after the alert. It stops when a
 * claim comes back short of a full batch (nothing else is due, or other runs hold the rest) or at
 * --max rows. A receiver that fails is not an error of the run (exit 0): it is recorded and
 * retried. E-mail rows while LEAKWATCH_SMTP_URL is unset are not attempted: they stay pending
 * (their lease runs out and a later run with SMTP configured sends them), with one warning.
 *
 * Rejected: sending a batch in parallel. Each attempt is bounded by --timeout, cron's next run
 * picks up what one run did not reach, and sequential sends keep "at most one run per row at a
 * time" visible in the code.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/notify.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/num.h"
#include "storage/alerts.h"
#include "storage/clinics.h"
#include "storage/db.h"
#include "storage/keyfile.h"

#define BATCH 32
#define MAX_LIMIT 100000000ULL
#define RETRY_BASE_MAX 86400
#define TIMEOUT_MAX 3600

static void
alerts_help(void)
{
    printf(
        "Usage: leakwatch alerts list [--clinic NAME] [--json] [--since SEQ]\n"
        "       leakwatch alerts deliver [--max N] [--retry-base DURATION] [--timeout DURATION]\n\n"
        "An alert is created when a stored document holds identifiers a clinic enrolled, or names\n"
        "the clinic (its keywords): one per clinic and document. It names the clinic's own refs,\n"
        "the kinds of identifier found and what else was in those records — never a leaked value.\n\n"
        "  list            every alert, oldest first: sequence number, clinic, source, document,\n"
        "                  first seen, per match 'ref  kind  flags', mentions, delivery state\n"
        "    --clinic NAME   only this clinic's\n"
        "    --since SEQ     only alerts after sequence number SEQ\n"
        "    --json          one JSON object per alert and line (the webhook's body, plus\n"
        "                    \"delivery\")\n"
        "  deliver         send due alerts: a signed webhook POST and/or an e-mail per clinic;\n"
        "                  run it from cron (several at once are safe: each alert is sent once)\n"
        "    --max N           stop after N deliveries\n"
        "    --retry-base D    first retry after D (default 60s), doubling each time up to 2h\n"
        "                      apart; after 24 h an alert that never got through is 'failed'\n"
        "    --timeout D       per attempt (default 30s; connecting: at most 10s)\n\n"
        "Webhook: POST of the alert JSON with Content-Type: application/json and the headers\n"
        "  X-Leakwatch-Alert-Id, Idempotency-Key   the alert id (the same on every retry)\n"
        "  X-Leakwatch-Timestamp                   unix seconds\n"
        "  X-Leakwatch-Signature                   ed25519=BASE64 over \"TIMESTAMP.BODY\"\n"
        "Check it with 'leakwatch verify' or any libsodium binding against the key 'leakwatch key\n"
        "show --public' prints. Success is a 2xx answer; redirects are not followed. Webhooks go\n"
        "DIRECTLY to the clinic's server from this host, not through Tor (they carry no leaked\n"
        "data); no proxy settings apply; TLS is verified.\n\n"
        "E-mail settings (environment):\n"
        "  LEAKWATCH_SMTP_URL            smtp://HOST:PORT (STARTTLS when offered) or\n"
        "                                smtps://HOST:PORT; without it e-mail alerts stay pending\n"
        "  LEAKWATCH_SMTP_FROM           sender address (default leakwatch@HOSTNAME)\n"
        "  LEAKWATCH_SMTP_USER           login, with LEAKWATCH_SMTP_PASSWORD_FILE: a file whose\n"
        "                                first line is the password\n"
        "  LEAKWATCH_CA_FILE             CA certificates for a private CA (webhooks and SMTP)\n\n"
        "deliver prints nothing when nothing was due, else one line: delivered N, failed N (will\n"
        "retry), gave up N.\n\n"
        "Exit status: 0 ok (also when a receiver failed: that is retried), 1 no such clinic,\n"
        "2 usage or configuration error, 4 database unavailable.\n");
}

/* ---- list ---- */

struct list_state {
    bool json;
    enum lw_rc rc;
    struct lw_error *err;
    size_t shown;
};

static int
print_alert(void *user, int64_t seq, const char *json)
{
    struct list_state *s = user;
    struct lw_buf b;

    (void)seq;
    if (s->json) {
        printf("%s\n", json);
        return 0;
    }
    lw_buf_init(&b, 64u * 1024 * 1024);
    s->rc = notify_alert_block(json, &b, s->err);
    if (s->rc == LW_OK) {
        printf("%s%s", s->shown > 0 ? "\n" : "", b.data);
        s->shown++;
    }
    lw_buf_free(&b);
    return s->rc != LW_OK;
}

static enum lw_rc
run_list(int argc, char **argv, struct lw_error *err)
{
    static const struct option opts[] = {
        {"clinic", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
        {"since", required_argument, NULL, 's'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct alerts_filter f = {.delivery = true};
    struct list_state s = {.err = err, .rc = LW_OK};
    const char *clinic = NULL;
    struct clinic c = {0};
    struct db *db = NULL;
    enum lw_rc rc;
    int o;

    optind = 0;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'c': clinic = optarg; break;
        case 'j': s.json = true; break;
        case 's':
            if (lw_parse_i64(lw_slice_cstr(optarg), 0, INT64_MAX, &f.since_seq) != LW_OK) {
                return cli_usage_error(err, "alerts", "--since: a sequence number (0 or more)");
            }
            break;
        case 'h': alerts_help(); return LW_OK;
        default: return cli_usage_error(err, "alerts", "bad option for alerts list");
        }
    }
    if (optind < argc) {
        return cli_usage_error(err, "alerts", "alerts list takes no arguments");
    }
    rc = cli_connect(&db, err);
    if (rc == LW_OK && clinic != NULL) {
        rc = clinics_get(db, clinic, &c, err);
        f.clinic_id = c.id;
    }
    if (rc == LW_OK) {
        rc = alerts_each_json(db, &f, print_alert, &s, err);
    }
    if (rc == LW_OK) {
        rc = s.rc;
    }
    db_close(db);
    return rc;
}

/* ---- deliver ---- */

struct deliver_opts {
    uint64_t max;        /* 0: no limit */
    unsigned retry_base; /* seconds */
    struct notify_config cfg;
};

struct deliver_run {
    struct db *db;
    struct keyfile *kf;
    const struct deliver_opts *o;
    char worker[300];
    uint64_t done, delivered, retrying, gave_up;
    bool warned_smtp;
};

static enum lw_rc
parse_deliver(int argc, char **argv, struct deliver_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"max", required_argument, NULL, 'm'}, {"retry-base", required_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t v = 0;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (lw_parse_u64(lw_slice_cstr(optarg), 1, MAX_LIMIT, &o->max) != LW_OK) {
                return cli_usage_error(err, "alerts", "--max: a number of deliveries, 1 or more");
            }
            break;
        case 'r':
            if (lw_parse_duration(lw_slice_cstr(optarg), RETRY_BASE_MAX, &v) != LW_OK || v == 0) {
                return cli_usage_error(err, "alerts", "--retry-base: a duration from 1s to 1d, "
                                       "such as 60s or 5m");
            }
            o->retry_base = (unsigned)v;
            break;
        case 't':
            if (lw_parse_duration(lw_slice_cstr(optarg), TIMEOUT_MAX, &v) != LW_OK || v == 0) {
                return cli_usage_error(err, "alerts", "--timeout: a duration from 1s to 1h, "
                                       "such as 30s");
            }
            o->cfg.timeout_ms = (long)v * 1000L;
            break;
        case 'h': alerts_help(); return LW_ERR_NOT_FOUND;
        default: return cli_usage_error(err, "alerts", "bad option for alerts deliver");
        }
    }
    if (optind < argc) {
        return cli_usage_error(err, "alerts", "alerts deliver takes no arguments");
    }
    return LW_OK;
}

/* One claimed row: send (unless it is e-mail without SMTP settings) and record. */
static enum lw_rc
deliver_one(struct deliver_run *r, const struct alert_delivery *d, struct lw_error *err)
{
    struct notify_result res;
    const char *state = NULL;
    bool hook = strcmp(d->channel, "webhook") == 0;
    enum lw_rc rc;

    if (!hook && r->o->cfg.smtp_url == NULL) {
        if (!r->warned_smtp) {
            lw_warn("alerts", "e-mail alerts are due but LEAKWATCH_SMTP_URL is not set: they stay "
                    "pending");
            r->warned_smtp = true;
        }
        return LW_OK;
    }
    if (hook) {
        notify_webhook(&r->o->cfg, r->kf, d, time(NULL), &res);
    } else {
        notify_email(&r->o->cfg, d, time(NULL), &res);
    }
    rc = alerts_record(r->db, d, res.ok, res.status, res.ok ? NULL : res.error, r->o->retry_base,
                       &state, err);
    if (rc != LW_OK) {
        return rc;
    }
    r->done++;
    if (res.ok) {
        r->delivered++;
    } else if (state != NULL && strcmp(state, "failed") == 0) {
        r->gave_up++;
    } else {
        r->retrying++;
    }
    if (!res.ok) {
        lw_info("alerts", "alert %s (%s) by %s: %s, attempt %u", d->id, d->clinic, d->channel,
                res.error, d->attempts + 1);
    }
    return LW_OK;
}

static enum lw_rc
deliver_loop(struct deliver_run *r, struct lw_error *err)
{
    enum lw_rc rc = LW_OK;
    bool more = true;

    while (rc == LW_OK && more) {
        struct alert_delivery *rows = NULL;
        size_t n = 0, want = BATCH;

        if (r->o->max > 0 && r->o->max - r->done < want) {
            want = (size_t)(r->o->max - r->done);
        }
        rc = alerts_claim(r->db, r->worker, want, &rows, &n, err);
        for (size_t i = 0; rc == LW_OK && i < n; i++) {
            rc = deliver_one(r, &rows[i], err);
        }
        alerts_deliveries_free(rows, n);
        more = n == want && (r->o->max == 0 || r->done < r->o->max);
    }
    return rc;
}

static enum lw_rc
run_deliver(int argc, char **argv, struct lw_error *err)
{
    struct deliver_opts o = {.retry_base = 60};
    struct deliver_run r = {.o = &o};
    char host[256] = "";
    enum lw_rc rc = notify_config_from_env(&o.cfg, err);

    if (rc == LW_OK) {
        rc = parse_deliver(argc, argv, &o, err);
    }
    if (rc == LW_OK) {
        rc = keyfile_load(keyfile_default_path(), &r.kf, err);
    }
    if (rc == LW_OK) {
        rc = cli_connect(&r.db, err);
    }
    if (rc == LW_OK) {
        if (gethostname(host, sizeof(host) - 1) != 0) {
            snprintf(host, sizeof(host), "localhost");
        }
        snprintf(r.worker, sizeof(r.worker), "%s:%ld", host, (long)getpid());
        rc = deliver_loop(&r, err);
    }
    if (r.done > 0) {
        printf("delivered %llu, failed %llu (will retry), gave up %llu\n",
               (unsigned long long)r.delivered, (unsigned long long)r.retrying,
               (unsigned long long)r.gave_up);
    }
    db_close(r.db);
    keyfile_free(r.kf);
    notify_config_free(&o.cfg);
    return rc == LW_ERR_NOT_FOUND ? LW_OK : rc;
}

static enum lw_rc
alerts_run(int argc, char **argv, struct lw_error *err)
{
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (sub == NULL) {
        return cli_usage_error(err, "alerts", "name a subcommand: list or deliver");
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        alerts_help();
        return LW_OK;
    }
    if (strcmp(sub, "list") == 0) {
        return run_list(argc - 1, argv + 1, err);
    }
    if (strcmp(sub, "deliver") == 0) {
        return run_deliver(argc - 1, argv + 1, err);
    }
    return cli_usage_error(err, "alerts", "unknown subcommand '%s' (list or deliver)", sub);
}

const struct cli_command cmd_alerts = {
    .name = "alerts",
    .summary = "list alerts; deliver them by signed webhook and e-mail",
    .run = alerts_run,
    .help = alerts_help,
};
