#!/bin/sh
# The man page leakwatch(1) against the binary it documents:
#   - docs/leakwatch.1 is exactly what scripts/gen-man makes from $LEAKWATCH_BIN's --help texts, so
#     a --help change without regenerating the page fails here (the message says what to run);
#   - it has a section for every command `leakwatch --help` lists;
#   - gen-man escapes roff: help lines starting with '.' or '\'', backslashes, dashes and non-ASCII
#     text come out of groff as written (checked with a stand-in binary printing such lines);
#   - the page renders without a warning (`man --warnings`, else `groff -ww`, else SKIPPED).
cd "$(dirname "$0")/../.." || exit 1
LW=${LEAKWATCH_BIN:-$(pwd)/leakwatch}
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-man-XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n' "$*" >&2
}

# render FILE: the page as text on stdout, roff warnings in $T/warn; returns 3 if no formatter.
render() {
    if command -v man >/dev/null 2>&1; then
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>"$T/warn"
    elif command -v groff >/dev/null 2>&1; then
        LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -P-cbou -rLL=80n "$1" 2>"$T/warn"
    else
        return 3
    fi
}

# 1. the committed page is up to date
if scripts/gen-man "$LW" "$T/leakwatch.1" 2>"$T/gen.err"; then
    ok
else
    fail "scripts/gen-man $LW failed: $(cat "$T/gen.err")"
fi
if cmp -s "$T/leakwatch.1" docs/leakwatch.1; then
    ok
else
    fail "docs/leakwatch.1 does not match '$LW --help' — a --help text changed: run scripts/gen-man" \
        "(it rewrites docs/leakwatch.1) and commit the result. First differences:"
    diff -u docs/leakwatch.1 "$T/leakwatch.1" 2>&1 | head -n 30 >&2
fi

# 2. every command has its section
cmds=$("$LW" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p')
[ -n "$cmds" ] || fail "no commands in '$LW --help'"
for c in $cmds; do
    if grep -qx ".SS \"leakwatch $c\"" docs/leakwatch.1; then
        ok
    else
        fail "docs/leakwatch.1 has no section for 'leakwatch $c': run scripts/gen-man"
    fi
done

# 3. escaping, with a stand-in binary whose help holds roff's special characters
cat >"$T/fakelw" <<'EOF'
#!/bin/sh
case "$*" in
--version) echo "leakwatch 9.9.9" ;;
--help)
    cat <<'HELP'
leakwatch 9.9.9 — a stand-in for the escaping test

Usage: leakwatch [GLOBAL OPTIONS] COMMAND [ARGS]

Commands:
  frob       frobnicate the widgets

Global options:
  -h, --help              this help
      --log-level LEVEL   debug or info
HELP
    ;;
"frob --help")
    cat <<'HELP'
Usage: leakwatch frob [--depth N] [--path C:\fBdir]

.SH not a macro, a help line that starts with a dot
'br not a request, a line that starts with a quote
Backslashes stay: C:\fBnot-bold\fR and \\server\share; dashes: --depth, a-b.
Non-ASCII: sähköposti — fødselsnummer ≤ 5.

  --depth N     how deep
    --inner X   nested under depth
  --path P      where
HELP
    ;;
*) exit 2 ;;
esac
EOF
chmod +x "$T/fakelw"
if scripts/gen-man "$T/fakelw" "$T/fake.1" 2>"$T/gen.err"; then
    ok
else
    fail "gen-man on the stand-in binary: $(cat "$T/gen.err")"
fi
render "$T/fake.1" >"$T/fake.txt"
case $? in
3) echo "SKIPPED: neither man nor groff is installed: the escaping and rendering checks did not run" ;;
*)
    for want in '.SH not a macro, a help line that starts with a dot' \
        "'br not a request, a line that starts with a quote" \
        'C:\fBnot-bold\fR and \\server\share; dashes: --depth, a-b.' \
        'sähköposti — fødselsnummer ≤ 5.' 'leakwatch frob [--depth N] [--path C:\fBdir]' \
        '--inner X' 'frobnicate the widgets' '--log-level LEVEL'; do
        # joined to one line per paragraph, so a phrase broken across lines is still found
        if tr '\n' ' ' <"$T/fake.txt" | tr -s ' ' | grep -qF -- "$want"; then
            ok
        else
            fail "the stand-in's help text '$want' does not come out of groff as written"
        fi
    done
    if [ -s "$T/warn" ]; then
        fail "the stand-in's page renders with warnings: $(cat "$T/warn")"
    else
        ok
    fi

    # 4. the real page renders cleanly, and the warning check can see a warning
    render docs/leakwatch.1 >"$T/page.txt"
    if [ -s "$T/warn" ]; then
        fail "docs/leakwatch.1 renders with warnings: $(head -n 5 "$T/warn")"
    else
        ok
    fi
    for want in 'leakwatch crawl' 'EXIT STATUS' 'LEAKWATCH_PROXY' 'socks5h://127.0.0.1:9050'; do
        if grep -qF -- "$want" "$T/page.txt"; then ok; else fail "rendered page lacks '$want'"; fi
    done
    printf '.TH X 1\n.SH NAME\nx \\[nosuchglyph]\n.XX\n' >"$T/bad.1"
    render "$T/bad.1" >/dev/null
    if [ -s "$T/warn" ]; then ok; else fail "a broken page rendered without a warning: the check is blind"; fi
    ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
