/*
 * parsers/id_email.c — e-mail addresses and their domains: validation and normalisation.
 *
 * An address is accepted in the forms people and programs write it: surrounded by white space,
 * wrapped in <…>, prefixed with mailto: (any case; "<mailto:…>" too). What is left must be the
 * practical subset of RFC 5321 that real mailboxes use: a dot-atom local part (atext characters,
 * no leading, trailing or doubled dot, at most 64 bytes), one '@', and a DNS host name (labels of
 * letters, digits and hyphens, no hyphen at either end of a label, each at most 63 bytes, at least
 * two labels, a top-level label that is alphabetic and two or more letters long or an xn-- punycode
 * label), at most 254 bytes in all. The result is the whole address in lower case.
 *
 * One pass over the bytes, no allocation. Rejected on purpose:
 *   - quoted local parts ("john doe"@example.com) and address literals (user@[192.0.2.1]): legal
 *     but vanishingly rare in real mailboxes, and a regular source of parser bugs;
 *   - internationalised addresses (UTF-8 in the local part or domain, RFC 6531): accepting them
 *     would need Unicode case folding and IDNA mapping to make equal addresses hash equal, and
 *     getting that wrong silently splits one person's address into several hashes. A domain
 *     written as xn--punycode is accepted, since it is plain ASCII.
 * Lower-casing the local part is not what RFC 5321 promises, but every large mail provider treats
 * local parts case-insensitively, and two spellings of one address must give one hash.
 */
#include "parsers/identifiers_int.h"

#include <stdbool.h>
#include <string.h>

#include "common/ascii.h"

#define LOCAL_MAX 64
#define LABEL_MAX 63
#define DOMAIN_MAX 253

/* RFC 5322 atext: letters, digits and these printable specials. */
static bool
is_atext(char c)
{
    return lw_ascii_is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A dot-atom: runs of atext separated by single dots. */
static bool
local_ok(struct lw_slice local)
{
    if (local.len == 0 || local.len > LOCAL_MAX) {
        return false;
    }
    if (local.p[0] == '.' || local.p[local.len - 1] == '.') {
        return false;
    }
    for (size_t i = 0; i < local.len; i++) {
        if (local.p[i] == '.') {
            if (local.p[i - 1] == '.') {
                return false;
            }
        } else if (!is_atext(local.p[i])) {
            return false;
        }
    }
    return true;
}

/* One DNS label: letters, digits, hyphens; no hyphen at either end. */
static bool
label_ok(struct lw_slice label)
{
    if (label.len == 0 || label.len > LABEL_MAX) {
        return false;
    }
    if (label.p[0] == '-' || label.p[label.len - 1] == '-') {
        return false;
    }
    for (size_t i = 0; i < label.len; i++) {
        if (!lw_ascii_is_alnum(label.p[i]) && label.p[i] != '-') {
            return false;
        }
    }
    return true;
}

/* The top-level label: alphabetic and two or more letters, or an xn-- (punycode) label. */
static bool
tld_ok(struct lw_slice tld)
{
    if (tld.len > 4 && lw_slice_eq_ci(lw_slice_make(tld.p, 4), LW_SLICE_LIT("xn--"))) {
        return true;
    }
    if (tld.len < 2) {
        return false;
    }
    for (size_t i = 0; i < tld.len; i++) {
        if (!lw_ascii_is_alpha(tld.p[i])) {
            return false;
        }
    }
    return true;
}

static bool
domain_ok(struct lw_slice domain)
{
    struct lw_slice rest = domain;
    struct lw_slice label = {NULL, 0};
    size_t labels = 0;

    if (domain.len == 0 || domain.len > DOMAIN_MAX) {
        return false;
    }
    while (rest.p != NULL) {
        rest = lw_slice_split(rest, '.', &label);
        if (!label_ok(label)) {
            return false; /* also catches a leading, trailing or doubled dot: an empty label */
        }
        labels++;
    }
    return labels >= 2 && tld_ok(label);
}

/* Write s lower-cased and NUL-terminated into out (room for ID_VALUE_MAX + 1 bytes). */
static enum lw_rc
emit_lower(struct lw_slice s, char *out, size_t *out_len)
{
    if (s.len > ID_VALUE_MAX) {
        return LW_ERR_INVALID;
    }
    for (size_t i = 0; i < s.len; i++) {
        out[i] = lw_ascii_lower(s.p[i]);
    }
    out[s.len] = '\0';
    *out_len = s.len;
    return LW_OK;
}

/* Peel white space, one pair of angle brackets and a mailto: prefix off a candidate. */
static struct lw_slice
unwrap(struct lw_slice s)
{
    const struct lw_slice mailto = LW_SLICE_LIT("mailto:");

    s = lw_slice_trim(s);
    if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>') {
        s = lw_slice_trim(lw_slice_make(s.p + 1, s.len - 2));
    }
    if (s.len > mailto.len && lw_slice_eq_ci(lw_slice_make(s.p, mailto.len), mailto)) {
        s = lw_slice_make(s.p + mailto.len, s.len - mailto.len);
    }
    return s;
}

enum lw_rc
id_email_normalise(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    struct lw_slice addr;
    struct lw_slice local;
    struct lw_slice domain;

    (void)ctx;
    if (in.len > ID_INPUT_MAX || (in.p == NULL && in.len > 0)) {
        return LW_ERR_INVALID;
    }
    addr = unwrap(in);
    if (addr.len > ID_VALUE_MAX) {
        return LW_ERR_INVALID;
    }
    domain = lw_slice_split(addr, '@', &local);
    if (domain.p == NULL || memchr(domain.p, '@', domain.len) != NULL) {
        return LW_ERR_INVALID; /* none, or more than one '@' */
    }
    if (!local_ok(local) || !domain_ok(domain)) {
        return LW_ERR_INVALID;
    }
    return emit_lower(addr, out, out_len);
}

enum lw_rc
id_email_domain_normalise(struct lw_slice in, const struct id_context *ctx, char *out,
                          size_t *out_len)
{
    struct lw_slice s;
    struct lw_slice local;
    enum lw_rc rc;
    size_t len = 0;

    if (in.len > ID_INPUT_MAX || (in.p == NULL && in.len > 0)) {
        return LW_ERR_INVALID;
    }
    s = lw_slice_trim(in);
    if (s.len > 0 && memchr(s.p, '@', s.len) != NULL) {
        rc = id_email_normalise(s, ctx, out, &len);
        if (rc != LW_OK) {
            return rc;
        }
        /* The address is valid, so there is exactly one '@' and a domain after it. */
        s = lw_slice_split(lw_slice_make(out, len), '@', &local);
        memmove(out, s.p, s.len);
        out[s.len] = '\0';
        *out_len = s.len;
        return LW_OK;
    }
    if (!domain_ok(s)) {
        return LW_ERR_INVALID;
    }
    return emit_lower(s, out, out_len);
}
