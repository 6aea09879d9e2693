/*
 * cli/cmd_researcher.c — `leakwatch researcher add|list|remove|token rotate`: who may read the
 * suppressed statistics over the API (GET /v1/stats, storage/researchers.h).
 *
 * The shape of `leakwatch clinic`: add and token rotate print the API token exactly once (the
 * database keeps only its hash); on a terminal a sentence says so, otherwise stdout is the token
 * alone on one line for scripts (TOKEN=$(leakwatch researcher add …)). A bad name is a usage error
 * (exit 2), a taken name or an unknown researcher exit 1. list prints a table or, with --json, one
 * JSON object per line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/escape.h"
#include "storage/db.h"
#include "storage/researchers.h"

#define RESEARCHERS_MAX 1000000

static void
researcher_help(void)
{
    printf(
        "Usage: leakwatch researcher add NAME\n"
        "       leakwatch researcher list [--json]\n"
        "       leakwatch researcher remove NAME\n"
        "       leakwatch researcher token rotate NAME\n\n"
        "Researchers read aggregate statistics over the API (GET /v1/stats?by=kind|source|month|\n"
        "country|overlap) with a bearer token; counts below 10 are always suppressed for them,\n"
        "whatever min_count they ask for. They never see a hash, a document or an identifier.\n\n"
        "  add            create a researcher and print its API token ONCE (only a hash is\n"
        "                 stored: a lost token cannot be shown again, only replaced)\n"
        "  list           name and creation time; --json: one object per line\n"
        "  remove         delete the researcher; its token stops working at once\n"
        "  token rotate   print a new API token; the old one stops working at once\n\n"
        "  NAME           1-100 of A-Z a-z 0-9 . _ -, starting with a letter or digit\n\n"
        "When stdout is not a terminal, add and token rotate print the token alone on one line.\n\n"
        "Exit status: 0 ok, 1 the name is taken (add) or there is no such researcher, 2 usage\n"
        "error or a bad name, 4 database unavailable.\n");
}

static enum lw_rc
run_add(int argc, char **argv, struct lw_error *err)
{
    struct db *db = NULL;
    const char *name = NULL;
    char token[RESEARCHER_TOKEN_LEN + 1] = "";
    enum lw_rc rc = cli_name_arg(argc, argv, "researcher", "add", researcher_help, &name, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = researchers_add(db, name, token, err);
        if (rc == LW_ERR_INVALID) {
            rc = cli_usage_error(err, "researcher", "NAME%s", strchr(err->msg, ':') != NULL
                                                                 ? strchr(err->msg, ':')
                                                                 : ": not a valid name");
        }
    }
    if (rc == LW_OK) {
        cli_print_token("researcher", "Added", name, token);
    }
    lw_wipe(token, sizeof(token));
    db_close(db);
    return rc;
}

static enum lw_rc
run_rotate(int argc, char **argv, struct lw_error *err)
{
    struct db *db = NULL;
    const char *name = NULL;
    char token[RESEARCHER_TOKEN_LEN + 1] = "";
    enum lw_rc rc;

    if (argc < 2 || strcmp(argv[1], "rotate") != 0) {
        return cli_usage_error(err, "researcher", "researcher token rotate NAME");
    }
    rc = cli_name_arg(argc - 1, argv + 1, "researcher", "token rotate", researcher_help, &name,
                      err);
    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = researchers_rotate_token(db, name, token, err);
    }
    if (rc == LW_OK) {
        cli_print_token("researcher", "New token for", name, token);
    }
    lw_wipe(token, sizeof(token));
    db_close(db);
    return rc;
}

static enum lw_rc
run_remove(int argc, char **argv, struct lw_error *err)
{
    struct db *db = NULL;
    const char *name = NULL;
    char text[4 * RESEARCHER_NAME_MAX + 1];
    enum lw_rc rc =
        cli_name_arg(argc, argv, "researcher", "remove", researcher_help, &name, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc == LW_OK) {
        rc = cli_connect(&db, err);
    }
    if (rc == LW_OK) {
        rc = researchers_remove(db, name, err);
    }
    if (rc == LW_OK) {
        cli_text(name, text, sizeof(text));
        printf("removed researcher %s\n", text);
    }
    db_close(db);
    return rc;
}

struct researcher_rows {
    struct researcher *v;
    size_t n, cap;
};

static int
collect(void *user, const struct researcher *r)
{
    struct researcher_rows *rows = user;

    if (rows->n >= RESEARCHERS_MAX) {
        return 1;
    }
    rows->v = lw_xgrowarray(rows->v, &rows->cap, rows->n + 1, RESEARCHERS_MAX, sizeof(*rows->v));
    rows->v[rows->n++] = *r;
    return 0;
}

static void
print_rows(const struct researcher_rows *rows, bool json)
{
    char name[4 * RESEARCHER_NAME_MAX + 1];

    if (!json && rows->n == 0) {
        printf("no researchers (add one with 'leakwatch researcher add NAME')\n");
        return;
    }
    if (!json) {
        printf("%-30s  %s\n", "NAME", "CREATED");
    }
    for (size_t i = 0; i < rows->n; i++) {
        const struct researcher *r = &rows->v[i];
        struct lw_buf b;

        if (!json) {
            cli_text(r->name, name, sizeof(name));
            printf("%-30s  %s\n", name, r->created_at);
            continue;
        }
        lw_buf_init(&b, 4096);
        lw_buf_append_str(&b, "{\"name\":\"");
        lw_escape(&b, lw_slice_cstr(r->name), LW_ESCAPE_JSON);
        lw_buf_printf(&b, "\",\"created\":\"%s\"}\n", r->created_at);
        fwrite(b.data, 1, b.len, stdout);
        lw_buf_free(&b);
    }
}

static enum lw_rc
run_list(int argc, char **argv, struct lw_error *err)
{
    struct researcher_rows rows = {0};
    struct db *db = NULL;
    bool json = false, helped = false;
    enum lw_rc rc = cli_list_args(argc, argv, "researcher", researcher_help, &json, &helped, err);

    if (rc != LW_OK || helped) {
        return rc;
    }
    rc = cli_connect(&db, err);
    if (rc == LW_OK) {
        rc = researchers_list(db, collect, &rows, err);
    }
    if (rc == LW_OK) {
        print_rows(&rows, json);
    }
    free(rows.v);
    db_close(db);
    return rc;
}

static enum lw_rc
researcher_run(int argc, char **argv, struct lw_error *err)
{
    static const struct {
        const char *name;
        enum lw_rc (*run)(int, char **, struct lw_error *);
    } subs[] = {
        {"add", run_add},
        {"list", run_list},
        {"remove", run_remove},
        {"token", run_rotate},
    };
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (sub == NULL) {
        return cli_usage_error(err, "researcher", "name a subcommand: add, list, remove or "
                               "token rotate");
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        researcher_help();
        return LW_OK;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(sub, subs[i].name) == 0) {
            return subs[i].run(argc - 1, argv + 1, err);
        }
    }
    return cli_usage_error(err, "researcher", "unknown subcommand '%s' (add, list, remove or "
                           "token rotate)", sub);
}

const struct cli_command cmd_researcher = {
    .name = "researcher",
    .summary = "add, list or remove researchers; rotate a researcher's API token",
    .run = researcher_run,
    .help = researcher_help,
};
