#!/usr/bin/env bash
# Creates/refreshes the DuckDB venv of the digest and verifier tests (tests/digest/requirements.txt)
# and prints its path on stdout. A no-op when it is up to date; scripts/test.sh runs it before the
# tests that use it run side by side.
#   DIGEST_VENV   venv location (default ~/.cache/alimentador/digest-venv)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/venv.sh
. "$here/../lib/venv.sh"
ensure_venv "${DIGEST_VENV:-$HOME/.cache/alimentador/digest-venv}" "$here/requirements.txt"
