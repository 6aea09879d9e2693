/*
 * tests/unit/parsers/test_id_national.c — the Nordic national identity number normalisers.
 *
 * Includes the .c under test to reach its statics: se_personnummer_at(), which pins "today" for the
 * century inference of short Swedish numbers, and the century tables. Every value here is
 * synthetic: dates and serials made up, check characters computed (and cross-checked with an
 * independent implementation). Each candidate is passed in an exact-size heap copy without a
 * terminator, so ASan catches a read past in.len.
 */
#include "parsers/id_national.c"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "tests/unit/lw_test.h"
#include "tests/unit/parsers/id_run.h"

/* se_personnummer_at() behind the id_normalise_fn signature, with "today" set by se_at(). */
static unsigned long fixed_today;

static enum lw_rc
se_fixed(struct lw_slice in, const struct id_context *ctx, char *out, size_t *out_len)
{
    (void)ctx;
    return se_personnummer_at(in, fixed_today, out, out_len);
}

/* The Swedish normaliser as if today were the date YYYYMMDD. */
static const char *
se_at(const char *in, unsigned long today)
{
    fixed_today = today;
    return run(se_fixed, in);
}

#define HETU(in) run(id_national_fi_hetu, (in))
#define SE(in) run(id_national_se_personnummer, (in))
#define NO(in) run(id_national_no_fodselsnummer, (in))
#define DK(in) run(id_national_dk_cpr, (in))

/* ---- fi_hetu -------------------------------------------------------------------------------- */

static void
test_hetu_each_century_sign(void)
{
    CHECK_STR(HETU("100880+123H"), "100880+123H"); /* 1880 */
    CHECK_STR(HETU("131052-308T"), "131052-308T"); /* 1952; DVV's documented example */
    CHECK_STR(HETU("010594Y173H"), "010594Y173H"); /* 2023 signs for the 1900s */
    CHECK_STR(HETU("150380X210H"), "150380X210H");
    CHECK_STR(HETU("311299W456X"), "311299W456X");
    CHECK_STR(HETU("020255V321E"), "020255V321E");
    CHECK_STR(HETU("070707U7771"), "070707U7771");
    CHECK_STR(HETU("010100A002H"), "010100A002H"); /* 2000 */
    CHECK_STR(HETU("291104B2345"), "291104B2345"); /* 2023 signs for the 2000s */
    CHECK_STR(HETU("150610C5550"), "150610C5550");
    CHECK_STR(HETU("311222D899B"), "311222D899B");
    CHECK_STR(HETU("010123E900D"), "010123E900D");
    CHECK_STR(HETU("280202F999D"), "280202F999D");
}

static void
test_hetu_case_and_space(void)
{
    CHECK_STR(HETU("131052-308t"), "131052-308T");
    CHECK_STR(HETU("010594y173h"), "010594Y173H");
    CHECK_STR(HETU("010100a002h"), "010100A002H");
    CHECK_STR(HETU("291104b2345"), "291104B2345");
    CHECK_STR(HETU("  131052-308T\r\n"), "131052-308T");
    CHECK_STR(HETU("\t100880+123h "), "100880+123H");
}

static void
test_hetu_dates(void)
{
    CHECK_STR(HETU("290224A345M"), "290224A345M"); /* 2024 is a leap year */
    CHECK_STR(HETU("290223A345C"), REJECTED);      /* 2023 is not */
    CHECK_STR(HETU("310223A345N"), REJECTED);      /* no 31 February */
    CHECK_STR(HETU("290200A111W"), "290200A111W"); /* 2000: divisible by 400 */
    CHECK_STR(HETU("290200-111W"), REJECTED);      /* 1900: same digits, not a leap year */
    CHECK_STR(HETU("290200+111W"), REJECTED);      /* 1800 neither */
    CHECK_STR(HETU("290296-3081"), "290296-3081");
    CHECK_STR(HETU("310190-308Y"), "310190-308Y");
    CHECK_STR(HETU("311190-3081"), REJECTED); /* 31 November */
    CHECK_STR(HETU("001052-308D"), REJECTED); /* day 00 */
    CHECK_STR(HETU("130052-308R"), REJECTED); /* month 00 */
    CHECK_STR(HETU("131352-3087"), REJECTED); /* month 13 */
}

static void
test_hetu_check_character(void)
{
    CHECK_STR(HETU("131052-308U"), REJECTED);
    CHECK_STR(HETU("131052-308S"), REJECTED);
    CHECK_STR(HETU("131052-3080"), REJECTED);
    CHECK_STR(HETU("131052-309T"), REJECTED); /* individual number changed */
    CHECK_STR(HETU("131053-308T"), REJECTED); /* date changed */
    CHECK_STR(HETU("131052-308G"), REJECTED); /* not in the check alphabet */
    CHECK_STR(HETU("290200A112X"), "290200A112X");
    CHECK_STR(HETU("290200A112W"), REJECTED);
}

static void
test_hetu_individual_number(void)
{
    CHECK_STR(HETU("010190-000N"), REJECTED); /* never issued, though the check matches */
    CHECK_STR(HETU("010190-001P"), REJECTED);
    CHECK_STR(HETU("010190-002R"), "010190-002R");
    CHECK_STR(HETU("311222D899B"), "311222D899B"); /* last ordinary number */
    CHECK_STR(HETU("010123E900D"), "010123E900D"); /* temporary numbers are accepted */
    CHECK_STR(HETU("280202F999D"), "280202F999D");
}

static void
test_hetu_format(void)
{
    CHECK_STR(HETU(""), REJECTED);
    CHECK_STR(HETU("   "), REJECTED);
    CHECK_STR(HETU("131052-308"), REJECTED);
    CHECK_STR(HETU("131052-308TT"), REJECTED);
    CHECK_STR(HETU("1310521-308T"), REJECTED);
    CHECK_STR(HETU("131052 308T"), REJECTED);
    CHECK_STR(HETU("131052G308T"), REJECTED); /* not a century sign */
    CHECK_STR(HETU("131052Z308T"), REJECTED);
    CHECK_STR(HETU("131052-3O8T"), REJECTED); /* letter O for zero */
    CHECK_STR(HETU("13105Z-308T"), REJECTED);
    CHECK_STR(HETU("131052-308 T"), REJECTED);
}

/* ---- se_personnummer ------------------------------------------------------------------------ */

static void
test_se_forms(void)
{
    CHECK_STR(SE("811218-9876"), "198112189876");
    CHECK_STR(SE("8112189876"), "198112189876"); /* no separator: read as '-' */
    CHECK_STR(SE("19811218-9876"), "198112189876");
    CHECK_STR(SE("198112189876"), "198112189876");
    CHECK_STR(SE(" 811218-9876\n"), "198112189876");
    CHECK_STR(SE("811218+9876"), "188112189876");
}

static void
test_se_century_inference(void)
{
    CHECK_STR(se_at("121212-1212", 20250601), "201212121212");
    CHECK_STR(se_at("121212-1212", 20100101), "191212121212"); /* 2012 is still to come */
    CHECK_STR(se_at("121212+1212", 20250601), "191212121212"); /* 100 or older */
    CHECK_STR(se_at("121212+1212", 20100101), "181212121212");
    CHECK_STR(se_at("000101-2384", 20250601), "200001012384");
    /* Born on the day: 2025; a day later in the year would be 1925. */
    CHECK_STR(se_at("250601-1234", 20250601), "202506011234");
    CHECK_STR(se_at("250601-1234", 20250531), "192506011234");
    CHECK_STR(se_at("250602-1233", 20250601), "192506021233");
    CHECK_STR(se_at("250602+1233", 20250601), "182506021233");
    CHECK_STR(se_at("2506021233", 20250601), "192506021233");
    CHECK_STR(se_at("251231-1230", 20250601), "192512311230");
    /* The century turn. */
    CHECK_STR(se_at("991231-1231", 20000101), "199912311231");
    CHECK_STR(se_at("000101-2384", 20000101), "200001012384");
    CHECK_STR(se_at("000101-2384", 19991231), "190001012384");
}

static void
test_se_samordningsnummer(void)
{
    CHECK_STR(se_at("811278-9873", 20250601), "198112789873"); /* 18 December + 60 */
    CHECK_STR(se_at("198112789873", 20250601), "198112789873");
    CHECK_STR(se_at("810191-1231", 20250601), "198101911231"); /* 31 January + 60 */
    CHECK_STR(se_at("810192-1230", 20250601), REJECTED);       /* day 32 + 60 */
    CHECK_STR(se_at("810290-1231", 20250601), REJECTED);       /* 30 February + 60 */
    /* The century comes from the real day: 2 June + 60 is after 1 June 2025. */
    CHECK_STR(se_at("250662-1230", 20250601), "192506621230");
}

static void
test_se_luhn(void)
{
    CHECK_STR(SE("811218-9875"), REJECTED);
    CHECK_STR(SE("811218-9877"), REJECTED);
    CHECK_STR(SE("811218-9786"), REJECTED); /* transposition */
    CHECK_STR(SE("19811218-9875"), REJECTED);
    CHECK_STR(SE("811278-9876"), REJECTED); /* samordningsnummer with the wrong check */
}

static void
test_se_dates(void)
{
    CHECK_STR(se_at("040229-1231", 20250601), "200402291231");
    CHECK_STR(se_at("050229-1230", 20250601), REJECTED); /* not a leap year */
    CHECK_STR(se_at("960229-1230", 20250601), "199602291230");
    CHECK_STR(se_at("000229-1235", 20250601), "200002291235");
    CHECK_STR(se_at("811318-9875", 20250601), REJECTED);   /* month 13, Luhn valid */
    CHECK_STR(se_at("811232-9878", 20250601), REJECTED);   /* day 32, Luhn valid */
    CHECK_STR(se_at("811200-9876", 20250601), REJECTED);   /* day 00, Luhn valid */
    CHECK_STR(se_at("20300101-1232", 20250601), REJECTED); /* after today */
    CHECK_STR(se_at("20300101-1232", 20300101), "203001011232");
    CHECK_STR(se_at("17991231-1231", 20250601), REJECTED); /* before 1800 */
    CHECK_STR(se_at("18991231-1231", 20250601), "189912311231");
}

static void
test_se_separators(void)
{
    CHECK_STR(SE("19811218+9876"), REJECTED); /* '+' has no meaning with a full year */
    CHECK_STR(SE("811218 9876"), REJECTED);
    CHECK_STR(SE("811218/9876"), REJECTED);
    CHECK_STR(SE("811218--9876"), REJECTED);
    CHECK_STR(SE("8112-18-9876"), REJECTED);
    CHECK_STR(SE("1981121-89876"), REJECTED);
    CHECK_STR(SE("811218-987"), REJECTED);
    CHECK_STR(SE("811218-98766"), REJECTED);
    CHECK_STR(SE("81121898766"), REJECTED); /* 11 digits */
    CHECK_STR(SE("1981121898766"), REJECTED);
    CHECK_STR(SE("811218-987X"), REJECTED);
    CHECK_STR(SE(""), REJECTED);
}

/* ---- no_fodselsnummer ----------------------------------------------------------------------- */

static void
test_no_ordinary_and_centuries(void)
{
    CHECK_STR(NO("31129949980"), "31129949980"); /* 000–499: 1999 */
    CHECK_STR(NO("29020412354"), "29020412354"); /* 1904, a leap year */
    CHECK_STR(NO("15068060009"), "15068060009"); /* 500–749, YY >= 54: 1880 */
    CHECK_STR(NO("01018570099"), "01018570099"); /* 1885 */
    CHECK_STR(NO("15060550015"), "15060550015"); /* 500–999, YY <= 39: 2005 */
    CHECK_STR(NO("29020060040"), "29020060040"); /* 2000, a leap year */
    CHECK_STR(NO("15064599906"), "15064599906"); /* 900–999, YY >= 40: 1945 */
    CHECK_STR(NO("29020012380"), REJECTED);      /* 000–499 makes it 1900: no 29 February */
    CHECK_STR(NO("15064575020"), REJECTED);      /* 750–899 with YY >= 40: never issued */
    CHECK_STR(NO("01014050066"), REJECTED);      /* 500–749 with YY 40–53: never issued */
}

static void
test_no_special_numbers(void)
{
    CHECK_STR(NO("41019012393"), "41019012393"); /* D-number: 1 January */
    CHECK_STR(NO("71019945671"), "71019945671"); /* D-number: 31 January */
    CHECK_STR(NO("72019012345"), REJECTED);      /* D-number for day 32 */
    CHECK_STR(NO("01519012320"), "01519012320"); /* H-number: November */
    CHECK_STR(NO("01539012300"), REJECTED);      /* H-number for month 13 */
    CHECK_STR(NO("01819012365"), "01819012365"); /* synthetic test number: January */
    CHECK_STR(NO("01899012395"), "01899012395"); /* synthetic: September */
    CHECK_STR(NO("41819012359"), "41819012359"); /* synthetic D-number */
    CHECK_STR(NO("41519012314"), REJECTED);      /* D and H at once */
}

static void
test_no_dates(void)
{
    CHECK_STR(NO("30029012373"), REJECTED); /* 30 February */
    CHECK_STR(NO("32019012351"), REJECTED);
    CHECK_STR(NO("00019012360"), REJECTED);
    CHECK_STR(NO("01139012328"), REJECTED);
}

static void
test_no_check_digits(void)
{
    CHECK_STR(NO("31129949980"), "31129949980");
    CHECK_STR(NO("31129949981"), REJECTED); /* second check digit wrong */
    CHECK_STR(NO("31129949999"), REJECTED); /* first wrong, second right for it */
    CHECK_STR(NO("31129949890"), REJECTED); /* the two swapped */
    CHECK_STR(NO("31129949880"), REJECTED); /* an individual digit changed */
}

/* Where a check digit computes to 10, no number with that prefix is valid. */
static void
test_no_remainder_10(void)
{
    char buf[12];
    int accepted = 0;

    for (int k = 0; k < 100; k++) {
        memcpy(buf, "150380101", 9);
        buf[9] = (char)('0' + k / 10);
        buf[10] = (char)('0' + k % 10);
        buf[11] = '\0';
        accepted += strcmp(NO(buf), REJECTED) != 0;
    }
    CHECK_INT(accepted, 0);
    accepted = 0;
    for (int k = 0; k < 10; k++) {
        memcpy(buf, "1503801052", 10);
        buf[10] = (char)('0' + k);
        buf[11] = '\0';
        accepted += strcmp(NO(buf), REJECTED) != 0;
    }
    CHECK_INT(accepted, 0);
}

static void
test_no_format(void)
{
    CHECK_STR(NO("311299 49980"), "31129949980");
    CHECK_STR(NO(" 31129949980\t"), "31129949980");
    CHECK_STR(NO("311299-49980"), REJECTED);
    CHECK_STR(NO("311299  49980"), REJECTED);
    CHECK_STR(NO("3112994 9980"), REJECTED);
    CHECK_STR(NO("3112994998"), REJECTED);
    CHECK_STR(NO("311299499800"), REJECTED);
    CHECK_STR(NO("3112994998O"), REJECTED);
}

/* ---- dk_cpr --------------------------------------------------------------------------------- */

static void
test_dk_centuries(void)
{
    CHECK_STR(DK("010190-1234"), "0101901234"); /* 7th digit 0–3: 1990 */
    CHECK_STR(DK("010120-4234"), "0101204234"); /* 4, YY <= 36: 2020 */
    CHECK_STR(DK("010150-4234"), "0101504234"); /* 4, YY > 36: 1950 */
    CHECK_STR(DK("010136-9234"), "0101369234"); /* 9, YY <= 36: 2036 */
    CHECK_STR(DK("010137-9234"), "0101379234"); /* 9, YY > 36: 1937 */
    CHECK_STR(DK("010110-5234"), "0101105234"); /* 5–8, YY <= 57: 2010 */
    CHECK_STR(DK("010158-8234"), "0101588234"); /* 5–8, YY > 57: 1858 */
    /* The leap day shows which century was chosen. */
    CHECK_STR(DK("290200-1234"), REJECTED);     /* 1900 */
    CHECK_STR(DK("290200-3234"), REJECTED);     /* 1900 */
    CHECK_STR(DK("290200-4234"), "2902004234"); /* 2000 */
    CHECK_STR(DK("290200-9234"), "2902009234"); /* 2000 */
    CHECK_STR(DK("290200-5234"), "2902005234"); /* 2000 */
    CHECK_STR(DK("290204-1234"), "2902041234"); /* 1904 */
    CHECK_STR(DK("290258-5234"), REJECTED);     /* 1858 */
    CHECK_STR(DK("290260-5234"), "2902605234"); /* 1860 */
    CHECK_STR(DK("290260-4234"), "2902604234"); /* 1960 */
}

static void
test_dk_dates(void)
{
    CHECK_STR(DK("320190-1234"), REJECTED);
    CHECK_STR(DK("000190-1234"), REJECTED);
    CHECK_STR(DK("011390-1234"), REJECTED);
    CHECK_STR(DK("010090-1234"), REJECTED);
    CHECK_STR(DK("310490-1234"), REJECTED);
    CHECK_STR(DK("300490-1234"), "3004901234");
}

static void
test_dk_format(void)
{
    CHECK_STR(DK("0101901234"), "0101901234");
    CHECK_STR(DK(" 010190-1234 "), "0101901234");
    CHECK_STR(DK("010190-1235"), "0101901235"); /* no modulus-11 check since 2007 */
    CHECK_STR(DK("010190 1234"), REJECTED);
    CHECK_STR(DK("010190--1234"), REJECTED);
    CHECK_STR(DK("01019-01234"), REJECTED);
    CHECK_STR(DK("010190123"), REJECTED);
    CHECK_STR(DK("01019012345"), REJECTED);
    CHECK_STR(DK("010190-123A"), REJECTED);
}

/* The century boundaries only show in the output around 29 February 1900/2000, so the tables
 * are also checked directly. */
static void
test_century_tables(void)
{
    CHECK_INT(hetu_century('+'), 1800);
    CHECK_INT(hetu_century('U'), 1900);
    CHECK_INT(hetu_century('F'), 2000);
    CHECK_INT(hetu_century('G'), 0);
    CHECK_INT(hetu_century('T'), 0);
    CHECK_INT(hetu_century('a'), 0); /* callers upper-case first */
    CHECK_INT(no_century(0, 99), 1900);
    CHECK_INT(no_century(499, 0), 1900);
    CHECK_INT(no_century(500, 54), 1800);
    CHECK_INT(no_century(749, 99), 1800);
    CHECK_INT(no_century(500, 53), 0);
    CHECK_INT(no_century(750, 54), 0);
    CHECK_INT(no_century(500, 39), 2000);
    CHECK_INT(no_century(999, 39), 2000);
    CHECK_INT(no_century(899, 40), 0);
    CHECK_INT(no_century(900, 40), 1900);
    CHECK_INT(no_century(999, 99), 1900);
    CHECK_INT(dk_century('0', 0), 1900);
    CHECK_INT(dk_century('3', 99), 1900);
    CHECK_INT(dk_century('4', 36), 2000);
    CHECK_INT(dk_century('4', 37), 1900);
    CHECK_INT(dk_century('9', 36), 2000);
    CHECK_INT(dk_century('9', 37), 1900);
    CHECK_INT(dk_century('5', 57), 2000);
    CHECK_INT(dk_century('5', 58), 1800);
    CHECK_INT(dk_century('8', 57), 2000);
    CHECK_INT(dk_century('8', 58), 1800);
}

/* ---- all kinds ------------------------------------------------------------------------------ */

/* A valid value followed by more bytes outside the slice: only in.len bytes count. */
static void
test_slice_length_is_respected(void)
{
    size_t len = 0;
    enum lw_rc rc;

    rc = id_national_fi_hetu(lw_slice_make("131052-308Txyz", 11), NULL, out_buf, &len);
    CHECK_INT(rc, LW_OK);
    CHECK_STR(out_buf, "131052-308T");
    rc = id_national_no_fodselsnummer(lw_slice_make("3112994998012", 11), NULL, out_buf, &len);
    CHECK_INT(rc, LW_OK);
    CHECK_INT(len, 11);
    rc = id_national_dk_cpr(lw_slice_make("0101901234", 9), NULL, out_buf, &len);
    CHECK_INT(rc, LW_ERR_INVALID);
    rc = id_national_se_personnummer(lw_slice_make(NULL, 0), NULL, out_buf, &len);
    CHECK_INT(rc, LW_ERR_INVALID);
}

int
main(void)
{
    RUN(test_hetu_each_century_sign);
    RUN(test_hetu_case_and_space);
    RUN(test_hetu_dates);
    RUN(test_hetu_check_character);
    RUN(test_hetu_individual_number);
    RUN(test_hetu_format);
    RUN(test_se_forms);
    RUN(test_se_century_inference);
    RUN(test_se_samordningsnummer);
    RUN(test_se_luhn);
    RUN(test_se_dates);
    RUN(test_se_separators);
    RUN(test_no_ordinary_and_centuries);
    RUN(test_no_special_numbers);
    RUN(test_no_dates);
    RUN(test_no_check_digits);
    RUN(test_no_remainder_10);
    RUN(test_no_format);
    RUN(test_dk_centuries);
    RUN(test_dk_dates);
    RUN(test_dk_format);
    RUN(test_century_tables);
    RUN(test_slice_length_is_respected);
    return LW_TEST_END();
}
