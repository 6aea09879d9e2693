#!/bin/sh
# leakwatch db migrate / db status against a real PostgreSQL (tests/pg/with-cluster): the first
# migrate takes an empty database to the latest version, a second changes nothing (pg_dump
# --schema-only identical), four at once on a fresh database all succeed and apply each migration
# once; the roles: leakwatch_research reads the research views and research.stats and no table
# nor lw_stats, leakwatch_app can run ingest (including a document that spills to a temporary
# table) and compute the statistics; the exit codes of an unreachable database (4), an unmigrated
# one (2) and a missing key file (2).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1

latest=$(find "$root/storage/migrations" -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
write_key "$T/key" 1
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
out="" err="" rc=0
"$root/tests/gen/gen-dumps" --out d --seed 7 --records 1000 --dumps csv-comma.csv,combo.txt \
    >gen.log 2>&1
rc=$?
expect "gen-dumps wrote the dumps" [ "$rc" -eq 0 ]

# -- an empty database: status, migrate, migrate again
PGDATABASE=$(newdb migrate) || exit 1
export PGDATABASE
run db status
expect "status before: exit 0" [ "$rc" -eq 0 ]
expect "status before: schema version 0" contains "$out" "schema:    version 0 (this leakwatch: $latest)"
expect "status before: says to migrate" contains "$out" "run 'leakwatch db migrate'"
expect "status before: names the database" contains "$out" "database $PGDATABASE"

run db migrate
expect "migrate: exit 0" [ "$rc" -eq 0 ]
expect "migrate: says 0 -> latest" contains "$out" "from schema version 0 to $latest"
expect "migrate: names the database" contains "$out" "$PGDATABASE"
expect "migrate: one schema_version row per migration" \
    [ "$(q "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version")" = \
      "$(seq -s, 1 "$latest")" ]
for t in id_kinds sources documents hits researchers research.kinds research.months \
    research.sources research.countries research.overlap; do
    expect "migrate created $t" [ "$(q "SELECT to_regclass('$t') IS NOT NULL")" = t ]
done
# pg_dump's \restrict line carries a random key (PostgreSQL 13.22, 14.19, 15.14, … on): leave it out
schema() { pg_dump --schema-only | grep -v '^\\\(un\)\{0,1\}restrict '; }
schema >schema1.sql
expect "pg_dump --schema-only works" [ -s schema1.sql ]

run db migrate
expect "migrate again: exit 0" [ "$rc" -eq 0 ]
expect "migrate again: up to date" contains "$out" "schema is up to date (version $latest)"
schema >schema2.sql
expect "migrate again: the schema is unchanged" cmp -s schema1.sql schema2.sql
expect "migrate again: still one row per migration" \
    [ "$(q "SELECT count(*) FROM schema_version")" = "$latest" ]

run db status
expect "status after: exit 0" [ "$rc" -eq 0 ]
expect "status after: schema version latest" contains "$out" "schema:    version $latest (this leakwatch: $latest)"
expect "status after: no advice to migrate" lacks "$out" "run 'leakwatch db migrate'"
expect "status after: counts" contains "$out" "0 documents, 0 hits, 0 distinct identifiers, 0 sources"

# -- four migrations started at once on one fresh database
PGDATABASE=$(newdb concurrent) || exit 1
for i in 1 2 3 4; do
    "$LW" db migrate >"c$i.out" 2>"c$i.err" &
    eval "pid$i=\$!"
done
for i in 1 2 3 4; do
    eval "wait \$pid$i"
    rc=$?
    out=$(cat "c$i.out") err=$(cat "c$i.err")
    expect "concurrent migrate $i: exit 0" [ "$rc" -eq 0 ]
done
out=$(cat c1.out c2.out c3.out c4.out) err=$(cat c1.err c2.err c3.err c4.err)
expect "concurrent: exactly one migrated" \
    [ "$(cat c1.out c2.out c3.out c4.out | grep -c "from schema version 0 to $latest")" -eq 1 ]
expect "concurrent: the other three found it up to date" \
    [ "$(cat c1.out c2.out c3.out c4.out | grep -c "schema is up to date (version $latest)")" -eq 3 ]
expect "concurrent: one schema_version row per migration" \
    [ "$(q "SELECT count(*) || ' ' || count(DISTINCT version) || ' ' || min(version) || ' ' || max(version) FROM schema_version")" = "$latest $latest 1 $latest" ]
schema >schema3.sql
expect "concurrent: the same schema as one migrate" cmp -s schema1.sql schema3.sql

# -- roles
expect "role leakwatch_app exists" [ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'leakwatch_app'")" = 1 ]
expect "role leakwatch_research exists" \
    [ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'leakwatch_research'")" = 1 ]
PGDATABASE=$(newdb roles) || exit 1
run db migrate
expect "roles database: migrate" [ "$rc" -eq 0 ]
app=$(newrole app leakwatch_app) || exit 1
research=$(newrole research leakwatch_research) || exit 1

# the app role stores documents: one that fits in memory, one that spills to a temporary table
runenv PGUSER="$app" ingest --json --region FI d/combo.txt
expect "app role: ingest exit 0" [ "$rc" -eq 0 ]
expect "app role: stored" [ "$(jget status)" = stored ]
runenv PGUSER="$app" ingest --json --region FI --memory 64K d/csv-comma.csv
expect "app role: ingest of a spilling document: exit 0" [ "$rc" -eq 0 ]
expect "app role: stored it" [ "$(jget status)" = stored ]
expect "app role: it did spill" contains "$out" '"spilled":true'
runenv PGUSER="$app" ingest --json --region FI d/combo.txt
expect "app role: a duplicate" [ "$(jget status)" = duplicate ]
expect "app role: the documents are in" [ "$(q "SELECT count(*) FROM documents")" = 2 ]
# (the app role may not rewrite the schema version or the kinds)
err=$(PGUSER=$app q "DELETE FROM schema_version" 2>&1)
rc=$?
expect "app role: no DELETE on schema_version" contains "$err" "permission denied"
err=$(PGUSER=$app q "INSERT INTO id_kinds VALUES (99, 'x')" 2>&1)
rc=$?
expect "app role: no INSERT on id_kinds" contains "$err" "permission denied"

# the research role: the aggregate views and research.stats, nothing else
for v in research.kinds research.months research.sources research.countries research.overlap \
    "research.stats('kind')"; do
    out=$(PGUSER=$research q "SELECT count(*) FROM $v" 2>&1)
    rc=$?
    expect "research role: SELECT $v" [ "$rc" -eq 0 ]
done
out=$(PGUSER=$research q "SELECT count(*) FROM research.kinds" 2>&1)
rc=$?
expect "research role: research.kinds shows the stored kinds" [ "$out" -gt 0 ]
for t in hits documents sources schema_version; do
    err=$(PGUSER=$research q "SELECT * FROM $t LIMIT 1" 2>&1)
    rc=$?
    expect "research role: no SELECT on $t" [ "$rc" -ne 0 ]
    expect "research role: $t is permission denied" contains "$err" "permission denied"
done
err=$(PGUSER=$research q "INSERT INTO sources (name, kind) VALUES ('x', 'file')" 2>&1)
rc=$?
expect "research role: no INSERT on sources" contains "$err" "permission denied"
for f in "lw_stats('kind', 1)" "lw_stats_raw('kind')"; do
    err=$(PGUSER=$research q "SELECT * FROM $f" 2>&1)
    rc=$?
    expect "research role: $f is permission denied" contains "$err" "permission denied"
done
# the app role computes statistics (leakwatch stats, and GET /v1/stats through research.stats)
for f in "lw_stats('source', 10)" "research.stats('source', 10)"; do
    out=$(PGUSER=$app q "SELECT count(*) FROM $f" 2>&1)
    rc=$?
    expect "app role: SELECT $f" [ "$rc" -eq 0 ]
done

# -- exit codes
for cmd in "db migrate" "db status" "ingest d/combo.txt"; do
    # shellcheck disable=SC2086 # $cmd is the command and its arguments
    runenv LEAKWATCH_DB='host=/nonexistent dbname=x' $cmd
    expect "unreachable database: $cmd exits 4" [ "$rc" -eq 4 ]
    expect "unreachable database: $cmd names the socket" contains "$err" "/nonexistent"
    expect "unreachable database: $cmd names the database" contains "$err" "database x"
    expect "unreachable database: $cmd says it cannot connect" contains "$err" "cannot connect"
done

PGDATABASE=$(newdb unmigrated) || exit 1
run ingest d/combo.txt
expect "unmigrated database: ingest exits 2" [ "$rc" -eq 2 ]
expect "unmigrated database: says to run db migrate" contains "$err" "leakwatch db migrate"
expect "unmigrated database: names it" contains "$err" "$PGDATABASE"
expect "unmigrated database: nothing created" [ "$(q "SELECT to_regclass('documents') IS NULL")" = t ]

PGDATABASE=$(newdb nokey) || exit 1
run db migrate
runenv LEAKWATCH_KEY_FILE="$T/no-such.key" ingest d/combo.txt
expect "missing key file: ingest exits 2" [ "$rc" -eq 2 ]
expect "missing key file: names it" contains "$err" "no-such.key"
expect "missing key file: nothing stored" [ "$(counts)" = "0 0 0" ]
expect "missing key file: not created" [ ! -e "$T/no-such.key" ]

finish
