/*
 * tests/unit/parsers/test_golden.c — golden files for every parser and for extraction [curl
 * tests/data].
 *
 *   tests/data/<parser>/NNN-what.in   parsed with that parser (forced, not sniffed); the records
 *                                     and parse statistics must equal NNN-what.out
 *   tests/data/extract/NNN-what.in    sniffed and scanned end to end (document_scan, region FI);
 *                                     the identifiers (kind, normalised value, record flags) and
 *                                     the counts must equal NNN-what.out
 *   tests/data/sniff/NNN-what.in      the first line of NNN-what.out names the format sniffed
 *
 * UPDATE_GOLDEN=1 rewrites the .out files from the current output (then review the diff). Each bug
 * fix adds a numbered case. The output format is plain text, one item per line, values escaped
 * (common/escape.h) and cut at 200 bytes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/escape.h"
#include "parsers/document.h"
#include "tests/unit/lw_test.h"

#define OUT_MAX (16u << 20)
#define VALUE_SHOWN 200

static void
put_value(struct lw_buf *out, struct lw_slice v)
{
    size_t shown = v.len > VALUE_SHOWN ? VALUE_SHOWN : v.len;

    lw_buf_append_byte(out, '"');
    lw_escape(out, lw_slice_make(v.p, shown), LW_ESCAPE_TEXT);
    lw_buf_append_byte(out, '"');
    if (shown < v.len) {
        lw_buf_printf(out, " (+%zu bytes)", v.len - shown);
    }
}

static void
put_stats(struct lw_buf *out, const struct parse_stats *st)
{
    lw_buf_printf(out,
                  "stats records=%llu bad=%llu cut_lines=%llu cut_fields=%llu cut_records=%llu "
                  "too_deep=%llu\n",
                  (unsigned long long)st->records, (unsigned long long)st->bad_records,
                  (unsigned long long)st->cut_lines, (unsigned long long)st->cut_fields,
                  (unsigned long long)st->cut_records, (unsigned long long)st->too_deep);
}

static void
render_records(const struct parser_ops *ops, const char *path, struct lw_buf *out)
{
    struct lw_error err = {0};
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct reader *r = NULL;
    struct parser *p = NULL;
    struct record rec;
    enum lw_rc rc;

    parse_limits_default(&lim);
    if (reader_open_file(path, &r, &err) != LW_OK || ops->open(r, &lim, &p, &err) != LW_OK) {
        lw_buf_printf(out, "error %s\n", err.msg);
        reader_close(r);
        return;
    }
    while ((rc = ops->next(p, &rec, &st, &err)) == LW_OK) {
        lw_buf_printf(out, "record @%llu%s\n", (unsigned long long)rec.offset, rec.cut ? " cut" : "");
        for (size_t i = 0; i < rec.n_fields; i++) {
            lw_buf_append_str(out, "  ");
            if (rec.fields[i].name.len > 0) {
                put_value(out, rec.fields[i].name);
            } else {
                lw_buf_append_byte(out, '-');
            }
            lw_buf_append_str(out, " = ");
            put_value(out, rec.fields[i].value);
            lw_buf_append_str(out, rec.fields[i].role == FIELD_ROLE_PASSWORD ? " password\n" : "\n");
        }
    }
    if (rc != LW_ERR_NOT_FOUND) {
        lw_buf_printf(out, "error %s: %s\n", lw_strerror(rc), err.msg);
    }
    put_stats(out, &st);
    ops->close(p);
    reader_close(r);
}

static void
on_hit(void *user, enum id_kind kind, struct lw_slice value, unsigned flags)
{
    struct lw_buf *out = user;

    lw_buf_printf(out, "%s ", identifiers_kind(kind)->name);
    put_value(out, value);
    for (int b = 0; b < RECORD_FLAG_COUNT; b++) {
        if (flags & (1u << b)) {
            lw_buf_printf(out, " %s", record_flag_names[b]);
        }
    }
    lw_buf_append_byte(out, '\n');
}

static void
render_extract(const char *path, struct lw_buf *out)
{
    struct lw_error err = {0};
    struct id_context ctx = {"FI"};
    struct document_report rep;
    struct reader *r = NULL;

    if (reader_open_file(path, &r, &err) != LW_OK) {
        lw_buf_printf(out, "error %s\n", err.msg);
        return;
    }
    if (document_scan(r, path, NULL, &ctx, NULL, on_hit, out, &rep, &err) != LW_OK) {
        lw_buf_printf(out, "error %s\n", err.msg);
    }
    lw_buf_printf(out, "format %s records %llu\n", rep.format != NULL ? rep.format->name : "?",
                  (unsigned long long)rep.counts.records);
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        if (rep.counts.found[k] != 0 || rep.counts.rejects[k] != 0) {
            lw_buf_printf(out, "count %s found=%llu rejects=%llu\n",
                          identifiers_kind((enum id_kind)k)->name,
                          (unsigned long long)rep.counts.found[k],
                          (unsigned long long)rep.counts.rejects[k]);
        }
    }
    for (int b = 0; b < RECORD_FLAG_COUNT; b++) {
        if (rep.counts.flagged[b] != 0) {
            lw_buf_printf(out, "flag %s records=%llu\n", record_flag_names[b],
                          (unsigned long long)rep.counts.flagged[b]);
        }
    }
    reader_close(r);
}

static void
render_sniff(const char *path, struct lw_buf *out)
{
    struct lw_error err = {0};
    struct reader *r = NULL;
    struct lw_slice head;

    if (reader_open_file(path, &r, &err) != LW_OK || reader_peek(r, READER_PEEK_MAX, &head) != LW_OK) {
        lw_buf_printf(out, "error %s\n", err.msg);
    } else {
        lw_buf_printf(out, "%s\n", parser_sniff(head, NULL)->name);
    }
    reader_close(r);
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;

    *len = 0;
    if (f == NULL) {
        return NULL;
    }
    buf = malloc(OUT_MAX);
    *len = fread(buf, 1, OUT_MAX, f);
    fclose(f);
    return buf;
}

static int
compare(const char *in_path, struct lw_buf *got)
{
    char out_path[1024];
    size_t len;
    char *want;
    int ok;

    snprintf(out_path, sizeof(out_path), "%.*s.out", (int)(strlen(in_path) - 3), in_path);
    if (getenv("UPDATE_GOLDEN") != NULL) {
        FILE *f = fopen(out_path, "wb");

        fwrite(got->data != NULL ? got->data : "", 1, got->len, f);
        fclose(f);
        return 1;
    }
    want = slurp(out_path, &len);
    ok = want != NULL && len == got->len && (len == 0 || memcmp(want, got->data, len) == 0);
    if (!ok) {
        fprintf(stderr, "golden mismatch: %s (run with UPDATE_GOLDEN=1 and review the diff)\n"
                        "--- got ---\n%.*s\n",
                in_path, (int)(got->len > 4000 ? 4000 : got->len), got->data ? got->data : "");
    }
    free(want);
    return ok;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every *.in under tests/data/<dir>; returns the number of cases. */
static int
run_dir(const char *dir)
{
    char path[1024];
    char *names[4096];
    size_t n = 0;
    DIR *d;
    struct dirent *e;
    const struct parser_ops *ops = parser_find(dir);

    snprintf(path, sizeof(path), "tests/data/%s", dir);
    d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL && n < 4096) {
        size_t l = strlen(e->d_name);

        if (l > 3 && strcmp(e->d_name + l - 3, ".in") == 0) {
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct lw_buf out;

        lw_buf_init(&out, OUT_MAX);
        snprintf(path, sizeof(path), "tests/data/%s/%s", dir, names[i]);
        if (strcmp(dir, "extract") == 0) {
            render_extract(path, &out);
        } else if (strcmp(dir, "sniff") == 0) {
            render_sniff(path, &out);
        } else {
            render_records(ops, path, &out);
        }
        if (compare(path, &out)) {
            lw_test_passed++;
        } else {
            lw_test_failed++;
            fprintf(stderr, "FAIL %s\n", path);
        }
        lw_buf_free(&out);
        free(names[i]);
    }
    return (int)n;
}

int
main(void)
{
    static const char *const dirs[] = {"html", "sql", "csv", "json", "combo", "text", "extract", "sniff"};

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        run_dir(dirs[i]);
    }
    return LW_TEST_END();
}
