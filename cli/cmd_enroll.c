/*
 * cli/cmd_enroll.c — `leakwatch enroll`: put a clinic's identifiers on its watchlist.
 *
 * The clinic's own export (CSV/TSV/JSON Lines) is read by cli/enroll_read.c into OPRF inputs
 * (kind ‖ 0x00 ‖ normalised value, the ingest encoding) with a ref per row. Two modes give the
 * same stored rows:
 *   - direct (no --server), on the operator's host: the key file evaluates each input
 *     (oprf_evaluate), the database takes the rows (watchlist_put);
 *   - server (--server URL): never touches the database or the key; inputs are blinded, evaluated
 *     by `leakwatch serve` in batches, finalised here and uploaded (cli/enroll_http.c). The
 *     plaintext never leaves the machine.
 * Rows are de-duplicated by (hash, ref) before the upload. The summary holds counts, column names
 * and kinds — never a value.
 *
 * The token comes from --token or, better (ps shows arguments), LEAKWATCH_TOKEN.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/enroll.h"
#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/escape.h"
#include "common/num.h"
#include "storage/clinics.h"
#include "storage/db.h"
#include "storage/keyfile.h"
#include "storage/migrate.h"
#include "storage/oprf.h"

#define TOKEN_MAX 256
#define URL_MAX 2048

static void
enroll_help(void)
{
    printf(
        "Usage: leakwatch enroll --clinic NAME FILE [--server URL [--token TOKEN]]\n"
        "                        [--map COLUMN=KIND]... [--ref-column COLUMN] [--region CC]\n"
        "                        [--mode replace|add] [--format csv|json] [--batch N] [--json]\n\n"
        "Put the identifiers of a clinic's patients and staff on its watchlist, so that a leak\n"
        "naming any of them raises an alert naming the clinic's own record references.\n\n"
        "FILE is the clinic's export (- for standard input): CSV, TSV, ';' or '|' separated with\n"
        "a header row, or JSON Lines. Each row needs a record reference (the ref column) and one\n"
        "or more identifier columns. Values are normalised with the same code 'ingest' uses.\n\n"
        "Modes:\n"
        "  --server URL   blind enrollment through 'leakwatch serve' (http:// or https://):\n"
        "                 each value is blinded here, the server evaluates only blinded elements,\n"
        "                 the result is finalised here and uploaded as (hash, kind, ref) rows.\n"
        "                 Neither the database nor the key is needed; values never leave this\n"
        "                 machine. The clinic's API token: set LEAKWATCH_TOKEN (preferred: an\n"
        "                 argument is visible to other users in ps) or --token TOKEN.\n"
        "  (no --server)  on the operator's host: evaluates with the key file\n"
        "                 (LEAKWATCH_KEY_FILE) and writes to the database directly.\n\n"
        "Options:\n"
        "  --clinic NAME         the clinic (direct mode: as in 'leakwatch clinic list')\n"
        "  --map COLUMN=KIND     read COLUMN as KIND (email, email_domain, phone, fi_hetu,\n"
        "                        se_personnummer, no_fodselsnummer, dk_cpr, iban, payment_card)\n"
        "                        or ignore it (none). Without --map a column is read when its\n"
        "                        name names exactly one kind (email, sähköposti, e-post, puhelin,\n"
        "                        telefon, hetu, …); a name fitting several national-ID kinds\n"
        "                        (personnummer) takes the one of --region. email_domain only\n"
        "                        by --map.\n"
        "  --ref-column COLUMN   the record reference; default: the first column named ref, id,\n"
        "                        patient_id, patient, record, asiakasnumero, potilasnumero,\n"
        "                        kundnummer, … Use record numbers: a ref that is itself an\n"
        "                        identifier (an e-mail address, an identity code) is refused,\n"
        "                        since refs are stored and sent in alerts in clear.\n"
        "  --region CC           default phone region and national-ID tie-break (direct mode\n"
        "                        default: the clinic's region)\n"
        "  --mode replace|add    replace (default): the watchlist becomes exactly this file;\n"
        "                        add: these rows are added\n"
        "  --format csv|json     skip sniffing\n"
        "  --batch N             elements per /v1/oprf/evaluate request, 1-1000 (default 1000)\n"
        "  --json                one JSON object instead of the text summary\n\n"
        "Environment: LEAKWATCH_TOKEN, LEAKWATCH_CA_FILE (a private CA for https), the libpq\n"
        "variables or LEAKWATCH_DB and LEAKWATCH_KEY_FILE (direct mode).\n\n"
        "Output: rows read and enrolled, identifiers per kind, rows skipped by reason (empty_row,\n"
        "no_ref, ref_invalid, ref_is_identifier, no_identifier), the column mapping and the\n"
        "watchlist's counts. No value is ever printed.\n\n"
        "Exit status: 0 enrolled, 1 the server or the run failed, 2 usage or configuration\n"
        "(no ref column, bad --map, missing key), 4 database unavailable.\n");
}

/* ---- direct mode ---- */

struct direct {
    const uint8_t *sk;
    struct enroll_rows *rows;
};

static enum lw_rc
direct_sink(void *user, enum id_kind kind, const uint8_t *input, size_t len, const char *ref,
            struct lw_error *err)
{
    struct direct *d = user;
    uint8_t out[OPRF_OUTPUT_BYTES];
    enum lw_rc rc = oprf_evaluate(d->sk, input, len, out);

    if (rc == LW_OK) {
        rc = enroll_rows_add(d->rows, kind, out, ref, err);
    } else {
        lw_error_set(err, rc, "OPRF evaluation failed");
    }
    lw_wipe(out, sizeof(out));
    return rc;
}

static enum lw_rc
run_direct(struct enroll_opts *o, struct enroll_stats *st, struct enroll_rows *rows,
           struct watch_result *res, uint64_t *dups, struct lw_error *err)
{
    struct keyfile *kf = NULL;
    struct db *db = NULL;
    struct clinic cl = {0};
    struct direct d = {.rows = rows};
    enum lw_rc rc;

    rc = oprf_init() == LW_OK ? LW_OK
                              : lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    rc = rc == LW_OK ? keyfile_load(keyfile_default_path(), &kf, err) : rc;
    rc = rc == LW_OK ? db_connect(&db, err) : rc;
    rc = rc == LW_OK ? migrate_require(db, err) : rc;
    rc = rc == LW_OK ? clinics_get(db, o->clinic, &cl, err) : rc;
    if (rc == LW_ERR_NOT_FOUND) {
        rc = lw_error_set(err, LW_ERR_USAGE, "no clinic named '%s' (leakwatch clinic list)",
                          o->clinic);
    }
    if (rc == LW_OK && o->ctx.region[0] == '\0') {
        memcpy(o->ctx.region, cl.region, sizeof(o->ctx.region));
    }
    if (rc == LW_OK) {
        d.sk = keyfile_oprf_secret(kf);
        rc = enroll_read(o, st, direct_sink, &d, err);
    }
    if (rc == LW_OK) {
        *dups = enroll_rows_dedupe(rows);
        rc = watchlist_put(db, cl.id, o->mode, rows->v, rows->n, res, err);
    }
    db_close(db);
    keyfile_free(kf);
    return rc;
}

static enum lw_rc
run_server(struct enroll_opts *o, struct enroll_stats *st, struct enroll_rows *rows,
           struct watch_result *res, uint64_t *dups, uint64_t *evaluations, struct lw_error *err)
{
    struct enroll_remote *c = NULL;
    enum lw_rc rc;

    rc = oprf_init() == LW_OK ? LW_OK
                              : lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    rc = rc == LW_OK ? enroll_remote_open(o, rows, &c, err) : rc;
    rc = rc == LW_OK ? enroll_read(o, st, enroll_remote_sink, c, err) : rc;
    rc = rc == LW_OK ? enroll_remote_flush(c, err) : rc;
    if (rc == LW_OK) {
        *dups = enroll_rows_dedupe(rows);
        rc = enroll_remote_put(c, rows, o->mode, res, err);
    }
    if (c != NULL) {
        *evaluations = enroll_remote_evaluations(c);
    }
    enroll_remote_free(c);
    return rc;
}

/* ---- summary ---- */

static const char *const how_names[] = {"ref", "map", "name", "region", "ambiguous", "none"};

static void
columns_text(struct lw_buf *b, const struct enroll_stats *st)
{
    int n = 0;

    lw_buf_append_str(b, "  columns:");
    for (size_t i = 0; i < st->n_cols; i++) {
        const struct enroll_column *c = &st->cols[i];
        if (c->kind != ENROLL_KIND_NONE) {
            lw_buf_append_str(b, n++ ? ", " : " ");
            lw_escape(b, lw_slice_cstr(c->name), LW_ESCAPE_TEXT);
            lw_buf_printf(b, " -> %s (%s)", identifiers_kind((enum id_kind)c->kind)->name,
                          how_names[c->how]);
        }
    }
    lw_buf_append_str(b, n ? "\n  ignored:" : " none\n  ignored:");
    n = 0;
    for (size_t i = 0; i < st->n_cols; i++) {
        const struct enroll_column *c = &st->cols[i];
        if (c->kind == ENROLL_KIND_NONE && c->how != ENROLL_HOW_REF) {
            lw_buf_append_str(b, n++ ? ", " : " ");
            lw_escape(b, lw_slice_cstr(c->name), LW_ESCAPE_TEXT);
            if (c->how == ENROLL_HOW_AMBIGUOUS || c->how == ENROLL_HOW_MAP) {
                lw_buf_printf(b, " (%s)", c->how == ENROLL_HOW_MAP ? "--map none" : "ambiguous: "
                                                                        "use --map or --region");
            }
        }
    }
    if (st->more_columns > 0) {
        lw_buf_printf(b, "%s%llu more", n++ ? ", " : " ", (unsigned long long)st->more_columns);
    }
    lw_buf_append_str(b, n ? "\n" : " none\n");
}

struct outcome {
    const struct enroll_opts *o;
    const struct enroll_stats *st;
    const struct enroll_rows *rows;
    const struct watch_result *res;
    uint64_t dups, evaluations, per_kind[ID_KIND_COUNT];
};

static void
summary_text(const struct outcome *r)
{
    const struct enroll_stats *st = r->st;
    struct lw_buf b;

    lw_buf_init(&b, 1 << 20);
    lw_buf_append_str(&b, "enroll: clinic ");
    lw_escape(&b, lw_slice_cstr(r->o->clinic), LW_ESCAPE_TEXT);
    lw_buf_printf(&b, " (%s, %s): %llu rows read, %llu enrolled\n  ref column: ",
                  r->o->server != NULL ? "blind, through the server" : "direct, with the key",
                  st->format, (unsigned long long)st->rows_read,
                  (unsigned long long)st->rows_enrolled);
    lw_escape(&b, lw_slice_cstr(st->ref_column), LW_ESCAPE_TEXT);
    lw_buf_append_str(&b, st->ref_detected ? " (detected; --ref-column to choose another)\n"
                                           : " (--ref-column)\n");
    columns_text(&b, st);
    lw_buf_printf(&b, "  %-18s %10s %10s\n", "kind", "enrolled", "invalid");
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        if (r->per_kind[k] + st->invalid[k] > 0) {
            lw_buf_printf(&b, "  %-18s %10llu %10llu\n", identifiers_kind((enum id_kind)k)->name,
                          (unsigned long long)r->per_kind[k], (unsigned long long)st->invalid[k]);
        }
    }
    lw_buf_append_str(&b, "  skipped:");
    for (int s = 0; s < ENROLL_SKIP_COUNT; s++) {
        lw_buf_printf(&b, "%s %s %llu", s ? "," : "", enroll_skip_names[s],
                      (unsigned long long)st->skipped[s]);
    }
    lw_buf_printf(&b, "\n  duplicate rows: %llu\n", (unsigned long long)r->dups);
    lw_buf_printf(&b, "  watchlist (%s): %llu rows, %llu added, %llu removed, %llu kept, "
                      "%llu alerts\n", r->o->mode == WATCH_ADD ? "add" : "replace",
                  (unsigned long long)r->res->rows, (unsigned long long)r->res->added,
                  (unsigned long long)r->res->removed, (unsigned long long)r->res->kept,
                  (unsigned long long)r->res->alerts);
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

static void
columns_json(struct lw_buf *b, const struct enroll_stats *st)
{
    lw_buf_append_str(b, ",\"columns\":[");
    for (size_t i = 0; i < st->n_cols; i++) {
        const struct enroll_column *c = &st->cols[i];
        lw_buf_append_str(b, i ? ",{\"name\":\"" : "{\"name\":\"");
        lw_escape(b, lw_slice_cstr(c->name), LW_ESCAPE_JSON);
        if (c->kind != ENROLL_KIND_NONE) {
            lw_buf_printf(b, "\",\"kind\":\"%s\"", identifiers_kind((enum id_kind)c->kind)->name);
        } else {
            lw_buf_append_str(b, "\",\"kind\":null");
        }
        lw_buf_printf(b, ",\"by\":\"%s\"}", how_names[c->how]);
    }
    lw_buf_append_byte(b, ']');
}

static void
summary_json(const struct outcome *r)
{
    const struct enroll_stats *st = r->st;
    struct lw_buf b;

    lw_buf_init(&b, 1 << 20);
    lw_buf_append_str(&b, "{\"clinic\":\"");
    lw_escape(&b, lw_slice_cstr(r->o->clinic), LW_ESCAPE_JSON);
    lw_buf_printf(&b, "\",\"mode\":\"%s\",\"via\":\"%s\",\"format\":\"%s\",\"rows_read\":%llu,"
                      "\"rows_enrolled\":%llu,\"ref_column\":\"",
                  r->o->mode == WATCH_ADD ? "add" : "replace",
                  r->o->server != NULL ? "server" : "direct", st->format,
                  (unsigned long long)st->rows_read, (unsigned long long)st->rows_enrolled);
    lw_escape(&b, lw_slice_cstr(st->ref_column), LW_ESCAPE_JSON);
    lw_buf_printf(&b, "\",\"ref_detected\":%s", st->ref_detected ? "true" : "false");
    columns_json(&b, st);
    lw_buf_append_str(&b, ",\"identifiers\":{");
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        lw_buf_printf(&b, "%s\"%s\":{\"enrolled\":%llu,\"invalid\":%llu}", k ? "," : "",
                      identifiers_kind((enum id_kind)k)->name,
                      (unsigned long long)r->per_kind[k], (unsigned long long)st->invalid[k]);
    }
    lw_buf_append_str(&b, "},\"skipped\":{");
    for (int s = 0; s < ENROLL_SKIP_COUNT; s++) {
        lw_buf_printf(&b, "%s\"%s\":%llu", s ? "," : "", enroll_skip_names[s],
                      (unsigned long long)st->skipped[s]);
    }
    lw_buf_printf(&b, "},\"duplicates\":%llu,\"evaluations\":%llu,\"watchlist\":{\"rows\":%llu,"
                      "\"added\":%llu,\"removed\":%llu,\"kept\":%llu,\"alerts\":%llu}}\n",
                  (unsigned long long)r->dups, (unsigned long long)r->evaluations,
                  (unsigned long long)r->res->rows, (unsigned long long)r->res->added,
                  (unsigned long long)r->res->removed, (unsigned long long)r->res->kept,
                  (unsigned long long)r->res->alerts);
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

/* ---- options ---- */

static enum lw_rc
parse_map(char *arg, struct enroll_opts *o, struct lw_error *err)
{
    char *eq = strrchr(arg, '=');
    const struct id_kind_info *k;

    if (o->n_maps == ENROLL_MAPS_MAX) {
        return cli_usage_error(err, "enroll", "at most %d --map options", ENROLL_MAPS_MAX);
    }
    if (eq == NULL || eq == arg || eq[1] == '\0') {
        return cli_usage_error(err, "enroll", "--map takes COLUMN=KIND");
    }
    k = identifiers_find(lw_slice_cstr(eq + 1));
    if (k == NULL && strcmp(eq + 1, "none") != 0) {
        return cli_usage_error(err, "enroll", "--map: unknown kind '%s' (email, email_domain, "
                               "phone, fi_hetu, se_personnummer, no_fodselsnummer, dk_cpr, iban, "
                               "payment_card or none)", eq + 1);
    }
    /* the column name is the argument up to '=': cut it in place (argv is ours to change) */
    *eq = '\0';
    o->maps[o->n_maps].column = arg;
    o->maps[o->n_maps].kind = k != NULL ? (int)k->kind : ENROLL_KIND_NONE;
    o->n_maps++;
    return LW_OK;
}

static enum lw_rc
parse_server(char *arg, struct enroll_opts *o, struct lw_error *err)
{
    size_t n = strlen(arg);

    if (n > URL_MAX || (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)) {
        return cli_usage_error(err, "enroll", "--server takes an http:// or https:// URL");
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)arg[i] <= ' ' || (unsigned char)arg[i] >= 0x7f) {
            return cli_usage_error(err, "enroll", "--server: the URL holds a space or a "
                                   "non-ASCII byte");
        }
    }
    while (n > 8 && arg[n - 1] == '/') {
        arg[--n] = '\0';
    }
    o->server = arg;
    return LW_OK;
}

static enum lw_rc
parse_value(int c, char *arg, struct enroll_opts *o, struct lw_error *err)
{
    uint64_t v = 0;

    switch (c) {
    case 'c': o->clinic = arg; return LW_OK;
    case 's': return parse_server(arg, o, err);
    case 't': o->token = arg; return LW_OK;
    case 'm': return parse_map(arg, o, err);
    case 'R': o->ref_column = arg; return LW_OK;
    case 'r':
        if (strlen(arg) != 2 || !lw_ascii_is_alpha(arg[0]) || !lw_ascii_is_alpha(arg[1])) {
            return cli_usage_error(err, "enroll", "--region takes a two-letter country code");
        }
        o->ctx.region[0] = lw_ascii_upper(arg[0]);
        o->ctx.region[1] = lw_ascii_upper(arg[1]);
        return LW_OK;
    case 'M':
        if (strcmp(arg, "replace") != 0 && strcmp(arg, "add") != 0) {
            return cli_usage_error(err, "enroll", "--mode takes replace or add");
        }
        o->mode = strcmp(arg, "add") == 0 ? WATCH_ADD : WATCH_REPLACE;
        return LW_OK;
    case 'f':
        o->format = strcmp(arg, "csv") == 0 ? &parser_csv
                    : strcmp(arg, "json") == 0 ? &parser_json : NULL;
        return o->format != NULL ? LW_OK
                                 : cli_usage_error(err, "enroll", "--format takes csv or json");
    case 'b':
        if (lw_parse_u64(lw_slice_cstr(arg), 1, ENROLL_BATCH_MAX, &v) != LW_OK) {
            return cli_usage_error(err, "enroll", "--batch takes a number from 1 to %d",
                                   ENROLL_BATCH_MAX);
        }
        o->batch = (size_t)v;
        return LW_OK;
    default: return cli_usage_error(err, "enroll", "bad option");
    }
}

static enum lw_rc
check_opts(struct enroll_opts *o, struct lw_error *err)
{
    const char *env = getenv("LEAKWATCH_TOKEN");

    if (o->clinic == NULL || o->clinic[0] == '\0') {
        return cli_usage_error(err, "enroll", "name the clinic with --clinic NAME");
    }
    if (o->token != NULL && o->server == NULL) {
        return cli_usage_error(err, "enroll", "--token goes with --server");
    }
    if (o->server != NULL && o->token == NULL) {
        o->token = env != NULL && env[0] != '\0' ? env : NULL;
    }
    if (o->server != NULL && o->token == NULL) {
        return cli_usage_error(err, "enroll", "--server needs the clinic's API token: set "
                               "LEAKWATCH_TOKEN (or --token)");
    }
    for (size_t i = 0; o->token != NULL && o->token[i] != '\0'; i++) {
        if ((unsigned char)o->token[i] <= ' ' || (unsigned char)o->token[i] >= 0x7f ||
            i >= TOKEN_MAX) {
            return lw_error_set(err, LW_ERR_CONFIG, "the API token is not a leakwatch token");
        }
    }
    return LW_OK;
}

static enum lw_rc
parse_opts(int argc, char **argv, struct enroll_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"clinic", required_argument, NULL, 'c'}, {"server", required_argument, NULL, 's'},
        {"token", required_argument, NULL, 't'},  {"map", required_argument, NULL, 'm'},
        {"ref-column", required_argument, NULL, 'R'}, {"region", required_argument, NULL, 'r'},
        {"mode", required_argument, NULL, 'M'},   {"format", required_argument, NULL, 'f'},
        {"batch", required_argument, NULL, 'b'},  {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            enroll_help();
            return LW_ERR_NOT_FOUND; /* "done" */
        }
        if (c == 'j') {
            o->json = true;
        } else if (parse_value(c, optarg, o, err) != LW_OK) {
            return LW_ERR_USAGE;
        }
    }
    if (optind != argc - 1) {
        return cli_usage_error(err, "enroll", "name exactly one FILE (or - for standard input)");
    }
    o->file = argv[optind];
    return check_opts(o, err);
}

/* ---- the command ---- */

static enum lw_rc
enroll_run(int argc, char **argv, struct lw_error *err)
{
    struct enroll_opts *o = lw_xcalloc(1, sizeof(*o));
    struct enroll_stats *st = lw_xcalloc(1, sizeof(*st));
    struct enroll_rows rows = {0};
    struct watch_result res = {0};
    struct outcome r = {.o = o, .st = st, .rows = &rows, .res = &res};
    enum lw_rc rc;

    o->mode = WATCH_REPLACE;
    o->batch = ENROLL_BATCH_MAX;
    rc = parse_opts(argc, argv, o, err);
    if (rc == LW_ERR_NOT_FOUND) {
        rc = LW_OK; /* --help */
    } else if (rc == LW_OK) {
        rc = o->server != NULL ? run_server(o, st, &rows, &res, &r.dups, &r.evaluations, err)
                               : run_direct(o, st, &rows, &res, &r.dups, err);
        if (o->server == NULL) {
            r.evaluations = rows.n + r.dups;
        }
        for (size_t i = 0; i < rows.n; i++) {
            r.per_kind[rows.v[i].kind]++;
        }
        if (rc == LW_OK && o->json) {
            summary_json(&r);
        } else if (rc == LW_OK) {
            summary_text(&r);
        }
    }
    enroll_rows_free(&rows);
    free(st);
    free(o);
    return rc;
}

const struct cli_command cmd_enroll = {
    "enroll", "enroll a clinic's identifiers (blind, through the API, or with the key)",
    enroll_run, enroll_help};
