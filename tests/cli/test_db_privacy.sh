#!/bin/sh
# The no-plaintext test (DESIGN.md, privacy invariant 1) against a real PostgreSQL
# (tests/pg/with-cluster). Canary identifiers — random, synthetic, valid: an e-mail address, a
# Finnish mobile number, a HETU, a Finnish IBAN and a Visa number — are planted in every surface
# form in CSV, SQL, JSON Lines and free-text dumps (one of them big enough to spill to the temporary
# table), ingested with debug logging in text and in JSON, from files and from stdin, into databases
# that log every statement with its parameters. Then no form of any canary may appear in pg_dumpall
# (every database, the roles), the server log, the cluster's data directory (heap and WAL), anything
# leakwatch printed, or any file under $T or $TMPDIR written meanwhile but the input dumps. The
# searcher proves itself: the same search finds a canary planted in each kind of place. And the data
# did go in: each canary's hash, from a document holding only it, is among the stored hits.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1
: >"$T/.start"
mkdir -p in logs tmp home
write_key "$T/key" 3
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
out="" err="" rc=0
pgdir=${LEAKWATCH_TEST_PGDIR:-}
expect "LEAKWATCH_TEST_PGDIR names the cluster (its log is searched)" \
    test -r "$pgdir/log/postgresql.log"

# -- the canaries, the dumps that hold them, and every form to search for (in/patterns)
cat >in/make.py <<'EOF'
import json, random
rnd = random.SystemRandom()
digits = lambda n: "".join(rnd.choice("0123456789") for _ in range(n))

def luhn_digit(partial):
    for d in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(partial + d)):
            v = int(ch) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return d

def iban_fi(bban):
    n = int("".join(str(int(c, 36)) for c in bban + "FI00"))
    return "FI%02d%s" % (98 - n % 97, bban)

while True:   # a HETU whose check character is a letter, so its lower-case form differs
    dd, mm, yy, nnn = "%02d" % rnd.randint(10, 28), "%02d" % rnd.randint(1, 12), \
        "%02d" % rnd.randint(50, 99), "%03d" % rnd.randint(2, 899)
    chk = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(dd + mm + yy + nnn) % 31]
    if chk.isalpha():
        break
hetu = dd + mm + yy + "-" + nnn + chk
local = "canary-" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))
email = local + "@example.fi"
sub = digits(7)
phone = "+35840" + sub
iban = iban_fi(digits(14))
card = "4" + digits(14)
card += luhn_digit(card)
g4 = lambda s, sep: sep.join(s[i:i + 4] for i in range(0, len(s), 4))

surface = {
    "email": [email, email.upper(), "Canary-" + local[7:].upper() + "@Example.FI"],
    "phone": ["+358 40 %s %s" % (sub[:3], sub[3:]), phone, "040-" + sub],
    "fi_hetu": [hetu, hetu.lower()],
    "iban": [g4(iban, " "), iban],
    "payment_card": [g4(card, " "), g4(card, "-"), card],
}
norm = {"email": email, "phone": phone, "fi_hetu": hetu, "iban": iban, "payment_card": card}
open("in/canaries.txt", "w").write("".join("%s=%s\n" % kv for kv in norm.items()))

# every form searched for: surfaces, normalised, and the digit runs and case variants inside them
pat = set()
for k in surface:
    pat.update(surface[k])
    pat.add(norm[k])
pat.update([local, phone[1:], "0" + phone[4:], phone[4:], hetu.replace("-", ""), hetu[:10],
            iban[2:], iban[4:], g4(iban, "-"), g4(card, "."), card[:15]])
pat.update([p.lower() for p in pat] + [p.upper() for p in pat])
open("in/patterns", "w").write("".join(sorted(p + "\n" for p in pat)))

# one file per surface form for the dry run; one per kind holding all its forms; one per canary
n = 0
for k, forms in surface.items():
    for f in forms:
        n += 1
        open("in/form-%02d-%s.txt" % (n, k), "w").write("Contact details follow.\nsee %s here\n" % f)
    open("in/all-%s.txt" % k, "w").write("".join("see %s here\n" % f for f in forms))
    open("in/one-%s.txt" % k, "w").write("see %s here\n" % forms[0])

S = surface
rows = [(S["email"][i % 3], S["phone"][i % 3], S["fi_hetu"][i % 2], S["iban"][i % 2],
         S["payment_card"][i % 3]) for i in range(6)]
with open("in/canary.csv", "w") as f:
    f.write("id,name,email,phone,hetu,iban,card_number,notes\n")
    for i, r in enumerate(rows):
        f.write('%d,Testi Henkilö,%s,%s,%s,%s,%s,"muistiinpano: %s / %s"\n' % ((i + 1,) + r + (r[0], r[4])))
    f.write('99,"broken quote,%s,%s\n' % (email, card))   # a malformed record
with open("in/canary.sql", "w") as f:
    f.write("-- MySQL dump 10.13\nCREATE TABLE `asiakas` (`id` int, `email` varchar(99), `puhelin` "
            "varchar(30), `hetu` varchar(11), `iban` varchar(40), `kortti` varchar(30), `muistio` text);\n")
    f.write("INSERT INTO `asiakas` VALUES " + ",".join(
        "(%d,'%s','%s','%s','%s','%s','Soita %s tai kirjoita %s')" % ((i + 1,) + r + (r[1], r[0]))
        for i, r in enumerate(rows)) + ";\n")
with open("in/canary.jsonl", "w") as f:
    for i, r in enumerate(rows):
        f.write(json.dumps({"id": i, "contact": {"email": r[0], "phone": r[1]}, "hetu": r[2],
                            "billing": {"iban": r[3], "card": r[4]}, "note": "tili %s" % r[3]}) + "\n")
    f.write('{"email": "%s", "broken\n' % email)              # a malformed line
with open("in/canary.txt", "w") as f:
    f.write("== asiakasrekisteri / customer register ==\n\n")
    for r in rows:
        f.write("Sähköposti: %s\nPuhelin: %s\nHenkilötunnus: %s\nTilinumero: %s\nKortti: %s\n\n" % r)
    f.write("Call %s or mail %s; card %s, account %s.\n" % (rows[2][1], rows[1][0], rows[1][4], rows[0][3]))
    f.write("x" * 70000 + " " + email + "\n")                   # an over-long line
with open("in/canary-big.csv", "w") as f:   # more distinct values than 64K of table: it spills
    f.write("email,phone,notes\n")
    for i in range(4500):
        f.write("filler-%05d@example.com,,row %d\n" % (i, i))
        if i % 1000 == 500:
            for r in rows:
                f.write("%s,%s,\"%s %s %s\"\n" % (r[0], r[1], r[2], r[3], r[4]))
EOF
python3 in/make.py
expect "the canaries were made" test -s in/patterns -a -s in/canary-big.csv
dumps="in/canary.csv in/canary.sql in/canary.jsonl in/canary.txt in/canary-big.csv"

# -- each surface form is a valid identifier of its kind, and all forms of one are one value
run ingest --dry-run --json --region FI in/form-*.txt
printf '%s\n' "$out" >logs/dry-forms.out
printf '%s\n' "$err" >logs/dry-forms.err
expect "dry run of the forms: exit 0" [ "$rc" -eq 0 ]
expect "all forms were tried" [ "$(grep -c '^{' logs/dry-forms.out)" -eq "$(find in -name 'form-*' | wc -l)" ]
run ingest --dry-run --json --region FI in/all-*.txt
printf '%s\n' "$out" >logs/dry-all.out
printf '%s\n' "$err" >logs/dry-all.err
expect "dry run of the kinds: exit 0" [ "$rc" -eq 0 ]
# in/form-NN-KIND.txt: found once; in/all-KIND.txt (every form of it): found each time, one value
expect_lines "dry run" "$(python3 -c '
import json
for name, want in (("logs/dry-forms.out", "found == 1 and unique == 1"),
                   ("logs/dry-all.out", "found >= 2 and unique == 1")):
    for l in open(name):
        o = json.loads(l)
        k = o["file"].rsplit("-", 1)[-1][:-4]
        found, unique = o["identifiers"][k]["found"], o["identifiers"][k]["unique"]
        ok = eval(want)
        print("%s %s: %s %s found %d, unique %d" % ("ok" if ok else "FAIL", o["file"], k,
              "" if ok else "want " + want + ",", found, unique))' 2>&1)"

# -- ingest, with debug logs, into databases that log every statement and its parameters
dbA=$(newdb privacy) || exit 1
dbB=$(newdb privacy) || exit 1
for db in "$dbA" "$dbB"; do
    qdb "$db" "ALTER DATABASE $db SET log_statement = 'all'"
done
# lw LOGNAME ARG…: leakwatch with TMPDIR and HOME inside $T, stdout and stderr kept in logs/
lw() {
    name=$1
    shift
    TMPDIR="$T/tmp" HOME="$T/home" "$LW" "$@" >"logs/$name.out" 2>"logs/$name.err"
    rc=$?
    out=$(cat "logs/$name.out")
    err=$(cat "logs/$name.err")
}
export PGDATABASE="$dbA"
lw migrate-a -vv --log-format text db migrate
expect "A: migrate" [ "$rc" -eq 0 ]
# shellcheck disable=SC2086 # $dumps: names without spaces
lw ingest-a -vv --log-format text ingest --json --region FI --memory 64K $dumps
expect "A: ingest exit 0" [ "$rc" -eq 0 ]
expect "A: all stored" [ "$(printf '%s\n' "$out" | grep -c '"status":"stored"')" -eq 5 ]
expect "A: the big one spilled" [ "$(printf '%s\n' "$out" | grep -c '"spilled":true')" -ge 1 ]
expect "A: debug lines were logged" contains "$err" "leakwatch: debug: "
expect "A: the spill was logged" contains "$err" "spilling to the database"
lw stdin-a -vv --log-format text ingest --region FI - <in/canary.txt
expect "A: stdin: exit 0" [ "$rc" -eq 0 ]
expect "A: stdin: a duplicate" contains "$out" "duplicate of document"
lw status-a -vv --log-format text db status
expect "A: status" [ "$rc" -eq 0 ]

export PGDATABASE="$dbB"
lw migrate-b --log-format json -vv db migrate
expect "B: migrate" [ "$rc" -eq 0 ]
# shellcheck disable=SC2086
lw ingest-b --log-format json -vv ingest --region FI $dumps
expect "B: ingest exit 0" [ "$rc" -eq 0 ]
expect "B: debug lines were logged, as JSON" contains "$err" '"level":"debug"'
expect "B: every log line is JSON" [ "$(grep -vc '^{' logs/ingest-b.err)" -eq 0 ]
lw stdin-b --log-format json -vv ingest --json --label canaries --region FI - <in/canary.jsonl
expect "B: stdin: exit 0" [ "$rc" -eq 0 ]
lw status-b --log-format json -vv db status
expect "B: status" [ "$rc" -eq 0 ]
expect "B: everything stored" [ "$(q "SELECT count(*) FROM documents")" -eq 5 ]

# -- the data did go in: each canary's hash, taken from a document holding it alone, is stored
dbH=$(newdb privacy) || exit 1
export PGDATABASE="$dbH"
lw migrate-h db migrate
lw ingest-h ingest --json --region FI in/one-*.txt
expect "single canaries: stored" [ "$(printf '%s\n' "$out" | grep -c '"status":"stored"')" -eq 5 ]
q "SELECT encode(h.hash, 'hex') || ' ' || h.kind FROM hits h JOIN documents d ON d.id = h.document_id
   JOIN id_kinds k ON k.id = h.kind WHERE d.label = 'one-' || k.name || '.txt'" >logs/canary-hashes
expect "single canaries: one hash each" [ "$(wc -l <logs/canary-hashes)" -eq 5 ]
for db in "$dbA" "$dbB"; do
    while read -r hash kind; do
        expect "$db holds the hash of the kind $kind canary" \
            [ "$(qdb "$db" "SELECT count(*) > 0 FROM hits WHERE hash = '\\x$hash' AND kind = $kind")" = t ]
    done <logs/canary-hashes
done

# -- the search: every target, one function, also used for the self-check below
pg_dumpall >logs/pg_dumpall.sql 2>logs/pg_dumpall.err
expect "pg_dumpall: it dumped (roles and the databases)" \
    grep -q "CREATE ROLE leakwatch_app" logs/pg_dumpall.sql
expect "pg_dumpall: it holds the stored hashes" \
    grep -q "$(head -n 1 logs/canary-hashes | cut -c1-64)" logs/pg_dumpall.sql
# shellcheck disable=SC2016 # a literal $1
expect "the server log holds leakwatch's statements with their parameters" \
    grep -q -F 'DETAIL:  parameters: $1 = ' "$pgdir/log/postgresql.log"
q "CHECKPOINT"
# targets: print every file to search, one a line: all of $T but the inputs; what appeared in
# $TMPDIR meanwhile (leakwatch ran with TMPDIR inside $T: this catches a hard-coded path; other
# throwaway clusters are left out); the server log; the data directory (heap, WAL)
targets() {
    find "$T" -type f ! -path "$T/in/*"
    find "${TMPDIR:-/tmp}" -xdev -maxdepth 3 -type f -newer "$T/.start" -size -64M \
        ! -path "$T/*" ! -path "${pgdir:-/nonexistent}/*" ! -path '*/lw-pg-*' 2>/dev/null
    printf '%s\n' "$pgdir/log/postgresql.log"
    find -L "$pgdir/data" -type f 2>/dev/null
}
# search: print "FILE: FORM" for every canary form found in a target file
search() {
    targets | grep -v '^$' | tr '\n' '\0' |
        xargs -0 grep -a -i -o -F -f "$T/in/patterns" -- 2>/dev/null | sort -u
}
ntargets=$(targets | wc -l)
expect "the search covers the server log and the data directory" [ "$ntargets" -gt 100 ]
found=$(search)
out=$found err=""
expect "no canary anywhere: pg_dumpall, server log, data directory, output, logs, files" [ -z "$found" ]

# -- the searcher can fail: a canary put in each kind of place is found
email=$(sed -n 's/^email=//p' in/canaries.txt)
card=$(sed -n 's/^payment_card=//p' in/canaries.txt)
printf 'noise %s noise\n' "$(printf '%s' "$email" | tr '[:lower:]' '[:upper:]')" >logs/planted.txt
found=$(search)
out=$found
expect "self-check: a canary (upper case) in a file under \$T is found" contains "$found" "logs/planted.txt:"
dbS=$(newdb privacy) || exit 1
qdb "$dbS" "ALTER DATABASE $dbS SET log_statement = 'all'"
qdb "$dbS" "CREATE TABLE planted (v text); INSERT INTO planted VALUES ('$card')"
q "CHECKPOINT"
pg_dumpall >logs/pg_dumpall.sql 2>logs/pg_dumpall.err
found=$(search)
out=$found
expect "self-check: a canary in a database is found in pg_dumpall" contains "$found" "logs/pg_dumpall.sql:"
expect "self-check: a canary in a statement is found in the server log" \
    contains "$found" "$pgdir/log/postgresql.log:"
expect "self-check: a canary in a table is found in the data directory" contains "$found" "$pgdir/data/"

finish
