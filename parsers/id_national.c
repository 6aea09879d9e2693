/* parsers/id_national.c — placeholder being written; see identifiers_int.h */
#include "parsers/identifiers_int.h"

enum lw_rc
id_national_fi_hetu(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}

enum lw_rc
id_national_se_personnummer(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}

enum lw_rc
id_national_no_fodselsnummer(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}

enum lw_rc
id_national_dk_cpr(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)in;
    (void)ctx;
    (void)out;
    (void)out_len;
    return LW_ERR_INVALID;
}
