/*
 * cli/cmd_verify.c — `leakwatch verify` (being built for issue 6; this file is replaced).
 */
#include <stdio.h>

#include "cli/cli.h"

static void
help(void)
{
    printf("Usage: leakwatch verify ...\n");
}

static enum lw_rc
run(int argc, char **argv, struct lw_error *err)
{
    (void)argc;
    (void)argv;
    return lw_error_set(err, LW_ERR_INTERNAL, "verify: not built yet");
}

const struct cli_command cmd_verify = {"verify", "check a webhook's Ed25519 signature", run, help};
