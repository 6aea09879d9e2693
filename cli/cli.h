/*
 * cli/cli.h — what the subcommand files share: the command table entry, option helpers and the
 * printing conventions. Only cli/main.c turns enum lw_rc into exit codes.
 *
 * Conventions: a command's results go to stdout; diagnostics go through common/log (stderr); a
 * command returns LW_OK or an error code with the detail in err, and never logs that error itself.
 */
#ifndef LW_CLI_CLI_H
#define LW_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "storage/db.h"

#define LEAKWATCH_VERSION "0.1.0"

struct cli_command {
    const char *name;
    const char *summary; /* one line for `leakwatch --help` */
    /* argv[0] is the command name; options follow. Fill err on failure. */
    enum lw_rc (*run)(int argc, char **argv, struct lw_error *err);
    void (*help)(void); /* full help for `leakwatch NAME --help` */
};

/* cli/cmd_db.c, cli/cmd_key.c, cli/cmd_ingest.c */
extern const struct cli_command cmd_db;
extern const struct cli_command cmd_key;
extern const struct cli_command cmd_ingest;
extern const struct cli_command cmd_source; /* cli/cmd_source.c */
extern const struct cli_command cmd_crawl;  /* cli/cmd_crawl.c */
extern const struct cli_command cmd_clinic;  /* cli/cmd_clinic.c */
extern const struct cli_command cmd_watch;   /* cli/cmd_watch.c */
extern const struct cli_command cmd_alerts;  /* cli/cmd_alerts.c */
extern const struct cli_command cmd_verify;  /* cli/cmd_verify.c */
extern const struct cli_command cmd_serve;   /* cli/cmd_serve.c */
extern const struct cli_command cmd_enroll;  /* cli/cmd_enroll.c */
extern const struct cli_command cmd_researcher; /* cli/cmd_researcher.c */
extern const struct cli_command cmd_stats;   /* cli/cmd_stats.c */

/* Usage error with a hint to the command's --help; returns LW_ERR_USAGE. */
enum lw_rc cli_usage_error(struct lw_error *err, const char *command, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Connect (LW_ERR_DB, exit 4) and check the schema is migrated (LW_ERR_CONFIG). *db is the
 * caller's to close, also on failure. */
enum lw_rc cli_connect(struct db **db, struct lw_error *err);

/*
 * The options of a `COMMAND list [--json]` subcommand, argv[0] being "list": *json for --json;
 * --help prints help() and sets *helped (the caller returns LW_OK). Anything else, operands
 * included, is a usage error.
 */
/* The options of a `COMMAND SUB NAME` subcommand (argv[0] is SUB's last word; sub, "remove" or
 * "token rotate", names it in messages): *name; --help prints help() and returns
 * LW_ERR_NOT_FOUND (the caller returns LW_OK). Anything else is a usage error. */
enum lw_rc cli_name_arg(int argc, char **argv, const char *command, const char *sub,
                        void (*help)(void), const char **name, struct lw_error *err);

/* s escaped as one line of text into out (cut to fit; cap ≥ 1). */
void cli_text(const char *s, char *out, size_t cap);

/* A new API token: alone on its line when stdout is not a terminal (for scripts), else with a
 * sentence saying it is shown once. kind: "clinic", "researcher"; verb: "Added", "New token
 * for". */
void cli_print_token(const char *kind, const char *verb, const char *name, const char *token);

enum lw_rc cli_list_args(int argc, char **argv, const char *command, void (*help)(void),
                         bool *json, bool *helped, struct lw_error *err);

#endif
