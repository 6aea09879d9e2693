/*
 * storage/validate.h — checks shared by the things an operator names and configures (sources,
 * clinics): their names, URLs' characters, country codes. Messages start with "member: " as the
 * callers' specs document, so the command line can name its option.
 */
#ifndef LW_STORAGE_VALIDATE_H
#define LW_STORAGE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* A name: 1 to max of A-Z a-z 0-9 . _ -, starting with a letter or digit ("name: …"). NULL is
 * LW_ERR_INVALID. */
enum lw_rc validate_name(const char *name, size_t max, struct lw_error *err);

/* Every byte printable ASCII: no space, no control, nothing above 0x7e (a URL as stored). */
bool validate_url_chars(const char *s);

/* Two capital letters, an ISO 3166 alpha-2 code ("region: …"). */
enum lw_rc validate_region(const char *region, struct lw_error *err);

#endif
