/*
 * cli/progress.c — the progress line (see progress.h). Drawn with "\r" and erased with "\r\033[K";
 * the file name goes through the log escaper, so a hostile name cannot drive the terminal. Short
 * files never draw anything: the first frame waits a second.
 */
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/escape.h"
#include "common/log.h"

double
progress_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_start(struct progress *pr, const char *name, uint64_t total)
{
    pr->enabled = isatty(STDERR_FILENO) && lw_log_get_level() <= LW_LOG_WARN;
    pr->name = name;
    pr->total = total;
    pr->start = progress_now();
    pr->last = pr->start;
    pr->shown = false;
}

static void
put_eta(struct lw_buf *b, double secs)
{
    unsigned long s = secs > 0 && secs < 360000 ? (unsigned long)secs : 0;

    lw_buf_printf(b, "  ETA %lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

void
progress_update(void *user, uint64_t bytes, uint64_t identifiers)
{
    struct progress *pr = user;
    double now = progress_now();
    double rate;
    struct lw_buf b;

    if (!pr->enabled || now - pr->start < 1.0 || now - pr->last < 0.2) {
        return;
    }
    pr->last = now;
    rate = (double)bytes / (now - pr->start);
    lw_buf_init(&b, 4096);
    lw_buf_append_str(&b, "\r\033[K");
    lw_escape(&b, lw_slice_cstr(pr->name), LW_ESCAPE_TEXT);
    lw_buf_printf(&b, "  %.1f", (double)bytes / 1e6);
    if (pr->total > 0) {
        lw_buf_printf(&b, " / %.1f MB  %3.0f%%", (double)pr->total / 1e6,
                      100.0 * (double)bytes / (double)pr->total);
    } else {
        lw_buf_append_str(&b, " MB");
    }
    lw_buf_printf(&b, "  %.1f MB/s", rate / 1e6);
    if (pr->total > bytes && rate > 0) {
        put_eta(&b, (double)(pr->total - bytes) / rate);
    }
    lw_buf_printf(&b, "  %llu identifiers", (unsigned long long)identifiers);
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
    lw_buf_free(&b);
    pr->shown = true;
}

void
progress_done(struct progress *pr)
{
    if (pr->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        pr->shown = false;
    }
}
