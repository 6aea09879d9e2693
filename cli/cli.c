/*
 * cli/cli.c — what the subcommand files share (cli/cli.h): the usage error, connecting to a
 * migrated database, and the options of a `list [--json]` subcommand.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/escape.h"
#include "storage/migrate.h"

enum lw_rc
cli_usage_error(struct lw_error *err, const char *command, const char *fmt, ...)
{
    char msg[LW_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return lw_error_set(err, LW_ERR_USAGE, "%s (try 'leakwatch %s --help')", msg, command);
}

enum lw_rc
cli_connect(struct db **db, struct lw_error *err)
{
    enum lw_rc rc = db_connect(db, err);

    if (rc == LW_OK) {
        rc = migrate_require(*db, err);
    }
    return rc;
}

enum lw_rc
cli_list_args(int argc, char **argv, const char *command, void (*help)(void), bool *json,
              bool *helped, struct lw_error *err)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int c;

    *json = false;
    *helped = false;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            help();
            *helped = true;
            return LW_OK;
        }
        if (c != 'j') {
            return cli_usage_error(err, command, "bad option for %s %s", command, argv[0]);
        }
        *json = true;
    }
    if (optind < argc) {
        return cli_usage_error(err, command, "%s %s takes no arguments", command, argv[0]);
    }
    return LW_OK;
}

enum lw_rc
cli_name_arg(int argc, char **argv, const char *command, const char *sub, void (*help)(void),
             const char **name, struct lw_error *err)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c != 'h') {
            return cli_usage_error(err, command, "bad option for %s %s", command, sub);
        }
        help();
        return LW_ERR_NOT_FOUND;
    }
    if (optind + 1 != argc) {
        return cli_usage_error(err, command, "name one %s: %s %s NAME", command, command, sub);
    }
    *name = argv[optind];
    return LW_OK;
}

void
cli_text(const char *s, char *out, size_t cap)
{
    struct lw_buf b;

    lw_buf_init(&b, cap - 1);
    (void)lw_escape(&b, lw_slice_cstr(s), LW_ESCAPE_TEXT); /* a prefix when too long */
    snprintf(out, cap, "%s", b.data != NULL ? b.data : "");
    lw_buf_free(&b);
}

void
cli_print_token(const char *kind, const char *verb, const char *name, const char *token)
{
    char n[4 * 100 + 1];

    if (!isatty(STDOUT_FILENO)) {
        printf("%s\n", token);
        return;
    }
    cli_text(name, n, sizeof(n));
    printf("%s %s %s. Its API token, shown only this once (leakwatch keeps only a hash):\n%s\n",
           verb, kind, n, token);
}
