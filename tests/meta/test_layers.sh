#!/bin/sh
# The layering rules of HACKING.md [Tor .may_include], and the banned-function list [curl]:
#   common/   libc only, and common/
#   parsers/  common/ and parsers/ (libtidy only in parsers/html.c) — no sockets, no database
#   storage/  common/, storage/, libsodium, libpq
#   crawler/  common/, crawler/, libcurl
#   cli/ api/ anything
# One check per source file, so a failure names the file.
cd "$(dirname "$0")/../.." || exit 1
passed=0
failed=0

fail() {
    failed=$((failed + 1))
    echo "FAIL $1" >&2
}

# allowed_for DIR FILE: the project directories and system headers FILE may include
check_file() {
    f=$1
    dir=${f%%/*}
    case $dir in
        common) ok_dirs="common" ; ok_sys="" ;;
        parsers) ok_dirs="common parsers"
                 if [ "$f" = parsers/html.c ]; then ok_sys="tidy.h tidybuffio.h tidy/tidy.h tidy/tidybuffio.h"; else ok_sys=""; fi ;;
        storage) ok_dirs="common storage" ; ok_sys="sodium.h libpq-fe.h" ;;
        crawler) ok_dirs="common crawler" ; ok_sys="curl/curl.h" ;;
        *) return 0 ;;
    esac
    bad=""
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        d=${inc%%/*}
        case " $ok_dirs " in *" $d "*) ;; *) bad="$bad \"$inc\"" ;; esac
    done
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$f"); do
        case $inc in
            sodium.h|libpq-fe.h|curl/*|tidy*.h|microhttpd.h|sys/socket.h|netdb.h|netinet/*|arpa/*)
                case " $ok_sys " in *" $inc "*) ;; *) bad="$bad <$inc>" ;; esac ;;
        esac
    done
    if [ -n "$bad" ]; then
        fail "$f includes$bad (not allowed in $dir/)"
        return
    fi
    passed=$((passed + 1))
}

for f in $(find common parsers storage crawler -name '*.[ch]' 2>/dev/null | sort); do
    check_file "$f"
done

# Banned functions, anywhere in the tree's C (tests may use what they like).
for f in $(find common parsers storage crawler cli api -name '*.[ch]' 2>/dev/null | sort); do
    hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|sscanf|strncpy|strncat)[[:space:]]*\(' "$f" |
        grep -vE '^[0-9]+:[[:space:]]*(\*|/\*|//)')
    if [ -n "$hits" ]; then
        fail "$f uses a banned function: $hits"
    else
        passed=$((passed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
