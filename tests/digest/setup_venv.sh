#!/usr/bin/env bash
# Creates/refreshes the DuckDB venv of the digest and verifier tests (tests/digest/requirements.txt)
# and prints its path on stdout. A no-op when it is up to date; scripts/test.sh runs it before the
# tests that use it run side by side.
#   DIGEST_VENV   venv location (default ~/.cache/alimentador/digest-venv)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${DIGEST_VENV:-$HOME/.cache/alimentador/digest-venv}
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [[ ! -x $venv/bin/python || ! -f $venv/.requirements.sha256 || $(cat "$venv/.requirements.sha256") != "$want" ]]; then
  echo "digest: installing tests/digest/requirements.txt into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$here/requirements.txt" >&2
  echo "$want" > "$venv/.requirements.sha256"
fi
echo "$venv"
