# shellcheck shell=sh disable=SC2034 # rc, out and err are lib.sh's, read by its expect
# tests/db/pg.sh — PostgreSQL helpers for the database tests tests/cli/test_db_*.sh; sourced after
# tests/cli/lib.sh (it uses $T, $LW, expect and finish).
#
#   pg_require            the tests need a server: fail loudly and exit unless PGHOST names one that
#                         answers as a superuser (tests/pg/with-cluster provides it; make check runs
#                         every test inside one). A database test never skips: CI must run it.
#   newdb NAME            create database lw_NAME_<pid>_<n>; prints its name (dropped at exit)
#   newrole NAME ROLE     create login role lw_NAME_<pid> IN ROLE ROLE; prints its name (dropped at
#                         exit: roles are cluster-wide)
#   q SQL                 one psql command against $PGDATABASE, unaligned, tuples only; fails on error
#   qdb DB SQL            the same against database DB
#   write_key PATH N      a key file made from fixed seeds (N picks them), mode 0600
#   hits_rows             every hit as "label<TAB>hash-hex<TAB>kind<TAB>flags<TAB>occurrences",
#                         sorted: comparable across databases (ids may differ, labels do not)
#   counts                "documents hits sources" of $PGDATABASE
#   runenv VAR=VALUE ARG...   lib.sh's run with one variable set for leakwatch alone (an assignment
#                         before a shell function may outlive the call in some shells)
#   jget KEY [JSON]       the number or plain string after "KEY": in a one-line JSON object (default:
#                         $out's first line); for keys that occur once in it ("status", "document")
#   lacks TEXT PART       the opposite of lib.sh's contains
#   expect_lines WHAT OUTPUT   one expect per line of a checker's output ("ok …" or "FAIL …")
#
# Each test makes its own databases and sets PGDATABASE, so tests never share state; what they
# create is recorded in $T/.pg-created and removed by the EXIT trap (databases first, then roles).

pg_created="$T/.pg-created"
: >"$pg_created"

# shellcheck disable=SC2317 # reached through the trap
pg_cleanup() {
    trap - EXIT INT TERM HUP
    if [ -s "$pg_created" ] && [ -n "${PGHOST:-}" ]; then
        grep '^db ' "$pg_created" | while read -r _ name; do
            dropdb --if-exists --force -- "$name" >/dev/null 2>&1 ||
                echo "pg.sh: could not drop database $name" >&2
        done
        grep '^role ' "$pg_created" | while read -r _ name; do
            psql -X -q -d postgres -c "DROP ROLE IF EXISTS \"$name\"" >/dev/null 2>&1 ||
                echo "pg.sh: could not drop role $name" >&2
        done
    fi
    rm -rf "$T"
}
trap pg_cleanup EXIT
trap 'pg_cleanup; exit 129' HUP
trap 'pg_cleanup; exit 130' INT
trap 'pg_cleanup; exit 143' TERM

pg_require() {
    why=""
    if [ -z "${PGHOST:-}" ]; then
        why="PGHOST is not set: the database tests need a PostgreSQL server. Run them inside a "
        why="${why}throwaway cluster: tests/pg/with-cluster sh $0 (make check does this)"
    elif ! pg_isready -q -h "$PGHOST" -p "${PGPORT:-5432}" -t 10; then
        why="no PostgreSQL answers at PGHOST=$PGHOST PGPORT=${PGPORT:-5432}"
    elif [ "$(psql -X -At -d postgres -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>&1)" != t ]; then
        why="PGUSER=${PGUSER:-} is not a superuser on PGHOST=$PGHOST (the tests create roles and databases)"
    fi
    [ -z "$why" ] && return 0
    echo "FAIL: $why" >&2
    failed=$((failed + 1))
    finish
    exit 1
}

# Numbered from the record, not a variable: newdb runs in $(…), a subshell.
newdb() {
    name="lw_$1_$$_$(($(grep -c '^db ' "$pg_created") + 1))"
    echo "db $name" >>"$pg_created"
    createdb -- "$name" || {
        echo "pg.sh: createdb $name failed" >&2
        return 1
    }
    printf '%s\n' "$name"
}

newrole() {
    name="lw_$1_$$"
    echo "role $name" >>"$pg_created"
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE ROLE \"$name\" LOGIN IN ROLE $2" >/dev/null || {
        echo "pg.sh: CREATE ROLE $name failed" >&2
        return 1
    }
    printf '%s\n' "$name"
}

q() {
    psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"
}

qdb() {
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

write_key() {
    oprf=$(printf 'leakwatch test oprf seed %s' "$2" | sha256sum | cut -c1-64)
    sign=$(printf 'leakwatch test ed25519 seed %s' "$2" | sha256sum | cut -c1-64)
    (umask 077 && printf 'leakwatch-key 1\noprf-seed %s\ned25519-seed %s\n' "$oprf" "$sign" >"$1")
}

hits_rows() {
    q "COPY (SELECT d.label, encode(h.hash, 'hex'), h.kind, h.flags, h.occurrences
             FROM hits h JOIN documents d ON d.id = h.document_id ORDER BY 1, 2, 3, 4, 5) TO STDOUT"
}

counts() {
    q "SELECT (SELECT count(*) FROM documents) || ' ' || (SELECT count(*) FROM hits) || ' ' ||
              (SELECT count(*) FROM sources)"
}

runenv() {
    (
        # shellcheck disable=SC2163 # exports the variable that $1 assigns
        export "$1"
        shift
        "$LW" "$@"
    ) >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}

jget() {
    printf '%s\n' "${2-$out}" | sed -n '1{s/.*"'"$1"'":"\{0,1\}\([^",}]*\).*/\1/p;}'
}

lacks() { ! contains "$1" "$2"; }

expect_lines() {
    printf '%s\n' "$2" | grep -v '^$' >"$T/.lines"
    if [ ! -s "$T/.lines" ]; then
        out="" err="the checker printed nothing"
        expect "$1: the checker ran" false
        return
    fi
    while IFS= read -r line; do
        out=$line err=""
        expect "$1: ${line#* }" [ "${line%% *}" = ok ]
    done <"$T/.lines"
}
