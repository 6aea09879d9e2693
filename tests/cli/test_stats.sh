#!/bin/sh
# leakwatch stats against a real PostgreSQL: documents ingested with known content (30 synthetic
# text dumps, identifiers made by tests/gen/gen-dumps' generators), spread over two sources and no
# source, and over three months with one month empty between them, so that some cells are far
# above 10 and some below.
#   - every --by in every --format: the three formats say the same; every visible cell is >= K;
#     the differencing property on the printed output (the python checker below): for every measure
#     column whose cells partition its total, total - sum(visible) is 0 with nothing suppressed, or
#     >= K with at least two cells suppressed; in every column a suppressed cell never stands alone
#   - exact values with --min-count 1 (nothing suppressed), and --min-count changes what is shown
#   - suppressed cells printed as "x" (table), empty and named (csv), null and named (json)
#   - --plot writes an SVG that parses as XML (python xml.etree), 800 wide with a viewBox, with both
#     series, the hatched band over the suppressed months and a legend saying so
#   - exit codes: bad --by / --format / --min-count 2, database unavailable 4, unwritable plot 1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../db/pg.sh"
pg_require
root=$(cd "$(dirname "$0")/../.." && pwd)
PGDATABASE=$(newdb stats)
export PGDATABASE
write_key "$T/key" 1
LEAKWATCH_KEY_FILE=$T/key
export LEAKWATCH_KEY_FILE
run db migrate
expect "migrate" [ "$rc" -eq 0 ]

# ---- the documents: doc-01 … doc-30 ----
# every document: 3 e-mails of its own at example.fi (FI) or example.com (no country);
# doc 1-12: 2 phones each (FI, SE or DE); doc 1-4: one HETU each; doc 1-6: one IBAN each;
# 3 e-mails shared by two documents each (overlap "2"); one shared by all 30 (overlap "10+").
cat >"$T/gen.py" <<'EOF'
import importlib.machinery, importlib.util, os, random, sys
root, out = sys.argv[1], sys.argv[2]
loader = importlib.machinery.SourceFileLoader("gd", os.path.join(root, "tests/gen/gen-dumps"))
spec = importlib.util.spec_from_loader("gd", loader)
g = importlib.util.module_from_spec(spec)
loader.exec_module(g)
rng = random.Random(7)
for i in range(1, 31):
    lines = ["Leak part %d" % i, ""]
    dom = "example.fi" if i % 3 else "example.com"
    for j in range(3):
        lines.append("Email: person%02d.%d@%s" % (i, j, dom))
    if i <= 12:
        for j in range(2):
            lines.append("Puhelin: " + g.make_phone(rng, ["FI", "SE", "DE"][(i + j) % 3]).norm)
    if i <= 4:
        lines.append("Henkilotunnus: " + g.make_hetu(rng).norm)
    if i <= 6:
        lines.append("IBAN: " + g.make_iban(rng).norm)
    if i <= 6:
        lines.append("Email: shared%d@example.fi" % ((i + 1) // 2))
    lines.append("Email: everyone@example.fi")
    with open(os.path.join(out, "doc-%02d.txt" % i), "w") as f:
        f.write("\n".join(lines) + "\n")
EOF
mkdir -p "$T/docs"
python3 "$T/gen.py" "$root" "$T/docs"
n=0
for f in "$T"/docs/doc-*.txt; do
    "$LW" ingest --label "$(basename "$f" .txt)" "$f" >/dev/null 2>"$T/ingest.err" && n=$((n + 1))
done
out="" err=$(cat "$T/ingest.err") rc=0
expect "30 documents ingested" [ "$n" -eq 30 ]
run source add board-a --url https://a.example/board
run source add board-b --url https://b.example/board
# sources: doc 1-20 board-a (20), 21-27 board-b (7), 28-30 none (3);
# months: doc 1-15 2025-01 (15), 16-18 2025-02 (3), none in 2025-03, 19-30 2025-04 (12)
q "UPDATE documents SET source_id = (SELECT id FROM sources WHERE name = 'board-a')
     WHERE label BETWEEN 'doc-01' AND 'doc-20';
   UPDATE documents SET source_id = (SELECT id FROM sources WHERE name = 'board-b')
     WHERE label BETWEEN 'doc-21' AND 'doc-27';
   UPDATE documents SET source_id = NULL WHERE label >= 'doc-28';
   UPDATE documents SET first_seen = CASE
     WHEN label <= 'doc-15' THEN timestamptz '2025-01-15 12:00Z'
     WHEN label <= 'doc-18' THEN timestamptz '2025-02-10 12:00Z'
     ELSE timestamptz '2025-04-05 12:00Z' END" >/dev/null
expect "documents placed" [ "$(q "SELECT count(*) FROM documents WHERE source_id IS NOT NULL")" = 27 ]

# The checker: "check K BY FILE..." parses the table, CSV and JSON of one --by (the first file is
# the reference) and prints ok/FAIL lines; "svg K FILE" checks the plot.
cat >"$T/check.py" <<'PYEOF'
import json, re, sys
import xml.etree.ElementTree as ET

MEASURES = ["documents", "records", "identifiers"]
# measure columns whose cells partition the total (each unit counted in exactly one row)
PARTITION = {"kind": {"identifiers"}, "source": {"documents", "records"},
             "month": {"documents", "records", "identifiers"}, "country": {"identifiers"},
             "overlap": {"identifiers"}}
SUP = object()

def parse_json(path):
    d = json.load(open(path))
    def conv(r):
        cells = {m: (SUP if r[m] is None else r[m]) for m in MEASURES if m in r}
        for m in r["suppressed"]:
            assert cells.get(m) is SUP, "json: %s named suppressed but not null" % m
        for m, v in cells.items():
            assert (v is SUP) == (m in r["suppressed"]), "json: null %s not named" % m
        return (r["label"], cells)
    return [conv(r) for r in d["rows"]], conv(d["total"]), d["min_count"]

def parse_csv(path):
    import csv
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["label"] + MEASURES + ["suppressed"], "csv header %r" % rows[0]
    out = []
    for r in rows[1:]:
        sup = set(r[4].split())
        cells = {}
        for i, m in enumerate(MEASURES):
            if m in sup:
                assert r[1 + i] == "", "csv: suppressed %s not empty" % m
                cells[m] = SUP
            elif r[1 + i] != "":
                cells[m] = int(r[1 + i])
        out.append((r[0], cells))
    return out[:-1], out[-1], None

def parse_table(path):
    lines = open(path).read().split("\n")
    head = re.split(r"\s{2,}", lines[0].strip())
    cols = [h.lower() for h in head[1:]]
    assert all(c in MEASURES for c in cols), "table header %r" % head
    rows, total, k = [], None, None
    for ln in lines[1:]:
        if ln == "" or set(ln) == {"-"}:
            continue
        if ln.startswith("x: suppressed — below "):
            k = int(ln.split()[4].rstrip(","))
            continue
        parts = re.split(r"\s{2,}", ln.rstrip())
        assert len(parts) == 1 + len(cols), "table row %r" % ln
        cells = {}
        for c, v in zip(cols, parts[1:]):
            if v == "x":
                cells[c] = SUP
            elif v != "-":
                cells[c] = int(v)
        rows.append((parts[0], cells))
    return rows[:-1], rows[-1], k

def norm(t):
    rows, total, _ = t
    f = lambda cells: {m: ("S" if v is SUP else v) for m, v in cells.items()}
    return [(l, f(c)) for l, c in rows], f(total[1])

def check(k, by, paths):
    parsed = []
    for p in paths:
        fn = parse_json if p.endswith(".json") else parse_csv if p.endswith(".csv") else parse_table
        try:
            parsed.append((p, fn(p)))
        except Exception as e:
            print("FAIL parse %s: %s" % (p, e))
            return
    for p, t in parsed[1:]:
        print(("ok" if norm(t) == norm(parsed[0][1]) else "FAIL") + " %s says what %s says" % (p.rsplit(".", 1)[1], parsed[0][0].rsplit(".", 1)[1]))
    for p, t in parsed:
        if t[2] is not None:
            print(("ok" if t[2] == k else "FAIL") + " %s: min_count %s" % (p.rsplit(".", 1)[1], t[2]))
    rows, (tl, total), _ = parsed[0][1]
    print(("ok" if tl == "total" else "FAIL") + " total row labelled total")
    print(("ok" if len(rows) > 0 else "FAIL") + " there are rows")
    for m in MEASURES:
        col = [c[m] for _, c in rows if m in c]
        if m not in total:
            print(("ok" if not col else "FAIL") + " %s absent in total and rows alike" % m)
            continue
        low = [v for v in col if v is not SUP and v < k]
        print(("ok" if not low else "FAIL") + " %s: no visible cell below %d %s" % (m, k, low))
        sup = [v for v in col if v is SUP]
        if total[m] is SUP:
            print(("ok" if len(sup) == len(col) else "FAIL") + " %s: total suppressed, so every cell" % m)
            continue
        print(("ok" if total[m] >= k else "FAIL") + " %s: a visible total is >= %d" % (m, k))
        print(("ok" if len(sup) != 1 else "FAIL") + " %s: no suppressed cell stands alone (%d)" % (m, len(sup)))
        if m in PARTITION[by]:
            diff = total[m] - sum(v for v in col if v is not SUP)
            good = diff == 0 if not sup else (diff >= k and len(sup) >= 2)
            print(("ok" if good else "FAIL") + " %s: total - visible = %d with %d suppressed" % (m, diff, len(sup)))

def svg(k, path):
    ns = "{http://www.w3.org/2000/svg}"
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print("FAIL svg parses as XML: %s" % e)
        return
    print("ok svg parses as XML")
    print(("ok" if root.tag == ns + "svg" else "FAIL") + " root is svg in the SVG namespace")
    print(("ok" if root.get("width") == "800" and root.get("viewBox", "").split()[2:] == ["800", root.get("height")] else "FAIL") + " 800 wide with a viewBox")
    print(("ok" if root.get("version") == "1.1" else "FAIL") + " SVG 1.1")
    titles = [e.text or "" for e in root.iter(ns + "title")]
    texts = " ".join("".join(e.itertext()) for e in root.iter(ns + "text"))
    print(("ok" if "Documents and distinct identifiers per month" in texts else "FAIL") + " a title")
    print(("ok" if "documents (left axis)" in texts and "distinct identifiers (right axis)" in texts else "FAIL") + " a legend with both series")
    bars = [e for g in root.iter(ns + "g") if g.get("class") == "documents" for e in g.iter(ns + "rect")]
    line = [e for e in root.iter(ns + "path") if e.get("class") == "identifiers"]
    print(("ok" if bars and "2025-01: 15 documents" in titles else "FAIL") + " documents as bars (%d)" % len(bars))
    print(("ok" if line and line[0].get("d", "").startswith("M") else "FAIL") + " identifiers as a line")
    bands = [e for e in root.iter(ns + "rect") if e.get("class") == "suppressed"]
    print(("ok" if "2025-02: suppressed" in titles and len(bands) >= 1 else "FAIL") + " a hatched band over the suppressed month (%d)" % len(bands))
    print(("ok" if all(b.get("fill") == "url(#hatch)" for b in bands) else "FAIL") + " bands are hatched")
    print(("ok" if any(p.get("id") == "hatch" for p in root.iter(ns + "pattern")) else "FAIL") + " the hatch pattern is defined")
    print(("ok" if ("suppressed: below %d" % k) in texts else "FAIL") + " the legend names the suppression")
    print(("ok" if "2025-03: 0 distinct identifiers" in titles else "FAIL") + " the empty month drawn as zero")
    print(("ok" if not any(t.startswith("2025-02: ") and t[9:10].isdigit() for t in titles) else "FAIL") + " no value drawn for the suppressed month")
    print(("ok" if "2025-01" in texts and "2025-04" in texts else "FAIL") + " month labels on the time axis")

if sys.argv[1] == "check":
    check(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
else:
    svg(int(sys.argv[2]), sys.argv[3])
PYEOF
chk=$T/check.py

# ---- every dimension, every format ----
for by in kind source month country overlap; do
    for fmt in table csv json; do
        run stats --by "$by" --format "$fmt"
        expect "stats --by $by --format $fmt: exit 0" [ "$rc" -eq 0 ]
        printf '%s\n' "$out" >"$T/$by.$fmt"
    done
    expect_lines "by $by" "$(python3 "$chk" check 10 "$by" "$T/$by.table" "$T/$by.csv" "$T/$by.json" 2>&1)"
done
run stats
expect "default: by kind, as a table" [ "$out" = "$(cat "$T/kind.table")" ]

# ---- what a suppressed cell looks like ----
expect "table: a suppressed cell is x" grep -q '^fi_hetu  *x ' "$T/kind.table"
expect "table: a visible cell" grep -q '^email  *30 ' "$T/kind.table"
expect "table: a total row" grep -q '^total  ' "$T/kind.table"
expect "table: the footer" grep -qx 'x: suppressed — below 10, or withheld so that no suppressed cell can be recovered from the total' "$T/kind.table"
expect "csv: the header" [ "$(head -n 1 "$T/kind.csv")" = "label,documents,records,identifiers,suppressed" ]
expect "csv: a suppressed cell is empty and named" grep -qx 'fi_hetu,,,,documents identifiers' "$T/kind.csv"
expect "json: a suppressed cell is null and named" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["rows"] if r["label"] == "fi_hetu"][0]
assert d["by"] == "kind" and d["min_count"] == 10
assert r["documents"] is None and "documents" in r["suppressed"]
assert "records" not in r and d["total"]["label"] == "total"' "$T/kind.json"
expect "month: an empty month is no row" lacks "$(cat "$T/month.csv")" "2025-03"
expect "month: 2025-02 suppressed" grep -q '^2025-02,,' "$T/month.csv"

# ---- exact values when nothing is suppressed, and --min-count changes the table ----
run stats --by kind --min-count 1 --format csv
expect "min-count 1: exact per kind" [ "$(printf '%s\n' "$out" | grep -E '^(email|phone|fi_hetu|iban),' | sort)" = "$(printf '%s\n' \
    'email,30,,94,' 'fi_hetu,4,,4,' 'iban,6,,6,' 'phone,12,,24,')" ]
run stats --by source --min-count 1 --format csv
expect "min-count 1: documents per source" [ "$(printf '%s\n' "$out" | cut -d, -f1,2 | tr '\n' ' ')" = "label,documents board-a,20 board-b,7 (none),3 total,30 " ]
run stats --by month --min-count 1 --format json
expect "min-count 1: months" [ "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s=%s" % (r["label"], r["documents"]) for r in d["rows"]))')" = "2025-01=15 2025-02=3 2025-04=12" ]
for by in kind source month country overlap; do
    run stats --by "$by" --min-count 5 --format json
    printf '%s\n' "$out" >"$T/$by.k5.json"
    expect_lines "by $by, min-count 5" "$(python3 "$chk" check 5 "$by" "$T/$by.k5.json" 2>&1)"
done
expect "min-count 5: the 6 IBANs shown" grep -q '"label": "iban", "documents": null, "identifiers": 6,' "$T/kind.k5.json"
expect "min-count 10: the 6 IBANs not shown" grep -q '"label": "iban", "documents": null, "identifiers": null,' "$T/kind.json"
run stats --by kind --min-count 100 --format csv
expect "min-count 100: every kind suppressed" [ "$(printf '%s\n' "$out" | sed '1d;$d' | grep -cv ',,,,documents identifiers$')" -eq 0 ]
expect "min-count 100: the total of 30 documents suppressed, of 130 identifiers shown" [ "$(printf '%s\n' "$out" | tail -n 1)" = "total,,,130,documents" ]

# ---- --plot ----
run stats --by kind --plot "$T/m.svg"
expect "plot: exit 0" [ "$rc" -eq 0 ]
expect "plot: stdout is still the --by table" [ "$out" = "$(cat "$T/kind.table")" ]
expect_lines "plot" "$(python3 "$chk" svg 10 "$T/m.svg" 2>&1)"
expect "plot: no temporary file left" [ "$(find "$T" -maxdepth 1 -name 'm.svg*' | wc -l)" -eq 1 ]
run stats --by month --min-count 1 --plot "$T/m1.svg"
expect "plot, min-count 1: no band" [ "$rc" -eq 0 ] && lacks "$(cat "$T/m1.svg")" 'class="suppressed"'
run stats --plot "$T/no/such/dir/m.svg"
expect "plot into a missing directory: exit 1" [ "$rc" -eq 1 ] && contains "$err" "--plot"

# ---- exit codes ----
run stats --by day
expect "bad --by: exit 2" [ "$rc" -eq 2 ] && contains "$err" "--by"
run stats --format xml
expect "bad --format: exit 2" [ "$rc" -eq 2 ]
run stats --min-count 0
expect "--min-count 0: exit 2" [ "$rc" -eq 2 ]
run stats --min-count 10x
expect "--min-count 10x: exit 2" [ "$rc" -eq 2 ]
run stats extra
expect "an operand: exit 2" [ "$rc" -eq 2 ]
runenv "LEAKWATCH_DB=postgresql://127.0.0.1:1/nodb?connect_timeout=2" stats
expect "database unavailable: exit 4" [ "$rc" -eq 4 ]
run stats --help
expect "help" [ "$rc" -eq 0 ] && contains "$out" "--min-count K"
finish
