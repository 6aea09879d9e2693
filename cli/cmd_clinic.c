/*
 * cli/cmd_clinic.c — `leakwatch clinic` (being built for issue 6; this file is replaced).
 */
#include <stdio.h>

#include "cli/cli.h"

static void
help(void)
{
    printf("Usage: leakwatch clinic ...\n");
}

static enum lw_rc
run(int argc, char **argv, struct lw_error *err)
{
    (void)argc;
    (void)argv;
    return lw_error_set(err, LW_ERR_INTERNAL, "clinic: not built yet");
}

const struct cli_command cmd_clinic = {"clinic", "manage clinics: add, list, remove, token rotate", run, help};
