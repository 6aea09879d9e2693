#!/bin/sh
# bench/parse.sh — parse throughput of `leakwatch ingest --dry-run` per format, beside ripgrep.
#
#   bench/parse.sh            (make bench runs it after the C benchmarks)
#   BENCH_MB=300              size of each per-format dump, MiB
#   BENCH_BIG_MB=1024         size of the big CSV dump, MiB (the "1 GB in bounded memory" case)
#   BENCH_DUMPS=...           which gen-dumps dumps to time (default one per format)
#   LEAKWATCH_BIN=./leakwatch the binary under test
#
# The dumps come from tests/gen/gen-dumps --size-mb (planted identifiers, realistic structure) and
# are cached under build/bench-data/, regenerated when gen-dumps or the sizes change. For every dump,
# after one read to warm the page cache: leakwatch's wall and CPU time and peak RSS (GNU time), the
# records it reports, and — on the same file, in the same run — `rg -c` counting the lines with an
# e-mail address, the reference for "how fast can one read and regex-scan these bytes". MB/s and
# records/s are per second of CPU time (user + system): the machine is often shared, and wall time
# then measures the neighbours. The ratio is leakwatch MB/s divided by rg MB/s.
set -eu
cd "$(dirname "$0")/.."
LW=${LEAKWATCH_BIN:-./leakwatch}
BENCH_MB=${BENCH_MB:-300}
BENCH_BIG_MB=${BENCH_BIG_MB:-1024}
BENCH_DUMPS=${BENCH_DUMPS:-csv-semicolon.csv,mysql.sql,patients.jsonl,combo.txt,teaser.txt,leak.html}
GEN=tests/gen/gen-dumps
DATA=build/bench-data
RG_PATTERN='[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'

for tool in rg /usr/bin/time python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench/parse.sh: $tool is missing (scripts/install-deps bench)" >&2
        exit 2
    fi
done
[ -x "$LW" ] || { echo "bench/parse.sh: no $LW (make leakwatch)" >&2; exit 2; }

# -- the dumps, cached
stamp="$(sha256sum "$GEN" | cut -c1-16) mb=$BENCH_MB big=$BENCH_BIG_MB dumps=$BENCH_DUMPS"
if [ "$(cat "$DATA/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "bench/parse.sh: generating dumps in $DATA ($BENCH_MB MiB each, a $BENCH_BIG_MB MiB CSV)..." >&2
    rm -rf "$DATA"
    mkdir -p "$DATA/fmt" "$DATA/big"
    "$GEN" --out "$DATA/fmt" --seed 7 --size-mb "$BENCH_MB" --dumps "$BENCH_DUMPS"
    "$GEN" --out "$DATA/big" --seed 8 --size-mb "$BENCH_BIG_MB" --dumps csv-semicolon.csv
    mv "$DATA/big/csv-semicolon.csv" "$DATA/big/big.csv"
    echo "$stamp" >"$DATA/stamp"
fi

files=""
for d in $(echo "$BENCH_DUMPS" | tr ',' ' '); do
    files="$files $DATA/fmt/$d"
done
files="$files $DATA/big/big.csv"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '\nparse throughput: leakwatch ingest --dry-run --json --region FI (GNU time), beside rg -c (e-mail lines)\n'
printf '%-18s %-6s %6s %10s %8s %8s %8s %10s %7s %8s %8s %6s\n' \
    dump format MB records "wall s" "CPU s" "MB/s" "records/s" "RSS MB" "rg CPU s" "rg MB/s" ratio
printf '%s\n' "-------------------------------------------------------------------------------------------------------------"
for f in $files; do
    name=$(basename "$f")
    cat "$f" >/dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/lw.time" "$LW" ingest --dry-run --json --region FI "$f" >"$tmp/lw.json"
    /usr/bin/time -f '%e %U %S' -o "$tmp/rg.time" rg -c "$RG_PATTERN" "$f" >"$tmp/rg.count" || true
    python3 - "$f" "$name" "$tmp" <<'EOF'
import json, os, sys
path, name, tmp = sys.argv[1:]
mb = os.path.getsize(path) / 1e6
o = json.loads(open(tmp + "/lw.json").readline())
wall, user, system, rss_kb = (float(x) for x in open(tmp + "/lw.time").read().split()[-4:])
rg_user, rg_system = (float(x) for x in open(tmp + "/rg.time").read().split()[-2:])
cpu, rg_cpu = max(user + system, 0.01), max(rg_user + rg_system, 0.01)
print("%-18s %-6s %6.0f %10d %8.2f %8.2f %8.1f %10.0f %7.1f %8.2f %8.1f %6.2f"
      % (name, o["format"], mb, o["records"], wall, cpu, mb / cpu, o["records"] / cpu,
         rss_kb / 1024, rg_cpu, mb / rg_cpu, (mb / cpu) / (mb / rg_cpu)))
EOF
done
printf '(MB = 10^6 bytes; MB/s and records/s per CPU second; rg -c %s)\n' "'$RG_PATTERN'"
