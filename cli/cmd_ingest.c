/*
 * cli/cmd_ingest.c — `leakwatch ingest`: dump files in, identifiers counted (and, with the storage
 * issue, hashed and stored).
 *
 * --dry-run parses and reports per file — format, records, identifiers per kind (found, distinct,
 * rejected), record flags, bytes and seconds — and needs neither a database nor a key. It prints no
 * identifier value: distinct counting keeps only keyed 64-bit hashes under a key that dies with the
 * process (storage/uniqset.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/escape.h"
#include "common/log.h"
#include "parsers/document.h"
#include "storage/oprf.h"
#include "storage/uniqset.h"

/* Distinct values tracked per file before "unique" becomes a lower bound: the table then holds
 * 2^21 slots of 8 bytes (16 MiB), within the 64 MB a 1 GB dump may use. */
#define UNIQUE_MAX ((size_t)1 << 20)

struct ingest_opts {
    const struct parser_ops *format; /* NULL: sniff */
    struct id_context ctx;
    const char *label;
    int dry_run;
    int json;
};

struct file_tally {
    struct uniqset *seen;
    uint64_t unique[ID_KIND_COUNT];
};

static void
ingest_help(void)
{
    printf("Usage: leakwatch ingest --dry-run [--json] [--format F] [--region CC] [--label L] FILE...|-\n\n"
           "Parse dump files (or standard input, '-') and find the identifiers in them: e-mail\n"
           "addresses and their domains, phone numbers, Finnish, Swedish, Norwegian and Danish\n"
           "identity numbers, IBANs and payment cards. Every candidate is validated (check digits,\n"
           "dates, Luhn, mod-97); look-alikes that fail are counted as rejects.\n\n"
           "  --dry-run     parse and report only: no database, no key needed. (Storing keyed\n"
           "                hashes in PostgreSQL arrives with the storage issue.)\n"
           "  --json        one JSON object per file instead of the table\n"
           "  --format F    auto (default: sniffed from the first 16 KiB and the file name),\n"
           "                html, sql, csv, json, combo or text\n"
           "  --region CC   default phone region (ISO 3166 code, e.g. FI): national numbers such\n"
           "                as 040-123 4567 are read as that country's; without it only numbers\n"
           "                written with +CC or 00CC count\n"
           "  --label L     a label for the source of these files (shown in the report)\n\n"
           "The report holds counts only — never an identifier value. Exit status: 0 when every\n"
           "file was read, 1 if any could not be, 2 on usage errors.\n");
}

static void
on_hit(void *user, enum id_kind kind, struct lw_slice value, unsigned flags)
{
    struct file_tally *t = user;
    uint8_t input[ID_OPRF_INPUT_MAX];
    size_t len;

    (void)flags;
    /* kind ‖ 0x00 ‖ value: the same value under two kinds is two distinct identifiers */
    if (identifiers_oprf_input(kind, value, input, sizeof(input), &len) == LW_OK &&
        uniqset_add(t->seen, input, len) == 1) {
        t->unique[kind]++;
    }
    lw_wipe(input, sizeof(input));
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The file name, escaped for printing (names come from the operator but may hold anything). */
static void
put_name(struct lw_buf *out, const char *name, enum lw_escape_mode mode)
{
    lw_escape(out, lw_slice_cstr(name), mode);
}

static void
report_json(const char *name, const struct document_report *rep, const struct file_tally *t,
            double secs, const struct ingest_opts *o)
{
    struct lw_buf b;

    lw_buf_init(&b, 64 * 1024);
    lw_buf_append_str(&b, "{\"file\":\"");
    put_name(&b, name, LW_ESCAPE_JSON);
    lw_buf_append_str(&b, "\"");
    if (o->label != NULL) {
        lw_buf_append_str(&b, ",\"label\":\"");
        put_name(&b, o->label, LW_ESCAPE_JSON);
        lw_buf_append_str(&b, "\"");
    }
    lw_buf_printf(&b, ",\"format\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"records\":%llu,"
                      "\"records_with_hits\":%llu,\"identifiers\":{",
                  rep->format->name, (unsigned long long)rep->bytes, secs,
                  (unsigned long long)rep->counts.records,
                  (unsigned long long)rep->counts.records_with_hits);
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        lw_buf_printf(&b, "%s\"%s\":{\"found\":%llu,\"unique\":%llu,\"rejects\":%llu}",
                      k > 0 ? "," : "", identifiers_kind((enum id_kind)k)->name,
                      (unsigned long long)rep->counts.found[k], (unsigned long long)t->unique[k],
                      (unsigned long long)rep->counts.rejects[k]);
    }
    lw_buf_append_str(&b, "},\"flags\":{");
    for (int f = 0; f < RECORD_FLAG_COUNT; f++) {
        lw_buf_printf(&b, "%s\"%s\":%llu", f > 0 ? "," : "", record_flag_names[f],
                      (unsigned long long)rep->counts.flagged[f]);
    }
    lw_buf_printf(&b, "},\"parse\":{\"bad_records\":%llu,\"cut_lines\":%llu,\"cut_fields\":%llu,"
                      "\"cut_records\":%llu,\"too_deep\":%llu},\"unique_exact\":%s}\n",
                  (unsigned long long)rep->parse.bad_records,
                  (unsigned long long)rep->parse.cut_lines,
                  (unsigned long long)rep->parse.cut_fields,
                  (unsigned long long)rep->parse.cut_records,
                  (unsigned long long)rep->parse.too_deep,
                  uniqset_overflowed(t->seen) ? "false" : "true");
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

static void
report_text(const char *name, const struct document_report *rep, const struct file_tally *t,
            double secs)
{
    struct lw_buf b;
    const char *approx = uniqset_overflowed(t->seen) ? "+" : "";
    int any_flag = 0;

    lw_buf_init(&b, 64 * 1024);
    put_name(&b, name, LW_ESCAPE_TEXT);
    lw_buf_printf(&b, ": %s, %llu records (%llu with identifiers), %llu bytes in %.2f s\n",
                  rep->format->name, (unsigned long long)rep->counts.records,
                  (unsigned long long)rep->counts.records_with_hits,
                  (unsigned long long)rep->bytes, secs);
    lw_buf_printf(&b, "  %-18s %12s %12s %10s\n", "kind", "found", "unique", "rejects");
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        if (rep->counts.found[k] == 0 && rep->counts.rejects[k] == 0) {
            continue;
        }
        lw_buf_printf(&b, "  %-18s %12llu %11llu%1s %10llu\n",
                      identifiers_kind((enum id_kind)k)->name,
                      (unsigned long long)rep->counts.found[k], (unsigned long long)t->unique[k],
                      approx, (unsigned long long)rep->counts.rejects[k]);
    }
    lw_buf_append_str(&b, "  flags:");
    for (int f = 0; f < RECORD_FLAG_COUNT; f++) {
        if (rep->counts.flagged[f] != 0) {
            lw_buf_printf(&b, "%s %s %llu", any_flag++ ? "," : "", record_flag_names[f],
                          (unsigned long long)rep->counts.flagged[f]);
        }
    }
    lw_buf_append_str(&b, any_flag ? "\n" : " none\n");
    if (rep->parse.bad_records + rep->parse.cut_lines + rep->parse.cut_fields +
            rep->parse.cut_records + rep->parse.too_deep != 0) {
        lw_buf_printf(&b, "  skipped %llu malformed records; cut %llu lines, %llu fields, "
                          "%llu records; %llu records nested too deep\n",
                      (unsigned long long)rep->parse.bad_records,
                      (unsigned long long)rep->parse.cut_lines,
                      (unsigned long long)rep->parse.cut_fields,
                      (unsigned long long)rep->parse.cut_records,
                      (unsigned long long)rep->parse.too_deep);
    }
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

/* Dry-run one file. LW_OK, or LW_ERR_IO with err filled (the caller goes on to the next file). */
static enum lw_rc
dry_run_file(const char *path, const struct ingest_opts *o, struct file_tally *t,
             struct lw_error *err)
{
    struct document_report rep;
    struct reader *r = NULL;
    double start = now();
    enum lw_rc rc;

    rc = reader_open_file(path, &r, err);
    if (rc != LW_OK) {
        return rc;
    }
    uniqset_reset(t->seen);
    memset(t->unique, 0, sizeof(t->unique));
    rc = document_scan(r, strcmp(path, "-") == 0 ? NULL : path, o->format, &o->ctx, NULL, on_hit,
                       t, &rep, err);
    if (rc == LW_OK || rep.format != NULL) {
        if (o->json) {
            report_json(path, &rep, t, now() - start, o);
        } else {
            report_text(path, &rep, t, now() - start);
        }
        fflush(stdout);
    }
    reader_close(r);
    return rc;
}

static enum lw_rc
parse_region(const char *arg, struct id_context *ctx, struct lw_error *err)
{
    if (strlen(arg) != 2 || !lw_ascii_is_alpha(arg[0]) || !lw_ascii_is_alpha(arg[1])) {
        return cli_usage_error(err, "ingest", "--region takes a two-letter country code (e.g. FI)");
    }
    ctx->region[0] = lw_ascii_upper(arg[0]);
    ctx->region[1] = lw_ascii_upper(arg[1]);
    ctx->region[2] = '\0';
    return LW_OK;
}

static enum lw_rc
parse_opts(int argc, char **argv, struct ingest_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'},       {"json", no_argument, NULL, 'j'},
        {"format", required_argument, NULL, 'f'},  {"region", required_argument, NULL, 'r'},
        {"label", required_argument, NULL, 'l'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "nf:r:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': o->dry_run = 1; break;
        case 'j': o->json = 1; break;
        case 'l': o->label = optarg; break;
        case 'r':
            if (parse_region(optarg, &o->ctx, err) != LW_OK) {
                return LW_ERR_USAGE;
            }
            break;
        case 'f':
            o->format = strcmp(optarg, "auto") == 0 ? NULL : parser_find(optarg);
            if (o->format == NULL && strcmp(optarg, "auto") != 0) {
                return cli_usage_error(err, "ingest", "unknown --format '%s' (auto, html, sql, "
                                       "csv, json, combo or text)", optarg);
            }
            break;
        case 'h': ingest_help(); return LW_ERR_NOT_FOUND; /* "done" */
        default: return cli_usage_error(err, "ingest", "bad option");
        }
    }
    if (optind >= argc) {
        return cli_usage_error(err, "ingest", "name at least one FILE (or - for standard input)");
    }
    if (!o->dry_run) {
        return cli_usage_error(err, "ingest",
                               "storing hashes needs the database, which arrives with the storage "
                               "issue; use --dry-run to parse and count");
    }
    return LW_OK;
}

static enum lw_rc
ingest_run(int argc, char **argv, struct lw_error *err)
{
    struct ingest_opts o = {0};
    struct file_tally t = {0};
    enum lw_rc rc = parse_opts(argc, argv, &o, err);
    enum lw_rc worst = LW_OK;

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK; /* --help */
    }
    if (rc != LW_OK) {
        return rc;
    }
    if (oprf_init() != LW_OK) {
        return lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    }
    t.seen = uniqset_new(UNIQUE_MAX);
    for (int i = optind; i < argc; i++) {
        struct lw_error ferr = {0};

        if (dry_run_file(argv[i], &o, &t, &ferr) != LW_OK) {
            /* one unreadable file does not stop the others; reported here, summarised at exit */
            lw_err("ingest", "%s", ferr.msg);
            worst = LW_ERR_IO;
        }
    }
    uniqset_free(t.seen);
    if (worst != LW_OK) {
        return lw_error_set(err, worst, "some files could not be read");
    }
    return LW_OK;
}

const struct cli_command cmd_ingest = {
    .name = "ingest",
    .summary = "parse dump files and count the identifiers in them (--dry-run)",
    .run = ingest_run,
    .help = ingest_help,
};
