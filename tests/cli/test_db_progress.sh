#!/bin/sh
# The progress line: on a terminal, a long ingest shows bytes, percent, rate, ETA and identifiers
# on stderr, and erases it before the summary; with stderr not a terminal (cron, pipes) nothing but
# the summary is printed. The terminal is a real pseudo-terminal from script(1).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1
write_key "$T/key" 5
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
"$root/tests/gen/gen-dumps" --out d --seed 3 --records 10000 --dumps csv-comma.csv >gen.log 2>&1
expect "gen-dumps wrote the dump" [ -s d/csv-comma.csv ]
PGDATABASE=$(newdb progress) || exit 1
export PGDATABASE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]

# on a terminal (one worker, so the document takes a few seconds even on a fast machine)
script -qec "\"$LW\" ingest --jobs 1 --region FI d/csv-comma.csv" tty.log >/dev/null 2>&1
rc=$?
out=$(tr -d '\r' <tty.log) err=""
expect "on a terminal: exit 0" [ "$rc" -eq 0 ]
expect "on a terminal: a progress line with the rate" contains "$out" "MB/s"
expect "on a terminal: with the percentage" contains "$out" "%"
expect "on a terminal: with an ETA" contains "$out" "ETA "
expect "on a terminal: with identifiers so far" contains "$out" " identifiers"
expect "on a terminal: the line is erased" contains "$out" "$(printf '\033[K')"
expect "on a terminal: then the summary" contains "$out" "stored as document"

# not a terminal: the summary only, nothing on stderr
PGDATABASE=$(newdb progress) || exit 1
run db migrate
run ingest --region FI d/csv-comma.csv
expect "not a terminal: exit 0" [ "$rc" -eq 0 ]
expect "not a terminal: nothing on stderr" [ -z "$err" ]
expect "not a terminal: the summary" contains "$out" "stored as document"
lacks "$out" "ETA" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: ETA on stdout" >&2; }

# -q on a terminal: no progress line either
PGDATABASE=$(newdb progress) || exit 1
run db migrate
script -qec "\"$LW\" -q ingest --jobs 1 --region FI d/csv-comma.csv" tty.log >/dev/null 2>&1
out=$(tr -d '\r' <tty.log)
expect "-q on a terminal: no progress line" [ -z "$(printf '%s' "$out" | grep 'ETA')" ]
expect "-q on a terminal: the summary" contains "$out" "stored as document"
finish
