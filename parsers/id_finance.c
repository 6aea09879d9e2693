/* parsers/id_finance.c — placeholder being written; see identifiers_int.h */
#include "parsers/identifiers_int.h"

enum lw_rc
id_finance_iban(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}

enum lw_rc
id_finance_payment_card(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}
