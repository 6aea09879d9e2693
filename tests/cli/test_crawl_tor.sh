#!/bin/sh
# The crawler against real Tor: a private Tor network on 127.0.0.1 (tests/tor/tornet: three
# directory authorities, three relays, an onion service in front of a fixture paste site, a client
# with an ExtendedErrors SocksPort). leakwatch crawls the site on its real .onion address — a name
# only Tor can resolve — and stores what it finds; an onion that is valid but not published gives
# the onion_not_found error class; with Tor gone, crawl exits 3.
# Without tor installed this test says so loudly; with LEAKWATCH_REQUIRE_TOR=1 (CI) it then fails.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
# shellcheck source=../crawl/fixtures.sh
. "$root/tests/crawl/fixtures.sh"
tornet="$root/tests/tor/tornet"
trap '"$tornet" stop "$T/tor" >/dev/null 2>&1; fixtures_stop; pg_cleanup' EXIT

if ! command -v tor >/dev/null 2>&1; then
    echo "SKIPPED: tor is not installed — the real-Tor crawl test did not run" >&2
    if [ "${LEAKWATCH_REQUIRE_TOR:-0}" = 1 ]; then
        echo "FAIL: LEAKWATCH_REQUIRE_TOR=1: the real-Tor test must run here" >&2
        failed=$((failed + 1))
    fi
    finish
    exit $?
fi
pg_require
cd "$T" || exit 1
write_key "$T/key" 13
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
site_make site 3 t

"$tornet" start "$T/tor" --site "$T/site" --client-option 'SocksTimeout 30' --lifetime 600 \
    2>tornet.log
rc=$?
expect "the private Tor network starts" [ "$rc" -eq 0 ]
"$tornet" wait "$T/tor" 150 2>>tornet.log
rc=$?
expect "a page comes back through the onion service" [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
    tail -n 30 tornet.log >&2
    finish
    exit 1
fi
eval "$("$tornet" env "$T/tor")"
echo "tornet ready in ${TORNET_READY_S:-?} s" >&2
LEAKWATCH_PROXY=$TORNET_SOCKS
export LEAKWATCH_PROXY
PGDATABASE=$(newdb tor) || exit 1
export PGDATABASE
run db migrate

run source add onionpastes --kind index --url "http://$TORNET_ONION/index.html" \
    --link-pattern '/paste/' --raw-template '{origin}/raw/{id}' --region FI --every 1h
expect "source add (a valid v3 onion): exit 0" [ "$rc" -eq 0 ]
run crawl --deadline 150s --delay 0s
expect "crawl through Tor: exit 0" [ "$rc" -eq 0 ]
expect "crawl through Tor: three new documents" contains "$out" "3 new documents"
expect "the documents carry their onion URLs" \
    [ "$(q "SELECT count(*) FROM documents WHERE url LIKE 'http://$TORNET_ONION/raw/t%'")" = 3 ]
expect "and their hits" [ "$(q "SELECT count(*) > 0 FROM hits")" = t ]
if [ -n "${TORNET_SITE_LOG:-}" ]; then
    expect "the site served each raw paste once" [ "$(reqs /raw/t2 "$TORNET_SITE_LOG")" = 1 ]
fi
run source list --json
expect "source list: a last success" contains "$out" '"last_success":"2'

# a valid v3 address nobody publishes: Tor's ExtendedErrors reply 0xF0
# (a real ed25519 key: Tor checks the point, and a random 32 bytes is usually none)
pkhex=$(openssl genpkey -algorithm ed25519 | openssl pkey -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
unknown=$(python3 -c '
import base64, hashlib, sys
pk = bytes.fromhex(sys.argv[1])
chk = hashlib.sha3_256(b".onion checksum" + pk + b"\x03").digest()[:2]
print(base64.b32encode(pk + chk + b"\x03").decode().lower() + ".onion")' "$pkhex")
run source add nowhere --kind page --url "http://$unknown/"
expect "source add (unknown but valid onion): exit 0" [ "$rc" -eq 0 ]
run -v crawl --source nowhere --deadline 90s
expect "unknown onion: the run itself is fine (exit 0)" [ "$rc" -eq 0 ]
expect "unknown onion: onion_not_found on the source" \
    [ "$(q "SELECT last_error_class FROM sources WHERE name = 'nowhere'")" = onion_not_found ]

# a forged onion (bad checksum) is refused before anything reaches Tor
run source add forged --kind page --url http://yyx4wv3ax7lejzz77j5w54lwdr474aavgrj65cmto6fpjgn7gamgrsqd.onion/
expect "forged onion: refused at source add (exit 2)" [ "$rc" -eq 2 ]

# Tor gone: exit 3, the work stays queued
"$tornet" stop "$T/tor" >/dev/null 2>&1
q "UPDATE crawl_urls SET next_fetch_at = now() WHERE kind = 'index'" >/dev/null
run crawl --deadline 30s
expect "Tor stopped: exit 3" [ "$rc" -eq 3 ]
expect "Tor stopped: says the proxy is unreachable" contains "$err" "unreachable"
finish
