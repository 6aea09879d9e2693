#!/bin/sh
# bench/enroll.sh — the clinic features: blind enrollment through the API, the cost of matching
# watchlists inside the ingest transaction, and the mentions scanner; each figure beside a
# reference measured in the same run, as a ratio. No pass/fail.
#
#   bench/enroll.sh                 (make bench runs it after bench/crawl.sh)
#   BENCH_ENROLL_PATIENTS=20000     patients in the clinic's export (about 2.9 identifiers each)
#   BENCH_ENROLL_OTHERS=60000       people in the leak who are not the clinic's patients
#   BENCH_MENTIONS_MB=200           size of the text the mentions scanner reads, MB
#   LEAKWATCH_BIN=build/release/leakwatch          the binary under test
#   BENCH_OPRF_BIN=build/release/bench/bench_oprf  the raw-rate reference (--raw-rate SECONDS)
#   BENCH_MENTIONS_BIN=bench_mentions beside BENCH_OPRF_BIN: the scanner (--file F --keywords K)
#
# The data is tests/gen/gen-clinic --patients P --leaked P/10 --others M: clinic.csv (the clinic's
# export), leak.csv (a leak of a tenth of its patients among M strangers: every record new, so
# every identifier costs an OPRF evaluation) and leak.html (the same records as a paste naming the
# clinic), cached under build/bench-data/enroll/ and regenerated when the generator or a size
# changes. The mentions text is leak.html repeated to BENCH_MENTIONS_MB.
#
# One run starts a throwaway cluster (scripts/pg-cluster start --fast: fsync off, as in the tests),
# makes a key, then:
#   1. `leakwatch enroll --server` of clinic.csv through `leakwatch serve` on loopback (blind: the
#      client blinds and finalises, the server evaluates blinded elements), identifiers enrolled
#      per second end to end, beside (a) `leakwatch enroll` without --server (the key evaluates
#      directly, written to the database directly) on the same export into a database of its own,
#      and (b) libsodium's raw rate of one group operation (bench_oprf --raw-rate: from_hash +
#      scalarmult, one thread, best of before and after the run). Blind enrollment costs about
#      three of those per identifier (client Blind, server BlindEvaluate, client Finalize), direct
#      evaluation one: the blind rate is set beside raw/3 and raw/1, the direct rate beside raw/1.
#      Both clients are one thread; the server's evaluation of a batch waits for the client.
#   2. `leakwatch ingest` of leak.csv into a database with no watchlist (the reference), and into a
#      copy (CREATE DATABASE … TEMPLATE) of the direct-enrollment database, where the clinic's
#      watchlist holds the whole export: the same OPRF work, plus the matching statement in the
#      ingest transaction and the alert it creates. Alternated three times into fresh databases,
#      best of each kept; wall time of each and the ratio. On a small shared machine the wall can
#      move by more than matching costs, so the matching statement's own duration is read from the
#      server log too (log_min_duration_statement = 0 for these databases only; parse, bind and
#      execute summed), beside the same statement with no watchlist and beside the ingest's wall.
#      Keywords are left out here (3 covers them).
#   3. The keyword scanner (parsers/mentions.h, through bench_mentions --file) over the mentions
#      text with 100 keywords (the clinic's name, a word of every fifth session note, 98 clinic
#      names that do not occur), MB/s of CPU time, beside `rg -i -w -c -F -f KEYWORDS` on the same
#      file: ripgrep matching 100 fixed strings as words, case-insensitively. Both one thread, both
#      read the file from the page cache; best of three alternating runs each. ingest --dry-run is
#      no substitute: it does not scan for mentions (no database, no keywords).
# Wall time for 1 and 2 (enrollment and ingest are spread over processes and threads: the wall is
# what a user waits for); CPU time for 3. On a shared machine the wall measures the neighbours too,
# so the load average is printed with the figures.
set -eu
cd "$(dirname "$0")/.."
LW=${LEAKWATCH_BIN:-build/release/leakwatch}
OPRF=${BENCH_OPRF_BIN:-build/release/bench/bench_oprf}
MENTIONS=${BENCH_MENTIONS_BIN:-$(dirname "$OPRF")/bench_mentions}
PATIENTS=${BENCH_ENROLL_PATIENTS:-20000}
OTHERS=${BENCH_ENROLL_OTHERS:-60000}
TEXT_MB=${BENCH_MENTIONS_MB:-200}
GEN=tests/gen/gen-clinic
PGC=scripts/pg-cluster
DATA=build/bench-data/enroll
RAW_SECONDS=2
ROUNDS="1 2 3"
CLINIC_NAME="Psykoterapiakeskus Esimerkki"
me=bench/enroll.sh

die() {
    echo "$me: $*" >&2
    exit 1
}

for tool in /usr/bin/time python3 psql rg; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "$me: $tool is missing (scripts/install-deps bench run test)" >&2
        exit 2
    }
done
for bin in "$LW" "$OPRF" "$MENTIONS"; do
    [ -x "$bin" ] || { echo "$me: no $bin (make $bin)" >&2; exit 2; }
done
for v in BENCH_ENROLL_PATIENTS="$PATIENTS" BENCH_ENROLL_OTHERS="$OTHERS" \
    BENCH_MENTIONS_MB="$TEXT_MB"; do
    case ${v#*=} in
        *[!0-9]* | "" | 0*) die "${v%%=*}: not a positive number: ${v#*=}" ;;
    esac
done
LEAKED=$((PATIENTS / 10))
[ "$LEAKED" -ge 1 ] || LEAKED=1

# -- the data, cached (gen-clinic borrows gen-dumps' people, so both are in the stamp)
stamp="$(cat "$GEN" tests/gen/gen-dumps | sha256sum | cut -c1-16) patients=$PATIENTS"
stamp="$stamp leaked=$LEAKED others=$OTHERS text=$TEXT_MB"
if [ "$(cat "$DATA/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "$me: generating a clinic of $PATIENTS and a leak of $((LEAKED + OTHERS)) in $DATA..." >&2
    rm -rf "$DATA"
    mkdir -p "$DATA"
    "$GEN" --out "$DATA" --seed 31 --patients "$PATIENTS" --leaked "$LEAKED" \
        --others "$OTHERS" --clinic-name "$CLINIC_NAME" >/dev/null 2>"$DATA/gen.err" ||
        die "gen-clinic failed: $(tail -n 1 "$DATA/gen.err")"
    rm -f "$DATA/expected.tsv" "$DATA/unleaked.tsv" "$DATA/gen.err"
    python3 - "$DATA/leak.html" "$DATA/text.html" "$TEXT_MB" <<'EOF'
import sys
src, dst, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
chunk = open(src, "rb").read()
with open(dst, "wb") as f:
    written = 0
    while written < mb * 10**6:
        f.write(chunk)
        written += len(chunk)
EOF
    echo "$stamp" >"$DATA/stamp"
fi
CLINIC=$DATA/clinic.csv
LEAK=$DATA/leak.csv
TEXT=$DATA/text.html

# -- a throwaway cluster and server, gone on exit
for v in $(env | sed -n 's/^\(PG[A-Z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
unset LEAKWATCH_DB LEAKWATCH_TOKEN
serve_pid=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lw-bench-enroll-XXXXXX")
# As root the server runs as postgres, which must be able to pass through to $tmp/pg.
[ "$(id -u)" -ne 0 ] || chmod 0711 "$tmp"

stop_serve() {
    if [ -n "$serve_pid" ]; then
        kill "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
        serve_pid=""
    fi
}

# shellcheck disable=SC2317 # reached through the traps
cleanup() {
    trap - EXIT INT TERM HUP
    stop_serve
    "$PGC" destroy "$tmp/pg" >"$tmp/pg-cluster.out" 2>&1 || cat "$tmp/pg-cluster.out" >&2
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 129' HUP
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

"$PGC" start "$tmp/pg" --fast >"$tmp/pg-cluster.out" 2>&1 || {
    cat "$tmp/pg-cluster.out" >&2
    die "could not start a throwaway PostgreSQL cluster in $tmp/pg"
}
eval "$("$PGC" env "$tmp/pg")"
"$LW" key generate --out "$tmp/key" >/dev/null
LEAKWATCH_KEY_FILE=$tmp/key
export LEAKWATCH_KEY_FILE

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
sql_in() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# new_db DB [TEMPLATE]: a migrated database (a copy of TEMPLATE when given).
new_db() {
    if [ $# -gt 1 ]; then
        sql "CREATE DATABASE $1 TEMPLATE $2"
    else
        sql "CREATE DATABASE $1"
        env PGDATABASE="$1" "$LW" db migrate >/dev/null || die "db migrate ($1) failed"
    fi
}

# timed NAME CMD…: CMD's stdout into NAME.json, GNU time's "wall user sys" into NAME.time.
timed() {
    name=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$tmp/$name.time" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" || {
        tail -n 5 "$tmp/$name.err" >&2
        die "$name failed: $*"
    }
}

raw_rate() {
    "$OPRF" --raw-rate "$RAW_SECONDS" >>"$tmp/raw" || die "$OPRF --raw-rate failed"
}

load_start=$(loadavg)
raw_rate

# -- 1. blind enrollment through the API, then direct enrollment into a database of its own
new_db bench_blind
token=$(env PGDATABASE=bench_blind "$LW" clinic add blind --region FI) ||
    die "clinic add blind failed"
PGDATABASE=bench_blind "$LW" serve --listen 127.0.0.1:0 --oprf-rate 1000000000/h \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
n=0
until grep -q '^listening on http://' "$tmp/serve.out"; do
    kill -0 "$serve_pid" 2>/dev/null || { tail -n 5 "$tmp/serve.err" >&2; die "serve exited"; }
    [ "$n" -lt 200 ] || die "serve did not listen within 10 s"
    sleep 0.05
    n=$((n + 1))
done
url=$(sed -n 's/^listening on //p' "$tmp/serve.out" | head -n 1)
cat "$CLINIC" >/dev/null
# The token in the environment, not in an argument that ps and the error message would show.
LEAKWATCH_TOKEN=$token
export LEAKWATCH_TOKEN
timed blind "$LW" enroll --clinic blind --json "$CLINIC" --server "$url"
unset LEAKWATCH_TOKEN
stop_serve

new_db bench_direct
env PGDATABASE=bench_direct "$LW" clinic add direct --region FI >/dev/null ||
    die "clinic add direct failed"
timed direct env PGDATABASE=bench_direct "$LW" enroll --clinic direct --json "$CLINIC"

# -- 2. the same leak into no watchlist and into the clinic's, alternated, best of each kept
PGLOG=$tmp/pg/log/postgresql.log
[ -r "$PGLOG" ] || die "no server log at $PGLOG"
new_db bench_empty0
for i in $ROUNDS; do
    new_db "bench_empty$i" bench_empty0
    new_db "bench_watch$i" bench_direct
    for side in empty watch; do
        sql "ALTER DATABASE bench_$side$i SET log_min_duration_statement = 0"
    done
done
cat "$LEAK" >/dev/null
for i in $ROUNDS; do
    for side in empty watch; do
        sql CHECKPOINT
        off=$(wc -c <"$PGLOG")
        timed "$side$i" env PGDATABASE="bench_$side$i" \
            "$LW" ingest --json --no-progress --region FI "$LEAK"
        tail -c +"$((off + 1))" "$PGLOG" >"$tmp/$side$i.log"
    done
done
sql_in bench_watch1 "SELECT count(*) FROM alert_matches" >"$tmp/watch.matches"
sql_in bench_watch1 "SELECT count(*) FROM watchlist" >"$tmp/watch.rows"

# -- 3. mentions over the text, beside ripgrep, alternated, best of three each
{
    echo "$CLINIC_NAME"
    echo Lyhytterapia
    i=1
    while [ "$i" -le 98 ]; do
        case $((i % 3)) in
            0) echo "Terapiakeskus Mielenrauha $i" ;;
            1) echo "Mielenterveyspalvelut Päivänsäde$i" ;;
            *) echo "Psykoklinikka Åström-$i" ;;
        esac
        i=$((i + 1))
    done
} >"$tmp/keywords"
cat "$TEXT" >/dev/null
for i in 1 2 3; do
    timed "mentions$i" "$MENTIONS" --file "$TEXT" --keywords "$tmp/keywords"
    # rg -c exits 1 when no line matches: that is a result, not a failure.
    rc=0
    /usr/bin/time -f '%e %U %S' -o "$tmp/rg$i.time" \
        rg -i -w -c -F -f "$tmp/keywords" "$TEXT" >"$tmp/rg$i.json" 2>"$tmp/rg$i.err" || rc=$?
    [ "$rc" -le 1 ] || die "rg failed ($rc): $(head -n 1 "$tmp/rg$i.err")"
done

raw_rate
load_end=$(loadavg)
libsodium=$(pkg-config --modversion libsodium 2>/dev/null ||
    dpkg-query -W -f='${Version}' libsodium23 2>/dev/null || echo unknown)
postgres=$(sql "SHOW server_version" | cut -d' ' -f1)
rgv=$(rg --version | sed -n '1s/^ripgrep \([^ ]*\).*/\1/p')

python3 - "$tmp" "$CLINIC" "$LEAK" "$TEXT" "$load_start" "$load_end" "$libsodium" "$postgres" \
    "$rgv" "$RAW_SECONDS" "$ROUNDS" <<'EOF'
import json, os, re, sys
tmp, clinic, leak, text, load_start, load_end, libsodium, postgres, rgv, raw_seconds, rounds = \
    sys.argv[1:]
rounds = rounds.split()

def times(name):
    wall, user, sys_ = (float(x) for x in open("%s/%s.time" % (tmp, name)).read().split()[-3:])
    return max(wall, 0.01), max(user + sys_, 0.01)

def out(name):
    return open("%s/%s.json" % (tmp, name)).read()

raw = {}
for line in open(tmp + "/raw"):
    k, v = line.split()[:2]
    raw[k] = max(raw.get(k, 0.0), float(v))
cores = int(raw["cores"])

def row(figure, mine, ref, what, fmt="%12.0f"):
    print(("  %-28s " + fmt + " " + fmt + " %8.3f   %s") % (figure, mine, ref, mine / ref, what))

print("\nclinics: blind enrollment, matching in ingest, mentions (throwaway PostgreSQL; wall clock "
      "unless marked CPU)")
print("  %-28s %12s %12s %8s   %s" % ("figure", "leakwatch", "reference", "ratio", "reference"))
print("-" * 118)

# 1. enrollment
blind, direct = json.loads(out("blind")), json.loads(out("direct"))
def enrolled(o):
    return sum(v["enrolled"] for v in o["identifiers"].values())
ids_b, ids_d = enrolled(blind), enrolled(direct)
wall_b, wall_d = times("blind")[0], times("direct")[0]
print("%s: %d rows, %d identifiers enrolled blind (%d evaluations, %d watchlist rows), "
      "%d direct" % (os.path.basename(clinic), blind["rows_read"], ids_b, blind["evaluations"],
                     blind["watchlist"]["rows"], ids_d))
r1 = raw["raw_1"]
row("blind ids enrolled/s", ids_b / wall_b, ids_d / wall_d,
    "enroll without --server (the key directly), same export")
row("blind ids enrolled/s", ids_b / wall_b, r1 / 3,
    "libsodium raw from_hash+scalarmult / 3 (1 thread)")
row("blind ids enrolled/s", ids_b / wall_b, r1, "libsodium raw from_hash+scalarmult (1 thread)")
row("direct ids enrolled/s", ids_d / wall_d, r1, "libsodium raw from_hash+scalarmult (1 thread)")
row("wall s", wall_b, wall_d, "enroll without --server", "%12.2f")

# 2. matching in the ingest transaction
# An unnamed extended-protocol statement is logged three times: parse, bind (which plans it) and
# execute. Its cost is the sum.
MATCH = re.compile(r"duration: ([0-9.]+) ms  (parse|bind|execute) <unnamed>: .*"
                   r"INSERT INTO alerts \(clinic_id")
runs = {}
for side in ("empty", "watch"):
    for i in rounds:
        name = "%s%s" % (side, i)
        o = json.loads(out(name).splitlines()[0])
        if o.get("status") != "stored":
            sys.exit("bench/enroll.sh: ingest %s: %s" % (name, o.get("status")))
        ms = [float(m.group(1)) for m in map(MATCH.search, open("%s/%s.log" % (tmp, name)))
              if m]
        if len(ms) != 3:
            sys.exit("bench/enroll.sh: ingest %s: the matching statement is not in the server log"
                     % name)
        runs.setdefault(side, []).append((times(name)[0], sum(ms), o))
we, _, oe = min(runs["empty"], key=lambda r: r[0])
ww, _, ow = min(runs["watch"], key=lambda r: r[0])
me_ = min(r[1] for r in runs["empty"])
mw = min(r[1] for r in runs["watch"])
matches = int(open(tmp + "/watch.matches").read())
wl_rows = int(open(tmp + "/watch.rows").read())
print("%s: %.1f MB, %d records, %d distinct identifiers stored; watchlist %d rows -> %d alert(s), "
      "%d matches" % (os.path.basename(leak), os.path.getsize(leak) / 1e6, ow["records"],
                      ow["stored"]["distinct"], wl_rows, ow.get("alerts", 0), matches))
n = len(rounds)
row("ingest wall s, watchlist", ww, we, "the same ingest, no watchlist (best of %d each)" % n,
    "%12.2f")
row("identifiers stored/s", ow["stored"]["distinct"] / ww, oe["stored"]["distinct"] / we,
    "the same ingest, no watchlist")
row("matching statement ms", mw, me_, "the same statement, no watchlist (server log, best of %d)"
    % n, "%12.1f")
row("matching statement ms", mw, ww * 1000, "the whole ingest's wall, ms (ratio: its share)",
    "%12.1f")
print("  (every wall s, alternated: %s)"
      % ", ".join("%s %.2f" % (s, runs[s][i][0]) for i in range(n) for s in ("empty", "watch")))

# 3. mentions
best_m = min(times("mentions%d" % i)[1] for i in (1, 2, 3))
best_r = min(times("rg%d" % i)[1] for i in (1, 2, 3))
m = out("mentions1").split()
found, nkw = int(m[m.index("found") + 1]), int(m[m.index("keywords") + 1])
lines = out("rg1").strip() or "0"
mb = os.path.getsize(text) / 1e6
print("%s: %.1f MB (leak.html repeated), %d keywords: mentions found %d of them, rg counted %s "
      "matching lines" % (os.path.basename(text), mb, nkw, found, lines))
row("mentions MB/s (CPU)", mb / best_m, mb / best_r,
    "rg -i -w -c -F -f KEYWORDS, same file (best of 3 each)", "%12.1f")
print("(MB = 10^6 bytes; ratio = leakwatch / reference; raw rate: best of before and after the "
      "run, %s s each; ids = identifiers)" % raw_seconds)
print("context: %d cores, load average %s at the start and %s at the end; libsodium %s; "
      "PostgreSQL %s (fsync off); ripgrep %s" % (cores, load_start, load_end, libsodium, postgres,
                                                 rgv))
EOF
