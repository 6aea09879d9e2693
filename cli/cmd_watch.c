/*
 * cli/cmd_watch.c — `leakwatch watch keyword|list`: what a clinic watches besides the identifiers
 * it enrolled — keywords (its name, its brands) whose mention in a document alerts it.
 *
 * Keywords are stored as written and folded (common/fold.h: case, diacritics and punctuation
 * off), and matched on word boundaries against every document as it is parsed; the document text
 * is never stored. list shows the keywords and the watchlist's row count per identifier kind —
 * never a hash or a ref: they are the clinic's, and counts are all an operator needs.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/escape.h"
#include "parsers/identifiers.h"
#include "storage/clinics.h"
#include "storage/db.h"
#include "storage/watchlist.h"

#define KINDS_MAX 16 /* watchlist_counts' by_kind */

static void
watch_help(void)
{
    printf("Usage: leakwatch watch keyword --clinic NAME WORD...\n"
           "       leakwatch watch keyword --clinic NAME --remove WORD...\n"
           "       leakwatch watch list --clinic NAME [--json]\n\n"
           "Keywords: a document that names a clinic alerts it, even when none of its enrolled\n"
           "identifiers is in it. Matching ignores case, diacritics and punctuation and works on\n"
           "whole words: 'Vastaamo' matches \"VASTAAMO's\" and \"vastaamo.fi\" but not\n"
           "\"Vastaamot\". A keyword of several words matches them in sequence. Give each keyword\n"
           "as one argument (quote multi-word ones). Documents are never stored; only the\n"
           "keywords they mentioned are recorded with the alert.\n\n"
           "  keyword        add the WORDs (ones already there are skipped)\n"
           "    --remove     remove them instead\n"
           "  list           the clinic's keywords and its watchlist rows per identifier kind\n"
           "    --json       one JSON object\n\n"
           "The watchlist itself (keyed hashes of identifiers, with the clinic's refs) is filled\n"
           "by 'leakwatch enroll'.\n\n"
           "Exit status: 0 ok, 1 no such clinic, 2 usage error or a bad keyword (empty once\n"
           "folded, or over 200 bytes), 4 database unavailable.\n");
}

static enum lw_rc
connect_clinic(const char *name, struct db **db, struct clinic *c, struct lw_error *err)
{
    enum lw_rc rc = cli_connect(db, err);

    if (rc == LW_OK) {
        rc = clinics_get(*db, name, c, err);
    }
    return rc;
}

struct watch_opts {
    const char *clinic;
    bool remove;
    bool json;
};

/* LW_ERR_NOT_FOUND: --help was shown. */
static enum lw_rc
parse(int argc, char **argv, const char *what, struct watch_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"clinic", required_argument, NULL, 'c'}, {"remove", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool keyword = strcmp(what, "keyword") == 0;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            watch_help();
            return LW_ERR_NOT_FOUND;
        }
        if (c == 'c') {
            o->clinic = optarg;
        } else if (c == 'r' && keyword) {
            o->remove = true;
        } else if (c == 'j' && !keyword) {
            o->json = true;
        } else {
            return cli_usage_error(err, "watch", "bad option for watch %s", what);
        }
    }
    if (o->clinic == NULL) {
        return cli_usage_error(err, "watch", "--clinic NAME is required");
    }
    if (keyword && optind >= argc) {
        return cli_usage_error(err, "watch", "give at least one WORD");
    }
    if (!keyword && optind < argc) {
        return cli_usage_error(err, "watch", "watch list takes no arguments");
    }
    return LW_OK;
}

static enum lw_rc
run_keyword(int argc, char **argv, struct lw_error *err)
{
    struct watch_opts o = {0};
    struct clinic c = {0};
    struct db *db = NULL;
    uint64_t n = 0;
    enum lw_rc rc = parse(argc, argv, "keyword", &o, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = connect_clinic(o.clinic, &db, &c, err);
    }
    if (rc == LW_OK && o.remove) {
        rc = clinics_keywords_remove(db, c.id, (const char *const *)(argv + optind),
                                     (size_t)(argc - optind), &n, err);
    } else if (rc == LW_OK) {
        rc = clinics_keywords_add(db, c.id, (const char *const *)(argv + optind),
                                  (size_t)(argc - optind), &n, err);
        if (rc == LW_ERR_INVALID) {
            rc = cli_usage_error(err, "watch", "%s", err->msg);
        }
    }
    if (rc == LW_OK) {
        printf("%s %llu keyword(s)\n", o.remove ? "removed" : "added", (unsigned long long)n);
    }
    db_close(db);
    return rc;
}

struct words {
    struct lw_buf *b;
    bool json;
    size_t n;
};

static int
print_word(void *user, int64_t id, int64_t clinic_id, const char *word)
{
    struct words *w = user;

    (void)id;
    (void)clinic_id;
    if (w->json) {
        lw_buf_append_str(w->b, w->n > 0 ? ",\"" : "\"");
        lw_escape(w->b, lw_slice_cstr(word), LW_ESCAPE_JSON);
        lw_buf_append_byte(w->b, '"');
    } else {
        lw_buf_append_str(w->b, "  ");
        lw_escape(w->b, lw_slice_cstr(word), LW_ESCAPE_TEXT);
        lw_buf_append_byte(w->b, '\n');
    }
    w->n++;
    return 0;
}

static void
put_counts(struct lw_buf *b, const uint64_t by_kind[KINDS_MAX], uint64_t total, bool json)
{
    bool first = true;

    lw_buf_printf(b, json ? "],\"watchlist_rows\":%llu,\"by_kind\":{" : "watchlist rows: %llu\n",
                  (unsigned long long)total);
    for (unsigned k = 0; k < KINDS_MAX; k++) {
        const struct id_kind_info *info = identifiers_kind((enum id_kind)k);

        if (by_kind[k] == 0) {
            continue;
        }
        if (json) {
            lw_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",", info != NULL ? info->name : "?",
                          (unsigned long long)by_kind[k]);
        } else {
            lw_buf_printf(b, "  %-18s %llu\n", info != NULL ? info->name : "?",
                          (unsigned long long)by_kind[k]);
        }
        first = false;
    }
    lw_buf_append_str(b, json ? "}}\n" : "");
}

static enum lw_rc
run_list(int argc, char **argv, struct lw_error *err)
{
    struct watch_opts o = {0};
    struct clinic c = {0};
    struct db *db = NULL;
    struct lw_buf b;
    struct words w = {&b, false, 0};
    uint64_t by_kind[KINDS_MAX], total = 0;
    enum lw_rc rc = parse(argc, argv, "list", &o, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    lw_buf_init(&b, 16u * 1024 * 1024);
    if (rc == LW_OK) {
        rc = connect_clinic(o.clinic, &db, &c, err);
    }
    if (rc == LW_OK) {
        lw_buf_append_str(&b, o.json ? "{\"clinic\":\"" : "clinic ");
        lw_escape(&b, lw_slice_cstr(c.name), o.json ? LW_ESCAPE_JSON : LW_ESCAPE_TEXT);
        lw_buf_printf(&b, o.json ? "\",\"keywords\":[" : "\nkeywords: %llu\n",
                      (unsigned long long)c.keywords);
        w.json = o.json;
        rc = clinics_keywords_each(db, c.id, print_word, &w, err);
    }
    if (rc == LW_OK) {
        rc = watchlist_counts(db, c.id, by_kind, &total, err);
    }
    if (rc == LW_OK) {
        put_counts(&b, by_kind, total, o.json);
        fwrite(b.data, 1, b.len, stdout);
    }
    lw_buf_free(&b);
    db_close(db);
    return rc;
}

static enum lw_rc
watch_run(int argc, char **argv, struct lw_error *err)
{
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (sub == NULL) {
        return cli_usage_error(err, "watch", "name a subcommand: keyword or list");
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        watch_help();
        return LW_OK;
    }
    if (strcmp(sub, "keyword") == 0) {
        return run_keyword(argc - 1, argv + 1, err);
    }
    if (strcmp(sub, "list") == 0) {
        return run_list(argc - 1, argv + 1, err);
    }
    return cli_usage_error(err, "watch", "unknown subcommand '%s' (keyword or list)", sub);
}

const struct cli_command cmd_watch = {
    .name = "watch",
    .summary = "a clinic's keywords (mentions of its name) and watchlist counts",
    .run = watch_run,
    .help = watch_help,
};
