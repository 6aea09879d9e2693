/*
 * common/ascii.h — locale-independent ASCII character classes and case mapping.
 *
 * <ctype.h> depends on the locale and is undefined for negative char values, both traps when the
 * bytes are attacker-controlled; these take any char and only ever treat A–Z, a–z, 0–9 specially.
 */
#ifndef LW_COMMON_ASCII_H
#define LW_COMMON_ASCII_H

#include <stdbool.h>

static inline bool
lw_ascii_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool
lw_ascii_is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static inline bool
lw_ascii_is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static inline bool
lw_ascii_is_alpha(char c)
{
    return lw_ascii_is_upper(c) || lw_ascii_is_lower(c);
}

static inline bool
lw_ascii_is_alnum(char c)
{
    return lw_ascii_is_alpha(c) || lw_ascii_is_digit(c);
}

static inline char
lw_ascii_lower(char c)
{
    return lw_ascii_is_upper(c) ? (char)(c | 0x20) : c;
}

static inline char
lw_ascii_upper(char c)
{
    return lw_ascii_is_lower(c) ? (char)(c & ~0x20) : c;
}

#endif
