/*
 * cli/cmd_watch.c — `leakwatch watch` (being built for issue 6; this file is replaced).
 */
#include <stdio.h>

#include "cli/cli.h"

static void
help(void)
{
    printf("Usage: leakwatch watch ...\n");
}

static enum lw_rc
run(int argc, char **argv, struct lw_error *err)
{
    (void)argc;
    (void)argv;
    return lw_error_set(err, LW_ERR_INTERNAL, "watch: not built yet");
}

const struct cli_command cmd_watch = {"watch", "what a clinic watches besides its watchlist: keywords", run, help};
