/*
 * parsers/sql_int.h — what the SQL dump parser's files share: sql.c (the state machine, the record
 * being built, the ops table), sql_columns.c (column names: a statement's list and the map of
 * CREATE TABLE columns) and sql_sniff.c (the sniffer). Not for use outside the SQL parser.
 *
 * struct parser is here, not private to sql.c, because the column map lives in it and is read
 * and written by both files: the parser owns one allocation, closes it in one place, and the unit
 * test checks its ceilings (map_bytes, val, fcap) after every parse.
 */
#ifndef LW_PARSERS_SQL_INT_H
#define LW_PARSERS_SQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ascii.h"
#include "common/buf.h"
#include "common/slice.h"
#include "parsers/parser.h"

#define SQL_NAME_MAX 256     /* longest table or column name kept; longer ones are unnamed */
#define MAP_TABLES 256       /* tables whose CREATE TABLE column names are remembered */
#define MAP_BYTES (4u << 20) /* all remembered column names together, with their bookkeeping */
#define DOLLAR_TAG_MAX 32    /* longest $tag$ of a PostgreSQL dollar-quoted string followed */
#define CAPTURE_MAX 48       /* bytes of a banner comment or SET statement looked at */

/* The machine's states: sql.c's step() dispatches on their ranges, so the order of the groups
 * (G_*, then L_*, V_*, C_*, X_*) matters. */
enum state {
    /* the statement grammar */
    G_TOP,            /* between statements */
    G_SKIP,           /* a statement or garbage being skipped to ';' */
    G_INS_HEAD,       /* after INSERT/REPLACE: modifiers, then the table name */
    G_INS_AFTER_NAME, /* after a table name component: '.', '(' columns, VALUES */
    G_INS_NAME_NEXT,  /* after '.' in the table name */
    G_INS_TAIL,       /* words before VALUES (OVERRIDING SYSTEM VALUE) */
    G_INS_VALUES,     /* after VALUES: the first '(' */
    G_TUPLE_WAIT,     /* after a tuple's ',' : the next '(' */
    G_AFTER_TUPLE,    /* after a tuple's ')' */
    G_COLS,           /* in a column list, expecting a name */
    G_COLS_SEP,       /* in a column list, after a name */
    G_CREATE,         /* after CREATE */
    G_CT_HEAD,        /* after CREATE TABLE: IF NOT EXISTS, the name */
    G_CT_AFTER_NAME,  /* after a table name component */
    G_CT_NAME_NEXT,   /* after '.' */
    G_CT_ELEM,        /* at the start of a column definition or constraint */
    G_CT_REST,        /* the rest of it, to ',' or ')' at its own depth */
    G_COPY_HEAD,      /* after COPY: the table name */
    G_COPY_AFTER_NAME,
    G_COPY_NAME_NEXT,
    G_COPY_TAIL, /* FROM stdin and options, to ';' */
    G_COPY_EOL,  /* the rest of the COPY line */
    /* lexical helpers: each returns to p->ret (L_PROBE to p->probe_ret) */
    L_WORD,
    L_QID,
    L_QID_END,
    L_PROBE, /* a word at a line start that may begin a statement */
    L_DASH,
    L_SLASH,
    L_LINE_COMMENT,
    L_BLOCK,
    L_BLOCK_STAR,
    L_STR, /* a string in something skipped */
    L_STR_ESC,
    L_STR_QEND,
    L_DOLLAR_TAG,
    L_DOLLAR_BODY,
    /* records */
    V_VALUE, /* in a tuple, outside strings */
    V_STR,
    V_STR_ESC,
    V_STR_QEND,
    C_ROW, /* at the start of a COPY line */
    C_BS,  /* a COPY line that starts with a backslash: \. or an escape */
    C_END, /* the rest of the \. line */
    C_FIELD,
    C_ESC,
    C_CR,
    X_OCT, /* octal and hex escapes of COPY and E'' strings; they return to p->esc_ret */
    X_HEX,
};

enum vmode { VM_EMPTY, VM_LIT, VM_RAW }; /* nothing yet, decoded string(s), source text */
enum skind { SK_TEXT, SK_HEX, SK_BITS, SK_VERBATIM };
enum esc { ESC_NONE, ESC_MYSQL, ESC_PG };
enum cap { CAP_NONE, CAP_SET, CAP_BANNER };

/* The column names of one table (or of one statement's column list). */
struct sql_cols {
    char table[SQL_NAME_MAX];
    size_t table_len;    /* 0: no usable name */
    struct lw_buf names; /* the names back to back */
    size_t *ends;        /* name i is names[ends[i - 1], ends[i]) (from 0 for i = 0); empty: none */
    size_t n, cap;
};

struct field_pos {
    size_t off, len; /* in val */
    size_t col;      /* column position, for the name */
};

struct parser {
    struct reader *r;
    struct parse_limits lim;
    struct parse_stats *st;
    enum state state, ret, probe_ret, cols_ret, esc_ret;
    uint64_t pos;       /* input offset of the byte being stepped */
    unsigned char prev; /* the last byte used ('\n' at the start) */
    bool done;
    bool pg; /* PostgreSQL: KEY and INDEX are column names in CREATE TABLE */
    bool bs; /* backslash escapes in plain strings (MySQL; pg without standard strings) */

    /* the word or quoted identifier being read */
    char tok[SQL_NAME_MAX];
    size_t tok_len;
    bool tok_long, tok_quoted;
    char tq;
    char tbl[SQL_NAME_MAX]; /* the statement's table: its last name component */
    size_t tbl_len;

    char lq; /* a skipped string's quote, and whether it has backslash escapes */
    bool lesc;
    char dtag[DOLLAR_TAG_MAX + 2]; /* "$tag$" */
    size_t dtag_len, dmatch;
    enum cap cap_mode;
    char cap[CAPTURE_MAX];
    size_t cap_len;

    struct sql_cols stmt;       /* the statement's own column list */
    struct sql_cols ct;         /* the CREATE TABLE being read */
    const struct sql_cols *cur; /* names for the records being read, or NULL */
    bool has_list;
    size_t ct_depth;
    bool copy_from, copy_stdin, copy_raw;

    struct sql_cols *map[MAP_TABLES];
    size_t map_n, map_bytes;

    /* the record being built */
    struct lw_buf val; /* every value, back to back; at most record_max */
    struct field_pos *fv;
    struct record_field *rf;
    size_t nf, fcap, col;
    uint64_t rec_off;
    bool rec_cut, rec_counted, rec_full;

    /* the value being read */
    enum vmode mode;
    size_t depth, f_off;
    bool fdrop; /* keep no more bytes of it */
    bool fskip; /* it will not be a field */
    char q;
    enum esc sesc;
    enum skind skind;
    size_t s_off; /* where the current string's bytes start in val */
    unsigned acc, digits;
    size_t c_rawn; /* COPY: raw bytes of the field so far (\N alone is NULL) */
    bool c_null;
};

/* ---- bytes ---------------------------------------------------------------------------------- */

/* SQL's white space: what separates tokens, and what is trimmed off a source-text value. */
static inline bool
sql_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A byte of an unquoted word: ASCII letters, digits, '_', '$', and every byte from 0x80 up (a
 * non-ASCII name, in whatever encoding the dump is in). */
static inline bool
sql_is_word(unsigned char c)
{
    return lw_ascii_is_alnum((char)c) || c == '_' || c == '$' || c >= 0x80;
}

/* ---- sql_columns.c -------------------------------------------------------------------------- */

/* An empty list whose names may take at most max bytes. Nothing is allocated until a name is
 * added; free with sql_columns_free(). */
void sql_columns_init(struct sql_cols *c, size_t max);

/* Forget the table and every name, keeping the buffers (and their ceiling) for the next list. */
void sql_columns_reset(struct sql_cols *c);

/* Free the buffers and leave an empty list (sql_columns_init() again before reuse). */
void sql_columns_free(struct sql_cols *c);

/*
 * Add p's current token (p->tok) as c's next column. An empty or over-long token (p->tok_long),
 * or one past the names' byte ceiling, still takes a position but is unnamed; a column past
 * p->lim.fields_max is not added at all. The positions grow by doubling up to fields_max.
 */
void sql_columns_add(struct sql_cols *c, const struct parser *p);

/* The name of column col (0-based) of c: a slice into c, valid until c is next changed; empty
 * when c is NULL, col is past the list, or that column is unnamed. */
struct lw_slice sql_columns_name(const struct sql_cols *c, size_t col);

/* The remembered CREATE TABLE columns of the statement's table (p->tbl, matched ignoring case),
 * or NULL when it has no name or none is remembered. Owned by p's map: valid until the next
 * sql_columns_commit() or sql_columns_map_free(). */
const struct sql_cols *sql_columns_lookup(const struct parser *p);

/*
 * Move the CREATE TABLE just read (p->ct) into p's map, replacing an earlier table of the same
 * name; p->ct is left empty and ready for the next one. Clears p->cur (it may point at the
 * replaced table). A table without a name is dropped. One that would pass MAP_TABLES tables or
 * MAP_BYTES in all is dropped too, after the earlier one of its name is forgotten: its records
 * are then unnamed rather than named by a stale definition.
 */
void sql_columns_commit(struct parser *p);

/* Free every table in p's map. The map is left empty. */
void sql_columns_map_free(struct parser *p);

/* ---- sql_sniff.c ---------------------------------------------------------------------------- */

/* The sql ops table's sniff: how sure (0–100) we are that an input starting with head is a SQL
 * dump; name_hint (may be NULL) ending in ".sql" adds 5, or gives 10 to content with no SQL. */
int sql_sniff_score(struct lw_slice head, const char *name_hint);

#endif
