/*
 * cli/main.c — leakwatch's entry point: global options, subcommand dispatch, exit codes.
 *
 * The one place an enum lw_rc becomes an exit code (DESIGN.md): 0 ok, 1 failure, 2 usage or
 * configuration error, 3 proxy/Tor unavailable, 4 database unavailable. Global options come before
 * the subcommand (getopt stops at the first non-option, "+"), so a subcommand's own options never
 * collide with them.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"

static const struct cli_command *const commands[] = {
    &cmd_alerts,
    &cmd_clinic,
    &cmd_crawl,
    &cmd_db,
    &cmd_enroll,
    &cmd_ingest,
    &cmd_key,
    &cmd_researcher,
    &cmd_serve,
    &cmd_source,
    &cmd_stats,
    &cmd_verify,
    &cmd_watch,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
help(void)
{
    printf("leakwatch %s — watch paste and leak sites through Tor for dumps of personal data,\n"
           "and alert the organisations whose people are in them, storing only keyed hashes.\n\n"
           "Usage: leakwatch [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
           "Commands:\n",
           LEAKWATCH_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        printf("  %-10s %s\n", commands[i]->name, commands[i]->summary);
    }
    printf("\nGlobal options:\n"
           "  -v, --verbose           more detail on stderr (repeat for debug)\n"
           "  -q, --quiet             errors only\n"
           "      --log-level LEVEL   debug, info, warn (default), error or silent\n"
           "      --log-format FMT    text (default) or json (one object per line)\n"
           "  -h, --help              this help; 'leakwatch COMMAND --help' for a command\n"
           "  -V, --version           print the version\n\n"
           "Environment:\n"
           "  LEAKWATCH_DB            PostgreSQL conninfo or URI (else PG* variables, else the\n"
           "                          project-local cluster under var/pg when it runs)\n"
           "  LEAKWATCH_KEY_FILE      the key file (default: " "var/leakwatch.key" ")\n"
           "  LEAKWATCH_LOG_LEVEL, LEAKWATCH_LOG_FORMAT   defaults for --log-level, --log-format\n\n"
           "Exit status:\n"
           "  0 ok   1 failure   2 usage or configuration error   3 proxy/Tor unavailable\n"
           "  4 database unavailable\n\n"
           "Privacy: leakwatch never writes an identifier, a record or a page body to disk, a log\n"
           "line or its output — only keyed hashes (RFC 9497 OPRF), kinds and counts.\n");
}

static int
exit_code(enum lw_rc rc)
{
    switch (rc) {
    case LW_OK: return 0;
    case LW_ERR_USAGE:
    case LW_ERR_CONFIG: return 2;
    case LW_ERR_PROXY: return 3;
    case LW_ERR_DB: return 4;
    default: return 1;
    }
}

static const struct cli_command *
find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

static void
apply_env_defaults(void)
{
    const char *lvl = getenv("LEAKWATCH_LOG_LEVEL");
    const char *fmt = getenv("LEAKWATCH_LOG_FORMAT");
    enum lw_log_level level;
    enum lw_log_format format;

    if (lvl != NULL && lw_log_parse_level(lvl, &level) == LW_OK) {
        lw_log_set_level(level);
    }
    if (fmt != NULL && lw_log_parse_format(fmt, &format) == LW_OK) {
        lw_log_set_format(format);
    }
}

/* Parse global options; returns the index of the command word, or -1 (done), or -2 (usage). */
static int
parse_globals(int argc, char **argv)
{
    static const struct option opts[] = {
        {"verbose", no_argument, NULL, 'v'},      {"quiet", no_argument, NULL, 'q'},
        {"log-level", required_argument, NULL, 'L'}, {"log-format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    int verbose = 0;

    while ((c = getopt_long(argc, argv, "+vqhV", opts, NULL)) != -1) {
        enum lw_log_level level;
        enum lw_log_format format;

        switch (c) {
        case 'v':
            verbose++;
            lw_log_set_level(verbose > 1 ? LW_LOG_DEBUG : LW_LOG_INFO);
            break;
        case 'q': lw_log_set_level(LW_LOG_ERROR); break;
        case 'L':
            if (lw_log_parse_level(optarg, &level) != LW_OK) {
                lw_err(NULL, "--log-level must be debug, info, warn, error or silent");
                return -2;
            }
            lw_log_set_level(level);
            break;
        case 'F':
            if (lw_log_parse_format(optarg, &format) != LW_OK) {
                lw_err(NULL, "--log-format must be text or json");
                return -2;
            }
            lw_log_set_format(format);
            break;
        case 'h': help(); return -1;
        case 'V': printf("leakwatch %s\n", LEAKWATCH_VERSION); return -1;
        default: return -2;
        }
    }
    return optind;
}

int
main(int argc, char **argv)
{
    struct lw_error err = {0};
    const struct cli_command *cmd;
    enum lw_rc rc;
    int first;

    apply_env_defaults();
    first = parse_globals(argc, argv);
    if (first == -1) {
        return 0;
    }
    if (first == -2) {
        fprintf(stderr, "Try 'leakwatch --help'.\n");
        return 2;
    }
    if (first >= argc) {
        help();
        return 2;
    }
    if (strcmp(argv[first], "help") == 0) {
        cmd = first + 1 < argc ? find_command(argv[first + 1]) : NULL;
        cmd != NULL ? cmd->help() : help();
        return 0;
    }
    cmd = find_command(argv[first]);
    if (cmd == NULL) {
        lw_err(NULL, "unknown command '%s' (try 'leakwatch --help')", argv[first]);
        return 2;
    }
    optind = 0; /* glibc: 0 re-initialises getopt; each command parses its own argv */
    rc = cmd->run(argc - first, argv + first, &err);
    if (rc != LW_OK) {
        lw_err(cmd->name, "%s", err.msg[0] != '\0' ? err.msg : lw_strerror(rc));
    }
    return exit_code(rc);
}
