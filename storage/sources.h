/*
 * storage/sources.h — the sites the crawler watches (`leakwatch source add/list/remove`) and their
 * health. A source's own URL (an index page, or a watched page) is a row of the crawl queue
 * (storage/crawlq.h), created with the source; removing a source removes its queue rows, keeps its
 * documents (their source_id becomes NULL).
 */
#ifndef LW_STORAGE_SOURCES_H
#define LW_STORAGE_SOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/db.h"

#define SOURCE_NAME_MAX 100
#define SOURCE_URL_MAX 2048

enum source_kind { SOURCE_PAGE = 0, SOURCE_INDEX, SOURCE_FILE };

struct source_spec {
    const char *name;          /* 1..SOURCE_NAME_MAX bytes, [A-Za-z0-9._-] */
    enum source_kind kind;     /* page or index (file is for ingest --label only) */
    const char *url;           /* http(s), at most SOURCE_URL_MAX */
    const char *link_pattern;  /* index: POSIX extended regex over absolute link URLs; NULL: every link */
    const char *raw_template;  /* index: "{url}", "{id}" (last path segment) and "{origin}"
                                * (scheme://host[:port]) placeholders (crawler/links.h); NULL */
    int64_t every_seconds;     /* how often the source's own URL is fetched (default 900) */
    const char *via;           /* "tor" (default proxy), "direct", or "socks5h://HOST:PORT" */
    const char *region;        /* two letters or NULL */
};

struct source_info {
    int64_t id;
    char name[SOURCE_NAME_MAX + 1];
    enum source_kind kind;
    char url[SOURCE_URL_MAX + 1];
    char link_pattern[512], raw_template[SOURCE_URL_MAX + 1]; /* "" when none */
    int64_t every_seconds;
    char via[256];
    char region[3];
    /* health */
    char last_success[40];     /* ISO 8601 time, "" never */
    char last_error_class[40]; /* fetch_error_name of the last failure, "" none */
    char last_error_at[40];
    int consecutive_failures;
    int64_t documents_found;
    int64_t queued;            /* its URLs waiting to be fetched */
};

/* LW_ERR_EXISTS when the name is taken, LW_ERR_INVALID (err says which field) for a bad spec. */
enum lw_rc sources_add(struct db *db, const struct source_spec *spec, struct lw_error *err);

/* LW_ERR_NOT_FOUND when there is no such source. */
enum lw_rc sources_remove(struct db *db, const char *name, struct lw_error *err);

/* Every source by name, kind file included, with health: cb is called once per source. */
typedef void (*sources_list_fn)(void *user, const struct source_info *s);
enum lw_rc sources_list(struct db *db, sources_list_fn cb, void *user, struct lw_error *err);

/* One source by name (LW_ERR_NOT_FOUND). */
enum lw_rc sources_get(struct db *db, const char *name, struct source_info *out,
                       struct lw_error *err);

const char *source_kind_name(enum source_kind k); /* "page", "index", "file" */

#endif
