#!/bin/sh
# leakwatch ingest into a real PostgreSQL (tests/pg/with-cluster), on the planted dumps of
# tests/gen/gen-dumps: every format is stored, and per kind the distinct count it reports equals the
# dry run's, the dump's .expect and the hits rows in the database; the documents row holds what was
# reported. Dedupe: the same file, the same bytes on stdin and a copy under another name are
# duplicates that change nothing; one byte changed is a new document (with the same hits). --label
# makes one sources row. --memory 64K (the spill path) stores exactly the hits the default does.
# An unreadable file among good ones: the good ones are stored, exit 1.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1
GEN="$root/tests/gen/gen-dumps"

write_key "$T/key" 2
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
out="" err="" rc=0
"$GEN" --out d --seed 4 --records 300 >gen.log 2>&1
rc=$?
expect "gen-dumps wrote the dumps" [ "$rc" -eq 0 ]
files=$(cut -f1 d/manifest.tsv | sed 's|^|d/|')
nfiles=$(wc -l <d/manifest.tsv)

PGDATABASE=$(newdb ingest) || exit 1
export PGDATABASE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]

# -- every dump: stored, and its counts agree everywhere
# shellcheck disable=SC2086 # $files is a list of names without spaces
run ingest --dry-run --json --region FI $files
expect "dry run: exit 0" [ "$rc" -eq 0 ]
printf '%s\n' "$out" >dry.jsonl
# shellcheck disable=SC2086
run ingest --json --region FI $files
expect "store: exit 0" [ "$rc" -eq 0 ]
expect "store: one JSON line per dump" [ "$(printf '%s\n' "$out" | grep -c '^{')" -eq "$nfiles" ]
printf '%s\n' "$out" >stored.jsonl
q "SELECT coalesce(json_agg(json_build_object('id', id, 'format', format, 'bytes', bytes,
        'records', records, 'records_with_hits', records_with_hits, 'label', label,
        'source_id', source_id, 'distinct_identifiers', distinct_identifiers,
        'identifiers', identifiers)), '[]') FROM documents" >docs.json
q "SELECT coalesce(json_agg(json_build_object('doc', h.document_id, 'kind', k.name, 'n', h.n)), '[]')
   FROM (SELECT document_id, kind, count(*) AS n FROM hits GROUP BY 1, 2) h
   JOIN id_kinds k ON k.id = h.kind" >hits.json
q "SELECT json_agg(name ORDER BY id) FROM id_kinds" >kinds.json

# check.py: stored.jsonl against dry.jsonl, the .expect files and the database's rows.
cat >check.py <<'EOF'
import json, os, sys
stored = [json.loads(l) for l in open("stored.jsonl") if l.strip()]
dry = {o["file"]: o for o in (json.loads(l) for l in open("dry.jsonl") if l.strip())}
docs = {d["id"]: d for d in json.load(open("docs.json"))}
kinds = json.load(open("kinds.json"))
hits = {}
for h in json.load(open("hits.json")):
    hits.setdefault(h["doc"], {})[h["kind"]] = h["n"]
ids = set()
if len(docs) != len(stored):
    print("FAIL documents: %d rows for %d stored files" % (len(docs), len(stored)))
for o in stored:
    name = o.get("file", "?")
    p = []
    want = {}
    for l in open("%s.expect" % name):
        f = l.rstrip("\n").split("\t")
        if f[0] == "summary":
            want[f[1]] = {x.split("=")[0]: int(x.split("=")[1]) for x in f[2:]}
    d, doc_id = dry.get(name), o.get("document")
    row = docs.get(doc_id)
    if o.get("status") != "stored":
        p.append("status %r" % o.get("status"))
    if d is None or row is None:
        print("FAIL %s: no dry-run line or no documents row (document %r)" % (name, doc_id))
        continue
    if doc_id in ids:
        p.append("document id %r twice" % doc_id)
    ids.add(doc_id)
    if set(o["identifiers"]) != set(kinds):
        p.append("kinds %s, id_kinds has %s" % (sorted(o["identifiers"]), sorted(kinds)))
    for k in kinds:
        s, r = o["identifiers"].get(k, {}), d["identifiers"].get(k, {})
        n = hits.get(doc_id, {}).get(k, 0)
        if s.get("unique") != r.get("unique") or s.get("unique") != n:
            p.append("%s unique: stored %s, dry run %s, hits rows %s" % (k, s.get("unique"), r.get("unique"), n))
        if s.get("unique") != want.get(k, {}).get("unique"):
            p.append("%s unique %s, .expect %s" % (k, s.get("unique"), want.get(k, {}).get("unique")))
        for c in ("found", "rejects"):
            if s.get(c) != r.get(c):
                p.append("%s %s: stored %s, dry run %s" % (k, c, s.get(c), r.get(c)))
    size = os.path.getsize(name)
    if row["bytes"] != size:
        p.append("documents.bytes %r, the file has %d" % (row["bytes"], size))
    for c in ("format", "bytes", "records", "records_with_hits"):
        if not (o.get(c) == d.get(c) == row.get(c)):
            p.append("%s: stored %r, dry run %r, documents row %r" % (c, o.get(c), d.get(c), row.get(c)))
    total = sum(hits.get(doc_id, {}).values())
    if not (o.get("stored", {}).get("distinct") == row["distinct_identifiers"] == total):
        p.append("distinct: reported %r, row %r, hits %r" % (o.get("stored", {}).get("distinct"),
                 row["distinct_identifiers"], total))
    if row["identifiers"] != sum(v.get("found", 0) for v in o["identifiers"].values()):
        p.append("documents.identifiers %r is not the sum of found" % row["identifiers"])
    if row["label"] != name.rsplit("/", 1)[-1] or row["source_id"] is not None:
        p.append("label %r, source %r" % (row["label"], row["source_id"]))
    if total == 0 or o.get("unique_exact") is not True:
        p.append("no hits, or unique_exact is not true")
    print(("FAIL %s: " % name + "; ".join(p)) if p else "ok %s" % name)
EOF
expect_lines "each dump" "$(python3 check.py 2>&1)"
expect "every hash is 32 bytes" \
    [ "$(q "SELECT count(*) FILTER (WHERE octet_length(hash) <> 32) || ' ' || (count(*) > 0)::text FROM hits")" = "0 true" ]
expect "every kind is a known kind" \
    [ "$(q "SELECT count(*) FROM hits WHERE kind NOT IN (SELECT id FROM id_kinds)")" = 0 ]

# -- dedupe
id_of() { jget document "$(grep "\"file\":\"$1\"" stored.jsonl)"; }
csv_id=$(id_of d/csv-comma.csv)
before=$(counts)
run ingest --json --region FI d/csv-comma.csv
expect "again: exit 0" [ "$rc" -eq 0 ]
expect "again: a duplicate" [ "$(jget status)" = duplicate ]
expect "again: the same document" [ "$(jget document)" = "$csv_id" ]
expect "again: nothing written" [ "$(counts)" = "$before" ]
run ingest --region FI d/csv-comma.csv
expect "again, text report: says duplicate" contains "$out" "duplicate of document $csv_id"

run ingest --json --region FI - <d/csv-comma.csv
expect "stdin: exit 0" [ "$rc" -eq 0 ]
expect "stdin: a duplicate" [ "$(jget status)" = duplicate ]
expect "stdin: the same document" [ "$(jget document)" = "$csv_id" ]
expect "stdin: nothing written" [ "$(counts)" = "$before" ]

cp d/csv-comma.csv renamed.txt
run ingest --json --region FI renamed.txt
expect "renamed copy: a duplicate" [ "$(jget status)" = duplicate ]
expect "renamed copy: the same document" [ "$(jget document)" = "$csv_id" ]
expect "renamed copy: nothing written" [ "$(counts)" = "$before" ]

# one byte of the teaser's banner changed (no identifier near it): a new document, the same hits
sed '0,/Sample/s//sample/' d/teaser.txt >one-byte.txt
expect "one-byte copy differs from the teaser in one byte" [ "$(cmp -l d/teaser.txt one-byte.txt | wc -l)" -eq 1 ]
teaser_id=$(id_of d/teaser.txt)
run ingest --json --region FI one-byte.txt
expect "one byte changed: stored" [ "$(jget status)" = stored ]
new_id=$(jget document)
expect "one byte changed: not the original's id" [ "$new_id" != "$teaser_id" ]
expect "one byte changed: a new row" \
    [ "$(q "SELECT count(*) FROM documents WHERE id = ${new_id:-0} AND label = 'one-byte.txt'")" = 1 ]
expect "one byte changed: one more document" \
    [ "$(q "SELECT count(*) FROM documents")" -eq "$((${before%% *} + 1))" ]
extra=$(q "SELECT count(*) FROM (SELECT hash, kind, flags, occurrences FROM hits WHERE document_id = ${new_id:-0}
           EXCEPT SELECT hash, kind, flags, occurrences FROM hits WHERE document_id = $teaser_id) x")
n_new=$(q "SELECT count(*) FROM hits WHERE document_id = ${new_id:-0}")
n_old=$(q "SELECT count(*) FROM hits WHERE document_id = $teaser_id")
expect "one byte changed: the same hits as the original" [ "$extra $n_new" = "0 $n_old" ]

# -- --label: one sources row, both documents point at it (new content: a line appended)
for f in combo.txt mysql.sql patients.jsonl teaser.txt; do
    { cat "d/$f" && echo; } >"new-$f"
done
run ingest --json --region FI --label "lab one" new-combo.txt new-mysql.sql
expect "--label: exit 0" [ "$rc" -eq 0 ]
expect "--label: both stored" [ "$(printf '%s\n' "$out" | grep -c '"status":"stored"')" -eq 2 ]
expect "--label: in the report" contains "$out" '"label":"lab one"'
expect "--label: one sources row" \
    [ "$(q "SELECT count(*) || ' ' || min(kind) FROM sources WHERE name = 'lab one'")" = "1 file" ]
expect "--label: the documents point at it" \
    [ "$(q "SELECT count(*) FROM documents d JOIN sources s ON s.id = d.source_id
            WHERE s.name = 'lab one' AND d.label = 'lab one'")" -eq 2 ]
expect "--label: no other source" [ "$(q "SELECT count(*) FROM sources")" -eq 1 ]
echo "x@y" >>new-combo.txt
run ingest --json --region FI --label "lab one" new-combo.txt
expect "--label again: stored" [ "$(jget status)" = stored ]
expect "--label again: still one sources row" [ "$(q "SELECT count(*) FROM sources")" -eq 1 ]
expect "--label again: three documents point at it" \
    [ "$(q "SELECT count(*) FROM documents WHERE source_id = (SELECT id FROM sources WHERE name = 'lab one')")" -eq 3 ]

# -- an unreadable file among good ones
before=$(counts)
run ingest --json --region FI new-patients.jsonl "$T/missing.txt" "$T/d" new-teaser.txt
expect "unreadable: exit 1" [ "$rc" -eq 1 ]
expect "unreadable: the good ones are stored" \
    [ "$(printf '%s\n' "$out" | grep -c '"status":"stored"')" -eq 2 ]
expect "unreadable: two more documents" \
    [ "$(q "SELECT count(*) FROM documents")" -eq "$((${before%% *} + 2))" ]
expect "unreadable: names the missing file" contains "$err" "missing.txt"
expect "unreadable: names the directory" contains "$err" "$T/d"

# -- --memory 64K: the spill path stores exactly what the default stores
"$GEN" --out big --seed 8 --records 2000 --dumps csv-comma.csv,patients.jsonl >gen4.log 2>&1
PGDATABASE=$(newdb spill) || exit 1
run db migrate
run ingest --json --region FI --memory 64K big/csv-comma.csv big/patients.jsonl
expect "--memory 64K: exit 0" [ "$rc" -eq 0 ]
expect "--memory 64K: both spilled" [ "$(printf '%s\n' "$out" | grep -c '"spilled":true')" -eq 2 ]
small_out=$out
hits_rows >spill.rows
PGDATABASE=$(newdb nospill) || exit 1
run db migrate
run ingest --json --region FI big/csv-comma.csv big/patients.jsonl
expect "default memory: exit 0" [ "$rc" -eq 0 ]
expect "default memory: did not spill" [ "$(printf '%s\n' "$out" | grep -c '"spilled":false')" -eq 2 ]
hits_rows >nospill.rows
expect "thousands of distinct values" [ "$(wc -l <nospill.rows)" -gt 8000 ]
expect "--memory 64K stores exactly the same hits" cmp -s spill.rows nospill.rows
# (the counts it reports come from the database after a spill: the same as from memory)
strip() { printf '%s\n' "$1" | sed 's/"seconds":[0-9.]*//; s/"evaluated":[0-9]*,"cached":[0-9]*,"spilled":[a-z]*//'; }
expect "--memory 64K reports the same counts" [ "$(strip "$small_out")" = "$(strip "$out")" ]

# -- the same new content from two processes at once (two hosts, two cron runs): both parse and
# evaluate it (neither finds it stored before parsing), one stores it, the other's insert waits on
# the unique content hash and then reports a duplicate
PGDATABASE=$(newdb race) || exit 1
run db migrate
"$LW" ingest --json --region FI big/csv-comma.csv >race1.out 2>race1.err &
p1=$!
"$LW" ingest --json --region FI - <big/csv-comma.csv >race2.out 2>race2.err &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
r2=$?
expect "race: both exit 0" [ "$r1/$r2" = 0/0 ]
expect "race: one stored, one duplicate" \
    [ "$(cat race1.out race2.out | grep -o '"status":"[a-z]*"' | sort | tr '\n' ' ')" = '"status":"duplicate" "status":"stored" ' ]
expect "race: one document" [ "$(q "SELECT count(*) FROM documents")" = 1 ]
expect "race: its hits once" \
    [ "$(q "SELECT count(*) = (SELECT distinct_identifiers FROM documents) FROM hits")" = t ]

finish
