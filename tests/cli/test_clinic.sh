#!/bin/sh
# shellcheck disable=SC2016 # sh -c '…' scripts take their text as "$1"
# leakwatch clinic add / set / list / remove / token rotate and watch keyword / list against a real
# PostgreSQL (tests/pg/with-cluster): add prints the API token once, alone on stdout when stdout is
# not a terminal; only its BLAKE2b-256 hash is stored and the token is nowhere in a pg_dump; rotate
# replaces it; settings are stored as given and set changes or clears them; a taken name and an
# unknown clinic are exit 1; each bad option value is exit 2 with a message naming the option and
# stores nothing; list shows the counts (table and --json); keywords are added once per folded
# form and removed; watch list gives counts per kind and never a hash or a ref; remove takes the
# clinic's watchlist and keywords with it; an unreachable database is exit 4.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1
out="" err="" rc=0

PGDATABASE=$(newdb clinic) || exit 1
export PGDATABASE
run clinic list
expect "unmigrated: exit 2" [ "$rc" -eq 2 ]
run db migrate
expect "migrate: exit 0" [ "$rc" -eq 0 ]
run clinic list
expect "empty list: exit 0" [ "$rc" -eq 0 ]
expect "empty list: says so" contains "$out" "no clinics"
run clinic list --json
expect "empty list --json: prints nothing" [ "$rc:$out" = "0:" ]

# -- add: the token, once
run clinic add alpha --webhook https://hooks.alpha.example/leakwatch --email Ops@alpha.example --region "fi"
expect "add: exit 0" [ "$rc" -eq 0 ]
token1=$out
expect "add: stdout is the token alone (not a terminal)" \
    sh -c 'printf "%s\n" "$1" | grep -Eqx "lwc_[A-Za-z0-9_-]{43}"' - "$out"
expect "add: stored as given (region upper-cased)" \
    [ "$(q "SELECT concat_ws('|', name, webhook_url, email, region) FROM clinics WHERE name = 'alpha'")" = \
      "alpha|https://hooks.alpha.example/leakwatch|Ops@alpha.example|FI" ]
hash1=$(printf '%s' "$token1" | python3 -c 'import hashlib, sys; print(hashlib.blake2b(sys.stdin.buffer.read(), digest_size=32).hexdigest())')
expect "add: only BLAKE2b-256(token) is stored" \
    [ "$(q "SELECT encode(token_hash, 'hex') FROM clinics WHERE name = 'alpha'")" = "$hash1" ]
pg_dump --no-owner "$PGDATABASE" >dump1.sql
expect "pg_dump ran" [ -s dump1.sql ]
expect "the token is nowhere in a pg_dump" sh -c '! grep -qF "$1" dump1.sql' - "$token1"
expect "nor its secret part" sh -c '! grep -qF "$1" dump1.sql' - "${token1#lwc_}"

run clinic add beta
expect "add without options: exit 0" [ "$rc" -eq 0 ]
token_beta=$out
expect "two clinics, two tokens" [ "$token_beta" != "$token1" ]
run clinic add alpha
expect "taken name: exit 1" [ "$rc" -eq 1 ]
expect "taken name: no token printed" [ -z "$out" ]

# -- bad values: exit 2, the option named, nothing stored
bad() { # WHAT OPTION ARG...
    what=$1 opt=$2
    shift 2
    run clinic add "$@"
    expect "$what: exit 2" [ "$rc" -eq 2 ]
    expect "$what: the message names $opt" contains "$err" "$opt:"
    expect "$what: no token printed" [ -z "$out" ]
}
bad "webhook not http" --webhook x1 --webhook ftp://x.example/
bad "webhook with credentials" --webhook x2 --webhook http://u:p@x.example/
bad "webhook with a space" --webhook x3 --webhook 'http://x.example/a b'
bad "email without @" --email x4 --email nobody.example
bad "email with a space" --email x5 --email 'a b@x.example'
bad "region digits" --region x6 --region F1
bad "region three letters" --region x7 --region FIN
bad "name charset" NAME 'x 8'
bad "name too long" NAME "$(head -c 101 /dev/zero | tr '\0' n)"
run clinic add
expect "no NAME: exit 2" [ "$rc" -eq 2 ]
run clinic add x9 --bogus
expect "unknown option: exit 2" [ "$rc" -eq 2 ]
run clinic frob
expect "unknown subcommand: exit 2" [ "$rc" -eq 2 ]
expect "bad values stored nothing" [ "$(q "SELECT count(*) FROM clinics")" = 2 ]

# -- set
run clinic set alpha --webhook ''
expect "set --webhook '': exit 0" [ "$rc" -eq 0 ]
expect "set --webhook '': cleared" [ "$(q "SELECT coalesce(webhook_url, 'NULL') FROM clinics WHERE name = 'alpha'")" = NULL ]
expect "set: other settings kept" [ "$(q "SELECT email || region FROM clinics WHERE name = 'alpha'")" = "Ops@alpha.example"FI ]
run clinic set alpha --webhook http://127.0.0.1:8080/hook --region se
expect "set two: exit 0" [ "$rc" -eq 0 ]
expect "set two: stored" [ "$(q "SELECT webhook_url || ' ' || region FROM clinics WHERE name = 'alpha'")" = "http://127.0.0.1:8080/hook SE" ]
run clinic set alpha --email 'bad address'
expect "set bad email: exit 2, named" [ "$rc" -eq 2 ]
expect "set bad email: named" contains "$err" "--email:"
run clinic set alpha
expect "set nothing: exit 2" [ "$rc" -eq 2 ]
run clinic set nosuch --region FI
expect "set unknown clinic: exit 1" [ "$rc" -eq 1 ]
expect "the token survived set" [ "$(q "SELECT encode(token_hash, 'hex') FROM clinics WHERE name = 'alpha'")" = "$hash1" ]

# -- token rotate
run clinic token rotate alpha
expect "rotate: exit 0" [ "$rc" -eq 0 ]
token2=$out
expect "rotate: a new token" sh -c 'printf "%s\n" "$1" | grep -Eqx "lwc_[A-Za-z0-9_-]{43}"' - "$out"
expect "rotate: differs from the old one" [ "$token2" != "$token1" ]
hash2=$(printf '%s' "$token2" | python3 -c 'import hashlib, sys; print(hashlib.blake2b(sys.stdin.buffer.read(), digest_size=32).hexdigest())')
expect "rotate: the new hash replaced the old" \
    [ "$(q "SELECT encode(token_hash, 'hex') FROM clinics WHERE name = 'alpha'")" = "$hash2" ]
pg_dump --no-owner "$PGDATABASE" >dump2.sql
expect "the new token is nowhere in a pg_dump" sh -c '! grep -qF "$1" dump2.sql' - "${token2#lwc_}"
run clinic token rotate nosuch
expect "rotate unknown clinic: exit 1" [ "$rc" -eq 1 ]
run clinic token frob alpha
expect "token without rotate: exit 2" [ "$rc" -eq 2 ]

# -- watch keyword / list
run watch keyword --clinic alpha Vastaamo "Psykoterapiakeskus Vastaamo"
expect "keyword: exit 0" [ "$rc" -eq 0 ]
expect "keyword: added 2" [ "$out" = "added 2 keyword(s)" ]
run watch keyword --clinic alpha VASTAAMO 'vastaamo!'
expect "keyword again in other case: added 0" [ "$rc:$out" = "0:added 0 keyword(s)" ]
run watch keyword --clinic alpha '!!!'
expect "keyword folding to nothing: exit 2" [ "$rc" -eq 2 ]
run watch keyword --clinic nosuch Vastaamo
expect "keyword for an unknown clinic: exit 1" [ "$rc" -eq 1 ]
run watch keyword Vastaamo
expect "keyword without --clinic: exit 2" [ "$rc" -eq 2 ]
run watch keyword --clinic alpha
expect "keyword without words: exit 2" [ "$rc" -eq 2 ]
expect "keywords stored: 2" [ "$(q "SELECT count(*) FROM watch_keywords")" = 2 ]

# watchlist rows as an enrollment would leave them (3 rows: 2 email, 1 fi_hetu)
q "INSERT INTO watchlist (clinic_id, hash, kind, ref)
   SELECT c.id, decode(repeat(h, 32), 'hex'), k, r FROM clinics c,
   (VALUES ('a1', 0, 'P-100'), ('b2', 0, 'P-101'), ('c3', 3, 'P-100')) v(h, k, r) WHERE c.name = 'alpha'" >/dev/null
run watch list --clinic alpha
expect "watch list: exit 0" [ "$rc" -eq 0 ]
expect "watch list: the keywords" contains "$out" "Psykoterapiakeskus Vastaamo"
expect "watch list: total rows" contains "$out" "watchlist rows: 3"
expect "watch list: email count" sh -c 'printf "%s\n" "$1" | grep -Eq "^ *email +2$"' - "$out"
expect "watch list: fi_hetu count" sh -c 'printf "%s\n" "$1" | grep -Eq "^ *fi_hetu +1$"' - "$out"
expect "watch list: no hash" lacks "$out" "a1a1a1"
expect "watch list: no ref" lacks "$out" "P-100"
run watch list --clinic alpha --json
expect "watch list --json: one object" [ "$out" = '{"clinic":"alpha","keywords":["Vastaamo","Psykoterapiakeskus Vastaamo"],"watchlist_rows":3,"by_kind":{"email":2,"fi_hetu":1}}' ]
run watch keyword --clinic alpha --remove vastaamo
expect "keyword --remove: removed 1 (folded match)" [ "$rc:$out" = "0:removed 1 keyword(s)" ]
run watch list --clinic nosuch
expect "watch list unknown clinic: exit 1" [ "$rc" -eq 1 ]

# -- list
run clinic list
expect "list: exit 0" [ "$rc" -eq 0 ]
expect "list: header" contains "$out" "WATCHLIST"
expect "list: alpha's row" sh -c 'printf "%s\n" "$1" | grep -Eq "^alpha +SE +http://127.0.0.1:8080/hook +Ops@alpha.example +3 +1 +0 +0 +[0-9]{4}-"' - "$out"
expect "list: beta's row" sh -c 'printf "%s\n" "$1" | grep -Eq "^beta +- +- +- +0 +0 +0 +0 "' - "$out"
expect "list: no token" lacks "$out" "lwc_"
run clinic list --json
expect "list --json: one line per clinic" [ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ]
first=$(printf '%s\n' "$out" | head -n 1)
expect "list --json: alpha's fields" \
    sh -c 'printf "%s\n" "$1" | grep -Eq "^\{\"name\":\"alpha\",\"region\":\"SE\",\"webhook\":\"http://127.0.0.1:8080/hook\",\"email\":\"Ops@alpha.example\",\"watchlist_rows\":3,\"keywords\":1,\"alerts\":0,\"oprf_evaluations\":0,\"created\":\"[0-9T:Z-]+\"\}$"' - "$first"
expect "list --json: beta's nulls" contains "$out" '{"name":"beta","region":null,"webhook":null,"email":null,'

# -- remove
run clinic remove alpha
expect "remove: exit 0" [ "$rc" -eq 0 ]
expect "remove: its watchlist and keywords went with it" \
    [ "$(q "SELECT (SELECT count(*) FROM watchlist) || ' ' || (SELECT count(*) FROM watch_keywords)")" = "0 0" ]
run clinic remove alpha
expect "remove again: exit 1" [ "$rc" -eq 1 ]
run clinic remove
expect "remove without NAME: exit 2" [ "$rc" -eq 2 ]
expect "beta is still there" [ "$(q "SELECT string_agg(name, ',') FROM clinics")" = beta ]

runenv "LEAKWATCH_DB=postgresql://127.0.0.1:1/nodb?connect_timeout=2" clinic list
expect "unreachable database: exit 4" [ "$rc" -eq 4 ]
run clinic --help
expect "help: the token is shown once" contains "$out" "ONCE"
expect "help: webhooks go directly, not through Tor" contains "$out" "DIRECTLY"
finish
