/*
 * cli/progress.h — a one-line progress display on a terminal (stderr): bytes, percent, rate, ETA
 * and identifiers found. Nothing at all when stderr is not a terminal or output is quiet, so cron
 * and pipes see only the summaries.
 */
#ifndef LW_CLI_PROGRESS_H
#define LW_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    bool enabled;
    const char *name;  /* printed escaped */
    uint64_t total;    /* bytes, 0 when unknown (stdin) */
    double start, last;
    bool shown;
};

/* Enable when stderr is a terminal and the log level shows info or warnings. */
void progress_start(struct progress *pr, const char *name, uint64_t total);

/* pipeline_progress_fn: redraw at most every 200 ms, and only after the first second. */
void progress_update(void *pr, uint64_t bytes, uint64_t identifiers);

/* Erase the line if anything was drawn. */
void progress_done(struct progress *pr);

/* Seconds on a monotonic clock. */
double progress_now(void);

#endif
