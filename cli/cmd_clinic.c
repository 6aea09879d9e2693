/*
 * cli/cmd_clinic.c — `leakwatch clinic add|set|list|remove|token rotate`: the organisations that
 * leakwatch alerts (storage/clinics.h).
 *
 * add and token rotate print the clinic's API token exactly once: the database keeps only its
 * hash, so a lost token is replaced (rotate), never recovered. On a terminal a sentence says so;
 * otherwise stdout is the token alone on one line, for scripts (TOKEN=$(leakwatch clinic add …)).
 *
 * Validation is storage's (one copy, as for sources): its messages start with the spec member
 * ("webhook_url: …"), renamed here to the option ("--webhook: …") and made a usage error (exit 2).
 * A taken name and an unknown clinic are exit 1. list prints a table or one JSON object per line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/escape.h"
#include "storage/clinics.h"
#include "storage/db.h"

#define CLINICS_MAX 1000000

static void
clinic_help(void)
{
    printf(
        "Usage: leakwatch clinic add NAME [--webhook URL] [--email ADDR] [--region CC]\n"
        "       leakwatch clinic set NAME [--webhook URL|''] [--email ADDR|''] [--region CC|'']\n"
        "       leakwatch clinic list [--json]\n"
        "       leakwatch clinic remove NAME\n"
        "       leakwatch clinic token rotate NAME\n\n"
        "The organisations leakwatch alerts when their patients' or staff's identifiers turn up in\n"
        "a leak. A clinic enrolls its identifiers blindly ('leakwatch enroll'), so leakwatch never\n"
        "learns them; alerts name only the clinic's own record references.\n\n"
        "  add            create a clinic and print its API token ONCE (only a hash is stored:\n"
        "                 a lost token cannot be shown again, only replaced with 'token rotate')\n"
        "  set            change settings; '' clears the webhook, e-mail or region\n"
        "  list           name, region, webhook, e-mail, watchlist rows, keywords, alerts, OPRF\n"
        "                 evaluations and creation time; --json: one object per line\n"
        "  remove         delete the clinic with its watchlist, keywords and alerts\n"
        "  token rotate   print a new API token; the old one stops working at once\n\n"
        "Options:\n"
        "  NAME           1-100 of A-Z a-z 0-9 . _ -, starting with a letter or digit\n"
        "  --webhook URL  where alerts are POSTed (http:// or https://, no user:password@),\n"
        "                 signed with Ed25519 ('leakwatch key show --public' prints the key).\n"
        "                 Webhooks go DIRECTLY to the clinic's server from this host, not\n"
        "                 through Tor: the alert holds no leaked data, only the clinic's refs.\n"
        "  --email ADDR   where alerts are mailed (LEAKWATCH_SMTP_URL must be set for\n"
        "                 'leakwatch alerts deliver')\n"
        "  --region CC    default phone region for the clinic's enrollment (ISO 3166, e.g. FI)\n\n"
        "When stdout is not a terminal, add and token rotate print the token alone on one line.\n\n"
        "Exit status: 0 ok, 1 the name is taken (add) or there is no such clinic, 2 usage error\n"
        "or a bad option value (the message names the option), 4 database unavailable.\n");
}

/* storage's "member: why" as "--option: why", a usage error. */
static enum lw_rc
invalid_spec(struct lw_error *err)
{
    static const char *const names[][2] = {
        {"name", "NAME"}, {"webhook_url", "--webhook"}, {"email", "--email"},
        {"region", "--region"},
    };
    char msg[LW_ERROR_MSG_MAX];
    const char *colon = strchr(err->msg, ':');
    size_t n = colon != NULL ? (size_t)(colon - err->msg) : 0;

    snprintf(msg, sizeof(msg), "%s", err->msg);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (n == strlen(names[i][0]) && strncmp(msg, names[i][0], n) == 0) {
            return cli_usage_error(err, "clinic", "%s%s", names[i][1], msg + n);
        }
    }
    return cli_usage_error(err, "clinic", "%s", msg);
}

/* ---- add and set ---- */

/* LW_ERR_NOT_FOUND: --help was shown. */
static enum lw_rc
parse_spec(int argc, char **argv, const char *what, struct clinic_spec *s, char region[3],
           struct lw_error *err)
{
    static const struct option opts[] = {
        {"webhook", required_argument, NULL, 'w'}, {"email", required_argument, NULL, 'e'},
        {"region", required_argument, NULL, 'r'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': s->webhook_url = optarg; break;
        case 'e': s->email = optarg; break;
        case 'r':
            s->region = optarg;
            if (strlen(optarg) == 2 && lw_ascii_is_alpha(optarg[0]) &&
                lw_ascii_is_alpha(optarg[1])) {
                region[0] = lw_ascii_upper(optarg[0]);
                region[1] = lw_ascii_upper(optarg[1]);
                region[2] = '\0';
                s->region = region;
            }
            break;
        case 'h': clinic_help(); return LW_ERR_NOT_FOUND;
        default: return cli_usage_error(err, "clinic", "bad option for clinic %s", what);
        }
    }
    if (optind >= argc) {
        return cli_usage_error(err, "clinic", "name the clinic: clinic %s NAME", what);
    }
    if (optind + 1 < argc) {
        return cli_usage_error(err, "clinic", "one NAME only (unexpected '%s')", argv[optind + 1]);
    }
    s->name = argv[optind];
    return LW_OK;
}

static enum lw_rc
run_add(int argc, char **argv, struct lw_error *err)
{
    struct clinic_spec s = {0};
    struct db *db = NULL;
    char region[3] = "", token[CLINIC_TOKEN_LEN + 1];
    enum lw_rc rc = parse_spec(argc, argv, "add", &s, region, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = clinics_add(db, &s, token, err);
        if (rc == LW_ERR_INVALID) {
            rc = invalid_spec(err);
        }
    }
    if (rc == LW_OK) {
        cli_print_token("clinic", "Added", s.name, token);
    }
    lw_wipe(token, sizeof(token));
    db_close(db);
    return rc;
}

static enum lw_rc
run_set(int argc, char **argv, struct lw_error *err)
{
    struct clinic_spec s = {0};
    struct db *db = NULL;
    char region[3] = "", name[4 * CLINIC_NAME_MAX + 1];
    enum lw_rc rc = parse_spec(argc, argv, "set", &s, region, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK && s.webhook_url == NULL && s.email == NULL && s.region == NULL) {
        rc = cli_usage_error(err, "clinic", "clinic set: give --webhook, --email or --region");
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = clinics_update(db, &s, err);
        if (rc == LW_ERR_INVALID) {
            rc = invalid_spec(err);
        }
    }
    if (rc == LW_OK) {
        cli_text(s.name, name, sizeof(name));
        printf("updated clinic %s\n", name);
    }
    db_close(db);
    return rc;
}

/* ---- list ---- */

struct clinic_rows {
    struct clinic *v;
    size_t n, cap;
};

static int
collect(void *user, const struct clinic *c)
{
    struct clinic_rows *r = user;

    if (r->n >= CLINICS_MAX) {
        return 1;
    }
    r->v = lw_xgrowarray(r->v, &r->cap, r->n + 1, CLINICS_MAX, sizeof(*r->v));
    r->v[r->n++] = *c;
    return 0;
}

static void
json_str(struct lw_buf *b, const char *key, const char *v)
{
    lw_buf_printf(b, ",\"%s\":", key);
    if (v[0] == '\0') {
        lw_buf_append_str(b, "null");
        return;
    }
    lw_buf_append_byte(b, '"');
    lw_escape(b, lw_slice_cstr(v), LW_ESCAPE_JSON);
    lw_buf_append_byte(b, '"');
}

static void
print_json(const struct clinic *c)
{
    struct lw_buf b;

    lw_buf_init(&b, 64 * 1024);
    lw_buf_append_str(&b, "{\"name\":\"");
    lw_escape(&b, lw_slice_cstr(c->name), LW_ESCAPE_JSON);
    lw_buf_append_byte(&b, '"');
    json_str(&b, "region", c->region);
    json_str(&b, "webhook", c->webhook_url);
    json_str(&b, "email", c->email);
    lw_buf_printf(&b, ",\"watchlist_rows\":%llu,\"keywords\":%llu,\"alerts\":%llu,"
                      "\"oprf_evaluations\":%llu",
                  (unsigned long long)c->watch_rows, (unsigned long long)c->keywords,
                  (unsigned long long)c->alerts, (unsigned long long)c->oprf_evaluations);
    json_str(&b, "created", c->created_at);
    lw_buf_append_str(&b, "}\n");
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

static void
print_table(const struct clinic_rows *r)
{
    if (r->n == 0) {
        printf("no clinics (add one with 'leakwatch clinic add NAME')\n");
        return;
    }
    printf("%-20s  %-6s  %-40s  %-30s  %9s  %8s  %6s  %10s  %s\n", "NAME", "REGION", "WEBHOOK",
           "EMAIL", "WATCHLIST", "KEYWORDS", "ALERTS", "OPRF EVALS", "CREATED");
    for (size_t i = 0; i < r->n; i++) {
        const struct clinic *c = &r->v[i];
        char name[4 * CLINIC_NAME_MAX + 1], hook[4 * 256], mail[4 * CLINIC_EMAIL_MAX + 1];

        cli_text(c->name, name, sizeof(name));
        cli_text(c->webhook_url[0] != '\0' ? c->webhook_url : "-", hook, sizeof(hook));
        cli_text(c->email[0] != '\0' ? c->email : "-", mail, sizeof(mail));
        printf("%-20s  %-6s  %-40s  %-30s  %9llu  %8llu  %6llu  %10llu  %s\n", name,
               c->region[0] != '\0' ? c->region : "-", hook, mail,
               (unsigned long long)c->watch_rows, (unsigned long long)c->keywords,
               (unsigned long long)c->alerts, (unsigned long long)c->oprf_evaluations,
               c->created_at);
    }
}

static enum lw_rc
run_list(int argc, char **argv, struct lw_error *err)
{
    struct clinic_rows r = {0};
    struct db *db = NULL;
    bool json = false, helped = false;
    enum lw_rc rc = cli_list_args(argc, argv, "clinic", clinic_help, &json, &helped, err);

    if (rc != LW_OK || helped) {
        return rc;
    }
    rc = cli_connect(&db, err);
    if (rc == LW_OK) {
        rc = clinics_list(db, collect, &r, err);
    }
    for (size_t i = 0; rc == LW_OK && json && i < r.n; i++) {
        print_json(&r.v[i]);
    }
    if (rc == LW_OK && !json) {
        print_table(&r);
    }
    free(r.v);
    db_close(db);
    return rc;
}

/* ---- remove and token rotate: NAME alone ---- */

static enum lw_rc
run_remove(int argc, char **argv, struct lw_error *err)
{
    struct db *db = NULL;
    const char *name = NULL;
    char text[4 * CLINIC_NAME_MAX + 1];
    enum lw_rc rc = cli_name_arg(argc, argv, "clinic", "remove", clinic_help, &name, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = clinics_remove(db, name, err);
    }
    if (rc == LW_OK) {
        cli_text(name, text, sizeof(text));
        printf("removed clinic %s (its watchlist, keywords and alerts with it)\n", text);
    }
    db_close(db);
    return rc;
}

static enum lw_rc
run_rotate(int argc, char **argv, struct lw_error *err)
{
    struct db *db = NULL;
    const char *name = NULL;
    char token[CLINIC_TOKEN_LEN + 1];
    enum lw_rc rc;

    if (argc < 2 || strcmp(argv[1], "rotate") != 0) {
        return cli_usage_error(err, "clinic", "clinic token rotate NAME");
    }
    rc = cli_name_arg(argc - 1, argv + 1, "clinic", "token rotate", clinic_help, &name, err);
    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = clinics_rotate_token(db, name, token, err);
    }
    if (rc == LW_OK) {
        cli_print_token("clinic", "New token for", name, token);
    }
    lw_wipe(token, sizeof(token));
    db_close(db);
    return rc;
}

static enum lw_rc
clinic_run(int argc, char **argv, struct lw_error *err)
{
    static const struct {
        const char *name;
        enum lw_rc (*run)(int, char **, struct lw_error *);
    } subs[] = {
        {"add", run_add},       {"set", run_set},       {"list", run_list},
        {"remove", run_remove}, {"token", run_rotate},
    };
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (sub == NULL) {
        return cli_usage_error(err, "clinic", "name a subcommand: add, set, list, remove or "
                               "token rotate");
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        clinic_help();
        return LW_OK;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(sub, subs[i].name) == 0) {
            return subs[i].run(argc - 1, argv + 1, err);
        }
    }
    return cli_usage_error(err, "clinic", "unknown subcommand '%s' (add, set, list, remove or "
                           "token rotate)", sub);
}

const struct cli_command cmd_clinic = {
    .name = "clinic",
    .summary = "add, change, list or remove clinics; rotate a clinic's API token",
    .run = clinic_run,
    .help = clinic_help,
};
