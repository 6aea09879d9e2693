#!/bin/sh
# shellcheck disable=SC3046 # "run source ...": leakwatch's subcommand, not the shell's source
# leakwatch source add / list / remove against a real PostgreSQL (tests/pg/with-cluster): each kind
# and option stored as given and its URL queued; list's table and --json show the health columns;
# a taken name or URL is exit 1; each bad option value is exit 2 with a message naming the option
# and stores nothing; remove takes the queue rows and keeps the documents; removing a missing source
# is exit 1; the app role can do all of it; the help answers what the kinds, the raw-template
# placeholders and --via direct are; an unmigrated database is exit 2, an unreachable one exit 4.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1
out="" err="" rc=0

# A synthetic v3 onion address: base32(PUBKEY ‖ CHECKSUM ‖ 03) for PUBKEY = 32 bytes 0x42,
# CHECKSUM = SHA3-256(".onion checksum" ‖ PUBKEY ‖ 03)[:2]; and the same with its checksum broken.
onion=ijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbezhid.onion
bad_onion=ijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbezhad.onion

PGDATABASE=$(newdb source) || exit 1
export PGDATABASE
run source list
expect "unmigrated: exit 2" [ "$rc" -eq 2 ]
expect "unmigrated: says to migrate" contains "$err" "leakwatch db migrate"
run db migrate
expect "migrate: exit 0" [ "$rc" -eq 0 ]

run source list
expect "empty list: exit 0" [ "$rc" -eq 0 ]
expect "empty list: says so" contains "$out" "no sources"
run source list --json
expect "empty list --json: exit 0, prints nothing" [ "$rc:$out" = "0:" ]

# -- add, each kind
run source add board --url https://Leaks.Example/board
expect "add page (default kind): exit 0" [ "$rc" -eq 0 ]
expect "add page: says what it added" contains "$out" "added source board: page https://leaks.example/board, every 15m, via tor"
expect "add page: stored with the defaults" \
    [ "$(q "SELECT concat_ws('|', kind, url, extract(epoch FROM every)::bigint, via, coalesce(region, '-'), coalesce(link_pattern, '-')) FROM sources WHERE name = 'board'")" = \
      "page|https://leaks.example/board|900|tor|-|-" ]
expect "add page: its URL is queued, due now" \
    [ "$(q "SELECT c.kind || ' ' || (c.next_fetch_at <= now()) FROM crawl_urls c JOIN sources s ON s.id = c.source_id WHERE s.name = 'board'")" = "page true" ]

run source add pastes --kind index --url "http://$onion/latest" \
    --link-pattern '^http://[a-z2-7]{56}\.onion/paste/[A-Za-z0-9]+$' --raw-template '{origin}/raw/{id}' \
    --every 1h30m --via socks5h://127.0.0.1:9150 --region 'fi'
expect "add index with every option: exit 0" [ "$rc" -eq 0 ]
expect "add index: stored as given (region upper-cased)" \
    [ "$(q "SELECT concat_ws('|', kind, url, link_pattern, raw_template, extract(epoch FROM every)::bigint, via, region) FROM sources WHERE name = 'pastes'")" = \
      "index|http://$onion/latest|^http://[a-z2-7]{56}\.onion/paste/[A-Za-z0-9]+\$|{origin}/raw/{id}|5400|socks5h://127.0.0.1:9150|FI" ]
expect "add index: its URL is queued as an index" \
    [ "$(q "SELECT kind FROM crawl_urls WHERE url = 'http://$onion/latest'")" = index ]

run source add intranet --url http://intranet.example/leaks --via direct --every 1d
expect "add via direct: exit 0" [ "$rc" -eq 0 ]
expect "add via direct: says so" contains "$out" "every 1d, via direct"

# -- taken names and URLs: exit 1, nothing added
run source add board --url https://other.example/
expect "duplicate name: exit 1" [ "$rc" -eq 1 ]
expect "duplicate name: says it exists" contains "$err" "a source named board exists"
run source add board2 --url https://LEAKS.example/board
expect "duplicate URL: exit 1" [ "$rc" -eq 1 ]
expect "duplicate URL: names the source that has it" contains "$err" "already in the crawl queue (of source board)"
expect "duplicate URL: no source left behind" [ "$(q "SELECT count(*) FROM sources WHERE name = 'board2'")" = 0 ]

# -- bad values: exit 2, the option named, nothing stored
before=$(counts)
bad() { # WHAT OPTION ARG...: expect exit 2 and OPTION in the message
    what=$1 opt=$2
    shift 2
    run source add "$@"
    expect "$what: exit 2" [ "$rc" -eq 2 ]
    expect "$what: the message names $opt" contains "$err" "$opt:"
}
bad "url not http" --url x1 --url ftp://x.example/
bad "url with credentials" --url x2 --url http://u:p@x.example/
bad "url with a space" --url x3 --url 'http://x.example/a b'
bad "url too long" --url x4 --url "http://x.example/$(head -c 2100 /dev/zero | tr '\0' a)"
bad "onion checksum" --url x5 --url "http://$bad_onion/"
bad "regex" --link-pattern x6 --kind index --url http://x6.example/ --link-pattern '(a'
bad "pattern on a page" --link-pattern x7 --url http://x7.example/ --link-pattern 'a'
bad "template placeholder" --raw-template x8 --kind index --url http://x8.example/ --raw-template 'http://x/{name}'
bad "template without one" --raw-template x9 --kind index --url http://x9.example/ --raw-template 'http://x/raw'
bad "via unknown" --via x10 --url http://x10.example/ --via proxy
bad "via socks5 (local DNS)" --via x11 --url http://x11.example/ --via socks5://127.0.0.1:9050
bad "via without a port" --via x12 --url http://x12.example/ --via socks5h://127.0.0.1
bad "via direct to an onion" --via x13 --url "http://$onion/" --via direct
bad "every too short" --every x14 --url http://x14.example/ --every 30s
bad "every zero" --every x15 --url http://x15.example/ --every 0
bad "every not a duration" --every x16 --url http://x16.example/ --every often
bad "every too long" --every x17 --url http://x17.example/ --every 400d
bad "region digits" --region x18 --url http://x18.example/ --region F1
bad "region three letters" --region x19 --url http://x19.example/ --region FIN
bad "kind" --kind x20 --url http://x20.example/ --kind file
bad "name charset" NAME 'x 21' --url http://x21.example/
bad "name too long" NAME "$(head -c 101 /dev/zero | tr '\0' n)" --url http://x22.example/
run source add x23
expect "no --url: exit 2" [ "$rc" -eq 2 ]
expect "no --url: says it is required" contains "$err" "--url is required"
run source add --url http://x24.example/
expect "no NAME: exit 2" [ "$rc" -eq 2 ]
run source add x25 --url http://x25.example/ --bogus
expect "unknown option: exit 2" [ "$rc" -eq 2 ]
run source frob
expect "unknown subcommand: exit 2" [ "$rc" -eq 2 ]
out=$before err=""
expect "bad values stored nothing" [ "$(counts)" = "$before" ]
expect "bad values queued nothing" [ "$(q "SELECT count(*) FROM crawl_urls")" = 3 ]

# -- list: the health columns, as the crawler records them
q "UPDATE sources SET last_success_at = '2024-05-01 12:00:00+00', documents_found = 7 WHERE name = 'board'"
q "UPDATE sources SET last_error_class = 'onion_not_found', last_error_at = '2024-05-02 08:30:00+00',
   consecutive_failures = 3 WHERE name = 'pastes'"
q "INSERT INTO crawl_urls (url, source_id, kind) SELECT 'http://$onion/paste/' || g, id, 'paste'
   FROM sources, generate_series(1, 4) g WHERE name = 'pastes'"
q "INSERT INTO crawl_urls (url, source_id, kind, next_fetch_at) SELECT 'http://$onion/paste/later', id,
   'paste', now() + interval '1 hour' FROM sources WHERE name = 'pastes'"
q "INSERT INTO sources (name, kind) VALUES (E'dump\\x1b[2Jlabel', 'file')"
run source list
expect "list: exit 0" [ "$rc" -eq 0 ]
expect "list: a header with the health columns" \
    contains "$(printf "%s\n" "$out" | head -n 1)" "LAST SUCCESS          LAST ERROR            FAILURES  DOCUMENTS  QUEUED"
expect "list: one line per source and the header" [ "$(printf "%s\n" "$out" | wc -l)" -eq 5 ]
row() { printf "%s\n" "$out" | grep "^$1 " | tr -s ' '; }
expect "list: board's health" [ "$(row board)" = "board page 15m tor 2024-05-01T12:00:00Z - 0 7 1" ]
expect "list: pastes' health (4 pastes and the index due)" \
    [ "$(row pastes)" = "pastes index 1h30m socks5h://127.0.0.1:9150 never onion_not_found 3 0 5" ]
expect "list: intranet" [ "$(row intranet)" = "intranet page 1d direct never - 0 0 1" ]
expect "list: a file source, escaped" contains "$out" 'dump\x1B[2Jlabel  file'
expect "list: no raw escape byte reaches the terminal" [ "$(printf '%s' "$out" | tr -d -c '\033' | wc -c)" -eq 0 ]

run source list --json
expect "list --json: exit 0" [ "$rc" -eq 0 ]
expect "list --json: one object per source" [ "$(printf "%s\n" "$out" | grep -c '^{.*}$')" -eq 4 ]
j=$(printf "%s\n" "$out" | grep '"name":"pastes"')
expect "list --json: pastes' failures" [ "$(jget consecutive_failures "$j")" = 3 ]
expect "list --json: pastes' last error" [ "$(jget last_error_class "$j")" = onion_not_found ]
expect "list --json: pastes' last error time" [ "$(jget last_error_at "$j")" = 2024-05-02T08:30:00Z ]
expect "list --json: pastes' queued" [ "$(jget queued "$j")" = 5 ]
expect "list --json: pastes' every" [ "$(jget every_seconds "$j")" = 5400 ]
expect "list --json: pastes' template" contains "$j" '"raw_template":"{origin}/raw/{id}"'
expect "list --json: never succeeded is null" contains "$j" '"last_success":null'
j=$(printf "%s\n" "$out" | grep '"name":"board"')
expect "list --json: board's last success" [ "$(jget last_success "$j")" = 2024-05-01T12:00:00Z ]
expect "list --json: board's documents" [ "$(jget documents_found "$j")" = 7 ]
expect "list --json: board has no pattern" contains "$j" '"link_pattern":null'
j=$(printf "%s\n" "$out" | grep '"kind":"file"')
expect "list --json: the file source's name escaped" contains "$j" '"name":"dump\u001B[2Jlabel"'
if command -v python3 >/dev/null 2>&1; then
    printf "%s\n" "$out" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' 2>"$T/.json-err"
    rc=$? err=$(cat "$T/.json-err")
    expect "list --json: every line is JSON" [ "$rc" -eq 0 ]
fi

# -- remove
q "INSERT INTO documents (content_hash, source_id, format, bytes, records, records_with_hits,
   identifiers, distinct_identifiers, summary) SELECT decode(repeat('cd', 32), 'hex'), id, 'text',
   1, 0, 0, 0, 0, '{}' FROM sources WHERE name = 'pastes'"
run source remove pastes
expect "remove: exit 0" [ "$rc" -eq 0 ]
expect "remove: says so" contains "$out" "removed source pastes"
expect "remove: the source is gone" [ "$(q "SELECT count(*) FROM sources WHERE name = 'pastes'")" = 0 ]
expect "remove: its queue rows are gone" [ "$(q "SELECT count(*) FROM crawl_urls WHERE url LIKE '%$onion%'")" = 0 ]
expect "remove: its document stays, without a source" \
    [ "$(q "SELECT count(*) || ' ' || count(source_id) FROM documents")" = "1 0" ]
run source list
expect "remove: not listed" lacks "$out" "pastes"
run source remove pastes
expect "remove missing: exit 1" [ "$rc" -eq 1 ]
expect "remove missing: says there is no such source" contains "$err" "no source named pastes"
run source remove
expect "remove without NAME: exit 2" [ "$rc" -eq 2 ]

# -- the app role (the crawler's) can manage sources
app=$(newrole app leakwatch_app) || exit 1
runenv PGUSER="$app" source add app-page --url http://app.example/
expect "app role: add" [ "$rc" -eq 0 ]
runenv PGUSER="$app" source list --json
expect "app role: list" [ "$rc" -eq 0 ]
expect "app role: lists it" contains "$out" '"name":"app-page"'
runenv PGUSER="$app" source remove app-page
expect "app role: remove" [ "$rc" -eq 0 ]

# -- help
for how in "source --help" "help source" "source add --help"; do
    # shellcheck disable=SC2086 # $how is the command and its arguments
    run $how
    expect "$how: exit 0" [ "$rc" -eq 0 ]
    for part in "page " "index " "{url}" "{id}" "{origin}" "--via direct" "NO TOR" "local DNS" \
        "--link-pattern RE" "--every DURATION" "socks5h://HOST:PORT" "Exit status"; do
        expect "$how: explains $part" contains "$out" "$part"
    done
done
run --help
expect "leakwatch --help lists source" contains "$out" "source "

# -- an unreachable database
runenv LEAKWATCH_DB='host=/nonexistent dbname=x' source list
expect "unreachable database: exit 4" [ "$rc" -eq 4 ]
runenv LEAKWATCH_DB='host=/nonexistent dbname=x' source add y --url http://y.example/
expect "unreachable database: add exit 4" [ "$rc" -eq 4 ]

finish
