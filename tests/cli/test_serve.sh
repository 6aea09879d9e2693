#!/bin/sh
# leakwatch serve: the HTTP API of api/README.md driven with curl against a real server on a
# loopback port of its own choosing (--listen 127.0.0.1:0) and a real PostgreSQL.
#   - health, headers, auth (401 + WWW-Authenticate), 404/405 + Allow, 415, 413 (declared and
#     chunked), malformed JSON
#   - POST /v1/oprf/evaluate computes BlindEvaluate over HTTP: the RFC 9497 vector's BlindedElement
#     evaluated under the key file's key equals skS·B computed independently (python + libsodium
#     through ctypes, with DeriveKeyPair checked first against the RFC's own skSm); bad elements
#     (identity, non-canonical, bad base64, wrong length) named by index; 1001 elements refused
#   - the rate limit (429 + Retry-After, a batch over the burst 413), watchlist put/add/replace/
#     delete/get with counts, malformed rows with their index, alerts paging with since and limit,
#     clinic B never sees clinic A's alerts, /metrics in the Prometheus text format
#   - SIGTERM with a request in flight: it is answered, exit 0; default address 127.0.0.1
#   - PostgreSQL stopped under a running server (a cluster of its own): /healthz 503 and the API
#     503 unavailable; started again: 200 without restarting leakwatch
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../db/pg.sh"
pg_require
root=$(cd "$(dirname "$0")/../.." && pwd)
vectors="$root/tests/data/oprf/rfc9497-ristretto255-vectors.json"
PGDATABASE=$(newdb serve)
export PGDATABASE
write_key "$T/key" 1
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]
TA=$("$LW" clinic add clinic-a)
TB=$("$LW" clinic add clinic-b)
TR=$("$LW" clinic add clinic-r)
expect "clinic tokens" [ "${#TA}" -eq 47 ] && [ "${#TB}" -eq 47 ] && [ "${#TR}" -eq 47 ]

spid=""
port=""
pgc="$root/scripts/pg-cluster"
[ "$(id -u)" -ne 0 ] || chmod 0711 "$T"
# shellcheck disable=SC2317 # reached through the trap
cleanup_serve() {
    [ -z "$spid" ] || kill -TERM "$spid" 2>/dev/null
    [ ! -d "$T/pg" ] || "$pgc" destroy "$T/pg" >/dev/null 2>&1
    pg_cleanup
}
trap cleanup_serve EXIT
# start_server OUTPREFIX ARG...: serve in the background, wait for its "listening on" line
start_server() {
    pre=$1
    shift
    "$LW" -v serve "$@" >"$T/$pre.out" 2>"$T/$pre.err" &
    spid=$!
    i=0
    while [ "$i" -lt 100 ] && ! grep -q '^listening on ' "$T/$pre.out" 2>/dev/null; do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$T/$pre.out")
}

# req METHOD PATH TOKEN|- BODYFILE|- [CURL ARG...]: sets code, body, hdr
req() {
    m=$1 p=$2 tok=$3 bf=$4
    shift 4
    set -- -sS -o "$T/.body" -D "$T/.hdr" -w '%{http_code}' -X "$m" "$@"
    [ "$tok" = - ] || set -- "$@" -H "Authorization: Bearer $tok"
    case "$*" in
    *Content-Type:*) [ "$bf" = - ] || set -- --data-binary "@$bf" "$@" ;;
    *) [ "$bf" = - ] || set -- -H 'Content-Type: application/json' --data-binary "@$bf" "$@" ;;
    esac
    code=$(curl "$@" "http://127.0.0.1:$port$p" 2>"$T/.curlerr")
    body=$(cat "$T/.body" 2>/dev/null)
    hdr=$(tr -d '\r' <"$T/.hdr" 2>/dev/null)
    out="$code $body" err=$(cat "$T/.curlerr")
}
json() { printf '%s' "$1" >"$T/.req.json"; printf '%s' "$T/.req.json"; }
# jq-like: python3 -c on the last body
pj() { printf '%s' "$body" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1; }

start_server s1 --listen 127.0.0.1:0 --oprf-rate 10/h --oprf-burst 10 --threads 4
expect "serve: prints the port it bound" [ -n "$port" ]
[ -n "$port" ] || { cat "$T/s1.err" >&2; finish; exit 1; }

# ---- health, headers, routing ----
req GET /healthz - -
expect "healthz: 200" [ "$code" = 200 ]
expect "healthz: status ok" [ "$(pj 'd["status"]')" = ok ]
expect "headers: JSON" contains "$hdr" "Content-Type: application/json"
expect "headers: no-store" contains "$hdr" "Cache-Control: no-store"
expect "headers: nosniff" contains "$hdr" "X-Content-Type-Options: nosniff"
req GET /nope - -
expect "unknown path: 404 not_found" [ "$code" = 404 ] && [ "$(pj 'd["error"]["code"]')" = not_found ]
req GET /v1/oprf/evaluate "$TA" -
expect "wrong method: 405" [ "$code" = 405 ] && [ "$(pj 'd["error"]["code"]')" = method_not_allowed ]
expect "wrong method: Allow: POST" contains "$hdr" "Allow: POST"
req POST /v1/watchlist "$TA" "$(json '{}')"
expect "wrong method on watchlist: Allow lists PUT, DELETE, GET" contains "$hdr" "Allow: PUT, DELETE, GET"

# ---- auth ----
req GET /v1/watchlist - -
expect "no token: 401" [ "$code" = 401 ] && [ "$(pj 'd["error"]["code"]')" = unauthorized ]
expect "no token: WWW-Authenticate" contains "$hdr" 'WWW-Authenticate: Bearer realm="leakwatch"'
req GET /v1/watchlist "lwc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" -
expect "wrong token: 401" [ "$code" = 401 ]
req GET /v1/watchlist "${TA}x" -
expect "token with a byte more: 401" [ "$code" = 401 ]
req GET /v1/watchlist "$TA" -
expect "right token: 200" [ "$code" = 200 ]

# ---- evaluate: the RFC 9497 vector over HTTP ----
# python3 + libsodium (ctypes): DeriveKeyPair checked against the RFC's skSm, then skS·B for the
# key file's seed; prints "B64(BlindedElement) B64(expected) keyid" per vector, or FAIL lines.
cat >"$T/oprf.py" <<'EOF'
import base64, ctypes, ctypes.util, hashlib, json, sys
na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert na.sodium_init() >= 0
L = 2**252 + 27742317777372353535851937790883648493
def xmd(msg, dst, n):
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + msg + n.to_bytes(2, "big") + b"\0" + dst_prime).digest()
    b = [hashlib.sha512(b0 + b"\1" + dst_prime).digest()]
    while len(b) * 64 < n:
        prev = bytes(x ^ y for x, y in zip(b0, b[-1]))
        b.append(hashlib.sha512(prev + bytes([len(b) + 1]) + dst_prime).digest())
    return b"".join(b)[:n]
ctx = b"OPRFV1-\x00-ristretto255-SHA512"
def derive(seed, info):
    di = seed + len(info).to_bytes(2, "big") + info
    for c in range(256):
        sk = int.from_bytes(xmd(di + bytes([c]), b"DeriveKeyPair" + ctx, 64), "little") % L
        if sk:
            return sk.to_bytes(32, "little")
def mul(sk, point):
    q = ctypes.create_string_buffer(32)
    assert na.crypto_scalarmult_ristretto255(q, sk, point) == 0
    return q.raw
def base(sk):
    q = ctypes.create_string_buffer(32)
    assert na.crypto_scalarmult_ristretto255_base(q, sk) == 0
    return q.raw
suite = json.load(open(sys.argv[1]))[0]
h = bytes.fromhex
if derive(h(suite["seed"]), h(suite["keyInfo"])) != h(suite["skSm"]):
    print("FAIL DeriveKeyPair does not give the RFC's skSm")
for v in suite["vectors"]:
    if mul(h(suite["skSm"]), h(v["BlindedElement"])) != h(v["EvaluationElement"]):
        print("FAIL skSm*BlindedElement is not the RFC's EvaluationElement")
seed = bytes.fromhex(sys.argv[2])
sk = derive(seed, b"leakwatch-oprf-key-v1")
for v in suite["vectors"]:
    b = h(v["BlindedElement"])
    print(base64.b64encode(b).decode(), base64.b64encode(mul(sk, b)).decode(), base(sk)[:8].hex())
EOF
seed=$(sed -n 's/^oprf-seed //p' "$T/key")
python3 "$T/oprf.py" "$vectors" "$seed" >"$T/oprf.txt" 2>&1
expect "the reference computation runs" [ "$(grep -c FAIL "$T/oprf.txt")" = 0 ] && [ "$(wc -l <"$T/oprf.txt")" = 2 ]
b1=$(sed -n '1s/ .*//p' "$T/oprf.txt")
e1=$(sed -n '1{s/^[^ ]* //;s/ .*//;p;}' "$T/oprf.txt")
b2=$(sed -n '2s/ .*//p' "$T/oprf.txt")
e2=$(sed -n '2{s/^[^ ]* //;s/ .*//;p;}' "$T/oprf.txt")
kid=$(sed -n '1s/.* //p' "$T/oprf.txt")
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\"]}")"
expect "evaluate: 200" [ "$code" = 200 ]
expect "evaluate: skS*B of the RFC vector's BlindedElement" [ "$(pj 'd["evaluated"][0]')" = "$e1" ]
expect "evaluate: suite, mode, key_id" \
    [ "$(pj 'd["suite"], d["mode"], d["key_id"]')" = "ristretto255-SHA512 0 $kid" ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"suite\": \"ristretto255-SHA512\", \"blinded\": [\"$b2\", \"$b1\"]}")"
expect "evaluate: a batch answered in request order" \
    [ "$(pj '" ".join(d["evaluated"])')" = "$e2 $e1" ]
zero=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
ff=//////////////////////////////////////////8=
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\", \"$zero\"]}")"
expect "identity element: 400 invalid_element, index 1" \
    [ "$code $(pj 'd["error"]["code"], d["error"]["index"]')" = "400 invalid_element 1" ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$ff\"]}")"
expect "non-canonical element: 400 invalid_element, index 0" \
    [ "$code $(pj 'd["error"]["code"], d["error"]["index"]')" = "400 invalid_element 0" ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\", \"$b1\", \"not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!!\"]}")"
expect "bad base64: 400 bad_request, index 2" \
    [ "$code $(pj 'd["error"]["code"], d["error"]["index"]')" = "400 bad_request 2" ]
req POST /v1/oprf/evaluate "$TA" "$(json '{"blinded": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]}')"
expect "30 bytes: 400 bad_request, index 0" \
    [ "$code $(pj 'd["error"]["code"], d["error"]["index"]')" = "400 bad_request 0" ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\"], \"suite\": \"P256-SHA256\"}")"
expect "another suite: 400 bad_request" [ "$code" = 400 ] && [ "$(pj 'd["error"]["code"]')" = bad_request ]
req POST /v1/oprf/evaluate "$TA" "$(json '{"blinded": []}')"
expect "no elements: 400" [ "$code" = 400 ]
req POST /v1/oprf/evaluate "$TA" "$(json '{"blinded": ["x",]}')"
expect "malformed JSON: 400 bad_request, with the offset" \
    [ "$code $(pj 'd["error"]["code"]')" = "400 bad_request" ] && contains "$body" "at byte"
req POST /v1/oprf/evaluate "$TA" "$(json '{"blinded": [[[[["x"]]]]]}')"
expect "nested too deep: 400 bad_request" [ "$code $(pj 'd["error"]["code"]')" = "400 bad_request" ]
python3 -c "import sys; sys.stdout.write('{\"blinded\": [' + ','.join(['\"$b1\"'] * 1001) + ']}')" >"$T/big.json"
req POST /v1/oprf/evaluate "$TA" "$T/big.json"
expect "1001 elements: 413 batch_too_large" \
    [ "$code $(pj 'd["error"]["code"]')" = "413 batch_too_large" ]
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
req POST /v1/oprf/evaluate "$TA" "$T/huge.json"
expect "body over 256 KiB: 413 payload_too_large" \
    [ "$code $(pj 'd["error"]["code"]')" = "413 payload_too_large" ]
req POST /v1/oprf/evaluate "$TA" "$T/huge.json" -H 'Transfer-Encoding: chunked'
expect "chunked body over 256 KiB: 413 payload_too_large" \
    [ "$code $(pj 'd["error"]["code"]')" = "413 payload_too_large" ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\"]}")" -H 'Content-Type: text/plain'
expect "wrong content type: 415" [ "$code $(pj 'd["error"]["code"]')" = "415 unsupported_media_type" ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\"]}")" -H 'Content-Type: application/json; charset=utf-8'
expect "content type with a charset: 200" [ "$code" = 200 ]

# ---- rate limit: 10/h, burst 10, clinic R ----
six="{\"blinded\": [\"$b1\", \"$b1\", \"$b1\", \"$b1\", \"$b1\", \"$b1\"]}"
req POST /v1/oprf/evaluate "$TR" "$(json "$six")"
expect "rate: 6 of 10 pass" [ "$code" = 200 ]
req POST /v1/oprf/evaluate "$TR" "$(json "$six")"
expect "rate: 6 more: 429 rate_limited" [ "$code $(pj 'd["error"]["code"]')" = "429 rate_limited" ]
ra=$(printf '%s\n' "$hdr" | sed -n 's/^Retry-After: //p')
expect "rate: Retry-After in seconds (about 2/10 h)" [ -n "$ra" ] && [ "$ra" -ge 300 ] && [ "$ra" -le 1200 ]
req POST /v1/oprf/evaluate "$TR" "$(json "{\"blinded\": [\"$b1\", \"$b1\", \"$b1\", \"$b1\"]}")"
expect "rate: the 4 left pass" [ "$code" = 200 ]
python3 -c "import sys; sys.stdout.write('{\"blinded\": [' + ','.join(['\"$b1\"'] * 11) + ']}')" >"$T/eleven.json"
req POST /v1/oprf/evaluate "$TR" "$T/eleven.json"
expect "rate: a batch over the burst: 413 batch_too_large" \
    [ "$code $(pj 'd["error"]["code"]')" = "413 batch_too_large" ]
req POST /v1/oprf/evaluate "$TR" "$(json "{\"blinded\": [\"$zero\"]}")"
expect "rate: a bad batch is refused for what it is, not counted" [ "$code" = 400 ]
req POST /v1/oprf/evaluate "$TA" "$(json "{\"blinded\": [\"$b1\"]}")"
expect "rate: another clinic's budget is its own" [ "$code" = 200 ]

# ---- watchlist ----
b64hash() { python3 -c "import base64, hashlib; print(base64.b64encode(hashlib.sha256(b'$1').digest()).decode())"; }
h1=$(b64hash h1)
h2=$(b64hash h2)
h3=$(b64hash h3)
h4=$(b64hash h4)
rows="{\"rows\": [{\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"P-1\"},
 {\"hash\": \"$h2\", \"kind\": \"fi_hetu\", \"ref\": \"P-1\"}, {\"hash\": \"$h3\", \"kind\": \"phone\", \"ref\": \"P-\\u00e4\"}]}"
req PUT /v1/watchlist "$TB" "$(json "$rows")"
expect "watchlist put: 200" [ "$code" = 200 ]
expect "watchlist put: 3 rows added" [ "$(pj 'd["rows"], d["added"], d["removed"], d["kept"]')" = "3 3 0 0" ]
req GET /v1/watchlist "$TB" -
expect "watchlist get: counts by kind" \
    [ "$(pj 'd["total"], d["by_kind"]["email"], d["by_kind"]["fi_hetu"], d["by_kind"]["phone"]')" = "3 1 1 1" ]
req PUT '/v1/watchlist?mode=add' "$TB" "$(json "{\"rows\": [{\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"P-1\"}, {\"hash\": \"$h4\", \"kind\": \"iban\", \"ref\": \"P-2\"}]}")"
expect "watchlist add: 1 added, 1 kept, none removed" [ "$(pj 'd["added"], d["kept"], d["removed"]')" = "1 1 0" ]
req PUT '/v1/watchlist?mode=replace' "$TB" "$(json "{\"rows\": [{\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"P-1\"}, {\"hash\": \"$h2\", \"kind\": \"fi_hetu\", \"ref\": \"P-1\"}]}")"
expect "watchlist replace: 2 kept, 2 removed" [ "$(pj 'd["rows"], d["kept"], d["removed"], d["added"]')" = "2 2 2 0" ]
req GET /v1/watchlist "$TB" -
expect "watchlist get after replace: 2" [ "$(pj 'd["total"]')" = 2 ]
req GET /v1/watchlist "$TA" -
expect "watchlist get: another clinic's is empty" [ "$(pj 'd["total"]')" = 0 ]
req DELETE /v1/watchlist "$TB" "$(json "{\"rows\": [{\"hash\": \"$h2\", \"ref\": \"P-1\"}]}")"
expect "watchlist delete a row: 1 removed" [ "$code $(pj 'd["removed"]')" = "200 1" ]
req PUT /v1/watchlist "$TB" "$(json "{\"rows\": [{\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"P-1\"}, {\"hash\": \"$h2\", \"kind\": \"nope\", \"ref\": \"P-1\"}]}")"
expect "watchlist: bad kind: 400, index 1" [ "$code $(pj 'd["error"]["code"], d["error"]["index"]')" = "400 bad_request 1" ]
req PUT /v1/watchlist "$TB" "$(json "{\"rows\": [{\"hash\": \"AAAA\", \"kind\": \"email\", \"ref\": \"P-1\"}]}")"
expect "watchlist: bad hash: 400, index 0" [ "$code $(pj 'd["error"]["code"], d["error"]["index"]')" = "400 bad_request 0" ]
req PUT /v1/watchlist "$TB" "$(json "{\"rows\": [{\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"P-1\"}, {\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"P\\n1\"}]}")"
expect "watchlist: a control character in ref: 400, index 1" [ "$code $(pj 'd["error"]["index"]')" = "400 1" ]
req PUT /v1/watchlist "$TB" "$(json "{\"rows\": [{\"hash\": \"$h1\", \"kind\": \"email\", \"ref\": \"\"}]}")"
expect "watchlist: an empty ref: 400" [ "$code" = 400 ]
req PUT '/v1/watchlist?mode=merge' "$TB" "$(json '{"rows": []}')"
expect "watchlist: unknown mode: 400" [ "$code" = 400 ]
req GET /v1/watchlist "$TB" -
expect "watchlist: refused puts stored nothing" [ "$(pj 'd["total"]')" = 1 ]
req DELETE /v1/watchlist "$TB" "$(json '{"all": true}')"
expect "watchlist delete all" [ "$code $(pj 'd["removed"]')" = "200 1" ]

# ---- alerts: two leaked documents hold an e-mail address; clinic A enrolls its hash ----
printf 'email,name\npatient.one@example.fi,Anna\n' >"$T/leak1.csv"
printf 'email;note\npatient.one@example.fi;therapy session\n' >"$T/leak2.csv"
run ingest --label leak1 "$T/leak1.csv"
expect "ingest leak1" [ "$rc" -eq 0 ]
run ingest --label leak2 "$T/leak2.csv"
expect "ingest leak2" [ "$rc" -eq 0 ]
hh=$(q "SELECT DISTINCT encode(hash, 'base64') FROM hits WHERE kind = 0")
expect "one e-mail hash stored" [ "$(printf '%s\n' "$hh" | grep -c .)" = 1 ]
req PUT /v1/watchlist "$TA" "$(json "{\"rows\": [{\"hash\": \"$hh\", \"kind\": \"email\", \"ref\": \"P-7\"}]}")"
expect "enrolling a leaked hash creates an alert per document" [ "$code $(pj 'd["alerts"]')" = "200 2" ]
req GET '/v1/alerts?limit=1' "$TA" -
expect "alerts: first page of one" [ "$code $(pj 'len(d["alerts"])')" = "200 1" ]
expect "alerts: names the clinic's ref and kind" [ "$(pj 'd["alerts"][0]["matches"][0]["ref"], d["alerts"][0]["matches"][0]["kind"]')" = "P-7 email" ]
expect "alerts: no leaked value in the body" lacks "$body" "patient.one"
next=$(pj 'd["next"]')
expect "alerts: next is the seq returned" [ "$next" = "$(pj 'd["alerts"][0]["seq"]')" ]
req GET "/v1/alerts?since=$next" "$TA" -
expect "alerts: the second page" [ "$(pj 'len(d["alerts"])')" = 1 ] && [ "$(pj 'd["alerts"][0]["seq"] > '"$next")" = True ]
next2=$(pj 'd["next"]')
req GET "/v1/alerts?since=$next2" "$TA" -
expect "alerts: nothing after the last, next unchanged" [ "$(pj 'len(d["alerts"]), d["next"]')" = "0 $next2" ]
req GET '/v1/alerts?since=2000-01-01T00:00:00Z' "$TA" -
expect "alerts: since an ISO time" [ "$code $(pj 'len(d["alerts"])')" = "200 2" ]
req GET '/v1/alerts?since=yesterday' "$TA" -
expect "alerts: a bad since: 400" [ "$code" = 400 ]
req GET '/v1/alerts?limit=0' "$TA" -
expect "alerts: limit 0: 400" [ "$code" = 400 ]
req GET /v1/alerts "$TB" -
expect "alerts: clinic B sees none of clinic A's" [ "$code $(pj 'len(d["alerts"])')" = "200 0" ]

# ---- metrics ----
req GET /metrics - -
expect "metrics: 200 text" [ "$code" = 200 ] && contains "$hdr" "Content-Type: text/plain; version=0.0.4"
printf '%s\n' "$body" >"$T/metrics.txt"
mcheck=$(python3 - "$T/metrics.txt" <<'EOF'
import re, sys
line_re = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? -?[0-9.eE+-]+$')
bad = [l for l in open(sys.argv[1]).read().splitlines() if l and not l.startswith("#") and not line_re.match(l)]
print("ok every line is a comment or name{labels} value" if not bad else "FAIL " + repr(bad[:3]))
text = open(sys.argv[1]).read()
for want in ['leakwatch_http_requests_total{route="evaluate",code="200"}',
             'leakwatch_http_requests_total{route="evaluate",code="429"}',
             'leakwatch_http_requests_total{route="other",code="404"}',
             'leakwatch_http_request_duration_seconds_count{route="healthz"}',
             'leakwatch_oprf_evaluations_total ', 'leakwatch_oprf_rate_limited_total 1',
             'leakwatch_watchlist_rows_received_total ', 'leakwatch_alerts_pending ',
             'leakwatch_up 1', 'leakwatch_build_info{version="']:
    print(("ok has " if want in text else "FAIL lacks ") + want)
print("ok no raw path as a label" if "/nope" not in text else "FAIL a raw path in a label")
EOF
)
expect_lines "metrics" "$mcheck"
ev=$(sed -n 's/^leakwatch_oprf_evaluations_total //p' "$T/metrics.txt")
expect "metrics: evaluations counted (1+2+1+6+4+1)" [ "$ev" = 15 ]

# ---- logs: one line per request, no token ----
expect "log: a line per request with route and status" grep -q 'GET healthz 200' "$T/s1.err"
expect "log: no token" lacks "$(cat "$T/s1.err")" "$TA"
expect "log: no element" lacks "$(cat "$T/s1.err")" "$b1"

# ---- SIGTERM with a request in flight ----
{ printf '{"blinded": ["%s"]}' "$b1"; head -c 60000 /dev/zero | tr '\0' ' '; } >"$T/slow.json"
curl -sS -o "$T/slow.body" -w '%{http_code}' -H "Authorization: Bearer $TA" \
    -H 'Content-Type: application/json' --limit-rate 20k --data-binary "@$T/slow.json" \
    "http://127.0.0.1:$port/v1/oprf/evaluate" >"$T/slow.code" 2>/dev/null &
cpid=$!
sleep 1
kill -TERM "$spid"
t0=$(date +%s)
wait "$spid"
src=$?
spid=""
t1=$(date +%s)
wait "$cpid"
expect "SIGTERM: exit 0" [ "$src" -eq 0 ]
expect "SIGTERM: within a few seconds" [ $((t1 - t0)) -le 8 ]
expect "SIGTERM: the request in flight was answered" [ "$(cat "$T/slow.code")" = 200 ]
expect "SIGTERM: and evaluated" contains "$(cat "$T/slow.body")" "$e1"
req GET /healthz - -
expect "SIGTERM: nothing listens any more" [ "$code" = 000 ]

# ---- default address: 127.0.0.1 ----
"$LW" serve >"$T/def.out" 2>"$T/def.err" &
dpid=$!
i=0
while [ "$i" -lt 50 ] && ! grep -q '^listening' "$T/def.out" && kill -0 "$dpid" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
if grep -q '^listening' "$T/def.out"; then
    out=$(cat "$T/def.out") err=$(ss -ltn 'sport = :8080' 2>&1)
    expect "default: 127.0.0.1:8080" [ "$out" = "listening on http://127.0.0.1:8080" ]
    expect "default: bound to loopback, not 0.0.0.0" grep -q ' 0100007F:1F90 00000000:0000 0A ' /proc/net/tcp
    expect "default: not the wildcard" sh -c '! grep -q " 00000000:1F90 00000000:0000 0A " /proc/net/tcp'
    kill -TERM "$dpid"
    wait "$dpid"
else
    # port 8080 taken by someone else: the refusal still names the default address
    wait "$dpid"
    out="" err=$(cat "$T/def.err")
    expect "default: 127.0.0.1 port 8080 (busy here)" contains "$err" "127.0.0.1 port 8080"
fi
run serve --listen nonsense
expect "bad --listen: exit 2" [ "$rc" -eq 2 ]
run serve --oprf-rate 10/d
expect "bad --oprf-rate: exit 2" [ "$rc" -eq 2 ]
chmod 0644 "$T/key"
run serve --listen 127.0.0.1:0
expect "key file readable by others: exit 2" [ "$rc" -eq 2 ]
chmod 0600 "$T/key"

# ---- PostgreSQL down and back, on a cluster of its own ----
mkdir -p "$T/pg"
"$pgc" start "$T/pg" --fast >"$T/pgstart.log" 2>&1
expect "own cluster starts" [ $? -eq 0 ]
own=$("$pgc" conninfo "$T/pg")
runenv "LEAKWATCH_DB=$own" db migrate
runenv "LEAKWATCH_DB=$own" clinic add clinic-x
TX=$out
expect "own cluster: a clinic" [ "${#TX}" -eq 47 ]
LEAKWATCH_DB=$own
export LEAKWATCH_DB
start_server s2 --listen 127.0.0.1:0 --threads 2
unset LEAKWATCH_DB
expect "serve on its own cluster" [ -n "$port" ]
req GET /healthz - -
expect "db up: 200" [ "$code" = 200 ]
req GET /v1/watchlist "$TX" -
expect "db up: API 200" [ "$code" = 200 ]
"$pgc" stop "$T/pg" >/dev/null 2>&1
req GET /healthz - -
expect "db down: healthz 503 unavailable" [ "$code $(pj 'd["status"]')" = "503 unavailable" ]
req GET /v1/watchlist "$TX" -
expect "db down: API 503 unavailable" [ "$code $(pj 'd["error"]["code"]')" = "503 unavailable" ]
req POST /v1/oprf/evaluate "$TX" "$(json "{\"blinded\": [\"$b1\"]}")"
expect "db down: evaluate 503" [ "$code" = 503 ]
"$pgc" start "$T/pg" >/dev/null 2>&1
req GET /healthz - -
expect "db back: healthz 200" [ "$code" = 200 ]
req GET /v1/watchlist "$TX" -
expect "db back: API 200" [ "$code" = 200 ]
kill -TERM "$spid"
wait "$spid"
src=$?
spid=""
expect "stopped: exit 0" [ "$src" -eq 0 ]
"$pgc" destroy "$T/pg" >/dev/null 2>&1
finish
