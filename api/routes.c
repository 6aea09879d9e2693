/*
 * api/routes.c — the handlers of api/README.md, each a whole request in, a whole response out.
 *
 * Every clinic route starts the same way: a connection from the pool, the bearer token
 * authenticated (storage/clinics.h: a hash lookup and a constant-time compare), then the body
 * parsed by the strict reader (common/json.h) under limits sized for the route, every member
 * checked before anything is stored or evaluated, the first bad element named by its index. The
 * connection goes back to the pool before CPU work (evaluation) and is closed instead when it
 * failed, so a PostgreSQL restart costs a few 503s and nothing else. Database detail goes to the
 * log, never to the client: the client gets a stable code and a short message.
 *
 * Evaluation order: decode and check every element (base64, 32 bytes, a canonical non-identity
 * ristretto255 encoding) → take the batch from the clinic's budget → evaluate all → answer. A
 * malformed batch costs no budget; a batch is answered whole or not at all.
 */
#include "api/routes.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/escape.h"
#include "common/json.h"
#include "common/log.h"
#include "common/num.h"
#include "parsers/identifiers.h"
#include "storage/alerts.h"
#include "storage/oprf.h"
#include "storage/researchers.h"
#include "storage/stats.h"
#include "storage/stats_json.h"
#include "storage/watchlist.h"

_Static_assert(ID_KIND_COUNT <= 16, "watchlist_counts fills by_kind[16]");

#define SUITE "ristretto255-SHA512"
#define B64_ELEMENT_LEN 44 /* standard base64 of 32 bytes, with padding */
#define ALERTS_BODY_MAX ((size_t)1 << 30)
#define ALERTS_BODY_SOFT ((size_t)32 << 20) /* stop adding alerts past this; "next" pages on */

const char *const api_route_names[API_ROUTE_COUNT] = {
    "evaluate", "watchlist_put", "watchlist_delete", "watchlist_get",
    "alerts",   "healthz",       "metrics",          "stats",
    "other",
};

/* ---- responses ---- */

void
api_response_init(struct api_response *r, size_t max)
{
    memset(r, 0, sizeof(*r));
    r->status = 500;
    lw_buf_init(&r->body, max);
}

void
api_response_free(struct api_response *r)
{
    lw_buf_free(&r->body);
}

/* Append a JSON string (quotes included). */
static enum lw_rc
json_str(struct lw_buf *b, const char *s, size_t len)
{
    enum lw_rc rc = lw_buf_append_byte(b, '"');

    if (rc == LW_OK) {
        rc = lw_escape(b, lw_slice_make(s, len), LW_ESCAPE_JSON);
    }
    return rc == LW_OK ? lw_buf_append_byte(b, '"') : rc;
}

void
api_error(struct api_response *r, unsigned status, const char *code, const char *message,
          long index)
{
    lw_buf_reset(&r->body);
    r->status = status;
    r->content_type = NULL;
    lw_buf_printf(&r->body, "{\"error\": {\"code\": \"%s\", \"message\": ", code);
    json_str(&r->body, message, strlen(message));
    if (index >= 0) {
        lw_buf_printf(&r->body, ", \"index\": %ld", index);
    }
    lw_buf_append_str(&r->body, "}}");
}

/* A storage failure: 503 when the database is away, else 500; the detail only in the log. */
static void
storage_failure(struct api_response *r, enum api_route_id route, enum lw_rc rc,
                const struct lw_error *err)
{
    lw_warn("serve", "%s: %s", api_route_names[route], err->msg);
    if (rc == LW_ERR_DB) {
        api_error(r, 503, "unavailable", "the database is unavailable; try again later", -1);
    } else {
        api_error(r, 500, "internal", "internal error", -1);
    }
}

/* ---- the route table ---- */

static void handle_evaluate(const struct api_ctx *, const struct api_request *, struct api_response *);
static void handle_watchlist_put(const struct api_ctx *, const struct api_request *,
                                 struct api_response *);
static void handle_watchlist_delete(const struct api_ctx *, const struct api_request *,
                                    struct api_response *);
static void handle_watchlist_get(const struct api_ctx *, const struct api_request *,
                                 struct api_response *);
static void handle_alerts(const struct api_ctx *, const struct api_request *, struct api_response *);
static void handle_stats(const struct api_ctx *, const struct api_request *, struct api_response *);
static void handle_healthz(const struct api_ctx *, const struct api_request *, struct api_response *);
static void handle_metrics(const struct api_ctx *, const struct api_request *, struct api_response *);

static const struct api_route routes[] = {
    {"/v1/oprf/evaluate", "POST", API_ROUTE_EVALUATE, API_EVALUATE_BODY_MAX, handle_evaluate},
    {"/v1/watchlist", "PUT", API_ROUTE_WATCHLIST_PUT, API_WATCHLIST_BODY_MAX, handle_watchlist_put},
    {"/v1/watchlist", "DELETE", API_ROUTE_WATCHLIST_DELETE, API_WATCHLIST_BODY_MAX,
     handle_watchlist_delete},
    {"/v1/watchlist", "GET", API_ROUTE_WATCHLIST_GET, 0, handle_watchlist_get},
    {"/v1/alerts", "GET", API_ROUTE_ALERTS, 0, handle_alerts},
    /* counted as "other" until api/routes.h has a route id for it */
    {"/v1/stats", "GET", API_ROUTE_STATS, 0, handle_stats},
    {"/healthz", "GET", API_ROUTE_HEALTHZ, 0, handle_healthz},
    {"/metrics", "GET", API_ROUTE_METRICS, 0, handle_metrics},
};

const struct api_route *
api_route_find(const char *path, const char *method, char *allow, size_t allow_cap,
               bool *path_known)
{
    size_t used = 0;

    *path_known = false;
    if (allow_cap > 0) {
        allow[0] = '\0';
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, path) != 0) {
            continue;
        }
        if (strcmp(routes[i].method, method) == 0) {
            return &routes[i];
        }
        *path_known = true;
        if (used < allow_cap) {
            int w = snprintf(allow + used, allow_cap - used, "%s%s", used > 0 ? ", " : "",
                             routes[i].method);

            used += w > 0 ? (size_t)w : 0;
        }
    }
    return NULL;
}

/* ---- shared steps ---- */

struct session {
    struct db *db;
    struct clinic clinic;
};

static void
session_end(const struct api_ctx *ctx, struct session *s, enum lw_rc rc)
{
    api_pool_give(ctx->pool, s->db, rc == LW_ERR_DB);
    s->db = NULL;
}

/* A pooled connection and the clinic of the bearer token; false when resp holds the refusal. */
static bool
session_begin(const struct api_ctx *ctx, const struct api_request *req, enum api_route_id route,
              struct session *s, struct api_response *resp)
{
    struct lw_error err = {0};
    const char *h = req->authorization;
    const char *token;
    bool reused;
    enum lw_rc rc;

    memset(s, 0, sizeof(*s));
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        resp->www_authenticate = true;
        api_error(resp, 401, "unauthorized", "an Authorization: Bearer token is required", -1);
        return false;
    }
    for (token = h + 7; *token == ' '; token++) {
    }
    if ((rc = api_pool_take(ctx->pool, &s->db, &reused, &err)) != LW_OK) {
        storage_failure(resp, route, rc, &err);
        return false;
    }
    rc = clinics_authenticate(s->db, token, &s->clinic, &err);
    if (rc == LW_OK) {
        return true;
    }
    session_end(ctx, s, rc);
    if (rc == LW_ERR_NOT_FOUND) {
        resp->www_authenticate = true;
        api_error(resp, 401, "unauthorized", "unknown or revoked token", -1);
    } else {
        storage_failure(resp, route, rc, &err);
    }
    return false;
}

/* Parse the body; false when resp holds the refusal (400, or 413 with too_large_code). */
static bool
parse_body(const struct api_request *req, const struct lw_json_limits *lim,
           const char *too_large_code, struct lw_json_doc **doc, struct api_response *resp)
{
    struct lw_error err = {0};
    enum lw_rc rc = lw_json_parse(req->body.p, req->body.len, lim, doc, &err);

    if (rc == LW_OK && lw_json_type(lw_json_root(*doc)) != LW_JSON_OBJECT) {
        lw_json_free(*doc);
        *doc = NULL;
        api_error(resp, 400, "bad_request", "the body must be a JSON object", -1);
        return false;
    }
    if (rc == LW_ERR_TOO_LARGE && strstr(err.msg, "nested") == NULL) {
        api_error(resp, 413, too_large_code, err.msg, -1); /* more values than a batch holds */
    } else if (rc != LW_OK) {
        api_error(resp, 400, "bad_request", err.msg, -1);
    }
    return rc == LW_OK;
}

/* 32 bytes from standard padded base64 of exactly 44 characters. */
static bool
b64_32(const struct lw_json *v, uint8_t out[32])
{
    struct lw_slice s;
    size_t n = 0;
    const char *end = NULL;

    if (!lw_json_string(v, &s) || s.len != B64_ELEMENT_LEN) {
        return false;
    }
    return sodium_base642bin(out, 32, s.p, s.len, NULL, &n, &end,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           n == 32 && end == s.p + s.len;
}

static void
b64_append(struct lw_buf *b, const uint8_t in[32])
{
    char s[B64_ELEMENT_LEN + 1];

    sodium_bin2base64(s, sizeof(s), in, 32, sodium_base64_VARIANT_ORIGINAL);
    lw_buf_printf(b, "\"%s\"", s);
}

/* ---- POST /v1/oprf/evaluate ---- */

/* Decode and check the batch into elems; false when resp holds the refusal. */
static bool
evaluate_decode(const struct api_ctx *ctx, const struct lw_json *root, uint8_t (**elems)[32],
                size_t *n, struct api_response *resp)
{
    const struct lw_json *arr = lw_json_get(root, "blinded"), *suite = lw_json_get(root, "suite");
    struct lw_slice s;
    size_t i = 0;

    if (suite != NULL && (!lw_json_string(suite, &s) || !lw_slice_eq(s, LW_SLICE_LIT(SUITE)))) {
        api_error(resp, 400, "bad_request", "suite: only \"" SUITE "\" is served", -1);
        return false;
    }
    if (lw_json_type(arr) != LW_JSON_ARRAY || lw_json_count(arr) == 0) {
        api_error(resp, 400, "bad_request", "blinded: an array of 1 to 1000 base64 elements", -1);
        return false;
    }
    *n = lw_json_count(arr);
    if (*n > API_EVALUATE_MAX || (double)*n > ctx->rate.burst) {
        api_error(resp, 413, "batch_too_large",
                  *n > API_EVALUATE_MAX ? "blinded: more than 1000 elements"
                                        : "blinded: more elements than the rate limit's burst", -1);
        return false;
    }
    *elems = lw_xcalloc(*n, sizeof(**elems));
    for (const struct lw_json *v = lw_json_first(arr); v != NULL; v = lw_json_next(v), i++) {
        if (!b64_32(v, (*elems)[i])) {
            api_error(resp, 400, "bad_request",
                      "blinded: each element is 32 bytes in standard base64 (44 characters)",
                      (long)i);
            return false;
        }
        if (sodium_is_zero((*elems)[i], 32) || !crypto_core_ristretto255_is_valid_point((*elems)[i])) {
            api_error(resp, 400, "invalid_element",
                      "blinded: not a canonical, non-identity ristretto255 element", (long)i);
            return false;
        }
    }
    return true;
}

/* Take n evaluations from the clinic's budget; false when resp holds the refusal. */
static bool
evaluate_budget(const struct api_ctx *ctx, struct session *s, size_t n, struct api_response *resp)
{
    struct lw_error err = {0};
    bool allowed = false;
    uint32_t retry = 0;
    enum lw_rc rc = clinics_oprf_take(s->db, s->clinic.id, (uint32_t)n, &ctx->rate, &allowed,
                                      &retry, &err);

    session_end(ctx, s, rc);
    if (rc != LW_OK) {
        storage_failure(resp, API_ROUTE_EVALUATE, rc, &err);
        return false;
    }
    if (!allowed) {
        api_metrics_add(ctx->metrics, API_COUNT_OPRF_RATE_LIMITED, 1);
        resp->retry_after = retry > 0 ? retry : 1;
        api_error(resp, 429, "rate_limited", "the clinic's evaluation budget is used up; retry later",
                  -1);
        return false;
    }
    return true;
}

static void
evaluate_answer(const struct api_ctx *ctx, const uint8_t (*elems)[32], size_t n,
                struct api_response *resp)
{
    const uint8_t *pk = keyfile_oprf_public(ctx->key);
    uint8_t out[OPRF_ELEMENT_BYTES];

    lw_buf_append_str(&resp->body, "{\"suite\": \"" SUITE "\", \"mode\": 0, \"key_id\": \"");
    for (size_t i = 0; i < 8; i++) {
        lw_buf_printf(&resp->body, "%02x", pk[i]);
    }
    lw_buf_append_str(&resp->body, "\", \"evaluated\": [");
    for (size_t i = 0; i < n; i++) {
        if (oprf_blind_evaluate(keyfile_oprf_secret(ctx->key), elems[i], out) != LW_OK) {
            api_error(resp, 400, "invalid_element",
                      "blinded: not a canonical, non-identity ristretto255 element", (long)i);
            return; /* api_error dropped the elements already written */
        }
        if (i > 0) {
            lw_buf_append_str(&resp->body, ", ");
        }
        b64_append(&resp->body, out);
    }
    lw_buf_append_str(&resp->body, "]}");
    api_metrics_add(ctx->metrics, API_COUNT_OPRF_EVALUATIONS, n);
    resp->status = 200;
}

static void
handle_evaluate(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *resp)
{
    struct lw_json_limits lim = {.max_bytes = API_EVALUATE_BODY_MAX, .max_depth = 4,
                                 .max_nodes = 4 * API_EVALUATE_MAX};
    struct lw_json_doc *doc = NULL;
    struct session s;
    uint8_t(*elems)[32] = NULL;
    size_t n = 0;

    if (!session_begin(ctx, req, API_ROUTE_EVALUATE, &s, resp)) {
        return;
    }
    if (!parse_body(req, &lim, "batch_too_large", &doc, resp) ||
        !evaluate_decode(ctx, lw_json_root(doc), &elems, &n, resp)) {
        session_end(ctx, &s, LW_OK);
        goto out;
    }
    lw_json_free(doc);
    doc = NULL;
    if (evaluate_budget(ctx, &s, n, resp)) {
        evaluate_answer(ctx, (const uint8_t(*)[32])elems, n, resp);
    }
out:
    lw_json_free(doc);
    if (elems != NULL) {
        sodium_memzero(elems, n * sizeof(*elems));
        free(elems);
    }
}

/* ---- PUT / DELETE / GET /v1/watchlist ---- */

/* One row object; false with resp holding the 400 naming index i. */
static bool
watch_row_read(const struct lw_json *v, size_t i, bool need_kind, struct watch_row *row,
               struct api_response *resp)
{
    const struct id_kind_info *kind = NULL;
    struct lw_slice s;

    if (lw_json_type(v) != LW_JSON_OBJECT) {
        api_error(resp, 400, "bad_request", "rows: each row is an object", (long)i);
        return false;
    }
    if (!b64_32(lw_json_get(v, "hash"), row->hash)) {
        api_error(resp, 400, "bad_request", "hash: 32 bytes in standard base64 (44 characters)",
                  (long)i);
        return false;
    }
    if (need_kind && (!lw_json_string(lw_json_get(v, "kind"), &s) ||
                      (kind = identifiers_find(s)) == NULL)) {
        api_error(resp, 400, "bad_request", "kind: not a kind name (email, phone, fi_hetu, ...)",
                  (long)i);
        return false;
    }
    row->kind = kind != NULL ? (uint8_t)kind->kind : 0;
    if (!lw_json_string(lw_json_get(v, "ref"), &s) || !watchlist_ref_valid(s) ||
        memchr(s.p, '\0', s.len) != NULL) {
        api_error(resp, 400, "bad_request",
                  "ref: 1 to 200 bytes of UTF-8 without control characters", (long)i);
        return false;
    }
    memcpy(row->ref, s.p, s.len);
    row->ref[s.len] = '\0';
    return true;
}

/* The "rows" array into a new array of *n rows; NULL when resp holds the refusal. */
static struct watch_row *
watch_rows_read(const struct lw_json *root, bool need_kind, size_t *n, struct api_response *resp)
{
    const struct lw_json *arr = lw_json_get(root, "rows");
    struct watch_row *rows;
    size_t i = 0;

    if (lw_json_type(arr) != LW_JSON_ARRAY) {
        api_error(resp, 400, "bad_request", "rows: an array of {hash, kind, ref} objects", -1);
        return NULL;
    }
    *n = lw_json_count(arr);
    if (*n > WATCH_ROWS_MAX) {
        api_error(resp, 413, "batch_too_large", "rows: more than 2000000 rows", -1);
        return NULL;
    }
    rows = lw_xcalloc(*n > 0 ? *n : 1, sizeof(*rows));
    for (const struct lw_json *v = lw_json_first(arr); v != NULL; v = lw_json_next(v), i++) {
        if (!watch_row_read(v, i, need_kind, &rows[i], resp)) {
            lw_wipe_free(rows, *n * sizeof(*rows));
            return NULL;
        }
    }
    return rows;
}

static void
watch_rows_free(struct watch_row *rows, size_t n)
{
    if (rows != NULL) {
        lw_wipe_free(rows, (n > 0 ? n : 1) * sizeof(*rows));
    }
}

static const struct lw_json_limits watch_limits = {
    .max_bytes = API_WATCHLIST_BODY_MAX, .max_depth = 4, .max_nodes = 4 * WATCH_ROWS_MAX + 16};

static void
watch_put_answer(const struct watch_result *r, struct api_response *resp)
{
    lw_buf_printf(&resp->body,
                  "{\"rows\": %llu, \"added\": %llu, \"removed\": %llu, \"kept\": %llu, "
                  "\"alerts\": %llu}",
                  (unsigned long long)r->rows, (unsigned long long)r->added,
                  (unsigned long long)r->removed, (unsigned long long)r->kept,
                  (unsigned long long)r->alerts);
    resp->status = 200;
}

static void
handle_watchlist_put(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *resp)
{
    const char *mode = req->arg(req->arg_user, "mode");
    struct watch_result res = {0};
    struct lw_json_doc *doc = NULL;
    struct watch_row *rows = NULL;
    struct lw_error err = {0};
    struct session s;
    size_t n = 0;
    enum lw_rc rc = LW_OK;

    if (!session_begin(ctx, req, API_ROUTE_WATCHLIST_PUT, &s, resp)) {
        return;
    }
    if (mode != NULL && strcmp(mode, "replace") != 0 && strcmp(mode, "add") != 0) {
        api_error(resp, 400, "bad_request", "mode: replace or add", -1);
        goto out;
    }
    if (!parse_body(req, &watch_limits, "batch_too_large", &doc, resp) ||
        (rows = watch_rows_read(lw_json_root(doc), true, &n, resp)) == NULL) {
        goto out;
    }
    lw_json_free(doc); /* the rows are all that is needed now: halve the memory held */
    doc = NULL;
    api_metrics_add(ctx->metrics, API_COUNT_WATCHLIST_ROWS, n);
    rc = watchlist_put(s.db, s.clinic.id, mode != NULL && strcmp(mode, "add") == 0 ? WATCH_ADD
                                                                                    : WATCH_REPLACE,
                       rows, n, &res, &err);
    if (rc == LW_OK) {
        watch_put_answer(&res, resp);
    } else if (rc == LW_ERR_INVALID) {
        api_error(resp, 400, "bad_request", err.msg, -1);
    } else if (rc == LW_ERR_TOO_LARGE) {
        api_error(resp, 413, "batch_too_large", err.msg, -1);
    } else {
        storage_failure(resp, API_ROUTE_WATCHLIST_PUT, rc, &err);
    }
out:
    session_end(ctx, &s, rc);
    lw_json_free(doc);
    watch_rows_free(rows, n);
}

static void
handle_watchlist_delete(const struct api_ctx *ctx, const struct api_request *req,
                        struct api_response *resp)
{
    struct lw_json_doc *doc = NULL;
    struct watch_row *rows = NULL;
    struct lw_error err = {0};
    struct session s;
    uint64_t removed = 0;
    size_t n = 0;
    bool all = false;
    enum lw_rc rc = LW_OK;

    if (!session_begin(ctx, req, API_ROUTE_WATCHLIST_DELETE, &s, resp)) {
        return;
    }
    if (!parse_body(req, &watch_limits, "batch_too_large", &doc, resp)) {
        goto out;
    }
    if (lw_json_get(lw_json_root(doc), "all") != NULL) {
        if (!lw_json_bool(lw_json_get(lw_json_root(doc), "all"), &all) || !all) {
            api_error(resp, 400, "bad_request", "all: only true is meaningful", -1);
            goto out;
        }
    } else if ((rows = watch_rows_read(lw_json_root(doc), false, &n, resp)) == NULL) {
        goto out;
    }
    rc = watchlist_delete(s.db, s.clinic.id, rows, n, all, &removed, &err);
    if (rc == LW_OK) {
        lw_buf_printf(&resp->body, "{\"removed\": %llu}", (unsigned long long)removed);
        resp->status = 200;
    } else {
        storage_failure(resp, API_ROUTE_WATCHLIST_DELETE, rc, &err);
    }
out:
    session_end(ctx, &s, rc);
    lw_json_free(doc);
    watch_rows_free(rows, n);
}

static void
handle_watchlist_get(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *resp)
{
    uint64_t by_kind[16], total = 0;
    struct lw_error err = {0};
    struct session s;
    enum lw_rc rc;
    bool first = true;

    if (!session_begin(ctx, req, API_ROUTE_WATCHLIST_GET, &s, resp)) {
        return;
    }
    rc = watchlist_counts(s.db, s.clinic.id, by_kind, &total, &err);
    session_end(ctx, &s, rc);
    if (rc != LW_OK) {
        storage_failure(resp, API_ROUTE_WATCHLIST_GET, rc, &err);
        return;
    }
    lw_buf_printf(&resp->body, "{\"total\": %llu, \"by_kind\": {", (unsigned long long)total);
    for (unsigned k = 0; k < ID_KIND_COUNT; k++) {
        const struct id_kind_info *info = identifiers_kind((enum id_kind)k);

        if (info != NULL && by_kind[k] > 0) {
            lw_buf_printf(&resp->body, "%s\"%s\": %llu", first ? "" : ", ", info->name,
                          (unsigned long long)by_kind[k]);
            first = false;
        }
    }
    lw_buf_append_str(&resp->body, "}}");
    resp->status = 200;
}

/* ---- GET /v1/alerts ---- */

struct alerts_page {
    struct lw_buf *body;
    int64_t last_seq;
    size_t n;
};

static int
on_alert(void *user, int64_t seq, const char *json)
{
    struct alerts_page *pg = user;

    if (pg->n > 0 && pg->body->len > ALERTS_BODY_SOFT) {
        return 1; /* enough for one response: the client pages on from "next" */
    }
    if ((pg->n > 0 && lw_buf_append_str(pg->body, ", ") != LW_OK) ||
        lw_buf_append_str(pg->body, json) != LW_OK) {
        return 1;
    }
    pg->n++;
    pg->last_seq = seq;
    return 0;
}

/* since and limit from the query; false when resp holds the refusal. */
static bool
alerts_filter_read(const struct api_request *req, struct alerts_filter *f,
                   struct api_response *resp)
{
    const char *since = req->arg(req->arg_user, "since");
    const char *limit = req->arg(req->arg_user, "limit");
    uint64_t v = API_ALERTS_LIMIT_DEFAULT;

    if (limit != NULL && lw_parse_u64(lw_slice_cstr(limit), 1, API_ALERTS_LIMIT_MAX, &v) != LW_OK) {
        api_error(resp, 400, "bad_request", "limit: a number from 1 to 1000", -1);
        return false;
    }
    f->limit = (uint32_t)v;
    if (since == NULL || since[0] == '\0') {
        return true;
    }
    if (lw_parse_i64(lw_slice_cstr(since), 0, INT64_MAX, &f->since_seq) == LW_OK &&
        since[0] >= '0' && since[0] <= '9') {
        return true;
    }
    f->since_seq = 0;
    if (strlen(since) > 40 || strspn(since, "0123456789-:T.+Z ") != strlen(since)) {
        api_error(resp, 400, "bad_request", "since: an alert seq or an ISO 8601 time", -1);
        return false;
    }
    f->since_time = since;
    return true;
}

static void
handle_alerts(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp)
{
    struct alerts_filter f = {0};
    struct alerts_page pg = {.body = &resp->body};
    struct lw_error err = {0};
    struct session s;
    enum lw_rc rc;

    if (!alerts_filter_read(req, &f, resp) ||
        !session_begin(ctx, req, API_ROUTE_ALERTS, &s, resp)) {
        return;
    }
    f.clinic_id = s.clinic.id; /* only the caller's own alerts, whatever it asks */
    lw_buf_append_str(&resp->body, "{\"alerts\": [");
    rc = alerts_each_json(s.db, &f, on_alert, &pg, &err);
    session_end(ctx, &s, rc);
    if (rc == LW_ERR_INVALID) {
        api_error(resp, 400, "bad_request", "since: an alert seq or an ISO 8601 time", -1);
        return;
    }
    if (rc != LW_OK) {
        storage_failure(resp, API_ROUTE_ALERTS, rc, &err);
        return;
    }
    if (pg.n > 0 || f.since_time == NULL) {
        lw_buf_printf(&resp->body, "], \"next\": %lld}",
                      (long long)(pg.n > 0 ? pg.last_seq : f.since_seq));
    } else {
        lw_buf_append_str(&resp->body, "], \"next\": ");
        json_str(&resp->body, f.since_time, strlen(f.since_time));
        lw_buf_append_byte(&resp->body, '}');
    }
    resp->status = 200;
}

/* ---- GET /v1/stats ---- */

/*
 * A pooled connection for a researcher's bearer token; false when resp holds the refusal: 401 for
 * no token or an unknown one, 403 forbidden for a current clinic token (it is known, but may not
 * read statistics), 503 when the database is away.
 */
static bool
researcher_begin(const struct api_ctx *ctx, const struct api_request *req, struct db **db,
                 struct api_response *resp)
{
    struct lw_error err = {0};
    struct researcher who;
    struct clinic clinic;
    const char *h = req->authorization, *token;
    bool reused;
    enum lw_rc rc;

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        resp->www_authenticate = true;
        api_error(resp, 401, "unauthorized", "an Authorization: Bearer token is required", -1);
        return false;
    }
    for (token = h + 7; *token == ' '; token++) {
    }
    if ((rc = api_pool_take(ctx->pool, db, &reused, &err)) != LW_OK) {
        storage_failure(resp, API_ROUTE_STATS, rc, &err);
        return false;
    }
    rc = researchers_authenticate(*db, token, &who, &err);
    if (rc == LW_OK) {
        return true;
    }
    if (rc == LW_ERR_NOT_FOUND) {
        rc = clinics_authenticate(*db, token, &clinic, &err);
        if (rc == LW_OK) {
            api_error(resp, 403, "forbidden", "the statistics need a researcher token; a clinic "
                      "token cannot read them", -1);
        } else if (rc == LW_ERR_NOT_FOUND) {
            resp->www_authenticate = true;
            api_error(resp, 401, "unauthorized", "unknown or revoked token", -1);
        }
    }
    if (rc != LW_OK && rc != LW_ERR_NOT_FOUND) {
        storage_failure(resp, API_ROUTE_STATS, rc, &err);
    }
    api_pool_give(ctx->pool, *db, rc == LW_ERR_DB);
    *db = NULL;
    return false;
}

/* by and min_count from the query (min_count raised to the research floor); false when resp
 * holds the refusal. */
static bool
stats_args_read(const struct api_request *req, enum stats_by *by, unsigned *k,
                struct api_response *resp)
{
    const char *b = req->arg(req->arg_user, "by");
    const char *mc = req->arg(req->arg_user, "min_count");
    uint64_t v = STATS_RESEARCH_MIN_COUNT;

    *by = STATS_BY_KIND;
    if (b != NULL && !stats_by_parse(b, by)) {
        api_error(resp, 400, "bad_request", "by: kind, source, month, country or overlap", -1);
        return false;
    }
    if (mc != NULL && lw_parse_u64(lw_slice_cstr(mc), 1, STATS_MIN_COUNT_MAX, &v) != LW_OK) {
        api_error(resp, 400, "bad_request", "min_count: a whole number from 1 to 1000000", -1);
        return false;
    }
    *k = v < STATS_RESEARCH_MIN_COUNT ? STATS_RESEARCH_MIN_COUNT : (unsigned)v;
    return true;
}

static void
handle_stats(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp)
{
    struct stats_table t = {0};
    struct lw_error err = {0};
    struct db *db = NULL;
    enum stats_by by = STATS_BY_KIND;
    unsigned k = STATS_RESEARCH_MIN_COUNT;
    enum lw_rc rc;

    if (!researcher_begin(ctx, req, &db, resp)) {
        return;
    }
    if (!stats_args_read(req, &by, &k, resp)) {
        api_pool_give(ctx->pool, db, false);
        return;
    }
    rc = stats_query(db, by, k, true, &t, &err);
    api_pool_give(ctx->pool, db, rc == LW_ERR_DB);
    if (rc == LW_OK && stats_json_write(&t, &resp->body) != LW_OK) {
        api_error(resp, 500, "internal", "the statistics are too large", -1);
    } else if (rc == LW_OK) {
        resp->status = 200;
    } else {
        storage_failure(resp, API_ROUTE_STATS, rc, &err);
    }
    stats_table_free(&t);
}

/* ---- GET /healthz, GET /metrics ---- */

/* SELECT 1 on a pooled connection; a reused one that fails is replaced and tried once more. */
static enum lw_rc
db_ping(const struct api_ctx *ctx, struct lw_error *err)
{
    enum lw_rc rc = LW_ERR_DB;

    for (int attempt = 0; attempt < 2; attempt++) {
        struct db *db = NULL;
        bool reused = false;

        rc = api_pool_take(ctx->pool, &db, &reused, err);
        if (rc == LW_OK) {
            rc = db_exec(db, "health check", "SELECT 1", err);
            api_pool_give(ctx->pool, db, rc != LW_OK);
        }
        if (rc == LW_OK || !reused) {
            break;
        }
    }
    return rc;
}

static void
handle_healthz(const struct api_ctx *ctx, const struct api_request *req,
               struct api_response *resp)
{
    struct lw_error err = {0};
    enum lw_rc rc = db_ping(ctx, &err);

    (void)req;
    if (rc == LW_OK) {
        lw_buf_append_str(&resp->body, "{\"status\": \"ok\"}");
        resp->status = 200;
        return;
    }
    lw_warn("serve", "healthz: %s", err.msg);
    resp->status = 503;
    lw_buf_append_str(&resp->body, "{\"status\": \"unavailable\", \"error\": {\"code\": "
                                   "\"unavailable\", \"message\": \"the database is unavailable\"}}");
}

static void
handle_metrics(const struct api_ctx *ctx, const struct api_request *req,
               struct api_response *resp)
{
    struct alerts_outbox_counts oc = {0};
    struct lw_error err = {0};
    struct db *db = NULL;
    bool reused, have = false;
    enum lw_rc rc;

    (void)req;
    rc = api_pool_take(ctx->pool, &db, &reused, &err);
    if (rc == LW_OK) {
        rc = alerts_outbox_counts(db, &oc, &err);
        api_pool_give(ctx->pool, db, rc == LW_ERR_DB);
        have = rc == LW_OK;
    }
    if (rc != LW_OK) {
        lw_warn("serve", "metrics: %s", err.msg);
    }
    if (api_metrics_render(ctx->metrics, &resp->body, have, have, oc.pending, LEAKWATCH_VERSION) !=
        LW_OK) {
        api_error(resp, 500, "internal", "metrics too large", -1);
        return;
    }
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->status = 200;
}
