/*
 * tests/unit/parsers/test_planted.c — planted identifiers, end to end through the parsers layer.
 *
 * tests/gen/gen-dumps writes a dump of every format (two CSVs, a mysqldump, a pg_dump, JSON Lines,
 * a JSON array, a combo list, a teaser paste, an HTML page) with known valid identifiers in many
 * surface forms and invalid look-alikes, and beside each dump the exact expectations
 * (DUMP.expect). This test runs the generator into a fresh temporary directory, then:
 *   - checks the generator's own self-test (its check-digit code against published examples);
 *   - runs every distinct planted surface form (planted.tsv) through the project's normalisers:
 *     a valid plant must normalise to the generator's value and be valid as no other kind, a
 *     look-alike must be valid as no kind at all — two independent implementations must agree;
 *   - for every dump: sniffs and scans it (document_scan, region FI, the file name as the hint),
 *     asserts the sniffed format is the intended one, collects every hit's (kind, normalised
 *     value) and compares the multiset with DUMP.expect exactly, then the per-kind found, unique
 *     and reject counts and, where the format defines it, the record count. A mismatch prints
 *     which values are missing or extra per kind.
 * The values are synthetic (gen-dumps makes them up), so printing them in a diff is fine.
 * PLANTED_SEED and PLANTED_RECORDS (environment) override the seed (1) and record count (200), for
 * soak runs over many seeds: for s in $(seq 1 50); do PLANTED_SEED=$s build/…/test_planted; done
 *
 * The alternative rejected: committed dumps with hand-written expectations. They rot when the
 * generator's coverage grows, and a few hundred hand-checked values cannot cover the surface forms
 * and look-alikes a generator produces for every seed.
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/num.h"
#include "parsers/document.h"
#include "tests/unit/lw_test.h"

#define GEN "tests/gen/gen-dumps"
#define KEY_MAX (32 + 1 + ID_VALUE_MAX + 1) /* "kind\tvalue" */
#define DIFF_SHOWN 25                       /* differences printed per kind */

struct entry {
    char key[KEY_MAX];
    unsigned long long count;
};

struct multiset {
    struct entry *e;
    size_t n, cap;
};

struct summary {
    unsigned long long found, unique, rejects;
    int seen;
};

struct expect {
    char format[32];
    long long records; /* -1: not defined for this format */
    struct multiset values;
    struct summary sum[ID_KIND_COUNT];
};

static void
ms_add(struct multiset *m, const char *key, unsigned long long count)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->e = realloc(m->e, m->cap * sizeof(*m->e));
        if (m->e == NULL) {
            abort();
        }
    }
    snprintf(m->e[m->n].key, KEY_MAX, "%s", key);
    m->e[m->n].count = count;
    m->n++;
}

static int
cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

/* Sort and merge equal keys, summing their counts. */
static void
ms_finish(struct multiset *m)
{
    size_t o = 0;

    if (m->n == 0) {
        return;
    }
    qsort(m->e, m->n, sizeof(*m->e), cmp_entry);
    for (size_t i = 1; i < m->n; i++) {
        if (strcmp(m->e[i].key, m->e[o].key) == 0) {
            m->e[o].count += m->e[i].count;
        } else {
            m->e[++o] = m->e[i];
        }
    }
    m->n = o + 1;
}

static int
kind_of(const char *name, size_t len)
{
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        const char *kn = identifiers_kind((enum id_kind)k)->name;

        if (strlen(kn) == len && memcmp(kn, name, len) == 0) {
            return k;
        }
    }
    return -1;
}

/* Split line at tabs into at most max fields (the line is modified). */
static size_t
split_tabs(char *line, char **f, size_t max)
{
    size_t n = 0;

    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = line;
        line = strchr(line, '\t');
        if (line == NULL) {
            break;
        }
        *line++ = '\0';
    }
    return n;
}

static unsigned long long
num_after(const char *s, const char *prefix)
{
    uint64_t v = 0;
    size_t pl = strlen(prefix);

    if (strncmp(s, prefix, pl) != 0 ||
        lw_parse_u64(lw_slice_cstr(s + pl), 0, UINT64_MAX, &v) != LW_OK) {
        return ~0ull;
    }
    return v;
}

static int
parse_summary(struct expect *ex, char **f, size_t n)
{
    int k = n == 5 ? kind_of(f[1], strlen(f[1])) : -1;

    if (k < 0) {
        return -1;
    }
    ex->sum[k].found = num_after(f[2], "found=");
    ex->sum[k].unique = num_after(f[3], "unique=");
    ex->sum[k].rejects = num_after(f[4], "rejects=");
    ex->sum[k].seen = 1;
    return 0;
}

/* Read DUMP.expect; 0 on success. */
static int
read_expect(const char *path, struct expect *ex)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;

    memset(ex, 0, sizeof(*ex));
    ex->records = -1;
    if (fp == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    while (rc == 0 && getline(&line, &cap, fp) > 0) {
        char *f[6];
        size_t n;
        char key[KEY_MAX];

        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        n = split_tabs(line, f, 6);
        if (n == 2 && strcmp(f[0], "format") == 0) {
            snprintf(ex->format, sizeof(ex->format), "%s", f[1]);
        } else if (n == 2 && strcmp(f[0], "records") == 0) {
            ex->records = (long long)num_after(f[1], "");
        } else if (strcmp(f[0], "summary") == 0) {
            rc = parse_summary(ex, f, n);
        } else if (n == 3 && kind_of(f[0], strlen(f[0])) >= 0) {
            snprintf(key, sizeof(key), "%s\t%s", f[0], f[1]);
            ms_add(&ex->values, key, num_after(f[2], ""));
        } else {
            rc = -1;
        }
        if (rc != 0) {
            fprintf(stderr, "%s: malformed line\n", path);
        }
    }
    free(line);
    fclose(fp);
    ms_finish(&ex->values);
    return rc;
}

static void
on_hit(void *user, enum id_kind kind, struct lw_slice value, unsigned flags)
{
    char key[KEY_MAX];

    (void)flags;
    snprintf(key, sizeof(key), "%s\t%.*s", identifiers_kind(kind)->name, (int)value.len, value.p);
    ms_add(user, key, 1);
}

/* Print the differences between want and got; returns how many keys differ. */
static size_t
diff_values(const char *dump, const struct multiset *want, const struct multiset *got)
{
    size_t i = 0, j = 0, bad = 0;
    size_t shown[ID_KIND_COUNT] = {0};

    while (i < want->n || j < got->n) {
        int c = i == want->n ? 1 : j == got->n ? -1 : strcmp(want->e[i].key, got->e[j].key);
        const struct entry *e = c <= 0 ? &want->e[i] : &got->e[j];
        unsigned long long w = c <= 0 ? want->e[i].count : 0;
        unsigned long long g = c >= 0 ? got->e[j].count : 0;
        int k = kind_of(e->key, strcspn(e->key, "\t"));

        if (w != g) {
            bad++;
            if (k >= 0 && shown[k]++ < DIFF_SHOWN) {
                fprintf(stderr, "  %s: %-7s %s (want %llu, got %llu)\n", dump,
                        w > g ? "missing" : "extra", e->key, w, g);
            }
        }
        i += c <= 0;
        j += c >= 0;
    }
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        if (shown[k] > DIFF_SHOWN) {
            fprintf(stderr, "  %s: ... %zu more %s differences\n", dump, shown[k] - DIFF_SHOWN,
                    identifiers_kind((enum id_kind)k)->name);
        }
    }
    return bad;
}

static unsigned long long
unique_of(const struct multiset *m, int kind)
{
    unsigned long long n = 0;

    for (size_t i = 0; i < m->n; i++) {
        n += kind_of(m->e[i].key, strcspn(m->e[i].key, "\t")) == kind;
    }
    return n;
}

/* Compare the counts of rep and the distinct hits with the summary lines; returns mismatches. */
static int
diff_counts(const char *dump, const struct expect *ex, const struct document_report *rep,
            const struct multiset *got)
{
    int bad = 0;

    for (int k = 0; k < ID_KIND_COUNT; k++) {
        const struct summary *s = &ex->sum[k];
        unsigned long long u = unique_of(got, k);

        if (!s->seen || s->found != rep->counts.found[k] || s->unique != u ||
            s->rejects != rep->counts.rejects[k]) {
            fprintf(stderr, "  %s: %-16s found %llu/%llu unique %llu/%llu rejects %llu/%llu "
                            "(want/got)\n",
                    dump, identifiers_kind((enum id_kind)k)->name, s->found,
                    (unsigned long long)rep->counts.found[k], s->unique, u, s->rejects,
                    (unsigned long long)rep->counts.rejects[k]);
            bad++;
        }
    }
    if (ex->records >= 0 && (unsigned long long)ex->records != rep->counts.records) {
        fprintf(stderr, "  %s: records want %lld, got %llu\n", dump, ex->records,
                (unsigned long long)rep->counts.records);
        bad++;
    }
    return bad;
}

/* Scan DIR/name and compare with DIR/name.expect; one test. */
static void
check_dump(const char *dir, const char *name, const char *format)
{
    char path[1024], epath[1100];
    struct expect ex;
    struct multiset got = {NULL, 0, 0};
    struct document_report rep;
    struct lw_error err = {0};
    struct id_context ctx = {"FI"};
    struct reader *r = NULL;
    int bad = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(epath, sizeof(epath), "%s.expect", path);
    if (read_expect(epath, &ex) != 0 || reader_open_file(path, &r, &err) != LW_OK ||
        document_scan(r, name, NULL, &ctx, NULL, on_hit, &got, &rep, &err) != LW_OK) {
        fprintf(stderr, "  %s: cannot scan: %s\n", name, err.msg);
        bad++;
    } else {
        ms_finish(&got);
        if (rep.format == NULL || strcmp(rep.format->name, format) != 0 ||
            strcmp(ex.format, format) != 0) {
            fprintf(stderr, "  %s: sniffed as %s, want %s\n", name,
                    rep.format != NULL ? rep.format->name : "?", format);
            bad++;
        }
        bad += (int)diff_values(name, &ex.values, &got);
        bad += diff_counts(name, &ex, &rep, &got);
    }
    reader_close(r);
    free(ex.values.e);
    free(got.e);
    if (bad != 0) {
        fprintf(stderr, "FAIL planted %s (%s): %d differences\n", name, format, bad);
        lw_test_failed++;
    } else {
        lw_test_passed++;
    }
}

/* One planted.tsv line against the project's normalisers; returns 0 when they agree. */
static int
cross_check_one(char **f)
{
    static const struct id_context ctx = {"FI"};
    int valid = strcmp(f[0], "valid") == 0;
    int kind = kind_of(f[1], strlen(f[1]));
    struct lw_slice in = lw_slice_cstr(f[3]);
    char out[ID_VALUE_MAX + 1];
    size_t len = 0;
    int bad = 0;

    if (kind < 0) {
        return 1;
    }
    for (int k = 0; k < ID_KIND_COUNT; k++) {
        enum lw_rc rc;

        /* email_domain is derived; dk_cpr is tried only where CPR numbers are planted */
        if (k == ID_EMAIL_DOMAIN || (k == ID_DK_CPR && valid && kind != ID_DK_CPR)) {
            continue;
        }
        rc = identifiers_normalise((enum id_kind)k, in, &ctx, out, &len);
        if (valid && k == kind) {
            if (rc != LW_OK || strcmp(out, f[2]) != 0) {
                fprintf(stderr, "  %s \"%s\": the normaliser says %s, gen-dumps %s\n", f[1], f[3],
                        rc == LW_OK ? out : "invalid", f[2]);
                bad = 1;
            }
        } else if (rc == LW_OK) {
            fprintf(stderr, "  %s %s \"%s\" is also a valid %s (%s)\n", f[0], f[1], f[3],
                    identifiers_kind((enum id_kind)k)->name, out);
            bad = 1;
        }
    }
    return bad;
}

/* Every planted surface through the project's normalisers; one test. */
static void
cross_check(const char *dir)
{
    char path[1024];
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    size_t lines = 0, bad = 0;

    snprintf(path, sizeof(path), "%s/planted.tsv", dir);
    fp = fopen(path, "r");
    while (fp != NULL && getline(&line, &cap, fp) > 0) {
        char *f[4];

        lines++;
        if (split_tabs(line, f, 4) != 4 || cross_check_one(f) != 0) {
            bad++;
        }
    }
    free(line);
    if (fp != NULL) {
        fclose(fp);
    }
    if (lines == 0 || bad != 0) {
        fprintf(stderr, "FAIL planted.tsv: %zu of %zu surfaces disagree with the normalisers\n",
                bad, lines);
        lw_test_failed++;
    } else {
        lw_test_passed++;
    }
}

static void
check_cmd(const char *what, const char *cmd)
{
    int rc = system(cmd); /* NOLINT(cert-env33-c): running the generator is the point */

    if (rc != 0) {
        fprintf(stderr, "FAIL %s: `%s` exited %d\n", what, cmd, rc);
        lw_test_failed++;
    } else {
        lw_test_passed++;
    }
}

static int
remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static unsigned long long
env_num(const char *name, unsigned long long dflt)
{
    const char *v = getenv(name);
    uint64_t n = 0;

    if (v == NULL || lw_parse_u64(lw_slice_cstr(v), 0, 1000000000, &n) != LW_OK) {
        return dflt;
    }
    return n;
}

int
main(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], cmd[1200], path[600];
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    int dumps = 0;

    snprintf(dir, sizeof(dir), "%s/lw-planted-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    check_cmd("gen-dumps self-test", GEN " --self-test >/dev/null");
    snprintf(cmd, sizeof(cmd), GEN " --out '%s' --seed %llu --records %llu", dir,
             env_num("PLANTED_SEED", 1), env_num("PLANTED_RECORDS", 200));
    check_cmd("gen-dumps", cmd);
    cross_check(dir);
    snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
    fp = fopen(path, "r");
    while (fp != NULL && getline(&line, &cap, fp) > 0) {
        char *f[2];

        if (split_tabs(line, f, 2) == 2) {
            check_dump(dir, f[0], f[1]);
            dumps++;
        }
    }
    if (fp != NULL) {
        fclose(fp);
    }
    if (dumps != 9) { /* two csv, two sql, two json, combo, text, html */
        fprintf(stderr, "FAIL manifest.tsv lists %d dumps, want 9\n", dumps);
        lw_test_failed++;
    }
    free(line);
    if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    return LW_TEST_END();
}
