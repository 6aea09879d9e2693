/*
 * parsers/record.h — what a parser hands out: one record at a time, as named or unnamed fields.
 *
 * A record is a table row, a SQL tuple, a JSON object, a combo-list line or a span of free text.
 * Every slice points into the parser's own buffers and is valid until the next call on that parser
 * (parser_ops.next or .close). Values are decoded (quotes, escapes and entities undone) but not
 * otherwise touched: they may hold invalid UTF-8 or Windows-1252 bytes.
 */
#ifndef LW_PARSERS_RECORD_H
#define LW_PARSERS_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/slice.h"

/* Record flags (DESIGN.md): what else a record holds, stored with each hit and shown in alerts. */
enum record_flag_bit {
    RECORD_FLAG_HEALTH_TEXT_BIT = 0,
    RECORD_FLAG_PASSWORD_BIT,
    RECORD_FLAG_ADDRESS_BIT,
    RECORD_FLAG_NAME_BIT,
    RECORD_FLAG_BIRTH_DATE_BIT,
    RECORD_FLAG_COUNT
};
#define RECORD_FLAG_HEALTH_TEXT (1u << RECORD_FLAG_HEALTH_TEXT_BIT)
#define RECORD_FLAG_PASSWORD (1u << RECORD_FLAG_PASSWORD_BIT)
#define RECORD_FLAG_ADDRESS (1u << RECORD_FLAG_ADDRESS_BIT)
#define RECORD_FLAG_NAME (1u << RECORD_FLAG_NAME_BIT)
#define RECORD_FLAG_BIRTH_DATE (1u << RECORD_FLAG_BIRTH_DATE_BIT)

/* The stable names of the flags, in bit order ("health_text", "password", …). */
extern const char *const record_flag_names[RECORD_FLAG_COUNT];

/* A field role a parser may know from the format itself (a combo list's second column is a
 * password whatever its content). */
enum field_role {
    FIELD_ROLE_NONE = 0,
    FIELD_ROLE_PASSWORD, /* never scanned for identifiers; sets RECORD_FLAG_PASSWORD when non-empty */
};

struct record_field {
    struct lw_slice name;  /* column name or JSON key path ("patient.contact.email"); len 0 = none */
    struct lw_slice value; /* the decoded value; SQL NULL and JSON null give no field at all */
    enum field_role role;
};

struct record {
    const struct record_field *fields;
    size_t n_fields;
    uint64_t offset; /* byte offset of the record's start in the input (for messages and tests) */
    bool cut;        /* a field or the record itself was cut at a limit */
};

#endif
