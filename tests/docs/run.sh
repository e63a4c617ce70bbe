#!/usr/bin/env bash
# The manual (docs/, an mdBook book) and the README: the book builds; every relative link and anchor
# resolves and every page is in the book's SUMMARY.md; every setting the server has is on the
# Configuration page (and only those), every operation kind on The stream's; and every ```sql
# example (the README's tour first, then the book's pages) runs, in order, against a server with
# the library preloaded and one worker, unless a `<!-- not run: REASON -->` line stands right before
# it. Prints "docs: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

VENV="$(tests/docs/setup_venv.sh)" || { echo "docs: 0 passed, 1 failed (venv)"; exit 1; }
out="$(mktemp -d /tmp/alimentador-book.XXXXXX)"
trap 'cleanup_clusters; rm -rf "$out"' EXIT

echo "== docs: the book builds, its links resolve"
built() { if "$VENV/bin/mdbook" build docs -d "$out/book" >"$out/build.log" 2>&1; then echo built; else cat "$out/build.log"; fi; }
check "mdbook build docs" eq "$(built)" built
check "every page is built" eq "$(find "$out/book" -name '*.html' | grep -c -v -e 404.html -e print.html -e toc.html -e index.html)" \
  "$(find docs/src -name '*.md' ! -name SUMMARY.md | wc -l)"
check "every link and anchor resolves, every page is in SUMMARY.md" eq "$(python3 tests/docs/check.py links)" ""

DB=hospital
new_cluster docs "shared_preload_libraries = 'alimentador'" "alimentador.database = '$DB'" \
  "alimentador.workers = 1" "alimentador.rate = 20" "wal_level = logical"
q "CREATE DATABASE $DB"

echo "== docs: the lists in the pages are the server's"
check "Configuration lists every alimentador.* setting, and only those, each with when it applies" eq \
  "$(mapfile -t names < <(q "SELECT name || ':' || context FROM pg_settings WHERE name LIKE 'alimentador.%'"); python3 tests/docs/check.py settings "${names[@]}")" ""

echo "== docs: the SQL examples run"
examples=0; failed_examples=()
while IFS= read -r example; do
  examples=$((examples + 1))
  where=$(python3 -c 'import json, sys; e = json.loads(sys.argv[1]); print("%s:%s" % (e["page"], e["line"]))' "$example")
  python3 -c 'import json, sys; print(json.loads(sys.argv[1])["sql"])' "$example" >"$out/example.sql"
  if ! PGOPTIONS="-c statement_timeout=60s" timeout 120 psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d $DB -f "$out/example.sql" >"$out/example.out" 2>&1; then
    failed_examples+=("$where")
    echo "    $where failed:"; sed 's/^/      /' "$out/example.out" | tail -5
  fi
done < <(python3 tests/docs/check.py sql | python3 -c 'import json, sys
lines = [json.loads(l) for l in sys.stdin]
lines.sort(key=lambda e: e["page"] != "README.md")  # the README creates the extension: first
for e in lines: print(json.dumps(e))')
check "every runnable SQL example ran ($examples)" eq "${failed_examples[*]:-}" ""
check "…the operations' page names every operation kind" eq \
  "$(mapfile -t ops < <(q -d $DB "SELECT operacao FROM alimentador_operations()"); python3 tests/docs/check.py words docs/src/stream.md "${ops[@]}")" ""

check "…and every profile" eq \
  "$(mapfile -t profiles < <(q -d $DB "SELECT nome FROM alimentador_profiles()"); python3 tests/docs/check.py words docs/src/stream.md "${profiles[@]}")" ""

summary docs
