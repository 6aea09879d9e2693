#!/bin/sh
# bench/stats.sh — `leakwatch stats --by D --format csv` for every dimension on a database of about
# a million hits, each beside the bare counting query for that dimension through psql in the same
# run, as a ratio; and the research role's path, research.stats('kind', 10). No pass/fail.
#
#   bench/stats.sh                  (make bench runs it after bench/enroll.sh)
#   BENCH_STATS_HITS=1000000        hits drawn (a few percent merge: one row per identifier per document)
#   LEAKWATCH_BIN=build/release/leakwatch   the binary under test
#
# One run starts a throwaway cluster (scripts/pg-cluster start --fast: fsync off, as in the tests),
# migrates it and fills it with SQL alone (no ingest, no key: the statistics read counts, kinds,
# countries and hashes, never a value), seeded, so every run holds the same data:
#   - 6 sources (one with 5 documents, so suppression has work to do) and BENCH_STATS_HITS/100
#     documents over the 24 months of 2023-2024, more of them later, about 4 % without a source;
#   - hits drawn as (document, identifier): the document long-tailed (random()^2: a few large
#     dumps, many small ones), the identifier new in 62 % of draws, else from a pool of 300,000
#     where random()^4 makes a few appear in thousands of documents — most identifiers end up in
#     one document, some in 10+. Merged per (document, identifier), occurrences the count; hash
#     sha256(int8send(identifier)), 32 bytes; kind and country a function of the identifier (9
#     kinds; national numbers their country, phones and IBANs a spread, most e-mail none, a
#     handful of LU phones below k);
#   - documents' counts from their hits; then VACUUM ANALYZE and CHECKPOINT, as autovacuum would
#     leave a quiet database.
# Then, per dimension, three alternating rounds of
#   - `leakwatch stats --by D --format csv` (lw_stats: lw_stats_raw, then suppression, then the
#     client's formatting), wall clock under GNU time;
#   - the reference: the same counting as lw_stats_raw for D written as plain SQL — the grouped
#     query and the total query, with the same joins, GROUP BY and order, rows instead of arrays,
#     no suppression — through `psql -f`, with max_parallel_workers_per_gather = 0. PL/pgSQL runs
#     SELECT … INTO with a row count, and PostgreSQL executes any plan with a row count serially,
#     so lw_stats never uses parallel workers; the bare queries at the top level would (country:
#     each worker then builds the whole per-hash aggregate again — on a busy two-core machine
#     slower than one process, 5.7 s against 4.1 s). Serial on both sides, the ratio compares the
#     same plans.
# Best of three each. Both sides start a process and connect, so what the ratio shows is what
# lw_stats adds to the counting it cannot avoid (PL/pgSQL, arrays, suppression, formatting).
# Then `SELECT * FROM research.stats('kind', 10)` through psql as leakwatch_research (SET ROLE),
# best of three, beside the kind reference. Every visible cell leakwatch printed is checked against
# the reference's raw count, so the two are known to count the same thing.
# On a shared machine the wall measures the neighbours too, so the load average is printed.
set -eu
cd "$(dirname "$0")/.."
LW=${LEAKWATCH_BIN:-build/release/leakwatch}
HITS=${BENCH_STATS_HITS:-1000000}
PGC=scripts/pg-cluster
DIMS="kind source month country overlap"
ROUNDS="1 2 3"
me=bench/stats.sh

die() {
    echo "$me: $*" >&2
    exit 1
}

for tool in /usr/bin/time python3 psql; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "$me: $tool is missing (scripts/install-deps bench run test)" >&2
        exit 2
    }
done
[ -x "$LW" ] || { echo "$me: no $LW (make leakwatch)" >&2; exit 2; }
case $HITS in
    *[!0-9]* | "" | 0*) die "BENCH_STATS_HITS: not a positive number: $HITS" ;;
esac
DOCS=$((HITS / 100))
[ "$DOCS" -ge 10 ] || DOCS=10

# -- a throwaway cluster, gone on exit
for v in $(env | sed -n 's/^\(PG[A-Z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
unset LEAKWATCH_DB
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lw-bench-stats-XXXXXX")
# As root the server runs as postgres, which must be able to pass through to $tmp/pg.
[ "$(id -u)" -ne 0 ] || chmod 0711 "$tmp"
# shellcheck disable=SC2317 # reached through the traps
cleanup() {
    trap - EXIT INT TERM HUP
    "$PGC" destroy "$tmp/pg" >"$tmp/pg-cluster.out" 2>&1 || cat "$tmp/pg-cluster.out" >&2
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 129' HUP
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

"$PGC" start "$tmp/pg" --fast >"$tmp/pg-cluster.out" 2>&1 || {
    cat "$tmp/pg-cluster.out" >&2
    die "could not start a throwaway PostgreSQL cluster in $tmp/pg"
}
eval "$("$PGC" env "$tmp/pg")"
"$LW" db migrate >/dev/null || die "db migrate failed"

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# -- the data
echo "$me: filling the database ($HITS hits drawn over $DOCS documents)..." >&2
psql -X -q -At -v ON_ERROR_STOP=1 -v hits="$HITS" -v docs="$DOCS" >"$tmp/fill.out" \
    2>"$tmp/fill.err" <<'EOF' || { tail -n 5 "$tmp/fill.err" >&2; die "filling the database failed"; }
SELECT setseed(0.31);
INSERT INTO sources (id, name, kind, url, region) VALUES
    (1, 'dump-uploads', 'file', NULL, 'FI'),
    (2, 'paste-index', 'index', 'http://pasteexample.onion/', NULL),
    (3, 'forum-leaks', 'page', 'http://forumexample.onion/leaks', NULL),
    (4, 'market-board', 'page', 'http://marketexample.onion/board', 'SE'),
    (5, 'tg-mirror', 'index', 'http://mirrorexample.onion/', NULL),
    (6, 'manual-review', 'file', NULL, 'NO');
SELECT setval(pg_get_serial_sequence('sources', 'id'), 6);

INSERT INTO documents (id, content_hash, source_id, label, format, region, bytes, records,
                       records_with_hits, identifiers, distinct_identifiers, summary, first_seen)
SELECT i, sha256(convert_to('doc' || i, 'UTF8')),
       CASE WHEN i % 2000 = 0 THEN 6
            WHEN r < 0.04 THEN NULL
            WHEN r < 0.40 THEN 1 WHEN r < 0.70 THEN 2 WHEN r < 0.88 THEN 3
            WHEN r < 0.97 THEN 4 ELSE 5 END,
       'doc-' || i, (ARRAY['csv', 'sql', 'html', 'json', 'text', 'combo'])[1 + i % 6],
       (ARRAY['FI', 'SE', NULL])[1 + i % 3], 0, 0, 0, 0, 0, '{}',
       timestamptz '2023-01-01 00:00Z' + sqrt(random()) * interval '730 days'
  FROM (SELECT i, random() AS r FROM generate_series(1, :docs) i) g;
SELECT setval(pg_get_serial_sequence('documents', 'id'), :docs);

CREATE TEMP TABLE draws AS
SELECT 1 + floor(:docs * random() ^ 2)::bigint AS doc,
       CASE WHEN random() < 0.62 THEN 100000000 + i
            ELSE floor(300000 * random() ^ 4)::bigint END AS ident
  FROM generate_series(1, :hits) i;

INSERT INTO hits (document_id, hash, kind, flags, occurrences, first_seen, country)
SELECT g.doc, sha256(int8send(g.ident)), k.kind, (g.ident % 4)::smallint, g.n, d.first_seen,
       CASE WHEN k.kind = 3 THEN 'FI' WHEN k.kind = 4 THEN 'SE' WHEN k.kind = 5 THEN 'NO'
            WHEN k.kind = 6 THEN 'DK'
            WHEN k.kind = 2 AND g.ident % 100000 = 7 THEN 'LU'
            WHEN k.kind = 2 THEN
                (ARRAY['FI', 'FI', 'FI', 'SE', 'SE', 'NO', 'DK', 'EE', 'DE', 'IS'])[1 + g.c % 10]
            WHEN k.kind = 7 THEN (ARRAY['FI', 'FI', 'SE', 'DE', 'NL', 'LT'])[1 + g.c % 6]
            WHEN k.kind = 8 OR g.c % 10 < 7 THEN NULL
            ELSE (ARRAY['FI', 'SE', 'EE'])[1 + g.c % 3] END
  FROM (SELECT doc, ident, count(*)::int AS n, (ident * 40503) % 1000 AS c
          FROM draws GROUP BY doc, ident) g
  JOIN documents d ON d.id = g.doc
 CROSS JOIN LATERAL (
        SELECT CASE WHEN p < 40 THEN 0 WHEN p < 48 THEN 1 WHEN p < 68 THEN 2 WHEN p < 77 THEN 3
                    WHEN p < 83 THEN 4 WHEN p < 87 THEN 5 WHEN p < 90 THEN 6 WHEN p < 96 THEN 7
                    ELSE 8 END::smallint AS kind
          FROM (SELECT (g.ident * 2654435761) % 100 AS p) q) k;

UPDATE documents d
   SET records = s.n + s.n / 3 + 10, records_with_hits = s.n, identifiers = s.occ,
       distinct_identifiers = s.n, bytes = (s.n + s.n / 3 + 10) * 180
  FROM (SELECT document_id, count(*) AS n, sum(occurrences) AS occ FROM hits GROUP BY 1) s
 WHERE s.document_id = d.id;
UPDATE documents SET records = 50, bytes = 9000 WHERE records = 0;
EOF
sql "VACUUM ANALYZE"
sql "SELECT (SELECT count(*) FROM hits), (SELECT count(DISTINCT hash) FROM hits),
            (SELECT count(*) FROM documents), (SELECT count(*) FROM sources),
            pg_total_relation_size('hits')" >"$tmp/shape"

# -- the references: lw_stats_raw's counting per dimension, as rows "label|docs|recs|ids"
cat >"$tmp/ref-kind.sql" <<'EOF'
SELECT k.name, c.d, NULL, c.i
  FROM (SELECT h.kind, count(DISTINCT h.document_id) AS d, count(DISTINCT h.hash) AS i
          FROM hits h GROUP BY h.kind) c
  JOIN id_kinds k ON k.id = c.kind
 ORDER BY k.id;
SELECT 'total', count(DISTINCT h.document_id), NULL, count(DISTINCT h.hash) FROM hits h;
EOF
cat >"$tmp/ref-source.sql" <<'EOF'
WITH per AS (
    SELECT d.source_id, count(*) AS d, sum(d.records)::bigint AS r
      FROM documents d GROUP BY d.source_id),
idn AS (
    SELECT d.source_id, count(DISTINCT h.hash) AS i
      FROM hits h JOIN documents d ON d.id = h.document_id GROUP BY d.source_id),
lab AS (
    SELECT per.*, coalesce(idn.i, 0) AS i, coalesce(s.name, '(none)') AS name,
           s.name IS NULL AS nosrc
      FROM per LEFT JOIN idn ON idn.source_id IS NOT DISTINCT FROM per.source_id
      LEFT JOIN sources s ON s.id = per.source_id)
SELECT name, d, r, i FROM lab ORDER BY nosrc, name COLLATE "C", source_id;
SELECT 'total', t.d, t.r, u.i
  FROM (SELECT count(*) AS d, coalesce(sum(d.records), 0)::bigint AS r FROM documents d) t,
       (SELECT count(DISTINCT h.hash) AS i FROM hits h) u;
EOF
cat >"$tmp/ref-month.sql" <<'EOF'
WITH per AS (
    SELECT to_char(d.first_seen AT TIME ZONE 'UTC', 'YYYY-MM') AS m, count(*) AS d,
           sum(d.records)::bigint AS r
      FROM documents d GROUP BY 1),
fs AS (
    SELECT min(d.first_seen) AS f
      FROM hits h JOIN documents d ON d.id = h.document_id GROUP BY h.hash),
idn AS (
    SELECT to_char(f AT TIME ZONE 'UTC', 'YYYY-MM') AS m, count(*) AS i FROM fs GROUP BY 1)
SELECT per.m, per.d, per.r, coalesce(idn.i, 0)
  FROM per LEFT JOIN idn ON idn.m = per.m ORDER BY per.m;
SELECT 'total', t.d, t.r, u.i
  FROM (SELECT count(*) AS d, coalesce(sum(d.records), 0)::bigint AS r FROM documents d) t,
       (SELECT count(DISTINCT h.hash) AS i FROM hits h) u;
EOF
cat >"$tmp/ref-country.sql" <<'EOF'
WITH hc AS (
    SELECT h.hash, max(h.country) AS cc FROM hits h GROUP BY h.hash),
per AS (
    SELECT coalesce(hc.cc, '(unknown)') AS c, count(DISTINCT h.document_id) AS d,
           count(DISTINCT h.hash) AS i
      FROM hits h JOIN hc ON hc.hash = h.hash GROUP BY 1)
SELECT c, d, NULL, i FROM per ORDER BY i DESC, c;
SELECT 'total', count(DISTINCT h.document_id), NULL, count(DISTINCT h.hash) FROM hits h;
EOF
cat >"$tmp/ref-overlap.sql" <<'EOF'
WITH per_hash AS (
    SELECT least(count(DISTINCT h.document_id), 10) AS n FROM hits h GROUP BY h.hash)
SELECT CASE WHEN n >= 10 THEN '10+' ELSE n::text END, NULL, NULL, c
  FROM (SELECT n, count(*) AS c FROM per_hash GROUP BY n) g ORDER BY n;
SELECT 'total', NULL, NULL, count(DISTINCT h.hash) FROM hits h;
EOF

# timed NAME CMD…: CMD's stdout into NAME.out, GNU time's wall into NAME.time.
timed() {
    name=$1
    shift
    /usr/bin/time -f '%e' -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || {
        tail -n 5 "$tmp/$name.err" >&2
        die "$name failed: $*"
    }
}

sql CHECKPOINT
load_start=$(loadavg)
for dim in $DIMS; do
    for i in $ROUNDS; do
        timed "lw-$dim-$i" "$LW" stats --by "$dim" --format csv
        timed "ref-$dim-$i" psql -X -q -At -v ON_ERROR_STOP=1 \
            -c "SET max_parallel_workers_per_gather = 0" -f "$tmp/ref-$dim.sql"
    done
done
for i in $ROUNDS; do
    timed "research-$i" psql -X -q -At -v ON_ERROR_STOP=1 -c "SET ROLE leakwatch_research" \
        -c "SELECT * FROM research.stats('kind', 10)"
done
load_end=$(loadavg)
postgres=$(sql "SHOW server_version" | cut -d' ' -f1)
settings=$(sql "SELECT current_setting('shared_buffers') || ', work_mem ' ||
                       current_setting('work_mem')")

python3 - "$tmp" "$DIMS" "$ROUNDS" "$load_start" "$load_end" "$postgres" "$settings" <<'EOF'
import csv, os, sys
tmp, dims, rounds, load_start, load_end, postgres, settings = sys.argv[1:]
dims, rounds = dims.split(), rounds.split()

def best(name):
    return max(min(float(open("%s/%s-%s.time" % (tmp, name, i)).read().split()[-1])
                   for i in rounds), 0.01)

# The slowest of the rounds over the best, worst over the figures: how much the neighbours moved it.
def spread(names):
    w = [[float(open("%s/%s-%s.time" % (tmp, n, i)).read().split()[-1]) for i in rounds]
         for n in names]
    return max(max(t) / max(min(t), 0.01) for t in w)

def ref_rows(dim):
    rows = {}
    for line in open("%s/ref-%s-1.out" % (tmp, dim)):
        f = line.rstrip("\n").split("|")
        rows[f[0]] = [int(x) if x else None for x in f[1:4]]
    return rows

# Every visible cell leakwatch printed must be the reference's raw count: else the two do not
# count the same thing, and the ratio means nothing.
bad, suppressed, cells = [], 0, 0
for dim in dims:
    ref = ref_rows(dim)
    with open("%s/lw-%s-1.out" % (tmp, dim), newline="") as f:
        got = list(csv.DictReader(f))
    if set(r["label"] for r in got) != set(ref):
        bad.append("%s: rows differ" % dim)
        continue
    for r in got:
        for j, m in enumerate(("documents", "records", "identifiers")):
            if r[m] == "":
                suppressed += m in r["suppressed"].split()
                continue
            cells += 1
            if int(r[m]) != ref[r["label"]][j]:
                bad.append("%s %s %s: %s, raw %s" % (dim, r["label"], m, r[m], ref[r["label"]][j]))

# research.stats at k 10 is lw_stats at k 10: the kind table leakwatch printed (NULL: empty).
research = [line.split("|")[:4] for line in open(tmp + "/research-1.out").read().splitlines()]
with open("%s/lw-kind-1.out" % tmp, newline="") as f:
    if research != [[r["label"], r["documents"], r["records"], r["identifiers"]]
                    for r in csv.DictReader(f)]:
        bad.append("research.stats('kind', 10) differs from leakwatch stats --by kind")

hits, distinct, docs, sources, size = (int(x) for x in open(tmp + "/shape").read().split("|"))
over = ref_rows("overlap")
print("\nstatistics: leakwatch stats --by D --format csv on a throwaway PostgreSQL (GNU time, wall "
      "clock, best of %d alternating rounds each)" % len(rounds))
print("  %-30s %10s %10s %8s   %s" % ("figure", "leakwatch", "reference", "ratio", "reference"))
print("-" * 112)
print("%d hits (%.0f MB with indexes), %d distinct identifiers, %d documents, %d sources, %d months; "
      "%d identifiers in 1 document, %d in 10+"
      % (hits, size / 1e6, distinct, docs, sources, len(ref_rows("month")) - 1, over["1"][2],
         over.get("10+", [0, 0, 0])[2]))

def row(figure, mine, ref, what):
    print("  %-30s %10.2f %10.2f %8.3f   %s" % (figure, mine, ref, mine / ref, what))

for dim in dims:
    n = len(ref_rows(dim)) - 1
    row("stats --by %s, s" % dim, best("lw-" + dim), best("ref-" + dim),
        "bare counting query, psql, serial (%d rows + total)" % n)
row("research.stats('kind', 10), s", best("research"), best("ref-kind"),
    "the bare kind query (research: psql as leakwatch_research)")
if bad:
    print("MISMATCH: leakwatch and the bare queries disagree: %s" % "; ".join(bad[:5]))
else:
    print("(ratio = leakwatch / reference; all %d visible cells equal the bare queries' counts, "
          "%d suppressed)" % (cells, suppressed))
print("(slowest round / best, at most: leakwatch %.2f, reference %.2f, research %.2f)"
      % (spread(["lw-" + d for d in dims]), spread(["ref-" + d for d in dims]),
         spread(["research"])))
print("context: %d cores, load average %s at the start and %s at the end; PostgreSQL %s "
      "(fsync off, shared_buffers %s)" % (os.cpu_count(), load_start, load_end, postgres, settings))
EOF
