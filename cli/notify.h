/*
 * cli/notify.h — sending one claimed alert (storage/alerts.h) to a clinic: a signed webhook POST
 * or an e-mail over SMTP, both with libcurl; and the readable text of an alert that `alerts list`
 * and the e-mail body share.
 *
 * The caller (cli/cmd_alerts.c) claims outbox rows, calls notify_webhook() or notify_email() for
 * each and records the result with alerts_record(). Nothing here touches the database or logs.
 */
#ifndef LW_CLI_NOTIFY_H
#define LW_CLI_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"
#include "common/error.h"
#include "storage/alerts.h"
#include "storage/keyfile.h"

#define NOTIFY_CONNECT_TIMEOUT_S 10
#define NOTIFY_TIMEOUT_DEFAULT_S 30
#define NOTIFY_RESPONSE_MAX (64 * 1024)   /* response body bytes read (then discarded) */
#define NOTIFY_SIGNATURE_MAX 100          /* "ed25519=" + 88 base64 characters + NUL */
#define NOTIFY_ERROR_MAX 32

/* Delivery settings: the environment (notify_config_from_env) and deliver's options. */
struct notify_config {
    char *ca_file;       /* LEAKWATCH_CA_FILE, or NULL: the system's CAs */
    long timeout_ms;     /* total time for one attempt */
    char *smtp_url;      /* LEAKWATCH_SMTP_URL (smtp:// or smtps://), or NULL: no e-mail */
    char *smtp_from;     /* LEAKWATCH_SMTP_FROM, else leakwatch@<hostname> */
    char *smtp_user;     /* LEAKWATCH_SMTP_USER, or NULL */
    char *smtp_password; /* first line of LEAKWATCH_SMTP_PASSWORD_FILE, or NULL; wiped on free */
};

/*
 * Read the settings from the environment into *c (zeroed first; timeout_ms set to the default).
 * LW_ERR_CONFIG naming the variable for a bad value (an SMTP URL that is not smtp:// or smtps://,
 * an unreadable password file, a From address with spaces or line breaks). Free with
 * notify_config_free, also after a failure.
 */
enum lw_rc notify_config_from_env(struct notify_config *c, struct lw_error *err);
void notify_config_free(struct notify_config *c);

/* What one attempt came to, for alerts_record. */
struct notify_result {
    bool ok;
    int status;                   /* HTTP or SMTP reply code, 0 if none came */
    char error[NOTIFY_ERROR_MAX]; /* "" when ok; else http_NNN, smtp_NNN, connect, timeout, tls,
                                     dns, other */
};

/*
 * The X-Leakwatch-Signature value for a body sent at timestamp (decimal unix seconds):
 * "ed25519=" and the standard base64 of the Ed25519 signature of "<timestamp>.<body>".
 */
void notify_sign(const struct keyfile *kf, const char *timestamp, const char *body, size_t len,
                 char out[NOTIFY_SIGNATURE_MAX]);

/*
 * POST d->json to d->target (http/https only, no redirects, TLS verified, no proxy, at most
 * NOTIFY_RESPONSE_MAX response bytes read) with the alert id, idempotency key, timestamp (now) and
 * signature headers. Success is a 2xx answer.
 */
void notify_webhook(const struct notify_config *c, const struct keyfile *kf,
                    const struct alert_delivery *d, time_t now, struct notify_result *r);

/*
 * The e-mail for d (RFC 5322, CRLF line endings, headers and body built from d->json with
 * untrusted text stripped of control characters). LW_ERR_INVALID if d->json is not an alert.
 */
enum lw_rc notify_email_message(const struct notify_config *c, const struct alert_delivery *d,
                                time_t now, struct lw_buf *out, struct lw_error *err);

/* Send d by SMTP (c->smtp_url must be set): STARTTLS when offered (smtp://), TLS (smtps://). */
void notify_email(const struct notify_config *c, const struct alert_delivery *d, time_t now,
                  struct notify_result *r);

/*
 * The readable block `alerts list` prints for one alert JSON (with "delivery" when present), every
 * untrusted string escaped to one line. LW_ERR_INVALID if json is not an alert.
 */
enum lw_rc notify_alert_block(const char *json, struct lw_buf *out, struct lw_error *err);

#endif
