#!/bin/sh
# leakwatch source + crawl end to end on loopback: a fixture paste site (tests/fixtures/httpd.py)
# behind a real SOCKS5 proxy (microsocks) that alone can resolve the site's name (a mount namespace
# gives it its own /etc/hosts): index → links → raw pastes → stored documents; cron-style quiet
# runs; conditional GET; fail-closed when the proxy is down (exit 3, the site sees nothing); a
# redirect to file:// refused; per-site SOCKS usernames and Tor's extended reply codes (through a
# fake SOCKS server, the one thing a real proxy cannot be made to do); two crawls at once fetch each
# paste once.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
# shellcheck source=../crawl/fixtures.sh
. "$root/tests/crawl/fixtures.sh"
trap 'fixtures_stop; pg_cleanup' EXIT
pg_require
cd "$T" || exit 1
write_key "$T/key" 11
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE

site_make site 3 a
httpd_start site http.log || { echo "FAIL: the fixture server did not start" >&2; exit 1; }
printf '127.0.0.1 pastes.lw-test\n' >hosts
socks_start "$T/hosts"
host=127.0.0.1
if [ "$socks_ns" -eq 1 ]; then
    host=pastes.lw-test
    expect "the site's name does not resolve here (only the proxy knows it)" \
        [ -z "$(getent hosts pastes.lw-test)" ]
else
    echo "NOTE: mount namespaces are not available: the name-only-the-proxy-resolves case did not run" >&2
fi
LEAKWATCH_PROXY=socks5h://127.0.0.1:$socks_port
export LEAKWATCH_PROXY
PGDATABASE=$(newdb crawl) || exit 1
export PGDATABASE
run db migrate

run source add pastes --kind index --url "http://$host:$httpd_port/index.html" \
    --link-pattern '/paste/' --raw-template '{origin}/raw/{id}' --every 1h --region FI
expect "source add: exit 0" [ "$rc" -eq 0 ]

# -- the first cycle: index, three raw pastes, three documents
run crawl --deadline 60s
expect "crawl: exit 0" [ "$rc" -eq 0 ]
expect "crawl: one summary line" [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ]
crawl_out=$out
expect "crawl: three new documents" contains "$out" "3 new documents"
expect "crawl: three links queued" contains "$out" "3 links queued"
expect "crawl: nothing on stderr" [ -z "$err" ]
expect "three documents stored, each with its URL" \
    [ "$(q "SELECT count(*) FROM documents WHERE url LIKE 'http://$host:$httpd_port/raw/a%' AND label = 'pastes'")" = 3 ]
expect "their hits stored (e-mails, domains, phones)" [ "$(q "SELECT count(*) > 10 FROM hits")" = t ]
for i in 1 2 3; do
    expect "raw paste a$i fetched exactly once" [ "$(reqs /raw/a$i http.log)" = 1 ]
done
expect "the paste pages themselves were not fetched (the raw template)" [ "$(reqs /paste/a1 http.log)" = 0 ]
expect "no link outside the pattern was fetched" [ "$(reqs /about http.log)" = 0 ]
expect "the forged onion link was not queued" [ "$(q "SELECT count(*) FROM crawl_urls WHERE url LIKE '%.onion%'")" = 0 ]
expect "requests carried the site's name, fetched through the proxy" \
    [ "$(grep -c "^REQ .* host=$host:$httpd_port " http.log)" -ge 4 ]
run source list --json
expect "source list: health shows documents found" contains "$out" '"documents_found":3'

# -- no plaintext on the crawl path either: what the pastes held is nowhere but in their hashes
# (the full search of every form is tests/cli/test_db_privacy.sh; this covers the crawler's own
# writes — queue rows, source health, its log lines at debug level)
q "UPDATE crawl_urls SET next_fetch_at = now(), etag = NULL, last_modified = NULL WHERE kind = 'index'" >/dev/null
q "DELETE FROM documents; DELETE FROM hits; UPDATE crawl_urls SET next_fetch_at = now() WHERE kind = 'paste'" >/dev/null
run -vv crawl --deadline 60s
expect "crawl -vv again: the pastes stored again" contains "$out" "3 new documents"
pg_dumpall >dump.sql 2>/dev/null
leaks=0
for i in 1 2 3; do
    for form in "person.a$i@example.fi" "other.a$i@example.com" "+358 40 555 000$i" "+35840555000$i" \
        "Test Person $i"; do
        for place in dump.sql "${LEAKWATCH_TEST_PGDIR:-/nonexistent}/log/postgresql.log"; do
            if grep -qF "$form" "$place" 2>/dev/null; then
                echo "LEAK: '$form' in $place" >&2
                leaks=$((leaks + 1))
            fi
        done
        case "$crawl_out$out$err" in *"$form"*) echo "LEAK: '$form' in crawl output" >&2; leaks=$((leaks + 1)) ;; esac
    done
done
expect "crawl: no paste content in pg_dumpall, the server log or the crawl's output (-vv)" [ "$leaks" = 0 ]
expect "the search can find what it looks for" grep -qF "person.a1@example.fi" site/raw/a1

# -- cron again at once: nothing is due, nothing is printed
run crawl
expect "second run: exit 0" [ "$rc" -eq 0 ]
expect "second run: prints nothing" [ -z "$out$err" ]
run crawl
expect "third run: prints nothing" [ -z "$out$err" ]

# -- the index due again: conditional GET, nothing new, nothing printed
q "UPDATE crawl_urls SET next_fetch_at = now() WHERE kind = 'index'" >/dev/null
run crawl
expect "index again, unchanged: exit 0, prints nothing" [ "$rc/$out$err" = "0/" ]
expect "the index was asked for conditionally" [ "$(grep -c '^REQ .* path=/index.html .*ims=[^-]' http.log)" -ge 1 ]

# -- a new paste on the index: only it is fetched
site_make site 4 a
a1_before=$(reqs /raw/a1 http.log)
q "UPDATE crawl_urls SET next_fetch_at = now() WHERE kind = 'index'" >/dev/null
run crawl
expect "a new paste: one new document" contains "$out" "1 new documents"
expect "a new paste: fetched once, the old ones not again" \
    [ "$(reqs /raw/a4 http.log)/$(reqs /raw/a1 http.log)" = "1/$a1_before" ]

# -- fail-closed: the proxy is down; exit 3 and the site sees no connection at all
socks_stop
before=$(conns http.log)
q "UPDATE crawl_urls SET next_fetch_at = now() WHERE kind = 'index'" >/dev/null
run crawl
expect "proxy down: exit 3" [ "$rc" -eq 3 ]
expect "proxy down: says the proxy is unreachable" contains "$err" "unreachable"
expect "proxy down: the site saw no connection" [ "$(conns http.log)" = "$before" ]
expect "proxy down: the work stays queued" \
    [ "$(q "SELECT count(*) FROM crawl_urls WHERE kind = 'index' AND next_fetch_at <= now() AND claimed_by IS NULL")" = 1 ]
socks_start "$T/hosts"
LEAKWATCH_PROXY=socks5h://127.0.0.1:$socks_port
run crawl
expect "proxy back: exit 0" [ "$rc" -eq 0 ]

# -- a page redirecting to file:// is refused, and recorded on the source
run source add sneaky --kind page --url "http://$host:$httpd_port/redirect?to=file:///etc/passwd"
run crawl
expect "redirect to file://: exit 0 (a site's failure)" [ "$rc" -eq 0 ]
expect "redirect to file://: one failed" contains "$out" "1 failed"
expect "redirect to file://: recorded as a protocol error" \
    [ "$(q "SELECT last_error_class FROM sources WHERE name = 'sneaky'")" = protocol ]

# -- a redirect to a host outside what the proxy can reach: refused there, never tried directly
if [ "$socks_ns" -eq 1 ]; then
    before=$(conns http.log)
    run source add away --kind page \
        --url "http://$host:$httpd_port/redirect?to=http://elsewhere.lw-test:$httpd_port/x"
    run -v crawl --source away
    expect "redirect off the proxy's map: a failure of the source, not of the run" [ "$rc" -eq 0 ]
    expect "redirect off the proxy's map: recorded on the source" \
        [ -n "$(q "SELECT last_error_class FROM sources WHERE name = 'away'")" ]
    expect "redirect off the proxy's map: only the redirect itself reached the site" \
        [ "$(conns http.log)" -le "$((before + 1))" ] && [ "$(reqs /x http.log)" = 0 ]
fi

# -- per-site SOCKS usernames and Tor's extended replies (a fake SOCKS server answering reply N)
fake_socks_start socks.log
run source add tor240 --kind page --url http://reply-240.test/x --via "socks5h://127.0.0.1:$fake_port"
run source add tor242 --kind page --url http://reply-242.test/x --via "socks5h://127.0.0.1:$fake_port"
run crawl --source tor240
run crawl --source tor242
expect "0xF0 is onion_not_found" [ "$(q "SELECT last_error_class FROM sources WHERE name = 'tor240'")" = onion_not_found ]
expect "0xF2 is onion_intro_failed" [ "$(q "SELECT last_error_class FROM sources WHERE name = 'tor242'")" = onion_intro_failed ]
expect "each site its own SOCKS username" \
    [ "$(grep -c 'user=lw-reply-240.test ' socks.log)" -ge 1 ] && [ "$(grep -c 'user=lw-reply-242.test ' socks.log)" -ge 1 ]
expect "the name went to the proxy, not to a resolver" [ "$(grep -c 'host=reply-240.test ' socks.log)" -ge 1 ]

# -- two crawls at once share the queue: every paste fetched once
site_make site2 30 b
httpd_start site2 http2.log
PGDATABASE=$(newdb twice) || exit 1
run db migrate
run source add many --kind index --url "http://127.0.0.1:$httpd_port/index.html" \
    --link-pattern '/paste/' --raw-template '{origin}/raw/{id}'
# the pastes are queued already (as an earlier index fetch would have), so both crawls find work
q "INSERT INTO crawl_urls (url, source_id, kind, next_fetch_at)
   SELECT 'http://127.0.0.1:$httpd_port/raw/b' || i, s.id, 'paste', now()
   FROM sources s, generate_series(1, 30) i WHERE s.name = 'many'" >/dev/null
"$LW" crawl --concurrency 4 --per-host 4 --delay 0s >c1.out 2>c1.err &
p1=$!
"$LW" crawl --concurrency 4 --per-host 4 --delay 0s >c2.out 2>c2.err &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
r2=$?
expect "two crawls: both exit 0" [ "$r1/$r2" = 0/0 ]
expect "two crawls: 30 documents" [ "$(q "SELECT count(*) FROM documents")" = 30 ]
dups=0
i=1
while [ "$i" -le 30 ]; do
    [ "$(reqs "/raw/b$i" http2.log)" = 1 ] || dups=$((dups + 1))
    i=$((i + 1))
done
expect "two crawls: every paste fetched exactly once" [ "$dups" = 0 ]
expect "two crawls: the index once" [ "$(reqs /index.html http2.log)" = 1 ]
expect "two crawls: both did some of the work" [ -n "$(cat c1.out)" ] && [ -n "$(cat c2.out)" ]
finish
