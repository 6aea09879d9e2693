#!/bin/sh
# bench/crawl.sh — pages/s of the crawler's fetch engine through a real SOCKS5 proxy (microsocks)
# from a fixture server that answers each request after 200 ms, at concurrency 1, 8 and 32, beside
# `curl --parallel` fetching the same URLs through the same proxy in the same run.
#
#   bench/crawl.sh     (make bench runs it)
#   BENCH_FETCH_BIN    build/release/bench/bench_fetch
#
# Both sides fetch distinct URLs (/slow/200?i=K) from one host, socks5h (the proxy resolves), no
# retries, no politeness delay: what is measured is how well each keeps C transfers in flight. The
# ideal is C / 0.2 s pages/s.
set -eu
cd "$(dirname "$0")/.."
BIN=${BENCH_FETCH_BIN:-build/release/bench/bench_fetch}
me=bench/crawl.sh
for tool in microsocks curl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$me: $tool is missing (scripts/install-deps test)" >&2; exit 2; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/lw-bench-crawl-XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir "$dir/site"
python3 tests/fixtures/httpd.py --port 0 --root "$dir/site" --log "$dir/http.log" --lifetime 900 >"$dir/port" 2>"$dir/httpd.err" &
pids="$pids $!"
n=0
until [ -s "$dir/port" ] || [ "$n" -ge 100 ]; do sleep 0.05; n=$((n + 1)); done
hport=$(head -n 1 "$dir/port")
sport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
microsocks -i 127.0.0.1 -p "$sport" >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.3
url="http://127.0.0.1:$hport/slow/200"

# curl_run C N: seconds for curl --parallel to fetch N URLs, C at once, through the proxy
curl_run() {
    cfg="$dir/curl.cfg"
    : >"$cfg"
    i=0
    while [ "$i" -lt "$2" ]; do
        printf 'url = "%s?c=%s&i=%s"\noutput = "/dev/null"\n' "$url" "$1" "$i" >>"$cfg"
        i=$((i + 1))
    done
    python3 - "$cfg" "$1" "$sport" <<'PY'
import subprocess, sys, time
cfg, c, port = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.monotonic()
subprocess.run(["curl", "-s", "--parallel", "--parallel-max", c, "--socks5-hostname",
                "127.0.0.1:" + port, "-K", cfg], check=True, stderr=subprocess.DEVNULL)
print("%.3f" % (time.monotonic() - t))
PY
}

printf '\ncrawl fetch: pages/s through microsocks (socks5h) from a server answering after 200 ms\n'
printf '  %-12s %8s %12s %12s %8s %12s\n' concurrency pages leakwatch "curl -Z" ratio ideal
printf '%s\n' "----------------------------------------------------------------------------"
for c in 1 8 32; do
    case $c in 1) pages=40 ;; 8) pages=200 ;; *) pages=480 ;; esac
    lw=$("$BIN" --proxy "socks5h://127.0.0.1:$sport" --url "$url" --count "$pages" --concurrency "$c" |
        sed -n 's/.*pages_per_s \([0-9.]*\).*/\1/p')
    cs=$(curl_run "$c" "$pages")
    cr=$(python3 -c "print('%.1f' % ($pages / $cs))")
    ratio=$(python3 -c "print('%.2f' % ($lw / $cr))")
    printf '  %-12s %8s %12s %12s %8s %12s\n' "$c" "$pages" "$lw" "$cr" "$ratio" "$((c * 5))"
done
printf '(pages/s; ratio = leakwatch / curl --parallel, same URLs, same proxy, same run; ideal = C / 0.2 s)\n'
printf 'context: %s cores, load average %s; curl %s\n' "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(curl --version | head -n 1 | cut -d' ' -f2)"
