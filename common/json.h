/*
 * common/json.h — a strict, bounded JSON reader for small trusted-shape documents: API request and
 * response bodies (RFC 8259). Not for dumps: parsers/json.c streams those, leniently.
 *
 * lw_json_parse() builds a tree of nodes in one allocation sized by limits checked as it goes
 * (depth, nodes, input length); strings are decoded (escapes, \uXXXX and surrogate pairs to UTF-8;
 * a lone surrogate, invalid UTF-8 or a raw control character is an error) into a second buffer.
 * Anything that is not exactly JSON — trailing commas, comments, bare words, leading zeros, a
 * second value after the first — is LW_ERR_INVALID with the byte offset in the message. Duplicate
 * object keys: the first one wins for lw_json_get (documented; a caller that must refuse them can
 * iterate). Never recursive.
 */
#ifndef LW_COMMON_JSON_H
#define LW_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/slice.h"

enum lw_json_type {
    LW_JSON_NULL,
    LW_JSON_FALSE,
    LW_JSON_TRUE,
    LW_JSON_NUMBER,
    LW_JSON_STRING,
    LW_JSON_ARRAY,
    LW_JSON_OBJECT,
};

struct lw_json_limits {
    size_t max_bytes; /* input length; 0: 64 MiB */
    size_t max_depth; /* nesting; 0: 32 */
    size_t max_nodes; /* values (keys not counted); 0: 4,000,000 */
};

struct lw_json_doc;
struct lw_json; /* a node, valid until lw_json_free */

/* Parse p[0..n). On success *out owns the tree. LW_ERR_INVALID (syntax, "at byte N: why"),
 * LW_ERR_TOO_LARGE (a limit, naming it). */
enum lw_rc lw_json_parse(const char *p, size_t n, const struct lw_json_limits *lim,
                         struct lw_json_doc **out, struct lw_error *err);
void lw_json_free(struct lw_json_doc *doc); /* NULL-safe */

const struct lw_json *lw_json_root(const struct lw_json_doc *doc);
enum lw_json_type lw_json_type(const struct lw_json *v);

/* Object member by key (first match), or NULL (also when v is not an object or is NULL). */
const struct lw_json *lw_json_get(const struct lw_json *v, const char *key);
/* Elements of an array or members of an object. */
size_t lw_json_count(const struct lw_json *v);
/* The first child of an array/object, and the next sibling; NULL at the end. For an object's
 * member, lw_json_key gives its key. */
const struct lw_json *lw_json_first(const struct lw_json *v);
const struct lw_json *lw_json_next(const struct lw_json *v);
struct lw_slice lw_json_key(const struct lw_json *member);

/* A string's decoded bytes (may contain NUL; not NUL-terminated), else false. */
bool lw_json_string(const struct lw_json *v, struct lw_slice *out);
/* A number that is an integer in [min, max] (no fraction or exponent), else false. */
bool lw_json_int(const struct lw_json *v, int64_t min, int64_t max, int64_t *out);
/* true/false, else false is returned and *out untouched. */
bool lw_json_bool(const struct lw_json *v, bool *out);

#endif
