#!/bin/sh
# scripts/pg-cluster and tests/pg/with-cluster: create and start, no TCP, a private socket, an idempotent
# start, stop and restart, a restart after kill -9 of the postmaster, the /var/tmp fallback when the
# server's user cannot reach the directory (as root), and a throwaway cluster that leaves nothing behind
# whether its command ends, fails or is sent SIGTERM.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
pgc=$top/scripts/pg-cluster
with=$top/tests/pg/with-cluster
# As root the server runs as postgres, which must be able to pass through $T (mktemp made it 0700).
chmod 0711 "$T"

# cluster ARG…: run scripts/pg-cluster; sets $out, $err, $rc like lib.sh's run.
cluster() {
    "$pgc" "$@" >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}

# sql DIR QUERY: QUERY's rows through the conninfo string pg-cluster prints.
sql() { psql -X "$("$pgc" conninfo "$1")" -Atc "$2" 2>&1; }

lacks() { ! contains "$1" "$2"; }

postmaster_pid() { head -n 1 "$1/data/postmaster.pid" 2>/dev/null; }

# tcp_listeners PID: how many listening TCP sockets process PID holds.
tcp_listeners() {
    inodes=" $(awk '$4 == "0A" { printf "%s ", $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)"
    n=0
    for fd in /proc/"$1"/fd/*; do
        link=$(readlink "$fd") || continue
        case $link in socket:*) ;; *) continue ;; esac
        inode=${link#socket:[}
        case $inodes in *" ${inode%]} "*) n=$((n + 1)) ;; esac
    done
    echo "$n"
}

# gone PID: the process has ended (a zombie not yet reaped by init counts as ended).
gone() {
    [ -n "$1" ] || return 1
    [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

pg=$T/pg
cluster status "$pg"
expect "status with no cluster: exit 4" [ "$rc" -eq 4 ]

cluster start "$pg" --fast
expect "start creates a cluster: exit 0" [ "$rc" -eq 0 ]
expect "start says it created the cluster" contains "$out" "created cluster in $pg/data"
expect "start names the superuser" contains "$out" "superuser leakwatch"
expect "start says it started" contains "$out" "started, socket $pg/run"
cluster status "$pg"
expect "status: running, exit 0" [ "$rc" -eq 0 ]
expect "status says running" contains "$out" "running (pid"
expect "select 1 through conninfo" [ "$(sql "$pg" 'select 1')" = 1 ]
expect "connected as leakwatch to database leakwatch" \
    [ "$(sql "$pg" 'select current_user || current_database()')" = leakwatchleakwatch ]
expect "conninfo names DIR/run" [ "$("$pgc" conninfo "$pg")" = \
    "host=$pg/run port=5432 user=leakwatch dbname=leakwatch" ]
expect "env works for psql" [ "$(sh -c "eval \"\$('$pgc' env '$pg')\"; psql -X -Atc 'select 2'")" = 2 ]
expect "listen_addresses is empty" [ -z "$(sql "$pg" 'show listen_addresses')" ]
pid=$(postmaster_pid "$pg")
expect "the postmaster holds no TCP listener" [ "$(tcp_listeners "$pid")" -eq 0 ]
expect "socket directory is 0700" [ "$(stat -c %a "$pg/run")" = 700 ]
expect "the socket is in DIR/run" [ -S "$pg/run/.s.PGSQL.5432" ]
expect "--fast turns fsync off" [ "$(sql "$pg" 'show fsync')" = off ]
expect "server log lines carry time and pid" \
    grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [A-Z]+ \[[0-9]+\] LOG: ' "$pg/log/postgresql.log"
sql "$pg" 'create table kept (n int); insert into kept values (42)' >/dev/null

cluster start "$pg"
expect "start when running: exit 0" [ "$rc" -eq 0 ]
expect "start when running says so" contains "$out" "running already"
expect "start when running keeps the postmaster" [ "$(postmaster_pid "$pg")" = "$pid" ]

cluster stop "$pg"
expect "stop: exit 0" [ "$rc" -eq 0 ]
expect "stop ends the postmaster" gone "$pid"
cluster status "$pg"
expect "status after stop: exit 3" [ "$rc" -eq 3 ]
expect "status after stop says not running" contains "$out" "not running"
cluster stop "$pg"
expect "stop when stopped: exit 0" [ "$rc" -eq 0 ]

cluster start "$pg"
expect "restart: exit 0" [ "$rc" -eq 0 ]
expect "restart does not initdb again" lacks "$out" "created"
expect "restart keeps the data" [ "$(sql "$pg" 'select n from kept')" = 42 ]
expect "restart keeps --fast" [ "$(sql "$pg" 'show fsync')" = off ]

pid=$(postmaster_pid "$pg")
kill -9 "$pid"
cluster start "$pg"
expect "start after kill -9 (stale postmaster.pid): exit 0" [ "$rc" -eq 0 ]
expect "start after kill -9: a new postmaster" [ "$(postmaster_pid "$pg")" != "$pid" ]
expect "start after kill -9: data still there" [ "$(sql "$pg" 'select n from kept')" = 42 ]
cluster stop "$pg"

long=$T/$(printf '%0100d' 0)
cluster start "$long"
expect "socket path over 107 bytes: refused" [ "$rc" -ne 0 ]
expect "socket path over 107 bytes: says why" contains "$err" "Unix sockets allow 107"

# with-cluster: environment, exit status, nothing left behind. Its $TMPDIR is private (0700), so as
# root the postgres user cannot reach the cluster's directory: the /var/tmp fallback is tested too.
mkdir -m 0700 "$T/private"
# shellcheck disable=SC2016 # expanded by the inner sh
out=$(LEAKWATCH_DB=x PGSERVICE=y TMPDIR=$T/private "$with" sh -c \
    'echo "$LEAKWATCH_TEST_PGDIR"; echo "${LEAKWATCH_DB-unset} ${PGSERVICE-unset}";
     psql -X -Atc "select current_user"; readlink "$LEAKWATCH_TEST_PGDIR/data"; exit 7' 2>&1)
rc=$?
dir=$(echo "$out" | sed -n 1p)
expect "with-cluster: exit status of the command" [ "$rc" -eq 7 ]
expect "with-cluster: LEAKWATCH_TEST_PGDIR is set" contains "$dir" "$T/private/lw-pg-"
expect "with-cluster: LEAKWATCH_DB and PGSERVICE unset" [ "$(echo "$out" | sed -n 2p)" = "unset unset" ]
expect "with-cluster: psql reaches the cluster" [ "$(echo "$out" | sed -n 3p)" = leakwatch ]
expect "with-cluster: directory removed" [ ! -e "$dir" ]
if [ "$(id -u)" -eq 0 ]; then
    base=$(dirname "$(echo "$out" | sed -n 4p)")
    expect "unreachable DIR as root: data is a symlink to /var/tmp" contains "$base" "/var/tmp/leakwatch-pg-"
    expect "unreachable DIR as root: /var/tmp directory removed" [ ! -e "$base" ]
fi

mkdir "$T/tmp"
TMPDIR=$T/tmp "$with" sleep 30 &
wpid=$!
i=0
until [ -S "$(echo "$T"/tmp/lw-pg-*/run/.s.PGSQL.5432)" ] || [ "$i" -ge 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
pid=$(postmaster_pid "$(echo "$T"/tmp/lw-pg-*)")
kill -TERM "$wpid"
wait "$wpid"
rc=$?
expect "with-cluster on SIGTERM: exit 143" [ "$rc" -eq 143 ]
expect "with-cluster on SIGTERM: server stopped" gone "$pid"
expect "with-cluster on SIGTERM: directory removed" [ -z "$(ls -A "$T/tmp")" ]

long=$T/$(printf '%0100d' 1)
mkdir "$long"
out=$(TMPDIR=$long "$with" true 2>&1)
rc=$?
expect "with-cluster when no cluster starts: exit 1" [ "$rc" -eq 1 ]
expect "with-cluster when no cluster starts: says why" contains "$out" "Unix sockets allow 107"
expect "with-cluster when no cluster starts: directory removed" [ -z "$(ls -A "$long")" ]

finish
