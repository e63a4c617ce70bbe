#!/usr/bin/env bash
# Creates/refreshes the venv that holds mdBook (tests/docs/requirements.txt) and prints its path on
# stdout. A no-op when it is up to date.
#   DOCS_VENV   venv location (default ~/.cache/alimentador/docs-venv)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${DOCS_VENV:-$HOME/.cache/alimentador/docs-venv}
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [[ ! -x $venv/bin/mdbook || ! -f $venv/.requirements.sha256 || $(cat "$venv/.requirements.sha256") != "$want" ]]; then
  echo "docs: installing tests/docs/requirements.txt into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$here/requirements.txt" >&2
  echo "$want" > "$venv/.requirements.sha256"
fi
echo "$venv"
