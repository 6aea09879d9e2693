/*
 * parsers/id_phone.c — telephone numbers to E.164 ("+358401234567").
 *
 * Accepted: digits with the separators people type (space, '-', '.', '/', parentheses), in
 * international form ("+358 40 123 4567", "00358 40 1234567", "(+46) 8 123 456 78",
 * "+358 (0)40 123 4567" — a parenthesised 0 after the country code is dropped unless 0 belongs to
 * the number, as in Italy, and so is a bare 0 after the code of a country whose trunk prefix is 0),
 * or in national form with the trunk prefix ("040-123 4567", "(09) 123 456") when the caller names
 * a default region; countries without a trunk prefix (NO, DK, ES, IT, …) take the national number
 * as it is, and NANP numbers take the "1" as optional. Rejected: a national number without its
 * trunk prefix ("40 123 4567" in Finland: it may as well be missing its "+"), letters (so
 * extensions, "ext"/"x"), a second '+', unbalanced or nested parentheses, more digits than E.164
 * allows.
 *
 * The algorithm: collect the digits (noting a "(0)" group), strip "+" or "00", match the calling
 * code against the plan table (codes are prefix-free, so at most one of the 1-, 2- and 3-digit
 * prefixes matches), then check the national significant number (NSN) against the country's
 * lengths and leading-digit rules. Countries with well-known plans carry accurate lengths; every
 * other assigned geographic code has the generic E.164 bounds (NSN of 4 digits or more, 15 digits
 * in all) so a real number from there still validates. Non-geographic codes (+800, +870, +881 …)
 * are rejected: no country, and hardly ever a person's number. NSNs made of one repeated digit are
 * junk, not numbers.
 *
 * The alternative rejected: libphonenumber's full per-range metadata. It would reject more junk,
 * but it is megabytes of regular expressions that change monthly, and a leak scanner gains little
 * from knowing which exact ranges are allocated today. Lengths were taken from public numbering
 * plans (ITU-T E.164 assignments, the national regulators' plans, libphonenumber as a cross-check).
 */
#include "parsers/identifiers_int.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/ascii.h"

/* E.164 allows 15 digits; "00" and room to notice overlong input make 20 enough. */
#define DIGITS_MAX 20
#define E164_MAX 15
#define GENERIC_NSN_MIN 4

/* A leading-digits rule: NSNs starting with prefix have min..max digits. */
struct len_rule {
    const char *prefix;
    unsigned char min;
    unsigned char max;
};

struct plan {
    const char *cc;      /* calling code digits */
    char iso[3];         /* ISO 3166-1 alpha-2 of the code's main country */
    const char *trunk;   /* national prefix: "0", "8", "" none, NULL unknown (no national form) */
    bool trunk_optional; /* the national form may omit the trunk prefix (NANP) */
    unsigned char min;   /* NSN length bounds; 0: the generic E.164 bounds */
    unsigned char max;
    const struct len_rule *rules; /* checked in order, the first matching prefix applies */
    bool (*check)(const char *nsn, size_t len);
};

/* clang-format off */
static const struct len_rule fi_rules[] = {{"49", 5, 12}, {"4", 6, 10}, {"50", 6, 10},
                                           {NULL, 0, 0}};
static const struct len_rule se_rules[] = {{"7", 9, 9}, {NULL, 0, 0}};
static const struct len_rule ee_rules[] = {{"800", 7, 10}, {NULL, 0, 0}};
static const struct len_rule de_rules[] = {{"15", 10, 11},  {"160", 10, 11}, {"162", 10, 11},
                                           {"163", 10, 11}, {"17", 10, 11},  {NULL, 0, 0}};
static const struct len_rule gb_rules[] = {{"7", 10, 10}, {NULL, 0, 0}};
static const struct len_rule nl_rules[] = {{"800", 7, 10}, {"90", 7, 10}, {NULL, 0, 0}};
static const struct len_rule it_rules[] = {{"3", 9, 10}, {NULL, 0, 0}};
static const struct len_rule be_rules[] = {{"4", 9, 9}, {NULL, 0, 0}};
static const struct len_rule au_rules[] = {{"1", 6, 10}, {NULL, 0, 0}};

/* NANP: NXX-NXX-XXXX — neither the area code nor the exchange starts with 0 or 1. */
static bool
nanp_check(const char *nsn, size_t len)
{
    return len == 10 && nsn[0] >= '2' && nsn[3] >= '2';
}

#define GEN(cc, iso) {cc, iso, NULL, false, 0, 0, NULL, NULL}
#define PLAN(cc, iso, trunk, min, max, rules) {cc, iso, trunk, false, min, max, rules, NULL}

static const struct plan plans[] = {
    /* Plans with accurate lengths. */
    {"1", "US", "1", true, 10, 10, NULL, nanp_check},
    PLAN("7", "RU", "8", 10, 10, NULL),
    PLAN("358", "FI", "0", 5, 12, fi_rules),
    PLAN("46", "SE", "0", 7, 10, se_rules),
    PLAN("47", "NO", "", 8, 8, NULL),
    PLAN("45", "DK", "", 8, 8, NULL),
    PLAN("354", "IS", "", 7, 9, NULL),
    PLAN("372", "EE", "", 7, 8, ee_rules),
    PLAN("49", "DE", "0", 5, 13, de_rules),
    PLAN("44", "GB", "0", 9, 10, gb_rules),
    PLAN("33", "FR", "0", 9, 9, NULL),
    PLAN("31", "NL", "0", 9, 9, nl_rules),
    PLAN("34", "ES", "", 9, 9, NULL),
    PLAN("39", "IT", "", 6, 11, it_rules),
    PLAN("48", "PL", "", 9, 9, NULL),
    PLAN("43", "AT", "0", 4, 13, NULL),
    PLAN("32", "BE", "0", 8, 9, be_rules),
    PLAN("41", "CH", "0", 9, 9, NULL),
    PLAN("353", "IE", "0", 7, 10, NULL),
    PLAN("351", "PT", "", 9, 9, NULL),
    PLAN("61", "AU", "0", 9, 9, au_rules),
    /* Every other assigned geographic code, generic bounds. */
    GEN("20", "EG"), GEN("27", "ZA"), GEN("30", "GR"), GEN("36", "HU"), GEN("40", "RO"),
    GEN("51", "PE"), GEN("52", "MX"), GEN("53", "CU"), GEN("54", "AR"), GEN("55", "BR"),
    GEN("56", "CL"), GEN("57", "CO"), GEN("58", "VE"), GEN("60", "MY"), GEN("62", "ID"),
    GEN("63", "PH"), GEN("64", "NZ"), GEN("65", "SG"), GEN("66", "TH"), GEN("81", "JP"),
    GEN("82", "KR"), GEN("84", "VN"), GEN("86", "CN"), GEN("90", "TR"), GEN("91", "IN"),
    GEN("92", "PK"), GEN("93", "AF"), GEN("94", "LK"), GEN("95", "MM"), GEN("98", "IR"),
    GEN("211", "SS"), GEN("212", "MA"), GEN("213", "DZ"), GEN("216", "TN"), GEN("218", "LY"),
    GEN("220", "GM"), GEN("221", "SN"), GEN("222", "MR"), GEN("223", "ML"), GEN("224", "GN"),
    GEN("225", "CI"), GEN("226", "BF"), GEN("227", "NE"), GEN("228", "TG"), GEN("229", "BJ"),
    GEN("230", "MU"), GEN("231", "LR"), GEN("232", "SL"), GEN("233", "GH"), GEN("234", "NG"),
    GEN("235", "TD"), GEN("236", "CF"), GEN("237", "CM"), GEN("238", "CV"), GEN("239", "ST"),
    GEN("240", "GQ"), GEN("241", "GA"), GEN("242", "CG"), GEN("243", "CD"), GEN("244", "AO"),
    GEN("245", "GW"), GEN("246", "IO"), GEN("247", "AC"), GEN("248", "SC"), GEN("249", "SD"),
    GEN("250", "RW"), GEN("251", "ET"), GEN("252", "SO"), GEN("253", "DJ"), GEN("254", "KE"),
    GEN("255", "TZ"), GEN("256", "UG"), GEN("257", "BI"), GEN("258", "MZ"), GEN("260", "ZM"),
    GEN("261", "MG"), GEN("262", "RE"), GEN("263", "ZW"), GEN("264", "NA"), GEN("265", "MW"),
    GEN("266", "LS"), GEN("267", "BW"), GEN("268", "SZ"), GEN("269", "KM"), GEN("290", "SH"),
    GEN("291", "ER"), GEN("297", "AW"), GEN("298", "FO"), GEN("299", "GL"), GEN("350", "GI"),
    GEN("352", "LU"), GEN("355", "AL"), GEN("356", "MT"), GEN("357", "CY"), GEN("359", "BG"),
    GEN("370", "LT"), GEN("371", "LV"), GEN("373", "MD"), GEN("374", "AM"), GEN("375", "BY"),
    GEN("376", "AD"), GEN("377", "MC"), GEN("378", "SM"), GEN("379", "VA"), GEN("380", "UA"),
    GEN("381", "RS"), GEN("382", "ME"), GEN("383", "XK"), GEN("385", "HR"), GEN("386", "SI"),
    GEN("387", "BA"), GEN("389", "MK"), GEN("420", "CZ"), GEN("421", "SK"), GEN("423", "LI"),
    GEN("500", "FK"), GEN("501", "BZ"), GEN("502", "GT"), GEN("503", "SV"), GEN("504", "HN"),
    GEN("505", "NI"), GEN("506", "CR"), GEN("507", "PA"), GEN("508", "PM"), GEN("509", "HT"),
    GEN("590", "GP"), GEN("591", "BO"), GEN("592", "GY"), GEN("593", "EC"), GEN("594", "GF"),
    GEN("595", "PY"), GEN("596", "MQ"), GEN("597", "SR"), GEN("598", "UY"), GEN("599", "CW"),
    GEN("670", "TL"), GEN("672", "NF"), GEN("673", "BN"), GEN("674", "NR"), GEN("675", "PG"),
    GEN("676", "TO"), GEN("677", "SB"), GEN("678", "VU"), GEN("679", "FJ"), GEN("680", "PW"),
    GEN("681", "WF"), GEN("682", "CK"), GEN("683", "NU"), GEN("685", "WS"), GEN("686", "KI"),
    GEN("687", "NC"), GEN("688", "TV"), GEN("689", "PF"), GEN("690", "TK"), GEN("691", "FM"),
    GEN("692", "MH"), GEN("850", "KP"), GEN("852", "HK"), GEN("853", "MO"), GEN("855", "KH"),
    GEN("856", "LA"), GEN("880", "BD"), GEN("886", "TW"), GEN("960", "MV"), GEN("961", "LB"),
    GEN("962", "JO"), GEN("963", "SY"), GEN("964", "IQ"), GEN("965", "KW"), GEN("966", "SA"),
    GEN("967", "YE"), GEN("968", "OM"), GEN("970", "PS"), GEN("971", "AE"), GEN("972", "IL"),
    GEN("973", "BH"), GEN("974", "QA"), GEN("975", "BT"), GEN("976", "MN"), GEN("977", "NP"),
    GEN("992", "TJ"), GEN("993", "TM"), GEN("994", "AZ"), GEN("995", "GE"), GEN("996", "KG"),
    GEN("998", "UZ"),
};

/* Regions that share another country's calling code, for the national form. */
static const struct {
    char iso[3];
    const char *cc;
} region_aliases[] = {
    {"AX", "358"}, {"SJ", "47"},  {"GG", "44"},  {"JE", "44"},  {"IM", "44"},  {"KZ", "7"},
    {"CA", "1"},   {"AG", "1"},   {"AI", "1"},   {"AS", "1"},   {"BB", "1"},   {"BM", "1"},
    {"BS", "1"},   {"DM", "1"},   {"DO", "1"},   {"GD", "1"},   {"GU", "1"},   {"JM", "1"},
    {"KN", "1"},   {"KY", "1"},   {"LC", "1"},   {"MP", "1"},   {"MS", "1"},   {"PR", "1"},
    {"SX", "1"},   {"TC", "1"},   {"TT", "1"},   {"VC", "1"},   {"VG", "1"},   {"VI", "1"},
    {"YT", "262"}, {"BL", "590"}, {"MF", "590"}, {"BQ", "599"}, {"CX", "61"},  {"CC", "61"},
    {"TA", "290"}, {"EH", "212"},
};

/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The plan whose calling code starts digits[0..n), or NULL. */
static const struct plan *
plan_by_prefix(const char *digits, size_t n)
{
    for (size_t i = 0; i < COUNT(plans); i++) {
        size_t cc_len = strlen(plans[i].cc);

        if (cc_len <= n && memcmp(plans[i].cc, digits, cc_len) == 0) {
            return &plans[i];
        }
    }
    return NULL;
}

/* The plan for a default region ("FI", case-insensitive), or NULL. */
static const struct plan *
plan_by_region(const char region[3])
{
    const char iso[3] = {lw_ascii_upper(region[0]), lw_ascii_upper(region[1]), '\0'};

    if (!lw_ascii_is_upper(iso[0]) || !lw_ascii_is_upper(iso[1])) {
        return NULL;
    }
    for (size_t i = 0; i < COUNT(plans); i++) {
        if (memcmp(plans[i].iso, iso, 2) == 0) {
            return &plans[i];
        }
    }
    for (size_t i = 0; i < COUNT(region_aliases); i++) {
        if (memcmp(region_aliases[i].iso, iso, 2) == 0) {
            const char *cc = region_aliases[i].cc;
            return plan_by_prefix(cc, strlen(cc));
        }
    }
    return NULL;
}

/* The digits of a candidate, with where a "(0)" group stood. */
struct digits {
    char d[DIGITS_MAX];
    size_t n;
    bool plus;      /* written with a leading '+' */
    size_t zero_at; /* index in d of a parenthesised lone 0, or SIZE_MAX */
};

static bool
is_sep(char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '/';
}

/* Close a parenthesised group that began when dg->n was `from`; false if it is empty. */
static bool
close_group(struct digits *dg, size_t from)
{
    if (dg->n == from) {
        return false;
    }
    if (dg->n == from + 1 && dg->d[from] == '0' && dg->zero_at == SIZE_MAX) {
        dg->zero_at = from;
    }
    return true;
}

/* Collect the digits of s; false for any character or structure a phone number does not have. */
static bool
scan(struct lw_slice s, struct digits *dg)
{
    size_t i = 0;
    size_t open = SIZE_MAX; /* dg->n when the open '(' was seen */

    dg->n = 0;
    dg->plus = false;
    dg->zero_at = SIZE_MAX;
    if (s.len == 0 || (s.p[s.len - 1] != ')' && !lw_ascii_is_digit(s.p[s.len - 1]))) {
        return false;
    }
    if (s.len > 1 && s.p[0] == '(' && s.p[1] == '+') {
        open = 0; /* "(+46) 8 …" */
        i = 1;
    }
    if (s.p[i] == '+') {
        dg->plus = true;
        i++;
    } else if (i == 0 && s.p[0] != '(' && !lw_ascii_is_digit(s.p[0])) {
        return false;
    }
    for (; i < s.len; i++) {
        char c = s.p[i];

        if (lw_ascii_is_digit(c)) {
            if (dg->n == DIGITS_MAX) {
                return false;
            }
            dg->d[dg->n++] = c;
        } else if (c == '(' && open == SIZE_MAX) {
            open = dg->n;
        } else if (c == ')' && open != SIZE_MAX) {
            if (!close_group(dg, open)) {
                return false;
            }
            open = SIZE_MAX;
        } else if (!is_sep(c)) {
            return false;
        }
    }
    return open == SIZE_MAX && dg->n > 0;
}

/* Split international digits (after "+" or "00", starting at d[off]) into plan and NSN. */
static enum lw_rc
split_international(const struct digits *dg, size_t off, const struct plan **plan, size_t *nsn_at)
{
    size_t at;

    *plan = plan_by_prefix(dg->d + off, dg->n - off);
    if (*plan == NULL) {
        return LW_ERR_INVALID;
    }
    at = off + strlen((*plan)->cc);
    /* A trunk 0 written after the country code: "+358 (0)40 …", or "+358 040 …" where the
     * country's numbers never start with 0. Kept where 0 belongs to the number (Italy). */
    if (at < dg->n && dg->d[at] == '0') {
        const char *trunk = (*plan)->trunk;
        bool in_parens = dg->zero_at == at;

        if ((trunk != NULL && strcmp(trunk, "0") == 0) || (trunk == NULL && in_parens)) {
            at++;
        }
    }
    *nsn_at = at;
    return LW_OK;
}

/* Split national digits (trunk prefix included) using the default region's plan. */
static enum lw_rc
split_national(const struct digits *dg, const struct id_context *ctx, const struct plan **plan,
               size_t *nsn_at)
{
    size_t trunk_len;

    *plan = ctx == NULL ? NULL : plan_by_region(ctx->region);
    if (*plan == NULL || (*plan)->trunk == NULL) {
        return LW_ERR_INVALID; /* no region, or one whose trunk prefix the table does not know */
    }
    trunk_len = strlen((*plan)->trunk);
    if (trunk_len <= dg->n && memcmp(dg->d, (*plan)->trunk, trunk_len) == 0) {
        if ((*plan)->trunk_optional && dg->n - trunk_len < (*plan)->min) {
            trunk_len = 0; /* the "1" was the first digit of a number, not a trunk prefix */
        }
    } else if ((*plan)->trunk_optional) {
        trunk_len = 0;
    } else {
        return LW_ERR_INVALID;
    }
    *nsn_at = trunk_len;
    return LW_OK;
}

/* Length bounds for nsn: the first matching prefix rule, else the plan's or the generic ones. */
static void
nsn_bounds(const struct plan *plan, const char *nsn, size_t len, size_t *min, size_t *max)
{
    size_t cc_len = strlen(plan->cc);

    *min = plan->min != 0 ? plan->min : GENERIC_NSN_MIN;
    *max = plan->max != 0 ? plan->max : E164_MAX - cc_len;
    for (const struct len_rule *r = plan->rules; r != NULL && r->prefix != NULL; r++) {
        size_t plen = strlen(r->prefix);

        if (plen <= len && memcmp(r->prefix, nsn, plen) == 0) {
            *min = r->min;
            *max = r->max;
            break;
        }
    }
    if (*max > E164_MAX - cc_len) {
        *max = E164_MAX - cc_len;
    }
}

static bool
nsn_ok(const struct plan *plan, const char *nsn, size_t len)
{
    size_t min;
    size_t max;
    bool same = true;

    nsn_bounds(plan, nsn, len, &min, &max);
    if (len < min || len > max) {
        return false;
    }
    if (plan->trunk != NULL && strcmp(plan->trunk, "0") == 0 && nsn[0] == '0') {
        return false; /* where 0 is the trunk prefix, no number starts with it */
    }
    for (size_t i = 1; i < len; i++) {
        same = same && nsn[i] == nsn[0];
    }
    return !same && (plan->check == NULL || plan->check(nsn, len));
}

enum lw_rc
id_phone_normalise(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    struct digits dg;
    const struct plan *plan = NULL;
    size_t nsn_at = 0;
    size_t cc_len;
    size_t nsn_len;
    enum lw_rc rc;

    if (in.len > ID_INPUT_MAX || (in.p == NULL && in.len > 0)) {
        return LW_ERR_INVALID;
    }
    if (!scan(lw_slice_trim(in), &dg)) {
        return LW_ERR_INVALID;
    }
    if (dg.plus) {
        rc = split_international(&dg, 0, &plan, &nsn_at);
    } else if (dg.n >= 2 && dg.d[0] == '0' && dg.d[1] == '0') {
        rc = split_international(&dg, 2, &plan, &nsn_at);
    } else {
        rc = split_national(&dg, ctx, &plan, &nsn_at);
    }
    if (rc != LW_OK) {
        return rc;
    }
    nsn_len = dg.n - nsn_at;
    if (nsn_len == 0 || !nsn_ok(plan, dg.d + nsn_at, nsn_len)) {
        return LW_ERR_INVALID;
    }
    cc_len = strlen(plan->cc);
    out[0] = '+';
    memcpy(out + 1, plan->cc, cc_len);
    memcpy(out + 1 + cc_len, dg.d + nsn_at, nsn_len);
    *out_len = 1 + cc_len + nsn_len;
    out[*out_len] = '\0';
    return LW_OK;
}

enum lw_rc
id_phone_country(struct lw_slice e164, char cc[3])
{
    const struct plan *plan;
    const char *nsn;

    if (e164.len < 2 || e164.len > 1 + E164_MAX || e164.p[0] != '+') {
        return LW_ERR_INVALID;
    }
    for (size_t i = 1; i < e164.len; i++) {
        if (!lw_ascii_is_digit(e164.p[i])) {
            return LW_ERR_INVALID;
        }
    }
    plan = plan_by_prefix(e164.p + 1, e164.len - 1);
    if (plan == NULL) {
        return LW_ERR_NOT_FOUND;
    }
    nsn = e164.p + 1 + strlen(plan->cc);
    /* +7 is shared: Kazakhstan has the numbers starting with 7 (+7 7xx), Russia the rest. */
    if (strcmp(plan->cc, "7") == 0 && nsn < e164.p + e164.len && nsn[0] == '7') {
        memcpy(cc, "KZ", 3);
    } else {
        memcpy(cc, plan->iso, 3);
    }
    return LW_OK;
}

enum lw_rc
id_phone_trunk(const char region[3], char trunk[4])
{
    const struct plan *plan = plan_by_region(region);
    size_t n;

    if (plan == NULL || plan->trunk == NULL) {
        return LW_ERR_NOT_FOUND;
    }
    n = strlen(plan->trunk);
    if (n > 3) {
        return LW_ERR_NOT_FOUND;
    }
    memcpy(trunk, plan->trunk, n + 1);
    return LW_OK;
}
