#!/bin/sh
# The database going away in the middle of a document (a restart, a failover): ingest stops with
# exit 4 and says the connection was lost, nothing of the document is stored, and the same command
# completes it once the server is back. Runs its own cluster (stopping the shared one would take it
# from the other tests), so it needs no PGHOST; it does need the server binaries.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
pgc="$root/scripts/pg-cluster"
cd "$T" || exit 1
mkdir -p pg
[ "$(id -u)" -ne 0 ] || chmod 0711 "$T"
cleanup_lost() {
    "$pgc" destroy "$T/pg" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup_lost EXIT

"$pgc" start "$T/pg" --fast >start.log 2>&1
rc=$?
expect "a cluster of its own starts" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || { cat start.log >&2; finish; exit 1; }
LEAKWATCH_DB=$("$pgc" conninfo "$T/pg")
export LEAKWATCH_DB
"$LW" key generate --out "$T/key" >/dev/null
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
"$root/tests/gen/gen-dumps" --out d --seed 5 --records 10000 --dumps csv-comma.csv >gen.log 2>&1
expect "gen-dumps wrote the dump" [ -s d/csv-comma.csv ]
run db migrate
expect "migrate" [ "$rc" -eq 0 ]
q() { psql -X -At -d "$LEAKWATCH_DB" -c "$1" 2>/dev/null; }

# the server stops (fast shutdown: sessions are terminated) while the document's COPY is open
"$LW" ingest --json --region FI --memory 64K d/csv-comma.csv >lost.out 2>lost.err &
pid=$!
seen=""
tries=0
while [ "$tries" -lt 1500 ] && kill -0 "$pid" 2>/dev/null; do
    seen=$(q "SELECT pid FROM pg_stat_progress_copy WHERE tuples_processed > 0 LIMIT 1")
    [ -n "$seen" ] && break
    sleep 0.02
    tries=$((tries + 1))
done
[ -z "$seen" ] && echo "FAIL: the ingest ended before its COPY was seen: nothing was tested" >&2
expect "a COPY was in progress when the server stopped" [ -n "$seen" ]
"$pgc" stop "$T/pg" >/dev/null 2>&1
wait "$pid"
rc=$?
out=$(cat lost.out) err=$(cat lost.err)
expect "ingest: exit 4 (database unavailable)" [ "$rc" -eq 4 ]
expect "ingest: says the connection was lost" contains "$err" "lost the connection"
expect "ingest: reports no stored document" [ -z "$out" ]

# while it is down: exit 4 at once, naming the target
run ingest --region FI d/csv-comma.csv
expect "server down: exit 4" [ "$rc" -eq 4 ]
expect "server down: names the socket" contains "$err" "$T/pg"
run db status
expect "server down: db status exit 4" [ "$rc" -eq 4 ]

# back up: nothing of the document was stored, and the same command completes it
"$pgc" start "$T/pg" >/dev/null 2>&1
expect "nothing of the document was stored" [ "$(q "SELECT count(*) FROM documents")/$(q "SELECT count(*) FROM hits")" = "0/0" ]
run ingest --json --region FI --memory 64K d/csv-comma.csv
expect "re-run: exit 0" [ "$rc" -eq 0 ]
expect "re-run: stored" contains "$out" '"status":"stored"'
expect "re-run: every distinct value stored" \
    [ "$(q "SELECT distinct_identifiers = (SELECT count(*) FROM hits) AND distinct_identifiers > 20000 FROM documents")" = t ]
finish
