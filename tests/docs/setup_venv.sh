#!/usr/bin/env bash
# Creates/refreshes the venv that holds mdBook (tests/docs/requirements.txt) and prints its path on
# stdout. A no-op when it is up to date.
#   DOCS_VENV   venv location (default ~/.cache/alimentador/docs-venv)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/venv.sh
. "$here/../lib/venv.sh"
ensure_venv "${DOCS_VENV:-$HOME/.cache/alimentador/docs-venv}" "$here/requirements.txt" \
  -c 'import shutil, sys; sys.exit(shutil.which("mdbook", path=sys.prefix + "/bin") is None)'
