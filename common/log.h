/*
 * common/log.h — levelled logging to stderr, as text or JSON lines [Tor log.c].
 *
 * Each message names a domain (the module: "key", "oprf", "crawl", …). Every formatted message is
 * escaped before it is written (control characters, invalid UTF-8, line separators), so an untrusted
 * string that reaches a log line cannot forge lines or drive the terminal. Escaping does not make
 * leaked contents loggable: log offsets, counts and kinds, never values [Tor SafeLogging].
 * Thread-safe: one write per message under the stream lock.
 */
#ifndef LW_COMMON_LOG_H
#define LW_COMMON_LOG_H

#include <stdio.h>

#include "common/error.h"

enum lw_log_level {
    LW_LOG_DEBUG = 0,
    LW_LOG_INFO,
    LW_LOG_WARN,
    LW_LOG_ERROR,
    LW_LOG_SILENT, /* only as a threshold: log nothing */
};

enum lw_log_format {
    LW_LOG_TEXT = 0, /* "leakwatch: warn: domain: message" */
    LW_LOG_JSON,     /* {"ts":…,"level":…,"domain":…,"pid":…,"msg":…} */
};

/* Messages below level are dropped. Default: LW_LOG_WARN (quiet unless something is wrong). */
void lw_log_set_level(enum lw_log_level level);
enum lw_log_level lw_log_get_level(void);
void lw_log_set_format(enum lw_log_format format);
/* Where messages go; NULL restores stderr. The stream is borrowed, not closed. */
void lw_log_set_stream(FILE *stream);

/* "debug|info|warn|error|silent" and "text|json"; LW_ERR_USAGE otherwise. */
enum lw_rc lw_log_parse_level(const char *s, enum lw_log_level *level);
enum lw_rc lw_log_parse_format(const char *s, enum lw_log_format *format);

void lw_log(enum lw_log_level level, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define lw_debug(domain, ...) lw_log(LW_LOG_DEBUG, (domain), __VA_ARGS__)
#define lw_info(domain, ...) lw_log(LW_LOG_INFO, (domain), __VA_ARGS__)
#define lw_warn(domain, ...) lw_log(LW_LOG_WARN, (domain), __VA_ARGS__)
#define lw_err(domain, ...) lw_log(LW_LOG_ERROR, (domain), __VA_ARGS__)

#endif
