/*
 * tests/unit/parsers/test_flags.c — the word lists behind the record flags: column-name classes,
 * the health vocabulary (what fires and what must not), street addresses in prose, ICD-10 codes.
 * Includes flags.c to check its tables (the stem list must stay sorted for the binary search).
 */
#include "parsers/flags.c"

#include <stdlib.h>

#include "common/alloc.h"
#include "tests/unit/lw_test.h"

/* flags_text on an exact-size heap copy (ASan catches a read past the end). */
static unsigned
text_flags(const char *s)
{
    size_t n = strlen(s);
    char *copy = lw_xmemdup(s, n);
    unsigned f = flags_text(lw_slice_make(copy, n), FLAGS_TEXT_HEALTH | FLAGS_TEXT_ADDRESS);

    free(copy);
    return f;
}

static bool
health(const char *s)
{
    return (text_flags(s) & FLAGS_TEXT_HEALTH) != 0;
}

static bool
address(const char *s)
{
    return (text_flags(s) & FLAGS_TEXT_ADDRESS) != 0;
}

static unsigned
name_class(const char *s)
{
    return flags_name_class(lw_slice_cstr(s));
}

static bool
icd(const char *s)
{
    return flags_icd10(lw_slice_cstr(s));
}

static void
test_stems_sorted(void)
{
    for (size_t i = 0; i < COUNT(stems); i++) {
        CHECK(stems[i].len == strlen(stems[i].text));
        CHECK(stems[i].len >= 3);
        CHECK(stems[i].phrase == (strchr(stems[i].text, ' ') != NULL));
        if (i > 0 && strcmp(stems[i - 1].text, stems[i].text) >= 0) {
            fprintf(stderr, "stems out of order: \"%s\" before \"%s\"\n", stems[i - 1].text,
                    stems[i].text);
        }
        CHECK(i == 0 || strcmp(stems[i - 1].text, stems[i].text) < 0);
    }
    for (size_t i = 0; i < COUNT(street_suffixes); i++) {
        CHECK(street_suffixes[i].len == strlen(street_suffixes[i].suffix));
        CHECK(street_suffixes[i].min_word >= street_suffixes[i].len);
    }
}

static void
test_health_finnish(void)
{
    CHECK(health("Asiakkaalla todettiin masennus."));
    CHECK(health("kertoi ahdistuksesta"));
    CHECK(health("Psykoterapia jatkuu"));
    CHECK(health("psykoterapeutti Virtanen"));
    CHECK(health("KÄYNTIMUISTIINPANO 12.3."));
    CHECK(health("Lääkitys: sertraliini"));
    CHECK(health("syömishäiriö"));
    CHECK(health("ryhmäterapia"));
    CHECK(health("KBT-terapia")); /* after a hyphen a word starts */
    CHECK(health("itsetuhoisuus"));
    CHECK(!health("Aromaterapia ja hieronta"));
    CHECK(!health("Matti Meikäläinen, Helsinki"));
    CHECK(!health("laakeri vaihdettu")); /* a bearing, not lääke */
}

static void
test_health_swedish_and_others(void)
{
    CHECK(health("Patienten har ångest"));
    CHECK(health("ÅNGEST"));
    CHECK(health("självmordstankar"));
    CHECK(health("behandlingen avslutades"));
    CHECK(!health("Behandling av personuppgifter enligt GDPR"));
    CHECK(!health("behandling-av-personuppgifter"));
    CHECK(health("selvmord"));       /* no, da */
    CHECK(health("Psychotherapie")); /* de */
    CHECK(!health("Traumhaus"));     /* de dream house, not trauma */
}

static void
test_health_english(void)
{
    CHECK(health("therapy session"));
    CHECK(health("Therapist notes"));
    CHECK(health("session notes: client anxious"));
    CHECK(health("history of self-harm"));
    CHECK(health("PTSD"));
    CHECK(health("diagnosed with depression"));
    CHECK(health("mental health"));
    CHECK(!health("mental arithmetic"));
    CHECK(!health("aromatherapy shop"));
    CHECK(!health("Aromatherapy"));
    CHECK(!health("ptsdx ptsd2"));     /* an acronym stem is a whole word */
    CHECK(!health("diagnostic tool")); /* software diagnostics */
    CHECK(!health("the session ended"));
    CHECK(!health(""));
}

static void
test_address_in_prose(void)
{
    CHECK(address("Mannerheimintie 5 A 12, 00100 Helsinki"));
    CHECK(address("Storgatan 1, 111 22 Stockholm"));
    CHECK(address("Karl Johans gate 1, 0154 Oslo"));
    CHECK(address("Vesterbrogade 12, 1620 København V"));
    CHECK(address("Hauptstraße 5, 10115 Berlin"));
    CHECK(address("Hauptstr. 5, 10115 Berlin"));
    CHECK(address("Osoite: Hämeenkatu 10, 33100 Tampere"));
    CHECK(!address("Mannerheimintie 5\n00100 Helsinki"));      /* another line */
    CHECK(!address("Mannerheimintie 5 A 12, 00100 helsinki")); /* no town */
    CHECK(!address("we met at 5, 00100 Helsinki"));            /* no street */
    CHECK(!address("Mannerheimintie on pitkä katu"));          /* no house number */
    CHECK(!address("Kalle 5, 00100 Helsinki"));
}

static void
test_icd10(void)
{
    CHECK(icd("F32.1"));
    CHECK(icd("dg F41, F32"));
    CHECK(icd("F321"));
    CHECK(icd("S72.00"));
    CHECK(!icd("F3"));
    CHECK(!icd("XF32.1"));
    CHECK(!icd("F32.1x2"));
    CHECK(!icd("32.1"));
}

static void
test_name_classes(void)
{
    CHECK_INT(name_class("password"), FLAGS_NAME_PASSWORD);
    CHECK_INT(name_class("user_password"), FLAGS_NAME_PASSWORD);
    CHECK_INT(name_class("Lösenord"), FLAGS_NAME_PASSWORD);
    CHECK_INT(name_class("password_hash"), FLAGS_NAME_PASSWORD);
    CHECK_INT(name_class("passport"), 0);
    CHECK_INT(name_class("first_name"), FLAGS_NAME_PERSON);
    CHECK_INT(name_class("firstName"), FLAGS_NAME_PERSON);
    CHECK_INT(name_class("SUKUNIMI"), FLAGS_NAME_PERSON);
    CHECK_INT(name_class("Förnamn"), FLAGS_NAME_PERSON);
    CHECK_INT(name_class("patient.name"), FLAGS_NAME_PERSON);
    CHECK_INT(name_class("patient_name"), FLAGS_NAME_PERSON);
    CHECK_INT(name_class("username"), 0);
    CHECK_INT(name_class("filename"), 0);
    CHECK_INT(name_class("hostname"), 0);
    CHECK_INT(name_class("company_name"), 0);
    CHECK_INT(name_class("lähiosoite"), FLAGS_NAME_ADDRESS);
    CHECK_INT(name_class("street_address"), FLAGS_NAME_ADDRESS);
    CHECK_INT(name_class("address_line_1"), FLAGS_NAME_ADDRESS);
    CHECK_INT(name_class("PLZ"), FLAGS_NAME_ADDRESS);
    CHECK_INT(name_class("Straße"), FLAGS_NAME_ADDRESS);
    CHECK_INT(name_class("email_address"), 0);
    CHECK_INT(name_class("ip_address"), 0);
    CHECK_INT(name_class("dob"), FLAGS_NAME_BIRTH);
    CHECK_INT(name_class("date_of_birth"), FLAGS_NAME_BIRTH);
    CHECK_INT(name_class("Syntymäaika"), FLAGS_NAME_BIRTH);
    CHECK_INT(name_class("fødselsdato"), FLAGS_NAME_BIRTH);
    CHECK_INT(name_class("dg"), FLAGS_NAME_DIAGNOSIS);
    CHECK_INT(name_class("ICD-10"), FLAGS_NAME_DIAGNOSIS);
    CHECK_INT(name_class("diagnoosi"), FLAGS_NAME_HEALTH);
    CHECK_INT(name_class("session_notes"), FLAGS_NAME_HEALTH);
    CHECK_INT(name_class(""), 0);
    CHECK_INT(name_class("..."), 0);
}

int
main(void)
{
    RUN(test_stems_sorted);
    RUN(test_health_finnish);
    RUN(test_health_swedish_and_others);
    RUN(test_health_english);
    RUN(test_address_in_prose);
    RUN(test_icd10);
    RUN(test_name_classes);
    return LW_TEST_END();
}
