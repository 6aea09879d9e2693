/*
 * parsers/flags.c — the word lists behind the record flags: column-name classes, therapy and
 * medical vocabulary, street addresses in prose, ICD-10 codes.
 *
 * Everything works on folded words: letters lower-cased and reduced to ASCII (ä å æ → a, ö ø → o,
 * ü → u, é → e, ß → ss; any other letter to '#', which matches nothing), so "Masennus",
 * "MASENNUS" and "masennus" are one word and "ångest" is "angest". One left-to-right pass over a
 * value visits each word (letters and digits; '_' separates words here, so "session_notes" is
 * two) once. At a word start, the first two folded letters are looked up among the stems (an
 * index by first letter, built once); only when some stem starts with them is the word folded (at
 * most 24 bytes) and compared, and only a stem of several words ("session note") folds the words
 * after it. The same pass checks whether the word ends like a street name when a house number
 * follows it. The cost is a few operations per byte: linear in the text.
 *
 * The vocabulary: stems matched at word starts, so inflections and compounds that start with a
 * stem match ("masennuksesta", "psykoterapiaistunto", "therapist"), while words that merely
 * contain one do not: "aromatherapy" and "aromaterapia" leave health_text unset (as do
 * "physio"-words in English; the Nordic "fysioterapi" is listed). Finnish and Swedish build
 * therapy words by compounding ("ryhmäterapia", "samtalsterapi"), so the common compounds are
 * listed as stems of their own. A stem marked WORD must be the whole word (acronyms: "ptsd"). A few
 * frequent non-medical phrases that start with a stem are excluded ("diagnostic" — software logs;
 * "behandling av personuppgifter" — the Swedish GDPR phrase). Left in on purpose, although they
 * also occur outside health records: "treatment", "medicine", "depression" (also economic),
 * "potilas" (patient).
 *
 * The alternative rejected: regular expressions or substring search over the whole text. The
 * first needs a library and gets slow on long values, the second finds "therapy" in
 * "aromatherapy".
 */
#include "parsers/flags.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "common/ascii.h"
#include "parsers/extract_int.h"

#define HEAD_MAX 24 /* folded bytes looked at from a word start */
#define NAME_MAX 64 /* folded letters of a column name (or a street word) that are classified */
#define NEAR_MAX 64 /* bytes from a house number to the postal code of the same address */
#define OTHER '#'   /* the fold of a letter the tables do not know */

enum stem_mode {
    PREFIX, /* the stem starts the word */
    WORD,   /* the stem is the whole word */
};

struct stem {
    const char *text; /* folded; a space stands for any one separator between words */
    unsigned char len;
    enum stem_mode mode;
    bool phrase; /* several words */
};

/* clang-format off */
#define S(text, mode) {text, sizeof(text) - 1, mode, false}
#define PHRASE(text) {text, sizeof(text) - 1, PREFIX, true}
/* clang-format on */

/* clang-format off */
/* Sorted by text (a unit test checks). Languages: fi sv en; da no de where the word is plain. */
static const struct stem stems[] = {
    S("adhd", WORD),                 /* all */
    S("ahdistu", PREFIX),            /* fi ahdistus, ahdistuneisuus */
    S("angest", PREFIX),             /* sv ångest */
    S("angstlidelse", PREFIX),       /* no da */
    S("angststorung", PREFIX),       /* de Angststörung */
    S("anorek", PREFIX),             /* fi anoreksia */
    S("anorex", PREFIX),             /* en sv de */
    S("antidepress", PREFIX),        /* en de sv */
    S("anxiety", PREFIX),            /* en */
    S("anxious", PREFIX),            /* en */
    S("autism", PREFIX),             /* all: autismi, autism, autisme */
    S("behandling", PREFIX),         /* sv no da */
    S("bipola", PREFIX),             /* en sv no de bipolar, fi bipolaarinen */
    S("bulimi", PREFIX),             /* all */
    S("depresjon", PREFIX),          /* no */
    S("depressed", PREFIX),          /* en */
    S("depressi", PREFIX),           /* en sv da de: depression, depressive */
    S("diagnoo", PREFIX),            /* fi diagnoosi */
    S("diagnos", PREFIX),            /* en sv da no de */
    PHRASE("eating disorder"),    /* en */
    S("familjeterap", PREFIX),       /* sv */
    S("fysioterap", PREFIX),         /* fi sv no da */
    S("gruppterap", PREFIX),         /* sv */
    S("hoitojakso", PREFIX),         /* fi */
    S("hoitosuunnitelm", PREFIX),    /* fi */
    S("itsemurh", PREFIX),           /* fi */
    S("itsetuho", PREFIX),           /* fi */
    S("journalanteckning", PREFIX),  /* sv */
    S("kaksisuuntai", PREFIX),       /* fi */
    S("kayntimuistiin", PREFIX),     /* fi käyntimuistiinpano */
    S("kuvataideterap", PREFIX),     /* fi */
    S("laakar", PREFIX),             /* fi lääkäri */
    S("laakemaarayk", PREFIX),       /* fi lääkemääräys */
    S("laakit", PREFIX),             /* fi lääkitys */
    S("lyhytterap", PREFIX),         /* fi */
    S("masennu", PREFIX),            /* fi masennus */
    S("masentu", PREFIX),            /* fi masentunut */
    S("medicat", PREFIX),            /* en */
    S("medicin", PREFIX),            /* sv da, en medicine */
    S("medikament", PREFIX),         /* de sv no */
    S("medisin", PREFIX),            /* no */
    PHRASE("mental health"),      /* en */
    S("mielenterve", PREFIX),        /* fi */
    S("mielialahairio", PREFIX),     /* fi */
    S("musiikkiterap", PREFIX),      /* fi */
    S("ocd", WORD),                  /* all */
    PHRASE("panic attack"),       /* en */
    PHRASE("panic disorder"),     /* en */
    S("paniikkihairio", PREFIX),     /* fi */
    S("panikangest", PREFIX),        /* sv */
    S("panikkangst", PREFIX),        /* no da */
    S("pariterap", PREFIX),          /* fi */
    S("parterap", PREFIX),           /* sv */
    S("pasientjournal", PREFIX),     /* no */
    S("patientjournal", PREFIX),     /* sv da */
    S("perheterap", PREFIX),         /* fi */
    S("potila", PREFIX),             /* fi potilas */
    S("psychiatr", PREFIX),          /* en de */
    S("psychologist", PREFIX),       /* en */
    S("psychos", PREFIX),            /* en */
    S("psychotherap", PREFIX),       /* en de */
    S("psykiatr", PREFIX),           /* fi sv no da */
    S("psykolog", PREFIX),           /* fi sv no da */
    S("psykoo", PREFIX),             /* fi psykoosi */
    S("psykos", PREFIX),             /* sv no da */
    S("psykoterap", PREFIX),         /* fi sv no da */
    S("ptsd", WORD),                 /* all */
    S("ryhmaterap", PREFIX),         /* fi */
    S("samtalsterap", PREFIX),       /* sv */
    S("schizo", PREFIX),             /* en sv no da de */
    S("selbstmord", PREFIX),         /* de */
    PHRASE("self harm"),          /* en self-harm */
    S("selfharm", PREFIX),           /* en */
    S("selvmord", PREFIX),           /* no da */
    PHRASE("session note"),       /* en */
    S("sjalvmord", PREFIX),          /* sv självmord */
    S("sjukdom", PREFIX),            /* sv */
    S("sjukskriv", PREFIX),          /* sv */
    S("skitsofren", PREFIX),         /* fi */
    S("spiseforstyrr", PREFIX),      /* no da */
    S("suicid", PREFIX),             /* en sv fi */
    S("suizid", PREFIX),             /* de */
    S("syomishairio", PREFIX),       /* fi syömishäiriö */
    S("terapeut", PREFIX),           /* fi sv no da */
    S("terapi", PREFIX),             /* fi sv no da */
    S("therap", PREFIX),             /* en de */
    S("trauma", PREFIX),             /* all (not de Traum, a dream) */
    S("treatment", PREFIX),          /* en */
    S("unettomuu", PREFIX),          /* fi */
    S("utbrandhet", PREFIX),         /* sv utbrändhet */
    S("uupumu", PREFIX),             /* fi uupumus */
    S("yksiloterap", PREFIX),        /* fi yksilöterapia */
};

/* Phrases that start with a stem but are not about health. */
static const char *const stem_exclusions[] = {
    "diagnostic",           /* en software diagnostics */
    "behandling av person", /* sv behandling av personuppgifter: the GDPR phrase */
    NULL,
};

/* Column names: a listed word, or a listed head word followed by one ("patient" + "name"). */
static const char *const password_words[] = {
    "password", "passwd", "pwd", "pass", "salasana", "losenord", "passord", "adgangskode",
    "kodeord", "kennwort", "passwort", "hash", "passwordhash", "passhash", "pwhash", NULL};
static const char *const password_heads[] = {
    "user", "account", "login", "admin", "hashed", "encrypted", "new", "old", "current", "member",
    "customer", "kayttaja", "kayttajan", "anvandare", "bruker", "bruger", "benutzer", "md", "sha",
    "bcrypt", NULL};

static const char *const person_words[] = {
    "name", "fullname", "firstname", "lastname", "surname", "givenname", "givennames",
    "familyname", "middlename", "maidenname", "nimi", "etunimi", "etunimet", "sukunimi",
    "kokonimi", "kutsumanimi", "namn", "fornamn", "efternamn", "tilltalsnamn", "mellannamn",
    "navn", "fornavn", "etternavn", "efternavn", "mellomnavn", "mellemnavn", "vorname",
    "nachname", "familienname", NULL};
static const char *const person_heads[] = {
    "patient", "patients", "client", "customer", "contact", "person", "member", "employee",
    "guardian", "parent", "cardholder", "holder", "billing", "potilas", "potilaan", "asiakas",
    "asiakkaan", "huoltaja", "huoltajan", "kund", "kundens", "kunde", "kunden", "kontakt",
    "pasient", "pasientens", "patientens", "patienten", NULL};

static const char *const address_words[] = {
    "address", "adress", "adresse", "osoite", "street", "streetaddress", "streetname",
    "addressline", "postalcode", "postcode", "zip", "zipcode", "city", "town", "katuosoite",
    "lahiosoite", "postiosoite", "kotiosoite", "postinumero", "postitoimipaikka", "kotikunta",
    "gatuadress", "postadress", "postnummer", "postort", "ort", "gate", "gateadresse", "gatenavn",
    "postnr", "poststed", "vejnavn", "postadresse", "strasse", "plz", "wohnort", "hausnummer",
    NULL};
static const char *const address_heads[] = {
    "home", "billing", "shipping", "mailing", "postal", "delivery", "residential", "visiting",
    "street", "patient", "customer", "client", "contact", "member", "employee", "koti", "asiakas",
    "asiakkaan", "potilas", "potilaan", "kund", "kunde", "hem", "bostad", "pasient", NULL};

static const char *const birth_words[] = {
    "dob", "birthdate", "birthday", "dateofbirth", "syntymaaika", "syntymapaiva", "syntymapvm",
    "fodelsedatum", "fodelsedag", "fodselsdato", "fodselsdag", "geburtsdatum", "geburtstag",
    NULL};
static const char *const birth_heads[] = {
    "patient", "client", "customer", "contact", "person", "member", "employee", "user", "potilas",
    "potilaan", "asiakas", "asiakkaan", "kund", "kunde", "pasient", NULL};

static const char *const diagnosis_words[] = {
    "dg", "dx", "icd", "icdcode", "icdkoodi", "dgkoodi", "dgcode", NULL};

/* Street-name endings (folded) and the fewest letters a word ending in each must have. */
struct street_suffix {
    const char *suffix;
    unsigned char len;
    unsigned char min_word;
};

#define SUFFIX(text, min_word) {text, sizeof(text) - 1, min_word}

static const struct street_suffix street_suffixes[] = {
    SUFFIX("katu", 4), SUFFIX("tie", 5), SUFFIX("kuja", 5), SUFFIX("polku", 6), SUFFIX("raitti", 7),
    SUFFIX("kaari", 6), SUFFIX("rinne", 6), SUFFIX("aukio", 6), SUFFIX("tori", 5), SUFFIX("gatan", 6),
    SUFFIX("gata", 4), SUFFIX("vagen", 6), SUFFIX("vag", 5), SUFFIX("grand", 6), SUFFIX("torget", 7),
    SUFFIX("backe", 6), SUFFIX("stigen", 7), SUFFIX("veien", 6), SUFFIX("vei", 5), SUFFIX("veg", 5),
    SUFFIX("vegen", 6), SUFFIX("gate", 4), SUFFIX("gaten", 6), SUFFIX("vej", 5), SUFFIX("vejen", 6),
    SUFFIX("gade", 4), SUFFIX("gaden", 6), SUFFIX("plads", 6), SUFFIX("strasse", 7), SUFFIX("str", 6),
    SUFFIX("weg", 5), SUFFIX("platz", 6), SUFFIX("gasse", 6), SUFFIX("allee", 6),
};
/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- folding -------------------------------------------------------------------------------- */

enum fold_class { F_LETTER, F_DIGIT, F_SEP, F_OTHER };

/* Classify the character at t.p[i]; a letter's fold goes to out (1 or 2 bytes, *out_len).
 * *n gets the character's length. */
static enum fold_class
fold_at(struct lw_slice t, size_t i, char out[2], size_t *out_len, size_t *n)
{
    unsigned cp = extract_cp_at(t, i, n);

    *out_len = 1;
    if (cp < 0x80) {
        char c = (char)cp;

        if (lw_ascii_is_alpha(c)) {
            out[0] = lw_ascii_lower(c);
            return F_LETTER;
        }
        if (lw_ascii_is_digit(c)) {
            return F_DIGIT;
        }
        return c == ' ' || c == '-' || c == '_' ? F_SEP : F_OTHER;
    }
    if (cp == 0xA0) {
        return F_SEP;
    }
    if (!extract_cp_is_word(cp)) {
        return F_OTHER;
    }
    switch (cp | 0x20u) {           /* Latin-1 upper and lower case differ in bit 5 */
    case 0xE4:                      /* ä */
    case 0xE5:                      /* å */
    case 0xE6: out[0] = 'a'; break; /* æ */
    case 0xF6:                      /* ö */
    case 0xF8: out[0] = 'o'; break; /* ø */
    case 0xFC: out[0] = 'u'; break; /* ü */
    case 0xE9: out[0] = 'e'; break; /* é */
    default:
        if (cp == 0xDF) { /* ß */
            out[0] = 's';
            out[1] = 's';
            *out_len = 2;
        } else {
            out[0] = OTHER;
        }
    }
    return F_LETTER;
}

/* A word and what follows it, folded: letters, and one ' ' for each single separator between two
 * words (for the stems and exclusions of several words). */
struct phrase {
    char s[HEAD_MAX];
    size_t len;
};

static void
fold_phrase(struct lw_slice t, size_t i, struct phrase *p)
{
    p->len = 0;
    while (i < t.len) {
        char f[2];
        size_t f_len;
        size_t n;
        size_t n2;
        enum fold_class c = fold_at(t, i, f, &f_len, &n);

        if (c == F_LETTER) {
            if (p->len + f_len > HEAD_MAX) {
                return;
            }
            memcpy(p->s + p->len, f, f_len);
            p->len += f_len;
            i += n;
            continue;
        }
        if (c != F_SEP || i + n >= t.len || fold_at(t, i + n, f, &f_len, &n2) != F_LETTER ||
            p->len == HEAD_MAX) {
            return;
        }
        p->s[p->len++] = ' ';
        i += n;
    }
}

/* Is there a letter or digit at t.p[i] (*n: its length)? Unlike word boundaries for identifiers,
 * '_' separates words here: "session_notes", "self_harm". */
static bool
alnum_at(struct lw_slice t, size_t i, size_t *n)
{
    unsigned c = extract_cls(t.p[i]);

    *n = 1;
    if ((c & XC_HIGH) != 0) {
        return extract_cp_is_word(extract_cp_at(t, i, n));
    }
    return (c & (XC_ALPHA | XC_DIGIT)) != 0;
}

/* The end of the word at t.p[i]: letters and digits. */
static size_t
word_end(struct lw_slice t, size_t i)
{
    while (i < t.len) {
        size_t n;

        if (!alnum_at(t, i, &n)) {
            break;
        }
        i += n;
    }
    return i;
}

/* The first two folded letters of the word t.p[i..end), or false. */
static bool
first_two(struct lw_slice t, size_t i, size_t end, char two[2])
{
    char f[2];
    size_t f_len;
    size_t n;

    if (i + 2 <= end && (extract_cls(t.p[i]) & extract_cls(t.p[i + 1]) & XC_ALPHA) != 0) {
        two[0] = lw_ascii_lower(t.p[i]);
        two[1] = lw_ascii_lower(t.p[i + 1]);
        return true;
    }
    if (fold_at(t, i, f, &f_len, &n) != F_LETTER) {
        return false;
    }
    two[0] = f[0];
    if (f_len == 2) {
        two[1] = f[1];
        return true;
    }
    if (i + n >= end || fold_at(t, i + n, f, &f_len, &n) != F_LETTER) {
        return false;
    }
    two[1] = f[0];
    return true;
}

/* ---- health vocabulary ---------------------------------------------------------------------- */

static bool
starts_with(const char *s, size_t len, const char *prefix, size_t n)
{
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* Where the stems of each first letter a–z start and end in stems[], and which second letters
 * follow it: built once, from the table, on first use. */
static struct {
    unsigned char begin[26];
    unsigned char end[26];
    uint32_t second[26];
} stem_index;
static pthread_once_t stem_index_once = PTHREAD_ONCE_INIT;

static void
build_stem_index(void)
{
    for (size_t k = COUNT(stems); k > 0; k--) {
        unsigned a = (unsigned)(stems[k - 1].text[0] - 'a');
        unsigned b = (unsigned)(stems[k - 1].text[1] - 'a');

        if (stem_index.end[a] == 0) {
            stem_index.end[a] = (unsigned char)k;
        }
        stem_index.begin[a] = (unsigned char)(k - 1);
        stem_index.second[a] |= b < 26 ? UINT32_C(1) << b : 0u;
    }
}

/* Fold the word t.p[i..end) into w[HEAD_MAX]; returns the folded length (short of the word's
 * when it has a digit or does not fit). */
static size_t
fold_word(struct lw_slice t, size_t i, size_t end, char *w)
{
    size_t len = 0;

    while (i < end) {
        char f[2];
        size_t f_len;
        size_t n;

        if (fold_at(t, i, f, &f_len, &n) != F_LETTER || len + f_len > HEAD_MAX) {
            return len;
        }
        memcpy(w + len, f, f_len);
        len += f_len;
        i += n;
    }
    return len;
}

/* Is the phrase at t.p[i] (the word t.p[i..end) and what follows) one of the exclusions? */
static bool
excluded(struct lw_slice t, size_t i, size_t end)
{
    char w[HEAD_MAX];
    size_t len = fold_word(t, i, end, w);
    struct phrase p = {{0}, 0};

    for (size_t k = 0; stem_exclusions[k] != NULL; k++) {
        const char *x = stem_exclusions[k];
        const char *space = strchr(x, ' ');
        size_t first = space != NULL ? (size_t)(space - x) : strlen(x);

        if (len < first || memcmp(w, x, first) != 0) {
            continue;
        }
        if (space == NULL) {
            return true;
        }
        if (p.len == 0) {
            fold_phrase(t, i, &p);
        }
        if (starts_with(p.s, p.len, x, strlen(x))) {
            return true;
        }
    }
    return false;
}

/* Do the folded letters of the word t.p[i..end) start with text[0..len) (be exactly it, when
 * whole)? Folded on the fly, so a word is only read as far as it agrees. */
static bool
word_starts(struct lw_slice t, size_t i, size_t end, const char *text, size_t len, bool whole)
{
    size_t k = 0;

    while (k < len) {
        char f[2];
        size_t f_len = 1;
        size_t n = 1;

        if (i >= end) {
            return false;
        }
        if ((extract_cls(t.p[i]) & XC_ALPHA) != 0) {
            f[0] = lw_ascii_lower(t.p[i]);
        } else if (fold_at(t, i, f, &f_len, &n) != F_LETTER) {
            return false;
        }
        if (f[0] != text[k] || (f_len == 2 && (k + 1 >= len || f[1] != text[k + 1]))) {
            return false;
        }
        k += f_len;
        i += n;
    }
    return !whole || i == end;
}

/* Does stem st start the word t.p[i..end) (be all of it, for WORD; start it and the words after
 * it, for a phrase)? */
static bool
stem_at(struct lw_slice t, size_t i, size_t end, const struct stem *st)
{
    const char *space;
    struct phrase p;

    if (!st->phrase) {
        return word_starts(t, i, end, st->text, st->len, st->mode == WORD);
    }
    space = memchr(st->text, ' ', st->len);
    if (space == NULL || !word_starts(t, i, end, st->text, (size_t)(space - st->text), true)) {
        return false;
    }
    fold_phrase(t, i, &p);
    return starts_with(p.s, p.len, st->text, st->len);
}

/* Does a stem start the word t.p[i..end)? Most words fail the two-letter look-up and are never
 * read further. */
static bool
health_word(struct lw_slice t, size_t i, size_t end)
{
    char two[2];
    unsigned a;

    if (end - i < 3 || !first_two(t, i, end, two) || two[0] < 'a' || two[0] > 'z' || two[1] < 'a' ||
        two[1] > 'z') {
        return false;
    }
    (void)pthread_once(&stem_index_once, build_stem_index);
    a = (unsigned)(two[0] - 'a');
    if ((stem_index.second[a] & (UINT32_C(1) << (two[1] - 'a'))) == 0) {
        return false;
    }
    for (size_t k = stem_index.begin[a]; k < stem_index.end[a]; k++) {
        if (stems[k].text[1] == two[1] && stem_at(t, i, end, &stems[k])) {
            return !excluded(t, i, end);
        }
    }
    return false;
}

/* ---- street addresses in prose -------------------------------------------------------------- */

/* Does the word t.p[i..end) end like a street name? */
static bool
street_word(struct lw_slice t, size_t i, size_t end)
{
    char w[NAME_MAX];
    size_t len = 0;

    while (i < end) {
        char f[2];
        size_t f_len;
        size_t n;

        if (fold_at(t, i, f, &f_len, &n) != F_LETTER || len + f_len > sizeof(w)) {
            return false;
        }
        memcpy(w + len, f, f_len);
        len += f_len;
        i += n;
    }
    if (len == 0) {
        return false;
    }
    for (size_t k = 0; k < COUNT(street_suffixes); k++) {
        size_t n = street_suffixes[k].len;

        if (len >= street_suffixes[k].min_word && w[len - 1] == street_suffixes[k].suffix[n - 1] &&
            memcmp(w + len - n, street_suffixes[k].suffix, n) == 0) {
            return true;
        }
    }
    return false;
}

/* After a street word ending at i: optional '.', one space, a house number (digits, optionally a
 * letter glued to them). Returns the offset after the number, or 0. */
static size_t
house_number(struct lw_slice t, size_t i)
{
    if (i < t.len && t.p[i] == '.') {
        i++;
    }
    if (i + 1 >= t.len || t.p[i] != ' ' || !lw_ascii_is_digit(t.p[i + 1])) {
        return 0;
    }
    i++;
    while (i < t.len && lw_ascii_is_digit(t.p[i])) {
        i++;
    }
    if (i < t.len && lw_ascii_is_alpha(t.p[i])) {
        i++;
    }
    return i;
}

static size_t
digits_at(struct lw_slice t, size_t i)
{
    size_t j = i;

    while (j < t.len && lw_ascii_is_digit(t.p[j])) {
        j++;
    }
    return j - i;
}

/* An upper-case letter at t.p[i]: A–Z or Latin-1 À–Þ (but ×). */
static bool
capital_at(struct lw_slice t, size_t i)
{
    size_t n;
    unsigned cp;

    if (i >= t.len) {
        return false;
    }
    cp = extract_cp_at(t, i, &n);
    return (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7);
}

/* A postal code and a town at t.p[i]: "00100 Helsinki", "0154 Oslo", "111 22 Stockholm". */
static bool
postal_town(struct lw_slice t, size_t i)
{
    size_t d = digits_at(t, i);

    if (d == 3 && i + 4 < t.len && t.p[i + 3] == ' ' && digits_at(t, i + 4) == 2) {
        return i + 7 < t.len && t.p[i + 6] == ' ' && capital_at(t, i + 7);
    }
    return (d == 4 || d == 5) && i + d + 1 < t.len && t.p[i + d] == ' ' && capital_at(t, i + d + 1);
}

/* ---- one pass over a value ------------------------------------------------------------------ */

unsigned
flags_text(struct lw_slice t, unsigned want)
{
    unsigned found = 0;
    size_t street_end = 0; /* offset after the last house number on this line; 0 none */
    size_t i = 0;

    while (i < t.len && (want & ~found) != 0) {
        char b = t.p[i];
        size_t n;
        size_t end;

        if (!alnum_at(t, i, &n)) {
            street_end = b == '\n' ? 0 : street_end;
            i += n;
            continue;
        }
        end = word_end(t, i + n); /* i is a word start: the previous character was not */
        if ((extract_cls(b) & XC_DIGIT) != 0) {
            if ((want & FLAGS_TEXT_ADDRESS) != 0 && street_end != 0 && i - street_end <= NEAR_MAX &&
                postal_town(t, i)) {
                found |= FLAGS_TEXT_ADDRESS;
            }
        } else {
            if ((want & ~found & FLAGS_TEXT_HEALTH) != 0 && health_word(t, i, end)) {
                found |= FLAGS_TEXT_HEALTH;
            }
            if ((want & ~found & FLAGS_TEXT_ADDRESS) != 0) {
                size_t after = house_number(t, end);

                if (after != 0 && street_word(t, i, end)) {
                    street_end = after;
                    end = after;
                }
            }
        }
        i = end;
    }
    return found & want;
}

/* ---- ICD-10 codes --------------------------------------------------------------------------- */

/* An ICD-10 code at t.p[i] (a letter at a word start): letter, two digits, then optionally '.'
 * and one or two letters or digits, or one more digit; then not a letter or digit. Returns the
 * offset after it, or 0. */
static size_t
icd10_at(struct lw_slice t, size_t i)
{
    size_t j = i + 3;

    if (j > t.len || !lw_ascii_is_digit(t.p[i + 1]) || !lw_ascii_is_digit(t.p[i + 2])) {
        return 0;
    }
    if (j + 1 < t.len && t.p[j] == '.' && lw_ascii_is_alnum(t.p[j + 1])) {
        j += 2;
        if (j < t.len && lw_ascii_is_alnum(t.p[j])) {
            j++;
        }
    } else if (j < t.len && lw_ascii_is_digit(t.p[j])) {
        j++;
    }
    size_t n;

    return j < t.len && extract_cp_is_word(extract_cp_at(t, j, &n)) ? 0 : j;
}

bool
flags_icd10(struct lw_slice text)
{
    for (size_t i = 0; i < text.len; i++) {
        if (lw_ascii_is_alpha(text.p[i]) &&
            (i == 0 || !extract_cp_is_word(extract_cp_before(text, i))) && icd10_at(text, i) != 0) {
            return true;
        }
    }
    return false;
}

/* ---- column names --------------------------------------------------------------------------- */

static bool
in_list(const char *const *list, const char *s, size_t len)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0) {
            return true;
        }
    }
    return false;
}

/* Is w a listed word, or a listed head followed by a listed word? */
static bool
name_is(const char *w, size_t len, const char *const *words, const char *const *heads)
{
    if (in_list(words, w, len)) {
        return true;
    }
    for (size_t i = 0; words[i] != NULL; i++) {
        size_t n = strlen(words[i]);

        if (len > n && memcmp(w + len - n, words[i], n) == 0 && heads != NULL &&
            in_list(heads, w, len - n)) {
            return true;
        }
    }
    return false;
}

/* The last non-empty segment of a key path ("patient.contact.street" → "street"). */
static struct lw_slice
last_segment(struct lw_slice name)
{
    size_t end = name.len;

    while (end > 0 && (name.p[end - 1] == '.' || name.p[end - 1] == '/')) {
        end--;
    }
    for (size_t i = end; i > 0; i--) {
        if (name.p[i - 1] == '.' || name.p[i - 1] == '/') {
            return lw_slice_make(name.p + i, end - i);
        }
    }
    return lw_slice_make(name.p, end);
}

/* Fold s to its letters; returns the length, or 0 if it does not fit in out[NAME_MAX]. */
static size_t
fold_name(struct lw_slice s, char *out)
{
    size_t len = 0;
    size_t i = 0;

    while (i < s.len) {
        char f[2];
        size_t f_len;
        size_t n;

        if (fold_at(s, i, f, &f_len, &n) == F_LETTER) {
            if (len + f_len > NAME_MAX) {
                return 0;
            }
            memcpy(out + len, f, f_len);
            len += f_len;
        }
        i += n;
    }
    return len;
}

unsigned
flags_name_class(struct lw_slice name)
{
    char w[NAME_MAX];
    size_t len = fold_name(last_segment(name), w);
    unsigned cls = 0;

    if (len > 0) {
        cls |= name_is(w, len, password_words, password_heads) ? FLAGS_NAME_PASSWORD : 0;
        cls |= name_is(w, len, person_words, person_heads) ? FLAGS_NAME_PERSON : 0;
        cls |= name_is(w, len, address_words, address_heads) ? FLAGS_NAME_ADDRESS : 0;
        cls |= name_is(w, len, birth_words, birth_heads) ? FLAGS_NAME_BIRTH : 0;
        cls |= in_list(diagnosis_words, w, len) || starts_with(w, len, "icd", 3)
                   ? FLAGS_NAME_DIAGNOSIS
                   : 0;
    }
    cls |= flags_text(name, FLAGS_TEXT_HEALTH) != 0 ? FLAGS_NAME_HEALTH : 0u;
    return cls;
}
