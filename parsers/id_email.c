/* parsers/id_email.c — placeholder being written; see identifiers_int.h */
#include "parsers/identifiers_int.h"

enum lw_rc
id_email_normalise(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}

enum lw_rc
id_email_domain_normalise(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}
