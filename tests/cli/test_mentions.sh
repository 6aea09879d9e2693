#!/bin/sh
# Mentions end to end (tests/pg/with-cluster): keywords given with `leakwatch watch keyword`, then
# documents ingested. A document naming the clinic in another case and with other diacritics (and
# one in Windows-1252 bytes) alerts it with the keyword in the alert's mentions; a word that only
# contains the keyword does not; the same document again adds nothing; a keyword of two words
# matches across markup-free line breaks; two clinics sharing a word are both alerted. The stored
# data never holds the document's text: a canary word next to the name is in no row of pg_dumpall.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../db/pg.sh
. "$root/tests/db/pg.sh"
pg_require
cd "$T" || exit 1

write_key "$T/key" 4
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
PGDATABASE=$(newdb mentions) || exit 1
export PGDATABASE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]
run clinic add aaniterapia
run clinic add vastaamo
run clinic add helsinki-group
run watch keyword --clinic aaniterapia "Ääniterapia Öström"
expect "watch keyword: exit 0" [ "$rc" -eq 0 ]
run watch keyword --clinic vastaamo Vastaamo "Psykoterapiakeskus Vastaamo"
run watch keyword --clinic helsinki-group vastaamo
alerts() { q "SELECT count(*) FROM alerts"; }
alerts_of() { q "SELECT count(*) FROM alerts a JOIN clinics c ON c.id = a.clinic_id
                 WHERE c.name = '$1'"; }

# -- a document naming a clinic in other case and diacritics, next to a canary word
printf '<html><body><p>Stolen from AANITERAPIA\n  ostrom: the Zyxwvutcanary archive</p></body></html>\n' \
    >named.html
run ingest named.html
expect "named: exit 0" [ "$rc" -eq 0 ]
expect "named: summary says 1 alert" contains "$out" ", 1 alert"
expect "named: one alert" [ "$(alerts)" = 1 ]
expect "named: the alert is aaniterapia's" [ "$(alerts_of aaniterapia)" = 1 ]
expect "named: mentions hold the keyword" [ "$(q "SELECT array_to_string(mentions, '|') FROM alerts")" = "Ääniterapia Öström" ]

# -- the same document again: a duplicate, no new alert
run ingest named.html
expect "again: duplicate" contains "$out" "duplicate"
expect "again: no new alert" [ "$(alerts)" = 1 ]
cp named.html named-copy.html
printf '\n' >>named-copy.html
run ingest --json named-copy.html
expect "changed copy: stored, its own alert" contains "$out" '"alerts":1'

# -- a word containing the keyword is not a mention
printf 'Olin vastaamossa ja epävastaamo-sivulla. Vastaamot ovat kiinni.\n' >inside.txt
run ingest inside.txt
expect "inside a word: exit 0" [ "$rc" -eq 0 ]
expect "inside a word: no alert" [ "$(alerts_of vastaamo)" = 0 ]
expect "inside a word: still two alerts in all" [ "$(alerts)" = 2 ]

# -- Windows-1252 bytes, two clinics sharing one word, a keyword across a line break
printf 'Psykoterapiakeskus\r\n VASTAAMO \344\344ni\n' >shared.txt
run ingest --json shared.txt
expect "shared: exit 0" [ "$rc" -eq 0 ]
expect "shared: two alerts" contains "$out" '"alerts":2'
expect "shared: vastaamo alerted" [ "$(alerts_of vastaamo)" = 1 ]
expect "shared: helsinki-group alerted" [ "$(alerts_of helsinki-group)" = 1 ]
expect "shared: vastaamo mentions" [ "$(q "SELECT (SELECT string_agg(m, '|' ORDER BY m)
    FROM unnest(a.mentions) m) FROM alerts a JOIN clinics c ON c.id = a.clinic_id
    WHERE c.name = 'vastaamo'")" = "Psykoterapiakeskus Vastaamo|Vastaamo" ]
printf '\304\344niterapia \326str\366m\n' >latin1.txt
run ingest latin1.txt
expect "latin-1: an alert" [ "$(alerts_of aaniterapia)" = 3 ]

# -- the stored data never holds the document's text
pg_dumpall >dump.sql 2>dump.err
expect "pg_dumpall dumped" grep -q "watch_keywords" dump.sql
expect "pg_dumpall has the keyword (stored on purpose)" grep -q "Psykoterapiakeskus Vastaamo" dump.sql
expect "no canary word in the database" sh -c '! grep -qi zyxwvutcanary dump.sql'
expect "no document text in the database" sh -c '! grep -qi "vastaamossa\|Stolen from" dump.sql'

finish
