#!/bin/sh
# The research role end to end, through psql as a login role in leakwatch_research, on documents
# stored by `leakwatch ingest`: research.stats and every research view work; no table, no hash,
# not lw_stats (any k) nor lw_stats_raw (unsuppressed) nor lw_stats_suppress; no view and no
# research.stats call shows a cell below 10 (k = 1 asked for is raised); no view has a bytea
# column; and on every view, for every measure whose cells add up to the total, total − the
# visible cells is 0 with nothing suppressed, or at least 10 with at least two cells suppressed.
# Ingest also fills hits.country (phones, national numbers, e-mail ccTLDs) for --by country.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1

write_key "$T/key" 3
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
out="" err="" rc=0
"$root/tests/gen/gen-dumps" --out d --seed 11 --records 300 >gen.log 2>&1
rc=$?
expect "gen-dumps wrote the dumps" [ "$rc" -eq 0 ]

PGDATABASE=$(newdb statspriv) || exit 1
export PGDATABASE
run db migrate
expect "migrate: exit 0" [ "$rc" -eq 0 ]
n=0
for f in d/*; do
    n=$((n + 1))
    # three labels, so the source table has cells of several sizes
    run ingest --region FI --label "src$((n % 3))" "$f"
    expect "ingest $f: exit 0" [ "$rc" -eq 0 ]
done
expect "documents stored" [ "$(q "SELECT count(*) FROM documents")" -ge 3 ]
expect "ingest stored countries of hits" \
    [ "$(q "SELECT count(*) FROM hits WHERE country = 'FI'")" -gt 0 ]
expect "only two-letter countries" \
    [ "$(q "SELECT count(*) FROM hits WHERE country !~ '^[A-Z]{2}\$'")" -eq 0 ]
expect "e-mail ccTLDs and phones give more than one country" \
    [ "$(q "SELECT count(DISTINCT country) FROM hits")" -ge 2 ]
expect "payment cards have none" \
    [ "$(q "SELECT count(*) FROM hits WHERE kind = 8 AND country IS NOT NULL")" -eq 0 ]
expect "no research view has a bytea column" \
    [ "$(q "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'research' AND data_type = 'bytea'")" -eq 0 ]

research=$(newrole statsres leakwatch_research) || exit 1
rq() { PGUSER=$research q "$1"; }

views="kinds sources months countries overlap"
for v in $views; do
    out=$(rq "SELECT count(*) FROM research.$v" 2>&1)
    rc=$?
    expect "research role: SELECT research.$v" [ "$rc" -eq 0 ]
    expect "research role: research.$v has rows" [ "$out" -gt 1 ]
done
for by in kind source month country overlap; do
    out=$(rq "SELECT count(*) FROM research.stats('$by', 1)" 2>&1)
    rc=$?
    expect "research role: research.stats('$by')" [ "$rc" -eq 0 ]
done

# nothing below 10, whatever k is asked for
for by in kind source month country overlap; do
    out=$(rq "SELECT count(*) FROM research.stats('$by', 1)
              WHERE documents < 10 OR records < 10 OR identifiers < 10" 2>&1)
    rc=$?
    expect "research.stats('$by', 1): no cell below 10" [ "$rc-$out" = 0-0 ]
done
out=$(rq "SELECT count(*) FROM research.stats('source', 1)
          WHERE documents_suppressed OR records_suppressed OR identifiers_suppressed" 2>&1)
expect "research.stats: some cells are suppressed (the check above is not empty)" [ "$out" -gt 0 ]
cols_kinds="documents identifiers"
cols_sources="documents records identifiers"
cols_months="documents records identifiers"
cols_countries="documents identifiers"
cols_overlap="identifiers"
for v in $views; do
    eval "cols=\$cols_$v"
    for c in $cols; do
        out=$(rq "SELECT count(*) FROM research.$v WHERE $c < 10" 2>&1)
        rc=$?
        expect "research.$v: no $c cell below 10" [ "$rc-$out" = 0-0 ]
    done
done

# differencing on what the research role sees: additive measures only (a document holds several
# kinds and countries, an identifier may be in several sources: those cells overlap)
for vc in sources:documents sources:records months:documents months:records \
    months:identifiers kinds:identifiers countries:identifiers overlap:identifiers; do
    v=${vc%%:*} c=${vc#*:}
    out=$(rq "SELECT CASE
                  WHEN bool_or(is_total AND ${c}_suppressed) THEN 'ok'
                  WHEN count(*) FILTER (WHERE NOT is_total AND ${c}_suppressed) = 0
                      THEN CASE WHEN max($c) FILTER (WHERE is_total)
                                     = coalesce(sum($c) FILTER (WHERE NOT is_total), 0)
                                THEN 'ok' ELSE 'visible cells do not add up' END
                  WHEN count(*) FILTER (WHERE NOT is_total AND ${c}_suppressed) = 1
                      THEN 'one cell suppressed'
                  WHEN max($c) FILTER (WHERE is_total)
                       - coalesce(sum($c) FILTER (WHERE NOT is_total), 0) < 10
                      THEN 'total - visible below 10'
                  ELSE 'ok' END
              FROM research.$v" 2>&1)
    rc=$?
    expect "research.$v $c: differencing pins no cell ($out)" [ "$out" = ok ]
done

# refused: every table (hashes above all) and the functions without the floor
for t in hits documents sources researchers clinics watchlist alerts schema_version; do
    err=$(rq "SELECT * FROM $t LIMIT 1" 2>&1)
    rc=$?
    expect "research role: no SELECT on $t" [ "$rc" -ne 0 ]
    expect "research role: $t is permission denied" contains "$err" "permission denied"
done
err=$(rq "SELECT encode(hash, 'hex') FROM hits LIMIT 1" 2>&1)
rc=$?
expect "research role: no hash" contains "$err" "permission denied"
for f in "lw_stats('kind', 1)" "lw_stats_raw('kind')" "lw_stats_suppress('{1,2}', 3, 1)"; do
    err=$(rq "SELECT * FROM $f" 2>&1)
    rc=$?
    expect "research role: $f refused" [ "$rc" -ne 0 ]
    expect "research role: $f is permission denied" contains "$err" "permission denied for function"
done
err=$(rq "SELECT * FROM research.stats('hits', 10)" 2>&1)
rc=$?
expect "research role: an unknown dimension is an error" contains "$err" "unknown statistics dimension"
# functions belong to no one by default: PUBLIC holds no EXECUTE on any statistics function
expect "PUBLIC may execute no statistics function" \
    [ "$(q "SELECT count(*) FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
            WHERE p.proname IN ('lw_stats', 'lw_stats_raw', 'lw_stats_suppress', 'stats')
              AND a.grantee = 0")" -eq 0 ]

finish
