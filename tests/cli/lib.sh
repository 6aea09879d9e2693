# tests/cli/lib.sh — a tiny harness for command-line tests, sourced by tests/cli/test_*.sh.
#   run CMD...           run leakwatch; sets $out, $err, $rc
#   expect NAME COND...  records a pass if the test command COND succeeds, else a failure
#   finish               prints "N passed, N failed" and exits non-zero on failure
# $LEAKWATCH_BIN is the binary under test (make check sets it); $T is a fresh temporary directory.
set -u
LW=${LEAKWATCH_BIN:-$(pwd)/leakwatch}
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
unset LEAKWATCH_KEY_FILE LEAKWATCH_LOG_LEVEL LEAKWATCH_LOG_FORMAT
passed=0
failed=0

run() {
    "$LW" "$@" >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}

expect() {
    name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf 'FAIL %s\n  rc=%s\n  stdout: %s\n  stderr: %s\n' "$name" "$rc" "$out" "$err" >&2
    fi
}

contains() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
