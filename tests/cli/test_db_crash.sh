#!/bin/sh
# kill -9 in the middle of a document leaves nothing of it (one transaction per document), against
# a real PostgreSQL (tests/pg/with-cluster). A dump with tens of thousands of distinct values is
# ingested with --memory 64K, so the document spills: a COPY into the temporary table stays open for
# most of it. Once the server shows that COPY with rows in it, the ingest gets SIGKILL. When the
# server has noticed (its backend is gone) there is no document, hit or source; the same command
# then stores the document, with exactly the hits of a clean ingest into another database. If the
# ingest ends before the COPY is seen, the test fails: it must not pass without having killed.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1

write_key "$T/key" 4
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
out="" err="" rc=0
"$root/tests/gen/gen-dumps" --out d --seed 9 --records 10000 --dumps csv-comma.csv >gen.log 2>&1
rc=$?
expect "gen-dumps wrote the dump" [ "$rc" -eq 0 ]

PGDATABASE=$(newdb crash) || exit 1
export PGDATABASE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]

# The backend running a COPY with rows in it (pg_stat_progress_copy: PostgreSQL 14 and later).
if [ "$(q "SELECT to_regclass('pg_catalog.pg_stat_progress_copy') IS NOT NULL")" = t ]; then
    copy_sql="SELECT pid FROM pg_stat_progress_copy
              WHERE datname = current_database() AND tuples_processed > 0 LIMIT 1"
else
    copy_sql="SELECT pid FROM pg_stat_activity WHERE datname = current_database()
              AND state = 'active' AND query LIKE 'COPY %' LIMIT 1"
fi

"$LW" ingest --json --region FI --label crash --memory 64K d/csv-comma.csv >kill.out 2>kill.err &
pid=$!
backend=""
tries=0
while [ "$tries" -lt 1500 ] && kill -0 "$pid" 2>/dev/null; do
    backend=$(q "$copy_sql")
    [ -n "$backend" ] && break
    sleep 0.02
    tries=$((tries + 1))
done
if [ -n "$backend" ]; then
    kill -9 "$pid"
fi
wait "$pid"
rc=$?
out=$(cat kill.out) err=$(cat kill.err)
if [ -z "$backend" ]; then
    echo "FAIL: the ingest ended (exit $rc) before a COPY with rows was seen in the server: nothing" >&2
    echo "      was killed, so this test proved nothing. Make the dump bigger or the polling faster." >&2
fi
expect "a COPY was in progress when the ingest was killed" [ -n "$backend" ]
expect "the ingest died of SIGKILL" [ "$rc" -eq 137 ]
expect "the killed ingest reported no document" [ -z "$out" ]

# the server notices the closed connection and rolls back: wait for the backend to go
tries=0
while [ -n "$backend" ] && [ "$tries" -lt 500 ] &&
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $backend")" != 0 ]; do
    sleep 0.02
    tries=$((tries + 1))
done
expect "the killed ingest's backend is gone" [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = ${backend:-0}")" = 0 ]
expect "the server saw the connection drop inside the transaction" \
    grep -q "\\[${backend:-0}\\] .*unexpected EOF on client connection with an open transaction" \
    "${LEAKWATCH_TEST_PGDIR:-/nonexistent}/log/postgresql.log"
expect "no document, no hit, no source" [ "$(counts)" = "0 0 0" ]
expect "no temporary table left" [ "$(q "SELECT count(*) FROM pg_class WHERE relname = 'lw_spill'")" = 0 ]

# the same command again: stored in full
run ingest --json --region FI --label crash --memory 64K d/csv-comma.csv
expect "re-run: exit 0" [ "$rc" -eq 0 ]
expect "re-run: stored" [ "$(jget status)" = stored ]
expect "re-run: spilled" contains "$out" '"spilled":true'
expect "re-run: one document, one source" \
    [ "$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM sources) FROM documents")" = "1 1" ]
distinct=$(printf '%s\n' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["stored"]["distinct"])')
expect "re-run: tens of thousands of distinct values" [ "${distinct:-0}" -gt 20000 ]
hits_rows >rerun.rows

# a clean ingest (in memory, no spill) into another database stores exactly the same hits
PGDATABASE=$(newdb clean) || exit 1
run db migrate
run ingest --json --region FI --label crash d/csv-comma.csv
expect "clean ingest: exit 0" [ "$rc" -eq 0 ]
expect "clean ingest: did not spill" contains "$out" '"spilled":false'
hits_rows >clean.rows
expect "clean ingest: the same number of hits" [ "$(wc -l <clean.rows)" -eq "${distinct:-0}" ]
expect "re-run after kill -9 stores exactly the hits of a clean ingest" cmp -s rerun.rows clean.rows

finish
