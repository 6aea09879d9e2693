#!/bin/sh
# bench/ingest.sh — end-to-end `leakwatch ingest` into PostgreSQL, beside the two costs it cannot
# avoid: libsodium's raw OPRF group operations, and `psql \copy` of as many 32-byte rows.
#
#   bench/ingest.sh                 (make bench runs it after bench/parse.sh)
#   BENCH_INGEST_RECORDS=100000     records in the main dump (the --jobs 1 dump has a third)
#   LEAKWATCH_BIN=./leakwatch       the binary under test
#   BENCH_OPRF_BIN=build/release/bench/bench_oprf   the raw-rate reference (--raw-rate SECONDS)
#
# The dumps are tests/gen/gen-dumps --records N csv-comma.csv: every record a new synthetic person,
# so about four distinct identifiers per record and every one of them costs an OPRF evaluation.
# Rejected: --size-mb, which repeats one chunk — the values repeat, the run-wide cache answers them
# and the OPRF work the benchmark is about vanishes. Cached under build/bench-data/ingest/,
# regenerated when gen-dumps or N changes.
#
# One run starts a throwaway cluster (scripts/pg-cluster start --fast: fsync off, as in the tests),
# migrates it and makes a key, then, each figure beside a reference measured in the same run:
#   - the main dump with the default workers (one per CPU) into the empty database, under GNU time
#     (wall, peak RSS). MB/s, identifiers found/s and peak RSS beside `ingest --dry-run` on the same
#     file (parsing alone). OPRF evaluations/s beside libsodium's raw from_hash + scalarmult rate
#     (bench_oprf --raw-rate, before and after the ingests, best kept): one core's rate times the
#     cores, and the rate measured on every core at once (lower when neighbours share the CPU).
#     Hits rows stored/s and wall beside `psql \copy` of as many random 32-byte hashes, of the same
#     kinds, into bench_hits (LIKE hits INCLUDING ALL: the same checks, primary key and hash index)
#     from a file in hits' COPY text format written before the timing starts.
#   - the smaller dump with --jobs 1 into a fresh database: evaluations/s beside the raw rate of
#     one core.
# Wall time, not CPU time as in bench/parse.sh: ingest's work is spread over its workers, its main
# thread and the PostgreSQL backend, and the wall is what a user waits for. On a shared machine it
# measures the neighbours too, so the load average is printed with the figures. No pass/fail.
set -eu
cd "$(dirname "$0")/.."
LW=${LEAKWATCH_BIN:-./leakwatch}
OPRF=${BENCH_OPRF_BIN:-build/release/bench/bench_oprf}
RECORDS=${BENCH_INGEST_RECORDS:-100000}
GEN=tests/gen/gen-dumps
PGC=scripts/pg-cluster
DATA=build/bench-data/ingest
RAW_SECONDS=2
me=bench/ingest.sh

die() {
    echo "$me: $*" >&2
    exit 1
}

for tool in /usr/bin/time python3 psql; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "$me: $tool is missing (scripts/install-deps bench run test)" >&2
        exit 2
    }
done
[ -x "$LW" ] || { echo "$me: no $LW (make leakwatch)" >&2; exit 2; }
[ -x "$OPRF" ] || { echo "$me: no $OPRF (make $OPRF)" >&2; exit 2; }
case $RECORDS in
    *[!0-9]* | "" | 0*) die "BENCH_INGEST_RECORDS: not a positive number: $RECORDS" ;;
esac
ONE_RECORDS=$((RECORDS / 3))
[ "$ONE_RECORDS" -ge 1 ] || ONE_RECORDS=1

# gen DIR SEED RECORDS: one csv-comma.csv dump.
gen() {
    "$GEN" --out "$1" --seed "$2" --records "$3" --dumps csv-comma.csv >/dev/null 2>"$1/gen.err" ||
        die "gen-dumps --seed $2 failed: $(tail -n 1 "$1/gen.err")"
}

# -- the dumps, cached
stamp="$(sha256sum "$GEN" | cut -c1-16) records=$RECORDS one=$ONE_RECORDS"
if [ "$(cat "$DATA/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "$me: generating dumps in $DATA ($RECORDS and $ONE_RECORDS records)..." >&2
    rm -rf "$DATA"
    mkdir -p "$DATA/all" "$DATA/one"
    gen "$DATA/all" 11 "$RECORDS"
    gen "$DATA/one" 21 "$ONE_RECORDS"
    # Only the dumps are used: not the planted lists the tests compare against.
    rm -f "$DATA"/*/planted.tsv "$DATA"/*/*.expect "$DATA"/*/manifest.tsv "$DATA"/*/gen.err
    echo "$stamp" >"$DATA/stamp"
fi
DUMP_ALL=$DATA/all/csv-comma.csv
DUMP_ONE=$DATA/one/csv-comma.csv

# -- a throwaway cluster, gone on exit
for v in $(env | sed -n 's/^\(PG[A-Z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
unset LEAKWATCH_DB
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lw-bench-XXXXXX")
# As root the server runs as postgres, which must be able to pass through to $tmp/pg.
[ "$(id -u)" -ne 0 ] || chmod 0711 "$tmp"
# shellcheck disable=SC2317 # reached through the traps
cleanup() {
    trap - EXIT INT TERM HUP
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
"$LW" db migrate >/dev/null

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# raw_rate OUT: bench_oprf --raw-rate, appended to OUT (lines "raw_1 R", "raw_all R", "cores N").
raw_rate() {
    "$OPRF" --raw-rate "$RAW_SECONDS" >>"$1" || die "$OPRF --raw-rate failed"
}

# ingest NAME FILE [OPTION...]: the dry-run reference, then the timed ingest into the current
# database; NAME.dry.json/.dry.time and NAME.json/.time in $tmp.
ingest() {
    name=$1
    file=$2
    shift 2
    cat "$file" >/dev/null
    /usr/bin/time -f '%e %M' -o "$tmp/$name.dry.time" \
        "$LW" ingest --dry-run --json --no-progress --region FI "$file" >"$tmp/$name.dry.json" ||
        die "ingest --dry-run $file failed"
    sql CHECKPOINT
    /usr/bin/time -f '%e %M' -o "$tmp/$name.time" \
        "$LW" ingest --json --no-progress --region FI "$@" "$file" >"$tmp/$name.json" ||
        die "ingest $file failed"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

load_start=$(loadavg)
raw_rate "$tmp/raw"

ingest all "$DUMP_ALL"

# The \copy reference: as many rows as the ingest stored, of the same kinds, written before timing.
python3 - "$tmp/all.json" >"$tmp/rows.copy" <<'EOF'
import json, os, sys
o = json.loads(open(sys.argv[1]).readline())
if o.get("status") != "stored" or o["stored"]["evaluated"] == 0:
    sys.exit("bench/ingest.sh: the ingest stored nothing new: %s" % o.get("status"))
kinds = [k for k, v in enumerate(o["identifiers"].values()) for _ in range(v["unique"])]
n = o["stored"]["distinct"]
if len(kinds) != n:
    kinds = [i % 9 for i in range(n)]
out = sys.stdout
for start in range(0, n, 8192):
    m = min(8192, n - start)
    h = os.urandom(32 * m).hex()
    out.write("".join("1\t\\\\x%s\t%d\t0\t1\n" % (h[64 * i:64 * i + 64], kinds[start + i])
                      for i in range(m)))
EOF
sql "CREATE TABLE bench_hits (LIKE hits INCLUDING ALL)"
sql CHECKPOINT
/usr/bin/time -f '%e' -o "$tmp/copy.time" \
    psql -X -q -v ON_ERROR_STOP=1 \
    -c "\\copy bench_hits (document_id, hash, kind, flags, occurrences) FROM '$tmp/rows.copy'" ||
    die "psql \\copy failed"
sql "SELECT count(*) FROM bench_hits" >"$tmp/copy.rows"

# --jobs 1 into a fresh database.
sql "CREATE DATABASE bench_one"
PGDATABASE=bench_one
export PGDATABASE
"$LW" db migrate >/dev/null
ingest one "$DUMP_ONE" --jobs 1

raw_rate "$tmp/raw"
load_end=$(loadavg)
libsodium=$(pkg-config --modversion libsodium 2>/dev/null ||
    dpkg-query -W -f='${Version}' libsodium23 2>/dev/null || echo unknown)
postgres=$(sql "SHOW server_version" | cut -d' ' -f1)

python3 - "$tmp" "$DUMP_ALL" "$DUMP_ONE" "$load_start" "$load_end" "$libsodium" "$postgres" \
    "$RAW_SECONDS" <<'EOF'
import json, os, sys
tmp, dump_all, dump_one, load_start, load_end, libsodium, postgres, raw_seconds = sys.argv[1:]
raw_seconds = int(raw_seconds)

def run(name, path):
    o = json.loads(open("%s/%s.json" % (tmp, name)).readline())
    d = json.loads(open("%s/%s.dry.json" % (tmp, name)).readline())
    wall, rss = (float(x) for x in open("%s/%s.time" % (tmp, name)).read().split()[-2:])
    dwall, drss = (float(x) for x in open("%s/%s.dry.time" % (tmp, name)).read().split()[-2:])
    wall, dwall = max(wall, 0.01), max(dwall, 0.01)
    found = sum(v["found"] for v in o["identifiers"].values())
    return dict(mb=os.path.getsize(path) / 1e6, records=o["records"], found=found,
                distinct=o["stored"]["distinct"], evaluated=o["stored"]["evaluated"],
                spilled=o["stored"]["spilled"], wall=wall, rss=rss / 1024,
                dwall=dwall, drss=drss / 1024)

raw = {}
for line in open(tmp + "/raw"):
    k, v = line.split()[:2]
    raw[k] = max(raw.get(k, 0.0), float(v))
cores = int(raw["cores"])
a, one = run("all", dump_all), run("one", dump_one)
copy_wall = max(float(open(tmp + "/copy.time").read().split()[-1]), 0.01)
copy_rows = int(open(tmp + "/copy.rows").read())

def row(figure, mine, ref, what, fmt="%12.0f"):
    print(("  %-24s " + fmt + " " + fmt + " %8.3f   %s") % (figure, mine, ref, mine / ref, what))

def common(r):
    row("MB/s", r["mb"] / r["wall"], r["mb"] / r["dwall"], "the same file, --dry-run (parse only)",
        "%12.2f")
    row("identifiers found/s", r["found"] / r["wall"], r["found"] / r["dwall"],
        "the same file, --dry-run (parse only)")

def title(r, jobs):
    print("%s: %.1f MB, %d records, %d identifiers found, %d distinct stored (%d evaluated%s), %s"
          % (os.path.basename(dump_all), r["mb"], r["records"], r["found"], r["distinct"],
             r["evaluated"], ", spilled" if r["spilled"] else "", jobs))

print("\ningest end to end: leakwatch ingest --json --region FI into a throwaway PostgreSQL "
      "(GNU time, wall clock)")
print("  %-24s %12s %12s %8s   %s" % ("figure", "leakwatch", "reference", "ratio", "reference"))
print("-" * 110)
title(a, "default jobs (%d workers)" % cores)
common(a)
row("OPRF evaluations/s", a["evaluated"] / a["wall"], raw["raw_1"] * cores,
    "libsodium raw from_hash+scalarmult, 1 core x %d" % cores)
row("OPRF evaluations/s", a["evaluated"] / a["wall"], raw["raw_all"],
    "the same, measured on %d threads at once" % cores)
row("hits rows stored/s", a["distinct"] / a["wall"], copy_rows / copy_wall,
    "psql \\copy of %d 32-byte rows into bench_hits (LIKE hits)" % copy_rows)
row("wall s", a["wall"], copy_wall, "psql \\copy wall (the same rows)", "%12.2f")
row("peak RSS MB", a["rss"], a["drss"], "the same file, --dry-run", "%12.1f")
title(one, "--jobs 1")
common(one)
row("OPRF evaluations/s", one["evaluated"] / one["wall"], raw["raw_1"],
    "libsodium raw from_hash+scalarmult, 1 thread")
row("peak RSS MB", one["rss"], one["drss"], "the same file, --dry-run", "%12.1f")
print("(MB = 10^6 bytes; ratio = leakwatch / reference; raw rates: best of before and after the "
      "ingests, %d s each)" % raw_seconds)
print("context: %d cores, load average %s at the start and %s at the end; libsodium %s; "
      "PostgreSQL %s (fsync off); main dump %.1f MB with %d distinct identifiers"
      % (cores, load_start, load_end, libsodium, postgres, a["mb"], a["distinct"]))
EOF
