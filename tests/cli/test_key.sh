#!/bin/sh
# leakwatch key generate / show, the key file's mode, and the refusal of readable key files.
. "$(dirname "$0")/lib.sh"
cd "$T"

run key generate
expect "generate to the default path" [ "$rc" -eq 0 ]
expect "default path is var/leakwatch.key" [ -f var/leakwatch.key ]
expect "mode 0600" [ "$(stat -c %a var/leakwatch.key)" = 600 ]
expect "var/ is private" [ "$(stat -c %a var)" = 700 ]
expect "generate says where" contains "$out" "var/leakwatch.key"
sum=$(sha256sum var/leakwatch.key)

run key generate
expect "refuses to overwrite: exit 1" [ "$rc" -eq 1 ]
expect "refuses to overwrite: names the file" contains "$err" "var/leakwatch.key already exists"
expect "file untouched" [ "$(sha256sum var/leakwatch.key)" = "$sum" ]

run key show --public
expect "show --public works" [ "$rc" -eq 0 ]
pub=$out
expect "public key is 32 bytes of base64" [ "$(printf '%s' "$pub" | base64 -d | wc -c)" -eq 32 ]
run key show --public --format hex
expect "hex form matches base64 form" \
    [ "$out" = "$(printf '%s' "$pub" | base64 -d | od -An -tx1 | tr -d ' \n')" ]


LEAKWATCH_KEY_FILE="$T/var/leakwatch.key"
export LEAKWATCH_KEY_FILE
cd /
run key show --public
expect "LEAKWATCH_KEY_FILE is honoured: exit" [ "$rc" -eq 0 ]
expect "LEAKWATCH_KEY_FILE is honoured" [ "$out" = "$pub" ]
unset LEAKWATCH_KEY_FILE
cd "$T"

for mode in 644 640 604 660 602 620; do
    chmod "$mode" var/leakwatch.key
    run key show --public
    expect "mode $mode refused with exit 2" [ "$rc" -eq 2 ]
    expect "mode $mode: message names the file" contains "$err" "var/leakwatch.key"
    expect "mode $mode: message gives the fix" contains "$err" "chmod 600 var/leakwatch.key"
    expect "mode $mode: nothing on stdout" [ -z "$out" ]
done
chmod 600 var/leakwatch.key
run key show --public
expect "mode 600 accepted again: exit" [ "$rc" -eq 0 ]
expect "mode 600 accepted again" [ "$out" = "$pub" ]

run key show --key-file "$T/none.key"
expect "missing key file: exit 2" [ "$rc" -eq 2 ]
expect "missing key file: says how to create one" contains "$err" "leakwatch key generate"

printf 'garbage\n' > bad.key && chmod 600 bad.key
run key show --key-file bad.key
expect "malformed key file: exit 2" [ "$rc" -eq 2 ]
expect "malformed key file: says so" contains "$err" "malformed"

run key generate --out "$T/other.key"
expect "--out: exit" [ "$rc" -eq 0 ]
expect "--out" [ -f "$T/other.key" ]
run key show --key-file "$T/other.key" --public
expect "a new key has a new signing key" [ "$out" != "$pub" ]
expect "no temporary files left" [ "$(ls "$T" | grep -c tmp)" -eq 0 ]

run --log-format json key show --key-file "$T/none.key"
expect "json log line" contains "$err" '"level":"error","domain":"key"'

finish
