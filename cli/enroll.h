/*
 * cli/enroll.h — what the files of `leakwatch enroll` share (cli/cmd_enroll.c: options, the two
 * modes and the summary; cli/enroll_read.c: the clinic's export to OPRF inputs; cli/enroll_http.c:
 * the API client of server mode).
 *
 * Plaintext hygiene: a value lives in the parser's record (which the parser wipes) and in stack
 * buffers of enroll_read() that are wiped after each use; in server mode the inputs of one batch
 * wait for their evaluation in sodium_malloc'ed memory, wiped after. Nothing here prints or logs
 * a value: only counts, column names and kinds.
 */
#ifndef LW_CLI_ENROLL_H
#define LW_CLI_ENROLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "parsers/identifiers.h"
#include "parsers/parser.h"
#include "storage/watchlist.h"

#define ENROLL_MAPS_MAX 64
#define ENROLL_COLUMNS_MAX 256
#define ENROLL_COLUMN_NAME_MAX 200
#define ENROLL_BATCH_MAX 1000 /* the server's largest /v1/oprf/evaluate batch */
#define ENROLL_KIND_NONE (-1) /* --map COLUMN=none: never read */

struct enroll_map {
    const char *column; /* matched ASCII-case-insensitively against column names */
    int kind;           /* enum id_kind, or ENROLL_KIND_NONE */
};

struct enroll_opts {
    const char *clinic;
    const char *file;       /* a path or "-" */
    const char *server;     /* base URL without a trailing '/', or NULL: direct mode */
    const char *token;      /* server mode */
    const char *ref_column; /* NULL: detect */
    const struct parser_ops *format; /* parser_csv, parser_json, or NULL: sniff */
    struct id_context ctx;  /* region for phone numbers */
    enum watch_mode mode;
    size_t batch;           /* 1..ENROLL_BATCH_MAX */
    bool json;
    struct enroll_map maps[ENROLL_MAPS_MAX];
    size_t n_maps;
};

/* How a column got its kind. */
enum enroll_how {
    ENROLL_HOW_REF,       /* the ref column */
    ENROLL_HOW_MAP,       /* --map */
    ENROLL_HOW_HINT,      /* its name suggests exactly one kind */
    ENROLL_HOW_REGION,    /* its name suggests several; the region picked one ("personnummer") */
    ENROLL_HOW_AMBIGUOUS, /* several kinds: ignored */
    ENROLL_HOW_NONE,      /* no kind (or --map …=none): ignored */
};

struct enroll_column {
    char name[ENROLL_COLUMN_NAME_MAX + 1];
    int kind; /* enum id_kind, or ENROLL_KIND_NONE */
    enum enroll_how how;
};

enum enroll_skip {
    ENROLL_SKIP_EMPTY_ROW,         /* every field empty */
    ENROLL_SKIP_NO_REF,            /* no ref field, or an empty one */
    ENROLL_SKIP_REF_INVALID,       /* not 1–200 bytes of UTF-8 without control characters */
    ENROLL_SKIP_REF_IS_IDENTIFIER, /* the ref validates as an identifier: refused */
    ENROLL_SKIP_NO_IDENTIFIER,     /* a good ref but no valid identifier in the row */
    ENROLL_SKIP_COUNT
};

extern const char *const enroll_skip_names[ENROLL_SKIP_COUNT];

struct enroll_stats {
    const char *format;         /* "csv" or "json" */
    char ref_column[ENROLL_COLUMN_NAME_MAX + 1];
    bool ref_detected;          /* chosen by name, not --ref-column */
    struct enroll_column cols[ENROLL_COLUMNS_MAX];
    size_t n_cols;
    uint64_t more_columns;      /* names past ENROLL_COLUMNS_MAX (ignored) */
    uint64_t rows_read, rows_enrolled;
    uint64_t valid[ID_KIND_COUNT];   /* values that normalised (before duplicates) */
    uint64_t invalid[ID_KIND_COUNT]; /* values that did not */
    uint64_t skipped[ENROLL_SKIP_COUNT];
    struct parse_stats parse;
};

/*
 * Called for each valid value: input is kind ‖ 0x00 ‖ value (identifiers_oprf_input), wiped by
 * the caller after the call; ref is the row's reference (NUL-terminated, valid for the call).
 * A non-LW_OK return stops the reading with that error.
 */
typedef enum lw_rc (*enroll_sink_fn)(void *user, enum id_kind kind, const uint8_t *input,
                                     size_t len, const char *ref, struct lw_error *err);

/*
 * Read the export o->file (CSV/TSV/…/JSON Lines with named fields), choose the ref column and the
 * identifier columns, normalise with o->ctx and call sink for every valid value. LW_ERR_USAGE for
 * a file that is not CSV or JSON Lines, has no ref column (or no --map/--ref-column column of
 * that name), or no identifier column; LW_ERR_IO when reading fails; the sink's errors.
 */
enum lw_rc enroll_read(const struct enroll_opts *o, struct enroll_stats *st, enroll_sink_fn sink,
                       void *user, struct lw_error *err);

/* The rows to upload: grows up to WATCH_ROWS_MAX (then LW_ERR_USAGE: split the export). */
struct enroll_rows {
    struct watch_row *v;
    size_t n, cap;
};

enum lw_rc enroll_rows_add(struct enroll_rows *rows, enum id_kind kind,
                           const uint8_t hash[WATCH_HASH_BYTES], const char *ref,
                           struct lw_error *err);
/* Sort by (hash, ref) and drop repeats; returns how many went. */
uint64_t enroll_rows_dedupe(struct enroll_rows *rows);
void enroll_rows_free(struct enroll_rows *rows);

/* ---- server mode (cli/enroll_http.c) ---- */

struct enroll_remote;

/* Prepare a client for o->server with o->token (libcurl). rows receives the finalised rows. */
enum lw_rc enroll_remote_open(const struct enroll_opts *o, struct enroll_rows *rows,
                              struct enroll_remote **out, struct lw_error *err);
void enroll_remote_free(struct enroll_remote *rc); /* wipes the batch; NULL-safe */

/* An enroll_sink_fn (user: the struct enroll_remote): blinds the input into the current batch,
 * evaluating it through the server when the batch is full. */
enum lw_rc enroll_remote_sink(void *user, enum id_kind kind, const uint8_t *input, size_t len,
                              const char *ref, struct lw_error *err);

/* Evaluate what is left in the batch. */
enum lw_rc enroll_remote_flush(struct enroll_remote *rc, struct lw_error *err);

/* PUT the rows to /v1/watchlist?mode=… and read the server's counts. */
enum lw_rc enroll_remote_put(struct enroll_remote *rc, const struct enroll_rows *rows,
                             enum watch_mode mode, struct watch_result *res, struct lw_error *err);

/* OPRF evaluations the server did for us, and 429 waits (for the summary). */
uint64_t enroll_remote_evaluations(const struct enroll_remote *rc);

#endif
