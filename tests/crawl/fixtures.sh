# shellcheck shell=sh
# tests/crawl/fixtures.sh — loopback parts for the crawl tests, sourced after tests/cli/lib.sh and
# tests/db/pg.sh (uses $T and $root).
#
#   site_make DIR N [PREFIX]   a paste site: DIR/index.html linking /paste/<PREFIX>1..N (plus links
#                              that must never be queued), DIR/raw/<PREFIX>i a small synthetic CSV
#                              dump each (distinct values per paste)
#   httpd_start DIR LOG        tests/fixtures/httpd.py on a free port serving DIR; sets $httpd_port
#   socks_start [NAMEHOSTS]    microsocks on a free port; sets $socks_port. With NAMEHOSTS (a hosts
#                              file), microsocks runs in a mount namespace where that file is
#                              /etc/hosts: names only the proxy can resolve ($socks_ns=1 then; 0 when
#                              namespaces are not available here)
#   socks_stop                 kill microsocks
#   fake_socks_start LOG       tests/fixtures/httpd.py --socks (records SOCKS usernames and targets,
#                              answers reply-N.test with reply N); sets $fake_port
#   reqs PATH LOG              how many requests for exactly PATH the log holds
#   conns LOG                  how many TCP connections the fixture server accepted
# Every process started here is killed by fixtures_stop (called from the EXIT trap).

fixture_pids=""

fixtures_stop() {
    for p in $fixture_pids; do
        kill "$p" 2>/dev/null
    done
    fixture_pids=""
}

site_make() {
    mkdir -p "$1/raw" "$1/paste"
    {
        echo '<html><head><title>recent pastes</title></head><body><ul>'
        i=1
        while [ "$i" -le "$2" ]; do
            echo "<li><a href=\"/paste/${3:-p}$i\">paste $i</a></li>"
            echo "name;email;phone" >"$1/raw/${3:-p}$i"
            echo "Test Person $i;person.${3:-p}$i@example.fi;+358 40 555 $(printf '%04d' "$i")" >>"$1/raw/${3:-p}$i"
            echo "Other Person $i;other.${3:-p}$i@example.com;+358 50 555 $(printf '%04d' "$i")" >>"$1/raw/${3:-p}$i"
            echo "paste ${3:-p}$i" >"$1/paste/${3:-p}$i"
            i=$((i + 1))
        done
        echo '<li><a href="javascript:alert(1)">js</a> <a href="mailto:x@example.fi">mail</a></li>'
        echo '<li><a href="file:///etc/passwd">local</a> <a href="#top">top</a> <a href="/about">about</a></li>'
        # a forged onion link: right shape, bad checksum — must never be queued
        echo '<li><a href="http://yyx4wv3ax7lejzz77j5w54lwdr474aavgrj65cmto6fpjgn7gamgrsqd.onion/paste/zz">x</a></li>'
        echo '</ul></body></html>'
    } >"$1/index.html"
}

# wait_port FILE: the first line of FILE, once it is a number (5 s at most)
wait_port() {
    n=0
    while [ "$n" -lt 100 ]; do
        p=$(head -n 1 "$1" 2>/dev/null)
        case $p in '' | *[!0-9]*) ;; *) echo "$p"; return 0 ;; esac
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}

httpd_start() {
    python3 "$root/tests/fixtures/httpd.py" --port 0 --root "$1" --log "$2" --lifetime 600 \
        >"$T/.httpd.$$.$(basename "$2")" 2>&1 &
    fixture_pids="$fixture_pids $!"
    httpd_port=$(wait_port "$T/.httpd.$$.$(basename "$2")") || return 1
}

fake_socks_start() {
    python3 "$root/tests/fixtures/httpd.py" --socks --port 0 --log "$1" --lifetime 600 \
        >"$T/.fake.$$" 2>&1 &
    fixture_pids="$fixture_pids $!"
    fake_port=$(wait_port "$T/.fake.$$") || return 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

socks_start() {
    socks_port=$(free_port)
    socks_ns=0
    if [ -n "${1:-}" ] && unshare -m sh -c "mount --bind '$1' /etc/hosts" 2>/dev/null; then
        socks_ns=1
        unshare -m sh -c "mount --bind '$1' /etc/hosts && exec microsocks -i 127.0.0.1 -p $socks_port" \
            >"$T/.socks.log" 2>&1 &
    else
        microsocks -i 127.0.0.1 -p "$socks_port" >"$T/.socks.log" 2>&1 &
    fi
    socks_pid=$!
    fixture_pids="$fixture_pids $socks_pid"
    n=0
    while [ "$n" -lt 100 ] && ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $socks_port), 1)" 2>/dev/null; do
        sleep 0.05
        n=$((n + 1))
    done
}

socks_stop() {
    kill "$socks_pid" 2>/dev/null
    wait "$socks_pid" 2>/dev/null
}

reqs() { grep -c "^REQ .* path=$1 " "$2"; }
conns() { grep -c '^CONN ' "$1"; }
