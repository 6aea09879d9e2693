/*
 * tests/unit/parsers/test_id_finance.c — the IBAN and payment card normalisers.
 *
 * Includes the .c under test to reach the junk and IIN helpers. The IBANs are the published
 * registry / ECBS example IBANs or synthetic ones; the card numbers are the card schemes' and
 * payment processors' well-known test PANs or synthetic ones with a computed Luhn digit (each
 * cross-checked with an independent implementation). Every candidate is passed in an exact-size
 * heap copy without a terminator, so ASan catches a read past in.len.
 */
#include "parsers/id_finance.c"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/parsers/id_run.h"

#define IBAN(in) run(id_finance_iban, (in))
#define CARD(in) run(id_finance_payment_card, (in))

/* ---- iban ----------------------------------------------------------------------------------- */

static void
test_iban_countries(void)
{
    static const char *const valid[] = {
        "FI2112345600000785",
        "SE4550000000058398257466",
        "NO9386011117947",
        "DK5000400440116243",
        "DE89370400440532013000",
        "GB29NWBK60161331926819",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "EE382200221020145685",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "PL61109010140000071219812874",
        "CH9300762011623852957",
        "BE68539007547034",
        "AT611904300234573201",
        "IE29AIBK93115212345678",
        "IS140159260076545510730339",
        "LT121000011101001000",
        "LV80BANK0000435195001",
        "MT84MALT011000012345MTLCAST001S",
    };

    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        CHECK_STR(IBAN(valid[i]), valid[i]);
    }
}

static void
test_iban_grouping_and_case(void)
{
    CHECK_STR(IBAN("FI21 1234 5600 0007 85"), "FI2112345600000785");
    CHECK_STR(IBAN("fi21 1234 5600 0007 85"), "FI2112345600000785");
    CHECK_STR(IBAN("gb29nwbk60161331926819"), "GB29NWBK60161331926819");
    CHECK_STR(IBAN("Gb29 NwBk 6016 1331 9268 19"), "GB29NWBK60161331926819");
    CHECK_STR(IBAN("FR14 2004 1010 0505 0001 3M02 606"), "FR1420041010050500013M02606");
    CHECK_STR(IBAN("  NO93 8601 1117 947\n"), "NO9386011117947");
    CHECK_STR(IBAN("DE89 370400440532013000"), "DE89370400440532013000"); /* any grouping */
    CHECK_STR(IBAN("FI21  1234 5600 0007 85"), REJECTED);                 /* doubled space */
    CHECK_STR(IBAN("FI21\t1234 5600 0007 85"), REJECTED);
    CHECK_STR(IBAN("FI21-1234-5600-0007-85"), REJECTED);
    CHECK_STR(IBAN("FI21.1234.5600.0007.85"), REJECTED);
}

static void
test_iban_length(void)
{
    CHECK_STR(IBAN("FI211234560000078"), REJECTED);   /* 17 */
    CHECK_STR(IBAN("FI21123456000007855"), REJECTED); /* 19 */
    CHECK_STR(IBAN("NO938601111794"), REJECTED);      /* 14 */
    CHECK_STR(IBAN("DE8937040044053201300"), REJECTED);
    CHECK_STR(IBAN("SE455000000005839825746"), REJECTED);
    CHECK_STR(IBAN("FI21"), REJECTED);
    CHECK_STR(IBAN(""), REJECTED);
    CHECK_STR(IBAN("MT84MALT011000012345MTLCAST001S00000"), REJECTED); /* 36: past ISO's 34 */
}

static void
test_iban_check_digits(void)
{
    CHECK_STR(IBAN("FI2112345600000786"), REJECTED); /* last digit */
    CHECK_STR(IBAN("FI2212345600000785"), REJECTED); /* check digits */
    CHECK_STR(IBAN("FI2112345600007085"), REJECTED); /* transposition */
    CHECK_STR(IBAN("GB29NWBK60161331926818"), REJECTED);
    CHECK_STR(IBAN("GB29NWBL60161331926819"), REJECTED); /* a letter changed */
    CHECK_STR(IBAN("NL91ABNA0417164301"), REJECTED);
    /* Check digits 97, 98 and 02 leave the same remainder as 00, 01 and 99, which are never
     * issued: the mod-97 test alone would pass them. */
    CHECK_STR(IBAN("DE97370400440000000060"), "DE97370400440000000060");
    CHECK_STR(IBAN("DE00370400440000000060"), REJECTED);
    CHECK_STR(IBAN("DE98370400440000000042"), "DE98370400440000000042");
    CHECK_STR(IBAN("DE01370400440000000042"), REJECTED);
    CHECK_STR(IBAN("DE02370400440000000024"), "DE02370400440000000024");
    CHECK_STR(IBAN("DE99370400440000000024"), REJECTED);
}

static void
test_iban_country_and_charset(void)
{
    CHECK_STR(IBAN("XX2112345600000785"), REJECTED); /* not a country */
    CHECK_STR(IBAN("US2112345600000785"), REJECTED); /* a country without IBANs */
    CHECK_STR(IBAN("1F2112345600000785"), REJECTED);
    CHECK_STR(IBAN("FIX112345600000785"), REJECTED); /* check digits must be digits */
    CHECK_STR(IBAN("FI21123456000007_5"), REJECTED);
    CHECK_STR(IBAN("FI21 1234 5600 0007 8\xc3\xa4"), REJECTED);
    CHECK_STR(IBAN("IBAN FI21 1234 5600 0007 85"), REJECTED);
}

/* ---- payment_card --------------------------------------------------------------------------- */

static void
test_card_brands(void)
{
    static const char *const valid[] = {
        "4111111111111111",    /* Visa */
        "4012888888881881",    /* Visa */
        "4222222222222",       /* Visa, 13 digits */
        "4000000000000000006", /* Visa, 19 digits */
        "5555555555554444",    /* Mastercard */
        "5105105105105100",    /* Mastercard */
        "2223003122003222",    /* Mastercard 2-series */
        "2720991234567894",    /* Mastercard 2-series, last range */
        "378282246310005",     /* American Express */
        "371449635398431",     /* American Express */
        "6011111111111117",    /* Discover */
        "6011000990139424",    /* Discover */
        "6491234567890122",    /* Discover 644–649 */
        "3056930009020004",    /* Diners Club, 16 digits */
        "36227206271667",      /* Diners Club, 14 digits */
        "30569309025904",      /* Diners Club, 14 digits */
        "3812345678901233",    /* Diners Club 38 */
        "3566002020360505",    /* JCB */
        "3530111333300000",    /* JCB */
        "3530111333300000001", /* JCB, 19 digits */
        "6200000000000005",    /* UnionPay */
        "6212345678901234569", /* UnionPay, 19 digits */
        "6759649826438453",    /* Maestro UK */
        "6767701234567892",    /* Maestro UK */
        "5000000000005",       /* Maestro, 13 digits */
        "5020123456785",       /* Maestro, 13 digits */
        "2200000000000004",    /* Mir */
        "2204123456789012343", /* Mir, 19 digits */
        "9792123456789018",    /* Troy */
    };

    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        CHECK_STR(CARD(valid[i]), valid[i]);
    }
}

static void
test_card_grouping(void)
{
    CHECK_STR(CARD("4111 1111 1111 1111"), "4111111111111111");
    CHECK_STR(CARD("4111-1111-1111-1111"), "4111111111111111");
    CHECK_STR(CARD("3782 822463 10005"), "378282246310005");
    CHECK_STR(CARD("3782-822463-10005"), "378282246310005");
    CHECK_STR(CARD(" 5555 5555 5555 4444\r\n"), "5555555555554444");
    CHECK_STR(CARD("4111 1111-1111 1111"), REJECTED); /* mixed separators */
    CHECK_STR(CARD("4111  1111 1111 1111"), REJECTED);
    CHECK_STR(CARD("4111--1111-1111-1111"), REJECTED);
    CHECK_STR(CARD("-4111-1111-1111-1111"), REJECTED);
    CHECK_STR(CARD("4111-1111-1111-1111-"), REJECTED);
    CHECK_STR(CARD("4111.1111.1111.1111"), REJECTED);
    CHECK_STR(CARD("4111/1111/1111/1111"), REJECTED);
    CHECK_STR(CARD("4111 1111 1111 111l"), REJECTED);
}

static void
test_card_luhn(void)
{
    CHECK_STR(CARD("4111111111111112"), REJECTED);
    CHECK_STR(CARD("4111111111111121"), REJECTED);
    CHECK_STR(CARD("5555555555554445"), REJECTED);
    CHECK_STR(CARD("378282246310006"), REJECTED);
    CHECK_STR(CARD("6011111111111171"), REJECTED); /* transposition */
    CHECK_STR(CARD("4111 1111 1111 1112"), REJECTED);
}

/* Each of these passes Luhn, so only the brand's length rule rejects it. */
static void
test_card_length_per_brand(void)
{
    CHECK_STR(CARD("3782822463100052"), REJECTED);     /* Amex is 15 */
    CHECK_STR(CARD("411111111111116"), REJECTED);      /* Visa is 13, 16 or 19 */
    CHECK_STR(CARD("5105105105105105103"), REJECTED);  /* Mastercard is 16 */
    CHECK_STR(CARD("35280000000007"), REJECTED);       /* JCB is 16–19 */
    CHECK_STR(CARD("412345678901"), REJECTED);         /* 12 digits: below the kind's 13 */
    CHECK_STR(CARD("41111111111111111113"), REJECTED); /* 20 digits */
}

static void
test_card_unknown_iin(void)
{
    CHECK_STR(CARD("1111111111111117"), REJECTED);
    CHECK_STR(CARD("7123456789012342"), REJECTED);
    CHECK_STR(CARD("9123456789012348"), REJECTED);
    CHECK_STR(CARD("0123456789012347"), REJECTED);
    CHECK_STR(CARD("2220991234567899"), REJECTED); /* just below Mastercard 2221 */
    CHECK_STR(CARD("2721001234567891"), REJECTED); /* just above Mastercard 2720 */
}

static void
test_card_junk(void)
{
    CHECK_STR(CARD("0000000000000000"), REJECTED); /* passes Luhn */
    CHECK_STR(CARD("0000 0000 0000 0000"), REJECTED);
    CHECK_STR(CARD("8888888888888888"), REJECTED); /* passes Luhn */
    CHECK_STR(CARD(""), REJECTED);
    CHECK_STR(CARD("    "), REJECTED);
    CHECK_STR(CARD("----------------"), REJECTED);
    /* No repeated-digit number reaches the range table with a valid Luhn digit today, so the
     * junk rule is tested on its own as well: it must not depend on the table staying that way. */
    CHECK(pan_junk("4444444444444444", 16));
    CHECK(pan_junk("0000000000000", 13));
    CHECK(!pan_junk("4111111111111111", 16));
    CHECK(!pan_junk("6200000000000005", 16));
}

static void
test_iin_table(void)
{
    CHECK(iin_known("4111111111111111", 16));
    CHECK(!iin_known("4111111111111111", 17));
    CHECK(iin_known("2200000000000000", 16)); /* Mir */
    CHECK(!iin_known("2205000000000000", 16));
    CHECK(iin_known("6767700000000000", 16));
    CHECK(!iin_known("6767710000000000", 16));
    CHECK(iin_known("8100000000000000", 16)); /* UnionPay 81 */
    CHECK(!iin_known("8200000000000000", 16));
}

/* ---- both ----------------------------------------------------------------------------------- */

static void
test_slice_length_is_respected(void)
{
    size_t len = 0;

    CHECK_INT(id_finance_iban(lw_slice_make("NO9386011117947123", 15), NULL, out_buf, &len), LW_OK);
    CHECK_STR(out_buf, "NO9386011117947");
    CHECK_INT(id_finance_payment_card(lw_slice_make("41111111111111112", 16), NULL, out_buf, &len),
              LW_OK);
    CHECK_INT(len, 16);
    CHECK_INT(id_finance_iban(lw_slice_make(NULL, 0), NULL, out_buf, &len), LW_ERR_INVALID);
    CHECK_INT(id_finance_payment_card(lw_slice_make(NULL, 0), NULL, out_buf, &len), LW_ERR_INVALID);
}

int
main(void)
{
    RUN(test_iban_countries);
    RUN(test_iban_grouping_and_case);
    RUN(test_iban_length);
    RUN(test_iban_check_digits);
    RUN(test_iban_country_and_charset);
    RUN(test_card_brands);
    RUN(test_card_grouping);
    RUN(test_card_luhn);
    RUN(test_card_length_per_brand);
    RUN(test_card_unknown_iin);
    RUN(test_card_junk);
    RUN(test_iin_table);
    RUN(test_slice_length_is_respected);
    return LW_TEST_END();
}
