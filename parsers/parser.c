/*
 * parsers/parser.c — the registry of format parsers, sniffing, default limits, flag names.
 *
 * Sniffing asks every parser for a confidence and takes the highest; below SNIFF_MIN the input is
 * free text. Asking all of them (rather than the first that says yes) lets a CSV export whose first
 * cell happens to start with '{' still be read as CSV when the CSV sniffer is surer.
 */
#include "parsers/parser.h"

#include <string.h>

#define SNIFF_MIN 30

const char *const record_flag_names[RECORD_FLAG_COUNT] = {
    [RECORD_FLAG_HEALTH_TEXT_BIT] = "health_text", [RECORD_FLAG_PASSWORD_BIT] = "password",
    [RECORD_FLAG_ADDRESS_BIT] = "address",         [RECORD_FLAG_NAME_BIT] = "name",
    [RECORD_FLAG_BIRTH_DATE_BIT] = "birth_date",
};

static const struct parser_ops *const all[] = {
    &parser_html, &parser_json, &parser_sql, &parser_csv, &parser_combo, &parser_text,
};

void
parse_limits_default(struct parse_limits *lim)
{
    lim->line_max = 1024 * 1024;
    lim->field_max = 64 * 1024;
    lim->record_max = 1024 * 1024;
    lim->fields_max = 4096;
    lim->depth_max = 64;
    lim->doc_max = 8 * 1024 * 1024; /* libtidy needs about 4x the document: ~35 MB peak */
}

const struct parser_ops *const *
parser_all(size_t *n)
{
    *n = sizeof(all) / sizeof(all[0]);
    return all;
}

const struct parser_ops *
parser_find(const char *name)
{
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(all[i]->name, name) == 0) {
            return all[i];
        }
    }
    return NULL;
}

const struct parser_ops *
parser_sniff(struct lw_slice head, const char *name_hint)
{
    const struct parser_ops *best = &parser_text;
    int best_score = SNIFF_MIN - 1;

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        int score = all[i]->sniff(head, name_hint);

        if (score > best_score) {
            best = all[i];
            best_score = score;
        }
    }
    return best;
}
