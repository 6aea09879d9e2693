/*
 * parsers/sql_columns.c — the names the SQL parser gives fields: a statement's own column list
 * ("INSERT INTO t (a, b) VALUES …", "COPY t (a, b) FROM stdin") and the map of tables whose
 * CREATE TABLE it has read.
 *
 * A list is its names back to back in one buffer with a ceiling, plus the end offset of each name,
 * so a column whose name could not be kept (too long, past the ceiling) still holds its position
 * and the columns after it keep their names. The map is an array of at most MAP_TABLES lists,
 * searched linearly by table name, ignoring case; a redefined table replaces the earlier one, and
 * the lists' bytes together stay under MAP_BYTES. Both bounds hold whatever the dump declares.
 *
 * The alternative rejected: a hash table keyed by table name. The map is searched once per
 * INSERT, COPY or CREATE TABLE statement, never per tuple, over at most MAP_TABLES names; a scan
 * keeps replacement (and its order) and the byte budget simple.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/slice.h"
#include "parsers/sql_int.h"

void
sql_columns_init(struct sql_cols *c, size_t max)
{
    memset(c, 0, sizeof(*c));
    lw_buf_init(&c->names, max);
}

void
sql_columns_reset(struct sql_cols *c)
{
    lw_buf_reset(&c->names);
    c->n = 0;
    c->table_len = 0;
}

void
sql_columns_free(struct sql_cols *c)
{
    lw_buf_free(&c->names);
    free(c->ends);
    c->ends = NULL;
    c->n = c->cap = 0;
}

static size_t
cols_bytes(const struct sql_cols *c)
{
    return sizeof(*c) + c->names.len + c->n * sizeof(size_t);
}

/* Add the current token as the next column name; an over-long name or one past the budget is
 * kept as unnamed, a column past fields_max not at all. */
void
sql_columns_add(struct sql_cols *c, const struct parser *p)
{
    if (c->n >= p->lim.fields_max) {
        return;
    }
    if (c->n == c->cap) {
        size_t cap;

        if (!lw_size_mul(c->cap == 0 ? 8 : c->cap, 2, &cap) || cap > p->lim.fields_max) {
            cap = p->lim.fields_max;
        }
        c->ends = lw_xreallocarray(c->ends, cap, sizeof(*c->ends));
        c->cap = cap;
    }
    if (!p->tok_long && p->tok_len > 0) {
        (void)lw_buf_append(&c->names, p->tok, p->tok_len); /* past the budget: unnamed */
    }
    c->ends[c->n++] = c->names.len;
}

struct lw_slice
sql_columns_name(const struct sql_cols *c, size_t col)
{
    size_t from;

    if (c == NULL || col >= c->n) {
        return lw_slice_make(NULL, 0);
    }
    from = col == 0 ? 0 : c->ends[col - 1];
    if (c->ends[col] == from) {
        return lw_slice_make(NULL, 0);
    }
    return lw_slice_make(c->names.data + from, c->ends[col] - from);
}

static size_t
map_find(const struct parser *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->map_n; i++) {
        if (lw_slice_eq_ci(lw_slice_make(p->map[i]->table, p->map[i]->table_len),
                           lw_slice_make(name, len))) {
            return i;
        }
    }
    return p->map_n;
}

const struct sql_cols *
sql_columns_lookup(const struct parser *p)
{
    size_t i = p->tbl_len > 0 ? map_find(p, p->tbl, p->tbl_len) : p->map_n;

    return i < p->map_n ? p->map[i] : NULL;
}

/* Remember the CREATE TABLE just read, replacing an earlier one of the same name; when the map is
 * full the table stays unnamed. */
void
sql_columns_commit(struct parser *p)
{
    size_t need = cols_bytes(&p->ct);
    size_t i;

    p->cur = NULL;
    if (p->ct.table_len == 0) {
        sql_columns_reset(&p->ct);
        return;
    }
    i = map_find(p, p->ct.table, p->ct.table_len);
    if (i < p->map_n) {
        p->map_bytes -= cols_bytes(p->map[i]);
        sql_columns_free(p->map[i]);
        free(p->map[i]);
        for (p->map_n--; i < p->map_n; i++) {
            p->map[i] = p->map[i + 1];
        }
    }
    if (p->map_n == MAP_TABLES || p->map_bytes + need > MAP_BYTES) {
        sql_columns_reset(&p->ct);
        return;
    }
    p->map[p->map_n] = lw_xmalloc(sizeof(struct sql_cols));
    *p->map[p->map_n++] = p->ct; /* the map takes the buffers */
    p->map_bytes += need;
    sql_columns_init(&p->ct, p->ct.names.max);
}

void
sql_columns_map_free(struct parser *p)
{
    for (size_t i = 0; i < p->map_n; i++) {
        sql_columns_free(p->map[i]);
        free(p->map[i]);
    }
    p->map_n = 0;
    p->map_bytes = 0;
}
