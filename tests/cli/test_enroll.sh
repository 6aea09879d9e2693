#!/bin/sh
# leakwatch enroll, against a real PostgreSQL (tests/pg/with-cluster) and a real `leakwatch serve`
# on loopback. The key test: one clinic export enrolled directly with the key (clinic A) and blind
# through the server (clinic B) gives identical (hash, kind, ref) rows, and each hash is the one
# `leakwatch ingest` stores for the same identifier (a dump of those identifiers hits every row,
# and alerts both clinics). Also: header auto-mapping in Finnish, Swedish and English column names,
# --map (a kind, none, email_domain), ref column detection and --ref-column, skips by reason (a ref
# that is itself an identifier refused), duplicates counted once, replace vs add, a bad token
# (exit 1 unauthorized), the server down (exit 1, a clear message), a rate-limited server (waits
# and finishes; or fails clearly when the wait is long), usage errors (exit 2). No value in any
# output or in the server's -vv log.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1

write_key "$T/key" 3
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
unset LEAKWATCH_TOKEN
out="" err="" rc=0
PGDATABASE=$(newdb enroll) || exit 1
export PGDATABASE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]

token_of() { printf '%s\n' "$1" | grep -o 'lwc_[A-Za-z0-9_-]*' | head -n 1; }
run clinic add clinic-a --region FI
expect "clinic A added" [ "$rc" -eq 0 ]
run clinic add clinic-b --region FI
tok_b=$(token_of "$out")
expect "clinic B added with a token" [ -n "$tok_b" ]
run clinic add clinic-c
tok_c=$(token_of "$out")
clinic_id() { q "SELECT id FROM clinics WHERE name = '$1'"; }
wl() { q "SELECT encode(hash, 'hex') || ' ' || kind || ' ' || ref FROM watchlist
          WHERE clinic_id = $(clinic_id "$1") ORDER BY hash, kind, ref"; }

# The export: Finnish headers. P-1 and P-2 are good; P-3's values are all invalid; then a row
# without a ref, a ref that is an e-mail address, a line of blanks (the CSV reader drops it: not a
# row), and P-1 again (duplicate rows).
cat >export.csv <<'EOF'
asiakasnumero;nimi;sähköposti;puhelin;hetu;muistiinpanot
P-1;Matti Meikäläinen;matti.meikalainen@example.fi;040 123 4567;131052-308T;masennus
P-2;Liisa Virtanen;LIISA.VIRTANEN@EXAMPLE.FI;+358 50 765 4321;010101A123N;
P-3;Bad Values;not-an-email;12;311399-0000;
;No Ref;noref.person@example.fi;;;
matti.meikalainen@example.fi;Ref Is Id;refisid.person@example.fi;;;
 ; ;  ;;;
P-1;Matti Meikäläinen;matti.meikalainen@example.fi;040 123 4567;131052-308T;
EOF
secrets="meikalainen MEIKALAINEN virtanen VIRTANEN 401234567 507654321 131052-308T 010101A123N
    noref.person refisid Matti Liisa masennus"
no_secret() { # no_secret TEXT: none of the export's values appear in it
    for s in $secrets; do
        case "$1" in *"$s"*) echo "found a value: $s" >&2; return 1 ;; esac
    done
    return 0
}

# -- (a) direct, with the key
run enroll --clinic clinic-a export.csv
expect "direct: exit 0" [ "$rc" -eq 0 ]
expect "direct: rows read" contains "$out" "6 rows read, 3 enrolled"
expect "direct: ref column detected" contains "$out" "ref column: asiakasnumero (detected"
expect "direct: sähköposti -> email" contains "$out" "sähköposti -> email (name)"
expect "direct: puhelin -> phone" contains "$out" "puhelin -> phone (name)"
expect "direct: hetu -> fi_hetu" contains "$out" "hetu -> fi_hetu (name)"
expect "direct: ignored columns by name" contains "$out" "ignored: nimi, muistiinpanot"
expect "direct: skips by reason" contains "$out" \
    "skipped: empty_row 0, no_ref 1, ref_invalid 0, ref_is_identifier 1, no_identifier 1"
expect "direct: duplicates once" contains "$out" "duplicate rows: 3"
expect "direct: invalid per kind" contains "$out" \
    "$(printf '  %-18s %10s %10s' email 2 1)"
expect "direct: watchlist counts" contains "$out" "watchlist (replace): 6 rows, 6 added, 0 removed"
expect "direct: no value printed" no_secret "$out$err"
expect "direct: 6 rows stored" [ "$(wl clinic-a | wc -l)" -eq 6 ]

# -- (b) blind, through a running server
serve_start() { # serve_start LOG [GLOBAL OPTIONS] serve [OPTIONS]: sets $url and $spid
    log=$1
    shift
    "$LW" "$@" --listen 127.0.0.1:0 >"$log.out" 2>"$log" &
    spid=$!
    url=""
    for _ in $(seq 1 100); do
        url=$(grep -o 'http://127.0.0.1:[0-9]*' "$log.out" 2>/dev/null | head -n 1)
        [ -n "$url" ] && break
        sleep 0.1
    done
}
serve_start serve.log -vv serve
expect "serve: listening" [ -n "$url" ]
runenv LEAKWATCH_TOKEN="$tok_b" enroll --clinic clinic-b --server "$url" --region FI --batch 2 \
    export.csv
expect "server: exit 0" [ "$rc" -eq 0 ]
expect "server: blind mode said" contains "$out" "blind, through the server"
expect "server: watchlist counts" contains "$out" "watchlist (replace): 6 rows, 6 added, 0 removed"
expect "server: no value printed" no_secret "$out$err"
wl clinic-a >a.rows
wl clinic-b >b.rows
expect "identical rows, direct and blind" cmp -s a.rows b.rows
expect "rows are not empty" [ -s a.rows ]

# -- each hash is what ingest stores: a dump of the same identifiers hits every watchlist row
cat >leak.csv <<'EOF'
name,email,phone,hetu
Matti,matti.meikalainen@example.fi,+358401234567,131052-308T
Liisa,liisa.virtanen@example.fi,0507654321,010101A123N
EOF
run ingest --region FI leak.csv
expect "ingest the leak: exit 0" [ "$rc" -eq 0 ]
expect "ingest reports alerts" contains "$out" "2 alerts"
missing=$(q "SELECT count(*) FROM watchlist w WHERE NOT EXISTS
             (SELECT 1 FROM hits h WHERE h.hash = w.hash AND h.kind = w.kind)")
expect "every watchlist hash is an ingest hash" [ "$missing" = 0 ]
expect "one alert per clinic" [ "$(q "SELECT count(DISTINCT clinic_id) FROM alerts")" = 2 ]
expect "the alert names the refs" [ "$(q "SELECT string_agg(DISTINCT ref, ',' ORDER BY ref)
    FROM alert_matches WHERE clinic_id = $(clinic_id clinic-b)")" = "P-1,P-2" ]

# -- JSON summary
run enroll --clinic clinic-a --json export.csv
expect "json: exit 0" [ "$rc" -eq 0 ]
expect "json: one object" [ "$(printf '%s\n' "$out" | grep -c '^{.*}$')" -eq 1 ]
expect "json: replace keeps all" contains "$out" '"watchlist":{"rows":6,"added":0,"removed":0,"kept":6'
expect "json: skipped" contains "$out" '"ref_is_identifier":1'
expect "json: no value" no_secret "$out$err"

# -- Swedish headers: personnummer is ambiguous alone, the region picks se_personnummer
cat >sv.csv <<'EOF'
kundnummer,namn,e-post,telefon,personnummer
K-1,Sven,sven.svensson@example.se,+46 70 123 45 67,19121212-1212
K-2,Anna,anna.andersson@example.se,,811218-9876
EOF
run enroll --clinic clinic-a --mode add sv.csv
expect "sv: exit 0" [ "$rc" -eq 0 ]
expect "sv: kundnummer is the ref" contains "$out" "ref column: kundnummer (detected"
expect "sv: e-post -> email" contains "$out" "e-post -> email (name)"
expect "sv: telefon -> phone" contains "$out" "telefon -> phone (name)"
expect "sv: personnummer ambiguous without a region" contains "$out" "personnummer (ambiguous"
expect "sv: add keeps the old rows" contains "$out" "3 rows, 3 added, 0 removed, 0 kept"
run enroll --clinic clinic-a --mode add --region SE sv.csv
expect "sv --region SE: personnummer by region" contains "$out" \
    "personnummer -> se_personnummer (region)"
expect "sv --region SE: two more rows" contains "$out" "5 rows, 2 added, 0 removed, 3 kept"
expect "add: 11 rows now" [ "$(wl clinic-a | wc -l)" -eq 11 ]

# -- English headers, --map overrides and email_domain only by --map
cat >en.csv <<'EOF'
patient_id,full_name,email,mobile,ssn,contact
X-1,John,john.doe@example.com,+358 40 222 3333,131052-308T,jd@example.org
EOF
run enroll --clinic clinic-c en.csv
expect "en: exit 0" [ "$rc" -eq 0 ]
expect "en: patient_id is the ref" contains "$out" "ref column: patient_id (detected"
expect "en: mobile -> phone" contains "$out" "mobile -> phone (name)"
expect "en: ssn ambiguous" contains "$out" "ssn (ambiguous"
expect "en: contact ignored" contains "$out" "contact"
expect "en: 2 rows (email, phone)" contains "$out" "2 rows, 2 added"
run enroll --clinic clinic-c --map ssn=fi_hetu --map contact=email --map MOBILE=none \
    --map email=email_domain en.csv
expect "map: exit 0" [ "$rc" -eq 0 ]
expect "map: ssn -> fi_hetu (map)" contains "$out" "ssn -> fi_hetu (map)"
expect "map: contact -> email (map)" contains "$out" "contact -> email (map)"
expect "map: email -> email_domain (map)" contains "$out" "email -> email_domain (map)"
expect "map: mobile ignored by map" contains "$out" "mobile (--map none)"
expect "map: replace: 3 rows, 2 removed" contains "$out" "3 rows, 3 added, 2 removed, 0 kept"
expect "map: email_domain row" [ "$(q "SELECT count(*) FROM watchlist WHERE clinic_id =
    $(clinic_id clinic-c) AND kind = (SELECT id FROM id_kinds WHERE name = 'email_domain')")" = 1 ]

# -- JSON Lines and --ref-column
cat >people.jsonl <<'EOF'
{"nro": "J-1", "contact": {"email": "jsonl.person@example.fi"}}
{"nro": "J-2", "contact": {"email": "other.jsonl@example.fi", "phone": "+358 40 111 2222"}}
{"nro": " ", "contact": {"email": ""}}
{"nro": "J-4", "contact": {"email": "bad@"}}
EOF
run enroll --clinic clinic-c people.jsonl
expect "no ref column: exit 2" [ "$rc" -eq 2 ]
expect "no ref column: asks for --ref-column" contains "$err" "--ref-column"
run enroll --clinic clinic-c --ref-column NRO --mode add people.jsonl
expect "--ref-column: exit 0" [ "$rc" -eq 0 ]
expect "--ref-column: json format" contains "$out" "(direct, with the key, json)"
expect "--ref-column: named" contains "$out" "ref column: nro (--ref-column)"
expect "--ref-column: nested keys mapped" contains "$out" "contact.email -> email (name)"
expect "--ref-column: 3 rows added" contains "$out" "3 rows, 3 added"
expect "--ref-column: empty row, no identifier" contains "$out" \
    "skipped: empty_row 1, no_ref 0, ref_invalid 0, ref_is_identifier 0, no_identifier 1"
run enroll --clinic clinic-c --ref-column nope people.jsonl
expect "unknown --ref-column: exit 2" [ "$rc" -eq 2 ]

# -- stdin, usage errors
run enroll --clinic clinic-a --mode add - <export.csv
expect "stdin: exit 0" [ "$rc" -eq 0 ]
run enroll --clinic clinic-a --map nosuch=email export.csv
expect "--map unknown column: exit 2" [ "$rc" -eq 2 ]
run enroll --clinic clinic-a --map hetu=passport export.csv
expect "--map unknown kind: exit 2" [ "$rc" -eq 2 ]
run enroll --clinic nosuch export.csv
expect "unknown clinic: exit 2" [ "$rc" -eq 2 ]
run enroll export.csv
expect "no --clinic: exit 2" [ "$rc" -eq 2 ]
run enroll --clinic clinic-b --server "$url" export.csv
expect "--server without a token: exit 2" [ "$rc" -eq 2 ]
run enroll --clinic clinic-b --server ftp://x export.csv
expect "--server ftp: exit 2" [ "$rc" -eq 2 ]
printf '<html><body>not a table</body></html>\n' >page.html
run enroll --clinic clinic-a page.html
expect "html: exit 2" [ "$rc" -eq 2 ]
run enroll --clinic clinic-a --batch 1001 export.csv
expect "--batch 1001: exit 2" [ "$rc" -eq 2 ]

# -- server errors: bad token, server down
run enroll --clinic clinic-b --server "$url" --token lwc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    export.csv
expect "bad token: exit 1" [ "$rc" -eq 1 ]
expect "bad token: unauthorized" contains "$err" "401 unauthorized"
wl clinic-b >b2.rows
expect "bad token: nothing changed" cmp -s b.rows b2.rows
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
expect "serve -vv log has no value" no_secret "$(cat serve.log serve.log.out)"
expect "serve -vv log is not empty" [ -s serve.log ]
runenv LEAKWATCH_TOKEN="$tok_b" enroll --clinic clinic-b --server "$url" export.csv
expect "server down: exit 1" [ "$rc" -eq 1 ]
expect "server down: says it cannot connect" contains "$err" "cannot POST $url/v1/oprf/evaluate"

# -- rate limits: 1 element/s with a burst of 4, batches of 4: waits and finishes
serve_start serve2.log serve --oprf-rate 3600/h --oprf-burst 4
runenv LEAKWATCH_TOKEN="$tok_c" enroll --clinic clinic-c --server "$url" --batch 4 --region FI \
    export.csv
expect "rate limited: exit 0" [ "$rc" -eq 0 ]
expect "rate limited: said it waited" contains "$err" "rate limit: waiting"
expect "rate limited: all rows" contains "$out" "6 rows, 6 added"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
# a budget that refills once an hour: fails at once, clearly
serve_start serve3.log serve --oprf-rate 1/h --oprf-burst 4
runenv LEAKWATCH_TOKEN="$tok_c" enroll --clinic clinic-c --server "$url" --batch 4 export.csv
expect "long wait: exit 1" [ "$rc" -eq 1 ]
expect "long wait: rate_limited" contains "$err" "429 rate_limited"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

finish
