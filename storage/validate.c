/*
 * storage/validate.c — name, URL-character and country-code checks shared by storage/sources.c
 * and storage/clinics.c (see validate.h). ASCII rules only: what is stored and compared is bytes.
 */
#include "storage/validate.h"

#include <string.h>

#include "common/ascii.h"

enum lw_rc
validate_name(const char *name, size_t max, struct lw_error *err)
{
    size_t n = name != NULL ? strlen(name) : 0;

    if (n == 0 || n > max) {
        return lw_error_set(err, LW_ERR_INVALID, "name: 1 to %zu characters", max);
    }
    if (!lw_ascii_is_alnum(name[0])) {
        return lw_error_set(err, LW_ERR_INVALID, "name: must start with a letter or a digit");
    }
    for (size_t i = 0; i < n; i++) {
        if (!lw_ascii_is_alnum(name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-') {
            return lw_error_set(err, LW_ERR_INVALID,
                                "name: only letters, digits, '.', '_' and '-' (A-Z a-z 0-9 . _ -)");
        }
    }
    return LW_OK;
}

bool
validate_url_chars(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s <= ' ' || *s > '~') {
            return false;
        }
    }
    return true;
}

enum lw_rc
validate_region(const char *r, struct lw_error *err)
{
    if (strlen(r) != 2 || !lw_ascii_is_upper(r[0]) || !lw_ascii_is_upper(r[1])) {
        return lw_error_set(err, LW_ERR_INVALID, "region: two capital letters, a country code "
                            "such as FI");
    }
    return LW_OK;
}
