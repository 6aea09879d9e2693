/*
 * cli/cmd_alerts.c — `leakwatch alerts` (being built for issue 6; this file is replaced).
 */
#include <stdio.h>

#include "cli/cli.h"

static void
help(void)
{
    printf("Usage: leakwatch alerts ...\n");
}

static enum lw_rc
run(int argc, char **argv, struct lw_error *err)
{
    (void)argc;
    (void)argv;
    return lw_error_set(err, LW_ERR_INTERNAL, "alerts: not built yet");
}

const struct cli_command cmd_alerts = {"alerts", "list alerts and deliver them (webhook, e-mail)", run, help};
