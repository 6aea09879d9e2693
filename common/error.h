/*
 * common/error.h — the one error enum of leakwatch and a caller-owned error buffer.
 *
 * Every function that can fail returns an enum lw_rc; LW_OK is 0. Human detail (which file, which
 * line, what to do about it) goes into a struct lw_error the caller owns, so the callee never logs:
 * the caller decides whether and how to report, once. Only cli/main.c maps codes to exit codes.
 */
#ifndef LW_COMMON_ERROR_H
#define LW_COMMON_ERROR_H

#include <stddef.h>

enum lw_rc {
    LW_OK = 0,
    LW_ERR_USAGE,     /* bad command-line arguments */
    LW_ERR_CONFIG,    /* bad configuration: settings, key file permissions, missing files */
    LW_ERR_IO,        /* a read or write on a local file failed */
    LW_ERR_INVALID,   /* input is not what it claims to be (not an identifier, bad encoding) */
    LW_ERR_TOO_LARGE, /* a limit was reached: buffer ceiling, input length */
    LW_ERR_RANGE,     /* a number does not fit, or is outside the allowed range */
    LW_ERR_CRYPTO,    /* a cryptographic operation failed (identity element, bad point) */
    LW_ERR_EXISTS,    /* refusing to overwrite something that exists */
    LW_ERR_NOT_FOUND, /* a named thing does not exist */
    LW_ERR_PROXY,     /* the SOCKS proxy / Tor is unavailable */
    LW_ERR_DB,        /* the database is unavailable */
    LW_ERR_NET,       /* a remote peer failed */
    LW_ERR_INTERNAL,  /* a bug: an invariant did not hold */
    LW_RC_COUNT
};

/* Size of the message buffer; longer messages are truncated, never overflowed. */
#define LW_ERROR_MSG_MAX 512

/* Caller-owned error detail. Zero-initialise it ({0}); msg is always NUL-terminated. */
struct lw_error {
    enum lw_rc rc;
    char msg[LW_ERROR_MSG_MAX];
};

/* Static, never-NULL description of a code ("usage error", …). Unknown codes give "unknown error". */
const char *lw_strerror(enum lw_rc rc);

/*
 * Record rc and a printf-style message in err (which may be NULL: then only rc is returned).
 * Returns rc so callers can write `return lw_error_set(err, LW_ERR_IO, "…", …);`.
 * Callers must not pass leaked data (identifier values, record text) into the message.
 */
enum lw_rc lw_error_set(struct lw_error *err, enum lw_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to an existing message (for adding context on the way up). NULL-safe. */
void lw_error_prefix(struct lw_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
