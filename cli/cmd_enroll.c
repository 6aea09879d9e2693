/*
 * cli/cmd_enroll.c — `leakwatch enroll` (being built for issue 6; this file is replaced).
 */
#include <stdio.h>

#include "cli/cli.h"

static void
help(void)
{
    printf("Usage: leakwatch enroll ...\n");
}

static enum lw_rc
run(int argc, char **argv, struct lw_error *err)
{
    (void)argc;
    (void)argv;
    return lw_error_set(err, LW_ERR_INTERNAL, "enroll: not built yet");
}

const struct cli_command cmd_enroll = {"enroll", "enroll a clinic's identifiers (blind, through the API, or with the key)", run, help};
