#!/bin/sh
# leakwatch verify: a webhook signature made with the key file's Ed25519 key (by PyNaCl here, as a
# third party would, over "timestamp.body") is valid with the public key in base64 and in hex (as
# 'key show --public' prints them), from a file and from stdin, and with the key file itself; a
# tampered body, a tampered timestamp, a wrong key and a malformed signature are invalid (exit 1);
# --max-age refuses an old and a far-future timestamp; usage errors are exit 2.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
out="" err="" rc=0
PY=python3
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import nacl.signing' 2>/dev/null; then PY=$p; break; fi
done

# the key file of tests/db/pg.sh's write_key (seed 1) and a second one
wk() {
    oprf=$(printf 'leakwatch test oprf seed %s' "$2" | sha256sum | cut -c1-64)
    sign=$(printf 'leakwatch test ed25519 seed %s' "$2" | sha256sum | cut -c1-64)
    (umask 077 && printf 'leakwatch-key 1\noprf-seed %s\ned25519-seed %s\n' "$oprf" "$sign" >"$1")
}
wk key1 1
wk key2 2
export LEAKWATCH_KEY_FILE="$T/key1"
pub=$("$LW" key show --public)
pubhex=$("$LW" key show --public --format hex)
pub2=$("$LW" key show --key-file key2 --public)

# sign TIMESTAMP FILE: the header value, made by PyNaCl from the key file's Ed25519 seed
sign() {
    seed=$(sed -n 's/^ed25519-seed //p' "$T/key1")
    "$PY" -c '
import base64, sys, nacl.signing
k = nacl.signing.SigningKey(bytes.fromhex(sys.argv[1]))
body = open(sys.argv[3], "rb").read()
print("ed25519=" + base64.b64encode(k.sign(sys.argv[2].encode() + b"." + body).signature).decode())
' "$seed" "$1" "$2"
}
printf '{"id":"6f1c","matches":[{"ref":"P-1","kind":"email","flags":[]}]}' >body.json
now=$(date +%s)
sig=$(sign "$now" body.json)
expect "PyNaCl made a signature" contains "$sig" "ed25519="

run verify --public-key "$pub" --timestamp "$now" --signature "$sig" body.json
expect "good (base64 key): exit 0" [ "$rc" -eq 0 ]
expect "good: prints valid" [ "$out" = valid ]
run verify --public-key "$pubhex" --timestamp "$now" --signature "$sig" body.json
expect "good (hex key): exit 0, valid" [ "$rc:$out" = "0:valid" ]
"$LW" verify --public-key "$pub" --timestamp "$now" --signature "$sig" <body.json >.out 2>.err
rc=$? out=$(cat .out)
expect "good from stdin: exit 0, valid" [ "$rc:$out" = "0:valid" ]
run verify --timestamp "$now" --signature "$sig" body.json
expect "good with the local key file: exit 0" [ "$rc:$out" = "0:valid" ]
run verify --key-file "$T/key1" --timestamp "$now" --signature "$sig" body.json
expect "good with --key-file: exit 0" [ "$rc:$out" = "0:valid" ]
run verify --public-key "$pub" --timestamp "$now" --signature "$sig" --max-age 300 body.json
expect "good within --max-age: exit 0" [ "$rc:$out" = "0:valid" ]

sed 's/P-1/P-2/' body.json >tampered.json
run verify --public-key "$pub" --timestamp "$now" --signature "$sig" tampered.json
expect "tampered body: exit 1" [ "$rc" -eq 1 ]
expect "tampered body: prints invalid" [ "$out" = invalid ]
expect "tampered body: says why" contains "$err" "does not match"
printf '%s ' "$(cat body.json)" >spaced.json
run verify --public-key "$pub" --timestamp "$now" --signature "$sig" spaced.json
expect "one byte appended: exit 1" [ "$rc:$out" = "1:invalid" ]
run verify --public-key "$pub" --timestamp "$((now + 1))" --signature "$sig" body.json
expect "tampered timestamp: exit 1" [ "$rc:$out" = "1:invalid" ]
run verify --public-key "$pub2" --timestamp "$now" --signature "$sig" body.json
expect "wrong key: exit 1" [ "$rc:$out" = "1:invalid" ]
run verify --key-file key2 --timestamp "$now" --signature "$sig" body.json
expect "wrong key file: exit 1" [ "$rc:$out" = "1:invalid" ]
run verify --public-key "$pub" --timestamp "$now" --signature "${sig#ed25519=}" body.json
expect "signature without ed25519=: exit 1" [ "$rc:$out" = "1:invalid" ]
run verify --public-key "$pub" --timestamp "$now" --signature "ed25519=AAAA" body.json
expect "short signature: exit 1" [ "$rc:$out" = "1:invalid" ]
run verify --public-key "$pub" --timestamp "x$now" --signature "$sig" body.json
expect "timestamp not a number: exit 1" [ "$rc:$out" = "1:invalid" ]

old=$((now - 3600))
sig_old=$(sign "$old" body.json)
run verify --public-key "$pub" --timestamp "$old" --signature "$sig_old" body.json
expect "an hour-old signature without --max-age: valid" [ "$rc:$out" = "0:valid" ]
run verify --public-key "$pub" --timestamp "$old" --signature "$sig_old" --max-age 300 body.json
expect "an hour-old signature with --max-age 300: exit 1" [ "$rc:$out" = "1:invalid" ]
expect "--max-age: says why" contains "$err" "max-age"
future=$((now + 3600))
sig_future=$(sign "$future" body.json)
run verify --public-key "$pub" --timestamp "$future" --signature "$sig_future" --max-age 300 body.json
expect "an hour in the future with --max-age 300: exit 1" [ "$rc:$out" = "1:invalid" ]

run verify --public-key "$pub" --signature "$sig" body.json
expect "no --timestamp: exit 2" [ "$rc" -eq 2 ]
run verify --public-key "$pub" --timestamp "$now" body.json
expect "no --signature: exit 2" [ "$rc" -eq 2 ]
run verify --public-key "not a key" --timestamp "$now" --signature "$sig" body.json
expect "bad --public-key: exit 2" [ "$rc" -eq 2 ]
expect "bad --public-key: named" contains "$err" "--public-key"
run verify --public-key "$pub" --timestamp "$now" --signature "$sig" --max-age soon body.json
expect "bad --max-age: exit 2" [ "$rc" -eq 2 ]
run verify --public-key "$pub" --timestamp "$now" --signature "$sig" missing.json
expect "missing body file: exit 1" [ "$rc" -eq 1 ]
run verify --help
expect "help: explains the signed message" contains "$out" '"T.BODY"'
finish
