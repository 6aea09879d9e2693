#!/bin/sh
# leakwatch researcher add / list / remove / token rotate against a real PostgreSQL, and
# GET /v1/stats through a real `leakwatch serve` on a loopback port:
#   - the token is printed once ("lwr_" + 43), only its BLAKE2b-256 is stored (a dump of the
#     database does not hold the token), rotate replaces it, remove revokes it
#   - a researcher token reads the same JSON as `leakwatch stats --format json`; min_count below 10
#     is raised to 10; by=month and min_count=20 pass through; a bad by is 400
#   - a clinic token is 403 forbidden on /v1/stats; no token or an unknown one 401; a researcher
#     token is refused (401) on the clinic routes; a rotated-away or removed token 401
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../db/pg.sh"
pg_require
PGDATABASE=$(newdb researcher)
export PGDATABASE
write_key "$T/key" 1
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]

# ---- the commands ----
run researcher add alice
TA=$out
expect "add: exit 0" [ "$rc" -eq 0 ]
expect "add: the token alone, lwr_ + 43" sh -c 'printf "%s" "$1" | grep -qxE "lwr_[A-Za-z0-9_-]{43}"' - "$TA"
run researcher add alice
expect "add a taken name: exit 1" [ "$rc" -eq 1 ] && contains "$err" "exists"
run researcher add 'bad name!'
expect "add a bad name: exit 2" [ "$rc" -eq 2 ] && contains "$err" "NAME"
run researcher add
expect "add without a name: exit 2" [ "$rc" -eq 2 ]
run researcher add bob
TB=$out
expect "a second researcher" [ "$rc" -eq 0 ] && [ "$TA" != "$TB" ]
run researcher list
expect "list: both, by name" [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" = "alice bob " ]
run researcher list --json
expect "list --json: one object per line" [ "$(printf '%s\n' "$out" | python3 -c '
import json, sys
print(" ".join(json.loads(l)["name"] for l in sys.stdin))')" = "alice bob" ]
stored=$(q "SELECT encode(token_hash, 'hex') FROM researchers WHERE name = 'alice'")
expect "only BLAKE2b-256 of the token is stored" [ "$stored" = "$(python3 -c '
import hashlib, sys
print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest())' "$TA")" ]
pg_dump --data-only "$PGDATABASE" >"$T/dump.sql" 2>"$T/dump.err"
expect "the token is nowhere in a dump of the database" [ -s "$T/dump.sql" ] && ! grep -qF "${TA#lwr_}" "$T/dump.sql"
run researcher token rotate alice
TA2=$out
expect "rotate: a new token" [ "$rc" -eq 0 ] && [ "${#TA2}" -eq 47 ] && [ "$TA2" != "$TA" ]
run researcher token rotate nobody
expect "rotate an unknown researcher: exit 1" [ "$rc" -eq 1 ]
run researcher remove nobody
expect "remove an unknown researcher: exit 1" [ "$rc" -eq 1 ]
run researcher frobnicate
expect "unknown subcommand: exit 2" [ "$rc" -eq 2 ]
run researcher --help
expect "help" [ "$rc" -eq 0 ] && contains "$out" "token rotate"
runenv "LEAKWATCH_DB=postgresql://127.0.0.1:1/nodb?connect_timeout=2" researcher list
expect "database unavailable: exit 4" [ "$rc" -eq 4 ]

# ---- something to count: 14 documents, so some cells are shown and some suppressed ----
mkdir -p "$T/docs"
i=1
while [ "$i" -le 14 ]; do
    {
        echo "Email: person$i.a@example.fi"
        echo "Email: person$i.b@example.com"
        echo "Email: everyone@example.fi"
        [ "$i" -gt 3 ] || echo "Puhelin: +35840123456$i"
    } >"$T/docs/d$i.txt"
    i=$((i + 1))
done
run ingest --label batch "$T"/docs/d*.txt
expect "ingest" [ "$rc" -eq 0 ]
TC=$("$LW" clinic add clinic-a)

# ---- serve ----
spid=""
port=""
# shellcheck disable=SC2317 # reached through the trap
cleanup_serve() {
    [ -z "$spid" ] || kill -TERM "$spid" 2>/dev/null
    pg_cleanup
}
trap cleanup_serve EXIT
"$LW" serve --listen 127.0.0.1:0 --threads 2 >"$T/serve.out" 2>"$T/serve.err" &
spid=$!
i=0
while [ "$i" -lt 100 ] && ! grep -q '^listening on ' "$T/serve.out" 2>/dev/null; do
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
done
port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$T/serve.out")
expect "serve: listening" [ -n "$port" ]
[ -n "$port" ] || { cat "$T/serve.err" >&2; finish; exit 1; }

# get PATH TOKEN|-: sets code, body, hdr
get() {
    set -- -sS -o "$T/.body" -D "$T/.hdr" -w '%{http_code}' "http://127.0.0.1:$port$1" \
        ${2:+-H "Authorization: Bearer $2"}
    code=$(curl "$@" 2>"$T/.curlerr")
    body=$(cat "$T/.body" 2>/dev/null)
    hdr=$(tr -d '\r' <"$T/.hdr" 2>/dev/null)
    out="$code $body" err=$(cat "$T/.curlerr")
}
pj() { printf '%s' "$body" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1; }
# same_json A B: the two JSON texts are equal as values
same_json() { python3 -c 'import json, sys; sys.exit(json.loads(sys.argv[1]) != json.loads(sys.argv[2]))' "$1" "$2"; }

get "/v1/stats?by=kind" "$TA2"
expect "stats: 200 for a researcher" [ "$code" = 200 ]
expect "stats: JSON" contains "$hdr" "Content-Type: application/json"
cli=$("$LW" stats --by kind --format json)
expect "stats: the same JSON as leakwatch stats --format json" same_json "$body" "$cli"
expect "stats: something shown and something suppressed" [ "$(pj '(14 in [r["documents"] for r in d["rows"]], len([r for r in d["rows"] if r["suppressed"]]) > 0)')" = "(True, True)" ]
get "/v1/stats" "$TA2"
expect "stats: by kind by default" [ "$code" = 200 ] && same_json "$body" "$cli"
get "/v1/stats?by=kind&min_count=3" "$TA2"
expect "stats: min_count 3 raised to 10" [ "$code" = 200 ] && [ "$(pj 'd["min_count"]')" = 10 ] && same_json "$body" "$cli"
expect "stats: min_count 3 shows nothing below 10" [ "$(pj 'min([v for r in d["rows"] + [d["total"]] for k, v in r.items() if k in ("documents", "records", "identifiers") and v is not None])')" -ge 10 ]
get "/v1/stats?by=month&min_count=20" "$TB"
expect "stats: by month, min_count 20" [ "$code" = 200 ] && [ "$(pj 'd["by"], d["min_count"]')" = "('month', 20)" ] &&
    same_json "$body" "$("$LW" stats --by month --min-count 20 --format json)"
for by in source country overlap; do
    get "/v1/stats?by=$by" "$TB"
    expect "stats: by $by" [ "$code" = 200 ] && same_json "$body" "$("$LW" stats --by "$by" --format json)"
done
get "/v1/stats?by=day" "$TA2"
expect "stats: a bad by is 400 bad_request" [ "$code" = 400 ] && [ "$(pj 'd["error"]["code"]')" = bad_request ]
get "/v1/stats?min_count=0" "$TA2"
expect "stats: min_count 0 is 400" [ "$code" = 400 ]

# ---- who may ----
get "/v1/stats" "$TC"
expect "a clinic token: 403 forbidden" [ "$code" = 403 ] && [ "$(pj 'd["error"]["code"]')" = forbidden ]
get "/v1/stats" ""
expect "no token: 401" [ "$code" = 401 ] && [ "$(pj 'd["error"]["code"]')" = unauthorized ]
expect "no token: WWW-Authenticate" contains "$hdr" 'WWW-Authenticate: Bearer realm="leakwatch"'
get "/v1/stats" "lwr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect "an unknown researcher token: 401" [ "$code" = 401 ]
get "/v1/stats" "$TA"
expect "the token rotated away: 401" [ "$code" = 401 ]
get "/v1/watchlist" "$TA2"
expect "a researcher token on a clinic route: 401" [ "$code" = 401 ]
get "/v1/alerts" "$TB"
expect "a researcher token on /v1/alerts: 401" [ "$code" = 401 ]
get "/v1/watchlist" "$TC"
expect "the clinic token still works on its routes" [ "$code" = 200 ]
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/stats" -H "Authorization: Bearer $TB")
out=$code
expect "POST /v1/stats: 405" [ "$code" = 405 ]
run researcher remove bob
expect "remove: exit 0" [ "$rc" -eq 0 ] && lacks "$("$LW" researcher list)" "bob"
get "/v1/stats" "$TB"
expect "a removed researcher's token: 401" [ "$code" = 401 ]

kill -TERM "$spid" 2>/dev/null
wait "$spid"
src=$?
spid=""
out="" err=$(cat "$T/serve.err") rc=$src
expect "serve: exit 0 on SIGTERM" [ "$src" -eq 0 ]
expect "serve: no token in its log" lacks "$err" "${TA2#lwr_}"
finish
