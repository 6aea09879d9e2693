/*
 * cli/cmd_ingest.c — `leakwatch ingest`: dump files in, keyed hashes of their identifiers stored.
 *
 * Each FILE (or stdin, "-") is one document: parsed, its identifiers hashed (RFC 9497 OPRF) and
 * stored in one transaction through cli/pipeline.c. A regular file whose content is stored already
 * is recognised before parsing (keyed content hash) and reported as a duplicate; stdin is hashed as
 * it is read and the duplicate found at commit. One summary per file — counts only.
 *
 * --dry-run parses and reports the same counts and needs neither a database nor a key: distinct
 * counting then keeps only keyed 64-bit hashes under a key that dies with the process
 * (storage/uniqset.h).
 *
 * A file that cannot be read is reported and skipped (exit 1 at the end); a database failure stops
 * the run (exit 4): the document in progress is rolled back, the ones before it stay stored.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "common/alloc.h"
#include "common/ascii.h"
#include "common/buf.h"
#include "common/escape.h"
#include "common/log.h"
#include "common/num.h"
#include "parsers/document.h"
#include "storage/oprf.h"
#include "storage/uniqset.h"

/* Distinct values tracked per file by --dry-run before "unique" becomes a lower bound: the table
 * then holds 2^21 slots of 8 bytes (16 MiB), within the 64 MB a 1 GB dump may use. */
#define UNIQUE_MAX ((size_t)1 << 20)

struct ingest_opts {
    const struct parser_ops *format; /* NULL: sniff */
    struct id_context ctx;
    const char *label;
    struct pipeline_opts pipe;
    int dry_run;
    int json;
    int no_progress;
};

/* What one file's report shows. */
struct file_result {
    const char *name;
    const struct document_report *doc;
    uint64_t unique[ID_KIND_COUNT];
    bool unique_exact;
    const struct docstore_result *store; /* NULL for --dry-run */
    uint64_t bytes;                      /* the file's size as read */
    double secs;
};

static void
ingest_help(void)
{
    printf("Usage: leakwatch ingest [OPTIONS] FILE...|-\n\n"
           "Parse dump files (or standard input, '-'), find the identifiers in them and store\n"
           "their keyed hashes in PostgreSQL: e-mail addresses and their domains, phone numbers,\n"
           "Finnish, Swedish, Norwegian and Danish identity numbers, IBANs and payment cards.\n"
           "Every candidate is validated (check digits, dates, Luhn, mod-97); look-alikes that\n"
           "fail are counted as rejects. Each file is one document, stored in one transaction:\n"
           "all of its hits or none. A file whose content is stored already is a duplicate and\n"
           "changes nothing.\n\n"
           "  --label L     name the source of these files (stored; also the document label,\n"
           "                which is otherwise the file's base name)\n"
           "  --region CC   default phone region (ISO 3166 code, e.g. FI): national numbers such\n"
           "                as 040-123 4567 are read as that country's; without it only numbers\n"
           "                written with +CC or 00CC count\n"
           "  --format F    auto (default: sniffed from the first 16 KiB and the file name),\n"
           "                html, sql, csv, json, combo or text\n"
           "  --json        one JSON object per file instead of the table\n"
           "  --dry-run     parse and count only: no database, no key needed\n"
           "  --jobs N      OPRF worker threads (default: one per CPU)\n"
           "  --memory SIZE distinct values per document held in memory before the rest spill\n"
           "                to a temporary table (default 64M: about 780,000 values)\n"
           "  --no-progress no progress line (it is shown only on a terminal anyway)\n\n"
           "Database: LEAKWATCH_DB (conninfo or URI), else the PG* environment, else the\n"
           "project-local cluster (var/pg) when it runs. Key: LEAKWATCH_KEY_FILE or\n"
           "var/leakwatch.key. The schema must be migrated ('leakwatch db migrate').\n\n"
           "What is stored: per identifier the first 32 bytes of RFC 9497 OPRF(ristretto255,\n"
           "SHA-512) over kind || 0x00 || normalised value, its kind, record flags and count;\n"
           "per document a keyed content hash, counts, format and label. Never a value, a\n"
           "record or the text. The report holds counts only.\n\n"
           "Exit status: 0 every file stored (or a duplicate), 1 some file could not be read,\n"
           "2 usage or configuration error (no key, schema not migrated), 4 database unavailable.\n");
}

/* ---- --dry-run ---- */

struct dry_tally {
    struct uniqset *seen;
    uint64_t unique[ID_KIND_COUNT];
    uint64_t bytes; /* as read from the source */
};

static void
dry_on_bytes(void *user, const void *bytes, size_t n)
{
    struct dry_tally *t = user;

    (void)bytes;
    t->bytes += n;
}

static void
dry_on_hit(void *user, enum id_kind kind, struct lw_slice value, unsigned flags)
{
    struct dry_tally *t = user;
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

/* ---- reports ---- */

/* The file name, escaped for printing (names come from the operator but may hold anything). */
static void
put_name(struct lw_buf *out, const char *name, enum lw_escape_mode mode)
{
    lw_escape(out, lw_slice_cstr(name), mode);
}

static void
report_json(const struct file_result *f, const struct ingest_opts *o)
{
    const struct document_report *rep = f->doc;
    struct lw_buf b;

    lw_buf_init(&b, 64 * 1024);
    lw_buf_append_str(&b, "{\"file\":\"");
    put_name(&b, f->name, LW_ESCAPE_JSON);
    lw_buf_append_str(&b, "\"");
    if (o->label != NULL) {
        lw_buf_append_str(&b, ",\"label\":\"");
        put_name(&b, o->label, LW_ESCAPE_JSON);
        lw_buf_append_str(&b, "\"");
    }
    if (f->store != NULL) {
        lw_buf_printf(&b, ",\"status\":\"%s\",\"document\":%lld",
                      f->store->duplicate ? "duplicate" : "stored",
                      (long long)f->store->document_id);
    }
    if (rep == NULL) { /* a duplicate recognised before parsing */
        lw_buf_printf(&b, ",\"seconds\":%.3f}\n", f->secs);
        fwrite(b.data, 1, b.len, stdout);
        lw_buf_free(&b);
        return;
    }
    lw_buf_printf(&b, ",\"format\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"records\":%llu,"
                      "\"records_with_hits\":%llu",
                  rep->format->name, (unsigned long long)f->bytes, f->secs,
                  (unsigned long long)rep->counts.records,
                  (unsigned long long)rep->counts.records_with_hits);
    if (f->store != NULL && !f->store->duplicate) {
        lw_buf_printf(&b, ",\"stored\":{\"distinct\":%llu,\"evaluated\":%llu,\"cached\":%llu,"
                          "\"spilled\":%s},\"alerts\":%llu",
                      (unsigned long long)f->store->distinct,
                      (unsigned long long)f->store->evaluated,
                      (unsigned long long)f->store->cached,
                      f->store->spilled ? "true" : "false",
                      (unsigned long long)f->store->alerts);
    }
    lw_buf_append_byte(&b, ',');
    pipeline_counts_json(&b, rep, f->unique, "unique");
    lw_buf_printf(&b, ",\"unique_exact\":%s}\n", f->unique_exact ? "true" : "false");
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

static void
text_kinds(struct lw_buf *b, const struct file_result *f)
{
    const struct document_report *rep = f->doc;
    const char *approx = f->unique_exact ? "" : "+";
    int any_flag = 0;

    lw_buf_printf(b, "  %-18s %12s %12s %10s\n", "kind", "found", "unique", "rejects");
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        if (rep->counts.found[k] == 0 && rep->counts.rejects[k] == 0) {
            continue;
        }
        lw_buf_printf(b, "  %-18s %12llu %11llu%1s %10llu\n",
                      identifiers_kind((enum id_kind)k)->name,
                      (unsigned long long)rep->counts.found[k], (unsigned long long)f->unique[k],
                      approx, (unsigned long long)rep->counts.rejects[k]);
    }
    lw_buf_append_str(b, "  flags:");
    for (int fl = 0; fl < RECORD_FLAG_COUNT; fl++) {
        if (rep->counts.flagged[fl] != 0) {
            lw_buf_printf(b, "%s %s %llu", any_flag++ ? "," : "", record_flag_names[fl],
                          (unsigned long long)rep->counts.flagged[fl]);
        }
    }
    lw_buf_append_str(b, any_flag ? "\n" : " none\n");
    if (rep->parse.bad_records + rep->parse.cut_lines + rep->parse.cut_fields +
            rep->parse.cut_records + rep->parse.too_deep != 0) {
        lw_buf_printf(b, "  skipped %llu malformed records; cut %llu lines, %llu fields, "
                         "%llu records; %llu records nested too deep\n",
                      (unsigned long long)rep->parse.bad_records,
                      (unsigned long long)rep->parse.cut_lines,
                      (unsigned long long)rep->parse.cut_fields,
                      (unsigned long long)rep->parse.cut_records,
                      (unsigned long long)rep->parse.too_deep);
    }
}

static void
report_text(const struct file_result *f)
{
    const struct document_report *rep = f->doc;
    const struct docstore_result *st = f->store;
    struct lw_buf b;

    lw_buf_init(&b, 64 * 1024);
    put_name(&b, f->name, LW_ESCAPE_TEXT);
    if (rep == NULL || (st != NULL && st->duplicate)) {
        lw_buf_printf(&b, ": duplicate of document %lld, nothing stored\n",
                      (long long)st->document_id);
        fwrite(b.data, 1, b.len, stdout);
        lw_buf_free(&b);
        return;
    }
    lw_buf_printf(&b, ": %s, %llu records (%llu with identifiers), %llu bytes in %.2f s\n",
                  rep->format->name, (unsigned long long)rep->counts.records,
                  (unsigned long long)rep->counts.records_with_hits,
                  (unsigned long long)f->bytes, f->secs);
    if (st != NULL) {
        lw_buf_printf(&b, "  stored as document %lld: %llu distinct identifiers (%llu evaluated, "
                          "%llu from the cache)",
                      (long long)st->document_id, (unsigned long long)st->distinct,
                      (unsigned long long)st->evaluated, (unsigned long long)st->cached);
        if (st->alerts > 0) {
            lw_buf_printf(&b, ", %llu alert%s", (unsigned long long)st->alerts,
                          st->alerts == 1 ? "" : "s");
        }
        lw_buf_append_byte(&b, '\n');
    }
    text_kinds(&b, f);
    fwrite(b.data, 1, b.len, stdout);
    lw_buf_free(&b);
}

static void
report(const struct file_result *f, const struct ingest_opts *o)
{
    if (o->json) {
        report_json(f, o);
    } else {
        report_text(f);
    }
    fflush(stdout);
}

/* ---- one file ---- */

/* Dry-run one file. LW_OK, or LW_ERR_IO with err filled (the caller goes on to the next file). */
static enum lw_rc
dry_run_file(const char *path, const struct ingest_opts *o, struct dry_tally *t,
             struct lw_error *err)
{
    struct document_report rep;
    struct file_result f = {.name = path, .doc = &rep};
    struct reader *r = NULL;
    double start = progress_now();
    enum lw_rc rc;

    rc = reader_open_file(path, &r, err);
    if (rc != LW_OK) {
        return rc;
    }
    uniqset_reset(t->seen);
    memset(t->unique, 0, sizeof(t->unique));
    t->bytes = 0;
    reader_set_tap(r, dry_on_bytes, t);
    rc = document_scan(r, strcmp(path, "-") == 0 ? NULL : path, o->format, &o->ctx, NULL,
                       dry_on_hit, t, &rep, err);
    if (rc == LW_OK && reader_drain(r) != LW_OK) { /* so bytes is the whole input's size */
        rc = lw_error_set(err, LW_ERR_IO, "%s: read error", path);
    }
    if (rc == LW_OK || rep.format != NULL) {
        memcpy(f.unique, t->unique, sizeof(f.unique));
        f.unique_exact = !uniqset_overflowed(t->seen);
        f.bytes = t->bytes;
        f.secs = progress_now() - start;
        report(&f, o);
    }
    reader_close(r);
    return rc;
}

/* The label stored with a file: --label, else the base name ("stdin" for "-"). */
static const char *
doc_label(const char *path, const struct ingest_opts *o)
{
    const char *slash = strrchr(path, '/');

    if (o->label != NULL) {
        return o->label;
    }
    if (strcmp(path, "-") == 0) {
        return "stdin";
    }
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* Is this regular file stored already? Skips parsing a re-ingested file. */
static enum lw_rc
precheck(struct pipeline *p, struct reader *r, const char *path, struct docstore_result *known,
         bool *skip, struct lw_error *err)
{
    struct stat st;
    int fd;
    enum lw_rc rc;

    (void)r;
    *skip = false;
    if (strcmp(path, "-") == 0) {
        return LW_OK;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return LW_OK; /* the reader reports it */
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return LW_OK;
    }
    rc = pipeline_known_fd(p, fd, skip, &known->document_id, err);
    close(fd);
    known->duplicate = *skip;
    return rc;
}

static uint64_t
file_size(const char *path)
{
    struct stat st;

    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)
               ? (uint64_t)st.st_size : 0;
}

/* Store one file. LW_ERR_IO: unreadable (go on); LW_ERR_DB and others: stop the run. */
static enum lw_rc
store_file(struct pipeline *p, const char *path, const struct ingest_opts *o,
           struct lw_error *err)
{
    struct pipeline_report rep;
    struct docstore_result known = {.document_id = -1};
    struct file_result f = {.name = path};
    struct pipeline_doc d = {.format = o->format, .ctx = &o->ctx};
    struct progress pr;
    struct reader *r = NULL;
    double start = progress_now();
    bool skip = false;
    enum lw_rc rc;

    rc = reader_open_file(path, &r, err);
    if (rc == LW_OK) {
        rc = precheck(p, r, path, &known, &skip, err);
    }
    if (rc != LW_OK || skip) {
        reader_close(r);
        if (skip) {
            f.store = &known;
            f.secs = progress_now() - start;
            report(&f, o);
        }
        return rc;
    }
    d.name_hint = strcmp(path, "-") == 0 ? NULL : path;
    d.meta.label = doc_label(path, o);
    d.meta.source = o->label;
    d.meta.region = o->ctx.region[0] != '\0' ? o->ctx.region : NULL;
    progress_start(&pr, path, file_size(path));
    d.progress = o->no_progress ? NULL : progress_update;
    d.progress_user = &pr;
    rc = pipeline_document(p, r, &d, &rep, err);
    progress_done(&pr);
    reader_close(r);
    if (rc != LW_OK) {
        return rc;
    }
    f.doc = &rep.doc;
    f.store = &rep.store;
    f.bytes = rep.bytes;
    memcpy(f.unique, rep.store.distinct_by_kind, sizeof(f.unique));
    f.unique_exact = true;
    f.secs = progress_now() - start;
    report(&f, o);
    return LW_OK;
}

/* ---- options ---- */

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
parse_number_opt(int c, const char *arg, struct ingest_opts *o, struct lw_error *err)
{
    uint64_t v = 0;

    if (c == 'J') {
        if (lw_parse_u64(lw_slice_cstr(arg), 1, 256, &v) != LW_OK) {
            return cli_usage_error(err, "ingest", "--jobs takes a number from 1 to 256");
        }
        o->pipe.threads = (unsigned)v;
        return LW_OK;
    }
    if (lw_parse_size(lw_slice_cstr(arg), (uint64_t)1 << 40, &v) != LW_OK || v < (64u << 10)) {
        return cli_usage_error(err, "ingest", "--memory takes a size from 64K to 1T (e.g. 256M)");
    }
    o->pipe.table_bytes = (size_t)v;
    return LW_OK;
}

static enum lw_rc
parse_opts(int argc, char **argv, struct ingest_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'},       {"json", no_argument, NULL, 'j'},
        {"format", required_argument, NULL, 'f'},  {"region", required_argument, NULL, 'r'},
        {"label", required_argument, NULL, 'l'},   {"jobs", required_argument, NULL, 'J'},
        {"memory", required_argument, NULL, 'M'},  {"no-progress", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "nf:r:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': o->dry_run = 1; break;
        case 'j': o->json = 1; break;
        case 'P': o->no_progress = 1; break;
        case 'l':
            if (optarg[0] == '\0' || strlen(optarg) > 200) {
                return cli_usage_error(err, "ingest", "--label takes 1 to 200 bytes");
            }
            o->label = optarg;
            break;
        case 'r':
            if (parse_region(optarg, &o->ctx, err) != LW_OK) {
                return LW_ERR_USAGE;
            }
            break;
        case 'J':
        case 'M':
            if (parse_number_opt(c, optarg, o, err) != LW_OK) {
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
    return LW_OK;
}

/* ---- the command ---- */

static enum lw_rc
run_dry(int argc, char **argv, const struct ingest_opts *o, struct lw_error *err)
{
    struct dry_tally t = {0};
    enum lw_rc worst = LW_OK;

    if (oprf_init() != LW_OK) {
        return lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    }
    t.seen = uniqset_new(UNIQUE_MAX);
    for (int i = optind; i < argc; i++) {
        struct lw_error ferr = {0};

        if (dry_run_file(argv[i], o, &t, &ferr) != LW_OK) {
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

static enum lw_rc
run_store(int argc, char **argv, const struct ingest_opts *o, struct lw_error *err)
{
    struct pipeline *p = NULL;
    struct docstore_totals tot;
    enum lw_rc rc = pipeline_open(&o->pipe, &p, err);
    int unreadable = 0;

    if (rc != LW_OK) {
        return rc;
    }
    lw_info("ingest", "storing into %s with %u OPRF workers", db_target(pipeline_db(p)),
            pipeline_threads(p));
    for (int i = optind; i < argc && rc == LW_OK; i++) {
        struct lw_error ferr = {0};
        enum lw_rc frc = store_file(p, argv[i], o, &ferr);

        if (frc == LW_ERR_IO) {
            lw_err("ingest", "%s", ferr.msg); /* one unreadable file does not stop the others */
            unreadable++;
        } else if (frc != LW_OK) {
            *err = ferr;
            rc = frc;
        }
    }
    pipeline_docstore_totals(p, &tot);
    lw_info("ingest", "%llu documents (%llu duplicates), %llu distinct identifiers stored, "
            "%llu evaluations, %llu from the cache", (unsigned long long)tot.documents,
            (unsigned long long)tot.duplicates, (unsigned long long)tot.distinct,
            (unsigned long long)tot.evaluated, (unsigned long long)tot.cached);
    pipeline_free(p);
    if (rc == LW_OK && unreadable > 0) {
        rc = lw_error_set(err, LW_ERR_IO, "%d file%s could not be read", unreadable,
                          unreadable == 1 ? "" : "s");
    }
    return rc;
}

static enum lw_rc
ingest_run(int argc, char **argv, struct lw_error *err)
{
    struct ingest_opts o = {0};
    enum lw_rc rc = parse_opts(argc, argv, &o, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK; /* --help */
    }
    if (rc != LW_OK) {
        return rc;
    }
    return o.dry_run ? run_dry(argc, argv, &o, err) : run_store(argc, argv, &o, err);
}

const struct cli_command cmd_ingest = {
    .name = "ingest",
    .summary = "parse dump files and store keyed hashes of the identifiers in them",
    .run = ingest_run,
    .help = ingest_help,
};
