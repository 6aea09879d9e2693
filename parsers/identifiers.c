/*
 * parsers/identifiers.c — the registry of identifier kinds, column-name hints and the OPRF input
 * encoding. The per-kind rules live in id_email.c, id_phone.c, id_national.c and id_finance.c; this
 * file only knows the table and what is common to every kind.
 *
 * Column-name hints. A name is cut into words at separators (anything that is not a letter: `_ - .
 * space / :`, digits, punctuation) and at camelCase boundaries ("patientEmail", "EMailAdresse"),
 * and every word is folded to a lower-case ASCII skeleton: Ä/ä Å/å Æ/æ → a, Ö/ö Ø/ø → o, Ü/ü → u,
 * É/é → e, ß → ss, and the transliterations ae oe ue → a o u, so "Fødselsnummer", "fodselsnummer"
 * and "foedselsnummer" all fold to "fodselsnummer". Hint words are folded the same way (a hint
 * written with separators, "e-mail", becomes the run "email"). A run of up to four consecutive
 * words, concatenated ("e"+"mail"+"adresse"), matches a hint when it
 *   - equals the hint, or the hint followed by a common tail word (number, nummer, nr, no, numero,
 *     nro, address, adresse, osoite …): "phone_no", "telnr", "sähköpostiosoite";
 *   - or, for a single word and a single-word hint of five or more letters, ends with the hint (or
 *     the hint and a tail word) after a head of two or more letters: the compounds "kundenemail",
 *     "asiakaspuhelin", "mobiltelefon", "bankkontonummer".
 * Short hints ("tel", "puh", "pan", "mail", "card") therefore match only as whole words, so
 * "hotel", "company", "mailbox" and "discard" suggest nothing. A few real words that end in a hint
 * without meaning it ("automobile", "microphone") are listed as exceptions.
 *
 * The alternative rejected: substring search for every hint. It finds "tel" in "hotel" and "pan" in
 * "company", and each false hint costs a validator run on every value of that column.
 */
#include "parsers/identifiers.h"

#include <stdbool.h>
#include <string.h>

#include "common/ascii.h"
#include "common/escape.h"
#include "parsers/identifiers_int.h"

/* clang-format off */
static const char *const email_hints[] = {
    "email", "e-mail", "mail", "emailaddress", "email_address", "mailaddress", "mail_address",
    "mailadresse", "mailadress", "emailadresse", "emailadress", "e-mail-adresse", "sähköposti",
    "sähköpostiosoite", "sposti", "s-posti", "spostiosoite", "meili", "emailosoite", "e-post",
    "epost", "epostadresse", "e-postadress", "e-postadresse", "mejl", "mejladress", "mailid",
    NULL};

static const char *const phone_hints[] = {
    "phone", "tel", "telephone", "phonenumber", "phone_number", "mobile", "mobilenumber", "mobil",
    "cell", "cellphone", "cellular", "gsm", "msisdn", "fax", "telefax", "puhelin", "puh",
    "matkapuhelin", "matkapuh", "puhelinnumero", "puhnro", "kännykkä", "känny", "mobiili",
    "gsm-numero", "telefon", "telefonnummer", "telnr", "tfn", "mobiltelefon", "mobilnummer",
    "mobilnr", "mob", "handy", "handynummer", "rufnummer", "festnetz", "tlf", "tlfnr", "telefonnr",
    NULL};

static const char *const fi_hetu_hints[] = {
    "hetu", "henkilötunnus", "henkilotunnus", "henkilötun", "sotu", "sosiaaliturvatunnus", "ssn",
    "personal_id", "personal_identity_code", "social_security_number", NULL};

static const char *const se_personnummer_hints[] = {
    "personnummer", "pnr", "personnr", "persnr", "pers_nr", "samordningsnummer", "samordningsnr",
    "ssn", "personal_identity_number", "social_security_number", NULL};

static const char *const no_fodselsnummer_hints[] = {
    "fødselsnummer", "fodselsnummer", "fødselsnr", "fnr", "personnummer", "personnr", "d-nummer",
    NULL};

static const char *const dk_cpr_hints[] = {
    "cpr", "cpr-nummer", "cprnr", "cpr-nr", "cprnummer", "personnummer", "personnr", NULL};

static const char *const iban_hints[] = {
    "iban", "tilinumero", "tilinro", "pankkitili", "pankkitilinumero", "tili", "kontonummer",
    "kontonr", "konto", "bankkonto", "bankkontonummer", "account", "account_number",
    "bank_account", "bankaccount", "bankverbindung", NULL};

static const char *const payment_card_hints[] = {
    "card", "cardnumber", "card_number", "credit_card", "creditcard", "debit_card", "debitcard",
    "cc_number", "ccnumber", "ccnum", "cc_num", "cc_no", "pan", "luottokortti", "maksukortti",
    "pankkikortti", "korttinumero", "kortnummer", "kortnr", "kort", "kreditkort", "kredittkort",
    "bankkort", "betalkort", "betalingskort", "kontokort", "kreditkarte", "kreditkartennummer",
    "kartennummer", NULL};

/* clang-format on */

static const struct id_kind_info kinds[ID_KIND_COUNT] = {
    {ID_EMAIL, "email", "e-mail address (practical RFC 5321), lower-cased", 0, id_email_normalise,
     email_hints},
    {ID_EMAIL_DOMAIN, "email_domain", "domain of an e-mail address, lower-cased", ID_KIND_DERIVED,
     id_email_domain_normalise, NULL},
    {ID_PHONE, "phone", "telephone number, normalised to E.164 (+358401234567)", 0,
     id_phone_normalise, phone_hints},
    {ID_FI_HETU, "fi_hetu", "Finnish personal identity code (henkilotunnus), upper-case", 0,
     id_national_fi_hetu, fi_hetu_hints},
    {ID_SE_PERSONNUMMER, "se_personnummer", "Swedish personal or coordination number, 12 digits", 0,
     id_national_se_personnummer, se_personnummer_hints},
    {ID_NO_FODSELSNUMMER, "no_fodselsnummer", "Norwegian national identity or D-number, 11 digits",
     0, id_national_no_fodselsnummer, no_fodselsnummer_hints},
    {ID_DK_CPR, "dk_cpr", "Danish CPR number, 10 digits; only from labelled columns",
     ID_KIND_CONTEXT_ONLY, id_national_dk_cpr, dk_cpr_hints},
    {ID_IBAN, "iban", "International Bank Account Number, upper-case without spaces", 0,
     id_finance_iban, iban_hints},
    {ID_PAYMENT_CARD, "payment_card", "payment card number (13-19 digits, Luhn), digits only", 0,
     id_finance_payment_card, payment_card_hints},
};

const struct id_kind_info *
identifiers_kind(enum id_kind kind)
{
    if ((unsigned)kind >= ID_KIND_COUNT) {
        return NULL;
    }
    return &kinds[kind];
}

const struct id_kind_info *
identifiers_find(struct lw_slice name)
{
    for (size_t i = 0; i < ID_KIND_COUNT; i++) {
        if (lw_slice_eq(name, lw_slice_cstr(kinds[i].name))) {
            return &kinds[i];
        }
    }
    return NULL;
}

enum lw_rc
identifiers_normalise(enum id_kind kind, struct lw_slice in, const struct id_context *ctx,
                      char *out, size_t *out_len)
{
    static const struct id_context no_region = {{0}};
    const struct id_kind_info *info = identifiers_kind(kind);

    if (info == NULL || in.len > ID_INPUT_MAX || (in.p == NULL && in.len > 0)) {
        return LW_ERR_INVALID;
    }
    return info->normalise(in, ctx != NULL ? ctx : &no_region, out, out_len);
}

/* ---- column-name hints ---- */

#define NAME_FOLD_MAX 256 /* folded bytes of a column name that are looked at */
#define NAME_WORDS_MAX 16 /* words of a column name that are looked at */
#define RUN_WORDS_MAX 4   /* consecutive words joined into one candidate */
#define COMPOUND_MIN 5    /* shortest hint that may end a compound word */
#define HEAD_MIN 2        /* shortest head before a hint in a compound */

/* A name cut into folded words, stored back to back: word i is buf[start[i] .. start[i + 1]). */
struct words {
    char buf[NAME_FOLD_MAX];
    size_t start[NAME_WORDS_MAX + 1];
    size_t n;    /* complete words */
    size_t used; /* bytes of buf in use, the open word included */
    bool full;   /* the rest of the name did not fit and was ignored */
};

enum cp_class { CP_SEP, CP_LOWER, CP_UPPER };

/* One decoded character: its class and its folded bytes. */
struct cp {
    enum cp_class cls;
    char fold[4];
    size_t fold_len;
};

/* Fold a Latin-1 letter that hints care about; false for any other code point. */
static bool
fold_latin1(unsigned cp, struct cp *c)
{
    static const struct {
        unsigned upper;
        unsigned lower;
        const char *fold;
    } table[] = {{0xC4, 0xE4, "a"}, {0xC5, 0xE5, "a"}, {0xC6, 0xE6, "a"}, {0xD6, 0xF6, "o"},
                 {0xD8, 0xF8, "o"}, {0xDC, 0xFC, "u"}, {0xC9, 0xE9, "e"}, {0x1E9E, 0xDF, "ss"}};

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (cp == table[i].upper || cp == table[i].lower) {
            c->cls = cp == table[i].upper ? CP_UPPER : CP_LOWER;
            c->fold_len = strlen(table[i].fold);
            memcpy(c->fold, table[i].fold, c->fold_len);
            return true;
        }
    }
    return false;
}

/* Decode the character at s.p[i] into c; returns the bytes it takes (at least 1). */
static size_t
decode(struct lw_slice s, size_t i, struct cp *c)
{
    unsigned cp = 0;
    size_t n = lw_utf8_decode(lw_slice_make(s.p + i, s.len - i), &cp);
    char b = s.p[i];

    c->cls = CP_SEP;
    c->fold_len = 0;
    if (n == 0) {
        return 1; /* invalid UTF-8: a separator */
    }
    if (lw_ascii_is_alpha(b)) {
        c->cls = lw_ascii_is_upper(b) ? CP_UPPER : CP_LOWER;
        c->fold[c->fold_len++] = lw_ascii_lower(b);
    } else if (cp >= 0xC0 && !fold_latin1(cp, c) && (cp < 0x2000 || cp > 0x206F)) {
        /* another letter (general punctuation U+2000–U+206F is a separator): kept as it is */
        c->cls = CP_LOWER;
        memcpy(c->fold, s.p + i, n);
        c->fold_len = n;
    }
    return n;
}

static void
end_word(struct words *w)
{
    if (w->used > w->start[w->n]) {
        if (w->n == NAME_WORDS_MAX) {
            w->full = true;
            w->used = w->start[w->n];
            return;
        }
        w->n++;
        w->start[w->n] = w->used;
    }
}

/* Append a folded character to the open word, turning the digraphs ae oe ue into a o u. */
static void
append(struct words *w, const struct cp *c)
{
    size_t at = w->start[w->n];

    if (c->fold_len == 1 && c->fold[0] == 'e' && w->used > at &&
        strchr("aou", w->buf[w->used - 1]) != NULL) {
        return;
    }
    if (w->used + c->fold_len > NAME_FOLD_MAX) {
        w->full = true;
        w->used = at; /* a word cut short could match a hint it does not contain */
        return;
    }
    memcpy(w->buf + w->used, c->fold, c->fold_len);
    w->used += c->fold_len;
}

/* Cut s into folded words (see the design comment). */
static void
split_words(struct lw_slice s, struct words *w)
{
    enum cp_class prev = CP_SEP;
    struct cp c = {CP_SEP, {0}, 0};
    size_t i = 0;
    size_t n = s.len > 0 ? decode(s, 0, &c) : 0;

    w->n = 0;
    w->used = 0;
    w->full = false;
    w->start[0] = 0;
    while (i < s.len && !w->full) {
        struct cp next = {CP_SEP, {0}, 0};
        size_t next_n = i + n < s.len ? decode(s, i + n, &next) : 0;

        /* camelCase: "patientEmail" → patient|Email, "EMailAdresse" → E|Mail|Adresse */
        if (c.cls == CP_SEP || (c.cls == CP_UPPER &&
                                (prev == CP_LOWER || (prev == CP_UPPER && next.cls == CP_LOWER)))) {
            end_word(w);
        }
        if (c.cls != CP_SEP) {
            append(w, &c);
        }
        prev = c.cls;
        i += n;
        c = next;
        n = next_n;
    }
    end_word(w);
}

/* Is s[0..len) one of the words of a NULL-terminated list? */
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

/* Is s empty or one of the words that often trail an identifier's name? */
static bool
is_tail(const char *s, size_t len)
{
    static const char *const tails[] = {"address", "adresse", "adress", "addr",   "adr",
                                        "osoite",  "nummer",  "number", "numero", "nro",
                                        "nr",      "no",      "num",    "nbr",    NULL};

    return len == 0 || in_list(tails, s, len);
}

/* Real words that end in a hint without meaning it. */
static bool
is_exception(const char *s, size_t len)
{
    static const char *const words[] = {
        "automobile", "automobil", "immobile", "immobil",    "microphone", "megaphone", "saxophone",
        "xylophone",  "headphone", "earphone", "gramophone", "voicemail",  NULL};

    return in_list(words, s, len);
}

/* Does the candidate run cand (one word if single) match the folded hint h? */
static bool
run_matches(const char *cand, size_t len, bool single, const char *h, size_t hlen, bool h_multi)
{
    if (len >= hlen && memcmp(cand, h, hlen) == 0 && is_tail(cand + hlen, len - hlen)) {
        return true;
    }
    if (!single || h_multi || hlen < COMPOUND_MIN || len < HEAD_MIN + hlen ||
        is_exception(cand, len)) {
        return false;
    }
    for (size_t at = HEAD_MIN; at + hlen <= len; at++) {
        if (memcmp(cand + at, h, hlen) == 0 && is_tail(cand + at + hlen, len - at - hlen)) {
            return true;
        }
    }
    return false;
}

/* Is the hint already its own fold: one word of a–z without the digraphs ae oe ue? Most are, and
 * skipping split_words() for them makes identifiers_hint_kinds() several times faster. */
static bool
is_folded(const char *h)
{
    for (size_t i = 0; h[i] != '\0'; i++) {
        if (!lw_ascii_is_lower(h[i]) || (h[i] == 'e' && i > 0 && strchr("aou", h[i - 1]) != NULL)) {
            return false;
        }
    }
    return true;
}

/* Does any run of up to RUN_WORDS_MAX consecutive words of name match the hint? */
static bool
name_matches(const struct words *name, const char *hint)
{
    struct words folded;
    const char *h = hint;
    size_t hlen = strlen(hint);
    bool multi = false;

    if (!is_folded(hint)) {
        split_words(lw_slice_make(hint, hlen), &folded);
        h = folded.buf;
        hlen = folded.start[folded.n];
        multi = folded.n > 1;
    }
    if (hlen == 0) {
        return false;
    }
    for (size_t i = 0; i < name->n; i++) {
        for (size_t j = i; j < name->n && j < i + RUN_WORDS_MAX; j++) {
            const char *cand = name->buf + name->start[i];
            size_t len = name->start[j + 1] - name->start[i];

            if (run_matches(cand, len, i == j, h, hlen, multi)) {
                return true;
            }
        }
    }
    return false;
}

unsigned
identifiers_hint_kinds(struct lw_slice column_name)
{
    struct words name;
    unsigned mask = 0;

    if (column_name.p == NULL) {
        return 0;
    }
    split_words(column_name, &name);
    for (size_t k = 0; k < ID_KIND_COUNT; k++) {
        for (const char *const *h = kinds[k].hints; h != NULL && *h != NULL; h++) {
            if (name_matches(&name, *h)) {
                mask |= 1u << k;
                break;
            }
        }
    }
    return mask;
}

/* ---- derived values and the OPRF input ---- */

enum lw_rc
identifiers_email_domain(struct lw_slice email, struct lw_slice *domain)
{
    const char *at = NULL;

    for (size_t i = 0; i < email.len; i++) {
        if (email.p[i] == '@') {
            at = email.p + i;
        }
    }
    if (at == NULL || at + 1 == email.p + email.len) {
        return LW_ERR_INVALID;
    }
    *domain = lw_slice_make(at + 1, (size_t)(email.p + email.len - (at + 1)));
    return LW_OK;
}

enum lw_rc
identifiers_phone_country(struct lw_slice e164, char cc[3])
{
    return id_phone_country(e164, cc);
}

/* ISO 3166-1 alpha-2, every officially assigned code (249), lower-case and sorted, two letters
 * each: the country-code top-level domains are these (and .uk, which is GB). .eu, .ac, .su and
 * the generic TLDs are not countries. */
static const char iso_countries[] =
    "adaeafagaialamaoaqarasatauawaxaz"
    "babbbdbebfbgbhbibjblbmbnbobqbrbsbtbvbwbybz"
    "cacccdcfcgchcickclcmcncocrcucvcwcxcycz"
    "dedjdkdmdodz"
    "eceeegeheresetfifjfkfmfofr"
    "gagbgdgegfggghgiglgmgngpgqgrgsgtgugwgy"
    "hkhmhnhrhthu"
    "idieiliminioiqirisit"
    "jejmjojp"
    "kekgkhkikmknkpkrkwkykz"
    "lalblclilklrlsltlulvly"
    "mamcmdmemfmgmhmkmlmmmnmompmqmrmsmtmumvmwmxmymz"
    "nancnenfngninlnonpnrnunz"
    "om"
    "papepfpgphpkplpmpnprpsptpwpy"
    "qa"
    "rerorsrurw"
    "sasbscsdsesgshsisjskslsmsnsosrssstsvsxsysz"
    "tctdtftgthtjtktltmtntotrtttvtwtz"
    "uaugumusuyuz"
    "vavcvevgvivnvu"
    "wfws"
    "yeyt"
    "zazmzw";

/* Is the lower-case pair a (a[0], a[1]) an ISO 3166-1 code? Binary search over iso_countries. */
static bool
iso_country(const char a[2])
{
    size_t lo = 0, hi = (sizeof(iso_countries) - 1) / 2;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(iso_countries + 2 * mid, a, 2);

        if (c == 0) {
            return true;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

/* The country of a domain's two-letter ccTLD. */
static enum lw_rc
tld_country(struct lw_slice domain, char cc[3])
{
    char tld[2];
    size_t dot = 0;

    for (size_t i = 0; i < domain.len; i++) {
        if (domain.p[i] == '.') {
            dot = i + 1;
        }
    }
    if (dot == 0 || domain.len - dot != 2) {
        return LW_ERR_NOT_FOUND;
    }
    tld[0] = lw_ascii_lower(domain.p[dot]);
    tld[1] = lw_ascii_lower(domain.p[dot + 1]);
    if (tld[0] == 'u' && tld[1] == 'k') {
        memcpy(cc, "GB", 3);
        return LW_OK;
    }
    if (!iso_country(tld)) {
        return LW_ERR_NOT_FOUND;
    }
    cc[0] = lw_ascii_upper(tld[0]);
    cc[1] = lw_ascii_upper(tld[1]);
    cc[2] = '\0';
    return LW_OK;
}

enum lw_rc
identifiers_country(enum id_kind kind, struct lw_slice normalised, char cc[3])
{
    static const char *const national[ID_KIND_COUNT] = {
        [ID_FI_HETU] = "FI", [ID_SE_PERSONNUMMER] = "SE", [ID_NO_FODSELSNUMMER] = "NO",
        [ID_DK_CPR] = "DK"};
    struct lw_slice domain;

    if ((unsigned)kind >= ID_KIND_COUNT || normalised.p == NULL || normalised.len == 0) {
        return LW_ERR_INVALID;
    }
    if (national[kind] != NULL) {
        memcpy(cc, national[kind], 3);
        return LW_OK;
    }
    switch (kind) {
    case ID_PHONE:
        return identifiers_phone_country(normalised, cc);
    case ID_IBAN:
        if (normalised.len < 2 || !lw_ascii_is_upper(normalised.p[0]) ||
            !lw_ascii_is_upper(normalised.p[1])) {
            return LW_ERR_INVALID;
        }
        cc[0] = normalised.p[0];
        cc[1] = normalised.p[1];
        cc[2] = '\0';
        return LW_OK;
    case ID_EMAIL:
        if (identifiers_email_domain(normalised, &domain) != LW_OK) {
            return LW_ERR_INVALID;
        }
        return tld_country(domain, cc);
    case ID_EMAIL_DOMAIN:
        return tld_country(normalised, cc);
    default:
        return LW_ERR_NOT_FOUND; /* a payment card says nothing about a country */
    }
}

enum lw_rc
identifiers_phone_trunk(const char region[3], char trunk[4])
{
    return id_phone_trunk(region, trunk);
}

bool
identifiers_card_shape(const char *digits, size_t n)
{
    return id_finance_card_shape(digits, n);
}

enum lw_rc
identifiers_oprf_input(enum id_kind kind, struct lw_slice value, uint8_t *out, size_t cap,
                       size_t *out_len)
{
    const struct id_kind_info *info = identifiers_kind(kind);
    size_t name_len;

    if (info == NULL || value.len == 0 || value.p == NULL || value.len > ID_VALUE_MAX ||
        memchr(value.p, '\0', value.len) != NULL) {
        return LW_ERR_INVALID;
    }
    name_len = strlen(info->name);
    if (out == NULL || cap < name_len + 1 + value.len) {
        return LW_ERR_TOO_LARGE;
    }
    memcpy(out, info->name, name_len);
    out[name_len] = 0x00;
    memcpy(out + name_len + 1, value.p, value.len);
    *out_len = name_len + 1 + value.len;
    return LW_OK;
}
