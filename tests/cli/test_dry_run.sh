#!/bin/sh
# leakwatch ingest --dry-run, end to end on the planted dumps of tests/gen/gen-dumps: per kind the
# found/unique/reject counts equal the dumps' .expect summaries, the format is the intended one,
# no identifier value reaches stdout or stderr, no database or key is needed, '-' reads standard
# input (sniffed from content alone), --format overrides sniffing, and the exit codes hold.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
GEN="$root/tests/gen/gen-dumps"
cd "$T" || exit 1

# Neither a database nor a key may be touched.
LEAKWATCH_KEY_FILE="$T/no-such.key"
PGHOST=/nonexistent
LEAKWATCH_DB="host=/nonexistent dbname=none"
export LEAKWATCH_KEY_FILE PGHOST LEAKWATCH_DB

out="" err=""
"$GEN" --out "$T/d" --seed 2 --records 120 >"$T/.gen" 2>&1
rc=$?
expect "gen-dumps wrote the dumps" [ "$rc" -eq 0 ]
files=$(cut -f1 d/manifest.tsv)
nfiles=$(wc -l <d/manifest.tsv)

# Every value and surface form planted (and the normalised values): none may be printed.
cut -f3,4 d/planted.tsv | tr '\t' '\n' | grep -v '^-$' | sed 's/^ *//; s/ *$//' | sort -u >values
expect "the value list is not empty" [ "$(wc -l <values)" -gt 500 ]

no_values() { ! printf '%s\n%s\n' "$out" "$err" | grep -q -F -f values; }

# The checker: JSON lines on stdin against the manifest's .expect summaries.
#   check.py all FILE...      each FILE's line against d/FILE.expect
#   check.py stdin:DUMP -     one line read from standard input, against d/DUMP.expect
cat >check.py <<'EOF'
import json, sys
mode, names = sys.argv[1], sys.argv[2:]
kinds = ["email", "email_domain", "phone", "fi_hetu", "se_personnummer", "no_fodselsnummer",
         "dk_cpr", "iban", "payment_card"]
flags = ["health_text", "password", "address", "name", "birth_date"]
parse = ["bad_records", "cut_lines", "cut_fields", "cut_records", "too_deep"]
manifest = dict(line.rstrip("\n").split("\t") for line in open("d/manifest.tsv"))
lines = [l for l in sys.stdin.read().split("\n") if l]
if len(lines) != len(names):
    print("FAIL %d JSON lines for %d files" % (len(lines), len(names)))
    sys.exit(0)
for name, line in zip(names, lines):
    dump = mode.split(":", 1)[1] if name == "-" else name.rsplit("/", 1)[-1]
    problems = []
    try:
        o = json.loads(line)
    except ValueError as e:
        print("FAIL %s: not JSON (%s)" % (dump, e))
        continue
    want = {"format": None, "records": None, "sum": {}}
    for l in open("d/%s.expect" % dump):
        f = l.rstrip("\n").split("\t")
        if f[0] == "format":
            want["format"] = f[1]
        elif f[0] == "records":
            want["records"] = int(f[1])
        elif f[0] == "summary":
            want["sum"][f[1]] = {x.split("=")[0]: int(x.split("=")[1]) for x in f[2:]}
    if o.get("file") != name:
        problems.append("file %r, want %r" % (o.get("file"), name))
    if o.get("format") != want["format"]:
        problems.append("format %r, want %r" % (o.get("format"), want["format"]))
    for k in ("bytes", "seconds", "records", "records_with_hits"):
        if not isinstance(o.get(k), (int, float)) or o[k] < 0:
            problems.append("%s missing or negative" % k)
    if set(o.get("identifiers", {})) != set(kinds) or set(o.get("flags", {})) != set(flags) \
            or set(o.get("parse", {})) != set(parse):
        problems.append("identifiers/flags/parse keys: %s" % sorted(o.get("identifiers", {})))
    for k in kinds:
        got = o.get("identifiers", {}).get(k, {})
        for c in ("found", "unique", "rejects"):
            if got.get(c) != want["sum"][k][c]:
                problems.append("%s %s %s, want %s" % (k, c, got.get(c), want["sum"][k][c]))
    if want["records"] is not None and o.get("records") != want["records"]:
        problems.append("records %s, want %s" % (o.get("records"), want["records"]))
    if o.get("unique_exact") is not True:
        problems.append("unique_exact is not true")
    print(("FAIL %s: " % dump + "; ".join(problems)) if problems else "ok %s" % dump)
EOF

# report_each OUTPUT: one expect per checker line
report_each() {
    echo "$1" | while IFS= read -r line; do
        [ -n "$line" ] && echo "$line"
    done >"$T/.lines"
    while IFS= read -r line; do
        out=$line err=""
        expect "dry run: ${line#* }" [ "${line%% *}" = ok ]
    done <"$T/.lines"
}

# -- all dumps in one run, JSON
# shellcheck disable=SC2046,SC2086
run ingest --dry-run --json --region FI $(printf 'd/%s ' $files)
expect "all dumps: exit 0" [ "$rc" -eq 0 ]
expect "all dumps: one JSON object per file" [ "$(printf '%s\n' "$out" | grep -c '^{')" -eq "$nfiles" ]
expect "all dumps: no identifier value in the output" no_values
expect "all dumps: no key file was created" [ ! -e "$T/no-such.key" ]
json_out=$out
# shellcheck disable=SC2046,SC2086
report_each "$(printf '%s\n' "$json_out" | python3 check.py all $(printf 'd/%s ' $files))"

# -- the human summary
# shellcheck disable=SC2046,SC2086
run ingest --dry-run --region FI $(printf 'd/%s ' $files)
expect "text summary: exit 0" [ "$rc" -eq 0 ]
expect "text summary: no identifier value in the output" no_values
for f in $files; do
    expect "text summary names d/$f" contains "$out" "d/$f"
done
expect "text summary shows a kind" contains "$out" "fi_hetu"

# -- standard input: sniffed from content alone, same counts
for f in $files; do
    run ingest --dry-run --json --region FI - <"d/$f"
    expect "stdin $f: exit 0" [ "$rc" -eq 0 ]
    expect "stdin $f: no identifier value in the output" no_values
    report_each "$(printf '%s\n' "$out" | python3 check.py "stdin:$f" -)"
done

# -- --format overrides sniffing
run ingest --dry-run --json --region FI --format text d/csv-comma.csv
expect "--format text: exit 0" [ "$rc" -eq 0 ]
expect "--format text is used" contains "$out" '"format":"text"'
expect "--format text: no identifier value in the output" no_values
run ingest --dry-run --json --region FI --format csv d/csv-comma.csv
expect "--format csv: same counts as sniffed" \
    [ "$(printf '%s\n' "$out" | python3 check.py all d/csv-comma.csv)" = "ok csv-comma.csv" ]
run ingest --dry-run --json --region FI --format auto d/leak.html
expect "--format auto sniffs" contains "$out" '"format":"html"'

# -- exit codes
run ingest --dry-run --json --region FI d/combo.txt "$T/missing.txt" d/teaser.txt
expect "an unreadable file: exit 1" [ "$rc" -eq 1 ]
expect "an unreadable file: the others are still reported" \
    [ "$(printf '%s\n' "$out" | grep -c '^{')" -eq 2 ]
expect "an unreadable file: named on stderr" contains "$err" "missing.txt"
expect "an unreadable file: no identifier value in the output" no_values
run ingest --dry-run --json "$T/d"
expect "a directory: exit 1" [ "$rc" -eq 1 ]
run ingest --dry-run --json
expect "no FILE: exit 2" [ "$rc" -eq 2 ]
run ingest --dry-run --json --format bogus d/combo.txt
expect "unknown --format: exit 2" [ "$rc" -eq 2 ]
run ingest --dry-run --region FIN d/combo.txt
expect "bad --region: exit 2" [ "$rc" -eq 2 ]

finish
