/*
 * cli/cmd_serve.c — `leakwatch serve` (being built for issue 6; this file is replaced).
 */
#include <stdio.h>

#include "cli/cli.h"

static void
help(void)
{
    printf("Usage: leakwatch serve ...\n");
}

static enum lw_rc
run(int argc, char **argv, struct lw_error *err)
{
    (void)argc;
    (void)argv;
    return lw_error_set(err, LW_ERR_INTERNAL, "serve: not built yet");
}

const struct cli_command cmd_serve = {"serve", "the HTTP API for clinics (blind enrollment, alerts)", run, help};
