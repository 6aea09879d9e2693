/*
 * cli/enroll_read.c — a clinic's export to OPRF inputs for `leakwatch enroll` (see cli/enroll.h).
 *
 * The export is read with the ingest parsers (parser_csv for CSV/TSV/;/| with a header,
 * parser_json for JSON Lines), so its records arrive as named fields. Columns are classified once
 * per distinct name, in this order: the ref column; a --map; the name hints of the identifier
 * registry (identifiers_hint_kinds) when they name exactly one kind — derived kinds
 * (email_domain) only through --map; when they name several national-ID kinds, the one of the
 * region (--region SE makes "personnummer" se_personnummer); anything else is ignored and listed
 * by name. Values go through identifiers_normalise and identifiers_oprf_input — exactly the code
 * `ingest` uses, so an enrolled hash equals the hash ingest stores for the same identifier.
 *
 * A row is skipped, and counted by reason, when it is empty, has no ref, has a ref the watchlist
 * refuses, or has a ref that is itself an identifier: a ref is stored and shown in alerts in
 * clear, so a clinic that used e-mail addresses or identity codes as refs would put the very
 * values leakwatch protects into its database. Values are normalised in stack buffers that are
 * wiped after each use.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/enroll.h"
#include "common/alloc.h"
#include "common/ascii.h"

const char *const enroll_skip_names[ENROLL_SKIP_COUNT] = {
    "empty_row", "no_ref", "ref_invalid", "ref_is_identifier", "no_identifier",
};

/* Column names taken for the ref when --ref-column is not given, in order of preference per
 * column position (the first column with one of these names wins). */
static const char *const ref_names[] = {
    "ref", "reference", "id", "patient_id", "patientid", "patient", "patient_no",
    "patient_number", "record", "record_id", "record_no", "client_id", "customer_id",
    "asiakasnumero", "asiakas_id", "asiakas", "potilasnumero", "potilas_id", "potilas",
    "kundnummer", "kund_id", "patientnummer", "journalnummer", "pasientnummer", "pasient_id",
    "kundenummer", NULL,
};

/* The country whose national identity code a kind is (region disambiguation). */
static const struct {
    enum id_kind kind;
    const char *region;
} national[] = {
    {ID_FI_HETU, "FI"},
    {ID_SE_PERSONNUMMER, "SE"},
    {ID_NO_FODSELSNUMMER, "NO"},
    {ID_DK_CPR, "DK"},
};

/* Does a column name equal a ref name, ignoring ASCII case and treating - . and space as _? */
static bool
ref_name_is(struct lw_slice name, const char *want)
{
    size_t n = strlen(want);

    if (name.len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = lw_ascii_lower(name.p[i]);
        if (c == '-' || c == '.' || c == ' ') {
            c = '_';
        }
        if (c != want[i]) {
            return false;
        }
    }
    return true;
}

static enum lw_rc
choose_ref(const struct enroll_opts *o, const struct record *rec, struct enroll_stats *st,
           struct lw_error *err)
{
    for (size_t i = 0; o->ref_column == NULL && i < rec->n_fields; i++) {
        struct lw_slice name = rec->fields[i].name;
        for (size_t k = 0; ref_names[k] != NULL && name.len <= ENROLL_COLUMN_NAME_MAX; k++) {
            if (ref_name_is(name, ref_names[k])) {
                memcpy(st->ref_column, name.p, name.len);
                st->ref_column[name.len] = '\0';
                st->ref_detected = true;
                return LW_OK;
            }
        }
    }
    for (size_t i = 0; o->ref_column != NULL && i < rec->n_fields; i++) {
        if (lw_slice_eq_ci(rec->fields[i].name, lw_slice_cstr(o->ref_column))) {
            memcpy(st->ref_column, rec->fields[i].name.p, rec->fields[i].name.len);
            st->ref_column[rec->fields[i].name.len] = '\0';
            return LW_OK;
        }
    }
    if (o->ref_column != NULL) {
        return lw_error_set(err, LW_ERR_USAGE, "--ref-column: the first record has no column "
                            "named '%s'", o->ref_column);
    }
    return lw_error_set(err, LW_ERR_USAGE, "no column for the record reference (ref, id, "
                        "patient_id, asiakasnumero, potilasnumero, kundnummer, …): name it with "
                        "--ref-column COLUMN");
}

/* Every --map names a column of the first record (CSV: the header). */
static enum lw_rc
check_maps(const struct enroll_opts *o, const struct record *rec, const struct enroll_stats *st,
           struct lw_error *err)
{
    for (size_t m = 0; m < o->n_maps; m++) {
        bool seen = false;
        for (size_t i = 0; i < rec->n_fields && !seen; i++) {
            seen = lw_slice_eq_ci(rec->fields[i].name, lw_slice_cstr(o->maps[m].column));
        }
        if (!seen) {
            return lw_error_set(err, LW_ERR_USAGE, "--map: the first record has no column "
                                "named '%s'", o->maps[m].column);
        }
        if (lw_slice_eq_ci(lw_slice_cstr(o->maps[m].column), lw_slice_cstr(st->ref_column))) {
            return lw_error_set(err, LW_ERR_USAGE, "--map: '%s' is the ref column",
                                o->maps[m].column);
        }
    }
    return LW_OK;
}

static void
classify(const struct enroll_opts *o, struct lw_slice name, struct enroll_column *c)
{
    unsigned mask, n = 0;

    c->kind = ENROLL_KIND_NONE;
    c->how = ENROLL_HOW_NONE;
    for (size_t m = 0; m < o->n_maps; m++) {
        if (lw_slice_eq_ci(name, lw_slice_cstr(o->maps[m].column))) {
            c->kind = o->maps[m].kind;
            c->how = ENROLL_HOW_MAP;
            return;
        }
    }
    mask = identifiers_hint_kinds(name);
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        if ((identifiers_kind((enum id_kind)k)->flags & ID_KIND_DERIVED) != 0) {
            mask &= ~(1u << k);
        }
        n += (mask >> k) & 1u;
    }
    if (n == 1) {
        for (int k = 0; k < ID_KIND_COUNT; k++) {
            c->kind = (mask & (1u << k)) != 0 ? k : c->kind;
        }
        c->how = ENROLL_HOW_HINT;
        return;
    }
    if (n == 0) {
        return;
    }
    c->how = ENROLL_HOW_AMBIGUOUS;
    for (size_t i = 0; i < sizeof(national) / sizeof(national[0]); i++) {
        if ((mask & (1u << national[i].kind)) != 0 && strcmp(o->ctx.region, national[i].region) == 0) {
            c->kind = (int)national[i].kind;
            c->how = ENROLL_HOW_REGION;
        }
    }
}

/* The column entry for a field name (classified on first sight), or NULL past the table. */
static const struct enroll_column *
column(const struct enroll_opts *o, struct enroll_stats *st, struct lw_slice name)
{
    struct enroll_column *c;

    for (size_t i = 0; i < st->n_cols; i++) {
        c = &st->cols[i];
        if (strlen(c->name) == name.len && memcmp(c->name, name.p, name.len) == 0) {
            return c;
        }
    }
    if (st->n_cols == ENROLL_COLUMNS_MAX || name.len > ENROLL_COLUMN_NAME_MAX) {
        st->more_columns++;
        return NULL;
    }
    c = &st->cols[st->n_cols++];
    memcpy(c->name, name.p, name.len);
    c->name[name.len] = '\0';
    if (lw_slice_eq(name, lw_slice_cstr(st->ref_column))) {
        c->kind = ENROLL_KIND_NONE;
        c->how = ENROLL_HOW_REF;
    } else {
        classify(o, name, c);
    }
    return c;
}

/* Is the ref something any validator accepts (an identifier in clear)? */
static bool
ref_is_identifier(struct lw_slice ref, const struct id_context *ctx)
{
    char value[ID_VALUE_MAX + 1];
    bool is = false;

    for (int k = 0; k < ID_KIND_COUNT && !is; k++) {
        size_t len = 0;
        if ((identifiers_kind((enum id_kind)k)->flags & ID_KIND_DERIVED) == 0) {
            is = identifiers_normalise((enum id_kind)k, ref, ctx, value, &len) == LW_OK;
        }
    }
    lw_wipe(value, sizeof(value));
    return is;
}

/* The row's ref into ref[], or the reason to skip the row. */
static enum enroll_skip
row_ref(const struct enroll_opts *o, const struct record *rec, const struct enroll_stats *st,
        char ref[WATCH_REF_MAX + 1])
{
    struct lw_slice v = {NULL, 0};
    bool any = false;

    for (size_t i = 0; i < rec->n_fields; i++) {
        struct lw_slice t = lw_slice_trim(rec->fields[i].value);
        any = any || t.len > 0;
        if (v.p == NULL && lw_slice_eq(rec->fields[i].name, lw_slice_cstr(st->ref_column))) {
            v = t;
            v.p = v.p != NULL ? v.p : "";
        }
    }
    if (!any) {
        return ENROLL_SKIP_EMPTY_ROW;
    }
    if (v.len == 0) {
        return ENROLL_SKIP_NO_REF;
    }
    if (!watchlist_ref_valid(v)) {
        return ENROLL_SKIP_REF_INVALID;
    }
    if (ref_is_identifier(v, &o->ctx)) {
        return ENROLL_SKIP_REF_IS_IDENTIFIER;
    }
    memcpy(ref, v.p, v.len);
    ref[v.len] = '\0';
    return ENROLL_SKIP_COUNT;
}

/* One value of a mapped column: normalise, encode, hand to the sink, wipe. */
static enum lw_rc
one_value(const struct enroll_opts *o, struct enroll_stats *st, enum id_kind kind,
          struct lw_slice raw, const char *ref, enroll_sink_fn sink, void *user, bool *any,
          struct lw_error *err)
{
    char value[ID_VALUE_MAX + 1];
    uint8_t input[ID_OPRF_INPUT_MAX];
    size_t vlen = 0, ilen = 0;
    enum lw_rc rc = LW_OK;

    if (identifiers_normalise(kind, raw, &o->ctx, value, &vlen) != LW_OK ||
        identifiers_oprf_input(kind, lw_slice_make(value, vlen), input, sizeof(input), &ilen) !=
            LW_OK) {
        st->invalid[kind]++;
    } else {
        st->valid[kind]++;
        *any = true;
        rc = sink(user, kind, input, ilen, ref, err);
    }
    lw_wipe(value, sizeof(value));
    lw_wipe(input, sizeof(input));
    return rc;
}

static enum lw_rc
one_record(const struct enroll_opts *o, const struct record *rec, struct enroll_stats *st,
           enroll_sink_fn sink, void *user, struct lw_error *err)
{
    char ref[WATCH_REF_MAX + 1];
    enum enroll_skip skip;
    bool any = false;
    enum lw_rc rc = LW_OK;

    st->rows_read++;
    skip = row_ref(o, rec, st, ref);
    for (size_t i = 0; i < rec->n_fields; i++) {
        const struct enroll_column *c = column(o, st, rec->fields[i].name);
        struct lw_slice raw = lw_slice_trim(rec->fields[i].value);
        if (skip == ENROLL_SKIP_COUNT && rc == LW_OK && c != NULL &&
            c->kind != ENROLL_KIND_NONE && raw.len > 0) {
            rc = one_value(o, st, (enum id_kind)c->kind, raw, ref, sink, user, &any, err);
        }
    }
    if (skip == ENROLL_SKIP_COUNT && !any) {
        skip = ENROLL_SKIP_NO_IDENTIFIER;
    }
    if (skip != ENROLL_SKIP_COUNT) {
        st->skipped[skip]++;
    } else {
        st->rows_enrolled++;
    }
    return rc;
}

static enum lw_rc
open_parser(const struct enroll_opts *o, struct reader *r, struct enroll_stats *st,
            const struct parser_ops **ops, struct parser **p, struct lw_error *err)
{
    struct parse_limits lim;
    struct lw_slice head;

    *ops = o->format;
    if (*ops == NULL) {
        if (reader_peek(r, READER_PEEK_MAX, &head) != LW_OK) {
            return lw_error_set(err, LW_ERR_IO, "%s: read error", o->file);
        }
        *ops = parser_sniff(head, strcmp(o->file, "-") == 0 ? NULL : o->file);
        if (*ops != &parser_csv && *ops != &parser_json) {
            return lw_error_set(err, LW_ERR_USAGE, "%s looks like %s, not CSV or JSON Lines: "
                                "export CSV/TSV with a header row or JSON Lines, or say "
                                "--format csv|json", o->file, (*ops)->name);
        }
    }
    st->format = (*ops)->name;
    parse_limits_default(&lim);
    return (*ops)->open(r, &lim, p, err);
}

enum lw_rc
enroll_read(const struct enroll_opts *o, struct enroll_stats *st, enroll_sink_fn sink, void *user,
            struct lw_error *err)
{
    const struct parser_ops *ops = NULL;
    struct parser *p = NULL;
    struct reader *r = NULL;
    struct record rec;
    enum lw_rc rc;

    rc = reader_open_file(o->file, &r, err);
    if (rc == LW_OK) {
        rc = open_parser(o, r, st, &ops, &p, err);
    }
    while (rc == LW_OK) {
        rc = ops->next(p, &rec, &st->parse, err);
        if (rc == LW_OK && st->rows_read == 0) {
            rc = choose_ref(o, &rec, st, err);
            rc = rc == LW_OK ? check_maps(o, &rec, st, err) : rc;
        }
        if (rc == LW_OK) {
            rc = one_record(o, &rec, st, sink, user, err);
        }
    }
    if (rc == LW_ERR_NOT_FOUND) {
        rc = LW_OK;
    }
    if (rc == LW_OK && st->rows_read == 0) {
        rc = lw_error_set(err, LW_ERR_USAGE, "%s holds no records", o->file);
    }
    bool mapped = false;
    for (size_t i = 0; i < st->n_cols; i++) {
        mapped = mapped || st->cols[i].kind != ENROLL_KIND_NONE;
    }
    if (rc == LW_OK && !mapped) {
        rc = lw_error_set(err, LW_ERR_USAGE, "no column is an identifier column by its name: "
                          "name them with --map COLUMN=KIND");
    }
    if (ops != NULL) {
        ops->close(p);
    }
    reader_close(r);
    return rc;
}

enum lw_rc
enroll_rows_add(struct enroll_rows *rows, enum id_kind kind, const uint8_t hash[WATCH_HASH_BYTES],
                const char *ref, struct lw_error *err)
{
    struct watch_row *w;
    size_t len = strlen(ref);

    if (rows->n >= WATCH_ROWS_MAX) {
        return lw_error_set(err, LW_ERR_USAGE, "more than %u watchlist rows: split the export "
                            "and enroll the parts with --mode add", WATCH_ROWS_MAX);
    }
    rows->v = lw_xgrowarray(rows->v, &rows->cap, rows->n + 1, WATCH_ROWS_MAX, sizeof(*rows->v));
    w = &rows->v[rows->n++];
    memcpy(w->hash, hash, WATCH_HASH_BYTES);
    w->kind = (uint8_t)kind;
    memcpy(w->ref, ref, len + 1);
    return LW_OK;
}

static int
row_cmp(const void *a, const void *b)
{
    const struct watch_row *x = a, *y = b;
    int c = memcmp(x->hash, y->hash, WATCH_HASH_BYTES);

    return c != 0 ? c : strcmp(x->ref, y->ref);
}

uint64_t
enroll_rows_dedupe(struct enroll_rows *rows)
{
    size_t out = 0;

    if (rows->n == 0) {
        return 0;
    }
    qsort(rows->v, rows->n, sizeof(*rows->v), row_cmp);
    for (size_t i = 1; i < rows->n; i++) {
        if (row_cmp(&rows->v[out], &rows->v[i]) != 0) {
            rows->v[++out] = rows->v[i];
        }
    }
    out++;
    uint64_t gone = rows->n - out;
    rows->n = out;
    return gone;
}

void
enroll_rows_free(struct enroll_rows *rows)
{
    free(rows->v);
    rows->v = NULL;
    rows->n = rows->cap = 0;
}
