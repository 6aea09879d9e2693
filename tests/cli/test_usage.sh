#!/bin/sh
# Help, version, usage errors and their exit codes.
. "$(dirname "$0")/lib.sh"

run --help
expect "--help exits 0" [ "$rc" -eq 0 ]
expect "--help lists key" contains "$out" "key "
expect "--help lists exit codes" contains "$out" "3 proxy/Tor unavailable"
expect "--help names LEAKWATCH_KEY_FILE" contains "$out" "LEAKWATCH_KEY_FILE"

run --version
expect "--version: exit" [ "$rc" -eq 0 ]
expect "--version" contains "$out" "leakwatch "

run
expect "no command: usage, exit 2" [ "$rc" -eq 2 ]

run frobnicate
expect "unknown command: exit 2" [ "$rc" -eq 2 ]
expect "unknown command: named" contains "$err" "frobnicate"

run --log-format xml key show
expect "bad --log-format: exit 2" [ "$rc" -eq 2 ]
run --log-level loud key show
expect "bad --log-level: exit 2" [ "$rc" -eq 2 ]

run key --help
expect "key --help: exit" [ "$rc" -eq 0 ]
expect "key --help" contains "$out" "leakwatch key generate [--out PATH]"
expect "key --help explains refusal" contains "$out" "chmod 600"
run help key
expect "help key: exit" [ "$rc" -eq 0 ]
expect "help key" contains "$out" "leakwatch key show"
run key generate --help
expect "key generate --help: exit" [ "$rc" -eq 0 ]
expect "key generate --help" contains "$out" "--out PATH"

run key
expect "key without subcommand: exit 2" [ "$rc" -eq 2 ]
run key rotate
expect "unknown key subcommand: exit 2: exit" [ "$rc" -eq 2 ]
expect "unknown key subcommand: exit 2" contains "$err" "rotate"
run key generate --bogus
expect "unknown option: exit 2" [ "$rc" -eq 2 ]
run key generate extra
expect "extra argument: exit 2" [ "$rc" -eq 2 ]
run key show --format pem
expect "bad --format: exit 2" [ "$rc" -eq 2 ]

run ingest --help
expect "ingest --help: exit" [ "$rc" -eq 0 ]
expect "ingest --help documents --dry-run" contains "$out" "--dry-run"
expect "ingest --help lists the formats" contains "$out" "html, sql, csv, json, combo or text"
run --help
expect "--help lists ingest" contains "$out" "ingest "
printf 'x\n' > "$T/f.txt"
LEAKWATCH_KEY_FILE="$T/no-such.key" run ingest "$T/f.txt"
expect "ingest without a key file: exit 2" [ "$rc" -eq 2 ]
expect "ingest without a key file: names it" contains "$err" "no-such.key"
run ingest --jobs 0 "$T/f.txt"
expect "ingest --jobs 0: exit 2" [ "$rc" -eq 2 ]
run ingest --memory 1K "$T/f.txt"
expect "ingest --memory 1K: exit 2" [ "$rc" -eq 2 ]
run db
expect "db without a subcommand: exit 2" [ "$rc" -eq 2 ]
run db frobnicate
expect "db unknown subcommand: exit 2" [ "$rc" -eq 2 ]
run db --help
expect "db --help: exit 0" [ "$rc" -eq 0 ]
expect "db --help explains LEAKWATCH_DB" contains "$out" "LEAKWATCH_DB"
LEAKWATCH_DB="host=$T/nowhere dbname=x" run db status
expect "db status, no server: exit 4" [ "$rc" -eq 4 ]
expect "db status, no server: names the target" contains "$err" "$T/nowhere"
run ingest --dry-run
expect "ingest without files: exit 2" [ "$rc" -eq 2 ]
run ingest --dry-run --format xml "$T/f.txt"
expect "ingest bad --format: exit 2" [ "$rc" -eq 2 ]
expect "ingest bad --format: named" contains "$err" "xml"
run ingest --dry-run --region Finland "$T/f.txt"
expect "ingest bad --region: exit 2" [ "$rc" -eq 2 ]
run ingest --dry-run "$T/missing.txt"
expect "ingest missing file: exit 1" [ "$rc" -eq 1 ]
expect "ingest missing file: named" contains "$err" "missing.txt"

# untrusted text in a log line is escaped: no raw control characters reach the terminal
run "$(printf 'x\033[31m\nforged')"
expect "escape sequences escaped" [ "$(printf '%s' "$err" | tr -d '\n' | grep -c "$(printf '\033')")" -eq 0 ]
expect "no forged second line" [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
expect "escaped form shown" contains "$err" '\x1B[31m\nforged'

finish
