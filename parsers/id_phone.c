/* parsers/id_phone.c — placeholder being written; see identifiers_int.h */
#include "parsers/identifiers_int.h"

enum lw_rc
id_phone_normalise(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}

enum lw_rc
id_phone_country(struct lw_slice e164, char cc[3])
{
    (void)e164;
    (void)cc;
    return LW_ERR_NOT_FOUND;
}
