/*
 * parsers/identifiers_int.h — what the identifier files share: the per-kind normalisers the
 * registry in identifiers.c points at. Each has the id_normalise_fn contract from identifiers.h.
 */
#ifndef LW_PARSERS_IDENTIFIERS_INT_H
#define LW_PARSERS_IDENTIFIERS_INT_H

#include <stdbool.h>

#include "parsers/identifiers.h"

/* parsers/id_util.c — small pieces every normaliser uses */

/* The id_normalise_fn failure shape: wipe the written bytes (and the terminator slot) of out, set
 * *out_len = 0, return LW_ERR_INVALID. */
enum lw_rc id_util_reject(char *out, size_t written, size_t *out_len);
/* The success shape: terminate out at len, set *out_len, return LW_OK. */
enum lw_rc id_util_accept(char *out, size_t len, size_t *out_len);
/* Luhn (mod 10) over n ASCII digits whose last one is the check digit. */
bool id_util_luhn_ok(const char *digits, size_t n);
/* True when all n bytes are ASCII digits (and n may be 0). */
bool id_util_all_digits(const char *p, size_t n);

/* parsers/id_email.c */
enum lw_rc id_email_normalise(struct lw_slice in, const struct id_context *ctx, char *out,
                              size_t *out_len);
enum lw_rc id_email_domain_normalise(struct lw_slice in, const struct id_context *ctx, char *out,
                                     size_t *out_len);

/* parsers/id_phone.c */
enum lw_rc id_phone_normalise(struct lw_slice in, const struct id_context *ctx, char *out,
                              size_t *out_len);
enum lw_rc id_phone_country(struct lw_slice e164, char cc[3]);
enum lw_rc id_phone_trunk(const char region[3], char trunk[4]);

/* parsers/id_national.c */
enum lw_rc id_national_fi_hetu(struct lw_slice in, const struct id_context *ctx, char *out,
                               size_t *out_len);
enum lw_rc id_national_se_personnummer(struct lw_slice in, const struct id_context *ctx, char *out,
                                       size_t *out_len);
enum lw_rc id_national_no_fodselsnummer(struct lw_slice in, const struct id_context *ctx, char *out,
                                        size_t *out_len);
enum lw_rc id_national_dk_cpr(struct lw_slice in, const struct id_context *ctx, char *out,
                              size_t *out_len);

/* parsers/id_finance.c */
enum lw_rc id_finance_iban(struct lw_slice in, const struct id_context *ctx, char *out,
                           size_t *out_len);
enum lw_rc id_finance_payment_card(struct lw_slice in, const struct id_context *ctx, char *out,
                                   size_t *out_len);
/* identifiers_card_shape() */
bool id_finance_card_shape(const char *digits, size_t n);

#endif
