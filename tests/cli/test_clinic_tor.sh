#!/bin/sh
# Clinics end to end, every part real: a private Tor network (tests/tor/tornet) with an onion paste
# site hosting two synthetic clinic leaks (tests/gen/gen-clinic), a real PostgreSQL, `leakwatch
# serve` on loopback, a webhook receiver that checks signatures with PyNaCl, and an aiosmtpd SMTP
# server offering STARTTLS.
#
#   1. two clinics enroll their own exports THROUGH THE API (blind OPRF: enroll runs with no key file
#      and no database reachable, so it cannot have done otherwise);
#   2. `leakwatch crawl` fetches the leaks from the .onion through Tor; matching runs in the
#      documents' transactions;
#   3. each clinic's alert names exactly its leaked refs and kinds (gen-clinic's expected.tsv),
#      with the record flags (therapy notes: health_text) and, for the page naming the clinic,
#      the mention; no unleaked ref, no other clinic's ref, no identifier value anywhere;
#   4. `alerts deliver` sends the alert to the webhook (signature valid, checked by PyNaCl and by
#      `leakwatch verify`) and by e-mail over STARTTLS, naming exactly the leaked refs;
#   5. GET /v1/alerts gives each clinic its own alerts only.
# Without tor this test says so loudly; with LEAKWATCH_REQUIRE_TOR=1 (CI) it then fails.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
tornet="$root/tests/tor/tornet"
peer_pids=""
e2e_cleanup() {
    for p in $peer_pids; do kill "$p" 2>/dev/null; done
    "$tornet" stop "$T/tor" >/dev/null 2>&1
    pg_cleanup
}
trap e2e_cleanup EXIT
trap 'e2e_cleanup; exit 130' INT
trap 'e2e_cleanup; exit 143' TERM

if ! command -v tor >/dev/null 2>&1; then
    echo "SKIPPED: tor is not installed — the clinic end-to-end test did not run" >&2
    if [ "${LEAKWATCH_REQUIRE_TOR:-0}" = 1 ]; then
        echo "FAIL: LEAKWATCH_REQUIRE_TOR=1: the real-Tor test must run here" >&2
        failed=$((failed + 1))
    fi
    finish
    exit $?
fi
pg_require
cd "$T" || exit 1

wait_line() { # FILE PATTERN: the first line of FILE matching PATTERN, waiting up to 10 s
    n=0
    while [ "$n" -lt 200 ]; do
        l=$(grep -m 1 -E "$2" "$1" 2>/dev/null)
        if [ -n "$l" ]; then echo "$l"; return 0; fi
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}

# -- the leaks and the clinics' exports (all synthetic)
"$root/tests/gen/gen-clinic" --out A --seed 11 --patients 40 --leaked 12 --others 20 \
    --clinic-name "Psykoterapiakeskus Esimerkki" || exit 1
"$root/tests/gen/gen-clinic" --out B --seed 12 --patients 30 --leaked 5 --others 10 \
    --clinic-name "Terapiaklinikka Toinen" || exit 1
mkdir -p site/raw site/paste
cp A/leak.html site/raw/esim1
cp B/leak.csv site/raw/toinen1
echo "paste" >site/paste/esim1
echo "paste" >site/paste/toinen1
printf '<html><body><a href="/paste/esim1">a</a> <a href="/paste/toinen1">b</a></body></html>\n' \
    >site/index.html

# -- Tor (started first: it takes half a minute, the rest is set up meanwhile)
"$tornet" start "$T/tor" --site "$T/site" --client-option 'SocksTimeout 30' --lifetime 600 \
    2>tornet.log
rc=$?
expect "the private Tor network starts" [ "$rc" -eq 0 ]

write_key "$T/key" 21
export LEAKWATCH_KEY_FILE="$T/key"
PGDATABASE=$(newdb e2e) || exit 1
export PGDATABASE
run db migrate
expect "db migrate" [ "$rc" -eq 0 ]

# -- the peers: a webhook receiver for clinic A, an SMTP server with STARTTLS
pub=$("$LW" key show --public)
python3 "$root/tests/fixtures/webhook.py" --port 0 --public-key "$pub" --log "$T/hook.log" \
    --bodies "$T/hook.bodies" --lifetime 600 >hook.port 2>hook.err &
peer_pids="$peer_pids $!"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout smtp.key -out smtp.crt >/dev/null 2>&1
python3 "$root/tests/fixtures/smtpd.py" --cert smtp.crt --key smtp.key --dir "$T/mail" \
    --lifetime 600 >smtp.port 2>smtp.err &
peer_pids="$peer_pids $!"
hook_port=$(wait_line hook.port '^[0-9]+$')
smtp_port=$(wait_line smtp.port '^[0-9]+$')
out="hook=$hook_port smtp=$smtp_port" err=""
expect "the webhook receiver and the SMTP server run" [ -n "$hook_port" ] && [ -n "$smtp_port" ]

# -- the operator sets up two clinics and runs the API
run clinic add esimerkki --webhook "http://127.0.0.1:$hook_port/hook" \
    --email security@esimerkki.example --region FI
expect "clinic add esimerkki" [ "$rc" -eq 0 ]
tokA=$(printf '%s\n' "$out" | grep -o 'lwc_[A-Za-z0-9_-]*' | head -n 1)
run clinic add toinen --region FI
expect "clinic add toinen" [ "$rc" -eq 0 ]
tokB=$(printf '%s\n' "$out" | grep -o 'lwc_[A-Za-z0-9_-]*' | head -n 1)
expect "both tokens printed" [ ${#tokA} -eq 47 ] && [ ${#tokB} -eq 47 ]
run watch keyword --clinic esimerkki "Psykoterapiakeskus Esimerkki"
expect "watch keyword" [ "$rc" -eq 0 ]

"$LW" -v serve --listen 127.0.0.1:0 >serve.out 2>serve.err &
serve_pid=$!
peer_pids="$peer_pids $serve_pid"
api=$(wait_line serve.out 'listening on http://' | sed 's/.*listening on //')
out=$api err=$(cat serve.err)
expect "serve listens on loopback" contains "$api" "http://127.0.0.1:"

# -- the clinics enroll through the API: no key file, no database in reach
for c in A:esimerkki:"$tokA" B:toinen:"$tokB"; do
    dir=${c%%:*}
    rest=${c#*:}
    name=${rest%%:*}
    tok=${rest#*:}
    (
        export LEAKWATCH_TOKEN="$tok" LEAKWATCH_KEY_FILE=/nonexistent/key \
            LEAKWATCH_DB="host=/nonexistent dbname=none"
        "$LW" enroll --clinic "$name" "$dir/clinic.csv" --server "$api" --region FI
    ) >"enroll.$dir.out" 2>"enroll.$dir.err"
    rc=$?
    out=$(cat "enroll.$dir.out") err=$(cat "enroll.$dir.err")
    expect "enroll $name through the API: exit 0" [ "$rc" -eq 0 ]
done
expect "clinic A's watchlist: 40 patients' e-mail, HETU and most phones" \
    [ "$(q "SELECT count(DISTINCT ref) FROM watchlist w JOIN clinics c ON c.id = w.clinic_id WHERE c.name = 'esimerkki'")" = 40 ]
expect "clinic B's watchlist" \
    [ "$(q "SELECT count(DISTINCT ref) FROM watchlist w JOIN clinics c ON c.id = w.clinic_id WHERE c.name = 'toinen'")" = 30 ]
expect "no alert before the crawl" [ "$(q "SELECT count(*) FROM alerts")" = 0 ]

# -- the crawl through Tor
"$tornet" wait "$T/tor" 150 2>>tornet.log
rc=$?
expect "a page comes back through the onion service" [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
    tail -n 30 tornet.log >&2
    finish
    exit 1
fi
eval "$("$tornet" env "$T/tor")"
export LEAKWATCH_PROXY="$TORNET_SOCKS"
run source add leaks --kind index --url "http://$TORNET_ONION/index.html" --link-pattern '/paste/' \
    --raw-template '{origin}/raw/{id}' --region FI
expect "source add (the onion)" [ "$rc" -eq 0 ]
run crawl --deadline 150s --delay 0s
expect "crawl through Tor: exit 0" [ "$rc" -eq 0 ]
expect "crawl: two new documents" contains "$out" "2 new documents"
expect "crawl: the summary counts the alerts" contains "$out" "2 alerts"

# -- the alerts
"$LW" alerts list --json >alerts.jsonl 2>alerts.err
cat >check_alerts.py <<'PY'
import json, sys
alerts = [json.loads(l) for l in open("alerts.jsonl") if l.strip()]
def exp(d):
    return sorted(tuple(l.rstrip("\n").split("\t")) for l in open(d + "/expected.tsv") if l.strip())
def ok(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else " — " + detail))
for clinic, d, mention in (("esimerkki", "A", "Psykoterapiakeskus Esimerkki"), ("toinen", "B", None)):
    mine = [a for a in alerts if a["clinic"] == clinic]
    ok(clinic + ": exactly one alert", len(mine) == 1, str(len(mine)))
    if not mine:
        continue
    a = mine[0]
    got = sorted((m["ref"], m["kind"]) for m in a["matches"])
    ok(clinic + ": the matches are exactly the leaked refs and kinds", got == exp(d),
       "got %s want %s" % (got, exp(d)))
    unleaked = {l.strip() for l in open(d + "/unleaked.tsv")}
    ok(clinic + ": no unleaked ref", not (unleaked & {r for r, _ in got}))
    ok(clinic + ": every match carries health_text (therapy notes)",
       all("health_text" in m["flags"] for m in a["matches"]))
    ok(clinic + ": the document's onion URL and source", a["source"] == "leaks" and
       ".onion/raw/" in (a["document"]["url"] or ""), json.dumps(a["document"]))
    if mention:
        ok(clinic + ": the page names the clinic: mention", a["mentions"] == [mention], str(a["mentions"]))
    else:
        ok(clinic + ": no mention", a["mentions"] == [], str(a["mentions"]))
    ok(clinic + ": delivery rows for its channels",
       set(a.get("delivery", {})) == ({"webhook", "email"} if d == "A" else set()), str(a.get("delivery")))
PY
expect_lines "alerts" "$(python3 check_alerts.py 2>&1)"

# -- GET /v1/alerts: each clinic its own
curl -s -H "Authorization: Bearer $tokA" "$api/v1/alerts?since=0" >apiA.json
curl -s -H "Authorization: Bearer $tokB" "$api/v1/alerts?since=0" >apiB.json
expect_lines "GET /v1/alerts" "$(python3 - <<'PY'
import json
for f, me, d in (("apiA.json", "esimerkki", "A"), ("apiB.json", "toinen", "B")):
    a = json.load(open(f))["alerts"]
    print(("ok " if len(a) == 1 and a[0]["clinic"] == me else "FAIL ") + f + ": one alert, its own")
    got = sorted((m["ref"], m["kind"]) for x in a for m in x["matches"])
    want = sorted(tuple(l.rstrip("\n").split("\t")) for l in open(d + "/expected.tsv") if l.strip())
    print(("ok " if got == want else "FAIL ") + f + ": exactly its own matches")
PY
)"

# -- delivery: webhook and e-mail
export LEAKWATCH_SMTP_URL="smtp://127.0.0.1:$smtp_port" LEAKWATCH_SMTP_FROM=alerts@operator.example
export LEAKWATCH_CA_FILE="$T/smtp.crt"
run alerts deliver
expect "alerts deliver: exit 0" [ "$rc" -eq 0 ]
expect "alerts deliver: two delivered" contains "$out" "delivered 2"
expect "the outbox is empty" \
    [ "$(q "SELECT count(*) FROM alert_deliveries WHERE state <> 'delivered'")" = 0 ]
expect_lines "delivered" "$(python3 - <<'PY'
import glob, json
log = [json.loads(l) for l in open("hook.log")]
print(("ok " if len(log) == 1 else "FAIL ") + "the webhook got one request (%d)" % len(log))
if log:
    print(("ok " if log[0]["signature_valid"] else "FAIL ") + "its Ed25519 signature verifies (PyNaCl)")
    body = json.load(open("hook.bodies/1.json"))
    got = sorted((m["ref"], m["kind"]) for m in body["matches"])
    want = sorted(tuple(l.rstrip("\n").split("\t")) for l in open("A/expected.tsv") if l.strip())
    print(("ok " if got == want else "FAIL ") + "the webhook body names exactly the leaked refs and kinds")
    print(("ok " if log[0]["alert_id"] == body["id"] == log[0]["idempotency_key"] else "FAIL ")
          + "alert id header == idempotency key == body id")
mails = sorted(glob.glob("mail/*.json"))
print(("ok " if len(mails) == 1 else "FAIL ") + "one e-mail (%d)" % len(mails))
if mails:
    m = json.load(open(mails[0]))
    print(("ok " if m["tls"] else "FAIL ") + "the e-mail went over STARTTLS")
    print(("ok " if m["rcpt_tos"] == ["security@esimerkki.example"] else "FAIL ") + "to the clinic's address")
    text = open(mails[0][:-5] + ".eml", encoding="utf-8", errors="replace").read()
    refs = [l.split("\t")[0] for l in open("A/expected.tsv")]
    print(("ok " if all(r in text for r in refs) else "FAIL ") + "the e-mail names every leaked ref")
    unleaked = [l.strip() for l in open("A/unleaked.tsv")]
    print(("ok " if not any(r in text for r in unleaked) else "FAIL ") + "and no unleaked ref")
PY
)"
ts=$(python3 -c 'import json; print(json.loads(open("hook.log").readline())["timestamp"])')
sig=$(python3 -c 'import json; print(json.loads(open("hook.log").readline())["signature"])')
run verify --timestamp "$ts" --signature "$sig" hook.bodies/1.json
expect "leakwatch verify: the delivered webhook is valid" [ "$rc" -eq 0 ]
run alerts deliver
expect "a second deliver run: nothing due, nothing printed" [ "$rc" -eq 0 ] && [ -z "$out" ]

# -- no identifier value anywhere: outputs, bodies, mail, the server's log, the database
pg_dumpall >dump.sql 2>/dev/null
expect_lines "no identifier value" "$(python3 - <<'PY'
import glob, os
vals = set()
for d in ("A", "B"):
    for l in list(open(d + "/clinic.csv", encoding="utf-8"))[1:]:
        cols = l.rstrip("\n").split(";")
        for v in cols[2:]:
            if v:
                vals.add(v)
                vals.add(v.lower())
                if v.startswith("+358"):
                    vals.add("0" + v[4:])
files = ["alerts.jsonl", "apiA.json", "apiB.json", "serve.out", "serve.err", "dump.sql",
         "enroll.A.out", "enroll.A.err", "enroll.B.out", "enroll.B.err"]
files += glob.glob("hook.bodies/*") + glob.glob("mail/*")
bad = []
for f in files:
    t = open(f, encoding="utf-8", errors="replace").read()
    bad += ["%s in %s" % (v, f) for v in vals if v in t]
print(("ok " if os.path.getsize("dump.sql") > 10000 else "FAIL ") + "the database dump was taken")
print(("ok " if not bad else "FAIL ") + "none of %d values in %d files %s" % (len(vals), len(files), bad[:3]))
PY
)"
kill "$serve_pid" 2>/dev/null
finish
