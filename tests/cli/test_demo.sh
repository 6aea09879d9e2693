#!/bin/sh
# scripts/demo — the README's run command — end to end, every part real: a private Tor network, the
# test harness' PostgreSQL (PG*), leakwatch serve, the webhook receiver. Against a throwaway
# directory (LEAKWATCH_DEMO_DIR) and a database of its own (LEAKWATCH_DEMO_DB):
#   1. a database of the demo's name that the demo did not make is refused, and left alone;
#   2. a run exits 0 and prints the alert naming exactly the leaked refs and kinds (checked against
#      tests/gen/gen-clinic's expected.tsv, generated here independently with the demo's seed), a
#      signature the receiver verified (and its own log agrees), the statistics table;
#      afterwards no process it started (serve, webhook.py, every Tor process) is left, by PID;
#   3. a second run does the same (the demo resets its database);
#   4. Ctrl-C (SIGINT to its process group, as a terminal sends it) midway: exit 130, nothing left.
# Without tor this test says so loudly; with LEAKWATCH_REQUIRE_TOR=1 (CI) it then fails.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
demo="$root/scripts/demo"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

demo_cleanup() { # a demo this test interrupted may have left a network if the demo itself failed
    [ -d "$T/demo/tor" ] && "$root/tests/tor/tornet" stop "$T/demo/tor" >/dev/null 2>&1
    pg_cleanup
}
trap demo_cleanup EXIT
trap 'demo_cleanup; exit 130' INT
trap 'demo_cleanup; exit 143' TERM

if ! command -v tor >/dev/null 2>&1; then
    echo "SKIPPED: tor is not installed — the demo test did not run" >&2
    if [ "${LEAKWATCH_REQUIRE_TOR:-0}" = 1 ]; then
        echo "FAIL: LEAKWATCH_REQUIRE_TOR=1: the real-Tor test must run here" >&2
        failed=$((failed + 1))
    fi
    finish
    exit $?
fi
pg_require
cd "$T" || exit 1

demo_db="lw_demo_$$"
echo "db $demo_db" >>"$pg_created"
export LEAKWATCH_DEMO_DIR="$T/demo" LEAKWATCH_DEMO_DB="$demo_db" LEAKWATCH_KEY_FILE="$T/demo.key"
export LEAKWATCH_BIN="$LW"

# the_demo NAME: run scripts/demo, output in NAME.out / NAME.err, $rc
the_demo() {
    "$demo" >"$1.out" 2>"$1.err"
    rc=$?
    out=$(cat "$1.out")
    err=$(cat "$1.err")
}

# leftovers: "NAME PID" of every process the demo recorded that still runs. The demo's own
# (serve, webhook) count when /proc says they are still leakwatch or webhook.py; tornet's
# pids file holds each process's start time, so a recycled PID is not mistaken for one of them.
leftovers() {
    if [ -r "$T/demo/pids" ]; then
        while read -r name pid; do
            cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")
            case $cmd in *leakwatch* | *webhook.py*) echo "$name $pid" ;; esac
        done <"$T/demo/pids"
    fi
    if [ -r "$T/demo/tor/pids" ]; then
        while read -r pid name start; do
            st=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
            # shellcheck disable=SC2086 # the fields after "pid (comm) " are space-separated
            set -- ${st##*) }
            [ "$1" != Z ] && [ "${20}" = "$start" ] && echo "$name $pid"
        done <"$T/demo/tor/pids"
    fi
}

recorded() { # how many processes the demo recorded (its own and tornet's)
    cat "$T/demo/pids" "$T/demo/tor/pids" 2>/dev/null | grep -c .
}

# -- the expected alert, independently: gen-clinic with the demo's seed and sizes
"$root/tests/gen/gen-clinic" --out ref --seed 7 --patients 40 --leaked 12 --others 20 \
    --clinic-name "Psykoterapiakeskus Esimerkki" || exit 1

# check_run NAME: the checks on a complete run's output
check_run() {
    expect "$1: exit 0" [ "$rc" -eq 0 ]
    expect "$1: one line per step, up to the delivery" contains "$out" "[13] deliver    leakwatch alerts deliver: delivered 1"
    expect "$1: the crawl went through the onion" contains "$out" ".onion after "
    expect_lines "$1" "$("$py" - "$1.out" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
want = sorted(tuple(l.rstrip("\n").split("\t")) for l in open("ref/expected.tsv") if l.strip())
got = sorted(tuple(m.groups()) for m in re.finditer(r"^      (P-\d{6})  (\w+)  \S+$", text, re.M))
def ok(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else " — " + detail))
ok("the alert names exactly the leaked refs and kinds (%d)" % len(want), got == want,
   "got %s" % got[:5])
ok("the alert names the clinic (mention)", "mentions:    Psykoterapiakeskus Esimerkki" in text)
ok("the receiver verified the signature", "1 request(s), 1 with a valid Ed25519 signature" in text
   and "signature verified: by the receiver" in text)
reqs = [json.loads(l) for l in open("demo/webhook/requests.log") if l.strip()]
ok("the receiver's own log: one request, signature valid",
   len(reqs) == 1 and reqs[0]["signature_valid"], str(reqs)[:200])
ok("the demo says what it stopped", "stopped: leakwatch serve, the webhook receiver, the Tor network" in text)
ok("PostgreSQL (the harness') was not the demo's to stop",
   "PostgreSQL was running before the demo and still is" in text)
ok("the end: demo: done", "\ndemo: done\n" in text)
PY
)"
    if "$LW" stats --help >/dev/null 2>&1; then
        stats=$(sed -n '/^Statistics for researchers/,/^$/p' "$1.out")
        out=$stats
        expect "$1: the statistics table" contains "$stats" "Statistics for researchers"
        expect "$1: the statistics table has a total row" contains "$stats" "total"
    else
        echo "SKIPPED: this leakwatch has no 'stats' command: the demo's statistics were not checked" >&2
    fi
    left=$(leftovers)
    out="recorded $(recorded): $left"
    expect "$1: the demo recorded its processes (serve, webhook, 9 of Tor's)" [ "$(recorded)" -ge 11 ]
    expect "$1: nothing it started still runs" [ -z "$left" ]
}

# -- 1. a database of that name the demo did not make: refused, untouched
other=$(newdb notdemo) || exit 1
qdb "$other" "CREATE TABLE precious (x int)" >/dev/null
(LEAKWATCH_DEMO_DB=$other && export LEAKWATCH_DEMO_DB && the_demo refused && echo "$rc" >refused.rc)
rc=$(cat refused.rc) out=$(cat refused.out) err=$(cat refused.err)
expect "another database of the demo's name: refused" [ "$rc" -ne 0 ]
expect "  with a clear message" contains "$err" "exists and is not the demo's: not touching it"
expect "  and left alone" [ "$(qdb "$other" "SELECT count(*) FROM pg_tables WHERE tablename = 'precious'")" = 1 ]
expect "  before anything was started" [ "$(recorded)" -eq 0 ]

# -- 2. the demo, 3. again
the_demo first
check_run first
the_demo second
check_run second
expect "second: the database is made afresh" contains "$(cat second.out)" "database $demo_db (made afresh)"
expect "second: the key is reused" contains "$(cat second.out)" "$T/demo.key (there already)"
expect "the demo's database is marked as the demo's" \
    [ "$(q "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$demo_db'")" = \
        "leakwatch demo database (scripts/demo drops and recreates it)" ]

# -- 4. Ctrl-C midway: the demo in a session of its own; SIGINT to the whole group. A background
# job of a non-interactive shell starts with SIGINT ignored, and then sh may not trap it: restore
# the default first, as a terminal's foreground job has it.
"$py" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$demo" \
    >int.out 2>int.err &
pid=$!
i=0
until grep -q '^\[ 9\] enroll' int.out 2>/dev/null || ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge 900 ]; do
    sleep 0.1
    i=$((i + 1))
done
out=$(cat int.out) err=$(cat int.err)
expect "interrupted run: got as far as the enrollment (serve, receiver, Tor running)" \
    contains "$out" "[ 9] enroll"
expect "  its processes run before the interrupt" [ -n "$(leftovers)" ]
kill -s INT -- "-$pid"
wait "$pid"
rc=$?
out=$(cat int.out) err=$(cat int.err)
expect "  Ctrl-C: exit 130" [ "$rc" -eq 130 ]
expect "  it says what it stopped" contains "$out" "stopped: leakwatch serve, the webhook receiver, the Tor network"
left=$(leftovers)
out="left: $left"
expect "  nothing it started still runs" [ -z "$left" ]
finish
