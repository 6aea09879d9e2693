/*
 * common/log.c — the logger.
 *
 * A message is formatted into a fixed stack buffer (4 KiB; longer ones are cut and marked), escaped
 * into a bounded lw_buf, and written with one fwrite under flockfile so lines from worker threads
 * never interleave. Settings are process-wide and set once at start-up by cli/main.c.
 */

#include "common/log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/escape.h"

#define MSG_MAX 4096

static enum lw_log_level threshold = LW_LOG_WARN;
static enum lw_log_format format_ = LW_LOG_TEXT;
static FILE *stream_;

static const char *const level_names[] = {"debug", "info", "warn", "error", "silent"};

void
lw_log_set_level(enum lw_log_level level)
{
    threshold = level;
}

enum lw_log_level
lw_log_get_level(void)
{
    return threshold;
}

void
lw_log_set_format(enum lw_log_format format)
{
    format_ = format;
}

void
lw_log_set_stream(FILE *stream)
{
    stream_ = stream;
}

enum lw_rc
lw_log_parse_level(const char *s, enum lw_log_level *level)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *level = (enum lw_log_level)i;
            return LW_OK;
        }
    }
    return LW_ERR_USAGE;
}

enum lw_rc
lw_log_parse_format(const char *s, enum lw_log_format *format)
{
    if (strcmp(s, "text") == 0) {
        *format = LW_LOG_TEXT;
    } else if (strcmp(s, "json") == 0) {
        *format = LW_LOG_JSON;
    } else {
        return LW_ERR_USAGE;
    }
    return LW_OK;
}

static void
timestamp(char *out, size_t cap)
{
    struct timeval tv;
    struct tm tm;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}

static void
compose(struct lw_buf *line, enum lw_log_level level, const char *domain, struct lw_slice msg)
{
    const char *lvl = level_names[level < LW_LOG_SILENT ? level : LW_LOG_ERROR];
    enum lw_escape_mode mode = format_ == LW_LOG_JSON ? LW_ESCAPE_JSON : LW_ESCAPE_TEXT;
    char ts[128];

    /* Errors from the bounded buffer only truncate the line; the closing text is still appended
     * below because the ceiling leaves room for it. */
    if (format_ == LW_LOG_JSON) {
        timestamp(ts, sizeof(ts));
        lw_buf_printf(line, "{\"ts\":\"%s\",\"level\":\"%s\",\"domain\":\"", ts, lvl);
        lw_escape(line, lw_slice_cstr(domain), mode);
        lw_buf_printf(line, "\",\"pid\":%ld,\"msg\":\"", (long)getpid());
        lw_escape(line, msg, mode);
        line->max += 8;
        lw_buf_append_str(line, "\"}\n");
    } else {
        lw_buf_printf(line, "leakwatch: %s: ", lvl);
        if (domain != NULL && domain[0] != '\0') {
            lw_escape(line, lw_slice_cstr(domain), mode);
            lw_buf_append_str(line, ": ");
        }
        lw_escape(line, msg, mode);
        line->max += 8;
        lw_buf_append_str(line, "\n");
    }
}

void
lw_log(enum lw_log_level level, const char *domain, const char *fmt, ...)
{
    char msg[MSG_MAX];
    struct lw_buf line;
    va_list ap;
    int n;
    FILE *out = stream_ != NULL ? stream_ : stderr;

    if (level < threshold || level >= LW_LOG_SILENT) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(msg)) {
        memcpy(msg + sizeof(msg) - 5, "[..]", 5); /* mark the cut */
        n = (int)sizeof(msg) - 1;
    }
    lw_buf_init(&line, 4 * MSG_MAX);
    compose(&line, level, domain, lw_slice_make(msg, (size_t)n));
    flockfile(out);
    fwrite(line.data, 1, line.len, out);
    fflush(out);
    funlockfile(out);
    lw_buf_free(&line);
}
