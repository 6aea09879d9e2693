/*
 * tests/fuzz/fuzz_json_strict.c — the strict JSON reader (common/json.h) on arbitrary bytes.
 *
 * Invariants checked: a parse either fails with LW_ERR_INVALID or LW_ERR_TOO_LARGE and no tree,
 * or succeeds with a tree the accessors can walk to its end without leaving it: every container's
 * lw_json_count equals the children lw_json_first/lw_json_next visit, the whole walk visits at most
 * max_nodes values, and every string's bytes are readable (ASan sees a slice pointing outside the
 * document). The walk uses an explicit stack, like the reader. Seed corpus:
 * tests/fuzz/corpus/fuzz_json_strict/.
 */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

#define FUZZ_DEPTH 8
#define FUZZ_NODES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned
touch(struct lw_slice s)
{
    unsigned sum = 0;

    for (size_t i = 0; i < s.len; i++) {
        sum += (unsigned char)s.p[i];
    }
    return sum;
}

static void
walk(const struct lw_json *root)
{
    static const struct lw_json *stack[FUZZ_NODES + 1]; /* pending containers, not depth */
    size_t depth = 0, seen = 0;
    volatile unsigned sink = 0;

    stack[depth++] = root;
    while (depth > 0) {
        const struct lw_json *v = stack[--depth];
        struct lw_slice s;
        size_t kids = 0;
        int64_t i;
        bool b;

        if (++seen > FUZZ_NODES) {
            abort();
        }
        if (lw_json_string(v, &s)) {
            sink += touch(s);
        }
        lw_json_int(v, INT64_MIN, INT64_MAX, &i);
        lw_json_bool(v, &b);
        for (const struct lw_json *c = lw_json_first(v); c != NULL; c = lw_json_next(c)) {
            sink += touch(lw_json_key(c));
            if (lw_json_type(c) == LW_JSON_ARRAY || lw_json_type(c) == LW_JSON_OBJECT) {
                if (depth >= FUZZ_NODES) {
                    abort(); /* more containers than the node limit allows */
                }
                stack[depth++] = c;
            } else {
                seen++;
                if (lw_json_string(c, &s)) {
                    sink += touch(s);
                }
            }
            kids++;
        }
        if (kids != lw_json_count(v)) {
            abort();
        }
        if (lw_json_type(v) == LW_JSON_OBJECT && lw_json_count(v) > 0 &&
            lw_json_get(v, "a") == NULL && lw_json_key(lw_json_first(v)).len == 1 &&
            lw_json_key(lw_json_first(v)).p[0] == 'a') {
            abort(); /* the first member is "a" but lookup missed it */
        }
    }
    (void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_json_limits lim = {.max_bytes = 1 << 20, .max_depth = FUZZ_DEPTH,
                                 .max_nodes = FUZZ_NODES};
    struct lw_json_doc *doc = NULL;
    struct lw_error err = {0};
    enum lw_rc rc = lw_json_parse((const char *)data, size, &lim, &doc, &err);

    if (rc != LW_OK) {
        if (doc != NULL || (rc != LW_ERR_INVALID && rc != LW_ERR_TOO_LARGE) ||
            strlen(err.msg) == 0) {
            abort();
        }
        return 0;
    }
    if (lw_json_root(doc) == NULL) {
        abort();
    }
    walk(lw_json_root(doc));
    lw_json_free(doc);
    return 0;
}
