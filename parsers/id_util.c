/*
 * parsers/id_util.c — the few helpers the identifier normalisers share: the success and failure
 * shapes of id_normalise_fn (a rejected value is wiped from the caller's buffer: it may be a leaked
 * identifier that merely failed its check digit) and the Luhn check used by Swedish personnummer
 * and payment cards.
 */
#include "parsers/identifiers_int.h"

#include "common/alloc.h"
#include "common/ascii.h"

enum lw_rc
id_util_reject(char *out, size_t written, size_t *out_len)
{
    lw_wipe(out, written + 1);
    *out_len = 0;
    return LW_ERR_INVALID;
}

enum lw_rc
id_util_accept(char *out, size_t len, size_t *out_len)
{
    out[len] = '\0';
    *out_len = len;
    return LW_OK;
}

bool
id_util_luhn_ok(const char *digits, size_t n)
{
    unsigned long sum = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned long d = (unsigned long)(digits[n - 1 - i] - '0');

        if (i % 2 == 1) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }
        sum += d;
    }
    return sum % 10 == 0;
}

bool
id_util_all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!lw_ascii_is_digit(p[i])) {
            return false;
        }
    }
    return true;
}
