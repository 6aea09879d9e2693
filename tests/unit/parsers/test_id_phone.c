/*
 * tests/unit/parsers/test_id_phone.c — telephone numbers written the ways people write them, in
 * Finland and elsewhere, to E.164; and the near misses that must be rejected. Includes the .c to
 * check the plan table itself. All numbers are synthetic: Ofcom's drama ranges for GB, 555-01xx for
 * NANP, ordinary-looking but made-up subscriber numbers elsewhere.
 */
#include "parsers/id_phone.c"

#include "tests/unit/lw_test.h"

static char out_buf[ID_VALUE_MAX + 1];

/* The E.164 form of in with default region (NULL: no context at all), or NULL when rejected. */
static const char *
e164(const char *in, const char *region)
{
    struct id_context ctx = {{0}};
    size_t out_len = 0;

    if (region != NULL) {
        memcpy(ctx.region, region, strlen(region) < 2 ? strlen(region) : 2);
    }
    memset(out_buf, 'X', sizeof(out_buf));
    if (id_phone_normalise(lw_slice_cstr(in), region == NULL ? NULL : &ctx, out_buf, &out_len) !=
        LW_OK) {
        return NULL;
    }
    return out_len == strlen(out_buf) ? out_buf : "(bad length)";
}

static const char *
country(const char *number)
{
    static char cc[3];

    if (id_phone_country(lw_slice_cstr(number), cc) != LW_OK) {
        return NULL;
    }
    return cc;
}

static void
test_finland(void)
{
    CHECK_STR(e164("+358 40 123 4567", NULL), "+358401234567");
    CHECK_STR(e164("+358401234567", ""), "+358401234567");
    CHECK_STR(e164("+358-40-123-4567", NULL), "+358401234567");
    CHECK_STR(e164("+358 (0)40 123 4567", NULL), "+358401234567");
    CHECK_STR(e164("+358 (0) 40 123 4567", NULL), "+358401234567");
    CHECK_STR(e164("+358(0)401234567", NULL), "+358401234567");
    CHECK_STR(e164("+358 040 123 4567", NULL), "+358401234567"); /* habitual trunk 0 */
    CHECK_STR(e164("00358 40 1234567", NULL), "+358401234567");
    CHECK_STR(e164("00358401234567", "SE"), "+358401234567");
    CHECK_STR(e164("(+358) 40 123 4567", NULL), "+358401234567");
    CHECK_STR(e164("040-1234567", "FI"), "+358401234567");
    CHECK_STR(e164("040 123 4567", "FI"), "+358401234567");
    CHECK_STR(e164("040 1234 567", "FI"), "+358401234567");
    CHECK_STR(e164("040/123 4567", "FI"), "+358401234567");
    CHECK_STR(e164("050.123.4567", "FI"), "+358501234567");
    CHECK_STR(e164("0400 123 456", "FI"), "+358400123456");
    CHECK_STR(e164("044 - 123 4567", "FI"), "+358441234567");
    CHECK_STR(e164("(040) 123 4567", "FI"), "+358401234567");
    CHECK_STR(e164("  040 123 4567\n", "FI"), "+358401234567");
    CHECK_STR(e164("040 123 4567", "fi"), "+358401234567"); /* region in either case */
    /* Landlines: Helsinki (09), Tampere (03), Turku (02), Oulu (08) */
    CHECK_STR(e164("(09) 123 456", "FI"), "+3589123456");
    CHECK_STR(e164("09 1234 5678", "FI"), "+358912345678");
    CHECK_STR(e164("09-123 4567", "FI"), "+35891234567");
    CHECK_STR(e164("03 123 4567", "FI"), "+35831234567");
    CHECK_STR(e164("+358 2 123 4567", NULL), "+35821234567");
    CHECK_STR(e164("(08) 123 456", "FI"), "+3588123456");
    CHECK_STR(e164("018 12345", "AX"), "+3581812345"); /* Åland shares +358 */
    /* Service numbers keep the general 5–12 digit bounds. */
    CHECK_STR(e164("0800 123 456", "FI"), "+358800123456");
}

static void
test_finland_rejects(void)
{
    CHECK(e164("040 123 4567", NULL) == NULL); /* national form needs a region */
    CHECK(e164("040 123 4567", "") == NULL);   /* … an empty one is none */
    CHECK(e164("040 123 4567", "ZZ") == NULL); /* … and a known one */
    CHECK(e164("40 123 4567", "FI") == NULL);  /* trunk prefix missing */
    CHECK(e164("+358 40 12", NULL) == NULL);   /* mobile: 6–10 digits */
    CHECK(e164("+358 40 1234 56789", NULL) == NULL);
    CHECK(e164("+358 1234", NULL) == NULL);             /* NSN shorter than 5 */
    CHECK(e164("+358 2 1234 5678 9012", NULL) == NULL); /* longer than 12 */
    CHECK(e164("0444 444 444", "FI") == NULL);          /* one repeated digit */
    CHECK(e164("+358 00 1234567", NULL) == NULL);
    CHECK(e164("040 123 4567 ext 12", "FI") == NULL);
    CHECK(e164("040 123 4567 x12", "FI") == NULL);
    CHECK(e164("040 123 4567#12", "FI") == NULL);
    CHECK(e164("puh. 040 123 4567", "FI") == NULL);
    CHECK(e164("040 123 456a", "FI") == NULL);
    CHECK(e164("040_123_4567", "FI") == NULL);
    CHECK(e164("040,123,4567", "FI") == NULL);
}

static void
test_sweden(void)
{
    CHECK_STR(e164("+46 70 123 45 67", NULL), "+46701234567");
    CHECK_STR(e164("070-123 45 67", "SE"), "+46701234567");
    CHECK_STR(e164("0701234567", "SE"), "+46701234567");
    CHECK_STR(e164("+46 (0)70 123 45 67", NULL), "+46701234567");
    CHECK_STR(e164("08-123 456 78", "SE"), "+46812345678");
    CHECK_STR(e164("08-12 34 56", "SE"), "+468123456");
    CHECK_STR(e164("(+46) 8 123 456 78", NULL), "+46812345678");
    CHECK_STR(e164("0046 8 123 456 78", "FI"), "+46812345678");
    CHECK_STR(e164("031-123 45 67", "SE"), "+46311234567");
    CHECK_STR(e164("0910-123 45", "SE"), "+4691012345");
    CHECK(e164("070-123 45 6", "SE") == NULL); /* mobile numbers have 9 digits */
    CHECK(e164("070-123 45 678", "SE") == NULL);
    CHECK(e164("+46 8 123 45", NULL) == NULL); /* NSN of 6 */
    CHECK(e164("+46 8 123 456 789 0", NULL) == NULL);
}

static void
test_norway_denmark_iceland(void)
{
    CHECK_STR(e164("+47 912 34 567", NULL), "+4791234567");
    CHECK_STR(e164("912 34 567", "NO"), "+4791234567");
    CHECK_STR(e164("22 12 34 56", "NO"), "+4722123456");
    CHECK_STR(e164("0047 22 12 34 56", NULL), "+4722123456");
    CHECK(e164("+47 912 34 56", NULL) == NULL);
    CHECK(e164("912 34 5678", "NO") == NULL);
    CHECK(e164("0912 34 567", "NO") == NULL); /* Norway has no trunk prefix */

    CHECK_STR(e164("+45 32 12 34 56", NULL), "+4532123456");
    CHECK_STR(e164("32 12 34 56", "DK"), "+4532123456");
    CHECK_STR(e164("+45 20 12 34 56", NULL), "+4520123456");
    CHECK(e164("+45 3212345", NULL) == NULL);
    CHECK(e164("+45 321 234 567", NULL) == NULL);

    CHECK_STR(e164("+354 551 2345", NULL), "+3545512345");
    CHECK_STR(e164("551 2345", "IS"), "+3545512345");
    CHECK(e164("+354 551 234", NULL) == NULL);
}

static void
test_estonia(void)
{
    CHECK_STR(e164("+372 5123 4567", NULL), "+37251234567");
    CHECK_STR(e164("5123 4567", "EE"), "+37251234567");
    CHECK(e164("5123 4567", NULL) == NULL);
    CHECK_STR(e164("+372 512 3456", NULL), "+3725123456");
    CHECK_STR(e164("+372 612 3456", NULL), "+3726123456");
    CHECK(e164("+372 51234", NULL) == NULL);
    CHECK(e164("+372 5123 45678", NULL) == NULL);
}

static void
test_germany(void)
{
    CHECK_STR(e164("+49 30 1234567", NULL), "+49301234567");
    CHECK_STR(e164("030 1234567", "DE"), "+49301234567");
    CHECK_STR(e164("030/1234567", "DE"), "+49301234567");
    CHECK_STR(e164("+49 (0)30 1234567", NULL), "+49301234567");
    CHECK_STR(e164("+49 (0)89/1234567", NULL), "+49891234567");
    CHECK_STR(e164("(0 89) 12 34 56", "DE"), "+4989123456");
    CHECK_STR(e164("+49 (0)170 1234567", NULL), "+491701234567");
    CHECK_STR(e164("0151 23456789", "DE"), "+4915123456789");
    CHECK_STR(e164("0049 176 12345678", NULL), "+4917612345678");
    CHECK(e164("0171 123456", "DE") == NULL); /* mobile numbers have 10–11 digits */
    CHECK(e164("0151 234567890", "DE") == NULL);
    CHECK(e164("+49 301", NULL) == NULL);
}

static void
test_united_kingdom(void)
{
    CHECK_STR(e164("+44 7700 900123", NULL), "+447700900123");
    CHECK_STR(e164("07700 900123", "GB"), "+447700900123");
    CHECK_STR(e164("07700-900-123", "GB"), "+447700900123");
    CHECK_STR(e164("+44 (0)7700 900123", NULL), "+447700900123");
    CHECK_STR(e164("+44 (0)20 7946 0123", NULL), "+442079460123");
    CHECK_STR(e164("020 7946 0123", "GB"), "+442079460123");
    CHECK_STR(e164("(020) 7946 0123", "GB"), "+442079460123");
    CHECK_STR(e164("0161 496 0123", "GB"), "+441614960123");
    CHECK_STR(e164("0113 496 0999", "GB"), "+441134960999");
    CHECK_STR(e164("01632 960123", "JE"), "+441632960123"); /* Crown dependencies share +44 */
    CHECK(e164("+44 7700 90012", NULL) == NULL);            /* mobile: 10 digits */
    CHECK(e164("+44 20 7946 01234", NULL) == NULL);
    CHECK(e164("7700 900123", "GB") == NULL);
}

static void
test_nanp(void)
{
    CHECK_STR(e164("+1 202 555 0143", NULL), "+12025550143");
    CHECK_STR(e164("+1 (202) 555-0143", NULL), "+12025550143");
    CHECK_STR(e164("(202) 555-0143", "US"), "+12025550143");
    CHECK_STR(e164("202-555-0143", "US"), "+12025550143");
    CHECK_STR(e164("202.555.0143", "US"), "+12025550143");
    CHECK_STR(e164("1-202-555-0143", "US"), "+12025550143");
    CHECK_STR(e164("1 (202) 555-0143", "US"), "+12025550143");
    CHECK_STR(e164("(416) 555-0199", "CA"), "+14165550199");
    CHECK_STR(e164("001 212 555 0100", "FI"), "+12125550100");
    CHECK(e164("555-0143", "US") == NULL);        /* seven-digit local numbers */
    CHECK(e164("+1 102 555 0143", NULL) == NULL); /* area code starts with 1 */
    CHECK(e164("+1 022 555 0143", NULL) == NULL); /* … or 0 */
    CHECK(e164("+1 202 155 0143", NULL) == NULL); /* exchange starts with 1 */
    CHECK(e164("+1 202 055 0143", NULL) == NULL);
    CHECK(e164("+1 202 555 01430", NULL) == NULL);
    CHECK(e164("(202) 555-0143", NULL) == NULL);
    CHECK(e164("+1 202 555 0143 x101", NULL) == NULL);
    CHECK(e164("+1 202 555 0143 ext. 101", NULL) == NULL);
    CHECK(e164("1-800-FLOWERS", "US") == NULL);
}

static void
test_other_countries(void)
{
    CHECK_STR(e164("+33 6 12 34 56 78", NULL), "+33612345678");
    CHECK_STR(e164("06 12 34 56 78", "FR"), "+33612345678");
    CHECK_STR(e164("+33 (0)1 23 45 67 89", NULL), "+33123456789");
    CHECK(e164("+33 6 12 34 56 7", NULL) == NULL);
    CHECK_STR(e164("+31 6 12345678", NULL), "+31612345678");
    CHECK_STR(e164("06-12345678", "NL"), "+31612345678");
    CHECK_STR(e164("020-123 4567", "NL"), "+31201234567");
    CHECK_STR(e164("+34 612 34 56 78", NULL), "+34612345678");
    CHECK_STR(e164("912 345 678", "ES"), "+34912345678");
    CHECK_STR(e164("+39 06 1234 5678", NULL), "+390612345678"); /* Italy keeps the 0 */
    CHECK_STR(e164("06 1234 5678", "IT"), "+390612345678");
    CHECK_STR(e164("+39 (0)6 1234 5678", NULL), "+390612345678"); /* … even in parentheses */
    CHECK_STR(e164("+39 312 345 6789", NULL), "+393123456789");
    CHECK(e164("+39 312 345 67", NULL) == NULL);
    CHECK_STR(e164("+48 512 345 678", NULL), "+48512345678");
    CHECK_STR(e164("512 345 678", "PL"), "+48512345678");
    CHECK(e164("+48 512 345 67", NULL) == NULL);
    CHECK_STR(e164("8 (495) 123-45-67", "RU"), "+74951234567");
    CHECK_STR(e164("+7 701 123 4567", NULL), "+77011234567");
    CHECK_STR(e164("+43 1 234 5678", NULL), "+4312345678");
    CHECK_STR(e164("0664 123 4567", "AT"), "+436641234567");
    CHECK_STR(e164("+41 44 123 45 67", NULL), "+41441234567");
    CHECK_STR(e164("+61 4 1234 5678", NULL), "+61412345678");
}

static void
test_generic_countries(void)
{
    /* Codes without a detailed plan validate with the generic E.164 bounds … */
    CHECK_STR(e164("+420 601 123 456", NULL), "+420601123456");
    CHECK_STR(e164("+81 90 1234 5678", NULL), "+819012345678");
    CHECK_STR(e164("+86 131 2345 6789", NULL), "+8613123456789");
    CHECK_STR(e164("+298 123456", NULL), "+298123456");
    CHECK_STR(e164("+299 321000", NULL), "+299321000");
    CHECK_STR(e164("+370 (0)612 34567", NULL), "+37061234567");
    CHECK_STR(e164("+1 340 555 0123", NULL), "+13405550123");
    /* … an NSN of 4 at least, 15 digits in all … */
    CHECK(e164("+420 123", NULL) == NULL);
    CHECK_STR(e164("+420 1234", NULL), "+4201234");
    CHECK_STR(e164("+420 123 456 789 012", NULL), "+420123456789012");
    CHECK(e164("+420 123 456 789 0123", NULL) == NULL);
    /* … and no national form: the table does not know their trunk prefixes. */
    CHECK(e164("601 123 456", "CZ") == NULL);
}

static void
test_unknown_codes(void)
{
    CHECK(e164("+999 1234 5678", NULL) == NULL);
    CHECK(e164("+28 1234 5678", NULL) == NULL);
    CHECK(e164("+210 1234 5678", NULL) == NULL);
    CHECK(e164("+384 1234 5678", NULL) == NULL);
    CHECK(e164("+671 123 4567", NULL) == NULL);  /* Guam moved to +1 671 */
    CHECK(e164("+800 1234 5678", NULL) == NULL); /* non-geographic: no country */
    CHECK(e164("+881 6 1234 5678", NULL) == NULL);
    CHECK(e164("+0 123 456 789", NULL) == NULL);
    CHECK(e164("00 0358 40 123 4567", NULL) == NULL);
}

static void
test_structure(void)
{
    CHECK(e164("", "FI") == NULL);
    CHECK(e164("   ", "FI") == NULL);
    CHECK(e164("+", NULL) == NULL);
    CHECK(e164("+-", NULL) == NULL);
    CHECK(e164("()", "FI") == NULL);
    CHECK(e164("0", "FI") == NULL);
    CHECK(e164("++358 40 123 4567", NULL) == NULL);
    CHECK(e164("+358 +40 123 4567", NULL) == NULL);
    CHECK(e164("358 40 123 4567+", NULL) == NULL);
    CHECK(e164("+358 40 (123 4567", NULL) == NULL);
    CHECK(e164("+358 40) 123 4567", NULL) == NULL);
    CHECK(e164("+358 ((40)) 123 4567", NULL) == NULL);
    CHECK(e164("+358 () 40 123 4567", NULL) == NULL);
    CHECK(e164("-040 123 4567", "FI") == NULL);
    CHECK(e164("040 123 4567-", "FI") == NULL);
    CHECK(e164("040 123 4567.", "FI") == NULL);
    CHECK(e164("040\t123\t4567", "FI") == NULL);
    CHECK(e164("+358 40 123 4567 +358 40 123 4568", NULL) == NULL);
    CHECK(e164("0000000000", "FI") == NULL);
    CHECK(e164("+358 0000000000", NULL) == NULL);
    CHECK(e164("+46 0 0000 0000", NULL) == NULL);
    CHECK(e164("+1 222 222 2222", NULL) == NULL);
    CHECK(e164("+358401234567890123456789", NULL) == NULL);
    CHECK(e164("040\xc2\xa0"
               "123 4567",
               "FI") == NULL); /* no-break space: not a separator */
}

static void
test_idempotent(void)
{
    static const char *const inputs[][2] = {{"+358 (0)40 123 4567", ""}, {"040-1234567", "FI"},
                                            {"8 (495) 123-45-67", "RU"}, {"06 1234 5678", "IT"},
                                            {"1-202-555-0143", "US"},    {"+420 601 123 456", ""}};

    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        char first[ID_VALUE_MAX + 1];
        const char *once = e164(inputs[i][0], inputs[i][1]);

        CHECK(once != NULL);
        if (once == NULL) {
            continue;
        }
        memcpy(first, once, strlen(once) + 1);
        CHECK_STR(e164(first, NULL), first);
        CHECK_STR(e164(first, "FI"), first);
    }
}

static void
test_country(void)
{
    CHECK_STR(country("+358401234567"), "FI");
    CHECK_STR(country("+46701234567"), "SE");
    CHECK_STR(country("+4791234567"), "NO");
    CHECK_STR(country("+4532123456"), "DK");
    CHECK_STR(country("+37251234567"), "EE");
    CHECK_STR(country("+49301234567"), "DE");
    CHECK_STR(country("+447700900123"), "GB");
    CHECK_STR(country("+12025550143"), "US");
    CHECK_STR(country("+14165550199"), "US"); /* NANP: no area-code mapping, always US */
    CHECK_STR(country("+74951234567"), "RU");
    CHECK_STR(country("+77011234567"), "KZ");
    CHECK_STR(country("+420601123456"), "CZ");
    CHECK_STR(country("+390612345678"), "IT");
    CHECK_STR(country("+298123456"), "FO");
    CHECK(country("+9991234567") == NULL);
    CHECK(country("+8001234567") == NULL);
    CHECK(country("358401234567") == NULL);
    CHECK(country("+") == NULL);
    CHECK(country("") == NULL);
    CHECK(country("+35840 1234567") == NULL);
    CHECK(country("+3584012345678901") == NULL);
    CHECK_INT(id_phone_country(lw_slice_cstr("+9991234567"), (char[3]){0}), LW_ERR_NOT_FOUND);
    CHECK_INT(id_phone_country(lw_slice_cstr("358401234567"), (char[3]){0}), LW_ERR_INVALID);
}

/* Every normalised number names a country, and it is the plan's. */
static void
test_country_of_normalised(void)
{
    static const char *const inputs[] = {"+358 40 123 4567", "+1 202 555 0143", "+421 901 123 456",
                                         "+680 123 4567", NULL};

    for (size_t i = 0; inputs[i] != NULL; i++) {
        const char *n = e164(inputs[i], NULL);

        CHECK(n != NULL && country(n) != NULL);
    }
}

/* The plan table: digits-only codes of 1–3 digits, prefix-free, distinct ISO codes, sane bounds. */
static void
test_plan_table(void)
{
    for (size_t i = 0; i < COUNT(plans); i++) {
        const struct plan *p = &plans[i];
        size_t len = strlen(p->cc);

        CHECK(len >= 1 && len <= 3);
        CHECK(strspn(p->cc, "0123456789") == len && p->cc[0] != '0');
        CHECK(lw_ascii_is_upper(p->iso[0]) && lw_ascii_is_upper(p->iso[1]) && p->iso[2] == '\0');
        CHECK(p->min <= p->max && p->max <= E164_MAX - len);
        CHECK((p->min == 0) == (p->max == 0));
        for (size_t j = 0; j < COUNT(plans); j++) {
            size_t other = strlen(plans[j].cc);

            if (i == j) {
                continue;
            }
            CHECK(memcmp(p->cc, plans[j].cc, len < other ? len : other) != 0);
            CHECK(memcmp(p->iso, plans[j].iso, 2) != 0);
        }
        for (const struct len_rule *r = p->rules; r != NULL && r->prefix != NULL; r++) {
            CHECK(r->min <= r->max && r->max <= E164_MAX - len);
        }
    }
    CHECK(COUNT(plans) > 200);
}

static void
test_region_aliases(void)
{
    for (size_t i = 0; i < COUNT(region_aliases); i++) {
        const struct plan *p = plan_by_region(region_aliases[i].iso);

        CHECK(p != NULL && strcmp(p->cc, region_aliases[i].cc) == 0);
        for (size_t j = 0; j < COUNT(plans); j++) {
            CHECK(memcmp(plans[j].iso, region_aliases[i].iso, 2) != 0);
        }
    }
    CHECK(e164("040 123 4567", "F") == NULL);
    CHECK(e164("040 123 4567", "1A") == NULL);
}

int
main(void)
{
    RUN(test_finland);
    RUN(test_finland_rejects);
    RUN(test_sweden);
    RUN(test_norway_denmark_iceland);
    RUN(test_estonia);
    RUN(test_germany);
    RUN(test_united_kingdom);
    RUN(test_nanp);
    RUN(test_other_countries);
    RUN(test_generic_countries);
    RUN(test_unknown_codes);
    RUN(test_structure);
    RUN(test_idempotent);
    RUN(test_country);
    RUN(test_country_of_normalised);
    RUN(test_plan_table);
    RUN(test_region_aliases);
    return LW_TEST_END();
}
