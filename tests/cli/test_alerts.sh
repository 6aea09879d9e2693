#!/bin/sh
# shellcheck disable=SC2016 # sh -c '…' scripts take their text as "$1"
# leakwatch alerts list / deliver end to end on loopback, against a real PostgreSQL
# (tests/pg/with-cluster), a webhook receiver that verifies signatures with PyNaCl
# (tests/fixtures/webhook.py) and a real SMTP server offering STARTTLS (tests/fixtures/smtpd.py):
#   - clinics enroll their own records; a dump with some of them is ingested; alerts list --json
#     names exactly the leaked refs and kinds, with the record flags, per clinic; a clinic sees only
#     its own alerts; a record that was not leaked, and a clinic with none leaked, never alert;
#   - no identifier value appears in any output, webhook body or e-mail;
#   - the webhook body's signature verifies (PyNaCl and leakwatch verify); a receiver failing the
#     first 2 requests gets the alert on the 3rd run (--retry-base 1s); every attempt is in
#     alert_attempts; the idempotency key is the alert id, the same on every retry;
#   - the e-mail arrives over STARTTLS (certificate checked against LEAKWATCH_CA_FILE) naming the
#     refs; an unreachable webhook stays pending with its error recorded and is 'failed' once the
#     alert is older than 24 h; two deliver runs started at once send each alert once; e-mail
#     without LEAKWATCH_SMTP_URL stays pending with a warning; configuration errors are exit 2, an
#     unreachable database exit 4.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1
out="" err="" rc=0
PY=python3
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import nacl.signing, aiosmtpd' 2>/dev/null; then PY=$p; break; fi
done

# -- peers: started here, killed by the EXIT trap with the databases
peer_pids=""
alerts_cleanup() {
    for p in $peer_pids; do kill "$p" 2>/dev/null; done
    pg_cleanup
}
trap alerts_cleanup EXIT
trap 'alerts_cleanup; exit 130' INT
trap 'alerts_cleanup; exit 143' TERM

wait_port() {
    n=0
    while [ "$n" -lt 200 ]; do
        p=$(head -n 1 "$1" 2>/dev/null)
        case $p in '' | *[!0-9]*) ;; *) echo "$p"; return 0 ;; esac
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}

write_key "$T/key" 1
export LEAKWATCH_KEY_FILE="$T/key"
pub=$("$LW" key show --public)

hook_start() { # NAME FAIL: a receiver; sets $hook_port
    "$PY" "$root/tests/fixtures/webhook.py" --port 0 --public-key "$pub" --log "$T/$1.log" \
        --bodies "$T/$1.bodies" --fail "$2" --lifetime 600 >"$T/$1.port" 2>"$T/$1.err" &
    peer_pids="$peer_pids $!"
    hook_port=$(wait_port "$T/$1.port")
}
hook_start hookA 2
portA=$hook_port
hook_start hookB 0
portB=$hook_port
dead_port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

openssl req -x509 -newkey rsa:2048 -nodes -keyout smtp.key -out smtp.crt -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
"$PY" "$root/tests/fixtures/smtpd.py" --cert smtp.crt --key smtp.key --dir "$T/mail" \
    --lifetime 600 >"$T/smtp.port" 2>"$T/smtp.err" &
peer_pids="$peer_pids $!"
smtp_port=$(wait_port "$T/smtp.port")
out="hook $portA $portB smtp $smtp_port" err=""
expect "the peers started" [ -n "$portA" ] && [ -n "$portB" ] && [ -n "$smtp_port" ]
export LEAKWATCH_CA_FILE="$T/smtp.crt"
SMTP="LEAKWATCH_SMTP_URL=smtp://127.0.0.1:$smtp_port"

PGDATABASE=$(newdb alerts) || exit 1
export PGDATABASE
"$LW" db migrate >/dev/null || exit 1

# Every output of leakwatch is kept, to check that no identifier value is in any of it.
log_run() {
    run "$@"
    printf '%s\n%s\n' "$out" "$err" >>"$T/all-output"
}
log_runenv() {
    runenv "$@"
    printf '%s\n%s\n' "$out" "$err" >>"$T/all-output"
}

# -- the clinics and what they enroll: REF;KIND;VALUE
log_run clinic add alpha --webhook "http://127.0.0.1:$portA/hook" --email soc@alpha.example --region FI
log_run clinic add beta --webhook "http://127.0.0.1:$dead_port/hook"
log_run clinic add gamma --webhook "http://127.0.0.1:$portB/hook"
log_run watch keyword --clinic alpha "Terapiakeskus Alfa"
cat >alpha.rows <<'ROWS'
P-1;email;anna.aalto@example.fi
P-1;fi_hetu;150385-1230
P-2;email;bertta.b@example.fi
P-3;email;cecilia.c@example.fi
P-3;fi_hetu;311299-789N
P-4;phone;+358401234567
ROWS
printf 'B-7;email;bertta.b@example.fi\n' >beta.rows
printf 'G-1;email;cecilia.c@example.fi\n' >gamma.rows
values="anna.aalto@example.fi 150385-1230 bertta.b@example.fi cecilia.c@example.fi 311299-789N
        +358401234567 401234567 dora.d@example.com 020790-456V eero.e@example.com"

# enroll CLINIC ROWS: the rows as the clinic's own export, enrolled with 'leakwatch enroll' (direct
# mode, on the operator's host)
enroll() {
    { echo "ref;sahkoposti;henkilotunnus;puhelin"
      while IFS=';' read -r ref kind value; do
          case $kind in email) echo "$ref;$value;;" ;; fi_hetu) echo "$ref;;$value;" ;; phone) echo "$ref;;;$value" ;; esac
      done <"$2"; } >"$1.csv"
    log_run enroll --clinic "$1" --ref-column ref "$1.csv"
    expect "enroll $1: exit 0" [ "$rc" -eq 0 ]
}
enroll alpha alpha.rows
enroll beta beta.rows
enroll gamma gamma.rows
out="" err=""
expect "enrolled: 8 watchlist rows" [ "$(q "SELECT count(*) FROM watchlist")" = 8 ]

# -- the leak: two of alpha's patients with therapy notes, one more by phone, strangers, the name
cat >leak.csv <<'LEAK'
nimi;sahkoposti;henkilotunnus;puhelin;muistiinpanot
Anna Aalto;ANNA.AALTO@example.fi;150385-1230;;terapiaistunto: masennus, ahdistus, lääkitys
Bertta Berg;Bertta.B@example.fi;;;
Dora Dahl;dora.d@example.com;020790-456v;040-123 4567;psykoterapia jatkuu
Eero Esko;eero.e@example.com;;;asiakas Terapiakeskus Alfa
LEAK
log_run ingest --region FI --label leak-1 leak.csv
expect "ingest the leak: exit 0" [ "$rc" -eq 0 ]
expect "two alerts: alpha and beta" [ "$(q "SELECT string_agg(c.name, ',' ORDER BY c.name) FROM alerts a JOIN clinics c ON c.id = a.clinic_id")" = alpha,beta ]

log_run alerts list --json
expect "list --json: exit 0" [ "$rc" -eq 0 ]
expect "list --json: one line per alert" [ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ]
printf '%s\n' "$out" >alerts.jsonl
check_alerts() {
    "$PY" - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["clinic"]: r for r in rows}
def ok(name, cond):
    print(("ok " if cond else "FAIL ") + name)
a, b = by.get("alpha"), by.get("beta")
ok("alpha has an alert", a is not None)
ok("beta has an alert", b is not None)
if a:
    got = sorted((m["ref"], m["kind"]) for m in a["matches"])
    ok("alpha: exactly the leaked refs and kinds %s" % got,
       got == [("P-1", "email"), ("P-1", "fi_hetu"), ("P-2", "email"), ("P-4", "phone")])
    fl = {(m["ref"], m["kind"]): m["flags"] for m in a["matches"]}
    ok("alpha: P-1's record had therapy text and a name %s" % fl.get(("P-1", "email")),
       {"health_text", "name"} <= set(fl.get(("P-1", "email"), [])))
    ok("alpha: P-2's record had a name but no therapy text %s" % fl.get(("P-2", "email")),
       "name" in fl.get(("P-2", "email"), []) and "health_text" not in fl.get(("P-2", "email"), []))
    ok("alpha: the mention", a.get("mentions") == ["Terapiakeskus Alfa"])
    ok("alpha: reason document, label leak-1", a["reason"] == "document" and a["document"]["label"] == "leak-1")
    ok("alpha: counts.refs 3", a["counts"]["refs"] == 3)
    ok("alpha: delivery states pending", a.get("delivery") == {"webhook": "pending", "email": "pending"})
if b:
    ok("beta: only its own ref", [(m["ref"], m["kind"]) for m in b["matches"]] == [("B-7", "email")])
    ok("beta: no mention of alpha's keyword", b.get("mentions") == [])
PY
}
expect_lines "alerts" "$(check_alerts alerts.jsonl)"
alpha_id=$(q "SELECT a.public_id FROM alerts a JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'alpha'")

log_run alerts list --clinic alpha --json
expect "list --clinic alpha: only alpha's" \
    [ "$(printf '%s\n' "$out" | "$PY" -c 'import json, sys; print(",".join(json.loads(l)["clinic"] for l in sys.stdin))')" = alpha ]
log_run alerts list --clinic gamma
expect "list --clinic gamma (nothing leaked): nothing, exit 0" [ "$rc:$out" = "0:" ]
log_run alerts list --clinic nosuch
expect "list --clinic unknown: exit 1" [ "$rc" -eq 1 ]
seq_alpha=$(q "SELECT a.id FROM alerts a JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'alpha'")
log_run alerts list --since "$seq_alpha" --json
expect "list --since: only later alerts" \
    [ "$(printf '%s\n' "$out" | "$PY" -c 'import json, sys; print(",".join(json.loads(l)["clinic"] for l in sys.stdin))')" = beta ]
log_run alerts list --clinic alpha
expect "list: readable block" contains "$out" "clinic alpha  reason document"
expect "list: a match line" sh -c 'printf "%s\n" "$1" | grep -Eq "^    P-1  fi_hetu  .*health_text"' - "$out"
expect "list: mentions" contains "$out" "mentions:    Terapiakeskus Alfa"
expect "list: delivery" sh -c 'printf "%s\n" "$1" | grep -Eq "^  delivery: +(webhook pending, email pending|email pending, webhook pending)$"' - "$out"

# -- deliver, run 1: alpha's receiver fails (1 of 2), beta's is unreachable, alpha's mail goes out
log_runenv "$SMTP" alerts deliver --retry-base 1s --timeout 5s
expect "run 1: exit 0 though receivers failed" [ "$rc" -eq 0 ]
expect "run 1: summary" [ "$out" = "delivered 1, failed 2 (will retry), gave up 0" ]
expect "run 1: mail arrived" [ -f mail/1.json ]
mailmeta=$(cat mail/1.json 2>/dev/null)
expect "mail: over STARTTLS" contains "$mailmeta" '"tls": true'
expect "mail: to alpha's address" contains "$mailmeta" '"rcpt_tos": ["soc@alpha.example"]'
mail=$(cat mail/1.eml 2>/dev/null)
expect "mail: names the refs" sh -c 'for r in P-1 P-2 P-4; do printf "%s" "$1" | grep -q -- "- $r: " || exit 1; done' - "$mail"
expect "mail: not the unleaked ref" lacks "$mail" "P-3"
expect "mail: the flags in words" contains "$mail" "therapy or medical text"
expect "mail: Subject" contains "$mail" "Subject: leakwatch alert: 3 of your records in a leak (leak-1)"
expect "mail: the alert id header" contains "$mail" "X-Leakwatch-Alert-Id: $alpha_id"
expect "mail: Message-ID" contains "$mail" "Message-ID: <$alpha_id@leakwatch>"
expect "mail: CRLF line endings" [ "$(tr -cd '\r' <mail/1.eml | wc -c)" -ge "$(grep -c '' mail/1.eml)" ]
expect "mail: what to do" contains "$mail" "Do not download"
expect "alpha's webhook: one request" [ "$(grep -c '' hookA.log)" -eq 1 ]
expect "beta: pending, error connect" [ "$(q "SELECT o.state || ' ' || o.last_error FROM alert_deliveries o JOIN alerts a ON a.id = o.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'beta'")" = "pending connect" ]

due_sleep() { # until every pending webhook is due again
    s=$(q "SELECT ceil(greatest(0, extract(epoch FROM max(next_attempt_at) - now())) * 10) FROM alert_deliveries WHERE state = 'pending'")
    sleep "$(((${s:-0} + 3) / 10 + 1))"
}
due_sleep
log_runenv "$SMTP" alerts deliver --retry-base 1s --timeout 5s
expect "run 2: both fail again" [ "$rc:$out" = "0:delivered 0, failed 2 (will retry), gave up 0" ]
due_sleep
log_runenv "$SMTP" alerts deliver --retry-base 1s --timeout 5s
expect "run 3: alpha's webhook delivered" [ "$rc:$out" = "0:delivered 1, failed 1 (will retry), gave up 0" ]
expect "receiver A: three requests" [ "$(grep -c '' hookA.log)" -eq 3 ]
check_hook() {
    "$PY" - "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
aid = sys.argv[2]
def ok(name, cond):
    print(("ok " if cond else "FAIL ") + name)
ok("every request's signature verifies (PyNaCl)", all(r["signature_valid"] for r in recs))
ok("statuses 500, 500, 200", [r["status"] for r in recs] == [500, 500, 200])
ok("the alert id on every request", all(r["alert_id"] == aid for r in recs))
ok("the idempotency key is the alert id on every retry", all(r["idempotency_key"] == aid for r in recs))
ok("the same body every time", len({r["sha256"] for r in recs}) == 1)
ok("Content-Type application/json", all(r["content_type"] == "application/json" for r in recs))
ok("User-Agent leakwatch/", all(r["user_agent"].startswith("leakwatch/") for r in recs))
b = json.load(open(sys.argv[1].replace(".log", ".bodies/3.json")))
ok("the body is the alert", b["id"] == aid and b["clinic"] == "alpha" and "delivery" not in b)
PY
}
expect_lines "webhook" "$(check_hook hookA.log "$alpha_id")"
ts=$("$PY" -c 'import json; print(json.loads(open("hookA.log").readlines()[2])["timestamp"])')
sig=$("$PY" -c 'import json; print(json.loads(open("hookA.log").readlines()[2])["signature"])')
log_run verify --public-key "$pub" --timestamp "$ts" --signature "$sig" --max-age 300 hookA.bodies/3.json
expect "leakwatch verify: the received body is valid" [ "$rc:$out" = "0:valid" ]
expect "attempts recorded: alpha webhook false 500, false 500, true 200" \
    [ "$(q "SELECT string_agg(t.ok || ':' || coalesce(t.status, 0) || ':' || coalesce(t.error, '-'), ' ' ORDER BY t.id) FROM alert_attempts t JOIN alerts a ON a.id = t.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'alpha' AND t.channel = 'webhook'")" = \
      "false:500:http_500 false:500:http_500 true:200:-" ]
expect "attempts recorded: alpha e-mail one, ok" \
    [ "$(q "SELECT string_agg(t.ok || ':' || coalesce(t.status, 0), ' ') FROM alert_attempts t JOIN alerts a ON a.id = t.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'alpha' AND t.channel = 'email'")" = "true:250" ]
expect "attempts recorded: beta three, connect" \
    [ "$(q "SELECT count(*) || ' ' || string_agg(DISTINCT t.error, ',') FROM alert_attempts t JOIN alerts a ON a.id = t.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'beta'")" = "3 connect" ]
log_run alerts list --clinic alpha --json
expect "list: alpha delivered on both channels" \
    [ "$(printf '%s\n' "$out" | "$PY" -c 'import json, sys; print(json.loads(sys.stdin.readline())["delivery"] == {"email": "delivered", "webhook": "delivered"})')" = True ]

# -- past the 24 h window: beta's alert is failed
q "UPDATE alerts SET created_at = now() - interval '25 hours' FROM clinics c WHERE c.id = alerts.clinic_id AND c.name = 'beta'" >/dev/null
q "UPDATE alert_deliveries SET next_attempt_at = now()" >/dev/null
log_runenv "$SMTP" alerts deliver --retry-base 1s --timeout 5s
expect "after 24 h: gave up" [ "$rc:$out" = "0:delivered 0, failed 0 (will retry), gave up 1" ]
expect "after 24 h: beta's row is failed" [ "$(q "SELECT o.state FROM alert_deliveries o JOIN alerts a ON a.id = o.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'beta'")" = failed ]
log_runenv "$SMTP" alerts deliver --retry-base 1s
expect "nothing due: quiet, exit 0" [ "$rc:$out" = "0:" ]

# -- two deliver runs at once: each alert sent once
log_run clinic add delta --webhook "http://127.0.0.1:$portB/hook"
printf 'D-1;email;delta.only@example.org\n' >delta.rows
enroll delta delta.rows
i=1
while [ "$i" -le 12 ]; do
    printf 'email;note\ndelta.only@example.org;copy %s\n' "$i" >"delta$i.csv"
    i=$((i + 1))
done
log_run ingest --label delta-leak delta1.csv delta2.csv delta3.csv delta4.csv delta5.csv delta6.csv \
    delta7.csv delta8.csv delta9.csv delta10.csv delta11.csv delta12.csv
expect "12 delta alerts" [ "$(q "SELECT count(*) FROM alerts a JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'delta'")" = 12 ]
# shellcheck disable=SC2163 # exports the variable that $SMTP assigns
(export "$SMTP"; "$LW" alerts deliver --retry-base 1s >con1.out 2>&1) &
c1=$!
# shellcheck disable=SC2163
(export "$SMTP"; "$LW" alerts deliver --retry-base 1s >con2.out 2>&1) &
c2=$!
wait "$c1"
wait "$c2"
cat con1.out con2.out >>"$T/all-output"
out=$(cat con1.out con2.out) err=""
expect "concurrent: receiver B got 12 requests" [ "$(grep -c '' hookB.log)" -eq 12 ]
expect "concurrent: 12 distinct alert ids" [ "$("$PY" -c 'import json; print(len({json.loads(l)["alert_id"] for l in open("hookB.log")}))')" -eq 12 ]
expect "concurrent: 12 attempts, all delivered" \
    [ "$(q "SELECT count(*) FILTER (WHERE t.ok) || '/' || count(*) FROM alert_attempts t JOIN alerts a ON a.id = t.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'delta'")" = 12/12 ]

# -- e-mail without SMTP settings: left pending, one warning
log_run clinic add epsilon --email soc@epsilon.example
printf 'E-1;email;eps.only@example.org\n' >eps.rows
enroll epsilon eps.rows
printf 'email\neps.only@example.org\n' >eps.csv
log_run ingest --label eps-leak eps.csv
log_run alerts deliver --retry-base 1s
expect "no SMTP: exit 0" [ "$rc" -eq 0 ]
expect "no SMTP: warns" contains "$err" "LEAKWATCH_SMTP_URL is not set"
expect "no SMTP: the row stays pending, not attempted" \
    [ "$(q "SELECT o.state || ' ' || o.attempts FROM alert_deliveries o JOIN alerts a ON a.id = o.alert_id JOIN clinics c ON c.id = a.clinic_id WHERE c.name = 'epsilon'")" = "pending 0" ]

# -- configuration and database errors
log_runenv "LEAKWATCH_SMTP_URL=http://127.0.0.1:25" alerts deliver
expect "SMTP URL not smtp: exit 2" [ "$rc" -eq 2 ]
expect "SMTP URL: named" contains "$err" "LEAKWATCH_SMTP_URL"
log_run alerts deliver --retry-base 0s
expect "bad --retry-base: exit 2" [ "$rc" -eq 2 ]
log_runenv "LEAKWATCH_DB=postgresql://127.0.0.1:1/nodb?connect_timeout=2" alerts deliver
expect "unreachable database: exit 4" [ "$rc" -eq 4 ]
log_runenv "LEAKWATCH_KEY_FILE=$T/nokey" alerts deliver
expect "no key file: exit 2" [ "$rc" -eq 2 ]

# -- no identifier value anywhere: outputs, webhook bodies, e-mails
cat hookA.bodies/* hookB.bodies/* mail/*.eml >>"$T/all-output" 2>/dev/null
leaked=""
for v in $values; do
    if grep -qiF -- "$v" "$T/all-output"; then leaked="$leaked $v"; fi
done
out=$leaked err=""
expect "no identifier value in any output, body or e-mail" [ -z "$leaked" ]
finish
