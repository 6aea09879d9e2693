/*
 * common/error.c — lw_strerror() and the caller-owned error buffer.
 *
 * The alternative rejected: errno-style globals. They are not thread-safe without TLS and lose the
 * detail (which file, which option) that makes an error message actionable.
 */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[LW_RC_COUNT] = {
    [LW_OK] = "ok",
    [LW_ERR_USAGE] = "usage error",
    [LW_ERR_CONFIG] = "configuration error",
    [LW_ERR_IO] = "input/output error",
    [LW_ERR_INVALID] = "invalid input",
    [LW_ERR_TOO_LARGE] = "limit exceeded",
    [LW_ERR_RANGE] = "number out of range",
    [LW_ERR_CRYPTO] = "cryptographic failure",
    [LW_ERR_EXISTS] = "already exists",
    [LW_ERR_NOT_FOUND] = "not found",
    [LW_ERR_PROXY] = "proxy unavailable",
    [LW_ERR_DB] = "database unavailable",
    [LW_ERR_NET] = "network failure",
    [LW_ERR_INTERNAL] = "internal error",
};

const char *
lw_strerror(enum lw_rc rc)
{
    if ((unsigned)rc >= LW_RC_COUNT || messages[rc] == NULL) {
        return "unknown error";
    }
    return messages[rc];
}

enum lw_rc
lw_error_set(struct lw_error *err, enum lw_rc rc, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return rc;
    }
    err->rc = rc;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return rc;
}

void
lw_error_prefix(struct lw_error *err, const char *fmt, ...)
{
    char old[LW_ERROR_MSG_MAX];
    size_t used;
    int n;
    va_list ap;

    if (err == NULL) {
        return;
    }
    memcpy(old, err->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    used = n < 0 ? 0 : (size_t)n;
    if (used >= sizeof(err->msg) - 1) {
        return; /* the prefix alone filled the buffer */
    }
    /* append ": old" by hand: snprintf of "%s: %s" into the same size trips -Wformat-truncation */
    for (const char *s = ": "; *s != '\0' && used < sizeof(err->msg) - 1; s++) {
        err->msg[used++] = *s;
    }
    for (size_t i = 0; old[i] != '\0' && used < sizeof(err->msg) - 1; i++) {
        err->msg[used++] = old[i];
    }
    err->msg[used] = '\0';
}
