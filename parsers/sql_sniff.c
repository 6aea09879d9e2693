/*
 * parsers/sql_sniff.c — is this head of an input a SQL dump? The sql ops table's sniff.
 *
 * Scores, highest wins: a dump tool's banner comment on a line of its own (mysqldump, MariaDB,
 * pg_dump, phpMyAdmin) 95; else the statements at the start are read one by one, skipping blanks,
 * comments and the statements dumps open with (SET, LOCK, DROP, ALTER, USE, …): INSERT/REPLACE
 * INTO, CREATE TABLE or COPY … FROM stdin gives 90, SET NAMES or DROP TABLE 85, and the first
 * statement that is not SQL a dump starts with ends the look; failing all that, "INSERT INTO"
 * anywhere with "VALUES (" within 512 bytes of it (a dump pasted after some prose) gives 60. A
 * name hint ending in ".sql" adds 5 (at most 100), or gives 10 to content with no SQL at all.
 *
 * It works on the head as a slice with plain index arithmetic, apart from the parser's state
 * machine: sniff runs for every parser on every input, so it must be cheap and allocate nothing.
 * The alternative rejected: running the parser over the head and scoring by the records it finds.
 * That needs a reader and the parser's buffers, and its answer depends on where the head was cut:
 * a dump whose first kilobytes are comments, SET and CREATE TABLE statements gives no records at
 * all, and a head cut inside a tuple gives a cut one.
 */
#include <stdbool.h>
#include <string.h>

#include "common/slice.h"
#include "parsers/sql_int.h"

/* Skip white space and comments (and ';' when semis). */
static size_t
sn_blank(struct lw_slice h, size_t i, bool semis)
{
    while (i < h.len) {
        unsigned char c = (unsigned char)h.p[i];

        if (sql_is_space(c) || (semis && c == ';')) {
            i++;
        } else if (c == '#' || (c == '-' && i + 1 < h.len && h.p[i + 1] == '-')) {
            while (i < h.len && h.p[i] != '\n') {
                i++;
            }
        } else if (c == '/' && i + 1 < h.len && h.p[i + 1] == '*') {
            for (i += 2; i + 1 < h.len && !(h.p[i] == '*' && h.p[i + 1] == '/'); i++) {
            }
            i += 2;
        } else {
            break;
        }
    }
    return i < h.len ? i : h.len;
}

/* The word at i (possibly empty), then the blanks after it. */
static size_t
sn_word(struct lw_slice h, size_t i, struct lw_slice *w)
{
    size_t from = i;

    while (i < h.len && sql_is_word((unsigned char)h.p[i])) {
        i++;
    }
    *w = lw_slice_make(h.p + from, i - from);
    return sn_blank(h, i, false);
}

static bool
sn_is(struct lw_slice w, const char *s)
{
    return lw_slice_eq_ci(w, lw_slice_cstr(s));
}

/* After the next ';' outside quotes (roughly: the sniffer only needs statement starts). */
static size_t
sn_stmt_end(struct lw_slice h, size_t i)
{
    char q = 0;

    for (; i < h.len; i++) {
        char c = h.p[i];

        if (q != 0) {
            if (c == '\\' && q != '`') {
                i++;
            } else if (c == q) {
                q = 0;
            }
        } else if (c == '\'' || c == '"' || c == '`') {
            q = c;
        } else if (c == ';') {
            return i + 1;
        }
    }
    return h.len;
}

static bool
sn_contains(struct lw_slice h, size_t from, size_t to, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = from; i + n <= to; i++) {
        if (lw_slice_eq_ci(lw_slice_make(h.p + i, n), lw_slice_make(needle, n))) {
            return true;
        }
    }
    return false;
}

/* The score of the statement at i; *known false when it is not SQL a dump starts with. */
static int
sn_statement(struct lw_slice h, size_t i, bool *known)
{
    static const char *const others[] = {"LOCK",   "UNLOCK", "ALTER",  "START",     "BEGIN",
                                         "COMMIT", "USE",    "SELECT", "DELIMITER", "COMMENT",
                                         "GRANT",  "REVOKE", "SET",    "DROP",      NULL};
    struct lw_slice w1, w2;
    size_t j = sn_word(h, i, &w1);

    *known = true;
    j = sn_word(h, j, &w2);
    if (sn_is(w1, "INSERT") || sn_is(w1, "REPLACE")) {
        while (sn_is(w2, "IGNORE") || sn_is(w2, "LOW_PRIORITY") || sn_is(w2, "DELAYED") ||
               sn_is(w2, "HIGH_PRIORITY")) {
            j = sn_word(h, j, &w2);
        }
        if (sn_is(w2, "INTO") || (w2.len == 0 && j < h.len && (h.p[j] == '[' || h.p[j] == '`'))) {
            return 90;
        }
    } else if (sn_is(w1, "CREATE")) {
        while (sn_is(w2, "TEMPORARY") || sn_is(w2, "TEMP") || sn_is(w2, "UNLOGGED") ||
               sn_is(w2, "OR") || sn_is(w2, "REPLACE")) {
            j = sn_word(h, j, &w2);
        }
        return sn_is(w2, "TABLE") ? 90 : 0;
    } else if (sn_is(w1, "COPY")) {
        return sn_contains(h, j, sn_stmt_end(h, j), "FROM stdin") ? 90 : 0;
    } else if ((sn_is(w1, "SET") && sn_is(w2, "NAMES")) ||
               (sn_is(w1, "DROP") && sn_is(w2, "TABLE"))) {
        return 85;
    } else {
        for (size_t k = 0; others[k] != NULL; k++) {
            if (sn_is(w1, others[k])) {
                return 0;
            }
        }
    }
    *known = false;
    return 0;
}

/* A dump tool's banner on a line of its own. */
static bool
sn_banner(struct lw_slice h)
{
    static const char *const banners[] = {"-- MySQL dump", "-- MariaDB dump",
                                          "-- PostgreSQL database dump", "-- phpMyAdmin SQL Dump",
                                          NULL};

    for (size_t i = 0; i < h.len; i++) {
        if (i > 0 && h.p[i - 1] != '\n') {
            continue;
        }
        for (size_t k = 0; banners[k] != NULL; k++) {
            if (lw_slice_starts_with(lw_slice_make(h.p + i, h.len - i),
                                     lw_slice_cstr(banners[k]))) {
                return true;
            }
        }
    }
    return false;
}

/* INSERT INTO with VALUES ( soon after it, anywhere in the head. */
static bool
sn_insert_later(struct lw_slice h)
{
    static const char needle[] = "INSERT INTO";

    for (size_t i = 0; i + sizeof(needle) - 1 <= h.len; i++) {
        size_t end;

        if (!lw_slice_eq_ci(lw_slice_make(h.p + i, sizeof(needle) - 1), LW_SLICE_LIT(needle))) {
            continue;
        }
        end = i + 512 < h.len ? i + 512 : h.len;
        for (size_t j = i + sizeof(needle) - 1; j + 6 <= end; j++) {
            if (lw_slice_eq_ci(lw_slice_make(h.p + j, 6), LW_SLICE_LIT("VALUES"))) {
                size_t k = sn_blank(h, j + 6, false);

                if (k < h.len && h.p[k] == '(') {
                    return true;
                }
            }
        }
    }
    return false;
}

int
sql_sniff_score(struct lw_slice head, const char *name_hint)
{
    int score = 0;
    size_t i = 0;
    struct lw_slice name = lw_slice_cstr(name_hint);

    if (lw_slice_starts_with(head, LW_SLICE_LIT("\xEF\xBB\xBF"))) {
        i = 3;
    }
    if (sn_banner(head)) {
        score = 95;
    }
    for (int n = 0; n < 64 && score < 90; n++) {
        bool known;
        int s;

        i = sn_blank(head, i, true);
        if (i >= head.len) {
            break;
        }
        s = sn_statement(head, i, &known);
        score = s > score ? s : score;
        if (!known) {
            break;
        }
        i = sn_stmt_end(head, i);
    }
    if (score == 0 && sn_insert_later(head)) {
        score = 60;
    }
    if (name.len >= 4 &&
        lw_slice_eq_ci(lw_slice_make(name.p + name.len - 4, 4), LW_SLICE_LIT(".sql"))) {
        score = score > 0 ? (score + 5 > 100 ? 100 : score + 5) : 10;
    }
    return score;
}
